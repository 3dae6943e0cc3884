package domain

import (
	"errors"
	"fmt"
	"time"
)

// ErrCannotCorrect is a correction the rules do not allow; the message says
// which and why.
var ErrCannotCorrect = errors.New("cannot be corrected")

// CorrectionError is a correction the rules do not allow, with the facts
// a screen or the command line says it from in words: which booking, in
// which state, to which outcome (none: the booking's state allows no
// correction at all). It is ErrCannotCorrect (errors.Is).
type CorrectionError struct {
	Booking BookingID
	State   BookingState
	To      BookingState
}

func (e *CorrectionError) Error() string {
	switch {
	case e.To != "" && e.To == e.State:
		return fmt.Sprintf("%s: booking %s is already %s", ErrCannotCorrect, e.Booking, e.State)
	case e.State != StateAttended && e.State != StateNoShow:
		return fmt.Sprintf("%s: only attended and no-show correct each other; booking %s is %s", ErrCannotCorrect, e.Booking, e.State)
	}
	return fmt.Sprintf("%s: booking %s is %s and can be corrected to attended or no-show only", ErrCannotCorrect, e.Booking, e.State)
}

// Unwrap makes it ErrCannotCorrect.
func (e *CorrectionError) Unwrap() error { return ErrCannotCorrect }

// CorrectOutcome is the rule for a slip when recording the outcome: an
// attended visit recorded as a no-show, or the other way round, is
// corrected by a named member of staff, with a note, any time after. The
// event is the outcome's own (attended / no_show) marked as a correction,
// so that the reports follow the last word.
func (b *Booking) CorrectOutcome(to BookingState, now time.Time, actor, note string) error {
	var t EventType
	switch {
	case to == StateAttended && b.state == StateNoShow:
		t = EventAttended
	case to == StateNoShow && b.state == StateAttended:
		t = EventNoShow
	case to == b.state:
		return &CorrectionError{Booking: b.id, State: b.state, To: to}
	default:
		if err := b.Precondition(ActCorrect, now); err != nil {
			return err
		}
		return &CorrectionError{Booking: b.id, State: b.state, To: to}
	}
	if actor == "" {
		return errors.New("acting user missing")
	}
	b.state = to
	b.record(Event{Type: t, At: now, Actor: actor, Note: note, Correction: true})
	return nil
}

// UndoCancel is the rule for a cancellation made by mistake: it may be
// taken back by staff on the day it was made (Stockholm), while the visit
// is still ahead and the patient has no other booking at that time. The
// patient may already have been told it is cancelled, so the time is
// summoned again as after a rebooking: a new summons at the next tick, with
// a fresh channel decision; letters withdrawn stay withdrawn.
func (b *Booking) UndoCancel(now time.Time, actor, note string, others []*Booking) error {
	if err := b.Precondition(ActUndoCancel, now); err != nil {
		return err
	}
	if err := CheckOverlap(b.id, b.visitAt, b.duration, others); err != nil {
		return err
	}
	if err := b.apply(Event{Type: EventCancelUndone, At: now, Actor: actor, Note: note}); err != nil {
		return err
	}
	b.cancelledAt = time.Time{}
	b.timers = nil
	b.summonsMsg, b.sentAt, b.deliveredAt, b.openedAt = "", time.Time{}, time.Time{}, time.Time{}
	b.paperSent, b.fallbackSent, b.reminders, b.phoneTask, b.handOver, b.handedOver = false, false, nil, false, false, false
	b.phoned, b.noticeReached = false, false
	// What the patient was told before the cancellation is behind them: a
	// time moved from long ago is not named again (the new summons says the
	// cancellation is void instead).
	b.voidedVisit, b.voidedHandedOver, b.voidedPhoned = time.Time{}, false, false
	b.cancelUndone, b.cancelTold = b.cancelTold, false // the new summons says the cancellation is void
	b.recheckEnvelope = false
	// The cancellation's notice letter still in the queue is void: taken
	// out; one printed today is staff's to take back out of the post.
	b.withdrawVoidLetters(FireEnv{Now: now, Actor: actor}, NoteCancellationUndone)
	// A printed summons the cancellation made out of date is true again:
	// nothing to take out of the post, unless another printed letter is void.
	if b.outdatedLetter && !b.anyPrintedVoid() {
		_ = b.OutdatedLetterHandled(now, actor, NoteCancellationUndone)
	}
	b.addTimer(TimerSummons, now)
	return nil
}

func sameDay(a, b time.Time) bool {
	return a.In(Stockholm).Format(time.DateOnly) == b.In(Stockholm).Format(time.DateOnly)
}

func fmtDay(t time.Time) string {
	if t.IsZero() {
		return "before cancellations were timed"
	}
	return "on " + t.In(Stockholm).Format(time.DateOnly)
}
