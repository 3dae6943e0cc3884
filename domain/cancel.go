package domain

import "time"

// CancelWithoutNotice cancels a booking whose notice cannot be made (its
// examination or site left the catalogue): its letters are withdrawn, and
// the note says why the patient was not told.
func (b *Booking) CancelWithoutNotice(env FireEnv, note, why string) error {
	if err := b.Cancel(env.Now, env.actor(), joinNotes(note, why)); err != nil {
		return err
	}
	b.withdrawWaitingSummons(env, NoteVisitCancelled)
	b.withdrawVoidLetters(env, NoteVisitCancelled)
	return nil
}

// CancelAndNotify cancels the booking (staff, or confirming the patient's
// request) and tells the patient on the channels their summons went by: a
// 1177 message naming the cancelled time, a letter where the summons went
// on paper and a letter can still arrive before that time, an SMS to those
// who take SMS. A patient who was told nothing yet (the summons had not
// gone) is told nothing now. Each notice is an event and an outbox message,
// so it goes exactly once.
func (b *Booking) CancelAndNotify(env FireEnv, note string) error {
	// A summons still waiting unsent told the patient nothing: withdrawn,
	// the time they know is the one before it (or none), and what they
	// know of this one is only a letter that was printed.
	told, toldDigital := b.visitAt, b.toldDigital
	waits := b.summonsWaits && b.summonsMsg != ""
	if b.sentAt.IsZero() || waits && !b.printedLetterFor(b.visitAt) {
		told = b.voidedVisit // moved, and the new summons had not gone: the old time is what they know
	} else if waits {
		toldDigital = false
	}
	// The patient who pressed cancel or rebook in the digital summons reads
	// it: the digital notice reaches them.
	readsDigital := !b.openedAt.IsZero() || b.state == StateCancelRequested || b.state == StateRebookRequested
	if err := b.Cancel(env.Now, env.actor(), note); err != nil {
		return err
	}
	b.withdrawWaitingSummons(env, NoteVisitCancelled)
	b.withdrawVoidLetters(env, NoteVisitCancelled)
	if told.IsZero() || !env.Now.Before(told) {
		return nil
	}
	// Told on paper means a letter naming that time was printed: one
	// withdrawn from the queue told the patient nothing. (A booking from
	// before the letter register has only the flag.)
	toldPaper := b.toldPaper
	if len(b.letters) > 0 {
		toldPaper = b.printedLetterFor(told)
	}
	if b.handedOver && told.Equal(b.visitAt) || b.voidedHandedOver && told.Equal(b.voidedVisit) && !told.Equal(b.visitAt) {
		// Handed over by the unit's routine: so is the cancellation.
		b.handOver = true
		b.record(Event{Type: EventHandOverRaised, At: env.Now, Actor: env.actor(), Note: NoteCancelNotice})
	}
	// Told by a call (no letter could go, or arrive in time), or by a
	// letter when a letter no longer arrives before the time: staff phone
	// (below), unless the patient reads the digital notice or gets the SMS.
	phoned := b.phoned && told.Equal(b.visitAt) || b.voidedPhoned && told.Equal(b.voidedVisit) && !told.Equal(b.visitAt)
	letterLate := toldPaper && !env.Schedule.LetterInTime(env.Now, told)
	if !toldDigital && !toldPaper && !phoned {
		return nil // nothing reached the patient: nothing to take back
	}
	notice := ComposeSummons(b, env.Patient, env.Exam, env.Site, env.Clinic)
	notice.VisitAt, notice.Notice, notice.PreviousVisitAt, notice.Rebooked = told.In(Stockholm), NoticeCancelled, nil, false
	smsSent := false
	sent := func(ch Channel, m Message) {
		b.messages = append(b.messages, m)
		b.record(Event{Type: EventCancelNoticeSent, At: env.Now, Actor: env.actor(), Channels: []Channel{ch}, MessageID: m.ID})
		smsSent = smsSent || ch == ChannelSMS
	}
	if toldDigital {
		m := b.newMessage(MessageInbox, PurposeCancellation, env)
		n := notice
		m.Notify, m.Summons = true, &n
		sent(ChannelDigital, m)
	}
	var blocked Reason // the notice letter cannot be posted
	if toldPaper {
		blocked = LetterBlocked(env.Patient, env.Now, env.Policy)
	}
	if toldPaper && env.Schedule.LetterInTime(env.Now, told) {
		route := RouteLetter(env.Patient, env.Now, env.Policy)
		if route.Blocked != "" {
			b.record(Event{Type: EventLetterNotPosted, At: env.Now, Actor: env.actor(), Reasons: []Reason{route.Blocked},
				Note: NoteCancelNotice + NoteJoin + blockedText(route.Blocked)})
		}
		for _, r := range route.To {
			m := b.newMessage(MessageLetter, PurposeCancellation, env)
			letter := notice.ForRecipient(r)
			m.Summons = &letter
			b.letters = append(b.letters, letterRecord(m))
			sent(ChannelPaper, m)
		}
	}
	// The SMS goes now, or when the quiet hours end if that is still
	// before the cancelled time; never in the night.
	if to, ok := SMSNumber(env.Patient, env.Now, env.Policy); ok {
		if at := env.Schedule.QuietEnd(env.Now); at.Before(told) {
			m := b.newMessage(MessageSMS, PurposeCancellation, env)
			m.SubjectOfCareID, m.NotBefore = "", at
			if at.Equal(env.Now) {
				m.NotBefore = time.Time{}
			}
			m.To, m.Text = to, CancelledSMSText(told, env.Site, env.Clinic, SMSToGuardian(env.Patient, env.Now, env.Policy))
			sent(ChannelSMS, m)
		}
	}
	b.noticeReached = smsSent || toldDigital && readsDigital
	b.cancelTold = true // a notice went, or staff tell them (below)
	switch {
	case b.noticeReached || !phoned && !letterLate && blocked == "":
	case blocked == ReasonProtected && !phoned:
		if !b.handOver { // a letter no longer goes to them: handed over, as the unit's routine says
			b.handOver = true
			b.record(Event{Type: EventHandOverRaised, At: env.Now, Actor: env.actor(), Note: NoteCancelNotice + NoteJoin + blockedText(blocked)})
		}
	default:
		why := NoteLetterLate
		switch {
		case phoned:
			why = NotePhonedSummons
		case blocked != "":
			why = blockedText(blocked)
		}
		b.raisePhoneTask(env, NoteCancelNotice+NoteJoin+why)
	}
	return nil
}

// HandOverOfCancellation reports whether the hand-over staff have to make
// is the cancellation notice (the summons was handed over, then the visit
// cancelled), not the summons.
func (b *Booking) HandOverOfCancellation() bool { return b.handOver && b.state == StateCancelled }
