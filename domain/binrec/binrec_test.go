package binrec

import (
	"errors"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// A time reads back as time.Parse reads its RFC 3339 text: the same
// instant, shown at the same offset, in the same location.
func TestTime_ReadsBackAsRFC3339Parses(t *testing.T) {
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, func(t *rapid.T) {
		at := time.Unix(rapid.Int64Range(-2208988800, 7258118400).Draw(t, "sec"), rapid.Int64Range(0, 999999999).Draw(t, "ns"))
		switch rapid.IntRange(0, 3).Draw(t, "zone") {
		case 0:
			at = at.UTC()
		case 1:
			at = at.In(stockholm)
		case 2:
			at = at.In(time.Local)
		default:
			at = at.In(time.FixedZone("", 60*rapid.IntRange(-14*60, 14*60).Draw(t, "off")))
		}
		e := Encoder{}
		e.Time(at)
		e.Time(time.Time{})
		d := Decoder{B: e.B}
		got, zero := d.Time(), d.Time()
		if err := d.End(); err != nil {
			t.Fatal(err)
		}
		want, err := time.Parse(time.RFC3339Nano, at.Format(time.RFC3339Nano))
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) || got.Location().String() != want.Location().String() ||
			got.Format(time.RFC3339Nano) != want.Format(time.RFC3339Nano) || !zero.IsZero() {
			t.Fatalf("%v read back as %v (%s), want %v (%s)", at, got, got.Location(), want, want.Location())
		}
	})
}

// Every part cut short is malformed, never read as something else, and so is
// a byte left over.
func TestDecoder_CutShortIsMalformed(t *testing.T) {
	e := Encoder{}
	e.Uvarint(300)
	e.Varint(-5)
	e.String("Ryhov")
	e.Strings([]string{"a", "bc"})
	e.Instant(time.Unix(1700000000, 5))
	e.Time(time.Unix(1700000000, 5))
	read := func(b []byte) error {
		d := Decoder{B: b}
		d.Uvarint()
		d.Varint()
		_ = d.String()
		d.Strings()
		d.Instant(time.UTC)
		d.Time()
		return d.End()
	}
	if err := read(e.B); err != nil {
		t.Fatalf("whole: %v", err)
	}
	for n := 0; n < len(e.B); n++ {
		if err := read(e.B[:n]); !errors.Is(err, ErrMalformed) {
			t.Errorf("cut at %d: %v", n, err)
		}
	}
	if err := read(append(append([]byte(nil), e.B...), 0)); !errors.Is(err, ErrMalformed) {
		t.Errorf("a byte over: %v", err)
	}
}
