package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/kallelse/kallelse/domain/metrics"
	"github.com/kallelse/kallelse/tui/i18n"
)

// The reports as tables for a person, in the catalogue's words, numbers
// written the language's way (Swedish: decimal comma, "75,0 %"). CSV and
// JSON keep the column names and codes (cmd_report.go, cmd_report_rollout.go).

// decimal writes s, a number formatted with a decimal point, with the
// language's decimal sign.
func decimal(lang i18n.Lang, s string) string {
	if lang == i18n.Swedish {
		return strings.Replace(s, ".", ",", 1)
	}
	return s
}

// percent writes a percentage already multiplied by 100.
func percent(lang i18n.Lang, f float64, dec int) string {
	s := decimal(lang, strconv.FormatFloat(f, 'f', dec, 64))
	if lang == i18n.Swedish {
		return s + " %"
	}
	return s + "%"
}

func tableCell(lang i18n.Lang, c cell) string {
	switch {
	case c.kind == cellCount:
		return strconv.Itoa(c.n)
	case math.IsNaN(c.f):
		return "–"
	case c.kind == cellRate:
		return percent(lang, 100*c.f, 1)
	}
	return decimal(lang, strconv.FormatFloat(c.f, 'f', 2, 64))
}

// reportRowName is a row of the breakdown in words: age bands and channel
// groups; examinations, sites, weeks and months by their codes.
func reportRowName(lang i18n.Lang, by, key string) string {
	switch by {
	case "age":
		return i18n.T(lang, "cli_age_"+key)
	case "group":
		return i18n.T(lang, "cli_grp_"+key)
	}
	return key
}

// writeReportTable prints the report turned on its side: a line per figure,
// a column per row of the breakdown, the total last.
func writeReportTable(w io.Writer, lang i18n.Lang, rep report) error {
	byWord := i18n.T(lang, "cli_by_"+rep.by)
	fmt.Fprintln(w, i18n.T(lang, "cli_report_head", rep.from.Format("2006-01-02"), rep.to.AddDate(0, 0, -1).Format("2006-01-02"), byWord))
	fmt.Fprintln(w)
	// Right-aligned numbers; the names padded to one width stay left-aligned.
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', tabwriter.AlignRight)
	names := make([]string, len(reportColumns))
	width := utf8.RuneCountInString(byWord)
	for i, c := range reportColumns {
		names[i] = i18n.T(lang, "cli_col_"+c.name)
		width = max(width, utf8.RuneCountInString(names[i]))
	}
	pad := func(s string) string { return s + strings.Repeat(" ", width-utf8.RuneCountInString(s)) }
	line := []string{pad(strings.ToUpper(byWord))}
	for _, r := range rep.rows {
		line = append(line, reportRowName(lang, rep.by, r.key))
	}
	line = append(line, i18n.T(lang, "cli_total"))
	fmt.Fprintln(tw, strings.Join(line, "\t")+"\t")
	for i := range reportColumns {
		line = []string{pad(names[i])}
		for _, r := range rep.rows {
			line = append(line, tableCell(lang, r.cells[i]))
		}
		line = append(line, tableCell(lang, rep.total.cells[i]))
		fmt.Fprintln(tw, strings.Join(line, "\t")+"\t")
	}
	return tw.Flush()
}

// estimateText is "12.3 (10.1–14.6)", "too few" when no summons behind it
// could be estimated, with "*" when some could not.
func estimateText(lang i18n.Lang, e metrics.Estimate, expected, low, high float64) string {
	if e.Summonses > 0 && e.NotEstimated == e.Summonses && e.Certain == 0 {
		return i18n.T(lang, "cli_ro_too_few")
	}
	s := decimal(lang, fmt.Sprintf("%.1f", expected)) + " (" + decimal(lang, fmt.Sprintf("%.1f", low)) + "–" +
		decimal(lang, fmt.Sprintf("%.1f", high)) + ")"
	if e.NotEstimated > 0 {
		s += "*"
	}
	return s
}

func pctText(lang i18n.Lang, f float64) string {
	if math.IsNaN(f) {
		return "–"
	}
	return percent(lang, 100*f, 0)
}

func insideText(lang i18n.Lang, b *bool) string {
	switch {
	case b == nil:
		return "–"
	case *b:
		return i18n.T(lang, "yes")
	}
	return i18n.T(lang, "no")
}

// writeRolloutTable prints the report for a person: the projections, then
// the checks.
func writeRolloutTable(w io.Writer, lang i18n.Lang, r metrics.Rollout) error {
	t := func(key string, args ...any) string { return i18n.T(lang, key, args...) }
	fmt.Fprintln(w, t("cli_ro_head", day(r.From), lastDay(r.To), r.Days))
	fmt.Fprintln(w, t("cli_ro_head_rates", observedJSON(r.Observations, r.MinObserved).Summonses))
	fmt.Fprintln(w)
	footnote := false
	if len(r.Projections) == 0 {
		fmt.Fprintln(w, t("cli_ro_all_digital"))
	} else {
		tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, t("cli_hdr_rollout"))
		for _, p := range r.Projections {
			if p.Summonses == 0 {
				fmt.Fprintln(tw, p.Exam.Code+"\t0\t–\t–\t–\t–\t–")
				continue
			}
			line := []string{p.Exam.Code, strconv.Itoa(p.Summonses),
				fmt.Sprintf("%d (%s)", p.DigitalOnly, pctText(lang, ratioOf(p.DigitalOnly, p.Summonses))),
				fmt.Sprintf("%d (%s)", p.Late, pctText(lang, p.LateShare()))}
			for _, e := range []metrics.Estimate{p.LettersAvoided, p.Fallbacks, p.PhoneTasks} {
				m, lo, hi := e.PerMonth(p.Days)
				line = append(line, estimateText(lang, e, m, lo, hi))
				footnote = footnote || e.NotEstimated > 0
			}
			fmt.Fprintln(tw, strings.Join(line, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	if len(r.Checks) == 0 {
		fmt.Fprintln(w, t("cli_ro_no_checks"))
	} else {
		fmt.Fprintln(w, t("cli_ro_checks"))
	}
	for _, c := range r.Checks {
		n := days(c.BeforeFrom, c.BeforeTo)
		fmt.Fprintln(w)
		if n == 0 {
			fmt.Fprintln(w, t("cli_ro_check_none", c.Exam.Code, day(c.Since)))
			continue
		}
		fmt.Fprintln(w, t("cli_ro_check_head", c.Exam.Code, day(c.Since), n, c.Before.Summonses, day(c.BeforeFrom), lastDay(c.BeforeTo),
			c.Actual.Summonses, day(c.AfterFrom), lastDay(c.AfterTo)))
		if c.Scale == 0 {
			fmt.Fprintln(w, "  "+t("cli_ro_nothing"))
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "  "+t("cli_hdr_rollout_check"))
		for _, f := range []struct {
			key    string
			e      metrics.Estimate
			actual int
		}{{"cli_ro_letters_avoided", c.Projected.LettersAvoided, c.Actual.LettersAvoided},
			{"cli_ro_fallbacks", c.Projected.Fallbacks, c.Actual.Fallbacks},
			{"cli_ro_phone_tasks", c.Projected.PhoneTasks, c.Actual.PhoneTasks}} {
			footnote = footnote || f.e.NotEstimated > 0
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", t(f.key), estimateText(lang, f.e, f.e.Expected, f.e.Low, f.e.High), f.actual,
				insideText(lang, c.Inside(f.e, f.actual)))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if footnote {
		fmt.Fprintln(w)
		fmt.Fprintln(w, t("cli_ro_footnote", r.MinObserved))
	}
	return nil
}
