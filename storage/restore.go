package storage

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
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
		// In chunks: a cursor is not to be trusted across a Put, so each
		// chunk is read, then written, then the cursor seeks past it.
		var maxID uint64
		var from []byte
		for {
			type rec struct{ k, v []byte }
			var chunk []rec
			c := bookings.Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
				if k != nil && string(k) == string(from) {
					k, v = c.Next()
				}
			}
			for ; k != nil && len(chunk) < 1000; k, v = c.Next() {
				snap, err := decodeBookingSnapshot(k, v)
				if err != nil {
					return err
				}
				maxID = max(maxID, uint64(snap.ID))
				snap.TimerSeq += RestoreGap
				data, err := json.Marshal(snap)
				if err != nil {
					return err
				}
				chunk = append(chunk, rec{append([]byte(nil), k...), data})
			}
			if len(chunk) == 0 {
				break
			}
			for _, r := range chunk {
				if err := bookings.Put(r.k, r.v); err != nil {
					return err
				}
			}
			rep.Bookings += len(chunk)
			from = chunk[len(chunk)-1].k
			if err := ctx.Err(); err != nil {
				return err
			}
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
