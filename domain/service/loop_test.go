package service

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/storage"
)

// fakeSender records what it delivers and can be told to fail.
type fakeSender struct {
	sent map[string]int
	fail error
}

func (f *fakeSender) Send(_ context.Context, m domain.Message) error {
	if f.fail != nil {
		return f.fail
	}
	if f.sent == nil {
		f.sent = map[string]int{}
	}
	f.sent[m.ID]++
	return nil
}

// fakeReceipts is an in-memory ReceiptSource.
type fakeReceipts struct {
	waiting     []domain.IncomingReceipt
	done        []string
	quarantined map[string]string
	problems    map[string]string // the problem's code, for the screens' words
}

func (f *fakeReceipts) Fetch(context.Context) ([]domain.IncomingReceipt, int, error) {
	out := append([]domain.IncomingReceipt(nil), f.waiting...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, 0, nil
}

func (f *fakeReceipts) remove(h string) {
	for i, r := range f.waiting {
		if r.Handle == h {
			f.waiting = append(f.waiting[:i], f.waiting[i+1:]...)
			return
		}
	}
}

func (f *fakeReceipts) Done(r domain.IncomingReceipt) error {
	f.done = append(f.done, r.Handle)
	f.remove(r.Handle)
	return nil
}

func (f *fakeReceipts) Quarantine(r domain.IncomingReceipt, why error) error {
	if f.quarantined == nil {
		f.quarantined = map[string]string{}
	}
	f.quarantined[r.Handle] = why.Error()
	var p *domain.ReceiptProblem
	if errors.As(why, &p) {
		if f.problems == nil {
			f.problems = map[string]string{}
		}
		f.problems[r.Handle] = p.Code
	}
	f.remove(r.Handle)
	return nil
}

type mutableClock struct{ t time.Time }

func (c *mutableClock) Now() time.Time { return c.t }

func newLoop(t *testing.T) (*Loop, *mutableClock, *fakeSender, *fakeReceipts, *storage.Store) {
	t.Helper()
	s := newService(t)
	clk := &mutableClock{t: now}
	s.Clock = clk
	s.Schedule = domain.DefaultSchedule()
	s.Clinic = domain.Clinic{Department: "Klinisk fysiologi", Region: "Region Jönköpings län", HSAID: "SE1"}
	st := s.Store.(*storage.Store)
	snd := &fakeSender{}
	rs := &fakeReceipts{}
	l := NewLoop(s, st, map[domain.MessageKind]domain.Sender{
		domain.MessageInbox: snd, domain.MessageLetter: snd, domain.MessageSMS: snd,
	}, rs)
	ctx := context.Background()
	in := row(t, s, 2, "19121212-1212", "Tolvan")
	in.Patient.Has1177Account, in.Patient.NotificationsEnabled = true, true
	if _, err := s.ImportPatients(ctx, []ImportRow{in}); err != nil {
		t.Fatal(err)
	}
	return l, clk, snd, rs, st
}

func TestLoop_TickTwiceAtTheSameInstantSendsOnce(t *testing.T) {
	l, _, snd, _, _ := newLoop(t)
	ctx := context.Background()
	if _, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	rep, err := l.Tick(ctx)
	if err != nil || rep.Fired != 1 || rep.Delivered != 1 || rep.Waiting != 0 {
		t.Fatalf("first tick %+v, %v", rep, err)
	}
	rep, err = l.Tick(ctx)
	if err != nil || rep.Fired != 0 || rep.Delivered != 0 {
		t.Fatalf("second tick %+v, %v", rep, err)
	}
	if len(snd.sent) != 1 {
		t.Fatalf("sent %v", snd.sent)
	}
}

func TestLoop_FailingDeliveryBacksOffAndIsShownToStaff(t *testing.T) {
	l, clk, snd, _, st := newLoop(t)
	ctx := context.Background()
	res, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	snd.fail = errors.New("spool folder not writable")
	rep, _ := l.Tick(ctx)
	if rep.DeliveryErrs != 1 || rep.Waiting != 1 || rep.Failing != 1 {
		t.Fatalf("tick %+v", rep)
	}
	// Not retried before the backoff has passed.
	rep, _ = l.Tick(ctx)
	if rep.DeliveryErrs != 0 {
		t.Fatalf("retried at once: %+v", rep)
	}
	for i := 0; i < 2; i++ {
		clk.t = clk.t.Add(2 * time.Hour)
		l.Tick(ctx)
	}
	ev, _ := st.BookingEvents(ctx, res.Booking.ID())
	failures := 0
	for _, e := range ev {
		if e.Type == domain.EventDeliveryFailed {
			failures++
		}
	}
	if failures != 1 {
		t.Fatalf("want one delivery_failed event after %d attempts, got %d", l.ReportAfter, failures)
	}
	// Nothing is dropped: once the folder works again the message goes.
	snd.fail = nil
	clk.t = clk.t.Add(2 * time.Hour)
	rep, _ = l.Tick(ctx)
	if rep.Delivered != 1 || rep.Waiting != 0 || len(snd.sent) != 1 {
		t.Fatalf("after recovery %+v, sent %v", rep, snd.sent)
	}
}

func TestLoop_ReceiptsOnceEachAndUnknownOnesQuarantined(t *testing.T) {
	l, clk, _, rs, st := newLoop(t)
	ctx := context.Background()
	res, _ := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)})
	l.Tick(ctx)
	b, _ := st.Booking(ctx, res.Booking.ID())
	msg := b.Status().MessageID
	opened := domain.Receipt{MessageID: msg, Type: domain.ReceiptOpened, At: now.Add(time.Hour)}
	rs.waiting = []domain.IncomingReceipt{
		{Receipt: opened, Handle: "a"},
		{Receipt: opened, Handle: "b"}, // the same receipt twice
		{Receipt: domain.Receipt{MessageID: "k999-1-inbox", Type: domain.ReceiptOpened, At: now}, Handle: "c"},
	}
	clk.t = now.Add(2 * time.Hour)
	rep, err := l.Tick(ctx)
	if err != nil || rep.Receipts != 1 || rep.Duplicates != 1 || rep.Quarantined != 1 {
		t.Fatalf("tick %+v, %v", rep, err)
	}
	if len(rs.waiting) != 0 || rs.quarantined["c"] != `unknown message id "k999-1-inbox"` || rs.problems["c"] != domain.ReceiptUnknownMessage {
		t.Fatalf("left %v, quarantined %v %v", rs.waiting, rs.quarantined, rs.problems)
	}
	ev, _ := st.BookingEvents(ctx, res.Booking.ID())
	n := 0
	for _, e := range ev {
		if e.Type == domain.EventOpened {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d opened events", n)
	}
	if b, _ := st.Booking(ctx, res.Booking.ID()); b.State() != domain.StateOpened || len(b.Timers()) != 0 {
		t.Fatalf("state %s timers %v", b.State(), b.Timers())
	}
}

func TestHub_ChangesReachSubscribersAfterCommit(t *testing.T) {
	l, _, _, _, _ := newLoop(t)
	hub := NewHub()
	l.Service.Hub = hub
	ch, stop := hub.Subscribe()
	defer stop()
	ctx := context.Background()
	res, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c := <-ch
	if len(c.Bookings) != 1 || c.Bookings[0] != res.Booking.ID() || c.Source != "anna" {
		t.Fatalf("change %+v", c)
	}
	if _, err := l.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	c = <-ch
	if c.Tick == nil || c.Tick.Delivered != 1 {
		t.Fatalf("tick change %+v", c)
	}
	// A refused change publishes nothing.
	if _, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "nope", Site: "ryhov", VisitAt: now.Add(time.Hour)}); err == nil {
		t.Fatal("unknown exam accepted")
	}
	select {
	case c := <-ch:
		t.Fatalf("refused change published %+v", c)
	default:
	}
	// A slow subscriber never blocks the publisher and keeps the latest.
	for i := 0; i < 100; i++ {
		hub.Publish(Change{Source: "x", At: now.Add(time.Duration(i) * time.Second)})
	}
	var last Change
	for len(ch) > 0 {
		last = <-ch
	}
	if !last.At.Equal(now.Add(99 * time.Second)) {
		t.Fatalf("latest change lost: %+v", last)
	}
}

func TestImplicit_ReceiptsThatCannotBeTrueAreQuarantinedNotApplied(t *testing.T) {
	l, clk, _, rs, st := newLoop(t)
	ctx := context.Background()
	res, _ := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)})
	clk.t = now.Add(time.Hour) // the summons goes an hour after booking
	l.Tick(ctx)
	b, _ := st.Booking(ctx, res.Booking.ID())
	msg := b.Status().MessageID
	clk.t = now.Add(5 * time.Hour)
	rs.waiting = []domain.IncomingReceipt{
		{Receipt: domain.Receipt{MessageID: msg, Type: domain.ReceiptOpened, At: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}, Handle: "future"},
		{Receipt: domain.Receipt{MessageID: msg, Type: domain.ReceiptOpened, At: now}, Handle: "before-sending"},
		{Receipt: domain.Receipt{MessageID: msg, Type: domain.ReceiptDelivered, At: time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)}, Handle: "before-1970"},
	}
	rep, err := l.Tick(ctx)
	if err != nil || rep.Quarantined != 3 || rep.Receipts != 0 {
		t.Fatalf("tick %+v, %v", rep, err)
	}
	for h, want := range map[string]string{"future": "in the future", "before-sending": "before the message was sent", "before-1970": "before 1970"} {
		if !strings.Contains(rs.quarantined[h], want) {
			t.Errorf("%s quarantined with %q, want it to say %q", h, rs.quarantined[h], want)
		}
	}
	for h, want := range map[string]string{"future": domain.ReceiptInFuture, "before-sending": domain.ReceiptBeforeSent, "before-1970": domain.ReceiptBefore1970} {
		if rs.problems[h] != want {
			t.Errorf("%s quarantined as the problem %q, want %q", h, rs.problems[h], want)
		}
	}
	// The fallback letter is still planned: nothing was opened.
	b, _ = st.Booking(ctx, res.Booking.ID())
	if !b.Status().OpenedAt.IsZero() || b.State() != domain.StateSummonsSent {
		t.Fatalf("state %s opened %v", b.State(), b.Status().OpenedAt)
	}
	found := false
	for _, tm := range b.Timers() {
		found = found || tm.Kind == domain.TimerFallback
	}
	if !found {
		t.Fatalf("fallback gone: %v", b.Timers())
	}
	// Within the clock's tolerance a receipt is believed.
	rs.waiting = []domain.IncomingReceipt{{Receipt: domain.Receipt{MessageID: msg, Type: domain.ReceiptOpened, At: clk.t.Add(2 * time.Minute)}, Handle: "ok"}}
	if rep, err := l.Tick(ctx); err != nil || rep.Receipts != 1 {
		t.Fatalf("a receipt two minutes ahead: %+v, %v", rep, err)
	}
}

// kindFailer fails the messages of one kind and delivers the rest.
type kindFailer struct {
	fakeSender
	kind domain.MessageKind
	on   bool
}

func (k *kindFailer) Send(ctx context.Context, m domain.Message) error {
	if k.on && m.Kind == k.kind {
		return errors.New("SMS gateway down")
	}
	return k.fakeSender.Send(ctx, m)
}

// R5's quiet hours hold for a retried SMS too: a reminder that failed just
// before the night is tried again in the morning, not at 21:00.
func TestLoop_ARetriedSMSWaitsForTheQuietHoursToEnd(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	ctx := context.Background()
	smsTolvan(t, l)
	res, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	sms := failAll(l, domain.MessageSMS, true)
	l.Tick(ctx)
	clk.t = time.Date(2026, 11, 25, 20, 59, 50, 0, domain.Stockholm)
	if _, err := l.Service.Remind(ctx, res.Booking.ID(), false); err != nil {
		t.Fatal(err)
	}
	if rep, _ := l.Tick(ctx); rep.DeliveryErrs != 1 {
		t.Fatalf("tick %+v", rep)
	}
	sms.on = false
	for _, at := range []time.Time{time.Date(2026, 11, 25, 21, 1, 0, 0, domain.Stockholm), time.Date(2026, 11, 26, 7, 59, 0, 0, domain.Stockholm)} {
		clk.t = at
		if rep, _ := l.Tick(ctx); rep.Delivered != 0 {
			t.Fatalf("SMS delivered at %v, in the quiet hours", at)
		}
	}
	clk.t = time.Date(2026, 11, 26, 8, 0, 0, 0, domain.Stockholm)
	if rep, _ := l.Tick(ctx); rep.Delivered != 1 {
		t.Fatalf("not delivered when the quiet hours end: %+v", rep)
	}
}

// The outbox holds an SMS decided in the night until the quiet hours end.
func TestLoop_ACancellationSMSDecidedAtNightGoesInTheMorning(t *testing.T) {
	l, clk, snd, _, _ := newLoop(t)
	ctx := context.Background()
	smsTolvan(t, l)
	res, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	l.Tick(ctx)
	clk.t = time.Date(2026, 11, 26, 22, 15, 0, 0, domain.Stockholm)
	if _, err := l.Service.Cancel(ctx, res.Booking.ID(), ""); err != nil {
		t.Fatal(err)
	}
	if rep, _ := l.Tick(ctx); rep.Delivered != 1 || rep.Waiting != 1 {
		t.Fatalf("at night: %+v (the 1177 notice goes, the SMS waits)", rep)
	}
	clk.t = time.Date(2026, 11, 27, 8, 0, 0, 0, domain.Stockholm)
	if rep, _ := l.Tick(ctx); rep.Delivered != 1 || rep.Waiting != 0 {
		t.Fatalf("in the morning: %+v", rep)
	}
	if len(snd.sent) != 3 {
		t.Fatalf("sent %v", snd.sent)
	}
}

// R5: an SMS reminder held for the end of the quiet hours, or failing and
// retried, is not sent when its time has become void meanwhile: the loop
// takes it out of the outbox, records why on the booking, and sends the
// rest (here the cancellation notice).
func TestLoop_AWaitingReminderForAVoidTimeIsWithdrawnNotSent(t *testing.T) {
	for _, tc := range []struct {
		name    string
		failing bool // the gateway refuses until the visit has begun
		why     string
	}{
		{"cancelled while held for the morning", false, domain.NoteVisitCancelled},
		{"retried until the visit began", true, domain.SkipVisitPassed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, clk, _, _, _ := newLoop(t)
			ctx := context.Background()
			in := row(t, l.Service, 2, "19121212-1212", "Tolvan")
			in.Patient.Has1177Account, in.Patient.NotificationsEnabled, in.Patient.SMSReminders, in.Patient.Phone = true, true, true, "0701234567"
			if _, err := l.Service.ImportPatients(ctx, []ImportRow{in}); err != nil {
				t.Fatal(err)
			}
			visit := time.Date(2026, 11, 27, 9, 0, 0, 0, domain.Stockholm)
			res := bookTolvan(t, l, visit)
			l.Tick(ctx)
			sms := failAll(l, domain.MessageSMS, tc.failing)
			clk.t = time.Date(2026, 11, 25, 22, 30, 0, 0, domain.Stockholm)
			if _, err := l.Service.Remind(ctx, res.Booking.ID(), false); err != nil {
				t.Fatal(err)
			}
			evs, err := l.Store.BookingEvents(ctx, res.Booking.ID())
			if err != nil {
				t.Fatal(err)
			}
			reminder := evs[slices.IndexFunc(evs, func(e domain.Event) bool { return e.Type == domain.EventReminderSent })].MessageID
			if !tc.failing {
				clk.t = time.Date(2026, 11, 25, 23, 0, 0, 0, domain.Stockholm)
				if _, err := l.Service.Cancel(ctx, res.Booking.ID(), ""); err != nil {
					t.Fatal(err)
				}
			}
			withdrawn := 0
			for clk.t.Before(visit.Add(2 * time.Hour)) {
				clk.t = clk.t.Add(30 * time.Minute)
				rep, err := l.Tick(ctx)
				if err != nil {
					t.Fatal(err)
				}
				withdrawn += rep.Withdrawn
			}
			evs, err = l.Store.BookingEvents(ctx, res.Booking.ID())
			if err != nil {
				t.Fatal(err)
			}
			// Every reminder decided (the one by hand, and the loop's
			// day-before one while the gateway failed) was withdrawn.
			var decided []string
			for _, e := range evs {
				if e.Type == domain.EventReminderSent {
					decided = append(decided, e.MessageID)
				}
			}
			if !slices.Contains(decided, reminder) || withdrawn != len(decided) {
				t.Fatalf("reminders decided %v, withdrawn %d", decided, withdrawn)
			}
			for _, id := range decided {
				i := slices.IndexFunc(evs, func(e domain.Event) bool { return e.Type == domain.EventReminderWithdrawn && e.MessageID == id })
				if sms.sent[id] != 0 || i < 0 || evs[i].Note != tc.why {
					t.Fatalf("reminder %s: sent %d times; withdrawn for %q: %+v", id, sms.sent[id], tc.why, evs)
				}
			}
			if !tc.failing && len(sms.sent) == 0 {
				t.Fatal("the cancellation notice was not sent either")
			}
			if _, failing, err := l.Store.OutboxStats(ctx); err != nil || failing != 0 {
				t.Fatalf("the outbox still holds %d failing (%v)", failing, err)
			}
		})
	}
}

// R2: a 1177 summons that could not be delivered (1177 down) and is still
// retried when its time is moved is withdrawn unsent by the move: only the
// summons for the new time reaches the patient, and it does not say that
// an earlier time (which the patient never had) no longer applies.
func TestLoop_ASummonsForAMovedTimeIsWithdrawnNotSent(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	ctx := context.Background()
	in := row(t, l.Service, 2, "19121212-1212", "Tolvan")
	in.Patient.Has1177Account, in.Patient.NotificationsEnabled = true, true
	if _, err := l.Service.ImportPatients(ctx, []ImportRow{in}); err != nil {
		t.Fatal(err)
	}
	inbox := failAll(l, domain.MessageInbox, true)
	res, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := l.Tick(ctx); rep.DeliveryErrs != 1 {
		t.Fatalf("the summons did not fail: %+v", rep)
	}
	old := summonsIDs(t, l, res.Booking.ID())
	clk.t = clk.t.Add(time.Hour)
	if _, _, err := l.Service.Rebook(ctx, res.Booking.ID(), now.Add(12*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	l.Tick(ctx) // the new summons is decided (and fails: 1177 is still down)
	pending, err := l.Store.PendingOutbox(ctx, clk.t.Add(24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	newOnes := 0
	for _, e := range pending {
		if e.Message.ID == old[0] {
			t.Fatalf("the summons for the old time still waits after the move")
		}
		if sm := e.Message.Summons; e.Message.Kind == domain.MessageInbox {
			newOnes++
			if sm == nil || sm.PreviousVisitAt != nil {
				t.Fatalf("the new summons speaks of an earlier time the patient never had: %+v", sm)
			}
		}
	}
	if newOnes != 1 {
		t.Fatalf("%d summonses wait after the move, want the new one", newOnes)
	}
	inbox.on = false
	withdrawn := tickHours(t, l, clk, 8)
	all := summonsIDs(t, l, res.Booking.ID())
	if len(old) != 1 || len(all) != 2 || inbox.sent[old[0]] != 0 || inbox.sent[all[1]] != 1 || withdrawn != 0 {
		t.Fatalf("summonses %v (the first %v): sent %v, %d withdrawn", all, old, inbox.sent, withdrawn)
	}
	evs, err := l.Store.BookingEvents(ctx, res.Booking.ID())
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(evs, func(e domain.Event) bool { return e.Type == domain.EventSummonsWithdrawn }); i < 0 ||
		evs[i].MessageID != old[0] || evs[i].Note != domain.NoteVisitMoved {
		t.Fatalf("no withdrawal of %s: %+v", old[0], evs)
	}
}
