package domain

import (
	"errors"
	"strings"
	"testing"
)

// A note staff type is kept as typed, unless it holds a control character
// (which would act on another terminal instead of show) or is too long.
func TestCheckNote(t *testing.T) {
	for _, ok := range []string{"", "ringde 14:05, bekräftade", "Åsa – ”tolk” 🙂", strings.Repeat("å", NoteLimit), "a real \ufffd"} {
		if err := CheckNote(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for note, want := range map[string]NoteError{
		"x\x1b]0;PWNED\ay":               {Rune: 0x1b},
		"rad ett\nrad två":               {Rune: '\n'},
		"a\tb":                           {Rune: '\t'},
		"\u202eabc":                      {Rune: 0x202e},
		"bad \xff byte":                  {Rune: 0xfffd},
		strings.Repeat("a", NoteLimit+1): {Runes: NoteLimit + 1},
	} {
		err := CheckNote(note)
		var ne *NoteError
		if !errors.Is(err, ErrInvalidNote) || !errors.As(err, &ne) || *ne != want {
			t.Errorf("%q: %v, want %+v", note, err, want)
		}
	}
}
