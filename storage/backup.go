package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BackupResult is a copy written by BackupTo and what checking it found.
type BackupResult struct {
	Path  string      `json:"path"`
	Bytes int64       `json:"bytes"`
	Check CheckReport `json:"check"`
}

// ErrBackupDamaged is returned when the copy just written does not pass
// Check; the copy is removed.
var ErrBackupDamaged = errors.New("the backup did not pass its check")

// ErrBackupOntoDatabase refuses a backup whose target is the database
// file itself, by whatever path (a linked folder, a bind mount): the copy
// would be renamed over the live file, and every later write lost.
var ErrBackupOntoDatabase = errors.New("that is the database itself")

// BackupTargetError refuses a backup's target: a folder, a folder that
// does not exist (a path typed wrong would otherwise become a new tree of
// folders), a file that is there and is not a database (a host key, the
// program itself: replacing it would lose it), or another database (a
// training file, another clinic's, one a server holds: only an earlier
// backup of this database is replaced). Reason says which.
type BackupTargetError struct {
	Path   string
	Reason string // BackupTargetFolder, BackupTargetNoFolder or BackupTargetNotDatabase
}

// The reasons of a BackupTargetError.
const (
	BackupTargetFolder        = "folder"
	BackupTargetNoFolder      = "no_folder"
	BackupTargetNotDatabase   = "not_database"
	BackupTargetOtherDatabase = "other_database"
)

func (e *BackupTargetError) Error() string {
	switch e.Reason {
	case BackupTargetFolder:
		return fmt.Sprintf("backup %s: that is a folder; name the file to write", e.Path)
	case BackupTargetNoFolder:
		return fmt.Sprintf("backup %s: the folder %s does not exist", e.Path, filepath.Dir(e.Path))
	case BackupTargetOtherDatabase:
		return fmt.Sprintf("backup %s: the file there is another database (or one in use), not a backup of this one; it is not replaced", e.Path)
	}
	return fmt.Sprintf("backup %s: the file there is not a database; it is not replaced", e.Path)
}

// checkBackupTarget refuses what BackupTargetError names. An earlier
// backup of this database at path (its database_id) may be replaced.
func (s *Store) checkBackupTarget(path string) error {
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return &BackupTargetError{Path: path, Reason: BackupTargetNoFolder}
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("backup %s: %w", path, err)
	case fi.IsDir():
		return &BackupTargetError{Path: path, Reason: BackupTargetFolder}
	}
	if _, err := inspectFile(path); err != nil {
		return &BackupTargetError{Path: path, Reason: BackupTargetNotDatabase}
	}
	self, err := s.ID()
	if err != nil {
		return fmt.Errorf("backup %s: %w", path, err)
	}
	var theirs string
	err = peek(path, time.Second, func(tx *bolt.Tx) error { // held by another process: the wait ends, refused
		if m := tx.Bucket(bucketMeta); m != nil {
			theirs = string(m.Get(keyDatabaseID))
		}
		return nil
	})
	if err != nil || theirs == "" || theirs != self {
		return &BackupTargetError{Path: path, Reason: BackupTargetOtherDatabase}
	}
	return nil
}

// isDatabase reports whether path names the store's own file: the same
// path, or the same file reached another way.
func (s *Store) isDatabase(path string) bool {
	if self, _ := filepath.Abs(s.path); self == path {
		return true
	}
	fi, err := os.Stat(path)
	if err != nil {
		return false // not there: not the database, which is
	}
	self, err := os.Stat(s.path)
	return err == nil && os.SameFile(fi, self)
}

// BackupTo writes a consistent copy of the database to path while the store
// stays in use (one read transaction; writers are not blocked): under a
// temporary name in the same folder, mode 0600, fsynced, then renamed over
// path and the folder fsynced, so that path is either the old file or the
// whole new copy. The copy is then opened and checked. An existing file at
// path is replaced only by a copy that passed, and only when it is a
// database itself (an earlier backup); path's folder must exist
// (BackupTargetError).
func (s *Store) BackupTo(ctx context.Context, path string) (BackupResult, error) {
	res := BackupResult{Path: path}
	abs, err := filepath.Abs(path)
	if err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	if s.isDatabase(abs) {
		return res, fmt.Errorf("backup %s: %w", path, ErrBackupOntoDatabase)
	}
	if err := s.checkBackupTarget(abs); err != nil {
		return res, err
	}
	// The reads logged in the journal go into the copy.
	if _, err := s.foldJournal(ctx); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	dir := filepath.Dir(abs)
	f, err := os.CreateTemp(dir, ".tmp-backup-*.db")
	if err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	n, err := s.Backup(f)
	if err != nil {
		return res, fmt.Errorf("backup to %s: %w", path, err)
	}
	res.Bytes = n
	if err := f.Sync(); err != nil {
		return res, fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return res, fmt.Errorf("backup to %s: %w", path, err)
	}
	copyStore, err := Open(tmp, Options{MustExist: true, Timeout: time.Second})
	if err != nil {
		return res, fmt.Errorf("backup to %s: the copy cannot be opened: %w", path, err)
	}
	rep, err := copyStore.Check(ctx)
	_ = copyStore.Close()
	res.Check = rep
	if err != nil {
		return res, fmt.Errorf("backup to %s: checking the copy: %w", path, err)
	}
	if !rep.OK() {
		return res, fmt.Errorf("backup to %s: %w (%d problems; run `kallelse check` on the database)", path, ErrBackupDamaged, len(rep.Problems)+rep.Omitted)
	}
	if err := os.Rename(tmp, abs); err != nil {
		return res, fmt.Errorf("backup to %s: %w", path, err)
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return res, nil
}

// backupPrefix and backupSuffix name the nightly copies: the instant sorts
// them.
const (
	backupPrefix = "kallelse-"
	backupSuffix = ".db"
	backupStamp  = "20060102T150405"
)

// BackupName is the name of the nightly copy taken at t.
func BackupName(t time.Time) string {
	return backupPrefix + t.UTC().Format(backupStamp) + "Z" + backupSuffix
}

// NightlyBackup writes a copy named for now into dir and removes the oldest
// nightly copies beyond keep. Other files in dir are left alone. It returns
// the copy written and the copies removed.
func (s *Store) NightlyBackup(ctx context.Context, dir string, keep int, now time.Time) (BackupResult, []string, error) {
	if keep < 1 {
		return BackupResult{}, nil, fmt.Errorf("backup: keep %d copies? at least 1", keep)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil { // backup.dir, made at the first night
		return BackupResult{}, nil, fmt.Errorf("backup: %w", err)
	}
	if _, err := CleanBackupTemps(dir, time.Hour); err != nil {
		return BackupResult{}, nil, fmt.Errorf("backup: cleaning half-written copies: %w", err)
	}
	res, err := s.BackupTo(ctx, filepath.Join(dir, BackupName(now)))
	if err != nil {
		return res, nil, err
	}
	copies, err := Backups(dir)
	if err != nil {
		return res, nil, err
	}
	var removed []string
	for len(copies) > keep {
		if err := os.Remove(copies[0]); err != nil {
			return res, removed, fmt.Errorf("backup: removing an old copy: %w", err)
		}
		removed = append(removed, copies[0])
		copies = copies[1:]
	}
	return res, removed, nil
}

// Backups lists the nightly copies in dir, oldest first.
func Backups(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(n, backupPrefix) || !strings.HasSuffix(n, backupSuffix) {
			continue
		}
		stamp := strings.TrimSuffix(strings.TrimPrefix(n, backupPrefix), "Z"+backupSuffix)
		if _, err := time.Parse(backupStamp, stamp); err != nil {
			continue
		}
		out = append(out, filepath.Join(dir, n))
	}
	slices.Sort(out)
	return out, nil
}

// CleanBackupTemps removes the temporary files that a backup killed half
// way left in dir, once older than minAge (by the file's own time: a copy
// being written now is younger).
func CleanBackupTemps(dir string, minAge time.Duration) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, ".tmp-backup-*.db"))
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, m := range matches {
		fi, err := os.Stat(m)
		if err != nil || time.Since(fi.ModTime()) < minAge {
			continue
		}
		if err := os.Remove(m); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, err
		}
		removed = append(removed, m)
	}
	return removed, nil
}
