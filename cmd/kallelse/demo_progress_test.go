package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/progress"

	"github.com/kallelse/kallelse/adapters/demo"
	"github.com/kallelse/kallelse/tui/i18n"
)

// The demo's progress says the bookings made, not those tried: a booking
// given up (its patient busy at every time drawn) is said, on the
// terminal's bar as on the plain lines, with why at the end.
func TestDemoProgress_SaysWhatWasMade(t *testing.T) {
	for _, term := range []bool{false, true} {
		var out bytes.Buffer
		p := &buildProgress{lang: i18n.English, w: &out, term: term, bar: progress.New(progress.WithWidth(10))}
		p.update(demo.Step{Stage: "bookings", Total: 1000})
		p.update(demo.Step{Stage: "bookings", Done: 1000, Total: 1000, GivenUp: 3})
		got := out.String()
		for _, want := range []string{"997 of 1000 bookings", "3 could not be made", "\nDemo: 3 bookings were not made: each of 5 tries drew a patient who already had a visit"} {
			if !strings.Contains(got, want) {
				t.Errorf("terminal %v: %q lacks %q", term, got, want)
			}
		}
		if strings.Contains(got, "1000 of 1000") {
			t.Errorf("terminal %v: %q says every booking was made", term, got)
		}
	}
	var out bytes.Buffer
	p := &buildProgress{lang: i18n.Swedish, w: &out}
	p.update(demo.Step{Stage: "bookings", Done: 1000, Total: 1000})
	if got := out.String(); got != "Demo: 1000 av 1000 bokningar gjorda (100 %).\n" {
		t.Errorf("all made: %q", got)
	}
}
