package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// The outbox's derived structures (schema version 9): an index by next
// attempt, so that a tick reads the messages that are due and not those
// that wait for a later attempt, and two counters in meta, so that the
// tick's figures (OutboxStats) cost two reads however many messages wait
// after an outage:
//
//	idx_outbox_due/<next attempt unix ns><message id> -> empty
//	meta/"outbox_waiting" -> uint64   entries in outbox
//	meta/"outbox_failing" -> uint64   of which have failed at least once
//
// Every change of the outbox goes through putOutbox or deleteOutbox, in the
// transaction of the change, and `check` compares both with a recount.
//
// Since schema version 16 a message the loop is handing over is marked,
// from just before it goes until the outcome is recorded (delivered: the
// entry leaves the outbox; failed: it was not handed over):
//
//	outbox_handing/<message id> -> <unix ns>   (domain.OutboxEntry.Handing)
//
// A mark left by a process that stopped half-way says the message may have
// gone. The marks are kept apart from the entries so that marking a batch
// writes a short tree, not every entry again; deleteOutbox takes an
// entry's mark with it.
var (
	bucketIdxOutboxDue  = []byte("idx_outbox_due")
	bucketOutboxHanding = []byte("outbox_handing")

	keyOutboxWaiting = []byte("outbox_waiting")
	keyOutboxFailing = []byte("outbox_failing")
)

// outboxDueKey is <next attempt unix ns><message id>. An instant before
// 1970 sorts first, as due.
func outboxDueKey(next time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, clampNanos(next))
	return append(k, id...)
}

func decodeOutbox(k, v []byte) (domain.OutboxEntry, error) {
	var e domain.OutboxEntry
	if err := decodeOutboxRecord(v, &e, false); err != nil {
		return e, fmt.Errorf("outbox/%s: %w", keyString(k), err)
	}
	return e, nil
}

// outboxCounts reads the counters.
func outboxCounts(meta *bolt.Bucket) (waiting, failing uint64, err error) {
	w, f := meta.Get(keyOutboxWaiting), meta.Get(keyOutboxFailing)
	if len(w) != 8 || len(f) != 8 {
		return 0, 0, fmt.Errorf("%w: meta/outbox_waiting or meta/outbox_failing missing or malformed", ErrDamaged)
	}
	return binary.BigEndian.Uint64(w), binary.BigEndian.Uint64(f), nil
}

// addOutboxCounts adds dw and df to the counters; a counter that would go
// below zero means they no longer agree with the outbox.
func addOutboxCounts(tx *bolt.Tx, dw, df int) error {
	if dw == 0 && df == 0 {
		return nil
	}
	meta, err := bucket(tx, bucketMeta)
	if err != nil {
		return err
	}
	w, f, err := outboxCounts(meta)
	if err != nil {
		return err
	}
	if int64(w)+int64(dw) < 0 || int64(f)+int64(df) < 0 {
		return fmt.Errorf("%w: the outbox counters (%d waiting, %d failing) disagree with the outbox; run `kallelse check`", ErrDamaged, w, f)
	}
	if err := putUint64(meta, keyOutboxWaiting, uint64(int64(w)+int64(dw))); err != nil {
		return err
	}
	return putUint64(meta, keyOutboxFailing, uint64(int64(f)+int64(df)))
}

func failingCount(e *domain.OutboxEntry) int {
	if e != nil && e.Attempts > 0 {
		return 1
	}
	return 0
}

// putOutbox writes e, replacing old (nil for a new entry), and keeps the
// due index and the counters in step.
func putOutbox(tx *bolt.Tx, old *domain.OutboxEntry, e domain.OutboxEntry) error {
	outbox, err := bucket(tx, bucketOutbox)
	if err != nil {
		return err
	}
	due, err := bucket(tx, bucketIdxOutboxDue)
	if err != nil {
		return err
	}
	data := encodeOutboxRecord(&e)
	id := e.Message.ID
	dw := 1
	if old != nil {
		dw = 0
		if err := due.Delete(outboxDueKey(old.NextAttempt, id)); err != nil {
			return err
		}
	}
	if err := outbox.Put([]byte(id), data); err != nil {
		return err
	}
	if err := due.Put(outboxDueKey(e.NextAttempt, id), []byte{}); err != nil {
		return err
	}
	return addOutboxCounts(tx, dw, failingCount(&e)-failingCount(old))
}

// deleteOutbox takes message id out of the outbox (delivered); an id not
// in it is left alone.
func deleteOutbox(tx *bolt.Tx, id string) error {
	outbox, err := bucket(tx, bucketOutbox)
	if err != nil {
		return err
	}
	raw := outbox.Get([]byte(id))
	if raw == nil {
		return nil
	}
	// Only what the index and the counters need: the message itself is
	// passed over, not built.
	var e domain.OutboxEntry
	if err := decodeOutboxRecord(raw, &e, true); err != nil {
		return fmt.Errorf("outbox/%s: %w", keyString([]byte(id)), err)
	}
	due, err := bucket(tx, bucketIdxOutboxDue)
	if err != nil {
		return err
	}
	if err := due.Delete(outboxDueKey(e.NextAttempt, id)); err != nil {
		return err
	}
	if err := outbox.Delete([]byte(id)); err != nil {
		return err
	}
	if err := unmarkHanding(tx, id); err != nil {
		return err
	}
	return addOutboxCounts(tx, -1, -failingCount(&e))
}

// unmarkHanding takes message id's Handing mark away, if it has one.
func unmarkHanding(tx *bolt.Tx, id string) error {
	handing, err := bucket(tx, bucketOutboxHanding)
	if err != nil {
		return err
	}
	return handing.Delete([]byte(id))
}

// summonsWaits is true when message id (a booking's current summons) is
// still in the outbox and not marked as being handed over: it has not
// gone (domain.Booking.SummonsWaits).
func summonsWaits(tx *bolt.Tx, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	outbox, err := bucket(tx, bucketOutbox)
	if err != nil {
		return false, err
	}
	handing, err := bucket(tx, bucketOutboxHanding)
	if err != nil {
		return false, err
	}
	return outbox.Get([]byte(id)) != nil && handing.Get([]byte(id)) == nil, nil
}

// handingOf is message id's Handing mark (zero for none).
func handingOf(handing *bolt.Bucket, id []byte) (time.Time, error) {
	v := handing.Get(id)
	if v == nil {
		return time.Time{}, nil
	}
	if len(v) != 8 {
		return time.Time{}, fmt.Errorf("outbox_handing/%s: malformed", keyString(id))
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v))).In(domain.Stockholm), nil
}

// migrateOutboxHanding (version 16) makes the bucket of Handing marks.
func migrateOutboxHanding(tx *bolt.Tx) error {
	_, err := tx.CreateBucketIfNotExists(bucketOutboxHanding)
	return err
}

// migrateOutboxIndex (version 9) builds idx_outbox_due and the outbox
// counters from the outbox.
func migrateOutboxIndex(tx *bolt.Tx) error {
	due, err := tx.CreateBucketIfNotExists(bucketIdxOutboxDue)
	if err != nil {
		return err
	}
	outbox, err := bucket(tx, bucketOutbox)
	if err != nil {
		return err
	}
	var waiting, failing uint64
	var keys [][]byte
	err = outbox.ForEach(func(k, v []byte) error {
		e, err := decodeOutbox(k, v)
		if err != nil {
			return err
		}
		waiting++
		failing += uint64(failingCount(&e))
		keys = append(keys, outboxDueKey(e.NextAttempt, string(k)))
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(keys, bytes.Compare) // in key order, see nameIndexBatch
	for _, k := range keys {
		if err := due.Put(k, []byte{}); err != nil {
			return err
		}
	}
	meta, err := bucket(tx, bucketMeta)
	if err != nil {
		return err
	}
	if err := putUint64(meta, keyOutboxWaiting, waiting); err != nil {
		return err
	}
	return putUint64(meta, keyOutboxFailing, failing)
}
