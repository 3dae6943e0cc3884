package form

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

// formNonWorking warns in words that t falls on a weekend or public holiday.
func formNonWorking(c *common.Common, t time.Time) string {
	name, ok := domain.NonWorkingDay(t)
	if !ok {
		return ""
	}
	if c.Lang == i18n.English {
		switch name {
		case "lördag":
			name = "Saturday"
		case "söndag":
			name = "Sunday"
		}
	}
	return c.T("form_nonworking", i18n.WeekdayShort(c.Lang, t)+" "+t.In(domain.Stockholm).Format("2006-01-02"), name)
}

// formParseDay reads a date as typed: YYYY-MM-DD, YYYYMMDD, MM-DD (the next
// such date from today) or +N (N days from today).
func formParseDay(s string, now time.Time) (time.Time, bool) {
	today := common.StartOfDay(now)
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		n, err := strconv.Atoi(rest)
		if err != nil || n < 0 || n > 999 {
			return time.Time{}, false
		}
		return today.AddDate(0, 0, n), true
	}
	for _, layout := range []string{"2006-01-02", "20060102"} {
		if t, err := time.ParseInLocation(layout, s, domain.Stockholm); err == nil {
			return t, true
		}
	}
	if t, err := time.ParseInLocation("01-02", s, domain.Stockholm); err == nil {
		for _, y := range []int{today.Year(), today.Year() + 1} {
			d := time.Date(y, t.Month(), t.Day(), 0, 0, 0, 0, domain.Stockholm)
			if d.Month() == t.Month() && !d.Before(today) {
				return d, true
			}
		}
	}
	return time.Time{}, false
}

// formParseClock reads a time of day: HH:MM, H:MM, HH.MM or HHMM.
func formParseClock(s string) (h, m int, ok bool) {
	s = strings.ReplaceAll(s, ".", ":")
	if len(s) == 4 && formIsDigits(s) {
		s = s[:2] + ":" + s[2:]
	}
	hs, ms, found := strings.Cut(s, ":")
	if !found || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !formIsDigits(hs) || !formIsDigits(ms) {
		return 0, 0, false
	}
	h, _ = strconv.Atoi(hs)
	m, _ = strconv.Atoi(ms)
	return h, m, h < 24 && m < 60
}

// formVisitAt is clock h:mi on day's date in Stockholm, or why there is no
// such visit, in lang: the clocks skip that time or show it twice that night
// (domain.LocalTime), and the form has no way to say which.
func formVisitAt(lang i18n.Lang, day time.Time, h, mi int) (time.Time, string) {
	day = day.In(domain.Stockholm)
	at, err := domain.LocalTime(day.Year(), day.Month(), day.Day(), h, mi, 0, 0)
	var le *domain.LocalTimeError
	switch {
	case err == nil:
		return at, ""
	case !errors.As(err, &le) || le.Before.IsZero():
		return time.Time{}, i18n.T(lang, "form_time_invalid", formTwoDigits(h)+":"+formTwoDigits(mi))
	}
	key := "form_time_skipped"
	if errors.Is(err, domain.ErrAmbiguousLocalTime) {
		key = "form_time_twice"
	}
	return time.Time{}, i18n.T(lang, key, formTwoDigits(h)+":"+formTwoDigits(mi), day.Format("2006-01-02"),
		le.Before.Format("15:04"), le.After.Format("15:04"))
}

// formIDComplete is domain.IdentityComplete.
func formIDComplete(s string) bool { return domain.IdentityComplete(s) }

func formIsDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func formTwoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func formClock(t time.Time) string { return t.In(domain.Stockholm).Format("15:04") }
