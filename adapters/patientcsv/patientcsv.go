// Package patientcsv reads the patient import file: CSV with a header row,
// columns in any order. It accepts what Swedish spreadsheets produce — a
// byte-order mark, ';' as the delimiter, Windows-1252 instead of UTF-8 — and
// reports each bad row with its line number instead of giving up on the file.
//
// Every line after the header is one row, so that no row can vanish: a
// quote that is not closed on its own line rejects that line alone and the
// next line is read as a row of its own (a field never spans lines), and
// each line that is not blank comes back as a patient or as an error. A
// row's error names the column and the problem but not what the field
// holds (it is patient data): no identity number, no megabyte of text.
package patientcsv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// Columns are the recognised header names. identity and name are required.
var Columns = []string{"identity", "name", "address", "postal_code", "city", "phone",
	"interpreter", "has_1177_account", "notifications_enabled", "sms_reminders",
	"protected", "paper_declined",
	"guardian_name", "guardian_address", "guardian_postal_code", "guardian_city", "guardian_phone",
	"guardian2_name", "guardian2_address", "guardian2_postal_code", "guardian2_city", "guardian2_phone"}

// knownColumns is Columns as a file-level error lists them: short enough to
// read, complete enough to spot a typo.
const knownColumns = "identity, name, address, postal_code, city, phone, interpreter, has_1177_account, " +
	"notifications_enabled, sms_reminders, protected, paper_declined, " +
	"guardian_ and guardian2_ + name, address, postal_code, city, phone"

// MaxSize bounds the file read into memory.
const MaxSize = 64 << 20

// MaxLineLength bounds one line in bytes, delimiters and quotes included: a
// longer line is rejected as a row (a longer header rejects the file)
// without being split into fields. Every field at its limit still fits.
const MaxLineLength = 16 << 10

// MaxFieldLength is the longest value, in characters after trimming the
// spaces around it, that column takes; a longer one rejects its row. Names
// and street addresses take 200, cities and the interpreter's language 100,
// identity and phone numbers 40, postal codes and yes/no values 16.
func MaxFieldLength(column string) int { return maxFieldLength[column] }

var maxFieldLength = map[string]int{}

func init() {
	// The patient's text fields take the domain's limits (one rule for the
	// import and the form); identity numbers 40, yes/no values 16.
	field := func(c string) string {
		c = strings.TrimPrefix(strings.TrimPrefix(c, "guardian2_"), "guardian_")
		if c == "address" {
			return "street"
		}
		return c
	}
	for _, c := range Columns {
		n := 16 // yes/no columns
		if l, ok := domain.PatientTextLimits[field(c)]; ok {
			n = l
		} else if c == "identity" {
			n = 40
		}
		maxFieldLength[c] = n
	}
}

// maxErrorLength bounds a row's error text in bytes.
const maxErrorLength = 300

// Parse reads the whole file. A problem with the file as a whole (no header,
// an unknown or missing column) is an error; a problem with a row is that
// row's Err. ref decides the century of 10-digit identity numbers.
//
// Each line after the header that holds more than spaces, tabs and
// delimiters yields exactly one ImportRow, in order, with Line its line
// number in the file (the first line is 1, blank lines count): the rows
// imported and the rows rejected add up to the lines read. A row is rejected when it is
// not well-formed CSV on its own line, is longer than MaxLineLength, has
// another number of fields than the header, has a field longer than its
// MaxFieldLength or holding a control character (a tab reads as a space),
// when its values are invalid (domain.NewPatient), or when its identity
// number is already on an earlier valid row.
func Parse(r io.Reader, parser domain.IdentityParser, ref time.Time) ([]service.ImportRow, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("file larger than %d MiB; split it", MaxSize>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		// Excel's "CSV" on a Swedish Windows is Windows-1252.
		if data, err = charmap.Windows1252.NewDecoder().Bytes(data); err != nil {
			return nil, errors.New("file is neither UTF-8 nor Windows-1252")
		}
	}
	lines := lineReader{text: string(data)}

	var header []string
	var comma string
	for {
		line, n, ok := lines.next()
		if !ok {
			return nil, errors.New("file is empty; expected a header row naming the columns (identity and name at least)")
		}
		if isBlank(line, "") {
			continue
		}
		if len(line) > MaxLineLength {
			return nil, fmt.Errorf("header (line %d): %d bytes long, more than the %d a line may have", n, len(line), MaxLineLength)
		}
		comma = detectDelimiter(line)
		var col int
		if header, col, err = splitLine(line, comma); err != nil {
			return nil, fmt.Errorf("header (line %d): column %d: %v", n, col+1, err)
		}
		break
	}
	col, err := columnIndex(header, parser, ref)
	if err != nil {
		return nil, err
	}
	keep, err := keptFields(col)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(header))
	for name, i := range col {
		names[i] = name
	}

	var rows []service.ImportRow
	seen := map[string]int{}
	for {
		line, n, ok := lines.next()
		if !ok {
			return rows, nil
		}
		if isBlank(line, comma) {
			continue
		}
		in, err := parseLine(line, comma, names, col, parser, ref, keep)
		if err == nil {
			if first, dup := seen[in.ID.Canonical()]; dup {
				err = fmt.Errorf("identity: same identity number as line %d (one row per patient)", first)
			} else {
				seen[in.ID.Canonical()] = n
			}
		}
		if err != nil {
			rows = append(rows, service.ImportRow{Line: n, Err: cleanError(err)})
			continue
		}
		rows = append(rows, service.ImportRow{Line: n, Patient: in, Keep: keep})
	}
}

// keptFields is what a file without some of the optional columns leaves
// as stored for a known patient (domain.PatientInput.KeepFrom): a column
// the file lacks says nothing, an empty cell says "none" or "no". The
// address's three columns come together, or none of them, and so do each
// guardian's.
func keptFields(col map[string]int) (domain.PatientFields, error) {
	has := func(name string) bool { _, ok := col[name]; return ok }
	var keep domain.PatientFields
	switch n := btoi(has("address")) + btoi(has("postal_code")) + btoi(has("city")); n {
	case 0:
		keep |= domain.FieldAddress
	case 3:
	default:
		return 0, errors.New("header: the columns address, postal_code and city come together, or none of them (then the stored address stays)")
	}
	for _, c := range []struct {
		name  string
		field domain.PatientFields
	}{
		{"phone", domain.FieldPhone}, {"interpreter", domain.FieldInterpreter},
		{"has_1177_account", domain.Field1177Account}, {"notifications_enabled", domain.FieldNotifications},
		{"sms_reminders", domain.FieldSMSReminders}, {"protected", domain.FieldProtected},
		{"paper_declined", domain.FieldPaperDeclined},
	} {
		if !has(c.name) {
			keep |= c.field
		}
	}
	for i, prefix := range []string{"guardian_", "guardian2_"} {
		fields := [3]domain.PatientFields{domain.FieldGuardian1Name, domain.FieldGuardian1Address, domain.FieldGuardian1Phone}
		if i == 1 {
			fields = [3]domain.PatientFields{domain.FieldGuardian2Name, domain.FieldGuardian2Address, domain.FieldGuardian2Phone}
		}
		if !has(prefix + "name") {
			keep |= fields[0]
		}
		if !has(prefix + "phone") {
			keep |= fields[2]
		}
		switch btoi(has(prefix+"address")) + btoi(has(prefix+"postal_code")) + btoi(has(prefix+"city")) {
		case 0:
			keep |= fields[1]
		case 3:
		default:
			return 0, fmt.Errorf("header: the columns %saddress, %[1]spostal_code and %[1]scity come together, or none of them (then the stored address stays)", prefix)
		}
	}
	return keep, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lineReader splits text into lines ended by "\r\n", "\n" or a lone "\r"
// (what old Mac spreadsheets write), and counts them from 1.
type lineReader struct {
	text string
	pos  int
	n    int
}

func (l *lineReader) next() (line string, n int, ok bool) {
	if l.pos >= len(l.text) {
		return "", l.n, false
	}
	rest := l.text[l.pos:]
	l.n++
	i := strings.IndexAny(rest, "\r\n")
	if i < 0 {
		l.pos = len(l.text)
		return rest, l.n, true
	}
	l.pos += i + 1
	if rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n' {
		l.pos++
	}
	return rest[:i], l.n, true
}

// isBlank reports whether line holds nothing but spaces, tabs and the
// delimiter: a line skipped rather than read as a row.
func isBlank(line, comma string) bool {
	for i := 0; i < len(line); i++ {
		if c := line[i]; c != ' ' && c != '\t' && (comma == "" || c != comma[0]) {
			return false
		}
	}
	return true
}

// detectDelimiter picks ',', ';' or tab: whichever the header has most of.
func detectDelimiter(header string) string {
	best, n := ",", strings.Count(header, ",")
	for _, d := range []string{";", "\t"} {
		if c := strings.Count(header, d); c > n {
			best, n = d, c
		}
	}
	return best
}

var (
	errUnclosedQuote = errors.New("quote not closed on this line (a field cannot continue on the next line)")
	errAfterQuote    = errors.New("text after the closing quote (double a quote inside a quoted field: \"\")")
	errBareQuote     = errors.New("quote inside an unquoted field (quote the whole field and double the quote: \"\")")
)

// splitLine splits one line into its fields as RFC 4180 does, within the
// line: a field may be quoted, with "" for a quote inside it; spaces around
// a quoted field are ignored. On a malformed field it returns the index of
// that field and why.
func splitLine(line, comma string) (fields []string, col int, err error) {
	for i := 0; ; {
		col = len(fields)
		j := i
		for j < len(line) && (line[j] == ' ' || line[j] == '\t' && comma != "\t") {
			j++
		}
		if j < len(line) && line[j] == '"' {
			var b strings.Builder
			k := j + 1
			for {
				q := strings.IndexByte(line[k:], '"')
				if q < 0 {
					return fields, col, errUnclosedQuote
				}
				b.WriteString(line[k : k+q])
				k += q + 1
				if k < len(line) && line[k] == '"' {
					b.WriteByte('"')
					k++
					continue
				}
				break
			}
			for k < len(line) && (line[k] == ' ' || line[k] == '\t' && comma != "\t") {
				k++
			}
			fields = append(fields, b.String())
			if k == len(line) {
				return fields, 0, nil
			}
			if !strings.HasPrefix(line[k:], comma) {
				return fields, col, errAfterQuote
			}
			i = k + len(comma)
			continue
		}
		end := strings.Index(line[i:], comma)
		f := line[i:]
		if end >= 0 {
			f = line[i : i+end]
		}
		if strings.IndexByte(f, '"') >= 0 {
			return fields, col, errBareQuote
		}
		fields = append(fields, f)
		if end < 0 {
			return fields, 0, nil
		}
		i += end + len(comma)
	}
}

func columnIndex(header []string, parser domain.IdentityParser, ref time.Time) (map[string]int, error) {
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, known := maxFieldLength[h]; !known {
			if _, err := parser.Parse(header[i], ref); err == nil {
				return nil, errors.New("header: the first line holds an identity number, not column names; add a header row (identity,name,…)")
			}
			return nil, cleanError(fmt.Errorf("header: unknown column %s (known: %s)", shortQuote(header[i], 24), knownColumns))
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("header: column %q appears twice", h)
		}
		col[h] = i
	}
	for _, req := range []string{"identity", "name"} {
		if _, ok := col[req]; !ok {
			return nil, fmt.Errorf("header: required column %q missing", req)
		}
	}
	return col, nil
}

// shortQuote quotes s for an error, cut to max characters; one holding a
// control character is not repeated at all.
func shortQuote(s string, max int) string {
	for _, r := range s {
		if !unicode.IsPrint(r) && r != ' ' {
			return "(not shown: it holds a control character)"
		}
	}
	return domain.QuoteShort(s, max)
}

// parseLine reads one row: well-formed, each field within its length and
// free of control characters, and a valid patient.
func parseLine(line, comma string, names []string, col map[string]int, parser domain.IdentityParser, ref time.Time, keep domain.PatientFields) (domain.PatientInput, error) {
	if len(line) > MaxLineLength {
		return domain.PatientInput{}, fmt.Errorf("line is %d bytes long, more than the %d a line may have", len(line), MaxLineLength)
	}
	rec, i, err := splitLine(line, comma)
	if err != nil {
		if i < len(names) {
			return domain.PatientInput{}, fmt.Errorf("%s: %w", names[i], err)
		}
		return domain.PatientInput{}, fmt.Errorf("field %d (no such column): %w", i+1, err)
	}
	if len(rec) != len(names) {
		return domain.PatientInput{}, fmt.Errorf("wrong number of fields: %d, the header has %d", len(rec), len(names))
	}
	for i, f := range rec {
		if err := checkField(names[i], f); err != nil {
			return domain.PatientInput{}, err
		}
	}
	for i, f := range rec {
		// An identity number where none belongs: the columns are shifted,
		// and the number must not reach a letter or an error text.
		if names[i] == "identity" || strings.HasSuffix(names[i], "phone") || strings.TrimSpace(f) == "" {
			continue
		}
		if _, err := parser.Parse(f, ref); err == nil {
			return domain.PatientInput{}, fmt.Errorf("%s: holds an identity number (are the columns shifted?)", names[i])
		}
	}
	in, err := parseRow(rec, col, parser, ref, keep&domain.FieldGuardians != 0)
	if err != nil {
		return domain.PatientInput{}, err
	}
	// Checked as a new patient's would be; what the stored patient's parts
	// may make whole (a mobile, an account, a guardian's name the file has
	// no column for) the import checks again after KeepFrom, under this
	// line.
	if _, err := domain.NewPatient(in.KeepFrom(nil, keep)); err != nil && !storedMayMend(err, keep) {
		return domain.PatientInput{}, err
	}
	return in, nil
}

// storedMayMend reports whether err, found in a row taken alone, may not
// hold once the stored patient's parts are kept (keep).
func storedMayMend(err error, keep domain.PatientFields) bool {
	var ge *domain.GuardianError
	switch {
	case errors.Is(err, domain.ErrSMSWithoutMobile):
		return keep&(domain.FieldPhone|domain.FieldGuardian1Phone|domain.FieldGuardian2Phone) != 0
	case errors.Is(err, domain.ErrNotificationsNoAccount):
		return keep&domain.Field1177Account != 0
	case errors.As(err, &ge) && errors.Is(err, domain.ErrNameMissing):
		names := [...]domain.PatientFields{domain.FieldGuardian1Name, domain.FieldGuardian2Name}
		return ge.N >= 1 && ge.N <= len(names) && keep&names[ge.N-1] != 0
	}
	return false
}

// checkField refuses a value longer than its column's MaxFieldLength or
// holding a control character (C0 but tab, DEL, C1), naming the column and
// never the value.
func checkField(name, f string) error {
	if n, max := utf8.RuneCountInString(strings.TrimSpace(f)), maxFieldLength[name]; n > max {
		return fmt.Errorf("%s: %d characters, more than the %d allowed", name, n, max)
	}
	for _, r := range f {
		if r != '\t' && domain.NotShown(r) {
			return fmt.Errorf("%s: holds the control character %U, which is not allowed", name, r)
		}
	}
	return nil
}

func parseRow(rec []string, col map[string]int, parser domain.IdentityParser, ref time.Time, guardianSlots bool) (domain.PatientInput, error) {
	get := func(name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			// A tab, or several spaces, read as one space.
			return strings.Join(strings.Fields(rec[i]), " ")
		}
		return ""
	}
	raw := get("identity")
	if raw == "" {
		return domain.PatientInput{}, errors.New("identity: missing")
	}
	id, err := parser.Parse(raw, ref)
	if err != nil {
		// The reason alone: the number as written is not repeated.
		var ie *domain.IdentityError
		if errors.As(err, &ie) {
			return domain.PatientInput{}, &reasonError{"identity: " + ie.Reason, err}
		}
		return domain.PatientInput{}, errors.New("identity: not a valid identity number")
	}
	in := domain.PatientInput{
		ID:          id,
		Name:        get("name"),
		Address:     domain.Address{Street: get("address"), PostalCode: get("postal_code"), City: get("city")},
		Phone:       get("phone"),
		Interpreter: get("interpreter"),
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{
		{"has_1177_account", &in.Has1177Account},
		{"notifications_enabled", &in.NotificationsEnabled},
		{"sms_reminders", &in.SMSReminders},
		{"protected", &in.Protected},
		{"paper_declined", &in.PaperDeclined},
	} {
		v, err := ParseBool(get(b.name))
		if err != nil {
			return domain.PatientInput{}, fmt.Errorf("%s: %w", b.name, err)
		}
		*b.dst = v
	}
	for _, prefix := range []string{"guardian_", "guardian2_"} {
		g := domain.Guardian{Name: get(prefix + "name"), Phone: get(prefix + "phone"),
			Address: domain.Address{Street: get(prefix + "address"), PostalCode: get(prefix + "postal_code"), City: get(prefix + "city")}}
		if g.Name == "" && g.Phone == "" && g.Address.IsZero() && !guardianSlots {
			continue
		}
		in.Guardians = append(in.Guardians, g) // with guardianSlots, both, in order (KeepFrom)
	}
	return in, nil
}

// ParseBool accepts ja/nej, true/false and 1/0 in any case; empty is false.
// Its error repeats a short value, never a long one.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ja", "true", "1":
		return true, nil
	case "nej", "false", "0", "":
		return false, nil
	}
	const use = "is not a yes/no value (use ja/nej, true/false or 1/0)"
	if utf8.RuneCountInString(s) > 16 {
		return false, errors.New("the value " + use)
	}
	return false, cleanError(fmt.Errorf("%s %s", shortQuote(s, 16), use))
}

// CleanReason is cleanError for the reasons given to a file's rows after
// it was read: the domain's own, when a row's patient is refused
// (service.ImportPatients), quote a phone number as normalised
// ("+4681234567"), which a reason never repeats whole.
func CleanReason(err error) error { return cleanError(err) }

// reasonError is an error text chosen for the person reading it, over the
// error it stands for (errors.Is and errors.As still see that one).
type reasonError struct {
	msg string
	err error
}

func (e *reasonError) Error() string { return e.msg }
func (e *reasonError) Unwrap() error { return e.err }

// cleanError makes err fit to print next to a line number: anything that
// could be an identity number or a phone number (ten digits or more, with
// or without separators) is replaced by "[…]", a reservnummer of the
// default shape by "[id]", and the text is cut to maxErrorLength bytes.
// The domain's reasons quote a postal code or a phone number as written,
// which helps; a number in the wrong column must not ride along.
func cleanError(err error) error {
	msg := domain.RedactIdentities(redactLongNumbers(err.Error()))
	msg = reservLike.ReplaceAllString(msg, "[id]")
	if len(msg) > maxErrorLength {
		cut := maxErrorLength - len("…")
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	if msg == err.Error() {
		return err
	}
	return &reasonError{msg, err}
}

// reservLike is a reservnummer of the default shape even where it touches
// other letters (domain.RedactIdentities wants a word boundary) or holds
// spaces (the identity parser drops them; %q escapes every other space).
var reservLike = regexp.MustCompile(`[0-9](?: *[0-9]){7} *-? *[\pL\pN](?: *[\pL\pN]){3}`)

// redactLongNumbers replaces each run of digits, spaces and the characters
// -+()./ that holds ten digits or more with "[…]", a phone number's
// leading + with it ("+4681234567": "[…]", not "+[…]").
func redactLongNumbers(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		plus := s[i] == '+' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9'
		if (s[i] < '0' || s[i] > '9') && !plus {
			b.WriteByte(s[i])
			i++
			continue
		}
		j, digits, last := i, 0, i
		for ; j < len(s) && strings.IndexByte("0123456789 -+()./", s[j]) >= 0; j++ {
			if s[j] >= '0' && s[j] <= '9' {
				digits++
				last = j
			}
		}
		if digits >= 10 {
			b.WriteString("[…]")
			i = last + 1 // keep what follows the last digit, e.g. a space
			continue
		}
		b.WriteString(s[i:j])
		i = j
	}
	return b.String()
}
