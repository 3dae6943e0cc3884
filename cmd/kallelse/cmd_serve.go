package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/log"
	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/adapters/config"
	"github.com/kallelse/kallelse/adapters/sshserver"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui"
)

// shutdownGrace is how long serve waits for sessions to finish before it
// closes what is left.
const shutdownGrace = 30 * time.Second

func (a *app) serveCommand() *cobra.Command {
	var listen string
	c := &cobra.Command{
		Use:   "serve [--listen HOST:PORT]",
		Short: "Serve the department over SSH: the terminal UI and the CLI for every user, with the loop running",
		Long: `Hold the database, run the background loop, and serve everyone over SSH:
a terminal that connects gets its own terminal UI, a command (ssh HOST booking
list --json) runs the same CLI verb against this database, each as the roster
member who owns the key the client used (server.listen, default loopback;
see the README to open it to the clinic's network).

On first start it creates the host key (mode 0600) and prints its
fingerprint. SIGHUP (systemctl reload) reloads the roster; a changed roster
file is also read at the next connection. SIGINT or SIGTERM stops accepting,
lets the sessions finish the transaction in hand and say goodbye, stops the
loop and closes the file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.localOnly("serve", "cli_why_serve_local"); err != nil {
				return err
			}
			return a.serve(listen)
		},
	}
	c.Flags().StringVar(&listen, "listen", "", "address to listen on (default server.listen, 127.0.0.1:23234)")
	return c
}

// redactingWriter keeps identity numbers out of the diagnostic log.
type redactingWriter struct{ w io.Writer }

func (r redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, domain.RedactIdentities(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// serverLog is serve's diagnostic log: timestamps, levels, key=value pairs,
// identity numbers redacted.
func serverLog(w io.Writer) *log.Logger {
	return log.NewWithOptions(redactingWriter{w}, log.Options{ReportTimestamp: true, TimeFormat: time.DateTime, Prefix: "kallelse serve"})
}

func (a *app) serve(listenFlag string) error {
	a.mayCreate = true
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	base, err := a.baseService()
	if err != nil {
		return err
	}
	l, inbox, err := a.loop()
	if err != nil {
		return err
	}
	logger := serverLog(a.stderr)
	var nb *nightly
	if cfg.Backup.Dir != "" {
		if nb, err = newNightly(a.store, cfg.Backup.Dir, cfg.Backup.Keep, cfg.Backup.AtClock(), base.Clock.Now(), logger); err != nil {
			return errT("cli_err_backup_dir", cfg.Backup.Dir, err)
		}
		nb.done = a.afterBackup
	}
	r := &runner{loop: l, inbox: inbox, hub: base.Hub, afterTick: func(rep service.TickReport, err error) {
		logTick(logger, rep, err)
		if nb != nil {
			nb.maybe(a.ctx, base.Clock.Now())
		}
		if a.afterTick != nil {
			a.afterTick(rep)
		}
	}}
	listen := cfg.Server.Listen
	if listenFlag != "" {
		listen = listenFlag
	}
	hostKey := cfg.Server.HostKey
	if hostKey == "" {
		hostKey = filepath.Join(filepath.Dir(a.store.Path()), "ssh_host_ed25519_key")
	}
	roster := &rosterHolder{r: cfg.Roster(), src: a.configSource(), logger: logger}
	roster.mtime = roster.fileTime()
	st := &serverState{cfg: cfg, store: a.store, base: base, run: r, lang: a.lang(), roster: roster.get}
	srv, err := sshserver.New(sshserver.Config{
		Listen: listen, HostKeyPath: hostKey, IdleTimeout: cfg.Server.IdleTimeout,
		Roster: roster.get, Logger: logger,
		NewUI: func(s *sshserver.Session, rend *lipgloss.Renderer) (tea.Model, func()) {
			svc := st.base.For(s.Staff.Principal(), service.NewSession(s.ID, service.ViaSSHTUI))
			c := common.NewCommon(s.Ctx, backend(s.Ctx, svc), st.lang, rend)
			c.Width, c.Height = s.Width, s.Height
			m := tui.New(c, true)
			return m, m.Close
		},
		RunCommand: func(s *sshserver.Session) int { return runRemote(st, s) },
		Goodbye:    func(_ *sshserver.Session, why string) string { return i18n.T(st.lang, why) },
		Words:      func(key string) string { return i18n.T(st.lang, key) },
	})
	if err != nil {
		return err
	}
	st.srv = srv
	roster.onChange = func(users []string) {
		// Someone taken off the roster is told so, not to connect again.
		var removed, changed []string
		now := roster.get()
		for _, u := range users {
			if _, ok := now.ByUser(u); ok {
				changed = append(changed, u)
			} else {
				removed = append(removed, u)
			}
		}
		n := srv.EndSessionsOf(removed, "goodbye_removed") + srv.EndSessionsOf(changed, "goodbye_roster")
		if n > 0 {
			logger.Info("roster changed: ended sessions", "users", strings.Join(users, ","), "sessions", n)
		}
	}
	addr, err := srv.Listen()
	if err != nil {
		return err
	}
	a.announce(addr.String(), hostKey, srv, cfg)
	if err := writeServerInfo(a.store.Path(), serverInfo{PID: os.Getpid(), Listen: addr.String(),
		Fingerprint: srv.HostKeyFingerprint(), Started: time.Now()}); err != nil {
		logger.Warn("could not leave the connection note next to the database", "err", err)
	}
	defer os.Remove(serverInfoPath(a.store.Path()))
	if a.afterListen != nil {
		a.afterListen(addr.String())
	}

	ctx, stop := signal.NotifyContext(a.ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	loopCtx, stopLoop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.run(loopCtx, cfg.Loop.Interval, time.Second) }()
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()

	var serveErr error
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case <-hup:
			roster.reload("SIGHUP")
		case serveErr = <-served:
			break wait
		}
	}
	logger.Info("stopping: no new connections; sessions finish what they are doing")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx, "goodbye_shutdown"); err != nil {
		logger.Warn("sessions still open after the grace period were closed", "err", err)
	}
	stopLoop()
	wg.Wait() // the loop finishes the transaction in hand
	fmt.Fprintln(a.stderr, "kallelse serve: "+a.T("cli_serve_stopped"))
	return serveErr
}

// announce tells the operator where the server listens, its host key's
// fingerprint, and how to let people in.
func (a *app) announce(addr, hostKey string, srv *sshserver.Server, cfg *config.Config) {
	say := func(key string, args ...any) { fmt.Fprintln(a.stderr, "kallelse serve: "+a.T(key, args...)) }
	say("cli_serve_database", a.store.Path(), a.spoolDir(), cfg.Loop.Interval)
	if cfg.Backup.Dir != "" {
		say("cli_serve_backup", cfg.Backup.At, cfg.Backup.Dir, cfg.Backup.Keep)
	} else {
		say("cli_serve_no_backup")
	}
	say("cli_serve_listening", addr)
	if srv.CreatedHostKey() {
		say("cli_serve_created_key", hostKey)
	}
	say("cli_serve_fingerprint", srv.HostKeyFingerprint())
	n := cfg.Roster().Len()
	if n == 0 {
		say("cli_serve_roster_empty", a.configSource().File)
		fmt.Fprintf(a.stderr, "\n  [staff.%s]\n  name = \"…\"\n  role = \"admin\"            # sekreterare | koordinator | admin\n  keys = [\"%s\"]\n\n",
			rosterName(a.osLogin()), a.ownPublicKey())
		fmt.Fprintln(a.stderr, a.T("cli_serve_reload_hint", os.Getpid()))
	} else {
		say("cli_serve_roster", n, sshCommand(addr, nil))
	}
	if !strings.HasPrefix(addr, "127.") && !strings.HasPrefix(addr, "[::1]") && !strings.HasPrefix(addr, "localhost") {
		say("cli_serve_beyond")
	}
}

// rosterName is a login as a roster user name would be written.
func rosterName(login string) string {
	switch login {
	case "", "root", "kallelse": // the server's own accounts are nobody's name
		return "anna"
	}
	return strings.ToLower(login)
}

// ownPublicKey is the operator's own public key, to paste into the roster.
func (a *app) ownPublicKey() string {
	home := a.getenv("HOME")
	for _, name := range []string{"id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"} {
		if b, err := os.ReadFile(filepath.Join(home, ".ssh", name)); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return a.T("cli_serve_key_placeholder")
}

// configSource is where this invocation reads its configuration.
func (a *app) configSource() config.Source {
	path := a.configPath
	if path == "" {
		path = a.defaultConfigPath()
	}
	return config.Source{File: path, Required: a.configExplicit || a.getenv("KALLELSE_CONFIG") != "", Environ: a.environ}
}

func logTick(logger *log.Logger, rep service.TickReport, err error) {
	if err != nil {
		logger.Error("tick failed", "err", err)
		return
	}
	for _, e := range rep.ReceiptErrs {
		logger.Error("receipt", "err", e)
	}
	for _, f := range rep.FireFailures {
		logger.Error("timer", "booking", f.Booking, "err", f.Err)
	}
	if rep.Receipts+rep.Duplicates+rep.Quarantined+rep.Fired+rep.Delivered+rep.DeliveryErrs > 0 {
		logger.Info("tick", "receipts", rep.Receipts, "duplicates", rep.Duplicates, "quarantined", rep.Quarantined,
			"fired", rep.Fired, "delivered", rep.Delivered, "delivery_errors", rep.DeliveryErrs,
			"waiting", rep.Waiting, "failing", rep.Failing)
	}
}

// rosterHolder keeps the current roster and reloads it from the
// configuration on SIGHUP or when the file changed; a configuration that no
// longer loads keeps the roster in force and says why.
type rosterHolder struct {
	mu       sync.Mutex
	r        domain.Roster
	src      config.Source
	mtime    time.Time
	logger   *log.Logger
	onChange func(users []string)
}

func (h *rosterHolder) fileTime() time.Time {
	if h.src.File == "" {
		return time.Time{}
	}
	fi, err := os.Stat(h.src.File)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}

// get is the roster in force, reloaded first if the file changed.
func (h *rosterHolder) get() domain.Roster {
	if t := h.fileTime(); !t.Equal(h.current().mtime) {
		h.reload("the configuration file changed")
	}
	return h.current().r
}

type rosterNow struct {
	r     domain.Roster
	mtime time.Time
}

func (h *rosterHolder) current() rosterNow {
	h.mu.Lock()
	defer h.mu.Unlock()
	return rosterNow{h.r, h.mtime}
}

func (h *rosterHolder) reload(why string) {
	t := h.fileTime()
	r, err := config.LoadRoster(h.src)
	h.mu.Lock()
	h.mtime = t // a broken file is reported once, not at every connection
	if err != nil {
		h.mu.Unlock()
		h.logger.Error("roster not reloaded: the configuration does not load; the roster in force stays", "why", why, "err", err)
		return
	}
	old := h.r
	h.r = r
	h.mu.Unlock()
	changed := r.Changed(old)
	h.logger.Info("roster reloaded", "why", why, "staff", r.Len(), "changed", strings.Join(changed, ","))
	if len(changed) > 0 && h.onChange != nil {
		h.onChange(changed)
	}
}

var errNotServing = errT("cli_err_not_serving")
