package bookings

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/domain"
)

// filterAppliedMsg applies a new filter to the bookings list.
type filterAppliedMsg struct{ q domain.BookingQuery }

// filterModel is the filter bar: examination, site and state chosen with
// ←/→, dates typed; tab moves between fields, enter applies, esc closes.
type filterModel struct {
	c      *common.Common
	field  int
	exam   int // index into options; 0 = all
	site   int
	state  int
	from   textinput.Model
	to     textinput.Model
	errMsg string
}

func newFilterModel(c *common.Common) filterModel {
	mk := func() textinput.Model {
		t := common.NewTextInput()
		t.Placeholder = "ÅÅÅÅ-MM-DD"
		t.CharLimit = 10
		t.Width = 10
		t.Prompt = ""
		return t
	}
	return filterModel{c: c, from: mk(), to: mk()}
}

func (f *filterModel) exams() []string {
	out := []string{""}
	for _, e := range f.c.Backend.Service.Catalogue.Exams() {
		out = append(out, e.Code)
	}
	return out
}

func (f *filterModel) sites() []string {
	out := []string{""}
	for _, s := range f.c.Backend.Service.Catalogue.Sites() {
		out = append(out, s.Code)
	}
	return out
}

func states() []string {
	out := []string{""}
	for _, s := range domain.AllStates {
		out = append(out, string(s))
	}
	return out
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 0
}

func (f *filterModel) open(q domain.BookingQuery) {
	f.field, f.errMsg = 0, ""
	f.exam, f.site, f.state = indexOf(f.exams(), q.Exam), indexOf(f.sites(), q.Site), indexOf(states(), string(q.State))
	f.from.SetValue("")
	f.to.SetValue("")
	if !q.From.IsZero() {
		f.from.SetValue(q.From.In(domain.Stockholm).Format("2006-01-02"))
	}
	if !q.To.IsZero() {
		f.to.SetValue(q.To.Add(-time.Nanosecond).In(domain.Stockholm).Format("2006-01-02"))
	}
}

// Update handles one key; open is cleared when the bar closes.
func (f *filterModel) Update(msg tea.KeyMsg, open *bool) tea.Cmd {
	cycle := func(i *int, n, d int) { *i = (*i + d + n) % n }
	switch msg.Type {
	case tea.KeyEsc:
		*open = false
		return nil
	case tea.KeyTab, tea.KeyDown:
		f.field = (f.field + 1) % 5
	case tea.KeyShiftTab, tea.KeyUp:
		f.field = (f.field + 4) % 5
	case tea.KeyLeft, tea.KeyRight:
		d := 1
		if msg.Type == tea.KeyLeft {
			d = -1
		}
		switch f.field {
		case 0:
			cycle(&f.exam, len(f.exams()), d)
		case 1:
			cycle(&f.site, len(f.sites()), d)
		case 2:
			cycle(&f.state, len(states()), d)
		}
	case tea.KeyEnter:
		q, err := f.query()
		if err != "" {
			f.errMsg = err
			return nil
		}
		return func() tea.Msg { return filterAppliedMsg{q} }
	default:
		var cmd tea.Cmd
		switch f.field {
		case 3:
			f.from, cmd = f.from.Update(msg)
		case 4:
			f.to, cmd = f.to.Update(msg)
		}
		return cmd
	}
	f.from.Blur()
	f.to.Blur()
	switch f.field {
	case 3:
		f.from.Focus()
	case 4:
		f.to.Focus()
	}
	return nil
}

func (f *filterModel) query() (domain.BookingQuery, string) {
	q := domain.BookingQuery{Exam: f.exams()[f.exam], Site: f.sites()[f.site], State: domain.BookingState(states()[f.state])}
	parse := func(s string) (time.Time, bool) {
		t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), domain.Stockholm)
		return t, err == nil
	}
	if v := f.from.Value(); v != "" {
		t, ok := parse(v)
		if !ok {
			return q, f.c.T("filter_date_invalid", f.c.T("from"), strings.TrimSpace(v))
		}
		q.From = t
	}
	if v := f.to.Value(); v != "" {
		t, ok := parse(v)
		if !ok {
			return q, f.c.T("filter_date_invalid", f.c.T("to"), strings.TrimSpace(v))
		}
		q.To = t.AddDate(0, 0, 1)
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		return q, f.c.T("filter_to_before_from")
	}
	return q, ""
}

// View is one line: the fields, the focused one marked.
// View is the filter's fields on one line, or on two when they do not fit
// the width: every field, the dates too, stays readable at 60 columns.
func (f *filterModel) View(width int) string {
	s := f.c.Styles
	val := func(xs []string, i int) string {
		if xs[i] == "" {
			return f.c.T("all")
		}
		return xs[i]
	}
	stateVal := val(states(), f.state)
	if f.state > 0 {
		stateVal = i18n.StateText(f.c.Lang, domain.BookingState(states()[f.state]))
	}
	fields := []string{
		f.c.T("exam") + " ‹" + val(f.exams(), f.exam) + "›",
		f.c.T("site") + " ‹" + val(f.sites(), f.site) + "›",
		f.c.T("state") + " ‹" + stateVal + "›",
		f.c.T("from") + " " + f.from.View(),
		f.c.T("to") + " " + f.to.View(),
	}
	for i := range fields {
		if i == f.field {
			// Marked in text too, not by colour alone (NO_COLOR, a
			// monochrome terminal): ←→ and typing change this one.
			fields[i] = s.Selected.Render("▸ " + fields[i])
		}
	}
	if f.errMsg != "" {
		fields = append(fields, s.Error.Render(f.errMsg))
	}
	lines := []string{""}
	for _, fl := range fields {
		last := &lines[len(lines)-1]
		switch {
		case *last == "":
			*last = fl
		case lipgloss.Width(*last)+2+lipgloss.Width(fl) <= width || len(lines) == 2:
			*last += "  " + fl
		default:
			lines = append(lines, fl)
		}
	}
	return strings.Join(lines, "\n")
}

// describeFilter summarises an active filter for the footer.
func describeFilter(c *common.Common, q domain.BookingQuery) string {
	var parts []string
	if q.Exam != "" {
		parts = append(parts, q.Exam)
	}
	if q.Site != "" {
		parts = append(parts, q.Site)
	}
	if q.State != "" {
		parts = append(parts, i18n.StateText(c.Lang, q.State))
	}
	if !q.From.IsZero() {
		parts = append(parts, "≥ "+q.From.In(domain.Stockholm).Format("2006-01-02"))
	}
	if !q.To.IsZero() {
		parts = append(parts, "≤ "+q.To.Add(-time.Nanosecond).In(domain.Stockholm).Format("2006-01-02"))
	}
	return strings.Join(parts, ", ")
}
