package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/internal/tuitest"
)

// A booking moved from its own page comes back to that page, once: esc
// then leads to the list, not to a second copy of the booking (where a
// search typed would have quit the program at its q).
func TestRoot_RebookFromTheDetailComesBackToOneDetail(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 120, 40))
	coming, err := e.St.Bookings(context.Background(), domain.BookingQuery{From: tuitest.Now.AddDate(0, 0, 7)})
	if err != nil {
		t.Fatal(err)
	}
	var b *domain.Booking
	for _, c := range coming {
		if c.State() == domain.StateSummonsSent || c.State() == domain.StateOpened {
			b = c
			break
		}
	}
	if b == nil {
		t.Fatal("no summoned booking ahead in the demo")
	}
	tm, cmd := m.Update(common.OpenDetailMsg{ID: b.ID()})
	tuitest.Run(t, tm, cmd)
	tuitest.Keys(t, m, "R")
	if m.Page() != PageForm {
		t.Fatalf("R on the detail: page %v", m.Page())
	}
	tuitest.Keys(t, m, "ctrl+u", "2027-02-03", "tab", "ctrl+u", "14:00", "enter", "j")
	if got, _ := e.St.Booking(context.Background(), b.ID()); got.State() != domain.StateRebooked {
		t.Fatalf("not moved: %s\n%s", got.State(), m.View())
	}
	if m.Page() != PageDetail || len(m.stack) != 1 {
		t.Fatalf("after the move: page %v, %d pages deep", m.Page(), len(m.stack))
	}
	tuitest.Contains(t, m.View(), "ons 2027-02-03 14:00")
	tuitest.Keys(t, m, "esc")
	if m.Page() != PageBookings {
		t.Fatalf("esc from the moved booking: page %v", m.Page())
	}
}

// A note beside the loop's status takes only the room the status leaves:
// at 60 columns the status was cut to "0 vä…" (walk); the note goes on a
// line of its own instead.
func TestRoot_ANoteLeavesTheStatusWhole(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 60, 20))
	tm, cmd := m.Update(common.InfoMsg{Text: "Bokning 12 avbokad, sms skickat"})
	tuitest.Run(t, tm, cmd)
	v := m.View()
	tuitest.Contains(t, v, "✓ Bokning 12 avbokad, sms skickat", "väntar")
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "loop") && strings.Contains(l, "…") {
			t.Fatalf("the status cut: %q\n%s", l, v)
		}
	}
}
