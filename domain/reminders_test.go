package domain

import (
	"slices"
	"testing"
	"time"
)

// R5 with the rules the source leaves implicit: an SMS reminder decided
// but still waiting in the outbox (held for the end of the quiet hours, or
// failing and retried) is withdrawn unsent when, by the time it would go,
// the time it names is cancelled, moved or has begun, or the patient asked
// to rebook or cancel it; otherwise it goes.
func TestRuleR5_AWaitingReminderForAVoidTimeIsWithdrawn(t *testing.T) {
	p := newTestPatient(t, "")
	visit := at("2026-12-10 09:30")
	// reminded is a booking with an SMS reminder sent by hand at 22:30,
	// held until 08:00, and that reminder.
	reminded := func(t *testing.T) (*Booking, Message) {
		t.Helper()
		b := booked(t, p, examDigital, at("2026-11-25 10:00"), visit)
		b.TakeMessages()
		if err := b.RemindByHand(fireEnv(t, p, examDigital, at("2026-12-08 22:30")), false); err != nil {
			t.Fatal(err)
		}
		ms := messagesOf(b)[PurposeReminderByHand]
		if len(ms) != 1 || !ms[0].VisitAt.Equal(visit) {
			t.Fatalf("the reminder decided: %+v", ms)
		}
		return b, ms[0]
	}
	morning := at("2026-12-09 08:00")
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, b *Booking, m *Message)
		now    time.Time
		want   string
	}{
		{"nothing changed", func(*testing.T, *Booking, *Message) {}, morning, ""},
		{"cancelled in the night", func(t *testing.T, b *Booking, _ *Message) {
			if err := b.Cancel(at("2026-12-08 23:00"), "anna", ""); err != nil {
				t.Fatal(err)
			}
		}, morning, NoteVisitCancelled},
		{"moved in the night", func(t *testing.T, b *Booking, _ *Message) {
			if err := b.Rebook(visit.Add(48*time.Hour), at("2026-12-08 23:00"), "anna", nil); err != nil {
				t.Fatal(err)
			}
		}, morning, NoteVisitMoved},
		{"retried until the visit began", func(*testing.T, *Booking, *Message) {}, visit, SkipVisitPassed},
		{"the patient asked to cancel", func(t *testing.T, b *Booking, _ *Message) {
			r := Receipt{MessageID: b.Status().MessageID, Type: ReceiptCancelRequested, At: at("2026-12-08 23:00")}
			if err := b.ApplyReceipt(r, fireEnv(t, p, examDigital, at("2026-12-08 23:01"))); err != nil {
				t.Fatal(err)
			}
		}, morning, SkipRequestPending},
		{"decided before the visit was kept, still true", func(_ *testing.T, _ *Booking, m *Message) { m.VisitAt = time.Time{} }, morning, ""},
		{"decided before the visit was kept, time begun", func(_ *testing.T, _ *Booking, m *Message) { m.VisitAt = time.Time{} }, visit.Add(time.Minute), SkipVisitPassed},
		{"not a reminder", func(_ *testing.T, b *Booking, m *Message) {
			m.Purpose = PurposeCancellation
			_ = b.Cancel(at("2026-12-08 23:00"), "anna", "")
		}, morning, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, m := reminded(t)
			tc.change(t, b, &m)
			b.TakeMessages()
			why := b.MessageVoid(m, tc.now)
			if why != tc.want {
				t.Fatalf("MessageVoid = %q, want %q", why, tc.want)
			}
			if why == "" {
				return
			}
			b.WithdrawMessage(m, why, FireEnv{Now: tc.now})
			if got := b.TakeWithdrawn(); !slices.Equal(got, []string{m.ID}) {
				t.Fatalf("withdrawn %v, want %s", got, m.ID)
			}
			evs := b.TakeEvents()
			last := evs[len(evs)-1]
			if last.Type != EventReminderWithdrawn || last.MessageID != m.ID || last.Note != why || last.Actor != SystemActor {
				t.Fatalf("the event recorded: %+v", last)
			}
			if len(b.TakeWithdrawn()) != 0 {
				t.Fatal("TakeWithdrawn handed the withdrawal out twice")
			}
		})
	}
}

// R2 with the rules the source leaves implicit: a 1177 summons decided but
// still waiting in the outbox (1177 unreachable, retried) is withdrawn
// unsent when, by the time it would go, its time is cancelled, moved or has
// begun — it would send the patient to a void time, after the notice or
// the new summons. A patient's request does not hold it.
func TestRuleR2_AWaitingSummonsForAVoidTimeIsWithdrawn(t *testing.T) {
	p := newTestPatient(t, "")
	visit := at("2026-12-10 09:30")
	summoned := func(t *testing.T) (*Booking, Message) {
		t.Helper()
		b := booked(t, p, examDigital, at("2026-11-25 10:00"), visit)
		ms := messagesOf(b)[PurposeSummons]
		if len(ms) != 1 || ms[0].Kind != MessageInbox || !ms[0].AskedAgain() {
			t.Fatalf("the summons decided: %+v", ms)
		}
		return b, ms[0]
	}
	later := at("2026-11-27 10:00")
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, b *Booking)
		now    time.Time
		want   string
	}{
		{"nothing changed", func(*testing.T, *Booking) {}, later, ""},
		{"cancelled", func(t *testing.T, b *Booking) {
			if err := b.Cancel(at("2026-11-26 10:00"), "anna", ""); err != nil {
				t.Fatal(err)
			}
		}, later, NoteVisitCancelled},
		{"moved", func(t *testing.T, b *Booking) {
			if err := b.Rebook(visit.Add(48*time.Hour), at("2026-11-26 10:00"), "anna", nil); err != nil {
				t.Fatal(err)
			}
		}, later, NoteVisitMoved},
		{"retried until the visit began", func(*testing.T, *Booking) {}, visit, SkipVisitPassed},
		{"the patient asked to rebook", func(t *testing.T, b *Booking) {
			r := Receipt{MessageID: b.Status().MessageID, Type: ReceiptRebookRequested, At: at("2026-11-26 10:00")}
			if err := b.ApplyReceipt(r, fireEnv(t, p, examDigital, at("2026-11-26 10:01"))); err != nil {
				t.Fatal(err)
			}
		}, later, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, m := summoned(t)
			tc.change(t, b)
			b.TakeMessages()
			b.TakeEvents()
			why := b.MessageVoid(m, tc.now)
			if why != tc.want {
				t.Fatalf("MessageVoid = %q, want %q", why, tc.want)
			}
			if why == "" {
				return
			}
			b.WithdrawMessage(m, why, FireEnv{Now: tc.now})
			evs := b.TakeEvents()
			if got := b.TakeWithdrawn(); !slices.Equal(got, []string{m.ID}) || len(evs) != 1 ||
				evs[0].Type != EventSummonsWithdrawn || evs[0].MessageID != m.ID || evs[0].Note != why {
				t.Fatalf("withdrawn %v, events %+v", got, evs)
			}
		})
	}
	// Letters and notices are never asked again: the print queue withdraws
	// letters when the time changes, and a notice is the news of the change.
	for _, m := range []Message{{Kind: MessageLetter, Purpose: PurposeSummons}, {Kind: MessageInbox, Purpose: PurposeCancellation, Summons: &Summons{}},
		{Kind: MessageSMS, Purpose: PurposeCancellation}} {
		if m.AskedAgain() {
			t.Errorf("%s %s is asked again", m.Kind, m.Purpose)
		}
	}
}
