package domain

import (
	"errors"
	"testing"
	"time"
)

func TestImplicit_RepeatByHandWithinTheWindowMustBeConfirmed(t *testing.T) {
	p := newTestPatient(t, "") // wants SMS, has a mobile
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	b.TakeMessages()

	first := at("2026-11-26 09:00")
	if err := b.RemindByHand(fireEnv(t, p, examDigital, first), false); err != nil {
		t.Fatal(err)
	}
	// Two minutes later: refused, saying when the last one went.
	err := b.RemindByHand(fireEnv(t, p, examDigital, first.Add(2*time.Minute)), false)
	var recent *SentRecentlyError
	if !errors.As(err, &recent) || !errors.Is(err, ErrSentRecently) || recent.Kind != MessageSMS || !recent.At.Equal(first) {
		t.Fatalf("a second SMS two minutes later: %v", err)
	}
	if n := len(messagesOf(b)[PurposeReminderByHand]); n != 1 {
		t.Fatalf("%d SMS decided, want 1", n)
	}
	// Confirmed: sent.
	if err := b.RemindByHand(fireEnv(t, p, examDigital, first.Add(3*time.Minute)), true); err != nil {
		t.Fatal(err)
	}
	// After the window: no question.
	if err := b.RemindByHand(fireEnv(t, p, examDigital, first.Add(3*time.Minute+RepeatWindow)), false); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if n := len(messagesOf(b)[PurposeReminderByHand]); n != 2 {
		t.Fatalf("%d more SMS decided, want 2", n)
	}

	// Letters are their own kind: an SMS just now does not hold a letter,
	// but a letter does hold the next letter.
	at2 := first.Add(20 * time.Minute)
	if err := b.SendPaperByHand(fireEnv(t, p, examDigital, at2), false); err != nil {
		t.Fatalf("a letter right after an SMS: %v", err)
	}
	if err := b.SendPaperByHand(fireEnv(t, p, examDigital, at2.Add(time.Minute)), false); !errors.Is(err, ErrSentRecently) {
		t.Fatalf("a second letter a minute later: %v", err)
	}
	// The window survives a round trip through storage.
	r, err := RehydrateBooking(b.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SentRecently(MessageLetter, at2.Add(time.Minute)); !errors.Is(err, ErrSentRecently) {
		t.Fatalf("after rehydrating: %v", err)
	}
}

func TestImplicit_ALetterTheLoopJustSentCountsAsRecent(t *testing.T) {
	p := newTestPatient(t, "", func(in *PatientInput) { in.Has1177Account, in.NotificationsEnabled = false, false })
	sent := at("2026-11-25 10:00")
	b := booked(t, p, examDigital, sent, at("2026-12-10 09:30")) // summons: digital + paper at once
	if err := b.SendPaperByHand(fireEnv(t, p, examDigital, sent.Add(5*time.Minute)), false); !errors.Is(err, ErrSentRecently) {
		t.Fatalf("a letter by hand five minutes after the summons letter: %v", err)
	}
}

func TestImplicit_AnSMSByHandAtNightWaitsForTheMorning(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	b.TakeMessages()
	if err := b.RemindByHand(fireEnv(t, p, examDigital, at("2026-11-26 22:30")), false); err != nil {
		t.Fatal(err)
	}
	m := messagesOf(b)[PurposeReminderByHand]
	if len(m) != 1 || !m[0].NotBefore.Equal(at("2026-11-27 08:00")) {
		t.Fatalf("SMS by hand at 22:30: %+v", m)
	}
	if err := b.RemindByHand(fireEnv(t, p, examDigital, at("2026-11-27 12:00")), false); err != nil {
		t.Fatal(err)
	}
	if m := messagesOf(b)[PurposeReminderByHand]; len(m) != 1 || !m[0].NotBefore.IsZero() {
		t.Fatalf("SMS by hand at noon: %+v", m)
	}
}
