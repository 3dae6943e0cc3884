package domain

import (
	"errors"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// localTimeError is LocalTime's refusal of the wall time written
// 2006-01-02 15:04, which must be of kind want.
func localTimeError(t *testing.T, wall string, want error) *LocalTimeError {
	t.Helper()
	w, err := time.Parse("2006-01-02 15:04", wall)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LocalTime(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), 0, 0)
	var le *LocalTimeError
	if !errors.Is(err, want) || !errors.As(err, &le) {
		t.Fatalf("LocalTime(%s) = %v, %v; want %v", wall, got, err, want)
	}
	return le
}

func mustLocalTime(t *testing.T, wall, want string) {
	t.Helper()
	w, err := time.Parse("2006-01-02 15:04", wall)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LocalTime(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), 0, 0)
	if err != nil || got.Location() != Stockholm || got.Format("2006-01-02 15:04 -07:00") != want {
		t.Fatalf("LocalTime(%s) = %v, %v; want %s", wall, got, err, want)
	}
}

func TestImplicit_LocalTimeInDSTGapIsRefused(t *testing.T) {
	// Summer time starts Sunday 28 March 2027: the clocks go from 02:00 to 03:00.
	for _, wall := range []string{"2027-03-28 02:00", "2027-03-28 02:30", "2027-03-28 02:59", "2026-03-29 02:15"} {
		e := localTimeError(t, wall, ErrNonexistentLocalTime)
		if got := e.Before.Format("15:04 -07:00") + " → " + e.After.Format("15:04 -07:00"); got != "02:00 +01:00 → 03:00 +02:00" {
			t.Errorf("%s: the change is %s", wall, got)
		}
		if !e.Before.Equal(e.After) {
			t.Errorf("%s: the change is two instants: %v, %v", wall, e.Before, e.After)
		}
	}
	e := localTimeError(t, "2027-03-28 02:30", ErrNonexistentLocalTime)
	if want := "2027-03-28 02:30 does not exist in Stockholm time: the clocks go from 02:00 to 03:00 that night"; e.Error() != want {
		t.Errorf("error %q\nwant  %q", e.Error(), want)
	}
	if errors.Is(e, ErrAmbiguousLocalTime) || errors.Is(e, ErrInvalidLocalTime) {
		t.Error("the gap is only ErrNonexistentLocalTime")
	}
	// Either side of the gap is an ordinary time.
	mustLocalTime(t, "2027-03-28 01:59", "2027-03-28 01:59 +01:00")
	mustLocalTime(t, "2027-03-28 03:00", "2027-03-28 03:00 +02:00")
	mustLocalTime(t, "2027-03-27 02:30", "2027-03-27 02:30 +01:00")
	mustLocalTime(t, "2027-03-29 02:30", "2027-03-29 02:30 +02:00")
}

func TestImplicit_LocalTimeInAmbiguousAutumnHourIsRefused(t *testing.T) {
	// Summer time ends Sunday 31 October 2027: the clocks go back from 03:00
	// to 02:00, so 02:00–02:59 happens twice.
	for _, wall := range []string{"2027-10-31 02:00", "2027-10-31 02:30", "2027-10-31 02:59", "2026-10-25 02:45"} {
		e := localTimeError(t, wall, ErrAmbiguousLocalTime)
		if got := e.Before.Format("15:04 -07:00") + " → " + e.After.Format("15:04 -07:00"); got != "03:00 +02:00 → 02:00 +01:00" {
			t.Errorf("%s: the change is %s", wall, got)
		}
		// The two readings, summer time first, both show the wall time.
		for _, off := range []time.Time{e.Before, e.After} {
			_, o := off.Zone()
			r := e.Wall.Add(-time.Duration(o) * time.Second).In(Stockholm)
			if r.Format("2006-01-02 15:04") != wall {
				t.Errorf("%s read with %s shows %s", wall, off.Format("-07:00"), r)
			}
		}
	}
	e := localTimeError(t, "2027-10-31 02:30", ErrAmbiguousLocalTime)
	if want := "2027-10-31 02:30 happens twice in Stockholm time: the clocks go back from 03:00 to 02:00 that night"; e.Error() != want {
		t.Errorf("error %q\nwant  %q", e.Error(), want)
	}
	mustLocalTime(t, "2027-10-31 01:59", "2027-10-31 01:59 +02:00")
	mustLocalTime(t, "2027-10-31 03:00", "2027-10-31 03:00 +01:00")
}

func TestImplicit_LocalTimeRefusesFieldsOutOfRange(t *testing.T) {
	for _, f := range [][7]int{
		{2027, 2, 29, 10, 0, 0, 0}, {2027, 13, 1, 10, 0, 0, 0}, {2027, 0, 1, 10, 0, 0, 0}, {2027, 4, 31, 10, 0, 0, 0},
		{2027, 4, 1, 24, 0, 0, 0}, {2027, 4, 1, 9, 60, 0, 0}, {2027, 4, 1, 9, 0, 60, 0}, {2027, 4, 1, 9, 0, 0, -1},
		{2027, 4, 1, -1, 0, 0, 0}, {2027, 4, 0, 9, 0, 0, 0},
	} {
		got, err := LocalTime(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6])
		if !errors.Is(err, ErrInvalidLocalTime) {
			t.Errorf("LocalTime%v = %v, %v; want ErrInvalidLocalTime", f, got, err)
		}
	}
	if _, err := LocalTime(2028, 2, 29, 23, 59, 59, 999999999); err != nil {
		t.Errorf("29 February 2028 exists: %v", err)
	}
}

// Every minute of the days the clocks change, and random times over the
// centuries: an accepted wall time is shown as asked; a refused one is one
// that time.Date would have shifted or had to choose.
func TestImplicit_LocalTimeIsNeverShifted(t *testing.T) {
	check := func(fail func(string, ...any), w time.Time) {
		got, err := LocalTime(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond())
		var le *LocalTimeError
		switch {
		case err == nil:
			if got.Location() != Stockholm || !readAsUTC(got).Equal(w) {
				fail("LocalTime(%s) = %s: shifted", w.Format(time.DateTime), got)
			}
		case errors.As(err, &le) && errors.Is(err, ErrNonexistentLocalTime):
			if d := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), Stockholm); readAsUTC(d).Equal(w) {
				fail("%s refused as nonexistent, but it is %s", w.Format(time.DateTime), d)
			}
			if le.Before.IsZero() || !le.Before.Equal(le.After) || len(le.Error()) > 120 {
				fail("%s: %#v %q", w.Format(time.DateTime), le, le.Error())
			}
		case errors.As(err, &le) && errors.Is(err, ErrAmbiguousLocalTime):
			_, ob := le.Before.Zone()
			_, oa := le.After.Zone()
			r1 := w.Add(-time.Duration(ob) * time.Second).In(Stockholm)
			r2 := w.Add(-time.Duration(oa) * time.Second).In(Stockholm)
			if ob == oa || !readAsUTC(r1).Equal(w) || !readAsUTC(r2).Equal(w) || len(le.Error()) > 120 {
				fail("%s refused as ambiguous: readings %s and %s, %q", w.Format(time.DateTime), r1, r2, le.Error())
			}
		default:
			fail("LocalTime(%s): %v", w.Format(time.DateTime), err)
		}
	}
	for _, day := range []string{"2026-03-29", "2026-10-25", "2027-03-28", "2027-10-31", "2027-11-01", "1916-05-14", "1916-10-01"} {
		d, _ := time.Parse(time.DateOnly, day)
		for m := range 24 * 60 {
			check(t.Fatalf, d.Add(time.Duration(m)*time.Minute))
		}
	}
	rapid.Check(t, func(rt *rapid.T) {
		w := time.Date(rapid.IntRange(1800, 2200).Draw(rt, "year"), time.Month(rapid.IntRange(1, 12).Draw(rt, "month")),
			rapid.IntRange(1, 28).Draw(rt, "day"), rapid.IntRange(0, 23).Draw(rt, "hour"), rapid.IntRange(0, 59).Draw(rt, "min"),
			rapid.IntRange(0, 59).Draw(rt, "sec"), 0, time.UTC)
		check(rt.Fatalf, w)
	})
}
