package storage

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// releaseMapped tells the kernel that this process no longer needs the
// file's pages it has read through bbolt's map (madvise MADV_DONTNEED).
// They stay in the page cache, and a later read maps them again from
// there; only the process's resident memory drops. A pass over the whole
// file (report rebuild) would otherwise keep every page it read resident
// to its end: 1.3 GB at a million bookings.
//
// It runs inside a read transaction, which holds bbolt's map in place (a
// writer remaps only when no read transaction is open), so the range is
// the map's. The map is shared and read-only — bbolt writes with pwrite —
// so no data can be lost.
func (s *Store) releaseMapped() { _ = s.db.View(releaseMappedIn) }

// releaseMappedIn is releaseMapped inside tx, which holds the map in
// place: a read transaction, or a write transaction before its commit
// (bbolt remaps only to grow the file, at a commit).
func releaseMappedIn(tx *bolt.Tx) error {
	info := tx.DB().Info()
	if info.Data == 0 || tx.Size() <= 0 {
		return nil
	}
	_, _, errno := unix.Syscall(unix.SYS_MADVISE, info.Data, uintptr(tx.Size()), unix.MADV_DONTNEED)
	if errno != 0 {
		return errno // nothing is lost: the pages only stay resident
	}
	return nil
}
