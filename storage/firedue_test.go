package storage

import (
	"context"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// FireDueOf fires the bookings asked for and no other, each with its
// patient as the write transaction reads it; an id the store does not
// hold, or a booking with nothing due, is passed over.
func TestFireDueOf_FiresOnlyTheBookingsAskedWithTheirPatient(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	anna := addPatient(t, s, pnrString(1980, 1, 1, 123), "Anna")
	bo := addPatient(t, s, pnrString(1981, 2, 2, 234), "Bo")
	asked := book(t, s, anna, examECG, siteRyhov, t0.Add(10*24*time.Hour))
	other := book(t, s, bo, examECG, siteRyhov, t0.Add(10*24*time.Hour))
	var names []string
	fn := func(b *domain.Booking, p domain.Patient) error {
		names = append(names, p.Name())
		return b.FireDue(fireEnv(p, examOf(b.Exam()), t0))
	}
	fired, failed, err := s.FireDueOf(ctx, t0, []domain.BookingID{asked.ID(), 999, asked.ID()}, fn)
	if err != nil || fired != 1 || len(failed) != 0 || len(names) != 1 || names[0] != "Anna" {
		t.Fatalf("fired %d, failed %v, %v; patients %v", fired, failed, err, names)
	}
	if b, _ := s.Booking(ctx, asked.ID()); b.Status().SentAt.IsZero() {
		t.Error("the booking asked for was not fired")
	}
	if b, _ := s.Booking(ctx, other.ID()); !b.Status().SentAt.IsZero() {
		t.Error("a booking not asked for was fired")
	}
	names = nil
	fired, failed, err = s.FireDueOf(ctx, t0, []domain.BookingID{asked.ID()}, fn)
	if err != nil || fired != 0 || len(failed) != 0 || len(names) != 0 {
		t.Errorf("nothing due: fired %d, failed %v, %v; fn called for %v", fired, failed, err, names)
	}
}
