package bookings

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/internal/tuitest"
)

// A booking just made at the end of all bookings is shown with those
// before it filling the screen, the cursor on it: not one row above empty
// lines (the rows before were reached only by ↑).
func TestBookings_ABookingMadeAtTheEndShowsThoseBeforeIt(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	ctx := context.Background()
	res, err := w.Svc.Book(ctx, service.BookInput{Patient: tuitest.Pnr("19500101", "123"), Exam: "ekg24", Site: "ryhov",
		VisitAt: time.Date(2026, 12, 18, 10, 0, 0, 0, domain.Stockholm)})
	if err != nil {
		t.Fatal(err)
	}
	h := tuitest.Open(t, w.Common(80, 24), New)
	h.Do(h.Comp.(*Model).FocusOn(res.Booking.ID(), res.Booking.VisitAt()))
	v := h.View()
	if !strings.Contains(h.Selected(), "12-18 10:00") {
		t.Fatalf("the cursor is not on the booking just made (%q):\n%s", h.Selected(), v)
	}
	for _, earlier := range []string{"Bo Ek", "Cecilia Dahl", "Dan Ek"} {
		if !strings.Contains(v, earlier) {
			t.Errorf("%s, booked before it, is not on screen:\n%s", earlier, v)
		}
	}
}

// Two patients of the same name are told apart by their birth dates where
// the identity number has no column; at 120 columns it has one.
func TestBookings_SameNamesAreToldApartByBirthDate(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	ctx := context.Background()
	other := tuitest.Pnr("19911111", "234")
	id, err := w.Svc.ParseIdentity(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ImportPatients(ctx, []service.ImportRow{{Line: 2, Patient: domain.PatientInput{ID: id, Name: "Anna Berg",
		Has1177Account: true, NotificationsEnabled: true}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.Book(ctx, service.BookInput{Patient: other, Exam: "ekg24", Site: "ryhov",
		VisitAt: time.Date(2026, 12, 3, 11, 0, 0, 0, domain.Stockholm)}); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int{60, 80} {
		h := tuitest.Open(t, w.Common(width, 24), New)
		v := h.View()
		for _, want := range []string{"500101", "911111"} {
			if !strings.Contains(v, want) {
				t.Errorf("at %d columns the Anna Bergs are not told apart (%s):\n%s", width, want, v)
			}
		}
		if strings.Contains(v, "600202") {
			t.Errorf("at %d columns Bo Ek, whose name nobody shares, got a birth date:\n%s", width, v)
		}
		for i, l := range strings.Split(v, "\n") {
			if lipgloss.Width(l) > width {
				t.Errorf("at %d columns line %d is %d wide", width, i, lipgloss.Width(l))
			}
		}
	}
	h := tuitest.Open(t, w.Common(120, 24), New)
	if v := h.View(); strings.Contains(v, "Anna Berg 500101") {
		t.Errorf("at 120 columns the identity column says it:\n%s", v)
	}
}

// G (end) shows the last bookings, the cursor on the last of all; ↑ walks
// back from there, and g returns to today. In a search's results it goes
// to the last of them.
func TestBookings_EndGoesToTheLastBooking(t *testing.T) {
	e := tuitest.Demo(t, 10, 300)
	want := visitsOf(t, e, "19440404", "Zäta Quist", 500, 510) // after every demo booking
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	h.Key("G")
	if got := m.Selected().ID(); got != want[len(want)-1] || m.moreAfter {
		t.Fatalf("G: on booking %d, want %d (more after: %v)", got, want[len(want)-1], m.moreAfter)
	}
	h.Key("up")
	if got := m.Selected().ID(); got != want[len(want)-2] {
		t.Fatalf("↑ from the last: on %d, want %d", got, want[len(want)-2])
	}
	for range 30 {
		h.Key("pgup")
	}
	if slices.Contains(want, m.Selected().ID()) {
		t.Fatal("pgup from the end did not page back into the earlier bookings")
	}
	h.Key("g")
	today := common.StartOfDay(tuitest.Now)
	if b := m.Selected(); b == nil || b.VisitAt().Before(today) {
		t.Fatalf("g: on %v, want today's first", b)
	}
	h.Keys("/", "q", "u", "i", "s", "t", "enter", "G")
	if got := m.Selected().ID(); got != want[len(want)-1] {
		t.Fatalf("G in a search: on %d, want %d", got, want[len(want)-1])
	}
}

// The footer says where the cursor is among its day's visits, and that
// does not jump when the rows read page around it: down through a few
// hundred bookings it counts 1, 2, 3 … within each day and starts at 1
// on the next; up from today's first it is on the last of the day before.
func TestBookings_TheFooterCountsTheVisitsOfTheDay(t *testing.T) {
	e := tuitest.Demo(t, 20, 600)
	h := tuitest.Open(t, tuitest.EnvCommon(e, 80, 24), New)
	m := h.Comp.(*Model)
	re := regexp.MustCompile(`(\S+ \d\d-\d\d): rad (≥?)(\d+) av (\d+)(\+?)`)
	seenBefore := false
	parse := func() (day string, n, of int, open bool) {
		g := re.FindStringSubmatch(m.footer())
		if g == nil {
			t.Fatalf("footer %q", m.footer())
		}
		n, _ = strconv.Atoi(g[3])
		of, _ = strconv.Atoi(g[4])
		if g[2] != "" && g[5] == "" {
			// The day began before the rows read: their count is not the
			// day's (the walk read "rad ≥13 av 18" of a day of 24).
			t.Fatalf("footer %q: a count that leaves rows out without +", m.footer())
		}
		seenBefore = seenBefore || g[2] != ""
		return g[1], n, of, g[2] != "" || g[5] != ""
	}
	day, n, of, _ := parse()
	if n != 1 {
		t.Fatalf("today's first: %s rad %d", day, n)
	}
	for i := range 250 {
		h.Key("down")
		d2, n2, of2, open := parse()
		switch {
		case d2 == day && (n2 != n+1 || of2 != of && !open):
			t.Fatalf("step %d: %s rad %d av %d after rad %d av %d", i, d2, n2, of2, n, of)
		case d2 != day && n2 != 1:
			t.Fatalf("step %d: a new day %s begins at rad %d", i, d2, n2)
		}
		day, n, of = d2, n2, of2
		if i%50 == 49 {
			// A change elsewhere reads the rows again around the cursor,
			// which may leave the start of its day out.
			h.Send(common.ChangedMsg{})
			if d3, n3, _, _ := parse(); d3 != day || n3 != n {
				t.Fatalf("a refresh moved the place: %s rad %d, was %s rad %d", d3, n3, day, n)
			}
		}
	}
	h.Key("g")
	h.Key("up")
	if _, n, of, _ := parse(); n != of {
		t.Fatalf("↑ from today's first: rad %d av %d, want the last of the day before", n, of)
	}
	// Rows read from the middle of a day (a refresh or a resize reads
	// around the cursor): the place is "≥", and the count is of the rows
	// read, so it says "+" — the walk read "rad ≥13 av 18" of a day of 24.
	for m.cursor > 0 && common.StartOfDay(m.rows[m.cursor-1].B.VisitAt()).Equal(common.StartOfDay(m.rows[m.cursor].B.VisitAt())) {
		m.cursor--
	}
	m.rows, m.cursor = m.rows[m.cursor:], 0
	m.moreBefore, m.from = true, m.rows[0].B.VisitAt()
	if day, _, _, _ := parse(); !seenBefore {
		t.Fatalf("rows read from within %s: footer %q", day, m.footer())
	}
}
