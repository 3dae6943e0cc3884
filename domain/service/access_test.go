package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

var (
	anna = domain.Principal{User: "anna", Name: "Anna Svensson", Role: domain.RoleSekreterare}
	karl = domain.Principal{User: "karl", Name: "Karl Koordinator", Role: domain.RoleKoordinator}
	kim  = domain.Principal{User: "kim", Name: "Kim Drill", Role: domain.RoleKoordinator, DrillDown: true}
	ada  = domain.Principal{User: "ada", Name: "Ada Admin", Role: domain.RoleAdmin}
)

// bookedFixture is a service with two patients and a booking each, made by an admin.
func bookedFixture(t *testing.T) (*Service, []domain.BookingID) {
	t.Helper()
	s := newService(t)
	ctx := context.Background()
	if _, err := s.ImportPatients(ctx, []ImportRow{row(t, s, 2, "19121212-1212", "Tolvan"), row(t, s, 3, "19850402-2347", "Klara")}); err != nil {
		t.Fatal(err)
	}
	var ids []domain.BookingID
	for i, p := range []string{"19121212-1212", "19850402-2347"} {
		res, err := s.Book(ctx, BookInput{Patient: p, Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(time.Duration(48+i) * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Booking.ID())
	}
	return s, ids
}

// accessLog reads the whole access log as "user action patient booking" lines.
func accessLog(t *testing.T, s *Service) []string {
	t.Helper()
	var out []string
	err := s.Store.AccessEntries(context.Background(), domain.AccessQuery{}, func(e domain.AccessEntry) error {
		out = append(out, fmt.Sprintf("%s %s %s %d %s/%s", e.User, e.Action, e.Patient.Canonical()[:8], e.Booking, e.Via, e.Session))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRights_KoordinatorCannotCancelOrReadPatients(t *testing.T) {
	base, ids := bookedFixture(t)
	before := len(accessLog(t, base))
	ctx := context.Background()
	k := base.For(karl, NewSession("s1", ViaSSHCLI))
	calls := map[string]func() error{
		"cancel":     func() error { _, err := k.Cancel(ctx, ids[0], ""); return err },
		"rebook":     func() error { _, _, err := k.Rebook(ctx, ids[0], now.Add(99*time.Hour)); return err },
		"attended":   func() error { _, err := k.MarkAttended(ctx, ids[0]); return err },
		"send paper": func() error { _, err := k.SendPaper(ctx, ids[0], false); return err },
		"remind":     func() error { _, err := k.Remind(ctx, ids[0], false); return err },
		"phoned":     func() error { _, err := k.ResolvePhoneTask(ctx, ids[0], ""); return err },
		"book": func() error {
			_, err := k.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(300 * time.Hour)})
			return err
		},
		"import":  func() error { _, err := k.ImportPatients(ctx, nil); return err },
		"detail":  func() error { _, err := k.Detail(ctx, ids[0]); return err },
		"patient": func() error { _, err := k.Patient(ctx, "19121212-1212"); return err },
		"list": func() error {
			return k.ExportBookings(ctx, domain.BookingQuery{}, func(*domain.Booking, domain.Patient) error { return nil })
		},
		"reader":          func() error { _, err := k.Reader().Bookings(ctx, domain.BookingQuery{}); return err },
		"search":          func() error { _, err := k.Reader().SearchPatients(ctx, "tol", 5); return err },
		"attention count": func() error { _, err := k.Reader().AttentionCount(ctx); return err },
		"search bookings": func() error {
			_, err := k.Reader().SearchBookings(ctx, "tol", 5, now, domain.BookingQuery{Limit: 30})
			return err
		},
		"drill-down":    func() error { return k.Reports().Members(ctx, "2026-W48", "", "", nil) },
		"access log":    func() error { return k.AccessLog(ctx, domain.AccessQuery{}, nil) },
		"print":         func() error { _, _, err := k.PrintBatch(ctx, now, false); return err },
		"rebuild":       func() error { _, err := k.RebuildReports(ctx); return err },
		"shown in list": func() error { return k.LogShown(ctx, []PatientRef{{Patient: mustParse(t, k, "19121212-1212")}}) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("koordinator %s: err = %v, want ErrForbidden", name, err)
		}
	}
	d, err := base.RefreshDetail(ctx, ids[0])
	if err != nil || d.Booking.State() != domain.StateBooked || len(d.Events) != 1 {
		t.Fatalf("booking changed by a refused call: %v %v", d.Booking.State(), err)
	}
	if n := len(accessLog(t, base)); n != before {
		t.Fatalf("refused calls logged %d entries", n-before)
	}
	// The figures are the coordinator's to read.
	if err := k.Reports().WeekTotals(ctx, "2026-W40", "2026-W48", func(_ metricsKey, _ string, _ metricsTotals) bool { return true }); err != nil {
		t.Fatalf("koordinator reading figures: %v", err)
	}
}

func TestRights_DrillDownKoordinatorMayReadButNotChange(t *testing.T) {
	base, ids := bookedFixture(t)
	ctx := context.Background()
	sent := &fakeSender{}
	loop := NewLoop(base, base.Store.(domain.LoopStore), map[domain.MessageKind]domain.Sender{
		domain.MessageInbox: sent, domain.MessageLetter: sent, domain.MessageSMS: sent}, &fakeReceipts{})
	if _, err := loop.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	k := base.For(kim, NewSession("s2", ViaSSHTUI))
	before := len(accessLog(t, base))
	if _, err := k.Detail(ctx, ids[0]); err != nil {
		t.Fatalf("drill-down koordinator opening a booking behind a figure: %v", err)
	}
	log := accessLog(t, base)
	if len(log) != before+1 || log[len(log)-1] != fmt.Sprintf("kim drill_down 19121212 %d ssh-tui/s2", ids[0]) {
		t.Fatalf("the look is logged as %v", log[before:])
	}
	if _, err := k.Cancel(ctx, ids[0], ""); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("cancel: %v", err)
	}
	// A booking whose summons has not gone counts in no figure: its number
	// is no way in, nor is the patient's identity number.
	res, err := base.Book(ctx, BookInput{Patient: "19121212-1212", Exam: "ekg24", Site: "ryhov", VisitAt: now.Add(20 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	before = len(accessLog(t, base))
	if _, err := k.Detail(ctx, res.Booking.ID()); !errors.Is(err, domain.ErrBehindNoFigure) {
		t.Fatalf("drill-down koordinator opening a booking behind no figure: %v", err)
	}
	if _, err := k.RefreshDetail(ctx, res.Booking.ID()); !errors.Is(err, domain.ErrBehindNoFigure) {
		t.Fatalf("refreshing a booking behind no figure: %v", err)
	}
	if _, err := k.Detail(ctx, 999); !errors.Is(err, domain.ErrBehindNoFigure) {
		t.Fatalf("a booking that does not exist: %v (the answer must not say whether it does)", err)
	}
	if _, err := k.PatientWithBookings(ctx, "19121212-1212"); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("patient show: %v", err)
	}
	if n := len(accessLog(t, base)); n != before {
		t.Fatalf("refused looks logged %d entries", n-before)
	}
}

func TestRights_NobodyMayNothing(t *testing.T) {
	base, ids := bookedFixture(t)
	nobody := base.For(domain.Principal{}, nil)
	if _, err := nobody.Detail(context.Background(), ids[0]); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("detail without a user: %v", err)
	}
	if _, err := nobody.Cancel(context.Background(), ids[0], ""); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("cancel without a user: %v", err)
	}
}

func TestAccessLog_ChangesAreLoggedWithTheRealUser(t *testing.T) {
	base, ids := bookedFixture(t)
	ctx := context.Background()
	a := base.For(anna, NewSession("t7", ViaSSHTUI))
	if _, err := a.Cancel(ctx, ids[0], "patienten ringde"); err != nil {
		t.Fatal(err)
	}
	d, err := a.RefreshDetail(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if last := d.Events[len(d.Events)-1]; last.Type != domain.EventCancelled || last.Actor != "anna" {
		t.Fatalf("last event %+v", last)
	}
	log := accessLog(t, base)
	want := "anna cancel 19121212 1 ssh-tui/t7"
	if log[len(log)-1] != want {
		t.Fatalf("last entry %q, want %q (log %v)", log[len(log)-1], want, log)
	}
	// The admin's import and bookings of the fixture are in the log too.
	if !strings.HasPrefix(log[0], "anna import") && !strings.Contains(strings.Join(log, "\n"), " book ") {
		t.Fatalf("fixture's changes not logged: %v", log)
	}
}

func TestAccessLog_OpeningADetailIsOneEntryReloadingNone(t *testing.T) {
	base, ids := bookedFixture(t)
	ctx := context.Background()
	a := base.For(anna, NewSession("t1", ViaTUI))
	before := len(accessLog(t, base))
	if _, err := a.Detail(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := a.RefreshDetail(ctx, ids[1]); err != nil {
			t.Fatal(err)
		}
	}
	log := accessLog(t, base)
	if len(log) != before+1 || log[len(log)-1] != "anna view_booking 19850402 2 tui/t1" {
		t.Fatalf("log after one view and three reloads: %v", log[before:])
	}
	if _, err := a.Detail(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if n := len(accessLog(t, base)); n != before+2 {
		t.Fatalf("a second opening is a second look: %d entries", n-before)
	}
}

func TestAccessLog_ListRowsLoggedOncePerSession(t *testing.T) {
	base, _ := bookedFixture(t)
	ctx := context.Background()
	tolvan, klara := mustParse(t, base, "19121212-1212"), mustParse(t, base, "19850402-2347")
	before := len(accessLog(t, base))
	s1 := base.For(anna, NewSession("t1", ViaSSHTUI))
	for i := 0; i < 3; i++ {
		if err := s1.LogShown(ctx, []PatientRef{{Patient: tolvan, Booking: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s1.LogShown(ctx, []PatientRef{{Patient: tolvan, Booking: 1}, {Patient: klara, Booking: 2}}); err != nil {
		t.Fatal(err)
	}
	s2 := base.For(anna, NewSession("t2", ViaSSHTUI))
	if err := s2.LogShown(ctx, []PatientRef{{Patient: tolvan, Booking: 1}}); err != nil {
		t.Fatal(err)
	}
	got := accessLog(t, base)[before:]
	want := []string{"anna list 19121212 1 ssh-tui/t1", "anna list 19850402 2 ssh-tui/t1", "anna list 19121212 1 ssh-tui/t2"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("log %v, want %v", got, want)
	}
}

func TestAccessLog_ExportLogsEveryPatientOnceBeforeShowingThem(t *testing.T) {
	old := bookingPage
	bookingPage = 1 // one booking per page: each page logged before it is shown
	t.Cleanup(func() { bookingPage = old })
	base, _ := bookedFixture(t)
	ctx := context.Background()
	a := base.For(anna, NewSession("c1", ViaCLI))
	before := len(accessLog(t, base))
	var names []string
	err := a.ExportBookings(ctx, domain.BookingQuery{}, func(b *domain.Booking, p domain.Patient) error {
		// The page's patient is in the log before the row is handed out.
		log := accessLog(t, base)
		if !strings.Contains(log[len(log)-1], p.ID().Canonical()[:8]) {
			t.Errorf("%s shown before it was logged: %v", p.Name(), log)
		}
		names = append(names, p.Name())
		return nil
	})
	if err != nil || strings.Join(names, ",") != "Tolvan,Klara" {
		t.Fatalf("export %v, %v", names, err)
	}
	if n := len(accessLog(t, base)) - before; n != 2 {
		t.Fatalf("%d entries for two patients", n)
	}
	if err := a.ExportPatients(ctx, func(domain.Patient) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if n := len(accessLog(t, base)) - before; n != 2 {
		t.Fatalf("patients already exported in this session logged again: %d", n)
	}
}

func TestAccessLog_ReadingAPatientsEntriesIsLogged(t *testing.T) {
	base, _ := bookedFixture(t)
	ctx := context.Background()
	tolvan := mustParse(t, base, "19121212-1212")
	ad := base.For(ada, NewSession("c9", ViaSSHCLI))
	var read []domain.AccessEntry
	if err := ad.AccessLog(ctx, domain.AccessQuery{Patient: tolvan}, func(e domain.AccessEntry) error {
		read = append(read, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(read) == 0 {
		t.Fatal("no entries for Tolvan")
	}
	for _, e := range read {
		if e.Action == domain.AccessAuditRead {
			t.Fatalf("the extract shows its own reading: %+v", e)
		}
	}
	log := accessLog(t, base)
	if log[len(log)-1] != "ada audit_read 19121212 0 ssh-cli/c9" {
		t.Fatalf("last entry %q", log[len(log)-1])
	}
}

func mustParse(t *testing.T, s *Service, in string) domain.IdentityNumber {
	t.Helper()
	id, err := s.ParseIdentity(in)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

type (
	metricsKey    = metrics.Key
	metricsTotals = metrics.Totals
)

// Only an admin prunes the access log, never below the law's five years,
// and never an entry younger than the retention.
func TestRights_OnlyAnAdminPrunesTheAccessLogAndOnlyTheOld(t *testing.T) {
	base, _ := bookedFixture(t)
	ctx := context.Background()
	n := len(accessLog(t, base))
	for _, p := range []domain.Principal{anna, karl, kim} {
		if _, _, err := base.For(p, NewSession("s1", ViaSSHCLI)).PruneAccessLog(ctx, 5, false); !errors.Is(err, domain.ErrForbidden) {
			t.Fatalf("%s pruned the access log: %v", p.User, err)
		}
	}
	admin := base.For(ada, NewSession("s2", ViaSSHCLI))
	if _, _, err := admin.PruneAccessLog(ctx, 4, false); err == nil {
		t.Fatal("a retention of four years was taken")
	}
	removed, from, err := admin.PruneAccessLog(ctx, 5, false)
	if err != nil || removed != 0 || !from.Equal(now.In(domain.Stockholm).AddDate(-5, 0, 0)) {
		t.Fatalf("pruned %d from before %v, %v: the entries are younger than five years", removed, from, err)
	}
	if got := len(accessLog(t, base)); got != n {
		t.Fatalf("%d entries left of %d", got, n)
	}
}

// A note with a control character is refused by every use case that keeps
// a note, before anything changes: it would act on the terminals of the
// staff who read the history.
func TestNotes_AControlCharacterIsRefusedEverywhere(t *testing.T) {
	base, ids := bookedFixture(t)
	ctx := context.Background()
	a := base.For(anna, NewSession("t8", ViaSSHTUI))
	bad := "x\x1b]0;PWNED\ay"
	before, err := a.RefreshDetail(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	for name, act := range map[string]func() error{
		"cancel":         func() error { _, err := a.Cancel(ctx, ids[0], bad); return err },
		"keep":           func() error { _, err := a.KeepTime(ctx, ids[0], bad); return err },
		"correct":        func() error { _, err := a.CorrectOutcome(ctx, ids[0], domain.StateAttended, bad); return err },
		"undo-cancel":    func() error { _, err := a.UndoCancel(ctx, ids[0], bad); return err },
		"phoned":         func() error { _, err := a.ResolvePhoneTask(ctx, ids[0], bad); return err },
		"handed-over":    func() error { _, err := a.ResolveHandOver(ctx, ids[0], bad); return err },
		"letter-handled": func() error { _, err := a.OutdatedLetterHandled(ctx, ids[0], bad); return err },
		"discard":        func() error { return a.DiscardReceipt(ctx, "x.json", bad) },
	} {
		if err := act(); !errors.Is(err, domain.ErrInvalidNote) {
			t.Errorf("%s: %v, want the note refused", name, err)
		}
	}
	after, err := a.RefreshDetail(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Events) != len(before.Events) || after.Booking.State() != before.Booking.State() {
		t.Errorf("the booking changed: %d events, %s; was %d, %s", len(after.Events), after.Booking.State(), len(before.Events), before.Booking.State())
	}
}
