// Package service holds the use cases that the CLI, the TUI and the server
// share: import patients, book, cancel, rebook, record the outcome, and read
// bookings back. It is written against the domain's ports only, so every
// front end gets the same rules and the same audit trail.
package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// Service carries the ports and configuration the use cases need. Build one
// in cmd and hand it to the front ends; As returns a copy acting for a user.
type Service struct {
	Store     domain.Store
	Clock     domain.Clock
	Catalogue domain.Catalogue
	Parser    domain.IdentityParser
	Policy    domain.PolicyOptions
	Clinic    domain.Clinic
	Schedule  domain.Schedule
	Hub       *Hub // nil: nobody listens
	actor     string
}

// As returns a copy of s whose changes are recorded as made by actor.
func (s *Service) As(actor string) *Service {
	c := *s
	c.actor = strings.TrimSpace(actor)
	return &c
}

// Actor is who changes made through s are attributed to.
func (s *Service) Actor() string {
	if s.actor == "" {
		return domain.SystemActor
	}
	return s.actor
}

// ParseIdentity parses an identity number as typed, with the clock's instant
// deciding the century of a 10-digit number.
func (s *Service) ParseIdentity(in string) (domain.IdentityNumber, error) {
	return s.Parser.Parse(in, s.Clock.Now())
}

// BookInput is a booking as entered by staff.
type BookInput struct {
	Patient string // identity number as typed
	Exam    string
	Site    string
	VisitAt time.Time
}

// BookResult is the new booking with what staff should see at once.
type BookResult struct {
	Booking  *domain.Booking
	Patient  domain.Patient
	Warnings []string
}

// Book books an examination: the patient must be known, the codes must be in
// the catalogue, the time in the future and free of the patient's other
// bookings. A weekend or public holiday is allowed with a warning.
func (s *Service) Book(ctx context.Context, in BookInput) (BookResult, error) {
	id, err := s.ParseIdentity(in.Patient)
	if err != nil {
		return BookResult{}, err
	}
	exam, err := s.Catalogue.Exam(in.Exam)
	if err != nil {
		return BookResult{}, err
	}
	site, err := s.Catalogue.Site(in.Site)
	if err != nil {
		return BookResult{}, err
	}
	p, err := s.Store.Patient(ctx, id)
	if err != nil {
		return BookResult{}, err
	}
	now := s.Clock.Now()
	b, err := s.Store.CreateBooking(ctx, id, func(bid domain.BookingID, existing []*domain.Booking) (*domain.Booking, error) {
		return domain.NewBooking(domain.BookingRequest{
			ID: bid, Patient: p, Exam: exam, Site: site, VisitAt: in.VisitAt, Now: now,
			Actor: s.Actor(), Policy: s.Policy, Existing: existing,
		})
	})
	if err != nil {
		return BookResult{}, err
	}
	s.publish(b.ID())
	return BookResult{Booking: b, Patient: p, Warnings: VisitWarnings(in.VisitAt)}, nil
}

// VisitWarnings lists what staff should double-check about a visit time.
func VisitWarnings(at time.Time) []string {
	if name, ok := domain.NonWorkingDay(at); ok {
		return []string{fmt.Sprintf("%s is not a working day (%s)", at.In(domain.Stockholm).Format("2006-01-02"), name)}
	}
	return nil
}

// Cancel cancels a booking.
func (s *Service) Cancel(ctx context.Context, id domain.BookingID, note string) (*domain.Booking, error) {
	now := s.Clock.Now()
	return s.update(ctx, id, func(b *domain.Booking, _ []*domain.Booking) error {
		return b.Cancel(now, s.Actor(), note)
	})
}

// update changes one booking and tells the hub once it is committed.
func (s *Service) update(ctx context.Context, id domain.BookingID, fn func(*domain.Booking, []*domain.Booking) error) (*domain.Booking, error) {
	b, err := s.Store.UpdateBooking(ctx, id, fn)
	if err == nil {
		s.publish(id)
	}
	return b, err
}

// Rebook moves a booking to a new time; the result carries warnings as Book's does.
func (s *Service) Rebook(ctx context.Context, id domain.BookingID, at time.Time) (*domain.Booking, []string, error) {
	now := s.Clock.Now()
	b, err := s.update(ctx, id, func(b *domain.Booking, others []*domain.Booking) error {
		return b.Rebook(at, now, s.Actor(), others)
	})
	if err != nil {
		return nil, nil, err
	}
	return b, VisitWarnings(at), nil
}

// MarkAttended records that the patient came.
func (s *Service) MarkAttended(ctx context.Context, id domain.BookingID) (*domain.Booking, error) {
	now := s.Clock.Now()
	return s.update(ctx, id, func(b *domain.Booking, _ []*domain.Booking) error {
		return b.MarkAttended(now, s.Actor())
	})
}

// MarkNoShow records that the patient did not come.
func (s *Service) MarkNoShow(ctx context.Context, id domain.BookingID) (*domain.Booking, error) {
	now := s.Clock.Now()
	return s.update(ctx, id, func(b *domain.Booking, _ []*domain.Booking) error {
		return b.MarkNoShow(now, s.Actor())
	})
}

// BookingDetail is a booking with its patient and history.
type BookingDetail struct {
	Booking *domain.Booking
	Patient domain.Patient
	Events  []domain.Event
}

// Detail reads a booking, its patient and its events.
func (s *Service) Detail(ctx context.Context, id domain.BookingID) (BookingDetail, error) {
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

// ImportResult says what an import did. Rejected rows are not imported;
// everything else is.
type ImportResult struct {
	domain.PatientUpsertResult
	Rejected []RowError
}

// RowError is one import row that could not be used.
type RowError struct {
	Line int
	Err  error
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// ImportRow is one parsed import row: either a patient or an error.
type ImportRow struct {
	Line    int
	Patient domain.PatientInput
	Err     error
}

// ImportPatients validates each row and stores the valid ones in one
// transaction; a row whose identity number appears twice in the file is
// rejected rather than silently merged.
func (s *Service) ImportPatients(ctx context.Context, rows []ImportRow) (ImportResult, error) {
	var res ImportResult
	var ok []domain.Patient
	seen := map[string]int{}
	for _, r := range rows {
		if r.Err != nil {
			res.Rejected = append(res.Rejected, RowError{r.Line, r.Err})
			continue
		}
		p, err := domain.NewPatient(r.Patient)
		if err != nil {
			res.Rejected = append(res.Rejected, RowError{r.Line, err})
			continue
		}
		if first, dup := seen[p.ID().Canonical()]; dup {
			res.Rejected = append(res.Rejected, RowError{r.Line, fmt.Errorf("identity number %s already on line %d", p.ID(), first)})
			continue
		}
		seen[p.ID().Canonical()] = r.Line
		ok = append(ok, p)
	}
	if len(ok) > 0 {
		up, err := s.Store.UpsertPatients(ctx, ok, s.Clock.Now(), s.Actor())
		if err != nil {
			return res, err
		}
		res.PatientUpsertResult = up
		s.publish()
	}
	return res, nil
}

// Patient looks a patient up by identity number as typed.
func (s *Service) Patient(ctx context.Context, in string) (domain.Patient, error) {
	id, err := s.ParseIdentity(in)
	if err != nil {
		return domain.Patient{}, err
	}
	p, err := s.Store.Patient(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Patient{}, fmt.Errorf("patient %s: %w", id, domain.ErrNotFound)
	}
	return p, err
}

// bookingPage is how many bookings EachBooking reads per transaction.
var bookingPage = 500

// EachBooking calls fn for every booking matching q, reading the store a
// page at a time so that a million bookings never sit in memory at once.
func (s *Service) EachBooking(ctx context.Context, q domain.BookingQuery, fn func(*domain.Booking) error) error {
	page := bookingPage
	limit := q.Limit
	q.Limit = page
	n := 0
	for {
		if limit > 0 && limit-n < page {
			q.Limit = limit - n
		}
		bs, err := s.Store.Bookings(ctx, q)
		if err != nil {
			return err
		}
		for _, b := range bs {
			if err := fn(b); err != nil {
				return err
			}
		}
		n += len(bs)
		if len(bs) < q.Limit || (limit > 0 && n >= limit) {
			return nil
		}
		last := bs[len(bs)-1]
		q.After = &domain.BookingCursor{VisitAt: last.VisitAt(), ID: last.ID()}
	}
}
