package domain

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrInvalidPatient is wrapped by every patient validation error.
var ErrInvalidPatient = errors.New("invalid patient")

// Address is a Swedish postal address as printed in a window envelope.
type Address struct {
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"` // five digits, no space
	City       string `json:"city"`
}

// IsZero reports whether no address is known (e.g. protected identity).
func (a Address) IsZero() bool { return a == Address{} }

// PostalCodeDisplay is the postal code as written on a letter: "553 05".
func (a Address) PostalCodeDisplay() string {
	if len(a.PostalCode) == 5 {
		return a.PostalCode[:3] + " " + a.PostalCode[3:]
	}
	return a.PostalCode
}

// Patient is what the channel policy and the letters need to know about a
// person. Build it with NewPatient, which validates; the fields are read-only
// afterwards through the accessors.
type Patient struct {
	id                   IdentityNumber
	name                 string
	address              Address
	phone                string // E.164 (+46...), empty when unknown
	interpreter          string // language, empty when no interpreter is needed
	has1177Account       bool
	notificationsEnabled bool
	smsReminders         bool
}

// PatientInput carries the fields of a patient before validation.
type PatientInput struct {
	ID                   IdentityNumber
	Name                 string
	Address              Address
	Phone                string
	Interpreter          string
	Has1177Account       bool
	NotificationsEnabled bool
	SMSReminders         bool
}

// NewPatient validates in and returns the patient. Errors name the field.
func NewPatient(in PatientInput) (Patient, error) {
	fail := func(format string, args ...any) (Patient, error) {
		return Patient{}, fmt.Errorf("%w: %s", ErrInvalidPatient, fmt.Sprintf(format, args...))
	}
	if in.ID.IsZero() {
		return fail("identity number missing")
	}
	name := strings.Join(strings.Fields(in.Name), " ")
	if name == "" {
		return fail("name missing")
	}
	addr := Address{
		Street: strings.Join(strings.Fields(in.Address.Street), " "),
		City:   strings.Join(strings.Fields(in.Address.City), " "),
	}
	pc := strings.ReplaceAll(in.Address.PostalCode, " ", "")
	if addr.Street != "" || pc != "" || addr.City != "" {
		if addr.Street == "" || pc == "" || addr.City == "" {
			return fail("address incomplete: street, postal code and city go together (leave all three empty when no address is known)")
		}
		if len(pc) != 5 || !allDigits(pc) {
			return fail("postal code %q is not five digits", in.Address.PostalCode)
		}
		addr.PostalCode = pc
	}
	phone := ""
	if strings.TrimSpace(in.Phone) != "" {
		p, err := NormalizePhone(in.Phone)
		if err != nil {
			return fail("%v", err)
		}
		phone = p
	}
	if in.SMSReminders && !IsSwedishMobile(phone) {
		if phone == "" {
			return fail("SMS reminders wanted but no mobile number given")
		}
		return fail("SMS reminders wanted but %s is not a Swedish mobile number (07x)", phone)
	}
	if in.NotificationsEnabled && !in.Has1177Account {
		return fail("notifications cannot be on without a 1177 account")
	}
	return Patient{
		id:                   in.ID,
		name:                 name,
		address:              addr,
		phone:                phone,
		interpreter:          strings.TrimSpace(in.Interpreter),
		has1177Account:       in.Has1177Account,
		notificationsEnabled: in.NotificationsEnabled,
		smsReminders:         in.SMSReminders,
	}, nil
}

// NormalizePhone turns a Swedish phone number as people write it
// ("070-123 45 67", "0046 70 123 45 67", "+46701234567") into E.164.
func NormalizePhone(s string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("phone number %q: unexpected character %q", s, r)
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "+46"):
		d = d[3:]
	case strings.HasPrefix(d, "0046"):
		d = d[4:]
	case strings.HasPrefix(d, "+"):
		return "", fmt.Errorf("phone number %q: only Swedish numbers (+46) are supported", s)
	case strings.HasPrefix(d, "0"):
		d = d[1:]
	default:
		return "", fmt.Errorf("phone number %q: expected a leading 0 or +46", s)
	}
	d = strings.TrimPrefix(d, "0") // "+46 (0)70..."
	if len(d) < 7 || len(d) > 9 {
		return "", fmt.Errorf("phone number %q: wrong number of digits", s)
	}
	return "+46" + d, nil
}

// IsSwedishMobile reports whether an E.164 number is a Swedish mobile (07x).
func IsSwedishMobile(e164 string) bool {
	return strings.HasPrefix(e164, "+467") && len(e164) == 12
}

// ID is the patient's identity number.
func (p Patient) ID() IdentityNumber { return p.id }

// Name is the patient's full name.
func (p Patient) Name() string { return p.name }

// Address is the postal address; zero when none is known.
func (p Patient) Address() Address { return p.address }

// Phone is the E.164 phone number, empty when unknown.
func (p Patient) Phone() string { return p.phone }

// Interpreter is the language the patient needs an interpreter for, or "".
func (p Patient) Interpreter() string { return p.interpreter }

// NeedsInterpreter reports whether an interpreter language is recorded.
func (p Patient) NeedsInterpreter() bool { return p.interpreter != "" }

// Has1177Account reports whether the patient has ever logged in to 1177.
func (p Patient) Has1177Account() bool { return p.has1177Account }

// NotificationsEnabled reports whether 1177 notifies the patient (SMS or
// e-mail) of new inbox messages.
func (p Patient) NotificationsEnabled() bool { return p.notificationsEnabled }

// SMSReminders reports whether the patient consented to SMS reminders.
func (p Patient) SMSReminders() bool { return p.smsReminders }

// Input returns the patient's fields, to change some and validate again.
func (p Patient) Input() PatientInput {
	return PatientInput{
		ID: p.id, Name: p.name, Address: p.address, Phone: p.phone, Interpreter: p.interpreter,
		Has1177Account: p.has1177Account, NotificationsEnabled: p.notificationsEnabled, SMSReminders: p.smsReminders,
	}
}

// PatientSnapshot is a patient's persistent form.
type PatientSnapshot struct {
	ID                   string  `json:"id"`
	Kind                 string  `json:"kind"`
	Name                 string  `json:"name"`
	Address              Address `json:"address"`
	Phone                string  `json:"phone,omitempty"`
	Interpreter          string  `json:"interpreter,omitempty"`
	Has1177Account       bool    `json:"has_1177_account"`
	NotificationsEnabled bool    `json:"notifications_enabled"`
	SMSReminders         bool    `json:"sms_reminders"`
}

// Snapshot returns the patient's persistent form.
func (p Patient) Snapshot() PatientSnapshot {
	return PatientSnapshot{
		ID: p.id.Canonical(), Kind: p.id.Kind().String(), Name: p.name, Address: p.address,
		Phone: p.phone, Interpreter: p.interpreter, Has1177Account: p.has1177Account,
		NotificationsEnabled: p.notificationsEnabled, SMSReminders: p.smsReminders,
	}
}

// RehydratePatient rebuilds a patient from storage. Only the identity number
// is checked; the patient was validated when it was stored.
func RehydratePatient(s PatientSnapshot) (Patient, error) {
	kind, err := ParseIdentityKind(s.Kind)
	if err != nil {
		return Patient{}, err
	}
	id, err := RehydrateIdentity(s.ID, kind)
	if err != nil {
		return Patient{}, err
	}
	// No validation rule runs here: a rule tightened after the patient was
	// stored must not make the record unreadable.
	return Patient{
		id: id, name: s.Name, address: s.Address, phone: s.Phone, interpreter: s.Interpreter,
		has1177Account: s.Has1177Account, notificationsEnabled: s.NotificationsEnabled, smsReminders: s.SMSReminders,
	}, nil
}
