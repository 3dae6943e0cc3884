package detail

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/internal/tuitest"
)

// The planned paper fallback of a patient with protected personal data
// says what will happen — the summons handed over by the unit's routine —
// not a letter that will never be posted; a patient with an address sees
// the letter.
func TestDetail_APlannedFallbackSaysWhatWillReallyHappen(t *testing.T) {
	w := tuitest.NewWorld(t, false)
	ctx := context.Background()
	for i, protected := range []bool{true, false} {
		id, err := w.Svc.ParseIdentity(tuitest.Pnr("19450505", []string{"567", "575"}[i]))
		if err != nil {
			t.Fatal(err)
		}
		in := domain.PatientInput{ID: id, Name: "Eva Lind", Has1177Account: true, NotificationsEnabled: true, Protected: protected}
		if !protected {
			in.Address = domain.Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}
		}
		if res, err := w.Svc.ImportPatients(ctx, []service.ImportRow{{Line: 2, Patient: in}}); err != nil || len(res.Rejected) > 0 {
			t.Fatalf("import: %+v %v", res, err)
		}
		booked, err := w.Svc.Book(ctx, service.BookInput{Patient: id.Canonical(), Exam: "ekg24", Site: "ryhov",
			VisitAt: time.Date(2026, 12, 10, 9+i, 0, 0, 0, domain.Stockholm)})
		if err != nil {
			t.Fatal(err)
		}
		w.Tick(t)                              // the digital summons goes; the fallback is planned
		for _, width := range []int{100, 60} { // at 60 the line wraps, whole
			h := tuitest.Open(t, w.Common(width, 40), func(c *common.Common) *Model { return New(c, booked.Booking.ID()) })
			v := strings.Join(strings.Fields(h.View()), " ")
			handOver, letter := strings.Contains(v, "lämna över kallelsen om ej öppnad (skyddade personuppgifter)"), strings.Contains(v, "papperskallelse om ej öppnad")
			if handOver != protected || letter == protected {
				t.Fatalf("protected %v at %d: hand-over said %v, letter said %v:\n%s", protected, width, handOver, letter, h.View())
			}
		}
	}
}

// The timeline's actors stand in one column, however long an event's
// words ("avbokningen ångrades; ny kallelse").
func TestDetail_TheTimelinesActorsLineUp(t *testing.T) {
	w := tuitest.NewWorld(t, false)
	ctx := context.Background()
	id, err := w.Svc.ParseIdentity(tuitest.Pnr("19450505", "567"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.ImportPatients(ctx, []service.ImportRow{{Line: 2, Patient: domain.PatientInput{ID: id, Name: "Eva Lind",
		Has1177Account: true, NotificationsEnabled: true}}}); err != nil {
		t.Fatal(err)
	}
	booked, err := w.Svc.Book(ctx, service.BookInput{Patient: id.Canonical(), Exam: "ekg24", Site: "ryhov",
		VisitAt: time.Date(2026, 12, 10, 9, 0, 0, 0, domain.Stockholm)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.Cancel(ctx, booked.Booking.ID(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.UndoCancel(ctx, booked.Booking.ID(), ""); err != nil {
		t.Fatal(err)
	}
	h := tuitest.Open(t, w.Common(120, 60), func(c *common.Common) *Model { return New(c, booked.Booking.ID()) })
	col, n := -1, 0
	for _, l := range strings.Split(h.View(), "\n") {
		i := strings.Index(l, " anna")
		if !strings.HasPrefix(l, "  2026-") || i < 0 {
			continue // not an event of the timeline
		}
		i = common.Width(l[:i]) // in columns: å and ö are two bytes
		if col < 0 {
			col = i
		}
		if i != col {
			t.Fatalf("the actor stands at %d, not %d:\n%s", i, col, h.View())
		}
		n++
	}
	if n < 3 {
		t.Fatalf("%d events by anna in the timeline:\n%s", n, h.View())
	}
}

// A child's booking names the guardians and their phones, whom a phone
// task asks staff to call: never their address.
func TestDetail_AChildsGuardiansAreNamedWithTheirPhones(t *testing.T) {
	w := tuitest.NewWorld(t, false)
	ctx := context.Background()
	id, err := w.Svc.ParseIdentity(tuitest.Pnr("20200202", "238"))
	if err != nil {
		t.Fatal(err)
	}
	eva := domain.Guardian{Name: "Eva Ek", Phone: "0701112233", Address: domain.Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}}
	in := domain.PatientInput{ID: id, Name: "Lilly Ek", Guardians: []domain.Guardian{eva, {Name: "Olof Ek"}}}
	if res, err := w.Svc.ImportPatients(ctx, []service.ImportRow{{Line: 2, Patient: in}}); err != nil || len(res.Rejected) > 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	booked, err := w.Svc.Book(ctx, service.BookInput{Patient: id.Canonical(), Exam: "ekg24", Site: "ryhov",
		VisitAt: time.Date(2026, 12, 10, 9, 0, 0, 0, domain.Stockholm)})
	if err != nil {
		t.Fatal(err)
	}
	h := tuitest.Open(t, w.Common(80, 40), func(c *common.Common) *Model { return New(c, booked.Booking.ID()) })
	v := h.View()
	if !strings.Contains(v, "Vårdnadsh.    Eva Ek  +46701112233") || !strings.Contains(v, "Vårdnadsh.    Olof Ek") || strings.Contains(v, "Storgatan") {
		t.Fatalf("guardians:\n%s", v)
	}
}

// A cancelled booking whose summons was given by a call says so, in the
// words of the list ("✓ per telefon"): the patient had been phoned, which
// the cancellation's own call follows.
func TestDetail_ACancelledBookingSaysThePatientWasPhoned(t *testing.T) {
	w := tuitest.NewWorld(t, true) // Cecilia: a paper-only examination tomorrow, a phone task
	ctx := context.Background()
	if _, err := w.Svc.ResolvePhoneTask(ctx, w.Cecilia, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.Cancel(ctx, w.Cecilia, ""); err != nil {
		t.Fatal(err)
	}
	h := tuitest.Open(t, w.Common(80, 40), func(c *common.Common) *Model { return New(c, w.Cecilia) })
	want := h.C.T("opened") + "        ✓ " + h.C.T("phoned_summons")
	if v := h.View(); !strings.Contains(v, want) {
		t.Fatalf("the detail does not say the patient was phoned (%q):\n%s", want, v)
	}
}

// What staff must do is read whole at any width: a long task wraps under
// itself instead of being cut at the edge (walk: "…(kallelsen lämnades så)"
// lost its end at 80 columns).
func TestDetail_ATaskIsReadWhole(t *testing.T) {
	w := tuitest.NewWorld(t, true) // Cecilia: a paper-only examination tomorrow, a phone task
	ctx := context.Background()
	if _, err := w.Svc.ResolvePhoneTask(ctx, w.Cecilia, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.Cancel(ctx, w.Cecilia, ""); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int{80, 40} {
		h := tuitest.Open(t, w.Common(width, 40), func(c *common.Common) *Model { return New(c, w.Cecilia) })
		want := strings.Fields("! " + h.C.T("phone_cancellation") + " (T)")
		v := h.View()
		for _, l := range strings.Split(v, "\n") {
			if common.Width(l) > width {
				t.Errorf("%d columns: a line of %d: %q", width, common.Width(l), l)
			}
		}
		if got := strings.Fields(v); !containsRun(got, want) {
			t.Errorf("%d columns: the task is not read whole (%q):\n%s", width, strings.Join(want, " "), v)
		}
	}
}

// containsRun reports whether words holds run, word after word.
func containsRun(words, run []string) bool {
	for i := range words {
		if i+len(run) <= len(words) && slices.Equal(words[i:i+len(run)], run) {
			return true
		}
	}
	return false
}
