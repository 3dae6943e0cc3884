// Package metrics defines the pilot coordinators' figures — open rates,
// paper letters sent and avoided, reminders, requests, no-shows — and how
// each booking's history contributes to them. The definitions live here
// once; the store keeps sums of these contributions up to date in the
// transaction that records the events, and rebuilds them from the event log
// with the same function.
//
// The unit is the summons: each time a booking's summons is sent (at
// booking, and again after each rebooking) it contributes one Fact, filed
// under the examination, the site, the day it was sent (Europe/Stockholm),
// the patient's age band at that moment, and its channel group. Everything
// that happens to that summons later — delivery, opening, fallback letter,
// reminders, requests, the visit's outcome — counts in that same Fact, so a
// figure never mixes summonses sent in one week with openings in another.
package metrics

import (
	"sort"
	"strings"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// AgeBand is the patient's age when the summons was sent.
type AgeBand string

// The age bands.
const (
	AgeUnder18 AgeBand = "under_18"
	Age18to64  AgeBand = "18_64"
	Age65to79  AgeBand = "65_79"
	Age80Plus  AgeBand = "80_plus"
	AgeUnknown AgeBand = "unknown" // a reservnummer without a birth date
)

// AgeBands lists the bands in order.
var AgeBands = []AgeBand{AgeUnder18, Age18to64, Age65to79, Age80Plus, AgeUnknown}

// BandOf is the age band of id at instant t.
func BandOf(id domain.IdentityNumber, t time.Time) AgeBand {
	age, ok := id.AgeAt(t)
	switch {
	case !ok:
		return AgeUnknown
	case age < 18:
		return AgeUnder18
	case age < 65:
		return Age18to64
	case age < 80:
		return Age65to79
	}
	return Age80Plus
}

// Group is how the summons went: the question of the pilot is whether
// digital summons makes patients miss visits, so no-shows are compared
// between these groups.
type Group string

// The channel groups.
const (
	DigitalOnly  Group = "digital_only"
	DigitalPaper Group = "digital_paper"
	PaperOnly    Group = "paper_only"
)

// Groups lists the channel groups in order.
var Groups = []Group{DigitalOnly, DigitalPaper, PaperOnly}

// Key is where a Fact is filed.
type Key struct {
	Exam  string
	Site  string
	Day   string // YYYY-MM-DD the summons was sent, Europe/Stockholm
	Age   AgeBand
	Group Group
}

// String is the key's stable text form, used as a storage key:
// exam|site|day|age|group.
func (k Key) String() string {
	return k.Exam + "|" + k.Site + "|" + k.Day + "|" + string(k.Age) + "|" + string(k.Group)
}

// ParseKey reads Key.String's form.
func ParseKey(s string) (Key, bool) {
	p := strings.Split(s, "|")
	if len(p) != 5 {
		return Key{}, false
	}
	return Key{Exam: p[0], Site: p[1], Day: p[2], Age: AgeBand(p[3]), Group: Group(p[4])}, true
}

// Week is the ISO week of the key's day, as "2026-W48".
func (k Key) Week() string {
	t, err := time.ParseInLocation("2006-01-02", k.Day, domain.Stockholm)
	if err != nil {
		return ""
	}
	y, w := t.ISOWeek()
	return isoWeek(y, w)
}

// Month is the key's month, as "2026-11".
func (k Key) Month() string {
	if len(k.Day) < 7 {
		return ""
	}
	return k.Day[:7]
}

func isoWeek(y, w int) string {
	return itoa4(y) + "-W" + itoa2(w)
}

func itoa4(n int) string {
	return string([]byte{byte('0' + n/1000%10), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
}

func itoa2(n int) string { return string([]byte{byte('0' + n/10%10), byte('0' + n%10)}) }

// Within is R4's window: a summons opened at most this long after it was
// delivered (or, without a delivery receipt, sent) was opened in time.
// Exactly 72 hours counts as in time.
const Within = 72 * time.Hour

// Fact is one summons's contribution to the figures. Counters are 0 or 1
// except Reminders and the reason counts.
type Fact struct {
	Key       Key
	Booking   domain.BookingID
	MessageID string    // the digital summons, "" for paper only
	SentAt    time.Time // the summons was sent

	DigitalSent    int // a digital summons went to 1177
	Delivered      int // 1177 reported it delivered
	Opened         int // the patient opened it (or pressed rebook/cancel in it)
	OpenedInTime   int // opened within Within of delivery (or sending)
	OpenDelay      time.Duration
	PaperAvoided   int // digital only and opened in time: no paper letter was needed
	Fallback       int // R4's paper letter went automatically
	FallbackByHand int // staff sent the paper letter by hand
	Complement     map[domain.Reason]int
	ComplementSent int // a paper letter went as well as the digital summons (R3)
	PaperOnlySent  int // the summons went on paper only
	Reminders      int // SMS reminders sent (automatic and by hand)
	RebookRequests int // rebook pressed in the digital summons
	CancelRequests int // cancel pressed in the digital summons
	Attended       int // the visit's outcome, for the last summons of the booking
	NoShow         int
}

// FactsFromHistory derives a booking's facts from its events (in any order:
// they are sorted by instant, then sequence). exam and site are the
// booking's; id is the patient's identity number, for the age band.
func FactsFromHistory(b domain.BookingID, exam, site string, id domain.IdentityNumber, events []domain.Event) []Fact {
	evs := append([]domain.Event(nil), events...)
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].At.Equal(evs[j].At) {
			return evs[i].At.Before(evs[j].At)
		}
		return evs[i].Seq < evs[j].Seq
	})
	var facts []Fact
	byMsg := map[string]int{} // digital message id -> fact index
	cur := -1                 // the current summons
	deliveredAt := map[int]time.Time{}
	newFact := func(e domain.Event) int {
		facts = append(facts, Fact{Booking: b, SentAt: e.At, Key: Key{Exam: exam, Site: site,
			Day: e.At.In(domain.Stockholm).Format("2006-01-02"), Age: BandOf(id, e.At)}})
		return len(facts) - 1
	}
	// First the sendings and what staff and the loop did; then the receipts,
	// which find their summons by message id even when 1177's clock puts
	// them before the sending.
	var receipts []domain.Event
	for _, e := range evs {
		switch e.Type {
		case domain.EventRebooked:
			cur = -1 // the next sending is a new summons, even at the same instant
		case domain.EventSummonsSent:
			// The channels of one sending are recorded at one instant.
			if cur < 0 || !facts[cur].SentAt.Equal(e.At) {
				cur = newFact(e)
			}
			f := &facts[cur]
			for _, ch := range e.Channels {
				switch ch {
				case domain.ChannelDigital:
					f.DigitalSent = 1
					f.MessageID = e.MessageID
					byMsg[e.MessageID] = cur
				case domain.ChannelPaper:
					f.PaperOnlySent = 1 // until a digital one of the same sending shows up
					for _, r := range e.Reasons {
						if f.Complement == nil {
							f.Complement = map[domain.Reason]int{}
						}
						f.Complement[r]++
					}
				}
			}
		case domain.EventDelivered, domain.EventOpened, domain.EventRebookRequested, domain.EventCancelRequested:
			receipts = append(receipts, e)
		case domain.EventPaperFallbackSent:
			if cur < 0 {
				continue
			}
			if e.Actor == domain.SystemActor {
				facts[cur].Fallback = 1
			} else {
				facts[cur].FallbackByHand = 1
			}
		case domain.EventReminderSent:
			if cur >= 0 {
				facts[cur].Reminders++
			}
		case domain.EventAttended, domain.EventNoShow:
			if cur < 0 {
				continue
			}
			// The last word counts: a correction replaces the outcome before it.
			if e.Type == domain.EventAttended {
				facts[cur].Attended, facts[cur].NoShow = 1, 0
			} else {
				facts[cur].Attended, facts[cur].NoShow = 0, 1
			}
		}
	}
	for _, e := range receipts {
		i, ok := byMsg[e.MessageID]
		if !ok {
			continue
		}
		f := &facts[i]
		switch e.Type {
		case domain.EventDelivered:
			if f.Delivered == 0 {
				f.Delivered = 1
				deliveredAt[i] = e.At
			}
			continue
		case domain.EventRebookRequested:
			f.RebookRequests = 1
		case domain.EventCancelRequested:
			f.CancelRequests = 1
		}
		// Pressing rebook or cancel means the summons is open.
		if f.Opened == 0 {
			f.Opened = 1
			from := f.SentAt
			if d, ok := deliveredAt[i]; ok && d.Before(e.At) {
				from = d
			}
			f.OpenDelay = e.At.Sub(from)
		}
	}
	for i := range facts {
		finish(&facts[i])
	}
	return facts
}

// finish settles the figures that depend on the whole history of a summons.
func finish(f *Fact) {
	switch {
	case f.DigitalSent == 1 && f.PaperOnlySent == 1:
		f.Key.Group = DigitalPaper
		f.PaperOnlySent = 0
		f.ComplementSent = 1
	case f.DigitalSent == 1:
		f.Key.Group = DigitalOnly
		f.Complement = nil
	default:
		f.Key.Group = PaperOnly
		f.Complement = nil // the letter is the summons, not a complement
	}
	if f.Opened == 1 {
		// A delivery receipt arriving after the opening does not move the
		// start of the clock: OpenDelay was measured when it opened.
		if f.OpenDelay < 0 {
			f.OpenDelay = 0
		}
		if f.OpenDelay <= Within {
			f.OpenedInTime = 1
			if f.Key.Group == DigitalOnly && f.Fallback == 0 && f.FallbackByHand == 0 {
				f.PaperAvoided = 1
			}
		}
	}
}

// Rebuilt is what a rebuild of the figures did: how many bookings' events
// it read, and whether it wrote the figures anew. Written is false when
// every figure kept, every fact behind one and every booking's ledger agreed
// byte for byte with a recomputation from the events: nothing needed
// mending, and nothing was written.
type Rebuilt struct {
	Bookings int
	Written  bool
}
