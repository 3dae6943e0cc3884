package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// filledStore is a closed database file with patients, bookings, their
// timers, events, aggregates and access-log entries.
func filledStore(t *testing.T) string {
	t.Helper()
	return fillStore(t, false)
}

// fillStore is filledStore; with sent, the loop has sent the summonses too,
// so that the bookings have facts and ledgers.
func fillStore(t *testing.T, sent bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kallelse.db")
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 30 {
		p := addPatient(t, s, pnrString(1950+i, 1+i%12, 1+i%28, 100+i), "Anna Andersson")
		b := book(t, s, p, testExams[i%3], testSites[i%2], t0.Add(time.Duration(50+i)*time.Hour))
		if err := s.LogAccess(ctx, []domain.AccessEntry{{At: t0, User: "sekr1", Role: domain.RoleSekreterare,
			Unit: "KF", Patient: p.ID(), Booking: b.ID(), Action: domain.AccessViewBooking, Via: "cli"}}); err != nil {
			t.Fatal(err)
		}
	}
	if sent {
		now := t0.Add(time.Hour)
		if _, _, err := s.FireDue(ctx, now, 1000, nil, func(b *domain.Booking, p domain.Patient) error {
			return b.FireDue(fireEnv(p, examOf(b.Exam()), now))
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func checkFile(t *testing.T, path string) CheckReport {
	t.Helper()
	s, err := Open(path, Options{noSync: true, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := s.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestCheck_HealthyFilePasses(t *testing.T) {
	rep := checkFile(t, filledStore(t))
	if !rep.OK() {
		t.Fatalf("problems in a healthy file: %+v", rep.Problems)
	}
	if rep.Counted["bookings"] != 30 || rep.Counted["patients"] != 30 || rep.Counted["access_entries"] != 30 ||
		rep.Counted["events"] == 0 || rep.Counted["report_facts"] < 0 || rep.SchemaVersion != currentSchemaVersion {
		t.Fatalf("counted %v, schema %d", rep.Counted, rep.SchemaVersion)
	}
}

// damage opens the file with bbolt directly and changes it behind the
// store's back.
func damage(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func firstKey(tx *bolt.Tx, name []byte) []byte {
	k, _ := tx.Bucket(name).Cursor().First()
	return append([]byte(nil), k...)
}

func TestCheck_FindsEveryKindOfDisagreement(t *testing.T) {
	cases := []struct {
		name, area string
		fn         func(tx *bolt.Tx) error
		sent       bool // the summonses have gone (fillStore)
	}{
		{"visit index entry missing", "idx_visit", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIdxVisit).Delete(firstKey(tx, bucketIdxVisit))
		}, false},
		{"state index entry pointing nowhere", "idx_state", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIdxState).Put(prefixed("booked", rawVisitKey(1, 999)), []byte{})
		}, false},
		{"patient index entry missing", "idx_patient", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIdxPatient).Delete(firstKey(tx, bucketIdxPatient))
		}, false},
		{"examination index entry missing", "idx_exam", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIdxExam).Delete(firstKey(tx, bucketIdxExam))
		}, false},
		{"examination index entry under another examination", "idx_exam", func(tx *bolt.Tx) error {
			k := firstKey(tx, bucketIdxExam)
			_, tail, _ := bytes.Cut(k, []byte{0})
			if err := tx.Bucket(bucketIdxExam).Delete(k); err != nil {
				return err
			}
			return tx.Bucket(bucketIdxExam).Put(prefixed("no-such-exam", tail), []byte{})
		}, false},
		{"name word missing", "idx_patient_name", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIdxPatientName).Delete(firstKey(tx, bucketIdxPatientName))
		}, false},
		{"name index entry holding another name", "idx_patient_name", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIdxPatientName).Put(firstKey(tx, bucketIdxPatientName), []byte("anna berg"))
		}, false},
		{"timer never firing", "idx_timer_due", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIdxTimerDue).Delete(firstKey(tx, bucketIdxTimerDue))
		}, false},
		{"event log gap", "events", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketEvents).Delete(u64(2))
		}, false},
		{"aggregate row changed", "agg_week", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketAggWeek).Put([]byte("2030-W10|ekg24|ryhov|18-64|x"), []byte{1, 2, 3})
		}, false},
		{"report fact unreadable", "agg_member", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketAggMember).Put(firstKey(tx, bucketAggMember), []byte{1, 0xff})
		}, true},
		{"report fact still JSON (a migration to 13 not finished)", "agg_member", func(tx *bolt.Tx) error {
			k := firstKey(tx, bucketAggMember)
			f, err := decodeMember(k, tx.Bucket(bucketAggMember).Get(k))
			if err != nil {
				return err
			}
			js, err := json.Marshal(f)
			if err != nil {
				return err
			}
			return tx.Bucket(bucketAggMember).Put(k, js)
		}, true},
		{"booking's ledger missing", "agg_booking", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketAggBooking).Delete(firstKey(tx, bucketAggBooking))
		}, true},
		{"booking's ledger changed", "agg_booking", func(tx *bolt.Tx) error {
			k := firstKey(tx, bucketAggBooking)
			l, err := getLedger(tx.Bucket(bucketAggBooking), k)
			if err != nil {
				return err
			}
			l.LastSeq++
			return putLedger(tx.Bucket(bucketAggBooking), k, &l)
		}, true},
		{"ledger of no booking", "agg_booking", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketAggBooking).Put(u64(999), []byte(`{}`))
		}, false},
		{"access log gap", "access", func(tx *bolt.Tx) error {
			if _, err := foldAccess(tx, 1000); err != nil {
				return err
			}
			return tx.Bucket(bucketAccess).Delete(u64(3))
		}, false},
		{"access entry filed under another patient", "idx_access_patient", func(tx *bolt.Tx) error {
			if _, err := foldAccess(tx, 1000); err != nil {
				return err
			}
			idx := tx.Bucket(bucketIdxAccessPat)
			k, _ := idx.Cursor().First()
			moved := bytes.Clone(k)
			moved[0] ^= 1 // another identity number, the same count
			if err := idx.Delete(bytes.Clone(k)); err != nil {
				return err
			}
			return idx.Put(moved, []byte{})
		}, false},
		{"access log gap among the recent entries", "access_recent", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketAccessRecent).Delete(u64(3))
		}, false},
		{"access entry folded twice", "idx_access_patient", func(tx *bolt.Tx) error {
			if _, err := foldAccess(tx, 2); err != nil {
				return err
			}
			k, v := tx.Bucket(bucketAccessRecent).Cursor().First()
			return tx.Bucket(bucketAccess).Put(bytes.Clone(k), bytes.Clone(v))
		}, false},
		{"outbox message not registered", "outbox", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketOutbox).Put([]byte("m-stray"), []byte(`{"message":{"id":"m-stray","booking":1}}`))
		}, false},
		{"booking count wrong", "meta", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keyBookingCount, u64(7))
		}, false},
		{"outbox counter wrong", "meta", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keyOutboxFailing, u64(2))
		}, false},
		{"outbox due index entry pointing nowhere", "idx_outbox_due", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketIdxOutboxDue).Put(outboxDueKey(t0, "m-gone"), []byte{})
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := fillStore(t, tc.sent)
			damage(t, path, tc.fn)
			rep := checkFile(t, path)
			if rep.OK() {
				t.Fatal("check found nothing")
			}
			found := false
			for _, p := range rep.Problems {
				found = found || p.Area == tc.area
				if strings.Contains(p.Detail, "19500101") {
					t.Errorf("a problem names an identity number: %s", p.Detail)
				}
			}
			if !found {
				t.Fatalf("no problem in %s: %+v", tc.area, rep.Problems)
			}
		})
	}
}

func TestCheck_ReportIsBounded(t *testing.T) {
	path := filledStore(t)
	damage(t, path, func(tx *bolt.Tx) error {
		for i := range 40 {
			if err := tx.Bucket(bucketIdxVisit).Put(rawVisitKey(uint64(i), domain.BookingID(1000+i)), []byte{}); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketIdxVisit).Delete(firstKey(tx, bucketIdxVisit))
	})
	_ = errors.New
	rep := checkFile(t, path)
	if len(rep.Problems) > MaxProblemsPerArea*2 || rep.OK() {
		t.Fatalf("%d problems, %d omitted", len(rep.Problems), rep.Omitted)
	}
}

// copyWith writes a copy of the file changed by fn.
func copyWith(t *testing.T, path string, fn func([]byte) []byte) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(out, fn(append([]byte(nil), data...)), 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpen_RefusesDamagedFilesWithAReason(t *testing.T) {
	path := filledStore(t)
	// Half of the pages its header counts (bbolt grows a file ahead of
	// them: half the file may still hold them all).
	head, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	meta, why := bestMeta(head)
	if why != "" {
		t.Fatal(why)
	}
	size := int(meta.pgid) * int(meta.pageSize)
	cases := []struct {
		name string
		fn   func([]byte) []byte
		want string
	}{
		{"empty", func([]byte) []byte { return nil }, "empty"},
		{"truncated to one page", func(b []byte) []byte { return b[:4096] }, "truncated"},
		{"truncated by half", func(b []byte) []byte { return b[:size/2] }, "truncated"},
		{"a few bytes", func(b []byte) []byte { return b[:10] }, "truncated"},
		{"foreign", func([]byte) []byte { return []byte(strings.Repeat("PK\x03\x04 not a database ", 500)) }, "not a Kallelse database"},
		{"both headers flipped", func(b []byte) []byte { b[20] ^= 0x40; b[4096+20] ^= 0x40; return b }, "header"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bad := copyWith(t, path, tc.fn)
			before, _ := os.ReadFile(bad)
			_, err := Open(bad, Options{noSync: true})
			var de *DamagedError
			if !errors.As(err, &de) || !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v, want a DamagedError saying %q", err, tc.want)
			}
			after, _ := os.ReadFile(bad)
			if string(before) != string(after) {
				t.Fatal("Open changed a file it refused")
			}
		})
	}
}

func TestOpen_OneHeaderFlippedStillOpensFromTheOther(t *testing.T) {
	path := filledStore(t)
	bad := copyWith(t, path, func(b []byte) []byte { b[20] ^= 0x01; return b })
	rep := checkFile(t, bad)
	if !rep.OK() || rep.Counted["bookings"] != 30 {
		t.Fatalf("check after one header flipped: %+v %v", rep.Problems, rep.Counted)
	}
}

func TestOpen_MustExistNeverCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "typo", "kallelse.db")
	_, err := Open(path, Options{MustExist: true})
	if !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open = %v, want ErrNoDatabase naming the path", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the folder was created: %v", err)
	}
}

// A bit flipped inside a record (a booking's state): the file opens,
// and check finds the record that no longer reads or no longer matches its
// indexes. (The sweep over every page is in check_sweep_test.go.)
func TestCheck_AFlippedBitInARecordIsFound(t *testing.T) {
	path := filledStore(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Booking 1's record as stored, and its state in it.
	var rec []byte
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		rec = append(rec, tx.Bucket(bucketBookings).Get(u64(1))...)
		return nil
	})
	db.Close()
	at := bytes.Index(data, rec)
	state := bytes.Index(rec, []byte("\x06booked")) // after its length
	if len(rec) == 0 || at < 0 || state < 0 {
		t.Fatal("no booking record found in the file")
	}
	at += state
	bad := copyWith(t, path, func(b []byte) []byte { b[at+2] ^= 0x01; return b }) // "booked" becomes "bnoked"
	rep := checkFile(t, bad)
	if rep.OK() {
		t.Fatal("check found nothing")
	}
	if !strings.Contains(rep.Problems[0].Area, "booking") && !strings.Contains(rep.Problems[0].Area, "idx_state") {
		t.Fatalf("problems %+v", rep.Problems)
	}
}

// A branch page that points back to itself makes a cycle: check says which
// page, at once, instead of following it round until memory is gone.
func TestCheck_APageReachedTwiceIsFoundNotFollowed(t *testing.T) {
	path := filledStore(t)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps := 4096
	branch := -1
	rootTree := map[uint64]bool{} // a cycle there is refused at Open (below)
	if why, err := walkTree(path, 0, false, func(id uint64) { rootTree[id] = true }); why != "" || err != nil {
		t.Fatal(why, err)
	}
	// A page in use: a free page that looks like a branch (left by an older
	// transaction) is reached by nothing, and damage to it is no damage.
	inUse := map[uint64]bool{}
	if why, err := walkTree(path, 0, true, func(id uint64) { inUse[id] = true }); why != "" || err != nil {
		t.Fatal(why, err)
	}
	for pg := 2; pg*ps+pageHeaderSize <= len(raw); pg++ {
		p := raw[pg*ps:]
		if binary.LittleEndian.Uint16(p[8:])&pageBranchFlag != 0 && binary.LittleEndian.Uint16(p[10:]) > 1 &&
			binary.LittleEndian.Uint64(p) == uint64(pg) && !rootTree[uint64(pg)] && inUse[uint64(pg)] {
			branch = pg
			break
		}
	}
	if branch < 0 {
		t.Fatal("the filled store has no branch page to damage")
	}
	bad := copyWith(t, path, func(b []byte) []byte {
		binary.LittleEndian.PutUint64(b[branch*ps+pageHeaderSize+elemSize+8:], uint64(branch)) // its second child: itself
		return b
	})
	rep := checkFile(t, bad)
	if rep.OK() || !strings.Contains(fmt.Sprint(rep.Problems), fmt.Sprintf("page %d: reached twice", branch)) {
		t.Fatalf("check: %+v", rep.Problems)
	}
	// The report still says which version the file is (it said 0).
	if rep.SchemaVersion != currentSchemaVersion {
		t.Errorf("schema version %d in the report of a file whose pages fail", rep.SchemaVersion)
	}
}

// A cycle in the root bucket's own pages (the list of buckets) is refused
// when the file is opened: bbolt would list the buckets for ever.
func TestOpen_ACycleInTheListOfBucketsIsRefused(t *testing.T) {
	path := filledStore(t)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error { // enough buckets for the list to need a branch page
		for i := range 400 {
			b, err := tx.CreateBucket([]byte(fmt.Sprintf("extra-bucket-with-a-long-name-%04d", i)))
			if err != nil {
				return err
			}
			if err := b.Put([]byte("k"), bytes.Repeat([]byte("v"), 64)); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	meta, why := bestMeta(raw[:2*maxBoltPageSize])
	if why != "" {
		t.Fatal(why)
	}
	root := int(meta.root)
	ps := int(meta.pageSize)
	if binary.LittleEndian.Uint16(raw[root*ps+8:])&pageBranchFlag == 0 {
		t.Fatal("the list of buckets has no branch page")
	}
	bad := copyWith(t, path, func(b []byte) []byte {
		binary.LittleEndian.PutUint64(b[root*ps+pageHeaderSize+elemSize+8:], uint64(root)) // its second child: itself
		return b
	})
	_, err = Open(bad, Options{noSync: true, MustExist: true})
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), fmt.Sprintf("page %d: reached twice", root)) {
		t.Fatalf("Open = %v, want the file refused as damaged at page %d", err, root)
	}
}
