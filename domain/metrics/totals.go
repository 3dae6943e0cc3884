package metrics

import (
	"math"
	"sort"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// Bucket is the resolution of the time-to-open histogram: median and 90th
// percentile are reported to the quarter hour (the bucket's upper edge).
const Bucket = 15 * time.Minute

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
	// OpenDelays counts opened summonses by time to open, in Buckets: index
	// i holds delays in ((i-1)·Bucket, i·Bucket].
	OpenDelays map[int]int `json:"open_delays,omitempty"`
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
		if t.OpenDelays == nil {
			t.OpenDelays = map[int]int{}
		}
		b := bucketOf(f.OpenDelay)
		t.OpenDelays[b] += sign
		if t.OpenDelays[b] == 0 {
			delete(t.OpenDelays, b)
		}
	}
}

func bucketOf(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + Bucket - 1) / Bucket)
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
		if t.OpenDelays == nil {
			t.OpenDelays = map[int]int{}
		}
		t.OpenDelays[b] += n
	}
}

// IsZero reports whether nothing is counted.
func (t Totals) IsZero() bool {
	return t.Summonses == 0 && len(t.OpenDelays) == 0 && len(t.Complement) == 0 && t.Reminders == 0 &&
		t.Attended == 0 && t.NoShow == 0 && t.Opened == 0
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
// open, as the upper edge of its quarter-hour bucket; ok is false when
// nothing was opened.
func (t Totals) OpenDelayQuantile(q float64) (time.Duration, bool) {
	n := 0
	keys := make([]int, 0, len(t.OpenDelays))
	for b, c := range t.OpenDelays {
		n += c
		keys = append(keys, b)
	}
	if n <= 0 {
		return 0, false
	}
	sort.Ints(keys)
	// The smallest delay with at least q of the openings at or below it.
	rank := int(math.Ceil(q * float64(n)))
	if rank < 1 {
		rank = 1
	}
	seen := 0
	for _, b := range keys {
		seen += t.OpenDelays[b]
		if seen >= rank {
			return time.Duration(b) * Bucket, true
		}
	}
	return time.Duration(keys[len(keys)-1]) * Bucket, true
}
