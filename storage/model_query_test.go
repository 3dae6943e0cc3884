package storage

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/kallelse/kallelse/domain"
)

// The model's part for the loop's changes (timers, receipts, phone tasks)
// and for the query indexes (reverse paging, attention, name search).

// modelNames are the names patients get; some have accents and hyphens.
var modelNames = []string{"Anna Andersson", "Bo Berg", "Cecilia Ceder", "Örjan Åberg", "Anders Öberg-Lind"}

// comparePos orders a booking against a cursor by (visit time, id).
func comparePos(s domain.BookingSnapshot, c domain.BookingCursor) int {
	return cmp.Or(s.VisitAt.Compare(c.VisitAt), cmp.Compare(s.ID, c.ID))
}

// normAll is normSnap for every time and list of the snapshot.
func normAll(s domain.BookingSnapshot) domain.BookingSnapshot {
	s = normSnap(s)
	utc := func(t time.Time) time.Time { return t.UTC().Round(0) }
	s.SentAt, s.DeliveredAt, s.OpenedAt = utc(s.SentAt), utc(s.DeliveredAt), utc(s.OpenedAt)
	var ts []domain.Timer
	for _, t := range s.Timers {
		t.Due = utc(t.Due)
		ts = append(ts, t)
	}
	s.Timers = ts
	if len(s.Reminders) == 0 {
		s.Reminders = nil
	}
	return s
}

func (m *storeModel) patient(t *rapid.T, canonical string) domain.Patient {
	p, err := domain.RehydratePatient(m.patients[canonical])
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func rehydrate(t *rapid.T, s domain.BookingSnapshot) *domain.Booking {
	b, err := domain.RehydrateBooking(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stored compares what the store holds for each booking of next with the
// model's version and takes the model's version and events over.
func (m *storeModel) stored(t *rapid.T, what string, next map[domain.BookingID]*domain.Booking) {
	for id, want := range next {
		got, err := m.s.Booking(context.Background(), id)
		if err != nil {
			t.Fatalf("%s: booking %d: %v", what, id, err)
		}
		if gs, ws := normAll(got.Snapshot()), normAll(want.Snapshot()); !reflect.DeepEqual(gs, ws) {
			t.Fatalf("%s: booking %d stored as %+v, want %+v", what, id, gs, ws)
		}
		n := len(want.TakeEvents())
		m.bookings[id] = want.Snapshot()
		m.events[id] += n
		m.total += n
	}
}

// fire runs the loop's FireDue at a drawn instant, in the store and on the
// model's bookings that have a timer due.
func (m *storeModel) fire(t *rapid.T) {
	now := t0.Add(time.Duration(rapid.IntRange(0, 20).Draw(t, "fire at")) * 30 * time.Minute)
	next := map[domain.BookingID]*domain.Booking{}
	for id, snap := range m.bookings {
		b := rehydrate(t, snap)
		if due, ok := b.NextDue(); !ok || due.After(now) {
			continue
		}
		if err := b.FireDue(fireEnv(m.patient(t, snap.Patient), examOf(b.Exam()), now)); err != nil {
			t.Fatalf("model FireDue %d: %v", id, err)
		}
		next[id] = b
	}
	fired, failed, err := m.s.FireDue(context.Background(), now, 1000, nil, func(b *domain.Booking, p domain.Patient) error {
		return b.FireDue(fireEnv(p, examOf(b.Exam()), now))
	})
	if err != nil || len(failed) > 0 || fired != len(next) {
		t.Fatalf("FireDue = %d, %v, %v; want %d fired", fired, failed, err, len(next))
	}
	m.stored(t, "FireDue", next)
}

// receipt applies a receipt from 1177 for a current digital summons, now and
// then one applied before.
func (m *storeModel) receipt(t *rapid.T) {
	var withMsg []domain.BookingID
	for id, s := range m.bookings {
		if s.SummonsMsg != "" {
			withMsg = append(withMsg, id)
		}
	}
	if len(withMsg) == 0 {
		t.Skip("no digital summons sent yet")
	}
	slices.Sort(withMsg)
	id := rapid.SampledFrom(withMsg).Draw(t, "receipt for")
	typ := rapid.SampledFrom([]domain.ReceiptType{domain.ReceiptDelivered, domain.ReceiptOpened,
		domain.ReceiptRebookRequested, domain.ReceiptCancelRequested}).Draw(t, "receipt type")
	r := domain.Receipt{MessageID: m.bookings[id].SummonsMsg, Type: typ,
		At: t0.Add(time.Duration(rapid.IntRange(1, 16).Draw(t, "receipt at")) * 15 * time.Minute)}
	key := r.MessageID + "/" + string(typ)
	next := map[domain.BookingID]*domain.Booking{}
	if !m.receipts[key] {
		b := rehydrate(t, m.bookings[id])
		if err := b.ApplyReceipt(r, fireEnv(m.patient(t, b.Patient().Canonical()), examOf(b.Exam()), r.At)); err != nil {
			t.Fatalf("model ApplyReceipt: %v", err)
		}
		next[id] = b
	}
	dup, err := m.s.ApplyReceipt(context.Background(), r, func(b *domain.Booking, p domain.Patient, _ domain.SentMessage) error {
		return b.ApplyReceipt(r, fireEnv(p, examOf(b.Exam()), r.At))
	})
	if err != nil || dup != m.receipts[key] {
		t.Fatalf("ApplyReceipt %s = %v, %v; want duplicate=%v", key, dup, err, m.receipts[key])
	}
	m.receipts[key] = true
	m.stored(t, "ApplyReceipt", next)
}

func (m *storeModel) resolvePhoneTask(t *rapid.T) {
	m.change(t, func(b *domain.Booking, _ []*domain.Booking) error {
		return b.ResolvePhoneTask(t0.Add(time.Hour), actor, "reached")
	})
}

// checkReverse compares reverse queries, with and without a Before cursor,
// and scrolling up page by page, with the model.
func (m *storeModel) checkReverse(t *rapid.T) {
	m.query(t, "reverse", domain.BookingQuery{Reverse: true})
	m.query(t, "reverse window, limit", domain.BookingQuery{Reverse: true, From: t0.Add(3 * time.Hour), To: t0.Add(7 * time.Hour), Limit: 2})
	for _, s := range m.bookings {
		before := &domain.BookingCursor{VisitAt: s.VisitAt, ID: s.ID}
		m.query(t, fmt.Sprintf("reverse before %d, limit", s.ID), domain.BookingQuery{Reverse: true, Before: before, Limit: 2})
		m.query(t, fmt.Sprintf("reverse before %d, patient", s.ID), domain.BookingQuery{Reverse: true, Before: before, Patient: m.pool[0]})
		m.query(t, fmt.Sprintf("reverse before %d, state", s.ID), domain.BookingQuery{Reverse: true, Before: before, State: s.State, Limit: 3})
		m.query(t, fmt.Sprintf("forward before %d", s.ID), domain.BookingQuery{Before: before})
	}
	for _, st := range []domain.BookingState{domain.StateBooked, domain.StateCancelled} {
		m.query(t, "reverse state "+string(st), domain.BookingQuery{Reverse: true, State: st})
	}
	m.pagesBack(t, "pages up", domain.BookingQuery{Reverse: true, Limit: 3})
	m.pagesBack(t, "pages up of a patient", domain.BookingQuery{Reverse: true, Patient: m.pool[0], Limit: 2})
	m.pagesBack(t, "pages up of booked", domain.BookingQuery{Reverse: true, State: domain.StateBooked, Limit: 2})
	m.pagesBack(t, "pages up of an examination", domain.BookingQuery{Reverse: true, Exam: testExams[1].Code, Limit: 2})
}

// pagesBack reads q backward page by page with the Before cursor.
func (m *storeModel) pagesBack(t *rapid.T, name string, q domain.BookingQuery) {
	t.Helper()
	var all []*domain.Booking
	for i := 0; ; i++ {
		page, err := m.s.Bookings(context.Background(), q)
		if err != nil || len(page) > q.Limit {
			t.Fatalf("%s page %d: %d rows, %v", name, i, len(page), err)
		}
		all = append(all, page...)
		if len(page) < q.Limit {
			break
		}
		last := page[len(page)-1]
		q.Before = &domain.BookingCursor{VisitAt: last.VisitAt(), ID: last.ID()}
	}
	q.Before, q.Limit = nil, 0
	want := m.sorted(func(s domain.BookingSnapshot) bool { return modelMatches(s, q) })
	slices.Reverse(want)
	m.same(t, name, all, want)
}

// checkAttention compares the attention list with the model's: the
// bookings asking to be rebooked or cancelled or with a task, late
// requests first, then longest waiting first.
func (m *storeModel) checkAttention(t *rapid.T) {
	type item struct {
		id      domain.BookingID
		reasons []string
		since   time.Time
		late    bool
	}
	var want []item
	for _, s := range m.bookings {
		var rs []string
		switch s.State {
		case domain.StateRebookRequested:
			rs = append(rs, "rebook_requested")
		case domain.StateCancelRequested:
			rs = append(rs, "cancel_requested")
		}
		late := s.LateRequest && rs != nil
		if s.PhoneTask {
			rs = append(rs, "phone_task")
		}
		if s.HandOver {
			rs = append(rs, "hand_over")
		}
		if s.Outdated {
			rs = append(rs, "letter_outdated")
		}
		if rs != nil {
			want = append(want, item{s.ID, rs, s.StaffSince, late}) // since it began to need staff
		}
	}
	lateFirst := func(a, b item) int {
		switch {
		case a.late && !b.late:
			return -1
		case b.late && !a.late:
			return 1
		}
		return 0
	}
	slices.SortFunc(want, func(a, b item) int {
		return cmp.Or(lateFirst(a, b), a.since.Compare(b.since), cmp.Compare(a.id, b.id))
	})
	got, err := m.s.Attention(context.Background(), 0)
	if err != nil {
		t.Fatalf("Attention: %v", err)
	}
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i].Booking.ID() == want[i].id && slices.Equal(got[i].Reasons, want[i].reasons) && got[i].Since.Equal(want[i].since) &&
			got[i].Late == want[i].late
	}
	if !ok {
		t.Fatalf("Attention = %+v, want %+v", got, want)
	}
	if n, err := m.s.AttentionCount(context.Background()); err != nil || n != len(want) {
		t.Fatalf("AttentionCount = %d, %v; want %d", n, err, len(want))
	}
	if err := queryIndexErrors(m.s); err != nil {
		t.Fatal(err)
	}
}

// modelFold is name folding written the slow way, for modelNames.
var modelFold = strings.NewReplacer("Å", "a", "Ä", "a", "Ö", "o", "å", "a", "ä", "a", "ö", "o", "-", " ")

func modelWords(s string) []string { return strings.Fields(strings.ToLower(modelFold.Replace(s))) }

// modelNameMatches is a name search's meaning: every word of q begins a
// word of the patient's name.
func modelNameMatches(p domain.PatientSnapshot, q string) bool {
	have, all := modelWords(p.Name), true
	for _, w := range modelWords(q) {
		all = all && slices.ContainsFunc(have, func(h string) bool { return strings.HasPrefix(h, w) })
	}
	return all
}

// checkSearchBookings compares a search of the bookings screen — the
// window around a day, and its pages forward and back — with the model's
// bookings of the patients found, sorted and cut the slow way.
func (m *storeModel) checkSearchBookings(t *rapid.T) {
	var queries []string
	for _, p := range m.patients {
		queries = append(queries, strings.Fields(p.Name)[0], p.ID[:8])
	}
	query := rapid.SampledFrom(append(queries, "an", "ber", "x")).Draw(t, "search")
	var q domain.BookingQuery
	switch rapid.IntRange(0, 4).Draw(t, "search filter") {
	case 1:
		q.Exam = rapid.SampledFrom(testExams).Draw(t, "search exam").Code
	case 2:
		q.Site = rapid.SampledFrom(testSites).Draw(t, "search site").Code
	case 3:
		q.State = rapid.SampledFrom(domain.AllStates).Draw(t, "search state")
	case 4:
		q.From = t0.Add(time.Duration(rapid.IntRange(0, 24).Draw(t, "search from")) * time.Hour)
		q.To = q.From.Add(time.Duration(rapid.IntRange(1, 48).Draw(t, "search span")) * time.Hour)
	}
	q.Limit = rapid.IntRange(1, 5).Draw(t, "search rows")
	found := map[string]bool{}
	for _, p := range m.patients {
		if strings.HasPrefix(p.ID, query) || (query[0] < '0' || query[0] > '9') && modelNameMatches(p, query) {
			found[p.ID] = true
		}
	}
	all := m.sorted(func(s domain.BookingSnapshot) bool { return found[s.Patient] && modelMatches(s, q) })
	search := func(name string, at time.Time, q domain.BookingQuery) []domain.BookingSnapshot {
		rows, err := m.s.SearchBookings(context.Background(), query, 10, at, q)
		if err != nil {
			t.Fatalf("%s %q: %v", name, query, err)
		}
		var got []domain.BookingSnapshot
		for _, r := range rows {
			if r.Patient.ID() != r.Booking.Patient() {
				t.Fatalf("%s %q: booking %d of %s shown with patient %s", name, query, r.Booking.ID(), r.Booking.Patient(), r.Patient.ID())
			}
			got = append(got, r.Booking.Snapshot())
		}
		return got
	}
	same := func(name string, got, want []domain.BookingSnapshot) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s %q %+v: %d rows, want %d", name, query, q, len(got), len(want))
		}
		for i := range got {
			if gs, ws := normSnap(got[i]), normSnap(want[i]); !reflect.DeepEqual(gs, ws) {
				t.Fatalf("%s %q %+v: row %d is %+v, want %+v", name, query, q, i, gs, ws)
			}
		}
	}
	// The window around a day: from at on, made up with those before.
	at := t0.Add(time.Duration(rapid.IntRange(-24, 72).Draw(t, "search at")) * time.Hour)
	i, _ := slices.BinarySearchFunc(all, at, func(s domain.BookingSnapshot, at time.Time) int { return s.VisitAt.Compare(at) })
	later := all[i:min(len(all), i+q.Limit)]
	want := append(slices.Clone(all[max(0, i-(q.Limit-len(later))):i]), later...)
	same("window", search("window", at, q), want)
	// Its pages forward and back, as the screen reads them, give them all.
	for _, reverse := range []bool{false, true} {
		var pages []domain.BookingSnapshot
		pq := q
		pq.Reverse = reverse
		for n := 0; ; n++ {
			page := search("page", time.Time{}, pq)
			pages = append(pages, page...)
			if len(page) < pq.Limit || n > len(all) {
				break
			}
			edge := &domain.BookingCursor{VisitAt: page[len(page)-1].VisitAt, ID: page[len(page)-1].ID}
			if reverse {
				pq.Before = edge
			} else {
				pq.After = edge
			}
		}
		if reverse {
			slices.Reverse(pages)
		}
		same(fmt.Sprintf("pages (reverse %v)", reverse), pages, all)
	}
}

// checkSearch compares name and number searches with the model's patients.
func (m *storeModel) checkSearch(t *rapid.T) {
	queries := []string{"an", "ANDE", "ber", "öb", "ob", "åb", "ab", "an öb", "bo b", "lind", "c", "x"}
	for _, p := range m.patients {
		queries = append(queries, strings.Fields(p.Name)[0])
	}
	for _, q := range queries {
		var want []domain.PatientSnapshot
		for _, p := range m.patients {
			if modelNameMatches(p, q) {
				want = append(want, p)
			}
		}
		slices.SortFunc(want, func(a, b domain.PatientSnapshot) int {
			return cmp.Or(strings.Compare(strings.Join(modelWords(a.Name), " "), strings.Join(modelWords(b.Name), " ")),
				strings.Compare(a.ID, b.ID))
		})
		got, err := m.s.SearchPatients(context.Background(), q, 10)
		if err != nil {
			t.Fatalf("SearchPatients(%q): %v", q, err)
		}
		ok := len(got) == len(want)
		for i := 0; ok && i < len(got); i++ {
			ok = got[i].Snapshot().Equal(want[i])
		}
		if !ok {
			t.Fatalf("SearchPatients(%q) = %v, want %v", q, got, want)
		}
	}
	for _, p := range m.patients {
		for _, q := range []string{p.ID[:8], p.ID[2:8], p.ID[:8] + "-" + p.ID[8:]} {
			got, err := m.s.SearchPatients(context.Background(), q, 10)
			if err != nil || !slices.ContainsFunc(got, func(g domain.Patient) bool { return g.ID().Canonical() == p.ID }) {
				t.Fatalf("SearchPatients(%q) = %v, %v; want it to hold %s", q, got, err, p.ID)
			}
		}
	}
}
