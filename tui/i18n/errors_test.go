package i18n

import (
	"errors"
	"fmt"
	"testing"

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
