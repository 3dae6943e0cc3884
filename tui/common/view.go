package common

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/i18n"
)

// HintLine shows as many key hints as fit the width, then pos (where the
// cursor is in a list that scrolls).
func HintLine(c *Common, bs []key.Binding, pos string) string {
	return strings.Join(HintLines(c, bs, pos), "\n")
}

// HintLines is a page's keys on one line, or on two when they do not fit
// one: every key the page has stays on the screen at 60 columns. What does
// not fit two lines gives way from the end (the arrows, which every list
// has, come last) — but never `?`, which shows them all: it takes the
// place of the last key that fits instead.
func HintLines(c *Common, bs []key.Binding, pos string) []string {
	lines, placed := hintLines(c, bs, pos)
	help := -1
	for i, b := range bs {
		if b.Help().Key == "?" && (len(b.Keys()) == 0 || b.Enabled()) {
			help = i
		}
	}
	if help < placed {
		return lines
	}
	for at := placed - 1; at >= 0; at-- {
		moved := append(append(append(append([]key.Binding{}, bs[:at]...), bs[help]), bs[at:help]...), bs[help+1:]...)
		if lines, placed = hintLines(c, moved, pos); placed > at {
			return lines
		}
	}
	return lines
}

// hintLines lays bs out on at most two lines and says how many of bs it
// got to (those after give way).
func hintLines(c *Common, bs []key.Binding, pos string) ([]string, int) {
	s := c.Styles
	var lines []string
	var parts []string
	width := 0
	room := c.Width - lipgloss.Width(pos) - 3
	placed := len(bs)
	for i, b := range bs {
		if len(b.Keys()) > 0 && !b.Enabled() {
			continue // a key the user's role does not have (a help-only binding has no keys)
		}
		p := b.Help().Key + " " + b.Help().Desc
		if width > 0 && width+lipgloss.Width(p) > room {
			if len(lines) == 1 {
				placed = i
				break
			}
			lines = append(lines, strings.Join(parts, s.Muted.Render(" · ")))
			parts, width, room = nil, 0, c.Width
		}
		width += lipgloss.Width(p) + 3
		parts = append(parts, s.Key.Render(b.Help().Key)+" "+s.Muted.Render(Truncate(b.Help().Desc, max(4, c.Width-lipgloss.Width(b.Help().Key)-1))))
	}
	if len(parts) > 0 {
		lines = append(lines, strings.Join(parts, s.Muted.Render(" · ")))
	}
	if pos != "" && len(lines) > 0 {
		lines[0] += s.Muted.Render("   " + pos)
	}
	return lines, placed
}

// MsgCmd is a Cmd that returns msg.
func MsgCmd(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// BindingsFromText makes key bindings, for the help, of a key line written
// as text ("tab/↓ next · ctrl+s save"): the catalogue's line is the one source.
func BindingsFromText(line string) []key.Binding {
	var bs []key.Binding
	for _, part := range strings.Split(line, " · ") {
		k, desc, _ := strings.Cut(strings.TrimSpace(part), " ")
		bs = append(bs, key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)))
	}
	return bs
}

// TextError says in words what went wrong, keeping the cause for errors.Is.
type TextError struct {
	Text string
	Err  error
}

// Error is the text in words.
func (e TextError) Error() string { return e.Text }

// Unwrap is the cause, for errors.Is.
func (e TextError) Unwrap() error { return e.Err }

// PadLines pads lines with empty ones to n.
func PadLines(lines []string, n int) []string {
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines
}

// FirstLineOf is s up to its first line break.
func FirstLineOf(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// StartOfDay is midnight before t, in Stockholm.
func StartOfDay(t time.Time) time.Time {
	l := t.In(domain.Stockholm)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, domain.Stockholm)
}

// PadRight fits s to exactly w cells: cut with "…", or filled with spaces.
func PadRight(s string, w int) string {
	if w <= 0 {
		return s
	}
	n := Width(s)
	if n >= w {
		return Truncate(s, w)
	}
	if w-n <= len(spaces) {
		return s + spaces[:w-n]
	}
	return s + strings.Repeat(" ", w-n)
}

// WritePadded writes s fitted to w cells (PadRight) to b, without making
// the padded string: a list row is written cell by cell on every key press.
func WritePadded(b *strings.Builder, s string, w int) {
	n := Width(s)
	if n > w {
		writeTruncated(b, s, w)
		return
	}
	b.WriteString(s)
	writeSpaces(b, w-n)
}

// WritePaddedBytes is WritePadded of a cell composed in a buffer the
// caller reuses (a time, an identity number appended to it), so that no
// string is made of it.
func WritePaddedBytes(b *strings.Builder, p []byte, w int) {
	var n int
	switch {
	case plainBytes(p):
		n = utf8.RuneCount(p)
	case bytes.IndexByte(p, '\n') < 0:
		// A symbol (✓, ✉, ✗ in most rows): measured as Width measures it,
		// through a view of p rather than a copy of it, which the row would
		// make for every cell that has one. ansi.StringWidth keeps nothing
		// (it allocates nothing), and p is not written while it runs.
		n = ansi.StringWidth(unsafe.String(unsafe.SliceData(p), len(p)))
	default:
		WritePadded(b, string(p), w)
		return
	}
	if n > w {
		if !plainBytes(p) {
			b.WriteString(Truncate(string(p), w)) // rare: a cell too wide for its column
			return
		}
		if w <= 1 {
			b.WriteString("…")
			return
		}
		cut := 0
		for range w - 1 {
			_, size := utf8.DecodeRune(p[cut:])
			cut += size
		}
		b.Write(p[:cut])
		b.WriteString("…")
		return
	}
	b.Write(p)
	writeSpaces(b, w-n)
}

// AppendTruncated appends Truncate(s, w) to dst, without making the cut
// string when s is plain.
func AppendTruncated(dst []byte, s string, w int) []byte {
	if Width(s) <= w {
		return append(dst, s...)
	}
	if w <= 1 || !plain(s) {
		return append(dst, Truncate(s, w)...)
	}
	n := 0
	for i := range s {
		if n == w-1 {
			return append(append(dst, s[:i]...), "…"...)
		}
		n++
	}
	return dst // not reached: s is wider than w
}

// AppendName appends a person's name in at most w cells: as it is when
// it fits; else with the given names as initials and the surname whole
// ("E. M. Andersson"), which tells people apart better than the given names
// with the surname cut off; else the surname alone, cut if it must be.
// Without allocation, as AppendTruncated, for a plain name.
func AppendName(dst []byte, name string, w int) []byte {
	if Width(name) <= w {
		return append(dst, name...)
	}
	last := strings.LastIndexByte(name, ' ')
	if last <= 0 || !plain(name) {
		return AppendTruncated(dst, name, w)
	}
	start := len(dst)
	for given := name[:last]; given != ""; {
		given = strings.TrimLeft(given, " ")
		if given == "" {
			break
		}
		r, size := utf8.DecodeRuneInString(given)
		dst = append(utf8.AppendRune(dst, r), ". "...)
		if i := strings.IndexByte(given[size:], ' '); i >= 0 {
			given = given[size+i:]
		} else {
			given = ""
		}
	}
	dst = append(dst, name[last+1:]...)
	if utf8.RuneCount(dst[start:]) <= w {
		return dst
	}
	// Still too wide: the surname alone, cut if it must be — it tells more
	// than the initials ("Svens…", not "M. A.…").
	return AppendTruncated(dst[:start], name[last+1:], w)
}

// writeTruncated writes Truncate(s, w) for an s wider than w, without
// making the cut string when s is plain.
func writeTruncated(b *strings.Builder, s string, w int) {
	if w <= 1 || !plain(s) {
		b.WriteString(Truncate(s, w))
		return
	}
	n := 0
	for i := range s {
		if n == w-1 {
			b.WriteString(s[:i])
			b.WriteString("…")
			return
		}
		n++
	}
}

func writeSpaces(b *strings.Builder, pad int) {
	for ; pad > 0; pad -= len(spaces) {
		b.WriteString(spaces[:min(pad, len(spaces))])
	}
}

// spaces is padding to slice, which costs no allocation.
const spaces = "                                                                                                                                "

// Truncate cuts s to at most w cells, ending it with "…" when cut.
func Truncate(s string, w int) string {
	if Width(s) <= w {
		return s
	}
	if w <= 1 {
		return "…"
	}
	if plain(s) {
		// A rune a cell: cut at the (w-1)th rune, one allocation.
		n := 0
		for i := range s {
			if n == w-1 {
				return s[:i] + "…"
			}
			n++
		}
	}
	return ansi.Truncate(s, w, "…")
}

// plain reports whether s is text of the Latin scripts staff write, a rune
// a cell, with no escape codes (what Width counts without a parse).
func plain(s string) bool {
	for _, r := range s {
		if r < 0x20 || r >= 0x300 {
			return false
		}
	}
	return true
}

// plainBytes is plain for text in a buffer.
func plainBytes(p []byte) bool {
	for len(p) > 0 {
		r, size := utf8.DecodeRune(p)
		if r < 0x20 || r >= 0x300 {
			return false
		}
		p = p[size:]
	}
	return true
}

// Width is how many cells s takes on a terminal. Plain text in the Latin
// scripts staff write is counted rune by rune, with no allocation; anything
// else (escape codes, combining marks, wide characters, symbols) is
// measured as lipgloss measures it: one line by ansi.StringWidth, which
// allocates nothing (lipgloss.Width splits the text into lines first, an
// allocation in every row that has a symbol), several by lipgloss.
func Width(s string) int {
	switch {
	case plain(s):
		return utf8.RuneCountInString(s)
	case strings.IndexByte(s, '\n') < 0:
		return ansi.StringWidth(s)
	}
	return lipgloss.Width(s)
}

// NewTextInput is a text field with a steady cursor: a blinking one would
// redraw every terminal twice a second, which over SSH to several terminals
// is traffic for nothing.
func NewTextInput() textinput.Model {
	t := textinput.New()
	t.Cursor.SetMode(cursor.CursorStatic)
	return t
}

// Navigate moves a list cursor for the movement keys — up, down, a page of
// `page` rows, first, last — over n rows. handled is false for other keys.
func Navigate(k KeyMap, msg tea.KeyMsg, cursor, n, page int) (int, bool) {
	var d int
	switch {
	case key.Matches(msg, k.Up):
		d = -1
	case key.Matches(msg, k.Down):
		d = 1
	case key.Matches(msg, k.PageUp):
		d = -page
	case key.Matches(msg, k.PageDown):
		d = page
	case key.Matches(msg, k.Home):
		d = -n
	case key.Matches(msg, k.End):
		d = n
	default:
		return cursor, false
	}
	return max(0, min(cursor+d, n-1)), true
}

// WrapItems writes lead and the items separated by " · ", wrapping to w
// with continuation lines indented.
func WrapItems(lead string, items []string, w, indent int) []string {
	var out []string
	line, fresh := lead, true
	for _, it := range items {
		sep := " · "
		if fresh {
			sep = " "
		}
		if lipgloss.Width(line+sep+it) > w && lipgloss.Width(line) > indent {
			out = append(out, line)
			line, sep = strings.Repeat(" ", indent), ""
		}
		line += sep + it
		fresh = false
	}
	return append(out, Truncate(line, w))
}

// WrapIndent breaks a line wider than w at spaces; the lines after the
// first are indented by indent.
func WrapIndent(line string, w, indent int) []string {
	if w < 20 || lipgloss.Width(line) <= w {
		return []string{Truncate(line, max(w, 1))}
	}
	var out []string
	pad := strings.Repeat(" ", indent)
	for first := true; line != ""; first = false {
		room := w
		if !first {
			room = w - indent
			line = strings.TrimLeft(line, " ")
		}
		if lipgloss.Width(line) <= room {
			if first {
				out = append(out, line)
			} else {
				out = append(out, pad+line)
			}
			break
		}
		r := []rune(line)
		cut := 0
		for i := range r {
			if lipgloss.Width(string(r[:i+1])) > room {
				break
			}
			if r[i] == ' ' {
				cut = i
			}
			if cut == 0 && i+1 == len(r) {
				cut = i + 1
			}
		}
		if cut == 0 { // no space: cut hard
			for cut = 1; cut < len(r) && lipgloss.Width(string(r[:cut+1])) <= room; cut++ {
			}
		}
		head := string(r[:cut])
		if first {
			out = append(out, head)
		} else {
			out = append(out, pad+head)
		}
		line = string(r[cut:])
	}
	return out
}

// FriendlyError says in words what went wrong (i18n.ErrorText, in the
// terminal's language).
func FriendlyError(c *Common, err error) string { return i18n.ErrorText(c.Lang, err) }

// CutLines takes n lines off a page's view to make room below it: blank
// lines first (the padding of a short list), from the bottom up; then the
// bottom lines, above the page's own key lines when it has them.
func CutLines(lines []string, n int, keepLast bool) []string {
	protect := 0
	if keepLast {
		protect = 2 // a page's keys may take two lines
	}
	for i := len(lines) - 1 - protect; i >= 0 && n > 0; i-- {
		if strings.TrimSpace(ansi.Strip(lines[i])) == "" {
			lines = append(lines[:i], lines[i+1:]...)
			n--
		}
	}
	if n <= 0 {
		return lines
	}
	end := len(lines) - protect
	start := max(0, end-n)
	return append(lines[:start], lines[end:]...)
}
