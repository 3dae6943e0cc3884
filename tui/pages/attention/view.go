package attention

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/components/list"
	"github.com/kallelse/kallelse/tui/i18n"
)

// View renders the sections that have rows, scrolled so that the selected
// row shows, in the page's room less its key lines (KeyLines): the keys for
// the selected row, which the root draws under the status line.
func (m *Model) View() string {
	s := m.c.Styles
	h := max(m.height, 5)
	if !m.loaded {
		m.keys = nil
		return strings.Join(common.PadLines([]string{s.Muted.Render(m.c.T("loading"))}, h), "\n")
	}
	var lines []list.Line
	add := func(text string, row int) { lines = append(lines, list.Line{Text: text, Row: row >= 0}) }
	if m.errText != "" {
		add(s.Error.Render(common.Truncate("✗ "+m.errText, m.width)), -1)
	}
	for _, w := range m.warnings {
		add(s.Warn.Render(common.Truncate("⚠ "+w, m.width)), -1)
	}
	if len(m.rows) == 0 && m.errText == "" {
		add(s.OK.Render("✓ "+m.c.T("attn_empty")), -1)
	}
	selLine, selLast := 0, 0
	for i, r := range m.rows {
		if i == 0 || m.rows[i-1].kind != r.kind || m.rows[i-1].late != r.late {
			if len(lines) > 0 {
				add("", -1)
			}
			add(s.Header.Render(common.Truncate(m.sectionTitle(r.kind, r.late), m.width)), -1)
		}
		for j, l := range m.rowLines(r) {
			text := common.PadRight(l, m.width)
			if i == m.cursor {
				if j == 0 {
					selLine = len(lines)
					text = "▸" + strings.TrimPrefix(text, " ")
				}
				selLast = len(lines)
				text = s.Selected.Render(text)
			}
			add(text, i)
		}
	}
	// Scroll: keep the selected row, and its section title (and the blank
	// line above it) when it is the first of its section, on screen.
	area := m.listHeight()
	m.window.Lead = 2
	hint := m.hint(len(lines) > area)
	// A second line of keys (the selected row's own) takes a line of the
	// list before it is laid out, so that the selected row stays on screen.
	area = max(1, area-strings.Count(hint, "\n"))
	out := m.window.ShowSpan(lines, selLine, selLast, area)
	out = common.PadLines(out, area)
	m.keys = strings.Split(hint, "\n")
	return strings.Join(out, "\n")
}

// KeyLines are the keys for the selected row, as the last View laid them
// out: the root draws them under the status line.
func (m *Model) KeyLines() []string { return m.keys }

func (m *Model) sectionTitle(k attnKind, late bool) string {
	n := 0
	for _, r := range m.rows {
		if r.kind == k && r.late == late {
			n++
		}
	}
	if late {
		return m.c.T([...]string{"attn_sec_late_rebook", "attn_sec_late_cancel"}[k], n)
	}
	return m.c.T([...]string{"attn_sec_rebook", "attn_sec_cancel", "attn_sec_phone", "attn_sec_handover", "attn_sec_outdated",
		"attn_sec_failing", "attn_sec_quarantine"}[k], n)
}

// rowLines is the row as drawn, indented: one line, cut to the width if
// need be; a quarantined file's row and a failing delivery's wrap under
// themselves instead, so that the reason — why the file was set aside, why
// the delivery fails: what the operator decides on — is read whole.
func (m *Model) rowLines(r attnRow) []string {
	if r.kind == attnQuarantine || r.kind == attnFailing {
		return common.WrapIndent("  "+m.rowText(r), m.width, 4)
	}
	return []string{"  " + m.rowText(r)}
}

// rowText says what the row is in words, with a symbol before them.
func (m *Model) rowText(r attnRow) string {
	c := m.c
	switch r.kind {
	case attnFailing:
		e := r.entry
		why := strings.TrimSpace(e.LastError)
		if why == "" {
			why = c.T("attn_no_error")
		}
		who := e.Message.ID
		if r.name != "" {
			who = r.name + ", " + who
		}
		return "✉ " + c.T("attn_failing", e.Attempts) + " — " + who + ": " + common.FirstLineOf(why)
	case attnQuarantine:
		why := i18n.QuarantineText(c.Lang, r.file.Problem, strings.TrimSpace(common.FirstLineOf(r.file.Reason)))
		if strings.TrimSpace(why) == "" {
			why = c.T("attn_no_reason")
		}
		return "⚠ " + c.T("attn_quarantine") + ": " + i18n.Printable(r.file.Name) + " — " + i18n.Printable(common.FirstLineOf(why))
	}
	sym, word := "↻", c.T("attn_rebook")
	switch r.kind {
	case attnCancel:
		sym, word = "✗", c.T("attn_cancel")
	case attnPhone:
		sym, word = "☎", c.T("attn_phone")
		if r.booking != nil && r.booking.PhoneOfCancellation() {
			word = c.T("attn_phone_cancel")
		}
	case attnHandOver:
		sym, word = "⚿", c.T("attn_handover")
		if r.booking != nil && r.booking.HandOverOfCancellation() {
			word = c.T("attn_handover_cancel")
		}
	case attnOutdated:
		sym, word = "✉", c.T("attn_outdated")
	}
	b := r.booking
	nameW, examW := 20, 10
	if m.width >= 120 {
		nameW, examW = 30, 14
	}
	visit := i18n.WeekdayShort(c.Lang, b.VisitAt()) + " " + i18n.FmtShort(b.VisitAt())
	tail := visit + "  " + c.T("attn_since", i18n.FmtAge(c.Lang, c.Now().Sub(r.since)))
	// The room the names get is the same on every row: reckoned with the
	// longest wait a row can show, so that the columns line up.
	tailW := common.Width(visit + "  " + c.T("attn_since", "999d"))
	// The words of the sections on the page line up; a section that is not
	// there takes no room.
	wordW := 0
	words := map[attnKind]string{attnRebook: "attn_rebook", attnCancel: "attn_cancel", attnPhone: "attn_phone", attnHandOver: "attn_handover",
		attnOutdated: "attn_outdated"}
	for _, row := range m.rows {
		if w, ok := words[row.kind]; ok {
			wordW = max(wordW, lipgloss.Width(c.T(w)))
		}
		if row.kind == attnHandOver && row.booking != nil && row.booking.HandOverOfCancellation() {
			wordW = max(wordW, lipgloss.Width(c.T("attn_handover_cancel")))
		}
		if row.kind == attnPhone && row.booking != nil && row.booking.PhoneOfCancellation() {
			wordW = max(wordW, lipgloss.Width(c.T("attn_phone_cancel")))
		}
	}
	// Narrow, the visit and the waiting time stay: the examination goes
	// first, then the name gives way.
	exam := common.PadRight(b.Exam(), examW) + " "
	room := m.width - 2 - lipgloss.Width(sym) - 1 - wordW - 1 - 1 - tailW
	if room-examW-1 < 12 {
		exam = ""
	} else {
		room -= examW + 1
	}
	nameW = max(6, min(nameW, room))
	name := string(common.AppendName(nil, r.name, nameW)) // the surname kept, as in the list
	return sym + " " + common.PadRight(word, wordW) + " " + common.PadRight(name, nameW) + " " + exam + tail
}

// hint names the keys for the selected row, and where the list is when it
// scrolls.
func (m *Model) hint(scrolls bool) string {
	bs := m.ShortHelp()
	pos := ""
	if scrolls && len(m.rows) > 0 {
		pos = fmt.Sprintf("%d/%d", m.cursor+1, len(m.rows))
	}
	return common.HintLine(m.c, bs, pos)
}

// ShortHelp is the keys for the selected row.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	var bs []key.Binding
	if r := m.selected(); r != nil {
		bs = append(bs, key.NewBinding(key.WithHelp("↑/↓", m.c.T("attn_select"))))
		switch r.kind {
		case attnRebook:
			bs = append(bs, k.Rebook, k.Cancel, k.Keep, k.Open)
		case attnCancel:
			bs = append(bs, k.Cancel, k.Keep, k.Open)
		case attnPhone:
			bs = append(bs, k.Phoned, k.Open)
		case attnHandOver:
			bs = append(bs, key.NewBinding(key.WithHelp(k.Phoned.Help().Key, m.c.T("act_handed_over"))), k.Open)
		case attnOutdated:
			bs = append(bs, key.NewBinding(key.WithHelp(k.Phoned.Help().Key, m.c.T("act_letter_handled"))), k.Open)
		case attnFailing:
			bs = append(bs, m.retry)
			if r.booking != nil {
				bs = append(bs, k.Paper, k.Open)
			}
		case attnQuarantine:
			bs = append(bs, m.retry, m.discard)
		}
	}
	return append(bs, k.Back, k.Help)
}

// FullHelp is the keys for the selected row, every key of the page
// whatever the row, then those that lead elsewhere.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.Keys
	every := []key.Binding{k.Rebook, k.Cancel, k.Keep, k.Phoned, k.Paper, m.retry, m.discard, k.Open}
	// The selected row's keys first, without those the next line lists
	// anyway: each key once.
	listed := map[string]bool{k.Help.Help().Key: true} // listed with the keys that lead elsewhere
	for _, b := range every {
		listed[b.Help().Key] = true
	}
	var first []key.Binding
	for _, b := range m.ShortHelp() {
		if !listed[b.Help().Key] {
			first = append(first, b)
		}
	}
	return [][]key.Binding{first, every, m.c.Keys.Elsewhere()}
}
