package storage

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// Bookings lists the bookings matching q ordered by visit time, then id. It
// walks one index: the patient's entries when q.Patient is set, else the
// state's when q.State is set, else the visit-time index; it seeks to the
// later of q.From and q.After, stops at q.To and after q.Limit matches, and
// checks the remaining filters on each record it reads. The cost is the
// number of index entries walked, never the number stored.
func (s *Store) Bookings(ctx context.Context, q domain.BookingQuery) ([]*domain.Booking, error) {
	if q.Limit < 0 {
		return nil, fmt.Errorf("list bookings: limit %d is negative", q.Limit)
	}
	var (
		index  []byte
		prefix []byte
	)
	switch {
	case !q.Patient.IsZero():
		index, prefix = bucketIdxPatient, prefixed(q.Patient.Canonical(), nil)
	case q.State != "":
		index, prefix = bucketIdxState, prefixed(string(q.State), nil)
	default:
		index = bucketIdxVisit
	}
	seek := append(append([]byte{}, prefix...), rawVisitKey(clampNanos(q.From), 0)...)
	var after []byte
	if q.After != nil {
		after = append(append([]byte{}, prefix...), rawVisitKey(clampNanos(q.After.VisitAt), q.After.ID)...)
		if bytes.Compare(after, seek) > 0 {
			seek = after
		}
	}
	hasTo, toNanos := !q.To.IsZero(), clampNanos(q.To)

	var out []*domain.Booking
	err := s.view(ctx, func(tx *bolt.Tx) error {
		idx, err := bucket(tx, index)
		if err != nil {
			return err
		}
		bookings, err := bucket(tx, bucketBookings)
		if err != nil {
			return err
		}
		c := idx.Cursor()
		for k, _ := c.Seek(seek); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != len(prefix)+16 {
				return fmt.Errorf("%s/%q: malformed key", index, k)
			}
			if after != nil && bytes.Compare(k, after) <= 0 {
				continue
			}
			ns, id, _ := splitVisitKey(k)
			if hasTo && ns >= toNanos {
				break
			}
			bk := u64(uint64(id))
			v := bookings.Get(bk)
			if v == nil {
				return fmt.Errorf("%s: entry for missing booking %s", index, id)
			}
			snap, err := decodeBookingSnapshot(bk, v)
			if err != nil {
				return err
			}
			if !matches(snap, q) {
				continue
			}
			b, err := domain.RehydrateBooking(snap)
			if err != nil {
				return fmt.Errorf("bookings/%s: %w", id, err)
			}
			out = append(out, b)
			if q.Limit > 0 && len(out) == q.Limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list bookings: %w", err)
	}
	return out, nil
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
