package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/kallelse/kallelse/domain"
)

// BookingDetail is a booking with its patient and history.
type BookingDetail struct {
	Booking *domain.Booking
	Patient domain.Patient
	Events  []domain.Event
}

// Detail reads a booking, its patient and its events, and logs the look in
// the access log before returning them.
// A koordinator with drill-down opens only a booking behind a figure, and
// the look is logged as reached from one (domain.Principal.OpenBooking).
func (s *Service) Detail(ctx context.Context, id domain.BookingID) (BookingDetail, error) {
	d, action, err := s.detail(ctx, id)
	if err != nil {
		return BookingDetail{}, err
	}
	if err := s.logRead(ctx, action, PatientRef{Patient: d.Booking.Patient(), Booking: id}); err != nil {
		return BookingDetail{}, err
	}
	return d, nil
}

// RefreshDetail reads a booking as Detail does without logging a new look:
// for a page that already shows the booking (its opening was logged) and
// reloads it because someone changed it meanwhile.
func (s *Service) RefreshDetail(ctx context.Context, id domain.BookingID) (BookingDetail, error) {
	d, _, err := s.detail(ctx, id)
	return d, err
}

// BehindAFigure is the store's answer to whether a booking counts in a
// figure of the overview (drill-down opens only those).
type BehindAFigure interface {
	BehindAFigure(ctx context.Context, id domain.BookingID) (bool, error)
}

// detail reads booking id, its patient and events, if the acting user may
// open it, and the action the look is logged as.
func (s *Service) detail(ctx context.Context, id domain.BookingID) (BookingDetail, domain.AccessAction, error) {
	behind := false
	if !s.principal.May(domain.PermPatientData) && s.principal.May(domain.PermDrillDown) {
		st, ok := s.Store.(BehindAFigure)
		if !ok {
			return BookingDetail{}, "", errors.New("this store keeps no report figures")
		}
		var err error
		if behind, err = st.BehindAFigure(ctx, id); err != nil {
			return BookingDetail{}, "", err
		}
	}
	action, err := s.principal.OpenBooking(behind)
	if err != nil {
		return BookingDetail{}, "", fmt.Errorf("booking %s: %w", id, err)
	}
	d, err := s.readDetail(ctx, id)
	return d, action, err
}

func (s *Service) readDetail(ctx context.Context, id domain.BookingID) (BookingDetail, error) {
	b, err := s.Store.Booking(ctx, id)
	if err != nil {
		return BookingDetail{}, err
	}
	p, err := s.Store.Patient(ctx, b.Patient())
	if err != nil {
		return BookingDetail{}, fmt.Errorf("booking %s: %w", id, err)
	}
	ev, err := s.Store.BookingEvents(ctx, id)
	if err != nil {
		return BookingDetail{}, err
	}
	return BookingDetail{Booking: b, Patient: p, Events: ev}, nil
}
