package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/adapters/config"
	"github.com/kallelse/kallelse/adapters/spoolfs"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
)

// The crash test's calendar (Europe/Stockholm; no public holidays in it).
//
//   - crashT0, Wednesday 25 November 10:00: every booking is made, and the
//     first phase's ticks run: each booking's summons timer is due. A
//     complement letter queued then arrives Friday 27 November.
//   - Every visit is on Friday 4 December, between 08:00 and 15:15, so that:
//     the R4 fallback of a digital-only summons is due Saturday 28 November
//     10:00 (posted Monday, arrives Wednesday 2 December: in time); the 4-day
//     reminder is due Monday 30 November 17:00 and the 1-day one Thursday
//     3 December 17:00.
//   - Between the phases, half of the digital-only patients open their
//     summons: an `opened` receipt dated Thursday 26 November 08:15 waits
//     in the 1177 in folder for each (R6).
//   - crashT1, Monday 30 November 17:00: the second phase's ticks run. They
//     apply the receipts first (which cancels those fallbacks); the other
//     fallbacks and every 4-day reminder are due, the 1-day reminders are
//     not; a letter queued at 17:00 is posted Tuesday and arrives Thursday
//     3 December, still before the visit day; 17:00 is outside the quiet
//     hours.
//
// So every booking ends with exactly: one 1177 summons if it is digital, one
// summons letter if it goes on paper (complement or paper only), one fallback
// letter if it is digital only and was not opened, one `opened` event if it
// was, and one 4-day SMS reminder if the patient asked for reminders — and
// nothing is skipped and no phone task is raised.
const (
	crashT0 = "2026-11-25T10:00"
	crashT1 = "2026-11-30T17:00"
)

var crashVisitDay = time.Date(2026, 12, 4, 0, 0, 0, 0, domain.Stockholm)

// crashSlots are each patient's visits on the visit day, far enough apart
// for the longest examination used (45 minutes) not to overlap.
var crashSlots = []time.Duration{8 * time.Hour, 9*time.Hour + 30*time.Minute, 11 * time.Hour, 13 * time.Hour, 14*time.Hour + 30*time.Minute}

// crashExams rotate over the slots; bt24 is not digital (R1: paper only).
var crashExams = []string{"ekg24", "eko", "aorta", "ekg48", "bt24"}

var crashSites = []string{"ryhov", "hoglandet", "varnamo"}

// patientClass is what the channel policy makes of a patient (R2/R3).
type patientClass int

const (
	classDigitalOnly patientClass = iota // adult, account, notifications, no interpreter
	classComplement                      // digital and paper: interpreter, no account, notifications off, under 18, samordningsnummer
	classPaperOnly                       // reservnummer
)

func (c patientClass) String() string {
	return [...]string{"digital only", "digital and paper", "paper only"}[c]
}

type crashPatient struct {
	id    string // as written in the CSV
	class patientClass
	sms   bool // asked for SMS reminders, with a mobile number
}

type crashBooking struct {
	id      domain.BookingID
	patient crashPatient
	exam    string
	opened  bool // the patient opens the 1177 summons between the phases
}

// expected is what one booking must have produced, per purpose of message,
// and how many times its opening was recorded.
type expected struct {
	inbox, summonsLetter, fallback, reminder4d int
	opened                                     int
}

// messages is e without what leaves no message.
func (e expected) messages() expected {
	e.opened = 0
	return e
}

func (b crashBooking) expected() expected {
	digitalExam := b.exam != "bt24"
	var e expected
	if digitalExam && b.patient.class != classPaperOnly {
		e.inbox = 1
	}
	if !digitalExam || b.patient.class != classDigitalOnly {
		e.summonsLetter = 1
	}
	if digitalExam && b.patient.class == classDigitalOnly {
		if b.opened {
			e.opened = 1 // R4: an opened summons gets no fallback
		} else {
			e.fallback = 1
		}
	}
	if b.patient.sms {
		e.reminder4d = 1
	}
	return e
}

// crashPnr is a valid personnummer (samordningsnummer with day+60) in the
// 12-digit form with a hyphen.
func crashPnr(year, month, day, serial int) string {
	s := fmt.Sprintf("%04d%02d%02d%03d", year, month, day, serial)
	return fmt.Sprintf("%s-%s%d", s[:8], s[8:], domain.LuhnCheckDigit(s[2:11]))
}

// crashPatients generates n patients (n <= 1000: the serial makes each
// identity number unique) and their CSV.
func crashPatients(n int) ([]crashPatient, []byte) {
	var csv bytes.Buffer
	csv.WriteString("identity,name,address,postal_code,city,phone,interpreter,has_1177_account,notifications_enabled,sms_reminders\n")
	ps := make([]crashPatient, 0, n)
	for i := 0; i < n; i++ {
		year, month, day := 1950+i%50, 1+i%12, 1+i%28
		p := crashPatient{class: classComplement, sms: i%3 != 0}
		interpreter, account, notify := "", "ja", "ja"
		switch i % 10 {
		case 0, 1, 2, 3, 4:
			p.class = classDigitalOnly
		case 5:
			interpreter = "arabiska"
		case 6:
			account, notify = "nej", "nej"
		case 7:
			notify = "nej"
		case 8:
			year = 2012 // under 18 when the summons goes
		case 9:
			if i%20 == 9 {
				day += 60 // samordningsnummer
			} else {
				p.class = classPaperOnly
			}
		}
		p.id = crashPnr(year, month, day, i)
		if p.class == classPaperOnly {
			p.id = fmt.Sprintf("19700101-K%03d", i)
		}
		phone, sms := "036-10 20 30", "nej"
		if p.sms {
			phone, sms = fmt.Sprintf("070-%03d %02d %02d", i, i%100, i%97), "ja"
		}
		fmt.Fprintf(&csv, "%s,Testperson %d,Storgatan %d,553 18,Jönköping,%s,%s,%s,%s,%s\n",
			p.id, i, i+1, phone, interpreter, account, notify, sms)
		ps = append(ps, p)
	}
	return ps, csv.Bytes()
}

// crashEnv is the environment of the kallelse processes: the test's own,
// without anything that would change kallelse's configuration, and the
// English words (the tick's summary is read).
func crashEnv(dir, now string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "KALLELSE_") || strings.HasPrefix(kv, "XDG_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	// A race-instrumented process sleeps a second before exiting, to catch
	// late reports; the races it finds still fail it (exit status 66).
	if os.Getenv("GORACE") == "" {
		env = append(env, "GORACE=atexit_sleep_ms=0")
	}
	return append(env, "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "KALLELSE_USER=crash", "KALLELSE_NOW="+now, "KALLELSE_UI__LANGUAGE=en",
		"KALLELSE_CLINIC__HSA_ID=SE2321000065-KF99") // the clinic's own, not the placeholder (which the loop warns of)
}

// kallelseCmd runs the test binary as the real kallelse binary in a process
// of its own: testscript.Main (see TestMain) runs Main when the program is
// called "kallelse", and it reads that from argv[0], not from the file name.
func kallelseCmd(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Args[0] = "kallelse"
	cmd.Env = env
	return cmd
}

// crashState is what is left to do, read from the database and the spool
// folders between two processes.
type crashState struct {
	receipts    int // receipt files waiting in the 1177 in folder
	applied     int // receipts recorded as applied
	due, outbox int // timers due at the phase's instant; messages not yet delivered
	files       int // message files in the spool folders
	unacked     int // of which are still in the outbox: written, but the process died before recording it
}

func (s crashState) done() bool { return s.receipts == 0 && s.due == 0 && s.outbox == 0 }

// readCrashState reads the file directly, read-only, with the layout
// documented in storage/bolt.go: it runs between every two processes, and
// decoding the outbox through the store would cost more than the check.
func readCrashState(t *testing.T, db, spool string, now time.Time) crashState {
	t.Helper()
	bdb, err := bolt.Open(db, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("open after the process ended: %v", err)
	}
	defer bdb.Close()
	var s crashState
	outbox := map[string]bool{}
	err = bdb.View(func(tx *bolt.Tx) error {
		idx, ob, rc := tx.Bucket([]byte("idx_timer_due")), tx.Bucket([]byte("outbox")), tx.Bucket([]byte("receipts"))
		if idx == nil || ob == nil || rc == nil {
			return errors.New("buckets idx_timer_due, outbox or receipts missing")
		}
		s.applied = rc.Stats().KeyN
		c := idx.Cursor()
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= uint64(now.UnixNano()); k, _ = c.Next() {
			s.due++
		}
		return ob.ForEach(func(k, _ []byte) error {
			outbox[string(k)] = true
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.outbox = len(outbox)
	for _, name := range listNames(t, filepath.Join(spool, "inbox1177", "in")) {
		if strings.HasSuffix(name, ".json") && !strings.HasPrefix(name, ".") {
			s.receipts++
		}
	}
	files := spoolMessageIDs(t, spool)
	s.files = len(files)
	for id := range files {
		if outbox[id] {
			s.unacked++
		}
	}
	return s
}

// spoolMessageIDs lists the ids of the messages complete in the spool
// folders; a letter counts once its PDF is there.
func spoolMessageIDs(t *testing.T, spool string) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for _, dir := range []string{filepath.Join(spool, "inbox1177", "out"), filepath.Join(spool, "sms", "out")} {
		for _, name := range listNames(t, dir) {
			if id, ok := strings.CutSuffix(name, ".json"); ok && !strings.HasPrefix(name, ".") {
				ids[id] = true
			}
		}
	}
	for _, day := range printDays(t, spool) {
		for _, name := range listNames(t, filepath.Join(spool, "print", day)) {
			if id, ok := strings.CutSuffix(name, ".pdf"); ok && !strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "batch-") {
				ids[id] = true
			}
		}
	}
	return ids
}

// printDays are the day folders of the spool's print folder (not its own
// dot files).
func printDays(t *testing.T, spool string) []string {
	t.Helper()
	var days []string
	for _, name := range listNames(t, filepath.Join(spool, "print")) {
		if !strings.HasPrefix(name, ".") {
			days = append(days, name)
		}
	}
	return days
}

func listNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// crashRun is one kallelse tick process that was started.
type crashRun struct {
	delay       time.Duration // when it was killed (if it was)
	killed      bool
	before      crashState
	after       crashState
	stdout, err string
}

// stage says where in its work a killed process died, from what changed.
func (r crashRun) stage() string {
	b, a := r.before, r.after
	switch {
	case !r.killed:
		return "finished"
	case a == b:
		return "no progress (starting, or in its first transaction)"
	case a.receipts > 0:
		return "while applying receipts"
	case a.due > 0:
		return "while firing timers"
	case a.outbox > 0 && a.files == b.files && b.due > 0:
		return "between firing and delivering"
	case a.outbox > 0:
		return "while delivering"
	default:
		return "after its work, before exiting"
	}
}

// startTick runs `kallelse tick` and kills it with SIGKILL after delay
// unless it ends first.
func startTick(t *testing.T, env []string, db string, delay time.Duration) (killed bool, stdout, stderr string) {
	t.Helper()
	cmd := kallelseCmd(t, env, "--db", db, "tick")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	var err error
	select {
	case err = <-done:
	case <-timer.C:
		_ = cmd.Process.Kill() // SIGKILL; fails only when the process has ended meanwhile
		err = <-done
	}
	if err == nil {
		return false, out.String(), errb.String()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, out.String(), errb.String()
		}
	}
	t.Fatalf("kallelse tick: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	return false, "", ""
}

// runTick runs `kallelse tick` to its end and returns its output.
func runTick(t *testing.T, env []string, db string) string {
	t.Helper()
	cmd := kallelseCmd(t, env, "--db", db, "tick")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A hang is a failure of its own; the guard is generous (a full tick
	// takes seconds) and kills the process rather than the whole test run.
	guard := time.AfterFunc(5*time.Minute, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	guard.Stop()
	if err != nil {
		t.Fatalf("kallelse tick: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	if errb.Len() > 0 {
		t.Fatalf("kallelse tick reported errors:\n%s", errb.String())
	}
	return out.String()
}

// crashPhase kills ticks at instant now until one finishes by itself (or the
// iterations are used up), then runs one to its end and checks that one more
// finds nothing to do.
//
// The kill delay adapts rather than hoping: each is drawn at random between a
// quarter of a ceiling and the ceiling, which starts short, grows by half
// while kills land before the process has changed anything (start-up is
// slower under -race, on a busy machine) and by a quarter after every other
// kill, so that later kills land deeper in the work, and a run eventually
// finishes by itself however fast the machine is.
func crashPhase(t *testing.T, rng *rand.Rand, dir, db, now string, iterations int) []crashRun {
	t.Helper()
	env := crashEnv(dir, now)
	at, err := parseInstant(now)
	if err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(dir, "spool")
	state := readCrashState(t, db, spool, at)
	t.Logf("tick --now %s: %d receipts, %d timers due, %d messages waiting", now, state.receipts, state.due, state.outbox)
	var runs []crashRun
	var inProcesses time.Duration
	ceiling := 60 * time.Millisecond
	for i := 0; i < iterations; i++ {
		delay := ceiling/4 + time.Duration(rng.Int64N(int64(ceiling*3/4)+1))
		started := time.Now()
		killed, stdout, stderr := startTick(t, env, db, delay)
		r := crashRun{delay: delay, killed: killed, before: state, stdout: stdout, err: stderr}
		inProcesses += time.Since(started)
		state = readCrashState(t, db, spool, at)
		r.after = state
		runs = append(runs, r)
		t.Logf("run %2d: delay %4dms %-4s receipts %3d→%3d, due %4d→%4d, outbox %4d→%4d, files %4d→%4d (%3d not yet recorded as delivered): %s",
			i+1, delay.Milliseconds(), map[bool]string{true: "KILL", false: "exit"}[killed],
			r.before.receipts, r.after.receipts, r.before.due, r.after.due, r.before.outbox, r.after.outbox, r.before.files, r.after.files, r.after.unacked, r.stage())
		if stderr != "" {
			t.Errorf("run %d reported errors:\n%s", i+1, stderr)
		}
		if !killed {
			if !strings.Contains(stdout, " 0 waiting (0 failing)") || !state.done() {
				t.Errorf("run %d finished with work left: %s", i+1, stdout)
			}
			break
		}
		if r.after == r.before {
			ceiling = ceiling * 3 / 2
		} else {
			ceiling = ceiling * 5 / 4
		}
	}
	start := time.Now()
	out := strings.TrimSpace(runTick(t, env, db))
	t.Logf("%v in the killed or finished processes; then a tick to its end (%v): %s",
		inProcesses.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), out)
	if out = runTick(t, env, db); !strings.Contains(out, ": 0 receipts (0 duplicates, 0 quarantined), 0 bookings fired, 0 messages delivered, 0 waiting (0 failing)") {
		t.Fatalf("a tick after the work was done still found some:\n%s", out)
	}
	return runs
}

// TestCrash_KilledTickDeliversEachMessageExactlyOnce runs the real binary
// (this test binary as kallelse) over thousands of due timers and hundreds
// of receipts in two phases, kills it with SIGKILL at random moments,
// restarts it, and checks that every expected 1177 message, letter and SMS
// is in the spool folders exactly once, every receipt applied once, and
// that the database agrees: outbox empty, message register, each booking's
// events and remaining timers.
//
// Reproduce a run with KALLELSE_CRASH_SEED (the kill delays; the machine's
// speed still decides where each kill lands).
func TestCrash_KilledTickDeliversEachMessageExactlyOnce(t *testing.T) {
	// Five bookings per patient: 2,000 bookings and 4,500 messages, or
	// under -race (where every kallelse process is instrumented too, and
	// some five times slower) 600 and 1,360, which keeps the test within a
	// minute on two busy cores. Iterations are per phase: the kills stop
	// earlier when a run finishes by itself. KALLELSE_CRASH_PATIENTS and
	// KALLELSE_CRASH_ITERATIONS override them.
	patients, iterations := 400, 40
	switch {
	case testing.Short() && raceEnabled():
		patients, iterations = 60, 10
	case testing.Short():
		patients, iterations = 100, 10
	case raceEnabled():
		patients = 120
	}
	for name, v := range map[string]*int{"KALLELSE_CRASH_PATIENTS": &patients, "KALLELSE_CRASH_ITERATIONS": &iterations} {
		if s := os.Getenv(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || (v == &patients && (n < 1 || n > 1000)) {
				t.Fatalf("%s=%q: want a number (patients: 1 to 1000)", name, s)
			}
			*v = n
		}
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("KALLELSE_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("KALLELSE_CRASH_SEED: %v", err)
		}
	}
	t.Logf("seed %d (rerun with KALLELSE_CRASH_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	spool := filepath.Join(dir, "spool")
	setupStart := time.Now()
	bookings := crashSetup(t, dir, db, patients)
	t.Logf("setup: %d patients, %d bookings in %v", patients, len(bookings), time.Since(setupStart).Round(time.Millisecond))

	var runs []crashRun
	receipts := 0
	for _, now := range []string{crashT0, crashT1} {
		if now == crashT1 {
			receipts = writeOpenReceipts(t, db, spool, bookings)
		}
		start := time.Now()
		rs := crashPhase(t, rng, dir, db, now, iterations)
		runs = append(runs, rs...)
		t.Logf("phase --now %s: %d runs in %v", now, len(rs), time.Since(start).Round(time.Millisecond))
	}

	// The crashes must have happened, and in the middle of the work.
	stages := map[string]int{}
	killed, partial, unacked, reread := 0, 0, 0, 0
	for _, r := range runs {
		stages[r.stage()]++
		if r.killed {
			killed++
			if r.after.applied+r.after.receipts > receipts {
				reread++ // a receipt applied whose file was not removed yet: read again next time
			}
			if r.after != r.before && !r.after.done() {
				partial++
			}
			if r.after.unacked > 0 {
				unacked++
			}
		}
	}
	t.Logf("%d runs: %d killed, %d of them after some progress with work left, %d between writing a message and recording it, %d between applying a receipt and removing its file; %d finished by themselves. By stage: %v",
		len(runs), killed, partial, unacked, reread, len(runs)-killed, stages)
	minKilled, minUnacked := 3, 1
	if testing.Short() {
		minKilled, minUnacked = 1, 0
	}
	if killed < minKilled || partial < 1 || unacked < minUnacked {
		t.Fatalf("the test did not exercise crashes enough: %d killed (want >= %d), %d with partial progress (want >= 1), %d with messages written but not recorded (want >= %d)",
			killed, minKilled, partial, unacked, minUnacked)
	}

	checkSpool(t, spool, bookings)
	checkStore(t, db, bookings)
}

// raceEnabled tells whether this binary (and so every kallelse process the
// test starts) was built with -race.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// crashOpenedAt is when the patients open their summonses: between the phases.
const crashOpenedAt = "2026-11-26T08:15:00+01:00"

// writeOpenReceipts puts an `opened` receipt from 1177 in the inbox spool for
// each booking the patient opens, as the integration engine would (see the
// inbox1177 package): the second phase's ticks apply them, each once,
// however they are killed.
func writeOpenReceipts(t *testing.T, db, spool string, bookings []crashBooking) (n int) {
	t.Helper()
	ctx := context.Background()
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in := filepath.Join(spool, "inbox1177", "in")
	if err := os.MkdirAll(in, 0o700); err != nil {
		t.Fatal(err)
	}
	at := mustRFC3339(t, crashOpenedAt)
	for _, b := range bookings {
		if !b.opened {
			continue
		}
		bk, err := st.Booking(ctx, b.id)
		if err != nil {
			t.Fatal(err)
		}
		msg := bk.Status().MessageID
		if msg == "" {
			t.Fatalf("booking %d: no digital summons after the first phase", b.id)
		}
		doc := fmt.Sprintf(`{"messageId": %q, "type": "opened", "at": %q}`+"\n", msg, crashOpenedAt)
		name := fmt.Sprintf("%s.opened.%d.json", msg, at.UnixNano())
		if err := os.WriteFile(filepath.Join(in, name), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// crashSetup imports the patients with the CLI and books in-process, at
// crashT0: `kallelse book` once per booking would take minutes.
func crashSetup(t *testing.T, dir, db string, n int) []crashBooking {
	t.Helper()
	patients, csv := crashPatients(n)
	csvPath := filepath.Join(dir, "patients.csv")
	if err := os.WriteFile(csvPath, csv, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"--db", db, "patient", "import", csvPath}, nil, &out, &errb, crashEnv(dir, crashT0)); code != 0 {
		t.Fatalf("patient import: exit %d\n%s%s", code, out.String(), errb.String())
	}

	cfg, err := config.Load(config.Source{})
	if err != nil {
		t.Fatal(err)
	}
	t0, err := parseInstant(crashT0)
	if err != nil {
		t.Fatal(err)
	}
	// BulkLoad: no fsync per booking; one Sync before the processes start.
	st, err := storage.Open(db, storage.Options{BulkLoad: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := st.Sync(); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	svc := (&service.Service{Store: st, Clock: domain.FixedClock{T: t0}, Catalogue: cfg.Catalogue(),
		Parser: cfg.IdentityParser(), Policy: cfg.PolicyOptions(), Clinic: cfg.ClinicInfo(),
		Schedule: cfg.DomainSchedule()}).As("crash")
	ctx := context.Background()
	var out2 []crashBooking
	for j, slot := range crashSlots {
		for i, p := range patients {
			exam := crashExams[(i+j)%len(crashExams)]
			res, err := svc.Book(ctx, service.BookInput{Patient: p.id, Exam: exam, Site: crashSites[(i+j)%len(crashSites)],
				VisitAt: crashVisitDay.Add(slot)})
			if err != nil {
				t.Fatalf("book %s %s: %v", p.id, exam, err)
			}
			// Half of the digital-only summonses are opened (R6), which
			// cancels their fallback (R4).
			opened := p.class == classDigitalOnly && exam != "bt24" && (i+j)%2 == 0
			out2 = append(out2, crashBooking{id: res.Booking.ID(), patient: p, exam: exam, opened: opened})
		}
	}
	return out2
}

var messageIDPattern = regexp.MustCompile(`^k([0-9]+)-([0-9]+)-(inbox|letter|sms)$`)

// spoolMessage is one message found in the spool folders.
type spoolMessage struct {
	id      string
	booking domain.BookingID
	kind    domain.MessageKind
	purpose domain.Purpose // letters only: the spool files of the others do not say
	where   string
}

// readSpool reads every message file in the spool folders and checks its
// name against its content. Files whose names start with a dot are
// temporary files of a killed process: counted, and otherwise ignored as
// the integration engine ignores them.
func readSpool(t *testing.T, spool string) (msgs []spoolMessage, temps int) {
	t.Helper()
	parseID := func(where, id string, kind domain.MessageKind) spoolMessage {
		m := messageIDPattern.FindStringSubmatch(id)
		if m == nil || domain.MessageKind(m[3]) != kind {
			t.Fatalf("%s: %q is not a %s message id", where, id, kind)
		}
		b, _ := strconv.ParseUint(m[1], 10, 64)
		return spoolMessage{id: id, booking: domain.BookingID(b), kind: kind, where: where}
	}
	readJSON := func(path string, v any) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	isTemp := func(name string) bool {
		if strings.HasPrefix(name, ".") {
			if !strings.HasPrefix(name, spoolfs.TempPrefix) {
				t.Errorf("unexpected hidden file %s in the spool", name)
			}
			temps++
			return true
		}
		return false
	}
	for _, kind := range []domain.MessageKind{domain.MessageInbox, domain.MessageSMS} {
		dir := filepath.Join(spool, map[domain.MessageKind]string{domain.MessageInbox: "inbox1177", domain.MessageSMS: "sms"}[kind], "out")
		for _, name := range listNames(t, dir) {
			if isTemp(name) {
				continue
			}
			id, ok := strings.CutSuffix(name, ".json")
			if !ok {
				t.Errorf("unexpected file %s in %s", name, dir)
				continue
			}
			var doc struct {
				MessageID string `json:"messageId"`
			}
			readJSON(filepath.Join(dir, name), &doc)
			if doc.MessageID != id {
				t.Errorf("%s/%s holds message %q", dir, name, doc.MessageID)
			}
			msgs = append(msgs, parseID(filepath.Join(dir, name), id, kind))
		}
	}
	for _, day := range printDays(t, spool) {
		dir := filepath.Join(spool, "print", day)
		names := listNames(t, dir)
		has := map[string]bool{}
		for _, n := range names {
			has[n] = true
		}
		for _, name := range names {
			if isTemp(name) || strings.HasPrefix(name, "batch-") {
				continue
			}
			if id, ok := strings.CutSuffix(name, ".pdf"); ok {
				if !has[id+".json"] {
					t.Errorf("letter %s/%s has no sidecar", dir, name)
				}
				continue
			}
			id, ok := strings.CutSuffix(name, ".json")
			if !ok {
				t.Errorf("unexpected file %s in %s", name, dir)
				continue
			}
			if !has[id+".pdf"] {
				t.Errorf("letter %s/%s has no PDF", dir, name)
			}
			var m domain.Message
			readJSON(filepath.Join(dir, name), &m)
			sm := parseID(filepath.Join(dir, name), id, domain.MessageLetter)
			if m.ID != id || m.Booking != sm.booking || m.Kind != domain.MessageLetter {
				t.Errorf("%s/%s holds message %q of booking %d, kind %s", dir, name, m.ID, m.Booking, m.Kind)
			}
			if got := m.CreatedAt.In(domain.Stockholm).Format("2006-01-02"); got != day {
				t.Errorf("letter %s created %s is in the folder of %s", id, got, day)
			}
			sm.purpose = m.Purpose
			msgs = append(msgs, sm)
		}
	}
	return msgs, temps
}

func mustRFC3339(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// checkSpool: each expected message is in the spool folders exactly once,
// and nothing else is.
func checkSpool(t *testing.T, spool string, bookings []crashBooking) {
	t.Helper()
	msgs, temps := readSpool(t, spool)
	// Every receipt was applied and its file removed; none was refused.
	for _, name := range listNames(t, filepath.Join(spool, "inbox1177", "in")) {
		if !strings.HasPrefix(name, ".") {
			t.Errorf("receipt %s is still in the in folder", name)
		}
	}
	if q := listNames(t, filepath.Join(spool, "inbox1177", "quarantine")); len(q) > 0 {
		t.Errorf("quarantined: %v", q)
	}
	seen := map[string]string{}
	got := map[domain.BookingID]*expected{}
	for _, m := range msgs {
		if prev, dup := seen[m.id]; dup {
			t.Errorf("message %s is in the spool twice: %s and %s", m.id, prev, m.where)
		}
		seen[m.id] = m.where
		e := got[m.booking]
		if e == nil {
			e = &expected{}
			got[m.booking] = e
		}
		switch {
		case m.kind == domain.MessageInbox:
			e.inbox++
		case m.kind == domain.MessageSMS:
			e.reminder4d++ // the only SMS this calendar lets go; the store confirms its purpose
		case m.purpose == domain.PurposeSummons:
			e.summonsLetter++
		case m.purpose == domain.PurposeFallback:
			e.fallback++
		default:
			t.Errorf("letter %s has purpose %q", m.id, m.purpose)
		}
	}
	var total expected
	known := map[domain.BookingID]bool{}
	for _, b := range bookings {
		known[b.id] = true
		want := b.expected().messages()
		total.inbox += want.inbox
		total.summonsLetter += want.summonsLetter
		total.fallback += want.fallback
		total.reminder4d += want.reminder4d
		have := expected{}
		if g := got[b.id]; g != nil {
			have = *g
		}
		if have != want {
			t.Errorf("booking %d (patient %s, %s, SMS %v, %s): spool has %+v, want %+v",
				b.id, b.patient.id, b.patient.class, b.patient.sms, b.exam, have, want)
		}
	}
	for id := range got {
		if !known[id] {
			t.Errorf("spool has messages of booking %d, which the test did not make", id)
		}
	}
	t.Logf("spool: %d messages (%d 1177 summonses, %d summons letters, %d fallback letters, %d 4-day SMS reminders), %d temporary files left by killed processes",
		len(msgs), total.inbox, total.summonsLetter, total.fallback, total.reminder4d, temps)
	if len(msgs) != total.inbox+total.summonsLetter+total.fallback+total.reminder4d {
		t.Errorf("spool has %d messages, want %d", len(msgs), total.inbox+total.summonsLetter+total.fallback+total.reminder4d)
	}
}

// checkStore: the outbox is empty, each booking's history records each
// message once and nothing skipped, and the message register names exactly
// the messages in the spool, each delivered.
func checkStore(t *testing.T, db string, bookings []crashBooking) {
	t.Helper()
	ctx := context.Background()
	spoolIDs := spoolMessageIDs(t, filepath.Join(filepath.Dir(db), "spool"))
	st, err := storage.Open(db, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	waiting, failing, err := st.OutboxStats(ctx)
	if err != nil || waiting != 0 || failing != 0 {
		t.Errorf("outbox: %d waiting, %d failing, %v", waiting, failing, err)
	}
	eventIDs := map[string]bool{}
	for _, b := range bookings {
		evs, err := st.BookingEvents(ctx, b.id)
		if err != nil {
			t.Fatal(err)
		}
		var have expected
		for _, e := range evs {
			sending := e.Type == domain.EventSummonsSent || e.Type == domain.EventPaperFallbackSent || e.Type == domain.EventReminderSent
			if sending {
				if eventIDs[e.MessageID] || e.MessageID == "" {
					t.Errorf("booking %d: %s names message %q, sent before", b.id, e.Type, e.MessageID)
				}
				eventIDs[e.MessageID] = true
				if !spoolIDs[e.MessageID] {
					t.Errorf("booking %d: %s event names message %s, which is not in the spool", b.id, e.Type, e.MessageID)
				}
			}
			switch e.Type {
			case domain.EventSummonsSent:
				if len(e.Channels) == 1 && e.Channels[0] == domain.ChannelDigital {
					have.inbox++
				} else {
					have.summonsLetter++
				}
			case domain.EventPaperFallbackSent:
				have.fallback++
			case domain.EventReminderSent:
				if e.Reminder != "4d" {
					t.Errorf("booking %d: reminder %q sent", b.id, e.Reminder)
				}
				have.reminder4d++
			case domain.EventOpened:
				if e.Actor != domain.SystemActor1177 || !e.At.Equal(mustRFC3339(t, crashOpenedAt)) || e.Note != "" ||
					!strings.HasSuffix(e.MessageID, "-inbox") || !spoolIDs[e.MessageID] {
					t.Errorf("booking %d: opened by %s at %s, message %s (%s)", b.id, e.Actor, e.At, e.MessageID, e.Note)
				}
				have.opened++
			case domain.EventBooked:
			default:
				t.Errorf("booking %d: unexpected event %s (%s)", b.id, e.Type, e.Note)
			}
		}
		if want := b.expected(); have != want {
			t.Errorf("booking %d: events record %+v, want %+v", b.id, have, want)
		}
		bk, err := st.Booking(ctx, b.id)
		if err != nil {
			t.Fatal(err)
		}
		wantState := domain.StateSummonsSent
		if b.opened {
			wantState = domain.StateOpened
		}
		if bk.State() != wantState {
			t.Errorf("booking %d is %s, want %s", b.id, bk.State(), wantState)
		}
		var kinds []domain.TimerKind
		for _, tm := range bk.Timers() {
			kinds = append(kinds, tm.Kind)
		}
		// What is left of the plan: the 1-day reminder, for those who asked.
		var want []domain.TimerKind
		if b.patient.sms {
			want = []domain.TimerKind{domain.TimerReminder1d}
		}
		if fmt.Sprint(kinds) != fmt.Sprint(want) {
			t.Errorf("booking %d: timers left %v, want %v", b.id, kinds, want)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if len(eventIDs) != len(spoolIDs) {
		t.Errorf("events name %d messages, the spool holds %d", len(eventIDs), len(spoolIDs))
	}

	// The message register, read straight from the file: every message
	// decided, each delivered, and the same set as in the spool.
	bdb, err := bolt.Open(db, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	registered := map[string]bool{}
	perBooking := map[domain.BookingID]*expected{}
	err = bdb.View(func(tx *bolt.Tx) error {
		reg := tx.Bucket([]byte("messages"))
		if reg == nil {
			return errors.New("no messages bucket")
		}
		return reg.ForEach(func(k, v []byte) error {
			var rec struct {
				Booking     domain.BookingID   `json:"booking"`
				Kind        domain.MessageKind `json:"kind"`
				Purpose     domain.Purpose     `json:"purpose"`
				DeliveredAt time.Time          `json:"delivered_at"`
			}
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("messages/%s: %w", k, err)
			}
			registered[string(k)] = true
			if rec.DeliveredAt.IsZero() {
				t.Errorf("message %s is not recorded as delivered", k)
			}
			e := perBooking[rec.Booking]
			if e == nil {
				e = &expected{}
				perBooking[rec.Booking] = e
			}
			switch {
			case rec.Kind == domain.MessageInbox && rec.Purpose == domain.PurposeSummons:
				e.inbox++
			case rec.Kind == domain.MessageLetter && rec.Purpose == domain.PurposeSummons:
				e.summonsLetter++
			case rec.Kind == domain.MessageLetter && rec.Purpose == domain.PurposeFallback:
				e.fallback++
			case rec.Kind == domain.MessageSMS && rec.Purpose == domain.PurposeReminder4d:
				e.reminder4d++
			default:
				t.Errorf("message %s: %s with purpose %s", k, rec.Kind, rec.Purpose)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bookings {
		have := expected{}
		if e := perBooking[b.id]; e != nil {
			have = *e
		}
		if want := b.expected().messages(); have != want {
			t.Errorf("booking %d: message register has %+v, want %+v", b.id, have, want)
		}
	}
	var missing, extra []string
	for id := range registered {
		if !spoolIDs[id] {
			missing = append(missing, id)
		}
	}
	for id := range spoolIDs {
		if !registered[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Errorf("register and spool differ: registered but not in the spool %v; in the spool but not registered %v", missing, extra)
	}
	t.Logf("store: outbox empty, %d messages registered and delivered, events agree", len(registered))
}
