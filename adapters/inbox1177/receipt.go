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
		return domain.Receipt{}, errors.New("not valid UTF-8")
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return domain.Receipt{}, errors.New("empty file: expected a JSON object")
	}
	if trimmed[0] != '{' {
		return domain.Receipt{}, fmt.Errorf("expected a JSON object, got %s", describeValue(trimmed))
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f receiptFile
	if err := dec.Decode(&f); err != nil {
		return domain.Receipt{}, describeDecodeError(err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return domain.Receipt{}, fmt.Errorf("trailing data after the receipt object at byte %d", end)
	}
	// encoding/json matches names case-insensitively and keeps the last of
	// duplicates; a receipt is a record of fact, so neither is accepted.
	if err := checkFieldNames(data); err != nil {
		return domain.Receipt{}, err
	}

	if f.MessageID == "" {
		return domain.Receipt{}, errors.New(`field "messageId": missing, null or empty`)
	}
	if err := domain.CheckMessageID(f.MessageID); err != nil {
		return domain.Receipt{}, fmt.Errorf(`field "messageId": %w`, err)
	}
	if f.Type == "" {
		return domain.Receipt{}, errors.New(`field "type": missing, null or empty`)
	}
	typ, err := domain.ParseReceiptType(f.Type)
	if err != nil {
		return domain.Receipt{}, fmt.Errorf(`field "type": unknown receipt type %s (want delivered, opened, rebook_requested or cancel_requested)`, domain.QuoteShort(f.Type, 64))
	}
	if f.At == "" {
		return domain.Receipt{}, errors.New(`field "at": missing, null or empty`)
	}
	at, err := time.Parse(time.RFC3339, f.At)
	if err != nil {
		return domain.Receipt{}, fmt.Errorf(`field "at": %s is not an RFC 3339 time with offset, like 2026-11-26T08:12:00+01:00`, domain.QuoteShort(f.At, 64))
	}
	if at.IsZero() {
		return domain.Receipt{}, fmt.Errorf(`field "at": %q is the zero time`, f.At)
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
			return fmt.Errorf("unknown field %s (field names are case-sensitive)", domain.QuoteShort(key, 64))
		}
		if seen[key] {
			return fmt.Errorf("field %q given twice", key)
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
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errors.New("truncated JSON: unexpected end of JSON input")
	case errors.As(err, &syn):
		msg := strings.TrimPrefix(syn.Error(), "json: ")
		if strings.Contains(msg, "unexpected end of JSON input") {
			return errors.New("truncated JSON: unexpected end of JSON input")
		}
		return fmt.Errorf("invalid JSON at byte %d: %s", syn.Offset, msg)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Errorf("expected a JSON object, got %s", typ.Value)
		}
		return fmt.Errorf("field %q: expected a string, got %s", typ.Field, typ.Value)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if len(msg) > 200 { // an unknown field's name is quoted whole
		msg = strings.ToValidUTF8(msg[:200], "") + "…"
	}
	return errors.New(msg)
}

// describeValue names the JSON type a value starts as.
func describeValue(b []byte) string {
	switch c := b[0]; {
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 'n':
		return "null"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	default:
		return fmt.Sprintf("invalid JSON (starts with %q)", c)
	}
}

// Fetch reads every receipt file in In: regular files named *.json, not
// starting with a dot, not in subfolders. A file it cannot read or parse is
// moved to Quarantine with the reason, and Fetch goes on with the others.
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
		name := e.Name()
		if !strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".json") && e.Type().IsRegular() {
			return true, nil
		}
	}
	return false, nil
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
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") || !e.Type().IsRegular() {
			continue
		}
		r, gone, problem := s.readReceipt(name)
		if gone {
			continue // taken away meanwhile, e.g. by another Done
		}
		if problem != nil {
			if err := spoolfs.Quarantine(s.In, name, s.QuarantineDir, problem.Error(), s.now()); err != nil {
				errs = append(errs, fmt.Errorf("1177 receipt %s (%v): quarantine: %w", name, problem, err))
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

// readReceipt reads and parses In/name, never reading more than the limit.
func (s *Spool) readReceipt(name string) (r domain.Receipt, gone bool, problem error) {
	max := s.maxReceiptSize()
	f, err := os.Open(filepath.Join(s.In, name))
	if errors.Is(err, os.ErrNotExist) {
		return r, true, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("cannot open: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return r, false, fmt.Errorf("cannot stat: %w", err)
	}
	if !info.Mode().IsRegular() {
		return r, false, errors.New("not a regular file")
	}
	if info.Size() > max {
		return r, false, fmt.Errorf("file is %d bytes; receipts are at most %d", info.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return r, false, fmt.Errorf("cannot read: %w", err)
	}
	if int64(len(data)) > max {
		return r, false, fmt.Errorf("file grew past %d bytes while being read; receipts are at most %d", max, max)
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
