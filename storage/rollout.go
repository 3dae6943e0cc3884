package storage

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// What the rollout report (issue 12) reads. Both calls read one indexed
// range bounded by the period asked for, never the whole store:
//
//   - DigitalSummonses: the digital summonses sent in a range of days, from
//     agg_member, whose keys start with the day and name the channel group,
//     so the range is one cursor walk and paper-only summonses are passed by
//     on their key without being decoded;
//   - RolloutBookings: the bookings of some examinations with a visit in a
//     range, through idx_visit (every booking record with a visit in the
//     range is read, and decoded only when it names one of the
//     examinations), each with its patient and, when the caller asks, its
//     events (idx_event_booking).
//
// fn is called inside the read transaction: it must not use the store.

var _ metrics.RolloutSource = (*Store)(nil)

// DigitalSummonses implements metrics.RolloutSource.
func (s *Store) DigitalSummonses(ctx context.Context, from, to time.Time, fn func(metrics.Fact) error) error {
	lo, hi := []byte(dayCeil(from)), dayCeil(to)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		bk, err := bucket(tx, bucketAggMember)
		if err != nil {
			return err
		}
		c := bk.Cursor()
		for key, v := c.Seek(lo); key != nil; key, v = c.Next() {
			if string(key[:min(len(key), len(hi))]) >= hi {
				break
			}
			row, _, _ := bytes.Cut(key, []byte{0})
			_, k, err := parseRowKey(row)
			if err != nil {
				return fmt.Errorf("agg_member: %w", err)
			}
			if k.Group != metrics.DigitalOnly && k.Group != metrics.DigitalPaper {
				continue
			}
			f, err := decodeMember(key, v)
			if err != nil {
				return err
			}
			if err := fn(f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("digital summonses: %w", err)
	}
	return nil
}

// RolloutBookings implements metrics.RolloutSource.
func (s *Store) RolloutBookings(ctx context.Context, from, to time.Time, exams []string, fn func(metrics.BookingHistory) error) error {
	if len(exams) == 0 {
		return nil
	}
	r := newKeyRange(nil, domain.BookingQuery{From: from, To: to})
	// A record of another examination is passed by with its head read
	// only. A JSON record (written before schema 12) has "exam":"<code>" in
	// it (codes need no escaping, and a quote inside any text is escaped).
	// A record that cannot be read is wanted, so that reading it whole says
	// what is wrong.
	marks := make([][]byte, len(exams))
	for i, code := range exams {
		marks[i] = []byte(`"exam":` + strconv.Quote(code))
	}
	wanted := func(k, v []byte) bool {
		if len(v) > 0 && v[0] == '{' {
			for _, m := range marks {
				if bytes.Contains(v, m) {
					return true
				}
			}
			return false
		}
		head, err := decodeBookingHead(k, v)
		return err != nil || slices.Contains(exams, head.Exam)
	}
	patients := map[string]domain.Patient{} // read once per call
	err := s.view(ctx, func(tx *bolt.Tx) error {
		idx, err := bucket(tx, bucketIdxVisit)
		if err != nil {
			return err
		}
		bookings, err := bucket(tx, bucketBookings)
		if err != nil {
			return err
		}
		return r.walk(idx.Cursor(), false, func(k []byte) (bool, error) {
			if len(k) != 16 {
				return false, fmt.Errorf("%s/%q: malformed key", bucketIdxVisit, k)
			}
			_, id, _ := splitVisitKey(k)
			bk := u64(uint64(id))
			v := bookings.Get(bk)
			if v == nil {
				return false, fmt.Errorf("%s: entry for missing booking %s", bucketIdxVisit, id)
			}
			if !wanted(bk, v) {
				return true, nil
			}
			snap, err := decodeBookingSnapshot(bk, v)
			if err != nil {
				return false, err
			}
			if !slices.Contains(exams, snap.Exam) {
				return true, nil
			}
			b, err := domain.RehydrateBooking(snap)
			if err != nil {
				return false, fmt.Errorf("bookings/%s: %w", id, err)
			}
			p, ok := patients[snap.Patient]
			if !ok {
				if p, err = getPatient(tx, b.Patient()); err != nil {
					return false, fmt.Errorf("booking %s: %w", id, err)
				}
				patients[snap.Patient] = p
			}
			events := func() ([]domain.Event, error) { return eventsOfBooking(tx, id) }
			return true, fn(metrics.BookingHistory{Booking: b, Patient: p, Events: events})
		})
	})
	if err != nil {
		return fmt.Errorf("rollout bookings: %w", err)
	}
	return nil
}
