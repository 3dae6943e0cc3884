package storage

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// RestoreGap is how far AfterRestore moves the id sequences on: more
// bookings than a department makes between a night's backup and a failure,
// more messages than one booking decides in a lifetime.
const RestoreGap = 1000

// RestoreReport is what AfterRestore changed.
type RestoreReport struct {
	Bookings        int    `json:"bookings"`
	NextBookingID   uint64 `json:"next_booking_id"`
	MessageIDsAfter uint32 `json:"message_seq_gap"`
}

// AfterRestore prepares a database copied back from a backup for use. The
// work done after the copy was taken is gone from it, but its letters, SMS
// and 1177 messages may already be in the spool folders under their ids; a
// booking or message made again after the restore must never take one of
// those ids (the print folder would keep the old letter and drop the new
// one). So every booking's message sequence moves RestoreGap on, and the
// next booking id moves past both the highest id in the file and seen (the
// highest booking id found in the spool folders) by RestoreGap. One write
// transaction: all or nothing.
func (s *Store) AfterRestore(ctx context.Context, seen uint64) (RestoreReport, error) {
	rep := RestoreReport{MessageIDsAfter: RestoreGap}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		bookings, err := bucket(tx, bucketBookings)
		if err != nil {
			return err
		}
		var maxID uint64
		err = rewriteBookings(ctx, bookings, func(snap *domain.BookingSnapshot) {
			maxID = max(maxID, uint64(snap.ID))
			snap.TimerSeq += RestoreGap
			rep.Bookings++
		})
		if err != nil {
			return err
		}
		next := max(bookings.Sequence(), maxID, seen) + RestoreGap
		if err := bookings.SetSequence(next); err != nil {
			return err
		}
		rep.NextBookingID = next + 1
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("after restore: %w", err)
	}
	return rep, nil
}

// rewriteBookings decodes every booking record, lets change change it and
// writes it back in the binary form.
func rewriteBookings(ctx context.Context, bookings *bolt.Bucket, change func(*domain.BookingSnapshot)) error {
	return rewriteRecords(ctx, bookings, func(k, v []byte) ([]byte, error) {
		snap, err := decodeBookingSnapshot(k, v)
		if err != nil {
			return nil, err
		}
		change(&snap)
		return encodeBookingRecord(&snap), nil
	})
}

// rewriteRecords replaces every value of b with what rewrite makes of it,
// in chunks of a thousand (see rewriteChunk).
func rewriteRecords(ctx context.Context, b *bolt.Bucket, rewrite func(k, v []byte) ([]byte, error)) error {
	var from []byte
	for {
		last, err := rewriteChunk(b, from, 1000, rewrite)
		if err != nil || last == nil {
			return err
		}
		from = last
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// rewriteChunk replaces the values of up to max entries of b after key
// after (nil: from the first) with what rewrite makes of them — nil leaves
// one as it is — and returns the last key it read, nil when none was left.
// A cursor is not to be trusted across a Put, so the chunk is read, then
// written.
func rewriteChunk(b *bolt.Bucket, after []byte, max int, rewrite func(k, v []byte) ([]byte, error)) ([]byte, error) {
	type rec struct{ k, v []byte }
	var (
		chunk []rec
		last  []byte
	)
	c := b.Cursor()
	k, v := c.First()
	if after != nil {
		k, v = c.Seek(after)
		if k != nil && string(k) == string(after) {
			k, v = c.Next()
		}
	}
	for n := 0; k != nil && n < max; k, v = c.Next() {
		n++
		last = append([]byte(nil), k...)
		nv, err := rewrite(k, v)
		if err != nil {
			return nil, err
		}
		if nv != nil {
			chunk = append(chunk, rec{last, nv})
		}
	}
	for _, r := range chunk {
		if err := b.Put(r.k, r.v); err != nil {
			return nil, err
		}
	}
	return last, nil
}
