package config

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

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
		{file: "[clinik]\ndepartment = \"x\"\n", want: "kallelse.toml: unknown key clinik"},
		{file: "[exams.ekg24]\ndurration = \"30m\"\n", want: "durration"},
		{file: "[exams.ekg24]\nduration = \"half an hour\"\n", want: "exams.ekg24.duration"},
		{file: "[exams.NEW]\nname = \"x\"\nduration = \"5m\"\nstage = 1\n", want: "exams.NEW"},
		{file: "[exams.new]\nname = \"x\"\nduration = \"5m\"\n", want: "exams.new.stage"},
		{file: "[sites.ryhov]\ndirections_url = \"not a url\"\n", want: "sites.ryhov.directions_url"},
		{file: "[ui]\nlanguage = \"fi\"\n", want: "ui.language"},
		{file: "[ui]\nlanguage = \"sv\"\nthis is = not toml [", want: "kallelse.toml, line 3"},
		{env: []string{"KALLELSE_POLICY__SAMORDNINGSNUMMER=never"}, want: "policy.samordningsnummer"},
		{env: []string{"KALLELSE_EXAMS__EKG24__DIGITAL=kanske"}, want: "exams.ekg24.digital"},
		// Texts go into letters, messages and onto terminals: no control
		// characters, no direction marks, only UTF-8.
		{file: "[clinic]\ndepartment = \"Klinisk \\u001b[2Jfysiologi\"\n", want: "clinic.department: holds the control character U+001B (character 9)"},
		{file: "[sites.ryhov]\nname = \"Ryhov\\u202e\"\n", want: "sites.ryhov.name: holds the control character U+202E"},
		{file: "[exams.ekg24]\nname = \"EKG\\nrad två\"\n", want: "exams.ekg24.name: holds the control character U+000A"},
		{env: []string{"KALLELSE_CLINIC__PHONE=010\x07"}, want: "KALLELSE_CLINIC__PHONE"},
		{env: []string{"KALLELSE_CLINIC__REGION=Region \xff"}, want: "clinic.region"},
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

// An examination's preparation may run over several lines (the letter
// prints them), with CRLF line ends and tabs; another control character in
// it is refused as anywhere.
func TestPreparationMayHoldLineBreaks(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "kallelse.toml")
	os.WriteFile(f, []byte("[exams.ekg24]\npreparation = \"\"\"Ät inte.\nDuscha innan.\"\"\"\n"), 0o600)
	c, err := Load(Source{File: f, Required: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Exams["ekg24"].Preparation; got != "Ät inte.\nDuscha innan." {
		t.Fatalf("preparation %q", got)
	}
	// Saved with Windows line endings, an indented list with a tab.
	os.WriteFile(f, []byte("[exams.ekg24]\r\npreparation = \"\"\"\r\nDu ska:\r\n\t- fasta 4 timmar\r\n\"\"\"\r\n"), 0o600)
	if _, err := Load(Source{File: f, Required: true}); err != nil {
		t.Fatalf("CRLF and a tab in the preparation: %v", err)
	}
	os.WriteFile(f, []byte("[exams.ekg24]\npreparation = \"Ät inte.\\u0007\"\n"), 0o600)
	if _, err := Load(Source{File: f, Required: true}); err == nil || !strings.Contains(err.Error(), "exams.ekg24.preparation") {
		t.Fatalf("a bell in the preparation: %v", err)
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

func testKey(t *testing.T) (line, fingerprint string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " anna@terminal-3", ssh.FingerprintSHA256(pk)
}

func TestRoster_ReadFromStaffTablesWithKeysAsFingerprints(t *testing.T) {
	line, fp := testKey(t)
	f := filepath.Join(t.TempDir(), "k.toml")
	os.WriteFile(f, []byte(`
[staff.anna]
name = "Anna Svensson"
role = "sekreterare"
keys = ["`+line+`"]
[staff.karl]
role = "koordinator"
drill_down = true
os_user = "kjo"
`), 0o600)
	c, err := Load(Source{File: f, Required: true})
	if err != nil {
		t.Fatal(err)
	}
	r := c.Roster()
	if r.Len() != 2 {
		t.Fatalf("roster of %d", r.Len())
	}
	m, ok := r.ByKey(fp)
	if !ok || m.User != "anna" || m.Name != "Anna Svensson" || m.Role != domain.RoleSekreterare {
		t.Fatalf("by key: %+v %v", m, ok)
	}
	if m, ok := r.ByOSUser("kjo"); !ok || !m.DrillDown {
		t.Fatalf("by login: %+v %v", m, ok)
	}
	if d, _ := Load(Source{}); d.Roster().Len() != 0 {
		t.Fatal("the defaults have staff")
	}
}

func TestRoster_BadEntriesAreRefusedWithTheKey(t *testing.T) {
	line, _ := testKey(t)
	for name, c := range map[string]struct{ toml, want string }{
		"no role":    {"[staff.anna]\nname = \"A\"\n", "staff.anna.role: missing"},
		"bad role":   {"[staff.anna]\nrole = \"chef\"\n", "not a role"},
		"bad key":    {"[staff.anna]\nrole = \"admin\"\nkeys = [\"ssh-ed25519 AAAAnotbase64\"]\n", "staff.anna.keys[0]: not a public key"},
		"two keys":   {"[staff.anna]\nrole = \"admin\"\nkeys = [\"" + line + "\\n" + line + "\"]\n", "one key per string"},
		"shared key": {"[staff.anna]\nrole = \"admin\"\nkeys = [\"" + line + "\"]\n[staff.bo]\nrole = \"admin\"\nkeys = [\"" + line + "\"]\n", "a key names one person"},
		"bad name":   {"[staff.Anna]\nrole = \"admin\"\n", "user name"},
		"retention":  {"[audit]\nretention_years = 3\n", "audit.retention_years: 3 is not between 5 and 100"},
		"listen":     {"[server]\nlisten = \"localhost\"\n", "server.listen"},
		"port":       {"[server]\nlisten = \"127.0.0.1:99999\"\n", "server.listen: port"},
	} {
		f := filepath.Join(t.TempDir(), "k.toml")
		os.WriteFile(f, []byte(c.toml), 0o600)
		_, err := Load(Source{File: f, Required: true})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", name, err, c.want)
		}
	}
}
