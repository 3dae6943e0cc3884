package tui

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// dashWeeks is how many ISO weeks the overview shows, and how far [ and ]
// move the range.
const dashWeeks = 12

// dashBreakdown is what the overview's table is broken down by.
type dashBreakdown int

// The breakdowns, in the order tab cycles them.
const (
	dashByExam dashBreakdown = iota
	dashBySite
	dashByWeek
	dashByAge
	dashByGroup
	dashBreakdowns // how many
)

func (b dashBreakdown) key() string {
	return [...]string{"dash_by_exam", "dash_by_site", "dash_by_week", "dash_by_age", "dash_by_group"}[b]
}

// dashSel is what a figure stands for: the summonses matching every field
// that is set. It is also the key of the week-level sums the page keeps.
type dashSel struct {
	exam, site, week string
	age              metrics.AgeBand
	group            metrics.Group
}

// matches reports whether a summons filed under k in week belongs to s.
func (s dashSel) matches(week string, k metrics.Key) bool {
	return (s.exam == "" || s.exam == k.Exam) && (s.site == "" || s.site == k.Site) &&
		(s.week == "" || s.week == week) && (s.age == "" || s.age == k.Age) &&
		(s.group == "" || s.group == k.Group)
}

// dashCell is the store's day rows of one examination, site, age band and
// channel group summed over one week.
type dashCell struct {
	sel dashSel
	t   metrics.Totals
}

// dashLoadedMsg is the overview's figures for a range of weeks, read in a Cmd.
type dashLoadedMsg struct {
	gen   int
	cells []dashCell
	err   error
}

// dashMembersMsg is the summonses behind a figure, read in a Cmd for the
// drill-down.
type dashMembersMsg struct {
	gen   int
	facts []metrics.Fact
	err   error
}

// dashRow is a bar or a table row: a label, what it stands for and its sums.
type dashRow struct {
	label string
	sel   dashSel
	t     metrics.Totals
}

// dashSummary is the figures as shown, summed from the cells for the
// examination filter.
type dashSummary struct {
	total  metrics.Totals
	groups []dashRow // per channel group, for the no-shows
	exams  []dashRow // the bars
	weeks  []dashRow // the trend, every week of the range
	table  []dashRow // the chosen breakdown
}

// dashDrill is the list of summonses behind a bar or a table row.
type dashDrill struct {
	row     dashRow
	weeks   []string
	gen     int
	loaded  bool
	facts   []metrics.Fact
	errText string
	cursor  int
	offset  int
}

// dashLine is a line of the overview; item is the bar or table row it
// shows, -1 for other lines.
type dashLine struct {
	text string
	item int
}

// DashboardModel is the pilot coordinators' overview: the key figures of a
// range of ISO weeks, the open rate per examination as bars, the weekly
// trend, and a table per breakdown; enter on a bar or a row lists the
// summonses behind it, and enter on one of those opens its booking.
type DashboardModel struct {
	c       *Common
	end     time.Time // Monday of the range's last week, Stockholm
	exam    string    // examination filter, "" for all
	by      dashBreakdown
	gen     int
	loaded  bool
	loading bool // a load of gen is on its way
	dirty   bool // a change arrived while loading: load again when it lands
	cells   []dashCell
	errText string
	sum     dashSummary
	cursor  int // bars first, then table rows
	offset  int
	drill   *dashDrill
	drillN  int // generation of drill-down loads

	prevWeek, nextWeek, prev12, next12, examKey, tabKey, backTabKey, rolloutKey key.Binding
}

// NewDashboard returns the overview of the last dashWeeks ISO weeks up to
// the current one.
func NewDashboard(c *Common) *DashboardModel {
	return &DashboardModel{
		c:          c,
		end:        weekStart(c.Now()),
		prevWeek:   key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/→", c.T("dash_key_week"))),
		nextWeek:   key.NewBinding(key.WithKeys("right", "l")),
		prev12:     key.NewBinding(key.WithKeys("["), key.WithHelp("[/]", c.T("dash_key_12_weeks"))),
		next12:     key.NewBinding(key.WithKeys("]")),
		examKey:    key.NewBinding(key.WithKeys("e"), key.WithHelp("e", c.T("dash_key_exam"))),
		tabKey:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", c.T("dash_key_breakdown"))),
		backTabKey: key.NewBinding(key.WithKeys("shift+tab")),
		rolloutKey: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", c.T("dash_key_rollout"))),
	}
}

// weekStart is midnight, Stockholm, of the Monday of t's ISO week.
func weekStart(t time.Time) time.Time {
	d := startOfDay(t)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// isoWeekName is the ISO week of t as "2026-W48".
func isoWeekName(t time.Time) string {
	y, w := t.In(domain.Stockholm).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// weekMondays are the Mondays of the range, first to last.
func (m *DashboardModel) weekMondays() []time.Time {
	out := make([]time.Time, dashWeeks)
	for i := range out {
		out[i] = m.end.AddDate(0, 0, -7*(dashWeeks-1-i))
	}
	return out
}

func (m *DashboardModel) weekNames() []string {
	var out []string
	for _, d := range m.weekMondays() {
		out = append(out, isoWeekName(d))
	}
	return out
}

// Init loads the figures, and the drill-down's summonses when one is shown
// (the page is reloaded this way when a booking's detail closes over it).
func (m *DashboardModel) Init() tea.Cmd {
	cmds := []tea.Cmd{m.load()}
	if m.drill != nil {
		cmds = append(cmds, m.loadDrill())
	}
	return tea.Batch(cmds...)
}

// load reads the range's figures in a Cmd; only the newest load is applied.
func (m *DashboardModel) load() tea.Cmd {
	r := m.c.Backend.Reports
	if r == nil {
		m.loaded = true
		return nil
	}
	m.gen++
	m.loading, m.dirty = true, false
	gen, ctx := m.gen, m.c.Ctx
	weeks := m.weekNames()
	from, to := weeks[0], weeks[len(weeks)-1]
	return func() tea.Msg {
		msg := readWeekCells(ctx, r, from, to)
		msg.gen = gen
		if msg.err != nil {
			return tea.BatchMsg{msgAsCmd(ErrorMsg{msg.err}), msgAsCmd(msg)}
		}
		return msg
	}
}

// readWeekCells sums the store's rows of the weeks from..to by week,
// examination, site, age band and channel group.
func readWeekCells(ctx context.Context, r Reports, from, to string) dashLoadedMsg {
	sums := map[dashSel]*metrics.Totals{}
	err := r.WeekTotals(ctx, from, to, func(k metrics.Key, week string, t metrics.Totals) bool {
		s := dashSel{exam: k.Exam, site: k.Site, week: week, age: k.Age, group: k.Group}
		c := sums[s]
		if c == nil {
			c = &metrics.Totals{}
			sums[s] = c
		}
		c.Merge(t)
		return true
	})
	if err != nil {
		return dashLoadedMsg{err: err}
	}
	out := dashLoadedMsg{cells: make([]dashCell, 0, len(sums))}
	for s, t := range sums {
		out.cells = append(out.cells, dashCell{s, *t})
	}
	return out
}

// loadDrill reads the summonses behind the drill-down's row in a Cmd.
func (m *DashboardModel) loadDrill() tea.Cmd {
	d, r := m.drill, m.c.Backend.Reports
	if d == nil || r == nil {
		return nil
	}
	m.drillN++
	d.gen = m.drillN
	gen, ctx, sel := d.gen, m.c.Ctx, d.row.sel
	weeks := append([]string(nil), d.weeks...)
	return func() tea.Msg {
		var facts []metrics.Fact
		for _, w := range weeks {
			if sel.week != "" && sel.week != w {
				continue
			}
			err := r.Members(ctx, w, sel.exam, sel.group, func(f metrics.Fact) bool {
				if sel.matches(w, f.Key) {
					facts = append(facts, f)
				}
				return true
			})
			if err != nil {
				return tea.BatchMsg{msgAsCmd(ErrorMsg{err}), msgAsCmd(dashMembersMsg{gen: gen, err: err})}
			}
		}
		sort.SliceStable(facts, func(i, j int) bool {
			if !facts[i].SentAt.Equal(facts[j].SentAt) {
				return facts[i].SentAt.Before(facts[j].SentAt)
			}
			return facts[i].Booking < facts[j].Booking
		})
		return dashMembersMsg{gen: gen, facts: facts}
	}
}

// Update handles keys, loads and changes from elsewhere; it never blocks.
func (m *DashboardModel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dashLoadedMsg:
		if msg.gen != m.gen {
			return nil // a newer load is on its way
		}
		m.loaded, m.loading = true, false
		if msg.err != nil {
			m.errText = friendlyError(m.c, msg.err)
		} else {
			m.cells, m.errText = msg.cells, ""
			m.summarize()
		}
		if m.dirty {
			return m.load()
		}
	case dashMembersMsg:
		if d := m.drill; d != nil && msg.gen == d.gen {
			m.applyDrill(msg)
		}
	case ChangedMsg, InfoMsg:
		// Changes come in bursts; while a load is on its way, one more
		// after it lands is enough.
		var cmd tea.Cmd
		if m.loading {
			m.dirty = true
		} else {
			cmd = m.load()
		}
		if m.drill != nil {
			return tea.Batch(cmd, m.loadDrill())
		}
		return cmd
	case tea.KeyMsg:
		if m.drill != nil {
			return m.updateDrillKey(msg)
		}
		return m.updateKey(msg)
	}
	return nil
}

func (m *DashboardModel) applyDrill(msg dashMembersMsg) {
	d := m.drill
	d.loaded = true
	if msg.err != nil {
		d.errText = friendlyError(m.c, msg.err)
		return
	}
	var selKey string
	if d.cursor < len(d.facts) {
		selKey = factKey(d.facts[d.cursor])
	}
	d.facts, d.errText = msg.facts, ""
	for i, f := range d.facts {
		if factKey(f) == selKey {
			d.cursor = i
			return
		}
	}
	d.cursor = max(0, min(d.cursor, len(d.facts)-1))
}

// factKey identifies a summons across reloads.
func factKey(f metrics.Fact) string {
	return f.Booking.String() + "@" + strconv.FormatInt(f.SentAt.UnixNano(), 10)
}

// items are the rows enter drills into: the bars, then the table's rows.
func (m *DashboardModel) items() []dashRow {
	return append(append([]dashRow(nil), m.sum.exams...), m.sum.table...)
}

func (m *DashboardModel) updateKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	n := len(m.sum.exams) + len(m.sum.table)
	if c, ok := navigate(k, msg, m.cursor, n, m.bodyHeight()/2); ok {
		m.cursor = c
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		m.c.Post(BackMsg{})
		return nil
	case key.Matches(msg, m.rolloutKey):
		m.c.Post(OpenRolloutMsg{})
		return nil
	case key.Matches(msg, m.tabKey), key.Matches(msg, m.backTabKey):
		if key.Matches(msg, m.tabKey) {
			m.by = (m.by + 1) % dashBreakdowns
		} else {
			m.by = (m.by + dashBreakdowns - 1) % dashBreakdowns
		}
		m.summarize()
		m.cursor = len(m.sum.exams) // the breakdown comes into view, whatever the height
	case key.Matches(msg, m.examKey):
		exams := m.examCodes()
		i := 0
		for j, e := range exams {
			if e == m.exam {
				i = j
			}
		}
		rel := m.cursor - len(m.sum.exams) // the table row, when the cursor is in the table
		m.exam = exams[(i+1)%len(exams)]
		m.summarize()
		if rel >= 0 {
			m.cursor = max(0, min(len(m.sum.exams)+rel, len(m.sum.exams)+len(m.sum.table)-1))
		}
	case key.Matches(msg, m.prevWeek):
		return m.shift(-1)
	case key.Matches(msg, m.nextWeek):
		return m.shift(1)
	case key.Matches(msg, m.prev12):
		return m.shift(-dashWeeks)
	case key.Matches(msg, m.next12):
		return m.shift(dashWeeks)
	case key.Matches(msg, k.Open) && m.c.May(domain.PermDrillDown):
		items := m.items()
		if m.cursor < 0 || m.cursor >= len(items) {
			return nil
		}
		m.drill = &dashDrill{row: items[m.cursor], weeks: m.weekNames()}
		return m.loadDrill()
	}
	return nil
}

// shift moves the range by weeks, never past the current week.
func (m *DashboardModel) shift(weeks int) tea.Cmd {
	end := m.end.AddDate(0, 0, 7*weeks)
	if now := weekStart(m.c.Now()); end.After(now) {
		end = now
	}
	if end.Equal(m.end) {
		return nil
	}
	m.end = end
	return m.load()
}

// examCodes is the filter's cycle: all, then each examination of the
// catalogue and any other found in the figures.
func (m *DashboardModel) examCodes() []string {
	out := []string{""}
	seen := map[string]bool{"": true}
	for _, e := range m.c.Svc().Catalogue.Exams() {
		if !seen[e.Code] {
			seen[e.Code] = true
			out = append(out, e.Code)
		}
	}
	var extra []string
	for _, c := range m.cells {
		if !seen[c.sel.exam] {
			seen[c.sel.exam] = true
			extra = append(extra, c.sel.exam)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

func (m *DashboardModel) siteCodes() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range m.c.Svc().Catalogue.Sites() {
		seen[s.Code] = true
		out = append(out, s.Code)
	}
	var extra []string
	for _, c := range m.cells {
		if !seen[c.sel.site] {
			seen[c.sel.site] = true
			extra = append(extra, c.sel.site)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// summarize sums the cells into the figures shown, for the examination
// filter and the chosen breakdown.
func (m *DashboardModel) summarize() {
	lang := m.c.Lang
	var sum dashSummary
	base := dashSel{exam: m.exam}
	rowsFor := func(sels []dashSel, label func(dashSel) string) []dashRow {
		out := make([]dashRow, len(sels))
		for i, s := range sels {
			out[i] = dashRow{label: label(s), sel: s}
		}
		for _, c := range m.cells {
			for i := range out {
				if out[i].sel.matches(c.sel.week, metrics.Key{Exam: c.sel.exam, Site: c.sel.site, Age: c.sel.age, Group: c.sel.group}) {
					out[i].t.Merge(c.t)
				}
			}
		}
		return out
	}
	for _, c := range m.cells {
		if base.exam == "" || c.sel.exam == base.exam {
			sum.total.Merge(c.t)
		}
	}
	var exams, sites, weeks, ages, groups []dashSel
	for _, e := range m.examCodes()[1:] {
		if m.exam == "" || e == m.exam {
			exams = append(exams, dashSel{exam: e})
		}
	}
	for _, s := range m.siteCodes() {
		sites = append(sites, dashSel{exam: m.exam, site: s})
	}
	for _, w := range m.weekNames() {
		weeks = append(weeks, dashSel{exam: m.exam, week: w})
	}
	for _, a := range metrics.AgeBands {
		ages = append(ages, dashSel{exam: m.exam, age: a})
	}
	for _, g := range metrics.Groups {
		groups = append(groups, dashSel{exam: m.exam, group: g})
	}
	examLabel := func(s dashSel) string { return s.exam }
	weekLabel := func(s dashSel) string { return s.week }
	sum.exams = rowsFor(exams, examLabel)
	sum.weeks = rowsFor(weeks, weekLabel)
	sum.groups = rowsFor(groups, func(s dashSel) string { return T(lang, "dash_grp_"+string(s.group)) })
	switch m.by {
	case dashByExam:
		sum.table = sum.exams
	case dashBySite:
		sum.table = rowsFor(sites, func(s dashSel) string { return s.site })
	case dashByWeek:
		sum.table = sum.weeks
	case dashByAge:
		rows := rowsFor(ages, func(s dashSel) string { return T(lang, "dash_age_"+string(s.age)) })
		sum.table = rows[:0:0]
		for _, r := range rows {
			// The unknown band (reservnummer) only when it has summonses.
			if r.sel.age != metrics.AgeUnknown || r.t.Summonses != 0 {
				sum.table = append(sum.table, r)
			}
		}
	case dashByGroup:
		sum.table = sum.groups
	}
	m.sum = sum
	m.cursor = max(0, min(m.cursor, len(sum.exams)+len(sum.table)-1))
}

// bodyHeight is the lines between the range line and the hint line.
func (m *DashboardModel) bodyHeight() int { return max(m.c.Height-3, 5) - 2 }

// View draws the range line, the figures scrolled so that the selected bar
// or row shows (or the drill-down), and a hint line with the keys.
func (m *DashboardModel) View() string {
	s := m.c.Styles
	h := max(m.c.Height-3, 5)
	w := m.c.Width
	if m.c.Backend.Reports == nil {
		return strings.Join(padLines([]string{s.Warn.Render(truncate("⚠ "+m.c.T("dash_no_reports"), w))}, h-1), "\n") +
			"\n" + hintLine(m.c, []key.Binding{m.c.Keys.Back}, "")
	}
	if !m.loaded {
		return strings.Join(padLines([]string{s.Muted.Render(m.c.T("loading"))}, h), "\n")
	}
	head := m.rangeLine()
	if m.drill != nil {
		return m.drillView(head, h)
	}
	var lines []dashLine
	if m.errText != "" {
		lines = append(lines, dashLine{s.Error.Render(truncate("✗ "+m.errText, w)), -1})
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
	top := sel
	// Keep the bar chart's title, or the table's tabs and header, in view
	// with their first row.
	for top > 0 && lines[top-1].item < 0 && sel-top < 2 && lines[top-1].text != "" {
		top--
	}
	if m.cursor == 0 && sel < area {
		top = 0 // the key figures above the first bar
	}
	if m.offset > top {
		m.offset = top
	}
	if sel >= m.offset+area {
		m.offset = sel - area + 1
	}
	m.offset = max(0, min(m.offset, len(lines)-area))
	out := make([]string, 0, h)
	out = append(out, head)
	for i := m.offset; i < len(lines) && i < m.offset+area; i++ {
		out = append(out, lines[i].text)
	}
	out = padLines(out, h-1)
	// Where the page is when it scrolls: more above ↑, below ↓, or both.
	pos := ""
	switch above, below := m.offset > 0, m.offset+area < len(lines); {
	case above && below:
		pos = "↕"
	case above:
		pos = "↑"
	case below:
		pos = "↓"
	}
	return strings.Join(append(out, m.hint(pos)), "\n")
}

// rangeLine says which weeks (and days) the figures are of, and the
// examination filter.
func (m *DashboardModel) rangeLine() string {
	ws := m.weekMondays()
	first, last := ws[0], ws[len(ws)-1].AddDate(0, 0, 6)
	exam := m.exam
	if exam == "" {
		exam = m.c.T("all")
	}
	text := m.c.T("dash_range", isoWeekName(first), isoWeekName(last), first.Format("2006-01-02"), last.Format("2006-01-02")) +
		" · " + m.c.T("dash_exam_filter", exam)
	return m.c.Styles.Header.Render(truncate(text, m.c.Width))
}

// docLines are the overview's lines: key figures, the bars and the trend
// (side by side when the terminal is wide), and the table.
func (m *DashboardModel) docLines() []dashLine {
	w := m.c.Width
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
			l := dashLine{padRight("", lw-2), -1}
			if i < len(bars) {
				l = bars[i]
				l.text = padRight(l.text, lw-2)
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
func (m *DashboardModel) figureLines(w int) []string {
	c, s, t, lang := m.c, m.c.Styles, m.sum.total, m.c.Lang
	median, _ := dashQuantile(lang, t, 0.5)
	p90, _ := dashQuantile(lang, t, 0.9)
	opened := dashInt(lang, t.Opened)
	if t.DigitalSent > 0 {
		opened += " (" + dashPct(lang, t.OpenRate()) + ")"
	}
	cells := [][2]string{
		{c.T("dash_sent"), dashInt(lang, t.DigitalSent)},
		{c.T("dash_opened"), opened},
		{c.T("dash_in_time"), dashPct(lang, t.OpenedInTimeRate())},
		{c.T("dash_median"), median},
		{c.T("dash_p90"), p90},
		{c.T("dash_avoided"), dashInt(lang, t.PaperAvoided)},
		{c.T("dash_fallback"), dashInt(lang, t.Fallback)},
		{c.T("dash_by_hand"), dashInt(lang, t.FallbackByHand)},
		{c.T("dash_paper_only"), dashInt(lang, t.PaperOnlySent)},
		{c.T("dash_reminders"), dashInt(lang, t.Reminders)},
		{c.T("dash_rebook_requests"), dashInt(lang, t.RebookRequests)},
		{c.T("dash_cancel_requests"), dashInt(lang, t.CancelRequests)},
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
			label = truncate(label, max(1, cellW-1-lipgloss.Width(value)))
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
			reasons = append(reasons, ReasonText(lang, r)+" "+dashInt(lang, n))
		}
	}
	var other []string
	for r, n := range t.Complement {
		if !seen[r] && n != 0 {
			other = append(other, string(r)+" "+dashInt(lang, n))
		}
	}
	sort.Strings(other)
	lead := c.T("dash_complement", dashInt(lang, t.ComplementSent))
	if len(reasons)+len(other) > 0 {
		lead += " —"
	}
	out = append(out, wrapItems(lead, append(reasons, other...), w, 2)...)
	// No-shows by channel group: the pilot's question.
	var groups []string
	for _, g := range m.sum.groups {
		outcomes := g.t.Attended + g.t.NoShow
		text := g.label + " " + dashPct(lang, g.t.NoShowRate())
		if outcomes > 0 {
			text += " (" + c.T("dash_of", dashInt(lang, g.t.NoShow), dashInt(lang, outcomes)) + ")"
		}
		groups = append(groups, text)
	}
	out = append(out, wrapItems(c.T("dash_no_shows"), groups, w, 2)...)
	return out
}

// wrapItems writes lead and the items separated by " · ", wrapping to w
// with continuation lines indented.
func wrapItems(lead string, items []string, w, indent int) []string {
	var out []string
	line, fresh := lead, true
	for _, it := range items {
		sep := " · "
		if fresh {
			sep = " "
		}
		if lipgloss.Width(line+sep+it) > w && lipgloss.Width(line) > indent {
			out = append(out, line)
			line, sep = strings.Repeat(" ", indent), ""
		}
		line += sep + it
		fresh = false
	}
	return append(out, truncate(line, w))
}

// barLines are the open rate per examination as horizontal bars, each with
// its percentage and counts written out.
func (m *DashboardModel) barLines(w int) []dashLine {
	s, lang := m.c.Styles, m.c.Lang
	lines := []dashLine{{s.Header.Render(truncate(m.c.T("dash_bars"), w)), -1}}
	labelW, valW := 6, 0
	vals := make([]string, len(m.sum.exams))
	for i, r := range m.sum.exams {
		labelW = max(labelW, min(lipgloss.Width(r.label), 14))
		v := dashPadLeft(dashPct(lang, r.t.OpenRate()), 7)
		if r.t.DigitalSent > 0 {
			v += " (" + dashInt(lang, r.t.Opened) + "/" + dashInt(lang, r.t.DigitalSent) + ")"
		}
		vals[i] = v
		valW = max(valW, lipgloss.Width(v))
	}
	barW := max(5, w-2-labelW-2-valW)
	for i, r := range m.sum.exams {
		bar := dashBar(r.t.OpenRate(), barW)
		if r.t.DigitalSent == 0 {
			bar = padRight(m.c.T("dash_no_digital"), barW)
		}
		text := "  " + padRight(r.label, labelW) + " " + bar + " " + padRight(vals[i], valW)
		lines = append(lines, dashLine{m.rowStyle(padRight(text, w), i), i})
	}
	return lines
}

// rowStyle marks the selected bar or row with ▸ as well as the colour.
func (m *DashboardModel) rowStyle(text string, item int) string {
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
func (m *DashboardModel) trendLines(w int) []string {
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
	minMax := func(vs []float64, f func(float64) string) string {
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
		if lo < 0 {
			return c.T("dash_min_max", "–", "–", "–", "–")
		}
		return c.T("dash_min_max", f(vs[lo]), short(weeks[lo].label), f(vs[hi]), short(weeks[hi].label))
	}
	out := []string{s.Header.Render(truncate(c.T("dash_trend"), w))}
	// The open rate as a chart with axes where there is room; else a
	// sparkline.
	labels := make([]string, len(weeks))
	for i, r := range weeks {
		labels[i] = short(r.label)
	}
	if chart := rateChart(c, labels, rates, min(w, 100), 8); chart != nil {
		out = append(out, c.T("dash_trend_rate"))
		out = append(out, chart...)
	} else {
		out = append(out, padRight(c.T("dash_trend_rate"), labW)+spark(rates, rateLevel))
	}
	out = append(out,
		indent+minMax(rates, func(v float64) string { return dashPct(lang, v) }),
		padRight(c.T("dash_trend_sent"), labW)+spark(sent, sentLevel),
		indent+minMax(sent, func(v float64) string { return dashInt(lang, int(v)) }),
	)
	if n := len(weeks); n > 0 {
		first, last := short(weeks[0].label), short(weeks[n-1].label)
		gap := max(1, cw*n-lipgloss.Width(first)-lipgloss.Width(last))
		out = append(out, indent+s.Muted.Render(first+strings.Repeat(" ", gap)+last))
	}
	for i := range out {
		out[i] = truncate(out[i], w)
	}
	return out
}

// dashCol is a column of the overview's table.
type dashCol struct {
	key  string
	cell func(lang Lang, t metrics.Totals) string
}

var dashCols = []dashCol{
	{"dash_col_sent", func(l Lang, t metrics.Totals) string { return dashInt(l, t.DigitalSent) }},
	{"dash_col_opened", func(l Lang, t metrics.Totals) string { return dashPct(l, t.OpenRate()) }},
	{"dash_col_in_time", func(l Lang, t metrics.Totals) string { return dashPct(l, t.OpenedInTimeRate()) }},
	{"dash_col_median", func(l Lang, t metrics.Totals) string { s, _ := dashQuantile(l, t, 0.5); return s }},
	{"dash_col_paper", func(l Lang, t metrics.Totals) string { return dashInt(l, t.PaperLetters()) }},
	{"dash_col_no_show", func(l Lang, t metrics.Totals) string { return dashPct(l, t.NoShowRate()) }},
}

// tableLines are the breakdown's tabs, header and rows.
func (m *DashboardModel) tableLines(w int) []dashLine {
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
	lines := []dashLine{{truncate(tabs.String(), w), -1}}
	labelHdr := upperFirst(c.T(m.by.key()))
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
			if _, ok := msgs[col.key+"_long"]; ok && long {
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
	hb.WriteString("  " + padRight(labelHdr, labelW))
	for i, h := range headers {
		hb.WriteString(" " + dashPadLeft(h, widths[i]))
	}
	lines = append(lines, dashLine{s.Header.Render(truncate(hb.String(), w)), -1})
	first := len(m.sum.exams)
	for i, r := range m.sum.table {
		var b strings.Builder
		b.WriteString("  " + padRight(r.label, labelW))
		for j, col := range dashCols {
			b.WriteString(" " + dashPadLeft(col.cell(lang, r.t), widths[j]))
		}
		lines = append(lines, dashLine{m.rowStyle(padRight(b.String(), w), first+i), first + i})
	}
	return lines
}

func (m *DashboardModel) hint(pos string) string {
	k := m.c.Keys
	var bs []key.Binding
	if m.c.May(domain.PermDrillDown) && k.Open.Enabled() {
		bs = append(bs, key.NewBinding(key.WithHelp(k.Open.Help().Key, m.c.T("dash_key_drill"))))
	}
	bs = append(bs, m.rolloutKey, m.tabKey, m.prevWeek, m.examKey, k.Back, m.prev12,
		key.NewBinding(key.WithHelp("↑/↓", m.c.T("attn_select"))))
	return dashHint(m.c, bs, pos)
}

// dashHint shows the key hints that fit the width, in order, then pos when
// there is room left for it.
func dashHint(c *Common, bs []key.Binding, pos string) string {
	s := c.Styles
	var parts []string
	width := 0
	for _, b := range bs {
		p := b.Help().Key + " " + b.Help().Desc
		sep := 0
		if len(parts) > 0 {
			sep = 3
		}
		if width+sep+lipgloss.Width(p) > c.Width {
			break
		}
		width += sep + lipgloss.Width(p)
		parts = append(parts, s.Key.Render(b.Help().Key)+" "+s.Muted.Render(b.Help().Desc))
	}
	line := strings.Join(parts, s.Muted.Render(" · "))
	if pos != "" && width+3+lipgloss.Width(pos) <= c.Width {
		line += s.Muted.Render("   " + pos)
	}
	return line
}

// updateDrillKey handles the drill-down's keys: move, open the booking,
// back to the overview.
func (m *DashboardModel) updateDrillKey(msg tea.KeyMsg) tea.Cmd {
	k, d := m.c.Keys, m.drill
	n := len(d.facts)
	if c, ok := navigate(k, msg, d.cursor, n, m.drillHeight()); ok {
		d.cursor = c
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		m.drill = nil
	case key.Matches(msg, k.Open):
		if d.cursor >= 0 && d.cursor < n {
			id := d.facts[d.cursor].Booking
			m.c.Post(OpenDetailMsg{id})
			return nil
		}
	}
	return nil
}

// drillHeight is how many summonses the drill-down shows at once: the
// page less the range, title, header and hint lines.
func (m *DashboardModel) drillHeight() int { return max(m.c.Height-3, 5) - 4 }

// drillTitle names the row drilled into: "undersökning eko".
func (m *DashboardModel) drillTitle(r dashRow) string {
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
func (m *DashboardModel) drillView(head string, h int) string {
	c, s, d, lang, w := m.c, m.c.Styles, m.drill, m.c.Lang, m.c.Width
	var digital, opened, noShow int
	for _, f := range d.facts {
		digital += f.DigitalSent
		opened += f.Opened
		noShow += f.NoShow
	}
	out := []string{head}
	if !d.loaded {
		out = append(out, s.Muted.Render(c.T("loading")))
		return strings.Join(append(padLines(out, h-1), m.drillHint("")), "\n")
	}
	for _, l := range wrapItems(c.T("dash_drill_title", m.drillTitle(d.row)), []string{
		c.T("dash_drill_count", len(d.facts)), c.T("dash_drill_digital", digital), c.T("dash_drill_opened", opened), c.T("dash_drill_no_shows", noShow),
	}, w, 2) {
		out = append(out, s.Header.Render(l))
	}
	if d.errText != "" {
		out = append(out, s.Error.Render(truncate("✗ "+d.errText, w)))
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
		cols = append(cols, col{c.T("dash_col_group"), false, func(f metrics.Fact) string { return T(lang, "dash_grp_"+string(f.Key.Group)) }})
	}
	cols = append(cols,
		col{c.T("dash_col_visit"), false, func(f metrics.Fact) string {
			switch {
			case f.NoShow == 1:
				return StateText(lang, domain.StateNoShow)
			case f.Attended == 1:
				return StateText(lang, domain.StateAttended)
			}
			return "–"
		}},
		col{c.T("dash_col_open"), false, func(f metrics.Fact) string {
			switch {
			case f.DigitalSent == 0:
				return "–"
			case f.Opened == 1:
				return c.T("dash_opened_after", dashDelay(lang, f.OpenDelay))
			}
			return c.T("dash_not_opened")
		}},
	)
	// Widths from what is on screen, so that a narrow terminal keeps the
	// columns it can.
	area := max(1, h-1-len(out)-1) // less the hint line and the header

	if d.cursor < d.offset {
		d.offset = d.cursor
	}
	if d.cursor >= d.offset+area {
		d.offset = d.cursor - area + 1
	}
	d.offset = max(0, min(d.offset, len(d.facts)-area))
	shown := d.facts[d.offset:min(len(d.facts), d.offset+area)]
	widths := make([]int, len(cols))
	for i, cl := range cols {
		widths[i] = lipgloss.Width(cl.hdr)
		for _, f := range shown {
			widths[i] = max(widths[i], lipgloss.Width(cl.cell(f)))
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		b.WriteString("  ")
		for i, v := range cells {
			if i > 0 {
				b.WriteByte(' ')
			}
			if cols[i].right {
				b.WriteString(dashPadLeft(v, widths[i]))
			} else {
				b.WriteString(padRight(v, widths[i]))
			}
		}
		return padRight(strings.TrimRight(b.String(), " "), w)
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
		text := padRight(line(cells), w)
		if d.offset+i == d.cursor {
			text = s.Selected.Render("▸" + strings.TrimPrefix(text, " "))
		}
		out = append(out, text)
	}
	pos := ""
	if len(d.facts) > area {
		pos = fmt.Sprintf("%d/%d", d.cursor+1, len(d.facts))
	}
	return strings.Join(append(padLines(out, h-1), m.drillHint(pos)), "\n")
}

func (m *DashboardModel) drillHint(pos string) string {
	k := m.c.Keys
	bs := []key.Binding{
		key.NewBinding(key.WithHelp(k.Open.Help().Key, m.c.T("dash_key_open_booking"))),
		k.Back,
		key.NewBinding(key.WithHelp("↑/↓", m.c.T("attn_select"))),
	}
	return dashHint(m.c, bs, pos)
}

// HelpInPage tells the root that the page shows its own keys.
func (m *DashboardModel) HelpInPage() {}

// dashInt writes n with its thousands grouped: "12 345" in Swedish,
// "12,345" in English.
func dashInt(lang Lang, n int) string {
	if n < 0 {
		return "-" + dashInt(lang, -n)
	}
	s := strconv.Itoa(n)
	sep := " "
	if lang == English {
		sep = ","
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return s
}

// dashDec writes v with one decimal, with a decimal comma in Swedish.
func dashDec(lang Lang, v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if lang != English {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// dashPct writes a rate as a percentage with one decimal; an undefined
// rate (nothing to divide by) is "–", never 0 %.
func dashPct(lang Lang, r float64) string {
	if math.IsNaN(r) {
		return "–"
	}
	if lang == English {
		return dashDec(lang, r*100) + "%"
	}
	return dashDec(lang, r*100) + " %"
}

// dashDelay writes a time to open: "45 min", "5 t 15 min", "2 d 4 t".
func dashDelay(lang Lang, d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d < time.Hour:
		return T(lang, "dash_minutes", int(d/time.Minute))
	case d < 48*time.Hour:
		s := T(lang, "dash_hours", int(d/time.Hour))
		if mi := int(d % time.Hour / time.Minute); mi > 0 {
			s += " " + T(lang, "dash_minutes", mi)
		}
		return s
	}
	s := T(lang, "dash_days", int(d/(24*time.Hour)))
	if h := int(d % (24 * time.Hour) / time.Hour); h > 0 {
		s += " " + T(lang, "dash_hours", h)
	}
	return s
}

// dashQuantile writes the q-quantile of the time to open, "–" when nothing
// was opened: one way everywhere, in the key figures and the table.
func dashQuantile(lang Lang, t metrics.Totals, q float64) (string, bool) {
	d, ok := t.OpenDelayQuantile(q)
	if !ok {
		return "–", false
	}
	return dashDelay(lang, d), true
}

func dashPadLeft(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return truncate(s, w)
}

// upperFirst capitalises the first letter: "undersökning" → "Undersökning".
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
