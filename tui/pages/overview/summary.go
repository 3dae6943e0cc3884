package overview

import (
	"sort"

	"github.com/kallelse/kallelse/domain/metrics"
	"github.com/kallelse/kallelse/tui/i18n"
)

// examCodes is the filter's cycle: all, then each examination of the
// catalogue and any other found in the figures.
func (m *Model) examCodes() []string {
	out := []string{""}
	seen := map[string]bool{"": true}
	for _, e := range m.c.Svc().Catalogue.Exams() {
		if !seen[e.Code] {
			seen[e.Code] = true
			out = append(out, e.Code)
		}
	}
	var extra []string
	for _, c := range m.cells {
		if !seen[c.sel.exam] {
			seen[c.sel.exam] = true
			extra = append(extra, c.sel.exam)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

func (m *Model) siteCodes() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range m.c.Svc().Catalogue.Sites() {
		seen[s.Code] = true
		out = append(out, s.Code)
	}
	var extra []string
	for _, c := range m.cells {
		if !seen[c.sel.site] {
			seen[c.sel.site] = true
			extra = append(extra, c.sel.site)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// summarize sums the cells into the figures shown, for the examination
// filter and the chosen breakdown.
func (m *Model) summarize() {
	lang := m.c.Lang
	var sum dashSummary
	base := dashSel{exam: m.exam}
	rowsFor := func(sels []dashSel, label func(dashSel) string) []dashRow {
		out := make([]dashRow, len(sels))
		for i, s := range sels {
			out[i] = dashRow{label: label(s), sel: s}
		}
		for _, c := range m.cells {
			for i := range out {
				if out[i].sel.matches(c.sel.week, metrics.Key{Exam: c.sel.exam, Site: c.sel.site, Age: c.sel.age, Group: c.sel.group}) {
					out[i].t.Merge(c.t)
				}
			}
		}
		return out
	}
	for _, c := range m.cells {
		if base.exam == "" || c.sel.exam == base.exam {
			sum.total.Merge(c.t)
		}
	}
	var exams, sites, weeks, ages, groups []dashSel
	for _, e := range m.examCodes()[1:] {
		if m.exam == "" || e == m.exam {
			exams = append(exams, dashSel{exam: e})
		}
	}
	for _, s := range m.siteCodes() {
		sites = append(sites, dashSel{exam: m.exam, site: s})
	}
	for _, w := range m.weekNames() {
		weeks = append(weeks, dashSel{exam: m.exam, week: w})
	}
	for _, a := range metrics.AgeBands {
		ages = append(ages, dashSel{exam: m.exam, age: a})
	}
	for _, g := range metrics.Groups {
		groups = append(groups, dashSel{exam: m.exam, group: g})
	}
	examLabel := func(s dashSel) string { return s.exam }
	weekLabel := func(s dashSel) string { return s.week }
	sum.exams = rowsFor(exams, examLabel)
	sum.weeks = rowsFor(weeks, weekLabel)
	sum.groups = rowsFor(groups, func(s dashSel) string { return i18n.T(lang, "dash_grp_"+string(s.group)) })
	switch m.by {
	case dashByExam:
		sum.table = sum.exams
	case dashBySite:
		// By name, as staff say them; a site no longer in the catalogue by its code.
		cat := m.c.Svc().Catalogue
		sum.table = rowsFor(sites, func(s dashSel) string {
			if st, err := cat.Site(s.site); err == nil {
				return st.Name
			}
			return s.site
		})
	case dashByWeek:
		sum.table = sum.weeks
	case dashByAge:
		rows := rowsFor(ages, func(s dashSel) string { return i18n.T(lang, "dash_age_"+string(s.age)) })
		sum.table = rows[:0:0]
		for _, r := range rows {
			// The unknown band (reservnummer) only when it has summonses.
			if r.sel.age != metrics.AgeUnknown || r.t.Summonses != 0 {
				sum.table = append(sum.table, r)
			}
		}
	case dashByGroup:
		sum.table = sum.groups
	}
	m.sum = sum
	m.cursor = max(-1, min(m.cursor, len(sum.exams)+len(sum.table)-1)) // -1: the key figures
}
