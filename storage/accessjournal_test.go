package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// crashImage copies the database and its access journal as a machine that
// stopped now would leave them (a test's store commits without fsync, but
// the page cache holds what was written), into a folder of their own.
func crashImage(t *testing.T, s *Store, journal []byte) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "crashed.db")
	db, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, db, 0o600); err != nil {
		t.Fatal(err)
	}
	if journal != nil {
		if err := os.WriteFile(AccessJournalPath(dst), journal, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func journalBytes(t *testing.T, s *Store) []byte {
	t.Helper()
	b, err := os.ReadFile(AccessJournalPath(s.Path()))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openCrashed(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatalf("Open after the crash: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func usersOf(es []domain.AccessEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.User
	}
	return out
}

// A read is logged in the journal before LogAccess returns (nothing in
// bbolt yet), and a crash then keeps it: the next Open folds it into the
// log, whole, before anything is shown.
func TestAccessJournal_AReadLoggedSurvivesACrash(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := pnrString(1950, 1, 2, 345)
	want := accessEntry(t, "anna", p, t0, domain.AccessViewPatient)
	if err := s.LogAccess(ctx, []domain.AccessEntry{want}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(AccessJournalPath(s.Path()))
	if err != nil {
		t.Fatalf("no journal after a logged read: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode %v, want 0600: it names patients", fi.Mode().Perm())
	}
	image := crashImage(t, s, journalBytes(t, s))
	c := openCrashed(t, image)
	got := collectAccess(t, c, domain.AccessQuery{Patient: mustID(t, p)})
	if len(got) != 1 {
		t.Fatalf("after the crash: %d entries, want the one logged", len(got))
	}
	want.Seq = got[0].Seq
	if got[0] != want {
		t.Fatalf("after the crash:\n got %+v\nwant %+v", got[0], want)
	}
	if _, err := os.Stat(AccessJournalPath(image)); err == nil {
		t.Fatal("the journal a crash left is still there after Open folded it")
	}
}

// A crash half way through an append leaves part of a record: that read
// was never shown (LogAccess had not returned), so it is dropped, and the
// whole records before it are folded.
func TestAccessJournal_AnAppendCutShortIsDropped(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := pnrString(1950, 1, 2, 345)
	for _, u := range []string{"anna", "bo"} {
		if err := s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, u, p, t0, domain.AccessList)}); err != nil {
			t.Fatal(err)
		}
	}
	whole := journalBytes(t, s)
	if err := s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, "cecilia", p, t0, domain.AccessList)}); err != nil {
		t.Fatal(err)
	}
	third := journalBytes(t, s)[len(whole):]
	for _, cut := range []struct {
		name string
		tail []byte
	}{
		{"in the header", third[:5]},
		{"in the body", third[:len(third)-3]},
		{"zeros where the body was", append(append([]byte(nil), third[:8]...), make([]byte, len(third)-8)...)},
		{"zeros", make([]byte, len(third))},
	} {
		t.Run(cut.name, func(t *testing.T) {
			c := openCrashed(t, crashImage(t, s, append(append([]byte(nil), whole...), cut.tail...)))
			if got := usersOf(collectAccess(t, c, domain.AccessQuery{})); !slices.Equal(got, []string{"anna", "bo"}) {
				t.Fatalf("after the crash: %v, want anna and bo", got)
			}
			if rep, err := c.Check(ctx); err != nil || !rep.OK() {
				t.Fatalf("check after the crash: %+v, %v", rep.Problems, err)
			}
			if err := c.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, "david", p, t0, domain.AccessList)}); err != nil {
				t.Fatal(err)
			}
			if got := usersOf(collectAccess(t, c, domain.AccessQuery{})); !slices.Equal(got, []string{"anna", "bo", "david"}) {
				t.Fatalf("an append after the crash: %v", got)
			}
		})
	}
}

// A crash after a fold committed, before it emptied the journal, leaves
// entries both in the log and in the journal: the next Open folds none of
// them twice, and the next appends number on.
func TestAccessJournal_AFoldCutShortFoldsNothingTwice(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := pnrString(1950, 1, 2, 345)
	for i := range 3 {
		if err := s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, fmt.Sprint("u", i), p, t0, domain.AccessList)}); err != nil {
			t.Fatal(err)
		}
	}
	before := journalBytes(t, s)
	if n, err := s.FoldAccessLog(ctx); err != nil || n < 3 {
		t.Fatalf("fold: %d, %v", n, err)
	}
	if b, _ := os.ReadFile(AccessJournalPath(s.Path())); len(b) != 0 {
		t.Fatalf("the journal holds %d bytes after a fold, want none", len(b))
	}
	c := openCrashed(t, crashImage(t, s, before))
	if got := usersOf(collectAccess(t, c, domain.AccessQuery{})); !slices.Equal(got, []string{"u0", "u1", "u2"}) {
		t.Fatalf("after a fold cut short: %v, want each entry once", got)
	}
	if err := c.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, "u3", p, t0, domain.AccessList)}); err != nil {
		t.Fatal(err)
	}
	if got := usersOf(collectAccess(t, c, domain.AccessQuery{})); !slices.Equal(got, []string{"u0", "u1", "u2", "u3"}) {
		t.Fatalf("an append after it: %v, want it folded too (a J past the folded ones)", got)
	}
	if n, err := c.AccessUnreadable(ctx); err != nil || n != 0 {
		t.Fatalf("unreadable %d, %v", n, err)
	}
}

// A record damaged between whole ones (a bad disk, not a crash) goes into
// the log as a damaged entry, which check and an extract name; the entries
// around it are read. A journal whose framing cannot be followed has its
// rest kept aside, whole, and check names that file.
func TestAccessJournal_ADamagedJournalLosesNothingSilently(t *testing.T) {
	ctx := context.Background()
	p := pnrString(1950, 1, 2, 345)
	logged := func(t *testing.T) (*Store, []byte, []int) {
		s := openTest(t)
		var ends []int
		for i := range 3 {
			if err := s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, fmt.Sprint("u", i), p, t0, domain.AccessList)}); err != nil {
				t.Fatal(err)
			}
			ends = append(ends, len(journalBytes(t, s)))
		}
		return s, journalBytes(t, s), ends
	}
	t.Run("a record's bytes", func(t *testing.T) {
		s, j, ends := logged(t)
		j[ends[0]+20] ^= 0x55 // in the second record's body
		c := openCrashed(t, crashImage(t, s, j))
		if got := usersOf(collectAccess(t, c, domain.AccessQuery{})); !slices.Equal(got, []string{"u0", "u2"}) {
			t.Fatalf("around a damaged record: %v, want u0 and u2", got)
		}
		if n, err := c.AccessUnreadable(ctx); err != nil || n != 1 {
			t.Fatalf("unreadable %d, %v: an extract must say it leaves one out", n, err)
		}
		rep, err := c.Check(ctx)
		if err != nil || rep.OK() {
			t.Fatalf("check found nothing wrong (%v)", err)
		}
	})
	t.Run("a record's length", func(t *testing.T) {
		s, j, ends := logged(t)
		j[ends[0]] = 0xff // the second record's length: nothing after it can be framed
		image := crashImage(t, s, j)
		c := openCrashed(t, image)
		if got := usersOf(collectAccess(t, c, domain.AccessQuery{})); !slices.Equal(got, []string{"u0"}) {
			t.Fatalf("before the damage: %v, want u0", got)
		}
		aside, err := c.journal.damagedJournals()
		if err != nil || len(aside) != 1 {
			t.Fatalf("kept aside: %v, %v; want one file", aside, err)
		}
		kept, err := os.ReadFile(aside[0])
		if err != nil || string(kept) != string(j[ends[0]:]) {
			t.Fatalf("kept aside %d bytes (%v), want the %d from the damage on", len(kept), err, len(j)-ends[0])
		}
		if fi, _ := os.Stat(aside[0]); fi.Mode().Perm() != 0o600 {
			t.Fatalf("kept aside with mode %v, want 0600", fi.Mode().Perm())
		}
		rep, err := c.Check(ctx)
		if err != nil || rep.OK() || !strings.Contains(fmt.Sprint(rep.Problems), filepath.Base(aside[0])) {
			t.Fatalf("check does not name the file kept aside: %+v (%v)", rep.Problems, err)
		}
	})
}

// A store closed cleanly folds its journal and leaves none beside it: a
// copy of the file is the whole log.
func TestAccessJournal_CloseLeavesNone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kallelse.db")
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	p := pnrString(1950, 1, 2, 345)
	if err := s.LogAccess(context.Background(), []domain.AccessEntry{accessEntry(t, "anna", p, t0, domain.AccessList)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(AccessJournalPath(path)); err == nil {
		t.Fatal("a journal is left beside a database closed cleanly")
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(copyPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	c := openCrashed(t, copyPath)
	if got := usersOf(collectAccess(t, c, domain.AccessQuery{})); !slices.Equal(got, []string{"anna"}) {
		t.Fatalf("the copy's log: %v", got)
	}
	// Opened again, the journal numbers on past what was folded: what a
	// crash leaves then is folded too, not taken for folded.
	if err := c.LogAccess(context.Background(), []domain.AccessEntry{accessEntry(t, "bo", p, t0.Add(time.Minute), domain.AccessList)}); err != nil {
		t.Fatal(err)
	}
	d := openCrashed(t, crashImage(t, c, journalBytes(t, c)))
	if got := usersOf(collectAccess(t, d, domain.AccessQuery{})); !slices.Equal(got, []string{"anna", "bo"}) {
		t.Fatalf("a crash after reopening: %v, want anna and bo", got)
	}
}

// An append that fails logs nothing, and the next is logged: in the
// journal when what reached it could be taken back, in bbolt when not.
func TestAccessJournal_AFailedAppendIsTakenBack(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := pnrString(1950, 1, 2, 345)
	if err := s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, "anna", p, t0, domain.AccessList)}); err != nil {
		t.Fatal(err)
	}
	// The file closed under the journal: the write fails, and so does
	// taking it back.
	s.journal.mu.Lock()
	_ = s.journal.f.Close()
	s.journal.mu.Unlock()
	if err := s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, "bo", p, t0, domain.AccessList)}); err == nil {
		t.Fatal("an append to a closed journal succeeded: the data would be shown unlogged")
	}
	if err := s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, "cecilia", p, t0.Add(time.Minute), domain.AccessList)}); err != nil {
		t.Fatalf("the append after a failed one: %v", err)
	}
	if got := usersOf(collectAccess(t, s, domain.AccessQuery{})); !slices.Equal(got, []string{"anna", "cecilia"}) {
		t.Fatalf("logged: %v, want anna and cecilia (bo's append failed)", got)
	}
}

// An entry that cannot be attributed is refused before it reaches the
// journal, as in bbolt.
func TestAccessJournal_RefusesAnUnattributedEntry(t *testing.T) {
	s := openTest(t)
	e := accessEntry(t, "", pnrString(1950, 1, 2, 345), t0, domain.AccessList)
	if err := s.LogAccess(context.Background(), []domain.AccessEntry{e}); err == nil {
		t.Fatal("an entry without a user was logged")
	}
	if _, err := os.Stat(AccessJournalPath(s.Path())); err == nil {
		if b := journalBytes(t, s); len(b) != 0 {
			t.Fatalf("the refused entry reached the journal (%d bytes)", len(b))
		}
	}
}

// Terminals append while the loop folds and an auditor reads: every entry
// is logged once, under its own sequence number.
func TestAccessJournal_AppendsAndFoldsSideBySide(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := pnrString(1950, 1, 2, 345)
	const writers, each = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	done := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				e := accessEntry(t, fmt.Sprintf("w%d-%03d", w, i), p, t0.Add(time.Duration(i)*time.Second), domain.AccessList)
				if err := s.LogAccess(ctx, []domain.AccessEntry{e, e}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	folder := make(chan struct{})
	go func() {
		defer close(folder)
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := s.FoldAccessLog(ctx); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(done)
	<-folder
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := collectAccess(t, s, domain.AccessQuery{})
	if len(got) != 2*writers*each {
		t.Fatalf("%d entries, want %d", len(got), 2*writers*each)
	}
	seqs := seqsOf(got)
	slices.Sort(seqs)
	if len(slices.Compact(seqs)) != len(got) {
		t.Fatal("two entries share a sequence number")
	}
	count := map[string]int{}
	for _, e := range got {
		count[e.User]++
	}
	for u, n := range count {
		if n != 2 {
			t.Fatalf("%s logged %d times, want 2", u, n)
		}
	}
}
