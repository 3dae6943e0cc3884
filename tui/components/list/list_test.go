package list

import (
	"strings"
	"testing"
)

func lines(spec string) []Line {
	var out []Line
	for _, f := range strings.Split(spec, ",") {
		out = append(out, Line{Text: strings.TrimPrefix(f, "#"), Row: !strings.HasPrefix(f, "#") && f != ""})
	}
	return out
}

// Coming up to a section's first row brings its title (and the blank above
// it, unless StopAtBlank) into view.
func TestWindow_KeepsTheSectionTitleWithItsFirstRow(t *testing.T) {
	l := lines("#A,a1,a2,a3,,#B,b1,b2")
	for _, c := range []struct {
		w    *Window
		want string
	}{{&Window{Lead: 2}, "|B|b1"}, {&Window{Lead: 2, StopAtBlank: true}, "B|b1|b2"}} {
		c.w.Show(l, 7, 3) // at the end
		if got := strings.Join(c.w.Show(l, 6, 3), "|"); !strings.HasPrefix(got, c.want) {
			t.Errorf("%+v: up to b1 shows %q, want %q…", *c.w, got, c.want)
		}
	}
	w := &Window{Lead: 2}
	w.Show(l, 7, 3)
	if got := strings.Join(w.Show(l, 1, 3), "|"); got != "A|a1|a2" {
		t.Fatalf("the first row with the list's first title: %q", got)
	}
}

// Moving up scrolls as little as it can; the window never runs past either end.
func TestWindow_MovesAsLittleAsItCan(t *testing.T) {
	w := &Window{}
	for sel := 0; sel < 10; sel++ {
		from, to := w.Follow(10, sel, sel, 4)
		if sel < from || sel >= to || to-from != 4 {
			t.Fatalf("sel %d shows %d..%d", sel, from, to)
		}
	}
	if from, _ := w.Follow(10, 8, 8, 4); from != 6 {
		t.Fatalf("up one from the end scrolled to %d", from)
	}
	if from, to := w.Follow(2, 0, 1, 4); from != 0 || to != 2 {
		t.Fatalf("short list: %d..%d", from, to)
	}
	if above, below := w.More(2, 4); above || below {
		t.Fatal("a short list has nothing out of sight")
	}
}
