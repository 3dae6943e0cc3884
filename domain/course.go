package domain

// Course is what a summons foreseen by an Outlook comes to, counted the way
// the coordinators count it: whether a letter goes with the summons, whether
// staff get a task the moment it goes, and what follows if the digital
// summons is not opened. It is the summons's own rules (sendSummons, R4's
// planFallback and its timers) read off the Outlook, so that a projection
// of "what if this examination were digital" counts what would really
// happen (the rollout report, issue 12).
type Course struct {
	// Letter: a letter goes with the summons — the summons itself on
	// paper, or R3's complement.
	Letter bool
	// TaskNow is the task staff get when the summons goes (Outlook.Task):
	// a paper summons whose letter cannot be posted (a phone call or a
	// hand-over), any summons with paper whose letter would arrive too late
	// (a phone call), and a digital summons the patient cannot open (no
	// 1177 account) whose complement letter cannot be posted. Where the
	// patient can open it, a blocked complement gets no task at once: R4
	// follows it up as a digital-only summons (DigitalReachesAlone).
	TaskNow TaskKind
	// What follows a digital summons that is not opened: R4's letter
	// (FollowLetter), or, when no letter can follow, a task (FollowTask).
	// FollowLate says that the task is there because no letter can arrive
	// before the visit (the booking was made too late), not because none
	// can be posted; staff are then asked to phone after
	// Schedule.PhoneTaskAfter at most, not after R4's wait.
	FollowLetter bool
	FollowTask   TaskKind
	FollowLate   bool
}

// Course is what o comes to (see Course).
func (o Outlook) Course() Course {
	c := Course{Letter: o.Envelopes > 0}
	c.TaskNow = o.Task // now; "" where R4 decides
	if o.Decision.Digital && !c.Letter && c.TaskNow == "" {
		c.FollowLetter = !o.FallbackAt.IsZero()
		c.FollowTask = o.FallbackTask
		c.FollowLate = o.FallbackTask != "" && o.FallbackBlocked == ""
	}
	return c
}
