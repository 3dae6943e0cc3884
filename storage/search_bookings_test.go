package storage

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// A keystroke of the bookings screen's search is one read transaction,
// and shows the bookings of the patients SearchPatients finds: the window
// around a day, made up with earlier ones, or a page. (The model test
// compares every answer with the slow way.)
func TestSearchBookings_OneReadTransaction(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	anders := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anders Öberg")
	karin := addPatient(t, s, pnrString(1966, 2, 3, 456), "Karin Andersson")
	addPatient(t, s, pnrString(1971, 7, 7, 789), "Åsa Lind")
	for i := range 5 {
		book(t, s, anders, testExams[i%3], siteRyhov, t0.Add(time.Duration(50+24*i)*time.Hour))
		book(t, s, karin, testExams[i%3], siteRyhov, t0.Add(time.Duration(60+24*i)*time.Hour))
	}
	day := t0.Add(100 * time.Hour)
	for _, c := range []struct {
		query string
		at    time.Time
		q     domain.BookingQuery
		want  int // rows
	}{
		{"and", time.Time{}, domain.BookingQuery{}, 10},
		{"and", day, domain.BookingQuery{Limit: 4}, 4},
		{"and", day, domain.BookingQuery{Limit: 8}, 8},                               // 6 from the day on, 2 before
		{"and", time.Time{}, domain.BookingQuery{Exam: testExams[0].Code}, 4},        // bookings 0 and 3 of each
		{"1980", time.Time{}, domain.BookingQuery{From: t0.Add(100 * time.Hour)}, 2}, // at 122 and 146 h
		{"asa", day, domain.BookingQuery{}, 0},
	} {
		before := s.db.Stats().TxN
		got, err := s.SearchBookings(ctx, c.query, 50, c.at, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.db.Stats().TxN - before; n != 1 {
			t.Errorf("%q: %d read transactions, want 1", c.query, n)
		}
		if len(got) != c.want {
			t.Errorf("%q at %v %+v: %d rows, want %d", c.query, c.at, c.q, len(got), c.want)
		}
		for i, r := range got {
			if r.Patient.ID() != r.Booking.Patient() || !r.Booking.VisitAt().After(t0) {
				t.Errorf("%q row %d: booking of %s with patient %s", c.query, i, r.Booking.Patient(), r.Patient.ID())
			}
			if i > 0 && r.Booking.VisitAt().Before(got[i-1].Booking.VisitAt()) {
				t.Errorf("%q: row %d before row %d", c.query, i, i-1)
			}
		}
	}
	if got, err := s.SearchBookings(ctx, "  ", 50, day, domain.BookingQuery{}); err != nil || len(got) != 0 {
		t.Errorf("empty query: %v, %v", got, err)
	}
	if _, err := s.SearchBookings(ctx, "and", 50, day, domain.BookingQuery{Limit: -1}); err == nil {
		t.Error("a negative limit is taken")
	}
}

// Names that fold alike are ordered by the name as written, even where
// the limit cuts between them.
func TestSearchPatients_NamesThatFoldAlike(t *testing.T) {
	s := openTest(t)
	addPatient(t, s, pnrString(1950, 1, 1, 111), "Åsa Berg") // the smaller id
	addPatient(t, s, pnrString(1960, 1, 1, 222), "Asa Berg")
	for limit, want := range map[int][]string{1: {"Asa Berg"}, 2: {"Asa Berg", "Åsa Berg"}} {
		got, err := s.SearchPatients(context.Background(), "berg", limit)
		if err != nil || !reflect.DeepEqual(names(got), want) {
			t.Errorf("SearchPatients(berg, %d) = %q, %v; want %q", limit, names(got), err, want)
		}
	}
}

// Migration 10 writes the folded names into the name index of a version 9
// file, whose entries are empty.
func TestMigration10_NameIndexHoldsFoldedNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	addPatient(t, s, pnrString(1980, 5, 17, 123), "Anders Öberg")
	addPatient(t, s, pnrString(1966, 2, 3, 456), "Karin Andersson")
	if err := s.db.Update(func(tx *bolt.Tx) error {
		names := tx.Bucket(bucketIdxPatientName)
		var keys [][]byte
		_ = names.ForEach(func(k, _ []byte) error { keys = append(keys, append([]byte(nil), k...)); return nil })
		for _, k := range keys {
			if err := names.Put(k, []byte{}); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(9))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(); v != currentSchemaVersion {
		t.Fatalf("version %d after migrating", v)
	}
	got, err := s.SearchPatients(context.Background(), "and ka", 10)
	if err != nil || !reflect.DeepEqual(names(got), []string{"Karin Andersson"}) {
		t.Fatalf("search after migration: %q, %v", names(got), err)
	}
	mustCheck(t, s)
}
