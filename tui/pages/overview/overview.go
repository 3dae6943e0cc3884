package overview

import (
	"fmt"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/components/list"

	tea "github.com/charmbracelet/bubbletea"
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
	window  list.Window
	// The columns the drill-down's width left out, decided once for the
	// width over all its summonses, so that they stay put while it scrolls.
	droppedFor string // width and language they were decided for
	dropped    map[string]bool
}

// dashLine is a line of the overview; item is the bar or table row it
// shows, -1 for other lines.
type dashLine struct {
	text string
	item int
}

// Model is the pilot coordinators' overview: the key figures of a
// range of ISO weeks, the open rate per examination as bars, the weekly
// trend, and a table per breakdown; enter on a bar or a row lists the
// summonses behind it, and enter on one of those opens its booking.
type Model struct {
	c             *common.Common
	width, height int       // the room the root gives the page (SetSize)
	end           time.Time // Monday of the range's last week, Stockholm
	exam          string    // examination filter, "" for all
	by            dashBreakdown
	gen           int
	loaded        bool
	loading       bool // a load of gen is on its way
	dirty         bool // a change arrived while loading: load again when it lands
	cells         []dashCell
	errText       string
	sum           dashSummary
	cursor        int // bars first, then table rows
	window        list.Window
	drill         *dashDrill
	tableTop      bool     // tab was pressed: show the breakdown from its top
	moved         bool     // a key was pressed: the cursor is where the user put it
	drillN        int      // generation of drill-down loads
	keyLines      []string // the key lines the last View laid out (KeyLines)

	prevWeek, nextWeek, prev12, next12, examKey, tabKey, backTabKey, rolloutKey key.Binding
}

// New returns the overview of the last dashWeeks ISO weeks up to
// the current one.
func New(c *common.Common) *Model {
	return &Model{
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
	d := common.StartOfDay(t)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// isoWeekName is the ISO week of t as "2026-W48".
func isoWeekName(t time.Time) string {
	y, w := t.In(domain.Stockholm).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// weekMondays are the Mondays of the range, first to last.
func (m *Model) weekMondays() []time.Time {
	out := make([]time.Time, dashWeeks)
	for i := range out {
		out[i] = m.end.AddDate(0, 0, -7*(dashWeeks-1-i))
	}
	return out
}

func (m *Model) weekNames() []string {
	var out []string
	for _, d := range m.weekMondays() {
		out = append(out, isoWeekName(d))
	}
	return out
}

// Init loads the figures, and the drill-down's summonses when one is shown
// (the page is reloaded this way when a booking's detail closes over it).
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.load()}
	if m.drill != nil {
		cmds = append(cmds, m.loadDrill())
	}
	return tea.Batch(cmds...)
}

// Update handles keys, loads and changes from elsewhere; it never blocks.
func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dashLoadedMsg:
		if msg.gen != m.gen {
			return nil // a newer load is on its way
		}
		m.loaded, m.loading = true, false
		if msg.err != nil {
			m.errText = common.FriendlyError(m.c, msg.err)
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
	case common.ChangedMsg, common.InfoMsg:
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

// factKey identifies a summons across reloads.
func factKey(f metrics.Fact) string {
	return f.Booking.String() + "@" + strconv.FormatInt(f.SentAt.UnixNano(), 10)
}

// items are the rows enter drills into: the bars, then the table's rows.
func (m *Model) items() []dashRow {
	return append(append([]dashRow(nil), m.sum.exams...), m.sum.table...)
}

func (m *Model) updateKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	m.moved = true
	n := len(m.sum.exams) + len(m.sum.table)
	// One row above the first bar: the key figures (cursor -1), which a
	// short terminal otherwise scrolls away for good.
	if c, ok := common.Navigate(k, msg, m.cursor+1, n+1, m.bodyHeight()/2); ok {
		m.cursor = c - 1
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		m.c.Post(common.BackMsg{})
		return nil
	case key.Matches(msg, m.rolloutKey):
		m.c.Post(common.OpenRolloutMsg{})
		return nil
	case key.Matches(msg, m.tabKey), key.Matches(msg, m.backTabKey):
		if key.Matches(msg, m.tabKey) {
			m.by = (m.by + 1) % dashBreakdowns
		} else {
			m.by = (m.by + dashBreakdowns - 1) % dashBreakdowns
		}
		m.summarize()
		m.cursor = len(m.sum.exams) // the breakdown comes into view, whatever the height
		m.tableTop = true
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
func (m *Model) shift(weeks int) tea.Cmd {
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

// HelpInPage tells the root that the page lays out its own keys.
func (m *Model) HelpInPage() {}

// Title names the page.
func (m *Model) Title() string { return m.c.T("page_dashboard") }

// Update handles a message for the page; the root routes it to the page shown.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) { return m, m.update(msg) }

// SetSize is the room the root gives the page: the terminal's width, and its
// height less the title, status and key lines.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }
