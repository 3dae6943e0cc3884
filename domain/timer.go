package domain

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// TimerKind is what a booking's timer will do when it is due.
type TimerKind string

// The timers of a booking's plan.
const (
	TimerSummons    TimerKind = "summons"        // send the summons (at booking and after a rebooking)
	TimerFallback   TimerKind = "paper_fallback" // R4: paper letter if still unopened
	TimerReminder4d TimerKind = "reminder_4d"    // R5
	TimerReminder1d TimerKind = "reminder_1d"    // R5
	TimerPhoneTask  TimerKind = "phone_task"     // ask staff to phone: no letter can arrive in time
	TimerRecheck    TimerKind = "recheck"        // the patient's record changed after the summons: decide again
)

// AllTimerKinds lists every timer kind, for the catalogues that name them.
var AllTimerKinds = []TimerKind{TimerSummons, TimerFallback, TimerReminder4d, TimerReminder1d, TimerPhoneTask, TimerRecheck}

// Timer is one pending step of a booking's plan. Timers are part of the
// booking record; the store indexes them by due instant.
type Timer struct {
	Seq  uint32    `json:"seq"` // unique within the booking
	Kind TimerKind `json:"kind"`
	Due  time.Time `json:"due"`
}

// Skip reasons recorded in timer_skipped events.
const (
	SkipVisitPassed      = "visit_passed"             // nothing is sent after the visit
	SkipPassedAtBooking  = "passed_at_booking"        // the reminder's time had passed when the reminders were planned
	SkipCoveredBy1d      = "covered_by_1d"            // a late 4-day reminder: the 1-day one covers it
	SkipTooCloseToVisit  = "too_close_to_visit"       // a 1-day reminder that could only go just before the visit
	SkipNoSMSConsent     = "no_sms_consent"           // the patient no longer wants reminders, or has no mobile
	SkipLetterTooLate    = "letter_would_arrive_late" // a paper letter would arrive on or after the visit day
	SkipNotSent          = "summons_not_sent"         // nothing was sent, so nothing to follow up
	SkipAlreadyPaperSent = "paper_already_sent"       // a letter went already (e.g. by hand)
	SkipRequestPending   = "request_pending"          // the patient asked to rebook or cancel; staff have not answered yet
)

// LateRequestNote marks a rebook or cancel request made later than the
// summons allows (RebookDeadline before the visit): accepted, and first in
// line for staff.
const LateRequestNote = "late: less than 72 hours before the visit"

// ErrNoSMSConsent is returned for a reminder by hand to a patient who did not
// ask for SMS reminders or has no mobile number.
var ErrNoSMSConsent = errors.New("patient has not asked for SMS reminders or has no mobile number")

// SystemActor1177 is the actor of changes reported by 1177 on the patient's behalf.
const SystemActor1177 = "1177"

// FireEnv is what firing a booking's timers needs to know.
type FireEnv struct {
	Now      time.Time
	Patient  Patient
	Exam     Examination
	Site     Site
	Clinic   Clinic
	Policy   PolicyOptions
	Schedule Schedule
	Actor    string // system, or the staff member acting by hand
}

func (b *Booking) addTimer(kind TimerKind, due time.Time) {
	b.timerSeq++
	b.timers = append(b.timers, Timer{Seq: b.timerSeq, Kind: kind, Due: due})
}

func (b *Booking) dropTimers(kinds ...TimerKind) {
	kept := b.timers[:0]
	for _, t := range b.timers {
		drop := false
		for _, k := range kinds {
			drop = drop || t.Kind == k
		}
		if !drop {
			kept = append(kept, t)
		}
	}
	b.timers = kept
}

func (b *Booking) hasTimer(kind TimerKind) bool {
	for _, t := range b.timers {
		if t.Kind == kind {
			return true
		}
	}
	return false
}

// Timers returns the pending timers, earliest first.
func (b *Booking) Timers() []Timer {
	out := append([]Timer(nil), b.timers...)
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Due.Equal(out[j].Due) {
			return out[i].Due.Before(out[j].Due)
		}
		return out[i].Seq < out[j].Seq
	})
	return out
}

// NextDue is the earliest pending timer's due instant; ok is false when none is pending.
func (b *Booking) NextDue() (time.Time, bool) {
	ts := b.Timers()
	if len(ts) == 0 {
		return time.Time{}, false
	}
	return ts[0].Due, true
}

func (b *Booking) newMessage(kind MessageKind, purpose Purpose, env FireEnv) Message {
	b.timerSeq++
	return Message{
		ID: fmt.Sprintf("k%d-%d-%s", b.id, b.timerSeq, kind), Booking: b.id, Kind: kind, Purpose: purpose,
		CreatedAt: env.Now, SubjectOfCareID: b.patient.Canonical(),
	}
}

func (b *Booking) skip(t TimerKind, why string, env FireEnv) {
	b.record(Event{Type: EventTimerSkipped, At: env.Now, Actor: env.actor(), Timer: t, Note: why})
}

func (e FireEnv) actor() string {
	if e.Actor == "" {
		return SystemActor
	}
	return e.Actor
}

// FireDue runs every timer due at env.Now, earliest first. Each decides from
// the booking as it is now, which is the catch-up policy after downtime: a
// timer that is late does what still makes sense, and records a skip for
// what no longer does. Messages and events are recorded on the booking for
// the store to write in the same transaction.
func (b *Booking) FireDue(env FireEnv) error {
	for {
		ts := b.Timers()
		if len(ts) == 0 || ts[0].Due.After(env.Now) {
			return nil
		}
		t := ts[0]
		b.removeTimer(t.Seq)
		if b.state.Final() {
			continue
		}
		if err := b.fire(t, env); err != nil {
			return fmt.Errorf("booking %s timer %s: %w", b.id, t.Kind, err)
		}
	}
}

func (b *Booking) removeTimer(seq uint32) {
	for i, t := range b.timers {
		if t.Seq == seq {
			b.timers = append(b.timers[:i], b.timers[i+1:]...)
			return
		}
	}
}

func (b *Booking) fire(t Timer, env FireEnv) error {
	switch t.Kind {
	case TimerSummons:
		return b.sendSummons(env)
	case TimerFallback:
		b.fireFallback(env)
	case TimerReminder4d, TimerReminder1d:
		b.fireReminder(t, env)
	case TimerPhoneTask:
		b.firePhoneTask(env)
	case TimerRecheck:
		b.fireRecheck(env)
	default:
		return fmt.Errorf("unknown timer kind %q", t.Kind)
	}
	return nil
}

// sendSummons is R1–R3 at the moment of sending, and the plan that follows
// from it (R4, R5 and the late-booking rule).
func (b *Booking) sendSummons(env FireEnv) error {
	now := env.Now
	if !now.Before(b.visitAt) {
		b.skip(TimerSummons, SkipVisitPassed, env)
		return nil
	}
	if b.state != StateBooked && b.state != StateRebooked {
		b.skip(TimerSummons, NoteNotActive, env)
		return nil
	}
	d := DecideChannels(env.Patient, env.Exam, now, env.Policy)
	b.decision = d
	summons := ComposeSummons(b, env.Patient, env.Exam, env.Site, env.Clinic)
	var sent []Event
	if d.Digital {
		m := b.newMessage(MessageInbox, PurposeSummons, env)
		m.Notify, m.Summons = true, &summons
		b.messages = append(b.messages, m)
		b.summonsMsg = m.ID
		sent = append(sent, Event{Type: EventSummonsSent, At: now, Actor: env.actor(), Channels: []Channel{ChannelDigital}, MessageID: m.ID})
	}
	posted := false
	if d.Paper {
		fate := b.letterFate(env)
		switch {
		case fate.Route.Blocked != "":
			// Never "sent": said so on the booking. Where the digital
			// summons can reach the patient alone, R4 follows it up as
			// for digital only (its letter, blocked too, becomes the
			// task); otherwise staff take over now (DigitalReachesAlone).
			blocked := fate.Route.Blocked
			note := blockedText(blocked)
			later := DigitalReachesAlone(d)
			if later {
				note += NoteJoin + NoteTaskIfUnopened // said so: nothing to do yet
			}
			b.record(Event{Type: EventLetterNotPosted, At: now, Actor: env.actor(), Reasons: []Reason{blocked}, Note: note})
			if !later {
				b.raiseTask(fate.Task, env, blockedText(blocked))
			}
		case fate.TooLate:
			b.raisePhoneTask(env, NoteLetterLate)
		default:
			for _, r := range fate.Route.To {
				m := b.newMessage(MessageLetter, PurposeSummons, env)
				letter := b.letterTo(summons, r)
				m.Summons, m.Reasons = &letter, d.Reasons
				b.queueLetter(m)
				sent = append(sent, Event{Type: EventSummonsSent, At: now, Actor: env.actor(), Channels: []Channel{ChannelPaper},
					Reasons: d.Reasons, MessageID: m.ID})
			}
			b.paperSent, posted = true, true
		}
	}
	if len(sent) > 0 {
		b.sentAt = now
		b.toldDigital, b.toldPaper = d.Digital, posted
		if err := b.apply(sent[0]); err != nil {
			return err
		}
		for _, e := range sent[1:] {
			b.record(e)
		}
		if d.Digital && !posted && !b.phoneTask && !b.handOver {
			b.planFallback(now, env)
		}
	}
	b.planReminders(env)
	return nil
}

// planFallback schedules R4 from the instant the digital summons was
// delivered (or, until a delivery receipt arrives, sent). When waiting the
// full three days would make the letter arrive too late, the wait is cut
// short to the last posting that still arrives before the visit day; when
// even posting now would be too late, staff are asked to phone instead.
func (b *Booking) planFallback(from time.Time, env FireEnv) {
	b.dropTimers(TimerFallback, TimerPhoneTask)
	s := env.Schedule
	if due, phone := fallbackPlan(s, from, env.Now, b.visitAt); !phone {
		b.addTimer(TimerFallback, due)
		return
	}
	b.addTimer(TimerPhoneTask, s.PhoneDue(env.Now, b.visitAt))
}

func (b *Booking) planReminders(env FireEnv) {
	b.dropTimers(TimerReminder4d, TimerReminder1d)
	if _, ok := SMSNumber(env.Patient, env.Now, env.Policy); !ok {
		return
	}
	for _, r := range []struct {
		kind TimerKind
		days int
	}{{TimerReminder4d, 4}, {TimerReminder1d, 1}} {
		due := env.Schedule.ReminderDue(b.visitAt, r.days)
		if due.After(env.Now) {
			b.addTimer(r.kind, due)
		} else {
			b.skip(r.kind, SkipPassedAtBooking, env)
		}
	}
}

func (b *Booking) fireFallback(env FireEnv) {
	switch {
	case !b.openedAt.IsZero() || b.state != StateSummonsSent:
		return // opened or answered: nothing to fall back from
	case b.fallbackSent:
		b.skip(TimerFallback, SkipAlreadyPaperSent, env)
	case !env.Now.Before(b.visitAt):
		b.skip(TimerFallback, SkipVisitPassed, env)
	default:
		// Where no letter can be posted the task is the same however late
		// it is: protected data is handed over, never phoned about.
		fate := b.letterFate(env)
		switch blocked := fate.Route.Blocked; {
		case blocked != "":
			b.record(Event{Type: EventLetterNotPosted, At: env.Now, Actor: env.actor(), Reasons: []Reason{blocked},
				Note: NoteUnopened + NoteJoin + blockedText(blocked)})
			b.raiseTask(fate.Task, env, NoteUnopened+NoteJoin+blockedText(blocked))
		case fate.TooLate:
			b.skip(TimerFallback, SkipLetterTooLate, env)
			b.raisePhoneTask(env, NoteUnopenedLetterLate)
		default:
			b.postLetters(PurposeFallback, fate.Route, env, "")
		}
	}
}

// ErrLetterNotPostable refuses a letter by hand that cannot be posted.
var ErrLetterNotPostable = errors.New("no letter can be posted")

// LetterBlockedError is ErrLetterNotPostable with its reason: no address,
// protected personal data, or letters declined, so that a screen can say
// which rather than list all three.
type LetterBlockedError struct{ Reason Reason }

func (e *LetterBlockedError) Error() string {
	return ErrLetterNotPostable.Error() + ": " + blockedText(e.Reason)
}

func (e *LetterBlockedError) Unwrap() error { return ErrLetterNotPostable }

// ErrLetterTooLate refuses a letter by hand that would arrive on or after
// the visit day: staff phone instead.
var ErrLetterTooLate = errors.New("a letter posted now would arrive on or after the visit day; phone the patient instead")

func (b *Booking) fireReminder(t Timer, env FireEnv) {
	s := env.Schedule
	switch why := b.ReminderHeld(env.Now); {
	case why != "":
		b.skip(t.Kind, why, env)
	case t.Kind == TimerReminder4d && !env.Now.Before(s.ReminderDue(b.visitAt, 1)):
		b.skip(t.Kind, SkipCoveredBy1d, env)
	case b.visitAt.Sub(env.Now) < s.ReminderMinLead:
		b.skip(t.Kind, SkipTooCloseToVisit, env)
	case !smsOK(env):
		b.skip(t.Kind, SkipNoSMSConsent, env)
	case s.InQuietHours(env.Now):
		b.addTimer(t.Kind, s.QuietEnd(env.Now)) // wait for the morning; decide again then
	default:
		which := "4d"
		if t.Kind == TimerReminder1d {
			which = "1d"
		}
		b.sendReminder(env, which)
	}
}

// ReminderHeld is why no SMS reminder may go at now, whoever decided it
// and whenever: the visit has begun, or the patient asked to rebook or
// cancel ("Du har en tid…" to someone who asked to cancel it: no) — ""
// when one may. fireReminder asks it before deciding one, MessageVoid
// before one that waited goes, and a screen beside a planned reminder
// (service.TimerHeld).
func (b *Booking) ReminderHeld(now time.Time) string {
	switch {
	case !now.Before(b.visitAt):
		return SkipVisitPassed
	case b.state == StateRebookRequested || b.state == StateCancelRequested:
		return SkipRequestPending
	}
	return ""
}

func (b *Booking) sendReminder(env FireEnv, which string) {
	purpose := map[string]Purpose{"4d": PurposeReminder4d, "1d": PurposeReminder1d}[which]
	if purpose == "" {
		purpose = PurposeReminderByHand
	}
	m := b.newMessage(MessageSMS, purpose, env)
	m.SubjectOfCareID = ""
	to, _ := SMSNumber(env.Patient, env.Now, env.Policy)
	m.To, m.Text = to, ReminderText(b.visitAt, env.Site, env.Clinic, SMSToGuardian(env.Patient, env.Now, env.Policy))
	if env.Schedule.InQuietHours(env.Now) {
		m.NotBefore = env.Schedule.QuietEnd(env.Now) // never an SMS in the night, not even one sent by hand
	}
	b.messages = append(b.messages, m)
	b.reminders = append(b.reminders, which)
	b.lastSMSAt = env.Now
	b.record(Event{Type: EventReminderSent, At: env.Now, Actor: env.actor(), Reminder: which, MessageID: m.ID})
}

// ApplyReceipt takes a receipt from 1177 (R6) at the instant it carries. A
// receipt for an earlier summons (before a rebooking) is recorded but changes
// nothing. Receipts may come out of order: an `opened` that arrives after a
// `rebook_requested` with an earlier instant sets the opening time without
// moving the state back. Duplicates are filtered by the store.
func (b *Booking) ApplyReceipt(r Receipt, env FireEnv) error {
	ev := Event{At: r.At, Actor: SystemActor1177, MessageID: r.MessageID}
	current := r.MessageID == b.summonsMsg && b.summonsMsg != ""
	if !current {
		ev.Note = NoteEarlierSummons
	}
	switch r.Type {
	case ReceiptDelivered:
		ev.Type = EventDelivered
		b.record(ev)
		if current && (b.deliveredAt.IsZero() || r.At.Before(b.deliveredAt)) {
			b.deliveredAt = r.At
			if b.openedAt.IsZero() && b.hasTimer(TimerFallback) && !b.state.Final() {
				b.planFallback(r.At, env) // R4 counts from delivery
			}
		}
		return nil
	case ReceiptOpened:
		ev.Type = EventOpened
	case ReceiptRebookRequested:
		ev.Type = EventRebookRequested
	case ReceiptCancelRequested:
		ev.Type = EventCancelRequested
	default:
		return fmt.Errorf("unknown receipt type %q", r.Type)
	}
	request := r.Type == ReceiptRebookRequested || r.Type == ReceiptCancelRequested
	if request && b.visitAt.Sub(r.At) < RebookDeadline {
		ev.Note = joinNotes(ev.Note, LateRequestNote)
	}
	if !current {
		// A request pressed in an earlier summons of a moved booking still
		// reaches staff; an opening of one changes nothing.
		if request && CanTransition(b.state, ev.Type) {
			b.lateRequest = b.lateRequest || strings.Contains(ev.Note, LateRequestNote)
			return b.apply(ev)
		}
		b.record(ev)
		return nil
	}
	if request && strings.Contains(ev.Note, LateRequestNote) && CanTransition(b.state, ev.Type) {
		b.lateRequest = true
	}
	// Pressing rebook or cancel means the patient has the summons open.
	if b.openedAt.IsZero() || r.At.Before(b.openedAt) {
		b.openedAt = r.At
		b.dropTimers(TimerFallback, TimerPhoneTask)
		if b.phoneTask {
			ev.Note = joinNotes(ev.Note, NotePhoneTaskDropped)
		}
		if b.handOver {
			ev.Note = joinNotes(ev.Note, NoteHandOverDropped)
		}
		b.phoneTask, b.handOver = false, false
		if b.state == StateCancelled {
			b.noticeReached = true // they read 1177, where the notice went
		}
	}
	if CanTransition(b.state, ev.Type) {
		return b.apply(ev)
	}
	b.record(ev)
	return nil
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + NoteJoin + b
}

// OpenStatus summarises the current summons for staff.
type OpenStatus struct {
	SentAt, DeliveredAt, OpenedAt time.Time
	MessageID                     string
	PaperSent, FallbackSent       bool
	Reminders                     []string
	PhoneTask                     bool
	HandOver                      bool
	HandedOver                    bool // the summons was handed over by the unit's routine
	Phoned                        bool // staff phoned the summons: no letter could go or arrive in time
	LateRequest                   bool
}

// Status returns the current summons' status.
func (b *Booking) Status() OpenStatus {
	return OpenStatus{SentAt: b.sentAt, DeliveredAt: b.deliveredAt, OpenedAt: b.openedAt, MessageID: b.summonsMsg,
		PaperSent: b.paperSent, FallbackSent: b.fallbackSent, Reminders: append([]string(nil), b.reminders...), PhoneTask: b.phoneTask,
		HandOver: b.handOver, HandedOver: b.handedOver, Phoned: b.phoned, LateRequest: b.lateRequest}
}

// RecordDeliveryFailure notes that a message keeps failing to reach its
// system, so that staff see it.
func (b *Booking) RecordDeliveryFailure(msgID string, now time.Time, why string) {
	b.record(Event{Type: EventDeliveryFailed, At: now, Actor: SystemActor, MessageID: msgID, Note: why})
}

// EnsureSummonsPlanned gives a booking stored before the loop existed its
// summons timer, due at `at`, if it is still waiting for its summons.
func (b *Booking) EnsureSummonsPlanned(at time.Time) bool {
	if (b.state != StateBooked && b.state != StateRebooked) || !b.sentAt.IsZero() || b.hasTimer(TimerSummons) {
		return false
	}
	b.addTimer(TimerSummons, at)
	return true
}
