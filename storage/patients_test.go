package storage

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

func TestUpsertPatients_CountsAndLogs(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := mustPatient(t, mustID(t, pnrString(1980, 1, 1, 111)), "Anna Andersson")
	b := mustPatient(t, mustID(t, pnrString(1981, 2, 2, 222)), "Bo Berg")

	res, err := s.UpsertPatients(ctx, []domain.Patient{a, b}, t0, actor)
	if err != nil {
		t.Fatal(err)
	}
	if res != (domain.PatientUpsertResult{Created: 2}) {
		t.Errorf("first import = %+v", res)
	}

	in := b.Input()
	in.Interpreter = "arabiska"
	b2, err := domain.NewPatient(in)
	if err != nil {
		t.Fatal(err)
	}
	c := mustPatient(t, mustID(t, pnrString(1950, 3, 63, 333)), "Carl Carlsson") // samordningsnummer
	res, err = s.UpsertPatients(ctx, []domain.Patient{a, b2, c}, t0.Add(1), "import")
	if err != nil {
		t.Fatal(err)
	}
	if res != (domain.PatientUpsertResult{Created: 1, Updated: 1, Unchanged: 1}) {
		t.Errorf("second import = %+v", res)
	}

	got, err := s.Patient(ctx, b.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.Interpreter() != "arabiska" || got.Name() != "Bo Berg" {
		t.Errorf("patient after update = %+v", got.Snapshot())
	}

	evs, err := s.Events(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		typ     domain.EventType
		patient string
		actor   string
	}{
		{domain.EventPatientCreated, a.ID().String(), actor},
		{domain.EventPatientCreated, b.ID().String(), actor},
		{domain.EventPatientUpdated, b.ID().String(), "import"},
		{domain.EventPatientCreated, c.ID().String(), "import"},
	}
	if len(evs) != len(want) {
		t.Fatalf("events = %+v, want %d", evs, len(want))
	}
	for i, w := range want {
		e := evs[i]
		if e.Seq != uint64(i+1) || e.Type != w.typ || e.Patient != w.patient || e.Actor != w.actor || e.Booking != 0 {
			t.Errorf("event %d = %+v, want %+v", i, e, w)
		}
	}
	if !strings.Contains(evs[0].Patient, "-") {
		t.Errorf("event patient %q should be the display form", evs[0].Patient)
	}
	if rest, _ := s.Events(ctx, 3, 0); len(rest) != 1 || rest[0].Seq != 4 {
		t.Errorf("Events after 3 = %+v", rest)
	}
}

func TestUpsertPatients_SamePatientTwiceInOneImport(t *testing.T) {
	s := openTest(t)
	a := mustPatient(t, mustID(t, pnrString(1980, 1, 1, 111)), "Anna Andersson")
	res, err := s.UpsertPatients(context.Background(), []domain.Patient{a, a}, t0, actor)
	if err != nil {
		t.Fatal(err)
	}
	if res != (domain.PatientUpsertResult{Created: 1, Unchanged: 1}) {
		t.Errorf("result = %+v", res)
	}
}

func TestUpsertPatients_RefusesInvalidInputAtomically(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := mustPatient(t, mustID(t, pnrString(1980, 1, 1, 111)), "Anna Andersson")
	if _, err := s.UpsertPatients(ctx, []domain.Patient{a, {}}, t0, actor); err == nil {
		t.Error("zero patient accepted")
	}
	if _, err := s.UpsertPatients(ctx, []domain.Patient{a}, t0, ""); err == nil {
		t.Error("empty actor accepted")
	}
	if ps, _ := s.Patients(ctx, "", 0); len(ps) != 0 {
		t.Errorf("patients stored by a failed import: %d", len(ps))
	}
	if evs, _ := s.Events(ctx, 0, 0); len(evs) != 0 {
		t.Errorf("events logged by a failed import: %+v", evs)
	}
}

func TestPatient_UnknownIsNotFound(t *testing.T) {
	s := openTest(t)
	id := mustID(t, "19121212-1212")
	_, err := s.Patient(context.Background(), id)
	if !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if !errors.Is(err, domain.ErrPatientNotFound) || strings.Contains(err.Error(), "121212") {
		t.Errorf("message = %q, want ErrPatientNotFound, without the number", err)
	}
}

func TestPatients_OrderedAndPaged(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var all []domain.Patient
	for i, pnr := range []string{
		pnrString(1990, 1, 1, 100), pnrString(1950, 6, 6, 200), pnrString(2001, 11, 30, 300),
		pnrString(1970, 7, 7, 400), pnrString(1960, 2, 28, 500),
	} {
		all = append(all, mustPatient(t, mustID(t, pnr), "Patient "+string(rune('A'+i))))
	}
	all = append(all, mustPatient(t, mustID(t, "19700101-K123"), "Reserv Nummer"))
	if _, err := s.UpsertPatients(ctx, all, t0, actor); err != nil {
		t.Fatal(err)
	}

	got, err := s.Patients(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(all) {
		t.Fatalf("got %d patients, want %d", len(got), len(all))
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].ID().Canonical() >= got[i].ID().Canonical() {
			t.Errorf("not ordered: %s before %s", got[i-1].ID(), got[i].ID())
		}
	}

	var paged []string
	after := ""
	for {
		page, err := s.Patients(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("page of %d", len(page))
		}
		for _, p := range page {
			paged = append(paged, p.ID().Canonical())
		}
		after = page[len(page)-1].ID().String() // display form is accepted too
	}
	if len(paged) != len(got) {
		t.Errorf("paging saw %v", paged)
	}
	for i := range paged {
		if paged[i] != got[i].ID().Canonical() {
			t.Errorf("page order %v differs from %v", paged, got)
			break
		}
	}

	rest, err := s.Patients(ctx, got[2].ID().Canonical(), 0)
	if err != nil || len(rest) != len(got)-3 {
		t.Errorf("Patients after the third = %d, %v", len(rest), err)
	}
	if _, err := s.Patients(ctx, "", -1); err == nil {
		t.Error("negative limit accepted")
	}
}

// A damaged record is an error that names it — by a hash of its key, never
// by the identity number, which would reach logs.
func TestPatients_CorruptRecordIsAnErrorNamingTheKey(t *testing.T) {
	s := openTest(t)
	p := addPatient(t, s, pnrString(1980, 1, 1, 111), "Anna Andersson")
	key := p.ID().Canonical()
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPatients).Put([]byte(key), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Patient(context.Background(), p.ID())
	ref := patientRef([]byte(key))
	if err == nil || !strings.Contains(err.Error(), "patients/"+ref) || strings.Contains(err.Error(), key) {
		t.Errorf("Patient err = %v, want one naming patients/%s without the number", err, ref)
	}
	if _, err := s.Patients(context.Background(), "", 0); err == nil || !strings.Contains(err.Error(), ref) || strings.Contains(err.Error(), key) {
		t.Errorf("Patients err = %v", err)
	}
}

func TestStore_CancelledContext(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	id := mustID(t, pnrString(1980, 1, 1, 111))
	p := mustPatient(t, id, "Anna Andersson")
	checks := map[string]error{}
	_, checks["UpsertPatients"] = s.UpsertPatients(ctx, []domain.Patient{p}, t0, actor)
	_, checks["Patient"] = s.Patient(ctx, id)
	_, checks["Patients"] = s.Patients(ctx, "", 0)
	_, checks["CreateBooking"] = s.CreateBooking(ctx, id, builder(p, examECG, siteRyhov, t0.Add(48*time.Hour)))
	_, checks["UpdateBooking"] = s.UpdateBooking(ctx, 1, func(*domain.Booking, []*domain.Booking) error { return nil })
	_, checks["Booking"] = s.Booking(ctx, 1)
	_, checks["Bookings"] = s.Bookings(ctx, domain.BookingQuery{})
	_, checks["BookingEvents"] = s.BookingEvents(ctx, 1)
	_, checks["CountBookings"] = s.CountBookings(ctx)
	_, checks["Events"] = s.Events(ctx, 0, 0)
	for name, err := range checks {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", name, err)
		}
	}
}

func TestPatientsByID_ReadsKnownOnesInOneGo(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := mustPatient(t, mustID(t, pnrString(1975, 1, 2, 345)), "Bo Berg")
	b := mustPatient(t, mustID(t, pnrString(1980, 3, 4, 456)), "Eva Ek")
	if _, err := s.UpsertPatients(ctx, []domain.Patient{a, b}, t0, actor); err != nil {
		t.Fatal(err)
	}
	unknown := mustID(t, pnrString(1990, 5, 6, 567))
	got, err := s.PatientsByID(ctx, []domain.IdentityNumber{a.ID(), unknown, b.ID(), b.ID(), a.ID()})
	if err != nil || len(got) != 5 || !got[1].ID().IsZero() {
		t.Fatalf("PatientsByID = %v, %v; want five, the unknown one zero", got, err)
	}
	for i, want := range []string{"Bo Berg", "", "Eva Ek", "Eva Ek", "Bo Berg"} {
		if got[i].Name() != want {
			t.Errorf("PatientsByID[%d] = %q, want %q", i, got[i].Name(), want)
		}
	}
}
