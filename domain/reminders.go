package domain

import "time"

// IsReminder is true for the purposes of an SMS reminder (R5), sent by the
// loop or by hand.
func (p Purpose) IsReminder() bool {
	return p == PurposeReminder4d || p == PurposeReminder1d || p == PurposeReminderByHand
}

// AskedAgain is true for the messages the loop asks their booking about
// again before it sends them (Booking.MessageVoid): SMS reminders and 1177
// summonses.
func (m Message) AskedAgain() bool {
	return m.Kind == MessageSMS && m.Purpose.IsReminder() ||
		m.Kind == MessageInbox && m.Purpose == PurposeSummons && m.Summons != nil
}

// MessageVoid is why message m, decided for this booking and still
// waiting in the outbox (an SMS held for the end of the quiet hours, or a
// message failing and retried), must not go at now — "" when it still may:
//   - an SMS reminder (R5), "Du har en tid …", for a time cancelled, moved
//     or already begun, or to a patient who asked to rebook or cancel it,
//     would mislead: the tests fireReminder makes before it decides one. A
//     reminder decided before the visit it names was kept (VisitAt zero)
//     is judged by the booking's time alone;
//   - a 1177 summons (R2) for a time cancelled, moved or begun would send
//     the patient to a void time, after the notice or the new summons that
//     went meanwhile.
//
// Other messages always go.
func (b *Booking) MessageVoid(m Message, now time.Time) string {
	if !m.AskedAgain() || m.Booking != b.id {
		return ""
	}
	named := m.VisitAt
	if m.Kind == MessageInbox {
		named = m.Summons.VisitAt
	}
	switch {
	case b.state == StateCancelled:
		return NoteVisitCancelled
	case !named.IsZero() && !named.Equal(b.visitAt):
		return NoteVisitMoved
	case !now.Before(b.visitAt):
		return SkipVisitPassed
	case m.Kind == MessageSMS && (b.state == StateRebookRequested || b.state == StateCancelRequested):
		return SkipRequestPending
	}
	return ""
}

// WithdrawMessage takes message m out of the outbox unsent, for why
// (MessageVoid), and records it on the booking's history: a
// reminder_withdrawn or summons_withdrawn event.
func (b *Booking) WithdrawMessage(m Message, why string, env FireEnv) {
	typ := EventReminderWithdrawn
	if m.Kind == MessageInbox {
		typ = EventSummonsWithdrawn
	}
	b.withdrawn = append(b.withdrawn, m.ID)
	b.record(Event{Type: typ, At: env.Now, Actor: env.actor(), MessageID: m.ID, Note: why})
}
