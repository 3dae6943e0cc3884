package storage

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// Keys are built fresh for every Put: bbolt keeps the slices until commit.

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// maxVisit is the last instant whose unix nanoseconds fit in an int64.
var maxVisit = time.Unix(0, math.MaxInt64)

// visitNanos is the sort key of a visit time.
func visitNanos(t time.Time) (uint64, error) {
	if t.Before(time.Unix(0, 0)) {
		return 0, fmt.Errorf("visit time %s is before 1970 and cannot be stored", t.Format(time.RFC3339))
	}
	if t.After(maxVisit) {
		return 0, fmt.Errorf("visit time %s is after 2262 and cannot be stored", t.Format(time.RFC3339))
	}
	return uint64(t.UnixNano()), nil
}

// clampNanos is visitNanos for query bounds: out-of-range times are moved to
// the nearest storable one.
func clampNanos(t time.Time) uint64 {
	switch {
	case t.Before(time.Unix(0, 0)):
		return 0
	case t.After(maxVisit):
		return math.MaxInt64
	}
	return uint64(t.UnixNano())
}

// visitKey is <visit unix ns><id>, the tail of every booking index key.
func visitKey(at time.Time, id domain.BookingID) ([]byte, error) {
	ns, err := visitNanos(at)
	if err != nil {
		return nil, err
	}
	return rawVisitKey(ns, id), nil
}

func rawVisitKey(ns uint64, id domain.BookingID) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, ns)
	binary.BigEndian.PutUint64(b[8:], uint64(id))
	return b
}

// prefixed is <prefix> 0x00 <tail>.
func prefixed(prefix string, tail []byte) []byte {
	b := make([]byte, 0, len(prefix)+1+len(tail))
	b = append(b, prefix...)
	b = append(b, 0)
	return append(b, tail...)
}

// splitVisitKey reads the <visit unix ns><id> tail of an index key.
func splitVisitKey(k []byte) (ns uint64, id domain.BookingID, err error) {
	if len(k) < 16 {
		return 0, 0, errors.New("index key too short")
	}
	t := k[len(k)-16:]
	return binary.BigEndian.Uint64(t), domain.BookingID(binary.BigEndian.Uint64(t[8:])), nil
}

// keyString shows a key in an error message: a number when it is one.
// patientRef names a key that holds an identity number in an error without
// the number: a short hash, the same for the same key, so that an operator
// can match reports without patient data reaching a log.
func patientRef(k []byte) string {
	sum := sha256.Sum256(k)
	return "#" + hex.EncodeToString(sum[:5])
}

func keyString(k []byte) string {
	if len(k) == 8 {
		return strconv.FormatUint(binary.BigEndian.Uint64(k), 10)
	}
	return fmt.Sprintf("%q", k)
}

// bookingIndexKeys are the index entries of one booking record.
type bookingIndexKeys struct {
	visit, patient, state, exam []byte
}

// list is the entries of idx_visit, idx_patient, idx_state and idx_exam,
// in the order of bookingIndexes.
func (k bookingIndexKeys) list() [][]byte { return [][]byte{k.visit, k.patient, k.state, k.exam} }

// bookingIndexes are the indexes every booking has one entry in.
var bookingIndexes = [][]byte{bucketIdxVisit, bucketIdxPatient, bucketIdxState, bucketIdxExam}

func indexKeys(s domain.BookingSnapshot) (bookingIndexKeys, error) {
	vk, err := visitKey(s.VisitAt, s.ID)
	if err != nil {
		return bookingIndexKeys{}, fmt.Errorf("booking %d: %w", s.ID, err)
	}
	if s.Patient == "" || s.State == "" || s.Exam == "" {
		return bookingIndexKeys{}, fmt.Errorf("booking %d: patient, state or examination missing", s.ID)
	}
	return bookingIndexKeys{
		visit:   vk,
		patient: prefixed(s.Patient, vk),
		state:   prefixed(string(s.State), vk),
		exam:    prefixed(s.Exam, vk),
	}, nil
}
