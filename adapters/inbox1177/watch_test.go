package inbox1177

import (
	"context"
	"errors"
	"testing"

	"github.com/kallelse/kallelse/domain"
)

// A watched receipt file says whether it went to quarantine, and why: set
// aside by Fetch (unreadable) or by the loop (Quarantine, unusable). An
// unwatched one is not remembered.
func TestWatch_SaysWhyAReceiptWasQuarantined(t *testing.T) {
	s := newTestSpool(t)
	writeIn(t, s, "bad.json", `{"messageId":`)
	writeIn(t, s, "early.json", `{"messageId": "k1-1-inbox", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}`)
	writeIn(t, s, "fine.json", `{"messageId": "k1-1-inbox", "type": "delivered", "at": "2026-11-26T08:12:00+01:00"}`)
	writeIn(t, s, "other.json", `{"messageId":`)
	for _, name := range []string{"bad.json", "early.json", "fine.json"} {
		s.Watch(name)
	}
	got, _, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	early := &domain.ReceiptProblem{Code: domain.ReceiptBeforeSent, Reason: "opened before the message was sent"}
	for _, r := range got {
		if r.Handle == "early.json" {
			if err := s.Quarantine(r, early); err != nil {
				t.Fatal(err)
			}
		} else if err := s.Done(r); err != nil {
			t.Fatal(err)
		}
	}
	var p *domain.ReceiptProblem
	if why, q := s.Watched("bad.json"); !q || !errors.As(why, &p) || p.Code != domain.ReceiptTruncated {
		t.Errorf("bad.json: %v %v", q, why)
	}
	if why, q := s.Watched("early.json"); !q || why != error(early) {
		t.Errorf("early.json: %v %v", q, why)
	}
	if why, q := s.Watched("fine.json"); q {
		t.Errorf("fine.json, applied: %v", why)
	}
	if _, q := s.Watched("other.json"); q {
		t.Error("other.json was not watched")
	}
	if _, q := s.Watched("bad.json"); q {
		t.Error("bad.json is watched no more")
	}
}
