package tuitest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/common"
)

// ErrNoLetters stands in for the letters adapter's ErrNoLetters, which
// the TUI cannot name.
var ErrNoLetters = errors.New("no letters")

// PrintFolder is an in-memory print folder, by day.
type PrintFolder struct {
	Days     map[string][]common.PrintItem // the letters by day
	Batches  []string
	Reprints []bool
	Marked   []string
	// TooLate is how many letters the next MarkPrinted withdraws as too
	// late to arrive (the service decides that; the fake says so).
	TooLate int
}

// Day is t's date in Stockholm, as the print folder names its days.
func Day(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02") }

// Letters is the day's letters.
func (q *PrintFolder) Letters(day time.Time) ([]common.PrintItem, error) {
	return append([]common.PrintItem(nil), q.Days[Day(day)]...), nil
}

// Batch "writes" the day's batch file and returns its path.
func (q *PrintFolder) Batch(day time.Time, reprint bool) (string, int, error) {
	d := Day(day)
	q.Batches = append(q.Batches, d)
	q.Reprints = append(q.Reprints, reprint)
	if len(q.Days[d]) == 0 {
		return "", 0, fmt.Errorf("%w for %s", ErrNoLetters, d)
	}
	return "/var/spool/kallelse/print/" + d + "/batch-" + d + ".pdf", len(q.Days[d]), nil
}

// MarkPrinted marks the day's letters printed.
func (q *PrintFolder) MarkPrinted(day time.Time) (int, int, error) {
	d := Day(day)
	q.Marked = append(q.Marked, d)
	n := 0
	for i := range q.Days[d] {
		if !q.Days[d][i].Printed {
			q.Days[d][i].Printed = true
			n++
		}
	}
	late := q.TooLate
	q.TooLate = 0
	return n, late, nil
}

// Letter is one letter of the print folder.
func Letter(id, day, name string, visit time.Time, p domain.Purpose, printed bool) common.PrintItem {
	return common.PrintItem{MessageID: id, Day: day, PatientName: name, VisitAt: visit, Purpose: p, Printed: printed}
}

// NewPrintFolder is a print folder with today's letters, yesterday's (one not
// printed: retried after midnight), one from five days ago not printed, and
// some that are too old or printed already to show.
func NewPrintFolder() *PrintFolder {
	visit := time.Date(2026, 12, 3, 9, 0, 0, 0, domain.Stockholm)
	return &PrintFolder{Days: map[string][]common.PrintItem{
		"2026-11-25": {
			Letter("k1-2-letter", "2026-11-25", "Anna Berg", visit, domain.PurposeSummons, false),
			Letter("k2-5-letter", "2026-11-25", "Bo Ek", visit.Add(time.Hour), domain.PurposeFallback, true),
		},
		"2026-11-24": {
			Letter("k3-4-letter", "2026-11-24", "Cecilia Dahl", visit.AddDate(0, 0, 1), domain.PurposeFallbackByHand, false),
			Letter("k4-2-letter", "2026-11-24", "Dan Ek", visit, domain.PurposeSummons, true),
		},
		"2026-11-20": {Letter("k5-2-letter", "2026-11-20", "Eva Fors", visit, domain.PurposeSummons, false)},
		"2026-11-10": {Letter("k6-2-letter", "2026-11-10", "Gustav Holm", visit, domain.PurposeSummons, false)},
	}}
}

// PrintCommon is a terminal of w×h with the print folder pq (nil: none).
func PrintCommon(pq common.PrintQueue, w, h int) *common.Common {
	svc := &service.Service{Clock: domain.FixedClock{T: Now}}
	b := common.Backend{Service: svc}
	if pq != nil {
		b.Print = pq
	}
	return NewCommon(b, w, h)
}

// Reports is Reports built the way the store's aggregates are defined:
// every booking's events through metrics.FactsFromHistory, filed by the
// ISO week of the day each summons was sent.
type Reports struct {
	mu          sync.Mutex
	facts       map[string][]metrics.Fact // by week
	TotalsCalls int
	MemberCalls int
}

// NewReports is Reports read from e's store, as its rebuild would.
func NewReports(t testing.TB, e *Env) *Reports {
	r := &Reports{}
	r.Rebuild(t, e)
	return r
}

// rebuild reads every booking's history again, as the store's rebuild does.
func (r *Reports) Rebuild(t testing.TB, e *Env) {
	t.Helper()
	ctx := context.Background()
	bs, err := e.St.Bookings(ctx, domain.BookingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	facts := map[string][]metrics.Fact{}
	for _, b := range bs {
		evs, err := e.St.BookingEvents(ctx, b.ID())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range metrics.FactsFromHistory(b.ID(), b.Exam(), b.Site(), b.Patient(), evs) {
			facts[f.Key.Week()] = append(facts[f.Key.Week()], f)
		}
	}
	r.mu.Lock()
	r.facts = facts
	r.mu.Unlock()
}

// all is every fact of the weeks from..to, in no particular order.
func (r *Reports) All(from, to string) []metrics.Fact {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []metrics.Fact
	for w, fs := range r.facts {
		if w >= from && w <= to {
			out = append(out, fs...)
		}
	}
	return out
}

// WeekTotals calls fn with the day rows (one per Key) of each week.
func (r *Reports) WeekTotals(_ context.Context, from, to string, fn func(metrics.Key, string, metrics.Totals) bool) error {
	r.mu.Lock()
	r.TotalsCalls++
	var weeks []string
	for w := range r.facts {
		if w >= from && w <= to {
			weeks = append(weeks, w)
		}
	}
	sort.Strings(weeks)
	type row struct {
		k    metrics.Key
		week string
		t    metrics.Totals
	}
	var rows []row
	for _, w := range weeks {
		byKey := map[metrics.Key]*metrics.Totals{}
		var keys []metrics.Key
		for _, f := range r.facts[w] {
			t := byKey[f.Key]
			if t == nil {
				t = &metrics.Totals{}
				byKey[f.Key] = t
				keys = append(keys, f.Key)
			}
			t.Add(f, 1)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			rows = append(rows, row{k, w, *byKey[k]})
		}
	}
	r.mu.Unlock()
	for _, rw := range rows {
		if !fn(rw.k, rw.week, rw.t) {
			break
		}
	}
	return nil
}

// Members calls fn with the week's facts of the exam and group.
func (r *Reports) Members(_ context.Context, week, exam string, group metrics.Group, fn func(metrics.Fact) bool) error {
	r.mu.Lock()
	r.MemberCalls++
	var fs []metrics.Fact
	for _, f := range r.facts[week] {
		if (exam == "" || f.Key.Exam == exam) && (group == "" || f.Key.Group == group) {
			fs = append(fs, f)
		}
	}
	r.mu.Unlock()
	for _, f := range fs {
		if !fn(f) {
			break
		}
	}
	return nil
}

// send hands the page a message, as the root does, and returns its Cmd.
func send(p common.Component, msg tea.Msg) tea.Cmd {
	_, cmd := p.Update(msg)
	return cmd
}
