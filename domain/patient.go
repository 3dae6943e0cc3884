package domain

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrInvalidPatient is wrapped by every patient validation error.
var ErrInvalidPatient = errors.New("invalid patient")

// Why a patient is invalid, each wrapped with ErrInvalidPatient, so that a
// screen can say it in the staff's language.
var (
	ErrNameMissing            = errors.New("name missing")
	ErrAddressIncomplete      = errors.New("address incomplete: street, postal code and city go together (leave all three empty when no address is known)")
	ErrPostalCode             = errors.New("postal code is not five digits")
	ErrPhone                  = errors.New("not a Swedish phone number")
	ErrSMSWithoutMobile       = errors.New("SMS reminders wanted but no mobile number given")
	ErrNotificationsNoAccount = errors.New("notifications cannot be on without a 1177 account")
)

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
	protected            bool       // sekretessmarkering or skyddad folkbokföring
	paperDeclined        bool       // chose in 1177 not to get letters by post
	guardians            []Guardian // who reads a child's summons; at most two
}

// Guardian is a parent or other guardian of a child patient: the child's
// letters go to them, the child's SMS to their phone.
type Guardian struct {
	Name    string  `json:"name"`
	Address Address `json:"address"`
	Phone   string  `json:"phone,omitempty"` // E.164
}

// MaxGuardians is how many guardians a patient may have recorded.
const MaxGuardians = 2

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
	Protected            bool
	PaperDeclined        bool
	Guardians            []Guardian
}

// NewPatient validates in and returns the patient. Errors name the field.
func NewPatient(in PatientInput) (Patient, error) {
	fail := func(format string, args ...any) (Patient, error) {
		return Patient{}, fmt.Errorf("%w: %w", ErrInvalidPatient, fmt.Errorf(format, args...))
	}
	if in.ID.IsZero() {
		return fail("identity number missing")
	}
	if err := checkPatientTexts(in); err != nil {
		return Patient{}, err
	}
	name := strings.Join(strings.Fields(in.Name), " ")
	if name == "" {
		return fail("%w", ErrNameMissing)
	}
	addr, err := normalizeAddress(in.Address)
	if err != nil {
		return fail("%w", err)
	}
	phone := ""
	if strings.TrimSpace(in.Phone) != "" {
		p, err := NormalizePhone(in.Phone)
		if err != nil {
			return fail("%w: %v", ErrPhone, err)
		}
		phone = p
	}
	if len(in.Guardians) > MaxGuardians {
		return fail("%d guardians; at most %d are recorded", len(in.Guardians), MaxGuardians)
	}
	var guardians []Guardian
	for i, g := range in.Guardians {
		ng, err := normalizeGuardian(g)
		if err != nil {
			return fail("%w", &GuardianError{N: i + 1, Err: err})
		}
		guardians = append(guardians, ng)
	}
	// A child's reminders may go to a guardian's mobile (SMSNumber).
	if in.SMSReminders && !smsReachable(in) {
		if phone == "" {
			return fail("%w", ErrSMSWithoutMobile)
		}
		return fail("%w", worded{fmt.Sprintf("SMS reminders wanted but %s is not a Swedish mobile number (07x and ten digits)", phone), ErrSMSWithoutMobile})
	}
	if in.NotificationsEnabled && !in.Has1177Account {
		return fail("%w", ErrNotificationsNoAccount)
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
		protected:            in.Protected,
		paperDeclined:        in.PaperDeclined,
		guardians:            guardians,
	}, nil
}

// normalizeAddress checks that street, postal code and city go together,
// and writes the postal code without its space.
func normalizeAddress(a Address) (Address, error) {
	out := Address{Street: strings.Join(strings.Fields(a.Street), " "), City: strings.Join(strings.Fields(a.City), " ")}
	pc := strings.ReplaceAll(a.PostalCode, " ", "")
	if out.Street == "" && pc == "" && out.City == "" {
		return Address{}, nil
	}
	if out.Street == "" || pc == "" || out.City == "" {
		return Address{}, ErrAddressIncomplete
	}
	if len(pc) != 5 || !allDigits(pc) {
		return Address{}, fmt.Errorf("%w: %q", ErrPostalCode, a.PostalCode)
	}
	out.PostalCode = pc
	return out, nil
}

// GuardianError is why guardian N (1, 2) of a patient is refused.
type GuardianError struct {
	N   int
	Err error
}

func (e *GuardianError) Error() string { return fmt.Sprintf("guardian %d: %v", e.N, e.Err) }
func (e *GuardianError) Unwrap() error { return e.Err }

func normalizeGuardian(g Guardian) (Guardian, error) {
	name := strings.Join(strings.Fields(g.Name), " ")
	if name == "" {
		return Guardian{}, ErrNameMissing
	}
	addr, err := normalizeAddress(g.Address)
	if err != nil {
		return Guardian{}, err
	}
	phone := ""
	if strings.TrimSpace(g.Phone) != "" {
		if phone, err = NormalizePhone(g.Phone); err != nil {
			return Guardian{}, err
		}
	}
	return Guardian{Name: name, Address: addr, Phone: phone}, nil
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

// Protected reports protected personal data (sekretessmarkering, skyddad
// folkbokföring): no address of theirs is printed or exported, a letter is
// handed over by the unit's own routine, and the digital channel is
// preferred where it exists.
func (p Patient) Protected() bool { return p.protected }

// PaperDeclined reports the patient's choice in 1177 not to get letters by
// post: no letter goes, and staff phone where the digital summons fails.
func (p Patient) PaperDeclined() bool { return p.paperDeclined }

// Guardians are who read a child's summons.
func (p Patient) Guardians() []Guardian { return append([]Guardian(nil), p.guardians...) }

// Input returns the patient's fields, to change some and validate again.
func (p Patient) Input() PatientInput {
	return PatientInput{
		ID: p.id, Name: p.name, Address: p.address, Phone: p.phone, Interpreter: p.interpreter,
		Has1177Account: p.has1177Account, NotificationsEnabled: p.notificationsEnabled, SMSReminders: p.smsReminders,
		Protected: p.protected, PaperDeclined: p.paperDeclined, Guardians: p.Guardians(),
	}
}

// PatientFields names parts of a patient's data, for an import whose file
// carries only some of them.
type PatientFields uint16

// The parts of a patient's data a file may leave out. An address is one
// part (street, postal code and city go together); each of the two
// guardians has a name, an address and a phone.
const (
	FieldAddress PatientFields = 1 << iota
	FieldPhone
	FieldInterpreter
	Field1177Account
	FieldNotifications
	FieldSMSReminders
	FieldProtected
	FieldPaperDeclined
	FieldGuardian1Name
	FieldGuardian1Address
	FieldGuardian1Phone
	FieldGuardian2Name
	FieldGuardian2Address
	FieldGuardian2Phone
)

// FieldGuardians are the guardians' parts; a file with none of their
// columns keeps them all.
const FieldGuardians = FieldGuardian1Name | FieldGuardian1Address | FieldGuardian1Phone |
	FieldGuardian2Name | FieldGuardian2Address | FieldGuardian2Phone

// KeepFrom is the rule for an import that leaves parts out: what the file
// has no column for stays as stored for a known patient (a file without
// the protected column must never lift a patient's protection, one without
// the address columns erase the address, one with a guardian's name alone
// erase that guardian's phone), and is empty for a new one (stored is nil).
// What the file says implies the rest: an account closed turns its
// notifications off, and SMS reminders end without a mobile number, where
// the file says nothing of them.
//
// When keep names a guardian's part, in.Guardians holds the file's two
// guardians in their order, empty where the file has none; the result
// holds those with anything in them.
func (in PatientInput) KeepFrom(stored *Patient, keep PatientFields) PatientInput {
	if keep == 0 {
		return in
	}
	var had PatientInput
	if stored != nil {
		had = stored.Input()
	}
	kept := func(f PatientFields) bool { return keep&f != 0 }
	if kept(FieldAddress) {
		in.Address = had.Address
	}
	if kept(FieldPhone) {
		in.Phone = had.Phone
	}
	if kept(FieldInterpreter) {
		in.Interpreter = had.Interpreter
	}
	if kept(Field1177Account) {
		in.Has1177Account = had.Has1177Account
	}
	if kept(FieldNotifications) {
		in.NotificationsEnabled = had.NotificationsEnabled && in.Has1177Account
	}
	if kept(FieldProtected) {
		in.Protected = had.Protected
	}
	if kept(FieldPaperDeclined) {
		in.PaperDeclined = had.PaperDeclined
	}
	if keep&FieldGuardians != 0 {
		var slots [2]Guardian
		copy(slots[:], in.Guardians)
		if keep&FieldGuardians == FieldGuardians {
			slots = [2]Guardian{}
		}
		for i, f := range [2][3]PatientFields{
			{FieldGuardian1Name, FieldGuardian1Address, FieldGuardian1Phone},
			{FieldGuardian2Name, FieldGuardian2Address, FieldGuardian2Phone},
		} {
			var old Guardian
			if i < len(had.Guardians) {
				old = had.Guardians[i]
			}
			if kept(f[0]) {
				slots[i].Name = old.Name
			}
			if kept(f[1]) {
				slots[i].Address = old.Address
			}
			if kept(f[2]) {
				slots[i].Phone = old.Phone
			}
		}
		in.Guardians = nil
		for _, g := range slots {
			if g.Name != "" || g.Phone != "" || !g.Address.IsZero() {
				in.Guardians = append(in.Guardians, g)
			}
		}
	}
	if kept(FieldSMSReminders) {
		in.SMSReminders = had.SMSReminders && smsReachable(in)
	}
	return in
}

// smsReachable is the rule that SMS reminders need a Swedish mobile to go
// to: the patient's, or a guardian's (a child's, SMSNumber). NewPatient
// refuses consent without one; KeepFrom lets kept consent end without one.
func smsReachable(in PatientInput) bool {
	mobile := func(phone string) bool {
		n, err := NormalizePhone(phone)
		return err == nil && IsSwedishMobile(n)
	}
	if mobile(in.Phone) {
		return true
	}
	for _, g := range in.Guardians {
		if mobile(g.Phone) {
			return true
		}
	}
	return false
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

	Protected     bool       `json:"protected,omitempty"`
	PaperDeclined bool       `json:"paper_declined,omitempty"`
	Guardians     []Guardian `json:"guardians,omitempty"`
}

// Equal reports whether two snapshots hold the same patient data.
func (s PatientSnapshot) Equal(o PatientSnapshot) bool {
	if len(s.Guardians) != len(o.Guardians) {
		return false
	}
	for i := range s.Guardians {
		if s.Guardians[i] != o.Guardians[i] {
			return false
		}
	}
	a, b := s, o
	a.Guardians, b.Guardians = nil, nil
	return a.ID == b.ID && a.Kind == b.Kind && a.Name == b.Name && a.Address == b.Address && a.Phone == b.Phone &&
		a.Interpreter == b.Interpreter && a.Has1177Account == b.Has1177Account && a.NotificationsEnabled == b.NotificationsEnabled &&
		a.SMSReminders == b.SMSReminders && a.Protected == b.Protected && a.PaperDeclined == b.PaperDeclined
}

// Snapshot returns the patient's persistent form.
func (p Patient) Snapshot() PatientSnapshot {
	return PatientSnapshot{
		ID: p.id.Canonical(), Kind: p.id.Kind().String(), Name: p.name, Address: p.address,
		Phone: p.phone, Interpreter: p.interpreter, Has1177Account: p.has1177Account,
		NotificationsEnabled: p.notificationsEnabled, SMSReminders: p.smsReminders,
		Protected: p.protected, PaperDeclined: p.paperDeclined, Guardians: p.Guardians(),
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
		protected: s.Protected, paperDeclined: s.PaperDeclined, guardians: append([]Guardian(nil), s.Guardians...),
	}, nil
}

// worded is an error with its own words that still is the sentinel it wraps.
type worded struct {
	text string
	err  error
}

func (w worded) Error() string { return w.text }
func (w worded) Unwrap() error { return w.err }
