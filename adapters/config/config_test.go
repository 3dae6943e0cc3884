package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

func TestDefaults_FollowTheSourcesRollout(t *testing.T) {
	c, err := Load(Source{})
	if err != nil {
		t.Fatal(err)
	}
	cat := c.Catalogue()
	digital := map[string]bool{}
	for _, e := range cat.Exams() {
		digital[e.Code] = e.Digital
	}
	for _, code := range []string{"ekg24", "ekg48", "ekg6d", "eko", "aorta", "arbetsprov"} {
		if !digital[code] {
			t.Errorf("%s should be digital by default (rollout stages 1–2)", code)
		}
	}
	for _, code := range []string{"bt24", "lungfunktion", "mps", "karl", "vilo-ekg"} {
		if on, ok := digital[code]; !ok || on {
			t.Errorf("%s should exist and be paper by default (stage 3)", code)
		}
	}
	if len(cat.Sites()) != 3 {
		t.Errorf("sites = %d, want the region's three hospitals", len(cat.Sites()))
	}
	if c.PolicyOptions().Samordningsnummer != domain.SamordningsnummerDigitalAndPaper {
		t.Error("the pilot page's reading is the default")
	}
	e, _ := cat.Exam("arbetsprov")
	if e.Duration != time.Hour {
		t.Errorf("duration %v", e.Duration)
	}
}

func TestFileAndEnvironmentOverrideDefaults(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "kallelse.toml")
	os.WriteFile(f, []byte("[exams.mps]\ndigital = true\n[policy]\nsamordningsnummer = \"paper_only\"\n"), 0o600)
	c, err := Load(Source{File: f, Required: true, Environ: []string{
		"KALLELSE_EXAMS__EKG24__DIGITAL=false", "KALLELSE_DB=/ignored", "OTHER=1",
		"KALLELSE_SITES__RYHOV__NAME=Ryhov",
	}})
	if err != nil {
		t.Fatal(err)
	}
	mps, _ := c.Catalogue().Exam("mps")
	ekg, _ := c.Catalogue().Exam("ekg24")
	ryhov, _ := c.Catalogue().Site("ryhov")
	if !mps.Digital || ekg.Digital || ryhov.Name != "Ryhov" || c.PolicyOptions().Samordningsnummer != domain.SamordningsnummerPaperOnly {
		t.Fatalf("overrides not applied: mps %v ekg24 %v ryhov %q policy %s", mps.Digital, ekg.Digital, ryhov.Name, c.PolicyOptions().Samordningsnummer)
	}
	if mps.Name != "Myokardskintigrafi" {
		t.Error("a partial override must keep the other defaults of the same table")
	}
	out, err := c.TOML()
	if err != nil || !strings.Contains(string(out), "paper_only") {
		t.Fatalf("TOML: %v\n%s", err, out)
	}
}

func TestInvalidConfigurationNamesTheKey(t *testing.T) {
	cases := []struct {
		file string
		env  []string
		want string
	}{
		{file: "[exams.ekg24]\ndigital = \"kanske\"\n", want: "exams.ekg24.digital"},
		{file: "[policy]\nsamordningsnummer = \"both\"\n", want: "policy.samordningsnummer"},
		{file: "[identity]\nreservnummer_pattern = \"([\"\n", want: "identity.reservnummer_pattern"},
		{file: "[clinik]\ndepartment = \"x\"\n", want: "unknown key: clinik"},
		{file: "[exams.ekg24]\ndurration = \"30m\"\n", want: "durration"},
		{file: "[exams.ekg24]\nduration = \"half an hour\"\n", want: "exams.ekg24.duration"},
		{file: "[exams.NEW]\nname = \"x\"\nduration = \"5m\"\nstage = 1\n", want: "exams.NEW"},
		{file: "[exams.new]\nname = \"x\"\nduration = \"5m\"\n", want: "exams.new.stage"},
		{file: "[sites.ryhov]\ndirections_url = \"not a url\"\n", want: "sites.ryhov.directions_url"},
		{file: "[ui]\nlanguage = \"fi\"\n", want: "ui.language"},
		{file: "[ui]\nlanguage = \"sv\"\nthis is = not toml [", want: "kallelse.toml, line 3"},
		{env: []string{"KALLELSE_POLICY__SAMORDNINGSNUMMER=never"}, want: "policy.samordningsnummer"},
		{env: []string{"KALLELSE_EXAMS__EKG24__DIGITAL=kanske"}, want: "exams.ekg24.digital"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		f := filepath.Join(dir, "kallelse.toml")
		os.WriteFile(f, []byte(c.file), 0o600)
		_, err := Load(Source{File: f, Required: true, Environ: c.env})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("file %q env %v: error %v, want it to name %q", c.file, c.env, err, c.want)
		}
	}
}

func TestMissingFile(t *testing.T) {
	if _, err := Load(Source{File: "/nonexistent/kallelse.toml"}); err != nil {
		t.Errorf("a missing default file is fine: %v", err)
	}
	if _, err := Load(Source{File: "/nonexistent/kallelse.toml", Required: true}); err == nil {
		t.Error("a missing file given explicitly is an error")
	}
}
