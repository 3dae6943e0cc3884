package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// A file rewritten whole (here: migrated to the binary records again) has
// free pages; Compact writes it anew without them, smaller, whole, with the
// same bookings, and refuses a file in use.
func TestCompact_LeavesNoFreePagesAndTheSameData(t *testing.T) {
	path := fillStore(t, true)
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.db.Update(migrateRecords); err != nil { // every booking and patient written again
		t.Fatal(err)
	}
	want := bookingsOf(t, s)
	if s.FreePages() == 0 {
		t.Error("FreePages = 0 after every record was written again")
	}
	used := func(s *Store) (n int64) {
		_ = s.db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
		return n
	}
	usedBefore := used(s)
	if _, err := Compact(ctx, path); !errors.Is(err, ErrDatabaseInUse) {
		t.Fatalf("Compact of a file in use = %v, want ErrDatabaseInUse", err)
	}
	s.Close()

	res, err := Compact(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if res.FreeBefore == 0 || res.BytesAfter > res.BytesBefore || res.Keys == 0 {
		t.Errorf("result %+v: want free pages before, no bigger a file, keys counted", res)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != res.BytesAfter {
		t.Fatalf("file %v, %v", fi, err)
	}
	s, err = Open(path, Options{noSync: true, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := s.FreePages(); n > 2 {
		t.Errorf("%d free pages after compacting", n)
	}
	if u := used(s); u >= usedBefore {
		t.Errorf("%d bytes of pages used after compacting, %d before", u, usedBefore)
	}
	mustCheck(t, s)
	if got := bookingsOf(t, s); !reflect.DeepEqual(got, want) {
		t.Error("the bookings differ after compacting")
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".tmp-*"))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// bookingsOf is every booking's snapshot.
func bookingsOf(t *testing.T, s *Store) []domain.BookingSnapshot {
	t.Helper()
	var out []domain.BookingSnapshot
	bs, err := s.Bookings(context.Background(), domain.BookingQuery{})
	for _, b := range bs {
		out = append(out, b.Snapshot())
	}
	if err != nil || len(out) == 0 {
		t.Fatalf("bookings: %d, %v", len(out), err)
	}
	return out
}
