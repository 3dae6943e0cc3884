package domain

import (
	"errors"
	"fmt"
	"time"
)

// BookingSnapshot is a booking's persistent form. The store serialises it;
// RehydrateBooking turns it back into a Booking.
type BookingSnapshot struct {
	ID        BookingID     `json:"id"`
	Patient   string        `json:"patient"`
	PatientK  string        `json:"patient_kind"`
	Exam      string        `json:"exam"`
	Site      string        `json:"site"`
	VisitAt   time.Time     `json:"visit_at"`
	Duration  time.Duration `json:"duration_ns"`
	State     BookingState  `json:"state"`
	Digital   bool          `json:"digital"`
	Paper     bool          `json:"paper"`
	Reasons   []Reason      `json:"reasons,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	CreatedBy string        `json:"created_by"`
	UpdatedAt time.Time     `json:"updated_at"`
	Rebooks   int           `json:"rebooks,omitempty"`

	Timers       []Timer        `json:"timers,omitempty"`
	TimerSeq     uint32         `json:"timer_seq,omitempty"`
	SummonsMsg   string         `json:"summons_message,omitempty"`
	SentAt       time.Time      `json:"sent_at,omitzero"`
	DeliveredAt  time.Time      `json:"delivered_at,omitzero"`
	OpenedAt     time.Time      `json:"opened_at,omitzero"`
	PaperSent    bool           `json:"paper_sent,omitempty"`
	FallbackSent bool           `json:"fallback_sent,omitempty"`
	Reminders    []string       `json:"reminders,omitempty"`
	PhoneTask    bool           `json:"phone_task,omitempty"`
	HandOver     bool           `json:"hand_over,omitempty"`
	HandedOver   bool           `json:"handed_over,omitempty"`
	VoidedHanded bool           `json:"voided_handed_over,omitempty"`
	Phoned       bool           `json:"phoned,omitempty"`
	VoidedPhoned bool           `json:"voided_phoned,omitempty"`
	NoticeReach  bool           `json:"notice_reached,omitempty"`
	CancelTold   bool           `json:"cancel_told,omitempty"`
	CancelUndone bool           `json:"cancel_undone,omitempty"`
	LateRequest  bool           `json:"late_request,omitempty"`
	ToldDigital  bool           `json:"told_digital,omitempty"`
	ToldPaper    bool           `json:"told_paper,omitempty"`
	Letters      []LetterRecord `json:"letters,omitempty"`
	Outdated     bool           `json:"outdated_letter,omitempty"`
	RecheckEnv   bool           `json:"recheck_envelope,omitempty"`
	LastLetterAt time.Time      `json:"last_letter_at,omitzero"`
	LastSMSAt    time.Time      `json:"last_sms_at,omitzero"`
	CancelledAt  time.Time      `json:"cancelled_at,omitzero"`
	VoidedVisit  time.Time      `json:"voided_visit,omitzero"`
	// StaffSince is when the booking began to need staff (a patient's
	// request, a task, a letter out of date): what the attention page's
	// "sedan" counts from, whatever changed since. Zero when it needs none.
	StaffSince time.Time `json:"staff_since,omitzero"`
}

// Snapshot returns the booking's persistent form.
func (b *Booking) Snapshot() BookingSnapshot {
	return BookingSnapshot{
		ID: b.id, Patient: b.patient.Canonical(), PatientK: b.patient.Kind().String(),
		Exam: b.exam, Site: b.site, VisitAt: b.visitAt, Duration: b.duration, State: b.state,
		Digital: b.decision.Digital, Paper: b.decision.Paper, Reasons: append([]Reason(nil), b.decision.Reasons...),
		CreatedAt: b.createdAt, CreatedBy: b.createdBy, UpdatedAt: b.updatedAt, Rebooks: b.rebookCount,
		Timers: append([]Timer(nil), b.timers...), TimerSeq: b.timerSeq, SummonsMsg: b.summonsMsg,
		SentAt: b.sentAt, DeliveredAt: b.deliveredAt, OpenedAt: b.openedAt, PaperSent: b.paperSent,
		FallbackSent: b.fallbackSent, Reminders: append([]string(nil), b.reminders...), PhoneTask: b.phoneTask,
		VoidedVisit: b.voidedVisit, HandOver: b.handOver, HandedOver: b.handedOver, VoidedHanded: b.voidedHandedOver, LateRequest: b.lateRequest,
		Phoned: b.phoned, VoidedPhoned: b.voidedPhoned, NoticeReach: b.noticeReached,
		CancelTold: b.cancelTold, CancelUndone: b.cancelUndone,
		ToldDigital: b.toldDigital, ToldPaper: b.toldPaper, Letters: append([]LetterRecord(nil), b.letters...),
		Outdated: b.outdatedLetter, RecheckEnv: b.recheckEnvelope, LastLetterAt: b.lastLetterAt, LastSMSAt: b.lastSMSAt,
		CancelledAt: b.cancelledAt, StaffSince: b.staffSinceNow(),
	}
}

// NeedsStaff reports whether the booking waits for a person: a patient's
// rebook or cancel request, a phone task, a hand-over, or a printed letter
// out of date.
func (b *Booking) NeedsStaff() bool {
	return b.state == StateRebookRequested || b.state == StateCancelRequested || b.OpenTask() != ""
}

// staffSinceNow is StaffSince as the booking stands: kept while it needs
// staff, the instant of its latest change when it has just begun to (the
// event that raised the need), zero when it needs none.
func (b *Booking) staffSinceNow() time.Time {
	switch {
	case !b.NeedsStaff():
		return time.Time{}
	case b.staffSince.IsZero():
		return b.updatedAt
	}
	return b.staffSince
}

// RehydrateBooking rebuilds a booking from storage. It checks the snapshot's
// shape (a known state, a valid identity) but no business rule: those held
// when the booking was changed. The booking shares nothing with s.
func RehydrateBooking(s BookingSnapshot) (*Booking, error) {
	s.Reasons = append([]Reason(nil), s.Reasons...)
	s.Timers = append([]Timer(nil), s.Timers...)
	s.Reminders = append([]string(nil), s.Reminders...)
	s.Letters = append([]LetterRecord(nil), s.Letters...)
	b := new(Booking)
	if err := RehydrateBookingInto(b, s); err != nil {
		return nil, err
	}
	return b, nil
}

// RehydrateBookingInto is RehydrateBooking for a store reading many
// bookings at once: it writes the booking into *b, which the caller may
// have allocated together with others (a page of the bookings screen is
// then one allocation, not a hundred), and the booking keeps s's lists
// (reasons, timers, reminders, letters) rather than copies of them. s must
// be a snapshot just decoded that nothing else holds or changes.
func RehydrateBookingInto(b *Booking, s BookingSnapshot) error {
	kind, err := ParseIdentityKind(s.PatientK)
	if err != nil {
		return fmt.Errorf("booking %d: %w", s.ID, err)
	}
	id, err := RehydrateIdentity(s.Patient, kind)
	if err != nil {
		return fmt.Errorf("booking %d: %w", s.ID, err)
	}
	if _, err := ParseBookingState(string(s.State)); err != nil {
		return fmt.Errorf("booking %d: %w", s.ID, err)
	}
	if s.ID == 0 {
		return errors.New("booking without id")
	}
	*b = Booking{
		id: s.ID, patient: id, exam: s.Exam, site: s.Site, visitAt: s.VisitAt.In(Stockholm),
		duration: s.Duration, state: s.State,
		decision:  Decision{Digital: s.Digital, Paper: s.Paper, Reasons: nilIfEmpty(s.Reasons)},
		createdAt: s.CreatedAt.In(Stockholm), createdBy: s.CreatedBy, updatedAt: s.UpdatedAt.In(Stockholm),
		rebookCount: s.Rebooks,
		timers:      localTimers(s.Timers), timerSeq: s.TimerSeq, summonsMsg: s.SummonsMsg,
		sentAt: inLocal(s.SentAt), deliveredAt: inLocal(s.DeliveredAt), openedAt: inLocal(s.OpenedAt),
		paperSent: s.PaperSent, fallbackSent: s.FallbackSent, reminders: nilIfEmpty(s.Reminders),
		phoneTask: s.PhoneTask, voidedVisit: inLocal(s.VoidedVisit), handOver: s.HandOver, handedOver: s.HandedOver, voidedHandedOver: s.VoidedHanded, lateRequest: s.LateRequest,
		phoned: s.Phoned, voidedPhoned: s.VoidedPhoned, noticeReached: s.NoticeReach,
		cancelTold: s.CancelTold, cancelUndone: s.CancelUndone,
		toldDigital: s.ToldDigital, toldPaper: s.ToldPaper, letters: localLetters(s.Letters), outdatedLetter: s.Outdated,
		recheckEnvelope: s.RecheckEnv, lastLetterAt: inLocal(s.LastLetterAt), lastSMSAt: inLocal(s.LastSMSAt),
		cancelledAt: inLocal(s.CancelledAt), staffSince: inLocal(s.StaffSince),
	}
	return nil
}

// nilIfEmpty is xs, or nil when it has nothing: a booking read back holds
// nil for an empty list, as it did when its lists were copied.
func nilIfEmpty[T any](xs []T) []T {
	if len(xs) == 0 {
		return nil
	}
	return xs
}
