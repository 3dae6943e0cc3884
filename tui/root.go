package tui

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/components/actions"
	"github.com/kallelse/kallelse/tui/components/confirm"
	"github.com/kallelse/kallelse/tui/pages/attention"
	"github.com/kallelse/kallelse/tui/pages/bookings"
	"github.com/kallelse/kallelse/tui/pages/detail"
	"github.com/kallelse/kallelse/tui/pages/form"
	"github.com/kallelse/kallelse/tui/pages/overview"
	"github.com/kallelse/kallelse/tui/pages/patient"
	"github.com/kallelse/kallelse/tui/pages/printqueue"
	"github.com/kallelse/kallelse/tui/pages/rollout"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// Page is a screen of the TUI.
type Page int

// The pages.
const (
	PageBookings Page = iota
	PageDetail
	PageForm
	PageAttention
	PagePrint
	PageDashboard
	PagePatient
	PageRollout
)

// statusMsg carries what the status line shows, read in a Cmd.
type statusMsg struct {
	attention, quarantined int
	waiting, failing       int
	err                    error
}

// pageEntry is an open page.
type pageEntry struct {
	page Page
	comp common.Component
}

// Model is the root: it routes messages to the page shown, keeps the
// status line, and re-arms the hub subscription so that changes made
// elsewhere arrive without a key press.
type Model struct {
	c        *common.Common
	bookings *bookings.Model
	stack    []pageEntry // pages opened over the bookings list, top last
	changes  <-chan service.Change
	stop     func()
	fullHelp bool
	// helpCovers: the keys shown (?) leave the page too little room, so the
	// next key only puts them away (it would move a cursor out of sight).
	helpCovers bool
	keysID     string   // what the keys line was drawn of (keyLines)
	keys       []string // and how
	// statusDrawn is what the status line was drawn of (statusLine), once
	// statusDrawnOK, and statusText how.
	statusDrawn   statusKey
	statusDrawnOK bool
	statusText    string

	confirm     *confirm.Model
	warn        string // why an action is not offered now
	loopRunning bool
	lastTick    time.Time
	status      statusMsg
	info        string
	errText     string

	overviewHome bool     // the overview is the home page (coordinators): the bookings list is never shown
	lastShown    []string // the patients on screen last logged (canonical ids), to log only a change
}

// New builds the root model for one terminal. loopRunning says whether a
// background loop runs in this process (shown in the status line).
func New(c *common.Common, loopRunning bool) *Model {
	m := &Model{c: c, bookings: bookings.New(c), loopRunning: loopRunning}
	if c.Coordinator() || !c.May(domain.PermPatientData) {
		m.overviewHome = true
		m.stack = []pageEntry{{PageDashboard, overview.New(c)}}
	}
	if c.Backend.Hub != nil {
		m.changes, m.stop = c.Backend.Hub.Subscribe()
	}
	return m
}

// Close ends the hub subscription.
func (m *Model) Close() {
	if m.stop != nil {
		m.stop()
	}
}

// Init loads the first page and starts listening for changes.
func (m *Model) Init() tea.Cmd {
	first := m.bookings.Init
	if m.overviewHome {
		first = m.stack[0].comp.Init
	}
	return tea.Batch(first(), m.waitForChange(), m.loadStatus())
}

// refreshList reloads the bookings list, unless this user never sees it.
func (m *Model) refreshList() tea.Cmd {
	if m.overviewHome {
		return nil
	}
	return m.bookings.Refresh()
}

func (m *Model) waitForChange() tea.Cmd {
	ch := m.changes
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		c, ok := <-ch
		if !ok {
			return nil
		}
		return common.ChangedMsg{Change: c}
	}
}

func (m *Model) loadStatus() tea.Cmd {
	st, ctx, q := m.c.Backend.Store, m.c.Ctx, m.c.Backend.Quarantine
	attention, deliveries := !m.overviewHome, m.c.May(domain.PermDeliveries)
	return func() tea.Msg {
		var s statusMsg
		var err error
		if attention {
			if s.attention, err = st.AttentionCount(ctx); err != nil {
				return statusMsg{err: err}
			}
		}
		if s.waiting, s.failing, err = st.OutboxStats(ctx); err != nil {
			return statusMsg{err: err}
		}
		if q != nil && deliveries {
			files, err := q.List()
			if err != nil {
				return statusMsg{err: err}
			}
			s.quarantined = len(files)
		}
		return s
	}
}

// Update routes a message; it never blocks. After it, the patients on
// screen are logged if they changed (the service logs each once a session).
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && k.Type == tea.KeyRunes && len(k.Runes) > 1 && !k.Paste {
		return m.typeahead(k)
	}
	_, cmd := m.update(msg)
	cmds := []tea.Cmd{cmd}
	for posted := m.c.TakePosted(); len(posted) > 0; posted = m.c.TakePosted() {
		for _, next := range posted {
			_, c := m.update(next)
			cmds = append(cmds, c)
		}
	}
	if log := m.logShown(); log != nil {
		cmds = append(cmds, log)
	}
	return m, tea.Batch(cmds...)
}

// typeahead handles keys typed faster than they were read — over SSH a
// few keys often arrive in one packet, and Bubble Tea hands consecutive
// letters over as one message ("/an", "Cj"). Each is taken as the key it
// is, in order, so that "/" still opens the search and "C" still asks to
// cancel; a text field gets the letters one by one as if typed slowly.
func (m *Model) typeahead(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	for _, r := range k.Runes {
		_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: k.Alt})
		cmds = append(cmds, cmd)
	}
	return m, tea.Batch(cmds...)
}

// logShown logs the patients the page shows, when they changed since the
// last time: a list's rows, a search's matches.
func (m *Model) logShown() tea.Cmd {
	var refs []service.PatientRef
	if _, p := m.top(); p == nil {
		refs = m.bookings.Shown()
	} else if sh, ok := p.(common.Shower); ok {
		refs = sh.Shown()
	}
	if sameShown(m.lastShown, refs) {
		return nil
	}
	m.lastShown = m.lastShown[:0]
	for _, r := range refs {
		m.lastShown = append(m.lastShown, r.Patient.Canonical())
	}
	if len(refs) == 0 {
		return nil
	}
	svc, ctx := m.c.Svc(), m.c.Ctx
	return func() tea.Msg {
		if err := svc.LogShown(ctx, refs); err != nil {
			return common.ErrorMsg{Err: err}
		}
		return nil
	}
}

// sameShown reports whether refs are the patients last logged, in order:
// compared in place, since it is asked after every key.
func sameShown(last []string, refs []service.PatientRef) bool {
	if len(last) != len(refs) {
		return false
	}
	for i, r := range refs {
		if last[i] != r.Patient.Canonical() {
			return false
		}
	}
	return true
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.c.Help.Width = msg.Width
		m.bookings.SetSize(m.pageSize())
		for _, e := range m.stack {
			e.comp.SetSize(m.pageSize())
		}
		return m, nil
	case common.ChangedMsg:
		if t := msg.Change.Tick; t != nil {
			m.lastTick = t.At
			switch {
			case len(t.ReceiptErrs) > 0:
				m.errText = t.ReceiptErrs[0].Error()
			case len(t.FireFailures) > 0:
				m.errText = t.FireFailures[0].Err.Error()
			}
		}
		if msg.Change.Err != nil {
			m.errText = msg.Change.Err.Error()
		}
		cmds := []tea.Cmd{m.waitForChange(), m.loadStatus(), m.refreshList()}
		if _, p := m.top(); p != nil {
			cmds = append(cmds, send(p, msg))
		}
		return m, tea.Batch(cmds...)
	case statusMsg:
		if msg.err != nil {
			m.errText = msg.err.Error()
		} else {
			m.status = msg
		}
		return m, nil
	case common.ErrorMsg:
		m.errText = common.FriendlyError(m.c, msg.Err)
		m.info = ""
		return m, nil
	case common.WarnMsg:
		m.info, m.errText, m.warn = "", "", msg.Text
		return m, nil
	case common.InfoMsg:
		m.info, m.errText, m.warn = msg.Text, "", ""
		cmds := []tea.Cmd{m.loadStatus(), m.refreshList()}
		if _, p := m.top(); p != nil {
			cmds = append(cmds, send(p, msg))
		}
		return m, tea.Batch(cmds...)
	case common.AskConfirmMsg:
		m.confirm = confirm.New(msg)
		return m, nil
	case common.OpenDetailMsg:
		// The booking's page is on top already (the rebook form, opened
		// from it, has gone back to it): it reads the booking again, and
		// esc leads where it led before, not to a second copy of it.
		if p, comp := m.top(); p == PageDetail {
			if d, ok := comp.(*detail.Model); ok && d.ID() == msg.ID {
				return m, d.Init()
			}
		}
		return m, m.show(PageDetail, detail.New(m.c, msg.ID))
	case common.FocusBookingMsg:
		return m, m.bookings.FocusOn(msg.ID, msg.At)
	case common.OpenRolloutMsg:
		return m, m.show(PageRollout, rollout.New(m.c))
	case common.OpenPatientFormMsg:
		return m, m.show(PagePatient, patient.New(m.c, msg.ID))
	case common.OpenFormMsg:
		return m, m.show(PageForm, form.New(m.c, msg.Rebook))
	case common.ToggleHelpMsg:
		m.fullHelp = !m.fullHelp
		return m, nil
	case common.BackMsg:
		return m, m.back()
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	}
	if _, p := m.top(); p != nil {
		return m, send(p, msg)
	}
	return m, send(m.bookings, msg)
}

// top is the page shown; nil component means the bookings list.
func (m *Model) top() (Page, common.Component) {
	if n := len(m.stack); n > 0 {
		return m.stack[n-1].page, m.stack[n-1].comp
	}
	return PageBookings, nil
}

// Page is the page shown.
func (m *Model) Page() Page { p, _ := m.top(); return p }

func (m *Model) show(p Page, comp common.Component) tea.Cmd {
	m.fullHelp = false // the keys shown were the page's before
	comp.SetSize(m.pageSize())
	m.stack = append(m.stack, pageEntry{p, comp})
	m.info, m.errText, m.warn = "", "", ""
	return comp.Init()
}

// back closes the page shown and reloads the one below it, which may be
// out of date.
func (m *Model) back() tea.Cmd {
	m.fullHelp = false
	if n := len(m.stack); n > 1 || (n == 1 && !m.overviewHome) {
		m.stack = m.stack[:n-1]
	}
	if _, p := m.top(); p != nil {
		return p.Init()
	}
	return m.bookings.Refresh()
}

// home shows the home page: the bookings list, or a coordinator's overview.
func (m *Model) home() {
	if m.overviewHome {
		m.stack = m.stack[:1]
		return
	}
	m.stack = nil
}

// capturesKeys reports whether the page shown is typing text, so that
// single-letter keys are not taken as commands.
func (m *Model) capturesKeys() bool {
	_, p := m.top()
	if p == nil {
		return m.bookings.Searching()
	}
	if t, ok := p.(common.Typer); ok {
		return t.Typing()
	}
	return false
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	if msg.Type == tea.KeyCtrlC {
		// A half-filled form is not thrown away by one key: ctrl+c asks
		// (a second ctrl+c, or j, quits).
		if _, p := m.top(); m.confirm == nil && p != nil {
			if u, ok := p.(common.Unsaved); ok && u.Unsaved() {
				m.confirm = confirm.New(common.AskConfirmMsg{Text: m.c.T("quit_unsaved"), Run: tea.Quit})
				return nil
			}
		}
		return tea.Quit
	}
	kn := common.KeyName(msg.String())
	if m.confirm != nil {
		done, cmd := m.confirm.Update(msg)
		if done {
			m.confirm = nil
		}
		return cmd
	}
	if m.fullHelp && m.helpCovers && !key.Matches(kn, m.c.Keys.Quit) {
		m.fullHelp = false
		return nil
	}
	if m.fullHelp && key.Matches(kn, k.Back) {
		// esc puts the keys shown away first, on every page, forms too:
		// what is over the page closes before the page; the next esc
		// leaves it.
		m.fullHelp = false
		return nil
	}
	// A message is read by the next key: it gives the line back (the keys'
	// line, which a long message covers). What that key causes says its own.
	m.info, m.warn, m.errText = "", "", ""
	if !m.capturesKeys() {
		switch {
		case key.Matches(kn, k.Quit):
			return tea.Quit
		case key.Matches(kn, k.Help):
			m.fullHelp = !m.fullHelp
			return nil
		case key.Matches(kn, k.New):
			m.c.Post(common.OpenFormMsg{})
			return nil
		case key.Matches(kn, k.NewPatient):
			m.c.Post(common.OpenPatientFormMsg{})
			return nil
		case key.Matches(kn, k.Attention):
			m.home()
			return m.show(PageAttention, attention.New(m.c))
		case key.Matches(kn, k.Print):
			m.home()
			return m.show(PagePrint, printqueue.New(m.c))
		case key.Matches(kn, k.Dashboard):
			if m.overviewHome {
				m.home()
				return m.stack[0].comp.Init()
			}
			m.home()
			return m.show(PageDashboard, overview.New(m.c))
		case key.Matches(kn, k.Bookings):
			m.home()
			return m.bookings.Refresh()
		}
	}
	page, comp := m.top()
	if page == PageBookings {
		if !m.capturesKeys() {
			if sel := m.bookings.Selected(); sel != nil {
				if key.Matches(kn, k.Open) {
					m.c.Post(common.OpenDetailMsg{ID: sel.ID()})
					return nil
				}
				if key.Matches(kn, k.EditPatient) {
					m.c.Post(common.OpenPatientFormMsg{ID: sel.Patient()})
					return nil
				}
				if actions.OnKey(m.c, msg, sel, m.bookings.SelectedName(), m.bookings.SelectedPatient(), nil) {
					return nil
				}
			}
		}
		return send(m.bookings, msg)
	}
	return send(comp, msg)
}

// pageSize is the room a page has: the terminal less the title, status and
// key lines.
func (m *Model) pageSize() (int, int) { return m.c.Width, max(m.c.Height-3, 0) }

// send hands a page a message and returns its Cmd.
func send(p common.Component, msg tea.Msg) tea.Cmd {
	_, cmd := p.Update(msg)
	return cmd
}
