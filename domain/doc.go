// Package domain holds Kallelse's rules and nothing else: identity numbers,
// patients, the examination catalogue, sites, the channel policy (R1–R3), the
// booking life cycle and the ports the outside world implements.
//
// The package does no I/O and never reads the wall clock: every function that
// needs "now" takes an instant, and the application asks a Clock for it. Each
// rule of DESIGN.md lives in exactly one function here and has a test named
// after it (TestR3_..., TestImplicit_...).
package domain

import (
	"time"

	// The site may lack zone files; Europe/Stockholm must resolve anyway.
	_ "time/tzdata"
)

// Stockholm is the clinic's time zone. Visit times, reminder hours and
// "today" are all reckoned here, daylight saving included.
var Stockholm = mustLoadLocation("Europe/Stockholm")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("domain: time zone " + name + " not available: " + err.Error())
	}
	return loc
}

// Clock is the port through which the application learns the current instant.
// Production wires the system clock; tests and `--now` wire a fixed one.
type Clock interface {
	Now() time.Time
}

// FixedClock always answers the same instant. It serves tests, training and
// the CLI's `--now` flag.
type FixedClock struct{ T time.Time }

// Now returns the fixed instant.
func (c FixedClock) Now() time.Time { return c.T }

// SystemActor is the actor recorded for changes that no person made.
const SystemActor = "system"
