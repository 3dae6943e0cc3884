package config

import (
	"strings"
	"testing"
	"time"
)

// The README writes every time of day HH:MM: one written otherwise is
// refused, naming the key and the file (or the variable) that set it,
// where "2:30" and "9:00" were taken as 02:30 and 09:00.
func TestTimesOfDay_OnlyHHMM(t *testing.T) {
	keys := map[string]string{
		"backup.at": "[backup]\nat = %q\n", "schedule.print_cutoff": "[schedule]\nprint_cutoff = %q\n",
		"schedule.reminder_at": "[schedule]\nreminder_at = %q\n", "schedule.quiet_from": "[schedule]\nquiet_from = %q\n",
		"schedule.quiet_to": "[schedule]\nquiet_to = %q\n", "schedule.phone_by": "[schedule]\nphone_by = %q\n",
	}
	for key, format := range keys {
		for _, bad := range []string{"2:30", "9:00", "02:3", "0230", "02.30", " 02:30", "02:30 ", "24:00", "02:60", "02:30:00", "+2:30", "٠٢:٣٠"} {
			_, err := loadTOML(t, strings.ReplaceAll(format, "%q", `"`+bad+`"`))
			want := key + `: "` + bad + `" is not a time of day (HH:MM`
			if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "config file ") ||
				!strings.Contains(err.Error(), "kallelse.toml: "+key) {
				t.Errorf("%s = %q: error %v, want it to name the file and %q", key, bad, err, want)
			}
		}
	}
	_, err := Load(Source{Environ: []string{"KALLELSE_BACKUP__AT=2:30"}})
	if err == nil || err.Error() != `environment variable KALLELSE_BACKUP__AT: backup.at: "2:30" is not a time of day (HH:MM, e.g. "02:30")` {
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
}
