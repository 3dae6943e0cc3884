package storage

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// The dashboard benchmark: does opening the coordinators' dashboard cost the
// same with 10,000 and with 1,000,000 bookings stored (and 100,000 between)? Each database holds
// two years of bookings with their whole histories, made by the domain's
// own flows — booked, summons sent by the loop, receipts from 1177 (most
// delivered, many opened, some rebook and cancel requests), fallback letters
// and reminders when their timers are due, rebookings and cancellations by
// staff, and the visit's outcome — and stored through putBooking, so the
// aggregates are kept the way the application keeps them.
//
//	go test ./storage -run XXX -bench Dashboard -benchtime 20x
//
// Building the million takes minutes, so each size is built once, without
// fsync, in transactions of dashBatch bookings, and kept in the system's
// temporary directory as kallelse-dash-v<schema>-<layout hash>-g<generator>-<n>.db
// (the largest is a few GB; delete the files to get the space back). The
// benchmark only reads, so it opens the cached file itself.

const (
	dashGenerator = 1 // bump when the generated content changes
	dashBatch     = 10_000
	dashPatients  = 5_000
)

// dashNow is when the dashboard is opened: a Monday morning, two years of
// bookings behind it.
var dashNow = time.Date(2031, 1, 13, 9, 0, 0, 0, domain.Stockholm)

var dashSizes = []struct {
	name string
	n    int
}{
	{"10k", 10_000},
	{"100k", 100_000},
	{"1M", 1_000_000},
}

var dashClinic = domain.Clinic{Department: "Klinisk fysiologi", Region: "Region Jönköpings län", HSAID: "SE2321000065-K1", Phone: "010-242 00 00"}

// dashPatientPool are patients of every age band and channel: most with a
// 1177 account and notifications, some without, some needing an
// interpreter, some with samordningsnummer, half wanting SMS reminders.
func dashPatientPool(b testing.TB) []domain.Patient {
	r := rand.New(rand.NewPCG(1, 2))
	ps := make([]domain.Patient, dashPatients)
	for i := range ps {
		year := 1925 + r.IntN(100)
		day := 1 + r.IntN(28)
		if r.IntN(30) == 0 {
			day += 60 // samordningsnummer
		}
		in := domain.PatientInput{
			ID: mustID(b, pnrString(year, 1+r.IntN(12), day, r.IntN(1000))), Name: fmt.Sprintf("Bänk Person %d", i),
			Address:        domain.Address{Street: "Storgatan 1", PostalCode: "55305", City: "Jönköping"},
			Has1177Account: r.IntN(100) < 85,
		}
		in.NotificationsEnabled = in.Has1177Account && r.IntN(10) > 0
		if r.IntN(20) == 0 {
			in.Interpreter = "arabiska"
		}
		if r.IntN(2) == 0 {
			in.Phone, in.SMSReminders = "070-123 45 67", true
		}
		p, err := domain.NewPatient(in)
		if err != nil {
			b.Fatal(err)
		}
		ps[i] = p
	}
	return ps
}

// dashHistory is booking id's whole life, decided by the domain: booked at
// bookedAt, then everything that happens until its visit or dashNow,
// whichever comes first.
func dashHistory(id domain.BookingID, p domain.Patient, r *rand.Rand, bookedAt time.Time) (*domain.Booking, error) {
	exam := testExams[r.IntN(len(testExams))]
	site := testSites[r.IntN(len(testSites))]
	visitDay := bookedAt.AddDate(0, 0, 3+r.IntN(40))
	visit := time.Date(visitDay.Year(), visitDay.Month(), visitDay.Day(), 8, 15*r.IntN(32), 0, 0, domain.Stockholm)
	b, err := domain.NewBooking(domain.BookingRequest{ID: id, Patient: p, Exam: exam, Site: site, VisitAt: visit, Now: bookedAt, Actor: actor})
	if err != nil {
		return nil, err
	}
	env := func(now time.Time) domain.FireEnv {
		return domain.FireEnv{Now: now, Patient: p, Exam: exam, Site: site, Clinic: dashClinic, Schedule: domain.DefaultSchedule()}
	}
	end := func() time.Time {
		if b.VisitAt().Before(dashNow) {
			return b.VisitAt()
		}
		return dashNow
	}
	// The loop fires every timer when it is due.
	runUntil := func(t time.Time) error {
		for {
			due, ok := b.NextDue()
			if !ok || due.After(t) || !due.Before(end()) {
				return nil
			}
			if err := b.FireDue(env(due)); err != nil {
				return err
			}
		}
	}
	receipt := func(typ domain.ReceiptType, at time.Time) error {
		msg := b.Status().MessageID
		if msg == "" || !at.Before(end()) {
			return nil
		}
		if err := runUntil(at); err != nil {
			return err
		}
		return b.ApplyReceipt(domain.Receipt{MessageID: msg, Type: typ, At: at}, env(at))
	}
	summonsAt := bookedAt
	for round := 0; round < 2; round++ { // the summons, and once more after a rebooking
		if err := runUntil(summonsAt); err != nil {
			return nil, err
		}
		st := b.Status()
		if st.MessageID == "" || st.SentAt.IsZero() {
			break
		}
		sent := st.SentAt
		if r.IntN(10) < 9 {
			if err := receipt(domain.ReceiptDelivered, sent.Add(time.Duration(1+r.IntN(120))*time.Minute)); err != nil {
				return nil, err
			}
		}
		if r.IntN(10) >= 7 {
			break // never opened: the fallback letter goes when due
		}
		// Opened: mostly within hours, some after days.
		delay := time.Duration(r.ExpFloat64() * float64(20*time.Hour))
		opened := sent.Add(10*time.Minute + delay)
		if err := receipt(domain.ReceiptOpened, opened); err != nil {
			return nil, err
		}
		switch n := r.IntN(100); {
		case n < 5 && round == 0: // asks to rebook; staff move the visit the next day
			if err := receipt(domain.ReceiptRebookRequested, opened.Add(2*time.Minute)); err != nil {
				return nil, err
			}
			at := opened.Add(24 * time.Hour)
			if b.State() != domain.StateRebookRequested || !at.Before(end()) {
				break
			}
			if err := runUntil(at); err != nil {
				return nil, err
			}
			if err := b.Rebook(b.VisitAt().AddDate(0, 0, 7+r.IntN(14)), at, actor, nil); err != nil {
				return nil, err
			}
			summonsAt = at
			continue
		case n < 8: // asks to cancel; staff cancel the next day
			if err := receipt(domain.ReceiptCancelRequested, opened.Add(2*time.Minute)); err != nil {
				return nil, err
			}
			at := opened.Add(24 * time.Hour)
			if b.State() == domain.StateCancelRequested && at.Before(end()) {
				if err := b.Cancel(at, actor, "patientens önskan"); err != nil {
					return nil, err
				}
			}
		}
		break
	}
	if err := runUntil(end()); err != nil {
		return nil, err
	}
	if !b.State().Final() && b.VisitAt().Before(dashNow) {
		outcome := b.MarkAttended
		if r.IntN(100) < 6 {
			outcome = b.MarkNoShow
		}
		if err := outcome(b.VisitAt().Add(5*time.Minute), actor); err != nil {
			return nil, err
		}
	}
	b.TakeMessages() // the outbox plays no part in the dashboard
	return b, nil
}

// dashBuild writes n bookings booked evenly over the two years before
// dashNow to path.
func dashBuild(b *testing.B, path string, n int) {
	ctx := context.Background()
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ps := dashPatientPool(b)
	if _, err := s.UpsertPatients(ctx, ps, dashNow.AddDate(-2, -1, 0), actor); err != nil {
		b.Fatal(err)
	}
	start := dashNow.AddDate(-2, 0, 0)
	span := dashNow.Sub(start)
	for first := 0; first < n; first += dashBatch {
		err := s.db.Update(func(tx *bolt.Tx) error {
			bookings := tx.Bucket(bucketBookings)
			made := 0
			for i := first; i < min(n, first+dashBatch); i++ {
				seq, err := bookings.NextSequence()
				if err != nil {
					return err
				}
				r := rand.New(rand.NewPCG(uint64(i), 7))
				bookedAt := start.Add(time.Duration(float64(span) * float64(i) / float64(n))).Truncate(time.Minute)
				bk, err := dashHistory(domain.BookingID(seq), ps[r.IntN(len(ps))], r, bookedAt)
				if err != nil {
					return fmt.Errorf("booking %d: %w", seq, err)
				}
				if err := putBooking(tx, bk, nil); err != nil {
					return err
				}
				made++
			}
			meta := tx.Bucket(bucketMeta)
			c, err := bookingCount(meta)
			if err != nil {
				return err
			}
			return putUint64(meta, keyBookingCount, c+uint64(made))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// dashStore opens the cached database of n bookings, building it first.
func dashStore(b *testing.B, n int) *Store {
	b.Helper()
	s, err := Open(dashFile(b, n), Options{noSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// dashFile is the path of the cached database of n bookings, built first
// when it is not there.
func dashFile(b *testing.B, n int) string {
	b.Helper()
	h := fnv.New32a()
	for _, name := range allBuckets {
		h.Write(name)
		h.Write([]byte{0})
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("kallelse-dash-v%d-%08x-g%d-%d.db", currentSchemaVersion, h.Sum32(), dashGenerator, n))
	if _, err := os.Stat(path); err != nil {
		began := time.Now()
		tmp := path + ".building-" + strconv.Itoa(os.Getpid())
		_ = os.Remove(tmp)
		dashBuild(b, tmp, n)
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %s in %v", path, time.Since(began).Round(time.Second))
	}
	return path
}

// dashWeeks are the dashboard's default weeks: the ISO week of now and the
// eleven before it.
func dashWeeks(now time.Time) (from, to string, monday time.Time) {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, domain.Stockholm)
	monday = day.AddDate(0, 0, -((int(day.Weekday())+6)%7)-7*11)
	y, w := monday.ISOWeek()
	from = fmt.Sprintf("%04d-W%02d", y, w)
	y, w = now.ISOWeek()
	return from, fmt.Sprintf("%04d-W%02d", y, w), monday
}

var dashGroup = map[metrics.Group]int{metrics.DigitalOnly: 0, metrics.DigitalPaper: 1, metrics.PaperOnly: 2}

// dashboard is what the dashboard shows: the key figures per examination
// over the last 12 ISO weeks, split by channel group for the no-show rates,
// and the weekly trend, from the week rows (one scan). It returns the rows
// read.
func dashboard(ctx context.Context, s ReportStore, now time.Time) (rows int, byExam map[string]*[3]metrics.Totals, trend map[string]*metrics.Totals, err error) {
	from, to, _ := dashWeeks(now)
	byExam, trend = map[string]*[3]metrics.Totals{}, map[string]*metrics.Totals{}
	err = s.WeekTotals(ctx, from, to, func(k metrics.Key, week string, t metrics.Totals) bool {
		rows++
		e := byExam[k.Exam]
		if e == nil {
			e = &[3]metrics.Totals{}
			byExam[k.Exam] = e
		}
		e[dashGroup[k.Group]].Merge(t)
		tt := trend[week]
		if tt == nil {
			tt = &metrics.Totals{}
			trend[week] = tt
		}
		tt.Merge(t)
		return true
	})
	return rows, byExam, trend, err
}

// dashboardFromDays computes the same from the day rows, as a report over
// any range of dates does.
func dashboardFromDays(ctx context.Context, s ReportStore, now time.Time) (rows int, byExam map[string]*[3]metrics.Totals, trend map[string]*metrics.Totals, err error) {
	_, _, monday := dashWeeks(now)
	byExam, trend = map[string]*[3]metrics.Totals{}, map[string]*metrics.Totals{}
	err = s.Totals(ctx, monday, monday.AddDate(0, 0, 7*12), func(k metrics.Key, t metrics.Totals) bool {
		rows++
		e := byExam[k.Exam]
		if e == nil {
			e = &[3]metrics.Totals{}
			byExam[k.Exam] = e
		}
		e[dashGroup[k.Group]].Merge(t)
		tt := trend[k.Week()]
		if tt == nil {
			tt = &metrics.Totals{}
			trend[k.Week()] = tt
		}
		tt.Merge(t)
		return true
	})
	return rows, byExam, trend, err
}

// BenchmarkDashboard measures opening the dashboard with 10k, 100k and 1M
// bookings stored: week_rows is the dashboard (the last 12 ISO weeks by examination,
// and the weekly trend); day_rows is the same figures read from the day
// rows, as `kallelse report open-rates` over arbitrary dates reads them.
// Compare ns/op across sizes: the rows read are bounded by the weeks (or
// days), examinations, sites, age bands and groups, whatever the bookings,
// and each row has a fixed size (metrics.Histogram has a fixed number of
// buckets).
func BenchmarkDashboard(b *testing.B) {
	type read func(context.Context, ReportStore, time.Time) (int, map[string]*[3]metrics.Totals, map[string]*metrics.Totals, error)
	for _, size := range dashSizes {
		b.Run("bookings="+size.name, func(b *testing.B) {
			if testing.Short() && size.n > 100_000 {
				b.Skip("-short: not building a million bookings")
			}
			ctx := context.Background()
			s := dashStore(b, size.n)
			var want map[string]*metrics.Totals
			for _, how := range []struct {
				name string
				fn   read
			}{{"week_rows", dashboard}, {"day_rows", dashboardFromDays}} {
				b.Run(how.name, func(b *testing.B) {
					// Once untimed: the file was just opened, and the first
					// touch of each page of the mapping costs a fault.
					rows, byExam, trend, err := how.fn(ctx, s, dashNow)
					if err != nil {
						b.Fatal(err)
					}
					var sum metrics.Totals
					for _, t := range trend {
						sum.Merge(*t)
					}
					if len(byExam) != len(testExams) || len(trend) != 12 || sum.Opened == 0 || sum.Fallback == 0 || sum.NoShow == 0 {
						b.Fatalf("dashboard: %d exams, %d weeks, %+v", len(byExam), len(trend), sum)
					}
					if want == nil {
						want = trend
					} else if !reflect.DeepEqual(trend, want) {
						b.Fatalf("%s: the trend differs from the week rows'", how.name)
					}
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if _, _, _, err := how.fn(ctx, s, dashNow); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					b.ReportMetric(float64(rows), "rows/op")
					b.ReportMetric(float64(sum.Summonses), "summonses")
				})
			}
		})
	}
}
