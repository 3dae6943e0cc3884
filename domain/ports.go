package domain

import (
	"context"
	"errors"
	"time"
)

// BookingQuery selects bookings for listing. Zero fields do not filter.
// Results are ordered by visit time, then id; After continues a page.
type BookingQuery struct {
	From, To time.Time // visit time in [From, To)
	Exam     string
	Site     string
	State    BookingState
	Patient  IdentityNumber
	After    *BookingCursor
	Limit    int // 0 means no limit

	// Before keeps only bookings strictly before the cursor in (visit time,
	// id) order, as After keeps only those strictly after it; both bound the
	// results whichever the direction.
	Before *BookingCursor
	// Reverse lists in DESCENDING (visit time, id) order: starting just
	// before Before when it is set, else from the end (respecting To), and
	// stopping at From (and at After). With Limit it reads the page that
	// ends at Before, last row first, for scrolling up from a window.
	Reverse bool
}

// BookingCursor is the position of the last booking of a page.
type BookingCursor struct {
	VisitAt time.Time
	ID      BookingID
}

// PatientUpsertResult counts what an import changed.
type PatientUpsertResult struct {
	Created, Updated, Unchanged int
}

// Store is the persistence port. Implementations own the transaction; the
// domain owns the change: CreateBooking and UpdateBooking run the caller's
// function inside one write transaction together with the patient's other
// bookings, and append the events the booking recorded to the log in that
// same transaction.
type Store interface {
	// UpsertPatients creates or updates patients by identity number in one
	// transaction, logging patient_created / patient_updated events.
	UpsertPatients(ctx context.Context, ps []Patient, now time.Time, actor string) (PatientUpsertResult, error)
	// Patient returns ErrNotFound for an unknown identity number.
	Patient(ctx context.Context, id IdentityNumber) (Patient, error)
	// Patients lists patients ordered by canonical identity number, after the
	// given one (exclusive), at most limit (0 = all).
	Patients(ctx context.Context, after string, limit int) ([]Patient, error)

	// CreateBooking assigns the next id and calls build with it and the
	// patient's existing bookings; the booking build returns is stored.
	CreateBooking(ctx context.Context, patient IdentityNumber, build func(id BookingID, existing []*Booking) (*Booking, error)) (*Booking, error)
	// UpdateBooking loads the booking and the patient's other bookings, calls
	// fn, and stores the result; an error from fn leaves everything as it was.
	UpdateBooking(ctx context.Context, id BookingID, fn func(b *Booking, others []*Booking) error) (*Booking, error)
	// Booking returns ErrNotFound for an unknown id.
	Booking(ctx context.Context, id BookingID) (*Booking, error)
	// Bookings lists bookings matching q, using the index that fits best.
	Bookings(ctx context.Context, q BookingQuery) ([]*Booking, error)
	// BookingEvents returns a booking's events in log order.
	BookingEvents(ctx context.Context, id BookingID) ([]Event, error)
	// CountBookings returns how many bookings are stored.
	CountBookings(ctx context.Context) (int, error)

	// LogAccess logs entries durably before it returns (the reads that
	// show patient data, before they are shown; a change logs its own
	// entry in its transaction, see WithAccess). It keeps nothing of
	// entries: the caller may reuse the slice.
	LogAccess(ctx context.Context, entries []AccessEntry) error
	// AccessEntries calls fn for the access-log entries matching q, ordered
	// by instant, reading through the index that fits the query.
	AccessEntries(ctx context.Context, q AccessQuery, fn func(AccessEntry) error) error
	// AccessUnreadable is how many entries of the access log cannot be
	// read (a damaged file): every reading leaves them out, since whose
	// they are cannot be told.
	AccessUnreadable(ctx context.Context) (int, error)
	// FoldAccessLog moves the access log's recent entries into its indexes
	// (the loop's work, every tick; an entry is in the log, and read by
	// every extract, from the transaction that appends it) and returns how
	// many it moved.
	FoldAccessLog(ctx context.Context) (int, error)
	// PruneAccess removes the oldest access-log entries, from the log's
	// start, while prunable says each entry's instant may go, and returns
	// how many it removed (dryRun: would remove).
	PruneAccess(ctx context.Context, prunable func(at time.Time) bool, dryRun bool) (int, error)
}

// Sender delivers messages of one kind to the outside system behind it: the
// 1177 inbox, the SMS gateway, the printer. Send must be idempotent by
// Message.ID — delivering a message that was already delivered succeeds and
// changes nothing — because after a crash the loop delivers again whatever
// it cannot prove was delivered.
//
// Send returns nil once m is handed over. An error means it was not (a
// spool writes a message's file whole or not at all), and the loop tries
// again later — unless it wraps ErrMaybeHandedOver: then the system may
// have m, and the loop keeps it as possibly gone (never withdrawn) while it
// tries again. A message may be handed over twice — the process can stop
// between the handing over and its record — so a system takes a message id
// once.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrMaybeHandedOver is wrapped by a Sender's error when it cannot tell
// whether the system took the message: the request went whole and no
// answer came (a timeout, a dropped connection), or a spool file appeared
// under its final name but could not be made durable.
var ErrMaybeHandedOver = errors.New("the message may have been handed over")

// IncomingReceipt is a receipt read from the outside, with the handle its
// source needs to finish with it.
type IncomingReceipt struct {
	Receipt
	Handle string // e.g. the spool file's name
}

// ReceiptSource yields receipts from 1177 (R6). Fetch quarantines what it
// cannot read, with the reason, and returns the rest and how many it put
// aside (the tick counts them as quarantined); the loop then calls Done
// for each receipt applied (or found to be a duplicate) and Quarantine for a
// readable receipt it cannot use (e.g. an unknown message id).
type ReceiptSource interface {
	Fetch(ctx context.Context) (rs []IncomingReceipt, quarantined int, err error)
	Done(r IncomingReceipt) error
	Quarantine(r IncomingReceipt, why error) error
}

// ErrUnknownMessage is returned for a receipt naming a message this site
// never sent.
var ErrUnknownMessage = errors.New("unknown message id")

// OutboxEntry is a message waiting to be delivered to its system, with its
// delivery attempts so far.
type OutboxEntry struct {
	Message     Message   `json:"message"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	LastError   string    `json:"last_error,omitempty"`
	// Handing is when the loop began to hand the message over, while it
	// has no result of that: set, the message may have gone (the process
	// stopped between the handing over and its record), so it is never
	// withdrawn, only handed over again. Only messages that can be
	// withdrawn (Message.AskedAgain) are marked.
	Handing time.Time `json:"handing,omitzero"`
}

// FireFailure is a booking whose due timers could not be fired this time.
type FireFailure struct {
	Booking BookingID
	Err     error
}

// LoopStore is what the background loop needs from the store beyond Store:
// due timers found by seeking a time-ordered index, receipts applied once
// each, and the outbox that makes every effect happen exactly once.
type LoopStore interface {
	Store
	// The functions get the booking's patient read in the same transaction.
	//
	// FireDue calls fn, in one write transaction, for up to limit bookings
	// that have a timer due at or before now, skipping those in skip. A
	// booking whose fn fails is left as it was and reported; the others are
	// stored with their events and the messages they decided.
	FireDue(ctx context.Context, now time.Time, limit int, skip map[BookingID]bool, fn func(b *Booking, p Patient) error) (fired int, failed []FireFailure, err error)
	// FireDueOf is FireDue for the bookings ids alone: those with a timer
	// due at now, each read by its id (one the store does not hold is passed
	// over), in one write transaction.
	FireDueOf(ctx context.Context, now time.Time, ids []BookingID, fn func(b *Booking, p Patient) error) (fired int, failed []FireFailure, err error)
	// ApplyReceipt finds the booking the receipt's message belongs to and
	// calls fn with it and what the store knows of the message, unless this
	// (message, type) was applied before: then it returns duplicate=true
	// and changes nothing. ErrUnknownMessage when the message is not ours.
	ApplyReceipt(ctx context.Context, r Receipt, fn func(b *Booking, p Patient, m SentMessage) error) (duplicate bool, err error)
	// PendingOutbox lists up to limit messages whose next attempt is due.
	PendingOutbox(ctx context.Context, now time.Time, limit int) ([]OutboxEntry, error)
	// OutboxHanding marks messages as being handed over at at
	// (OutboxEntry.Handing), before the loop hands them to their systems,
	// and returns those it marked: an id no longer in the outbox (a change
	// withdrew it since it was read) is passed over, and must not go.
	OutboxHanding(ctx context.Context, ids []string, at time.Time) (marked []string, err error)
	// OutboxUnmark takes away the marks of messages the loop marked and
	// then did not hand over (it was stopping).
	OutboxUnmark(ctx context.Context, ids []string) error
	// OutboxDelivered removes delivered messages from the outbox.
	OutboxDelivered(ctx context.Context, ids []string, at time.Time) error
	// OutboxFailed records a failed attempt and when to try again, and
	// with unmark takes the message's Handing mark away (the loop's own
	// mark of this pass, on a send that certainly did not go; a mark an
	// earlier pass left stays: that pass may have handed it over); it returns
	// the number of attempts so far.
	OutboxFailed(ctx context.Context, id string, at time.Time, why string, next time.Time, unmark bool) (int, error)
	// OutboxStats counts waiting messages and those that failed at least once.
	OutboxStats(ctx context.Context) (waiting, failing int, err error)
}

// The reasons a booking needs attention, as AttentionItem.Reasons lists them.
const (
	AttentionRebookRequested = "rebook_requested" // the patient asked to rebook in 1177
	AttentionCancelRequested = "cancel_requested" // the patient asked to cancel in 1177
	AttentionPhoneTask       = "phone_task"       // staff are to phone the patient
	AttentionHandOver        = "hand_over"        // protected personal data: hand the summons over by the unit's routine
	AttentionLetterOutdated  = "letter_outdated"  // a printed letter names a void time
)

// AttentionItem is a booking that needs staff: a patient's request to
// rebook or cancel waiting to be handled, or an open phone task.
type AttentionItem struct {
	Booking *Booking
	Reasons []string  // AttentionRebookRequested, AttentionCancelRequested, AttentionPhoneTask, AttentionHandOver
	Since   time.Time // the booking's latest change (UpdatedAt)
	Late    bool      // a request made less than 72 hours before the visit: first in line
}

// SearchRow is a booking a search shows, with its patient (one value
// shared by the rows of the same patient).
type SearchRow struct {
	Booking *Booking
	Patient *Patient
}

// QueryStore is what an interactive user interface needs from the store
// beyond Store: every answer is read through an index, so that it costs what
// it returns, not what is stored.
type QueryStore interface {
	Store
	// SearchPatients finds patients as the user types. A query starting with
	// a digit matches identity numbers by prefix, in the forms staff write
	// them (YYYYMMDD-NNNN, YYMMDD, with or without separators), ordered by
	// canonical identity number. Any other query matches names by word
	// prefix, ignoring case and accents: every word of the query must begin
	// some word of the name ("an öb" finds "Anders Öberg"); ordered by name,
	// then identity number. At most limit patients (0 means a default).
	SearchPatients(ctx context.Context, query string, limit int) ([]Patient, error)
	// SearchBookings is a keystroke of a bookings search, or a page of its
	// results, in one read: the bookings matching q (q.Patient aside) of
	// the patients SearchPatients(query, patients) finds — at the limit,
	// also those whose names fold alike with the last one — in (visit
	// time, id) order, at most q.Limit of them (0 means a default). With
	// at set, the window around a day: those from at on and, when they are
	// fewer than q.Limit, the latest before at to make up q.Limit, in
	// front. With at zero, the page q names, read as Bookings reads it
	// (After, Before, Reverse). The cost follows the rows returned and the
	// patients found, not what is stored.
	SearchBookings(ctx context.Context, query string, patients int, at time.Time, q BookingQuery) ([]SearchRow, error)
	// PatientsByID reads several patients at once: the i-th is ids[i]'s,
	// or the zero Patient (its ID zero) where ids[i] is unknown.
	PatientsByID(ctx context.Context, ids []IdentityNumber) ([]Patient, error)
	// Attention lists the bookings that need staff: late requests first,
	// then longest waiting (oldest Since) first, at most limit (0 = all).
	Attention(ctx context.Context, limit int) ([]AttentionItem, error)
	// AttentionCount is how many bookings need staff, for the status line
	// drawn on every refresh: it reads no booking.
	AttentionCount(ctx context.Context) (int, error)
	// FailingOutbox lists the undelivered messages whose delivery failed at
	// least minAttempts times (minAttempts below 1 counts as 1).
	FailingOutbox(ctx context.Context, minAttempts int) ([]OutboxEntry, error)
	// RetryOutbox makes an undelivered message due at `at` (staff: "retry
	// now"), keeping its count of attempts. ErrNotFound when the message is
	// not in the outbox (delivered meanwhile, or never decided).
	RetryOutbox(ctx context.Context, id string, at time.Time) error
}

// PrintLetter is one paper letter in the print folder, as staff see it.
type PrintLetter struct {
	MessageID   string
	Day         string // 2006-01-02, the Stockholm day it was filed under
	Booking     BookingID
	Patient     string // YYYYMMDD-NNNN, as the letter's summons names the patient
	PatientName string
	VisitAt     time.Time
	Purpose     Purpose
	Printed     bool
	Withdrawn   bool // its time became void before it was printed
}

// PrintQueue is the print folder: the day's letters, the batch for the
// printer (letters not yet printed, or with reprint all but the withdrawn;
// the letters in it count as printed), and the mark that letters were
// printed otherwise. Both return the ids of the letters they printed.
type PrintQueue interface {
	Letters(day time.Time) ([]PrintLetter, error)
	Batch(day time.Time, reprint bool) (path string, ids []string, err error)
	MarkPrinted(day time.Time) (ids []string, err error)
	// Withdraw keeps a letter of day out of every batch (idempotent).
	Withdraw(day time.Time, id string) error
}

// QuarantinedReceipt is a receipt file the loop could not use, and why: the
// reason in English as the note keeps it, and the problem by its code when
// the note names it (nil for a note written before notes named it).
type QuarantinedReceipt struct {
	Name, Reason string
	Problem      *ReceiptProblem
}

// Quarantine lists quarantined receipts and puts one back for another try.
type Quarantine interface {
	Quarantined() ([]QuarantinedReceipt, error)
	Requeue(name string) error
	// Discard takes a file out of the list for good, keeping it with a
	// note of when, by whom and why.
	Discard(name, why, by string, at time.Time) error
}
