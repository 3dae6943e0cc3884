package overview

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// updateDrillKey handles the drill-down's keys: move, open the booking,
// back to the overview.
func (m *Model) updateDrillKey(msg tea.KeyMsg) tea.Cmd {
	k, d := m.c.Keys, m.drill
	n := len(d.facts)
	if c, ok := common.Navigate(k, msg, d.cursor, n, m.drillHeight()); ok {
		d.cursor = c
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		m.drill = nil
	case key.Matches(msg, k.Open):
		if d.cursor >= 0 && d.cursor < n {
			id := d.facts[d.cursor].Booking
			m.c.Post(common.OpenDetailMsg{ID: id})
			return nil
		}
	}
	return nil
}

// drillHeight is how many summonses the drill-down shows at once: the
// page less the range, title, header and key lines.
func (m *Model) drillHeight() int { return max(m.height, 5) - 3 - m.hintLines() }

// drillTitle names the row drilled into: "undersökning eko".
func (m *Model) drillTitle(r dashRow) string {
	c := m.c
	var parts []string
	sel := r.sel
	switch {
	case sel.site != "":
		parts = append(parts, c.T("dash_by_site")+" "+r.label)
	case sel.week != "":
		parts = append(parts, c.T("dash_by_week")+" "+r.label)
	case sel.age != "":
		parts = append(parts, c.T("dash_by_age")+" "+r.label)
	case sel.group != "":
		parts = append(parts, c.T("dash_by_group")+" "+r.label)
	}
	if sel.exam != "" {
		parts = append(parts, c.T("dash_by_exam")+" "+sel.exam)
	}
	if len(parts) == 0 {
		parts = append(parts, c.T("all"))
	}
	return strings.Join(parts, ", ")
}

// drillView lists the summonses behind the row: booking, day sent,
// examination, site, channel group, the visit's outcome and whether and
// when it was opened.
func (m *Model) drillView(head string, h int) string {
	c, s, d, lang, w := m.c, m.c.Styles, m.drill, m.c.Lang, m.width
	var digital, opened, noShow int
	for _, f := range d.facts {
		digital += f.DigitalSent
		opened += f.Opened
		noShow += f.NoShow
	}
	out := []string{head}
	if !d.loaded {
		out = append(out, s.Muted.Render(c.T("loading")))
		m.keyLines = m.drillHint("")
		return strings.Join(common.PadLines(out, h-len(m.keyLines)), "\n")
	}
	for _, l := range common.WrapItems(c.T("dash_drill_title", m.drillTitle(d.row)), []string{
		c.T("dash_drill_count", len(d.facts)), c.T("dash_drill_digital", digital), c.T("dash_drill_opened", opened), c.T("dash_drill_no_shows", noShow),
	}, w, 2) {
		out = append(out, s.Header.Render(l))
	}
	if d.errText != "" {
		out = append(out, s.Error.Render(common.Truncate("✗ "+d.errText, w)))
	}
	sel := d.row.sel
	type col struct {
		hdr   string
		right bool
		cell  func(f metrics.Fact) string
	}
	// The columns the row does not already say, the site only when wide.
	cols := []col{
		{c.T("dash_col_booking"), true, func(f metrics.Fact) string { return f.Booking.String() }},
		{c.T("dash_col_day"), false, func(f metrics.Fact) string { return f.Key.Day }},
	}
	if sel.exam == "" {
		cols = append(cols, col{c.T("dash_col_exam"), false, func(f metrics.Fact) string { return f.Key.Exam }})
	}
	if w >= 100 || sel.site != "" {
		cols = append(cols, col{c.T("dash_col_site"), false, func(f metrics.Fact) string { return f.Key.Site }})
	}
	if sel.group == "" {
		cols = append(cols, col{c.T("dash_col_group"), false, func(f metrics.Fact) string { return i18n.T(lang, "dash_grp_"+string(f.Key.Group)) }})
	}
	cols = append(cols,
		col{c.T("dash_col_visit"), false, func(f metrics.Fact) string {
			switch {
			case f.NoShow == 1:
				return i18n.StateText(lang, domain.StateNoShow)
			case f.Attended == 1:
				return i18n.StateText(lang, domain.StateAttended)
			}
			return "–"
		}},
		col{c.T("dash_col_open"), false, func(f metrics.Fact) string {
			switch {
			case f.DigitalSent == 0:
				return "–"
			case f.Opened == 1:
				return c.T("dash_opened_after", common.FmtDelay(lang, f.OpenDelay))
			}
			return c.T("dash_not_opened")
		}},
	)
	// The summonses get the room less the header and the key lines: these
	// take a second line when the place in the list does not fit the first.
	pos := func(area int) string {
		if len(d.facts) > area {
			return fmt.Sprintf("%d/%d", d.cursor+1, len(d.facts))
		}
		return ""
	}
	room := h - len(out) - 1
	m.keyLines = m.drillHint(pos(room - 1))
	area := max(1, room-len(m.keyLines))
	if p := pos(area); p != "" && len(d.facts) <= room-1 {
		m.keyLines = m.drillHint(p) // the keys' second line made it scroll
		area = max(1, room-len(m.keyLines))
	}
	// Widths from what is on screen, so that a narrow terminal keeps the
	// columns it can.

	from, to := d.window.Follow(len(d.facts), d.cursor, d.cursor, area)
	shown := d.facts[from:to]
	measure := func(facts []metrics.Fact) []int {
		widths := make([]int, len(cols))
		for i, cl := range cols {
			widths[i] = lipgloss.Width(cl.hdr)
			for _, f := range facts {
				widths[i] = max(widths[i], lipgloss.Width(cl.cell(f)))
			}
		}
		return widths
	}
	// Too narrow for them all: the group goes first, then the examination
	// and the site; the booking, the day, the visit and whether it was
	// opened — what the figure counts — stay whole. Decided over all the
	// summonses once for the width, so that columns do not come and go as
	// the list scrolls.
	if key := fmt.Sprint(w, lang, d.gen, len(d.facts)); d.droppedFor != key {
		d.droppedFor, d.dropped = key, map[string]bool{}
		widths := measure(d.facts)
		for _, drop := range []string{c.T("dash_col_group"), c.T("dash_col_exam"), c.T("dash_col_site")} {
			total := 2 + len(widths) - 1
			for i, wd := range widths {
				if !d.dropped[cols[i].hdr] {
					total += wd
				} else {
					total--
				}
			}
			if total <= w {
				break
			}
			d.dropped[drop] = true
		}
	}
	kept := cols[:0:0]
	for _, cl := range cols {
		if !d.dropped[cl.hdr] {
			kept = append(kept, cl)
		}
	}
	cols = kept
	widths := measure(shown)
	line := func(cells []string) string {
		var b strings.Builder
		b.WriteString("  ")
		for i, v := range cells {
			if i > 0 {
				b.WriteByte(' ')
			}
			if cols[i].right {
				b.WriteString(common.PadLeft(v, widths[i]))
			} else {
				b.WriteString(common.PadRight(v, widths[i]))
			}
		}
		return common.PadRight(strings.TrimRight(b.String(), " "), w)
	}
	hdrs := make([]string, len(cols))
	for i, cl := range cols {
		hdrs[i] = cl.hdr
	}
	out = append(out, s.Header.Render(line(hdrs)))
	if len(d.facts) == 0 {
		out = append(out, s.Muted.Render("  "+c.T("dash_drill_empty")))
	}
	for i, f := range shown {
		cells := make([]string, len(cols))
		for j, cl := range cols {
			cells[j] = cl.cell(f)
		}
		text := common.PadRight(line(cells), w)
		if from+i == d.cursor {
			text = s.Selected.Render("▸" + strings.TrimPrefix(text, " "))
		}
		out = append(out, text)
	}
	return strings.Join(common.PadLines(out, h-len(m.keyLines)), "\n")
}

// drillHint is the drill-down's keys on one line, or two when they do not
// fit one, then pos (where the list is scrolled to).
func (m *Model) drillHint(pos string) []string { return common.HintLines(m.c, m.drillKeys(), pos) }

func (m *Model) drillKeys() []key.Binding {
	k := m.c.Keys
	return []key.Binding{
		key.NewBinding(key.WithHelp(k.Open.Help().Key, m.c.T("dash_key_open_booking"))),
		k.Back,
		key.NewBinding(key.WithHelp("↑/↓", m.c.T("attn_select"))),
		k.Help,
	}
}
