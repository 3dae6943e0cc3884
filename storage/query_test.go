package storage

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"pgregory.net/rapid"

	"github.com/kallelse/kallelse/domain"
)

func cursor(b *domain.Booking) *domain.BookingCursor {
	return &domain.BookingCursor{VisitAt: b.VisitAt(), ID: b.ID()}
}

func TestBookings_ReverseOnEveryIndex(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	// p and its neighbour n have adjacent canonical ids, so that a reverse
	// walk from the end of p's entries meets n's first.
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	n := addPatient(t, s, pnrString(1980, 5, 17, 131), "Nils Nilsson")
	q := addPatient(t, s, pnrString(1992, 9, 9, 999), "Quintus Qvist")
	day := 24 * time.Hour
	b1 := book(t, s, p, examECG, siteRyhov, t0.Add(2*day))
	b2 := book(t, s, q, examECG, siteVarnamo, t0.Add(2*day)) // same instant as b1: id decides
	b3 := book(t, s, p, examEcho, siteRyhov, t0.Add(1*day))
	b4 := book(t, s, q, examTest, siteRyhov, t0.Add(3*day))
	b5 := book(t, s, p, examECG, siteVarnamo, t0.Add(4*day))
	b6 := book(t, s, n, examECG, siteRyhov, t0.Add(5*day))
	if _, err := s.UpdateBooking(ctx, b6.ID(), func(b *domain.Booking, _ []*domain.Booking) error {
		return b.Cancel(t0, actor, "")
	}); err != nil {
		t.Fatal(err)
	}
	if p.ID().Canonical() >= n.ID().Canonical() {
		t.Fatalf("test set-up: %s should sort before %s", p.ID(), n.ID())
	}
	I := func(bs ...*domain.Booking) []domain.BookingID { return ids(bs) }

	cases := []struct {
		name string
		q    domain.BookingQuery
		want []domain.BookingID
	}{
		// idx_visit
		{"all", domain.BookingQuery{Reverse: true}, I(b6, b5, b4, b2, b1, b3)},
		{"limit", domain.BookingQuery{Reverse: true, Limit: 2}, I(b6, b5)},
		{"to is exclusive", domain.BookingQuery{Reverse: true, To: t0.Add(3 * day)}, I(b2, b1, b3)},
		{"to just after", domain.BookingQuery{Reverse: true, To: t0.Add(3*day + 1)}, I(b4, b2, b1, b3)},
		{"from is inclusive", domain.BookingQuery{Reverse: true, From: t0.Add(2 * day)}, I(b6, b5, b4, b2, b1)},
		{"window", domain.BookingQuery{Reverse: true, From: t0.Add(2 * day), To: t0.Add(4 * day)}, I(b4, b2, b1)},
		{"before", domain.BookingQuery{Reverse: true, Before: cursor(b4)}, I(b2, b1, b3)},
		{"before a tie", domain.BookingQuery{Reverse: true, Before: cursor(b2)}, I(b1, b3)},
		{"before the first", domain.BookingQuery{Reverse: true, Before: cursor(b3)}, nil},
		{"before and from", domain.BookingQuery{Reverse: true, Before: cursor(b4), From: t0.Add(2 * day)}, I(b2, b1)},
		{"before later than to", domain.BookingQuery{Reverse: true, Before: cursor(b6), To: t0.Add(3 * day)}, I(b2, b1, b3)},
		{"before and limit", domain.BookingQuery{Reverse: true, Before: cursor(b5), Limit: 2}, I(b4, b2)},
		{"before and after", domain.BookingQuery{Reverse: true, Before: cursor(b5), After: cursor(b1)}, I(b4, b2)},
		{"after alone", domain.BookingQuery{Reverse: true, After: cursor(b2)}, I(b6, b5, b4)},
		{"filters", domain.BookingQuery{Reverse: true, Exam: "ekg24", Limit: 3}, I(b6, b5, b2)},
		{"to before 1970", domain.BookingQuery{Reverse: true, To: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"to after 2262", domain.BookingQuery{Reverse: true, To: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), Limit: 1}, I(b6)},
		{"forward before", domain.BookingQuery{Before: cursor(b4)}, I(b3, b1, b2)},
		{"forward between cursors", domain.BookingQuery{After: cursor(b3), Before: cursor(b5)}, I(b1, b2, b4)},
		// idx_patient
		{"patient", domain.BookingQuery{Reverse: true, Patient: p.ID()}, I(b5, b1, b3)},
		{"patient before", domain.BookingQuery{Reverse: true, Patient: p.ID(), Before: cursor(b5), Limit: 1}, I(b1)},
		{"patient from", domain.BookingQuery{Reverse: true, Patient: p.ID(), From: t0.Add(2 * day)}, I(b5, b1)},
		{"patient to", domain.BookingQuery{Reverse: true, Patient: q.ID(), To: t0.Add(3 * day)}, I(b2)},
		{"patient before, not on its index", domain.BookingQuery{Reverse: true, Patient: p.ID(), Before: cursor(b4)}, I(b1, b3)},
		{"last patient", domain.BookingQuery{Reverse: true, Patient: q.ID()}, I(b4, b2)},
		{"patient and state", domain.BookingQuery{Reverse: true, Patient: n.ID(), State: domain.StateBooked}, nil},
		{"unknown patient", domain.BookingQuery{Reverse: true, Patient: mustID(t, "19121212-1212")}, nil},
		// idx_state
		{"state", domain.BookingQuery{Reverse: true, State: domain.StateBooked}, I(b5, b4, b2, b1, b3)},
		{"state before", domain.BookingQuery{Reverse: true, State: domain.StateBooked, Before: cursor(b1)}, I(b3)},
		{"state window", domain.BookingQuery{Reverse: true, State: domain.StateBooked, From: t0.Add(2 * day), To: t0.Add(4 * day)}, I(b4, b2, b1)},
		{"state with a neighbour after it", domain.BookingQuery{Reverse: true, State: domain.StateCancelRequested}, nil},
		{"last state", domain.BookingQuery{Reverse: true, State: domain.StateCancelled}, I(b6)},
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
}

// TestBookings_ScrollUp pages backward from the end with Before, as the UI
// scrolls up, on each index.
func TestBookings_ScrollUp(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	q := addPatient(t, s, pnrString(1992, 9, 9, 999), "Quintus Qvist")
	var all []*domain.Booking
	for i := 0; i < 11; i++ {
		at := t0.Add(time.Duration(i/2+1) * time.Hour) // pairs at the same instant
		all = append(all, book(t, s, []domain.Patient{p, q}[i%2], examECG, siteRyhov, at))
	}
	for _, base := range []domain.BookingQuery{{}, {Patient: p.ID()}, {State: domain.StateBooked}} {
		want := ids(all)
		if !base.Patient.IsZero() {
			want = nil
			for i, b := range all {
				if i%2 == 0 {
					want = append(want, b.ID())
				}
			}
		}
		var up []domain.BookingID
		bq := base
		bq.Reverse, bq.Limit = true, 3
		for {
			page, err := s.Bookings(ctx, bq)
			if err != nil {
				t.Fatal(err)
			}
			up = append(up, ids(page)...)
			if len(page) < bq.Limit {
				break
			}
			bq.Before = cursor(page[len(page)-1])
		}
		rev := slices.Clone(want)
		slices.Reverse(rev)
		if !reflect.DeepEqual(up, rev) {
			t.Errorf("%+v scrolling up: %v, want %v", base, up, rev)
		}
	}
}

func TestBookings_ReverseScansOnlyWhatItReturns(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	for i := 0; i < 40; i++ {
		book(t, s, p, examECG, siteRyhov, t0.Add(time.Duration(i+1)*time.Hour))
	}
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBookings).Put(u64(2), []byte("garbage"))
	}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []domain.BookingQuery{
		{Reverse: true, Limit: 3},
		{Reverse: true, Patient: p.ID(), Limit: 3},
		{Reverse: true, State: domain.StateBooked, Limit: 3},
		{Reverse: true, From: t0.Add(3 * time.Hour)},
	} {
		got, err := s.Bookings(ctx, q)
		if err != nil {
			t.Errorf("%+v: %v", q, err)
			continue
		}
		if len(got) == 0 || slices.Contains(ids(got), 2) {
			t.Errorf("%+v: %v", q, ids(got))
		}
	}
	_, err := s.Bookings(ctx, domain.BookingQuery{Reverse: true, To: t0.Add(5 * time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "bookings/2") {
		t.Errorf("reverse scan over the damaged record: err = %v, want one naming bookings/2", err)
	}
}

// One cursor's exact reads give what bucket.Get gives: the value under the
// key, nil for a key absent (one that only begins another included) and for
// a nested bucket.
func TestExactGetter_ReadsWhatGetReads(t *testing.T) {
	db, err := bolt.Open(t.TempDir()+"/x.db", 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for _, k := range []string{"a", "abc", "b", "d"} {
			if err := b.Put([]byte(k), []byte("v"+k)); err != nil {
				return err
			}
		}
		if _, err := b.CreateBucket([]byte("n")); err != nil {
			return err
		}
		get := exactGetter{b.Cursor()}
		for _, k := range []string{"", "a", "ab", "abc", "abcd", "b", "c", "d", "n", "zz", "a"} {
			if got, want := get.get([]byte(k)), b.Get([]byte(k)); !slices.Equal(got, want) || (got == nil) != (want == nil) {
				t.Errorf("%q: %q, Get %q", k, got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A filtered list passes a record by on its head, read in place, exactly
// when matches would pass it by on the whole record: never one that
// matches, always one whose patient, examination or site does not.
func TestBookingHeadMatches_AgreesWithMatches(t *testing.T) {
	ids := []domain.IdentityNumber{mustID(t, pnrString(1980, 5, 17, 123)), mustID(t, pnrString(1975, 8, 21, 456))}
	rapid.Check(t, func(t *rapid.T) {
		var s domain.BookingSnapshot
		drawInto(t, reflect.ValueOf(&s).Elem(), "snap")
		s.Exam = rapid.SampledFrom([]string{"ekg24", "eko", ""}).Draw(t, "exam")
		s.Site = rapid.SampledFrom([]string{"ryhov", "varnamo"}).Draw(t, "site")
		s.Patient = rapid.SampledFrom(ids).Draw(t, "patient").Canonical()
		q := domain.BookingQuery{
			Exam: rapid.SampledFrom([]string{"", "ekg24", "eko"}).Draw(t, "q.exam"),
			Site: rapid.SampledFrom([]string{"", "ryhov", "varnamo"}).Draw(t, "q.site"),
		}
		if p := rapid.IntRange(-1, len(ids)-1).Draw(t, "q.patient"); p >= 0 {
			q.Patient = ids[p]
		}
		match, ok := bookingHeadMatches(encodeBookingRecord(&s), q)
		if !ok {
			t.Fatal("a binary record's head was not read")
		}
		if match != matches(s, q) {
			t.Fatalf("head says %v, the whole record %v, for %+v", match, matches(s, q), q)
		}
		if _, ok := bookingHeadMatches([]byte(`{"id":1}`), q); ok {
			t.Fatal("a JSON record's head was read in place")
		}
	})
}
