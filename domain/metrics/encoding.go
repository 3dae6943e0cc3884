package metrics

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/kallelse/kallelse/domain"
)

// encodingVersion starts every encoded Totals.
const encodingVersion = 1

// MarshalBinary encodes t compactly: a version byte, the counters as
// varints, the complement reasons and the histogram's non-empty buckets.
// The store keeps every row of figures this way; decoding one costs a few
// hundred nanoseconds, so reading the dashboard's rows stays cheap.
func (t Totals) MarshalBinary() ([]byte, error) {
	buf := make([]byte, 0, 64)
	buf = append(buf, encodingVersion)
	for _, v := range t.counters() {
		buf = binary.AppendVarint(buf, int64(*v))
	}
	reasons := make([]string, 0, len(t.Complement))
	for r := range t.Complement {
		reasons = append(reasons, string(r))
	}
	sort.Strings(reasons)
	buf = binary.AppendUvarint(buf, uint64(len(reasons)))
	for _, r := range reasons {
		buf = binary.AppendUvarint(buf, uint64(len(r)))
		buf = append(buf, r...)
		buf = binary.AppendVarint(buf, int64(t.Complement[domain.Reason(r)]))
	}
	n := 0
	for _, c := range t.OpenDelays {
		if c != 0 {
			n++
		}
	}
	buf = binary.AppendUvarint(buf, uint64(n))
	for i, c := range t.OpenDelays {
		if c != 0 {
			buf = binary.AppendUvarint(buf, uint64(i))
			buf = binary.AppendVarint(buf, int64(c))
		}
	}
	return buf, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (t *Totals) UnmarshalBinary(data []byte) error {
	*t = Totals{}
	if len(data) == 0 || data[0] != encodingVersion {
		return errors.New("totals: unknown encoding")
	}
	p := data[1:]
	bad := errors.New("totals: truncated or malformed")
	varint := func() (int64, error) {
		v, n := binary.Varint(p)
		if n <= 0 {
			return 0, bad
		}
		p = p[n:]
		return v, nil
	}
	uvarint := func() (uint64, error) {
		v, n := binary.Uvarint(p)
		if n <= 0 {
			return 0, bad
		}
		p = p[n:]
		return v, nil
	}
	for _, f := range t.counters() {
		v, err := varint()
		if err != nil {
			return err
		}
		*f = int(v)
	}
	nr, err := uvarint()
	if err != nil || nr > 64 {
		return bad
	}
	for i := uint64(0); i < nr; i++ {
		l, err := uvarint()
		if err != nil || l > uint64(len(p)) {
			return bad
		}
		r := domain.Reason(p[:l])
		p = p[l:]
		c, err := varint()
		if err != nil {
			return err
		}
		if t.Complement == nil {
			t.Complement = map[domain.Reason]int{}
		}
		t.Complement[r] = int(c)
	}
	nb, err := uvarint()
	if err != nil || nb > NBuckets {
		return bad
	}
	for i := uint64(0); i < nb; i++ {
		b, err := uvarint()
		if err != nil || b >= NBuckets {
			return bad
		}
		c, err := varint()
		if err != nil {
			return err
		}
		t.OpenDelays[b] = int(c)
	}
	if len(p) != 0 {
		return fmt.Errorf("totals: %d bytes left over", len(p))
	}
	return nil
}

// counters lists the scalar counts in their encoded order. Append new ones
// at the end only, and bump encodingVersion if the order ever changes.
func (t *Totals) counters() []*int {
	return []*int{&t.Summonses, &t.DigitalSent, &t.Delivered, &t.Opened, &t.OpenedInTime, &t.PaperAvoided,
		&t.Fallback, &t.FallbackByHand, &t.ComplementSent, &t.PaperOnlySent, &t.Reminders, &t.RebookRequests,
		&t.CancelRequests, &t.Attended, &t.NoShow}
}
