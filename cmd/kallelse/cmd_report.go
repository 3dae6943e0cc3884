package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kallelse/kallelse/tui/common"

	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
)

func (a *app) reportCommand() *cobra.Command {
	c := &cobra.Command{Use: "report", Short: "The pilot coordinators' figures: open rates, paper letters, no-shows", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	c.AddCommand(a.reportOpenRatesCommand(), a.reportRolloutCommand(), a.reportRebuildCommand())
	return c
}

// The service's checked figures are what the TUI's dashboard reads (wired
// in cmd_tui.go).
var _ common.Reports = service.Reports{}

// reportReader is what a report reads: day and week sums.
type reportReader interface {
	Totals(ctx context.Context, from, to time.Time, fn func(k metrics.Key, t metrics.Totals) bool) error
	WeekTotals(ctx context.Context, fromWeek, toWeek string, fn func(k metrics.Key, week string, t metrics.Totals) bool) error
}

// The breakdowns of `report open-rates --by`.
var reportBys = []string{"exam", "site", "week", "month", "age", "group"}

// The complement reasons reported one column each: those that go with a
// digital summons (a reservnummer or an examination not yet digital means
// paper only, which is not a complement).
var reportReasons = []domain.Reason{domain.ReasonUnder18, domain.ReasonInterpreter, domain.ReasonSamordningsnr,
	domain.ReasonNo1177Account, domain.ReasonNotificationsOff}

// groupTotals are one report row's sums, split by channel group (in
// metrics.Groups order) because the no-show rates compare the groups.
type groupTotals [3]metrics.Totals

func (g *groupTotals) add(k metrics.Key, t metrics.Totals) {
	if i := slices.Index(metrics.Groups, k.Group); i >= 0 {
		g[i].Merge(t)
	}
}

func (g *groupTotals) sum() metrics.Totals {
	var t metrics.Totals
	for _, x := range g {
		t.Merge(x)
	}
	return t
}

// cellKind says how a column's values are written.
type cellKind int

const (
	cellCount cellKind = iota // a whole number
	cellRate                  // a fraction 0–1, 3 decimals; undefined when the denominator is 0
	cellHours                 // hours, 2 decimals; undefined when nothing was opened
)

type cell struct {
	kind cellKind
	n    int
	f    float64 // NaN: undefined
}

// reportColumn is one figure of `report open-rates`; the README defines each.
type reportColumn struct {
	name  string
	value func(sum metrics.Totals, g *groupTotals) cell
}

func count(f func(t metrics.Totals) int) func(metrics.Totals, *groupTotals) cell {
	return func(t metrics.Totals, _ *groupTotals) cell { return cell{kind: cellCount, n: f(t)} }
}

func hours(q float64) func(metrics.Totals, *groupTotals) cell {
	return func(t metrics.Totals, _ *groupTotals) cell {
		d, ok := t.OpenDelayQuantile(q)
		if !ok {
			return cell{kind: cellHours, f: math.NaN()}
		}
		return cell{kind: cellHours, f: d.Hours()}
	}
}

func noShowRate(group int) func(metrics.Totals, *groupTotals) cell {
	return func(_ metrics.Totals, g *groupTotals) cell { return cell{kind: cellRate, f: g[group].NoShowRate()} }
}

// reportColumns are the columns in their stable order.
var reportColumns = func() []reportColumn {
	cols := []reportColumn{
		{"summonses", count(func(t metrics.Totals) int { return t.Summonses })},
		{"digital_sent", count(func(t metrics.Totals) int { return t.DigitalSent })},
		{"opened", count(func(t metrics.Totals) int { return t.Opened })},
		{"open_rate", func(t metrics.Totals, _ *groupTotals) cell { return cell{kind: cellRate, f: t.OpenRate()} }},
		{"opened_in_72h", count(func(t metrics.Totals) int { return t.OpenedInTime })},
		{"opened_in_72h_rate", func(t metrics.Totals, _ *groupTotals) cell { return cell{kind: cellRate, f: t.OpenedInTimeRate()} }},
		{"median_time_to_open_h", hours(0.5)},
		{"p90_time_to_open_h", hours(0.9)},
		{"paper_fallback", count(func(t metrics.Totals) int { return t.Fallback })},
		{"paper_by_hand", count(func(t metrics.Totals) int { return t.FallbackByHand })},
		{"complement_letters", count(func(t metrics.Totals) int { return t.ComplementSent })},
	}
	for _, r := range reportReasons {
		cols = append(cols, reportColumn{"complement_" + string(r), count(func(t metrics.Totals) int { return t.Complement[r] })})
	}
	return append(cols,
		reportColumn{"paper_only_letters", count(func(t metrics.Totals) int { return t.PaperOnlySent })},
		reportColumn{"paper_avoided", count(func(t metrics.Totals) int { return t.PaperAvoided })},
		reportColumn{"sms_reminders", count(func(t metrics.Totals) int { return t.Reminders })},
		reportColumn{"rebook_requests", count(func(t metrics.Totals) int { return t.RebookRequests })},
		reportColumn{"cancel_requests", count(func(t metrics.Totals) int { return t.CancelRequests })},
		reportColumn{"no_show_rate_digital_only", noShowRate(0)},
		reportColumn{"no_show_rate_digital_paper", noShowRate(1)},
		reportColumn{"no_show_rate_paper_only", noShowRate(2)},
	)
}()

// reportRow is one line of the report: the value of the breakdown (empty
// for the total) and its cells in column order.
type reportRow struct {
	key   string
	cells []cell
}

func rowOf(key string, g *groupTotals) reportRow {
	sum := g.sum()
	r := reportRow{key: key, cells: make([]cell, len(reportColumns))}
	for i, c := range reportColumns {
		r.cells[i] = c.value(sum, g)
	}
	return r
}

// report is what open-rates prints.
type report struct {
	from, to time.Time // days [from, to), Stockholm midnights
	by       string
	rows     []reportRow
	total    reportRow
}

func startOfDay(t time.Time) time.Time {
	lt := t.In(domain.Stockholm)
	return time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, domain.Stockholm)
}

func mondayOf(t time.Time) time.Time {
	d := startOfDay(t)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

func isoWeekOf(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// reportRange reads --from and --to (dates; --to inclusive). The default
// is the current ISO week and the eleven before it.
func reportRange(from, to string, now time.Time) (time.Time, time.Time, error) {
	thisMonday := mondayOf(now)
	lo, hi := thisMonday.AddDate(0, 0, -7*11), thisMonday.AddDate(0, 0, 7)
	for _, b := range []struct {
		flag, val string
		upper     bool
		dst       *time.Time
	}{{"--from", from, false, &lo}, {"--to", to, true, &hi}} {
		if b.val == "" {
			continue
		}
		t, err := parseBound(b.val, b.upper)
		if err != nil {
			return lo, hi, usageT("cli_err_flag", b.flag, err)
		}
		if !t.Equal(startOfDay(t)) {
			return lo, hi, usageT("cli_err_per_day", b.flag, b.val)
		}
		*b.dst = t
	}
	if !lo.Before(hi) {
		if to == "" { // the default end, which nobody typed: say so
			return lo, hi, usageT("cli_err_from_after_default_to", lo.Format("2006-01-02"), hi.AddDate(0, 0, -1).Format("2006-01-02"))
		}
		return lo, hi, usageT("cli_err_from_after_to", lo.Format("2006-01-02"), hi.AddDate(0, 0, -1).Format("2006-01-02"))
	}
	return lo, hi, nil
}

// buildReport reads the aggregates of [from, to) and sums them by `by`.
// Whole ISO weeks are read from the week rows (fewer rows), other ranges
// and the monthly breakdown from the day rows; both hold the same facts.
func buildReport(a *app, st reportReader, from, to time.Time, by string) (report, error) {
	rep := report{from: from, to: to, by: by}
	keyOf := func(k metrics.Key) string {
		switch by {
		case "site":
			return k.Site
		case "week":
			return k.Week()
		case "month":
			return k.Month()
		case "age":
			return string(k.Age)
		case "group":
			return string(k.Group)
		}
		return k.Exam
	}
	groups := map[string]*groupTotals{}
	var total groupTotals
	add := func(k metrics.Key, t metrics.Totals) bool {
		key := keyOf(k)
		g := groups[key]
		if g == nil {
			g = &groupTotals{}
			groups[key] = g
		}
		g.add(k, t)
		total.add(k, t)
		return true
	}
	var err error
	if from.Weekday() == time.Monday && to.Weekday() == time.Monday && by != "month" {
		err = st.WeekTotals(a.ctx, isoWeekOf(from), isoWeekOf(to.AddDate(0, 0, -1)),
			func(k metrics.Key, _ string, t metrics.Totals) bool { return add(k, t) })
	} else {
		err = st.Totals(a.ctx, from, to, add)
	}
	if err != nil {
		return rep, err
	}
	// The rows: every week, month, age band and group of the range, even
	// empty ones; the examinations and sites that have figures.
	var keys []string
	switch by {
	case "week", "month":
		for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
			k := metrics.Key{Day: d.Format("2006-01-02")}
			key := k.Week()
			if by == "month" {
				key = k.Month()
			}
			if len(keys) == 0 || keys[len(keys)-1] != key {
				keys = append(keys, key)
			}
		}
	case "age":
		for _, b := range metrics.AgeBands {
			keys = append(keys, string(b))
		}
	case "group":
		for _, g := range metrics.Groups {
			keys = append(keys, string(g))
		}
	default:
		for k := range groups {
			keys = append(keys, k)
		}
		slices.Sort(keys)
	}
	for _, k := range keys {
		g := groups[k]
		if g == nil {
			g = &groupTotals{}
		}
		rep.rows = append(rep.rows, rowOf(k, g))
	}
	rep.total = rowOf("", &total)
	return rep, nil
}

func (a *app) reportOpenRatesCommand() *cobra.Command {
	var from, to, by, format string
	c := &cobra.Command{
		Use:   "open-rates [--from DATE] [--to DATE] [--by exam|site|week|month|age|group] [--format table|csv|json]",
		Short: "Open rates, paper letters, reminders, requests and no-shows, by a breakdown",
		Long: `Print the pilot's figures for the summonses sent from --from through --to
(dates in Europe/Stockholm, --to included; default: the current ISO week and
the eleven before it), one row per examination, site, ISO week, month, age
band or channel group (--by, default exam) and a total. The README defines
every column. --format csv writes what a Swedish spreadsheet opens as it is:
UTF-8 with BOM, ';' between fields, decimal comma, CRLF.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(reportBys, by) {
				return usageT("cli_err_by", by, strings.Join(reportBys, ", "))
			}
			if !slices.Contains([]string{"table", "csv", "json"}, format) {
				return usageT("cli_err_format", format)
			}
			clk, err := a.clock()
			if err != nil {
				return err
			}
			lo, hi, err := reportRange(from, to, clk.Now())
			if err != nil {
				return err
			}
			svc, err := a.service()
			if err != nil {
				return err
			}
			rep, err := buildReport(a, svc.Reports(), lo, hi, by)
			if err != nil {
				return err
			}
			switch format {
			case "csv":
				return writeReportCSV(a.stdout, rep)
			case "json":
				return writeJSON(a.stdout, reportJSON(rep))
			}
			return writeReportTable(a.stdout, a.lang(), rep)
		},
	}
	f := c.Flags()
	f.StringVar(&from, "from", "", "first day (2026-09-07; default: the Monday eleven weeks before this week's)")
	f.StringVar(&to, "to", "", "last day, included (default: this week's Sunday)")
	f.StringVar(&by, "by", "exam", "one row per "+strings.Join(reportBys, ", "))
	f.StringVar(&format, "format", "table", "table, csv (Swedish spreadsheet) or json")
	return c
}

func (a *app) reportRebuildCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "rebuild [--json]",
		Short: "Recompute the report figures from the event log",
		Long: `Recompute every figure kept for the reports from the event log and compare
it with the figure kept; where any differs, write them all anew. The figures
are kept up to date as events are recorded; this is for after a change of
definitions, or to check. Staff and the loop go on working meanwhile.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.service()
			if err != nil {
				return err
			}
			r, err := svc.RebuildReports(a.ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, struct {
					Bookings int  `json:"bookings"`
					Written  bool `json:"written"`
				}{r.Bookings, r.Written})
			}
			if r.Written {
				fmt.Fprintln(a.stdout, a.T("cli_report_rebuilt", r.Bookings))
			} else {
				fmt.Fprintln(a.stdout, a.T("cli_report_rebuilt_agreed", r.Bookings))
			}
			if st, err := a.openStore(); err == nil {
				if free := st.FreePages(); free >= storage.CompactWorthwhile {
					fmt.Fprintln(a.stdout, a.T("cli_report_rebuilt_free", free))
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, `print {"bookings": N, "written": true|false}`)
	return c
}

// The CSV: what Excel and LibreOffice with Swedish settings open without an
// import dialog.
const csvBOM = "\uFEFF"

func csvCell(c cell) string {
	switch {
	case c.kind == cellCount:
		return strconv.Itoa(c.n)
	case math.IsNaN(c.f):
		return ""
	case c.kind == cellRate:
		return strings.Replace(strconv.FormatFloat(c.f, 'f', 3, 64), ".", ",", 1)
	}
	return strings.Replace(strconv.FormatFloat(c.f, 'f', 2, 64), ".", ",", 1)
}

func writeReportCSV(w io.Writer, rep report) error {
	var buf bytes.Buffer
	buf.WriteString(csvBOM)
	cw := csv.NewWriter(&buf)
	cw.Comma, cw.UseCRLF = ';', true
	header := []string{rep.by}
	for _, c := range reportColumns {
		header = append(header, c.name)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range append(slices.Clone(rep.rows), reportRow{key: "TOTAL", cells: rep.total.cells}) {
		rec := []string{r.key}
		for _, c := range r.cells {
			rec = append(rec, csvCell(c))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	return flushCSV(w, cw, &buf)
}

// jsonRow writes a row's fields in column order: the breakdown's value
// first (absent in the total), then the figures; undefined ones are null.
type jsonRow struct {
	by  string
	row reportRow
}

func (j jsonRow) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	field := func(name string, v any) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		val, _ := json.Marshal(v)
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	if j.by != "" {
		field(j.by, j.row.key)
	}
	for i, c := range j.row.cells {
		var v any
		switch {
		case c.kind == cellCount:
			v = c.n
		case math.IsNaN(c.f):
			v = nil
		case c.kind == cellRate:
			v = json.Number(strconv.FormatFloat(c.f, 'f', 3, 64))
		default:
			v = json.Number(strconv.FormatFloat(c.f, 'f', 2, 64))
		}
		field(reportColumns[i].name, v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

type reportJSONShape struct {
	From     string    `json:"from"`
	To       string    `json:"to"`
	TimeZone string    `json:"time_zone"`
	By       string    `json:"by"`
	Rows     []jsonRow `json:"rows"`
	Total    jsonRow   `json:"total"`
}

func reportJSON(rep report) reportJSONShape {
	v := reportJSONShape{From: rep.from.Format("2006-01-02"), To: rep.to.AddDate(0, 0, -1).Format("2006-01-02"),
		TimeZone: "Europe/Stockholm", By: rep.by, Rows: []jsonRow{}, Total: jsonRow{row: rep.total}}
	for _, r := range rep.rows {
		v.Rows = append(v.Rows, jsonRow{by: rep.by, row: r})
	}
	return v
}

// ---- report rollout (issue 12) ----

// flushCSV finishes a CSV built in buf and writes it to w whole: a report
// that fails half way writes nothing.
func flushCSV(w io.Writer, cw *csv.Writer, buf *bytes.Buffer) error {
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
