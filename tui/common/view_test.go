package common

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
)

// Truncate cuts to the cells given, with "…", the same for plain text and
// for text lipgloss must measure.
func TestTruncate_FitsTheCells(t *testing.T) {
	for _, c := range []struct {
		s    string
		w    int
		want string
	}{
		{"Birgitta Jansson", 13, "Birgitta Jan…"},
		{"Åsa Öberg", 20, "Åsa Öberg"},
		{"Åsa Öberg", 5, "Åsa …"},
		{"✓ öppnad 10-16", 8, "✓ öppna…"},
		{"abc", 1, "…"},
	} {
		if got := Truncate(c.s, c.w); got != c.want || Width(got) > c.w {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.s, c.w, got, c.want)
		}
	}
}

// cells are texts a list cell holds: plain, cut or not, with the symbols
// of the open status, wide characters, escape codes and line breaks.
var cells = []string{"", "a", "Birgitta Jansson", "Åsa Öberg", "✓ öppnad 10-16", "✗ not opened 12d",
	"· ej skickad", "–", "▸", "日本語の名前", "\x1b[1mfet\x1b[0m", "två\nrader", "e\u0301", "ab\xffcd"}

// A cell composed in a buffer is written exactly as the same text written
// as a string: the same cut, the same padding.
func TestWritePaddedBytes_WritesWhatWritePaddedWrites(t *testing.T) {
	for _, s := range cells {
		for w := 0; w <= 20; w++ {
			var want, got strings.Builder
			WritePadded(&want, s, w)
			WritePaddedBytes(&got, []byte(s), w)
			if got.String() != want.String() {
				t.Errorf("%q at %d: %q, want %q", s, w, got.String(), want.String())
			}
			if a := string(AppendTruncated([]byte("x"), s, w)); a != "x"+Truncate(s, w) {
				t.Errorf("AppendTruncated(%q, %d) = %q, want %q", s, w, a, "x"+Truncate(s, w))
			}
		}
		if Width(s) != lipgloss.Width(s) {
			t.Errorf("Width(%q) = %d, lipgloss %d", s, Width(s), lipgloss.Width(s))
		}
	}
}

// A row's cells cost no allocation, symbols included: the list writes
// every row on screen on every key press.
func TestWritePaddedBytes_AllocatesNothing(t *testing.T) {
	var b strings.Builder
	b.Grow(1 << 16)
	for _, s := range []string{"Birgitta Jansson", "✓ öppnad 10-16", "· ej skickad"} {
		p := []byte(s)
		if n := testing.AllocsPerRun(100, func() { WritePaddedBytes(&b, p, 15) }); n != 0 {
			t.Errorf("%q: %v allocations", s, n)
		}
	}
}

// A name too wide for its column keeps the surname whole and gives the
// given names as initials, then is cut; a name that fits stays as it is.
// It costs no allocation: the list draws every row at every key press.
func TestAppendName_KeepsTheSurname(t *testing.T) {
	for _, c := range []struct {
		name string
		w    int
		want string
	}{
		{"Elsa Andersson", 14, "Elsa Andersson"},
		{"Elsa Andersson", 13, "E. Andersson"},
		{"Anna Maria  Öberg", 12, "A. M. Öberg"},
		{"Karl-Johan Svensson-Lindqvist", 13, "Svensson-Lin…"},
		{"Maximiliana Alexandra Svensson", 6, "Svens…"},
		{"Maximiliana Alexandra Svensson", 11, "Svensson"},
		{"Madonna", 5, "Mado…"},
		{"Åsa Ek", 3, "Ek"},
	} {
		got := string(AppendName(nil, c.name, c.w))
		if got != c.want || Width(got) > c.w {
			t.Errorf("%q in %d: %q, want %q", c.name, c.w, got, c.want)
		}
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = AppendName(buf[:0], "Margareta Persson", 12) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// The keys line gives way from the end when the keys do not fit two lines,
// but `?`, which shows them all, stays (the walk found it gone from the
// booking's page at 60 columns once T was there).
func TestHintLines_TheHelpKeyNeverGivesWay(t *testing.T) {
	c := &Common{Width: 60}
	c.Styles = NewStyles(lipgloss.NewRenderer(io.Discard))
	var bs []key.Binding
	for _, k := range []string{"R", "C", "T", "E", "P", "S", "D", "X", "U", "K"} {
		bs = append(bs, key.NewBinding(key.WithKeys(k), key.WithHelp(k, "en åtgärd")))
	}
	bs = append(bs, key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all hjälp")), key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "avsluta")))
	lines := HintLines(c, bs, "")
	all := strings.Join(lines, "\n")
	if len(lines) != 2 || !strings.Contains(all, "? all hjälp") || strings.Contains(all, "K en åtgärd") {
		t.Fatalf("keys:\n%s", all)
	}
	for _, l := range lines {
		if Width(l) > c.Width {
			t.Errorf("a line wider than %d: %q", c.Width, l)
		}
	}
	// When everything fits, the order is the page's.
	c.Width = 400
	if got := strings.Join(HintLines(c, bs, ""), ""); !strings.HasSuffix(got, "? all hjälp · q avsluta") {
		t.Errorf("wide: %q", got)
	}
}

// A form's keys line breaks between keys, never inside one (the walk read
// "ctrl+s" at the end of one line and "spara" on the next).
func TestHintLines_BreakBetweenKeys(t *testing.T) {
	c := &Common{Width: 60}
	c.Styles = NewStyles(lipgloss.NewRenderer(io.Discard))
	text := "tab/↓ nästa · shift+tab/↑ föregående · mellanslag/j/n ja/nej · ctrl+s spara · esc tillbaka"
	lines := HintLines(c, BindingsFromText(text), "")
	if len(lines) != 2 || strings.Join(lines, " · ") != text {
		t.Fatalf("lines %q", lines)
	}
	for _, l := range lines {
		if Width(l) > 60 || strings.HasSuffix(l, "ctrl+s") || strings.HasPrefix(l, "spara") {
			t.Errorf("line %q", l)
		}
	}
}
