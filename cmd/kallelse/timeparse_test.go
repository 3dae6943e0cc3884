package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// maxTimeErrLen bounds a time-parsing error: it goes on one line after the
// flag's name, however long the text typed.
const maxTimeErrLen = 240

func TestParseInstant(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{in: "2026-12-01T09:30", want: "2026-12-01 09:30:00 +01:00"},
		{in: "2026-12-01 09:30", want: "2026-12-01 09:30:00 +01:00"},
		{in: "2026-12-01T09:30:15", want: "2026-12-01 09:30:15 +01:00"},
		{in: "2026-06-01T09:30", want: "2026-06-01 09:30:00 +02:00"},
		{in: "2026-12-01T09:30:00+01:00", want: "2026-12-01 09:30:00 +01:00"},
		{in: "2026-12-01T08:30:00Z", want: "2026-12-01 09:30:00 +01:00"},
		{in: "2026-12-01T09:30+01:00", want: "2026-12-01 09:30:00 +01:00"},
		// Either side of the spring gap.
		{in: "2027-03-28T01:59", want: "2027-03-28 01:59:00 +01:00"},
		{in: "2027-03-28T03:00", want: "2027-03-28 03:00:00 +02:00"},
		// The spring gap: refused, never moved to 03:30.
		{in: "2027-03-28T02:30", err: "2027-03-28 02:30 does not exist in Stockholm time: the clocks go from 02:00 to 03:00 that night"},
		{in: "2027-03-28 02:00", err: "2027-03-28 02:00 does not exist in Stockholm time: the clocks go from 02:00 to 03:00 that night"},
		{in: "2026-03-29T02:59:59", err: "2026-03-29 02:59:59 does not exist in Stockholm time: the clocks go from 02:00 to 03:00 that night"},
		// The autumn hour: refused without an offset, taken with one.
		{in: "2027-10-31T02:30", err: "2027-10-31 02:30 happens twice in Stockholm time: the clocks go back from 03:00 to 02:00 that night; " +
			"write it with an offset: 2027-10-31T02:30+02:00 (summer time) or +01:00 (winter time)"},
		{in: "2027-10-31T02:30:15", err: "2027-10-31 02:30:15 happens twice in Stockholm time: the clocks go back from 03:00 to 02:00 that night; " +
			"write it with an offset: 2027-10-31T02:30:15+02:00 (summer time) or +01:00 (winter time)"},
		{in: "2027-10-31T02:30+02:00", want: "2027-10-31 02:30:00 +02:00"},
		{in: "2027-10-31T02:30+01:00", want: "2027-10-31 02:30:00 +01:00"},
		{in: "2027-10-31T02:30:00+02:00", want: "2027-10-31 02:30:00 +02:00"},
		{in: "2027-10-31T01:59", want: "2027-10-31 01:59:00 +02:00"},
		{in: "2027-10-31T03:00", want: "2027-10-31 03:00:00 +01:00"},
		// An offset makes an instant, even one Stockholm's clocks never show.
		{in: "2027-03-28T02:30+01:00", want: "2027-03-28 03:30:00 +02:00"},
		{in: "1/12", err: `"1/12" is not a time: use YYYY-MM-DDThh:mm (Stockholm time), e.g. 2026-12-01T09:30, or RFC 3339`},
		{in: "2027-02-29T10:00", err: `"2027-02-29T10:00" is not a time`},
		{in: "2026-12-01T24:00", err: `"2026-12-01T24:00" is not a time`},
		{in: "", err: `"" is not a time`},
		{in: strings.Repeat("x", 500), err: `"` + strings.Repeat("x", 40) + `"… (500 bytes) is not a time`},
	} {
		got, err := parseInstant(c.in)
		if c.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("parseInstant(%.50q) = %v, %v\nwant error %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got.Location() != domain.Stockholm || got.Format("2006-01-02 15:04:05 -07:00") != c.want {
			t.Errorf("parseInstant(%q) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestParseBound(t *testing.T) {
	for _, c := range []struct {
		in        string
		upper     bool
		want, err string
	}{
		{in: "2026-12-01", want: "2026-12-01 00:00 +01:00"},
		{in: "2026-12-01", upper: true, want: "2026-12-02 00:00 +01:00"},
		// Dates on the nights the clocks change: midnight exists.
		{in: "2027-03-28", want: "2027-03-28 00:00 +01:00"},
		{in: "2027-03-28", upper: true, want: "2027-03-29 00:00 +02:00"},
		{in: "2027-10-31", want: "2027-10-31 00:00 +02:00"},
		{in: "2027-10-31", upper: true, want: "2027-11-01 00:00 +01:00"},
		{in: "2027-03-27", upper: true, want: "2027-03-28 00:00 +01:00"},
		{in: "2026-12-02T13:00", upper: true, want: "2026-12-02 13:00 +01:00"},
		{in: "2027-10-31T02:30+01:00", want: "2027-10-31 02:30 +01:00"},
		// A time in the gap says so, not that it is neither a date nor a time.
		{in: "2027-03-28T02:30", err: "2027-03-28 02:30 does not exist in Stockholm time"},
		{in: "2027-10-31T02:30", upper: true, err: "2027-10-31 02:30 happens twice in Stockholm time"},
		{in: "tomorrow", err: `"tomorrow" is neither a date (YYYY-MM-DD, e.g. 2026-12-01) nor a time (YYYY-MM-DDThh:mm, e.g. 2026-12-01T09:30)`},
		{in: "2027-02-29", err: `"2027-02-29" is neither a date`},
	} {
		got, err := parseBound(c.in, c.upper)
		if c.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("parseBound(%q, %v) = %v, %v\nwant error %q", c.in, c.upper, got, err, c.err)
			}
			continue
		}
		if err != nil || got.Location() != domain.Stockholm || got.Format("2006-01-02 15:04 -07:00") != c.want {
			t.Errorf("parseBound(%q, %v) = %v, %v; want %s", c.in, c.upper, got, err, c.want)
		}
	}
}

// checkInstant holds parseInstant's invariants for s: an error is short and
// says something; a time with an offset is that instant; a local time is
// the wall time typed, never shifted; the autumn hour's suggested forms
// are accepted and name the two readings.
func checkInstant(t *testing.T, s string, got time.Time, err error) {
	t.Helper()
	if err != nil {
		if msg := err.Error(); msg == "" || len(msg) > maxTimeErrLen || strings.Contains(msg, "\n") {
			t.Fatalf("parseInstant(%q): error %q", s, msg)
		}
		var le *domain.LocalTimeError
		if errors.As(err, &le) && errors.Is(err, domain.ErrAmbiguousLocalTime) {
			checkSuggestions(t, s, le)
		}
		return
	}
	if got.Location() != domain.Stockholm {
		t.Fatalf("parseInstant(%q) = %v: not in Stockholm", s, got)
	}
	for _, l := range offsetLayouts {
		if want, err := time.Parse(l, s); err == nil {
			if !got.Equal(want) {
				t.Fatalf("parseInstant(%q) = %v, want the instant %v", s, got, want)
			}
			return
		}
	}
	for _, l := range localLayouts {
		w, err := time.Parse(l, s)
		if err != nil {
			continue
		}
		if got.Format(l) != w.Format(l) || got.Nanosecond() != w.Nanosecond() {
			t.Fatalf("parseInstant(%q) = %s: shifted from %s", s, got.Format(l), w.Format(l))
		}
		return
	}
	t.Fatalf("parseInstant(%q) = %v: accepted in no layout", s, got)
}

func checkSuggestions(t *testing.T, s string, le *domain.LocalTimeError) {
	t.Helper()
	_, ob := le.Before.Zone()
	_, oa := le.After.Zone()
	if ob == oa {
		t.Fatalf("parseInstant(%q): ambiguous with one offset: %v", s, le)
	}
	if ob%60 != 0 || oa%60 != 0 {
		return // local mean time before 1900: an offset in seconds cannot be written
	}
	wall := le.Wall.Format("2006-01-02T15:04:05.999999999")
	var readings []time.Time
	for _, off := range []time.Time{le.Before, le.After} {
		in := wall + off.Format("-07:00")
		r, err := parseInstant(in)
		if err != nil || r.Format("2006-01-02T15:04:05.999999999") != wall {
			t.Fatalf("parseInstant(%q): suggested %q gives %v, %v", s, in, r, err)
		}
		readings = append(readings, r)
	}
	if !readings[0].Before(readings[1]) {
		t.Fatalf("parseInstant(%q): the summer-time reading %v is not the first", s, readings)
	}
}

func FuzzParseInstant(f *testing.F) {
	f.Add("2027-03-28T02:30")
	f.Add("2027-10-31T02:30")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseInstant(s)
		checkInstant(t, s, got, err)
	})
}

func FuzzParseBound(f *testing.F) {
	f.Add("2027-03-28", true)
	f.Add("2027-10-31T02:30", false)
	f.Fuzz(func(t *testing.T, s string, upper bool) {
		got, err := parseBound(s, upper)
		if err != nil {
			if msg := err.Error(); msg == "" || len(msg) > maxTimeErrLen || strings.Contains(msg, "\n") {
				t.Fatalf("parseBound(%q, %v): error %q", s, upper, msg)
			}
		}
		d, derr := time.ParseInLocation("2006-01-02", s, domain.Stockholm)
		if derr != nil {
			// Not a date: what parseInstant says, the time or its refusal.
			want, ierr := parseInstant(s)
			if (err == nil) != (ierr == nil) || !got.Equal(want) {
				t.Fatalf("parseBound(%q, %v) = %v, %v; parseInstant: %v, %v", s, upper, got, err, want, ierr)
			}
			checkInstant(t, s, got, ierr)
			return
		}
		// A date is midnight at its start (or, as an upper bound, the next).
		if err != nil {
			t.Fatalf("parseBound(%q, %v): %v", s, upper, err)
		}
		if upper {
			d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, time.UTC)
		}
		if want := d.Format("2006-01-02") + " 00:00:00"; got.Location() != domain.Stockholm || got.Format("2006-01-02 15:04:05") != want {
			t.Fatalf("parseBound(%q, %v) = %v, want %s in Stockholm", s, upper, got, want)
		}
	})
}

// TestParseClock_TheYearsTheStoreKeeps: --now and --at take the years
// 1971–2261 and refuse a time outside them as a usage error naming the
// flag, to the minute at both ends; a time that does not read is refused
// as before.
func TestParseClock_TheYearsTheStoreKeeps(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"1971-01-01T00:00", true},
		{"1970-12-31T23:59", false},
		{"1970-01-01T00:30", false}, // before the visit index's first instant, 00:00 UTC
		{"1970-06-01T10:00", false}, // said in whole years: not 1970
		{"1969-12-31T23:59:59Z", false},
		{"2026-12-01T09:30", true},
		{"2261-12-31T23:59", true},
		{"2262-01-01T00:00", false},
		{"2261-12-31T23:30-01:00", false}, // 2262-01-01 01:30 in Stockholm
		{"2262-06-01T00:00", false},
		{"9999-12-31T10:00", false},
	} {
		_, err := parseClock("--at", c.in)
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %v", c.in, err)
		case !c.ok && (exitCode(err) != exitUsage || !strings.Contains(err.Error(), `--at: "`+c.in+`" is outside the years 1971–2261`)):
			t.Errorf("%s: %v (exit %d), want a usage error naming --at and the years", c.in, err, exitCode(err))
		}
	}
	if _, err := parseClock("--now", "yesterday"); exitCode(err) != exitUsage || !strings.Contains(err.Error(), `--now: "yesterday" is not a time`) {
		t.Errorf("yesterday: %v", err)
	}
}
