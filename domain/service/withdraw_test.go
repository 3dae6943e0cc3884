package service

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

func twoSites(t *testing.T, l *Loop) {
	cat, err := domain.NewCatalogue(
		[]domain.Examination{{Code: "ekg24", Name: "Långtids-EKG", Duration: 30 * time.Minute, Digital: true, Stage: 1}},
		[]domain.Site{{Code: "ryhov", Name: "Länssjukhuset Ryhov"}, {Code: "varnamo", Name: "Värnamo sjukhus"}})
	if err != nil {
		t.Fatal(err)
	}
	l.Service.Catalogue = cat
}

func summonsIDs(t *testing.T, l *Loop, id domain.BookingID) []string {
	evs, err := l.Store.BookingEvents(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range evs {
		if e.Type == domain.EventSummonsSent && slices.Contains(e.Channels, domain.ChannelDigital) {
			ids = append(ids, e.MessageID)
		}
	}
	return ids
}

// 1177 down; the summons for Ryhov 09:00 waits. The booking is moved to
// Värnamo at the same time. When 1177 answers, only the Värnamo summons
// reaches the patient.
func TestLoop_ASummonsForTheOldHospitalIsWithdrawn(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	twoSites(t, l)
	ctx := context.Background()
	inbox := failAll(l, domain.MessageInbox, true)
	visit := now.Add(10 * 24 * time.Hour)
	res := bookTolvan(t, l, visit)
	l.Tick(ctx)
	clk.t = clk.t.Add(time.Hour)
	if _, _, err := l.Service.RebookAt(ctx, res.Booking.ID(), "varnamo", visit); err != nil {
		t.Fatal(err)
	}
	inbox.on = false
	tickHours(t, l, clk, 8)
	ids := summonsIDs(t, l, res.Booking.ID())
	if len(ids) != 2 {
		t.Fatalf("summonses %v", ids)
	}
	if inbox.sent[ids[0]] != 0 {
		t.Fatalf("the summons naming Ryhov (void: the visit is at Värnamo) was sent %d time(s); sent=%v", inbox.sent[ids[0]], inbox.sent)
	}
}

// An SMS reminder by hand at 22:30 waits for 08:00; at 23:00 the booking is
// moved to Värnamo at the same time. At 08:00 the reminder that names Ryhov
// does not go.
func TestLoop_AReminderNamingTheOldHospitalIsWithdrawn(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	twoSites(t, l)
	ctx := context.Background()
	visit := time.Date(2026, 12, 4, 9, 0, 0, 0, domain.Stockholm)
	res, reminder, snd := heldReminder(t, l, clk, visit)
	clk.t = time.Date(2026, 11, 25, 23, 0, 0, 0, domain.Stockholm)
	if _, _, err := l.Service.RebookAt(ctx, res.Booking.ID(), "varnamo", visit); err != nil {
		t.Fatal(err)
	}
	for clk.t.Before(time.Date(2026, 11, 26, 9, 0, 0, 0, domain.Stockholm)) {
		clk.t = clk.t.Add(30 * time.Minute)
		if _, err := l.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if snd.sent[reminder] != 0 {
		t.Fatalf("the reminder naming Ryhov was sent after the move to Värnamo (sent %v)", snd.sent)
	}
}

// 1177 down; summons S1 waits. Staff cancel by mistake and undo it the same
// hour (before the loop asks S1 again). A new summons S2 follows; S1, no
// longer the booking's summons (its opening would not count), does not go.
func TestLoop_AfterAnUndoneCancellationOnlyTheNewSummonsGoes(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	ctx := context.Background()
	inbox := failAll(l, domain.MessageInbox, true)
	visit := now.Add(10 * 24 * time.Hour)
	res := bookTolvan(t, l, visit)
	l.Tick(ctx)
	clk.t = clk.t.Add(10 * time.Second)
	if _, err := l.Service.Cancel(ctx, res.Booking.ID(), ""); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(10 * time.Second)
	if _, err := l.Service.UndoCancel(ctx, res.Booking.ID(), "fel bokning"); err != nil {
		t.Fatal(err)
	}
	inbox.on = false
	tickHours(t, l, clk, 8)
	ids := summonsIDs(t, l, res.Booking.ID())
	b, _ := l.Store.Booking(ctx, res.Booking.ID())
	if len(ids) != 2 || inbox.sent[ids[0]] != 0 {
		t.Fatalf("summonses %v, current %s: sent %v — the stale summons went too", ids, b.Status().MessageID, inbox.sent)
	}
}

// Ryhov 10 days ahead -> 12 days -> back to 10 days while 1177 is down:
// only the last summons goes, not the first one for the same time.
func TestLoop_MovedAwayAndBackOnlyTheNewSummonsGoes(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	ctx := context.Background()
	inbox := failAll(l, domain.MessageInbox, true)
	t1, t2 := now.Add(10*24*time.Hour), now.Add(12*24*time.Hour)
	res, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: t1})
	if err != nil {
		t.Fatal(err)
	}
	l.Tick(ctx)
	clk.t = clk.t.Add(10 * time.Second)
	if _, _, err := l.Service.Rebook(ctx, res.Booking.ID(), t2); err != nil {
		t.Fatal(err)
	}
	l.Tick(ctx) // S2 for t2 decided (fails); S1 waits for its retry
	clk.t = clk.t.Add(10 * time.Second)
	if _, _, err := l.Service.Rebook(ctx, res.Booking.ID(), t1); err != nil {
		t.Fatal(err)
	}
	inbox.on = false
	tickHours(t, l, clk, 8)
	ids := summonsIDs(t, l, res.Booking.ID())
	if len(ids) != 3 || inbox.sent[ids[0]] != 0 {
		t.Fatalf("summonses %v: sent %v — the first summons went as well as the third", ids, inbox.sent)
	}
}

// The 1-day reminder is decided while the SMS gateway is down; the patient
// presses rebook in the (delivered) summons; the loop withdraws the
// reminder (request pending); staff phone and keep the time (K); the
// gateway is back. The patient got no reminder, and the booking does not
// say one went, nor S that one was sent moments ago.
func TestLoop_AWithdrawnReminderIsNotCountedAsSent(t *testing.T) {
	l, clk, _, rs, _ := newLoop(t)
	ctx := context.Background()
	smsTolvan(t, l)
	visit := time.Date(2026, 11, 30, 9, 0, 0, 0, domain.Stockholm)
	res := bookTolvan(t, l, visit)
	if _, err := l.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	sms := failAll(l, domain.MessageSMS, true)
	// tick through to the day before, 12:00: the 1d reminder is decided and fails
	for clk.t.Before(time.Date(2026, 11, 29, 12, 0, 0, 0, domain.Stockholm)) {
		clk.t = clk.t.Add(time.Hour)
		if _, err := l.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := l.Store.Booking(ctx, res.Booking.ID())
	if len(b.Status().Reminders) == 0 {
		t.Fatalf("no reminder decided yet: %+v", b.Status())
	}
	rs.waiting = append(rs.waiting, domain.IncomingReceipt{Handle: "r1", Receipt: domain.Receipt{MessageID: b.Status().MessageID,
		Type: domain.ReceiptRebookRequested, At: clk.t.Add(-time.Minute)}})
	withdrawn := 0
	for range 4 {
		clk.t = clk.t.Add(30 * time.Minute)
		rep, err := l.Tick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		withdrawn += rep.Withdrawn
	}
	if _, err := l.Service.KeepTime(ctx, res.Booking.ID(), "patienten behåller tiden"); err != nil {
		t.Fatal(err)
	}
	sms.on = false
	for range 4 {
		clk.t = clk.t.Add(30 * time.Minute)
		l.Tick(ctx)
	}
	b, _ = l.Store.Booking(ctx, res.Booking.ID())
	smsSent := 0
	for id, n := range sms.sent {
		if len(id) > 4 && id[len(id)-3:] == "sms" {
			smsSent += n
		}
	}
	recent := b.SentRecently(domain.MessageSMS, clk.t)
	t.Logf("withdrawn %d, SMS sent %d, Status().Reminders %v, SentRecently %v", withdrawn, smsSent, b.Status().Reminders, recent)
	if withdrawn == 1 && smsSent == 0 && (len(b.Status().Reminders) > 0 || recent != nil) {
		t.Fatalf("no SMS reached the patient, yet the booking lists reminders %v and S would say %v", b.Status().Reminders, recent)
	}
}

type senderFunc func(domain.Message)

func (f senderFunc) Send(_ context.Context, m domain.Message) error { f(m); return nil }

// One booking that cannot be read (a damaged record) holds no one else's
// message in the outbox: its own goes as before, and the others go.
type oneBadBooking struct {
	domain.LoopStore
	bad domain.BookingID
}

func (s oneBadBooking) Booking(ctx context.Context, id domain.BookingID) (*domain.Booking, error) {
	if id == s.bad {
		return nil, errors.New("bookings/1: damaged record")
	}
	return s.LoopStore.Booking(ctx, id)
}

func TestLoop_OneUnreadableBookingStopsNoOnesMessages(t *testing.T) {
	l, clk, snd, _, _ := newLoop(t)
	ctx := context.Background()
	in := row(t, l.Service, 3, "19400101-0000", "Eva")
	in.Patient.Has1177Account, in.Patient.NotificationsEnabled = true, true
	if _, err := l.Service.ImportPatients(ctx, []ImportRow{in}); err != nil {
		t.Fatal(err)
	}
	a, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Service.Book(ctx, BookInput{Patient: "19400101-0000", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(11 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	l.Store = oneBadBooking{LoopStore: l.Store, bad: a.Booking.ID()}
	var lastErr error
	for range 5 {
		clk.t = clk.t.Add(time.Hour)
		_, lastErr = l.Tick(ctx)
	}
	if len(snd.sent) == 0 {
		t.Fatalf("no summons went to anyone in 5 ticks; the tick says: %v", lastErr)
	}
}

// Only a message that waited is asked again: one decided moments ago on
// the booking as it is goes without the booking being read again (a tick
// delivers the summonses its timers just decided); one held for the
// morning, tried before, or decided while the loop was down is asked.
func TestLoop_OnlyAMessageThatWaitedIsAskedAgain(t *testing.T) {
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, domain.Stockholm)
	for _, c := range []struct {
		name string
		e    domain.OutboxEntry
		want bool
	}{
		{"decided now", domain.OutboxEntry{Message: domain.Message{CreatedAt: at}}, false},
		{"decided 30 s ago", domain.OutboxEntry{Message: domain.Message{CreatedAt: at.Add(-30 * time.Second)}}, false},
		{"decided while the loop was down", domain.OutboxEntry{Message: domain.Message{CreatedAt: at.Add(-2 * time.Hour)}}, true},
		{"held for the morning", domain.OutboxEntry{Message: domain.Message{CreatedAt: at.Add(-10 * time.Second), NotBefore: at}}, true},
		{"tried before", domain.OutboxEntry{Attempts: 1, Message: domain.Message{CreatedAt: at}}, true},
	} {
		if got := waited(c.e, at); got != c.want {
			t.Errorf("%s: waited %v, want %v", c.name, got, c.want)
		}
	}
}

// failAll makes every sender of the loop one that fails messages of kind
// while on is set, and delivers the rest.
func failAll(l *Loop, kind domain.MessageKind, on bool) *kindFailer {
	f := &kindFailer{kind: kind, on: on}
	for k := range l.Senders {
		l.Senders[k] = f
	}
	return f
}

// tickHours runs the loop once an hour for n hours, and returns how many
// messages it withdrew.
func tickHours(t *testing.T, l *Loop, clk *mutableClock, n int) (withdrawn int) {
	t.Helper()
	for range n {
		clk.t = clk.t.Add(time.Hour)
		rep, err := l.Tick(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		withdrawn += rep.Withdrawn
	}
	return withdrawn
}

// smsTolvan imports Tolvan again, now taking SMS reminders at her mobile
// (newLoop imports her without).
func smsTolvan(t *testing.T, l *Loop) {
	t.Helper()
	in := row(t, l.Service, 2, "19121212-1212", "Tolvan")
	in.Patient.Has1177Account, in.Patient.NotificationsEnabled, in.Patient.SMSReminders, in.Patient.Phone = true, true, true, "0701234567"
	if _, err := l.Service.ImportPatients(context.Background(), []ImportRow{in}); err != nil {
		t.Fatal(err)
	}
}

// remindAt has staff send booking id an SMS reminder by hand at at and
// returns the reminder's message id.
func remindAt(t *testing.T, l *Loop, clk *mutableClock, id domain.BookingID, at time.Time) string {
	t.Helper()
	ctx := context.Background()
	clk.t = at
	if _, err := l.Service.Remind(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	evs, err := l.Store.BookingEvents(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Type == domain.EventReminderSent {
			return evs[i].MessageID
		}
	}
	t.Fatalf("booking %s: no reminder sent", id)
	return ""
}

// heldReminder books Tolvan, who takes SMS reminders, for visit, puts a
// fresh sender in front of every kind, and has staff send her a reminder
// by hand at 22:30 on 25 November, held for the morning: the booking, the
// reminder's message id and the sender.
func heldReminder(t *testing.T, l *Loop, clk *mutableClock, visit time.Time) (BookResult, string, *fakeSender) {
	t.Helper()
	smsTolvan(t, l)
	res := bookTolvan(t, l, visit)
	l.Tick(context.Background())
	snd := &fakeSender{}
	for k := range l.Senders {
		l.Senders[k] = snd
	}
	return res, remindAt(t, l, clk, res.Booking.ID(), time.Date(2026, 11, 25, 22, 30, 0, 0, domain.Stockholm)), snd
}

// bookTolvan books Tolvan (imported by newLoop's tests) for a long-term
// ECG at Ryhov at visit.
func bookTolvan(t *testing.T, l *Loop, visit time.Time) BookResult {
	t.Helper()
	res, err := l.Service.Book(context.Background(), BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: visit})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// stopsBeforeTheRecord is the loop's store in a process that stops after
// its messages are handed over and before the outbox records it.
type stopsBeforeTheRecord struct{ domain.LoopStore }

func (stopsBeforeTheRecord) OutboxDelivered(context.Context, []string, time.Time) error {
	return errors.New("the process stopped")
}

// A reminder by hand at 22:30 waits for 08:00. At 08:00 it is handed to
// the SMS gateway, and the process stops before the outbox records it. At
// 08:10, with the loop down, the visit is moved. The reminder may have
// gone: the loop that starts again hands it over again (the gateway takes
// a message id once) and does not record it as withdrawn.
func TestLoop_AMessageHandedOverBeforeAStopIsNeverWithdrawn(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	ctx := context.Background()
	visit := time.Date(2026, 12, 4, 9, 0, 0, 0, domain.Stockholm)
	res, reminder, snd := heldReminder(t, l, clk, visit)

	store := l.Store
	l.Store = stopsBeforeTheRecord{store}
	clk.t = time.Date(2026, 11, 26, 8, 0, 0, 0, domain.Stockholm)
	if _, err := l.Deliver(ctx); err == nil {
		t.Fatal("the stop before the record was not reported")
	}
	if snd.sent[reminder] != 1 {
		t.Fatalf("the reminder was handed over %d times at 08:00", snd.sent[reminder])
	}
	l.Store = store
	clk.t = clk.t.Add(10 * time.Minute)
	if _, _, err := l.Service.RebookAt(ctx, res.Booking.ID(), "ryhov", visit.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(20 * time.Minute)
	rep, err := l.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Withdrawn != 0 || snd.sent[reminder] != 2 {
		t.Fatalf("after the restart: withdrawn %d, handed over %d times (want again, not withdrawn)", rep.Withdrawn, snd.sent[reminder])
	}
	evs, _ := l.Store.BookingEvents(ctx, res.Booking.ID())
	if slices.ContainsFunc(evs, func(e domain.Event) bool { return e.Type == domain.EventReminderWithdrawn }) {
		t.Fatal("a reminder that may have gone is recorded as withdrawn")
	}
	if waiting, _, _ := l.Store.OutboxStats(ctx); waiting != 0 {
		t.Fatalf("%d messages still wait", waiting)
	}
}

// changesFirst is the loop's store while another terminal changes a
// booking between the loop's reading of the outbox and its marking.
type changesFirst struct {
	domain.LoopStore
	before func()
}

func (c changesFirst) OutboxHanding(ctx context.Context, ids []string, at time.Time) ([]string, error) {
	c.before()
	return c.LoopStore.OutboxHanding(ctx, ids, at)
}

// 1177 was down; the summons waits. The tick reads it as still meant, and
// before it goes a secretary moves the visit: the move withdraws it, and
// the tick does not hand it over.
func TestLoop_ASummonsWithdrawnWhileTheTickReadsDoesNotGo(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	ctx := context.Background()
	inbox := failAll(l, domain.MessageInbox, true)
	visit := now.Add(10 * 24 * time.Hour)
	res := bookTolvan(t, l, visit)
	l.Tick(ctx)
	first := summonsIDs(t, l, res.Booking.ID())
	inbox.on = false
	clk.t = clk.t.Add(time.Hour)
	moved := false
	store := l.Store
	l.Store = changesFirst{store, func() {
		if !moved {
			moved = true
			if _, _, err := l.Service.RebookAt(ctx, res.Booking.ID(), "", visit.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}}
	if _, err := l.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	l.Store = store
	if !moved || len(first) != 1 || inbox.sent[first[0]] != 0 {
		t.Fatalf("moved %v; the summons for the old time was handed over %d time(s)", moved, inbox.sent[first[0]])
	}
}
