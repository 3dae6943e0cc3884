package domain

import (
	"slices"
	"strings"
	"time"
)

// reachChange is what changed between two versions of a patient that
// decides how a summons reaches them: the digital channel (account,
// notifications) and the envelope (address, protected data, letters
// declined, guardians).
func reachChange(prev, cur Patient) (digital, envelope bool, what []string) {
	flag := func(was, is bool, on, off string) {
		if was != is {
			if is {
				what = append(what, on)
			} else {
				what = append(what, off)
			}
		}
	}
	flag(prev.Has1177Account(), cur.Has1177Account(), NoteAccountOpened, NoteAccountClosed)
	flag(prev.NotificationsEnabled(), cur.NotificationsEnabled(), NoteNotificationsOn, NoteNotificationsOff)
	// An interpreter now needed adds paper to a digital summons (R3), as a
	// closed account does; the decision is taken again.
	flag(prev.NeedsInterpreter(), cur.NeedsInterpreter(), NoteInterpreterOn, NoteInterpreterOff)
	digital = len(what) > 0
	n := len(what)
	if prev.Address() != cur.Address() {
		what = append(what, NoteAddressChanged)
	}
	flag(prev.Protected(), cur.Protected(), NoteProtectedOn, NoteProtectedOff)
	flag(prev.PaperDeclined(), cur.PaperDeclined(), NotePostDeclined, NotePostAccepted)
	if !slices.Equal(prev.Guardians(), cur.Guardians()) {
		what = append(what, NoteGuardiansChanged)
	}
	return digital, len(what) > n, what
}

// PatientChanged takes a change of the booking's patient (the store calls
// it when a patient's record is written). Where the summons went and the
// visit is ahead, a change in how the patient is reached is an event on
// the booking and a re-check now (TimerRecheck), which the loop fires with
// the new record; it reports whether the booking changed. A re-check
// already pending keeps its instant: it decides on the record as it is
// when it fires, so a second change is decided on by it, and whoever found
// it due — the print batch, before its letters — still finds it due.
func (b *Booking) PatientChanged(prev, cur Patient, now time.Time, actor string) bool {
	if b.state.Final() || b.sentAt.IsZero() || !now.Before(b.visitAt) {
		return false // before the summons, the summons itself decides with the new record
	}
	digital, envelope, what := reachChange(prev, cur)
	if !digital && !envelope {
		return false
	}
	b.recheckEnvelope = b.recheckEnvelope || envelope
	if !b.hasTimer(TimerRecheck) {
		b.addTimer(TimerRecheck, now)
	}
	b.record(Event{Type: EventPatientChanged, At: now, Actor: actor, Note: strings.Join(what, NoteJoin)})
	return true
}

// fireRecheck decides again, with the patient's record as it is now:
//
//   - a letter still in the print queue whose envelope may be wrong (new
//     address, protected data, letters declined, other guardians) is
//     withdrawn and posted again by the new record — or, where none can
//     be posted or arrive in time, staff get the task;
//   - where the summons went digital only, is unopened and the decision
//     would now add paper (the account closed, notifications turned off,
//     an address added), the letter goes if it can arrive in time, else
//     staff phone; the letter's event says why.
func (b *Booking) fireRecheck(env FireEnv) {
	envelope := b.recheckEnvelope
	b.recheckEnvelope = false
	if !env.Now.Before(b.visitAt) {
		b.skip(TimerRecheck, SkipVisitPassed, env)
		return
	}
	why := NoteRechecked
	if envelope {
		var again []Purpose
		for i := range b.letters {
			l := &b.letters[i]
			if l.State != LetterQueued || l.Purpose == PurposeCancellation || !b.stillTrue(*l) {
				continue
			}
			b.withdraw(l, env, NoteEnvelopeMayBeWrong)
			if !slices.Contains(again, l.Purpose) {
				again = append(again, l.Purpose)
			}
		}
		b.toldPaper = b.anyTrueLetter()
		for _, p := range again {
			b.postAgain(p, env, why)
		}
	}
	if b.state != StateSummonsSent || !b.openedAt.IsZero() || b.toldPaper || b.handedOver || b.phoned {
		return // reached, answered, a letter on its way, handed over by the unit, or phoned
	}
	d := DecideChannels(env.Patient, env.Exam, env.Now, env.Policy)
	if !d.Paper {
		return
	}
	if b.letterFate(env).Route.Blocked != "" && DigitalReachesAlone(d) {
		return // as at sending: R4's timer follows the summons up, the task only if it stays unopened
	}
	if b.letterFate(env).Task == "" {
		b.decision = Decision{Digital: b.decision.Digital, Paper: true, Reasons: d.Reasons}
	}
	b.postAgain(PurposeSummons, env, why)
	if b.toldPaper {
		b.dropTimers(TimerPhoneTask) // the letter arrives in time
	}
}

// postAgain posts a letter of purpose p by the patient's record as it is
// now, or gives staff the task where none can be posted or arrive in time
// (unless they have one already).
func (b *Booking) postAgain(p Purpose, env FireEnv, why string) {
	fate := b.letterFate(env)
	switch blocked := fate.Route.Blocked; {
	case blocked != "" && (b.phoneTask || b.handOver || b.handedOver):
		// staff already reach the patient themselves (or did, by hand)
	case blocked != "":
		b.record(Event{Type: EventLetterNotPosted, At: env.Now, Actor: env.actor(), Reasons: []Reason{blocked},
			Note: why + NoteJoin + blockedText(blocked)})
		b.raiseTask(fate.Task, env, why+NoteJoin+blockedText(blocked))
		b.dropTimers(TimerFallback) // the task is R4's follow-up: never a second one
	case fate.TooLate:
		if !b.phoneTask {
			b.raisePhoneTask(env, why+NoteJoin+NoteLetterLate)
		}
	default:
		b.postLetters(p, fate.Route, env, why)
	}
}

// postLetters queues one letter per envelope of route, each an event.
func (b *Booking) postLetters(p Purpose, route LetterRoute, env FireEnv, why string) {
	summons := ComposeSummons(b, env.Patient, env.Exam, env.Site, env.Clinic)
	typ := EventPaperFallbackSent
	if p == PurposeSummons {
		typ = EventSummonsSent
	}
	for _, r := range route.To {
		m := b.newMessage(MessageLetter, p, env)
		letter := b.letterTo(summons, r)
		m.Summons = &letter
		if p == PurposeSummons {
			m.Reasons = b.decision.Reasons
		}
		b.queueLetter(m)
		b.record(Event{Type: typ, At: env.Now, Actor: env.actor(), Channels: []Channel{ChannelPaper}, Reasons: m.Reasons,
			MessageID: m.ID, Note: why})
	}
	b.paperSent, b.toldPaper = true, true
	if p != PurposeSummons {
		b.fallbackSent = true
	}
	b.dropTimers(TimerFallback)
}

// anyTrueLetter reports whether a summons letter that is still true is
// queued or printed: the patient is told (or will be) on paper.
func (b *Booking) anyTrueLetter() bool {
	for _, l := range b.letters {
		if l.Purpose != PurposeCancellation && l.State != LetterWithdrawn && b.stillTrue(l) {
			return true
		}
	}
	return false
}
