//go:build unix

package inbox1177

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// An entry of the inbox named as a receipt that is not a regular file — a
// symbolic link (into the folder, out of it, dangling), a folder, a pipe —
// was skipped at every tick: it stayed for ever, neither quarantined nor
// counted, and staff never saw it. It is quarantined with a reason, as an
// unreadable receipt is, and listed for staff; a link is never followed.
func TestFetch_QuarantinesWhatIsNotAReceiptFile(t *testing.T) {
	s := newTestSpool(t)
	outside := t.TempDir()
	good := `{"messageId": "k1-1-inbox", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}`
	secret := filepath.Join(outside, "secret.json")
	if err := os.WriteFile(secret, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	writeIn(t, s, "real.json", good)
	links := map[string]string{"out.json": secret, "dangling.json": filepath.Join(outside, "gone.json"),
		"inside.json": "real.json", "dir-link.json": outside}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(s.In, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(s.In, "folder.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(s.In, "pipe.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if w, err := s.Waiting(); err != nil || !w {
		t.Fatalf("waiting %v %v", w, err)
	}

	got, quarantined, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Handle != "real.json" {
		t.Fatalf("receipts %+v: only real.json is one (no link is read)", got)
	}
	if quarantined != 6 {
		t.Errorf("%d quarantined, want the 4 links, the folder and the pipe", quarantined)
	}
	reasons := map[string]string{
		"out.json": "a symbolic link, not a receipt file: not followed", "dangling.json": "a symbolic link",
		"inside.json": "a symbolic link", "dir-link.json": "a symbolic link",
		"folder.json": "a folder, not a receipt file", "pipe.json": "not a regular file (p",
	}
	listed := map[string]string{}
	q, err := s.Quarantined()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range q {
		listed[e.Name] = e.Reason
		if e.Problem == nil || e.Problem.Code != domain.ReceiptNotRegular {
			t.Errorf("%s: problem %+v, want %s for the screens' words", e.Name, e.Problem, domain.ReceiptNotRegular)
		}
	}
	for name, want := range reasons {
		if _, err := os.Lstat(filepath.Join(s.In, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still in the inbox: %v", name, err)
		}
		if !strings.Contains(listed[name], want) {
			t.Errorf("%s listed with reason %q, want %q", name, listed[name], want)
		}
	}
	if len(listed) != len(reasons) {
		t.Errorf("quarantine lists %v", listed)
	}
	// The links were moved as links: what they point at is untouched.
	if target, err := os.Readlink(filepath.Join(s.QuarantineDir, "out.json")); err != nil || target != secret {
		t.Errorf("out.json in quarantine: %q %v", target, err)
	}
	if data, err := os.ReadFile(secret); err != nil || string(data) != good {
		t.Errorf("the file outside: %q %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(s.In, "real.json")); err != nil {
		t.Errorf("real.json: %v", err)
	}
	// Nothing waits any more but the real receipt, and staff can discard a
	// dangling link as any quarantined file.
	if err := s.Done(got[0]); err != nil {
		t.Fatal(err)
	}
	if w, err := s.Waiting(); err != nil || w {
		t.Fatalf("waiting after: %v %v", w, err)
	}
	if err := s.Discard("dangling.json", "länk", "anna", time.Now()); err != nil {
		t.Fatalf("discard a dangling link: %v", err)
	}
}

// A receipt file swapped for a link between being looked at and being
// opened is not read through the link.
func TestReadReceipt_NeverThroughALink(t *testing.T) {
	s := newTestSpool(t)
	secret := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(secret, []byte(`{"messageId": "k1-1-inbox", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(s.In, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.In, "r.json")
	if err := os.Symlink(secret, path); err != nil {
		t.Fatal(err)
	}
	if _, err := openNoFollow(path); err == nil {
		t.Fatal("a link was opened")
	}
}
