package domain

import (
	"errors"
	"testing"
)

// K and T are asked of the domain too (Precondition): K only while the
// patient's rebook or cancel request waits, T only while a task is open —
// the phone task first, then the hand-over, then an out-of-date letter.
func TestImplicit_KeepingTheTimeAndResolvingATaskHavePreconditions(t *testing.T) {
	p := newTestPatient(t, "")
	b := booked(t, p, examDigital, at("2026-11-25 10:00"), at("2026-12-10 09:30"))
	now := at("2026-11-27 10:00")
	if err := b.Precondition(ActTask, now); !errors.Is(err, ErrIllegalTransition) || b.OpenTask() != "" {
		t.Fatalf("no task: %v, open %q", err, b.OpenTask())
	}
	if err := b.Precondition(ActKeep, now); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("no request: %v", err)
	}
	r := Receipt{MessageID: b.Status().MessageID, Type: ReceiptRebookRequested, At: at("2026-11-26 10:00")}
	if err := b.ApplyReceipt(r, fireEnv(t, p, examDigital, at("2026-11-26 10:01"))); err != nil {
		t.Fatal(err)
	}
	if err := b.Precondition(ActKeep, now); err != nil {
		t.Fatalf("a request waits: %v", err)
	}
	if err := b.KeepTime(now, "anna", ""); err != nil {
		t.Fatal(err)
	}
	if err := b.Precondition(ActKeep, now); !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("the request answered: %v", err)
	}
	b.phoneTask, b.outdatedLetter = true, true
	if err := b.Precondition(ActTask, now); err != nil || b.OpenTask() != TaskPhone {
		t.Fatalf("phone task and old letter: %v, open %q", err, b.OpenTask())
	}
	if err := b.ResolvePhoneTask(now, "anna", ""); err != nil || b.OpenTask() != TaskOutdatedLetter {
		t.Fatalf("phoned: %v, open %q", err, b.OpenTask())
	}
	if err := b.OutdatedLetterHandled(now, "anna", ""); err != nil || b.Precondition(ActTask, now) == nil {
		t.Fatalf("letter handled: %v, open %q", err, b.OpenTask())
	}
}
