package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	gossh "golang.org/x/crypto/ssh"

	"github.com/kallelse/kallelse/domain"
)

// The helpers of the server tests: a real `kallelse serve` in this process
// on a free loopback port, with a roster of generated keys, and clients
// that speak SSH with golang.org/x/crypto/ssh — a terminal session for the
// TUI, a command session for the CLI.

// syncBuffer is a bytes.Buffer for several writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// staffKey is a roster member's generated key.
type staffKey struct {
	role   domain.Role
	signer gossh.Signer
	line   string
}

func newStaffKey(t testing.TB, role domain.Role) staffKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := gossh.NewPublicKey(pub)
	return staffKey{role: role, signer: s, line: strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk)))}
}

// testServer is a running `kallelse serve`.
type testServer struct {
	t       testing.TB
	dir     string
	db      string
	config  string
	env     []string
	addr    string
	staff   map[string]staffKey
	log     *syncBuffer
	stop    context.CancelFunc
	stopped chan int

	extraConfig string // TOML added after the roster
}

// testPNR is a valid personnummer of 1950–1999 for serial n.
func testPNR(n int) string {
	s := fmt.Sprintf("%04d%02d%02d%03d", 1950+n%50, 1+n/50%12, 1+n/600%28, 100+n%900)
	return s[:8] + "-" + s[8:] + fmt.Sprint(domain.LuhnCheckDigit(s[2:11]))
}

// writeRoster writes the configuration with the staff's keys.
func writeRoster(t testing.TB, path string, staff map[string]staffKey, extra string) {
	t.Helper()
	var b strings.Builder
	for user, k := range staff {
		fmt.Fprintf(&b, "[staff.%s]\nname = %q\nrole = %q\nkeys = [%q]\n", user, strings.ToUpper(user[:1])+user[1:], k.role, k.line)
	}
	b.WriteString(extra)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// local runs a command on the server's machine as ada, the admin (her
// login is "ada" in the roster).
func (s *testServer) local(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	a := &app{ctx: context.Background(), stdout: &out, stderr: &errb, environ: s.env, args: args,
		loginName: func() string { return "ada" }}
	code := run(a, append([]string{"--db", s.db, "--config", s.config}, args...))
	return out.String(), errb.String(), code
}

// startServer imports the patients (csv body, without header), runs the
// setup commands, then starts serve and waits until it listens.
func startServer(t testing.TB, staff map[string]staffKey, patients string, setup ...[]string) *testServer {
	t.Helper()
	return startServerWith(t, "", staff, patients, setup...)
}

// startServerWith is startServer with more configuration after the roster.
func startServerWith(t testing.TB, extraConfig string, staff map[string]staffKey, patients string, setup ...[]string) *testServer {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	if given := os.Getenv("KALLELSE_SERVE_DB"); given != "" && len(setup) > 0 && setup[0][0] == "demo" {
		// A benchmark on a database built before (a million bookings take
		// minutes to make): served as it is, the setup skipped.
		db, setup = given, nil
	}
	s := &testServer{t: t, dir: dir, db: db, config: filepath.Join(dir, "config.toml"),
		env: []string{"HOME=" + dir, "KALLELSE_NOW=2026-11-25T10:00"}, staff: staff, log: &syncBuffer{}, stopped: make(chan int, 1),
		extraConfig: extraConfig}
	if _, ok := staff["ada"]; !ok {
		staff["ada"] = newStaffKey(t, domain.RoleAdmin)
	}
	writeRoster(t, s.config, staff, s.extraConfig)
	if patients != "" {
		csv := filepath.Join(dir, "p.csv")
		if err := os.WriteFile(csv, []byte("identity,name,address,postal_code,city,phone,has_1177_account,notifications_enabled,sms_reminders\n"+patients), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, errs, code := s.local("patient", "import", csv); code != 0 {
			t.Fatalf("import: %d %s", code, errs)
		}
	}
	for _, args := range setup {
		if _, errs, code := s.local(args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, errs)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	listening := make(chan string, 1)
	a := &app{ctx: ctx, stdout: io.Discard, stderr: s.log, environ: s.env, loginName: func() string { return "ada" },
		afterListen: func(addr string) { listening <- addr }}
	go func() {
		s.stopped <- run(a, []string{"--db", s.db, "--config", s.config, "serve", "--listen", "127.0.0.1:0"})
	}()
	select {
	case s.addr = <-listening:
	case code := <-s.stopped:
		t.Fatalf("serve exited %d: %s", code, s.log.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not listen: %s", s.log.String())
	}
	t.Cleanup(s.shutdown)
	return s
}

// shutdown stops serve as SIGTERM would and waits for it.
func (s *testServer) shutdown() {
	s.stop()
	select {
	case code := <-s.stopped:
		if code != 0 {
			s.t.Errorf("serve exited %d: %s", code, s.log.String())
		}
		s.stopped <- code // for a second call
	case <-time.After(60 * time.Second):
		s.t.Fatalf("serve did not stop: %s", s.log.String())
	}
}

func (s *testServer) dial(user string) (*gossh.Client, error) {
	k, ok := s.staff[user]
	if !ok {
		return nil, fmt.Errorf("no key for %s", user)
	}
	return s.dialKey(k.signer)
}

func (s *testServer) dialKey(key gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", s.addr, &gossh.ClientConfig{User: "terminal", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 20 * time.Second})
}

// ssh runs one CLI command as user and returns stdout, stderr and the exit status.
func (s *testServer) ssh(user, stdin string, args ...string) (string, string, int) {
	s.t.Helper()
	c, err := s.dial(user)
	if err != nil {
		s.t.Fatalf("dial %s: %v", user, err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		s.t.Fatalf("session: %v", err)
	}
	defer sess.Close()
	var out, errb bytes.Buffer
	sess.Stdout, sess.Stderr, sess.Stdin = &out, &errb, strings.NewReader(stdin)
	err = sess.Run(strings.Join(args, " "))
	code := 0
	var ee *gossh.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitStatus()
	case err != nil:
		s.t.Fatalf("%v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// bookingJSON reads a booking as ada sees it.
func (s *testServer) booking(id int) bookingJSON {
	s.t.Helper()
	out, errs, code := s.ssh("ada", "", "booking", "show", fmt.Sprint(id), "--json")
	if code != 0 {
		s.t.Fatalf("booking show %d: %d %s", id, code, errs)
	}
	var b bookingJSON
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		s.t.Fatal(err)
	}
	return b
}

// access reads the access log of one patient as ada (which logs her reading).
func (s *testServer) access(patient string) []accessJSON {
	s.t.Helper()
	out, errs, code := s.ssh("ada", "", "audit", "--patient", patient, "--format", "json")
	if code != 0 {
		s.t.Fatalf("audit: %d %s", code, errs)
	}
	var es []accessJSON
	if err := json.Unmarshal([]byte(out), &es); err != nil {
		s.t.Fatalf("%v: %s", err, out)
	}
	return es
}

// terminal is a TUI session: keys in, the screen's text out.
type terminal struct {
	t      testing.TB
	client *gossh.Client
	sess   *gossh.Session
	in     io.WriteCloser

	mu     sync.Mutex
	text   strings.Builder // everything drawn, escape sequences removed
	raw    bytes.Buffer
	notify chan struct{}
	done   chan struct{}
}

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78]`)

func (s *testServer) openTUI(user string, w, h int) *terminal {
	s.t.Helper()
	c, err := s.dial(user)
	if err != nil {
		s.t.Fatalf("dial %s: %v", user, err)
	}
	sess, err := c.NewSession()
	if err != nil {
		s.t.Fatal(err)
	}
	out, err := sess.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		s.t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		s.t.Fatal(err)
	}
	tm := &terminal{t: s.t, client: c, sess: sess, in: in, notify: make(chan struct{}, 1), done: make(chan struct{})}
	go tm.read(out)
	return tm
}

func (tm *terminal) read(r io.Reader) {
	defer close(tm.done)
	b := make([]byte, 32*1024)
	var pending []byte
	for {
		n, err := r.Read(b)
		if n > 0 {
			tm.mu.Lock()
			tm.raw.Write(b[:n])
			// Keep an unfinished escape sequence for the next read.
			pending = append(pending, b[:n]...)
			cut := len(pending)
			if i := bytes.LastIndexByte(pending, 0x1b); i >= 0 && len(pending)-i < 32 && !ansiRE.Match(pending[i:]) {
				cut = i
			}
			tm.text.WriteString(ansiRE.ReplaceAllString(string(pending[:cut]), ""))
			pending = append([]byte(nil), pending[cut:]...)
			tm.mu.Unlock()
			select {
			case tm.notify <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// mark is the length of the text so far: waitFor(after mark) ignores
// what was drawn before.
func (tm *terminal) mark() int {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.text.Len()
}

// waitFor waits until the text drawn after mark contains want.
func (tm *terminal) waitFor(mark int, want string) {
	tm.t.Helper()
	tm.waitForAny(mark, want)
}

// waitForAny waits until one of wants is on the screen after mark and
// returns it.
func (tm *terminal) waitForAny(mark int, wants ...string) string {
	tm.t.Helper()
	want := strings.Join(wants, `" or "`)
	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	for {
		tm.mu.Lock()
		got := tm.text.String()[mark:]
		tm.mu.Unlock()
		for _, w := range wants {
			if strings.Contains(got, w) {
				return w
			}
		}
		select {
		case <-tm.notify:
		case <-tm.done:
			tm.mu.Lock()
			got = tm.text.String()[mark:]
			tm.mu.Unlock()
			for _, w := range wants {
				if strings.Contains(got, w) {
					return w
				}
			}
			tm.t.Fatalf("session ended without %q; last screen text: %q", want, tail(got, 600))
			return ""
		case <-deadline.C:
			tm.t.Fatalf("no %q on the screen; last text: %q", want, tail(got, 600))
		}
	}
}

func (tm *terminal) since(mark int) string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.text.String()[mark:]
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// keys types keys as a terminal sends them.
func (tm *terminal) keys(s string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.in, s); err != nil {
		tm.t.Fatalf("typing %q: %v", s, err)
	}
}

// close ends the session from the client's side; closing twice is fine.
func (tm *terminal) close() {
	_ = tm.sess.Close()
	_ = tm.client.Close()
	<-tm.done
}

// noLeaks checks, after every other cleanup (the server's shutdown among
// them), that no goroutine the test started is left behind.
func noLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}
