package confirm

import (
	"strings"
	"testing"
)

// A question wraps at spaces only, and keeps a date with its time: at 60
// columns a secretary reads "2026-11-25 08:00" whole.
func TestWrap_NeverInsideADateOrBetweenADateAndItsTime(t *testing.T) {
	q := "? Skicka papperskallelse igen: Karin Åberg, 2026-11-25 08:00, lungfunktion (bokning 94). Den förra gick 2026-11-25 07:58."
	for w := 40; w <= 80; w++ { // narrower, the fifth line is cut with "…"
		lines := Wrap(q, w)
		for _, l := range lines {
			if len([]rune(l)) > w {
				t.Fatalf("width %d: %q is too wide", w, l)
			}
			if strings.HasSuffix(l, "2026-11-25") || strings.HasSuffix(l, "2026-") || strings.HasPrefix(l, "08:00") || strings.HasPrefix(l, "07:58") {
				t.Fatalf("width %d: a date is broken: %q", w, lines)
			}
		}
		joined := strings.Join(lines, " ")
		if strings.Count(joined, "2026-11-25 08:00") != 1 || strings.Count(joined, "2026-11-25 07:58") != 1 {
			t.Fatalf("width %d: %q", w, lines)
		}
	}
}
