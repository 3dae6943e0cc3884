package demo

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/kallelse/kallelse/adapters/config"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
)

var now = time.Date(2026, 11, 25, 10, 0, 0, 0, domain.Stockholm)

func build(t *testing.T, opt Options) (*storage.Store, Summary) {
	t.Helper()
	cfg, err := config.Load(config.Source{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(filepath.Join(t.TempDir(), "demo.db"), storage.Options{BulkLoad: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := &service.Service{Store: st, Clock: domain.FixedClock{T: now}, Catalogue: cfg.Catalogue(),
		Parser: cfg.IdentityParser(), Policy: cfg.PolicyOptions(), Clinic: cfg.ClinicInfo(), Schedule: cfg.DomainSchedule()}
	sum, err := Generate(context.Background(), svc, now, opt)
	if err != nil {
		t.Fatal(err)
	}
	return st, sum
}

func TestDemo_IsRealisticAndCoversEveryReason(t *testing.T) {
	st, sum := build(t, Options{Patients: 300, Bookings: 400, Seed: 3})
	ctx := context.Background()
	if sum.Patients != 300 || sum.Bookings < 390 {
		t.Fatalf("summary %+v", sum)
	}
	ps, err := st.Patients(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[domain.IdentityKind]int{}
	accounts, minors := 0, 0
	for _, p := range ps {
		kinds[p.ID().Kind()]++
		if p.Has1177Account() {
			accounts++
		}
		if age, ok := p.ID().AgeAt(now); ok && age < 18 {
			minors++
		}
	}
	if share := float64(accounts) / float64(len(ps)); share < 0.8 || share > 0.95 {
		t.Errorf("share with a 1177 account = %.2f, want near the source's 91 %%", share)
	}
	if kinds[domain.KindSamordningsnummer] == 0 || kinds[domain.KindReservnummer] == 0 || minors == 0 {
		t.Errorf("kinds %v, minors %d: every kind and some children expected", kinds, minors)
	}
	bs, err := st.Bookings(ctx, domain.BookingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[domain.Reason]bool{}
	sites := map[string]bool{}
	past, future := 0, 0
	for _, b := range bs {
		for _, r := range b.Decision().Reasons {
			reasons[r] = true
		}
		sites[b.Site()] = true
		if b.VisitAt().Add(b.Duration()).Before(now) {
			past++
			if !b.State().Final() {
				t.Errorf("booking %d in the past is still %s", b.ID(), b.State())
			}
		} else {
			future++
		}
		if _, off := domain.NonWorkingDay(b.VisitAt()); off {
			t.Errorf("booking %d on a non-working day %s", b.ID(), b.VisitAt())
		}
	}
	for _, r := range domain.AllReasons {
		if !reasons[r] {
			t.Errorf("no demo booking has reason %s", r)
		}
	}
	if len(sites) != 3 || past == 0 || future == 0 {
		t.Errorf("sites %v, past %d, future %d", sites, past, future)
	}
	for _, st := range []domain.BookingState{domain.StateAttended, domain.StateNoShow, domain.StateCancelled, domain.StateOpened, domain.StateSummonsSent} {
		if sum.ByState[st] == 0 {
			t.Errorf("no demo booking is %s: %v", st, sum.ByState)
		}
	}
	// The history went through the loop: every kind of event happened.
	events, err := st.Events(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[domain.EventType]int{}
	for _, e := range events {
		seen[e.Type]++
	}
	for _, want := range []domain.EventType{domain.EventBooked, domain.EventSummonsSent, domain.EventDelivered,
		domain.EventOpened, domain.EventPaperFallbackSent, domain.EventReminderSent, domain.EventRebookRequested,
		domain.EventCancelRequested, domain.EventRebooked, domain.EventCancelled, domain.EventAttended, domain.EventNoShow} {
		if seen[want] == 0 {
			t.Errorf("no %s event in the demo history: %v", want, seen)
		}
	}
	if waiting, _, err := st.OutboxStats(ctx); err != nil || waiting != 0 {
		t.Errorf("outbox after the demo: %d, %v", waiting, err)
	}
}

func TestDemo_SameSeedSameDatabase(t *testing.T) {
	a, _ := build(t, Options{Patients: 40, Bookings: 50, Seed: 9})
	// Being watched changes nothing.
	b, _ := build(t, Options{Patients: 40, Bookings: 50, Seed: 9, Progress: func(Step) {}})
	ctx := context.Background()
	ba, _ := a.Bookings(ctx, domain.BookingQuery{})
	bb, _ := b.Bookings(ctx, domain.BookingQuery{})
	if len(ba) != len(bb) || len(ba) == 0 {
		t.Fatalf("%d vs %d bookings", len(ba), len(bb))
	}
	for i := range ba {
		if !reflect.DeepEqual(ba[i].Snapshot(), bb[i].Snapshot()) {
			t.Fatalf("booking %d differs:\n%+v\n%+v", i, ba[i].Snapshot(), bb[i].Snapshot())
		}
	}
}

// The demo switches echocardiography on three weeks before its instant:
// its summonses before then went on paper, those after digitally, and the
// date is recorded for the rollout report.
func TestDemo_SwitchesOneExaminationOnPartWay(t *testing.T) {
	st, _ := build(t, Options{Patients: 300, Bookings: 400, Seed: 3})
	ctx := context.Background()
	on := SwitchDate(now)
	if want := time.Date(2026, 11, 4, 0, 0, 0, 0, domain.Stockholm); !on.Equal(want) {
		t.Fatalf("switch date %v", on)
	}
	if m, err := st.Meta(DigitalSinceMeta); err != nil || m != "eko=2026-11-04" {
		t.Fatalf("meta %q %v", m, err)
	}
	events, err := st.Events(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	exam := map[domain.BookingID]string{}
	bs, err := st.Bookings(ctx, domain.BookingQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		exam[b.ID()] = b.Exam()
	}
	var paperBefore, digitalAfter, digitalBefore, ekgDigitalBefore int
	for _, e := range events {
		if e.Type != domain.EventSummonsSent {
			continue
		}
		digital := e.Channels[0] == domain.ChannelDigital
		switch {
		case exam[e.Booking] == SwitchExam && e.At.Before(on) && digital:
			digitalBefore++
		case exam[e.Booking] == SwitchExam && e.At.Before(on):
			paperBefore++
		case exam[e.Booking] == SwitchExam && digital:
			digitalAfter++
		case exam[e.Booking] == "ekg24" && e.At.Before(on) && digital:
			ekgDigitalBefore++ // other digital examinations stay digital
		}
	}
	if digitalBefore != 0 || paperBefore == 0 || digitalAfter == 0 || ekgDigitalBefore == 0 {
		t.Fatalf("eko before: %d digital, %d paper; after: %d digital; ekg24 digital before: %d",
			digitalBefore, paperBefore, digitalAfter, ekgDigitalBefore)
	}
	// Without the switch, eko is digital throughout and nothing is recorded.
	st2, _ := build(t, Options{Patients: 60, Bookings: 80, Seed: 3, NoSwitch: true})
	if m, _ := st2.Meta(DigitalSinceMeta); m != "" {
		t.Fatalf("meta without a switch: %q", m)
	}
}

// Progress is told the patients once, then the bookings tried, rising to
// the total, every ProgressEvery and at the end, then (the store loads in
// bulk) that the reports are computed.
func TestDemo_ReportsProgress(t *testing.T) {
	type call struct {
		stage       string
		done, total int
	}
	var calls []call
	var last Step
	_, sum := build(t, Options{Patients: 300, Bookings: 2*ProgressEvery + 500, Seed: 4, Progress: func(s Step) {
		calls = append(calls, call{s.Stage, s.Done, s.Total})
		if s.Stage == "bookings" {
			last = s
		}
	}})
	want := []call{{"patients", 300, 300}, {"bookings", 0, 2500}, {"bookings", 1000, 2500}, {"bookings", 2000, 2500}, {"bookings", 2500, 2500}, {"reports", 0, 0}}
	if !reflect.DeepEqual(calls, want) {
		t.Fatalf("progress calls %v, want %v", calls, want)
	}
	if sum.Bookings < 2400 || last.Made() != sum.Bookings || last.GivenUp != sum.GivenUp {
		t.Fatalf("%d bookings built, %d given up; progress said %d made, %d given up", sum.Bookings, sum.GivenUp, last.Made(), last.GivenUp)
	}
}

// Few patients for many bookings leave some booking with the patient busy
// at every time drawn: it is given up, and the progress says so. It said
// "1000 of 1000 bookings made" for a database of 997 (--patients 5
// --bookings 1000).
func TestDemo_ProgressSaysWhatWasMade(t *testing.T) {
	var steps []Step
	st, sum := build(t, Options{Patients: 5, Bookings: 1000, Seed: 1, Progress: func(s Step) {
		if s.Stage == "bookings" {
			steps = append(steps, s)
		}
	}})
	n, err := st.CountBookings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	last := steps[len(steps)-1]
	if last.Done != 1000 || last.Total != 1000 {
		t.Fatalf("last step %+v, want all 1000 tried", last)
	}
	if last.GivenUp == 0 {
		t.Fatalf("no booking given up: the case this test is about did not happen (%d in the database)", n)
	}
	if last.Made() != n || sum.Bookings != n || sum.GivenUp != last.GivenUp || n+sum.GivenUp != 1000 {
		t.Fatalf("progress: %d made, %d given up; summary: %d bookings, %d given up; the database holds %d", last.Made(), last.GivenUp, sum.Bookings, sum.GivenUp, n)
	}
}

// The coming bookings' letters were printed on the day they were posted,
// as the department prints; those filed for a posting not yet past are the
// print queue (Summary.Unprinted). The walk found 511 letters "queued"
// that no print folder held: a cancellation then told the patient nothing,
// and a fallback letter the screens called sent never went.
func TestDemo_TheComingLettersWerePrintedOrAreInTheQueue(t *testing.T) {
	st, sum := build(t, Options{Patients: 300, Bookings: 600, Seed: 5})
	ctx := context.Background()
	sched := domain.DefaultSchedule()
	unprinted := map[string]bool{}
	for _, m := range sum.Unprinted {
		unprinted[m.ID] = true
		if m.Kind != domain.MessageLetter || m.Summons == nil {
			t.Fatalf("not a letter: %+v", m)
		}
		if cut := domain.AtClock(sched.PostingDay(m.CreatedAt), sched.PrintCutoff); cut.Before(now) {
			t.Errorf("letter %s, posted %s, is left to print", m.ID, cut)
		}
	}
	printed, queued := 0, 0
	bs, err := st.Bookings(ctx, domain.BookingQuery{From: domain.AtClock(now, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		for _, l := range b.Letters() {
			switch l.State {
			case domain.LetterPrinted:
				printed++
			case domain.LetterQueued:
				queued++
				if !unprinted[l.ID] {
					t.Errorf("booking %s: letter %s queued, in no print queue", b.ID(), l.ID)
				}
			}
		}
	}
	if printed == 0 || queued != len(sum.Unprinted) {
		t.Fatalf("coming letters: %d printed, %d queued, %d to print", printed, queued, len(sum.Unprinted))
	}
}
