package form

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/tui/internal/tuitest"

	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
)

// formNow is a Wednesday morning.
var formNow = time.Date(2026, 11, 25, 10, 0, 0, 0, domain.Stockholm)

// formHarness drives a form Model as the program would: keys in, Cmds run at
// once and their messages fed back; what the form sends to the root is kept.
type formHarness struct {
	t   *testing.T
	c   *common.Common
	svc *service.Service
	st  *storage.Store
	f   *Model
	out []tea.Msg
}

var (
	formTolvanID = "19121212-1212"
	formAmiraID  = tuitest.Pnr("19850303", "123")
)

func newFormHarness(t *testing.T, w, h int) *formHarness {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "k.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := domain.NewCatalogue([]domain.Examination{
		{Code: "ekg24", Name: "Långtids-EKG", Duration: 30 * time.Minute, Digital: true, Stage: 1},
		{Code: "arbetsprov", Name: "Arbetsprov", Duration: time.Hour, Digital: true, Stage: 1},
		{Code: "mps", Name: "Myokardskintigrafi", Duration: 3 * time.Hour, Digital: false, Stage: 3},
	}, []domain.Site{{Code: "ryhov", Name: "Länssjukhuset Ryhov"}, {Code: "hoglandet", Name: "Höglandssjukhuset"}})
	if err != nil {
		t.Fatal(err)
	}
	svc := (&service.Service{Store: st, Clock: domain.FixedClock{T: formNow}, Catalogue: cat, Parser: domain.DefaultIdentityParser(),
		Policy: domain.PolicyOptions{Samordningsnummer: domain.SamordningsnummerDigitalAndPaper}, Schedule: domain.DefaultSchedule()}).As("anna")
	var rows []service.ImportRow
	for i, p := range []domain.PatientInput{
		{Name: "Tolvan Tolvansson", Phone: "0701234567", Has1177Account: true, NotificationsEnabled: true, SMSReminders: true,
			Address: domain.Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}},
		{Name: "Amira Haddad", Interpreter: "arabiska", Has1177Account: true, NotificationsEnabled: true},
	} {
		id, err := svc.ParseIdentity([]string{formTolvanID, formAmiraID}[i])
		if err != nil {
			t.Fatal(err)
		}
		p.ID = id
		rows = append(rows, service.ImportRow{Line: i + 2, Patient: p})
	}
	if res, err := svc.ImportPatients(context.Background(), rows); err != nil || len(res.Rejected) > 0 {
		t.Fatalf("import: %v %v", err, res.Rejected)
	}
	c := common.NewCommon(context.Background(), common.Backend{Service: svc, Store: st}, i18n.Swedish, lipgloss.NewRenderer(io.Discard))
	c.Width, c.Height = w, h
	return &formHarness{t: t, c: c, svc: svc, st: st}
}

func (h *formHarness) open(rebook *domain.Booking) *formHarness {
	h.f = New(h.c, rebook)
	h.f.SetSize(h.c.Width, h.c.Height-3)
	h.run(h.f.Init())
	return h
}

var formCmdType = reflect.TypeOf(tea.Cmd(nil))

// run executes cmd and everything it leads to, synchronously; what the
// form posted for the root comes out first, as the root takes it at once.
func (h *formHarness) run(cmd tea.Cmd) {
	for _, msg := range h.c.TakePosted() {
		h.run(func() tea.Msg { return msg })
	}
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case common.BackMsg, common.OpenDetailMsg, common.InfoMsg, common.ErrorMsg:
		h.out = append(h.out, msg)
	default:
		// tea.Sequence's message is unexported: a slice of Cmds run in order.
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == formCmdType {
			for i := 0; i < v.Len(); i++ {
				h.run(v.Index(i).Interface().(tea.Cmd))
			}
			return
		}
		h.run(h.f.update(msg))
	}
}

var formKeys = map[string]tea.KeyType{
	"tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab, "enter": tea.KeyEnter, "esc": tea.KeyEsc,
	"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
	"ctrl+s": tea.KeyCtrlS, "ctrl+u": tea.KeyCtrlU,
}

// press sends named keys (tab, enter, …); anything else is typed.
func (h *formHarness) press(keys ...string) *formHarness {
	for _, k := range keys {
		if t, ok := formKeys[k]; ok {
			h.run(h.f.update(tea.KeyMsg{Type: t}))
			continue
		}
		for _, r := range k {
			msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}
			if r == ' ' {
				msg.Type = tea.KeySpace
			}
			h.run(h.f.update(msg))
		}
	}
	return h
}

// view is the form's drawing with its key lines under it, where the root
// draws them (under the status line: common.KeysBelow).
func (h *formHarness) view() string {
	v := h.f.View()
	return v + "\n" + strings.Join(h.f.KeyLines(), "\n")
}

func (h *formHarness) wantView(subs ...string) {
	h.t.Helper()
	v := h.view()
	for _, s := range subs {
		if !strings.Contains(v, s) {
			h.t.Errorf("view lacks %q:\n%s", s, v)
		}
	}
}

func (h *formHarness) wantNotView(subs ...string) {
	h.t.Helper()
	v := h.view()
	for _, s := range subs {
		if strings.Contains(v, s) {
			h.t.Errorf("view has %q:\n%s", s, v)
		}
	}
}

func (h *formHarness) bookings(id string) []*domain.Booking {
	h.t.Helper()
	pid, err := h.svc.ParseIdentity(id)
	if err != nil {
		h.t.Fatal(err)
	}
	bs, err := h.st.Bookings(context.Background(), domain.BookingQuery{Patient: pid})
	if err != nil {
		h.t.Fatal(err)
	}
	return bs
}

func TestForm_SearchesByNameAndPicksWithEnter(t *testing.T) {
	h := newFormHarness(t, 80, 24).open(nil)
	h.press("tolv")
	h.wantView("Tolvan Tolvansson", "19121212-1212", "113 år")
	h.wantNotView("Amira")
	h.press("enter")
	if h.f.patient == nil || h.f.patient.Name() != "Tolvan Tolvansson" || h.f.focus != fieldExam {
		t.Fatalf("picked %v, focus %d", h.f.patient, h.f.focus)
	}
	h.wantView("✓ Tolvan Tolvansson · 19121212-1212", "1177-konto, aviseringar på", "sms-påminnelser: ja")

	// An identity number typed in full finds the patient too; tab takes it.
	h = newFormHarness(t, 80, 24).open(nil)
	h.press(formAmiraID, "tab")
	if h.f.patient == nil || h.f.patient.Name() != "Amira Haddad" {
		t.Fatalf("picked %v", h.f.patient)
	}
	h.wantView("tolk: arabiska")
}

func TestForm_InvalidIdentityNumberSaysWhy(t *testing.T) {
	h := newFormHarness(t, 80, 24).open(nil)
	h.press("19121212-121")
	h.wantNotView("Ogiltigt") // still typing
	h.press("3")
	// Read across the line the field's width breaks it at.
	if words := strings.Join(strings.Fields(h.view()), " "); !strings.Contains(words, "Ogiltigt person- eller samordningsnummer: kontrollsiffran är 3, ska vara 2") {
		t.Errorf("the form does not say why, in the words used everywhere:\n%s", h.view())
	}
	h.press("ctrl+u", "20121212-1212")
	h.wantView("Ingen patient med personnummer 20121212-1212")
	h.press("ctrl+u", "zzz")
	h.wantView("Ingen patient matchar ”zzz”")
}

func TestForm_ChoosesExamWithArrowsAndLetters(t *testing.T) {
	h := newFormHarness(t, 80, 24).open(nil)
	h.press("tab")
	h.wantView("‹ arbetsprov · Arbetsprov · 60 min · digital kallelse ›")
	h.press("right")
	h.wantView("‹ ekg24 · Långtids-EKG · 30 min")
	h.press("left", "left")
	h.wantView("‹ mps · Myokardskintigrafi · 180 min · endast papper ›")
	h.press("e")
	if e, _ := h.f.exam(); e.Code != "ekg24" {
		t.Errorf("typing e chose %s", e.Code)
	}
	h.press("tab")
	h.wantView("‹ Höglandssjukhuset (hoglandet) ›")
	h.press("right")
	h.wantView("‹ Länssjukhuset Ryhov (ryhov) ›")
	h.press("h")
	h.wantView("‹ Höglandssjukhuset (hoglandet) ›")
}

func TestForm_ShowsChannelDecisionLive(t *testing.T) {
	h := newFormHarness(t, 80, 24).open(nil)
	h.wantView("Välj patient och undersökning")
	h.press("tolv", "enter")
	h.wantView("Kanal: digital")
	// An examination not yet digital: paper, and why.
	h.press("left")
	h.wantView("Kanal: papper", "• undersökningen har inte digital kallelse än")
	// Amira needs an interpreter, so the rules want a letter too; but no
	// address is known, so none can be posted, whatever the time.
	h = newFormHarness(t, 80, 24).open(nil)
	h.press("amira", "enter")
	h.wantView("Kanal: digital (inget brev)", "• behöver tolk")
	h.press("left")
	h.wantView("Kanal: inget brev", "• undersökningen har inte digital kallelse än", "• behöver tolk")
	// Protected personal data: said beside the name, and no letter before
	// any date is typed either (the walk saw "Kanal: papper").
	id, err := h.svc.ParseIdentity("19410605-6767")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.ImportPatients(context.Background(), []service.ImportRow{{Line: 2, Patient: domain.PatientInput{ID: id,
		Name: "Sigrid Skyddad", Protected: true, Has1177Account: true, NotificationsEnabled: true}}}); err != nil {
		t.Fatal(err)
	}
	h.open(nil)
	h.press("19410605-6767", "tab", "left")
	h.wantView("skyddade personuppgifter", "Kanal: inget brev")
	h.wantNotView("Kanal: papper")
}

// The form shows what will really happen once the time is known: a paper
// letter that cannot arrive before the visit is a phone task, never
// "papper"; in good time, the letter and R4's fallback are named.
func TestForm_ShowsWhatWillReallyHappen(t *testing.T) {
	h := newFormHarness(t, 80, 24).open(nil)
	h.press("tolv", "enter", "left", "tab", "tab", "2026-11-26", "tab", "13:00")
	h.wantView("Kanal: inget brev – ring patienten", "! Ett brev hinner inte fram före besöket: ring patienten i stället")
	h.wantNotView("Kanal: papper")
	h.press("ctrl+s")
	h.wantView("inget brev – ring patienten", "? Boka?")
	h.press("esc", "shift+tab", "ctrl+u", "2026-12-10")
	h.wantView("Kanal: papper", "Brev: 1, hinner fram före besöket")
	h.wantNotView("hinner inte fram")
	// Digital: what follows an unopened summons.
	h.press("shift+tab", "shift+tab", "right")
	h.wantView("Kanal: digital", "Ej öppnad i 1177: brev lör 11-28 10:00")
}

func TestForm_RefusesATimeInThePast(t *testing.T) {
	h := newFormHarness(t, 80, 24).open(nil)
	h.press("tolv", "enter", "tab", "tab", "2026-11-25", "tab", "09:00")
	h.wantView("tiden har redan passerat")
	h.press("ctrl+s")
	h.wantNotView("Boka?")
	h.press("enter", "j")
	if bs := h.bookings(formTolvanID); len(bs) != 0 {
		t.Fatalf("booked %d", len(bs))
	}
	h.press("ctrl+u", "10:30")
	h.wantNotView("tiden har redan passerat")
	h.press("shift+tab", "ctrl+u", "2026-11-24")
	h.wantView("datumet har redan passerat")
}

// A year past the ones Kallelse keeps (domain.InKeptYears) is said at the
// date, never left to the store's refusal at the save.
func TestForm_RefusesAYearItCannotKeep(t *testing.T) {
	h := newFormHarness(t, 80, 24).open(nil)
	h.press("tolv", "enter", "tab", "tab", "2270-01-12", "tab", "09:00")
	h.wantView("året går inte att boka (1971–2261)")
	h.press("ctrl+s", "enter", "j")
	if bs := h.bookings(formTolvanID); len(bs) != 0 {
		t.Fatalf("booked %d in 2270", len(bs))
	}
	h.press("shift+tab", "ctrl+u", "2027-01-12")
	h.wantNotView("året går inte att boka")
}

func TestForm_WarnsOfWeekendsAndHolidays(t *testing.T) {
	h := newFormHarness(t, 80, 24).open(nil)
	h.press("tab", "tab", "tab", "2026-11-28")
	h.wantView("→ lör 2026-11-28", "lör 2026-11-28 är inte en arbetsdag (lördag)")
	h.press("ctrl+u", "12-25")
	h.wantView("är inte en arbetsdag (Juldagen)")
	h.press("ctrl+u", "+6")
	h.wantView("→ tis 2026-12-01")
	h.wantNotView("arbetsdag")
}

func TestForm_ShowsAnOverlappingBooking(t *testing.T) {
	h := newFormHarness(t, 80, 24).open(nil)
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, domain.Stockholm)
	if _, err := h.svc.Book(context.Background(), service.BookInput{Patient: formTolvanID, Exam: "ekg24", Site: "ryhov", VisitAt: at}); err != nil {
		t.Fatal(err)
	}
	h.press("tolv", "enter", "tab", "tab", "2026-12-02", "tab", "09:15")
	h.wantView("✗ Patienten har redan en bokning som krockar: nr 1, ekg24, ons 2026-12-02")
	h.press("ctrl+s")
	h.wantNotView("Boka?")
	h.press("ctrl+u", "09:30")
	h.wantNotView("krockar:")
	h.wantView("✓ inga krockande bokningar")
}

func TestForm_BooksAValidFormAndOpensTheDetail(t *testing.T) {
	h := newFormHarness(t, 80, 24).open(nil)
	h.press("amira", "enter", "right", "tab", "right", "tab", "+7", "tab", "9:30", "enter")
	// Amira has no address: the letter the policy wants cannot go, and the
	// form says so rather than promise "digital + papper". She has a 1177
	// account: staff phone only if the summons stays unopened (R4), as
	// happens, not at once.
	h.wantView("Amira Haddad "+formAmiraID+" · ekg24 Långtids-EKG · Länssjukhuset Ryhov · ons", "2026-12-02 09:30–10:00 · digital (inget brev)",
		"! Inget brev (adress saknas)\n", "Ej öppnad i 1177: ring patienten (adress saknas)", "? Boka?", "[j] ja")
	h.press("enter") // only j or y says yes
	if bs := h.bookings(formAmiraID); len(bs) != 0 || !h.f.confirming {
		t.Fatal("booked before the answer")
	}
	h.press("j")
	bs := h.bookings(formAmiraID)
	want := time.Date(2026, 12, 2, 9, 30, 0, 0, domain.Stockholm)
	if len(bs) != 1 || !bs[0].VisitAt().Equal(want) || bs[0].Exam() != "ekg24" || bs[0].Site() != "ryhov" {
		t.Fatalf("bookings %v", bs)
	}
	id := bs[0].ID()
	if len(h.out) != 3 || h.out[0] != (common.BackMsg{}) || h.out[1] != (common.OpenDetailMsg{ID: id}) {
		t.Fatalf("sent %#v", h.out)
	}
	if info, ok := h.out[2].(common.InfoMsg); !ok || info.Text != fmt.Sprintf("Bokning %d skapad – digital (inget brev)", id) {
		t.Fatalf("info %#v", h.out[2])
	}
}

func TestForm_ShowsTheServiceErrorAndKeepsTheInput(t *testing.T) {
	h := newFormHarness(t, 80, 24).open(nil)
	h.press("tolv", "enter", "tab", "tab", "2026-12-02", "tab", "09:00", "ctrl+s")
	// Someone else books the patient between the check and the answer.
	at := time.Date(2026, 12, 2, 8, 45, 0, 0, domain.Stockholm)
	if _, err := h.svc.Book(context.Background(), service.BookInput{Patient: formTolvanID, Exam: "arbetsprov", Site: "ryhov", VisitAt: at}); err != nil {
		t.Fatal(err)
	}
	h.press("j")
	h.wantView("✗ Patienten har redan en bokning som krockar med den tiden") // in words, not the error's English
	if len(h.out) != 0 || h.f.timeIn.Value() != "09:00" || h.f.patient == nil {
		t.Fatalf("sent %v, time %q", h.out, h.f.timeIn.Value())
	}
}

func TestForm_RebookMovesTheVisit(t *testing.T) {
	h := newFormHarness(t, 80, 24)
	old := time.Date(2026, 12, 2, 9, 0, 0, 0, domain.Stockholm)
	res, err := h.svc.Book(context.Background(), service.BookInput{Patient: formTolvanID, Exam: "ekg24", Site: "ryhov", VisitAt: old})
	if err != nil {
		t.Fatal(err)
	}
	h.open(res.Booking)
	if h.f.focus != fieldDate || !h.f.Typing() {
		t.Fatalf("focus %d", h.f.focus)
	}
	h.wantView("✓ Tolvan Tolvansson · 19121212-1212", "ekg24 · Långtids-EKG", "Länssjukhuset Ryhov (ryhov)",
		"Nu bokad", "ons 2026-12-02 09:00–09:30 · bokning 1")
	h.wantView("‹ Länssjukhuset Ryhov (ryhov) ›") // the site may change too
	h.wantView("ctrl+s boka om", "? all hjälp")   // its keys, and ? for all of them
	// Its own time does not count as an overlap.
	h.press("2026-12-02", "tab", "09:15")
	h.wantView("✓ inga krockande bokningar")
	h.press("shift+tab", "shift+tab", "shift+tab") // up to the site, no further
	if h.f.focus != fieldSite {
		t.Fatalf("focus %d", h.f.focus)
	}
	h.press("right") // another hospital
	site := h.f.sites[h.f.siteIdx].Code
	if site == "ryhov" {
		t.Fatal("the site did not change")
	}
	h.press("tab", "ctrl+u", "2026-12-03", "tab", "ctrl+u", "14:00", "enter")
	h.wantView("? Flytta bokning 1?")
	h.press("j")
	b, err := h.st.Booking(context.Background(), res.Booking.ID())
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 3, 14, 0, 0, 0, domain.Stockholm); !b.VisitAt().Equal(want) || b.State() != domain.StateRebooked || b.Site() != site {
		t.Fatalf("visit %v state %s site %s", b.VisitAt(), b.State(), b.Site())
	}
	evs, _ := h.st.BookingEvents(context.Background(), b.ID())
	if last := evs[len(evs)-1]; last.Type != domain.EventRebooked || last.Site != site || last.PreviousSite != "ryhov" {
		t.Fatalf("event %+v", last)
	}
	opened := false
	for _, m := range h.out {
		opened = opened || m == (common.OpenDetailMsg{ID: b.ID()})
	}
	if !opened {
		t.Fatalf("sent %#v", h.out)
	}
}

func TestForm_EscLeavesAndAsksOnlyWhenSomethingWasTyped(t *testing.T) {
	h := newFormHarness(t, 80, 24).open(nil)
	h.press("esc")
	if len(h.out) != 1 || h.out[0] != (common.BackMsg{}) {
		t.Fatalf("sent %v", h.out)
	}
	h = newFormHarness(t, 80, 24).open(nil)
	h.press("tolv", "esc")
	h.wantView("Lämna formuläret utan att boka?")
	h.press("n")
	if len(h.out) != 0 || h.f.patientIn.Value() != "tolv" {
		t.Fatalf("sent %v", h.out)
	}
	h.press("esc", "esc")
	if len(h.out) != 1 || h.out[0] != (common.BackMsg{}) {
		t.Fatalf("sent %v", h.out)
	}
}

// The form fits the terminal: no line wider than it, the page and its keys
// exactly the height the root leaves them; while it asks, the answer keys
// take the keys' place.
func TestForm_FitsEightyAndWideTerminals(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {100, 30}} {
		h := newFormHarness(t, size[0], size[1]).open(nil)
		keys := "ctrl+s boka"
		check := func(state string) {
			t.Helper()
			lines := strings.Split(h.view(), "\n")
			if len(lines) != size[1]-3 {
				t.Errorf("%v %s: %d lines", size, state, len(lines))
			}
			for i, l := range lines {
				if w := lipgloss.Width(l); w > size[0] {
					t.Errorf("%v %s: line %d is %d wide: %q", size, state, i, w, l)
				}
			}
			if last := strings.Join(lines[len(lines)-len(h.f.KeyLines()):], "\n"); !strings.Contains(last, keys) {
				t.Errorf("%v %s: the key lines %q", size, state, last)
			}
		}
		check("empty")
		h.press("t")
		check("matches")
		h.press("ctrl+u", "amira", "enter", "tab", "tab", "2026-11-28", "tab", "09:00", "ctrl+s")
		h.wantView("? Boka?", "behöver tolk", "inte en arbetsdag")
		h.wantNotView("ctrl+s boka")
		keys = "[j] ja   [n] nej"
		check("confirming")
		if size[0] >= 100 {
			// The decision stands beside the fields.
			for _, l := range strings.Split(h.view(), "\n") {
				if strings.Contains(l, "Patient ") && !strings.Contains(l, "╭") {
					t.Errorf("%v: no panel beside %q", size, l)
				}
				if strings.Contains(l, "✓ Amira") && !strings.Contains(l, "Kallelse") {
					t.Errorf("%v: no panel beside %q", size, l)
				}
			}
		}
	}
}

func TestForm_SpeaksEnglish(t *testing.T) {
	h := newFormHarness(t, 80, 24)
	h.c.Lang = i18n.English
	h.open(nil)
	h.press("amira", "enter", "tab", "tab", "2026-11-29")
	h.wantView("Channel: digital (no letter)", "needs an interpreter", "Sun 2026-11-29 is not a working day (Sunday)", "interpreter: arabiska")
}

// The examination picker keeps its channel at 60 and 80 columns where the
// name fits whole beside it, or says no more than the code: the length
// gives way first.
func TestForm_ExamPickerKeepsItsChannelWhenNarrow(t *testing.T) {
	for _, w := range []int{60, 80} {
		h := newFormHarness(t, w, 24).open(nil)
		var line string
		for _, l := range strings.Split(h.view(), "\n") {
			if strings.Contains(l, "Undersökning") {
				line = l
			}
		}
		if !strings.Contains(line, "digital kallelse ›") && !strings.Contains(line, "endast papper ›") {
			t.Errorf("at %d columns the picker lacks the channel: %q", w, line)
		}
	}
}

// The picker shows the department's examinations in words, at 80 and 60
// columns: what does not fit gives way whole (the length, the gloss in
// brackets, the channel words, the name's last words), never cut inside
// a word (the walk read "Arbetsprov (arbets…", "Lungfunktionsunders…" at
// 80 columns, "‹ ekg24 · Lån… ·" at 60).
func TestForm_ExamPickerCutsNoWord(t *testing.T) {
	e := tuitest.Demo(t, 2, 1)
	exams := e.Svc.Catalogue.Exams()
	want := map[int][]string{
		80: {"‹ arbetsprov · Arbetsprov (arbets-EKG) · digital kallelse ›", "‹ karl · Ultraljudsundersökning av blodkärl · endast papper ›",
			"‹ lungfunktion · Lungfunktionsundersökning · endast papper ›", "‹ ekg24 · Långtids-EKG, 1 dygn · 30 min · digital kallelse ›"},
		60: {"‹ ekg24 · Långtids-EKG, 1 dygn ›", "‹ eko · Ultraljudsundersökning av hjärtat ›", "‹ mps · Myokardskintigrafi · endast papper ›"},
	}
	for _, w := range []int{80, 60} {
		h := &formHarness{t: t, c: tuitest.EnvCommon(e, w, 24), svc: e.Svc, st: e.St}
		h.open(nil).press("tab")
		var seen []string
		for range exams {
			ex, _ := h.f.exam()
			full := strings.Fields(ex.Code + " · " + ex.Name + " · " + strconv.Itoa(int(ex.Duration/time.Minute)) + " min · " +
				map[bool]string{true: "digital kallelse", false: "endast papper"}[ex.Digital])
			var line string
			for _, l := range strings.Split(h.view(), "\n") {
				if strings.Contains(l, "Undersökning") {
					line = l
				}
			}
			if lipgloss.Width(line) > w {
				t.Errorf("%d: %q is wider than the terminal", w, line)
			}
			_, picked, _ := strings.Cut(line, "‹ ")
			picked, _, _ = strings.Cut(picked, " ›")
			// Every word whole: a word of the full text, or the first
			// words of the name ending in "…".
			for _, word := range strings.Fields(picked) {
				if !slices.Contains(full, word) && !slices.ContainsFunc(full, func(f string) bool {
					return strings.HasSuffix(word, "…") && strings.TrimRight(f, ",") == strings.TrimSuffix(word, "…")
				}) {
					t.Errorf("%d: %q cuts %q inside a word (the whole text: %q)", w, line, word, strings.Join(full, " "))
				}
			}
			if !strings.HasPrefix(picked, ex.Code+" · ") {
				t.Errorf("%d: %q shows no name", w, line)
			}
			seen = append(seen, line)
			h.press("right")
		}
		for _, text := range want[w] {
			if !strings.Contains(strings.Join(seen, "\n"), text) {
				t.Errorf("%d: no %q in\n%s", w, text, strings.Join(seen, "\n"))
			}
		}
	}
}

// At 60×15 the panel has room for little: the warning that no letter can
// arrive, and the channel, stay; the title goes first.
func TestForm_SmallKeepsTheWarning(t *testing.T) {
	h := newFormHarness(t, 60, 15).open(nil)
	h.press("tolv", "enter", "left", "tab", "tab", "2026-11-26", "tab", "13:00")
	v := h.view()
	if !strings.Contains(v, "! Ett brev hinner inte fram") || !strings.Contains(v, "ring patienten") {
		t.Fatalf("the warning went:\n%s", v)
	}
	if n := len(strings.Split(v, "\n")); n > 12 {
		t.Fatalf("%d lines in a room of 12:\n%s", n, v)
	}
}

// A name many patients share lists eight and says there are more.
func TestForm_ManyMatchesSayThereAreMore(t *testing.T) {
	h := newFormHarness(t, 80, 30)
	var rows []service.ImportRow
	for i := range 10 {
		id, err := h.svc.ParseIdentity(tuitest.Pnr(fmt.Sprintf("1960011%d", i), "123"))
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, service.ImportRow{Line: i + 2, Patient: domain.PatientInput{ID: id, Name: fmt.Sprintf("Nils Ekström %d", i)}})
	}
	if res, err := h.svc.ImportPatients(context.Background(), rows); err != nil || len(res.Rejected) > 0 {
		t.Fatalf("import: %v %v", err, res.Rejected)
	}
	h.open(nil).press("ekstr")
	h.wantView("Nils Ekström 0", "fler träffar: skriv mer av namnet")
	h.press("öm 9")
	h.wantView("Nils Ekström 9")
	h.wantNotView("fler träffar")
}

// Keys typed ahead of the patient search's results — ↓ and enter to pick,
// then the other fields — do what they do when typed slowly: the patient
// picked is the one she saw, and the keys after land in the fields she
// meant.
func TestForm_KeysTypedAheadOfTheSearchWaitForIt(t *testing.T) {
	keys := []string{"19", "down", "enter", "right", "tab", "tab", "+3", "tab", "0930"}
	slow := newFormHarness(t, 80, 24).open(nil)
	slow.press(keys...)
	fast := newFormHarness(t, 80, 24).open(nil)
	var cmds []tea.Cmd // nothing is read until every key is in
	for _, k := range keys {
		if kt, ok := formKeys[k]; ok {
			cmds = append(cmds, fast.f.update(tea.KeyMsg{Type: kt}))
			continue
		}
		for _, r := range k {
			cmds = append(cmds, fast.f.update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
		}
	}
	for _, c := range cmds {
		fast.run(c)
	}
	state := func(h *formHarness) string {
		if h.f.patient == nil {
			return "no patient"
		}
		return fmt.Sprintf("patient %s, exam %d, site %d, date %q, time %q, focus %d", h.f.patient.ID(), h.f.examIdx, h.f.siteIdx,
			h.f.dateIn.Value(), h.f.timeIn.Value(), h.f.focus)
	}
	if s, f := state(slow), state(fast); s != f || len(fast.f.waiting) != 0 {
		t.Fatalf("typed slowly: %s\ntyped ahead:  %s (%d keys still waiting)", s, f, len(fast.f.waiting))
	}
	first, err := slow.st.SearchPatients(context.Background(), "19", 2)
	if err != nil || len(first) < 2 || slow.f.patient.ID().Canonical() != first[1].ID().Canonical() {
		t.Fatalf("↓ enter did not pick the second of %d patients found (%v)", len(first), err)
	}
}

// Rebooking to the time and place the booking has is refused in words, and
// the form keeps what was typed.
func TestForm_RebookToTheSameTimeIsRefusedInWords(t *testing.T) {
	h := newFormHarness(t, 80, 24)
	old := time.Date(2026, 12, 2, 9, 0, 0, 0, domain.Stockholm)
	res, err := h.svc.Book(context.Background(), service.BookInput{Patient: formTolvanID, Exam: "ekg24", Site: "ryhov", VisitAt: old})
	if err != nil {
		t.Fatal(err)
	}
	h.open(res.Booking)
	h.press("2026-12-02", "tab", "09:00", "enter", "j")
	h.wantView("✗ Bokningen har redan den tiden och platsen: inget att flytta")
	b, err := h.st.Booking(context.Background(), res.Booking.ID())
	if err != nil || b.State() == domain.StateRebooked || len(h.out) != 0 {
		t.Fatalf("state %s (%v), sent %v", b.State(), err, h.out)
	}
}
