package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"pgregory.net/rapid"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// aggBase is the start of the aggregate tests' histories: the Monday before
// the switch to summer time (31 March 2030), so that histories cross a week
// boundary and the DST night.
var aggBase = time.Date(2030, 3, 25, 8, 0, 0, 0, domain.Stockholm)

// storedAggregates reads the three aggregate buckets: bucket -> key -> value.
func storedAggregates(t interface {
	Helper()
	Fatal(...any)
}, s *Store) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, name := range aggBuckets {
			m := map[string]string{}
			if err := tx.Bucket(name).ForEach(func(k, v []byte) error { m[string(k)] = string(v); return nil }); err != nil {
				return err
			}
			out[string(name)] = m
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// aggregateDiff recomputes the aggregates from the event log and reports the
// first difference from what the store holds, byte for byte.
func aggregateDiff(s *Store) error {
	return s.db.View(func(tx *bolt.Tx) error {
		want := map[string]map[string][]byte{string(bucketAggMember): {}, string(bucketAggBooking): {}}
		agg, err := computeAggregates(tx, func(key []byte, f metrics.Fact) error {
			data, err := encodeMember(f)
			want[string(bucketAggMember)][string(key)] = data
			return err
		}, func(key []byte, l *metrics.Ledger) error {
			data, err := encodeLedger(l)
			if data != nil {
				want[string(bucketAggBooking)][string(key)] = data
			}
			return err
		})
		if err != nil {
			return err
		}
		rows, _, err := agg.rows()
		if err != nil {
			return err
		}
		want[string(bucketAggDay)], want[string(bucketAggWeek)] = rows[0], rows[1]
		for _, name := range aggBuckets {
			w := want[string(name)]
			got := map[string][]byte{}
			if err := tx.Bucket(name).ForEach(func(k, v []byte) error { got[string(k)] = slices.Clone(v); return nil }); err != nil {
				return err
			}
			for _, k := range sortedKeys(w) {
				if !bytes.Equal(got[k], w[k]) {
					return fmt.Errorf("%s/%q holds %s, recomputation gives %s", name, k, got[k], w[k])
				}
			}
			for _, k := range sortedKeys(got) {
				if _, ok := w[k]; !ok {
					return fmt.Errorf("%s/%q holds %s, recomputation has no such row", name, k, got[k])
				}
			}
		}
		return nil
	})
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// aggHistory drives random histories through the store and the real domain
// flows: booking, the loop's timers, receipts from 1177 (late, twice, out of
// order, for earlier summonses), staff's changes and letters and reminders
// by hand.
type aggHistory struct {
	s        *Store
	now      time.Time
	patients []domain.Patient
	ids      []domain.BookingID
	msgs     []string         // every digital summons ever sent
	receipts []domain.Receipt // applied, to send again
}

func drawAggPatient(t *rapid.T, i int) domain.Patient {
	label := fmt.Sprintf("patient%d", i)
	var id domain.IdentityNumber
	if rapid.IntRange(0, 3).Draw(t, label+".turns18") == 0 {
		// Turns 18 within the first days of the history: between booking
		// and sending, now and then.
		birth := aggBase.AddDate(-18, 0, rapid.IntRange(-2, 6).Draw(t, label+".birthday"))
		s := pnrString(birth.Year(), int(birth.Month()), birth.Day(), rapid.IntRange(0, 999).Draw(t, label+".serial"))
		var err error
		if id, err = domain.DefaultIdentityParser().Parse(s, aggBase); err != nil {
			t.Fatalf("identity %s: %v", s, err)
		}
	} else {
		id = drawIdentity(t, label)
	}
	in := domain.PatientInput{
		ID: id, Name: rapid.SampledFrom(modelNames).Draw(t, label+".name"),
		Interpreter:    rapid.SampledFrom([]string{"", "", "", "arabiska"}).Draw(t, label+".interpreter"),
		Has1177Account: rapid.IntRange(0, 4).Draw(t, label+".account") > 0,
		Address:        domain.Address{Street: "Storgatan 1", PostalCode: "55305", City: "Jönköping"},
	}
	in.NotificationsEnabled = in.Has1177Account && rapid.IntRange(0, 4).Draw(t, label+".notifications") > 0
	if rapid.Bool().Draw(t, label+".sms") {
		in.Phone, in.SMSReminders = "070-123 45 67", true
	}
	p, err := domain.NewPatient(in)
	if err != nil {
		t.Fatalf("patient: %v", err)
	}
	return p
}

func (h *aggHistory) patientOf(b *domain.Booking) domain.Patient {
	for _, p := range h.patients {
		if p.ID().Canonical() == b.Patient().Canonical() {
			return p
		}
	}
	panic("unknown patient " + b.Patient().String())
}

func (h *aggHistory) env(p domain.Patient, exam string, now time.Time) domain.FireEnv {
	return fireEnv(p, examOf(exam), now)
}

// refresh notes the current digital summons of every booking.
func (h *aggHistory) refresh(t *rapid.T) {
	for _, id := range h.ids {
		b, err := h.s.Booking(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if m := b.Status().MessageID; m != "" && !slices.Contains(h.msgs, m) {
			h.msgs = append(h.msgs, m)
		}
	}
}

// change runs a domain change on a drawn booking; the domain may refuse it
// (an illegal transition, a visit not started), the store may not fail.
func (h *aggHistory) change(t *rapid.T, op func(b *domain.Booking, others []*domain.Booking) error) {
	if len(h.ids) == 0 {
		return
	}
	id := rapid.SampledFrom(h.ids).Draw(t, "booking")
	refused := false
	_, err := h.s.UpdateBooking(context.Background(), id, func(b *domain.Booking, others []*domain.Booking) error {
		err := op(b, others)
		refused = err != nil
		return err
	})
	if err != nil && !refused {
		t.Fatalf("UpdateBooking %d: %v", id, err)
	}
	h.refresh(t)
}

// newAggHistory is a history in s with 1 to most drawn patients, stored.
func newAggHistory(rt *rapid.T, s *Store, most int) *aggHistory {
	h := &aggHistory{s: s, now: aggBase}
	for i, k := 0, rapid.IntRange(1, most).Draw(rt, "patients"); i < k; i++ {
		p := drawAggPatient(rt, i)
		if slices.ContainsFunc(h.patients, func(q domain.Patient) bool { return q.ID().Canonical() == p.ID().Canonical() }) {
			continue
		}
		h.patients = append(h.patients, p)
	}
	if _, err := s.UpsertPatients(context.Background(), h.patients, aggBase, actor); err != nil {
		rt.Fatal(err)
	}
	return h
}

func (h *aggHistory) actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"book": h.book,
		// Time passes: now and then with the loop ticking every few
		// hours, now and then with the loop down (it catches up later).
		"advance": func(t *rapid.T) {
			step := time.Duration(rapid.IntRange(1, 4*12).Draw(t, "tick every")) * 15 * time.Minute
			ticking := rapid.IntRange(0, 3).Draw(t, "loop down") > 0
			for i, n := 0, rapid.IntRange(1, 12).Draw(t, "ticks"); i < n; i++ {
				h.now = h.now.Add(step)
				if ticking {
					h.fire(t)
				}
			}
		},
		"fire":    h.fire,
		"receipt": h.receipt,
		"cancel": func(t *rapid.T) {
			h.change(t, func(b *domain.Booking, _ []*domain.Booking) error { return b.Cancel(h.now, actor, "") })
		},
		"rebook": func(t *rapid.T) {
			at := h.now.Add(time.Duration(rapid.IntRange(2, 30*24).Draw(t, "new visit")) * time.Hour)
			h.change(t, func(b *domain.Booking, others []*domain.Booking) error { return b.Rebook(at, h.now, actor, others) })
		},
		// A rebooking to another hospital moves the booking's facts, its
		// earlier summonses too, to the new site.
		"rebook elsewhere": func(t *rapid.T) {
			at := h.now.Add(time.Duration(rapid.IntRange(2, 30*24).Draw(t, "new visit")) * time.Hour)
			site := rapid.SampledFrom(testSites).Draw(t, "new site")
			h.change(t, func(b *domain.Booking, others []*domain.Booking) error {
				return b.RebookAt(site.Code, at, h.now, actor, others)
			})
		},
		"attended": func(t *rapid.T) {
			after := time.Duration(rapid.IntRange(0, 8).Draw(t, "after")) * 15 * time.Minute
			h.change(t, func(b *domain.Booking, _ []*domain.Booking) error {
				return b.MarkAttended(b.VisitAt().Add(after), actor)
			})
		},
		"no_show": func(t *rapid.T) {
			after := time.Duration(rapid.IntRange(0, 8).Draw(t, "after")) * 15 * time.Minute
			h.change(t, func(b *domain.Booking, _ []*domain.Booking) error { return b.MarkNoShow(b.VisitAt().Add(after), actor) })
		},
		"paper by hand": func(t *rapid.T) {
			h.change(t, func(b *domain.Booking, _ []*domain.Booking) error {
				env := h.env(h.patientOf(b), b.Exam(), h.now)
				env.Actor = actor
				return b.SendPaperByHand(env, false)
			})
		},
		"remind by hand": func(t *rapid.T) {
			h.change(t, func(b *domain.Booking, _ []*domain.Booking) error {
				env := h.env(h.patientOf(b), b.Exam(), h.now)
				env.Actor = actor
				return b.RemindByHand(env, false)
			})
		},
		"": func(t *rapid.T) {
			if err := aggregateDiff(h.s); err != nil {
				t.Fatal(err)
			}
		},
	}
}

// fire runs the loop's timers at now.
func (h *aggHistory) fire(t *rapid.T) {
	_, failed, err := h.s.FireDue(context.Background(), h.now, 1000, nil, func(b *domain.Booking, p domain.Patient) error {
		return b.FireDue(h.env(p, b.Exam(), h.now))
	})
	if err != nil || len(failed) > 0 {
		t.Fatalf("FireDue: %v, %v", err, failed)
	}
	h.refresh(t)
}

func (h *aggHistory) book(t *rapid.T) {
	p := rapid.SampledFrom(h.patients).Draw(t, "patient")
	exam := rapid.SampledFrom(testExams).Draw(t, "exam")
	site := rapid.SampledFrom(testSites).Draw(t, "site")
	visit := h.now.Add(time.Duration(rapid.IntRange(4, 20*24*4).Draw(t, "visit in")) * 15 * time.Minute)
	b, err := h.s.CreateBooking(context.Background(), p.ID(), func(id domain.BookingID, existing []*domain.Booking) (*domain.Booking, error) {
		return domain.NewBooking(domain.BookingRequest{ID: id, Patient: p, Exam: exam, Site: site, VisitAt: visit, Now: h.now,
			Actor: actor, Existing: existing})
	})
	switch {
	case errors.Is(err, domain.ErrOverlap):
		return
	case err != nil:
		t.Fatalf("CreateBooking: %v", err)
	}
	h.ids = append(h.ids, b.ID())
}

// receipt applies a receipt for some digital summons ever sent (the current
// one or an earlier one), at an instant around now — possibly before an
// earlier receipt, possibly before the summons itself — or applies one again.
func (h *aggHistory) receipt(t *rapid.T) {
	var r domain.Receipt
	if len(h.receipts) > 0 && rapid.IntRange(0, 4).Draw(t, "again") == 0 {
		r = rapid.SampledFrom(h.receipts).Draw(t, "duplicate")
	} else {
		if len(h.msgs) == 0 {
			return
		}
		r = domain.Receipt{
			MessageID: rapid.SampledFrom(h.msgs).Draw(t, "message"),
			Type: rapid.SampledFrom([]domain.ReceiptType{domain.ReceiptDelivered, domain.ReceiptOpened,
				domain.ReceiptRebookRequested, domain.ReceiptCancelRequested}).Draw(t, "type"),
			At: h.now.Add(time.Duration(rapid.IntRange(-4*80, 4).Draw(t, "at")) * 15 * time.Minute),
		}
	}
	now := h.now
	dup, err := h.s.ApplyReceipt(context.Background(), r, func(b *domain.Booking, p domain.Patient, _ domain.SentMessage) error {
		return b.ApplyReceipt(r, h.env(p, b.Exam(), now))
	})
	if err != nil {
		t.Fatalf("ApplyReceipt %+v: %v", r, err)
	}
	if !dup {
		h.receipts = append(h.receipts, r)
	}
}

// TestAggregates_IncrementalEqualsRecomputation is issue 5's property: after
// every step of a random history, the aggregates kept in the transactions
// equal a full recomputation from the event log.
func TestAggregates_IncrementalEqualsRecomputation(t *testing.T) {
	setModestRapidChecks(t)
	dir := t.TempDir()
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		s, err := Open(filepath.Join(dir, fmt.Sprintf("agg-%d.db", n)), Options{noSync: true})
		if err != nil {
			rt.Fatal(err)
		}
		defer s.Close()
		h := newAggHistory(rt, s, 4)
		// A run of drawn steps rather than rt.Repeat, so that every history
		// is long enough to send, open, remind and fall back; the weights
		// favour what makes facts.
		acts := h.actions()
		check := acts[""]
		names := []string{"book", "book", "book", "advance", "advance", "fire", "fire", "fire", "receipt", "receipt",
			"receipt", "cancel", "rebook", "rebook elsewhere", "attended", "no_show", "paper by hand", "remind by hand"}
		for i, n := 0, rapid.IntRange(5, 60).Draw(rt, "steps"); i < n; i++ {
			acts[rapid.SampledFrom(names).Draw(rt, "action")](rt)
			check(rt)
		}
		// And Rebuild finds exactly what the transactions kept: it has
		// nothing to write, and leaves them as they are.
		before := storedAggregates(rt, s)
		if r, err := s.Rebuild(context.Background()); err != nil || r.Written {
			rt.Fatalf("Rebuild = %+v, %v: the aggregates kept differ from a recomputation", r, err)
		}
		if after := storedAggregates(rt, s); !reflect.DeepEqual(after, before) {
			rt.Fatalf("Rebuild changed the aggregates:\nbefore %v\nafter  %v", before, after)
		}
	})
}

// knownHistory builds a small history whose figures are known: summonses
// digital only (opened in time, unopened with a fallback), digital + paper
// (under 18), paper only (an examination not yet digital), a rebooked one.
func knownHistory(t *testing.T, s *Store) map[string]domain.BookingID {
	t.Helper()
	ctx := context.Background()
	adult := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	other := addPatient(t, s, pnrString(1975, 8, 21, 456), "Bo Berg")
	child := mustPatient(t, mustID(t, pnrString(2015, 1, 2, 789)), "Cecilia Ceder")
	if _, err := s.UpsertPatients(ctx, []domain.Patient{child}, aggBase, actor); err != nil {
		t.Fatal(err)
	}
	bookAt := func(p domain.Patient, e domain.Examination, at, now time.Time) domain.BookingID {
		b, err := s.CreateBooking(ctx, p.ID(), func(id domain.BookingID, ex []*domain.Booking) (*domain.Booking, error) {
			return domain.NewBooking(domain.BookingRequest{ID: id, Patient: p, Exam: e, Site: siteRyhov, VisitAt: at, Now: now, Actor: actor, Existing: ex})
		})
		if err != nil {
			t.Fatal(err)
		}
		return b.ID()
	}
	ids := map[string]domain.BookingID{
		"opened":   bookAt(adult, examECG, aggBase.Add(10*24*time.Hour), aggBase),
		"unopened": bookAt(other, examECG, aggBase.Add(10*24*time.Hour), aggBase),
		"child":    bookAt(child, examECG, aggBase.Add(11*24*time.Hour), aggBase),
		"paper":    bookAt(adult, examEcho, aggBase.Add(12*24*time.Hour), aggBase),
	}
	fire(t, s, aggBase) // all four summonses on Monday 25 March
	receipt(t, s, ids["opened"], domain.ReceiptDelivered, aggBase.Add(time.Hour))
	receipt(t, s, ids["opened"], domain.ReceiptOpened, aggBase.Add(73*time.Hour)) // 72 h after delivery: in time
	fire(t, s, aggBase.Add(3*24*time.Hour))                                       // the fallback for "unopened"
	// "opened" is rebooked on Tuesday 2 April (summer time); its new
	// summons goes at once and is not opened.
	tuesday := time.Date(2030, 4, 2, 9, 0, 0, 0, domain.Stockholm)
	if _, err := s.UpdateBooking(ctx, ids["opened"], func(b *domain.Booking, others []*domain.Booking) error {
		return b.Rebook(aggBase.Add(20*24*time.Hour), tuesday, actor, others)
	}); err != nil {
		t.Fatal(err)
	}
	fire(t, s, tuesday)
	if _, err := s.UpdateBooking(ctx, ids["unopened"], func(b *domain.Booking, _ []*domain.Booking) error {
		return b.MarkNoShow(b.VisitAt(), actor)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateBooking(ctx, ids["paper"], func(b *domain.Booking, _ []*domain.Booking) error {
		return b.MarkAttended(b.VisitAt(), actor)
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestReportQueries_KnownHistory(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	ids := knownHistory(t, s)
	if err := aggregateDiff(s); err != nil {
		t.Fatal(err)
	}

	type sum struct {
		keys []string
		t    metrics.Totals
	}
	collect := func(from, to time.Time) sum {
		var out sum
		if err := s.Totals(ctx, from, to, func(k metrics.Key, t metrics.Totals) bool {
			out.keys = append(out.keys, k.String())
			out.t.Merge(t)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	monday := time.Date(2030, 3, 25, 0, 0, 0, 0, domain.Stockholm)
	all := collect(time.Time{}, time.Time{})
	if all.t.Summonses != 5 || all.t.DigitalSent != 4 || all.t.Opened != 1 || all.t.OpenedInTime != 1 ||
		all.t.Fallback != 1 || all.t.ComplementSent != 1 || all.t.PaperOnlySent != 1 || all.t.NoShow != 1 || all.t.Attended != 1 {
		t.Errorf("all totals = %+v", all.t)
	}
	// 73 h after sending but 72 h after delivery: in time.
	week1 := collect(monday, monday.AddDate(0, 0, 7))
	if week1.t.Summonses != 4 || week1.t.OpenedInTime != 1 || week1.t.PaperAvoided != 1 || week1.t.Complement[domain.ReasonUnder18] != 1 {
		t.Errorf("first week = %+v", week1.t)
	}
	if d, ok := week1.t.OpenDelayQuantile(0.5); !ok || d != 72*time.Hour {
		t.Errorf("median time to open = %v, %v; want 72h", d, ok)
	}
	wantKeys := []string{"ekg24|ryhov|2030-03-25|18_64|digital_only", "ekg24|ryhov|2030-03-25|under_18|digital_paper",
		"ekokardiografi|ryhov|2030-03-25|18_64|paper_only"}
	if !reflect.DeepEqual(week1.keys, wantKeys) {
		t.Errorf("first week's keys = %q, want %q", week1.keys, wantKeys)
	}
	// A bound inside a day: the day counts when it starts within the range.
	if got := collect(monday.Add(time.Minute), time.Time{}); got.t.Summonses != 1 {
		t.Errorf("from 00:01 on Monday: %d summonses, want 1 (Tuesday's)", got.t.Summonses)
	}
	if got := collect(time.Time{}, monday.Add(time.Minute)); got.t.Summonses != 4 {
		t.Errorf("to 00:01 on Monday: %d summonses, want 4", got.t.Summonses)
	}
	if got := collect(monday.AddDate(0, 0, 8), monday.AddDate(0, 0, 9)); got.t.Summonses != 1 || got.t.RebookRequests != 0 {
		t.Errorf("Tuesday 2 April = %+v", got.t)
	}

	// Week rows: the same sums, filed by ISO week; k.Day is the Monday.
	weeks := map[string]metrics.Totals{}
	if err := s.WeekTotals(ctx, "2030-W13", "2030-W14", func(k metrics.Key, week string, tot metrics.Totals) bool {
		w := weeks[week]
		w.Merge(tot)
		weeks[week] = w
		if d, _ := time.ParseInLocation("2006-01-02", k.Day, domain.Stockholm); d.Weekday() != time.Monday || k.Week() != week {
			t.Errorf("week %s row with day %s", week, k.Day)
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(weeks["2030-W13"], week1.t) || weeks["2030-W14"].Summonses != 1 || len(weeks) != 2 {
		t.Errorf("weeks = %+v", weeks)
	}
	n := 0
	if err := s.WeekTotals(ctx, "2030-W14", "", func(metrics.Key, string, metrics.Totals) bool { n++; return true }); err != nil || n != 1 {
		t.Errorf("WeekTotals from W14: %d rows, %v", n, err)
	}
	if err := s.WeekTotals(ctx, "2030-W54", "", func(metrics.Key, string, metrics.Totals) bool { return true }); err == nil {
		t.Error("WeekTotals accepted week 54")
	}

	// Members: the bookings behind a figure, of one day row or of a week.
	var got []domain.BookingID
	k := metrics.Key{Exam: "ekg24", Site: "ryhov", Day: "2030-03-25", Age: metrics.Age18to64, Group: metrics.DigitalOnly}
	if err := s.DayMembers(ctx, k, func(f metrics.Fact) bool { got = append(got, f.Booking); return true }); err != nil {
		t.Fatal(err)
	}
	if want := []domain.BookingID{ids["opened"], ids["unopened"]}; !reflect.DeepEqual(got, want) {
		t.Errorf("day members = %v, want %v", got, want)
	}
	members := func(week, exam string, g metrics.Group) []string {
		var out []string
		if err := s.Members(ctx, week, exam, g, func(f metrics.Fact) bool {
			out = append(out, fmt.Sprintf("%d %s", f.Booking, f.Key.Day))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, c := range []struct {
		week, exam string
		group      metrics.Group
		want       []string
	}{
		{"2030-W13", "", "", []string{"1 2030-03-25", "2 2030-03-25", "3 2030-03-25", "4 2030-03-25"}},
		{"2030-W13", "ekg24", "", []string{"1 2030-03-25", "2 2030-03-25", "3 2030-03-25"}},
		{"2030-W13", "", metrics.PaperOnly, []string{"4 2030-03-25"}},
		{"2030-W13", "ekg24", metrics.DigitalPaper, []string{"3 2030-03-25"}},
		{"2030-W14", "", "", []string{"1 2030-04-02"}},
		{"2030-W15", "", "", nil},
	} {
		if got := members(c.week, c.exam, c.group); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Members(%s, %q, %q) = %q, want %q", c.week, c.exam, c.group, got, c.want)
		}
	}
	if err := s.Members(ctx, "W13", "", "", func(metrics.Fact) bool { return true }); err == nil {
		t.Error("Members accepted week W13")
	}
}

func TestParseISOWeek(t *testing.T) {
	for w, want := range map[string]string{"2026-W01": "2025-12-29", "2026-W48": "2026-11-23", "2020-W53": "2020-12-28", "2030-W13": "2030-03-25"} {
		got, err := ParseISOWeek(w)
		if err != nil || got.Format("2006-01-02") != want {
			t.Errorf("ParseISOWeek(%s) = %v, %v; want %s", w, got, err, want)
		}
	}
	for _, w := range []string{"2021-W53", "2026-W00", "2026-48", "2026-W4"} {
		if _, err := ParseISOWeek(w); err == nil {
			t.Errorf("ParseISOWeek(%s) succeeded", w)
		}
	}
}

func TestRebuild_RestoresTamperedAggregates(t *testing.T) {
	s := openTest(t)
	knownHistory(t, s)
	want := storedAggregates(t, s)
	if len(want["agg_day"]) == 0 || len(want["agg_member"]) != 5 {
		t.Fatalf("aggregates = %v", want)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		day, member := tx.Bucket(bucketAggDay), tx.Bucket(bucketAggMember)
		k, _ := day.Cursor().First()
		if err := day.Put(slices.Clone(k), []byte(`{"summonses":99}`)); err != nil {
			return err
		}
		k, _ = day.Cursor().Last()
		if err := day.Delete(slices.Clone(k)); err != nil {
			return err
		}
		if err := day.Put([]byte("2030-01-01|ekg24|ryhov|18_64|digital_only"), []byte(`{"summonses":1}`)); err != nil {
			return err
		}
		k, _ = member.Cursor().First()
		if err := member.Delete(slices.Clone(k)); err != nil {
			return err
		}
		return tx.DeleteBucket(bucketAggWeek)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucketAggWeek); return err }); err != nil {
		t.Fatal(err)
	}
	if aggregateDiff(s) == nil {
		t.Fatal("tampering went unnoticed")
	}
	r, err := s.Rebuild(context.Background())
	if err != nil || r != (metrics.Rebuilt{Bookings: 4, Written: true}) {
		t.Fatalf("Rebuild = %+v, %v; want 4 bookings, written", r, err)
	}
	if got := storedAggregates(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("after Rebuild:\n%v\nwant\n%v", got, want)
	}
}

func TestMigration_V4ToCurrentComputesAggregates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kallelse.db")
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	knownHistory(t, s)
	want := storedAggregates(t, s)
	s.Close()

	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range aggBuckets {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(4))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(); err != nil || v != currentSchemaVersion {
		t.Fatalf("version = %d, %v; want %d", v, err, currentSchemaVersion)
	}
	if got := storedAggregates(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("migrated aggregates:\n%v\nwant\n%v", got, want)
	}
}
