package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// UpsertPatients creates or updates patients by identity number in one
// transaction, keeping idx_patient_name in step, and logs a patient_created
// or patient_updated event for each one that changed. A patient listed twice
// is compared with its first version. On error nothing is stored. When ctx
// carries an access-log entry (domain.WithAccess), one is appended for each
// patient created or changed, in the same transaction.
func (s *Store) UpsertPatients(ctx context.Context, ps []domain.Patient, now time.Time, actor string) (domain.PatientUpsertResult, error) {
	var res domain.PatientUpsertResult
	if actor == "" {
		return res, errors.New("upsert patients: acting user missing")
	}
	for i, p := range ps {
		if p.ID().IsZero() {
			return res, fmt.Errorf("upsert patients: patient %d has no identity number", i+1)
		}
	}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		res = domain.PatientUpsertResult{}
		b, err := bucket(tx, bucketPatients)
		if err != nil {
			return err
		}
		names, err := bucket(tx, bucketIdxPatientName)
		if err != nil {
			return err
		}
		var events []domain.Event
		var access []domain.AccessEntry
		nameChanges := nameIndexBatch{}
		// The records are put in key order once all are decided, as the
		// name index is (see nameIndexBatch): an import of half a million
		// patients in the order of the file would be quadratic. written
		// holds what this call decided, so that a patient listed twice is
		// compared with its first version.
		written := map[string][]byte{}
		for _, p := range ps {
			snap := p.Snapshot()
			key := []byte(snap.ID)
			typ := domain.EventPatientCreated
			var prev *domain.PatientSnapshot
			old, ok := written[snap.ID]
			if !ok {
				old = b.Get(key)
			}
			if old != nil {
				prev = new(domain.PatientSnapshot)
				if err := decodePatientRecord(old, prev); err != nil {
					return fmt.Errorf("patients/%s: %w", patientRef(key), err)
				}
				if prev.Equal(snap) {
					res.Unchanged++
					continue
				}
				typ = domain.EventPatientUpdated
				res.Updated++
			} else {
				res.Created++
			}
			data := encodePatientRecord(&snap)
			written[snap.ID] = data
			nameChanges.change(prev, snap)
			events = append(events, domain.Event{Type: typ, At: now, Actor: actor, Patient: p.ID().String()})
			if prev != nil {
				if err := patientChanged(tx, *prev, p, now, actor); err != nil {
					return err
				}
			}
			if e, ok := accessFor(ctx, p.ID(), 0); ok {
				access = append(access, e)
			}
		}
		keys := make([]string, 0, len(written))
		for k := range written {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := b.Put([]byte(k), written[k]); err != nil {
				return fmt.Errorf("patients/%s: %w", patientRef([]byte(k)), err)
			}
		}
		if err := nameChanges.apply(names); err != nil {
			return err
		}
		if err := appendAccess(tx, access, s.bulk.Load() != nil); err != nil {
			return err
		}
		return appendEvents(tx, 0, events)
	})
	if err != nil {
		return domain.PatientUpsertResult{}, fmt.Errorf("upsert patients: %w", err)
	}
	return res, nil
}

// Patient returns the patient, or an error wrapping domain.ErrNotFound.
func (s *Store) Patient(ctx context.Context, id domain.IdentityNumber) (domain.Patient, error) {
	var p domain.Patient
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		p, err = getPatient(tx, id)
		return err
	})
	return p, err
}

func getPatient(tx *bolt.Tx, id domain.IdentityNumber) (domain.Patient, error) {
	b, err := bucket(tx, bucketPatients)
	if err != nil {
		return domain.Patient{}, err
	}
	if id.IsZero() {
		return domain.Patient{}, fmt.Errorf("patient without identity number: %w", domain.ErrNotFound)
	}
	v := b.Get([]byte(id.Canonical()))
	if v == nil {
		return domain.Patient{}, domain.ErrPatientNotFound
	}
	return decodePatient([]byte(id.Canonical()), v)
}

func decodePatient(k, v []byte) (domain.Patient, error) {
	var snap domain.PatientSnapshot
	if err := decodePatientRecord(v, &snap); err != nil {
		return domain.Patient{}, fmt.Errorf("patients/%s: %w", patientRef(k), err)
	}
	p, err := domain.RehydratePatient(snap)
	if err != nil {
		return domain.Patient{}, fmt.Errorf("patients/%s: %w", patientRef(k), err)
	}
	if p.ID().Canonical() != string(k) {
		return domain.Patient{}, fmt.Errorf("patients/%s: record is of another patient, %s", patientRef(k), patientRef([]byte(p.ID().Canonical())))
	}
	return p, nil
}

// Patients lists patients ordered by canonical identity number, starting
// after the one given (exclusive; canonical or display form, "" for the
// start), at most limit of them (0 = all).
func (s *Store) Patients(ctx context.Context, after string, limit int) ([]domain.Patient, error) {
	if limit < 0 {
		return nil, fmt.Errorf("list patients: limit %d is negative", limit)
	}
	start := []byte(strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(after)))
	var out []domain.Patient
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketPatients)
		if err != nil {
			return err
		}
		c := b.Cursor()
		k, v := c.First()
		if len(start) > 0 {
			k, v = c.Seek(start)
			if k != nil && bytes.Equal(k, start) {
				k, v = c.Next()
			}
		}
		for ; k != nil && (limit == 0 || len(out) < limit); k, v = c.Next() {
			p, err := decodePatient(k, v)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list patients: %w", err)
	}
	return out, nil
}

// PatientsByID reads several patients in one transaction, keyed by
// canonical identity number; unknown ones are left out. A screen that shows
// a page of bookings needs their names at once, not one transaction each.
func (s *Store) PatientsByID(ctx context.Context, ids []domain.IdentityNumber) ([]domain.Patient, error) {
	// One slice, no map: a page of the bookings list reads a hundred, and
	// its rows point into this slice.
	out := make([]domain.Patient, len(ids))
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketPatients)
		if err != nil {
			return err
		}
		get := exactGetter{b.Cursor()}
		for i, id := range ids {
			if id.IsZero() {
				continue
			}
			if i > 0 && ids[i-1] == id && !out[i-1].ID().IsZero() {
				out[i] = out[i-1] // the same patient's next booking
				continue
			}
			k := []byte(id.Canonical())
			v := get.get(k)
			if v == nil {
				continue
			}
			p, err := decodePatient(k, v)
			if err != nil {
				return err
			}
			out[i] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// patientChanged tells the patient's bookings that the record changed, in
// the same transaction as the change: a booking whose summons went
// schedules its re-check (see domain.Booking.PatientChanged), so a crash
// cannot lose it.
func patientChanged(tx *bolt.Tx, prevSnap domain.PatientSnapshot, cur domain.Patient, now time.Time, actor string) error {
	prev, err := domain.RehydratePatient(prevSnap)
	if err != nil {
		return fmt.Errorf("patients/%s: %w", patientRef([]byte(prevSnap.ID)), err)
	}
	bs, err := patientBookings(tx, cur.ID().Canonical(), 0)
	if err != nil {
		return err
	}
	for _, b := range bs {
		old := b.Snapshot()
		if !b.PatientChanged(prev, cur, now, actor) {
			continue
		}
		if err := putBooking(tx, b, &old); err != nil {
			return fmt.Errorf("booking %s: %w", b.ID(), err)
		}
	}
	return nil
}
