package common

import (
	"context"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
	"github.com/kallelse/kallelse/domain/service"
)

// PrintItem is one paper letter in the print queue.
type PrintItem struct {
	MessageID   string
	Day         string // 2006-01-02
	Booking     domain.BookingID
	Patient     domain.IdentityNumber // zero when the letter's number could not be read
	PatientName string
	VisitAt     time.Time
	Purpose     domain.Purpose
	Printed     bool
	Withdrawn   bool // its time became void before it was printed: never posted
}

// PrintQueue is the print folder as the TUI sees it; cmd adapts the
// service's print queue to it, so the TUI imports no adapter. Batch holds
// the letters not yet printed, or with reprint all but the withdrawn.
type PrintQueue interface {
	Letters(day time.Time) ([]PrintItem, error)
	Batch(day time.Time, reprint bool) (path string, n int, err error)
	MarkPrinted(day time.Time) (marked, withdrawn int, err error) // withdrawn: too late to arrive, kept out of the post
}

// QuarantinedFile is a receipt file the loop could not use: the reason in
// English as its note keeps it, and the problem by its code when the note
// names it (i18n.QuarantineText words it).
type QuarantinedFile struct {
	Name, Reason string
	Problem      *domain.ReceiptProblem
}

// Quarantine lists quarantined receipt files and puts one back for another try.
type Quarantine interface {
	List() ([]QuarantinedFile, error)
	Retry(name string) error
	Discard(name, why string) error
}

// Store is what the TUI reads: indexed queries and the outbox's state.
// cmd hands it the service's Reader, which checks the user's rights on
// every call; the screens log what they show through the service.
type Store interface {
	Bookings(ctx context.Context, q domain.BookingQuery) ([]*domain.Booking, error)
	Booking(ctx context.Context, id domain.BookingID) (*domain.Booking, error)
	Patient(ctx context.Context, id domain.IdentityNumber) (domain.Patient, error)
	PatientsByID(ctx context.Context, ids []domain.IdentityNumber) ([]domain.Patient, error)
	SearchPatients(ctx context.Context, query string, limit int) ([]domain.Patient, error)
	SearchBookings(ctx context.Context, query string, patients int, at time.Time, q domain.BookingQuery) ([]domain.SearchRow, error)
	Attention(ctx context.Context, limit int) ([]domain.AttentionItem, error)
	AttentionCount(ctx context.Context) (int, error)
	FailingOutbox(ctx context.Context, minAttempts int) ([]domain.OutboxEntry, error)
	RetryOutbox(ctx context.Context, id string, at time.Time) error
	OutboxStats(ctx context.Context) (waiting, failing int, err error)
}

// Reports reads the coordinators' figures, kept current by the store.
type Reports interface {
	// WeekTotals calls fn for every row of the ISO weeks fromWeek..toWeek ("2026-W40"), inclusive.
	WeekTotals(ctx context.Context, fromWeek, toWeek string, fn func(k metrics.Key, week string, t metrics.Totals) bool) error
	// Members calls fn for the facts behind the day rows of the given week, exam (""=any) and group (""=any).
	Members(ctx context.Context, week, exam string, group metrics.Group, fn func(f metrics.Fact) bool) error
}

// Backend is everything the TUI reaches outside itself, built in cmd.
type Backend struct {
	Service    *service.Service
	Store      Store
	Hub        *service.Hub
	Print      PrintQueue // nil: no print queue
	Quarantine Quarantine // nil: none
	Reports    Reports    // nil: no dashboard figures
}

// Common is what every component gets: the backend, the language, the
// styles of this terminal, the keymap and the size available.
type Common struct {
	Ctx     context.Context
	Backend Backend
	Lang    i18n.Lang
	Styles  Styles
	Keys    KeyMap
	Help    help.Model
	Width   int
	Height  int

	posted []tea.Msg // see Post
}

// Post hands the root a message to handle at once, within the Update that
// posts it: for what only changes the screen (open a page, go back, ask to
// confirm), so that a key typed right after it — over SSH often in the same
// packet — finds the screen it was typed for.
func (c *Common) Post(msg tea.Msg) { c.posted = append(c.posted, msg) }

// TakePosted hands the root what was posted since it last asked, oldest
// first, and forgets it.
func (c *Common) TakePosted() []tea.Msg {
	p := c.posted
	c.posted = nil
	return p
}

// Component is a page: a Bubble Tea model with its own keys, its title
// and the room the root gives it (the terminal less the title, status and
// key lines), as in soft-serve's pkg/ui/common.
type Component interface {
	tea.Model
	help.KeyMap
	SetSize(width, height int)
	Title() string
}

// A page may also say more of itself to the root.
type (
	// Typer is a page typing text: single-letter keys are not commands.
	Typer interface{ Typing() bool }
	// Unsaved is a page holding input not yet saved (a form half filled):
	// ctrl+c asks before it quits.
	Unsaved interface{ Unsaved() bool }
	// HelpInPage is a page that lays out its own key lines; it is a
	// KeysBelow too, as every such page is.
	HelpInPage interface{ HelpInPage() }
	// KeysBelow is a HelpInPage page that leaves its key lines, laid out
	// by its View for what it shows (a form's answer keys while it asks),
	// out of the View and hands them to the root, which draws them under
	// the status line as it draws every other page's keys.
	KeysBelow interface{ KeyLines() []string }
	// Shower is a page showing patients, logged as looked at.
	Shower interface{ Shown() []service.PatientRef }
	// ViewWriter is a page that writes its View into the screen's text
	// itself: the root then makes the screen in one piece, where a page's
	// View and the screen around it would be two copies of the page.
	ViewWriter interface{ WriteView(b *strings.Builder) }
)

// NewCommon builds the shared value for one terminal: its keys are those
// of what its user may do.
func NewCommon(ctx context.Context, b Backend, lang i18n.Lang, r *lipgloss.Renderer) *Common {
	h := help.New()
	c := &Common{Ctx: ctx, Backend: b, Lang: lang, Styles: NewStyles(r), Keys: NewKeyMap(lang), Help: h}
	c.Keys.restrict(c.May, c.Coordinator())
	return c
}

// May reports whether this terminal's user has the right; screens ask it
// to offer only what is allowed (the service checks again).
func (c *Common) May(perm domain.Permission) bool { return c.Backend.Service.May(perm) }

// Coordinator reports whether this terminal's user follows the pilot: the
// overview is their home page.
func (c *Common) Coordinator() bool {
	return c.Backend.Service.Principal().Role == domain.RoleKoordinator
}

// T translates in this terminal's language.
func (c *Common) T(key string, args ...any) string { return i18n.T(c.Lang, key, args...) }

// Now is the service clock's instant.
func (c *Common) Now() time.Time { return c.Backend.Service.Clock.Now() }

// Actor is the service acting for this terminal's user.
func (c *Common) Svc() *service.Service { return c.Backend.Service }

// ErrorMsg is the one error message every component sends when I/O fails.
type ErrorMsg struct{ Err error }

// FocusBookingMsg asks the bookings list to show a booking just made or
// moved, with the cursor on it.
type FocusBookingMsg struct {
	ID domain.BookingID
	At time.Time
}

// WarnMsg says in the status line why something is not possible now (an
// action the booking's life cycle does not allow, a key without a task).
type WarnMsg struct{ Text string }

// InfoMsg shows a short confirmation in the status line.
type InfoMsg struct{ Text string }

// ChangedMsg carries a change from the hub into the program.
type ChangedMsg struct{ Change service.Change }
