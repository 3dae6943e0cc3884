package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A simulated receipt the loop sets aside — opened before the summons went
// — is said to be quarantined and why, and the command fails (exit 1: the
// booking is unchanged). It said "opened at 09:00; state summoned" with
// exit 0 while the receipt lay in quarantine.
func TestSimulate_SaysAQuarantinedReceipt(t *testing.T) {
	dir := t.TempDir()
	env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "XDG_DATA_HOME=" + dir, "KALLELSE_NOW=2026-11-25T10:00",
		"KALLELSE_USER=anna", "KALLELSE_DB=" + filepath.Join(dir, "k.db")}
	run1 := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(args, strings.NewReader(""), &out, &errb, env)
		return out.String(), errb.String(), code
	}
	csv := filepath.Join(dir, "p.csv")
	if err := os.WriteFile(csv, []byte("identity,name,address,postal_code,city,phone,has_1177_account,notifications_enabled,sms_reminders\n"+
		"19121212-1212,Tolvan Tolvansson,Gatan 1,55318,Jönköping,0701234567,ja,ja,ja\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"patient", "import", csv}, {"book", "--patient", "19121212-1212", "--exam", "ekg24", "--site", "ryhov", "--at", "2026-12-10T09:30"}, {"tick"}} {
		if _, errs, code := run1(args...); code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errs)
		}
	}
	out, errs, code := run1("simulate", "open", "1", "--at", "2026-11-25T09:00")
	if code != exitError || out != "" ||
		!strings.Contains(errs, "bokning 1: kvittot k1-2-inbox öppnad 2026-11-25 09:00 lades i karantän och användes inte: ") ||
		!strings.Contains(errs, "kvittots tidpunkt kan inte stämma: öppnad 2026-11-25 09:00, innan meddelandet skickades (2026-11-25 10:00); status kallad\n") {
		t.Fatalf("opened before it was sent: exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	out, errs, code = run1("--lang", "en", "simulate", "open", "1", "--at", "2026-11-25T09:05")
	if code != exitError || !strings.Contains(errs, "booking 1: the receipt k1-2-inbox opened at 2026-11-25 09:05 was quarantined, not applied: "+
		"the receipt's instant cannot be true: ") || !strings.Contains(errs, "before the message was sent") {
		t.Fatalf("English: exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	// A receipt the loop applies is said as before, exit 0.
	out, errs, code = run1("simulate", "open", "1", "--at", "2026-11-25T10:05")
	if code != 0 || out != "bokning 1: k1-2-inbox öppnad 2026-11-25 10:05; status öppnad\n" {
		t.Fatalf("opened after: exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
}
