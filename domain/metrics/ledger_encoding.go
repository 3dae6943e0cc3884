package metrics

import (
	"errors"
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
	e := binrec.Encoder{B: make([]byte, 0, 64+160*len(l.Summonses))}
	e.B = append(e.B, ledgerEncodingVersion)
	e.Uvarint(uint64(l.Current))
	e.Instant(l.LastAt)
	e.Uvarint(l.LastSeq)
	e.Uvarint(uint64(l.Receipts))
	e.Strings(l.Unmatched)
	e.Uvarint(uint64(len(l.Summonses)))
	for _, s := range l.Summonses {
		f := s.Fact
		for _, str := range []string{f.Key.Exam, f.Key.Site, f.Key.Day, string(f.Key.Age), string(f.Key.Group), f.MessageID} {
			e.String(str)
		}
		e.Uvarint(uint64(f.Booking))
		e.Instant(f.SentAt)
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
		e.Strings(s.Messages)
		e.Instant(s.DeliveredAt)
		e.Instant(s.OpenedAt)
	}
	return e.B, nil
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
		f := &s.Fact
		f.Key.Exam, f.Key.Site, f.Key.Day = d.String(), d.String(), d.String()
		f.Key.Age, f.Key.Group = AgeBand(d.String()), Group(d.String())
		f.MessageID = d.String()
		f.Booking = domain.BookingID(d.Uvarint())
		f.SentAt = d.Instant(domain.Stockholm)
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
