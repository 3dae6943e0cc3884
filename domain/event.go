package domain

import (
	"strings"
	"time"
)

// EventType is the stable vocabulary of the event log. Reports, the CLI's
// JSON and the TUI's timeline all read these codes.
type EventType string

// The event types. The loop (issue 3) emits the delivery and timer ones.
const (
	EventBooked            EventType = "booked"
	EventSummonsSent       EventType = "summons_sent"
	EventDelivered         EventType = "delivered"
	EventOpened            EventType = "opened"
	EventPaperFallbackSent EventType = "paper_fallback_sent"
	EventReminderSent      EventType = "reminder_sent"
	EventTimerSkipped      EventType = "timer_skipped"
	EventPhoneTaskRaised   EventType = "phone_task_raised"
	EventRebookRequested   EventType = "rebook_requested"
	EventCancelRequested   EventType = "cancel_requested"
	EventRebooked          EventType = "rebooked"
	EventCancelled         EventType = "cancelled"
	EventAttended          EventType = "attended"
	EventNoShow            EventType = "no_show"
	EventDeliveryFailed    EventType = "delivery_failed"
	EventPhoneTaskDone     EventType = "phone_task_done"
	EventPatientCreated    EventType = "patient_created"
	EventPatientUpdated    EventType = "patient_updated"
	EventLetterNotPosted   EventType = "letter_not_posted" // a letter was wanted but cannot be posted; Reasons says why
	EventHandOverRaised    EventType = "hand_over_raised"  // protected personal data: hand the summons over by the unit's routine
	EventHandOverDone      EventType = "hand_over_done"
	EventTimeKept          EventType = "time_kept"                // staff dealt with a patient's request: the time stays
	EventCancelNoticeSent  EventType = "cancellation_notice_sent" // the patient is told the time is cancelled, one per channel
	EventLetterWithdrawn   EventType = "letter_withdrawn"         // a letter for a void time was taken out of the print queue
	EventLetterPrinted     EventType = "letter_printed"           // the letter went into a print batch or was marked printed
	EventLetterOutdated    EventType = "printed_letter_outdated"  // a letter already printed names a void time: staff act
	EventOutdatedHandled   EventType = "outdated_letter_handled"
	EventPatientChanged    EventType = "patient_changed"     // after the summons, how the patient is reached changed; the note says how
	EventCancelUndone      EventType = "cancellation_undone" // a cancellation made by mistake taken back the same day; a new summons follows
	EventReminderWithdrawn EventType = "reminder_withdrawn"  // an SMS reminder still waiting to go was not sent: the note says why
	EventSummonsWithdrawn  EventType = "summons_withdrawn"   // a 1177 summons still waiting to go was not sent: its time became void or began
	EventNoticeWithdrawn   EventType = "notice_withdrawn"    // a cancellation notice (SMS or 1177) still waiting to go was not sent: the cancellation was undone
)

// AllEventTypes lists every event type, for the catalogues that name them.
var AllEventTypes = []EventType{EventBooked, EventSummonsSent, EventDelivered, EventOpened, EventPaperFallbackSent,
	EventReminderSent, EventTimerSkipped, EventPhoneTaskRaised, EventRebookRequested, EventCancelRequested, EventRebooked,
	EventCancelled, EventAttended, EventNoShow, EventDeliveryFailed, EventPhoneTaskDone, EventPatientCreated,
	EventPatientUpdated, EventLetterNotPosted, EventHandOverRaised, EventHandOverDone, EventTimeKept, EventCancelNoticeSent,
	EventLetterWithdrawn, EventLetterPrinted, EventLetterOutdated, EventOutdatedHandled, EventPatientChanged,
	EventCancelUndone, EventReminderWithdrawn, EventSummonsWithdrawn, EventNoticeWithdrawn}

// SummonsAnew reports whether e has the booking's visit summoned anew: the
// summons decided before it no longer stands, and the one decided after it
// is the visit's. So for the booking itself, a rebooking (a new time, a new
// summons with a new decision) and an undone cancellation (the time
// restored and summoned again, with a fresh channel decision: UndoCancel).
func (e Event) SummonsAnew() bool {
	switch e.Type {
	case EventBooked, EventRebooked, EventCancelUndone:
		return true
	}
	return false
}

// AboutCancellation reports whether a task or letter event concerns a
// cancellation's notice rather than the summons (its note begins so).
func (e Event) AboutCancellation() bool { return strings.HasPrefix(e.Note, NoteCancelNotice) }

// Event is one entry of the append-only log: what happened, when, to which
// booking or patient, and who did it. Its JSON is part of the CLI contract.
type Event struct {
	Seq             uint64     `json:"seq"` // assigned by the store, increasing
	Type            EventType  `json:"type"`
	At              time.Time  `json:"at"`
	Actor           string     `json:"actor"`
	Booking         BookingID  `json:"booking,omitempty"`
	Patient         string     `json:"patient,omitempty"` // YYYYMMDD-NNNN
	Channels        []Channel  `json:"channels,omitempty"`
	Reasons         []Reason   `json:"reasons,omitempty"`
	VisitAt         *time.Time `json:"visit_at,omitempty"`
	PreviousVisitAt *time.Time `json:"previous_visit_at,omitempty"`
	MessageID       string     `json:"message_id,omitempty"`    // the outgoing message the event concerns
	Reminder        string     `json:"reminder,omitempty"`      // reminder_sent: "4d", "1d" or "by_hand"
	Timer           TimerKind  `json:"timer,omitempty"`         // timer_skipped: which timer
	Note            string     `json:"note,omitempty"`          // why (skips, cancellations, failures)
	Correction      bool       `json:"correction,omitempty"`    // attended / no_show: corrects the outcome recorded before
	Site            string     `json:"site,omitempty"`          // rebooked to another hospital: the new site's code
	PreviousSite    string     `json:"previous_site,omitempty"` // and the one before
}
