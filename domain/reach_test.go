package domain

import (
	"errors"
	"slices"
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
	err := b2.SendPaperByHand(fireEnv(t, p2, examDigital, at("2026-11-29 10:00")))
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
	if err := b2.ResolveHandOver(at("2026-11-26 09:00"), "anna", "enligt rutin"); err != nil || b2.Status().HandOver {
		t.Fatalf("resolve: %v", err)
	}
	if err := b2.ResolveHandOver(at("2026-11-26 09:00"), "anna", ""); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("twice: %v", err)
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
}
