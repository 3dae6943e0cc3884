package form

import (
	"errors"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// formField is a field of the booking form, in tab order.
type formField int

const (
	fieldPatient formField = iota
	fieldExam
	fieldSite
	fieldDate
	fieldTime
)

const (
	formMaxMatches = 8  // patients listed under the patient field
	formLabelW     = 14 // label column; a two-column focus marker precedes it
	formIndent     = 2 + formLabelW
	// formMaxVisit bounds a visit's length (the catalogue refuses longer),
	// so the overlap check reads only the bookings starting a day before.
	formMaxVisit = 24 * time.Hour
)

// overlap check states.
const (
	overlapNone = iota
	overlapChecking
	overlapClear
	overlapConflict
)

type (
	// formSearchMsg is the patients matching the patient field's text at gen.
	formSearchMsg struct {
		gen      int
		patients []domain.Patient
		err      error
	}
	// formPatientMsg is the rebooked booking's patient, read when the form opens.
	formPatientMsg struct {
		p   domain.Patient
		err error
	}
	// formOverlapMsg says whether the chosen visit overlaps another of the
	// patient's bookings, for the check numbered gen.
	formOverlapMsg struct {
		gen      int
		conflict *domain.Booking
		err      error
	}
	// formBookedMsg is the outcome of booking or rebooking.
	formBookedMsg struct {
		id       domain.BookingID
		decision domain.Decision
		at       time.Time
		err      error
	}
)

// Model is the booking form (new booking, or rebooking when rebook is
// set). Everything a secretary must know before confirming is worked out in
// Update as she types: who the patient is, the channel decision and its
// reasons, whether the day is a working day, whether the time has passed and
// whether the patient is already booked then. The only I/O (the patient
// search, the overlap check, the booking) runs in Cmds on copied values.
type Model struct {
	c             *common.Common
	width, height int // the room the root gives the page (SetSize)
	rebook        *domain.Booking

	focus                     formField
	patientIn, dateIn, timeIn textinput.Model
	prefix                    string // letters typed on a choice field, to jump by code

	searchGen int
	searching bool
	// waiting are keys pressed while the patient search was read that
	// act on its results (↑↓ enter tab ctrl+s), and every key after them:
	// they are made, in order, when the results are in — a secretary
	// typing ahead picks the patient she saw, and the keys after land in
	// the fields she meant.
	waiting     []tea.KeyMsg
	matches     []domain.Patient
	matchCur    int
	moreMatches bool                  // the search found more patients than are listed
	patient     *domain.Patient       // picked, or the rebooked booking's
	idTyped     domain.IdentityNumber // the patient text is this identity number
	patientErr  string                // what is wrong with the text as an identity number

	exams   []domain.Examination
	examIdx int
	sites   []domain.Site
	siteIdx int

	// Derived from the fields in Update.
	decision          *domain.Decision
	outlook           *domain.Outlook // what will really happen, once the time is known
	day               time.Time       // chosen date, midnight in Stockholm
	dateErr, dateWarn string
	dateSure          bool      // dateErr stands however the typing goes on
	span              string    // "09:00–09:30" once the time parses
	at                time.Time // the visit's start once date and time are valid and in the future
	timeErr           string
	timeSure          bool

	overlapKey   string
	overlapGen   int
	overlapState int
	overlapText  string

	tried, confirming, leaving, busy, done bool
	submitErr                              string

	keyLines []string // the key lines the last View laid out (KeyLines)
}

// New returns the booking form; with rebook set it moves that booking,
// whose patient, examination and site stay as they are.
func New(c *common.Common, rebook *domain.Booking) *Model {
	cat := c.Svc().Catalogue
	m := &Model{c: c, rebook: rebook, exams: cat.Exams(), sites: cat.Sites()}
	m.patientIn = m.newInput(c.T("form_patient_hint"), 34, 40)
	m.dateIn = m.newInput(c.T("form_date_placeholder"), 11, 10)
	m.timeIn = m.newInput(c.T("form_time_placeholder"), 6, 5)
	if rebook != nil {
		m.focus = fieldDate
		for i, e := range m.exams {
			if e.Code == rebook.Exam() {
				m.examIdx = i
			}
		}
		for i, s := range m.sites {
			if s.Code == rebook.Site() {
				m.siteIdx = i
			}
		}
	}
	m.setFocus(m.focus)
	return m
}

// newInput builds a text field styled from this terminal's renderer (the
// bubbles defaults are global styles) with a steady cursor.
func (m *Model) newInput(placeholder string, width, limit int) textinput.Model {
	s := m.c.Styles
	ti := textinput.New()
	ti.Prompt = ""
	ti.Placeholder = placeholder
	ti.Width, ti.CharLimit = width, limit
	ti.PromptStyle, ti.TextStyle, ti.PlaceholderStyle, ti.CompletionStyle = s.App, s.Value, s.Muted, s.Muted
	ti.Cursor.Style, ti.Cursor.TextStyle = s.App, s.Value
	ti.Cursor.SetMode(cursor.CursorStatic)
	return ti
}

// Init reads the rebooked booking's patient.
func (m *Model) Init() tea.Cmd {
	if m.rebook == nil {
		return nil
	}
	svc, ctx, id := m.c.Svc(), m.c.Ctx, m.rebook.Patient()
	return func() tea.Msg {
		p, err := svc.ChoosePatient(ctx, id)
		return formPatientMsg{p: p, err: err}
	}
}

// Typing is always true: every field takes letters (the choice fields jump
// by code), so a stray key never leaves the form or quits the program.
func (m *Model) Typing() bool { return true }

// Update handles keys and the results of the form's Cmds; it never blocks.
func (m *Model) update(msg tea.Msg) tea.Cmd {
	if m.done {
		return nil
	}
	switch msg := msg.(type) {
	case formSearchMsg:
		if msg.gen != m.searchGen {
			return nil // the text changed since
		}
		m.searching, m.matches, m.matchCur = false, msg.patients, 0
		m.moreMatches = len(m.matches) > formMaxMatches
		if m.moreMatches {
			m.matches = m.matches[:formMaxMatches]
		}
		if msg.err != nil {
			m.patientErr = common.FriendlyError(m.c, msg.err)
		}
		for i, p := range m.matches {
			if !m.idTyped.IsZero() && p.ID().Canonical() == m.idTyped.Canonical() {
				m.matchCur = i
			}
		}
		return m.replay()
	case formPatientMsg:
		if msg.err != nil {
			m.patientErr = msg.err.Error()
			return nil
		}
		p := msg.p
		m.patient = &p
		return m.derive()
	case formOverlapMsg:
		if msg.gen != m.overlapGen {
			return nil
		}
		switch {
		case msg.err != nil:
			m.overlapState, m.overlapText = overlapNone, msg.err.Error()
		case msg.conflict != nil:
			b := msg.conflict
			m.overlapState = overlapConflict
			m.overlapText = m.c.T("form_overlap", int(b.ID()), b.Exam(),
				i18n.WeekdayShort(m.c.Lang, b.VisitAt())+" "+i18n.FmtTime(b.VisitAt())+"–"+formClock(b.VisitAt().Add(b.Duration())))
		default:
			m.overlapState, m.overlapText = overlapClear, ""
		}
		return nil
	case formBookedMsg:
		m.busy = false
		if msg.err != nil {
			m.submitErr = common.FriendlyError(m.c, msg.err)
			return nil
		}
		m.done = true
		ch := i18n.ChannelText(m.c.Lang, msg.decision)
		if m.outlook != nil {
			ch = i18n.OutlookText(m.c.Lang, *m.outlook)
		}
		info := m.c.T("form_booked", int(msg.id), ch)
		if m.rebook != nil {
			info = m.c.T("form_rebooked", int(msg.id), i18n.WeekdayShort(m.c.Lang, msg.at)+" "+i18n.FmtTime(msg.at))
		}
		if w := formNonWorking(m.c, msg.at); w != "" {
			info += " · " + w
		}
		id, at := msg.id, msg.at
		// Leave the form first, so that going back from the detail returns to
		// the list, which shows the booking; the root clears its status line
		// when it shows a page, so the info comes last.
		return tea.Sequence(
			func() tea.Msg { return common.BackMsg{} },
			func() tea.Msg { return common.FocusBookingMsg{ID: id, At: at} },
			func() tea.Msg { return common.OpenDetailMsg{ID: id} },
			func() tea.Msg { return common.InfoMsg{Text: info} })
	case common.ChangedMsg:
		if m.busy {
			return nil
		}
		m.overlapKey = "" // another terminal may have booked the patient meanwhile
		return m.derive()
	case tea.KeyMsg:
		return m.updateKey(msg)
	}
	return nil
}

// patientChanged forgets the picked patient and searches for the new text.
func (m *Model) patientChanged() tea.Cmd {
	m.patient, m.matches, m.matchCur = nil, nil, 0
	m.idTyped, m.patientErr = domain.IdentityNumber{}, ""
	m.searchGen++
	text := strings.TrimSpace(m.patientIn.Value())
	if text == "" {
		m.searching = false
		return nil
	}
	if id, err := m.c.Svc().ParseIdentity(text); err == nil {
		if formIDComplete(text) || id.Kind() == domain.KindReservnummer {
			m.idTyped = id
		}
	} else if formIDComplete(text) {
		var ie *domain.IdentityError
		if errors.As(err, &ie) {
			m.patientErr = m.c.T("form_id_invalid", i18n.IdentityReasonText(m.c.Lang, ie))
		} else {
			m.patientErr = err.Error()
		}
	}
	m.searching = true
	gen, st, ctx := m.searchGen, m.c.Backend.Store, m.c.Ctx
	return func() tea.Msg {
		ps, err := st.SearchPatients(ctx, text, formMaxMatches+1) // one more: to know there are more
		return formSearchMsg{gen: gen, patients: ps, err: err}
	}
}

// pick takes match i as the patient; the Cmd logs the look at them.
func (m *Model) pick(i int) tea.Cmd {
	p := m.matches[i]
	m.patient, m.idTyped, m.patientErr = &p, p.ID(), ""
	m.matches, m.searching = nil, false
	m.searchGen++ // a search still running is stale
	m.patientIn.SetValue(p.ID().String())
	m.patientIn.CursorEnd()
	svc, ctx, id := m.c.Svc(), m.c.Ctx, p.ID()
	return func() tea.Msg {
		if _, err := svc.ChoosePatient(ctx, id); err != nil {
			return common.ErrorMsg{Err: err}
		}
		return nil
	}
}

// Shown is the patients the search lists under the field, for the access log.
func (m *Model) Shown() []service.PatientRef {
	if m.focus != fieldPatient {
		return nil
	}
	var out []service.PatientRef
	for i := 0; i < len(m.matches) && i < formMaxMatches; i++ {
		out = append(out, service.PatientRef{Patient: m.matches[i].ID()})
	}
	return out
}

// exam is the chosen (or rebooked) examination; ok is false when a rebooked
// booking's code has left the catalogue.
func (m *Model) exam() (domain.Examination, bool) {
	if m.rebook != nil {
		e, err := m.c.Svc().Catalogue.Exam(m.rebook.Exam())
		return e, err == nil
	}
	if m.examIdx < len(m.exams) {
		return m.exams[m.examIdx], true
	}
	return domain.Examination{}, false
}

func (m *Model) duration() time.Duration {
	if m.rebook != nil {
		return m.rebook.Duration()
	}
	e, _ := m.exam()
	return e.Duration
}

// HelpInPage tells the root that the form lays out its own keys.
func (m *Model) HelpInPage() {}

// Title names the page: a new booking, or rebooking one.
func (m *Model) Title() string {
	if m.rebook != nil {
		return m.c.T("page_rebook")
	}
	return m.c.T("page_new")
}

// ShortHelp is the form's keys, as its key line says them.
func (m *Model) ShortHelp() []key.Binding {
	if m.rebook != nil {
		return common.BindingsFromText(m.c.T("form_help_rebook"))
	}
	return common.BindingsFromText(m.c.T("form_help"))
}

// FullHelp is the page's keys and ? that shows them: the keys that lead
// elsewhere type into the form, so they are not offered here (esc first).
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.c.Keys.FormHelp, m.c.Keys.FormQuit}}
}

// Update handles a message for the page; the root routes it to the page shown.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) { return m, m.update(msg) }

// SetSize is the room the root gives the page: the terminal's width, and its
// height less the title, status and key lines.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }
