package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/i18n"
)

// Main runs one invocation of kallelse and returns its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	return run(&app{ctx: context.Background(), stdin: stdin, stdout: stdout, stderr: stderr, environ: environ, args: args}, args)
}

func run(a *app, args []string) (code int) {
	defer a.close()
	// A page of a damaged file that bbolt cannot make sense of is a panic in
	// bbolt, or a fault on the mapped file: say so and exit with the
	// database-damaged status instead of a stack trace.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if !strings.Contains(string(debug.Stack()), "go.etcd.io/bbolt") && !isFault(r) {
				panic(r)
			}
			a.store = nil // closing would touch the damaged pages again
			fmt.Fprintf(a.stderr, "kallelse: %s\n", a.T("cli_damaged_panic", r))
			code = exitDamaged
		}
	}()
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitOK
	}
	code = exitCode(err)
	if strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag") ||
		strings.Contains(err.Error(), "flag needs an argument") || strings.HasPrefix(err.Error(), "required flag") {
		code = exitUsage
	}
	text := errorText(a.lang(), err)
	if words, ok := flagErrorText(a.lang(), err); ok {
		text = words
	}
	fmt.Fprintf(a.stderr, "kallelse: %s\n", text)
	if s := suggestion(root, err); s != "" {
		fmt.Fprintln(a.stderr, a.T("cli_did_you_mean", s))
	}
	if code == exitUsage {
		path := "kallelse"
		if cmd != nil {
			path = cmd.CommandPath() // the verb's own help, where its flags are
		}
		fmt.Fprintln(a.stderr, a.T("cli_usage_hint", path))
	}
	return code
}

// argsCount is cobra's English for a verb given the wrong number of
// arguments (ExactArgs).
var argsCount = regexp.MustCompile(`^accepts (\d+) arg\(s\), received (\d+)$`)

// cobra's and pflag's words for a flag typed wrong, which are English
// (an unknown verb: unknownCommand).
var (
	flagUnknown   = regexp.MustCompile(`^unknown flag: (.+)$`)
	flagShortUnk  = regexp.MustCompile(`^unknown shorthand flag: '(.+)' in `)
	flagNeedsArg  = regexp.MustCompile(`^flag needs an argument: (.+)$`)
	flagInvalid   = regexp.MustCompile(`^invalid argument "(.*)" for "(.+)" flag: `)
	flagsRequired = regexp.MustCompile(`^required flag\(s\) (.+) not set$`)
)

// flagErrorText says in the UI's language what cobra or pflag refused
// about a flag or a verb; ok is false for any other error.
func flagErrorText(lang i18n.Lang, err error) (string, bool) {
	msg := err.Error()
	if m := flagUnknown.FindStringSubmatch(msg); m != nil {
		return i18n.T(lang, "cli_err_unknown_flag", m[1]), true
	}
	if m := flagShortUnk.FindStringSubmatch(msg); m != nil {
		return i18n.T(lang, "cli_err_unknown_flag", "-"+m[1]), true
	}
	if m := unknownCommand.FindStringSubmatch(msg); m != nil {
		return i18n.T(lang, "cli_err_unknown_command", m[1], m[2]), true
	}
	if m := flagNeedsArg.FindStringSubmatch(msg); m != nil {
		return i18n.T(lang, "cli_err_flag_needs_arg", m[1]), true
	}
	if m := flagInvalid.FindStringSubmatch(msg); m != nil {
		return i18n.T(lang, "cli_err_flag_invalid", m[2], m[1]), true
	}
	if m := flagsRequired.FindStringSubmatch(msg); m != nil {
		return i18n.T(lang, "cli_err_flags_required", strings.ReplaceAll(m[1], `"`, "")), true
	}
	return "", false
}

// unknownCommand is cobra's word for a verb it does not know (NoArgs).
var unknownCommand = regexp.MustCompile(`unknown command "([^"]*)" for "([^"]*)"`)

// suggestion is the verb, or verbs, meant by an unknown one ("boking":
// "kallelse booking"), or "" — cobra suggests only where a command takes
// no Args of its own, and every verb here says NoArgs.
func suggestion(root *cobra.Command, err error) string {
	m := unknownCommand.FindStringSubmatch(err.Error())
	if m == nil {
		return ""
	}
	parent, _, ferr := root.Find(strings.Fields(m[2])[1:])
	if ferr != nil || parent == nil {
		return ""
	}
	if parent.SuggestionsMinimumDistance <= 0 {
		parent.SuggestionsMinimumDistance = 2 // cobra's own default, which SuggestionsFor does not apply
	}
	var out []string
	for _, s := range parent.SuggestionsFor(m[1]) {
		out = append(out, parent.CommandPath()+" "+s)
	}
	return strings.Join(out, ", ")
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "kallelse",
		Short: "Digital and paper summons for Klinisk fysiologi",
		Long: `kallelse sends appointment summons to the patient's 1177 Inkorg, falls back
to paper when the digital summons does not reach the patient, and keeps the
whole history of every booking.

Without a verb, on a terminal, kallelse opens the terminal UI on the
database with the background loop running. The verbs are the scriptable
command line. Times are Europe/Stockholm unless they carry an offset:
2026-12-01T09:30 or RFC 3339.`,
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.remote != nil {
				// Over SSH a terminal UI gets a session of its own, with a
				// terminal; here ssh was asked for none (ssh -T).
				return usageT("cli_err_remote_no_terminal")
			}
			if !a.isTerminal() {
				return cmd.Help()
			}
			a.via = service.ViaTUI
			if _, err := a.service(); err != nil {
				return err
			}
			return a.runTUI(false)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitCodeError{code: exitUsage, err: err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.dbPath, "db", "", "database file (default $KALLELSE_DB or the user data directory's kallelse/kallelse.db)")
	pf.StringVar(&a.configPath, "config", "", "configuration file (default $KALLELSE_CONFIG or the user config directory's kallelse/config.toml)")
	pf.StringVar(&a.nowFlag, "now", "", "act as if it were this instant, for training and tests (default $KALLELSE_NOW)")
	pf.StringVar(&a.userFlag, "user", "", "who is acting, for the audit log (default $KALLELSE_USER or the login name)")
	pf.StringVar(&a.langFlag, "lang", "", "language of the text for people, sv or en (default ui.language); JSON and CSV are the same in both")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		a.verb = strings.TrimPrefix(cmd.CommandPath(), root.Name()+" ")
		if err := a.checkLangFlag(); err != nil {
			return err
		}
		a.configExplicit = cmd.Flags().Changed("config")
		if err := a.checkUserFlags(); err != nil {
			return err
		}
		if a.remote != nil {
			return a.checkRemoteFlags(cmd)
		}
		_, err := a.clock()
		return err
	}
	root.AddCommand(a.patientCommand(), a.bookCommand(), a.bookingCommand(), a.examCommand(), a.siteCommand(),
		a.configCommand(), a.demoCommand(), a.tickCommand(), a.serveCommand(), a.simulateCommand(), a.reportCommand(),
		a.auditCommand(), a.whoamiCommand(), a.sessionsCommand(), a.printCommand(), a.checkCommand(), a.backupCommand(), a.restoreCommand(), a.compactCommand())
	for _, c := range root.Commands() {
		wrapArgs(c)
	}
	if a.remote != nil {
		hideLocalOnly(root)
	}
	return root
}

// hideLocalOnly keeps out of the help over SSH what is refused there: the
// verbs that run on the server's machine only (localOnlyVerbs), cobra's
// shell completion, and the global flags that name local things.
func hideLocalOnly(root *cobra.Command) {
	root.CompletionOptions.DisableDefaultCmd = true
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if localOnlyVerbs[strings.TrimPrefix(sub.CommandPath(), root.Name()+" ")] {
				sub.Hidden = true
			}
			walk(sub)
		}
	}
	walk(root)
	for _, f := range []string{"db", "config", "now"} {
		_ = root.PersistentFlags().MarkHidden(f)
	}
}

// isFault reports a memory fault turned into a panic (SetPanicOnFault).
func isFault(r any) bool {
	err, ok := r.(error)
	return ok && strings.Contains(err.Error(), "fault")
}

// checkRemoteFlags refuses, over SSH, the global flags that name local
// things: the server's database, configuration and clock apply, and the
// user is the owner of the key.
func (a *app) checkRemoteFlags(cmd *cobra.Command) error {
	for _, f := range []string{"db", "config", "now"} {
		if cmd.Flags().Changed(f) {
			return usageT("cli_err_remote_flag", f)
		}
	}
	// The acting user's flag, not a verb's own --user (audit --user names
	// whose entries to read).
	if f := cmd.Root().PersistentFlags().Lookup("user"); f != nil && f.Changed {
		if u := a.remote.sess.Staff.User; strings.TrimSpace(a.userFlag) != u {
			return usageT("cli_err_remote_user", a.userFlag, u)
		}
	}
	return nil
}

// localOnly refuses a verb over SSH that only makes sense on the server's
// machine; whyKey says why.
func (a *app) localOnly(verb, whyKey string) error {
	if a.remote != nil {
		return usageT("cli_err_local_only", verb, wordsT(whyKey))
	}
	return nil
}

// wrapArgs makes argument-count errors usage errors (exit 2) everywhere.
func wrapArgs(c *cobra.Command) {
	if c.Args != nil {
		orig := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := orig(cmd, args); err != nil {
				verb := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ") // "kallelse: " is said already
				if m := argsCount.FindStringSubmatch(err.Error()); m != nil {
					return usageT("cli_err_args_count", verb, m[1], m[2])
				}
				return usageT("cli_err_args", verb, err)
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}

func requireFlags(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !cmd.Flags().Changed(n) {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return usageT("cli_err_missing_flags", cmd.CommandPath(), strings.Join(missing, ", "))
	}
	return nil
}

func versionString() string {
	if commit == "" {
		return version
	}
	return version + " (" + commit + ")"
}
