package demo

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// YearOptions size a simulated year.
type YearOptions struct {
	Seed       uint64
	Bookings   int
	Patients   int       // 0: half the bookings, at least 50
	Start      time.Time // the first day; the bookings are made over the 52 weeks from it
	Downtime   time.Time // the start of a week the server is down; zero: none
	Population Population
}

// DowntimeLength is how long the simulated server stays down.
const DowntimeLength = 7 * 24 * time.Hour

// DefaultDowntime is the simulated week without the server: from the
// Monday of ISO week 37 of start's year, a working week in the autumn.
func DefaultDowntime(start time.Time) time.Time {
	d := time.Date(start.Year(), time.January, 4, 0, 0, 0, 0, domain.Stockholm) // in ISO week 1
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, -1)
	}
	return d.AddDate(0, 0, 36*7)
}

// The loop's interval, the user the simulation acts as, and the share of
// bookings made in the coming working days.
const (
	simLoopEvery     = 15 * time.Minute
	simActor         = "simulering"
	lateBookingShare = 0.05
)

// Year simulates a year of the department on svc's store, which must be
// fresh: bookings made over 52 weeks from opt.Start, each from booking to
// visit, with the loop ticking every 15 minutes, patients opening (or not)
// and asking to rebook or cancel in 1177, staff handling the
// needs-attention page every hour of a working day, printing at the cut-off,
// cancelling, moving, changing patients' records; a week of downtime when
// nothing runs but 1177. Messages go nowhere but into the checks. At the
// end it checks the invariants and counts the figures.
func Year(ctx context.Context, svc *service.Service, opt YearOptions) (YearReport, error) {
	if opt.Bookings < 1 {
		return YearReport{}, errors.New("the simulated year needs at least one booking")
	}
	st, ok := svc.Store.(domain.LoopStore)
	if !ok {
		return YearReport{}, errors.New("the simulated year needs a store that can run the background loop")
	}
	if n, err := st.CountBookings(ctx); err != nil {
		return YearReport{}, err
	} else if n > 0 {
		return YearReport{}, fmt.Errorf("the simulated year needs a fresh database; this one holds %d bookings", n)
	}
	y := newYear(svc, st, opt)
	if err := y.run(ctx); err != nil {
		return YearReport{}, err
	}
	return y.report(ctx)
}

func newYear(svc *service.Service, st domain.LoopStore, opt YearOptions) *year {
	if opt.Patients <= 0 {
		opt.Patients = max(opt.Bookings/2, 50)
	}
	start := opt.Start.In(domain.Stockholm)
	start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, domain.Stockholm)
	base := svc.As(simActor)
	y := &year{
		g:        &gen{r: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x73696d756c657261)), now: start, svc: base, pop: opt.Population},
		opt:      opt,
		st:       st,
		start:    start,
		patients: map[string]*simPatient{},
		bookings: map[domain.BookingID]*simBooking{},
		sent:     map[string]int{},
		keys:     map[string]int{},
		inv:      map[string]*Invariant{},
	}
	if !opt.Downtime.IsZero() {
		y.dtFrom, y.dtTo = opt.Downtime, opt.Downtime.Add(DowntimeLength)
	}
	y.print = &memPrint{y: y, days: map[string][]*simLetter{}}
	base.Print = y.print
	y.g.receipts = &memReceipts{}
	y.loop = service.NewLoop(base, st, map[domain.MessageKind]domain.Sender{
		domain.MessageInbox: senderFunc(y.sendInbox), domain.MessageSMS: senderFunc(y.sendSMS), domain.MessageLetter: senderFunc(y.print.send),
	}, y.g.receipts)
	return y
}

type senderFunc func(context.Context, domain.Message) error

func (f senderFunc) Send(ctx context.Context, m domain.Message) error { return f(ctx, m) }

type simPatient struct {
	row service.ImportRow
}

type simBooking struct {
	patient string // canonical identity number
	group   string // at booking
	created time.Time
	late    bool
	moved   bool
}

type year struct {
	g        *gen
	opt      YearOptions
	st       domain.LoopStore
	loop     *service.Loop
	print    *memPrint
	start    time.Time
	end      time.Time
	dtFrom   time.Time
	dtTo     time.Time
	q        actionHeap
	seq      int
	lastTick time.Time
	rows     []service.ImportRow
	patients map[string]*simPatient
	bookings map[domain.BookingID]*simBooking
	sent     map[string]int // message id → deliveries
	keys     map[string]int // what a message says, for duplicates
	inv      map[string]*Invariant
	rep      YearReport
}

// actionHeap orders the year's actions by instant, then by scheduling order.
type actionHeap []action

func (h actionHeap) Len() int { return len(h) }
func (h actionHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h actionHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *actionHeap) Push(x any)   { *h = append(*h, x.(action)) }
func (h *actionHeap) Pop() any {
	old := *h
	a := old[len(old)-1]
	*h = old[:len(old)-1]
	return a
}

func (y *year) schedule(at time.Time, do func(ctx context.Context) error) {
	y.seq++
	heap.Push(&y.q, action{at: at, seq: y.seq, do: do})
}

// staff schedules what staff do: it waits for the server when it is down,
// and the loop (which serve runs every second) sends what it decided at
// once.
func (y *year) staff(at time.Time, do func(ctx context.Context) error) {
	y.schedule(at, func(ctx context.Context) error {
		if y.down(y.now()) {
			y.staff(y.backUp(), do)
			return nil
		}
		if err := do(ctx); err != nil {
			return err
		}
		return y.tick(ctx)
	})
}

func (y *year) now() time.Time { return y.g.svc.Clock.Now() }

func (y *year) down(t time.Time) bool {
	return !y.dtFrom.IsZero() && !t.Before(y.dtFrom) && t.Before(y.dtTo)
}

// backUp is when staff take up the work again after the downtime: the first
// working morning from the server's return.
func (y *year) backUp() time.Time {
	d := y.dtTo.In(domain.Stockholm)
	at := time.Date(d.Year(), d.Month(), d.Day(), 8, 30, 0, 0, domain.Stockholm)
	for !isWorkday(at) || at.Before(y.dtTo) {
		at = time.Date(at.Year(), at.Month(), at.Day()+1, 8, 30, 0, 0, domain.Stockholm)
	}
	return at
}

func (y *year) run(ctx context.Context) error {
	g := y.g
	rows, _ := g.patients(y.opt.Patients)
	y.rows = rows
	for _, r := range rows {
		y.patients[r.Patient.ID.Canonical()] = &simPatient{row: r}
	}
	g.at(y.start.Add(-24 * time.Hour))
	res, err := g.svc.ImportPatients(ctx, rows)
	if err != nil {
		return err
	}
	if len(res.Rejected) > 0 {
		return fmt.Errorf("simulation generated an invalid patient: %v", res.Rejected[0])
	}
	y.rep.Patients = len(rows)
	yearEnd := y.start.AddDate(0, 0, 52*7)
	var workdays []time.Time
	for d := y.start; d.Before(yearEnd); d = d.AddDate(0, 0, 1) {
		if isWorkday(d) {
			workdays = append(workdays, d)
		}
	}
	y.end = yearEnd.AddDate(0, 0, 60)
	// The working days' routine: the needs-attention page every hour (it is
	// live on every screen), the print batch at the cut-off.
	cut := g.svc.Schedule.PrintCutoff - time.Minute
	for d := y.start.AddDate(0, 0, -1); d.Before(y.end); d = d.AddDate(0, 0, 1) {
		if !isWorkday(d) {
			continue
		}
		for h := 8; h <= 16; h++ {
			y.schedule(time.Date(d.Year(), d.Month(), d.Day(), h, 0, 0, 0, domain.Stockholm), y.round)
		}
		at := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, domain.Stockholm).Add(cut)
		y.schedule(at, y.printDay)
	}
	exams, sites := g.svc.Catalogue.Exams(), g.svc.Catalogue.Sites()
	for i := 0; i < y.opt.Bookings; i++ {
		d := workdays[g.r.IntN(len(workdays))]
		at := time.Date(d.Year(), d.Month(), d.Day(), 8, g.r.IntN(8*60), 0, 0, domain.Stockholm)
		exam, site := g.pickExam(exams), g.pickSite(sites)
		y.staff(at, func(ctx context.Context) error { return y.book(ctx, exam, site) })
	}
	y.lastTick = y.start.Add(-24 * time.Hour)
	for y.q.Len() > 0 {
		a := heap.Pop(&y.q).(action)
		if a.at.After(y.end) {
			break
		}
		if err := y.tickUntil(ctx, a.at); err != nil {
			return err
		}
		g.at(a.at)
		if err := a.do(ctx); err != nil {
			return fmt.Errorf("simulated %s: %w", a.at.In(domain.Stockholm).Format("2006-01-02 15:04"), err)
		}
	}
	return y.tickUntil(ctx, y.end)
}

// tickUntil runs the loop every 15 minutes up to t, as serve would, but
// not while the server is down.
func (y *year) tickUntil(ctx context.Context, t time.Time) error {
	for next := y.lastTick.Add(simLoopEvery); !next.After(t); next = next.Add(simLoopEvery) {
		y.lastTick = next
		if y.down(next) {
			continue
		}
		y.g.at(next)
		if err := y.tick(ctx); err != nil {
			return err
		}
	}
	return nil
}

// tick runs the loop once at the simulated now.
func (y *year) tick(ctx context.Context) error {
	rep, err := y.loop.Tick(ctx)
	if err != nil {
		return err
	}

	if len(rep.FireFailures) > 0 {
		return fmt.Errorf("booking %s: %v", rep.FireFailures[0].Booking, rep.FireFailures[0].Err)
	}
	if len(rep.ReceiptErrs) > 0 {
		return rep.ReceiptErrs[0]
	}
	return nil
}

// groupOf is the first population group of GroupOrder p belongs to.
func (y *year) groupOf(in domain.PatientInput, at time.Time) string {
	age, _ := in.ID.AgeAt(at)
	switch {
	case in.Protected:
		return "protected"
	case in.ID.Kind() == domain.KindReservnummer:
		return "reservnummer"
	case in.ID.Kind() == domain.KindSamordningsnummer:
		return "samordningsnummer"
	case age < domain.AdultAge:
		return "child"
	case in.Interpreter != "":
		return "interpreter"
	case in.PaperDeclined:
		return "paper_declined"
	case in.Address.IsZero():
		return "no_address"
	case !in.Has1177Account:
		return "no_account"
	case !in.NotificationsEnabled:
		return "notifications_off"
	}
	return "digital"
}

// book makes one booking: most some weeks ahead, a few (late bookings) in
// the coming working days; a patient whose time collides gives way to
// another.
func (y *year) book(ctx context.Context, exam domain.Examination, site domain.Site) error {
	g := y.g
	created := y.now()
	late := g.chance(lateBookingShare)
	for try := 0; try < 5; try++ {
		row := y.rows[g.r.IntN(len(y.rows))]
		visit := g.slot(created.Add(3*24*time.Hour), created.Add(50*24*time.Hour))
		if late {
			visit = g.slot(created.Add(2*time.Hour), created.Add(4*24*time.Hour))
		}
		res, err := g.svc.Book(ctx, service.BookInput{Patient: row.Patient.ID.String(), Exam: exam.Code, Site: site.Code, VisitAt: visit})
		if errors.Is(err, domain.ErrOverlap) {
			continue
		}
		if err != nil {
			return err
		}
		id := res.Booking.ID()
		in := y.patients[row.Patient.ID.Canonical()].row.Patient
		y.bookings[id] = &simBooking{patient: row.Patient.ID.Canonical(), group: y.groupOf(in, created), created: created, late: late}
		if late {
			y.rep.LateBookings++
		}
		y.plan(id, created, visit, res.Booking.Duration())
		return nil
	}
	return nil
}

// workTime is a moment of office hours between lo and hi, or zero.
func (y *year) workTime(lo, hi time.Time) time.Time {
	for i := 0; i < 20 && hi.After(lo); i++ {
		t := lo.Add(time.Duration(y.g.r.Int64N(int64(hi.Sub(lo))))).In(domain.Stockholm)
		t = time.Date(t.Year(), t.Month(), t.Day(), 8+y.g.r.IntN(8), y.g.r.IntN(60), 0, 0, domain.Stockholm)
		if isWorkday(t) && t.After(lo) && t.Before(hi) {
			return t
		}
	}
	return time.Time{}
}

// plan schedules what staff and life do to a booking besides the patient's
// answers to its summons: a cancellation, a move, a changed patient record,
// and the visit's outcome.
func (y *year) plan(id domain.BookingID, created, visit time.Time, dur time.Duration) {
	g := y.g
	switch x := g.r.Float64(); {
	case x < 0.03:
		if at := y.workTime(created, visit); !at.IsZero() {
			y.staff(at, func(ctx context.Context) error {
				_, err := g.svc.Cancel(ctx, id, "patienten ringde och avbokade")
				return ignoreRefusal(err, nil)
			})
		}
	case x < 0.07:
		if at := y.workTime(created.Add(24*time.Hour), minTime(visit, created.Add(10*24*time.Hour))); !at.IsZero() {
			y.staff(at, func(ctx context.Context) error { return y.move(ctx, id, 1, 21) })
		}
	}
	if g.chance(0.02) {
		if at := created.Add(time.Duration(g.r.Int64N(int64(visit.Sub(created))))); at.Before(visit) {
			y.staff(at, func(ctx context.Context) error { return y.changePatient(ctx, id) })
		}
	}
	y.staff(visit.Add(dur), y.outcome(id))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// move gives the booking a later time, days ahead of its current one.
func (y *year) move(ctx context.Context, id domain.BookingID, lo, hi int) error {
	b, err := y.st.Booking(ctx, id)
	if err != nil {
		return err
	}
	if b.State().Final() || !b.VisitAt().After(y.now()) {
		return nil
	}
	dur := b.Duration()
	for try := 0; try < 3; try++ {
		next := y.g.slot(b.VisitAt().AddDate(0, 0, lo), b.VisitAt().AddDate(0, 0, hi))
		_, _, err := y.g.svc.Rebook(ctx, id, next)
		if errors.Is(err, domain.ErrOverlap) {
			continue
		}
		if err := ignoreRefusal(err, nil); err != nil {
			return err
		}
		if err == nil {
			y.bookings[id].moved = true
			y.staff(next.Add(dur), y.outcome(id))
		}
		return nil
	}
	return nil
}

// changePatient changes how the booking's patient is reached, as a new
// import from the patient register would: the account closes, the
// notifications go off, the patient moves or declines letters by post.
func (y *year) changePatient(ctx context.Context, id domain.BookingID) error {
	sp := y.patients[y.bookings[id].patient]
	in := sp.row.Patient
	switch y.g.r.IntN(4) {
	case 0:
		in.Has1177Account, in.NotificationsEnabled = false, false
	case 1:
		in.NotificationsEnabled = false
	case 2:
		in.Address = y.g.address()
	default:
		in.PaperDeclined = in.Has1177Account
	}
	row := sp.row
	row.Patient = in
	if _, err := y.g.svc.ImportPatients(ctx, []service.ImportRow{row}); err != nil {
		return err
	}
	sp.row = row
	y.rep.PatientChanges++
	return nil
}

// outcome records whether the patient came, once the visit is over.
func (y *year) outcome(id domain.BookingID) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		b, err := y.st.Booking(ctx, id)
		if err != nil {
			return err
		}
		if b.State().Final() || b.VisitAt().Add(b.Duration()).After(y.now()) {
			return nil // cancelled, or moved to a later time
		}
		if y.g.chance(0.04) {
			_, err = y.g.svc.MarkNoShow(ctx, id)
		} else {
			_, err = y.g.svc.MarkAttended(ctx, id)
		}
		return ignoreRefusal(err, nil)
	}
}

// round is staff going through the needs-attention page.
func (y *year) round(ctx context.Context) error {
	if y.down(y.now()) {
		return nil
	}
	items, err := y.g.svc.Reader().Attention(ctx, 0)
	if err != nil {
		return err
	}
	svc := y.g.svc
	for _, it := range items {
		id := it.Booking.ID()
		for _, r := range it.Reasons {
			var err error
			switch r {
			case domain.AttentionCancelRequested:
				_, err = svc.Cancel(ctx, id, "avbokad av patienten i 1177")
			case domain.AttentionRebookRequested:
				if y.g.chance(0.8) {
					err = y.move(ctx, id, 7, 21)
				} else {
					_, err = svc.KeepTime(ctx, id, "patienten behåller tiden")
				}
			case domain.AttentionPhoneTask:
				_, err = svc.ResolvePhoneTask(ctx, id, "ringde patienten")
			case domain.AttentionHandOver:
				_, err = svc.ResolveHandOver(ctx, id, "enligt enhetens rutin")
			case domain.AttentionLetterOutdated:
				_, err = svc.OutdatedLetterHandled(ctx, id, "tog brevet ur posten")
			}
			if err := ignoreRefusal(err, nil); err != nil {
				return fmt.Errorf("attention %s on booking %d: %w", r, id, err)
			}
		}
	}
	if len(items) == 0 {
		return nil
	}
	return y.tick(ctx)
}

// printDay prints every day folder with letters still to print, just
// before the cut-off: what is printed now is posted today.
func (y *year) printDay(ctx context.Context) error {
	if y.down(y.now()) {
		return nil
	}
	for _, day := range y.print.pendingDays() {
		// A day whose letters all came too late is left with none to print.
		if _, _, err := y.g.svc.PrintBatch(ctx, day, false); err != nil && !errors.Is(err, errNoSimLetters) {
			return err
		}
	}
	return nil
}
