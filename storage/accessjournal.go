package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// The access journal: where the reads that show patients' data (LogAccess)
// are logged, before the data is shown, outside bbolt. A file beside the
// database, <db>.access-journal (mode 0600), to which each LogAccess
// appends its entries as one write and syncs them; the loop, every reader
// of the log and Close fold the journal into the log (FoldAccessLog).
//
// Why: a key press that shows a page of patients for the first time logs
// some thirty entries. As a bbolt commit that cost some 90 KB at a million
// bookings, whatever the entries: bbolt merges and writes its free list
// at every commit (30 KB at 1,582 free pages, growing with the file's free
// pages), rewrites the nodes on the path to the recent list (27 KB), and
// its meta page. An append to a file costs the entries' own bytes.
//
// Each record is framed so that a crash half way through an append, which
// returned no success and so showed nothing, is told from a whole record:
//
//	<length of body, uint32 BE> <CRC-32C of body, uint32 BE> <body>
//	body: <journal number J, uint64 BE> <the entry, as encodeAccess writes it>
//
// J counts up by one a record, and the meta bucket keeps the last J folded
// (meta/access_journal_folded) and the length and SHA-256 of the journal's
// bytes that fold read (meta/access_journal_prefix), in the transaction
// that folds: a fold interrupted after its commit, before the journal was
// emptied, leaves a journal that starts with those bytes, and the next
// fold reads on after them, folding nothing twice. A journal that does not
// start with them was never folded, whatever its numbers: one left beside
// the file before it was moved, or reached by another path, or beside a
// backup restored, is folded whole, not taken for folded. A record that ends the file and is incomplete or fails its
// checksum is the append a crash cut short, and is dropped; one that fails
// its checksum between whole records is a damaged entry, put into the log
// as it is for check to report (as foldAccess does); and a file whose
// framing cannot be followed has the rest kept aside, whole, in
// <db>.access-journal.damaged-<time>, which check reports.
type accessJournal struct {
	path   string
	noSync bool

	mu     sync.Mutex // the file, its size and the next J
	f      *os.File   // opened for appending at the first append; nil before
	size   int64      // the bytes in f
	next   uint64     // the next record's J
	broken bool       // an append failed and could not be undone: log to bbolt
	buf    []byte     // an append's records, kept from one append to the next

	foldMu sync.Mutex // one fold at a time
}

// accessJournalSuffix is appended to the database's path.
const accessJournalSuffix = ".access-journal"

// journalMaxBody bounds a record's body: an entry's strings are a user,
// a role, a unit, an identity number, an action, a way in and a session,
// each short. A length above it is not a record's.
const journalMaxBody = 1 << 16

var (
	keyAccessJournalFolded = []byte("access_journal_folded")
	keyAccessJournalPrefix = []byte("access_journal_prefix")
	journalCRC             = crc32.MakeTable(crc32.Castagnoli)
)

// AccessJournalPath is the access journal's path for the database at path.
func AccessJournalPath(dbPath string) string { return dbPath + accessJournalSuffix }

// newAccessJournal is the journal beside the store's file, its next J
// after the last one folded (a journal left by a crash may hold more:
// folding it moves next past them).
func (s *Store) newAccessJournal(noSync bool) (*accessJournal, error) {
	j := &accessJournal{path: AccessJournalPath(s.path), noSync: noSync}
	err := s.db.View(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err == nil {
			j.next = journalFolded(meta) + 1
		}
		return err
	})
	return j, err
}

// checkAccessEntry refuses an entry that cannot be attributed or read back:
// it must name a user, a patient, an action and an instant whose
// nanoseconds fit.
func checkAccessEntry(e *domain.AccessEntry) error {
	switch {
	case e.User == "":
		return errors.New("access log: an entry without a user")
	case e.Patient.IsZero():
		return fmt.Errorf("access log: %s by %s names no patient", e.Action, e.User)
	case e.Action == "":
		return fmt.Errorf("access log: an entry by %s without an action", e.User)
	case e.At.IsZero():
		return fmt.Errorf("access log: %s by %s has no instant", e.Action, e.User)
	case e.At.Before(minNanoTime) || e.At.After(maxVisit):
		// Its nanoseconds would not read back: its index entries and
		// what check recomputes would disagree.
		return fmt.Errorf("access log: %s by %s at %s: an instant outside the years 1678–2262 (is the clock right?)",
			e.Action, e.User, e.At.Format(time.RFC3339))
	}
	return nil
}

// append writes entries to the journal as one write and syncs it; only then
// are they logged. ok is false when the journal cannot take them (an
// earlier append failed and could not be undone): the caller logs them in
// bbolt instead.
func (j *accessJournal) append(entries []domain.AccessEntry) (ok bool, err error) {
	for i := range entries {
		if err := checkAccessEntry(&entries[i]); err != nil {
			return true, err
		}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.broken {
		return false, nil
	}
	if j.f == nil {
		if err := j.openLocked(); err != nil {
			return true, err
		}
	}
	b := j.buf[:0]
	for i := range entries {
		start := len(b)
		b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
		b = binary.BigEndian.AppendUint64(b, j.next+uint64(i))
		b = appendAccessEncoding(b, &entries[i])
		body := b[start+8:]
		if len(body) > journalMaxBody {
			return true, fmt.Errorf("access log: %s by %s: an entry of %d bytes", entries[i].Action, entries[i].User, len(body))
		}
		binary.BigEndian.PutUint32(b[start:], uint32(len(body)))
		binary.BigEndian.PutUint32(b[start+4:], crc32.Checksum(body, journalCRC))
	}
	j.buf = b
	_, err = j.f.Write(b)
	if err == nil && !j.noSync {
		err = j.f.Sync()
	}
	if err != nil {
		// Nothing of it is logged: take back what reached the file, so
		// that the next append follows a whole record.
		if terr := j.f.Truncate(j.size); terr != nil {
			j.broken = true
		} else if !j.noSync {
			if serr := j.f.Sync(); serr != nil {
				j.broken = true
			}
		}
		return true, fmt.Errorf("access journal %s: %w", j.path, err)
	}
	j.size += int64(len(b))
	j.next += uint64(len(entries))
	return true, nil
}

// openLocked opens (creating) the journal for appending and makes its name
// durable in its folder.
func (j *accessJournal) openLocked() error {
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("access journal: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("access journal: %w", err)
	}
	if !j.noSync {
		if err := syncDir(filepath.Dir(j.path)); err != nil {
			f.Close()
			return fmt.Errorf("access journal: %w", err)
		}
	}
	j.f, j.size = f, fi.Size()
	return nil
}

// syncDir makes the names in dir durable (where a folder can be synced:
// not on Windows, whose file system orders its own).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// read returns the journal's bytes as they are now: the open file's, or
// the file a process before this one left (nil if there is none).
func (j *accessJournal) read() ([]byte, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f != nil && j.broken {
		// An append failed and what reached the file could not be taken
		// back: the file is read up to the last whole append, and removed
		// once folded; the next append starts a new one.
		b, err := os.ReadFile(j.path)
		if err != nil {
			return nil, err
		}
		_ = j.f.Close()
		j.f = nil
		return b[:min(int64(len(b)), j.size)], nil
	}
	if j.f != nil {
		b := make([]byte, j.size)
		if _, err := j.f.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return b, nil
	}
	b, err := os.ReadFile(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// journalRecord is a record read back: its J and the entry's bytes.
type journalRecord struct {
	j     uint64
	value []byte
}

// parseJournal reads the records of b. damaged is the offset from which
// the framing cannot be followed (-1 when it can to the end, or to a
// record a crash cut short, which is dropped). A record that fails its
// checksum between whole ones is kept as a damaged entry (its first byte
// made one no format has), its J the one before it plus one (J counts up
// by one a record), or the one after it less one, or 0 (unknown: folded)
// when no whole record is there to tell.
func parseJournal(b []byte) (recs []journalRecord, damaged int) {
	for off := 0; off < len(b); {
		rest := b[off:]
		if len(rest) < 8 || allZero(rest) {
			// A header cut short, or the zeros a file system leaves where a
			// crash cut an append short: the last append's, unacknowledged.
			return recs, -1
		}
		n := int(binary.BigEndian.Uint32(rest))
		if n < 8 || n > journalMaxBody {
			return recs, off
		}
		if 8+n > len(rest) {
			return recs, -1 // the body runs past the end: cut short
		}
		body, end := rest[8:8+n], off+8+n
		if crc32.Checksum(body, journalCRC) == binary.BigEndian.Uint32(rest[4:]) {
			jn := binary.BigEndian.Uint64(body)
			for i := len(recs) - 1; i >= 0 && recs[i].j == 0; i-- {
				recs[i].j = jn - uint64(len(recs)-i)
			}
			recs = append(recs, journalRecord{j: jn, value: body[8:]})
		} else {
			if end == len(b) {
				return recs, -1 // the last append, cut short
			}
			var jn uint64
			if k := len(recs); k > 0 && recs[k-1].j != 0 {
				jn = recs[k-1].j + 1
			}
			recs = append(recs, journalRecord{j: jn, value: append([]byte{0xff}, body[min(8, len(body)):]...)})
		}
		off = end
	}
	return recs, -1
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// fold moves the journal's records into the access log's recent entries
// and empties the journal; it returns how many it moved.
func (s *Store) foldJournal(ctx context.Context) (int, error) {
	j := s.journal
	if j == nil {
		return 0, nil
	}
	j.foldMu.Lock()
	defer j.foldMu.Unlock()
	data, err := j.read()
	if err != nil {
		return 0, fmt.Errorf("access journal %s: %w", j.path, err)
	}
	if len(data) == 0 {
		return 0, nil
	}
	// Where the bytes the last fold read end, if the journal starts with
	// them: the fold cut short before it emptied the journal, or one that
	// could not empty it because an append followed.
	var prefix []byte
	err = s.view(ctx, func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err == nil {
			prefix = append(prefix, meta.Get(keyAccessJournalPrefix)...)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("access journal %s: %w", j.path, err)
	}
	skip, byJ := journalFoldedPrefix(prefix, data)
	recs, damagedAt := parseJournal(data[skip:])
	if damagedAt >= 0 {
		damagedAt += skip
		// Kept whole before anything is folded or emptied: what cannot be
		// read is never thrown away.
		aside := fmt.Sprintf("%s.damaged-%d", j.path, time.Now().UnixNano())
		if err := writeFileSynced(aside, data[damagedAt:]); err != nil {
			return 0, fmt.Errorf("access journal %s: keeping its unreadable end aside: %w", j.path, err)
		}
	}
	var moved int
	var lastJ uint64
	update := s.update
	if skip == len(data) {
		// All of it folded before: only emptying the journal is left.
		update = func(context.Context, func(*bolt.Tx) error) error { return nil }
	}
	err = update(ctx, func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		folded := journalFolded(meta)
		lastJ, moved = folded, 0
		values := make([][]byte, 0, len(recs))
		for _, r := range recs {
			if byJ && r.j != 0 && r.j <= folded {
				continue // folded before a crash, or a stop, kept the journal
			}
			values = append(values, r.value)
			lastJ = max(lastJ, r.j)
		}
		if len(values) > 0 {
			if _, err := appendRecentValues(tx, values); err != nil {
				return err
			}
		}
		moved = len(values)
		if err := meta.Put(keyAccessJournalPrefix, journalPrefix(data)); err != nil {
			return err
		}
		return meta.Put(keyAccessJournalFolded, u64(lastJ))
	})
	if err != nil {
		return 0, fmt.Errorf("access journal %s: fold: %w", j.path, err)
	}
	for _, r := range recs {
		lastJ = max(lastJ, r.j)
	}
	if s.db.NoSync && !j.noSync {
		// A bulk load commits without fsync: the folded entries are made
		// durable before the journal that holds them goes.
		if err := s.db.Sync(); err != nil {
			return moved, fmt.Errorf("access journal %s: %w", j.path, err)
		}
	}
	// Emptied only if nothing was appended meanwhile (they fold next time).
	j.mu.Lock()
	defer j.mu.Unlock()
	j.next = max(j.next, lastJ+1)
	switch {
	case j.f == nil:
		if err := os.Remove(j.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return moved, fmt.Errorf("access journal %s: %w", j.path, err)
		}
		j.broken = false
	case j.size == int64(len(data)):
		if err := j.f.Truncate(0); err != nil {
			return moved, fmt.Errorf("access journal %s: %w", j.path, err)
		}
		j.size, j.broken = 0, false
	}
	return moved, nil
}

// close folds nothing: Store.Close folds first. It removes an empty journal,
// so that a database closed cleanly has none beside it.
func (j *accessJournal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	empty := j.size == 0
	err := j.f.Close()
	j.f = nil
	if empty && err == nil {
		if rerr := os.Remove(j.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = rerr
		}
	}
	return err
}

// journalPrefix is what meta/access_journal_prefix keeps of the bytes a
// fold read: their length and SHA-256 (a 32-bit checksum would, one fold
// in four billion, take a new journal for the one folded and skip it).
func journalPrefix(data []byte) []byte {
	sum := sha256.Sum256(data)
	return append(binary.BigEndian.AppendUint64(nil, uint64(len(data))), sum[:]...)
}

// journalFoldedPrefix is how many of data's first bytes an earlier fold
// read and folded (prefix, as journalPrefix made it, names them), and
// whether the records are to be told folded by their J instead: a store
// whose folds kept no prefix yet.
func journalFoldedPrefix(prefix, data []byte) (skip int, byJ bool) {
	if len(prefix) != 8+sha256.Size {
		return 0, true
	}
	n := binary.BigEndian.Uint64(prefix)
	if n > uint64(len(data)) {
		return 0, false // another journal than the one folded: none of it was
	}
	if sum := sha256.Sum256(data[:n]); !bytes.Equal(sum[:], prefix[8:]) {
		return 0, false
	}
	return int(n), false
}

// journalFolded is the last J folded into the log.
func journalFolded(meta *bolt.Bucket) uint64 {
	if v := meta.Get(keyAccessJournalFolded); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// damagedJournals lists the unreadable ends of the journal kept aside.
func (j *accessJournal) damagedJournals() ([]string, error) {
	ents, err := os.ReadDir(filepath.Dir(j.path))
	if err != nil {
		return nil, err
	}
	var names []string
	prefix := filepath.Base(j.path) + ".damaged-"
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) {
			names = append(names, filepath.Join(filepath.Dir(j.path), e.Name()))
		}
	}
	return names, nil
}

// writeFileSynced writes b to a new file at path, mode 0600, synced.
func writeFileSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}
