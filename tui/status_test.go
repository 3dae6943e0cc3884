package tui

import (
	"testing"
	"time"

	"github.com/kallelse/kallelse/tui/i18n"
	"github.com/kallelse/kallelse/tui/internal/tuitest"
)

// The status line kept from the last drawing is always the one drawn now:
// each thing it is drawn of, changed, draws it again.
func TestStatusLine_KeptOnlyWhileWhatItShowsIsTheSame(t *testing.T) {
	e := tuitest.Demo(t, 20, 30)
	m := ktStart(t, tuitest.EnvCommon(e, 160, 24))
	changes := []func(){
		func() {},
		func() { m.status.waiting = 3 },
		func() { m.status.attention = 2 },
		func() { m.status.failing = 1 },
		func() { m.status.quarantined = 4 },
		func() { m.lastTick = tuitest.Now },
		func() { m.lastTick = tuitest.Now.Add(time.Second) },
		func() { m.loopRunning = !m.loopRunning },
		func() { m.info = "sparat" },
		func() { m.info, m.warn = "", "inte nu" },
		func() { m.warn, m.errText = "", "fel" },
		func() { m.c.Width = 60 },
		func() { m.c.Lang = i18n.English },
		func() { m.errText = "" },
	}
	for i, change := range changes {
		before := m.statusLine()
		change()
		got, want := m.statusLine(), m.drawStatusLine()
		if got != want {
			t.Fatalf("change %d: kept %q, drawn now %q", i, got, want)
		}
		if i > 0 && got == before {
			t.Fatalf("change %d did not change the line %q: the test no longer checks it", i, got)
		}
	}
}
