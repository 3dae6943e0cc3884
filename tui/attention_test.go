package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
)

// apNow is a Wednesday morning.
var apNow = time.Date(2026, 11, 25, 10, 0, 0, 0, domain.Stockholm)

// apRun runs cmd and the commands of any batch it returns, synchronously,
// and returns the messages in order.
func apRun(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, apRun(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// apHarness plays the root for one page: it runs the page's commands,
// keeps what the root would take (info, errors, questions, navigation) and
// hands everything else back to the page. Like the root, it does not
// forward InfoMsg to the page.
type apHarness struct {
	t       *testing.T
	page    Component
	c       *Common // the page's, whose posted messages the harness takes as the root would
	infos   []string
	errs    []error
	nav     []tea.Msg
	confirm *askConfirmMsg
}

func newAPHarness(t *testing.T, page Component) *apHarness {
	t.Helper()
	h := &apHarness{t: t, page: page}
	switch p := page.(type) {
	case *AttentionModel:
		h.c = p.c
	case *PrintQueueModel:
		h.c = p.c
	}
	h.do(page.Init())
	return h
}

func (h *apHarness) do(cmd tea.Cmd) {
	msgs := apRun(cmd)
	if h.c != nil {
		msgs = append(h.c.posted, msgs...)
		h.c.posted = nil
	}
	for _, msg := range msgs {
		switch msg := msg.(type) {
		case InfoMsg:
			h.infos = append(h.infos, msg.Text)
		case ErrorMsg:
			h.errs = append(h.errs, msg.Err)
		case askConfirmMsg:
			h.confirm = &msg
		case OpenDetailMsg, OpenFormMsg, BackMsg:
			h.nav = append(h.nav, msg)
		default:
			h.do(h.page.Update(msg))
		}
	}
}

func (h *apHarness) send(msg tea.Msg) { h.do(h.page.Update(msg)) }

func apKey(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

func (h *apHarness) key(k string) { h.send(apKey(k)) }

// yes answers the pending question with yes, as the root does.
func (h *apHarness) yes() {
	h.t.Helper()
	if h.confirm == nil {
		h.t.Fatal("no question asked")
	}
	run := h.confirm.Run
	h.confirm = nil
	h.do(run)
}

func (h *apHarness) view() string { return h.page.View() }

// selected is the line drawn as selected.
func (h *apHarness) selected() string {
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.HasPrefix(l, "▸") {
			return l
		}
	}
	return ""
}

// selectRow moves the cursor from the top down to the row containing text.
func (h *apHarness) selectRow(text string) {
	h.t.Helper()
	h.key("g")
	for i := 0; i < 500; i++ {
		if strings.Contains(h.selected(), text) {
			return
		}
		h.key("down")
	}
	h.t.Fatalf("no row with %q in\n%s", text, h.view())
}

// apCheckFits fails unless the view has exactly the page's lines, each
// within the width.
func apCheckFits(t *testing.T, c *Common, view string) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != c.Height-3 {
		t.Errorf("%d×%d: view has %d lines, want %d", c.Width, c.Height, len(lines), c.Height-3)
	}
	for i, l := range lines {
		if w := lipgloss.Width(l); w > c.Width {
			t.Errorf("%d×%d: line %d is %d wide: %q", c.Width, c.Height, i, w, l)
		}
	}
}

func newAPCommon(b Backend, w, h int) *Common {
	c := NewCommon(context.Background(), b, Swedish, lipgloss.NewRenderer(io.Discard))
	c.Width, c.Height = w, h
	c.Help.Width = w
	return c
}

// apClock is a clock the test moves.
type apClock struct{ t time.Time }

func (c *apClock) Now() time.Time { return c.t }

// apReceipts is an in-memory receipt source.
type apReceipts struct{ waiting []domain.IncomingReceipt }

func (f *apReceipts) Fetch(context.Context) ([]domain.IncomingReceipt, error) {
	return append([]domain.IncomingReceipt(nil), f.waiting...), nil
}

func (f *apReceipts) remove(h string) {
	for i, r := range f.waiting {
		if r.Handle == h {
			f.waiting = append(f.waiting[:i], f.waiting[i+1:]...)
			return
		}
	}
}

func (f *apReceipts) Done(r domain.IncomingReceipt) error { f.remove(r.Handle); return nil }

func (f *apReceipts) Quarantine(r domain.IncomingReceipt, _ string) error {
	f.remove(r.Handle)
	return nil
}

// apSender delivers everything except the messages of the bookings in fail.
type apSender struct{ fail map[domain.BookingID]bool }

func (s apSender) Send(_ context.Context, m domain.Message) error {
	if s.fail[m.Booking] {
		return errors.New("1177 svarar inte: 503 Service Unavailable")
	}
	return nil
}

// apQuarantine is an in-memory quarantine.
type apQuarantine struct {
	files     []QuarantinedFile
	retried   []string
	discarded map[string]string // name -> why
}

func (q *apQuarantine) Discard(name, why string) error {
	for i, f := range q.files {
		if f.Name == name {
			q.files = append(q.files[:i], q.files[i+1:]...)
			if q.discarded == nil {
				q.discarded = map[string]string{}
			}
			q.discarded[name] = why
			return nil
		}
	}
	return fmt.Errorf("%s: %w", name, domain.ErrNotFound)
}

func (q *apQuarantine) List() ([]QuarantinedFile, error) {
	return append([]QuarantinedFile(nil), q.files...), nil
}

func (q *apQuarantine) Retry(name string) error {
	for i, f := range q.files {
		if f.Name == name {
			q.files = append(q.files[:i], q.files[i+1:]...)
			q.retried = append(q.retried, name)
			return nil
		}
	}
	return fmt.Errorf("%s: %w", name, domain.ErrNotFound)
}

// apPnr is a valid personnummer born on yyyymmdd with serial nnn.
func apPnr(yyyymmdd, nnn string) string {
	digits := yyyymmdd[2:] + nnn
	sum := 0
	for i, r := range digits {
		d := int(r-'0') * (2 - i%2)
		sum += d/10 + d%10
	}
	return fmt.Sprintf("%s-%s%d", yyyymmdd, nnn, (10-sum%10)%10)
}

// apWorld is a store with one of each thing that needs a person.
type apWorld struct {
	svc   *service.Service
	st    *storage.Store
	clock *apClock
	q     *apQuarantine
	// The bookings: Anna asks to rebook, Bo to cancel, Cecilia is to be
	// phoned (a paper-only examination tomorrow), Dan's summons keeps failing.
	anna, bo, cecilia, dan domain.BookingID
}

func newAPWorld(t *testing.T, populate bool) *apWorld {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "k.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := domain.NewCatalogue([]domain.Examination{
		{Code: "ekg24", Name: "Långtids-EKG", Duration: 30 * time.Minute, Digital: true, Stage: 1},
		{Code: "arbetsprov", Name: "Arbetsprov", Duration: 60 * time.Minute, Stage: 2},
	}, []domain.Site{{Code: "ryhov", Name: "Länssjukhuset Ryhov"}})
	if err != nil {
		t.Fatal(err)
	}
	clk := &apClock{t: apNow}
	svc := (&service.Service{Store: st, Clock: clk, Catalogue: cat, Parser: domain.DefaultIdentityParser(),
		Schedule: domain.DefaultSchedule(),
		Clinic:   domain.Clinic{Department: "Klinisk fysiologi", Region: "Region Jönköpings län", HSAID: "SE1"}}).As("anna")
	w := &apWorld{svc: svc, st: st, clock: clk, q: &apQuarantine{}}
	if !populate {
		return w
	}
	ctx := context.Background()
	people := []struct{ pnr, name string }{
		{apPnr("19500101", "123"), "Anna Berg"},
		{apPnr("19600202", "234"), "Bo Ek"},
		{apPnr("19700303", "345"), "Cecilia Dahl"},
		{apPnr("19800404", "456"), "Dan Ek"},
	}
	var rows []service.ImportRow
	for i, p := range people {
		id, err := svc.ParseIdentity(p.pnr)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, service.ImportRow{Line: i + 2, Patient: domain.PatientInput{ID: id, Name: p.name,
			Has1177Account: true, NotificationsEnabled: true}})
	}
	if res, err := svc.ImportPatients(ctx, rows); err != nil || len(res.Rejected) > 0 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	book := func(who int, exam string, at time.Time) domain.BookingID {
		res, err := svc.Book(ctx, service.BookInput{Patient: people[who].pnr, Exam: exam, Site: "ryhov", VisitAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return res.Booking.ID()
	}
	day := func(d, h int) time.Time { return time.Date(2026, 11, 25+d, h, 0, 0, 0, domain.Stockholm) }
	w.anna = book(0, "ekg24", day(8, 9))
	w.bo = book(1, "ekg24", day(9, 9))
	w.cecilia = book(2, "arbetsprov", day(1, 10))
	w.dan = book(3, "ekg24", day(12, 9))

	snd := apSender{fail: map[domain.BookingID]bool{w.dan: true}}
	rs := &apReceipts{}
	loop := service.NewLoop(svc, st, map[domain.MessageKind]domain.Sender{
		domain.MessageInbox: snd, domain.MessageLetter: snd, domain.MessageSMS: snd,
	}, rs)
	tick := func() {
		t.Helper()
		if _, err := loop.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tick() // the summonses go; Dan's fails once; Cecilia's letter cannot arrive in time
	receipt := func(id domain.BookingID, typ domain.ReceiptType) domain.IncomingReceipt {
		b, err := st.Booking(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return domain.IncomingReceipt{Receipt: domain.Receipt{MessageID: b.Status().MessageID, Type: typ, At: apNow.Add(time.Hour)},
			Handle: string(typ)}
	}
	rs.waiting = []domain.IncomingReceipt{receipt(w.anna, domain.ReceiptRebookRequested), receipt(w.bo, domain.ReceiptCancelRequested)}
	for i := 0; i < 2; i++ {
		clk.t = clk.t.Add(2 * time.Hour)
		tick()
	}
	w.q.files = []QuarantinedFile{{Name: "r-okand.json", Reason: "unknown message id"}}
	return w
}

func (w *apWorld) common(width, height int) *Common {
	return newAPCommon(Backend{Service: w.svc, Store: w.st, Quarantine: w.q}, width, height)
}

func TestAttention_ShowsEveryKindInWordsAndSymbols(t *testing.T) {
	w := newAPWorld(t, true)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		c := w.common(size[0], size[1])
		h := newAPHarness(t, NewAttention(c))
		v := h.view()
		for _, want := range []string{
			"Patienter som vill boka om (1)", "↻ vill boka om", "Anna Berg", "ekg24", "tor 12-03 09:00", "sedan " + fmtAge(Swedish, 3*time.Hour),
			"Patienter som vill avboka (1)", "✗ vill avboka", "Bo Ek",
			"Ring patienten (1)", "☎ ring patienten", "Cecilia Dahl", "arbetsprov",
			"Leveranser som misslyckas (1)", "✉ leverans misslyckas (3 försök) — Dan Ek, k4-",
			"Kvitton i karantän (1)", "⚠ karantän: r-okand.json — unknown message id",
		} {
			if !strings.Contains(v, want) {
				t.Errorf("%v: view lacks %q:\n%s", size, want, v)
			}
		}
		if size[0] >= 120 && !strings.Contains(v, "503 Service Unavailable") {
			t.Errorf("the last error is not shown:\n%s", v)
		}
		apCheckFits(t, c, v)
		if sel := h.selected(); !strings.Contains(sel, "Anna Berg") {
			t.Errorf("first row not selected: %q", sel)
		}
		if !strings.Contains(v, "R boka om") || !strings.Contains(v, "C avboka") {
			t.Errorf("hint lacks the rebook row's keys:\n%s", v)
		}
		if len(h.errs) > 0 {
			t.Errorf("errors: %v", h.errs)
		}
	}
}

func TestAttention_PhoneTaskIsMarkedPhonedWithT(t *testing.T) {
	w := newAPWorld(t, true)
	c := w.common(80, 24)
	h := newAPHarness(t, NewAttention(c))
	h.selectRow("Cecilia Dahl")
	if !strings.Contains(h.view(), "T uppringd") {
		t.Errorf("hint lacks T:\n%s", h.view())
	}
	h.key("T")
	if h.confirm == nil || !strings.Contains(h.confirm.Text, fmt.Sprintf("Markera uppringd: Cecilia Dahl, 2026-11-26 10:00, arbetsprov (bokning %d)", w.cecilia)) {
		t.Fatalf("question %+v", h.confirm)
	}
	h.yes()
	if len(h.errs) > 0 || len(h.infos) != 1 {
		t.Fatalf("errors %v, infos %v", h.errs, h.infos)
	}
	items, err := w.st.Attention(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Booking.ID() == w.cecilia {
			t.Fatalf("phone task still open: %+v", it.Reasons)
		}
	}
	// The page read the store again by itself (the root keeps InfoMsg).
	if v := h.view(); strings.Contains(v, "Cecilia Dahl") || strings.Contains(v, "Ring patienten") {
		t.Errorf("phoned task still shown:\n%s", v)
	}
	if sel := h.selected(); sel == "" {
		t.Errorf("no row selected after the row went:\n%s", h.view())
	}
}

func TestAttention_RebookRequestOpensTheFormAndEnterTheDetail(t *testing.T) {
	w := newAPWorld(t, true)
	h := newAPHarness(t, NewAttention(w.common(80, 24)))
	h.selectRow("Anna Berg")
	h.key("R")
	h.key("enter")
	if len(h.nav) != 2 {
		t.Fatalf("navigation %v", h.nav)
	}
	if f, ok := h.nav[0].(OpenFormMsg); !ok || f.Rebook == nil || f.Rebook.ID() != w.anna {
		t.Errorf("R sent %#v", h.nav[0])
	}
	if d, ok := h.nav[1].(OpenDetailMsg); !ok || d.ID != w.anna {
		t.Errorf("enter sent %#v", h.nav[1])
	}
	h.key("esc")
	if _, ok := h.nav[len(h.nav)-1].(BackMsg); !ok {
		t.Errorf("esc sent %#v", h.nav[len(h.nav)-1])
	}
}

func TestAttention_CancelRequestIsCancelledWithC(t *testing.T) {
	w := newAPWorld(t, true)
	h := newAPHarness(t, NewAttention(w.common(80, 24)))
	h.selectRow("Bo Ek")
	h.key("C")
	if h.confirm == nil || !strings.Contains(h.confirm.Text, "Avboka: Bo Ek, ") {
		t.Fatalf("question %+v", h.confirm)
	}
	h.yes()
	b, err := w.st.Booking(context.Background(), w.bo)
	if err != nil || b.State() != domain.StateCancelled {
		t.Fatalf("booking %v, %v", b.State(), err)
	}
	if v := h.view(); strings.Contains(v, "vill avboka") {
		t.Errorf("cancelled request still shown:\n%s", v)
	}
}

func TestAttention_RetriesAFailingDeliveryNow(t *testing.T) {
	w := newAPWorld(t, true)
	ctx := context.Background()
	failing, err := w.st.FailingOutbox(ctx, 3)
	if err != nil || len(failing) != 1 {
		t.Fatalf("failing %v, %v", failing, err)
	}
	id := failing[0].Message.ID
	due, _ := w.st.PendingOutbox(ctx, w.clock.t, 10)
	if len(due) != 0 {
		t.Fatalf("already due: %v", due)
	}
	c := w.common(80, 24)
	h := newAPHarness(t, NewAttention(c))
	h.selectRow("leverans misslyckas")
	if v := h.view(); !strings.Contains(v, "r försök igen nu") || !strings.Contains(v, "P papperskallelse") {
		t.Errorf("hint lacks r and P:\n%s", v)
	}
	h.key("r")
	if len(h.errs) > 0 || len(h.infos) != 1 || !strings.Contains(h.infos[0], id) {
		t.Fatalf("errors %v, infos %v", h.errs, h.infos)
	}
	due, _ = w.st.PendingOutbox(ctx, w.clock.t, 10)
	if len(due) != 1 || due[0].Message.ID != id || due[0].Attempts != 3 {
		t.Fatalf("after retry, due %v", due)
	}
	// Enter opens the booking the message belongs to.
	h.key("enter")
	if d, ok := h.nav[len(h.nav)-1].(OpenDetailMsg); !ok || d.ID != w.dan {
		t.Errorf("enter sent %#v", h.nav)
	}
}

func TestAttention_PutsAQuarantinedFileBack(t *testing.T) {
	w := newAPWorld(t, true)
	w.q.files = append(w.q.files, QuarantinedFile{Name: "r-trasig.json"})
	h := newAPHarness(t, NewAttention(w.common(80, 24)))
	h.selectRow("r-trasig.json")
	if v := h.view(); !strings.Contains(v, "ingen orsak angiven") || !strings.Contains(v, "r lägg tillbaka") {
		t.Errorf("view:\n%s", v)
	}
	h.key("r")
	if len(w.q.retried) != 1 || w.q.retried[0] != "r-trasig.json" || len(h.infos) != 1 {
		t.Fatalf("retried %v, infos %v, errs %v", w.q.retried, h.infos, h.errs)
	}
	if v := h.view(); strings.Contains(v, "r-trasig.json") || !strings.Contains(v, "r-okand.json") {
		t.Errorf("after retry:\n%s", v)
	}
}

func TestAttention_EmptyStateAndReloads(t *testing.T) {
	w := newAPWorld(t, false)
	c := w.common(80, 24)
	h := newAPHarness(t, NewAttention(c))
	v := h.view()
	if !strings.Contains(v, "Inget att hantera just nu.") {
		t.Errorf("empty state:\n%s", v)
	}
	apCheckFits(t, c, v)
	h.key("r") // nothing selected: nothing happens
	h.key("T")
	if h.confirm != nil || len(h.infos)+len(h.errs) > 0 {
		t.Errorf("a key did something on an empty page")
	}
	w.q.files = []QuarantinedFile{{Name: "a.json", Reason: "bad json"}}
	h.send(ChangedMsg{})
	if !strings.Contains(h.view(), "a.json") {
		t.Errorf("ChangedMsg did not reload:\n%s", h.view())
	}
	w.q.files = append(w.q.files, QuarantinedFile{Name: "b.json", Reason: "bad json"})
	h.send(InfoMsg{Text: "klart"})
	if !strings.Contains(h.view(), "b.json") {
		t.Errorf("InfoMsg did not reload:\n%s", h.view())
	}
}

func TestAttention_ScrollsALongList(t *testing.T) {
	w := newAPWorld(t, true)
	for i := 0; i < 60; i++ {
		w.q.files = append(w.q.files, QuarantinedFile{Name: fmt.Sprintf("r-%02d.json", i), Reason: "unknown message id"})
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		c := w.common(size[0], size[1])
		h := newAPHarness(t, NewAttention(c))
		apCheckFits(t, c, h.view())
		if !strings.Contains(h.view(), "Patienter som vill boka om") {
			t.Errorf("%v: top section title not shown:\n%s", size, h.view())
		}
		h.key("G")
		if sel := h.selected(); !strings.Contains(sel, "r-59.json") {
			t.Errorf("%v: last row not on screen: %q\n%s", size, sel, h.view())
		}
		apCheckFits(t, c, h.view())
		if !strings.Contains(h.view(), "65/65") {
			t.Errorf("%v: position not shown:\n%s", size, h.view())
		}
		for i := 0; i < 70; i++ {
			h.key("up")
			if h.selected() == "" {
				t.Fatalf("%v: selection scrolled off at step %d:\n%s", size, i, h.view())
			}
		}
		if !strings.Contains(h.view(), "Patienter som vill boka om") {
			t.Errorf("%v: back at the top, the section title is not shown:\n%s", size, h.view())
		}
	}
}

// A quarantined file can be discarded for good, with a reason kept.
func TestAttention_DiscardsAQuarantinedFileWithAReason(t *testing.T) {
	w := newAPWorld(t, true)
	w.q.files = append(w.q.files, QuarantinedFile{Name: "r-test.json", Reason: "unknown message"})
	h := newAPHarness(t, NewAttention(w.common(80, 24)))
	h.selectRow("r-test.json")
	if v := h.view(); !strings.Contains(v, "d lägg undan") {
		t.Errorf("hint lacks d:\n%s", v)
	}
	h.key("d")
	if h.confirm == nil || h.confirm.WithNote == nil || !strings.Contains(h.confirm.Text, "r-test.json") {
		t.Fatalf("question %+v", h.confirm)
	}
	cmd := h.confirm.WithNote("testfil från integrationsmotorn")
	h.confirm = nil
	h.do(cmd)
	if why, ok := w.q.discarded["r-test.json"]; !ok || why != "testfil från integrationsmotorn" || len(h.infos) != 1 {
		t.Fatalf("discarded %v, infos %v, errs %v", w.q.discarded, h.infos, h.errs)
	}
	if v := h.view(); strings.Contains(v, "r-test.json") {
		t.Errorf("still listed:\n%s", v)
	}
}
