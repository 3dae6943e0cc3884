package main

import (
	"errors"
	"fmt"
	"github.com/kallelse/kallelse/domain/service"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/adapters/demo"
	"github.com/kallelse/kallelse/adapters/letters"
	"github.com/kallelse/kallelse/adapters/spoolfs"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/storage"
	"github.com/kallelse/kallelse/tui/i18n"
)

// demoMetaKey marks a database as built by `kallelse demo`, so that the demo
// never writes into, or deletes, a database holding real patients.
const demoMetaKey = "demo"

func (a *app) demoCommand() *cobra.Command {
	var patients, bookings int
	var seed uint64
	var reset, noTUI bool
	c := &cobra.Command{
		Use:   "demo",
		Short: "Build a synthetic demo database and show its bookings",
		Long: `Build a realistic synthetic database (patients, bookings with their history)
and open the terminal UI on it with the background loop and a patient
simulator running, so that opens, rebook and cancel requests arrive live
(without a terminal, or with --no-tui, list the coming bookings instead).
Without --db it uses demo.db in the user data directory ($KALLELSE_DB, the
clinic's database, is never the demo's). A demo database that exists is
reused; --reset builds it anew. The demo refuses to touch a database that it
did not build, before opening it (an older file is not upgraded).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.localOnly("demo", "cli_why_demo_local"); err != nil {
				return err
			}
			if patients < 1 || bookings < 0 {
				return usageT("cli_err_demo_counts")
			}
			if a.dbPath == "" {
				a.dbPath = filepath.Join(a.dataDir(), "kallelse", "demo.db")
			}
			if reset {
				if err := a.removeDemo(); err != nil {
					return err
				}
			}
			// A file the demo did not build is refused before it is
			// opened: opening would upgrade an older one.
			if mark, hasData, err := storage.PeekMeta(a.dbPath, demoMetaKey); err != nil {
				return err
			} else if mark == "" && hasData {
				return errT("cli_err_demo_foreign", a.dbPath)
			}
			a.bulkLoad, a.demo, a.mayCreate = true, true, true
			svc, err := a.service()
			if err != nil {
				return err
			}
			st := a.store
			mark, err := st.Meta(demoMetaKey)
			if err != nil {
				return err
			}
			n, err := st.CountBookings(a.ctx)
			if err != nil {
				return err
			}
			ps, err := st.Patients(a.ctx, "", 1)
			if err != nil {
				return err
			}
			switch {
			case mark == "" && (n > 0 || len(ps) > 0):
				return errT("cli_err_demo_foreign", a.dbPath)
			case mark != "":
				fmt.Fprintln(a.stdout, a.T("cli_demo_exists", a.dbPath, mark, n))
			default:
				now := svc.Clock.Now()
				prog := a.demoProgress()
				// The build allocates much and keeps little: collecting
				// garbage at half the default pace saves half the
				// collector's share of the time, for a heap up to three
				// times what is live instead of two.
				gc := debug.SetGCPercent(200)
				sum, err := demo.Generate(a.ctx, svc, now, demo.Options{Patients: patients, Bookings: bookings, Seed: seed, Progress: prog.update})
				debug.SetGCPercent(gc)
				prog.end()
				if err != nil {
					return errT("cli_err_demo_build", err)
				}
				// The coming letters not yet printed are the demo's print
				// queue: in its print folder, as the loop would have filed them.
				if len(sum.Unprinted) > 0 {
					dir := a.spoolDir()
					if err := a.checkSpool(dir, true); err != nil {
						return err
					}
					printer := letters.New(filepath.Join(dir, "print"))
					printer.Clock = serviceNow(svc)
					for _, m := range sum.Unprinted {
						if err := printer.Send(a.ctx, m); err != nil {
							return errT("cli_err_demo_build", err)
						}
					}
				}
				if err := st.SetMeta(demoMetaKey, now.In(domain.Stockholm).Format(time.RFC3339)); err != nil {
					return err
				}
				if err := st.Sync(); err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, a.T("cli_demo_built", a.dbPath, sum.Patients, sum.Bookings, stateSummary(a.lang(), sum.ByState)))
			}
			if a.isTerminal() && !noTUI {
				// The terminal UI's looks are logged as the UI's (via
				// tui), not as the command that built the demo.
				a.via, a.svc = service.ViaTUI, nil
				return a.runTUI(true)
			}
			fmt.Fprintln(a.stdout, a.T("cli_demo_coming", a.dbPath))
			fmt.Fprintln(a.stdout)
			list := a.bookingListCommand()
			list.SetArgs([]string{"--from", svc.Clock.Now().Format(time.RFC3339), "--limit", "15"})
			list.SetOut(a.stdout)
			list.SetErr(a.stderr)
			return list.Execute()
		},
	}
	f := c.Flags()
	f.IntVar(&patients, "patients", 400, "number of patients")
	f.IntVar(&bookings, "bookings", 800, "number of bookings")
	f.Uint64Var(&seed, "seed", 1, "random seed; the same seed and --now give the same database")
	f.BoolVar(&reset, "reset", false, "delete the demo database and build it anew")
	f.BoolVar(&noTUI, "no-tui", false, "list the coming bookings instead of opening the terminal UI")
	return c
}

func (a *app) removeDemo() error {
	if _, err := os.Stat(a.dbPath); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	// Whether the demo built it is read before the file is opened: opening
	// would upgrade an older clinic file given by mistake.
	mark, _, err := storage.PeekMeta(a.dbPath, demoMetaKey)
	if errors.Is(err, storage.ErrDamaged) {
		// It cannot say whether the demo built it: the person must decide.
		return errT("cli_err_demo_reset_damaged", err, a.dbPath)
	}
	if err != nil {
		return err
	}
	if mark == "" {
		return errT("cli_err_demo_not_ours", a.dbPath)
	}
	if _, err := a.openStore(); errors.Is(err, storage.ErrDamaged) {
		// It cannot say whether the demo built it: the person must decide.
		return errT("cli_err_demo_reset_damaged", err, a.dbPath)
	} else if err != nil {
		return err
	}
	// The demo's spool folder goes with it: its letters' ids would be taken
	// again by the new demo (and silently not written), and the folder
	// names the old database as its owner.
	a.demo = true
	dir := a.spoolDir()
	id, err := a.store.ID()
	if err != nil {
		return err
	}
	if owner, _, err := spoolfs.Owner(dir); err == nil && owner == id {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	a.close()
	return os.Remove(a.dbPath)
}

func stateSummary(lang i18n.Lang, m map[domain.BookingState]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%d %s", m[domain.BookingState(k)], i18n.StateText(lang, domain.BookingState(k)))
	}
	return s
}

// buildProgress shows how far the demo's build has come: a bar
// (bubbles/progress) redrawn in place on a terminal, otherwise a plain line
// on stderr at every tenth of the bookings, so that a log or a script sees
// that a long build moves. What it shows depends on the counts alone, never
// on the clock: the same seed and --now give the same lines.
type buildProgress struct {
	lang    i18n.Lang
	w       io.Writer
	term    bool
	bar     progress.Model
	tenths  int  // plain lines: the last tenth shown
	drawing bool // a bar is on the line
}

func (a *app) demoProgress() *buildProgress {
	if a.isTerminal() {
		return &buildProgress{lang: a.lang(), w: a.stdout, term: true, bar: progress.New(progress.WithDefaultGradient(), progress.WithWidth(40))}
	}
	return &buildProgress{lang: a.lang(), w: a.stderr}
}

func (p *buildProgress) update(s demo.Step) {
	switch s.Stage {
	case "patients":
		fmt.Fprintln(p.w, i18n.T(p.lang, "cli_demo_patients", s.Done))
		return
	case "reports":
		p.end()
		fmt.Fprintln(p.w, i18n.T(p.lang, "cli_demo_reports"))
		return
	case "bookings":
	default:
		return
	}
	// The bar moves with the bookings tried; the words say how many were
	// made, and how many could not be.
	frac := 1.0
	if s.Total > 0 {
		frac = float64(s.Done) / float64(s.Total)
	}
	last := s.Done == s.Total
	if p.term {
		words := i18n.T(p.lang, "cli_demo_bar", s.Made(), s.Total)
		if s.GivenUp > 0 {
			words = i18n.T(p.lang, "cli_demo_bar_given_up", s.Made(), s.Total, s.GivenUp)
		}
		fmt.Fprintf(p.w, "\r%s  %s", p.bar.ViewAs(frac), words)
		p.drawing = true
	} else if tenths := int(frac * 10); tenths > p.tenths {
		p.tenths = tenths
		if s.GivenUp > 0 {
			fmt.Fprintln(p.w, i18n.T(p.lang, "cli_demo_progress_given_up", s.Made(), s.Total, s.GivenUp, int(frac*100)))
		} else {
			fmt.Fprintln(p.w, i18n.T(p.lang, "cli_demo_progress", s.Made(), s.Total, int(frac*100)))
		}
	}
	if last && s.GivenUp > 0 {
		p.end()
		fmt.Fprintln(p.w, i18n.T(p.lang, "cli_demo_given_up", s.GivenUp, demo.BookTries))
	}
}

// end ends the bar's line.
func (p *buildProgress) end() {
	if p.drawing {
		fmt.Fprintln(p.w)
		p.drawing = false
	}
}
