package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/binrec"
)

// appendEvents writes events to the log in order, giving each the next
// sequence number (set into evs[i].Seq) and indexing booking events by
// booking. Every event must concern booking (0: no booking).
func appendEvents(tx *bolt.Tx, booking domain.BookingID, evs []domain.Event) error {
	if len(evs) == 0 {
		return nil
	}
	log, err := bucket(tx, bucketEvents)
	if err != nil {
		return err
	}
	// The log only ever grows at its end: full pages hold it in about half
	// the pages of bbolt's default half-full split (as the access log).
	log.FillPercent = 0.95
	idx, err := bucket(tx, bucketIdxEventBooking)
	if err != nil {
		return err
	}
	for i := range evs {
		e := &evs[i]
		if e.Booking != booking {
			return fmt.Errorf("event %s names booking %d, expected %d", e.Type, e.Booking, booking)
		}
		seq, err := log.NextSequence()
		if err != nil {
			return err
		}
		e.Seq = seq
		if err := log.Put(u64(seq), encodeEventRecord(e)); err != nil {
			return err
		}
		if booking != 0 {
			k := make([]byte, 16)
			binary.BigEndian.PutUint64(k, uint64(booking))
			binary.BigEndian.PutUint64(k[8:], seq)
			if err := idx.Put(k, []byte{}); err != nil {
				return err
			}
		}
	}
	return nil
}

func decodeEvent(k, v []byte) (domain.Event, error) {
	var e domain.Event
	if err := decodeEventRecord(v, &e); err != nil {
		return e, fmt.Errorf("events/%s: %w", keyString(k), err)
	}
	if len(k) != 8 || e.Seq != binary.BigEndian.Uint64(k) {
		return e, fmt.Errorf("events/%s: record has seq %d", keyString(k), e.Seq)
	}
	e.At = e.At.In(domain.Stockholm)
	if e.VisitAt != nil {
		t := e.VisitAt.In(domain.Stockholm)
		e.VisitAt = &t
	}
	if e.PreviousVisitAt != nil {
		t := e.PreviousVisitAt.In(domain.Stockholm)
		e.PreviousVisitAt = &t
	}
	return e, nil
}

// BookingEvents returns the booking's events in log order, or an error
// wrapping domain.ErrNotFound for an unknown booking.
func (s *Store) BookingEvents(ctx context.Context, id domain.BookingID) ([]domain.Event, error) {
	var out []domain.Event
	err := s.view(ctx, func(tx *bolt.Tx) error {
		bookings, err := bucket(tx, bucketBookings)
		if err != nil {
			return err
		}
		if bookings.Get(u64(uint64(id))) == nil {
			return fmt.Errorf("booking %s: %w", id, domain.ErrNotFound)
		}
		log, err := bucket(tx, bucketEvents)
		if err != nil {
			return err
		}
		idx, err := bucket(tx, bucketIdxEventBooking)
		if err != nil {
			return err
		}
		prefix := u64(uint64(id))
		c := idx.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != 16 {
				return fmt.Errorf("idx_event_booking/%x: malformed key", k)
			}
			seq := k[8:]
			v := log.Get(seq)
			if v == nil {
				return fmt.Errorf("idx_event_booking: booking %s: event %s missing", id, keyString(seq))
			}
			e, err := decodeEvent(seq, v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Events returns the log from after seq (exclusive), at most limit entries
// (0 = all). It is how a reader catches up on what other writers did.
// Not part of domain.Store.
func (s *Store) Events(ctx context.Context, after uint64, limit int) ([]domain.Event, error) {
	if limit < 0 {
		return nil, fmt.Errorf("list events: limit %d is negative", limit)
	}
	if after == ^uint64(0) {
		return nil, ctx.Err()
	}
	var out []domain.Event
	err := s.view(ctx, func(tx *bolt.Tx) error {
		log, err := bucket(tx, bucketEvents)
		if err != nil {
			return err
		}
		c := log.Cursor()
		for k, v := c.Seek(u64(after + 1)); k != nil && (limit == 0 || len(out) < limit); k, v = c.Next() {
			e, err := decodeEvent(k, v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return out, nil
}

// An event is binary since schema 12 (events written before are JSON, and
// are still read; the log is not rewritten): 0x04, seq (uvarint), type, at
// (an instant), actor, booking (uvarint), patient, channels and reasons
// (counts, then strings), visit_at and previous_visit_at (0 for none, else
// 1 and an instant), message_id, reminder, timer, note, correction (0 or
// 1), site, previous_site. Instants are read back in Stockholm, as events
// always were.
const eventRecordBinary = 0x04

// encodeEventRecord is an event in the binary form.
func encodeEventRecord(ev *domain.Event) []byte {
	e := binrec.Encoder{B: make([]byte, 0, 96)}
	e.B = append(e.B, eventRecordBinary)
	e.Uvarint(ev.Seq)
	e.String(string(ev.Type))
	e.Instant(ev.At)
	e.String(ev.Actor)
	e.Uvarint(uint64(ev.Booking))
	e.String(ev.Patient)
	binrec.List(&e, ev.Channels)
	binrec.List(&e, ev.Reasons)
	for _, t := range []*time.Time{ev.VisitAt, ev.PreviousVisitAt} {
		if t == nil {
			e.Uvarint(0)
			continue
		}
		e.Uvarint(1)
		e.Instant(*t)
	}
	for _, str := range []string{ev.MessageID, ev.Reminder, string(ev.Timer), ev.Note} {
		e.String(str)
	}
	e.Uvarint(boolBit(ev.Correction))
	e.String(ev.Site)
	e.String(ev.PreviousSite)
	return e.B
}

// decodeEventRecord reads an event in either form into ev.
func decodeEventRecord(v []byte, ev *domain.Event) error {
	if len(v) > 0 && v[0] == '{' {
		return json.Unmarshal(v, ev)
	}
	if len(v) == 0 || v[0] != eventRecordBinary {
		return errors.New("not an event")
	}
	d := binrec.Decoder{B: v[1:]}
	ev.Seq = d.Uvarint()
	ev.Type = domain.EventType(d.String())
	ev.At = d.Instant(domain.Stockholm)
	ev.Actor = d.String()
	ev.Booking = domain.BookingID(d.Uvarint())
	ev.Patient = d.String()
	ev.Channels = binrec.ReadList[domain.Channel](&d)
	ev.Reasons = binrec.ReadList[domain.Reason](&d)
	for _, p := range []**time.Time{&ev.VisitAt, &ev.PreviousVisitAt} {
		if readBool(&d) {
			t := d.Instant(domain.Stockholm)
			*p = &t
		}
	}
	ev.MessageID = d.String()
	ev.Reminder = d.String()
	ev.Timer = domain.TimerKind(d.String())
	ev.Note = d.String()
	ev.Correction = readBool(&d)
	ev.Site = d.String()
	ev.PreviousSite = d.String()
	return d.End()
}
