package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	visit := time.Date(2026, 12, 4, 9, 0, 0, 0, domain.Stockholm)
	res, reminder, snd := heldReminder(t, l, clk, visit)

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

// (A) --now fixed (training, tests, a script re-run): the summons is handed
// to 1177 and the process stops before the record, leaving a mark at T.
// The re-run at the same --now meets 1177 down: OutboxFailed(at=T) takes
// the crash's mark for its own and clears it. A move then records the
// summons withdrawn and the new summons does not void the old time.
func TestLoop_AFailedRetryAtTheSameInstantKeepsTheCrashMark(t *testing.T) {
	l, _, _, _, _ := newLoop(t)
	ctx := context.Background()
	visit := now.Add(10 * 24 * time.Hour)
	res := bookTolvan(t, l, visit)
	inbox := failAll(l, domain.MessageInbox, false)
	store := l.Store
	l.Store = stopsBeforeTheRecord{store}
	l.Tick(ctx) // handed over; the process stops before the record
	l.Store = store
	first := summonsIDs(t, l, res.Booking.ID())
	if len(first) != 1 || inbox.sent[first[0]] != 1 {
		t.Fatalf("summons %v handed over %v", first, inbox.sent)
	}
	inbox.on = true
	l.Deliver(ctx) // same clock instant (--now)
	b, _, err := l.Service.RebookAt(ctx, res.Booking.ID(), "", visit.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	evs, _ := l.Store.BookingEvents(ctx, res.Booking.ID())
	if slices.ContainsFunc(evs, func(e domain.Event) bool { return e.Type == domain.EventSummonsWithdrawn }) ||
		!b.Snapshot().VoidedVisit.Equal(visit) {
		t.Fatalf("a summons handed to 1177 is recorded withdrawn; voided %v, want %v", b.Snapshot().VoidedVisit, visit)
	}
}

// handsOverThenStops is an HTTP gateway that accepted the message, then
// the process was told to stop before the answer came (client.Do returns
// "context canceled").
type handsOverThenStops struct {
	sent   map[string]int
	cancel func()
}

func (h *handsOverThenStops) Send(ctx context.Context, m domain.Message) error {
	h.sent[m.ID]++
	h.cancel()
	return ctx.Err()
}

// (B) Before ea323d0 a send cut short by the stop left its mark (the
// failure could not be recorded with a cancelled ctx); now OutboxFailed
// runs WithoutCancel and clears it, so a reminder the gateway took is
// later recorded as withdrawn unsent.
func TestLoop_ASendCutShortByTheStopKeepsItsMark(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	ctx := context.Background()
	smsTolvan(t, l)
	res := bookTolvan(t, l, time.Date(2026, 12, 4, 9, 0, 0, 0, domain.Stockholm))
	l.Tick(ctx)
	reminder := remindAt(t, l, clk, res.Booking.ID(), time.Date(2026, 11, 25, 22, 30, 0, 0, domain.Stockholm))
	stopCtx, cancel := context.WithCancel(ctx)
	gw := &handsOverThenStops{sent: map[string]int{}, cancel: cancel}
	l.Senders[domain.MessageSMS] = gw
	clk.t = time.Date(2026, 11, 26, 8, 0, 0, 0, domain.Stockholm)
	l.Deliver(stopCtx)
	if gw.sent[reminder] != 1 {
		t.Fatalf("handed over %d times", gw.sent[reminder])
	}
	l.Senders[domain.MessageSMS] = &fakeSender{}
	if cancelledLater(t, l, clk, res, reminder) {
		t.Fatal("a reminder the gateway took before the stop is recorded as withdrawn unsent")
	}
}

// cancelledLater cancels the visit ten minutes on and ticks twenty
// minutes after that, and reports whether the reminder was then recorded
// as withdrawn unsent.
func cancelledLater(t *testing.T, l *Loop, clk *mutableClock, res BookResult, reminder string) bool {
	t.Helper()
	ctx := context.Background()
	clk.t = clk.t.Add(10 * time.Minute)
	if _, err := l.Service.Cancel(ctx, res.Booking.ID(), ""); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(20 * time.Minute)
	l.Tick(ctx)
	evs, _ := l.Store.BookingEvents(ctx, res.Booking.ID())
	return slices.ContainsFunc(evs, func(e domain.Event) bool {
		return e.Type == domain.EventReminderWithdrawn && e.MessageID == reminder
	})
}

// noAnswer is an HTTP gateway that took the message, whose answer never
// came (a timeout): the sender cannot tell, and says so.
type noAnswer struct{ sent map[string]int }

func (g *noAnswer) Send(_ context.Context, m domain.Message) error {
	g.sent[m.ID]++
	return fmt.Errorf("sms %s: %w: read tcp: i/o timeout", m.ID, domain.ErrMaybeHandedOver)
}

// A reminder handed to the gateway whose answer never came may be on the
// patient's phone: the failed attempt keeps its mark, and a cancellation
// after it does not record the reminder as withdrawn unsent (before, any
// error took the mark away, as if the gateway had certainly not taken it).
func TestLoop_ASendThatMayHaveGoneKeepsItsMark(t *testing.T) {
	for _, maybe := range []bool{true, false} {
		l, clk, _, _, _ := newLoop(t)
		ctx := context.Background()
		res, reminder, _ := heldReminder(t, l, clk, time.Date(2026, 12, 4, 9, 0, 0, 0, domain.Stockholm))
		var gw domain.Sender = &noAnswer{sent: map[string]int{}}
		if !maybe {
			gw = &failsOne{id: reminder, sent: map[string]int{}}
		}
		l.Senders[domain.MessageSMS] = gw
		clk.t = time.Date(2026, 11, 26, 8, 0, 0, 0, domain.Stockholm)
		l.Deliver(ctx)
		if withdrawn := cancelledLater(t, l, clk, res, reminder); withdrawn == maybe {
			t.Fatalf("maybe handed over %v: the reminder recorded withdrawn unsent = %v", maybe, withdrawn)
		}
	}
}

type failsOne struct {
	id   string
	sent map[string]int
}

func (f *failsOne) Send(_ context.Context, m domain.Message) error {
	if m.ID == f.id {
		return errors.New("gateway down")
	}
	f.sent[m.ID]++
	return nil
}

type failedFails struct{ domain.LoopStore }

func (failedFails) OutboxFailed(context.Context, string, time.Time, string, time.Time, bool) (int, error) {
	return 0, errors.New("disk full")
}

// An error recording one failed send stops nothing else of the batch: the
// messages after it are handed over and recorded delivered (before, deliver
// returned at once and left their marks: "may have gone", never withdrawn,
// though they never went), and the error is reported.
func TestLoop_AnErrorRecordingAFailureTakesAwayTheUntriedMarks(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	ctx := context.Background()
	smsTolvan(t, l)
	b1 := bookTolvan(t, l, time.Date(2026, 12, 4, 9, 0, 0, 0, domain.Stockholm))
	b2 := bookTolvan(t, l, time.Date(2026, 12, 7, 9, 0, 0, 0, domain.Stockholm))
	l.Tick(ctx)
	var ids []string
	for _, b := range []BookResult{b1, b2} {
		ids = append(ids, remindAt(t, l, clk, b.Booking.ID(), time.Date(2026, 11, 25, 22, 30, 0, 0, domain.Stockholm)))
	}
	snd := &failsOne{id: ids[0], sent: map[string]int{}}
	l.Senders[domain.MessageSMS] = snd
	store := l.Store
	l.Store = failedFails{store}
	clk.t = time.Date(2026, 11, 26, 8, 0, 0, 0, domain.Stockholm)
	_, err := l.Deliver(ctx)
	l.Store = store
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("the error recording the failure was not reported: %v", err)
	}
	if snd.sent[ids[1]] != 1 {
		t.Fatalf("the reminder after the failed one was handed over %d times", snd.sent[ids[1]])
	}
	pending, err := l.Store.PendingOutbox(ctx, clk.t.Add(24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range pending {
		if e.Message.ID == ids[1] {
			t.Fatalf("the reminder handed over is still waiting (marked %v): its delivery was not recorded", e.Handing)
		}
	}
}
