package domain

import (
	"time"
)

// Staff's tasks: where the system cannot reach the patient itself (no
// letter can be posted or arrive in time, protected personal data), a
// person phones or hands the summons over; and what staff send by hand.

func (b *Booking) firePhoneTask(env FireEnv) {
	switch {
	case !b.openedAt.IsZero() || b.phoneTask || b.handOver:
		return // opened, or staff already have the task
	case !env.Now.Before(b.visitAt):
		b.skip(TimerPhoneTask, SkipVisitPassed, env)
	default:
		if route := RouteLetter(env.Patient, env.Now, env.Policy); route.Blocked == ReasonProtected {
			b.raiseTask(TaskHandOver, env, NoteUnopened+NoteJoin+blockedText(route.Blocked))
			return
		}
		b.raisePhoneTask(env, NoteUnopenedNoLetter)
	}
}

func (b *Booking) raisePhoneTask(env FireEnv, why string) {
	b.dropTimers(TimerPhoneTask)
	b.phoneTask = true
	if b.cancelUndone && b.state != StateCancelled {
		// The call tells the time, and that the cancellation they were
		// told of is void.
		why = joinNotes(NoteCancellationUndone, why)
	}
	b.record(Event{Type: EventPhoneTaskRaised, At: env.Now, Actor: env.actor(), Note: why})
}

// raiseTask asks staff to reach the patient themselves.
func (b *Booking) raiseTask(kind TaskKind, env FireEnv, why string) {
	if kind != TaskHandOver {
		b.raisePhoneTask(env, why)
		return
	}
	b.dropTimers(TimerPhoneTask)
	if b.handOver {
		return
	}
	b.handOver = true
	b.record(Event{Type: EventHandOverRaised, At: env.Now, Actor: env.actor(), Note: why})
}

func smsOK(env FireEnv) bool {
	_, ok := SMSNumber(env.Patient, env.Now, env.Policy)
	return ok
}

// SendPaperByHand is R4's manual path: staff send the paper letter now,
// whatever the timers say. It replaces the automatic fallback.
func (b *Booking) SendPaperByHand(env FireEnv, again bool) error {
	if err := b.SentRecently(MessageLetter, env.Now); err != nil && !again {
		return err
	}
	if err := b.PaperByHandPossible(env); err != nil {
		return err
	}
	b.postLetters(PurposeFallbackByHand, b.letterFate(env).Route, env, NoteByHand)
	return nil
}

// PaperByHandPossible is whether a letter by hand can go now, and if not
// why, without sending it: the booking's state and the visit's time
// (Precondition), an address the letter can be posted to, and time for it
// to arrive before the visit day (DecideLetter). A screen asks it before it
// offers the action; SendPaperByHand checks the same.
func (b *Booking) PaperByHandPossible(env FireEnv) error {
	if err := b.Precondition(ActPaper, env.Now); err != nil {
		return err
	}
	fate := b.letterFate(env)
	switch {
	case fate.Route.Blocked != "":
		return &LetterBlockedError{Reason: fate.Route.Blocked}
	case fate.TooLate:
		return ErrLetterTooLate
	}
	return nil
}

// RemindByHand sends an SMS reminder now, to a patient who asked for reminders.
func (b *Booking) RemindByHand(env FireEnv, again bool) error {
	if err := b.SentRecently(MessageSMS, env.Now); err != nil && !again {
		return err
	}
	if err := b.RemindByHandPossible(env); err != nil {
		return err
	}
	b.sendReminder(env, "by_hand")
	return nil
}

// RemindByHandPossible is whether an SMS reminder by hand can go now
// (Precondition, and a patient who asked for reminders with a mobile
// number to send them to): a screen asks it before it asks staff to
// confirm, as for a letter (PaperByHandPossible).
func (b *Booking) RemindByHandPossible(env FireEnv) error {
	if err := b.Precondition(ActSMS, env.Now); err != nil {
		return err
	}
	if !smsOK(env) {
		return ErrNoSMSConsent
	}
	return nil
}

// ResolvePhoneTask records that staff handled the phone-the-patient task.
// A call about the summons gave the patient the time — no letter could be
// posted or arrive in time, or the digital summons stayed unopened — so
// the booking is summoned by it (phoned; where nothing had gone, it
// becomes summons_sent), and a later cancellation is phoned too
// (CancelAndNotify). A call about a cancellation says so in the history.
func (b *Booking) ResolvePhoneTask(now time.Time, actor, note string) error {
	if !b.phoneTask {
		return ErrNoPhoneTask // the caller named the booking
	}
	b.phoneTask = false
	ev := Event{Type: EventPhoneTaskDone, At: now, Actor: actor, Note: note}
	if b.state.Final() {
		if b.state == StateCancelled {
			ev.Note = joinNotes(NoteCancelNotice, note)
			b.noticeReached = true // told: a notice letter late after this needs no second call
		}
		b.record(ev)
		return nil
	}
	b.phoned = true
	ev.Note = joinNotes(NotePhonedSummons, note)
	if b.sentAt.IsZero() && CanTransition(b.state, ev.Type) {
		b.sentAt = now
		return b.apply(ev)
	}
	b.record(ev)
	return nil
}

// PhoneOfCancellation reports whether the call staff have to make is about
// a cancellation (the patient was told the time by a call, or by a letter
// and a letter now arrives too late), not the summons.
func (b *Booking) PhoneOfCancellation() bool { return b.phoneTask && b.state == StateCancelled }

// ResolveHandOver records that staff handed the summons over by the unit's
// routine (protected personal data).
func (b *Booking) ResolveHandOver(now time.Time, actor, note string) error {
	if !b.handOver {
		return ErrNoHandOver // the caller named the booking
	}
	b.handOver = false
	ev := Event{Type: EventHandOverDone, At: now, Actor: actor, Note: note}
	if b.state.Final() {
		// A cancellation handed over: said so in the history, and
		// nothing more to mark.
		ev.Note = joinNotes(NoteCancelNotice, note)
		b.noticeReached = b.noticeReached || b.state == StateCancelled
		b.record(ev)
		return nil
	}
	// The summons reached the patient now: the booking is summoned, and a
	// later change is told (CancelAndNotify) as to a patient who has it.
	b.handedOver = true
	if b.sentAt.IsZero() {
		b.sentAt = now
	}
	if CanTransition(b.state, ev.Type) {
		return b.apply(ev)
	}
	b.record(ev)
	return nil
}
