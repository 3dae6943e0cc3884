package storage

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// indexSizes counts the entries of each booking index and of the event log.
func indexSizes(t *testing.T, s *Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketBookings, bucketIdxVisit, bucketIdxPatient, bucketIdxState, bucketEvents, bucketIdxEventBooking} {
			out[string(name)] = tx.Bucket(name).Stats().KeyN
		}
		out["bookings.seq"] = int(tx.Bucket(bucketBookings).Sequence())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCreateBooking_StoresRecordIndexesAndEvents(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	at := t0.Add(49 * time.Hour)

	var sawID domain.BookingID
	b, err := s.CreateBooking(ctx, p.ID(), func(id domain.BookingID, existing []*domain.Booking) (*domain.Booking, error) {
		sawID = id
		if len(existing) != 0 {
			t.Errorf("existing = %v, want none", ids(existing))
		}
		return builder(p, examECG, siteRyhov, at)(id, existing)
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.ID() != 1 || sawID != 1 {
		t.Errorf("id = %d (build saw %d), want 1", b.ID(), sawID)
	}
	got, err := s.Booking(ctx, b.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normSnap(got.Snapshot()), normSnap(b.Snapshot())) {
		t.Errorf("stored %+v\nwant   %+v", got.Snapshot(), b.Snapshot())
	}
	if got.VisitAt().Location() != domain.Stockholm {
		t.Errorf("visit time in %v, want Stockholm", got.VisitAt().Location())
	}
	evs, err := s.BookingEvents(ctx, b.ID())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Type != domain.EventBooked || evs[0].Booking != b.ID() || evs[0].Seq != 2 ||
		evs[0].VisitAt == nil || !evs[0].VisitAt.Equal(at) {
		t.Errorf("events = %+v", evs)
	}
	if n, _ := s.CountBookings(ctx); n != 1 {
		t.Errorf("CountBookings = %d", n)
	}
	want := map[string]int{"bookings": 1, "idx_visit": 1, "idx_patient": 1, "idx_state": 1,
		"events": 2, "idx_event_booking": 1, "bookings.seq": 1}
	if got := indexSizes(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("sizes = %v, want %v", got, want)
	}

	// The second booking of the patient sees the first as existing.
	var existing []domain.BookingID
	_, err = s.CreateBooking(ctx, p.ID(), func(id domain.BookingID, ex []*domain.Booking) (*domain.Booking, error) {
		existing = ids(ex)
		return builder(p, examEcho, siteVarnamo, at.Add(24*time.Hour))(id, ex)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(existing, []domain.BookingID{1}) {
		t.Errorf("existing = %v, want [1]", existing)
	}
}

func TestCreateBooking_UnknownPatient(t *testing.T) {
	s := openTest(t)
	p := mustPatient(t, mustID(t, "19121212-1212"), "Tolvan Tolvansson")
	called := false
	_, err := s.CreateBooking(context.Background(), p.ID(), func(id domain.BookingID, ex []*domain.Booking) (*domain.Booking, error) {
		called = true
		return builder(p, examECG, siteRyhov, t0.Add(48*time.Hour))(id, ex)
	})
	if !errors.Is(err, domain.ErrNotFound) || !errors.Is(err, domain.ErrPatientNotFound) || strings.Contains(err.Error(), "121212") {
		t.Fatalf("err = %v, want no patient with that identity number, without the number", err)
	}
	if called {
		t.Error("build called for an unknown patient")
	}
	if n, _ := s.CountBookings(context.Background()); n != 0 {
		t.Errorf("CountBookings = %d", n)
	}
}

func TestCreateBooking_FailureStoresNothing(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	other := mustPatient(t, mustID(t, pnrString(1985, 8, 8, 888)), "Annan Person")
	first := book(t, s, p, examECG, siteRyhov, t0.Add(48*time.Hour))
	before := indexSizes(t, s)

	refused := errors.New("refused")
	cases := map[string]struct {
		build func(domain.BookingID, []*domain.Booking) (*domain.Booking, error)
		is    error
	}{
		"build error": {func(domain.BookingID, []*domain.Booking) (*domain.Booking, error) { return nil, refused }, refused},
		"overlap":     {builder(p, examTest, siteRyhov, first.VisitAt().Add(15*time.Minute)), domain.ErrOverlap},
		"past":        {builder(p, examTest, siteRyhov, t0.Add(-time.Hour)), domain.ErrVisitInPast},
		"nil booking": {func(domain.BookingID, []*domain.Booking) (*domain.Booking, error) { return nil, nil }, nil},
		"wrong id": {func(id domain.BookingID, ex []*domain.Booking) (*domain.Booking, error) {
			return builder(p, examTest, siteRyhov, t0.Add(96*time.Hour))(id+1, ex)
		}, nil},
		"wrong patient": {builder(other, examTest, siteRyhov, t0.Add(96*time.Hour)), nil},
		"before 1970": {func(id domain.BookingID, ex []*domain.Booking) (*domain.Booking, error) {
			return domain.NewBooking(domain.BookingRequest{ID: id, Patient: p, Exam: examECG, Site: siteRyhov,
				VisitAt: time.Date(1965, 1, 1, 9, 0, 0, 0, domain.Stockholm), Now: time.Date(1964, 1, 1, 0, 0, 0, 0, time.UTC), Actor: actor})
		}, nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := s.CreateBooking(ctx, p.ID(), c.build)
			if err == nil || b != nil {
				t.Fatalf("CreateBooking = %v, %v; want an error", b, err)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("err = %v, want %v", err, c.is)
			}
			if got := indexSizes(t, s); !reflect.DeepEqual(got, before) {
				t.Errorf("sizes = %v, want %v", got, before)
			}
			if n, _ := s.CountBookings(ctx); n != 1 {
				t.Errorf("CountBookings = %d, want 1", n)
			}
		})
	}
	// The sequence rolled back: the next booking gets id 2.
	if b := book(t, s, p, examTest, siteRyhov, t0.Add(96*time.Hour)); b.ID() != 2 {
		t.Errorf("next id = %d, want 2", b.ID())
	}
}

func TestUpdateBooking_RebookAndCancelMoveTheIndexes(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	b1 := book(t, s, p, examECG, siteRyhov, t0.Add(48*time.Hour))
	b2 := book(t, s, p, examEcho, siteRyhov, t0.Add(72*time.Hour))
	newAt := t0.Add(120 * time.Hour)

	var others []domain.BookingID
	got, err := s.UpdateBooking(ctx, b1.ID(), func(b *domain.Booking, o []*domain.Booking) error {
		others = ids(o)
		return b.Rebook(newAt, t0.Add(time.Hour), actor, o)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(others, []domain.BookingID{b2.ID()}) {
		t.Errorf("others = %v, want [%d]", others, b2.ID())
	}
	if got.State() != domain.StateRebooked || !got.VisitAt().Equal(newAt) {
		t.Errorf("returned %s at %v", got.State(), got.VisitAt())
	}
	list := func(q domain.BookingQuery) []domain.BookingID {
		t.Helper()
		bs, err := s.Bookings(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return ids(bs)
	}
	check := func(name string, q domain.BookingQuery, want ...domain.BookingID) {
		t.Helper()
		if got := list(q); !reflect.DeepEqual(got, append([]domain.BookingID{}, want...)) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	check("all, by visit time", domain.BookingQuery{}, b2.ID(), b1.ID())
	check("old window", domain.BookingQuery{From: t0.Add(47 * time.Hour), To: t0.Add(49 * time.Hour)})
	check("new window", domain.BookingQuery{From: newAt, To: newAt.Add(time.Minute)}, b1.ID())
	check("booked", domain.BookingQuery{State: domain.StateBooked}, b2.ID())
	check("rebooked", domain.BookingQuery{State: domain.StateRebooked}, b1.ID())
	check("patient", domain.BookingQuery{Patient: p.ID()}, b2.ID(), b1.ID())

	if _, err := s.UpdateBooking(ctx, b2.ID(), func(b *domain.Booking, _ []*domain.Booking) error {
		return b.Cancel(t0.Add(2*time.Hour), actor, "")
	}); err != nil {
		t.Fatal(err)
	}
	check("booked after cancel", domain.BookingQuery{State: domain.StateBooked})
	check("cancelled", domain.BookingQuery{State: domain.StateCancelled}, b2.ID())

	evs, err := s.BookingEvents(ctx, b1.ID())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Type != domain.EventBooked || evs[1].Type != domain.EventRebooked || evs[0].Seq >= evs[1].Seq {
		t.Errorf("events of %d = %+v", b1.ID(), evs)
	}
	want := map[string]int{"bookings": 2, "idx_visit": 2, "idx_patient": 2, "idx_state": 2,
		"events": 5, "idx_event_booking": 4, "bookings.seq": 2}
	if got := indexSizes(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("sizes = %v, want %v", got, want)
	}
}

func TestUpdateBooking_ErrorChangesNothing(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	b := book(t, s, p, examECG, siteRyhov, t0.Add(48*time.Hour))
	before := indexSizes(t, s)

	// The change is made to the booking, then refused: the store keeps the old one.
	_, err := s.UpdateBooking(ctx, b.ID(), func(b *domain.Booking, _ []*domain.Booking) error {
		if err := b.Cancel(t0.Add(time.Hour), actor, ""); err != nil {
			return err
		}
		return domain.ErrIllegalTransition
	})
	if !errors.Is(err, domain.ErrIllegalTransition) {
		t.Fatalf("err = %v", err)
	}
	got, err := s.Booking(ctx, b.ID())
	if err != nil || got.State() != domain.StateBooked {
		t.Fatalf("booking after refused change = %v, %v", got.State(), err)
	}
	if after := indexSizes(t, s); !reflect.DeepEqual(after, before) {
		t.Errorf("sizes = %v, want %v", after, before)
	}
	// A change the domain refuses.
	_, err = s.UpdateBooking(ctx, b.ID(), func(b *domain.Booking, _ []*domain.Booking) error {
		return b.MarkAttended(t0, actor)
	})
	if !errors.Is(err, domain.ErrVisitNotStarted) {
		t.Errorf("err = %v, want ErrVisitNotStarted", err)
	}
}

func TestUpdateBooking_UnknownIsNotFound(t *testing.T) {
	s := openTest(t)
	called := false
	_, err := s.UpdateBooking(context.Background(), 42, func(*domain.Booking, []*domain.Booking) error {
		called = true
		return nil
	})
	if !errors.Is(err, domain.ErrNotFound) || called {
		t.Errorf("err = %v, called = %v", err, called)
	}
}

func TestBooking_UnknownIsNotFound(t *testing.T) {
	s := openTest(t)
	if _, err := s.Booking(context.Background(), 7); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Booking: err = %v", err)
	}
	if _, err := s.BookingEvents(context.Background(), 7); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("BookingEvents: err = %v", err)
	}
}

func TestBooking_CorruptRecordIsAnErrorNamingTheKey(t *testing.T) {
	s := openTest(t)
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	b := book(t, s, p, examECG, siteRyhov, t0.Add(48*time.Hour))
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBookings).Put(u64(uint64(b.ID())), []byte(`{"id":1,"state":"lost"`))
	}); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Booking":  func() error { _, err := s.Booking(context.Background(), b.ID()); return err }(),
		"Bookings": func() error { _, err := s.Bookings(context.Background(), domain.BookingQuery{}); return err }(),
		"Update": func() error {
			_, err := s.UpdateBooking(context.Background(), b.ID(), func(*domain.Booking, []*domain.Booking) error { return nil })
			return err
		}(),
	} {
		if err == nil || !strings.Contains(err.Error(), "bookings/1") {
			t.Errorf("%s: err = %v, want one naming bookings/1", name, err)
		}
	}
}

func TestBookings_FiltersPagingAndBounds(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	q := addPatient(t, s, pnrString(1992, 9, 9, 999), "Quintus Qvist")
	day := 24 * time.Hour
	// Two bookings at the same instant (different patients) order by id.
	b1 := book(t, s, p, examECG, siteRyhov, t0.Add(2*day))
	b2 := book(t, s, q, examECG, siteVarnamo, t0.Add(2*day))
	b3 := book(t, s, p, examEcho, siteRyhov, t0.Add(1*day))
	b4 := book(t, s, q, examTest, siteRyhov, t0.Add(3*day))
	b5 := book(t, s, p, examECG, siteVarnamo, t0.Add(4*day))

	cases := []struct {
		name string
		q    domain.BookingQuery
		want []domain.BookingID
	}{
		{"all", domain.BookingQuery{}, []domain.BookingID{b3.ID(), b1.ID(), b2.ID(), b4.ID(), b5.ID()}},
		{"exam", domain.BookingQuery{Exam: "ekg24"}, []domain.BookingID{b1.ID(), b2.ID(), b5.ID()}},
		{"exam and site", domain.BookingQuery{Exam: "ekg24", Site: "varnamo"}, []domain.BookingID{b2.ID(), b5.ID()}},
		{"patient", domain.BookingQuery{Patient: p.ID()}, []domain.BookingID{b3.ID(), b1.ID(), b5.ID()}},
		{"patient and site", domain.BookingQuery{Patient: p.ID(), Site: "ryhov"}, []domain.BookingID{b3.ID(), b1.ID()}},
		{"patient and state", domain.BookingQuery{Patient: q.ID(), State: domain.StateBooked}, []domain.BookingID{b2.ID(), b4.ID()}},
		{"state", domain.BookingQuery{State: domain.StateBooked, Limit: 2}, []domain.BookingID{b3.ID(), b1.ID()}},
		{"state none", domain.BookingQuery{State: domain.StateCancelled}, nil},
		{"to is exclusive", domain.BookingQuery{To: t0.Add(2 * day)}, []domain.BookingID{b3.ID()}},
		{"from is inclusive", domain.BookingQuery{From: t0.Add(2 * day), To: t0.Add(3*day + 1)}, []domain.BookingID{b1.ID(), b2.ID(), b4.ID()}},
		{"from on patient index", domain.BookingQuery{Patient: p.ID(), From: t0.Add(2 * day)}, []domain.BookingID{b1.ID(), b5.ID()}},
		{"after a tie", domain.BookingQuery{After: &domain.BookingCursor{VisitAt: b1.VisitAt(), ID: b1.ID()}}, []domain.BookingID{b2.ID(), b4.ID(), b5.ID()}},
		{"after before from", domain.BookingQuery{From: t0.Add(3 * day), After: &domain.BookingCursor{VisitAt: b3.VisitAt(), ID: b3.ID()}}, []domain.BookingID{b4.ID(), b5.ID()}},
		{"after on state index", domain.BookingQuery{State: domain.StateBooked, After: &domain.BookingCursor{VisitAt: b4.VisitAt(), ID: b4.ID()}}, []domain.BookingID{b5.ID()}},
		{"limit", domain.BookingQuery{Limit: 1}, []domain.BookingID{b3.ID()}},
		{"before 1970", domain.BookingQuery{To: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"from before 1970", domain.BookingQuery{From: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), Limit: 1}, []domain.BookingID{b3.ID()}},
		{"unknown patient", domain.BookingQuery{Patient: mustID(t, "19121212-1212")}, nil},
	}
	for _, c := range cases {
		got, err := s.Bookings(ctx, c.q)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if g := ids(got); !reflect.DeepEqual(g, c.want) && !(len(g) == 0 && len(c.want) == 0) {
			t.Errorf("%s: got %v, want %v", c.name, g, c.want)
		}
	}
	if _, err := s.Bookings(ctx, domain.BookingQuery{Limit: -1}); err == nil {
		t.Error("negative limit accepted")
	}
}

func TestBookings_ScansOnlyWhatItReturns(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	for i := 0; i < 40; i++ {
		book(t, s, p, examECG, siteRyhov, t0.Add(time.Duration(i+1)*time.Hour))
	}
	// Corrupt an early record: a query that seeks past it never reads it.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBookings).Put(u64(2), []byte("garbage"))
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Bookings(ctx, domain.BookingQuery{From: t0.Add(30 * time.Hour), Limit: 3})
	if err != nil {
		t.Fatalf("query past the damaged record: %v", err)
	}
	if !reflect.DeepEqual(ids(got), []domain.BookingID{30, 31, 32}) {
		t.Errorf("got %v", ids(got))
	}
	if _, err := s.Bookings(ctx, domain.BookingQuery{}); err == nil || !strings.Contains(err.Error(), "bookings/2") {
		t.Errorf("full scan err = %v, want one naming bookings/2", err)
	}
}

func TestStore_ConcurrentUse(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	const writers, each = 4, 10
	var ps []domain.Patient
	for i := 0; i < writers; i++ {
		ps = append(ps, addPatient(t, s, pnrString(1970+i, 1, 1, 100+i), "Patient"))
	}
	errs := make(chan error, 2*writers)
	for w := 0; w < writers; w++ {
		go func(p domain.Patient) {
			for i := 0; i < each; i++ {
				at := t0.Add(time.Duration(i+1) * time.Hour)
				if _, err := s.CreateBooking(ctx, p.ID(), builder(p, examECG, siteRyhov, at)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(ps[w])
		go func() {
			for i := 0; i < each; i++ {
				if _, err := s.Bookings(ctx, domain.BookingQuery{Limit: 5}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < 2*writers; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Bookings(ctx, domain.BookingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[domain.BookingID]bool{}
	for _, b := range all {
		seen[b.ID()] = true
	}
	if n, _ := s.CountBookings(ctx); n != writers*each || len(seen) != writers*each {
		t.Errorf("count %d, distinct ids %d; want %d", n, len(seen), writers*each)
	}
}
