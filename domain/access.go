package domain

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Role is what a member of staff is there to do. The roster gives each user
// one; the use cases ask the role, never the screen. The zero value is no
// role and may do nothing.
type Role string

// The roles of the department.
const (
	// RoleSekreterare books and follows examinations: patients, bookings,
	// every action on them, the print queue.
	RoleSekreterare Role = "sekreterare"
	// RoleKoordinator follows the pilot: the overview and the reports, and
	// the bookings behind a figure only where the roster allows it.
	RoleKoordinator Role = "koordinator"
	// RoleAdmin may do everything, and is the only one who reads the access
	// log and the configuration.
	RoleAdmin Role = "admin"
)

// Roles lists the roles in the order the README and the roster name them.
var Roles = []Role{RoleSekreterare, RoleKoordinator, RoleAdmin}

// ParseRole reads a role as the roster writes it.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("%q is not a role (sekreterare, koordinator, admin)", s)
}

// Permission is one right a use case checks before it reads or changes
// anything. The zero value is no permission.
type Permission int

// The rights. Each use case needs exactly one.
const (
	_ Permission = iota
	// PermPatientData reads patients, bookings and their history.
	PermPatientData
	// PermBook books, cancels, rebooks, records outcomes, sends a letter or
	// an SMS by hand and closes phone tasks.
	PermBook
	// PermImport adds and updates patients.
	PermImport
	// PermPrint reads the print queue, writes the day's batch and marks it printed.
	PermPrint
	// PermDeliveries retries a failing delivery and puts a quarantined
	// receipt back.
	PermDeliveries
	// PermReports reads the coordinators' figures (no patient in them).
	PermReports
	// PermDrillDown lists the summonses behind a figure.
	PermDrillDown
	// PermAuditLog reads the access log.
	PermAuditLog
	// PermConfig reads the configuration and the roster.
	PermConfig
	// PermOperate runs the loop by hand, plays 1177 for training, rebuilds
	// the reports and lists who is connected.
	PermOperate
	// PermPatientLists reads patients and bookings in bulk: the bookings
	// list and its search, the attention page, and the CLI's exports
	// (booking list, patient list). A koordinator with drill-down reads
	// the bookings behind a figure and each one opened (PermPatientData),
	// never the register.
	PermPatientLists
)

var permNames = map[Permission]string{
	PermPatientData: "read patient data", PermBook: "change bookings", PermImport: "import patients",
	PermPrint: "use the print queue", PermDeliveries: "retry deliveries", PermReports: "read the reports",
	PermDrillDown: "see the bookings behind a figure", PermAuditLog: "read the access log",
	PermConfig: "read the configuration", PermOperate: "operate the server",
	PermPatientLists: "list or export patients and bookings",
}

// String names the right in the words of an error message.
func (p Permission) String() string {
	if n, ok := permNames[p]; ok {
		return n
	}
	return fmt.Sprintf("permission %d", int(p))
}

// rights is the one table of what each role may do. A koordinator's
// drill-down (PermDrillDown, and with it opening a booking behind a figure:
// Principal.OpenBooking) comes from the roster, see Principal.May.
var rights = map[Role][]Permission{
	RoleSekreterare: {PermPatientData, PermPatientLists, PermBook, PermImport, PermPrint, PermDeliveries},
	RoleKoordinator: {PermReports},
	RoleAdmin: {PermPatientData, PermPatientLists, PermBook, PermImport, PermPrint, PermDeliveries, PermReports,
		PermDrillDown, PermAuditLog, PermConfig, PermOperate},
}

// Principal is who acts: the roster's user name (recorded as the actor of
// every event and access-log entry), the name people read, and the role.
type Principal struct {
	User      string
	Name      string
	Role      Role
	DrillDown bool // koordinator: may see the bookings behind a figure
}

// IsZero reports whether nobody is set; nobody may do anything.
func (p Principal) IsZero() bool { return p.User == "" }

// May reports whether the principal has the right: the role's rights, and
// for a koordinator whom the roster allows drill-down, the summonses behind
// a figure. Opening one of them is OpenBooking's rule, not a right to read
// any patient's data.
func (p Principal) May(perm Permission) bool {
	if p.IsZero() {
		return false
	}
	for _, q := range rights[p.Role] {
		if q == perm {
			return true
		}
	}
	return p.Role == RoleKoordinator && p.DrillDown && perm == PermDrillDown
}

// ErrBehindNoFigure is returned when someone whose only way to a booking is
// drill-down opens one that no figure of the overview counts.
var ErrBehindNoFigure = fmt.Errorf("%w: the booking is behind no figure of the overview", ErrForbidden)

// OpenBooking is the rule for opening one booking with its patient and
// history, and the action the look is logged as: whoever may read patient
// data opens any booking (AccessViewBooking); a koordinator with drill-down
// only one behind a figure — its summons counted in the overview — and the
// look is logged as reached from a figure (AccessDrillDown); anyone else
// none. So drill-down never becomes a way to read any booking by its number
// (README, "Serving the department": the bookings behind a figure and each
// one opened).
func (p Principal) OpenBooking(behindAFigure bool) (AccessAction, error) {
	switch {
	case p.May(PermPatientData):
		return AccessViewBooking, nil
	case p.May(PermDrillDown) && behindAFigure:
		return AccessDrillDown, nil
	case p.May(PermDrillDown):
		return "", ErrBehindNoFigure
	}
	return "", p.Require(PermPatientData)
}

// Require is May as an error: a *ForbiddenError wrapping ErrForbidden.
func (p Principal) Require(perm Permission) error {
	if p.May(perm) {
		return nil
	}
	return &ForbiddenError{User: p.User, Role: p.Role, Perm: perm}
}

// ErrForbidden is returned when the acting user's role does not allow what
// was asked, whatever the client sent.
var ErrForbidden = errors.New("not allowed")

// ForbiddenError says who was refused what.
type ForbiddenError struct {
	User string
	Role Role
	Perm Permission
}

func (e *ForbiddenError) Error() string {
	if e.User == "" {
		return fmt.Sprintf("not allowed to %s: no user", e.Perm)
	}
	return fmt.Sprintf("%s (%s) is not allowed to %s", e.User, e.Role, e.Perm)
}

func (e *ForbiddenError) Unwrap() error { return ErrForbidden }

// StaffMember is one entry of the roster: a named person, the role, and the
// SSH keys (as SHA256 fingerprints) by which they connect to the server.
type StaffMember struct {
	User      string   // login name in the roster, recorded as the actor
	Name      string   // display name
	Role      Role     //
	DrillDown bool     // koordinator only
	OSUser    string   // the operating-system login mapped to this member locally; default User
	Keys      []string // SHA256 fingerprints of the authorised public keys ("SHA256:…")
}

// Principal is the member as the use cases see them.
func (m StaffMember) Principal() Principal {
	name := m.Name
	if name == "" {
		name = m.User
	}
	return Principal{User: m.User, Name: name, Role: m.Role, DrillDown: m.DrillDown}
}

var userNameRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,31}$`)

// ReservedUsers are actor names the system records for itself; no person
// may take them.
var ReservedUsers = []string{SystemActor, SystemActor1177}

// Roster is the department's staff: who may connect, as whom, in which role.
// One that exists is valid: user names unique and well formed, every role
// known, no key given to two people.
type Roster struct {
	members []StaffMember
	byUser  map[string]int
	byKey   map[string]int
	byOS    map[string]int
}

// NewRoster validates the members and indexes them by user, key and
// operating-system login.
func NewRoster(ms []StaffMember) (Roster, error) {
	r := Roster{byUser: map[string]int{}, byKey: map[string]int{}, byOS: map[string]int{}}
	sorted := append([]StaffMember(nil), ms...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].User < sorted[j].User })
	for i, m := range sorted {
		if !userNameRE.MatchString(m.User) {
			return Roster{}, fmt.Errorf("staff %q: a user name is 1–32 lower-case letters, digits, '.', '_' or '-', starting with a letter", m.User)
		}
		for _, res := range ReservedUsers {
			if m.User == res {
				return Roster{}, fmt.Errorf("staff %q: the name is reserved for the system", m.User)
			}
		}
		if _, err := ParseRole(string(m.Role)); err != nil {
			return Roster{}, fmt.Errorf("staff.%s.role: %w", m.User, err)
		}
		if m.DrillDown && m.Role != RoleKoordinator {
			return Roster{}, fmt.Errorf("staff.%s.drill_down: only a koordinator's drill-down is set in the roster (%s has it or not by role)", m.User, m.Role)
		}
		if _, dup := r.byUser[m.User]; dup {
			return Roster{}, fmt.Errorf("staff %q twice", m.User)
		}
		r.byUser[m.User] = i
		os := m.OSUser
		if os == "" {
			os = m.User
		}
		if j, dup := r.byOS[os]; dup {
			return Roster{}, fmt.Errorf("staff.%s.os_user: login %q is already %s's", m.User, os, sorted[j].User)
		}
		r.byOS[os] = i
		for _, k := range m.Keys {
			if !strings.HasPrefix(k, "SHA256:") {
				return Roster{}, fmt.Errorf("staff.%s.keys: %q is not a SHA256 fingerprint", m.User, k)
			}
			if j, dup := r.byKey[k]; dup && j != i {
				return Roster{}, fmt.Errorf("staff.%s.keys: the key %s is already %s's; a key names one person", m.User, k, sorted[j].User)
			}
			r.byKey[k] = i
		}
		sorted[i].Keys = append([]string(nil), m.Keys...)
	}
	r.members = sorted
	return r, nil
}

// Len is the number of members; a roster of none means a single-user
// installation (see the README).
func (r Roster) Len() int { return len(r.members) }

// Members lists the staff by user name.
func (r Roster) Members() []StaffMember { return append([]StaffMember(nil), r.members...) }

// ByKey finds the member who owns the key with this SHA256 fingerprint.
func (r Roster) ByKey(fingerprint string) (StaffMember, bool) {
	i, ok := r.byKey[fingerprint]
	if !ok {
		return StaffMember{}, false
	}
	return r.members[i], true
}

// ByUser finds a member by roster user name.
func (r Roster) ByUser(user string) (StaffMember, bool) {
	i, ok := r.byUser[user]
	if !ok {
		return StaffMember{}, false
	}
	return r.members[i], true
}

// ByOSUser finds the member an operating-system login maps to.
func (r Roster) ByOSUser(login string) (StaffMember, bool) {
	i, ok := r.byOS[login]
	if !ok {
		return StaffMember{}, false
	}
	return r.members[i], true
}

// Changed lists the users of old whose entry is gone or different in r:
// their open sessions were granted by an entry that no longer holds.
func (r Roster) Changed(old Roster) []string {
	var out []string
	for _, m := range old.members {
		n, ok := r.ByUser(m.User)
		if !ok || n.Role != m.Role || n.DrillDown != m.DrillDown || n.Name != m.Name || !sameKeys(m.Keys, n.Keys) {
			out = append(out, m.User)
		}
	}
	return out
}

func sameKeys(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x := append([]string(nil), a...)
	y := append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// AccessAction is what was done with a patient's data, as the access log
// records it. The codes are stable: the follow-up and the patient's extract
// filter on them.
type AccessAction string

// The actions of the access log.
const (
	AccessViewPatient AccessAction = "view_patient" // a patient's page or `patient show`
	AccessViewBooking AccessAction = "view_booking" // a booking's detail or `booking show`
	AccessList        AccessAction = "list"         // the patient appeared in a list on screen (once per session)
	AccessExport      AccessAction = "export"       // the patient's data left through the CLI (a listing, JSON)
	AccessBook        AccessAction = "book"
	AccessCancel      AccessAction = "cancel"
	AccessRebook      AccessAction = "rebook"
	AccessAttended    AccessAction = "attended"
	AccessNoShow      AccessAction = "no_show"
	AccessSendPaper   AccessAction = "send_paper"
	AccessRemind      AccessAction = "remind"
	AccessPhoned      AccessAction = "phoned"
	AccessHandedOver  AccessAction = "handed_over"
	AccessKeepTime    AccessAction = "keep_time"
	AccessLetterDone  AccessAction = "letter_handled"
	AccessImport      AccessAction = "import"       // created or updated by an import
	AccessPrint       AccessAction = "print"        // the letter went into a print batch
	AccessAuditRead   AccessAction = "audit_read"   // the patient's entries were read from this log
	AccessRetryDeliv  AccessAction = "retry"        // a failing delivery retried by hand
	AccessDrillDown   AccessAction = "drill_down"   // reached from a figure (coordinators)
	AccessMarkPrinted AccessAction = "mark_printed" // the letter was marked printed
	AccessCorrect     AccessAction = "correct"      // an outcome corrected, or a cancellation undone
	AccessEditPatient AccessAction = "edit_patient" // added or changed by hand (the terminal UI's patient form)
)

// AccessEntry is one line of the access log (Patientdatalagen 4 kap. 3 §,
// HSLF-FS 2016:40 4 kap. 9 §): who (user and role), at which care unit, when,
// which patient, and what was done — plus how (Via) and in which session,
// for the follow-up. Entries are appended and never changed.
type AccessEntry struct {
	Seq     uint64 // given by the store, increasing, no gaps
	At      time.Time
	User    string
	Role    Role
	Unit    string // the care unit's HSA-id
	Patient IdentityNumber
	Booking BookingID // 0 when the access concerned the patient only
	Action  AccessAction
	Via     string // "tui", "cli", "ssh-tui", "ssh-cli"
	Session string // the terminal or command session it happened in
}

// AccessQuery selects access-log entries: every set field must match.
// From is inclusive, To exclusive.
type AccessQuery struct {
	Patient  IdentityNumber
	User     string
	From, To time.Time
	Limit    int // 0: all
}

// AccessRetentionMinYears is the shortest retention the configuration may
// set: HSLF-FS 2016:40 asks that the log be kept at least five years.
const AccessRetentionMinYears = 5

// CheckAccessRetention refuses a retention shorter than the law's floor.
func CheckAccessRetention(years int) error {
	if years < AccessRetentionMinYears {
		return fmt.Errorf("%d years is shorter than the %d years the access log must be kept (HSLF-FS 2016:40 4 kap.)", years, AccessRetentionMinYears)
	}
	return nil
}

// AccessPrunable reports whether an entry made at `at` may be removed at
// `now` under a retention of `years`: only once it is older than the whole
// retention period, counted in calendar years in Stockholm.
func AccessPrunable(at, now time.Time, years int) bool {
	if CheckAccessRetention(years) != nil {
		return false
	}
	return !now.Before(at.In(Stockholm).AddDate(years, 0, 0))
}

// AccessKeptFrom is, for what staff read, about where the retention begins
// at now: entries from before it may go (AccessPrunable decides for each).
func AccessKeptFrom(now time.Time, years int) time.Time {
	return now.In(Stockholm).AddDate(-years, 0, 0)
}

type accessKey struct{}

// WithAccess returns a context carrying the access-log entry of a change:
// the store appends it, once for every patient the change touches, in the
// transaction that makes the change. The use cases set it; the store fills
// in the patient, the booking and the sequence.
func WithAccess(ctx context.Context, e AccessEntry) context.Context {
	return context.WithValue(ctx, accessKey{}, e)
}

// AccessFrom reads the entry WithAccess put in ctx.
func AccessFrom(ctx context.Context) (AccessEntry, bool) {
	e, ok := ctx.Value(accessKey{}).(AccessEntry)
	return e, ok
}
