package domain

import (
	"strings"
	"testing"
)

// A summons no letter could carry in time (paper only, booked late) is
// given by phone: after the call the booking is summoned, and when the time
// is then cancelled staff phone again. So does a patient who was told by
// letter when the cancellation notice would arrive too late, unless the
// SMS or the digital notice they read tells them.
func TestImplicit_APhonedSummonsIsASummonsAndItsCancellationIsPhoned(t *testing.T) {
	p := newTestPatient(t, "", withoutSMS())
	b := booked(t, p, examPaper, at("2026-11-25 10:00"), at("2026-11-26 09:00"))
	if !b.Status().PhoneTask || b.State() != StateBooked {
		t.Fatalf("late paper-only booking: %s %+v", b.State(), b.Status())
	}
	b.TakeEvents()
	if err := b.ResolvePhoneTask(at("2026-11-25 11:00"), "anna", "kommer"); err != nil {
		t.Fatal(err)
	}
	st := b.Status()
	if b.State() != StateSummonsSent || !st.Phoned || !st.SentAt.Equal(at("2026-11-25 11:00")) || st.PhoneTask {
		t.Fatalf("after the call: %s %+v", b.State(), st)
	}
	if evs := b.TakeEvents(); len(evs) != 1 || evs[0].Type != EventPhoneTaskDone || evs[0].Note != NotePhonedSummons+NoteJoin+"kommer" {
		t.Fatalf("events %+v", evs)
	}
	r, err := RehydrateBooking(b.Snapshot())
	if err != nil || !r.Status().Phoned {
		t.Fatalf("phoned does not survive the store: %v", err)
	}
	if err := r.CancelAndNotify(fireEnv(t, p, examPaper, at("2026-11-25 12:00")), ""); err != nil {
		t.Fatal(err)
	}
	if !r.Status().PhoneTask || !r.PhoneOfCancellation() {
		t.Fatalf("a phoned time cancelled: no call to tell it: %+v", r.Status())
	}
	raised := r.TakeEvents()
	if last := raised[len(raised)-1]; last.Type != EventPhoneTaskRaised || last.Note != NoteCancelNotice+NoteJoin+NotePhonedSummons {
		t.Fatalf("last event %+v", last)
	}
	if err := r.ResolvePhoneTask(at("2026-11-25 13:00"), "anna", ""); err != nil || r.State() != StateCancelled {
		t.Fatalf("the cancellation phoned: %v %s", err, r.State())
	}
	if evs := r.TakeEvents(); len(evs) != 1 || evs[0].Note != NoteCancelNotice {
		t.Fatalf("events %+v", evs)
	}

	// Phoned, then moved, and cancelled before the new time's summons went:
	// the time the call gave is the one to call about.
	m := booked(t, p, examPaper, at("2026-11-25 10:00"), at("2026-11-26 09:00"))
	if err := m.ResolvePhoneTask(at("2026-11-25 11:00"), "anna", ""); err != nil {
		t.Fatal(err)
	}
	if err := m.Rebook(at("2026-11-26 14:00"), at("2026-11-25 11:30"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if m.Status().Phoned {
		t.Fatal("the new time was not phoned")
	}
	if err := m.CancelAndNotify(fireEnv(t, p, examPaper, at("2026-11-25 11:40")), ""); err != nil {
		t.Fatal(err)
	}
	if !m.PhoneOfCancellation() {
		t.Fatalf("moved after a call, then cancelled: %+v", m.Status())
	}

	// A phone call about a summons that went (unopened, no letter in time)
	// is recorded, and changes nothing else.
	d := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-11-27 09:00"))
	d.FireDue(fireEnv(t, p, examDigital, at("2026-11-26 09:30")))
	sent := d.Status().SentAt
	if err := d.ResolvePhoneTask(at("2026-11-26 10:00"), "anna", ""); err != nil || d.Status().Phoned || !d.Status().SentAt.Equal(sent) {
		t.Fatalf("a call about a digital summons: %v %+v", err, d.Status())
	}

	// Told by letter; the cancellation two days before the visit arrives
	// too late by post: a call, unless an SMS tells them.
	letter := booked(t, p, examPaper, at("2026-11-20 10:00"), at("2026-11-30 09:00"))
	if err := letter.LetterPrinted(messagesOf(letter)[PurposeSummons][0].ID, at("2026-11-20 13:00"), "anna"); err != nil {
		t.Fatal(err)
	}
	if err := letter.CancelAndNotify(fireEnv(t, p, examPaper, at("2026-11-27 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	if !letter.PhoneOfCancellation() || len(messagesOf(letter)[PurposeCancellation]) != 0 {
		t.Fatalf("a cancellation no letter reaches in time: %+v", letter.Status())
	}
	if evs := letter.TakeEvents(); !strings.HasSuffix(evs[len(evs)-1].Note, NoteLetterLate) {
		t.Fatalf("why: %+v", evs[len(evs)-1])
	}
	sms := newTestPatient(t, "") // with SMS reminders
	withSMSNotice := booked(t, sms, examPaper, at("2026-11-20 10:00"), at("2026-11-30 09:00"))
	if err := withSMSNotice.LetterPrinted(messagesOf(withSMSNotice)[PurposeSummons][0].ID, at("2026-11-20 13:00"), "anna"); err != nil {
		t.Fatal(err)
	}
	if err := withSMSNotice.CancelAndNotify(fireEnv(t, sms, examPaper, at("2026-11-27 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	if withSMSNotice.Status().PhoneTask || len(messagesOf(withSMSNotice)[PurposeCancellation]) != 1 {
		t.Fatalf("the SMS tells them: %+v", withSMSNotice.Status())
	}
}
