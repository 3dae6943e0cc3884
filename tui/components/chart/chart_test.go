package chart

import (
	"strings"
	"testing"
)

// Every week named sits under its own column, at a steady step, the latest
// always; labels never touch.
func TestXLabels_EachUnderItsOwnPeriodAtASteadyStep(t *testing.T) {
	labels := []string{"v37", "v38", "v39", "v40", "v41", "v42", "v43", "v44", "v45", "v46", "v47", "v48"}
	for _, width := range []int{30, 52, 100} {
		cols := make([]int, len(labels))
		for i := range cols {
			cols[i] = 4 + i*(width-6)/(len(labels)-1)
		}
		row := XLabels(labels, cols, width)
		if len([]rune(row)) > width {
			t.Fatalf("width %d: row is %d wide", width, len([]rune(row)))
		}
		if !strings.Contains(row, "v48") {
			t.Errorf("width %d: the latest week is not named: %q", width, row)
		}
		var shown []int
		for i, l := range labels {
			at := strings.Index(row, l)
			if at < 0 {
				continue
			}
			shown = append(shown, i)
			if at > cols[i] || at+len(l) <= cols[i]-1 {
				t.Errorf("width %d: %s at column %d, its week at %d", width, l, at, cols[i])
			}
		}
		for j := 2; j < len(shown); j++ {
			if shown[j]-shown[j-1] != shown[1]-shown[0] {
				t.Errorf("width %d: uneven steps %v in %q", width, shown, row)
			}
		}
		if len(shown) < 2 {
			t.Errorf("width %d: only %v named", width, shown)
		}
		if width >= 100 && len(shown) != len(labels) {
			t.Errorf("width %d: room for every week, %d named: %q", width, len(shown), row)
		}
	}
}
