package tui

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/tui/internal/tuitest"

	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/pages/bookings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

func TestBookingsScreen_Golden(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	for _, s := range sizes {
		t.Run(fmt.Sprintf("%dx%d", s.w, s.h), func(t *testing.T) {
			m := ktStart(t, tuitest.EnvCommon(e, s.w, s.h))
			v := m.View()
			tuitest.Contains(t, v, "Bokningar", "Besök", "Öppnad", "loop igång")
			for i, line := range strings.Split(v, "\n") {
				if w := len([]rune(line)); w > s.w {
					t.Errorf("line %d is %d wide at %d columns: %q", i, w, s.w, line)
				}
			}
			if n := strings.Count(v, "\n") + 1; n > s.h {
				t.Errorf("%d lines at %d rows", n, s.h)
			}
			golden.RequireEqual(t, []byte(v))
		})
	}
}

func TestDetailScreen_Golden(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	for _, s := range sizes {
		t.Run(fmt.Sprintf("%dx%d", s.w, s.h), func(t *testing.T) {
			m := ktStart(t, tuitest.EnvCommon(e, s.w, s.h))
			sel := m.bookings.Selected()
			if sel == nil {
				t.Fatal("no booking selected")
			}
			tm := tuitest.Keys(t, m, "enter")
			v := tm.View()
			tuitest.Contains(t, v, fmt.Sprintf("Bokning %d", sel.ID()), "Patient", "Kanal", "Historik", "bokad")
			golden.RequireEqual(t, []byte(v))
		})
	}
}

// findRow moves the cursor to the first booking matching pred.
func findRow(t *testing.T, m *Model, pred func(*domain.Booking) bool) *domain.Booking {
	t.Helper()
	for i := 0; i < 400; i++ {
		if b := m.bookings.Selected(); b != nil && pred(b) {
			return b
		}
		tuitest.Keys(t, m, "down")
	}
	t.Fatal("no such booking in the list")
	return nil
}

func TestFlow_CancelABookingAndSeeItsTimersGone(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 120, 40))
	b := findRow(t, m, func(b *domain.Booking) bool { return len(b.Timers()) > 0 && !b.State().Final() })
	tuitest.Keys(t, m, "enter")
	tuitest.Contains(t, m.View(), "Planerat")
	tuitest.Keys(t, m, "C")
	tuitest.Contains(t, m.View(), "Avboka: ", fmt.Sprintf("(bokning %d)?", b.ID()), "[a] ja, med anteckning")
	tuitest.Keys(t, m, "j")
	got, err := e.St.Booking(context.Background(), b.ID())
	if err != nil || got.State() != domain.StateCancelled || len(got.Timers()) != 0 {
		t.Fatalf("after cancel: state %s timers %v, %v", got.State(), got.Timers(), err)
	}
	v := m.View()
	tuitest.Contains(t, v, "avbokad", "✓ Bokningen avbokades")
	if strings.Contains(v, "Planerat") {
		t.Errorf("pending timers still shown:\n%s", v)
	}
	// Escape returns to the list, which shows the booking cancelled.
	tuitest.Keys(t, m, "esc")
	if s := m.bookings.Selected(); s == nil || s.ID() != b.ID() || s.State() != domain.StateCancelled {
		t.Fatalf("list selection after cancel: %+v", s)
	}
}

func TestFlow_ConfirmationCanBeDeclined(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 120, 40))
	b := findRow(t, m, func(b *domain.Booking) bool { return !b.State().Final() })
	tuitest.Keys(t, m, "C", "n")
	got, _ := e.St.Booking(context.Background(), b.ID())
	if got.State().Final() {
		t.Fatal("declined cancel cancelled")
	}
}

func TestFlow_SendPaperByHandFromTheList(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 120, 40))
	b := findRow(t, m, func(b *domain.Booking) bool {
		return b.State() == domain.StateSummonsSent && b.Status().MessageID != "" && !b.Status().FallbackSent &&
			e.Svc.Schedule.LetterInTime(e.Svc.Clock.Now(), b.VisitAt()) // a letter by hand must arrive before the visit
	})
	tuitest.Keys(t, m, "P", "j")
	got, _ := e.St.Booking(context.Background(), b.ID())
	if !got.Status().FallbackSent {
		t.Fatalf("no letter recorded: %+v", got.Status())
	}
	tuitest.Contains(t, m.View(), "✓ Papperskallelsen skickades")
}

func TestSearchAsYouType(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 120, 40))
	b := findRow(t, m, func(*domain.Booking) bool { return true })
	p, err := e.St.Patient(context.Background(), b.Patient())
	if err != nil {
		t.Fatal(err)
	}
	surname := strings.Fields(p.Name())[1]
	keys := append([]string{"/"}, strings.Split(strings.ToLower(surname[:3]), "")...)
	tuitest.Keys(t, m, keys...)
	v := m.View()
	if !strings.Contains(v, p.Name()[:min(len(p.Name()), 10)]) {
		t.Fatalf("searching %q does not show %s:\n%s", surname[:3], p.Name(), v)
	}
	for _, r := range m.bookings.Rows() {
		if !strings.Contains(strings.ToLower(r.Name), strings.ToLower(surname[:3])) {
			t.Errorf("row %q does not match %q", r.Name, surname[:3])
		}
	}
	// By identity number too.
	tuitest.Keys(t, m, "esc", "/")
	tuitest.Keys(t, m, strings.Split(b.Patient().Canonical()[:8], "")...)
	found := false
	for _, r := range m.bookings.Rows() {
		found = found || r.B.ID() == b.ID()
	}
	if !found {
		t.Fatalf("search by %s does not find booking %d", b.Patient().Canonical()[:8], b.ID())
	}
}

func TestFilterByExamAndState(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 120, 40))
	tuitest.Keys(t, m, "f", "right") // first exam of the catalogue
	exam := e.Svc.Catalogue.Exams()[0].Code
	tuitest.Keys(t, m, "enter")
	if f, _ := m.bookings.Query(); f.Exam != exam || len(m.bookings.Rows()) == 0 {
		t.Fatalf("filter %+v, %d rows", f, len(m.bookings.Rows()))
	}
	for _, r := range m.bookings.Rows() {
		if r.B.Exam() != exam {
			t.Fatalf("row of exam %s under filter %s", r.B.Exam(), exam)
		}
	}
	tuitest.Contains(t, m.View(), "Filter: "+exam)
	tuitest.Keys(t, m, "F")
	if f, _ := m.bookings.Query(); f.Exam != "" {
		t.Fatal("F does not clear the filter")
	}
}

func TestScrollPagesThroughStorage(t *testing.T) {
	e := tuitest.Demo(t, 200, 900)
	m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
	first := m.bookings.Selected()
	seen := map[domain.BookingID]bool{}
	var last time.Time
	for i := 0; i < 60; i++ {
		tuitest.Keys(t, m, "pgdown")
		b := m.bookings.Selected()
		if b.VisitAt().Before(last) {
			t.Fatalf("list went back in time at step %d", i)
		}
		last = b.VisitAt()
		seen[b.ID()] = true
	}
	if len(m.bookings.Rows()) > bookings.MaxWindow {
		t.Fatalf("window holds %d rows", len(m.bookings.Rows()))
	}
	// And back up past where it started.
	for i := 0; i < 80; i++ {
		tuitest.Keys(t, m, "pgup")
	}
	if !m.bookings.Selected().VisitAt().Before(first.VisitAt()) {
		t.Fatalf("scrolling up did not reach earlier bookings: %s", m.bookings.Selected().VisitAt())
	}
}

// TestLive_OpenedEventUpdatesTheListWithoutInput runs the real program: a
// receipt ingested by the loop reaches the screen through the hub.
func TestLive_OpenedEventUpdatesTheListWithoutInput(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	// The first booking of today's list that is waiting to be opened.
	pre := ktStart(t, tuitest.EnvCommon(e, 120, 40))
	b := findRow(t, pre, func(b *domain.Booking) bool {
		return b.State() == domain.StateSummonsSent && b.Status().MessageID != "" && b.Status().OpenedAt.IsZero()
	})
	hub := service.NewHub()
	e.Svc.Hub = hub
	rs := &ktReceipts{}
	e.Loop.Receipts = rs
	c := tuitest.EnvCommon(e, 120, 40)
	m := New(c, true)
	defer m.Close()
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool { return bytes.Contains(out, []byte("Bokningar")) },
		teatest.WithDuration(10*time.Second))
	rs.add(domain.Receipt{MessageID: b.Status().MessageID, Type: domain.ReceiptOpened, At: tuitest.Now})
	if _, err := e.Loop.Ingest(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "✓ öppnad 11-25"
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool { return bytes.Contains(out, []byte(want)) },
		teatest.WithDuration(10*time.Second))
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	final := tm.FinalModel(t).(*Model)
	for _, r := range final.bookings.Rows() {
		if r.B.ID() == b.ID() && r.B.Status().OpenedAt.IsZero() {
			t.Fatal("the final model still has the booking unopened")
		}
	}
}

type ktReceipts struct{ waiting []domain.IncomingReceipt }

func (r *ktReceipts) add(rc domain.Receipt) {
	r.waiting = append(r.waiting, domain.IncomingReceipt{Receipt: rc, Handle: rc.MessageID})
}
func (r *ktReceipts) Fetch(context.Context) ([]domain.IncomingReceipt, int, error) {
	out := r.waiting
	r.waiting = nil
	return out, 0, nil
}
func (r *ktReceipts) Done(domain.IncomingReceipt) error              { return nil }
func (r *ktReceipts) Quarantine(domain.IncomingReceipt, error) error { return nil }

// TestScreens_Golden keeps the remaining screens — the booking form with a
// decision shown, needs attention and the print queue — at both sizes.
func TestScreens_Golden(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	for _, s := range sizes {
		t.Run(fmt.Sprintf("form_%dx%d", s.w, s.h), func(t *testing.T) {
			m := ktStart(t, tuitest.EnvCommon(e, s.w, s.h))
			// A patient who needs an interpreter: the decision shows digital + paper and why.
			ps, err := e.St.Patients(context.Background(), "", 0)
			if err != nil {
				t.Fatal(err)
			}
			var who domain.Patient
			for _, p := range ps {
				if p.NeedsInterpreter() && p.ID().Kind() == domain.KindPersonnummer {
					who = p
					break
				}
			}
			tuitest.Keys(t, m, "n")
			tuitest.Keys(t, m, strings.Split(who.ID().Canonical(), "")...)
			tuitest.Keys(t, m, "enter", "tab", "tab")
			tuitest.Keys(t, m, strings.Split("2026-12-03", "")...)
			tuitest.Keys(t, m, "tab")
			tuitest.Keys(t, m, strings.Split("10:15", "")...)
			v := m.View()
			tuitest.Contains(t, v, "Ny bokning", who.Name(), "digital + papper", "behöver tolk")
			golden.RequireEqual(t, []byte(v))
		})
		t.Run(fmt.Sprintf("attention_%dx%d", s.w, s.h), func(t *testing.T) {
			m := ktStart(t, tuitest.EnvCommon(e, s.w, s.h))
			tuitest.Keys(t, m, "a")
			v := m.View()
			tuitest.Contains(t, v, "Att hantera")
			golden.RequireEqual(t, []byte(v))
		})
		t.Run(fmt.Sprintf("print_%dx%d", s.w, s.h), func(t *testing.T) {
			c := tuitest.EnvCommon(e, s.w, s.h)
			c.Backend.Print = tuitest.NewPrintFolder()
			m := ktStart(t, c)
			tuitest.Keys(t, m, "u")
			v := m.View()
			tuitest.Contains(t, v, "Utskrifter")
			golden.RequireEqual(t, []byte(v))
		})
	}
}

// T and K on a booking without a task or a request say so in words,
// rather than ask and then fail.
func TestFlow_TaskKeysWithoutATaskSaySo(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 120, 40))
	findRow(t, m, func(b *domain.Booking) bool {
		return !b.State().Final() && !b.Status().PhoneTask && !b.Status().HandOver && !b.OutdatedLetter() &&
			b.State() != domain.StateRebookRequested && b.State() != domain.StateCancelRequested
	})
	tuitest.Keys(t, m, "T")
	tuitest.Contains(t, m.View(), "Bokningen har ingen öppen uppgift att markera")
	tuitest.Keys(t, m, "K")
	tuitest.Contains(t, m.View(), "Patienten har inget önskemål att svara på")
}

// A long question keeps its answer keys on screen at 80 columns.
func TestFlow_ALongQuestionKeepsItsAnswerKeys(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
	var tm tea.Model = m
	tm = tuitest.Run(t, tm, func() tea.Msg {
		return common.AskConfirmMsg{Text: "Skriv ut alla brev från idag (ons 2026-11-25) igen, även de redan utskrivna (12)"}
	})
	v := tm.View()
	tuitest.Contains(t, v, "[j] ja")
	for _, l := range strings.Split(v, "\n") {
		if w := lipgloss.Width(l); w > 80 {
			t.Fatalf("line %d wide: %q", w, l)
		}
	}
}

// A booking's detail that does not fit says which lines it shows, and pgdn
// brings the end of the history — the latest letter or change — into view.
func TestDetail_SaysThereIsMoreAndPagesToTheEnd(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 60, 15))
	tm := tuitest.Keys(t, m, "enter")
	re := regexp.MustCompile(`rad (\d+)–(\d+) av (\d+)`)
	first := re.FindStringSubmatch(tm.View())
	if first == nil || first[1] != "1" {
		t.Fatalf("no 'rad 1–N av M' line at 60×15:\n%s", tm.View())
	}
	for range 5 {
		tm = tuitest.Keys(t, m, "pgdown")
	}
	last := re.FindStringSubmatch(tm.View())
	if last == nil || last[2] != last[3] || last[1] == "1" {
		t.Fatalf("pgdn did not reach the end (%v):\n%s", last, tm.View())
	}
	tm = tuitest.Keys(t, m, "pgup", "pgup", "pgup", "pgup", "pgup")
	if again := re.FindStringSubmatch(tm.View()); again == nil || again[1] != "1" {
		t.Fatalf("pgup did not come back to the top: %v", again)
	}
}

// With every key shown (?) on a small terminal, the list keeps its selected
// row on screen, however little room the keys leave.
func TestHelp_TheSelectedRowStaysOnScreen(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	for _, s := range []struct{ w, h int }{{60, 15}, {80, 24}} {
		m := ktStart(t, tuitest.EnvCommon(e, s.w, s.h))
		tuitest.Keys(t, m, "down", "down", "down", "down")
		name := m.bookings.SelectedName()
		if len([]rune(name)) > 8 {
			name = string([]rune(name)[:8]) // the column may cut it
		}
		tm := tuitest.Keys(t, m, "?")
		if v := tm.View(); !strings.Contains(v, name) {
			t.Fatalf("%dx%d: the selected row (%s) is not on screen with the keys shown:\n%s", s.w, s.h, name, v)
		}
	}
}

// ? lists every key the key line shows, those the page handles itself
// (↑/↓ on the overview) too.
func TestHelp_ListsTheKeysTheKeyLineShows(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	c := tuitest.EnvCommon(e, 120, 40)
	c.Backend.Reports = tuitest.NewReports(t, e)
	m := ktStart(t, c)
	tuitest.Keys(t, m, "o")
	if v := m.View(); !strings.Contains(v, "↑/↓") {
		t.Fatalf("the key line lacks ↑/↓:\n%s", v)
	}
	var keyLine string // the page's own key line, under the status line
	if _, p := m.top(); p != nil {
		if kb, ok := p.(common.KeysBelow); ok && len(kb.KeyLines()) > 0 {
			keyLine = kb.KeyLines()[0]
		}
	}
	if keyLine == "" || !strings.Contains(m.View(), keyLine) {
		t.Fatalf("the overview has no key line of its own (%q)", keyLine)
	}
	tm := tuitest.Keys(t, m, "?")
	v := tm.View()
	if !strings.Contains(v, "↑/↓") {
		t.Fatalf("? leaves out the keys the page handles itself:\n%s", v)
	}
	// The list of every key stands where the page's own key line stood,
	// not under it again (walk: the short line, then the list).
	if keyLine != "" && strings.Contains(v, keyLine) {
		t.Fatalf("? shows the page's key line and the list under it:\n%s", v)
	}
}

// With every key shown (?), esc puts them away and stays on the page, on
// every page and in the forms (the walk left the page with it); the next
// esc leaves the page, as before.
func TestHelp_EscClosesTheHelpFirst(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	for _, p := range []struct {
		name string
		keys []string
		page Page
	}{
		{"detail", []string{"enter"}, PageDetail}, {"attention", []string{"a"}, PageAttention},
		{"print", []string{"u"}, PagePrint}, {"form", []string{"n"}, PageForm}, {"patient", []string{"N"}, PagePatient},
	} {
		for _, s := range []struct{ w, h int }{{80, 24}, {60, 20}} {
			c := tuitest.EnvCommon(e, s.w, s.h)
			c.Backend.Print = tuitest.NewPrintFolder()
			m := ktStart(t, c)
			tuitest.Keys(t, m, p.keys...)
			tuitest.Keys(t, m, "?")
			if !m.fullHelp || m.Page() != p.page {
				t.Fatalf("%s %dx%d: ? did not show the keys on the page (page %d)", p.name, s.w, s.h, m.Page())
			}
			tuitest.Keys(t, m, "esc")
			if m.fullHelp || m.Page() != p.page {
				t.Errorf("%s %dx%d: esc with the keys shown: help %v, page %d (want %d):\n%s", p.name, s.w, s.h, m.fullHelp, m.Page(), p.page, m.View())
				continue
			}
			tuitest.Keys(t, m, "esc")
			if m.Page() != PageBookings {
				t.Errorf("%s %dx%d: the next esc did not leave the page (page %d)", p.name, s.w, s.h, m.Page())
			}
		}
	}
}
