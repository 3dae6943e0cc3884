package domain

import "time"

// Outlook is what will really happen to a summons sent at an instant: the
// channels the policy chooses, whether the letter can be posted and arrive
// before the visit, what follows an unopened digital summons (R4), and
// whether SMS reminders go (R5). The booking form shows it before the
// secretary confirms, so that it never promises a letter that will not go.
type Outlook struct {
	Decision Decision
	// Paper, when the decision wants a letter: the envelopes that go, or
	// why none goes — LetterBlocked (no address, protected data, letters
	// declined: staff reach the patient, Task says how) or LetterTooLate
	// (it would arrive on or after the visit day: staff phone).
	Envelopes     int
	LetterBlocked Reason
	LetterTooLate bool
	Task          TaskKind // the task staff get now instead of the letter; "" when the letter goes, or R4 decides (DigitalReachesAlone)
	// Digital only: what follows an unopened summons. FallbackAt is when
	// the letter goes if the summons is still unopened; FallbackTask when
	// staff are asked instead (no letter can be posted, or arrive in time).
	FallbackAt      time.Time
	FallbackTask    TaskKind
	FallbackBlocked Reason // why no letter can follow: no address, protected data, letters declined
	SMS             bool   // reminders go by SMS, to the patient's or a guardian's mobile
}

// Foresee is the Outlook of a summons for p to e at visit, sent at now:
// the same rules the summons and its plan follow when they fire.
func Foresee(p Patient, e Examination, visit, now time.Time, policy PolicyOptions, s Schedule) Outlook {
	o := Outlook{Decision: DecideChannels(p, e, now, policy)}
	_, o.SMS = SMSNumber(p, now, policy)
	fate := DecideLetter(p, now, visit, policy, s)
	route := fate.Route
	if o.Decision.Paper {
		o.LetterBlocked, o.LetterTooLate, o.Task = route.Blocked, fate.TooLate, fate.Task
		if fate.Task == "" {
			o.Envelopes = len(route.To)
		}
		if route.Blocked != "" && DigitalReachesAlone(o.Decision) {
			o.Task = "" // R4's: only if the summons stays unopened (FallbackTask)
		}
	}
	if o.Decision.Digital && o.Envelopes == 0 {
		due, phone := fallbackPlan(s, now, now, visit)
		switch {
		case route.Blocked != "":
			o.FallbackTask, o.FallbackBlocked = TaskFor(route.Blocked), route.Blocked
		case phone:
			o.FallbackTask = TaskPhone
		default:
			o.FallbackAt = due
		}
	}
	return o
}

// fallbackPlan is R4's timing for a digital summons delivered (or sent) at
// from: the letter goes FallbackAfter later if it still arrives before the
// visit day, else at the last posting that does; when even posting now is
// too late, phone is true and staff are asked instead.
func fallbackPlan(s Schedule, from, now, visit time.Time) (due time.Time, phone bool) {
	due = from.Add(s.FallbackAfter)
	if s.LetterInTime(due, visit) {
		return due, false
	}
	if latest := s.LatestPosting(visit); !latest.IsZero() && latest.After(now) {
		return latest, false
	}
	return time.Time{}, true
}
