package domain

import (
	"errors"
	"fmt"
	"time"
)

// Clinic is the sending unit, as printed in letters and sent to 1177.
type Clinic struct {
	Department string // "Klinisk fysiologi"
	Region     string // "Region Jönköpings län"
	HSAID      string // the care unit's HSA-id
	Phone      string // for questions, rebooking by phone
}

// Summons is everything a summons says (R2): what the paper letter holds, and
// for the digital one also the directions link and the rebook/cancel actions.
// It is composed once, when the message is decided, and frozen in the
// outbox, so that a retry delivers exactly what was decided.
type Summons struct {
	Department      string    `json:"department"`
	Region          string    `json:"region"`
	CareUnitHSAID   string    `json:"care_unit_hsa_id"`
	ClinicPhone     string    `json:"clinic_phone"`
	PatientName     string    `json:"patient_name"`
	PatientID       string    `json:"patient_id"` // YYYYMMDD-NNNN
	Address         Address   `json:"address"`
	ExamCode        string    `json:"exam_code"`
	ExamName        string    `json:"exam_name"`
	Preparation     string    `json:"preparation"`
	VisitAt         time.Time `json:"visit_at"`
	DurationMinutes int       `json:"duration_minutes"`
	SiteName        string    `json:"site_name"`
	SiteStreet      string    `json:"site_street"`
	SitePostalCode  string    `json:"site_postal_code"`
	SiteCity        string    `json:"site_city"`
	DirectionsURL   string    `json:"directions_url"`
	Rebooked        bool      `json:"rebooked"`                // this summons replaces an earlier one
	CancelUndone    bool      `json:"cancel_undone,omitempty"` // the patient was told the time was cancelled; that was undone

	// Added for the patient-reach rules (issue 9); absent in older messages.
	PatientIDKind   string     `json:"patient_id_kind,omitempty"`   // personnummer, samordningsnummer, reservnummer
	Interpreter     string     `json:"interpreter,omitempty"`       // the language an interpreter is booked in
	PreviousVisitAt *time.Time `json:"previous_visit_at,omitempty"` // moved: the time the patient was told before, now void
	Recipient       string     `json:"recipient,omitempty"`         // letter: the name in the window when not the patient's (guardians)
	RecipientFor    string     `json:"recipient_for,omitempty"`     // letter to guardians: the child's name
	Notice          string     `json:"notice,omitempty"`            // "" for the summons; NoticeCancelled for a cancellation notice
}

// NoticeCancelled marks a message that tells the patient their time is
// cancelled: VisitAt is the cancelled time.
const NoticeCancelled = "cancelled"

// CancelledText is what a cancellation notice says.
func (s Summons) CancelledText() string {
	return "Din tid " + VisitText(s.VisitAt) + " på " + s.Department + ", " + s.SiteName + ", är avbokad. " +
		"Kallelsen till " + s.ExamName + " gäller inte längre."
}

// ForRecipient is the summons as a letter to r: r's name and address in
// the window.
func (s Summons) ForRecipient(r Recipient) Summons {
	s.Address = r.Address
	if r.Name != s.PatientName {
		s.Recipient, s.RecipientFor = r.Name, r.For
	}
	return s
}

// IDLabel names the patient's identity number by its kind, as a letter
// prints it above the number.
func (s Summons) IDLabel() string {
	switch s.PatientIDKind {
	case "samordningsnummer":
		return "Samordningsnummer"
	case "reservnummer":
		return "Reservnummer"
	}
	return "Personnummer"
}

// VisitText is a visit time as the patient reads it: "torsdag 10 december
// 2026 klockan 09:30".
func VisitText(at time.Time) string {
	t := at.In(Stockholm)
	return fmt.Sprintf("%s %d %s %d klockan %s", SwedishWeekday(t), t.Day(), SwedishMonth(t), t.Year(), t.Format("15:04"))
}

// MovedText says that the time changed and the earlier one is void, or
// that the cancellation the patient was told of is.
func (s Summons) MovedText() string {
	switch {
	case s.CancelUndone:
		return "Avbokningen av din tid gäller inte längre: tiden står kvar. Den här kallelsen gäller."
	case s.PreviousVisitAt != nil:
		return "Din tid har flyttats. Den tidigare tiden, " + VisitText(*s.PreviousVisitAt) +
			", gäller inte längre. Den här kallelsen ersätter den tidigare."
	case s.Rebooked:
		return "Din tid har ändrats. Den här kallelsen ersätter den tidigare."
	}
	return ""
}

// InterpreterText says that an interpreter is booked, and in which language.
func (s Summons) InterpreterText() string {
	if s.Interpreter == "" {
		return ""
	}
	return "Vi har bokat tolk på " + s.Interpreter + " till ditt besök."
}

// RebookDeadline is how long before the visit the patient must rebook or
// cancel; the summons says so.
const RebookDeadline = 72 * time.Hour

// RebookNotice is the rule printed in every summons: changes at least 72
// hours before the visit.
const RebookNotice = "Om du behöver boka om eller avboka din tid ska du göra det senast 72 timmar före besöket."

// ComposeSummons builds the summons for booking b.
func ComposeSummons(b *Booking, p Patient, e Examination, s Site, c Clinic) Summons {
	return Summons{
		Department: c.Department, Region: c.Region, CareUnitHSAID: c.HSAID, ClinicPhone: c.Phone,
		PatientName: p.Name(), PatientID: p.ID().String(), Address: letterAddress(p),
		ExamCode: e.Code, ExamName: e.Name, Preparation: e.Preparation,
		VisitAt: b.visitAt.In(Stockholm), DurationMinutes: int(b.duration / time.Minute),
		SiteName: s.Name, SiteStreet: s.Street, SitePostalCode: s.PostalCode, SiteCity: s.City,
		DirectionsURL: s.DirectionsURL, Rebooked: b.rebookCount > 0 && !b.voidedVisit.IsZero(), // one the patient had
		PatientIDKind: p.ID().Kind().String(), Interpreter: p.Interpreter(), PreviousVisitAt: optTime(b.voidedVisit),
		CancelUndone: b.cancelUndone,
	}
}

// letterAddress is the patient's address for a summons: none at all for
// protected personal data, which is never printed or sent anywhere.
func letterAddress(p Patient) Address {
	if p.Protected() {
		return Address{}
	}
	return p.Address()
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	l := t.In(Stockholm)
	return &l
}

// Header is the subject line of the digital summons.
func (s Summons) Header() string {
	if s.Notice == NoticeCancelled {
		return "Avbokad tid: " + s.ExamName
	}
	return "Kallelse till " + s.ExamName
}

// Body is the plain-text body of the digital summons: the letter's content.
func (s Summons) Body() string {
	if s.Notice == NoticeCancelled {
		body := fmt.Sprintf("Hej %s!\n\n%s\n\n", s.PatientName, s.CancelledText())
		if s.ClinicPhone != "" {
			body += "Har du frågor, eller vill du ha en ny tid, kan du ringa oss på " + s.ClinicPhone + ".\n"
		}
		return body + "\nMed vänlig hälsning\n" + s.Department + ", " + s.Region + "\n"
	}
	body := fmt.Sprintf("Hej %s!\n\n", s.PatientName)
	if moved := s.MovedText(); moved != "" {
		body += moved + "\n\n"
	}
	body += fmt.Sprintf("Du är välkommen till %s, %s, för %s.\n\n", s.Department, s.SiteName, s.ExamName)
	body += "Tid: " + VisitText(s.VisitAt) + "\n"
	body += fmt.Sprintf("Plats: %s, %s, %s %s\n", s.SiteName, s.SiteStreet, postalDisplay(s.SitePostalCode), s.SiteCity)
	body += fmt.Sprintf("Besöket tar cirka %d minuter.\n\n", s.DurationMinutes)
	if it := s.InterpreterText(); it != "" {
		body += it + "\n\n"
	}
	if s.Preparation != "" {
		body += "Förberedelser: " + s.Preparation + "\n\n"
	}
	if s.DirectionsURL != "" {
		body += "Hitta hit: " + s.DirectionsURL + "\n\n"
	}
	body += RebookNotice + "\n"
	if s.ClinicPhone != "" {
		body += "Har du frågor kan du ringa oss på " + s.ClinicPhone + ".\n"
	}
	body += "\nVälkommen!\n" + s.Department + ", " + s.Region + "\n"
	return body
}

func postalDisplay(pc string) string { return Address{PostalCode: pc}.PostalCodeDisplay() }

var (
	swedishWeekdays = [...]string{"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"}
	swedishMonths   = [...]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
		"september", "oktober", "november", "december"}
)

// SwedishWeekday names t's weekday in Swedish, lower case.
func SwedishWeekday(t time.Time) string { return swedishWeekdays[t.In(Stockholm).Weekday()] }

// SwedishMonth names t's month in Swedish, lower case.
func SwedishMonth(t time.Time) string { return swedishMonths[t.In(Stockholm).Month()-1] }

// ReminderText is the SMS reminder (R5). It names the department, the site,
// the date and the time — never the examination or anything medical, because
// an SMS can be read by anyone holding the phone.
func ReminderText(visitAt time.Time, s Site, c Clinic, guardian bool) string {
	t := visitAt.In(Stockholm)
	who := "Du har"
	if guardian {
		who = "Ditt barn har" // the guardian reads it: not their own time
	}
	text := fmt.Sprintf("Påminnelse: %s en tid hos %s, %s, %s %d %s kl. %s.",
		who, c.Department, s.Name, SwedishWeekday(t), t.Day(), SwedishMonth(t), t.Format("15:04"))
	if c.Phone != "" {
		text += " Frågor eller ombokning: ring " + c.Phone + "."
	}
	return text + " Svara inte på detta sms."
}

// CancelledSMSText tells by SMS that a time is cancelled: department, site,
// date and time, never the examination (see ReminderText).
func CancelledSMSText(visitAt time.Time, s Site, c Clinic, guardian bool) string {
	t := visitAt.In(Stockholm)
	whose := "Din tid"
	if guardian {
		whose = "Ditt barns tid"
	}
	text := fmt.Sprintf("%s hos %s, %s, %s %d %s kl. %s är avbokad.",
		whose, c.Department, s.Name, SwedishWeekday(t), t.Day(), SwedishMonth(t), t.Format("15:04"))
	if c.Phone != "" {
		text += " Frågor: ring " + c.Phone + "."
	}
	return text + " Svara inte på detta sms."
}

// MessageKind is the outside system a message goes to.
type MessageKind string

// The message kinds.
const (
	MessageInbox  MessageKind = "inbox"  // 1177 Inkorg
	MessageSMS    MessageKind = "sms"    // SMS gateway
	MessageLetter MessageKind = "letter" // paper letter, via the print folder
)

// Purpose says why a message is sent; letters record it (never print it).
type Purpose string

// The purposes.
const (
	PurposeSummons        Purpose = "summons"          // the summons itself (digital, or paper when paper is chosen)
	PurposeFallback       Purpose = "fallback"         // R4: unopened after 3 days
	PurposeFallbackByHand Purpose = "fallback_by_hand" // R4: staff sent the paper letter by hand
	PurposeReminder4d     Purpose = "reminder_4d"      // R5
	PurposeReminder1d     Purpose = "reminder_1d"      // R5
	PurposeReminderByHand Purpose = "reminder_by_hand" // staff sent a reminder by hand
	PurposeCancellation   Purpose = "cancellation"     // the time is cancelled and the summons void
	PurposeWithdraw       Purpose = "withdraw"         // take a letter not yet printed out of the print queue
)

// AllPurposes lists every purpose, for the words each needs.
var AllPurposes = []Purpose{PurposeSummons, PurposeFallback, PurposeFallbackByHand, PurposeReminder4d,
	PurposeReminder1d, PurposeReminderByHand, PurposeCancellation, PurposeWithdraw}

// Message is one outgoing effect — an inbox message, an SMS or a letter —
// recorded in the outbox in the same transaction as the decision that
// caused it. Its ID is stable, so every adapter can deliver it idempotently.
type Message struct {
	ID        string      `json:"id"`
	Booking   BookingID   `json:"booking"`
	Kind      MessageKind `json:"kind"`
	Purpose   Purpose     `json:"purpose"`
	Reasons   []Reason    `json:"reasons,omitempty"` // letters: why paper (R3)
	CreatedAt time.Time   `json:"created_at"`

	// Inbox and letter.
	SubjectOfCareID string   `json:"subject_of_care_id,omitempty"` // canonical identity number
	Notify          bool     `json:"notify,omitempty"`             // inbox: ask 1177 to notify the patient
	Summons         *Summons `json:"summons,omitempty"`

	// SMS.
	To   string `json:"to,omitempty"` // E.164
	Text string `json:"text,omitempty"`

	// Withdrawal (kind letter, purpose withdraw): the letter taken out of
	// the print queue, and the day folder it is filed under.
	Withdraws string `json:"withdraws,omitempty"`
	LetterDay string `json:"letter_day,omitempty"`

	// NotBefore holds the message in the outbox until then: an SMS decided
	// in the quiet hours goes when they end.
	NotBefore time.Time `json:"not_before,omitzero"`
}

// ReceiptType is what 1177 reports about a message (R6).
type ReceiptType string

// The receipt types.
const (
	ReceiptDelivered       ReceiptType = "delivered"
	ReceiptOpened          ReceiptType = "opened"
	ReceiptRebookRequested ReceiptType = "rebook_requested"
	ReceiptCancelRequested ReceiptType = "cancel_requested"
)

// ParseReceiptType reads a receipt type from its stable code.
func ParseReceiptType(s string) (ReceiptType, error) {
	switch t := ReceiptType(s); t {
	case ReceiptDelivered, ReceiptOpened, ReceiptRebookRequested, ReceiptCancelRequested:
		return t, nil
	}
	return "", fmt.Errorf("unknown receipt type %q", s)
}

// Receipt is one report from 1177 about one message, at the instant it
// carries. Receipts arrive late, twice or out of order; the store applies
// each (message, type) once.
type Receipt struct {
	MessageID string      `json:"message_id"`
	Type      ReceiptType `json:"type"`
	At        time.Time   `json:"at"`
}

// MaxMessageIDLength bounds a message id, in a receipt or a spool file name.
const MaxMessageIDLength = 128

// CheckMessageID accepts a plain token fit for a file name: ASCII letters,
// digits, '-', '_' and '.', starting with a letter or digit. Every adapter
// that names a file by message id, or reads one back, checks with this.
func CheckMessageID(id string) error {
	if id == "" {
		return errors.New("empty")
	}
	if len(id) > MaxMessageIDLength {
		return fmt.Errorf("%d characters; at most %d", len(id), MaxMessageIDLength)
	}
	for i, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '_' || c == '.':
			if i == 0 {
				return fmt.Errorf("%q must start with a letter or digit", id)
			}
		default:
			return fmt.Errorf("%q contains %q; only ASCII letters, digits, '-', '_' and '.' are allowed", id, c)
		}
	}
	return nil
}

// SentMessage is what the store knows of a message it sent: a receipt is
// checked against it.
type SentMessage struct {
	ID        string
	Kind      MessageKind
	Purpose   Purpose
	CreatedAt time.Time // when the message was decided (and sent)
}

// ReceiptClockSkew is how far a receipt's instant may lie before the
// sending, or after now, and still be believed: the integration engine's
// clock and ours agree to within seconds, not hours.
const ReceiptClockSkew = 5 * time.Minute

// ErrReceiptInstant is wrapped by the reasons a receipt's instant cannot be
// true; such a receipt is quarantined with the reason, never applied.
var ErrReceiptInstant = errors.New("receipt instant cannot be true")

// CheckReceiptInstant checks a receipt's instant against the message it
// answers and the clock: a message cannot be delivered or opened before it
// was sent, nor in the future, nor before 1970. Trusting such an instant
// would, for instance, cancel the paper fallback of a patient who never
// opened the summons.
func CheckReceiptInstant(r Receipt, m SentMessage, now time.Time) error {
	at := r.At.In(Stockholm).Format(time.RFC3339)
	switch {
	case r.At.Before(time.Unix(0, 0)):
		at := r.At.Format(time.RFC3339)
		return &ReceiptProblem{Reason: fmt.Sprintf("%s: %s is before 1970", ErrReceiptInstant, at),
			Code: ReceiptBefore1970, Args: []string{at}}
	case !m.CreatedAt.IsZero() && r.At.Before(m.CreatedAt.Add(-ReceiptClockSkew)):
		sent := m.CreatedAt.In(Stockholm).Format(time.RFC3339)
		return &ReceiptProblem{Reason: fmt.Sprintf("%s: %s %s is before the message was sent (%s)", ErrReceiptInstant, r.Type, at, sent),
			Code: ReceiptBeforeSent, Args: []string{string(r.Type), at, sent}}
	case r.At.After(now.Add(ReceiptClockSkew)):
		now := now.In(Stockholm).Format(time.RFC3339)
		return &ReceiptProblem{Reason: fmt.Sprintf("%s: %s %s is in the future (now %s)", ErrReceiptInstant, r.Type, at, now),
			Code: ReceiptInFuture, Args: []string{string(r.Type), at, now}}
	}
	return nil
}
