// Package inbox1177 delivers digital summonses to the patient's 1177 Inkorg
// and reads back what 1177 reports about them (R6). The site is offline, so
// both directions are files in spool folders exchanged with the hospital's
// integration engine, which talks to the national services:
//
//	<dir>/out/         messages for 1177, written by Kallelse
//	<dir>/in/          receipts from 1177, written by the integration engine
//	<dir>/quarantine/  receipts that could not be read or used, each beside
//	                   a <name>.reason.txt saying why (the reason in
//	                   English, then a problem line naming it by code)
//
// Every file appears under its final name only when complete (see spoolfs);
// names starting with a dot are files being written and must be ignored by
// both sides. Files hold patients' data and are created with mode 0600.
//
// # Outgoing message: out/<messageId>.json
//
// One UTF-8 JSON file per message, named by the message id; a message that
// is sent again finds its file and changes nothing, so delivery is
// idempotent by id. The fields mirror the national inbox service AddMessage
// 2.0 (RIV-TA profile 2.1), so the integration engine maps them one to one:
//
//	{
//	  "messageId": "k42-3-summons",
//	  "subjectOfCareId": "191212121212",
//	  "notifySubjectOfCare": true,
//	  "sourceSystem": "Kallelse",
//	  "messageCase": {
//	    "caseType": "KALLELSE",
//	    "header": "Kallelse till Långtids-EKG, 1 dygn",
//	    "careUnit": {
//	      "name": "Klinisk fysiologi, Länssjukhuset Ryhov",
//	      "hsaId": "SE2321000065-KF01"
//	    },
//	    "body": "Hej Tolvan Tolvansson!\n\nDu är välkommen till ..."
//	  },
//	  "appointment": {
//	    "start": "2026-12-01T09:30:00+01:00",
//	    "durationMinutes": 30,
//	    "examCode": "ekg24",
//	    "examName": "Långtids-EKG, 1 dygn",
//	    "site": {
//	      "name": "Länssjukhuset Ryhov",
//	      "street": "Sjukhusgatan",
//	      "postalCode": "55305",
//	      "city": "Jönköping"
//	    },
//	    "preparation": "Duscha gärna före besöket ..."
//	  },
//	  "directionsUrl": "https://...",
//	  "actions": [
//	    {"type": "rebook", "label": "Boka om"},
//	    {"type": "cancel", "label": "Avboka"}
//	  ],
//	  "rebookCancelDeadlineHours": 72,
//	  "createdAt": "2026-11-24T07:00:00+01:00"
//	}
//
// The fields:
//
//   - messageId: Kallelse's stable message id; receipts name it.
//   - subjectOfCareId: the resident's identity number, 12 digits, no hyphen.
//   - notifySubjectOfCare: whether 1177 should notify the resident by SMS or
//     e-mail, as the resident has chosen in 1177.
//   - sourceSystem: the sending system, from configuration.
//   - messageCase: AddMessage's message case. caseType is always "KALLELSE";
//     header is the subject line; careUnit is the sending unit
//     ("<department>, <site>") and its HSA-id; body is the plain-text letter
//     (newline-separated lines, no markup).
//   - appointment: the visit, for 1177's structured display. start is RFC 3339
//     in Europe/Stockholm local time with its offset; postalCode is five
//     digits without a space. preparation may be "".
//   - directionsUrl: how to find the site; may be "".
//   - actions: what the resident can ask for from the message. Each request
//     comes back as a receipt (rebook_requested, cancel_requested).
//   - rebookCancelDeadlineHours: requests must be made at least this many
//     hours before the visit; the body says so too.
//   - createdAt: when Kallelse decided the message (RFC 3339, Stockholm).
//
// Every field is always present. The same message always gives the same
// bytes (two-space indentation, HTML characters not escaped, final newline).
//
// # Incoming receipt: in/<any name>.json
//
// One UTF-8 JSON object per file, what 1177 reports about one message:
//
//	{"messageId": "k42-3-summons", "type": "opened", "at": "2026-11-26T08:12:00+01:00"}
//
// The fields:
//
//   - messageId (required): the id of the message, as sent. 1–128 ASCII
//     letters, digits, '-', '_' and '.', starting with a letter or digit.
//   - type (required): delivered, opened, rebook_requested or
//     cancel_requested.
//   - at (required): the instant the event happened at 1177, RFC 3339 with a
//     UTC offset ("Z" or ±hh:mm), fractional seconds allowed.
//   - receiptId, resultCode, resultText (optional strings): the integration
//     engine's receipt id and AddMessage's result code and text. Accepted and
//     ignored.
//
// Anything else is refused and the file quarantined: another field (names
// are case-sensitive), a field given twice, a value of the wrong JSON type,
// anything after the object, invalid UTF-8, or a file larger than
// MaxReceiptSize (64 KiB by default). A leading UTF-8 byte-order mark is
// accepted. The file name is free, but must end in ".json" and not start
// with a dot, and the entry must be a regular file (a symbolic link, a
// folder or a pipe so named is quarantined, a link never followed);
// Kallelse's own simulator writes
// <messageId>.<type>.<unix nanoseconds of at>.json.
//
// Receipts arrive late, twice or out of order: Fetch returns them ordered by
// the instant they carry (then message id, then type), and the store applies
// each (message, type) once. A receipt file is removed only after its receipt
// has been applied, so a crash in between means it is read again.
package inbox1177

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kallelse/kallelse/adapters/spoolfs"
	"github.com/kallelse/kallelse/domain"
)

// DefaultMaxReceiptSize bounds a receipt file; real receipts are a few
// hundred bytes.
const DefaultMaxReceiptSize = 64 << 10

// CaseType is AddMessage's case type for a summons.
const CaseType = "KALLELSE"

// RebookCancelDeadlineHours is how long before the visit a rebook or cancel
// request must be made; domain.RebookNotice says the same in words.
const RebookCancelDeadlineHours = int(domain.RebookDeadline / time.Hour)

// MaxMessageIDLength bounds a message id, in a receipt or a file name.
const MaxMessageIDLength = domain.MaxMessageIDLength

// Spool exchanges files with the integration engine. It implements
// domain.Sender (for inbox messages) and domain.ReceiptSource.
type Spool struct {
	Out, In, QuarantineDir string
	// SourceSystem is sent as AddMessage's sourceSystem.
	SourceSystem string
	// MaxReceiptSize bounds a receipt file in bytes; zero means
	// DefaultMaxReceiptSize.
	MaxReceiptSize int64
	// Now is the clock for cleaning temporary files and stamping quarantine
	// notes; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	watched map[string]error // receipt files watched (Watch): why, once quarantined
}

// Watch asks the spool to remember why the receipt file name in In is put
// in quarantine, should it be; Watched tells it and forgets the name. The
// patient simulator watches the receipt it wrote, to say what became of it.
func (s *Spool) Watch(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.watched == nil {
		s.watched = map[string]error{}
	}
	s.watched[name] = nil
}

// Watched says whether the receipt file name, watched since Watch, was put
// in quarantine, and why (a *domain.ReceiptProblem when it has a code); it
// stops watching the name.
func (s *Spool) Watched(name string) (why error, quarantined bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	why = s.watched[name]
	delete(s.watched, name)
	return why, why != nil
}

// quarantined notes why a watched receipt file went to quarantine.
func (s *Spool) quarantined(name string, why error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.watched[name]; ok {
		s.watched[name] = why
	}
}

var (
	_ domain.Sender        = (*Spool)(nil)
	_ domain.ReceiptSource = (*Spool)(nil)
)

// New returns a spool with its folders under dir: dir/out, dir/in and
// dir/quarantine. Folders are created when first written.
func New(dir string, sourceSystem string) *Spool {
	return &Spool{
		Out:            filepath.Join(dir, "out"),
		In:             filepath.Join(dir, "in"),
		QuarantineDir:  filepath.Join(dir, "quarantine"),
		SourceSystem:   sourceSystem,
		MaxReceiptSize: DefaultMaxReceiptSize,
	}
}

func (s *Spool) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Spool) maxReceiptSize() int64 {
	if s.MaxReceiptSize > 0 {
		return s.MaxReceiptSize
	}
	return DefaultMaxReceiptSize
}

// Send writes m to Out/<m.ID>.json unless that file exists: delivering a
// message twice succeeds and changes nothing. Only inbox messages with a
// summons are accepted.
func (s *Spool) Send(ctx context.Context, m domain.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := EncodeMessage(m, s.SourceSystem)
	if err != nil {
		return err
	}
	if written, err := spoolfs.WriteOnce(s.Out, m.ID+".json", data); err != nil {
		if written { // the engine may have taken the file already
			err = fmt.Errorf("%w: %w", domain.ErrMaybeHandedOver, err)
		}
		return fmt.Errorf("1177 inbox message %s: %w", m.ID, err)
	}
	return nil
}

type addMessage struct {
	MessageID                 string      `json:"messageId"`
	SubjectOfCareID           string      `json:"subjectOfCareId"`
	NotifySubjectOfCare       bool        `json:"notifySubjectOfCare"`
	SourceSystem              string      `json:"sourceSystem"`
	MessageCase               messageCase `json:"messageCase"`
	Appointment               appointment `json:"appointment"`
	DirectionsURL             string      `json:"directionsUrl"`
	Actions                   []action    `json:"actions"`
	RebookCancelDeadlineHours int         `json:"rebookCancelDeadlineHours"`
	CreatedAt                 string      `json:"createdAt"`
	Notice                    string      `json:"notice,omitempty"` // "cancelled": the appointment is void
}

type messageCase struct {
	CaseType string   `json:"caseType"`
	Header   string   `json:"header"`
	CareUnit careUnit `json:"careUnit"`
	Body     string   `json:"body"`
}

type careUnit struct {
	Name  string `json:"name"`
	HSAID string `json:"hsaId"`
}

type appointment struct {
	Start           string `json:"start"`
	DurationMinutes int    `json:"durationMinutes"`
	ExamCode        string `json:"examCode"`
	ExamName        string `json:"examName"`
	Site            site   `json:"site"`
	Preparation     string `json:"preparation"`
}

type site struct {
	Name       string `json:"name"`
	Street     string `json:"street"`
	PostalCode string `json:"postalCode"`
	City       string `json:"city"`
}

type action struct {
	Type  string `json:"type"`
	Label string `json:"label"`
}

// ErrNotInboxMessage is returned for a message this adapter cannot deliver:
// another kind, or an inbox message without a summons.
var ErrNotInboxMessage = errors.New("not a 1177 inbox message with a summons")

// EncodeMessage renders m as the outgoing file (see the package comment).
// It refuses what 1177 could not take: another kind of message, no summons,
// no identity number or care unit HSA-id, an id unfit for a file name.
func EncodeMessage(m domain.Message, sourceSystem string) ([]byte, error) {
	if m.Kind != domain.MessageInbox || m.Summons == nil {
		return nil, fmt.Errorf("message %q (kind %q): %w", m.ID, m.Kind, ErrNotInboxMessage)
	}
	if err := domain.CheckMessageID(m.ID); err != nil {
		return nil, fmt.Errorf("message id: %w", err)
	}
	s := m.Summons
	switch {
	case m.SubjectOfCareID == "":
		return nil, fmt.Errorf("message %s: no subject of care id", m.ID)
	case s.CareUnitHSAID == "":
		return nil, fmt.Errorf("message %s: no care unit HSA-id", m.ID)
	case sourceSystem == "":
		return nil, fmt.Errorf("message %s: no source system", m.ID)
	case s.VisitAt.IsZero():
		return nil, fmt.Errorf("message %s: summons has no visit time", m.ID)
	case m.CreatedAt.IsZero():
		return nil, fmt.Errorf("message %s: no creation time", m.ID)
	}
	unit := s.Department
	if s.SiteName != "" {
		unit += ", " + s.SiteName
	}
	doc := addMessage{
		MessageID:           m.ID,
		SubjectOfCareID:     m.SubjectOfCareID,
		NotifySubjectOfCare: m.Notify,
		SourceSystem:        sourceSystem,
		MessageCase: messageCase{
			CaseType: CaseType,
			Header:   s.Header(),
			CareUnit: careUnit{Name: unit, HSAID: s.CareUnitHSAID},
			Body:     s.Body(),
		},
		Appointment: appointment{
			Start:           s.VisitAt.In(domain.Stockholm).Format(time.RFC3339),
			DurationMinutes: s.DurationMinutes,
			ExamCode:        s.ExamCode,
			ExamName:        s.ExamName,
			Site:            site{Name: s.SiteName, Street: s.SiteStreet, PostalCode: s.SitePostalCode, City: s.SiteCity},
			Preparation:     s.Preparation,
		},
		DirectionsURL:             s.DirectionsURL,
		Actions:                   []action{{Type: "rebook", Label: "Boka om"}, {Type: "cancel", Label: "Avboka"}},
		RebookCancelDeadlineHours: RebookCancelDeadlineHours,
		CreatedAt:                 m.CreatedAt.In(domain.Stockholm).Format(time.RFC3339),
	}
	if s.Notice == domain.NoticeCancelled {
		// A void time has nothing to rebook or cancel: no buttons.
		doc.Notice, doc.Actions, doc.RebookCancelDeadlineHours = s.Notice, []action{}, 0
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("message %s: %w", m.ID, err)
	}
	return buf.Bytes(), nil
}

// Done removes the receipt's file: it has been applied (or found to be a
// duplicate). A file already gone is fine, so Done is idempotent.
func (s *Spool) Done(r domain.IncomingReceipt) error {
	if err := checkHandle(r.Handle); err != nil {
		return err
	}
	err := os.Remove(filepath.Join(s.In, r.Handle))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("receipt %s: %w", r.Handle, err)
	}
	return nil
}

// Quarantine moves the receipt's file to the quarantine folder with a note
// saying why: the receipt was readable but cannot be used (e.g. it names an
// unknown message). A file already quarantined is fine.
func (s *Spool) Quarantine(r domain.IncomingReceipt, why error) error {
	if err := checkHandle(r.Handle); err != nil {
		return err
	}
	if _, err := os.Lstat(filepath.Join(s.In, r.Handle)); errors.Is(err, os.ErrNotExist) {
		if _, qerr := os.Lstat(filepath.Join(s.QuarantineDir, r.Handle)); qerr == nil {
			return nil
		}
		return fmt.Errorf("receipt %s: %w", r.Handle, err)
	}
	if err := s.quarantine(r.Handle, why); err != nil {
		return fmt.Errorf("quarantine receipt %s: %w", r.Handle, err)
	}
	return nil
}

// problemPrefix starts the line of a quarantine note that names the
// problem by its code, with its facts, as JSON (domain.ReceiptProblem): the
// screens word it in the staff's language. The note's first line is the
// reason in English.
const problemPrefix = "problem: "

// quarantine moves In/name to the quarantine folder with a note saying why:
// the reason in English, and the problem's code when why has one.
func (s *Spool) quarantine(name string, why error) error {
	var more []string
	var p *domain.ReceiptProblem
	if errors.As(why, &p) {
		if b, err := json.Marshal(p); err == nil {
			more = append(more, problemPrefix+string(b))
		}
	}
	if err := spoolfs.Quarantine(s.In, name, s.QuarantineDir, why.Error(), s.now(), more...); err != nil {
		return err
	}
	s.quarantined(name, why)
	return nil
}

// checkHandle keeps Done and Quarantine inside the In folder.
func checkHandle(h string) error {
	if h == "" || strings.HasPrefix(h, ".") || strings.ContainsAny(h, `/\`) || filepath.Base(h) != h {
		return fmt.Errorf("receipt handle %q is not a file name in the inbox folder", h)
	}
	return nil
}

// QuarantineEntry is a receipt file set aside, with the reason noted for it
// and, when the note names it, the problem by its code (nil for a note
// written before notes named it).
type QuarantineEntry struct {
	Name    string
	Reason  string
	Problem *domain.ReceiptProblem
}

// Quarantined lists the quarantined receipt files with their reasons.
func (s *Spool) Quarantined() ([]QuarantineEntry, error) {
	entries, err := os.ReadDir(s.QuarantineDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []QuarantineEntry
	for _, e := range entries {
		name := e.Name()
		// A folder or a link set aside (Fetch) is listed like a file;
		// discarded/ is the quarantine's own.
		if (e.IsDir() && name == DiscardedDir) || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".reason.txt") {
			continue
		}
		e := QuarantineEntry{Name: name}
		if data, err := os.ReadFile(filepath.Join(s.QuarantineDir, name+".reason.txt")); err == nil {
			e.Reason, e.Problem = readNote(string(data))
		}
		out = append(out, e)
	}
	return out, nil
}

// readNote reads a quarantine note: its first line, the reason, and the
// problem its problem line names, if any.
func readNote(note string) (string, *domain.ReceiptProblem) {
	reason, rest, _ := strings.Cut(note, "\n")
	for _, l := range strings.Split(rest, "\n") {
		if j, ok := strings.CutPrefix(l, problemPrefix); ok {
			var p domain.ReceiptProblem
			if json.Unmarshal([]byte(j), &p) == nil && p.Code != "" {
				p.Reason = reason
				return reason, &p
			}
		}
	}
	return reason, nil
}

// DiscardedDir is the folder, inside the quarantine, where discarded files
// are kept with their notes: out of the way, never deleted.
const DiscardedDir = "discarded"

// Discard takes a quarantined file out of the list for good, keeping it: it
// moves, with its note, into quarantine/discarded/, and a second note,
// <name>.discarded.txt, says when, by whom and why (the reason staff gave).
// The note is written first, so a crash never leaves an unexplained file.
func (s *Spool) Discard(name, why, by string, at time.Time) error {
	if err := checkHandle(name); err != nil {
		return err
	}
	dir := filepath.Join(s.QuarantineDir, DiscardedDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if _, err := os.Lstat(filepath.Join(s.QuarantineDir, name)); err != nil { // a link set aside is discarded as it is
		return err
	}
	note := fmt.Sprintf("discarded %s by %s\n%s\n", at.Format(time.RFC3339), by, strings.TrimSpace(why))
	if _, err := spoolfs.WriteOnce(dir, name+".discarded.txt", []byte(note)); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(s.QuarantineDir, name+".reason.txt"), filepath.Join(dir, name+".reason.txt")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.Rename(filepath.Join(s.QuarantineDir, name), filepath.Join(dir, name))
}

// Requeue moves a quarantined file back into the inbox for another try (for
// instance once the message it names is known), dropping its note.
func (s *Spool) Requeue(name string) error {
	if err := checkHandle(name); err != nil {
		return err
	}
	// A file that cannot be read as a receipt would be set aside again at
	// the next tick, without a word to the one who put it back: it stays.
	// (One the loop refused — a message not known yet, an instant — may
	// go through now.)
	if _, gone, why := s.readReceiptIn(s.QuarantineDir, name); gone {
		return fmt.Errorf("quarantine/%s: %w", name, os.ErrNotExist)
	} else if why != nil {
		return fmt.Errorf("%w: %w", domain.ErrStillUnreadable, why)
	}
	target := name
	if !strings.HasSuffix(target, ".json") {
		target += ".json" // Fetch reads *.json only
	}
	if err := os.MkdirAll(s.In, 0o700); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(s.QuarantineDir, name), filepath.Join(s.In, target)); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(s.QuarantineDir, name+".reason.txt")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
