package patientcsv

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/kallelse/kallelse/domain"
)

var ref = time.Date(2026, 11, 25, 10, 0, 0, 0, domain.Stockholm)

func parse(t *testing.T, s string) []rowSummary {
	t.Helper()
	rows, err := Parse(strings.NewReader(s), domain.DefaultIdentityParser(), ref)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var out []rowSummary
	for _, r := range rows {
		rs := rowSummary{line: r.Line}
		if r.Err != nil {
			rs.err = r.Err.Error()
		} else {
			rs.id, rs.name = r.Patient.ID.String(), r.Patient.Name
			rs.acct, rs.notif, rs.sms = r.Patient.Has1177Account, r.Patient.NotificationsEnabled, r.Patient.SMSReminders
			rs.interp, rs.city = r.Patient.Interpreter, r.Patient.Address.City
		}
		out = append(out, rs)
	}
	return out
}

type rowSummary struct {
	line             int
	id, name, err    string
	acct, notif, sms bool
	interp, city     string
}

func TestParse_ColumnsInAnyOrderAndBooleanForms(t *testing.T) {
	rows := parse(t, "name,identity,has_1177_account,notifications_enabled,sms_reminders,interpreter,phone,address,postal_code,city\n"+
		"Tolvan Tolvansson,19121212-1212,ja,JA,1,,070-1234567,Storgatan 1,553 18,Jönköping\n"+
		"Anna Berg,201212121212,nej,false,0,arabiska,,,,\n")
	if len(rows) != 2 {
		t.Fatalf("rows = %+v", rows)
	}
	if r := rows[0]; r.err != "" || r.id != "19121212-1212" || !r.acct || !r.notif || !r.sms || r.city != "Jönköping" || r.line != 2 {
		t.Errorf("row 1 = %+v", r)
	}
	if r := rows[1]; r.err != "" || r.acct || r.interp != "arabiska" || r.line != 3 {
		t.Errorf("row 2 = %+v", r)
	}
}

func TestParse_BadRowsCarryTheirLineAndReason(t *testing.T) {
	rows := parse(t, "identity,name,has_1177_account\n"+
		"19121212-1213,Fel Kontrollsiffra,ja\n"+
		"\"19121212-1212\",\"Namn med\nradbrytning\",kanske\n"+
		"\n"+
		"19121212-1212,För,många,fält\n"+
		"121212-1212,Ok Person,nej\n"+
		"201212121212,Samma Person,ja\n"+
		"20081126-1239,Ok Person,kanske\n")
	want := []struct {
		line int
		err  string
	}{
		{2, "identity: check digit is 3, should be 2"},
		// A field never spans lines: the quote is refused on the line it
		// opened, and the next line is a row of its own.
		{3, "name: quote not closed on this line"},
		{4, "identity: quote inside an unquoted field"},
		{6, "wrong number of fields: 4, the header has 3"},
		{7, ""},
		{8, "identity: same identity number as line 7"},
		{9, "has_1177_account: \"kanske\" is not a yes/no value"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows = %+v", rows)
	}
	for i, w := range want {
		if rows[i].line != w.line || (w.err == "") != (rows[i].err == "") || !strings.Contains(rows[i].err, w.err) {
			t.Errorf("row %d = %+v, want line %d err %q", i, rows[i], w.line, w.err)
		}
	}
}

func TestParse_SpreadsheetQuirks(t *testing.T) {
	latin1, err := charmap.Windows1252.NewEncoder().String("identity;name;city;address;postal_code\n19121212-1212;Åsa Öberg;Växjö;Gatan 1;35230\n")
	if err != nil {
		t.Fatal(err)
	}
	rows := parse(t, latin1)
	if len(rows) != 1 || rows[0].name != "Åsa Öberg" || rows[0].city != "Växjö" {
		t.Fatalf("Windows-1252 with ';': %+v", rows)
	}
	rows = parse(t, "\xef\xbb\xbfidentity,name\n19121212-1212,Åsa\n")
	if len(rows) != 1 || rows[0].err != "" {
		t.Fatalf("UTF-8 with BOM: %+v", rows)
	}
}

func TestParse_FileLevelErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                                "file is empty",
		"identity,name,has_1177_acount\n": "unknown column \"has_1177_acount\"",
		"identity,identity,name\n":        "appears twice",
		"name,phone\n":                    "required column \"identity\" missing",
	} {
		_, err := Parse(strings.NewReader(in), domain.DefaultIdentityParser(), ref)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestParse_ProtectedDeclinedAndGuardians(t *testing.T) {
	in := "identity;name;protected;paper_declined;guardian_name;guardian_address;guardian_postal_code;guardian_city;guardian_phone;guardian2_name\n" +
		"20120303-3327;Lilly Ek;nej;nej;Eva Ek;Storgatan 1;553 18;Jönköping;070-111 22 33;Olof Ek\n" +
		"19121212-1212;Tolvan T;ja;ja;;;;;;\n" +
		"20081126-1239;Nils N;;;;Storgatan 1;;;;\n"
	rows, err := Parse(strings.NewReader(in), domain.DefaultIdentityParser(), time.Date(2026, 11, 25, 10, 0, 0, 0, domain.Stockholm))
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Err != nil || len(rows[0].Patient.Guardians) != 2 || rows[0].Patient.Guardians[0].Address.City != "Jönköping" {
		t.Fatalf("row 2: %+v", rows[0])
	}
	p, err := domain.NewPatient(rows[0].Patient)
	if err != nil || p.Guardians()[0].Phone != "+46701112233" || p.Guardians()[0].Address.PostalCode != "55318" || p.Guardians()[1].Name != "Olof Ek" {
		t.Fatalf("guardians %+v, %v", p.Guardians(), err)
	}
	if !rows[1].Patient.Protected || !rows[1].Patient.PaperDeclined {
		t.Fatalf("row 3: %+v", rows[1].Patient)
	}
	// A guardian without a name, with half an address, is refused by the domain.
	if err := rows[2].Err; err == nil || !strings.Contains(err.Error(), "guardian 1: name missing") || !errors.Is(err, domain.ErrInvalidPatient) {
		t.Fatalf("row 4: %v", err)
	}
}

func TestParse_UnclosedQuoteRejectsItsLineAndLosesNoRow(t *testing.T) {
	rows := parse(t, "identity,name,interpreter\n"+
		"19121212-1212,Tolvan,arabiska\n"+
		"20081126-1239,\"Nils Nilsson,Eksjö\n"+ // the quote opened here is never closed
		"19800517-2344,Anna Digital,\n"+
		"19750821-4561,Ahmad, \"arabiska\" \n"+
		"20120303-3327,\"Lilly, \"\"Ung\"\"\",\n"+
		"19581130-1182,\"Karin\n")
	want := []struct {
		line int
		err  string
	}{
		{2, ""}, {3, "name: quote not closed on this line"}, {4, ""}, {5, ""}, {6, ""}, {7, "name: quote not closed"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows = %+v", rows)
	}
	for i, w := range want {
		if rows[i].line != w.line || (w.err == "") != (rows[i].err == "") || !strings.Contains(rows[i].err, w.err) {
			t.Errorf("row %d = %+v, want line %d err %q", i, rows[i], w.line, w.err)
		}
	}
	if rows[4].name != `Lilly, "Ung"` {
		t.Errorf("quoted field with a delimiter and doubled quotes: %q", rows[4].name)
	}
}

func TestParse_HugeFieldOrLineRejectsItsRowOnly(t *testing.T) {
	huge := strings.Repeat("Tolvansson ", 100_000) // 1.1 MB of patient data
	rows := parse(t, "identity,name,address,postal_code,city\n"+
		"19121212-1212,"+huge+",,,\n"+
		"19800517-2344,"+strings.Repeat("Å", 201)+",,,\n"+
		"19750821-4561,Ahmad,"+strings.Repeat("g", 300)+",33130,Värnamo\n"+
		"20081126-1239,Nils,Storgatan 1,"+strings.Repeat("5", 17)+",Eksjö\n"+
		"20120303-3327,"+strings.Repeat("Å", 200)+",,,\n")
	want := []struct {
		line int
		err  string
	}{
		{2, "line is 1100017 bytes long, more than the 16384 a line may have"},
		{3, "name: 201 characters, more than the 200 allowed"},
		{4, "address: 300 characters, more than the 200 allowed"},
		{5, "postal_code: 17 characters, more than the 16 allowed"},
		{6, ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows", len(rows))
	}
	for i, w := range want {
		if rows[i].line != w.line || (w.err == "") != (rows[i].err == "") || !strings.Contains(rows[i].err, w.err) {
			t.Errorf("row %d = line %d err %q, want line %d err %q", i, rows[i].line, rows[i].err, w.line, w.err)
		}
		if strings.Contains(rows[i].err, "Tolvansson") || strings.Contains(rows[i].err, "ÅÅ") || strings.Contains(rows[i].err, "gg") {
			t.Errorf("row %d: error repeats the field: %.100q", i, rows[i].err)
		}
	}
	if _, err := Parse(strings.NewReader("identity,name,"+huge+"\n"), domain.DefaultIdentityParser(), ref); err == nil ||
		len(err.Error()) > 300 || !strings.Contains(err.Error(), "header (line 1): 1100014 bytes long") {
		t.Errorf("huge header: %.300v", err)
	}
}

func TestParse_ControlCharactersAreRefusedNamingTheColumn(t *testing.T) {
	rows := parse(t, "identity;name;city;address;postal_code;interpreter\n"+
		"19121212-1212;Tolvan\x00Tolvansson;;;;\n"+
		"19800517-2344;Anna;Jönköping\x7f;Gatan 1;55331;\n"+
		"19750821-4561;Ahmad;;;;arabiska\x1b[31m\n"+
		"20081126-1239;Nils;;;;\u0085\n"+
		"20120303-3327;\"Lilly\tUng\";Tranås;Brogatan\t3;57335;\n")
	want := []string{
		"name: holds the control character U+0000",
		"city: holds the control character U+007F",
		"interpreter: holds the control character U+001B",
		"interpreter: holds the control character U+0085",
		"",
	}
	if len(rows) != len(want) {
		t.Fatalf("rows = %+v", rows)
	}
	for i, w := range want {
		if (w == "") != (rows[i].err == "") || !strings.Contains(rows[i].err, w) {
			t.Errorf("row %d = %+v, want err %q", i, rows[i], w)
		}
	}
	if rows[4].name != "Lilly Ung" {
		t.Errorf("a tab reads as a space: %q", rows[4].name)
	}
}

func TestParse_ErrorsNeverHoldAnIdentityNumber(t *testing.T) {
	rows := parse(t, "identity,name,phone,has_1177_account,postal_code,address,city\n"+
		"19121212-1213,Fel Siffra,,,,,\n"+ // a mistyped number is someone's number, nearly
		"19121212-1212,Tolvan,,,,,\n"+
		"191212121212,Tolvan Igen,,,,,\n"+
		"19800517-2344,Anna,19121212-1212,,,,\n"+ // columns shifted
		"19750821-4561,Ahmad,,121212-1212,,,\n"+
		"20081126-1239,Nils,,,x191212121212,Gatan 1,Eksjö\n"+
		"20120303-3327,Lilly,,19700101-K123,,,\n")
	if len(rows) != 7 || rows[1].err != "" {
		t.Fatalf("rows = %+v", rows)
	}
	for _, r := range rows {
		for _, id := range []string{"1912121212", "121212-1212", "19700101-K123", "19700101K123"} {
			if strings.Contains(r.err, id) {
				t.Errorf("line %d: error %q holds an identity number", r.line, r.err)
			}
		}
	}
	if !strings.Contains(rows[2].err, "same identity number as line 3") || !strings.Contains(rows[3].err, "phone number") ||
		!strings.Contains(rows[4].err, "has_1177_account: holds an identity number (are the columns shifted?)") ||
		!strings.Contains(rows[5].err, "postal code") || !strings.Contains(rows[6].err, "has_1177_account: holds an identity number") {
		t.Errorf("rows = %+v", rows)
	}
	// A file without its header row.
	_, err := Parse(strings.NewReader("19121212-1212,Tolvan\n"), domain.DefaultIdentityParser(), ref)
	if err == nil || !strings.Contains(err.Error(), "add a header row") || strings.Contains(err.Error(), "1212") {
		t.Errorf("no header: %v", err)
	}
}

func TestParse_LineEndingsAndBlankLines(t *testing.T) {
	for name, in := range map[string]string{
		"LF":   "identity,name\n\n19121212-1212,Tolvan\n , ,\n19800517-2344,Anna\n",
		"CRLF": "\xef\xbb\xbfidentity,name\r\n\r\n19121212-1212,Tolvan\r\n , ,\r\n19800517-2344,Anna",
		"CR":   "identity,name\r\r19121212-1212,Tolvan\r , ,\r19800517-2344,Anna\r",
		"tab":  "identity\tname\n\n19121212-1212\tTolvan\n \t \n19800517-2344\tAnna\n",
	} {
		rows := parse(t, in)
		if len(rows) != 2 || rows[0].line != 3 || rows[1].line != 5 || rows[0].err != "" || rows[1].err != "" {
			t.Errorf("%s: rows = %+v", name, rows)
		}
	}
}
