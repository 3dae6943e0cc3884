package bookings

import (
	"errors"
	"strings"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

// View renders the visible rows only.
func (m *Model) View() string {
	var b strings.Builder
	m.WriteView(&b)
	return b.String()
}

// WriteView writes View to b (common.ViewWriter): the root draws the list
// into the screen's own text, made once a key press.
func (m *Model) WriteView(b *strings.Builder) {
	s := m.c.Styles
	w := m.width
	b.Grow((w + 16) * (m.height + 2)) // the list's text, once: no regrowing per row
	lay := m.layoutFor(w)
	cols := lay.cols
	b.WriteString(lay.header)
	b.WriteByte('\n')
	vis := m.visibleRows()
	if len(m.rows) == 0 {
		msg := m.c.T("no_bookings")
		if m.loading {
			msg = m.c.T("loading")
		} else if why := m.searchIDError(); why != "" {
			msg = why
		}
		// Wrapped under itself: a refusal is longer than a narrow page.
		lines := common.WrapIndent(msg, w, 0)
		for i, l := range lines {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(s.Muted.Render(l))
		}
		b.WriteString(strings.Repeat("\n", max(1, vis-len(lines)+1)))
	}
	shown := m.rows[min(m.offset, len(m.rows)):min(m.offset+vis, len(m.rows))]
	same := sameNames(shown, cols)
	for i := m.offset; i < m.offset+vis && i < len(m.rows); i++ {
		r := m.rows[i]
		if same[r.Name] {
			r.Birth = common.BirthShort(r.B.Patient())
		}
		if i == m.cursor {
			var sel strings.Builder
			sel.Grow(w + 16)
			m.cellBuf = writeRow(&sel, m.cellBuf, m.c, cols, r, "▸", w)
			b.WriteString(s.Selected.Render(sel.String()))
		} else {
			m.cellBuf = writeRow(b, m.cellBuf, m.c, cols, r, " ", w)
		}
		b.WriteByte('\n')
	}
	for i := len(m.rows) - m.offset; i < vis && len(m.rows) > 0; i++ {
		b.WriteByte('\n')
	}
	b.WriteString(m.footer())
}

func (m *Model) footer() string {
	s := m.c.Styles
	if m.filterOpen {
		return m.filterModel.View(m.width) // two lines at most: the spare line below the list takes the second
	}
	if m.searching {
		return m.search.View()
	}
	parts := []string{}
	if m.search.Value() != "" {
		// The results of a search left with enter: what was searched
		// for, and where the cursor is in them, as in the list.
		parts = append(parts, m.search.View())
	}
	if f := describeFilter(m.c, m.filter); f != "" {
		parts = append(parts, m.c.T("filter")+": "+f+" (F)")
	}
	if pos := m.dayPosition(); pos != "" {
		parts = append(parts, pos)
	}
	return s.Muted.Render(strings.Join(parts, "  ·  "))
}

// dayPosition says where the cursor is among the visits of its day: "mån
// 11-30: rad 3 av 17", with "+" when the day runs on past the rows read.
// The rows read are a window that pages as the cursor moves, so a place
// in them would change without the cursor moving; a place in the day
// does not.
func (m *Model) dayPosition() string {
	if m.cursor < 0 || m.cursor >= len(m.rows) {
		return ""
	}
	day := common.StartOfDay(m.rows[m.cursor].B.VisitAt())
	same := func(i int) bool { return common.StartOfDay(m.rows[i].B.VisitAt()).Equal(day) }
	first, last := m.cursor, m.cursor
	for first > 0 && same(first-1) {
		first--
	}
	for last < len(m.rows)-1 && same(last+1) {
		last++
	}
	before, more := "", ""
	if first == 0 && m.moreBefore && m.from.After(day) {
		before = "≥" // the day began before the rows read
	}
	if last == len(m.rows)-1 && m.moreAfter || before != "" {
		more = "+" // the count is of the rows read: the day has more
	}
	label := i18n.WeekdayShort(m.c.Lang, day) + " " + day.Format("01-02")
	return m.c.T("rows_of_day", label, before, m.cursor-first+1, last-first+1, more)
}

// searchIDError is why the search finds nothing when it holds a whole
// identity number that is not a valid one (a check digit mistyped), or "".
func (m *Model) searchIDError() string {
	term := strings.TrimSpace(m.search.Value())
	if term == "" || !domain.IdentityComplete(term) {
		return ""
	}
	_, err := m.c.Svc().ParseIdentity(term)
	var ie *domain.IdentityError
	if !errors.As(err, &ie) {
		return ""
	}
	return m.c.T("form_id_invalid", i18n.IdentityReasonText(m.c.Lang, ie))
}
