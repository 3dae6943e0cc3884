package attention

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/internal/tuitest"

	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"

	"github.com/kallelse/kallelse/domain"
)

func TestAttention_ShowsEveryKindInWordsAndSymbols(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		c := w.Common(size[0], size[1])
		h := tuitest.Open(t, c, New)
		v := h.View()
		for _, want := range []string{
			"Patienter som vill boka om (1)", "↻ vill boka om", "Anna Berg", "ekg24", "tor 12-03 09:00", "sedan " + i18n.FmtAge(i18n.Swedish, 3*time.Hour),
			"Patienter som vill avboka (1)", "✗ vill avboka", "Bo Ek",
			"Ring patienten (1)", "☎ ring patienten", "Cecilia Dahl", "arbetsprov",
			"Leveranser som misslyckas (1)", "✉ leverans misslyckas (3 försök) — Dan Ek, k4-",
			"Kvitton i karantän (1)", "⚠ karantän: r-okand.json — kvitto för ett meddelande som systemet inte skickat",
		} {
			if !strings.Contains(v, want) {
				t.Errorf("%v: view lacks %q:\n%s", size, want, v)
			}
		}
		if size[0] >= 120 && !strings.Contains(v, "503 Service Unavailable") {
			t.Errorf("the last error is not shown:\n%s", v)
		}
		tuitest.CheckFits(t, c, v)
		if sel := h.Selected(); !strings.Contains(sel, "Anna Berg") {
			t.Errorf("first row not selected: %q", sel)
		}
		if !strings.Contains(v, "R boka om") || !strings.Contains(v, "C avboka") {
			t.Errorf("hint lacks the rebook row's keys:\n%s", v)
		}
		if len(h.Errs) > 0 {
			t.Errorf("errors: %v", h.Errs)
		}
	}
}

func TestAttention_PhoneTaskIsMarkedPhonedWithT(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	c := w.Common(80, 24)
	h := tuitest.Open(t, c, New)
	h.SelectRow("Cecilia Dahl")
	if !strings.Contains(h.View(), "T uppringd") {
		t.Errorf("hint lacks T:\n%s", h.View())
	}
	h.Key("T")
	if h.Confirm == nil || !strings.Contains(h.Confirm.Text, fmt.Sprintf("Markera uppringd: Cecilia Dahl, 2026-11-26 10:00, arbetsprov (bokning %d)", w.Cecilia)) {
		t.Fatalf("question %+v", h.Confirm)
	}
	h.Yes()
	if len(h.Errs) > 0 || len(h.Infos) != 1 {
		t.Fatalf("errors %v, infos %v", h.Errs, h.Infos)
	}
	items, err := w.St.Attention(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Booking.ID() == w.Cecilia {
			t.Fatalf("phone task still open: %+v", it.Reasons)
		}
	}
	// The page read the store again by itself (the root keeps InfoMsg).
	if v := h.View(); strings.Contains(v, "Cecilia Dahl") || strings.Contains(v, "Ring patienten") {
		t.Errorf("phoned task still shown:\n%s", v)
	}
	if sel := h.Selected(); sel == "" {
		t.Errorf("no row selected after the row went:\n%s", h.View())
	}
}

func TestAttention_RebookRequestOpensTheFormAndEnterTheDetail(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	h := tuitest.Open(t, w.Common(80, 24), New)
	h.SelectRow("Anna Berg")
	h.Key("R")
	h.Key("enter")
	if len(h.Nav) != 2 {
		t.Fatalf("navigation %v", h.Nav)
	}
	if f, ok := h.Nav[0].(common.OpenFormMsg); !ok || f.Rebook == nil || f.Rebook.ID() != w.Anna {
		t.Errorf("R sent %#v", h.Nav[0])
	}
	if d, ok := h.Nav[1].(common.OpenDetailMsg); !ok || d.ID != w.Anna {
		t.Errorf("enter sent %#v", h.Nav[1])
	}
	h.Key("esc")
	if _, ok := h.Nav[len(h.Nav)-1].(common.BackMsg); !ok {
		t.Errorf("esc sent %#v", h.Nav[len(h.Nav)-1])
	}
}

func TestAttention_CancelRequestIsCancelledWithC(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	h := tuitest.Open(t, w.Common(80, 24), New)
	h.SelectRow("Bo Ek")
	h.Key("C")
	if h.Confirm == nil || !strings.Contains(h.Confirm.Text, "Avboka: Bo Ek, ") {
		t.Fatalf("question %+v", h.Confirm)
	}
	h.Yes()
	b, err := w.St.Booking(context.Background(), w.Bo)
	if err != nil || b.State() != domain.StateCancelled {
		t.Fatalf("booking %v, %v", b.State(), err)
	}
	if v := h.View(); strings.Contains(v, "vill avboka") {
		t.Errorf("cancelled request still shown:\n%s", v)
	}
}

func TestAttention_RetriesAFailingDeliveryNow(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	ctx := context.Background()
	failing, err := w.St.FailingOutbox(ctx, 3)
	if err != nil || len(failing) != 1 {
		t.Fatalf("failing %v, %v", failing, err)
	}
	id := failing[0].Message.ID
	due, _ := w.St.PendingOutbox(ctx, w.Clock.T, 10)
	if len(due) != 0 {
		t.Fatalf("already due: %v", due)
	}
	c := w.Common(80, 24)
	h := tuitest.Open(t, c, New)
	h.SelectRow("leverans misslyckas")
	if v := h.View(); !strings.Contains(v, "r försök igen") || !strings.Contains(v, "P papperskallelse") {
		t.Errorf("hint lacks r and P:\n%s", v)
	}
	h.Key("r")
	if len(h.Errs) > 0 || len(h.Infos) != 1 || !strings.Contains(h.Infos[0], id) {
		t.Fatalf("errors %v, infos %v", h.Errs, h.Infos)
	}
	due, _ = w.St.PendingOutbox(ctx, w.Clock.T, 10)
	if len(due) != 1 || due[0].Message.ID != id || due[0].Attempts != 3 {
		t.Fatalf("after retry, due %v", due)
	}
	// Enter opens the booking the message belongs to.
	h.Key("enter")
	if d, ok := h.Nav[len(h.Nav)-1].(common.OpenDetailMsg); !ok || d.ID != w.Dan {
		t.Errorf("enter sent %#v", h.Nav)
	}
}

func TestAttention_PutsAQuarantinedFileBack(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	w.Q.Files = append(w.Q.Files, common.QuarantinedFile{Name: "r-trasig.json"})
	h := tuitest.Open(t, w.Common(80, 24), New)
	h.SelectRow("r-trasig.json")
	if v := h.View(); !strings.Contains(v, "ingen orsak angiven") || !strings.Contains(v, "r försök igen") {
		t.Errorf("view:\n%s", v)
	}
	h.Key("r")
	if len(w.Q.Retried) != 1 || w.Q.Retried[0] != "r-trasig.json" || len(h.Infos) != 1 {
		t.Fatalf("retried %v, infos %v, errs %v", w.Q.Retried, h.Infos, h.Errs)
	}
	if v := h.View(); strings.Contains(v, "r-trasig.json") || !strings.Contains(v, "r-okand.json") {
		t.Errorf("after retry:\n%s", v)
	}
}

func TestAttention_EmptyStateAndReloads(t *testing.T) {
	w := tuitest.NewWorld(t, false)
	c := w.Common(80, 24)
	h := tuitest.Open(t, c, New)
	v := h.View()
	if !strings.Contains(v, "Inget att hantera just nu.") {
		t.Errorf("empty state:\n%s", v)
	}
	tuitest.CheckFits(t, c, v)
	h.Key("r") // nothing selected: nothing happens
	h.Key("T")
	if h.Confirm != nil || len(h.Infos)+len(h.Errs) > 0 {
		t.Errorf("a key did something on an empty page")
	}
	w.Q.Files = []common.QuarantinedFile{{Name: "a.json", Reason: "bad json"}}
	h.Send(common.ChangedMsg{})
	if !strings.Contains(h.View(), "a.json") {
		t.Errorf("ChangedMsg did not reload:\n%s", h.View())
	}
	w.Q.Files = append(w.Q.Files, common.QuarantinedFile{Name: "b.json", Reason: "bad json"})
	h.Send(common.InfoMsg{Text: "klart"})
	if !strings.Contains(h.View(), "b.json") {
		t.Errorf("InfoMsg did not reload:\n%s", h.View())
	}
}

func TestAttention_ScrollsALongList(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	for i := 0; i < 60; i++ {
		w.Q.Files = append(w.Q.Files, common.QuarantinedFile{Name: fmt.Sprintf("r-%02d.json", i), Reason: "unknown message id"})
	}
	// At 60 columns the selected row's keys take two lines: the row stays.
	for _, size := range [][2]int{{80, 24}, {120, 40}, {60, 15}} {
		c := w.Common(size[0], size[1])
		h := tuitest.Open(t, c, New)
		tuitest.CheckFits(t, c, h.View())
		if !strings.Contains(h.View(), "Patienter som vill boka om") {
			t.Errorf("%v: top section title not shown:\n%s", size, h.View())
		}
		h.Key("G")
		if sel := h.Selected(); !strings.Contains(sel, "r-59.json") {
			t.Errorf("%v: last row not on screen: %q\n%s", size, sel, h.View())
		}
		tuitest.CheckFits(t, c, h.View())
		if !strings.Contains(h.View(), "65/65") {
			t.Errorf("%v: position not shown:\n%s", size, h.View())
		}
		for i := 0; i < 70; i++ {
			h.Key("up")
			if h.Selected() == "" {
				t.Fatalf("%v: selection scrolled off at step %d:\n%s", size, i, h.View())
			}
		}
		if !strings.Contains(h.View(), "Patienter som vill boka om") {
			t.Errorf("%v: back at the top, the section title is not shown:\n%s", size, h.View())
		}
	}
}

// A quarantined file can be discarded for good, with a reason kept.
func TestAttention_DiscardsAQuarantinedFileWithAReason(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	w.Q.Files = append(w.Q.Files, common.QuarantinedFile{Name: "r-test.json", Reason: "unknown message"})
	h := tuitest.Open(t, w.Common(80, 24), New)
	h.SelectRow("r-test.json")
	if v := h.View(); !strings.Contains(v, "d lägg undan") {
		t.Errorf("hint lacks d:\n%s", v)
	}
	h.Key("d")
	if h.Confirm == nil || h.Confirm.WithNote == nil || !strings.Contains(h.Confirm.Text, "r-test.json") {
		t.Fatalf("question %+v", h.Confirm)
	}
	cmd := h.Confirm.WithNote("testfil från integrationsmotorn")
	h.Confirm = nil
	h.Do(cmd)
	if why, ok := w.Q.Discarded["r-test.json"]; !ok || why != "testfil från integrationsmotorn" || len(h.Infos) != 1 {
		t.Fatalf("discarded %v, infos %v, errs %v", w.Q.Discarded, h.Infos, h.Errs)
	}
	if v := h.View(); strings.Contains(v, "r-test.json") {
		t.Errorf("still listed:\n%s", v)
	}
}

// At 60 columns every row keeps the visit and the waiting time: the
// examination goes first, the name gives way.
// visitRE finds a visit's date and time in a row.
var visitRE = regexp.MustCompile(`\d{2}-\d{2} \d{2}:\d{2}`)

func TestAttention_NarrowKeepsTheVisitAndTheWait(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	h := tuitest.Open(t, w.Common(60, 15), New)
	for _, who := range []string{"Anna Berg", "Bo Ek", "Cecilia Dahl"} {
		h.SelectRow(who)
		sel := h.Selected()
		if !strings.Contains(sel, ":00") || !strings.Contains(sel, "sedan") {
			t.Errorf("the row of %s lacks the visit or the wait: %q", who, sel)
		}
	}
	// The visits line up, whatever the wait's width.
	at := -1
	for _, l := range strings.Split(h.View(), "\n") {
		loc := visitRE.FindStringIndex(l)
		if loc == nil || !strings.Contains(l, "sedan") {
			continue
		}
		if n := utf8.RuneCountInString(l[:loc[0]]); at < 0 {
			at = n
		} else if n != at {
			t.Errorf("a visit at column %d, another at %d:\n%s", n, at, h.View())
		}
	}
	tuitest.CheckFits(t, h.C, h.View())
}

// Phone tasks go by how soon the visit is, not by how long they waited:
// the patient to phone first is the one who comes first.
func TestAttention_PhoneTasksBySoonestVisit(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	ctx := context.Background()
	// Anna also comes for a paper-only examination tomorrow at 08:00, two
	// hours before Cecilia: too late for a letter, so a phone task, newer
	// than Cecilia's.
	res, err := w.Svc.Book(ctx, service.BookInput{Patient: tuitest.Pnr("19500101", "123"), Exam: "arbetsprov", Site: "ryhov",
		VisitAt: time.Date(2026, 11, 26, 8, 0, 0, 0, domain.Stockholm)})
	if err != nil {
		t.Fatal(err)
	}
	w.Clock.T = w.Clock.T.Add(time.Hour)
	w.Tick(t)
	h := tuitest.Open(t, w.Common(120, 40), New)
	v := h.View()
	sec := strings.Index(v, "Ring patienten")
	first, second := strings.Index(v[sec:], "Anna Berg"), strings.Index(v[sec:], "Cecilia Dahl")
	if sec < 0 || first < 0 || second < first {
		t.Fatalf("booking %d: the phone tasks are not by visit (section %d, Anna %d, Cecilia %d):\n%s", res.Booking.ID(), sec, first, second, v)
	}
}

// ? lists each key of the page once, whichever row is selected.
func TestAttention_EveryKeyIsListedOnce(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	h := tuitest.Open(t, w.Common(80, 24), New)
	m := h.Comp.(*Model)
	for range 6 { // each kind of row in turn
		seen := map[string]bool{}
		for _, g := range m.FullHelp() {
			for _, b := range g {
				k := b.Help().Key
				if seen[k] {
					t.Fatalf("%q is listed twice: %v", k, m.FullHelp())
				}
				seen[k] = true
			}
		}
		h.Key("down")
	}
}

// A quarantined receipt's row says why it was quarantined in full, however
// long its file's name: the reason wraps under the row instead of being
// cut, on the selected row and the others, and the page still fits.
func TestAttention_AQuarantinedReceiptsReasonIsReadWhole(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	long := common.QuarantinedFile{Name: "k9999-2-inbox.delivered.1764406800000000000.json", Reason: `unknown message id "k9999-2-inbox"` +
		"\nquarantined 2026-11-29T17:39:14+01:00 from /var/lib/kallelse/spool/inbox1177/in/k9999-2-inbox.delivered.1764406800000000000.json"}
	other := common.QuarantinedFile{Name: "k801-2-inbox.opened.1764406800000000000.json", Reason: `unknown field "extra"`}
	w.Q.Files = append(w.Q.Files, long, other)
	why := func(f common.QuarantinedFile) string {
		return i18n.QuarantineReasonText(i18n.Swedish, common.FirstLineOf(f.Reason))
	}
	for _, size := range [][2]int{{80, 24}, {60, 20}} {
		c := w.Common(size[0], size[1])
		h := tuitest.Open(t, c, New)
		h.Key("G") // the last row (other), then the one above it (long)
		for _, sel := range []common.QuarantinedFile{other, long} {
			if sel == long {
				h.Key("up")
			}
			v := h.View()
			tuitest.CheckFits(t, c, v)
			// Read as the operator reads it: the words across the lines.
			words := strings.Join(strings.Fields(v), " ")
			for _, f := range []common.QuarantinedFile{long, other} {
				if want := f.Name + " — " + why(f); !strings.Contains(words, want) {
					t.Errorf("%v, %s selected: %q is not read whole:\n%s", size, sel.Name, want, v)
				}
			}
			if !strings.Contains(words, "▸ ⚠ karantän: "+sel.Name) || !strings.Contains(v, "r försök igen") {
				t.Errorf("%v: the selected row or its keys went:\n%s", size, v)
			}
			if strings.Contains(v, "/var/lib/kallelse") {
				t.Errorf("%v: more than the reason (its note's second line) is shown:\n%s", size, v)
			}
		}
	}
}

// A failing delivery's row says why it fails in full, as a quarantined
// receipt's does (the walk read "…503 …" at 80 columns): the error wraps
// under the row, on the selected row and the others, the selected row
// stays whole on screen with its keys, and the page still fits.
func TestAttention_AFailingDeliverysErrorIsReadWhole(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	failing, err := w.St.FailingOutbox(context.Background(), 3)
	if err != nil || len(failing) != 1 {
		t.Fatalf("failing %v, %v", failing, err)
	}
	want := "✉ leverans misslyckas (3 försök) — Dan Ek, " + failing[0].Message.ID + ": " + failing[0].LastError
	if !strings.Contains(want, "503 Service Unavailable") {
		t.Fatalf("the world's delivery fails with %q", failing[0].LastError)
	}
	// At 60×10 the list has room for little more than the selected row,
	// which stays whole (the rows above it scroll away).
	for _, size := range [][2]int{{80, 24}, {60, 20}, {60, 10}} {
		c := w.Common(size[0], size[1])
		h := tuitest.Open(t, c, New)
		for _, selected := range []bool{false, true} {
			if selected {
				h.SelectRow("leverans misslyckas")
			} else if size[1] < 20 {
				continue // below the first screenful until selected
			}
			v := h.View()
			tuitest.CheckFits(t, c, v)
			// Read as the operator reads it: the words across the lines.
			words := strings.Join(strings.Fields(v), " ")
			if !strings.Contains(words, want) {
				t.Errorf("%v, selected %v: %q is not read whole:\n%s", size, selected, want, v)
			}
			if selected && (!strings.Contains(words, "▸ "+want) || !strings.Contains(v, "r försök igen")) {
				t.Errorf("%v: the selected row or its keys went:\n%s", size, v)
			}
		}
	}
}

// A quarantined receipt's reason reads in the staff's language, from the
// problem its note names: a Swedish row carries none of the parser's
// English, and the field's name and the file's stay as they are.
func TestAttention_AQuarantinedReceiptsReasonIsInTheStaffsLanguage(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	w.Q.Files = []common.QuarantinedFile{
		{Name: "extra.json", Reason: `unknown field "extra"`,
			Problem: &domain.ReceiptProblem{Reason: `unknown field "extra"`, Code: domain.ReceiptUnknownField, Args: []string{`"extra"`}}},
		{Name: "trasig.json", Reason: "truncated JSON: unexpected end of JSON input",
			Problem: &domain.ReceiptProblem{Reason: "truncated JSON: unexpected end of JSON input", Code: domain.ReceiptTruncated}},
		{Name: "tal.json", Reason: `field "receiptId": expected a string, got number`,
			Problem: &domain.ReceiptProblem{Reason: `field "receiptId": expected a string, got number`, Code: domain.ReceiptNotString, Args: []string{`"receiptId"`, "number"}}},
	}
	for _, c := range []struct {
		lang       i18n.Lang
		want, lost []string
	}{
		{i18n.Swedish, []string{
			`extra.json — filen kunde inte läsas som kvitto: okänt fält "extra"`,
			"trasig.json — filen kunde inte läsas som kvitto: JSON-texten tar slut mitt i (filen är avklippt)",
			`tal.json — filen kunde inte läsas som kvitto: fältet "receiptId" ska vara en textsträng men är ett tal`,
		}, []string{"unknown field", "truncated JSON", "unexpected end", "expected a string", "got number"}},
		{i18n.English, []string{
			`extra.json — the file could not be read as a receipt: unknown field "extra"`,
			"trasig.json — the file could not be read as a receipt: the JSON ends midway (the file is cut short)",
			`tal.json — the file could not be read as a receipt: field "receiptId" should be a string but is a number`,
		}, []string{"kvitto", "unexpected end"}},
	} {
		cm := w.Common(120, 40)
		cm.Lang = c.lang
		v := tuitest.Open(t, cm, New).View()
		words := strings.Join(strings.Fields(v), " ")
		for _, want := range c.want {
			if !strings.Contains(words, want) {
				t.Errorf("%s: the page lacks %q:\n%s", c.lang, want, v)
			}
		}
		for _, lost := range c.lost {
			if strings.Contains(words, lost) {
				t.Errorf("%s: the page says %q:\n%s", c.lang, lost, v)
			}
		}
	}
}

// A file name from outside that holds an escape (the integration engine,
// or someone with access to the spool, named it) is shown, never acts on
// the terminal: not on the row, nor in the question before it is
// discarded.
func TestAttention_AFileNameNeverActsOnTheTerminal(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	evil := common.QuarantinedFile{Name: "evil\x1b]0;PWNED\a\x1b[2J\u202e.json", Reason: "unknown field \"x\x1b[31m\""}
	w.Q.Files = append(w.Q.Files, evil)
	c := w.Common(80, 24)
	h := tuitest.Open(t, c, New)
	h.Key("G")
	v := h.View()
	for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\a", "\u202e", "\x1b[31m"} {
		if strings.Contains(v, bad) {
			t.Errorf("the page holds %q from the file's name or reason:\n%q", bad, v)
		}
	}
	if !strings.Contains(v, "evil�]0;PWNED��[2J�.json") {
		t.Errorf("the name is not shown with its control characters replaced:\n%s", v)
	}
}

// The r key has one name on the page, whatever the row: the keys line of a
// quarantined file's row and of a failing delivery's, and the help (?),
// name it alike (walk: 'r lägg tillbaka för nytt försök' under the row,
// 'r försök igen nu' in the help).
func TestAttention_TheRKeyHasOneName(t *testing.T) {
	w := tuitest.NewWorld(t, true)
	for _, lang := range []i18n.Lang{i18n.Swedish, i18n.English} {
		c := w.Common(120, 40)
		c.Lang = lang
		h := tuitest.Open(t, c, New)
		m := h.Comp.(*Model)
		names := map[string]bool{}
		for _, row := range []string{"r-okand.json", i18n.T(lang, "attn_failing", 3)} {
			h.SelectRow(row)
			if !strings.Contains(h.Selected(), row) {
				t.Fatalf("%s: %q is not selected: %q", lang, row, h.Selected())
			}
			found := false
			for _, b := range m.ShortHelp() {
				if b.Help().Key == "r" {
					names[b.Help().Desc], found = true, true
				}
			}
			if !found {
				t.Errorf("%s: the keys of the row %s lack r", lang, row)
			}
			for _, line := range m.FullHelp() {
				for _, b := range line {
					if b.Help().Key == "r" {
						names[b.Help().Desc] = true
					}
				}
			}
		}
		if len(names) != 1 {
			t.Errorf("%s: r has the names %v", lang, names)
		}
	}
}

// What is done with a quarantined file is confirmed in one form, the
// file's name first: put back or discarded (walk: '✓ Tillbaka i inkorgen
// för nytt försök: trasig.json' beside '✓ okant-meddelande.json lades
// undan').
func TestAttention_PutBackAndDiscardedAreConfirmedAlike(t *testing.T) {
	for _, c := range []struct {
		lang               i18n.Lang
		putBack, discarded string
	}{
		{i18n.Swedish, "trasig.json lades tillbaka för ett nytt försök", "okant-meddelande.json lades undan"},
		{i18n.English, "trasig.json was put back for another try", "okant-meddelande.json was discarded"},
	} {
		w := tuitest.NewWorld(t, true)
		w.Q.Files = append(w.Q.Files, common.QuarantinedFile{Name: "trasig.json"}, common.QuarantinedFile{Name: "okant-meddelande.json"})
		cm := w.Common(120, 40)
		cm.Lang = c.lang
		h := tuitest.Open(t, cm, New)
		h.SelectRow("trasig.json")
		h.Key("r")
		h.SelectRow("okant-meddelande.json")
		h.Key("d")
		if h.Confirm == nil {
			t.Fatalf("%s: no question before discarding", c.lang)
		}
		cmd := h.Confirm.Run
		h.Confirm = nil
		h.Do(cmd)
		if len(h.Errs) > 0 || len(h.Infos) != 2 || h.Infos[0] != c.putBack || h.Infos[1] != c.discarded {
			t.Errorf("%s: said %q (errors %v), want %q and %q", c.lang, h.Infos, h.Errs, c.putBack, c.discarded)
		}
	}
}
