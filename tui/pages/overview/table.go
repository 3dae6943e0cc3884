package overview

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

// dashCol is a column of the overview's table.
type dashCol struct {
	key  string
	cell func(lang i18n.Lang, t metrics.Totals) string
}

var dashCols = []dashCol{
	{"dash_col_sent", func(l i18n.Lang, t metrics.Totals) string { return common.FmtInt(l, t.DigitalSent) }},
	{"dash_col_opened", func(l i18n.Lang, t metrics.Totals) string { return common.FmtPct(l, t.OpenRate()) }},
	{"dash_col_in_time", func(l i18n.Lang, t metrics.Totals) string { return common.FmtPct(l, t.OpenedInTimeRate()) }},
	{"dash_col_median", func(l i18n.Lang, t metrics.Totals) string { s, _ := common.FmtQuantile(l, t, 0.5); return s }},
	{"dash_col_paper", func(l i18n.Lang, t metrics.Totals) string { return common.FmtInt(l, t.PaperLetters()) }},
	{"dash_col_no_show", func(l i18n.Lang, t metrics.Totals) string { return common.FmtPct(l, t.NoShowRate()) }},
}

// tableLines are the breakdown's tabs, header and rows.
func (m *Model) tableLines(w int) []dashLine {
	c, s, lang := m.c, m.c.Styles, m.c.Lang
	var tabs strings.Builder
	tabs.WriteString(c.T("dash_breakdown"))
	for b := dashBreakdown(0); b < dashBreakdowns; b++ {
		if b == m.by {
			tabs.WriteString(" [" + c.T(b.key()) + "]")
		} else {
			tabs.WriteString("  " + c.T(b.key()) + " ")
		}
	}
	tabLine := tabs.String()
	if common.Width(tabLine) > w {
		// Narrow: the breakdown shown, and the one tab brings.
		tabLine = c.T("dash_breakdown") + " [" + c.T(m.by.key()) + "]  tab → " + c.T(((m.by + 1) % dashBreakdowns).key())
	}
	lines := []dashLine{{common.Truncate(tabLine, w), -1}}
	labelHdr := common.UpperFirst(c.T(m.by.key()))
	labelW := lipgloss.Width(labelHdr)
	for _, r := range m.sum.table {
		labelW = max(labelW, lipgloss.Width(r.label))
	}
	labelW = min(labelW, 20)
	headers := make([]string, len(dashCols))
	widths := make([]int, len(dashCols))
	fits := func(long bool) bool {
		total := 2 + labelW
		for i, col := range dashCols {
			h := c.T(col.key)
			if i18n.Has(col.key+"_long") && long {
				h = c.T(col.key + "_long")
			}
			headers[i], widths[i] = h, max(7, lipgloss.Width(h))
			for _, r := range m.sum.table { // a column is as wide as its widest figure
				widths[i] = max(widths[i], lipgloss.Width(col.cell(lang, r.t)))
			}
			total += 1 + widths[i]
		}
		return total <= w
	}
	if !fits(true) {
		fits(false)
	}
	var hb strings.Builder
	hb.WriteString("  " + common.PadRight(labelHdr, labelW))
	for i, h := range headers {
		hb.WriteString(" " + common.PadLeft(h, widths[i]))
	}
	lines = append(lines, dashLine{s.Header.Render(common.Truncate(hb.String(), w)), -1})
	first := len(m.sum.exams)
	for i, r := range m.sum.table {
		var b strings.Builder
		b.WriteString("  " + common.PadRight(r.label, labelW))
		for j, col := range dashCols {
			b.WriteString(" " + common.PadLeft(col.cell(lang, r.t), widths[j]))
		}
		lines = append(lines, dashLine{m.rowStyle(common.PadRight(b.String(), w), first+i), first + i})
	}
	return lines
}

// hint is the table's keys on one line, or two when they do not fit one,
// then pos (where the page is scrolled to).
func (m *Model) hint(pos string) []string { return common.HintLines(m.c, m.tableKeys(), pos) }

// ShortHelp is the keys of the table, or of the drill-down when it is open.
func (m *Model) ShortHelp() []key.Binding {
	if m.drill != nil {
		return m.drillKeys()
	}
	return m.tableKeys()
}

// FullHelp is the page's keys, then those that lead elsewhere.
func (m *Model) FullHelp() [][]key.Binding {
	return m.c.Keys.PageHelp(m.ShortHelp())
}

func (m *Model) tableKeys() []key.Binding {
	k := m.c.Keys
	var bs []key.Binding
	// enter drills into a bar or a table row; on the key figures above
	// them (where a short terminal opens) it would do nothing.
	if m.c.May(domain.PermDrillDown) && k.Open.Enabled() && m.cursor >= 0 {
		bs = append(bs, key.NewBinding(key.WithHelp(k.Open.Help().Key, m.c.T("dash_key_drill"))))
	}
	bs = append(bs, m.rolloutKey, m.tabKey, m.prevWeek, m.examKey, k.Back, m.prev12,
		key.NewBinding(key.WithHelp("↑/↓", m.c.T("attn_select"))), k.Help)
	return bs
}

// hintLines is how many lines the keys take now.
func (m *Model) hintLines() int {
	return len(common.HintLines(m.c, m.ShortHelp(), "↕"))
}
