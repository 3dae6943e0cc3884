// Package binrec is the compact binary form the store keeps its busiest
// records in (a booking, a patient, a booking's ledger): numbers as
// varints, text with its length before it, instants as Unix time, appended
// to a byte slice; and a reader of the same that stops at the first part it
// cannot read. It is pure: the record layouts live with their records.
//
// A Decoder copies each string it reads: the bytes it reads are often a
// bbolt value, valid only inside its transaction, and a string made of them
// would change under its reader once the page is reused. A decoder made by
// Shared copies the record once instead and returns every string as a view
// into that copy, which nothing writes to again: a page of the bookings
// screen reads a hundred bookings and a hundred patients, some twenty
// strings each, and one allocation a record in place of one a string is
// most of what reading them costs. The price is that any string kept keeps
// the whole record's copy alive: Shared is for decoders whose strings live
// and die with the record they came from (a booking, a patient), not for
// one that keeps a few short strings of a large record (a ledger's facts
// summed into report rows by their keys).
package binrec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
	"unsafe"
)

// ErrMalformed is wrapped by every error a Decoder reports.
var ErrMalformed = errors.New("truncated or malformed")

// Encoder appends the parts of a record to B.
type Encoder struct{ B []byte }

// Uvarint appends x in as few bytes as its size needs: most numbers a
// record holds (ids, counts, lengths) are small.
func (e *Encoder) Uvarint(x uint64) { e.B = binary.AppendUvarint(e.B, x) }

// Varint is Uvarint for a number that may be negative (zigzag).
func (e *Encoder) Varint(x int64) { e.B = binary.AppendVarint(e.B, x) }

// String is the length, then the bytes.
func (e *Encoder) String(s string) {
	e.Uvarint(uint64(len(s)))
	e.B = append(e.B, s...)
}

// Strings is the count, then each string.
func (e *Encoder) Strings(ss []string) { List(e, ss) }

// List is Strings for a list of any string type.
func List[T ~string](e *Encoder, xs []T) {
	e.Uvarint(uint64(len(xs)))
	for _, x := range xs {
		e.String(string(x))
	}
}

// Instant is 0 for the zero time, else 1 and the Unix nanoseconds: the
// instant only (Decoder.Instant gives it a zone).
func (e *Encoder) Instant(t time.Time) {
	if t.IsZero() {
		e.Uvarint(0)
		return
	}
	e.Uvarint(1)
	e.Varint(t.UnixNano())
}

// Time is 0 for the zero time, else 1, the Unix seconds, the nanoseconds
// and the zone's offset in seconds: the instant and the offset it is shown
// at (Decoder.Time).
func (e *Encoder) Time(t time.Time) {
	if t.IsZero() {
		e.B = append(e.B, 0)
		return
	}
	_, off := t.Zone()
	e.B = append(e.B, 1)
	e.Varint(t.Unix())
	e.Uvarint(uint64(t.Nanosecond()))
	e.Varint(int64(off))
}

// Decoder reads the parts of a record from B. The first part it cannot
// read sets Err; every read after that returns the zero value, so that a
// caller checks Err once, at the end.
type Decoder struct {
	B   []byte
	Err error

	// shared: strings are views into B, which is the decoder's own copy
	// (Shared) or borrowed (Borrowed).
	shared bool
}

// Borrowed is a Decoder of b itself whose strings are views into b: valid
// only as long as b is and b is not written to (inside the bbolt read
// transaction b came from). For a pass that reads many records and keeps
// almost nothing of them; what it keeps it copies.
func Borrowed(b []byte) Decoder { return Decoder{B: b, shared: true} }

// Shared is a Decoder of a copy of b, made once, whose String, Strings and
// ReadList return views into that copy rather than a copy each (see the
// package comment). b may change or vanish as soon as Shared returns; the
// decoder's B must not be written to.
func Shared(b []byte) Decoder {
	return Decoder{B: append([]byte(nil), b...), shared: true}
}

func (d *Decoder) fail(what string) {
	if d.Err == nil {
		d.Err = fmt.Errorf("%w %s, %d bytes before the end", ErrMalformed, what, len(d.B))
	}
	d.B = nil
}

// Uvarint reads what Encoder.Uvarint wrote.
func (d *Decoder) Uvarint() uint64 {
	x, n := binary.Uvarint(d.B)
	if n <= 0 {
		d.fail("number")
		return 0
	}
	d.B = d.B[n:]
	return x
}

// Varint reads what Encoder.Varint wrote.
func (d *Decoder) Varint() int64 {
	x, n := binary.Varint(d.B)
	if n <= 0 {
		d.fail("number")
		return 0
	}
	d.B = d.B[n:]
	return x
}

// Uint32 is a Uvarint that must fit 32 bits.
func (d *Decoder) Uint32() uint32 {
	x := d.Uvarint()
	if x > math.MaxUint32 {
		d.fail("number")
		return 0
	}
	return uint32(x)
}

// Count reads a list's length: one the bytes left cannot hold (each
// element takes at least one byte) is malformed.
func (d *Decoder) Count() int { return d.length("list length") }

// length reads a length that the bytes left must hold.
func (d *Decoder) length(what string) int {
	n := d.Uvarint()
	if n > uint64(len(d.B)) {
		d.fail(what)
		return 0
	}
	return int(n)
}

// View reads what Encoder.String wrote as a view into B, without a copy:
// valid only as long as B is (inside the bbolt transaction it came from),
// for looking at a field — comparing it — before deciding to decode the
// record.
func (d *Decoder) View() []byte {
	n := d.length("text length")
	if d.Err != nil {
		return nil
	}
	b := d.B[:n:n]
	d.B = d.B[n:]
	return b
}

// OwnString reads what Encoder.String wrote as a copy of its own, from a
// Shared decoder too: for a short string kept long after the record (an
// identity number, which a session's access memo keeps for hours), which
// as a view would keep the whole record alive with it.
func (d *Decoder) OwnString() string { return string(d.View()) }

// String reads what Encoder.String wrote: a copy of its bytes, or with
// Shared a view into the decoder's copy of the record.
func (d *Decoder) String() string {
	b := d.View()
	switch {
	case len(b) == 0:
		return "" // an empty string holds no copy alive
	case d.shared:
		return unsafe.String(&b[0], len(b)) // B is never written: see Shared
	}
	return string(b)
}

// Strings reads what Encoder.Strings wrote; none is nil.
func (d *Decoder) Strings() []string { return ReadList[string](d) }

// ReadList reads what List wrote; none is nil.
func ReadList[T ~string](d *Decoder) []T {
	n := d.Count()
	if n == 0 {
		return nil
	}
	out := make([]T, n)
	for i := range out {
		out[i] = T(d.String())
	}
	return out
}

// Instant reads what Encoder.Instant wrote, in loc.
func (d *Decoder) Instant(loc *time.Location) time.Time {
	switch d.Uvarint() {
	case 0:
		return time.Time{}
	case 1:
		ns := d.Varint()
		if d.Err != nil {
			return time.Time{}
		}
		return time.Unix(0, ns).In(loc)
	}
	d.fail("instant")
	return time.Time{}
}

// Time reads what Encoder.Time wrote, at its offset as time.Parse reads an
// RFC 3339 text with that offset: UTC at 0, the local zone where it had
// that offset at that instant, else a fixed zone. A time so read shows as
// it did when written, as JSON did.
func (d *Decoder) Time() time.Time {
	if len(d.B) == 0 {
		d.fail("time")
		return time.Time{}
	}
	tag := d.B[0]
	d.B = d.B[1:]
	switch tag {
	case 0:
		return time.Time{}
	case 1:
	default:
		d.fail("time")
		return time.Time{}
	}
	sec, nsec, off := d.Varint(), d.Uvarint(), d.Varint()
	if d.Err != nil || nsec >= 1e9 || off <= -24*3600 || off >= 24*3600 {
		d.fail("time")
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	switch {
	case off == 0:
		return t.UTC()
	case zoneOffset(t) == off:
		return t // time.Unix is local
	}
	return t.In(time.FixedZone("", int(off)))
}

func zoneOffset(t time.Time) int64 {
	_, off := t.Zone()
	return int64(off)
}

// End reports bytes left after the last part as malformed.
func (d *Decoder) End() error {
	if d.Err == nil && len(d.B) > 0 {
		d.fail("end")
	}
	return d.Err
}
