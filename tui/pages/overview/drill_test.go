package overview

import (
	"strings"
	"testing"

	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/internal/tuitest"
)

// At 60 columns the drill-down keeps what the figure counts whole — the
// booking, the day, the visit and when it was opened — and lets the
// channel group and the examination go (the walk read "✓ efter 7 …").
func TestDashboard_DrillDownAt60KeepsWhenItWasOpened(t *testing.T) {
	e := tuitest.Demo(t, 150, 400)
	m := dashStart(t, e, tuitest.NewReports(t, e), 60, 20)
	m.Keys("enter")
	p := m.Comp.(*Model)
	if p.drill == nil || len(p.drill.facts) == 0 {
		t.Fatal("no drill-down")
	}
	v := m.View()
	tuitest.Contains(t, v, "Bokning", "Öppnad")
	for _, line := range strings.Split(v, "\n") {
		if strings.Contains(line, "efter") && strings.Contains(line, "…") {
			t.Errorf("the time to open cut: %q", line)
		}
		if w := common.Width(line); w > 60 {
			t.Errorf("a line %d wide: %q", w, line)
		}
	}
	// The columns stay put while the list scrolls (review: they were
	// measured on the rows on screen).
	header := func() string {
		for _, l := range strings.Split(m.View(), "\n") {
			if strings.Contains(l, "Bokning") && strings.Contains(l, "Öppnad") {
				return strings.Join(strings.Fields(l), " ")
			}
		}
		t.Fatalf("no header:\n%s", m.View())
		return ""
	}
	first := header()
	for range len(p.drill.facts) {
		m.Keys("down")
		if h := header(); h != first {
			t.Fatalf("the columns changed while scrolling: %q, then %q", first, h)
		}
	}
}
