package inbox1177

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// receiptSeeds are the fuzz seeds; the same inputs are kept as files in
// testdata/fuzz/FuzzParseReceipt so that plain `go test` runs them too.
var receiptSeeds = []string{
	`{"messageId": "k42-3-summons", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}`,
	`{"messageId": "k42-3-summons", "type": "delivered", "at": "2026-11-26T07:12:00.5Z", "receiptId": "r1", "resultCode": "OK", "resultText": "Meddelandet levererat"}`,
	"\xef\xbb\xbf" + `{"messageId":"k1-1-inbox","type":"cancel_requested","at":"2026-11-26T08:12:00-05:00"}` + "\n",
	`{"messageId": "k42-3-summons", "type": "op`,
	`{"messageId": "k42-3-summons", "type": "opened", "at": 5}`,
	`{"messageId": 42, "type": "opened", "at": "2026-11-26T08:12:00+01:00"}`,
	`{"messageId": "k42-3-summons", "type": "read", "at": "2026-11-26T08:12:00+01:00"}`,
	`{"messageId": "k42-3-summons", "type": "opened", "at": "2026-11-26T08:12:00+01:00", "extra": 1}`,
	`{"messageId": "k42-3-summons", "type": "opened", "at": "2026-11-26T08:12:00+01:00", "MessageId": "x"}`,
	`{"messageId": "k42-3-summons", "type": "opened", "type": "delivered", "at": "2026-11-26T08:12:00+01:00"}`,
	`{"messageId": "` + strings.Repeat("k", 200) + `", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}`,
	`{"messageId": "../../etc/passwd", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}`,
	`{"messageId": "k42-3-summons", "type": "opened", "at": "2026-11-26 08:12"}`,
	`{"messageId": "k42-3-summons", "type": "opened", "at": "2026-11-26T08:12:00"}`,
	`{"messageId": "k42-3-summons", "type": "opened", "at": "0001-01-01T00:00:00Z"}`,
	`{"messageId": "k42-3-summons", "type": "opened", "at": null}`,
	`{}`,
	`null`,
	`[]`,
	`[{"messageId": "k42-3-summons", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}]`,
	`"opened"`,
	`{"messageId": "k42-3-summons", "type": "opened", "at": "2026-11-26T08:12:00+01:00"} garbage`,
	`{"messageId": "k42-3-summons", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}{}`,
	"",
	"   \n",
	"{\"messageId\": \"k42\xff\", \"type\": \"opened\", \"at\": \"2026-11-26T08:12:00+01:00\"}",
}

func TestParseReceipt(t *testing.T) {
	at := time.Date(2026, 11, 26, 7, 12, 0, 0, time.UTC)
	ok := []struct {
		in   string
		want domain.Receipt
	}{
		{receiptSeeds[0], domain.Receipt{MessageID: "k42-3-summons", Type: domain.ReceiptOpened, At: at}},
		{receiptSeeds[1], domain.Receipt{MessageID: "k42-3-summons", Type: domain.ReceiptDelivered, At: at.Add(500 * time.Millisecond)}},
		{receiptSeeds[2], domain.Receipt{MessageID: "k1-1-inbox", Type: domain.ReceiptCancelRequested, At: at.Add(6 * time.Hour)}},
	}
	for _, c := range ok {
		got, err := ParseReceipt([]byte(c.in))
		if err != nil {
			t.Errorf("ParseReceipt(%q): %v", c.in, err)
			continue
		}
		if got.MessageID != c.want.MessageID || got.Type != c.want.Type || !got.At.Equal(c.want.At) {
			t.Errorf("ParseReceipt(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}

	bad := map[string]string{
		receiptSeeds[3]:  "truncated JSON: unexpected end of JSON input",
		receiptSeeds[4]:  `field "at": expected a string, got number`,
		receiptSeeds[5]:  `field "messageId": expected a string, got number`,
		receiptSeeds[6]:  `field "type": unknown receipt type "read"`,
		receiptSeeds[7]:  `unknown field "extra"`,
		receiptSeeds[8]:  `unknown field "MessageId" (field names are case-sensitive)`,
		receiptSeeds[9]:  `field "type" given twice`,
		receiptSeeds[10]: `field "messageId": 200 characters; at most 128`,
		receiptSeeds[11]: `field "messageId": "../../etc/passwd" must start with a letter or digit`,
		receiptSeeds[12]: `is not an RFC 3339 time with offset`,
		receiptSeeds[13]: `is not an RFC 3339 time with offset`,
		receiptSeeds[14]: `field "at": "0001-01-01T00:00:00Z" is the zero time`,
		receiptSeeds[15]: `field "at": missing, null or empty`,
		receiptSeeds[16]: `field "messageId": missing, null or empty`,
		receiptSeeds[17]: "expected a JSON object, got null",
		receiptSeeds[18]: "expected a JSON object, got an array",
		receiptSeeds[19]: "expected a JSON object, got an array",
		receiptSeeds[20]: "expected a JSON object, got a string",
		receiptSeeds[21]: "trailing data after the receipt object",
		receiptSeeds[22]: "trailing data after the receipt object",
		receiptSeeds[23]: "empty file",
		receiptSeeds[24]: "empty file",
		receiptSeeds[25]: "not valid UTF-8",
		`{"messageId": "k1 1", "type": "opened", "at": "2026-11-26T08:12:00Z"}`:                `contains ' '`,
		`{"messageId": "k1", "type": "opened", "at": "2026-11-26T08:12:00Z",}`:                 "invalid JSON at byte",
		`{"messageId": "k1", "type": "opened", "at": "2026-11-26T08:12:00Z"`:                   "truncated JSON",
		`{"messageId": "k1", "type": ["opened"], "at": "2026-11-26T08:12:00Z"}`:                `field "type": expected a string, got array`,
		`{"messageId": "k1", "type": "opened", "at": "2026-11-26T08:12:00+25:00"}`:             `field "at"`,
		`{"messageId": "k1", "type": "opened", "at": "2026-02-30T08:12:00Z"}`:                  `field "at"`,
		`{"messageId": "k1", "type": "opened", "at": "2026-11-26T08:12:00Z", "resultCode": 0}`: `field "resultCode": expected a string`,
	}
	for in, want := range bad {
		_, err := ParseReceipt([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseReceipt(%q) error %v, want it to say %q", in, err, want)
		}
	}
}

func TestEncodeReceipt_Format(t *testing.T) {
	r := domain.Receipt{MessageID: "k42-3-summons", Type: domain.ReceiptOpened,
		At: time.Date(2026, 11, 26, 8, 12, 0, 0, domain.Stockholm)}
	data, err := EncodeReceipt(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"messageId":"k42-3-summons","type":"opened","at":"2026-11-26T08:12:00+01:00"}` + "\n"
	if string(data) != want {
		t.Errorf("got %s want %s", data, want)
	}
}

// FuzzParseReceipt: the parser never panics, and what it accepts is a valid
// receipt that survives being written and read again unchanged.
func FuzzParseReceipt(f *testing.F) {
	for _, s := range receiptSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReceipt(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if _, err := domain.ParseReceiptType(string(r.Type)); err != nil {
			t.Fatalf("accepted type %q", r.Type)
		}
		if r.MessageID == "" || len(r.MessageID) > MaxMessageIDLength {
			t.Fatalf("accepted message id %q", r.MessageID)
		}
		if r.At.IsZero() {
			t.Fatal("accepted the zero time")
		}
		enc, err := EncodeReceipt(r)
		if err != nil {
			t.Fatalf("cannot re-encode %+v: %v", r, err)
		}
		again, err := ParseReceipt(enc)
		if err != nil {
			t.Fatalf("re-encoded %s does not parse: %v", enc, err)
		}
		_, off1 := r.At.Zone()
		_, off2 := again.At.Zone()
		if again.MessageID != r.MessageID || again.Type != r.Type || !again.At.Equal(r.At) || off1 != off2 {
			t.Fatalf("round trip changed %+v into %+v", r, again)
		}
	})
}

func TestWaiting_SeesAReceiptFileOnly(t *testing.T) {
	s := New(t.TempDir(), "Kallelse")
	if w, err := s.Waiting(); err != nil || w {
		t.Fatalf("no folder: %v %v", w, err)
	}
	if err := os.MkdirAll(s.In, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".tmp-1.json", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(s.In, name), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if w, err := s.Waiting(); err != nil || w {
		t.Fatalf("only a temporary file and a note: %v %v", w, err)
	}
	if err := os.WriteFile(filepath.Join(s.In, "r1.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if w, err := s.Waiting(); err != nil || !w {
		t.Fatalf("a receipt: %v %v", w, err)
	}
}

// Each reason a receipt is refused for names its problem by a code, with
// the facts that say where (the field's name, the offset), for a screen to
// say in the staff's language; the English text is the note's, as before.
func TestParseReceipt_NamesTheProblemByItsCode(t *testing.T) {
	for _, c := range []struct {
		in, code string
		args     []string
	}{
		{receiptSeeds[3], domain.ReceiptTruncated, nil},
		{receiptSeeds[4], domain.ReceiptNotString, []string{`"at"`, "number"}},
		{receiptSeeds[5], domain.ReceiptNotString, []string{`"messageId"`, "number"}},
		{receiptSeeds[6], domain.ReceiptUnknownType, []string{`"read"`}},
		{receiptSeeds[7], domain.ReceiptUnknownField, []string{`"extra"`}},
		{receiptSeeds[8], domain.ReceiptFieldCase, []string{`"MessageId"`}},
		{receiptSeeds[9], domain.ReceiptFieldTwice, []string{`"type"`}},
		{receiptSeeds[11], domain.ReceiptBadMessageID, []string{`"../../etc/passwd"`}},
		{receiptSeeds[12], domain.ReceiptBadTime, []string{`"2026-11-26 08:12"`}},
		{receiptSeeds[14], domain.ReceiptZeroTime, []string{`"0001-01-01T00:00:00Z"`}},
		{receiptSeeds[15], domain.ReceiptMissing, []string{`"at"`}},
		{receiptSeeds[17], domain.ReceiptNotObject, []string{"null"}},
		{"not json at all", domain.ReceiptBadStart, []string{"'n'"}}, // starts like null (walk: "innehåller null")
		{"tru", domain.ReceiptBadStart, []string{"'t'"}},
		{receiptSeeds[18], domain.ReceiptNotObject, []string{"array"}},
		{receiptSeeds[20], domain.ReceiptNotObject, []string{"string"}},
		{receiptSeeds[21], domain.ReceiptTrailingData, []string{"83"}},
		{receiptSeeds[23], domain.ReceiptEmpty, nil},
		{receiptSeeds[25], domain.ReceiptNotUTF8, nil},
		{`{"messageId": "k1", "type": "opened", "at": "2026-11-26T08:12:00Z",}`, domain.ReceiptInvalidJSON, []string{"68"}},
		{`{"messageId": "k1", "type": true, "at": "2026-11-26T08:12:00Z"}`, domain.ReceiptNotString, []string{`"type"`, "boolean"}},
		{`{"receiptId": {}, "messageId": "k1", "type": "opened", "at": "2026-11-26T08:12:00Z"}`, domain.ReceiptNotString, []string{`"receiptId"`, "object"}},
		{`x`, domain.ReceiptBadStart, []string{`'x'`}},
	} {
		_, err := ParseReceipt([]byte(c.in))
		var p *domain.ReceiptProblem
		if !errors.As(err, &p) {
			t.Errorf("ParseReceipt(%q): %v, not a domain.ReceiptProblem", c.in, err)
			continue
		}
		if p.Code != c.code || !slices.Equal(p.Args, c.args) {
			t.Errorf("ParseReceipt(%q): %s %q, want %s %q", c.in, p.Code, p.Args, c.code, c.args)
		}
		if p.Unusable() {
			t.Errorf("ParseReceipt(%q): %s counts as a receipt read but unusable", c.in, p.Code)
		}
	}
}
