package main

import (
	"errors"
	"time"

	"github.com/kallelse/kallelse/domain"
)

var (
	localLayouts = []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"}
	// offsetLayouts are RFC 3339 and the same without seconds, the form the
	// ambiguous autumn hour's message suggests.
	offsetLayouts = []string{time.RFC3339, "2006-01-02T15:04Z07:00"}
)

// parseInstant accepts RFC 3339 (any offset, seconds optional) or a local
// time in Europe/Stockholm written 2006-01-02T15:04 (or with a space). A
// local time the clocks skip in spring, or show twice in autumn, is refused
// (domain.LocalTime), never shifted; an offset says which autumn 02:30.
func parseInstant(s string) (time.Time, error) {
	for _, l := range offsetLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.In(domain.Stockholm), nil
		}
	}
	for _, l := range localLayouts {
		w, err := time.Parse(l, s)
		if err != nil {
			continue
		}
		t, err := domain.LocalTime(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond())
		var le *domain.LocalTimeError
		switch {
		case err == nil:
			return t, nil
		case errors.As(err, &le) && errors.Is(err, domain.ErrAmbiguousLocalTime) && !le.Before.IsZero():
			return time.Time{}, errT("cli_err_time_offset", err, offsetChoices(w, le))
		case le != nil:
			return time.Time{}, err
		}
	}
	return time.Time{}, errT("cli_err_not_a_time", domain.QuoteShort(s, 40))
}

// parseClock is parseInstant for a time that is stored (--now, --at): one
// that does not read, or that falls outside the years the store keeps, is
// a usage error naming the flag (or variable) — said when it is read, not
// as the store's refusal at the first write.
func parseClock(flag, s string) (time.Time, error) {
	t, err := parseInstant(s)
	if err != nil {
		return time.Time{}, usageT("cli_err_flag", flag, err)
	}
	if !domain.InKeptYears(t) { // the clock and a visit: domain.FirstYear–LastYear
		return time.Time{}, usageT("cli_err_time_range", flag, domain.QuoteShort(s, 40), domain.FirstYear, domain.LastYear)
	}
	return t, nil
}

// offsetChoices writes the ambiguous wall time w with each of its offsets:
// "2027-10-31T02:30+02:00 (summer time) or +01:00 (winter time)", in words
// when printed.
func offsetChoices(w time.Time, le *domain.LocalTimeError) *msgError {
	layout := "2006-01-02T15:04"
	if w.Second() != 0 || w.Nanosecond() != 0 {
		layout = "2006-01-02T15:04:05.999999999"
	}
	first, second := le.Before.Format("-07:00"), le.After.Format("-07:00")
	if first == "+02:00" && second == "+01:00" {
		return wordsT("cli_offsets_summer_winter", w.Format(layout)+first, second)
	}
	return wordsT("cli_offsets", w.Format(layout)+first, second)
}

// parseBound accepts what parseInstant does or a date. A date as a lower
// bound means its first instant; as an upper bound, the whole day included.
func parseBound(s string, upper bool) (time.Time, error) {
	if d, err := time.ParseInLocation("2006-01-02", s, domain.Stockholm); err == nil {
		if upper {
			return d.AddDate(0, 0, 1), nil
		}
		return d, nil
	}
	t, err := parseInstant(s)
	if errors.Is(err, domain.ErrNonexistentLocalTime) || errors.Is(err, domain.ErrAmbiguousLocalTime) {
		return time.Time{}, err
	}
	if err != nil {
		return time.Time{}, errT("cli_err_not_a_bound", domain.QuoteShort(s, 40))
	}
	return t, nil
}

func fmtLocal(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02 15:04") }
