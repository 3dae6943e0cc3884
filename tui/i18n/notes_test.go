package i18n

import (
	"testing"

	"github.com/kallelse/kallelse/domain"
)

// An event's note says what the event's words and reasons do not: the
// walk read "skyddade personuppgifter; skyddade personuppgifter: lämna
// kallelsen enligt enhetens rutin" in a protected patient's history.
func TestEventNote_SaysNothingTwice(t *testing.T) {
	for _, c := range []struct {
		e    domain.Event
		want string
	}{
		{domain.Event{Type: domain.EventLetterNotPosted, Reasons: []domain.Reason{domain.ReasonProtected}, Note: domain.NoteBlockedProtected},
			"lämna kallelsen enligt enhetens rutin"},
		{domain.Event{Type: domain.EventHandOverRaised, Note: domain.NoteBlockedProtected}, "skyddade personuppgifter"},
		{domain.Event{Type: domain.EventHandOverRaised, Note: domain.NoteUnopened + domain.NoteJoin + domain.NoteBlockedProtected},
			"kallelsen är inte öppnad; skyddade personuppgifter"},
		// The reason says it already (the walk read "har valt bort brev i
		// 1177; patienten har avböjt brev med post i 1177").
		{domain.Event{Type: domain.EventLetterNotPosted, Reasons: []domain.Reason{domain.ReasonNoAddress}, Note: domain.NoteBlockedNoAddress}, ""},
		{domain.Event{Type: domain.EventLetterNotPosted, Reasons: []domain.Reason{domain.ReasonPaperDeclined},
			Note: domain.NoteCancelNotice + domain.NoteJoin + domain.NoteBlockedDeclined}, "avbokningsbesked"},
		{domain.Event{Type: domain.EventPhoneTaskDone, Note: "kommer"}, "kommer"},
		// What staff typed is shown as typed, even when it ends as the
		// event's words do (review).
		{domain.Event{Type: domain.EventPhoneTaskDone, Note: "Anna: patienten uppringd"}, "Anna: patienten uppringd"},
		{domain.Event{Type: domain.EventPhoneTaskDone, Note: "patienten uppringd"}, "patienten uppringd"},
		{domain.Event{Type: domain.EventPhoneTaskDone}, ""},
	} {
		if got := EventNote(Swedish, c.e); got != c.want {
			t.Errorf("%s %q: %q, want %q", c.e.Type, c.e.Note, got, c.want)
		}
	}
}
