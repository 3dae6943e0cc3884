package storage

import (
	"bytes"
	"context"
	"errors"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain/metrics"
)

// rebuildCheckHook, when set (tests), runs when the check before a
// rebuild has begun its read transactions, and after each chunk it has
// compared.
var rebuildCheckHook func()

// aggregatesAgree reads what a rebuild would write — every booking's
// ledger and facts, recomputed from its events, and the day and week rows
// summed from them — and compares it with what is kept, byte for byte. It
// returns how many bookings it read and whether everything agreed, and stops
// at the first difference. Its read transactions all see one state of the
// file (snapshot), however the loop and staff write meanwhile; the chunks
// are read by rebuildReaders goroutines, as the rebuild reads them, while
// this one sums the rows. A file whose figures are right, the usual case
// (an operator who checks, an upgrade that changed no definition), is so
// rebuilt without a write: the rebuild itself writes every figure anew into
// a shadow and frees the old ones' pages.
func (s *Store) aggregatesAgree(ctx context.Context) (int, bool, error) {
	txs, err := s.snapshot(rebuildReaders + 1)
	if err != nil {
		return 0, false, err
	}
	var readers sync.WaitGroup
	stop := make(chan struct{})
	defer func() {
		close(stop)
		readers.Wait()
		for _, tx := range txs {
			_ = tx.Rollback()
		}
	}()
	if rebuildCheckHook != nil {
		rebuildCheckHook()
	}
	tx := txs[rebuildReaders]
	if tx.Bucket(bucketAggRebuild) != nil {
		return 0, false, nil // a rebuild stopped half-way: the next clears its shadow
	}
	for _, name := range aggBuckets {
		if tx.Bucket(name) == nil {
			return 0, false, nil // a bulk load left them out
		}
	}
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return 0, false, err
	}
	lastID := bookings.Sequence()
	if k, _ := bookings.Cursor().Seek(u64(lastID + 1)); k != nil {
		return 0, false, nil // a booking past the sequence: let the rebuild read it
	}
	// The chunks compare the ledgers of the bookings 1 through lastID:
	// none is kept outside them.
	c := tx.Bucket(bucketAggBooking).Cursor()
	if k, _ := c.First(); k != nil && bytes.Compare(k, u64(1)) < 0 {
		return 0, false, nil
	}
	if k, _ := c.Seek(u64(lastID + 1)); k != nil {
		return 0, false, nil
	}
	type checked struct {
		n, members int
		facts      []metrics.Fact
		agree      bool
		err        error
	}
	size := uint64(rebuildChunk)
	ranges := int((lastID + size - 1) / size)
	parts := make([]chan checked, rebuildReaders)
	for w := range parts {
		parts[w] = make(chan checked)
		readers.Add(1)
		go func() {
			defer readers.Done()
			defer close(parts[w])
			for i := w; i < ranges; i += rebuildReaders {
				lo := uint64(i)*size + 1
				hi := min(lo+size-1, lastID)
				var c checked
				p, err := readRebuildChunk(txs[w], lo, hi)
				if err == nil {
					err = ctx.Err()
				}
				c.n, c.members, c.facts, c.err = p.n, len(p.members), p.facts, err
				if err == nil {
					c.agree = chunkAgrees(txs[w], p, lo, hi)
				}
				s.releaseMapped() // the chunk's pages are not read again
				select {
				case parts[w] <- c:
				case <-stop:
					return
				}
				if !c.agree {
					return
				}
			}
		}()
	}
	agg := newComputedAggregates()
	members := 0
	for i := range ranges {
		c, ok := <-parts[i%rebuildReaders]
		if !ok {
			return 0, false, errors.New("a reader stopped") // after it sent its error, which was returned
		}
		if c.err != nil {
			return 0, false, c.err
		}
		if !c.agree {
			return 0, false, nil
		}
		for _, f := range c.facts {
			if err := agg.add(f); err != nil {
				return 0, false, err
			}
		}
		agg.bookings += c.n
		members += c.members
		if rebuildCheckHook != nil {
			rebuildCheckHook()
		}
	}
	// Every fact computed is kept as computed (each chunk compared its
	// own); none more is kept.
	if tx.Bucket(bucketAggMember).Stats().KeyN != members {
		return 0, false, nil
	}
	rows, _, err := agg.rows()
	if err != nil {
		return 0, false, err
	}
	for i, name := range [][]byte{bucketAggDay, bucketAggWeek} {
		n := 0
		c := tx.Bucket(name).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if n++; !bytes.Equal(rows[i][string(k)], v) || v == nil {
				return 0, false, nil
			}
		}
		if n != len(rows[i]) {
			return 0, false, nil
		}
	}
	return agg.bookings, true, nil
}

// chunkAgrees is true when the ledgers kept for the bookings lo through hi
// are p's, no more and no fewer, and each of p's facts is kept as computed.
func chunkAgrees(tx *bolt.Tx, p rebuildPart, lo, hi uint64) bool {
	ledgers, members := tx.Bucket(bucketAggBooking), tx.Bucket(bucketAggMember)
	if ledgers == nil || members == nil {
		return false
	}
	i, next := 0, u64(hi+1) // a key longer than 8 bytes sorts after its first 8
	c := ledgers.Cursor()
	for k, v := c.Seek(u64(lo)); k != nil && bytes.Compare(k, next) < 0; k, v = c.Next() {
		if i == len(p.ledgers) || !bytes.Equal(k, p.ledgers[i].key) || v == nil || !bytes.Equal(v, p.ledgers[i].value) {
			return false
		}
		i++
	}
	if i != len(p.ledgers) {
		return false
	}
	mc := members.Cursor()
	for _, kv := range p.members { // in key order
		if k, v := mc.Seek(kv.key); !bytes.Equal(k, kv.key) || v == nil || !bytes.Equal(v, kv.value) {
			return false
		}
	}
	return true
}

// snapshot begins n read transactions that see one state of the file: a
// write transaction, begun first and rolled back, holds writers off while
// they begin. (It writes nothing, so it never grows the map, which would
// wait for the read transactions.)
func (s *Store) snapshot(n int) ([]*bolt.Tx, error) {
	w, err := s.db.Begin(true)
	if err != nil {
		return nil, err
	}
	defer func() { _ = w.Rollback() }()
	txs := make([]*bolt.Tx, 0, n)
	for range n {
		tx, err := s.db.Begin(false)
		if err != nil {
			for _, tx := range txs {
				_ = tx.Rollback()
			}
			return nil, err
		}
		txs = append(txs, tx)
	}
	return txs, nil
}
