package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/adapters/patientcsv"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/i18n"
)

func (a *app) patientCommand() *cobra.Command {
	c := &cobra.Command{Use: "patient", Short: "Import, list and show patients", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	c.AddCommand(a.patientImportCommand(), a.patientListCommand(), a.patientShowCommand())
	return c
}

func (a *app) patientImportCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import or update patients from a CSV file (see README for the columns)",
		Long: `Import or update patients from a CSV file with a header row. Columns, in any order:
  ` + strings.Join(patientcsv.Columns, ",") + `
identity and name are required. Booleans: ja/nej, true/false, 1/0 (empty = nej).
Valid rows are stored (updated by identity number); each invalid row is
reported with its line number, and the exit status is 3 when any row was rejected.
Use - to read standard input; over SSH only - (ssh … patient import - < FILE.csv).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := a.stdin
			if args[0] != "-" && a.remote != nil {
				// The file is the caller's: a path would read the
				// server's own files (and echo their first line).
				return usageT("cli_err_import_remote_path", args[0])
			}
			// The file first: one that cannot be read leaves no new,
			// empty database behind.
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return errT("cli_err_read_file", args[0], err)
				}
				defer f.Close()
				in = f
			}
			a.mayCreate = true
			svc, err := a.service()
			if err != nil {
				return err
			}
			rows, err := patientcsv.Parse(in, svc.Parser, svc.Clock.Now())
			if err != nil {
				return errT("cli_err_file_refused", args[0], err)
			}
			res, err := svc.ImportPatients(a.ctx, rows)
			if err != nil {
				return err
			}
			if asJSON {
				type rej struct {
					Line  int    `json:"line"`
					Error string `json:"error"`
				}
				out := struct {
					Created   int   `json:"created"`
					Updated   int   `json:"updated"`
					Unchanged int   `json:"unchanged"`
					Rejected  []rej `json:"rejected"`
				}{res.Created, res.Updated, res.Unchanged, []rej{}}
				for _, r := range res.Rejected {
					out.Rejected = append(out.Rejected, rej{r.Line, patientcsv.CleanReason(r.Err).Error()})
				}
				if err := writeJSON(a.stdout, out); err != nil {
					return err
				}
			} else {
				for _, r := range res.Rejected {
					fmt.Fprintf(a.stderr, "%s:%d: %s\n", args[0], r.Line, errorText(a.lang(), patientcsv.CleanReason(r.Err)))
				}
				fmt.Fprintln(a.stdout, a.T("cli_import_summary", res.Created, res.Updated, res.Unchanged, len(res.Rejected)))
			}
			if len(res.Rejected) > 0 {
				if len(res.Rejected) == len(rows) {
					return &exitCodeError{code: exitRejected, err: errT("cli_err_rows_all_rejected", len(rows))}
				}
				return &exitCodeError{code: exitRejected, err: errT("cli_err_rows_rejected", len(res.Rejected), len(rows))}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

func (a *app) patientListCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use: "list", Short: "List patients by identity number", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service()
			if err != nil {
				return err
			}
			now := svc.Clock.Now()
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			if !asJSON {
				fmt.Fprintln(tw, a.T("cli_hdr_patients"))
			}
			list := newJSONList(a.stdout, asJSON)
			err = svc.ExportPatients(a.ctx, func(p domain.Patient) error {
				v := patientView(p, now)
				if asJSON {
					return list.add(v)
				}
				age := "-"
				if v.Age != nil {
					age = fmt.Sprint(*v.Age)
				}
				_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, tableName(v.Name), age, v.Kind,
					a.yesNo(v.Has1177Account), a.yesNo(v.NotificationsEnabled), a.yesNo(v.SMSReminders), dash(v.Interpreter))
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				return list.close()
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON (an array of patients)")
	return c
}

func (a *app) patientShowCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use: "show ID", Short: "Show a patient and their bookings", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.service()
			if err != nil {
				return err
			}
			d, err := svc.PatientWithBookings(a.ctx, args[0])
			if err != nil {
				return err
			}
			p := d.Patient
			v := patientView(p, svc.Clock.Now())
			for _, b := range d.Bookings {
				v.Bookings = append(v.Bookings, bookingView(b, p.Name()))
			}
			if asJSON {
				return writeJSON(a.stdout, v)
			}
			a.printPatient(p, v)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func (a *app) yesNo(b bool) string {
	if b {
		return a.T("yes")
	}
	return a.T("no")
}

// printPatient writes a patient and their bookings for a person; a
// protected patient's address is never shown.
func (a *app) printPatient(p domain.Patient, v patientJSON) {
	lang := a.lang()
	w := a.stdout
	fmt.Fprintf(w, "%s  %s\n", v.ID, v.Name)
	l := a.labels(w, "  ", "cli_lbl_kind", "cli_lbl_born", "cli_lbl_address", "cli_lbl_post", "cli_lbl_guardian",
		"cli_lbl_phone", "cli_lbl_interpreter", "cli_lbl_account", "cli_lbl_sms")
	l.line(a.T("cli_lbl_kind"), v.Kind)
	if v.Age != nil {
		l.line(a.T("cli_lbl_born"), a.T("cli_born", v.BirthDate, *v.Age))
	}
	switch {
	case p.Protected():
		l.line(a.T("cli_lbl_address"), a.T("cli_address_protected"))
	case p.Address().IsZero():
		l.line(a.T("cli_lbl_address"), a.T("cli_address_none"))
	default:
		l.line(a.T("cli_lbl_address"), v.Address.Street+", "+p.Address().PostalCodeDisplay()+" "+v.Address.City)
	}
	if p.PaperDeclined() {
		l.line(a.T("cli_lbl_post"), a.T("cli_post_declined"))
	}
	for _, g := range v.Guardians {
		line := g.Name
		if !g.Address.IsZero() {
			line += ", " + g.Address.Street + ", " + g.Address.PostalCodeDisplay() + " " + g.Address.City
		}
		if g.Phone != "" {
			line += ", " + g.Phone
		}
		l.line(a.T("cli_lbl_guardian"), line)
	}
	l.line(a.T("cli_lbl_phone"), dash(v.Phone))
	l.line(a.T("cli_lbl_interpreter"), dash(v.Interpreter))
	l.line(a.T("cli_lbl_account"), a.T("cli_account_line", a.yesNo(v.Has1177Account), a.yesNo(v.NotificationsEnabled)))
	l.line(a.T("cli_lbl_sms"), a.yesNo(v.SMSReminders))
	if len(v.Bookings) == 0 {
		fmt.Fprintf(w, "  %s\n", a.T("cli_no_bookings"))
		return
	}
	fmt.Fprintf(w, "  %s:\n", a.T("cli_lbl_bookings"))
	for _, b := range v.Bookings {
		fmt.Fprintf(w, "    %d  %s  %s  %s  %s\n", b.ID, fmtVisit(lang, b.VisitAt), b.Exam, b.Site, i18n.StateText(lang, b.State))
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
