package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/binrec"
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
//	staff_since                time (a record starting bookingRecordSince)
//
// A time is binrec's Time: the instant and its zone's offset, read back as
// JSON read it back, so that the records, the CLI's JSON and the screens
// show the same as before. The head
// (id, patient, kind, exam, site) comes first, so that a rebuild reads only
// that. Records written before schema 12 are JSON (they begin with '{'),
// and are still read.
const bookingRecordBinary = 0x01

// bookingRecordSince is the first byte of a booking record written since
// schema 17: the same, then staff_since. A format byte of its own rather
// than an optional field at the end, so that a record cut short there is
// still found damaged.
const bookingRecordSince = 0x05

// isBookingRecord tells a binary booking record by its first byte.
func isBookingRecord(v []byte) bool {
	return len(v) > 0 && (v[0] == bookingRecordBinary || v[0] == bookingRecordSince)
}

// bookingFlags are the snapshot's flags, in their bit order. New flags go
// at the end. A static function rather than a table of functions, so that
// the snapshot a record is decoded into stays on the decoder's stack (a call
// through a function value lets it escape): the bookings screen decodes a
// hundred a page.
func bookingFlags(s *domain.BookingSnapshot) [18]*bool {
	return [...]*bool{&s.Digital, &s.Paper, &s.PaperSent, &s.FallbackSent, &s.PhoneTask, &s.HandOver,
		&s.LateRequest, &s.ToldDigital, &s.ToldPaper, &s.Outdated, &s.RecheckEnv, &s.HandedOver, &s.VoidedHanded,
		&s.Phoned, &s.VoidedPhoned, &s.NoticeReach, &s.CancelTold, &s.CancelUndone}
}

// encodeBookingRecord is a booking's record in the binary form.
func encodeBookingRecord(s *domain.BookingSnapshot) []byte {
	e := binrec.Encoder{B: make([]byte, 0, 256)}
	e.B = append(e.B, bookingRecordSince)
	e.Uvarint(uint64(s.ID))
	e.String(s.Patient)
	e.String(s.PatientK)
	e.String(s.Exam)
	e.String(s.Site)
	e.Time(s.VisitAt)
	e.Varint(int64(s.Duration))
	e.String(string(s.State))
	var flags uint64
	for i, f := range bookingFlags(s) {
		if *f {
			flags |= 1 << i
		}
	}
	e.Uvarint(flags)
	binrec.List(&e, s.Reasons)
	e.Time(s.CreatedAt)
	e.String(s.CreatedBy)
	e.Time(s.UpdatedAt)
	e.Varint(int64(s.Rebooks))
	e.Uvarint(uint64(len(s.Timers)))
	for _, t := range s.Timers {
		e.Uvarint(uint64(t.Seq))
		e.String(string(t.Kind))
		e.Time(t.Due)
	}
	e.Uvarint(uint64(s.TimerSeq))
	e.String(s.SummonsMsg)
	e.Time(s.SentAt)
	e.Time(s.DeliveredAt)
	e.Time(s.OpenedAt)
	binrec.List(&e, s.Reminders)
	e.Uvarint(uint64(len(s.Letters)))
	for _, l := range s.Letters {
		e.String(l.ID)
		e.String(l.Day)
		e.Time(l.VisitAt)
		e.String(string(l.Purpose))
		e.String(string(l.State))
		e.Time(l.PrintedAt)
	}
	e.Time(s.LastLetterAt)
	e.Time(s.LastSMSAt)
	e.Time(s.CancelledAt)
	e.Time(s.VoidedVisit)
	e.Time(s.StaffSince) // bookingRecordSince
	return e.B
}

// bookingHeadMatches tells whether the booking record v passes q's
// patient, examination and site, reading them in place: a filtered list
// passes by most of the records it walks, and decoding each whole, to
// throw it away, was most of a filter keystroke. ok is false for a record
// it cannot read so (JSON, or damaged), which the caller decodes whole.
func bookingHeadMatches(v []byte, q domain.BookingQuery) (match, ok bool) {
	if !isBookingRecord(v) {
		return false, false
	}
	d := binrec.Decoder{B: v[1:]}
	d.Uvarint()
	patient := d.View()
	d.View() // the kind of identity number
	exam, site := d.View(), d.View()
	if d.Err != nil {
		return false, false
	}
	return (q.Exam == "" || string(exam) == q.Exam) && (q.Site == "" || string(site) == q.Site) &&
		(q.Patient.IsZero() || string(patient) == q.Patient.Canonical()), true
}

// decodeBookingRecord reads a record in either form into s; head stops
// after the head (id, patient, kind, exam and site). A whole record's
// strings share one copy of it (binrec.Shared): they are the booking's and
// live as long as it does. The head's few strings are copied each: a
// rebuild keeps them, not the rest of the record.
func decodeBookingRecord(v []byte, s *domain.BookingSnapshot, head bool) error {
	return decodeBookingRecordNamed(v, s, head, nil)
}

// decodeBookingRecordNamed is decodeBookingRecord with the head's names —
// the identity kind, examination and site — taken from names (nil: a copy
// each), for a pass over every record.
func decodeBookingRecordNamed(v []byte, s *domain.BookingSnapshot, head bool, names *nameSet) error {
	if len(v) > 0 && v[0] == '{' {
		return unmarshalJSON(v, s)
	}
	if !isBookingRecord(v) {
		return errors.New("not a booking record")
	}
	d := binrec.Decoder{B: v[1:]}
	if !head {
		d = binrec.Shared(v[1:])
	}
	s.ID = domain.BookingID(d.Uvarint())
	s.Patient = d.OwnString() // kept by whoever saw the patient, not only the booking
	for _, f := range []*string{&s.PatientK, &s.Exam, &s.Site} {
		if names != nil {
			*f = names.of(d.View())
		} else {
			*f = d.String()
		}
	}
	if head {
		return d.Err
	}
	s.VisitAt = d.Time()
	s.Duration = time.Duration(d.Varint())
	s.State = domain.BookingState(d.String())
	flags := d.Uvarint()
	fs := bookingFlags(s)
	if flags>>len(fs) != 0 && d.Err == nil {
		d.Err = fmt.Errorf("unknown flags %#x", flags)
	}
	for i, f := range fs {
		*f = flags&(1<<i) != 0
	}
	s.Reasons = binrec.ReadList[domain.Reason](&d)
	s.CreatedAt = d.Time()
	s.CreatedBy = d.String()
	s.UpdatedAt = d.Time()
	s.Rebooks = int(d.Varint())
	if n := d.Count(); n > 0 {
		s.Timers = make([]domain.Timer, n)
		for i := range s.Timers {
			s.Timers[i] = domain.Timer{Seq: d.Uint32(), Kind: domain.TimerKind(d.String()), Due: d.Time()}
		}
	}
	s.TimerSeq = d.Uint32()
	s.SummonsMsg = d.String()
	s.SentAt = d.Time()
	s.DeliveredAt = d.Time()
	s.OpenedAt = d.Time()
	s.Reminders = binrec.ReadList[string](&d)
	if n := d.Count(); n > 0 {
		s.Letters = make([]domain.LetterRecord, n)
		for i := range s.Letters {
			s.Letters[i] = domain.LetterRecord{ID: d.String(), Day: d.String(), VisitAt: d.Time(),
				Purpose: domain.Purpose(d.String()), State: domain.LetterState(d.String()), PrintedAt: d.Time()}
		}
	}
	s.LastLetterAt = d.Time()
	s.LastSMSAt = d.Time()
	s.CancelledAt = d.Time()
	s.VoidedVisit = d.Time()
	if v[0] == bookingRecordSince {
		s.StaffSince = d.Time()
	}
	return d.End()
}

// A patient record is binary since schema 12 too (0x02, then id, kind,
// name, the address's street, postal code and city, phone, interpreter,
// flags (uvarint, bit i = patientFlags[i]) and the guardians: a count, then
// name, street, postal code, city and phone each). Records written before
// are JSON, and are still read.
const patientRecordBinary = 0x02

// patientFlags are the patient's flags in their bit order, new ones at the
// end; a static function for the reason bookingFlags is.
func patientFlags(s *domain.PatientSnapshot) [5]*bool {
	return [...]*bool{&s.Has1177Account, &s.NotificationsEnabled, &s.SMSReminders, &s.Protected, &s.PaperDeclined}
}

// encodePatientRecord is a patient's record in the binary form.
func encodePatientRecord(s *domain.PatientSnapshot) []byte {
	e := binrec.Encoder{B: make([]byte, 0, 128)}
	e.B = append(e.B, patientRecordBinary)
	e.String(s.ID)
	e.String(s.Kind)
	e.String(s.Name)
	address(&e, s.Address)
	e.String(s.Phone)
	e.String(s.Interpreter)
	var flags uint64
	for i, f := range patientFlags(s) {
		if *f {
			flags |= 1 << i
		}
	}
	e.Uvarint(flags)
	e.Uvarint(uint64(len(s.Guardians)))
	for _, g := range s.Guardians {
		e.String(g.Name)
		address(&e, g.Address)
		e.String(g.Phone)
	}
	return e.B
}

// decodePatientRecord reads a patient record in either form into s; its
// strings share one copy of the record (binrec.Shared), as a booking's do.
func decodePatientRecord(v []byte, s *domain.PatientSnapshot) error {
	if len(v) > 0 && v[0] == '{' {
		return unmarshalJSON(v, s)
	}
	if len(v) == 0 || v[0] != patientRecordBinary {
		return errors.New("not a patient record")
	}
	d := binrec.Shared(v[1:])
	s.ID = d.OwnString() // kept by whoever saw the patient, not only the record
	s.Kind = d.String()
	s.Name = d.String()
	s.Address = readAddress(&d)
	s.Phone = d.String()
	s.Interpreter = d.String()
	flags := d.Uvarint()
	fs := patientFlags(s)
	if flags>>len(fs) != 0 && d.Err == nil {
		d.Err = fmt.Errorf("unknown flags %#x", flags)
	}
	for i, f := range fs {
		*f = flags&(1<<i) != 0
	}
	if n := d.Count(); n > 0 {
		s.Guardians = make([]domain.Guardian, n)
		for i := range s.Guardians {
			s.Guardians[i] = domain.Guardian{Name: d.String(), Address: readAddress(&d), Phone: d.String()}
		}
	}
	return d.End()
}

// An outbox entry is binary since schema 12 too: 0x03, attempts (uvarint),
// next_attempt (time), last_error, then the message: id, booking, kind,
// purpose, reasons, created_at, subject_of_care_id, notify, to, text,
// withdraws, letter_day, not_before, and the summons (0 for none, else 1
// and its fields in their order in domain.Summons — rebooked and
// cancel_undone as the bits 0 and 1 of one uvarint — previous_visit_at as 0
// for none or 1 and the time). The entry's head (attempts, next attempt)
// comes first: delivering one reads only that. Entries written before are
// JSON, and are still read. (An entry's Handing mark is kept apart, in
// outbox_handing: see outbox.go.)
const outboxRecordBinary = 0x03

// encodeOutboxRecord is an outbox entry in the binary form.
func encodeOutboxRecord(o *domain.OutboxEntry) []byte {
	m := &o.Message
	e := binrec.Encoder{B: make([]byte, 0, 512)}
	e.B = append(e.B, outboxRecordBinary)
	e.Uvarint(uint64(o.Attempts))
	e.Time(o.NextAttempt)
	e.String(o.LastError)
	e.String(m.ID)
	e.Uvarint(uint64(m.Booking))
	e.String(string(m.Kind))
	e.String(string(m.Purpose))
	binrec.List(&e, m.Reasons)
	e.Time(m.CreatedAt)
	e.String(m.SubjectOfCareID)
	e.Uvarint(boolBit(m.Notify))
	e.String(m.To)
	e.String(m.Text)
	e.String(m.Withdraws)
	e.String(m.LetterDay)
	e.Time(m.NotBefore)
	if m.Summons == nil {
		e.Uvarint(0)
		return e.B
	}
	e.Uvarint(1)
	sm := m.Summons
	for _, str := range []string{sm.Department, sm.Region, sm.CareUnitHSAID, sm.ClinicPhone, sm.PatientName, sm.PatientID} {
		e.String(str)
	}
	address(&e, sm.Address)
	for _, str := range []string{sm.ExamCode, sm.ExamName, sm.Preparation} {
		e.String(str)
	}
	e.Time(sm.VisitAt)
	e.Varint(int64(sm.DurationMinutes))
	for _, str := range []string{sm.SiteName, sm.SiteStreet, sm.SitePostalCode, sm.SiteCity, sm.DirectionsURL} {
		e.String(str)
	}
	e.Uvarint(boolBit(sm.Rebooked) | boolBit(sm.CancelUndone)<<1) // bit 1 since schema 18
	e.String(sm.PatientIDKind)
	e.String(sm.Interpreter)
	if sm.PreviousVisitAt == nil {
		e.Uvarint(0)
	} else {
		e.Uvarint(1)
		e.Time(*sm.PreviousVisitAt)
	}
	for _, str := range []string{sm.Recipient, sm.RecipientFor, sm.Notice} {
		e.String(str)
	}
	return e.B
}

// decodeOutboxRecord reads an outbox entry in either form into o; head
// stops after attempts, next attempt and last error.
func decodeOutboxRecord(v []byte, o *domain.OutboxEntry, head bool) error {
	if len(v) > 0 && v[0] == '{' {
		return json.Unmarshal(v, o)
	}
	if len(v) == 0 || v[0] != outboxRecordBinary {
		return errors.New("not an outbox entry")
	}
	d := binrec.Decoder{B: v[1:]}
	o.Attempts = int(d.Uvarint())
	o.NextAttempt = d.Time()
	o.LastError = d.String()
	if head {
		return d.Err
	}
	m := &o.Message
	m.ID = d.String()
	m.Booking = domain.BookingID(d.Uvarint())
	m.Kind = domain.MessageKind(d.String())
	m.Purpose = domain.Purpose(d.String())
	m.Reasons = binrec.ReadList[domain.Reason](&d)
	m.CreatedAt = d.Time()
	m.SubjectOfCareID = d.String()
	m.Notify = readBool(&d)
	m.To = d.String()
	m.Text = d.String()
	m.Withdraws = d.String()
	m.LetterDay = d.String()
	m.NotBefore = d.Time()
	if readBool(&d) {
		sm := &domain.Summons{}
		for _, p := range []*string{&sm.Department, &sm.Region, &sm.CareUnitHSAID, &sm.ClinicPhone, &sm.PatientName, &sm.PatientID} {
			*p = d.String()
		}
		sm.Address = readAddress(&d)
		for _, p := range []*string{&sm.ExamCode, &sm.ExamName, &sm.Preparation} {
			*p = d.String()
		}
		sm.VisitAt = d.Time()
		sm.DurationMinutes = int(d.Varint())
		for _, p := range []*string{&sm.SiteName, &sm.SiteStreet, &sm.SitePostalCode, &sm.SiteCity, &sm.DirectionsURL} {
			*p = d.String()
		}
		switch flags := d.Uvarint(); {
		case flags > 3:
			if d.Err == nil {
				d.Err = fmt.Errorf("%w flag", binrec.ErrMalformed)
			}
		default:
			sm.Rebooked, sm.CancelUndone = flags&1 != 0, flags&2 != 0
		}
		sm.PatientIDKind = d.String()
		sm.Interpreter = d.String()
		if readBool(&d) {
			t := d.Time()
			sm.PreviousVisitAt = &t
		}
		for _, p := range []*string{&sm.Recipient, &sm.RecipientFor, &sm.Notice} {
			*p = d.String()
		}
		if d.Err == nil {
			m.Summons = sm
		}
	}
	return d.End()
}

// unmarshalJSON is json.Unmarshal(v, s) through a copy of *s on the heap,
// so that s itself does not escape: a record of before schema 12 is rare,
// and the binary ones decode into a snapshot on their reader's stack.
func unmarshalJSON[T any](v []byte, s *T) error {
	tmp := new(T)
	*tmp = *s
	err := json.Unmarshal(v, tmp)
	*s = *tmp
	return err
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// readBool reads what boolBit wrote: 0 or 1, anything else is malformed.
func readBool(d *binrec.Decoder) bool {
	switch d.Uvarint() {
	case 0:
		return false
	case 1:
		return true
	}
	if d.Err == nil {
		d.Err = fmt.Errorf("%w flag", binrec.ErrMalformed)
	}
	return false
}

// migrateRecords (version 12) writes every booking and patient record and
// every outbox entry in the binary form.
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
	err = rewriteRecords(context.Background(), patients, func(k, v []byte) ([]byte, error) {
		var snap domain.PatientSnapshot
		if err := decodePatientRecord(v, &snap); err != nil {
			return nil, fmt.Errorf("patients/%s: %w", patientRef(k), err)
		}
		return encodePatientRecord(&snap), nil
	})
	if err != nil {
		return err
	}
	outbox, err := bucket(tx, bucketOutbox)
	if err != nil {
		return err
	}
	return rewriteRecords(context.Background(), outbox, func(k, v []byte) ([]byte, error) {
		e, err := decodeOutbox(k, v)
		if err != nil {
			return nil, err
		}
		return encodeOutboxRecord(&e), nil
	})
}

func address(e *binrec.Encoder, a domain.Address) {
	e.String(a.Street)
	e.String(a.PostalCode)
	e.String(a.City)
}

func readAddress(d *binrec.Decoder) domain.Address {
	return domain.Address{Street: d.String(), PostalCode: d.String(), City: d.String()}
}
