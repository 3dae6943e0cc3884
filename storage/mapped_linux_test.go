package storage

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// mappedResident is the resident size, in kB, of the map that starts at
// addr, from /proc/self/smaps.
func mappedResident(t *testing.T, addr uintptr) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	start := fmt.Sprintf("%x-", addr)
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = strings.HasPrefix(line, start)
			continue
		}
		if in && strings.HasPrefix(line, "Rss:") {
			kb, err := strconv.Atoi(strings.Fields(line)[1])
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatalf("no map at %x in /proc/self/smaps", addr)
	return 0
}

// The pages a pass over the file has read through bbolt's map stop
// counting in the process's resident memory once released, and read the
// same when read again.
func TestReleaseMapped_DropsTheFilesPagesFromResidentMemory(t *testing.T) {
	s := openTest(t)
	for i := range 40 {
		p := addPatient(t, s, pnrString(1950+i, 1+i%12, 1+i%28, 100+i), strings.Repeat("Anna Andersson ", 10))
		book(t, s, p, examECG, siteRyhov, t0.Add(time.Duration(50+i)*time.Hour))
	}
	readAll := func() (n int) {
		err := s.db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
				return b.ForEach(func(k, v []byte) error { n += len(k) + len(v); return nil })
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := readAll()
	addr := s.db.Info().Data
	if kb := mappedResident(t, addr); kb == 0 {
		t.Fatal("nothing of the file resident after reading it all")
	}
	s.releaseMapped()
	if kb := mappedResident(t, addr); kb != 0 {
		t.Errorf("%d kB of the file still resident after releasing it", kb)
	}
	if after := readAll(); after != before {
		t.Errorf("read %d bytes after releasing the pages, %d before", after, before)
	}
}

// Releasing the map while a writer grows the file (bbolt remaps it, a
// small file having no headroom) and inside write transactions never
// touches memory that is not the current map: were it released after a
// remap, MADV_DONTNEED would zero whatever the old range now holds (Go
// heap). The store must read back whole and pass its check.
func TestReleaseMapped_BesideARemappingWriter(t *testing.T) {
	s := openTest(t)
	// The map's address as it is, read before the writers start: outside
	// a transaction, bbolt's Info races a remap (CI caught this test's own
	// read of it).
	last := s.db.Info().Data
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				s.releaseMapped()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			_ = s.db.Update(releaseMappedIn)
		}
	}()
	remaps := 0
	for i := range 600 {
		p := addPatient(t, s, pnrString(1930+i%80, 1+i%12, 1+i%28, 100+i%900), strings.Repeat("Anna Andersson ", 12))
		book(t, s, p, testExams[i%3], testSites[i%2], t0.Add(time.Duration(50+i)*time.Hour))
		_ = s.db.View(func(tx *bolt.Tx) error {
			if d := tx.DB().Info().Data; d != last {
				remaps++
				last = d
			}
			return nil
		})
	}
	stop.Store(true)
	wg.Wait()
	if remaps == 0 {
		t.Fatal("the file was never mapped anew: the test shows nothing")
	}
	mustCheck(t, s)
}
