package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime/debug"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// Problem is one thing `kallelse check` found wrong. Detail never holds an
// identity number: a patient is named by patientRef.
type Problem struct {
	Area   string `json:"area"`
	Detail string `json:"detail"`
}

// CheckReport is what Check found: the records it counted and the problems.
// Problems beyond MaxProblemsPerArea in one area are counted in Omitted.
type CheckReport struct {
	SchemaVersion int            `json:"schema_version"`
	Counted       map[string]int `json:"counted"`
	Problems      []Problem      `json:"problems"`
	Omitted       int            `json:"omitted"`
}

// OK reports whether nothing was found wrong.
func (r CheckReport) OK() bool { return len(r.Problems) == 0 && r.Omitted == 0 }

// MaxProblemsPerArea bounds a report: a damaged index would otherwise list
// every record.
const MaxProblemsPerArea = 20

type checker struct {
	rep     CheckReport
	perArea map[string]int
}

func (c *checker) add(area, format string, args ...any) {
	if c.perArea[area] >= MaxProblemsPerArea {
		c.rep.Omitted++
		return
	}
	c.perArea[area]++
	c.rep.Problems = append(c.rep.Problems, Problem{Area: area, Detail: fmt.Sprintf(format, args...)})
}

// Check verifies the whole file: bbolt's own consistency check (every page
// reachable once, the freelist right), then the project's invariants — every
// index entry points to a record and every record is indexed, timers and the
// outbox agree with the bookings, the aggregates equal a recomputation from
// the events, and the event log and the access log have no gaps. It reads a
// consistent snapshot while the store stays in use; bbolt's page check runs
// in a write transaction that is rolled back, so writers wait for it (bbolt
// documents the page check as unsafe beside a concurrent writer otherwise).
// The error is for a check that could not run; what it found is in the report.
func (s *Store) Check(ctx context.Context) (rep CheckReport, err error) {
	c := &checker{rep: CheckReport{Counted: map[string]int{}}, perArea: map[string]int{}}
	if s.bulk.Load() != nil {
		return c.rep, errors.New("check: a bulk load is running")
	}
	// The reads logged in the access journal are checked with the log.
	if _, err := s.foldJournal(ctx); err != nil {
		return c.rep, fmt.Errorf("check: %w", err)
	}
	if s.journal != nil {
		aside, err := s.journal.damagedJournals()
		if err != nil {
			return c.rep, fmt.Errorf("check: %w", err)
		}
		defer func() {
			for _, name := range aside {
				c.add("access", "%s: the end of an access journal that could not be read, kept aside: the entries in it are in no extract", filepath.Base(name))
			}
			rep = c.rep
		}()
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			c.add("file", "reading a page failed: %v", r)
			rep, err = c.rep, nil
		}
	}()
	tx, err := s.db.Begin(true)
	if err != nil {
		return c.rep, fmt.Errorf("check: %w", err)
	}
	// The version as the file says it, for the report of a file whose pages
	// then fail (Open read it already: it is at hand).
	if v, err := readSchemaVersion(tx); err == nil {
		c.rep.SchemaVersion = v
	}
	// A page reached twice would send bbolt's check round a cycle until
	// memory is gone: the tree is walked first, a bit a page.
	if why, err := walkPages(s.path); err != nil || why != "" {
		_ = tx.Rollback()
		if err != nil {
			return c.rep, fmt.Errorf("check: %w", err)
		}
		c.add("pages", "%s", why)
		return c.rep, nil
	}
	for e := range tx.Check() {
		c.add("pages", "%v", e)
	}
	_ = tx.Rollback()
	if ctx.Err() != nil {
		return c.rep, ctx.Err()
	}
	if len(c.rep.Problems) > 0 {
		// Pages that do not add up make every later read unreliable.
		return c.rep, nil
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				c.add("layout", "bucket %s missing", name)
			}
		}
		if len(c.rep.Problems) > 0 {
			return nil
		}
		v, err := readSchemaVersion(tx)
		if err != nil {
			c.add("meta", "%v", err)
		}
		c.rep.SchemaVersion = v
		if v != currentSchemaVersion {
			c.add("meta", "schema version %d, this kallelse writes %d", v, currentSchemaVersion)
		}
		// Each part reads its buckets whole: the pages it read need not
		// stay resident while the next reads its own (releaseMapped).
		for _, part := range []func(*bolt.Tx){c.patients, c.bookings, c.events, c.messages, c.aggregates, c.access} {
			part(tx)
			_ = releaseMappedIn(tx)
		}
		return ctx.Err()
	})
	return c.rep, err
}

// sameCount reports an index whose number of entries differs from what the
// records call for. With every record's entries present (checked one by
// one), equal counts mean no entry points nowhere.
func (c *checker) sameCount(tx *bolt.Tx, name []byte, want int) {
	got := tx.Bucket(name).Stats().KeyN
	if got != want {
		c.add(string(name), "%d entries, the records call for %d (entries that point to no record, or missing ones)", got, want)
	}
}

func (c *checker) patients(tx *bolt.Tx) {
	names := tx.Bucket(bucketIdxPatientName)
	wantNames := 0
	n := 0
	_ = tx.Bucket(bucketPatients).ForEach(func(k, v []byte) error {
		n++
		var p domain.PatientSnapshot
		if err := decodePatientRecord(v, &p); err != nil {
			c.add("patients", "record %s cannot be read: %v", patientRef(k), err)
			return nil
		}
		if _, err := decodePatient(k, v); err != nil {
			c.add("patients", "record %s: %v", patientRef(k), err)
		}
		nv := nameValue(p)
		for _, nk := range nameKeys(p) {
			wantNames++
			switch got := names.Get(nk); {
			case got == nil:
				c.add("idx_patient_name", "patient %s is not found by a word of its name", patientRef(k))
			case !bytes.Equal(got, nv):
				c.add("idx_patient_name", "patient %s's name index entry holds another name than its record", patientRef(k))
			}
		}
		return nil
	})
	c.rep.Counted["patients"] = n
	c.sameCount(tx, bucketIdxPatientName, wantNames)
}

func (c *checker) bookings(tx *bolt.Tx) {
	bookings := tx.Bucket(bucketBookings)
	visit, byPatient, state, byExam := tx.Bucket(bucketIdxVisit), tx.Bucket(bucketIdxPatient), tx.Bucket(bucketIdxState), tx.Bucket(bucketIdxExam)
	timers, attention := tx.Bucket(bucketIdxTimerDue), tx.Bucket(bucketIdxAttention)
	patients := tx.Bucket(bucketPatients)
	var n, nTimers, nAttention int
	var maxID uint64
	_ = bookings.ForEach(func(k, v []byte) error {
		n++
		snap, _, err := decodeBooking(k, v)
		if err != nil {
			c.add("bookings", "booking %s cannot be read: %v", keyString(k), err)
			return nil
		}
		if uint64(snap.ID) > maxID {
			maxID = uint64(snap.ID)
		}
		keys, err := indexKeys(snap)
		if err != nil {
			c.add("bookings", "%v", err)
			return nil
		}
		if visit.Get(keys.visit) == nil {
			c.add("idx_visit", "booking %d is not indexed by its visit time", snap.ID)
		}
		if byPatient.Get(keys.patient) == nil {
			c.add("idx_patient", "booking %d is not indexed by its patient", snap.ID)
		}
		if state.Get(keys.state) == nil {
			c.add("idx_state", "booking %d is not indexed by its state %s", snap.ID, snap.State)
		}
		if byExam.Get(keys.exam) == nil {
			c.add("idx_exam", "booking %d is not indexed by its examination %s", snap.ID, snap.Exam)
		}
		if patients.Get([]byte(snap.Patient)) == nil {
			c.add("bookings", "booking %d names patient %s, who has no record", snap.ID, patientRef([]byte(snap.Patient)))
		}
		tks, err := timerKeys(snap)
		if err != nil {
			c.add("idx_timer_due", "booking %d: %v", snap.ID, err)
		}
		for _, tk := range tks {
			nTimers++
			if timers.Get(tk) == nil {
				c.add("idx_timer_due", "a timer of booking %d is not in the due index: it would never fire", snap.ID)
			}
		}
		want, need := attentionOf(snap)
		got := attention.Get(k)
		switch {
		case need && got == nil:
			c.add("idx_attention", "booking %d needs staff (%v) but is not in the attention list", snap.ID, want.Reasons)
		case !need && got != nil:
			c.add("idx_attention", "booking %d is in the attention list but needs no one", snap.ID)
		case need:
			nAttention++
			var e attentionEntry
			if err := json.Unmarshal(got, &e); err != nil || !slices.Equal(e.Reasons, want.Reasons) ||
				!e.Since.Equal(want.Since) || e.Late != want.Late { // the attention page's order and "sedan"
				c.add("idx_attention", "booking %d's attention entry does not match its record", snap.ID)
			}
		}
		return nil
	})
	c.rep.Counted["bookings"] = n
	c.rep.Counted["timers"] = nTimers
	for _, name := range bookingIndexes {
		c.sameCount(tx, name, n)
	}
	c.sameCount(tx, bucketIdxTimerDue, nTimers)
	c.sameCount(tx, bucketIdxAttention, nAttention)
	if seq := bookings.Sequence(); seq < maxID {
		c.add("bookings", "the next booking id would be %d, but booking %d exists", seq+1, maxID)
	}
	if count, err := bookingCount(tx.Bucket(bucketMeta)); err != nil || count != uint64(n) {
		c.add("meta", "booking_count is %d, there are %d bookings", count, n)
	}
}

// events checks that the log runs 1…sequence without a gap, that every event
// of a booking is indexed by it and names a booking that exists.
func (c *checker) events(tx *bolt.Tx) {
	log, idx, bookings := tx.Bucket(bucketEvents), tx.Bucket(bucketIdxEventBooking), tx.Bucket(bucketBookings)
	var want uint64 = 1
	var indexed int
	_ = log.ForEach(func(k, v []byte) error {
		seq := binary.BigEndian.Uint64(k)
		if seq != want {
			c.add("events", "event %d follows event %d: the log has a gap", seq, want-1)
		}
		want = seq + 1
		e, err := decodeEvent(k, v)
		if err != nil {
			c.add("events", "event %d cannot be read: %v", seq, err)
			return nil
		}
		if e.Booking != 0 {
			indexed++
			ik := make([]byte, 16)
			binary.BigEndian.PutUint64(ik, uint64(e.Booking))
			binary.BigEndian.PutUint64(ik[8:], seq)
			if idx.Get(ik) == nil {
				c.add("idx_event_booking", "event %d is missing from booking %d's history", seq, e.Booking)
			}
			if bookings.Get(u64(uint64(e.Booking))) == nil {
				c.add("events", "event %d names booking %d, which has no record", seq, e.Booking)
			}
		}
		return nil
	})
	if last := log.Sequence(); last != want-1 {
		c.add("events", "the log ends at event %d, its sequence says %d", want-1, last)
	}
	c.rep.Counted["events"] = int(want - 1)
	c.sameCount(tx, bucketIdxEventBooking, indexed)
}

// messages checks that every message waiting in the outbox is in the
// register and belongs to a booking that exists.
func (c *checker) messages(tx *bolt.Tx) {
	register, bookings := tx.Bucket(bucketMessages), tx.Bucket(bucketBookings)
	n := 0
	_ = register.ForEach(func(k, v []byte) error {
		n++
		var m messageRecord
		if err := json.Unmarshal(v, &m); err != nil {
			c.add("messages", "message %q cannot be read: %v", k, err)
			return nil
		}
		if bookings.Get(u64(uint64(m.Booking))) == nil {
			c.add("messages", "message %q names booking %d, which has no record", k, m.Booking)
		}
		return nil
	})
	waiting, failing := 0, 0
	due := tx.Bucket(bucketIdxOutboxDue)
	_ = tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
		waiting++
		var e domain.OutboxEntry
		if err := decodeOutboxRecord(v, &e, false); err != nil {
			c.add("outbox", "entry %q cannot be read: %v", k, err)
			return nil
		}
		failing += failingCount(&e)
		if e.Message.ID != string(k) {
			c.add("outbox", "entry %q holds message %q", k, e.Message.ID)
		}
		if due.Get(outboxDueKey(e.NextAttempt, string(k))) == nil {
			c.add("idx_outbox_due", "message %q is not indexed by its next attempt: it would never be sent", k)
		}
		if register.Get(k) == nil {
			c.add("outbox", "message %q waits in the outbox but is not in the register", k)
		}
		if bookings.Get(u64(uint64(e.Message.Booking))) == nil {
			c.add("outbox", "message %q names booking %d, which has no record", k, e.Message.Booking)
		}
		return nil
	})
	if hb := tx.Bucket(bucketOutboxHanding); hb != nil {
		_ = hb.ForEach(func(k, v []byte) error {
			if len(v) != 8 {
				c.add("outbox_handing", "the mark of message %q is malformed", k)
			}
			if tx.Bucket(bucketOutbox).Get(k) == nil {
				c.add("outbox_handing", "message %q is marked as being handed over but is not in the outbox", k)
			}
			return nil
		})
	}
	c.rep.Counted["messages"] = n
	c.rep.Counted["outbox"] = waiting
	c.sameCount(tx, bucketIdxOutboxDue, waiting)
	w, f, err := outboxCounts(tx.Bucket(bucketMeta))
	switch {
	case err != nil:
		c.add("meta", "%v", err)
	case w != uint64(waiting) || f != uint64(failing):
		c.add("meta", "the outbox counters say %d waiting, %d failing; the outbox holds %d, %d failing", w, f, waiting, failing)
	}
}

// aggregates recomputes the reports' sums, every fact behind them and every
// booking's ledger from the events and compares them with the rows, facts
// and ledgers stored, byte for byte (a fact still in JSON is one a
// migration to schema 13 did not finish).
func (c *checker) aggregates(tx *bolt.Tx) {
	members, ledgerCount := 0, 0
	stored, storedFacts := tx.Bucket(bucketAggBooking), tx.Bucket(bucketAggMember)
	agg, err := computeAggregates(tx, func(k []byte, f metrics.Fact) error {
		members++
		want, err := encodeMember(f)
		if err != nil {
			return err
		}
		if got := storedFacts.Get(k); !bytes.Equal(got, want) {
			what := "differs from a recomputation from its booking's events"
			if got == nil {
				what = "is missing"
			}
			c.add(string(bucketAggMember), "a fact of booking %s behind the row %s %s (kallelse report rebuild mends it)",
				keyString(k[len(k)-12:len(k)-4]), k[:bytes.IndexByte(k, 0)], what)
		}
		return nil
	},
		func(k []byte, l *metrics.Ledger) error {
			want, err := encodeLedger(l)
			if err != nil {
				return err
			}
			if l != nil {
				ledgerCount++
			}
			if got := stored.Get(k); !bytes.Equal(got, want) {
				switch {
				case got == nil:
					c.add(string(bucketAggBooking), "booking %s has no ledger; its events make one (kallelse report rebuild mends it)", keyString(k))
				case want == nil:
					c.add(string(bucketAggBooking), "booking %s has a ledger, but none of its events counts in a fact (kallelse report rebuild mends it)", keyString(k))
				default:
					c.add(string(bucketAggBooking), "booking %s: the ledger differs from a recomputation from its events (kallelse report rebuild mends it)", keyString(k))
				}
			}
			return nil
		})
	if err != nil {
		c.add("aggregates", "recomputing from the events failed: %v", err)
		return
	}
	rows, _, err := agg.rows()
	if err != nil {
		c.add("aggregates", "recomputing from the events failed: %v", err)
		return
	}
	for i, name := range [][]byte{bucketAggDay, bucketAggWeek} {
		stored := 0
		_ = tx.Bucket(name).ForEach(func(k, v []byte) error {
			stored++
			want, ok := rows[i][string(k)]
			if !ok {
				c.add(string(name), "row %q has no events behind it", k)
				return nil
			}
			if !bytes.Equal(want, v) {
				c.add(string(name), "row %q differs from a recomputation (kallelse report rebuild mends it)", k)
			}
			return nil
		})
		if stored != len(rows[i]) {
			c.add(string(name), "%d rows stored, the events make %d (kallelse report rebuild mends it)", stored, len(rows[i]))
		}
	}
	c.rep.Counted["report_facts"] = agg.facts
	c.sameCount(tx, bucketAggMember, members)
	c.sameCount(tx, bucketAggBooking, ledgerCount)
}

// access checks that the access log runs 1…sequence without a gap (entries
// are never deleted before retention, and then from the start), through
// the log and then its recent entries, and that the three indexes hold one
// entry per entry of the log (the recent ones are not in them yet).
func (c *checker) access(tx *bolt.Tx) {
	log := tx.Bucket(bucketAccess)
	var prev uint64
	n, folded := 0, 0
	// Each entry of the log is looked up in its three indexes (their
	// counts are compared below: together, the indexes are exact). A
	// patient's extract reads the patient index alone: an entry missing
	// there, or filed under another patient, is missing from the extract.
	indexes := [][]byte{bucketIdxAccessPat, bucketIdxAccessUser, bucketIdxAccessTime}
	var lookups [3]exactGetter
	for i, name := range indexes {
		if b := tx.Bucket(name); b != nil {
			lookups[i] = exactGetter{b.Cursor()}
		}
	}
	inIndexes := func(seq uint64, e domain.AccessEntry) {
		keys := func(ns uint64) [][]byte {
			tail := rawVisitKey(ns, domain.BookingID(seq))
			return [][]byte{prefixed(e.Patient.Canonical(), tail), prefixed(e.User, tail), tail}
		}
		for i, k := range keys(clampNanos(e.At)) {
			if lookups[i].c == nil || lookups[i].get(k) != nil {
				continue
			}
			// Before schema 15 an instant outside 1678–2262 was taken: it
			// was indexed at the nearest end, and reads back as another.
			if lookups[i].get(keys(0)[i]) == nil && lookups[i].get(keys(math.MaxInt64)[i]) == nil {
				c.add(string(indexes[i]), "access entry %d is not in it", seq)
			}
		}
	}
	damaged := 0 // in the log (folded), to compare with keyAccessDamaged
	walk := func(name string, b *bolt.Bucket) {
		_ = b.ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				c.add(name, "key %x is no sequence number", k)
				return nil
			}
			seq := binary.BigEndian.Uint64(k)
			if n > 0 && seq != prev+1 {
				c.add(name, "entry %d follows entry %d: the access log has a gap", seq, prev)
			}
			prev = seq
			n++
			e, err := decodeAccess(seq, v)
			if err != nil {
				c.add(name, "entry %d cannot be read: %v", seq, err)
				if b == log {
					damaged++
				}
			} else if b == log {
				inIndexes(seq, e)
			}
			return nil
		})
	}
	walk("access", log)
	folded = n
	if meta := tx.Bucket(bucketMeta); meta != nil && accessDamaged(meta) != uint64(damaged) {
		// An extract would say a number of unreadable entries that is not so.
		c.add("access", "meta/access_damaged says %d unreadable entries, the log holds %d", accessDamaged(meta), damaged)
	}
	if recent := tx.Bucket(bucketAccessRecent); recent != nil {
		walk(string(bucketAccessRecent), recent)
	}
	if n > 0 && log.Sequence() != prev {
		c.add("access", "the log ends at entry %d, its sequence says %d", prev, log.Sequence())
	}
	c.rep.Counted["access_entries"] = n
	for _, name := range indexes {
		c.sameCount(tx, name, folded)
	}
}
