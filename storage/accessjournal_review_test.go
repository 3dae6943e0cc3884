package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kallelse/kallelse/domain"
)

// A database moved (or reached by another path) after a crash does not see
// the journal the crash left; opened where it was again, that journal holds
// numbers the meantime folded for other entries. Its entries were never
// folded: they must go into the log, not be taken for folded.
func TestAccessJournal_AJournalLeftBehindIsNotTakenForFolded(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := pnrString(1950, 1, 2, 345)
	if err := s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, "anna", p, t0, domain.AccessList)}); err != nil {
		t.Fatal(err)
	}
	image := crashImage(t, s, journalBytes(t, s))
	moved := filepath.Join(t.TempDir(), "moved.db")
	if err := os.Rename(image, moved); err != nil { // the file alone, as `mv` after a crash moves it
		t.Fatal(err)
	}
	m, err := Open(moved, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, "bo", p, t0, domain.AccessList)}); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(moved, image); err != nil { // back beside its journal
		t.Fatal(err)
	}
	c := openCrashed(t, image)
	got := usersOf(collectAccess(t, c, domain.AccessQuery{}))
	slices.Sort(got)
	if !slices.Equal(got, []string{"anna", "bo"}) {
		t.Fatalf("the log: %v, want anna (in the journal left behind) and bo", got)
	}
}

// A damaged record whose number cannot be told (no whole record beside it)
// is folded once: a crash after the fold committed, before the journal was
// removed, does not put it into the log a second time.
func TestAccessJournal_AnUnnumberedDamagedRecordIsFoldedOnce(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := pnrString(1950, 1, 2, 345)
	var ends []int
	for i := range 2 {
		if err := s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, fmt.Sprint("u", i), p, t0, domain.AccessList)}); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, len(journalBytes(t, s)))
	}
	j := journalBytes(t, s)
	j[20] ^= 0x55     // the first record's body
	j[ends[0]] = 0xff // and the second's length: nothing after it framed
	image := crashImage(t, s, j)
	c, err := Open(image, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.AccessUnreadable(ctx); err != nil || n != 1 {
		t.Fatalf("unreadable %d, %v; want 1", n, err)
	}
	// A crash after that fold committed, before the journal went.
	again := crashImage(t, c, j)
	_ = c.Close()
	d := openCrashed(t, again)
	if n, err := d.AccessUnreadable(ctx); err != nil || n != 1 {
		t.Fatalf("after a fold cut short: unreadable %d, %v; want still 1 (folded twice)", n, err)
	}
	// The image's folder holds what the second Open kept aside: the end
	// the first fold kept aside already is not kept a second time.
	if aside, err := d.journal.damagedJournals(); err != nil || len(aside) != 0 {
		t.Fatalf("kept aside again: %v, %v", aside, err)
	}
}
