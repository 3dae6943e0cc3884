package storage

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// Rebuild (kallelse report rebuild) computes the reports' aggregates anew
// from the event log, streamed: the bookings are read in chunks of
// rebuildChunk, each chunk in its own write transaction that writes its
// facts, in key order, into a shadow copy of the aggregate buckets inside
// agg_rebuild/; the day and week sums, which are as many as the rows of
// the reports and not as the bookings, are kept in memory and written
// after the last chunk, in chunks too. A last transaction brings the
// shadow up to date with the events written meanwhile (the loop and staff
// go on working; each chunk remembers the last event it saw), puts it in
// the place of the old buckets and drops agg_rebuild. Readers see the old
// aggregates until then, and writers are held for one chunk at a time,
// never for the whole rebuild. Memory follows the chunk and the report
// rows, not the size of the file. A rebuild that stops half-way (an error,
// a crash) leaves agg_rebuild/, which the next one clears.
//
//	agg_rebuild/                                          only while a rebuild runs
//	    agg_day/, agg_week/, agg_member/                   as the buckets they replace
var bucketAggRebuild = []byte("agg_rebuild")

// rebuildChunk is how many bookings Rebuild reads per write transaction.
var rebuildChunk = 20000

// rebuildRowChunk is how many report rows Rebuild writes per transaction.
var rebuildRowChunk = 50000

// rebuildHook, when set (tests), runs after each chunk has committed.
var rebuildHook func()

// rebuildSpan is a chunk of bookings done: ids up to last, computed from
// the events up to seq.
type rebuildSpan struct {
	last domain.BookingID
	seq  uint64
}

// Rebuild recomputes the reports' aggregates from the event log and returns
// how many bookings it recomputed; see the comment on bucketAggRebuild.
func (s *Store) Rebuild(ctx context.Context) (int, error) {
	s.rebuildMu.Lock()
	defer s.rebuildMu.Unlock()
	n, err := s.rebuild(ctx)
	if err != nil {
		return 0, fmt.Errorf("rebuild aggregates: %w", err)
	}
	return n, nil
}

func (s *Store) rebuild(ctx context.Context) (int, error) {
	if s.bulk.Load() != nil {
		return 0, errors.New("a bulk load is running")
	}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAggRebuild) != nil {
			if err := tx.DeleteBucket(bucketAggRebuild); err != nil {
				return err
			}
		}
		root, err := tx.CreateBucket(bucketAggRebuild)
		if err != nil {
			return err
		}
		for _, name := range aggBuckets {
			if _, err := root.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	agg := computedAggregates{days: map[string]*metrics.Totals{}, weeks: map[string]*metrics.Totals{}}
	var spans []rebuildSpan
	var from []byte
	for {
		var done bool
		err := s.update(ctx, func(tx *bolt.Tx) error {
			var err error
			spans, from, done, err = rebuildChunkTx(tx, from, spans, &agg)
			return err
		})
		if err != nil {
			return 0, err
		}
		if rebuildHook != nil {
			rebuildHook()
		}
		if done {
			break
		}
	}
	for _, rows := range []struct {
		name []byte
		m    map[string]*metrics.Totals
	}{{bucketAggDay, agg.days}, {bucketAggWeek, agg.weeks}} {
		keys := make([]string, 0, len(rows.m))
		for k := range rows.m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for len(keys) > 0 {
			part := keys[:min(len(keys), rebuildRowChunk)]
			keys = keys[len(part):]
			err := s.update(ctx, func(tx *bolt.Tx) error {
				bk := tx.Bucket(bucketAggRebuild).Bucket(rows.name)
				bk.FillPercent = 0.9 // written in key order
				for _, k := range part {
					data, err := rows.m[k].MarshalBinary()
					if err != nil {
						return err
					}
					if err := bk.Put([]byte(k), data); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return 0, err
			}
		}
		clear(rows.m)
	}
	err = s.update(ctx, func(tx *bolt.Tx) error { return rebuildSwap(tx, spans) })
	if err != nil {
		return 0, err
	}
	return agg.bookings, nil
}

// rebuildChunkTx computes the facts of up to rebuildChunk bookings after
// key from (nil: from the first), writes them into the shadow agg_member in
// key order and sums them into agg. done is true when no booking is left.
func rebuildChunkTx(tx *bolt.Tx, from []byte, spans []rebuildSpan, agg *computedAggregates) ([]rebuildSpan, []byte, bool, error) {
	shadow := tx.Bucket(bucketAggRebuild)
	if shadow == nil {
		return spans, from, false, fmt.Errorf("%s vanished: another rebuild started", bucketAggRebuild)
	}
	log, err := bucket(tx, bucketEvents)
	if err != nil {
		return spans, from, false, err
	}
	type member struct{ key, data []byte }
	var members []member
	n := 0
	var last []byte
	start := from
	if start != nil {
		start = u64(keyUint(start) + 1)
	}
	err = eachBookingFacts(tx, start, func(k []byte, facts []metrics.Fact) (bool, error) {
		if n == rebuildChunk {
			return false, nil
		}
		n++
		agg.bookings++
		last = slices.Clone(k)
		for i, f := range facts {
			if err := agg.add(f); err != nil {
				return false, err
			}
			data, err := json.Marshal(f)
			if err != nil {
				return false, err
			}
			members = append(members, member{memberKey(f, i), data})
		}
		return true, nil
	})
	if err != nil {
		return spans, from, false, err
	}
	if n == 0 {
		return spans, from, true, nil
	}
	slices.SortFunc(members, func(a, b member) int { return bytes.Compare(a.key, b.key) })
	bk := shadow.Bucket(bucketAggMember)
	for _, m := range members {
		if err := bk.Put(m.key, m.data); err != nil {
			return spans, from, false, err
		}
	}
	spans = append(spans, rebuildSpan{last: domain.BookingID(keyUint(last)), seq: log.Sequence()})
	return spans, last, n < rebuildChunk, nil
}

func keyUint(k []byte) uint64 {
	var v uint64
	for _, b := range k[:min(8, len(k))] {
		v = v<<8 | uint64(b)
	}
	return v
}

// rebuildSwap puts the shadow buckets in the place of the aggregate
// buckets, then brings them up to date with the events written since their
// chunk was read: a booking with such an event has its facts of then taken
// away and its facts of now added, as an event write does.
func rebuildSwap(tx *bolt.Tx, spans []rebuildSpan) error {
	shadow := tx.Bucket(bucketAggRebuild)
	if shadow == nil {
		return fmt.Errorf("%s vanished: another rebuild started", bucketAggRebuild)
	}
	// The bookings with events the chunks did not see, and the last event
	// their chunk saw (0: a booking made after the last chunk).
	stale := map[domain.BookingID]uint64{}
	if len(spans) > 0 {
		log, err := bucket(tx, bucketEvents)
		if err != nil {
			return err
		}
		c := log.Cursor()
		for k, v := c.Seek(u64(spans[0].seq + 1)); k != nil; k, v = c.Next() {
			e, err := decodeEvent(k, v)
			if err != nil {
				return err
			}
			if e.Booking == 0 {
				continue
			}
			var seen uint64
			i, _ := slices.BinarySearchFunc(spans, e.Booking, func(sp rebuildSpan, id domain.BookingID) int {
				return cmp.Compare(sp.last, id)
			})
			if i < len(spans) {
				seen = spans[i].seq
			}
			if e.Seq > seen {
				stale[e.Booking] = seen
			}
		}
	}
	// Moved before the corrections: bbolt moves a bucket as it was last
	// committed, so the shadow is not written in this transaction.
	for _, name := range aggBuckets {
		if tx.Bucket(name) != nil {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		if err := tx.MoveBucket(name, shadow, nil); err != nil {
			return fmt.Errorf("move %s/%s: %w", bucketAggRebuild, name, err)
		}
	}
	if err := tx.DeleteBucket(bucketAggRebuild); err != nil {
		return err
	}
	ids := make([]domain.BookingID, 0, len(stale))
	for id := range stale {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return err
	}
	for _, id := range ids {
		v := bookings.Get(u64(uint64(id)))
		if v == nil {
			continue // events of a booking without a record are passed by, as in a full computation
		}
		snap, err := decodeBookingSnapshot(u64(uint64(id)), v)
		if err != nil {
			return err
		}
		kind, err := domain.ParseIdentityKind(snap.PatientK)
		if err != nil {
			return fmt.Errorf("bookings/%d: %w", id, err)
		}
		patient, err := domain.RehydrateIdentity(snap.Patient, kind)
		if err != nil {
			return fmt.Errorf("bookings/%d: %w", id, err)
		}
		all, err := eventsOfBooking(tx, id)
		if err != nil {
			return err
		}
		var then []domain.Event
		for _, e := range all {
			if e.Seq <= stale[id] {
				then = append(then, e)
			}
		}
		var oldFacts, newFacts []metrics.Fact
		if len(then) > 0 {
			oldFacts = metrics.FactsFromHistory(id, snap.Exam, snap.Site, patient, then)
		}
		if len(all) > 0 {
			newFacts = metrics.FactsFromHistory(id, snap.Exam, snap.Site, patient, all)
		}
		if err := applyFacts(tx, oldFacts, newFacts); err != nil {
			return err
		}
	}
	return nil
}
