package patient

import (
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/kallelse/kallelse/tui/common"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

type (
	patientLoadedMsg struct {
		p   domain.Patient
		err error
	}
	patientSavedMsg struct {
		p   domain.Patient
		err error
	}
)

// pfField is one line of the patient form: a text or a yes/no.
type pfField struct {
	key      string // the catalogue's pf_<key>, and the field checked
	in       textinput.Model
	yes      bool
	yesNo    bool
	readOnly bool
	err      string
}

// Model adds a patient or changes one. Every key is handled in
// Update at once, as in the booking form, so keys typed ahead land in the
// field they were meant for. Each field is checked when it is left (the
// import's rules: domain.CheckPatientText, NormalizePhone, the identity
// parser); saving (ctrl+s) checks the whole patient (domain.NewPatient).
type Model struct {
	c             *common.Common
	width, height int // the room the root gives the page (SetSize)
	create        bool
	taken         domain.IdentityNumber // a new patient's number already registered: ctrl+e changes that one
	switchTo      domain.IdentityNumber // ctrl+e asked first (leaving): the patient to change once answered
	id            domain.IdentityNumber
	// hiddenAddress is a protected patient's address, never put on screen:
	// the address fields stay empty and say so, and it is kept as it is
	// unless a new one is typed; hiddenGuardian the same for the guardians.
	hiddenAddress  *domain.Address
	hiddenGuardian [domain.MaxGuardians]*domain.Address
	fields         []pfField
	newInput       func() textinput.Model
	focus          int
	err            string
	saving         bool
	loaded         bool
	leaving        bool // esc with changes: asked first
	dirty          bool
	keyLines       []string // the key lines the last View laid out (KeyLines)
}

var pfTextFields = []string{"identity", "name", "phone", "interpreter", "street", "postal", "city"}
var pfYesNoFields = []string{"account", "notifications", "sms", "protected", "declined"}

// New opens the form: empty for a new patient, or loading the
// patient to change.
func New(c *common.Common, id domain.IdentityNumber) *Model {
	m := &Model{c: c, create: id.IsZero(), id: id}
	newInput := func() textinput.Model {
		in := textinput.New()
		in.Prompt = ""
		in.CharLimit = 240
		in.Cursor.Style, in.Cursor.TextStyle = c.Styles.App, c.Styles.Value
		in.Cursor.SetMode(cursor.CursorStatic) // as in the booking form: no blinking to redraw
		return in
	}
	for _, k := range pfTextFields {
		m.fields = append(m.fields, pfField{key: k, in: newInput()})
	}
	for _, k := range pfYesNoFields {
		m.fields = append(m.fields, pfField{key: k, yesNo: true, in: newInput()}) // never shown; focusable all the same
	}
	m.newInput = newInput
	if !m.create {
		m.fields[0].in.SetValue(id.String())
		m.fields[0].readOnly = true
		m.focus = 1
	}
	m.loaded = m.create
	m.fields[m.focus].in.Focus()
	return m
}

// Init loads the patient to change.
func (m *Model) Init() tea.Cmd {
	if m.create {
		return nil
	}
	svc, ctx, id := m.c.Svc(), m.c.Ctx, m.id
	return func() tea.Msg {
		p, err := svc.ChoosePatient(ctx, id)
		return patientLoadedMsg{p, err}
	}
}

// Typing keeps the root's keys away while the form has focus.
func (m *Model) Typing() bool { return true }

// HelpInPage tells the root that the form lays out its own keys.
func (m *Model) HelpInPage() {}

// KeyLines are the form's keys, or the answer keys while it asks, as the
// last View laid them out: the root draws them under the status line.
func (m *Model) KeyLines() []string { return m.keyLines }

// Title names the page: a new patient, or changing one.
func (m *Model) Title() string {
	if m.create {
		return m.c.T("page_patient_new")
	}
	return m.c.T("page_patient_edit")
}

// ShortHelp is the form's keys, as its key line says them.
func (m *Model) ShortHelp() []key.Binding { return common.BindingsFromText(m.c.T("pf_help")) }

// FullHelp is the page's keys and ? that shows them: the keys that lead
// elsewhere type into the form, so they are not offered here (esc first).
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.c.Keys.FormHelp, m.c.Keys.FormQuit}}
}

// label is a field's name on screen.
func (m *Model) label(f *pfField) string {
	switch n, part := guardianPart(f.key); {
	case n == 0:
		return m.c.T("pf_" + f.key)
	case part == "name":
		return m.c.T("pf_guardian", n)
	default:
		return "  " + m.c.T("pf_"+part)
	}
}

func (m *Model) field(key string) *pfField {
	for i := range m.fields {
		if m.fields[i].key == key {
			return &m.fields[i]
		}
	}
	return nil
}

func (m *Model) fill(p domain.Patient) {
	a := p.Address()
	m.hiddenAddress = nil
	if p.Protected() {
		// Protected personal data: no address on any screen.
		kept := a
		m.hiddenAddress, a = &kept, domain.Address{}
		for _, k := range []string{"street", "postal", "city"} {
			m.field(k).in.Placeholder = m.c.T("pf_address_hidden")
		}
	}
	for k, v := range map[string]string{"name": p.Name(), "phone": p.Phone(), "interpreter": p.Interpreter(),
		"street": a.Street, "postal": a.PostalCode, "city": a.City} {
		m.field(k).in.SetValue(v)
	}
	for k, v := range map[string]bool{"account": p.Has1177Account(), "notifications": p.NotificationsEnabled(),
		"sms": p.SMSReminders(), "protected": p.Protected(), "declined": p.PaperDeclined()} {
		m.field(k).yes = v
	}
	gs := p.Guardians()
	m.showGuardians(p.ID(), len(gs) > 0)
	for i, g := range gs {
		n := i + 1
		ga := g.Address
		if p.Protected() {
			kept := ga
			m.hiddenGuardian[i], ga = &kept, domain.Address{}
			for _, part := range []string{"street", "postal", "city"} {
				m.field(guardianKey(n, part)).in.Placeholder = m.c.T("pf_address_hidden")
			}
		}
		for part, v := range map[string]string{"name": g.Name, "phone": g.Phone, "street": ga.Street, "postal": ga.PostalCode, "city": ga.City} {
			m.field(guardianKey(n, part)).in.SetValue(v)
		}
	}
}

// check is the rule for one field as it is left; "" when it is fine.
func (m *Model) check(f *pfField) string {
	v := f.in.Value()
	textRule := map[string]string{"name": "name", "interpreter": "interpreter", "street": "street", "city": "city"}
	if n, part := guardianPart(f.key); n > 0 {
		// A guardian's lines follow the patient's rules; a name is needed
		// once anything of that guardian is typed.
		if part == "name" && strings.TrimSpace(v) == "" {
			if m.guardianTyped(n) {
				return m.c.T("pf_err_guardian_name")
			}
			return ""
		}
		return m.check(&pfField{key: part, in: f.in})
	}
	switch {
	case f.yesNo || f.readOnly:
		return ""
	case f.key == "identity":
		if _, err := m.c.Svc().ParseIdentity(v); err != nil {
			return common.FriendlyError(m.c, err) // which digit is wrong, as the CLI says it
		}
	case f.key == "name" && strings.TrimSpace(v) == "":
		return m.c.T("pf_err_name")
	case f.key == "phone" && strings.TrimSpace(v) != "":
		if _, err := domain.NormalizePhone(v); err != nil {
			return m.c.T("pf_err_phone")
		}
	case f.key == "postal":
		pc := strings.ReplaceAll(strings.TrimSpace(v), " ", "")
		if pc != "" && (len(pc) != 5 || strings.Trim(pc, "0123456789") != "") {
			return m.c.T("pf_err_postal")
		}
	}
	if rule, ok := textRule[f.key]; ok {
		if err := domain.CheckPatientText(rule, v); err != nil {
			return patientErrorText(m.c, err)
		}
	}
	return ""
}

// input is what was typed, as the import reads it.
func (m *Model) input() (domain.PatientInput, error) {
	id := m.id
	if m.create {
		var err error
		if id, err = m.c.Svc().ParseIdentity(m.field("identity").in.Value()); err != nil {
			return domain.PatientInput{}, err
		}
	}
	t := func(k string) string { return m.field(k).in.Value() }
	y := func(k string) bool { return m.field(k).yes }
	addr := domain.Address{Street: t("street"), PostalCode: t("postal"), City: t("city")}
	if m.hiddenAddress != nil && addr == (domain.Address{}) {
		addr = *m.hiddenAddress // not shown, not typed over: kept
	}
	var guardians []domain.Guardian
	for n := 1; n <= domain.MaxGuardians && m.hasGuardianFields(); n++ {
		g := func(part string) string { return m.field(guardianKey(n, part)).in.Value() }
		ga := domain.Address{Street: g("street"), PostalCode: g("postal"), City: g("city")}
		if h := m.hiddenGuardian[n-1]; h != nil && ga == (domain.Address{}) && m.guardianTyped(n) {
			ga = *h // not shown, not typed over: kept (a guardian emptied goes, address and all)
		}
		if m.guardianTyped(n) || ga != (domain.Address{}) {
			guardians = append(guardians, domain.Guardian{Name: g("name"), Phone: g("phone"), Address: ga})
		}
	}
	return domain.PatientInput{ID: id, Name: t("name"), Phone: t("phone"), Interpreter: t("interpreter"),
		Address:        addr,
		Has1177Account: y("account"), NotificationsEnabled: y("notifications"), SMSReminders: y("sms"),
		Protected: y("protected"), PaperDeclined: y("declined"), Guardians: guardians}, nil
}

// identityTakenMsg says that the identity number typed in a new
// patient's form belongs to a patient already registered.
type identityTakenMsg struct {
	typed string
	id    domain.IdentityNumber
}

// move leaves the field in focus for the next one (d = 1) or the one
// before (d = -1), checking it; a new patient's identity number that is
// already registered is said at once, not at ctrl+s.
func (m *Model) move(d int) tea.Cmd {
	f := &m.fields[m.focus]
	f.err = m.check(f)
	f.in.Blur()
	var cmd tea.Cmd
	if f.key == "identity" && m.create && f.err == "" {
		typed := f.in.Value()
		if id, err := m.c.Svc().ParseIdentity(typed); err == nil {
			m.showGuardians(id, false)
			st, ctx := m.c.Backend.Store, m.c.Ctx
			cmd = func() tea.Msg {
				if _, err := st.Patient(ctx, id); err == nil {
					return identityTakenMsg{typed, id}
				}
				return nil // unknown (or unreadable: ctrl+s says so)
			}
		}
	}
	for {
		m.focus = (m.focus + d + len(m.fields)) % len(m.fields)
		if !m.fields[m.focus].readOnly {
			break
		}
	}
	m.fields[m.focus].in.Focus()
	return cmd
}

// Update handles the keys at once and saves through a command.
func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case patientLoadedMsg:
		if msg.err != nil {
			m.err = common.FriendlyError(m.c, msg.err)
			return nil
		}
		m.fill(msg.p)
		m.loaded = true
		return nil
	case patientSavedMsg:
		m.saving = false
		if msg.err != nil {
			m.err = patientErrorText(m.c, msg.err)
			if f := m.field("identity"); m.create && errors.Is(msg.err, service.ErrPatientExists) {
				if id, err := m.c.Svc().ParseIdentity(f.in.Value()); err == nil {
					f.err, m.taken = m.err, id
				}
			}
			return nil
		}
		done := "pf_saved"
		if m.create {
			done = "pf_added"
		}
		text := m.c.T(done, msg.p.Name())
		return tea.Sequence(func() tea.Msg { return common.BackMsg{} }, func() tea.Msg { return common.InfoMsg{Text: text} })
	case identityTakenMsg:
		if f := m.field("identity"); f.in.Value() == msg.typed {
			f.err, m.taken = m.c.T("pf_err_exists"), msg.id
		}
		return nil
	case tea.KeyMsg:
		return m.key(msg)
	}
	var cmd tea.Cmd
	m.fields[m.focus].in, cmd = m.fields[m.focus].in.Update(msg)
	return cmd
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	if m.saving {
		return nil
	}
	k := msg.String()
	if m.leaving {
		m.leaving = false
		to := m.switchTo
		m.switchTo = domain.IdentityNumber{}
		if k == "j" || k == "J" || k == "y" || k == "Y" || (k == "esc" && to.IsZero()) {
			m.c.Post(common.BackMsg{})
			if !to.IsZero() {
				m.c.Post(common.OpenPatientFormMsg{ID: to})
			}
		}
		return nil
	}
	if !m.loaded {
		if k == "esc" {
			m.c.Post(common.BackMsg{})
		}
		return nil
	}
	f := &m.fields[m.focus]
	switch k {
	case "esc":
		if m.dirty {
			m.leaving = true
			return nil
		}
		m.c.Post(common.BackMsg{})
		return nil
	case "ctrl+s":
		return m.save()
	case "?":
		// No field takes it (names, numbers, an address): every key, as
		// elsewhere.
		m.c.Post(common.ToggleHelpMsg{})
		return nil
	case "ctrl+e":
		// The number typed is a patient already registered: change that one.
		if m.create && !m.taken.IsZero() && m.field("identity").err != "" {
			// What was typed besides the number is not carried over: ask
			// before it is thrown away.
			for _, f := range m.fields {
				if f.key != "identity" && !f.yesNo && strings.TrimSpace(f.in.Value()) != "" {
					m.leaving, m.switchTo = true, m.taken
					return nil
				}
			}
			m.c.Post(common.BackMsg{})
			m.c.Post(common.OpenPatientFormMsg{ID: m.taken})
		}
		return nil
	case "tab", "down", "enter":
		return m.move(1)
	case "shift+tab", "up":
		return m.move(-1)
	}
	if f.yesNo {
		switch k {
		case " ", "left", "right":
			f.yes = !f.yes
		case "j", "J", "y", "Y":
			f.yes = true
		case "n", "N":
			f.yes = false
		default:
			return nil
		}
		m.dirty = true
		return nil
	}
	before := f.in.Value()
	var cmd tea.Cmd
	f.in, cmd = f.in.Update(msg)
	if f.in.Value() != before {
		m.dirty, f.err = true, ""
	}
	return cmd
}

// save checks every field, then the whole patient, and saves it.
func (m *Model) save() tea.Cmd {
	m.err = ""
	for i := range m.fields {
		if m.fields[i].err = m.check(&m.fields[i]); m.fields[i].err != "" {
			m.fields[m.focus].in.Blur()
			m.focus = i
			m.fields[i].in.Focus()
			return nil
		}
	}
	if !m.guardianAddressesWhole() {
		return nil
	}
	in, err := m.input()
	if err != nil {
		m.err = patientErrorText(m.c, err)
		return nil
	}
	if _, err := domain.NewPatient(in); err != nil {
		m.err = patientErrorText(m.c, err)
		return nil
	}
	m.saving = true
	svc, ctx, create := m.c.Svc(), m.c.Ctx, m.create
	return func() tea.Msg {
		p, err := svc.SavePatient(ctx, in, create)
		return patientSavedMsg{p, err}
	}
}

// View draws the fields (scrolled to keep the focus on screen) and the
// error, in the page's room less the form's key lines (KeyLines), which the
// root draws under the status line; while it asks (leave), the answer keys
// take their place.
func (m *Model) View() string {
	s := m.c.Styles
	w, h := max(m.width, 30), max(m.height, 5)
	var tail []string
	switch {
	case m.leaving:
		for _, l := range common.WrapIndent(m.c.T("pf_leave"), w, 2) {
			tail = append(tail, s.Warn.Render(l))
		}
	case m.saving:
		tail = append(tail, s.Muted.Render(m.c.T("pf_saving")))
	case m.err != "":
		for _, l := range common.WrapIndent("✗ "+m.err, w, 2) {
			tail = append(tail, s.Error.Render(l))
		}
	}
	if m.leaving {
		m.keyLines = []string{s.Key.Render(common.Truncate(m.c.T("confirm_yes_no"), w))}
	} else {
		// The form's keys and ?, which shows them all, as every page's.
		m.keyLines = common.HintLines(m.c, append(m.ShortHelp(), m.c.Keys.Help), "")
	}
	room := max(1, h-len(tail)-len(m.keyLines))
	labelW := 0
	for i := range m.fields {
		labelW = max(labelW, lipgloss.Width(m.label(&m.fields[i])))
	}
	labelW = min(labelW, w/2)
	var lines []string
	focusLine := 0
	if !m.loaded {
		lines = append(lines, s.Muted.Render(m.c.T("loading")))
	}
	for i, f := range m.fields {
		if !m.loaded {
			break
		}
		if i == len(pfTextFields) || i == len(pfTextFields)+len(pfYesNoFields) {
			lines = append(lines, "")
		}
		if i == len(pfTextFields)+len(pfYesNoFields) {
			for _, l := range common.WrapIndent(m.c.T("pf_guardians_head"), w, 2) {
				lines = append(lines, s.Muted.Render(l))
			}
		}
		mark := "  "
		label := common.PadRight(common.Truncate(m.label(&m.fields[i]), labelW), labelW)
		if i == m.focus {
			mark, label = "▸ ", s.Key.Render(label)
			focusLine = len(lines)
		}
		var val string
		switch {
		case f.yesNo && f.yes:
			val = "[x] " + m.c.T("pf_yes")
		case f.yesNo:
			val = "[ ] " + m.c.T("pf_no")
		case f.readOnly:
			val = s.Muted.Render(f.in.Value())
		default:
			f.in.Width = max(5, w-labelW-6) // the cursor takes a cell more
			val = f.in.View()
		}
		lines = append(lines, common.Truncate(mark+label+"  "+val, w))
		if f.err != "" { // under the field, where the eye is
			for _, l := range common.WrapIndent(strings.Repeat(" ", labelW+4)+"✗ "+f.err, w, labelW+6) {
				lines = append(lines, s.Error.Render(l))
			}
			if i == m.focus {
				focusLine = len(lines) - 1
			}
		}
	}
	top := 0
	if focusLine >= room {
		top = focusLine - room + 1
	}
	end := min(len(lines), top+room)
	out := common.PadLines(lines[top:end], room)
	return strings.Join(append(out, tail...), "\n")
}

// patientErrorText says why a patient is refused, in the staff's language;
// a guardian's error names the guardian.
func patientErrorText(c *common.Common, err error) string {
	var ge *domain.GuardianError
	if errors.As(err, &ge) {
		if errors.Is(ge.Err, domain.ErrNameMissing) {
			return c.T("pf_guardian", ge.N) + ": " + c.T("pf_err_guardian_name")
		}
		return c.T("pf_guardian", ge.N) + ": " + patientErrorText(c, ge.Err)
	}
	for _, e := range []struct {
		err error
		key string
	}{
		{domain.ErrNameMissing, "pf_err_name"},
		{domain.ErrAddressIncomplete, "pf_err_address"},
		{domain.ErrPostalCode, "pf_err_postal"},
		{domain.ErrPhone, "pf_err_phone"},
		{domain.ErrSMSWithoutMobile, "pf_err_sms"},
		{domain.ErrNotificationsNoAccount, "pf_err_notifications"},
		{service.ErrPatientExists, "pf_err_exists"},
		{domain.ErrInvalidIdentity, "err_invalid_identity"},
	} {
		if errors.Is(err, e.err) {
			return c.T(e.key)
		}
	}
	if errors.Is(err, domain.ErrInvalidPatient) {
		// A field too long or with a control character: the field's name
		// and the reason, which never repeat the value.
		return c.T("pf_err_text") + " (" + strings.TrimPrefix(err.Error(), domain.ErrInvalidPatient.Error()+": ") + ")"
	}
	return common.FriendlyError(c, err)
}

// Update handles a message for the page; the root routes it to the page shown.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) { return m, m.update(msg) }

// SetSize is the room the root gives the page: the terminal's width, and its
// height less the title, status and key lines.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }

// Unsaved reports changes not saved yet: ctrl+c asks before it quits.
func (m *Model) Unsaved() bool { return m.loaded && m.dirty }
