package storage

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
	"pgregory.net/rapid"

	"github.com/kallelse/kallelse/domain/metrics"
)

// bookingFactsOf is a booking's ledger and facts as stored, for comparing.
func bookingFactsOf(t *rapid.T, l *metrics.Ledger, facts []metrics.Fact) string {
	data, err := encodeLedger(l)
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("ledger %x", data)
	for i, f := range facts {
		m, err := encodeMember(f)
		if err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintf(" | %q %x", memberKey(f, i), m)
	}
	return out
}

// TestBookingFacts_ReadInBatchesAsOneByOne: eachBookingFacts reads the log
// a batch of bookings at a time, stepping one cursor through their events
// in sequence order, and decodes of each event only what the ledger looks
// at. The ledgers and facts are those of every booking's events read one by
// one and decoded whole — for any batch size, step, window of bookings and
// stop.
func TestBookingFacts_ReadInBatchesAsOneByOne(t *testing.T) {
	setModestRapidChecks(t)
	batch, step := factsBatch, factsStep
	t.Cleanup(func() { factsBatch, factsStep = batch, step })
	dir := t.TempDir()
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		s, err := Open(filepath.Join(dir, fmt.Sprintf("facts-%d.db", n)), Options{noSync: true})
		if err != nil {
			rt.Fatal(err)
		}
		defer s.Close()
		h := newAggHistory(rt, s, 3)
		acts := h.actions()
		names := []string{"book", "book", "book", "book", "advance", "advance", "fire", "fire", "fire", "receipt", "receipt",
			"receipt", "cancel", "rebook", "rebook elsewhere", "attended", "no_show", "paper by hand", "remind by hand"}
		for i, n := 0, rapid.IntRange(5, 60).Draw(rt, "steps"); i < n; i++ {
			acts[rapid.SampledFrom(names).Draw(rt, "action")](rt)
		}

		// One by one: each booking's events through its index entries,
		// each decoded whole.
		var keys []uint64
		want := map[uint64]string{}
		err = s.db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketBookings).ForEach(func(k, v []byte) error {
				snap, err := decodeBookingHead(k, v)
				if err != nil {
					return err
				}
				evs, err := eventsOfBooking(tx, snap.ID)
				if err != nil {
					return err
				}
				l, facts, err := bookingFacts(k, snap, evs)
				if err != nil {
					return err
				}
				keys = append(keys, keyUint(k))
				want[keyUint(k)] = bookingFactsOf(rt, l, facts)
				return nil
			})
		})
		if err != nil {
			rt.Fatal(err)
		}
		if len(keys) == 0 {
			return
		}

		factsBatch = rapid.SampledFrom([]int{1, 2, 3, 5, 4096}).Draw(rt, "batch")
		factsStep = rapid.SampledFrom([]uint64{0, 1, 2, 32}).Draw(rt, "step")
		var from, to []byte
		lo, hi := keys[0], keys[len(keys)-1]
		if rapid.Bool().Draw(rt, "from") {
			lo = rapid.Uint64Range(keys[0], keys[len(keys)-1]+1).Draw(rt, "from id")
			from = u64(lo)
		}
		if rapid.Bool().Draw(rt, "to") {
			hi = rapid.Uint64Range(lo, keys[len(keys)-1]+1).Draw(rt, "to id")
			to = u64(hi)
		}
		stop := rapid.IntRange(1, len(keys)+1).Draw(rt, "stop after")
		var wantKeys []uint64
		for _, k := range keys {
			if k >= lo && k <= hi && len(wantKeys) < stop {
				wantKeys = append(wantKeys, k)
			}
		}
		var gotKeys []uint64
		err = s.db.View(func(tx *bolt.Tx) error {
			return eachBookingFacts(tx, from, to, func(k []byte, l *metrics.Ledger, facts []metrics.Fact) (bool, error) {
				if got, w := bookingFactsOf(rt, l, facts), want[keyUint(k)]; got != w {
					return false, fmt.Errorf("booking %d: read in batches %s\none by one %s", keyUint(k), got, w)
				}
				gotKeys = append(gotKeys, keyUint(k))
				return len(gotKeys) < stop, nil
			})
		})
		if err != nil {
			rt.Fatal(err)
		}
		if !slices.Equal(gotKeys, wantKeys) {
			rt.Fatalf("bookings read %v, want %v", gotKeys, wantKeys)
		}
	})
}

// TestBookingFacts_AnEventMissingFromTheLogIsNamed: an index entry whose
// event the log lacks (file damage) stops the reading with an error that
// names the booking and the event, whichever batch and step find it.
func TestBookingFacts_AnEventMissingFromTheLogIsNamed(t *testing.T) {
	batch, step := factsBatch, factsStep
	t.Cleanup(func() { factsBatch, factsStep = batch, step })
	s := openTest(t)
	ids := knownHistory(t, s)
	id := ids["unopened"]
	var seq uint64
	err := s.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIdxEventBooking).Cursor()
		k, _ := c.Seek(u64(uint64(id)))
		seq = keyUint(k[8:])
		return tx.Bucket(bucketEvents).Delete(k[8:])
	})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("idx_event_booking: booking %d: event %d missing", id, seq)
	for _, factsBatch = range []int{1, 2, 4096} {
		for _, factsStep = range []uint64{0, 32} {
			err := s.db.View(func(tx *bolt.Tx) error {
				return eachBookingFacts(tx, nil, nil, func([]byte, *metrics.Ledger, []metrics.Fact) (bool, error) { return true, nil })
			})
			if err == nil || err.Error() != want {
				t.Errorf("batch %d, step %d: %v, want %q", factsBatch, factsStep, err, want)
			}
		}
	}
}

// TestBookingFacts_AStopBeforeTheDamageReadsNoFurther: fn sees every
// booking before a damaged one, and when it stops before it, the damage
// read ahead in the same batch is no error — as when each booking was read
// alone.
func TestBookingFacts_AStopBeforeTheDamageReadsNoFurther(t *testing.T) {
	batch := factsBatch
	t.Cleanup(func() { factsBatch = batch })
	s := openTest(t)
	knownHistory(t, s)
	var last uint64
	err := s.db.Update(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketBookings).Cursor().Last()
		last = keyUint(k)
		ik, _ := tx.Bucket(bucketIdxEventBooking).Cursor().Seek(k)
		return tx.Bucket(bucketEvents).Delete(ik[8:])
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, factsBatch = range []int{1, 2, 4096} {
		var seen []uint64
		err := s.db.View(func(tx *bolt.Tx) error {
			return eachBookingFacts(tx, nil, nil, func(k []byte, _ *metrics.Ledger, _ []metrics.Fact) (bool, error) {
				seen = append(seen, keyUint(k))
				return keyUint(k) < last-1, nil // stops at the one before the damaged
			})
		})
		if err != nil || len(seen) == 0 || seen[len(seen)-1] != last-1 {
			t.Errorf("batch %d: stopped before the damage: %v, saw %v", factsBatch, err, seen)
		}
		seen = nil
		err = s.db.View(func(tx *bolt.Tx) error {
			return eachBookingFacts(tx, nil, nil, func(k []byte, _ *metrics.Ledger, _ []metrics.Fact) (bool, error) {
				seen = append(seen, keyUint(k))
				return true, nil
			})
		})
		if err == nil || len(seen) == 0 || seen[len(seen)-1] != last-1 {
			t.Errorf("batch %d: read to the end: %v, saw %v (every booking before the damaged one)", factsBatch, err, seen)
		}
	}
}
