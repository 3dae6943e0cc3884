package inbox1177

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

var testNow = time.Date(2026, 11, 26, 10, 0, 0, 0, domain.Stockholm)

func newTestSpool(t *testing.T) *Spool {
	t.Helper()
	s := New(t.TempDir(), "Kallelse")
	s.Now = func() time.Time { return testNow }
	return s
}

func testMessage() domain.Message {
	return domain.Message{
		ID: "k42-3-inbox", Booking: 42, Kind: domain.MessageInbox, Purpose: domain.PurposeSummons,
		CreatedAt:       time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC),
		SubjectOfCareID: "191212121212", Notify: true,
		Summons: &domain.Summons{
			Department: "Klinisk fysiologi", Region: "Region Jönköpings län",
			CareUnitHSAID: "SE2321000065-KF01", ClinicPhone: "010-242 00 00",
			PatientName: "Tolvan Tolvansson", PatientID: "19121212-1212",
			ExamCode: "ekg24", ExamName: "Långtids-EKG, 1 dygn", Preparation: "Duscha gärna före besöket.",
			VisitAt: time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC), DurationMinutes: 30,
			SiteName: "Länssjukhuset Ryhov", SiteStreet: "Sjukhusgatan", SitePostalCode: "55305", SiteCity: "Jönköping",
			DirectionsURL: "https://example.invalid/ryhov?a=1&b=<2>",
		},
	}
}

func TestSend_WritesOneFileWithTheAddMessageFields(t *testing.T) {
	s := newTestSpool(t)
	m := testMessage()
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(s.Out)
	if err != nil || len(entries) != 1 || entries[0].Name() != "k42-3-inbox.json" {
		t.Fatalf("out folder: %v %v", entries, err)
	}
	path := filepath.Join(s.Out, "k42-3-inbox.json")
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "a=1&b=<2>") {
		t.Errorf("HTML characters escaped: %s", data)
	}
	if !strings.HasPrefix(string(data), "{\n  \"messageId\": ") || !strings.HasSuffix(string(data), "}\n") {
		t.Errorf("not indented by two spaces in field order:\n%s", data)
	}

	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"messageId":                 "k42-3-inbox",
		"subjectOfCareId":           "191212121212",
		"notifySubjectOfCare":       true,
		"sourceSystem":              "Kallelse",
		"directionsUrl":             "https://example.invalid/ryhov?a=1&b=<2>",
		"rebookCancelDeadlineHours": float64(72),
		"createdAt":                 "2026-11-24T08:00:00+01:00",
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %#v, want %#v", k, doc[k], v)
		}
	}
	if len(doc) != len(want)+3 {
		t.Errorf("top-level keys: %v", keys(doc))
	}
	mc := doc["messageCase"].(map[string]any)
	if mc["caseType"] != "KALLELSE" || mc["header"] != "Kallelse till Långtids-EKG, 1 dygn" ||
		mc["body"] != m.Summons.Body() || len(mc) != 4 {
		t.Errorf("messageCase = %v", mc)
	}
	cu := mc["careUnit"].(map[string]any)
	if cu["name"] != "Klinisk fysiologi, Länssjukhuset Ryhov" || cu["hsaId"] != "SE2321000065-KF01" || len(cu) != 2 {
		t.Errorf("careUnit = %v", cu)
	}
	ap := doc["appointment"].(map[string]any)
	if ap["start"] != "2026-12-01T09:30:00+01:00" || ap["durationMinutes"] != float64(30) ||
		ap["examCode"] != "ekg24" || ap["examName"] != "Långtids-EKG, 1 dygn" ||
		ap["preparation"] != "Duscha gärna före besöket." || len(ap) != 6 {
		t.Errorf("appointment = %v", ap)
	}
	site := ap["site"].(map[string]any)
	if site["name"] != "Länssjukhuset Ryhov" || site["street"] != "Sjukhusgatan" ||
		site["postalCode"] != "55305" || site["city"] != "Jönköping" || len(site) != 4 {
		t.Errorf("site = %v", site)
	}
	actions := doc["actions"].([]any)
	if len(actions) != 2 ||
		actions[0].(map[string]any)["type"] != "rebook" || actions[0].(map[string]any)["label"] != "Boka om" ||
		actions[1].(map[string]any)["type"] != "cancel" || actions[1].(map[string]any)["label"] != "Avboka" {
		t.Errorf("actions = %v", actions)
	}

	// Idempotent by id: a second Send, even of a changed message, changes nothing.
	info1, _ := os.Stat(path)
	m.Summons.ExamName = "something else"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(path)
	info2, _ := os.Stat(path)
	entries, _ = os.ReadDir(s.Out)
	if string(again) != string(data) || !info1.ModTime().Equal(info2.ModTime()) || len(entries) != 1 {
		t.Errorf("second Send changed the spool")
	}
	if info2.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info2.Mode().Perm())
	}
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestEncodeMessage_IsDeterministic(t *testing.T) {
	a, err := EncodeMessage(testMessage(), "Kallelse")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, _ := EncodeMessage(testMessage(), "Kallelse")
		if string(a) != string(b) {
			t.Fatalf("output differs:\n%s\n%s", a, b)
		}
	}
}

func TestSend_RefusesWhatIsNotAnInboxSummons(t *testing.T) {
	s := newTestSpool(t)
	sms := domain.Message{ID: "k1-1-sms", Kind: domain.MessageSMS, To: "+46701234567", Text: "x", CreatedAt: testNow}
	if err := s.Send(context.Background(), sms); !errors.Is(err, ErrNotInboxMessage) {
		t.Errorf("sms: %v", err)
	}
	noSummons := testMessage()
	noSummons.Summons = nil
	if err := s.Send(context.Background(), noSummons); !errors.Is(err, ErrNotInboxMessage) {
		t.Errorf("no summons: %v", err)
	}
	for name, mod := range map[string]func(*domain.Message){
		"bad id":        func(m *domain.Message) { m.ID = "../x" },
		"empty id":      func(m *domain.Message) { m.ID = "" },
		"no identity":   func(m *domain.Message) { m.SubjectOfCareID = "" },
		"no HSA-id":     func(m *domain.Message) { m.Summons.CareUnitHSAID = "" },
		"no visit time": func(m *domain.Message) { m.Summons.VisitAt = time.Time{} },
		"no created":    func(m *domain.Message) { m.CreatedAt = time.Time{} },
	} {
		m := testMessage()
		mod(&m)
		if err := s.Send(context.Background(), m); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, testMessage()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	if entries, _ := os.ReadDir(s.Out); len(entries) != 0 {
		t.Errorf("refused messages left files: %v", entries)
	}
}

func writeIn(t *testing.T, s *Spool, name, content string) {
	t.Helper()
	if err := os.MkdirAll(s.In, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.In, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFetch_ReturnsGoodReceiptsInInstantOrderAndQuarantinesBadOnes(t *testing.T) {
	s := newTestSpool(t)
	writeIn(t, s, "b.json", `{"messageId": "k1-1-inbox", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}`)
	writeIn(t, s, "a.json", `{"messageId": "k1-1-inbox", "type": "delivered", "at": "2026-11-25T07:00:00Z",
		"receiptId": "r-1", "resultCode": "OK", "resultText": ""}`)
	// Same instant as b.json, in another zone: ordered by message id.
	writeIn(t, s, "c.json", `{"messageId": "k0-1-inbox", "type": "cancel_requested", "at": "2026-11-26T07:12:00Z"}`+"\n")
	writeIn(t, s, "truncated.json", `{"messageId": "k1-1-inbox", "type": "op`)
	writeIn(t, s, "wrongtype.json", `{"messageId": "k1-1-inbox", "type": "opened", "at": 5}`)
	writeIn(t, s, "unknowntype.json", `{"messageId": "k1-1-inbox", "type": "read", "at": "2026-11-26T08:12:00+01:00"}`)
	writeIn(t, s, "huge.json", `{"messageId": "k1-1-inbox", "type": "opened", "at": "2026-11-26T08:12:00+01:00", "resultText": "`+
		strings.Repeat("x", 1<<20)+`"}`)
	writeIn(t, s, ".hidden.json", `not json at all`)
	writeIn(t, s, "notes.txt", `not a receipt`)
	if err := os.MkdirAll(filepath.Join(s.In, "sub.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeIn(t, s, filepath.Join("sub.json", "d.json"), `{"messageId": "k9-1-inbox", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}`)

	got, quarantined, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if quarantined != 5 { // the tick counts them
		t.Errorf("Fetch says %d quarantined, want the 5 put aside", quarantined)
	}
	var order []string
	for _, r := range got {
		order = append(order, r.Handle+":"+r.MessageID+":"+string(r.Type))
	}
	want := []string{"a.json:k1-1-inbox:delivered", "c.json:k0-1-inbox:cancel_requested", "b.json:k1-1-inbox:opened"}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Fatalf("got %v, want %v", order, want)
	}
	if !got[2].At.Equal(time.Date(2026, 11, 26, 7, 12, 0, 0, time.UTC)) {
		t.Errorf("at = %v", got[2].At)
	}

	reasons := map[string]string{
		"truncated.json":   "truncated JSON",
		"wrongtype.json":   `field "at": expected a string, got number`,
		"unknowntype.json": `field "type": unknown receipt type "read"`,
		"huge.json":        "receipts are at most 65536",
		"sub.json":         "a folder, not a receipt file", // moved whole, d.json unread
	}
	for name, want := range reasons {
		if _, err := os.Stat(filepath.Join(s.In, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still in the inbox folder", name)
		}
		if _, err := os.Stat(filepath.Join(s.QuarantineDir, name)); err != nil {
			t.Errorf("%s not quarantined: %v", name, err)
		}
		note, err := os.ReadFile(filepath.Join(s.QuarantineDir, name+".reason.txt"))
		if err != nil || !strings.Contains(string(note), want) {
			t.Errorf("%s reason %q, want it to name %q", name, note, want)
		}
	}
	if _, err := os.Stat(filepath.Join(s.QuarantineDir, "sub.json", "d.json")); err != nil {
		t.Errorf("the folder's file did not go with it: %v", err)
	}
	for _, name := range []string{".hidden.json", "notes.txt", "a.json", "b.json", "c.json"} {
		if _, err := os.Stat(filepath.Join(s.In, name)); err != nil {
			t.Errorf("%s was touched: %v", name, err)
		}
	}
	entries, _ := os.ReadDir(s.QuarantineDir)
	if len(entries) != 2*len(reasons) {
		t.Errorf("quarantine holds %d entries", len(entries))
	}
}

func TestFetch_EmptyOrMissingFolder(t *testing.T) {
	s := newTestSpool(t)
	got, _, err := s.Fetch(context.Background())
	if err != nil || len(got) != 0 {
		t.Fatalf("missing folder: %v %v", got, err)
	}
}

func TestFetch_CleansStaleTemporaryFiles(t *testing.T) {
	s := newTestSpool(t)
	writeIn(t, s, ".tmp-x.json-123", "half")
	writeIn(t, s, ".tmp-y.json-456", "being written")
	// Temporary files are judged by the wall clock, as their times are.
	old := time.Now().Add(-2 * time.Minute)
	if err := os.Chtimes(filepath.Join(s.In, ".tmp-x.json-123"), old, old); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.In, ".tmp-x.json-123")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file kept")
	}
	if _, err := os.Stat(filepath.Join(s.In, ".tmp-y.json-456")); err != nil {
		t.Errorf("fresh temporary file removed")
	}
}

func TestDoneAndQuarantine(t *testing.T) {
	s := newTestSpool(t)
	for _, typ := range []domain.ReceiptType{domain.ReceiptOpened, domain.ReceiptRebookRequested} {
		if _, err := s.WriteReceipt(domain.Receipt{MessageID: "k7-1-inbox", Type: typ, At: testNow}); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := s.Fetch(context.Background())
	if err != nil || len(got) != 2 {
		t.Fatalf("fetch: %v %v", got, err)
	}
	opened, rebook := got[0], got[1]
	if opened.Type != domain.ReceiptOpened {
		opened, rebook = rebook, opened
	}

	if err := s.Done(opened); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.In, opened.Handle)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Done left the file")
	}
	if err := s.Done(opened); err != nil {
		t.Errorf("second Done: %v", err)
	}

	if err := s.Quarantine(rebook, errors.New("unknown message id k7-1-inbox")); err != nil {
		t.Fatal(err)
	}
	note, err := os.ReadFile(filepath.Join(s.QuarantineDir, rebook.Handle+".reason.txt"))
	if err != nil || !strings.Contains(string(note), "unknown message id k7-1-inbox") {
		t.Errorf("note %q %v", note, err)
	}
	if _, err := os.Stat(filepath.Join(s.QuarantineDir, rebook.Handle)); err != nil {
		t.Errorf("not moved: %v", err)
	}
	if err := s.Quarantine(rebook, errors.New("again")); err != nil {
		t.Errorf("second Quarantine: %v", err)
	}
	if err := s.Quarantine(domain.IncomingReceipt{Handle: "never-there.json"}, errors.New("x")); err == nil {
		t.Errorf("quarantining a missing file succeeded")
	}
	if got, _, _ := s.Fetch(context.Background()); len(got) != 0 {
		t.Errorf("left in inbox: %v", got)
	}

	for _, h := range []string{"", "../x.json", "a/b.json", ".tmp-x", ".."} {
		if err := s.Done(domain.IncomingReceipt{Handle: h}); err == nil {
			t.Errorf("Done(%q) accepted", h)
		}
		if err := s.Quarantine(domain.IncomingReceipt{Handle: h}, errors.New("x")); err == nil {
			t.Errorf("Quarantine(%q) accepted", h)
		}
	}
}

func TestWriteReceipt_RoundTripsThroughFetch(t *testing.T) {
	s := newTestSpool(t)
	at := time.Date(2026, 11, 26, 8, 12, 0, 123456789, domain.Stockholm)
	want := []domain.Receipt{
		{MessageID: "k42-3-inbox", Type: domain.ReceiptDelivered, At: at.Add(-time.Hour)},
		{MessageID: "k42-3-inbox", Type: domain.ReceiptOpened, At: at},
		{MessageID: "k42-3-inbox", Type: domain.ReceiptCancelRequested, At: at.Add(time.Hour)},
	}
	for i := len(want) - 1; i >= 0; i-- {
		path, err := s.WriteReceipt(want[i])
		if err != nil {
			t.Fatal(err)
		}
		wantName := want[i].MessageID + "." + string(want[i].Type) + "." + itoa(want[i].At.UnixNano()) + ".json"
		if path != filepath.Join(s.In, wantName) {
			t.Errorf("path %s, want %s", path, wantName)
		}
		// The same receipt twice: one file.
		if again, err := s.WriteReceipt(want[i]); err != nil || again != path {
			t.Errorf("second write: %s %v", again, err)
		}
	}
	got, _, err := s.Fetch(context.Background())
	if err != nil || len(got) != len(want) {
		t.Fatalf("fetch: %v %v", got, err)
	}
	for i := range want {
		if got[i].MessageID != want[i].MessageID || got[i].Type != want[i].Type || !got[i].At.Equal(want[i].At) {
			t.Errorf("receipt %d = %+v, want %+v", i, got[i].Receipt, want[i])
		}
	}
	if _, err := s.WriteReceipt(domain.Receipt{MessageID: "x", Type: "read", At: at}); err == nil {
		t.Errorf("unknown type written")
	}
	if _, err := s.WriteReceipt(domain.Receipt{MessageID: "x", Type: domain.ReceiptOpened}); err == nil {
		t.Errorf("zero time written")
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestQuarantinedAndRequeue(t *testing.T) {
	s := New(t.TempDir(), "Kallelse")
	os.MkdirAll(s.In, 0o700)
	os.WriteFile(filepath.Join(s.In, "bad.json"), []byte(`{"messageId":`), 0o600)
	if _, _, err := s.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	q, err := s.Quarantined()
	if err != nil || len(q) != 1 || q[0].Name != "bad.json" || q[0].Reason == "" {
		t.Fatalf("quarantined %+v, %v", q, err)
	}
	// Still unreadable: it stays where it is, and says why.
	err = s.Requeue("bad.json")
	var p *domain.ReceiptProblem
	if !errors.Is(err, domain.ErrStillUnreadable) || !errors.As(err, &p) || p.Code != domain.ReceiptTruncated {
		t.Fatalf("put back unreadable: %v", err)
	}
	if q, _ := s.Quarantined(); len(q) != 1 || q[0].Reason == "" {
		t.Fatalf("the file or its note left the quarantine: %+v", q)
	}
	if _, err := os.Stat(filepath.Join(s.In, "bad.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("in the inbox again: %v", err)
	}
	// Mended (the engine's people wrote it whole), it goes back.
	os.WriteFile(filepath.Join(s.QuarantineDir, "bad.json"), []byte(`{"messageId": "k1-2-inbox", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}`), 0o600)
	if err := s.Requeue("bad.json"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.In, "bad.json")); err != nil {
		t.Fatal("not back in the inbox")
	}
	if q, _ := s.Quarantined(); len(q) != 0 {
		t.Fatalf("still quarantined: %+v", q)
	}
	if err := s.Requeue("../etc"); err == nil {
		t.Fatal("a path was accepted")
	}
}

func TestDiscard_KeepsTheFileAndWhyOutOfTheList(t *testing.T) {
	s := New(t.TempDir(), "Kallelse")
	os.MkdirAll(s.In, 0o700)
	os.WriteFile(filepath.Join(s.In, "bad.json"), []byte(`{"messageId":`), 0o600)
	if _, _, err := s.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 29, 9, 0, 0, 0, domain.Stockholm)
	if err := s.Discard("bad.json", "testfil", "anna", at); err != nil {
		t.Fatal(err)
	}
	if q, _ := s.Quarantined(); len(q) != 0 {
		t.Fatalf("still listed: %+v", q)
	}
	kept := filepath.Join(s.QuarantineDir, DiscardedDir)
	data, err := os.ReadFile(filepath.Join(kept, "bad.json"))
	if err != nil || string(data) != `{"messageId":` {
		t.Fatalf("the file was not kept: %q %v", data, err)
	}
	note, err := os.ReadFile(filepath.Join(kept, "bad.json.discarded.txt"))
	if err != nil || !strings.Contains(string(note), "by anna") || !strings.Contains(string(note), "testfil") || !strings.Contains(string(note), "2026-11-29T09:00:00+01:00") {
		t.Fatalf("note %q %v", note, err)
	}
	if _, err := os.Stat(filepath.Join(kept, "bad.json.reason.txt")); err != nil {
		t.Fatalf("the quarantine's reason was not kept: %v", err)
	}
	if err := s.Discard("gone.json", "", "anna", at); err == nil {
		t.Fatal("a file not in quarantine was discarded")
	}
	if err := s.Discard("../x", "", "anna", at); err == nil {
		t.Fatal("a path was accepted")
	}
}

func TestEncodeMessage_ACancellationNoticeHasNoButtons(t *testing.T) {
	m := testMessage()
	m.Purpose = domain.PurposeCancellation
	m.Summons.Notice = domain.NoticeCancelled
	b, err := EncodeMessage(m, "Kallelse")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["notice"] != "cancelled" || len(doc["actions"].([]any)) != 0 {
		t.Fatalf("notice %v, actions %v", doc["notice"], doc["actions"])
	}
	mc := doc["messageCase"].(map[string]any)
	if !strings.HasPrefix(mc["header"].(string), "Avbokad tid:") || !strings.Contains(mc["body"].(string), "är avbokad") {
		t.Fatalf("case %v", mc)
	}
	// The summons itself keeps its buttons.
	b, _ = EncodeMessage(testMessage(), "Kallelse")
	if !strings.Contains(string(b), `"type": "cancel"`) || strings.Contains(string(b), `"notice"`) {
		t.Fatalf("summons: %s", b)
	}
}

// The quarantine lists each file with its problem by code, read back from
// its note, whether Fetch set the file aside or the loop did; the note's
// first line stays the English reason. A note written before notes named
// the problem lists the reason alone.
func TestQuarantined_NamesTheProblemByItsCode(t *testing.T) {
	s := newTestSpool(t)
	writeIn(t, s, "extra.json", `{"messageId": "k1-1-inbox", "type": "opened", "at": "2026-11-26T08:12:00+01:00", "extra": 1}`)
	writeIn(t, s, "unknown.json", `{"messageId": "k546-1-inbox", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}`)
	got, _, err := s.Fetch(context.Background())
	if err != nil || len(got) != 1 {
		t.Fatalf("fetch: %v %v", got, err)
	}
	loops := &domain.ReceiptProblem{Reason: `unknown message id "k546-1-inbox"`, Code: domain.ReceiptUnknownMessage, Args: []string{`"k546-1-inbox"`}}
	if err := s.Quarantine(got[0], fmt.Errorf("apply: %w", loops)); err != nil {
		t.Fatal(err)
	}
	writeIn(t, s, "old.json", `{}`)
	if err := os.Rename(filepath.Join(s.In, "old.json"), filepath.Join(s.QuarantineDir, "old.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.QuarantineDir, "old.json.reason.txt"), []byte("unknown field \"x\"\nquarantined 2026-11-20T10:00:00+01:00 from in/old.json\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	q, err := s.Quarantined()
	if err != nil || len(q) != 3 {
		t.Fatalf("quarantined %+v, %v", q, err)
	}
	byName := map[string]QuarantineEntry{}
	for _, e := range q {
		byName[e.Name] = e
	}
	for name, want := range map[string]domain.ReceiptProblem{
		"extra.json":   {Reason: `unknown field "extra"`, Code: domain.ReceiptUnknownField, Args: []string{`"extra"`}},
		"unknown.json": {Reason: `apply: unknown message id "k546-1-inbox"`, Code: domain.ReceiptUnknownMessage, Args: []string{`"k546-1-inbox"`}},
	} {
		e := byName[name]
		if e.Reason != want.Reason || e.Problem == nil || e.Problem.Code != want.Code || !slices.Equal(e.Problem.Args, want.Args) || e.Problem.Reason != want.Reason {
			t.Errorf("%s: %q %+v, want %+v", name, e.Reason, e.Problem, want)
		}
	}
	if p := byName["unknown.json"].Problem; p == nil || !errors.Is(p, domain.ErrUnknownMessage) {
		t.Errorf("the loop's problem read back is not an unknown message: %+v", p)
	}
	if e := byName["old.json"]; e.Reason != `unknown field "x"` || e.Problem != nil {
		t.Errorf("an old note: %+v", e)
	}
}
