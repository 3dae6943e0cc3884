package bookings

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// The window pages in place: a page added at either end gives the rows a
// new array would have, cut to the window as before, and the rows cut off
// are cleared from the array so that they keep no booking alive.
func TestWindow_PagingInPlaceKeepsTheRowsANewArrayWould(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := 0
		page := func(label string) []Row {
			k := rapid.IntRange(0, 2*pageSize).Draw(t, label)
			out := make([]Row, k)
			for i := range out {
				n++
				out[i] = Row{Name: fmt.Sprint(n)}
			}
			return out
		}
		max := rapid.IntRange(1, MaxWindow).Draw(t, "max")
		rows := page("first")[:0:0]
		for step := range rapid.IntRange(1, 20).Draw(t, "steps") {
			front := rapid.Bool().Draw(t, fmt.Sprint("front", step))
			p := page(fmt.Sprint("page", step))
			var want, got []Row
			if front {
				want = append(append([]Row{}, p...), rows...)
				want = want[:min(len(want), max)]
				old := rows[:len(rows):cap(rows)]
				got = prepend(rows, p, max)
				if len(got) < len(old) && &got[0] == &old[0] {
					for i, r := range old[len(got):] {
						if r != (Row{}) {
							t.Fatalf("row %d cut from the end still held: %v", len(got)+i, r)
						}
					}
				}
			} else {
				want = append(append([]Row{}, rows...), p...)
				got = append(rows, p...)
				if over := len(got) - max; over > 0 {
					want = want[over:]
					got = dropFront(got, over)
					if tail := got[len(got) : len(got)+over]; slices.ContainsFunc(tail, func(r Row) bool { return r != Row{} }) {
						t.Fatalf("rows moved down still held at the end: %v", tail)
					}
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("step %d (front %v): %v, want %v", step, front, names(got), names(want))
			}
			rows = got
		}
	})
}

func names(rows []Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Name
	}
	return out
}
