package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/kallelse/kallelse/tui/internal/tuitest"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/common"
)

// A patient is added from the list: N, the fields, ctrl+s. Each field is
// checked as it is left, with the import's rules, and keys typed ahead land
// in the field they were meant for.
func TestPatientForm_AddAPatient(t *testing.T) {
	e := tuitest.Demo(t, 20, 30)
	m := ktStart(t, tuitest.EnvCommon(e, 60, 15))
	tuitest.Keys(t, m, "N")
	if m.Page() != PagePatient {
		t.Fatalf("page %v", m.Page())
	}
	// One packet, as a fast typist or a paste sends it.
	var tm tea.Model = m
	tm, cmd := tm.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("19121212-1213")})
	tuitest.Run(t, tm, cmd)
	tuitest.Keys(t, m, "enter", "Tolvan Test", "enter", "036-123456", "enter")
	tuitest.Contains(t, m.View(), "Ogiltigt person- eller", "kontrollsiffran", "Tolvan Test") // which digit, as the CLI says
	// SMS wanted with a landline: refused on saving, in words.
	tuitest.Keys(t, m, "enter", "Storgatan 1", "enter", "553 18", "enter", "Jönköping", "enter", "j", "enter", "j", "enter", "j")
	tuitest.Keys(t, m, "ctrl+s")
	if m.Page() != PagePatient {
		t.Fatal("saved with an invalid identity number")
	}
	// ctrl+s went to the first field in error: the identity number.
	tuitest.Keys(t, m, "backspace", "2", "ctrl+s")
	tuitest.Contains(t, m.View(), "Sms-påminnelser kräver ett svenskt mobilnummer")
	tuitest.Keys(t, m, "down", "down", "ctrl+u", "070-1234567", "ctrl+s") // the focus is still on the identity number
	if m.Page() != PageBookings {
		t.Fatalf("still on page %v:\n%s", m.Page(), m.View())
	}
	tuitest.Contains(t, m.View(), "Patienten Tolvan Test lades till")
	id, _ := e.Svc.ParseIdentity("19121212-1212")
	p, err := e.St.Patient(context.Background(), id)
	if err != nil || p.Name() != "Tolvan Test" || p.Phone() != "+46701234567" || p.Address().PostalCode != "55318" ||
		!p.Has1177Account() || !p.NotificationsEnabled() || !p.SMSReminders() || p.Protected() {
		t.Fatalf("stored %+v, %v", p, err)
	}
	// The same number again: said as the field is left, pointing to E, and
	// refused on saving all the same.
	tuitest.Keys(t, m, "N", "191212121212", "enter")
	tuitest.Contains(t, m.View(), "En patient med det numret finns")
	tuitest.Keys(t, m, "Tolvan Igen", "ctrl+s")
	tuitest.Contains(t, m.View(), "En patient med det numret finns")
	if m.Page() != PagePatient {
		t.Fatal("saved a patient twice")
	}
	// ctrl+e changes the one registered instead — after asking, since the
	// name typed is not carried over.
	tuitest.Keys(t, m, "ctrl+e")
	tuitest.Contains(t, m.View(), "Lämna formuläret utan att spara?", "Tolvan Igen")
	tuitest.Keys(t, m, "j")
	tuitest.Contains(t, m.View(), "Ändra patient", "Tolvan Test")
	if m.Page() != PagePatient || len(m.stack) != 1 {
		t.Fatalf("page %v, %d pages open", m.Page(), len(m.stack))
	}
}

// E changes the selected booking's patient: the form is filled in, the
// identity number cannot be changed, and the change is stored and logged.
func TestPatientForm_EditAPatient(t *testing.T) {
	e := tuitest.Demo(t, 20, 30)
	m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
	b := m.bookings.Selected()
	if b == nil {
		t.Fatal("no booking")
	}
	before, _ := e.St.Patient(context.Background(), b.Patient())
	tuitest.Keys(t, m, "E")
	if m.Page() != PagePatient {
		t.Fatalf("page %v", m.Page())
	}
	tuitest.Contains(t, m.View(), "Ändra patient", b.Patient().String(), before.Name())
	// The focus starts on the name: down to the interpreter, type, save.
	tuitest.Keys(t, m, "down", "down", "ctrl+u", "tigrinja", "ctrl+s")
	after, err := e.St.Patient(context.Background(), b.Patient())
	if err != nil || after.Interpreter() != "tigrinja" || after.Name() != before.Name() {
		t.Fatalf("after %+v %v", after, err)
	}
	var actions []string
	_ = e.St.AccessEntries(context.Background(), domain.AccessQuery{Patient: b.Patient()}, func(a domain.AccessEntry) error {
		actions = append(actions, string(a.Action))
		return nil
	})
	if !strings.Contains(strings.Join(actions, ","), "edit_patient") {
		t.Fatalf("access log %v", actions)
	}
	// esc with changes asks first.
	tuitest.Keys(t, m, "E", "x", "esc")
	tuitest.Contains(t, m.View(), "Lämna formuläret utan att spara?")
	tuitest.Keys(t, m, "j")
	if m.Page() != PageBookings {
		t.Fatalf("page %v", m.Page())
	}
}

// ctrl+c in a half-filled form asks before it quits: one key does not
// throw the input away. n keeps the form; ctrl+c again quits. With nothing
// filled in, ctrl+c quits at once, as anywhere.
func TestForms_CtrlCAsksBeforeThrowingInputAway(t *testing.T) {
	e := tuitest.Demo(t, 20, 30)
	for _, page := range []string{"n", "N"} {
		m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
		quits := func() bool {
			_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
			for _, msg := range tuitest.Msgs(cmd) {
				if _, ok := msg.(tea.QuitMsg); ok {
					return true
				}
			}
			return false
		}
		tuitest.Keys(t, m, page)
		if !quits() {
			t.Fatalf("%s: ctrl+c in an empty form did not quit", page)
		}
		tuitest.Keys(t, m, "Tolv")
		if quits() {
			t.Fatalf("%s: ctrl+c with input quit at once", page)
		}
		tuitest.Contains(t, m.View(), "Avsluta? Det du fyllt i sparas inte.")
		tuitest.Keys(t, m, "n")
		if m.Page() != map[string]Page{"n": PageForm, "N": PagePatient}[page] || !strings.Contains(m.View(), "Tolv") {
			t.Fatalf("%s: n did not keep the form:\n%s", page, m.View())
		}
		if quits() || !quits() {
			t.Fatalf("%s: ctrl+c twice did not quit", page)
		}
	}
}

// A protected patient's address is never on screen, not in the form that
// edits them either; saved without typing a new one, it stays as it was.
func TestPatientForm_AProtectedPatientsAddressIsNotShown(t *testing.T) {
	e := tuitest.Demo(t, 20, 30)
	ctx := context.Background()
	id, err := e.Svc.ParseIdentity(tuitest.Pnr("19700101", "123"))
	if err != nil {
		t.Fatal(err)
	}
	addr := domain.Address{Street: "Hemliga gatan 7", PostalCode: "57834", City: "Aneby"}
	guardian := domain.Guardian{Name: "Olle Olsson", Address: domain.Address{Street: "Dolda vägen 3", PostalCode: "57835", City: "Aneby"}}
	if _, err := e.Svc.ImportPatients(ctx, []service.ImportRow{{Line: 2, Patient: domain.PatientInput{ID: id, Name: "Ulla Olsson",
		Protected: true, Address: addr, Guardians: []domain.Guardian{guardian}}}}); err != nil {
		t.Fatal(err)
	}
	if p, err := e.St.Patient(ctx, id); err != nil || p.Address() != addr {
		t.Fatalf("imported: %+v (%v)", p.Address(), err)
	}
	m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
	tuitest.Run(t, m, func() tea.Msg { return common.OpenPatientFormMsg{ID: id} })
	if m.Page() != PagePatient {
		t.Fatalf("page %v", m.Page())
	}
	v := m.View()
	if strings.Contains(v, "Hemliga") || strings.Contains(v, "57834") || strings.Contains(v, "Aneby") || !strings.Contains(v, "visas inte") {
		t.Fatalf("the protected address is on screen:\n%s", v)
	}
	for range 15 { // down to the guardian's address: not shown either
		tuitest.Keys(t, m, "down")
	}
	if v := m.View(); strings.Contains(v, "Dolda") || strings.Contains(v, "57835") || !strings.Contains(v, "Olle Olsson") {
		t.Fatalf("the guardian's protected address is on screen:\n%s", v)
	}
	tuitest.Keys(t, m, "ctrl+s")
	p, err := e.St.Patient(ctx, id)
	if err != nil || p.Address() != addr || len(p.Guardians()) != 1 || p.Guardians()[0] != guardian {
		t.Fatalf("saved without a new address: %+v, %+v (%v):\n%s", p.Address(), p.Guardians(), err, m.View())
	}
}

// A child's form has its guardians' lines: the letters go to them. They
// follow the patient's rules (a name once anything is typed, an address
// whole or empty), and an adult's form has none.
func TestPatientForm_AChildsGuardiansAreTypedInTheForm(t *testing.T) {
	e := tuitest.Demo(t, 20, 30)
	m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
	tuitest.Keys(t, m, "N", "20150315-2389", "enter", "Lilla Barnsson")
	tuitest.Contains(t, m.View(), "Vårdnadshavare 1")
	for range 11 { // past the child's own lines to the first guardian's
		tuitest.Keys(t, m, "down")
	}
	tuitest.Keys(t, m, "down", "070-111 22 33", "down", "Storgatan 2", "down", "553 18", "ctrl+s")
	tuitest.Contains(t, m.View(), "Vårdnadshavarens namn saknas")
	tuitest.Keys(t, m, "Anna Barnsson", "ctrl+s")
	tuitest.Contains(t, m.View(), "Gatuadress, postnummer och ort hör ihop")
	tuitest.Keys(t, m, "Jönköping", "ctrl+s")
	if m.Page() != PageBookings {
		t.Fatalf("still on page %v:\n%s", m.Page(), m.View())
	}
	id, _ := e.Svc.ParseIdentity("20150315-2389")
	p, err := e.St.Patient(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.Guardian{{Name: "Anna Barnsson", Phone: "+46701112233", Address: domain.Address{Street: "Storgatan 2", PostalCode: "55318", City: "Jönköping"}}}
	if gs := p.Guardians(); len(gs) != 1 || gs[0] != want[0] {
		t.Fatalf("guardians %+v, want %+v", gs, want)
	}
	// Changed again (E): the guardian is in the form, and kept.
	tuitest.Keys(t, m, "/", "Lilla", "enter")
	tm, cmd := m.Update(common.OpenPatientFormMsg{ID: id})
	tuitest.Run(t, tm, cmd)
	tuitest.Contains(t, m.View(), "Vårdnadshavare 1")
	tuitest.Keys(t, m, "ctrl+s")
	if p, _ := e.St.Patient(context.Background(), id); len(p.Guardians()) != 1 || p.Guardians()[0] != want[0] {
		t.Fatalf("after saving again: %+v", p.Guardians())
	}
	// An adult's form has no guardians' lines.
	tuitest.Keys(t, m, "N", "19121212-1212", "enter")
	if v := m.View(); strings.Contains(v, "Vårdnadshavare") {
		t.Fatalf("an adult's form:\n%s", v)
	}
}

// ? in either form types nothing (no field takes it) and shows every key,
// as on the other pages; ? again hides them.
func TestForms_QuestionMarkShowsTheKeysNotTypesIt(t *testing.T) {
	e := tuitest.Demo(t, 20, 30)
	for _, open := range []string{"n", "N"} {
		m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
		tuitest.Keys(t, m, open, "?")
		if !m.fullHelp {
			t.Fatalf("%s: ? did not show the keys", open)
		}
		if v := m.View(); !strings.Contains(v, "? dölj tangenterna") || !strings.Contains(v, "ctrl+c avsluta") || strings.Contains(v, "b bokningar") {
			t.Fatalf("%s: the form's keys:\n%s", open, v)
		}
		tuitest.Keys(t, m, "?")
		if m.fullHelp {
			t.Fatalf("%s: ? again did not hide them", open)
		}
		if v := m.View(); strings.Contains(strings.Split(v, "\n")[1], "?") {
			t.Fatalf("%s: ? was typed into the first field:\n%s", open, v)
		}
		tuitest.Keys(t, m, "Ek")
		if u, ok := m.stack[len(m.stack)-1].comp.(common.Unsaved); !ok || !u.Unsaved() {
			t.Fatalf("%s: typing after ? does not reach the form", open)
		}
	}
}

// At 60 columns what the guardians' lines are for wraps, whole (the walk
// read "… och sms till der…").
func TestPatientForm_TheGuardiansHeadWrapsAt60(t *testing.T) {
	e := tuitest.Demo(t, 20, 30)
	m := ktStart(t, tuitest.EnvCommon(e, 60, 20))
	tuitest.Keys(t, m, "N", "20150315-2389", "enter", "Lilla Barnsson")
	for range 11 {
		tuitest.Keys(t, m, "down")
	}
	v := m.View()
	tuitest.Contains(t, v, "deras telefon")
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "Vårdnadshavare:") && strings.Contains(l, "…") {
			t.Fatalf("cut: %q", l)
		}
	}
}
