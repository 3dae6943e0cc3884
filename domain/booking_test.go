package domain

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func book(t *testing.T, id BookingID, at time.Time, existing ...*Booking) (*Booking, error) {
	t.Helper()
	return NewBooking(BookingRequest{ID: id, Patient: newTestPatient(t, ""), Exam: examDigital, Site: siteRyhov,
		VisitAt: at, Now: ref, Actor: "anna", Policy: pilot, Existing: existing})
}

func mustBook(t *testing.T, id BookingID, at time.Time, existing ...*Booking) *Booking {
	t.Helper()
	b, err := book(t, id, at, existing...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBooking_NewRecordsDecisionAndBookedEvent(t *testing.T) {
	at := ref.Add(72 * time.Hour)
	b := mustBook(t, 7, at)
	if b.State() != StateBooked || b.Decision().Label() != "digital" {
		t.Fatalf("state %s, decision %s", b.State(), b.Decision().Label())
	}
	ev := b.TakeEvents()
	if len(ev) != 1 || ev[0].Type != EventBooked || ev[0].Actor != "anna" || ev[0].Booking != 7 || !ev[0].VisitAt.Equal(at) {
		t.Fatalf("events = %+v", ev)
	}
	if len(b.TakeEvents()) != 0 {
		t.Fatal("TakeEvents must forget what it returned")
	}
}

func TestBooking_RefusesVisitNotInTheFuture(t *testing.T) {
	for _, at := range []time.Time{ref, ref.Add(-time.Minute)} {
		if _, err := book(t, 1, at); !errors.Is(err, ErrVisitInPast) {
			t.Errorf("visit at %s: err %v, want ErrVisitInPast", at, err)
		}
	}
}

func TestBooking_OverlapIsRefused(t *testing.T) {
	first := mustBook(t, 1, ref.Add(48*time.Hour)) // 30 minutes
	if _, err := book(t, 2, ref.Add(48*time.Hour+29*time.Minute), first); !errors.Is(err, ErrOverlap) {
		t.Fatalf("overlapping booking: err %v", err)
	}
	if _, err := book(t, 2, ref.Add(48*time.Hour-29*time.Minute), first); !errors.Is(err, ErrOverlap) {
		t.Fatalf("booking ending inside the first: err %v", err)
	}
	if _, err := book(t, 2, ref.Add(48*time.Hour+30*time.Minute), first); err != nil {
		t.Fatalf("back-to-back booking refused: %v", err)
	}
	if err := first.Cancel(ref, "anna", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := book(t, 2, ref.Add(48*time.Hour), first); err != nil {
		t.Fatalf("a cancelled booking must not block the time: %v", err)
	}
}

func TestBooking_LifeCycleTable(t *testing.T) {
	legal := map[BookingState][]EventType{
		StateBooked:          {EventSummonsSent, EventRebooked, EventCancelled, EventAttended, EventNoShow},
		StateSummonsSent:     {EventOpened, EventRebookRequested, EventCancelRequested, EventRebooked, EventCancelled, EventAttended, EventNoShow},
		StateOpened:          {EventRebookRequested, EventCancelRequested, EventRebooked, EventCancelled, EventAttended, EventNoShow},
		StateRebookRequested: {EventCancelRequested, EventRebooked, EventCancelled, EventAttended, EventNoShow},
		StateCancelRequested: {EventRebooked, EventCancelled, EventAttended, EventNoShow},
		StateRebooked:        {EventSummonsSent, EventRebooked, EventCancelled, EventAttended, EventNoShow},
		StateCancelled:       nil,
		StateAttended:        nil,
		StateNoShow:          nil,
	}
	changes := []EventType{EventSummonsSent, EventOpened, EventRebookRequested, EventCancelRequested,
		EventRebooked, EventCancelled, EventAttended, EventNoShow, EventBooked, EventDelivered}
	for _, s := range AllStates {
		ok := map[EventType]bool{}
		for _, e := range legal[s] {
			ok[e] = true
		}
		for _, e := range changes {
			if got := CanTransition(s, e); got != ok[e] {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", s, e, got, ok[e])
			}
		}
		if s.Final() != (len(legal[s]) == 0) {
			t.Errorf("%s.Final() = %v", s, s.Final())
		}
	}
}

func TestBooking_IllegalTransitionIsAnErrorNeverANoOp(t *testing.T) {
	b := mustBook(t, 1, ref.Add(48*time.Hour))
	b.TakeEvents()
	if err := b.Cancel(ref, "anna", "patienten ringde"); err != nil {
		t.Fatal(err)
	}
	if err := b.Cancel(ref, "anna", ""); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("second cancel: %v", err)
	}
	if err := b.Rebook(ref.Add(96*time.Hour), ref, "anna", nil); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("rebook after cancel: %v", err)
	}
	if err := b.MarkAttended(ref.Add(50*time.Hour), "anna"); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("attended after cancel: %v", err)
	}
	ev := b.TakeEvents()
	if len(ev) != 1 || ev[0].Type != EventCancelled || ev[0].Note != "patienten ringde" {
		t.Fatalf("only the one cancel may be recorded, got %+v", ev)
	}
}

// TestInKeptYears is the rule of the years Kallelse keeps: a visit booked
// or moved outside 1971–2261 is refused in words, never left to the store.
func TestInKeptYears(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		kept bool
	}{
		{time.Date(1971, 1, 1, 0, 0, 0, 0, Stockholm), true},
		{time.Date(1970, 12, 31, 23, 59, 0, 0, Stockholm), false},
		{time.Date(2261, 12, 31, 23, 59, 0, 0, Stockholm), true},
		{time.Date(2262, 1, 1, 0, 0, 0, 0, Stockholm), false},
	} {
		if got := InKeptYears(c.at); got != c.kept {
			t.Errorf("InKeptYears(%s) = %v, want %v", c.at, got, c.kept)
		}
	}
	far := time.Date(2270, 1, 12, 9, 0, 0, 0, Stockholm)
	if _, err := book(t, 1, far); !errors.Is(err, ErrVisitOutOfYears) {
		t.Errorf("a visit in 2270: %v, want ErrVisitOutOfYears", err)
	}
	b := mustBook(t, 2, ref.Add(72*time.Hour))
	if err := b.Rebook(far, ref, "anna", nil); !errors.Is(err, ErrVisitOutOfYears) {
		t.Errorf("moved to 2270: %v, want ErrVisitOutOfYears", err)
	}
}

func TestBooking_RebookMovesTheVisitAndRecordsBothTimes(t *testing.T) {
	old := ref.Add(48 * time.Hour)
	b := mustBook(t, 1, old)
	b.TakeEvents()
	other := mustBook(t, 2, ref.Add(96*time.Hour))
	if err := b.Rebook(ref.Add(96*time.Hour+10*time.Minute), ref, "anna", []*Booking{other}); !errors.Is(err, ErrOverlap) {
		t.Fatalf("rebook onto another booking: %v", err)
	}
	if err := b.Rebook(ref.Add(-time.Hour), ref, "anna", nil); !errors.Is(err, ErrVisitInPast) {
		t.Fatalf("rebook into the past: %v", err)
	}
	newAt := ref.Add(120 * time.Hour)
	if err := b.Rebook(newAt, ref, "anna", []*Booking{other, b}); err != nil {
		t.Fatal(err)
	}
	ev := b.TakeEvents()
	if b.State() != StateRebooked || !b.VisitAt().Equal(newAt) || len(ev) != 1 ||
		!ev[0].VisitAt.Equal(newAt) || !ev[0].PreviousVisitAt.Equal(old) {
		t.Fatalf("state %s at %s, events %+v", b.State(), b.VisitAt(), ev)
	}
}

func TestBooking_OutcomeOnlyOnceTheVisitHasStarted(t *testing.T) {
	at := ref.Add(48 * time.Hour)
	b := mustBook(t, 1, at)
	if err := b.MarkAttended(at.Add(-time.Minute), "anna"); !errors.Is(err, ErrVisitNotStarted) {
		t.Fatalf("attended before the visit: %v", err)
	}
	if err := b.MarkNoShow(at.Add(-time.Minute), "anna"); !errors.Is(err, ErrVisitNotStarted) {
		t.Fatalf("no-show before the visit: %v", err)
	}
	if err := b.MarkNoShow(at, "anna"); err != nil || b.State() != StateNoShow {
		t.Fatalf("no-show at the visit: %v, state %s", err, b.State())
	}
}

func TestBooking_SnapshotRoundTrips(t *testing.T) {
	b := mustBook(t, 9, ref.Add(48*time.Hour))
	back, err := RehydrateBooking(b.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if back.Snapshot().VisitAt != b.Snapshot().VisitAt || back.ID() != 9 || back.Patient() != b.Patient() || back.Decision().Label() != b.Decision().Label() {
		t.Fatalf("round trip changed the booking: %+v vs %+v", back.Snapshot(), b.Snapshot())
	}
	bad := b.Snapshot()
	bad.State = "lost"
	if _, err := RehydrateBooking(bad); err == nil {
		t.Fatal("an unknown state must not rehydrate")
	}
}

// RehydrateBooking's booking shares no list with the snapshot it came
// from; RehydrateBookingInto's, for a store's snapshot just decoded, is the
// same booking, its lists taken over and shown in Stockholm in place.
func TestRehydrateBooking_SharesNothingAndIntoIsTheSameBooking(t *testing.T) {
	utc := ref.UTC()
	snap := func() BookingSnapshot {
		s := mustBook(t, 9, ref.Add(48*time.Hour)).Snapshot()
		s.Reasons = []Reason{"r1", "r2"}
		s.Timers = []Timer{{Seq: 1, Kind: TimerSummons, Due: utc}}
		s.Reminders = []string{"7d"}
		s.Letters = []LetterRecord{{ID: "l1", VisitAt: utc, PrintedAt: utc}}
		return s
	}
	s := snap()
	b, err := RehydrateBooking(s)
	if err != nil {
		t.Fatal(err)
	}
	s.Reasons[0], s.Timers[0].Seq, s.Reminders[0], s.Letters[0].ID = "x", 9, "x", "x"
	if got := b.Snapshot(); got.Reasons[0] != "r1" || got.Timers[0].Seq != 1 || got.Reminders[0] != "7d" || got.Letters[0].ID != "l1" {
		t.Fatalf("the booking changed with its snapshot: %+v", got)
	}
	var into Booking
	if err := RehydrateBookingInto(&into, snap()); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&into, b) {
		t.Fatalf("Into made\n%+v\nRehydrateBooking\n%+v", into.Snapshot(), b.Snapshot())
	}
	if into.timers[0].Due.Location() != Stockholm || into.letters[0].VisitAt.Location() != Stockholm {
		t.Fatal("times not shown in Stockholm")
	}
	none := mustBook(t, 10, ref.Add(48*time.Hour)).Snapshot()
	none.Reasons, none.Timers, none.Reminders, none.Letters = []Reason{}, []Timer{}, []string{}, nil
	if err := RehydrateBookingInto(&into, none); err != nil {
		t.Fatal(err)
	}
	if into.decision.Reasons != nil || into.timers != nil || into.reminders != nil || into.letters == nil {
		t.Fatalf("empty lists: reasons %#v timers %#v reminders %#v letters %#v", into.decision.Reasons, into.timers, into.reminders, into.letters)
	}
}

func TestImplicit_WeekendAndHolidayWarning(t *testing.T) {
	cases := []struct {
		day  string
		name string
	}{
		{"2026-11-25", ""},         // Wednesday
		{"2026-11-28", "lördag"},   //
		{"2026-11-29", "söndag"},   //
		{"2026-12-24", "Julafton"}, // Thursday
		{"2027-06-25", "Midsommarafton"},
		{"2027-03-26", "Långfredagen"},
		{"2027-06-07", ""}, // Monday after national day weekend
	}
	for _, c := range cases {
		d, _ := time.ParseInLocation("2006-01-02 15:04", c.day+" 09:00", Stockholm)
		name, ok := NonWorkingDay(d)
		if ok != (c.name != "") || name != c.name {
			t.Errorf("NonWorkingDay(%s) = %q, %v; want %q", c.day, name, ok, c.name)
		}
	}
}

func TestPatient_ValidationNamesTheField(t *testing.T) {
	id := newTestPatient(t, "").ID()
	cases := []struct {
		in   PatientInput
		want string
	}{
		{PatientInput{ID: id}, "name missing"},
		{PatientInput{ID: id, Name: "A", Address: Address{Street: "Gatan 1"}}, "address incomplete"},
		{PatientInput{ID: id, Name: "A", Address: Address{Street: "Gatan 1", PostalCode: "5531", City: "X"}}, "postal code"},
		{PatientInput{ID: id, Name: "A", SMSReminders: true}, "no mobile number"},
		{PatientInput{ID: id, Name: "A", SMSReminders: true, Phone: "036-123456"}, "not a Swedish mobile"},
		{PatientInput{ID: id, Name: "A", Phone: "07x-1"}, "unexpected character"},
		{PatientInput{ID: id, Name: "A", NotificationsEnabled: true}, "without a 1177 account"},
	}
	for _, c := range cases {
		_, err := NewPatient(c.in)
		if err == nil || !errors.Is(err, ErrInvalidPatient) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewPatient(%+v) = %v, want error containing %q", c.in, err, c.want)
		}
	}
	p, err := NewPatient(PatientInput{ID: id, Name: "  Anna   Berg ", Phone: "+46 (0)70-123 45 67", SMSReminders: true,
		Address: Address{Street: "Gatan 1", PostalCode: "553 18", City: "Jönköping"}})
	if err != nil || p.Phone() != "+46701234567" || p.Name() != "Anna Berg" || p.Address().PostalCodeDisplay() != "553 18" {
		t.Fatalf("normalisation: %v %q %q %q", err, p.Phone(), p.Name(), p.Address().PostalCodeDisplay())
	}
}
