package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
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
// into metrics.Facts — one per summons sent — as metrics.FactsFromHistory
// defines them (the store folds them with metrics.Ledger), and the facts
// are summed into rows:
//
//	agg_day/<day>|<exam>|<site>|<age band>|<group>       -> JSON metrics.Totals
//	agg_week/<YYYY-Www>|<exam>|<site>|<age band>|<group> -> JSON metrics.Totals
//	agg_member/<day row key> 0x00 <booking id u64><fact index u32> -> metrics.Fact (binary since schema 13; JSON before)
//
// The day (YYYY-MM-DD, Europe/Stockholm) or ISO week comes first in the row
// keys, unlike metrics.Key.String, so that a date range is one cursor range
// and reading a report costs the rows of its range — days (or weeks) × exams ×
// sites × age bands × groups — however many bookings are stored. agg_member
// holds the facts behind each day row, for drill-down.
//
// The rows are kept current in the transaction that records the events
// (putBooking): each booking's facts are kept folded in its ledger
// (agg_booking, since version 11, see ledgers.go), the new events are folded
// into it, and the facts that changed are subtracted as they were and added
// as they are now, which costs the booking's summonses, not its history.
// Rebuild (and migrations 5 and 11) recompute everything from the event log.
// This file holds the rows, their keys, their updates and the queries;
// ledgers.go the bookings' facts and their computation from the log.
var (
	bucketAggDay    = []byte("agg_day")
	bucketAggWeek   = []byte("agg_week")
	bucketAggMember = []byte("agg_member")

	// aggBuckets are the buckets a rebuild computes anew: the rows, their
	// members and the bookings' ledgers.
	aggBuckets = [][]byte{bucketAggDay, bucketAggWeek, bucketAggMember, bucketAggBooking}
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
	w := isoWeekOf(k.Day)
	if w == "" {
		w = k.Week()
	}
	if w == "" {
		return nil, fmt.Errorf("fact of booking with day %q: not a date", k.Day)
	}
	return []byte(w + "|" + k.Exam + "|" + k.Site + "|" + string(k.Age) + "|" + string(k.Group)), nil
}

// isoWeekOf is metrics.Key.Week of day (YYYY-MM-DD) without parsing it as
// an instant in a zone: the ISO week of a date is the calendar's. "" when
// day is not of that form (the caller then asks Week).
func isoWeekOf(day string) string {
	if len(day) != 10 || day[4] != '-' || day[7] != '-' {
		return ""
	}
	num := func(s string) int {
		n := 0
		for _, c := range []byte(s) {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, m, d := num(day[:4]), num(day[5:7]), num(day[8:])
	if y < 0 || m < 1 || m > 12 || d < 1 || d > 31 {
		return ""
	}
	t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return ""
	}
	wy, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", wy, w)
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

// encodeMember is a fact as agg_member keeps it.
func encodeMember(f metrics.Fact) ([]byte, error) { return f.MarshalBinary() }

// decodeMember reads an agg_member entry: binary (schema 13 on), or JSON
// as written before; both read back the same fact.
func decodeMember(key, v []byte) (metrics.Fact, error) {
	var f metrics.Fact
	var err error
	if len(v) > 0 && v[0] == '{' {
		err = json.Unmarshal(v, &f)
	} else {
		err = f.UnmarshalBinary(v)
	}
	if err != nil {
		return metrics.Fact{}, fmt.Errorf("%s/%q: %w", bucketAggMember, key, err)
	}
	return f, nil
}

// migrateMembers (version 13) rewrites in binary the agg_member entries
// still in JSON; rewriteMembers has done so ahead, so it finds none unless
// runMigrations is called on its own.
func migrateMembers(tx *bolt.Tx) error {
	members := tx.Bucket(bucketAggMember)
	if members == nil {
		return nil // before version 5: migration 5 computes them
	}
	return rewriteRecords(context.Background(), members, memberInBinary)
}

// membersRewritten is how many agg_member entries rewriteMembers reads
// per transaction.
var membersRewritten = 20000

// rewriteMembers rewrites the JSON agg_member entries in binary, in
// transactions of membersRewritten entries (see migration.ahead).
func rewriteMembers(db *bolt.DB) error {
	var from []byte
	for {
		var last []byte
		err := db.Update(func(tx *bolt.Tx) error {
			members := tx.Bucket(bucketAggMember)
			if members == nil {
				return nil // before version 5: migration 5 computes them
			}
			var err error
			last, err = rewriteChunk(members, from, membersRewritten, memberInBinary)
			return err
		})
		if err != nil || last == nil {
			return err
		}
		from = last
	}
}

// memberInBinary is an agg_member entry in binary, nil when it is already.
func memberInBinary(k, v []byte) ([]byte, error) {
	if len(v) > 0 && v[0] != '{' {
		return nil, nil
	}
	f, err := decodeMember(k, v)
	if err != nil {
		return nil, err
	}
	return encodeMember(f)
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
	c, lc := idx.Cursor(), exactGetter{log.Cursor()}
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		e, err := indexedEvent(lc, k)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// indexedEvent reads the event idx_event_booking key k names through log,
// one cursor on the log sought from event to event (a Get makes a cursor
// of its own each time).
func indexedEvent(log exactGetter, k []byte) (domain.Event, error) {
	if len(k) != 16 {
		return domain.Event{}, fmt.Errorf("idx_event_booking/%x: malformed key", k)
	}
	seq := k[8:]
	v := log.get(seq)
	if v == nil {
		return domain.Event{}, fmt.Errorf("idx_event_booking: booking %d: event %s missing", binary.BigEndian.Uint64(k), keyString(seq))
	}
	return decodeEvent(seq, v)
}

type signedFact struct {
	f    metrics.Fact
	sign int
}

// applyFacts subtracts old and adds new to the day and week rows, each row
// read and written once, and replaces the members. A fact the same in old
// and new at the same place (index) is passed by.
func applyFacts(tx *bolt.Tx, old, new []metrics.Fact) error {
	var bs [3]*bolt.Bucket
	for i, name := range aggBuckets[:3] {
		var err error
		if bs[i], err = bucket(tx, name); err != nil {
			return err
		}
	}
	days, weeks := map[string][]signedFact{}, map[string][]signedFact{}
	same := func(i int) bool { return i < len(old) && i < len(new) && sameFact(old[i], new[i]) }
	for _, set := range []struct {
		facts []metrics.Fact
		sign  int
	}{{old, -1}, {new, 1}} {
		for i, f := range set.facts {
			if same(i) {
				continue
			}
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
		if same(i) || (i < len(new) && new[i].Key == f.Key) {
			continue // unchanged, or replaced below under the same key
		}
		if err := members.Delete(memberKey(f, i)); err != nil {
			return err
		}
	}
	for i, f := range new {
		if same(i) {
			continue
		}
		data, err := encodeMember(f)
		if err != nil {
			return err
		}
		if err := members.Put(memberKey(f, i), data); err != nil {
			return err
		}
	}
	return nil
}

// sameFact is true when a and b count the same under the same key: the
// same row contributions and the same member entry (its instant in the
// same zone, as the entry's JSON shows it).
func sameFact(a, b metrics.Fact) bool {
	if a.Key != b.Key || a.Booking != b.Booking || a.MessageID != b.MessageID || !a.SentAt.Equal(b.SentAt) ||
		a.SentAt.Location() != b.SentAt.Location() || a.OpenDelay != b.OpenDelay || len(a.Complement) != len(b.Complement) {
		return false
	}
	for r, n := range a.Complement {
		if m, ok := b.Complement[r]; !ok || m != n {
			return false
		}
	}
	return [...]int{a.DigitalSent, a.Delivered, a.Opened, a.OpenedInTime, a.PaperAvoided, a.Fallback, a.FallbackByHand,
		a.ComplementSent, a.PaperOnlySent, a.Reminders, a.RebookRequests, a.CancelRequests, a.Attended, a.NoShow} ==
		[...]int{b.DigitalSent, b.Delivered, b.Opened, b.OpenedInTime, b.PaperAvoided, b.Fallback, b.FallbackByHand,
			b.ComplementSent, b.PaperOnlySent, b.Reminders, b.RebookRequests, b.CancelRequests, b.Attended, b.NoShow}
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
			f, err := decodeMember(key, v)
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return nil
	})
	return out, err
}
