package domain

import (
	"testing"
	"time"
)

// The booking form shows what will really happen: Foresee follows the same
// rules as the summons when it fires, so it never promises a letter that
// will not go.
func TestImplicit_TheBookingFormShowsWhatWillReallyHappen(t *testing.T) {
	now := at("2026-11-25 10:00")
	s := DefaultSchedule()
	foresee := func(p Patient, e Examination, visit time.Time) Outlook { return Foresee(p, e, visit, now, pilot, s) }

	// Digital, in good time: the letter follows three days later if unopened.
	o := foresee(newTestPatient(t, ""), examDigital, at("2026-12-10 09:30"))
	if !o.Decision.Digital || o.Decision.Paper || !o.FallbackAt.Equal(now.Add(s.FallbackAfter)) || o.FallbackTask != "" || !o.SMS {
		t.Fatalf("digital: %+v", o)
	}
	// Digital, two days before: no letter can follow; staff phone.
	if o := foresee(newTestPatient(t, ""), examDigital, at("2026-11-27 09:30")); !o.FallbackAt.IsZero() || o.FallbackTask != TaskPhone {
		t.Fatalf("digital, late: %+v", o)
	}
	// Paper in time: one envelope; a child with guardians at two addresses: two.
	if o := foresee(newTestPatient(t, "", withoutAccount()), examPaper, at("2026-12-10 09:30")); o.Envelopes != 1 || o.Task != "" {
		t.Fatalf("paper: %+v", o)
	}
	child := newTestPatient(t, validPnr(2021, 6, 1, 333), withGuardians(eva, olof))
	if o := foresee(child, examPaper, at("2026-12-10 09:30")); o.Envelopes != 2 {
		t.Fatalf("child: %+v", o)
	}
	// Paper, too late to arrive: never "paper", a phone task instead.
	late := foresee(newTestPatient(t, "", withoutAccount()), examPaper, at("2026-11-26 13:00"))
	if late.Envelopes != 0 || !late.LetterTooLate || late.Task != TaskPhone {
		t.Fatalf("paper, late: %+v", late)
	}
	// Protected: handed over; digital + paper without address: the letter
	// is blocked, and an unopened summons becomes a phone task.
	if o := foresee(newTestPatient(t, "", withProtected()), examPaper, at("2026-12-10 09:30")); o.LetterBlocked != ReasonProtected || o.Task != TaskHandOver {
		t.Fatalf("protected: %+v", o)
	}
	o = foresee(newTestPatient(t, "", withNotificationsOff(), withoutAddress()), examDigital, at("2026-12-10 09:30"))
	if !o.Decision.Paper || o.LetterBlocked != ReasonNoAddress || o.FallbackTask != TaskPhone {
		t.Fatalf("no address: %+v", o)
	}

	// And it is what happens: the booked summons sends the letters foreseen.
	for _, c := range []struct {
		p     Patient
		e     Examination
		visit time.Time
	}{
		{newTestPatient(t, "", withoutAccount()), examPaper, at("2026-12-10 09:30")},
		{newTestPatient(t, "", withoutAccount()), examPaper, at("2026-11-26 13:00")},
		{child, examPaper, at("2026-12-10 09:30")},
		{newTestPatient(t, "", withProtected()), examPaper, at("2026-12-10 09:30")},
	} {
		o := foresee(c.p, c.e, c.visit)
		b := booked(t, c.p, c.e, now, c.visit)
		letters := 0
		for _, m := range b.TakeMessages() {
			if m.Kind == MessageLetter {
				letters++
			}
		}
		st := b.Status()
		if letters != o.Envelopes || (o.Task == TaskPhone) != st.PhoneTask || (o.Task == TaskHandOver) != st.HandOver {
			t.Errorf("%s at %v: foreseen %+v, happened %d letters, %+v", c.e.Code, c.visit, o, letters, st)
		}
	}
}

// What the form foresees for an unopened summons is what happens: a
// protected patient is handed over, never phoned about; a phone task
// raised at once is not raised a second time by R4's timer.
func TestImplicit_TheTaskForAnUnopenedSummonsIsTheOneForeseen(t *testing.T) {
	now := at("2026-11-25 10:00")
	visit := at("2026-11-27 13:00")
	secret := newTestPatient(t, validPnr(2015, 3, 3, 222), withProtected())
	o := Foresee(secret, examDigital, visit, now, pilot, DefaultSchedule())
	b := booked(t, secret, examDigital, now, visit)
	if err := b.FireDue(fireEnv(t, secret, examDigital, at("2026-11-26 15:00"))); err != nil {
		t.Fatal(err)
	}
	// (Nothing now: the child's summons may be opened; R4 hands it over.)
	if o.FallbackTask != TaskHandOver || o.Task != "" || !b.Status().HandOver || b.Status().PhoneTask {
		t.Fatalf("foreseen %+v; hand over %v, phone %v", o, b.Status().HandOver, b.Status().PhoneTask)
	}

	off := newTestPatient(t, "", withNotificationsOff())
	late := booked(t, off, examDigital, now, at("2026-11-26 13:00"))
	if !late.Status().PhoneTask {
		t.Fatal("a letter too late: no phone task")
	}
	if err := late.ResolvePhoneTask(at("2026-11-25 10:30"), "anna", "ringde"); err != nil {
		t.Fatal(err)
	}
	late.TakeEvents()
	if err := late.FireDue(fireEnv(t, off, examDigital, at("2026-11-26 12:00"))); err != nil {
		t.Fatal(err)
	}
	if evs := late.TakeEvents(); hasEvent(late, evs, EventPhoneTaskRaised) || late.Status().PhoneTask {
		t.Fatalf("phoned already, asked again: %v", eventTypes(evs))
	}
}
