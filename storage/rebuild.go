package storage

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	runtimemetrics "runtime/metrics"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// Rebuild (kallelse report rebuild) computes the reports' aggregates anew
// from the event log, streamed: the bookings are read in chunks of
// rebuildChunk, each chunk's ledgers and facts computed in a read
// transaction (on a goroutine of its own, while the chunk before it is
// written) and written, in key order, in a write transaction of its own
// into a shadow copy of the aggregate buckets inside agg_rebuild/; the day and week sums, which are as many as the rows of
// the reports and not as the bookings, are kept in memory and written
// after the last chunk, in chunks too. A last transaction brings the
// shadow up to date with the events written meanwhile (the loop and staff
// go on working; each chunk remembers the last event it saw), puts it in
// the place of the old buckets and drops agg_rebuild. Readers see the old
// aggregates until then, and writers are held for one chunk at a time,
// never for the whole rebuild. Memory follows the chunk (two at most) and
// the report rows, not the size of the file. A rebuild that stops half-way (an error,
// a crash) leaves agg_rebuild/, which the next one clears.
//
//	agg_rebuild/                                          only while a rebuild runs
//	    agg_day/, agg_week/, agg_member/, agg_booking/     as the buckets they replace
var bucketAggRebuild = []byte("agg_rebuild")

// rebuildChunk is how many bookings Rebuild reads per write transaction.
var rebuildChunk = 20000

// rebuildRowChunk is how many report rows Rebuild writes per transaction.
var rebuildRowChunk = 50000

// rebuildRowsKept is how many encoded report rows Rebuild keeps before it
// adds them into the rows written.
var rebuildRowsKept = 50000

// rebuildHeapLimit is how far above the heap live when it begins Rebuild
// asks the collector to keep the heap (runtime/debug.SetMemoryLimit; a
// limit set lower, by GOMEMLIMIT, stays): in a process of its own, with the
// file's pages it reads, resident memory stays within 512 MB.
const rebuildHeapLimit = 256 << 20

// rebuildGCPercent is the GOGC Rebuild runs with, below rebuildHeapLimit.
const rebuildGCPercent = 400

// liveHeap is the heap the last collection found live.
func liveHeap() int64 {
	s := []runtimemetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	runtimemetrics.Read(s)
	if s[0].Value.Kind() != runtimemetrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// rebuildHook, when set (tests), runs after each chunk has committed.
var rebuildHook func()

// rebuildSpan is a chunk of bookings done: ids up to last, computed from
// the events up to seq.
type rebuildSpan struct {
	last domain.BookingID
	seq  uint64
}

// Rebuild recomputes the reports' aggregates from the event log and says
// how many bookings it recomputed and whether it wrote them: first it
// compares, without writing, what it would write with what is kept
// (aggregatesAgree), and only where something differs does it write every
// aggregate anew (see the comment on bucketAggRebuild).
func (s *Store) Rebuild(ctx context.Context) (metrics.Rebuilt, error) {
	s.rebuildMu.Lock()
	defer s.rebuildMu.Unlock()
	if s.bulk.Load() != nil {
		return metrics.Rebuilt{}, errors.New("rebuild aggregates: a bulk load is running")
	}
	// The garbage of a million bookings' events read would otherwise let
	// the heap grow to twice what is live before the collector runs. The
	// limit is the process's (serve's sessions share it): what is live
	// already, plus the rebuild's share.
	if limit, want := debug.SetMemoryLimit(-1), liveHeap()+rebuildHeapLimit; limit > want {
		debug.SetMemoryLimit(want)
		defer debug.SetMemoryLimit(limit)
	}
	// Within that limit, the collector need not run each time the heap
	// doubles: what is live is little (chunks in flight), the garbage
	// much, and collecting after every few megabytes of it took a fifth
	// of the rebuild. A higher GOGC (or off) stays.
	if pct := debug.SetGCPercent(rebuildGCPercent); pct < 0 || pct > rebuildGCPercent {
		debug.SetGCPercent(pct)
	} else {
		defer debug.SetGCPercent(pct)
	}
	n, agree, err := s.aggregatesAgree(ctx)
	if err != nil {
		return metrics.Rebuilt{}, fmt.Errorf("rebuild aggregates: %w", err)
	}
	if agree {
		return metrics.Rebuilt{Bookings: n}, nil
	}
	n, err = s.rebuild(ctx)
	if err != nil {
		return metrics.Rebuilt{}, fmt.Errorf("rebuild aggregates: %w", err)
	}
	return metrics.Rebuilt{Bookings: n, Written: true}, nil
}

func (s *Store) rebuild(ctx context.Context) (int, error) {
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
	agg := newComputedAggregates()
	var spans []rebuildSpan
	// The day and week rows go into the shadow's whenever rebuildRowsKept
	// are kept encoded, added to what is there: memory follows the chunks,
	// not the years of rows (a region's ten years: 400,000).
	writeRows := func(name []byte, keys []string, rows map[string][]byte) error {
		for part := range slices.Chunk(keys, rebuildRowChunk) {
			err := s.update(ctx, func(tx *bolt.Tx) error {
				bk := tx.Bucket(bucketAggRebuild).Bucket(name)
				bk.FillPercent = 0.9 // written in key order
				for _, k := range part {
					data := rows[k]
					if old := bk.Get([]byte(k)); old != nil {
						var more metrics.Totals
						if err := more.UnmarshalBinary(data); err != nil {
							return err
						}
						var err error
						if data, err = addToEncoded(old, more); err != nil {
							return fmt.Errorf("%s/%s/%s: %w", bucketAggRebuild, name, k, err)
						}
					}
					if err := bk.Put([]byte(k), data); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	write := func(p rebuildPart, last uint64) error {
		if p.n > 0 {
			if err := s.update(ctx, func(tx *bolt.Tx) error { return writeRebuildPart(tx, p) }); err != nil {
				return err
			}
			for _, f := range p.facts {
				if err := agg.add(f); err != nil {
					return err
				}
			}
			if agg.folded() >= rebuildRowsKept {
				if err := agg.drain(writeRows); err != nil {
					return err
				}
			}
			// The pages written for the chunk are not read again:
			// resident memory follows the chunk, not the file.
			s.releaseMapped()
			agg.bookings += p.n
			spans = append(spans, rebuildSpan{last: domain.BookingID(last), seq: p.seq})
		}
		if rebuildHook != nil {
			rebuildHook()
		}
		return nil
	}
	// The bookings there are now, by ranges of rebuildChunk ids, each read
	// and computed in a read transaction by one of rebuildReaders goroutines
	// while the chunks before it are written: reading is most of the work.
	var lastID uint64
	if err := s.view(ctx, func(tx *bolt.Tx) error {
		bookings, err := bucket(tx, bucketBookings)
		lastID = bookings.Sequence()
		return err
	}); err != nil {
		return 0, err
	}
	size := uint64(rebuildChunk)
	ranges := int((lastID + size - 1) / size)
	stop := make(chan struct{})
	defer close(stop)
	parts := make([]chan rebuildPart, rebuildReaders)
	for w := range parts {
		parts[w] = make(chan rebuildPart) // a reader waits with its chunk: memory holds three at most
		go func() {
			defer close(parts[w])
			r := &factsReader{}
			for i := w; i < ranges; i += rebuildReaders {
				lo := uint64(i)*size + 1
				p := s.readRebuildRange(ctx, r, lo, min(lo+size-1, lastID))
				select {
				case parts[w] <- p:
				case <-stop:
					return
				}
				if p.err != nil {
					return
				}
			}
		}()
	}
	for i := range ranges {
		p, ok := <-parts[i%rebuildReaders]
		if !ok {
			return 0, errors.New("a reader stopped") // after it sent its error, which was returned
		}
		if p.err != nil {
			return 0, p.err
		}
		if err := write(p, min(uint64(i+1)*size, lastID)); err != nil {
			return 0, err
		}
	}
	// Then the bookings made since, chunk by chunk.
	for from := lastID + 1; ; {
		p := s.readRebuildRange(ctx, &factsReader{}, from, ^uint64(0))
		if p.err != nil {
			return 0, p.err
		}
		if err := write(p, keyUint(p.last)); err != nil {
			return 0, err
		}
		if p.n < rebuildChunk {
			break
		}
		from = keyUint(p.last) + 1
	}
	if err := agg.drain(writeRows); err != nil {
		return 0, err
	}
	// The swap frees the old aggregates' pages, and bbolt reads every one
	// of them to do so (some 400 MB at a million bookings): the heap the
	// chunks used goes back to the system first, so that the two do not
	// add up in the process's resident memory.
	n := agg.bookings
	agg = nil // its rows are written
	debug.FreeOSMemory()
	s.releaseMapped()
	err = s.update(ctx, func(tx *bolt.Tx) error { return rebuildSwap(tx, spans) })
	if err != nil {
		return 0, err
	}
	return n, nil
}

// rebuildPart is a chunk of bookings read: their ledgers and their facts'
// agg_member entries, encoded and each in key order, their facts, the last
// booking read and the log's sequence when it was read (the last event the
// chunk saw).
type rebuildPart struct {
	n                int // bookings read
	last             []byte
	seq              uint64
	ledgers, members []keyValue
	facts            []metrics.Fact
	err              error
}

type keyValue struct{ key, value []byte }

// rebuildReaders is how many goroutines read chunks at once.
const rebuildReaders = 2

// readRebuildRange reads and computes, in a read transaction, the ledgers
// and facts of the bookings with ids lo through hi, at most rebuildChunk
// of them, with r (one for each goroutine that reads).
func (s *Store) readRebuildRange(ctx context.Context, r *factsReader, lo, hi uint64) rebuildPart {
	var p rebuildPart
	if err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		p, err = readRebuildChunk(tx, r, lo, hi)
		return err
	}); err != nil {
		p.err = err
	}
	s.releaseMapped() // the chunk's pages are not read again
	return p
}

// readRebuildChunk computes the ledgers and facts of the bookings with ids
// lo through hi, at most rebuildChunk of them. Fewer than rebuildChunk in
// an open range (hi the largest id) means no booking is left.
func readRebuildChunk(tx *bolt.Tx, r *factsReader, lo, hi uint64) (rebuildPart, error) {
	var p rebuildPart
	log, err := bucket(tx, bucketEvents)
	if err != nil {
		return p, err
	}
	p.seq = log.Sequence()
	// Sized for a chunk of rebuildChunk bookings with a summons each,
	// rather than grown (and copied) as they come.
	size := int(min(uint64(rebuildChunk), hi-lo+1))
	p.ledgers, p.members, p.facts = make([]keyValue, 0, size), make([]keyValue, 0, size), make([]metrics.Fact, 0, size)
	err = r.each(tx, u64(lo), u64(hi), func(k []byte, l *metrics.Ledger, facts []metrics.Fact) (bool, error) {
		if p.n == rebuildChunk {
			return false, nil
		}
		p.n++
		p.last = slices.Clone(k)
		if l != nil {
			data, err := encodeLedger(l)
			if err != nil {
				return false, err
			}
			p.ledgers = append(p.ledgers, keyValue{p.last, data})
		}
		for i, f := range facts {
			data, err := encodeMember(f)
			if err != nil {
				return false, err
			}
			p.members = append(p.members, keyValue{memberKey(f, i), data})
		}
		for _, f := range facts {
			f.MessageID = strings.Clone(f.MessageID) // a view into the transaction's pages
			p.facts = append(p.facts, f)
		}
		return true, nil
	})
	slices.SortFunc(p.members, func(a, b keyValue) int { return bytes.Compare(a.key, b.key) })
	return p, err
}

// writeRebuildPart writes a chunk's ledgers and members into the shadow.
func writeRebuildPart(tx *bolt.Tx, p rebuildPart) error {
	shadow := tx.Bucket(bucketAggRebuild)
	if shadow == nil {
		return fmt.Errorf("%s vanished: another rebuild started", bucketAggRebuild)
	}
	for _, w := range []struct {
		name []byte
		kvs  []keyValue
	}{{bucketAggBooking, p.ledgers}, {bucketAggMember, p.members}} {
		bk := shadow.Bucket(w.name)
		if bytes.Equal(w.name, bucketAggBooking) {
			bk.FillPercent = 0.9 // written in key order, chunk after chunk
		}
		for _, kv := range w.kvs {
			if err := bk.Put(kv.key, kv.value); err != nil {
				return err
			}
		}
	}
	return nil
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
		// The chunks were read side by side: the first event one of them
		// did not see.
		first := spans[0].seq
		for _, sp := range spans {
			first = min(first, sp.seq)
		}
		c := log.Cursor()
		for k, v := c.Seek(u64(first + 1)); k != nil; k, v = c.Next() {
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
			// bbolt read every page of the bucket to free it: they need
			// not stay resident while the next is freed.
			_ = releaseMappedIn(tx)
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
	ledgers, err := bucket(tx, bucketAggBooking)
	if err != nil {
		return err
	}
	for _, id := range ids {
		key := u64(uint64(id))
		v := bookings.Get(key)
		if v == nil {
			continue // events of a booking without a record are passed by, as in a full computation
		}
		snap, err := decodeBookingHead(key, v)
		if err != nil {
			return err
		}
		// The ledger its chunk wrote holds the facts of then.
		then, err := getLedger(ledgers, key)
		if err != nil {
			return err
		}
		all, err := eventsOfBooking(tx, id)
		if err != nil {
			return err
		}
		now, newFacts, err := bookingFacts(key, snap, all)
		if err != nil {
			return err
		}
		if now == nil {
			if err := ledgers.Delete(key); err != nil {
				return err
			}
		} else if err := putLedger(ledgers, key, now); err != nil {
			return err
		}
		if err := applyFacts(tx, then.Facts(), newFacts); err != nil {
			return err
		}
	}
	return nil
}
