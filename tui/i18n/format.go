package i18n

import (
	"time"

	"github.com/kallelse/kallelse/domain"
)

func FmtTime(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02 15:04") }

// FmtClock is the time of day, for something that happened today.
func FmtClock(t time.Time) string { return t.In(domain.Stockholm).Format("15:04") }

func FmtShort(t time.Time) string { return t.In(domain.Stockholm).Format("01-02 15:04") }

// FmtAge says how long ago t was, briefly: "3 t", "2 d".
func FmtAge(lang Lang, d time.Duration) string {
	switch {
	case d < time.Hour:
		return Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		if lang == English {
			return Itoa(int(d/time.Hour)) + "h"
		}
		return Itoa(int(d/time.Hour)) + "t"
	default:
		return Itoa(int(d/(24*time.Hour))) + "d"
	}
}

func Itoa(n int) string {
	if n < 0 {
		return "-" + Itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return Itoa(n/10) + string(rune('0'+n%10))
}

// swedishWeekdayShort names a weekday briefly in the terminal's language.
func WeekdayShort(lang Lang, t time.Time) string {
	sv := [...]string{"sön", "mån", "tis", "ons", "tor", "fre", "lör"}
	en := [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	w := t.In(domain.Stockholm).Weekday()
	if lang == English {
		return en[w]
	}
	return sv[w]
}
