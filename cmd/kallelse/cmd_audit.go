package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/adapters/sshserver"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/i18n"
)

// accessJSON is one access-log entry in `audit --format json`; the shape
// is a contract like the other JSON of the CLI.
type accessJSON struct {
	Seq     uint64    `json:"seq"`
	At      time.Time `json:"at"`
	User    string    `json:"user"`
	Role    string    `json:"role"`
	Unit    string    `json:"unit"`
	Action  string    `json:"action"`
	Patient string    `json:"patient"`
	Booking uint64    `json:"booking,omitempty"`
	Via     string    `json:"via"`
	Session string    `json:"session"`
}

var auditColumns = []string{"at", "user", "role", "unit", "action", "patient", "booking", "via", "session"}

func (e accessJSON) cells() []string {
	b := ""
	if e.Booking != 0 {
		b = strconv.FormatUint(e.Booking, 10)
	}
	return []string{e.At.Format("2006-01-02 15:04:05"), i18n.Printable(e.User), e.Role, e.Unit, e.Action, e.Patient, b, e.Via, i18n.Printable(e.Session)}
}

func (a *app) auditCommand() *cobra.Command {
	var patient, user, from, to, format string
	var limit int
	c := &cobra.Command{
		Use:   "audit [--patient ID] [--user NAME] [--from T] [--to T] [--format table|csv|json]",
		Short: "Read the access log: who looked at or changed which patient's data, when and how (admin)",
		Long: `Read the access log (Patientdatalagen 4 kap. 3 §, HSLF-FS 2016:40 4 kap. 9 §):
every view of a patient or a booking, every change, every listing and
export, with the user, the role, the care unit (HSA-id), the instant, the
patient, the action, and the way in (tui, cli, ssh-tui, ssh-cli) and session.

--patient gives one patient's extract (what the patient may ask for);
--user the systematic follow-up of one user; --from/--to a period (dates
include the whole --to day). Entries come in the order of their instant.
Reading a patient's entries is itself logged. Admin only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains([]string{"table", "csv", "json"}, format) {
				return usageT("cli_err_format", format)
			}
			if limit < 0 {
				return usageT("cli_err_limit", limit)
			}
			q := domain.AccessQuery{User: strings.TrimSpace(user), Limit: limit}
			var err error
			if from != "" {
				if q.From, err = parseBound(from, false); err != nil {
					return usageT("cli_err_flag", "--from", err)
				}
			}
			if to != "" {
				if q.To, err = parseBound(to, true); err != nil {
					return usageT("cli_err_flag", "--to", err)
				}
			}
			if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
				return usageT("cli_err_from_to")
			}
			svc, err := a.service()
			if err != nil {
				return err
			}
			if patient != "" {
				if q.Patient, err = svc.ParseIdentity(patient); err != nil {
					return err
				}
			}
			out := newAuditWriter(a.stdout, format)
			out.header = strings.Split(a.T("cli_hdr_audit"), "\t")
			out.action = a.accessActionText
			out.noEntries = a.T("cli_no_entries")
			n := 0
			err = svc.AccessLog(a.ctx, q, func(e domain.AccessEntry) error {
				n++
				return out.write(accessView(e))
			})
			if err != nil {
				return err
			}
			if err := out.close(); err != nil {
				return err
			}
			if format == "table" {
				fmt.Fprintln(a.stderr, a.T("cli_n_entries", n))
			}
			// No entries for a name nobody on the roster has: most likely
			// mistyped, which "0 entries" alone would hide.
			if n == 0 && q.User != "" {
				if r, err := a.roster(); err == nil && r.Len() > 0 {
					if _, ok := r.ByUser(q.User); !ok {
						a.warn(a.T("cli_warn_audit_unknown_user", q.User))
					}
				}
			}
			// An extract that leaves entries out says so: they may concern
			// the patient or user asked about.
			if bad, err := svc.AccessUnreadable(a.ctx); err != nil {
				return err
			} else if bad > 0 {
				a.warn(a.T("cli_warn_access_unreadable", bad))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&patient, "patient", "", "one patient's entries (the patient's extract)")
	f.StringVar(&user, "user", "", "one user's entries (follow-up)")
	f.StringVar(&from, "from", "", "entries from this date or time")
	f.StringVar(&to, "to", "", "entries up to this date (inclusive) or time (exclusive)")
	f.IntVar(&limit, "limit", 0, "at most this many entries (0 = all)")
	f.StringVar(&format, "format", "table", "table, csv (Swedish spreadsheet) or json")
	c.AddCommand(a.auditPruneCommand())
	return c
}

func (a *app) auditPruneCommand() *cobra.Command {
	var dryRun, asJSON bool
	c := &cobra.Command{
		Use:   "prune [--dry-run] [--json]",
		Short: "Remove the access-log entries older than the retention period (admin)",
		Long: `Remove the access log's entries that are older than the whole retention
period (audit.retention_years, at least the five years HSLF-FS 2016:40 asks
for), oldest first, with their index entries, a few thousand a transaction
while everyone goes on working. Nothing younger is ever removed. --dry-run
counts what would go. Run it now and then, e.g. once a month from cron.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			svc, err := a.service()
			if err != nil {
				return err
			}
			years := cfg.Audit.RetentionYears
			removed, from, err := svc.PruneAccessLog(a.ctx, years, dryRun)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, struct {
					KeptFrom       string `json:"kept_from"`
					RetentionYears int    `json:"retention_years"`
					Removed        int    `json:"removed"`
					DryRun         bool   `json:"dry_run"`
				}{from.Format("2006-01-02"), years, removed, dryRun})
			}
			key := "cli_audit_pruned"
			if dryRun {
				key = "cli_audit_prune_dry"
			}
			fmt.Fprintln(a.stdout, a.T(key, removed, from.Format("2006-01-02"), years))
			return nil
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "count what would be removed; remove nothing")
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

func accessView(e domain.AccessEntry) accessJSON {
	return accessJSON{Seq: e.Seq, At: e.At.In(domain.Stockholm), User: e.User, Role: string(e.Role), Unit: e.Unit,
		Action: string(e.Action), Patient: e.Patient.String(), Booking: uint64(e.Booking), Via: e.Via, Session: e.Session}
}

// auditWriter streams entries as a table, a Swedish-spreadsheet CSV or a
// JSON array: ten million entries never sit in memory. The table's header
// and actions are in words (header, action); the CSV and JSON keep codes.
type auditWriter struct {
	w      io.Writer
	format string
	csv    *csv.Writer
	list   *jsonList
	n      int

	header    []string                   // the table's column titles; default the CSV's, in capitals
	action    func(action string) string // the table's words for an action; default the code
	noEntries string                     // the table's line when there is none
}

func newAuditWriter(w io.Writer, format string) *auditWriter {
	aw := &auditWriter{w: w, format: format, noEntries: "no entries"}
	switch format {
	case "csv":
		aw.csv = csv.NewWriter(w)
		aw.csv.Comma, aw.csv.UseCRLF = ';', true
	case "json":
		aw.list = newJSONList(w, true)
	}
	return aw
}

const auditRowFormat = "%-19s  %-12s  %-11s  %-17s  %-14s  %-13s  %7s  %-7s  %s\n"

func (aw *auditWriter) write(e accessJSON) error {
	first := aw.n == 0
	aw.n++
	switch aw.format {
	case "json":
		return aw.list.add(e)
	case "csv":
		if first {
			if _, err := io.WriteString(aw.w, csvBOM); err != nil {
				return err
			}
			if err := aw.csv.Write(auditColumns); err != nil {
				return err
			}
		}
		return aw.csv.Write(e.cells())
	}
	if first {
		hdr := make([]any, len(auditColumns))
		for i, c := range auditColumns {
			hdr[i] = strings.ToUpper(c)
			if i < len(aw.header) {
				hdr[i] = aw.header[i]
			}
		}
		if _, err := fmt.Fprintf(aw.w, auditRowFormat, hdr...); err != nil {
			return err
		}
	}
	if aw.action != nil {
		e.Action = aw.action(e.Action)
	}
	cells := e.cells()
	args := make([]any, len(cells))
	for i, c := range cells {
		if c == "" {
			c = "-"
		}
		args[i] = c
	}
	_, err := fmt.Fprintf(aw.w, auditRowFormat, args...)
	return err
}

func (aw *auditWriter) close() error {
	switch aw.format {
	case "json":
		return aw.list.close()
	case "csv":
		if aw.n == 0 {
			if _, err := io.WriteString(aw.w, csvBOM); err != nil {
				return err
			}
			if err := aw.csv.Write(auditColumns); err != nil {
				return err
			}
		}
		aw.csv.Flush()
		return aw.csv.Error()
	}
	if aw.n == 0 {
		_, err := fmt.Fprintln(aw.w, aw.noEntries)
		return err
	}
	return nil
}

func (a *app) whoamiCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "whoami [--json]",
		Short: "Who you act as here: user, name, role and what the role may do",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.principal()
			if err != nil {
				return err
			}
			var rights []string
			var mayDo []domain.Permission
			for _, perm := range allPermissions {
				if p.May(perm) {
					rights = append(rights, perm.String())
					mayDo = append(mayDo, perm)
				}
			}
			via := service.ViaCLI
			if a.remote != nil {
				via = service.ViaSSHCLI
			}
			if asJSON {
				return writeJSON(a.stdout, struct {
					User      string   `json:"user"`
					Name      string   `json:"name"`
					Role      string   `json:"role"`
					DrillDown bool     `json:"drill_down"`
					Via       string   `json:"via"`
					Rights    []string `json:"rights"`
				}{p.User, p.Name, string(p.Role), p.DrillDown, via, rights})
			}
			words := make([]string, len(rights))
			for i, perm := range mayDo {
				words[i] = i18n.PermissionText(a.lang(), perm)
			}
			fmt.Fprintln(a.stdout, a.T("cli_whoami", p.User, p.Name, string(p.Role), via))
			fmt.Fprintf(a.stdout, "  %s\n", a.T("cli_may", strings.Join(words, ", ")))
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

var allPermissions = []domain.Permission{domain.PermPatientData, domain.PermBook, domain.PermImport, domain.PermPrint,
	domain.PermDeliveries, domain.PermReports, domain.PermDrillDown, domain.PermAuditLog, domain.PermConfig, domain.PermOperate,
	domain.PermPatientLists}

func (a *app) sessionsCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "sessions [--json]",
		Short: "Who is connected to the server now (admin, over SSH)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.remote == nil {
				return errNotServing
			}
			if err := a.authorize(domain.PermOperate); err != nil {
				return err
			}
			ss := a.remote.state.srv.Sessions()
			if asJSON {
				return writeJSON(a.stdout, ss)
			}
			clk, err := a.clock()
			if err != nil {
				return err
			}
			a.writeSessions(ss, clk.Now())
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// writeSessions prints the sessions as a table: a header line naming each
// column (the instant each session began too: its time of day, and the
// date before it when that was not today's, now), then a session a line,
// each column as wide as its widest value.
func (a *app) writeSessions(ss []sshserver.SessionInfo, now time.Time) {
	rows := [][]string{strings.Split(a.T("cli_hdr_sessions"), "\t")}
	today := now.In(domain.Stockholm).Format(time.DateOnly)
	for _, s := range ss {
		began := s.Started.In(domain.Stockholm)
		since := began.Format(time.TimeOnly)
		if began.Format(time.DateOnly) != today {
			since = began.Format("2006-01-02T15:04:05")
		}
		rows = append(rows, []string{s.ID, s.User, s.Role, s.Kind, dash(s.Verb), s.Remote, since})
	}
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, v := range r {
			width[i] = max(width[i], utf8.RuneCountInString(v))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, v := range r {
			if i == len(r)-1 {
				line.WriteString(v)
				break
			}
			fmt.Fprintf(&line, "%-*s ", width[i], v)
		}
		fmt.Fprintln(a.stdout, line.String())
	}
}

// accessActionText names an access-log action in words for the table; an
// action the catalogue has no words for shows its code.
func (a *app) accessActionText(action string) string {
	if key := "cli_acc_" + action; i18n.Has(key) {
		return a.T(key)
	}
	return action
}
