package domain

import (
	"slices"
	"testing"
	"time"
)

func timerKindsOf(b *Booking) []TimerKind {
	var out []TimerKind
	for _, t := range b.Timers() {
		out = append(out, t.Kind)
	}
	return out
}

// A change of the patient's account, notification setting or address after
// the summons went is re-checked: where the decision would now add paper
// the letter goes (if in time) and the event says why; a letter still in
// the queue to an envelope that may be wrong is withdrawn and posted again.
func TestImplicit_APatientChangeAfterTheSummonsIsReChecked(t *testing.T) {
	digital := newTestPatient(t, "")
	closed := newTestPatient(t, "", withoutAccount())

	// Before the summons the summons itself decides: nothing to re-check.
	fresh, err := NewBooking(BookingRequest{ID: 1, Patient: digital, Exam: examDigital, Site: siteRyhov,
		VisitAt: at("2026-12-10 09:30"), Now: at("2026-11-25 08:00"), Actor: "anna", Policy: pilot})
	if err != nil {
		t.Fatal(err)
	}
	if fresh.PatientChanged(digital, closed, at("2026-11-25 08:01"), "anna") {
		t.Fatal("re-check before the summons went")
	}

	// Digital only, then the account closes: the letter goes, saying why.
	b := booked(t, digital, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	b.TakeMessages()
	b.TakeEvents()
	renamed := newTestPatient(t, "", func(in *PatientInput) { in.Name, in.Phone = "Test Nyman", "0709999999" })
	if b.PatientChanged(digital, renamed, at("2026-11-26 09:00"), "anna") {
		t.Fatal("a new name or phone does not change how the summons reaches the patient")
	}
	if !b.PatientChanged(digital, closed, at("2026-11-26 09:00"), "anna") {
		t.Fatal("account closed: no re-check")
	}
	evs := b.TakeEvents()
	if len(evs) != 1 || evs[0].Type != EventPatientChanged || !contains(evs[0].Note, "1177 account closed") {
		t.Fatalf("events %+v", evs)
	}
	if err := b.FireDue(fireEnv(t, closed, examDigital, at("2026-11-26 09:00"))); err != nil {
		t.Fatal(err)
	}
	ms := messagesOf(b)[PurposeSummons]
	if len(ms) != 1 || ms[0].Kind != MessageLetter || !slices.Contains(ms[0].Reasons, ReasonNo1177Account) {
		t.Fatalf("letter %+v", ms)
	}
	evs = b.TakeEvents()
	if len(evs) != 1 || evs[0].Type != EventSummonsSent || !contains(evs[0].Note, "patient's record changed") {
		t.Fatalf("events %+v", evs)
	}
	if !b.Decision().Paper || !b.Decision().Digital || slices.Contains(timerKindsOf(b), TimerFallback) {
		t.Fatalf("decision %+v, timers %v", b.Decision(), timerKindsOf(b))
	}
	// Changing again while the letter is on its way adds nothing.
	b.PatientChanged(closed, newTestPatient(t, "", withNotificationsOff()), at("2026-11-26 10:00"), "anna")
	if err := b.FireDue(fireEnv(t, newTestPatient(t, "", withNotificationsOff()), examDigital, at("2026-11-26 10:00"))); err != nil {
		t.Fatal(err)
	}
	if ms := b.TakeMessages(); len(ms) != 0 {
		t.Fatalf("a second letter %+v", ms)
	}

	// Too late for a letter: staff phone.
	late := booked(t, digital, examDigital, at("2026-11-25 10:00"), at("2026-11-27 09:30"))
	late.TakeMessages()
	late.PatientChanged(digital, closed, at("2026-11-26 09:00"), "anna")
	if err := late.FireDue(fireEnv(t, closed, examDigital, at("2026-11-26 09:00"))); err != nil {
		t.Fatal(err)
	}
	if ms := late.TakeMessages(); len(ms) != 0 || !late.Status().PhoneTask {
		t.Fatalf("messages %+v, phone task %v", ms, late.Status().PhoneTask)
	}

	// Opened: the patient is reached; nothing more goes.
	opened := booked(t, digital, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	opened.TakeMessages()
	if err := opened.ApplyReceipt(receiptFor(opened, ReceiptOpened, "2026-11-25 12:00"), fireEnv(t, digital, examDigital, at("2026-11-25 12:00"))); err != nil {
		t.Fatal(err)
	}
	opened.PatientChanged(digital, closed, at("2026-11-26 09:00"), "anna")
	if err := opened.FireDue(fireEnv(t, closed, examDigital, at("2026-11-26 09:00"))); err != nil {
		t.Fatal(err)
	}
	if ms := opened.TakeMessages(); len(ms) != 0 {
		t.Fatalf("opened, yet %+v", ms)
	}

	// A letter in the queue, then a new address: withdrawn and posted again.
	paper := newTestPatient(t, "", withoutAccount())
	moved := newTestPatient(t, "", withoutAccount(), func(in *PatientInput) {
		in.Address = Address{Street: "Nygatan 9", PostalCode: "55320", City: "Jönköping"}
	})
	pb := booked(t, paper, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	first := messagesOf(pb)[PurposeSummons][0]
	pb.TakeEvents()
	if !pb.PatientChanged(paper, moved, at("2026-11-25 11:00"), "anna") {
		t.Fatal("address changed: no re-check")
	}
	if err := pb.FireDue(fireEnv(t, moved, examPaper, at("2026-11-25 11:00"))); err != nil {
		t.Fatal(err)
	}
	got := messagesOf(pb)
	if w := got[PurposeWithdraw]; len(w) != 1 || w[0].Withdraws != first.ID {
		t.Fatalf("withdrawal %+v", got)
	}
	if s := got[PurposeSummons]; len(s) != 1 || s[0].Summons.Address.Street != "Nygatan 9" {
		t.Fatalf("new letter %+v", got)
	}

	// A letter in the queue, then protected data: withdrawn, handed over.
	secret := newTestPatient(t, "", withoutAccount(), withProtected())
	sb := booked(t, paper, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	sb.TakeMessages()
	sb.PatientChanged(paper, secret, at("2026-11-25 11:00"), "anna")
	if err := sb.FireDue(fireEnv(t, secret, examPaper, at("2026-11-25 11:00"))); err != nil {
		t.Fatal(err)
	}
	got = messagesOf(sb)
	if len(got[PurposeWithdraw]) != 1 || len(got[PurposeSummons]) != 0 || !sb.Status().HandOver {
		t.Fatalf("protected: %+v, hand over %v", got, sb.Status().HandOver)
	}
	if r, err := RehydrateBooking(sb.Snapshot()); err != nil || !r.Status().HandOver || r.Letters()[0].State != LetterWithdrawn {
		t.Fatalf("rehydrated: %v", err)
	}
}

// A patient who now needs an interpreter, after a digital-only summons went,
// gets the paper the decision would now add (R3), saying why.
func TestImplicit_AnInterpreterNeededAfterTheSummonsAddsPaper(t *testing.T) {
	digital := newTestPatient(t, "")
	tolk := newTestPatient(t, "", func(in *PatientInput) { in.Interpreter = "tigrinja" })
	b := booked(t, digital, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	b.TakeMessages()
	b.TakeEvents()
	if !b.PatientChanged(digital, tolk, at("2026-11-26 09:00"), "anna") {
		t.Fatal("interpreter needed: no re-check")
	}
	if evs := b.TakeEvents(); len(evs) != 1 || !contains(evs[0].Note, NoteInterpreterOn) {
		t.Fatalf("events %+v", evs)
	}
	if err := b.FireDue(fireEnv(t, tolk, examDigital, at("2026-11-26 09:00"))); err != nil {
		t.Fatal(err)
	}
	ms := messagesOf(b)[PurposeSummons]
	if len(ms) != 1 || ms[0].Kind != MessageLetter || !slices.Contains(ms[0].Reasons, ReasonInterpreter) {
		t.Fatalf("letter %+v", ms)
	}
}

// A second change of the patient before the re-check fired does not put it
// off: the re-check keeps its instant and decides on the latest record, so
// the print batch, which found it due before the second change landed,
// still finds it due and never prints the letter to the old envelope.
func TestImplicit_APendingReCheckKeepsItsInstant(t *testing.T) {
	paper := newTestPatient(t, "", withoutAccount())
	moved := newTestPatient(t, "", withoutAccount(), func(in *PatientInput) {
		in.Address = Address{Street: "Nygatan 9", PostalCode: "55320", City: "Jönköping"}
	})
	secret := newTestPatient(t, "", withoutAccount(), withProtected(), func(in *PatientInput) {
		in.Address = Address{Street: "Nygatan 9", PostalCode: "55320", City: "Jönköping"}
	})
	b := booked(t, paper, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	b.TakeMessages()
	b.PatientChanged(paper, moved, at("2026-11-25 11:00"), "import")
	if !b.PatientChanged(moved, secret, at("2026-11-25 11:00").Add(time.Second), "import") {
		t.Fatal("protected data: not recorded")
	}
	var due []string
	for _, tm := range b.Timers() {
		if tm.Kind == TimerRecheck {
			due = append(due, tm.Due.Format("15:04:05"))
		}
	}
	if len(due) != 1 || due[0] != "11:00:00" {
		t.Fatalf("re-checks due at %v, want one at 11:00:00", due)
	}
	// Fired at the instant it was found due, it decides on the latest record.
	if err := b.FireDue(fireEnv(t, secret, examPaper, at("2026-11-25 11:00"))); err != nil {
		t.Fatal(err)
	}
	got := messagesOf(b)
	if len(got[PurposeWithdraw]) != 1 || len(got[PurposeSummons]) != 0 || !b.Status().HandOver {
		t.Fatalf("after the re-check: %+v, hand over %v", got, b.Status().HandOver)
	}
}
