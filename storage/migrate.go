package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// migration brings a file from version-1 to version. Migrations run in
// order, all pending ones in one write transaction, so a file is either at
// its old version or at the current one, never in between.
//
// A migration that rewrites a large bucket entry by entry, where this code
// reads the old and the new form alike, does that rewriting ahead, in
// transactions of its own before that one: one transaction holds every
// page it changes in memory until it commits, gigabytes at a region's
// size. A crash half-way leaves the file at its old version with some
// entries rewritten, which the next open goes on with.
type migration struct {
	version int
	name    string
	fn      func(tx *bolt.Tx) error
	ahead   func(db *bolt.DB) error
}

// baseVersion is the first layout: the package comment's tree without
// idx_state and meta/booking_count.
const baseVersion = 1

var migrations = []migration{
	{version: 2, name: "index bookings by state; count bookings", fn: migrateStateIndex},
	{version: 3, name: "timers, outbox, message register and receipts", fn: migrateLoop},
	{version: 4, name: "index patients by name words; index bookings that need attention", fn: migrateQueryIndexes},
	{version: 5, name: "aggregates for the reports, computed from the event log", fn: migrateAggregates},
	{version: 6, name: "aggregates with a fixed-size time-to-open histogram", fn: migrateAggregates},
	{version: 7, name: "aggregate rows in a compact binary encoding", fn: migrateAggregates},
	{version: 8, name: "the access log and its indexes", fn: migrateAccessLog},
	{version: 9, name: "the outbox indexed by next attempt; outbox counters", fn: migrateOutboxIndex},
	{version: 10, name: "the name index holds each patient's folded name", fn: migrateNameValues},
	{version: 11, name: "each booking's facts kept in its ledger", fn: migrateLedgers},
	{version: 12, name: "booking and patient records and outbox entries in a compact binary encoding", fn: migrateRecords},
	{version: 13, name: "the facts behind the report rows in a compact binary encoding", fn: migrateMembers, ahead: rewriteMembers},
	{version: 14, name: "bookings indexed by examination", fn: migrateExamIndex, ahead: buildExamIndex},
	{version: 15, name: "the access log's recent entries, folded into its indexes by the loop", fn: migrateAccessRecent},
	{version: 16, name: "outbox entries marked while they are handed over", fn: migrateOutboxHanding},
	{version: 17, name: "booking records say since when they need staff", fn: migrateStaffSince},
	{version: 18, name: "booking records say whether staff phoned the summons; the access log's unreadable entries counted", fn: migratePhoned},
}

// migratePhoned (version 18): a booking record's flags may now say that
// staff phoned the summons (domain.BookingSnapshot.Phoned, VoidedPhoned)
// and that a cancellation's notice reached the patient other than by post
// (NoticeReach), or reached them and was then undone (CancelTold,
// CancelUndone), bits an older kallelse refuses as damage; the version keeps such a
// kallelse off the file. No record changes: none was phoned before.
//
// And meta/access_damaged, kept since version 17 as entries are folded,
// is counted over the whole log once, so that it includes the entries
// damaged before (an extract says how many it leaves out, and check
// compares): one pass over the log, reading each entry's value.
func migratePhoned(tx *bolt.Tx) error {
	log, meta := tx.Bucket(bucketAccess), tx.Bucket(bucketMeta)
	if log == nil || meta == nil {
		return nil
	}
	damaged := uint64(0)
	c := log.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 || v == nil {
			continue // check names it
		}
		if _, err := decodeAccess(binary.BigEndian.Uint64(k), v); err != nil {
			damaged++
		}
	}
	if damaged == accessDamaged(meta) {
		return nil
	}
	return meta.Put(keyAccessDamaged, u64(damaged))
}

// migrateStaffSince (version 17): a booking record may now end with the
// instant it began to need staff (format 0x05), which an older kallelse
// could not read; the version keeps such a kallelse off the file. The
// records of the bookings that need staff now — a few, those in
// idx_attention — get their latest change as that instant, what the
// attention page counted from before, so that later changes no longer
// move it. (The instant the need really arose is in the event log; staff
// see the old figure for these until they act.)
func migrateStaffSince(tx *bolt.Tx) error {
	idx, bookings := tx.Bucket(bucketIdxAttention), tx.Bucket(bucketBookings)
	if idx == nil || bookings == nil {
		return nil
	}
	var keys [][]byte
	if err := idx.ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil }); err != nil {
		return err
	}
	for _, k := range keys {
		v := bookings.Get(k)
		var snap domain.BookingSnapshot
		if v == nil || decodeBookingRecord(v, &snap, false) != nil {
			continue // check names it
		}
		if snap.StaffSince.IsZero() {
			snap.StaffSince = snap.UpdatedAt
		}
		if err := bookings.Put(k, encodeBookingRecord(&snap)); err != nil {
			return err
		}
	}
	return nil
}

// currentSchemaVersion is the layout this code reads and writes. A new file
// is created directly at it.
var currentSchemaVersion = migrations[len(migrations)-1].version

// migrate creates a new file's buckets or applies the pending migrations to
// an existing one, and returns the version it migrated from (0: none).
func (s *Store) migrate(backup bool, told func(UpgradeStep)) (from int, err error) {
	tell := func(st UpgradeStep) {
		if told != nil {
			told(st)
		}
	}
	var (
		fresh    bool
		version  int
		resuming bool // an upgrade stopped in its ahead steps: see keyUpgradingFrom
	)
	err = s.db.View(func(tx *bolt.Tx) error {
		empty := true
		_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if empty {
			fresh = true
			return nil
		}
		var err error
		if version, err = readSchemaVersion(tx); err != nil {
			return err
		}
		if v := tx.Bucket(bucketMeta).Get(keyUpgradingFrom); v != nil {
			if len(v) != 8 {
				return fmt.Errorf("%w: meta/upgrading_from malformed", ErrDamaged)
			}
			version, resuming = int(binary.BigEndian.Uint64(v)), true
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if fresh {
		return 0, s.db.Update(initLayout)
	}
	switch {
	case version > currentSchemaVersion:
		return 0, fmt.Errorf("database schema version %d is newer than this kallelse supports (%d); upgrade kallelse",
			version, currentSchemaVersion)
	case version < baseVersion:
		return 0, fmt.Errorf("database schema version %d is not a known version", version)
	case version < currentSchemaVersion:
		if backup && !resuming { // the copy was taken when the upgrade began
			name := s.backupName(version)
			tell(UpgradeStep{Step: UpgradeBackup, From: version, To: currentSchemaVersion, Backup: name})
			if err := s.backupFile(name); err != nil {
				return 0, err
			}
		}
		tell(UpgradeStep{Step: UpgradeMigrate, From: version, To: currentSchemaVersion})
		if err := s.migrateAhead(version); err != nil {
			return 0, err
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			if err := runMigrations(tx, version); err != nil {
				return err
			}
			return tx.Bucket(bucketMeta).Delete(keyUpgradingFrom)
		})
		if err != nil {
			return 0, err
		}
		from = version
	}
	return from, s.db.View(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("%w: bucket %s missing", ErrDamaged, name)
			}
		}
		return nil
	})
}

func initLayout(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	for _, k := range [][]byte{keyBookingCount, keyOutboxWaiting, keyOutboxFailing} {
		if err := putUint64(meta, k, 0); err != nil {
			return err
		}
	}
	return putUint64(meta, keySchemaVersion, uint64(currentSchemaVersion))
}

// keyUpgradingFrom is in meta while an upgrade runs its ahead steps, which
// commit before the version changes: it holds the version the file had,
// and schema_version already says the version the upgrade goes to. The
// older kallelse that wrote the file then refuses it as newer than it
// reads — part of it may already be in a form that version cannot read —
// rather than misread it; the next open of this one goes on from the
// version kept here.
var keyUpgradingFrom = []byte("upgrading_from")

// aheadHook, when set (tests), runs after each ahead step: an error stops
// the upgrade there, as a crash would.
var aheadHook func(version int) error

// migrateAhead runs the ahead steps of the migrations newer than from,
// having marked the file as being upgraded (keyUpgradingFrom).
func (s *Store) migrateAhead(from int) error {
	marked := false
	for _, m := range migrations {
		if m.version <= from || m.ahead == nil {
			continue
		}
		if !marked {
			err := s.db.Update(func(tx *bolt.Tx) error {
				meta, err := bucket(tx, bucketMeta)
				if err != nil {
					return err
				}
				if meta.Get(keyUpgradingFrom) == nil {
					if err := putUint64(meta, keyUpgradingFrom, uint64(from)); err != nil {
						return err
					}
				}
				return putUint64(meta, keySchemaVersion, uint64(currentSchemaVersion))
			})
			if err != nil {
				return fmt.Errorf("marking the upgrade from version %d: %w", from, err)
			}
			marked = true
		}
		if err := m.ahead(s.db); err != nil {
			return fmt.Errorf("migration to version %d (%s): %w", m.version, m.name, err)
		}
		if aheadHook != nil {
			if err := aheadHook(m.version); err != nil {
				return err
			}
		}
	}
	return nil
}

// runMigrations applies every migration newer than from, inside tx.
func runMigrations(tx *bolt.Tx, from int) error {
	// Migration 3 stores bookings through putBooking, which keeps idx_exam
	// (version 14): it is there, empty, for the migrations before 14, and
	// migration 14 makes it whole.
	if from < 14 {
		if _, err := tx.CreateBucketIfNotExists(bucketIdxExam); err != nil {
			return err
		}
	}
	v := from
	for _, m := range migrations {
		if m.version <= v {
			continue
		}
		if m.version != v+1 {
			return fmt.Errorf("migration to version %d: no migration from version %d", m.version, v)
		}
		if err := m.fn(tx); err != nil {
			return fmt.Errorf("migration to version %d (%s): %w", m.version, m.name, err)
		}
		v = m.version
	}
	meta, err := bucket(tx, bucketMeta)
	if err != nil {
		return err
	}
	return putUint64(meta, keySchemaVersion, uint64(v))
}

// backupName is where the copy taken before migrating a file at version
// goes: <path>.bak-v<version>-<unix>.
// A copy of that name from a start in the same second (an upgrade that
// failed and was started again at once, as a service manager restarts it)
// is kept, and this one is named <...>-2, -3 and so on.
func (s *Store) backupName(version int) string {
	base := fmt.Sprintf("%s.bak-v%d-%d", s.path, version, time.Now().Unix())
	name := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(name); err != nil {
			return name // none there (or none to be seen: writing it will say why)
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}

// backupFile writes a hot copy of the file to name, which must not exist.
func (s *Store) backupFile(name string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup before migration: %w", err)
	}
	_, err = s.Backup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(name)
		return fmt.Errorf("backup before migration to %s: %w", name, err)
	}
	return nil
}

// migrateStateIndex (version 2) builds idx_state and meta/booking_count from
// the booking records.
func migrateStateIndex(tx *bolt.Tx) error {
	idx, err := tx.CreateBucketIfNotExists(bucketIdxState)
	if err != nil {
		return err
	}
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return err
	}
	var n uint64
	err = bookings.ForEach(func(k, v []byte) error {
		var snap domain.BookingSnapshot
		if err := decodeBookingRecord(v, &snap, false); err != nil {
			return fmt.Errorf("bookings/%s: %w", keyString(k), err)
		}
		if snap.State == "" {
			return fmt.Errorf("bookings/%s: no state", keyString(k))
		}
		vk, err := visitKey(snap.VisitAt, snap.ID)
		if err != nil {
			return fmt.Errorf("bookings/%s: %w", keyString(k), err)
		}
		n++
		return idx.Put(prefixed(string(snap.State), vk), []byte{})
	})
	if err != nil {
		return err
	}
	meta, err := bucket(tx, bucketMeta)
	if err != nil {
		return err
	}
	return putUint64(meta, keyBookingCount, n)
}

// migrateLoop (version 3) adds the background loop's buckets and gives every
// booking that still waits for its summons a summons timer, due when the
// booking was last changed, so that the loop sends it on its first tick.
func migrateLoop(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketIdxTimerDue, bucketOutbox, bucketMessages, bucketReceipts} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return err
	}
	var planned []*domain.Booking
	var olds []domain.BookingSnapshot
	err = bookings.ForEach(func(k, v []byte) error {
		old, b, err := decodeBooking(k, v)
		if err != nil {
			return err
		}
		if b.EnsureSummonsPlanned(b.UpdatedAt()) {
			planned = append(planned, b)
			olds = append(olds, old)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, b := range planned {
		if err := putBooking(tx, b, &olds[i]); err != nil {
			return err
		}
	}
	return nil
}

// migrateQueryIndexes (version 4) builds idx_patient_name from the patient
// records and idx_attention from the booking records. Both are written in
// key order (see nameIndexBatch); the name index's keys are gathered in
// memory first, some tens of bytes per patient and name word.
func migrateQueryIndexes(tx *bolt.Tx) error {
	names, err := tx.CreateBucketIfNotExists(bucketIdxPatientName)
	if err != nil {
		return err
	}
	attention, err := tx.CreateBucketIfNotExists(bucketIdxAttention)
	if err != nil {
		return err
	}
	patients, err := bucket(tx, bucketPatients)
	if err != nil {
		return err
	}
	nameEntries := nameIndexBatch{}
	err = patients.ForEach(func(k, v []byte) error {
		var snap domain.PatientSnapshot
		if err := decodePatientRecord(v, &snap); err != nil {
			return fmt.Errorf("patients/%s: %w", patientRef(k), err)
		}
		if snap.ID != string(k) {
			return fmt.Errorf("patients/%s: record is of another patient, %s", patientRef(k), patientRef([]byte(snap.ID)))
		}
		nameEntries.change(nil, snap)
		return nil
	})
	if err != nil {
		return err
	}
	if err := nameEntries.apply(names); err != nil {
		return err
	}
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return err
	}
	return bookings.ForEach(func(k, v []byte) error {
		snap, err := decodeBookingSnapshot(k, v)
		if err != nil {
			return err
		}
		return putAttentionEntry(attention, snap)
	})
}

// migrateNameValues (version 10) writes each patient's folded name into its
// idx_patient_name entries (see nameValue), in key order.
func migrateNameValues(tx *bolt.Tx) error {
	names, err := bucket(tx, bucketIdxPatientName)
	if err != nil {
		return err
	}
	patients, err := bucket(tx, bucketPatients)
	if err != nil {
		return err
	}
	batch := nameIndexBatch{}
	err = patients.ForEach(func(k, v []byte) error {
		var snap domain.PatientSnapshot
		if err := decodePatientRecord(v, &snap); err != nil {
			return fmt.Errorf("patients/%s: %w", patientRef(k), err)
		}
		batch.change(nil, snap)
		return nil
	})
	if err != nil {
		return err
	}
	return batch.apply(names)
}
