package storage

import (
	"context"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// A file of version 13 has no idx_exam: the upgrade builds it, in several
// transactions, even after an upgrade stopped half-way left part of one,
// and the list filtered by examination reads it as the whole list
// filtered reads the records.
func TestMigration_V13ToCurrentIndexesExaminations(t *testing.T) {
	path := fillStore(t, true)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketIdxExam); err != nil {
			return err
		}
		// What an upgrade stopped half-way leaves: part of the index, one
		// entry of it wrong.
		byExam, err := tx.CreateBucket(bucketIdxExam)
		if err != nil {
			return err
		}
		if _, err := indexExams(tx, nil, 4); err != nil {
			return err
		}
		if err := byExam.Put(prefixed("ekg24", rawVisitKey(1, 999)), []byte{}); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(13))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer func(n int) { examIndexChunk = n }(examIndexChunk)
	examIndexChunk = 7
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(); err != nil || v != currentSchemaVersion || v != 18 {
		t.Fatalf("version = %d, %v; want 18", v, err)
	}
	mustCheck(t, s)
	ctx := context.Background()
	all, err := s.Bookings(ctx, domain.BookingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range testExams {
		got, err := s.Bookings(ctx, domain.BookingQuery{Exam: e.Code})
		if err != nil {
			t.Fatal(err)
		}
		var want []domain.BookingID
		for _, b := range all {
			if b.Exam() == e.Code {
				want = append(want, b.ID())
			}
		}
		var gotIDs []domain.BookingID
		for _, b := range got {
			gotIDs = append(gotIDs, b.ID())
		}
		if len(want) == 0 || !reflect.DeepEqual(gotIDs, want) {
			t.Errorf("bookings of %s: %v, want %v", e.Code, gotIDs, want)
		}
	}
}
