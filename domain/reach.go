package domain

import (
	"strings"
	"time"
)

// The reasons a paper letter cannot be posted. A letter that cannot be
// posted is never counted as sent: staff get a task instead.
const (
	ReasonNoAddress     Reason = "no_address"         // no postal address is known
	ReasonProtected     Reason = "protected_identity" // sekretessmarkering or skyddad folkbokföring
	ReasonPaperDeclined Reason = "paper_declined"     // the patient chose in 1177 not to get letters by post
)

// GuardianAge is the default age below which a child's letters go to the
// guardians and the child's SMS to a guardian's phone: 18, the age below
// which R3 sends paper as well precisely so that a guardian gets it.
const GuardianAge = AdultAge

// Recipient is whom an envelope is addressed to.
type Recipient struct {
	Name    string  // as printed in the window: "Eva Ek", or the child's guardians together
	Address Address //
	For     string  // a letter to guardians: the child's name, printed "Till vårdnadshavare för …"
}

// LetterRoute is how a paper letter reaches the patient: the envelopes, or
// why none can be posted.
type LetterRoute struct {
	To      []Recipient
	Blocked Reason // ReasonNoAddress, ReasonProtected, ReasonPaperDeclined; "" when To is set
}

// LetterFate is what becomes of a paper letter decided at an instant: the
// envelopes it goes in, or the task staff get instead and why — it cannot
// be posted (Route.Blocked) or it would arrive on or after the visit's day
// (TooLate). Blocked comes first: protected data is handed over however
// late it is.
type LetterFate struct {
	Route   LetterRoute
	TooLate bool
	Task    TaskKind // "" when the letter goes
}

// DecideLetter is the one rule for a letter to p decided at now for a
// visit: the summons, R4's fallback, a letter posted again, a letter by
// hand and the booking form's outlook all follow it.
func DecideLetter(p Patient, now, visit time.Time, policy PolicyOptions, s Schedule) LetterFate {
	route := RouteLetter(p, now, policy)
	switch {
	case route.Blocked != "":
		return LetterFate{Route: route, Task: TaskFor(route.Blocked)}
	case !s.LetterInTime(now, visit):
		return LetterFate{Route: route, TooLate: true, Task: TaskPhone}
	}
	return LetterFate{Route: route}
}

// letterFate is DecideLetter for the booking's visit at env's instant.
func (b *Booking) letterFate(env FireEnv) LetterFate {
	return DecideLetter(env.Patient, env.Now, b.visitAt, env.Policy, env.Schedule)
}

// LetterTask is the task a letter the booking would send at env's instant
// becomes instead (a hand-over for protected personal data, a phone call
// when no letter can be posted or arrive in time), "" when the letter
// goes: what a screen says of a paper fallback still planned, as the
// fallback will decide when it fires.
func (b *Booking) LetterTask(env FireEnv) TaskKind { return b.letterFate(env).Task }

// RouteLetter decides where a paper letter for p goes at instant at:
//
//   - protected personal data: nowhere — no address is printed, the unit
//     hands the summons over by its own routine (a task);
//   - the patient declined letters by post in 1177: nowhere (staff phone);
//   - a child below rules' letter age: to the guardians with an address
//     (one envelope per address, both names when they share one), else to
//     the child's own address "to the guardians of" the child;
//   - otherwise to the patient's address; no address: nowhere (staff phone).
func RouteLetter(p Patient, at time.Time, rules PolicyOptions) LetterRoute {
	if why := LetterBlocked(p, at, rules); why != "" {
		return LetterRoute{Blocked: why}
	}
	if age, ok := p.ID().AgeAt(at); ok && age < rules.guardianLetterAge() {
		var to []Recipient
		for _, g := range p.Guardians() {
			if g.Address.IsZero() {
				continue
			}
			merged := false
			for i := range to {
				if to[i].Address == g.Address {
					to[i].Name += " och " + g.Name
					merged = true
				}
			}
			if !merged {
				to = append(to, Recipient{Name: g.Name, Address: g.Address, For: p.Name()})
			}
		}
		if len(to) > 0 {
			return LetterRoute{To: to}
		}
		return LetterRoute{To: []Recipient{{Name: "Vårdnadshavare för " + p.Name(), Address: p.Address(), For: p.Name()}}}
	}
	return LetterRoute{To: []Recipient{{Name: p.Name(), Address: p.Address()}}}
}

// LetterBlocked is why no letter for p can be posted at instant at
// (RouteLetter's reasons, in its order), or "" when one can: decided
// without building the envelopes, so that a screen may ask it of every row.
func LetterBlocked(p Patient, at time.Time, rules PolicyOptions) Reason {
	switch {
	case p.Protected():
		return ReasonProtected
	case p.PaperDeclined():
		return ReasonPaperDeclined
	}
	if age, ok := p.ID().AgeAt(at); ok && age < rules.guardianLetterAge() {
		for _, g := range p.guardians { // not Guardians(): a screen asks it of every row, and that copies
			if !g.Address.IsZero() {
				return ""
			}
		}
	}
	if p.Address().IsZero() {
		return ReasonNoAddress
	}
	return ""
}

// PaperReaches reports whether paper is among the channels the booking
// reaches p by, as it stands at instant at: its decision wants a letter,
// and one naming the time is queued or printed, or one can be posted now.
// A letter the rules want that cannot be posted (protected data, no
// address, letters declined) is not paper — staff reach the patient
// instead — and a screen that said "digital + paper" would promise an
// envelope nobody sends; nor is a letter withdrawn, or one for an earlier
// time. Once the summons was decided (its timer fired) or the booking
// ended, only a letter on record is paper: none went when it would have
// arrived too late (staff phoned instead), or when the time was cancelled
// before it was printed; a cancelled time's printed summons, or its notice,
// is. Before, paper is planned only where a letter posted when the summons
// goes still arrives before the visit's day (sched): otherwise staff will
// phone, as the booking form foresees, and after an undone cancellation.
func (b *Booking) PaperReaches(p Patient, at time.Time, rules PolicyOptions, sched Schedule) bool {
	switch {
	case !b.decision.Paper:
		return false
	case b.paperOnRecord():
		return true
	case len(b.letters) == 0 && b.paperSent:
		return true // a booking from before the letters were registered
	case !b.sentAt.IsZero() || b.state.Final() || !b.hasTimer(TimerSummons):
		return false // none went, and none will now
	}
	goes := at
	for _, t := range b.timers {
		if t.Kind == TimerSummons && t.Due.After(goes) {
			goes = t.Due
		}
	}
	return PaperPlanned(b.decision, p, at, rules) && sched.LetterInTime(goes, b.visitAt)
}

// PaperPlanned is whether paper is among the channels a decision d will
// reach p by, before the summons is decided: the rules want a letter and
// one can be posted to p at all (a screen that knows no time yet asks it).
func PaperPlanned(d Decision, p Patient, at time.Time, rules PolicyOptions) bool {
	return d.Paper && LetterBlocked(p, at, rules) == ""
}

// paperOnRecord reports whether a letter naming the booking's time was
// queued or printed and not withdrawn: one still true, or for a booking
// that ended, the letter of its last time or its cancellation notice.
func (b *Booking) paperOnRecord() bool {
	for _, l := range b.letters {
		switch {
		case l.State == LetterWithdrawn:
		case l.Purpose != PurposeCancellation && b.stillTrue(l):
			return true
		case b.state.Final() && (l.VisitAt.Equal(b.visitAt) || l.Purpose == PurposeCancellation && b.state == StateCancelled):
			return true
		}
	}
	return false
}

// SMSNumber is where an SMS about p's visit goes at instant at: the
// patient's mobile, or for a child below rules' SMS age the first guardian
// with a mobile. ok is false when the patient did not ask for reminders or
// no mobile is known.
func SMSNumber(p Patient, at time.Time, rules PolicyOptions) (string, bool) {
	to, _, ok := smsRecipient(p, at, rules)
	return to, ok
}

// SMSToGuardian reports whether p's SMS at instant at go to a guardian's
// mobile (SMSNumber): the text then speaks of the child's time, not the
// reader's own.
func SMSToGuardian(p Patient, at time.Time, rules PolicyOptions) bool {
	_, guardian, ok := smsRecipient(p, at, rules)
	return ok && guardian
}

func smsRecipient(p Patient, at time.Time, rules PolicyOptions) (to string, guardian, ok bool) {
	if !p.SMSReminders() {
		return "", false, false
	}
	if age, ok := p.ID().AgeAt(at); ok && age < rules.guardianSMSAge() {
		for _, g := range p.Guardians() {
			if IsSwedishMobile(g.Phone) {
				return g.Phone, true, true
			}
		}
	}
	if IsSwedishMobile(p.Phone()) {
		return p.Phone(), false, true
	}
	return "", false, false
}

func (o PolicyOptions) guardianLetterAge() int {
	if o.GuardianLettersBelow > 0 {
		return o.GuardianLettersBelow
	}
	return GuardianAge
}

func (o PolicyOptions) guardianSMSAge() int {
	if o.GuardianSMSBelow > 0 {
		return o.GuardianSMSBelow
	}
	return GuardianAge
}

// TaskKind is what staff are asked to do for a patient the machine cannot
// reach: phone them, or hand the summons over by the unit's routine.
type TaskKind string

// The tasks.
const (
	TaskPhone    TaskKind = "phone"     // phone the patient (or the guardians)
	TaskHandOver TaskKind = "hand_over" // protected personal data: the unit's own routine
)

// TaskFor is the task a letter that cannot be posted becomes.
func TaskFor(blocked Reason) TaskKind {
	if blocked == ReasonProtected {
		return TaskHandOver
	}
	return TaskPhone
}

// blockedText says in words why no letter could be posted, for the event.
func blockedText(r Reason) string { return BlockedNote(r) }

// BlockedNote is the note the system writes of why no letter can be posted
// for reason r: a screen that names r already need not say it again.
func BlockedNote(r Reason) string {
	switch r {
	case ReasonProtected:
		return NoteBlockedProtected
	case ReasonPaperDeclined:
		return NoteBlockedDeclined
	case ReasonNoAddress:
		return NoteBlockedNoAddress
	}
	return strings.ReplaceAll(string(r), "_", " ")
}
