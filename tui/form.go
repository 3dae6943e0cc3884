package tui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

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

// FormModel is the booking form (new booking, or rebooking when rebook is
// set). Everything a secretary must know before confirming is worked out in
// Update as she types: who the patient is, the channel decision and its
// reasons, whether the day is a working day, whether the time has passed and
// whether the patient is already booked then. The only I/O (the patient
// search, the overlap check, the booking) runs in Cmds on copied values.
type FormModel struct {
	c      *Common
	rebook *domain.Booking

	focus                     formField
	patientIn, dateIn, timeIn textinput.Model
	prefix                    string // letters typed on a choice field, to jump by code

	searchGen  int
	searching  bool
	matches    []domain.Patient
	matchCur   int
	patient    *domain.Patient       // picked, or the rebooked booking's
	idTyped    domain.IdentityNumber // the patient text is this identity number
	patientErr string                // what is wrong with the text as an identity number

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
}

// NewForm returns the booking form; with rebook set it moves that booking,
// whose patient, examination and site stay as they are.
func NewForm(c *Common, rebook *domain.Booking) *FormModel {
	cat := c.Svc().Catalogue
	m := &FormModel{c: c, rebook: rebook, exams: cat.Exams(), sites: cat.Sites()}
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
func (m *FormModel) newInput(placeholder string, width, limit int) textinput.Model {
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
func (m *FormModel) Init() tea.Cmd {
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
func (m *FormModel) Typing() bool { return true }

// Update handles keys and the results of the form's Cmds; it never blocks.
func (m *FormModel) Update(msg tea.Msg) tea.Cmd {
	if m.done {
		return nil
	}
	switch msg := msg.(type) {
	case formSearchMsg:
		if msg.gen != m.searchGen {
			return nil // the text changed since
		}
		m.searching, m.matches, m.matchCur = false, msg.patients, 0
		if msg.err != nil {
			m.patientErr = msg.err.Error()
		}
		for i, p := range m.matches {
			if !m.idTyped.IsZero() && p.ID().Canonical() == m.idTyped.Canonical() {
				m.matchCur = i
			}
		}
		return nil
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
				weekdayShort(m.c.Lang, b.VisitAt())+" "+fmtTime(b.VisitAt())+"–"+formClock(b.VisitAt().Add(b.Duration())))
		default:
			m.overlapState, m.overlapText = overlapClear, ""
		}
		return nil
	case formBookedMsg:
		m.busy = false
		if msg.err != nil {
			m.submitErr = msg.err.Error()
			return nil
		}
		m.done = true
		ch := ChannelText(m.c.Lang, msg.decision)
		if m.outlook != nil {
			ch = OutlookText(m.c.Lang, *m.outlook)
		}
		info := m.c.T("form_booked", int(msg.id), ch)
		if m.rebook != nil {
			info = m.c.T("form_rebooked", int(msg.id), weekdayShort(m.c.Lang, msg.at)+" "+fmtTime(msg.at))
		}
		if w := formNonWorking(m.c, msg.at); w != "" {
			info += " · " + w
		}
		id, at := msg.id, msg.at
		// Leave the form first, so that going back from the detail returns to
		// the list, which shows the booking; the root clears its status line
		// when it shows a page, so the info comes last.
		return tea.Sequence(
			func() tea.Msg { return BackMsg{} },
			func() tea.Msg { return FocusBookingMsg{ID: id, At: at} },
			func() tea.Msg { return OpenDetailMsg{ID: id} },
			func() tea.Msg { return InfoMsg{Text: info} })
	case ChangedMsg:
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

func (m *FormModel) updateKey(msg tea.KeyMsg) tea.Cmd {
	if m.busy {
		return nil
	}
	k := msg.String()
	// As in the root's confirmation, only j or y says yes: enter, pressed
	// to go through the fields, must not book by itself.
	yes := k == "j" || k == "J" || k == "y" || k == "Y"
	switch {
	case m.leaving:
		m.leaving = false
		if yes || k == "esc" {
			m.c.Post(BackMsg{})
		}
		return nil
	case m.confirming:
		switch {
		case yes:
			return m.submit()
		case k == "n" || k == "N" || k == "esc":
			m.confirming = false
		}
		return nil
	}
	m.submitErr = ""
	matching := m.focus == fieldPatient && len(m.matches) > 0
	var chosen tea.Cmd // the look at the patient picked, for the access log
	switch k {
	case "esc":
		if m.dirty() {
			m.leaving = true
			return nil
		}
		m.c.Post(BackMsg{})
		return nil
	case "ctrl+s":
		return m.tryConfirm()
	case "tab":
		if matching {
			chosen = m.pick(m.matchCur)
		}
		m.move(1)
	case "shift+tab":
		m.move(-1)
	case "down", "up":
		d := 1
		if k == "up" {
			d = -1
		}
		if matching {
			m.matchCur = (m.matchCur + d + len(m.matches)) % len(m.matches)
			return nil
		}
		m.move(d)
	case "enter":
		switch {
		case matching:
			chosen = m.pick(m.matchCur)
			m.move(1)
		case m.focus == fieldTime:
			return m.tryConfirm()
		default:
			m.move(1)
		}
	default:
		return m.fieldKey(msg)
	}
	return tea.Batch(chosen, m.derive())
}

// fieldKey gives a key to the focused field.
func (m *FormModel) fieldKey(msg tea.KeyMsg) tea.Cmd {
	switch m.focus {
	case fieldExam, fieldSite:
		n := len(m.exams)
		idx := &m.examIdx
		if m.focus == fieldSite {
			n, idx = len(m.sites), &m.siteIdx
		}
		switch {
		case msg.Type == tea.KeyLeft:
			*idx, m.prefix = (*idx-1+n)%n, ""
		case msg.Type == tea.KeyRight || msg.Type == tea.KeySpace:
			*idx, m.prefix = (*idx+1)%n, ""
		case msg.Type == tea.KeyRunes:
			m.jump(strings.ToLower(string(msg.Runes)))
		}
		return m.derive()
	case fieldPatient:
		before := m.patientIn.Value()
		m.patientIn, _ = m.patientIn.Update(msg)
		if m.patientIn.Value() == before {
			return nil
		}
		return tea.Batch(m.patientChanged(), m.derive())
	case fieldDate:
		m.dateIn, _ = m.dateIn.Update(msg)
	case fieldTime:
		m.timeIn, _ = m.timeIn.Update(msg)
	}
	return m.derive()
}

// jump chooses the first examination or site whose code (or name) begins
// with the letters typed so far on the field.
func (m *FormModel) jump(letters string) {
	find := func(p string) bool {
		if m.focus == fieldExam {
			for i, e := range m.exams {
				if strings.HasPrefix(e.Code, p) || strings.HasPrefix(strings.ToLower(e.Name), p) {
					m.examIdx = i
					return true
				}
			}
			return false
		}
		for i, s := range m.sites {
			if strings.HasPrefix(s.Code, p) || strings.HasPrefix(strings.ToLower(s.Name), p) {
				m.siteIdx = i
				return true
			}
		}
		return false
	}
	switch {
	case find(m.prefix + letters):
		m.prefix += letters
	case find(letters):
		m.prefix = letters
	default:
		m.prefix = ""
	}
}

// patientChanged forgets the picked patient and searches for the new text.
func (m *FormModel) patientChanged() tea.Cmd {
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
			m.patientErr = m.c.T("form_id_invalid", ie.Reason)
		} else {
			m.patientErr = err.Error()
		}
	}
	m.searching = true
	gen, st, ctx := m.searchGen, m.c.Backend.Store, m.c.Ctx
	return func() tea.Msg {
		ps, err := st.SearchPatients(ctx, text, formMaxMatches)
		return formSearchMsg{gen: gen, patients: ps, err: err}
	}
}

// pick takes match i as the patient; the Cmd logs the look at them.
func (m *FormModel) pick(i int) tea.Cmd {
	p := m.matches[i]
	m.patient, m.idTyped, m.patientErr = &p, p.ID(), ""
	m.matches, m.searching = nil, false
	m.searchGen++ // a search still running is stale
	m.patientIn.SetValue(p.ID().String())
	m.patientIn.CursorEnd()
	svc, ctx, id := m.c.Svc(), m.c.Ctx, p.ID()
	return func() tea.Msg {
		if _, err := svc.ChoosePatient(ctx, id); err != nil {
			return ErrorMsg{err}
		}
		return nil
	}
}

// Shown is the patients the search lists under the field, for the access log.
func (m *FormModel) Shown() []service.PatientRef {
	if m.focus != fieldPatient {
		return nil
	}
	var out []service.PatientRef
	for i := 0; i < len(m.matches) && i < formMaxMatches; i++ {
		out = append(out, service.PatientRef{Patient: m.matches[i].ID()})
	}
	return out
}

// move focuses the next (d > 0) or previous field; rebooking skips the
// fixed ones.
func (m *FormModel) move(d int) {
	first := fieldPatient
	if m.rebook != nil {
		first = fieldDate
	}
	f := m.focus + formField(d)
	if f < first {
		f = first
	}
	if f > fieldTime {
		f = fieldTime
	}
	m.setFocus(f)
}

func (m *FormModel) setFocus(f formField) {
	m.focus, m.prefix = f, ""
	for i, in := range []*textinput.Model{&m.patientIn, &m.dateIn, &m.timeIn} {
		if f == []formField{fieldPatient, fieldDate, fieldTime}[i] {
			in.Focus()
			in.CursorEnd()
		} else {
			in.Blur()
		}
	}
}

// exam is the chosen (or rebooked) examination; ok is false when a rebooked
// booking's code has left the catalogue.
func (m *FormModel) exam() (domain.Examination, bool) {
	if m.rebook != nil {
		e, err := m.c.Svc().Catalogue.Exam(m.rebook.Exam())
		return e, err == nil
	}
	if m.examIdx < len(m.exams) {
		return m.exams[m.examIdx], true
	}
	return domain.Examination{}, false
}

func (m *FormModel) duration() time.Duration {
	if m.rebook != nil {
		return m.rebook.Duration()
	}
	e, _ := m.exam()
	return e.Duration
}

// derive works out the decision, the date and time and their messages, and
// starts an overlap check when patient and time changed.
func (m *FormModel) derive() tea.Cmd {
	now := m.c.Now()
	m.decision = nil
	e, examOK := m.exam()
	if m.patient != nil && examOK {
		d := domain.DecideChannels(*m.patient, e, now, m.c.Svc().Policy)
		m.decision = &d
	}
	m.day, m.dateErr, m.dateWarn, m.dateSure = time.Time{}, "", "", false
	if v := strings.TrimSpace(m.dateIn.Value()); v != "" {
		day, ok := formParseDay(v, now)
		switch {
		case !ok:
			m.dateErr, m.dateSure = m.c.T("form_date_invalid", v), len(v) >= 10
		case day.Before(startOfDay(now)):
			m.dateErr, m.dateSure = m.c.T("form_date_past"), true
		default:
			m.day, m.dateWarn = day, formNonWorking(m.c, day)
		}
	}
	m.at, m.span, m.timeErr, m.timeSure = time.Time{}, "", "", false
	if v := strings.TrimSpace(m.timeIn.Value()); v != "" {
		h, mi, ok := formParseClock(v)
		switch {
		case !ok:
			m.timeErr, m.timeSure = m.c.T("form_time_invalid", v), len(v) >= 5
		default:
			if examOK {
				end := (h*60 + mi + int(m.duration()/time.Minute)) % (24 * 60)
				m.span = formTwoDigits(h) + ":" + formTwoDigits(mi) + "–" + formTwoDigits(end/60) + ":" + formTwoDigits(end%60)
			}
			if !m.day.IsZero() {
				at, why := formVisitAt(m.c.Lang, m.day, h, mi)
				switch {
				case why != "":
					m.span, m.timeErr, m.timeSure = "", why, true
				case !at.After(now):
					m.timeErr, m.timeSure = m.c.T("form_time_past"), true
				default:
					m.at = at
					if examOK { // the real end, should the clocks change meanwhile
						m.span = formClock(at) + "–" + formClock(at.Add(m.duration()))
					}
				}
			}
		}
	}
	m.outlook = nil
	if m.patient != nil && examOK && !m.at.IsZero() {
		svc := m.c.Svc()
		o := domain.Foresee(*m.patient, e, m.at, now, svc.Policy, svc.Schedule)
		m.outlook = &o
	}
	if m.patient == nil || m.at.IsZero() || !examOK {
		m.overlapKey, m.overlapState, m.overlapText = "", overlapNone, ""
		return nil
	}
	id, at, dur := m.patient.ID(), m.at, m.duration()
	key := id.Canonical() + "|" + at.String() + "|" + dur.String()
	if key == m.overlapKey {
		return nil
	}
	var self domain.BookingID
	if m.rebook != nil {
		self = m.rebook.ID()
	}
	m.overlapKey, m.overlapState, m.overlapText = key, overlapChecking, ""
	m.overlapGen++
	gen, st, ctx := m.overlapGen, m.c.Backend.Store, m.c.Ctx
	return func() tea.Msg {
		bs, err := st.Bookings(ctx, domain.BookingQuery{Patient: id, From: at.Add(-formMaxVisit), To: at.Add(dur)})
		if err != nil {
			return formOverlapMsg{gen: gen, err: err}
		}
		for _, b := range bs {
			if domain.CheckOverlap(self, at, dur, []*domain.Booking{b}) != nil {
				return formOverlapMsg{gen: gen, conflict: b}
			}
		}
		return formOverlapMsg{gen: gen}
	}
}

func (m *FormModel) dirty() bool {
	return (m.rebook == nil && m.patientIn.Value() != "") || m.dateIn.Value() != "" || m.timeIn.Value() != ""
}

// ready reports whether the form may be confirmed; the service checks
// everything again when it books.
func (m *FormModel) ready() bool {
	_, examOK := m.exam()
	if m.rebook == nil && (m.patient == nil || !examOK || m.siteIdx >= len(m.sites)) {
		return false
	}
	return !m.at.IsZero() && m.overlapState != overlapConflict
}

// tryConfirm asks for confirmation, or shows what is missing and goes to it.
func (m *FormModel) tryConfirm() tea.Cmd {
	m.tried = true
	if m.ready() {
		m.confirming = true
		return nil
	}
	switch {
	case m.rebook == nil && m.patient == nil:
		m.setFocus(fieldPatient)
	case m.day.IsZero():
		m.setFocus(fieldDate)
	default:
		m.setFocus(fieldTime)
	}
	return nil
}

// submit books (or rebooks) in a Cmd with copied values.
func (m *FormModel) submit() tea.Cmd {
	m.confirming, m.busy, m.submitErr = false, true, ""
	svc, ctx, at := m.c.Svc(), m.c.Ctx, m.at
	if m.rebook != nil {
		id := m.rebook.ID()
		return func() tea.Msg {
			b, _, err := svc.Rebook(ctx, id, at)
			if err != nil {
				return formBookedMsg{err: err}
			}
			return formBookedMsg{id: b.ID(), decision: b.Decision(), at: b.VisitAt()}
		}
	}
	e, _ := m.exam()
	in := service.BookInput{Patient: m.patient.ID().String(), Exam: e.Code, Site: m.sites[m.siteIdx].Code, VisitAt: at}
	return func() tea.Msg { return formBook(ctx, svc, in) }
}

func formBook(ctx context.Context, svc *service.Service, in service.BookInput) tea.Msg {
	res, err := svc.Book(ctx, in)
	if err != nil {
		return formBookedMsg{err: err}
	}
	return formBookedMsg{id: res.Booking.ID(), decision: res.Booking.Decision(), at: res.Booking.VisitAt()}
}

// View renders the fields, the channel decision beside them (or below them
// on a narrow terminal), the messages and the form's keys.
func (m *FormModel) View() string {
	s := m.c.Styles
	w, h := max(m.c.Width, 40), max(m.c.Height-3, 10)
	leftW, panelW := w, w
	wide := w >= 100
	if wide {
		panelW = min(max(w*2/5, 36), 56)
		leftW = w - panelW - 2
	}
	tail := m.tailLines(w)
	if len(tail) > 0 {
		tail = append([]string{""}, tail...)
	}
	panel := m.panelLines(panelW, wide)
	room := h - 1 - len(tail)
	if !wide {
		room -= len(panel) + 1
	}
	n := min(len(m.matches), formMaxMatches)
	fields := m.fieldLines(leftW, n)
	for n > 1 && len(fields) > room {
		n--
		fields = m.fieldLines(leftW, n)
	}
	var body []string
	if wide {
		for i := 0; i < max(len(fields), len(panel)); i++ {
			l, p := "", ""
			if i < len(fields) {
				l = fields[i]
			}
			if i < len(panel) {
				p = panel[i]
			}
			body = append(body, padRight(l, leftW)+"  "+p)
		}
	} else {
		body = append(append(fields, ""), panel...)
	}
	if len(body) > h-1-len(tail) {
		body = body[:max(0, h-1-len(tail))]
	}
	lines := append(body, tail...)
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	help := "form_help"
	if m.rebook != nil {
		help = "form_help_rebook"
	}
	lines = append(lines, s.Muted.Render(truncate(m.c.T(help), w)))
	return strings.Join(lines, "\n")
}

// fieldLines renders the fields in leftW columns, listing at most n matches.
func (m *FormModel) fieldLines(width, n int) []string {
	s := m.c.Styles
	var out []string
	label := func(f formField, key string) string {
		mark := "  "
		st := s.Label
		if m.focus == f {
			mark, st = "▸ ", s.Key
		}
		return mark + st.Render(padRight(m.c.T(key), formLabelW))
	}
	avail := max(10, width-formIndent)
	indent := strings.Repeat(" ", formIndent)
	note := func(st lipgloss.Style, text string) {
		for _, l := range formFlow([]string{text}, avail) {
			out = append(out, indent+st.Render(l))
		}
	}
	e, examOK := m.exam()
	if m.rebook != nil {
		if m.patient == nil && m.patientErr != "" {
			out = append(out, label(fieldPatient, "form_patient")+s.Error.Render(truncate("✗ "+m.patientErr, avail)))
		} else {
			out = append(out, label(fieldPatient, "form_patient")+s.OK.Render(m.patientSummary(avail)))
		}
		if m.patient != nil {
			for _, l := range formFlow(m.patientFacts(), avail) {
				out = append(out, indent+s.Muted.Render(l))
			}
		}
		ex := m.rebook.Exam()
		if examOK {
			ex = formExamText(m.c, e)
		}
		out = append(out, label(fieldExam, "form_exam")+s.Value.Render(truncate(ex, avail)))
		out = append(out, label(fieldSite, "form_site")+s.Value.Render(truncate(m.siteText(m.rebook.Site()), avail)))
		old := m.rebook.VisitAt()
		out = append(out, label(-1, "form_current")+s.Value.Render(truncate(weekdayShort(m.c.Lang, old)+" "+fmtTime(old)+"–"+
			formClock(old.Add(m.rebook.Duration()))+" · "+m.c.T("form_booking_no", int(m.rebook.ID())), avail)))
	} else {
		out = append(out, label(fieldPatient, "form_patient")+m.patientIn.View())
		switch {
		case m.patient != nil:
			out = append(out, indent+s.OK.Render(m.patientSummary(avail)))
			for _, l := range formFlow(m.patientFacts(), avail) {
				out = append(out, indent+s.Muted.Render(l))
			}
		case m.patientErr != "":
			note(s.Error, "✗ "+m.patientErr)
		case len(m.matches) > 0 && m.focus == fieldPatient:
			out = append(out, m.matchLines(avail, n)...)
		case len(m.matches) > 0:
			note(s.Warn, m.c.T("form_pick_patient"))
		case m.searching:
			note(s.Muted, m.c.T("loading"))
		case !m.idTyped.IsZero():
			note(s.Error, "✗ "+m.c.T("form_no_patient_id", m.idTyped.String()))
		case strings.TrimSpace(m.patientIn.Value()) != "":
			note(s.Warn, m.c.T("form_no_match", strings.TrimSpace(m.patientIn.Value())))
		case m.tried:
			note(s.Error, "✗ "+m.c.T("form_patient_missing"))
		}
		arrows := func(f formField, text string) string {
			st := s.Value
			if m.focus == f {
				st = s.Selected
			}
			return st.Render("‹ " + truncate(text, avail-4) + " ›")
		}
		out = append(out, label(fieldExam, "form_exam")+arrows(fieldExam, formExamText(m.c, e)))
		site := ""
		if m.siteIdx < len(m.sites) {
			site = m.siteText(m.sites[m.siteIdx].Code)
		}
		out = append(out, label(fieldSite, "form_site")+arrows(fieldSite, site))
	}
	// Date: the input, what it means, then a warning or an error.
	line := label(fieldDate, "form_date") + m.dateIn.View() + " "
	switch {
	case !m.day.IsZero():
		line += s.Muted.Render("→ " + weekdayShort(m.c.Lang, m.day) + " " + m.day.Format("2006-01-02"))
	case m.focus == fieldDate:
		line += s.Muted.Render(m.c.T("form_date_hint"))
	}
	out = append(out, line)
	switch {
	case m.dateErr != "" && (m.focus != fieldDate || m.tried || m.dateSure):
		note(s.Error, "✗ "+m.dateErr)
	case m.dateWarn != "":
		note(s.Warn, "! "+m.dateWarn)
	case m.tried && m.day.IsZero():
		note(s.Error, "✗ "+m.c.T("form_date_missing"))
	}
	// Time: the input, the visit's span, then an error.
	line = label(fieldTime, "form_time") + m.timeIn.View() + " "
	if m.span != "" {
		line += s.Muted.Render("→ " + m.span)
	}
	out = append(out, line)
	switch {
	case m.timeErr != "" && (m.focus != fieldTime || m.tried || m.timeSure):
		note(s.Error, "✗ "+m.timeErr)
	case m.tried && strings.TrimSpace(m.timeIn.Value()) == "":
		note(s.Error, "✗ "+m.c.T("form_time_missing"))
	}
	return out
}

func (m *FormModel) matchLines(width, n int) []string {
	s := m.c.Styles
	start := 0
	if m.matchCur >= n {
		start = m.matchCur - n + 1
	}
	var out []string
	for i := start; i < start+n && i < len(m.matches); i++ {
		p := m.matches[i]
		age := ""
		if a, ok := p.ID().AgeAt(m.c.Now()); ok {
			age = m.c.T("form_age", a)
		}
		nameW := min(28, max(8, width-2-13-2-8))
		row := padRight(truncate(p.Name(), nameW), nameW) + " " + p.ID().String() + "  " + age
		row = truncate(row, width-2)
		if i == m.matchCur {
			out = append(out, strings.Repeat(" ", formIndent)+s.Selected.Render("▸ "+row))
		} else {
			out = append(out, strings.Repeat(" ", formIndent)+"  "+row)
		}
	}
	return out
}

func (m *FormModel) patientSummary(width int) string {
	if m.patient == nil {
		return m.c.T("loading")
	}
	p := m.patient
	text := "✓ " + p.Name() + " · " + p.ID().String()
	if a, ok := p.ID().AgeAt(m.c.Now()); ok {
		text += " · " + m.c.T("form_age", a)
	}
	return truncate(text, width)
}

// patientFacts are what matters for the summons: interpreter, 1177 and SMS.
func (m *FormModel) patientFacts() []string {
	p := m.patient
	var out []string
	if p.NeedsInterpreter() {
		out = append(out, m.c.T("form_interpreter", p.Interpreter()))
	}
	switch {
	case !p.Has1177Account():
		out = append(out, m.c.T("form_1177_none"))
	case !p.NotificationsEnabled():
		out = append(out, m.c.T("form_1177_quiet"))
	default:
		out = append(out, m.c.T("form_1177_ok"))
	}
	if p.SMSReminders() {
		out = append(out, m.c.T("form_sms_yes"))
	} else {
		out = append(out, m.c.T("form_sms_no"))
	}
	return out
}

func (m *FormModel) siteText(code string) string {
	if st, err := m.c.Svc().Catalogue.Site(code); err == nil {
		return st.Name + " (" + code + ")"
	}
	return code
}

func formExamText(c *Common, e domain.Examination) string {
	ch := c.T("form_exam_digital")
	if !e.Digital {
		ch = c.T("form_exam_paper")
	}
	return e.Code + " · " + e.Name + " · " + itoa(int(e.Duration/time.Minute)) + " min · " + ch
}

// panelLines is the live channel decision: channels and reasons in words,
// the visit's span and the overlap check.
func (m *FormModel) panelLines(width int, boxed bool) []string {
	s := m.c.Styles
	inner := width
	if boxed {
		inner = width - 4 // border and padding
	}
	var ls []string
	add := func(st lipgloss.Style, text string) {
		for _, l := range formFlow([]string{text}, inner) {
			ls = append(ls, st.Render(l))
		}
	}
	ls = append(ls, s.Header.Render(truncate(m.c.T("form_decision"), inner)))
	if m.decision == nil {
		add(s.Muted, m.c.T("form_decision_wait"))
	} else {
		ch := ChannelText(m.c.Lang, *m.decision)
		if m.outlook != nil {
			ch = OutlookText(m.c.Lang, *m.outlook)
		}
		add(s.Value, m.c.T("channel")+": "+ch)
		for _, r := range m.decision.Reasons {
			add(s.Value, "• "+ReasonText(m.c.Lang, r))
		}
		if len(m.decision.Reasons) == 0 {
			add(s.Muted, m.c.T("form_no_reasons"))
		}
		if m.outlook != nil {
			for _, l := range OutlookLines(m.c.Lang, *m.outlook) {
				st := s.Muted
				if l.Warn {
					st = s.Warn
				}
				add(st, l.Text)
			}
		}
	}
	if !m.at.IsZero() {
		end := m.at.Add(m.duration())
		add(s.Value, m.c.T("visit")+": "+weekdayShort(m.c.Lang, m.at)+" "+fmtTime(m.at)+"–"+formClock(end))
		switch m.overlapState {
		case overlapChecking:
			add(s.Muted, m.c.T("form_overlap_checking"))
		case overlapClear:
			add(s.OK, "✓ "+m.c.T("form_overlap_none"))
		}
	}
	if !boxed {
		return ls
	}
	return strings.Split(s.Box.Width(width-2).Render(strings.Join(ls, "\n")), "\n")
}

// tailLines are the messages under the form: the overlap, the booking's
// error, and the question being asked.
func (m *FormModel) tailLines(width int) []string {
	s := m.c.Styles
	var out []string
	add := func(st lipgloss.Style, text string) {
		for _, l := range formFlow([]string{text}, width) {
			out = append(out, st.Render(l))
		}
	}
	if m.overlapText != "" {
		add(s.Error, "✗ "+m.overlapText)
	}
	if m.submitErr != "" {
		add(s.Error, "✗ "+m.submitErr)
	}
	yesNo := "  " + m.c.T("confirm_yes_no")
	switch {
	case m.busy:
		add(s.Muted, m.c.T("form_booking"))
	case m.leaving:
		add(s.Warn, "? "+m.c.T("form_leave")+yesNo)
	case m.confirming:
		add(s.Value, strings.Join(m.summary(), " · "))
		q := m.c.T("form_confirm_book")
		if m.rebook != nil {
			q = m.c.T("form_confirm_rebook", int(m.rebook.ID()))
		}
		add(s.Warn, "? "+q+yesNo)
	}
	return out
}

// summary is the booking about to be made, for the confirmation.
func (m *FormModel) summary() []string {
	var parts []string
	if m.patient != nil {
		parts = append(parts, m.patient.Name()+" "+m.patient.ID().String())
	}
	if e, ok := m.exam(); ok {
		parts = append(parts, e.Code+" "+e.Name)
	}
	if m.rebook != nil {
		parts = append(parts, m.siteText(m.rebook.Site()))
	} else if m.siteIdx < len(m.sites) {
		parts = append(parts, m.sites[m.siteIdx].Name)
	}
	parts = append(parts, weekdayShort(m.c.Lang, m.at)+" "+fmtTime(m.at)+"–"+formClock(m.at.Add(m.duration())))
	if m.outlook != nil {
		parts = append(parts, OutlookText(m.c.Lang, *m.outlook))
	} else if m.decision != nil {
		parts = append(parts, ChannelText(m.c.Lang, *m.decision))
	}
	return parts
}

// formFlow joins parts with " · " into lines of at most width columns, breaking
// between parts and, for a part too long by itself, between words.
func formFlow(parts []string, width int) []string {
	var out []string
	cur := ""
	push := func(word, sep string) {
		switch {
		case cur == "":
			cur = word
		case lipgloss.Width(cur+sep+word) <= width:
			cur += sep + word
		default:
			out = append(out, cur)
			cur = word
		}
	}
	for _, p := range parts {
		if lipgloss.Width(p) <= width {
			push(p, " · ")
			continue
		}
		for i, word := range strings.Fields(p) {
			sep := " "
			if i == 0 {
				sep = " · "
			}
			push(truncate(word, width), sep)
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// formNonWorking warns in words that t falls on a weekend or public holiday.
func formNonWorking(c *Common, t time.Time) string {
	name, ok := domain.NonWorkingDay(t)
	if !ok {
		return ""
	}
	if c.Lang == English {
		switch name {
		case "lördag":
			name = "Saturday"
		case "söndag":
			name = "Sunday"
		}
	}
	return c.T("form_nonworking", weekdayShort(c.Lang, t)+" "+t.In(domain.Stockholm).Format("2006-01-02"), name)
}

// formParseDay reads a date as typed: YYYY-MM-DD, YYYYMMDD, MM-DD (the next
// such date from today) or +N (N days from today).
func formParseDay(s string, now time.Time) (time.Time, bool) {
	today := startOfDay(now)
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 || n > 999 {
			return time.Time{}, false
		}
		return today.AddDate(0, 0, n), true
	}
	for _, layout := range []string{"2006-01-02", "20060102"} {
		if t, err := time.ParseInLocation(layout, s, domain.Stockholm); err == nil {
			return t, true
		}
	}
	if t, err := time.ParseInLocation("01-02", s, domain.Stockholm); err == nil {
		for _, y := range []int{today.Year(), today.Year() + 1} {
			d := time.Date(y, t.Month(), t.Day(), 0, 0, 0, 0, domain.Stockholm)
			if d.Month() == t.Month() && !d.Before(today) {
				return d, true
			}
		}
	}
	return time.Time{}, false
}

// formParseClock reads a time of day: HH:MM, H:MM, HH.MM or HHMM.
func formParseClock(s string) (h, m int, ok bool) {
	s = strings.ReplaceAll(s, ".", ":")
	if len(s) == 4 && formIsDigits(s) {
		s = s[:2] + ":" + s[2:]
	}
	hs, ms, found := strings.Cut(s, ":")
	if !found || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !formIsDigits(hs) || !formIsDigits(ms) {
		return 0, 0, false
	}
	h, _ = strconv.Atoi(hs)
	m, _ = strconv.Atoi(ms)
	return h, m, h < 24 && m < 60
}

// formVisitAt is clock h:mi on day's date in Stockholm, or why there is no
// such visit, in lang: the clocks skip that time or show it twice that night
// (domain.LocalTime), and the form has no way to say which.
func formVisitAt(lang Lang, day time.Time, h, mi int) (time.Time, string) {
	day = day.In(domain.Stockholm)
	at, err := domain.LocalTime(day.Year(), day.Month(), day.Day(), h, mi, 0, 0)
	var le *domain.LocalTimeError
	switch {
	case err == nil:
		return at, ""
	case !errors.As(err, &le) || le.Before.IsZero():
		return time.Time{}, T(lang, "form_time_invalid", formTwoDigits(h)+":"+formTwoDigits(mi))
	}
	key := "form_time_skipped"
	if errors.Is(err, domain.ErrAmbiguousLocalTime) {
		key = "form_time_twice"
	}
	return time.Time{}, T(lang, key, formTwoDigits(h)+":"+formTwoDigits(mi), day.Format("2006-01-02"),
		le.Before.Format("15:04"), le.After.Format("15:04"))
}

// formIDComplete reports whether s has the shape of a whole identity number, so
// that a parse error is worth showing rather than a step on the way: four
// characters after a '-' or '+', or 12 or more digits, or 10 digits that
// cannot be the start of a 12-digit number.
func formIDComplete(s string) bool {
	s = strings.Join(strings.Fields(s), "")
	if i := strings.LastIndexAny(s, "-+"); i >= 0 {
		return len(s)-i-1 == 4
	}
	if !formIsDigits(s) {
		return false
	}
	return len(s) >= 12 || len(s) == 10 && !strings.HasPrefix(s, "19") && !strings.HasPrefix(s, "20")
}

func formIsDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func formTwoDigits(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}

func formClock(t time.Time) string { return t.In(domain.Stockholm).Format("15:04") }

// HelpInPage tells the root that the form shows its own keys.
func (m *FormModel) HelpInPage() {}
