package actions

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/tui/internal/tuitest"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/common"
)

// takeQuestion is the one question the action posted.
func takeQuestion(t *testing.T, c *common.Common) common.AskConfirmMsg {
	t.Helper()
	var q []common.AskConfirmMsg
	for _, m := range c.TakePosted() {
		if a, ok := m.(common.AskConfirmMsg); ok {
			q = append(q, a)
		}
	}
	if len(q) != 1 {
		t.Fatalf("%d questions posted, want 1", len(q))
	}
	return q[0]
}

// A letter by hand asked for twice within minutes: the second yes does not
// send it, but asks again, saying when the first one went; only a second
// yes sends another.
func TestActions_ALetterSentMomentsAgoIsAskedAgain(t *testing.T) {
	w := tuitest.NewWorld(t, false)
	ctx := context.Background()
	id, err := w.Svc.ParseIdentity(tuitest.Pnr("19450505", "567"))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := w.Svc.ImportPatients(ctx, []service.ImportRow{{Line: 2, Patient: domain.PatientInput{ID: id, Name: "Eva Lind",
		Address: domain.Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}, Has1177Account: true, NotificationsEnabled: true}}}); err != nil || len(res.Rejected) > 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	booked, err := w.Svc.Book(ctx, service.BookInput{Patient: id.Canonical(), Exam: "ekg24", Site: "ryhov",
		VisitAt: time.Date(2026, 12, 10, 9, 0, 0, 0, domain.Stockholm)})
	if err != nil {
		t.Fatal(err)
	}
	c := w.Common(80, 24)
	letters := func() int {
		b, err := w.St.Booking(ctx, booked.Booking.ID())
		if err != nil {
			t.Fatal(err)
		}
		return len(b.Letters())
	}

	if !OnKey(c, tuitest.Key("P"), booked.Booking, "Eva Lind", nil, nil) {
		t.Fatal("P is not an action")
	}
	if res := takeQuestion(t, c).Run(); !isInfo(res) {
		t.Fatalf("first letter: %#v", res)
	}
	if n := letters(); n != 1 {
		t.Fatalf("%d letters after the first yes", n)
	}

	w.Clock.T = tuitest.Now.Add(3 * time.Minute)
	OnKey(c, tuitest.Key("P"), booked.Booking, "Eva Lind", nil, nil)
	again, ok := takeQuestion(t, c).Run().(common.AskConfirmMsg)
	if !ok || !strings.Contains(again.Text, "Ett brev skickades redan kl 10:00. Skicka ett till: Eva Lind, 2026-12-10 09:00, ekg24 (bokning 1)?") {
		t.Fatalf("second yes gave %#v, want a second question saying when", again)
	}
	if n := letters(); n != 1 {
		t.Fatalf("%d letters before the second question was answered", n)
	}
	if res := again.Run(); !isInfo(res) {
		t.Fatalf("second letter: %#v", res)
	}
	if n := letters(); n != 2 {
		t.Fatalf("%d letters after answering yes twice, want 2", n)
	}
}

func isInfo(m any) bool { _, ok := m.(common.InfoMsg); return ok }

// A letter that cannot be posted (no address) is not asked for: the status
// line says why at once, not after the question.
func TestActions_ALetterThatCannotGoIsNotAskedFor(t *testing.T) {
	w := tuitest.NewWorld(t, true) // its patients have no address
	ctx := context.Background()
	b, err := w.St.Booking(ctx, w.Bo)
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.St.Patient(ctx, b.Patient())
	if err != nil {
		t.Fatal(err)
	}
	c := w.Common(80, 24)
	OnKey(c, tuitest.Key("P"), b, p.Name(), &p, nil)
	var warned bool
	posted := c.TakePosted()
	for _, m := range posted {
		switch m := m.(type) {
		case common.AskConfirmMsg:
			t.Fatalf("asked %q", m.Text)
		case common.WarnMsg:
			warned = strings.Contains(m.Text, "Inget brev kan skickas")
		}
	}
	if !warned {
		t.Fatalf("posted %#v", posted)
	}
}

// An SMS by hand to a patient who did not ask for reminders (or has no
// mobile number) is not asked for either: the status line says why at
// once. One who did is asked.
func TestActions_AnSMSThatCannotGoIsNotAskedFor(t *testing.T) {
	w := tuitest.NewWorld(t, false)
	ctx := context.Background()
	c := w.Common(80, 24)
	for i, sms := range []bool{false, true} {
		id, err := w.Svc.ParseIdentity(tuitest.Pnr("19450505", []string{"567", "575"}[i]))
		if err != nil {
			t.Fatal(err)
		}
		in := domain.PatientInput{ID: id, Name: "Eva Lind", Has1177Account: true, NotificationsEnabled: true, SMSReminders: sms, Phone: "0701234567"}
		if res, err := w.Svc.ImportPatients(ctx, []service.ImportRow{{Line: 2, Patient: in}}); err != nil || len(res.Rejected) > 0 {
			t.Fatalf("import: %+v %v", res, err)
		}
		booked, err := w.Svc.Book(ctx, service.BookInput{Patient: id.Canonical(), Exam: "ekg24", Site: "ryhov",
			VisitAt: time.Date(2026, 12, 10, 9+i, 0, 0, 0, domain.Stockholm)})
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.St.Patient(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		OnKey(c, tuitest.Key("S"), booked.Booking, p.Name(), &p, nil)
		var asked, warned bool
		for _, m := range c.TakePosted() {
			switch m := m.(type) {
			case common.AskConfirmMsg:
				asked = true
			case common.WarnMsg:
				warned = strings.Contains(m.Text, "sms")
			}
		}
		if asked == !sms || warned == sms {
			t.Fatalf("SMS reminders %v: asked %v, warned %v", sms, asked, warned)
		}
	}
}

// A koordinator who opens a booking behind a figure is offered none of a
// secretary's keys, also not T under the name of the booking's task
// ("markera överlämnad"), which did nothing when pressed.
func TestActions_AKoordinatorIsOfferedNoKeyToChange(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	ctx := context.Background()
	id, err := w.Svc.ParseIdentity(tuitest.Pnr("19450505", "567"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ImportPatients(ctx, []service.ImportRow{{Line: 2, Patient: domain.PatientInput{ID: id, Name: "Eva Lind", Protected: true}}}); err != nil {
		t.Fatal(err)
	}
	res, err := w.Svc.Book(ctx, service.BookInput{Patient: id.Canonical(), Exam: "arbetsprov", Site: "ryhov",
		VisitAt: time.Date(2026, 12, 10, 9, 0, 0, 0, domain.Stockholm)})
	if err != nil {
		t.Fatal(err)
	}
	w.Tick(t) // paper only, protected: the hand-over, T "markera överlämnad"
	b, err := w.St.Booking(ctx, res.Booking.ID())
	if err != nil {
		t.Fatal(err)
	}
	if b.OpenTask() != domain.TaskHandOver {
		t.Fatalf("task %q, want a hand-over", b.OpenTask())
	}
	kim := domain.Principal{User: "kim", Name: "Kim", Role: domain.RoleKoordinator, DrillDown: true}
	svc := w.Svc.For(kim, service.NewSession("t-kim", service.ViaTUI))
	c := tuitest.NewCommon(common.Backend{Service: svc, Store: svc.Reader()}, 80, 24)
	if got := Offered(c, b); len(got) != 0 {
		var keys []string
		for _, k := range got {
			keys = append(keys, k.Help().Key+" "+k.Help().Desc)
		}
		t.Fatalf("a koordinator is offered %v", keys)
	}
	if got := Offered(w.Common(80, 24), b); len(got) == 0 {
		t.Fatal("a secretary is offered nothing on a booking with a task")
	}
}
