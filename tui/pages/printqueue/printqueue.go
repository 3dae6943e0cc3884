package printqueue

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/components/list"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// pqLookbackDays is how many days before today the print queue looks for
// letters not yet printed: a letter is filed under the day it was decided,
// so one retried after midnight lands in an earlier day's folder.
const pqLookbackDays = 7

// pqDay is one day of the print queue: today with all its letters, an
// earlier day with the letters not printed yet.
type pqDay struct {
	day            time.Time // midnight in Stockholm
	today          bool
	total, printed int
	items          []common.PrintItem // in the folder's order: the batch PDF's page order
}

// pqLoadedMsg is the print queue read in a Cmd; errs are the days that
// could not be read, shown on the page.
type pqLoadedMsg struct {
	gen  int
	days []pqDay
	errs []string
}

// pqBatchMsg tells the print queue the batch PDF it wrote, to keep on show.
type pqBatchMsg struct {
	path string
	n    int
}

// pqReloadMsg asks the print queue to read the folder again after an action.
type pqReloadMsg struct{}

// Model shows today's paper letters, and earlier days' letters
// not yet printed; it writes a day's batch PDF and marks a day printed.
type Model struct {
	c             *common.Common
	width, height int // the room the root gives the page (SetSize)
	gen           int
	loaded        bool
	days          []pqDay
	errs          []string
	cursor        int         // index into the flattened rows
	window        list.Window // where the list is scrolled to
	batchPath     string
	batchN        int
	keyLines      []string // the key lines the last View laid out (KeyLines)
	batchKey      key.Binding
	markKey       key.Binding
	reprintKey    key.Binding
}

// New returns the print queue page.
func New(c *common.Common) *Model {
	return &Model{
		c: c,
		// "b" is also the root's key for the bookings list, which takes it
		// first; "p" is the one the page shows.
		batchKey: key.NewBinding(key.WithKeys("p", "b"), key.WithHelp("p", "")),
		markKey:  key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "")),
		// "r": the day's batch again, the printed letters too (the printer jammed).
		reprintKey: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "")),
	}
}

// Init loads the queue.
func (m *Model) Init() tea.Cmd { return m.load() }

// Shown is the patients of the letters the page lists, for the access log
// (a few days' letters, all counted as shown).
func (m *Model) Shown() []service.PatientRef {
	var out []service.PatientRef
	for _, r := range m.rows() {
		if !r.item.Patient.IsZero() {
			out = append(out, service.PatientRef{Patient: r.item.Patient, Booking: r.item.Booking})
		}
	}
	return out
}

func (m *Model) load() tea.Cmd {
	pq := m.c.Backend.Print
	if pq == nil {
		m.loaded = true
		return nil
	}
	m.gen++
	gen, today, lang := m.gen, common.StartOfDay(m.c.Now()), m.c.Lang
	return func() tea.Msg {
		msg := pqLoadedMsg{gen: gen}
		for d := 0; d <= pqLookbackDays; d++ {
			day := today.AddDate(0, 0, -d)
			items, err := pq.Letters(day)
			if err != nil {
				msg.errs = append(msg.errs, i18n.T(lang, "pq_read_failed", day.Format("2006-01-02"), err))
				continue
			}
			pd := pqDay{day: day, today: d == 0}
			for _, it := range items {
				if !it.Withdrawn {
					pd.total++
				}
				if it.Printed {
					pd.printed++
				}
				// Earlier days show what is left to print; a withdrawn
				// letter is shown where it was filed, today's.
				if d == 0 || (!it.Printed && !it.Withdrawn) {
					pd.items = append(pd.items, it)
				}
			}
			if d == 0 || len(pd.items) > 0 {
				msg.days = append(msg.days, pd)
			}
		}
		return msg
	}
}

// pqRow is a letter with the day it is filed under.
type pqRow struct {
	day  *pqDay
	item common.PrintItem
}

func (m *Model) rows() []pqRow {
	var out []pqRow
	for i := range m.days {
		for _, it := range m.days[i].items {
			out = append(out, pqRow{&m.days[i], it})
		}
	}
	return out
}

// selectedDay is the day of the letter under the cursor, else today.
func (m *Model) selectedDay() pqDay {
	rows := m.rows()
	if m.cursor >= 0 && m.cursor < len(rows) {
		return *rows[m.cursor].day
	}
	for _, d := range m.days {
		if d.today {
			return d
		}
	}
	return pqDay{day: common.StartOfDay(m.c.Now()), today: true}
}

// Update handles keys, loads and changes; it never blocks.
func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pqLoadedMsg:
		if msg.gen != m.gen {
			return nil
		}
		m.apply(msg)
	case pqBatchMsg:
		m.batchPath, m.batchN = msg.path, msg.n
		return m.load()
	case pqReloadMsg, common.ChangedMsg, common.InfoMsg:
		return m.load()
	case tea.KeyMsg:
		return m.updateKey(msg)
	}
	return nil
}

func (m *Model) apply(msg pqLoadedMsg) {
	var selID string
	if rows := m.rows(); m.cursor < len(rows) {
		selID = rows[m.cursor].item.MessageID
	}
	m.loaded, m.days, m.errs = true, msg.days, msg.errs
	rows := m.rows()
	for i, r := range rows {
		if r.item.MessageID == selID {
			m.cursor = i
			return
		}
	}
	m.cursor = max(0, min(m.cursor, len(rows)-1))
}

func (m *Model) updateKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	n := len(m.rows())
	if c, ok := common.Navigate(k, msg, m.cursor, n, m.listHeight()); ok {
		m.cursor = c
		return nil
	}
	switch {
	case key.Matches(msg, k.Back):
		m.c.Post(common.BackMsg{})
		return nil
	case m.c.Backend.Print == nil:
		return nil
	case key.Matches(msg, m.batchKey):
		return m.batch(m.selectedDay().day, false)
	case key.Matches(msg, m.reprintKey):
		return m.askReprint(m.selectedDay())
	case key.Matches(msg, m.markKey):
		return m.askMark(m.selectedDay())
	}
	return nil
}

// batch writes the day's batch PDF.
func (m *Model) batch(day time.Time, reprint bool) tea.Cmd {
	pq, lang, label := m.c.Backend.Print, m.c.Lang, m.dayLabel(day, true)
	return func() tea.Msg {
		path, n, err := pq.Batch(day, reprint)
		if err != nil {
			// The printer refuses a day without letters; say so in words. The
			// TUI imports no adapter, so it asks the folder rather than
			// matching the adapter's error.
			// Nothing to print is a state, not a failure: said as information.
			if ls, lerr := pq.Letters(day); lerr == nil && !anyToPrint(ls, reprint) {
				return common.InfoMsg{Text: i18n.T(lang, "pq_no_letters", label)}
			}
			return common.ErrorMsg{Err: err}
		}
		// The status line says it briefly; the page shows the file's path
		// whole (once: it wrapped in both).
		return tea.BatchMsg{common.MsgCmd(common.InfoMsg{Text: i18n.T(lang, "pq_batch_done", n)}), common.MsgCmd(pqBatchMsg{path: path, n: n})}
	}
}

// anyToPrint reports whether a batch of ls would hold a letter.
func anyToPrint(ls []common.PrintItem, reprint bool) bool {
	for _, l := range ls {
		if !l.Withdrawn && (!l.Printed || reprint) {
			return true
		}
	}
	return false
}

// askReprint asks before writing a batch with the letters printed before.
func (m *Model) askReprint(d pqDay) tea.Cmd {
	m.c.Post(common.AskConfirmMsg{Text: m.c.T("pq_confirm_reprint", m.dayLabel(d.day, true), d.total), Run: m.batch(d.day, true)})
	return nil
}

// askMark asks before marking every letter of the day printed.
func (m *Model) askMark(d pqDay) tea.Cmd {
	pq, lang, day := m.c.Backend.Print, m.c.Lang, d.day
	if d.total-d.printed <= 0 {
		m.c.Post(common.WarnMsg{Text: m.c.T("pq_nothing_to_mark", m.dayLabel(day, true))})
		return nil
	}
	text := m.c.T("pq_confirm_mark", m.dayLabel(day, true), d.total-d.printed)
	run := func() tea.Msg {
		n, withdrawn, err := pq.MarkPrinted(day)
		if err != nil {
			return tea.BatchMsg{common.MsgCmd(common.ErrorMsg{Err: err}), common.MsgCmd(pqReloadMsg{})}
		}
		if withdrawn > 0 {
			return tea.BatchMsg{common.MsgCmd(common.WarnMsg{Text: i18n.T(lang, "pq_marked_withdrawn", n, withdrawn)}), common.MsgCmd(pqReloadMsg{})}
		}
		return tea.BatchMsg{common.MsgCmd(common.InfoMsg{Text: i18n.T(lang, "pq_marked", n)}), common.MsgCmd(pqReloadMsg{})}
	}
	m.c.Post(common.AskConfirmMsg{Text: text, Run: run})
	return nil
}

// dayLabel names a day: "idag", "igår", or weekday and date ("fre 11-20");
// full gives the year too and adds the date to today and yesterday.
func (m *Model) dayLabel(day time.Time, full bool) string {
	today := common.StartOfDay(m.c.Now())
	layout := "01-02"
	if full {
		layout = "2006-01-02"
	}
	date := i18n.WeekdayShort(m.c.Lang, day) + " " + day.In(domain.Stockholm).Format(layout)
	word := ""
	switch {
	case day.Equal(today):
		word = m.c.T("pq_today_word")
	case day.Equal(today.AddDate(0, 0, -1)):
		word = m.c.T("pq_yesterday_word")
	default:
		return date
	}
	if full {
		return word + " (" + date + ")"
	}
	return word
}

func (m *Model) listHeight() int { return max(m.height, 5) - 2 }

// View renders the letters by day and the batch file written last, in the
// page's room less its key lines (KeyLines), which the root draws under the
// status line.
func (m *Model) View() string {
	s := m.c.Styles
	h := max(m.height, 5)
	w := m.width
	if m.c.Backend.Print == nil {
		// Nothing to print from: the way back is the page's only key.
		m.keyLines = common.HintLines(m.c, []key.Binding{m.c.Keys.Back}, "")
		return strings.Join(common.PadLines([]string{s.Warn.Render(common.Truncate("⚠ "+m.c.T("pq_not_configured"), w))}, h-len(m.keyLines)), "\n")
	}
	if !m.loaded {
		m.keyLines = nil
		return strings.Join(common.PadLines([]string{s.Muted.Render(m.c.T("loading"))}, h), "\n")
	}
	var lines []list.Line
	for _, e := range m.errs {
		lines = append(lines, list.Line{Text: s.Error.Render(common.Truncate("✗ "+e, w)), Row: false})
	}
	nameW := 20
	if w >= 120 {
		nameW = 32
	}
	// Narrow, the name gives way to what the letter is (down to 10).
	purposeW := 0
	for _, d := range m.days {
		for _, it := range d.items {
			purposeW = max(purposeW, common.Width(i18n.PurposeText(m.c.Lang, it.Purpose)))
		}
	}
	visitW := 15
	if 2+15+1+nameW+1+visitW+2+purposeW > w {
		// Narrow: the visit's weekday goes, and the name gives way (down to
		// 10), shortened as the bookings list shortens it: the surname kept
		// whole ("S. Jakobsson").
		visitW = 11
		nameW = max(10, min(nameW, w-(2+15+1+1+visitW+2+purposeW)))
	}
	selLine, i := 0, 0
	for _, d := range m.days {
		if len(lines) > 0 {
			lines = append(lines, list.Line{Text: "", Row: false})
		}
		var title string
		if d.today {
			title = m.c.T("pq_today", i18n.WeekdayShort(m.c.Lang, d.day)+" "+d.day.Format("2006-01-02"), d.total, d.printed)
		} else {
			title = m.c.T("pq_earlier", m.dayLabel(d.day, true), len(d.items))
		}
		lines = append(lines, list.Line{Text: s.Header.Render(common.Truncate(title, w)), Row: false})
		for _, it := range d.items {
			status := "• " + m.c.T("pq_not_printed")
			switch {
			case it.Withdrawn && !it.Printed:
				status = "↺ " + m.c.T("pq_withdrawn")
			case it.Printed:
				status = "✓ " + m.c.T("pq_printed")
			}
			visit := ""
			if !it.VisitAt.IsZero() {
				visit = i18n.FmtShort(it.VisitAt)
				if visitW > 11 {
					visit = i18n.WeekdayShort(m.c.Lang, it.VisitAt) + " " + visit
				}
			}
			text := "  " + common.PadRight(status, 15) + " " + common.PadRight(string(common.AppendName(nil, it.PatientName, nameW)), nameW) + " " + common.PadRight(visit, visitW) +
				"  " + i18n.PurposeText(m.c.Lang, it.Purpose)
			text = common.PadRight(text, w)
			if i == m.cursor {
				selLine = len(lines)
				text = s.Selected.Render("▸" + strings.TrimPrefix(text, " "))
			} else if it.Printed || it.Withdrawn {
				text = s.Muted.Render(text)
			}
			lines = append(lines, list.Line{Text: text, Row: true})
			i++
		}
	}
	// The batch file's path is read in full (wrapped), and the keys may
	// take two lines: both come off the list's room.
	var batch []string
	if m.batchPath != "" {
		for _, l := range common.WrapIndent(m.c.T("pq_batch_file", m.batchPath, m.batchN), w, 2) {
			batch = append(batch, s.OK.Render(l))
		}
	} else {
		batch = []string{""}
	}
	hint := strings.Split(m.hint(len(lines) > m.listHeight(), i), "\n")
	area := max(1, h-len(batch)-len(hint))
	m.window.Lead = 2 // the day's title, and the blank line above it
	out := m.window.Show(lines, selLine, area)
	out = common.PadLines(out, area)
	m.keyLines = hint
	return strings.Join(append(out, batch...), "\n")
}

// KeyLines are the page's keys, as the last View laid them out: the root
// draws them under the status line.
func (m *Model) KeyLines() []string { return m.keyLines }

func (m *Model) hint(scrolls bool, n int) string {
	bs := m.keys(n > 1)
	pos := ""
	if scrolls && n > 0 {
		pos = fmt.Sprintf("%d/%d", m.cursor+1, n)
	}
	return common.HintLine(m.c, bs, pos)
}

// ShortHelp is the print queue's keys.
func (m *Model) ShortHelp() []key.Binding { return m.keys(true) }

// FullHelp is the page's keys, then those that lead elsewhere.
func (m *Model) FullHelp() [][]key.Binding {
	return m.c.Keys.PageHelp(m.ShortHelp())
}

func (m *Model) keys(arrows bool) []key.Binding {
	k := m.c.Keys
	day := m.dayLabel(m.selectedDay().day, false)
	bs := []key.Binding{
		key.NewBinding(key.WithHelp(m.batchKey.Help().Key, m.c.T("pq_batch", day))),
		key.NewBinding(key.WithHelp(m.markKey.Help().Key, m.c.T("pq_mark"))),
		key.NewBinding(key.WithHelp(m.reprintKey.Help().Key, m.c.T("pq_reprint"))),
	}
	// The keys that only this page has first; the arrows, which every list
	// has, give way first when the line is short.
	bs = append(bs, k.Back)
	if arrows {
		bs = append(bs, key.NewBinding(key.WithHelp("↑/↓", m.c.T("attn_select"))))
	}
	return append(bs, k.Help) // kept when the line is short (common.HintLines)
}

// truncateLeft keeps the end of s, which for a path is the part that tells.
func truncateLeft(s string, w int) string {
	if w <= 1 || lipgloss.Width(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && lipgloss.Width(string(r)) > w-1 {
		r = r[1:]
	}
	return "…" + string(r)
}

// HelpInPage tells the root that the page lays out its own keys.
func (m *Model) HelpInPage() {}

// Title names the page.
func (m *Model) Title() string { return m.c.T("page_print") }

// Update handles a message for the page; the root routes it to the page shown.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) { return m, m.update(msg) }

// SetSize is the room the root gives the page: the terminal's width, and its
// height less the title, status and key lines.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }
