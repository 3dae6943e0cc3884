package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

func TestOpen_CreatesDirectoryAndFilePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var", "kallelse")
	path := filepath.Join(dir, "kallelse.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode = %v, want 0600", got)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := di.Mode().Perm(); got&0o077 != 0 {
		t.Errorf("directory mode = %v, want no access for group and others", got)
	}
}

func TestOpen_SecondOpenTimesOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kallelse.db")
	s, err := Open(path, Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	s2, err := Open(path, Options{Timeout: 100 * time.Millisecond})
	if err == nil {
		s2.Close()
		t.Fatal("second Open succeeded")
	}
	if !errors.Is(err, ErrDatabaseInUse) {
		t.Fatalf("err = %v, want ErrDatabaseInUse", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "kallelse serve") {
		t.Errorf("message %q should name the file and say what may hold it", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %v", d)
	}
}

func TestOpen_NewFileIsAtCurrentVersion(t *testing.T) {
	s := openTest(t)
	v, err := s.SchemaVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v != currentSchemaVersion || v != 18 {
		t.Errorf("version = %d, want %d", v, currentSchemaVersion)
	}
	if n, err := s.CountBookings(context.Background()); err != nil || n != 0 {
		t.Errorf("CountBookings = %d, %v", n, err)
	}
}

func TestOpen_ReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kallelse.db")
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	b := book(t, s, p, examECG, siteRyhov, t0.Add(48*time.Hour))
	s.Close()

	s, err = Open(path, Options{Backup: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Booking(context.Background(), b.ID())
	if err != nil || got.State() != domain.StateBooked {
		t.Fatalf("Booking after reopen = %v, %v", got, err)
	}
	if matches, _ := filepath.Glob(path + ".bak-*"); len(matches) != 0 {
		t.Errorf("backup written without a migration: %v", matches)
	}
}

func TestMigrations_AreOrderedAndEndAtCurrent(t *testing.T) {
	v := baseVersion
	for _, m := range migrations {
		if m.version != v+1 || m.name == "" || m.fn == nil {
			t.Errorf("migration %+v does not follow version %d", m, v)
		}
		v = m.version
	}
	if v != currentSchemaVersion {
		t.Errorf("migrations end at %d, current is %d", v, currentSchemaVersion)
	}
}

// writeV1 builds a version-1 file by hand: the layout without idx_state and
// without the booking counter, holding one patient and three bookings: one
// booked, one cancelled and one whose patient asked to rebook.
func writeV1(t *testing.T, path string) []domain.BookingSnapshot {
	t.Helper()
	p := mustPatient(t, mustID(t, pnrString(1975, 1, 2, 345)), "Bo Berg")
	b1, err := domain.NewBooking(domain.BookingRequest{ID: 1, Patient: p, Exam: examECG, Site: siteRyhov,
		VisitAt: t0.Add(24 * time.Hour), Now: t0, Actor: actor})
	if err != nil {
		t.Fatal(err)
	}
	b2, err := domain.NewBooking(domain.BookingRequest{ID: 2, Patient: p, Exam: examEcho, Site: siteVarnamo,
		VisitAt: t0.Add(72 * time.Hour), Now: t0, Actor: actor})
	if err != nil {
		t.Fatal(err)
	}
	if err := b2.Cancel(t0.Add(time.Hour), actor, "patienten ringde"); err != nil {
		t.Fatal(err)
	}
	b3, err := domain.NewBooking(domain.BookingRequest{ID: 3, Patient: p, Exam: examTest, Site: siteRyhov,
		VisitAt: t0.Add(120 * time.Hour), Now: t0, Actor: actor})
	if err != nil {
		t.Fatal(err)
	}
	if err := b3.FireDue(fireEnv(p, examTest, t0)); err != nil || b3.Snapshot().SummonsMsg == "" {
		t.Fatalf("summons of booking 3: %v, %+v", err, b3.Snapshot())
	}
	rr := domain.Receipt{MessageID: b3.Snapshot().SummonsMsg, Type: domain.ReceiptRebookRequested, At: t0.Add(2 * time.Hour)}
	if err := b3.ApplyReceipt(rr, fireEnv(p, examTest, rr.At)); err != nil || b3.State() != domain.StateRebookRequested {
		t.Fatalf("rebook request of booking 3: %v, %s", err, b3.State())
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var snaps []domain.BookingSnapshot
	err = db.Update(func(tx *bolt.Tx) error {
		// The version 1 layout: no idx_state, none of version 3's buckets.
		for _, name := range [][]byte{bucketMeta, bucketPatients, bucketBookings, bucketIdxVisit,
			bucketIdxPatient, bucketEvents, bucketIdxEventBooking} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		ps, _ := json.Marshal(p.Snapshot())
		if err := tx.Bucket(bucketPatients).Put([]byte(p.ID().Canonical()), ps); err != nil {
			return err
		}
		for _, b := range []*domain.Booking{b1, b2, b3} {
			snap := b.Snapshot()
			snap.Timers, snap.TimerSeq = nil, 0 // version 1 records had no timers
			snaps = append(snaps, snap)
			data, _ := json.Marshal(snap)
			bk := tx.Bucket(bucketBookings)
			if _, err := bk.NextSequence(); err != nil {
				return err
			}
			if err := bk.Put(u64(uint64(b.ID())), data); err != nil {
				return err
			}
			keys, err := indexKeys(snap)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketIdxVisit).Put(keys.visit, nil); err != nil {
				return err
			}
			if err := tx.Bucket(bucketIdxPatient).Put(keys.patient, nil); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	return snaps
}

func TestMigration_V1ToCurrentBuildsIndexesPlansSummonsAndBacksUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kallelse.db")
	snaps := writeV1(t, path)

	s, err := Open(path, Options{Backup: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	if v, err := s.SchemaVersion(); err != nil || v != currentSchemaVersion {
		t.Fatalf("version = %d, %v; want %d", v, err, currentSchemaVersion)
	}
	// Version 3: the booking still waiting for its summons got its summons
	// timer; the cancelled one did not.
	if n, err := s.CountDueTimers(ctx, t0.Add(1000*time.Hour)); err != nil || n != 1 {
		t.Errorf("due timers after migration = %d, %v; want 1", n, err)
	}
	if b, err := s.Booking(ctx, 1); err != nil || len(b.Timers()) != 1 || b.Timers()[0].Kind != domain.TimerSummons {
		t.Errorf("booking 1 timers %v, %v", b.Timers(), err)
	}
	if n, err := s.CountBookings(ctx); err != nil || n != 3 {
		t.Errorf("CountBookings = %d, %v; want 3", n, err)
	}
	for _, snap := range snaps {
		got, err := s.Bookings(ctx, domain.BookingQuery{State: snap.State})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID() != snap.ID {
			t.Errorf("Bookings(state %s) = %v, want [%d]", snap.State, ids(got), snap.ID)
		}
	}
	// The next booking gets the next id: the sequence survived the migration.
	p, err := s.Patient(ctx, mustID(t, snaps[0].Patient))
	if err != nil {
		t.Fatal(err)
	}
	if b := book(t, s, p, examTest, siteRyhov, t0.Add(96*time.Hour)); b.ID() != 4 {
		t.Errorf("next id = %d, want 4", b.ID())
	}

	// Version 4: the patient is found by name and number, and the booking
	// waiting for a rebooking needs attention.
	for _, q := range []string{"bo", "BERG", "bo b", snaps[0].Patient[:8], snaps[0].Patient[2:8]} {
		got, err := s.SearchPatients(ctx, q, 10)
		if err != nil || len(got) != 1 || got[0].ID().Canonical() != snaps[0].Patient {
			t.Errorf("SearchPatients(%q) = %v, %v; want the v1 patient", q, got, err)
		}
	}
	items, err := s.Attention(ctx, 0)
	if err != nil || len(items) != 1 || items[0].Booking.ID() != 3 ||
		!reflect.DeepEqual(items[0].Reasons, []string{domain.AttentionRebookRequested}) || !items[0].Since.Equal(snaps[2].UpdatedAt) {
		t.Errorf("Attention = %+v, %v; want booking 3, rebook_requested since %s", items, err, snaps[2].UpdatedAt)
	}
	checkQueryIndexes(t, s)

	backups, _ := filepath.Glob(path + ".bak-v1-*")
	if len(backups) != 1 {
		t.Fatalf("backups = %v, want one %s.bak-v1-<unix>", backups, path)
	}
	fi, err := os.Stat(backups[0])
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %v, want 0600", fi.Mode().Perm())
	}
	// The backup is the old file: still version 1, no idx_state.
	db, err := bolt.Open(backups[0], 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		if v, _ := readSchemaVersion(tx); v != 1 {
			t.Errorf("backup version = %d, want 1", v)
		}
		if tx.Bucket(bucketIdxState) != nil {
			t.Error("backup has idx_state")
		}
		return nil
	})
}

func TestMigration_WithoutBackupOption(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kallelse.db")
	writeV1(t, path)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if backups, _ := filepath.Glob(path + ".bak-*"); len(backups) != 0 {
		t.Errorf("backups = %v, want none", backups)
	}
}

func TestOpen_RefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kallelse.db")
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(uint64(currentSchemaVersion+1)))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Open(path, Options{Backup: true})
	want := fmt.Sprintf("database schema version %d is newer than this kallelse supports (%d); upgrade kallelse", currentSchemaVersion+1, currentSchemaVersion)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestOpen_RefusesForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("something_else"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "not a kallelse database") {
		t.Fatalf("err = %v, want not a kallelse database", err)
	}
}

func TestBackup_CopyOpensAndHoldsTheData(t *testing.T) {
	s := openTest(t)
	p := addPatient(t, s, pnrString(1990, 12, 24, 101), "Cecilia Ceder")
	b := book(t, s, p, examECG, siteRyhov, t0.Add(50*time.Hour))

	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup = %d, %v (buffer %d)", n, err, buf.Len())
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := c.Booking(context.Background(), b.ID())
	if err != nil || got.Patient().Canonical() != p.ID().Canonical() {
		t.Fatalf("Booking from copy = %v, %v", got, err)
	}
}

// checkQueryIndexes fails unless the version 4 indexes agree with the records.
func checkQueryIndexes(t *testing.T, s *Store) {
	t.Helper()
	if err := queryIndexErrors(s); err != nil {
		t.Error(err)
	}
}

func TestMigration_V3ToV4BuildsQueryIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kallelse.db")
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anders Öberg")
	addPatient(t, s, pnrString(1966, 2, 3, 456), "Karin Andersson")
	book(t, s, p, examECG, siteRyhov, t0.Add(5*24*time.Hour))
	phone := book(t, s, p, examEcho, siteRyhov, t0.Add(30*time.Hour)) // paper too late: phone task
	fire(t, s, t0)
	s.Close()

	// Make it a version 3 file: without the version 4 buckets.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketIdxPatientName, bucketIdxAttention} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(3))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if v, err := s.SchemaVersion(); err != nil || v != currentSchemaVersion {
		t.Fatalf("version = %d, %v; want %d", v, err, currentSchemaVersion)
	}
	checkQueryIndexes(t, s)
	if got, err := s.SearchPatients(ctx, "and", 10); err != nil || !reflect.DeepEqual(names(got), []string{"Anders Öberg", "Karin Andersson"}) {
		t.Errorf("SearchPatients(and) = %q, %v", names(got), err)
	}
	items, err := s.Attention(ctx, 0)
	if err != nil || len(items) != 1 || items[0].Booking.ID() != phone.ID() || !reflect.DeepEqual(items[0].Reasons, []string{domain.AttentionPhoneTask}) {
		t.Errorf("Attention = %+v, %v; want booking %d with a phone task", items, err, phone.ID())
	}
}
