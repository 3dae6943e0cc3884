package metrics

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// Ledger is a booking's facts kept one event at a time: what
// FactsFromHistory derives from the whole history, folded so that an event
// written costs the same however long the booking's history is. The store
// keeps one per booking beside the booking record.
//
// FactsFromHistory orders a history by instant (then sequence), handles the
// sendings and what staff and the loop did in that order, and the receipts
// after them. A receipt's effect does not depend on its place — the first
// delivery and the first opening count, by instant — so receipts fold in
// any order. The other events fold in order; Add refuses one that is
// stamped before an event already folded (or a sending that reuses a
// message id a receipt has already been matched to or waits for), and the
// caller then folds the whole history again (LedgerOf). MarshalBinary is
// its stored form.
type Ledger struct {
	// Summonses are the booking's summonses in the order they were sent.
	Summonses []Summons
	// Current is 1 + the index of the summons the next sending of the same
	// instant belongs to; 0 after a rebooking or before any sending.
	Current int
	// LastAt and LastSeq are the instant and sequence of the last event
	// folded other than a receipt.
	LastAt  time.Time
	LastSeq uint64
	// Receipts counts the receipts folded.
	Receipts int
	// Unmatched are the message ids of receipts no sending has named yet,
	// sorted.
	Unmatched []string
}

// Summons is one summons of a Ledger: its Fact before the figures that
// depend on its whole history are settled, the digital messages that
// carry it, and the instants of its first delivery and opening receipts.
type Summons struct {
	Fact        Fact
	Messages    []string
	DeliveredAt time.Time
	OpenedAt    time.Time
}

// Counts is true for the event types FactsFromHistory looks at; the others
// leave a booking's facts as they were.
func Counts(t domain.EventType) bool {
	switch t {
	case domain.EventRebooked, domain.EventSummonsSent, domain.EventPaperFallbackSent, domain.EventReminderSent,
		domain.EventAttended, domain.EventNoShow:
		return true
	}
	return isReceipt(t)
}

func isReceipt(t domain.EventType) bool {
	switch t {
	case domain.EventDelivered, domain.EventOpened, domain.EventRebookRequested, domain.EventCancelRequested:
		return true
	}
	return false
}

// Add folds event e of booking b (examination exam at site, patient id)
// into the ledger and reports whether it could: false leaves the ledger
// unusable, and the caller folds the whole history with LedgerOf instead.
// e.At is taken in Europe/Stockholm.
func (t *Ledger) Add(b domain.BookingID, exam, site string, id domain.IdentityNumber, e domain.Event) bool {
	if !Counts(e.Type) {
		return true
	}
	e.At = e.At.In(domain.Stockholm)
	if isReceipt(e.Type) {
		t.receipt(e)
		return true
	}
	if !t.LastAt.IsZero() && (e.At.Before(t.LastAt) || (e.At.Equal(t.LastAt) && e.Seq < t.LastSeq)) {
		return false
	}
	t.LastAt, t.LastSeq = e.At, e.Seq
	cur := t.Current - 1
	switch e.Type {
	case domain.EventRebooked:
		t.Current = 0
	case domain.EventSummonsSent:
		if cur < 0 || !t.Summonses[cur].Fact.SentAt.Equal(e.At) {
			t.Summonses = append(t.Summonses, Summons{Fact: Fact{Booking: b, SentAt: e.At, Key: Key{Exam: exam, Site: site,
				Day: e.At.Format("2006-01-02"), Age: BandOf(id, e.At)}}})
			cur = len(t.Summonses) - 1
			t.Current = cur + 1
		}
		s := &t.Summonses[cur]
		f := &s.Fact
		for _, ch := range e.Channels {
			switch ch {
			case domain.ChannelDigital:
				if t.Receipts > 0 && (t.named(e.MessageID) || t.unmatched(e.MessageID)) {
					return false
				}
				f.DigitalSent = 1
				f.MessageID = e.MessageID
				if !slices.Contains(s.Messages, e.MessageID) {
					s.Messages = append(s.Messages, e.MessageID)
				}
			case domain.ChannelPaper:
				f.PaperOnlySent = 1
				for _, r := range e.Reasons {
					if f.Complement == nil {
						f.Complement = map[domain.Reason]int{}
					}
					f.Complement[r]++
				}
			}
		}
	case domain.EventPaperFallbackSent:
		if cur >= 0 {
			if e.Actor == domain.SystemActor {
				t.Summonses[cur].Fact.Fallback = 1
			} else {
				t.Summonses[cur].Fact.FallbackByHand = 1
			}
		}
	case domain.EventReminderSent:
		if cur >= 0 {
			t.Summonses[cur].Fact.Reminders++
		}
	case domain.EventAttended:
		if cur >= 0 {
			t.Summonses[cur].Fact.Attended, t.Summonses[cur].Fact.NoShow = 1, 0
		}
	case domain.EventNoShow:
		if cur >= 0 {
			t.Summonses[cur].Fact.Attended, t.Summonses[cur].Fact.NoShow = 0, 1
		}
	}
	return true
}

// named is true when a summons of the ledger is carried by message id.
func (t *Ledger) named(id string) bool {
	for i := range t.Summonses {
		if slices.Contains(t.Summonses[i].Messages, id) {
			return true
		}
	}
	return false
}

func (t *Ledger) unmatched(id string) bool {
	_, ok := slices.BinarySearch(t.Unmatched, id)
	return ok
}

// receipt folds a receipt into the last summons carried by its message.
func (t *Ledger) receipt(e domain.Event) {
	t.Receipts++
	i := len(t.Summonses) - 1
	for ; i >= 0 && !slices.Contains(t.Summonses[i].Messages, e.MessageID); i-- {
	}
	if i < 0 {
		if j, ok := slices.BinarySearch(t.Unmatched, e.MessageID); !ok {
			t.Unmatched = slices.Insert(t.Unmatched, j, e.MessageID)
		}
		return
	}
	s := &t.Summonses[i]
	switch e.Type {
	case domain.EventDelivered:
		if s.Fact.Delivered == 0 || e.At.Before(s.DeliveredAt) {
			s.Fact.Delivered, s.DeliveredAt = 1, e.At
		}
		return
	case domain.EventRebookRequested:
		s.Fact.RebookRequests = 1
	case domain.EventCancelRequested:
		s.Fact.CancelRequests = 1
	}
	if s.Fact.Opened == 0 || e.At.Before(s.OpenedAt) {
		s.Fact.Opened, s.OpenedAt = 1, e.At
	}
}

// Move files every summons of the ledger under examination exam and site:
// the facts follow the booking's place, as FactsFromHistory files them.
func (t *Ledger) Move(exam, site string) {
	for i := range t.Summonses {
		t.Summonses[i].Fact.Key.Exam, t.Summonses[i].Fact.Key.Site = exam, site
	}
}

// Facts are the ledger's facts, as FactsFromHistory derives them from the
// events folded. They share nothing with the ledger.
func (t *Ledger) Facts() []Fact {
	if len(t.Summonses) == 0 {
		return nil
	}
	out := make([]Fact, len(t.Summonses))
	for i, s := range t.Summonses {
		f := s.Fact
		f.Complement = maps.Clone(f.Complement)
		if f.Opened == 1 {
			from := f.SentAt
			if f.Delivered == 1 && s.DeliveredAt.Before(s.OpenedAt) {
				from = s.DeliveredAt
			}
			f.OpenDelay = s.OpenedAt.Sub(from)
		}
		finish(&f)
		out[i] = f
	}
	return out
}

// LedgerOf folds a booking's whole history (in any order) into a ledger:
// the events other than receipts by instant, then sequence, then the
// receipts. Its Facts are FactsFromHistory's.
func LedgerOf(b domain.BookingID, exam, site string, id domain.IdentityNumber, events []domain.Event) Ledger {
	var t Ledger
	folds := func(e *domain.Event) bool { return Counts(e.Type) && !isReceipt(e.Type) }
	// In the log's order the events are nearly always in order of instant
	// already: they then fold as they come, without a sorted copy (a
	// rebuild computes a million ledgers).
	inOrder := true
	var last *domain.Event
	for i := range events {
		if e := &events[i]; folds(e) {
			if last != nil && compareEvents(e, last) < 0 {
				inOrder = false
				break
			}
			last = e
		}
	}
	if inOrder {
		for i := range events {
			if folds(&events[i]) {
				t.Add(b, exam, site, id, events[i]) // in this order every event folds
			}
		}
	} else {
		evs := make([]domain.Event, 0, len(events))
		for i := range events {
			if folds(&events[i]) {
				evs = append(evs, events[i])
			}
		}
		slices.SortStableFunc(evs, func(x, y domain.Event) int { return compareEvents(&x, &y) })
		for _, e := range evs {
			t.Add(b, exam, site, id, e)
		}
	}
	for i := range events {
		if isReceipt(events[i].Type) {
			t.Add(b, exam, site, id, events[i]) // receipts fold in any order
		}
	}
	return t
}

// compareEvents orders events by instant, then sequence.
func compareEvents(x, y *domain.Event) int {
	if c := x.At.Compare(y.At); c != 0 {
		return c
	}
	return cmp.Compare(x.Seq, y.Seq)
}
