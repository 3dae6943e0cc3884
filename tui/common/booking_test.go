package common

import (
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/i18n"
)

// The open status appended to a row reads as it read when it was made of
// strings, in every case and both languages.
func TestAppendOpenStatus_ReadsAsOpenStatusDid(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, domain.Stockholm)
	old := func(c *Common, b *domain.Booking) string {
		st := b.Status()
		switch {
		case b.State() == domain.StateCancelled && st.OpenedAt.IsZero() && !st.HandedOver && !st.Phoned:
			return "–"
		case !st.OpenedAt.IsZero():
			return "✓ " + c.T("opened_at", st.OpenedAt.In(domain.Stockholm).Format("01-02"))
		case st.FallbackSent:
			return "✉ " + c.T("fallback_sent")
		case st.HandedOver:
			return "✓ " + c.T("handed_over")
		case st.Phoned:
			return "✓ " + c.T("phoned_summons")
		case st.SentAt.IsZero():
			return "· " + c.T("not_sent")
		case st.MessageID == "":
			return "✉ " + c.T("paper_only")
		case b.State().Final() || !c.Now().Before(b.VisitAt()):
			return "✗ " + c.T("not_opened")
		default:
			return "✗ " + c.T("not_opened_for", i18n.FmtAge(c.Lang, c.Now().Sub(st.SentAt)))
		}
	}
	base := domain.BookingSnapshot{ID: 7, Patient: "191212121212", PatientK: domain.KindPersonnummer.String(),
		Exam: "ekg24", Site: "ryhov", State: domain.StateBooked, VisitAt: now.Add(72 * time.Hour)}
	cases := map[string]func(s *domain.BookingSnapshot){
		"not sent":  func(s *domain.BookingSnapshot) {},
		"cancelled": func(s *domain.BookingSnapshot) { s.State = domain.StateCancelled },
		"opened": func(s *domain.BookingSnapshot) {
			s.SentAt, s.SummonsMsg, s.OpenedAt = now.Add(-5*time.Hour), "m1", now.Add(-time.Hour)
		},
		"fallback":   func(s *domain.BookingSnapshot) { s.SentAt, s.FallbackSent = now.Add(-80*time.Hour), true },
		"paper only": func(s *domain.BookingSnapshot) { s.SentAt = now.Add(-time.Hour) },
		"handed over": func(s *domain.BookingSnapshot) {
			s.SentAt, s.HandedOver, s.State = now.Add(-time.Hour), true, domain.StateSummonsSent
		},
		"phoned": func(s *domain.BookingSnapshot) {
			s.SentAt, s.Phoned, s.State = now.Add(-time.Hour), true, domain.StateSummonsSent
		},
		"visit over": func(s *domain.BookingSnapshot) {
			s.SentAt, s.SummonsMsg, s.VisitAt = now.Add(-80*time.Hour), "m1", now.Add(-time.Hour)
		},
		"waiting hours":  func(s *domain.BookingSnapshot) { s.SentAt, s.SummonsMsg = now.Add(-5*time.Hour), "m1" },
		"waiting days":   func(s *domain.BookingSnapshot) { s.SentAt, s.SummonsMsg = now.Add(-100*time.Hour), "m1" },
		"waiting minute": func(s *domain.BookingSnapshot) { s.SentAt, s.SummonsMsg = now.Add(-3*time.Minute), "m1" },
	}
	svc := &service.Service{Clock: domain.FixedClock{T: now}}
	for name, change := range cases {
		s := base
		change(&s)
		b, err := domain.RehydrateBooking(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, lang := range []i18n.Lang{i18n.Swedish, i18n.English} {
			c := &Common{Lang: lang, Backend: Backend{Service: svc}}
			if got, want := string(AppendOpenStatus([]byte("x"), c, b)), "x"+old(c, b); got != want || OpenStatus(c, b) != want[1:] {
				t.Errorf("%s (%s): %q, want %q", name, lang, got, want)
			}
		}
	}
}

// A cancelled booking has nothing more to wait for, but says how its
// patient was reached — by a call, by the unit's hand-over — as the list
// said before the cancellation: the cancellation is told the same way.
func TestOpenStatus_ACancelledBookingKeepsHowThePatientWasReached(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, domain.Stockholm)
	c := &Common{Lang: i18n.Swedish, Backend: Backend{Service: &service.Service{Clock: domain.FixedClock{T: now}}}}
	for _, tc := range []struct {
		name   string
		change func(s *domain.BookingSnapshot)
		want   string
	}{
		{"phoned", func(s *domain.BookingSnapshot) { s.Phoned = true }, "✓ " + c.T("phoned_summons")},
		{"handed over", func(s *domain.BookingSnapshot) { s.HandedOver = true }, "✓ " + c.T("handed_over")},
		{"neither", func(s *domain.BookingSnapshot) {}, "–"},
	} {
		s := domain.BookingSnapshot{ID: 7, Patient: "191212121212", PatientK: domain.KindPersonnummer.String(), Exam: "ekg24",
			Site: "ryhov", State: domain.StateCancelled, VisitAt: now.Add(24 * time.Hour), SentAt: now.Add(-time.Hour)}
		tc.change(&s)
		b, err := domain.RehydrateBooking(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := OpenStatus(c, b); got != tc.want {
			t.Errorf("cancelled, %s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
