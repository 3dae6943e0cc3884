package bookings

import (
	"context"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/common"
)

// reload replaces the window: the search results, or the filtered list from
// instant `at` on, with the cursor on the first booking from `at` on.
func (m *Model) reload(at time.Time) tea.Cmd { return m.load(at, false) }

// load is reload; keep leaves the cursor on the booking it was on (a
// refresh after a change elsewhere, which must not move it).
func (m *Model) load(at time.Time, keep bool) tea.Cmd {
	m.gen++
	m.loading = true
	if !keep {
		m.replacing, m.replaceAt, m.early = true, at, 0
	}
	gen, q, st, ctx := m.gen, m.filter, m.c.Backend.Store, m.c.Ctx
	term := strings.TrimSpace(m.search.Value())
	start := at
	if !q.From.IsZero() && start.Before(q.From) {
		start = q.From
	}
	if !q.To.IsZero() && !start.Before(q.To) {
		start = q.From // a filter wholly in the past: show it from its start
	}
	m.from = start
	if term != "" {
		// A screenful around the day, in one read: the keystroke reads
		// what it shows, and the rest is paged as the list is.
		q.Limit = max(m.visibleRows(), minSearchRows)
		if keep {
			// A refresh: room for the rows above the cursor (bookings
			// made meanwhile, others at the same instant as the top row).
			q.Limit = pageSize
		}
		return func() tea.Msg {
			rows, err := searchRows(ctx, st, term, start, q)
			if err != nil {
				return loadFailedMsg{gen: gen, err: err}
			}
			later := 0
			for _, r := range rows {
				if !r.B.VisitAt().Before(start) {
					later++
				}
			}
			return bookingsLoadedMsg{gen: gen, rows: rows, more: later == q.Limit, search: true, cursorT: start, keep: keep}
		}
	}
	q.Limit = pageSize
	q.From = start
	return func() tea.Msg {
		rows, err := loadRows(ctx, st, q)
		if err != nil {
			return loadFailedMsg{gen: gen, err: err}
		}
		return bookingsLoadedMsg{gen: gen, rows: rows, dir: 0, more: len(rows) == pageSize, cursorT: at, keep: keep}
	}
}

// loadEnd replaces the window with the last page — of the list as
// filtered, or of the search's results — with the cursor on the last row
// (G, end).
func (m *Model) loadEnd() tea.Cmd {
	m.gen++
	m.loading = true
	m.replacing, m.early = false, 0
	gen, q, st, ctx := m.gen, m.filter, m.c.Backend.Store, m.c.Ctx
	term := strings.TrimSpace(m.search.Value())
	q.Limit, q.Reverse = pageSize, true
	return func() tea.Msg {
		rows, err := pageRows(ctx, st, term, q)
		if err != nil {
			return loadFailedMsg{gen: gen, err: err}
		}
		slices.Reverse(rows) // read last first
		return bookingsLoadedMsg{gen: gen, rows: rows, search: term != "", atEnd: true, more: len(rows) == pageSize}
	}
}

// loadMoreFill is loadMore(-1) for a screen the replacement left short:
// the rows come in above, and the window moves up to show them.
func (m *Model) loadMoreFill() tea.Cmd {
	cmd := m.loadMore(-1)
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		if l, ok := msg.(bookingsLoadedMsg); ok {
			l.fill = true
			return l
		}
		return msg
	}
}

// loadMore reads the next page in direction dir from the window's edge:
// of the list, or of the search's results.
func (m *Model) loadMore(dir int) tea.Cmd {
	if m.loading || len(m.rows) == 0 {
		return nil
	}
	m.loading = true
	gen, q, st, ctx := m.gen, m.filter, m.c.Backend.Store, m.c.Ctx
	term := strings.TrimSpace(m.search.Value())
	q.Limit = pageSize
	if dir > 0 {
		last := m.rows[len(m.rows)-1].B
		q.After = &domain.BookingCursor{VisitAt: last.VisitAt(), ID: last.ID()}
	} else {
		first := m.rows[0].B
		q.Before = &domain.BookingCursor{VisitAt: first.VisitAt(), ID: first.ID()}
		q.Reverse = true
	}
	return func() tea.Msg {
		rows, err := pageRows(ctx, st, term, q)
		if err != nil {
			return loadFailedMsg{gen: gen, err: err}
		}
		if dir < 0 {
			slices.Reverse(rows) // read last first
		}
		return bookingsLoadedMsg{gen: gen, rows: rows, dir: dir, more: len(rows) == pageSize}
	}
}

// pageRows reads the page q names: of the search's results for term, or
// of the list when term is empty.
func pageRows(ctx context.Context, st common.Store, term string, q domain.BookingQuery) ([]Row, error) {
	if term != "" {
		return searchRows(ctx, st, term, time.Time{}, q)
	}
	return loadRows(ctx, st, q)
}

func loadRows(ctx context.Context, st common.Store, q domain.BookingQuery) ([]Row, error) {
	bs, err := st.Bookings(ctx, q)
	if err != nil {
		return nil, err
	}
	ids := make([]domain.IdentityNumber, len(bs))
	for i, b := range bs {
		ids[i] = b.Patient()
	}
	ps, err := st.PatientsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	rows := make([]Row, 0, len(bs))
	for i, b := range bs {
		row := Row{B: b, Name: ps[i].Name()}
		if !ps[i].ID().IsZero() {
			row.Patient = &ps[i] // each row's copy, read together
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// searchRows reads the bookings of the patients a search finds that pass
// the filter, by visit time: the window around at, or with at zero the
// page q names (see domain.QueryStore.SearchBookings).
func searchRows(ctx context.Context, st common.Store, term string, at time.Time, q domain.BookingQuery) ([]Row, error) {
	found, err := st.SearchBookings(ctx, term, searchPatients, at, q)
	if err != nil {
		return nil, err
	}
	rows := make([]Row, len(found))
	for i, f := range found {
		rows[i] = Row{B: f.Booking, Name: f.Patient.Name(), Patient: f.Patient}
	}
	return rows, nil
}

func (m *Model) apply(msg bookingsLoadedMsg) {
	var selID domain.BookingID
	if s := m.Selected(); s != nil {
		selID = s.ID()
	}
	switch {
	case msg.atEnd:
		m.rows, m.pending = msg.rows, 0
		m.offset, m.cursor = 0, len(m.rows)-1
		m.moreBefore, m.moreAfter = msg.more, false
		if len(m.rows) > 0 {
			m.from = m.rows[0].B.VisitAt()
		}
	case msg.dir == 0:
		m.rows, m.pending = msg.rows, 0
		m.offset = 0
		m.cursor = 0
		m.moreBefore, m.moreAfter = true, msg.more
		if msg.search {
			// Results only before the day: the cursor on the latest.
			m.cursor = len(m.rows) - 1
		}
		for i, r := range m.rows {
			if !r.B.VisitAt().Before(msg.cursorT) {
				m.cursor = i
				break
			}
		}
		if msg.keep {
			// A refresh shows the window from where it was read, as
			// before it: a search's page begins with the visits before
			// that, made up in front, which are above the screen.
			m.offset = m.cursor
		}
	case msg.dir == 1:
		m.rows = append(m.rows, msg.rows...)
		m.cursor += m.pending
		m.pending = 0
		m.moreAfter = msg.more
		if over := len(m.rows) - MaxWindow; over > 0 {
			m.rows = dropFront(m.rows, over)
			m.cursor -= over
			m.offset -= over
			m.moreBefore = true
			m.from = m.rows[0].B.VisitAt() // the window begins there now (see dayPosition, Refresh)
		}
	case msg.dir == -1:
		if len(msg.rows) > 0 {
			m.from = msg.rows[0].B.VisitAt()
		}
		over := len(msg.rows) + len(m.rows) - MaxWindow
		m.rows = prepend(m.rows, msg.rows, MaxWindow)
		m.cursor += len(msg.rows) + m.pending
		m.offset += len(msg.rows)
		m.pending = 0
		m.moreBefore = msg.more
		if over > 0 {
			m.moreAfter = true
		}
		if msg.fill {
			m.offset = max(0, min(m.offset, len(m.rows)-m.visibleRows()))
		}
	}
	if m.focus != 0 && msg.dir == 0 {
		for i, r := range m.rows {
			if r.B.ID() == m.focus {
				m.cursor, m.focus = i, 0
				msg.keep = false // the booking just made wins over the row before
				break
			}
		}
	}
	if selID != 0 && msg.dir == 0 && msg.keep {
		for i, r := range m.rows {
			if r.B.ID() == selID {
				m.cursor = i
			}
		}
	}
	m.clamp()
}

// dropFront is rows without its first n, moved to the front of the same
// array: the window pages on every few keys, and re-slicing would leave the
// room at the front unused, so that every later page needed a new array.
// The rows left over at the end are cleared, so that they keep nothing alive.
func dropFront(rows []Row, n int) []Row {
	k := copy(rows, rows[n:])
	clear(rows[k:])
	return rows[:k]
}

// prepend is front followed by rows, the whole cut to at most max from the
// end, in rows' array when it has the room: paging up then needs no new
// array.
func prepend(rows, front []Row, max int) []Row {
	front = front[:min(len(front), max)]
	keep := min(len(rows), max-len(front))
	n := len(front) + keep
	if cap(rows) < n {
		out := make([]Row, n, max+pageSize)
		copy(out, front)
		copy(out[len(front):], rows[:keep])
		return out
	}
	out := rows[:n]
	copy(out[len(front):], rows[:keep]) // copy moves overlapping rows right
	copy(out, front)
	if n < len(rows) {
		clear(rows[n:]) // rows cut from the end: nothing kept alive
	}
	return out
}
