package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// lastTxID is the id of the last write transaction committed.
func lastTxID(t *testing.T, s *Store) int {
	t.Helper()
	var id int
	if err := s.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

// A rebuild of a file whose figures agree with its events writes nothing:
// not one transaction is committed, in one chunk or in many.
func TestRebuild_WritesNothingWhereTheFiguresAgree(t *testing.T) {
	for _, many := range []bool{false, true} {
		if many {
			smallRebuildChunks(t)
		}
		s := openTest(t)
		knownHistory(t, s)
		want := storedAggregates(t, s)
		before := lastTxID(t, s)
		r, err := s.Rebuild(context.Background())
		if err != nil || r != (metrics.Rebuilt{Bookings: 4}) {
			t.Fatalf("chunks of one: %v: Rebuild = %+v, %v; want 4 bookings, nothing written", many, r, err)
		}
		if after := lastTxID(t, s); after != before {
			t.Errorf("chunks of one: %v: %d transactions committed", many, after-before)
		}
		if got := storedAggregates(t, s); !reflect.DeepEqual(got, want) {
			t.Errorf("chunks of one: %v: the aggregates changed:\n%v\nwant\n%v", many, got, want)
		}
	}
}

// Every kind of difference between what is kept and what the events say —
// a ledger, a fact or a row changed, missing or more, anywhere in the
// bucket, and a shadow a stopped rebuild left — makes the rebuild write, and
// what it writes is the recomputation.
func TestRebuild_MendsEveryKindOfDifference(t *testing.T) {
	put := func(name []byte, k, v []byte) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error { return tx.Bucket(name).Put(k, v) }
	}
	nth := func(name []byte, last bool, fn func(b *bolt.Bucket, k, v []byte) error) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			b := tx.Bucket(name)
			k, v := b.Cursor().First()
			if last {
				k, v = b.Cursor().Last()
			}
			return fn(b, slices.Clone(k), slices.Clone(v))
		}
	}
	changed := func(b *bolt.Bucket, k, v []byte) error {
		v[len(v)-1] ^= 1
		return b.Put(k, v)
	}
	deleted := func(b *bolt.Bucket, k, _ []byte) error { return b.Delete(k) }
	copied := func(b *bolt.Bucket, k, v []byte) error { // the same under a key no booking has
		k = bytes.Replace(k, u64(1), u64(999), 1)
		return b.Put(k, v)
	}
	for name, tamper := range map[string]func(tx *bolt.Tx) error{
		"a ledger changed":             nth(bucketAggBooking, true, changed),
		"the first ledger missing":     nth(bucketAggBooking, false, deleted),
		"the last ledger missing":      nth(bucketAggBooking, true, deleted),
		"a ledger of no booking":       nth(bucketAggBooking, true, func(b *bolt.Bucket, _, v []byte) error { return b.Put(u64(999), v) }),
		"a ledger under key 0":         nth(bucketAggBooking, true, func(b *bolt.Bucket, _, v []byte) error { return b.Put(u64(0), v) }),
		"a ledger under a long key":    nth(bucketAggBooking, true, func(b *bolt.Bucket, _, v []byte) error { return b.Put([]byte{0, 0, 0, 0, 0, 0, 0, 2, 1}, v) }),
		"one after the last booking's": nth(bucketAggBooking, true, func(b *bolt.Bucket, k, v []byte) error { return b.Put(append(k, 0), v) }),
		"a fact changed":               nth(bucketAggMember, true, changed),
		"two facts of a row swapped":   swapFacts,
		"a fact of no booking, summed": orphanFactSummed,
		"a ledger of a booking unsent": func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketAggBooking)
			_, v := b.Cursor().First()
			return b.Put(u64(5), slices.Clone(v))
		},
		"a fact missing":               nth(bucketAggMember, false, deleted),
		"a fact of no booking":         nth(bucketAggMember, false, copied),
		"a day row changed":            nth(bucketAggDay, false, changed),
		"a day row missing":            nth(bucketAggDay, true, deleted),
		"a day row with no facts":      put(bucketAggDay, []byte("2030-01-01|ekg24|ryhov|18_64|digital_only"), []byte{1}),
		"a day row after the last":     put(bucketAggDay, []byte("2099-01-01|ekg24|ryhov|18_64|digital_only"), []byte{1}),
		"a week row after the last":    put(bucketAggWeek, []byte("2099-W01|ekg24|ryhov|18_64|digital_only"), []byte{1}),
		"a week row changed":           nth(bucketAggWeek, true, changed),
		"a week row missing":           nth(bucketAggWeek, false, deleted),
		"the week rows gone":           func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketAggWeek) },
		"a stopped rebuild's shadow":   func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucketAggRebuild); return err },
		"a bucket inside the day rows": func(tx *bolt.Tx) error { _, err := tx.Bucket(bucketAggDay).CreateBucket([]byte("zz")); return err },
	} {
		for _, many := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/chunks_of_one=%v", name, many), func(t *testing.T) {
				if many {
					smallRebuildChunks(t)
				}
				s := openTest(t)
				knownHistory(t, s)
				// And a booking whose summons has not gone: no ledger, no fact.
				p := addPatient(t, s, pnrString(1990, 2, 3, 321), "Dag Dahl")
				if id := book(t, s, p, examECG, siteRyhov, aggBase.Add(40*24*time.Hour)).ID(); id != 5 {
					t.Fatalf("booking %d, want 5", id)
				}
				want := storedAggregates(t, s)
				if err := s.db.Update(tamper); err != nil {
					t.Fatal(err)
				}
				r, err := s.Rebuild(context.Background())
				if err != nil || r != (metrics.Rebuilt{Bookings: 5, Written: true}) {
					t.Fatalf("Rebuild = %+v, %v; want 5 bookings, written", r, err)
				}
				if got := storedAggregates(t, s); !reflect.DeepEqual(got, want) {
					t.Errorf("after Rebuild:\n%v\nwant\n%v", got, want)
				}
				mustCheck(t, s)
			})
		}
	}
}

// swapFacts swaps the values of two facts kept under one day row that
// differ: the row is still their sum, but each fact is the other's.
func swapFacts(tx *bolt.Tx) error {
	b := tx.Bucket(bucketAggMember)
	var prevK, prevV []byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		row := k[:bytes.IndexByte(k, 0)]
		if prevK != nil && bytes.HasPrefix(prevK, append(slices.Clone(row), 0)) && !bytes.Equal(prevV, v) {
			k, v := slices.Clone(k), slices.Clone(v)
			if err := b.Put(k, prevV); err != nil {
				return err
			}
			return b.Put(prevK, v)
		}
		prevK, prevV = slices.Clone(k), slices.Clone(v)
	}
	return errors.New("no two facts of one row differ")
}

// orphanFactSummed keeps a copy of a fact under a booking that has none,
// and adds it into its day and week rows: the rows are the sums of the
// facts kept, but one fact kept is no booking's.
func orphanFactSummed(tx *bolt.Tx) error {
	members := tx.Bucket(bucketAggMember)
	k, v := members.Cursor().First()
	f, err := decodeMember(k, v)
	if err != nil {
		return err
	}
	f.Booking = 999
	data, err := encodeMember(f)
	if err != nil {
		return err
	}
	if err := members.Put(memberKey(f, 0), data); err != nil {
		return err
	}
	wk, err := weekRowKey(f.Key)
	if err != nil {
		return err
	}
	var one metrics.Totals
	one.Add(f, 1)
	for name, key := range map[string][]byte{string(bucketAggDay): dayRowKey(f.Key), string(bucketAggWeek): wk} {
		b := tx.Bucket([]byte(name))
		row, err := addToEncoded(b.Get(key), one)
		if err != nil {
			return err
		}
		if err := b.Put(key, row); err != nil {
			return err
		}
	}
	return nil
}

// roomToGrow leaves s's file with free pages for the writes of a test made
// while read transactions are open: a write that has to grow the file's
// map waits for them, which the goroutine holding them would wait for too.
func roomToGrow(t *testing.T, s *Store) {
	t.Helper()
	for _, step := range []func(tx *bolt.Tx) error{
		func(tx *bolt.Tx) error {
			b, err := tx.CreateBucket([]byte("scratch"))
			if err != nil {
				return err
			}
			return b.Put([]byte("k"), make([]byte, 4<<20))
		},
		func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("scratch")) },
	} {
		if err := s.db.Update(step); err != nil {
			t.Fatal(err)
		}
	}
}

// The loop and staff go on writing while the rebuild compares: it compares
// one state of the file, as it was when it began, so the writes meanwhile
// (kept right by their own transactions) neither look like a difference nor
// hide one.
func TestRebuild_ComparesOneStateWhileOthersWrite(t *testing.T) {
	smallRebuildChunks(t)
	s := openTest(t)
	ctx := context.Background()
	ids := knownHistory(t, s)
	roomToGrow(t, s)
	p := addPatient(t, s, pnrString(1990, 2, 3, 321), "Dag Dahl")
	chunk := 0
	rebuildCheckHook = func() {
		chunk++
		if chunk != 1 { // the comparison has begun, no chunk read yet
			return
		}
		id := book(t, s, p, examECG, siteRyhov, aggBase.Add(15*24*time.Hour)).ID()
		fire(t, s, aggBase.Add(time.Hour))
		receipt(t, s, id, domain.ReceiptDelivered, aggBase.Add(2*time.Hour))
		// The child's summons opened: a figure changes.
		receipt(t, s, ids["child"], domain.ReceiptOpened, aggBase.Add(2*time.Hour))
		if _, err := s.UpdateBooking(ctx, ids["child"], func(b *domain.Booking, _ []*domain.Booking) error {
			return b.Cancel(aggBase.Add(3*time.Hour), actor, "")
		}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.Rebuild(ctx)
	if err != nil || r != (metrics.Rebuilt{Bookings: 4}) {
		t.Fatalf("Rebuild = %+v, %v; want the 4 bookings there were when it began, nothing written", r, err)
	}
	if chunk != 5 {
		t.Fatalf("%d calls of the hook, want 5: the beginning and 4 chunks", chunk)
	}
	if err := aggregateDiff(s); err != nil {
		t.Fatalf("after a rebuild with writes meanwhile: %v", err)
	}
	// And a rebuild now finds the five bookings, still nothing to write.
	if r, err := s.Rebuild(ctx); err != nil || r != (metrics.Rebuilt{Bookings: 5}) {
		t.Fatalf("Rebuild = %+v, %v; want 5 bookings, nothing written", r, err)
	}
}
