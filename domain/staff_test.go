package domain

import (
	"testing"
	"time"
)

// A booking names paper among the channels it reaches the patient by only
// when a letter can be posted, or one is on record: a protected child's
// complement letter, or a letter to an adult without an address, is not
// paper (staff reach them instead). A letter that went stays paper when
// the patient's record changes afterwards.
func TestPaperReaches_ALetterThatCannotBePostedIsNotPaper(t *testing.T) {
	now, visit := at("2026-11-25 10:00"), at("2026-12-10 09:30")
	child := "20120303-3327"
	for _, c := range []struct {
		name string
		p    Patient
		e    Examination
		want bool
	}{
		{"an address", newTestPatient(t, "", withoutAccount()), examPaper, true},
		{"protected", newTestPatient(t, "", withProtected(), withoutAccount()), examPaper, false},
		{"no address", newTestPatient(t, "", withoutAddress(), withNotificationsOff()), examDigital, false},
		{"letters declined", newTestPatient(t, "", withPaperDeclined(), withoutAccount()), examPaper, false},
		{"a protected child, digital", newTestPatient(t, child, withProtected(), withGuardians(eva)), examDigital, false},
		{"a child, the guardian's address only", newTestPatient(t, child, withoutAddress(), withGuardians(eva)), examDigital, true},
		{"a child, no address at all", newTestPatient(t, child, withoutAddress()), examDigital, false},
	} {
		planned, err := NewBooking(BookingRequest{ID: 1, Patient: c.p, Exam: c.e, Site: siteRyhov, VisitAt: visit, Now: now, Actor: "anna", Policy: pilot})
		if err != nil {
			t.Fatal(err)
		}
		if !planned.Decision().Paper {
			t.Fatalf("%s: the rules want no letter (%+v)", c.name, planned.Decision())
		}
		sent := booked(t, c.p, c.e, now, visit)
		for what, b := range map[string]*Booking{"planned": planned, "sent": sent} {
			if got := b.PaperReaches(c.p, now, pilot, DefaultSchedule()); got != c.want {
				t.Errorf("%s, %s: paper %v, want %v", c.name, what, got, c.want)
			}
		}
	}
	// The letter went; the patient is protected since: it was still paper.
	p := newTestPatient(t, "", withoutAccount())
	b := booked(t, p, examPaper, now, visit)
	if len(b.Letters()) == 0 {
		t.Fatal("no letter went")
	}
	if !b.PaperReaches(newTestPatient(t, "", withProtected(), withoutAccount()), now, pilot, DefaultSchedule()) {
		t.Error("a letter that went is not paper once the patient is protected")
	}
	// A letter withdrawn before it was printed went nowhere.
	b.letters[0].State = LetterWithdrawn
	if b.PaperReaches(newTestPatient(t, "", withProtected(), withoutAccount()), now, pilot, DefaultSchedule()) {
		t.Error("a withdrawn letter counts as paper")
	}
	// Booked too late for any letter: the summons went digital only, and
	// staff phone; paper is not among the channels that reached the child.
	kid := newTestPatient(t, child, withoutAccount(), withGuardians(eva))
	late := booked(t, kid, examDigital, now, at("2026-11-26 13:00"))
	if !late.Decision().Paper || len(late.Letters()) != 0 || !late.Status().PhoneTask {
		t.Fatalf("late: %+v %+v", late.Decision(), late.Status())
	}
	if late.PaperReaches(kid, now, pilot, DefaultSchedule()) {
		t.Error("a letter that never went, too late, counts as paper")
	}
	// Paper only, too late: no letter goes, staff phone; not "papper"
	// while they have not yet (the walk read it until the call).
	adult := newTestPatient(t, "", withoutAccount())
	phone := booked(t, adult, examPaper, now, at("2026-11-26 13:00"))
	if !phone.Status().PhoneTask || phone.PaperReaches(adult, now, pilot, DefaultSchedule()) {
		t.Errorf("paper only, too late: task %v, paper %v", phone.Status().PhoneTask, phone.PaperReaches(adult, now, pilot, DefaultSchedule()))
	}
	// A cancelled time whose letter was printed, and whose notice is
	// queued, reached the patient on paper (the walk read "ej brev").
	c := booked(t, adult, examPaper, now, visit)
	if err := c.LetterPrinted(c.Letters()[0].ID, now, "anna"); err != nil {
		t.Fatal(err)
	}
	if err := c.CancelAndNotify(fireEnv(t, adult, examPaper, now.Add(time.Hour)), ""); err != nil {
		t.Fatal(err)
	}
	if !c.PaperReaches(adult, now, pilot, DefaultSchedule()) {
		t.Error("a cancelled time told by a printed letter is not paper")
	}
}

// Before the summons goes, paper is named only where a letter posted when
// it goes still arrives before the visit's day: a booking for tomorrow that
// the rules want a letter for gets a call instead, as the booking form
// says — its page and the list named "digital + papper" until the summons
// went (walk), and again after an undone cancellation.
func TestImplicit_PaperIsNotPromisedWhereNoLetterArrivesInTime(t *testing.T) {
	now := at("2026-11-25 10:00")
	p := newTestPatient(t, "", withNotificationsOff())
	for visit, want := range map[string]bool{"2026-11-26 13:00": false, "2026-12-10 09:30": true} {
		b, err := NewBooking(BookingRequest{ID: 1, Patient: p, Exam: examDigital, Site: siteRyhov, VisitAt: at(visit), Now: now, Actor: "anna", Policy: pilot})
		if err != nil {
			t.Fatal(err)
		}
		if !b.Decision().Paper {
			t.Fatalf("%s: the rules want no letter (%+v)", visit, b.Decision())
		}
		if got := b.PaperReaches(p, now, pilot, DefaultSchedule()); got != want {
			t.Errorf("visit %s, before the summons: paper %v, want %v", visit, got, want)
		}
	}
}

// A digital summons to a patient without a 1177 account cannot be opened:
// its complement letter, which cannot be posted, becomes staff's task at
// once (a protected patient's hand-over, which staff may then mark done at
// once), as the booking form foresaw; no R4 timer waits three days for an
// opening that cannot come. With an account, R4 decides.
func TestDigitalReachesAlone_WithoutAnAccountTheTaskComesAtOnce(t *testing.T) {
	now, visit := at("2026-11-25 10:00"), at("2026-12-10 09:30")
	for _, c := range []struct {
		name    string
		p       Patient
		handNow bool
	}{
		{"no account", newTestPatient(t, "", withProtected(), withoutAccount()), true},
		{"an account, notifications off", newTestPatient(t, "", withProtected(), withNotificationsOff()), false},
	} {
		o := Foresee(c.p, examDigital, visit, now, pilot, DefaultSchedule())
		b := booked(t, c.p, examDigital, now, visit)
		_, r4 := timerKinds(b)[TimerFallback]
		if !o.Decision.Digital || b.Status().HandOver != c.handNow || r4 == c.handNow || (o.Task == TaskHandOver) != c.handNow {
			t.Fatalf("%s: hand-over now %v (foreseen %q), R4 timer %v; want hand-over now %v", c.name, b.Status().HandOver, o.Task, r4, c.handNow)
		}
		if c.handNow {
			if err := b.ResolveHandOver(at("2026-11-25 10:30"), "anna", "via Skatteverket"); err != nil {
				t.Fatalf("%s: the hand-over cannot be marked done: %v", c.name, err)
			}
		}
	}
}

// A booking that needs staff says since when: the instant the need arose
// (a phone task raised), kept through later changes (a reminder held, a
// receipt), and gone once staff have acted. The attention page's "sedan"
// counts from it.
func TestStaffSince_IsWhenTheNeedAroseNotTheLatestChange(t *testing.T) {
	p := newTestPatient(t, "", withoutAddress(), withoutAccount())
	b := booked(t, p, examPaper, at("2026-11-25 10:00"), at("2026-12-10 09:30")) // no address: a phone task at once
	if !b.NeedsStaff() || !b.Snapshot().StaffSince.Equal(at("2026-11-25 10:00")) {
		t.Fatalf("raised: needs staff %v since %v", b.NeedsStaff(), b.Snapshot().StaffSince)
	}
	again, err := RehydrateBooking(b.Snapshot()) // as stored, and read again
	if err != nil {
		t.Fatal(err)
	}
	again.record(Event{Type: EventTimerSkipped, At: at("2026-11-27 17:00"), Actor: SystemActor})
	if s := again.Snapshot(); !s.StaffSince.Equal(at("2026-11-25 10:00")) || !s.UpdatedAt.Equal(at("2026-11-27 17:00")) {
		t.Fatalf("after a later change: since %v, updated %v", s.StaffSince, s.UpdatedAt)
	}
	if err := again.ResolvePhoneTask(at("2026-11-28 09:00"), "anna", "ringde"); err != nil {
		t.Fatal(err)
	}
	if s := again.Snapshot(); again.NeedsStaff() || !s.StaffSince.IsZero() {
		t.Fatalf("resolved: needs staff %v since %v", again.NeedsStaff(), s.StaffSince)
	}
}

// A letter queued, then withdrawn because the patient became protected:
// no paper reaches the patient, staff hand it over. PaperReaches must not
// say paper.
func TestPaperReaches_ALetterWithdrawnAsThePatientBecameProtectedIsNotPaper(t *testing.T) {
	prev := newTestPatient(t, "", withoutAccount())
	b := booked(t, prev, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	if len(b.Letters()) != 1 {
		t.Fatalf("letters %+v", b.Letters())
	}
	cur := newTestPatient(t, "", withoutAccount(), withProtected())
	b.PatientChanged(prev, cur, at("2026-11-25 11:00"), "import")
	if err := b.FireDue(fireEnv(t, cur, examDigital, at("2026-11-25 11:00"))); err != nil {
		t.Fatal(err)
	}
	if b.PaperReaches(cur, at("2026-11-25 12:00"), pilot, DefaultSchedule()) {
		t.Fatalf("withdrawn letter (state %s), hand-over %v: PaperReaches says paper", b.Letters()[0].State, b.Status().HandOver)
	}
}

// Course must say what sendSummons does for a patient without an account
// whose complement letter cannot be posted: a task at once.
func TestCourse_ATaskAtOnceIsForeseenAsOne(t *testing.T) {
	now, visit := at("2026-11-25 10:00"), at("2026-12-10 09:30")
	for _, p := range []Patient{
		newTestPatient(t, "", withoutAccount(), withoutAddress()),
		newTestPatient(t, "", withoutAccount(), withProtected()),
	} {
		c := Foresee(p, examDigital, visit, now, pilot, DefaultSchedule()).Course()
		b := booked(t, p, examDigital, now, visit)
		st := b.Status()
		if (c.TaskNow == TaskPhone) != st.PhoneTask || (c.TaskNow == TaskHandOver) != st.HandOver {
			t.Errorf("course %+v; at once phone %v hand-over %v", c, st.PhoneTask, st.HandOver)
		}
	}
}

// The account closes after the summons went (its complement letter
// blocked, R4 pending): the re-check gives staff the task now, as
// DigitalReachesAlone says; staff do it; then R4 fires and gives the same
// task again for the same unopened summons.
func TestImplicit_AnAccountClosedAfterTheSummonsGivesStaffTheTaskOnce(t *testing.T) {
	for _, c := range []struct {
		name      string
		prev, cur Patient
	}{
		{"protected", newTestPatient(t, "", withProtected(), withNotificationsOff()), newTestPatient(t, "", withProtected(), withoutAccount())},
		{"no address", newTestPatient(t, "", withoutAddress(), withNotificationsOff()), newTestPatient(t, "", withoutAddress(), withoutAccount())},
	} {
		b := booked(t, c.prev, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
		if _, ok := timerKinds(b)[TimerFallback]; !ok {
			t.Fatalf("%s: no R4 timer", c.name)
		}
		b.TakeEvents()
		b.PatientChanged(c.prev, c.cur, at("2026-11-26 09:00"), "import")
		if err := b.FireDue(fireEnv(t, c.cur, examDigital, at("2026-11-26 09:00"))); err != nil {
			t.Fatal(err)
		}
		st := b.Status()
		if !st.HandOver && !st.PhoneTask {
			t.Fatalf("%s: no task after the account closed", c.name)
		}
		var err error
		if st.HandOver {
			err = b.ResolveHandOver(at("2026-11-26 10:00"), "anna", "enligt rutin")
		} else {
			err = b.ResolvePhoneTask(at("2026-11-26 10:00"), "anna", "ringde")
		}
		if err != nil {
			t.Fatal(err)
		}
		b.TakeEvents()
		for {
			due, ok := b.NextDue()
			if !ok || !due.Before(at("2026-12-10 09:30")) {
				break
			}
			if err := b.FireDue(fireEnv(t, c.cur, examDigital, due)); err != nil {
				t.Fatal(err)
			}
		}
		evs := b.TakeEvents()
		if hasEvent(b, evs, EventHandOverRaised) || hasEvent(b, evs, EventPhoneTaskRaised) {
			t.Errorf("%s: staff acted, then R4 raised the task again: %v", c.name, eventTypes(evs))
		}
	}
}
