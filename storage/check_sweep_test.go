//go:build !race

package storage

import (
	"context"
	"errors"
	"os"
	"testing"
)

// Not under the race detector: its pointer checks (checkptr) turn bbolt's
// unchecked reads of a structurally damaged page into a fatal error that no
// code can recover from, which a release build does not have (there a
// damaged page is garbage that check reports, or a fault that Open and the
// CLI turn into "database damaged"). Run it with `go test ./storage`.

// A bit flipped inside the data pages: opening may still work (the header is
// whole), but check finds it, and nothing crashes.
func TestCheck_BitFlipsInDataPagesAreFoundNotCrashedOn(t *testing.T) {
	path := filledStore(t)
	info, _ := os.Stat(path)
	pages := int(info.Size()) / 4096
	found := 0
	for pg := 2; pg < pages; pg++ {
		for _, at := range []int{0, 9, 17, 40, 200} {
			bad := copyWith(t, path, func(b []byte) []byte { b[pg*4096+at] ^= 0x20; return b })
			s, err := Open(bad, Options{noSync: true, MustExist: true})
			if err != nil {
				if !errors.Is(err, ErrDamaged) {
					t.Fatalf("page %d+%d: Open = %v, want ErrDamaged", pg, at, err)
				}
				found++
				continue
			}
			rep, err := s.Check(context.Background())
			s.Close()
			if err != nil {
				t.Fatalf("page %d+%d: Check = %v", pg, at, err)
			}
			if !rep.OK() {
				found++
			}
		}
	}
	if found == 0 {
		t.Fatal("no flipped bit was noticed at all")
	}
}
