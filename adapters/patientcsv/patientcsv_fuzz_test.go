package patientcsv

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kallelse/kallelse/domain"
)

// csvSeeds are also committed, one a file, under testdata/fuzz/FuzzParse so
// that plain `go test` runs them too; the regress-* files there are what
// the fuzzer found.
var csvSeeds = []string{
	// valid
	"identity,name,address,postal_code,city,phone,interpreter,has_1177_account,notifications_enabled,sms_reminders\n" +
		"19121212-1212,Tolvan Tolvansson,Storgatan 1,553 18,Jönköping,070-123 45 67,,ja,ja,ja\n" +
		"19900161-4479,Piotr Nowak,Storgatan 5,33131,Värnamo,,,true,1,0\n" +
		"19800101-K123,Okänd Reserv,,,,,,nej,nej,nej\n",
	// BOM and CRLF, no final line break
	"\xef\xbb\xbfidentity,name,city\r\n19121212-1212,Åsa,\r\n\r\n121212+1212,Tolvan,\r\n201212121212,Anna,",
	// ';' and Windows-1252 ("Åsa Öberg", "Växjö")
	"identity;name;city;address;postal_code\n19121212-1212;\xc5sa \xd6berg;V\xe4xj\xf6;Gatan 1;35230\n19800517-2344;Anna;;;\n",
	// tab, and a lone CR as line break
	"identity\tname\tinterpreter\r19121212-1212\tTolvan\tarabiska\r\t\t\r19800517-2344\t\"Anna\tB\"\t\r",
	// a quote never closed, before good rows
	"identity,name,phone\n19121212-1212,\"Tolvan,070-1234567\n19800517-2344,Anna,\n19750821-4561,\"Ahmad \"\"A\"\"\",\n",
	// a quote never closed on the last line
	"identity,name\n19121212-1212,Tolvan\n19800517-2344,\"Anna",
	// a field across lines, as Excel writes a cell with Alt+Enter
	"identity,name,address,postal_code,city\n19121212-1212,Tolvan,\"Storgatan 1\nLgh 1102\",55318,Jönköping\n19800517-2344,Anna,,,\n",
	// a bare quote and text after a closing quote
	"identity,name\n19121212-1212,Tolvan \"Tolle\" T\n19800517-2344,\"Anna\"x\n19750821-4561, \"Ahmad\" \n",
	// a huge field: the line is longer than MaxLineLength
	"identity,name\n19121212-1212," + strings.Repeat("Tolvansson ", 1500) + "\n19800517-2344,Anna\n",
	// a field just over its limit
	"identity,name,postal_code\n19121212-1212," + strings.Repeat("Å", 201) + ",\n19800517-2344,Anna," + strings.Repeat("1", 17) + "\n",
	// control characters
	"identity,name,city,interpreter\n19121212-1212,Tol\x00van,,\n19800517-2344,Anna,,\x7f\n19750821-4561,Ahmad,,\x1b[2J\n",
	// empty, blank, header only
	"",
	" \n\t\n",
	"identity,name\n",
	// the same identity twice, in two forms
	"identity,name\n19121212-1212,Tolvan\n121212+1212,Tolvan Igen\n191212121212,Tolvan Tredje\n",
	// no header row: the first line is a patient
	"19121212-1212,Tolvan Tolvansson,ja\n19800517-2344,Anna,nej\n",
	// unknown and repeated columns
	"identity,name,has_1177_acount\n19121212-1212,Tolvan,ja\n",
	"identity,name,Name\n19121212-1212,Tolvan,T\n",
	// identity numbers in the wrong columns, wrong number of fields
	"identity,name,phone,has_1177_account,postal_code\n19800517-2344,Anna,19121212-1212,,\n19750821-4561,Ahmad,,121212-1212,\n20081126-1239,Nils,,,191212121212\n19121212-1213,Fel,,\n",
	// guardians
	"identity;name;protected;paper_declined;guardian_name;guardian_address;guardian_postal_code;guardian_city;guardian_phone;guardian2_name\n" +
		"20120303-3327;Lilly Ek;nej;nej;Eva Ek;Storgatan 1;553 18;Jönköping;070-111 22 33;Olof Ek\n" +
		"20081126-1239;Nils N;;;;Storgatan 1;;;;\n",
}

// FuzzParse: the import parser never panics; every line after the header
// that is not blank comes back as exactly one row, imported or rejected,
// in order and with its line number; an accepted row is a valid patient,
// its text within the limits and free of control characters, whose
// identity number no earlier accepted row has; no error is longer
// than maxErrorLength bytes or holds an identity number.
func FuzzParse(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s))
	}
	p := domain.DefaultIdentityParser()
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := Parse(bytes.NewReader(data), p, ref)
		if err != nil {
			checkErrorText(t, p, "file", err.Error())
			if rows != nil {
				t.Fatalf("file error %q with %d rows", err, len(rows))
			}
			return
		}
		want := dataLines(data)
		if len(rows) != len(want) {
			t.Fatalf("%d lines after the header hold data, %d rows (imported + rejected) came back", len(want), len(rows))
		}
		seen := map[string]bool{}
		for i, r := range rows {
			if r.Line != want[i] {
				t.Fatalf("row %d has line %d, want %d", i, r.Line, want[i])
			}
			if r.Err != nil {
				checkErrorText(t, p, "row", r.Err.Error())
				continue
			}
			in := r.Patient
			for _, f := range []struct{ col, v string }{
				{"name", in.Name}, {"address", in.Address.Street}, {"postal_code", in.Address.PostalCode},
				{"city", in.Address.City}, {"phone", in.Phone}, {"interpreter", in.Interpreter},
			} {
				if n := utf8.RuneCountInString(f.v); n > MaxFieldLength(f.col) || strings.IndexFunc(f.v, unicode.IsControl) >= 0 {
					t.Fatalf("line %d accepted with %s of %d characters %+q", r.Line, f.col, n, f.v)
				}
			}
			// As a new patient: whole, unless a known one's stored parts
			// may make it so (the import checks again after KeepFrom).
			pt, err := domain.NewPatient(r.Patient.KeepFrom(nil, r.Keep))
			if err != nil && storedMayMend(err, r.Keep) {
				continue
			}
			if err != nil {
				t.Fatalf("line %d accepted but invalid: %v", r.Line, err)
			}
			if seen[pt.ID().Canonical()] {
				t.Fatalf("line %d: identity number accepted twice", r.Line)
			}
			seen[pt.ID().Canonical()] = true
		}
	})
}

// dataLines is an oracle for the line numbers Parse must answer for: the
// lines after the header (the first line with more than spaces and tabs)
// that hold more than spaces, tabs and the delimiter. A line ends at
// "\r\n", "\n" or "\r".
func dataLines(data []byte) []int {
	text := strings.ReplaceAll(string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), "\r\n", "\n")
	text = strings.TrimSuffix(strings.ReplaceAll(text, "\r", "\n"), "\n")
	var out []int
	comma := ""
	for i, line := range strings.Split(text, "\n") {
		if comma == "" {
			if strings.Trim(line, " \t") != "" {
				comma = detectDelimiter(line)
			}
			continue
		}
		if strings.Trim(line, " \t"+comma) != "" {
			out = append(out, i+1)
		}
	}
	return out
}

// checkErrorText fails when msg is too long or holds anything that parses
// as an identity number: a run of 10 to 13 letters, digits, '-' and '+'
// (spaces between them allowed, as Parse allows them).
func checkErrorText(t *testing.T, p domain.IdentityParser, what, msg string) {
	t.Helper()
	if len(msg) > maxErrorLength {
		t.Fatalf("%s error of %d bytes: %.100q…", what, len(msg), msg)
	}
	isAlnum := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
	for i := 0; i < len(msg); i++ {
		if msg[i] < '0' || msg[i] > '9' {
			continue
		}
		n := 0
		for j := i; j < len(msg) && n <= 13; j++ {
			c := msg[j]
			switch {
			case isAlnum(c) || c == '-' || c == '+':
				n++
			case c == ' ':
				continue
			default:
				j = len(msg)
				continue
			}
			if n >= 10 && isAlnum(c) {
				if id, err := p.Parse(msg[i:j+1], ref); err == nil {
					t.Fatalf("%s error %q holds the identity number %s", what, msg, id)
				}
			}
		}
	}
}
