package domain

import (
	"errors"
	"fmt"
	"time"
)

// BookingID identifies a booking. The store assigns it from a sequence so
// that staff can read it aloud and type it.
type BookingID uint64

// String is the decimal form used everywhere.
func (id BookingID) String() string { return fmt.Sprintf("%d", uint64(id)) }

// BookingState is where a booking is in its life cycle. The zero value is
// invalid.
type BookingState string

// The booking states. Cancelled, attended and no-show are final.
const (
	StateBooked          BookingState = "booked"
	StateSummonsSent     BookingState = "summons_sent"
	StateOpened          BookingState = "opened"
	StateRebookRequested BookingState = "rebook_requested"
	StateCancelRequested BookingState = "cancel_requested"
	StateRebooked        BookingState = "rebooked"
	StateCancelled       BookingState = "cancelled"
	StateAttended        BookingState = "attended"
	StateNoShow          BookingState = "no_show"
)

// AllStates lists the states in life-cycle order.
var AllStates = []BookingState{
	StateBooked, StateSummonsSent, StateOpened, StateRebookRequested, StateCancelRequested,
	StateRebooked, StateCancelled, StateAttended, StateNoShow,
}

// ParseBookingState reads a state from its stable code.
func ParseBookingState(s string) (BookingState, error) {
	for _, st := range AllStates {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown booking state %q", s)
}

// Final reports whether nothing more can happen to a booking in this state.
func (s BookingState) Final() bool {
	return s == StateCancelled || s == StateAttended || s == StateNoShow
}

// Sentinel errors of the booking life cycle; callers act on them with errors.Is.
var (
	ErrIllegalTransition = errors.New("illegal booking transition")
	ErrVisitInPast       = errors.New("visit time is not in the future")
	ErrOverlap           = errors.New("patient already has a booking at an overlapping time")
	ErrVisitNotStarted   = errors.New("visit has not started yet")
	ErrSameTime          = errors.New("the booking is at that time and place already")
	ErrVisitOutOfYears   = fmt.Errorf("visit time is outside the years %d–%d", FirstYear, LastYear)
	ErrNotFound          = errors.New("not found")
)

// ErrPatientNotFound is an identity number no patient has: ErrNotFound, in
// words that never repeat the number, as no error does (README, Language).
// Which number was asked for, the person who typed it knows.
var ErrPatientNotFound error = patientNotFound{}

type patientNotFound struct{}

func (patientNotFound) Error() string        { return "no patient with that identity number" }
func (patientNotFound) Is(target error) bool { return target == ErrNotFound }

// The task asked to be closed is not open (someone closed it already, or
// there never was one): an illegal transition, each in its own words.
var (
	ErrNoPhoneTask      = fmt.Errorf("%w: no open phone task", ErrIllegalTransition)
	ErrNoHandOver       = fmt.Errorf("%w: no summons to hand over", ErrIllegalTransition)
	ErrNoOutdatedLetter = fmt.Errorf("%w: no out-of-date letter", ErrIllegalTransition)
)

// transitions is the life cycle: for each event that changes state, the
// states it may leave and the state it enters. Anything else is an error.
var transitions = map[EventType]struct {
	from []BookingState
	to   BookingState
}{
	EventSummonsSent:     {[]BookingState{StateBooked, StateRebooked}, StateSummonsSent},
	EventOpened:          {[]BookingState{StateSummonsSent}, StateOpened},
	EventRebookRequested: {[]BookingState{StateSummonsSent, StateOpened}, StateRebookRequested},
	EventCancelRequested: {[]BookingState{StateSummonsSent, StateOpened, StateRebookRequested}, StateCancelRequested},
	EventTimeKept:        {[]BookingState{StateRebookRequested, StateCancelRequested}, StateOpened},
	EventRebooked:        {activeStates, StateRebooked},
	EventCancelled:       {activeStates, StateCancelled},
	EventAttended:        {activeStates, StateAttended},
	EventNoShow:          {activeStates, StateNoShow},
	EventCancelUndone:    {[]BookingState{StateCancelled}, StateBooked},
	// A summons the system could not send, handed over by the unit's
	// routine (protected personal data), is a summons sent.
	EventHandOverDone: {[]BookingState{StateBooked, StateRebooked}, StateSummonsSent},
	// So is one staff phoned instead (no letter could go, or arrive in
	// time). A phone call about a summons that went is only recorded.
	EventPhoneTaskDone: {[]BookingState{StateBooked, StateRebooked}, StateSummonsSent},
}

var activeStates = []BookingState{
	StateBooked, StateSummonsSent, StateOpened, StateRebookRequested, StateCancelRequested, StateRebooked,
}

// CanTransition reports whether event type t may happen in state s.
func CanTransition(s BookingState, t EventType) bool {
	tr, ok := transitions[t]
	if !ok {
		return false
	}
	for _, f := range tr.from {
		if f == s {
			return true
		}
	}
	return false
}

// Booking is the aggregate: one examination of one patient at one site and
// time, its channel decision and its life cycle. Change it only through its
// methods; each change records an Event that the store appends to the log in
// the same transaction.
type Booking struct {
	id        BookingID
	patient   IdentityNumber
	exam      string
	site      string
	visitAt   time.Time
	duration  time.Duration
	state     BookingState
	decision  Decision
	createdAt time.Time
	createdBy string
	updatedAt time.Time

	rebookCount int       // how many times the visit was moved
	voidedVisit time.Time // moved: the time the patient was last told, which the next summons declares void
	staffSince  time.Time // when it began to need staff, as stored (see BookingSnapshot.StaffSince)

	// The current summons and what became of it; reset when the visit moves.
	timers       []Timer
	timerSeq     uint32
	summonsMsg   string // id of the current digital summons
	sentAt       time.Time
	deliveredAt  time.Time
	openedAt     time.Time
	paperSent    bool
	fallbackSent bool
	reminders    []string
	phoneTask    bool
	handOver     bool // protected personal data: staff hand the summons over by the unit's routine
	handedOver   bool // and they did: the current summons reached the patient that way
	// voidedHandedOver: the summons naming voidedVisit was handed over by
	// the unit's routine, so a cancellation is handed over too.
	voidedHandedOver bool
	// phoned: no summons could go (no letter could be posted or arrive in
	// time), and staff phoned the patient instead: the call is the summons,
	// and a change to its time is phoned too. voidedPhoned: so was the
	// summons naming voidedVisit.
	phoned, voidedPhoned bool
	// noticeReached: the cancellation's notice reached the patient by a
	// channel other than the post (an SMS, or a 1177 message they read): a
	// notice letter that then cannot go in time needs no call.
	noticeReached bool
	// cancelTold: the patient was told of the cancellation (a notice went,
	// or staff were asked to phone or hand it over); cancelUndone: the
	// cancellation they were told of was undone, which the next summons
	// says.
	cancelTold, cancelUndone bool
	lateRequest              bool // the pending rebook or cancel request came less than 72 hours before the visit
	// What the patient was last told, which a cancellation notice follows:
	// by which channels the last summons went.
	toldDigital, toldPaper bool
	letters                []LetterRecord // every paper letter of the booking and what became of it
	outdatedLetter         bool           // a printed letter names a void time: staff must act
	recheckEnvelope        bool           // the pending re-check concerns the envelope too (address, protected data, guardians)
	lastLetterAt           time.Time      // when the last summons letter was queued (see SentRecently)
	lastSMSAt              time.Time      // when the last reminder SMS was decided
	cancelledAt            time.Time      // when it was cancelled (see UndoCancel)

	pending   []Event
	messages  []Message
	withdrawn []string // messages to take out of the outbox unsent (WithdrawMessage)
	// summonsWaits: the store says the current 1177 summons is still in
	// the outbox and has not begun to be handed over (SummonsWaits).
	summonsWaits bool
}

// BookingRequest is what a new booking needs. Existing holds the patient's
// other bookings, for the overlap rule.
type BookingRequest struct {
	ID       BookingID
	Patient  Patient
	Exam     Examination
	Site     Site
	VisitAt  time.Time
	Now      time.Time
	Actor    string
	Policy   PolicyOptions
	Existing []*Booking
}

// NewBooking books an examination. It refuses a visit time that is not in
// the future and one that overlaps another active booking of the patient. The
// channel decision is taken now, when the summons is about to be sent.
func NewBooking(r BookingRequest) (*Booking, error) {
	if r.ID == 0 {
		return nil, errors.New("booking id missing")
	}
	if r.Actor == "" {
		return nil, errors.New("acting user missing")
	}
	if r.Patient.ID().IsZero() {
		return nil, errors.New("patient missing")
	}
	if err := checkVisitTime(r.VisitAt, r.Now); err != nil {
		return nil, err
	}
	b := &Booking{
		id: r.ID, patient: r.Patient.ID(), exam: r.Exam.Code, site: r.Site.Code,
		visitAt: r.VisitAt, duration: r.Exam.Duration, state: StateBooked,
		decision:  DecideChannels(r.Patient, r.Exam, r.Now, r.Policy),
		createdAt: r.Now, createdBy: r.Actor, updatedAt: r.Now,
	}
	if err := CheckOverlap(b.id, b.visitAt, b.duration, r.Existing); err != nil {
		return nil, err
	}
	at := b.visitAt
	b.record(Event{Type: EventBooked, At: r.Now, Actor: r.Actor, VisitAt: &at,
		Channels: b.decision.Channels(), Reasons: b.decision.Reasons})
	b.addTimer(TimerSummons, r.Now)
	return b, nil
}

// The years of the times Kallelse keeps: the store keeps visit times from
// 1970 and instants in nanoseconds until April 2262, and timers, reminders
// and weeks are reckoned past the clock and the visit, so the years
// 1971–2261, whole (1970's first hour in Stockholm is before the visit
// index's first instant, 1970-01-01 UTC: a range said in whole years starts
// at 1971). The clock (--now, --at) and a visit must fall in them.
const (
	FirstYear = 1971
	LastYear  = 2261
)

// InKeptYears reports whether t falls in the years FirstYear–LastYear.
func InKeptYears(t time.Time) bool {
	y := t.In(Stockholm).Year()
	return y >= FirstYear && y <= LastYear
}

func checkVisitTime(visitAt, now time.Time) error {
	if !InKeptYears(visitAt) {
		// A typed year, most often (2207 for 2027 is still kept).
		return fmt.Errorf("%w: %s", ErrVisitOutOfYears, visitAt.In(Stockholm).Format("2006-01-02 15:04"))
	}
	if !visitAt.After(now) {
		return fmt.Errorf("%w: %s is not after %s", ErrVisitInPast,
			visitAt.In(Stockholm).Format("2006-01-02 15:04"), now.In(Stockholm).Format("2006-01-02 15:04"))
	}
	return nil
}

// CheckOverlap is the rule that a patient cannot be in two places at once:
// the visit [at, at+dur) may not overlap any other active booking in others.
func CheckOverlap(self BookingID, at time.Time, dur time.Duration, others []*Booking) error {
	end := at.Add(dur)
	for _, o := range others {
		if o.id == self || o.state.Final() {
			continue
		}
		if at.Before(o.visitAt.Add(o.duration)) && o.visitAt.Before(end) {
			return fmt.Errorf("%w: booking %s (%s, %s)", ErrOverlap, o.id, o.exam,
				o.visitAt.In(Stockholm).Format("2006-01-02 15:04"))
		}
	}
	return nil
}

func (b *Booking) record(e Event) {
	e.Booking = b.id
	e.Patient = b.patient.String()
	b.pending = append(b.pending, e)
	if e.At.After(b.updatedAt) {
		b.updatedAt = e.At
	}
}

// apply checks the life cycle and records the event.
func (b *Booking) apply(e Event) error {
	tr, ok := transitions[e.Type]
	if !ok {
		return fmt.Errorf("%w: %s is not a state change", ErrIllegalTransition, e.Type)
	}
	if !CanTransition(b.state, e.Type) {
		return &TransitionError{Booking: b.id, State: b.state, What: string(e.Type)}
	}
	if e.Actor == "" {
		return errors.New("acting user missing")
	}
	b.state = tr.to
	if b.state == StateCancelled {
		b.cancelledAt = e.At
	}
	if b.state != StateRebookRequested && b.state != StateCancelRequested {
		b.lateRequest = false // dealt with
	}
	b.record(e)
	if b.state.Final() {
		b.timers = nil // nothing more may happen: no letter, no reminder
		b.phoneTask, b.handOver = false, false
	}
	return nil
}

// Cancel cancels the booking on behalf of staff (or of the patient's request).
func (b *Booking) Cancel(now time.Time, actor, note string) error {
	if err := b.Precondition(ActCancel, now); err != nil {
		return err
	}
	return b.apply(Event{Type: EventCancelled, At: now, Actor: actor, Note: note})
}

// Rebook moves the visit to a new time, subject to the same rules as a new
// booking. others are the patient's other bookings.
func (b *Booking) Rebook(newAt, now time.Time, actor string, others []*Booking) error {
	return b.RebookAt(b.site, newAt, now, actor, others)
}

// RebookAt moves the visit to a new time and, where site differs, to
// another hospital: the same rules, and the new summons names the new
// place. The rebooked event carries the new site when it changed.
func (b *Booking) RebookAt(site string, newAt, now time.Time, actor string, others []*Booking) error {
	if err := b.Precondition(ActRebook, now); err != nil {
		return err
	}
	if site == "" {
		return fmt.Errorf("%w: booking %s: no site", ErrIllegalTransition, b.id)
	}
	if newAt.Equal(b.visitAt) && site == b.site {
		// Nothing to move: "moving" it would send a new summons and void
		// the patient's letters for the time they keep.
		return fmt.Errorf("%w: booking %s", ErrSameTime, b.id)
	}
	if err := checkVisitTime(newAt, now); err != nil {
		return err
	}
	if err := CheckOverlap(b.id, newAt, b.duration, others); err != nil {
		return err
	}
	prev, next := b.visitAt, newAt
	ev := Event{Type: EventRebooked, At: now, Actor: actor, VisitAt: &next, PreviousVisitAt: &prev}
	if site != b.site {
		ev.Site, ev.PreviousSite = site, b.site
	}
	if err := b.apply(ev); err != nil {
		return err
	}
	b.site = site
	// The patient was told this time, unless the summons has not gone: the
	// one still waiting is withdrawn, and the new one declares void only
	// what the patient had (an earlier time, or a letter naming this one).
	withdrawn := b.withdrawWaitingSummons(FireEnv{Now: now, Actor: actor}, NoteVisitMoved)
	if !b.sentAt.IsZero() && (!withdrawn || b.printedLetterFor(prev)) {
		b.voidedVisit, b.voidedHandedOver, b.voidedPhoned = prev, b.handedOver, b.phoned
	}
	b.cancelUndone = false // the new summons says the time moved
	b.visitAt = newAt
	b.withdrawVoidLetters(FireEnv{Now: now, Actor: actor}, NoteVisitMoved)
	b.rebookCount++
	// A new time is a new summons: the old plan is void, its receipts no
	// longer count, and the summons goes again with a new decision.
	b.timers = nil
	b.summonsMsg, b.sentAt, b.deliveredAt, b.openedAt = "", time.Time{}, time.Time{}, time.Time{}
	b.paperSent, b.fallbackSent, b.reminders, b.phoneTask, b.handOver, b.handedOver = false, false, nil, false, false, false
	b.phoned = false
	b.recheckEnvelope = false
	b.addTimer(TimerSummons, now)
	return nil
}

// KeepTime deals with a patient's rebook or cancel request by keeping the
// time (staff spoke with the patient, who keeps it): the request is closed,
// the reminders that are still ahead go as planned.
func (b *Booking) KeepTime(now time.Time, actor, note string) error {
	if err := b.Precondition(ActKeep, now); err != nil {
		return err
	}
	return b.apply(Event{Type: EventTimeKept, At: now, Actor: actor, Note: note})
}

// MarkAttended records that the patient came. Only at or after the visit start.
func (b *Booking) MarkAttended(now time.Time, actor string) error {
	return b.markOutcome(EventAttended, now, actor)
}

// MarkNoShow records that the patient did not come. Only at or after the visit start.
func (b *Booking) MarkNoShow(now time.Time, actor string) error {
	return b.markOutcome(EventNoShow, now, actor)
}

func (b *Booking) markOutcome(t EventType, now time.Time, actor string) error {
	if err := b.Precondition(map[EventType]Action{EventAttended: ActAttended, EventNoShow: ActNoShow}[t], now); err != nil {
		return err
	}
	return b.apply(Event{Type: t, At: now, Actor: actor})
}

// TakeEvents returns the events recorded since the last call and forgets
// them. The store calls it inside the transaction that saves the booking.
func (b *Booking) TakeEvents() []Event {
	out := b.pending
	b.pending = nil
	return out
}

// TakeWithdrawn returns the messages withdrawn since the last call (see
// WithdrawMessage) and forgets them. The store takes them out of the
// outbox in the transaction that saves the booking.
func (b *Booking) TakeWithdrawn() []string {
	out := b.withdrawn
	b.withdrawn = nil
	return out
}

// TakeMessages returns the outgoing messages decided since the last call and
// forgets them. The store writes them to the outbox in the transaction that
// saves the booking, so an effect is recorded exactly when its cause is.
func (b *Booking) TakeMessages() []Message {
	out := b.messages
	b.messages = nil
	return out
}

// localTimers shows ts's due times in Stockholm, in place: ts is a
// snapshot's, the booking's own (see RehydrateBookingInto).
func localTimers(ts []Timer) []Timer {
	if len(ts) == 0 {
		return nil
	}
	for i := range ts {
		ts[i].Due = ts[i].Due.In(Stockholm)
	}
	return ts
}

func inLocal(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(Stockholm)
}

// ID is the booking's id.
func (b *Booking) ID() BookingID { return b.id }

// Patient is the patient's identity number.
func (b *Booking) Patient() IdentityNumber { return b.patient }

// Exam is the examination code.
func (b *Booking) Exam() string { return b.exam }

// Site is the site code.
func (b *Booking) Site() string { return b.site }

// VisitAt is when the visit starts.
func (b *Booking) VisitAt() time.Time { return b.visitAt }

// Duration is how long the visit takes.
func (b *Booking) Duration() time.Duration { return b.duration }

// State is the life-cycle state.
func (b *Booking) State() BookingState { return b.state }

// Decision is the channel decision and its reasons.
func (b *Booking) Decision() Decision { return b.decision }

// CreatedAt is when the booking was made.
func (b *Booking) CreatedAt() time.Time { return b.createdAt }

// CreatedBy is who made the booking.
func (b *Booking) CreatedBy() string { return b.createdBy }

// UpdatedAt is the instant of the latest change.
func (b *Booking) UpdatedAt() time.Time { return b.updatedAt }
