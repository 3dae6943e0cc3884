package tui

import (
	"time"

	"github.com/kallelse/kallelse/domain"
)

func fmtTime(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02 15:04") }

// fmtClock is the time of day, for something that happened today.
func fmtClock(t time.Time) string { return t.In(domain.Stockholm).Format("15:04") }

func fmtShort(t time.Time) string { return t.In(domain.Stockholm).Format("01-02 15:04") }

// fmtAge says how long ago t was, briefly: "3 t", "2 d".
func fmtAge(lang Lang, d time.Duration) string {
	switch {
	case d < time.Hour:
		return itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		if lang == English {
			return itoa(int(d/time.Hour)) + "h"
		}
		return itoa(int(d/time.Hour)) + "t"
	default:
		return itoa(int(d/(24*time.Hour))) + "d"
	}
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// swedishWeekdayShort names a weekday briefly in the terminal's language.
func weekdayShort(lang Lang, t time.Time) string {
	sv := [...]string{"sön", "mån", "tis", "ons", "tor", "fre", "lör"}
	en := [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	w := t.In(domain.Stockholm).Weekday()
	if lang == English {
		return en[w]
	}
	return sv[w]
}
