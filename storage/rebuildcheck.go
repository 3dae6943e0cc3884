package storage

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
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
// one more sums the rows from the facts kept (rowsAgree). The transactions
// stay open while it runs (seconds at a million bookings): a commit that
// has to map the file anew (it grew past the map and its headroom) waits
// for them. A file whose figures are right, the usual case
// (an operator who checks, an upgrade that changed no definition), is so
// rebuilt without a write: the rebuild itself writes every figure anew into
// a shadow and frees the old ones' pages.
func (s *Store) aggregatesAgree(ctx context.Context) (int, bool, error) {
	txs, err := s.snapshot(rebuildReaders + 2) // the readers', the rows', this one's
	if err != nil {
		return 0, false, err
	}
	var readers sync.WaitGroup
	stop := make(chan struct{})
	defer func() {
		close(stop)
		readers.Wait()
		rollbackAll(txs)
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
			r := &factsReader{}
			for i := w; i < ranges; i += rebuildReaders {
				lo := uint64(i)*size + 1
				hi := min(lo+size-1, lastID)
				var c checked
				c.n, c.members, c.agree, c.err = chunkAgrees(txs[w], r, lo, hi)
				if c.err == nil {
					c.err = ctx.Err()
				}
				_ = releaseMappedIn(txs[w]) // the chunk's pages are not read again
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
	// The rows are the sums of the facts kept, which the chunks compare
	// with those recomputed: a third goroutine sums them beside the
	// readers, in the order they are kept, one row at a time.
	type summed struct {
		facts int
		err   error
	}
	rows := make(chan summed, 1)
	readers.Add(1)
	go func() {
		defer readers.Done()
		facts, err := rowsAgree(txs[rebuildReaders+1], stop)
		rows <- summed{facts, err}
	}()
	var sum *summed
	// rowsDiffer is true, or an error, when the rows have been compared
	// and do not agree.
	rowsDiffer := func(r summed) (bool, error) {
		sum = &r
		if errors.Is(r.err, errRowsDiffer) {
			return true, nil
		}
		return r.err != nil, r.err
	}
	n, members := 0, 0
	for i := 0; i < ranges; {
		var c checked
		var ok bool
		select {
		case c, ok = <-parts[i%rebuildReaders]:
		case r := <-rows: // a row that differs stops the chunks too
			if differ, err := rowsDiffer(r); differ || err != nil {
				return 0, false, err
			}
			continue
		}
		i++
		if !ok {
			return 0, false, errors.New("a reader stopped") // after it sent its error, which was returned
		}
		if c.err != nil {
			return 0, false, c.err
		}
		if !c.agree {
			return 0, false, nil
		}
		n += c.n
		members += c.members
		if rebuildCheckHook != nil {
			rebuildCheckHook()
		}
	}
	if sum == nil {
		if differ, err := rowsDiffer(<-rows); differ || err != nil {
			return 0, false, err
		}
	}
	// Every fact computed is kept as computed (each chunk compared its
	// own); none more is kept (the rows counted those kept).
	if sum.facts != members {
		return 0, false, nil
	}
	return n, true, nil
}

// errRowsDiffer is rowsAgree's answer where a row is not the sum of its facts.
var errRowsDiffer = errors.New("a row differs from the sum of its facts")

// rowsAgree returns nil when every day row kept is the sum of the facts kept
// behind it, every week row the sum of its week's, and no row is kept with
// no fact behind it; errRowsDiffer where not. The facts (agg_member) are
// kept under their day row's key, and a week's days follow each other, so
// one pass in key order over the facts, the day rows and the week rows
// compares them all, with one day row and one week's rows in memory. (Where
// the facts kept are not those recomputed, the chunks say so.) It stops,
// with errRowsDiffer, when stop is closed. It returns how many facts are
// kept.
func rowsAgree(tx *bolt.Tx, stop <-chan struct{}) (int, error) {
	days, weeks := tx.Bucket(bucketAggDay).Cursor(), tx.Bucket(bucketAggWeek).Cursor()
	dk, dv := days.First()
	wk, wv := weeks.First()
	var day []byte                       // the day row being summed
	var sum metrics.Totals               // its facts
	week := map[string]*metrics.Totals{} // the week rows being summed
	var weekOf string                    // their week
	// next compares a row summed with the next one kept.
	next := func(c *bolt.Cursor, k, v *[]byte, key []byte, t *metrics.Totals) error {
		want, err := t.MarshalBinary()
		if err != nil {
			return err
		}
		if !bytes.Equal(*k, key) || *v == nil || !bytes.Equal(*v, want) {
			return errRowsDiffer
		}
		*k, *v = c.Next()
		return nil
	}
	flushWeek := func() error {
		keys := make([]string, 0, len(week))
		for k := range week {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := next(weeks, &wk, &wv, []byte(k), week[k]); err != nil {
				return err
			}
		}
		clear(week)
		return nil
	}
	n, facts := 0, 0
	c := tx.Bucket(bucketAggMember).Cursor()
	for k, v := c.First(); ; k, v = c.Next() {
		if n++; n%4096 == 0 {
			select {
			case <-stop:
				return 0, errRowsDiffer
			default:
			}
		}
		var row []byte
		if k != nil {
			i := bytes.IndexByte(k, 0)
			if i < 0 || v == nil {
				return 0, errRowsDiffer
			}
			row = k[:i]
		}
		if day != nil && !bytes.Equal(row, day) {
			if err := next(days, &dk, &dv, day, &sum); err != nil {
				return 0, err
			}
			complement := sum.Complement
			clear(complement)
			sum = metrics.Totals{Complement: complement}
		}
		if k == nil {
			break
		}
		day = append(day[:0], row...)
		f, err := decodeMember(k, v)
		if err != nil {
			return 0, errRowsDiffer
		}
		facts++
		wkey, err := weekRowKey(f.Key)
		if err != nil {
			return 0, errRowsDiffer
		}
		if w, _, _ := strings.Cut(string(wkey), "|"); w != weekOf {
			if err := flushWeek(); err != nil {
				return 0, err
			}
			weekOf = w
		}
		sum.Add(f, 1)
		t := week[string(wkey)]
		if t == nil {
			t = &metrics.Totals{}
			week[string(wkey)] = t
		}
		t.Add(f, 1)
	}
	if err := flushWeek(); err != nil {
		return 0, err
	}
	if dk != nil || wk != nil {
		return 0, errRowsDiffer // rows with no fact behind them
	}
	return facts, nil
}

// chunkAgrees recomputes, with r, the ledgers and facts of the bookings
// with ids lo through hi and compares them with those kept: it is true
// when the ledgers kept for those ids are the ones recomputed, no more and
// no fewer, and each fact recomputed is kept as it is (that no more are
// kept, the caller counts). It returns how many bookings and facts it
// recomputed, up to the first difference.
func chunkAgrees(tx *bolt.Tx, r *factsReader, lo, hi uint64) (n, members int, agree bool, err error) {
	lc := tx.Bucket(bucketAggBooking).Cursor()
	fc := tx.Bucket(bucketAggMember).Cursor() // one cursor sought, not one made for each Get
	lk, lv := lc.Seek(u64(lo))
	next := u64(hi + 1) // a key longer than 8 bytes sorts after its first 8
	var buf []byte      // what is compared, encoded: one buffer for them all
	agree = true
	err = r.each(tx, u64(lo), u64(hi), func(k []byte, l *metrics.Ledger, fs []metrics.Fact) (bool, error) {
		n++
		// No ledger is kept for an id between the bookings.
		if lk != nil && bytes.Compare(lk, k) < 0 {
			agree = false
			return false, nil
		}
		kept := lk != nil && bytes.Equal(lk, k)
		if l == nil {
			agree = !kept
		} else {
			var err error
			if buf, err = l.AppendBinary(buf[:0]); err != nil {
				return false, err
			}
			agree = kept && lv != nil && bytes.Equal(lv, buf)
		}
		if kept {
			lk, lv = lc.Next()
		}
		for i, f := range fs {
			var err error
			if buf, err = f.AppendBinary(buf[:0]); err != nil { // as encodeMember
				return false, err
			}
			members++
			key := memberKey(f, i)
			if k, v := fc.Seek(key); !bytes.Equal(k, key) || v == nil || !bytes.Equal(v, buf) {
				agree = false
			}
		}
		return agree, nil
	})
	if agree && err == nil && lk != nil && bytes.Compare(lk, next) < 0 {
		agree = false // a ledger past the last booking of the range
	}
	return n, members, agree && err == nil, err
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

// rollbackAll rolls txs back side by side: a rollback lets go of bbolt's
// map lock before it takes the meta lock, which a View waiting for a writer
// that remaps holds; one after the other, the first would wait for the
// meta lock while the others still hold the map.
func rollbackAll(txs []*bolt.Tx) {
	var wg sync.WaitGroup
	for _, tx := range txs {
		wg.Go(func() { _ = tx.Rollback() })
	}
	wg.Wait()
}
