package i18n

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// The command line's words are whole: no key both cli.go and the catalogue
// define, both languages in every entry, and the same arguments in the same
// order in both (a %d in one and a %s in the other would print garbage).
func TestCLICatalogue(t *testing.T) {
	if len(cliDuplicates) > 0 {
		slices.Sort(cliDuplicates)
		t.Errorf("keys defined twice, in cli.go and the catalogue: %v", cliDuplicates)
	}
	for k, m := range cliMsgs {
		if m[0] == "" || m[1] == "" {
			t.Errorf("%s: a language is missing: %q", k, m)
		}
		if !Has(k) {
			t.Errorf("%s is not in the catalogue", k)
		}
	}
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for k, m := range msgs {
		if m[0] == "" || m[1] == "" {
			t.Errorf("%s: a language is missing: %q", k, m)
		}
		if sv, en := verbs.FindAllString(m[0], -1), verbs.FindAllString(m[1], -1); !slices.Equal(sv, en) {
			t.Errorf("%s: the Swedish has %v, the English %v", k, sv, en)
		}
	}
}

// Every code the command line names briefly has words in both languages.
func TestCLIWordsCoverEveryCode(t *testing.T) {
	var keys []string
	for _, r := range domain.AllReasons {
		keys = append(keys, "cli_rs_"+string(r))
	}
	for _, p := range domain.AllPurposes { // one set of words with the screens
		keys = append(keys, "pu_"+string(p))
	}
	for _, s := range []domain.LetterState{domain.LetterQueued, domain.LetterPrinted, domain.LetterWithdrawn} {
		keys = append(keys, "cli_ls_"+string(s))
	}
	for _, r := range []domain.ReceiptType{domain.ReceiptDelivered, domain.ReceiptOpened, domain.ReceiptRebookRequested, domain.ReceiptCancelRequested} {
		keys = append(keys, "cli_rt_"+string(r))
	}
	for p := domain.PermPatientData; p <= domain.PermOperate; p++ {
		if k, ok := permKeys[p]; !ok {
			t.Errorf("no words for the right %q", p)
		} else {
			keys = append(keys, k)
		}
	}
	for _, w := range append(slices.Clone(errorKeys), cliErrorKeys...) {
		keys = append(keys, w.Key)
	}
	for _, k := range keys {
		if m, ok := msgs[k]; !ok || m[0] == "" || m[1] == "" {
			t.Errorf("the catalogue lacks %q", k)
		}
	}
}

// An error on the command line says what is wrong in words and keeps the
// detail that says where; who was refused what, what was sent when and a
// local time that does not exist are all words; an identity number typed
// is not repeated.
func TestErrorDetail(t *testing.T) {
	for _, c := range []struct {
		err    error
		sv, en string
	}{
		{fmt.Errorf("%w: booking 2 is cancelled; cancelled is not possible", domain.ErrIllegalTransition),
			"Det går inte i bokningens nuvarande läge: booking 2 is cancelled; cancelled is not possible",
			"Not possible in the booking's present state: booking 2 is cancelled; cancelled is not possible"},
		{fmt.Errorf("booking 999: %w", domain.ErrNotFound),
			"Finns inte: bokning 999", "Not found: booking 999"},
		{domain.ErrLetterTooLate, "Ett brev som skickas nu kommer fram först på besöksdagen eller senare – ring patienten i stället",
			"A letter posted now would arrive on or after the visit day – phone the patient instead"},
		{fmt.Errorf("%w %q (known: eko, ekg24)", domain.ErrUnknownExam, "ekg99"),
			`okänd undersökningskod "ekg99" (kända: eko, ekg24)`, `unknown examination code "ekg99" (known: eko, ekg24)`},
		{&domain.ForbiddenError{User: "karl", Role: domain.RoleKoordinator, Perm: domain.PermBook},
			"karl (koordinator) får inte ändra bokningar", "karl (koordinator) is not allowed to change bookings"},
		{fmt.Errorf("cancel: %w", &domain.SentRecentlyError{Kind: domain.MessageLetter, At: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}),
			"cancel: ett brev skickades för den här bokningen kl 10:00; bekräfta med --again för att skicka ett till",
			"cancel: a letter was sent for this booking at 10:00; to send another, confirm (--again)"},
		{&domain.IdentityError{Input: "19121212-1213", Reason: "check digit is 3, should be 2"},
			"Ogiltigt person- eller samordningsnummer: check digit is 3, should be 2",
			"Invalid personal or coordination number: check digit is 3, should be 2"},
		// The patient import tells why a number was refused without it.
		{&reasonOnly{"identity: check digit is 8, should be 1", &domain.IdentityError{Input: "19121212-1218", Reason: "check digit is 8, should be 1",
			Code: domain.IdentityCheckDigit, Args: []any{8, 1}}},
			"Ogiltigt person- eller samordningsnummer: kontrollsiffran är 8, ska vara 1",
			"Invalid personal or coordination number: check digit is 8, should be 1"},
		// A refusal names the state in words, never its code.
		{&domain.TransitionError{Booking: 3, State: domain.StateSummonsSent, What: "keeping the time", Why: domain.WhyNoRequest},
			"Det går inte i bokningens nuvarande läge: bokning 3 är kallad; patienten har inget önskemål att svara på",
			"Not possible in the booking's present state: booking 3 is summoned; there is no request to answer"},
		{&domain.CorrectionError{Booking: 1, State: domain.StateNoShow, To: domain.StateNoShow},
			"Det går inte att rätta den här bokningen så: bokning 1 är redan uteblev",
			"This booking cannot be corrected that way: booking 1 is already no-show"},
		{fmt.Errorf("correct: %w", &domain.CorrectionError{Booking: 1, State: domain.StateSummonsSent}),
			"correct: Det går inte att rätta den här bokningen så: bara genomförd och uteblev kan rättas till varandra; bokning 1 är kallad",
			"correct: This booking cannot be corrected that way: only attended and no-show correct each other; booking 1 is summoned"},
		{&domain.CorrectionError{Booking: 1, State: domain.StateAttended, To: domain.StateCancelled},
			"Det går inte att rätta den här bokningen så: bokning 1 är genomförd och kan bara rättas till genomförd eller uteblev",
			"This booking cannot be corrected that way: booking 1 is attended and can be corrected to attended or no-show only"},
		{errors.New("disk full"), "disk full", "disk full"},
	} {
		if got := ErrorDetail(Swedish, c.err); got != c.sv {
			t.Errorf("Swedish: %q\n  want %q", got, c.sv)
		}
		if got := ErrorDetail(English, c.err); got != c.en {
			t.Errorf("English: %q\n  want %q", got, c.en)
		}
	}
	// A local time the clocks skip: the English is the domain's own.
	_, err := domain.LocalTime(2027, time.March, 28, 2, 30, 0, 0)
	if got := ErrorDetail(English, err); got != err.Error() {
		t.Errorf("English local time: %q, the domain says %q", got, err.Error())
	}
	if got := ErrorDetail(Swedish, err); got != "2027-03-28 02:30 finns inte i svensk tid: klockan ställs fram från 02:00 till 03:00 den natten" {
		t.Errorf("Swedish local time: %q", got)
	}
	// More words for errors of other layers come first.
	other := errors.New("database is in use by another process")
	if got := ErrorDetail(Swedish, fmt.Errorf("open k.db: %w", other), ErrorWords{other, "cli_err_in_use"}); got != "databasen används av en annan process: open k.db" {
		t.Errorf("more words: %q", got)
	}
}

// reasonOnly is an error told in other words than the error it wraps, as
// the patient import tells an identity number's reason without the number.
type reasonOnly struct {
	msg string
	err error
}

func (e *reasonOnly) Error() string { return e.msg }
func (e *reasonOnly) Unwrap() error { return e.err }
