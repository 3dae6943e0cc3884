// Package service holds the use cases that the CLI, the TUI and the server
// share: import patients, book, cancel, rebook, record the outcome, and read
// bookings back. It is written against the domain's ports only, so every
// front end gets the same rules and the same audit trail.
package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// Service carries the ports and configuration the use cases need. Build one
// in cmd and hand each front end a copy acting for its user (For, As): the
// use cases check that user's rights and log every access to patient data.
type Service struct {
	Store      domain.Store
	Clock      domain.Clock
	Catalogue  domain.Catalogue
	Parser     domain.IdentityParser
	Policy     domain.PolicyOptions
	Clinic     domain.Clinic
	Schedule   domain.Schedule
	Hub        *Hub              // nil: nobody listens
	Print      domain.PrintQueue // nil: no print folder
	Quarantine domain.Quarantine // nil: no receipt quarantine
	// Switches is the day each examination went digital, where known
	// (exams.<code>.digital_since, or the demo's): the rollout report's
	// check after each step.
	Switches map[string]time.Time

	principal domain.Principal
	session   *Session
}

// Actor is who changes made through s are attributed to.
func (s *Service) Actor() string {
	if s.principal.User == "" {
		return domain.SystemActor
	}
	return s.principal.User
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
	if err := s.require(domain.PermBook); err != nil {
		return BookResult{}, err
	}
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
	b, err := s.Store.CreateBooking(s.changing(ctx, domain.AccessBook), id, func(bid domain.BookingID, existing []*domain.Booking) (*domain.Booking, error) {
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

// Cancel cancels a booking and tells the patient on the channels their
// summons went by (domain.Booking.CancelAndNotify).
func (s *Service) Cancel(ctx context.Context, id domain.BookingID, note string) (*domain.Booking, error) {
	if err := domain.CheckNote(note); err != nil {
		return nil, err
	}
	b, err := s.byHand(ctx, id, domain.AccessCancel, func(b *domain.Booking, env domain.FireEnv) error {
		return b.CancelAndNotify(env, note)
	})
	var ee envError
	if !errors.As(err, &ee) {
		return b, err
	}
	// The examination or site left the catalogue, or the patient's record
	// is gone: the booking is cancelled all the same, without a notice.
	now := s.Clock.Now()
	return s.update(ctx, id, domain.AccessCancel, func(b *domain.Booking, _ []*domain.Booking) error {
		return b.CancelWithoutNotice(domain.FireEnv{Now: now, Actor: s.Actor()}, note, domain.NoteNoNotice+": "+ee.Error())
	})
}

// update changes one booking for the acting user — who must be allowed to
// change bookings — logs the access in the change's transaction, and tells
// the hub once it is committed.
func (s *Service) update(ctx context.Context, id domain.BookingID, action domain.AccessAction, fn func(*domain.Booking, []*domain.Booking) error) (*domain.Booking, error) {
	if err := s.require(domain.PermBook); err != nil {
		return nil, err
	}
	b, err := s.Store.UpdateBooking(s.changing(ctx, action), id, fn)
	if err == nil {
		s.publish(id)
	}
	return b, err
}

// Rebook moves a booking to a new time; the result carries warnings as Book's does.
func (s *Service) Rebook(ctx context.Context, id domain.BookingID, at time.Time) (*domain.Booking, []string, error) {
	return s.RebookAt(ctx, id, "", at)
}

// RebookAt moves a booking to a new time and, when site is set and
// differs, to another site of the catalogue.
func (s *Service) RebookAt(ctx context.Context, id domain.BookingID, site string, at time.Time) (*domain.Booking, []string, error) {
	now := s.Clock.Now()
	if site != "" {
		if _, err := s.Catalogue.Site(site); err != nil {
			return nil, nil, err
		}
	}
	b, err := s.update(ctx, id, domain.AccessRebook, func(b *domain.Booking, others []*domain.Booking) error {
		to := site
		if to == "" {
			to = b.Site()
		}
		return b.RebookAt(to, at, now, s.Actor(), others)
	})
	if err != nil {
		return nil, nil, err
	}
	return b, VisitWarnings(at), nil
}

// KeepTime answers a patient's rebook or cancel request by keeping the time.
func (s *Service) KeepTime(ctx context.Context, id domain.BookingID, note string) (*domain.Booking, error) {
	if err := domain.CheckNote(note); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	return s.update(ctx, id, domain.AccessKeepTime, func(b *domain.Booking, _ []*domain.Booking) error {
		return b.KeepTime(now, s.Actor(), note)
	})
}

// MarkAttended records that the patient came.
func (s *Service) MarkAttended(ctx context.Context, id domain.BookingID) (*domain.Booking, error) {
	now := s.Clock.Now()
	return s.update(ctx, id, domain.AccessAttended, func(b *domain.Booking, _ []*domain.Booking) error {
		return b.MarkAttended(now, s.Actor())
	})
}

// MarkNoShow records that the patient did not come.
func (s *Service) MarkNoShow(ctx context.Context, id domain.BookingID) (*domain.Booking, error) {
	now := s.Clock.Now()
	return s.update(ctx, id, domain.AccessNoShow, func(b *domain.Booking, _ []*domain.Booking) error {
		return b.MarkNoShow(now, s.Actor())
	})
}

// ErrPatientExists is an added patient whose identity number is already
// registered: change that one instead.
var ErrPatientExists = errors.New("a patient with that identity number is already registered")

// SavePatient adds a patient (create) or changes one from a form, with the
// same validation as the import (domain.NewPatient). A change after the
// summons is re-checked as an imported one is.
func (s *Service) SavePatient(ctx context.Context, in domain.PatientInput, create bool) (domain.Patient, error) {
	if err := s.require(domain.PermImport); err != nil {
		return domain.Patient{}, err
	}
	p, err := domain.NewPatient(in)
	if err != nil {
		return domain.Patient{}, err
	}
	_, err = s.Store.Patient(ctx, p.ID())
	switch {
	case create && err == nil:
		return domain.Patient{}, ErrPatientExists
	case err != nil && (create && errors.Is(err, domain.ErrNotFound)):
	case err != nil:
		return domain.Patient{}, err
	}
	if _, err := s.Store.UpsertPatients(s.changing(ctx, domain.AccessEditPatient), []domain.Patient{p}, s.Clock.Now(), s.Actor()); err != nil {
		return domain.Patient{}, err
	}
	s.publish()
	return p, nil
}

// CorrectOutcome corrects a slip: attended to no-show or back, with a note
// for the history.
func (s *Service) CorrectOutcome(ctx context.Context, id domain.BookingID, to domain.BookingState, note string) (*domain.Booking, error) {
	if err := domain.CheckNote(note); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	return s.update(ctx, id, domain.AccessCorrect, func(b *domain.Booking, _ []*domain.Booking) error {
		return b.CorrectOutcome(to, now, s.Actor(), note)
	})
}

// UndoCancel takes back a cancellation made by mistake the same day; a new
// summons goes at the next tick.
func (s *Service) UndoCancel(ctx context.Context, id domain.BookingID, note string) (*domain.Booking, error) {
	if err := domain.CheckNote(note); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	return s.update(ctx, id, domain.AccessCorrect, func(b *domain.Booking, others []*domain.Booking) error {
		return b.UndoCancel(now, s.Actor(), note, others)
	})
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
	// Keep names the parts the file has no columns for: a known patient's
	// stay as stored (domain.PatientInput.KeepFrom).
	Keep domain.PatientFields
}

// ImportPatients validates each row and stores the valid ones in one
// transaction; a row whose identity number appears twice in the file is
// rejected rather than silently merged.
func (s *Service) ImportPatients(ctx context.Context, rows []ImportRow) (ImportResult, error) {
	if err := s.require(domain.PermImport); err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	var ok []domain.Patient
	seen := map[string]int{}
	stored, err := s.storedForImport(ctx, rows)
	if err != nil {
		return res, err
	}
	for _, r := range rows {
		if r.Err != nil {
			res.Rejected = append(res.Rejected, RowError{r.Line, r.Err})
			continue
		}
		in := r.Patient
		if had, known := stored[in.ID.Canonical()]; known {
			in = in.KeepFrom(&had, r.Keep)
		} else {
			in = in.KeepFrom(nil, r.Keep) // a new patient: what the file lacks is empty
		}
		p, err := domain.NewPatient(in)
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
		up, err := s.Store.UpsertPatients(s.changing(ctx, domain.AccessImport), ok, s.Clock.Now(), s.Actor())
		if err != nil {
			return res, err
		}
		res.PatientUpsertResult = up
		s.publish()
	}
	return res, nil
}

// storedForImport reads the known patients of the rows whose file leaves
// parts of their data out, so that those parts stay.
func (s *Service) storedForImport(ctx context.Context, rows []ImportRow) (map[string]domain.Patient, error) {
	stored := map[string]domain.Patient{}
	for _, r := range rows {
		if r.Err != nil || r.Keep == 0 || r.Patient.ID.IsZero() {
			continue
		}
		p, err := s.Store.Patient(ctx, r.Patient.ID)
		switch {
		case errors.Is(err, domain.ErrNotFound):
		case err != nil:
			return nil, err
		default:
			stored[p.ID().Canonical()] = p
		}
	}
	return stored, nil
}

// Patient looks a patient up by identity number as typed, and logs the look.
func (s *Service) Patient(ctx context.Context, in string) (domain.Patient, error) {
	p, err := s.lookupPatient(ctx, in)
	if err != nil {
		return domain.Patient{}, err
	}
	if err := s.logRead(ctx, domain.AccessViewPatient, PatientRef{Patient: p.ID()}); err != nil {
		return domain.Patient{}, err
	}
	return p, nil
}

// ChoosePatient reads the patient a secretary picked in the booking form
// (their account and notification state, interpreter, address decide the
// channels shown) and logs the look.
func (s *Service) ChoosePatient(ctx context.Context, id domain.IdentityNumber) (domain.Patient, error) {
	if err := s.require(domain.PermPatientData); err != nil {
		return domain.Patient{}, err
	}
	p, err := s.Store.Patient(ctx, id)
	if err != nil {
		return domain.Patient{}, err
	}
	if err := s.logRead(ctx, domain.AccessViewPatient, PatientRef{Patient: id}); err != nil {
		return domain.Patient{}, err
	}
	return p, nil
}

func (s *Service) lookupPatient(ctx context.Context, in string) (domain.Patient, error) {
	if err := s.require(domain.PermPatientData); err != nil {
		return domain.Patient{}, err
	}
	id, err := s.ParseIdentity(in)
	if err != nil {
		return domain.Patient{}, err
	}
	p, err := s.Store.Patient(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Patient{}, domain.ErrPatientNotFound
	}
	return p, err
}

// PatientDetail is a patient with their bookings, as `patient show` prints it.
type PatientDetail struct {
	Patient  domain.Patient
	Bookings []*domain.Booking
}

// PatientWithBookings reads a patient (as typed) and every booking of
// theirs, and logs one look at the patient.
func (s *Service) PatientWithBookings(ctx context.Context, in string) (PatientDetail, error) {
	p, err := s.lookupPatient(ctx, in)
	if err != nil {
		return PatientDetail{}, err
	}
	d := PatientDetail{Patient: p}
	err = s.eachBooking(ctx, domain.BookingQuery{Patient: p.ID()}, func(b *domain.Booking) error {
		d.Bookings = append(d.Bookings, b)
		return nil
	})
	if err != nil {
		return PatientDetail{}, err
	}
	if err := s.logRead(ctx, domain.AccessViewPatient, PatientRef{Patient: p.ID()}); err != nil {
		return PatientDetail{}, err
	}
	return d, nil
}

// bookingPage is how many bookings a listing reads per transaction.
var bookingPage = 500

// EachBooking calls fn for every booking matching q, reading the store a
// page at a time so that a million bookings never sit in memory at once.
// It logs nothing: it serves work done for the acting user that shows no
// person the data (the demo's history). A listing shown to a person or
// written out goes through ExportBookings.
func (s *Service) EachBooking(ctx context.Context, q domain.BookingQuery, fn func(*domain.Booking) error) error {
	if err := s.require(domain.PermPatientData); err != nil {
		return err
	}
	return s.eachBooking(ctx, q, fn)
}

func (s *Service) eachBooking(ctx context.Context, q domain.BookingQuery, fn func(*domain.Booking) error) error {
	return s.eachBookingPage(ctx, q, func(bs []*domain.Booking) error {
		for _, b := range bs {
			if err := fn(b); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) eachBookingPage(ctx context.Context, q domain.BookingQuery, fn func([]*domain.Booking) error) error {
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
		if err := fn(bs); err != nil {
			return err
		}
		n += len(bs)
		if len(bs) < q.Limit || (limit > 0 && n >= limit) {
			return nil
		}
		last := bs[len(bs)-1]
		q.After = &domain.BookingCursor{VisitAt: last.VisitAt(), ID: last.ID()}
	}
}

// ExportBookings calls fn for every booking matching q with its patient,
// a page at a time, logging each page's patients in the access log (once
// per patient in this session) before fn sees them: the CLI's listings.
func (s *Service) ExportBookings(ctx context.Context, q domain.BookingQuery, fn func(*domain.Booking, domain.Patient) error) error {
	if err := s.require(domain.PermPatientLists); err != nil {
		return err
	}
	qs, _ := s.Store.(domain.QueryStore)
	return s.eachBookingPage(ctx, q, func(bs []*domain.Booking) error {
		refs := make([]PatientRef, len(bs))
		ids := make([]domain.IdentityNumber, len(bs))
		for i, b := range bs {
			refs[i] = PatientRef{Patient: b.Patient(), Booking: b.ID()}
			ids[i] = b.Patient()
		}
		ps, err := s.patientsByID(ctx, qs, ids)
		if err != nil {
			return err
		}
		if err := s.logOnce(ctx, domain.AccessExport, refs); err != nil {
			return err
		}
		for i, b := range bs {
			if err := fn(b, ps[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// patientsByID reads several patients, in one transaction where the store can.
func (s *Service) patientsByID(ctx context.Context, qs domain.QueryStore, ids []domain.IdentityNumber) ([]domain.Patient, error) {
	if qs != nil {
		return qs.PatientsByID(ctx, ids)
	}
	out := make([]domain.Patient, len(ids))
	for i, id := range ids {
		p, err := s.Store.Patient(ctx, id)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// ExportPatients calls fn for every patient by identity number, a page at
// a time, logging each page's patients before fn sees them: `patient list`.
func (s *Service) ExportPatients(ctx context.Context, fn func(domain.Patient) error) error {
	if err := s.require(domain.PermPatientLists); err != nil {
		return err
	}
	after := ""
	for {
		ps, err := s.Store.Patients(ctx, after, bookingPage)
		if err != nil {
			return err
		}
		refs := make([]PatientRef, len(ps))
		for i, p := range ps {
			refs[i] = PatientRef{Patient: p.ID()}
		}
		if err := s.logOnce(ctx, domain.AccessExport, refs); err != nil {
			return err
		}
		for _, p := range ps {
			if err := fn(p); err != nil {
				return err
			}
		}
		if len(ps) < bookingPage {
			return nil
		}
		after = ps[len(ps)-1].ID().Canonical()
	}
}
