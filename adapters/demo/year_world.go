package demo

// The outside world of the simulated year, in memory: 1177 and its
// patients, the SMS gateway and the print folder. Each checks what reaches
// it as it arrives (a letter as it is printed, which is when it is posted).

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// messageKey is what a message says, for duplicates: the same purpose for
// the same booking, time and recipient twice.
func messageKey(m domain.Message, visit time.Time) string {
	to := m.To
	if m.Summons != nil {
		to = m.Summons.Recipient + "|" + m.Summons.Address.Street + "|" + m.Summons.Address.PostalCode
	}
	return fmt.Sprintf("%d|%s|%s|%s|%s", m.Booking, m.Kind, m.Purpose, visit.UTC().Format(time.RFC3339), to)
}

func (y *year) delivered(m domain.Message, visit time.Time) {
	y.sent[m.ID]++
	if y.sent[m.ID] > 1 {
		y.breach(InvDuplicates, m.Booking, "message %s delivered %d times", m.ID, y.sent[m.ID])
	}
	switch m.Purpose {
	case domain.PurposeReminderByHand, domain.PurposeFallbackByHand:
		return // staff may send by hand as often as they see fit
	}
	k := messageKey(m, visit)
	y.keys[k]++
	if y.keys[k] == 2 {
		y.breach(InvDuplicates, m.Booking, "%s %s for %s sent twice", m.Kind, m.Purpose, visit.In(domain.Stockholm).Format("2006-01-02 15:04"))
	}
}

// sendInbox is 1177: it records the message, and the patient answers a
// summons as the population does — delivered at once, opened by most
// with notifications, some later, a few asking to rebook or cancel.
func (y *year) sendInbox(ctx context.Context, m domain.Message) error {
	now := y.now()
	y.rep.Inbox++
	visit := m.Summons.VisitAt
	y.delivered(m, visit)
	if !now.Before(visit) {
		y.breach(InvAfterVisit, m.Booking, "1177 %s at %s for %s", m.Purpose, fmtSim(now), fmtSim(visit))
	}
	if m.Purpose != domain.PurposeSummons {
		return nil
	}
	g := y.g
	y.receipt(m, domain.ReceiptDelivered, now.Add(time.Duration(1+g.r.IntN(10))*time.Minute))
	in := y.patients[y.bookings[m.Booking].patient].row.Patient
	rate := 0.0
	switch {
	case in.NotificationsEnabled:
		rate = 0.85
	case in.Has1177Account:
		rate = 0.45
	}
	if !g.chance(rate) {
		return nil
	}
	delay := time.Duration(g.r.ExpFloat64() * float64(10*time.Hour))
	if g.chance(0.12) {
		delay = time.Duration(3*24+g.r.IntN(5*24)) * time.Hour
	}
	opened := now.Add(12*time.Minute + delay)
	if !opened.Before(visit) {
		return nil
	}
	y.receipt(m, domain.ReceiptOpened, opened)
	req := opened.Add(time.Duration(g.r.IntN(30)) * time.Minute)
	switch x := g.r.Float64(); {
	case x < 0.05 && req.Before(visit):
		y.receipt(m, domain.ReceiptRebookRequested, req)
	case x < 0.08 && req.Before(visit):
		y.receipt(m, domain.ReceiptCancelRequested, req)
	}
	return nil
}

// receipt is 1177 reporting at an instant: it waits in the receipt spool
// (also while the server is down) until the loop reads it.
func (y *year) receipt(m domain.Message, t domain.ReceiptType, at time.Time) {
	y.schedule(at, func(context.Context) error {
		if t == domain.ReceiptRebookRequested || t == domain.ReceiptCancelRequested {
			y.rep.Requests++
			if b := y.bookingNow(m.Booking); b != nil && b.VisitAt().Sub(at) < 72*time.Hour {
				y.rep.LateRequests++
			}
		}
		y.g.receipts.waiting = append(y.g.receipts.waiting, domain.IncomingReceipt{
			Receipt: domain.Receipt{MessageID: m.ID, Type: t, At: at}, Handle: fmt.Sprintf("sim-%s-%s", m.ID, t)})
		return nil
	})
}

func (y *year) bookingNow(id domain.BookingID) *domain.Booking {
	b, err := y.st.Booking(context.Background(), id)
	if err != nil {
		return nil
	}
	return b
}

// sendSMS is the SMS gateway: never in the night, never a reminder of a
// time the patient asked to cancel or that is cancelled, never after the
// visit.
func (y *year) sendSMS(ctx context.Context, m domain.Message) error {
	now := y.now()
	y.rep.SMS++
	b, err := y.st.Booking(ctx, m.Booking)
	if err != nil {
		return err
	}
	y.delivered(m, b.VisitAt())
	if y.g.svc.Schedule.InQuietHours(now) {
		y.breach(InvQuietSMS, m.Booking, "SMS %s at %s", m.Purpose, fmtSim(now))
	}
	if !now.Before(b.VisitAt()) {
		y.breach(InvAfterVisit, m.Booking, "SMS %s at %s for %s", m.Purpose, fmtSim(now), fmtSim(b.VisitAt()))
	}
	if m.Purpose != domain.PurposeCancellation {
		switch b.State() {
		case domain.StateCancelled, domain.StateCancelRequested, domain.StateRebookRequested:
			y.breach(InvReminders, m.Booking, "SMS %s while the booking is %s", m.Purpose, b.State())
		}
	}
	return nil
}

func fmtSim(t time.Time) string { return t.In(domain.Stockholm).Format("2006-01-02 15:04") }

// errNoSimLetters is the simulated printer's "no letters to print".
var errNoSimLetters = errors.New("no letters")

// simLetter is a letter in the simulated print folder.
type simLetter struct {
	m         domain.Message
	printed   time.Time
	withdrawn bool
}

// memPrint is the simulated print folder: the letter transport and the
// print queue in one, and the place where a letter is checked as it is
// printed — posted the same day.
type memPrint struct {
	y       *year
	days    map[string][]*simLetter
	byID    map[string]*simLetter
	printed []*simLetter
}

func (p *memPrint) send(_ context.Context, m domain.Message) error {
	if p.byID == nil {
		p.byID = map[string]*simLetter{}
	}
	if m.Purpose == domain.PurposeWithdraw {
		if l := p.byID[m.Withdraws]; l != nil && l.printed.IsZero() && !l.withdrawn {
			l.withdrawn = true
			p.y.rep.LettersWithdrawn++
		}
		return nil
	}
	if _, dup := p.byID[m.ID]; dup {
		p.y.breach(InvDuplicates, m.Booking, "letter %s written twice", m.ID)
		return nil
	}
	l := &simLetter{m: m}
	p.byID[m.ID] = l
	day := domain.LetterDay(m.CreatedAt)
	p.days[day] = append(p.days[day], l)
	return nil
}

func (p *memPrint) pendingDays() []time.Time {
	var out []time.Time
	for d, ls := range p.days {
		for _, l := range ls {
			if l.printed.IsZero() && !l.withdrawn {
				t, _ := time.ParseInLocation("2006-01-02", d, domain.Stockholm)
				out = append(out, t)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func (p *memPrint) Letters(day time.Time) ([]domain.PrintLetter, error) {
	var out []domain.PrintLetter
	for _, l := range p.days[domain.LetterDay(day)] {
		out = append(out, domain.PrintLetter{MessageID: l.m.ID, Day: domain.LetterDay(day), Booking: l.m.Booking,
			Patient: l.m.Summons.PatientID, PatientName: l.m.Summons.PatientName, VisitAt: l.m.Summons.VisitAt,
			Purpose: l.m.Purpose, Printed: !l.printed.IsZero(), Withdrawn: l.withdrawn})
	}
	return out, nil
}

func (p *memPrint) Batch(day time.Time, reprint bool) (string, []string, error) {
	now := p.y.now()
	var ids []string
	for _, l := range p.days[domain.LetterDay(day)] {
		if l.withdrawn || (!l.printed.IsZero() && !reprint) {
			continue
		}
		if l.printed.IsZero() {
			p.check(l, now)
			l.printed = now
			p.printed = append(p.printed, l)
		}
		ids = append(ids, l.m.ID)
	}
	if len(ids) == 0 {
		return "", nil, errNoSimLetters
	}
	return "batch-" + domain.LetterDay(day) + ".pdf", ids, nil
}

func (p *memPrint) Withdraw(day time.Time, id string) error {
	if l := p.byID[id]; l != nil && l.printed.IsZero() && !l.withdrawn {
		l.withdrawn = true
		p.y.rep.LettersWithdrawn++
	}
	return nil
}

func (p *memPrint) MarkPrinted(day time.Time) ([]string, error) {
	now := p.y.now()
	var ids []string
	for _, l := range p.days[domain.LetterDay(day)] {
		if l.withdrawn || !l.printed.IsZero() {
			continue
		}
		p.check(l, now)
		l.printed = now
		p.printed = append(p.printed, l)
		ids = append(ids, l.m.ID)
	}
	return ids, nil
}

// check is the letter as it goes into the post: it must name the
// booking's time while the booking stands (a cancellation notice: a time
// still ahead), and not go after the visit.
func (p *memPrint) check(l *simLetter, now time.Time) {
	y := p.y
	y.rep.LettersPrinted++
	b := y.bookingNow(l.m.Booking)
	if b == nil {
		return
	}
	visit := l.m.Summons.VisitAt
	y.delivered(l.m, visit)
	if !now.Before(visit) {
		y.breach(InvAfterVisit, l.m.Booking, "letter %s printed %s for %s", l.m.Purpose, fmtSim(now), fmtSim(visit))
	}
	if l.m.Purpose == domain.PurposeCancellation {
		return
	}
	if b.State() == domain.StateCancelled || !b.VisitAt().Equal(visit) {
		y.breach(InvVoidLetters, l.m.Booking, "letter for %s printed %s while the booking is %s at %s",
			fmtSim(visit), fmtSim(now), b.State(), fmtSim(b.VisitAt()))
	}
}
