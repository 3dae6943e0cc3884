package i18n

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// A domain error is put in the staff's words however it was wrapped; an
// invalid identity number keeps its detail; anything else is shown as it is.
func TestErrorText(t *testing.T) {
	wrapped := fmt.Errorf("booking 2: %w", fmt.Errorf("%w: booking 2 is cancelled", domain.ErrIllegalTransition))
	if got := ErrorText(Swedish, wrapped); got != "Det går inte i bokningens nuvarande läge" {
		t.Errorf("Swedish: %q", got)
	}
	if got := ErrorText(English, wrapped); got != "Not possible in the booking's present state" {
		t.Errorf("English: %q", got)
	}
	id := fmt.Errorf("%w: check digit is 3, should be 2", domain.ErrInvalidIdentity)
	if got := ErrorText(Swedish, id); got != "Ogiltigt person- eller samordningsnummer (invalid identity number: check digit is 3, should be 2)" {
		t.Errorf("identity: %q", got)
	}
	// A letter that cannot be posted says the one reason it cannot, in the
	// staff's words, on a screen and on the command line.
	blocked := fmt.Errorf("booking 4: %w", &domain.LetterBlockedError{Reason: domain.ReasonProtected})
	if got := ErrorText(Swedish, blocked); got != "Inget brev kan skickas till patienten: skyddade personuppgifter" {
		t.Errorf("blocked: %q", got)
	}
	if got := ErrorDetail(Swedish, blocked); got != "booking 4: Inget brev kan skickas till patienten: skyddade personuppgifter" {
		t.Errorf("blocked, CLI: %q", got)
	}
	if got := ErrorText(English, errors.New("disk full")); got != "Error: disk full" {
		t.Errorf("other: %q", got)
	}
	for _, e := range errorKeys {
		if !Has(e.Key) {
			t.Errorf("no words for %v (%s)", e.Err, e.Key)
		}
	}
}

// A quarantined receipt's reason reads in the staff's words: the loop's
// reasons by their kind with their detail, a parser's as "unreadable".
func TestQuarantineReasonText(t *testing.T) {
	for _, c := range []struct{ reason, want string }{
		{`unknown message id "k9-2-inbox"`, `kvitto för meddelandet "k9-2-inbox", som systemet inte skickat`},
		{"unknown message id", "kvitto för ett meddelande som systemet inte skickat"},
		{"receipt instant cannot be true: opened 2030-01-01T00:00:00Z is in the future (now x)", "kvittots tidpunkt kan inte stämma: opened 2030-01-01T00:00:00Z is in the future (now x)"},
		{`field "type": missing, null or empty`, `filen kunde inte läsas som kvitto: field "type": missing, null or empty`},
		{"", ""},
	} {
		if got := QuarantineReasonText(Swedish, c.reason); got != c.want {
			t.Errorf("%q: %q, want %q", c.reason, got, c.want)
		}
	}
}

// Every reason a typed identity number is refused with has its words in
// both languages, with the facts in them.
func TestIdentityReasonText_EveryCode(t *testing.T) {
	for _, code := range domain.IdentityReasonCodes {
		if !Has("idr_" + code) {
			t.Errorf("no words for the identity reason %q", code)
		}
	}
	_, err := domain.DefaultIdentityParser().Parse("19121212-1213", time.Now())
	var ie *domain.IdentityError
	if !errors.As(err, &ie) || ie.Code != domain.IdentityCheckDigit {
		t.Fatalf("%v", err)
	}
	if got := IdentityReasonText(Swedish, ie); got != "kontrollsiffran är 3, ska vara 2" {
		t.Errorf("sv: %q", got)
	}
	if got := ErrorText(Swedish, err); strings.Contains(got, "19121212") || !strings.Contains(got, "kontrollsiffran") {
		t.Errorf("the error on screen: %q", got)
	}
}

// A cancellation undone too late says so in one language, with the day it
// was made (the walk read an English sentence after a Swedish one).
func TestErrorText_AnUndoTooLateSaysTheDay(t *testing.T) {
	err := fmt.Errorf("booking 38: %w", &domain.UndoTooLateError{Booking: 38, CancelledAt: time.Date(2026, 12, 20, 15, 0, 0, 0, domain.Stockholm)})
	want := "bokning 38 avbokades 2026-12-20: en avbokning kan bara ångras samma dag – boka en ny tid"
	if got := ErrorDetail(Swedish, err); !strings.Contains(got, want) || strings.Contains(got, "cancelled") {
		t.Errorf("CLI: %q", got)
	}
	if got := ErrorText(Swedish, err); got != want {
		t.Errorf("screen: %q", got)
	}
}

// Every problem a receipt file is set aside for has words in both
// languages that take its facts; a Swedish reason carries none of the
// English the note keeps, and the loop's reasons say when in local time.
func TestQuarantineText_EveryProblemInBothLanguages(t *testing.T) {
	for _, code := range domain.ReceiptProblemCodes {
		m, ok := msgs["qp_"+code]
		if !ok || m[0] == "" || m[1] == "" {
			t.Errorf("no words for the problem %q", code)
			continue
		}
		if strings.Count(m[0], "%s") != strings.Count(m[1], "%s") || strings.Count(m[0], "%") != strings.Count(m[0], "%s") {
			t.Errorf("the problem %q takes other facts in Swedish than in English: %q", code, m)
		}
	}
	for _, c := range []struct {
		p      domain.ReceiptProblem
		sv, en string
	}{
		{domain.ReceiptProblem{Reason: `unknown field "extra"`, Code: domain.ReceiptUnknownField, Args: []string{`"extra"`}},
			`filen kunde inte läsas som kvitto: okänt fält "extra"`, `the file could not be read as a receipt: unknown field "extra"`},
		{domain.ReceiptProblem{Reason: "truncated JSON: unexpected end of JSON input", Code: domain.ReceiptTruncated},
			"filen kunde inte läsas som kvitto: JSON-texten tar slut mitt i (filen är avklippt)",
			"the file could not be read as a receipt: the JSON ends midway (the file is cut short)"},
		{domain.ReceiptProblem{Reason: `field "receiptId": expected a string, got number`, Code: domain.ReceiptNotString, Args: []string{`"receiptId"`, "number"}},
			`filen kunde inte läsas som kvitto: fältet "receiptId" ska vara en textsträng men är ett tal`,
			`the file could not be read as a receipt: field "receiptId" should be a string but is a number`},
		{domain.ReceiptProblem{Reason: "expected a JSON object, got an array", Code: domain.ReceiptNotObject, Args: []string{"array"}},
			"filen kunde inte läsas som kvitto: den ska innehålla ett JSON-objekt men innehåller en lista",
			"the file could not be read as a receipt: it should hold a JSON object but holds an array"},
		{domain.ReceiptProblem{Reason: "file is 70000 bytes; receipts are at most 65536", Code: domain.ReceiptTooLarge, Args: []string{"70000", "65536"}},
			"filen kunde inte läsas som kvitto: filen är 70000 byte, ett kvitto är högst 65536",
			"the file could not be read as a receipt: the file is 70000 bytes, a receipt at most 65536"},
		{domain.ReceiptProblem{Reason: "receipt instant cannot be true: opened 2026-11-25T09:00:00+01:00 is before the message was sent (2026-11-25T10:00:00+01:00)",
			Code: domain.ReceiptBeforeSent, Args: []string{"opened", "2026-11-25T09:00:00+01:00", "2026-11-25T10:00:00+01:00"}},
			"kvittots tidpunkt kan inte stämma: öppnad 2026-11-25 09:00, innan meddelandet skickades (2026-11-25 10:00)",
			"the receipt's instant cannot be true: opened 2026-11-25 09:00, before the message was sent (2026-11-25 10:00)"},
		{domain.ReceiptProblem{Reason: `unknown message id "k546-1-inbox"`, Code: domain.ReceiptUnknownMessage, Args: []string{`"k546-1-inbox"`}},
			`kvitto för meddelandet "k546-1-inbox", som systemet inte skickat`,
			`receipt for the message "k546-1-inbox", which this system did not send`},
		{domain.ReceiptProblem{Reason: `unknown message id "k5-1-sms": receipts come for 1177 messages only, this is a sms`, Code: domain.ReceiptNotInbox, Args: []string{`"k5-1-sms"`}},
			`kvitto för meddelandet "k5-1-sms", som inte gick till 1177 (kvitton kommer bara för meddelanden i 1177)`,
			`receipt for the message "k5-1-sms", which did not go to 1177 (receipts come for 1177 messages only)`},
		// A note whose facts this version does not know: its reason.
		{domain.ReceiptProblem{Reason: `unknown field "extra"`, Code: domain.ReceiptUnknownField},
			`filen kunde inte läsas som kvitto: unknown field "extra"`, `the file could not be read as a receipt: unknown field "extra"`},
		{domain.ReceiptProblem{Reason: `unknown field "extra"`, Code: "a_later_code", Args: []string{"x"}},
			`filen kunde inte läsas som kvitto: unknown field "extra"`, `the file could not be read as a receipt: unknown field "extra"`},
	} {
		if got := QuarantineText(Swedish, &c.p, c.p.Reason); got != c.sv {
			t.Errorf("%s in Swedish: %q\n  want %q", c.p.Code, got, c.sv)
		}
		if got := QuarantineText(English, &c.p, c.p.Reason); got != c.en {
			t.Errorf("%s in English: %q\n  want %q", c.p.Code, got, c.en)
		}
	}
	if got := QuarantineText(Swedish, nil, "truncated JSON"); got != "filen kunde inte läsas som kvitto: truncated JSON" {
		t.Errorf("a note without a problem: %q", got)
	}
}
