package storage

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/goleak"
)

// A writer whose commit has to map the file anew (the file grew past its
// map: a small file, mapped with no headroom) while the comparison's read
// transactions are open waits for them; the comparison's readers must not
// begin another read transaction meanwhile (releaseMapped), or nobody moves.
func TestRebuild_CompareDoesNotDeadlockAWriterThatGrowsTheMap(t *testing.T) {
	compareWhileAWriterGrowsTheMap(t, false)
}

// Every way out of the comparison — a damaged record, a cancelled
// context, a difference — leaves no read transaction open and no goroutine
// behind.
func TestRebuild_CompareLeavesNothingOpen(t *testing.T) {
	smallRebuildChunks(t)
	for name, setup := range map[string]func(s *Store) context.Context{
		"damaged": func(s *Store) context.Context {
			if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketBookings).Put(u64(3), []byte{0xff}) }); err != nil {
				t.Fatal(err)
			}
			return context.Background()
		},
		"cancelled": func(s *Store) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			n := 0
			rebuildCheckHook = func() {
				if n++; n == 2 {
					cancel()
				}
			}
			return ctx
		},
		"differs": func(s *Store) context.Context { loseALedger(t, s); return context.Background() },
	} {
		t.Run(name, func(t *testing.T) {
			rebuildCheckHook = nil
			s := openTest(t)
			knownHistory(t, s)
			ctx := setup(s)
			running := goleak.IgnoreCurrent()
			r, err := s.Rebuild(ctx)
			t.Logf("Rebuild = %+v, %v", r, err)
			if n := s.db.Stats().OpenTxN; n != 0 {
				t.Errorf("%d read transactions left open", n)
			}
			// A goroutine that has said it is done may not have returned
			// yet: goleak waits for it; one that stays is a leak.
			if err := goleak.Find(running); err != nil {
				t.Error(err)
			}
		})
	}
}

// As above, and meanwhile a session reads (a View): it waits for the
// writer, holding bbolt's meta lock, which a read transaction's rollback
// takes after it lets go of the map: the comparison's transactions, rolled
// back one after the other, must not wait for it.
func TestRebuild_CompareDoesNotDeadlockAWriterThatGrowsTheMapAndAReader(t *testing.T) {
	compareWhileAWriterGrowsTheMap(t, true)
}

// compareWhileAWriterGrowsTheMap rebuilds while, once the comparison has
// begun, the loop or staff write something that grows the file past its
// map (as any commit eventually does on a file under 16 MB), and, with
// read, a session then reads; all of them must finish.
func compareWhileAWriterGrowsTheMap(t *testing.T, read bool) {
	smallRebuildChunks(t)
	s, err := Open(filepath.Join(t.TempDir(), "kallelse.db"), Options{noSync: true}) // no cleanup: a hung Close would hang the test
	if err != nil {
		t.Fatal(err)
	}
	knownHistory(t, s)
	wrote, readDone := make(chan error, 1), make(chan error, 1)
	first := true
	rebuildCheckHook = func() {
		if !first {
			return
		}
		first = false
		go func() {
			wrote <- s.db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("scratch"))
				if err != nil {
					return err
				}
				return b.Put([]byte("k"), make([]byte, 64<<20))
			})
		}()
		waitForStack(t, "bbolt.(*DB).mmap(") // the writer now waits for the map
		if read {
			go func() { readDone <- s.db.View(func(*bolt.Tx) error { return nil }) }()
			waitForStack(t, "bbolt.(*DB).beginTx(") // the reader now waits for the writer
		} else {
			readDone <- nil
		}
	}
	done := make(chan error, 1)
	go func() { _, err := s.Rebuild(context.Background()); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
		if err := <-wrote; err != nil {
			t.Fatal(err)
		}
		if err := <-readDone; err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
	case <-time.After(10 * time.Second):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("Rebuild, a writer and a reader deadlocked (the store is left open):\n%s", buf)
	}
}

// GOGC is 400 during a rebuild, unless it was higher or off, and is given
// back after it, whether it wrote or not.
func TestRebuild_GivesGOGCBack(t *testing.T) {
	s := openTest(t)
	knownHistory(t, s)
	orig := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(orig); rebuildCheckHook = nil })
	for _, write := range []bool{false, true} {
		for _, set := range []int{50, 100, 400, 800, -1} {
			debug.SetGCPercent(set)
			if write {
				loseALedger(t, s)
			}
			var during int
			rebuildCheckHook = func() { during = debug.SetGCPercent(-1); debug.SetGCPercent(during) }
			if r, err := s.Rebuild(context.Background()); err != nil || r.Written != write {
				t.Fatalf("Rebuild = %+v, %v", r, err)
			}
			want := 400
			if set < 0 || set > 400 {
				want = set
			}
			if during != want {
				t.Errorf("GOGC %d: %d during the rebuild, want %d", set, during, want)
			}
			if after := debug.SetGCPercent(set); after != set {
				t.Errorf("GOGC %d: %d after the rebuild", set, after)
			}
		}
	}
}

// The store closed (serve shutting down) while the rebuild compares: Close
// waits for the comparison's transactions, and they for nothing.
func TestRebuild_CompareLetsCloseFinish(t *testing.T) {
	smallRebuildChunks(t)
	s, err := Open(filepath.Join(t.TempDir(), "kallelse.db"), Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	knownHistory(t, s)
	closed := make(chan error, 1)
	first := true
	rebuildCheckHook = func() {
		if !first {
			return
		}
		first = false
		go func() { closed <- s.Close() }()
		waitForStack(t, "bbolt.(*DB).Close(") // Close now waits for the map
	}
	done := make(chan error, 1)
	go func() { _, err := s.Rebuild(context.Background()); done <- err }()
	select {
	case err := <-done:
		t.Logf("Rebuild: %v", err)
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("Rebuild and Close deadlocked:\n%s", buf)
	}
}

// waitForStack returns once a goroutine waits on a lock in fn: the
// goroutine a test started has reached the lock it is to wait in. It yields
// rather than sleeps; a goroutine that never gets there fails the test.
func waitForStack(t *testing.T, fn string) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for range 100_000 {
		n := runtime.Stack(buf, true)
		for _, g := range bytes.Split(buf[:n], []byte("\n\n")) {
			if bytes.Contains(g, []byte("[sync.RWMutex")) && bytes.Contains(g, []byte(fn)) {
				return
			}
		}
		runtime.Gosched()
	}
	t.Fatalf("no goroutine waits in %s", fn)
}
