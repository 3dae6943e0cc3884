package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	gossh "golang.org/x/crypto/ssh"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kallelse/kallelse/domain"
)

// patientRow is a CSV line for the server tests' patients: with an
// address, a mobile, a 1177 account and notifications.
func patientRow(n int, name string) string {
	return fmt.Sprintf("%s,%s,Storgatan %d,55318,Jönköping,070-123 45 %02d,ja,ja,ja\n", testPNR(n), name, n, n%100)
}

var confirmRE = regexp.MustCompile(`\(bokning (\d+)\)\?`)

// cancelFromTUI searches the list for term, and cancels the booking with
// the given id from the bookings list, answering no to a prompt for
// another booking (the search may not have narrowed the list yet).
func cancelFromTUI(t *testing.T, tm *terminal, term string, id int) {
	t.Helper()
	m := tm.mark()
	tm.keys("/")
	tm.waitFor(m, "namn eller personnummer") // the empty search field
	m = tm.mark()
	tm.keys(term)
	tm.waitFor(m, term) // the search field shows what was typed
	tm.keys("\r")
	for attempt := 0; ; attempt++ {
		if attempt == 50 {
			t.Fatalf("the list never put booking %d under the cursor: %q", id, tail(tm.since(m), 400))
		}
		m = tm.mark()
		tm.keys("C")
		// The search may not have narrowed the list yet: the row under the
		// cursor may be another session's booking, already cancelled, which
		// is not asked about at all.
		if tm.waitForAny(m, "[j] ja", "Går inte att avboka") != "[j] ja" {
			m = tm.mark()
			tm.waitFor(m, "väntar") // the next redraw: the search may have narrowed meanwhile
			continue
		}
		got := confirmRE.FindAllStringSubmatch(tm.since(m), -1)
		if len(got) > 0 && got[len(got)-1][1] == fmt.Sprint(id) {
			m = tm.mark()
			tm.keys("j")
			tm.waitFor(m, "Bokningen avbokades")
			return
		}
		m = tm.mark()
		tm.keys("n")
		tm.waitFor(m, "väntar") // the status line is back
	}
}

// TestServer_TwentySessionsBookAndReadTogether is the department at work:
// ten secretaries in the terminal UI and ten scripts on the CLI, all over
// SSH at once. Each terminal cancels its own booking while each script
// books five; nothing is lost, every change is attributed to the user who
// made it, every screen shows a booking made elsewhere without a key
// press, shutdown says goodbye to each terminal, and no goroutine is left.
func TestServer_TwentySessionsBookAndReadTogether(t *testing.T) {
	noLeaks(t)
	staff := map[string]staffKey{}
	var csv strings.Builder
	for i := 1; i <= 20; i++ {
		staff[fmt.Sprintf("sek%02d", i)] = newStaffKey(t, domain.RoleSekreterare)
	}
	for i := 1; i <= 10; i++ {
		csv.WriteString(patientRow(i, fmt.Sprintf("Ulla Sess%02d", i)))
		csv.WriteString(patientRow(100+i, fmt.Sprintf("Bo Cli%02d", i)))
	}
	csv.WriteString(patientRow(200, "Live Markör"))
	var setup [][]string
	for i := 1; i <= 10; i++ {
		setup = append(setup, []string{"book", "--patient", testPNR(i), "--exam", "ekg24", "--site", "ryhov",
			"--at", fmt.Sprintf("2026-12-01T%02d:%02d", 8+i/4, i%4*15)})
	}
	s := startServer(t, staff, csv.String(), setup...)

	var wg sync.WaitGroup
	terms := make([]*terminal, 11)
	for i := 1; i <= 10; i++ {
		tm := s.openTUI(fmt.Sprintf("sek%02d", i), 120, 30)
		terms[i] = tm
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tm.waitFor(0, "Bokningar")
			cancelFromTUI(t, tm, fmt.Sprintf("sess%02d", i), i)
		}(i)
	}
	made := make([][]int, 11)
	for j := 1; j <= 10; j++ {
		wg.Add(1)
		go func(j int) {
			defer wg.Done()
			user, pnr := fmt.Sprintf("sek%02d", 10+j), testPNR(100+j)
			for k := 0; k < 5; k++ {
				out, errs, code := s.ssh(user, "", "book", "--patient", pnr, "--exam", "eko", "--site", "hoglandet",
					"--at", fmt.Sprintf("2026-12-%02dT10:00", 2+k), "--json")
				if code != 0 {
					t.Errorf("%s book: %d %s", user, code, errs)
					return
				}
				var b bookingJSON
				if err := json.Unmarshal([]byte(out), &b); err != nil || b.CreatedBy != user {
					t.Errorf("%s book: %v, created by %q", user, err, b.CreatedBy)
					return
				}
				made[j] = append(made[j], int(b.ID))
				out, errs, code = s.ssh(user, "", "booking", "list", "--patient", pnr, "--json")
				var list []bookingJSON
				if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != k+1 {
					t.Errorf("%s list after %d bookings: %d %s %d rows", user, k+1, code, errs, len(list))
					return
				}
			}
		}(j)
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// Nothing lost, nothing doubled, each change by its own user.
	out, errs, code := s.ssh("ada", "", "booking", "list", "--json")
	var all []bookingJSON
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil {
		t.Fatalf("list: %d %s", code, errs)
	}
	if len(all) != 60 {
		t.Fatalf("%d bookings, want 10 + 50", len(all))
	}
	seen := map[domain.BookingID]bool{}
	for _, b := range all {
		if seen[b.ID] {
			t.Fatalf("booking %d twice", b.ID)
		}
		seen[b.ID] = true
	}
	for i := 1; i <= 10; i++ {
		b := s.booking(i)
		cancelledBy := ""
		for _, e := range b.Events {
			if e.Type == domain.EventCancelled {
				cancelledBy = e.Actor
			}
		}
		if b.State != domain.StateCancelled || cancelledBy != fmt.Sprintf("sek%02d", i) {
			t.Errorf("booking %d: %s, cancelled by %q", i, b.State, cancelledBy)
		}
	}
	for j := 1; j <= 10; j++ {
		for _, id := range made[j] {
			if b := s.booking(id); b.CreatedBy != fmt.Sprintf("sek%02d", 10+j) {
				t.Errorf("booking %d created by %s", id, b.CreatedBy)
			}
		}
	}

	// A booking made by someone else appears on every screen by itself.
	marks := make([]int, 11)
	for i := 1; i <= 10; i++ {
		m := terms[i].mark()
		terms[i].keys("F")                 // back to the whole list, from today
		terms[i].waitFor(m, ": rad 1 av ") // the whole list again, the cursor on the first visit from today
		marks[i] = terms[i].mark()
	}
	if _, errs, code := s.ssh("ada", "", "book", "--patient", testPNR(200), "--exam", "ekg24", "--site", "ryhov", "--at", "2026-11-25T12:00"); code != 0 {
		t.Fatalf("marker booking: %d %s", code, errs)
	}
	for i := 1; i <= 10; i++ {
		terms[i].waitFor(marks[i], "Live Markör")
	}

	// Every secretary's cancellation is in the access log under their name.
	for i := 1; i <= 10; i++ {
		found := false
		for _, e := range s.access(testPNR(i)) {
			if e.Action == "cancel" && e.User == fmt.Sprintf("sek%02d", i) && e.Via == "ssh-tui" && e.Booking == uint64(i) {
				found = true
			}
		}
		if !found {
			t.Errorf("no cancel by sek%02d in the access log of %s", i, testPNR(i))
		}
	}

	// Shutdown: each terminal is told, and hangs up as ssh does; then the
	// server stops.
	for i := 1; i <= 10; i++ {
		m := terms[i].mark()
		wg.Add(1)
		go func(tm *terminal) {
			defer wg.Done()
			tm.waitFor(m, "Kallelse-servern stängs")
			tm.close()
		}(terms[i])
	}
	s.shutdown()
	wg.Wait()
}

// TestServer_UnknownKeyIsRefused: a key in nobody's roster entry gets no
// session at all, and the log says so without naming anyone.
func TestServer_UnknownKeyIsRefused(t *testing.T) {
	noLeaks(t)
	s := startServer(t, map[string]staffKey{"anna": newStaffKey(t, domain.RoleSekreterare)}, patientRow(1, "Tolvan Test"))
	stranger := newStaffKey(t, domain.RoleAdmin)
	c, err := s.dialKey(stranger.signer)
	if err == nil {
		c.Close()
		t.Fatal("an unknown key got in")
	}
	if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("err = %v", err)
	}
	if out, _, code := s.ssh("anna", "", "whoami"); code != 0 || !strings.HasPrefix(out, "anna (Anna), sekreterare, via ssh-cli") {
		t.Fatalf("whoami: %d %q", code, out)
	}
}

// TestServer_KoordinatorCannotCancelEvenBySendingTheKeys: the role is
// checked by the server whatever the client sends: the CLI verb is refused
// with exit 1, the keys do nothing, and the screen shows no patient.
func TestServer_KoordinatorCannotCancelEvenBySendingTheKeys(t *testing.T) {
	noLeaks(t)
	s := startServer(t, map[string]staffKey{"karl": newStaffKey(t, domain.RoleKoordinator)}, patientRow(1, "Tolvan Test"),
		[]string{"book", "--patient", testPNR(1), "--exam", "ekg24", "--site", "ryhov", "--at", "2026-11-25T13:00"})
	_, errs, code := s.ssh("karl", "", "booking", "cancel", "1")
	if code != 1 || !strings.Contains(errs, "karl (koordinator) får inte ändra bokningar") {
		t.Fatalf("cancel over ssh: exit %d, %q", code, errs)
	}
	for _, args := range [][]string{{"booking", "list"}, {"patient", "show", testPNR(1)}, {"audit"}} {
		if _, errs, code := s.ssh("karl", "", args...); code != 1 || !strings.Contains(errs, "får inte") {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
	if out, errs, code := s.ssh("karl", "", "report", "open-rates", "--format", "json"); code != 0 || !strings.Contains(out, `"rows"`) {
		t.Errorf("the figures are karl's: %d %s", code, errs)
	}

	tm := s.openTUI("karl", 80, 24)
	defer tm.close()
	tm.waitFor(0, "Översikt")
	m := tm.mark()
	// Every key a secretary would use on a booking, then one the overview
	// answers, to know all were handled.
	tm.keys("bCjnPjSjDjXjTj/a\ruj")
	tm.keys("e") // the first examination: the keys before it were all handled
	tm.waitFor(m, "undersökning: ekg24")
	if got := tm.since(0); strings.Contains(got, "Tolvan") || strings.Contains(got, "för bokning") {
		t.Fatalf("the coordinator saw a patient or a prompt: %q", tail(got, 800))
	}
	tm.keys("q")
	tm.close()
	b := s.booking(1)
	for _, e := range b.Events {
		if e.Actor == "karl" {
			t.Fatalf("karl changed the booking: %+v", e)
		}
	}
	if b.State == domain.StateCancelled {
		t.Fatal("the booking was cancelled")
	}
}

// TestServer_EveryPatientViewIsLoggedOnce: opening a booking in the TUI is
// one entry, however often the page reloads because of changes elsewhere;
// each `booking show` is one more; a list's rows once per session.
func TestServer_EveryPatientViewIsLoggedOnce(t *testing.T) {
	noLeaks(t)
	s := startServer(t, map[string]staffKey{"anna": newStaffKey(t, domain.RoleSekreterare)}, patientRow(1, "Vera Visning"),
		[]string{"book", "--patient", testPNR(1), "--exam", "ekg24", "--site", "ryhov", "--at", "2026-12-03T09:00"},
		[]string{"tick"})
	tm := s.openTUI("anna", 120, 30)
	tm.waitFor(0, "Vera Visning")
	out, errs, code := s.ssh("ada", "", "sessions", "--json")
	if code != 0 || !strings.Contains(out, `"user": "anna"`) || !strings.Contains(out, `"kind": "tui"`) || !strings.Contains(out, `"verb": "sessions"`) {
		t.Fatalf("sessions: %d %s %s", code, out, errs)
	}
	// The README's shape, every key in each; instants in Stockholm time.
	if !strings.Contains(out, `"verb": ""`) || !regexp.MustCompile(`"started": "[^"]+\+0[12]:00"`).MatchString(out) {
		t.Errorf("sessions: a terminal UI's verb, or the instant's zone:\n%s", out)
	}
	if out, _, code := s.ssh("ada", "", "sessions"); code != 0 || !regexp.MustCompile(`^SESSION +ANVÄNDARE +ROLL +TYP +KOMMANDO +FRÅN +SEDAN\n`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^\S+ +anna +sekreterare +tui `).MatchString(out) {
		t.Errorf("sessions as text: %d\n%s", code, out)
	}
	if _, errs, code := s.ssh("anna", "", "sessions"); code != 1 || !strings.Contains(errs, "får inte sköta servern") {
		t.Fatalf("anna listing sessions: %d %q", code, errs)
	}
	m := tm.mark()
	tm.keys("\r") // open the booking under the cursor
	tm.waitFor(m, "Historik")
	// Changes elsewhere reload the open page: it is still one look.
	for what, shows := range map[string]string{"delivered": "levererad till 1177", "open": "öppnad av patienten"} {
		m = tm.mark()
		if _, errs, code := s.ssh("ada", "", "simulate", what, "1"); code != 0 {
			t.Fatalf("simulate %s: %d %s", what, code, errs)
		}
		tm.waitFor(m, shows)
	}
	for i := 0; i < 2; i++ {
		if _, errs, code := s.ssh("anna", "", "booking", "show", "1"); code != 0 {
			t.Fatalf("show: %d %s", code, errs)
		}
	}
	counts := map[string]int{}
	for _, e := range s.access(testPNR(1)) {
		if e.User == "anna" {
			counts[e.Action+"/"+e.Via]++
		}
	}
	want := map[string]int{"view_booking/ssh-tui": 1, "view_booking/ssh-cli": 2, "list/ssh-tui": 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: %d entries, want %d (all: %v)", k, counts[k], n, counts)
		}
	}
	tm.keys("q")
	tm.close()
}

// TestServer_LocalCommandsPointToTheServer: while serve holds the file, a
// local command says how to run the same over SSH; over SSH the global
// flags that name local things are refused.
func TestServer_LocalCommandsPointToTheServer(t *testing.T) {
	noLeaks(t)
	s := startServer(t, map[string]staffKey{"anna": newStaffKey(t, domain.RoleSekreterare), "ada": newStaffKey(t, domain.RoleAdmin)},
		patientRow(1, "Tolvan Test"))
	_, errs, code := s.local("booking", "list", "--exam", "ekg24")
	_, port, _ := strings.Cut(s.addr, ":")
	want := fmt.Sprintf("ssh -p %s localhost booking list --exam ekg24", port)
	if code != exitInUse || !strings.Contains(errs, "hålls av kallelse serve") || !strings.Contains(errs, want) {
		t.Fatalf("local command: exit %d, %q; want it to say %q", code, errs, want)
	}
	// ssh -T with no command: no terminal for the UI, said so (not cobra's
	// English help, exit 0) — and never the server's own command line,
	// which cobra reads when it is given no arguments at all.
	defer func(args []string) { os.Args = args }(os.Args)
	os.Args = []string{"kallelse", "serve", "--db", "/srv/kallelse.db"}
	func() {
		c, err := s.dial("anna")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		var errb bytes.Buffer
		sess.Stderr = &errb
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		var ee *gossh.ExitError
		if err := sess.Wait(); !errors.As(err, &ee) || ee.ExitStatus() != 2 || !strings.Contains(errb.String(), "behöver en terminal") {
			t.Errorf("ssh -T: %v %q", err, errb.String())
		}
	}()
	// --help over SSH lists what works there: no verb that runs on the
	// server's machine only, no flag that names a local file or clock.
	help, _, code := s.ssh("anna", "", "--help")
	if code != 0 || !strings.Contains(help, "booking") || !strings.Contains(help, "--lang") {
		t.Fatalf("--help over ssh: %d %q", code, help)
	}
	for _, local := range []string{"  serve ", "  demo ", "  restore ", "  compact ", "  completion ", "--db ", "--config ", "--now "} {
		if strings.Contains(help, local) {
			t.Errorf("--help over ssh lists %q:\n%s", local, help)
		}
	}
	if out, _, _ := s.ssh("anna", "", "simulate", "--help"); strings.Contains(out, "  year ") || !strings.Contains(out, "open") {
		t.Errorf("simulate --help over ssh:\n%s", out)
	}
	// A backup's file is said as an absolute path: over SSH it must be one.
	if _, errs, code := s.local("backup", "bk/today.db"); code != exitInUse || !regexp.MustCompile(`backup /\S+/bk/today\.db`).MatchString(errs) {
		t.Errorf("local backup while serve runs: exit %d, %q", code, errs)
	}
	// What is never done over SSH says to stop the server instead.
	for _, verb := range [][]string{{"restore", "/tmp/backup.db"}, {"compact"}} {
		_, errs, code := s.local(verb...)
		if code != exitInUse || !strings.Contains(errs, "stoppa servern först") || strings.Contains(errs, "ssh -p") {
			t.Errorf("local %v while serve runs: exit %d, %q", verb, code, errs)
		}
	}
	for _, flag := range []string{"--db=/tmp/x.db", "--now=2030-01-01T10:00", "--config=/etc/passwd", "--user=ada"} {
		if _, errs, code := s.ssh("anna", "", flag, "booking", "list"); code != 2 || !strings.Contains(errs, "över SSH") {
			t.Errorf("%s over ssh: exit %d, %q", flag, code, errs)
		}
	}
	for _, verb := range []string{"serve", "demo"} {
		if _, errs, code := s.ssh("anna", "", verb); code != 2 || !strings.Contains(errs, "inte över SSH") {
			t.Errorf("%s over ssh: exit %d, %q", verb, code, errs)
		}
	}
	// Over SSH the server's language is the default; --lang names the session's.
	if _, errs, code := s.ssh("anna", "", "booking", "list"); code != 0 || errs != "0 bokningar\n" {
		t.Errorf("the server's language: exit %d, %q", code, errs)
	}
	if _, errs, code := s.ssh("anna", "", "--lang", "en", "booking", "list"); code != 0 || errs != "0 bookings\n" {
		t.Errorf("--lang en over ssh: exit %d, %q", code, errs)
	}
	// A path names a file of the server's, never read over SSH.
	if _, errs, code := s.ssh("anna", "", "patient", "import", "/etc/passwd"); code != 2 || !strings.Contains(errs, "standard in") || strings.Contains(errs, "root") {
		t.Errorf("import of a server path over ssh: exit %d, %q", code, errs)
	}
	// patient import reads the CSV from standard input.
	out, errs, code := s.ssh("anna", "identity,name\n"+testPNR(2)+",Nils Ny\n", "patient", "import", "-", "--json")
	if code != 0 || !strings.Contains(out, `"created": 1`) {
		t.Fatalf("import over ssh: %d %s %s", code, out, errs)
	}
	// Identity numbers never reach the diagnostic log.
	if _, _, code := s.ssh("anna", "", "patient", "show", testPNR(2)); code != 0 {
		t.Fatal("patient show")
	}
	if log := s.log.String(); strings.Contains(log, testPNR(2)) || strings.Contains(log, strings.ReplaceAll(testPNR(2), "-", "")) {
		t.Fatalf("an identity number in the server's log:\n%s", log)
	}
	// audit's own --user (whose entries to read) is no acting user: the
	// follow-up of one user works over SSH while serve holds the file.
	for _, args := range [][]string{{"audit", "--user", "anna", "--format", "json"}, {"audit", "--user=anna", "--format=json"}} {
		out, errs, code := s.ssh("ada", "", args...)
		if code != 0 || !strings.Contains(out, `"user": "anna"`) || strings.Contains(out, `"user": "ada"`) {
			t.Errorf("%v over ssh: exit %d, %q %q", args, code, out, errs)
		}
	}
}

// TestServer_RosterReloadsWithoutARestart: a person added to the file can
// connect at once; one removed is shown out with a goodbye.
func TestServer_RosterReloadsWithoutARestart(t *testing.T) {
	noLeaks(t)
	staff := map[string]staffKey{"anna": newStaffKey(t, domain.RoleSekreterare), "ada": newStaffKey(t, domain.RoleAdmin)}
	s := startServer(t, staff, patientRow(1, "Tolvan Test"))
	tm := s.openTUI("anna", 80, 24)
	tm.waitFor(0, "Bokningar")
	anna := s.staff["anna"]
	s.staff["nya"] = newStaffKey(t, domain.RoleSekreterare)
	delete(s.staff, "anna")
	writeRoster(t, s.config, s.staff, "")
	m := tm.mark()
	if out, errs, code := s.ssh("nya", "", "whoami"); code != 0 || !strings.HasPrefix(out, "nya ") {
		t.Fatalf("the new member: %d %q %q", code, out, errs)
	}
	// The follow-up of a user asks the roster in force, not the one the
	// server started with (review).
	if _, errs, code := s.ssh("ada", "", "audit", "--user", "nya"); code != 0 || strings.Contains(errs, "personallistan") {
		t.Errorf("audit --user nya after the reload: %d %q", code, errs)
	}
	if _, errs, code := s.ssh("ada", "", "audit", "--user", "anna"); code != 0 || !strings.Contains(errs, "anna finns inte i personallistan") {
		t.Errorf("audit --user anna, removed: %d %q", code, errs)
	}
	tm.waitFor(m, "Du finns inte längre med i Kallelses personallista")
	tm.close()
	if _, err := s.dialKey(anna.signer); err == nil {
		t.Fatal("the removed member connected")
	}
}
