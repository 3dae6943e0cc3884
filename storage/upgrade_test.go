package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// A file at version 1 opened by this kallelse ends with a complete
// idx_exam (the ahead step of 14 runs before migrations 2..12, and
// migration 3's putBooking keeps it), and the list filtered by examination
// finds each booking.
func TestMigration_V1ToCurrentIndexesExaminations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kallelse.db")
	snaps := writeV1(t, path)
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, snap := range snaps {
		got, err := s.Bookings(ctx, domain.BookingQuery{Exam: snap.Exam})
		if err != nil || len(got) != 1 || got[0].ID() != snap.ID {
			t.Errorf("Bookings(exam %s) = %v, %v; want [%d]", snap.Exam, ids(got), err, snap.ID)
		}
	}
	rep, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		if p.Area == "idx_exam" {
			t.Errorf("check: %+v", p)
		}
	}
}

// runMigrations on its own, without the ahead steps, from version 1:
// migration 3 stores bookings through putBooking, which keeps idx_exam, so
// it is there, empty, from the start, and migration 14 makes it whole.
func TestRunMigrations_OnItsOwnFromV1LeavesAWholeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kallelse.db")
	snaps := writeV1(t, path)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return runMigrations(tx, 1) }); err != nil {
		t.Fatalf("runMigrations from version 1 without the ahead steps: %v", err)
	}
	db.Close()
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustCheck(t, s)
	for _, snap := range snaps {
		got, err := s.Bookings(context.Background(), domain.BookingQuery{Exam: snap.Exam})
		if err != nil || len(got) != 1 || got[0].ID() != snap.ID {
			t.Errorf("Bookings(exam %s) = %v, %v; want [%d]", snap.Exam, ids(got), err, snap.ID)
		}
	}
}

// An upgrade stopped after its ahead steps have committed — killed, a
// power cut, a full disk — leaves a file part of which only the new
// version reads: it says so (schema_version is the new version, and
// meta/upgrading_from the old), so that the kallelse that wrote it refuses
// it rather than misreads it, and the next open goes on from the old
// version without a second copy, and leaves it whole.
func TestMigration_AStoppedUpgradeIsRefusedByTheOldVersionAndFinishedByTheNext(t *testing.T) {
	path := fillStore(t, true)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The file as schema 12 wrote it: JSON facts, no idx_exam.
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := factsAsSchema12(tx); err != nil {
			return err
		}
		return tx.DeleteBucket(bucketIdxExam)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	stopped := errors.New("the process stops here")
	aheadHook = func(v int) error {
		if v == 13 {
			return stopped
		}
		return nil
	}
	defer func() { aheadHook = nil }()
	if _, err := Open(path, Options{noSync: true, Backup: true}); !errors.Is(err, stopped) {
		t.Fatalf("Open = %v, want the upgrade stopped", err)
	}
	aheadHook = nil
	db, err = bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		v, err := readSchemaVersion(tx)
		if err != nil {
			return err
		}
		if v <= 12 {
			t.Errorf("a file with facts rewritten says schema version %d: version 12 would read it", v)
		}
		if from := tx.Bucket(bucketMeta).Get(keyUpgradingFrom); len(from) != 8 || binary.BigEndian.Uint64(from) != 12 {
			t.Errorf("meta/upgrading_from = %x, want 12", from)
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	backups, _ := filepath.Glob(path + ".bak-*")
	var steps []UpgradeStep
	s, err := Open(path, Options{noSync: true, Backup: true, Upgrading: func(st UpgradeStep) { steps = append(steps, st) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if again, _ := filepath.Glob(path + ".bak-*"); len(again) != len(backups) || len(backups) != 1 {
		t.Errorf("copies %v before the second open, %v after: want the first one only", backups, again)
	}
	if len(steps) == 0 || steps[0].Step != UpgradeMigrate || steps[0].From != 12 {
		t.Errorf("steps told on going on: %+v", steps)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta).Get(keyUpgradingFrom) != nil {
			t.Error("meta/upgrading_from left after the upgrade")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.SchemaVersion(); err != nil || v != currentSchemaVersion {
		t.Fatalf("version = %d, %v", v, err)
	}
	mustCheck(t, s)
}

// An upgrade started again in the second its copy was taken (it failed,
// and a service manager restarted it at once) keeps that copy and names
// its own beside it.
func TestBackupName_KeepsACopyOfTheSameSecond(t *testing.T) {
	s := openTest(t)
	now := time.Now().Unix()
	for _, sec := range []int64{now, now + 1} { // the second may turn meanwhile
		if err := os.WriteFile(fmt.Sprintf("%s.bak-v12-%d", s.path, sec), []byte("the first copy"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	name := s.backupName(12)
	if !strings.HasSuffix(name, "-2") {
		t.Errorf("backup name %s: want the first copy's name with -2", name)
	}
	if _, err := os.Lstat(name); err == nil {
		t.Errorf("%s exists", name)
	}
}
