package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"pgregory.net/rapid"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/binrec"
)

// drawInto fills v (a settable value) with values drawn from t, field by
// field, so that a field added to the snapshot is drawn too: a field the
// codec forgets makes the round trips below differ.
func drawInto(t *rapid.T, v reflect.Value, path string) {
	switch v.Type() {
	case reflect.TypeOf(time.Time{}):
		v.Set(reflect.ValueOf(drawTime(t, path)))
		return
	case reflect.TypeOf(time.Duration(0)):
		v.SetInt(rapid.Int64().Draw(t, path))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(rapid.String().Draw(t, path))
	case reflect.Bool:
		v.SetBool(rapid.Bool().Draw(t, path))
	case reflect.Int, reflect.Int64:
		v.SetInt(rapid.Int64Range(-1<<40, 1<<40).Draw(t, path))
	case reflect.Uint32:
		v.SetUint(uint64(rapid.Uint32().Draw(t, path)))
	case reflect.Uint64:
		v.SetUint(rapid.Uint64().Draw(t, path))
	case reflect.Slice:
		n := rapid.IntRange(0, 3).Draw(t, path+".len")
		if n == 0 {
			return // nil: as JSON's omitempty reads it back
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			drawInto(t, s.Index(i), path+"[]")
		}
		v.Set(s)
	case reflect.Map:
		n := rapid.IntRange(0, 3).Draw(t, path+".len")
		if n == 0 {
			return // nil: as JSON's null reads it back
		}
		m := reflect.MakeMapWithSize(v.Type(), n)
		for i := 0; i < n; i++ {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			drawInto(t, k, path+".key")
			drawInto(t, e, path+"[k]")
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Pointer:
		if rapid.Bool().Draw(t, path+".nil") {
			return
		}
		p := reflect.New(v.Type().Elem())
		drawInto(t, p.Elem(), path+"*")
		v.Set(p)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			drawInto(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	default:
		t.Fatalf("%s: no generator for %s", path, v.Type())
	}
}

// drawTime is zero, or an instant between 1900 and 2200 in UTC, Stockholm,
// the local zone or a fixed zone of whole minutes, with nanoseconds.
func drawTime(t *rapid.T, label string) time.Time {
	if rapid.IntRange(0, 4).Draw(t, label+".zero") == 0 {
		return time.Time{}
	}
	sec := rapid.Int64Range(-2208988800, 7258118400).Draw(t, label+".sec")
	at := time.Unix(sec, rapid.Int64Range(0, 999999999).Draw(t, label+".ns"))
	switch rapid.IntRange(0, 3).Draw(t, label+".zone") {
	case 0:
		return at.UTC()
	case 1:
		return at.In(domain.Stockholm)
	case 2:
		return at.In(time.Local)
	default:
		return at.In(time.FixedZone("", 60*rapid.IntRange(-14*60, 14*60).Draw(t, label+".off")))
	}
}

// A booking record reads back in the binary form exactly as it did in JSON:
// the same fields, the same instants in the same zones, so that every screen
// and the CLI's JSON show what they showed before schema 12.
func TestBookingRecord_BinaryReadsBackAsJSONDid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var s domain.BookingSnapshot
		drawInto(t, reflect.ValueOf(&s).Elem(), "snap")
		js, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var viaJSON, viaBinary domain.BookingSnapshot
		if err := decodeBookingRecord(js, &viaJSON, false); err != nil {
			t.Fatalf("JSON: %v", err)
		}
		bin := encodeBookingRecord(&s)
		if err := decodeBookingRecord(bin, &viaBinary, false); err != nil {
			t.Fatalf("binary: %v", err)
		}
		if !reflect.DeepEqual(viaJSON, viaBinary) {
			t.Fatalf("JSON read back\n%+v\nbinary read back\n%+v", viaJSON, viaBinary)
		}
		again, _ := json.Marshal(viaBinary)
		if want, _ := json.Marshal(viaJSON); !bytes.Equal(again, want) {
			t.Fatalf("shown differently:\n%s\n%s", again, want)
		}
		var head domain.BookingSnapshot
		if err := decodeBookingRecord(bin, &head, true); err != nil ||
			head.ID != s.ID || head.Patient != s.Patient || head.PatientK != s.PatientK || head.Exam != s.Exam || head.Site != s.Site {
			t.Fatalf("head %+v, %v", head, err)
		}
		// A record written before schema 17 (0x01, no staff_since) reads
		// as it did: everything but StaffSince.
		var since binrec.Encoder
		since.Time(s.StaffSince)
		old := append([]byte{bookingRecordBinary}, bin[1:len(bin)-len(since.B)]...)
		var viaOld domain.BookingSnapshot
		if err := decodeBookingRecord(old, &viaOld, false); err != nil {
			t.Fatalf("a record of schema 16: %v", err)
		}
		viaOld.StaffSince = viaBinary.StaffSince
		if !reflect.DeepEqual(viaOld, viaBinary) {
			t.Fatalf("a record of schema 16 read back\n%+v\nwant\n%+v", viaOld, viaBinary)
		}
	})
}

// A patient record reads back in the binary form as it did in JSON.
func TestPatientRecord_BinaryReadsBackAsJSONDid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var s domain.PatientSnapshot
		drawInto(t, reflect.ValueOf(&s).Elem(), "patient")
		js, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var viaJSON, viaBinary domain.PatientSnapshot
		if err := decodePatientRecord(js, &viaJSON); err != nil {
			t.Fatalf("JSON: %v", err)
		}
		bin := encodePatientRecord(&s)
		if err := decodePatientRecord(bin, &viaBinary); err != nil {
			t.Fatalf("binary: %v", err)
		}
		if !reflect.DeepEqual(viaJSON, viaBinary) {
			t.Fatalf("JSON read back\n%+v\nbinary read back\n%+v", viaJSON, viaBinary)
		}
		cut := rapid.IntRange(0, len(bin)-1).Draw(t, "cut")
		if err := decodePatientRecord(bin[:cut], &viaBinary); err == nil {
			t.Fatalf("a record cut at %d of %d bytes was read", cut, len(bin))
		}
	})
}

// An outbox entry reads back in the binary form as it did in JSON, whole
// or only its head. (The Handing mark is kept apart: it is not drawn.)
func TestOutboxRecord_BinaryReadsBackAsJSONDid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var o domain.OutboxEntry
		drawInto(t, reflect.ValueOf(&o).Elem(), "entry")
		o.Handing = time.Time{}
		js, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var viaJSON, viaBinary, head domain.OutboxEntry
		if err := decodeOutboxRecord(js, &viaJSON, false); err != nil {
			t.Fatalf("JSON: %v", err)
		}
		bin := encodeOutboxRecord(&o)
		if err := decodeOutboxRecord(bin, &viaBinary, false); err != nil {
			t.Fatalf("binary: %v", err)
		}
		if !reflect.DeepEqual(viaJSON, viaBinary) {
			t.Fatalf("JSON read back\n%+v\nbinary read back\n%+v", viaJSON, viaBinary)
		}
		if err := decodeOutboxRecord(bin, &head, true); err != nil || head.Attempts != viaJSON.Attempts ||
			!reflect.DeepEqual(head.NextAttempt, viaJSON.NextAttempt) || head.LastError != viaJSON.LastError {
			t.Fatalf("head %+v, %v", head, err)
		}
		cut := rapid.IntRange(0, len(bin)-1).Draw(t, "cut")
		if err := decodeOutboxRecord(bin[:cut], &viaBinary, false); err == nil {
			t.Fatalf("an entry cut at %d of %d bytes was read", cut, len(bin))
		}
	})
}

// An event reads back in the binary form as it did in JSON (decodeEvent:
// its instants in Stockholm).
func TestEventRecord_BinaryReadsBackAsJSONDid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var ev domain.Event
		drawInto(t, reflect.ValueOf(&ev).Elem(), "event")
		if ev.At.IsZero() {
			ev.At = time.Unix(1700000000, 1)
		}
		key := u64(ev.Seq)
		js, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		viaJSON, err := decodeEvent(key, js)
		if err != nil {
			t.Fatalf("JSON: %v", err)
		}
		bin := encodeEventRecord(&ev)
		viaBinary, err := decodeEvent(key, bin)
		if err != nil {
			t.Fatalf("binary: %v", err)
		}
		if !reflect.DeepEqual(viaJSON, viaBinary) {
			t.Fatalf("JSON read back\n%+v\nbinary read back\n%+v", viaJSON, viaBinary)
		}
		cut := rapid.IntRange(0, len(bin)-1).Draw(t, "cut")
		if _, err := decodeEvent(key, bin[:cut]); err == nil {
			t.Fatalf("an event cut at %d of %d bytes was read", cut, len(bin))
		}
	})
}

// A damaged record is refused with an error, never read as something else
// or crashed on: every shortened record, and every record with a byte
// changed where that makes it malformed.
func TestBookingRecord_DamagedIsRefusedNotCrashedOn(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var s domain.BookingSnapshot
		drawInto(t, reflect.ValueOf(&s).Elem(), "snap")
		bin := encodeBookingRecord(&s)
		cut := rapid.IntRange(0, len(bin)-1).Draw(t, "cut")
		var got domain.BookingSnapshot
		if err := decodeBookingRecord(bin[:cut], &got, false); err == nil {
			t.Fatalf("a record cut at %d of %d bytes was read", cut, len(bin))
		}
		longer := append(append([]byte(nil), bin...), 0)
		if err := decodeBookingRecord(longer, &got, false); err == nil {
			t.Fatal("a record with a byte after it was read")
		}
		at := rapid.IntRange(0, len(bin)-1).Draw(t, "at")
		flipped := append([]byte(nil), bin...)
		flipped[at] ^= rapid.Byte().Draw(t, "xor") | 1
		_ = decodeBookingRecord(flipped, &got, false) // may read or not; must not panic
	})
}

func FuzzBookingRecord(f *testing.F) {
	s := domain.BookingSnapshot{ID: 7, Patient: "197001011234", State: domain.StateBooked, Reasons: []domain.Reason{domain.ReasonUnder18},
		VisitAt: time.Date(2026, 3, 29, 2, 30, 0, 0, domain.Stockholm), Timers: []domain.Timer{{Seq: 1, Kind: "fallback"}},
		Letters: []domain.LetterRecord{{ID: "m-7-1", Day: "2026-03-20"}}}
	f.Add(encodeBookingRecord(&s))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got domain.BookingSnapshot
		if err := decodeBookingRecord(data, &got, false); err != nil || (len(data) > 0 && data[0] == '{') {
			return
		}
		var again domain.BookingSnapshot
		if err := decodeBookingRecord(encodeBookingRecord(&got), &again, false); err != nil || !reflect.DeepEqual(got, again) {
			t.Fatalf("read %+v, written and read again %+v (%v)", got, again, err)
		}
	})
}

// A file at version 11 holds its bookings and patients in JSON; opening it
// writes every record in the binary form, and they read the same, in a file
// compacted after the migration.
func TestMigration_V11ToCurrentWritesRecordsInBinary(t *testing.T) {
	path := fillStore(t, true)
	want := map[string][]byte{} // the records as JSON
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketBookings)
		var recs [][2][]byte
		if err := b.ForEach(func(k, v []byte) error {
			var s domain.BookingSnapshot
			if err := decodeBookingRecord(v, &s, false); err != nil {
				return err
			}
			js, err := json.Marshal(s)
			want[string(k)] = js
			recs = append(recs, [2][]byte{append([]byte(nil), k...), js})
			return err
		}); err != nil {
			return err
		}
		for _, r := range recs {
			if err := b.Put(r[0], r[1]); err != nil {
				return err
			}
		}
		ps := tx.Bucket(bucketPatients)
		recs = recs[:0]
		if err := ps.ForEach(func(k, v []byte) error {
			var s domain.PatientSnapshot
			if err := decodePatientRecord(v, &s); err != nil {
				return err
			}
			js, err := json.Marshal(s)
			want["patient "+string(k)] = js
			recs = append(recs, [2][]byte{append([]byte(nil), k...), js})
			return err
		}); err != nil {
			return err
		}
		for _, r := range recs {
			if err := ps.Put(r[0], r[1]); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(11))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("no bookings")
	}
	// Every record rewritten frees most pages of a large file, which Open
	// then compacts; this one is small, so it is compacted at any count
	// here, and a copy that is not shows the difference.
	defer func(n int) { compactAfterMigration = n }(compactAfterMigration)
	used := func(s *Store) (n int64) {
		_ = s.db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
		return n
	}
	uncompacted := copyWith(t, path, func(b []byte) []byte { return b })
	compactAfterMigration = 1 << 30
	u, err := Open(uncompacted, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	usedUncompacted := used(u)
	u.Close()
	compactAfterMigration = 1
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(); err != nil || v != currentSchemaVersion || v != 18 {
		t.Fatalf("version = %d, %v; want 18", v, err)
	}
	if got := used(s); got >= usedUncompacted {
		t.Errorf("%d bytes of pages after the migration, %d without compacting: not compacted", got, usedUncompacted)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketPatients).ForEach(func(k, v []byte) error {
			var snap domain.PatientSnapshot
			if v[0] != patientRecordBinary || decodePatientRecord(v, &snap) != nil {
				t.Errorf("patient record %q… not binary", v[:1])
			}
			if got, _ := json.Marshal(snap); !bytes.Equal(got, want["patient "+string(k)]) {
				t.Errorf("a patient reads\n%s\nwas\n%s", got, want["patient "+string(k)])
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketBookings).ForEach(func(k, v []byte) error {
			if !isBookingRecord(v) {
				t.Errorf("booking %x still %q", k, v[:1])
			}
			snap, err := decodeBookingSnapshot(k, v)
			if err != nil {
				return err
			}
			if got, _ := json.Marshal(snap); !bytes.Equal(got, want[string(k)]) {
				t.Errorf("booking %x reads\n%s\nwas\n%s", k, got, want[string(k)])
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	mustCheck(t, s)
	if _, err := s.Bookings(context.Background(), domain.BookingQuery{}); err != nil {
		t.Fatal(err)
	}
}
