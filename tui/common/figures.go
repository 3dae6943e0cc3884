package common

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/domain/metrics"
	"github.com/kallelse/kallelse/tui/i18n"
)

// FmtInt writes n with its thousands grouped: "12 345" in Swedish,
// "12,345" in English.
func FmtInt(lang i18n.Lang, n int) string {
	if n < 0 {
		return "-" + FmtInt(lang, -n)
	}
	s := strconv.Itoa(n)
	sep := " "
	if lang == i18n.English {
		sep = ","
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return s
}

// FmtDec writes v with one decimal, with a decimal comma in Swedish.
func FmtDec(lang i18n.Lang, v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if lang != i18n.English {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// FmtPct writes a rate as a percentage with one decimal; an undefined
// rate (nothing to divide by) is "–", never 0 %.
func FmtPct(lang i18n.Lang, r float64) string {
	if math.IsNaN(r) {
		return "–"
	}
	if lang == i18n.English {
		return FmtDec(lang, r*100) + "%"
	}
	return FmtDec(lang, r*100) + " %"
}

// FmtDelay writes a time to open: "45 min", "5 t 15 min", "2 d 4 t".
func FmtDelay(lang i18n.Lang, d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d < time.Hour:
		return i18n.T(lang, "dash_minutes", int(d/time.Minute))
	case d < 48*time.Hour:
		s := i18n.T(lang, "dash_hours", int(d/time.Hour))
		if mi := int(d % time.Hour / time.Minute); mi > 0 {
			s += " " + i18n.T(lang, "dash_minutes", mi)
		}
		return s
	}
	s := i18n.T(lang, "dash_days", int(d/(24*time.Hour)))
	if h := int(d % (24 * time.Hour) / time.Hour); h > 0 {
		s += " " + i18n.T(lang, "dash_hours", h)
	}
	return s
}

// FmtQuantile writes the q-quantile of the time to open, "–" when nothing
// was opened: one way everywhere, in the key figures and the table.
func FmtQuantile(lang i18n.Lang, t metrics.Totals, q float64) (string, bool) {
	d, ok := t.OpenDelayQuantile(q)
	if !ok {
		return "–", false
	}
	return FmtDelay(lang, d), true
}

// PadLeft right-aligns s in w cells (figures in a column).
func PadLeft(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return Truncate(s, w)
}

// UpperFirst capitalises the first letter: "undersökning" → "Undersökning".
func UpperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
