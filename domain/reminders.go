package domain

import "time"

// IsReminder is true for the purposes of an SMS reminder (R5), sent by the
// loop or by hand.
func (p Purpose) IsReminder() bool {
	return p == PurposeReminder4d || p == PurposeReminder1d || p == PurposeReminderByHand
}

// ReminderVoid is why SMS reminder m, decided for this booking and still
// waiting in the outbox (held for the end of the quiet hours, or failing
// and retried), must not go at now — "" when it still may. "Du har en
// tid …" for a time cancelled, moved or already begun, or to a patient who
// asked to rebook or cancel it, would mislead: the same tests fireReminder
// makes before it decides one. A reminder decided before the visit it
// names was kept (VisitAt zero) is judged by the booking's time alone.
func (b *Booking) ReminderVoid(m Message, now time.Time) string {
	if m.Kind != MessageSMS || !m.Purpose.IsReminder() || m.Booking != b.id {
		return ""
	}
	switch {
	case b.state == StateCancelled:
		return NoteVisitCancelled
	case !m.VisitAt.IsZero() && !m.VisitAt.Equal(b.visitAt):
		return NoteVisitMoved
	case !now.Before(b.visitAt):
		return SkipVisitPassed
	case b.state == StateRebookRequested || b.state == StateCancelRequested:
		return SkipRequestPending
	}
	return ""
}

// WithdrawReminder takes SMS reminder m out of the outbox unsent, for why
// (ReminderVoid), and records it on the booking's history.
func (b *Booking) WithdrawReminder(m Message, why string, env FireEnv) {
	b.withdrawn = append(b.withdrawn, m.ID)
	b.record(Event{Type: EventReminderWithdrawn, At: env.Now, Actor: env.actor(), MessageID: m.ID, Note: why})
}
