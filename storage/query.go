package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// Bookings lists the bookings matching q ordered by visit time, then id (or
// the reverse with q.Reverse). It walks one index: the patient's entries
// when q.Patient is set, else the state's when q.State is set, else the
// visit-time index. Forward it seeks to the later of q.From and q.After and
// stops at the earlier of q.To and q.Before; in reverse it seeks to the
// earlier of q.To and q.Before and walks back to the later of q.From and
// q.After. Either way it stops after q.Limit matches and checks the
// remaining filters on each record it reads. The cost is the number of index
// entries walked, never the number stored.
func (s *Store) Bookings(ctx context.Context, q domain.BookingQuery) ([]*domain.Booking, error) {
	if q.Limit < 0 {
		return nil, fmt.Errorf("list bookings: limit %d is negative", q.Limit)
	}
	var out []*domain.Booking
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		out, err = queryBookings(tx, q)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list bookings: %w", err)
	}
	return out, nil
}

// queryBookings is Bookings inside a transaction.
func queryBookings(tx *bolt.Tx, q domain.BookingQuery) ([]*domain.Booking, error) {
	var (
		index  []byte
		prefix []byte
	)
	switch {
	case !q.Patient.IsZero():
		index, prefix = bucketIdxPatient, prefixed(q.Patient.Canonical(), nil)
	case q.State != "":
		index, prefix = bucketIdxState, prefixed(string(q.State), nil)
	case q.Exam != "":
		index, prefix = bucketIdxExam, prefixed(q.Exam, nil)
	default:
		index = bucketIdxVisit
	}
	r := newKeyRange(prefix, q)
	idx, err := bucket(tx, index)
	if err != nil {
		return nil, err
	}
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return nil, err
	}
	var (
		out  []*domain.Booking
		get  = exactGetter{bookings.Cursor()}
		bk   = make([]byte, 8) // the booking's key, rewritten for each entry
		slab []domain.Booking  // bookings allocated together (RehydrateBookingInto)
	)
	err = r.walk(idx.Cursor(), q.Reverse, func(k []byte) (bool, error) {
		if len(k) != len(prefix)+16 {
			return false, fmt.Errorf("%s/%q: malformed key", index, k)
		}
		_, id, _ := splitVisitKey(k)
		binary.BigEndian.PutUint64(bk, uint64(id))
		v := get.get(bk)
		if v == nil {
			return false, fmt.Errorf("%s: entry for missing booking %s", index, id)
		}
		if match, ok := bookingHeadMatches(v, q); ok && !match {
			return true, nil
		}
		snap, err := decodeBookingSnapshot(bk, v)
		if err != nil {
			return false, err
		}
		if !matches(snap, q) {
			return true, nil
		}
		if len(slab) == 0 {
			slab = make([]domain.Booking, slabSize(len(out), q.Limit-len(out)))
		}
		if err := domain.RehydrateBookingInto(&slab[0], snap); err != nil {
			return false, fmt.Errorf("bookings/%s: %w", id, err)
		}
		out = append(out, &slab[0])
		slab = slab[1:]
		return q.Limit == 0 || len(out) < q.Limit, nil
	})
	return out, err
}

// slabSize is how many bookings queryBookings allocates at once when it
// needs one, having found found, with left still to find (0 or less: no
// limit): as many as found so far, from 1 up to pageSlab, so that a query
// that finds few allocates little — a search keystroke asks for each
// patient's bookings, and most patients have one or two — and a page of
// the screen (100) takes eight allocations. A slab lives as long as any
// booking in it is kept.
func slabSize(found, left int) int {
	n := min(max(1, found), pageSlab)
	if left > 0 {
		n = min(n, left)
	}
	return n
}

// pageSlab is the most bookings allocated together.
const pageSlab = 128

// exactGetter reads values by their exact key through one cursor. Each
// bucket.Get makes a cursor of its own, whose search stack grows anew by
// appends: a page of a hundred bookings and their patients read that way
// made some six hundred allocations, the reads by one cursor none.
type exactGetter struct{ c *bolt.Cursor }

// get is bucket.Get: the value under k, nil when there is none (or k names
// a nested bucket).
func (g exactGetter) get(k []byte) []byte {
	kk, v := g.c.Seek(k)
	if !bytes.Equal(kk, k) {
		return nil
	}
	return v
}

// keyRange is the part of one prefix's index entries a query may return:
// from lo (inclusive) to hi (exclusive), leaving out the key after (the
// After cursor's own entry, when it exists).
type keyRange struct {
	prefix, lo, hi, after []byte
}

// visitBounds are a query's bounds as <visit unix ns><id> tails, the same
// for every prefix: a search walks them under one patient after another.
// Index keys end in <visit unix ns><id> and ids start at 1, so <ns><0>
// sorts before every entry at ns: "from ns on" is >= <ns><0> and "before
// ns" is < <ns><0>. after is nil without an After cursor.
type visitBounds struct{ lo, hi, after []byte }

func boundsOf(q domain.BookingQuery) visitBounds {
	// Every stored visit is at most math.MaxInt64 ns, below all ones.
	b := visitBounds{lo: rawVisitKey(clampNanos(q.From), 0), hi: rawVisitKey(^uint64(0), ^domain.BookingID(0))}
	if q.After != nil {
		b.after = rawVisitKey(clampNanos(q.After.VisitAt), q.After.ID)
		b.lo = maxKey(b.lo, b.after)
	}
	if !q.To.IsZero() {
		b.hi = minKey(b.hi, rawVisitKey(clampNanos(q.To), 0))
	}
	if q.Before != nil {
		b.hi = minKey(b.hi, rawVisitKey(clampNanos(q.Before.VisitAt), q.Before.ID))
	}
	return b
}

func minKey(a, b []byte) []byte {
	if bytes.Compare(b, a) < 0 {
		return b
	}
	return a
}

func maxKey(a, b []byte) []byte {
	if bytes.Compare(b, a) > 0 {
		return b
	}
	return a
}

// newKeyRange turns q's bounds into index keys under prefix.
func newKeyRange(prefix []byte, q domain.BookingQuery) keyRange {
	var r keyRange
	r.set(prefix, boundsOf(q))
	return r
}

// set aims r at b under prefix, writing the keys into r's own slices: a
// search walks the same bounds under many patients without allocating.
func (r *keyRange) set(prefix []byte, b visitBounds) {
	r.prefix = prefix
	r.lo = append(append(r.lo[:0], prefix...), b.lo...)
	r.hi = append(append(r.hi[:0], prefix...), b.hi...)
	if b.after == nil {
		r.after = nil
		return
	}
	r.after = append(append(r.after[:0:cap(r.after)], prefix...), b.after...)
}

// walk calls fn for each key in the range, ascending or descending, until fn
// returns false or an error.
func (r keyRange) walk(c *bolt.Cursor, reverse bool, fn func(k []byte) (bool, error)) error {
	if bytes.Compare(r.lo, r.hi) >= 0 {
		return nil
	}
	var k []byte
	step := c.Next
	if reverse {
		step = c.Prev
		if k, _ = c.Seek(r.hi); k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
	} else {
		k, _ = c.Seek(r.lo)
	}
	for ; k != nil && bytes.HasPrefix(k, r.prefix); k, _ = step() {
		if bytes.Compare(k, r.lo) < 0 || bytes.Compare(k, r.hi) >= 0 {
			break // outside the range: the walk has left it for good
		}
		if r.after != nil && bytes.Equal(k, r.after) {
			continue
		}
		more, err := fn(k)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// matches checks the filters the chosen index does not already apply.
func matches(s domain.BookingSnapshot, q domain.BookingQuery) bool {
	switch {
	case q.Exam != "" && s.Exam != q.Exam:
		return false
	case q.Site != "" && s.Site != q.Site:
		return false
	case q.State != "" && s.State != q.State:
		return false
	case !q.Patient.IsZero() && s.Patient != q.Patient.Canonical():
		return false
	}
	return true
}
