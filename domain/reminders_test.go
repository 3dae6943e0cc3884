package domain

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// R5 with the rules the source leaves implicit: an SMS reminder decided
// but still waiting in the outbox (held for the end of the quiet hours, or
// failing and retried) is withdrawn unsent when, by the time it would go,
// what it says is no longer so (the time or the place moved), the time is
// cancelled or has begun, or the patient asked to rebook or cancel;
// otherwise it goes. A reminder withdrawn is not among those sent.
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
		if len(ms) != 1 || !ms[0].AskedAgain() {
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
		}, morning, NoteNoLongerSo},
		{"moved to another hospital at the same time", func(t *testing.T, b *Booking, _ *Message) {
			if err := b.RebookAt("varnamo", visit, at("2026-12-08 23:00"), "anna", nil); err != nil {
				t.Fatal(err)
			}
		}, morning, NoteNoLongerSo},
		{"retried until the visit began", func(*testing.T, *Booking, *Message) {}, visit, SkipVisitPassed},
		{"the patient asked to cancel", func(t *testing.T, b *Booking, _ *Message) {
			r := Receipt{MessageID: b.Status().MessageID, Type: ReceiptCancelRequested, At: at("2026-12-08 23:00")}
			if err := b.ApplyReceipt(r, fireEnv(t, p, examDigital, at("2026-12-08 23:01"))); err != nil {
				t.Fatal(err)
			}
		}, morning, SkipRequestPending},
		{"not a reminder", func(_ *testing.T, b *Booking, m *Message) {
			m.Purpose = PurposeCancellation
			_ = b.Cancel(at("2026-12-08 23:00"), "anna", "")
		}, morning, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, m := reminded(t)
			tc.change(t, b, &m)
			b.TakeMessages()
			b.TakeEvents()
			env := fireEnv(t, p, examDigital, tc.now)
			if b.Site() == "varnamo" {
				env.Site = Site{Code: "varnamo", Name: "Värnamo sjukhus"}
			}
			why := b.MessageVoid(m, env)
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
			if len(evs) != 1 || evs[0].Type != EventReminderWithdrawn || evs[0].MessageID != m.ID || evs[0].Note != why || evs[0].Actor != SystemActor {
				t.Fatalf("the events recorded: %+v", evs)
			}
			if slices.Contains(b.Status().Reminders, "by_hand") || b.SentRecently(MessageSMS, tc.now) != nil {
				t.Fatalf("the reminder withdrawn still counts as sent: %v", b.Status().Reminders)
			}
			if len(b.TakeWithdrawn()) != 0 {
				t.Fatal("TakeWithdrawn handed the withdrawal out twice")
			}
		})
	}
}

// A reminder held in the outbox whose words alone changed meanwhile (the
// clinic's details, or an upgrade's wording) — the time and the place
// stand — goes again in today's words: the patient still gets it. (It was
// withdrawn, and the patient got no reminder at all.)
func TestRuleR5_AReminderWhoseWordsAloneChangedGoesAgain(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	b.TakeMessages()
	if err := b.RemindByHand(fireEnv(t, p, examDigital, at("2026-12-08 22:30")), false); err != nil {
		t.Fatal(err)
	}
	held := messagesOf(b)[PurposeReminderByHand][0]
	b.TakeEvents()
	env := fireEnv(t, p, examDigital, at("2026-12-09 08:00"))
	env.Clinic.Department = "Klinisk fysiologi och nuklearmedicin" // renamed in the configuration overnight
	why := b.MessageVoid(held, env)
	if why != NoteNoLongerSo {
		t.Fatalf("MessageVoid = %q", why)
	}
	b.WithdrawMessage(held, why, env)
	evs := b.TakeEvents()
	again := messagesOf(b)[PurposeReminderByHand]
	if len(evs) != 2 || evs[0].Type != EventReminderWithdrawn || evs[1].Type != EventReminderSent || len(again) != 1 ||
		again[0].ID == held.ID || !strings.Contains(again[0].Text, "nuklearmedicin") || !again[0].NotBefore.IsZero() {
		t.Fatalf("events %+v, messages %+v", evs, again)
	}
	if !slices.Contains(b.Status().Reminders, "by_hand") {
		t.Fatalf("the reminder sent again is not among those sent: %v", b.Status().Reminders)
	}
}

// R2 with the rules the source leaves implicit: a 1177 summons decided but
// still waiting in the outbox (1177 unreachable, retried) is withdrawn
// unsent when, by the time it would go, it is no longer the booking's
// summons (the time or place moved, a cancellation was undone: a new one
// goes) or its time is cancelled or has begun — it would send the patient
// to a void time, after the notice or the new summons. A patient's request
// does not hold it.
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
		}, later, NoteSummonsReplaced},
		{"moved away and back", func(t *testing.T, b *Booking) {
			for _, v := range []time.Time{visit.Add(48 * time.Hour), visit} {
				if err := b.Rebook(v, at("2026-11-26 10:00"), "anna", nil); err != nil {
					t.Fatal(err)
				}
			}
		}, later, NoteSummonsReplaced},
		{"cancelled and undone", func(t *testing.T, b *Booking) {
			if err := b.Cancel(at("2026-11-26 10:00"), "anna", ""); err != nil {
				t.Fatal(err)
			}
			if err := b.UndoCancel(at("2026-11-26 10:01"), "anna", "", nil); err != nil {
				t.Fatal(err)
			}
		}, later, NoteSummonsReplaced},
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
			why := b.MessageVoid(m, fireEnv(t, p, examDigital, tc.now))
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
	// Letters are never asked again: the print queue withdraws them when
	// the time changes.
	if m := (Message{Kind: MessageLetter, Purpose: PurposeSummons}); m.AskedAgain() {
		t.Errorf("%s %s is asked again", m.Kind, m.Purpose)
	}
}

// A cancellation notice waiting in the outbox (an SMS held for the
// morning, a 1177 message retried) goes while the booking stays
// cancelled, and is withdrawn when the cancellation was undone meanwhile
// (review: "…är avbokad" went the morning after the time was restored).
func TestImplicit_AnUndoneCancellationsWaitingNoticeIsWithdrawn(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-20 10:00"), at("2026-12-05 10:00"))
	b.TakeMessages()
	if err := b.CancelAndNotify(fireEnv(t, p, examDigital, at("2026-12-01 22:00")), ""); err != nil {
		t.Fatal(err)
	}
	notices := messagesOf(b)[PurposeCancellation]
	if len(notices) != 2 {
		t.Fatalf("notices %+v", notices)
	}
	morning := fireEnv(t, p, examDigital, at("2026-12-02 08:00"))
	for _, m := range notices {
		if !m.AskedAgain() || b.MessageVoid(m, morning) != "" {
			t.Errorf("%s notice of a cancellation that stands: asked %v, void %q", m.Kind, m.AskedAgain(), b.MessageVoid(m, morning))
		}
	}
	if err := b.UndoCancel(at("2026-12-01 22:10"), "anna", "", nil); err != nil {
		t.Fatal(err)
	}
	b.TakeEvents()
	for _, m := range notices {
		why := b.MessageVoid(m, morning)
		if why != NoteCancellationUndone {
			t.Fatalf("%s notice of an undone cancellation: void %q", m.Kind, why)
		}
		b.WithdrawMessage(m, why, morning)
		if evs := b.TakeEvents(); len(evs) != 1 || evs[0].Type != EventNoticeWithdrawn || evs[0].MessageID != m.ID {
			t.Fatalf("events %+v", evs)
		}
	}
}
