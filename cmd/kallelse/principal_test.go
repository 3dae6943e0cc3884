package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/storage"
)

// TestLocal_LoginMapsThroughTheRoster: with a roster, a local command acts
// as the member its operating-system login maps to; a login outside the
// roster is refused, and --user cannot name someone else. Without a roster
// the installation is single-user, as before. The refusals are in the
// configured language, Swedish by default.
func TestLocal_LoginMapsThroughTheRoster(t *testing.T) {
	dir := t.TempDir()
	db, cfg := filepath.Join(dir, "k.db"), filepath.Join(dir, "k.toml")
	staff := map[string]staffKey{"ada": newStaffKey(t, domain.RoleAdmin), "anna": newStaffKey(t, domain.RoleSekreterare)}
	writeRoster(t, cfg, staff, "[staff.karl]\nrole = \"koordinator\"\nos_user = \"kjo\"\n"+
		"[staff.karin]\nrole = \"koordinator\"\ndrill_down = true\nos_user = \"kin\"\n")
	run1 := func(login string, env []string, args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		a := &app{ctx: context.Background(), stdout: &out, stderr: &errb, environ: append([]string{"HOME=" + dir}, env...),
			loginName: func() string { return login }}
		code := run(a, append([]string{"--db", db, "--config", cfg}, args...))
		return out.String(), errb.String(), code
	}
	if st, err := storage.Open(db, storage.Options{}); err != nil { // the verbs below read; they create no database
		t.Fatal(err)
	} else {
		st.Close()
	}
	if out, errs, code := run1("kjo", nil, "whoami"); code != 0 || !strings.HasPrefix(out, "karl (karl), koordinator, via cli") {
		t.Fatalf("kjo: %d %q %q", code, out, errs)
	}
	if _, errs, code := run1("kjo", nil, "booking", "list"); code != 1 || !strings.Contains(errs, "karl (koordinator) får inte lista eller exportera patienter och bokningar") {
		t.Fatalf("karl listing bookings: %d %q", code, errs)
	}
	// Drill-down opens the bookings behind a figure, never the register.
	for _, verb := range [][]string{{"patient", "list", "--json"}, {"booking", "list"}} {
		if _, errs, code := run1("kin", nil, verb...); code != 1 || !strings.Contains(errs, "karin (koordinator) får inte lista eller exportera") {
			t.Errorf("karin (drill-down) %v: %d %q", verb, code, errs)
		}
	}
	// A booking no figure counts (here: none exists) is not hers to open by
	// its number, and the answer does not say whether it exists.
	if _, errs, code := run1("kin", nil, "booking", "show", "1"); code != 1 || !strings.Contains(errs, "Bokningen ingår inte i någon siffra i översikten: en koordinator öppnar bara bokningarna bakom en siffra: bokning 1") {
		t.Errorf("karin (drill-down) opening booking 1: %d %q", code, errs)
	}
	if _, errs, code := run1("kin", nil, "patient", "show", "19121212-1212"); code != 1 || !strings.Contains(errs, "karin (koordinator) får inte läsa patientuppgifter") {
		t.Errorf("karin (drill-down) patient show: %d %q", code, errs)
	}
	if _, errs, code := run1("mallory", nil, "booking", "list"); code != 1 || !strings.Contains(errs, `inloggningen "mallory" finns inte i personallistan`) {
		t.Fatalf("a login outside the roster: %d %q", code, errs)
	}
	if _, errs, code := run1("anna", []string{"KALLELSE_USER=ada"}, "booking", "list"); code != 2 || !strings.Contains(errs, "agerar du som dig själv, anna") {
		t.Fatalf("anna as ada: %d %q", code, errs)
	}
	if _, errs, code := run1("anna", nil, "audit"); code != 1 || !strings.Contains(errs, "anna (sekreterare) får inte läsa åtkomstloggen") {
		t.Fatalf("anna reading the access log: %d %q", code, errs)
	}
	// A follow-up of a name nobody has, with nothing found, says so; of a
	// member with nothing found, only that.
	if _, errs, code := run1("ada", nil, "audit", "--user", "anan"); code != 0 || !strings.Contains(errs, "anan finns inte i personallistan och har inga poster i loggen") {
		t.Errorf("audit --user anan: %d %q", code, errs)
	}
	if _, errs, code := run1("ada", nil, "audit", "--user", "anna"); code != 0 || strings.Contains(errs, "personallistan") {
		t.Errorf("audit --user anna: %d %q", code, errs)
	}

	// A koordinator reading a booking behind a figure is shown no task
	// with a command they may not run (walk).
	csv := filepath.Join(dir, "p.csv")
	if err := os.WriteFile(csv, []byte("identity,name,has_1177_account,notifications_enabled\n19121212-1212,Tolvan Tolvansson,ja,ja\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{
		{"--now", "2026-11-25T10:00", "patient", "import", csv},
		{"--now", "2026-11-25T10:00", "book", "--patient", "19121212-1212", "--exam", "ekg24", "--site", "ryhov", "--at", "2026-11-27T09:00"},
		{"--now", "2026-11-25T10:00", "tick"},
		{"--now", "2026-11-26T09:30", "tick"}, // unopened, no letter in time: a phone task
	} {
		if out, errs, code := run1("ada", nil, c...); code != 0 {
			t.Fatalf("%v: %d %q %q", c, code, out, errs)
		}
	}
	if out, errs, code := run1("anna", nil, "booking", "show", "1"); code != 0 || !strings.Contains(out, "kallelse booking phoned 1") {
		t.Fatalf("anna: the task: %d %q %q", code, out, errs)
	}
	if out, errs, code := run1("kin", nil, "booking", "show", "1"); code != 0 || strings.Contains(out, "kallelse booking") {
		t.Errorf("karin (drill-down) is shown a task to close: %d %q %q", code, out, errs)
	}

	// Without a roster: the acting user has every right, as before.
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := run1("whoever", []string{"KALLELSE_USER=anna"}, "whoami"); code != 0 || !strings.HasPrefix(out, "anna (anna), admin, via cli") {
		t.Fatalf("single-user: %d %q %q", code, out, errs)
	}
}

// TestUserName_NoOneActsAsTheSystem: the acting user's name, from --user,
// $KALLELSE_USER or the login name, is refused (exit 2, nothing changed)
// when it is reserved for the system's own events (`system`, `1177`: a
// staff cancellation would read as the patient's own in 1177), holds a
// control character or byte that is not text, or is longer than 64
// characters; the refusal never repeats such a name. With a roster the
// --user that is checked against the login is refused the same way
// before it is repeated. An ordinary name still acts.
func TestUserName_NoOneActsAsTheSystem(t *testing.T) {
	dir := t.TempDir()
	db, cfg := filepath.Join(dir, "k.db"), filepath.Join(dir, "k.toml")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	run1 := func(login string, env []string, args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		a := &app{ctx: context.Background(), stdout: &out, stderr: &errb, environ: append([]string{"HOME=" + dir, "KALLELSE_NOW=2026-11-25T10:00"}, env...),
			loginName: func() string { return login }}
		code := run(a, append([]string{"--db", db, "--config", cfg, "--lang", "en"}, args...))
		return out.String(), errb.String(), code
	}
	csv := filepath.Join(dir, "p.csv")
	if err := os.WriteFile(csv, []byte("identity,name,has_1177_account,notifications_enabled\n19121212-1212,Tolvan Tolvansson,ja,ja\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	book := []string{"book", "--patient", "19121212-1212", "--exam", "ekg24", "--site", "ryhov", "--at", "2026-12-01T09:30"}
	if out, errs, code := run1("anna", nil, "patient", "import", csv); code != 0 {
		t.Fatalf("import: %d %q %q", code, out, errs)
	}
	if out, errs, code := run1("anna", nil, book...); code != 0 {
		t.Fatalf("book: %d %q %q", code, out, errs)
	}
	long := strings.Repeat("a", 5000)
	for _, c := range []struct {
		login string
		env   []string
		args  []string
		want  string
	}{
		{"anna", nil, append([]string{"--user", "system"}, book...), `--user: the user name "system" is reserved for the system's own events`},
		{"anna", nil, []string{"--user", "1177", "booking", "cancel", "1"}, `--user: the user name "1177" is reserved`},
		{"anna", nil, []string{"--user", " SYSTEM ", "booking", "cancel", "1"}, `--user: the user name "system" is reserved`},
		{"anna", []string{"KALLELSE_USER=1177"}, []string{"booking", "cancel", "1"}, `KALLELSE_USER: the user name "1177" is reserved`},
		{"system", nil, []string{"booking", "cancel", "1"}, `the login name (give --user): the user name "system" is reserved`},
		{"anna", nil, []string{"--user", "an\x1b[2Jna", "booking", "cancel", "1"}, "--user: the user name holds the control character U+001B"},
		{"anna", nil, []string{"--user", "an\u202ena", "booking", "cancel", "1"}, "--user: the user name holds the control character U+202E"},
		{"anna", []string{"KALLELSE_USER=an\nna"}, []string{"booking", "cancel", "1"}, "KALLELSE_USER: the user name holds the control character U+000A"},
		{"anna", nil, []string{"--user", "an\xffna", "booking", "cancel", "1"}, "--user: the user name is not UTF-8 text"},
		{"anna", nil, []string{"--user", long, "booking", "cancel", "1"}, "--user: the user name is 5000 characters long; at most 64 are allowed"},
		{"anna", nil, []string{"--user", long, "whoami"}, "at most 64 are allowed"},
	} {
		out, errs, code := run1(c.login, c.env, c.args...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%.60q (login %s, %q): %d %q %q, want exit 2 and %q", c.args, c.login, c.env, code, out, errs, c.want)
		}
		if strings.Contains(errs, "\x1b") || strings.Contains(errs, "\u202e") || strings.Contains(errs, long[:65]) {
			t.Errorf("%.60q: the refusal repeats the name: %q", c.args, errs)
		}
	}
	if out, errs, code := run1("anna", nil, "booking", "show", "1"); code != 0 || !strings.Contains(out, "booked:    2026-11-25 10:00 by anna") || strings.Contains(out, "cancelled") {
		t.Fatalf("booking 1 after the refusals: %d %q %q", code, out, errs)
	}
	name := strings.Repeat("å", 64)
	if out, errs, code := run1("anna", nil, "--user", name, "booking", "cancel", "1"); code != 0 || !strings.Contains(out, "cancelled") {
		t.Fatalf("a 64-character name: %d %q %q", code, out, errs)
	}

	// With a roster: the --user that must repeat who the login is.
	writeRoster(t, cfg, map[string]staffKey{"anna": newStaffKey(t, domain.RoleAdmin)}, "")
	if out, errs, code := run1("anna", nil, "--user", "an\x1b]0;x\x07na", "whoami"); code != exitUsage || !strings.Contains(errs, "--user: the user name holds the control character U+001B") || strings.Contains(errs, "\x1b") {
		t.Errorf("roster, --user with an escape: %d %q %q", code, out, errs)
	}
	if out, errs, code := run1("anna", nil, "--user", "anna", "whoami"); code != 0 || !strings.HasPrefix(out, "anna") {
		t.Errorf("roster, --user anna: %d %q %q", code, out, errs)
	}
}
