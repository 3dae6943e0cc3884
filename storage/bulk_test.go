package storage

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// Without BulkLoad, Bulk shares nothing: each change commits on its own,
// and a failed one takes none of those before it with it.
func TestBulk_WithoutBulkLoadEachChangeCommits(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	err := s.Bulk(10, func() error {
		book(t, s, p, examECG, siteRyhov, t0.Add(50*time.Hour))
		if s.bulk.Load() != nil {
			t.Error("a store without BulkLoad shares a transaction")
		}
		_, err := s.CreateBooking(ctx, p.ID(), func(domain.BookingID, []*domain.Booking) (*domain.Booking, error) {
			return builder(p, examECG, siteRyhov, t0.Add(53*time.Hour))(99, nil) // the wrong id
		})
		return err
	})
	if err == nil {
		t.Fatal("the failed change was not reported")
	}
	if n, err := s.CountBookings(ctx); err != nil || n != 1 {
		t.Fatalf("%d bookings, %v; want the one before the failure", n, err)
	}
}

// Inside Bulk the changes share transactions committed every chunk: each
// read sees the writes before it, a change the domain refuses leaves
// nothing (not even a used-up id) and the load goes on, and everything is
// in the file afterwards, consistent.
func TestBulk_SharesTransactionsAndKeepsRefusalsOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulk.db")
	s, err := Open(path, Options{BulkLoad: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var booked []domain.BookingID
	refused := errors.New("overlap")
	err = s.Bulk(3, func() error {
		p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
		for i := range 7 {
			b := book(t, s, p, examECG, siteRyhov, t0.Add(time.Duration(50+i)*time.Hour))
			booked = append(booked, b.ID())
			if got, err := s.Booking(ctx, b.ID()); err != nil || got.ID() != b.ID() {
				t.Fatalf("a read inside the bulk load does not see the write before it: %v, %v", got, err)
			}
			_, err := s.CreateBooking(ctx, p.ID(), func(domain.BookingID, []*domain.Booking) (*domain.Booking, error) { return nil, refused })
			if err != refused {
				t.Fatalf("refused build: %v", err)
			}
			if _, err := s.UpdateBooking(ctx, 999, func(*domain.Booking, []*domain.Booking) error { return nil }); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("update of a missing booking: %v", err)
			}
		}
		// The summonses go: their facts count in the reports.
		now := t0.Add(time.Hour)
		_, _, err := s.FireDue(ctx, now, 1000, nil, func(b *domain.Booking, p domain.Patient) error {
			return b.FireDue(fireEnv(p, examOf(b.Exam()), now))
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range booked {
		if id != domain.BookingID(i+1) {
			t.Fatalf("ids %v: a refused booking used one up", booked)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{BulkLoad: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.CountBookings(ctx); err != nil || n != 7 {
		t.Fatalf("after reopening: %d bookings, %v", n, err)
	}
	// The reports, left out during the load, were computed when it ended:
	// check compares them with a recomputation from the events.
	rows := 0
	_ = s.db.View(func(tx *bolt.Tx) error {
		rows = tx.Bucket(bucketAggDay).Stats().KeyN
		return nil
	})
	if rows == 0 {
		t.Error("no report rows after the bulk load")
	}
	mustCheck(t, s)
}

// A write that fails after it began writing rolls the chunk back and stops
// the load: later calls fail too, and only the chunks committed before are
// in the file.
func TestBulk_AFailedWriteStopsTheLoad(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "bulk.db"), Options{BulkLoad: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	err = s.Bulk(2, func() error {
		book(t, s, p, examECG, siteRyhov, t0.Add(50*time.Hour))
		book(t, s, p, examECG, siteRyhov, t0.Add(51*time.Hour)) // the first chunk commits here
		book(t, s, p, examECG, siteRyhov, t0.Add(52*time.Hour))
		_, err := s.CreateBooking(ctx, p.ID(), func(domain.BookingID, []*domain.Booking) (*domain.Booking, error) {
			return builder(p, examECG, siteRyhov, t0.Add(53*time.Hour))(99, nil) // the wrong id
		})
		if err == nil {
			t.Fatal("a booking with the wrong id was stored")
		}
		if _, err := s.Booking(ctx, 1); err == nil {
			t.Fatal("a read after the failure succeeded")
		}
		return err
	})
	if err == nil {
		t.Fatal("Bulk succeeded after a failed write")
	}
	if n, err := s.CountBookings(ctx); err != nil || n != 2 {
		t.Fatalf("%d bookings stored, %v; want the first chunk's 2", n, err)
	}
	mustCheck(t, s)
}
