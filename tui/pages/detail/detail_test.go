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
	"github.com/kallelse/kallelse/tui/i18n"
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

// phonedThenCancelled is a world whose Cecilia (a paper-only examination
// tomorrow) was phoned for her summons, then cancelled: her cancellation
// is a phone task of its own.
func phonedThenCancelled(t *testing.T) *tuitest.World {
	t.Helper()
	w := tuitest.NewWorld(t, true) // Cecilia: a paper-only examination tomorrow, a phone task
	ctx := context.Background()
	if _, err := w.Svc.ResolvePhoneTask(ctx, w.Cecilia, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Svc.Cancel(ctx, w.Cecilia, ""); err != nil {
		t.Fatal(err)
	}
	return w
}

// A cancelled booking whose summons was given by a call says so, in the
// words of the list ("✓ per telefon"): the patient had been phoned, which
// the cancellation's own call follows.
func TestDetail_ACancelledBookingSaysThePatientWasPhoned(t *testing.T) {
	w := phonedThenCancelled(t)
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
	w := phonedThenCancelled(t)
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

// However long an event's words, the history reads as columns at 80 and
// 60 columns: the words wrap within their column, and the actor stands in
// its own beside them (the walk read "brev återkallat ur utskriftskön
// demo     besöket" and "lämna kallelsen enligt enhetens rutin systemet").
func TestDetail_LongEventWordsWrapInTheirColumn(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	at := tuitest.Now.Add(time.Hour)
	long := []domain.Event{
		{Type: domain.EventLetterWithdrawn, At: at, Actor: "demo", Note: domain.NoteVisitCancelled},
		{Type: domain.EventHandOverRaised, At: at.Add(time.Minute), Actor: domain.SystemActor, Note: domain.NoteBlockedProtected},
	}
	for _, width := range []int{80, 60} {
		h := tuitest.Open(t, w.Common(width, 60), func(c *common.Common) *Model { return New(c, w.Dan) })
		m := h.Comp.(*Model)
		m.d.Events = append(m.d.Events, long...)
		v := h.View()
		lines := strings.Split(v, "\n")
		lines = lines[slices.Index(lines, h.C.T("timeline")):] // the history: not what is planned
		// The actor's column: where the booking's first event names its actor.
		actorAt := -1
		for _, l := range lines {
			if i := strings.Index(l, " "+h.C.T("actor_system")); strings.HasPrefix(l, "  2026-") && i >= 0 {
				actorAt = common.Width(l[:i]) + 1
				break
			}
		}
		if actorAt < 0 {
			t.Fatalf("%d: no event by the system:\n%s", width, v)
		}
		for _, e := range long {
			words, actor := i18n.EventWords(h.C.Lang, e), actorText(h.C, e.Actor)
			if common.Width(words) <= actorAt-21 {
				t.Fatalf("%d: %q fits its column: it tests nothing", width, words)
			}
			first := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "  "+i18n.FmtTime(e.At)+"  ") })
			if first < 0 {
				t.Fatalf("%d: no event at %s:\n%s", width, i18n.FmtTime(e.At), v)
			}
			cell := func(l string, from, to int) string {
				r := []rune(l)
				return strings.TrimSpace(string(r[min(from, len(r)):min(to, len(r))]))
			}
			if got := cell(lines[first], actorAt, actorAt+8); got != actor {
				t.Errorf("%d: %q: the actor's column holds %q, not %q:\n%s", width, words, got, actor, v)
			}
			// The words read whole within their column, line under line.
			var col []string
			for _, l := range lines[first:] {
				if l != lines[first] && !strings.HasPrefix(l, strings.Repeat(" ", 20)) {
					break
				}
				col = append(col, cell(l, 20, actorAt-1))
			}
			if got := strings.Join(strings.Fields(strings.Join(col, " ")), " "); got != words {
				t.Errorf("%d: the words' column reads %q, not %q:\n%s", width, got, words, v)
			}
		}
		// Every event's actor in the one column, with one space before it.
		actors := []string{"demo", "anna", h.C.T("actor_system"), h.C.T("actor_1177")}
		for _, l := range lines {
			if common.Width(l) > width {
				t.Errorf("%d: a line of %d: %q", width, common.Width(l), l)
			}
			if r := []rune(l); strings.HasPrefix(l, "  2026-") &&
				(len(r) <= actorAt || r[actorAt-1] != ' ' || !slices.Contains(actors, strings.Fields(string(r[actorAt:]))[0])) {
				t.Errorf("%d: the actor is not in its column in %q:\n%s", width, l, v)
			}
		}
	}
}
