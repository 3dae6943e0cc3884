package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"

	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// The background loop's buckets (schema version 3).
var (
	bucketIdxTimerDue = []byte("idx_timer_due")
	bucketOutbox      = []byte("outbox")
	bucketMessages    = []byte("messages")
	bucketReceipts    = []byte("receipts")
)

var _ domain.LoopStore = (*Store)(nil)

// timerKey is <due unix ns><booking id><timer seq>: a cursor from the start
// of idx_timer_due meets the due timers first and stops at the first one
// that is not due, so finding due work costs what is due, not what is stored.
func timerKey(due time.Time, id domain.BookingID, seq uint32) ([]byte, error) {
	ns, err := visitNanos(due)
	if err != nil {
		return nil, fmt.Errorf("timer due %s: %w", due, err)
	}
	k := make([]byte, 20)
	binary.BigEndian.PutUint64(k, ns)
	binary.BigEndian.PutUint64(k[8:], uint64(id))
	binary.BigEndian.PutUint32(k[16:], seq)
	return k, nil
}

func timerKeys(s domain.BookingSnapshot) ([][]byte, error) {
	var out [][]byte
	for _, t := range s.Timers {
		k, err := timerKey(t.Due, s.ID, t.Seq)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// putTimersAndMessages keeps idx_timer_due in step with the booking record,
// takes the messages it withdrew out of the outbox and writes the messages
// it decided to the outbox and the message register — all in the
// transaction that writes the record.
func putTimersAndMessages(tx *bolt.Tx, b *domain.Booking, snap domain.BookingSnapshot, old *domain.BookingSnapshot) error {
	idx, err := bucket(tx, bucketIdxTimerDue)
	if err != nil {
		return err
	}
	newKeys, err := timerKeys(snap)
	if err != nil {
		return err
	}
	// A timer that stays is neither deleted nor written again.
	kept := map[string]bool{}
	if old != nil {
		oldKeys, err := timerKeys(*old)
		if err != nil {
			return err
		}
		for _, k := range oldKeys {
			if slices.ContainsFunc(newKeys, func(n []byte) bool { return bytes.Equal(n, k) }) {
				kept[string(k)] = true
				continue
			}
			if err := idx.Delete(k); err != nil {
				return err
			}
		}
	}
	for _, k := range newKeys {
		if kept[string(k)] {
			continue
		}
		if err := idx.Put(k, []byte{}); err != nil {
			return err
		}
	}
	// Reminders withdrawn unsent leave the outbox with the event that
	// says so.
	for _, id := range b.TakeWithdrawn() {
		if err := deleteOutbox(tx, id); err != nil {
			return err
		}
	}
	msgs := b.TakeMessages()
	if len(msgs) == 0 {
		return nil
	}
	register, err := bucket(tx, bucketMessages)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.ID == "" || m.Booking != b.ID() {
			return fmt.Errorf("message %q of booking %s is malformed", m.ID, b.ID())
		}
		if register.Get([]byte(m.ID)) != nil {
			return fmt.Errorf("message %s decided twice", m.ID)
		}
		first := m.CreatedAt
		if m.NotBefore.After(first) {
			first = m.NotBefore
		}
		rec, err := json.Marshal(messageRecord{Booking: m.Booking, Kind: m.Kind, Purpose: m.Purpose, CreatedAt: m.CreatedAt})
		if err != nil {
			return err
		}
		if err := putOutbox(tx, nil, domain.OutboxEntry{Message: m, NextAttempt: first}); err != nil {
			return err
		}
		if err := register.Put([]byte(m.ID), rec); err != nil {
			return err
		}
	}
	return nil
}

// messageRecord is the permanent register of a message: which booking it
// belongs to (for receipts) and when it left the outbox.
type messageRecord struct {
	Booking     domain.BookingID   `json:"booking"`
	Kind        domain.MessageKind `json:"kind"`
	Purpose     domain.Purpose     `json:"purpose"`
	CreatedAt   time.Time          `json:"created_at"`
	DeliveredAt time.Time          `json:"delivered_at,omitzero"`
}

// FireDue implements domain.LoopStore.
func (s *Store) FireDue(ctx context.Context, now time.Time, limit int, skip map[domain.BookingID]bool,
	fn func(b *domain.Booking, p domain.Patient) error) (int, []domain.FireFailure, error) {
	if limit <= 0 {
		limit = 100
	}
	var (
		fired  int
		failed []domain.FireFailure
	)
	err := s.update(ctx, func(tx *bolt.Tx) error {
		idx, err := bucket(tx, bucketIdxTimerDue)
		if err != nil {
			return err
		}
		ns, err := visitNanos(now)
		if err != nil {
			return err
		}
		var ids []domain.BookingID
		seen := map[domain.BookingID]bool{}
		c := idx.Cursor()
		for k, _ := c.First(); k != nil && len(ids) < limit; k, _ = c.Next() {
			if len(k) != 20 {
				return fmt.Errorf("idx_timer_due: malformed key %s", keyString(k))
			}
			if binary.BigEndian.Uint64(k) > ns {
				break
			}
			id := domain.BookingID(binary.BigEndian.Uint64(k[8:]))
			if !seen[id] && !skip[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		fired, failed, err = fireBookings(tx, ids, now, true, fn)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return fired, failed, nil
}

// FireDueOf implements domain.LoopStore: FireDue for the bookings ids
// alone, each read by its id, so that the cost is what is asked, not what
// is due.
func (s *Store) FireDueOf(ctx context.Context, now time.Time, ids []domain.BookingID,
	fn func(b *domain.Booking, p domain.Patient) error) (int, []domain.FireFailure, error) {
	var (
		fired  int
		failed []domain.FireFailure
	)
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var err error
		fired, failed, err = fireBookings(tx, ids, now, false, fn)
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return fired, failed, nil
}

// fireBookings calls fn for each booking of ids that has a timer due at
// now, once each, with the booking and its patient as this write
// transaction reads them, and stores what fn changed. A booking that
// cannot be read, whose patient cannot be read or whose fn fails is left
// as it was and returned as failed. indexed: the ids are those
// idx_timer_due found due, and one naming no booking is the index's
// damage; else an id naming no booking, or one with nothing due, is
// passed over.
func fireBookings(tx *bolt.Tx, ids []domain.BookingID, now time.Time, indexed bool,
	fn func(b *domain.Booking, p domain.Patient) error) (fired int, failed []domain.FireFailure, err error) {
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return 0, nil, err
	}
	seen := map[domain.BookingID]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		k := u64(uint64(id))
		v := bookings.Get(k)
		if v == nil {
			if indexed {
				return 0, nil, fmt.Errorf("idx_timer_due names booking %s, which does not exist", id)
			}
			continue
		}
		old, b, err := decodeBooking(k, v)
		if err == nil && !indexed && !slices.ContainsFunc(old.Timers, func(t domain.Timer) bool { return !t.Due.After(now) }) {
			continue // nothing of it is due
		}
		if err == nil {
			var p domain.Patient
			if p, err = getPatient(tx, b.Patient()); err == nil {
				err = fn(b, p)
			}
		}
		if err != nil {
			failed = append(failed, domain.FireFailure{Booking: id, Err: err})
			continue
		}
		if err := putBooking(tx, b, &old); err != nil {
			return 0, nil, fmt.Errorf("booking %s: %w", id, err)
		}
		fired++
	}
	return fired, failed, nil
}

func receiptKey(r domain.Receipt) []byte {
	return append(append([]byte(r.MessageID), 0), r.Type...)
}

// ApplyReceipt implements domain.LoopStore.
func (s *Store) ApplyReceipt(ctx context.Context, r domain.Receipt, fn func(b *domain.Booking, p domain.Patient, m domain.SentMessage) error) (bool, error) {
	var duplicate bool
	var fnErr error
	err := s.update(ctx, func(tx *bolt.Tx) error {
		register, err := bucket(tx, bucketMessages)
		if err != nil {
			return err
		}
		raw := register.Get([]byte(r.MessageID))
		if raw == nil {
			return refuse(&domain.ReceiptProblem{Reason: fmt.Sprintf("%s %q", domain.ErrUnknownMessage, r.MessageID),
				Code: domain.ReceiptUnknownMessage, Args: []string{strconv.Quote(r.MessageID)}})
		}
		var rec messageRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return fmt.Errorf("messages/%s: %w", r.MessageID, err)
		}
		if rec.Kind != domain.MessageInbox {
			return refuse(&domain.ReceiptProblem{Reason: fmt.Sprintf("%s %q: receipts come for 1177 messages only, this is a %s", domain.ErrUnknownMessage, r.MessageID, rec.Kind),
				Code: domain.ReceiptNotInbox, Args: []string{strconv.Quote(r.MessageID)}})
		}
		receipts, err := bucket(tx, bucketReceipts)
		if err != nil {
			return err
		}
		rk := receiptKey(r)
		if receipts.Get(rk) != nil {
			duplicate = true
			return nil
		}
		bookings, err := bucket(tx, bucketBookings)
		if err != nil {
			return err
		}
		k := u64(uint64(rec.Booking))
		v := bookings.Get(k)
		if v == nil {
			return fmt.Errorf("message %s names booking %s, which does not exist", r.MessageID, rec.Booking)
		}
		old, b, err := decodeBooking(k, v)
		if err != nil {
			return err
		}
		p, err := getPatient(tx, b.Patient())
		if err != nil {
			return err
		}
		sent := domain.SentMessage{ID: r.MessageID, Kind: rec.Kind, Purpose: rec.Purpose, CreatedAt: rec.CreatedAt}
		if err := fn(b, p, sent); err != nil {
			fnErr = err
			return refuse(err)
		}
		if err := putBooking(tx, b, &old); err != nil {
			return err
		}
		return receipts.Put(rk, []byte(r.At.UTC().Format(time.RFC3339Nano)))
	})
	if fnErr != nil {
		return false, fnErr
	}
	return duplicate, err
}

// PendingOutbox implements domain.LoopStore: the messages whose next
// attempt is due, earliest first, read through idx_outbox_due, so that the
// cost is what is due, not what waits for a later attempt.
func (s *Store) PendingOutbox(ctx context.Context, now time.Time, limit int) ([]domain.OutboxEntry, error) {
	var out []domain.OutboxEntry
	err := s.view(ctx, func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		due, err := bucket(tx, bucketIdxOutboxDue)
		if err != nil {
			return err
		}
		handing, err := bucket(tx, bucketOutboxHanding)
		if err != nil {
			return err
		}
		ns := clampNanos(now)
		c := due.Cursor()
		for k, _ := c.First(); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
			if len(k) <= 8 {
				return fmt.Errorf("idx_outbox_due/%s: malformed key", keyString(k))
			}
			if binary.BigEndian.Uint64(k) > ns {
				break
			}
			id := k[8:]
			v := outbox.Get(id)
			if v == nil {
				return fmt.Errorf("idx_outbox_due names message %q, which is not in the outbox", id)
			}
			e, err := decodeOutbox(id, v)
			if err != nil {
				return err
			}
			if e.Handing, err = handingOf(handing, id); err != nil {
				return err
			}
			if !e.NextAttempt.After(now) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

// OutboxHanding implements domain.LoopStore: one short tree written for
// the batch (see outbox.go).
func (s *Store) OutboxHanding(ctx context.Context, ids []string, at time.Time) (marked []string, err error) {
	err = s.update(ctx, func(tx *bolt.Tx) error {
		marked = marked[:0]
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		handing, err := bucket(tx, bucketOutboxHanding)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if outbox.Get([]byte(id)) == nil {
				continue
			}
			if err := handing.Put([]byte(id), u64(clampNanos(at))); err != nil {
				return err
			}
			marked = append(marked, id)
		}
		return nil
	})
	return marked, err
}

// OutboxUnmark implements domain.LoopStore.
func (s *Store) OutboxUnmark(ctx context.Context, ids []string) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		for _, id := range ids {
			if err := unmarkHanding(tx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// OutboxDelivered implements domain.LoopStore.
func (s *Store) OutboxDelivered(ctx context.Context, ids []string, at time.Time) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		register, err := bucket(tx, bucketMessages)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := deleteOutbox(tx, id); err != nil {
				return err
			}
			raw := register.Get([]byte(id))
			if raw == nil {
				continue
			}
			var rec messageRecord
			if err := json.Unmarshal(raw, &rec); err != nil {
				return fmt.Errorf("messages/%s: %w", id, err)
			}
			rec.DeliveredAt = at
			data, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			if err := register.Put([]byte(id), data); err != nil {
				return err
			}
		}
		return nil
	})
}

// OutboxFailed implements domain.LoopStore.
func (s *Store) OutboxFailed(ctx context.Context, id string, at time.Time, why string, next time.Time, unmark bool) (int, error) {
	var attempts int
	err := s.update(ctx, func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		raw := outbox.Get([]byte(id))
		if raw == nil {
			return refuse(fmt.Errorf("outbox/%s: %w", id, domain.ErrNotFound))
		}
		old, err := decodeOutbox([]byte(id), raw)
		if err != nil {
			return err
		}
		e := old
		e.Attempts++
		e.NextAttempt, e.LastError = next, why
		attempts = e.Attempts
		if unmark {
			if err := unmarkHanding(tx, id); err != nil {
				return err
			}
		}
		return putOutbox(tx, &old, e)
	})
	return attempts, err
}

// OutboxStats implements domain.LoopStore from the counters kept with the
// outbox (see outbox.go): two reads, however many messages wait.
func (s *Store) OutboxStats(ctx context.Context) (waiting, failing int, err error) {
	err = s.view(ctx, func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		w, f, err := outboxCounts(meta)
		waiting, failing = int(w), int(f)
		return err
	})
	return waiting, failing, err
}

// CountDueTimers counts timers due at or before now (for status displays),
// seeking only over the due part of the index.
func (s *Store) CountDueTimers(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.view(ctx, func(tx *bolt.Tx) error {
		idx, err := bucket(tx, bucketIdxTimerDue)
		if err != nil {
			return err
		}
		ns, err := visitNanos(now)
		if err != nil {
			return err
		}
		end := u64(ns + 1)
		c := idx.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}
