package domain

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// IdentityKind says what sort of Swedish identity number a patient has. The
// zero value is invalid so that an unset kind is caught, never guessed.
type IdentityKind int

// The identity number kinds.
const (
	KindPersonnummer IdentityKind = iota + 1
	KindSamordningsnummer
	KindReservnummer
)

var kindNames = map[IdentityKind]string{
	KindPersonnummer:      "personnummer",
	KindSamordningsnummer: "samordningsnummer",
	KindReservnummer:      "reservnummer",
}

// String returns the stable code used in JSON and configuration.
func (k IdentityKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("IdentityKind(%d)", int(k))
}

// ParseIdentityKind reads a kind from its stable code.
func ParseIdentityKind(s string) (IdentityKind, error) {
	for k, name := range kindNames {
		if name == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown identity kind %q", s)
}

// ErrInvalidIdentity is wrapped by every identity-number parse error, so that
// callers can tell a bad number from other failures with errors.Is.
var ErrInvalidIdentity = errors.New("invalid identity number")

// IdentityError says exactly what is wrong with an identity number, in words a
// secretary can act on.
type IdentityError struct {
	Input  string
	Reason string // in English, for logs and the error text
	// Code names the reason (IdentityReasonCodes) and Args are its facts,
	// so that a screen can say it in the staff's language; "" for a
	// reason that only storage meets.
	Code string
	Args []any
}

// The reasons an identity number is refused, as codes (IdentityError.Code).
const (
	IdentitySeparator  = "separator"       // the character before the last four is not - or +
	IdentityNotDigit   = "not_digit"       // a character that is not a digit, and where
	IdentityNeedsRef   = "needs_reference" // a 10-digit number without a date to read the century from
	IdentityDigitCount = "digit_count"     // neither 10 nor 12 digits
	IdentityMonth      = "month"           // no such month
	IdentityCoordDay   = "coordination_day"
	IdentityDay        = "day"
	IdentityNotDate    = "not_date"
	IdentityFuture     = "future"      // born after today
	IdentityCheckDigit = "check_digit" // the Luhn digit is wrong: got, want
)

// IdentityReasonCodes lists every code a typed number may be refused with.
var IdentityReasonCodes = []string{IdentitySeparator, IdentityNotDigit, IdentityNeedsRef, IdentityDigitCount,
	IdentityMonth, IdentityCoordDay, IdentityDay, IdentityNotDate, IdentityFuture, IdentityCheckDigit}

func (e *IdentityError) Error() string {
	if q := strconv.Quote(e.Input); len(q) <= maxEchoedInput {
		return fmt.Sprintf("identity number %s: %s", q, e.Reason)
	}
	return fmt.Sprintf("identity number (%d characters, not repeated here): %s", utf8.RuneCountInString(e.Input), e.Reason)
}

// maxEchoedInput is the longest input, in bytes once quoted, that an
// IdentityError repeats: room for a number written with spaces, never a
// pasted paragraph (which may hold names and other numbers) or a megabyte.
const maxEchoedInput = 40

// Unwrap makes errors.Is(err, ErrInvalidIdentity) hold.
func (e *IdentityError) Unwrap() error { return ErrInvalidIdentity }

// DefaultReservnummerPattern recognises the reservnummer this deployment
// assumes until the region publishes its format: a birth date (YYYYMMDD), an
// optional hyphen and four characters of which the first is a letter, e.g.
// 19700101-K123. A number counts as a reservnummer only if it is neither a
// valid personnummer nor samordningsnummer and matches the pattern, so a
// mistyped personnummer is reported as such, never taken for a reservnummer.
const DefaultReservnummerPattern = `^[0-9]{8}-?[A-Z][A-Z0-9]{3}$`

// IdentityParser parses identity numbers with the region's reservnummer
// pattern.
type IdentityParser struct {
	reserv *regexp.Regexp
}

// NewIdentityParser compiles the reservnummer pattern. An empty pattern means
// the default. The pattern is matched against the upper-cased input with
// spaces removed.
func NewIdentityParser(reservPattern string) (IdentityParser, error) {
	if reservPattern == "" {
		reservPattern = DefaultReservnummerPattern
	}
	re, err := regexp.Compile(reservPattern)
	if err != nil {
		return IdentityParser{}, fmt.Errorf("reservnummer pattern %q: %w", reservPattern, err)
	}
	return IdentityParser{reserv: re}, nil
}

// DefaultIdentityParser uses DefaultReservnummerPattern.
func DefaultIdentityParser() IdentityParser {
	p, err := NewIdentityParser("")
	if err != nil {
		panic(err)
	}
	return p
}

// IdentityNumber is a validated Swedish identity number in canonical form:
// twelve digits (YYYYMMDDNNNN) for personnummer and samordningsnummer, the
// upper-cased input without separators for a reservnummer. One that exists is
// valid; build it with IdentityParser.Parse or RehydrateIdentity.
type IdentityNumber struct {
	canon string
	kind  IdentityKind
	birth time.Time // midnight in Stockholm; zero when unknown (some reservnummer)
}

// Parse reads an identity number as staff or an import file write it:
// 12 digits (YYYYMMDDNNNN), 10 digits (YYMMDDNNNN), either with a `-` or `+`
// before the last four. In the 10-digit form the century is the one that
// makes the person younger than 100 at ref, or 100 or older with `+`.
// A number that is neither a valid personnummer nor samordningsnummer but
// matches the reservnummer pattern is a reservnummer.
func (p IdentityParser) Parse(input string, ref time.Time) (IdentityNumber, error) {
	s := strings.ToUpper(strings.Join(strings.Fields(input), ""))
	id, err := parseNumeric(input, s, ref)
	if err == nil {
		return id, nil
	}
	if p.reserv != nil && p.reserv.MatchString(s) {
		return newReservnummer(s, ref), nil
	}
	return IdentityNumber{}, err
}

// RehydrateIdentity rebuilds a number read back from storage, where it was
// validated when it was first parsed. The kind is stored with it because the
// reservnummer pattern may have changed since.
func RehydrateIdentity(canon string, kind IdentityKind) (IdentityNumber, error) {
	switch kind {
	case KindReservnummer:
		if canon == "" {
			return IdentityNumber{}, &IdentityError{Input: canon, Reason: "empty reservnummer"}
		}
		return newReservnummer(canon, time.Time{}), nil
	case KindPersonnummer, KindSamordningsnummer:
		id, err := parseNumeric(canon, canon, time.Time{})
		if err != nil {
			return IdentityNumber{}, err
		}
		if id.kind != kind {
			return IdentityNumber{}, &IdentityError{Input: canon, Reason: fmt.Sprintf("stored as %s but is a %s", kind, id.kind)}
		}
		return id, nil
	}
	return IdentityNumber{}, &IdentityError{Input: canon, Reason: "unknown kind " + kind.String()}
}

func newReservnummer(s string, ref time.Time) IdentityNumber {
	canon := strings.ReplaceAll(s, "-", "")
	id := IdentityNumber{canon: canon, kind: KindReservnummer}
	if len(canon) >= 8 && allDigits(canon[:8]) {
		if b, ok := civilDate(atoi(canon[:4]), atoi(canon[4:6]), atoi(canon[6:8])); ok && (ref.IsZero() || !b.After(ref)) {
			id.birth = b
		}
	}
	return id
}

// parseNumeric parses personnummer and samordningsnummer. A zero ref skips
// the "born in the future" check and is only valid for 12-digit input.
func parseNumeric(orig, s string, ref time.Time) (IdentityNumber, error) {
	fail := func(code, format string, args ...any) (IdentityNumber, error) {
		return IdentityNumber{}, &IdentityError{Input: orig, Reason: fmt.Sprintf(format, args...), Code: code, Args: args}
	}
	digits, sep := s, rune(0)
	if !allDigits(s) { // digits only (a canonical number, as stored) need no copy
		// Work on characters, not bytes: a multi-byte character must be
		// named whole and at the position a person counts (without spaces).
		rs := []rune(s)
		sepAt := -1
		if n := len(rs); (n == 11 || n == 13) && !isASCIIDigit(rs[n-5]) {
			sepAt = n - 5
			if rs[sepAt] != '-' && rs[sepAt] != '+' {
				return fail(IdentitySeparator, "expected '-' or '+' before the last four digits, found %q", rs[sepAt])
			}
		}
		var b strings.Builder
		for i, r := range rs {
			if i == sepAt {
				continue
			}
			if !isASCIIDigit(r) {
				return fail(IdentityNotDigit, "character %q at position %d is not a digit", r, i+1)
			}
			b.WriteRune(r)
		}
		digits = b.String()
		if sepAt >= 0 {
			sep = rs[sepAt]
		}
	}
	var year int
	switch len(digits) {
	case 12:
		year = atoi(digits[:4])
		digits = digits[2:]
	case 10:
		if ref.IsZero() {
			return fail(IdentityNeedsRef, "a 10-digit number needs a reference date")
		}
		year = -1
	default:
		return fail(IdentityDigitCount, "has %d digits; expected 10 (YYMMDD-NNNN) or 12 (YYYYMMDD-NNNN)", len(digits))
	}
	month, day := atoi(digits[2:4]), atoi(digits[4:6])
	kind := KindPersonnummer
	if day > 60 {
		kind = KindSamordningsnummer
		day -= 60
	}
	if month < 1 || month > 12 {
		return fail(IdentityMonth, "month %02d is not a month", month)
	}
	if day < 1 || day > 31 {
		if kind == KindSamordningsnummer {
			return fail(IdentityCoordDay, "day %02d is not a day (a samordningsnummer adds 60 to the day)", day+60)
		}
		return fail(IdentityDay, "day %02d is not a day", day)
	}
	if year < 0 {
		refLocal := ref.In(Stockholm)
		yy := atoi(digits[:2])
		year = refLocal.Year()/100*100 + yy
		if b, ok := civilDate(year, month, day); !ok || b.After(refLocal) {
			if !ok {
				// Only 29 February can fail here; try the previous century.
				if b2, ok2 := civilDate(year-100, month, day); ok2 && !b2.After(refLocal) {
					year -= 100
				}
			} else {
				year -= 100
			}
		}
		if sep == '+' {
			year -= 100
		}
	}
	birth, ok := civilDate(year, month, day)
	if !ok {
		return fail(IdentityNotDate, "%04d-%02d-%02d is not a date", year, month, day)
	}
	if !ref.IsZero() && birth.After(ref) {
		return fail(IdentityFuture, "birth date %s is in the future", birth.Format("2006-01-02"))
	}
	want := LuhnCheckDigit(digits[:9])
	if got := int(digits[9] - '0'); got != want {
		return fail(IdentityCheckDigit, "check digit is %d, should be %d", got, want)
	}
	canon := s // twelve digits as given: already canonical
	if len(s) != 12 || s[2:] != digits || atoi(s[:4]) != year {
		canon = fmt.Sprintf("%04d", year) + digits[2:]
	}
	return IdentityNumber{canon: canon, kind: kind, birth: birth}, nil
}

// LuhnCheckDigit computes the check digit of the first nine digits of the
// ten-digit form (YYMMDDNNN): what makes a generated number valid.
func LuhnCheckDigit(nine string) int {
	sum := 0
	for i := 0; i < 9; i++ {
		d := int(nine[i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// civilDate returns midnight of the date in Stockholm and whether the date exists.
func civilDate(y, m, d int) (time.Time, bool) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, Stockholm)
	return t, t.Year() == y && int(t.Month()) == m && t.Day() == d
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// Canonical is the stored and compared form (12 digits for personnummer and
// samordningsnummer).
func (id IdentityNumber) Canonical() string { return id.canon }

// Kind tells personnummer, samordningsnummer and reservnummer apart.
func (id IdentityNumber) Kind() IdentityKind { return id.kind }

// IsZero reports whether id was never set.
func (id IdentityNumber) IsZero() bool { return id.canon == "" }

// String is the display form, YYYYMMDD-NNNN.
func (id IdentityNumber) String() string {
	if id.dashed() {
		return id.canon[:8] + "-" + id.canon[8:]
	}
	return id.canon
}

// dashed is true when the display form puts a dash after the birth date:
// every form but a reservnummer without one.
func (id IdentityNumber) dashed() bool { return len(id.canon) > 8 && allDigits(id.canon[:8]) }

// AppendTo appends the display form (String) to dst: a list draws an
// identity number in every row on every key press, and so writes it
// without making a string of it.
func (id IdentityNumber) AppendTo(dst []byte) []byte {
	if id.dashed() {
		dst = append(dst, id.canon[:8]...)
		dst = append(dst, '-')
		return append(dst, id.canon[8:]...)
	}
	return append(dst, id.canon...)
}

// BirthDate is midnight of the birth date in Stockholm; ok is false for a
// reservnummer that carries no date.
func (id IdentityNumber) BirthDate() (time.Time, bool) { return id.birth, !id.birth.IsZero() }

// AgeAt returns the age in whole years at instant t, reckoned in Stockholm.
// Someone born on 29 February turns a year older on 1 March in other years.
// ok is false when the birth date is unknown.
func (id IdentityNumber) AgeAt(t time.Time) (age int, ok bool) {
	if id.birth.IsZero() {
		return 0, false
	}
	lt := t.In(Stockholm)
	age = lt.Year() - id.birth.Year()
	if lt.Month() < id.birth.Month() || (lt.Month() == id.birth.Month() && lt.Day() < id.birth.Day()) {
		age--
	}
	return age, true
}

// identityLike matches what could be an identity number in free text: ten
// or twelve digits with or without a separator before the last four, and a
// reservnummer of the default shape (eight digits, a letter, three more).
var identityLike = regexp.MustCompile(`(?i)\b(?:\d{8}|\d{6})[-+]?\d{4}\b|\b\d{8}-?[A-Z][A-Z0-9]{3}\b`)

// RedactIdentities replaces everything in s that could be an identity
// number with "[id]". Diagnostic logs pass through it: an error text may
// quote a number, and no identity number belongs in a log that operators
// read and ship elsewhere.
func RedactIdentities(s string) string {
	return identityLike.ReplaceAllString(s, "[id]")
}

// IdentityComplete reports whether s, as typed, has the shape of a whole
// identity number, so that a parse error is worth showing rather than a
// step on the way: four characters after a '-' or '+', or 12 or more
// digits, or 10 digits that cannot be the start of a 12-digit number.
func IdentityComplete(s string) bool {
	s = strings.Join(strings.Fields(s), "")
	if i := strings.LastIndexAny(s, "-+"); i >= 0 {
		return len(s)-i-1 == 4
	}
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return false
	}
	return len(s) >= 12 || len(s) == 10 && !strings.HasPrefix(s, "19") && !strings.HasPrefix(s, "20")
}
