package letters

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/kallelse/kallelse/domain"
)

// created is 2026-11-25T23:30Z, which is already 26 November in Stockholm.
var created = time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC)

const day = "2026-11-26"

func testLetter(id string) domain.Message {
	return domain.Message{
		ID: id, Booking: 42, Kind: domain.MessageLetter, Purpose: domain.PurposeFallback,
		Reasons: []domain.Reason{"no_1177_account"}, CreatedAt: created, SubjectOfCareID: "191212121212",
		Summons: &domain.Summons{
			Department: "Klinisk fysiologi", Region: "Region Jönköpings län", CareUnitHSAID: "SE2321000057-1234",
			ClinicPhone: "010-242 12 34", PatientName: "Åsa Öberg", PatientID: "19121212-1212",
			Address:  domain.Address{Street: "Storgatan 12", PostalCode: "55318", City: "Jönköping"},
			ExamCode: "ARB", ExamName: "arbetsprov",
			Preparation: "Ät en lätt måltid senast två timmar före undersökningen. Ta med träningskläder och " +
				"skor som du kan cykla i. Ta dina vanliga mediciner om inte din läkare har sagt något annat. " +
				"Undvik kaffe, te och tobak samma dag.",
			VisitAt:         time.Date(2026, 12, 3, 8, 15, 0, 0, domain.Stockholm),
			DurationMinutes: 60,
			SiteName:        "Länssjukhuset Ryhov", SiteStreet: "Sjukhusgatan", SitePostalCode: "55305", SiteCity: "Jönköping",
			DirectionsURL: "https://www.rjl.se/hitta-hit/ryhov",
		},
	}
}

func testPrinter(t *testing.T) *Printer {
	t.Helper()
	p := New(t.TempDir())
	p.Uncompressed = true
	p.Clock = func() time.Time { return time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC) }
	return p
}

// cp1252 encodes a needle the way the page stream holds it.
var cp1252 = fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")

var pageRE = regexp.MustCompile(`/Type /Page[^s]`)

func TestSend_WritesPDFAndSidecarInStockholmDayFolder(t *testing.T) {
	p := testPrinter(t)
	m := testLetter("m1")
	if err := p.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(p.Dir, day)
	for _, name := range []string{"m1.pdf", "m1.json"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	pdf, _ := os.ReadFile(filepath.Join(dir, "m1.pdf"))
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("pdf starts %q", pdf[:min(8, len(pdf))])
	}
	var back domain.Message
	js, _ := os.ReadFile(filepath.Join(dir, "m1.json"))
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != "m1" || back.Purpose != domain.PurposeFallback || back.Summons.PatientName != "Åsa Öberg" {
		t.Errorf("sidecar holds %+v", back)
	}
}

func TestSend_IdempotentByMessageID(t *testing.T) {
	p := testPrinter(t)
	m := testLetter("m1")
	if err := p.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	pdfPath := filepath.Join(p.Dir, day, "m1.pdf")
	before, _ := os.ReadFile(pdfPath)
	fi1, _ := os.Stat(pdfPath)
	time.Sleep(20 * time.Millisecond)
	m.Summons.PatientName = "Someone Else" // a different body under the same id must not replace the letter
	if err := p.Send(context.Background(), m); err != nil {
		t.Fatalf("second send: %v", err)
	}
	after, _ := os.ReadFile(pdfPath)
	fi2, _ := os.Stat(pdfPath)
	if !bytes.Equal(before, after) || !fi1.ModTime().Equal(fi2.ModTime()) {
		t.Error("second send changed the letter")
	}
	entries, _ := os.ReadDir(filepath.Join(p.Dir, day))
	if len(entries) != 2 {
		t.Errorf("day folder has %d entries, want 2", len(entries))
	}
}

func TestSend_CompletesPDFAfterCrashBetweenSidecarAndPDF(t *testing.T) {
	p := testPrinter(t)
	if err := p.Send(context.Background(), testLetter("m1")); err != nil {
		t.Fatal(err)
	}
	pdfPath := filepath.Join(p.Dir, day, "m1.pdf")
	if err := os.Remove(pdfPath); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(context.Background(), testLetter("m1")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pdfPath); err != nil {
		t.Errorf("pdf not rewritten: %v", err)
	}
}

func TestSend_RefusesWhatIsNotAPrintableLetter(t *testing.T) {
	noSummons := testLetter("m1")
	noSummons.Summons = nil
	sms := testLetter("m1")
	sms.Kind = domain.MessageSMS
	cases := []struct {
		name string
		m    domain.Message
		is   error
	}{
		{"wrong kind", sms, ErrNotALetter},
		{"nil summons", noSummons, ErrNotALetter},
		{"path in id", testLetter("../m1"), nil},
		{"dot id", testLetter(".m1"), nil},
		{"empty id", testLetter(""), nil},
		{"batch id", testLetter("batch-2026-11-26"), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testPrinter(t)
			err := p.Send(context.Background(), c.m)
			if err == nil {
				t.Fatal("no error")
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
			if entries, _ := os.ReadDir(p.Dir); len(entries) != 0 {
				t.Errorf("wrote %d entries", len(entries))
			}
		})
	}
}

func TestRender_PrintsTheSummonsButNotWhyItIsPaper(t *testing.T) {
	p := testPrinter(t)
	m := testLetter("m1")
	m.Summons.Rebooked = true
	pdf, err := p.render(m)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Åsa Öberg", "Storgatan 12", "553 18 Jönköping", "19121212-1212", "26 november 2026",
		"Kallelse till arbetsprov", "Din tid har ändrats.", "torsdag 3 december 2026 klockan 08:15",
		"Länssjukhuset Ryhov, Sjukhusgatan, 553 05 Jönköping", "Besöket tar cirka 60 minuter.",
		"Förberedelser", "https://www.rjl.se/hitta-hit/ryhov", "Frågor: ring 010-242 12 34", "Välkommen!",
		"Region Jönköpings län", "senast 72 timmar",
	}
	for _, w := range want {
		if !bytes.Contains(pdf, []byte(cp1252(w))) {
			t.Errorf("page does not contain %q", w)
		}
	}
	for _, bad := range []string{"fallback", "no_1177_account", "SE2321000057"} {
		if bytes.Contains(pdf, []byte(bad)) {
			t.Errorf("page contains %q", bad)
		}
	}
}

func TestRender_ProtectedIdentityHasNoAddress(t *testing.T) {
	p := testPrinter(t)
	m := testLetter("m1")
	m.Summons.Address = domain.Address{}
	pdf, err := p.render(m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(pdf, []byte(cp1252("Adress saknas – lämnas till expeditionen"))) {
		t.Error("no 'Adress saknas' line")
	}
}

func TestRender_LongLetterNamesItsPatientOnEveryPage(t *testing.T) {
	p := testPrinter(t)
	m := testLetter("m1")
	m.Summons.Preparation = strings.Repeat("Detta är en mycket lång förberedelsetext. ", 60)
	pdf, err := p.render(m)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pageRE.FindAll(pdf, -1)); n != 2 {
		t.Fatalf("%d pages, want 2", n)
	}
	if !bytes.Contains(pdf, []byte(cp1252("Åsa Öberg, 19121212-1212 – Kallelse till arbetsprov, sida 2"))) {
		t.Error("second page does not say whose letter it is")
	}
}

func TestRender_SameMessageSameBytes(t *testing.T) {
	for _, compressed := range []bool{true, false} {
		p := testPrinter(t)
		p.Uncompressed = !compressed
		a, err := p.render(testLetter("m1"))
		if err != nil {
			t.Fatal(err)
		}
		// The sidecar's round trip changes the time's location, not the instant.
		m := testLetter("m1")
		m.CreatedAt = m.CreatedAt.In(domain.Stockholm)
		b, err := p.render(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("compressed=%v: two renders differ", compressed)
		}
		if n := len(pageRE.FindAll(a, -1)); n != 1 {
			t.Errorf("compressed=%v: %d pages, want 1", compressed, n)
		}
	}
}

func TestBatch_HoldsTheLettersStillToPrintAndMarksThem(t *testing.T) {
	p := testPrinter(t)
	ctx := context.Background()
	for _, id := range []string{"m3", "m1", "m2"} {
		if err := p.Send(ctx, testLetter(id)); err != nil {
			t.Fatal(err)
		}
	}
	d := time.Date(2026, 11, 26, 0, 0, 0, 0, domain.Stockholm)
	path, ids, err := p.Batch(d, false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, ",") != "m1,m2,m3" || path != filepath.Join(p.Dir, day, "batch-"+day+".pdf") {
		t.Fatalf("Batch = %s, %v", path, ids)
	}
	data, _ := os.ReadFile(path)
	if pages := len(pageRE.FindAll(data, -1)); pages != 3 {
		t.Errorf("batch has %d pages, want 3", pages)
	}
	// The letters in a batch are printed; the batch file is no letter.
	ls, _ := p.Pending(d)
	if len(ls) != 3 || !ls[0].Printed || !ls[2].Printed {
		t.Fatalf("after the batch: %+v", ls)
	}

	// The next batch holds only what came since; a reprint holds all.
	if err := p.Send(ctx, testLetter("m4")); err != nil {
		t.Fatal(err)
	}
	second, ids, err := p.Batch(d, false)
	data, _ = os.ReadFile(second)
	if pages := len(pageRE.FindAll(data, -1)); err != nil || strings.Join(ids, ",") != "m4" || pages != 1 ||
		second != filepath.Join(p.Dir, day, "batch-"+day+"-2.pdf") {
		t.Errorf("second batch %s: %v %v pages=%d", second, ids, err, pages)
	}
	// The first batch file is still there, whole: it may still be printing.
	data, _ = os.ReadFile(path)
	if pages := len(pageRE.FindAll(data, -1)); pages != 3 {
		t.Errorf("the first batch was overwritten: %d pages", pages)
	}
	if _, _, err := p.Batch(d, false); !errors.Is(err, ErrNoLetters) {
		t.Errorf("a batch with nothing left to print: %v", err)
	}
	path, ids, err = p.Batch(d, true)
	data, _ = os.ReadFile(path)
	if pages := len(pageRE.FindAll(data, -1)); err != nil || len(ids) != 4 || pages != 4 || !strings.HasSuffix(path, "-3.pdf") {
		t.Errorf("reprint %s: %v %v pages=%d", path, ids, err, pages)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("batch mode %v", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Join(p.Dir, day))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left", e.Name())
		}
	}
}

func TestBatch_EmptyDayIsAnError(t *testing.T) {
	p := testPrinter(t)
	_, _, err := p.Batch(created.AddDate(0, 0, 5), false)
	if !errors.Is(err, ErrNoLetters) {
		t.Errorf("err = %v, want ErrNoLetters", err)
	}
}

func TestBatch_UnreadableSidecarIsNamed(t *testing.T) {
	p := testPrinter(t)
	if err := p.Send(context.Background(), testLetter("m1")); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(p.Dir, day, "m2.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Batch(created, false); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Batch err = %v, want one naming %s", err, bad)
	}
	if _, err := p.Pending(created); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Pending err = %v, want one naming %s", err, bad)
	}
}

func TestPendingAndMarkPrinted_RoundTrip(t *testing.T) {
	p := testPrinter(t)
	ctx := context.Background()
	for _, id := range []string{"m2", "m1"} {
		if err := p.Send(ctx, testLetter(id)); err != nil {
			t.Fatal(err)
		}
	}
	ls, err := p.Pending(created)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].MessageID != "m1" || ls[1].MessageID != "m2" {
		t.Fatalf("Pending = %+v", ls)
	}
	l := ls[0]
	if l.Day != day || l.Printed || l.PatientName != "Åsa Öberg" || l.Purpose != domain.PurposeFallback ||
		!l.VisitAt.Equal(testLetter("x").Summons.VisitAt) || l.PDF != filepath.Join(p.Dir, day, "m1.pdf") ||
		l.JSON != filepath.Join(p.Dir, day, "m1.json") {
		t.Errorf("letter = %+v", l)
	}

	if ids, err := p.MarkPrinted(created); err != nil || len(ids) != 2 {
		t.Fatalf("MarkPrinted = %v, %v", ids, err)
	}
	if err := p.Send(ctx, testLetter("m3")); err != nil {
		t.Fatal(err)
	}
	ls, _ = p.Pending(created)
	got := map[string]bool{}
	for _, l := range ls {
		got[l.MessageID] = l.Printed
	}
	if len(got) != 3 || !got["m1"] || !got["m2"] || got["m3"] {
		t.Errorf("printed = %v", got)
	}
	if ids, err := p.MarkPrinted(created); err != nil || len(ids) != 1 || ids[0] != "m3" {
		t.Errorf("second MarkPrinted = %v, %v, want [m3]", ids, err)
	}
	if ids, err := p.MarkPrinted(created.AddDate(0, 0, 3)); err != nil || len(ids) != 0 {
		t.Errorf("MarkPrinted of empty day = %v, %v", ids, err)
	}
	if ls, err := p.Pending(created.AddDate(0, 0, 3)); err != nil || len(ls) != 0 {
		t.Errorf("Pending of empty day = %v, %v", ls, err)
	}
}

// TestSample writes a sample letter for a person to look at:
// LETTERS_SAMPLE=/tmp/letter-sample.pdf go test -run TestSample ./adapters/letters/
func TestSample(t *testing.T) {
	out := os.Getenv("LETTERS_SAMPLE")
	if out == "" {
		t.Skip("set LETTERS_SAMPLE to a path to write a sample letter")
	}
	m := testLetter("sample")
	m.Summons.Rebooked = true
	data, err := New("").render(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRender_NamesTheNumbersKindTheInterpreterAndTheVoidTime(t *testing.T) {
	p := testPrinter(t)
	m := testLetter("m1")
	prev := time.Date(2026, 12, 1, 9, 30, 0, 0, domain.Stockholm)
	m.Summons.PatientIDKind, m.Summons.Interpreter, m.Summons.PreviousVisitAt = "samordningsnummer", "arabiska", &prev
	m.Summons.Rebooked = true
	pdf, err := p.render(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Samordningsnummer", "Vi har bokat tolk på arabiska till ditt besök.",
		"Din tid har flyttats.", "tisdag 1 december 2026 klockan 09:30", "gäller inte"} {
		if !bytes.Contains(pdf, []byte(cp1252(w))) {
			t.Errorf("page does not contain %q", w)
		}
	}
	if bytes.Contains(pdf, []byte("Personnummer")) {
		t.Error("a samordningsnummer is called personnummer")
	}
	m.Summons.PatientIDKind = "reservnummer"
	pdf, _ = p.render(m)
	if !bytes.Contains(pdf, []byte("Reservnummer")) {
		t.Error("a reservnummer is not named so")
	}
}

func TestRender_ACancellationNoticeSaysTheTimeIsVoid(t *testing.T) {
	p := testPrinter(t)
	m := testLetter("m1")
	m.Purpose, m.Summons.Notice = domain.PurposeCancellation, domain.NoticeCancelled
	pdf, err := p.render(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Din tid är avbokad", "torsdag 3 december 2026 klockan 08:15", "Åsa Öberg"} {
		if !bytes.Contains(pdf, []byte(cp1252(w))) {
			t.Errorf("notice lacks %q", w)
		}
	}
	if bytes.Contains(pdf, []byte(cp1252("Förberedelser"))) {
		t.Error("a cancellation notice with preparations")
	}
}
