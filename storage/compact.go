package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// A bbolt file never gives pages back: a page freed by a commit goes on the
// file's free list, for a later commit to use again. Opening a file reads
// that list and indexes it (about 30 ns a page), and the pages stay in the
// file. A clinic's file, changed one booking at a time, frees a few pages
// at each commit and uses them again at the next, so its list stays short;
// a file that was built in bulk (the demo) or rewritten whole (a migration,
// a restore, a rebuild) ends with thousands of free pages — and its pages
// half full, as bbolt splits them. Compact writes the file anew, every page
// full and none free.

// CompactWorthwhile is how many free pages make compacting worth its while:
// bbolt writes the whole free list at every commit and reads it at every
// open, 8 bytes a page.
const CompactWorthwhile = 10000

// FreePages is how many of the file's pages are free (or freed and soon
// free): what compacting gives back.
func (s *Store) FreePages() int {
	st := s.db.Stats()
	return st.FreePageN + st.PendingPageN
}

// CompactResult says what Compact did.
type CompactResult struct {
	Path        string `json:"path"`
	BytesBefore int64  `json:"bytes_before"`
	BytesAfter  int64  `json:"bytes_after"`
	FreeBefore  int    `json:"free_pages_before"`
	Keys        int64  `json:"keys"`
}

// compactTxBytes is how many bytes of keys and values Compact copies per
// write transaction: a transaction keeps every page it writes in memory
// until it commits. Compacting a million bookings' file (2.7 GB) took
// 1 GB of anonymous memory with 64 MB, and takes 177 MB with 8 MB, in
// the same 27 s.
var compactTxBytes int64 = 8 << 20

// Compact rewrites the database file at path without free pages: a copy
// under a temporary name in the same folder, synced, compared key for key
// with the file (the same count of keys in every bucket), then renamed over
// it. The file must not be in use (ErrDatabaseInUse); on any error the file
// is left as it was.
func Compact(ctx context.Context, path string) (CompactResult, error) {
	res := CompactResult{Path: path}
	src, err := Open(path, Options{MustExist: true})
	if err != nil {
		return res, err
	}
	defer src.Close()
	fi, err := os.Stat(path)
	if err != nil {
		return res, err
	}
	res.BytesBefore = fi.Size()
	res.FreeBefore = src.db.Stats().FreePageN
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-compact-*.db")
	if err != nil {
		return res, fmt.Errorf("compact: %w", err)
	}
	tmpPath := tmp.Name()
	_ = tmp.Close()
	defer os.Remove(tmpPath) // a no-op after the rename
	if err := os.Chmod(tmpPath, 0o600); err != nil {
		return res, fmt.Errorf("compact: %w", err)
	}
	dst, err := bolt.Open(tmpPath, 0o600, &bolt.Options{NoSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return res, fmt.Errorf("compact: %w", err)
	}
	err = bolt.Compact(dst, src.db, compactTxBytes)
	if err == nil {
		err = dst.Sync()
	}
	if err == nil {
		res.Keys, err = sameKeys(ctx, src.db, dst)
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, fmt.Errorf("compact: %w", err)
	}
	if err := src.Close(); err != nil {
		return res, err
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return res, fmt.Errorf("compact: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync() // the rename itself survives a crash
		_ = d.Close()
	}
	if fi, err := os.Stat(path); err == nil {
		res.BytesAfter = fi.Size()
	}
	return res, nil
}

// sameKeys counts the keys of every bucket in both files and says where
// they differ; it returns the count.
func sameKeys(ctx context.Context, a, b *bolt.DB) (int64, error) {
	count := func(db *bolt.DB) (map[string]int64, int64, error) {
		per := map[string]int64{}
		var all int64
		err := db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				n := int64(bk.Stats().KeyN)
				per[string(name)] = n
				all += n
				return nil
			})
		})
		return per, all, err
	}
	want, all, err := count(a)
	if err != nil {
		return 0, err
	}
	got, _, err := count(b)
	if err != nil {
		return 0, err
	}
	if len(got) != len(want) {
		return 0, fmt.Errorf("the copy has %d buckets, the file %d", len(got), len(want))
	}
	for name, n := range want {
		if got[name] != n {
			return 0, fmt.Errorf("the copy's %s has %d keys, the file's %d", name, got[name], n)
		}
	}
	if all == 0 && len(want) == 0 {
		return 0, errors.New("the file has no buckets")
	}
	return all, nil
}
