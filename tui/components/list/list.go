// Package list is the scroll window of a list taller than its room: the
// selected line stays on screen, with the section title or table header
// above it when it is the first of its section, and only the lines on
// screen are drawn. Needs attention, the print queue and the overview
// scroll with it.
package list

// Line is one line of a list: a row that can be selected, or a line
// between rows (a section's title, a table's header, a blank, a message).
type Line struct {
	Text string
	Row  bool
}

// Window is where a list is scrolled to. The zero value starts at the top.
type Window struct {
	// Offset is the first line shown.
	Offset int
	// Lead is how many lines that are not rows, right above the selected
	// line, stay on screen with it.
	Lead int
	// StopAtBlank ends the lead at a blank line: the title stays, the
	// space above it may scroll away.
	StopAtBlank bool
}

// Show scrolls so that line sel (and its lead) shows in a room of area
// lines, and returns the lines to draw: at most area, fewer when the list
// is shorter.
func (w *Window) Show(lines []Line, sel, area int) []string { return w.ShowSpan(lines, sel, sel, area) }

// ShowSpan is Show for a selected row drawn on the lines sel..last (its
// words wrapped): the whole row shows with its lead where they fit, its
// first line always.
func (w *Window) ShowSpan(lines []Line, sel, last, area int) []string {
	top := sel
	for top > 0 && sel-top < w.Lead && !lines[top-1].Row && !(w.StopAtBlank && lines[top-1].Text == "") {
		top--
	}
	last = max(sel, min(last, sel+max(area, 1)-1))
	from, to := w.Follow(len(lines), top, last, area)
	out := make([]string, 0, to-from)
	for _, l := range lines[from:to] {
		out = append(out, l.Text)
	}
	return out
}

// Follow scrolls a list of n lines so that the lines top..sel show in a
// room of area lines (sel wins when they do not fit), moving as little as
// it can, and returns the lines shown, from..to.
func (w *Window) Follow(n, top, sel, area int) (from, to int) {
	area = max(area, 1)
	if w.Offset > top {
		w.Offset = top
	}
	if sel >= w.Offset+area {
		w.Offset = sel - area + 1
	}
	w.Offset = max(0, min(w.Offset, n-area))
	return w.Offset, min(n, w.Offset+area)
}

// More reports whether a list of n lines in a room of area lines has
// lines out of sight above and below.
func (w *Window) More(n, area int) (above, below bool) {
	return w.Offset > 0, w.Offset+area < n
}
