package domain

import (
	"strings"
	"testing"
	"time"
)

func TestCatalogue_DurationBetweenAMinuteAndADay(t *testing.T) {
	for _, d := range []time.Duration{time.Nanosecond, 59 * time.Second, 0, -time.Minute, 24*time.Hour + time.Minute} {
		e := examDigital
		e.Duration = d
		_, err := NewCatalogue([]Examination{e}, []Site{siteRyhov})
		if err == nil || !strings.Contains(err.Error(), "exams.ekg24.duration") {
			t.Errorf("duration %v: err %v", d, err)
		}
	}
	for _, d := range []time.Duration{time.Minute, 24 * time.Hour} {
		e := examDigital
		e.Duration = d
		if _, err := NewCatalogue([]Examination{e}, []Site{siteRyhov}); err != nil {
			t.Errorf("duration %v: %v", d, err)
		}
	}
}
