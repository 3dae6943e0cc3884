package domain

import (
	"fmt"
	"time"
)

// LetterState is what became of a paper letter in the print queue.
type LetterState string

// The states of a letter.
const (
	LetterQueued    LetterState = "queued"    // in the print folder, not yet printed
	LetterPrinted   LetterState = "printed"   // in a print batch, or marked printed
	LetterWithdrawn LetterState = "withdrawn" // its time became void before it was printed: never to be posted
)

// LetterRecord is one paper letter of a booking: which time it names, and
// whether it is still true to post it.
type LetterRecord struct {
	ID      string      `json:"id"`
	Day     string      `json:"day"` // the print folder's day, 2006-01-02 in Stockholm
	VisitAt time.Time   `json:"visit_at"`
	Purpose Purpose     `json:"purpose"`
	State   LetterState `json:"state"`
	// PrintedAt is when it went into a batch or was marked printed.
	PrintedAt time.Time `json:"printed_at,omitzero"`
}

// LetterDay is the Stockholm day under which a letter made at t is filed.
func LetterDay(t time.Time) string { return t.In(Stockholm).Format("2006-01-02") }

func letterRecord(m Message) LetterRecord {
	r := LetterRecord{ID: m.ID, Day: LetterDay(m.CreatedAt), Purpose: m.Purpose, State: LetterQueued}
	if m.Summons != nil {
		r.VisitAt = m.Summons.VisitAt
	}
	return r
}

// localLetters shows the letters' times in Stockholm, in place: ls is a
// snapshot's, the booking's own (see RehydrateBookingInto).
func localLetters(ls []LetterRecord) []LetterRecord {
	if ls == nil {
		return []LetterRecord{} // never nil, as a booking read back always had
	}
	for i := range ls {
		l := &ls[i]
		l.VisitAt, l.PrintedAt = inLocal(l.VisitAt), inLocal(l.PrintedAt)
	}
	return ls
}

// queueLetter sends a letter and keeps its record.
func (b *Booking) queueLetter(m Message) {
	if m.Purpose != PurposeCancellation {
		b.lastLetterAt = m.CreatedAt
	}
	b.messages = append(b.messages, m)
	b.letters = append(b.letters, letterRecord(m))
}

// Letters are the booking's paper letters, oldest first.
func (b *Booking) Letters() []LetterRecord { return append([]LetterRecord(nil), b.letters...) }

// OutdatedLetter reports a printed letter naming a void time, for staff.
func (b *Booking) OutdatedLetter() bool { return b.outdatedLetter }

// stillTrue reports whether a letter may still reach the patient: one that
// names the booking's time while the booking stands; a cancellation notice
// while the booking stays cancelled.
func (b *Booking) stillTrue(l LetterRecord) bool {
	if l.Purpose == PurposeCancellation {
		return b.state == StateCancelled // an undone cancellation's notice is void
	}
	return b.state != StateCancelled && l.VisitAt.Equal(b.visitAt)
}

// withdrawVoidLetters takes the letters that name a void time out of the
// print queue while they are not printed (an outbox message to the print
// folder, and an event each). One printed today may still be in the
// building: staff are told, as a needs-attention item, that a printed
// letter is out of date. One printed on an earlier day is in the post; the
// new summons or the cancellation notice tells the patient the time is
// void.
func (b *Booking) withdrawVoidLetters(env FireEnv, why string) {
	for i := range b.letters {
		l := &b.letters[i]
		if b.stillTrue(*l) {
			continue
		}
		switch l.State {
		case LetterQueued:
			b.withdraw(l, env, why)
		case LetterPrinted:
			if LetterDay(l.PrintedAt) == LetterDay(env.Now) {
				b.markOutdated(env.Now, env.actor(), l.ID, why)
			}
		}
	}
}

// withdraw takes a letter not yet printed out of the print queue: an outbox
// message to the print folder, and an event.
func (b *Booking) withdraw(l *LetterRecord, env FireEnv, why string) {
	l.State = LetterWithdrawn
	m := b.newMessage(MessageLetter, PurposeWithdraw, env)
	m.SubjectOfCareID, m.Withdraws, m.LetterDay = "", l.ID, l.Day
	b.messages = append(b.messages, m)
	b.record(Event{Type: EventLetterWithdrawn, At: env.Now, Actor: env.actor(), MessageID: l.ID, Note: why})
}

func (b *Booking) markOutdated(now time.Time, actor, id, why string) {
	if !b.outdatedLetter {
		b.outdatedLetter = true
	}
	b.record(Event{Type: EventLetterOutdated, At: now, Actor: actor, MessageID: id, Note: why})
}

// LetterPrinted records that a letter of the booking went into a print
// batch or was marked printed. A letter printed although it had been
// withdrawn (the batch was written before the withdrawal reached the print
// folder) is out of date: staff are told. Printing a printed letter again
// changes nothing.
func (b *Booking) LetterPrinted(id string, now time.Time, actor string) error {
	for i := range b.letters {
		l := &b.letters[i]
		if l.ID != id {
			continue
		}
		switch l.State {
		case LetterPrinted:
			return nil
		case LetterWithdrawn:
			l.State, l.PrintedAt = LetterPrinted, now
			b.markOutdated(now, actor, id, NotePrintedWithdrawn)
			return nil
		}
		l.State, l.PrintedAt = LetterPrinted, now
		if !b.stillTrue(*l) {
			b.markOutdated(now, actor, id, NotePrintedVoid)
			return nil
		}
		b.record(Event{Type: EventLetterPrinted, At: now, Actor: actor, MessageID: id})
		return nil
	}
	return fmt.Errorf("%w: booking %s has no letter %s", ErrNotFound, b.id, id)
}

// LetterTooLate takes a letter not yet printed out of the print queue
// because, printed now, it would no longer arrive before the visit's day
// (the queue waited too long: a weekend, the server down). Staff phone the
// patient instead, unless the summons was opened, the visit has passed or
// the letter was a cancellation notice (the other channels told them).
func (b *Booking) LetterTooLate(id string, env FireEnv) error {
	for i := range b.letters {
		l := &b.letters[i]
		if l.ID != id {
			continue
		}
		if l.State != LetterQueued {
			return nil
		}
		b.withdraw(l, env, NotePrintedTooLate)
		if l.Purpose == PurposeCancellation {
			// The notice the post can no longer carry: staff phone, unless
			// the SMS or a 1177 message the patient reads told them.
			if b.state == StateCancelled && !b.noticeReached && env.Now.Before(l.VisitAt) && !b.phoneTask {
				b.raisePhoneTask(env, NoteCancelNotice+NoteJoin+NoteNotPrintedInTime)
			}
			return nil
		}
		if b.state.Final() || !b.openedAt.IsZero() || !env.Now.Before(b.visitAt) || !l.VisitAt.Equal(b.visitAt) {
			return nil
		}
		b.toldPaper = b.anyTrueLetter()
		if !b.toldPaper && !b.phoneTask {
			b.raisePhoneTask(env, NoteNotPrintedInTime)
		}
		return nil
	}
	return fmt.Errorf("%w: booking %s has no letter %s", ErrNotFound, b.id, id)
}

// OutdatedLetterHandled records that staff dealt with a printed letter that
// names a void time (took it out of the post, or told the patient).
func (b *Booking) OutdatedLetterHandled(now time.Time, actor, note string) error {
	if !b.outdatedLetter {
		return ErrNoOutdatedLetter // the caller named the booking
	}
	b.outdatedLetter = false
	b.record(Event{Type: EventOutdatedHandled, At: now, Actor: actor, Note: note})
	return nil
}

// anyPrintedVoid reports whether a printed letter names a void time (or is
// the notice of a cancellation no longer so).
func (b *Booking) anyPrintedVoid() bool {
	for _, l := range b.letters {
		if l.State == LetterPrinted && !b.stillTrue(l) {
			return true
		}
	}
	return false
}

// letterTo is summons s as a letter to r. The time the booking moved from
// (voidedVisit) is one the patient was told, on some channel; a letter to
// a child's guardians (r.For) names it as void, and says it replaces an
// earlier summons, only when the guardians were told it too
// (guardiansToldVoided): the digital summons went to the child's own inbox,
// and a letter withdrawn from the print queue told them nothing.
func (b *Booking) letterTo(s Summons, r Recipient) Summons {
	l := s.ForRecipient(r)
	if r.For != "" && !b.guardiansToldVoided() {
		l.PreviousVisitAt, l.Rebooked = nil, false
	}
	return l
}

// guardiansToldVoided reports whether a child's guardians were told the
// time the booking moved from: a letter naming it was printed (a child's
// letters go to them), or staff phoned that summons or handed it over (for
// a child, to the guardians).
func (b *Booking) guardiansToldVoided() bool {
	return !b.voidedVisit.IsZero() && (b.voidedPhoned || b.voidedHandedOver || b.printedLetterFor(b.voidedVisit))
}

// printedLetterFor reports whether a summons letter naming t was printed:
// the patient was told t on paper.
func (b *Booking) printedLetterFor(t time.Time) bool {
	for _, l := range b.letters {
		if l.Purpose != PurposeCancellation && l.State == LetterPrinted && l.VisitAt.Equal(t) {
			return true
		}
	}
	return false
}
