package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func withoutAddress() patientOpt { return func(in *PatientInput) { in.Address = Address{} } }
func withProtected() patientOpt  { return func(in *PatientInput) { in.Protected = true } }
func withPaperDeclined() patientOpt {
	return func(in *PatientInput) { in.PaperDeclined = true }
}
func withGuardians(gs ...Guardian) patientOpt {
	return func(in *PatientInput) { in.Guardians = gs }
}

var (
	eva  = Guardian{Name: "Eva Ek", Address: Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}, Phone: "0701112233"}
	olof = Guardian{Name: "Olof Ek", Address: Address{Street: "Lillgatan 2", PostalCode: "55320", City: "Jönköping"}, Phone: "0704445566"}
)

func hasEvent(b *Booking, evs []Event, t EventType) bool {
	return slices.ContainsFunc(evs, func(e Event) bool { return e.Type == t })
}

func TestImplicit_ALetterThatCannotBePostedIsNeverSent(t *testing.T) {
	p := newTestPatient(t, "", withoutAddress())
	// A paper-only examination: no letter, a phone task at once.
	b := booked(t, p, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	evs := b.TakeEvents()
	if ms := messagesOf(b); len(ms) != 0 {
		t.Fatalf("messages %v", ms)
	}
	if hasEvent(b, evs, EventSummonsSent) || !hasEvent(b, evs, EventLetterNotPosted) || !b.Status().PhoneTask {
		t.Fatalf("events %v, phone task %v", eventTypes(evs), b.Status().PhoneTask)
	}
	// A digital examination with a complement letter: the digital summons
	// goes, the letter does not, and R4 follows it up — with a phone call.
	p2 := newTestPatient(t, "", withoutAddress(), withNotificationsOff())
	b2 := booked(t, p2, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	evs = b2.TakeEvents()
	ms := messagesOf(b2)
	if len(ms[PurposeSummons]) != 1 || ms[PurposeSummons][0].Kind != MessageInbox || !hasEvent(b2, evs, EventLetterNotPosted) {
		t.Fatalf("messages %v, events %v", ms, eventTypes(evs))
	}
	if _, ok := timerKinds(b2)[TimerFallback]; !ok || b2.Status().PhoneTask {
		t.Fatalf("timers %v, phone task %v", timerKinds(b2), b2.Status().PhoneTask)
	}
	if err := b2.FireDue(fireEnv(t, p2, examDigital, at("2026-11-28 10:00"))); err != nil {
		t.Fatal(err)
	}
	if ms := messagesOf(b2); len(ms) != 0 || !b2.Status().PhoneTask || b2.Status().FallbackSent {
		t.Fatalf("after R4: messages %v, status %+v", ms, b2.Status())
	}
	// By hand: refused, saying why.
	err := b2.SendPaperByHand(fireEnv(t, p2, examDigital, at("2026-11-29 10:00")), false)
	if !errors.Is(err, ErrLetterNotPostable) || !contains(err.Error(), "no postal address") {
		t.Fatalf("by hand: %v", err)
	}
}

func TestImplicit_ProtectedPersonalDataIsHandedOverNeverPosted(t *testing.T) {
	// A child with protected personal data: the digital summons is
	// preferred; no letter, no address anywhere in the summons.
	child := newTestPatient(t, validPnr(2015, 3, 3, 222), withProtected())
	b := booked(t, child, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	ms := messagesOf(b)
	if len(ms[PurposeSummons]) != 1 || ms[PurposeSummons][0].Kind != MessageInbox || !ms[PurposeSummons][0].Summons.Address.IsZero() {
		t.Fatalf("messages %+v", ms)
	}
	if b.Status().HandOver {
		t.Fatal("hand-over raised while the digital summons may be read")
	}
	// The letter not posted says that there is nothing to do yet.
	if evs := b.TakeEvents(); !slices.ContainsFunc(evs, func(e Event) bool {
		return e.Type == EventLetterNotPosted && strings.HasSuffix(e.Note, NoteJoin+NoteTaskIfUnopened)
	}) {
		t.Fatalf("the letter not posted does not say the task waits: %+v", evs)
	}
	// Unopened after three days: handed over by the unit's routine.
	if err := b.FireDue(fireEnv(t, child, examDigital, at("2026-11-28 10:00"))); err != nil {
		t.Fatal(err)
	}
	evs := b.TakeEvents()
	if !b.Status().HandOver || !hasEvent(b, evs, EventHandOverRaised) || len(messagesOf(b)) != 0 {
		t.Fatalf("after R4: %+v, events %v", b.Status(), eventTypes(evs))
	}
	// Opening the summons makes the hand-over unnecessary.
	r := Receipt{MessageID: b.Status().MessageID, Type: ReceiptOpened, At: at("2026-11-28 12:00")}
	if err := b.ApplyReceipt(r, fireEnv(t, child, examDigital, at("2026-11-28 12:00"))); err != nil || b.Status().HandOver {
		t.Fatalf("opened: %v, %+v", err, b.Status())
	}
	// A paper-only examination: handed over at once; closed by staff.
	adult := newTestPatient(t, "", withProtected())
	b2 := booked(t, adult, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	if !b2.Status().HandOver || len(messagesOf(b2)) != 0 {
		t.Fatalf("paper-only: %+v", b2.Status())
	}
	if b2.HandOverOfCancellation() {
		t.Fatal("the summons' hand-over reads as a cancellation's")
	}
	if err := b2.ResolveHandOver(at("2026-11-26 09:00"), "anna", "enligt rutin"); err != nil || b2.Status().HandOver {
		t.Fatalf("resolve: %v", err)
	}
	if err := b2.ResolveHandOver(at("2026-11-26 09:00"), "anna", ""); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("twice: %v", err)
	}
	// Handed over, the patient has the summons: the booking is summoned,
	// and a cancellation is handed over too.
	if st := b2.Status(); !st.HandedOver || !st.SentAt.Equal(at("2026-11-26 09:00")) || b2.State() != StateSummonsSent {
		t.Fatalf("after the hand-over: %s, %+v", b2.State(), st)
	}
	b2.TakeEvents()
	if err := b2.CancelAndNotify(fireEnv(t, adult, examPaper, at("2026-11-30 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	if evs := b2.TakeEvents(); !b2.Status().HandOver || !b2.HandOverOfCancellation() || !hasEvent(b2, evs, EventHandOverRaised) || b2.State() != StateCancelled {
		t.Fatalf("cancelled after the hand-over: %s, %+v, %v", b2.State(), b2.Status(), eventTypes(evs))
	}
}

func TestImplicit_PaperDeclinedMeansNoFallbackLetterButAPhoneTask(t *testing.T) {
	p := newTestPatient(t, "", withPaperDeclined())
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	b.TakeMessages()
	if err := b.FireDue(fireEnv(t, p, examDigital, at("2026-11-28 10:00"))); err != nil {
		t.Fatal(err)
	}
	evs := b.TakeEvents()
	if len(messagesOf(b)) != 0 || !b.Status().PhoneTask || !hasEvent(b, evs, EventLetterNotPosted) {
		t.Fatalf("status %+v, events %v", b.Status(), eventTypes(evs))
	}
}

func TestImplicit_ChildrensLettersGoToTheGuardians(t *testing.T) {
	ref := at("2026-11-25 10:00")
	route := func(opts ...patientOpt) LetterRoute {
		return RouteLetter(newTestPatient(t, validPnr(2021, 6, 1, 333), opts...), ref, PolicyOptions{})
	}
	// Two guardians at two addresses: two envelopes.
	r := route(withGuardians(eva, olof))
	if len(r.To) != 2 || r.To[0].Name != "Eva Ek" || r.To[1].Address != olof.Address || r.To[0].For != "Test Testsson" {
		t.Fatalf("two addresses: %+v", r)
	}
	// Sharing one: one envelope, both names.
	same := olof
	same.Address = eva.Address
	if r := route(withGuardians(eva, same)); len(r.To) != 1 || r.To[0].Name != "Eva Ek och Olof Ek" {
		t.Fatalf("one address: %+v", r)
	}
	// No guardian recorded: to the guardians at the child's address.
	if r := route(); len(r.To) != 1 || r.To[0].Name != "Vårdnadshavare för Test Testsson" {
		t.Fatalf("no guardian: %+v", r)
	}
	// Neither: nowhere.
	if r := route(withoutAddress()); r.Blocked != ReasonNoAddress {
		t.Fatalf("no address: %+v", r)
	}
	// An adult: their own address; the age is configurable.
	if r := RouteLetter(newTestPatient(t, "", withGuardians(eva)), ref, PolicyOptions{}); r.To[0].Name != "Test Testsson" {
		t.Fatalf("adult: %+v", r)
	}
	teen := newTestPatient(t, validPnr(2010, 1, 1, 444), withGuardians(eva))
	if r := RouteLetter(teen, ref, PolicyOptions{GuardianLettersBelow: 16}); r.To[0].Name != "Test Testsson" {
		t.Fatalf("16-year-old, guardians below 16: %+v", r)
	}
	// The letter itself says whom it is for.
	child := newTestPatient(t, validPnr(2021, 6, 1, 333), withGuardians(eva, olof))
	b := booked(t, child, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	ms := messagesOf(b)[PurposeSummons]
	if len(ms) != 2 || ms[0].Summons.Recipient != "Eva Ek" || ms[1].Summons.Address != olof.Address || ms[0].Summons.RecipientFor != "Test Testsson" {
		t.Fatalf("letters %+v", ms)
	}
}

func TestR5_AChildsRemindersGoToAGuardiansPhone(t *testing.T) {
	ref := at("2026-11-25 10:00")
	child := newTestPatient(t, validPnr(2021, 6, 1, 333), withGuardians(eva, olof))
	if n, ok := SMSNumber(child, ref, PolicyOptions{}); !ok || n != "+46701112233" {
		t.Fatalf("child: %q %v", n, ok)
	}
	if n, ok := SMSNumber(newTestPatient(t, ""), ref, PolicyOptions{}); !ok || n != "+46701234567" {
		t.Fatalf("adult: %q %v", n, ok)
	}
	noConsent := newTestPatient(t, validPnr(2021, 6, 1, 333), withGuardians(eva), func(in *PatientInput) { in.SMSReminders = false })
	if _, ok := SMSNumber(noConsent, ref, PolicyOptions{}); ok {
		t.Fatal("no consent, yet an SMS")
	}
	b := booked(t, child, examDigital, ref, at("2026-12-10 09:30"))
	b.TakeMessages()
	if err := b.FireDue(fireEnv(t, child, examDigital, at("2026-12-06 17:00"))); err != nil {
		t.Fatal(err)
	}
	sms := messagesOf(b)[PurposeReminder4d]
	if len(sms) != 1 || sms[0].To != "+46701112233" {
		t.Fatalf("reminder %+v", sms)
	}
	// The guardian reads of the child's time, not of one of their own.
	if !strings.HasPrefix(sms[0].Text, "Påminnelse: Ditt barn har en tid hos ") {
		t.Errorf("the guardian's reminder: %q", sms[0].Text)
	}
	if err := b.CancelAndNotify(fireEnv(t, child, examDigital, at("2026-12-07 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	if n := messagesOf(b)[PurposeCancellation]; len(n) == 0 || !slices.ContainsFunc(n, func(m Message) bool {
		return m.Kind == MessageSMS && strings.HasPrefix(m.Text, "Ditt barns tid hos ")
	}) {
		t.Errorf("the guardian's cancellation SMS: %+v", n)
	}
}

func receiptFor(b *Booking, typ ReceiptType, when string) Receipt {
	return Receipt{MessageID: b.Status().MessageID, Type: typ, At: at(when)}
}

func TestImplicit_APatientsRequestStopsTheRemindersUntilStaffAnswer(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	b.TakeMessages()
	if err := b.ApplyReceipt(receiptFor(b, ReceiptCancelRequested, "2026-12-01 08:00"), fireEnv(t, p, examDigital, at("2026-12-01 08:05"))); err != nil {
		t.Fatal(err)
	}
	// The 4-day reminder is due while the request waits: not sent.
	if err := b.FireDue(fireEnv(t, p, examDigital, at("2026-12-06 17:00"))); err != nil {
		t.Fatal(err)
	}
	evs := b.TakeEvents()
	if ms := messagesOf(b); len(ms) != 0 {
		t.Fatalf("a reminder to someone who asked to cancel: %+v", ms)
	}
	if !slices.ContainsFunc(evs, func(e Event) bool { return e.Type == EventTimerSkipped && e.Note == SkipRequestPending }) {
		t.Fatalf("events %v", eventTypes(evs))
	}
	// Staff phone; the patient keeps the time: the 1-day reminder goes.
	if err := b.KeepTime(at("2026-12-07 09:00"), "anna", "ringde, behåller tiden"); err != nil || b.State() != StateOpened {
		t.Fatalf("keep: %v, %s", err, b.State())
	}
	if err := b.FireDue(fireEnv(t, p, examDigital, at("2026-12-09 17:00"))); err != nil {
		t.Fatal(err)
	}
	if sms := messagesOf(b)[PurposeReminder1d]; len(sms) != 1 {
		t.Fatalf("the 1-day reminder after the time was kept: %+v", sms)
	}
	if err := b.KeepTime(at("2026-12-09 18:00"), "anna", ""); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("keep without a request: %v", err)
	}
}

func TestImplicit_ALateRequestIsAcceptedAndMarkedLate(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	env := fireEnv(t, p, examDigital, at("2026-12-08 12:00"))
	if err := b.ApplyReceipt(receiptFor(b, ReceiptRebookRequested, "2026-12-08 12:00"), env); err != nil {
		t.Fatal(err)
	}
	evs := b.TakeEvents()
	last := evs[len(evs)-1]
	if b.State() != StateRebookRequested || !b.Status().LateRequest || !contains(last.Note, LateRequestNote) {
		t.Fatalf("state %s, late %v, note %q", b.State(), b.Status().LateRequest, last.Note)
	}
	// Answered: no longer late.
	if err := b.Rebook(at("2026-12-17 09:30"), at("2026-12-08 13:00"), "anna", nil); err != nil || b.Status().LateRequest {
		t.Fatalf("rebooked: %v, late %v", err, b.Status().LateRequest)
	}
	// In time (exactly 72 hours before): not late.
	b2 := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	if err := b2.ApplyReceipt(receiptFor(b2, ReceiptCancelRequested, "2026-12-07 09:30"), env); err != nil || b2.Status().LateRequest {
		t.Fatalf("72 h before: %v, late %v", err, b2.Status().LateRequest)
	}
}

func TestImplicit_ARequestInAnEarlierSummonsStillReachesStaff(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	old := b.Status().MessageID
	if err := b.Rebook(at("2026-12-14 09:30"), at("2026-11-26 09:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.FireDue(fireEnv(t, p, examDigital, at("2026-11-26 09:00"))); err != nil {
		t.Fatal(err)
	}
	b.TakeEvents()
	// An opening of the old summons changes nothing…
	env := fireEnv(t, p, examDigital, at("2026-11-27 08:00"))
	if err := b.ApplyReceipt(Receipt{MessageID: old, Type: ReceiptOpened, At: at("2026-11-27 08:00")}, env); err != nil || b.State() != StateSummonsSent {
		t.Fatalf("old opened: %v, %s", err, b.State())
	}
	// …but the cancel pressed in it reaches staff.
	if err := b.ApplyReceipt(Receipt{MessageID: old, Type: ReceiptCancelRequested, At: at("2026-11-27 08:01")}, env); err != nil {
		t.Fatal(err)
	}
	evs := b.TakeEvents()
	last := evs[len(evs)-1]
	if b.State() != StateCancelRequested || last.Type != EventCancelRequested || !contains(last.Note, "earlier summons") {
		t.Fatalf("state %s, last %+v", b.State(), last)
	}
}

func TestImplicit_CancellingTellsThePatientOnTheChannelsTheSummonsWentBy(t *testing.T) {
	// Digital, with SMS consent: a 1177 message and an SMS.
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	b.TakeMessages()
	b.TakeEvents()
	if err := b.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-30 09:00")), "patienten ringde"); err != nil {
		t.Fatal(err)
	}
	ms := messagesOf(b)[PurposeCancellation]
	if len(ms) != 2 || ms[0].Kind != MessageInbox || ms[1].Kind != MessageSMS {
		t.Fatalf("notices %+v", ms)
	}
	if ms[0].Summons.Notice != NoticeCancelled || !contains(ms[0].Summons.Body(), "torsdag 10 december 2026 klockan 09:30") ||
		!contains(ms[0].Summons.Body(), "gäller inte längre") {
		t.Fatalf("1177 notice:\n%s", ms[0].Summons.Body())
	}
	if contains(ms[1].Text, examDigital.Name) || !contains(ms[1].Text, "är avbokad") {
		t.Fatalf("SMS %q", ms[1].Text)
	}
	evs := b.TakeEvents()
	n := 0
	for _, e := range evs {
		if e.Type == EventCancelNoticeSent {
			n++
		}
	}
	if n != 2 || b.State() != StateCancelled {
		t.Fatalf("events %v", eventTypes(evs))
	}

	// Paper: a letter while one still arrives before the cancelled time.
	paper := newTestPatient(t, "", withoutAccount(), func(in *PatientInput) { in.SMSReminders = false })
	bp := booked(t, paper, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	if err := bp.LetterPrinted(messagesOf(bp)[PurposeSummons][0].ID, at("2026-11-25 13:59"), "anna"); err != nil {
		t.Fatal(err)
	}
	if err := bp.CancelAndNotify(fireEnv(t, paper, examPaper, at("2026-11-30 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	if ms := messagesOf(bp)[PurposeCancellation]; len(ms) != 1 || ms[0].Kind != MessageLetter || ms[0].Summons.Notice != NoticeCancelled {
		t.Fatalf("letter notice %+v", ms)
	}
	// A letter still in the print queue told the patient nothing: it is
	// withdrawn, and no notice follows it (nor an SMS).
	sms := newTestPatient(t, "", withoutAccount())
	queued := booked(t, sms, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	queued.TakeMessages()
	if err := queued.CancelAndNotify(fireEnv(t, sms, examPaper, at("2026-11-25 11:00")), ""); err != nil {
		t.Fatal(err)
	}
	if ms := messagesOf(queued); len(ms[PurposeCancellation]) != 0 || len(ms[PurposeWithdraw]) != 1 {
		t.Fatalf("told nothing, yet %+v", ms)
	}
	late := booked(t, paper, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	late.TakeMessages()
	if err := late.CancelAndNotify(fireEnv(t, paper, examPaper, at("2026-12-09 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	ms2 := messagesOf(late)
	if len(ms2[PurposeCancellation]) != 0 {
		t.Fatalf("a letter that would arrive after the cancelled time: %+v", ms2)
	}
	// The summons letter, not printed yet, is taken out of the print queue.
	if w := ms2[PurposeWithdraw]; len(w) != 1 || w[0].Withdraws != "k1-2-letter" || w[0].LetterDay != "2026-11-25" {
		t.Fatalf("withdrawal %+v", ms2)
	}

	// Nothing was sent yet: nothing to take back.
	fresh, err := NewBooking(BookingRequest{ID: 9, Patient: p, Exam: examDigital, Site: siteRyhov, VisitAt: at("2026-12-10 09:30"),
		Now: at("2026-11-25 08:00"), Actor: "anna", Policy: pilot})
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-25 08:05")), ""); err != nil || len(messagesOf(fresh)) != 0 {
		t.Fatalf("unsent summons: %v", err)
	}
	// Moved, and cancelled before the new summons went: the old time is void.
	moved := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	moved.TakeMessages()
	if err := moved.Rebook(at("2026-12-14 09:30"), at("2026-11-26 09:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if err := moved.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-26 09:01")), ""); err != nil {
		t.Fatal(err)
	}
	ms = messagesOf(moved)[PurposeCancellation]
	if len(ms) == 0 || !ms[0].Summons.VisitAt.Equal(at("2026-12-10 09:30")) {
		t.Fatalf("the notice names %v, want the time the patient knew", ms)
	}
}

// A cancellation SMS never goes in the night: one decided in the quiet
// hours waits for the morning, and is not sent at all when the morning is
// already the cancelled time.
func TestR5_ACancellationSMSNeverGoesInTheQuietHours(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	b.TakeMessages()
	if err := b.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-30 22:15")), ""); err != nil {
		t.Fatal(err)
	}
	ms := messagesOf(b)[PurposeCancellation]
	if len(ms) != 2 || ms[1].Kind != MessageSMS || !ms[1].NotBefore.Equal(at("2026-12-01 08:00")) || !ms[0].NotBefore.IsZero() {
		t.Fatalf("notices %+v", ms)
	}
	// Cancelled at night for 08:00 the next morning: no SMS at all.
	early := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-01 08:00"))
	early.TakeMessages()
	if err := early.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-30 22:15")), ""); err != nil {
		t.Fatal(err)
	}
	for _, m := range messagesOf(early)[PurposeCancellation] {
		if m.Kind == MessageSMS {
			t.Fatalf("an SMS at or after the cancelled time: %+v", m)
		}
	}
	// In the day: at once.
	day := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	day.TakeMessages()
	if err := day.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-30 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	if ms := messagesOf(day)[PurposeCancellation]; len(ms) != 2 || !ms[1].NotBefore.IsZero() {
		t.Fatalf("day notices %+v", ms)
	}
}

// Every change is told, and only what the patient had: a 1177 summons
// still waiting unsent (1177 down) when its time is moved or cancelled is
// withdrawn in that change. The new summons does not say that a time the
// patient never had no longer applies, and a cancellation sends no notice
// of it — unless a letter naming the time was printed.
func TestImplicit_ASummonsThatNeverWentIsWithdrawnNotTakenBack(t *testing.T) {
	p := newTestPatient(t, "", func(in *PatientInput) { in.SMSReminders = false })
	withdrawnBy := func(b *Booking) []Event {
		var out []Event
		for _, e := range b.TakeEvents() {
			if e.Type == EventSummonsWithdrawn {
				out = append(out, e)
			}
		}
		return out
	}

	// Moved: the summons waits; the move withdraws it, and the next
	// summons names no earlier time.
	moved := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	first := messagesOf(moved)[PurposeSummons][0].ID
	moved.TakeEvents()
	moved.SummonsWaits()
	if err := moved.Rebook(at("2026-12-14 09:30"), at("2026-11-26 09:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if w := withdrawnBy(moved); len(w) != 1 || w[0].MessageID != first || w[0].Note != NoteVisitMoved {
		t.Fatalf("withdrawn by the move: %+v", w)
	}
	if got := moved.TakeWithdrawn(); len(got) != 1 || got[0] != first {
		t.Fatalf("taken out of the outbox: %v", got)
	}
	if err := moved.FireDue(fireEnv(t, p, examDigital, at("2026-11-26 09:00"))); err != nil {
		t.Fatal(err)
	}
	sm := messagesOf(moved)[PurposeSummons]
	if len(sm) != 1 || sm[0].Summons.PreviousVisitAt != nil || contains(sm[0].Summons.Body(), "tidigare") || sm[0].Summons.Rebooked {
		t.Fatalf("the new summons:\n%+v", sm)
	}

	// Moved before the summons was even decided: the one summons says
	// nothing of a change ("Den här kallelsen ersätter den tidigare").
	early, err := NewBooking(BookingRequest{ID: 2, Patient: p, Exam: examDigital, Site: siteRyhov,
		VisitAt: at("2026-12-22 10:00"), Now: at("2026-11-25 10:00"), Actor: "anna", Policy: pilot})
	if err != nil {
		t.Fatal(err)
	}
	if err := early.Rebook(at("2026-12-23 10:00"), at("2026-11-25 10:05"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if err := early.FireDue(fireEnv(t, p, examDigital, at("2026-11-25 10:05"))); err != nil {
		t.Fatal(err)
	}
	if sm := messagesOf(early)[PurposeSummons]; len(sm) != 1 || contains(sm[0].Summons.Body(), "tidigare") || contains(sm[0].Summons.Body(), "ändrats") {
		t.Fatalf("the first summons, after a move before it went:\n%s", sm[0].Summons.Body())
	}

	// Cancelled: the summons waits; no notice follows it.
	cancelled := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	cancelled.TakeMessages()
	cancelled.TakeEvents()
	cancelled.SummonsWaits()
	if err := cancelled.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-26 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	if ms := messagesOf(cancelled)[PurposeCancellation]; len(ms) != 0 {
		t.Fatalf("a notice of a summons that never went: %+v", ms)
	}
	if w := withdrawnBy(cancelled); len(w) != 1 || w[0].Note != NoteVisitCancelled {
		t.Fatalf("withdrawn by the cancellation: %+v", w)
	}

	// The same summons delivered (the store says nothing waits): the
	// cancellation is told in 1177.
	told := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	told.TakeMessages()
	if err := told.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-26 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	if ms := messagesOf(told)[PurposeCancellation]; len(ms) != 1 || ms[0].Kind != MessageInbox {
		t.Fatalf("notices after a summons that went: %+v", ms)
	}
}
