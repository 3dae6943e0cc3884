package detail

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/components/actions"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// detailLoadedMsg is a booking's detail read for the detail page; err is
// set when it could not be read (first: the opening, which was to be logged).
type detailLoadedMsg struct {
	id    domain.BookingID
	d     service.BookingDetail
	err   error
	first bool
}

// Model shows one booking: the patient, the examination, the channel
// decision with its reasons in words, what became of the summons, the
// pending timers and the whole timeline.
type Model struct {
	c             *common.Common
	width, height int // the room the root gives the page (SetSize)
	id            domain.BookingID
	d             *service.BookingDetail
	scroll        int
	opened        bool // the look at the booking is being logged, or was
	logged        bool // it was: refreshed reads may be shown
}

// New returns the detail page of booking id.
func New(c *common.Common, id domain.BookingID) *Model { return &Model{c: c, id: id} }

// Init loads the booking.
func (m *Model) Init() tea.Cmd { return m.load() }

// ID is the booking the page shows.
func (m *Model) ID() domain.BookingID { return m.id }

// load reads the booking. The first read is the user's look at it and is
// logged; later ones (a change elsewhere, an action of the page's own, the
// return from the rebook form) refresh the same look.
func (m *Model) load() tea.Cmd {
	svc, ctx, id, first := m.c.Svc(), m.c.Ctx, m.id, !m.opened
	m.opened = true
	return func() tea.Msg {
		read := svc.RefreshDetail
		if first {
			read = svc.Detail
		}
		d, err := read(ctx, id)
		return detailLoadedMsg{id: id, d: d, err: err, first: first}
	}
}

// Update handles keys, reloads and changes from elsewhere.
func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case detailLoadedMsg:
		if msg.id != m.id {
			return nil
		}
		if msg.err != nil {
			if msg.first {
				m.opened = false // not shown, not logged: the next load logs
			}
			err := msg.err
			return func() tea.Msg { return common.ErrorMsg{Err: err} }
		}
		if msg.first {
			m.logged = true
		} else if !m.logged {
			return nil // the logged first read failed or is still on its way
		}
		d := msg.d
		m.d = &d
	case common.ChangedMsg:
		return m.load()
	case common.InfoMsg:
		return m.load()
	case tea.KeyMsg:
		k := m.c.Keys
		switch {
		case key.Matches(msg, k.Back):
			m.c.Post(common.BackMsg{})
		case key.Matches(msg, k.Down):
			m.scroll++
		case key.Matches(msg, k.Up):
			if m.scroll > 0 {
				m.scroll--
			}
		case key.Matches(msg, k.PageDown):
			m.scroll += max(1, m.height-2)
		case key.Matches(msg, k.PageUp):
			m.scroll = max(0, m.scroll-max(1, m.height-2))
		case key.Matches(msg, k.EditPatient) && m.d != nil:
			m.c.Post(common.OpenPatientFormMsg{ID: m.d.Patient.ID()})
		default:
			if m.d != nil {
				actions.OnKey(m.c, msg, m.d.Booking, m.d.Patient.Name(), &m.d.Patient, nil)
			}
		}
	}
	return nil
}

// View renders the booking.
func (m *Model) View() string {
	s := m.c.Styles
	if m.d == nil {
		return s.Muted.Render(m.c.T("loading"))
	}
	b, p := m.d.Booking, m.d.Patient
	cat := m.c.Svc().Catalogue
	examName, siteName := b.Exam(), b.Site()
	if e, err := cat.Exam(b.Exam()); err == nil {
		examName = e.Name
	}
	if st, err := cat.Site(b.Site()); err == nil {
		siteName = st.Name
	}
	var lines []string
	// A value too long for its line wraps under itself: an examination's
	// long name is read in full.
	add := func(label, value string) {
		for i, l := range common.WrapIndent(value, max(10, m.width-14), 0) {
			if i > 0 {
				label = ""
			}
			lines = append(lines, s.Label.Render(common.PadRight(label, 14))+l)
		}
	}
	lines = append(lines, s.Title.Render(fmt.Sprintf("%s %d · %s%s", m.c.T("page_detail"), b.ID(), strings.TrimLeft(common.StateMark(b)+" ", " "), i18n.StateText(m.c.Lang, b.State()))))
	add(m.c.T("patient"), p.Name()+"  "+p.ID().String())
	detailsP := []string{}
	if age, ok := p.ID().AgeAt(m.c.Now()); ok {
		detailsP = append(detailsP, m.c.T("form_age", age))
	}
	if p.NeedsInterpreter() {
		detailsP = append(detailsP, m.c.T("form_interpreter", p.Interpreter()))
	}
	if p.Phone() != "" {
		detailsP = append(detailsP, p.Phone())
	}
	if len(detailsP) > 0 {
		add("", strings.Join(detailsP, " · "))
	}
	// A child's guardians, whom staff phone and who get the letters: name
	// and phone, never an address.
	for _, g := range p.Guardians() {
		add(m.c.T("guardian"), strings.TrimSpace(g.Name+"  "+g.Phone))
	}
	add(m.c.T("exam"), examName+" ("+b.Exam()+")")
	add(m.c.T("visit"), i18n.WeekdayShort(m.c.Lang, b.VisitAt())+" "+i18n.FmtTime(b.VisitAt())+" · "+siteName)
	d := b.Decision()
	add(m.c.T("channel"), i18n.ChannelWords(m.c.Lang, d, b.PaperReaches(p, m.c.Now(), m.c.Svc().Policy, m.c.Svc().Schedule)))
	for _, r := range d.Reasons {
		add("", "• "+i18n.ReasonText(m.c.Lang, r))
	}
	add(m.c.T("opened"), common.OpenStatus(m.c, b))
	if st := b.Status(); len(st.Reminders) > 0 {
		var rs []string
		for _, r := range st.Reminders {
			rs = append(rs, m.c.T("rem_"+r))
		}
		add(m.c.T("reminders"), strings.Join(rs, ", "))
	}
	// What staff must do, read whole: a long task wraps under itself.
	task := func(what string) {
		for _, l := range common.WrapIndent("! "+m.c.T(what)+"  (T)", m.width, 2) {
			lines = append(lines, s.Warn.Render(l))
		}
	}
	if b.OutdatedLetter() {
		task("ev_printed_letter_outdated")
	}
	if b.Status().HandOver {
		what := "ev_hand_over_raised"
		if b.HandOverOfCancellation() {
			what = "hand_over_cancellation"
		}
		task(what)
	}
	if b.Status().PhoneTask {
		what := "ev_phone_task_raised"
		if b.PhoneOfCancellation() {
			what = "phone_cancellation"
		}
		task(what)
	}
	if ts := b.Timers(); len(ts) > 0 {
		lines = append(lines, "", s.Header.Render(m.c.T("pending")))
		for _, t := range ts {
			// What the timer will do when it fires: no letter for
			// protected personal data, none that cannot be posted or
			// arrive in time.
			what := i18n.TimerWords(m.c.Lang, t.Kind, m.c.Svc().TimerTask(b, p, t), m.c.Svc().TimerHeld(b, t))
			lines = append(lines, common.WrapIndent("  "+i18n.FmtTime(t.Due)+"  "+what, m.width, 20)...) // read whole, as the events
		}
	}
	lines = append(lines, "", s.Header.Render(m.c.T("timeline")))
	evs := append([]domain.Event(nil), m.d.Events...)
	// Receipts are ordered by the instant they carry, not by arrival.
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].At.Before(evs[j].At) })
	// The events' words in a column as wide as the longest of this
	// booking's (at least 24, at most a third of the width): the actors
	// line up; a longer one wraps within the column.
	col := 24
	for _, e := range evs {
		col = max(col, min(common.Width(i18n.EventWords(m.c.Lang, e)), m.width/3))
	}
	for _, e := range evs {
		lines = append(lines, m.eventLines(e, col)...)
	}
	return m.window(lines)
}

// actorW is the history's column of who acted.
const actorW = 8

// eventLines is an event of the history, read in full: its time, its
// words in a column col wide, who acted in the column beside them, and
// what it was about after that, wrapping under itself. Words longer than
// their column wrap within it ("brev återkallat ur" over "utskriftskön"),
// so that the actor stays in its column and the detail beside it rather
// than after the words wherever they end (walk: "brev återkallat ur
// utskriftskön demo     besöket"). On a terminal too narrow for the
// columns the line wraps whole under itself.
func (m *Model) eventLines(e domain.Event, col int) []string {
	what, actor, detail := i18n.EventWords(m.c.Lang, e), actorText(m.c, e.Actor), eventDetail(m.c, e)
	lead := "  " + i18n.FmtTime(e.At) + "  "
	if common.Width(lead)+col+1+actorW+1 > m.width {
		return common.WrapIndent(lead+what+" "+common.PadRight(actor, actorW)+" "+detail, m.width, 4)
	}
	words := common.WrapIndent(what, col, 0)
	var out []string
	for i, w := range words {
		head := strings.Repeat(" ", common.Width(lead)) + common.PadRight(w, col) + " " + strings.Repeat(" ", actorW) + " "
		if i == 0 {
			head = lead + common.PadRight(w, col) + " " + common.PadRight(actor, actorW) + " "
		}
		if i == len(words)-1 {
			// The last line of words: the rest of the detail after it.
			if i == 0 {
				return common.WrapIndent(head+detail, m.width, 4)
			}
			for _, l := range common.WrapIndent(head+detail, m.width, 4) {
				out = append(out, strings.TrimRight(l, " "))
			}
			return out
		}
		// Beside words that go on below: as much of the detail as fits.
		part, rest := cutWords(detail, m.width-common.Width(head))
		out = append(out, strings.TrimRight(head+part, " "))
		detail = rest
	}
	return out // not reached: WrapIndent gives a line at least
}

// cutWords splits s at the last space that leaves its head within w
// columns: the head is all of s when it fits, none of it when its first
// word does not.
func cutWords(s string, w int) (head, rest string) {
	if common.Width(s) <= w {
		return s, ""
	}
	cut := -1
	for i, r := range s {
		if r == ' ' {
			if common.Width(s[:i]) > w {
				break
			}
			cut = i
		}
	}
	if cut < 0 {
		return "", s
	}
	return s[:cut], strings.TrimLeft(s[cut:], " ")
}

// Title names the page.
func (m *Model) Title() string { return m.c.T("page_detail") }

// ShortHelp lists the keys of the detail page.
func (m *Model) ShortHelp() []key.Binding {
	k := m.c.Keys
	out := []key.Binding{k.Back}
	if m.d != nil {
		out = append(out, actions.Offered(m.c, m.d.Booking)...)
	}
	return append(out, k.EditPatient, k.Help)
}

// FullHelp lists every key of the detail page.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.c.Keys
	var offered []key.Binding
	if m.d != nil {
		offered = actions.Offered(m.c, m.d.Booking)
	}
	return [][]key.Binding{{k.Back, k.Up, k.Down, k.PageUp, k.PageDown}, offered, {k.EditPatient}, k.Elsewhere()}
}

// window shows as many lines as fit, scrolled. When they do not all fit,
// the last line says which are shown and how to see the rest: the end of
// the history (the latest letter, the latest change) is never cut off
// without a word.
func (m *Model) window(lines []string) string {
	h := m.height
	if h < 5 {
		h = 5
	}
	rows := h
	if len(lines) > h {
		rows = h - 1 // the line that says there is more
	}
	if m.scroll > len(lines)-rows {
		m.scroll = max(0, len(lines)-rows)
	}
	end := min(len(lines), m.scroll+rows)
	out := make([]string, 0, h)
	out = append(out, lines[m.scroll:end]...)
	for len(out) < rows {
		out = append(out, "")
	}
	if rows < h {
		out = append(out, m.c.Styles.Muted.Render(common.Truncate(m.c.T("detail_lines", m.scroll+1, end, len(lines)), m.width)))
	}
	return strings.Join(out, "\n")
}

func eventDetail(c *common.Common, e domain.Event) string {
	var parts []string
	if e.Correction {
		parts = append(parts, c.T("ev_correction"))
	}
	for _, ch := range e.Channels {
		parts = append(parts, c.T("ch_"+string(ch)))
	}
	for _, r := range e.Reasons {
		parts = append(parts, i18n.ReasonText(c.Lang, r))
	}
	if e.PreviousVisitAt != nil && e.VisitAt != nil {
		parts = append(parts, i18n.FmtShort(*e.PreviousVisitAt)+" → "+i18n.FmtShort(*e.VisitAt))
	}
	if e.Site != "" {
		parts = append(parts, e.PreviousSite+" → "+e.Site)
	}
	if e.Reminder != "" {
		parts = append(parts, c.T("rem_"+e.Reminder))
	}
	if e.Timer != "" {
		parts = append(parts, i18n.T(c.Lang, "tm_"+string(e.Timer)))
	}
	if note := i18n.EventNote(c.Lang, e); note != "" {
		parts = append(parts, note)
	}
	return strings.Join(parts, "; ")
}

// actorText names who acted: a user as such; the loop and 1177 in words.
func actorText(c *common.Common, a string) string { return i18n.ActorText(c.Lang, a) }

// Update handles a message for the page; the root routes it to the page shown.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) { return m, m.update(msg) }

// SetSize is the room the root gives the page: the terminal's width, and its
// height less the title, status and key lines.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }
