package storage

import (
	"encoding/binary"
	"fmt"
	"os"
)

// bbolt's page layout (go.etcd.io/bbolt/internal/common), as far as a walk
// of the tree needs it.
const (
	pageBranchFlag   = 0x01
	pageLeafFlag     = 0x02
	elemSize         = 16 // a branch element (pos, ksize, pgid) and a leaf element (flags, pos, ksize, vsize)
	leafBucketFlag   = 0x01
	bucketHeaderSize = 16 // root pgid, sequence
)

// walkPages follows every page the file's tree reaches, from the root
// bucket down through nested buckets, reading the file itself, and says
// what is wrong with the first page that cannot be part of a tree: out of
// range, not a branch or leaf, an element outside its page, or a page
// reached twice (a cycle, or two parents). bbolt's own page check recurses
// without remembering where it has been, so a cycle that a damaged page
// makes would run it until memory is gone; this walk is run first and
// keeps a bit a page. "" when the tree is whole.
func walkPages(path string) (string, error) { return walkTree(path, 0, true, nil) }

// walkRootPages walks the root bucket's own pages only (the buckets' names
// and where their trees begin): a few pages, which Open walks before bbolt
// lists the buckets, so that a cycle there refuses the file instead of
// listing it for ever. pageSize is the file's, as bbolt read it.
func walkRootPages(path string, pageSize int) (string, error) {
	return walkTree(path, pageSize, false, nil)
}

// walkTree is walkPages; it reads the two meta pages as pages of pageSize
// bytes (0: as large as bbolt's may be); without nested it stays in the
// root bucket's tree (from a leaf, it follows no bucket), and visit, when
// set, is told each page it reaches.
func walkTree(path string, pageSize int, nested bool, visit func(id uint64)) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if pageSize <= 0 || pageSize > maxBoltPageSize {
		pageSize = maxBoltPageSize
	}
	head := make([]byte, 2*pageSize)
	n, _ := f.ReadAt(head, 0)
	meta, why := bestMeta(head[:n])
	if why != "" {
		return why, nil
	}
	ps := int64(meta.pageSize)
	seen := make([]uint64, meta.pgid/64+1)
	buf := make([]byte, ps)
	stack := []uint64{meta.root}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id < 2 || id >= meta.pgid {
			return fmt.Sprintf("page %d: out of range (the file has %d)", id, meta.pgid), nil
		}
		if seen[id/64]&(1<<(id%64)) != 0 {
			return fmt.Sprintf("page %d: reached twice (a cycle, or two parents)", id), nil
		}
		seen[id/64] |= 1 << (id % 64)
		if visit != nil {
			visit(id)
		}
		if _, err := f.ReadAt(buf[:pageHeaderSize], int64(id)*ps); err != nil {
			return "", fmt.Errorf("page %d: %w", id, err)
		}
		overflow := uint64(binary.LittleEndian.Uint32(buf[12:]))
		if id+overflow >= meta.pgid {
			return fmt.Sprintf("page %d: %d overflow pages run past the end", id, overflow), nil
		}
		for o := uint64(1); o <= overflow; o++ {
			if seen[(id+o)/64]&(1<<((id+o)%64)) != 0 {
				return fmt.Sprintf("page %d: reached twice (an overflow of page %d)", id+o, id), nil
			}
			seen[(id+o)/64] |= 1 << ((id + o) % 64)
		}
		page := make([]byte, ps*int64(1+overflow))
		if _, err := f.ReadAt(page, int64(id)*ps); err != nil {
			return "", fmt.Errorf("page %d: %w", id, err)
		}
		children, why := pageChildren(page)
		if why != "" {
			return fmt.Sprintf("page %d: %s", id, why), nil
		}
		if !nested && binary.LittleEndian.Uint16(page[8:])&pageBranchFlag == 0 {
			continue // a leaf of the root bucket: its children are the buckets
		}
		stack = append(stack, children...)
	}
	return "", nil
}

// pageChildren is the pages a branch or leaf page points to: a branch's
// children, a leaf's nested buckets' roots (an inline bucket's own, read
// inside the value).
func pageChildren(page []byte) ([]uint64, string) {
	le := binary.LittleEndian
	if len(page) < pageHeaderSize {
		return nil, "shorter than a page header"
	}
	flags, count := le.Uint16(page[8:]), int(le.Uint16(page[10:]))
	if pageHeaderSize+count*elemSize > len(page) {
		return nil, fmt.Sprintf("%d elements do not fit the page", count)
	}
	var out []uint64
	for i := range count {
		e := page[pageHeaderSize+i*elemSize:]
		switch {
		case flags&pageBranchFlag != 0:
			out = append(out, le.Uint64(e[8:]))
		case flags&pageLeafFlag != 0:
			if le.Uint32(e)&leafBucketFlag == 0 {
				continue
			}
			at := pageHeaderSize + i*elemSize + int(le.Uint32(e[4:])) + int(le.Uint32(e[8:]))
			vsize := int(le.Uint32(e[12:]))
			if at < 0 || vsize < bucketHeaderSize || at+vsize > len(page) {
				return nil, fmt.Sprintf("element %d lies outside the page", i)
			}
			v := page[at : at+vsize]
			if root := le.Uint64(v); root != 0 {
				out = append(out, root)
				continue
			}
			inline, why := pageChildren(v[bucketHeaderSize:]) // an inline bucket: its page is in the value
			if why != "" {
				return nil, "inline bucket: " + why
			}
			out = append(out, inline...)
		default:
			return nil, fmt.Sprintf("neither a branch nor a leaf (flags %#x)", flags)
		}
	}
	return out, ""
}
