package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/binrec"
)

// The access log (since schema version 8): who looked at or changed which
// patient's data, when, where and how. Entries are appended with the next
// sequence number and never changed; three indexes find one patient's
// entries (the patient's extract), one user's (the follow-up) and a time
// range without reading the rest of the log:
//
//	access/                                sequence: the last seq
//	    <seq>  -> binary entry (see encodeAccess)
//	idx_access_patient/
//	    <canonical id> 0x00 <at unix ns><seq>   -> empty
//	idx_access_user/
//	    <user> 0x00 <at unix ns><seq>           -> empty
//	idx_access_time/
//	    <at unix ns><seq>                       -> empty
var (
	bucketAccess        = []byte("access")
	bucketIdxAccessPat  = []byte("idx_access_patient")
	bucketIdxAccessUser = []byte("idx_access_user")
	bucketIdxAccessTime = []byte("idx_access_time")
)

// accessBuckets are the access log's buckets, created by migration 8.
var accessBuckets = [][]byte{bucketAccess, bucketIdxAccessPat, bucketIdxAccessUser, bucketIdxAccessTime}

// accessFormat is the first byte of every stored entry: the encoding's version.
const accessFormat = 1

// encodeAccess writes an entry compactly — a region's ten years are some ten
// million entries: the format byte, the instant (varint unix ns), the
// booking (uvarint), the identity kind (uvarint), then user, role, unit,
// patient, action, via and session as length-prefixed strings.
func encodeAccess(e domain.AccessEntry) []byte {
	n := 1 + 3*binary.MaxVarintLen64 + 7*binary.MaxVarintLen64 + len(e.User) + len(e.Role) + len(e.Unit) +
		len(e.Patient.Canonical()) + len(e.Action) + len(e.Via) + len(e.Session)
	return appendAccessEncoding(make([]byte, 0, n), &e)
}

// appendAccessEncoding appends what encodeAccess returns to b.
func appendAccessEncoding(b []byte, e *domain.AccessEntry) []byte {
	w := binrec.Encoder{B: append(b, accessFormat)}
	w.Varint(e.At.UnixNano())
	w.Uvarint(uint64(e.Booking))
	w.Uvarint(uint64(e.Patient.Kind()))
	for _, s := range [...]string{e.User, string(e.Role), e.Unit, e.Patient.Canonical(), string(e.Action), e.Via, e.Session} {
		w.String(s)
	}
	return w.B
}

// minNanoTime is the first instant whose unix nanoseconds fit in an int64.
var minNanoTime = time.Unix(0, math.MinInt64)

// errAccessRecord is wrapped by every decoding error: a damaged entry.
var errAccessRecord = errors.New("malformed access-log entry")

// decodeAccess reads what encodeAccess wrote; seq is the entry's key.
func decodeAccess(seq uint64, b []byte) (domain.AccessEntry, error) {
	bad := func(what string) (domain.AccessEntry, error) {
		return domain.AccessEntry{}, fmt.Errorf("access/%d: %w: %s", seq, errAccessRecord, what)
	}
	if len(b) == 0 || b[0] != accessFormat {
		return bad("unknown format")
	}
	d := binrec.Decoder{B: b[1:]}
	at, booking, kind := d.Varint(), d.Uvarint(), d.Uvarint()
	var strs [7]string
	for i := range strs {
		strs[i] = d.String()
	}
	if err := d.End(); err != nil {
		return bad(err.Error())
	}
	if kind > 16 {
		return bad("identity kind")
	}
	var id domain.IdentityNumber
	if strs[3] != "" {
		var err error
		if id, err = domain.RehydrateIdentity(strs[3], domain.IdentityKind(kind)); err != nil {
			return bad("patient")
		}
	}
	return domain.AccessEntry{
		Seq: seq, At: time.Unix(0, at).In(domain.Stockholm), Booking: domain.BookingID(booking),
		User: strs[0], Role: domain.Role(strs[1]), Unit: strs[2], Patient: id,
		Action: domain.AccessAction(strs[4]), Via: strs[5], Session: strs[6],
	}, nil
}

// appendAccess writes entries to the log inside tx, each with the next
// sequence number: to the recent entries (see access_recent), which the
// loop folds into the log and its indexes; or, in a bulk load (direct),
// straight into them, since nobody reads the file meanwhile and a long
// transaction would carry every entry twice. An entry must name a user, a
// patient and an action: an access that cannot be attributed is refused,
// and with it the transaction it belongs to.
func appendAccess(tx *bolt.Tx, entries []domain.AccessEntry, direct bool) error {
	if len(entries) == 0 {
		return nil
	}
	log, err := bucket(tx, bucketAccess)
	if err != nil {
		return err
	}
	if direct {
		recent, err := bucket(tx, bucketAccessRecent)
		if err != nil {
			return err
		}
		// The log runs up to the recent entries: they go first.
		for recentCount(recent, log) > 0 {
			if _, err := foldAccess(tx, accessFoldChunk); err != nil {
				return err
			}
			recent = tx.Bucket(bucketAccessRecent)
		}
	}
	recs := make([]accessRecord, 0, len(entries))
	values := make([][]byte, 0, len(entries))
	for i := range entries {
		e := &entries[i]
		if err := checkAccessEntry(e); err != nil {
			return err
		}
		if direct {
			seq, err := log.NextSequence()
			if err != nil {
				return err
			}
			e.Seq = seq
			recs = append(recs, accessRecord{e: *e, value: encodeAccess(*e)})
			continue
		}
		values = append(values, encodeAccess(*e))
	}
	if direct {
		return putAccess(tx, recs)
	}
	first, err := appendRecentValues(tx, values)
	for i := range entries {
		entries[i].Seq = first + uint64(i)
	}
	return err
}

// appendRecentValues puts encoded entries into the recent entries, each
// under the log's next sequence number, and folds the recent entries
// itself when no loop has: an extract never reads more than
// accessRecentMax of them. It returns the first value's sequence number;
// the others follow it.
func appendRecentValues(tx *bolt.Tx, values [][]byte) (first uint64, err error) {
	log, err := bucket(tx, bucketAccess)
	if err != nil {
		return 0, err
	}
	recent, err := bucket(tx, bucketAccessRecent)
	if err != nil {
		return 0, err
	}
	recent.FillPercent = 0.95 // it grows at its end
	first = log.Sequence() + 1
	for _, v := range values {
		seq, err := log.NextSequence()
		if err != nil {
			return 0, err
		}
		if err := recent.Put(u64(seq), v); err != nil {
			return 0, err
		}
	}
	for recentCount(recent, log) >= accessRecentMax {
		// No loop has folded them: this transaction does, so that an
		// extract never reads more than accessRecentMax recent entries.
		if _, err := foldAccess(tx, accessFoldChunk); err != nil {
			return 0, err
		}
		recent = tx.Bucket(bucketAccessRecent)
	}
	return first, nil
}

// accessFor builds the entry the context carries (domain.WithAccess) for one
// patient and booking a write touches; ok is false when the context carries
// none (the loop, the system).
func accessFor(ctx context.Context, patient domain.IdentityNumber, booking domain.BookingID) (domain.AccessEntry, bool) {
	e, ok := domain.AccessFrom(ctx)
	if !ok {
		return e, false
	}
	e.Patient, e.Booking = patient, booking
	return e, true
}

// LogAccess logs entries: the reads that show patients' data, before they
// are shown. They are appended to the access journal and synced (see
// accessJournal), which the loop folds into the log; in a bulk load, or
// after the journal failed in a way it could not undo, in one transaction
// of the log itself. Writes log theirs in their own transaction
// (domain.WithAccess).
func (s *Store) LogAccess(ctx context.Context, entries []domain.AccessEntry) error {
	if len(entries) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.journal != nil && !s.bulkLoad && s.bulk.Load() == nil {
		if ok, err := s.journal.append(entries); ok {
			return err
		}
	}
	es := append([]domain.AccessEntry(nil), entries...)
	err := s.update(ctx, func(tx *bolt.Tx) error { return appendAccess(tx, es, s.bulk.Load() != nil) })
	if err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	return nil
}

// accessPage is how many entries AccessEntries reads per read transaction,
// so that an extract of millions of entries never holds one open for long.
var accessPage = 1000

// AccessEntries calls fn for every entry matching q, in the order of the
// instants they carry (then sequence). It reads the index that fits: one
// patient's entries, one user's, or a time range, so that the cost follows
// the entries found, not the size of the log; and the recent entries not
// yet folded into the indexes (at most accessRecentMax), merged in. Entries
// appended after the reading began (such as the reader's own) are left
// out. fn's error stops the reading and is returned.
func (s *Store) AccessEntries(ctx context.Context, q domain.AccessQuery, fn func(domain.AccessEntry) error) error {
	if _, err := s.foldJournal(ctx); err != nil {
		return err
	}
	var idxName []byte
	var prefix []byte
	switch {
	case !q.Patient.IsZero():
		idxName, prefix = bucketIdxAccessPat, prefixed(q.Patient.Canonical(), nil)
	case q.User != "":
		idxName, prefix = bucketIdxAccessUser, prefixed(q.User, nil)
	default:
		idxName, prefix = bucketIdxAccessTime, nil
	}
	from := append(append([]byte(nil), prefix...), u64(clampNanos(q.From))...)
	var to []byte
	if !q.To.IsZero() {
		to = append(append([]byte(nil), prefix...), u64(clampNanos(q.To))...)
	}
	n := 0
	emit := func(e domain.AccessEntry) (bool, error) {
		if q.Limit > 0 && n >= q.Limit {
			return false, nil
		}
		n++
		return true, fn(e)
	}
	next := from
	var (
		last   uint64 // entries appended after the reading began are left out
		folded uint64 // the indexes hold every entry below it that counts
		recent []domain.AccessEntry
	)
	first := true
	for next != nil {
		var page []domain.AccessEntry
		var resume []byte
		err := s.view(ctx, func(tx *bolt.Tx) error {
			idx, err := bucket(tx, idxName)
			if err != nil {
				return err
			}
			log, err := bucket(tx, bucketAccess)
			if err != nil {
				return err
			}
			if first {
				// The recent entries as they are now: those folded while
				// the reading goes on are left out of the index's pages.
				last, first = log.Sequence(), false
				if recent, folded, err = recentAccess(tx, q, last); err != nil {
					return err
				}
			}
			c := idx.Cursor()
			for k, _ := c.Seek(next); k != nil; k, _ = c.Next() {
				if !bytes.HasPrefix(k, prefix) || (to != nil && bytes.Compare(k, to) >= 0) {
					return nil
				}
				if len(page) == accessPage {
					resume = append([]byte(nil), k...)
					return nil
				}
				_, seq, err := splitVisitKey(k)
				if err != nil {
					return fmt.Errorf("%s/%x: %w", idxName, k, err)
				}
				if uint64(seq) >= folded {
					continue
				}
				v := log.Get(u64(uint64(seq)))
				if v == nil {
					return fmt.Errorf("%s: entry %d missing from the access log", idxName, seq)
				}
				e, err := decodeAccess(uint64(seq), v)
				if err != nil {
					return err
				}
				if q.User != "" && e.User != q.User {
					continue
				}
				page = append(page, e)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("access log: %w", err)
		}
		for _, e := range page {
			for len(recent) > 0 && compareAccess(recent[0], e) < 0 {
				if more, err := emit(recent[0]); err != nil || !more {
					return err
				}
				recent = recent[1:]
			}
			if more, err := emit(e); err != nil || !more {
				return err
			}
		}
		next = resume
	}
	for _, e := range recent {
		if more, err := emit(e); err != nil || !more {
			return err
		}
	}
	return nil
}

// AccessStats counts the entries and gives the last sequence number, for
// `kallelse audit --stats` and the consistency check.
func (s *Store) AccessStats(ctx context.Context) (entries int, lastSeq uint64, err error) {
	if _, err := s.foldJournal(ctx); err != nil {
		return 0, 0, err
	}
	err = s.view(ctx, func(tx *bolt.Tx) error {
		log, err := bucket(tx, bucketAccess)
		if err != nil {
			return err
		}
		recent, err := bucket(tx, bucketAccessRecent)
		if err != nil {
			return err
		}
		entries = log.Stats().KeyN + recentCount(recent, log)
		lastSeq = log.Sequence()
		return nil
	})
	return entries, lastSeq, err
}

// migrateAccessLog (version 8) creates the access log's buckets.
func migrateAccessLog(tx *bolt.Tx) error {
	for _, name := range accessBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}
