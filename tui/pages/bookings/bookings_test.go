package bookings

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
	"github.com/kallelse/kallelse/tui/internal/tuitest"
)

// The filter's fields wrap at 60 columns instead of losing the last date.
func TestBookings_FilterFitsSixtyColumns(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	for _, size := range [][2]int{{60, 15}, {80, 24}} {
		h := tuitest.Open(t, w.Common(size[0], size[1]), New)
		h.Key("f")
		v := h.View()
		lines := strings.Split(v, "\n")
		if len(lines) > size[1]-3 {
			t.Errorf("%v: %d lines for a room of %d", size, len(lines), size[1]-3)
		}
		footer := strings.Join(lines[len(lines)-2:], "\n")
		for _, want := range []string{"Undersökning", "Sjukhus", "Status", "Från", "Till ÅÅÅÅ-MM-DD"} {
			if !strings.Contains(footer, want) {
				t.Errorf("%v: the filter lacks %q:\n%s", size, want, footer)
			}
		}
		for i, l := range lines {
			if lipgloss.Width(l) > size[0] {
				t.Errorf("%v: line %d is %d wide: %q", size, i, lipgloss.Width(l), l)
			}
		}
	}
}

// A date the filter cannot read is named, with what is wrong and how to
// write it, in the staff's language; a range the wrong way round too.
func TestBookings_FilterSaysWhatIsWrongWithADate(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	h := tuitest.Open(t, w.Common(80, 24), New)
	h.Keys("f", "tab", "tab", "tab", "2026-13-01", "enter")
	if v := h.View(); !strings.Contains(v, "Från: ”2026-13-01” är inget datum: skriv ÅÅÅÅ-MM-DD") {
		t.Fatalf("a month 13 in Från:\n%s", v)
	}
	h.Keys("ctrl+u", "2026-12-01", "tab", "2026-11-01", "enter")
	if v := h.View(); !strings.Contains(v, "Till ligger före Från") {
		t.Fatalf("Till before Från:\n%s", v)
	}
}

// A search for a whole identity number with a mistyped check digit says
// so, instead of just finding nothing; a valid one nobody has finds
// nothing, as before.
func TestBookings_SearchSaysAMistypedIdentityNumberIsInvalid(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	h := tuitest.Open(t, w.Common(80, 24), New)
	h.Keys("/", "19121212-1213")
	v := h.View()
	if !strings.Contains(v, "Ogiltigt person- eller samordningsnummer: ") || strings.Contains(v, "Inga bokningar matchar") {
		t.Fatalf("a wrong check digit:\n%s", v)
	}
	h.Keys("backspace", "2")
	if v := h.View(); strings.Contains(v, "Ogiltigt") {
		t.Fatalf("a valid number called invalid:\n%s", v)
	}
}

// ↑ on the first row loaded (today's first, after g) moves to the booking
// before it once the earlier page is read: the key is not lost.
func TestBookings_UpFromTheFirstRowLoadedMovesOnce(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	first := m.Selected()
	if m.Cursor() != 0 || !m.moreBefore {
		t.Fatalf("the list starts at row %d, earlier rows: %v", m.Cursor(), m.moreBefore)
	}
	h.Key("up")
	got := m.Selected()
	if got == nil || !got.VisitAt().Before(first.VisitAt()) && got.ID() == first.ID() {
		t.Fatalf("one ↑ from %d left the cursor on %v", first.ID(), got)
	}
	rows := m.Rows()
	if rows[m.Cursor()+1].B.ID() != first.ID() {
		t.Fatalf("one ↑ moved %d rows", indexOfBooking(rows, first.ID())-m.Cursor())
	}
}

func indexOfBooking(rows []Row, id domain.BookingID) int {
	for i, r := range rows {
		if r.B.ID() == id {
			return i
		}
	}
	return -1
}

// A search left with enter keeps its results; esc then gives the whole
// list back.
func TestBookings_EscClearsASearchLeftWithEnter(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	h := tuitest.Open(t, w.Common(80, 24), New)
	m := h.Comp.(*Model)
	all := len(m.Rows())
	h.Keys("/", "b", "o", "enter")
	if _, q := m.Query(); q != "bo" || len(m.Rows()) >= all {
		t.Fatalf("search %q shows %d of %d rows", q, len(m.Rows()), all)
	}
	h.Key("esc")
	if _, q := m.Query(); q != "" || len(m.Rows()) != all {
		t.Fatalf("after esc: search %q, %d of %d rows", q, len(m.Rows()), all)
	}
	// / after a search kept with enter begins a new one, not typed onto it.
	h.Keys("/", "b", "o", "enter", "/", "a")
	if _, q := m.Query(); q != "a" {
		t.Fatalf("a new search after a kept one: %q", q)
	}
}

// While the search or the filter bar takes the keys, the keys line says
// theirs, not the list's letters, which would be typed into it.
func TestBookings_TheKeysLineIsTheInputsWhileTyping(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	h := tuitest.Open(t, w.Common(80, 24), New)
	m := h.Comp.(*Model)
	words := func() string {
		var out []string
		for _, b := range m.ShortHelp() {
			out = append(out, b.Help().Key+" "+b.Help().Desc)
		}
		return strings.Join(out, " · ")
	}
	list := words()
	if !strings.Contains(list, "n ny bokning") {
		t.Fatalf("the list's keys: %s", list)
	}
	for _, c := range []struct {
		keys       []string
		want, gone string
	}{
		{[]string{"/"}, "esc avbryt sökningen", "ny bokning"},
		{[]string{"esc", "f"}, "enter använd filtret", "ny bokning"},
		{[]string{"esc"}, "n ny bokning", "avbryt"},
	} {
		h.Keys(c.keys...)
		if got := words(); !strings.Contains(got, c.want) || strings.Contains(got, c.gone) {
			t.Errorf("after %v: %s", c.keys, got)
		}
	}
}

// The table's columns and header, kept from one drawing to the next, are
// those of the width and language drawn now: the list drawn again after a
// change reads as a list drawn afresh at the new width or in the new language.
func TestBookings_LayoutKeptOnlyForTheSameWidthAndLanguage(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	c := w.Common(120, 24)
	h := tuitest.Open(t, c, New)
	m := h.Comp.(*Model)
	wide := m.View()
	for _, step := range []struct {
		width int
		lang  i18n.Lang
	}{{80, i18n.Swedish}, {120, i18n.Swedish}, {120, i18n.English}, {60, i18n.English}} {
		c.Lang = step.lang
		m.SetSize(step.width, 21)
		fresh := New(c)
		fresh.rows, fresh.cursor, fresh.offset, fresh.moreAfter, fresh.moreBefore = m.rows, m.cursor, m.offset, m.moreAfter, m.moreBefore
		fresh.SetSize(step.width, 21)
		if got, want := m.View(), fresh.View(); got != want {
			t.Fatalf("%d columns, %s: drawn again\n%s\nafresh\n%s", step.width, step.lang, got, want)
		}
	}
	if c.Lang, m.width = i18n.Swedish, 120; m.View() != wide {
		t.Fatal("back at 120 columns in Swedish, the list reads otherwise than it did")
	}
}

// A search shows the day's window of what it finds: the cursor on the
// patient's first booking from today, the latest before it above, and
// the rest paged in as the cursor goes down or up — a keystroke reads a
// screenful, never the patient's whole history.
func TestBookings_SearchShowsTheDayAndPagesTheRest(t *testing.T) {
	e := tuitest.Demo(t, 10, 10)
	// Fifteen visits before today and forty after, one a day at ten; and
	// a patient whose visits are all past.
	want := visitsOf(t, e, "19440404", "Zäta Quist", -15, 40)
	past := visitsOf(t, e, "19450505", "Yngve Ek", -5, -1)
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	h.Keys("/", "q", "u", "i", "s", "t")
	rows := m.Rows()
	if n := m.visibleRows(); len(rows) != n {
		t.Fatalf("a keystroke read %d rows for a screen of %d", len(rows), n)
	}
	sel := m.Selected()
	if sel == nil || sel.ID() != want[15] || m.Cursor() != 0 {
		t.Fatalf("the cursor is on row %d, %v; want the first from today, %d", m.Cursor(), sel, want[15])
	}
	// ↑ at once, on the first row of a window of one screen, moves to the
	// visit before it.
	h.Key("up")
	if got := m.Selected(); got == nil || got.ID() != want[14] {
		t.Fatalf("↑ from the first row of the search moved to %v, want the visit before it, %d", got, want[14])
	}
	h.Key("down")
	// Down to the last, then up to the first: every visit shows, in order.
	seen := map[domain.BookingID]bool{}
	step := func(k string) {
		h.Key(k)
		for _, r := range m.Rows() {
			if r.Name != "Zäta Quist" {
				t.Fatalf("row of %q in a search for quist", r.Name)
			}
		}
		seen[m.Selected().ID()] = true
	}
	for range 60 {
		step("down")
	}
	if m.Selected().ID() != want[len(want)-1] {
		t.Fatalf("60 ↓ end on %d, want the last visit %d", m.Selected().ID(), want[len(want)-1])
	}
	for range 80 {
		step("up")
	}
	if m.Selected().ID() != want[0] {
		t.Fatalf("80 ↑ end on %d, want the first visit %d", m.Selected().ID(), want[0])
	}
	if len(seen) != len(want) {
		t.Fatalf("the cursor went over %d of the %d visits", len(seen), len(want))
	}
	if _, q := m.Query(); q != "quist" {
		t.Fatalf("the search is %q after paging", q)
	}
	// Nothing from today on: the latest visit is selected.
	h.Keys("esc", "/")
	for _, k := range strings.Split("19450505", "") {
		h.Key(k)
	}
	if got := m.Selected(); len(m.Rows()) != len(past) || got == nil || got.ID() != past[len(past)-1] {
		t.Fatalf("a search for a patient with past visits only: %d rows, the cursor on %v; want %d rows, on %d",
			len(m.Rows()), got, len(past), past[len(past)-1])
	}
}

// visitsOf imports a patient and books a visit at ten each day from day
// from to day to (today left out), made in the past as the demo makes
// history: the ids in visit order.
func visitsOf(t *testing.T, e *tuitest.Env, birth, name string, from, to int) []domain.BookingID {
	t.Helper()
	ctx := context.Background()
	id, err := e.Svc.ParseIdentity(tuitest.Pnr(birth, "123"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.ImportPatients(ctx, []service.ImportRow{{Line: 2, Patient: domain.PatientInput{ID: id, Name: name,
		Has1177Account: true, NotificationsEnabled: true}}}); err != nil {
		t.Fatal(err)
	}
	p, err := e.St.Patient(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	exam, site := e.Svc.Catalogue.Exams()[0], e.Svc.Catalogue.Sites()[0]
	today := time.Date(tuitest.Now.Year(), tuitest.Now.Month(), tuitest.Now.Day(), 0, 0, 0, 0, domain.Stockholm)
	var ids []domain.BookingID
	for d := from; d <= to; d++ {
		if d == 0 {
			continue
		}
		visit := today.AddDate(0, 0, d).Add(10 * time.Hour)
		b, err := e.St.CreateBooking(ctx, id, func(bid domain.BookingID, _ []*domain.Booking) (*domain.Booking, error) {
			return domain.NewBooking(domain.BookingRequest{ID: bid, Patient: p, Exam: exam, Site: site,
				VisitAt: visit, Now: visit.AddDate(0, 0, -30), Actor: "test"})
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID())
	}
	return ids
}

// A refresh in the search (every tick of the loop and every change made
// elsewhere asks for one) keeps the cursor on its booking: when another
// terminal books the patient above it, and when bookings at the top row's
// instant lie above the screen.
func TestBookings_SearchRefreshKeepsTheCursor(t *testing.T) {
	e := tuitest.Demo(t, 10, 10)
	visitsOf(t, e, "19440404", "Zäta Quist", 1, 40)
	visitsOf(t, e, "19450505", "Yngve Quist", 1, 40) // at the same instants
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	h.Keys("/", "q", "u", "i", "s", "t", "enter")
	for range 31 {
		h.Key("down")
	}
	if m.Rows()[m.offset].B.VisitAt() != m.Rows()[m.offset-1].B.VisitAt() {
		h.Key("down") // the top row the second of two at one instant
	}
	sel := m.Selected().ID()
	h.Do(m.Refresh())
	if got := m.Selected().ID(); got != sel {
		t.Fatalf("a refresh with nothing changed moved the cursor from %d to %d", sel, got)
	}
	top := m.Rows()[m.offset].B
	made := visitsAt(t, e, "19440404", top.VisitAt().Add(time.Hour))
	h.Do(m.Refresh())
	if got := m.Selected().ID(); got != sel {
		t.Fatalf("a refresh after booking %d above the cursor moved it from %d to %d", made, sel, got)
	}
}

// pgdn and pgup move in the results while the search is typed, as ↑↓ do,
// and a pgdn beyond the screen the keystroke read moves a whole screen once
// the next page is there.
func TestBookings_SearchPagesWithPgDnAndPgUp(t *testing.T) {
	e := tuitest.Demo(t, 10, 10)
	want := visitsOf(t, e, "19440404", "Zäta Quist", -15, 40)
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	h.Keys("/", "q", "u", "i", "s", "t")
	h.Key("pgdown")
	if got, at := m.Selected().ID(), slices.Index(want, m.Selected().ID()); m.searching || at != 15+m.visibleRows() {
		t.Fatalf("pgdn typed in the search: on %d (visit %d), searching %v; want visit %d", got, at, m.searching, 15+m.visibleRows())
	}
	h.Key("pgup")
	if at := slices.Index(want, m.Selected().ID()); at != 15 {
		t.Fatalf("pgdn, pgup: on visit %d, want 15", at)
	}
	h.Key("pgup") // fewer than a screen before today: to the first
	if at := slices.Index(want, m.Selected().ID()); at != 0 {
		t.Fatalf("pgdn, pgup, pgup: on visit %d, want the first", at)
	}
}

// visitsAt books the patient of birth date birth (imported by visitsOf) at
// instant at.
func visitsAt(t *testing.T, e *tuitest.Env, birth string, at time.Time) domain.BookingID {
	t.Helper()
	ctx := context.Background()
	id, err := e.Svc.ParseIdentity(tuitest.Pnr(birth, "123"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.St.Patient(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	exam, site := e.Svc.Catalogue.Exams()[0], e.Svc.Catalogue.Sites()[0]
	b, err := e.St.CreateBooking(ctx, id, func(bid domain.BookingID, _ []*domain.Booking) (*domain.Booking, error) {
		return domain.NewBooking(domain.BookingRequest{ID: bid, Patient: p, Exam: exam, Site: site,
			VisitAt: at, Now: at.AddDate(0, 0, -30), Actor: "test"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.ID()
}

// ↓ through the results of two patients with visits at the same instants,
// and ↑ back: each key moves one row, in (visit, id) order, across the
// pages read.
func TestBookings_SearchStepsOneRowAtATime(t *testing.T) {
	e := tuitest.Demo(t, 10, 10)
	a := visitsOf(t, e, "19440404", "Zäta Quist", -20, 40)
	b := visitsOf(t, e, "19450505", "Yngve Quist", -20, 40)
	var all []domain.BookingID
	for i := range a {
		all = append(all, a[i], b[i]) // the same instant: a's id is the smaller
	}
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	h.Keys("/", "q", "u", "i", "s", "t", "enter")
	pos := slices.Index(all, m.Selected().ID())
	if pos != 40 {
		t.Fatalf("the search starts on row %d, want 40 (the first from today)", pos)
	}
	for i := range 150 {
		k, d := "down", 1
		if i >= 80 {
			k, d = "up", -1
		}
		h.Key(k)
		got, want := slices.Index(all, m.Selected().ID()), min(max(pos+d, 0), len(all)-1)
		if got != want {
			t.Fatalf("key %d (%s): on row %d, want %d", i, k, got, want)
		}
		pos = got
	}
}

// deliver runs cmd now and hands the page what it returns: a load that was
// in flight while other keys were pressed, as in the real program.
func deliver(m *Model, cmd tea.Cmd) {
	for _, msg := range tuitest.Msgs(cmd) {
		if c := m.update(msg); c != nil {
			deliver(m, c)
		}
	}
}

// A refresh in a search with nothing changed leaves the screen as it was:
// the same top row, the cursor on the same line.
func TestBookings_SearchRefreshKeepsTheScreen(t *testing.T) {
	e := tuitest.Demo(t, 10, 10)
	visitsOf(t, e, "19440404", "Zäta Quist", -15, 40)
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	h.Keys("/", "q", "u", "i", "s", "t", "enter")
	for range 5 {
		h.Key("down")
	}
	top, line, sel := m.Rows()[m.offset].B.ID(), m.cursor-m.offset, m.Selected().ID()
	h.Do(m.Refresh())
	if m.Selected().ID() != sel {
		t.Fatalf("a refresh moved the cursor from %d to %d", sel, m.Selected().ID())
	}
	if got := m.Rows()[m.offset].B.ID(); got != top || m.cursor-m.offset != line {
		t.Fatalf("a refresh with nothing changed scrolled the search: top row %d -> %d, cursor on line %d -> %d",
			top, got, line, m.cursor-m.offset)
	}
}

// Keys pressed while a page is being read are neither lost nor applied
// twice: pgdn then pgup returns to where it began, two pgdn move two
// screens, and a ↓ afterwards moves one row.
func TestBookings_KeysWhileAPageIsRead(t *testing.T) {
	e := tuitest.Demo(t, 10, 10)
	want := visitsOf(t, e, "19440404", "Zäta Quist", -15, 40)
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	h.Keys("/", "q", "u", "i", "s", "t", "enter")
	start := slices.Index(want, m.Selected().ID())
	c1 := m.update(tuitest.Key("pgdown")) // its page in flight
	c2 := m.update(tuitest.Key("pgup"))   // pressed before it is back
	deliver(m, c1)
	deliver(m, c2)
	if got := slices.Index(want, m.Selected().ID()); got != start || m.pending != 0 {
		t.Fatalf("pgdn, pgup with the page read between: on visit %d, want %d; %d rows still to move", got, start, m.pending)
	}
	before := slices.Index(want, m.Selected().ID())
	deliver(m, m.update(tuitest.Key("down")))
	if got := slices.Index(want, m.Selected().ID()); got != before+1 {
		t.Fatalf("one ↓ moved from visit %d to %d", before, got)
	}
	h.Keys("esc", "/", "q", "u", "i", "s", "t", "enter")
	start = slices.Index(want, m.Selected().ID())
	c1 = m.update(tuitest.Key("pgdown"))
	c2 = m.update(tuitest.Key("pgdown"))
	deliver(m, c1)
	deliver(m, c2)
	if got, w := slices.Index(want, m.Selected().ID()), start+2*m.visibleRows(); got != w {
		t.Fatalf("two pgdn with the page read after both: on visit %d, want %d", got, w)
	}
}

// Keys that move, pressed after the last letter of a search and before its
// results are read, move in those results, not in the rows they replace:
// ↓↓ puts the cursor two visits after today's first, pgdn a screen after
// it. A refresh meanwhile (the loop's tick) reads the search again and keeps
// them.
func TestBookings_MovesBeforeTheResultsAreReadMoveInThem(t *testing.T) {
	e := tuitest.Demo(t, 10, 10)
	want := visitsOf(t, e, "19440404", "Zäta Quist", -15, 40)
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	h.Keys("/", "q", "u", "i", "s", "t")
	start := slices.Index(want, m.Selected().ID())
	if start < 0 {
		t.Fatalf("the search shows %v, not Zäta Quist's visits", m.Selected())
	}
	for _, tc := range []struct {
		keys    []string
		refresh bool
		moved   int
	}{
		{[]string{"down", "down"}, false, 2},
		{[]string{"pgdown"}, false, m.visibleRows()},
		{[]string{"down", "up", "down"}, false, 1},
		{[]string{"down"}, true, 1},
	} {
		h.Keys("esc", "/", "q", "u", "i", "s")
		var cmds []tea.Cmd
		cmds = append(cmds, m.update(tuitest.Key("t"))) // its results in flight
		for _, k := range tc.keys {
			cmds = append(cmds, m.update(tuitest.Key(k)))
		}
		if tc.refresh {
			cmds = append(cmds, m.Refresh())
		}
		for _, c := range cmds {
			deliver(m, c)
		}
		if got, w := slices.Index(want, m.Selected().ID()), start+tc.moved; got != w || m.pending != 0 || m.early != 0 {
			t.Errorf("%v (refresh %v) before the results: on visit %d, want %d (%d, %d left to move)",
				tc.keys, tc.refresh, got, w, m.pending, m.early)
		}
	}
}

// Moves that went nowhere — ↑ in an empty list, with no page to read — are
// not made later by a refresh (another terminal books the patient searched
// for): the cursor is on today's first visit.
func TestBookings_ARefreshMakesNoStaleMove(t *testing.T) {
	e := tuitest.Demo(t, 10, 10)
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	h.Keys("/", "z", "y", "x", "w", "enter")
	if len(m.Rows()) != 0 {
		t.Fatalf("the search found %d rows", len(m.Rows()))
	}
	h.Keys("up", "up", "up")
	want := visitsOf(t, e, "19440404", "Zyxwv Quist", -10, 10) // booked elsewhere
	h.Do(m.Refresh())
	if got := slices.Index(want, m.Selected().ID()); got != 10 { // day +1: the first from today on
		t.Fatalf("after the refresh the cursor is on visit %d of %d, want 10 (today's first)", got, len(want))
	}
}

// A search of more results than the window holds, paged with pgdn and
// pgup: one screen a key, across the trimming of the window.
func TestBookings_SearchPagesAcrossTheWindow(t *testing.T) {
	e := tuitest.Demo(t, 10, 10)
	want := visitsOf(t, e, "19440404", "Zäta Quist", -300, 400)
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	h.Keys("/", "q", "u", "i", "s", "t")
	pos := slices.Index(want, m.Selected().ID())
	vis := m.visibleRows()
	for i := range 80 {
		k, d := "pgdown", vis
		if i >= 40 {
			k, d = "pgup", -vis
		}
		h.Key(k)
		got, w := slices.Index(want, m.Selected().ID()), min(max(pos+d, 0), len(want)-1)
		if got != w || len(m.Rows()) > MaxWindow {
			t.Fatalf("key %d (%s): on visit %d, want %d (%d rows held)", i, k, got, w, len(m.Rows()))
		}
		pos = got
	}
}

// failingBookings is the store with the list's reads failing while fail
// is set: the disk or a permission said no once.
type failingBookings struct {
	common.Store
	fail bool
}

func (f *failingBookings) Bookings(ctx context.Context, q domain.BookingQuery) ([]*domain.Booking, error) {
	if f.fail {
		return nil, errors.New("disk read failed")
	}
	return f.Store.Bookings(ctx, q)
}

// A page that failed to load is said, and the list pages on afterwards:
// the failure leaves nothing waiting for it.
func TestBookings_AFailedPageIsSaidAndPagingGoesOn(t *testing.T) {
	e := tuitest.Demo(t, 10, 300)
	c := tuitest.EnvCommon(e, 80, 24)
	st := &failingBookings{Store: c.Backend.Store}
	c.Backend.Store = st
	h := tuitest.Open(t, c, New)
	m := h.Comp.(*Model)
	st.fail = true
	for range 6 { // past the first page: its next one is asked for, and fails
		h.Key("pgdown")
	}
	if len(h.Errs) == 0 {
		t.Fatal("a failed read was not said")
	}
	stuck := m.cursor
	st.fail = false
	for range 6 {
		h.Key("pgdown")
	}
	if m.cursor <= stuck || m.loading {
		t.Fatalf("after the failure the cursor went from row %d to %d (loading %v): the list no longer pages", stuck, m.cursor, m.loading)
	}
}

// The results of a search, left with enter, say what was searched for and
// where the cursor is in them, as the list does.
func TestBookings_SearchResultsSayWhereTheCursorIs(t *testing.T) {
	e := tuitest.Demo(t, 10, 10)
	visitsOf(t, e, "19440404", "Zäta Quist", -15, 40)
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	h.Keys("/", "q", "u", "i", "s", "t", "enter", "down")
	foot := m.footer()
	day := m.Selected().VisitAt()
	want := fmt.Sprintf("%s %s: rad 1 av 1", i18n.WeekdayShort(i18n.Swedish, day), day.Format("01-02")) // one visit a day
	if !strings.Contains(foot, "quist") || !strings.Contains(foot, want) {
		t.Fatalf("footer %q, want the term and %q", foot, want)
	}
}

// The filter bar marks the field ←→ and typing change in text, not by
// colour alone: a monochrome terminal (NO_COLOR) shows it too.
func TestBookings_TheFilterFieldInUseIsMarkedInText(t *testing.T) {
	e := tuitest.Demo(t, 10, 10)
	c := tuitest.EnvCommon(e, 80, 24)
	h := tuitest.Open(t, c, New)
	h.Key("f")
	for _, want := range []string{"exam", "site", "state", "from", "to"} {
		if v := h.View(); !strings.Contains(v, "▸ "+c.T(want)) {
			t.Fatalf("field %s is not marked:\n%s", want, v)
		}
		h.Key("tab")
	}
}
