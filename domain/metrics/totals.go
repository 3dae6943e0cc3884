package metrics

import (
	"math"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// The time-to-open histogram has a fixed number of buckets, so that a row
// of figures has the same size however many summonses it counts (which keeps
// the dashboard's cost independent of the number of bookings). Median and
// 90th percentile are reported as the upper edge of their bucket: to the
// quarter hour in the first day, to the hour in the first week, to the day
// after that, and as "30 days or more" beyond.
const (
	quarterBuckets = 96  // (0, 24 h] in quarter hours
	hourBuckets    = 144 // (24 h, 7 d] in hours
	dayBuckets     = 23  // (7 d, 30 d] in days
	// NBuckets is the number of histogram buckets (the last one is open-ended).
	NBuckets = 1 + quarterBuckets + hourBuckets + dayBuckets + 1
)

// Histogram counts opened summonses by time to open.
type Histogram [NBuckets]int

// bucketOf is the bucket holding delay d.
func bucketOf(d time.Duration) int {
	switch {
	case d <= 0:
		return 0
	case d <= 24*time.Hour:
		return int((d + 15*time.Minute - 1) / (15 * time.Minute))
	case d <= 7*24*time.Hour:
		return quarterBuckets + int((d-24*time.Hour+time.Hour-1)/time.Hour)
	case d <= 30*24*time.Hour:
		return quarterBuckets + hourBuckets + int((d-7*24*time.Hour+24*time.Hour-1)/(24*time.Hour))
	}
	return NBuckets - 1
}

// BucketEdge is the upper edge of bucket i: what a quantile falling in it is
// reported as.
func BucketEdge(i int) time.Duration {
	switch {
	case i <= 0:
		return 0
	case i <= quarterBuckets:
		return time.Duration(i) * 15 * time.Minute
	case i <= quarterBuckets+hourBuckets:
		return 24*time.Hour + time.Duration(i-quarterBuckets)*time.Hour
	case i <= quarterBuckets+hourBuckets+dayBuckets:
		return 7*24*time.Hour + time.Duration(i-quarterBuckets-hourBuckets)*24*time.Hour
	}
	return 30 * 24 * time.Hour
}

// Reported is how a delay d shows as a quantile: its bucket's upper edge.
func Reported(d time.Duration) time.Duration { return BucketEdge(bucketOf(d)) }

// Totals are summed facts. They add and subtract exactly, so the store can
// keep them current by adding a booking's new facts and subtracting its old.
type Totals struct {
	Summonses      int                   `json:"summonses"` // facts: summonses sent, any channel
	DigitalSent    int                   `json:"digital_sent"`
	Delivered      int                   `json:"delivered"`
	Opened         int                   `json:"opened"`
	OpenedInTime   int                   `json:"opened_in_time"`
	PaperAvoided   int                   `json:"paper_avoided"`
	Fallback       int                   `json:"fallback"`
	FallbackByHand int                   `json:"fallback_by_hand"`
	ComplementSent int                   `json:"complement_sent"`
	Complement     map[domain.Reason]int `json:"complement,omitempty"`
	PaperOnlySent  int                   `json:"paper_only_sent"`
	Reminders      int                   `json:"reminders"`
	RebookRequests int                   `json:"rebook_requests"`
	CancelRequests int                   `json:"cancel_requests"`
	Attended       int                   `json:"attended"`
	NoShow         int                   `json:"no_show"`
	// OpenDelays counts opened summonses by time to open (see bucketOf).
	OpenDelays Histogram `json:"open_delays"`
}

// Add adds f (sign +1) or takes it away (sign -1).
func (t *Totals) Add(f Fact, sign int) {
	t.Summonses += sign
	t.DigitalSent += sign * f.DigitalSent
	t.Delivered += sign * f.Delivered
	t.Opened += sign * f.Opened
	t.OpenedInTime += sign * f.OpenedInTime
	t.PaperAvoided += sign * f.PaperAvoided
	t.Fallback += sign * f.Fallback
	t.FallbackByHand += sign * f.FallbackByHand
	t.ComplementSent += sign * f.ComplementSent
	t.PaperOnlySent += sign * f.PaperOnlySent
	t.Reminders += sign * f.Reminders
	t.RebookRequests += sign * f.RebookRequests
	t.CancelRequests += sign * f.CancelRequests
	t.Attended += sign * f.Attended
	t.NoShow += sign * f.NoShow
	for r, n := range f.Complement {
		if t.Complement == nil {
			t.Complement = map[domain.Reason]int{}
		}
		t.Complement[r] += sign * n
		if t.Complement[r] == 0 {
			delete(t.Complement, r)
		}
	}
	if f.Opened == 1 {
		t.OpenDelays[bucketOf(f.OpenDelay)] += sign
	}
}

// Merge adds all of o into t.
func (t *Totals) Merge(o Totals) {
	t.Summonses += o.Summonses
	t.DigitalSent += o.DigitalSent
	t.Delivered += o.Delivered
	t.Opened += o.Opened
	t.OpenedInTime += o.OpenedInTime
	t.PaperAvoided += o.PaperAvoided
	t.Fallback += o.Fallback
	t.FallbackByHand += o.FallbackByHand
	t.ComplementSent += o.ComplementSent
	t.PaperOnlySent += o.PaperOnlySent
	t.Reminders += o.Reminders
	t.RebookRequests += o.RebookRequests
	t.CancelRequests += o.CancelRequests
	t.Attended += o.Attended
	t.NoShow += o.NoShow
	for r, n := range o.Complement {
		if t.Complement == nil {
			t.Complement = map[domain.Reason]int{}
		}
		t.Complement[r] += n
	}
	for b, n := range o.OpenDelays {
		t.OpenDelays[b] += n
	}
}

// IsZero reports whether nothing at all is counted.
func (t Totals) IsZero() bool {
	return t.Summonses == 0 && t.DigitalSent == 0 && t.Delivered == 0 && t.Opened == 0 && t.OpenedInTime == 0 &&
		t.PaperAvoided == 0 && t.Fallback == 0 && t.FallbackByHand == 0 && t.ComplementSent == 0 &&
		len(t.Complement) == 0 && t.PaperOnlySent == 0 && t.Reminders == 0 && t.RebookRequests == 0 &&
		t.CancelRequests == 0 && t.Attended == 0 && t.NoShow == 0 && t.OpenDelays == Histogram{}
}

// ratio is a/b, or NaN when b is 0 (shown as "–", never as 0 %).
func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// OpenRate is opened / digital summonses sent.
func (t Totals) OpenRate() float64 { return ratio(t.Opened, t.DigitalSent) }

// OpenedInTimeRate is opened within 72 h / digital summonses sent.
func (t Totals) OpenedInTimeRate() float64 { return ratio(t.OpenedInTime, t.DigitalSent) }

// PaperLetters is every paper letter: paper-only summonses, complements,
// fallbacks automatic and by hand.
func (t Totals) PaperLetters() int {
	return t.PaperOnlySent + t.ComplementSent + t.Fallback + t.FallbackByHand
}

// NoShowRate is no-shows / visits with an outcome.
func (t Totals) NoShowRate() float64 { return ratio(t.NoShow, t.Attended+t.NoShow) }

// OpenDelayQuantile is the q-quantile (0.5 median, 0.9) of the time to
// open: the smallest reported delay with at least q of the openings at or
// below it, as the upper edge of its bucket. ok is false when nothing was
// opened.
func (t Totals) OpenDelayQuantile(q float64) (time.Duration, bool) {
	n := 0
	for _, c := range t.OpenDelays {
		n += c
	}
	if n <= 0 {
		return 0, false
	}
	rank := max(1, int(math.Ceil(q*float64(n))))
	seen := 0
	for b, c := range t.OpenDelays {
		seen += c
		if seen >= rank {
			return BucketEdge(b), true
		}
	}
	return BucketEdge(NBuckets - 1), true
}
