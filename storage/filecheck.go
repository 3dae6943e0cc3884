package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// ErrNoDatabase is returned by Open with MustExist when no file is at the
// path: a read-only verb, or a mistyped --db, never makes a new, empty
// database that would look as if every booking were gone.
var ErrNoDatabase = errors.New("no database")

// ErrDamaged is returned when the file is not a whole, readable Kallelse
// database: empty, truncated, a header that fails its checksum, another
// program's file, or pages that cannot be read.
var ErrDamaged = errors.New("database damaged")

// DamagedError says what is wrong with which file.
type DamagedError struct {
	Path   string
	Reason string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("database %s cannot be used: %s", e.Path, e.Reason)
}

func (e *DamagedError) Unwrap() error { return ErrDamaged }

type noDatabaseError struct{ path string }

func (e *noDatabaseError) Error() string {
	return fmt.Sprintf("no database at %s (check --db or KALLELSE_DB; `kallelse patient import`, `demo` or `serve` start a new one)", e.path)
}

func (e *noDatabaseError) Unwrap() error { return ErrNoDatabase }

// bbolt's file header, as written by go.etcd.io/bbolt/internal/common: two
// meta pages (0 and 1), each a 16-byte page header followed by the meta.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	pageHeaderSize   = 16
	metaSize         = 64 // magic, version, page size, flags, root (16), freelist, pgid, txid, checksum
	metaChecksumAt   = 56
	boltNoFreelist   = ^uint64(0)
	minBoltPageSize  = 512
	maxBoltPageSize  = 1 << 16
	metaPageFlag     = 0x04
	pageFlagsAt      = 8
	metaPageMinBytes = pageHeaderSize + metaSize
)

type boltMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

// problem is why a meta page is not usable ("" when it is).
func parseMeta(page []byte) (boltMeta, string) {
	if len(page) >= pageHeaderSize+4 && binary.LittleEndian.Uint32(page[pageHeaderSize:]) != boltMagic {
		return boltMeta{}, "magic"
	}
	if len(page) < metaPageMinBytes {
		return boltMeta{}, "short"
	}
	m := page[pageHeaderSize : pageHeaderSize+metaSize]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, "magic"
	}
	if le.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, "version"
	}
	h := fnv.New64a()
	_, _ = h.Write(m[:metaChecksumAt])
	if h.Sum64() != le.Uint64(m[metaChecksumAt:]) {
		return boltMeta{}, "checksum"
	}
	if le.Uint16(page[pageFlagsAt:])&metaPageFlag == 0 {
		return boltMeta{}, "checksum"
	}
	meta := boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	if meta.pageSize < minBoltPageSize || meta.pageSize > maxBoltPageSize || meta.pageSize&(meta.pageSize-1) != 0 {
		return boltMeta{}, "page size"
	}
	if meta.pgid < 4 || meta.root >= meta.pgid || (meta.freelist >= meta.pgid && meta.freelist != boltNoFreelist) {
		return boltMeta{}, "page ids"
	}
	return meta, ""
}

// inspectFile refuses, before bbolt maps it, a file that bbolt would either
// silently turn into a new database (an empty file) or fault on (a file
// shorter than its header says: touching a mapped page past the end of the
// file is a SIGBUS, which no Go code can recover from in another
// goroutine). It reads the two meta pages as bbolt does, picks the valid
// one with the higher transaction id and checks that the file holds every
// page it counts. exists is false when there is no file at all.
func inspectFile(path string) (exists bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("open database: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return true, fmt.Errorf("open database: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return true, &DamagedError{Path: path, Reason: "not a regular file"}
	}
	size := fi.Size()
	if size == 0 {
		return true, &DamagedError{Path: path, Reason: "the file is empty (0 bytes); restore it from a backup, or remove it to start a new database"}
	}
	head := make([]byte, 2*maxBoltPageSize)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return true, fmt.Errorf("open database %s: %w", path, err)
	}
	head = head[:n]
	best, why := bestMeta(head)
	if why != "" {
		return true, &DamagedError{Path: path, Reason: why}
	}
	if need := int64(best.pgid) * int64(best.pageSize); size < need {
		return true, &DamagedError{Path: path, Reason: fmt.Sprintf(
			"the file is %d bytes but its header counts %d pages of %d bytes (%d bytes): it is truncated; restore it from a backup",
			size, best.pgid, best.pageSize, need)}
	}
	return true, nil
}

// bestMeta picks the meta page bbolt would use, or says why there is none.
func bestMeta(head []byte) (boltMeta, string) {
	m0, why0 := parseMeta(head)
	var (
		m1   boltMeta
		why1 = "short"
	)
	// Meta page 1 starts one page in. The page size is in meta 0 when it is
	// valid; otherwise try every size bbolt may have used.
	if why0 == "" {
		if int(m0.pageSize) < len(head) {
			m1, why1 = parseMeta(head[m0.pageSize:])
		}
	} else {
		for ps := minBoltPageSize; ps <= maxBoltPageSize && ps < len(head); ps *= 2 {
			m, w := parseMeta(head[ps:])
			if w == "" && int(m.pageSize) == ps {
				m1, why1 = m, ""
				break
			}
			if w != "magic" && w != "short" {
				why1 = w // a meta page was there, but damaged
			}
		}
	}
	switch {
	case why0 == "" && why1 == "":
		if m1.txid > m0.txid {
			return m1, ""
		}
		return m0, ""
	case why0 == "":
		return m0, ""
	case why1 == "":
		return m1, ""
	case why0 == "magic" && why1 != "checksum":
		return boltMeta{}, "not a Kallelse database (the file does not start with a database header; is --db another program's file?)"
	case why0 == "short":
		return boltMeta{}, "the file is shorter than a database header: it is truncated; restore it from a backup"
	default:
		return boltMeta{}, "both copies of the database header are damaged (" + why0 + ", " + why1 + "); restore it from a backup"
	}
}
