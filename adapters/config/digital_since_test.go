package config

import (
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// exams.<code>.digital_since is a date, as a TOML date or as text, in the
// file or the environment; it needs the examination to be digital.
func TestDigitalSince_IsADateOfADigitalExamination(t *testing.T) {
	nov4 := time.Date(2026, 11, 4, 0, 0, 0, 0, domain.Stockholm)
	for _, c := range []struct {
		file string
		env  []string
	}{
		{"[exams.eko]\ndigital_since = 2026-11-04\n", nil},
		{"[exams.eko]\ndigital_since = \"2026-11-04\"\n", nil},
		{"", []string{"KALLELSE_EXAMS__EKO__DIGITAL_SINCE=2026-11-04"}},
	} {
		cfg, err := loadTOML(t, c.file, c.env...)
		if err != nil {
			t.Fatalf("%q %v: %v", c.file, c.env, err)
		}
		if got := cfg.DigitalSince(); len(got) != 1 || !got["eko"].Equal(nov4) {
			t.Errorf("%q %v: %v", c.file, c.env, got)
		}
	}
	cfg, err := Load(Source{})
	if err != nil || len(cfg.DigitalSince()) != 0 {
		t.Fatalf("defaults: %v %v", cfg.DigitalSince(), err)
	}
	for _, c := range []struct {
		file string
		env  []string
		want string
	}{
		{"[exams.eko]\ndigital_since = 2026-11-04T10:00:00\n", nil, `exams.eko.digital_since: 2026-11-04T10:00:00 is not a date (write it 2026-11-04)`},
		{"[exams.eko]\ndigital_since = \"4/11 2026\"\n", nil, `exams.eko.digital_since: "4/11 2026" is not a date (write it 2026-11-04)`},
		{"[exams.eko]\ndigital_since = 20261104\n", nil, `exams.eko.digital_since: 20261104 is not a date`},
		{"[exams.eko]\ndigital_since = \"2026-02-30\"\n", nil, `"2026-02-30" is not a date`},
		{"[exams.mps]\ndigital_since = 2026-11-04\n", nil,
			`exams.mps.digital_since: 2026-11-04 is set, but exams.mps.digital is false: an examination on paper has no date it went digital`},
		{"", []string{"KALLELSE_EXAMS__EKO__DIGITAL_SINCE=igår"},
			`environment variable KALLELSE_EXAMS__EKO__DIGITAL_SINCE: exams.eko.digital_since: "igår" is not a date (write it 2026-11-04)`},
	} {
		_, err := loadTOML(t, c.file, c.env...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q %v:\n got %v\nwant %s", c.file, c.env, err, c.want)
		}
	}
}
