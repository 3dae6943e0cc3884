package service

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/storage"
)

// memQueue is a print folder in memory: the letter transport and the queue.
type memQueue struct {
	letters   []domain.PrintLetter
	withdrawn []string
	addressed map[string]domain.Address // each letter's envelope, by message id
}

func (q *memQueue) Send(_ context.Context, m domain.Message) error {
	if m.Purpose == domain.PurposeWithdraw {
		return nil // the withdrawal message is slow: it has not arrived yet
	}
	q.letters = append(q.letters, domain.PrintLetter{MessageID: m.ID, Day: domain.LetterDay(m.CreatedAt), Booking: m.Booking,
		Patient: m.Summons.PatientID, VisitAt: m.Summons.VisitAt, Purpose: m.Purpose})
	if q.addressed == nil {
		q.addressed = map[string]domain.Address{}
	}
	q.addressed[m.ID] = m.Summons.Address
	return nil
}

func (q *memQueue) Letters(day time.Time) ([]domain.PrintLetter, error) {
	return append([]domain.PrintLetter(nil), q.letters...), nil
}

func (q *memQueue) Batch(day time.Time, reprint bool) (string, []string, error) {
	var ids []string
	for i, l := range q.letters {
		if !l.Withdrawn && (!l.Printed || reprint) {
			q.letters[i].Printed = true
			ids = append(ids, l.MessageID)
		}
	}
	if len(ids) == 0 {
		return "", nil, errors.New("no letters")
	}
	return "batch.pdf", ids, nil
}

func (q *memQueue) MarkPrinted(day time.Time) ([]string, error) {
	var ids []string
	for i, l := range q.letters {
		if !l.Withdrawn && !l.Printed {
			q.letters[i].Printed = true
			ids = append(ids, l.MessageID)
		}
	}
	return ids, nil
}

func (q *memQueue) Withdraw(day time.Time, id string) error {
	for i := range q.letters {
		if q.letters[i].MessageID == id {
			q.letters[i].Withdrawn = true
			q.withdrawn = append(q.withdrawn, id)
		}
	}
	return nil
}

// printLoop is a loop whose letters go to a print queue in memory, with
// Tolvan (at an address) booked for an ECG ten days ahead and the tick
// that sends her letter run.
func printLoop(t *testing.T) (*Loop, *mutableClock, *memQueue, BookResult, *storage.Store) {
	t.Helper()
	l, clk, _, _, st := newLoop(t)
	ctx := context.Background()
	q := &memQueue{}
	l.Senders[domain.MessageLetter] = q
	l.Service.Print = q
	in := row(t, l.Service, 2, "19121212-1212", "Tolvan")
	in.Patient.Address = domain.Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}
	if _, err := l.Service.ImportPatients(ctx, []ImportRow{in}); err != nil {
		t.Fatal(err)
	}
	res, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	l.Tick(ctx)
	return l, clk, q, res, st
}

// A letter the booking withdrew never slips into a batch written before the
// withdrawal message reached the print folder.
func TestPrintBatch_LeavesOutALetterItsBookingWithdrew(t *testing.T) {
	l, clk, q, res, st := printLoop(t)
	ctx := context.Background()
	if len(q.letters) != 1 {
		t.Fatalf("letters %+v", q.letters)
	}
	clk.t = now.Add(time.Hour)
	if _, _, err := l.Service.Rebook(ctx, res.Booking.ID(), now.Add(12*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// No tick: the withdrawal is still in the outbox when the batch is made.
	if _, _, err := l.Service.PrintBatch(ctx, now, false); err == nil {
		t.Fatal("the withdrawn letter went into the batch")
	}
	if len(q.withdrawn) != 1 || q.withdrawn[0] != q.letters[0].MessageID {
		t.Fatalf("withdrawn %v", q.withdrawn)
	}
	b, _ := st.Booking(ctx, res.Booking.ID())
	if b.OutdatedLetter() {
		t.Fatal("no letter was printed, yet one is out of date")
	}
}

// A patient made protected after the letter was queued: the batch made
// before the loop re-checked never prints it with the address (the walk
// saw it printed); the re-check runs first, the letter is withdrawn and
// staff hand the summons over.
func TestPrintBatch_ReChecksAPatientChangedSinceTheLetterWasQueued(t *testing.T) {
	l, clk, q, res, st := printLoop(t)
	ctx := context.Background()
	if len(q.letters) != 1 {
		t.Fatalf("letters %+v", q.letters)
	}
	clk.t = now.Add(time.Minute)
	protectTolvan(t, l)
	// No tick: the re-check is due, not done, when the batch is made.
	if _, _, err := l.Service.PrintBatch(ctx, now, false); err == nil {
		t.Fatal("the letter of a patient now protected went into the batch")
	}
	if len(q.withdrawn) != 1 || q.withdrawn[0] != q.letters[0].MessageID {
		t.Fatalf("withdrawn %v", q.withdrawn)
	}
	b, err := st.Booking(ctx, res.Booking.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !b.Status().HandOver || len(b.Letters()) != 1 || b.Letters()[0].State != domain.LetterWithdrawn {
		t.Fatalf("after the batch: %+v, letters %+v", b.Status(), b.Letters())
	}
}

// protectTolvan records printLoop's patient as protected, by an import:
// a re-check is due on the booking, not yet done.
func protectTolvan(t *testing.T, l *Loop) {
	t.Helper()
	in := row(t, l.Service, 2, "19121212-1212", "Tolvan")
	in.Patient.Address = domain.Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}
	in.Patient.Protected = true
	if _, err := l.Service.ImportPatients(context.Background(), []ImportRow{in}); err != nil {
		t.Fatal(err)
	}
}

// A letter whose booking the database does not hold — a restore went back
// past the booking — never goes into a batch: it would summon the patient
// to a time the clinic no longer has. It is withdrawn, and the others print.
func TestPrintBatch_LeavesOutALetterOfABookingTheDatabaseLacks(t *testing.T) {
	l, _, q, _, _ := printLoop(t)
	ctx := context.Background()
	ghost := domain.PrintLetter{MessageID: "k801-3-letter", Day: domain.LetterDay(now), Booking: 801, VisitAt: now.Add(9 * 24 * time.Hour), Purpose: domain.PurposeSummons}
	q.letters = append(q.letters, ghost)
	_, n, err := l.Service.PrintBatch(ctx, now, false)
	if err != nil || n != 1 {
		t.Fatalf("batch: %d letters, %v; want the booking's one", n, err)
	}
	if len(q.withdrawn) != 1 || q.withdrawn[0] != ghost.MessageID {
		t.Fatalf("withdrawn %v, want the letter of booking 801", q.withdrawn)
	}
}

// A letter the queue held too long (a weekend, the server down) is never
// printed to arrive after the visit: it is withdrawn and staff phone.
func TestPrintBatch_WithdrawsALetterThatWouldArriveTooLate(t *testing.T) {
	l, clk, _, _, st := newLoop(t)
	ctx := context.Background()
	q := &memQueue{}
	l.Senders[domain.MessageLetter] = q
	l.Service.Print = q
	in := row(t, l.Service, 2, "19121212-1212", "Tolvan")
	in.Patient.Address = domain.Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}
	if _, err := l.Service.ImportPatients(ctx, []ImportRow{in}); err != nil {
		t.Fatal(err)
	}
	visit := time.Date(2026, 12, 2, 9, 0, 0, 0, domain.Stockholm) // Wednesday next week
	res, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: visit})
	if err != nil {
		t.Fatal(err)
	}
	l.Tick(ctx)
	// Nobody prints until Monday afternoon: posted Tuesday, it would
	// arrive on Thursday, after the visit.
	clk.t = time.Date(2026, 11, 30, 15, 0, 0, 0, domain.Stockholm)
	if _, _, err := l.Service.PrintBatch(ctx, now, false); err == nil {
		t.Fatal("a letter that arrives too late went into the batch")
	}
	b, _ := st.Booking(ctx, res.Booking.ID())
	if !b.Status().PhoneTask || b.Letters()[0].State != domain.LetterWithdrawn || len(q.withdrawn) != 1 {
		t.Fatalf("phone task %v, letters %+v, withdrawn %v", b.Status().PhoneTask, b.Letters(), q.withdrawn)
	}
}

// Marking letters printed (printed some other way) is no way around that:
// a letter that, posted now, arrives after the visit's day is withdrawn and
// staff phone; the letters still in time are marked.
func TestMarkPrinted_WithdrawsALetterThatWouldArriveTooLate(t *testing.T) {
	l, clk, _, _, st := newLoop(t)
	ctx := context.Background()
	q := &memQueue{}
	l.Senders[domain.MessageLetter] = q
	l.Service.Print = q
	var ids []domain.BookingID
	for i, v := range []time.Time{
		time.Date(2026, 12, 2, 9, 0, 0, 0, domain.Stockholm),  // Wednesday next week: too late on Monday afternoon
		time.Date(2026, 12, 11, 9, 0, 0, 0, domain.Stockholm), // in time
	} {
		pnr := []string{"19121212-1212", "19400101-0000"}[i]
		in := row(t, l.Service, 2+i, pnr, "Tolvan")
		in.Patient.Address = domain.Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}
		if _, err := l.Service.ImportPatients(ctx, []ImportRow{in}); err != nil {
			t.Fatal(err)
		}
		res, err := l.Service.Book(ctx, BookInput{Patient: pnr, Exam: "ekg24", Site: "ryhov", VisitAt: v})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Booking.ID())
	}
	l.Tick(ctx)
	clk.t = time.Date(2026, 11, 30, 15, 0, 0, 0, domain.Stockholm)
	n, withdrawn, err := l.Service.MarkPrinted(ctx, now)
	if err != nil || n != 1 || withdrawn != 1 {
		t.Fatalf("marked %d, withdrawn %d (%v), want the one in time marked and the other withdrawn", n, withdrawn, err)
	}
	late, _ := st.Booking(ctx, ids[0])
	if !late.Status().PhoneTask || late.Letters()[0].State != domain.LetterWithdrawn || len(q.withdrawn) != 1 {
		t.Fatalf("too late: phone task %v, letters %+v, withdrawn %v", late.Status().PhoneTask, late.Letters(), q.withdrawn)
	}
	if ok, _ := st.Booking(ctx, ids[1]); ok.Letters()[0].State != domain.LetterPrinted || ok.Status().PhoneTask {
		t.Fatalf("in time: letters %+v, phone task %v", ok.Letters(), ok.Status().PhoneTask)
	}
}

// A batch whose bookings were never told (the process stopped between the
// PDF and the bookings) is caught up by the next print action: a later
// move still finds the letter printed, and staff are told.
func TestPrintBatch_CatchesUpABatchTheBookingsWereNotToldOf(t *testing.T) {
	l, clk, _, _, st := newLoop(t)
	ctx := context.Background()
	q := &memQueue{}
	l.Senders[domain.MessageLetter] = q
	l.Service.Print = q
	in := row(t, l.Service, 2, "19121212-1212", "Tolvan")
	in.Patient.Address = domain.Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}
	if _, err := l.Service.ImportPatients(ctx, []ImportRow{in}); err != nil {
		t.Fatal(err)
	}
	res, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	l.Tick(ctx)
	q.letters[0].Printed = true // the PDF was written; the process stopped before the bookings heard of it
	clk.t = now.Add(time.Hour)
	if _, _, err := l.Service.PrintBatch(ctx, now, false); err == nil {
		t.Fatal("nothing left to print, yet a batch")
	}
	b, _ := st.Booking(ctx, res.Booking.ID())
	if b.Letters()[0].State != domain.LetterPrinted {
		t.Fatalf("letters %+v", b.Letters())
	}
	if _, _, err := l.Service.Rebook(ctx, res.Booking.ID(), now.Add(12*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if b, _ = st.Booking(ctx, res.Booking.ID()); !b.OutdatedLetter() {
		t.Fatal("a printed letter for a void time must reach staff")
	}
}

// A booking whose examination left the catalogue can still be cancelled:
// without a notice, and the booking says why.
func TestCancel_WorksWhenTheExaminationLeftTheCatalogue(t *testing.T) {
	l, _, snd, _, st := newLoop(t)
	ctx := context.Background()
	res, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	l.Tick(ctx)
	cat, err := domain.NewCatalogue([]domain.Examination{{Code: "eko", Name: "Eko", Duration: 30 * time.Minute, Digital: true, Stage: 2}},
		[]domain.Site{{Code: "ryhov", Name: "Länssjukhuset Ryhov"}})
	if err != nil {
		t.Fatal(err)
	}
	l.Service.Catalogue = cat
	b, err := l.Service.Cancel(ctx, res.Booking.ID(), "patienten ringde")
	if err != nil || b.State() != domain.StateCancelled {
		t.Fatalf("cancel: %v", err)
	}
	evs, _ := st.BookingEvents(ctx, res.Booking.ID())
	last := evs[len(evs)-1]
	if last.Type != domain.EventCancelled || !strings.Contains(last.Note, "patienten ringde") || !strings.Contains(last.Note, "no notice could be made") {
		t.Fatalf("event %+v", last)
	}
	if rep, _ := l.Tick(ctx); rep.Delivered != 0 || len(snd.sent) != 1 {
		t.Fatalf("a notice went: %+v %v", rep, snd.sent)
	}
}

type recSender struct{ sent []domain.Message }

func (r *recSender) Send(_ context.Context, m domain.Message) error {
	r.sent = append(r.sent, m)
	return nil
}

// A cancellation undone the same day withdraws its notice letter,
// and the SMS notice held for the end of the quiet hours does not go the
// next morning either: the time was restored (review).
func TestLoop_AnUndoneCancellationsHeldSMSDoesNotGo(t *testing.T) {
	l, clk, _, _, _ := newLoop(t)
	ctx := context.Background()
	rec := &recSender{}
	l.Senders[domain.MessageSMS] = rec
	in := row(t, l.Service, 2, "19121212-1212", "Tolvan")
	in.Patient.Has1177Account, in.Patient.NotificationsEnabled = true, true
	in.Patient.Phone, in.Patient.SMSReminders = "0701234567", true
	if _, err := l.Service.ImportPatients(ctx, []ImportRow{in}); err != nil {
		t.Fatal(err)
	}
	res, err := l.Service.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(10 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	clk.t = time.Date(2026, 11, 25, 22, 0, 0, 0, domain.Stockholm) // quiet hours
	if _, err := l.Service.Cancel(ctx, res.Booking.ID(), ""); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(10 * time.Minute)
	if _, err := l.Service.UndoCancel(ctx, res.Booking.ID(), "fel bokning"); err != nil {
		t.Fatal(err)
	}
	clk.t = time.Date(2026, 11, 26, 8, 1, 0, 0, domain.Stockholm)
	if _, err := l.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	for _, m := range rec.sent {
		if m.Purpose == domain.PurposeCancellation {
			t.Errorf("after the undo, the SMS %q went at 08:00: %q", m.ID, m.Text)
		}
	}
}

// mark-printed runs the re-checks due first, as the batch does: the letter
// of a patient made protected is withdrawn, not marked printed (review).
func TestMarkPrinted_ReChecksAPatientChangedSinceTheLetterWasQueued(t *testing.T) {
	l, clk, q, res, st := printLoop(t)
	ctx := context.Background()
	clk.t = now.Add(time.Minute)
	protectTolvan(t, l)
	marked, _, err := l.Service.MarkPrinted(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := st.Booking(ctx, res.Booking.ID())
	if marked != 0 || len(q.withdrawn) != 1 || b.Letters()[0].State != domain.LetterWithdrawn || !b.Status().HandOver {
		t.Errorf("mark-printed: marked %d; letters %+v; folder withdrew %v; hand-over %v",
			marked, b.Letters(), q.withdrawn, b.Status().HandOver)
	}
}

// One booking whose re-check cannot fire (its examination left the
// catalogue; the loop reports it as a fire failure and goes on) stops no
// other patient's letter (review).
func TestPrintBatch_OneFailingReCheckStopsNoOtherLetter(t *testing.T) {
	l, clk, q, _, _ := printLoop(t)
	ctx := context.Background()
	cat, err := domain.NewCatalogue(
		[]domain.Examination{
			{Code: "ekg24", Name: "Långtids-EKG", Duration: 30 * time.Minute, Digital: true, Stage: 1},
			{Code: "ekg48", Name: "Långtids-EKG 2", Duration: 30 * time.Minute, Digital: true, Stage: 2},
		},
		[]domain.Site{{Code: "ryhov", Name: "Länssjukhuset Ryhov"}})
	if err != nil {
		t.Fatal(err)
	}
	l.Service.Catalogue = cat
	in := row(t, l.Service, 2, "20121212-1212", "Elva")
	in.Patient.Address = domain.Address{Street: "Storgatan 2", PostalCode: "55318", City: "Jönköping"}
	if _, err := l.Service.ImportPatients(ctx, []ImportRow{in}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Service.Book(ctx, BookInput{Patient: "20121212-1212", Exam: "ekg48", Site: "ryhov", VisitAt: now.Add(11 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	l.Tick(ctx)
	if len(q.letters) != 2 {
		t.Fatalf("letters %+v", q.letters)
	}
	clk.t = now.Add(time.Minute)
	in.Patient.Address.Street = "Storgatan 3"
	if _, err := l.Service.ImportPatients(ctx, []ImportRow{in}); err != nil {
		t.Fatal(err)
	}
	// ekg48 leaves the catalogue (configuration changed).
	cat2, _ := domain.NewCatalogue(
		[]domain.Examination{{Code: "ekg24", Name: "Långtids-EKG", Duration: 30 * time.Minute, Digital: true, Stage: 1}},
		[]domain.Site{{Code: "ryhov", Name: "Länssjukhuset Ryhov"}})
	l.Service.Catalogue = cat2
	_, n, err := l.Service.PrintBatch(ctx, now, false)
	if err != nil {
		t.Errorf("the batch fails for every letter: %v (printed %d)", err, n)
	}
}

// racingStore is the store with a change of someone else's landing just
// before the next write that changes a booking begins: after every read
// that decided the write, before its transaction.
type racingStore struct {
	*storage.Store
	before func() // run once, before the next booking write
}

func (r *racingStore) race() {
	if f := r.before; f != nil {
		r.before = nil
		f()
	}
}

func (r *racingStore) UpdateBooking(ctx context.Context, id domain.BookingID, fn func(b *domain.Booking, others []*domain.Booking) error) (*domain.Booking, error) {
	r.race()
	return r.Store.UpdateBooking(ctx, id, fn)
}

func (r *racingStore) FireDue(ctx context.Context, now time.Time, limit int, skip map[domain.BookingID]bool, fn func(b *domain.Booking, p domain.Patient) error) (int, []domain.FireFailure, error) {
	r.race()
	return r.Store.FireDue(ctx, now, limit, skip, fn)
}

func (r *racingStore) FireDueOf(ctx context.Context, now time.Time, ids []domain.BookingID, fn func(b *domain.Booking, p domain.Patient) error) (int, []domain.FireFailure, error) {
	r.race()
	return r.Store.FireDueOf(ctx, now, ids, fn)
}

// An import that lands between the batch's reads and its re-check's write
// (Tolvan moved, then made protected a moment later) is decided on: the
// re-check decides on the patient as its write transaction sees her, so
// no letter is posted again to the address she had before — her summons
// is handed over, and nothing of hers is printed (review).
func TestPrintBatch_ReChecksThePatientAsItsWriteSeesHer(t *testing.T) {
	l, clk, q, res, st := printLoop(t)
	ctx := context.Background()
	clk.t = now.Add(time.Minute)
	moved := row(t, l.Service, 2, "19121212-1212", "Tolvan")
	moved.Patient.Address = domain.Address{Street: "Storgatan 5", PostalCode: "55318", City: "Jönköping"}
	if _, err := l.Service.ImportPatients(ctx, []ImportRow{moved}); err != nil {
		t.Fatal(err)
	}
	racing := &racingStore{Store: st}
	racing.before = func() {
		secret := moved
		secret.Patient.Protected = true
		if _, err := l.Service.ImportPatients(ctx, []ImportRow{secret}); err != nil {
			t.Fatal(err)
		}
	}
	l.Service.Store = racing
	l.Service.PrintBatch(ctx, now, false)
	if racing.before != nil {
		t.Fatal("the batch wrote nothing: the import did not land between its read and its write")
	}
	l.Service.Store = st
	if _, err := l.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	l.Service.PrintBatch(ctx, now, false)
	for _, pl := range q.letters {
		if pl.Printed {
			t.Errorf("letter %s of a patient now protected was printed, to %+v", pl.MessageID, q.addressed[pl.MessageID])
		}
	}
	b, err := st.Booking(ctx, res.Booking.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !b.Status().HandOver {
		t.Errorf("the summons of a patient now protected is not handed over: %+v, letters %+v", b.Status(), b.Letters())
	}
}

// The same race, the import landing a moment after the batch read the
// clock: the re-check it asks for is due no later than the one the batch
// found due, so the batch still runs it first and Tolvan's letter is not
// printed to the address she had (review).
func TestPrintBatch_ReChecksAnImportLandingAfterItsClock(t *testing.T) {
	l, clk, q, res, st := printLoop(t)
	ctx := context.Background()
	clk.t = now.Add(time.Minute)
	moved := row(t, l.Service, 2, "19121212-1212", "Tolvan")
	moved.Patient.Address = domain.Address{Street: "Storgatan 5", PostalCode: "55318", City: "Jönköping"}
	if _, err := l.Service.ImportPatients(ctx, []ImportRow{moved}); err != nil {
		t.Fatal(err)
	}
	racing := &racingStore{Store: st}
	racing.before = func() {
		clk.t = clk.t.Add(time.Millisecond)
		secret := moved
		secret.Patient.Protected = true
		if _, err := l.Service.ImportPatients(ctx, []ImportRow{secret}); err != nil {
			t.Fatal(err)
		}
	}
	l.Service.Store = racing
	l.Service.PrintBatch(ctx, now, false)
	if racing.before != nil {
		t.Fatal("the batch wrote nothing: the import did not land between its read and its write")
	}
	for _, pl := range q.letters {
		if pl.Printed {
			t.Errorf("letter %s of a patient now protected was printed, to %+v", pl.MessageID, q.addressed[pl.MessageID])
		}
	}
	b, err := st.Booking(ctx, res.Booking.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !b.Status().HandOver {
		t.Errorf("the summons of a patient now protected is not handed over: %+v, letters %+v", b.Status(), b.Letters())
	}
}
