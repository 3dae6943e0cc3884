package domain

import (
	"fmt"
	"time"
)

// Action is something staff do to a booking by hand.
type Action string

// The actions whose life-cycle preconditions Precondition knows.
const (
	ActCancel     Action = "cancel"
	ActRebook     Action = "rebook"
	ActAttended   Action = "attended"
	ActNoShow     Action = "no_show"
	ActPaper      Action = "send_paper"
	ActSMS        Action = "remind"
	ActCorrect    Action = "correct"     // attended <-> no-show
	ActUndoCancel Action = "undo_cancel" // the same day
	ActKeep       Action = "keep"        // answer the patient's rebook or cancel request by keeping the time
	ActTask       Action = "task"        // resolve the booking's open task (OpenTask)
)

// TaskOutdatedLetter is the task a printed letter naming a void time gives
// staff: take it out of the post, or tell the patient (see OpenTask).
const TaskOutdatedLetter TaskKind = "outdated_letter"

// OpenTask is the task staff have open on the booking — phone the patient,
// hand the summons over, deal with a printed letter that names a void time
// — in that order when there are several, or "" for none: what resolving
// "the task" (ActTask) resolves.
func (b *Booking) OpenTask() TaskKind {
	switch {
	case b.phoneTask:
		return TaskPhone
	case b.handOver:
		return TaskHandOver
	case b.outdatedLetter:
		return TaskOutdatedLetter
	}
	return ""
}

// TransitionError is a change the booking's state does not allow: which
// booking, in which state. It is ErrIllegalTransition (errors.Is), and says
// in English "booking 2 is cancelled; cancelled is not possible", as it
// always has; a screen says it in its language from the facts.
type TransitionError struct {
	Booking BookingID
	State   BookingState
	What    string // what was refused, in the CLI's English words
	Verb    string // "is not possible" when empty
	Why     string // why the state does not allow it, as a code the command line words (WhyNoRequest), or ""
}

// WhyNoRequest is a TransitionError's Why for keeping the time of a
// booking whose patient asked for nothing.
const WhyNoRequest = "no_request"

// whyWords are the English for each Why, said after the state.
var whyWords = map[string]string{WhyNoRequest: "there is no request to answer"}

func (e *TransitionError) Error() string {
	if why, ok := whyWords[e.Why]; ok {
		return fmt.Sprintf("%s: booking %s is %s; %s", ErrIllegalTransition, e.Booking, e.State, why)
	}
	verb := e.Verb
	if verb == "" {
		verb = "is not possible"
	}
	return fmt.Sprintf("%s: booking %s is %s; %s %s", ErrIllegalTransition, e.Booking, e.State, e.What, verb)
}

// Unwrap makes it ErrIllegalTransition.
func (e *TransitionError) Unwrap() error { return ErrIllegalTransition }

// UndoTooLateError is a cancellation asked to be undone on a later day
// than it was made: only the same day, else the time is booked anew.
type UndoTooLateError struct {
	Booking     BookingID
	CancelledAt time.Time // zero: before cancellations were timed
}

func (e *UndoTooLateError) Error() string {
	return fmt.Sprintf("%s: booking %s was cancelled %s; a cancellation can be undone only the same day, book anew",
		ErrCannotCorrect, e.Booking, fmtDay(e.CancelledAt))
}

// Unwrap makes it ErrCannotCorrect.
func (e *UndoTooLateError) Unwrap() error { return ErrCannotCorrect }

// Precondition is the life-cycle part of each action, in one place: whether
// the booking's state and the time allow it now, and if not, why. The
// actions check it first, and a screen asks it before it offers an action,
// so that a refused action says why before anyone confirms or fills a form.
// Rules that need more than the booking (an address for a letter, consent
// for an SMS, a free time for a rebooking) are checked by the action.
func (b *Booking) Precondition(a Action, now time.Time) error {
	switch a {
	case ActCancel, ActRebook:
		t := map[Action]EventType{ActCancel: EventCancelled, ActRebook: EventRebooked}[a]
		if !CanTransition(b.state, t) {
			what := map[Action]string{ActCancel: string(EventCancelled), ActRebook: "rebooking"}[a] // the words the CLI has always used
			return &TransitionError{Booking: b.id, State: b.state, What: what}
		}
	case ActAttended, ActNoShow:
		t := map[Action]EventType{ActAttended: EventAttended, ActNoShow: EventNoShow}[a]
		if !CanTransition(b.state, t) {
			return &TransitionError{Booking: b.id, State: b.state, What: string(t)}
		}
		if now.Before(b.visitAt) {
			return fmt.Errorf("%w: booking %s starts %s", ErrVisitNotStarted, b.id, b.visitAt.In(Stockholm).Format("2006-01-02 15:04"))
		}
	case ActPaper, ActSMS:
		if b.state.Final() {
			what := map[Action]string{ActPaper: "no letter", ActSMS: "no reminder"}[a]
			return &TransitionError{Booking: b.id, State: b.state, What: what, Verb: "can be sent"}
		}
		if !now.Before(b.visitAt) {
			return fmt.Errorf("%w: the visit of booking %s has started", ErrVisitInPast, b.id)
		}
	case ActCorrect:
		if b.state != StateAttended && b.state != StateNoShow {
			return &CorrectionError{Booking: b.id, State: b.state}
		}
	case ActUndoCancel:
		if b.state != StateCancelled {
			return &TransitionError{Booking: b.id, State: b.state, What: "undoing a cancellation"} // no cancellation to undo
		}
		if b.cancelledAt.IsZero() || !sameDay(b.cancelledAt, now) {
			return &UndoTooLateError{Booking: b.id, CancelledAt: b.cancelledAt}
		}
		if err := checkVisitTime(b.visitAt, now); err != nil {
			return err
		}
	case ActKeep:
		if !CanTransition(b.state, EventTimeKept) {
			return &TransitionError{Booking: b.id, State: b.state, What: "keeping the time", Why: WhyNoRequest}
		}
	case ActTask:
		if b.OpenTask() == "" {
			return fmt.Errorf("%w: booking %s has no open task", ErrIllegalTransition, b.id)
		}
	default:
		return fmt.Errorf("unknown action %q", a)
	}
	return nil
}
