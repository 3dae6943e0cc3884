package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// Each booking's facts, kept with the booking (schema version 11):
//
//	agg_booking/<booking id> -> metrics.Ledger (binary, MarshalBinary)
//
// A ledger holds the booking's summonses as its events have made them so
// far (metrics.Ledger), so an event write folds the new events into it and
// updates the rows of the facts that changed, at a cost that follows the
// booking's summonses, not the length of its history. A booking none of
// whose events counts in a fact (metrics.Counts) has no ledger. Where an
// event cannot be folded in its place (stamped before one already folded),
// the ledger is computed again from the booking's whole history, as a
// rebuild computes it; check compares every ledger with that computation.
var bucketAggBooking = []byte("agg_booking")

// BehindAFigure reports whether booking id counts in a figure of the
// overview: whether its ledger holds a summons, which is then among the
// facts (agg_member) a drill-down lists.
func (s *Store) BehindAFigure(ctx context.Context, id domain.BookingID) (bool, error) {
	var behind bool
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ledgers, err := bucket(tx, bucketAggBooking)
		if err != nil {
			return err
		}
		l, err := getLedger(ledgers, u64(uint64(id)))
		behind = len(l.Summonses) > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("booking %s: %w", id, err)
	}
	return behind, nil
}

// getLedger reads booking key's ledger; a booking without one has the zero
// ledger.
func getLedger(ledgers *bolt.Bucket, key []byte) (metrics.Ledger, error) {
	var l metrics.Ledger
	v := ledgers.Get(key)
	if v == nil {
		return l, nil
	}
	if err := l.UnmarshalBinary(v); err != nil {
		return l, fmt.Errorf("%s/%s: %w", bucketAggBooking, keyString(key), err)
	}
	return l, nil
}

// encodeLedger is a ledger as stored; nil for a booking without one.
func encodeLedger(l *metrics.Ledger) ([]byte, error) {
	if l == nil {
		return nil, nil
	}
	return l.MarshalBinary()
}

// putLedger stores booking key's ledger (nil: none).
func putLedger(ledgers *bolt.Bucket, key []byte, l *metrics.Ledger) error {
	data, err := encodeLedger(l)
	if err != nil || data == nil {
		return err
	}
	return ledgers.Put(key, data)
}

// updateAggregates is putBooking's last step: added are the events just
// appended for b (their Seq set). They are folded into the booking's ledger,
// and the facts that changed are taken away from the rows as they were and
// added as they are now. Nothing happens when no event added counts in a
// fact, or inside a migration older than version 5 (the buckets do not
// exist yet; migration 5 computes them from the log).
func updateAggregates(tx *bolt.Tx, b *domain.Booking, added []domain.Event) error {
	if tx.Bucket(bucketAggDay) == nil {
		return nil
	}
	if !counted(added) {
		return nil
	}
	ledgers, err := bucket(tx, bucketAggBooking)
	if err != nil {
		return err
	}
	key := u64(uint64(b.ID()))
	l, err := getLedger(ledgers, key)
	if err != nil {
		return err
	}
	oldFacts := l.Facts()
	for _, e := range added {
		if !l.Add(b.ID(), b.Exam(), b.Site(), b.Patient(), e) {
			all, err := eventsOfBooking(tx, b.ID())
			if err != nil {
				return err
			}
			l = metrics.LedgerOf(b.ID(), b.Exam(), b.Site(), b.Patient(), all)
			break
		}
	}
	l.Move(b.Exam(), b.Site()) // a rebooking to another site moves the booking's facts with it
	if err := putLedger(ledgers, key, &l); err != nil {
		return err
	}
	return applyFacts(tx, oldFacts, l.Facts())
}

// migrateLedgers (version 11) computes every booking's ledger from its
// events.
func migrateLedgers(tx *bolt.Tx) error {
	if tx.Bucket(bucketAggBooking) != nil {
		if err := tx.DeleteBucket(bucketAggBooking); err != nil {
			return err
		}
	}
	ledgers, err := tx.CreateBucket(bucketAggBooking)
	if err != nil {
		return err
	}
	ledgers.FillPercent = 0.9 // written in key order
	return eachBookingFacts(tx, nil, nil, func(k []byte, l *metrics.Ledger, _ []metrics.Fact) (bool, error) {
		return true, putLedger(ledgers, k, l)
	})
}

// decodeBookingHead reads only what the facts need of a booking record —
// id, patient, exam and site, the first fields of either form — and stops
// there: a rebuild reads every record, and the rest of it is most of its
// bytes.
func decodeBookingHead(k, v []byte) (domain.BookingSnapshot, error) {
	return decodeBookingHeadNamed(k, v, nil)
}

// decodeBookingHeadNamed is decodeBookingHead with the names taken from
// names (see decodeBookingRecordNamed).
func decodeBookingHeadNamed(k, v []byte, names *nameSet) (domain.BookingSnapshot, error) {
	var snap domain.BookingSnapshot
	err := decodeBookingHeadInto(k, v, names, &snap)
	return snap, err
}

// decodeBookingHeadInto is decodeBookingHeadNamed into snap, which the
// caller keeps: a pass over every booking (the rebuild) makes none.
func decodeBookingHeadInto(k, v []byte, names *nameSet, snap *domain.BookingSnapshot) error {
	*snap = domain.BookingSnapshot{}
	bad := func(err error) error {
		return fmt.Errorf("bookings/%s: %w", keyString(k), err)
	}
	if len(v) == 0 || v[0] != '{' {
		if err := decodeBookingRecordNamed(v, snap, true, names); err != nil {
			return bad(err)
		}
		if len(k) != 8 || uint64(snap.ID) != binary.BigEndian.Uint64(k) {
			return bad(fmt.Errorf("record has id %d", snap.ID))
		}
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(v))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return bad(fmt.Errorf("not a JSON object (%v)", err))
	}
	const all = 5
	seen := map[string]bool{}
	for len(seen) < all && d.More() {
		t, err := d.Token()
		if err != nil {
			return bad(err)
		}
		name, _ := t.(string)
		var dst any
		switch name {
		case "id":
			dst = &snap.ID
		case "patient":
			dst = &snap.Patient
		case "patient_kind":
			dst = &snap.PatientK
		case "exam":
			dst = &snap.Exam
		case "site":
			dst = &snap.Site
		default:
			var skip json.RawMessage
			dst = &skip
		}
		if err := d.Decode(dst); err != nil {
			return bad(err)
		}
		if name != "" {
			if _, ok := dst.(*json.RawMessage); !ok {
				seen[name] = true
			}
		}
	}
	if len(k) != 8 || uint64(snap.ID) != binary.BigEndian.Uint64(k) {
		return bad(fmt.Errorf("record has id %d", snap.ID))
	}
	return nil
}

// bookingFacts computes the ledger and facts of the booking at key, whose
// record's head is snap, from its events in log order (which it keeps
// none of: the caller may reuse the slice); the ledger is nil when none of
// them counts in a fact.
func bookingFacts(k []byte, snap domain.BookingSnapshot, evs []domain.Event) (*metrics.Ledger, []metrics.Fact, error) {
	kind, err := domain.ParseIdentityKind(snap.PatientK)
	if err != nil {
		return nil, nil, fmt.Errorf("bookings/%s: %w", keyString(k), err)
	}
	patient, err := domain.RehydrateIdentity(snap.Patient, kind)
	if err != nil {
		return nil, nil, fmt.Errorf("bookings/%s: %w", keyString(k), err)
	}
	if !counted(evs) {
		return nil, nil, nil
	}
	l := metrics.LedgerOf(snap.ID, snap.Exam, snap.Site, patient, evs)
	return &l, l.Facts(), nil
}

// counted is true when one of evs counts in a fact.
func counted(evs []domain.Event) bool {
	for _, e := range evs {
		if metrics.Counts(e.Type) {
			return true
		}
	}
	return false
}

// computedAggregates are the rows recomputed from the log. A row is summed
// in a metrics.Totals (2 KB: most of it the time-to-open histogram) while
// facts come in, and kept encoded (some 100 bytes) once there are
// rowsSummedInMemory of those: a region's ten years have some 400,000 day
// and week rows, 2 GB as Totals. Facts come mostly in the order their
// bookings were made, so a row is folded into its encoding once or twice.
type computedAggregates struct {
	days, weeks       map[string]*metrics.Totals // summing
	encDays, encWeeks map[string][]byte          // folded: encoded Totals
	spare             []*metrics.Totals          // folded, emptied, for the next rows summed
	bookings          int
	facts             int
}

// rowsSummedInMemory is how many rows computedAggregates sums as Totals
// before it folds them into their encodings.
var rowsSummedInMemory = 20000

func newComputedAggregates() *computedAggregates {
	return &computedAggregates{days: map[string]*metrics.Totals{}, weeks: map[string]*metrics.Totals{},
		encDays: map[string][]byte{}, encWeeks: map[string][]byte{}}
}

// fold adds the rows being summed into their encodings.
func (a *computedAggregates) fold() error {
	for _, r := range []struct {
		sum map[string]*metrics.Totals
		enc map[string][]byte
	}{{a.days, a.encDays}, {a.weeks, a.encWeeks}} {
		for k, t := range r.sum {
			data, err := addToEncoded(r.enc[k], *t)
			if err != nil {
				return err
			}
			r.enc[k] = data
			// Emptied and summed into again: a million bookings' rows
			// would otherwise be a gigabyte of Totals made and dropped.
			complement := t.Complement
			clear(complement)
			*t = metrics.Totals{Complement: complement}
			a.spare = append(a.spare, t)
		}
		clear(r.sum)
	}
	return nil
}

// folded is how many rows are kept encoded.
func (a *computedAggregates) folded() int { return len(a.encDays) + len(a.encWeeks) }

// drain folds what is being summed, hands every row encoded to write (the
// day rows, then the week rows, each in key order) and forgets them.
func (a *computedAggregates) drain(write func(bucket []byte, keys []string, rows map[string][]byte) error) error {
	rows, keys, err := a.rows()
	if err != nil {
		return err
	}
	for i, name := range [][]byte{bucketAggDay, bucketAggWeek} {
		if err := write(name, keys[i], rows[i]); err != nil {
			return err
		}
	}
	clear(a.encDays)
	clear(a.encWeeks)
	return nil
}

// addToEncoded is the encoded row old (nil: none yet) with t added.
func addToEncoded(old []byte, t metrics.Totals) ([]byte, error) {
	if old != nil {
		var sum metrics.Totals
		if err := sum.UnmarshalBinary(old); err != nil {
			return nil, err
		}
		sum.Merge(t)
		t = sum
	}
	return t.MarshalBinary()
}

// rows folds what is being summed and returns every row encoded, the day
// rows and the week rows, each with its keys sorted.
func (a *computedAggregates) rows() ([2]map[string][]byte, [2][]string, error) {
	if err := a.fold(); err != nil {
		return [2]map[string][]byte{}, [2][]string{}, err
	}
	m := [2]map[string][]byte{a.encDays, a.encWeeks}
	var keys [2][]string
	for i := range m {
		for k := range m[i] {
			keys[i] = append(keys[i], k)
		}
		slices.Sort(keys[i])
	}
	return m, keys, nil
}

// computeAggregates recomputes every booking's facts from its events and sums
// them into day and week rows; member is called for each fact with its
// agg_member key, and ledger (unless nil) for each booking with its ledger
// (nil for a booking whose events count in no fact).
func computeAggregates(tx *bolt.Tx, member func(key []byte, f metrics.Fact) error, ledger func(key []byte, l *metrics.Ledger) error) (*computedAggregates, error) {
	out := newComputedAggregates()
	err := eachBookingFacts(tx, nil, nil, func(k []byte, l *metrics.Ledger, facts []metrics.Fact) (bool, error) {
		out.bookings++
		if ledger != nil {
			if err := ledger(k, l); err != nil {
				return false, err
			}
		}
		for i, f := range facts {
			if err := out.add(f); err != nil {
				return false, err
			}
			if member != nil {
				if err := member(memberKey(f, i), f); err != nil {
					return false, err
				}
			}
		}
		return true, nil
	})
	return out, err
}

// add sums f into its day and week rows.
func (a *computedAggregates) add(f metrics.Fact) error {
	wk, err := weekRowKey(f.Key)
	if err != nil {
		return err
	}
	for _, r := range []struct {
		m   map[string]*metrics.Totals
		key string
	}{{a.days, string(dayRowKey(f.Key))}, {a.weeks, string(wk)}} {
		t := r.m[r.key]
		if t == nil {
			if n := len(a.spare); n > 0 {
				t, a.spare = a.spare[n-1], a.spare[:n-1]
			} else {
				t = &metrics.Totals{}
			}
			r.m[r.key] = t
		}
		t.Add(f, 1)
	}
	a.facts++
	if len(a.days)+len(a.weeks) >= rowsSummedInMemory {
		return a.fold()
	}
	return nil
}

// rebuildAggregates drops the aggregate buckets and computes them again from
// the event log; it returns how many bookings were recomputed.
func rebuildAggregates(tx *bolt.Tx) (int, error) {
	for _, name := range aggBuckets {
		if tx.Bucket(name) != nil {
			if err := tx.DeleteBucket(name); err != nil {
				return 0, err
			}
		}
		if _, err := tx.CreateBucket(name); err != nil {
			return 0, err
		}
	}
	members, ledgers := tx.Bucket(bucketAggMember), tx.Bucket(bucketAggBooking)
	ledgers.FillPercent = 0.9 // written in key order
	agg, err := computeAggregates(tx, func(key []byte, f metrics.Fact) error {
		data, err := encodeMember(f)
		if err != nil {
			return err
		}
		return members.Put(key, data)
	}, func(key []byte, l *metrics.Ledger) error { return putLedger(ledgers, key, l) })
	if err != nil {
		return 0, err
	}
	rows, keys, err := agg.rows()
	if err != nil {
		return 0, err
	}
	for i, name := range [][]byte{bucketAggDay, bucketAggWeek} {
		bk := tx.Bucket(name)
		bk.FillPercent = 0.9 // written in key order
		for _, k := range keys[i] {
			if err := bk.Put([]byte(k), rows[i][k]); err != nil {
				return 0, err
			}
		}
	}
	return agg.bookings, nil
}

// migrateAggregates (version 5) computes the reports' aggregates from the
// event log, as Rebuild does.
func migrateAggregates(tx *bolt.Tx) error {
	_, err := rebuildAggregates(tx)
	return err
}
