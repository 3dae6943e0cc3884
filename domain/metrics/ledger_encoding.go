package metrics

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/binrec"
)

// ledgerEncodingVersion starts every encoded Ledger.
const ledgerEncodingVersion = 1

// MarshalBinary encodes l compactly: a version byte, then the fields as
// varints and length-prefixed strings, instants as Unix nanoseconds (0 for
// none). The store reads and writes a booking's ledger at every event
// written for it, so this is a few hundred nanoseconds where JSON took
// microseconds. Equal ledgers encode to equal bytes.
func (l Ledger) MarshalBinary() ([]byte, error) {
	return l.AppendBinary(make([]byte, 0, 64+160*len(l.Summonses)))
}

// AppendBinary appends to b what MarshalBinary returns: a pass over every
// ledger (the rebuild's comparison) encodes them all into one buffer.
func (l Ledger) AppendBinary(b []byte) ([]byte, error) {
	e := binrec.Encoder{B: b}
	e.B = append(e.B, ledgerEncodingVersion)
	e.Uvarint(uint64(l.Current))
	e.Instant(l.LastAt)
	e.Uvarint(l.LastSeq)
	e.Uvarint(uint64(l.Receipts))
	e.Strings(l.Unmatched)
	e.Uvarint(uint64(len(l.Summonses)))
	for _, s := range l.Summonses {
		f := s.Fact
		f.encode(&e, e.Instant)
		e.Strings(s.Messages)
		e.Instant(s.DeliveredAt)
		e.Instant(s.OpenedAt)
	}
	return e.B, nil
}

// encode appends f's fields; instant encodes SentAt (a ledger keeps its
// instants as Unix nanoseconds, a stored fact at their offset).
func (f *Fact) encode(e *binrec.Encoder, instant func(time.Time)) {
	for _, str := range []string{f.Key.Exam, f.Key.Site, f.Key.Day, string(f.Key.Age), string(f.Key.Group), f.MessageID} {
		e.String(str)
	}
	e.Uvarint(uint64(f.Booking))
	instant(f.SentAt)
	for _, v := range f.counters() {
		e.Varint(int64(*v))
	}
	e.Varint(int64(f.OpenDelay))
	reasons := make([]string, 0, len(f.Complement))
	for r := range f.Complement {
		reasons = append(reasons, string(r))
	}
	slices.Sort(reasons)
	e.Uvarint(uint64(len(reasons)))
	for _, r := range reasons {
		e.String(r)
		e.Varint(int64(f.Complement[domain.Reason(r)]))
	}
}

// decode reads what encode wrote; instant reads SentAt.
func (f *Fact) decode(d *binrec.Decoder, instant func() time.Time) {
	f.Key.Exam, f.Key.Site, f.Key.Day = d.String(), d.String(), d.String()
	f.Key.Age, f.Key.Group = AgeBand(d.String()), Group(d.String())
	f.MessageID = d.String()
	f.Booking = domain.BookingID(d.Uvarint())
	f.SentAt = instant()
	for _, v := range f.counters() {
		*v = int(d.Varint())
	}
	f.OpenDelay = time.Duration(d.Varint())
	if k := d.Count(); k > 0 {
		f.Complement = make(map[domain.Reason]int, k)
		for range k {
			r := d.String()
			f.Complement[domain.Reason(r)] = int(d.Varint())
		}
	}
}

// factEncodingVersion starts every encoded Fact; a stored fact written
// before schema 13 is JSON and starts with '{'.
const factEncodingVersion = 1

// MarshalBinary is a fact as the store keeps it behind a report row
// (agg_member): a version byte, then the fields as a ledger encodes its
// facts, with SentAt at its own offset, so that it reads back as the JSON
// kept before schema 13 read back (time.Parse of RFC 3339). About a fifth of
// the JSON's size.
func (f Fact) MarshalBinary() ([]byte, error) {
	return f.AppendBinary(make([]byte, 0, 128))
}

// AppendBinary appends to b what MarshalBinary returns.
func (f Fact) AppendBinary(b []byte) ([]byte, error) {
	e := binrec.Encoder{B: b}
	e.B = append(e.B, factEncodingVersion)
	f.encode(&e, e.Time)
	return e.B, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (f *Fact) UnmarshalBinary(data []byte) error {
	*f = Fact{}
	if len(data) == 0 || data[0] != factEncodingVersion {
		return errors.New("fact: unknown encoding")
	}
	d := binrec.Decoder{B: data[1:]}
	f.decode(&d, d.Time)
	if err := d.End(); err != nil {
		*f = Fact{}
		return fmt.Errorf("fact: %w", err)
	}
	return nil
}

// counters are the fact's counters in their encoded order.
func (f *Fact) counters() []*int {
	return []*int{&f.DigitalSent, &f.Delivered, &f.Opened, &f.OpenedInTime, &f.PaperAvoided, &f.Fallback, &f.FallbackByHand,
		&f.ComplementSent, &f.PaperOnlySent, &f.Reminders, &f.RebookRequests, &f.CancelRequests, &f.Attended, &f.NoShow}
}

// UnmarshalBinary decodes what MarshalBinary wrote; instants come back in
// Europe/Stockholm.
func (l *Ledger) UnmarshalBinary(data []byte) error {
	*l = Ledger{}
	if len(data) == 0 || data[0] != ledgerEncodingVersion {
		return errors.New("ledger: unknown encoding")
	}
	d := binrec.Decoder{B: data[1:]}
	l.Current = int(d.Uvarint())
	l.LastAt = d.Instant(domain.Stockholm)
	l.LastSeq = d.Uvarint()
	l.Receipts = int(d.Uvarint())
	l.Unmatched = d.Strings()
	n := d.Count()
	if n > 0 {
		l.Summonses = make([]Summons, n)
	}
	for i := 0; i < n && d.Err == nil; i++ {
		s := &l.Summonses[i]
		s.Fact.decode(&d, func() time.Time { return d.Instant(domain.Stockholm) })
		s.Messages = d.Strings()
		s.DeliveredAt = d.Instant(domain.Stockholm)
		s.OpenedAt = d.Instant(domain.Stockholm)
	}
	if d.End() != nil {
		*l = Ledger{}
		return errLedgerMalformed
	}
	return nil
}

var errLedgerMalformed = errors.New("ledger: truncated or malformed")
