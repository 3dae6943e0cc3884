package sms

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

func testMessage() domain.Message {
	return domain.Message{
		ID: "k42-5-sms", Booking: 42, Kind: domain.MessageSMS, Purpose: domain.PurposeReminder1d,
		CreatedAt: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
		To:        "+46701234567",
		Text:      "Påminnelse: Du har en tid hos Klinisk fysiologi, Länssjukhuset Ryhov, tisdag 1 december kl. 09:30. <Svara inte> & tack",
	}
}

func TestSpool_SendWritesTheDocumentOnce(t *testing.T) {
	s := New(t.TempDir())
	m := testMessage()
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.Out, "k42-5-sms.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "messageId": "k42-5-sms",
  "to": "+46701234567",
  "text": "` + m.Text + `",
  "createdAt": "2026-11-30T09:00:00+01:00"
}
`
	if string(data) != want {
		t.Errorf("got\n%s\nwant\n%s", data, want)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil || len(doc) != 4 || doc["text"] != m.Text {
		t.Errorf("document %v %v", doc, err)
	}

	m.Text = "changed"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(s.Out)
	if string(again) != string(data) || len(entries) != 1 {
		t.Errorf("second Send changed the spool: %s %v", again, entries)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info.Mode().Perm())
	}
}

func TestSpool_RefusesWhatCannotBeSent(t *testing.T) {
	s := New(t.TempDir())
	cases := map[string]func(*domain.Message){
		"inbox kind":     func(m *domain.Message) { m.Kind = domain.MessageInbox },
		"letter kind":    func(m *domain.Message) { m.Kind = domain.MessageLetter },
		"no number":      func(m *domain.Message) { m.To = "" },
		"national form":  func(m *domain.Message) { m.To = "0701234567" },
		"trunk zero":     func(m *domain.Message) { m.To = "+460701234567" },
		"foreign":        func(m *domain.Message) { m.To = "+4712345678" },
		"spaces":         func(m *domain.Message) { m.To = "+46 70 123 45 67" },
		"too short":      func(m *domain.Message) { m.To = "+46701" },
		"too long":       func(m *domain.Message) { m.To = "+4670123456789012" },
		"no text":        func(m *domain.Message) { m.Text = "" },
		"blank text":     func(m *domain.Message) { m.Text = " \n" },
		"bad utf-8":      func(m *domain.Message) { m.Text = "a\xffb" },
		"no created":     func(m *domain.Message) { m.CreatedAt = time.Time{} },
		"path id":        func(m *domain.Message) { m.ID = "../x" },
		"empty id":       func(m *domain.Message) { m.ID = "" },
		"dot id":         func(m *domain.Message) { m.ID = ".hidden" },
		"overlong id":    func(m *domain.Message) { m.ID = strings.Repeat("k", 129) },
		"space in an id": func(m *domain.Message) { m.ID = "k 1" },
	}
	for name, mod := range cases {
		m := testMessage()
		mod(&m)
		err := s.Send(context.Background(), m)
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
		if strings.HasSuffix(name, "kind") && !errors.Is(err, ErrNotSMS) {
			t.Errorf("%s: %v, want ErrNotSMS", name, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, testMessage()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if entries, _ := os.ReadDir(s.Out); len(entries) != 0 {
		t.Errorf("refused messages left files: %v", entries)
	}
}

func TestCheckNumber_AcceptsSwedishE164(t *testing.T) {
	for _, n := range []string{"+46701234567", "+46812345678", "+4636123456"} {
		if err := CheckNumber(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

// gateway is a loopback fake SMS gateway that remembers idempotency keys.
type gateway struct {
	mu     sync.Mutex
	bodies map[string]string
	status int // forced status, 0 = normal behaviour
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.status != 0 {
		http.Error(w, "gateway overloaded", g.status)
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	body, _ := io.ReadAll(r.Body)
	if _, seen := g.bodies[key]; seen {
		w.WriteHeader(http.StatusConflict)
		return
	}
	g.bodies[key] = string(body)
	w.WriteHeader(http.StatusAccepted)
}

func TestHTTP_PostsWithIdempotencyKey(t *testing.T) {
	g := &gateway{bodies: map[string]string{}}
	srv := httptest.NewServer(g)
	defer srv.Close()
	h := &HTTP{URL: srv.URL, Client: srv.Client()}
	m := testMessage()

	if err := h.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	// Sent again after a crash: the gateway answers 409, which is success.
	if err := h.Send(context.Background(), m); err != nil {
		t.Fatalf("resend: %v", err)
	}
	want, _ := EncodeMessage(m)
	g.mu.Lock()
	if len(g.bodies) != 1 || g.bodies["k42-5-sms"] != string(want) {
		t.Errorf("gateway got %v", g.bodies)
	}
	g.status = http.StatusServiceUnavailable
	g.mu.Unlock()

	m.ID = "k42-6-sms"
	err := h.Send(context.Background(), m)
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "gateway overloaded") {
		t.Errorf("503: %v", err)
	}

	bad := testMessage()
	bad.To = "0701234567"
	if err := h.Send(context.Background(), bad); err == nil {
		t.Errorf("bad number posted")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.Send(ctx, testMessage()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestHTTP_UnreachableGatewayIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	h := &HTTP{URL: url, Client: &http.Client{Timeout: 2 * time.Second}}
	if err := h.Send(context.Background(), testMessage()); err == nil {
		t.Errorf("closed server: no error")
	}
}

// A gateway that reads the whole request and drops the connection without
// an answer may have taken the message: the error says so
// (domain.ErrMaybeHandedOver), so that the loop never records it withdrawn.
// One that cannot be reached, or answers with an error, certainly did not.
func TestHTTP_NoAnswerAfterTheRequestMayHaveHandedOver(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	}))
	defer srv.Close()
	h := &HTTP{URL: srv.URL, Client: srv.Client()}
	err := h.Send(context.Background(), testMessage())
	if err == nil || !errors.Is(err, domain.ErrMaybeHandedOver) {
		t.Errorf("dropped after the request: %v, want ErrMaybeHandedOver", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL
	closed.Close()
	h = &HTTP{URL: url, Client: &http.Client{Timeout: 2 * time.Second}}
	if err := h.Send(context.Background(), testMessage()); err == nil || errors.Is(err, domain.ErrMaybeHandedOver) {
		t.Errorf("unreachable: %v, want a plain error", err)
	}

	refused := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer refused.Close()
	h = &HTTP{URL: refused.URL, Client: refused.Client()}
	if err := h.Send(context.Background(), testMessage()); err == nil || errors.Is(err, domain.ErrMaybeHandedOver) {
		t.Errorf("503: %v, want a plain error", err)
	}
}
