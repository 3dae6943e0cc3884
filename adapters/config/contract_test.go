package config

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The README writes every time of day HH:MM: one written otherwise is
// refused, naming the key and the file (or the variable) that set it,
// where "2:30" and "9:00" were taken as 02:30 and 09:00.
func TestTimesOfDay_HHMM(t *testing.T) {
	keys := map[string]string{
		"backup.at": "[backup]\nat = %q\n", "schedule.print_cutoff": "[schedule]\nprint_cutoff = %q\n",
		"schedule.reminder_at": "[schedule]\nreminder_at = %q\n", "schedule.quiet_from": "[schedule]\nquiet_from = %q\n",
		"schedule.quiet_to": "[schedule]\nquiet_to = %q\n", "schedule.phone_by": "[schedule]\nphone_by = %q\n",
	}
	for key, format := range keys {
		for _, bad := range []string{"02:3", "0230", "02.30", " 02:30", "02:30 ", "24:00", "02:60", "02:30:00", "+2:30", "٠٢:٣٠", "002:30"} {
			_, err := loadTOML(t, strings.ReplaceAll(format, "%q", `"`+bad+`"`))
			want := key + `: "` + bad + `" is not a time of day (HH:MM`
			if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "config file ") ||
				!strings.Contains(err.Error(), "kallelse.toml: "+key) {
				t.Errorf("%s = %q: error %v, want it to name the file and %q", key, bad, err, want)
			}
		}
	}
	_, err := Load(Source{Environ: []string{"KALLELSE_BACKUP__AT=2:3"}})
	if err == nil || err.Error() != `environment variable KALLELSE_BACKUP__AT: backup.at: "2:3" is not a time of day (HH:MM, e.g. "02:30")` {
		t.Errorf("env: %v", err)
	}
	c, err := loadTOML(t, "[backup]\nat = \"00:00\"\n[schedule]\nprint_cutoff = \"09:05\"\nquiet_from = \"23:59\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Backup.AtClock() != 0 || c.DomainSchedule().PrintCutoff != 9*time.Hour+5*time.Minute ||
		c.DomainSchedule().QuietFrom != 23*time.Hour+59*time.Minute {
		t.Errorf("at %v, cut-off %v, quiet from %v", c.Backup.AtClock(), c.DomainSchedule().PrintCutoff, c.DomainSchedule().QuietFrom)
	}
	// An hour of one digit, as configurations before the check wrote it,
	// is that hour: an upgrade stops no clinic.
	c, err = loadTOML(t, "[backup]\nat = \"2:30\"\n[schedule]\nprint_cutoff = \"9:00\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Backup.AtClock() != 2*time.Hour+30*time.Minute || c.DomainSchedule().PrintCutoff != 9*time.Hour {
		t.Errorf("at %v, cut-off %v", c.Backup.AtClock(), c.DomainSchedule().PrintCutoff)
	}
}

// A configuration error names the file that set the key (README): a table
// whose name the domain refuses was "configuration: …", which did not say
// where to look, because its message names the table in words a key cannot
// be cut from (a space in it, or the roster's `staff "Anna"`).
func TestRefusedNames_NameTheFile(t *testing.T) {
	for file, want := range map[string]string{
		"[staff.Anna]\nrole = \"admin\"\n":                                    `kallelse.toml: staff "Anna": a user name is`,
		"[staff.\"anna b\"]\nrole = \"admin\"\n":                              `kallelse.toml: staff "anna b": a user name is`,
		"[staff.\"anna b\"]\nname = \"Anna\"\n":                               `kallelse.toml: staff.anna b.role: missing`,
		"[staff.system]\nrole = \"admin\"\n":                                  `kallelse.toml: staff "system": the name is reserved`,
		"[exams.\"Bad Code!\"]\nname = \"x\"\nduration = \"5m\"\nstage = 1\n": `kallelse.toml: exams.Bad Code!: code must be`,
		"[exams.\"Bad Code!\"]\nname = \"x\"\nduration = \"5m\"\n":            `kallelse.toml: exams.Bad Code!.stage: missing`,
		"[exams.Ny]\nname = \"x\"\nduration = \"5m\"\nstage = 1\n":            `kallelse.toml: exams.Ny: code must be`,
		"[exams.\"a\\u001b\"]\nname = \"x\"\n":                                `kallelse.toml: the key "exams.a\x1b.name" holds the control character U+001B`,
	} {
		_, err := loadTOML(t, file)
		if err == nil || !strings.HasPrefix(err.Error(), "config file ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%q:\n got %v\nwant config file …%s", file, err, want)
		}
	}
	// A rule about keys no source set stays the configuration's.
	_, err := loadTOML(t, "[schedule]\nquiet_from = \"16:00\"\n")
	if err == nil || !strings.HasPrefix(err.Error(), "configuration: schedule.reminder_at") {
		t.Errorf("quiet hours: %v", err)
	}
}

// The roster's refusal of a name a variable made names the variable.
func TestRefusedNames_NameTheVariable(t *testing.T) {
	_, err := Load(Source{Environ: []string{"KALLELSE_STAFF__SYSTEM__ROLE=admin"}})
	if err == nil || err.Error() != `environment variable KALLELSE_STAFF__SYSTEM__ROLE: staff "system": the name is reserved for the system` {
		t.Errorf("got %v", err)
	}
}

// A site is refused without its visiting address or its directions link:
// [sites.new] with a name alone was taken, and a visit booked there went to
// 1177 as "Plats: Ny plats, ,  " with "directionsUrl": "" (R2: the summons
// holds everything the letter holds plus the directions link). Every
// examination can be booked at every site, so every site needs the link.
// The error names the key and the file or the variable.
func TestSites_AddressRequiredLinkWarned(t *testing.T) {
	full := map[string]string{"name": "Ny plats", "street": "Storgatan 1", "postal_code": "55318", "city": "Jönköping",
		"directions_url": "https://example.se/hitta-hit"}
	site := func(skip, key, value string) string {
		out := "[sites.new]\n"
		for _, k := range []string{"name", "street", "postal_code", "city", "directions_url"} {
			v := full[k]
			if k == key {
				v = value
			}
			if k != skip {
				out += k + " = " + strconv.Quote(v) + "\n"
			}
		}
		return out
	}
	if _, err := loadTOML(t, site("", "", "")); err != nil {
		t.Fatalf("a complete site: %v", err)
	}
	_, err := loadTOML(t, "[sites.new]\nname = \"Ny plats\"\n")
	if err == nil || !strings.HasPrefix(err.Error(), "config file ") || !strings.Contains(err.Error(), "kallelse.toml: sites.new.street: missing") {
		t.Errorf("a name alone: %v", err)
	}
	// Without its link, a site is taken and named (the loop warns): a
	// configuration from before the check does not stop the clinic.
	for _, file := range []string{site("directions_url", "", ""), site("", "directions_url", "")} {
		c, err := loadTOML(t, file)
		if err != nil {
			t.Fatalf("%q: %v", file, err)
		}
		if got := c.SitesWithoutDirections(); !slices.Contains(got, "sites.new.directions_url") || slices.Contains(got, "sites.ryhov.directions_url") {
			t.Errorf("%q: without directions %v", file, got)
		}
	}
	for _, key := range []string{"name", "street", "postal_code", "city"} {
		for _, file := range []string{site(key, "", ""), site("", key, ""), site("", key, "  ")} {
			_, err := loadTOML(t, file)
			if err == nil || !strings.Contains(err.Error(), "kallelse.toml: sites.new."+key+": missing") {
				t.Errorf("%q: %v, want sites.new.%s: missing", file, err, key)
			}
		}
	}
	for _, bad := range []string{"abc", "5530", "553055", "553-05", " 55305", "55305 ", "5 5305", "553  05", "５５３０５", "55305\u00a0"} {
		_, err := loadTOML(t, site("", "postal_code", bad))
		want := "kallelse.toml: sites.new.postal_code: " + strconv.Quote(bad) + " is not a Swedish postal code (five digits"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("postal code %q: %v", bad, err)
		}
	}
	_, err = loadTOML(t, "[sites.ryhov]\npostal_code = \"abc\"\n")
	if err == nil || !strings.Contains(err.Error(), `kallelse.toml: sites.ryhov.postal_code: "abc" is not a Swedish postal code`) {
		t.Errorf("ryhov abc: %v", err)
	}
	c, err := loadTOML(t, site("", "postal_code", "553 18"))
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Catalogue().Site("new"); s.PostalCode != "55318" {
		t.Errorf("postal code %q, want it as the domain keeps one, 55318", s.PostalCode)
	}
	_, err = Load(Source{Environ: []string{"KALLELSE_SITES__NY__NAME=Ny plats"}})
	if err == nil || err.Error() != "environment variable KALLELSE_SITES__NY__NAME: sites.ny.street: missing (the visiting address, printed in the letter and sent to 1177)" {
		t.Errorf("env: %v", err)
	}
	// The shipped sites pass.
	c, err = Load(Source{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Catalogue().Sites() {
		if s.Street == "" || len(s.PostalCode) != 5 || s.City == "" || s.DirectionsURL == "" {
			t.Errorf("default site %+v", s)
		}
	}
}
