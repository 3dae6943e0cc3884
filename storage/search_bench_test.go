package storage

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// The search benchmarks: does a keystroke of the bookings screen's search
// cost the rows it shows, whether 1,000 or 500,000 patients are stored?
// Each patient has one booking; the names are drawn from 24 first names and
// 26 surnames (so "andersson" is one patient in 26, and "an" begins a
// third of all names), the identity numbers from 80 birth years (so "1950"
// is one patient in 80). Each database is built once and kept under
// $TMPDIR as kallelse-search-bench-v<schema>-<layout>-<patients>.db.
//
//	go test ./storage -run XXX -bench SearchKeystroke -benchtime 200x -count 3 -timeout 30m

var (
	benchFirst = []string{"Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Emma", "Kerstin", "Ingrid",
		"Lars", "Anders", "Johan", "Karl", "Per", "Erik", "Nils", "Mikael", "Jan", "Hans", "Peter", "Olof", "Åsa", "Björn"}
	benchSurnames = []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
		"Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg",
		"Jakobsson", "Magnusson", "Lindström", "Åberg", "Öberg", "Ekström", "Sandberg", "Holm", "Bergqvist"}
)

// benchSearchStore opens the search database of n patients, building it
// when it is not in the cache.
func benchSearchStore(b *testing.B, n int) *Store {
	b.Helper()
	h := fnv.New32a()
	for _, name := range allBuckets {
		h.Write(name)
		h.Write([]byte{0})
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("kallelse-search-bench-v%d-%08x-%d.db", currentSchemaVersion, h.Sum32(), n))
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		tmp := path + ".building-" + strconv.Itoa(os.Getpid())
		_ = os.Remove(tmp)
		benchSearchBuild(b, tmp, n)
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %s in %v", path, time.Since(start).Round(time.Millisecond))
	}
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

func benchSearchBuild(b *testing.B, path string, n int) {
	ctx := context.Background()
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const chunk = 20000
	for start := 0; start < n; start += chunk {
		var ps []domain.Patient
		for i := start; i < min(n, start+chunk); i++ {
			id := mustID(b, pnrString(1930+i%80, 1+(i/80)%12, 1+(i/960)%28, (i/26880)%1000))
			ps = append(ps, mustPatient(b, id, benchFirst[i%len(benchFirst)]+" "+benchSurnames[(i/len(benchFirst))%len(benchSurnames)]))
		}
		if _, err := s.UpsertPatients(ctx, ps, t0, actor); err != nil {
			b.Fatal(err)
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i, p := range ps {
				seq, err := tx.Bucket(bucketBookings).NextSequence()
				if err != nil {
					return err
				}
				bk, err := domain.NewBooking(domain.BookingRequest{ID: domain.BookingID(seq), Patient: p, Exam: examECG, Site: siteRyhov,
					VisitAt: t0.AddDate(0, 0, 3+(start+i)%300).Add(time.Duration(i%16) * 30 * time.Minute), Now: t0, Actor: actor})
				if err != nil {
					return err
				}
				if err := putBooking(tx, bk, nil); err != nil {
					return err
				}
			}
			meta := tx.Bucket(bucketMeta)
			c, err := bookingCount(meta)
			if err != nil {
				return err
			}
			return putUint64(meta, keyBookingCount, c+uint64(len(ps)))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchKeystroke is one keystroke of the bookings screen's search
// (50 patients, a screenful of 40 rows around a day, one read transaction),
// with 1,000 and 500,000 patients stored. Compare ns/op across sizes for
// the name queries (50 patients found at both sizes); a birth date or year
// finds fewer patients among 1,000, so compare ns/row for those.
func BenchmarkSearchKeystroke(b *testing.B) {
	queries := []struct{ name, q string }{
		{"surname", "andersson"},
		{"common_prefix", "an"},
		{"two_words", "an ander"},
		{"birth_date", "19500101"},
		{"birth_year", "1950"},
	}
	for _, n := range []int{1_000, 500_000} {
		b.Run(fmt.Sprintf("patients=%d", n), func(b *testing.B) {
			s := benchSearchStore(b, n)
			ctx := context.Background()
			for _, q := range queries {
				b.Run(q.name+"/one_tx", func(b *testing.B) {
					b.ReportAllocs()
					rows := 0
					for i := 0; i < b.N; i++ {
						got, err := s.SearchBookings(ctx, q.q, 50, t0.AddDate(0, 0, 150), domain.BookingQuery{Limit: 40})
						if err != nil || len(got) == 0 {
							b.Fatalf("%q: %d rows, %v", q.q, len(got), err)
						}
						rows = len(got)
					}
					b.ReportMetric(float64(rows), "rows/op")
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(max(rows, 1)), "ns/row")
				})
			}
		})
	}
}
