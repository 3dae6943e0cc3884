package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
)

// TestServe_TicksAndStopsCleanly runs serve in-process; the context stands
// in for SIGINT/SIGTERM (serve derives its signal context from it) and is
// cancelled after the first tick, so the test never waits for the interval.
func TestServe_TicksAndStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	env := []string{"HOME=" + dir, "KALLELSE_NOW=2026-11-25T10:00", "KALLELSE_USER=anna"}
	csv := filepath.Join(dir, "p.csv")
	os.WriteFile(csv, []byte("identity,name,has_1177_account,notifications_enabled\n19121212-1212,Tolvan,ja,ja\n"), 0o600)
	var out, errb bytes.Buffer
	for _, args := range [][]string{
		{"--db", db, "patient", "import", csv},
		{"--db", db, "book", "--patient", "19121212-1212", "--exam", "ekg24", "--site", "ryhov", "--at", "2026-12-10T09:30"},
	} {
		if code := Main(args, nil, &out, &errb, env); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reports []service.TickReport
	a := &app{ctx: ctx, stdout: &out, stderr: &errb, environ: env}
	a.afterTick = func(r service.TickReport) {
		reports = append(reports, r)
		cancel()
	}
	if code := run(a, []string{"--db", db, "serve", "--listen", "127.0.0.1:0"}); code != 0 {
		t.Fatalf("serve exit %d: %s", code, errb.String())
	}
	if len(reports) != 1 || reports[0].Delivered != 1 {
		t.Fatalf("reports %+v", reports)
	}
	if !strings.Contains(errb.String(), "kallelse serve: stoppad") {
		t.Errorf("stderr %q", errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "spool", "inbox1177", "out", "k1-2-inbox.json")); err != nil {
		t.Fatal(err)
	}
	// The database is released: another command can open it.
	if code := Main([]string{"--db", db, "booking", "show", "1"}, nil, &out, &errb, env); code != 0 {
		t.Fatalf("after serve: exit %d: %s", code, errb.String())
	}
}

// TestServe_TakesTheNightlyBackup: with backup.dir set and no copy yet, the
// copy due at 02:30 is taken at the first tick (the server was not running
// then); it is private and checked, and the older ones beyond backup.keep go.
func TestServe_TakesTheNightlyBackup(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	backups := filepath.Join(dir, "backups")
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte("[backup]\ndir = \""+backups+"\"\nkeep = 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Two older copies: with keep = 2, the oldest goes.
	if err := os.MkdirAll(backups, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, old := range []string{"kallelse-20261123T013000Z.db", "kallelse-20261124T013000Z.db"} {
		if err := os.WriteFile(filepath.Join(backups, old), []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"HOME=" + dir, "KALLELSE_NOW=2026-11-25T10:00", "KALLELSE_USER=anna"}
	var out, errb bytes.Buffer
	csv := filepath.Join(dir, "p.csv")
	os.WriteFile(csv, []byte("identity,name\n19121212-1212,Tolvan\n"), 0o600)
	if code := Main([]string{"--db", db, "--config", cfg, "patient", "import", csv}, nil, &out, &errb, env); code != 0 {
		t.Fatalf("import: %d %s", code, errb.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []storage.BackupResult
	var errs []error
	a := &app{ctx: ctx, stdout: &out, stderr: &errb, environ: env}
	a.afterBackup = func(r storage.BackupResult, err error) { got, errs = append(got, r), append(errs, err) }
	a.afterTick = func(service.TickReport) { cancel() }
	if code := run(a, []string{"--db", db, "--config", cfg, "serve", "--listen", "127.0.0.1:0"}); code != 0 {
		t.Fatalf("serve exit %d: %s", code, errb.String())
	}
	if len(got) != 1 || errs[0] != nil {
		t.Fatalf("backups %+v, errors %v; log %s", got, errs, errb.String())
	}
	want := filepath.Join(backups, "kallelse-20261125T090000Z.db")
	if got[0].Path != want || !got[0].Check.OK() || got[0].Check.Counted["patients"] != 1 {
		t.Fatalf("backup %+v, want %s checked with 1 patient", got[0], want)
	}
	if fi, err := os.Stat(want); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("copy: %v %v", fi, err)
	}
	copies, _ := storage.Backups(backups)
	if len(copies) != 2 || filepath.Base(copies[0]) != "kallelse-20261124T013000Z.db" {
		t.Fatalf("kept %v", copies)
	}
	if !strings.Contains(errb.String(), "nightly backup") {
		t.Errorf("the log does not say so: %s", errb.String())
	}
}

func TestNightly_NextIsTheFirstBackupTimeAfterTheNewestCopy(t *testing.T) {
	n := &nightly{at: 2*time.Hour + 30*time.Minute}
	cases := []struct{ since, want string }{
		{"2026-11-25T01:00:00+01:00", "2026-11-25T02:30:00+01:00"},
		{"2026-11-25T02:30:00+01:00", "2026-11-26T02:30:00+01:00"},
		{"2026-11-25T10:00:00+01:00", "2026-11-26T02:30:00+01:00"},
		{"2027-03-27T10:00:00+01:00", "2027-03-28T03:30:00+02:00"}, // 02:30 does not exist that night
	}
	for _, c := range cases {
		since, _ := time.Parse(time.RFC3339, c.since)
		want, _ := time.Parse(time.RFC3339, c.want)
		if got := n.after(since); !got.Equal(want) {
			t.Errorf("after(%s) = %s, want %s", c.since, got, c.want)
		}
	}
}
