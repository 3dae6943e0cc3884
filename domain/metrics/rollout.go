package metrics

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// BookingHistory is one booking as the rollout report reads it: the
// patient as recorded now, and the booking's events in log order, read
// when asked for (only inside the source's call).
type BookingHistory struct {
	Booking *domain.Booking
	Patient domain.Patient
	Events  func() ([]domain.Event, error)
}

// visit is the summons of the booking's current visit. A booking never
// moved whose summons went on some channel has it in its record (the
// visit, and the instant the summons went; after an undone cancellation,
// the summons sent again, as VisitSummonsOf reads the events), so its
// events are read only
// when full asks for what became of the summons, or the record cannot
// tell: a summons staff phoned or handed over went when staff did so, but
// was decided when their task was raised.
func (h BookingHistory) visit(full bool) (VisitSummons, bool, error) {
	b := h.Booking
	st := b.Status()
	if sent := st.SentAt; !full && !sent.IsZero() && b.Snapshot().Rebooks == 0 && !st.Phoned && !st.HandedOver {
		return VisitSummons{VisitAt: b.VisitAt(), DecidedAt: sent}, true, nil
	}
	evs, err := h.Events()
	if err != nil {
		return VisitSummons{}, false, err
	}
	vs, ok := VisitSummonsOf(b.ID(), b.Exam(), b.Site(), b.Patient(), evs)
	return vs, ok, nil
}

// RolloutSource is what the rollout report reads; the store implements it,
// each call reading one range bounded by its arguments. fn is called
// inside the store's read transaction and must not call back into it.
type RolloutSource interface {
	// DigitalSummonses calls fn for every digital summons (channel group
	// digital_only or digital_paper) sent on a day that starts in
	// [from, to) (Europe/Stockholm).
	DigitalSummonses(ctx context.Context, from, to time.Time, fn func(Fact) error) error
	// RolloutBookings calls fn for every booking of one of exams whose
	// visit, as it stands, is in [from, to), in visit order.
	RolloutBookings(ctx context.Context, from, to time.Time, exams []string, fn func(BookingHistory) error) error
}

// CheckDays is how many days before and after a switch the check
// compares at most: twelve weeks each side, fewer while the switch is
// more recent (see checkSwitch). It is also the projection's default
// period.
const CheckDays = 84

// RolloutRequest says what the rollout report covers.
type RolloutRequest struct {
	// From, To: the projection's period, whole days [From, To): the
	// bookings with a visit then, and the open rates of the digital
	// summonses sent then.
	From, To time.Time
	Now      time.Time
	// Exams is the catalogue: a projection for each examination not
	// digital, a check for each digital one with a date in Switches.
	Exams    []domain.Examination
	Switches map[string]time.Time // examination code -> day it went digital (00:00 Stockholm)
	Policy   domain.PolicyOptions
	Schedule domain.Schedule
	// MinObserved overrides the package's MinObserved when above 0.
	MinObserved int
}

// ExamProjection is one examination not yet digital, projected.
type ExamProjection struct {
	Exam domain.Examination
	Tally
	Estimates
	Days int // the period's days, for figures per month
}

// ExamCheck is one examination switched on at a known date: the check
// with the windows it compares and the open rates observed before it.
type ExamCheck struct {
	Exam                 domain.Examination
	Since                time.Time
	BeforeFrom, BeforeTo time.Time // summonses decided and visits in [BeforeFrom, BeforeTo): the projection
	AfterFrom, AfterTo   time.Time // summonses decided and visits in [AfterFrom, AfterTo): what happened
	Observations         *Observations
	Check
}

// Rollout is the whole report.
type Rollout struct {
	From, To, Now time.Time
	Days          int
	MinObserved   int
	Observations  *Observations
	Projections   []ExamProjection // most letters avoided per month first
	Checks        []ExamCheck      // by examination code
}

// days counts the calendar days of [from, to), daylight saving or not.
func days(from, to time.Time) int {
	return int(math.Round(to.Sub(from).Hours() / 24))
}

func startOfDay(t time.Time) time.Time {
	lt := t.In(domain.Stockholm)
	return time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, domain.Stockholm)
}

// observeRange reads the digital summonses of [from, to) as observed at now.
func observeRange(ctx context.Context, src RolloutSource, from, to, now time.Time, s domain.Schedule) (*Observations, error) {
	obs := NewObservations(s, now)
	err := src.DigitalSummonses(ctx, from, to, func(f Fact) error { obs.Observe(f); return nil })
	return obs, err
}

// BuildRollout computes the projections and checks of req from src.
func BuildRollout(ctx context.Context, src RolloutSource, req RolloutRequest) (Rollout, error) {
	minObs := cmp.Or(req.MinObserved, MinObserved)
	r := Rollout{From: req.From, To: req.To, Now: req.Now, Days: days(req.From, req.To), MinObserved: minObs}
	var err error
	if r.Observations, err = observeRange(ctx, src, req.From, req.To, req.Now, req.Schedule); err != nil {
		return r, err
	}
	exams := map[string]domain.Examination{}
	tallies := map[string]*Tally{}
	var paper []string
	for _, e := range req.Exams {
		exams[e.Code] = e
		if !e.Digital {
			paper = append(paper, e.Code)
			tallies[e.Code] = &Tally{}
		}
	}
	err = src.RolloutBookings(ctx, req.From, req.To, paper, func(h BookingHistory) error {
		b := h.Booking
		vs, ok, err := h.visit(false)
		if err != nil || !ok {
			return err
		}
		tallies[b.Exam()].Add(Project(h.Patient, exams[b.Exam()], vs.VisitAt, vs.DecidedAt, req.Policy, req.Schedule))
		return nil
	})
	if err != nil {
		return r, err
	}
	for _, code := range paper {
		t := *tallies[code]
		r.Projections = append(r.Projections, ExamProjection{Exam: exams[code], Tally: t,
			Estimates: t.Estimate(r.Observations, minObs), Days: r.Days})
	}
	slices.SortStableFunc(r.Projections, func(a, b ExamProjection) int {
		return cmp.Or(cmp.Compare(b.LettersAvoided.Expected, a.LettersAvoided.Expected), cmp.Compare(a.Exam.Code, b.Exam.Code))
	})

	codes := make([]string, 0, len(req.Switches))
	for code := range req.Switches {
		if e, ok := exams[code]; ok && e.Digital {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	today := startOfDay(req.Now)
	for _, code := range codes {
		c, err := checkSwitch(ctx, src, req, exams[code], startOfDay(req.Switches[code]), today, minObs)
		if err != nil {
			return r, err
		}
		r.Checks = append(r.Checks, c)
	}
	return r, nil
}

// checkSwitch compares, for e switched on at since, the projection from
// before the switch with what happened after it. The two sides are alike:
// L = min(CheckDays, the days from since to today); before are the
// summonses decided in [since−L, since) for a visit in that window, after
// those decided in [since, since+L) for a visit in that window (so every
// one has had its visit, and its fallback letter or phone task, if any).
// Both sides leave out the same bookings — those made long ahead — so a
// booking made late is as likely on either side. The open rates are those
// observed among the digital summonses sent in the CheckDays before the
// switch, settled by it: what the projection could have known that day.
func checkSwitch(ctx context.Context, src RolloutSource, req RolloutRequest, e domain.Examination, since, today time.Time, minObs int) (ExamCheck, error) {
	l := min(CheckDays, max(0, days(since, today)))
	c := ExamCheck{Exam: e, Since: since, BeforeFrom: since.AddDate(0, 0, -l), BeforeTo: since, AfterFrom: since,
		AfterTo: since.AddDate(0, 0, l)}
	var err error
	if c.Observations, err = observeRange(ctx, src, since.AddDate(0, 0, -CheckDays), since, since, req.Schedule); err != nil {
		return c, err
	}
	var before Tally
	var actual Actual
	if l > 0 {
		err = src.RolloutBookings(ctx, c.BeforeFrom, c.AfterTo, []string{e.Code}, func(h BookingHistory) error {
			vs, ok, err := h.visit(!h.Booking.VisitAt().Before(since))
			if err != nil || !ok {
				return err
			}
			ps := Project(h.Patient, e, vs.VisitAt, vs.DecidedAt, req.Policy, req.Schedule)
			switch {
			case vs.VisitAt.Before(since) && !vs.DecidedAt.Before(c.BeforeFrom):
				before.Add(ps)
			case !vs.VisitAt.Before(since) && !vs.DecidedAt.Before(since):
				actual.Add(ps, vs)
			}
			return nil
		})
		if err != nil {
			return c, err
		}
	}
	c.Check = NewCheck(before, c.Observations, actual, minObs)
	return c, nil
}
