package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// CreateBooking gives out the next booking id and, in the same write
// transaction, calls build with it and the patient's existing bookings, then
// stores the booking build returns with its index entries and the events it
// recorded. An error from build is returned as it is, and nothing is stored
// (the id is not used up either: the sequence rolls back with the rest).
// When ctx carries an access-log entry (domain.WithAccess) it is appended
// for the patient in the same transaction; so in UpdateBooking.
func (s *Store) CreateBooking(ctx context.Context, patient domain.IdentityNumber,
	build func(id domain.BookingID, existing []*domain.Booking) (*domain.Booking, error)) (*domain.Booking, error) {
	if build == nil {
		return nil, errors.New("create booking: no build function")
	}
	var (
		out      *domain.Booking
		buildErr error
	)
	err := s.update(ctx, func(tx *bolt.Tx) error {
		patients, err := bucket(tx, bucketPatients)
		if err != nil {
			return err
		}
		if patient.IsZero() || patients.Get([]byte(patient.Canonical())) == nil {
			return refuse(domain.ErrPatientNotFound)
		}
		bookings, err := bucket(tx, bucketBookings)
		if err != nil {
			return err
		}
		seq, err := bookings.NextSequence()
		if err != nil {
			return err
		}
		id := domain.BookingID(seq)
		existing, err := patientBookings(tx, patient.Canonical(), 0)
		if err != nil {
			return err
		}
		b, err := build(id, existing)
		if err != nil {
			buildErr = err
			// The id is not used up: in a shared bulk transaction the
			// sequence is all this call changed.
			if err := bookings.SetSequence(seq - 1); err != nil {
				return err
			}
			return refuse(err)
		}
		switch {
		case b == nil:
			return fmt.Errorf("create booking %s: build returned no booking", id)
		case b.ID() != id:
			return fmt.Errorf("create booking %s: build returned booking %s", id, b.ID())
		case b.Patient().Canonical() != patient.Canonical():
			return fmt.Errorf("create booking %s: build returned a booking of patient %s, not %s", id, b.Patient(), patient)
		}
		if err := putBooking(tx, b, nil); err != nil {
			return fmt.Errorf("create booking %s: %w", id, err)
		}
		if e, ok := accessFor(ctx, patient, id); ok {
			if err := appendAccess(tx, []domain.AccessEntry{e}, s.bulk.Load() != nil); err != nil {
				return err
			}
		}
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		n, err := bookingCount(meta)
		if err != nil {
			return err
		}
		if err := putUint64(meta, keyBookingCount, n+1); err != nil {
			return err
		}
		out = b
		return nil
	})
	if buildErr != nil {
		return nil, buildErr
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateBooking loads the booking and the patient's other bookings and calls
// fn in one write transaction. When fn succeeds the changed booking replaces
// the stored one: the index entries of the old record are deleted, those of
// the new one written, and the events fn recorded appended to the log. An
// error from fn is returned as it is, and nothing changes.
func (s *Store) UpdateBooking(ctx context.Context, id domain.BookingID,
	fn func(b *domain.Booking, others []*domain.Booking) error) (*domain.Booking, error) {
	if fn == nil {
		return nil, errors.New("update booking: no function")
	}
	var (
		out   *domain.Booking
		fnErr error
	)
	err := s.update(ctx, func(tx *bolt.Tx) error {
		bookings, err := bucket(tx, bucketBookings)
		if err != nil {
			return err
		}
		k := u64(uint64(id))
		v := bookings.Get(k)
		if v == nil {
			return refuse(fmt.Errorf("booking %s: %w", id, domain.ErrNotFound))
		}
		old, b, err := decodeBooking(k, v)
		if err != nil {
			return err
		}
		if waits, err := summonsWaits(tx, old.SummonsMsg); err != nil {
			return err
		} else if waits {
			b.SummonsWaits()
		}
		others, err := patientBookings(tx, old.Patient, id)
		if err != nil {
			return err
		}
		if err := fn(b, others); err != nil {
			fnErr = err
			return refuse(err)
		}
		if b.ID() != id || b.Patient().Canonical() != old.Patient {
			return fmt.Errorf("update booking %s: the function changed the booking's identity", id)
		}
		if err := putBooking(tx, b, &old); err != nil {
			return fmt.Errorf("update booking %s: %w", id, err)
		}
		if e, ok := accessFor(ctx, b.Patient(), id); ok {
			if err := appendAccess(tx, []domain.AccessEntry{e}, s.bulk.Load() != nil); err != nil {
				return err
			}
		}
		out = b
		return nil
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// putBooking writes b's record and index entries (idx_visit, idx_patient,
// idx_state, idx_exam, idx_attention, idx_timer_due), replacing those of old (nil for a
// new booking), writes the messages b decided to the outbox, appends the
// events b recorded and brings the reports' aggregates up to date with them.
func putBooking(tx *bolt.Tx, b *domain.Booking, old *domain.BookingSnapshot) error {
	snap := b.Snapshot()
	keys, err := indexKeys(snap)
	if err != nil {
		return err
	}
	data := encodeBookingRecord(&snap)
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return err
	}
	idx := make([]*bolt.Bucket, len(bookingIndexes))
	for i, name := range bookingIndexes {
		if idx[i], err = bucket(tx, name); err != nil {
			return err
		}
	}
	newKeys := keys.list()
	unchanged := make([]bool, len(newKeys)) // an entry that stays as it is is neither deleted nor written again
	if old != nil {
		ok, err := indexKeys(*old)
		if err != nil {
			return err
		}
		for i, k := range ok.list() {
			if unchanged[i] = bytes.Equal(k, newKeys[i]); unchanged[i] {
				continue
			}
			if err := idx[i].Delete(k); err != nil {
				return err
			}
		}
	}
	if err := bookings.Put(u64(uint64(snap.ID)), data); err != nil {
		return err
	}
	for i, k := range newKeys {
		if unchanged[i] {
			continue
		}
		if err := idx[i].Put(k, []byte{}); err != nil {
			return err
		}
	}
	if err := putAttention(tx, snap); err != nil {
		return err
	}
	if err := putTimersAndMessages(tx, b, snap, old); err != nil {
		return err
	}
	evs := b.TakeEvents()
	if err := appendEvents(tx, b.ID(), evs); err != nil {
		return err
	}
	return updateAggregates(tx, b, evs)
}

func decodeBooking(k, v []byte) (domain.BookingSnapshot, *domain.Booking, error) {
	snap, err := decodeBookingSnapshot(k, v)
	if err != nil {
		return snap, nil, err
	}
	b, err := domain.RehydrateBooking(snap)
	if err != nil {
		return snap, nil, fmt.Errorf("bookings/%s: %w", keyString(k), err)
	}
	return snap, b, nil
}

func decodeBookingSnapshot(k, v []byte) (domain.BookingSnapshot, error) {
	var snap domain.BookingSnapshot
	if err := decodeBookingRecord(v, &snap, false); err != nil {
		return snap, fmt.Errorf("bookings/%s: %w", keyString(k), err)
	}
	if len(k) != 8 || uint64(snap.ID) != binary.BigEndian.Uint64(k) {
		return snap, fmt.Errorf("bookings/%s: record has id %d", keyString(k), snap.ID)
	}
	return snap, nil
}

// patientBookings loads the bookings of the patient with the given canonical
// id through idx_patient, leaving out exclude.
func patientBookings(tx *bolt.Tx, canonical string, exclude domain.BookingID) ([]*domain.Booking, error) {
	idx, err := bucket(tx, bucketIdxPatient)
	if err != nil {
		return nil, err
	}
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return nil, err
	}
	prefix := prefixed(canonical, nil)
	var out []*domain.Booking
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		_, id, err := splitVisitKey(k)
		if err != nil || len(k) != len(prefix)+16 {
			return nil, fmt.Errorf("idx_patient/%s: malformed key", patientRef(k))
		}
		if id == exclude {
			continue
		}
		b, err := loadBooking(bookings, id, "idx_patient")
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// loadBooking reads a booking an index entry points to.
func loadBooking(bookings *bolt.Bucket, id domain.BookingID, index string) (*domain.Booking, error) {
	k := u64(uint64(id))
	v := bookings.Get(k)
	if v == nil {
		return nil, fmt.Errorf("%s: entry for missing booking %s", index, id)
	}
	_, b, err := decodeBooking(k, v)
	return b, err
}

// Booking returns the booking, or an error wrapping domain.ErrNotFound.
func (s *Store) Booking(ctx context.Context, id domain.BookingID) (*domain.Booking, error) {
	var out *domain.Booking
	err := s.view(ctx, func(tx *bolt.Tx) error {
		bookings, err := bucket(tx, bucketBookings)
		if err != nil {
			return err
		}
		k := u64(uint64(id))
		v := bookings.Get(k)
		if v == nil {
			return fmt.Errorf("booking %s: %w", id, domain.ErrNotFound)
		}
		_, out, err = decodeBooking(k, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CountBookings returns how many bookings are stored, from a counter kept in
// meta by CreateBooking.
func (s *Store) CountBookings(ctx context.Context) (int, error) {
	var n uint64
	err := s.view(ctx, func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		n, err = bookingCount(meta)
		return err
	})
	return int(n), err
}

func bookingCount(meta *bolt.Bucket) (uint64, error) {
	v := meta.Get(keyBookingCount)
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: meta/booking_count missing or malformed", ErrDamaged)
	}
	return binary.BigEndian.Uint64(v), nil
}
