package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// errAPNoLetters stands in for the letters adapter's ErrNoLetters, which
// the TUI cannot name.
var errAPNoLetters = errors.New("no letters")

// apPrintQueue is an in-memory print folder, by day.
type apPrintQueue struct {
	letters  map[string][]PrintItem
	batches  []string
	reprints []bool
	marked   []string
}

func apDay(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02") }

func (q *apPrintQueue) Letters(day time.Time) ([]PrintItem, error) {
	return append([]PrintItem(nil), q.letters[apDay(day)]...), nil
}

func (q *apPrintQueue) Batch(day time.Time, reprint bool) (string, int, error) {
	d := apDay(day)
	q.batches = append(q.batches, d)
	q.reprints = append(q.reprints, reprint)
	if len(q.letters[d]) == 0 {
		return "", 0, fmt.Errorf("%w for %s", errAPNoLetters, d)
	}
	return "/var/spool/kallelse/print/" + d + "/batch-" + d + ".pdf", len(q.letters[d]), nil
}

func (q *apPrintQueue) MarkPrinted(day time.Time) (int, error) {
	d := apDay(day)
	q.marked = append(q.marked, d)
	n := 0
	for i := range q.letters[d] {
		if !q.letters[d][i].Printed {
			q.letters[d][i].Printed = true
			n++
		}
	}
	return n, nil
}

func apLetter(id, day, name string, visit time.Time, p domain.Purpose, printed bool) PrintItem {
	return PrintItem{MessageID: id, Day: day, PatientName: name, VisitAt: visit, Purpose: p, Printed: printed}
}

// newAPPrint is a print folder with today's letters, yesterday's (one not
// printed: retried after midnight), one from five days ago not printed, and
// some that are too old or printed already to show.
func newAPPrint() *apPrintQueue {
	visit := time.Date(2026, 12, 3, 9, 0, 0, 0, domain.Stockholm)
	return &apPrintQueue{letters: map[string][]PrintItem{
		"2026-11-25": {
			apLetter("k1-2-letter", "2026-11-25", "Anna Berg", visit, domain.PurposeSummons, false),
			apLetter("k2-5-letter", "2026-11-25", "Bo Ek", visit.Add(time.Hour), domain.PurposeFallback, true),
		},
		"2026-11-24": {
			apLetter("k3-4-letter", "2026-11-24", "Cecilia Dahl", visit.AddDate(0, 0, 1), domain.PurposeFallbackByHand, false),
			apLetter("k4-2-letter", "2026-11-24", "Dan Ek", visit, domain.PurposeSummons, true),
		},
		"2026-11-20": {apLetter("k5-2-letter", "2026-11-20", "Eva Fors", visit, domain.PurposeSummons, false)},
		"2026-11-10": {apLetter("k6-2-letter", "2026-11-10", "Gustav Holm", visit, domain.PurposeSummons, false)},
	}}
}

func newAPPrintCommon(pq PrintQueue, w, h int) *Common {
	svc := &service.Service{Clock: domain.FixedClock{T: apNow}}
	b := Backend{Service: svc}
	if pq != nil {
		b.Print = pq
	}
	return newAPCommon(b, w, h)
}

func TestPrintQueue_ShowsTodayAndEarlierUnprintedLetters(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		c := newAPPrintCommon(newAPPrint(), size[0], size[1])
		h := newAPHarness(t, NewPrintQueue(c))
		v := h.view()
		for _, want := range []string{
			"Idag, ons 2026-11-25 — brev: 2, utskrivna: 1",
			"• ej utskriven", "Anna Berg", "tor 12-03 09:00", "kallelse",
			"✓ utskriven", "Bo Ek", "ej öppnad i 1177",
			"Tidigare dag, igår (tis 2026-11-24) — ej utskrivna: 1", "Cecilia Dahl", "skickad för hand",
			"Tidigare dag, fre 2026-11-20", "Eva Fors",
			"p skriv ut idag", "m markera utskrivna", "r skriv ut igen",
		} {
			if !strings.Contains(v, want) {
				t.Errorf("%v: view lacks %q:\n%s", size, want, v)
			}
		}
		for _, not := range []string{"Dan Ek", "Gustav Holm"} {
			if strings.Contains(v, not) {
				t.Errorf("%v: view shows %q (printed earlier, or too old):\n%s", size, not, v)
			}
		}
		apCheckFits(t, c, v)
		if !strings.Contains(h.selected(), "Anna Berg") {
			t.Errorf("first letter not selected: %q", h.selected())
		}
	}
}

func TestPrintQueue_BatchWritesTheSelectedDayAndShowsThePath(t *testing.T) {
	pq := newAPPrint()
	c := newAPPrintCommon(pq, 80, 24)
	h := newAPHarness(t, NewPrintQueue(c))
	h.key("b")
	want := "/var/spool/kallelse/print/2026-11-25/batch-2026-11-25.pdf"
	if len(pq.batches) != 1 || pq.batches[0] != "2026-11-25" {
		t.Fatalf("batches %v", pq.batches)
	}
	if len(h.infos) != 1 || h.infos[0] != "Utskriftsfil: "+want+" (2 brev)" {
		t.Fatalf("infos %v, errs %v", h.infos, h.errs)
	}
	if v := h.view(); !strings.Contains(v, want) {
		t.Errorf("path not kept on the page:\n%s", v)
	}
	// On an earlier day's letter, p prints that day.
	h.selectRow("Cecilia Dahl")
	if v := h.view(); !strings.Contains(v, "p skriv ut igår") {
		t.Errorf("hint does not name the day:\n%s", v)
	}
	h.key("p")
	if len(pq.batches) != 2 || pq.batches[1] != "2026-11-24" {
		t.Fatalf("batches %v", pq.batches)
	}
	if v := h.view(); !strings.Contains(v, "batch-2026-11-24.pdf") || apFitsProblem(c, v) != "" {
		t.Errorf("second path not shown or too wide (%s):\n%s", apFitsProblem(c, v), v)
	}
	// A long path is read in full: it wraps.
	c.Width = 50
	if v := h.view(); !strings.Contains(strings.ReplaceAll(strings.ReplaceAll(v, "\n  ", ""), "\n", ""), "/var/spool/kallelse/print/2026-11-24/batch-2026-11-24.pdf (2 brev)") || apFitsProblem(c, v) != "" {
		t.Errorf("at 50 columns (%s):\n%s", apFitsProblem(c, v), v)
	}
}

// apFitsProblem is apCheckFits as a value: "" when the view fits.
func apFitsProblem(c *Common, view string) string {
	lines := strings.Split(view, "\n")
	if len(lines) != c.Height-3 {
		return fmt.Sprintf("%d lines", len(lines))
	}
	for i, l := range lines {
		if w := lipgloss.Width(l); w > c.Width {
			return fmt.Sprintf("line %d is %d wide", i, w)
		}
	}
	return ""
}

func TestPrintQueue_MarkPrintedAsksFirst(t *testing.T) {
	pq := newAPPrint()
	c := newAPPrintCommon(pq, 80, 24)
	h := newAPHarness(t, NewPrintQueue(c))
	h.key("m")
	if h.confirm == nil || !strings.Contains(h.confirm.Text, "2026-11-25") || !strings.Contains(h.confirm.Text, "ej utskrivna: 1") {
		t.Fatalf("question %+v", h.confirm)
	}
	if len(pq.marked) != 0 {
		t.Fatal("marked before the answer")
	}
	h.yes()
	if len(pq.marked) != 1 || pq.marked[0] != "2026-11-25" {
		t.Fatalf("marked %v", pq.marked)
	}
	if len(h.infos) != 1 || h.infos[0] != "1 brev markerade som utskrivna" {
		t.Fatalf("infos %v, errs %v", h.infos, h.errs)
	}
	if v := h.view(); strings.Contains(v, "• ej utskriven  Anna Berg") || !strings.Contains(v, "brev: 2, utskrivna: 2") {
		t.Errorf("not reloaded after marking:\n%s", v)
	}
	// Marking an earlier day's letters takes them off the page.
	h.selectRow("Eva Fors")
	if v := h.view(); !strings.Contains(v, "p skriv ut fre 11-20") || !strings.Contains(v, "m markera utskrivna") {
		t.Errorf("hint at 80 columns:\n%s", v)
	}
	h.key("m")
	h.yes()
	if pq.marked[len(pq.marked)-1] != "2026-11-20" || strings.Contains(h.view(), "Eva Fors") {
		t.Errorf("marked %v, view:\n%s", pq.marked, h.view())
	}
}

func TestPrintQueue_AWithdrawnLetterIsShownButNeverCountedToPrint(t *testing.T) {
	pq := newAPPrint()
	w := apLetter("k7-2-letter", "2026-11-25", "Wilma Flytt", time.Date(2026, 12, 4, 9, 0, 0, 0, domain.Stockholm), domain.PurposeSummons, false)
	w.Withdrawn = true
	pq.letters["2026-11-25"] = append(pq.letters["2026-11-25"], w)
	c := newAPPrintCommon(pq, 80, 24)
	h := newAPHarness(t, NewPrintQueue(c))
	v := h.view()
	if !strings.Contains(v, "↺ återkallad") || !strings.Contains(v, "Wilma Flytt") || !strings.Contains(v, "brev: 2, utskrivna: 1") {
		t.Errorf("withdrawn letter not shown apart, or counted:\n%s", v)
	}
	apCheckFits(t, c, v)
	// r prints the day again after a question, the printed letters too.
	h.key("r")
	if h.confirm == nil || !strings.Contains(h.confirm.Text, "även de redan utskrivna (2)") {
		t.Fatalf("question %+v", h.confirm)
	}
	if len(pq.batches) != 0 {
		t.Fatal("printed before the answer")
	}
	h.yes()
	if len(pq.reprints) != 1 || !pq.reprints[0] || pq.batches[0] != "2026-11-25" {
		t.Fatalf("batches %v reprint %v", pq.batches, pq.reprints)
	}
	h.key("b")
	if len(pq.reprints) != 2 || pq.reprints[1] {
		t.Fatalf("b must not reprint: %v", pq.reprints)
	}
}

func TestPrintQueue_NoLettersIsSaidInWords(t *testing.T) {
	pq := &apPrintQueue{letters: map[string][]PrintItem{}}
	c := newAPPrintCommon(pq, 80, 24)
	h := newAPHarness(t, NewPrintQueue(c))
	v := h.view()
	if !strings.Contains(v, "Idag, ons 2026-11-25 — brev: 0") {
		t.Errorf("empty day:\n%s", v)
	}
	apCheckFits(t, c, v)
	h.key("b")
	// Nothing to print is information, not an error.
	if len(h.errs) != 0 || len(h.infos) != 1 || !strings.Contains(h.infos[0], "Inga brev att skriva ut för idag (ons 2026-11-25)") {
		t.Fatalf("errs %v, infos %v", h.errs, h.infos)
	}
}

func TestPrintQueue_NotConfigured(t *testing.T) {
	c := newAPPrintCommon(nil, 80, 24)
	h := newAPHarness(t, NewPrintQueue(c))
	v := h.view()
	if !strings.Contains(v, "Utskrifter är inte konfigurerade") {
		t.Errorf("view:\n%s", v)
	}
	apCheckFits(t, c, v)
	h.key("b")
	h.key("m")
	h.send(ChangedMsg{})
	if h.confirm != nil || len(h.errs)+len(h.infos) > 0 {
		t.Errorf("keys did something without a print folder")
	}
}

func TestPrintQueue_ReloadsOnChange(t *testing.T) {
	pq := newAPPrint()
	c := newAPPrintCommon(pq, 120, 40)
	h := newAPHarness(t, NewPrintQueue(c))
	pq.letters["2026-11-25"] = append(pq.letters["2026-11-25"],
		apLetter("k9-2-letter", "2026-11-25", "Ida Jönsson", apNow.AddDate(0, 0, 9), domain.PurposeSummons, false))
	h.send(ChangedMsg{})
	if !strings.Contains(h.view(), "Ida Jönsson") {
		t.Errorf("ChangedMsg did not reload:\n%s", h.view())
	}
	pq.letters["2026-11-23"] = []PrintItem{apLetter("k10-2-letter", "2026-11-23", "Jan Karlsson", apNow.AddDate(0, 0, 9), domain.PurposeSummons, false)}
	h.send(InfoMsg{Text: "klart"})
	if !strings.Contains(h.view(), "Jan Karlsson") {
		t.Errorf("InfoMsg did not reload:\n%s", h.view())
	}
	h.key("esc")
	if len(h.nav) != 1 {
		t.Errorf("esc: %v", h.nav)
	}
}

func TestPrintQueue_EveryPurposeInWords(t *testing.T) {
	for _, p := range []domain.Purpose{domain.PurposeSummons, domain.PurposeFallback, domain.PurposeFallbackByHand,
		domain.PurposeReminder4d, domain.PurposeReminder1d, domain.PurposeReminderByHand} {
		for _, l := range []Lang{Swedish, English} {
			if m, ok := msgs["pu_"+string(p)]; !ok || m[0] == "" || m[1] == "" || PurposeText(l, p) == "" {
				t.Errorf("%s in %s: no words", p, l)
			}
		}
	}
}
