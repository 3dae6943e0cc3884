package sshserver

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"go.uber.org/goleak"
	gossh "golang.org/x/crypto/ssh"

	"github.com/kallelse/kallelse/domain"
)

// noLeaks checks, after every other cleanup of the test (the server's
// shutdown among them), that no goroutine the test started is left.
func noLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// testKey is a client key pair.
func testKey(t *testing.T) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, gossh.FingerprintSHA256(s.PublicKey())
}

// uiModel is a stand-in terminal UI: it draws its user and size.
type uiModel struct {
	user string
	w, h int
}

func (m uiModel) Init() tea.Cmd { return nil }

func (m uiModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.KeyMsg:
		if msg.String() == "q" {
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m uiModel) View() string { return fmt.Sprintf("hello %s %dx%d", m.user, m.w, m.h) }

type fixture struct {
	srv      *Server
	addr     string
	roster   domain.Roster
	anna     gossh.Signer
	released chan string
}

func start(t *testing.T) *fixture {
	t.Helper()
	anna, annaFP := testKey(t)
	r, err := domain.NewRoster([]domain.StaffMember{{User: "anna", Role: domain.RoleSekreterare, Keys: []string{annaFP}}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{roster: r, anna: anna, released: make(chan string, 10)}
	var mu sync.Mutex
	srv, err := New(Config{
		Listen:      "127.0.0.1:0",
		HostKeyPath: filepath.Join(t.TempDir(), "keys", "host_ed25519"),
		Roster: func() domain.Roster {
			mu.Lock()
			defer mu.Unlock()
			return f.roster
		},
		NewUI: func(s *Session, _ *lipgloss.Renderer) (tea.Model, func()) {
			return uiModel{user: s.Staff.User, w: s.Width, h: s.Height}, func() { f.released <- s.ID }
		},
		RunCommand: func(s *Session) int {
			data, _ := io.ReadAll(s.In)
			fmt.Fprintf(s.Out, "%s ran %s with %d bytes\n", s.Staff.User, strings.Join(s.Command, " "), len(data))
			if len(s.Command) > 0 && s.Command[0] == "fail" {
				fmt.Fprintln(s.Err, "failed on purpose")
				return 3
			}
			return 0
		},
		Goodbye: func(s *Session, why string) string { return "goodbye " + s.Staff.User + ": " + why },
	})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	f.srv, f.addr = srv, addr.String()
	go func() { _ = srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx, "test over")
	})
	return f
}

func (f *fixture) dial(t *testing.T, key gossh.Signer) (*gossh.Client, error) {
	t.Helper()
	return gossh.Dial("tcp", f.addr, &gossh.ClientConfig{
		User:            "whoever",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
}

func TestServer_HostKeyIsCreatedPrivate(t *testing.T) {
	noLeaks(t)
	path := filepath.Join(t.TempDir(), "k", "host")
	_, fp, created, err := hostKey(path)
	if err != nil || !created || !strings.HasPrefix(fp, "SHA256:") {
		t.Fatalf("%v %v %q", err, created, fp)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode().Perm(), err)
	}
	_, fp2, created, err := hostKey(path)
	if err != nil || created || fp2 != fp {
		t.Fatalf("second load: %v %v %q", err, created, fp2)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := hostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("readable host key accepted: %v", err)
	}
}

func TestServer_UnknownKeyIsRefusedBeforeAnySession(t *testing.T) {
	noLeaks(t)
	f := start(t)
	stranger, _ := testKey(t)
	c, err := f.dial(t, stranger)
	if err == nil {
		c.Close()
		t.Fatal("a key in nobody's roster entry got in")
	}
	if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("err = %v", err)
	}
	// No password, no keyboard-interactive: only keys. Before it refuses,
	// the server says why someone may be refused.
	var banner string
	_, err = gossh.Dial("tcp", f.addr, &gossh.ClientConfig{User: "anna", Auth: []gossh.AuthMethod{gossh.Password("anna")},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
		BannerCallback: func(m string) error { banner = m; return nil }})
	if err == nil {
		t.Fatal("a password got in")
	}
	if !strings.Contains(banner, "roster") {
		t.Errorf("banner %q: does not say who gets in", banner)
	}
}

func TestServer_CommandRunsAsTheKeysOwnerWithItsExitStatus(t *testing.T) {
	noLeaks(t)
	f := start(t)
	c, err := f.dial(t, f.anna)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	run := func(cmd, stdin string) (string, string, error) {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var out, errb bytes.Buffer
		s.Stdout, s.Stderr, s.Stdin = &out, &errb, strings.NewReader(stdin)
		err = s.Run(cmd)
		return out.String(), errb.String(), err
	}
	out, _, err := run("booking list --json", "abc")
	if err != nil || out != "anna ran booking list --json with 3 bytes\n" {
		t.Fatalf("out %q, %v", out, err)
	}
	_, stderr, err := run("fail now", "")
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 3 || stderr != "failed on purpose\n" {
		t.Fatalf("err %v, stderr %q", err, stderr)
	}
}

func TestServer_KeyRemovedFromTheRosterIsRefused(t *testing.T) {
	noLeaks(t)
	f := start(t)
	c, err := f.dial(t, f.anna)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f.roster, _ = domain.NewRoster(nil) // reloaded without anna, her connection still open
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var errb bytes.Buffer
	s.Stderr = &errb
	if err := s.Run("booking list"); err == nil || !strings.Contains(errb.String(), "not in the roster") {
		t.Fatalf("err %v, stderr %q", err, errb.String())
	}
	if _, err := f.dial(t, f.anna); err == nil {
		t.Fatal("a removed key connected")
	}
}

// screen reads a terminal session's output until it contains want.
func screen(t *testing.T, r io.Reader, want string) string {
	t.Helper()
	var buf bytes.Buffer
	done := make(chan error, 1)
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			buf.Write(b[:n])
			if strings.Contains(buf.String(), want) {
				done <- nil
				return
			}
			if err != nil {
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("waiting for %q: %v; got %q", want, err, buf.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no %q in %q", want, buf.String())
	}
	return buf.String()
}

func TestServer_TerminalGetsItsOwnUIResizedAndAGoodbye(t *testing.T) {
	noLeaks(t)
	f := start(t)
	c, err := f.dial(t, f.anna)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := s.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	screen(t, out, "hello anna 80x24")
	if err := s.WindowChange(15, 60); err != nil {
		t.Fatal(err)
	}
	screen(t, out, "hello anna 60x15")
	if got := f.srv.Sessions(); len(got) != 1 || got[0].User != "anna" || got[0].Kind != "tui" {
		t.Fatalf("sessions %+v", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- f.srv.Shutdown(ctx, "maintenance") }()
	screen(t, out, "goodbye anna: maintenance")
	if err := s.Wait(); err != nil {
		t.Fatalf("session ended with %v", err)
	}
	c.Close()
	if err := <-shut; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	select {
	case <-f.released:
	case <-time.After(10 * time.Second):
		t.Fatal("the UI's resources were not released")
	}
	if _, err := f.dial(t, f.anna); err == nil {
		t.Fatal("connected after shutdown")
	}
}

func TestServer_EndSessionsOfAUserWhoseEntryChanged(t *testing.T) {
	noLeaks(t)
	f := start(t)
	c, err := f.dial(t, f.anna)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, _ := c.NewSession()
	defer s.Close()
	out, _ := s.StdoutPipe()
	_ = s.RequestPty("xterm", 24, 80, gossh.TerminalModes{})
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	screen(t, out, "hello anna")
	if n := f.srv.EndSessionsOf([]string{"anna"}, "your role changed"); n != 1 {
		t.Fatalf("ended %d", n)
	}
	screen(t, out, "goodbye anna: your role changed")
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestVerbOf_NeverLogsArguments(t *testing.T) {
	for in, want := range map[string]string{
		"booking list --json":            "booking list",
		"patient show 19121212-1212":     "patient show",
		"19121212-1212":                  "",
		"book --patient 191212121212":    "book",
		"audit --patient 191212121212 x": "audit",
		"--lang en sessions":             "sessions", // a global flag first
		"--lang=en booking list":         "booking list",
		"--user 191212121212 whoami":     "whoami",
	} {
		if got := VerbOf(strings.Fields(in)); got != want {
			t.Errorf("VerbOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestServer_APanicEndsTheSessionNotTheServer(t *testing.T) {
	noLeaks(t)
	f := start(t)
	f.srv.cfg.RunCommand = func(s *Session) int {
		if len(s.Command) > 0 && s.Command[0] == "boom" {
			panic("a bug in a verb")
		}
		fmt.Fprintln(s.Out, "still here")
		return 0
	}
	c, err := f.dial(t, f.anna)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, cmd := range []string{"boom", "after"} {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		s.Stdout, s.Stderr = &out, &errb
		err = s.Run(cmd)
		s.Close()
		var ee *gossh.ExitError
		switch cmd {
		case "boom":
			if !errors.As(err, &ee) || ee.ExitStatus() != 70 || !strings.Contains(errb.String(), "internal error") {
				t.Fatalf("boom: %v %q", err, errb.String())
			}
		default:
			if err != nil || out.String() != "still here\n" {
				t.Fatalf("after the panic: %v %q", err, out.String())
			}
		}
	}
}
