package main

import (
	"fmt"
	"time"

	"github.com/kallelse/kallelse/domain"
)

var localLayouts = []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"}

// parseInstant accepts RFC 3339 (any offset) or a local time in
// Europe/Stockholm written 2006-01-02T15:04 (or with a space).
func parseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(domain.Stockholm), nil
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, domain.Stockholm); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use 2006-01-02T15:04 (Stockholm time) or RFC 3339", s)
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
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (2006-01-02) nor a time (2006-01-02T15:04)", s)
	}
	return t, nil
}

func fmtLocal(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02 15:04") }

var swedishWeekdays = [...]string{"sön", "mån", "tis", "ons", "tor", "fre", "lör"}

func fmtVisit(t time.Time) string {
	lt := t.In(domain.Stockholm)
	return swedishWeekdays[lt.Weekday()] + " " + lt.Format("2006-01-02 15:04")
}
