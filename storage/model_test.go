package storage

import (
	bolt "go.etcd.io/bbolt"

	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/kallelse/kallelse/domain"
)

// modelChecks is how many random histories TestStore_MatchesModel tries
// unless -rapid.checks or RAPID_CHECKS says otherwise (rapid's own default,
// 100, takes too long under -race).
const modelChecks = 40

func setModestRapidChecks(t *testing.T) {
	if _, ok := os.LookupEnv("RAPID_CHECKS"); ok {
		return
	}
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(strings.TrimLeft(a, "-"), "rapid.checks") {
			return
		}
	}
	f := flag.Lookup("rapid.checks")
	if f == nil {
		return
	}
	old := f.Value.String()
	if err := flag.Set("rapid.checks", strconv.Itoa(modelChecks)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = flag.Set("rapid.checks", old) })
}

// storeModel is what the store should hold: the latest snapshot of every
// booking, how many events each has and how many the log has in all. The
// domain is the oracle for the rules: every change is applied both to the
// store and to a copy rebuilt from the model, and the outcomes must agree.
type storeModel struct {
	s        *Store
	pool     []domain.IdentityNumber // identity numbers the history draws from
	patients map[string]domain.PatientSnapshot
	bookings map[domain.BookingID]domain.BookingSnapshot
	events   map[domain.BookingID]int
	total    int             // events in the log
	receipts map[string]bool // receipts applied: message id, type
}

var sentinels = []error{domain.ErrOverlap, domain.ErrVisitInPast, domain.ErrIllegalTransition,
	domain.ErrVisitNotStarted, domain.ErrNotFound}

// sameOutcome fails unless got is the error want (the store passes domain
// errors through as they are) or both are nil.
func sameOutcome(t *rapid.T, what string, got, want error) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Fatalf("%s: store failed: %v", what, got)
	case want != nil && got == nil:
		t.Fatalf("%s: store succeeded, model expected %v", what, want)
	case want != nil:
		for _, s := range sentinels {
			if errors.Is(want, s) && !errors.Is(got, s) {
				t.Fatalf("%s: store error %v, want %v", what, got, want)
			}
		}
	}
}

func drawIdentity(t *rapid.T, label string) domain.IdentityNumber {
	year := rapid.IntRange(1930, 2024).Draw(t, label+".year")
	month := rapid.IntRange(1, 12).Draw(t, label+".month")
	day := rapid.IntRange(1, 28).Draw(t, label+".day")
	if rapid.IntRange(0, 4).Draw(t, label+".samordning") == 0 {
		day += 60
	}
	serial := rapid.IntRange(0, 999).Draw(t, label+".serial")
	s := pnrString(year, month, day, serial)
	id, err := domain.DefaultIdentityParser().Parse(s, t0)
	if err != nil {
		t.Fatalf("generated identity %s: %v", s, err)
	}
	return id
}

func drawPatient(t *rapid.T, id domain.IdentityNumber) domain.Patient {
	in := domain.PatientInput{
		ID:          id,
		Name:        rapid.SampledFrom(modelNames).Draw(t, "name"),
		Interpreter: rapid.SampledFrom([]string{"", "", "arabiska"}).Draw(t, "interpreter"),
	}
	in.Has1177Account = rapid.Bool().Draw(t, "account")
	in.NotificationsEnabled = in.Has1177Account && rapid.Bool().Draw(t, "notifications")
	if rapid.Bool().Draw(t, "address") {
		in.Address = domain.Address{Street: "Storgatan 1", PostalCode: "55305", City: "Jönköping"}
	}
	p, err := domain.NewPatient(in)
	if err != nil {
		t.Fatalf("generated patient: %v", err)
	}
	return p
}

// drawSlot is a visit time on a 15-minute grid within eight hours, so that
// a patient's bookings overlap now and then.
func drawSlot(t *rapid.T, label string) time.Time {
	return t0.Add(time.Hour + time.Duration(rapid.IntRange(0, 31).Draw(t, label))*15*time.Minute)
}

// others are the model's bookings of the patient except one, in index order.
func (m *storeModel) others(patient string, except domain.BookingID) []*domain.Booking {
	var out []*domain.Booking
	for _, snap := range m.sorted(func(s domain.BookingSnapshot) bool { return s.Patient == patient && s.ID != except }) {
		b, err := domain.RehydrateBooking(snap)
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	return out
}

func (m *storeModel) sorted(keep func(domain.BookingSnapshot) bool) []domain.BookingSnapshot {
	var out []domain.BookingSnapshot
	for _, s := range m.bookings {
		if keep(s) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b domain.BookingSnapshot) int {
		if c := a.VisitAt.Compare(b.VisitAt); c != 0 {
			return c
		}
		return int(a.ID) - int(b.ID)
	})
	return out
}

func (m *storeModel) upsert(t *rapid.T) {
	n := rapid.IntRange(1, 3).Draw(t, "n")
	var ps []domain.Patient
	var want domain.PatientUpsertResult
	next := maps(m.patients)
	for i := 0; i < n; i++ {
		p := drawPatient(t, rapid.SampledFrom(m.pool).Draw(t, "who"))
		ps = append(ps, p)
		snap := p.Snapshot()
		old, ok := next[snap.ID]
		switch {
		case !ok:
			want.Created++
		case old.Equal(snap):
			want.Unchanged++
		default:
			want.Updated++
		}
		next[snap.ID] = snap
	}
	res, err := m.s.UpsertPatients(context.Background(), ps, t0, actor)
	if err != nil {
		t.Fatal(err)
	}
	if res != want {
		t.Fatalf("UpsertPatients = %+v, want %+v", res, want)
	}
	// A changed patient's bookings take the change (a re-check where the
	// summons went), in the same transaction.
	for _, p := range ps {
		snap := p.Snapshot()
		prevSnap, ok := m.patients[snap.ID]
		if !ok || prevSnap.Equal(snap) {
			continue
		}
		prev, err := domain.RehydratePatient(prevSnap)
		if err != nil {
			t.Fatal(err)
		}
		for _, bs := range m.sorted(func(s domain.BookingSnapshot) bool { return s.Patient == snap.ID }) {
			b, err := domain.RehydrateBooking(bs)
			if err != nil {
				t.Fatal(err)
			}
			if b.PatientChanged(prev, p, t0, actor) {
				n := len(b.TakeEvents())
				m.bookings[bs.ID] = b.Snapshot()
				m.events[bs.ID] += n
				m.total += n
			}
		}
		m.patients[snap.ID] = snap
	}
	m.patients = next
	m.total += want.Created + want.Updated
}

func maps(in map[string]domain.PatientSnapshot) map[string]domain.PatientSnapshot {
	out := make(map[string]domain.PatientSnapshot, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func (m *storeModel) book(t *rapid.T) {
	id := rapid.SampledFrom(m.pool).Draw(t, "patient")
	exam := rapid.SampledFrom(testExams).Draw(t, "exam")
	site := rapid.SampledFrom(testSites).Draw(t, "site")
	at := drawSlot(t, "visit")
	refuse := rapid.IntRange(0, 9).Draw(t, "refuse") == 0
	refused := errors.New("refused by the caller")

	snap, known := m.patients[id.Canonical()]
	var p domain.Patient
	if known {
		var err error
		if p, err = domain.RehydratePatient(snap); err != nil {
			t.Fatal(err)
		}
	}
	nextID := domain.BookingID(len(m.bookings) + 1)
	existing := m.others(id.Canonical(), 0)
	req := domain.BookingRequest{ID: nextID, Patient: p, Exam: exam, Site: site, VisitAt: at, Now: t0, Actor: actor, Existing: existing}
	want, wantErr := domain.NewBooking(req)
	switch {
	case !known:
		wantErr = domain.ErrNotFound
	case refuse:
		wantErr = refused
	}

	got, err := m.s.CreateBooking(context.Background(), id, func(bid domain.BookingID, ex []*domain.Booking) (*domain.Booking, error) {
		if bid != nextID {
			t.Fatalf("build got id %d, want %d", bid, nextID)
		}
		if !reflect.DeepEqual(ids(ex), ids(existing)) {
			t.Fatalf("build got existing %v, want %v", ids(ex), ids(existing))
		}
		if refuse {
			return nil, refused
		}
		r := req
		r.Existing = ex
		return domain.NewBooking(r)
	})
	sameOutcome(t, "CreateBooking", err, wantErr)
	if wantErr == refused && err != refused {
		t.Fatalf("CreateBooking returned %v, not the build function's error", err)
	}
	if err != nil {
		return
	}
	if gs, ws := normSnap(got.Snapshot()), normSnap(want.Snapshot()); !reflect.DeepEqual(gs, ws) {
		t.Fatalf("CreateBooking stored %+v, want %+v", gs, ws)
	}
	n := len(want.TakeEvents())
	m.bookings[nextID] = want.Snapshot()
	m.events[nextID] = n
	m.total += n
}

// change applies op to the booking in the store and to the model's copy.
func (m *storeModel) change(t *rapid.T, op func(b *domain.Booking, others []*domain.Booking) error) {
	id := domain.BookingID(len(m.bookings) + 1) // unknown
	if len(m.bookings) > 0 && rapid.IntRange(0, 9).Draw(t, "known") > 0 {
		id = domain.BookingID(rapid.IntRange(1, len(m.bookings)).Draw(t, "booking"))
	}
	snap, known := m.bookings[id]
	var (
		want    *domain.Booking
		wantErr = error(domain.ErrNotFound)
		others  []*domain.Booking
	)
	if known {
		var err error
		if want, err = domain.RehydrateBooking(snap); err != nil {
			t.Fatal(err)
		}
		others = m.others(snap.Patient, id)
		// The model keeps no outbox: whether the summons still waits
		// unsent is read from the store, as UpdateBooking reads it.
		var waits bool
		if err := m.s.db.View(func(tx *bolt.Tx) (err error) { waits, err = summonsWaits(tx, snap.SummonsMsg); return err }); err != nil {
			t.Fatal(err)
		} else if waits {
			want.SummonsWaits()
		}
		wantErr = op(want, others)
	}
	got, err := m.s.UpdateBooking(context.Background(), id, func(b *domain.Booking, o []*domain.Booking) error {
		if !reflect.DeepEqual(ids(o), ids(others)) {
			t.Fatalf("UpdateBooking %d: others %v, want %v", id, ids(o), ids(others))
		}
		return op(b, o)
	})
	sameOutcome(t, fmt.Sprintf("UpdateBooking %d", id), err, wantErr)
	if err != nil {
		if known && err.Error() != wantErr.Error() {
			t.Fatalf("UpdateBooking %d: error %q, want %q", id, err, wantErr)
		}
		return
	}
	if gs, ws := normSnap(got.Snapshot()), normSnap(want.Snapshot()); !reflect.DeepEqual(gs, ws) {
		t.Fatalf("UpdateBooking %d stored %+v, want %+v", id, gs, ws)
	}
	n := len(want.TakeEvents())
	m.bookings[id] = want.Snapshot()
	m.events[id] += n
	m.total += n
}

func (m *storeModel) actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"upsert":      m.upsert,
		"book":        m.book,
		"book (more)": m.book, // bookings are what the rest works on
		"cancel": func(t *rapid.T) {
			m.change(t, func(b *domain.Booking, _ []*domain.Booking) error {
				return b.Cancel(t0.Add(30*time.Minute), actor, "")
			})
		},
		"rebook": func(t *rapid.T) {
			at := drawSlot(t, "new visit")
			m.change(t, func(b *domain.Booking, others []*domain.Booking) error {
				return b.Rebook(at, t0, actor, others)
			})
		},
		"attended": func(t *rapid.T) {
			offset := time.Duration(rapid.SampledFrom([]int{-15, 0, 20}).Draw(t, "offset")) * time.Minute
			m.change(t, func(b *domain.Booking, _ []*domain.Booking) error {
				return b.MarkAttended(b.VisitAt().Add(offset), actor)
			})
		},
		"no_show": func(t *rapid.T) {
			offset := time.Duration(rapid.SampledFrom([]int{-15, 0, 20}).Draw(t, "offset")) * time.Minute
			m.change(t, func(b *domain.Booking, _ []*domain.Booking) error {
				return b.MarkNoShow(b.VisitAt().Add(offset), actor)
			})
		},
		"fire":               m.fire,
		"receipt":            m.receipt,
		"resolve phone task": m.resolvePhoneTask,
		"":                   m.check,
	}
}

// query compares one store query with the model's answer.
func (m *storeModel) query(t *rapid.T, name string, q domain.BookingQuery) {
	t.Helper()
	got, err := m.s.Bookings(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	want := m.sorted(func(s domain.BookingSnapshot) bool { return modelMatches(s, q) })
	if q.Reverse {
		slices.Reverse(want)
	}
	if q.Limit > 0 && len(want) > q.Limit {
		want = want[:q.Limit]
	}
	m.same(t, name, got, want)
}

func (m *storeModel) same(t *rapid.T, name string, got []*domain.Booking, want []domain.BookingSnapshot) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %d bookings", name, ids(got), len(want))
	}
	for i := range got {
		if gs, ws := normSnap(got[i].Snapshot()), normSnap(want[i]); !reflect.DeepEqual(gs, ws) {
			t.Fatalf("%s: row %d is %+v, want %+v", name, i, gs, ws)
		}
	}
}

// modelMatches is BookingQuery's meaning, written the slow way.
func modelMatches(s domain.BookingSnapshot, q domain.BookingQuery) bool {
	switch {
	case !q.From.IsZero() && s.VisitAt.Before(q.From),
		!q.To.IsZero() && !s.VisitAt.Before(q.To),
		q.Exam != "" && s.Exam != q.Exam,
		q.Site != "" && s.Site != q.Site,
		q.State != "" && s.State != q.State,
		!q.Patient.IsZero() && s.Patient != q.Patient.Canonical():
		return false
	case q.After != nil && comparePos(s, *q.After) <= 0,
		q.Before != nil && comparePos(s, *q.Before) >= 0:
		return false
	}
	return true
}

// pages reads q page by page with the After cursor and compares the whole.
func (m *storeModel) pages(t *rapid.T, name string, q domain.BookingQuery) {
	t.Helper()
	var all []*domain.Booking
	for i := 0; ; i++ {
		page, err := m.s.Bookings(context.Background(), q)
		if err != nil {
			t.Fatalf("%s page %d: %v", name, i, err)
		}
		if len(page) > q.Limit {
			t.Fatalf("%s page %d: %d rows, limit %d", name, i, len(page), q.Limit)
		}
		all = append(all, page...)
		if len(page) < q.Limit {
			break
		}
		last := page[len(page)-1]
		q.After = &domain.BookingCursor{VisitAt: last.VisitAt(), ID: last.ID()}
	}
	q.After, q.Limit = nil, 0
	m.same(t, name, all, m.sorted(func(s domain.BookingSnapshot) bool { return modelMatches(s, q) }))
}

func (m *storeModel) check(t *rapid.T) {
	ctx := context.Background()
	if n, err := m.s.CountBookings(ctx); err != nil || n != len(m.bookings) {
		t.Fatalf("CountBookings = %d, %v; want %d", n, err, len(m.bookings))
	}
	m.query(t, "all", domain.BookingQuery{})
	for _, id := range m.pool {
		m.query(t, "patient "+id.String(), domain.BookingQuery{Patient: id})
		m.query(t, "patient booked later", domain.BookingQuery{Patient: id, State: domain.StateBooked, From: t0.Add(12 * time.Hour)})
	}
	for _, st := range domain.AllStates {
		m.query(t, "state "+string(st), domain.BookingQuery{State: st})
	}
	for _, e := range testExams {
		m.query(t, "exam "+e.Code, domain.BookingQuery{Exam: e.Code})
		m.query(t, "exam later", domain.BookingQuery{Exam: e.Code, From: t0.Add(12 * time.Hour)})
		for _, site := range testSites {
			m.query(t, "exam+site", domain.BookingQuery{Exam: e.Code, Site: site.Code})
		}
	}
	m.query(t, "window", domain.BookingQuery{From: t0.Add(6 * time.Hour), To: t0.Add(14 * time.Hour)})
	m.query(t, "window, limit", domain.BookingQuery{From: t0.Add(6 * time.Hour), To: t0.Add(20 * time.Hour), Limit: 2})
	m.pages(t, "pages", domain.BookingQuery{Limit: 3})
	m.pages(t, "pages of booked", domain.BookingQuery{State: domain.StateBooked, Limit: 3})
	m.pages(t, "pages of a patient", domain.BookingQuery{Patient: m.pool[0], Limit: 3})
	m.pages(t, "pages of an examination", domain.BookingQuery{Exam: testExams[0].Code, Limit: 2})
	m.checkReverse(t)
	m.checkAttention(t)
	m.checkSearch(t)
	m.checkSearchBookings(t)

	for id, n := range m.events {
		evs, err := m.s.BookingEvents(ctx, id)
		if err != nil {
			t.Fatalf("BookingEvents %d: %v", id, err)
		}
		if len(evs) != n {
			t.Fatalf("BookingEvents %d: %d events, want %d", id, len(evs), n)
		}
		for i, e := range evs {
			if e.Booking != id || (i > 0 && e.Seq <= evs[i-1].Seq) {
				t.Fatalf("BookingEvents %d: %+v", id, evs)
			}
		}
	}
	evs, err := m.s.Events(ctx, 0, 0)
	if err != nil || len(evs) != m.total {
		t.Fatalf("Events = %d, %v; want %d", len(evs), err, m.total)
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
}

func TestStore_MatchesModel(t *testing.T) {
	setModestRapidChecks(t)
	dir := t.TempDir()
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		s, err := Open(filepath.Join(dir, fmt.Sprintf("model-%d.db", n)), Options{noSync: true})
		if err != nil {
			rt.Fatal(err)
		}
		defer s.Close()
		m := &storeModel{
			s:        s,
			patients: map[string]domain.PatientSnapshot{},
			bookings: map[domain.BookingID]domain.BookingSnapshot{},
			events:   map[domain.BookingID]int{},
			receipts: map[string]bool{},
		}
		for i, k := 0, rapid.IntRange(1, 4).Draw(rt, "pool"); i < k; i++ {
			m.pool = append(m.pool, drawIdentity(rt, fmt.Sprintf("id%d", i)))
		}
		// The first identity is a known patient from the start.
		p := drawPatient(rt, m.pool[0])
		if _, err := s.UpsertPatients(context.Background(), []domain.Patient{p}, t0, actor); err != nil {
			rt.Fatal(err)
		}
		m.patients[p.ID().Canonical()] = p.Snapshot()
		m.total++
		rt.Repeat(m.actions())
	})
}
