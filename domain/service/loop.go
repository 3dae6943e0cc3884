package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// Loop is the background work: receipts in, due timers fired, the outbox
// delivered. The CLI's `tick` runs it once, `serve` and the TUI on an
// interval. Every step is safe to repeat after a crash: receipts are applied
// once each, a timer is consumed in the transaction that records its effect
// in the outbox, and senders are idempotent by message id.
type Loop struct {
	Service  *Service
	Store    domain.LoopStore
	Senders  map[domain.MessageKind]domain.Sender
	Receipts domain.ReceiptSource // nil: no receipts to read

	// Batch is how many bookings are fired per transaction.
	Batch int
	// ReportAfter is the failed attempt after which a message that keeps
	// failing is reported to staff as a delivery_failed event.
	ReportAfter int
	// MaxBackoff caps the wait between attempts.
	MaxBackoff time.Duration
}

// TickReport says what one tick did.
type TickReport struct {
	At           time.Time
	Receipts     int // applied
	Duplicates   int // already applied before: ignored
	Quarantined  int // readable but unusable (unknown message)
	ReceiptErrs  []error
	Fired        int // bookings whose due timers were fired
	FireFailures []domain.FireFailure
	Delivered    int // messages handed to their system
	Withdrawn    int // SMS reminders, 1177 summonses and cancellation notices taken out of the outbox unsent: their time became void or began, or the cancellation was undone
	DeliveryErrs int // failed attempts this tick
	Waiting      int // messages still in the outbox after the tick
	Failing      int // of which have failed at least once
	AccessFolded int // access-log entries moved into the log's indexes
}

// NewLoop returns a loop with the default batch size and retry policy.
func NewLoop(svc *Service, st domain.LoopStore, senders map[domain.MessageKind]domain.Sender, rs domain.ReceiptSource) *Loop {
	return &Loop{Service: svc, Store: st, Senders: senders, Receipts: rs, Batch: 100, ReportAfter: 3, MaxBackoff: time.Hour}
}

// env builds what the domain needs to fire a booking's timers or apply a
// receipt to it.
func (l *Loop) env(b *domain.Booking, p domain.Patient, now time.Time, actor string) (domain.FireEnv, error) {
	return l.Service.fireEnv(b, p, now, actor)
}

// fireEnv is what the domain needs to fire a booking's timers or apply a
// receipt to it: the examination and site by the catalogue, the clinic and
// the rules.
func (s *Service) fireEnv(b *domain.Booking, p domain.Patient, now time.Time, actor string) (domain.FireEnv, error) {
	exam, err := s.Catalogue.Exam(b.Exam())
	if err != nil {
		return domain.FireEnv{}, err
	}
	site, err := s.Catalogue.Site(b.Site())
	if err != nil {
		return domain.FireEnv{}, err
	}
	return domain.FireEnv{Now: now, Patient: p, Exam: exam, Site: site, Clinic: s.Clinic, Policy: s.Policy,
		Schedule: s.Schedule, Actor: actor}, nil
}

// Tick runs the loop once at the clock's instant.
func (l *Loop) Tick(ctx context.Context) (TickReport, error) {
	now := l.Service.Clock.Now()
	rep := TickReport{At: now}
	if err := l.ingest(ctx, now, &rep); err != nil {
		return rep, err
	}
	if err := l.fire(ctx, now, &rep); err != nil {
		return rep, err
	}
	if err := l.deliver(ctx, now, &rep); err != nil {
		return rep, err
	}
	// The access log's recent entries into its indexes: a failure is the
	// tick's error, after its work and its report.
	folded, foldErr := l.Store.FoldAccessLog(ctx)
	rep.AccessFolded = folded
	var err error
	rep.Waiting, rep.Failing, err = l.Store.OutboxStats(ctx)
	if err == nil && l.Service.Hub != nil {
		r := rep
		l.Service.Hub.Publish(Change{Source: domain.SystemActor, At: now, Tick: &r})
	}
	return rep, errors.Join(err, foldErr)
}

// ingest applies waiting receipts in the order of the instants they carry.
func (l *Loop) ingest(ctx context.Context, now time.Time, rep *TickReport) error {
	if l.Receipts == nil {
		return nil
	}
	rs, quarantined, err := l.Receipts.Fetch(ctx)
	rep.Quarantined += quarantined // files that could not be read, put aside by the adapter
	if err != nil {
		return fmt.Errorf("reading receipts: %w", err)
	}
	for _, r := range rs {
		dup, err := l.Store.ApplyReceipt(ctx, r.Receipt, func(b *domain.Booking, p domain.Patient, m domain.SentMessage) error {
			if err := domain.CheckReceiptInstant(r.Receipt, m, now); err != nil {
				return err
			}
			env, err := l.env(b, p, now, domain.SystemActor1177)
			if err != nil {
				return err
			}
			return b.ApplyReceipt(r.Receipt, env)
		})
		switch {
		case errors.Is(err, domain.ErrUnknownMessage), errors.Is(err, domain.ErrReceiptInstant):
			if err := l.Receipts.Quarantine(r, err); err != nil {
				return err
			}
			rep.Quarantined++
		case err != nil:
			// Left in place: tried again next tick, and shown as an error.
			rep.ReceiptErrs = append(rep.ReceiptErrs, fmt.Errorf("receipt %s: %w", r.Handle, err))
		default:
			if err := l.Receipts.Done(r); err != nil {
				return err
			}
			if dup {
				rep.Duplicates++
			} else {
				rep.Receipts++
			}
		}
	}
	return nil
}

// fire consumes every timer due at now, a batch of bookings per transaction.
func (l *Loop) fire(ctx context.Context, now time.Time, rep *TickReport) error {
	skip := map[domain.BookingID]bool{}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, failed, err := l.Store.FireDue(ctx, now, l.Batch, skip, l.Service.fireDue(now))
		if err != nil {
			return fmt.Errorf("firing due timers: %w", err)
		}
		rep.Fired += n
		for _, f := range failed {
			skip[f.Booking] = true
			rep.FireFailures = append(rep.FireFailures, f)
		}
		if n == 0 && len(failed) == 0 {
			return nil
		}
	}
}

// fireDue fires a booking's timers due at now, with its patient as the
// store's write transaction reads them: the loop's work, and the re-checks
// a print action runs first (recheckFirst). The system acts.
func (s *Service) fireDue(now time.Time) func(b *domain.Booking, p domain.Patient) error {
	return func(b *domain.Booking, p domain.Patient) error {
		env, err := s.fireEnv(b, p, now, domain.SystemActor)
		if err != nil {
			return err
		}
		return b.FireDue(env)
	}
}

// Ingest applies the receipts waiting, without firing timers; the patient
// simulator runs it after writing a receipt.
func (l *Loop) Ingest(ctx context.Context) (TickReport, error) {
	now := l.Service.Clock.Now()
	rep := TickReport{At: now}
	err := l.ingest(ctx, now, &rep)
	if err == nil && rep.Receipts > 0 {
		r := rep
		l.Service.Hub.Publish(Change{Source: domain.SystemActor1177, At: now, Tick: &r})
	}
	return rep, err
}

// Deliver hands waiting messages to their systems now, without firing
// timers; the CLI runs it after a letter or reminder sent by hand.
func (l *Loop) Deliver(ctx context.Context) (TickReport, error) {
	now := l.Service.Clock.Now()
	rep := TickReport{At: now}
	err := l.deliver(ctx, now, &rep)
	return rep, err
}

func (l *Loop) deliver(ctx context.Context, now time.Time, rep *TickReport) error {
	for {
		entries, err := l.Store.PendingOutbox(ctx, now, 200)
		if err != nil {
			return err
		}
		var (
			done, marks []string
			send        []domain.OutboxEntry
		)
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				break
			}
			withdrawn, err := l.withdrawIfVoid(ctx, e, now)
			if err != nil {
				return err
			}
			if withdrawn {
				rep.Withdrawn++
				continue
			}
			send = append(send, e)
			if e.Message.AskedAgain() && e.Handing.IsZero() {
				marks = append(marks, e.Message.ID)
			}
		}
		// What may be withdrawn is marked before it goes: a message the
		// process stops while handing over may have gone, and is then
		// handed over again, never withdrawn.
		// One no longer in the outbox was withdrawn by a change (a move, a
		// cancellation) since it was read: it does not go.
		marked := map[string]bool{}
		if len(marks) > 0 {
			ids, err := l.Store.OutboxHanding(ctx, marks, now)
			if err != nil {
				return err
			}
			for _, id := range ids {
				marked[id] = true
			}
		}
		// The outcomes are recorded even when the process is stopping, and
		// each is recorded whatever became of another: what went is
		// delivered; what failed was not handed over, and loses the mark
		// this pass set (not one an earlier pass left, nor one of a send
		// the stop cut short or its sender could not tell about
		// (domain.ErrMaybeHandedOver): the system may have it); and a mark of this
		// pass on a message that never reached its system is taken away
		// (it did not go: it may still be withdrawn).
		record := context.WithoutCancel(ctx)
		var errs []error
		for _, e := range send {
			if ctx.Err() != nil {
				break
			}
			own := marked[e.Message.ID]
			if e.Message.AskedAgain() && e.Handing.IsZero() && !own {
				continue
			}
			delete(marked, e.Message.ID)
			sender := l.Senders[e.Message.Kind]
			var sendErr error
			if sender == nil {
				sendErr = fmt.Errorf("no transport configured for %s messages", e.Message.Kind)
			} else {
				sendErr = sender.Send(ctx, e.Message)
			}
			if sendErr == nil {
				done = append(done, e.Message.ID)
				continue
			}
			rep.DeliveryErrs++
			unmark := own && ctx.Err() == nil && !errors.Is(sendErr, domain.ErrMaybeHandedOver)
			if err := l.failed(record, e, now, sendErr, unmark); err != nil {
				errs = append(errs, err)
			}
		}
		if len(done) > 0 {
			if err := l.Store.OutboxDelivered(record, done, now); err != nil {
				errs = append(errs, err)
			} else {
				rep.Delivered += len(done)
			}
		}
		if len(marked) > 0 {
			untried := make([]string, 0, len(marked))
			for id := range marked {
				untried = append(untried, id)
			}
			slices.Sort(untried)
			if err := l.Store.OutboxUnmark(record, untried); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		// A full page that was all delivered may have more behind it.
		if len(entries) < 200 || len(done) == 0 || ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// waited reports whether a message has waited since it was decided: held
// for the end of the quiet hours, tried before, or decided more than a
// minute ago (the loop was down). One decided moments ago, on the booking
// as it is, goes without the booking being read again: most of a tick's
// messages, the summonses and reminders its timers just decided.
func waited(e domain.OutboxEntry, now time.Time) bool {
	return e.Attempts > 0 || e.Message.NotBefore.After(e.Message.CreatedAt) || now.Sub(e.Message.CreatedAt) > time.Minute
}

// errStillMeant leaves a booking as it was: the message may go.
var errStillMeant = errors.New("the message still holds")

// withdrawIfVoid takes message m out of the outbox unsent, with an event on
// the booking, when the booking says it must not go now
// (Booking.MessageVoid), and reports whether it did. Messages not asked
// again go as before, as does one marked as being handed over (it may
// have gone) and one whose booking, patient, examination or site cannot
// be read: a record that cannot be read stops no one
// else's messages (check finds it).
func (l *Loop) withdrawIfVoid(ctx context.Context, e domain.OutboxEntry, now time.Time) (bool, error) {
	m := e.Message
	if !m.AskedAgain() || !e.Handing.IsZero() || !waited(e, now) {
		return false, nil // (one being handed over may have gone)
	}
	b, err := l.Store.Booking(ctx, m.Booking)
	if err != nil {
		return false, nil
	}
	p, err := l.Store.Patient(ctx, b.Patient())
	if err != nil {
		return false, nil
	}
	void := func(b *domain.Booking) (string, domain.FireEnv) {
		env, err := l.env(b, p, now, domain.SystemActor)
		if err != nil {
			return "", env
		}
		return b.MessageVoid(m, env), env
	}
	if why, _ := void(b); why == "" {
		return false, nil
	}
	_, err = l.Store.UpdateBooking(ctx, m.Booking, func(b *domain.Booking, _ []*domain.Booking) error {
		why, env := void(b) // as it is in this transaction
		if why == "" {
			return errStillMeant
		}
		b.WithdrawMessage(m, why, env)
		return nil
	})
	if errors.Is(err, errStillMeant) {
		return false, nil
	}
	return err == nil, err
}

// failed schedules the next attempt with exponential backoff, and reports a
// message that keeps failing to staff once.
func (l *Loop) failed(ctx context.Context, e domain.OutboxEntry, now time.Time, sendErr error, unmark bool) error {
	wait := 30 * time.Second << min(e.Attempts, 10)
	if wait > l.MaxBackoff {
		wait = l.MaxBackoff
	}
	next := now.Add(wait)
	if e.Message.Kind == domain.MessageSMS {
		next = l.Service.Schedule.QuietEnd(next) // a retried SMS never goes in the night either
	}
	attempts, err := l.Store.OutboxFailed(ctx, e.Message.ID, now, sendErr.Error(), next, unmark)
	if err != nil {
		return err
	}
	if attempts != l.ReportAfter {
		return nil
	}
	why := fmt.Sprintf("%s message failed %d times: %v", e.Message.Kind, attempts, sendErr)
	_, err = l.Store.UpdateBooking(ctx, e.Message.Booking, func(b *domain.Booking, _ []*domain.Booking) error {
		b.RecordDeliveryFailure(e.Message.ID, now, why)
		return nil
	})
	return err
}

// SendPaper sends the paper letter by hand (R4), replacing the automatic fallback.
// A letter sent less than domain.RepeatWindow ago is refused with a
// *domain.SentRecentlyError unless again is set.
func (s *Service) SendPaper(ctx context.Context, id domain.BookingID, again bool) (*domain.Booking, error) {
	return s.byHand(ctx, id, domain.AccessSendPaper, func(b *domain.Booking, env domain.FireEnv) error { return b.SendPaperByHand(env, again) })
}

// Remind sends an SMS reminder by hand, to a patient who asked for reminders.
// Like SendPaper, a repeat within domain.RepeatWindow needs again.
func (s *Service) Remind(ctx context.Context, id domain.BookingID, again bool) (*domain.Booking, error) {
	return s.byHand(ctx, id, domain.AccessRemind, func(b *domain.Booking, env domain.FireEnv) error { return b.RemindByHand(env, again) })
}

// ResolvePhoneTask records that staff phoned the patient.
func (s *Service) ResolvePhoneTask(ctx context.Context, id domain.BookingID, note string) (*domain.Booking, error) {
	if err := domain.CheckNote(note); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	return s.update(ctx, id, domain.AccessPhoned, func(b *domain.Booking, _ []*domain.Booking) error {
		return b.ResolvePhoneTask(now, s.Actor(), note)
	})
}

// ResolveHandOver records that staff handed the summons over by the unit's
// routine (protected personal data).
func (s *Service) ResolveHandOver(ctx context.Context, id domain.BookingID, note string) (*domain.Booking, error) {
	if err := domain.CheckNote(note); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	return s.update(ctx, id, domain.AccessHandedOver, func(b *domain.Booking, _ []*domain.Booking) error {
		return b.ResolveHandOver(now, s.Actor(), note)
	})
}

// OutdatedLetterHandled records that staff dealt with a printed letter that
// names a void time.
func (s *Service) OutdatedLetterHandled(ctx context.Context, id domain.BookingID, note string) (*domain.Booking, error) {
	if err := domain.CheckNote(note); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	return s.update(ctx, id, domain.AccessLetterDone, func(b *domain.Booking, _ []*domain.Booking) error {
		return b.OutdatedLetterHandled(now, s.Actor(), note)
	})
}

func (s *Service) byHand(ctx context.Context, id domain.BookingID, action domain.AccessAction, act func(*domain.Booking, domain.FireEnv) error) (*domain.Booking, error) {
	if err := s.require(domain.PermBook); err != nil {
		return nil, err
	}
	b, err := s.Store.Booking(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.Patient(ctx, b.Patient())
	if err != nil {
		return nil, envError{fmt.Errorf("booking %s: the patient's record: %w", id, err)}
	}
	l := &Loop{Service: s}
	now := s.Clock.Now()
	return s.update(ctx, id, action, func(b *domain.Booking, _ []*domain.Booking) error {
		env, err := l.env(b, p, now, s.Actor())
		if err != nil {
			return envError{err}
		}
		return act(b, env)
	})
}

// FireEnv is what the domain needs to decide for booking b of patient p at
// now (its examination, site, the clinic, the policy and the schedule), for
// a screen that asks a rule before it offers an action. No I/O.
func (s *Service) FireEnv(b *domain.Booking, p domain.Patient, now time.Time) (domain.FireEnv, error) {
	return (&Loop{Service: s}).env(b, p, now, s.Actor())
}

// TimerHeld is why a pending reminder of b would not go as things stand
// (the patient's request awaits an answer), or "": what a screen says of
// the timer beside its time.
func (s *Service) TimerHeld(b *domain.Booking, t domain.Timer) string {
	if t.Kind != domain.TimerReminder4d && t.Kind != domain.TimerReminder1d {
		return ""
	}
	if why := b.ReminderHeld(s.Clock.Now()); why == domain.SkipRequestPending {
		return why
	}
	return ""
}

// TimerTask is the task a pending timer of b will raise instead of its
// letter when it fires (an R4 fallback for protected personal data is a
// hand-over; one that cannot be posted or arrive in time, a phone call),
// or "" when the letter goes: what every screen says of the timer.
func (s *Service) TimerTask(b *domain.Booking, p domain.Patient, t domain.Timer) domain.TaskKind {
	if t.Kind != domain.TimerFallback {
		return ""
	}
	env, err := s.FireEnv(b, p, t.Due)
	if err != nil {
		return ""
	}
	return b.LetterTask(env)
}

// envError is a booking whose examination, site or patient can no longer
// be read: nothing can be sent for it.
type envError struct{ err error }

func (e envError) Error() string { return e.err.Error() }
func (e envError) Unwrap() error { return e.err }
