package domain

import (
	"slices"
	"time"
)

// IsReminder is true for the purposes of an SMS reminder (R5), sent by the
// loop or by hand.
func (p Purpose) IsReminder() bool {
	return p == PurposeReminder4d || p == PurposeReminder1d || p == PurposeReminderByHand
}

// AskedAgain is true for the messages the loop asks their booking about
// again before it sends them (Booking.MessageVoid): SMS reminders, 1177
// summonses, and cancellation notices by SMS or 1177.
func (m Message) AskedAgain() bool {
	return m.Kind == MessageSMS && m.Purpose.IsReminder() ||
		m.Kind == MessageInbox && m.Purpose == PurposeSummons ||
		(m.Kind == MessageSMS || m.Kind == MessageInbox) && m.Purpose == PurposeCancellation
}

// MessageVoid is why message m, decided for this booking and still
// waiting in the outbox (an SMS held for the end of the quiet hours, or a
// message failing and retried), must not go at env.Now — "" when it still
// may:
//   - an SMS reminder (R5) whose words are no longer so — the booking's
//     time, place or the clinic's details are not what it says (the text
//     a reminder decided now would have), the time is cancelled or has
//     begun — or to a patient who asked to rebook or cancel: the tests
//     fireReminder makes before it decides one;
//   - a 1177 summons (R2) that is no longer the booking's current one (the
//     time was moved, or a cancellation undone, and a new summons went),
//     or whose time is cancelled or has begun: it would reach the patient
//     after the notice or the new summons and send them to a void time;
//   - a cancellation notice (an SMS held for the morning, a 1177 message
//     retried) whose cancellation was undone meanwhile: the time stands.
//
// Other messages always go.
func (b *Booking) MessageVoid(m Message, env FireEnv) string {
	if !m.AskedAgain() || m.Booking != b.id {
		return ""
	}
	if m.Purpose == PurposeCancellation {
		if b.state != StateCancelled {
			return NoteCancellationUndone
		}
		return ""
	}
	switch {
	case b.state == StateCancelled:
		return NoteVisitCancelled
	case m.Kind == MessageInbox && m.ID != b.summonsMsg:
		return NoteSummonsReplaced
	case m.Kind == MessageSMS && m.Text != ReminderText(b.visitAt, env.Site, env.Clinic, SMSToGuardian(env.Patient, env.Now, env.Policy)):
		return NoteNoLongerSo
	case m.Kind == MessageSMS:
		return b.ReminderHeld(env.Now)
	case !env.Now.Before(b.visitAt):
		return SkipVisitPassed
	}
	return ""
}

// WithdrawMessage takes message m out of the outbox unsent, for why
// (MessageVoid), and records it on the booking's history: a
// reminder_withdrawn or summons_withdrawn event. A reminder withdrawn is no
// longer among those the booking says were sent, nor the last SMS (a
// reminder by hand is not "sent moments ago" by one that never went).
//
// A reminder whose words alone are no longer so — the clinic's details or
// the wording changed, not the time or the place, whose move resets the
// reminders sent and plans them anew — goes again in today's words: the
// patient still gets it.
func (b *Booking) WithdrawMessage(m Message, why string, env FireEnv) {
	typ := EventReminderWithdrawn
	var again string // the reminder to send again in today's words
	switch {
	case m.Purpose == PurposeCancellation:
		typ = EventNoticeWithdrawn
	case m.Kind == MessageInbox:
		typ = EventSummonsWithdrawn
	default:
		which := map[Purpose]string{PurposeReminder4d: "4d", PurposeReminder1d: "1d", PurposeReminderByHand: "by_hand"}[m.Purpose]
		if why == NoteNoLongerSo && slices.Contains(b.reminders, which) && !b.state.Final() {
			again = which
		}
		for i := len(b.reminders) - 1; i >= 0; i-- {
			if b.reminders[i] == which {
				b.reminders = append(b.reminders[:i:i], b.reminders[i+1:]...)
				break
			}
		}
		if b.lastSMSAt.Equal(m.CreatedAt) {
			b.lastSMSAt = time.Time{}
		}
	}
	b.withdrawn = append(b.withdrawn, m.ID)
	b.record(Event{Type: typ, At: env.Now, Actor: env.actor(), MessageID: m.ID, Note: why})
	if again != "" {
		b.sendReminder(env, again)
	}
}

// SummonsWaits tells the booking what its store knows: its current 1177
// summons is still in the outbox and has not begun to be handed over.
// A move or a cancellation in the same transaction then withdraws it
// (withdrawWaitingSummons) instead of treating the patient as told.
func (b *Booking) SummonsWaits() { b.summonsWaits = b.summonsMsg != "" }

// withdrawWaitingSummons withdraws the current 1177 summons, for why, when
// the store said it waits unsent (SummonsWaits), and reports whether it
// did: the patient never had it, so no later message may speak of it as
// told — neither a new summons saying its time no longer applies nor a
// cancellation notice.
func (b *Booking) withdrawWaitingSummons(env FireEnv, why string) bool {
	if !b.summonsWaits || b.summonsMsg == "" {
		return false
	}
	b.summonsWaits = false
	b.withdrawn = append(b.withdrawn, b.summonsMsg)
	b.record(Event{Type: EventSummonsWithdrawn, At: env.Now, Actor: env.actor(), MessageID: b.summonsMsg, Note: why})
	return true
}
