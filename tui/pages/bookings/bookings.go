package bookings

import (
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/kallelse/kallelse/tui/common"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// Row is one loaded row: the booking and its patient's name.
type Row struct {
	B       *domain.Booking
	Name    string
	Patient *domain.Patient // nil when the record could not be read
	Birth   string          // set on screen when another patient shown has the same name
}

// pageSize is how many bookings one load reads; the list keeps at most
// maxWindow rows around the cursor, so memory and rendering never depend on
// how many bookings are stored.
const (
	pageSize = 100
	// MaxWindow is the most rows the list holds at once.
	MaxWindow = 400
	// searchPatients is the most patients one keystroke finds.
	searchPatients = 50
	// minSearchRows is the fewest bookings a keystroke of the search reads
	// (a screenful, when the screen shows more).
	minSearchRows = 10
)

// bookingsLoadedMsg is a page of bookings read for the list.
type bookingsLoadedMsg struct {
	gen     int
	rows    []Row
	dir     int  // 0: replace, +1: append, -1: prepend
	more    bool // the store may have more rows in that direction
	search  bool
	cursorT time.Time // replace: put the cursor on the first row at or after this
	keep    bool      // replace: keep the cursor on the booking it was on, if still there
	atEnd   bool      // replace: the last page, the cursor on its last row (more: rows before it)
	fill    bool      // prepend: rows read to fill a screen the replacement left short
}

// loadFailedMsg is a load of generation gen that failed: the page may load
// again (a later key, the next refresh), and the error is shown as every
// other (common.ErrorMsg).
type loadFailedMsg struct {
	gen int
	err error
}

// Model is the bookings list: filters, search as you type, and a
// window of rows paged from storage by index.
type Model struct {
	focus         domain.BookingID // put the cursor on this booking when it is loaded (FocusOn)
	focusAt       time.Time        // and the time to load the list from until then
	c             *common.Common
	width, height int // the room the root gives the page (SetSize)
	rows          []Row
	cursor        int
	offset        int
	gen           int

	filter      domain.BookingQuery
	from        time.Time // where the window's last full load began
	searching   bool
	search      textinput.Model
	moreBefore  bool
	moreAfter   bool
	loading     bool
	filterOpen  bool
	filterModel filterModel
	// pending is the rows a move went past the rows loaded (negative: up):
	// the page it asked for is read, and the cursor moves the rest when it
	// is there — the key is not lost, nor a second one pressed meanwhile.
	pending int
	// replacing is true while a load that replaces the window (a search
	// keystroke, home, a filter) is read, and early the moves pressed
	// meanwhile: they move the cursor in the new rows, where the reader
	// is looking, not in the rows they replace.
	replacing bool
	replaceAt time.Time
	early     int

	layout  *layout // the columns and header of the last drawing (layoutFor)
	cellBuf []byte  // where View composes a cell, reused from row to row
}

// New returns the list, starting at today.
func New(c *common.Common) *Model {
	ti := common.NewTextInput()
	ti.Prompt = "/ "
	ti.Placeholder = c.T("search_hint")
	ti.CharLimit = 40
	m := &Model{c: c, search: ti, moreBefore: true, moreAfter: true}
	m.filterModel = newFilterModel(c)
	return m
}

// Init loads the first page.
func (m *Model) Init() tea.Cmd { return m.reload(common.StartOfDay(m.c.Now())) }

// Selected is the booking under the cursor, if any.
func (m *Model) Selected() *domain.Booking {
	if m.cursor >= 0 && m.cursor < len(m.rows) {
		return m.rows[m.cursor].B
	}
	return nil
}

// SelectedName is the selected booking's patient's name.
func (m *Model) SelectedName() string {
	if m.cursor >= 0 && m.cursor < len(m.rows) {
		return m.rows[m.cursor].Name
	}
	return ""
}

// SelectedPatient is the selected booking's patient, nil when unknown.
func (m *Model) SelectedPatient() *domain.Patient {
	if m.cursor >= 0 && m.cursor < len(m.rows) {
		return m.rows[m.cursor].Patient
	}
	return nil
}

func (m *Model) visibleRows() int {
	h := m.height - 3 // title, header, footer, status, help (and a spare line)
	if h < 1 {
		h = 1 // the room the keys shown (?) leave: the selected row, at least
	}
	return h
}

// Update handles keys and loaded pages; it never blocks.
func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case bookingsLoadedMsg:
		if msg.gen != m.gen {
			return nil // a newer load replaced this one
		}
		m.loading = false
		carry := 0
		if msg.dir == 0 {
			// The moves made while a replacement was read go on in its
			// rows. (A refresh keeps the cursor on its booking.)
			if m.replacing {
				carry = m.early
			}
			m.replacing, m.early = false, 0
		}
		m.apply(msg)
		if carry != 0 {
			return m.move(carry)
		}
		if msg.dir == 0 && !msg.search && !msg.keep && m.moreBefore && len(m.rows)-m.offset < m.visibleRows() {
			// The last bookings there are (one just made at the end, a
			// filter near its end): the rows before them fill the screen,
			// rather than empty lines under one row.
			return m.loadMoreFill()
		}
		return nil
	case loadFailedMsg:
		if msg.gen == m.gen {
			// Nothing is on its way any more: the keys that waited for
			// it are dropped, and the next key or refresh loads again.
			m.loading, m.replacing, m.early, m.pending = false, false, 0, 0
		}
		return func() tea.Msg { return common.ErrorMsg{Err: msg.err} }
	case filterAppliedMsg:
		m.filterOpen = false
		m.filter = msg.q
		return m.reload(common.StartOfDay(m.c.Now()))
	case tea.KeyMsg:
		if m.filterOpen {
			return m.filterModel.Update(msg, &m.filterOpen)
		}
		if m.searching {
			return m.updateSearch(msg)
		}
		return m.updateKeys(msg)
	}
	return nil
}

func (m *Model) clamp() {
	if m.cursor >= len(m.rows) {
		m.cursor = len(m.rows) - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	vis := m.visibleRows()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+vis {
		m.offset = m.cursor - vis + 1
	}
	if m.offset < 0 {
		m.offset = 0
	}
}

// move shifts the cursor and asks for more rows near the window's edges.
func (m *Model) move(n int) tea.Cmd {
	if m.replacing {
		m.early += n
	}
	want := m.cursor + n
	m.cursor = want
	m.clamp()
	if over := want - m.cursor; over < 0 && m.moreBefore || over > 0 && m.moreAfter {
		m.pending += over
	}
	// The edge the cursor moves towards first: a window of one screen (a
	// search's first read) is near both.
	nearEnd := m.cursor >= len(m.rows)-m.visibleRows() && m.moreAfter
	nearStart := m.cursor < m.visibleRows() && m.moreBefore
	switch {
	case nearStart && (n < 0 || !nearEnd):
		return m.loadMore(-1)
	case nearEnd:
		return m.loadMore(1)
	}
	return nil
}

func (m *Model) updateKeys(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	kn := common.KeyName(msg.String())
	switch {
	case key.Matches(kn, k.Up):
		return m.move(-1)
	case key.Matches(kn, k.Down):
		return m.move(1)
	case key.Matches(kn, k.PageUp):
		return m.move(-m.visibleRows())
	case key.Matches(kn, k.PageDown):
		return m.move(m.visibleRows())
	case key.Matches(kn, k.Home):
		return m.reload(common.StartOfDay(m.c.Now()))
	case key.Matches(kn, k.End):
		return m.loadEnd()
	case key.Matches(kn, k.Search):
		m.searching = true
		m.search.Focus()
		if m.search.Value() != "" {
			// A new search: the one kept with enter is not typed onto (the
			// walk read "Ebba LarssonMaja Öberg").
			m.search.SetValue("")
			return m.reload(common.StartOfDay(m.c.Now()))
		}
		return nil
	case key.Matches(kn, k.Filter):
		m.filterOpen = true
		m.filterModel.open(m.filter)
		return nil
	case key.Matches(kn, k.ClearFilter):
		m.filter = domain.BookingQuery{}
		m.search.SetValue("")
		return m.reload(common.StartOfDay(m.c.Now()))
	case key.Matches(kn, k.Back) && m.search.Value() != "":
		// The results of a search left with enter: esc gives the list back.
		m.search.SetValue("")
		return m.reload(common.StartOfDay(m.c.Now()))
	}
	return nil
}

func (m *Model) updateSearch(msg tea.KeyMsg) tea.Cmd {
	switch msg.Type {
	case tea.KeyEsc:
		m.searching = false
		m.search.Blur()
		m.search.SetValue("")
		return m.reload(common.StartOfDay(m.c.Now()))
	case tea.KeyEnter:
		m.searching = false
		m.search.Blur()
		return nil
	case tea.KeyUp, tea.KeyDown, tea.KeyPgUp, tea.KeyPgDown:
		// The keys that move in the results leave the input and move.
		m.searching = false
		m.search.Blur()
		return m.updateKeys(msg)
	}
	before := m.search.Value()
	var cmd tea.Cmd
	m.search, cmd = m.search.Update(msg)
	if m.search.Value() != before {
		return tea.Batch(cmd, m.reload(common.StartOfDay(m.c.Now())))
	}
	return cmd
}

// FocusOn shows a booking just made or moved: the list without search or
// filter, from the booking's time, with the cursor on it, even when its
// time was above the window.
func (m *Model) FocusOn(id domain.BookingID, at time.Time) tea.Cmd {
	m.filter = domain.BookingQuery{}
	m.search.SetValue("")
	m.searching = false
	m.focus, m.focusAt = id, at
	return m.reload(common.StartOfDay(at))
}

// Refresh reloads the window in place after a change elsewhere.
func (m *Model) Refresh() tea.Cmd {
	if m.focus != 0 {
		// A booking just made is still to be shown: a refresh meanwhile
		// (returning to the list, a change elsewhere) loads around it, never
		// around the rows of the search it replaced.
		return m.reload(common.StartOfDay(m.focusAt))
	}
	if m.replacing {
		// The rows on screen are being replaced (a search keystroke):
		// read the replacement again, not a window around the old rows,
		// and keep the moves pressed since.
		early := m.early
		cmd := m.reload(m.replaceAt)
		m.early = early
		return cmd
	}
	if len(m.rows) == 0 {
		return m.load(common.StartOfDay(m.c.Now()), true)
	}
	at := m.rows[max(0, m.offset)].B.VisitAt()
	if m.offset <= 0 && m.from.Before(at) {
		// The top of the window is on screen: a booking made meanwhile
		// between the window's start and its first row belongs there.
		at = m.from
	}
	return m.load(at, true)
}

// Shown is the patients of the rows on screen, for the access log.
func (m *Model) Shown() []service.PatientRef {
	vis := m.visibleRows()
	out := make([]service.PatientRef, 0, max(0, min(vis, len(m.rows)-m.offset)))
	for i := max(0, m.offset); i < m.offset+vis && i < len(m.rows); i++ {
		b := m.rows[i].B
		out = append(out, service.PatientRef{Patient: b.Patient(), Booking: b.ID()})
	}
	return out
}

// Searching reports whether keys go to the search or filter input.
func (m *Model) Searching() bool { return m.searching || m.filterOpen }

// Rows is the rows loaded, in the window around the cursor.
func (m *Model) Rows() []Row { return m.rows }

// Cursor is the selected row's index in Rows.
func (m *Model) Cursor() int { return m.cursor }

// Query is what the list shows: the filter, and the search typed.
func (m *Model) Query() (filter domain.BookingQuery, search string) {
	return m.filter, m.search.Value()
}

// Title names the page.
func (m *Model) Title() string { return m.c.T("page_bookings") }

// ShortHelp is the list's keys; while a search or the filter bar takes the
// keys typed, theirs (the list's letters would be typed into it).
func (m *Model) ShortHelp() []key.Binding {
	hint := func(keys, words string) key.Binding {
		return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, m.c.T(words)))
	}
	switch {
	case m.filterOpen:
		return []key.Binding{hint("tab", "key_filter_next"), hint("←→", "key_filter_change"),
			hint("enter", "key_filter_apply"), hint("esc", "key_filter_esc")}
	case m.searching:
		return []key.Binding{hint("enter", "key_search_enter"), hint("↑↓", "key_search_move"), hint("esc", "key_search_esc")}
	}
	return m.c.Keys.ShortHelp()
}

// FullHelp is every key of the list.
func (m *Model) FullHelp() [][]key.Binding { return m.c.Keys.FullHelp() }

// Update handles a message for the page; the root routes it to the page shown.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) { return m, m.update(msg) }

// SetSize is the room the root gives the page: the terminal's width, and its
// height less the title, status and key lines.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.clamp()
}
