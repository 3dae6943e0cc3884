package domain

import (
	"errors"
	"testing"
	"time"
)

func TestImplicit_AnOutcomeSlipIsCorrectedByANamedUserWithAnEvent(t *testing.T) {
	at := ref.Add(48 * time.Hour)
	b := mustBook(t, 1, at)
	after := at.Add(time.Hour)
	if err := b.MarkNoShow(after, "anna"); err != nil {
		t.Fatal(err)
	}
	b.TakeEvents()
	if err := b.CorrectOutcome(StateAttended, after.Add(24*time.Hour), "bertil", "kom men registrerades fel"); err != nil {
		t.Fatal(err)
	}
	ev := b.TakeEvents()
	if b.State() != StateAttended || len(ev) != 1 || ev[0].Type != EventAttended || !ev[0].Correction ||
		ev[0].Actor != "bertil" || ev[0].Note != "kom men registrerades fel" {
		t.Fatalf("state %s, events %+v", b.State(), ev)
	}
	// And back, by someone else.
	if err := b.CorrectOutcome(StateNoShow, after.Add(48*time.Hour), "cilla", ""); err != nil || b.State() != StateNoShow {
		t.Fatalf("back to no-show: %v, %s", err, b.State())
	}
	// Only the two outcomes correct each other.
	for _, to := range []BookingState{StateNoShow, StateCancelled, StateBooked} {
		if err := b.CorrectOutcome(to, after, "anna", ""); !errors.Is(err, ErrCannotCorrect) {
			t.Errorf("no_show -> %s: %v", to, err)
		}
	}
	c := mustBook(t, 2, at.Add(time.Hour))
	if err := c.CorrectOutcome(StateAttended, after, "anna", ""); !errors.Is(err, ErrCannotCorrect) {
		t.Fatalf("an open booking corrected: %v", err)
	}
	if err := b.CorrectOutcome(StateAttended, after, "", ""); err == nil {
		t.Fatal("a correction without a user")
	}
}

func TestImplicit_ACancellationIsUndoneOnlyTheSameDayAndSummonsAgain(t *testing.T) {
	p := newTestPatient(t, "")
	cancelAt := at("2026-11-26 10:00")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30")) // summons sent
	if err := b.CancelAndNotify(fireEnv(t, p, examDigital, cancelAt), "fel bokning"); err != nil {
		t.Fatal(err)
	}
	b.TakeEvents()
	b.TakeMessages()

	// The next day: too late, book anew.
	if err := b.UndoCancel(at("2026-11-27 08:00"), "anna", "", nil); !errors.Is(err, ErrCannotCorrect) {
		t.Fatalf("next day: %v", err)
	}
	// Another booking of the patient now holds that time: refused.
	other := mustBook(t, 9, at("2026-12-10 09:15"))
	if err := b.UndoCancel(at("2026-11-26 16:00"), "anna", "", []*Booking{other}); !errors.Is(err, ErrOverlap) {
		t.Fatalf("overlap: %v", err)
	}
	// The same evening: the time stands again, and a new summons goes.
	if err := b.UndoCancel(at("2026-11-26 16:00"), "anna", "ångrad", nil); err != nil {
		t.Fatal(err)
	}
	ev := b.TakeEvents()
	if b.State() != StateBooked || len(ev) != 1 || ev[0].Type != EventCancelUndone || ev[0].Actor != "anna" || ev[0].Note != "ångrad" {
		t.Fatalf("state %s, events %+v", b.State(), ev)
	}
	if k := timerKinds(b); len(k) != 1 || !k[TimerSummons].Equal(at("2026-11-26 16:00")) {
		t.Fatalf("timers %v, want the summons now", k)
	}
	if err := b.FireDue(fireEnv(t, p, examDigital, at("2026-11-26 16:00"))); err != nil {
		t.Fatal(err)
	}
	if m := messagesOf(b); len(m[PurposeSummons]) != 1 || b.State() != StateSummonsSent {
		t.Fatalf("after the undo: state %s, messages %v", b.State(), m)
	}
	// A visit that has passed cannot come back.
	c := mustBook(t, 3, ref.Add(2*time.Hour))
	if err := c.Cancel(ref.Add(time.Hour), "anna", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.UndoCancel(ref.Add(3*time.Hour), "anna", "", nil); !errors.Is(err, ErrVisitInPast) {
		t.Fatalf("past visit: %v", err)
	}
	// The cancellation time survives storage.
	d := mustBook(t, 4, at("2026-12-11 09:00"))
	if err := d.Cancel(ref, "anna", ""); err != nil {
		t.Fatal(err)
	}
	r, err := RehydrateBooking(d.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.UndoCancel(ref.Add(time.Hour), "anna", "", nil); err != nil {
		t.Fatalf("after rehydrating: %v", err)
	}
}

// The events after which a booking's visit is summoned anew
// (Event.SummonsAnew) are those after which the booking holds no summons
// and its next firing decides one: the booking, a rebooking, and an undone
// cancellation — which restores the time, and summons it again with a fresh
// decision, so the summons its cancellation voided is no longer the
// visit's (the rollout report reads it so, by the record and by the
// events). A cancellation is not: nothing is summoned after it.
func TestImplicit_AnUndoneCancellationSummonsTheVisitAnew(t *testing.T) {
	p := newTestPatient(t, "")
	b, err := NewBooking(BookingRequest{ID: 1, Patient: p, Exam: examDigital, Site: siteRyhov, VisitAt: at("2026-12-10 09:30"),
		Now: at("2026-11-25 10:00"), Actor: "anna", Policy: pilot})
	if err != nil {
		t.Fatal(err)
	}
	anew := func(what string, fire time.Time) {
		t.Helper()
		evs := b.TakeEvents()
		if len(evs) == 0 || !evs[len(evs)-1].SummonsAnew() || !b.Status().SentAt.IsZero() {
			t.Fatalf("%s: events %+v, summons sent at %s", what, evs, b.Status().SentAt)
		}
		if err := b.FireDue(fireEnv(t, p, examDigital, fire)); err != nil {
			t.Fatal(err)
		}
		evs = b.TakeEvents()
		if len(evs) == 0 || evs[0].Type != EventSummonsSent || !b.Status().SentAt.Equal(fire) {
			t.Fatalf("%s: then %+v, summons sent at %s", what, evs, b.Status().SentAt)
		}
	}
	anew("booked", at("2026-11-25 10:00"))
	if err := b.Rebook(at("2026-12-11 09:30"), at("2026-11-26 09:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	anew("rebooked", at("2026-11-26 09:00"))
	if err := b.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-27 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	for _, e := range b.TakeEvents() {
		if e.SummonsAnew() {
			t.Fatalf("the cancellation's %s summons the visit anew", e.Type)
		}
	}
	if err := b.UndoCancel(at("2026-11-27 10:30"), "anna", "", nil); err != nil {
		t.Fatal(err)
	}
	anew("cancellation undone", at("2026-11-27 10:31"))
}

// Each action's life-cycle precondition is the one the action itself
// checks: a screen that asks first gets the same answer the action would.
func TestImplicit_APreconditionSaysWhyBeforeTheActionIsTried(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	before, after := at("2026-12-01 10:00"), at("2026-12-10 10:00")
	cases := []struct {
		act  Action
		now  time.Time
		want error
		try  func() error
	}{
		{ActAttended, before, ErrVisitNotStarted, func() error { return b.MarkAttended(before, "anna") }},
		{ActNoShow, before, ErrVisitNotStarted, func() error { return b.MarkNoShow(before, "anna") }},
		{ActPaper, after, ErrVisitInPast, func() error { return b.SendPaperByHand(fireEnv(t, p, examDigital, after), false) }},
		{ActSMS, after, ErrVisitInPast, func() error { return b.RemindByHand(fireEnv(t, p, examDigital, after), false) }},
		{ActCorrect, before, ErrCannotCorrect, func() error { return b.CorrectOutcome(StateAttended, before, "anna", "") }},
		{ActUndoCancel, before, ErrIllegalTransition, func() error { return b.UndoCancel(before, "anna", "", nil) }}, // nothing to undo: said with the state in words
		{ActKeep, before, ErrIllegalTransition, func() error { return b.KeepTime(before, "anna", "") }},
	}
	for _, c := range cases {
		pre := b.Precondition(c.act, c.now)
		if !errors.Is(pre, c.want) {
			t.Errorf("%s: precondition %v, want %v", c.act, pre, c.want)
		}
		if err := c.try(); err == nil || err.Error() != pre.Error() {
			t.Errorf("%s: the action says %v, the precondition %v", c.act, err, pre)
		}
	}
	if err := b.Cancel(before, "anna", ""); err != nil {
		t.Fatal(err)
	}
	for _, a := range []Action{ActCancel, ActRebook, ActPaper, ActSMS, ActAttended} {
		if err := b.Precondition(a, before); !errors.Is(err, ErrIllegalTransition) {
			t.Errorf("%s on a cancelled booking: %v", a, err)
		}
	}
	if err := b.Precondition(ActUndoCancel, before); err != nil {
		t.Errorf("undo the same day: %v", err)
	}
}

func TestImplicit_ARebookingMayMoveToAnotherSiteAndSaysSo(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	b.TakeEvents()
	if err := b.RebookAt("varnamo", at("2026-12-11 09:30"), at("2026-11-26 10:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	ev := b.TakeEvents()
	if b.Site() != "varnamo" || ev[0].Type != EventRebooked || ev[0].Site != "varnamo" || ev[0].PreviousSite != siteRyhov.Code {
		t.Fatalf("site %s, event %+v", b.Site(), ev[0])
	}
	if err := b.Rebook(at("2026-12-12 09:30"), at("2026-11-26 11:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if ev := b.TakeEvents(); b.Site() != "varnamo" || ev[0].Site != "" {
		t.Fatalf("a move in time alone: site %s, event %+v", b.Site(), ev[0])
	}
}

// A rebooking to the time and place the booking has already is refused:
// it would send a new summons and withdraw the letters for the time the
// patient keeps. Another site at the same time is a move.
func TestImplicit_ARebookingToTheSameTimeIsRefused(t *testing.T) {
	p := newTestPatient(t, "")
	visit := at("2026-12-10 09:30")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), visit)
	b.TakeEvents()
	if err := b.Rebook(visit, at("2026-11-26 10:00"), "anna", nil); !errors.Is(err, ErrSameTime) {
		t.Fatalf("rebooked to its own time: %v", err)
	}
	if evs := b.TakeEvents(); len(evs) != 0 || b.State() != StateSummonsSent {
		t.Fatalf("a refused rebooking changed the booking: %v, %s", eventTypes(evs), b.State())
	}
	if err := b.RebookAt("varnamo", visit, at("2026-11-26 10:00"), "anna", nil); err != nil {
		t.Fatalf("the same time at another site: %v", err)
	}
}
