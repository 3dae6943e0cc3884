package demo

// What the simulated year promises and shows: the invariants, the breaches
// as they are found, and the figures by population group at the end.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// Invariant is one promise the simulated year checks, and the bookings
// that broke it.
type Invariant struct {
	Name     string   `json:"name"`
	Count    int      `json:"breaches"`
	Examples []string `json:"examples,omitempty"` // the first few breaches, by booking
}

// GroupFigures are the year's figures for one population group. A patient
// is counted in the first group of GroupOrder they belong to.
type GroupFigures struct {
	Group        string `json:"group"`
	Bookings     int    `json:"bookings"`      // booked (cancelled ones too)
	Visits       int    `json:"visits"`        // not cancelled: the visit took place
	Digital      int    `json:"digital"`       // visits whose summons went to 1177 (the examination is digital, R1)
	Opened       int    `json:"opened"`        // visits whose current summons the patient opened in 1177
	Reached      int    `json:"reached"`       // visits reached in time
	Letters      int    `json:"letters"`       // letters printed (summons, fallback, cancellation notices)
	PaperAvoided int    `json:"paper_avoided"` // bookings for which no letter was printed
	PhoneTasks   int    `json:"phone_tasks"`   // phone tasks raised
	HandOvers    int    `json:"hand_overs"`    // hand-overs raised (protected personal data)
}

// GroupOrder names the population groups, the first that applies wins.
var GroupOrder = []string{"protected", "reservnummer", "samordningsnummer", "child", "interpreter", "paper_declined",
	"no_address", "no_account", "notifications_off", "digital"}

// YearReport is what a simulated year shows: its size, what went out, the
// invariants and the figures by group.
type YearReport struct {
	Seed             uint64         `json:"seed"`
	Start            time.Time      `json:"start"`
	End              time.Time      `json:"end"`
	DowntimeFrom     time.Time      `json:"downtime_from,omitzero"`
	DowntimeTo       time.Time      `json:"downtime_to,omitzero"`
	Patients         int            `json:"patients"`
	Bookings         int            `json:"bookings"`
	Visits           int            `json:"visits"`
	Cancelled        int            `json:"cancelled"`
	Moved            int            `json:"moved"`
	LateBookings     int            `json:"late_bookings"`   // made less than four days before the visit
	PatientChanges   int            `json:"patient_changes"` // patient records changed after the booking
	Requests         int            `json:"requests"`        // rebook and cancel requests in 1177
	LateRequests     int            `json:"late_requests"`   // made less than 72 h before the visit
	Inbox            int            `json:"inbox_messages"`
	SMS              int            `json:"sms"`
	LettersPrinted   int            `json:"letters_printed"`
	LettersWithdrawn int            `json:"letters_withdrawn"` // taken out of the print queue before printing
	OutdatedLetters  int            `json:"outdated_letters"`  // printed, then made untrue by a change: a task for staff
	PhoneTasks       int            `json:"phone_tasks"`
	HandOvers        int            `json:"hand_overs"`
	LostToDowntime   int            `json:"lost_to_downtime"` // visits not reached whose window to act fell in the downtime
	Invariants       []Invariant    `json:"invariants"`
	Groups           []GroupFigures `json:"groups"`
}

// OK reports whether every invariant held.
func (r YearReport) OK() bool {
	for _, inv := range r.Invariants {
		if inv.Count > 0 {
			return false
		}
	}
	return true
}

// The invariants, in the order the report shows them.
const (
	InvReached     = "every visit reached in time"
	InvVoidLetters = "letters posted for cancelled or moved times"
	InvReminders   = "reminders after a cancellation or cancel request"
	InvAfterVisit  = "messages after the visit"
	InvQuietSMS    = "SMS in the quiet hours"
	InvDuplicates  = "duplicate messages"
	maxInvExamples = 5
)

var invariantOrder = []string{InvReached, InvVoidLetters, InvReminders, InvAfterVisit, InvQuietSMS, InvDuplicates}

// InvariantNames names the invariants the year checks, in the order the
// report shows them: the names its JSON keeps, in English.
func InvariantNames() []string { return slices.Clone(invariantOrder) }

func (y *year) breach(name string, b domain.BookingID, format string, args ...any) {
	inv := y.inv[name]
	if inv == nil {
		inv = &Invariant{Name: name}
		y.inv[name] = inv
	}
	inv.Count++
	if len(inv.Examples) < maxInvExamples {
		inv.Examples = append(inv.Examples, fmt.Sprintf("booking %d: %s", b, fmt.Sprintf(format, args...)))
	}
}

// report checks, booking by booking, that every visit was reached in time,
// and counts the figures.
func (y *year) report(ctx context.Context) (YearReport, error) {
	r := y.rep
	r.Seed, r.Start, r.End, r.DowntimeFrom, r.DowntimeTo = y.opt.Seed, y.start, y.end, y.dtFrom, y.dtTo
	sched := y.g.svc.Schedule
	letters := map[domain.BookingID][]*simLetter{}
	for _, l := range y.print.printed {
		letters[l.m.Booking] = append(letters[l.m.Booking], l)
	}
	groups := map[string]*GroupFigures{}
	for _, name := range GroupOrder {
		groups[name] = &GroupFigures{Group: name}
	}
	ids := make([]domain.BookingID, 0, len(y.bookings))
	for id := range y.bookings {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		sb := y.bookings[id]
		b, err := y.st.Booking(ctx, id)
		if err != nil {
			return r, err
		}
		evs, err := y.st.BookingEvents(ctx, id)
		if err != nil {
			return r, err
		}
		gf := groups[sb.group]
		gf.Bookings++
		r.Bookings++
		if sb.moved {
			r.Moved++
		}
		gf.Letters += len(letters[id])
		if len(letters[id]) == 0 {
			gf.PaperAvoided++
		}
		since := sb.created
		reachedByStaff := false
		for _, e := range evs {
			switch e.Type {
			case domain.EventPhoneTaskRaised:
				gf.PhoneTasks++
				r.PhoneTasks++
			case domain.EventHandOverRaised:
				gf.HandOvers++
				r.HandOvers++
			case domain.EventLetterOutdated:
				r.OutdatedLetters++
			case domain.EventRebooked:
				since, reachedByStaff = e.At, false
			case domain.EventPhoneTaskDone, domain.EventHandOverDone:
				if e.At.Before(b.VisitAt()) {
					reachedByStaff = true
				}
			}
		}
		if b.State() == domain.StateCancelled {
			r.Cancelled++
			continue
		}
		visit := b.VisitAt()
		r.Visits++
		gf.Visits++
		if b.Decision().Digital {
			gf.Digital++
		}
		opened := !b.Status().OpenedAt.IsZero() && b.Status().OpenedAt.Before(visit)
		if opened {
			gf.Opened++
		}
		byLetter := false
		for _, l := range letters[id] {
			if l.m.Purpose != domain.PurposeCancellation && l.m.Summons.VisitAt.Equal(visit) && sched.LetterInTime(l.printed, visit) {
				byLetter = true
			}
		}
		switch {
		case opened || byLetter || reachedByStaff:
			gf.Reached++
		case !y.dtFrom.IsZero() && since.Before(y.dtTo) && visit.After(y.dtFrom):
			r.LostToDowntime++
		default:
			y.breach(InvReached, id, "%s visit %s (booked %s%s) neither opened, nor a letter in time, nor reached by staff",
				sb.group, fmtSim(visit), fmtSim(since), map[bool]string{true: ", late booking"}[sb.late])
		}
	}
	for _, name := range invariantOrder {
		if inv := y.inv[name]; inv != nil {
			r.Invariants = append(r.Invariants, *inv)
		} else {
			r.Invariants = append(r.Invariants, Invariant{Name: name})
		}
	}
	for _, name := range GroupOrder {
		if groups[name].Bookings > 0 {
			r.Groups = append(r.Groups, *groups[name])
		}
	}
	return r, nil
}
