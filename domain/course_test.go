package domain

import (
	"testing"
	"time"
)

// What an Outlook's Course says is what the summons and its timers do: the
// letter that goes with it, the task raised at once, and — left unopened
// until the visit — R4's letter or the task instead. The rollout
// projection counts these, so they must be the real rules' results.
func TestImplicit_ACourseIsWhatTheSummonsComesTo(t *testing.T) {
	now := at("2026-11-25 10:00")
	inTime, late, tooLateForPaper := at("2026-12-10 09:30"), at("2026-11-27 09:30"), at("2026-11-26 13:00")
	cases := []struct {
		name  string
		p     Patient
		e     Examination
		visit time.Time
		want  Course
	}{
		{"digital only, in time", newTestPatient(t, ""), examDigital, inTime, Course{FollowLetter: true}},
		{"digital only, booked late", newTestPatient(t, ""), examDigital, late, Course{FollowTask: TaskPhone, FollowLate: true}},
		{"digital + paper", newTestPatient(t, "", withNotificationsOff()), examDigital, inTime, Course{Letter: true}},
		{"digital + paper, letter too late", newTestPatient(t, "", withNotificationsOff()), examDigital, tooLateForPaper,
			Course{TaskNow: TaskPhone}},
		{"digital + paper, no address", newTestPatient(t, "", withNotificationsOff(), withoutAddress()), examDigital, inTime,
			Course{FollowTask: TaskPhone}},
		{"digital only, letters declined", newTestPatient(t, "", withPaperDeclined()), examDigital, inTime, Course{FollowTask: TaskPhone}},
		{"digital only, protected", newTestPatient(t, "", withProtected()), examDigital, inTime, Course{FollowTask: TaskHandOver}},
		{"paper only", newTestPatient(t, ""), examPaper, inTime, Course{Letter: true}},
		{"paper only, too late", newTestPatient(t, ""), examPaper, tooLateForPaper, Course{TaskNow: TaskPhone}},
		{"paper only, no address", newTestPatient(t, "", withoutAddress()), examPaper, inTime, Course{TaskNow: TaskPhone}},
		{"paper only, protected", newTestPatient(t, "", withProtected()), examPaper, inTime, Course{TaskNow: TaskHandOver}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Foresee(c.p, c.e, c.visit, now, pilot, DefaultSchedule()).Course()
			if got != c.want {
				t.Fatalf("course %+v, want %+v", got, c.want)
			}
			// And it is what happens.
			b := booked(t, c.p, c.e, now, c.visit)
			letters := 0
			for _, m := range b.TakeMessages() {
				if m.Kind == MessageLetter {
					letters++
				}
			}
			st := b.Status()
			if (letters > 0) != got.Letter || (got.TaskNow == TaskPhone) != st.PhoneTask || (got.TaskNow == TaskHandOver) != st.HandOver {
				t.Fatalf("at once: %d letters, %+v; course %+v", letters, st, got)
			}
			b.TakeEvents()
			// Nobody opens it: every timer fires when due, up to the visit.
			var evs []Event
			for {
				due, ok := b.NextDue()
				if !ok || !due.Before(c.visit) {
					break
				}
				if err := b.FireDue(fireEnv(t, c.p, c.e, due)); err != nil {
					t.Fatal(err)
				}
				evs = append(evs, b.TakeEvents()...)
			}
			fallback := hasEvent(b, evs, EventPaperFallbackSent)
			phone := hasEvent(b, evs, EventPhoneTaskRaised)
			handOver := hasEvent(b, evs, EventHandOverRaised)
			if fallback != got.FollowLetter || phone != (got.FollowTask == TaskPhone) || handOver != (got.FollowTask == TaskHandOver) {
				t.Fatalf("unopened: fallback %v, phone %v, hand-over %v (%v); course %+v", fallback, phone, handOver, eventTypes(evs), got)
			}
		})
	}
}
