// Package patientcsv reads the patient import file: CSV with a header row,
// columns in any order. It accepts what Swedish spreadsheets produce — a
// byte-order mark, ';' as the delimiter, Windows-1252 instead of UTF-8 — and
// reports each bad row with its line number instead of giving up on the file.
package patientcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
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

// MaxSize bounds the file read into memory.
const MaxSize = 64 << 20

// Parse reads the whole file. A problem with the file as a whole (no header,
// an unknown or missing column) is an error; a problem with a row is that
// row's Err. ref decides the century of 10-digit identity numbers.
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
			return nil, fmt.Errorf("file is neither UTF-8 nor Windows-1252: %w", err)
		}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = detectDelimiter(data)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("file is empty; expected a header row: " + strings.Join(Columns, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	col, err := columnIndex(header)
	if err != nil {
		return nil, err
	}
	var rows []service.ImportRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
				err = pe.Err
			}
			rows = append(rows, service.ImportRow{Line: line, Err: err})
			if rec == nil && !errors.As(err, &pe) {
				return rows, nil
			}
			continue
		}
		if isBlank(rec) {
			continue
		}
		in, err := parseRow(rec, col, parser, ref)
		rows = append(rows, service.ImportRow{Line: line, Patient: in, Err: err})
	}
}

func detectDelimiter(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	best, n := ',', bytes.Count(first, []byte(","))
	for _, d := range []rune{';', '\t'} {
		if c := bytes.Count(first, []byte(string(d))); c > n {
			best, n = d, c
		}
	}
	return best
}

func columnIndex(header []string) (map[string]int, error) {
	known := map[string]bool{}
	for _, c := range Columns {
		known[c] = true
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !known[h] {
			return nil, fmt.Errorf("header: unknown column %q (known: %s)", header[i], strings.Join(Columns, ", "))
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

func isBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func parseRow(rec []string, col map[string]int, parser domain.IdentityParser, ref time.Time) (domain.PatientInput, error) {
	get := func(name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	id, err := parser.Parse(get("identity"), ref)
	if err != nil {
		return domain.PatientInput{}, err
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
		if g.Name == "" && g.Phone == "" && g.Address.IsZero() {
			continue
		}
		in.Guardians = append(in.Guardians, g)
	}
	return in, nil
}

// ParseBool accepts ja/nej, true/false and 1/0 in any case; empty is false.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "ja", "true", "1":
		return true, nil
	case "nej", "false", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a yes/no value (use ja/nej, true/false or 1/0)", s)
}
