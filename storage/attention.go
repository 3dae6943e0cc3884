package storage

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// bucketIdxAttention holds the bookings that need staff (schema version 4):
// <booking id> -> JSON attentionEntry.
var bucketIdxAttention = []byte("idx_attention")

// attentionEntry is why a booking needs staff, computed from its record.
type attentionEntry struct {
	Reasons []string  `json:"reasons"`
	Since   time.Time `json:"since"`
	Late    bool      `json:"late,omitempty"`
}

// attentionOf is the idx_attention entry of a booking record; ok is false
// when the booking needs no one.
func attentionOf(s domain.BookingSnapshot) (e attentionEntry, ok bool) {
	switch s.State {
	case domain.StateRebookRequested:
		e.Reasons = append(e.Reasons, domain.AttentionRebookRequested)
	case domain.StateCancelRequested:
		e.Reasons = append(e.Reasons, domain.AttentionCancelRequested)
	}
	if s.PhoneTask {
		e.Reasons = append(e.Reasons, domain.AttentionPhoneTask)
	}
	if s.HandOver {
		e.Reasons = append(e.Reasons, domain.AttentionHandOver)
	}
	if s.Outdated {
		e.Reasons = append(e.Reasons, domain.AttentionLetterOutdated)
	}
	e.Since = s.StaffSince // when it began to need staff
	if e.Since.IsZero() {
		e.Since = s.UpdatedAt // a record written before schema 17
	}
	e.Late = s.LateRequest && (s.State == domain.StateRebookRequested || s.State == domain.StateCancelRequested)
	return e, len(e.Reasons) > 0
}

// putAttention writes or deletes the booking's idx_attention entry. Only a
// migration from a file older than version 4 meets a missing bucket: it
// stores bookings (migrateLoop) before migrateQueryIndexes builds the index
// from all records in the same transaction, so there is nothing to keep
// then.
func putAttention(tx *bolt.Tx, snap domain.BookingSnapshot) error {
	idx := tx.Bucket(bucketIdxAttention)
	if idx == nil {
		return nil
	}
	return putAttentionEntry(idx, snap)
}

func putAttentionEntry(idx *bolt.Bucket, snap domain.BookingSnapshot) error {
	k := u64(uint64(snap.ID))
	e, ok := attentionOf(snap)
	if !ok {
		return idx.Delete(k)
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return idx.Put(k, data)
}

// Attention lists the bookings that need staff, oldest Since first (then
// by id), at most limit of them (0 = all). It reads idx_attention, which
// holds only those bookings, so the cost is what needs attention, never the
// number of bookings stored.
// Late requests come first, whatever their age.
func (s *Store) Attention(ctx context.Context, limit int) ([]domain.AttentionItem, error) {
	if limit < 0 {
		return nil, fmt.Errorf("attention: limit %d is negative", limit)
	}
	var out []domain.AttentionItem
	err := s.view(ctx, func(tx *bolt.Tx) error {
		idx, err := bucket(tx, bucketIdxAttention)
		if err != nil {
			return err
		}
		bookings, err := bucket(tx, bucketBookings)
		if err != nil {
			return err
		}
		type entry struct {
			id domain.BookingID
			attentionEntry
		}
		var es []entry
		err = idx.ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("idx_attention/%q: malformed key", k)
			}
			e := entry{id: domain.BookingID(binary.BigEndian.Uint64(k))}
			if err := json.Unmarshal(v, &e.attentionEntry); err != nil {
				return fmt.Errorf("idx_attention/%s: %w", keyString(k), err)
			}
			es = append(es, e)
			return nil
		})
		if err != nil {
			return err
		}
		slices.SortFunc(es, func(a, b entry) int {
			late := 0
			switch {
			case a.Late && !b.Late:
				late = -1
			case b.Late && !a.Late:
				late = 1
			}
			return cmp.Or(late, a.Since.Compare(b.Since), cmp.Compare(a.id, b.id))
		})
		if limit > 0 && len(es) > limit {
			es = es[:limit]
		}
		for _, e := range es {
			b, err := loadBooking(bookings, e.id, "idx_attention")
			if err != nil {
				return err
			}
			out = append(out, domain.AttentionItem{Booking: b, Reasons: e.Reasons, Since: e.Since.In(domain.Stockholm), Late: e.Late})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("attention: %w", err)
	}
	return out, nil
}

// AttentionCount is how many bookings idx_attention holds: its keys
// counted, no entry decoded and no booking read. The status line asked
// Attention for a thousand items — each entry's JSON and each booking
// decoded — to draw their number at every refresh.
func (s *Store) AttentionCount(ctx context.Context) (int, error) {
	n := 0
	err := s.view(ctx, func(tx *bolt.Tx) error {
		idx, err := bucket(tx, bucketIdxAttention)
		if err != nil {
			return err
		}
		n = countKeys(idx)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("attention: %w", err)
	}
	return n, nil
}

// FailingOutbox lists the undelivered messages whose delivery failed at
// least minAttempts times (at least once when minAttempts is below 1),
// oldest message first. The outbox holds only what is undelivered, so the
// cost is what waits.
func (s *Store) FailingOutbox(ctx context.Context, minAttempts int) ([]domain.OutboxEntry, error) {
	minAttempts = max(minAttempts, 1)
	var out []domain.OutboxEntry
	err := s.view(ctx, func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		return outbox.ForEach(func(k, v []byte) error {
			e, err := decodeOutbox(k, v)
			if err != nil {
				return err
			}
			if e.Attempts >= minAttempts {
				out = append(out, e)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("failing outbox: %w", err)
	}
	slices.SortFunc(out, func(a, b domain.OutboxEntry) int {
		return cmp.Or(a.Message.CreatedAt.Compare(b.Message.CreatedAt), cmp.Compare(a.Message.ID, b.Message.ID))
	})
	return out, nil
}

// RetryOutbox makes an undelivered message due at `at`, keeping its
// attempts and last error; domain.ErrNotFound when it is not in the outbox.
func (s *Store) RetryOutbox(ctx context.Context, id string, at time.Time) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		outbox, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		raw := outbox.Get([]byte(id))
		if raw == nil {
			return refuse(fmt.Errorf("retry outbox/%s: %w", id, domain.ErrNotFound))
		}
		old, err := decodeOutbox([]byte(id), raw)
		if err != nil {
			return err
		}
		e := old
		e.NextAttempt = at
		return putOutbox(tx, &old, e)
	})
}
