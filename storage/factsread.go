package storage

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/binrec"
	"github.com/kallelse/kallelse/domain/metrics"
)

// factsBatch is how many bookings eachBookingFacts reads at a time: their
// events are looked up in the log in sequence order, by one cursor
// stepping forward, rather than by a seek each from the root of a log of
// millions. A batch's bookings were mostly made within days of each other,
// so their events lie close together in the log.
var factsBatch = 4096

// factsStep is how many keys ahead in the log an event may lie and still be
// reached by stepping the cursor; one further away is sought.
var factsStep uint64 = 32

// wantedEvent is an event a batch needs: its sequence number and where in
// the batch's events it goes.
type wantedEvent struct {
	seq uint64
	pos int
}

// factsReader is eachBookingFacts' state: the three cursors, one batch of
// bookings and their events, and what it has read reused from batch to
// batch.
type factsReader struct {
	bookings, idx, log *bolt.Cursor
	ik                 []byte // the index cursor's entry

	keys  [][]byte // the batch's bookings
	heads []domain.BookingSnapshot
	spans []int // booking i's events are evs[spans[i]:spans[i+1]]
	want  []wantedEvent
	evs   []domain.Event

	// The events' lists, and the few names they hold (event types,
	// actors, channels, reasons), one copy each.
	channels []domain.Channel
	reasons  []domain.Reason
	names    nameSet
	seekKey  [8]byte
}

// eachBookingFacts computes the ledgers and facts of the bookings from key
// from (nil: the first) through key to (nil: the last), in id order, from
// their events, and calls fn with each booking's key, ledger (nil when none
// of its events counts in a fact) and facts until fn returns false.
// Bookings and idx_event_booking are both ordered by booking id, so one
// cursor over each suffices; the log is read factsBatch bookings at a time
// (see factsBatch).
//
// The ledger and facts fn is given may hold views into the transaction's
// pages (the message ids): fn copies what it keeps beyond the transaction.
func eachBookingFacts(tx *bolt.Tx, from, to []byte, fn func(key []byte, l *metrics.Ledger, facts []metrics.Fact) (bool, error)) error {
	return (&factsReader{}).each(tx, from, to, fn)
}

// each is eachBookingFacts with what r read before reused: a pass in
// chunks (the rebuild) keeps one reader for them all.
func (r *factsReader) each(tx *bolt.Tx, from, to []byte, fn func(key []byte, l *metrics.Ledger, facts []metrics.Fact) (bool, error)) error {
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return err
	}
	idx, err := bucket(tx, bucketIdxEventBooking)
	if err != nil {
		return err
	}
	log, err := bucket(tx, bucketEvents)
	if err != nil {
		return err
	}
	r.bookings, r.idx, r.log = bookings.Cursor(), idx.Cursor(), log.Cursor()
	k, v := r.bookings.First()
	r.ik, _ = r.idx.First()
	if from != nil {
		k, v = r.bookings.Seek(from)
		r.ik, _ = r.idx.Seek(from)
	}
	for k != nil && (to == nil || bytes.Compare(k, to) <= 0) {
		k, v, err = r.batch(k, v, to)
		if err == nil {
			err = r.events()
		}
		if err != nil {
			// Damage in the batch: its bookings are read again one by
			// one, each as it is read alone, so that fn sees every
			// booking before the damaged one, and the error is the first
			// booking's — or none when fn stops before it.
			return r.oneByOne(tx, fn, err)
		}
		for i, key := range r.keys {
			l, facts, err := bookingFacts(key, r.heads[i], r.evs[r.spans[i]:r.spans[i+1]])
			if err != nil {
				return err
			}
			if more, err := fn(key, l, facts); err != nil || !more {
				return err
			}
		}
	}
	return nil
}

// oneByOne hands fn the bookings of the batch read so far, each with its
// events sought one by one and decoded whole, and returns the first error
// met, else err (the batch's): see eachBookingFacts.
func (r *factsReader) oneByOne(tx *bolt.Tx, fn func(key []byte, l *metrics.Ledger, facts []metrics.Fact) (bool, error), err error) error {
	for i, key := range r.keys {
		evs, e := eventsOfBooking(tx, r.heads[i].ID)
		if e != nil {
			return e
		}
		l, facts, e := bookingFacts(key, r.heads[i], evs)
		if e != nil {
			return e
		}
		if more, e := fn(key, l, facts); e != nil || !more {
			return e
		}
	}
	return err
}

// batch reads the heads of up to factsBatch bookings from k, v on (through
// to) and the index entries of their events, and returns the booking after
// them.
func (r *factsReader) batch(k, v, to []byte) ([]byte, []byte, error) {
	r.keys, r.heads, r.spans, r.want = r.keys[:0], r.heads[:0], append(r.spans[:0], 0), r.want[:0]
	for ; k != nil && len(r.keys) < factsBatch && (to == nil || bytes.Compare(k, to) <= 0); k, v = r.bookings.Next() {
		r.heads = append(r.heads, domain.BookingSnapshot{})
		if err := decodeBookingHeadInto(k, v, &r.names, &r.heads[len(r.heads)-1]); err != nil {
			r.heads = r.heads[:len(r.heads)-1]
			return nil, nil, err
		}
		// Events of bookings without a record (none should exist) are passed by.
		for r.ik != nil && bytes.Compare(r.ik[:min(8, len(r.ik))], k) < 0 {
			r.ik, _ = r.idx.Next()
		}
		for ; r.ik != nil && bytes.HasPrefix(r.ik, k); r.ik, _ = r.idx.Next() {
			if len(r.ik) != 16 {
				return nil, nil, fmt.Errorf("idx_event_booking/%x: malformed key", r.ik)
			}
			r.want = append(r.want, wantedEvent{seq: binary.BigEndian.Uint64(r.ik[8:]), pos: len(r.want)})
		}
		r.keys = append(r.keys, k)
		r.spans = append(r.spans, len(r.want))
	}
	return k, v, nil
}

// events reads the batch's events from the log in sequence order into
// r.evs, each in its booking's place.
func (r *factsReader) events() error {
	r.evs = slices.Grow(r.evs[:0], len(r.want))[:len(r.want)]
	r.channels, r.reasons = r.channels[:0], r.reasons[:0]
	slices.SortFunc(r.want, func(a, b wantedEvent) int { return cmp.Compare(a.seq, b.seq) })
	var k, v []byte
	var at uint64 // k's sequence number
	for _, w := range r.want {
		switch {
		case k != nil && at == w.seq:
		case k != nil && at < w.seq && w.seq-at <= factsStep:
			for k != nil && at < w.seq {
				k, v = r.log.Next()
				at = keyUint(k)
			}
		default:
			binary.BigEndian.PutUint64(r.seekKey[:], w.seq)
			k, v = r.log.Seek(r.seekKey[:])
			at = keyUint(k)
		}
		if k == nil || len(k) != 8 || at != w.seq {
			i, _ := slices.BinarySearch(r.spans, w.pos+1) // the booking whose index entry names it
			return fmt.Errorf("idx_event_booking: booking %s: event %s missing", keyString(r.keys[i-1]), keyString(u64(w.seq)))
		}
		if err := r.decodeFacts(k, v, &r.evs[w.pos]); err != nil {
			return err
		}
	}
	return nil
}

// decodeFacts decodes an event of the log for its facts: every field is
// read (a damaged record is refused as decodeEvent refuses it), but only
// what metrics.Ledger looks at is kept — the sequence, type, instant,
// actor, booking, channels, reasons and message id — the names one copy
// each and the message id a view into v (see eachBookingFacts). An event
// written as JSON (before schema 12) is decoded whole.
func (r *factsReader) decodeFacts(k, v []byte, e *domain.Event) error {
	if len(v) == 0 || v[0] != eventRecordBinary {
		ev, err := decodeEvent(k, v)
		*e = ev
		return err
	}
	d := binrec.Borrowed(v[1:])
	*e = domain.Event{}
	e.Seq = d.Uvarint()
	e.Type = domain.EventType(r.names.of(d.View()))
	e.At = d.Instant(domain.Stockholm)
	e.Actor = r.names.of(d.View())
	e.Booking = domain.BookingID(d.Uvarint())
	d.View() // the patient
	start := len(r.channels)
	for n := d.Count(); n > 0 && d.Err == nil; n-- {
		r.channels = append(r.channels, domain.Channel(r.names.of(d.View())))
	}
	if len(r.channels) > start {
		e.Channels = r.channels[start:len(r.channels):len(r.channels)]
	}
	start = len(r.reasons)
	for n := d.Count(); n > 0 && d.Err == nil; n-- {
		r.reasons = append(r.reasons, domain.Reason(r.names.of(d.View())))
	}
	if len(r.reasons) > start {
		e.Reasons = r.reasons[start:len(r.reasons):len(r.reasons)]
	}
	for range 2 { // the visit's instant and the one before
		if readBool(&d) {
			d.Instant(time.UTC)
		}
	}
	e.MessageID = d.String()
	d.View() // reminder
	d.View() // timer
	d.View() // note
	readBool(&d)
	d.View() // site
	d.View() // previous site
	if err := d.End(); err != nil {
		return fmt.Errorf("events/%s: %w", keyString(k), err)
	}
	if e.Seq != binary.BigEndian.Uint64(k) {
		return fmt.Errorf("events/%s: record has seq %d", keyString(k), e.Seq)
	}
	return nil
}

// nameSet holds one copy of each of the few names a pass over many
// records meets (event types, actors, channels, reasons, examinations,
// sites): the first maxNames of them; a damaged or unusual file's further
// names are copied each time.
type nameSet struct{ m map[string]string }

const maxNames = 4096

// of is b as a string, one copy for every occurrence of it.
func (n *nameSet) of(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := n.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if n.m == nil {
		n.m = map[string]string{}
	}
	if len(n.m) < maxNames {
		n.m[s] = s
	}
	return s
}
