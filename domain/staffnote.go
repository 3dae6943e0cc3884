package domain

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidNote refuses a note staff typed that cannot be kept as typed.
var ErrInvalidNote = errors.New("invalid note")

// NoteLimit is the most characters a note staff type may hold: a sentence
// or two, shown in a booking's history.
const NoteLimit = 500

// NoteError says why a note was refused: the control character it holds
// (Rune), or how long it is (Runes, more than NoteLimit).
type NoteError struct {
	Rune  rune
	Runes int
}

func (e *NoteError) Error() string {
	if e.Runes > 0 {
		return fmt.Sprintf("invalid note: %d characters, more than the %d allowed", e.Runes, NoteLimit)
	}
	return fmt.Sprintf("invalid note: holds the control character %U, which is not allowed", e.Rune)
}

func (e *NoteError) Unwrap() error { return ErrInvalidNote }

// CheckNote is the rule for a note staff type — a cancellation's, a call's,
// a correction's, why a quarantined file was discarded: it is kept in the
// history and shown on other staff's terminals, where a control character
// (an escape, a line break, a direction mark) would act instead of show,
// so none is kept; and it is at most NoteLimit characters. The empty note
// is fine.
func CheckNote(note string) error {
	if !utf8.ValidString(note) {
		return &NoteError{Rune: utf8.RuneError}
	}
	for _, r := range note {
		if NotShown(r) {
			return &NoteError{Rune: r}
		}
	}
	if n := utf8.RuneCountInString(note); n > NoteLimit {
		return &NoteError{Runes: n}
	}
	return nil
}

// NotShown reports whether r is a character a terminal does not show as
// itself: a control character (an escape acts on the terminal, a line
// break moves the text) or a direction mark (it reorders what follows).
// Bytes that are no character are the caller's to refuse (utf8.ValidString):
// ranging over them gives utf8.RuneError, which is also a real character.
func NotShown(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}
