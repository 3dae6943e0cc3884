package overview

import (
	"context"
	"sort"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/domain/metrics"
	"github.com/kallelse/kallelse/tui/common"
)

// load reads the range's figures in a Cmd; only the newest load is applied.
func (m *Model) load() tea.Cmd {
	r := m.c.Backend.Reports
	if r == nil {
		m.loaded = true
		return nil
	}
	m.gen++
	m.loading, m.dirty = true, false
	gen, ctx := m.gen, m.c.Ctx
	weeks := m.weekNames()
	from, to := weeks[0], weeks[len(weeks)-1]
	return func() tea.Msg {
		msg := readWeekCells(ctx, r, from, to)
		msg.gen = gen
		if msg.err != nil {
			return tea.BatchMsg{common.MsgCmd(common.ErrorMsg{Err: msg.err}), common.MsgCmd(msg)}
		}
		return msg
	}
}

// readWeekCells sums the store's rows of the weeks from..to by week,
// examination, site, age band and channel group.
func readWeekCells(ctx context.Context, r common.Reports, from, to string) dashLoadedMsg {
	sums := map[dashSel]*metrics.Totals{}
	err := r.WeekTotals(ctx, from, to, func(k metrics.Key, week string, t metrics.Totals) bool {
		s := dashSel{exam: k.Exam, site: k.Site, week: week, age: k.Age, group: k.Group}
		c := sums[s]
		if c == nil {
			c = &metrics.Totals{}
			sums[s] = c
		}
		c.Merge(t)
		return true
	})
	if err != nil {
		return dashLoadedMsg{err: err}
	}
	out := dashLoadedMsg{cells: make([]dashCell, 0, len(sums))}
	for s, t := range sums {
		out.cells = append(out.cells, dashCell{s, *t})
	}
	return out
}

// loadDrill reads the summonses behind the drill-down's row in a Cmd.
func (m *Model) loadDrill() tea.Cmd {
	d, r := m.drill, m.c.Backend.Reports
	if d == nil || r == nil {
		return nil
	}
	m.drillN++
	d.gen = m.drillN
	gen, ctx, sel := d.gen, m.c.Ctx, d.row.sel
	weeks := append([]string(nil), d.weeks...)
	return func() tea.Msg {
		var facts []metrics.Fact
		for _, w := range weeks {
			if sel.week != "" && sel.week != w {
				continue
			}
			err := r.Members(ctx, w, sel.exam, sel.group, func(f metrics.Fact) bool {
				if sel.matches(w, f.Key) {
					facts = append(facts, f)
				}
				return true
			})
			if err != nil {
				return tea.BatchMsg{common.MsgCmd(common.ErrorMsg{Err: err}), common.MsgCmd(dashMembersMsg{gen: gen, err: err})}
			}
		}
		sort.SliceStable(facts, func(i, j int) bool {
			if !facts[i].SentAt.Equal(facts[j].SentAt) {
				return facts[i].SentAt.Before(facts[j].SentAt)
			}
			return facts[i].Booking < facts[j].Booking
		})
		return dashMembersMsg{gen: gen, facts: facts}
	}
}

func (m *Model) applyDrill(msg dashMembersMsg) {
	d := m.drill
	d.loaded = true
	if msg.err != nil {
		d.errText = common.FriendlyError(m.c, msg.err)
		return
	}
	var selKey string
	if d.cursor < len(d.facts) {
		selKey = factKey(d.facts[d.cursor])
	}
	d.facts, d.errText = msg.facts, ""
	for i, f := range d.facts {
		if factKey(f) == selKey {
			d.cursor = i
			return
		}
	}
	d.cursor = max(0, min(d.cursor, len(d.facts)-1))
}
