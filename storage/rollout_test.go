package storage

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// The rollout report reads the digital summonses of a range of days and the
// bookings of some examinations with a visit in a range — and nothing else.
func TestRollout_ReadsTheRangesAskedFor(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	ids := knownHistory(t, s)
	monday := time.Date(2030, 3, 25, 0, 0, 0, 0, domain.Stockholm)

	digital := func(from, to time.Time) []domain.BookingID {
		var out []domain.BookingID
		if err := s.DigitalSummonses(ctx, from, to, func(f metrics.Fact) error {
			if f.DigitalSent != 1 {
				t.Errorf("fact of booking %d is not digital: %+v", f.Booking, f)
			}
			out = append(out, f.Booking)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	// The first week: three digital summonses on Monday, the paper one passed by.
	if got, want := digital(monday, monday.AddDate(0, 0, 7)), []domain.BookingID{ids["opened"], ids["unopened"], ids["child"]}; !reflect.DeepEqual(got, want) {
		t.Errorf("first week: %v, want %v", got, want)
	}
	// Tuesday 2 April: the summons after the rebooking.
	if got, want := digital(monday.AddDate(0, 0, 8), monday.AddDate(0, 0, 9)), []domain.BookingID{ids["opened"]}; !reflect.DeepEqual(got, want) {
		t.Errorf("2 April: %v, want %v", got, want)
	}
	if got := digital(monday.AddDate(0, 0, 1), monday.AddDate(0, 0, 8)); len(got) != 0 {
		t.Errorf("26 March – 1 April: %v", got)
	}

	type seen struct {
		id      domain.BookingID
		patient string
		events  int
	}
	bookings := func(from, to time.Time, exams ...string) []seen {
		var out []seen
		if err := s.RolloutBookings(ctx, from, to, exams, func(rb metrics.BookingHistory) error {
			evs, err := rb.Events()
			out = append(out, seen{rb.Booking.ID(), rb.Patient.Name(), len(evs)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Visits 4–6 April: "unopened" and "child" (ekg24); "opened" was moved
	// to the 14th; the paper one (ekokardiografi) on the 6th is another
	// examination.
	from, to := aggBase.Add(10*24*time.Hour), aggBase.Add(12*24*time.Hour)
	if got, want := bookings(from, to, "ekg24"), []seen{{ids["unopened"], "Bo Berg", 4}, {ids["child"], "Cecilia Ceder", 3}}; !reflect.DeepEqual(got, want) {
		t.Errorf("ekg24: %+v, want %+v", got, want)
	}
	if got := bookings(from, to.Add(time.Nanosecond), "ekokardiografi"); len(got) != 1 || got[0].id != ids["paper"] {
		t.Errorf("ekokardiografi: %+v", got)
	}
	if got := bookings(from, to); len(got) != 0 {
		t.Errorf("no examination asked for: %+v", got)
	}
	// The events read are the booking's own, in log order: its summons.
	if err := s.RolloutBookings(ctx, from, to, []string{"ekg24"}, func(rb metrics.BookingHistory) error {
		b := rb.Booking
		evs, err := rb.Events()
		if err != nil {
			return err
		}
		vs, ok := metrics.VisitSummonsOf(b.ID(), b.Exam(), b.Site(), b.Patient(), evs)
		if !ok || !vs.VisitAt.Equal(b.VisitAt()) || !vs.DecidedAt.Equal(aggBase) || vs.Fact == nil || vs.Fact.Booking != b.ID() {
			t.Errorf("booking %d: %+v %v", b.ID(), vs, ok)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
