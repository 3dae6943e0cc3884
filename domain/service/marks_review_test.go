package service

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// stopsAfterMarking is the loop's store in a process told to stop (ctx
// cancelled: SIGTERM, the TUI quit) just after the batch was marked and
// before anything of it was handed over.
type stopsAfterMarking struct {
	domain.LoopStore
	cancel func()
}

func (s stopsAfterMarking) OutboxHanding(ctx context.Context, ids []string, at time.Time) ([]string, error) {
	m, err := s.LoopStore.OutboxHanding(ctx, ids, at)
	s.cancel()
	return m, err
}

// A reminder due at 08:00 is marked; the process stops cleanly before
// handing it over (it certainly did not go). The visit is then cancelled.
// The loop that starts again must withdraw the reminder, not send an SMS
// reminder for a cancelled visit.
func TestLoop_AMarkLeftByACleanStopIsTakenAway(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	ctx := context.Background()
	in := row(t, l.Service, 2, "19121212-1212", "Tolvan")
	in.Patient.Has1177Account, in.Patient.NotificationsEnabled, in.Patient.SMSReminders, in.Patient.Phone = true, true, true, "0701234567"
	if _, err := l.Service.ImportPatients(ctx, []ImportRow{in}); err != nil {
		t.Fatal(err)
	}
	visit := time.Date(2026, 12, 4, 9, 0, 0, 0, domain.Stockholm)
	res := bookTolvan(t, l, visit)
	l.Tick(ctx)
	snd := &fakeSender{}
	for k := range l.Senders {
		l.Senders[k] = snd
	}
	clk.t = time.Date(2026, 11, 25, 22, 30, 0, 0, domain.Stockholm)
	if _, err := l.Service.Remind(ctx, res.Booking.ID(), false); err != nil {
		t.Fatal(err)
	}
	evs, _ := l.Store.BookingEvents(ctx, res.Booking.ID())
	reminder := evs[slices.IndexFunc(evs, func(e domain.Event) bool { return e.Type == domain.EventReminderSent })].MessageID

	store := l.Store
	stopCtx, cancel := context.WithCancel(ctx)
	l.Store = stopsAfterMarking{store, cancel}
	clk.t = time.Date(2026, 11, 26, 8, 0, 0, 0, domain.Stockholm)
	l.Deliver(stopCtx)
	l.Store = store
	if snd.sent[reminder] != 0 {
		t.Fatalf("handed over %d times before the stop", snd.sent[reminder])
	}
	clk.t = clk.t.Add(10 * time.Minute)
	if _, err := l.Service.Cancel(ctx, res.Booking.ID(), ""); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(20 * time.Minute)
	if _, err := l.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if snd.sent[reminder] != 0 {
		t.Fatalf("an SMS reminder for a cancelled visit went (%d), though it was never handed over before the stop", snd.sent[reminder])
	}
}

// The summons is handed to 1177 and the process stops before the record:
// the mark says it may have gone. After the restart 1177 is down; the
// failed attempt clears the mark, although the first hand-over may well
// have reached the patient. A move then treats the summons as never sent:
// it is recorded as withdrawn, and the new summons does not say that the
// old time no longer applies.
func TestLoop_AFailedRetryKeepsTheMayHaveGoneMark(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	ctx := context.Background()
	visit := now.Add(10 * 24 * time.Hour)
	res := bookTolvan(t, l, visit)
	inbox := failAll(l, domain.MessageInbox, false)
	store := l.Store
	l.Store = stopsBeforeTheRecord{store}
	l.Tick(ctx) // the summons goes; the process stops before the record
	l.Store = store
	first := summonsIDs(t, l, res.Booking.ID())
	if len(first) != 1 || inbox.sent[first[0]] != 1 {
		t.Fatalf("summons %v handed over %v", first, inbox.sent)
	}
	inbox.on = true // after the restart 1177 is down
	clk.t = clk.t.Add(5 * time.Minute)
	l.Deliver(ctx)
	clk.t = clk.t.Add(5 * time.Minute)
	b, _, err := l.Service.RebookAt(ctx, res.Booking.ID(), "", visit.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	evs, _ := l.Store.BookingEvents(ctx, res.Booking.ID())
	withdrawn := slices.ContainsFunc(evs, func(e domain.Event) bool { return e.Type == domain.EventSummonsWithdrawn })
	if withdrawn || !b.Snapshot().VoidedVisit.Equal(visit) {
		t.Fatalf("a summons handed to 1177 before the stop is recorded withdrawn (%v); the new summons voids %v, want %v",
			withdrawn, b.Snapshot().VoidedVisit, visit)
	}
}
