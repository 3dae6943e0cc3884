package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/kallelse/kallelse/adapters/config"
	"github.com/kallelse/kallelse/adapters/inbox1177"
	"github.com/kallelse/kallelse/adapters/letters"
	"github.com/kallelse/kallelse/adapters/sms"
	"github.com/kallelse/kallelse/adapters/spoolfs"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
	"github.com/kallelse/kallelse/tui/i18n"
)

// Exit statuses, part of the CLI contract (the README's table).
const (
	exitOK       = 0
	exitError    = 1 // the command failed; nothing was changed unless it says so
	exitUsage    = 2 // wrong flags or arguments
	exitRejected = 3 // partial success: an import stored the valid rows but rejected some; a tick did the rest but a receipt, a timer or a delivery failed
	exitInvalid  = 4 // invalid input: the configuration, a file or a value is refused (or --db names no database); nothing was changed
	exitInUse    = 5 // the database is held by another process (kallelse serve, a TUI)
	exitDamaged  = 6 // the database file is damaged, truncated or not a Kallelse database, or check found a problem
)

// app is one invocation: its streams, environment, global flags and the
// resources opened for it. A command run over SSH is an app too, with
// remote set: it uses the server's store and loop and acts as the key's
// owner.
type app struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
	environ        []string
	args           []string // as given, for the message when serve holds the file

	dbPath, configPath, nowFlag, userFlag string
	langFlag                              string // --lang: sv, en, or "" for the configuration's
	configExplicit                        bool
	langSet                               bool      // lang decided (see lang)
	langVal                               i18n.Lang // the language decided
	via                                   string    // service.ViaCLI (default) or ViaTUI

	cfg   *config.Config
	store *storage.Store
	base  *service.Service // the ports and configuration, acting for nobody
	svc   *service.Service // base acting for this invocation's user

	remote    *remoteCtx    // a command over SSH
	loginName func() string // tests: the operating-system login

	afterTick        func(service.TickReport)          // tests: observe serve's ticks
	afterListen      func(addr string)                 // tests: learn serve's port
	afterBackup      func(storage.BackupResult, error) // tests: see serve's nightly copies
	bulkLoad         bool                              // demo: no fsync per commit, one Sync at the end
	mayCreate        bool                              // the verb may start a new database where none exists
	verb             string                            // the command run ("booking show"), once cobra has chosen it
	warnedDirections bool                              // the sites without a directions link were named once
	demo             bool                              // the database is the demo's (its own spool folder)
	warnedHSAID      bool                              // the placeholder HSA-id was warned of
}

// exitError carries a specific exit status through cobra.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string { return e.err.Error() }
func (e *exitCodeError) Unwrap() error { return e.err }

func (a *app) getenv(key string) string {
	for i := len(a.environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(a.environ[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// defaultDBPath is the database under the user's data directory:
// $XDG_DATA_HOME (or ~/.local/share) on Linux, ~/Library/Application Support
// on macOS, %LocalAppData% on Windows.
func (a *app) defaultDBPath() string {
	if v := a.getenv("KALLELSE_DB"); v != "" {
		return v
	}
	return filepath.Join(a.dataDir(), "kallelse", "kallelse.db")
}

func (a *app) dataDir() string {
	home := a.getenv("HOME")
	switch runtime.GOOS {
	case "windows":
		if d := a.getenv("LocalAppData"); d != "" {
			return d
		}
	case "darwin":
		if home != "" {
			return filepath.Join(home, "Library", "Application Support")
		}
	default:
		if d := a.getenv("XDG_DATA_HOME"); d != "" {
			return d
		}
		if home != "" {
			return filepath.Join(home, ".local", "share")
		}
	}
	return "."
}

func (a *app) defaultConfigPath() string {
	if v := a.getenv("KALLELSE_CONFIG"); v != "" {
		return v
	}
	switch runtime.GOOS {
	case "linux":
		if d := a.getenv("XDG_CONFIG_HOME"); d != "" {
			return filepath.Join(d, "kallelse", "config.toml")
		}
		if h := a.getenv("HOME"); h != "" {
			return filepath.Join(h, ".config", "kallelse", "config.toml")
		}
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "kallelse", "config.toml")
	}
	return "kallelse.toml"
}

// actor is the acting user of a single-user installation: --user,
// $KALLELSE_USER or the login name, each refused when no one may act as it
// (checkUserName).
func (a *app) actor() (string, error) {
	for _, src := range []struct{ name, v string }{{"--user", a.userFlag}, {"KALLELSE_USER", a.getenv("KALLELSE_USER")}} {
		if v := strings.TrimSpace(src.v); v != "" {
			return v, checkUserName(src.name, v)
		}
	}
	if login := strings.TrimSpace(a.osLogin()); login != "" {
		return login, checkUserName(wordsT("cli_user_source_login"), login)
	}
	return "okänd", nil
}

// clock is the fixed --now (or $KALLELSE_NOW) instant, or the system clock.
func (a *app) clock() (domain.Clock, error) {
	now, source := a.nowFlag, "--now"
	if now == "" {
		now, source = a.getenv("KALLELSE_NOW"), "KALLELSE_NOW"
	}
	if now == "" {
		return systemClock{}, nil
	}
	t, err := parseClock(source, now)
	if err != nil {
		return nil, err
	}
	return domain.FixedClock{T: t}, nil
}

// serviceNow reads svc's clock as it is when called: simulate --at plays
// it forward after the adapters are wired.
func serviceNow(svc *service.Service) func() time.Time {
	return func() time.Time { return svc.Clock.Now() }
}

// systemClock is the one place that reads the wall clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now().In(domain.Stockholm) }

func (a *app) loadConfig() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	path := a.configPath
	if path == "" {
		path = a.defaultConfigPath()
	}
	cfg, err := config.Load(config.Source{File: path, Required: a.configExplicit || a.getenv("KALLELSE_CONFIG") != "", Environ: a.environ})
	if err != nil {
		return nil, invalidT("cli_err_config", err)
	}
	a.cfg = cfg
	return cfg, nil
}

// baseService opens configuration, store and clock and wires the ports: a
// service acting for nobody, which the loop uses and from which every
// user's service is made.
func (a *app) baseService() (*service.Service, error) {
	if a.base != nil {
		return a.base, nil
	}
	if a.remote != nil {
		return a.remote.state.base, nil
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	clk, err := a.clock()
	if err != nil {
		return nil, err
	}
	st, err := a.openStore()
	if err != nil {
		return nil, err
	}
	if mark, err := st.Meta(demoMetaKey); err != nil {
		return nil, err
	} else if mark != "" {
		a.demo = true
	}
	dir := a.spoolDir()
	if err := a.checkSpool(dir, false); err != nil {
		return nil, err
	}
	if err := checkCatalogueInUse(a.ctx, st, cfg.Catalogue(), clk.Now()); err != nil {
		return nil, err
	}
	switches, _, err := a.rolloutSwitches()
	if err != nil {
		return nil, err
	}
	printer := letters.New(filepath.Join(dir, "print"))
	a.base = &service.Service{
		Store: st, Clock: clk, Catalogue: cfg.Catalogue(), Parser: cfg.IdentityParser(), Policy: cfg.PolicyOptions(),
		Clinic: cfg.ClinicInfo(), Schedule: cfg.DomainSchedule(), Hub: service.NewHub(),
		Print:      printFolder{printer},
		Switches:   switches,
		Quarantine: receiptQuarantine{inbox1177.New(filepath.Join(dir, "inbox1177"), "Kallelse")},
	}
	// The print folder's stamps (printed, withdrawn, the batch's date)
	// are the service's instant: --now in training, never the wall clock.
	printer.Clock = serviceNow(a.base)
	return a.base, nil
}

// service is the base service acting for this invocation's user (see
// principal), in a session of its own.
func (a *app) service() (*service.Service, error) {
	if a.svc != nil {
		return a.svc, nil
	}
	if a.remote != nil {
		a.svc = a.remote.state.base.For(a.remote.sess.Staff.Principal(), service.NewSession(a.remote.sess.ID, service.ViaSSHCLI))
		return a.svc, nil
	}
	// The store first: when serve holds it, saying how to reach the server
	// helps more than any other answer.
	base, err := a.baseService()
	if err != nil {
		return nil, err
	}
	p, err := a.principal()
	if err != nil {
		return nil, err
	}
	via := a.via
	if via == "" {
		via = service.ViaCLI
	}
	a.svc = base.For(p, service.NewSession(fmt.Sprintf("pid-%d", os.Getpid()), via))
	return a.svc, nil
}

// spoolDir is where the spool folders live: configured, or next to the database.
// A database the demo built has its own folder by default, <name>-spool
// (demo.db: demo-spool), so that it never shares the clinic's spool/.
func (a *app) spoolDir() string {
	dir := filepath.Join(filepath.Dir(a.store.Path()), "spool")
	switch {
	case a.cfg != nil && a.cfg.Spool.Dir != "":
		dir = a.cfg.Spool.Dir
	case a.demo:
		path := a.store.Path()
		dir = filepath.Join(filepath.Dir(path), strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+"-spool")
	}
	// Absolute, so that a path said to staff (a print batch's PDF) means
	// the same on an SSH terminal as in the server's working folder.
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// loop wires the background loop to the spool adapters, acting for nobody
// (its changes are the system's). Local only: over SSH the server's runner
// holds the loop.
func (a *app) loop() (*service.Loop, *inbox1177.Spool, error) {
	if a.remote != nil {
		return nil, nil, errT("cli_err_server_runs_loop")
	}
	base, err := a.baseService()
	if err != nil {
		return nil, nil, err
	}
	dir := a.spoolDir()
	if err := a.checkSpool(dir, true); err != nil {
		return nil, nil, err
	}
	inbox := inbox1177.New(filepath.Join(dir, "inbox1177"), "Kallelse")
	inbox.Now = base.Clock.Now
	smsSpool := sms.New(filepath.Join(dir, "sms"))
	printer := letters.New(filepath.Join(dir, "print"))
	printer.Clock = serviceNow(base)
	senders := map[domain.MessageKind]domain.Sender{
		domain.MessageInbox:  inbox,
		domain.MessageSMS:    smsSpool,
		domain.MessageLetter: printer,
	}
	// Half-written files of a process killed while writing hold patients'
	// data and are never picked up: remove those older than a minute, in
	// every folder of the spool (the print folder's days included).
	if _, err := spoolfs.CleanTempTree(dir, time.Now(), time.Minute); err != nil {
		return nil, nil, errT("cli_err_clean_spool", dir, err)
	}
	// A withdrawn letter's PDF and address, in a print folder written
	// before withdrawals took them away.
	if _, err := printer.ClearWithdrawn(); err != nil {
		return nil, nil, errT("cli_err_clean_spool", dir, err)
	}
	if a.cfg != nil && a.cfg.HSAIDIsPlaceholder() && !a.demo && !a.warnedHSAID {
		// 1177 messages would go out under a unit that is not the clinic.
		a.warnedHSAID = true
		a.warn(a.T("cli_warn_hsa_placeholder", config.PlaceholderHSAID))
	}
	if a.cfg != nil && !a.warnedDirections {
		if keys := a.cfg.SitesWithoutDirections(); len(keys) > 0 {
			// R2: the digital summons says how to find the department.
			a.warnedDirections = true
			a.warn(a.T("cli_warn_no_directions", strings.Join(keys, ", ")))
		}
	}
	return service.NewLoop(base, a.store, senders, inbox), inbox, nil
}

// checkSpool refuses a spool folder of another database; claim makes it
// this one's when it names none (the loop, which writes there, claims it).
func (a *app) checkSpool(dir string, claim bool) error {
	id, err := a.store.ID()
	if err != nil {
		return err
	}
	if claim {
		return spoolfs.Claim(dir, id, a.store.Path())
	}
	err = spoolfs.Check(dir, id, a.store.Path())
	if errors.Is(err, spoolfs.ErrCopyOfDatabase) && readingVerbs[a.verb] {
		return nil // a copy kept as evidence, or a backup, may be read: nothing of it goes to the folder
	}
	return err
}

// readingVerbs write nothing into the spool folder: a copy of the database
// (the file a restore kept aside, an upgrade's backup) may be read with
// them, beside the original that owns the folder.
var readingVerbs = map[string]bool{
	"booking list": true, "booking show": true, "patient show": true, "patient list": true,
	"audit": true, "report open-rates": true, "report rollout": true, "check": true, "backup": true,
	"config show": true, "whoami": true, "print list": true, "exam list": true, "site list": true,
}

// tickNow runs the loop once: locally, or over SSH by the server's runner.
func (a *app) tickNow() (service.TickReport, error) {
	if a.remote != nil {
		return a.remote.state.run.tick(a.ctx)
	}
	l, _, err := a.loop()
	if err != nil {
		return service.TickReport{}, err
	}
	return l.Tick(a.ctx)
}

// deliverNow hands the messages waiting to their systems at once, after a
// letter or reminder sent by hand.
func (a *app) deliverNow() (service.TickReport, error) {
	if a.remote != nil {
		return a.remote.state.run.deliver(a.ctx)
	}
	l, _, err := a.loop()
	if err != nil {
		return service.TickReport{}, err
	}
	return l.Deliver(a.ctx)
}

// simulateReceipt writes the receipt 1177 would send and ingests it.
func (a *app) simulateReceipt(r domain.Receipt) (simulated, error) {
	if a.remote != nil {
		return a.remote.state.run.simulate(a.ctx, r)
	}
	l, inbox, err := a.loop()
	if err != nil {
		return simulated{}, err
	}
	return simulateOn(a.ctx, l, inbox, r)
}

func (a *app) openStore() (*storage.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	if a.remote != nil {
		a.store = a.remote.state.store
		return a.store, nil
	}
	path := a.dbPath
	if path == "" {
		path = a.defaultDBPath()
	}
	st, err := storage.Open(path, storage.Options{Timeout: storage.DefaultTimeout, Backup: true, BulkLoad: a.bulkLoad,
		MustExist: !a.mayCreate, Upgrading: a.upgrading})
	if errors.Is(err, storage.ErrNoDatabase) {
		return nil, invalidT("cli_err_no_database_at", path)
	}
	if err != nil {
		return nil, a.inUseError(err)
	}
	a.store = st
	return st, nil
}

// upgrading tells on stderr what an upgrade of the file is doing: each step
// takes tens of seconds on a region's file.
func (a *app) upgrading(st storage.UpgradeStep) {
	var msg string
	switch st.Step {
	case storage.UpgradeBackup:
		msg = a.T("cli_upgrade_backup", st.From, st.To, st.Backup)
	case storage.UpgradeMigrate:
		msg = a.T("cli_upgrade_migrate", st.From, st.To)
	case storage.UpgradeCompact:
		msg = a.T("cli_upgrade_compact")
	default:
		return
	}
	fmt.Fprintf(a.stderr, "kallelse: %s\n", msg)
}

func (a *app) close() {
	if a.remote != nil {
		a.store = nil // the server's, closed by the server
		return
	}
	if a.store != nil {
		if err := a.store.Close(); err != nil {
			fmt.Fprintf(a.stderr, "kallelse: %s\n", a.T("cli_err_closing", err))
		}
		a.store = nil
		a.base, a.svc = nil, nil
	}
}

func exitCode(err error) int {
	var ec *exitCodeError
	switch {
	case errors.As(err, &ec):
		return ec.code
	case errors.Is(err, storage.ErrDatabaseInUse):
		return exitInUse
	case errors.Is(err, storage.ErrDamaged):
		return exitDamaged
	case errors.Is(err, storage.ErrNoDatabase):
		return exitInvalid
	}
	return exitError
}
