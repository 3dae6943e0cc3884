package metrics

import (
	"reflect"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/kallelse/kallelse/domain"
)

// drawEvent draws an event of any type FactsFromHistory reads (and some it
// does not), stamped around base: mostly later than the one before, now and
// then earlier (a receipt whose clock runs early, a correction), from a
// small pool of message ids so that receipts meet their summons, another's,
// or none.
func drawEvent(t *rapid.T, base *time.Time) domain.Event {
	types := []domain.EventType{domain.EventSummonsSent, domain.EventSummonsSent, domain.EventDelivered, domain.EventOpened,
		domain.EventRebookRequested, domain.EventCancelRequested, domain.EventRebooked, domain.EventPaperFallbackSent,
		domain.EventReminderSent, domain.EventAttended, domain.EventNoShow, domain.EventLetterPrinted, domain.EventTimeKept}
	e := domain.Event{Type: rapid.SampledFrom(types).Draw(t, "type"), Booking: 7, Actor: domain.SystemActor}
	step := time.Duration(rapid.IntRange(-2, 50).Draw(t, "hours")) * time.Hour
	if rapid.Bool().Draw(t, "same instant") {
		step = 0
	}
	*base = base.Add(step)
	e.At = *base
	if rapid.Bool().Draw(t, "utc") {
		e.At = e.At.UTC() // a fresh event; stored ones are read back in Stockholm
	}
	if rapid.Bool().Draw(t, "by hand") {
		e.Actor = "anna"
	}
	msg := rapid.SampledFrom([]string{"m1", "m2", "m3"}).Draw(t, "message")
	switch e.Type {
	case domain.EventSummonsSent:
		switch rapid.IntRange(0, 2).Draw(t, "channels") {
		case 0:
			e.Channels = []domain.Channel{domain.ChannelDigital}
			e.MessageID = msg
		case 1:
			e.Channels = []domain.Channel{domain.ChannelPaper}
			e.Reasons = []domain.Reason{domain.ReasonUnder18}
		default:
			e.Channels = []domain.Channel{domain.ChannelDigital, domain.ChannelPaper}
			e.MessageID = msg
			e.Reasons = []domain.Reason{domain.ReasonNo1177Account, domain.ReasonInterpreter}
		}
	case domain.EventDelivered, domain.EventOpened, domain.EventRebookRequested, domain.EventCancelRequested:
		e.MessageID = msg
	}
	return e
}

// The rule: a booking's facts folded one event at a time, in the order the
// events are written (and folded again from the whole history where an
// event cannot be folded in its place), are the facts FactsFromHistory
// derives from the whole history — and the ledger kept is the ledger of the
// whole history.
func TestMetric_LedgerFoldedEventByEventEqualsFactsFromHistory(t *testing.T) {
	n, err := domain.DefaultIdentityParser().Parse("19491203-2390", at("2026-01-01 00:00"))
	if err != nil {
		t.Fatal(err)
	}
	rapid.Check(t, func(t *rapid.T) {
		base := at("2026-03-28 10:00") // a daylight-saving change ahead
		var (
			all    []domain.Event
			ledger Ledger
		)
		steps := rapid.IntRange(1, 40).Draw(t, "events")
		for i := range steps {
			e := drawEvent(t, &base)
			e.Seq = uint64(i + 1)
			all = append(all, e)
			// The ledger as the store keeps it: read back from its encoding.
			data, err := ledger.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if err := ledger.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			if again, _ := ledger.MarshalBinary(); string(again) != string(data) {
				t.Fatalf("the ledger read back encodes differently")
			}
			if !ledger.Add(7, "ekg24", "ryhov", n, e) {
				ledger = LedgerOf(7, "ekg24", "ryhov", n, all)
			}
			stored := make([]domain.Event, len(all))
			for j, e := range all {
				e.At = e.At.In(domain.Stockholm)
				stored[j] = e
			}
			want := FactsFromHistory(7, "ekg24", "ryhov", n, stored)
			if got := ledger.Facts(); !sameFacts(got, want) {
				t.Fatalf("after %d events:\nfolded  %+v\nhistory %+v", i+1, got, want)
			}
			whole := LedgerOf(7, "ekg24", "ryhov", n, all)
			a, _ := ledger.MarshalBinary()
			b, _ := whole.MarshalBinary()
			if string(a) != string(b) {
				t.Fatalf("after %d events the ledger kept differs from the whole history's:\n%s\n%s", i+1, a, b)
			}
		}
	})
}

func sameFacts(a, b []Fact) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !x.SentAt.Equal(y.SentAt) {
			return false
		}
		x.SentAt, y.SentAt = time.Time{}, time.Time{}
		if len(x.Complement) == 0 && len(y.Complement) == 0 {
			x.Complement, y.Complement = nil, nil
		}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func TestMetric_CountsNamesTheEventsFactsRead(t *testing.T) {
	for _, typ := range []domain.EventType{domain.EventBooked, domain.EventLetterPrinted, domain.EventCancelled, domain.EventTimerSkipped} {
		if Counts(typ) {
			t.Errorf("Counts(%s) = true; FactsFromHistory passes it by", typ)
		}
	}
	for _, typ := range []domain.EventType{domain.EventSummonsSent, domain.EventOpened, domain.EventRebooked, domain.EventNoShow} {
		if !Counts(typ) {
			t.Errorf("Counts(%s) = false", typ)
		}
	}
}

func TestMetric_LedgerEncodingRefusesWhatItDidNotWrite(t *testing.T) {
	var l Ledger
	for _, data := range [][]byte{nil, {}, {9}, {ledgerEncodingVersion}, {ledgerEncodingVersion, 0, 0, 0, 0, 0, 5}} {
		if err := l.UnmarshalBinary(data); err == nil {
			t.Errorf("UnmarshalBinary(%v) accepted it", data)
		}
	}
}
