package common

import "testing"

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
