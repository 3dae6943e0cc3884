package i18n

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kallelse/kallelse/domain"
)

// Every code the domain can produce has words in both languages.
func TestCatalogueCoversEveryCode(t *testing.T) {
	var keys []string
	for _, s := range domain.AllStates {
		keys = append(keys, "st_"+string(s))
	}
	for _, r := range domain.AllReasons {
		keys = append(keys, "rs_"+string(r))
	}
	for _, e := range domain.AllEventTypes {
		keys = append(keys, "ev_"+string(e))
	}
	for _, k := range domain.AllTimerKinds {
		keys = append(keys, "tm_"+string(k))
	}
	for _, k := range keys {
		m, ok := msgs[k]
		if !ok || m[0] == "" || m[1] == "" {
			t.Errorf("catalogue lacks %q", k)
		}
	}
	if T(Swedish, "st_cancelled") != "avbokad" || T(English, "st_cancelled") != "cancelled" {
		t.Error("language selection")
	}
}

// Every note the system writes has words in both languages, and a note
// joining several, or a phrase before a detail, is translated part by part.
func TestCatalogueCoversEverySystemNote(t *testing.T) {
	for _, n := range domain.SystemNotes {
		tr, ok := noteTexts[n]
		if !ok || tr[0] == "" || tr[1] == "" {
			t.Errorf("no words for the note %q", n)
		}
		if NoteText(Swedish, n) == n {
			t.Errorf("the note %q reaches a Swedish screen as it is", n)
		}
	}
	joined := domain.NoteUnopened + domain.NoteJoin + domain.NoteBlockedNoAddress
	if got := NoteText(Swedish, joined); got != "kallelsen är inte öppnad; ingen postadress är känd" {
		t.Errorf("joined note: %q", got)
	}
	if got := NoteText(Swedish, domain.NoteNoNotice+": site varnamo is not in the catalogue"); got != "inget besked kunde skickas: site varnamo is not in the catalogue" {
		t.Errorf("a phrase before a detail: %q", got)
	}
	if got := NoteText(Swedish, "patienten ringde och avbokade"); got != "patienten ringde och avbokade" {
		t.Errorf("a note staff typed changed: %q", got)
	}
	for _, ch := range []domain.Channel{domain.ChannelDigital, domain.ChannelPaper, domain.ChannelSMS} {
		if _, ok := msgs["ch_"+string(ch)]; !ok {
			t.Errorf("no words for the channel %q", ch)
		}
	}
	for _, r := range []string{"4d", "1d", "by_hand"} {
		if _, ok := msgs["rem_"+r]; !ok {
			t.Errorf("no words for the reminder %q", r)
		}
	}
}

// Every key the code asks the catalogue for exists: T returns the key
// itself for a missing one, which would put a raw code on the screen.
func TestEveryKeyTheCodeUsesIsInTheCatalogue(t *testing.T) {
	// The whole module: the TUI's pages and the CLI ask the same catalogue.
	var files []string
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	cliKey := regexp.MustCompile(`"(cli_[a-z0-9_]*[a-z0-9])"`)
	// T("key", …), c.T("key"), i18n.T(lang, "key", …), and the command
	// line's errors usageT("key", …), errT("key") and the like; a whole key,
	// not a prefix joined to a code.
	re := regexp.MustCompile(`\b[a-z]*T\((?:[a-zA-Z_.]+\(?\)?,\s*)?"([a-z0-9_]+)"\s*[,)]`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			found++
			if _, ok := msgs[m[1]]; !ok {
				t.Errorf("%s asks for %q, which the catalogue lacks", f, m[1])
			}
		}
		// The command line's keys however they are passed (a variable, a
		// table, a helper): every whole cli_ key written in the code.
		for _, m := range cliKey.FindAllStringSubmatch(string(src), -1) {
			found++
			if _, ok := msgs[m[1]]; !ok {
				t.Errorf("%s names %q, which the catalogue lacks", f, m[1])
			}
		}
	}
	if found < 100 {
		t.Fatalf("only %d keys found in the code: the pattern no longer matches how the code asks", found)
	}
}

// A count of one takes the singular where the catalogue has one, in both
// languages; other counts, and texts without a singular, are as they were.
func TestT_ACountOfOneTakesTheSingular(t *testing.T) {
	for _, c := range []struct {
		lang Lang
		n    int
		want string
	}{{Swedish, 1, "1 bokning"}, {Swedish, 2, "2 bokningar"}, {Swedish, 0, "0 bokningar"}, {English, 1, "1 booking"}, {English, 3, "3 bookings"}} {
		if got := T(c.lang, "cli_n_bookings", c.n); got != c.want {
			t.Errorf("%v, %d: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	if got := T(Swedish, "cli_demo_bar", 1, 5); got != "1 av 5 bokningar" {
		t.Errorf("a text without a singular: %q", got)
	}
	// Every singular has a plural, and the same verbs.
	verbs := regexp.MustCompile(`%[a-z]`)
	for k, m := range msgs {
		base, ok := strings.CutSuffix(k, "_one")
		if !ok {
			continue
		}
		p, ok := msgs[base]
		if !ok {
			t.Errorf("%s has no plural %s", k, base)
			continue
		}
		for i := range m {
			if a, b := verbs.FindAllString(m[i], -1), verbs.FindAllString(p[i], -1); strings.Join(a, "") != strings.Join(b, "") {
				t.Errorf("%s: verbs %v, its plural's %v", k, a, b)
			}
		}
	}
}

// A note staff typed before notes were checked, with an escape in it, is
// shown with the escape replaced, never passed to the terminal; the rest
// of it as typed.
func TestEventNote_AControlCharacterIsShownNotActedOn(t *testing.T) {
	e := domain.Event{Type: domain.EventCancelled, Note: "ringde\x1b]0;PWNED\a – ok"}
	if got, want := EventNote(Swedish, e), "ringde�]0;PWNED� – ok"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

// The booking form and the patient form name the keys they share alike,
// in both languages: tab and ↓ go to the next field, ↑ to the previous one,
// and esc leaves either without saving (asking first when something was
// typed), so it is "avbryt" / "cancel" in both, not "tillbaka" / "back" in
// one (walk: '↑ förra' and 'esc avbryt' beside '↑ föregående' and 'esc
// tillbaka'); and no key is named as another ('↑ back' beside 'esc back').
func TestForms_NameTheKeysTheyShareAlike(t *testing.T) {
	for _, lang := range []Lang{Swedish, English} {
		named := map[string]map[string]bool{} // key -> its names across the forms
		for _, form := range []string{"form_help", "form_help_rebook", "pf_help"} {
			descs := map[string]string{}
			for _, part := range strings.Split(T(lang, form), " · ") {
				k, desc, _ := strings.Cut(part, " ")
				if named[k] == nil {
					named[k] = map[string]bool{}
				}
				named[k][desc] = true
				descs[k] = desc
			}
			if descs["↑"] == descs["esc"] {
				t.Errorf("%s %s: ↑ and esc are both named %q", lang, form, descs["esc"])
			}
		}
		for _, k := range []string{"tab/↓", "↑", "esc"} {
			if len(named[k]) != 1 {
				t.Errorf("%s: the forms name %s %v", lang, k, named[k])
			}
		}
		if want := T(lang, "key_filter_esc"); !named["esc"][want] {
			t.Errorf("%s: esc in the forms is %v, not %q as where it leaves without keeping what was typed", lang, named["esc"], want)
		}
	}
}

// A file put back that still cannot be read stays in quarantine, and the
// screen says so with the problem in the staff's words.
func TestErrorText_AFileStillUnreadable(t *testing.T) {
	p := &domain.ReceiptProblem{Reason: "truncated JSON: unexpected end of JSON input", Code: domain.ReceiptTruncated}
	err := fmt.Errorf("%w: %w", domain.ErrStillUnreadable, p)
	got := ErrorText(Swedish, err)
	if want := T(Swedish, "err_still_unreadable") + ": " + T(Swedish, "qp_truncated"); got != want || strings.Contains(got, "truncated") {
		t.Errorf("%q, want %q", got, want)
	}
}

// A user name kept before names were checked, and an error that carries a
// file's name from outside, are shown, never acted on.
func TestActorAndErrorText_AreShownNotActedOn(t *testing.T) {
	if got := ActorText(Swedish, "x\x1b]0;PWNED\ay"); got != "x�]0;PWNED�y" {
		t.Errorf("actor %q", got)
	}
	err := fmt.Errorf("quarantine/a\x1b]0;T\a.json: %w", os.ErrNotExist)
	for _, got := range []string{ErrorText(Swedish, err), ErrorDetail(Swedish, err)} {
		if strings.ContainsAny(got, "\x1b\a") {
			t.Errorf("error %q", got)
		}
	}
}
