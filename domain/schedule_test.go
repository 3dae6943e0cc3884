package domain

import (
	"testing"
	"time"
)

func TestSchedule_ReminderInTheQuietHoursSaysTheTimesOfDay(t *testing.T) {
	s := DefaultSchedule()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	s.QuietFrom = 16*time.Hour + 30*time.Minute
	err := s.Validate()
	want := "schedule.reminder_at: 17:00 falls in the quiet hours 16:30–08:00 (schedule.quiet_from, schedule.quiet_to)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}
