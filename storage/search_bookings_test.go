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
// and finds what SearchPatients and a Bookings call per patient find.
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
	for _, c := range []struct {
		query string
		q     domain.BookingQuery
		rows  int
	}{
		{"and", domain.BookingQuery{}, 300},
		{"and", domain.BookingQuery{}, 8}, // 4 each
		{"and", domain.BookingQuery{}, 2}, // at least 3 each
		{"and", domain.BookingQuery{Exam: examECG.Code}, 300},
		{"1980", domain.BookingQuery{From: t0.Add(100 * time.Hour)}, 300},
		{"asa", domain.BookingQuery{}, 300},
	} {
		before := s.db.Stats().TxN
		got, err := s.SearchBookings(ctx, c.query, 50, c.rows, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.db.Stats().TxN - before; n != 1 {
			t.Errorf("%q: %d read transactions, want 1", c.query, n)
		}
		ps, err := s.SearchPatients(ctx, c.query, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ps) || len(ps) == 0 {
			t.Fatalf("%q: %d patients, SearchPatients finds %d", c.query, len(got), len(ps))
		}
		per := max(3, c.rows/len(ps))
		for i, p := range ps {
			q := c.q
			q.Patient, q.Limit = p.ID(), per
			want, err := s.Bookings(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if got[i].Patient.ID() != p.ID() || !reflect.DeepEqual(ids(got[i].Bookings), ids(want)) {
				t.Errorf("%q %+v: patient %d: %v with %v, want %v with %v", c.query, c.q, i, got[i].Patient.ID(), ids(got[i].Bookings), p.ID(), ids(want))
			}
		}
	}
	if got, err := s.SearchBookings(ctx, "  ", 50, 300, domain.BookingQuery{}); err != nil || len(got) != 0 {
		t.Errorf("empty query: %v, %v", got, err)
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
