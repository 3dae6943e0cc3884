package demo

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/adapters/config"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
)

var yearStart = time.Date(2027, 1, 4, 0, 0, 0, 0, domain.Stockholm)

func yearService(t testing.TB) *service.Service {
	t.Helper()
	cfg, err := config.Load(config.Source{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(filepath.Join(t.TempDir(), "year.db"), storage.Options{BulkLoad: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &service.Service{Store: st, Clock: domain.FixedClock{T: yearStart}, Catalogue: cfg.Catalogue(),
		Parser: cfg.IdentityParser(), Policy: cfg.PolicyOptions(), Clinic: cfg.ClinicInfo(), Schedule: cfg.DomainSchedule()}
}

func simulateYear(t testing.TB, opt YearOptions) YearReport {
	t.Helper()
	r, err := Year(context.Background(), yearService(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The simulated year (issue 9) holds every invariant: every visit reached
// in time, no letter for a void time, no reminder after a cancellation, no
// message after the visit, no SMS in the night, no duplicate — through a
// week of downtime and both daylight saving days; and the same seed gives
// the same year.
func TestYear_HoldsEveryInvariant(t *testing.T) {
	opt := YearOptions{Seed: 3, Bookings: 500, Start: yearStart, Downtime: DefaultDowntime(yearStart), Population: DefaultPopulation}
	r := simulateYear(t, opt)
	if !r.OK() {
		t.Fatalf("invariants: %+v", r.Invariants)
	}
	if len(r.Invariants) != 6 || r.Bookings != 500 || r.Visits+r.Cancelled != r.Bookings || r.Visits < 400 {
		t.Fatalf("report %+v", r)
	}
	if r.Inbox == 0 || r.SMS == 0 || r.LettersPrinted == 0 || r.PhoneTasks == 0 || r.Moved == 0 || r.Requests == 0 {
		t.Fatalf("a quiet year: %+v", r)
	}
	sum := 0
	for _, g := range r.Groups {
		sum += g.Bookings
		if g.Reached > g.Visits || g.PaperAvoided > g.Bookings || g.Digital > g.Visits || g.Opened > g.Digital {
			t.Errorf("group %+v", g)
		}
	}
	if sum != r.Bookings {
		t.Fatalf("groups hold %d bookings of %d", sum, r.Bookings)
	}
	if !r.DowntimeFrom.Equal(time.Date(2027, 9, 13, 0, 0, 0, 0, domain.Stockholm)) || r.End.Sub(r.Start) < 365*24*time.Hour {
		t.Fatalf("period %v – %v, downtime %v", r.Start, r.End, r.DowntimeFrom)
	}
	opt.Bookings = 150
	if a, b := simulateYear(t, opt), simulateYear(t, opt); !reflect.DeepEqual(a, b) {
		t.Fatalf("the same seed, two years:\n%+v\n%+v", a, b)
	}
}

// The checks can fail: an SMS in the night and a letter printed for a
// moved time are each counted against the booking, with an example.
func TestYear_ChecksCatchABreach(t *testing.T) {
	ctx := context.Background()
	svc := yearService(t)
	y := newYear(svc, svc.Store.(domain.LoopStore), YearOptions{Seed: 1, Bookings: 1, Start: yearStart, Population: DefaultPopulation})
	rows, _ := y.g.patients(1)
	in := rows[0].Patient
	in.Has1177Account, in.NotificationsEnabled, in.Address = true, true, domain.Address{Street: "Gatan 1", PostalCode: "55318", City: "Jönköping"}
	rows[0].Patient = in
	y.rows = rows
	y.patients[in.ID.Canonical()] = &simPatient{row: rows[0]}
	y.g.at(yearStart.Add(9 * time.Hour))
	if _, err := y.g.svc.ImportPatients(ctx, rows); err != nil {
		t.Fatal(err)
	}
	visit := time.Date(2027, 1, 20, 9, 0, 0, 0, domain.Stockholm)
	res, err := y.g.svc.Book(ctx, service.BookInput{Patient: in.ID.String(), Exam: "ekg24", Site: "ryhov", VisitAt: visit})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Booking.ID()
	y.bookings[id] = &simBooking{patient: in.ID.Canonical(), group: "digital", created: y.now()}

	y.g.at(time.Date(2027, 1, 10, 23, 0, 0, 0, domain.Stockholm))
	if err := y.sendSMS(ctx, domain.Message{ID: "k1-9-sms", Booking: id, Kind: domain.MessageSMS, Purpose: domain.PurposeReminder4d}); err != nil {
		t.Fatal(err)
	}
	y.g.at(time.Date(2027, 1, 12, 10, 0, 0, 0, domain.Stockholm))
	if _, _, err := y.g.svc.Rebook(ctx, id, visit.AddDate(0, 0, 7)); err != nil {
		t.Fatal(err)
	}
	letter := domain.Message{ID: "k1-10-letter", Booking: id, Kind: domain.MessageLetter, Purpose: domain.PurposeSummons,
		CreatedAt: y.now(), Summons: &domain.Summons{VisitAt: visit}}
	if err := y.print.send(ctx, letter); err != nil {
		t.Fatal(err)
	}
	if _, _, err := y.print.Batch(y.now(), false); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for name, inv := range y.inv {
		got[name] = inv.Count
	}
	want := map[string]int{InvQuietSMS: 1, InvVoidLetters: 1}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("breaches %v, want %v", got, want)
	}
	if ex := y.inv[InvVoidLetters].Examples[0]; !strings.Contains(ex, "booking 1: letter for 2027-01-20 09:00") {
		t.Fatalf("example %q", ex)
	}
}

func TestParsePopulation(t *testing.T) {
	p, err := ParsePopulation("account=0.5, interpreter=10%", DefaultPopulation)
	if err != nil || p.Account != 0.5 || p.Interpreter != 0.1 || p.Notifications != DefaultPopulation.Notifications {
		t.Fatalf("%+v, %v", p, err)
	}
	for in, want := range map[string]string{
		"acount=0.5":    `unknown key "acount"`,
		"account=1.5":   "not a share between 0 and 1",
		"account":       "is not key=share",
		"account=half":  "is not a number",
		"protected=-1%": "not a share",
	} {
		if _, err := ParsePopulation(in, DefaultPopulation); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}
