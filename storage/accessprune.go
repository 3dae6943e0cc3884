package storage

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// accessPruneBatch is how many entries one transaction of PruneAccess
// removes: the loop and every terminal go on between them.
var accessPruneBatch = 5000

// PruneAccess removes entries from the start of the access log — the
// oldest, in the order they were written — while prunable says the
// instant each carries may go (domain.AccessPrunable), with their entries
// in the three indexes, accessPruneBatch a transaction, and returns how
// many it removed. It stops at the first entry that may not go, and at one
// that cannot be read (whose instant is unknown: `check` names it), so the
// log keeps running without a gap from its first entry to its last. The
// recent entries are folded into the log first (as the loop does). dryRun
// counts what would go and removes nothing.
func (s *Store) PruneAccess(ctx context.Context, prunable func(at time.Time) bool, dryRun bool) (int, error) {
	if _, err := s.FoldAccessLog(ctx); err != nil {
		return 0, err
	}
	total := 0
	var from uint64 // dry run: where the next batch's count starts
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, more := 0, false
		pass := func(tx *bolt.Tx) error {
			log, byPatient, byUser, byTime, err := accessTrees(tx)
			if err != nil {
				return err
			}
			var gone [][]byte
			c := log.Cursor()
			k, v := c.First()
			if dryRun {
				k, v = c.Seek(u64(from))
			}
			for ; k != nil; k, v = c.Next() {
				if n == accessPruneBatch {
					more = true
					break
				}
				if len(k) != 8 {
					return fmt.Errorf("access/%x: malformed key", k)
				}
				seq := binary.BigEndian.Uint64(k)
				e, err := decodeAccess(seq, v)
				if err != nil || !prunable(e.At) {
					break
				}
				n++
				from = seq + 1
				if dryRun {
					continue
				}
				tail := rawVisitKey(clampNanos(e.At), domain.BookingID(seq))
				for _, del := range []struct {
					b *bolt.Bucket
					k []byte
				}{{byPatient, prefixed(e.Patient.Canonical(), tail)}, {byUser, prefixed(e.User, tail)}, {byTime, tail}} {
					if err := del.b.Delete(del.k); err != nil {
						return err
					}
				}
				gone = append(gone, append([]byte(nil), k...))
			}
			for _, k := range gone {
				if err := log.Delete(k); err != nil {
					return err
				}
			}
			return nil
		}
		var err error
		if dryRun {
			err = s.view(ctx, pass)
		} else {
			err = s.update(ctx, pass)
		}
		if err != nil {
			return total, fmt.Errorf("access log: %w", err)
		}
		total += n
		if !more {
			return total, nil
		}
	}
}
