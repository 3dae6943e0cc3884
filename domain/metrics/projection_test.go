package metrics

import (
	"math"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// person is a patient with a 1177 account, notifications on and an address
// unless edit says otherwise.
func person(t *testing.T, id string, edit func(*domain.PatientInput)) domain.Patient {
	t.Helper()
	n, err := domain.DefaultIdentityParser().Parse(id, at("2026-01-01 00:00"))
	if err != nil {
		t.Fatal(err)
	}
	in := domain.PatientInput{ID: n, Name: "Test", Has1177Account: true, NotificationsEnabled: true,
		Address: domain.Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}}
	if edit != nil {
		edit(&in)
	}
	p, err := domain.NewPatient(in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func noAccount(in *domain.PatientInput) { in.Has1177Account, in.NotificationsEnabled = false, false }

var (
	rolloutNow  = at("2026-11-25 10:00")
	pilotPolicy = domain.PolicyOptions{Samordningsnummer: domain.SamordningsnummerDigitalAndPaper}
	sent        = at("2026-11-02 10:00") // a Monday
	inTime      = at("2026-11-20 10:00")
	lateVisit   = at("2026-11-04 10:00") // no letter posted on the 2nd arrives before the 4th
	a1864       = Comparable{Age: Age18to64, Account: NotificationsOn}
	a6579       = Comparable{Age: Age65to79, Account: NotificationsOn}
	a80         = Comparable{Age: Age80Plus, Account: NotificationsOn}
)

// observe adds n digital-only summonses of band, of which opened[i] were
// opened after delays[i].
func observe(o *Observations, band AgeBand, n int, delays map[time.Duration]int) {
	for d, k := range delays {
		for range k {
			o.Observe(Fact{Key: Key{Age: band, Group: DigitalOnly}, SentAt: sent, DigitalSent: 1, Opened: 1, OpenDelay: d})
			n--
		}
	}
	for range n {
		o.Observe(Fact{Key: Key{Age: band, Group: DigitalOnly}, SentAt: sent, DigitalSent: 1})
	}
}

// observations: 18–64 100 summonses, 60 opened within 2 h and 20 more
// within 48 h; 65–79 40, 20 within 2 h and 10 more within 60 h; 80+ only
// 10, 5 opened. Besides: a complement summons of a patient without an
// account, one sent yesterday (not settled) and a paper one.
func observations() *Observations {
	o := NewObservations(domain.DefaultSchedule(), rolloutNow)
	observe(o, Age18to64, 100, map[time.Duration]int{2 * time.Hour: 60, 48 * time.Hour: 20})
	observe(o, Age65to79, 40, map[time.Duration]int{2 * time.Hour: 20, 60 * time.Hour: 10})
	observe(o, Age80Plus, 10, map[time.Duration]int{time.Hour: 5})
	o.Observe(Fact{Key: Key{Age: Age18to64, Group: DigitalPaper}, SentAt: sent, DigitalSent: 1, Opened: 1, OpenDelay: time.Hour,
		Complement: map[domain.Reason]int{domain.ReasonNo1177Account: 1}, ComplementSent: 1})
	o.Observe(Fact{Key: Key{Age: Age18to64, Group: DigitalOnly}, SentAt: at("2026-11-24 10:00"), DigitalSent: 1})
	o.Observe(Fact{Key: Key{Age: Age18to64, Group: PaperOnly}, SentAt: sent, PaperOnlySent: 1})
	return o
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %.12f, want %.12f", what, got, want)
	}
}

func nearEstimate(t *testing.T, what string, e Estimate, expected, low, high float64) {
	t.Helper()
	near(t, what+" expected", e.Expected, expected)
	near(t, what+" low", e.Low, low)
	near(t, what+" high", e.High, high)
}

// The mix of an examination not yet digital (mps), summons by summons
// through the real policy, and its figures from the observed open rates.
func TestRollout_ProjectionOfAnExaminationWithAKnownMix(t *testing.T) {
	obs := observations()
	a, none := obs.Groups[a1864], obs.Groups[Comparable{Age: Age18to64, Account: NoAccount}]
	if obs.Unsettled != 1 || len(obs.Groups) != 4 || a.Sent != 100 || a.OpenedBeforeFallback != 80 || a.OpenedBeforePhone != 60 ||
		a.OpenedWithin(48*time.Hour) != 80 || a.OpenedWithin(48*time.Hour-time.Nanosecond) != 60 || a.OpenedWithin(0) != 0 ||
		none.Sent != 1 || none.OpenedBeforeFallback != 1 {
		t.Fatalf("observations %+v, unsettled %d", obs.Groups, obs.Unsettled)
	}
	tally := knownMix(t, pilotPolicy, domain.DefaultSchedule())
	want := Tally{Summonses: 15, DigitalOnly: 10, DigitalPaper: 4, PaperOnly: 1, Letters: 5, FollowLetter: 9, FollowPhone: 1, Late: 1}
	if tally.Summonses != want.Summonses || tally.DigitalOnly != want.DigitalOnly || tally.DigitalPaper != want.DigitalPaper ||
		tally.PaperOnly != want.PaperOnly || tally.Letters != want.Letters || tally.PhoneNow != 0 ||
		tally.FollowLetter != want.FollowLetter || tally.FollowPhone != want.FollowPhone || tally.Late != want.Late {
		t.Fatalf("tally %+v", tally)
	}
	for r, n := range map[domain.Reason]int{domain.ReasonInterpreter: 1, domain.ReasonUnder18: 1, domain.ReasonSamordningsnr: 1,
		domain.ReasonReservnummer: 1, domain.ReasonNo1177Account: 1} {
		if tally.Reasons[r] != n {
			t.Errorf("reason %s: %d, want %d (%v)", r, tally.Reasons[r], n, tally.Reasons)
		}
	}
	near(t, "late share", tally.LateShare(), 1.0/15)

	est := tally.Estimate(obs, MinObserved)
	// Letters avoided: 6 × 80/100 + 2 × 30/40; the 80+ summons is not estimated.
	nearEstimate(t, "letters avoided", est.LettersAvoided, 6.3, 4.3144133765155335, 8)
	nearEstimate(t, "fallbacks", est.Fallbacks, 1.7, 0, 3.6855866234844665)
	// Phone tasks: the late booking, not opened within 24 h: 40/100.
	nearEstimate(t, "phone tasks", est.PhoneTasks, 0.4, 0, 1)
	if e := est.LettersAvoided; e.Summonses != 9 || e.NotEstimated != 1 || e.Complete() || len(e.Groups) != 3 {
		t.Fatalf("letters avoided %+v", e)
	}
	g := est.LettersAvoided.Groups[0]
	if g.Comparable != a1864 || g.Summonses != 6 || g.Observed != 100 || g.Counted != 80 || g.WaitHours != 72 || *g.Rate != 0.8 {
		t.Errorf("18–64 group %+v", g)
	}
	if g := est.PhoneTasks.Groups[0]; g.Comparable != a1864 || g.WaitHours != 24 || g.Counted != 40 || g.Summonses != 1 {
		t.Errorf("phone group %+v", g)
	}
	exp, lo, hi := est.LettersAvoided.PerMonth(84)
	near(t, "per month", exp, 6.3*MonthDays/84)
	near(t, "per month low", lo, 4.3144133765155335*MonthDays/84)
	near(t, "per month high", hi, 8*MonthDays/84)
}

// knownMix projects fifteen summonses of mps sent on 2 November.
func knownMix(t *testing.T, policy domain.PolicyOptions, s domain.Schedule) Tally {
	t.Helper()
	adult := person(t, "19800517-2344", nil)
	project := func(p domain.Patient, visit time.Time) ProjectedSummons {
		return Project(p, examP, visit, sent, policy, s)
	}
	var tally Tally
	for range 6 {
		tally.Add(project(adult, inTime))
	}
	for range 2 {
		tally.Add(project(person(t, "19581130-1182", nil), inTime))
	}
	tally.Add(project(person(t, "19121212-1212", nil), inTime))
	tally.Add(project(adult, lateVisit))
	tally.Add(project(person(t, "19750821-4561", func(in *domain.PatientInput) { in.Interpreter = "arabiska" }), inTime))
	tally.Add(project(person(t, "20120303-3327", nil), inTime))
	tally.Add(project(person(t, "19900161-4479", nil), inTime))
	tally.Add(project(person(t, "19800101-K123", noAccount), inTime))
	tally.Add(project(person(t, "19470214-2219", noAccount), inTime))
	return tally
}

// The interval: Wilson's for a group's rate, and for a count the normal
// approximation Expected ± z·√Σ s·m·p̃(1−p̃)(1 + s·m/n).
func TestRollout_IntervalOfTheRateAndOfTheCount(t *testing.T) {
	for _, c := range []struct {
		k, n   int
		lo, hi float64
	}{
		{80, 100, 0.7266961911903833, 0.8574981763397123},
		{30, 40, 0.6240270595401831, 0.8442962161370877},
		{0, 30, 0, 0.08272430812509929},
		{30, 30, 0.9172756918749007, 1},
		{0, 0, 0, 1},
	} {
		lo, hi := Wilson(c.k, c.n, Z90)
		near(t, "wilson low", lo, c.lo)
		near(t, "wilson high", hi, c.hi)
	}
	var tally Tally
	for range 50 {
		tally.Add(ProjectedSummons{Group: a1864, Decision: domain.Decision{Digital: true}, Course: domain.Course{FollowLetter: true}, Wait: 72 * time.Hour})
	}
	for range 20 {
		tally.Add(ProjectedSummons{Group: a6579, Decision: domain.Decision{Digital: true}, Course: domain.Course{FollowLetter: true}, Wait: 72 * time.Hour})
	}
	est := tally.Estimate(observations(), MinObserved)
	nearEstimate(t, "letters avoided", est.LettersAvoided, 55, 47.98165947424723, 62.01834052575277)
	nearEstimate(t, "fallbacks", est.Fallbacks, 15, 7.981659474247228, 22.018340525752773)
	g := est.LettersAvoided.Groups[1]
	near(t, "65–79 rate", *g.Rate, 0.75)
	near(t, "65–79 rate low", *g.RateLow, 0.6240270595401831)
	near(t, "65–79 rate high", *g.RateHigh, 0.8442962161370877)
	near(t, "65–79 expected", *g.Expected, 15)
	// The fallbacks' rate is the other side: not opened, 10/40.
	g = est.Fallbacks.Groups[1]
	near(t, "65–79 not opened", *g.Rate, 0.25)
	near(t, "65–79 not opened low", *g.RateLow, 1-0.8442962161370877)
}

// A group with fewer than MinObserved (20) observations says so: no rate,
// its summonses counted as not estimated; twenty are enough.
func TestRollout_ATooSmallGroupIsNotGuessed(t *testing.T) {
	o := NewObservations(domain.DefaultSchedule(), rolloutNow)
	observe(o, Age80Plus, MinObserved-1, map[time.Duration]int{time.Hour: 10})
	observe(o, Age65to79, MinObserved, map[time.Duration]int{time.Hour: 10})
	var tally Tally
	for _, g := range []Comparable{a80, a80, a6579} {
		tally.Add(ProjectedSummons{Group: g, Decision: domain.Decision{Digital: true}, Course: domain.Course{FollowLetter: true}, Wait: 72 * time.Hour})
	}
	e := tally.Estimate(o, MinObserved).LettersAvoided
	if e.Summonses != 3 || e.NotEstimated != 2 || e.Complete() {
		t.Fatalf("%+v", e)
	}
	used, tooFew := e.Groups[0], e.Groups[1]
	if used.Comparable != a6579 || used.TooFew || used.Rate == nil || tooFew.Comparable != a80 || !tooFew.TooFew ||
		tooFew.Rate != nil || tooFew.Expected != nil || tooFew.Summonses != 2 || tooFew.Observed != MinObserved-1 {
		t.Fatalf("groups %+v %+v", used, tooFew)
	}
	near(t, "expected", e.Expected, 10.0/MinObserved)
	// A check cannot say inside or not when a group is too small.
	c := NewCheck(tally, o, Actual{Summonses: 3, LettersAvoided: 1}, MinObserved)
	if c.Inside(c.Projected.LettersAvoided, 1) != nil {
		t.Fatal("inside told from an incomplete projection")
	}
}

// The share booked too late for a fallback letter comes from the
// examination's own lead times and the real schedule: two days before is
// too late, a week before only shortens R4's wait; a paper summons too
// late for its letter is a phone task at once.
func TestRollout_LateBookingShare(t *testing.T) {
	adult := person(t, "19800517-2344", nil)
	var tally Tally
	for _, visit := range []time.Time{lateVisit, inTime, at("2026-11-09 10:00"), inTime} {
		tally.Add(Project(adult, examP, visit, sent, pilotPolicy, domain.DefaultSchedule()))
	}
	tally.Add(Project(person(t, "19800101-K123", noAccount), examP, at("2026-11-03 10:00"), sent, pilotPolicy, domain.DefaultSchedule()))
	if tally.Late != 1 || tally.FollowLetter != 3 || tally.Shortened != 1 || tally.PhoneNow != 1 || tally.PaperOnly != 1 {
		t.Fatalf("%+v", tally)
	}
	near(t, "late share", tally.LateShare(), 0.2)
	e := tally.Estimate(observations(), MinObserved).PhoneTasks
	if e.Certain != 1 || e.Summonses != 1 {
		t.Fatalf("phone tasks %+v", e)
	}
	near(t, "phone tasks", e.Expected, 1.4)
	near(t, "phone tasks low", e.Low, 1) // never below the certain one

	// Booked on Monday 10:00 for Thursday: only a letter posted by Monday
	// 14:00 arrives in time, so R4's wait shrinks to 3 h 59 min (3 h 45
	// min, rounded down) and the rate of opening within it (60/100)
	// applies, not the 72 h one (80/100).
	var short Tally
	short.Add(Project(adult, examP, at("2026-11-05 10:00"), sent, pilotPolicy, domain.DefaultSchedule()))
	est := short.Estimate(observations(), MinObserved)
	if short.Shortened != 1 || short.Late != 0 || est.LettersAvoided.Groups[0].WaitHours != 3.75 {
		t.Fatalf("%+v %+v", short, est.LettersAvoided.Groups)
	}
	near(t, "letters avoided, 3 h 45 min", est.LettersAvoided.Expected, 0.6)
	near(t, "fallbacks, 3 h 45 min", est.Fallbacks.Expected, 0.4)
}

// The projection follows the policy's configuration: the FAQ's reading of
// samordningsnummer makes that summons paper only, and a slower post makes
// a booking a week ahead too late for a fallback letter.
func TestRollout_ProjectionFollowsThePolicysConfiguration(t *testing.T) {
	base := knownMix(t, pilotPolicy, domain.DefaultSchedule())
	faq := knownMix(t, domain.PolicyOptions{Samordningsnummer: domain.SamordningsnummerPaperOnly}, domain.DefaultSchedule())
	if base.DigitalPaper != 4 || base.PaperOnly != 1 || faq.DigitalPaper != 3 || faq.PaperOnly != 2 || faq.Reasons[domain.ReasonSamordningsnr] != 1 {
		t.Fatalf("pilot %+v; FAQ %+v", base, faq)
	}
	adult := person(t, "19800517-2344", nil)
	week := at("2026-11-09 10:00")
	slow := domain.DefaultSchedule()
	slow.PostalLeadDays = 5
	if c := Project(adult, examP, week, sent, pilotPolicy, domain.DefaultSchedule()).Course; !c.FollowLetter || c.FollowLate {
		t.Fatalf("two days' post: %+v", c)
	}
	if c := Project(adult, examP, week, sent, pilotPolicy, slow).Course; c.FollowLetter || !c.FollowLate || c.FollowTask != domain.TaskPhone {
		t.Fatalf("five days' post: %+v", c)
	}
	// The guardians' age changes where a 17-year-old's letter goes, not
	// whether the summons is digital: under 18 still gets the complement.
	teen := person(t, "20090303-3322", func(in *domain.PatientInput) {
		in.Guardians = []domain.Guardian{{Name: "Eva Ek", Address: domain.Address{Street: "Lillgatan 2", PostalCode: "55320", City: "Jönköping"}}}
	})
	for _, age := range []int{18, 16} {
		ps := Project(teen, examP, inTime, sent, domain.PolicyOptions{GuardianLettersBelow: age}, domain.DefaultSchedule())
		if GroupOf(ps.Decision) != DigitalPaper || !ps.Course.Letter {
			t.Fatalf("guardians below %d: %+v", age, ps)
		}
	}
}

// After the step: the projection from the weeks before a switch, scaled
// to the summonses after it, beside what happened to them — here one
// opened in time, one fallback letter and two phone tasks.
func TestRollout_TheStepComparedWithItsProjection(t *testing.T) {
	adult := person(t, "19800517-2344", nil)
	var before Tally
	for _, visit := range []time.Time{inTime, inTime, inTime, inTime, lateVisit, lateVisit} {
		before.Add(Project(adult, examP, visit, sent, pilotPolicy, domain.DefaultSchedule()))
	}
	// After: ekg24 is digital; four bookings go through the real flows.
	var actual Actual
	add := func(h *history) {
		t.Helper()
		vs, ok := VisitSummonsOf(h.b.ID(), h.b.Exam(), h.b.Site(), h.b.Patient(), h.evs)
		if !ok {
			t.Fatal("no summons for the visit")
		}
		actual.Add(Project(h.p, examD, vs.VisitAt, vs.DecidedAt, pilotPolicy, domain.DefaultSchedule()), vs)
	}
	opened := book(t, adult, examD, sent, inTime).fire(sent).receipt(domain.ReceiptDelivered, sent.Add(5*time.Minute))
	opened.receipt(domain.ReceiptOpened, sent.Add(30*time.Hour))
	add(opened)
	add(book(t, adult, examD, sent, inTime).fire(sent).fire(sent.Add(72 * time.Hour))) // R4's letter
	for range 2 {
		add(book(t, adult, examD, sent, lateVisit).fire(sent).fire(at("2026-11-03 10:00"))) // staff phone
	}
	if actual != (Actual{Summonses: 4, LettersAvoided: 1, Fallbacks: 1, PhoneTasks: 2}) {
		t.Fatalf("actual %+v", actual)
	}
	c := NewCheck(before, observations(), actual, MinObserved)
	near(t, "scale", c.Scale, 4.0/6)
	// Scaled by 4/6, with the spread of the mix besides: the interval is
	// for four new summonses, anywhere from 0 to 4.
	nearEstimate(t, "letters avoided", c.Projected.LettersAvoided, 4*0.8*4/6, 0.18780918353851073, 4)
	nearEstimate(t, "fallbacks", c.Projected.Fallbacks, 4*0.2*4/6, 0, 1.708125528865542)
	nearEstimate(t, "phone tasks", c.Projected.PhoneTasks, 2*0.4*4/6, 0, 1.7664319122807592)
	for _, f := range []struct {
		name   string
		e      Estimate
		actual int
		inside bool
	}{
		{"letters avoided", c.Projected.LettersAvoided, actual.LettersAvoided, true},
		{"fallbacks", c.Projected.Fallbacks, actual.Fallbacks, true},
		{"phone tasks", c.Projected.PhoneTasks, actual.PhoneTasks, false},
	} {
		if in := c.Inside(f.e, f.actual); in == nil || *in != f.inside {
			t.Errorf("%s: actual %d in [%.3f, %.3f]: %v, want %v", f.name, f.actual, f.e.Low, f.e.High, in, f.inside)
		}
	}
}

// The summons of a booking's current visit: after a rebooking, the new
// time and the summons sent for it.
func TestRollout_TheSummonsOfTheCurrentVisit(t *testing.T) {
	h := book(t, person(t, "19800517-2344", nil), examD, sent, inTime).fire(sent)
	moved := at("2026-11-27 10:00")
	if err := h.b.Rebook(moved, at("2026-11-03 09:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	h.take()
	h.fire(at("2026-11-03 09:00"))
	vs, ok := VisitSummonsOf(h.b.ID(), h.b.Exam(), h.b.Site(), h.b.Patient(), h.evs)
	if !ok || !vs.VisitAt.Equal(moved) || !vs.DecidedAt.Equal(at("2026-11-03 09:00")) || vs.Fact == nil ||
		!vs.Fact.SentAt.Equal(vs.DecidedAt) || vs.PhoneTask {
		t.Fatalf("%+v", vs)
	}
	// A paper summons whose letter cannot go: decided, nothing sent, staff phone.
	p := person(t, "19800517-2344", func(in *domain.PatientInput) { in.Address = domain.Address{} })
	h = book(t, p, examP, sent, inTime).fire(sent)
	if vs, ok := VisitSummonsOf(h.b.ID(), h.b.Exam(), h.b.Site(), h.b.Patient(), h.evs); !ok || vs.Fact != nil || !vs.PhoneTask {
		t.Fatalf("no address: %+v %v", vs, ok)
	}
	// Cancelled before the summons went: none.
	h = book(t, p, examP, sent, inTime)
	if err := h.b.Cancel(sent, "anna", ""); err != nil {
		t.Fatal(err)
	}
	h.take()
	if _, ok := VisitSummonsOf(h.b.ID(), h.b.Exam(), h.b.Site(), h.b.Patient(), h.evs); ok {
		t.Fatal("a summons for a booking cancelled before it went")
	}
}

// A summons staff phoned was decided when their task was raised, as the
// events say, not when they called (the record's instant); and a call
// about a cancellation is no call about the summons (review).
func TestRollout_APhonedSummonsIsDecidedWhenItsTaskWasRaised(t *testing.T) {
	p := patient(t, "19121212-1212", "")
	h := book(t, p, examP, at("2026-11-25 10:00"), at("2026-11-27 09:00")).fire(at("2026-11-25 10:00"))
	if err := h.b.ResolvePhoneTask(at("2026-11-26 14:00"), "anna", ""); err != nil {
		t.Fatal(err)
	}
	h.take()
	full, ok := VisitSummonsOf(h.b.ID(), h.b.Exam(), h.b.Site(), h.b.Patient(), h.evs)
	if !ok || !full.PhoneTask || !full.DecidedAt.Equal(at("2026-11-25 10:00")) {
		t.Fatalf("by the events: %+v %v", full, ok)
	}
	bh := BookingHistory{Booking: h.b, Patient: p, Events: func() ([]domain.Event, error) { return h.evs, nil }}
	quick, _, err := bh.visit(false)
	if err != nil || !quick.DecidedAt.Equal(full.DecidedAt) {
		t.Fatalf("decided at %s by the record, %s by the events (%v)", quick.DecidedAt, full.DecidedAt, err)
	}
	// A summons that went by post, then cancelled too late for a notice
	// by post: the call is about the cancellation.
	c := book(t, p, examP, at("2026-11-20 10:00"), at("2026-11-30 09:00")).fire(at("2026-11-20 10:00"))
	if err := c.b.LetterPrinted(c.b.Letters()[0].ID, at("2026-11-20 13:00"), "anna"); err != nil {
		t.Fatal(err)
	}
	if err := c.b.CancelAndNotify(c.env(at("2026-11-28 10:00")), ""); err != nil {
		t.Fatal(err)
	}
	c.take()
	if !c.b.PhoneOfCancellation() {
		t.Fatalf("setup: no call about the cancellation: %+v", c.b.Status())
	}
	if vs, _ := VisitSummonsOf(c.b.ID(), c.b.Exam(), c.b.Site(), c.b.Patient(), c.evs); vs.PhoneTask {
		t.Fatalf("a call about the cancellation counted as one about the summons: %+v", vs)
	}
}

// A moved booking cancelled before its new summons went: its new
// visit had no summons. The notice letter (about the old time) then waits
// too long, and the phone task LetterTooLate raises (a cancellation's) makes
// must not make VisitSummonsOf take the new visit's summons as decided (review).
func TestRollout_ACancellationsCallDecidesNoSummons(t *testing.T) {
	p := patient(t, "19121212-1212", "")
	h := book(t, p, examP, at("2026-11-20 10:00"), at("2026-12-10 10:00")).fire(at("2026-11-20 10:00"))
	if err := h.b.LetterPrinted(h.b.Letters()[0].ID, at("2026-11-20 13:00"), "anna"); err != nil {
		t.Fatal(err)
	}
	if err := h.b.Rebook(at("2026-12-15 10:00"), at("2026-11-21 09:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	if err := h.b.CancelAndNotify(h.env(at("2026-11-21 09:01")), ""); err != nil {
		t.Fatal(err)
	}
	h.take()
	if _, ok := VisitSummonsOf(h.b.ID(), h.b.Exam(), h.b.Site(), h.b.Patient(), h.evs); ok {
		t.Fatal("setup: decided before the call")
	}
	var notice string
	for _, l := range h.b.Letters() {
		if l.Purpose == domain.PurposeCancellation {
			notice = l.ID
		}
	}
	if err := h.b.LetterTooLate(notice, h.env(at("2026-12-09 09:00"))); err != nil {
		t.Fatal(err)
	}
	h.take()
	if vs, ok := VisitSummonsOf(h.b.ID(), h.b.Exam(), h.b.Site(), h.b.Patient(), h.evs); ok {
		t.Errorf("a summons that never went counts as decided at %s (phone task %v)", vs.DecidedAt, vs.PhoneTask)
	}
}

// An undone cancellation restores the booking and summons its time anew
// (domain.Booking.UndoCancel: a new summons, with a fresh channel
// decision): the summons of the current visit is the one decided after the
// undo, by the record (the quick read) as by the events (the full read),
// and none is decided while the new one has not gone (review).
func TestRollout_AnUndoneCancellationSummonsAnew(t *testing.T) {
	p := patient(t, "19121212-1212", "")
	h := book(t, p, examD, sent, inTime).fire(sent)
	if err := h.b.CancelAndNotify(h.env(at("2026-11-05 09:00")), ""); err != nil {
		t.Fatal(err)
	}
	if err := h.b.UndoCancel(at("2026-11-05 09:30"), "anna", "fel bokning", nil); err != nil {
		t.Fatal(err)
	}
	h.take()
	if _, ok := VisitSummonsOf(h.b.ID(), h.b.Exam(), h.b.Site(), h.b.Patient(), h.evs); ok {
		t.Error("the summons the cancellation voided counts as the restored visit's")
	}
	again := at("2026-11-05 09:31")
	h.fire(again)
	bh := BookingHistory{Booking: h.b, Patient: p, Events: func() ([]domain.Event, error) { return h.evs, nil }}
	quick, qok, err := bh.visit(false)
	if err != nil {
		t.Fatal(err)
	}
	full, fok, err := bh.visit(true)
	if err != nil {
		t.Fatal(err)
	}
	if !qok || !fok || !quick.DecidedAt.Equal(again) || !full.DecidedAt.Equal(again) {
		t.Fatalf("decided at %s by the record (%v), %s by the events (%v); want %s", quick.DecidedAt, qok, full.DecidedAt, fok, again)
	}
	if full.Fact == nil || !full.Fact.SentAt.Equal(again) {
		t.Errorf("the summons counted is not the one sent after the undo: %+v", full.Fact)
	}
}
