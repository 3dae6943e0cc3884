package main

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/adapters/letters"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/i18n"
)

// printLookbackDays is how far back `print list` looks for letters not yet
// printed when no day is given: a letter is filed under the day it was
// decided, so one retried after midnight lands in an earlier day's folder.
const printLookbackDays = 7

// printLetterJSON is one letter of `print list --json`.
type printLetterJSON struct {
	ID      string    `json:"id"`
	Day     string    `json:"day"`
	Booking uint64    `json:"booking,omitempty"`
	Patient string    `json:"patient"`
	Name    string    `json:"name"`
	VisitAt time.Time `json:"visit_at"`
	Purpose string    `json:"purpose"`
	State   string    `json:"state"` // queued, printed or withdrawn
}

func letterState(l domain.PrintLetter) domain.LetterState {
	switch {
	case l.Withdrawn:
		return domain.LetterWithdrawn
	case l.Printed:
		return domain.LetterPrinted
	}
	return domain.LetterQueued
}

func (a *app) printCommand() *cobra.Command {
	c := &cobra.Command{Use: "print", Short: "The print queue: paper letters to print and post", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	var dayFlag string
	var asJSON, reprint bool
	// day is the acting user's service and the --day flag's day (midnight
	// in Stockholm), or today; given says whether --day was.
	day := func() (svc *service.Service, d time.Time, given bool, err error) {
		if svc, err = a.service(); err != nil {
			return nil, d, false, err
		}
		if dayFlag == "" {
			t := svc.Clock.Now().In(domain.Stockholm)
			return svc, time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, domain.Stockholm), false, nil
		}
		if d, err = time.ParseInLocation("2006-01-02", dayFlag, domain.Stockholm); err != nil {
			return nil, d, true, usageT("cli_err_day", dayFlag)
		}
		return svc, d, true, nil
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the day's letters: queued, printed, withdrawn (default today, and earlier days' letters not yet printed)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, d, given, err := day()
			if err != nil {
				return err
			}
			var out []printLetterJSON
			back := printLookbackDays
			if given {
				back = 0
			}
			for i := back; i >= 0; i-- {
				ls, err := svc.ExportPrintLetters(a.ctx, d.AddDate(0, 0, -i))
				if err != nil {
					return err
				}
				for _, l := range ls {
					if i > 0 && (l.Printed || l.Withdrawn) {
						continue // an earlier day shows only what is still to print
					}
					out = append(out, printLetterJSON{ID: l.MessageID, Day: l.Day, Booking: uint64(l.Booking), Patient: l.Patient,
						Name: l.PatientName, VisitAt: l.VisitAt, Purpose: string(l.Purpose), State: string(letterState(l))})
				}
			}
			if asJSON {
				if out == nil {
					out = []printLetterJSON{}
				}
				return writeJSON(a.stdout, out)
			}
			lang := a.lang()
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, a.T("cli_hdr_letters"))
			queued := 0
			for _, l := range out {
				if l.State == string(domain.LetterQueued) {
					queued++
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", l.Day, l.ID, l.Booking, l.Patient, tableName(l.Name), fmtVisit(lang, l.VisitAt),
					i18n.PurposeText(lang, domain.Purpose(l.Purpose)), i18n.LetterStateText(lang, domain.LetterState(l.State)))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(a.stderr, a.T("cli_n_letters", len(out), queued))
			return nil
		},
	}
	list.Flags().StringVar(&dayFlag, "day", "", "the day folder, YYYY-MM-DD (default today, and earlier days' letters not yet printed)")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	batch := &cobra.Command{
		Use:   "batch",
		Short: "Write the day's letters still to print into one PDF for the printer; they count as printed from then on",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, d, given, err := day()
			if err != nil {
				return err
			}
			path, n, err := svc.PrintBatch(a.ctx, d, reprint)
			if errors.Is(err, letters.ErrNoLetters) {
				key := "cli_err_no_letters"
				if reprint {
					key = "cli_err_no_letters_reprint"
				}
				return errT(key, d.Format("2006-01-02"), a.earlierUnprinted(svc, d, given))
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s\n", path)
			fmt.Fprintln(a.stderr, a.T("cli_batch_letters", n, a.earlierUnprinted(svc, d, given)))
			return nil
		},
	}
	batch.Flags().StringVar(&dayFlag, "day", "", "the day folder, YYYY-MM-DD (default today)")
	batch.Flags().BoolVar(&reprint, "reprint", false, "the printed letters too (the printer jammed); never the withdrawn")

	mark := &cobra.Command{
		Use:   "mark-printed",
		Short: "Mark the day's letters printed when they were printed another way",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, d, _, err := day()
			if err != nil {
				return err
			}
			n, withdrawn, err := svc.MarkPrinted(a.ctx, d)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, a.T("cli_marked_printed", n, d.Format("2006-01-02")))
			if withdrawn > 0 {
				fmt.Fprintln(a.stdout, a.T("cli_marked_withdrawn", withdrawn))
			}
			return nil
		},
	}
	mark.Flags().StringVar(&dayFlag, "day", "", "the day folder, YYYY-MM-DD (default today)")
	c.AddCommand(list, batch, mark)
	return c
}

// earlierUnprinted names the earlier days that still hold letters to
// print, when no day was given: a hint, so none is forgotten.
func (a *app) earlierUnprinted(svc *service.Service, d time.Time, given bool) string {
	if given {
		return ""
	}
	s := ""
	for i := printLookbackDays; i >= 1; i-- {
		day := d.AddDate(0, 0, -i)
		ls, err := svc.PrintLetters(a.ctx, day)
		if err != nil {
			continue
		}
		n := 0
		for _, l := range ls {
			if !l.Printed && !l.Withdrawn {
				n++
			}
		}
		if n > 0 {
			s += "\n  " + a.T("cli_earlier_unprinted", day.Format("2006-01-02"), n, day.Format("2006-01-02"))
		}
	}
	return s
}
