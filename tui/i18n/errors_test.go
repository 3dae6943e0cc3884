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
		{`unknown message id "k9-2-inbox"`, `kvitto för ett meddelande som systemet inte skickat "k9-2-inbox"`},
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
