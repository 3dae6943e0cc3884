package domain

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// QuoteShort quotes a value that came from outside (a file, a flag, a
// receipt) for an error message, cut to at most max bytes on a character
// boundary: a value can be megabytes long, and an error line is read on a
// terminal and kept in logs and quarantine notes. A cut value ends in "…"
// and says how long it was.
func QuoteShort(s string, max int) string {
	if len(s) <= max {
		return strconv.Quote(s)
	}
	// Cut on a character boundary so that the quoted text, escapes and
	// all, stays within max: a run of control bytes quotes four times longer.
	cut := max
	for cut > 0 && (!utf8.RuneStart(s[cut]) || len(strconv.Quote(s[:cut])) > max+2) {
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("… (%d bytes)", len(s))
}
