package storage

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// A booking record is read on nearly every path: each tick's timers, each
// receipt, each row of the bookings screen. Until schema 12 it was JSON,
// and decoding it was a third of a page of the bookings screen and a fifth
// of building a region's demo. Since schema 12 it is this binary form:
//
//	0x01                       the format
//	id                         uvarint
//	patient, patient_kind,     strings (uvarint length, then the bytes)
//	exam, site
//	visit_at                   time (below)
//	duration                   varint nanoseconds
//	state                      string
//	flags                      uvarint, bit i = boolFields[i]
//	reasons                    uvarint count, then strings
//	created_at, created_by,    time, string, time, varint
//	updated_at, rebooks
//	timers                     uvarint count, then seq uvarint, kind string, due time
//	timer_seq, summons_message uvarint, string
//	sent_at, delivered_at,     times
//	opened_at
//	reminders                  uvarint count, then strings
//	letters                    uvarint count, then id, day, visit_at, purpose,
//	                           state, printed_at
//	last_letter_at,            times
//	last_sms_at, cancelled_at,
//	voided_visit
//
// A time is 0 for the zero time, or 1, the Unix seconds (varint), the
// nanoseconds (uvarint) and the zone's offset in seconds (varint). It is read
// back as JSON read it back: in UTC at offset 0, in the local zone where that
// zone had the offset at that instant, else at a fixed offset — so the
// records, the CLI's JSON and the screens show the same as before. The head
// (id, patient, kind, exam, site) comes first, so that a rebuild reads only
// that. Records written before schema 12 are JSON (they begin with '{'),
// and are still read.
const bookingRecordBinary = 0x01

// boolFields are the snapshot's flags, in their bit order. New flags go at
// the end.
var boolFields = [...]func(*domain.BookingSnapshot) *bool{
	func(s *domain.BookingSnapshot) *bool { return &s.Digital },
	func(s *domain.BookingSnapshot) *bool { return &s.Paper },
	func(s *domain.BookingSnapshot) *bool { return &s.PaperSent },
	func(s *domain.BookingSnapshot) *bool { return &s.FallbackSent },
	func(s *domain.BookingSnapshot) *bool { return &s.PhoneTask },
	func(s *domain.BookingSnapshot) *bool { return &s.HandOver },
	func(s *domain.BookingSnapshot) *bool { return &s.LateRequest },
	func(s *domain.BookingSnapshot) *bool { return &s.ToldDigital },
	func(s *domain.BookingSnapshot) *bool { return &s.ToldPaper },
	func(s *domain.BookingSnapshot) *bool { return &s.Outdated },
	func(s *domain.BookingSnapshot) *bool { return &s.RecheckEnv },
}

// encodeBookingRecord is a booking's record in the binary form.
func encodeBookingRecord(s *domain.BookingSnapshot) []byte {
	e := recordEncoder{b: make([]byte, 0, 256)}
	e.b = append(e.b, bookingRecordBinary)
	e.uvarint(uint64(s.ID))
	e.str(s.Patient)
	e.str(s.PatientK)
	e.str(s.Exam)
	e.str(s.Site)
	e.time(s.VisitAt)
	e.varint(int64(s.Duration))
	e.str(string(s.State))
	var flags uint64
	for i, f := range boolFields {
		if *f(s) {
			flags |= 1 << i
		}
	}
	e.uvarint(flags)
	e.uvarint(uint64(len(s.Reasons)))
	for _, r := range s.Reasons {
		e.str(string(r))
	}
	e.time(s.CreatedAt)
	e.str(s.CreatedBy)
	e.time(s.UpdatedAt)
	e.varint(int64(s.Rebooks))
	e.uvarint(uint64(len(s.Timers)))
	for _, t := range s.Timers {
		e.uvarint(uint64(t.Seq))
		e.str(string(t.Kind))
		e.time(t.Due)
	}
	e.uvarint(uint64(s.TimerSeq))
	e.str(s.SummonsMsg)
	e.time(s.SentAt)
	e.time(s.DeliveredAt)
	e.time(s.OpenedAt)
	e.uvarint(uint64(len(s.Reminders)))
	for _, r := range s.Reminders {
		e.str(r)
	}
	e.uvarint(uint64(len(s.Letters)))
	for _, l := range s.Letters {
		e.str(l.ID)
		e.str(l.Day)
		e.time(l.VisitAt)
		e.str(string(l.Purpose))
		e.str(string(l.State))
		e.time(l.PrintedAt)
	}
	e.time(s.LastLetterAt)
	e.time(s.LastSMSAt)
	e.time(s.CancelledAt)
	e.time(s.VoidedVisit)
	return e.b
}

// decodeBookingRecord reads a record in either form into s; head stops
// after the head (id, patient, kind, exam and site).
func decodeBookingRecord(v []byte, s *domain.BookingSnapshot, head bool) error {
	if len(v) > 0 && v[0] == '{' {
		return json.Unmarshal(v, s)
	}
	if len(v) == 0 || v[0] != bookingRecordBinary {
		return errors.New("not a booking record")
	}
	d := recordDecoder{b: v[1:]}
	s.ID = domain.BookingID(d.uvarint())
	s.Patient = d.str()
	s.PatientK = d.str()
	s.Exam = d.str()
	s.Site = d.str()
	if head {
		return d.err
	}
	s.VisitAt = d.time()
	s.Duration = time.Duration(d.varint())
	s.State = domain.BookingState(d.str())
	flags := d.uvarint()
	if flags>>len(boolFields) != 0 && d.err == nil {
		d.err = fmt.Errorf("unknown flags %#x", flags)
	}
	for i, f := range boolFields {
		*f(s) = flags&(1<<i) != 0
	}
	if n := d.count(); n > 0 {
		s.Reasons = make([]domain.Reason, n)
		for i := range s.Reasons {
			s.Reasons[i] = domain.Reason(d.str())
		}
	}
	s.CreatedAt = d.time()
	s.CreatedBy = d.str()
	s.UpdatedAt = d.time()
	s.Rebooks = int(d.varint())
	if n := d.count(); n > 0 {
		s.Timers = make([]domain.Timer, n)
		for i := range s.Timers {
			s.Timers[i] = domain.Timer{Seq: d.uint32(), Kind: domain.TimerKind(d.str()), Due: d.time()}
		}
	}
	s.TimerSeq = d.uint32()
	s.SummonsMsg = d.str()
	s.SentAt = d.time()
	s.DeliveredAt = d.time()
	s.OpenedAt = d.time()
	if n := d.count(); n > 0 {
		s.Reminders = make([]string, n)
		for i := range s.Reminders {
			s.Reminders[i] = d.str()
		}
	}
	if n := d.count(); n > 0 {
		s.Letters = make([]domain.LetterRecord, n)
		for i := range s.Letters {
			s.Letters[i] = domain.LetterRecord{ID: d.str(), Day: d.str(), VisitAt: d.time(),
				Purpose: domain.Purpose(d.str()), State: domain.LetterState(d.str()), PrintedAt: d.time()}
		}
	}
	s.LastLetterAt = d.time()
	s.LastSMSAt = d.time()
	s.CancelledAt = d.time()
	s.VoidedVisit = d.time()
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d bytes after the record", len(d.b))
	}
	return d.err
}

// A patient record is binary since schema 12 too (0x02, then id, kind,
// name, the address's street, postal code and city, phone, interpreter,
// flags (uvarint, bit i = patientFlags[i]) and the guardians: a count, then
// name, street, postal code, city and phone each). Records written before
// are JSON, and are still read.
const patientRecordBinary = 0x02

var patientFlags = [...]func(*domain.PatientSnapshot) *bool{
	func(s *domain.PatientSnapshot) *bool { return &s.Has1177Account },
	func(s *domain.PatientSnapshot) *bool { return &s.NotificationsEnabled },
	func(s *domain.PatientSnapshot) *bool { return &s.SMSReminders },
	func(s *domain.PatientSnapshot) *bool { return &s.Protected },
	func(s *domain.PatientSnapshot) *bool { return &s.PaperDeclined },
}

// encodePatientRecord is a patient's record in the binary form.
func encodePatientRecord(s *domain.PatientSnapshot) []byte {
	e := recordEncoder{b: make([]byte, 0, 128)}
	e.b = append(e.b, patientRecordBinary)
	e.str(s.ID)
	e.str(s.Kind)
	e.str(s.Name)
	e.address(s.Address)
	e.str(s.Phone)
	e.str(s.Interpreter)
	var flags uint64
	for i, f := range patientFlags {
		if *f(s) {
			flags |= 1 << i
		}
	}
	e.uvarint(flags)
	e.uvarint(uint64(len(s.Guardians)))
	for _, g := range s.Guardians {
		e.str(g.Name)
		e.address(g.Address)
		e.str(g.Phone)
	}
	return e.b
}

// decodePatientRecord reads a patient record in either form into s.
func decodePatientRecord(v []byte, s *domain.PatientSnapshot) error {
	if len(v) > 0 && v[0] == '{' {
		return json.Unmarshal(v, s)
	}
	if len(v) == 0 || v[0] != patientRecordBinary {
		return errors.New("not a patient record")
	}
	d := recordDecoder{b: v[1:]}
	s.ID = d.str()
	s.Kind = d.str()
	s.Name = d.str()
	s.Address = d.address()
	s.Phone = d.str()
	s.Interpreter = d.str()
	flags := d.uvarint()
	if flags>>len(patientFlags) != 0 && d.err == nil {
		d.err = fmt.Errorf("unknown flags %#x", flags)
	}
	for i, f := range patientFlags {
		*f(s) = flags&(1<<i) != 0
	}
	if n := d.count(); n > 0 {
		s.Guardians = make([]domain.Guardian, n)
		for i := range s.Guardians {
			s.Guardians[i] = domain.Guardian{Name: d.str(), Address: d.address(), Phone: d.str()}
		}
	}
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d bytes after the record", len(d.b))
	}
	return d.err
}

// recordEncoder appends the parts of a binary record.
type recordEncoder struct{ b []byte }

func (e *recordEncoder) uvarint(x uint64) { e.b = binary.AppendUvarint(e.b, x) }
func (e *recordEncoder) varint(x int64)   { e.b = binary.AppendVarint(e.b, x) }

func (e *recordEncoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *recordEncoder) address(a domain.Address) {
	e.str(a.Street)
	e.str(a.PostalCode)
	e.str(a.City)
}

func (e *recordEncoder) time(t time.Time) {
	if t.IsZero() {
		e.b = append(e.b, 0)
		return
	}
	_, off := t.Zone()
	e.b = append(e.b, 1)
	e.varint(t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
	e.varint(int64(off))
}

// recordDecoder reads the parts of a binary record. The first malformed part
// sets err; every read after it returns the zero value, so a caller checks
// err once at the end.
type recordDecoder struct {
	b   []byte
	err error
}

func (d *recordDecoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("malformed %s at byte %d from the end", what, len(d.b))
	}
	d.b = nil
}

func (d *recordDecoder) uvarint() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("number")
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *recordDecoder) varint() int64 {
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("number")
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *recordDecoder) uint32() uint32 {
	x := d.uvarint()
	if x > math.MaxUint32 {
		d.fail("number")
		return 0
	}
	return uint32(x)
}

// count reads a list's length; a length the bytes left cannot hold (each
// element takes at least one byte) is malformed.
func (d *recordDecoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("list length")
		return 0
	}
	return int(n)
}

func (d *recordDecoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("text length")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *recordDecoder) address() domain.Address {
	return domain.Address{Street: d.str(), PostalCode: d.str(), City: d.str()}
}

func (d *recordDecoder) time() time.Time {
	if len(d.b) == 0 {
		d.fail("time")
		return time.Time{}
	}
	tag := d.b[0]
	d.b = d.b[1:]
	switch tag {
	case 0:
		return time.Time{}
	case 1:
	default:
		d.fail("time")
		return time.Time{}
	}
	sec, nsec, off := d.varint(), d.uvarint(), d.varint()
	if d.err != nil || nsec >= 1e9 || off <= -24*3600 || off >= 24*3600 {
		d.fail("time")
		return time.Time{}
	}
	return atOffset(time.Unix(sec, int64(nsec)), int(off))
}

// atOffset puts t at the zone offset off as time.Parse would for an
// RFC 3339 text with that offset: UTC at 0, the local zone where it had off
// at t, else a fixed zone.
func atOffset(t time.Time, off int) time.Time {
	if off == 0 {
		return t.UTC()
	}
	if _, local := t.Zone(); local == off {
		return t // time.Unix is local
	}
	return t.In(time.FixedZone("", off))
}

// migrateRecords (version 12) writes every booking and patient record in
// the binary form.
func migrateRecords(tx *bolt.Tx) error {
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return err
	}
	if err := rewriteBookings(context.Background(), bookings, func(*domain.BookingSnapshot) {}); err != nil {
		return err
	}
	patients, err := bucket(tx, bucketPatients)
	if err != nil {
		return err
	}
	return rewriteRecords(context.Background(), patients, func(k, v []byte) ([]byte, error) {
		var snap domain.PatientSnapshot
		if err := decodePatientRecord(v, &snap); err != nil {
			return nil, fmt.Errorf("patients/%s: %w", patientRef(k), err)
		}
		return encodePatientRecord(&snap), nil
	})
}
