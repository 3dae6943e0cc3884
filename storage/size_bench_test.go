package storage

import (
	"context"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/kallelse/kallelse/domain"
)

// The benchmarks of what should cost the same with ten thousand and with a
// million bookings stored: the patient detail page and opening the file.
// Both read the dashboard's databases (aggregates_bench_test.go: two years
// of bookings with their whole histories, made by the domain's own flows).
// The million is built, and measured, only with KALLELSE_BENCH_1M=1 (its
// first build takes minutes and some GB under $TMPDIR, kept for later runs).
//
//	KALLELSE_BENCH_1M=1 go test ./storage -run XXX -bench 'PatientDetail|OpenDatabase' -count 3 -timeout 60m

// sizeBenchSizes are the sizes compared: 10k always, 1M when asked for.
func sizeBenchSizes(b *testing.B) []int {
	sizes := []int{10_000}
	if os.Getenv("KALLELSE_BENCH_1M") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	return sizes
}

func sizeName(n int) string {
	if n >= 1_000_000 {
		return "1M"
	}
	return "10k"
}

// BenchmarkPatientDetail reads what the detail page shows
// (service.RefreshDetail): a booking, its patient and its events, each
// through the Store, for bookings spread evenly over the file. The bookings
// are read once untimed first (the first touch of each page of the mapping
// costs a fault), so the measured reads are those of a running TUI.
func BenchmarkPatientDetail(b *testing.B) {
	for _, n := range sizeBenchSizes(b) {
		b.Run("bookings="+sizeName(n), func(b *testing.B) {
			s := dashStore(b, n)
			ctx := context.Background()
			const spread = 1000
			ids := make([]domain.BookingID, spread)
			for i := range ids {
				ids[i] = domain.BookingID(1 + i*(n/spread))
			}
			events := 0
			detail := func(id domain.BookingID) {
				bk, err := s.Booking(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Patient(ctx, bk.Patient()); err != nil {
					b.Fatal(err)
				}
				evs, err := s.BookingEvents(ctx, id)
				if err != nil || len(evs) == 0 {
					b.Fatalf("events of %s: %d, %v", id, len(evs), err)
				}
				events += len(evs)
			}
			for _, id := range ids {
				detail(id)
			}
			events = 0
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				detail(ids[i%spread])
				i++
			}
			b.ReportMetric(float64(events)/float64(i), "events/op")
		})
	}
}

// BenchmarkOpenDatabase opens the file as the CLI does (storage.Open: the
// file's header checked, bbolt's mapping, the list of buckets walked, the
// schema version read and the buckets checked, the database id) and closes
// it: the file as built, whose free list holds its last batches' pages, and
// the same file compacted (kallelse compact), whose free list is empty, as
// a file changed one booking at a time keeps it short. Opening reads the
// free list: free-pages/op says how long it is.
func BenchmarkOpenDatabase(b *testing.B) {
	for _, n := range sizeBenchSizes(b) {
		for _, form := range []string{"as_built", "compacted"} {
			b.Run("bookings="+sizeName(n)+"/"+form, func(b *testing.B) {
				path := dashFile(b, n)
				if form == "compacted" {
					path = compactedCopy(b, path)
				}
				s, err := Open(path, Options{MustExist: true})
				if err != nil {
					b.Fatal(err)
				}
				free := s.db.Stats().FreePageN
				s.Close()
				b.ReportAllocs()
				for b.Loop() {
					s, err := Open(path, Options{MustExist: true})
					if err != nil {
						b.Fatal(err)
					}
					if err := s.Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(free), "free-pages/op")
			})
		}
	}
}

// compactedCopy is path compacted, kept beside it for later runs.
func compactedCopy(b *testing.B, path string) string {
	b.Helper()
	out := path + ".compacted"
	if _, err := os.Stat(out); err == nil {
		return out
	}
	tmp := out + ".building-" + strconv.Itoa(os.Getpid())
	in, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(f, in); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	if _, err := Compact(context.Background(), tmp); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, out); err != nil {
		b.Fatal(err)
	}
	return out
}
