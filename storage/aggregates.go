package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// The reports' aggregates (schema version 5). A booking's events are turned
// into metrics.Facts — one per summons sent — by metrics.FactsFromHistory,
// and the facts are summed into rows:
//
//	agg_day/<day>|<exam>|<site>|<age band>|<group>       -> JSON metrics.Totals
//	agg_week/<YYYY-Www>|<exam>|<site>|<age band>|<group> -> JSON metrics.Totals
//	agg_member/<day row key> 0x00 <booking id u64><fact index u32> -> JSON metrics.Fact
//
// The day (YYYY-MM-DD, Europe/Stockholm) or ISO week comes first in the row
// keys, unlike metrics.Key.String, so that a date range is one cursor range
// and reading a report costs the rows of its range — days (or weeks) × exams ×
// sites × age bands × groups — however many bookings are stored. agg_member
// holds the facts behind each day row, for drill-down.
//
// The rows are kept current in the transaction that records the events
// (putBooking): the booking's facts are computed from its whole event history
// before and after the new events, the old ones subtracted and the new ones
// added, which costs the events of that booking. Rebuild (and migration 5)
// recompute everything from the event log with the same function.
var (
	bucketAggDay    = []byte("agg_day")
	bucketAggWeek   = []byte("agg_week")
	bucketAggMember = []byte("agg_member")

	aggBuckets = [][]byte{bucketAggDay, bucketAggWeek, bucketAggMember}
)

// ReportStore is what the reports read: sums of metrics.Facts, and the facts
// behind one sum. Every call costs the rows of its range, not the bookings
// stored. The functions are called after the read transaction has ended, so
// they may use the store.
//
// It is declared here rather than in domain/ports.go because domain/metrics
// imports domain.
type ReportStore interface {
	// Totals calls fn for every day row whose day starts (00:00 Stockholm)
	// in [from, to), in day order, then exam, site, age band and group.
	// A zero from or to leaves that side open. fn returns false to stop.
	Totals(ctx context.Context, from, to time.Time, fn func(k metrics.Key, t metrics.Totals) bool) error
	// WeekTotals calls fn for every week row from ISO week fromWeek through
	// toWeek, both included ("2026-W48"; "" leaves that side open), in week
	// order, with the row's week; k.Day is that week's Monday.
	WeekTotals(ctx context.Context, fromWeek, toWeek string, fn func(k metrics.Key, week string, t metrics.Totals) bool) error
	// Members calls fn for the facts behind the day rows of ISO week week,
	// of examination exam and channel group group ("" for any), in day
	// order, then by key and booking.
	Members(ctx context.Context, week, exam string, group metrics.Group, fn func(metrics.Fact) bool) error
	// DayMembers calls fn for every fact summed into the day row k, ordered
	// by booking id and the summons's place in the booking's history.
	DayMembers(ctx context.Context, k metrics.Key, fn func(metrics.Fact) bool) error
}

var _ ReportStore = (*Store)(nil)

// dayRowKey is <day>|<exam>|<site>|<age>|<group>.
func dayRowKey(k metrics.Key) []byte {
	return []byte(k.Day + "|" + k.Exam + "|" + k.Site + "|" + string(k.Age) + "|" + string(k.Group))
}

// weekRowKey is <YYYY-Www>|<exam>|<site>|<age>|<group>.
func weekRowKey(k metrics.Key) ([]byte, error) {
	w := k.Week()
	if w == "" {
		return nil, fmt.Errorf("fact of booking with day %q: not a date", k.Day)
	}
	return []byte(w + "|" + k.Exam + "|" + k.Site + "|" + string(k.Age) + "|" + string(k.Group)), nil
}

// parseRowKey reads a day or week row key; the first part is returned as it is.
func parseRowKey(b []byte) (first string, k metrics.Key, err error) {
	p := strings.Split(string(b), "|")
	if len(p) != 5 {
		return "", k, fmt.Errorf("malformed aggregate key %q", b)
	}
	return p[0], metrics.Key{Day: p[0], Exam: p[1], Site: p[2], Age: metrics.AgeBand(p[3]), Group: metrics.Group(p[4])}, nil
}

// memberKey is <day row key> 0x00 <booking id><fact index>.
func memberKey(f metrics.Fact, index int) []byte {
	row := dayRowKey(f.Key)
	k := make([]byte, 0, len(row)+13)
	k = append(k, row...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, uint64(f.Booking))
	return binary.BigEndian.AppendUint32(k, uint32(index))
}

// eventsOfBooking reads a booking's events through idx_event_booking, in log
// order, decoded as BookingEvents decodes them (instants in Stockholm).
func eventsOfBooking(tx *bolt.Tx, id domain.BookingID) ([]domain.Event, error) {
	log, err := bucket(tx, bucketEvents)
	if err != nil {
		return nil, err
	}
	idx, err := bucket(tx, bucketIdxEventBooking)
	if err != nil {
		return nil, err
	}
	prefix := u64(uint64(id))
	var out []domain.Event
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		e, err := indexedEvent(log, k)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func indexedEvent(log *bolt.Bucket, k []byte) (domain.Event, error) {
	if len(k) != 16 {
		return domain.Event{}, fmt.Errorf("idx_event_booking/%x: malformed key", k)
	}
	seq := k[8:]
	v := log.Get(seq)
	if v == nil {
		return domain.Event{}, fmt.Errorf("idx_event_booking: booking %d: event %s missing", binary.BigEndian.Uint64(k), keyString(seq))
	}
	return decodeEvent(seq, v)
}

// updateAggregates is putBooking's last step: added are the events just
// appended for b (their Seq set). The booking's facts before them are taken
// away from the rows and its facts after them added. Nothing happens when no
// event was added, or inside a migration older than version 5 (the buckets
// do not exist yet; migration 5 computes them from the log).
func updateAggregates(tx *bolt.Tx, b *domain.Booking, added []domain.Event) error {
	if len(added) == 0 || tx.Bucket(bucketAggDay) == nil {
		return nil
	}
	first := added[0].Seq
	for _, e := range added {
		first = min(first, e.Seq)
	}
	all, err := eventsOfBooking(tx, b.ID())
	if err != nil {
		return err
	}
	var before []domain.Event
	for _, e := range all {
		if e.Seq < first {
			before = append(before, e)
		}
	}
	var oldFacts []metrics.Fact
	if len(before) > 0 {
		oldFacts = metrics.FactsFromHistory(b.ID(), b.Exam(), b.Site(), b.Patient(), before)
	}
	newFacts := metrics.FactsFromHistory(b.ID(), b.Exam(), b.Site(), b.Patient(), all)
	if reflect.DeepEqual(oldFacts, newFacts) || (len(oldFacts) == 0 && len(newFacts) == 0) {
		return nil
	}
	return applyFacts(tx, oldFacts, newFacts)
}

type signedFact struct {
	f    metrics.Fact
	sign int
}

// applyFacts subtracts old and adds new to the day and week rows, each row
// read and written once, and replaces the members.
func applyFacts(tx *bolt.Tx, old, new []metrics.Fact) error {
	var bs [3]*bolt.Bucket
	for i, name := range aggBuckets {
		var err error
		if bs[i], err = bucket(tx, name); err != nil {
			return err
		}
	}
	return applyFactsIn(bs, old, new)
}

// applyFactsIn is applyFacts on the given day, week and member buckets.
func applyFactsIn(bs [3]*bolt.Bucket, old, new []metrics.Fact) error {
	days, weeks := map[string][]signedFact{}, map[string][]signedFact{}
	for _, set := range []struct {
		facts []metrics.Fact
		sign  int
	}{{old, -1}, {new, 1}} {
		for _, f := range set.facts {
			wk, err := weekRowKey(f.Key)
			if err != nil {
				return err
			}
			dk := string(dayRowKey(f.Key))
			days[dk] = append(days[dk], signedFact{f, set.sign})
			weeks[string(wk)] = append(weeks[string(wk)], signedFact{f, set.sign})
		}
	}
	for _, rows := range []struct {
		name []byte
		bk   *bolt.Bucket
		m    map[string][]signedFact
	}{{bucketAggDay, bs[0], days}, {bucketAggWeek, bs[1], weeks}} {
		bk := rows.bk
		keys := make([]string, 0, len(rows.m))
		for k := range rows.m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := addToRow(bk, rows.name, []byte(k), rows.m[k]); err != nil {
				return err
			}
		}
	}
	members := bs[2]
	for i, f := range old {
		if err := members.Delete(memberKey(f, i)); err != nil {
			return err
		}
	}
	for i, f := range new {
		data, err := json.Marshal(f)
		if err != nil {
			return err
		}
		if err := members.Put(memberKey(f, i), data); err != nil {
			return err
		}
	}
	return nil
}

// addToRow applies the signed facts to one row; a row that sums to nothing is
// deleted.
func addToRow(bk *bolt.Bucket, name, key []byte, fs []signedFact) error {
	var t metrics.Totals
	old := bk.Get(key)
	if old != nil {
		if err := t.UnmarshalBinary(old); err != nil {
			return fmt.Errorf("%s/%s: %w", name, key, err)
		}
	}
	for _, sf := range fs {
		t.Add(sf.f, sf.sign)
	}
	if totalsEmpty(t) {
		if old == nil {
			return nil
		}
		return bk.Delete(key)
	}
	data, err := t.MarshalBinary()
	if err != nil {
		return err
	}
	if bytes.Equal(data, old) {
		return nil
	}
	return bk.Put(key, data)
}

// totalsEmpty is true when every count is zero.
func totalsEmpty(t metrics.Totals) bool { return t.IsZero() }

// computedAggregates are the rows recomputed from the log.
type computedAggregates struct {
	days, weeks map[string]*metrics.Totals
	bookings    int
	facts       int
}

// computeAggregates recomputes every booking's facts from its events and sums
// them into day and week rows; member is called for each fact with its
// agg_member key.
func computeAggregates(tx *bolt.Tx, member func(key []byte, f metrics.Fact) error) (computedAggregates, error) {
	out := computedAggregates{days: map[string]*metrics.Totals{}, weeks: map[string]*metrics.Totals{}}
	err := eachBookingFacts(tx, nil, func(_ []byte, facts []metrics.Fact) (bool, error) {
		out.bookings++
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
			t = &metrics.Totals{}
			r.m[r.key] = t
		}
		t.Add(f, 1)
	}
	a.facts++
	return nil
}

// decodeBookingHead reads only what the facts need of a booking record —
// id, patient, exam and site, the first fields of its JSON — and stops
// there: a rebuild reads every record, and the rest of it is most of its
// bytes.
func decodeBookingHead(k, v []byte) (domain.BookingSnapshot, error) {
	var snap domain.BookingSnapshot
	bad := func(err error) (domain.BookingSnapshot, error) {
		return snap, fmt.Errorf("bookings/%s: %w", keyString(k), err)
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
	return snap, nil
}

// eachBookingFacts computes the facts of the bookings from key from (nil:
// the first) on, in id order, from their events, and calls fn with each
// booking's key and facts (none for a booking without events) until fn
// returns false. Bookings and idx_event_booking are both ordered by
// booking id, so one cursor over each suffices.
func eachBookingFacts(tx *bolt.Tx, from []byte, fn func(key []byte, facts []metrics.Fact) (bool, error)) error {
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
	bc, ic := bookings.Cursor(), idx.Cursor()
	k, v := bc.First()
	ik, _ := ic.First()
	if from != nil {
		k, v = bc.Seek(from)
		ik, _ = ic.Seek(from)
	}
	for ; k != nil; k, v = bc.Next() {
		snap, err := decodeBookingHead(k, v)
		if err != nil {
			return err
		}
		kind, err := domain.ParseIdentityKind(snap.PatientK)
		if err != nil {
			return fmt.Errorf("bookings/%s: %w", keyString(k), err)
		}
		patient, err := domain.RehydrateIdentity(snap.Patient, kind)
		if err != nil {
			return fmt.Errorf("bookings/%s: %w", keyString(k), err)
		}
		// Events of bookings without a record (none should exist) are passed by.
		for ik != nil && bytes.Compare(ik[:min(8, len(ik))], k) < 0 {
			ik, _ = ic.Next()
		}
		var evs []domain.Event
		for ; ik != nil && bytes.HasPrefix(ik, k); ik, _ = ic.Next() {
			e, err := indexedEvent(log, ik)
			if err != nil {
				return err
			}
			evs = append(evs, e)
		}
		var facts []metrics.Fact
		if len(evs) > 0 {
			facts = metrics.FactsFromHistory(snap.ID, snap.Exam, snap.Site, patient, evs)
		}
		more, err := fn(k, facts)
		if err != nil || !more {
			return err
		}
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
	members := tx.Bucket(bucketAggMember)
	agg, err := computeAggregates(tx, func(key []byte, f metrics.Fact) error {
		data, err := json.Marshal(f)
		if err != nil {
			return err
		}
		return members.Put(key, data)
	})
	if err != nil {
		return 0, err
	}
	for _, rows := range []struct {
		name []byte
		m    map[string]*metrics.Totals
	}{{bucketAggDay, agg.days}, {bucketAggWeek, agg.weeks}} {
		bk := tx.Bucket(rows.name)
		bk.FillPercent = 0.9 // written in key order
		keys := make([]string, 0, len(rows.m))
		for k := range rows.m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			data, err := rows.m[k].MarshalBinary()
			if err != nil {
				return 0, err
			}
			if err := bk.Put([]byte(k), data); err != nil {
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

// dayCeil is the first day (YYYY-MM-DD, Stockholm) whose start is at or
// after t.
func dayCeil(t time.Time) string {
	lt := t.In(domain.Stockholm)
	d := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, domain.Stockholm)
	if d.Before(t) {
		d = time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, domain.Stockholm)
	}
	return d.Format("2006-01-02")
}

type row struct {
	k metrics.Key
	t metrics.Totals
}

// scanRows reads the rows of bucket name from key lo (inclusive) while
// stop(key) is false.
func (s *Store) scanRows(ctx context.Context, name []byte, lo string, stop func(first string) bool) ([]row, error) {
	var out []row
	err := s.view(ctx, func(tx *bolt.Tx) error {
		bk, err := bucket(tx, name)
		if err != nil {
			return err
		}
		c := bk.Cursor()
		for k, v := c.Seek([]byte(lo)); k != nil; k, v = c.Next() {
			first, key, err := parseRowKey(k)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if stop(first) {
				break
			}
			var t metrics.Totals
			if err := t.UnmarshalBinary(v); err != nil {
				return fmt.Errorf("%s/%s: %w", name, k, err)
			}
			out = append(out, row{key, t})
		}
		return nil
	})
	return out, err
}

// Totals implements ReportStore.
func (s *Store) Totals(ctx context.Context, from, to time.Time, fn func(k metrics.Key, t metrics.Totals) bool) error {
	lo, hi := "", ""
	if !from.IsZero() {
		lo = dayCeil(from)
	}
	if !to.IsZero() {
		hi = dayCeil(to)
	}
	rows, err := s.scanRows(ctx, bucketAggDay, lo, func(day string) bool { return hi != "" && day >= hi })
	if err != nil {
		return fmt.Errorf("report totals: %w", err)
	}
	for _, r := range rows {
		if !fn(r.k, r.t) {
			break
		}
	}
	return nil
}

var weekPattern = regexp.MustCompile(`^\d{4}-W\d{2}$`)

// ParseISOWeek reads "2026-W48" and returns the Monday (00:00 Stockholm) of
// that ISO week.
func ParseISOWeek(w string) (time.Time, error) {
	bad := func() error { return fmt.Errorf("%q is not an ISO week (2026-W48)", w) }
	if !weekPattern.MatchString(w) {
		return time.Time{}, bad()
	}
	y, _ := strconv.Atoi(w[:4])
	n, _ := strconv.Atoi(w[6:])
	// 4 January is always in week 1.
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, domain.Stockholm)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(n-1))
	if yy, ww := monday.ISOWeek(); n < 1 || yy != y || ww != n {
		return time.Time{}, bad()
	}
	return monday, nil
}

// WeekTotals implements ReportStore.
func (s *Store) WeekTotals(ctx context.Context, fromWeek, toWeek string, fn func(k metrics.Key, week string, t metrics.Totals) bool) error {
	for _, w := range []string{fromWeek, toWeek} {
		if w != "" {
			if _, err := ParseISOWeek(w); err != nil {
				return fmt.Errorf("report week totals: %w", err)
			}
		}
	}
	rows, err := s.scanRows(ctx, bucketAggWeek, fromWeek, func(week string) bool { return toWeek != "" && week > toWeek })
	if err != nil {
		return fmt.Errorf("report week totals: %w", err)
	}
	mondays := map[string]string{}
	for _, r := range rows {
		week := r.k.Day
		if mondays[week] == "" {
			monday, err := ParseISOWeek(week)
			if err != nil {
				return fmt.Errorf("report week totals: agg_week: %w", err)
			}
			mondays[week] = monday.Format("2006-01-02")
		}
		r.k.Day = mondays[week]
		if !fn(r.k, week, r.t) {
			break
		}
	}
	return nil
}

// DayMembers implements ReportStore.
func (s *Store) DayMembers(ctx context.Context, k metrics.Key, fn func(metrics.Fact) bool) error {
	prefix := append(dayRowKey(k), 0)
	facts, err := s.scanMembers(ctx, prefix, func(key []byte) (bool, bool, error) { return bytes.HasPrefix(key, prefix), true, nil })
	if err != nil {
		return fmt.Errorf("report members: %w", err)
	}
	for _, f := range facts {
		if !fn(f) {
			break
		}
	}
	return nil
}

// Members implements ReportStore. The members of a week are one cursor range
// (their keys start with the day); the key says exam and group, so only the
// facts asked for are decoded.
func (s *Store) Members(ctx context.Context, week, exam string, group metrics.Group, fn func(metrics.Fact) bool) error {
	monday, err := ParseISOWeek(week)
	if err != nil {
		return fmt.Errorf("report members: %w", err)
	}
	lo, hi := monday.Format("2006-01-02"), monday.AddDate(0, 0, 7).Format("2006-01-02")
	facts, err := s.scanMembers(ctx, []byte(lo), func(key []byte) (bool, bool, error) {
		if string(key[:min(len(key), len(hi))]) >= hi {
			return false, false, nil
		}
		row, _, _ := bytes.Cut(key, []byte{0})
		_, k, err := parseRowKey(row)
		return true, (exam == "" || k.Exam == exam) && (group == "" || k.Group == group), err
	})
	if err != nil {
		return fmt.Errorf("report members of %s: %w", week, err)
	}
	for _, f := range facts {
		if !fn(f) {
			break
		}
	}
	return nil
}

// scanMembers reads agg_member from key lo while more(key) says so, decoding
// the entries it wants.
func (s *Store) scanMembers(ctx context.Context, lo []byte, more func(key []byte) (cont, want bool, err error)) ([]metrics.Fact, error) {
	var out []metrics.Fact
	err := s.view(ctx, func(tx *bolt.Tx) error {
		bk, err := bucket(tx, bucketAggMember)
		if err != nil {
			return err
		}
		c := bk.Cursor()
		for key, v := c.Seek(lo); key != nil; key, v = c.Next() {
			cont, want, err := more(key)
			if err != nil {
				return fmt.Errorf("agg_member: %w", err)
			}
			if !cont {
				break
			}
			if !want {
				continue
			}
			var f metrics.Fact
			if err := json.Unmarshal(v, &f); err != nil {
				return fmt.Errorf("agg_member/%q: %w", key, err)
			}
			out = append(out, f)
		}
		return nil
	})
	return out, err
}
