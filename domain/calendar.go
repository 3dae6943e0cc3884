package domain

import (
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/se"
)

var swedishCalendar = func() *cal.Calendar {
	c := &cal.Calendar{}
	c.AddHoliday(se.Holidays...)
	return c
}()

// NonWorkingDay tells whether the Stockholm date of t is a weekend day or a
// Swedish public holiday (including the de facto holidays midsommarafton,
// julafton and nyårsafton), and names it in Swedish. Booking on such a day is
// allowed — the department may run extra sessions — but staff are warned.
func NonWorkingDay(t time.Time) (name string, ok bool) {
	lt := t.In(Stockholm)
	// cal compares dates in the location of the time it is given.
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 12, 0, 0, 0, Stockholm)
	if actual, _, h := swedishCalendar.IsHoliday(day); actual && h != nil {
		return h.Name, true
	}
	switch lt.Weekday() {
	case time.Saturday:
		return "lördag", true
	case time.Sunday:
		return "söndag", true
	}
	return "", false
}
