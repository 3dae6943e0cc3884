package domain

import (
	"strings"
	"testing"
)

func TestQuoteShort_CutsLongValuesOnACharacter(t *testing.T) {
	cases := map[string]string{
		"abc":                      `"abc"`,
		"åå":                       `"åå"`,
		strings.Repeat("å", 3):     `"åå"… (6 bytes)`,
		"a\x00b":                   `"a\x00b"`,
		strings.Repeat("x", 1e6):   `"xxxxx"… (1000000 bytes)`,
		"\x18\x18\x18\x18\x18\x18": `"\x18"… (6 bytes)`, // escapes count: the quoted text stays short
	}
	for in, want := range cases {
		if got := QuoteShort(in, 5); got != want {
			t.Errorf("QuoteShort(%.20q) = %s, want %s", in, got, want)
		}
	}
}
