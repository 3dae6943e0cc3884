package metrics

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// AccountState is the patient's 1177 state: no account, an account
// without notifications, or an account with them.
type AccountState string

// The 1177 states.
const (
	NoAccount        AccountState = "no_account"
	NotificationsOff AccountState = "notifications_off"
	NotificationsOn  AccountState = "notifications_on"
)

var accountOrder = []AccountState{NoAccount, NotificationsOff, NotificationsOn}

// Comparable is a group of comparable patients: age band × 1177 account
// and notification state × interpreter.
type Comparable struct {
	Age         AgeBand      `json:"age"`
	Account     AccountState `json:"account"`
	Interpreter bool         `json:"interpreter"`
}

// String is "65_79/notifications_on" or "18_64/no_account/interpreter".
func (c Comparable) String() string {
	s := string(c.Age) + "/" + string(c.Account)
	if c.Interpreter {
		s += "/interpreter"
	}
	return s
}

func compareComparable(a, b Comparable) int {
	return cmp.Or(cmp.Compare(slices.Index(AgeBands, a.Age), slices.Index(AgeBands, b.Age)),
		cmp.Compare(slices.Index(accountOrder, a.Account), slices.Index(accountOrder, b.Account)),
		cmp.Compare(b2i(a.Interpreter), b2i(b.Interpreter)))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ComparableOf is the group of patient p for a summons sent at instant at:
// the age band then, the account state and interpreter as recorded.
func ComparableOf(p domain.Patient, at time.Time) Comparable {
	acc := NotificationsOn
	switch {
	case !p.Has1177Account():
		acc = NoAccount
	case !p.NotificationsEnabled():
		acc = NotificationsOff
	}
	return Comparable{Age: BandOf(p.ID(), at), Account: acc, Interpreter: p.NeedsInterpreter()}
}

// ObservedComparable is the group of a digital summons already sent, read
// from the summons as it went: the age band it is filed under, and the
// reasons its complement letter carried (no_1177_account,
// notifications_off, interpreter). A digital-only summons carries none: an
// account with notifications, no interpreter.
func ObservedComparable(f Fact) Comparable {
	acc := NotificationsOn
	switch {
	case f.Complement[domain.ReasonNo1177Account] > 0:
		acc = NoAccount
	case f.Complement[domain.ReasonNotificationsOff] > 0:
		acc = NotificationsOff
	}
	return Comparable{Age: f.Key.Age, Account: acc, Interpreter: f.Complement[domain.ReasonInterpreter] > 0}
}

// Observed counts the digital summonses of one comparable group.
type Observed struct {
	Sent                 int // digital summonses observed
	OpenedBeforeFallback int // opened within R4's wait (Schedule.FallbackAfter)
	OpenedBeforePhone    int // opened within the wait before a phone task (Schedule.PhoneTaskAfter)
	delays               []time.Duration
	sorted               bool
}

// OpenedWithin counts the summonses opened at most w after delivery (or
// sending).
func (o *Observed) OpenedWithin(w time.Duration) int {
	if !o.sorted {
		slices.Sort(o.delays)
		o.sorted = true
	}
	n, _ := slices.BinarySearch(o.delays, w+1)
	return n
}

// Observations are the open rates behind a projection: digital summonses
// of every examination, by comparable group, and how long each took to be
// opened, measured as the reports measure time to open (from delivery, or
// sending without a delivery receipt).
type Observations struct {
	FallbackWait, PhoneWait time.Duration
	// SettledBy: a summons sent after it may still be opened in time and
	// is not observed yet (Unsettled counts those passed by).
	SettledBy time.Time
	Groups    map[Comparable]*Observed
	Unsettled int
}

// SettleTime is how long after sending a digital summons counts as an
// observation: the longer wait, and a day for the delivery receipt (from
// which the time to open is measured) and the loop's ticks.
func SettleTime(s domain.Schedule) time.Duration {
	return max(s.FallbackAfter, s.PhoneTaskAfter) + 24*time.Hour
}

// NewObservations are empty observations with the schedule's waits, at
// instant now.
func NewObservations(s domain.Schedule, now time.Time) *Observations {
	return &Observations{FallbackWait: s.FallbackAfter, PhoneWait: s.PhoneTaskAfter, SettledBy: now.Add(-SettleTime(s)),
		Groups: map[Comparable]*Observed{}}
}

// Observe counts f if it is a digital summons sent by SettledBy.
func (o *Observations) Observe(f Fact) {
	if f.DigitalSent != 1 {
		return
	}
	if f.SentAt.After(o.SettledBy) {
		o.Unsettled++
		return
	}
	g := ObservedComparable(f)
	obs := o.Groups[g]
	if obs == nil {
		obs = &Observed{}
		o.Groups[g] = obs
	}
	obs.Sent++
	if f.Opened == 1 {
		obs.delays, obs.sorted = append(obs.delays, f.OpenDelay), false
		if f.OpenDelay <= o.FallbackWait {
			obs.OpenedBeforeFallback++
		}
		if f.OpenDelay <= o.PhoneWait {
			obs.OpenedBeforePhone++
		}
	}
}

// Sorted lists the observed groups in order (age band, account, interpreter).
func (o *Observations) Sorted() []Comparable {
	out := make([]Comparable, 0, len(o.Groups))
	for g := range o.Groups {
		out = append(out, g)
	}
	slices.SortFunc(out, compareComparable)
	return out
}

// Wilson is the Wilson score interval of k in n at quantile z: the
// interval of the rate k/n. n = 0 gives [0, 1].
func Wilson(k, n int, z float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	nf, p := float64(n), float64(k)/float64(n)
	z2 := z * z
	centre := (p + z2/(2*nf)) / (1 + z2/nf)
	half := z / (1 + z2/nf) * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return max(0, centre-half), min(1, centre+half)
}
