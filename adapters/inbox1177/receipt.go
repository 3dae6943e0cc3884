package inbox1177

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kallelse/kallelse/adapters/spoolfs"
	"github.com/kallelse/kallelse/domain"
)

// receiptFile is the incoming receipt format (see the package comment).
type receiptFile struct {
	MessageID  string `json:"messageId"`
	Type       string `json:"type"`
	At         string `json:"at"`
	ReceiptID  string `json:"receiptId,omitempty"`
	ResultCode string `json:"resultCode,omitempty"`
	ResultText string `json:"resultText,omitempty"`
}

// receiptFields are the field names a receipt may carry, exactly as spelt.
var receiptFields = map[string]bool{
	"messageId": true, "type": true, "at": true,
	"receiptId": true, "resultCode": true, "resultText": true,
}

var utf8BOM = []byte("\xef\xbb\xbf")

// ParseReceipt reads one receipt file strictly: the error says what is wrong
// in words an operator can act on, and becomes the quarantine note.
func ParseReceipt(data []byte) (domain.Receipt, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		return domain.Receipt{}, problem(domain.ReceiptNotUTF8, "not valid UTF-8")
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return domain.Receipt{}, problem(domain.ReceiptEmpty, "empty file: expected a JSON object")
	}
	if trimmed[0] != '{' {
		return domain.Receipt{}, notObject(trimmed)
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f receiptFile
	if err := dec.Decode(&f); err != nil {
		return domain.Receipt{}, describeDecodeError(err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return domain.Receipt{}, problem(domain.ReceiptTrailingData, fmt.Sprintf("trailing data after the receipt object at byte %d", end), strconv.FormatInt(end, 10))
	}
	// encoding/json matches names case-insensitively and keeps the last of
	// duplicates; a receipt is a record of fact, so neither is accepted.
	if err := checkFieldNames(data); err != nil {
		return domain.Receipt{}, err
	}

	if f.MessageID == "" {
		return domain.Receipt{}, missing("messageId")
	}
	if err := domain.CheckMessageID(f.MessageID); err != nil {
		return domain.Receipt{}, problem(domain.ReceiptBadMessageID, fmt.Sprintf(`field "messageId": %s`, err), domain.QuoteShort(f.MessageID, 64))
	}
	if f.Type == "" {
		return domain.Receipt{}, missing("type")
	}
	typ, err := domain.ParseReceiptType(f.Type)
	if err != nil {
		q := domain.QuoteShort(f.Type, 64)
		return domain.Receipt{}, problem(domain.ReceiptUnknownType, fmt.Sprintf(`field "type": unknown receipt type %s (want delivered, opened, rebook_requested or cancel_requested)`, q), q)
	}
	if f.At == "" {
		return domain.Receipt{}, missing("at")
	}
	at, err := time.Parse(time.RFC3339, f.At)
	if err != nil {
		q := domain.QuoteShort(f.At, 64)
		return domain.Receipt{}, problem(domain.ReceiptBadTime, fmt.Sprintf(`field "at": %s is not an RFC 3339 time with offset, like 2026-11-26T08:12:00+01:00`, q), q)
	}
	if at.IsZero() {
		return domain.Receipt{}, problem(domain.ReceiptZeroTime, fmt.Sprintf(`field "at": %q is the zero time`, f.At), strconv.Quote(f.At))
	}
	return domain.Receipt{MessageID: f.MessageID, Type: typ, At: at}, nil
}

// EncodeReceipt renders r as an incoming receipt file, exactly as the
// integration engine writes it: one line, at with its offset and any
// fractional seconds.
func EncodeReceipt(r domain.Receipt) ([]byte, error) {
	if err := domain.CheckMessageID(r.MessageID); err != nil {
		return nil, fmt.Errorf("receipt message id: %w", err)
	}
	if _, err := domain.ParseReceiptType(string(r.Type)); err != nil {
		return nil, fmt.Errorf("receipt for %s: %w", r.MessageID, err)
	}
	if r.At.IsZero() {
		return nil, fmt.Errorf("receipt for %s: no time", r.MessageID)
	}
	if y := r.At.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("receipt for %s: year %d cannot be written in RFC 3339", r.MessageID, y)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(receiptFile{MessageID: r.MessageID, Type: string(r.Type), At: r.At.Format(time.RFC3339Nano)})
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checkFieldNames walks the top-level keys of a syntactically valid object.
func checkFieldNames(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // '{'
		return describeDecodeError(err)
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return describeDecodeError(err)
		}
		key, _ := tok.(string)
		if !receiptFields[key] {
			q := domain.QuoteShort(key, 64)
			return problem(domain.ReceiptFieldCase, fmt.Sprintf("unknown field %s (field names are case-sensitive)", q), q)
		}
		if seen[key] {
			return problem(domain.ReceiptFieldTwice, fmt.Sprintf("field %q given twice", key), strconv.Quote(key))
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return describeDecodeError(err)
		}
	}
	return nil
}

func describeDecodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	const truncated = "truncated JSON: unexpected end of JSON input"
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return problem(domain.ReceiptTruncated, truncated)
	case errors.As(err, &syn):
		msg := strings.TrimPrefix(syn.Error(), "json: ")
		if strings.Contains(msg, "unexpected end of JSON input") {
			return problem(domain.ReceiptTruncated, truncated)
		}
		return problem(domain.ReceiptInvalidJSON, fmt.Sprintf("invalid JSON at byte %d: %s", syn.Offset, msg), strconv.FormatInt(syn.Offset, 10))
	case errors.As(err, &typ):
		kind, _, _ := strings.Cut(typ.Value, " ")
		if kind == "bool" {
			kind = "boolean"
		}
		if typ.Field == "" {
			return problem(domain.ReceiptNotObject, fmt.Sprintf("expected a JSON object, got %s", typ.Value), kind)
		}
		return problem(domain.ReceiptNotString, fmt.Sprintf("field %q: expected a string, got %s", typ.Field, typ.Value), strconv.Quote(typ.Field), kind)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if len(msg) > 200 { // an unknown field's name is quoted whole
		msg = strings.ToValidUTF8(msg[:200], "") + "…"
	}
	// The decoder refuses a field the receipt does not have (any case).
	if name, ok := strings.CutPrefix(err.Error(), `json: unknown field "`); ok && strings.HasSuffix(name, `"`) {
		return problem(domain.ReceiptUnknownField, msg, domain.QuoteShort(strings.TrimSuffix(name, `"`), 64))
	}
	return errors.New(msg)
}

// problem is why a receipt file is set aside: reason in English for the
// quarantine note, code and facts for the screens.
func problem(code, reason string, args ...string) error {
	return &domain.ReceiptProblem{Reason: reason, Code: code, Args: args}
}

// missing says that a required field is not there, null or empty.
func missing(field string) error {
	return problem(domain.ReceiptMissing, fmt.Sprintf("field %q: missing, null or empty", field), strconv.Quote(field))
}

// notObject says what a file holds instead of a JSON object.
func notObject(b []byte) error {
	c := b[0]
	if !json.Valid(b) && c != '[' && c != '"' {
		// "not json at all" starts like null, but is none: said as the
		// text it starts with, not as a JSON value it is not.
		return problem(domain.ReceiptBadStart, fmt.Sprintf("expected a JSON object, got invalid JSON (starts with %q)", c), fmt.Sprintf("%q", c))
	}
	switch {
	case c == '[':
		return problem(domain.ReceiptNotObject, "expected a JSON object, got an array", "array")
	case c == '"':
		return problem(domain.ReceiptNotObject, "expected a JSON object, got a string", "string")
	case c == 'n':
		return problem(domain.ReceiptNotObject, "expected a JSON object, got null", "null")
	case c == 't' || c == 'f':
		return problem(domain.ReceiptNotObject, "expected a JSON object, got a boolean", "boolean")
	case c == '-' || (c >= '0' && c <= '9'):
		return problem(domain.ReceiptNotObject, "expected a JSON object, got a number", "number")
	default:
		return problem(domain.ReceiptBadStart, fmt.Sprintf("expected a JSON object, got invalid JSON (starts with %q)", c), fmt.Sprintf("%q", c))
	}
}

// Fetch reads every receipt file in In: regular files named *.json, not
// starting with a dot. A file it cannot read or parse is moved to
// Quarantine with the reason, and Fetch goes on with the others; so is an
// entry named *.json that is not a regular file — a symbolic link (never
// followed: it could point out of the folder), a folder (moved whole, its
// contents unread), a pipe — which would otherwise wait there for ever,
// neither read nor counted, and no one would see it.
// The receipts are ordered by the instant they carry, then message id, then
// type: receipts are applied in the order things happened, not arrived.
//
// Fetch fails only when the folder cannot be listed. When a bad file cannot
// be moved to quarantine either, Fetch returns the receipts it did read
// together with an error naming that file: the receipts are good, and the
// bad file stays where it is to be tried again.
// Waiting reports whether a receipt file waits in the inbox: one directory
// read, cheap enough for the server to ask every second, so that a
// patient's open reaches every screen at once rather than at the next tick.
func (s *Spool) Waiting() (bool, error) {
	entries, err := os.ReadDir(s.In)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("1177 receipts: %w", err)
	}
	for _, e := range entries {
		if isReceiptName(e.Name()) {
			return true, nil // a receipt, or an entry for Fetch to quarantine
		}
	}
	return false, nil
}

// isReceiptName says whether an entry of In is one for Fetch: named *.json,
// not starting with a dot (a file being written).
func isReceiptName(name string) bool {
	return !strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".json")
}

// notAFile is the quarantine reason of an entry of In named as a receipt
// that is not a regular file: the screens say "not a regular file", the
// note says what it is.
func notAFile(mode os.FileMode) error {
	switch {
	case mode&os.ModeSymlink != 0:
		return problem(domain.ReceiptNotRegular, "a symbolic link, not a receipt file: not followed (the integration engine writes receipts as files)")
	case mode.IsDir():
		return problem(domain.ReceiptNotRegular, "a folder, not a receipt file: moved aside whole, its contents unread (the integration engine writes receipts as files)")
	default:
		return problem(domain.ReceiptNotRegular, fmt.Sprintf("not a regular file (%s): not read (the integration engine writes receipts as files)", strings.TrimLeft(mode.Type().String(), "-")))
	}
}

func (s *Spool) Fetch(ctx context.Context) ([]domain.IncomingReceipt, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	// Temporary files are judged by the wall clock, like their modification
	// times, even when the application's clock is set (--now).
	if err := spoolfs.CleanTemp(s.In, time.Now(), time.Minute); err != nil {
		return nil, 0, fmt.Errorf("1177 receipts: clean temporary files: %w", err)
	}
	entries, err := os.ReadDir(s.In)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("1177 receipts: %w", err)
	}
	var (
		out         []domain.IncomingReceipt
		errs        []error
		quarantined int
	)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, quarantined, err
		}
		name := e.Name()
		if !isReceiptName(name) {
			continue
		}
		r, gone, why := s.readReceipt(name)
		if gone {
			continue // taken away meanwhile, e.g. by another Done
		}
		if why != nil {
			if err := s.quarantine(name, why); err != nil {
				errs = append(errs, fmt.Errorf("1177 receipt %s (%v): quarantine: %w", name, why, err))
			} else {
				quarantined++
			}
			continue
		}
		out = append(out, domain.IncomingReceipt{Receipt: r, Handle: name})
	}
	slices.SortFunc(out, func(a, b domain.IncomingReceipt) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.MessageID, b.MessageID),
			cmp.Compare(a.Type, b.Type), cmp.Compare(a.Handle, b.Handle))
	})
	return out, quarantined, errors.Join(errs...)
}

// readReceipt reads and parses In/name, never reading more than the limit,
// and never through a symbolic link: the entry must be a regular file
// before it is opened, and the file opened the same one.
func (s *Spool) readReceipt(name string) (r domain.Receipt, gone bool, why error) {
	return s.readReceiptIn(s.In, name)
}

// readReceiptIn is readReceipt of dir/name: the quarantine's, before a file
// is put back.
func (s *Spool) readReceiptIn(dir, name string) (r domain.Receipt, gone bool, why error) {
	max := s.maxReceiptSize()
	path := filepath.Join(dir, name)
	entry, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return r, true, nil
	}
	if err != nil {
		return r, false, problem(domain.ReceiptUnreadableFile, fmt.Sprintf("cannot stat: %v", err))
	}
	if !entry.Mode().IsRegular() {
		return r, false, notAFile(entry.Mode())
	}
	f, err := openNoFollow(path)
	if errors.Is(err, os.ErrNotExist) {
		return r, true, nil
	}
	if err != nil {
		return r, false, problem(domain.ReceiptUnreadableFile, fmt.Sprintf("cannot open: %v", err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return r, false, problem(domain.ReceiptUnreadableFile, fmt.Sprintf("cannot stat: %v", err))
	}
	if !info.Mode().IsRegular() || !os.SameFile(entry, info) {
		return r, false, problem(domain.ReceiptNotRegular, "replaced by something else while being opened: not read")
	}
	if info.Size() > max {
		return r, false, problem(domain.ReceiptTooLarge, fmt.Sprintf("file is %d bytes; receipts are at most %d", info.Size(), max),
			strconv.FormatInt(info.Size(), 10), strconv.FormatInt(max, 10))
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return r, false, problem(domain.ReceiptUnreadableFile, fmt.Sprintf("cannot read: %v", err))
	}
	if int64(len(data)) > max {
		return r, false, problem(domain.ReceiptGrew, fmt.Sprintf("file grew past %d bytes while being read; receipts are at most %d", max, max), strconv.FormatInt(max, 10))
	}
	r, err = ParseReceipt(data)
	if err != nil {
		return r, false, err
	}
	return r, false, nil
}

// WriteReceipt writes r into In as the integration engine would, named
// <messageId>.<type>.<unix nanoseconds of At>.json, and returns the file's
// path. Writing the same receipt twice leaves one file. The patient
// simulator uses it.
func (s *Spool) WriteReceipt(r domain.Receipt) (string, error) {
	data, err := EncodeReceipt(r)
	if err != nil {
		return "", err
	}
	nanos := r.At.UnixNano()
	if !time.Unix(0, nanos).Equal(r.At) {
		return "", fmt.Errorf("receipt for %s: time %s is outside the range of file names", r.MessageID, r.At)
	}
	name := fmt.Sprintf("%s.%s.%d.json", r.MessageID, r.Type, nanos)
	if _, err := spoolfs.WriteOnce(s.In, name, data); err != nil {
		return "", fmt.Errorf("write receipt %s: %w", name, err)
	}
	return filepath.Join(s.In, name), nil
}
