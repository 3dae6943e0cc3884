package rollout

import (
	"fmt"
	"github.com/charmbracelet/lipgloss"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/kallelse/kallelse/tui/common"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

type rolloutLoadedMsg struct {
	r   metrics.Rollout
	err error
}

// Model answers the coordinators' question "which examination next,
// and what will it save?": one row per examination not yet digital, most
// letters avoided per month first, with the 90 % interval; enter shows the
// comparable groups behind the figure; below, each step taken beside what
// its projection promised (service.Rollout, the same as `report rollout`).
type Model struct {
	c             *common.Common
	width, height int // the room the root gives the page (SetSize)
	r             *metrics.Rollout
	err           string
	cursor        int
	drill         bool
	scroll        int
	open          key.Binding
	loading       bool
	selLine       int      // the selected row's line in the table, as last drawn
	follow        bool     // the cursor moved: the next drawing scrolls to it
	rowScroll     int      // the scroll that showed the cursor's row; more is below the table
	keyLines      []string // the key lines the last View laid out (KeyLines)
}

// New opens the page on the default period: the 84 days before today.
func New(c *common.Common) *Model {
	return &Model{c: c, loading: true,
		open: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", c.T("ro_key_groups")))}
}

// Init computes the report, off the Update loop.
func (m *Model) Init() tea.Cmd {
	svc, ctx := m.c.Svc(), m.c.Ctx
	to := common.StartOfDay(m.c.Now())
	from := to.AddDate(0, 0, -metrics.CheckDays)
	return func() tea.Msg {
		r, err := svc.Rollout(ctx, from, to)
		return rolloutLoadedMsg{r, err}
	}
}

// HelpInPage tells the root that the page lays out its own keys.
func (m *Model) HelpInPage() {}

// KeyLines are the page's keys, as the last View laid them out: the root
// draws them under the status line.
func (m *Model) KeyLines() []string { return m.keyLines }

// Title names the page.
func (m *Model) Title() string { return m.c.T("page_rollout") }

// ShortHelp is the keys of the table, or of the groups behind a figure.
func (m *Model) ShortHelp() []key.Binding {
	if m.drill {
		return []key.Binding{key.NewBinding(key.WithHelp("esc", m.c.T("ro_key_table"))), key.NewBinding(key.WithHelp("↑/↓", m.c.T("ro_key_scroll"))), m.c.Keys.Help}
	}
	return []key.Binding{m.open, key.NewBinding(key.WithHelp("↑/↓", m.c.T("ro_key_select"))), m.c.Keys.Back, m.c.Keys.Help}
}

// FullHelp is the page's keys, then those that lead elsewhere.
func (m *Model) FullHelp() [][]key.Binding {
	return m.c.Keys.PageHelp(m.ShortHelp())
}

// Update moves the cursor, opens and closes the groups behind a figure.
func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case rolloutLoadedMsg:
		m.loading = false
		if msg.err != nil {
			m.err = common.FriendlyError(m.c, msg.err)
			return nil
		}
		m.r = &msg.r
	case tea.KeyMsg:
		k := m.c.Keys
		n := 0
		if m.r != nil {
			n = len(m.r.Projections)
		}
		switch {
		case key.Matches(msg, k.Back):
			if m.drill {
				m.drill, m.scroll = false, 0
				return nil
			}
			m.c.Post(common.BackMsg{})
		case key.Matches(msg, m.open) && n > 0:
			m.drill, m.scroll = !m.drill, 0
		case key.Matches(msg, k.PageDown):
			m.scroll += max(1, m.height/2)
		case key.Matches(msg, k.PageUp):
			m.scroll = max(0, m.scroll-max(1, m.height/2))
		case key.Matches(msg, k.Down):
			if m.drill || m.cursor >= n-1 {
				m.scroll++ // past the last row: the checks below come into view
			} else {
				m.cursor++
				m.follow = true
			}
		case key.Matches(msg, k.Up):
			switch {
			case !m.drill && m.cursor > 0 && m.scroll <= m.rowScroll:
				m.cursor-- // not scrolled below the table: the row above
				m.follow = true
			case m.scroll > 0:
				m.scroll--
			case !m.drill && m.cursor > 0:
				m.cursor--
				m.follow = true
			}
		}
	}
	return nil
}

// perMonth writes a figure per month with its interval: "3,0 (2,0–4,0)",
// marked * when a group behind it had too few observations.
func (m *Model) perMonth(e metrics.Estimate, days int) string {
	if e.Summonses > 0 && e.NotEstimated == e.Summonses && e.Certain == 0 {
		return m.c.T("ro_too_few")
	}
	v, lo, hi := e.PerMonth(days)
	s := common.FmtDec(m.c.Lang, v) + " (" + common.FmtDec(m.c.Lang, lo) + "–" + common.FmtDec(m.c.Lang, hi) + ")"
	if !e.Complete() {
		s += "*"
	}
	return s
}

// View is the table and the checks, or the groups behind the selected
// examination's letters avoided, in the page's room less its key lines
// (KeyLines), which the root draws under the status line.
func (m *Model) View() string {
	s := m.c.Styles
	w, h := m.width, max(m.height, 5)
	var lines []string
	switch {
	case m.err != "":
		lines = common.WrapIndent("✗ "+m.err, w, 2)
	case m.loading || m.r == nil:
		lines = []string{s.Muted.Render(m.c.T("ro_computing"))}
	case m.drill:
		lines = m.groupLines(w)
	default:
		lines = m.tableLines(w)
	}
	m.keyLines = common.HintLines(m.c, m.ShortHelp(), "")
	room := max(1, h-len(m.keyLines))
	if m.follow && !m.drill {
		// The cursor moved: its row shows, with the table's header when it
		// is the first (scrolling past the last row shows what is below).
		m.scroll = min(m.scroll, max(0, m.selLine-2))
		m.scroll = max(m.scroll, m.selLine-room+1)
	}
	m.scroll = max(0, min(m.scroll, len(lines)-room))
	if m.follow {
		m.rowScroll = m.scroll
	}
	m.follow = false
	lines = lines[m.scroll:]
	if len(lines) > room {
		lines = lines[:room]
	}
	return strings.Join(common.PadLines(lines, room), "\n")
}

func (m *Model) tableLines(w int) []string {
	s := m.c.Styles
	r := m.r
	lines := common.WrapIndent(m.c.T("ro_intro", r.From.Format("2006-01-02"), r.To.AddDate(0, 0, -1).Format("2006-01-02"), r.Days), w, 0)
	for i := range lines {
		lines[i] = s.Muted.Render(lines[i])
	}
	if len(r.Projections) == 0 {
		return append(lines, "", m.c.T("ro_none"))
	}
	// Exam, summonses, letters avoided per month; then fallbacks and phone
	// tasks where there is room.
	wide := w >= 100
	head := common.PadRight(m.c.T("ro_exam"), 13) + common.PadLeft(m.c.T("ro_summonses"), 9) + "  " + common.PadRight(m.c.T("ro_avoided"), 19)
	if wide {
		head += "  " + common.PadRight(m.c.T("ro_fallbacks"), 17) + "  " + m.c.T("ro_phone")
	}
	lines = append(lines, "", s.Header.Render(common.Truncate("  "+head, w)))
	for i, p := range r.Projections {
		row := common.PadRight(p.Exam.Code, 13) + common.PadLeft(common.FmtInt(m.c.Lang, p.Summonses), 9) + "  " +
			common.PadRight(m.perMonth(p.LettersAvoided, p.Days), 19)
		if wide {
			row += "  " + common.PadRight(m.perMonth(p.Fallbacks, p.Days), 17) + "  " + m.perMonth(p.PhoneTasks, p.Days)
		}
		if i == m.cursor {
			m.selLine = len(lines)
			lines = append(lines, s.Selected.Render(common.Truncate("▸ "+row, w)))
		} else {
			lines = append(lines, common.Truncate("  "+row, w))
		}
	}
	if !wide && m.cursor < len(r.Projections) {
		p := r.Projections[m.cursor]
		lines = append(lines, common.WrapIndent("  "+m.c.T("ro_also", p.Exam.Name, m.perMonth(p.Fallbacks, p.Days), m.perMonth(p.PhoneTasks, p.Days)), w, 4)...)
	}
	for _, c := range r.Checks {
		lines = append(lines, "")
		days := int(c.AfterTo.Sub(c.AfterFrom).Hours()/24 + 0.5)
		lines = append(lines, common.WrapIndent(s.Header.Render(m.c.T("ro_check", c.Exam.Code, c.Since.Format("2006-01-02"), days)), w, 2)...)
		for _, f := range []struct {
			key    string
			e      metrics.Estimate
			actual int
		}{
			{"ro_c_avoided", c.Projected.LettersAvoided, c.Actual.LettersAvoided},
			{"ro_c_fallbacks", c.Projected.Fallbacks, c.Actual.Fallbacks},
			{"ro_c_phone", c.Projected.PhoneTasks, c.Actual.PhoneTasks},
		} {
			verdict := m.c.T("ro_unknown")
			switch {
			case c.Actual.Summonses == 0 || !f.e.Complete():
			case f.e.Inside(f.actual):
				verdict = "✓ " + m.c.T("ro_inside")
			default:
				verdict = "✗ " + m.c.T("ro_outside")
			}
			text := fmt.Sprintf("  %s: %s %s (%s–%s), %s %d · %s", m.c.T(f.key), m.c.T("ro_projected"), common.FmtDec(m.c.Lang, f.e.Expected),
				common.FmtDec(m.c.Lang, f.e.Low), common.FmtDec(m.c.Lang, f.e.High), m.c.T("ro_actual"), f.actual, verdict)
			lines = append(lines, common.WrapIndent(text, w, 4)...)
		}
	}
	starred := false
	for _, p := range r.Projections {
		starred = starred || !p.LettersAvoided.Complete() || !p.Fallbacks.Complete() || !p.PhoneTasks.Complete()
	}
	if starred {
		lines = append(lines, "")
		for _, l := range common.WrapIndent(m.c.T("ro_footnote"), w, 2) {
			lines = append(lines, s.Muted.Render(l))
		}
	}
	return lines
}

// groupLines are the comparable groups behind the selected examination's
// letters avoided: how many summonses, how many like them were observed,
// the rate and what it gives.
func (m *Model) groupLines(w int) []string {
	s := m.c.Styles
	p := m.r.Projections[min(m.cursor, len(m.r.Projections)-1)]
	lines := common.WrapIndent(s.Header.Render(m.c.T("ro_groups_title", p.Exam.Code, m.perMonth(p.LettersAvoided, p.Days))), w, 2)
	type row struct{ group, figures string }
	head := row{m.c.T("ro_group"), common.PadLeft(m.c.T("ro_summonses"), 9) + common.PadLeft(m.c.T("ro_observed"), 9) + "  " + m.c.T("ro_rate")}
	rows := []row{head}
	groupW := lipgloss.Width(head.group)
	for _, g := range p.LettersAvoided.Groups {
		rate := m.c.T("ro_too_few")
		if g.Rate != nil && !g.TooFew {
			rate = common.FmtPct(m.c.Lang, *g.Rate) + " (" + common.FmtPct(m.c.Lang, *g.RateLow) + "–" + common.FmtPct(m.c.Lang, *g.RateHigh) + ")"
		}
		r := row{m.groupText(g.Comparable, g.WaitHours), common.PadLeft(common.FmtInt(m.c.Lang, g.Summonses), 9) +
			common.PadLeft(common.FmtInt(m.c.Lang, g.Observed), 9) + "  " + rate}
		rows = append(rows, r)
		groupW = max(groupW, lipgloss.Width(r.group))
	}
	// A group and its figures on one line where they fit; on a narrow
	// terminal the figures go under the group, so that the rate, the
	// figure the table is for, is never cut.
	oneLine := true
	for _, r := range rows {
		oneLine = oneLine && 2+groupW+lipgloss.Width(r.figures) <= w
	}
	for i, r := range rows {
		var out []string
		if oneLine {
			out = []string{"  " + common.PadRight(r.group, groupW) + r.figures}
		} else {
			out = []string{"  " + r.group, "  " + r.figures}
		}
		for _, l := range out {
			l = common.Truncate(l, w)
			if i == 0 {
				l = s.Header.Render(l)
			}
			lines = append(lines, l)
		}
	}
	return lines
}

// groupText names a comparable group and the wait in words.
func (m *Model) groupText(g metrics.Comparable, waitH float64) string {
	s := m.c.T("ro_age_"+string(g.Age)) + ", " + m.c.T("ro_acc_"+string(g.Account))
	if g.Interpreter {
		s += ", " + m.c.T("ro_interpreter")
	}
	return s + ", " + common.FmtDelay(m.c.Lang, time.Duration(waitH*float64(time.Hour)))
}

var _ = domain.Stockholm

// Update handles a message for the page; the root routes it to the page shown.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) { return m, m.update(msg) }

// SetSize is the room the root gives the page: the terminal's width, and its
// height less the title, status and key lines.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }
