package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/tui/internal/tuitest"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

func lastEvent(t *testing.T, e *tuitest.Env, id domain.BookingID) domain.Event {
	t.Helper()
	evs, err := e.St.BookingEvents(context.Background(), id)
	if err != nil || len(evs) == 0 {
		t.Fatalf("events of %d: %v", id, err)
	}
	return evs[len(evs)-1]
}

// An action the life cycle does not allow is not asked at all: the status
// line says why, in words.
func TestActions_ADisabledActionSaysWhyInsteadOfAsking(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 120, 40))
	b := findRow(t, m, func(b *domain.Booking) bool {
		return b.State() == domain.StateCancelled && b.VisitAt().After(tuitest.Now)
	})
	tuitest.Keys(t, m, "P")
	if m.confirm != nil {
		t.Fatalf("asked %q for a cancelled booking", m.confirm.Text())
	}
	tuitest.Contains(t, m.View(), "Går inte att skicka papperskallelse: bokningens status är ”avbokad”")
	tuitest.Keys(t, m, "D")
	tuitest.Contains(t, m.View(), "Går inte att markera genomförd: bokningens status är ”avbokad”")
	got, _ := e.St.Booking(context.Background(), b.ID())
	if got.State() != domain.StateCancelled {
		t.Fatalf("state %s", got.State())
	}
	// An open booking ahead: attended is refused until the visit starts.
	findRow(t, m, func(b *domain.Booking) bool { return !b.State().Final() && b.VisitAt().After(tuitest.Now) })
	tuitest.Keys(t, m, "D")
	if m.confirm != nil {
		t.Fatalf("asked %q before the visit", m.confirm.Text())
	}
	tuitest.Contains(t, m.View(), "Går inte att markera genomförd förrän besöket har börjat")
}

// Cancel takes an optional note, typed after "a", which lands in the event;
// the question names the patient and the time; then the same day U undoes it.
func TestActions_CancelWithANoteThenUndoTheSameDay(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 120, 40))
	b := findRow(t, m, func(b *domain.Booking) bool { return !b.State().Final() && b.VisitAt().After(tuitest.Now) })
	name := m.bookings.SelectedName()
	tuitest.Keys(t, m, "C")
	if m.confirm == nil || !strings.Contains(m.confirm.Text(), name) || !strings.Contains(m.confirm.Text(), i18n.FmtTime(b.VisitAt())) {
		t.Fatalf("question %+v does not name %s and the time", m.confirm, name)
	}
	tuitest.Contains(t, m.View(), "[a] ja, med anteckning")
	tuitest.Keys(t, m, "a", "f", "e", "l", " ", "p", "a", "t")
	tuitest.Contains(t, m.View(), "Anteckning:", "fel pat")
	tuitest.Keys(t, m, "enter")
	if ev := lastEvent(t, e, b.ID()); ev.Type != domain.EventCancelled && ev.Type != domain.EventLetterWithdrawn && ev.Type != domain.EventCancelNoticeSent {
		t.Fatalf("last event %+v", ev)
	}
	evs, _ := e.St.BookingEvents(context.Background(), b.ID())
	var cancelled *domain.Event
	for i := range evs {
		if evs[i].Type == domain.EventCancelled {
			cancelled = &evs[i]
		}
	}
	if cancelled == nil || cancelled.Note != "fel pat" || cancelled.Actor != "anna" {
		t.Fatalf("cancelled event %+v", cancelled)
	}
	tuitest.Contains(t, m.View(), "✓ Bokningen avbokades")

	tuitest.Keys(t, m, "U")
	if m.confirm == nil || !strings.Contains(m.confirm.Text(), "Ångra avbokningen") {
		t.Fatalf("undo question %+v", m.confirm)
	}
	tuitest.Keys(t, m, "j")
	got, _ := e.St.Booking(context.Background(), b.ID())
	if got.State() != domain.StateBooked || lastEvent(t, e, b.ID()).Type != domain.EventCancelUndone {
		t.Fatalf("after undo: %s, %+v", got.State(), lastEvent(t, e, b.ID()))
	}
	tuitest.Contains(t, m.View(), "✓ Avbokningen ångrades")
}

// D on a no-show corrects it to attended (and X back), asking first, from
// the booking's detail page.
func TestActions_CorrectAnOutcome(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 120, 40))
	past, err := e.St.Bookings(context.Background(), domain.BookingQuery{To: tuitest.Now})
	if err != nil {
		t.Fatal(err)
	}
	var b *domain.Booking
	for _, p := range past {
		if p.State() == domain.StateAttended {
			b = p
		}
	}
	if b == nil {
		t.Fatal("no attended booking in the demo's past")
	}
	if _, err := e.Svc.CorrectOutcome(context.Background(), b.ID(), domain.StateNoShow, ""); err != nil {
		t.Fatal(err)
	}
	tm, cmd := m.Update(common.OpenDetailMsg{ID: b.ID()})
	tuitest.Run(t, tm, cmd)
	tuitest.Keys(t, m, "D")
	if m.confirm == nil || !strings.Contains(m.confirm.Text(), "Rätta utfallet till genomförd") {
		t.Fatalf("question %+v", m.confirm)
	}
	tuitest.Keys(t, m, "j")
	ev := lastEvent(t, e, b.ID())
	if ev.Type != domain.EventAttended || !ev.Correction {
		t.Fatalf("event %+v", ev)
	}
	tuitest.Contains(t, m.View(), "✓ Utfallet rättades till genomförd", "genomförd", "rättelse")
	tuitest.Keys(t, m, "X", "j")
	if got, _ := e.St.Booking(context.Background(), b.ID()); got.State() != domain.StateNoShow {
		t.Fatalf("back: %s", got.State())
	}
}

// A long question wraps: at 60 columns the patient, the time and the
// answer keys are all on the screen, and the screen keeps its height.
func TestActions_ALongQuestionWrapsAt60Columns(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 60, 15))
	b := findRow(t, m, func(b *domain.Booking) bool { return !b.State().Final() && b.VisitAt().After(tuitest.Now) })
	name := m.bookings.SelectedName()
	tuitest.Keys(t, m, "C")
	v := m.View()
	flat := strings.Join(strings.Fields(v), " ")
	for _, want := range []string{name, i18n.FmtTime(b.VisitAt()), "[j] ja", "[n] nej"} {
		if !strings.Contains(flat, want) {
			t.Errorf("lacks %q:\n%s", want, v)
		}
	}
	if lines := strings.Split(v, "\n"); len(lines) > 15 {
		t.Errorf("%d lines, more than the terminal's 15:\n%s", len(lines), v)
	}
}

// A booking just made is shown: the list leaves its search and filter and
// moves to it, even from far away.
func TestBookings_ABookingJustMadeIsShown(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
	all, err := e.St.Bookings(context.Background(), domain.BookingQuery{})
	if err != nil || len(all) < 3 {
		t.Fatalf("%d bookings, %v", len(all), err)
	}
	for _, target := range []*domain.Booking{all[0], all[len(all)-1]} { // far above and far below the window
		tuitest.Keys(t, m, "/", "zz", "enter") // a search that finds nothing
		tm, cmd := m.Update(common.FocusBookingMsg{ID: target.ID(), At: target.VisitAt()})
		tuitest.Run(t, tm, cmd)
		if got := m.bookings.Selected(); got == nil || got.ID() != target.ID() {
			t.Fatalf("selected %v, want booking %d", got, target.ID())
		}
		if query(m) != "" {
			t.Fatal("the search stayed")
		}
	}
}

// A refresh racing the load of a booking just made (returning to the list,
// a change elsewhere) never leaves the cursor on another patient.
func TestBookings_ARefreshDuringTheFocusKeepsTheNewBooking(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	all, err := e.St.Bookings(context.Background(), domain.BookingQuery{})
	if err != nil || len(all) < 3 {
		t.Fatalf("%d bookings, %v", len(all), err)
	}
	target := all[len(all)-1]
	for _, refreshFirst := range []bool{true, false} {
		m := ktStart(t, tuitest.EnvCommon(e, 60, 15))
		tuitest.Keys(t, m, "/", "an", "enter", "down") // a search, the cursor on some row of it
		_, focus := m.Update(common.FocusBookingMsg{ID: target.ID(), At: target.VisitAt()})
		refresh := m.bookings.Refresh()
		if refreshFirst {
			tuitest.Run(t, m, refresh)
			tuitest.Run(t, m, focus)
		} else {
			tuitest.Run(t, m, focus)
			tuitest.Run(t, m, refresh)
		}
		if got := m.bookings.Selected(); got == nil || got.ID() != target.ID() {
			t.Fatalf("refresh first %v: selected %v, want booking %d", refreshFirst, got, target.ID())
		}
	}
}

// ? shows every key, at any width, within the screen's height.
func TestHelp_EveryKeyAt60Columns(t *testing.T) {
	e := tuitest.Demo(t, 20, 30)
	m := ktStart(t, tuitest.EnvCommon(e, 60, 15))
	tuitest.Keys(t, m, "?")
	v := m.View()
	flat := strings.Join(strings.Fields(v), " ")
	for _, want := range []string{"P papperskallelse", "U ångra avbokning", "N ny patient", "q avsluta", "? all hjälp"} {
		if !strings.Contains(flat, want) {
			t.Errorf("help lacks %q:\n%s", want, v)
		}
	}
	if n := len(strings.Split(v, "\n")); n > 15 {
		t.Errorf("%d lines on a 15-line terminal:\n%s", n, v)
	}
}

// The status line keeps what needs a person when a message shares it: the
// last tick's time gives way first.
func TestStatusLine_AlertsKeepTheirRoomBesideAMessage(t *testing.T) {
	e := tuitest.Demo(t, 20, 30)
	m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
	m.lastTick, m.status.attention, m.status.waiting = tuitest.Now, 17, 1
	m.info = "Bokningen avbokades"
	line := m.statusLine()
	if !strings.Contains(line, "! 17 att hantera") || !strings.Contains(line, "✓ Bokningen avbokades") {
		t.Fatalf("status line %q", line)
	}
	if lipgloss.Width(line) > 80 {
		t.Fatalf("%d wide: %q", lipgloss.Width(line), line)
	}
	m.info = ""
	if line := m.statusLine(); !strings.Contains(line, "10:00:00") {
		t.Fatalf("with room, the last tick shows: %q", line)
	}
}

// A note too long for one line wraps above the status line and keeps the
// page's keys under it: at 80×24 the list gives up the lines, and its
// selected row stays on screen.
func TestRoot_ALongNoteKeepsTheKeysOnScreen(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
	name := m.bookings.SelectedName()
	m.warn = "Ett brev som skickas nu kommer fram först på besöksdagen eller senare – ring patienten i stället"
	v := m.View()
	lines := strings.Split(v, "\n")
	if len(lines) > 24 {
		t.Fatalf("%d lines, more than the terminal's 24:\n%s", len(lines), v)
	}
	flat := strings.Join(strings.Fields(v), " ")
	for _, want := range []string{"ring patienten i stället", "enter öppna", name} {
		if !strings.Contains(flat, want) {
			t.Errorf("lacks %q:\n%s", want, v)
		}
	}
}
