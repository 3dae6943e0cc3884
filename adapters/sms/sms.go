// Package sms delivers SMS reminders (R5). The site is offline, so the main
// transport is a spool folder that the hospital's integration engine passes
// on to the SMS gateway:
//
//	<dir>/out/<messageId>.json
//
// One UTF-8 JSON object per message, named by the message id, appearing
// under its final name only when complete (names starting with a dot are
// being written and must be ignored), mode 0600:
//
//	{
//	  "messageId": "k42-5-sms",
//	  "to": "+46701234567",
//	  "text": "Påminnelse: Du har en tid hos Klinisk fysiologi, ...",
//	  "createdAt": "2026-11-27T09:00:00+01:00"
//	}
//
// The fields:
//
//   - messageId: Kallelse's stable message id, 1–128 ASCII letters, digits,
//     '-', '_' and '.', starting with a letter or digit. The gateway should
//     use it as its idempotency key.
//   - to: the recipient in E.164, "+46" and 7–13 digits, the first not 0.
//   - text: the message as the patient reads it, plain UTF-8. It never holds
//     medical content (see domain.ReminderText).
//   - createdAt: when Kallelse decided the message (RFC 3339,
//     Europe/Stockholm).
//
// All fields are always present; the same message always gives the same
// bytes. Sending a message again finds its file and changes nothing, so
// delivery is idempotent by id.
//
// Where the gateway can be reached over the hospital network, HTTP posts the
// same document with an Idempotency-Key header instead.
package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/kallelse/kallelse/adapters/spoolfs"
	"github.com/kallelse/kallelse/domain"
)

// MaxMessageIDLength bounds a message id.
const MaxMessageIDLength = domain.MaxMessageIDLength

// ErrNotSMS is returned for a message of another kind.
var ErrNotSMS = errors.New("not an SMS message")

// Spool writes SMS messages to a folder for the integration engine. It
// implements domain.Sender for SMS messages.
type Spool struct {
	Out string
}

var (
	_ domain.Sender = (*Spool)(nil)
	_ domain.Sender = (*HTTP)(nil)
)

// New returns a spool writing to dir/out; the folder is created when first
// written.
func New(dir string) *Spool {
	return &Spool{Out: filepath.Join(dir, "out")}
}

// Send writes m to Out/<m.ID>.json unless that file exists: delivering a
// message twice succeeds and changes nothing.
func (s *Spool) Send(ctx context.Context, m domain.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := EncodeMessage(m)
	if err != nil {
		return err
	}
	if written, err := spoolfs.WriteOnce(s.Out, m.ID+".json", data); err != nil {
		if written { // the engine may have taken the file already
			err = fmt.Errorf("%w: %w", domain.ErrMaybeHandedOver, err)
		}
		return fmt.Errorf("sms %s: %w", m.ID, err)
	}
	return nil
}

type smsFile struct {
	MessageID string `json:"messageId"`
	To        string `json:"to"`
	Text      string `json:"text"`
	CreatedAt string `json:"createdAt"`
}

// EncodeMessage renders m as the spool document (see the package comment),
// refusing what the gateway could not send.
func EncodeMessage(m domain.Message) ([]byte, error) {
	if m.Kind != domain.MessageSMS {
		return nil, fmt.Errorf("message %q (kind %q): %w", m.ID, m.Kind, ErrNotSMS)
	}
	if err := domain.CheckMessageID(m.ID); err != nil {
		return nil, fmt.Errorf("sms message id: %w", err)
	}
	if err := CheckNumber(m.To); err != nil {
		return nil, fmt.Errorf("sms %s: %w", m.ID, err)
	}
	switch {
	case strings.TrimSpace(m.Text) == "":
		return nil, fmt.Errorf("sms %s: no text", m.ID)
	case !utf8.ValidString(m.Text):
		return nil, fmt.Errorf("sms %s: text is not valid UTF-8", m.ID)
	case m.CreatedAt.IsZero():
		return nil, fmt.Errorf("sms %s: no creation time", m.ID)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(smsFile{MessageID: m.ID, To: m.To, Text: m.Text,
		CreatedAt: m.CreatedAt.In(domain.Stockholm).Format(time.RFC3339)})
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CheckNumber accepts a Swedish number in E.164: "+46", then 7 to 13 digits
// (E.164 allows 15 in all), the first not 0 — the national trunk 0 is
// dropped after the country code.
func CheckNumber(to string) error {
	if to == "" {
		return errors.New("no recipient number")
	}
	rest, ok := strings.CutPrefix(to, "+46")
	if !ok {
		return fmt.Errorf("recipient %q is not a Swedish number in E.164 (+46…)", to)
	}
	if len(rest) < 7 || len(rest) > 13 {
		return fmt.Errorf("recipient %q: want 7 to 13 digits after +46", to)
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return fmt.Errorf("recipient %q: only digits after +46", to)
		}
	}
	if rest[0] == '0' {
		return fmt.Errorf("recipient %q: drop the leading 0 after +46", to)
	}
	return nil
}

// HTTP posts messages to an SMS gateway on the hospital network: the spool
// document as the body, Content-Type application/json, and the message id
// as the Idempotency-Key header. 2xx is success, and so is 409 Conflict (the
// gateway already has the message); anything else is an error naming the
// status, and the loop sends again later. When the request went whole and
// no answer came (a timeout, a dropped connection), the error wraps
// domain.ErrMaybeHandedOver: the loop then sends again but never withdraws
// the message, since the patient may have it.
type HTTP struct {
	URL string
	// Client is the HTTP client; nil means one with a 30-second timeout.
	Client *http.Client
}

var defaultClient = &http.Client{Timeout: 30 * time.Second}

// Send posts m; see HTTP.
func (h *HTTP) Send(ctx context.Context, m domain.Message) error {
	data, err := EncodeMessage(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("sms %s: %w", m.ID, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Idempotency-Key", m.ID)
	client := h.Client
	if client == nil {
		client = defaultClient
	}
	// Once the whole request has gone, the gateway may have taken the
	// message even if no answer comes back.
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	}))
	resp, err := client.Do(req)
	if err != nil {
		if wrote.Load() {
			return fmt.Errorf("sms %s: %w: %w", m.ID, domain.ErrMaybeHandedOver, err)
		}
		return fmt.Errorf("sms %s: %w", m.ID, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode/100 == 2 || resp.StatusCode == http.StatusConflict {
		return nil
	}
	msg := strings.TrimSpace(strings.ToValidUTF8(string(snippet), ""))
	if msg != "" {
		return fmt.Errorf("sms %s: gateway answered %s: %s", m.ID, resp.Status, msg)
	}
	return fmt.Errorf("sms %s: gateway answered %s", m.ID, resp.Status)
}
