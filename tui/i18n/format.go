package i18n

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kallelse/kallelse/domain"
)

// FmtTime is a date and time of day, as staff read them: "2026-11-25 08:00".
func FmtTime(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02 15:04") }

// FmtClock is the time of day, for something that happened today.
func FmtClock(t time.Time) string { return t.In(domain.Stockholm).Format("15:04") }

// FmtShort is a date and time without the year: "11-25 08:00".
func FmtShort(t time.Time) string { return t.In(domain.Stockholm).Format("01-02 15:04") }

// FmtAge says how long ago t was, briefly: "<1t", "3t", "2d" (never "45m",
// which a Swedish reader may take for months).
func FmtAge(lang Lang, d time.Duration) string {
	var buf [24]byte
	return string(AppendAge(buf[:0], lang, d))
}

// AppendAge appends FmtAge to dst, for a list row drawn without making a
// string of each of its parts.
func AppendAge(dst []byte, lang Lang, d time.Duration) []byte {
	switch {
	case d < time.Hour:
		// Within the hour: not "4m", which reads as months (månader) too,
		// and as short as the rest, for the list's column.
		if lang == English {
			return append(dst, "<1h"...)
		}
		return append(dst, "<1t"...)
	case d < 48*time.Hour:
		dst = strconv.AppendInt(dst, int64(d/time.Hour), 10)
		if lang == English {
			return append(dst, 'h')
		}
		return append(dst, 't')
	default:
		return append(strconv.AppendInt(dst, int64(d/(24*time.Hour)), 10), 'd')
	}
}

// OneString splits a catalogue text with one %s and no other verb around
// it, so that a caller can write the argument in its place without fmt:
// before + arg + after is then exactly fmt.Sprintf(format, arg). ok is
// false for any other text.
func OneString(format string) (before, after string, ok bool) {
	before, after, found := strings.Cut(format, "%s")
	if !found || strings.IndexByte(before, '%') >= 0 || strings.IndexByte(after, '%') >= 0 {
		return "", "", false
	}
	return before, after, true
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

// Printable is text from outside — a file name in the spool, a note kept
// before notes were checked — as a terminal can show it: a control
// character (an escape would act on the terminal instead of show), a
// direction mark or a byte that is no character becomes "�".
func Printable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, domain.NotShown) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if domain.NotShown(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}
