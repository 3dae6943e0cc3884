package domain

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// identitySeeds are also committed, one a file, under
// testdata/fuzz/FuzzParseIdentity so that plain `go test` runs them too.
var identitySeeds = []string{
	"19121212-1212", "191212121212", "121212-1212", "121212+1212", "1212121212",
	" 1912 1212-1212 ",
	"19701063-2391", "701063-2391", // samordningsnummer
	"19700101-K123", "19700101k123", "20300101-K123", // reservnummer (the last born in the future)
	"19121212-1213", "19121312-1212", "19130229-1234", "20301212-1212", "19701092-1234",
	"19121212*1212", "19121212–1212", // '*' and an en dash as separator
	"１９１２１２１２-１２１２", "١٩١٢١٢١٢١٢١٢", // fullwidth and Arabic-Indic digits
	"", "-", "+", "\x00", "19121212-1212\x00", "\xff\xfe", "\U000e0001\U000e0001\U000e0001\U000e0001\U000e0001",
	"19121212-1212 Tolvan Tolvansson, Storgatan 1, 553 18 Jönköping",
	strings.Repeat("1", 200), strings.Repeat("19121212-1212", 40),
}

// FuzzParseIdentity: parsing never panics; a number it accepts reads back
// from its canonical and display forms (and from storage) as the same
// number; an error wraps ErrInvalidIdentity, stays short and does not
// repeat a long input.
func FuzzParseIdentity(f *testing.F) {
	for _, s := range identitySeeds {
		f.Add(s)
	}
	p := DefaultIdentityParser()
	f.Fuzz(func(t *testing.T, in string) {
		id, err := p.Parse(in, ref)
		if err != nil {
			if !errors.Is(err, ErrInvalidIdentity) {
				t.Fatalf("error %v does not wrap ErrInvalidIdentity", err)
			}
			msg := err.Error()
			if len(msg) > 200 {
				t.Fatalf("error of %d bytes for input of %d", len(msg), len(in))
			}
			if q := strconv.Quote(in); len(q) > maxEchoedInput && (strings.Contains(msg, in) || strings.Contains(msg, q[1:len(q)-1])) {
				t.Fatalf("error %q repeats the long input", msg)
			}
			return
		}
		if id.IsZero() {
			t.Fatalf("Parse(%q) accepted the zero number", in)
		}
		switch id.Kind() {
		case KindPersonnummer, KindSamordningsnummer:
			c := id.Canonical()
			if len(c) != 12 || !allDigits(c) || LuhnCheckDigit(c[2:11]) != int(c[11]-'0') {
				t.Fatalf("Parse(%q): canonical %q is not 12 digits with a valid check digit", in, c)
			}
			b, ok := id.BirthDate()
			if !ok || b.After(ref) {
				t.Fatalf("Parse(%q): birth date %v, %v", in, b, ok)
			}
		case KindReservnummer:
			if !p.reserv.MatchString(id.Canonical()) {
				t.Fatalf("Parse(%q): reservnummer %q does not match the pattern", in, id.Canonical())
			}
		default:
			t.Fatalf("Parse(%q): kind %v", in, id.Kind())
		}
		for _, form := range []string{id.Canonical(), id.String()} {
			again, err := p.Parse(form, ref)
			if err != nil {
				t.Fatalf("Parse(%q) = %q, which does not parse again: %v", in, form, err)
			}
			sameIdentity(t, in, id, again, true)
		}
		stored, err := RehydrateIdentity(id.Canonical(), id.Kind())
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which storage cannot read back: %v", in, id.Canonical(), err)
		}
		// A reservnummer read from storage has no reference date: its
		// birth date is taken as written even when it lies in the future.
		sameIdentity(t, in, id, stored, id.Kind() != KindReservnummer)
	})
}

func sameIdentity(t *testing.T, in string, a, b IdentityNumber, birth bool) {
	t.Helper()
	if a.Canonical() != b.Canonical() || a.Kind() != b.Kind() {
		t.Fatalf("Parse(%q): %q/%v read back as %q/%v", in, a.Canonical(), a.Kind(), b.Canonical(), b.Kind())
	}
	ab, aok := a.BirthDate()
	bb, bok := b.BirthDate()
	if birth && (aok != bok || !ab.Equal(bb)) {
		t.Fatalf("Parse(%q): birth date %v/%v read back as %v/%v", in, ab, aok, bb, bok)
	}
}
