package patientcsv

import (
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
		"121212-1212,Ok Person,nej\n")
	want := []struct {
		line int
		err  string
	}{
		{2, "should be 2"},
		{3, "has_1177_account: \"kanske\" is not a yes/no value"},
		{6, "wrong number of fields"},
		{7, ""},
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
	if _, err := domain.NewPatient(rows[2].Patient); err == nil || !strings.Contains(err.Error(), "guardian 1: name missing") {
		t.Fatalf("row 4: %v", err)
	}
}
