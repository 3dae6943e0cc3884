package tui

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"

	"github.com/kallelse/kallelse/domain/metrics"
)

// dashInt writes n with its thousands grouped: "12 345" in Swedish,
// "12,345" in English.
func dashInt(lang Lang, n int) string {
	if n < 0 {
		return "-" + dashInt(lang, -n)
	}
	s := strconv.Itoa(n)
	sep := " "
	if lang == English {
		sep = ","
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return s
}

// dashDec writes v with one decimal, with a decimal comma in Swedish.
func dashDec(lang Lang, v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if lang != English {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// dashPct writes a rate as a percentage with one decimal; an undefined
// rate (nothing to divide by) is "–", never 0 %.
func dashPct(lang Lang, r float64) string {
	if math.IsNaN(r) {
		return "–"
	}
	if lang == English {
		return dashDec(lang, r*100) + "%"
	}
	return dashDec(lang, r*100) + " %"
}

// dashDelay writes a time to open: "45 min", "5 t 15 min", "2 d 4 t".
func dashDelay(lang Lang, d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d < time.Hour:
		return T(lang, "dash_minutes", int(d/time.Minute))
	case d < 48*time.Hour:
		s := T(lang, "dash_hours", int(d/time.Hour))
		if mi := int(d % time.Hour / time.Minute); mi > 0 {
			s += " " + T(lang, "dash_minutes", mi)
		}
		return s
	}
	s := T(lang, "dash_days", int(d/(24*time.Hour)))
	if h := int(d % (24 * time.Hour) / time.Hour); h > 0 {
		s += " " + T(lang, "dash_hours", h)
	}
	return s
}

// dashQuantile writes the q-quantile of the time to open, "–" when nothing
// was opened: one way everywhere, in the key figures and the table.
func dashQuantile(lang Lang, t metrics.Totals, q float64) (string, bool) {
	d, ok := t.OpenDelayQuantile(q)
	if !ok {
		return "–", false
	}
	return dashDelay(lang, d), true
}

func dashPadLeft(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return truncate(s, w)
}

// upperFirst capitalises the first letter: "undersökning" → "Undersökning".
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
