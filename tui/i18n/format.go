package i18n

import (
	"strconv"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// FmtTime is a date and time of day, as staff read them: "2026-11-25 08:00".
func FmtTime(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02 15:04") }

// FmtClock is the time of day, for something that happened today.
func FmtClock(t time.Time) string { return t.In(domain.Stockholm).Format("15:04") }

// FmtShort is a date and time without the year: "11-25 08:00".
func FmtShort(t time.Time) string { return t.In(domain.Stockholm).Format("01-02 15:04") }

// FmtAge says how long ago t was, briefly: "3 t", "2 d".
func FmtAge(lang Lang, d time.Duration) string {
	switch {
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		if lang == English {
			return strconv.Itoa(int(d/time.Hour)) + "h"
		}
		return strconv.Itoa(int(d/time.Hour)) + "t"
	default:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
}

// WeekdayShort names a weekday briefly in the terminal's language.
func WeekdayShort(lang Lang, t time.Time) string {
	sv := [...]string{"sön", "mån", "tis", "ons", "tor", "fre", "lör"}
	en := [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	w := t.In(domain.Stockholm).Weekday()
	if lang == English {
		return en[w]
	}
	return sv[w]
}
