package demo

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
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

// Invariant is one promise the simulated year checks, and the bookings
// that broke it.
type Invariant struct {
	Name     string   `json:"name"`
	Count    int      `json:"breaches"`
	Examples []string `json:"examples,omitempty"` // the first few breaches, by booking
}

// GroupFigures are the year's figures for one population group. A patient
// is counted in the first group of GroupOrder they belong to.
type GroupFigures struct {
	Group        string `json:"group"`
	Bookings     int    `json:"bookings"`      // booked (cancelled ones too)
	Visits       int    `json:"visits"`        // not cancelled: the visit took place
	Digital      int    `json:"digital"`       // visits whose summons went to 1177 (the examination is digital, R1)
	Opened       int    `json:"opened"`        // visits whose current summons the patient opened in 1177
	Reached      int    `json:"reached"`       // visits reached in time
	Letters      int    `json:"letters"`       // letters printed (summons, fallback, cancellation notices)
	PaperAvoided int    `json:"paper_avoided"` // bookings for which no letter was printed
	PhoneTasks   int    `json:"phone_tasks"`   // phone tasks raised
	HandOvers    int    `json:"hand_overs"`    // hand-overs raised (protected personal data)
}

// GroupOrder names the population groups, the first that applies wins.
var GroupOrder = []string{"protected", "reservnummer", "samordningsnummer", "child", "interpreter", "paper_declined",
	"no_address", "no_account", "notifications_off", "digital"}

// YearReport is what a simulated year shows: its size, what went out, the
// invariants and the figures by group.
type YearReport struct {
	Seed             uint64         `json:"seed"`
	Start            time.Time      `json:"start"`
	End              time.Time      `json:"end"`
	DowntimeFrom     time.Time      `json:"downtime_from,omitzero"`
	DowntimeTo       time.Time      `json:"downtime_to,omitzero"`
	Patients         int            `json:"patients"`
	Bookings         int            `json:"bookings"`
	Visits           int            `json:"visits"`
	Cancelled        int            `json:"cancelled"`
	Moved            int            `json:"moved"`
	LateBookings     int            `json:"late_bookings"`   // made less than four days before the visit
	PatientChanges   int            `json:"patient_changes"` // patient records changed after the booking
	Requests         int            `json:"requests"`        // rebook and cancel requests in 1177
	LateRequests     int            `json:"late_requests"`   // made less than 72 h before the visit
	Inbox            int            `json:"inbox_messages"`
	SMS              int            `json:"sms"`
	LettersPrinted   int            `json:"letters_printed"`
	LettersWithdrawn int            `json:"letters_withdrawn"` // taken out of the print queue before printing
	OutdatedLetters  int            `json:"outdated_letters"`  // printed, then made untrue by a change: a task for staff
	PhoneTasks       int            `json:"phone_tasks"`
	HandOvers        int            `json:"hand_overs"`
	LostToDowntime   int            `json:"lost_to_downtime"` // visits not reached whose window to act fell in the downtime
	Invariants       []Invariant    `json:"invariants"`
	Groups           []GroupFigures `json:"groups"`
}

// OK reports whether every invariant held.
func (r YearReport) OK() bool {
	for _, inv := range r.Invariants {
		if inv.Count > 0 {
			return false
		}
	}
	return true
}

// The invariants, in the order the report shows them.
const (
	InvReached       = "every visit reached in time"
	InvVoidLetters   = "letters posted for cancelled or moved times"
	InvReminders     = "reminders after a cancellation or cancel request"
	InvAfterVisit    = "messages after the visit"
	InvQuietSMS      = "SMS in the quiet hours"
	InvDuplicates    = "duplicate messages"
	maxInvExamples   = 5
	simLoopEvery     = 15 * time.Minute
	simActor         = "simulering"
	lateBookingShare = 0.05
)

var invariantOrder = []string{InvReached, InvVoidLetters, InvReminders, InvAfterVisit, InvQuietSMS, InvDuplicates}

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

func (y *year) breach(name string, b domain.BookingID, format string, args ...any) {
	inv := y.inv[name]
	if inv == nil {
		inv = &Invariant{Name: name}
		y.inv[name] = inv
	}
	inv.Count++
	if len(inv.Examples) < maxInvExamples {
		inv.Examples = append(inv.Examples, fmt.Sprintf("booking %d: %s", b, fmt.Sprintf(format, args...)))
	}
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

// messageKey is what a message says, for duplicates: the same purpose for
// the same booking, time and recipient twice.
func messageKey(m domain.Message, visit time.Time) string {
	to := m.To
	if m.Summons != nil {
		to = m.Summons.Recipient + "|" + m.Summons.Address.Street + "|" + m.Summons.Address.PostalCode
	}
	return fmt.Sprintf("%d|%s|%s|%s|%s", m.Booking, m.Kind, m.Purpose, visit.UTC().Format(time.RFC3339), to)
}

func (y *year) delivered(m domain.Message, visit time.Time) {
	y.sent[m.ID]++
	if y.sent[m.ID] > 1 {
		y.breach(InvDuplicates, m.Booking, "message %s delivered %d times", m.ID, y.sent[m.ID])
	}
	switch m.Purpose {
	case domain.PurposeReminderByHand, domain.PurposeFallbackByHand:
		return // staff may send by hand as often as they see fit
	}
	k := messageKey(m, visit)
	y.keys[k]++
	if y.keys[k] == 2 {
		y.breach(InvDuplicates, m.Booking, "%s %s for %s sent twice", m.Kind, m.Purpose, visit.In(domain.Stockholm).Format("2006-01-02 15:04"))
	}
}

// sendInbox is 1177: it records the message, and the patient answers a
// summons as the population does — delivered at once, opened by most
// with notifications, some later, a few asking to rebook or cancel.
func (y *year) sendInbox(ctx context.Context, m domain.Message) error {
	now := y.now()
	y.rep.Inbox++
	visit := m.Summons.VisitAt
	y.delivered(m, visit)
	if !now.Before(visit) {
		y.breach(InvAfterVisit, m.Booking, "1177 %s at %s for %s", m.Purpose, fmtSim(now), fmtSim(visit))
	}
	if m.Purpose != domain.PurposeSummons {
		return nil
	}
	g := y.g
	y.receipt(m, domain.ReceiptDelivered, now.Add(time.Duration(1+g.r.IntN(10))*time.Minute))
	in := y.patients[y.bookings[m.Booking].patient].row.Patient
	rate := 0.0
	switch {
	case in.NotificationsEnabled:
		rate = 0.85
	case in.Has1177Account:
		rate = 0.45
	}
	if !g.chance(rate) {
		return nil
	}
	delay := time.Duration(g.r.ExpFloat64() * float64(10*time.Hour))
	if g.chance(0.12) {
		delay = time.Duration(3*24+g.r.IntN(5*24)) * time.Hour
	}
	opened := now.Add(12*time.Minute + delay)
	if !opened.Before(visit) {
		return nil
	}
	y.receipt(m, domain.ReceiptOpened, opened)
	req := opened.Add(time.Duration(g.r.IntN(30)) * time.Minute)
	switch x := g.r.Float64(); {
	case x < 0.05 && req.Before(visit):
		y.receipt(m, domain.ReceiptRebookRequested, req)
	case x < 0.08 && req.Before(visit):
		y.receipt(m, domain.ReceiptCancelRequested, req)
	}
	return nil
}

// receipt is 1177 reporting at an instant: it waits in the receipt spool
// (also while the server is down) until the loop reads it.
func (y *year) receipt(m domain.Message, t domain.ReceiptType, at time.Time) {
	y.schedule(at, func(context.Context) error {
		if t == domain.ReceiptRebookRequested || t == domain.ReceiptCancelRequested {
			y.rep.Requests++
			if b := y.bookingNow(m.Booking); b != nil && b.VisitAt().Sub(at) < 72*time.Hour {
				y.rep.LateRequests++
			}
		}
		y.g.receipts.waiting = append(y.g.receipts.waiting, domain.IncomingReceipt{
			Receipt: domain.Receipt{MessageID: m.ID, Type: t, At: at}, Handle: fmt.Sprintf("sim-%s-%s", m.ID, t)})
		return nil
	})
}

func (y *year) bookingNow(id domain.BookingID) *domain.Booking {
	b, err := y.st.Booking(context.Background(), id)
	if err != nil {
		return nil
	}
	return b
}

// sendSMS is the SMS gateway: never in the night, never a reminder of a
// time the patient asked to cancel or that is cancelled, never after the
// visit.
func (y *year) sendSMS(ctx context.Context, m domain.Message) error {
	now := y.now()
	y.rep.SMS++
	b, err := y.st.Booking(ctx, m.Booking)
	if err != nil {
		return err
	}
	y.delivered(m, b.VisitAt())
	if y.g.svc.Schedule.InQuietHours(now) {
		y.breach(InvQuietSMS, m.Booking, "SMS %s at %s", m.Purpose, fmtSim(now))
	}
	if !now.Before(b.VisitAt()) {
		y.breach(InvAfterVisit, m.Booking, "SMS %s at %s for %s", m.Purpose, fmtSim(now), fmtSim(b.VisitAt()))
	}
	if m.Purpose != domain.PurposeCancellation {
		switch b.State() {
		case domain.StateCancelled, domain.StateCancelRequested, domain.StateRebookRequested:
			y.breach(InvReminders, m.Booking, "SMS %s while the booking is %s", m.Purpose, b.State())
		}
	}
	return nil
}

func fmtSim(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02 15:04") }

// errNoSimLetters is the simulated printer's "no letters to print".
var errNoSimLetters = errors.New("no letters")

// simLetter is a letter in the simulated print folder.
type simLetter struct {
	m         domain.Message
	printed   time.Time
	withdrawn bool
}

// memPrint is the simulated print folder: the letter transport and the
// print queue in one, and the place where a letter is checked as it is
// printed — posted the same day.
type memPrint struct {
	y       *year
	days    map[string][]*simLetter
	byID    map[string]*simLetter
	printed []*simLetter
}

func (p *memPrint) send(_ context.Context, m domain.Message) error {
	if p.byID == nil {
		p.byID = map[string]*simLetter{}
	}
	if m.Purpose == domain.PurposeWithdraw {
		if l := p.byID[m.Withdraws]; l != nil && l.printed.IsZero() && !l.withdrawn {
			l.withdrawn = true
			p.y.rep.LettersWithdrawn++
		}
		return nil
	}
	if _, dup := p.byID[m.ID]; dup {
		p.y.breach(InvDuplicates, m.Booking, "letter %s written twice", m.ID)
		return nil
	}
	l := &simLetter{m: m}
	p.byID[m.ID] = l
	day := domain.LetterDay(m.CreatedAt)
	p.days[day] = append(p.days[day], l)
	return nil
}

func (p *memPrint) pendingDays() []time.Time {
	var out []time.Time
	for d, ls := range p.days {
		for _, l := range ls {
			if l.printed.IsZero() && !l.withdrawn {
				t, _ := time.ParseInLocation("2006-01-02", d, domain.Stockholm)
				out = append(out, t)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func (p *memPrint) Letters(day time.Time) ([]domain.PrintLetter, error) {
	var out []domain.PrintLetter
	for _, l := range p.days[domain.LetterDay(day)] {
		out = append(out, domain.PrintLetter{MessageID: l.m.ID, Day: domain.LetterDay(day), Booking: l.m.Booking,
			Patient: l.m.Summons.PatientID, PatientName: l.m.Summons.PatientName, VisitAt: l.m.Summons.VisitAt,
			Purpose: l.m.Purpose, Printed: !l.printed.IsZero(), Withdrawn: l.withdrawn})
	}
	return out, nil
}

func (p *memPrint) Batch(day time.Time, reprint bool) (string, []string, error) {
	now := p.y.now()
	var ids []string
	for _, l := range p.days[domain.LetterDay(day)] {
		if l.withdrawn || (!l.printed.IsZero() && !reprint) {
			continue
		}
		if l.printed.IsZero() {
			p.check(l, now)
			l.printed = now
			p.printed = append(p.printed, l)
		}
		ids = append(ids, l.m.ID)
	}
	if len(ids) == 0 {
		return "", nil, errNoSimLetters
	}
	return "batch-" + domain.LetterDay(day) + ".pdf", ids, nil
}

func (p *memPrint) Withdraw(day time.Time, id string) error {
	if l := p.byID[id]; l != nil && l.printed.IsZero() && !l.withdrawn {
		l.withdrawn = true
		p.y.rep.LettersWithdrawn++
	}
	return nil
}

func (p *memPrint) MarkPrinted(day time.Time) ([]string, error) {
	now := p.y.now()
	var ids []string
	for _, l := range p.days[domain.LetterDay(day)] {
		if l.withdrawn || !l.printed.IsZero() {
			continue
		}
		p.check(l, now)
		l.printed = now
		p.printed = append(p.printed, l)
		ids = append(ids, l.m.ID)
	}
	return ids, nil
}

// check is the letter as it goes into the post: it must name the
// booking's time while the booking stands (a cancellation notice: a time
// still ahead), and not go after the visit.
func (p *memPrint) check(l *simLetter, now time.Time) {
	y := p.y
	y.rep.LettersPrinted++
	b := y.bookingNow(l.m.Booking)
	if b == nil {
		return
	}
	visit := l.m.Summons.VisitAt
	y.delivered(l.m, visit)
	if !now.Before(visit) {
		y.breach(InvAfterVisit, l.m.Booking, "letter %s printed %s for %s", l.m.Purpose, fmtSim(now), fmtSim(visit))
	}
	if l.m.Purpose == domain.PurposeCancellation {
		return
	}
	if b.State() == domain.StateCancelled || !b.VisitAt().Equal(visit) {
		y.breach(InvVoidLetters, l.m.Booking, "letter for %s printed %s while the booking is %s at %s",
			fmtSim(visit), fmtSim(now), b.State(), fmtSim(b.VisitAt()))
	}
}

// report checks, booking by booking, that every visit was reached in time,
// and counts the figures.
func (y *year) report(ctx context.Context) (YearReport, error) {
	r := y.rep
	r.Seed, r.Start, r.End, r.DowntimeFrom, r.DowntimeTo = y.opt.Seed, y.start, y.end, y.dtFrom, y.dtTo
	sched := y.g.svc.Schedule
	letters := map[domain.BookingID][]*simLetter{}
	for _, l := range y.print.printed {
		letters[l.m.Booking] = append(letters[l.m.Booking], l)
	}
	groups := map[string]*GroupFigures{}
	for _, name := range GroupOrder {
		groups[name] = &GroupFigures{Group: name}
	}
	ids := make([]domain.BookingID, 0, len(y.bookings))
	for id := range y.bookings {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		sb := y.bookings[id]
		b, err := y.st.Booking(ctx, id)
		if err != nil {
			return r, err
		}
		evs, err := y.st.BookingEvents(ctx, id)
		if err != nil {
			return r, err
		}
		gf := groups[sb.group]
		gf.Bookings++
		r.Bookings++
		if sb.moved {
			r.Moved++
		}
		gf.Letters += len(letters[id])
		if len(letters[id]) == 0 {
			gf.PaperAvoided++
		}
		since := sb.created
		reachedByStaff := false
		for _, e := range evs {
			switch e.Type {
			case domain.EventPhoneTaskRaised:
				gf.PhoneTasks++
				r.PhoneTasks++
			case domain.EventHandOverRaised:
				gf.HandOvers++
				r.HandOvers++
			case domain.EventLetterOutdated:
				r.OutdatedLetters++
			case domain.EventRebooked:
				since, reachedByStaff = e.At, false
			case domain.EventPhoneTaskDone, domain.EventHandOverDone:
				if e.At.Before(b.VisitAt()) {
					reachedByStaff = true
				}
			}
		}
		if b.State() == domain.StateCancelled {
			r.Cancelled++
			continue
		}
		visit := b.VisitAt()
		r.Visits++
		gf.Visits++
		if b.Decision().Digital {
			gf.Digital++
		}
		opened := !b.Status().OpenedAt.IsZero() && b.Status().OpenedAt.Before(visit)
		if opened {
			gf.Opened++
		}
		byLetter := false
		for _, l := range letters[id] {
			if l.m.Purpose != domain.PurposeCancellation && l.m.Summons.VisitAt.Equal(visit) && sched.LetterInTime(l.printed, visit) {
				byLetter = true
			}
		}
		switch {
		case opened || byLetter || reachedByStaff:
			gf.Reached++
		case !y.dtFrom.IsZero() && since.Before(y.dtTo) && visit.After(y.dtFrom):
			r.LostToDowntime++
		default:
			y.breach(InvReached, id, "%s visit %s (booked %s%s) neither opened, nor a letter in time, nor reached by staff",
				sb.group, fmtSim(visit), fmtSim(since), map[bool]string{true: ", late booking"}[sb.late])
		}
	}
	for _, name := range invariantOrder {
		if inv := y.inv[name]; inv != nil {
			r.Invariants = append(r.Invariants, *inv)
		} else {
			r.Invariants = append(r.Invariants, Invariant{Name: name})
		}
	}
	for _, name := range GroupOrder {
		if groups[name].Bookings > 0 {
			r.Groups = append(r.Groups, *groups[name])
		}
	}
	return r, nil
}
