package storage

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// Migration 11 computes each booking's ledger from its events, in a file of
// the previous schema (version 10) which has none: the ledgers are those the
// event writes kept, and an event written after the migration folds into
// them.
func TestMigration_V10ToCurrentComputesLedgers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kallelse.db")
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ids := knownHistory(t, s)
	want := storedAggregates(t, s)
	if len(want[string(bucketAggBooking)]) == 0 {
		t.Fatal("the history made no ledger")
	}
	s.Close()

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketAggBooking); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(10))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(); err != nil || v != currentSchemaVersion || v != 18 {
		t.Fatalf("version = %d, %v; want 18", v, err)
	}
	if got := storedAggregates(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("migrated:\n%v\nwant\n%v", got, want)
	}
	mustCheck(t, s)
	// An event after the migration: a booking's visit marked missed.
	marked := false
	var sorted []domain.BookingID
	for _, id := range ids {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)
	for _, id := range sorted {
		if _, err := s.UpdateBooking(context.Background(), id, func(b *domain.Booking, _ []*domain.Booking) error {
			return b.MarkNoShow(b.VisitAt().Add(time.Hour), actor)
		}); err == nil {
			marked = true
			break
		}
	}
	if !marked {
		t.Fatal("no booking could be marked missed")
	}
	if err := aggregateDiff(s); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, s)
}

// isoWeekOf, the aggregates' quick week of a day, is the week metrics.Key
// names for every day of years with 52 and 53 weeks, across the turn of
// the year and daylight saving.
func TestISOWeekOf_IsKeyWeek(t *testing.T) {
	for d := time.Date(2019, 12, 1, 0, 0, 0, 0, domain.Stockholm); d.Year() < 2032; d = d.AddDate(0, 0, 1) {
		day := d.Format("2006-01-02")
		if got, want := isoWeekOf(day), (metrics.Key{Day: day}).Week(); got != want {
			t.Fatalf("isoWeekOf(%s) = %q, Key.Week = %q", day, got, want)
		}
	}
	for _, bad := range []string{"", "2026-13-01", "2026-02-30", "2026-1-01", "20x6-01-01"} {
		if got := isoWeekOf(bad); got != "" {
			t.Errorf("isoWeekOf(%q) = %q", bad, got)
		}
	}
}
