package domain

import (
	"strings"
	"testing"
	"time"
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

	// A call about a summons that went but did not reach the patient (the
	// digital one unopened, no letter in time) told them the time too: it
	// keeps when the summons went, and its cancellation is phoned, for the
	// 1177 notice goes to an inbox they do not read.
	d := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-11-27 09:00"))
	d.FireDue(fireEnv(t, p, examDigital, at("2026-11-26 09:30")))
	sent := d.Status().SentAt
	if err := d.ResolvePhoneTask(at("2026-11-26 10:00"), "anna", ""); err != nil || !d.Status().Phoned || !d.Status().SentAt.Equal(sent) ||
		d.State() != StateSummonsSent {
		t.Fatalf("a call about a digital summons: %v %s %+v", err, d.State(), d.Status())
	}
	if err := d.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-26 11:00")), ""); err != nil {
		t.Fatal(err)
	}
	if !d.PhoneOfCancellation() || len(messagesOf(d)[PurposeCancellation]) != 1 {
		t.Fatalf("an unopened summons phoned, then cancelled: %+v", d.Status())
	}
	// A summons letter not printed in time is phoned instead (the review's
	// case): that call is the summons as well.
	l := booked(t, p, examPaper, at("2026-11-20 10:00"), at("2026-11-30 09:00"))
	if err := l.LetterTooLate(messagesOf(l)[PurposeSummons][0].ID, fireEnv(t, p, examPaper, at("2026-11-27 09:00"))); err != nil {
		t.Fatal(err)
	}
	if err := l.ResolvePhoneTask(at("2026-11-27 09:30"), "anna", "fick tiden"); err != nil {
		t.Fatal(err)
	}
	if err := l.CancelAndNotify(fireEnv(t, p, examPaper, at("2026-11-27 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	if !l.PhoneOfCancellation() {
		t.Fatalf("a letter phoned instead, then cancelled: the patient is told nothing: %+v", l.Status())
	}
	// And a re-check after the patient's record changed leaves a phoned
	// summons alone: no second call.
	rc := booked(t, p, examPaper, at("2026-11-25 10:00"), at("2026-11-26 09:00"))
	if err := rc.ResolvePhoneTask(at("2026-11-25 11:00"), "anna", ""); err != nil {
		t.Fatal(err)
	}
	moved := newTestPatient(t, "", withoutSMS(), func(in *PatientInput) { in.Address.Street = "Storgatan 2" })
	if !rc.PatientChanged(p, moved, at("2026-11-25 12:00"), "import") {
		t.Fatal("no re-check planned")
	}
	if err := rc.FireDue(fireEnv(t, moved, examPaper, at("2026-11-25 12:00"))); err != nil {
		t.Fatal(err)
	}
	if rc.Status().PhoneTask {
		t.Fatal("a phoned summons gets a second phone task after a re-check")
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

// A cancellation's notice the post cannot carry is phoned: a notice letter
// left in the queue until it would arrive too late, and one that cannot be
// posted at all (letters declined since); unless the SMS told them. An
// undone cancellation takes its notice letter out of the queue.
func TestImplicit_ACancellationThePostCannotCarryIsPhoned(t *testing.T) {
	p := newTestPatient(t, "", withoutSMS())
	printed := func(b *Booking, when time.Time) {
		t.Helper()
		if err := b.LetterPrinted(messagesOf(b)[PurposeSummons][0].ID, when, "anna"); err != nil {
			t.Fatal(err)
		}
	}
	// The notice queued in time, not printed until too late.
	b := booked(t, p, examPaper, at("2026-11-20 10:00"), at("2026-12-04 10:00"))
	printed(b, at("2026-11-20 13:00"))
	if err := b.CancelAndNotify(fireEnv(t, p, examPaper, at("2026-12-01 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	notice := messagesOf(b)[PurposeCancellation]
	if len(notice) != 1 || b.Status().PhoneTask {
		t.Fatalf("a notice letter in time: %d, task %v", len(notice), b.Status().PhoneTask)
	}
	if err := b.LetterTooLate(notice[0].ID, fireEnv(t, p, examPaper, at("2026-12-03 12:21"))); err != nil {
		t.Fatal(err)
	}
	if !b.PhoneOfCancellation() {
		t.Fatalf("the notice letter not printed in time: no call (%+v)", b.Status())
	}
	r, err := RehydrateBooking(b.Snapshot())
	if err != nil || !r.PhoneOfCancellation() {
		t.Fatalf("the task does not survive the store: %v", err)
	}
	// The SMS told them: no call when the notice letter is late.
	sms := newTestPatient(t, "")
	s := booked(t, sms, examPaper, at("2026-11-20 10:00"), at("2026-12-04 10:00"))
	printed(s, at("2026-11-20 13:00"))
	if err := s.CancelAndNotify(fireEnv(t, sms, examPaper, at("2026-12-01 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	if err := s.LetterTooLate(messagesOf(s)[PurposeCancellation][0].ID, fireEnv(t, sms, examPaper, at("2026-12-03 12:21"))); err != nil {
		t.Fatal(err)
	}
	if s.Status().PhoneTask {
		t.Fatal("a call although the SMS told them")
	}
	// Letters declined since the summons was printed: no notice by post.
	d := booked(t, p, examPaper, at("2026-11-20 10:00"), at("2026-12-10 09:00"))
	printed(d, at("2026-11-20 13:00"))
	declined := newTestPatient(t, "", withoutSMS(), withPaperDeclined())
	if err := d.CancelAndNotify(fireEnv(t, declined, examPaper, at("2026-11-23 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	if !d.PhoneOfCancellation() {
		t.Fatalf("told by letter, the cancellation reaches nobody: %+v", d.Status())
	}
	// Protected since: handed over, as the unit's routine says.
	h := booked(t, p, examPaper, at("2026-11-20 10:00"), at("2026-12-10 09:00"))
	printed(h, at("2026-11-20 13:00"))
	if err := h.CancelAndNotify(fireEnv(t, newTestPatient(t, "", withoutSMS(), withProtected()), examPaper, at("2026-11-23 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	if !h.HandOverOfCancellation() || h.Status().PhoneTask {
		t.Fatalf("protected since the letter: %+v", h.Status())
	}
	// Undone the same day: the notice letter still queued is taken out.
	u := booked(t, p, examPaper, at("2026-11-20 10:00"), at("2026-12-18 10:00"))
	printed(u, at("2026-11-20 13:00"))
	if err := u.CancelAndNotify(fireEnv(t, p, examPaper, at("2026-12-07 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	n := messagesOf(u)[PurposeCancellation][0]
	if err := u.UndoCancel(at("2026-12-07 11:00"), "anna", "", nil); err != nil {
		t.Fatal(err)
	}
	w := messagesOf(u)[PurposeWithdraw]
	if len(w) != 1 || w[0].Withdraws != n.ID {
		t.Fatalf("after the undo, the notice letter %s is still in the queue: %+v", n.ID, w)
	}
}

// A patient told their time was cancelled, and then that the cancellation
// was undone, reads so in the new summons (the walk found it silent: a
// "cancelled" and a summons for the same time, without a word between).
// One told nothing of the cancellation reads nothing of it.
func TestImplicit_ASummonsAfterAnUndoneCancellationSaysSo(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-20 10:00"), at("2026-12-18 10:00"))
	b.TakeMessages()
	if err := b.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-12-07 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	if len(messagesOf(b)[PurposeCancellation]) == 0 {
		t.Fatal("setup: no notice")
	}
	if err := b.UndoCancel(at("2026-12-07 11:00"), "anna", "", nil); err != nil {
		t.Fatal(err)
	}
	r, err := RehydrateBooking(b.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.FireDue(fireEnv(t, p, examDigital, at("2026-12-07 11:00"))); err != nil {
		t.Fatal(err)
	}
	s := messagesOf(r)[PurposeSummons]
	if len(s) != 1 || !s[0].Summons.CancelUndone || !strings.Contains(s[0].Summons.Body(), "Avbokningen av din tid gäller inte längre") {
		t.Fatalf("the summons after the undo: %+v", s)
	}
	// Cancelled before the summons went, then undone: nothing to take back.
	q := booked(t, p, examDigital, at("2026-11-20 10:00"), at("2026-12-18 10:00"))
	q.summonsWaits = true // still in the outbox: the cancellation withdraws it
	if err := q.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-20 10:01")), ""); err != nil {
		t.Fatal(err)
	}
	if err := q.UndoCancel(at("2026-11-20 10:02"), "anna", "", nil); err != nil {
		t.Fatal(err)
	}
	q.TakeMessages()
	if err := q.FireDue(fireEnv(t, p, examDigital, at("2026-11-20 10:02"))); err != nil {
		t.Fatal(err)
	}
	if s := messagesOf(q)[PurposeSummons]; len(s) != 1 || s[0].Summons.CancelUndone {
		t.Fatalf("a cancellation nobody was told of, undone: %+v", s)
	}
}

// Staff phoned the patient about the cancellation (a phoned summons
// whose time a letter also told), then the notice letter waits in the queue
// too long: LetterTooLate must not raise a second "ring om avbokning" task (review).
func TestImplicit_ACancellationAlreadyPhonedIsNotPhonedTwice(t *testing.T) {
	noAddr := newTestPatient(t, "", withoutSMS(), withoutAccount(), func(in *PatientInput) { in.Address = Address{} })
	b := booked(t, noAddr, examPaper, at("2026-11-20 10:00"), at("2026-12-10 10:00"))
	if !b.Status().PhoneTask {
		t.Fatalf("setup: no phone task for a patient without address: %+v", b.Status())
	}
	if err := b.ResolvePhoneTask(at("2026-11-20 11:00"), "anna", ""); err != nil {
		t.Fatal(err)
	}
	p := newTestPatient(t, "", withoutSMS(), withoutAccount())
	if err := b.SendPaperByHand(fireEnv(t, p, examPaper, at("2026-11-21 09:00")), false); err != nil {
		t.Fatal(err)
	}
	ls := messagesOf(b)[PurposeFallbackByHand]
	if len(ls) != 1 {
		t.Fatalf("setup: by-hand letters %+v", messagesOf(b))
	}
	if err := b.LetterPrinted(ls[0].ID, at("2026-11-21 13:00"), "anna"); err != nil {
		t.Fatal(err)
	}
	if err := b.CancelAndNotify(fireEnv(t, p, examPaper, at("2026-12-01 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	notice := messagesOf(b)[PurposeCancellation]
	if len(notice) != 1 || !b.PhoneOfCancellation() {
		t.Fatalf("setup: notice %d, task %v", len(notice), b.PhoneOfCancellation())
	}
	if err := b.ResolvePhoneTask(at("2026-12-01 11:00"), "anna", "avbokat per telefon"); err != nil {
		t.Fatal(err)
	}
	b.TakeEvents()
	if err := b.LetterTooLate(notice[0].ID, fireEnv(t, p, examPaper, at("2026-12-09 09:00"))); err != nil {
		t.Fatal(err)
	}
	if b.Status().PhoneTask {
		var notes []string
		for _, e := range b.TakeEvents() {
			notes = append(notes, string(e.Type)+": "+e.Note)
		}
		t.Errorf("a second phone task about a cancellation staff already phoned:\n%s", strings.Join(notes, "\n"))
	}
}

// The patient opened the summons after the cancellation (a late
// receipt: they read 1177, where the notice went); the notice letter then
// waits too long: no call (review).
func TestImplicit_OpenedAfterTheCancellationNeedsNoCall(t *testing.T) {
	p := newTestPatient(t, "", withoutSMS(), withNotificationsOff())
	b := booked(t, p, examDigital, at("2026-11-20 10:00"), at("2026-12-10 10:00"))
	m := messagesOf(b)
	if len(m[PurposeSummons]) < 2 {
		t.Fatalf("setup: want digital + paper, got %+v", m)
	}
	var inbox Message
	for _, x := range m[PurposeSummons] {
		if x.Kind == MessageInbox {
			inbox = x
		}
	}
	for _, l := range b.Letters() {
		if err := b.LetterPrinted(l.ID, at("2026-11-20 13:00"), "anna"); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-12-01 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	notice := messagesOf(b)[PurposeCancellation]
	var letter Message
	for _, x := range notice {
		if x.Kind == MessageLetter {
			letter = x
		}
	}
	if letter.ID == "" || b.Status().PhoneTask {
		t.Fatalf("setup: notices %+v task %v", notice, b.Status().PhoneTask)
	}
	if err := b.ApplyReceipt(Receipt{MessageID: inbox.ID, Type: ReceiptOpened, At: at("2026-12-02 18:00")}, fireEnv(t, p, examDigital, at("2026-12-02 18:01"))); err != nil {
		t.Fatal(err)
	}
	if err := b.LetterTooLate(letter.ID, fireEnv(t, p, examDigital, at("2026-12-09 09:00"))); err != nil {
		t.Fatal(err)
	}
	if b.Status().PhoneTask {
		t.Error("a call about a cancellation the patient read in 1177 (they opened the summons)")
	}
}

// README: "a patient protected since gets the hand-over". Told by
// letter, protected since, cancelled too late for a notice by post: the
// hand-over, not a phone task (review).
func TestImplicit_ProtectedSinceLetterLateGetsTheHandOver(t *testing.T) {
	p := newTestPatient(t, "", withoutSMS(), withoutAccount())
	b := booked(t, p, examPaper, at("2026-11-20 10:00"), at("2026-12-10 10:00"))
	if err := b.LetterPrinted(b.Letters()[0].ID, at("2026-11-20 13:00"), "anna"); err != nil {
		t.Fatal(err)
	}
	prot := newTestPatient(t, "", withoutSMS(), withoutAccount(), withProtected())
	if err := b.CancelAndNotify(fireEnv(t, prot, examPaper, at("2026-12-08 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	if !b.HandOverOfCancellation() || b.Status().PhoneTask {
		t.Errorf("protected since, notice by post too late: hand-over %v, phone %v", b.HandOverOfCancellation(), b.Status().PhoneTask)
	}
}

// A summons printed today, made out of date by a cancellation, is true
// again when the cancellation is undone: staff are not asked to take it
// out of the post (walk); a printed notice of the undone cancellation is.
func TestImplicit_AnUndoneCancellationGivesBackThePrintedSummons(t *testing.T) {
	p := newTestPatient(t, "", withoutSMS())
	b := booked(t, p, examPaper, at("2026-12-07 09:00"), at("2026-12-18 10:00"))
	if err := b.LetterPrinted(b.Letters()[0].ID, at("2026-12-07 09:30"), "anna"); err != nil {
		t.Fatal(err)
	}
	if err := b.CancelAndNotify(fireEnv(t, p, examPaper, at("2026-12-07 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	if !b.OutdatedLetter() {
		t.Fatal("setup: the summons printed today is not out of date after the cancellation")
	}
	if err := b.UndoCancel(at("2026-12-07 11:00"), "anna", "", nil); err != nil {
		t.Fatal(err)
	}
	if b.OutdatedLetter() {
		t.Fatal("the printed summons names the time that stands, yet staff are to take it out of the post")
	}
	// The notice printed before the undo names a cancellation that is not so.
	c := booked(t, p, examPaper, at("2026-12-07 09:00"), at("2026-12-18 10:00"))
	if err := c.LetterPrinted(c.Letters()[0].ID, at("2026-12-07 09:30"), "anna"); err != nil {
		t.Fatal(err)
	}
	if err := c.CancelAndNotify(fireEnv(t, p, examPaper, at("2026-12-07 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	n := messagesOf(c)[PurposeCancellation][0]
	if err := c.LetterPrinted(n.ID, at("2026-12-07 10:30"), "anna"); err != nil {
		t.Fatal(err)
	}
	if err := c.UndoCancel(at("2026-12-07 11:00"), "anna", "", nil); err != nil {
		t.Fatal(err)
	}
	if !c.OutdatedLetter() {
		t.Fatal("a printed notice of the undone cancellation is not staff's to take back")
	}
}

// Moved once, cancelled, undone, and cancelled again before the new
// summons went: no notice names the time it was moved from (review).
func TestImplicit_AnUndoneCancellationForgetsTheTimeMovedFrom(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-20 10:00"), at("2026-12-10 10:00"))
	if err := b.Rebook(at("2026-12-17 10:00"), at("2026-11-21 09:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.FireDue(fireEnv(t, p, examDigital, at("2026-11-21 09:00"))); err != nil {
		t.Fatal(err)
	}
	b.TakeMessages()
	if err := b.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-22 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	if err := b.UndoCancel(at("2026-11-22 09:10"), "anna", "", nil); err != nil {
		t.Fatal(err)
	}
	b.TakeMessages()
	if err := b.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-11-22 09:20")), ""); err != nil {
		t.Fatal(err)
	}
	for _, m := range messagesOf(b)[PurposeCancellation] {
		if m.Summons != nil && m.Summons.VisitAt.Equal(at("2026-12-10 10:00")) {
			t.Fatalf("a notice names the time moved from: %+v", m.Summons)
		}
		if m.Kind == MessageSMS && strings.Contains(m.Text, "10 december") {
			t.Fatalf("an SMS names the time moved from: %q", m.Text)
		}
	}
}

// A call after an undone cancellation says so: the patient was told the
// time was cancelled (walk: the new task read plain "ring patienten").
func TestImplicit_ACallAfterAnUndoneCancellationSaysSo(t *testing.T) {
	p := newTestPatient(t, "", withoutSMS())
	b := booked(t, p, examPaper, at("2026-11-25 10:00"), at("2026-11-26 13:00"))
	if err := b.ResolvePhoneTask(at("2026-11-25 10:30"), "anna", ""); err != nil {
		t.Fatal(err)
	}
	if err := b.CancelAndNotify(fireEnv(t, p, examPaper, at("2026-11-25 11:00")), ""); err != nil {
		t.Fatal(err)
	}
	if err := b.UndoCancel(at("2026-11-25 11:30"), "anna", "", nil); err != nil {
		t.Fatal(err)
	}
	b.TakeEvents()
	if err := b.FireDue(fireEnv(t, p, examPaper, at("2026-11-25 11:30"))); err != nil {
		t.Fatal(err)
	}
	evs := b.TakeEvents()
	if !b.Status().PhoneTask || len(evs) == 0 || !strings.HasPrefix(evs[len(evs)-1].Note, NoteCancellationUndone) {
		t.Fatalf("the call after the undo: %+v", evs)
	}
}
