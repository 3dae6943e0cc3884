package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// Wednesday 25 November 2026, 10:00 in Stockholm: the reference instant.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Stockholm)
	if err != nil {
		panic(err)
	}
	return t
}

func fireEnv(t *testing.T, p Patient, e Examination, now time.Time) FireEnv {
	t.Helper()
	return FireEnv{Now: now, Patient: p, Exam: e, Site: Site{Code: "ryhov", Name: "Länssjukhuset Ryhov", Street: "Sjukhusgatan", PostalCode: "55305", City: "Jönköping"},
		Clinic: Clinic{Department: "Klinisk fysiologi", Region: "Region Jönköpings län", HSAID: "SE1", Phone: "010-242 00 00"},
		Policy: pilot, Schedule: DefaultSchedule()}
}

// booked makes a booking at `bookedAt` for a visit at `visit` and fires the
// summons timer.
func booked(t *testing.T, p Patient, e Examination, bookedAt, visit time.Time) *Booking {
	t.Helper()
	b, err := NewBooking(BookingRequest{ID: 1, Patient: p, Exam: e, Site: siteRyhov, VisitAt: visit, Now: bookedAt, Actor: "anna", Policy: pilot})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.FireDue(fireEnv(t, p, e, bookedAt)); err != nil {
		t.Fatal(err)
	}
	return b
}

func timerKinds(b *Booking) map[TimerKind]time.Time {
	m := map[TimerKind]time.Time{}
	for _, t := range b.Timers() {
		m[t.Kind] = t.Due
	}
	return m
}

func eventTypes(evs []Event) []EventType {
	var out []EventType
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func messagesOf(b *Booking) map[Purpose][]Message {
	m := map[Purpose][]Message{}
	for _, msg := range b.TakeMessages() {
		m[msg.Purpose] = append(m[msg.Purpose], msg)
	}
	return m
}

func TestR2_DigitalSummonsCarriesTheLetterPlusDirections(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	msgs := b.TakeMessages()
	if len(msgs) != 1 || msgs[0].Kind != MessageInbox || msgs[0].Summons == nil || !msgs[0].Notify {
		t.Fatalf("messages %+v", msgs)
	}
	s := msgs[0].Summons
	if s.ExamName != examDigital.Name || s.PatientID != p.ID().String() || !s.VisitAt.Equal(at("2026-12-10 09:30")) {
		t.Errorf("summons %+v", s)
	}
	body := s.Body()
	for _, want := range []string{"torsdag 10 december 2026 klockan 09:30", "Länssjukhuset Ryhov", RebookNotice} {
		if !contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if b.State() != StateSummonsSent || b.Status().MessageID != msgs[0].ID {
		t.Errorf("state %s status %+v", b.State(), b.Status())
	}
}

func TestR3_ComplementLetterRecordsItsReasons(t *testing.T) {
	p := newTestPatient(t, "", withInterpreter("arabiska"))
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	m := messagesOf(b)
	if len(m[PurposeSummons]) != 2 {
		t.Fatalf("want inbox + letter, got %+v", m)
	}
	letter := m[PurposeSummons][1]
	if letter.Kind != MessageLetter || !slices.Equal(letter.Reasons, []Reason{ReasonInterpreter}) {
		t.Errorf("letter %+v", letter)
	}
	evs := b.TakeEvents()
	if got := eventTypes(evs); !slices.Equal(got, []EventType{EventBooked, EventSummonsSent, EventSummonsSent}) {
		t.Fatalf("events %v", got)
	}
	if !slices.Equal(evs[2].Channels, []Channel{ChannelPaper}) || !slices.Equal(evs[2].Reasons, []Reason{ReasonInterpreter}) {
		t.Errorf("paper summons event %+v", evs[2])
	}
	if _, ok := timerKinds(b)[TimerFallback]; ok {
		t.Error("digital + paper needs no fallback")
	}
}

func TestR4_FallbackAfterThreeDaysUnopened(t *testing.T) {
	p := newTestPatient(t, "")
	sent := at("2026-11-25 10:00")
	b := booked(t, p, examDigital, sent, at("2026-12-10 09:30"))
	b.TakeMessages()
	due := timerKinds(b)[TimerFallback]
	if !due.Equal(sent.Add(72 * time.Hour)) {
		t.Fatalf("fallback due %s", due)
	}
	env := fireEnv(t, p, examDigital, due.Add(-time.Minute))
	b.FireDue(env)
	if len(b.TakeMessages()) != 0 {
		t.Fatal("fallback before three days")
	}
	env.Now = due
	b.FireDue(env)
	m := messagesOf(b)
	if len(m[PurposeFallback]) != 1 || m[PurposeFallback][0].Kind != MessageLetter || !b.Status().FallbackSent {
		t.Fatalf("no fallback letter: %+v", m)
	}
	// Firing again at the same instant sends nothing more.
	b.FireDue(env)
	if len(b.TakeMessages()) != 0 {
		t.Fatal("second fire sent again")
	}
}

func TestR4_FallbackCountsFromDelivery(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	delivered := at("2026-11-25 18:00")
	if err := b.ApplyReceipt(Receipt{MessageID: b.Status().MessageID, Type: ReceiptDelivered, At: delivered}, fireEnv(t, p, examDigital, at("2026-11-25 18:05"))); err != nil {
		t.Fatal(err)
	}
	if due := timerKinds(b)[TimerFallback]; !due.Equal(delivered.Add(72 * time.Hour)) {
		t.Fatalf("fallback due %s, want 72 h after delivery", due)
	}
}

func TestR4_OpeningDropsTheFallback(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	opened := at("2026-11-27 20:00")
	if err := b.ApplyReceipt(Receipt{MessageID: b.Status().MessageID, Type: ReceiptOpened, At: opened}, fireEnv(t, p, examDigital, opened)); err != nil {
		t.Fatal(err)
	}
	if _, ok := timerKinds(b)[TimerFallback]; ok || b.State() != StateOpened || !b.Status().OpenedAt.Equal(opened) {
		t.Fatalf("state %s timers %v", b.State(), timerKinds(b))
	}
	b.TakeMessages()
	b.FireDue(fireEnv(t, p, examDigital, at("2026-12-01 10:00")))
	if m := messagesOf(b); len(m[PurposeFallback]) != 0 {
		t.Fatal("fallback after opening")
	}
}

func TestR4_PaperByHandReplacesTheFallback(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	b.TakeMessages()
	env := fireEnv(t, p, examDigital, at("2026-11-26 09:00"))
	env.Actor = "anna"
	if err := b.SendPaperByHand(env, false); err != nil {
		t.Fatal(err)
	}
	if m := messagesOf(b); len(m[PurposeFallbackByHand]) != 1 {
		t.Fatalf("messages %v", m)
	}
	if _, ok := timerKinds(b)[TimerFallback]; ok {
		t.Fatal("automatic fallback still planned after a letter by hand")
	}
	evs := b.TakeEvents()
	if last := evs[len(evs)-1]; last.Type != EventPaperFallbackSent || last.Actor != "anna" || last.Note != "by hand" {
		t.Fatalf("event %+v", last)
	}
}

func TestR5_RemindersFourDaysAndOneDayBeforeAtTheLocalHour(t *testing.T) {
	p := newTestPatient(t, "") // wants SMS, has a mobile
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	k := timerKinds(b)
	if !k[TimerReminder4d].Equal(at("2026-12-06 17:00")) || !k[TimerReminder1d].Equal(at("2026-12-09 17:00")) {
		t.Fatalf("reminders %v", k)
	}
	b.TakeMessages()
	b.FireDue(fireEnv(t, p, examDigital, at("2026-12-06 17:00")))
	m := messagesOf(b)
	if len(m[PurposeReminder4d]) != 1 {
		t.Fatalf("no 4-day reminder: %v", m)
	}
	sms := m[PurposeReminder4d][0]
	if sms.Kind != MessageSMS || sms.To != "+46701234567" || sms.SubjectOfCareID != "" {
		t.Fatalf("sms %+v", sms)
	}
}

func TestR5_NoRemindersWithoutConsent(t *testing.T) {
	p := newTestPatient(t, "", func(in *PatientInput) { in.SMSReminders = false })
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	k := timerKinds(b)
	if _, ok := k[TimerReminder4d]; ok {
		t.Fatal("reminder planned without consent")
	}
	env := fireEnv(t, p, examDigital, at("2026-11-26 10:00"))
	if err := b.RemindByHand(env, false); err != ErrNoSMSConsent {
		t.Fatalf("reminder by hand without consent: %v", err)
	}
}

func TestImplicit_ReminderTextCarriesNoMedicalContent(t *testing.T) {
	text := ReminderText(at("2026-12-10 09:30"), Site{Name: "Länssjukhuset Ryhov"}, Clinic{Department: "Klinisk fysiologi", Phone: "010-242 00 00"}, false)
	for _, want := range []string{"Klinisk fysiologi", "Länssjukhuset Ryhov", "torsdag 10 december", "09:30"} {
		if !contains(text, want) {
			t.Errorf("text lacks %q: %s", want, text)
		}
	}
	for _, e := range []Examination{examDigital, examPaper, {Code: "arbetsprov", Name: "Arbetsprov"}} {
		if contains(text, e.Name) || contains(text, e.Code) {
			t.Errorf("text names the examination %q: %s", e.Name, text)
		}
	}
}

func TestImplicit_RemindersAcrossDaylightSavingChange(t *testing.T) {
	p := newTestPatient(t, "")
	// Summer time ends Sunday 25 October 2026 03:00 -> 02:00.
	b := booked(t, p, examDigital, at("2026-10-01 10:00"), at("2026-10-27 09:00"))
	k := timerKinds(b)
	four, one := k[TimerReminder4d], k[TimerReminder1d]
	if four.In(Stockholm).Hour() != 17 || one.In(Stockholm).Hour() != 17 {
		t.Fatalf("reminders not at 17:00 local: %s, %s", four.In(Stockholm), one.In(Stockholm))
	}
	if _, off := four.In(Stockholm).Zone(); off != 2*3600 {
		t.Errorf("23 October is summer time, offset %d", off)
	}
	if _, off := one.In(Stockholm).Zone(); off != 3600 {
		t.Errorf("26 October is winter time, offset %d", off)
	}
	if got := one.Sub(four); got != 3*24*time.Hour+time.Hour {
		t.Errorf("between the reminders: %v, want 73 h across the extra hour", got)
	}
	// Spring: summer time starts Sunday 28 March 2027 02:00 -> 03:00.
	b = booked(t, p, examDigital, at("2027-03-01 10:00"), at("2027-03-30 09:00"))
	if one := timerKinds(b)[TimerReminder1d]; one.In(Stockholm).Format("2006-01-02 15:04 -0700") != "2027-03-29 17:00 +0200" {
		t.Errorf("1-day reminder %s", one.In(Stockholm))
	}
}

func TestImplicit_NoReminderForATimeAlreadyPassedAtBooking(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-11-27 09:00"))
	k := timerKinds(b)
	if _, ok := k[TimerReminder4d]; ok {
		t.Fatal("4-day reminder planned in the past")
	}
	if !k[TimerReminder1d].Equal(at("2026-11-26 17:00")) {
		t.Fatalf("1-day reminder %v", k)
	}
	var skipped []string
	for _, e := range b.TakeEvents() {
		if e.Type == EventTimerSkipped {
			skipped = append(skipped, string(e.Timer)+":"+e.Note)
		}
	}
	if !slices.Equal(skipped, []string{"reminder_4d:passed_at_booking"}) {
		t.Fatalf("skips %v", skipped)
	}
}

func TestImplicit_LateBookingShortensTheFallbackWait(t *testing.T) {
	// Booked Wednesday for next Wednesday: a letter queued three days later
	// (Saturday) is posted Monday and arrives Wednesday, the visit day: too late.
	// The last queueing that arrives Tuesday is Friday before 14:00.
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-02 09:00"))
	due := timerKinds(b)[TimerFallback]
	if !due.Equal(at("2026-11-27 13:59")) {
		t.Fatalf("fallback due %s, want Friday 13:59", due.In(Stockholm))
	}
	s := DefaultSchedule()
	if !s.LetterInTime(due, at("2026-12-02 09:00")) || s.LetterInTime(due.Add(2*time.Minute), at("2026-12-02 09:00")) {
		t.Fatal("LatestPosting is not the last instant in time")
	}
}

func TestImplicit_TooLateForAnyLetterRaisesAPhoneTask(t *testing.T) {
	// Digital only, visit the day after tomorrow: no letter can arrive.
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-11-27 09:00"))
	due, ok := timerKinds(b)[TimerPhoneTask]
	if !ok || !due.Equal(at("2026-11-26 09:30")) { // half the time left, at most a day
		t.Fatalf("phone task timer %v", timerKinds(b))
	}
	b.FireDue(fireEnv(t, p, examDigital, due))
	if !b.Status().PhoneTask {
		t.Fatal("no phone task raised for an unopened late summons")
	}
	// Paper only, too late: no useless letter, a phone task at once.
	b = booked(t, p, examPaper, at("2026-11-25 10:00"), at("2026-11-26 09:00"))
	if len(b.TakeMessages()) != 0 || !b.Status().PhoneTask || b.State() != StateBooked {
		t.Fatalf("paper-only late booking: state %s status %+v", b.State(), b.Status())
	}
	// Opening the summons makes the phone call unnecessary.
	b = booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-11-27 09:00"))
	b.ApplyReceipt(Receipt{MessageID: b.Status().MessageID, Type: ReceiptOpened, At: at("2026-11-25 12:00")}, fireEnv(t, p, examDigital, at("2026-11-25 12:00")))
	if _, ok := timerKinds(b)[TimerPhoneTask]; ok {
		t.Fatal("phone task still planned after opening")
	}
}

func TestImplicit_RebookReplacesThePlanAndCancelDropsIt(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	old := b.Status().MessageID
	if err := b.Rebook(at("2026-12-17 09:30"), at("2026-11-26 10:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if k := timerKinds(b); len(k) != 1 || !k[TimerSummons].Equal(at("2026-11-26 10:00")) {
		t.Fatalf("after rebooking: %v", k)
	}
	b.TakeMessages()
	b.FireDue(fireEnv(t, p, examDigital, at("2026-11-26 10:00")))
	msgs := b.TakeMessages()
	if len(msgs) != 1 || !msgs[0].Summons.Rebooked || msgs[0].ID == old {
		t.Fatalf("new summons %+v", msgs)
	}
	if k := timerKinds(b); !k[TimerReminder1d].Equal(at("2026-12-16 17:00")) {
		t.Fatalf("reminders not re-planned: %v", k)
	}
	// An opened receipt for the old summons changes nothing.
	b.ApplyReceipt(Receipt{MessageID: old, Type: ReceiptOpened, At: at("2026-11-26 11:00")}, fireEnv(t, p, examDigital, at("2026-11-26 11:00")))
	if b.State() != StateSummonsSent || !b.Status().OpenedAt.IsZero() {
		t.Fatalf("old receipt moved the booking: %s", b.State())
	}
	if err := b.Cancel(at("2026-11-27 10:00"), "anna", ""); err != nil {
		t.Fatal(err)
	}
	if len(b.Timers()) != 0 {
		t.Fatalf("cancelled booking keeps timers %v", b.Timers())
	}
}

func TestImplicit_CatchUpAfterDowntime(t *testing.T) {
	p := newTestPatient(t, "")
	visit := at("2026-12-10 09:30")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), visit)
	b.TakeMessages()
	b.TakeEvents()
	// Off over the fallback's due time (28 Nov): back on 1 Dec, the letter
	// can still arrive before the visit, so it is sent.
	b.FireDue(fireEnv(t, p, examDigital, at("2026-12-01 10:00")))
	if m := messagesOf(b); len(m[PurposeFallback]) != 1 {
		t.Errorf("a missed fallback is still sent: %v", m)
	}
	// Another booking, off until less than a day before the visit: the
	// letter would come too late (a phone task instead), the 4-day reminder
	// is covered by the 1-day one, which is sent.
	b = booked(t, p, examDigital, at("2026-11-25 10:00"), visit)
	b.TakeMessages()
	b.TakeEvents()
	b.FireDue(fireEnv(t, p, examDigital, at("2026-12-09 18:00")))
	m := messagesOf(b)
	if len(m[PurposeFallback]) != 0 || len(m[PurposeReminder4d]) != 0 || len(m[PurposeReminder1d]) != 1 || !b.Status().PhoneTask {
		t.Errorf("want only the 1-day reminder and a phone task, got %v, %+v", m, b.Status())
	}
	var skips []string
	for _, e := range b.TakeEvents() {
		if e.Type == EventTimerSkipped {
			skips = append(skips, string(e.Timer)+":"+e.Note)
		}
	}
	if !slices.Equal(skips, []string{"paper_fallback:letter_would_arrive_late", "reminder_4d:covered_by_1d"}) {
		t.Errorf("skips %v", skips)
	}
	// Nothing is sent after the visit.
	b2 := booked(t, p, examDigital, at("2026-11-25 10:00"), visit)
	b2.TakeMessages()
	b2.FireDue(fireEnv(t, p, examDigital, visit.Add(time.Hour)))
	if msgs := b2.TakeMessages(); len(msgs) != 0 {
		t.Errorf("sent after the visit: %+v", msgs)
	}
}

func TestImplicit_QuietHoursDeferReminders(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 14:00"))
	b.TakeMessages()
	// The loop was off at 17:00 on the 9th and comes back at 23:30.
	b.FireDue(fireEnv(t, p, examDigital, at("2026-12-09 23:30")))
	if m := messagesOf(b); len(m[PurposeReminder1d]) != 0 {
		t.Fatal("SMS sent at night")
	}
	if due := timerKinds(b)[TimerReminder1d]; !due.Equal(at("2026-12-10 08:00")) {
		t.Fatalf("deferred to %s", due)
	}
	b.FireDue(fireEnv(t, p, examDigital, at("2026-12-10 08:00")))
	if m := messagesOf(b); len(m[PurposeReminder1d]) != 1 {
		t.Fatal("deferred reminder not sent in the morning")
	}
}

func TestR6_ReceiptsOutOfOrderOrderedByTheirInstant(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	id := b.Status().MessageID
	env := fireEnv(t, p, examDigital, at("2026-11-26 12:00"))
	b.ApplyReceipt(Receipt{MessageID: id, Type: ReceiptCancelRequested, At: at("2026-11-26 09:05")}, env)
	b.ApplyReceipt(Receipt{MessageID: id, Type: ReceiptOpened, At: at("2026-11-26 09:00")}, env)
	if b.State() != StateCancelRequested || !b.Status().OpenedAt.Equal(at("2026-11-26 09:00")) {
		t.Fatalf("state %s opened %s", b.State(), b.Status().OpenedAt)
	}
	if _, ok := timerKinds(b)[TimerFallback]; ok {
		t.Fatal("a cancel request means the summons was seen: no fallback")
	}
}

func TestImplicit_PostalLeadTimeCountsSwedishWorkingDays(t *testing.T) {
	s := DefaultSchedule() // 2 working days, cut-off 14:00
	cases := []struct{ queued, posted, arrives string }{
		{"2026-11-25 10:00", "2026-11-25", "2026-11-27"}, // Wednesday before the cut-off
		{"2026-11-25 14:00", "2026-11-26", "2026-11-30"}, // after the cut-off; over the weekend
		{"2026-11-28 10:00", "2026-11-30", "2026-12-02"}, // Saturday
		{"2026-12-23 10:00", "2026-12-23", "2026-12-29"}, // julafton, juldagen, annandag jul, weekend
	}
	for _, c := range cases {
		q := at(c.queued)
		if got := s.PostingDay(q).Format("2006-01-02"); got != c.posted {
			t.Errorf("PostingDay(%s) = %s, want %s", c.queued, got, c.posted)
		}
		if got := s.ArrivalDay(q).Format("2006-01-02"); got != c.arrives {
			t.Errorf("ArrivalDay(%s) = %s, want %s", c.queued, got, c.arrives)
		}
	}
	if s.LetterInTime(at("2026-11-25 10:00"), at("2026-11-27 08:00")) {
		t.Error("a letter arriving on the visit day is not in time")
	}
	if !s.LetterInTime(at("2026-11-25 10:00"), at("2026-11-28 08:00")) {
		t.Error("a letter arriving the day before is in time")
	}
}

func TestMessageIDs_ArePlainTokens(t *testing.T) {
	b := booked(t, newTestPatient(t, ""), examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	if err := CheckMessageID(b.Status().MessageID); err != nil {
		t.Fatalf("a generated id is refused: %v", err)
	}
	for _, bad := range []string{"", ".hidden", "../x", "a/b", "å", strings.Repeat("k", MaxMessageIDLength+1)} {
		if CheckMessageID(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestImplicit_ReceiptInstantIsCheckedAgainstTheMessage(t *testing.T) {
	sent := time.Date(2026, 11, 25, 10, 0, 0, 0, Stockholm)
	now := sent.Add(48 * time.Hour)
	m := SentMessage{ID: "k1-2-inbox", Kind: MessageInbox, CreatedAt: sent}
	for _, c := range []struct {
		at   time.Time
		ok   bool
		code string // the problem's, for the screens' words
		args []string
	}{
		{sent.Add(time.Hour), true, "", nil},
		{sent.Add(-4 * time.Minute), true, "", nil}, // clocks a little apart
		{sent.Add(-time.Hour), false, ReceiptBeforeSent, []string{"opened", "2026-11-25T09:00:00+01:00", "2026-11-25T10:00:00+01:00"}},
		{now.Add(4 * time.Minute), true, "", nil},
		{now.Add(time.Hour), false, ReceiptInFuture, []string{"opened", "2026-11-27T11:00:00+01:00", "2026-11-27T10:00:00+01:00"}},
		{time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), false, ReceiptInFuture, []string{"opened", "2099-01-01T01:00:00+01:00", "2026-11-27T10:00:00+01:00"}},
		{time.Date(1969, 7, 20, 0, 0, 0, 0, time.UTC), false, ReceiptBefore1970, []string{"1969-07-20T00:00:00Z"}},
	} {
		err := CheckReceiptInstant(Receipt{MessageID: m.ID, Type: ReceiptOpened, At: c.at}, m, now)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrReceiptInstant)) {
			t.Errorf("at %s: %v", c.at, err)
		}
		var p *ReceiptProblem
		if err != nil && (!errors.As(err, &p) || p.Code != c.code || !slices.Equal(p.Args, c.args) || !p.Unusable()) {
			t.Errorf("at %s: %v is not the problem %s %q: %+v", c.at, err, c.code, c.args, p)
		}
	}
}

func TestR2_DigitalBodyHoldsTheDirectionsLinkAsText(t *testing.T) {
	s := Summons{PatientName: "Tolvan", Department: "Klinisk fysiologi", SiteName: "Ryhov", ExamName: "EKG",
		VisitAt: at("2026-12-10 09:30"), DirectionsURL: "https://www.rjl.se/hitta-hit/ryhov", Interpreter: "somaliska"}
	body := s.Body()
	for _, w := range []string{"Hitta hit: https://www.rjl.se/hitta-hit/ryhov", "Vi har bokat tolk på somaliska till ditt besök.",
		"Tid: torsdag 10 december 2026 klockan 09:30"} {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q:\n%s", w, body)
		}
	}
}

func TestImplicit_AMovedSummonsSaysTheOldTimeIsVoid(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	env := fireEnv(t, p, examDigital, at("2026-11-25 10:00"))
	b.TakeMessages()
	if err := b.Rebook(at("2026-12-14 13:00"), at("2026-11-26 09:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	env.Now = at("2026-11-26 09:00")
	if err := b.FireDue(env); err != nil {
		t.Fatal(err)
	}
	ms := b.TakeMessages()
	if len(ms) == 0 || ms[0].Summons == nil {
		t.Fatalf("no new summons: %+v", ms)
	}
	want := "Den tidigare tiden, torsdag 10 december 2026 klockan 09:30, gäller inte längre."
	if !strings.Contains(ms[0].Summons.Body(), want) {
		t.Fatalf("the new summons does not void the old time:\n%s", ms[0].Summons.Body())
	}
	// A booking moved before its summons went told the patient nothing.
	b2, err := NewBooking(BookingRequest{ID: 2, Patient: p, Exam: examDigital, Site: siteRyhov, VisitAt: at("2026-12-10 09:30"),
		Now: at("2026-11-25 08:00"), Actor: "anna", Policy: pilot})
	if err != nil {
		t.Fatal(err)
	}
	if err := b2.Rebook(at("2026-12-11 09:30"), at("2026-11-25 09:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if err := b2.FireDue(fireEnv(t, p, examDigital, at("2026-11-25 10:00"))); err != nil {
		t.Fatal(err)
	}
	if ms := b2.TakeMessages(); strings.Contains(ms[0].Summons.Body(), "gäller inte längre") {
		t.Fatal("a time the patient never heard of is declared void")
	}
}

// A child's letters go to the guardians, the digital summons to the
// child's own inbox. Moved before the guardians' letter was printed (it was
// withdrawn), the booking's new letter to them does not say that a time
// they never heard of no longer applies, nor that it replaces a letter
// they never had; the child's digital summons still says so. Once a letter
// naming the earlier time was printed, or staff phoned it, theirs does too.
func TestImplicit_AGuardiansLetterVoidsOnlyATimeTheGuardiansWereTold(t *testing.T) {
	child := newTestPatient(t, validPnr(2012, 6, 1, 333), withGuardians(eva, olof))
	const void = "gäller inte längre"
	moveAndSend := func(t *testing.T, visit string, before func(b *Booking)) (digital Message, letters []Message) {
		t.Helper()
		b := booked(t, child, examDigital, at("2026-11-25 10:00"), at(visit))
		before(b)
		b.TakeMessages()
		if err := b.Rebook(at("2026-12-14 13:00"), at("2026-11-25 11:00"), "anna", nil); err != nil {
			t.Fatal(err)
		}
		b.TakeMessages() // the withdrawals
		if err := b.FireDue(fireEnv(t, child, examDigital, at("2026-11-25 11:00"))); err != nil {
			t.Fatal(err)
		}
		for _, m := range messagesOf(b)[PurposeSummons] {
			switch m.Kind {
			case MessageInbox:
				digital = m
			case MessageLetter:
				letters = append(letters, m)
			}
		}
		if digital.Summons == nil || len(letters) != 2 || letters[0].Summons.RecipientFor == "" {
			t.Fatalf("digital %+v, letters %+v", digital, letters)
		}
		return digital, letters
	}
	// The guardians' letters were still in the print queue: withdrawn.
	digital, letters := moveAndSend(t, "2026-12-10 09:30", func(*Booking) {})
	if !strings.Contains(digital.Summons.Body(), void) {
		t.Errorf("the child read the earlier time, yet the digital summons does not void it:\n%s", digital.Summons.Body())
	}
	for _, l := range letters {
		if moved := l.Summons.MovedText(); moved != "" || l.Summons.PreviousVisitAt != nil || l.Summons.Rebooked {
			t.Errorf("the letter to %s voids a time they were never told: %q", l.Summons.Recipient, moved)
		}
	}
	// Printed: the guardians have the earlier time on paper.
	_, letters = moveAndSend(t, "2026-12-10 09:30", func(b *Booking) {
		for _, l := range b.Letters() {
			if err := b.LetterPrinted(l.ID, at("2026-11-25 10:30"), "anna"); err != nil {
				t.Fatal(err)
			}
		}
	})
	for _, l := range letters {
		if want := "Den tidigare tiden, torsdag 10 december 2026 klockan 09:30, " + void; !strings.Contains(l.Summons.MovedText(), want) {
			t.Errorf("printed: the letter to %s says %q, want %q", l.Summons.Recipient, l.Summons.MovedText(), want)
		}
	}
	// Too late for a letter, so staff phoned (a child's phone task means
	// the guardians).
	_, letters = moveAndSend(t, "2026-11-27 09:00", func(b *Booking) {
		if err := b.ResolvePhoneTask(at("2026-11-25 10:30"), "anna", ""); err != nil {
			t.Fatal(err)
		}
	})
	for _, l := range letters {
		if !strings.Contains(l.Summons.MovedText(), void) {
			t.Errorf("phoned: the letter to %s says %q", l.Summons.Recipient, l.Summons.MovedText())
		}
		if !strings.Contains(l.Summons.MovedText(), "fredag 27 november") {
			t.Errorf("phoned: the letter to %s names another time: %q", l.Summons.Recipient, l.Summons.MovedText())
		}
	}
}

// A phone task is raised while staff can still call: the wait for the
// patient to open ends by phone_by on the last working day before the
// visit's day — before the weekend for a Monday visit — and at once when
// that has passed.
func TestImplicit_APhoneTaskIsRaisedWhileStaffCanStillCall(t *testing.T) {
	s := DefaultSchedule()
	for _, c := range []struct{ now, visit, want string }{
		{"2026-11-25 12:00", "2026-11-27 09:00", "2026-11-26 10:30"}, // half the time left
		{"2026-11-27 14:30", "2026-11-30 08:30", "2026-11-27 15:00"}, // Friday for Monday: before the weekend
		{"2026-11-25 15:45", "2026-11-26 08:00", "2026-11-25 15:45"}, // past phone_by already: at once
		{"2026-11-26 09:00", "2026-11-26 15:00", "2026-11-26 09:00"}, // the same day: at once
	} {
		if got := s.PhoneDue(at(c.now), at(c.visit)); !got.Equal(at(c.want)) {
			t.Errorf("booked %s for %s: phone task at %s, want %s", c.now, c.visit, got.In(Stockholm).Format("2006-01-02 15:04"), c.want)
		}
	}
	// Through the booking: a Friday booking for Monday morning, unopened.
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-27 14:30"), at("2026-11-30 08:30"))
	if due := timerKinds(b)[TimerPhoneTask]; !due.Equal(at("2026-11-27 15:00")) {
		t.Fatalf("phone task timer %v", due)
	}
}
