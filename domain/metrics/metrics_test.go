package metrics

import (
	"math"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, domain.Stockholm)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	examD = domain.Examination{Code: "ekg24", Name: "Långtids-EKG", Duration: 30 * time.Minute, Digital: true, Stage: 1}
	examP = domain.Examination{Code: "mps", Name: "Myokardskintigrafi", Duration: time.Hour, Stage: 3}
	site  = domain.Site{Code: "ryhov", Name: "Länssjukhuset Ryhov"}
)

func patient(t *testing.T, id string, interpreter string) domain.Patient {
	t.Helper()
	n, err := domain.DefaultIdentityParser().Parse(id, at("2026-01-01 00:00"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := domain.NewPatient(domain.PatientInput{ID: n, Name: "Test", Has1177Account: true, NotificationsEnabled: true,
		Interpreter: interpreter, Address: domain.Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// history runs a booking through the real domain flows and collects its
// events as the store would number them.
type history struct {
	t   *testing.T
	b   *domain.Booking
	p   domain.Patient
	e   domain.Examination
	evs []domain.Event
}

func book(t *testing.T, p domain.Patient, e domain.Examination, bookedAt, visit time.Time) *history {
	t.Helper()
	b, err := domain.NewBooking(domain.BookingRequest{ID: 7, Patient: p, Exam: e, Site: site, VisitAt: visit, Now: bookedAt,
		Actor: "anna", Policy: domain.PolicyOptions{Samordningsnummer: domain.SamordningsnummerDigitalAndPaper}})
	if err != nil {
		t.Fatal(err)
	}
	h := &history{t: t, b: b, p: p, e: e}
	h.take()
	return h
}

func (h *history) take() {
	for _, e := range h.b.TakeEvents() {
		e.Seq = uint64(len(h.evs) + 1)
		h.evs = append(h.evs, e)
	}
	h.b.TakeMessages()
}

func (h *history) env(now time.Time) domain.FireEnv {
	return domain.FireEnv{Now: now, Patient: h.p, Exam: h.e, Site: site, Schedule: domain.DefaultSchedule(),
		Policy: domain.PolicyOptions{Samordningsnummer: domain.SamordningsnummerDigitalAndPaper}}
}

func (h *history) fire(now time.Time) *history {
	h.t.Helper()
	if err := h.b.FireDue(h.env(now)); err != nil {
		h.t.Fatal(err)
	}
	h.take()
	return h
}

func (h *history) receipt(typ domain.ReceiptType, now time.Time) *history {
	h.t.Helper()
	if err := h.b.ApplyReceipt(domain.Receipt{MessageID: h.b.Status().MessageID, Type: typ, At: now}, h.env(now)); err != nil {
		h.t.Fatal(err)
	}
	h.take()
	return h
}

func (h *history) facts() []Fact {
	return FactsFromHistory(h.b.ID(), h.b.Exam(), h.b.Site(), h.b.Patient(), h.evs)
}

func one(t *testing.T, fs []Fact) Fact {
	t.Helper()
	if len(fs) != 1 {
		t.Fatalf("%d facts, want 1: %+v", len(fs), fs)
	}
	return fs[0]
}

func TestMetric_OpenedExactlyAt72HoursIsInTime(t *testing.T) {
	for _, c := range []struct {
		after  time.Duration
		inTime int
	}{{72 * time.Hour, 1}, {72*time.Hour + time.Minute, 0}} {
		h := book(t, patient(t, "19121212-1212", ""), examD, at("2026-11-02 10:00"), at("2026-11-20 10:00"))
		h.fire(at("2026-11-02 10:00")).receipt(domain.ReceiptDelivered, at("2026-11-02 10:05"))
		h.receipt(domain.ReceiptOpened, at("2026-11-02 10:05").Add(c.after))
		f := one(t, h.facts())
		if f.Opened != 1 || f.OpenedInTime != c.inTime || f.OpenDelay != c.after || f.PaperAvoided != c.inTime {
			t.Errorf("opened %v after delivery: %+v", c.after, f)
		}
	}
}

func TestMetric_FallbackLetterIsNotAvoided(t *testing.T) {
	h := book(t, patient(t, "19121212-1212", ""), examD, at("2026-11-02 10:00"), at("2026-11-20 10:00"))
	h.fire(at("2026-11-02 10:00")).fire(at("2026-11-05 10:00")) // R4
	h.receipt(domain.ReceiptOpened, at("2026-11-06 09:00"))
	f := one(t, h.facts())
	if f.Fallback != 1 || f.Opened != 1 || f.OpenedInTime != 0 || f.PaperAvoided != 0 || f.Key.Group != DigitalOnly {
		t.Fatalf("%+v", f)
	}
}

func TestMetric_RebookedSummonsCountsTwice(t *testing.T) {
	h := book(t, patient(t, "19121212-1212", ""), examD, at("2026-11-02 10:00"), at("2026-11-20 10:00"))
	h.fire(at("2026-11-02 10:00")).receipt(domain.ReceiptRebookRequested, at("2026-11-03 08:00"))
	if err := h.b.Rebook(at("2026-12-01 10:00"), at("2026-11-04 09:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	h.take()
	h.fire(at("2026-11-04 09:00"))
	if err := h.b.MarkNoShow(at("2026-12-01 11:00"), "anna"); err != nil {
		t.Fatal(err)
	}
	h.take()
	fs := h.facts()
	if len(fs) != 2 {
		t.Fatalf("facts %+v", fs)
	}
	first, second := fs[0], fs[1]
	if first.Key.Day != "2026-11-02" || first.Opened != 1 || first.RebookRequests != 1 || first.NoShow != 0 {
		t.Errorf("first summons %+v", first)
	}
	if second.Key.Day != "2026-11-04" || second.Opened != 0 || second.NoShow != 1 || second.MessageID == first.MessageID {
		t.Errorf("second summons %+v", second)
	}
}

func TestMetric_CancelledBookingKeepsItsSummonsAndHasNoOutcome(t *testing.T) {
	h := book(t, patient(t, "19121212-1212", ""), examD, at("2026-11-02 10:00"), at("2026-11-20 10:00"))
	h.fire(at("2026-11-02 10:00")).receipt(domain.ReceiptCancelRequested, at("2026-11-02 12:00"))
	if err := h.b.Cancel(at("2026-11-03 08:00"), "anna", ""); err != nil {
		t.Fatal(err)
	}
	h.take()
	f := one(t, h.facts())
	if f.DigitalSent != 1 || f.CancelRequests != 1 || f.Opened != 1 || f.Attended+f.NoShow != 0 {
		t.Fatalf("%+v", f)
	}
}

func TestMetric_AgeBandIsTakenWhenTheSummonsIsSent(t *testing.T) {
	// Turns 18 on 26 November 2026: booked the 25th, sent the 26th.
	p := patient(t, "20081126-1239", "")
	b, err := domain.NewBooking(domain.BookingRequest{ID: 1, Patient: p, Exam: examD, Site: site, VisitAt: at("2026-12-20 10:00"),
		Now: at("2026-11-25 16:00"), Actor: "anna"})
	if err != nil {
		t.Fatal(err)
	}
	h := &history{t: t, b: b, p: p, e: examD}
	h.take()
	h.fire(at("2026-11-26 08:00"))
	f := one(t, h.facts())
	if f.Key.Age != Age18to64 || f.Key.Group != DigitalOnly {
		t.Fatalf("%+v", f.Key)
	}
	h2 := book(t, p, examD, at("2026-11-25 16:00"), at("2026-12-20 10:00")).fire(at("2026-11-25 16:00"))
	if f := one(t, h2.facts()); f.Key.Age != AgeUnder18 || f.Key.Group != DigitalPaper || f.Complement[domain.ReasonUnder18] != 1 {
		t.Fatalf("sent while 17: %+v", f)
	}
}

func TestMetric_DayAndWeekAreStockholmsAcrossDaylightSaving(t *testing.T) {
	// Summer time ended Sunday 25 October 2026 at 03:00.
	for _, c := range []struct {
		sent      time.Time
		day, week string
	}{
		{at("2026-10-25 23:30"), "2026-10-25", "2026-W43"},
		{time.Date(2026, 10, 25, 23, 30, 0, 0, time.UTC), "2026-10-26", "2026-W44"}, // 00:30 in Stockholm
		{at("2026-03-29 02:30").Add(time.Hour), "2026-03-29", "2026-W13"},
	} {
		h := book(t, patient(t, "19121212-1212", ""), examD, c.sent, c.sent.Add(20*24*time.Hour)).fire(c.sent)
		f := one(t, h.facts())
		if f.Key.Day != c.day || f.Key.Week() != c.week {
			t.Errorf("sent %s: day %s week %s, want %s %s", c.sent, f.Key.Day, f.Key.Week(), c.day, c.week)
		}
	}
}

func TestMetric_ComplementAndPaperOnlyLetters(t *testing.T) {
	h := book(t, patient(t, "19121212-1212", "arabiska"), examD, at("2026-11-02 10:00"), at("2026-11-20 10:00")).fire(at("2026-11-02 10:00"))
	f := one(t, h.facts())
	if f.Key.Group != DigitalPaper || f.ComplementSent != 1 || f.Complement[domain.ReasonInterpreter] != 1 || f.PaperOnlySent != 0 {
		t.Fatalf("complement %+v", f)
	}
	h = book(t, patient(t, "19121212-1212", "arabiska"), examP, at("2026-11-02 10:00"), at("2026-11-20 10:00")).fire(at("2026-11-02 10:00"))
	f = one(t, h.facts())
	if f.Key.Group != PaperOnly || f.PaperOnlySent != 1 || f.ComplementSent != 0 || f.Complement != nil || f.DigitalSent != 0 {
		t.Fatalf("paper only %+v", f)
	}
}

func TestMetric_TotalsAddSubtractAndQuantiles(t *testing.T) {
	var tot Totals
	var facts []Fact
	for i, mins := range []int{10, 20, 30, 60, 240, 600, 1440, 2880, 4000, 9000} {
		f := Fact{DigitalSent: 1, Opened: 1, OpenDelay: time.Duration(mins) * time.Minute}
		if i%2 == 0 {
			f.Attended = 1
		} else {
			f.NoShow = 1
		}
		facts = append(facts, f)
		tot.Add(f, 1)
	}
	if tot.OpenRate() != 1 || tot.NoShowRate() != 0.5 {
		t.Fatalf("rates %v %v", tot.OpenRate(), tot.NoShowRate())
	}
	med, _ := tot.OpenDelayQuantile(0.5) // the 5th of 10: 240 min, on a quarter hour
	p90, _ := tot.OpenDelayQuantile(0.9) // the 9th: 4000 min = 66 h 40 min, reported to the hour
	if med != 240*time.Minute || p90 != 67*time.Hour {
		t.Fatalf("median %v p90 %v", med, p90)
	}
	for _, c := range []struct{ d, want time.Duration }{
		{time.Minute, 15 * time.Minute}, {24 * time.Hour, 24 * time.Hour}, {24*time.Hour + time.Second, 25 * time.Hour},
		{7 * 24 * time.Hour, 7 * 24 * time.Hour}, {8*24*time.Hour - time.Hour, 8 * 24 * time.Hour}, {90 * 24 * time.Hour, 30 * 24 * time.Hour},
	} {
		if got := Reported(c.d); got != c.want {
			t.Errorf("Reported(%v) = %v, want %v", c.d, got, c.want)
		}
	}
	for _, f := range facts {
		tot.Add(f, -1)
	}
	if !tot.IsZero() || tot.OpenDelays != (Histogram{}) {
		t.Fatalf("not back to zero: %+v", tot)
	}
	if _, ok := tot.OpenDelayQuantile(0.5); ok || !math.IsNaN(tot.OpenRate()) {
		t.Fatal("empty totals must have no median and an undefined rate")
	}
}

func TestMetric_ResentAtTheSameInstantAfterRebookIsANewSummons(t *testing.T) {
	h := book(t, patient(t, "19121212-1212", ""), examD, at("2026-11-02 10:00"), at("2026-11-20 10:00"))
	h.fire(at("2026-11-02 10:00"))
	if err := h.b.Rebook(at("2026-11-27 10:00"), at("2026-11-02 10:00"), "anna", nil); err != nil {
		t.Fatal(err)
	}
	h.take()
	h.fire(at("2026-11-02 10:00"))
	if fs := h.facts(); len(fs) != 2 || fs[0].MessageID == fs[1].MessageID {
		t.Fatalf("facts %+v", fs)
	}
}

func TestMetric_ReceiptStampedBeforeTheSendingStillCounts(t *testing.T) {
	h := book(t, patient(t, "19121212-1212", ""), examD, at("2026-11-02 10:00"), at("2026-11-20 10:00"))
	h.fire(at("2026-11-02 10:00")).receipt(domain.ReceiptOpened, at("2026-11-02 09:59"))
	if f := one(t, h.facts()); f.Opened != 1 || f.OpenDelay != 0 || f.OpenedInTime != 1 {
		t.Fatalf("%+v", f)
	}
}

func TestMetric_ACorrectedOutcomeCountsOnlyTheLastWord(t *testing.T) {
	h := book(t, patient(t, "19121212-1212", ""), examD, at("2026-11-02 10:00"), at("2026-11-20 10:00"))
	h.fire(at("2026-11-02 10:00"))
	if err := h.b.MarkNoShow(at("2026-11-20 11:00"), "anna"); err != nil {
		t.Fatal(err)
	}
	h.take()
	if f := one(t, h.facts()); f.NoShow != 1 || f.Attended != 0 {
		t.Fatalf("before the correction: %+v", f)
	}
	if err := h.b.CorrectOutcome(domain.StateAttended, at("2026-11-21 09:00"), "bertil", "kom"); err != nil {
		t.Fatal(err)
	}
	h.take()
	if f := one(t, h.facts()); f.Attended != 1 || f.NoShow != 0 {
		t.Fatalf("after the correction: %+v", f)
	}
}
