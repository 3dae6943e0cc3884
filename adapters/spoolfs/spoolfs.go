// Package spoolfs writes and moves files in the spool folders that Kallelse
// exchanges with the hospital's integration engine. A file appears under its
// final name only when it is complete (written to a temporary name, synced,
// renamed, directory synced), so the engine never reads half a message; and
// writing a name that exists is a no-op, which makes every sender idempotent
// by message id.
package spoolfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TempPrefix starts the names of files being written. The integration
// engine must ignore files whose names start with a dot.
const TempPrefix = ".tmp-"

// WriteOnce writes data to dir/name atomically, unless dir/name exists, in
// which case it does nothing and reports written=false. dir is created if
// missing. Files get mode 0600: they hold patients' data. An error with
// written=true comes after the file appeared under its final name (the
// folder could not be synced): a reader may have taken it already.
func WriteOnce(dir, name string, data []byte) (written bool, err error) {
	if strings.ContainsAny(name, `/\`) || name == "" || strings.HasPrefix(name, ".") {
		return false, fmt.Errorf("spool file name %q is not a plain name", name)
	}
	return writeOnce(dir, name, data)
}

// writeOnce is WriteOnce without the check on the name: the folder's own
// files (the owner file) start with a dot, which the engine ignores.
func writeOnce(dir, name string, data []byte) (written bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, err
	}
	final := filepath.Join(dir, name)
	if _, err := os.Stat(final); err == nil {
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	f, err := os.CreateTemp(dir, TempPrefix+name+"-*")
	if err != nil {
		return false, err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Close(); err != nil {
		return false, err
	}
	// Link, not rename: link fails if the name appeared meanwhile, so two
	// writers of one message id can never replace each other's file.
	if err := os.Link(tmp, final); err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, nil
		}
		if err := os.Rename(tmp, final); err != nil { // file systems without hard links
			return false, err
		}
	}
	return true, syncDir(dir)
}

// SyncDir makes the names in dir durable: a file written, renamed or
// removed there.
func SyncDir(dir string) error { return syncDir(dir) }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// CleanTemp removes temporary files left in dir by a process that was killed
// while writing, if they are older than minAge.
func CleanTemp(dir string, now time.Time, minAge time.Duration) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), TempPrefix) {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < minAge {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// CleanTempTree is CleanTemp for root and every folder below it (the print
// folder's day folders, the quarantine), and returns how many files it
// removed. A killed process leaves its half-written file wherever it was
// writing; each holds a patient's data and is never picked up.
func CleanTempTree(root string, now time.Time, minAge time.Duration) (int, error) {
	removed := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), TempPrefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil || now.Sub(info.ModTime()) < minAge {
			return nil
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		removed++
		return nil
	})
	return removed, err
}

// messageFile matches a spool file named for a message id, k<booking>-<seq>-….
var messageFile = regexp.MustCompile(`^k([0-9]{1,19})-[0-9]+-`)

// HighestBookingID is the highest booking id that names a file anywhere
// under root (0 when none): after a database is restored from a backup, the
// bookings made since the copy are gone from it, but their letters and
// messages may still be here, and a new booking must not take their ids.
func HighestBookingID(root string) (uint64, error) {
	var highest uint64
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if m := messageFile.FindStringSubmatch(d.Name()); m != nil && !d.IsDir() {
			if n, err := strconv.ParseUint(m[1], 10, 64); err == nil {
				highest = max(highest, n)
			}
		}
		return nil
	})
	return highest, err
}

// Quarantine moves dir/name into qdir with a note qdir/name.reason.txt saying
// why (name.1, name.2, … when an earlier file of that name is there): the
// reason, when and from where, then the lines more, if any. The note is
// written first, so a crash never leaves an unexplained file.
func Quarantine(dir, name, qdir, reason string, now time.Time, more ...string) error {
	if err := os.MkdirAll(qdir, 0o700); err != nil {
		return err
	}
	// Never replace an earlier quarantined file of the same name.
	target := name
	for i := 1; ; i++ {
		if _, err := os.Lstat(filepath.Join(qdir, target)); errors.Is(err, os.ErrNotExist) {
			break
		}
		target = fmt.Sprintf("%s.%d", name, i)
	}
	note := fmt.Sprintf("%s\nquarantined %s from %s\n", reason, now.Format(time.RFC3339), filepath.Join(dir, name))
	for _, l := range more {
		note += l + "\n"
	}
	if err := os.WriteFile(filepath.Join(qdir, target+".reason.txt"), []byte(note), 0o600); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(dir, name), filepath.Join(qdir, target)); err != nil {
		return err
	}
	return syncDir(qdir)
}

// OwnerFile names, in a spool folder, the database the folder belongs to.
// It starts with a dot, so the integration engine ignores it.
const OwnerFile = ".kallelse-database"

// ErrOtherDatabase refuses a spool folder that belongs to another database.
var ErrOtherDatabase = errors.New("the spool folder belongs to another database")

// ErrCopyOfDatabase refuses a spool folder to a copy of its database (a
// backup, a training copy) kept beside the original.
var ErrCopyOfDatabase = errors.New("the spool folder belongs to the database this one is a copy of")

// Check refuses dir when it belongs to a database other than id (dbPath
// names this one in the message), or to the database at another path of
// which this is a copy: a copy has the same identity, and its message ids
// — the same as the original's — would make the original's summonses
// silently "already written" with the copy's patients in them. A folder
// that names none is fine, and so is one whose database is no longer at
// the path it names (moved here: Claim names the new path).
func Check(dir, id, dbPath string) error {
	owner, other, err := Owner(dir)
	if err != nil {
		return err
	}
	if owner != "" && owner == id && other != "" && !sameFile(other, dbPath) {
		if _, err := os.Stat(other); err == nil {
			return fmt.Errorf("%w: %s is the spool folder of %s, and %s is a copy of it; give the copy its own folder (spool.dir, or another folder for --db). If the database was moved here, move or remove %s first",
				ErrCopyOfDatabase, dir, other, dbPath, other)
		}
	}
	if owner != "" && owner != id {
		if samePath(other, dbPath) {
			return fmt.Errorf("%w: %s is the spool folder of an earlier database at %s (made anew since); give each database its own (spool.dir, or another folder for --db)",
				ErrOtherDatabase, dir, dbPath)
		}
		return fmt.Errorf("%w: %s is the spool folder of %s, not of %s; give each database its own (spool.dir, or another folder for --db)",
			ErrOtherDatabase, dir, other, dbPath)
	}
	return nil
}

// Claim makes dir the spool folder of the database with this id: a folder
// that names another database is refused, one that names none is claimed.
// A demo or training database whose folder is the clinic's would otherwise
// put its letters in the clinic's print queue, and its message ids — the
// same as the clinic's — would make real summonses silently "already
// written".
func Claim(dir, id, dbPath string) error {
	if abs, err := filepath.Abs(dbPath); err == nil {
		dbPath = abs // named whatever folder the next one starts in
	}
	if err := Check(dir, id, dbPath); err != nil {
		return err
	}
	if owner, other, _ := Owner(dir); owner == id {
		if other == "" || sameFile(other, dbPath) {
			return nil
		}
		// The database was moved here (Check found none at the old path).
		return replaceOwner(dir, id, dbPath)
	}
	// Written once: of two databases claiming one folder at once, one wins.
	if _, err := writeOnce(dir, OwnerFile, []byte(fmt.Sprintf("%s\n%s\n", id, dbPath))); err != nil {
		return err
	}
	return Check(dir, id, dbPath)
}

// samePath reports whether a and b name the same file, one relative and
// one absolute or not.
func samePath(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// SameFile reports whether a and b are one file (see sameFile).
func SameFile(a, b string) bool { return sameFile(a, b) }

// sameFile reports whether a and b are one file: the same path, or two
// paths (a link, another spelling) to it.
func sameFile(a, b string) bool {
	if samePath(a, b) {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// replaceOwner names dbPath as the folder's database in place of the path
// it named, written whole under a temporary name first.
func replaceOwner(dir, id, dbPath string) error {
	f, err := os.CreateTemp(dir, TempPrefix+OwnerFile+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = fmt.Fprintf(f, "%s\n%s\n", id, dbPath)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, OwnerFile))
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

// Owner reads the identity and path of the database dir belongs to; both
// are empty when it names none.
func Owner(dir string) (id, path string, err error) {
	b, err := os.ReadFile(filepath.Join(dir, OwnerFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	id, path, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(id), strings.TrimSpace(path), nil
}
