package domain

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// The errors of LocalTime; a *LocalTimeError wraps the first two.
var (
	// ErrNonexistentLocalTime: the clocks skip the wall time (spring).
	ErrNonexistentLocalTime = errors.New("local time does not exist")
	// ErrAmbiguousLocalTime: the clocks show the wall time twice (autumn).
	ErrAmbiguousLocalTime = errors.New("local time happens twice")
	// ErrInvalidLocalTime: a field is out of range (30 February, 24:00).
	ErrInvalidLocalTime = errors.New("no such date or time of day")
)

// LocalTimeError names a Stockholm wall-clock time that LocalTime refuses
// because the clocks change around it, and the change itself, so that each
// interface can say it in its own words.
type LocalTimeError struct {
	// Kind is ErrNonexistentLocalTime or ErrAmbiguousLocalTime.
	Kind error
	// Wall is the time asked for: its clock reading, in UTC, is the
	// Stockholm wall-clock time.
	Wall time.Time
	// Before and After are the instant the clocks change that night, read
	// with the offset in force before and after it: in spring 02:00+01:00
	// and 03:00+02:00, in autumn 03:00+02:00 and 02:00+01:00. A time in the
	// autumn hour is Wall with Before's offset (summer time, the first
	// time round) or with After's (winter time, the second).
	Before, After time.Time
}

// Error says it in English, naming the time: "2027-03-28 02:30 does not
// exist in Stockholm time: the clocks go from 02:00 to 03:00 that night".
func (e *LocalTimeError) Error() string {
	wall := e.Wall.Format(wallLayout(e.Wall))
	what, change := "does not exist", "go from"
	if errors.Is(e.Kind, ErrAmbiguousLocalTime) {
		what, change = "happens twice", "go back from"
	}
	if e.Before.IsZero() {
		return wall + " " + what + " in Stockholm time"
	}
	return fmt.Sprintf("%s %s in Stockholm time: the clocks %s %s to %s that night",
		wall, what, change, e.Before.Format(clockLayout(e.Before)), e.After.Format(clockLayout(e.After)))
}

// Unwrap makes errors.Is(err, ErrNonexistentLocalTime) (or
// ErrAmbiguousLocalTime) hold.
func (e *LocalTimeError) Unwrap() error { return e.Kind }

// LocalTime is the instant at which the Stockholm wall clock shows
// year-month-day hour:min:sec.nsec. It is time.Date in Stockholm except
// that it never shifts what it was asked: a field out of range (a 30
// February, a 24:00) is ErrInvalidLocalTime instead of being normalised; a
// wall time the clocks skip (02:00–02:59 on the last Sunday of March, when
// they go from 02:00 to 03:00) is refused with ErrNonexistentLocalTime
// instead of becoming 03:xx; and one the clocks show twice (02:00–02:59 on
// the last Sunday of October) is refused with ErrAmbiguousLocalTime instead
// of one of the two being picked — an examination booked then is surely a
// typo. Both of those come as a *LocalTimeError. A time written with an
// offset is an instant already and needs no rule: that is how the
// ambiguous hour is booked on purpose.
func LocalTime(year int, month time.Month, day, hour, min, sec, nsec int) (time.Time, error) {
	wall := time.Date(year, month, day, hour, min, sec, nsec, time.UTC)
	if wall.Year() != year || wall.Month() != month || wall.Day() != day || wall.Hour() != hour ||
		wall.Minute() != min || wall.Second() != sec || wall.Nanosecond() != nsec {
		return time.Time{}, fmt.Errorf("%04d-%02d-%02d %02d:%02d:%02d: %w", year, int(month), day, hour, min, sec, ErrInvalidLocalTime)
	}
	// Read the wall time with every offset Stockholm has within a day
	// either side, and keep the readings the clock really shows.
	lo, hi := wall.Add(-24*time.Hour), wall.Add(24*time.Hour)
	var found, changes []time.Time
	t := lo.In(Stockholm)
	for range 16 {
		_, off := t.Zone()
		if r := wall.Add(-time.Duration(off) * time.Second).In(Stockholm); offsetOf(r) == off {
			if !slices.ContainsFunc(found, r.Equal) {
				found = append(found, r)
			}
		}
		_, end := t.ZoneBounds()
		if end.IsZero() || end.After(hi) {
			break
		}
		changes = append(changes, end)
		t = end.In(Stockholm)
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) == 0:
		return time.Time{}, changeAround(ErrNonexistentLocalTime, wall, changes)
	default:
		return time.Time{}, changeAround(ErrAmbiguousLocalTime, wall, changes)
	}
}

// changeAround is the error for wall, naming the clock change that skips it
// (kind ErrNonexistentLocalTime) or shows it twice.
func changeAround(kind error, wall time.Time, changes []time.Time) *LocalTimeError {
	e := &LocalTimeError{Kind: kind, Wall: wall}
	for _, c := range changes {
		offB, offA := offsetOf(c.Add(-time.Nanosecond).In(Stockholm)), offsetOf(c.In(Stockholm))
		before := c.In(time.FixedZone("", offB))
		after := c.In(time.FixedZone("", offA))
		// The change's two wall readings bound the hour skipped or repeated.
		from, to := readAsUTC(before), readAsUTC(after)
		if kind == ErrAmbiguousLocalTime {
			from, to = to, from
		}
		if !wall.Before(from) && wall.Before(to) {
			e.Before, e.After = before, after
			return e
		}
	}
	return e
}

func offsetOf(t time.Time) int {
	_, off := t.Zone()
	return off
}

// readAsUTC is t's clock reading taken as if in UTC.
func readAsUTC(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

func wallLayout(t time.Time) string {
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return "2006-01-02 15:04:05.999999999"
	}
	return "2006-01-02 15:04"
}

func clockLayout(t time.Time) string {
	if t.Second() != 0 {
		return "15:04:05"
	}
	return "15:04"
}
