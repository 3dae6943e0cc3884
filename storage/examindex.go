package storage

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// idx_exam (schema version 14) lists the bookings by examination, then
// visit: the bookings screen filtered by examination reads the entries of
// that examination only. Before it the filter walked idx_visit and read
// every booking to pass by the other examinations' — at a million
// bookings, five lookups in the bookings bucket for each row shown, which
// made a filter keystroke cost 1.7 times what it cost at 10,000.

// examIndexChunk is how many bookings buildExamIndex indexes per
// transaction.
var examIndexChunk = 20000

// buildExamIndex (migration 14, ahead) indexes every booking by its
// examination, in transactions of examIndexChunk bookings: the index is
// made anew from its first, so an upgrade stopped half-way starts it again.
func buildExamIndex(db *bolt.DB) error {
	var from []byte
	for first := true; ; first = false {
		var last []byte
		err := db.Update(func(tx *bolt.Tx) error {
			if first {
				if tx.Bucket(bucketIdxExam) != nil {
					if err := tx.DeleteBucket(bucketIdxExam); err != nil {
						return err
					}
				}
				if _, err := tx.CreateBucket(bucketIdxExam); err != nil {
					return err
				}
			}
			var err error
			last, err = indexExams(tx, from, examIndexChunk)
			return err
		})
		if err != nil || last == nil {
			return err
		}
		from = last
	}
}

// migrateExamIndex (version 14) makes idx_exam whole when buildExamIndex
// has not (runMigrations called on its own, when migration 3's putBooking
// filled part of it): an index with as many entries as idx_visit was built
// ahead, whole; another is built anew.
func migrateExamIndex(tx *bolt.Tx) error {
	if byExam := tx.Bucket(bucketIdxExam); byExam != nil {
		if countKeys(byExam) == countKeys(tx.Bucket(bucketIdxVisit)) {
			return nil
		}
		if err := tx.DeleteBucket(bucketIdxExam); err != nil {
			return err
		}
	}
	if _, err := tx.CreateBucket(bucketIdxExam); err != nil {
		return err
	}
	_, err := indexExams(tx, nil, 0)
	return err
}

// countKeys is how many keys b holds, read one by one (bbolt's Stats walks
// every page as well).
func countKeys(b *bolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// indexExams puts the idx_exam entries of the bookings idx_visit lists
// after key after (nil: from the first), up to max of them (0: all), and
// returns the last idx_visit key it read (nil: none was left).
func indexExams(tx *bolt.Tx, after []byte, max int) ([]byte, error) {
	visit, err := bucket(tx, bucketIdxVisit)
	if err != nil {
		return nil, err
	}
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return nil, err
	}
	byExam, err := bucket(tx, bucketIdxExam)
	if err != nil {
		return nil, err
	}
	type entry struct{ k []byte }
	var (
		puts []entry
		last []byte
		get  = exactGetter{bookings.Cursor()}
	)
	c := visit.Cursor()
	k, _ := c.First()
	if after != nil {
		k, _ = c.Seek(after)
		if bytes.Equal(k, after) {
			k, _ = c.Next()
		}
	}
	for n := 0; k != nil && (max == 0 || n < max); k, _ = c.Next() {
		n++
		last = bytes.Clone(k)
		_, id, err := splitVisitKey(k)
		if err != nil {
			return nil, fmt.Errorf("%s/%x: %w", bucketIdxVisit, k, err)
		}
		key := u64(uint64(id))
		v := get.get(key)
		if v == nil {
			return nil, fmt.Errorf("%s: entry for missing booking %s", bucketIdxVisit, id)
		}
		head, err := decodeBookingHead(key, v)
		if err != nil {
			return nil, err
		}
		if head.Exam == "" {
			return nil, fmt.Errorf("bookings/%s: no examination", id)
		}
		puts = append(puts, entry{prefixed(head.Exam, last)})
	}
	// Written after the walk: a cursor is not to be trusted across a Put.
	for _, e := range puts {
		if err := byExam.Put(e.k, []byte{}); err != nil {
			return nil, err
		}
	}
	return last, nil
}
