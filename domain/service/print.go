package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kallelse/kallelse/domain"
)

var errNoPrinter = errors.New("no print folder is configured")
var errNoQuarantine = errors.New("no receipt quarantine is configured")
var errNoLoopStore = errors.New("this store cannot fire timers: the re-checks due before printing cannot run")

// letterRefs are the patients of letters, for the access log; a letter
// whose summons names an unreadable identity number is logged under none.
func (s *Service) letterRefs(ls []domain.PrintLetter) []PatientRef {
	refs := make([]PatientRef, 0, len(ls))
	for _, l := range ls {
		id, err := s.ParseIdentity(l.Patient)
		if err != nil {
			continue
		}
		refs = append(refs, PatientRef{Patient: id, Booking: l.Booking})
	}
	return refs
}

// PrintLetters lists the letters filed under day, printed or not.
func (s *Service) PrintLetters(ctx context.Context, day time.Time) ([]domain.PrintLetter, error) {
	if err := s.require(domain.PermPrint); err != nil {
		return nil, err
	}
	if s.Print == nil {
		return nil, errNoPrinter
	}
	return s.Print.Letters(day)
}

// PrintBatch writes the day's letters still to print into one PDF for the
// printer — with reprint those printed before too, never the withdrawn —
// and returns its path and how many letters it holds. Each letter's patient
// is logged (`print`) before the batch is written: the data leaves as
// paper. The letters count as printed from then on, on their bookings too:
// one withdrawn afterwards is out of date, for staff to handle.
func (s *Service) PrintBatch(ctx context.Context, day time.Time, reprint bool) (string, int, error) {
	if err := s.require(domain.PermPrint); err != nil {
		return "", 0, err
	}
	if s.Print == nil {
		return "", 0, errNoPrinter
	}
	ls, err := s.Print.Letters(day)
	if err != nil {
		return "", 0, err
	}
	if err := s.reconcilePrinted(ctx, ls); err != nil {
		return "", 0, err
	}
	if err := s.recheckFirst(ctx, ls); err != nil {
		return "", 0, err
	}
	if ls, err = s.withdrawDecided(ctx, day, ls); err != nil {
		return "", 0, err
	}
	if ls, err = s.withdrawTooLate(ctx, day, ls, domain.AccessPrint); err != nil {
		return "", 0, err
	}
	want := map[string]domain.PrintLetter{}
	var will []domain.PrintLetter
	for _, l := range ls {
		want[l.MessageID] = l
		if !l.Withdrawn && (!l.Printed || reprint) {
			will = append(will, l)
		}
	}
	if err := s.logRead(ctx, domain.AccessPrint, s.letterRefs(will)...); err != nil {
		return "", 0, err
	}
	path, ids, err := s.Print.Batch(day, reprint)
	if err != nil {
		if len(ids) > 0 {
			// The PDF holds them although a marker failed: they are printed.
			_ = s.recordPrinted(ctx, ids, want)
		}
		return path, len(ids), err
	}
	// Letters filed meanwhile went into the batch too: log them as well.
	logged := map[string]bool{}
	for _, l := range will {
		logged[l.MessageID] = true
	}
	var added []domain.PrintLetter
	for _, id := range ids {
		if !logged[id] {
			added = append(added, domain.PrintLetter{MessageID: id})
		}
	}
	if len(added) > 0 {
		again, err := s.Print.Letters(day)
		if err != nil {
			return path, len(ids), err
		}
		for _, l := range again {
			want[l.MessageID] = l
		}
		for i := range added {
			added[i] = want[added[i].MessageID]
		}
		if err := s.logRead(ctx, domain.AccessPrint, s.letterRefs(added)...); err != nil {
			return path, len(ids), err
		}
	}
	return path, len(ids), s.recordPrinted(ctx, ids, want)
}

// recheckFirst runs, before a batch, the re-checks due on the bookings of
// its letters: their patient changed since the letter was queued (an
// address, protected data, letters declined, guardians), and the loop has
// not yet decided again. A letter whose envelope may be wrong is then
// withdrawn (withdrawDecided takes it out of the folder) and posted again,
// or staff get the task — never printed to an old address, nor with the
// address of a patient now protected. The loop's work, done as the loop
// does it (the system acts): in one write transaction that reads each
// booking and its patient as they are then, so that a change landing
// after the reads that found the re-check due is decided on, not an
// earlier record. A booking whose re-check cannot run (its examination
// left the catalogue) stops no one else's letters: the loop reports it, as
// it does when it fires.
func (s *Service) recheckFirst(ctx context.Context, ls []domain.PrintLetter) error {
	now := s.Clock.Now()
	seen := map[domain.BookingID]bool{}
	var due []domain.BookingID
	for _, l := range ls {
		if l.Withdrawn || l.Printed || l.Booking == 0 || seen[l.Booking] {
			continue
		}
		seen[l.Booking] = true
		b, err := s.Store.Booking(ctx, l.Booking)
		if errors.Is(err, domain.ErrNotFound) {
			continue // withdrawDecided takes its letters out
		}
		if err != nil {
			return err
		}
		for _, t := range b.Timers() {
			if t.Kind == domain.TimerRecheck && !t.Due.After(now) {
				due = append(due, b.ID())
				break
			}
		}
	}
	if len(due) == 0 {
		return nil
	}
	st, ok := s.Store.(domain.LoopStore)
	if !ok {
		return errNoLoopStore
	}
	// A booking that fails is left to the loop, which reports it.
	if _, _, err := st.FireDueOf(ctx, now, due, s.fireDue(now)); err != nil {
		return err
	}
	for _, id := range due {
		s.publish(id)
	}
	return nil
}

// reconcilePrinted tells the bookings of letters the folder has marked
// printed that their booking still holds as queued or withdrawn: a batch
// whose bookings were not told (the process stopped between the PDF and
// the bookings) is caught up on the next print action, so a later move
// still finds the letter printed.
func (s *Service) reconcilePrinted(ctx context.Context, ls []domain.PrintLetter) error {
	var ids []string
	all := map[string]domain.PrintLetter{}
	seen := map[domain.BookingID]*domain.Booking{}
	for _, l := range ls {
		if !l.Printed || l.Booking == 0 {
			continue
		}
		b, ok := seen[l.Booking]
		if !ok {
			var err error
			if b, err = s.Store.Booking(ctx, l.Booking); err != nil && !errors.Is(err, domain.ErrNotFound) {
				return err
			}
			seen[l.Booking] = b
		}
		if b == nil {
			continue
		}
		for _, r := range b.Letters() {
			if r.ID == l.MessageID && r.State != domain.LetterPrinted {
				ids = append(ids, l.MessageID)
				all[l.MessageID] = l
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return s.recordPrinted(ctx, ids, all)
}

// withdrawDecided keeps out of the batch the letters their bookings have
// withdrawn (moved or cancelled) whose withdrawal has not reached the print
// folder yet — the loop delivers it on its next tick, and a letter must not
// slip into the post in between — and the letters of bookings the database
// does not hold (a restore went back past them: a letter would summon the
// patient to a time the clinic no longer has). It returns ls with them
// marked.
func (s *Service) withdrawDecided(ctx context.Context, day time.Time, ls []domain.PrintLetter) ([]domain.PrintLetter, error) {
	seen := map[domain.BookingID]*domain.Booking{}
	for i, l := range ls {
		if l.Withdrawn || l.Printed || l.Booking == 0 {
			continue
		}
		b, ok := seen[l.Booking]
		if !ok {
			var err error
			b, err = s.Store.Booking(ctx, l.Booking)
			if err != nil && !errors.Is(err, domain.ErrNotFound) {
				return nil, err
			}
			seen[l.Booking] = b // nil when not found
		}
		withdrawn := b == nil
		if b != nil {
			for _, r := range b.Letters() {
				withdrawn = withdrawn || (r.ID == l.MessageID && r.State == domain.LetterWithdrawn)
			}
		}
		if withdrawn {
			if err := s.Print.Withdraw(day, l.MessageID); err != nil {
				return nil, err
			}
			ls[i].Withdrawn = true
		}
	}
	return ls, nil
}

// withdrawTooLate takes out of the batch the letters that, printed now,
// would arrive on or after their visit's day; their bookings decide what
// instead (a phone task). The booking first, then the folder: a crash in
// between leaves the withdrawal in the outbox, and withdrawDecided catches
// it on the next batch.
func (s *Service) withdrawTooLate(ctx context.Context, day time.Time, ls []domain.PrintLetter, action domain.AccessAction) ([]domain.PrintLetter, error) {
	now := s.Clock.Now()
	for i, l := range ls {
		if l.Withdrawn || l.Printed || s.Schedule.LetterInTime(now, l.VisitAt) {
			continue
		}
		if l.Booking != 0 {
			_, err := s.Store.UpdateBooking(s.changing(ctx, action), l.Booking, func(b *domain.Booking, _ []*domain.Booking) error {
				return b.LetterTooLate(l.MessageID, domain.FireEnv{Now: now, Actor: s.Actor()})
			})
			if err != nil && !errors.Is(err, domain.ErrNotFound) {
				return nil, fmt.Errorf("letter %s: %w", l.MessageID, err)
			}
			s.publish(l.Booking)
		}
		if err := s.Print.Withdraw(day, l.MessageID); err != nil {
			return nil, err
		}
		ls[i].Withdrawn = true
	}
	return ls, nil
}

// recordPrinted tells each letter's booking that it was printed.
func (s *Service) recordPrinted(ctx context.Context, ids []string, letters map[string]domain.PrintLetter) error {
	byBooking := map[domain.BookingID][]string{}
	var order []domain.BookingID
	for _, id := range ids {
		b := letters[id].Booking
		if b == 0 {
			continue
		}
		if _, ok := byBooking[b]; !ok {
			order = append(order, b)
		}
		byBooking[b] = append(byBooking[b], id)
	}
	now := s.Clock.Now()
	for _, bid := range order {
		_, err := s.Store.UpdateBooking(ctx, bid, func(b *domain.Booking, _ []*domain.Booking) error {
			for _, id := range byBooking[bid] {
				if err := b.LetterPrinted(id, now, s.Actor()); err != nil && !errors.Is(err, domain.ErrNotFound) {
					return err
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("recording letters of booking %s printed: %w", bid, err)
		}
		s.publish(bid)
	}
	return nil
}

// MarkPrinted marks the day's letters printed (those neither printed nor
// withdrawn) and returns how many; each is an action on a patient's letter,
// logged, and recorded on its booking. A letter that, posted now, would
// arrive on or after its visit's day is withdrawn instead, as PrintBatch
// withdraws it, and its booking decides what then (a phone task):
// withdrawn is how many, for staff to keep out of the post (the queue
// shows which).
func (s *Service) MarkPrinted(ctx context.Context, day time.Time) (marked, withdrawn int, err error) {
	if err := s.require(domain.PermPrint); err != nil {
		return 0, 0, err
	}
	if s.Print == nil {
		return 0, 0, errNoPrinter
	}
	ls, err := s.Print.Letters(day)
	if err != nil {
		return 0, 0, err
	}
	if err := s.reconcilePrinted(ctx, ls); err != nil {
		return 0, 0, err
	}
	if err := s.recheckFirst(ctx, ls); err != nil {
		return 0, 0, err
	}
	if ls, err = s.withdrawDecided(ctx, day, ls); err != nil {
		return 0, 0, err
	}
	before := 0
	for _, l := range ls {
		if l.Withdrawn {
			before++
		}
	}
	if ls, err = s.withdrawTooLate(ctx, day, ls, domain.AccessMarkPrinted); err != nil {
		return 0, 0, err
	}
	for _, l := range ls {
		if l.Withdrawn {
			withdrawn++
		}
	}
	withdrawn -= before
	all := map[string]domain.PrintLetter{}
	var unmarked []domain.PrintLetter
	for _, l := range ls {
		all[l.MessageID] = l
		if !l.Printed && !l.Withdrawn {
			unmarked = append(unmarked, l)
		}
	}
	if err := s.logRead(ctx, domain.AccessMarkPrinted, s.letterRefs(unmarked)...); err != nil {
		return 0, 0, err
	}
	ids, err := s.Print.MarkPrinted(day)
	if err != nil {
		if len(ids) > 0 {
			_ = s.recordPrinted(ctx, ids, all)
		}
		return len(ids), withdrawn, err
	}
	return len(ids), withdrawn, s.recordPrinted(ctx, ids, all)
}

// QuarantinedReceipts lists the receipt files the loop could not use.
func (s *Service) QuarantinedReceipts(ctx context.Context) ([]domain.QuarantinedReceipt, error) {
	if err := s.require(domain.PermDeliveries); err != nil {
		return nil, err
	}
	if s.Quarantine == nil {
		return nil, errNoQuarantine
	}
	return s.Quarantine.Quarantined()
}

// DiscardReceipt takes a quarantined receipt out of the list for good (a
// test file, a duplicate from the integration engine), keeping it with the
// reason given, the user and the instant.
func (s *Service) DiscardReceipt(ctx context.Context, name, why string) error {
	if err := s.require(domain.PermDeliveries); err != nil {
		return err
	}
	if err := domain.CheckNote(why); err != nil {
		return err
	}
	if s.Quarantine == nil {
		return errNoQuarantine
	}
	return s.Quarantine.Discard(name, why, s.Actor(), s.Clock.Now())
}

// RequeueReceipt puts a quarantined receipt back for the loop to try again.
func (s *Service) RequeueReceipt(ctx context.Context, name string) error {
	if err := s.require(domain.PermDeliveries); err != nil {
		return err
	}
	if s.Quarantine == nil {
		return errNoQuarantine
	}
	return s.Quarantine.Requeue(name)
}
