package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/adapters/demo"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
	"github.com/kallelse/kallelse/tui/i18n"
)

// simulateYearCommand runs a simulated year on a fresh database and checks
// that every patient was reached with the truth, in time.
func (a *app) simulateYearCommand() *cobra.Command {
	var (
		seed                        uint64
		bookings, patients          int
		population, start, downtime string
		dbPath                      string
		asJSON                      bool
	)
	c := &cobra.Command{
		Use:   "year",
		Short: "Simulate a year of the department on a fresh database and check the invariants (exit 1 if one breaks)",
		Long: `Simulate a year of the department on a fresh database: bookings from booking to visit,
the loop ticking every 15 minutes, patients opening (or not) and asking to rebook or cancel,
staff working the needs-attention page and printing at the cut-off, cancellations, moves,
late bookings, changed patient records, a week with the server down, and the days daylight
saving time begins and ends. At the end it checks that every visit was reached in time and
that no letter, reminder or SMS went that should not have, and prints the figures by group.

Nothing is written to any spool. The same seed, bookings, population and start give the
same year.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.localOnly("simulate year", "cli_why_year_local"); err != nil {
				return err
			}
			if bookings < 1 {
				return usageT("cli_err_year_bookings")
			}
			pop, err := demo.ParsePopulation(population, demo.DefaultPopulation)
			if err != nil {
				return usageT("cli_err_population", err)
			}
			clk, err := a.clock()
			if err != nil {
				return err
			}
			from := firstMonday(clk.Now().In(domain.Stockholm).Year() + 1)
			if start != "" {
				if from, err = time.ParseInLocation("2006-01-02", start, domain.Stockholm); err != nil {
					return usageT("cli_err_start", start)
				}
			}
			var down time.Time
			switch downtime {
			case "":
				down = demo.DefaultDowntime(from)
			case "none":
			default:
				if down, err = time.ParseInLocation("2006-01-02", downtime, domain.Stockholm); err != nil {
					return usageT("cli_err_downtime", downtime)
				}
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			path := dbPath
			if path == "" {
				dir, err := os.MkdirTemp("", "kallelse-year-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				path = filepath.Join(dir, "year.db")
			} else if _, err := os.Stat(path); err == nil {
				return errT("cli_err_db_out_exists", path)
			} else if !errors.Is(err, os.ErrNotExist) {
				return err
			}
			st, err := storage.Open(path, storage.Options{BulkLoad: true})
			if err != nil {
				return err
			}
			defer st.Close()
			svc := &service.Service{Store: st, Clock: domain.FixedClock{T: from}, Catalogue: cfg.Catalogue(), Parser: cfg.IdentityParser(),
				Policy: cfg.PolicyOptions(), Clinic: cfg.ClinicInfo(), Schedule: cfg.DomainSchedule()}
			fmt.Fprintln(a.stderr, a.T("cli_year_simulating", bookings, from.Format("2006-01-02"), seed))
			began := time.Now()
			rep, err := demo.Year(a.ctx, svc, demo.YearOptions{Seed: seed, Bookings: bookings, Patients: patients, Start: from,
				Downtime: down, Population: pop})
			if err != nil {
				return err
			}
			if err := st.Sync(); err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(a.stdout, rep); err != nil {
					return err
				}
			} else if err := writeYear(a.stdout, a.lang(), rep); err != nil {
				return err
			}
			fmt.Fprintln(a.stderr, a.T("cli_year_took", time.Since(began).Round(time.Second)))
			if dbPath != "" {
				fmt.Fprintln(a.stderr, a.T("cli_year_kept", dbPath))
			}
			broken := 0
			for _, inv := range rep.Invariants {
				if inv.Count > 0 {
					broken++
				}
			}
			if broken > 0 {
				return errT("cli_err_invariants", broken, len(rep.Invariants))
			}
			return nil
		},
	}
	f := c.Flags()
	f.Uint64Var(&seed, "seed", 1, "random seed")
	f.IntVar(&bookings, "bookings", 5000, "bookings made over the year")
	f.IntVar(&patients, "patients", 0, "patients (default half the bookings, at least 50)")
	f.StringVar(&population, "population", "", "the patient mix as key=share pairs over the defaults, e.g. account=0.8,interpreter=10% (keys: "+
		strings.Join(demo.PopulationKeys(), ", ")+")")
	f.StringVar(&start, "start", "", "the first day, YYYY-MM-DD (default the first Monday of next year)")
	f.StringVar(&downtime, "downtime", "", "the first day of the week the server is down, or none (default the Monday of ISO week 37)")
	f.StringVar(&dbPath, "db-out", "", "keep the simulated database at this new path (default a temporary one, removed)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// firstMonday is the first Monday of year.
func firstMonday(year int) time.Time {
	d := time.Date(year, time.January, 1, 0, 0, 0, 0, domain.Stockholm)
	for d.Weekday() != time.Monday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

func pct(lang i18n.Lang, n, of int) string {
	if of == 0 {
		return "-"
	}
	return decimal(lang, fmt.Sprintf("%.1f", 100*float64(n)/float64(of))) + " %"
}

// yearGroupText names a patient group of the simulated year; one the
// catalogue has no words for shows its code.
func yearGroupText(lang i18n.Lang, g string) string {
	if i18n.Has("cli_yg_" + g) {
		return i18n.T(lang, "cli_yg_"+g)
	}
	return g
}

// invariantKeys name in the catalogue the invariants the simulation checks
// (adapters/demo names them in English, as its JSON keeps them).
var invariantKeys = map[string]string{
	demo.InvReached:     "cli_inv_reached",
	demo.InvVoidLetters: "cli_inv_void_letters",
	demo.InvReminders:   "cli_inv_reminders",
	demo.InvAfterVisit:  "cli_inv_after_visit",
	demo.InvQuietSMS:    "cli_inv_quiet_sms",
	demo.InvDuplicates:  "cli_inv_duplicates",
}

// invariantText names an invariant of the simulated year; one the
// catalogue has no words for shows the simulation's name.
func invariantText(lang i18n.Lang, name string) string {
	if k, ok := invariantKeys[name]; ok {
		return i18n.T(lang, k)
	}
	return name
}

// writeYear prints the simulated year as the README shows it, the
// invariants named from the catalogue.
func writeYear(w io.Writer, lang i18n.Lang, r demo.YearReport) error {
	t := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	day := func(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02") }
	head := t("cli_year_head", day(r.Start), day(r.End), r.Seed, r.Bookings, r.Patients)
	if !r.DowntimeFrom.IsZero() {
		head += t("cli_year_down", day(r.DowntimeFrom), day(r.DowntimeTo))
	}
	fmt.Fprintf(w, "%s\n\n", head)
	fmt.Fprintf(w, "  %s\n", t("cli_year_visits", r.Visits, r.Cancelled, r.Moved, r.LateBookings, r.PatientChanges))
	fmt.Fprintf(w, "  %s\n", t("cli_year_messages", r.Inbox, r.SMS, r.LettersPrinted, r.LettersWithdrawn, r.OutdatedLetters))
	fmt.Fprintf(w, "  %s\n\n", t("cli_year_requests", r.Requests, r.LateRequests, r.PhoneTasks, r.HandOvers))
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, t("cli_hdr_invariants"))
	for _, inv := range r.Invariants {
		mark := t("cli_ok")
		if inv.Count > 0 {
			mark = t("cli_broken")
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", invariantText(lang, inv.Name), inv.Count, mark)
	}
	fmt.Fprintln(tw, t("cli_year_lost", r.LostToDowntime))
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, inv := range r.Invariants {
		for _, e := range inv.Examples {
			fmt.Fprintf(w, "  %s: %s\n", invariantText(lang, inv.Name), e)
		}
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, t("cli_hdr_year_groups"))
	var total demo.GroupFigures
	row := func(g demo.GroupFigures) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%d\t%s\t%d\t%d\t\n", yearGroupText(lang, g.Group), g.Bookings, g.Visits, g.Digital, pct(lang, g.Opened, g.Digital),
			pct(lang, g.Reached, g.Visits), g.Letters, pct(lang, g.PaperAvoided, g.Bookings), g.PhoneTasks, g.HandOvers)
	}
	for _, g := range r.Groups {
		row(g)
		total.Bookings += g.Bookings
		total.Visits += g.Visits
		total.Digital += g.Digital
		total.Opened += g.Opened
		total.Reached += g.Reached
		total.Letters += g.Letters
		total.PaperAvoided += g.PaperAvoided
		total.PhoneTasks += g.PhoneTasks
		total.HandOvers += g.HandOvers
	}
	total.Group = t("cli_all")
	row(total)
	return tw.Flush()
}
