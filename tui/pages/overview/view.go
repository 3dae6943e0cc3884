package overview

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/components/chart"
	"github.com/kallelse/kallelse/tui/components/list"
	"github.com/kallelse/kallelse/tui/i18n"
)

// bodyHeight is the lines under the range line: the page's room less its
// key lines.
func (m *Model) bodyHeight() int { return max(m.height, 5) - 1 - m.hintLines() }

// View draws the range line and the figures scrolled so that the selected
// bar or row shows (or the drill-down), in the page's room less its key
// lines (KeyLines), which the root draws under the status line.
func (m *Model) View() string {
	s := m.c.Styles
	h := max(m.height, 5)
	w := m.width
	if m.c.Backend.Reports == nil {
		m.keyLines = common.HintLines(m.c, []key.Binding{m.c.Keys.Back}, "")
		return strings.Join(common.PadLines([]string{s.Warn.Render(common.Truncate("⚠ "+m.c.T("dash_no_reports"), w))}, h-len(m.keyLines)), "\n")
	}
	if !m.loaded {
		m.keyLines = nil
		return strings.Join(common.PadLines([]string{s.Muted.Render(m.c.T("loading"))}, h), "\n")
	}
	head := m.rangeLine()
	if m.drill != nil {
		return m.drillView(head, h)
	}
	var lines []dashLine
	if m.errText != "" {
		lines = append(lines, dashLine{s.Error.Render(common.Truncate("✗ "+m.errText, w)), -1})
	}
	lines = append(lines, m.docLines()...)
	area := m.bodyHeight()
	sel := 0
	for i, l := range lines {
		if l.item == m.cursor {
			sel = i
			break
		}
	}
	if m.cursor == 0 && sel >= area && !m.moved {
		m.cursor = -1 // opened on a short terminal: the key figures first, ↓ to the bars
	}
	if m.cursor < 0 || (m.cursor == 0 && sel < area) {
		sel = 0 // the key figures above the first bar
	}
	// Keep the bar chart's title, or the table's tabs and header, in view
	// with their first row.
	m.window.Lead, m.window.StopAtBlank = 2, true
	if m.tableTop && sel >= 2 {
		// tab: the breakdown from its tabs down, as much of it as fits.
		m.window.Offset = sel - 2
		m.tableTop = false
	}
	ll := make([]list.Line, len(lines))
	for i, l := range lines {
		ll[i] = list.Line{Text: l.text, Row: l.item >= 0}
	}
	out := append([]string{head}, m.window.Show(ll, sel, area)...)
	// Where the page is when it scrolls: more above ↑, below ↓, or both.
	pos := ""
	switch above, below := m.window.More(len(lines), area); {
	case above && below:
		pos = "↕"
	case above:
		pos = "↑"
	case below:
		pos = "↓"
	}
	m.keyLines = m.hint(pos)
	return strings.Join(common.PadLines(out, h-len(m.keyLines)), "\n")
}

// KeyLines are the keys of the overview, or of the drill-down, as the last
// View laid them out: the root draws them under the status line.
func (m *Model) KeyLines() []string { return m.keyLines }

// rangeLine says which weeks (and days) the figures are of, and the
// examination filter.
func (m *Model) rangeLine() string {
	ws := m.weekMondays()
	first, last := ws[0], ws[len(ws)-1].AddDate(0, 0, 6)
	exam := m.exam
	if exam == "" {
		exam = m.c.T("all")
	}
	filter := " · " + m.c.T("dash_exam_filter", exam)
	text := m.c.T("dash_range", isoWeekName(first), isoWeekName(last), first.Format("2006-01-02"), last.Format("2006-01-02")) + filter
	if common.Width(text) > m.width {
		// Narrow, the dates give way: the weeks and the filter stay.
		text = m.c.T("dash_range_short", isoWeekName(first), isoWeekName(last)) + filter
	}
	return m.c.Styles.Header.Render(common.Truncate(text, m.width))
}

// docLines are the overview's lines: key figures, the bars and the trend
// (side by side when the terminal is wide), and the table.
func (m *Model) docLines() []dashLine {
	w := m.width
	var lines []dashLine
	for _, l := range m.figureLines(w) {
		lines = append(lines, dashLine{l, -1})
	}
	lines = append(lines, dashLine{"", -1})
	if w >= 110 {
		lw := w/2 + 2
		bars := m.barLines(lw - 2)
		trend := m.trendLines(w - lw)
		for i := 0; i < max(len(bars), len(trend)); i++ {
			l := dashLine{common.PadRight("", lw-2), -1}
			if i < len(bars) {
				l = bars[i]
				l.text = common.PadRight(l.text, lw-2)
			}
			if i < len(trend) {
				l.text += "  " + trend[i]
			}
			lines = append(lines, l)
		}
	} else {
		lines = append(lines, m.barLines(w)...)
		lines = append(lines, dashLine{"", -1})
		for _, l := range m.trendLines(w) {
			lines = append(lines, dashLine{l, -1})
		}
	}
	lines = append(lines, dashLine{"", -1})
	return append(lines, m.tableLines(w)...)
}

// figureLines are the key figures in words: a grid of label and value,
// then complementary letters by reason and no-shows by channel group.
func (m *Model) figureLines(w int) []string {
	c, s, t, lang := m.c, m.c.Styles, m.sum.total, m.c.Lang
	median, _ := common.FmtQuantile(lang, t, 0.5)
	p90, _ := common.FmtQuantile(lang, t, 0.9)
	opened := common.FmtInt(lang, t.Opened)
	if t.DigitalSent > 0 {
		opened += " (" + common.FmtPct(lang, t.OpenRate()) + ")"
	}
	cells := [][2]string{
		{c.T("dash_sent"), common.FmtInt(lang, t.DigitalSent)},
		{c.T("dash_opened"), opened},
		{c.T("dash_in_time"), common.FmtPct(lang, t.OpenedInTimeRate())},
		{c.T("dash_median"), median},
		{c.T("dash_p90"), p90},
		{c.T("dash_avoided"), common.FmtInt(lang, t.PaperAvoided)},
		{c.T("dash_fallback"), common.FmtInt(lang, t.Fallback)},
		{c.T("dash_by_hand"), common.FmtInt(lang, t.FallbackByHand)},
		{c.T("dash_paper_only"), common.FmtInt(lang, t.PaperOnlySent)},
		{c.T("dash_reminders"), common.FmtInt(lang, t.Reminders)},
		{c.T("dash_rebook_requests"), common.FmtInt(lang, t.RebookRequests)},
		{c.T("dash_cancel_requests"), common.FmtInt(lang, t.CancelRequests)},
	}
	cols := max(1, (w+2)/40)
	cellW := (w - 2*(cols-1)) / cols
	var out []string
	for i := 0; i < len(cells); i += cols {
		var b strings.Builder
		for j := i; j < i+cols && j < len(cells); j++ {
			if j > i {
				b.WriteString("  ")
			}
			label, value := cells[j][0], cells[j][1]
			label = common.Truncate(label, max(1, cellW-1-lipgloss.Width(value)))
			gap := max(1, cellW-lipgloss.Width(label)-lipgloss.Width(value))
			b.WriteString(s.Label.Render(label) + strings.Repeat(" ", gap) + s.Value.Render(value))
		}
		out = append(out, b.String())
	}
	// Complementary letters (R3) by reason, in the domain's report order.
	var reasons []string
	seen := map[domain.Reason]bool{}
	for _, r := range domain.AllReasons {
		seen[r] = true
		if n := t.Complement[r]; n != 0 {
			reasons = append(reasons, i18n.ReasonText(lang, r)+" "+common.FmtInt(lang, n))
		}
	}
	var other []string
	for r, n := range t.Complement {
		if !seen[r] && n != 0 {
			other = append(other, string(r)+" "+common.FmtInt(lang, n))
		}
	}
	sort.Strings(other)
	lead := c.T("dash_complement", common.FmtInt(lang, t.ComplementSent))
	if len(reasons)+len(other) > 0 {
		lead += " —"
	}
	out = append(out, common.WrapItems(lead, append(reasons, other...), w, 2)...)
	// No-shows by channel group: the pilot's question.
	var groups []string
	for _, g := range m.sum.groups {
		outcomes := g.t.Attended + g.t.NoShow
		text := g.label + " " + common.FmtPct(lang, g.t.NoShowRate())
		if outcomes > 0 {
			text += " (" + c.T("dash_of", common.FmtInt(lang, g.t.NoShow), common.FmtInt(lang, outcomes)) + ")"
		}
		groups = append(groups, text)
	}
	out = append(out, common.WrapItems(c.T("dash_no_shows"), groups, w, 2)...)
	return out
}

// barLines are the open rate per examination as horizontal bars, each with
// its percentage and counts written out.
func (m *Model) barLines(w int) []dashLine {
	s, lang := m.c.Styles, m.c.Lang
	lines := []dashLine{{s.Header.Render(common.Truncate(m.c.T("dash_bars"), w)), -1}}
	labelW, valW := 6, 0
	vals := make([]string, len(m.sum.exams))
	for i, r := range m.sum.exams {
		labelW = max(labelW, min(lipgloss.Width(r.label), 14))
		v := common.PadLeft(common.FmtPct(lang, r.t.OpenRate()), 7)
		if r.t.DigitalSent > 0 {
			v += " (" + common.FmtInt(lang, r.t.Opened) + "/" + common.FmtInt(lang, r.t.DigitalSent) + ")"
		}
		vals[i] = v
		valW = max(valW, lipgloss.Width(v))
	}
	barW := max(5, w-2-labelW-2-valW)
	for i, r := range m.sum.exams {
		bar := dashBar(r.t.OpenRate(), barW)
		if r.t.DigitalSent == 0 {
			bar = common.PadRight(m.c.T("dash_no_digital"), barW)
		}
		text := "  " + common.PadRight(r.label, labelW) + " " + bar + " " + common.PadRight(vals[i], valW)
		lines = append(lines, dashLine{m.rowStyle(common.PadRight(text, w), i), i})
	}
	return lines
}

// rowStyle marks the selected bar or row with ▸ as well as the colour.
func (m *Model) rowStyle(text string, item int) string {
	if item != m.cursor {
		return text
	}
	return m.c.Styles.Selected.Render("▸" + strings.TrimPrefix(text, " "))
}

// dashBar is a bar of w cells for a rate, in eighths of a cell, on a
// track; blank when the rate is undefined.
func dashBar(r float64, w int) string {
	if math.IsNaN(r) {
		return strings.Repeat(" ", w)
	}
	eighths := int(math.Round(max(0, min(1, r)) * float64(w*8)))
	b := strings.Repeat("█", eighths/8)
	if p := eighths % 8; p > 0 {
		b += string([]rune(" ▏▎▍▌▋▊▉")[p])
	}
	return b + strings.Repeat("░", w-utf8.RuneCountInString(b))
}

// trendLines are the open rate and the digital summonses sent per week as
// sparklines, with min and max and the first and last week under them.
func (m *Model) trendLines(w int) []string {
	c, s, lang := m.c, m.c.Styles, m.c.Lang
	weeks := m.sum.weeks
	labW := max(lipgloss.Width(c.T("dash_trend_rate")), lipgloss.Width(c.T("dash_trend_sent"))) + 2
	cw := max(1, min(3, (w-labW)/max(1, len(weeks))))
	indent := strings.Repeat(" ", labW)
	short := func(week string) string {
		n, _ := strconv.Atoi(week[strings.LastIndex(week, "W")+1:])
		return c.T("dash_week_short", n)
	}
	rates := make([]float64, len(weeks))
	sent := make([]float64, len(weeks))
	maxSent := 0.0
	for i, r := range weeks {
		rates[i] = r.t.OpenRate()
		sent[i] = float64(r.t.DigitalSent)
		maxSent = max(maxSent, sent[i])
	}
	// level is the eighth-block of v, -1 for nothing to show ("·").
	spark := func(vs []float64, level func(v float64) int) string {
		var b strings.Builder
		for _, v := range vs {
			ch := "·" // no digital summons that week: no rate, no bar
			if l := level(v); l >= 0 {
				ch = string([]rune("▁▂▃▄▅▆▇█")[min(7, l)])
			}
			b.WriteString(strings.Repeat(ch, cw))
		}
		return b.String()
	}
	rateLevel := func(v float64) int {
		if math.IsNaN(v) {
			return -1
		}
		return int(math.Round(max(0, min(1, v)) * 7)) // 0 % ▁ … 100 % █
	}
	sentLevel := func(v float64) int {
		if v <= 0 {
			return -1
		}
		return max(0, int(math.Ceil(v/maxSent*8))-1) // relative to the busiest week
	}
	// minMax names the least and the most week of vs; where zeroIsNone
	// (summonses sent) weeks that are all 0 have nothing to name.
	minMax := func(vs []float64, zeroIsNone bool, f func(float64) string) string {
		lo, hi := -1, -1
		for i, v := range vs {
			if math.IsNaN(v) {
				continue
			}
			if lo < 0 || v < vs[lo] {
				lo = i
			}
			if hi < 0 || v > vs[hi] {
				hi = i
			}
		}
		if lo < 0 || zeroIsNone && vs[hi] == 0 {
			return c.T("dash_min_max", "–", "–", "–", "–")
		}
		return c.T("dash_min_max", f(vs[lo]), short(weeks[lo].label), f(vs[hi]), short(weeks[hi].label))
	}
	out := []string{s.Header.Render(common.Truncate(c.T("dash_trend"), w))}
	// The open rate as a chart with axes where there is room; else a
	// sparkline.
	labels := make([]string, len(weeks))
	for i, r := range weeks {
		labels[i] = short(r.label)
	}
	if chart := chart.Rates(c, labels, rates, min(w, 100), 8); chart != nil {
		out = append(out, c.T("dash_trend_rate"))
		out = append(out, chart...)
	} else {
		out = append(out, common.PadRight(c.T("dash_trend_rate"), labW)+spark(rates, rateLevel))
	}
	out = append(out,
		indent+minMax(rates, false, func(v float64) string { return common.FmtPct(lang, v) }),
		common.PadRight(c.T("dash_trend_sent"), labW)+spark(sent, sentLevel),
		indent+minMax(sent, true, func(v float64) string { return common.FmtInt(lang, int(v)) }),
	)
	if n := len(weeks); n > 0 {
		first, last := short(weeks[0].label), short(weeks[n-1].label)
		gap := max(1, cw*n-lipgloss.Width(first)-lipgloss.Width(last))
		out = append(out, indent+s.Muted.Render(first+strings.Repeat(" ", gap)+last))
	}
	for i := range out {
		out[i] = common.Truncate(out[i], w)
	}
	return out
}
