package storage

import (
	"context"
	"errors"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// smallRebuildChunks makes Rebuild read one booking and write two rows per
// transaction, fold each row it sums into its encoding after every fact
// and add the encoded rows into those written after every booking, so that
// a small history is rebuilt in many chunks and a row is folded and
// written as often as facts add to it.
func smallRebuildChunks(t *testing.T) {
	t.Helper()
	chunk, rows, inMemory, kept := rebuildChunk, rebuildRowChunk, rowsSummedInMemory, rebuildRowsKept
	rebuildChunk, rebuildRowChunk, rowsSummedInMemory, rebuildRowsKept = 1, 2, 1, 1
	t.Cleanup(func() {
		rebuildChunk, rebuildRowChunk, rowsSummedInMemory, rebuildRowsKept, rebuildHook, rebuildCheckHook = chunk, rows, inMemory, kept, nil, nil
	})
}

// loseALedger deletes the first booking's ledger, as damage would: a
// rebuild then has something to mend, and writes.
func loseALedger(t *testing.T, s *Store) {
	t.Helper()
	if err := s.db.Update(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketAggBooking).Cursor().First()
		if k == nil {
			return errors.New("no ledger to lose")
		}
		return tx.Bucket(bucketAggBooking).Delete(slices.Clone(k))
	}); err != nil {
		t.Fatal(err)
	}
}

// Rebuilt in chunks, the aggregates are byte for byte those the
// transactions kept, and no shadow is left behind.
func TestRebuild_InChunksLeavesWhatTheTransactionsKept(t *testing.T) {
	smallRebuildChunks(t)
	s := openTest(t)
	knownHistory(t, s)
	want := storedAggregates(t, s)
	loseALedger(t, s)
	chunks := 0
	rebuildHook = func() { chunks++ }
	r, err := s.Rebuild(context.Background())
	if err != nil || r != (metrics.Rebuilt{Bookings: 4, Written: true}) {
		t.Fatalf("Rebuild = %+v, %v; want 4 bookings, written", r, err)
	}
	if chunks != 5 { // four of one booking, and the one that finds none left
		t.Errorf("%d chunks, want 5", chunks)
	}
	if got := storedAggregates(t, s); !reflect.DeepEqual(got, want) {
		t.Fatalf("after Rebuild:\n%v\nwant\n%v", got, want)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAggRebuild) != nil {
			t.Error("agg_rebuild left behind")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, s)
}

// The loop and staff go on writing while a rebuild runs: events for
// bookings already rebuilt, for bookings not yet read, and a new booking.
// The rebuilt aggregates take them all in.
func TestRebuild_TakesInWhatIsWrittenMeanwhile(t *testing.T) {
	smallRebuildChunks(t)
	s := openTest(t)
	ctx := context.Background()
	ids := knownHistory(t, s)
	loseALedger(t, s) // so that the rebuild writes
	p := addPatient(t, s, pnrString(1990, 2, 3, 321), "Dag Dahl")
	chunk := 0
	rebuildHook = func() {
		chunk++
		switch chunk {
		case 2: // bookings 1 and 2 are done, 3 and 4 not yet
			id := book(t, s, p, examECG, siteRyhov, aggBase.Add(15*24*time.Hour)).ID()
			fire(t, s, aggBase.Add(time.Hour))
			receipt(t, s, id, domain.ReceiptDelivered, aggBase.Add(2*time.Hour))
			if _, err := s.UpdateBooking(ctx, ids["opened"], func(b *domain.Booking, _ []*domain.Booking) error {
				return b.MarkAttended(b.VisitAt(), actor)
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.UpdateBooking(ctx, ids["child"], func(b *domain.Booking, _ []*domain.Booking) error {
				return b.Cancel(aggBase.Add(3*time.Hour), actor, "")
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if chunk < 5 {
		t.Fatalf("%d chunks: the writes did not happen during the rebuild", chunk)
	}
	if err := aggregateDiff(s); err != nil {
		t.Fatalf("after a rebuild with writes meanwhile: %v", err)
	}
	mustCheck(t, s)
}

// BenchmarkRebuild rebuilds the aggregates of the database at
// $KALLELSE_REBUILD_DB (a demo's: kallelse demo --patients 500000
// --bookings 1000000) with fsync on, and side by side reads its events
// once: "read_events" decodes every event of the log, "read_facts" reads
// every booking with its events and derives its facts (all that the
// rebuild reads and computes, nothing written). peak-heap-MB is the most
// heap in use, sampled every 50 ms.
//
//	KALLELSE_REBUILD_DB=/tmp/d1m.db go test ./storage -run XXX -bench Rebuild -benchtime 1x -timeout 60m
func BenchmarkRebuild(b *testing.B) {
	path := os.Getenv("KALLELSE_REBUILD_DB")
	if path == "" {
		b.Skip("KALLELSE_REBUILD_DB names no database")
	}
	s, err := Open(path, Options{MustExist: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	measure := func(b *testing.B, fn func() (int, error)) {
		runtime.GC()
		peak := peakHeap()
		n := 0
		for i := 0; i < b.N; i++ {
			var err error
			if n, err = fn(); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(peak()>>20), "peak-heap-MB")
		b.ReportMetric(float64(n), "items")
	}
	b.Run("read_events", func(b *testing.B) {
		measure(b, func() (int, error) {
			n := 0
			err := s.view(ctx, func(tx *bolt.Tx) error {
				return tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
					n++
					_, err := decodeEvent(k, v)
					return err
				})
			})
			return n, err
		})
	})
	b.Run("read_facts", func(b *testing.B) {
		measure(b, func() (int, error) {
			n := 0
			err := s.view(ctx, func(tx *bolt.Tx) error {
				return eachBookingFacts(tx, nil, nil, func([]byte, *metrics.Ledger, []metrics.Fact) (bool, error) { n++; return true, nil })
			})
			return n, err
		})
	})
	// A rebuild of the file as it is: its figures agree with its events,
	// so it compares and writes nothing (written 0).
	rebuild := func(b *testing.B) func() (int, error) {
		return func() (int, error) {
			r, err := s.Rebuild(ctx)
			if r.Written {
				b.ReportMetric(1, "written")
			} else {
				b.ReportMetric(0, "written")
			}
			return r.Bookings, err
		}
	}
	b.Run("rebuild", func(b *testing.B) { measure(b, rebuild(b)) })
	// A rebuild that finds a booking's ledger gone, and so writes every
	// figure anew.
	b.Run("rebuild_mending", func(b *testing.B) {
		measure(b, func() (int, error) {
			b.StopTimer()
			if err := s.db.Update(func(tx *bolt.Tx) error {
				k, _ := tx.Bucket(bucketAggBooking).Cursor().Last()
				return tx.Bucket(bucketAggBooking).Delete(slices.Clone(k))
			}); err != nil {
				return 0, err
			}
			b.StartTimer()
			return rebuild(b)()
		})
	})
}

// peakHeap samples the heap in use until the returned function is called,
// which returns the most seen.
func peakHeap() func() uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return peak.Load()
	}
}

// decodeBookingHead reads of a record what decodeBookingSnapshot reads of
// it for the facts, and refuses a record filed under another id.
func TestDecodeBookingHead(t *testing.T) {
	s := openTest(t)
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	b := book(t, s, p, examEcho, siteVarnamo, t0.Add(50*time.Hour))
	err := s.db.View(func(tx *bolt.Tx) error {
		k := u64(uint64(b.ID()))
		v := tx.Bucket(bucketBookings).Get(k)
		full, err := decodeBookingSnapshot(k, v)
		if err != nil {
			return err
		}
		head, err := decodeBookingHead(k, v)
		if err != nil {
			return err
		}
		want := domain.BookingSnapshot{ID: full.ID, Patient: full.Patient, PatientK: full.PatientK, Exam: full.Exam, Site: full.Site}
		if !reflect.DeepEqual(head, want) || head.Exam != examEcho.Code || head.Site != siteVarnamo.Code {
			t.Errorf("head %+v, want %+v", head, want)
		}
		if _, err := decodeBookingHead(u64(uint64(b.ID())+1), v); err == nil {
			t.Error("a record under another id's key was read")
		}
		if _, err := decodeBookingHead(k, []byte(`["not an object"]`)); err == nil {
			t.Error("a record that is no object was read")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Rebuild asks the collector to keep the heap within rebuildHeapLimit of
// what was live when it began, and gives back the limit there was; a lower
// limit (an operator's GOMEMLIMIT) stays as it is.
func TestRebuild_KeepsTheHeapWithinItsLimitAndGivesTheLimitBack(t *testing.T) {
	smallRebuildChunks(t)
	s := openTest(t)
	knownHistory(t, s)
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	for _, set := range []int64{before, rebuildHeapLimit / 2} {
		debug.SetMemoryLimit(set)
		// Both while it compares and while it writes (a ledger lost).
		loseALedger(t, s)
		var comparing, writing int64
		rebuildCheckHook = func() { comparing = debug.SetMemoryLimit(-1) }
		rebuildHook = func() { writing = debug.SetMemoryLimit(-1) }
		if r, err := s.Rebuild(context.Background()); err != nil || !r.Written {
			t.Fatalf("Rebuild = %+v, %v; want it written", r, err)
		}
		for _, during := range []int64{comparing, writing} {
			if set < rebuildHeapLimit && during != set || set >= rebuildHeapLimit && (during < rebuildHeapLimit || during > rebuildHeapLimit+1<<30) {
				t.Errorf("limit %d before: %d during the rebuild, want %d plus what was live", set, during, int64(rebuildHeapLimit))
			}
		}
		if after := debug.SetMemoryLimit(-1); after != set {
			t.Errorf("limit %d before: %d after the rebuild", set, after)
		}
	}
	// In serve, the sessions' heap is live already: the rebuild's share
	// comes on top of it.
	debug.SetMemoryLimit(before)
	if before < rebuildHeapLimit+1<<30 {
		return // an operator's GOMEMLIMIT: the case above
	}
	live := make([]byte, 64<<20)
	runtime.GC()
	var during int64
	rebuildCheckHook = func() { during = debug.SetMemoryLimit(-1) }
	if _, err := s.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	if during < rebuildHeapLimit+int64(len(live)) {
		t.Errorf("with 64 MB live: %d during the rebuild, want at least %d", during, rebuildHeapLimit+len(live))
	}
	runtime.KeepAlive(live)
}
