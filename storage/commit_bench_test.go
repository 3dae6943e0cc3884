package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// BenchmarkBookingCommit: what does booking an examination cost on top of
// writing its bytes? use_case books through the use case staff use
// (service.Service.Book: the patient read, then one write transaction that
// validates, decides the channels, writes the record and its indexes, the
// events and the aggregates, the timers, the outbox and the access log);
// bare_bbolt writes the same key/value pairs — taken from a booking made
// the same way — into the same buckets of a plain bbolt file, in one
// transaction. Both commit with fsync on (bbolt's default, as the clinic's
// database runs).
//
//	go test ./storage -run XXX -bench BookingCommit -benchtime 300x -count 3
func BenchmarkBookingCommit(b *testing.B) {
	const patients = 2000
	ps := make([]domain.Patient, patients)
	for i := range ps {
		ps[i] = mustPatient(b, mustID(b, pnrString(1940+i%60, 1+i%12, 1+i%28, i/336)), "Anna Andersson")
	}
	cat, err := domain.NewCatalogue(testExams, testSites)
	if err != nil {
		b.Fatal(err)
	}
	newService := func(s *Store) *service.Service {
		return (&service.Service{Store: s, Clock: domain.FixedClock{T: t0}, Catalogue: cat, Parser: domain.DefaultIdentityParser(),
			Schedule: domain.DefaultSchedule(), Clinic: dashClinic}).As(actor)
	}
	// The i-th booking: patient i mod patients, a day of its own for each.
	input := func(i int) service.BookInput {
		return service.BookInput{Patient: ps[i%patients].ID().String(), Exam: testExams[i%len(testExams)].Code,
			Site: testSites[i%len(testSites)].Code, VisitAt: t0.AddDate(0, 0, 7+i/patients).Add(time.Duration(i%8) * time.Hour)}
	}
	open := func(b *testing.B, noSync bool) *Store {
		s, err := Open(filepath.Join(b.TempDir(), "kallelse.db"), Options{noSync: noSync})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		if _, err := s.UpsertPatients(context.Background(), ps, t0, actor); err != nil {
			b.Fatal(err)
		}
		return s
	}

	b.Run("use_case", func(b *testing.B) {
		svc := newService(open(b, false))
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := svc.Book(ctx, input(i)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})

	b.Run("bare_bbolt", func(b *testing.B) {
		// The pairs one booking writes: the file before and after it.
		s := open(b, true)
		for i := range 10 {
			if _, err := newService(s).Book(context.Background(), input(i)); err != nil {
				b.Fatal(err)
			}
		}
		before := benchPairs(b, s.db)
		if _, err := newService(s).Book(context.Background(), input(10)); err != nil {
			b.Fatal(err)
		}
		var writes []benchPair
		size := 0
		for _, p := range benchPairs(b, s.db) {
			if v, ok := before[string(p.bucket)+"\x00"+string(p.key)]; !ok || !bytes.Equal(v.value, p.value) {
				writes = append(writes, p)
				size += len(p.key) + len(p.value)
			}
		}
		db, err := bolt.Open(filepath.Join(b.TempDir(), "bare.db"), 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = db.Close() })
		if err := db.Update(func(tx *bolt.Tx) error {
			for _, p := range writes {
				if _, err := tx.CreateBucketIfNotExists(p.bucket); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		var i uint64
		for b.Loop() {
			i++
			err := db.Update(func(tx *bolt.Tx) error {
				for _, p := range writes {
					// A key of its own each round, the pair's bytes.
					k := binary.BigEndian.AppendUint64(append([]byte(nil), p.key...), i)
					if err := tx.Bucket(p.bucket).Put(k, p.value); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(writes)), "pairs/op")
		b.ReportMetric(float64(size), "bytes/op")
	})
}

// benchPair is one key/value pair of a bucket.
type benchPair struct{ bucket, key, value []byte }

// benchPairs reads every pair of the top-level buckets, by bucket and key.
func benchPairs(b *testing.B, db *bolt.DB) map[string]benchPair {
	out := map[string]benchPair{}
	err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			return bk.ForEach(func(k, v []byte) error {
				if v == nil {
					return nil // a nested bucket
				}
				p := benchPair{bytes.Clone(name), bytes.Clone(k), bytes.Clone(v)}
				out[string(name)+"\x00"+string(k)] = p
				return nil
			})
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}
