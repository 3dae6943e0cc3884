// Package sshserver serves Kallelse to the department over SSH, the way
// soft-serve serves its UI and CLI with wish: one process owns the BoltDB
// file and every terminal and script connects to it. A session with a
// terminal and no command gets its own terminal UI; a session with a command
// runs one verb of the CLI. Both act as the roster member who owns the key
// the client authenticated with.
//
// The package knows nothing of the TUI's or the CLI's insides: cmd plugs
// them in (Config.NewUI, Config.RunCommand), so arrows keep pointing inward.
//
// The session handler, read in order: refuse new sessions while shutting
// down; find the member by the key the connection authenticated with (in the
// current roster, so a key removed since is refused); register the session;
// log its start (user, kind, verb — never arguments, which may hold an
// identity number); run the UI or the command; log its end.
package sshserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/keygen"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/log"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"github.com/kallelse/kallelse/domain"
)

// Session is one SSH session as the UI and the CLI see it.
type Session struct {
	ID      string             // short id, for the logs and the access log
	Staff   domain.StaffMember // the roster member who owns the key
	Remote  string             // the client's address
	Command []string           // empty: the terminal UI
	PTY     bool               // the client asked for a terminal
	Term    string
	Width   int
	Height  int
	Environ []string
	In      io.Reader
	Out     io.Writer
	Err     io.Writer
	Ctx     context.Context // ends when the client goes or the server stops
}

// Config is what the server needs; cmd builds it.
type Config struct {
	// Listen is HOST:PORT; ":0" picks a free port (tests).
	Listen string
	// HostKeyPath is the ed25519 host key, created (mode 0600) when missing.
	HostKeyPath string
	// IdleTimeout closes a connection without traffic for this long (0: never).
	IdleTimeout time.Duration
	// Roster is asked at every authentication and session start, so a
	// reloaded roster takes effect for the next connection.
	Roster func() domain.Roster
	// Logger receives the server's diagnostic log (never patient data).
	Logger *log.Logger
	// NewUI builds the terminal UI of a session, drawn with r (this
	// session's colours), and a function that releases what it holds.
	NewUI func(s *Session, r *lipgloss.Renderer) (tea.Model, func())
	// RunCommand runs the session's command and returns its exit status.
	RunCommand func(s *Session) int
	// Goodbye is written to a terminal UI's screen when the server ends it
	// (shutdown, or its user's roster entry changed).
	Goodbye func(s *Session, why string) string
	// Words puts a refusal written to a session's stderr in the staff's
	// words, by its key (cli_ssh_internal_error, cli_ssh_unknown_key,
	// cli_ssh_shutting_down, and the banner shown before authentication,
	// cli_ssh_banner); nil writes them in English.
	Words func(key string) string
}

// SessionInfo describes a live session for `kallelse sessions`.
type SessionInfo struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Role    string    `json:"role"`
	Kind    string    `json:"kind"` // "tui" or "cli"
	Verb    string    `json:"verb"` // "" for a terminal UI
	Remote  string    `json:"remote"`
	Started time.Time `json:"started"`
}

// live is a registered session.
type live struct {
	info SessionInfo
	prog *tea.Program // nil for a command
	why  string       // why the server ended it, for the goodbye
}

// Server is the SSH server. It is safe for concurrent use.
type Server struct {
	cfg         Config
	srv         *ssh.Server
	fingerprint string
	createdKey  bool

	mu       sync.Mutex
	sessions map[string]*live
	closing  bool
	idle     chan struct{} // closed and renewed when the last session ends
	ln       net.Listener
}

// Extension keys of the authenticated connection's permissions.
const extFingerprint = "kallelse-key-fp"

// ErrUnknownKey refuses a client whose key is in nobody's roster entry.
var ErrUnknownKey = errors.New("public key not in the roster")

// New loads (or creates) the host key and builds the server; Listen and
// Serve start it.
func New(cfg Config) (*Server, error) {
	if cfg.Roster == nil || cfg.NewUI == nil || cfg.RunCommand == nil {
		return nil, errors.New("ssh server: Roster, NewUI and RunCommand are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = log.New(io.Discard)
	}
	signer, fp, created, err := hostKey(cfg.HostKeyPath)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, fingerprint: fp, createdKey: created, sessions: map[string]*live{}, idle: make(chan struct{})}
	srv, err := wish.NewServer(
		wish.WithAddress(cfg.Listen),
		wish.WithVersion("Kallelse"),
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		// Only public keys get in. A keyboard-interactive handler that
		// refuses everyone keeps the library from allowing no
		// authentication at all; the key check itself is PublicKeyCallback
		// below, which records the fingerprint in the permissions of the
		// key the client actually signed with.
		ssh.KeyboardInteractiveAuth(func(ssh.Context, gossh.KeyboardInteractiveChallenge) bool { return false }),
		wish.WithMiddleware(func(ssh.Handler) ssh.Handler { return s.handle }),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	srv.IdleTimeout = cfg.IdleTimeout
	srv.ServerConfigCallback = func(ssh.Context) *gossh.ServerConfig {
		return &gossh.ServerConfig{PublicKeyCallback: s.publicKey, MaxAuthTries: 6,
			// Shown before authentication, so that someone whose key is not
			// in the roster learns why ssh then says "Permission denied".
			BannerCallback: func(gossh.ConnMetadata) string {
				return s.words("cli_ssh_banner", "Kallelse: only staff whose key is in the roster get in; ask an administrator to add yours.") + "\n"
			}}
	}
	srv.ConnectionFailedCallback = func(c net.Conn, err error) {
		if !errors.Is(err, io.EOF) {
			cfg.Logger.Info("connection refused", "remote", c.RemoteAddr().String(), "why", err)
		}
	}
	s.srv = srv
	return s, nil
}

// hostKey reads the host key at path, creating an ed25519 one (mode 0600, in
// a 0700 folder) when there is none. A key others may read is refused, as
// sshd refuses one.
func hostKey(path string) (gossh.Signer, string, bool, error) {
	if path == "" {
		return nil, "", false, errors.New("ssh server: no host key path")
	}
	_, err := os.Stat(path)
	created := errors.Is(err, os.ErrNotExist)
	if created {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, "", false, fmt.Errorf("host key: %w", err)
		}
	}
	kp, err := keygen.New(path, keygen.WithKeyType(keygen.Ed25519), keygen.WithWrite())
	if err != nil {
		return nil, "", false, fmt.Errorf("host key %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, "", false, fmt.Errorf("host key %s: %w", path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, "", false, fmt.Errorf("host key %s has mode %v: others may read the server's private key; chmod 600 it", path, fi.Mode().Perm())
	}
	signer := kp.Signer()
	return signer, gossh.FingerprintSHA256(signer.PublicKey()), created, nil
}

// HostKeyFingerprint is the SHA256 fingerprint clients see on first connect.
func (s *Server) HostKeyFingerprint() string { return s.fingerprint }

// CreatedHostKey reports whether New made a new host key.
func (s *Server) CreatedHostKey() bool { return s.createdKey }

// Listen binds the configured address and returns the address bound.
func (s *Server) Listen() (net.Addr, error) {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("ssh server: listen on %s: %w", s.cfg.Listen, err)
	}
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	return ln.Addr(), nil
}

// Serve accepts connections until Shutdown; it returns nil after a shutdown.
func (s *Server) Serve() error {
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	if ln == nil {
		return errors.New("ssh server: Serve before Listen")
	}
	err := s.srv.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// publicKey admits a key that is in the roster and records its fingerprint
// in the permissions of this very key: x/crypto hands the session the
// permissions of the key the client signed with, not of the last one it
// offered (CVE-2024-45337).
func (s *Server) publicKey(conn gossh.ConnMetadata, key gossh.PublicKey) (*gossh.Permissions, error) {
	fp := gossh.FingerprintSHA256(key)
	if _, ok := s.cfg.Roster().ByKey(fp); !ok {
		s.cfg.Logger.Debug("key not in the roster", "remote", conn.RemoteAddr().String(), "key", fp)
		return nil, ErrUnknownKey
	}
	return &gossh.Permissions{Extensions: map[string]string{extFingerprint: fp}}, nil
}

// member finds the roster member behind the session's authenticated key.
func (s *Server) member(sess ssh.Session) (domain.StaffMember, string, bool) {
	conn, ok := sess.Context().Value(ssh.ContextKeyConn).(*gossh.ServerConn)
	if !ok || conn.Permissions == nil {
		return domain.StaffMember{}, "", false
	}
	fp := conn.Permissions.Extensions[extFingerprint]
	if fp == "" {
		return domain.StaffMember{}, "", false
	}
	m, ok := s.cfg.Roster().ByKey(fp)
	return m, fp, ok
}

// words is a refusal in the staff's words (Config.Words), or english.
func (s *Server) words(key, english string) string {
	if s.cfg.Words != nil {
		return s.cfg.Words(key)
	}
	return english
}

// handle is the whole middleware chain; see the package comment. A panic
// in one session ends that session, never the server the department works in.
func (s *Server) handle(sess ssh.Session) {
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Logger.Error("session panicked; the session was ended", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			fmt.Fprintln(sess.Stderr(), "kallelse: "+s.words("cli_ssh_internal_error", "an internal error ended this session; nothing half-done was stored"))
			_ = sess.Exit(70)
		}
	}()
	remote := sess.RemoteAddr().String()
	m, fp, ok := s.member(sess)
	if !ok {
		s.cfg.Logger.Warn("session refused: key not in the roster", "remote", remote, "key", fp)
		fmt.Fprintln(sess.Stderr(), "kallelse: "+s.words("cli_ssh_unknown_key", "your key is not in the roster; ask an administrator"))
		_ = sess.Exit(1)
		return
	}
	pty, winch, isPTY := sess.Pty()
	id := sessionID(sess)
	kind := "cli"
	if isPTY && len(sess.Command()) == 0 {
		kind = "tui"
	}
	l := &live{info: SessionInfo{ID: id, User: m.User, Role: string(m.Role), Kind: kind, Verb: VerbOf(sess.Command()),
		Remote: remote, Started: time.Now().In(domain.Stockholm)}}
	if !s.register(l) {
		fmt.Fprintln(sess.Stderr(), "kallelse: "+s.words("cli_ssh_shutting_down", "the server is shutting down; try again in a moment"))
		_ = sess.Exit(1)
		return
	}
	defer s.unregister(id)
	logger := s.cfg.Logger.With("session", id, "user", m.User, "role", string(m.Role), "kind", kind)
	logger.Info("session start", "remote", remote, "verb", l.info.Verb)
	start := time.Now()
	ks := &Session{ID: id, Staff: m, Remote: remote, Command: sess.Command(), PTY: isPTY, Term: pty.Term,
		Width: pty.Window.Width, Height: pty.Window.Height, Environ: sess.Environ(),
		In: sess, Out: sess, Err: sess.Stderr(), Ctx: sess.Context()}
	code := 0
	if kind == "tui" {
		code = s.runUI(sess, ks, l, winch)
	} else {
		if isPTY {
			go drain(winch)
		}
		code = s.cfg.RunCommand(ks)
	}
	logger.Info("session end", "exit", code, "duration", time.Since(start).Round(time.Millisecond))
	_ = sess.Exit(code)
}

// runUI runs the terminal UI until its user quits, the client goes, or the
// server ends it; then it says why, on the normal screen.
func (s *Server) runUI(sess ssh.Session, ks *Session, l *live, winch <-chan ssh.Window) int {
	r := newRenderer(sess, ks.Term)
	m, release := s.cfg.NewUI(ks, r)
	if release != nil {
		defer release()
	}
	p := tea.NewProgram(m, tea.WithInput(sess), tea.WithOutput(sess), tea.WithAltScreen(),
		tea.WithoutSignalHandler(), tea.WithEnvironment(append(sess.Environ(), "TERM="+ks.Term)))
	s.mu.Lock()
	l.prog = p
	why := l.why
	s.mu.Unlock()
	if why != "" { // ended before it began
		return 0
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-sess.Context().Done():
				p.Quit()
				return
			case w, ok := <-winch:
				if !ok {
					return
				}
				p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			}
		}
	}()
	_, err := p.Run()
	s.mu.Lock()
	why = l.why
	s.mu.Unlock()
	if why != "" && s.cfg.Goodbye != nil {
		fmt.Fprintln(sess, s.cfg.Goodbye(ks, why))
	}
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		s.cfg.Logger.Error("terminal UI failed", "session", ks.ID, "err", err)
		return 1
	}
	return 0
}

// drain empties a terminal's resize channel for a command session, whose
// client may still resize: an unread channel would stall the connection.
func drain(winch <-chan ssh.Window) {
	for range winch {
	}
}

// sshEnviron lets termenv read the client's TERM and COLORTERM, not the
// server's.
type sshEnviron []string

func (e sshEnviron) Environ() []string { return e }

func (e sshEnviron) Getenv(k string) string {
	for i := len(e) - 1; i >= 0; i-- {
		if key, v, ok := strings.Cut(e[i], "="); ok && key == k {
			return v
		}
	}
	return ""
}

// newRenderer is the session's own renderer: its colour profile comes from
// the client's terminal, not from the server's (a global lipgloss style
// would take the server's, wrong over SSH).
func newRenderer(sess ssh.Session, term string) *lipgloss.Renderer {
	env := sshEnviron(append(sess.Environ(), "TERM="+term))
	r := lipgloss.NewRenderer(sess, termenv.WithEnvironment(env), termenv.WithUnsafe(), termenv.WithColorCache(true))
	// Asking the client for its background colour would race the UI for
	// the session's input; clinic terminals are dark or light, the theme's
	// adaptive colours read on both.
	r.SetHasDarkBackground(true)
	return r
}

// VerbOf names a command by its leading words ("booking list"), after
// any global flags, never its arguments: those may be identity numbers,
// and the log is diagnostic.
func VerbOf(cmd []string) string {
	var words []string
	for i := 0; i < len(cmd) && len(words) < 2; i++ {
		w := cmd[i]
		if len(words) == 0 && strings.HasPrefix(w, "--") {
			// A global flag before the verb (--lang en): skipped, with
			// its value when it is not given with "=".
			if !strings.Contains(w, "=") && i+1 < len(cmd) && !strings.HasPrefix(cmd[i+1], "-") && w != "--help" && w != "--version" {
				i++
			}
			continue
		}
		if !isWord(w) {
			break
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

func isWord(w string) bool {
	if w == "" || len(w) > 20 || w[0] < 'a' || w[0] > 'z' {
		return false
	}
	for _, r := range w {
		if !(r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return true
}

// sessionID is a short, unique handle for a session: the first bytes of the
// SSH session id and the channel's order in the connection would do, but
// one connection may open several sessions, so a counter disambiguates.
func sessionID(sess ssh.Session) string {
	id := sess.Context().SessionID()
	if len(id) > 8 {
		id = id[:8]
	}
	return fmt.Sprintf("%s-%d", id, nextSeq())
}

var (
	seqMu sync.Mutex
	seq   int
)

func nextSeq() int {
	seqMu.Lock()
	defer seqMu.Unlock()
	seq++
	return seq
}

func (s *Server) register(l *live) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.sessions[l.info.ID] = l
	return true
}

func (s *Server) unregister(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
	if len(s.sessions) == 0 {
		close(s.idle)
		s.idle = make(chan struct{})
	}
}

// Sessions lists the live sessions, oldest first.
func (s *Server) Sessions() []SessionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SessionInfo, 0, len(s.sessions))
	for _, l := range s.sessions {
		out = append(out, l.info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out
}

// EndSessionsOf ends the terminal UIs of these users, saying why; their
// commands finish on their own (they run one verb). It returns how many UIs
// were told to quit.
func (s *Server) EndSessionsOf(users []string, why string) int {
	end := map[string]bool{}
	for _, u := range users {
		end[u] = true
	}
	s.mu.Lock()
	var progs []*tea.Program
	for _, l := range s.sessions {
		if end[l.info.User] && l.info.Kind == "tui" && l.why == "" {
			l.why = why
			if l.prog != nil {
				progs = append(progs, l.prog)
			}
		}
	}
	s.mu.Unlock()
	for _, p := range progs {
		p.Quit()
	}
	return len(progs)
}

// Shutdown stops accepting connections and sessions, asks every terminal UI
// to quit (the command or transaction in hand finishes first) and waits for
// the sessions to end, or for ctx; then it closes what is left.
func (s *Server) Shutdown(ctx context.Context, why string) error {
	s.mu.Lock()
	s.closing = true
	var progs []*tea.Program
	for _, l := range s.sessions {
		if l.info.Kind == "tui" && l.why == "" {
			l.why = why
			if l.prog != nil {
				progs = append(progs, l.prog)
			}
		}
	}
	idle := s.idle
	n := len(s.sessions)
	s.mu.Unlock()
	// Closing the listener first: no new connection while we wait.
	shut := make(chan error, 1)
	go func() { shut <- s.srv.Shutdown(ctx) }()
	for _, p := range progs {
		p.Quit()
	}
	if n > 0 {
		select {
		case <-idle:
		case <-ctx.Done():
		}
	}
	select {
	case err := <-shut:
		if err == nil || errors.Is(err, ssh.ErrServerClosed) {
			return nil
		}
		_ = s.srv.Close()
		return nil
	case <-ctx.Done():
		// Connections still open without a session (or stuck): close them.
		_ = s.srv.Close()
		<-shut
		return ctx.Err()
	}
}
