package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/knadh/koanf/parsers/toml/v2"
)

// loadTOML loads the defaults with file laid over them, and env.
func loadTOML(t *testing.T, file string, env ...string) (*Config, error) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "kallelse.toml")
	if err := os.WriteFile(f, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(Source{File: f, Required: true, Environ: env})
}

func TestDefaults_PassTheSchema(t *testing.T) {
	tree, err := toml.Parser().Unmarshal(defaultsTOML)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkTree(schema, nil, tree, "defaults", origins{}); err != nil {
		t.Fatal(err)
	}
}

// Every number and duration of the Config struct has a bound, and every
// bound a key: a new field cannot escape the range checks.
func TestBounds_CoverEveryNumberAndDuration(t *testing.T) {
	seen := map[string]bool{}
	var walk func(n *node, path string)
	walk = func(n *node, path string) {
		switch n.kind {
		case table:
			for name, f := range n.fields {
				walk(f, strings.TrimPrefix(path+"."+name, "."))
			}
		case named:
			walk(n.elem, path+".*")
		case leafInt, leafDur:
			seen[path] = true
			if _, ok := bounds[path]; !ok {
				t.Errorf("%s has no bound", path)
			}
			if b := bounds[path]; n.kind == leafDur && b.example == "" {
				t.Errorf("%s has no example for the unit hint", path)
			}
		}
	}
	walk(schema, "")
	for key := range bounds {
		if !seen[key] {
			t.Errorf("bound %s names no number or duration", key)
		}
	}
}

func TestRanges_EachErrorNamesKeyValueAndRange(t *testing.T) {
	cases := []struct{ file, want string }{
		{"[exams.ekg24]\nduration = 30\n", `exams.ekg24.duration: 30 has no unit; write it with a unit, e.g. "45m" (between 5m and 12h)`},
		{"[exams.ekg24]\nduration = \"30\"\n", `exams.ekg24.duration: "30" has no unit; write it with a unit, e.g. "45m" (between 5m and 12h)`},
		{"[exams.ekg24]\nduration = 0.5\n", `exams.ekg24.duration: 0.5 has no unit`},
		{"[exams.ekg24]\nduration = \"half an hour\"\n", `exams.ekg24.duration: "half an hour" is not a duration; write it with a unit, e.g. "45m"`},
		{"[exams.ekg24]\nduration = \"1ns\"\n", `exams.ekg24.duration: 1ns is not between 5m and 12h`},
		{"[exams.ekg24]\nduration = \"4m\"\n", `exams.ekg24.duration: 4m is not between 5m and 12h`},
		{"[exams.ekg24]\nduration = \"13h\"\n", `exams.ekg24.duration: 13h is not between 5m and 12h`},
		{"[exams.ekg24]\nduration = \"30m30s\"\n", `exams.ekg24.duration: 30m30s is not a whole number of minutes`},
		{"[exams.ekg24]\nstage = 0\n", `exams.ekg24.stage: 0 is not between 1 and 9`},
		{"[exams.ekg24]\nstage = 10\n", `exams.ekg24.stage: 10 is not between 1 and 9`},
		{"[exams.ekg24]\nstage = 1.5\n", `exams.ekg24.stage: 1.5 is not a whole number`},
		{"[exams.ekg24]\nstage = 2.0\n", `exams.ekg24.stage: 2.0 is not a whole number (write it without a decimal point)`},
		{"[exams.ekg24]\nstage = \"2\"\n", `exams.ekg24.stage: "2" is not a whole number (write it without quotes)`},
		{"[schedule]\nfallback_after = 72\n", `schedule.fallback_after: 72 has no unit; write it with a unit, e.g. "72h" (between 1h and 336h)`},
		{"[schedule]\nfallback_after = \"59m\"\n", `schedule.fallback_after: 59m is not between 1h and 336h`},
		{"[schedule]\nfallback_after = \"337h\"\n", `schedule.fallback_after: 337h is not between 1h and 336h`},
		{"[schedule]\npostal_lead_days = 0\n", `schedule.postal_lead_days: 0 is not between 1 and 10`},
		{"[schedule]\npostal_lead_days = 11\n", `schedule.postal_lead_days: 11 is not between 1 and 10`},
		{"[schedule]\nreminder_min_lead = \"-1m\"\n", `schedule.reminder_min_lead: -1m is not between 0s and 24h`},
		{"[schedule]\nreminder_min_lead = \"25h\"\n", `schedule.reminder_min_lead: 25h is not between 0s and 24h`},
		{"[schedule]\nphone_task_after = \"10m\"\n", `schedule.phone_task_after: 10m is not between 15m and 72h`},
		{"[schedule]\nphone_task_after = \"73h\"\n", `schedule.phone_task_after: 73h is not between 15m and 72h`},
		{"[loop]\ninterval = \"500ms\"\n", `loop.interval: 500ms is not between 1s and 1h`},
		{"[loop]\ninterval = 30\n", `loop.interval: 30 has no unit; write it with a unit, e.g. "30s"`},
		{"[server]\nidle_timeout = \"30s\"\n", `server.idle_timeout: 30s is not 0s (never) or between 1m and 24h`},
		{"[server]\nidle_timeout = \"25h\"\n", `server.idle_timeout: 25h is not 0s (never) or between 1m and 24h`},
		{"[server]\nidle_timeout = 0\n", `server.idle_timeout: 0 has no unit; write it with a unit, e.g. "8h" (0s (never) or between 1m and 24h)`},
		{"[guardians]\nletters_below_age = 0\n", `guardians.letters_below_age: 0 is not between 1 and 18`},
		{"[guardians]\nsms_below_age = 19\n", `guardians.sms_below_age: 19 is not between 1 and 18`},
		{"[audit]\nretention_years = 4\n", `audit.retention_years: 4 is not between 5 and 100 (the access log must be kept at least 5 years`},
		{"[audit]\nretention_years = 101\n", `audit.retention_years: 101 is not between 5 and 100`},
		{"[audit]\nretention_years = 9223372036854775807\n", `audit.retention_years: 9223372036854775807 is not between 5 and 100`},
	}
	for _, c := range cases {
		_, err := loadTOML(t, c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s", c.file, err, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "config file ") {
			t.Errorf("%q: %v does not say it is the file", c.file, err)
		}
	}
}

func TestRanges_EdgesAreAccepted(t *testing.T) {
	c, err := loadTOML(t, `
[exams.ekg24]
duration = "5m"
stage = 9
[exams.mps]
duration = "12h"
stage = 1
[schedule]
fallback_after = "336h"
postal_lead_days = 10
reminder_min_lead = "0s"
phone_task_after = "15m"
[loop]
interval = "1h"
[server]
idle_timeout = "0s"
[guardians]
letters_below_age = 1
sms_below_age = 18
[audit]
retention_years = 100
`)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Catalogue().Exam("ekg24"); e.Duration != 5*time.Minute || e.Stage != 9 {
		t.Errorf("ekg24 %+v", e)
	}
	for _, f := range []string{"[server]\nidle_timeout = \"1m\"\n", "[server]\nidle_timeout = \"24h\"\n",
		"[schedule]\nfallback_after = \"1h\"\npostal_lead_days = 1\nreminder_min_lead = \"24h\"\nphone_task_after = \"72h\"\n",
		"[loop]\ninterval = \"1s\"\n", "[audit]\nretention_years = 5\n"} {
		if _, err := loadTOML(t, f); err != nil {
			t.Errorf("%q: %v", f, err)
		}
	}
}

func TestWrongTypes_AreRefusedNotCoerced(t *testing.T) {
	cases := []struct{ file, want string }{
		{"[exams.ekg24]\ndigital = 1\n", `exams.ekg24.digital: 1 is not true or false`},
		{"[exams.ekg24]\ndigital = \"true\"\n", `exams.ekg24.digital: "true" is not true or false`},
		{"[sites.ryhov]\npostal_code = 55305\n", `sites.ryhov.postal_code: 55305 is not text (write it in quotes)`},
		{"[clinic]\ndepartment = true\n", `clinic.department: true is not text (write it in quotes)`},
		{"[clinic]\ndepartment = 1979-05-27\n", `clinic.department: 1979-05-27 is not text (write it in quotes)`},
		{"[clinic]\ndepartment = 1979-05-27T07:32:00Z\n", `clinic.department: 1979-05-27T07:32:00Z is not text (write it in quotes)`},
		{"[clinic]\ndepartment = [\"a\"]\n", `clinic.department: a list is not text`},
		{"exams = 5\n", `exams: 5 is not a table`},
		{"[exams]\nekg24 = \"x\"\n", `exams.ekg24: "x" is not a table`},
		{"[staff.anna]\nrole = \"admin\"\nkeys = \"ssh-ed25519 AAAA\"\n", `staff.anna.keys: "ssh-ed25519 AAAA" is not a list (write it in brackets`},
		{"[staff.anna]\nrole = \"admin\"\nkeys = [1]\n", `staff.anna.keys[0]: 1 is not text`},
		{"[exams.\"a.b\"]\nname = \"x\"\n", `exams."a.b": a name can be neither empty nor contain "."`},
		{"[\"klinik-ö\"]\nx = 1\n", `unknown key "klinik-ö"`},
		{"[exams.ekg24]\ndigtal = false\n", `unknown key exams.ekg24.digtal`},
	}
	for _, c := range cases {
		_, err := loadTOML(t, c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s", c.file, err, c.want)
		}
	}
}

func TestHSAID_RefusedAtLoadWhenBlankOrMisshapen(t *testing.T) {
	for file, want := range map[string]string{
		"[clinic]\nhsa_id = \"\"\n":                                 "clinic.hsa_id: missing",
		"[clinic]\nhsa_id = \"  \"\n":                               "clinic.hsa_id: missing",
		"[clinic]\nhsa_id = \"KF01\"\n":                             `clinic.hsa_id: "KF01" is not an HSA-id`,
		"[clinic]\nhsa_id = \"se2321000057-KF01\"\n":                `is not an HSA-id`,
		"[clinic]\nhsa_id = \"SE232100005-KF01\"\n":                 `is not an HSA-id`,
		"[clinic]\nhsa_id = \"SE2321000057-\"\n":                    `is not an HSA-id`,
		"[clinic]\nhsa_id = \"SE2321000057-KF 01\"\n":               `is not an HSA-id`,
		"[clinic]\nhsa_id = \" SE2321000057-KF01\"\n":               `is not an HSA-id`,
		"[clinic]\nhsa_id = \"SE2321000057-Klinö\"\n":               `is not an HSA-id`,
		"[clinic]\nhsa_id = \"SE2321000057-KF01@x\"\n":              `is not an HSA-id`,
		"[clinic]\nhsa_id = \"SE2321000057-1234567890123456789\"\n": `is not an HSA-id`, // 32 characters
	} {
		_, err := loadTOML(t, file)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", file, err, want)
		}
	}
	for _, id := range []string{"SE2321000057-KF01", "SE2321000057-1234", "SE2321000016-15CQ", "SE2321000057-12345678901234567"} {
		if _, err := loadTOML(t, "[clinic]\nhsa_id = \""+id+"\"\n"); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	if _, err := Load(Source{Environ: []string{"KALLELSE_CLINIC__HSA_ID=x"}}); err == nil ||
		err.Error() != `environment variable KALLELSE_CLINIC__HSA_ID: clinic.hsa_id: "x" is not an HSA-id ("SE", the 10-digit organisation number, "-", then letters or digits; at most 31 characters)` {
		t.Errorf("env: %v", err)
	}
}

func TestEnvironment_ErrorsNameTheVariable(t *testing.T) {
	cases := []struct {
		env  []string
		want string
	}{
		{[]string{"KALLELSE_EXAMS__EKG24__DIGTAL=false"}, "environment variable KALLELSE_EXAMS__EKG24__DIGTAL: unknown key exams.ekg24.digtal"},
		{[]string{"KALLELSE_EXAMS__EKG24__DIGTAL="}, "environment variable KALLELSE_EXAMS__EKG24__DIGTAL: unknown key exams.ekg24.digtal"},
		{[]string{"KALLELSE_CLINIK__DEPARTMENT=x"}, "environment variable KALLELSE_CLINIK__DEPARTMENT: unknown key clinik.department"},
		{[]string{"KALLELSE_EXAMS_EKG24_DIGITAL=false"}, "environment variable KALLELSE_EXAMS_EKG24_DIGITAL: unknown key exams_ekg24_digital"},
		{[]string{"KALLELSE_DATABASE=x"}, "environment variable KALLELSE_DATABASE: unknown key database"},
		{[]string{"KALLELSE_=x"}, `environment variable KALLELSE_: unknown key ""`},
		{[]string{"KALLELSE_EXAMS__EKG24=x"}, "environment variable KALLELSE_EXAMS__EKG24: exams.ekg24 is a table; set one of its keys (KALLELSE_EXAMS__EKG24__…)"},
		{[]string{"KALLELSE_EXAMS__EKG24__NAME__X=x"}, "environment variable KALLELSE_EXAMS__EKG24__NAME__X: unknown key exams.ekg24.name.x"},
		{[]string{"KALLELSE_EXAMS__EKG24__DIGITAL=kanske"}, `environment variable KALLELSE_EXAMS__EKG24__DIGITAL: exams.ekg24.digital: "kanske" is not true or false`},
		{[]string{"KALLELSE_EXAMS__EKG24__STAGE=two"}, `environment variable KALLELSE_EXAMS__EKG24__STAGE: exams.ekg24.stage: "two" is not a whole number`},
		{[]string{"KALLELSE_EXAMS__EKG24__DURATION=30"}, `environment variable KALLELSE_EXAMS__EKG24__DURATION: exams.ekg24.duration: "30" has no unit; write it with a unit, e.g. "45m" (between 5m and 12h)`},
		{[]string{"KALLELSE_EXAMS__EKG24__DURATION=1ns"}, `environment variable KALLELSE_EXAMS__EKG24__DURATION: exams.ekg24.duration: 1ns is not between 5m and 12h`},
		{[]string{"KALLELSE_AUDIT__RETENTION_YEARS=99999999999999999999"}, `environment variable KALLELSE_AUDIT__RETENTION_YEARS: audit.retention_years: 99999999999999999999 is not between 5 and 100`},
		{[]string{"KALLELSE_EXAMS__EKG24__STAGE=0"}, `environment variable KALLELSE_EXAMS__EKG24__STAGE: exams.ekg24.stage: 0 is not between 1 and 9`},
		{[]string{"KALLELSE_CLINIC__PHONE=\xff"}, `environment variable KALLELSE_CLINIC__PHONE: clinic.phone: the value is not UTF-8 text`},
		{[]string{"KALLELSE_POLICY__SAMORDNINGSNUMMER=never"}, `environment variable KALLELSE_POLICY__SAMORDNINGSNUMMER: policy.samordningsnummer: "never" is neither`},
		{[]string{"KALLELSE_EXAMS__NEW__NAME=Ny"}, `environment variable KALLELSE_EXAMS__NEW__NAME: exams.new.duration: missing (e.g. "45m", between 5m and 12h)`},
		{[]string{"KALLELSE_EXAMS__EKG-Ö__NAME=x", "KALLELSE_EXAMS__EKG-Ö__DURATION=5m", "KALLELSE_EXAMS__EKG-Ö__STAGE=1"}, `environment variable KALLELSE_EXAMS__EKG-Ö__NAME: exams.ekg-ö: code must be`},
	}
	for _, c := range cases {
		_, err := Load(Source{Environ: c.env})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v:\n got %v\nwant %s", c.env, err, c.want)
		}
	}
}

func TestEnvironment_ValuesTakeTheirKeysType(t *testing.T) {
	c, err := Load(Source{Environ: []string{
		"KALLELSE_CLINIC__PHONE=0102420000", // text, not the number 102420000
		"KALLELSE_SITES__RYHOV__POSTAL_CODE=05530",
		"KALLELSE_EXAMS__EKG24__DIGITAL=0", // a boolean as strconv reads it
		"KALLELSE_EXAMS__EKG24__STAGE=2",
		"KALLELSE_EXAMS__MPS__DIGITAL=", // empty: as if unset
		"KALLELSE_SPOOL__DIR=",
		"KALLELSE_SCHEDULE__FALLBACK_AFTER=48h",
		"KALLELSE_DB=/x", "KALLELSE_CONFIG=/y", "KALLELSE_NOW=2026-01-01", "KALLELSE_USER=anna",
		"NOT_KALLELSE_X=1", "KALLELSE_NO_EQUALS_SIGN",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Clinic.Phone != "0102420000" {
		t.Errorf("phone %q", c.Clinic.Phone)
	}
	if s, _ := c.Catalogue().Site("ryhov"); s.PostalCode != "05530" {
		t.Errorf("postal code %q", s.PostalCode)
	}
	if e, _ := c.Catalogue().Exam("ekg24"); e.Digital || e.Stage != 2 {
		t.Errorf("ekg24 %+v", e)
	}
	if e, _ := c.Catalogue().Exam("mps"); e.Digital {
		t.Error("an empty variable changed mps")
	}
	if c.DomainSchedule().FallbackAfter != 48*time.Hour {
		t.Errorf("fallback %v", c.DomainSchedule().FallbackAfter)
	}
	out, _ := c.TOML()
	if !strings.Contains(string(out), "phone = '0102420000'") && !strings.Contains(string(out), `phone = "0102420000"`) {
		t.Errorf("config show would print the phone number as a number:\n%s", out)
	}
}

func TestErrors_SayWhichSourceSetTheKey(t *testing.T) {
	// The file sets a good value, the environment a bad one: the variable is named.
	_, err := loadTOML(t, "[loop]\ninterval = \"10s\"\n", "KALLELSE_LOOP__INTERVAL=2h")
	if err == nil || err.Error() != "environment variable KALLELSE_LOOP__INTERVAL: loop.interval: 2h is not between 1s and 1h" {
		t.Errorf("env over file: %v", err)
	}
	// A table the file adds and leaves incomplete is the file's.
	_, err = loadTOML(t, "[exams.ny]\nname = \"Ny\"\nduration = \"20m\"\n")
	if err == nil || !strings.Contains(err.Error(), "kallelse.toml: exams.ny.stage: missing (between 1 and 9)") {
		t.Errorf("incomplete table: %v", err)
	}
	_, err = loadTOML(t, "[staff.anna]\nrole = \"admin\"\nkeys = [\"nope\"]\n")
	if err == nil || !strings.Contains(err.Error(), "kallelse.toml: staff.anna.keys[0]: not a public key") {
		t.Errorf("staff key: %v", err)
	}
	// A rule between keys is the configuration's, unless the key it names
	// was set by the file or the environment.
	_, err = loadTOML(t, "[schedule]\nquiet_from = \"16:00\"\n")
	if err == nil || err.Error() != "configuration: schedule.reminder_at: 17:00 falls in the quiet hours 16:00–08:00 (schedule.quiet_from, schedule.quiet_to)" {
		t.Errorf("quiet hours: %v", err)
	}
}

func TestFmtDur(t *testing.T) {
	for d, want := range map[time.Duration]string{
		12 * time.Hour: "12h", 90 * time.Minute: "1h30m", 45 * time.Minute: "45m", 30 * time.Second: "30s",
		time.Nanosecond: "1ns", 0: "0s", -time.Minute: "-1m", 336 * time.Hour: "336h", time.Hour + time.Second: "1h0m1s",
	} {
		if got := fmtDur(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

func TestBackup_KeysAreChecked(t *testing.T) {
	c, err := loadTOML(t, "[backup]\ndir = \"/var/backups/kallelse\"\nkeep = 7\nat = \"03:15\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Backup.Dir != "/var/backups/kallelse" || c.Backup.Keep != 7 || c.Backup.AtClock() != 3*time.Hour+15*time.Minute {
		t.Fatalf("backup = %+v, at %v", c.Backup, c.Backup.AtClock())
	}
	for in, want := range map[string]string{
		"[backup]\nkeep = 0\n":       "backup.keep: 0 is not between 1 and 365",
		"[backup]\nat = \"25:00\"\n": "backup.at",
	} {
		if _, err := loadTOML(t, in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
}
