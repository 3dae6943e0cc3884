package domain

import (
	"errors"
	"fmt"
	"time"
)

// RepeatWindow is how long after a summons letter or a reminder SMS was
// sent (by hand or by the loop) another one by hand must be confirmed: a
// key pressed twice, or two secretaries acting on the same booking, would
// otherwise send the patient three SMS in two minutes.
const RepeatWindow = 15 * time.Minute

// ErrSentRecently is a letter or an SMS by hand that repeats one sent less
// than RepeatWindow ago; the caller asks, and sends again only when told to.
var ErrSentRecently = errors.New("sent moments ago")

// SentRecentlyError says what was sent when.
type SentRecentlyError struct {
	Kind MessageKind
	At   time.Time
}

func (e *SentRecentlyError) Error() string {
	what := "a letter"
	if e.Kind == MessageSMS {
		what = "an SMS reminder"
	}
	return fmt.Sprintf("%s was sent for this booking at %s; to send another, confirm (--again)", what, e.At.In(Stockholm).Format("15:04"))
}

func (e *SentRecentlyError) Unwrap() error { return ErrSentRecently }

// SentRecently is the rule for repeats by hand: a *SentRecentlyError when a
// message of the kind (MessageLetter: a summons letter; MessageSMS: a
// reminder) was sent for the booking less than RepeatWindow before now.
func (b *Booking) SentRecently(kind MessageKind, now time.Time) error {
	last := b.lastLetterAt
	if kind == MessageSMS {
		last = b.lastSMSAt
	}
	if last.IsZero() || now.Sub(last) >= RepeatWindow || now.Before(last) {
		return nil
	}
	return &SentRecentlyError{Kind: kind, At: last}
}
