// Package demo builds a realistic synthetic database for training, demos and
// tests: valid identity numbers across ages and kinds, interpreter needs,
// 1177 account and notification states in the proportions the region
// reports (91 % of residents have logged in to 1177), and bookings across the
// catalogue and the three sites, with their history up to the given instant.
// Everything goes through the same use cases as staff input.
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

// Options size the demo.
type Options struct {
	Patients int
	Bookings int
	Seed     uint64
	// NoSwitch keeps every examination as configured throughout the
	// history; by default the demo switches SwitchExam on part-way.
	NoSwitch bool
	// Progress, when set, is told how far the build has come: the
	// patients once imported (stage "patients"), then the bookings tried
	// so far of Bookings (stage "bookings"), every ProgressEvery bookings
	// and at the end, and, on a store that loads in bulk, when the reports
	// are computed after the last (stage "reports"). It never changes what
	// is built.
	Progress func(Step)
}

// Step is how far the build has come, as Options.Progress is told.
type Step struct {
	Stage string // "patients", "bookings" or "reports"
	// Done of Total: the patients imported; the bookings tried, each
	// made or given up.
	Done, Total int
	// GivenUp of the bookings tried were not made (stage "bookings"): each
	// of BookTries draws of a patient and a time met another visit of the
	// patient's then, or a patient not born yet. Done-GivenUp were made.
	GivenUp int
}

// Made is how many of the bookings tried were made.
func (s Step) Made() int { return s.Done - s.GivenUp }

// ProgressEvery is how many bookings the demo tries between two calls of
// Options.Progress.
const ProgressEvery = 1000

// BookTries is how many times the demo draws a patient and a time for one
// booking before it gives the booking up: few patients for many bookings
// (--patients 5 --bookings 1000) leave some patient busy at every time drawn.
const BookTries = 5

// BulkStore is a store that lets a bulk load share write transactions
// (storage.Store.Bulk): the demo's history is millions of small changes.
type BulkStore interface {
	Bulk(chunk int, fn func() error) error
}

// The demo's rollout step: SwitchExam (echocardiography, digital in the
// default catalogue) goes digital at 00:00 SwitchDaysAgo days before the
// demo's instant. Its summonses before then went on paper, so that the
// rollout report has weeks before and after a switch to compare. The date
// is recorded in the database's meta under DigitalSinceMeta as
// "<exam>=<YYYY-MM-DD>", for the report to use when the configuration
// gives no exams.<exam>.digital_since.
const (
	SwitchExam       = "eko"
	SwitchDaysAgo    = 21
	DigitalSinceMeta = "demo_digital_since"
)

// SwitchDate is the day the demo built at now switches SwitchExam on.
func SwitchDate(now time.Time) time.Time {
	d := now.In(domain.Stockholm).AddDate(0, 0, -SwitchDaysAgo)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, domain.Stockholm)
}

// Summary says what was built.
type Summary struct {
	Patients int
	Bookings int // in the database at the end
	// GivenUp are the bookings of Options.Bookings not made: BookTries
	// draws of a patient and a time met the patient busy (Step.GivenUp).
	GivenUp int
	ByState map[domain.BookingState]int
	// Unprinted are the letters of the coming bookings still to print
	// (filed for a posting not yet past): the demo's print queue, for the
	// caller to write into its print folder.
	Unprinted []domain.Message
}

// Actor is the user recorded for the demo's changes.
const Actor = "demo"

// examWeights make long-term ECG and echocardiography the common ones, as in
// a real department.
var examWeights = map[string]int{
	"ekg24": 20, "ekg48": 6, "ekg6d": 5, "eko": 18, "aorta": 8, "arbetsprov": 10,
	"bt24": 8, "lungfunktion": 8, "mps": 3, "karl": 6, "vilo-ekg": 8,
}

var siteWeights = map[string]int{"ryhov": 50, "hoglandet": 25, "varnamo": 25}

// Generate builds the demo through svc as of instant now. The history is
// simulated in time order through the same use cases and the same background
// loop as real work: bookings are made, summonses sent, patients open them
// (or not), fallbacks and reminders go, patients ask to rebook or cancel,
// staff handle it, and visits end attended or not. Messages of the history
// are not written to any spool.
func Generate(ctx context.Context, svc *service.Service, now time.Time, opt Options) (Summary, error) {
	if opt.Patients < 1 || opt.Bookings < 0 {
		return Summary{}, errors.New("demo needs at least one patient and zero or more bookings")
	}
	st, ok := svc.Store.(domain.LoopStore)
	if !ok {
		return Summary{}, errors.New("demo needs a store that can run the background loop")
	}
	g := &gen{r: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x6b616c6c656c7365)), now: now, svc: svc.As(Actor), pop: DefaultPopulation}
	g.receipts = &memReceipts{}
	g.letters = &letterLog{byID: map[string]domain.Message{}}
	g.loop = service.NewLoop(g.svc, st, map[domain.MessageKind]domain.Sender{
		domain.MessageInbox: discard{}, domain.MessageSMS: discard{}, domain.MessageLetter: g.letters,
	}, g.receipts)
	g.progress, g.total = opt.Progress, opt.Bookings
	sum := Summary{ByState: map[domain.BookingState]int{}}
	build := func() error {
		if err := g.generate(ctx, opt, &sum); err != nil {
			return err
		}
		return g.printComing(ctx, &sum)
	}
	var err error
	if bs, ok := svc.Store.(BulkStore); ok {
		err = bs.Bulk(0, func() error {
			err := build()
			if err == nil && g.progress != nil {
				g.progress(Step{Stage: "reports"}) // Bulk computes them as it ends
			}
			return err
		})
	} else {
		err = build()
	}
	if err != nil {
		return sum, err
	}
	err = g.svc.EachBooking(ctx, domain.BookingQuery{}, func(b *domain.Booking) error {
		sum.Bookings++
		sum.ByState[b.State()]++
		return nil
	})
	return sum, err
}

// generate imports the patients and plays the history.
func (g *gen) generate(ctx context.Context, opt Options, sum *Summary) error {
	rows, screening := g.patients(opt.Patients)
	g.days = HistoryDays(opt.Bookings)
	g.at(g.now.AddDate(0, 0, -g.days-20)) // imported before the first booking
	res, err := g.svc.ImportPatients(ctx, rows)
	if err != nil {
		return err
	}
	if len(res.Rejected) > 0 {
		return fmt.Errorf("demo generated an invalid patient: %v", res.Rejected[0])
	}
	sum.Patients = res.Created + res.Updated + res.Unchanged
	if g.progress != nil {
		g.progress(Step{Stage: "patients", Done: sum.Patients, Total: opt.Patients})
		g.progress(Step{Stage: "bookings", Total: g.total})
	}
	exams := g.svc.Catalogue.Exams()
	sites := g.svc.Catalogue.Sites()
	if !opt.NoSwitch {
		if err := g.switchLater(exams, sites); err != nil {
			return err
		}
	}
	showcase := g.showcase(rows)
	for i := 0; i < opt.Bookings; i++ {
		exam := g.pickExam(exams)
		site := g.pickSite(sites)
		pool := rows
		if i < len(showcase) {
			// The first bookings show every reason a summons goes on paper.
			pool, exam = showcase[i:i+1], exams[0]
		}
		g.schedule(g.createdAt(), func(ctx context.Context) error {
			made, err := g.book(ctx, pool, screening, exam, site)
			g.booked++
			if !made && err == nil {
				g.givenUp++
			}
			if g.progress != nil && (g.booked%ProgressEvery == 0 || g.booked == g.total) {
				g.progress(Step{Stage: "bookings", Done: g.booked, Total: g.total, GivenUp: g.givenUp})
			}
			return err
		})
	}
	if err := g.run(ctx); err != nil {
		return err
	}
	sum.GivenUp = g.givenUp
	return nil
}

// switchLater turns SwitchExam to paper until SwitchDate, when the
// configured catalogue is restored, and records the date; nothing happens
// when the catalogue has no digital SwitchExam.
func (g *gen) switchLater(exams []domain.Examination, sites []domain.Site) error {
	configured := g.svc.Catalogue
	if e, err := configured.Exam(SwitchExam); err != nil || !e.Digital {
		return nil
	}
	before := make([]domain.Examination, len(exams))
	for i, e := range exams {
		e.Digital = e.Digital && e.Code != SwitchExam
		before[i] = e
	}
	paper, err := domain.NewCatalogue(before, sites)
	if err != nil {
		return err
	}
	g.svc.Catalogue = paper
	on := SwitchDate(g.now)
	g.schedule(on, func(context.Context) error { g.svc.Catalogue = configured; return nil })
	if m, ok := g.svc.Store.(interface{ SetMeta(key, value string) error }); ok {
		return m.SetMeta(DigitalSinceMeta, SwitchExam+"="+on.Format("2006-01-02"))
	}
	return nil
}

// discard is the demo's sender: the history's messages go nowhere.
type discard struct{}

func (discard) Send(context.Context, domain.Message) error { return nil }

// memReceipts is the demo's 1177: receipts the simulated patients send.
type memReceipts struct{ waiting []domain.IncomingReceipt }

func (m *memReceipts) Fetch(context.Context) ([]domain.IncomingReceipt, int, error) {
	out := m.waiting
	m.waiting = nil
	return out, 0, nil
}
func (m *memReceipts) Done(domain.IncomingReceipt) error              { return nil }
func (m *memReceipts) Quarantine(domain.IncomingReceipt, error) error { return nil }

// action is one thing that happens at an instant of the simulated history.
type action struct {
	at  time.Time
	seq int
	do  func(ctx context.Context) error
}

func (g *gen) schedule(at time.Time, do func(ctx context.Context) error) {
	g.seq++
	heap.Push(&g.queue, action{at: at, seq: g.seq, do: do})
}

// run plays the actions in time order up to now, ticking the loop before
// each so that timers fire when they are due.
func (g *gen) run(ctx context.Context) error {
	for g.queue.Len() > 0 {
		a := heap.Pop(&g.queue).(action)
		if a.at.After(g.now) {
			continue // the future is left to the real loop
		}
		if err := g.tickUntil(ctx, a.at); err != nil {
			return err
		}
		g.at(a.at)
		if err := a.do(ctx); err != nil {
			return err
		}
		// The loop sends the summons of a new booking at once.
		if err := g.tick(ctx, a.at); err != nil {
			return err
		}
	}
	return g.tickUntil(ctx, g.now)
}

// loopEvery is how often the simulated background loop runs.
const loopEvery = 15 * time.Minute

// tickUntil runs the loop on its interval up to t, so that timers fire when
// they are due, as they would with `kallelse serve` running.
func (g *gen) tickUntil(ctx context.Context, t time.Time) error {
	if g.lastTick.IsZero() {
		g.lastTick = t
	}
	for next := g.lastTick.Add(loopEvery); !next.After(t); next = g.lastTick.Add(loopEvery) {
		if err := g.tick(ctx, next); err != nil {
			return err
		}
	}
	return g.tick(ctx, t)
}

// tick runs the loop at t — and first just before the day's print
// cut-off when that falls since the last tick: a letter R4 moved to the
// last posting that still arrives in time is due a minute before the
// cut-off, which the real loop (every 30 s) catches and a quarter-hour
// tick would miss, making a phone task of it.
func (g *gen) tick(ctx context.Context, t time.Time) error {
	if !g.lastTick.IsZero() {
		cut := domain.AtClock(t, g.svc.Schedule.PrintCutoff).Add(-30 * time.Second)
		if cut.After(g.lastTick) && cut.Before(t) {
			if err := g.tickOnce(ctx, cut); err != nil {
				return err
			}
		}
	}
	return g.tickOnce(ctx, t)
}

func (g *gen) tickOnce(ctx context.Context, t time.Time) error {
	g.at(t)
	rep, err := g.loop.Tick(ctx)
	if err != nil {
		return err
	}
	if len(rep.FireFailures) > 0 {
		return fmt.Errorf("demo: booking %s: %v", rep.FireFailures[0].Booking, rep.FireFailures[0].Err)
	}
	g.lastTick = t
	return nil
}

type gen struct {
	r        *rand.Rand
	pop      Population
	now      time.Time
	svc      *service.Service
	loop     *service.Loop
	receipts *memReceipts
	letters  *letterLog
	queue    actionHeap // popped in the order a stable sort by instant gives, at a logarithmic cost
	seq      int
	lastTick time.Time
	progress func(Step)
	booked   int // bookings tried so far: made or given up
	givenUp  int // of which given up (BookTries)
	total    int
	days     int // the bookings are made over the last days (HistoryDays)
}

func (g *gen) at(t time.Time) { g.svc.Clock = domain.FixedClock{T: t} }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

func (g *gen) pickExam(exams []domain.Examination) domain.Examination {
	return weighted(g, exams, func(e domain.Examination) int { return max(examWeights[e.Code], 1) })
}

func (g *gen) pickSite(sites []domain.Site) domain.Site {
	return weighted(g, sites, func(s domain.Site) int { return max(siteWeights[s.Code], 1) })
}

func weighted[T any](g *gen, xs []T, w func(T) int) T {
	total := 0
	for _, x := range xs {
		total += w(x)
	}
	n := g.r.IntN(total)
	for _, x := range xs {
		if n -= w(x); n < 0 {
			return x
		}
	}
	return xs[len(xs)-1]
}

// slot picks a working-day visit time between lo and hi on a quarter-hour grid.
func (g *gen) slot(lo, hi time.Time) time.Time {
	span := hi.Sub(lo)
	for try := 1; ; try++ {
		if try%50 == 0 {
			span += 24 * time.Hour // no working day in the window (Christmas): widen it
		}
		d := lo.Add(time.Duration(g.r.Int64N(int64(span)))).In(domain.Stockholm)
		t := time.Date(d.Year(), d.Month(), d.Day(), 8, 0, 0, 0, domain.Stockholm).Add(time.Duration(g.r.IntN(32)) * 15 * time.Minute)
		if _, off := domain.NonWorkingDay(t); !off && t.After(lo) {
			return t
		}
	}
}

// BookingsPerWorkday is the pace at which the demo's secretaries book: a
// region's department books about a hundred thousand examinations a year.
// The demo's bookings are made over as many days as that pace needs, and
// over the last MinHistoryDays at least: a million bookings are a region's
// ten years, not a month of the same bookings crowded together.
const (
	BookingsPerWorkday = 400
	MinHistoryDays     = 40
)

// HistoryDays is how many days back the demo's bookings are made.
func HistoryDays(bookings int) int {
	return max(MinHistoryDays, bookings*7/5/BookingsPerWorkday)
}

// createdAt is when a secretary made a booking: office hours, some day in
// the last g.days.
func (g *gen) createdAt() time.Time {
	day := g.now.AddDate(0, 0, -1-g.r.IntN(g.days)).In(domain.Stockholm)
	for !isWorkday(day) {
		day = day.AddDate(0, 0, -1)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), 8, g.r.IntN(8*60), 0, 0, domain.Stockholm)
}

func isWorkday(t time.Time) bool { _, off := domain.NonWorkingDay(t); return !off }

// book makes one booking, drawing a patient and a time up to BookTries
// times; made is false when every draw met the patient busy (or unborn).
func (g *gen) book(ctx context.Context, rows []service.ImportRow, screening []int, exam domain.Examination, site domain.Site) (made bool, err error) {
	created := g.svc.Clock.Now()
	for try := 0; try < BookTries; try++ {
		row := rows[g.r.IntN(len(rows))]
		if exam.Code == "aorta" && len(screening) > 0 {
			row = rows[pick(g, screening)]
		}
		if born, ok := row.Patient.ID.BirthDate(); ok && !born.Before(created) {
			continue // in a long history, a child of today was not born yet
		}
		visit := g.slot(created.Add(3*24*time.Hour), created.Add(50*24*time.Hour))
		res, err := g.svc.Book(ctx, service.BookInput{Patient: row.Patient.ID.String(), Exam: exam.Code, Site: site.Code, VisitAt: visit})
		if errors.Is(err, domain.ErrOverlap) {
			continue
		}
		if err != nil {
			return false, err
		}
		g.plan(res.Booking.ID(), created, visit, res.Booking.Duration(), row.Patient)
		return true, nil
	}
	return false, nil
}

// plan schedules what happens to a booking: the patient's reaction to the
// digital summons, staff changes, and the visit's outcome.
func (g *gen) plan(id domain.BookingID, created, visit time.Time, dur time.Duration, p domain.PatientInput) {
	sent := created // the summons goes at the tick right after booking
	g.schedule(sent.Add(time.Duration(1+g.r.IntN(10))*time.Minute), g.receipt(id, domain.ReceiptDelivered))
	openRate := 0.1
	switch {
	case p.NotificationsEnabled:
		openRate = 0.85
	case p.Has1177Account:
		openRate = 0.45
	}
	var opened time.Time
	if g.chance(openRate) {
		// Most open within hours of the notification; some only after days.
		delay := time.Duration(g.r.ExpFloat64() * float64(10*time.Hour))
		if g.chance(0.12) {
			delay = time.Duration(3*24+g.r.IntN(5*24)) * time.Hour
		}
		opened = sent.Add(delay)
		g.schedule(opened, g.receipt(id, domain.ReceiptOpened))
	}
	switch x := g.r.Float64(); {
	case !opened.IsZero() && x < 0.05:
		req := opened.Add(time.Duration(g.r.IntN(30)) * time.Minute)
		g.schedule(req, g.receipt(id, domain.ReceiptRebookRequested))
		g.schedule(nextWorkMorning(req), func(ctx context.Context) error {
			next := g.slot(visit.Add(7*24*time.Hour), visit.Add(21*24*time.Hour))
			b, _, err := g.svc.Rebook(ctx, id, next)
			if err == nil {
				g.schedule(next.Add(dur), g.outcome(id))
			}
			return ignoreRefusal(err, b)
		})
	case !opened.IsZero() && x < 0.08:
		req := opened.Add(time.Duration(g.r.IntN(30)) * time.Minute)
		g.schedule(req, g.receipt(id, domain.ReceiptCancelRequested))
		g.schedule(nextWorkMorning(req), func(ctx context.Context) error {
			b, err := g.svc.Cancel(ctx, id, "avbokad av patienten i 1177")
			return ignoreRefusal(err, b)
		})
	case x < 0.11:
		when := created.Add(time.Duration(g.r.Int64N(int64(visit.Sub(created)))))
		g.schedule(when, func(ctx context.Context) error {
			b, err := g.svc.Cancel(ctx, id, "patienten ringde och avbokade")
			return ignoreRefusal(err, b)
		})
	case x < 0.15:
		when := created.Add(24 * time.Hour)
		g.schedule(when, func(ctx context.Context) error {
			next := g.slot(visit.Add(24*time.Hour), visit.Add(21*24*time.Hour))
			b, _, err := g.svc.Rebook(ctx, id, next)
			if err == nil {
				g.schedule(next.Add(dur), g.outcome(id))
			}
			return ignoreRefusal(err, b)
		})
	}
	g.schedule(visit.Add(dur), g.outcome(id))
}

// ignoreRefusal lets the simulation go on when a rule refuses a change (an
// overlap, a booking already cancelled): staff would simply do otherwise.
func ignoreRefusal(err error, _ *domain.Booking) error {
	if errors.Is(err, domain.ErrOverlap) || errors.Is(err, domain.ErrIllegalTransition) || errors.Is(err, domain.ErrVisitInPast) {
		return nil
	}
	return err
}

func nextWorkMorning(t time.Time) time.Time {
	d := t.In(domain.Stockholm).AddDate(0, 0, 1)
	for !isWorkday(d) {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 8, 30, 0, 0, domain.Stockholm)
}

// receipt sends what 1177 would report about the booking's current summons.
func (g *gen) receipt(id domain.BookingID, t domain.ReceiptType) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		b, err := g.svc.Store.Booking(ctx, id)
		if err != nil {
			return err
		}
		msg := b.Status().MessageID
		if msg == "" || b.State().Final() {
			return nil // paper only, or nothing to answer any more
		}
		at := g.svc.Clock.Now()
		g.receipts.waiting = append(g.receipts.waiting, domain.IncomingReceipt{
			Receipt: domain.Receipt{MessageID: msg, Type: t, At: at}, Handle: fmt.Sprintf("demo-%d-%s", id, t)})
		return nil
	}
}

// outcome records whether the patient came, once the visit is over.
func (g *gen) outcome(id domain.BookingID) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		b, err := g.svc.Store.Booking(ctx, id)
		if err != nil {
			return err
		}
		if b.State().Final() || b.VisitAt().Add(b.Duration()).After(g.svc.Clock.Now()) {
			return nil // cancelled, or moved to a later time
		}
		noShow := 0.05
		if !b.Status().OpenedAt.IsZero() {
			noShow = 0.03
		}
		if g.chance(noShow) {
			_, err = g.svc.MarkNoShow(ctx, id)
		} else {
			_, err = g.svc.MarkAttended(ctx, id)
		}
		return err
	}
}
