package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/kallelse/kallelse/domain"
)

func lastEvent(t *testing.T, e *ktEnv, id domain.BookingID) domain.Event {
	t.Helper()
	evs, err := e.st.BookingEvents(context.Background(), id)
	if err != nil || len(evs) == 0 {
		t.Fatalf("events of %d: %v", id, err)
	}
	return evs[len(evs)-1]
}

// An action the life cycle does not allow is not asked at all: the status
// line says why, in words.
func TestActions_ADisabledActionSaysWhyInsteadOfAsking(t *testing.T) {
	e := ktDemo(t, 60, 120)
	m := ktStart(t, ktCommon(e, 120, 40))
	b := findRow(t, m, func(b *domain.Booking) bool { return b.State() == domain.StateCancelled && b.VisitAt().After(ktNow) })
	ktKeys(t, m, "P")
	if m.confirm != nil {
		t.Fatalf("asked %q for a cancelled booking", m.confirm.text)
	}
	ktContains(t, m.View(), "Går inte att skicka papperskallelse: bokningen är avbokad")
	ktKeys(t, m, "D")
	ktContains(t, m.View(), "Går inte att markera genomförd: bokningen är avbokad")
	got, _ := e.st.Booking(context.Background(), b.ID())
	if got.State() != domain.StateCancelled {
		t.Fatalf("state %s", got.State())
	}
	// An open booking ahead: attended is refused until the visit starts.
	findRow(t, m, func(b *domain.Booking) bool { return !b.State().Final() && b.VisitAt().After(ktNow) })
	ktKeys(t, m, "D")
	if m.confirm != nil {
		t.Fatalf("asked %q before the visit", m.confirm.text)
	}
	ktContains(t, m.View(), "Går inte att markera genomförd förrän besöket har börjat")
}

// Cancel takes an optional note, typed after "a", which lands in the event;
// the question names the patient and the time; then the same day U undoes it.
func TestActions_CancelWithANoteThenUndoTheSameDay(t *testing.T) {
	e := ktDemo(t, 60, 120)
	m := ktStart(t, ktCommon(e, 120, 40))
	b := findRow(t, m, func(b *domain.Booking) bool { return !b.State().Final() && b.VisitAt().After(ktNow) })
	name := m.bookings.SelectedName()
	ktKeys(t, m, "C")
	if m.confirm == nil || !strings.Contains(m.confirm.text, name) || !strings.Contains(m.confirm.text, fmtTime(b.VisitAt())) {
		t.Fatalf("question %+v does not name %s and the time", m.confirm, name)
	}
	ktContains(t, m.View(), "[a] ja, med anteckning")
	ktKeys(t, m, "a", "f", "e", "l", " ", "p", "a", "t")
	ktContains(t, m.View(), "Anteckning:", "fel pat")
	ktKeys(t, m, "enter")
	if ev := lastEvent(t, e, b.ID()); ev.Type != domain.EventCancelled && ev.Type != domain.EventLetterWithdrawn && ev.Type != domain.EventCancelNoticeSent {
		t.Fatalf("last event %+v", ev)
	}
	evs, _ := e.st.BookingEvents(context.Background(), b.ID())
	var cancelled *domain.Event
	for i := range evs {
		if evs[i].Type == domain.EventCancelled {
			cancelled = &evs[i]
		}
	}
	if cancelled == nil || cancelled.Note != "fel pat" || cancelled.Actor != "anna" {
		t.Fatalf("cancelled event %+v", cancelled)
	}
	ktContains(t, m.View(), "✓ Bokningen avbokades")

	ktKeys(t, m, "U")
	if m.confirm == nil || !strings.Contains(m.confirm.text, "Ångra avbokningen") {
		t.Fatalf("undo question %+v", m.confirm)
	}
	ktKeys(t, m, "j")
	got, _ := e.st.Booking(context.Background(), b.ID())
	if got.State() != domain.StateBooked || lastEvent(t, e, b.ID()).Type != domain.EventCancelUndone {
		t.Fatalf("after undo: %s, %+v", got.State(), lastEvent(t, e, b.ID()))
	}
	ktContains(t, m.View(), "✓ Avbokningen ångrades")
}

// D on a no-show corrects it to attended (and X back), asking first, from
// the booking's detail page.
func TestActions_CorrectAnOutcome(t *testing.T) {
	e := ktDemo(t, 60, 120)
	m := ktStart(t, ktCommon(e, 120, 40))
	past, err := e.st.Bookings(context.Background(), domain.BookingQuery{To: ktNow})
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
	if _, err := e.svc.CorrectOutcome(context.Background(), b.ID(), domain.StateNoShow, ""); err != nil {
		t.Fatal(err)
	}
	tm, cmd := m.Update(OpenDetailMsg{ID: b.ID()})
	ktRun(t, tm, cmd)
	ktKeys(t, m, "D")
	if m.confirm == nil || !strings.Contains(m.confirm.text, "Rätta utfallet till genomförd") {
		t.Fatalf("question %+v", m.confirm)
	}
	ktKeys(t, m, "j")
	ev := lastEvent(t, e, b.ID())
	if ev.Type != domain.EventAttended || !ev.Correction {
		t.Fatalf("event %+v", ev)
	}
	ktContains(t, m.View(), "✓ Utfallet rättades till genomförd", "genomförd", "rättelse")
	ktKeys(t, m, "X", "j")
	if got, _ := e.st.Booking(context.Background(), b.ID()); got.State() != domain.StateNoShow {
		t.Fatalf("back: %s", got.State())
	}
}

// A long question wraps: at 60 columns the patient, the time and the
// answer keys are all on the screen, and the screen keeps its height.
func TestActions_ALongQuestionWrapsAt60Columns(t *testing.T) {
	e := ktDemo(t, 60, 120)
	m := ktStart(t, ktCommon(e, 60, 15))
	b := findRow(t, m, func(b *domain.Booking) bool { return !b.State().Final() && b.VisitAt().After(ktNow) })
	name := m.bookings.SelectedName()
	ktKeys(t, m, "C")
	v := m.View()
	flat := strings.Join(strings.Fields(v), " ")
	for _, want := range []string{name, fmtTime(b.VisitAt()), "[j] ja", "[n] nej"} {
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
	e := ktDemo(t, 60, 120)
	m := ktStart(t, ktCommon(e, 80, 24))
	all, err := e.st.Bookings(context.Background(), domain.BookingQuery{})
	if err != nil || len(all) < 3 {
		t.Fatalf("%d bookings, %v", len(all), err)
	}
	for _, target := range []*domain.Booking{all[0], all[len(all)-1]} { // far above and far below the window
		ktKeys(t, m, "/", "zz", "enter") // a search that finds nothing
		tm, cmd := m.Update(FocusBookingMsg{ID: target.ID(), At: target.VisitAt()})
		ktRun(t, tm, cmd)
		if got := m.bookings.Selected(); got == nil || got.ID() != target.ID() {
			t.Fatalf("selected %v, want booking %d", got, target.ID())
		}
		if m.bookings.search.Value() != "" {
			t.Fatal("the search stayed")
		}
	}
}

// A refresh racing the load of a booking just made (returning to the list,
// a change elsewhere) never leaves the cursor on another patient.
func TestBookings_ARefreshDuringTheFocusKeepsTheNewBooking(t *testing.T) {
	e := ktDemo(t, 60, 120)
	all, err := e.st.Bookings(context.Background(), domain.BookingQuery{})
	if err != nil || len(all) < 3 {
		t.Fatalf("%d bookings, %v", len(all), err)
	}
	target := all[len(all)-1]
	for _, refreshFirst := range []bool{true, false} {
		m := ktStart(t, ktCommon(e, 60, 15))
		ktKeys(t, m, "/", "an", "enter", "down") // a search, the cursor on some row of it
		_, focus := m.Update(FocusBookingMsg{ID: target.ID(), At: target.VisitAt()})
		refresh := m.bookings.Refresh()
		if refreshFirst {
			ktRun(t, m, refresh)
			ktRun(t, m, focus)
		} else {
			ktRun(t, m, focus)
			ktRun(t, m, refresh)
		}
		if got := m.bookings.Selected(); got == nil || got.ID() != target.ID() {
			t.Fatalf("refresh first %v: selected %v, want booking %d", refreshFirst, got, target.ID())
		}
	}
}

// ? shows every key, at any width, within the screen's height.
func TestHelp_EveryKeyAt60Columns(t *testing.T) {
	e := ktDemo(t, 20, 30)
	m := ktStart(t, ktCommon(e, 60, 15))
	ktKeys(t, m, "?")
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
