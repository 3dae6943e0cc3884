package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kallelse/kallelse/domain/service"
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
	if !strings.Contains(errb.String(), "kallelse serve: stopped") {
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
