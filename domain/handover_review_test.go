package domain

import "testing"

// Protected patient, paper-only examination: the summons for 10 Dec is
// handed over by the unit's routine. The visit is moved to 14 Dec; before
// the new summons is handed over, the booking is cancelled. The patient
// still holds the summons for 10 Dec, which nobody will now take back.
func TestImplicit_HandedOverThenMovedThenCancelledIsHandedOverToo(t *testing.T) {
	p := newTestPatient(t, "", withProtected())
	b := booked(t, p, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	if err := b.ResolveHandOver(at("2026-11-26 09:00"), "anna", "enligt rutin"); err != nil {
		t.Fatal(err)
	}
	if err := b.Rebook(at("2026-12-14 09:30"), at("2026-11-27 09:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.FireDue(fireEnv(t, p, examPaper, at("2026-11-27 09:00"))); err != nil {
		t.Fatal(err)
	}
	b.TakeEvents()
	b.TakeMessages()
	if err := b.CancelAndNotify(fireEnv(t, p, examPaper, at("2026-11-28 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	evs := b.TakeEvents()
	if !b.Status().HandOver && len(b.TakeMessages()) == 0 {
		t.Fatalf("the patient handed a summons for 10 Dec is told nothing of its cancellation: %+v, %v", b.Status(), eventTypes(evs))
	}
}

// The summons handed over, the patient's record changes (a 1177 account
// opened): the re-check raises the hand-over again for a summons the
// patient already has (before the change, sentAt stayed zero and
// PatientChanged ignored it).
func TestImplicit_AHandedOverSummonsIsNotHandedOverAgainByARecheck(t *testing.T) {
	prev := newTestPatient(t, "", withProtected(), withoutAccount())
	b := booked(t, prev, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	if err := b.ResolveHandOver(at("2026-11-26 09:00"), "anna", "enligt rutin"); err != nil {
		t.Fatal(err)
	}
	b.TakeEvents()
	cur := newTestPatient(t, "", withProtected())
	b.PatientChanged(prev, cur, at("2026-11-27 09:00"), "import")
	if err := b.FireDue(fireEnv(t, cur, examPaper, at("2026-11-27 09:00"))); err != nil {
		t.Fatal(err)
	}
	if evs := b.TakeEvents(); hasEvent(b, evs, EventHandOverRaised) || b.Status().HandOver {
		t.Fatalf("a handed-over summons is handed over again after a re-check: %v", eventTypes(evs))
	}
}
