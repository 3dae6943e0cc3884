package service

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/storage"
)

var now = time.Date(2026, 11, 25, 10, 0, 0, 0, domain.Stockholm)

func newService(t *testing.T) *Service {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "k.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := domain.NewCatalogue(
		[]domain.Examination{{Code: "ekg24", Name: "Långtids-EKG", Duration: 30 * time.Minute, Digital: true, Stage: 1}},
		[]domain.Site{{Code: "ryhov", Name: "Länssjukhuset Ryhov"}})
	if err != nil {
		t.Fatal(err)
	}
	return (&Service{Store: st, Clock: domain.FixedClock{T: now}, Catalogue: cat, Parser: domain.DefaultIdentityParser(),
		Policy: domain.PolicyOptions{Samordningsnummer: domain.SamordningsnummerDigitalAndPaper}}).As("anna")
}

func row(t *testing.T, s *Service, line int, id, name string) ImportRow {
	t.Helper()
	n, err := s.ParseIdentity(id)
	if err != nil {
		t.Fatal(err)
	}
	return ImportRow{Line: line, Patient: domain.PatientInput{ID: n, Name: name}}
}

func TestImportPatients_StoresValidRowsAndReportsTheRest(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	rows := []ImportRow{
		row(t, s, 2, "19121212-1212", "Tolvan"),
		{Line: 3, Err: errors.New("bad identity")},
		row(t, s, 4, "19121212-1212", "Tolvan igen"),
		row(t, s, 5, "201212121212", ""),
	}
	res, err := s.ImportPatients(ctx, rows)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 1 || len(res.Rejected) != 3 {
		t.Fatalf("result %+v", res)
	}
	want := []string{"line 3: bad identity", "line 4: identity number 19121212-1212 already on line 2", "line 5: invalid patient: name missing"}
	for i, w := range want {
		if res.Rejected[i].Error() != w {
			t.Errorf("rejected[%d] = %q, want %q", i, res.Rejected[i].Error(), w)
		}
	}
	res, err = s.ImportPatients(ctx, []ImportRow{row(t, s, 2, "19121212-1212", "Tolvan"), row(t, s, 3, "20121212-1212", "Tolva")})
	if err != nil || res.Unchanged != 1 || res.Created != 1 {
		t.Fatalf("second import: %+v, %v", res, err)
	}
}

func TestBook_RefusesUnknownInputAndAttributesTheActor(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	if _, err := s.ImportPatients(ctx, []ImportRow{row(t, s, 2, "19121212-1212", "Tolvan")}); err != nil {
		t.Fatal(err)
	}
	at := now.Add(48 * time.Hour)
	for _, c := range []struct {
		in   BookInput
		want error
	}{
		{BookInput{Patient: "20121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: at}, domain.ErrNotFound},
		{BookInput{Patient: "19121212-1212", Exam: "nope", Site: "ryhov", VisitAt: at}, domain.ErrUnknownExam},
		{BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "nope", VisitAt: at}, domain.ErrUnknownSite},
		{BookInput{Patient: "19121212-1213", Exam: "ekg24", Site: "ryhov", VisitAt: at}, domain.ErrInvalidIdentity},
		{BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now}, domain.ErrVisitInPast},
	} {
		if _, err := s.Book(ctx, c.in); !errors.Is(err, c.want) {
			t.Errorf("Book(%+v) = %v, want %v", c.in, err, c.want)
		}
	}
	res, err := s.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: at})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Detail(ctx, res.Booking.ID())
	if err != nil || len(d.Events) != 1 || d.Events[0].Actor != "anna" || d.Patient.Name() != "Tolvan" {
		t.Fatalf("detail %+v, %v", d, err)
	}
	if res.Booking.ID() != 1 || len(res.Warnings) != 0 {
		t.Fatalf("booking %d warnings %v", res.Booking.ID(), res.Warnings)
	}
	sat := time.Date(2026, 11, 28, 9, 0, 0, 0, domain.Stockholm)
	res, err = s.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: sat})
	if err != nil || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "lördag") {
		t.Fatalf("weekend booking: %v, warnings %v", err, res.Warnings)
	}
}

func TestEachBooking_PagesThroughEverythingAndHonoursTheLimit(t *testing.T) {
	old := bookingPage
	bookingPage = 3
	t.Cleanup(func() { bookingPage = old })
	s := newService(t)
	ctx := context.Background()
	if _, err := s.ImportPatients(ctx, []ImportRow{row(t, s, 2, "19121212-1212", "Tolvan")}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		// Two bookings at the same instant would overlap; a day apart they don't.
		if _, err := s.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.AddDate(0, 0, i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ limit, want int }{{0, 10}, {3, 3}, {4, 4}, {6, 6}, {20, 10}} {
		var ids []domain.BookingID
		err := s.EachBooking(ctx, domain.BookingQuery{Limit: c.limit}, func(b *domain.Booking) error {
			ids = append(ids, b.ID())
			return nil
		})
		if err != nil || len(ids) != c.want {
			t.Fatalf("limit %d: %d bookings, want %d (%v)", c.limit, len(ids), c.want, err)
		}
		for i, id := range ids {
			if id != domain.BookingID(i+1) {
				t.Fatalf("limit %d: order %v", c.limit, ids)
			}
		}
	}
}
