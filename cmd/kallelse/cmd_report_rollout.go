package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/adapters/demo"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// rolloutRange reads --from and --to (dates; --to inclusive) for the
// rollout report. The default is the 84 days (12 weeks) before today.
func rolloutRange(from, to string, now time.Time) (time.Time, time.Time, error) {
	hi := startOfDay(now)
	lo := hi.AddDate(0, 0, -metrics.CheckDays)
	if to != "" {
		t, err := parseBound(to, true)
		if err != nil {
			return lo, hi, usageT("cli_err_flag", "--to", err)
		}
		if !t.Equal(startOfDay(t)) {
			return lo, hi, usageT("cli_err_give_date", "--to", to)
		}
		hi = t
		if from == "" {
			lo = hi.AddDate(0, 0, -metrics.CheckDays)
		}
	}
	if from != "" {
		t, err := parseBound(from, false)
		if err != nil {
			return lo, hi, usageT("cli_err_flag", "--from", err)
		}
		if !t.Equal(startOfDay(t)) {
			return lo, hi, usageT("cli_err_give_date", "--from", from)
		}
		lo = t
	}
	if !lo.Before(hi) {
		return lo, hi, usageT("cli_err_from_after_to", lo.Format("2006-01-02"), hi.AddDate(0, 0, -1).Format("2006-01-02"))
	}
	return lo, hi, nil
}

// rolloutSwitches are the days examinations went digital: the
// configuration's exams.<code>.digital_since, and on a demo database the
// day the demo switched its examination on, unless the configuration gives
// one. The value is where the date comes from.
func (a *app) rolloutSwitches() (map[string]time.Time, map[string]string, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	since, source := cfg.DigitalSince(), map[string]string{}
	for code := range since {
		source[code] = "configuration"
	}
	st, err := a.openStore()
	if err != nil {
		return nil, nil, err
	}
	mark, err := st.Meta(demo.DigitalSinceMeta)
	if err != nil {
		return nil, nil, err
	}
	for _, part := range strings.Split(mark, ",") {
		code, day, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		d, err := time.ParseInLocation("2006-01-02", day, domain.Stockholm)
		if _, set := since[code]; err != nil || set {
			continue
		}
		since[code], source[code] = d, "demo"
	}
	return since, source, nil
}

func (a *app) reportRolloutCommand() *cobra.Command {
	var from, to, format string
	c := &cobra.Command{
		Use:   "rollout [--from DATE] [--to DATE] [--format table|csv|json]",
		Short: "What each examination not yet digital would save, and whether the last step kept its promise",
		Long: `For every examination not yet digital: its bookings with a visit from --from
through --to (dates in Europe/Stockholm, --to included; default: the 84 days
before today), each summons run through the real channel policy as if the
examination were digital, and the letters avoided, fallback letters and phone
tasks to expect, per month, with 90 % intervals, from the open rates observed
among digital summonses of comparable patients sent in the same period
(age band × 1177 account and notifications × interpreter). One row per
examination, most letters avoided first.

For every digital examination with a known switch date
(exams.<code>.digital_since): the same projection from the 12 weeks before the
switch, scaled to the summonses of the 12 weeks after it (up to today), beside
what happened to them. The README defines every figure.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains([]string{"table", "csv", "json"}, format) {
				return usageT("cli_err_format", format)
			}
			clk, err := a.clock()
			if err != nil {
				return err
			}
			now := clk.Now()
			lo, hi, err := rolloutRange(from, to, now)
			if err != nil {
				return err
			}
			svc, err := a.service()
			if err != nil {
				return err
			}
			_, sources, err := a.rolloutSwitches()
			if err != nil {
				return err
			}
			r, err := svc.Rollout(a.ctx, lo, hi)
			if err != nil {
				return err
			}
			switch format {
			case "csv":
				return writeRolloutCSV(a.stdout, r, sources)
			case "json":
				return writeJSON(a.stdout, rolloutJSON(r, sources))
			}
			return writeRolloutTable(a.stdout, a.lang(), r)
		},
	}
	f := c.Flags()
	f.StringVar(&from, "from", "", "first day of visits (2026-09-07; default: 84 days before --to)")
	f.StringVar(&to, "to", "", "last day of visits, included (default: yesterday)")
	f.StringVar(&format, "format", "table", "table, csv (Swedish spreadsheet) or json")
	return c
}

// rnum is a number for JSON with dec decimals; NaN is null.
func rnum(f float64, dec int) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return json.Number(strconv.FormatFloat(f, 'f', dec, 64))
}

func rptr(f *float64, dec int) any {
	if f == nil {
		return nil
	}
	return rnum(*f, dec)
}

type rolloutGroupJSON struct {
	metrics.Comparable
	WaitH     any  `json:"wait_h"`
	Summonses int  `json:"summonses"`
	Observed  int  `json:"observed"`
	Counted   int  `json:"counted"`
	Rate      any  `json:"rate"`
	RateLow   any  `json:"rate_low"`
	RateHigh  any  `json:"rate_high"`
	Expected  any  `json:"expected"`
	TooFew    bool `json:"too_few"`
}

type rolloutEstimateJSON struct {
	Expected     any                `json:"expected"`
	Low          any                `json:"low"`
	High         any                `json:"high"`
	PerMonth     any                `json:"per_month,omitempty"`
	PerMonthLow  any                `json:"per_month_low,omitempty"`
	PerMonthHigh any                `json:"per_month_high,omitempty"`
	Certain      int                `json:"certain"`
	Summonses    int                `json:"summonses"`
	NotEstimated int                `json:"not_estimated"`
	Groups       []rolloutGroupJSON `json:"groups"`
}

func estimateJSON(e metrics.Estimate, days int) rolloutEstimateJSON {
	out := rolloutEstimateJSON{Expected: rnum(e.Expected, 2), Low: rnum(e.Low, 2), High: rnum(e.High, 2), Certain: e.Certain,
		Summonses: e.Summonses, NotEstimated: e.NotEstimated, Groups: []rolloutGroupJSON{}}
	if days > 0 {
		m, lo, hi := e.PerMonth(days)
		out.PerMonth, out.PerMonthLow, out.PerMonthHigh = rnum(m, 2), rnum(lo, 2), rnum(hi, 2)
	}
	for _, g := range e.Groups {
		out.Groups = append(out.Groups, rolloutGroupJSON{Comparable: g.Comparable, WaitH: rnum(g.WaitHours, 2), Summonses: g.Summonses,
			Observed: g.Observed, Counted: g.Counted, Rate: rptr(g.Rate, 3), RateLow: rptr(g.RateLow, 3), RateHigh: rptr(g.RateHigh, 3),
			Expected: rptr(g.Expected, 2), TooFew: g.TooFew})
	}
	return out
}

type rolloutMixJSON struct {
	Summonses    int                   `json:"summonses"`
	DigitalOnly  int                   `json:"digital_only"`
	DigitalPaper int                   `json:"digital_paper"`
	PaperOnly    int                   `json:"paper_only"`
	Reasons      map[domain.Reason]int `json:"reasons"`
	Letters      int                   `json:"letters_with_summons"`
	PhoneNow     int                   `json:"phone_now"`
	FollowLetter int                   `json:"follow_letter"`
	Shortened    int                   `json:"follow_letter_shortened"`
	FollowPhone  int                   `json:"follow_phone"`
	Late         int                   `json:"late"`
	LateShare    any                   `json:"late_share"`
}

func mixJSON(t metrics.Tally) rolloutMixJSON {
	reasons := t.Reasons
	if reasons == nil {
		reasons = map[domain.Reason]int{}
	}
	return rolloutMixJSON{Summonses: t.Summonses, DigitalOnly: t.DigitalOnly, DigitalPaper: t.DigitalPaper, PaperOnly: t.PaperOnly,
		Reasons: reasons, Letters: t.Letters, PhoneNow: t.PhoneNow, FollowLetter: t.FollowLetter, Shortened: t.Shortened, FollowPhone: t.FollowPhone,
		Late: t.Late, LateShare: rnum(t.LateShare(), 3)}
}

type rolloutProjectionJSON struct {
	Exam string `json:"exam"`
	Name string `json:"name"`
	rolloutMixJSON
	LettersAvoided rolloutEstimateJSON `json:"letters_avoided"`
	Fallbacks      rolloutEstimateJSON `json:"fallbacks"`
	PhoneTasks     rolloutEstimateJSON `json:"phone_tasks"`
}

type rolloutComparisonJSON struct {
	Projected rolloutEstimateJSON `json:"projected"`
	Actual    int                 `json:"actual"`
	Inside    *bool               `json:"inside"`
}

type rolloutWindowJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type rolloutCheckJSON struct {
	Exam         string             `json:"exam"`
	Name         string             `json:"name"`
	DigitalSince string             `json:"digital_since"`
	Source       string             `json:"digital_since_from"`
	BeforeWindow *rolloutWindowJSON `json:"before_visits"` // null: no whole day after the switch yet
	AfterWindow  *rolloutWindowJSON `json:"after_visits"`
	Before       rolloutMixJSON     `json:"before"`
	After        int                `json:"after_summonses"`
	Scale        any                `json:"scale"`
	Observed     int                `json:"observed_before"`

	LettersAvoided rolloutComparisonJSON `json:"letters_avoided"`
	Fallbacks      rolloutComparisonJSON `json:"fallbacks"`
	PhoneTasks     rolloutComparisonJSON `json:"phone_tasks"`
}

type rolloutObservedGroupJSON struct {
	metrics.Comparable
	Sent                 int  `json:"sent"`
	OpenedBeforeFallback int  `json:"opened_before_fallback"`
	RateFallback         any  `json:"rate_fallback"`
	RateFallbackLow      any  `json:"rate_fallback_low"`
	RateFallbackHigh     any  `json:"rate_fallback_high"`
	OpenedBeforePhone    int  `json:"opened_before_phone"`
	RatePhone            any  `json:"rate_phone"`
	RatePhoneLow         any  `json:"rate_phone_low"`
	RatePhoneHigh        any  `json:"rate_phone_high"`
	TooFew               bool `json:"too_few"`
}

type rolloutObservedJSON struct {
	Summonses int                        `json:"summonses"`
	Unsettled int                        `json:"unsettled"`
	SettledBy string                     `json:"settled_by"`
	Groups    []rolloutObservedGroupJSON `json:"groups"`
}

type rolloutJSONShape struct {
	From          string                  `json:"from"`
	To            string                  `json:"to"`
	Days          int                     `json:"days"`
	TimeZone      string                  `json:"time_zone"`
	Interval      any                     `json:"interval"`
	MinObserved   int                     `json:"min_observed"`
	FallbackWaitH any                     `json:"fallback_wait_h"`
	PhoneWaitH    any                     `json:"phone_wait_h"`
	Observed      rolloutObservedJSON     `json:"observed"`
	Projections   []rolloutProjectionJSON `json:"projections"`
	Checks        []rolloutCheckJSON      `json:"checks"`
}

func day(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02") }

// lastDay is the inclusive last day of [from, to) days.
func lastDay(to time.Time) string { return day(startOfDay(to).AddDate(0, 0, -1)) }

func observedJSON(o *metrics.Observations, minObserved int) rolloutObservedJSON {
	out := rolloutObservedJSON{Unsettled: o.Unsettled, SettledBy: o.SettledBy.In(domain.Stockholm).Format(time.RFC3339),
		Groups: []rolloutObservedGroupJSON{}}
	for _, g := range o.Sorted() {
		x := o.Groups[g]
		out.Summonses += x.Sent
		row := rolloutObservedGroupJSON{Comparable: g, Sent: x.Sent, OpenedBeforeFallback: x.OpenedBeforeFallback,
			OpenedBeforePhone: x.OpenedBeforePhone, TooFew: x.Sent < minObserved}
		if !row.TooFew {
			lo, hi := metrics.Wilson(x.OpenedBeforeFallback, x.Sent, metrics.Z90)
			row.RateFallback, row.RateFallbackLow, row.RateFallbackHigh = rnum(float64(x.OpenedBeforeFallback)/float64(x.Sent), 3), rnum(lo, 3), rnum(hi, 3)
			lo, hi = metrics.Wilson(x.OpenedBeforePhone, x.Sent, metrics.Z90)
			row.RatePhone, row.RatePhoneLow, row.RatePhoneHigh = rnum(float64(x.OpenedBeforePhone)/float64(x.Sent), 3), rnum(lo, 3), rnum(hi, 3)
		}
		out.Groups = append(out.Groups, row)
	}
	return out
}

func rolloutJSON(r metrics.Rollout, sources map[string]string) rolloutJSONShape {
	v := rolloutJSONShape{From: day(r.From), To: lastDay(r.To), Days: r.Days, TimeZone: "Europe/Stockholm", Interval: rnum(0.9, 2),
		MinObserved: r.MinObserved, FallbackWaitH: rnum(r.Observations.FallbackWait.Hours(), 2),
		PhoneWaitH: rnum(r.Observations.PhoneWait.Hours(), 2), Observed: observedJSON(r.Observations, r.MinObserved),
		Projections: []rolloutProjectionJSON{}, Checks: []rolloutCheckJSON{}}
	for _, p := range r.Projections {
		v.Projections = append(v.Projections, rolloutProjectionJSON{Exam: p.Exam.Code, Name: p.Exam.Name, rolloutMixJSON: mixJSON(p.Tally),
			LettersAvoided: estimateJSON(p.LettersAvoided, p.Days), Fallbacks: estimateJSON(p.Fallbacks, p.Days),
			PhoneTasks: estimateJSON(p.PhoneTasks, p.Days)})
	}
	for _, c := range r.Checks {
		obs := 0
		for _, x := range c.Observations.Groups {
			obs += x.Sent
		}
		cmpJSON := func(e metrics.Estimate, actual int) rolloutComparisonJSON {
			return rolloutComparisonJSON{Projected: estimateJSON(e, 0), Actual: actual, Inside: c.Inside(e, actual)}
		}
		var before, after *rolloutWindowJSON
		if c.AfterTo.After(c.AfterFrom) {
			before = &rolloutWindowJSON{day(c.BeforeFrom), lastDay(c.BeforeTo)}
			after = &rolloutWindowJSON{day(c.AfterFrom), lastDay(c.AfterTo)}
		}
		v.Checks = append(v.Checks, rolloutCheckJSON{Exam: c.Exam.Code, Name: c.Exam.Name, DigitalSince: day(c.Since),
			Source: sources[c.Exam.Code], BeforeWindow: before, AfterWindow: after, Before: mixJSON(c.Before),
			After: c.Actual.Summonses, Scale: rnum(c.Scale, 3), Observed: obs,
			LettersAvoided: cmpJSON(c.Projected.LettersAvoided, c.Actual.LettersAvoided),
			Fallbacks:      cmpJSON(c.Projected.Fallbacks, c.Actual.Fallbacks),
			PhoneTasks:     cmpJSON(c.Projected.PhoneTasks, c.Actual.PhoneTasks)})
	}
	return v
}

// rolloutCSVHeader are the CSV's columns; the README defines them.
var rolloutCSVHeader = func() []string {
	h := []string{"kind", "exam", "digital_since", "summonses", "before_summonses", "digital_only", "digital_paper", "paper_only",
		"late", "late_share"}
	for _, f := range []string{"letters_avoided", "fallbacks", "phone_tasks"} {
		h = append(h, f, f+"_low", f+"_high", f+"_per_month", f+"_per_month_low", f+"_per_month_high")
	}
	return append(h, "not_estimated", "actual_letters_avoided", "actual_fallbacks", "actual_phone_tasks",
		"letters_avoided_inside", "fallbacks_inside", "phone_tasks_inside")
}()

// csvNum writes f with dec decimals and a decimal comma; NaN is empty.
func csvNum(f float64, dec int) string {
	if math.IsNaN(f) {
		return ""
	}
	return strings.Replace(strconv.FormatFloat(f, 'f', dec, 64), ".", ",", 1)
}

func csvBool(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

func writeRolloutCSV(w io.Writer, r metrics.Rollout, sources map[string]string) error {
	var buf bytes.Buffer
	buf.WriteString(csvBOM)
	cw := csv.NewWriter(&buf)
	cw.Comma, cw.UseCRLF = ';', true
	if err := cw.Write(rolloutCSVHeader); err != nil {
		return err
	}
	figures := func(es metrics.Estimates, days int) []string {
		var out []string
		for _, e := range []metrics.Estimate{es.LettersAvoided, es.Fallbacks, es.PhoneTasks} {
			out = append(out, csvNum(e.Expected, 2), csvNum(e.Low, 2), csvNum(e.High, 2))
			if days > 0 {
				m, lo, hi := e.PerMonth(days)
				out = append(out, csvNum(m, 2), csvNum(lo, 2), csvNum(hi, 2))
			} else {
				out = append(out, "", "", "")
			}
		}
		return append(out, strconv.Itoa(es.LettersAvoided.NotEstimated+es.PhoneTasks.NotEstimated))
	}
	for _, p := range r.Projections {
		rec := []string{"projection", p.Exam.Code, "", strconv.Itoa(p.Summonses), "", strconv.Itoa(p.DigitalOnly),
			strconv.Itoa(p.DigitalPaper), strconv.Itoa(p.PaperOnly), strconv.Itoa(p.Late), csvNum(p.LateShare(), 3)}
		rec = append(rec, figures(p.Estimates, p.Days)...)
		rec = append(rec, "", "", "", "", "", "")
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	for _, c := range r.Checks {
		rec := []string{"check", c.Exam.Code, day(c.Since), strconv.Itoa(c.Actual.Summonses), strconv.Itoa(c.Before.Summonses),
			"", "", "", "", ""}
		rec = append(rec, figures(c.Projected, 0)...)
		rec = append(rec, strconv.Itoa(c.Actual.LettersAvoided), strconv.Itoa(c.Actual.Fallbacks), strconv.Itoa(c.Actual.PhoneTasks),
			csvBool(c.Inside(c.Projected.LettersAvoided, c.Actual.LettersAvoided)),
			csvBool(c.Inside(c.Projected.Fallbacks, c.Actual.Fallbacks)),
			csvBool(c.Inside(c.Projected.PhoneTasks, c.Actual.PhoneTasks)))
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	return flushCSV(w, cw, &buf)
}

// days counts the calendar days of [from, to), daylight saving or not.
func days(from, to time.Time) int { return int(math.Round(to.Sub(from).Hours() / 24)) }

func ratioOf(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}
