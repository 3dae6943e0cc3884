package spoolfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWriteOnce_IsAtomicAndIdempotent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	w, err := WriteOnce(dir, "m1.json", []byte("first"))
	if err != nil || !w {
		t.Fatalf("first write: %v %v", w, err)
	}
	w, err = WriteOnce(dir, "m1.json", []byte("second"))
	if err != nil || w {
		t.Fatalf("second write must be a no-op: %v %v", w, err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "m1.json"))
	if string(data) != "first" {
		t.Fatalf("content %q", data)
	}
	info, _ := os.Stat(filepath.Join(dir, "m1.json"))
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	for _, bad := range []string{"", "../x", ".hidden", "a/b"} {
		if _, err := WriteOnce(dir, bad, nil); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
}

func TestWriteOnce_ConcurrentWritersOneFile(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	wins := make(chan bool, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w, err := WriteOnce(dir, "same.json", []byte(strings.Repeat("x", i+1)))
			if err != nil {
				t.Error(err)
			}
			wins <- w
		}(i)
	}
	wg.Wait()
	close(wins)
	n := 0
	for w := range wins {
		if w {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d writers won, want exactly 1", n)
	}
}

func TestCleanTempAndQuarantine(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, TempPrefix+"old"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(dir, "keep.json"), []byte("x"), 0o600)
	if err := CleanTemp(dir, time.Now().Add(time.Hour), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, TempPrefix+"old")); !os.IsNotExist(err) {
		t.Error("temp file not removed")
	}
	q := filepath.Join(dir, "quarantine")
	if err := Quarantine(dir, "keep.json", q, "truncated JSON", time.Now()); err != nil {
		t.Fatal(err)
	}
	note, err := os.ReadFile(filepath.Join(q, "keep.json.reason.txt"))
	if err != nil || !strings.Contains(string(note), "truncated JSON") {
		t.Fatalf("note %q %v", note, err)
	}
	if _, err := os.Stat(filepath.Join(q, "keep.json")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "keep.json"), []byte("second"), 0o600)
	if err := Quarantine(dir, "keep.json", q, "unknown message id", time.Now()); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(q, "keep.json"))
	second, _ := os.ReadFile(filepath.Join(q, "keep.json.1"))
	note2, _ := os.ReadFile(filepath.Join(q, "keep.json.1.reason.txt"))
	if string(first) != "x" || string(second) != "second" || !strings.Contains(string(note2), "unknown message id") {
		t.Fatalf("a second file of the same name replaced the first: %q %q %q", first, second, note2)
	}
}

func TestClaim_ASpoolFolderBelongsToOneDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	if err := Check(dir, "clinic", "/var/lib/kallelse/kallelse.db"); err != nil {
		t.Fatalf("an unclaimed folder: %v", err)
	}
	if err := Claim(dir, "clinic", "/var/lib/kallelse/kallelse.db"); err != nil {
		t.Fatal(err)
	}
	if err := Claim(dir, "clinic", "/var/lib/kallelse/kallelse.db"); err != nil {
		t.Fatalf("claimed again by its owner: %v", err)
	}
	err := Claim(dir, "demo", "/home/anna/demo.db")
	if !errors.Is(err, ErrOtherDatabase) || !strings.Contains(err.Error(), "/var/lib/kallelse/kallelse.db") || !strings.Contains(err.Error(), "/home/anna/demo.db") {
		t.Fatalf("the demo claiming the clinic's folder: %v", err)
	}
	if err := Check(dir, "demo", "/home/anna/demo.db"); !errors.Is(err, ErrOtherDatabase) {
		t.Fatalf("check: %v", err)
	}
	if id, path, err := Owner(dir); id != "clinic" || path != "/var/lib/kallelse/kallelse.db" || err != nil {
		t.Fatalf("owner %q %q %v", id, path, err)
	}
	fi, err := os.Stat(filepath.Join(dir, OwnerFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("owner file: %v %v", fi.Mode(), err)
	}
}

func TestCleanTempTree_RemovesOldTempFilesInEveryFolder(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	old := now.Add(-time.Hour)
	files := map[string]bool{ // path -> should be removed
		".tmp-inbox-1":                       true,
		"print/2026-11-28/.tmp-m1.pdf-123":   true,
		"print/2026-11-28/m2.pdf":            false,
		"inbox1177/quarantine/.tmp-r.json-1": true,
		"sms/out/.tmp-fresh":                 false, // written this minute: maybe still being written
		"print/2026-11-28/m2.tmp-not-a-temp": false,
	}
	for rel, gone := range files {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if gone || !strings.Contains(rel, "fresh") {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := CleanTempTree(root, now, time.Minute)
	if err != nil || n != 3 {
		t.Fatalf("CleanTempTree = %d, %v; want 3 removed", n, err)
	}
	for rel, gone := range files {
		_, err := os.Stat(filepath.Join(root, rel))
		if removed := errors.Is(err, os.ErrNotExist); removed != gone {
			t.Errorf("%s: removed = %v, want %v", rel, removed, gone)
		}
	}
	if n, err := CleanTempTree(filepath.Join(root, "missing"), now, time.Minute); err != nil || n != 0 {
		t.Fatalf("a missing spool: %d, %v", n, err)
	}
}

func TestHighestBookingID_ReadsMessageFilesEverywhere(t *testing.T) {
	root := t.TempDir()
	for _, rel := range []string{"inbox1177/out/k12-2-inbox.json", "print/2026-11-28/k140-6-letter.pdf",
		"print/2026-11-28/batch-2026-11-28.pdf", "sms/out/k99-3-sms.json", "inbox1177/quarantine/k9999.json"} {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := HighestBookingID(root); err != nil || n != 140 {
		t.Fatalf("HighestBookingID = %d, %v; want 140", n, err)
	}
	if n, err := HighestBookingID(filepath.Join(root, "none")); err != nil || n != 0 {
		t.Fatalf("a missing spool: %d, %v", n, err)
	}
}

// A copy of the database (a backup, a training copy beside the original)
// has the original's identity: it is refused the original's folder, whose
// message ids would otherwise be "already written" with the copy's patients
// in them. The database moved (none left at the old path) claims it at its
// new path; a link to it is the same database.
func TestClaim_ACopyOfTheDatabaseIsRefusedItsFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "spool")
	orig, cp, moved := filepath.Join(root, "kallelse.db"), filepath.Join(root, "kopia.db"), filepath.Join(root, "ny", "kallelse.db")
	for _, p := range []string{orig, cp} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := Claim(dir, "clinic", orig); err != nil {
		t.Fatal(err)
	}
	for name, check := range map[string]func() error{
		"claim": func() error { return Claim(dir, "clinic", cp) },
		"check": func() error { return Check(dir, "clinic", cp) },
	} {
		err := check()
		if !errors.Is(err, ErrCopyOfDatabase) || !strings.Contains(err.Error(), orig) || !strings.Contains(err.Error(), cp) {
			t.Errorf("%s of a copy: %v", name, err)
		}
	}
	link := filepath.Join(root, "lank.db")
	if err := os.Symlink(orig, link); err != nil {
		t.Fatal(err)
	}
	if err := Claim(dir, "clinic", link); err != nil {
		t.Errorf("a link to the database: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(moved), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(orig, moved); err != nil {
		t.Fatal(err)
	}
	if err := Check(dir, "clinic", moved); err != nil {
		t.Fatalf("check of the database moved: %v", err)
	}
	if err := Claim(dir, "clinic", moved); err != nil {
		t.Fatalf("claim of the database moved: %v", err)
	}
	if id, path, err := Owner(dir); id != "clinic" || path != moved || err != nil {
		t.Fatalf("after the move, owner %q %q %v", id, path, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, OwnerFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("owner file: %v %v", fi, err)
	}
	// And now the file left at the old path is the copy.
	if err := os.WriteFile(orig, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Check(dir, "clinic", orig); !errors.Is(err, ErrCopyOfDatabase) {
		t.Errorf("the old path after the move: %v", err)
	}
}
