package i18n

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// A catalogue text split around its one %s reads, with any argument in its
// place, exactly as fmt formats it; a text with another verb is not split.
func TestOneString_ReadsAsSprintf(t *testing.T) {
	split := 0
	for key, m := range msgs {
		for _, format := range m {
			before, after, ok := OneString(format)
			if !ok {
				continue
			}
			split++
			for _, arg := range []string{"", "3d", "10-16", "%d"} {
				if got, want := before+arg+after, fmt.Sprintf(format, arg); got != want {
					t.Errorf("%s %q with %q: %q, want %q", key, format, arg, got, want)
				}
			}
		}
	}
	for _, format := range []string{"%s of %d", "%s %s", "100%% %s", "none", "%v"} {
		if _, _, ok := OneString(format); ok {
			t.Errorf("%q split", format)
		}
	}
	if split < 2 {
		t.Fatalf("only %d texts split: opened_at and not_opened_for are", split)
	}
}

// AppendAge writes what FmtAge says, as it said it before it was written
// by appending.
func TestAppendAge_SaysWhatFmtAgeSays(t *testing.T) {
	old := func(lang Lang, d time.Duration) string {
		switch {
		case d < time.Hour:
			if lang == English {
				return "<1h" // not "4m": månader
			}
			return "<1t"
		case d < 48*time.Hour:
			if lang == English {
				return strconv.Itoa(int(d/time.Hour)) + "h"
			}
			return strconv.Itoa(int(d/time.Hour)) + "t"
		default:
			return strconv.Itoa(int(d/(24*time.Hour))) + "d"
		}
	}
	for _, lang := range []Lang{Swedish, English} {
		for _, d := range []time.Duration{-time.Minute, 0, 59 * time.Second, 59 * time.Minute, time.Hour, 47*time.Hour + 59*time.Minute,
			48 * time.Hour, 400 * 24 * time.Hour} {
			if got, want := string(AppendAge([]byte("x"), lang, d)), "x"+old(lang, d); got != want || FmtAge(lang, d) != want[1:] {
				t.Errorf("%s %v: %q (FmtAge %q), want %q", lang, d, got, FmtAge(lang, d), want)
			}
		}
	}
}
