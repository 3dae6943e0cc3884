package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// t0 is "now" in the tests: a Monday morning in Stockholm.
var t0 = time.Date(2030, 3, 4, 8, 0, 0, 0, domain.Stockholm)

var (
	examECG   = domain.Examination{Code: "ekg24", Name: "Långtids-EKG 24 h", Duration: 30 * time.Minute, Digital: true, Stage: 1}
	examEcho  = domain.Examination{Code: "ekokardiografi", Name: "Ultraljud av hjärtat", Duration: 45 * time.Minute, Digital: false, Stage: 2}
	examTest  = domain.Examination{Code: "arbetsprov", Name: "Arbetsprov", Duration: 60 * time.Minute, Digital: true, Stage: 2}
	testExams = []domain.Examination{examECG, examEcho, examTest}

	siteRyhov   = domain.Site{Code: "ryhov", Name: "Länssjukhuset Ryhov"}
	siteVarnamo = domain.Site{Code: "varnamo", Name: "Värnamo sjukhus"}
	testSites   = []domain.Site{siteRyhov, siteVarnamo}
)

const actor = "sekr1"

// openTest opens a fresh store in a temporary directory. fsync is off: the
// tests are about logic, not durability.
func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "kallelse.db"), Options{noSync: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// pnrString builds a valid 12-digit personnummer (day+60 for a
// samordningsnummer) from a birth date and a three-digit serial.
func pnrString(year, month, day, serial int) string {
	s := fmt.Sprintf("%04d%02d%02d%03d", year, month, day, serial)
	return s + fmt.Sprint(domain.LuhnCheckDigit(s[2:11]))
}

func mustID(t testing.TB, s string) domain.IdentityNumber {
	t.Helper()
	id, err := domain.DefaultIdentityParser().Parse(s, t0)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return id
}

func mustPatient(t testing.TB, id domain.IdentityNumber, name string) domain.Patient {
	t.Helper()
	p, err := domain.NewPatient(domain.PatientInput{
		ID: id, Name: name,
		Address:        domain.Address{Street: "Storgatan 1", PostalCode: "55305", City: "Jönköping"},
		Has1177Account: true, NotificationsEnabled: true,
	})
	if err != nil {
		t.Fatalf("patient: %v", err)
	}
	return p
}

// addPatient stores a patient and returns it.
func addPatient(t testing.TB, s *Store, idString, name string) domain.Patient {
	t.Helper()
	p := mustPatient(t, mustID(t, idString), name)
	if _, err := s.UpsertPatients(context.Background(), []domain.Patient{p}, t0, actor); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	return p
}

// builder returns a CreateBooking build function that books through the
// domain.
func builder(p domain.Patient, e domain.Examination, site domain.Site, at time.Time) func(domain.BookingID, []*domain.Booking) (*domain.Booking, error) {
	return func(id domain.BookingID, existing []*domain.Booking) (*domain.Booking, error) {
		return domain.NewBooking(domain.BookingRequest{
			ID: id, Patient: p, Exam: e, Site: site, VisitAt: at, Now: t0, Actor: actor, Existing: existing,
		})
	}
}

func book(t testing.TB, s *Store, p domain.Patient, e domain.Examination, site domain.Site, at time.Time) *domain.Booking {
	t.Helper()
	b, err := s.CreateBooking(context.Background(), p.ID(), builder(p, e, site, at))
	if err != nil {
		t.Fatalf("CreateBooking: %v", err)
	}
	return b
}

func ids(bs []*domain.Booking) []domain.BookingID {
	out := make([]domain.BookingID, 0, len(bs))
	for _, b := range bs {
		out = append(out, b.ID())
	}
	return out
}

// normSnap makes snapshots comparable with reflect.DeepEqual: times in UTC
// without monotonic readings, empty reason lists nil.
func normSnap(s domain.BookingSnapshot) domain.BookingSnapshot {
	s.VisitAt = s.VisitAt.UTC().Round(0)
	s.CreatedAt = s.CreatedAt.UTC().Round(0)
	s.UpdatedAt = s.UpdatedAt.UTC().Round(0)
	if len(s.Reasons) == 0 {
		s.Reasons = nil
	}
	return s
}

// fireEnv is what firing a booking's timers needs, with the default schedule.
func fireEnv(p domain.Patient, e domain.Examination, now time.Time) domain.FireEnv {
	return domain.FireEnv{
		Now: now, Patient: p, Exam: e, Site: siteRyhov, Schedule: domain.DefaultSchedule(),
		Clinic: domain.Clinic{Department: "Klinisk fysiologi", Region: "Region Jönköpings län", HSAID: "SE2321000065-K1", Phone: "010-242 00 00"},
	}
}

// examOf finds a test examination by code.
func examOf(code string) domain.Examination {
	for _, e := range testExams {
		if e.Code == code {
			return e
		}
	}
	panic("unknown exam " + code)
}

// reopen closes s and opens its file again (migrating it, when a test set
// an older schema version), closed at the test's end.
func reopen(t *testing.T, s *Store) *Store {
	t.Helper()
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	return s2
}
