package service

import (
	"time"

	"context"
	"strings"
	"sync"

	"github.com/kallelse/kallelse/domain"
)

// The ways into Kallelse, recorded as an access-log entry's Via.
const (
	ViaTUI    = "tui"     // the terminal UI on the machine that holds the file
	ViaCLI    = "cli"     // a command on the machine that holds the file
	ViaSSHTUI = "ssh-tui" // the terminal UI served over SSH
	ViaSSHCLI = "ssh-cli" // a command run over SSH
)

// Session is one terminal or command session: how its user reached
// Kallelse, and which patients it has already logged as shown in a list.
// Copies of a Service made for one session share it.
type Session struct {
	ID  string
	Via string

	mu    sync.Mutex
	shown map[shownKey]bool
}

// shownKey is a patient logged with an action in a session. A struct, not
// the two joined in a string: a list asks for every row on screen on every
// key press, and the lookup then makes nothing.
type shownKey struct {
	action  domain.AccessAction
	patient string // canonical identity number
}

// NewSession starts the record of one session.
func NewSession(id, via string) *Session {
	return &Session{ID: id, Via: via, shown: map[shownKey]bool{}}
}

// firstShown keeps the refs not yet logged with this action in this
// session, and marks them logged. A list's rows are logged the first time a
// session shows them: scrolling back and forth, or a list reloading after
// someone else's change, is the same look at the same patients, not a new one.
func (ss *Session) firstShown(action domain.AccessAction, refs, out []PatientRef) []PatientRef {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, r := range refs {
		if r.Patient.IsZero() {
			continue
		}
		k := shownKey{action, r.Patient.Canonical()}
		if ss.shown[k] {
			continue
		}
		ss.shown[k] = true
		out = append(out, r)
	}
	return out
}

// forget unmarks refs whose entries could not be written, so that the next
// attempt logs them.
func (ss *Session) forget(action domain.AccessAction, refs []PatientRef) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, r := range refs {
		delete(ss.shown, shownKey{action, r.Patient.Canonical()})
	}
}

// PatientRef is a patient shown, with the booking through which they were
// shown (0: none).
type PatientRef struct {
	Patient domain.IdentityNumber
	Booking domain.BookingID
}

// For returns a copy of s acting for principal p in session sess: every
// change is recorded as p's, every right is p's role's, and every access to
// patient data is logged with p's name, the care unit and sess.
func (s *Service) For(p domain.Principal, sess *Session) *Service {
	c := *s
	c.principal = p
	c.session = sess
	if c.session == nil {
		c.session = NewSession("", ViaCLI)
	}
	return &c
}

// As returns a copy of s acting for a user with every right: a single-user
// installation without a roster, the demo and the tests.
func (s *Service) As(actor string) *Service {
	actor = strings.TrimSpace(actor)
	return s.For(domain.Principal{User: actor, Name: actor, Role: domain.RoleAdmin}, s.session)
}

// Principal is who acts through s.
func (s *Service) Principal() domain.Principal { return s.principal }

// Session is the session s acts in.
func (s *Service) Session() *Session { return s.session }

// May reports whether the acting user has the right; the use cases check
// it themselves, screens ask it only to offer what is allowed.
func (s *Service) May(perm domain.Permission) bool { return s.principal.May(perm) }

func (s *Service) require(perm domain.Permission) error { return s.principal.Require(perm) }

// entry is the access-log entry of an action by the acting user, now.
func (s *Service) entry(action domain.AccessAction) domain.AccessEntry {
	e := domain.AccessEntry{At: s.Clock.Now(), User: s.principal.User, Role: s.principal.Role,
		Unit: s.Clinic.HSAID, Action: action}
	if s.session != nil {
		e.Via, e.Session = s.session.Via, s.session.ID
	}
	return e
}

// changing is ctx carrying the access-log entry of a change, which the
// store writes in the change's own transaction.
func (s *Service) changing(ctx context.Context, action domain.AccessAction) context.Context {
	return domain.WithAccess(ctx, s.entry(action))
}

// logRead appends one entry per ref to the access log before the data is
// shown; an error means the data must not be shown.
func (s *Service) logRead(ctx context.Context, action domain.AccessAction, refs ...PatientRef) error {
	if len(refs) == 0 {
		return nil
	}
	buf := entryBufs.Get().(*[]domain.AccessEntry)
	defer func() {
		clear(*buf) // no patient kept in the pool
		*buf = (*buf)[:0]
		entryBufs.Put(buf)
	}()
	es := (*buf)[:0]
	base := s.entry(action)
	for _, r := range refs {
		e := base
		e.Patient, e.Booking = r.Patient, r.Booking
		es = append(es, e)
	}
	*buf = es
	return s.Store.LogAccess(ctx, es) // which keeps nothing of es
}

// entryBufs are logRead's entries, reused: a key press that shows a page
// of patients logs some thirty, and the store copies what it keeps.
var entryBufs = sync.Pool{New: func() any { return new([]domain.AccessEntry) }}

// logOnce logs refs not yet logged with this action in this session.
func (s *Service) logOnce(ctx context.Context, action domain.AccessAction, refs []PatientRef) error {
	if s.session == nil {
		return s.logRead(ctx, action, refs...)
	}
	buf := refBufs.Get().(*[]PatientRef)
	defer func() {
		clear(*buf)
		*buf = (*buf)[:0]
		refBufs.Put(buf)
	}()
	fresh := s.session.firstShown(action, refs, (*buf)[:0])
	*buf = fresh
	if err := s.logRead(ctx, action, fresh...); err != nil {
		s.session.forget(action, fresh)
		return err
	}
	return nil
}

// refBufs are logOnce's patients not yet logged, reused as entryBufs are.
var refBufs = sync.Pool{New: func() any { return new([]PatientRef) }}

// LogShown records that a screen shows these patients in a list (the
// bookings list, a search, the needs-attention page, the print queue). Each
// patient is logged the first time this session shows them.
func (s *Service) LogShown(ctx context.Context, refs []PatientRef) error {
	if err := s.require(domain.PermPatientData); err != nil {
		return err
	}
	return s.logOnce(ctx, domain.AccessList, refs)
}

// AccessLog calls fn for the entries matching q (admin only): the
// systematic follow-up and a patient's extract. Reading a patient's entries
// is itself an access to that patient's data, and is logged once per
// patient read.
// PruneAccessLog removes the access-log entries that are older than the
// whole retention period of years (domain.AccessPrunable; the
// configuration's audit.retention_years, at least the law's five), and
// returns how many it removed and the instant before which entries may go
// now. dryRun counts them and removes nothing. Admin only.
func (s *Service) PruneAccessLog(ctx context.Context, years int, dryRun bool) (removed int, before time.Time, err error) {
	if err := s.require(domain.PermAuditLog); err != nil {
		return 0, time.Time{}, err
	}
	if err := domain.CheckAccessRetention(years); err != nil {
		return 0, time.Time{}, err
	}
	now := s.Clock.Now()
	before = domain.AccessKeptFrom(now, years)
	removed, err = s.Store.PruneAccess(ctx, func(at time.Time) bool { return domain.AccessPrunable(at, now, years) }, dryRun)
	return removed, before, err
}

// AccessUnreadable is how many access-log entries no reading can include,
// for an extract to say so (admin).
func (s *Service) AccessUnreadable(ctx context.Context) (int, error) {
	if err := s.require(domain.PermAuditLog); err != nil {
		return 0, err
	}
	return s.Store.AccessUnreadable(ctx)
}

func (s *Service) AccessLog(ctx context.Context, q domain.AccessQuery, fn func(domain.AccessEntry) error) error {
	if err := s.require(domain.PermAuditLog); err != nil {
		return err
	}
	return s.Store.AccessEntries(ctx, q, func(e domain.AccessEntry) error {
		if err := s.logOnce(ctx, domain.AccessAuditRead, []PatientRef{{Patient: e.Patient}}); err != nil {
			return err
		}
		return fn(e)
	})
}
