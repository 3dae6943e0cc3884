package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/adapters/demo"
	"github.com/kallelse/kallelse/adapters/inbox1177"
	"github.com/kallelse/kallelse/adapters/sshserver"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
	"github.com/kallelse/kallelse/tui/i18n"
)

// hasWords reports whether the catalogue has key in both languages, and
// the Swedish is not the key itself.
func hasWords(key string) bool {
	return i18n.Has(key) && i18n.T(i18n.Swedish, key) != "" && i18n.T(i18n.English, key) != ""
}

// Every figure, breakdown and code the command line's tables name has words:
// the catalogue's words are looked up by a prefix joined to a code, which the
// catalogue's own test cannot see.
func TestCLIWordsForEveryCodeTheTablesShow(t *testing.T) {
	var keys []string
	for _, c := range reportColumns {
		keys = append(keys, "cli_col_"+c.name)
	}
	for _, by := range reportBys {
		keys = append(keys, "cli_by_"+by)
	}
	for _, b := range metrics.AgeBands {
		keys = append(keys, "cli_age_"+string(b))
	}
	for _, g := range metrics.Groups {
		keys = append(keys, "cli_grp_"+string(g))
	}
	for _, a := range []domain.AccessAction{domain.AccessViewPatient, domain.AccessViewBooking, domain.AccessList, domain.AccessExport,
		domain.AccessBook, domain.AccessCancel, domain.AccessRebook, domain.AccessAttended, domain.AccessNoShow, domain.AccessSendPaper,
		domain.AccessRemind, domain.AccessPhoned, domain.AccessHandedOver, domain.AccessKeepTime, domain.AccessLetterDone,
		domain.AccessImport, domain.AccessPrint, domain.AccessAuditRead, domain.AccessRetryDeliv, domain.AccessDrillDown,
		domain.AccessMarkPrinted, domain.AccessCorrect, domain.AccessEditPatient} {
		keys = append(keys, "cli_acc_"+string(a))
	}
	for _, g := range demo.GroupOrder {
		keys = append(keys, "cli_yg_"+g)
	}
	for _, p := range allPermissions {
		if i18n.PermissionText(i18n.Swedish, p) == p.String() {
			t.Errorf("the right %q has no Swedish words", p)
		}
	}
	// What check counts, on a database with something of each.
	st, err := storage.Open(filepath.Join(t.TempDir(), "k.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := st.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Counted) == 0 {
		t.Fatal("check counted nothing")
	}
	for k := range rep.Counted {
		keys = append(keys, "cli_cnt_"+k)
	}
	for _, k := range keys {
		if !hasWords(k) {
			t.Errorf("the catalogue lacks %q", k)
		}
	}
}

// An error of the command line is put in words when printed, in the
// invocation's language, its arguments too; its English is Error(); what it
// wraps stays visible to errors.Is and its exit status to exitCode.
func TestErrorTextSpeaksTheLanguage(t *testing.T) {
	_, inner := parseInstant("2027-10-31T02:30")
	err := usageT("cli_err_flag", "--at", inner)
	if got := errorText(i18n.Swedish, err); !strings.HasPrefix(got, "--at: 2027-10-31 02:30 inträffar två gånger i svensk tid") ||
		!strings.HasSuffix(got, "2027-10-31T02:30+02:00 (sommartid) eller +01:00 (vintertid)") {
		t.Errorf("Swedish: %q", got)
	}
	if got := err.Error(); got != "--at: 2027-10-31 02:30 happens twice in Stockholm time: the clocks go back from 03:00 to 02:00 that night; "+
		"write it with an offset: 2027-10-31T02:30+02:00 (summer time) or +01:00 (winter time)" {
		t.Errorf("English: %q", got)
	}
	if !errors.Is(err, domain.ErrAmbiguousLocalTime) || exitCode(err) != exitUsage {
		t.Errorf("errors.Is %v, exit %d", errors.Is(err, domain.ErrAmbiguousLocalTime), exitCode(err))
	}
	damaged := errT("cli_err_demo_reset_damaged", &storage.DamagedError{Path: "demo.db", Reason: "truncated"}, "demo.db")
	if exitCode(damaged) != exitDamaged {
		t.Errorf("a damaged database wrapped in words exits %d", exitCode(damaged))
	}
	if got := errorText(i18n.Swedish, damaged); !strings.HasPrefix(got, "databasen demo.db kan inte användas: truncated\n--reset tar bara bort") {
		t.Errorf("Swedish, damaged: %q", got)
	}
}

// The language: --lang, else (over SSH) the server's, else ui.language,
// else $KALLELSE_UI__LANGUAGE when the configuration does not load, else
// Swedish.
func TestLanguageChoice(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[clinik]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		flag    string
		environ []string
		config  string
		remote  i18n.Lang
		want    i18n.Lang
	}{
		{name: "default", want: i18n.Swedish},
		{name: "configured", environ: []string{"KALLELSE_UI__LANGUAGE=en"}, want: i18n.English},
		{name: "flag over configuration", flag: "sv", environ: []string{"KALLELSE_UI__LANGUAGE=en"}, want: i18n.Swedish},
		{name: "configuration refused", config: bad, environ: []string{"KALLELSE_UI__LANGUAGE=en"}, want: i18n.English},
		{name: "over SSH", remote: i18n.English, want: i18n.English},
		{name: "flag over SSH", flag: "sv", remote: i18n.English, want: i18n.Swedish},
	} {
		a := &app{environ: append([]string{"HOME=" + dir, "XDG_CONFIG_HOME=" + dir}, c.environ...), langFlag: c.flag, configPath: c.config,
			configExplicit: c.config != ""}
		if c.remote != "" {
			a.remote = &remoteCtx{state: &serverState{lang: c.remote}}
		}
		if got := a.lang(); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// The language flag is checked, and the words of a verb follow it.
func TestLangFlag(t *testing.T) {
	dir := t.TempDir()
	env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "KALLELSE_NOW=2026-11-25T10:00", "KALLELSE_USER=anna",
		"KALLELSE_DB=" + filepath.Join(dir, "k.db")}
	run1 := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(args, strings.NewReader(""), &out, &errb, env)
		return out.String(), errb.String(), code
	}
	if _, errs, code := run1("--lang", "de", "exam", "list"); code != exitUsage || !strings.Contains(errs, `--lang "de": välj sv eller en`) {
		t.Errorf("--lang de: exit %d, %q", code, errs)
	}
	if out, _, code := run1("exam", "list"); code != 0 || !strings.HasPrefix(out, "KOD ") || !strings.Contains(out, "papper") {
		t.Errorf("Swedish: exit %d, %q", code, out)
	}
	if out, _, code := run1("--lang", "en", "exam", "list"); code != 0 || !strings.HasPrefix(out, "CODE ") || !strings.Contains(out, "paper") {
		t.Errorf("English: exit %d, %q", code, out)
	}
}

// `kallelse sessions` names every column it prints, the time each session
// began too, in the staff's language, and each name stands over its
// column's values whatever the width of an address.
func TestSessions_EveryColumnHasAHeader(t *testing.T) {
	started := time.Date(2026, 11, 25, 9, 15, 0, 0, domain.Stockholm)
	ss := []sshserver.SessionInfo{
		{ID: "a1b2c3d4e5f6", User: "anna", Role: "sekreterare", Kind: "tui", Remote: "[2001:db8::1]:40022", Started: started},
		{ID: "f6e5d4c3b2a1", User: "ada", Role: "admin", Kind: "cli", Verb: "sessions", Remote: "10.0.0.7:51234", Started: started.Add(time.Hour)},
	}
	for _, lang := range []i18n.Lang{i18n.Swedish, i18n.English} {
		var out bytes.Buffer
		a := &app{stdout: &out, langSet: true, langVal: lang}
		a.writeSessions(append(ss, sshserver.SessionInfo{ID: "0a0b0c0d0e0f", User: "bo", Role: "koordinator", Kind: "tui",
			Remote: "10.0.0.8:50000", Started: started.Add(-25 * time.Hour)}), started.Add(2*time.Hour))
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) != 4 {
			t.Fatalf("%s: %d lines:\n%s", lang, len(lines), out.String())
		}
		hdr := strings.Fields(lines[0])
		if want := strings.Split(i18n.T(lang, "cli_hdr_sessions"), "\t"); len(want) != len(hdr) || hdr[len(hdr)-1] != want[len(want)-1] {
			t.Errorf("%s: header %q, want %q", lang, hdr, want)
		}
		// Each column's name starts where its values start.
		starts := func(l string) []int {
			var at []int
			for i, r := range []rune(l) {
				if r != ' ' && (i == 0 || []rune(l)[i-1] == ' ') {
					at = append(at, i)
				}
			}
			return at
		}
		for _, row := range lines[1:] {
			if got, want := starts(row), starts(lines[0]); !slices.Equal(got, want) {
				t.Errorf("%s: the row's columns start at %v, the header's at %v:\n%s", lang, got, want, out.String())
			}
		}
		// Today's by the time of day; one begun yesterday with its date.
		if !strings.HasSuffix(lines[1], " 09:15:00") || !strings.HasSuffix(lines[2], " 10:15:00") || !strings.HasSuffix(lines[3], " 2026-11-24T08:15:00") {
			t.Errorf("%s: when each session began:\n%s", lang, out.String())
		}
	}
}

// The screens get the problem a quarantined receipt's note names, through
// the service, so that the attention page can word it (i18n.QuarantineText).
func TestQuarantine_TheScreensGetTheProblemItsNoteNames(t *testing.T) {
	ctx := context.Background()
	sp := inbox1177.New(t.TempDir(), "Kallelse")
	if err := os.MkdirAll(sp.In, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sp.In, "extra.json"), []byte(`{"messageId": "k1-1-inbox", "type": "opened", "at": "2026-11-26T08:12:00+01:00", "extra": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, n, err := sp.Fetch(ctx); err != nil || n != 1 {
		t.Fatalf("fetch: %d quarantined, %v", n, err)
	}
	base := &service.Service{Quarantine: receiptQuarantine{sp}}
	svc := base.For(domain.Principal{User: "anna", Role: domain.RoleSekreterare}, service.NewSession("s1", service.ViaTUI))
	files, err := quarantine{ctx, svc}.List()
	if err != nil || len(files) != 1 {
		t.Fatalf("listed %+v, %v", files, err)
	}
	f := files[0]
	if f.Name != "extra.json" || f.Reason != `unknown field "extra"` || f.Problem == nil || f.Problem.Code != domain.ReceiptUnknownField {
		t.Fatalf("listed %+v (problem %+v)", f, f.Problem)
	}
	if got := i18n.QuarantineText(i18n.Swedish, f.Problem, f.Reason); got != `filen kunde inte läsas som kvitto: okänt fält "extra"` {
		t.Errorf("worded %q", got)
	}
}

// The simulated year's invariants are named from the catalogue in the
// table's language, every one the simulation checks (walk: English names
// under INVARIANT / BROTT), a breach's example line too; the JSON keeps the
// simulation's names.
func TestWriteYear_NamesTheInvariantsInTheLanguage(t *testing.T) {
	var rep demo.YearReport
	for _, name := range demo.InvariantNames() {
		if _, ok := invariantKeys[name]; !ok || !hasWords(invariantKeys[name]) {
			t.Errorf("no words for the invariant %q", name)
		}
		rep.Invariants = append(rep.Invariants, demo.Invariant{Name: name})
	}
	rep.Invariants[len(rep.Invariants)-1] = demo.Invariant{Name: demo.InvDuplicates, Count: 1, Examples: []string{"booking 7: letter k7-3-letter written twice"}}
	for _, c := range []struct {
		lang       i18n.Lang
		want, lost []string
	}{
		{i18n.Swedish, []string{"\nvarje besök nått i tid ", "\nsms under de tysta timmarna ", "\nmeddelanden skickade två gånger ",
			"\n  meddelanden skickade två gånger: booking 7"}, demo.InvariantNames()},
		{i18n.English, demo.InvariantNames(), []string{"besök"}},
	} {
		var out bytes.Buffer
		if err := writeYear(&out, c.lang, rep); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: lacks %q:\n%s", c.lang, w, out.String())
			}
		}
		for _, l := range c.lost {
			if strings.Contains(out.String(), l) {
				t.Errorf("%s: says %q:\n%s", c.lang, l, out.String())
			}
		}
	}
}
