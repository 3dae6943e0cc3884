package domain

import (
	"errors"
	"testing"
)

// A moved or cancelled visit makes its letters untrue. One still in the
// print queue is withdrawn (an outbox message and an event) and never
// posted; one already printed is put before staff, who may already have
// put it in the post.
func TestImplicit_ALetterNamingAVoidTimeIsNeverPosted(t *testing.T) {
	paper := newTestPatient(t, "", withoutAccount())
	b := booked(t, paper, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	first := messagesOf(b)[PurposeSummons]
	if len(first) != 1 || first[0].Kind != MessageLetter {
		t.Fatalf("summons %+v", first)
	}
	if ls := b.Letters(); len(ls) != 1 || ls[0].ID != first[0].ID || ls[0].State != LetterQueued || ls[0].Day != "2026-11-25" {
		t.Fatalf("letters %+v", ls)
	}
	b.TakeEvents()

	// Moved before the letter was printed: withdrawn, and the new summons
	// is a new letter.
	if err := b.Rebook(at("2026-12-14 09:30"), at("2026-11-25 11:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	w := messagesOf(b)[PurposeWithdraw]
	if len(w) != 1 || w[0].Withdraws != first[0].ID || w[0].LetterDay != "2026-11-25" || w[0].SubjectOfCareID != "" {
		t.Fatalf("withdrawal %+v", w)
	}
	evs := b.TakeEvents()
	if !hasEvent(b, evs, EventLetterWithdrawn) {
		t.Fatalf("events %v", eventTypes(evs))
	}
	if err := b.FireDue(fireEnv(t, paper, examPaper, at("2026-11-25 11:00"))); err != nil {
		t.Fatal(err)
	}
	second := messagesOf(b)[PurposeSummons]
	if len(second) != 1 || !second[0].Summons.VisitAt.Equal(at("2026-12-14 09:30")) {
		t.Fatalf("new summons %+v", second)
	}
	ls := b.Letters()
	if len(ls) != 2 || ls[0].State != LetterWithdrawn || ls[1].State != LetterQueued {
		t.Fatalf("letters %+v", ls)
	}

	// Printed today, then moved: nothing to withdraw, and the letter may
	// still be in the building — staff are told.
	if err := b.LetterPrinted(second[0].ID, at("2026-11-25 13:30"), "anna"); err != nil {
		t.Fatal(err)
	}
	b.TakeEvents()
	if b.OutdatedLetter() {
		t.Fatal("a true printed letter is not out of date")
	}
	if err := b.Rebook(at("2026-12-15 09:30"), at("2026-11-25 15:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if w := messagesOf(b)[PurposeWithdraw]; len(w) != 0 {
		t.Fatalf("a printed letter cannot be withdrawn from the queue: %+v", w)
	}
	evs = b.TakeEvents()
	if !b.OutdatedLetter() || !hasEvent(b, evs, EventLetterOutdated) {
		t.Fatalf("outdated %v, events %v", b.OutdatedLetter(), eventTypes(evs))
	}
	if err := b.OutdatedLetterHandled(at("2026-11-25 15:10"), "anna", "tog ur postkorgen"); err != nil {
		t.Fatal(err)
	}
	if b.OutdatedLetter() {
		t.Fatal("handled, yet still out of date")
	}
	if err := b.OutdatedLetterHandled(at("2026-11-25 15:11"), "anna", ""); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("handling twice: %v", err)
	}
	// Printed on an earlier day, the letter is in the post: the new summons
	// tells the patient, and staff get no task.
	if err := b.FireDue(fireEnv(t, paper, examPaper, at("2026-11-25 15:15"))); err != nil {
		t.Fatal(err)
	}
	third := messagesOf(b)[PurposeSummons]
	if err := b.LetterPrinted(third[0].ID, at("2026-11-25 15:30"), "anna"); err != nil {
		t.Fatal(err)
	}
	if err := b.Rebook(at("2026-12-16 09:30"), at("2026-11-27 09:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if b.OutdatedLetter() || len(messagesOf(b)[PurposeWithdraw]) != 0 {
		t.Fatal("a letter in the post is not a task")
	}

	// A batch written before the withdrawal reached the print folder: the
	// letter was printed after all, and staff are told.
	c := booked(t, paper, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	letter := messagesOf(c)[PurposeSummons][0]
	if err := c.CancelAndNotify(fireEnv(t, paper, examPaper, at("2026-11-26 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	// Nothing had reached the patient (the letter was never printed): no
	// notice either.
	ms := messagesOf(c)
	if len(ms[PurposeWithdraw]) != 1 || len(ms[PurposeCancellation]) != 0 {
		t.Fatalf("cancel %+v", ms)
	}
	c.TakeEvents()
	if err := c.LetterPrinted(letter.ID, at("2026-11-26 09:05"), "anna"); err != nil {
		t.Fatal(err)
	}
	if !c.OutdatedLetter() {
		t.Fatal("a withdrawn letter printed anyway must reach staff")
	}
	if rc, err := RehydrateBooking(c.Snapshot()); err != nil || !rc.OutdatedLetter() {
		t.Fatalf("the task must survive the store: %v", err)
	}
	// The cancellation letter itself is true and prints without a task.
	c2 := booked(t, paper, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	if err := c2.LetterPrinted(messagesOf(c2)[PurposeSummons][0].ID, at("2026-11-25 13:59"), "anna"); err != nil {
		t.Fatal(err)
	}
	if err := c2.CancelAndNotify(fireEnv(t, paper, examPaper, at("2026-11-26 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	notice := messagesOf(c2)[PurposeCancellation][0]
	if err := c2.LetterPrinted(notice.ID, at("2026-11-26 10:00"), "anna"); err != nil || c2.OutdatedLetter() {
		t.Fatalf("notice printed: %v, outdated %v", err, c2.OutdatedLetter())
	}
	if err := c2.LetterPrinted("nope", at("2026-11-26 10:00"), "anna"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown letter: %v", err)
	}
	// Survives the store.
	r, err := RehydrateBooking(b.Snapshot())
	if err != nil || len(r.Letters()) != 3 || r.Letters()[0].State != LetterWithdrawn || r.Letters()[1].State != LetterPrinted ||
		!r.Letters()[1].VisitAt.Equal(at("2026-12-14 09:30")) || !r.Letters()[2].PrintedAt.Equal(at("2026-11-25 15:30")) {
		t.Fatalf("rehydrated %+v, %v", r.Letters(), err)
	}
}

// A letter held in the queue until it can no longer arrive before the visit
// is withdrawn, and staff phone instead — unless the patient already opened
// the summons, or the letter was a cancellation notice.
func TestImplicit_ALetterThatWouldArriveTooLateIsNeverPrinted(t *testing.T) {
	paper := newTestPatient(t, "", withoutAccount())
	b := booked(t, paper, examPaper, at("2026-11-25 10:00"), at("2026-12-02 09:30"))
	letter := messagesOf(b)[PurposeSummons][0]
	b.TakeEvents()
	if err := b.LetterTooLate(letter.ID, FireEnv{Now: at("2026-11-30 15:00"), Actor: "anna"}); err != nil {
		t.Fatal(err)
	}
	w := messagesOf(b)[PurposeWithdraw]
	evs := b.TakeEvents()
	if len(w) != 1 || w[0].Withdraws != letter.ID || !b.Status().PhoneTask || !hasEvent(b, evs, EventLetterWithdrawn) ||
		!hasEvent(b, evs, EventPhoneTaskRaised) {
		t.Fatalf("withdrawal %+v, events %v", w, eventTypes(evs))
	}
	// Twice: nothing more.
	if err := b.LetterTooLate(letter.ID, FireEnv{Now: at("2026-11-30 15:01"), Actor: "anna"}); err != nil || len(b.TakeMessages()) != 0 {
		t.Fatalf("again: %v", err)
	}
	// Opened digitally: withdrawn, no task.
	d := newTestPatient(t, "", withNotificationsOff())
	o := booked(t, d, examDigital, at("2026-11-25 10:00"), at("2026-12-02 09:30"))
	ms := messagesOf(o)
	if err := o.ApplyReceipt(receiptFor(o, ReceiptOpened, "2026-11-26 12:00"), fireEnv(t, d, examDigital, at("2026-11-26 12:00"))); err != nil {
		t.Fatal(err)
	}
	if err := o.LetterTooLate(ms[PurposeSummons][1].ID, FireEnv{Now: at("2026-11-30 15:00"), Actor: "anna"}); err != nil || o.Status().PhoneTask {
		t.Fatalf("opened: %v, phone task %v", err, o.Status().PhoneTask)
	}
}

// A letter by hand that would arrive on or after the visit day is refused:
// staff phone instead.
func TestR4_ALetterByHandThatCannotArriveInTimeIsRefused(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-11-27 09:30"))
	b.TakeMessages()
	if err := b.SendPaperByHand(fireEnv(t, p, examDigital, at("2026-11-25 11:00")), false); !errors.Is(err, ErrLetterTooLate) {
		t.Fatalf("err = %v", err)
	}
	if ms := b.TakeMessages(); len(ms) != 0 {
		t.Fatalf("messages %+v", ms)
	}
}
