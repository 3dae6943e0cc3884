package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"pgregory.net/rapid"

	"github.com/kallelse/kallelse/domain"
)

// Entries appended, folded into the log's indexes by the loop a chunk at a
// time (or by an append when too many wait), and read back by patient, by
// user and by time range, with limits — also with a fold between the pages
// of one reading — are the entries of a model list, in the order of their
// instants, then sequence; check finds the file whole throughout.
func TestAccessLog_RecentEntriesAndFoldsMatchAModel(t *testing.T) {
	defer func(chunk, max, page int) { accessFoldChunk, accessRecentMax, accessPage = chunk, max, page }(accessFoldChunk, accessRecentMax, accessPage)
	dir := t.TempDir()
	n := 0
	users := []string{"anna", "bo", "cecilia"}
	patients := []string{pnrString(1912, 12, 12, 121), pnrString(1950, 1, 1, 111), pnrString(2001, 4, 4, 444)}
	rapid.Check(t, func(rt *rapid.T) {
		accessFoldChunk = rapid.IntRange(1, 5).Draw(rt, "chunk")
		accessRecentMax = rapid.IntRange(1, 12).Draw(rt, "recent max")
		accessPage = rapid.IntRange(1, 4).Draw(rt, "page")
		n++
		s, err := Open(filepath.Join(dir, fmt.Sprintf("a%d.db", n)), Options{noSync: true})
		if err != nil {
			rt.Fatal(err)
		}
		defer s.Close()
		ctx := context.Background()
		var model []domain.AccessEntry
		instant := func(label string) time.Time {
			return t0.Add(time.Duration(rapid.IntRange(0, 20).Draw(rt, label)) * time.Minute)
		}
		read := func(q domain.AccessQuery, foldMidway bool) {
			var want []domain.AccessEntry
			for _, e := range model {
				at := clampNanos(e.At)
				if (q.Patient.IsZero() || e.Patient == q.Patient) && (q.User == "" || e.User == q.User) &&
					at >= clampNanos(q.From) && (q.To.IsZero() || at < clampNanos(q.To)) {
					want = append(want, e)
				}
			}
			slices.SortFunc(want, compareAccess)
			if q.Limit > 0 && len(want) > q.Limit {
				want = want[:q.Limit]
			}
			var got []domain.AccessEntry
			err := s.AccessEntries(ctx, q, func(e domain.AccessEntry) error {
				got = append(got, e)
				if foldMidway && len(got) == 1 {
					// A fold and an append while the reading goes on: the
					// one is neither lost nor read twice, the other left out.
					if _, err := s.FoldAccessLog(ctx); err != nil {
						return err
					}
					return s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, "anna", patients[0], t0, domain.AccessList)})
				}
				return nil
			})
			if err != nil {
				rt.Fatal(err)
			}
			if foldMidway && len(got) > 0 {
				e := accessEntry(t, "anna", patients[0], t0, domain.AccessList)
				e.Seq = uint64(len(model) + 1)
				model = append(model, e)
			}
			if len(got) != len(want) {
				rt.Fatalf("%+v: %d entries, want %d:\n%v\n%v", q, len(got), len(want), seqsOf(got), seqsOf(want))
			}
			for i := range got {
				if got[i].Seq != want[i].Seq || !got[i].At.Equal(want[i].At) || got[i].Patient != want[i].Patient || got[i].User != want[i].User {
					rt.Fatalf("%+v: entry %d is %+v, want %+v", q, i, got[i], want[i])
				}
			}
		}
		rt.Repeat(map[string]func(*rapid.T){
			"append": func(rt *rapid.T) {
				var es []domain.AccessEntry
				for i := range rapid.IntRange(1, 4).Draw(rt, "entries") {
					es = append(es, accessEntry(t, rapid.SampledFrom(users).Draw(rt, "user"), rapid.SampledFrom(patients).Draw(rt, "patient"),
						instant(fmt.Sprint("at", i)), domain.AccessList))
				}
				if err := s.LogAccess(ctx, es); err != nil {
					rt.Fatal(err)
				}
				for _, e := range es {
					e.Seq = uint64(len(model) + 1)
					model = append(model, e)
				}
			},
			"fold": func(rt *rapid.T) {
				if _, err := s.FoldAccessLog(ctx); err != nil {
					rt.Fatal(err)
				}
			},
			"read": func(rt *rapid.T) {
				var q domain.AccessQuery
				switch rapid.IntRange(0, 3).Draw(rt, "by") {
				case 0:
					q.Patient = mustID(t, rapid.SampledFrom(patients).Draw(rt, "q patient"))
				case 1:
					q.User = rapid.SampledFrom(users).Draw(rt, "q user")
				case 2:
					q.Patient, q.User = mustID(t, rapid.SampledFrom(patients).Draw(rt, "q patient")), rapid.SampledFrom(users).Draw(rt, "q user")
				}
				if rapid.Bool().Draw(rt, "range") {
					q.From, q.To = instant("from"), instant("to")
				}
				q.Limit = rapid.IntRange(0, 6).Draw(rt, "limit")
				read(q, rapid.Bool().Draw(rt, "fold midway"))
			},
			"": func(rt *rapid.T) {
				entries, last, err := s.AccessStats(ctx)
				if err != nil || entries != len(model) || last != uint64(len(model)) {
					rt.Fatalf("AccessStats = %d, %d, %v; want %d", entries, last, err, len(model))
				}
				rep, err := s.Check(ctx)
				if err != nil || !rep.OK() {
					rt.Fatalf("check: %v, %+v", err, rep)
				}
			},
		})
	})
}

func seqsOf(es []domain.AccessEntry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}

// A bulk load (the demo) writes its entries straight into the log and its
// indexes, after the recent entries written before it, which go first.
func TestAccessLog_BulkLoadWritesStraightIntoTheLog(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "bulk.db"), Options{noSync: true, BulkLoad: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	patient := pnrString(1912, 12, 12, 121)
	entry := func(i int) domain.AccessEntry {
		return accessEntry(t, "anna", patient, t0.Add(time.Duration(i)*time.Minute), domain.AccessList)
	}
	if err := s.LogAccess(ctx, []domain.AccessEntry{entry(0), entry(1)}); err != nil {
		t.Fatal(err)
	}
	err = s.Bulk(3, func() error {
		for i := 2; i < 9; i++ {
			if err := s.LogAccess(ctx, []domain.AccessEntry{entry(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var inLog, recent int
	if err := s.db.View(func(tx *bolt.Tx) error {
		inLog, recent = tx.Bucket(bucketAccess).Stats().KeyN, tx.Bucket(bucketAccessRecent).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if inLog != 9 || recent != 0 {
		t.Fatalf("after a bulk load: %d entries in the log, %d recent; want 9 and 0", inLog, recent)
	}
	got := collectAccess(t, s, domain.AccessQuery{Patient: mustID(t, patient)})
	if len(got) != 9 || got[0].Seq != 1 || got[8].Seq != 9 {
		t.Fatalf("extract after a bulk load: %v", seqsOf(got))
	}
	mustCheck(t, s)
}

// A recent entry that cannot be read is folded into the log as it is,
// without index entries: the entries after it are folded and read, appends
// go on, and check names it.
func TestAccessLog_ADamagedRecentEntryStopsNothing(t *testing.T) {
	defer func(max, chunk int) { accessRecentMax, accessFoldChunk = max, chunk }(accessRecentMax, accessFoldChunk)
	accessRecentMax, accessFoldChunk = 4, 2
	s := openTest(t)
	ctx := context.Background()
	patient := pnrString(1912, 12, 12, 121)
	entry := func(i int) domain.AccessEntry {
		return accessEntry(t, "anna", patient, t0.Add(time.Duration(i)*time.Minute), domain.AccessList)
	}
	if err := s.LogAccess(ctx, []domain.AccessEntry{entry(0), entry(1), entry(2)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.foldJournal(ctx); err != nil { // into the recent entries
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAccessRecent).Put(u64(2), []byte{0xff, 1, 2})
	}); err != nil {
		t.Fatal(err)
	}
	if got := seqsOf(collectAccess(t, s, domain.AccessQuery{})); !slices.Equal(got, []uint64{1, 3}) {
		t.Fatalf("the log read with the damaged entry still recent: %v, want 1 and 3", got)
	}
	unreadable := func(when string) {
		t.Helper()
		if n, err := s.AccessUnreadable(ctx); err != nil || n != 1 {
			t.Fatalf("%s: %d unreadable entries (%v), want 1: an extract must say it leaves one out", when, n, err)
		}
	}
	unreadable("recent")
	for i := 3; i < 10; i++ { // past accessRecentMax: appends fold
		if err := s.LogAccess(ctx, []domain.AccessEntry{entry(i)}); err != nil {
			t.Fatalf("append %d after a damaged entry: %v", i, err)
		}
	}
	if _, err := s.FoldAccessLog(ctx); err != nil {
		t.Fatal(err)
	}
	got := seqsOf(collectAccess(t, s, domain.AccessQuery{Patient: mustID(t, patient)}))
	if !slices.Equal(got, []uint64{1, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Fatalf("extract: %v, want every entry but the damaged 2", got)
	}
	unreadable("folded")
	rep, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range rep.Problems {
		found = found || strings.Contains(p.Detail, "entry 2 cannot be read")
		if strings.Contains(p.Detail, "access_damaged") {
			t.Errorf("check finds the count of unreadable entries wrong: %s", p.Detail)
		}
	}
	if !found {
		t.Fatalf("check does not name the damaged entry: %+v", rep.Problems)
	}
	// A count that disagrees with the log is found.
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyAccessDamaged, u64(5)) }); err != nil {
		t.Fatal(err)
	}
	if rep, err = s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rep.Problems, func(p Problem) bool { return strings.Contains(p.Detail, "access_damaged says 5") }) {
		t.Errorf("check misses a wrong count of unreadable entries: %+v", rep.Problems)
	}
	// A file from before the count (schema 17 began it as entries were
	// folded: one damaged earlier is not in it) is counted over at the
	// upgrade to 18, and an extract says so.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err := meta.Delete(keyAccessDamaged); err != nil {
			return err
		}
		return meta.Put(keySchemaVersion, u64(17))
	}); err != nil {
		t.Fatal(err)
	}
	s2 := reopen(t, s)
	if n, err := s2.AccessUnreadable(ctx); err != nil || n != 1 {
		t.Fatalf("after the upgrade: %d unreadable entries (%v), want 1", n, err)
	}
	if rep, err = s2.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(rep.Problems, func(p Problem) bool { return strings.Contains(p.Detail, "access_damaged") }) {
		t.Errorf("after the upgrade check finds the count wrong: %+v", rep.Problems)
	}
}

// An instant whose nanoseconds do not fit in an int64 (a clock gone wrong)
// is refused, with the access it records, in a bulk load too; one from
// before 1970 is kept and found. One that an older version took (indexed
// at the nearest end of the range) does not make check report a whole file.
func TestAccessLog_InstantsOutsideTheRange(t *testing.T) {
	ctx := context.Background()
	patient := pnrString(1912, 12, 12, 121)
	for _, bulk := range []bool{false, true} {
		s, err := Open(filepath.Join(t.TempDir(), "x.db"), Options{noSync: true, BulkLoad: bulk})
		if err != nil {
			t.Fatal(err)
		}
		logAt := func(at time.Time) error {
			e := accessEntry(t, "anna", patient, at, domain.AccessList)
			log := func() error { return s.LogAccess(ctx, []domain.AccessEntry{e}) }
			if bulk {
				return s.Bulk(0, log)
			}
			return log()
		}
		for _, year := range []int{1600, 2300} {
			err := logAt(time.Date(year, 1, 1, 0, 0, 0, 0, domain.Stockholm))
			if err == nil || !strings.Contains(err.Error(), "1678–2262") {
				t.Errorf("bulk %v: an access in %d: %v, want it refused", bulk, year, err)
			}
		}
		if err := logAt(time.Date(1960, 1, 1, 0, 0, 0, 0, domain.Stockholm)); err != nil {
			t.Fatalf("bulk %v: an access in 1960: %v", bulk, err)
		}
		if _, err := s.FoldAccessLog(ctx); err != nil {
			t.Fatal(err)
		}
		if got := collectAccess(t, s, domain.AccessQuery{Patient: mustID(t, patient)}); len(got) != 1 || got[0].At.Year() != 1960 {
			t.Fatalf("bulk %v: extract %+v, want the 1960 entry", bulk, got)
		}
		// As an older version wrote it: straight in, indexed at the end.
		if err := s.db.Update(func(tx *bolt.Tx) error {
			e := accessEntry(t, "anna", patient, time.Date(2300, 1, 1, 0, 0, 0, 0, domain.Stockholm), domain.AccessList)
			seq, err := tx.Bucket(bucketAccess).NextSequence()
			if err != nil {
				return err
			}
			e.Seq = seq
			return putAccess(tx, []accessRecord{{e: e, value: encodeAccess(e)}})
		}); err != nil {
			t.Fatal(err)
		}
		mustCheck(t, s)
		s.Close()
	}
}
