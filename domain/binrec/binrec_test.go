package binrec

import (
	"errors"
	"slices"
	"testing"
	"time"
	"unsafe"

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

// A string read stays what it was when the bytes it was read from are
// overwritten — a bbolt value's page reused after its transaction — with
// either decoder: the plain one copies each string, Shared the record once.
func TestDecoder_StringsSurviveTheSourceOverwritten(t *testing.T) {
	for _, shared := range []bool{false, true} {
		e := Encoder{}
		e.String("Ryhov")
		e.Strings([]string{"a", "bc", ""})
		e.String("")
		e.String("Länssjukhuset")
		src := append([]byte(nil), e.B...)
		d := Decoder{B: src}
		if shared {
			d = Shared(src)
		}
		site, list, empty, name := d.String(), d.Strings(), d.String(), d.String()
		if err := d.End(); err != nil {
			t.Fatalf("shared=%v: %v", shared, err)
		}
		for i := range src {
			src[i] = 0xff
		}
		if site != "Ryhov" || len(list) != 3 || list[0] != "a" || list[1] != "bc" || list[2] != "" ||
			empty != "" || name != "Länssjukhuset" {
			t.Errorf("shared=%v: after the source was overwritten: %q %q %q %q", shared, site, list, empty, name)
		}
	}
}

// Shared reads every record exactly as the plain decoder does, and is as
// strict with one cut short.
func TestShared_ReadsAsThePlainDecoder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		strs := rapid.SliceOf(rapid.String()).Draw(t, "strs")
		n := rapid.Uint64().Draw(t, "n")
		e := Encoder{}
		e.Uvarint(n)
		e.Strings(strs)
		for _, s := range strs {
			e.String(s)
		}
		cut := rapid.IntRange(0, len(e.B)).Draw(t, "cut")
		read := func(d Decoder) (uint64, []string, []string, error) {
			x, list := d.Uvarint(), d.Strings()
			var each []string
			for range strs {
				each = append(each, d.String())
			}
			return x, list, each, d.End()
		}
		x1, l1, s1, err1 := read(Decoder{B: e.B[:cut]})
		x2, l2, s2, err2 := read(Shared(e.B[:cut]))
		if x1 != x2 || !slices.Equal(l1, l2) || !slices.Equal(s1, s2) || (err1 == nil) != (err2 == nil) {
			t.Fatalf("plain %d %q %q %v, shared %d %q %q %v", x1, l1, s1, err1, x2, l2, s2, err2)
		}
		if cut == len(e.B) && (err2 != nil || !slices.Equal(s2, strs)) {
			t.Fatalf("whole record: %q, %v", s2, err2)
		}
	})
}

// OwnString is a copy of its own even from a Shared decoder, so that a
// short string kept long keeps nothing else alive; the decoder reads on as
// before, sharing.
func TestShared_OwnStringIsACopy(t *testing.T) {
	var e Encoder
	e.String("198005171239")
	e.String("ekg24")
	d := Shared(e.B)
	own, next := d.OwnString(), d.String()
	if own != "198005171239" || next != "ekg24" || d.End() != nil {
		t.Fatalf("read %q, %q, %v", own, next, d.End())
	}
	in := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		start := uintptr(unsafe.Pointer(unsafe.StringData(next))) - uintptr(1+len(own)+1)
		return p >= start && p < start+uintptr(len(e.B))
	}
	if in(own) {
		t.Error("OwnString is a view into the record's copy")
	}
}
