package printqueue

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/tui/internal/tuitest"

	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

func TestPrintQueue_ShowsTodayAndEarlierUnprintedLetters(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		c := tuitest.PrintCommon(tuitest.NewPrintFolder(), size[0], size[1])
		h := tuitest.Open(t, c, New)
		v := h.View()
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
		tuitest.CheckFits(t, c, v)
		if !strings.Contains(h.Selected(), "Anna Berg") {
			t.Errorf("first letter not selected: %q", h.Selected())
		}
	}
}

func TestPrintQueue_BatchWritesTheSelectedDayAndShowsThePath(t *testing.T) {
	pq := tuitest.NewPrintFolder()
	c := tuitest.PrintCommon(pq, 80, 24)
	h := tuitest.Open(t, c, New)
	h.Key("b")
	want := "/var/spool/kallelse/print/2026-11-25/batch-2026-11-25.pdf"
	if len(pq.Batches) != 1 || pq.Batches[0] != "2026-11-25" {
		t.Fatalf("batches %v", pq.Batches)
	}
	// The status line says it briefly, the page shows the path once.
	if len(h.Infos) != 1 || h.Infos[0] != "Utskriftsfilen är klar: 2 brev (sökvägen står ovan)" {
		t.Fatalf("infos %v, errs %v", h.Infos, h.Errs)
	}
	if v := h.View(); !strings.Contains(v, want) {
		t.Errorf("path not kept on the page:\n%s", v)
	}
	// On an earlier day's letter, p prints that day.
	h.SelectRow("Cecilia Dahl")
	if v := h.View(); !strings.Contains(v, "p skriv ut igår") {
		t.Errorf("hint does not name the day:\n%s", v)
	}
	h.Key("p")
	if len(pq.Batches) != 2 || pq.Batches[1] != "2026-11-24" {
		t.Fatalf("batches %v", pq.Batches)
	}
	if v := h.View(); !strings.Contains(v, "batch-2026-11-24.pdf") || apFitsProblem(c, v) != "" {
		t.Errorf("second path not shown or too wide (%s):\n%s", apFitsProblem(c, v), v)
	}
	// A long path is read in full: it wraps.
	c.Width = 50
	h.Comp.SetSize(50, c.Height-3)
	if v := h.View(); !strings.Contains(strings.ReplaceAll(strings.ReplaceAll(v, "\n  ", ""), "\n", ""), "/var/spool/kallelse/print/2026-11-24/batch-2026-11-24.pdf (2 brev)") || apFitsProblem(c, v) != "" {
		t.Errorf("at 50 columns (%s):\n%s", apFitsProblem(c, v), v)
	}
}

// apFitsProblem is tuitest.CheckFits as a value: "" when the view fits.
func apFitsProblem(c *common.Common, view string) string {
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
	pq := tuitest.NewPrintFolder()
	c := tuitest.PrintCommon(pq, 80, 24)
	h := tuitest.Open(t, c, New)
	h.Key("m")
	if h.Confirm == nil || !strings.Contains(h.Confirm.Text, "2026-11-25") || !strings.Contains(h.Confirm.Text, "ej utskrivna: 1") {
		t.Fatalf("question %+v", h.Confirm)
	}
	if len(pq.Marked) != 0 {
		t.Fatal("marked before the answer")
	}
	h.Yes()
	if len(pq.Marked) != 1 || pq.Marked[0] != "2026-11-25" {
		t.Fatalf("marked %v", pq.Marked)
	}
	if len(h.Infos) != 1 || h.Infos[0] != "1 brev markerade som utskrivna" {
		t.Fatalf("infos %v, errs %v", h.Infos, h.Errs)
	}
	if v := h.View(); strings.Contains(v, "• ej utskriven  Anna Berg") || !strings.Contains(v, "brev: 2, utskrivna: 2") {
		t.Errorf("not reloaded after marking:\n%s", v)
	}
	// Marking an earlier day's letters takes them off the page.
	h.SelectRow("Eva Fors")
	if v := h.View(); !strings.Contains(v, "p skriv ut fre 11-20") || !strings.Contains(v, "m markera utskrivna") {
		t.Errorf("hint at 80 columns:\n%s", v)
	}
	h.Key("m")
	h.Yes()
	if pq.Marked[len(pq.Marked)-1] != "2026-11-20" || strings.Contains(h.View(), "Eva Fors") {
		t.Errorf("marked %v, view:\n%s", pq.Marked, h.View())
	}
	// Today's letters are all printed now: m says so rather than asking
	// about marking none.
	h.Confirm = nil
	marked := len(pq.Marked)
	h.SelectRow("Anna Berg")
	h.Key("m")
	if h.Confirm != nil || len(pq.Marked) != marked || len(h.Warns) == 0 || !strings.Contains(h.Warns[len(h.Warns)-1], "Inga brev") {
		t.Errorf("m with nothing to mark: question %+v, warnings %v", h.Confirm, h.Warns)
	}
}

func TestPrintQueue_AWithdrawnLetterIsShownButNeverCountedToPrint(t *testing.T) {
	pq := tuitest.NewPrintFolder()
	w := tuitest.Letter("k7-2-letter", "2026-11-25", "Wilma Flytt", time.Date(2026, 12, 4, 9, 0, 0, 0, domain.Stockholm), domain.PurposeSummons, false)
	w.Withdrawn = true
	pq.Days["2026-11-25"] = append(pq.Days["2026-11-25"], w)
	c := tuitest.PrintCommon(pq, 80, 24)
	h := tuitest.Open(t, c, New)
	v := h.View()
	if !strings.Contains(v, "↺ återkallad") || !strings.Contains(v, "Wilma Flytt") || !strings.Contains(v, "brev: 2, utskrivna: 1") {
		t.Errorf("withdrawn letter not shown apart, or counted:\n%s", v)
	}
	tuitest.CheckFits(t, c, v)
	// r prints the day again after a question, the printed letters too.
	h.Key("r")
	if h.Confirm == nil || !strings.Contains(h.Confirm.Text, "även de redan utskrivna (2)") {
		t.Fatalf("question %+v", h.Confirm)
	}
	if len(pq.Batches) != 0 {
		t.Fatal("printed before the answer")
	}
	h.Yes()
	if len(pq.Reprints) != 1 || !pq.Reprints[0] || pq.Batches[0] != "2026-11-25" {
		t.Fatalf("batches %v reprint %v", pq.Batches, pq.Reprints)
	}
	h.Key("b")
	if len(pq.Reprints) != 2 || pq.Reprints[1] {
		t.Fatalf("b must not reprint: %v", pq.Reprints)
	}
}

func TestPrintQueue_NoLettersIsSaidInWords(t *testing.T) {
	pq := &tuitest.PrintFolder{Days: map[string][]common.PrintItem{}}
	c := tuitest.PrintCommon(pq, 80, 24)
	h := tuitest.Open(t, c, New)
	v := h.View()
	if !strings.Contains(v, "Idag, ons 2026-11-25 — brev: 0") {
		t.Errorf("empty day:\n%s", v)
	}
	tuitest.CheckFits(t, c, v)
	h.Key("b")
	// Nothing to print is information, not an error.
	if len(h.Errs) != 0 || len(h.Infos) != 1 || !strings.Contains(h.Infos[0], "Inga brev att skriva ut för idag (ons 2026-11-25)") {
		t.Fatalf("errs %v, infos %v", h.Errs, h.Infos)
	}
}

func TestPrintQueue_NotConfigured(t *testing.T) {
	c := tuitest.PrintCommon(nil, 80, 24)
	h := tuitest.Open(t, c, New)
	v := h.View()
	if !strings.Contains(v, "Utskrifter är inte konfigurerade") {
		t.Errorf("view:\n%s", v)
	}
	tuitest.CheckFits(t, c, v)
	h.Key("b")
	h.Key("m")
	h.Send(common.ChangedMsg{})
	if h.Confirm != nil || len(h.Errs)+len(h.Infos) > 0 {
		t.Errorf("keys did something without a print folder")
	}
}

func TestPrintQueue_ReloadsOnChange(t *testing.T) {
	pq := tuitest.NewPrintFolder()
	c := tuitest.PrintCommon(pq, 120, 40)
	h := tuitest.Open(t, c, New)
	pq.Days["2026-11-25"] = append(pq.Days["2026-11-25"],
		tuitest.Letter("k9-2-letter", "2026-11-25", "Ida Jönsson", tuitest.Now.AddDate(0, 0, 9), domain.PurposeSummons, false))
	h.Send(common.ChangedMsg{})
	if !strings.Contains(h.View(), "Ida Jönsson") {
		t.Errorf("ChangedMsg did not reload:\n%s", h.View())
	}
	pq.Days["2026-11-23"] = []common.PrintItem{tuitest.Letter("k10-2-letter", "2026-11-23", "Jan Karlsson", tuitest.Now.AddDate(0, 0, 9), domain.PurposeSummons, false)}
	h.Send(common.InfoMsg{Text: "klart"})
	if !strings.Contains(h.View(), "Jan Karlsson") {
		t.Errorf("InfoMsg did not reload:\n%s", h.View())
	}
	h.Key("esc")
	if len(h.Nav) != 1 {
		t.Errorf("esc: %v", h.Nav)
	}
}

// Every purpose a letter in the queue can have is in words, in both
// languages: a cancellation notice read "cancellation" in Swedish.
func TestPrintQueue_EveryPurposeInWords(t *testing.T) {
	for _, p := range domain.AllPurposes {
		for _, l := range []i18n.Lang{i18n.Swedish, i18n.English} {
			if !i18n.Has("pu_"+string(p)) || i18n.PurposeText(l, p) == string(p) && l == i18n.Swedish {
				t.Errorf("%s in %s: no words", p, l)
			}
		}
	}
}

// Letters that marking withdrew as too late to arrive are said as a
// warning, to keep them out of the post, not as a plain success.
func TestPrintQueue_MarkPrintedSaysWhatItWithdrew(t *testing.T) {
	pq := tuitest.NewPrintFolder()
	pq.TooLate = 1
	h := tuitest.Open(t, tuitest.PrintCommon(pq, 80, 24), New)
	h.Key("m")
	h.Yes()
	if len(h.Warns) != 1 || !strings.Contains(h.Warns[0], "1 återkallade") || len(h.Infos) != 0 {
		t.Fatalf("warnings %v, infos %v", h.Warns, h.Infos)
	}
}

// At 60 columns a name too wide for its column is shortened as the
// bookings list shortens it, the surname whole (the walk read "Sara
// Jakobs…"): the letter is found by the name on its envelope.
func TestPrintQueue_NarrowKeepsTheSurnameWhole(t *testing.T) {
	pq := tuitest.NewPrintFolder()
	visit := time.Date(2026, 12, 3, 11, 0, 0, 0, domain.Stockholm)
	pq.Days["2026-11-25"] = append(pq.Days["2026-11-25"],
		tuitest.Letter("k7-2-letter", "2026-11-25", "Sara Jakobsson", visit, domain.PurposeSummons, false),
		tuitest.Letter("k8-2-letter", "2026-11-25", "Karl-Johan Vilhelmsdotter", visit, domain.PurposeSummons, false))
	for _, size := range [][2]int{{60, 20}, {80, 24}} {
		c := tuitest.PrintCommon(pq, size[0], size[1])
		v := tuitest.Open(t, c, New).View()
		tuitest.CheckFits(t, c, v)
		// The surname alone when even that is too wide, cut if it must be.
		want, not := []string{"S. Jakobsson", "  Vilhelmsd"}, []string{"Sara Jakobs", "Karl-Joh"}
		if size[0] >= 80 {
			want, not = []string{"Sara Jakobsson", "K. Vilhelmsdotter"}, []string{"Karl-Joh"}
		}
		for _, name := range want {
			if !strings.Contains(v, name) {
				t.Errorf("%v: no %q:\n%s", size, name, v)
			}
		}
		for _, name := range not {
			if strings.Contains(v, name) {
				t.Errorf("%v: %q:\n%s", size, name, v)
			}
		}
	}
}
