package storage

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestBackupTo_WritesACheckedPrivateCopyWhileInUse(t *testing.T) {
	path := filledStore(t)
	s, err := Open(path, Options{noSync: true, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A writer holds a transaction open meanwhile: the copy is a snapshot
	// and does not wait for it.
	p := addPatient(t, s, pnrString(1990, 5, 5, 555), "Bo Berg")
	out := filepath.Join(t.TempDir(), "copy.db")
	res, err := s.BackupTo(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != res.Bytes {
		t.Fatalf("copy: %v, mode %v, size %d (reported %d)", err, fi.Mode(), fi.Size(), res.Bytes)
	}
	if !res.Check.OK() || res.Check.Counted["patients"] != 31 {
		t.Fatalf("check of the copy: %+v", res.Check)
	}
	c, err := Open(out, Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Patient(context.Background(), p.ID()); err != nil {
		t.Fatalf("the copy lacks the patient added before it: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".tmp-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	if _, err := s.BackupTo(context.Background(), path); err == nil {
		t.Fatal("a backup over the database itself was accepted")
	}
}

// The restore the README describes: back up, change, stop, copy the backup
// over the file, check — the change is gone and the file is whole.
func TestBackup_RestoreBringsBackTheCopiedState(t *testing.T) {
	path := filledStore(t)
	s, err := Open(path, Options{noSync: true, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	bk := filepath.Join(t.TempDir(), "before.db")
	if _, err := s.BackupTo(context.Background(), bk); err != nil {
		t.Fatal(err)
	}
	late := addPatient(t, s, pnrString(1991, 6, 6, 666), "Efter Backup")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bk)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	rep := checkFile(t, path)
	if !rep.OK() || rep.Counted["patients"] != 30 {
		t.Fatalf("restored file: %+v %v", rep.Problems, rep.Counted)
	}
	r, err := Open(path, Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Patient(context.Background(), late.ID()); err == nil {
		t.Fatal("the change made after the backup survived the restore")
	}
}

func TestNightlyBackup_KeepsTheLastN(t *testing.T) {
	s := openTest(t)
	addPatient(t, s, pnrString(1980, 1, 1, 111), "Ada Ek")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	var last BackupResult
	for i := range 5 {
		res, _, err := s.NightlyBackup(context.Background(), dir, 3, t0.Add(time.Duration(i)*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		last = res
	}
	got, err := Backups(dir)
	if err != nil || len(got) != 3 {
		t.Fatalf("Backups = %v, %v; want 3", got, err)
	}
	if got[2] != last.Path || !strings.Contains(got[0], BackupName(t0.Add(48 * time.Hour))[:17]) {
		t.Fatalf("kept %v, last %s", got, last.Path)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal("a file that is not a nightly copy was removed")
	}
}

// fullDisk accepts n bytes and then fails as a full disk does.
type fullDisk struct{ n int }

func (f *fullDisk) Write(p []byte) (int, error) {
	if len(p) > f.n {
		w := f.n
		f.n = 0
		return w, &os.PathError{Op: "write", Path: "backup", Err: syscall.ENOSPC}
	}
	f.n -= len(p)
	return len(p), nil
}

func TestBackup_DiskFullIsAClearErrorAndTheDatabaseStaysWhole(t *testing.T) {
	path := filledStore(t)
	s, err := Open(path, Options{noSync: true, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Backup(&fullDisk{n: 10000})
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("Backup on a full disk = %v", err)
	}
	addPatient(t, s, pnrString(1970, 7, 7, 777), "Efter Full Disk")
	s.Close()
	if rep := checkFile(t, path); !rep.OK() || rep.Counted["patients"] != 31 {
		t.Fatalf("after the failed backup: %+v %v", rep.Problems, rep.Counted)
	}
	_ = io.Discard
}

// A database file that cannot be opened for writing (a read-only mount)
// is refused with a reason, and the file is left as it was.
func TestOpen_ReadOnlyFileIsAClearError(t *testing.T) {
	path := filledStore(t)
	before, _ := os.ReadFile(path)
	_, err := Open(path, Options{MustExist: true, openFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
		if flag&(os.O_RDWR|os.O_WRONLY) != 0 {
			return nil, &os.PathError{Op: "open", Path: name, Err: syscall.EROFS}
		}
		return os.OpenFile(name, flag, mode)
	}})
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("Open on a read-only file system = %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("the file changed")
	}
}

// A backup never replaces what is not a database (a host key, the program
// itself) nor writes into a folder that is not there (a path typed wrong
// became a tree of new folders); a folder is no file to write. An earlier
// backup at the path is replaced.
func TestBackupTo_ReplacesOnlyAnEarlierBackup(t *testing.T) {
	path := filledStore(t)
	s, err := Open(path, Options{noSync: true, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dir := t.TempDir()
	key := filepath.Join(dir, "ssh_host_ed25519_key")
	if err := os.WriteFile(key, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Another database (a training file, another server's): never replaced.
	other := filepath.Join(dir, "training.db")
	if o, err := Open(other, Options{noSync: true}); err != nil {
		t.Fatal(err)
	} else {
		o.Close()
	}
	for _, c := range []struct{ path, reason string }{
		{other, BackupTargetOtherDatabase},
		{key, BackupTargetNotDatabase},
		{dir, BackupTargetFolder},
		{filepath.Join(dir, "typo", "b.db"), BackupTargetNoFolder},
	} {
		_, err := s.BackupTo(context.Background(), c.path)
		var te *BackupTargetError
		if !errors.As(err, &te) || te.Reason != c.reason {
			t.Errorf("%s: %v, want %s", c.path, err, c.reason)
		}
	}
	if b, _ := os.ReadFile(key); !strings.HasPrefix(string(b), "-----BEGIN") {
		t.Fatal("the key was replaced")
	}
	if _, err := os.Stat(filepath.Join(dir, "typo")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a folder was made for a path typed wrong: %v", err)
	}
	again := filepath.Join(dir, "today.db")
	for i := 0; i < 2; i++ {
		if _, err := s.BackupTo(context.Background(), again); err != nil {
			t.Fatalf("backup %d onto an earlier one: %v", i+1, err)
		}
	}
}
