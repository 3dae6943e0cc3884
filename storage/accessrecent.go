package storage

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// The access log's recent entries (since schema version 15). An entry is
// written first to access_recent, under its sequence number, in the
// transaction of the access it records: durable with it, and read by every
// extract. The loop folds the recent entries, oldest first and a chunk at a
// time, into the log and its three indexes (FoldAccessLog).
//
//	access_recent/
//	    <seq>  -> binary entry (as in access/)
//
// Why: idx_access_patient is keyed by patient, so the entries of a page of
// the bookings list, some thirty patients, land in thirty leaves of a tree
// of ten million entries, and bbolt reads and rewrites each: 728 KB and
// 1,440 allocations for a page-down at a million bookings, against 56 KB
// for the same key once the patients had been shown. A screen's key press
// now appends to one short tree; the loop pays for the indexes, in batches
// put in key order.
//
// access_recent holds the entries after the log's last one, without a gap:
// the log runs 1…k and access_recent k+1…sequence (the log's bucket keeps
// the sequence).
var bucketAccessRecent = []byte("access_recent")

// accessFoldChunk is how many recent entries one transaction of
// FoldAccessLog folds.
var accessFoldChunk = 2000

// accessRecentMax is how many recent entries an append lets stand before it
// folds them itself, when no loop runs (the CLI alone, a long stop of the
// loop): every extract reads them all.
var accessRecentMax = 5000

// migrateAccessRecent (version 15) creates access_recent.
func migrateAccessRecent(tx *bolt.Tx) error {
	_, err := tx.CreateBucketIfNotExists(bucketAccessRecent)
	return err
}

// recentCount is how many entries access_recent holds: they run from its
// first key to the log's sequence.
func recentCount(recent, log *bolt.Bucket) int {
	k, _ := recent.Cursor().First()
	if len(k) != 8 {
		return 0
	}
	return int(log.Sequence() - binary.BigEndian.Uint64(k) + 1)
}

// FoldAccessLog moves the access log's recent entries into the log and its
// indexes, a chunk a write transaction, and returns how many it moved. The
// loop calls it every tick.
func (s *Store) FoldAccessLog(ctx context.Context) (int, error) {
	total, err := s.foldJournal(ctx)
	if err != nil {
		return total, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var waiting bool
		if err := s.view(ctx, func(tx *bolt.Tx) error {
			recent, err := bucket(tx, bucketAccessRecent)
			if err == nil {
				k, _ := recent.Cursor().First()
				waiting = k != nil
			}
			return err
		}); err != nil || !waiting {
			return total, err // nothing to fold: no write, no fsync
		}
		var n int
		err := s.update(ctx, func(tx *bolt.Tx) error {
			var err error
			n, err = foldAccess(tx, accessFoldChunk)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("access log: fold: %w", err)
		}
		total += n
		if n < accessFoldChunk {
			return total, nil
		}
	}
}

// foldAccess moves up to max recent entries, oldest first, into the log and
// its indexes inside tx, and returns how many it moved.
func foldAccess(tx *bolt.Tx, max int) (int, error) {
	recent, err := bucket(tx, bucketAccessRecent)
	if err != nil {
		return 0, err
	}
	var recs []accessRecord
	c := recent.Cursor()
	// The keys and values are copied: they point into the file's map, and
	// bbolt keeps what is put until the commit, which may map it anew.
	for k, v := c.First(); k != nil && len(recs) < max; k, v = c.Next() {
		if len(k) != 8 {
			return 0, fmt.Errorf("access_recent/%x: malformed key", k)
		}
		seq := binary.BigEndian.Uint64(k)
		e, err := decodeAccess(seq, v)
		if err != nil {
			// A damaged entry goes into the log as it is, without index
			// entries, for check to report: it never stops the entries
			// after it, nor the accesses that append more.
			e = domain.AccessEntry{Seq: seq}
		}
		recs = append(recs, accessRecord{e: e, value: bytes.Clone(v), damaged: err != nil})
	}
	if len(recs) == 0 {
		return 0, nil
	}
	if err := putAccess(tx, recs); err != nil {
		return 0, err
	}
	if err := countDamagedAccess(tx, recs); err != nil {
		return 0, err
	}
	if k, _ := c.Seek(u64(recs[len(recs)-1].e.Seq + 1)); k == nil {
		// All of them: the bucket is made anew rather than emptied key by
		// key from its front, which in a bulk load's long transaction (one
		// node, split only at the commit) moves the rest at each key.
		if err := tx.DeleteBucket(bucketAccessRecent); err != nil {
			return 0, err
		}
		_, err := tx.CreateBucket(bucketAccessRecent)
		return len(recs), err
	}
	for _, r := range recs {
		if err := recent.Delete(u64(r.e.Seq)); err != nil {
			return 0, err
		}
	}
	return len(recs), nil
}

// keyAccessDamaged (in meta) counts the entries the log holds that could
// not be read when they were folded: they have no index entries, so no
// extract finds them, and an extract says how many there are
// (AccessUnreadable). check counts them again and compares.
var keyAccessDamaged = []byte("access_damaged")

// countDamagedAccess adds the damaged entries of recs to keyAccessDamaged.
func countDamagedAccess(tx *bolt.Tx, recs []accessRecord) error {
	n := 0
	for _, r := range recs {
		if r.damaged {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	meta, err := bucket(tx, bucketMeta)
	if err != nil {
		return err
	}
	return meta.Put(keyAccessDamaged, u64(accessDamaged(meta)+uint64(n)))
}

// accessDamaged is keyAccessDamaged's count (0 when absent).
func accessDamaged(meta *bolt.Bucket) uint64 {
	if v := meta.Get(keyAccessDamaged); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// AccessUnreadable is how many access-log entries cannot be read (a
// damaged file): whose they are cannot be told, so every reading of the
// log leaves them out, and an extract says how many there are. check names
// them.
func (s *Store) AccessUnreadable(ctx context.Context) (int, error) {
	if _, err := s.foldJournal(ctx); err != nil {
		return 0, err
	}
	n := 0
	err := s.view(ctx, func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		recent, err := bucket(tx, bucketAccessRecent)
		if err != nil {
			return err
		}
		n = int(accessDamaged(meta))
		return recent.ForEach(func(k, v []byte) error {
			if len(k) == 8 {
				if _, err := decodeAccess(binary.BigEndian.Uint64(k), v); err != nil {
					n++
				}
			}
			return nil
		})
	})
	return n, err
}

// accessRecord is an entry and its encoding, to put into the log; a
// damaged one (that cannot be read) gets no index entries.
type accessRecord struct {
	e       domain.AccessEntry
	value   []byte
	damaged bool
}

// accessTrees are the access log and its indexes by patient, user and time.
func accessTrees(tx *bolt.Tx) (log, byPatient, byUser, byTime *bolt.Bucket, err error) {
	var bs [4]*bolt.Bucket
	for i, name := range accessBuckets {
		if bs[i], err = bucket(tx, name); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	return bs[0], bs[1], bs[2], bs[3], nil
}

// putAccess puts entries, in sequence order and each after the log's last,
// into the log and its three indexes. Each index gets its keys in key
// order: keys put at random places of one node make a transaction
// quadratic (see nameIndexBatch).
func putAccess(tx *bolt.Tx, recs []accessRecord) error {
	log, byPatient, byUser, byTime, err := accessTrees(tx)
	if err != nil {
		return err
	}
	// The log and the time index only ever grow at their end: full pages
	// keep ten million entries in about half the pages of bbolt's default
	// half-full split.
	log.FillPercent, byTime.FillPercent = 0.95, 0.95
	if last, _ := log.Cursor().Last(); last != nil && binary.BigEndian.Uint64(last) >= recs[0].e.Seq {
		return fmt.Errorf("access log: entry %d is put after entry %d", recs[0].e.Seq, binary.BigEndian.Uint64(last))
	}
	patientKeys, userKeys := make([][]byte, 0, len(recs)), make([][]byte, 0, len(recs))
	for _, r := range recs {
		if err := log.Put(u64(r.e.Seq), r.value); err != nil {
			return err
		}
		if r.damaged {
			continue
		}
		tail := rawVisitKey(clampNanos(r.e.At), domain.BookingID(r.e.Seq))
		if err := byTime.Put(tail, []byte{}); err != nil {
			return err
		}
		patientKeys = append(patientKeys, prefixed(r.e.Patient.Canonical(), tail))
		userKeys = append(userKeys, prefixed(r.e.User, tail))
	}
	for _, ix := range []struct {
		b    *bolt.Bucket
		keys [][]byte
	}{{byPatient, patientKeys}, {byUser, userKeys}} {
		slices.SortFunc(ix.keys, bytes.Compare)
		for _, k := range ix.keys {
			if err := ix.b.Put(k, []byte{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// recentAccess is the recent entries matching q up to sequence last, in
// the order of their instants, then sequence; and the first sequence
// access_recent holds (last+1 when none), below which the indexes hold
// every entry.
func recentAccess(tx *bolt.Tx, q domain.AccessQuery, last uint64) ([]domain.AccessEntry, uint64, error) {
	recent, err := bucket(tx, bucketAccessRecent)
	if err != nil {
		return nil, 0, err
	}
	var out []domain.AccessEntry
	first := last + 1
	c := recent.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return nil, 0, fmt.Errorf("access_recent/%x: malformed key", k)
		}
		seq := binary.BigEndian.Uint64(k)
		if seq > last {
			break
		}
		first = min(first, seq)
		e, err := decodeAccess(seq, v)
		if err != nil {
			continue // damaged: whose it is cannot be read; check names it
		}
		at := clampNanos(e.At)
		switch {
		case !q.Patient.IsZero() && e.Patient.Canonical() != q.Patient.Canonical(),
			q.User != "" && e.User != q.User,
			at < clampNanos(q.From),
			!q.To.IsZero() && at >= clampNanos(q.To):
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, compareAccess)
	return out, first, nil
}

// compareAccess orders entries as the indexes do: by instant, then
// sequence.
func compareAccess(a, b domain.AccessEntry) int {
	return cmp.Or(cmp.Compare(clampNanos(a.At), clampNanos(b.At)), cmp.Compare(a.Seq, b.Seq))
}
