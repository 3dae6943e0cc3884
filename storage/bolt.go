// Package storage keeps Kallelse's state in one bbolt file. It implements
// domain.Store and holds no business rule: the domain decides every change,
// the store makes it durable together with its secondary indexes and the
// events it records, in one transaction.
//
// The bucket tree (numbers are big-endian uint64, so that byte order is
// numeric order and a cursor Seek finds a time or an id directly):
//
//	meta/
//	    "schema_version"  -> uint64                       layout version, see migrations
//	    "booking_count"   -> uint64                       number of bookings, for CountBookings
//	    "database_id"     -> 32 hex digits                this file's identity, which its spool folders carry
//	    "outbox_waiting"  -> uint64                       since version 9: entries in outbox, for OutboxStats
//	    "outbox_failing"  -> uint64                       since version 9: of which failed at least once
//	patients/
//	    <canonical id>    -> domain.PatientSnapshot, binary since version 12 (records.go)
//	bookings/                                             sequence: the last booking id given out
//	    <id>              -> domain.BookingSnapshot, binary since version 12 (records.go)
//	idx_visit/
//	    <visit unix ns><id>                          -> empty
//	idx_patient/
//	    <canonical id> 0x00 <visit unix ns><id>      -> empty
//	idx_state/                                            since schema version 2
//	    <state> 0x00 <visit unix ns><id>             -> empty
//	idx_exam/                                             since version 14; a list filtered by examination
//	    <exam code> 0x00 <visit unix ns><id>         -> empty
//	events/                                               append-only; sequence: the last seq
//	    <seq>             -> domain.Event (Seq set to the key), binary since version 12, JSON before (events.go)
//	idx_event_booking/
//	    <booking id><seq>                            -> empty
//	idx_timer_due/                                        since version 3; timers live in the booking record
//	    <due unix ns><booking id><timer seq u32>     -> empty
//	outbox/                                               messages decided but not yet delivered
//	    <message id>      -> domain.OutboxEntry, binary since version 12 (records.go)
//	idx_outbox_due/                                       since version 9; for PendingOutbox, see outbox.go
//	    <next attempt unix ns><message id>           -> empty
//	outbox_handing/                                       since version 16; messages being handed over, see outbox.go
//	    <message id>      -> <unix ns>
//	messages/                                             every message ever decided (for receipts)
//	    <message id>      -> JSON {booking, kind, purpose, created_at, delivered_at}
//	receipts/                                             receipts applied, so each is applied once
//	    <message id> 0x00 <type> -> RFC 3339 instant
//	idx_patient_name/                                     since version 4; for SearchPatients
//	    <folded name word> 0x00 <canonical id>       -> folded whole name (since version 10; empty before)
//	idx_attention/                                        since version 4; bookings that need staff
//	    <booking id>      -> JSON {reasons, since}        reasons: rebook_requested, cancel_requested, phone_task
//	agg_day/                                              since version 5; the reports' sums, see aggregates.go
//	    <day>|<exam>|<site>|<age band>|<group>       -> metrics.Totals (binary, since version 7)   day YYYY-MM-DD (Stockholm) first
//	agg_week/
//	    <YYYY-Www>|<exam>|<site>|<age band>|<group>  -> metrics.Totals (binary)   ISO week first
//	agg_member/                                           the facts behind each day row, for drill-down
//	    <agg_day key> 0x00 <booking id><fact index u32> -> metrics.Fact, binary since version 13 (JSON before)
//	agg_booking/                                          since version 11; each booking's facts as its events made them, see ledgers.go
//	    <booking id>      -> metrics.Ledger (binary)
//	agg_rebuild/agg_day/, agg_week/, agg_member/, agg_booking/  only while Rebuild runs: the new aggregates, see rebuild.go
//	access/                                               since version 8; the access log, append-only, see access.go
//	    <seq>             -> binary domain.AccessEntry    sequence: the last seq
//	idx_access_patient/, idx_access_user/, idx_access_time/
//	    [<canonical id>|<user> 0x00] <at unix ns><seq> -> empty
//	access_recent/                                        since version 15; the entries after the log's last, not yet in its indexes, see accessrecent.go
//	    <seq>             -> binary domain.AccessEntry
//
// Every index entry is written and deleted in the transaction that writes the
// booking (or patient) record, computed from the record itself, so the
// indexes never disagree with the records. The aggregates are sums over the
// event log, written in the transaction that appends the events (so they
// never disagree with the log either) and recomputed by Store.Rebuild. A
// folded name word is lower case without accents ("Öberg" is "oberg"), see
// foldName. Visit times before 1970 cannot be stored.
package storage

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/kallelse/kallelse/domain"
)

// Bucket and key names; see the package comment.
var (
	bucketMeta            = []byte("meta")
	bucketPatients        = []byte("patients")
	bucketBookings        = []byte("bookings")
	bucketIdxVisit        = []byte("idx_visit")
	bucketIdxPatient      = []byte("idx_patient")
	bucketIdxState        = []byte("idx_state")
	bucketIdxExam         = []byte("idx_exam")
	bucketEvents          = []byte("events")
	bucketIdxEventBooking = []byte("idx_event_booking")

	keySchemaVersion = []byte("schema_version")
	keyBookingCount  = []byte("booking_count")
	keyDatabaseID    = []byte("database_id")
)

// allBuckets is the layout of the current schema version.
var allBuckets = [][]byte{
	bucketMeta, bucketPatients, bucketBookings, bucketIdxVisit, bucketIdxPatient,
	bucketIdxState, bucketEvents, bucketIdxEventBooking,
	bucketIdxTimerDue, bucketOutbox, bucketMessages, bucketReceipts,
	bucketIdxPatientName, bucketIdxAttention,
	bucketAggDay, bucketAggWeek, bucketAggMember, bucketAggBooking,
	bucketAccess, bucketIdxAccessPat, bucketIdxAccessUser, bucketIdxAccessTime,
	bucketIdxOutboxDue, bucketIdxExam, bucketAccessRecent, bucketOutboxHanding,
}

// DefaultTimeout is how long Open waits for the file lock when Options.Timeout
// is zero.
const DefaultTimeout = time.Second

// ErrDatabaseInUse is returned by Open when another process (or another Open
// in this one) holds the file. bbolt allows one writer process per file, so
// several terminals share one `kallelse serve`, never the file itself.
var ErrDatabaseInUse = errors.New("database is in use by another process")

type inUseError struct{ path string }

func (e *inUseError) Error() string {
	return fmt.Sprintf("database %s is in use by another process (is kallelse serve or the TUI running?)", e.path)
}

func (e *inUseError) Unwrap() error { return ErrDatabaseInUse }

// Options tune Open.
type Options struct {
	// Timeout bounds the wait for the file lock; zero means DefaultTimeout.
	// Without a bound a second process would hang on the lock.
	Timeout time.Duration
	// Backup writes a copy of the file next to it (<path>.bak-v<old>-<unix>)
	// before migrating it to a newer schema version.
	Backup bool

	// BulkLoad skips the fsync after each commit, for building a database
	// that can be rebuilt if the machine fails meanwhile (the demo). Call
	// Sync when done.
	BulkLoad bool

	// MustExist refuses to create a file: read-only verbs and a mistyped
	// path get ErrNoDatabase instead of a new, empty database.
	MustExist bool

	// Upgrading, when set, is told each step of bringing a file written by
	// an older kallelse up to date as the step starts: at a region's size
	// the backup, the migration and the compaction each take tens of
	// seconds, and a terminal that says nothing meanwhile looks hung.
	Upgrading func(UpgradeStep)

	noSync   bool                                                            // tests only: skip fsync
	openFile func(name string, flag int, mode os.FileMode) (*os.File, error) // tests only: a file system that refuses
}

// UpgradeStep is a step of Open bringing an older file up to date.
type UpgradeStep struct {
	// Step is UpgradeBackup, UpgradeMigrate or UpgradeCompact.
	Step string
	// From and To are the file's schema version and this kallelse's.
	From, To int
	// Backup is the copy's path (UpgradeBackup).
	Backup string
}

// The steps of an upgrade, in their order.
const (
	UpgradeBackup  = "backup"
	UpgradeMigrate = "migrate"
	UpgradeCompact = "compact"
)

// Store is the bbolt implementation of domain.Store. It is safe for
// concurrent use: bbolt serialises writers and lets readers run alongside.
type Store struct {
	db       *bolt.DB
	path     string
	bulkLoad bool
	bulk     atomic.Pointer[bulkTx] // set inside Bulk
	journal  *accessJournal         // where LogAccess writes (see accessjournal.go)

	rebuildMu sync.Mutex // one Rebuild at a time
}

var _ domain.Store = (*Store)(nil)

// Open opens (creating if needed, unless MustExist) the database file at
// path, brings its schema up to date and returns the store. The parent
// directory is created with mode 0700 and the file with mode 0600: it holds
// patients' data.
//
// A file that is empty, truncated, damaged or another program's is refused
// with a *DamagedError (ErrDamaged) before bbolt maps it, and a page fault
// while opening is turned into the same error instead of a crash.
func Open(path string, opts Options) (st *Store, err error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	exists, err := inspectFile(path)
	if err != nil {
		return nil, err
	}
	if !exists && opts.MustExist {
		return nil, &noDatabaseError{path: path}
	}
	if dir := filepath.Dir(path); dir != "" && !exists {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
	}
	var db *bolt.DB
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			st, err = nil, damagedByPanic(path, r)
		}
		if err != nil && db != nil {
			_ = db.Close()
		}
	}()
	bo := &bolt.Options{Timeout: opts.Timeout, NoSync: opts.noSync || opts.BulkLoad, OpenFile: opts.openFile,
		InitialMmapSize: initialMmapSize(path)}
	if opts.BulkLoad {
		// A bulk load's commits free and allocate many pages: the hashmap
		// free list finds a run of free pages without scanning them all, as
		// the default array does at every allocation. The file's format is
		// the same; only opening costs more (it indexes the free runs).
		bo.FreelistType = bolt.FreelistMapType
		bo.InitialMmapSize = max(bo.InitialMmapSize, bulkMmapSize())
	}
	db, err = bolt.Open(path, 0o600, bo)
	if err != nil {
		db = nil
		return nil, openError(path, err)
	}
	// The file is locked now: nobody else writes it while its list of
	// buckets is walked, before bbolt lists them (a cycle there would list
	// them for ever).
	if why, err := walkRootPages(path, db.Info().PageSize); err != nil {
		return nil, openError(path, err)
	} else if why != "" {
		return nil, &DamagedError{Path: path, Reason: "its list of buckets is damaged (" + why + "); restore it from a backup"}
	}
	s := &Store{db: db, path: path, bulkLoad: opts.BulkLoad}
	from, err := s.migrate(opts.Backup, opts.Upgrading)
	if err != nil {
		return nil, openError(path, err)
	}
	if st := db.Stats(); from != 0 && st.FreePageN+st.PendingPageN >= compactAfterMigration {
		// The migration rewrote much of the file: written anew without
		// the pages that freed, every later commit writes a short free
		// list and every open reads one (see Compact).
		if err := db.Close(); err != nil {
			db = nil
			return nil, openError(path, err)
		}
		db = nil
		if opts.Upgrading != nil {
			opts.Upgrading(UpgradeStep{Step: UpgradeCompact, From: from, To: currentSchemaVersion})
		}
		if _, err := Compact(context.Background(), path); err != nil {
			return nil, openError(path, fmt.Errorf("compacting after the migration: %w", err))
		}
		return Open(path, opts)
	}
	if err := s.ensureID(); err != nil {
		return nil, openError(path, err)
	}
	// What the reads of a process before this one logged, and a crash
	// kept from the log: folded before anything is shown.
	if s.journal, err = s.newAccessJournal(opts.noSync); err != nil {
		return nil, openError(path, err)
	}
	if _, err := s.foldJournal(context.Background()); err != nil {
		return nil, openError(path, err)
	}
	return s, nil
}

// mmapHeadroom is how far the file may grow before bbolt maps it anew;
// bboltAllocSize is the step by which bbolt grows a file mapped beyond
// it (bbolt's DefaultAllocSize).
const (
	mmapHeadroom   = 1 << 30
	bboltAllocSize = 16 << 20
)

// initialMmapSize maps the file with mmapHeadroom to spare. bbolt maps the
// file read-only and, when a commit grows the file past the mapping, maps
// it anew — which waits until every read transaction has ended, so that a
// long read (a backup, a report, an audit extract) would hold the loop and
// every writer behind it. A mapping beyond the end of the file costs
// address space, not memory (Linux grows no file to its mapping): with a
// gigabyte to spare, a clinic's database (some hundred MB a year) is not
// mapped anew while a process runs. Only for a file past bbolt's
// allocation step (16 MB): with a mapping larger than that, bbolt grows the
// file 16 MB at a time, which a bigger file does anyway but would make
// every small one (a test's, a new clinic's) 16 MB. Windows grows the file
// to its mapping, so there bbolt's default stands.
func initialMmapSize(path string) int {
	fi, err := os.Stat(path)
	if runtime.GOOS == "windows" || err != nil || fi.Size() < bboltAllocSize {
		return 0
	}
	return int(fi.Size()) + mmapHeadroom
}

// compactAfterMigration is how many free pages a migration may leave
// before Open compacts the file: a migration that rewrites every record
// frees most of the file's pages (431,000 of a million bookings' file at
// version 12), and bbolt writes its free list at every commit — 3 MB then,
// for every booking made.
var compactAfterMigration = CompactWorthwhile

// bulkMmapSize maps a file being built in bulk at 32 GB from the start, so
// that a region's ten years (a few GB) are never mapped anew as they grow:
// each new mapping throws away the pages mapped so far, which the next
// commits fault in again. Address space only; not where it would grow the
// file (Windows) or where there is not that much of it (32 bits).
func bulkMmapSize() int {
	if runtime.GOOS == "windows" || strconv.IntSize < 64 {
		return 0
	}
	gb := 32 // not a constant: 32 << 30 does not fit a 32-bit int
	return gb << 30
}

// errNotKallelse is a bbolt file without Kallelse's layout.
var errNotKallelse = errors.New("not a kallelse database")

func openError(path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return &inUseError{path: path}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return &DamagedError{Path: path, Reason: err.Error() + "; restore it from a backup"}
	case errors.Is(err, ErrDamaged):
		return &DamagedError{Path: path, Reason: err.Error() + "; run `kallelse check` and restore it from a backup"}
	case errors.Is(err, errNotKallelse):
		return &DamagedError{Path: path, Reason: err.Error() + " (is --db another program's file?)"}
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("open database %s: permission denied: the file or its folder is not writable for this user", path)
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("open database %s: the file system is read-only; Kallelse writes to its database even to read (the access log), so it needs a writable copy", path)
	}
	return fmt.Errorf("open database %s: %w", path, err)
}

// damagedByPanic is a panic or a page fault inside bbolt, which means the
// file's pages are not what its header promised.
func damagedByPanic(path string, r any) error {
	return &DamagedError{Path: path, Reason: fmt.Sprintf("reading it failed (%v); run `kallelse check` and restore it from a backup", r)}
}

// ensureID gives a file made before identities existed its own.
func (s *Store) ensureID() error {
	id, err := s.ID()
	if err != nil || id != "" {
		return err
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		if meta.Get(keyDatabaseID) != nil {
			return nil
		}
		return meta.Put(keyDatabaseID, []byte(hex.EncodeToString(b[:])))
	})
}

// ID is the database's identity: random, given when the file was made. The
// spool folders it writes carry it, so that a demo or training database
// never writes into the clinic's folders, nor the clinic into theirs.
func (s *Store) ID() (string, error) {
	var id string
	err := s.db.View(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		id = string(meta.Get(keyDatabaseID))
		return nil
	})
	return id, err
}

// Sync forces everything committed to disk (after a BulkLoad).
func (s *Store) Sync() error { return s.db.Sync() }

// Close folds the access journal into the log and releases the file.
// Transactions still running finish first.
func (s *Store) Close() error {
	var err error
	if s.journal != nil && s.bulk.Load() == nil {
		if _, ferr := s.foldJournal(context.Background()); ferr != nil {
			err = ferr // the journal stays, folded at the next Open
		}
		if cerr := s.journal.close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	if cerr := s.db.Close(); cerr != nil {
		return cerr
	}
	return err
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Backup writes a consistent copy of the whole database to w while the store
// stays in use (a read transaction; writers are not blocked). It returns the
// number of bytes written.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// SchemaVersion reads the layout version recorded in the file.
func (s *Store) SchemaVersion() (int, error) {
	var v int
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		v, err = readSchemaVersion(tx)
		return err
	})
	return v, err
}

func readSchemaVersion(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, fmt.Errorf("%w: bucket meta missing", errNotKallelse)
	}
	v := meta.Get(keySchemaVersion)
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: meta/schema_version missing or malformed", errNotKallelse)
	}
	return int(binary.BigEndian.Uint64(v)), nil
}

func putUint64(b *bolt.Bucket, key []byte, v uint64) error {
	return b.Put(key, u64(v))
}

// view and update run fn in a transaction after checking ctx.
func (s *Store) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b := s.bulk.Load(); b != nil {
		return b.run(fn, false)
	}
	return s.db.View(fn)
}

func (s *Store) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b := s.bulk.Load(); b != nil {
		return noRoom(b.run(fn, true))
	}
	return noRoom(unrefused(s.db.Update(fn)))
}

// noRoom says what a full disk means for a write: bbolt commits all or
// nothing, so nothing of it was stored.
func noRoom(err error) error {
	if err == nil {
		return nil
	}
	// bbolt formats some file errors with %s: match their text too.
	msg := err.Error()
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT) ||
		strings.Contains(msg, syscall.ENOSPC.Error()) || strings.Contains(msg, syscall.EFBIG.Error()) || strings.Contains(msg, syscall.EDQUOT.Error()) {
		return fmt.Errorf("the database file could not grow (disk full?); nothing of this change was stored: %w", err)
	}
	return err
}

// bucket returns a bucket that Open guaranteed to exist.
func bucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	b := tx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("%w: bucket %s missing", ErrDamaged, name)
	}
	return b, nil
}
