package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/tui/internal/tuitest"

	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/adapters/config"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

// benchDB builds (or reuses, from the temp directory) a database with n
// bookings spread over two years around tuitest.Now, for the list benchmarks.
func benchDB(b *testing.B, n int) *tuitest.Env {
	b.Helper()
	cfg, err := config.Load(config.Source{})
	if err != nil {
		b.Fatal(err)
	}
	path := benchPath(n)
	ctx := context.Background()
	// The keys are measured on the file as the clinic opens it (fsync on,
	// bbolt's array free list), never with the build's bulk-load settings.
	open := func(opts storage.Options) (*storage.Store, *service.Service) {
		st, err := storage.Open(path, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		return st, (&service.Service{Store: st, Clock: domain.FixedClock{T: tuitest.Now}, Catalogue: cfg.Catalogue(),
			Parser: cfg.IdentityParser(), Policy: cfg.PolicyOptions(), Clinic: cfg.ClinicInfo(),
			Schedule: cfg.DomainSchedule()}).As("bench")
	}
	if _, statErr := os.Stat(path); statErr == nil {
		st, svc := open(storage.Options{})
		if have, _ := st.CountBookings(ctx); have == n || path == os.Getenv("KALLELSE_BENCH_DB") && have > 0 {
			// Built before, or given (never added to). The access entries of
			// earlier runs are folded, as the loop would have done.
			if _, err := st.FoldAccessLog(ctx); err != nil {
				b.Fatal(err)
			}
			return &tuitest.Env{St: st, Svc: svc}
		}
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
	}
	st, _ := open(storage.Options{BulkLoad: true})
	b.Logf("building %d bookings in %s (kept for later runs)", n, path)
	r := rand.New(rand.NewPCG(1, 2))
	patients := max(100, n/100)
	var ps []domain.Patient
	for i := 0; len(ps) < patients; i++ {
		y, d := 1930+r.IntN(80), 1+r.IntN(365)
		birth := time.Date(y, 1, 1, 0, 0, 0, 0, domain.Stockholm).AddDate(0, 0, d)
		nine := fmt.Sprintf("%02d%02d%02d%03d", birth.Year()%100, int(birth.Month()), birth.Day(), r.IntN(1000))
		id, err := cfg.IdentityParser().Parse(fmt.Sprintf("%04d%s%d", birth.Year(), nine[2:], domain.LuhnCheckDigit(nine)), tuitest.Now)
		if err != nil {
			continue
		}
		p, err := domain.NewPatient(domain.PatientInput{ID: id, Name: fmt.Sprintf("Patient %d Testsson", i),
			Has1177Account: r.IntN(10) < 9, NotificationsEnabled: false})
		if err != nil {
			b.Fatal(err)
		}
		ps = append(ps, p)
	}
	for i := 0; i < len(ps); i += 5000 {
		if _, err := st.UpsertPatients(ctx, ps[i:min(i+5000, len(ps))], tuitest.Now.AddDate(-1, 0, 0), "bench"); err != nil {
			b.Fatal(err)
		}
	}
	exams, sites := cfg.Catalogue().Exams(), cfg.Catalogue().Sites()
	span := int64(2 * 365 * 24 * time.Hour / (15 * time.Minute))
	for i := 0; i < n; i++ {
		p := ps[i%len(ps)]
		visit := tuitest.Now.AddDate(-1, 0, 0).Add(time.Duration(r.Int64N(span)) * 15 * time.Minute)
		_, err := st.CreateBooking(ctx, p.ID(), func(id domain.BookingID, existing []*domain.Booking) (*domain.Booking, error) {
			return domain.NewBooking(domain.BookingRequest{ID: id, Patient: p, Exam: exams[r.IntN(len(exams))],
				Site: sites[r.IntN(len(sites))], VisitAt: visit, Now: visit.Add(-time.Hour), Actor: "bench"})
		})
		if err != nil && !isRefusal(err) {
			b.Fatal(err)
		}
		if err != nil {
			n++ // an overlap: make another
		}
	}
	if err := st.Sync(); err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	st, svc := open(storage.Options{})
	return &tuitest.Env{St: st, Svc: svc}
}

// benchPath is where the database of n bookings is kept between runs; for
// a million, KALLELSE_BENCH_DB may name one already built (kallelse demo).
func benchPath(n int) string {
	if p := os.Getenv("KALLELSE_BENCH_DB"); p != "" && n >= 1_000_000 {
		return p
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("kallelse-tui-bench-%d.db", n))
}

// BenchmarkOpenFirstScreen measures starting the TUI on a database:
// opening the file (its checks and migrations), the first load of the
// bookings list and status line, and drawing the first screen. It must not
// grow with the bookings stored.
func BenchmarkOpenFirstScreen(b *testing.B) {
	cfg, err := config.Load(config.Source{})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			if n > 10_000 && os.Getenv("KALLELSE_BENCH_1M") == "" {
				b.Skip("set KALLELSE_BENCH_1M=1 to build and use a million bookings")
			}
			benchDB(b, n).St.Close() // built once, closed: each round opens it
			path := benchPath(n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				st, err := storage.Open(path, storage.Options{MustExist: true})
				if err != nil {
					b.Fatal(err)
				}
				svc := (&service.Service{Store: st, Clock: domain.FixedClock{T: tuitest.Now}, Catalogue: cfg.Catalogue(),
					Parser: cfg.IdentityParser(), Policy: cfg.PolicyOptions(), Clinic: cfg.ClinicInfo(),
					Schedule: cfg.DomainSchedule()}).As("bench")
				c := common.NewCommon(context.Background(), common.Backend{Service: svc, Store: svc.Reader()}, i18n.Swedish, lipgloss.NewRenderer(io.Discard))
				c.Width, c.Height = 120, 40
				m := ktStart(b, c)
				if v := m.View(); !strings.Contains(v, "Bokningar") {
					b.Fatalf("first screen:\n%s", v)
				}
				if err := st.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func isRefusal(err error) bool {
	return err != nil && (errors.Is(err, domain.ErrOverlap) || errors.Is(err, domain.ErrVisitInPast))
}

// BenchmarkBookingsView measures what a secretary feels: a key press on the
// bookings screen, the storage read it causes, and the redraw. The cost must
// not grow with the number of bookings stored.
func BenchmarkBookingsView(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 1_000_000} {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			if n > 10_000 && os.Getenv("KALLELSE_BENCH_1M") == "" {
				b.Skip("set KALLELSE_BENCH_1M=1 to build and use a million bookings")
			}
			e := benchDB(b, n)
			c := common.NewCommon(context.Background(), common.Backend{Service: e.Svc, Store: e.St}, i18n.Swedish, lipgloss.NewRenderer(io.Discard))
			c.Width, c.Height = 120, 40
			m := ktStart(b, c)
			b.Run("scroll", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					key := "pgdown"
					if i/50%2 == 1 {
						key = "pgup"
					}
					tuitest.Keys(b, m, key)
					_ = m.View()
				}
			})
			b.Run("step", func(b *testing.B) {
				// The commonest key: the cursor a row down or up.
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					key := "down"
					if i%2 == 1 {
						key = "up"
					}
					tuitest.Keys(b, m, key)
					_ = m.View()
				}
			})
			b.Run("filter", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					// One keystroke in the filter bar: the next examination, applied.
					tuitest.Keys(b, m, "f", "right", "enter")
					_ = m.View()
				}
			})
			// A secretary types a birth date: a handful of patients match.
			ps, err := e.St.Patients(context.Background(), "", 20)
			if err != nil || len(ps) < 20 {
				b.Fatalf("patients: %v", err)
			}
			date := ps[19].ID().Canonical()[:8]
			b.Run("search", func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					keys := append([]string{"/"}, strings.Split(date, "")...)
					tuitest.Keys(b, m, append(keys, "esc")...)
					_ = m.View()
				}
			})
		})
	}
}
