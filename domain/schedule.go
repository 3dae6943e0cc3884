package domain

import (
	"fmt"
	"time"
)

// Schedule holds the timing settings of R4, R5 and the rules the source
// leaves implicit. All times of day are local to Europe/Stockholm.
type Schedule struct {
	// FallbackAfter is R4's wait: a digital-only summons not opened this long
	// after delivery gets a paper letter.
	FallbackAfter time.Duration
	// PostalLeadDays is how many Swedish working days a letter takes from
	// posting to the letterbox.
	PostalLeadDays int
	// PrintCutoff is the time of day by which a letter must be in the print
	// queue to be posted the same working day.
	PrintCutoff time.Duration
	// ReminderAt is the time of day SMS reminders go out (R5).
	ReminderAt time.Duration
	// QuietFrom and QuietTo bound the night, when no SMS is sent; a reminder
	// due then waits until QuietTo.
	QuietFrom, QuietTo time.Duration
	// ReminderMinLead: a 1-day reminder that could only go out less than this
	// before the visit is skipped as useless.
	ReminderMinLead time.Duration
	// PhoneTaskAfter is how long to wait for the patient to open a summons
	// before staff are asked to phone, when no letter can arrive in time.
	PhoneTaskAfter time.Duration
	// PhoneBy is the time of day by which, on the last working day before
	// the visit's day, a phone task must be raised so that staff can still
	// call: the wait for the patient to open ends then at the latest.
	PhoneBy time.Duration
}

// DefaultSchedule is the configuration's default.
func DefaultSchedule() Schedule {
	return Schedule{
		FallbackAfter:   72 * time.Hour,
		PostalLeadDays:  2,
		PrintCutoff:     14 * time.Hour,
		ReminderAt:      17 * time.Hour,
		QuietFrom:       21 * time.Hour,
		QuietTo:         8 * time.Hour,
		ReminderMinLead: 2 * time.Hour,
		PhoneTaskAfter:  24 * time.Hour,
		PhoneBy:         15 * time.Hour,
	}
}

// Validate checks the settings; errors name the configuration key.
func (s Schedule) Validate() error {
	day := 24 * time.Hour
	switch {
	case s.FallbackAfter <= 0:
		return fmt.Errorf("schedule.fallback_after: %v must be positive", s.FallbackAfter)
	case s.PostalLeadDays < 0 || s.PostalLeadDays > 10:
		return fmt.Errorf("schedule.postal_lead_days: %d is not between 0 and 10", s.PostalLeadDays)
	case s.PrintCutoff <= 0 || s.PrintCutoff >= day:
		return fmt.Errorf("schedule.print_cutoff: %v is not a time of day", s.PrintCutoff)
	case s.ReminderAt < 0 || s.ReminderAt >= day:
		return fmt.Errorf("schedule.reminder_at: %v is not a time of day", s.ReminderAt)
	case s.QuietFrom < 0 || s.QuietFrom >= day || s.QuietTo < 0 || s.QuietTo >= day:
		return fmt.Errorf("schedule.quiet_from/quiet_to: not times of day")
	case s.inQuietClock(s.ReminderAt):
		return fmt.Errorf("schedule.reminder_at: %s falls in the quiet hours %s–%s (schedule.quiet_from, schedule.quiet_to)",
			clockText(s.ReminderAt), clockText(s.QuietFrom), clockText(s.QuietTo))
	case s.PhoneBy < 0 || s.PhoneBy >= day:
		return fmt.Errorf("schedule.phone_by: %v is not a time of day", s.PhoneBy)
	case s.ReminderMinLead < 0 || s.PhoneTaskAfter <= 0:
		return fmt.Errorf("schedule.reminder_min_lead/phone_task_after: must be positive")
	}
	return nil
}

// clockText writes a time of day as it is configured, "17:00".
func clockText(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// localDay is midnight of t's date in Stockholm.
func localDay(t time.Time) time.Time {
	lt := t.In(Stockholm)
	return time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, Stockholm)
}

// AtClock is the instant of time-of-day d on day's date in Stockholm. It is
// built from the calendar, not by adding hours to midnight, so that 17:00
// is 17:00 on the days daylight saving starts and ends.
func AtClock(day time.Time, d time.Duration) time.Time {
	lt := day.In(Stockholm)
	return time.Date(lt.Year(), lt.Month(), lt.Day(), int(d/time.Hour), int(d%time.Hour/time.Minute), 0, 0, Stockholm)
}

func clockOf(t time.Time) time.Duration {
	lt := t.In(Stockholm)
	return time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute + time.Duration(lt.Second())*time.Second
}

func (s Schedule) inQuietClock(c time.Duration) bool {
	if s.QuietFrom == s.QuietTo {
		return false
	}
	if s.QuietFrom < s.QuietTo {
		return c >= s.QuietFrom && c < s.QuietTo
	}
	return c >= s.QuietFrom || c < s.QuietTo
}

// InQuietHours reports whether no SMS may be sent at t.
func (s Schedule) InQuietHours(t time.Time) bool { return s.inQuietClock(clockOf(t)) }

// QuietEnd is the first instant at or after t outside the quiet hours.
func (s Schedule) QuietEnd(t time.Time) time.Time {
	if !s.InQuietHours(t) {
		return t
	}
	end := AtClock(localDay(t), s.QuietTo)
	if !end.After(t) {
		end = AtClock(localDay(t).AddDate(0, 0, 1), s.QuietTo)
	}
	return end
}

// ReminderDue is when the reminder `daysBefore` days before the visit goes:
// ReminderAt on the calendar day that many days before the visit's date.
func (s Schedule) ReminderDue(visit time.Time, daysBefore int) time.Time {
	return AtClock(localDay(visit).AddDate(0, 0, -daysBefore), s.ReminderAt)
}

func isWorkingDay(day time.Time) bool {
	_, off := NonWorkingDay(day.Add(12 * time.Hour))
	return !off
}

// PostingDay is the date a letter put in the print queue at t is posted:
// that day if it is a working day and t is before the print cut-off, else
// the next working day.
func (s Schedule) PostingDay(t time.Time) time.Time {
	d := localDay(t)
	if isWorkingDay(d) && clockOf(t) < s.PrintCutoff {
		return d
	}
	for d = d.AddDate(0, 0, 1); !isWorkingDay(d); d = d.AddDate(0, 0, 1) {
	}
	return d
}

// ArrivalDay is the date a letter queued at t reaches the letterbox:
// PostalLeadDays working days after its posting day.
func (s Schedule) ArrivalDay(t time.Time) time.Time {
	d := s.PostingDay(t)
	for n := 0; n < s.PostalLeadDays; {
		d = d.AddDate(0, 0, 1)
		if isWorkingDay(d) {
			n++
		}
	}
	return d
}

// LetterInTime is the rule that a paper letter is only worth sending if it
// arrives before the day of the visit.
func (s Schedule) LetterInTime(queuedAt, visit time.Time) bool {
	return s.ArrivalDay(queuedAt).Before(localDay(visit))
}

// PhoneDue is when staff are asked to phone a patient who has not opened
// the summons and whom no letter can reach in time: after waiting for the
// patient up to PhoneTaskAfter (at most half the time left), but no later
// than PhoneBy on the last working day before the visit's day, so that
// there is office time to call; at once when that has passed.
func (s Schedule) PhoneDue(now, visit time.Time) time.Time {
	due := now.Add(min(s.PhoneTaskAfter, visit.Sub(now)/2))
	d := localDay(visit).AddDate(0, 0, -1)
	for i := 0; i < 14 && !isWorkingDay(d); i++ {
		d = d.AddDate(0, 0, -1)
	}
	if by := AtClock(d, s.PhoneBy); by.Before(due) {
		due = by
	}
	if due.Before(now) {
		return now
	}
	return due
}

// LatestPosting is the last instant a letter can be queued and still arrive
// before the visit's day; zero if there is none within 60 days before it.
func (s Schedule) LatestPosting(visit time.Time) time.Time {
	for d := localDay(visit).AddDate(0, 0, -1); d.After(localDay(visit).AddDate(0, 0, -60)); d = d.AddDate(0, 0, -1) {
		if !isWorkingDay(d) {
			continue
		}
		t := AtClock(d, s.PrintCutoff).Add(-time.Minute)
		if s.LetterInTime(t, visit) {
			return t
		}
	}
	return time.Time{}
}
