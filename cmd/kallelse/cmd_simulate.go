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
			if err := a.localOnly("simulate year", "it runs on a database of its own on your machine"); err != nil {
				return err
			}
			if bookings < 1 {
				return usageErr("--bookings must be at least 1")
			}
			pop, err := demo.ParsePopulation(population, demo.DefaultPopulation)
			if err != nil {
				return usageErr("--%v", err)
			}
			clk, err := a.clock()
			if err != nil {
				return err
			}
			from := firstMonday(clk.Now().In(domain.Stockholm).Year() + 1)
			if start != "" {
				if from, err = time.ParseInLocation("2006-01-02", start, domain.Stockholm); err != nil {
					return usageErr("--start %q: not a date; use 2006-01-02", start)
				}
			}
			var down time.Time
			switch downtime {
			case "":
				down = demo.DefaultDowntime(from)
			case "none":
			default:
				if down, err = time.ParseInLocation("2006-01-02", downtime, domain.Stockholm); err != nil {
					return usageErr("--downtime %q: not a date (2006-01-02) or none", downtime)
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
				return fmt.Errorf("--db-out %s exists; the simulated year needs a fresh database", path)
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
			fmt.Fprintf(a.stderr, "Simulating %d bookings from %s (seed %d)…\n", bookings, from.Format("2006-01-02"), seed)
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
			} else if err := writeYear(a.stdout, rep); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "Simulated in %s.\n", time.Since(began).Round(time.Second))
			if dbPath != "" {
				fmt.Fprintf(a.stderr, "The database is kept: kallelse --db %s booking list\n", dbPath)
			}
			broken := 0
			for _, inv := range rep.Invariants {
				if inv.Count > 0 {
					broken++
				}
			}
			if broken > 0 {
				return fmt.Errorf("%d of %d invariants broken", broken, len(rep.Invariants))
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
	f.StringVar(&start, "start", "", "the first day, 2006-01-02 (default the first Monday of next year)")
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

func pct(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(n)/float64(of))
}

// writeYear prints the simulated year as the README shows it.
func writeYear(w io.Writer, r demo.YearReport) error {
	day := func(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02") }
	fmt.Fprintf(w, "Simulated year from %s to %s, seed %d: %d bookings, %d patients", day(r.Start), day(r.End), r.Seed, r.Bookings, r.Patients)
	if !r.DowntimeFrom.IsZero() {
		fmt.Fprintf(w, "; server down %s – %s", day(r.DowntimeFrom), day(r.DowntimeTo))
	}
	fmt.Fprintf(w, "\n\n")
	fmt.Fprintf(w, "  visits %d, cancelled %d, moved %d, late bookings %d, patient records changed %d\n",
		r.Visits, r.Cancelled, r.Moved, r.LateBookings, r.PatientChanges)
	fmt.Fprintf(w, "  1177 messages %d, SMS %d, letters printed %d (withdrawn before printing %d, out of date after printing %d)\n",
		r.Inbox, r.SMS, r.LettersPrinted, r.LettersWithdrawn, r.OutdatedLetters)
	fmt.Fprintf(w, "  requests in 1177 %d (late %d), phone tasks %d, hand-overs %d\n\n", r.Requests, r.LateRequests, r.PhoneTasks, r.HandOvers)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "INVARIANT\tBREACHES\t")
	for _, inv := range r.Invariants {
		mark := "ok"
		if inv.Count > 0 {
			mark = "BROKEN"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", inv.Name, inv.Count, mark)
	}
	fmt.Fprintf(tw, "not reached: the time to act fell in the downtime\t%d\treported\n", r.LostToDowntime)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, inv := range r.Invariants {
		for _, e := range inv.Examples {
			fmt.Fprintf(w, "  %s: %s\n", inv.Name, e)
		}
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "GROUP\tBOOKINGS\tVISITS\tDIGITAL\tOPENED\tREACHED\tLETTERS\tPAPER AVOIDED\tPHONE TASKS\tHAND-OVERS\t")
	var t demo.GroupFigures
	row := func(g demo.GroupFigures) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%d\t%s\t%d\t%d\t\n", g.Group, g.Bookings, g.Visits, g.Digital, pct(g.Opened, g.Digital),
			pct(g.Reached, g.Visits), g.Letters, pct(g.PaperAvoided, g.Bookings), g.PhoneTasks, g.HandOvers)
	}
	for _, g := range r.Groups {
		row(g)
		t.Bookings += g.Bookings
		t.Visits += g.Visits
		t.Digital += g.Digital
		t.Opened += g.Opened
		t.Reached += g.Reached
		t.Letters += g.Letters
		t.PaperAvoided += g.PaperAvoided
		t.PhoneTasks += g.PhoneTasks
		t.HandOvers += g.HandOvers
	}
	t.Group = "all"
	row(t)
	return tw.Flush()
}
