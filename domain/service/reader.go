package service

import (
	"context"
	"errors"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// Reader is what an interactive screen reads from the store, every call
// checked against the acting user's rights. Reading is not showing: the
// screen logs what it shows (LogShown for a list's rows, Detail and
// ChoosePatient for a look at one patient).
type Reader struct{ s *Service }

// Reader returns the checked read side of s's store for a screen.
func (s *Service) Reader() Reader { return Reader{s} }

var errNoQueries = errors.New("this store cannot answer interactive queries")

func (r Reader) query(perm domain.Permission) (domain.QueryStore, error) {
	if err := r.s.require(perm); err != nil {
		return nil, err
	}
	q, ok := r.s.Store.(domain.QueryStore)
	if !ok {
		return nil, errNoQueries
	}
	return q, nil
}

// Bookings lists bookings (patient data).
func (r Reader) Bookings(ctx context.Context, q domain.BookingQuery) ([]*domain.Booking, error) {
	st, err := r.query(domain.PermPatientLists)
	if err != nil {
		return nil, err
	}
	return st.Bookings(ctx, q)
}

// Booking reads one booking (patient data).
func (r Reader) Booking(ctx context.Context, id domain.BookingID) (*domain.Booking, error) {
	st, err := r.query(domain.PermPatientData)
	if err != nil {
		return nil, err
	}
	return st.Booking(ctx, id)
}

// Patient reads one patient (patient data).
func (r Reader) Patient(ctx context.Context, id domain.IdentityNumber) (domain.Patient, error) {
	st, err := r.query(domain.PermPatientData)
	if err != nil {
		return domain.Patient{}, err
	}
	return st.Patient(ctx, id)
}

// PatientsByID reads several patients (patient data).
func (r Reader) PatientsByID(ctx context.Context, ids []domain.IdentityNumber) ([]domain.Patient, error) {
	st, err := r.query(domain.PermPatientData)
	if err != nil {
		return nil, err
	}
	return st.PatientsByID(ctx, ids)
}

// SearchPatients finds patients as the user types (patient data).
func (r Reader) SearchPatients(ctx context.Context, query string, limit int) ([]domain.Patient, error) {
	st, err := r.query(domain.PermPatientLists)
	if err != nil {
		return nil, err
	}
	return st.SearchPatients(ctx, query, limit)
}

// SearchBookings is a keystroke of the bookings search in one read
// (patient data): see domain.QueryStore.
func (r Reader) SearchBookings(ctx context.Context, query string, patients int, at time.Time, q domain.BookingQuery) ([]domain.SearchRow, error) {
	st, err := r.query(domain.PermPatientLists)
	if err != nil {
		return nil, err
	}
	return st.SearchBookings(ctx, query, patients, at, q)
}

// Attention lists the bookings that need staff (patient data).
func (r Reader) Attention(ctx context.Context, limit int) ([]domain.AttentionItem, error) {
	st, err := r.query(domain.PermPatientLists)
	if err != nil {
		return nil, err
	}
	return st.Attention(ctx, limit)
}

// AttentionCount is how many bookings need staff (as Attention: patient
// data).
func (r Reader) AttentionCount(ctx context.Context) (int, error) {
	st, err := r.query(domain.PermPatientLists)
	if err != nil {
		return 0, err
	}
	return st.AttentionCount(ctx)
}

// FailingOutbox lists the deliveries that keep failing.
func (r Reader) FailingOutbox(ctx context.Context, minAttempts int) ([]domain.OutboxEntry, error) {
	st, err := r.query(domain.PermDeliveries)
	if err != nil {
		return nil, err
	}
	return st.FailingOutbox(ctx, minAttempts)
}

// RetryOutbox makes a failing delivery due now.
func (r Reader) RetryOutbox(ctx context.Context, id string, at time.Time) error {
	st, err := r.query(domain.PermDeliveries)
	if err != nil {
		return err
	}
	return st.RetryOutbox(ctx, id, at)
}

// OutboxStats counts the messages waiting: figures, no patient in them,
// for every signed-in user's status line.
func (r Reader) OutboxStats(ctx context.Context) (waiting, failing int, err error) {
	if r.s.principal.IsZero() {
		return 0, 0, r.s.require(domain.PermReports)
	}
	ls, ok := r.s.Store.(domain.LoopStore)
	if !ok {
		return 0, 0, errNoQueries
	}
	return ls.OutboxStats(ctx)
}

// ReportStore is the store's side of the coordinators' figures: sums kept
// per day and ISO week, the facts behind them, and their rebuilding.
type ReportStore interface {
	// Totals calls fn for every day row of [from, to).
	Totals(ctx context.Context, from, to time.Time, fn func(k metrics.Key, t metrics.Totals) bool) error
	// WeekTotals calls fn for every row of the ISO weeks fromWeek..toWeek.
	WeekTotals(ctx context.Context, fromWeek, toWeek string, fn func(k metrics.Key, week string, t metrics.Totals) bool) error
	// Members calls fn for the facts behind a week's rows (exam "" and
	// group "" match any).
	Members(ctx context.Context, week, exam string, group metrics.Group, fn func(f metrics.Fact) bool) error
	// Rebuild recomputes every sum from the event log, and writes them
	// where they differ from those kept.
	Rebuild(ctx context.Context) (metrics.Rebuilt, error)
}

// Reports is the checked read side of the figures: sums for those who may
// read the reports, the summonses behind a figure for those who may drill
// down.
type Reports struct{ s *Service }

// Reports returns the checked figures for a screen or a report.
func (s *Service) Reports() Reports { return Reports{s} }

func (r Reports) store(perm domain.Permission) (ReportStore, error) {
	if err := r.s.require(perm); err != nil {
		return nil, err
	}
	rs, ok := r.s.Store.(ReportStore)
	if !ok {
		return nil, errors.New("this store keeps no report figures")
	}
	return rs, nil
}

// Totals reads day rows.
func (r Reports) Totals(ctx context.Context, from, to time.Time, fn func(k metrics.Key, t metrics.Totals) bool) error {
	rs, err := r.store(domain.PermReports)
	if err != nil {
		return err
	}
	return rs.Totals(ctx, from, to, fn)
}

// WeekTotals reads week rows.
func (r Reports) WeekTotals(ctx context.Context, fromWeek, toWeek string, fn func(k metrics.Key, week string, t metrics.Totals) bool) error {
	rs, err := r.store(domain.PermReports)
	if err != nil {
		return err
	}
	return rs.WeekTotals(ctx, fromWeek, toWeek, fn)
}

// Members reads the summonses behind a figure (booking numbers, no names).
func (r Reports) Members(ctx context.Context, week, exam string, group metrics.Group, fn func(f metrics.Fact) bool) error {
	rs, err := r.store(domain.PermDrillDown)
	if err != nil {
		return err
	}
	return rs.Members(ctx, week, exam, group, fn)
}

// RebuildReports recomputes every figure from the event log (admin).
func (s *Service) RebuildReports(ctx context.Context) (metrics.Rebuilt, error) {
	rs, err := Reports{s}.store(domain.PermOperate)
	if err != nil {
		return metrics.Rebuilt{}, err
	}
	return rs.Rebuild(ctx)
}
