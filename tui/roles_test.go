package tui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/kallelse/kallelse/tui/internal/tuitest"

	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// ktAs is a terminal of w×h for principal p, reading through the service's
// checked Reader as cmd wires it.
func ktAs(e *tuitest.Env, p domain.Principal, w, h int) *common.Common {
	svc := e.Svc.For(p, service.NewSession("t-"+p.User, service.ViaTUI))
	c := common.NewCommon(context.Background(), common.Backend{Service: svc, Store: svc.Reader(), Hub: svc.Hub, Reports: svc.Reports()},
		i18n.Swedish, lipgloss.NewRenderer(io.Discard))
	c.Width, c.Height = w, h
	return c
}

// ktAccess counts the access-log entries by user and action.
func ktAccess(t *testing.T, e *tuitest.Env, q domain.AccessQuery) map[string]int {
	t.Helper()
	n := map[string]int{}
	if err := e.St.AccessEntries(context.Background(), q, func(a domain.AccessEntry) error {
		n[a.User+" "+string(a.Action)]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRoles_KoordinatorStartsOnTheOverviewAndSeesNoPatient(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	karl := domain.Principal{User: "karl", Name: "Karl", Role: domain.RoleKoordinator}
	m := ktStart(t, ktAs(e, karl, 80, 24))
	if m.Page() != PageDashboard {
		t.Fatalf("home page %v, want the overview", m.Page())
	}
	names := map[string]bool{}
	ps, _ := e.St.Patients(context.Background(), "", 0)
	for _, p := range ps {
		names[p.Name()] = true
	}
	// A secretary's keys: the bookings list, search, attention, print
	// queue, new booking, the actions on a booking. None does anything.
	tuitest.Keys(t, m, "b", "/", "a", "u", "n", "C", "P", "enter")
	if m.Page() != PageDashboard || m.confirm != nil {
		t.Fatalf("page %v, confirm %v after a secretary's keys", m.Page(), m.confirm)
	}
	v := m.View()
	for n := range names {
		if strings.Contains(v, n) {
			t.Fatalf("the coordinator sees %s:\n%s", n, v)
		}
	}
	if strings.Contains(v, "! ") && strings.Contains(v, "att hantera") {
		t.Fatalf("the coordinator's status line counts patients' tasks:\n%s", v)
	}
	for _, k := range []string{"sök", "ny bokning", "avboka", "utskrifter"} {
		if strings.Contains(m.c.Help.FullHelpView(m.c.Keys.FullHelp()), k) {
			t.Errorf("the coordinator's help offers %q", k)
		}
	}
	if n := ktAccess(t, e, domain.AccessQuery{User: "karl"}); len(n) != 0 {
		t.Fatalf("the coordinator looked at patients: %v", n)
	}
	golden.RequireEqual(t, []byte(v))
}

func TestRoles_DrillDownKoordinatorOpensABookingBehindAFigure(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	kim := domain.Principal{User: "kim", Name: "Kim", Role: domain.RoleKoordinator, DrillDown: true}
	m := ktStart(t, ktAs(e, kim, 120, 40))
	tuitest.Keys(t, m, "enter") // drill into the first bar
	if m.Page() != PageDashboard {
		t.Fatalf("page %v", m.Page())
	}
	tuitest.Keys(t, m, "enter") // open the first booking behind it
	if m.Page() != PageDetail {
		t.Fatalf("page %v after opening a booking behind a figure:\n%s", m.Page(), m.View())
	}
	if n := ktAccess(t, e, domain.AccessQuery{User: "kim"}); n["kim drill_down"] != 1 || len(n) != 1 {
		t.Fatalf("access log %v", n)
	}
	tuitest.Keys(t, m, "C")
	if m.confirm != nil {
		t.Fatal("a coordinator was asked to confirm a cancellation")
	}
	tuitest.Keys(t, m, "esc")
	if m.Page() != PageDashboard {
		t.Fatalf("back from the booking: page %v", m.Page())
	}
}

func TestAccessLog_DetailOnceListRowsOncePerSession(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	anna := domain.Principal{User: "anna2", Name: "Anna", Role: domain.RoleSekreterare}
	m := ktStart(t, ktAs(e, anna, 80, 24))
	sel := m.bookings.Selected()
	q := domain.AccessQuery{Patient: sel.Patient()}
	if n := ktAccess(t, e, q); n["anna2 list"] != 1 {
		t.Fatalf("the first row's patient: %v", n)
	}
	// Scrolling away and back, and live reloads, show the same patients.
	tuitest.Keys(t, m, "pgdown", "pgdown", "g")
	tuitest.Run(t, m, func() tea.Msg { return common.ChangedMsg{Change: service.Change{Source: "system"}} })
	if n := ktAccess(t, e, q); n["anna2 list"] != 1 {
		t.Fatalf("after scrolling back: %v", n)
	}
	// Opening the booking is one look; a change elsewhere reloads it.
	tuitest.Keys(t, m, "enter")
	for i := 0; i < 3; i++ {
		tuitest.Run(t, m, func() tea.Msg {
			return common.ChangedMsg{Change: service.Change{Source: "system", Bookings: []domain.BookingID{sel.ID()}}}
		})
	}
	if n := ktAccess(t, e, q); n["anna2 view_booking"] != 1 {
		t.Fatalf("one opening and three reloads: %v", n)
	}
	// Back to the list and in again: a second look.
	tuitest.Keys(t, m, "esc", "enter")
	if n := ktAccess(t, e, q); n["anna2 view_booking"] != 2 {
		t.Fatalf("a second opening: %v", n)
	}
	// Every row drawn so far is logged, each patient once.
	all := ktAccess(t, e, domain.AccessQuery{User: "anna2"})
	if all["anna2 list"] == 0 || all["anna2 list"] > 60 {
		t.Fatalf("list entries %v", all)
	}
}

func TestTypeahead_KeysInOnePacketAreTakenOneByOne(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
	// "/" opens the search and the letters after it are the term.
	var tm tea.Model = m
	tm, cmd := tm.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/an")})
	tuitest.Run(t, tm, cmd)
	if !m.bookings.Searching() || query(m) != "an" {
		t.Fatalf("searching %v, term %q", m.bookings.Searching(), query(m))
	}
	tuitest.Keys(t, m, "esc")
	// "C" and "n" in one packet: the cancel is asked and answered no.
	sel := findRow(t, m, func(b *domain.Booking) bool { return !b.State().Final() })
	tm, cmd = tm.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("Cn")})
	tuitest.Run(t, tm, cmd)
	got, err := e.St.Booking(context.Background(), sel.ID())
	if err != nil || got.State() == domain.StateCancelled {
		t.Fatalf("booking %s: %v", got.State(), err)
	}
	if !strings.Contains(fmt.Sprint(m.View()), "Bokningar") {
		t.Fatal("left the list")
	}
}

func TestLiveUpdates_KeepTheCursorOnTheChosenRow(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
	for _, search := range []bool{false, true} {
		if search {
			p, err := e.St.Patient(context.Background(), m.bookings.Selected().Patient())
			if err != nil {
				t.Fatal(err)
			}
			tuitest.Keys(t, m, "/", strings.ToLower(strings.Fields(p.Name())[1]), "enter")
		}
		tuitest.Keys(t, m, "down", "down")
		chosen := m.bookings.Selected()
		tuitest.Run(t, m, func() tea.Msg { return common.ChangedMsg{Change: service.Change{Source: "system"}} })
		if got := m.bookings.Selected(); got == nil || got.ID() != chosen.ID() {
			t.Fatalf("search %v: the cursor moved from booking %d to %v after a change elsewhere", search, chosen.ID(), got)
		}
	}
	// "g" is explicit: back to today, wherever the cursor was.
	tuitest.Keys(t, m, "F", "pgdown", "pgdown", "g")
	if got := m.bookings.Selected(); got.VisitAt().Before(common.StartOfDay(tuitest.Now)) || m.bookings.Cursor() != 0 {
		t.Fatalf("g left the cursor at row %d (%s)", m.bookings.Cursor(), got.VisitAt())
	}
}
