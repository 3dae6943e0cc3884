package overview

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/tui/internal/tuitest"

	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
	"github.com/kallelse/kallelse/domain/service"
)

// TestDashboard runs the tests that only read on one demo database, which
// takes most of the time to build.
func TestDashboard(t *testing.T) {
	e := tuitest.Demo(t, 150, 400)
	r := tuitest.NewReports(t, e)
	for _, c := range []struct {
		name string
		test func(*testing.T, *tuitest.Env, *tuitest.Reports)
	}{
		{"Screen", testDashboardScreen},
		{"KeyFiguresEqualTotalsOfTheFacts", testDashboardKeyFigures},
		{"ExamFilter", testDashboardExamFilter},
		{"TabCyclesBreakdowns", testDashboardTabs},
		{"DrillDownListsTheBookingsBehindARow", testDashboardDrillDown},
		{"ArrowsMoveTheRange", testDashboardRange},
		{"UndefinedRatesAreDashes", testDashboardUndefined},
		{"WithoutReportsAndInEnglish", testDashboardNoReportsAndEnglish},
		{"TabShowsTheBreakdownAt80x24", testDashboardTabAt80x24},
		{"TheMedianIsWrittenOneWay", testDashboardMedianOneWay},
		{"TheTrendIsAChartWithAxes", testDashboardChart},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, e, r) })
	}
}

// dashStart opens the overview in a terminal of w×h, with the root played
// by the harness.
// sizes are the terminals the overview is tried in.
var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

func dashStart(t *testing.T, e *tuitest.Env, r common.Reports, w, h int) *tuitest.Page {
	t.Helper()
	c := tuitest.EnvCommon(e, w, h)
	if r != nil {
		c.Backend.Reports = r
	}
	return tuitest.Open(t, c, New)
}

func dashPage(m *tuitest.Page) *Model { return m.Comp.(*Model) }

func testDashboardScreen(t *testing.T, e *tuitest.Env, r *tuitest.Reports) {
	for _, s := range sizes {
		t.Run(fmt.Sprintf("%dx%d", s.w, s.h), func(t *testing.T) {
			m := dashStart(t, e, r, s.w, s.h)
			v := m.View()
			tuitest.Contains(t, v, "Digitala kallelser skickade", "Andel öppnade per undersökning", "enter bokningar")
			for i, line := range strings.Split(v, "\n") {
				if w := len([]rune(line)); w > s.w {
					t.Errorf("line %d is %d wide at %d columns: %q", i, w, s.w, line)
				}
			}
			if n := strings.Count(v, "\n") + 1; n > s.h {
				t.Errorf("%d lines at %d rows", n, s.h)
			}
			golden.RequireEqual(t, []byte(v))
		})
	}
}

// dashSum adds up facts, independently of the page.
func dashSum(fs []metrics.Fact, keep func(metrics.Fact) bool) metrics.Totals {
	var t metrics.Totals
	for _, f := range fs {
		if keep(f) {
			t.Add(f, 1)
		}
	}
	return t
}

// svPct is a rate as the Swedish screen writes it, formatted here on its own.
func svPct(a, b int) string {
	return strings.Replace(fmt.Sprintf("%.1f %%", 100*float64(a)/float64(b)), ".", ",", 1)
}

// lineWith is the first line of the view containing every part.
func lineWith(t *testing.T, v string, parts ...string) string {
	t.Helper()
outer:
	for _, l := range strings.Split(v, "\n") {
		for _, p := range parts {
			if !strings.Contains(l, p) {
				continue outer
			}
		}
		return l
	}
	t.Fatalf("no line with %q in:\n%s", parts, v)
	return ""
}

func testDashboardKeyFigures(t *testing.T, e *tuitest.Env, r *tuitest.Reports) {
	m := dashStart(t, e, r, 120, 40)
	p := dashPage(m)
	weeks := p.weekNames()
	if weeks[len(weeks)-1] != "2026-W48" || weeks[0] != "2026-W37" || len(weeks) != 12 {
		t.Fatalf("range %v, want 2026-W37..2026-W48", weeks)
	}
	facts := r.All(weeks[0], weeks[len(weeks)-1])
	all := dashSum(facts, func(metrics.Fact) bool { return true })
	if all.DigitalSent == 0 || all.Opened == 0 || all.NoShow == 0 {
		t.Fatalf("the demo has too little to show: %+v", all)
	}
	got := p.sum.total
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"summonses", got.Summonses, all.Summonses}, {"digital", got.DigitalSent, all.DigitalSent},
		{"opened", got.Opened, all.Opened}, {"in time", got.OpenedInTime, all.OpenedInTime},
		{"avoided", got.PaperAvoided, all.PaperAvoided}, {"fallback", got.Fallback, all.Fallback},
		{"by hand", got.FallbackByHand, all.FallbackByHand}, {"complement", got.ComplementSent, all.ComplementSent},
		{"paper only", got.PaperOnlySent, all.PaperOnlySent}, {"reminders", got.Reminders, all.Reminders},
		{"rebook", got.RebookRequests, all.RebookRequests}, {"cancel", got.CancelRequests, all.CancelRequests},
		{"no-show", got.NoShow, all.NoShow}, {"attended", got.Attended, all.Attended},
	} {
		if c.got != c.want {
			t.Errorf("%s: page %d, facts %d", c.name, c.got, c.want)
		}
	}
	v := m.View()
	lineWith(t, v, "Digitala kallelser skickade", fmt.Sprint(all.DigitalSent))
	lineWith(t, v, "Öppnade ", fmt.Sprintf("%d (%s)", all.Opened, svPct(all.Opened, all.DigitalSent)))
	lineWith(t, v, "Öppnade inom 3 dygn", svPct(all.OpenedInTime, all.DigitalSent))
	lineWith(t, v, "Papper som sparats", fmt.Sprint(all.PaperAvoided))
	lineWith(t, v, "Papper efter 3 dygn (R4)", fmt.Sprint(all.Fallback))
	lineWith(t, v, "Papper som komplement: "+fmt.Sprint(all.ComplementSent)+" kallelser; brev per skäl")
	// The median of the facts' delays, as reported (its bucket's upper edge).
	var delays []time.Duration
	for _, f := range facts {
		if f.Opened == 1 {
			delays = append(delays, metrics.Reported(f.OpenDelay))
		}
	}
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	med := delays[(len(delays)+1)/2-1]
	lineWith(t, v, "Tid till öppning, median", common.FmtDelay(i18n.Swedish, med))
	// No-shows per channel group, the pilot's question.
	for _, g := range metrics.Groups {
		gt := dashSum(facts, func(f metrics.Fact) bool { return f.Key.Group == g })
		want := i18n.T(i18n.Swedish, "dash_grp_"+string(g)) + " –"
		if n := gt.NoShow + gt.Attended; n > 0 {
			want = fmt.Sprintf("%s %s (%d av %d)", i18n.T(i18n.Swedish, "dash_grp_"+string(g)), svPct(gt.NoShow, n), gt.NoShow, n)
		}
		if !strings.Contains(v, want) {
			t.Errorf("no-shows of %s: want %q in\n%s", g, want, v)
		}
	}
	// The open rate of the examination with the most digital summonses, in
	// its bar and its table row; an examination without any is "–".
	perExam := map[string]metrics.Totals{}
	for _, f := range facts {
		t := perExam[f.Key.Exam]
		t.Add(f, 1)
		perExam[f.Key.Exam] = t
	}
	busiest, dark := "", ""
	for ex, t := range perExam {
		if busiest == "" || t.DigitalSent > perExam[busiest].DigitalSent || t.DigitalSent == perExam[busiest].DigitalSent && ex < busiest {
			busiest = ex
		}
		if t.DigitalSent == 0 && t.Summonses > 0 && (dark == "" || ex < dark) {
			dark = ex
		}
	}
	bt := perExam[busiest]
	rate := svPct(bt.Opened, bt.DigitalSent)
	lineWith(t, v, " "+busiest+" ", "█", fmt.Sprintf("%s (%d/%d)", rate, bt.Opened, bt.DigitalSent))
	row := lineWith(t, v, " "+busiest+" ", rate, svPct(bt.OpenedInTime, bt.DigitalSent))
	if !strings.Contains(row, fmt.Sprintf(" %d ", bt.DigitalSent)) {
		t.Errorf("row of %s lacks %d sent: %q", busiest, bt.DigitalSent, row)
	}
	if dark == "" {
		t.Fatal("the demo has no examination without digital summons")
	}
	bar := lineWith(t, v, " "+dark+" ", "ingen digital kallelse")
	if !strings.Contains(bar, "–") || strings.Contains(bar, "0,0 %") {
		t.Errorf("undefined open rate of %s not shown as –: %q", dark, bar)
	}
	drow := lineWith(t, v, " "+dark+" ", fmt.Sprint(perExam[dark].PaperLetters()))
	if strings.Count(drow, "–") < 3 {
		t.Errorf("row of %s should show – for open rates and median: %q", dark, drow)
	}
}

func testDashboardExamFilter(t *testing.T, e *tuitest.Env, r *tuitest.Reports) {
	m := dashStart(t, e, r, 120, 40)
	p := dashPage(m)
	m.Keys("e")
	first := e.Svc.Catalogue.Exams()[0].Code
	if p.exam != first {
		t.Fatalf("e filters on %q, want %q", p.exam, first)
	}
	weeks := p.weekNames()
	want := dashSum(r.All(weeks[0], weeks[11]), func(f metrics.Fact) bool { return f.Key.Exam == first })
	if p.sum.total.DigitalSent != want.DigitalSent || p.sum.total.Opened != want.Opened || p.sum.total.Summonses != want.Summonses {
		t.Fatalf("filtered totals %+v, want %+v", p.sum.total, want)
	}
	if len(p.sum.exams) != 1 || p.sum.exams[0].label != first {
		t.Fatalf("bars under the filter: %+v", p.sum.exams)
	}
	tuitest.Contains(t, m.View(), "undersökning: "+first)
	// Round the cycle back to all.
	for range e.Svc.Catalogue.Exams() {
		m.Keys("e")
	}
	if p.exam != "" {
		t.Fatalf("after a full cycle the filter is %q", p.exam)
	}
}

func testDashboardTabs(t *testing.T, e *tuitest.Env, r *tuitest.Reports) {
	m := dashStart(t, e, r, 80, 24)
	p := dashPage(m)
	want := []struct {
		by    dashBreakdown
		tab   string
		first string
		n     int
	}{
		{dashBySite, "[sjukhus]", e.Svc.Catalogue.Sites()[0].Name, len(e.Svc.Catalogue.Sites())},
		{dashByWeek, "[vecka]", "2026-W37", 12},
		{dashByAge, "[åldersgrupp]", "under 18 år", 0},
		{dashByGroup, "[kanalgrupp]", "endast digitalt", 3},
		{dashByExam, "[undersökning]", e.Svc.Catalogue.Exams()[0].Code, len(e.Svc.Catalogue.Exams())},
	}
	for _, w := range want {
		m.Keys("tab")
		if p.by != w.by {
			t.Fatalf("tab gives breakdown %d, want %d", p.by, w.by)
		}
		if w.n > 0 && len(p.sum.table) != w.n || p.sum.table[0].label != w.first {
			t.Fatalf("breakdown %s: %d rows from %q", w.tab, len(p.sum.table), p.sum.table[0].label)
		}
		// Each breakdown's rows add up to the total.
		var sent, sum int
		for _, row := range p.sum.table {
			sent += row.t.DigitalSent
			sum += row.t.Summonses
		}
		if sent != p.sum.total.DigitalSent || sum != p.sum.total.Summonses {
			t.Errorf("breakdown %s adds up to %d/%d, total %d/%d", w.tab, sent, sum, p.sum.total.DigitalSent, p.sum.total.Summonses)
		}
		m.Keys("G") // to the last row, so that the table is on screen
		tuitest.Contains(t, m.View(), w.tab)
	}
	m.Do(p.update(tea.KeyMsg{Type: tea.KeyShiftTab}))
	if p.by != dashByGroup {
		t.Fatalf("shift+tab gives %d", p.by)
	}
}

// factIDs are the summonses as booking@sent.
func factIDs(fs []metrics.Fact) []string {
	var out []string
	for _, f := range fs {
		out = append(out, factKey(f))
	}
	sort.Strings(out)
	return out
}

func testDashboardDrillDown(t *testing.T, e *tuitest.Env, r *tuitest.Reports) {
	m := dashStart(t, e, r, 80, 24)
	p := dashPage(m)
	weeks := p.weekNames()
	facts := r.All(weeks[0], weeks[11])

	// A bar: the first examination's summonses.
	exam := p.sum.exams[0].label
	m.Keys("enter")
	if p.drill == nil || !p.drill.loaded {
		t.Fatal("enter on a bar shows no drill-down")
	}
	wantExam := factIDs(filterFacts(facts, func(f metrics.Fact) bool { return f.Key.Exam == exam }))
	if got := factIDs(p.drill.facts); strings.Join(got, ",") != strings.Join(wantExam, ",") || len(got) == 0 {
		t.Fatalf("drill-down of %s: %d summonses, want %d", exam, len(got), len(wantExam))
	}
	if len(wantExam) != p.sum.exams[0].t.Summonses {
		t.Fatalf("the bar counts %d summonses, the drill-down %d", p.sum.exams[0].t.Summonses, len(wantExam))
	}
	v := m.View()
	tuitest.Contains(t, v, "Bakom undersökning "+exam+" — kallelser "+fmt.Sprint(len(wantExam)), "Bokning", "Kanalgrupp")
	for i, line := range strings.Split(v, "\n") {
		if w := len([]rune(line)); w > 80 {
			t.Errorf("drill-down line %d is %d wide: %q", i, w, line)
		}
	}
	m.Keys("esc")
	if p.drill != nil {
		t.Fatal("esc does not return to the overview")
	}

	// A table row of the site breakdown: filtered by site, not a parameter
	// of Members.
	m.Keys("tab", "G")
	site := p.sum.table[len(p.sum.table)-1]
	if site.sel.site == "" {
		t.Fatalf("last row of the site breakdown: %+v", site)
	}
	m.Keys("enter")
	wantSite := filterFacts(facts, func(f metrics.Fact) bool { return f.Key.Site == site.sel.site })
	if got := factIDs(p.drill.facts); strings.Join(got, ",") != strings.Join(factIDs(wantSite), ",") || len(got) == 0 {
		t.Fatalf("drill-down of site %s: %d summonses, want %d", site.sel.site, len(got), len(wantSite))
	}
	// The second summons opens its booking's detail.
	m.Keys("down")
	want := p.drill.facts[1].Booking
	m.Keys("enter")
	if !m.Went(common.OpenDetailMsg{ID: want}) {
		t.Fatalf("enter asks for %#v, want OpenDetailMsg{%d}", m.Nav, want)
	}
	// Back to the same drill-down, the same summons selected: the root
	// loads the page again.
	m.Do(m.Comp.Init())
	if p.drill == nil || p.drill.facts[p.drill.cursor].Booking != want {
		t.Fatalf("back from the detail: drill %v", p.drill != nil)
	}

	// A week row and a channel group row.
	m.Keys("esc", "tab", "G")
	week := p.sum.table[len(p.sum.table)-1]
	m.Keys("enter")
	wantWeek := filterFacts(facts, func(f metrics.Fact) bool { return f.Key.Week() == week.sel.week })
	if strings.Join(factIDs(p.drill.facts), ",") != strings.Join(factIDs(wantWeek), ",") || len(wantWeek) == 0 {
		t.Fatalf("drill-down of week %s: %d summonses, want %d", week.sel.week, len(p.drill.facts), len(wantWeek))
	}
	m.Keys("esc", "tab", "tab", "G")
	grp := p.sum.table[len(p.sum.table)-1]
	m.Keys("enter")
	wantGrp := filterFacts(facts, func(f metrics.Fact) bool { return f.Key.Group == grp.sel.group })
	if strings.Join(factIDs(p.drill.facts), ",") != strings.Join(factIDs(wantGrp), ",") || len(wantGrp) == 0 {
		t.Fatalf("drill-down of group %s: %d summonses, want %d", grp.sel.group, len(p.drill.facts), len(wantGrp))
	}
	for _, f := range p.drill.facts {
		if f.Key.Group == metrics.PaperOnly && f.DigitalSent != 0 {
			t.Fatalf("paper-only summons with a digital one: %+v", f)
		}
	}
	m.Keys("esc", "esc")
	if !m.Went(common.BackMsg{}) {
		t.Fatalf("esc esc asks for %#v", m.Nav)
	}
}

func filterFacts(fs []metrics.Fact, keep func(metrics.Fact) bool) []metrics.Fact {
	var out []metrics.Fact
	for _, f := range fs {
		if keep(f) {
			out = append(out, f)
		}
	}
	return out
}

func testDashboardRange(t *testing.T, e *tuitest.Env, r *tuitest.Reports) {
	m := dashStart(t, e, r, 80, 24)
	p := dashPage(m)
	calls := r.TotalsCalls
	m.Keys("left")
	if w := p.weekNames(); w[0] != "2026-W36" || w[11] != "2026-W47" {
		t.Fatalf("← gives %s..%s", w[0], w[11])
	}
	if r.TotalsCalls != calls+1 {
		t.Fatalf("← read the figures %d times", r.TotalsCalls-calls)
	}
	tuitest.Contains(t, m.View(), "Veckor 2026-W36 – 2026-W47 (2026-08-31 – 2026-11-22)")
	// The figures are of the new range.
	want := dashSum(r.All("2026-W36", "2026-W47"), func(metrics.Fact) bool { return true })
	if p.sum.total.DigitalSent != want.DigitalSent || p.sum.total.Summonses != want.Summonses {
		t.Fatalf("after ←: %d digital of %d, want %d of %d", p.sum.total.DigitalSent, p.sum.total.Summonses, want.DigitalSent, want.Summonses)
	}
	m.Keys("right")
	if w := p.weekNames(); w[11] != "2026-W48" {
		t.Fatalf("→ gives ..%s", w[11])
	}
	// Never past the current week.
	calls = r.TotalsCalls
	m.Keys("right", "]")
	if w := p.weekNames(); w[11] != "2026-W48" || r.TotalsCalls != calls {
		t.Fatalf("→ past the current week: ..%s, %d reads", w[11], r.TotalsCalls-calls)
	}
	m.Keys("[")
	if w := p.weekNames(); w[0] != "2026-W25" || w[11] != "2026-W36" {
		t.Fatalf("[ gives %s..%s", w[0], w[11])
	}
	// Across the new year.
	for range 4 {
		m.Keys("[")
	}
	if w := p.weekNames(); w[11] != "2025-W40" {
		t.Fatalf("4 × [ more gives ..%s", w[11])
	}
	m.Keys("]", "]", "]", "]", "]")
	if w := p.weekNames(); w[11] != "2026-W48" {
		t.Fatalf("back with ] gives ..%s", w[11])
	}
}

func TestDashboard_ChangedMsgReloads(t *testing.T) {
	e := tuitest.Demo(t, 60, 120) // its own: the test changes a booking
	r := tuitest.NewReports(t, e)
	m := dashStart(t, e, r, 120, 40)
	p := dashPage(m)
	before := p.sum.total.FallbackByHand
	lineWith(t, m.View(), "Papper skickat för hand", fmt.Sprint(before))
	bs, err := e.St.Bookings(context.Background(), domain.BookingQuery{State: domain.StateSummonsSent})
	if err != nil {
		t.Fatal(err)
	}
	var b *domain.Booking
	for _, x := range bs {
		if x.Status().MessageID != "" && !x.Status().FallbackSent && e.Svc.Schedule.LetterInTime(e.Svc.Clock.Now(), x.VisitAt()) {
			b = x
			break
		}
	}
	if b == nil {
		t.Fatal("no summons waiting to be opened")
	}
	if _, err := e.Svc.SendPaper(context.Background(), b.ID(), false); err != nil {
		t.Fatal(err)
	}
	r.Rebuild(t, e) // the store keeps its figures in the same transaction
	calls := r.TotalsCalls
	m.Do(func() tea.Msg { return common.ChangedMsg{Change: service.Change{Bookings: []domain.BookingID{b.ID()}}} })
	if r.TotalsCalls != calls+1 {
		t.Fatalf("a change read the figures %d times", r.TotalsCalls-calls)
	}
	if p.sum.total.FallbackByHand != before+1 {
		t.Fatalf("paper by hand %d after the change, was %d", p.sum.total.FallbackByHand, before)
	}
	lineWith(t, m.View(), "Papper skickat för hand", fmt.Sprint(before+1))
	// A burst of changes while a load is on its way costs one more load.
	p.update(common.ChangedMsg{})
	cmd := p.update(common.ChangedMsg{})
	if cmd != nil || !p.dirty {
		t.Fatal("a change during a load starts another at once")
	}
}

// An empty range: every rate is "–", never 0 %.
func testDashboardUndefined(t *testing.T, e *tuitest.Env, r *tuitest.Reports) {
	m := dashStart(t, e, r, 80, 24)
	for range 3 {
		m.Keys("[")
	}
	v := m.View()
	if strings.Contains(v, "0,0 %") {
		t.Errorf("an empty range shows 0 %%:\n%s", v)
	}
	lineWith(t, v, "Öppnade inom 3 dygn", "–")
	lineWith(t, v, "Tid till öppning, median", "–")
	// Its trend names no least or most week of nothing sent.
	wide := dashStart(t, e, r, 120, 40)
	for range 3 {
		wide.Keys("[")
	}
	if v := wide.View(); strings.Contains(v, "max 0 (") || !strings.Contains(v, "min – (–) · max – (–)") {
		t.Errorf("the trend of an empty range:\n%s", v)
	}
}

func testDashboardNoReportsAndEnglish(t *testing.T, e *tuitest.Env, r *tuitest.Reports) {
	m := dashStart(t, e, nil, 80, 24)
	tuitest.Contains(t, m.View(), "Översikten är inte tillgänglig", "esc tillbaka")
	for _, s := range sizes {
		c := tuitest.EnvCommon(e, s.w, s.h)
		c.Lang, c.Keys = i18n.English, common.NewKeyMap(i18n.English)
		c.Backend.Reports = r
		m := tuitest.Open(t, c, New)
		for _, keys := range [][]string{nil, {"G"}, {"tab", "tab", "tab", "G"}, {"enter"}} {
			m.Keys(keys...)
			v := m.View()
			if strings.Contains(v, "dash_") {
				t.Errorf("a catalogue key shows:\n%s", v)
			}
			for i, line := range strings.Split(v, "\n") {
				if w := len([]rune(line)); w > s.w {
					t.Errorf("line %d is %d wide at %d columns: %q", i, w, s.w, line)
				}
			}
		}
		tuitest.Contains(t, m.View(), "Behind age band")
	}
}

// At 80×24 the breakdown is below the fold: tab brings it into view.
func testDashboardTabAt80x24(t *testing.T, e *tuitest.Env, r *tuitest.Reports) {
	m := dashStart(t, e, r, 80, 24)
	if strings.Contains(m.View(), "Uppdelning:") {
		t.Skip("the breakdown already fits") // not at this size with the demo
	}
	m.Keys("tab")
	tuitest.Contains(t, m.View(), "Uppdelning:", "[sjukhus]", "Median")
}

// The median reads the same in the key figures and in the table.
func testDashboardMedianOneWay(t *testing.T, e *tuitest.Env, r *tuitest.Reports) {
	m := dashStart(t, e, r, 160, 60)
	d := dashPage(m)
	key, _ := common.FmtQuantile(i18n.Swedish, d.sum.total, 0.5)
	if !strings.Contains(m.View(), key) {
		t.Fatalf("the key figure %q is not on the screen", key)
	}
	for _, row := range d.sum.table {
		cell := dashCols[3].cell(i18n.Swedish, row.t)
		if strings.Contains(cell, ",") && strings.Contains(cell, " t") {
			t.Errorf("a median written with a decimal hour: %q", cell)
		}
	}
}

// The weekly open rate is a chart with a percent axis and week labels.
func testDashboardChart(t *testing.T, e *tuitest.Env, r *tuitest.Reports) {
	m := dashStart(t, e, r, 120, 60)
	v := m.View()
	tuitest.Contains(t, v, "100 %│", "0 %└", "v48")
}

// On a short terminal the key figures scroll away under the bars: ↑ from
// the first bar brings them back.
func TestDashboard_KeyFiguresReachableAt60x15(t *testing.T) {
	e := tuitest.Demo(t, 150, 400)
	m := dashStart(t, e, tuitest.NewReports(t, e), 60, 15)
	// Opened on a short terminal, the key figures come first.
	tuitest.Contains(t, m.View(), "Digitala kallelser skickade")
	m.Keys("down")
	tuitest.Contains(t, m.View(), "▸ ")
	m.Keys("up")
	tuitest.Contains(t, m.View(), "Digitala kallelser skickade")
}

// At 60×15 tab shows the breakdown from its top: which one it is, the
// header and its first rows; the range line keeps the filter.
func TestDashboard_TabAt60x15ShowsTheBreakdownFromItsTop(t *testing.T) {
	e := tuitest.Demo(t, 150, 400)
	m := dashStart(t, e, tuitest.NewReports(t, e), 60, 15)
	m.Keys("e")
	first := e.Svc.Catalogue.Exams()[0].Code
	tuitest.Contains(t, m.View(), "undersökning: "+first)
	m.Keys("tab")
	v := m.View()
	tuitest.Contains(t, v, "Uppdelning: [sjukhus]  tab → vecka", "Sjukhus ")
	p := dashPage(m)
	rows := 0
	for _, r := range p.sum.table {
		if strings.Contains(v, r.label) {
			rows++
		}
	}
	if rows < 2 {
		t.Fatalf("%d rows of the breakdown on screen:\n%s", rows, v)
	}
	tuitest.CheckFits(t, m.C, v)
}
