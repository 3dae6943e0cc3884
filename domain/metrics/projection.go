package metrics

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// The rollout projection (issue 12): what an examination not yet digital
// would save if it were switched on, and, for one switched on at a known
// date, whether the step kept what the same projection promised.
//
// The projection takes the examination's own summonses, runs the real
// channel policy and letter rules on each as if the examination were
// digital (domain.Foresee, read as a domain.Course), and, where the outcome
// depends on whether the patient opens the digital summons, applies the
// open rates observed among digital summonses of comparable patients:
// the same age band, the same 1177 account and notification state, and the
// same need for an interpreter. The README (Reports, "Rollout: the next
// step") defines every figure.

const (
	// MinObserved is the fewest digital summonses of a comparable group
	// from which its open rate is used. A group with fewer says "too few":
	// its summonses are left out of the estimate and counted as not
	// estimated, never guessed.
	MinObserved = 20
	// Z90 is the standard normal quantile of a two-sided 90 % interval.
	Z90 = 1.6448536269514722
	// MonthDays is the average length of a month (the Gregorian year / 12):
	// a figure per month is the figure × MonthDays / the days it covers.
	MonthDays = 365.2425 / 12
)

// ProjectedSummons is one summons as it would go were its examination
// digital: the patient's comparable group, the policy's decision and what
// the summons comes to.
type ProjectedSummons struct {
	Group    Comparable
	Decision domain.Decision
	Course   domain.Course
	// Wait is how long the patient has to open the digital summons before
	// its follow-up (Course.FollowLetter or FollowTask) comes, rounded down
	// (see FloorWait); 0 when nothing follows.
	Wait time.Duration
	// Shortened: R4's letter would follow sooner than R4's full wait, the
	// latest it can still arrive before the visit.
	Shortened bool
}

// FloorWait rounds a wait down to the quarter hour within the first day,
// to the hour within the first week and to the day beyond, as the time to
// open is reported; rounding down never counts an opening after the
// follow-up as in time.
func FloorWait(w time.Duration) time.Duration {
	switch {
	case w <= 0:
		return 0
	case w < 24*time.Hour:
		return w.Truncate(15 * time.Minute)
	case w < 7*24*time.Hour:
		return w.Truncate(time.Hour)
	}
	return w.Truncate(24 * time.Hour)
}

// Project runs the real channel policy and letter rules (domain.Foresee)
// on a summons of examination e for patient p, sent at instant at for the
// visit at visit, as if e were digital. The wait before the follow-up is
// the real plan's: until R4's letter (FallbackAfter, or less when only a
// shorter wait still lets the letter arrive before the visit), until the
// phone task of a booking made too late (Schedule.PhoneDue), or R4's wait
// where no letter can be posted.
func Project(p domain.Patient, e domain.Examination, visit, at time.Time, policy domain.PolicyOptions, s domain.Schedule) ProjectedSummons {
	e.Digital = true
	o := domain.Foresee(p, e, visit, at, policy, s)
	ps := ProjectedSummons{Group: ComparableOf(p, at), Decision: o.Decision, Course: o.Course()}
	switch c := ps.Course; {
	case c.FollowLetter:
		ps.Wait = FloorWait(o.FallbackAt.Sub(at))
		ps.Shortened = o.FallbackAt.Before(at.Add(s.FallbackAfter))
	case c.FollowLate:
		ps.Wait = FloorWait(s.PhoneDue(at, visit).Sub(at))
	case c.FollowTask != "":
		ps.Wait = FloorWait(s.FallbackAfter)
	}
	return ps
}

// GroupOf is the channel group of a decision.
func GroupOf(d domain.Decision) Group {
	switch {
	case d.Digital && d.Paper:
		return DigitalPaper
	case d.Digital:
		return DigitalOnly
	}
	return PaperOnly
}

// cell is a comparable group and a wait: the projected summonses of one
// cell share one observed rate.
type cell struct {
	g    Comparable
	wait time.Duration
}

func compareCell(a, b cell) int {
	return cmp.Or(compareComparable(a.g, b.g), cmp.Compare(a.wait, b.wait))
}

// Tally counts projected summonses.
type Tally struct {
	Summonses    int
	DigitalOnly  int
	DigitalPaper int
	PaperOnly    int
	Reasons      map[domain.Reason]int // why paper went too (digital_paper) or alone (paper_only)
	Letters      int                   // a letter goes with the summons
	PhoneNow     int
	// FollowLetter: digital summonses R4's letter follows if unopened;
	// Shortened: of them, those with less than R4's full wait.
	FollowLetter int
	Shortened    int
	// FollowPhone: digital summonses a phone task follows if unopened.
	FollowPhone int
	// Late: of them, those booked too late for any letter to arrive before
	// the visit (the rest: no letter can be posted).
	Late int

	letter map[cell]int // FollowLetter by group and wait
	phone  map[cell]int // FollowPhone by group and wait
}

// Add counts one projected summons.
func (t *Tally) Add(ps ProjectedSummons) {
	if t.letter == nil {
		t.letter, t.phone, t.Reasons = map[cell]int{}, map[cell]int{}, map[domain.Reason]int{}
	}
	t.Summonses++
	switch GroupOf(ps.Decision) {
	case DigitalOnly:
		t.DigitalOnly++
	case DigitalPaper:
		t.DigitalPaper++
	default:
		t.PaperOnly++
	}
	for _, r := range ps.Decision.Reasons {
		t.Reasons[r]++
	}
	c := ps.Course
	if c.Letter {
		t.Letters++
	}
	if c.TaskNow == domain.TaskPhone {
		t.PhoneNow++
	}
	if c.FollowLetter {
		t.FollowLetter++
		t.letter[cell{ps.Group, ps.Wait}]++
		if ps.Shortened {
			t.Shortened++
		}
	}
	if c.FollowTask == domain.TaskPhone {
		t.FollowPhone++
		if c.FollowLate {
			t.Late++
		}
		t.phone[cell{ps.Group, ps.Wait}]++
	}
}

// LateShare is Late / Summonses: the share of the examination's summonses
// booked too late for a fallback letter (NaN without summonses).
func (t Tally) LateShare() float64 { return ratio(t.Late, t.Summonses) }

// GroupEstimate is one comparable group's part of an estimate: for
// drill-down, the counts behind the figure.
type GroupEstimate struct {
	Comparable
	WaitHours float64 // the wait the open rate is measured over
	Summonses int
	Observed  int // digital summonses of comparable patients observed
	Counted   int // of them, the event counted: opened in time (letters avoided) or not (fallbacks, phone tasks)
	// Rate = Counted / Observed, with its 90 % Wilson interval; null when too few.
	Rate     *float64
	RateLow  *float64
	RateHigh *float64
	Expected *float64 // Summonses × Rate (× the scale of a check)
	TooFew   bool     // fewer than MinObserved observed
}

// Estimate is a projected count: the expected value with its 90 %
// interval, the counts behind it and its groups.
type Estimate struct {
	Expected float64
	Low      float64
	High     float64
	// Certain are counted without a rate (a phone task raised when the
	// summons goes); Summonses are those whose outcome depends on an open
	// rate, NotEstimated those of them in groups with too few observations,
	// left out of Expected, Low and High.
	Certain      int
	Summonses    int
	NotEstimated int
	Groups       []GroupEstimate
}

// Complete reports whether no group was too small.
func (e Estimate) Complete() bool { return e.NotEstimated == 0 }

// Inside reports whether an actual count lies in [Low, High].
func (e Estimate) Inside(actual int) bool {
	a := float64(actual)
	return a >= e.Low-1e-9 && a <= e.High+1e-9
}

// PerMonth is e over days scaled to an average month (MonthDays).
func (e Estimate) PerMonth(days int) (expected, low, high float64) {
	f := MonthDays / float64(days)
	return e.Expected * f, e.Low * f, e.High * f
}

// part is one cell's contribution to an estimate.
type part struct {
	g    Comparable
	wait time.Duration
	m    int // summonses
	n, k int // observed, counted
}

// estimate sums parts into an Estimate. certain counts summonses of which
// the figure is sure (rate 1), total all the summonses the parts and the
// certain ones are drawn from.
//
// A projection (after == 0) estimates the figure for these summonses
// themselves: Expected = certain + Σ m·r, r = k/n, and the interval is a
// normal approximation, Expected ± Z90·√V with
//
//	V = Σ m·p̃(1−p̃)·(1 + m/n),  p̃ = (k + z²/2)/(n + z²)
//
// — the spread of the m outcomes themselves and the uncertainty of the
// observed rate —, kept within [certain, certain + Σ m].
//
// A check (after > 0) predicts the figure for after other summonses like
// these: every count is scaled by s = after/total, and V gains the spread
// of the mix itself, after·(1 + after/total)·(Σ π·r² − q²), where π is
// each cell's share of total (the certain ones with r = 1, the summonses
// outside every part with r = 0) and q = Σ π·r; the interval is kept
// within [0, after].
func estimate(parts []part, certain, total, after, minObserved int) Estimate {
	e := Estimate{Certain: certain, Groups: []GroupEstimate{}}
	scale := 1.0
	if after > 0 {
		scale = float64(after) / float64(total)
	}
	var v, q, q2 float64
	e.Expected = scale * float64(certain)
	top := e.Expected
	if total > 0 {
		q = float64(certain) / float64(total)
		q2 = q
	}
	z2 := Z90 * Z90
	for _, p := range parts {
		ge := GroupEstimate{Comparable: p.g, WaitHours: p.wait.Hours(), Summonses: p.m, Observed: p.n, Counted: p.k}
		e.Summonses += p.m
		if p.n < minObserved {
			ge.TooFew = true
			e.NotEstimated += p.m
			e.Groups = append(e.Groups, ge)
			continue
		}
		r := float64(p.k) / float64(p.n)
		lo, hi := Wilson(p.k, p.n, Z90)
		sm := scale * float64(p.m)
		x := sm * r
		ge.Rate, ge.RateLow, ge.RateHigh, ge.Expected = &r, &lo, &hi, &x
		e.Expected += x
		top += sm
		pt := (float64(p.k) + z2/2) / (float64(p.n) + z2)
		v += sm * pt * (1 - pt) * (1 + sm/float64(p.n))
		if total > 0 {
			pi := float64(p.m) / float64(total)
			q += pi * r
			q2 += pi * r * r
		}
		e.Groups = append(e.Groups, ge)
	}
	floor := scale * float64(certain)
	if after > 0 {
		a := float64(after)
		v += a * (1 + a/float64(total)) * max(0, q2-q*q)
		floor, top = 0, a
	}
	half := Z90 * math.Sqrt(v)
	e.Low = max(floor, e.Expected-half)
	e.High = min(top, e.Expected+half)
	return e
}

// Estimates are a projection's three figures.
type Estimates struct {
	LettersAvoided Estimate
	Fallbacks      Estimate
	PhoneTasks     Estimate
}

// Estimate applies the observed open rates to the tally, each summons
// with its group's rate of opening within the wait it would get:
//
//   - letters avoided: the summonses R4's letter would follow, opened
//     within their wait;
//   - fallbacks: the same summonses not opened within their wait;
//   - phone tasks: those raised when the summons goes, plus the summonses
//     a phone task would follow, not opened within their wait.
//
// minObserved is the fewest observations a group's rate is used from.
func (t Tally) Estimate(obs *Observations, minObserved int) Estimates {
	return t.estimates(obs, 0, minObserved)
}

// Predict is Estimate for after other summonses like these (see estimate):
// what a check expects of the summonses after a switch.
func (t Tally) Predict(obs *Observations, after, minObserved int) Estimates {
	return t.estimates(obs, after, minObserved)
}

func (t Tally) estimates(obs *Observations, after, minObserved int) Estimates {
	var avoided, fallbacks, phone []part
	for _, c := range sortedCells(t.letter) {
		m, o := t.letter[c], obs.observed(c.g)
		k := o.OpenedWithin(c.wait)
		avoided = append(avoided, part{g: c.g, wait: c.wait, m: m, n: o.Sent, k: k})
		fallbacks = append(fallbacks, part{g: c.g, wait: c.wait, m: m, n: o.Sent, k: o.Sent - k})
	}
	for _, c := range sortedCells(t.phone) {
		m, o := t.phone[c], obs.observed(c.g)
		phone = append(phone, part{g: c.g, wait: c.wait, m: m, n: o.Sent, k: o.Sent - o.OpenedWithin(c.wait)})
	}
	return Estimates{
		LettersAvoided: estimate(avoided, 0, t.Summonses, after, minObserved),
		Fallbacks:      estimate(fallbacks, 0, t.Summonses, after, minObserved),
		PhoneTasks:     estimate(phone, t.PhoneNow, t.Summonses, after, minObserved),
	}
}

func sortedCells(m map[cell]int) []cell {
	out := make([]cell, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	slices.SortFunc(out, compareCell)
	return out
}

func (o *Observations) observed(g Comparable) *Observed {
	if x := o.Groups[g]; x != nil {
		return x
	}
	return &Observed{}
}

// VisitSummons is the summons of a booking's current visit, read from the
// booking's events: the visit (the last booked or rebooked event), when
// the summons for it was decided (the first summons_sent,
// letter_not_posted, phone_task_raised or hand_over_raised after the last
// event that has the visit summoned anew, domain.Event.SummonsAnew: a
// summons an undone cancellation voided is not the visit's),
// the summons as the reports count it (nil when it went on no channel: a
// paper summons whose letter could not go), and whether staff were asked
// to phone from then on.
type VisitSummons struct {
	VisitAt   time.Time
	DecidedAt time.Time
	Fact      *Fact
	PhoneTask bool
}

// VisitSummonsOf reads the summons of the current visit from a booking's
// events in log order; ok is false when none was decided for it (the
// booking was cancelled, or its visit passed, before the summons went).
func VisitSummonsOf(b domain.BookingID, exam, site string, id domain.IdentityNumber, events []domain.Event) (VisitSummons, bool) {
	var vs VisitSummons
	last := -1 // the event after which the visit is summoned anew
	for i, e := range events {
		if (e.Type == domain.EventBooked || e.Type == domain.EventRebooked) && e.VisitAt != nil {
			vs.VisitAt = *e.VisitAt
		}
		if e.SummonsAnew() {
			last = i
		}
	}
	if last < 0 || vs.VisitAt.IsZero() {
		return vs, false
	}
	decided := false
	for _, e := range events[last+1:] {
		if (e.Type == domain.EventPhoneTaskRaised || e.Type == domain.EventHandOverRaised || e.Type == domain.EventLetterNotPosted) &&
			e.AboutCancellation() {
			continue // about a cancellation, not the summons
		}
		switch e.Type {
		case domain.EventSummonsSent, domain.EventLetterNotPosted, domain.EventPhoneTaskRaised, domain.EventHandOverRaised:
			if !decided {
				decided, vs.DecidedAt = true, e.At
			}
		}
		if decided && e.Type == domain.EventPhoneTaskRaised {
			vs.PhoneTask = true
		}
	}
	if !decided {
		return vs, false
	}
	facts := FactsFromHistory(b, exam, site, id, events)
	for i := len(facts) - 1; i >= 0; i-- {
		if facts[i].SentAt.Equal(vs.DecidedAt) {
			f := facts[i]
			vs.Fact = &f
			break
		}
	}
	return vs, true
}

// Actual is what happened to the summonses after a switch, counted as the
// projection counts them: letters avoided (a summons R4's letter would
// follow, opened before the letter went — no letter, automatic or by
// hand), fallbacks (R4's letter went), phone tasks (a summons for which
// staff were asked to phone).
type Actual struct {
	Summonses      int
	LettersAvoided int
	Fallbacks      int
	PhoneTasks     int
}

// Add counts one summons after the switch: ps is its course under the
// policy (Project), vs what became of it.
func (a *Actual) Add(ps ProjectedSummons, vs VisitSummons) {
	a.Summonses++
	if f := vs.Fact; f != nil {
		if ps.Course.FollowLetter && f.DigitalSent == 1 && f.Opened == 1 && f.Fallback == 0 && f.FallbackByHand == 0 {
			a.LettersAvoided++
		}
		a.Fallbacks += f.Fallback
	}
	if vs.PhoneTask {
		a.PhoneTasks++
	}
}

// Check is the after-the-step comparison of an examination switched on at
// a known date: the projection computed from the weeks before the switch
// (its summonses, and the open rates observed then), scaled to the number
// of summonses after it, beside what happened to those.
type Check struct {
	Before    Tally
	Actual    Actual
	Scale     float64 // Actual.Summonses / Before.Summonses; 0 when either is none
	Projected Estimates
}

// NewCheck compares actual with the projection of before under obs.
func NewCheck(before Tally, obs *Observations, actual Actual, minObserved int) Check {
	c := Check{Before: before, Actual: actual}
	if before.Summonses > 0 && actual.Summonses > 0 {
		c.Scale = float64(actual.Summonses) / float64(before.Summonses)
	}
	if c.Scale > 0 {
		c.Projected = before.Predict(obs, actual.Summonses, minObserved)
	}
	return c
}

// Inside says whether an actual count lies within the projection's 90 %
// interval; nil when it cannot be told: a group had too few observations,
// or there is nothing to compare (no summonses before or after).
func (c Check) Inside(e Estimate, actual int) *bool {
	if !e.Complete() || c.Scale == 0 {
		return nil
	}
	in := e.Inside(actual)
	return &in
}
