package attention

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/components/actions"
	"github.com/kallelse/kallelse/tui/components/list"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// attnLimit is how many bookings the attention page reads; attnMinAttempts
// is how many failed attempts make a delivery worth a person's look (the
// loop reports a message to staff after as many).
const (
	attnLimit       = 200
	attnMinAttempts = 3
)

// attnKind is what a row of the attention page asks of a person. The order
// is the order of the page's sections.
type attnKind int

const (
	attnRebook attnKind = iota
	attnCancel
	attnPhone
	attnHandOver
	attnOutdated
	attnFailing
	attnQuarantine
)

// attnRow is one thing to handle: a booking with one reason, a failing
// delivery (with its booking when it could be read), or a quarantined file.
type attnRow struct {
	kind    attnKind
	booking *domain.Booking // rebook, cancel, phone; failing when found
	name    string          // the patient's name, when known
	patient *domain.Patient // the patient, when known
	since   time.Time       // rebook, cancel, phone: waiting since
	late    bool            // rebook, cancel: asked less than 72 hours before the visit
	entry   domain.OutboxEntry
	file    common.QuarantinedFile
}

// key identifies the row across reloads, so the cursor stays on it.
func (r attnRow) key() string {
	switch r.kind {
	case attnFailing:
		return "out:" + r.entry.Message.ID
	case attnQuarantine:
		return "q:" + r.file.Name
	}
	return fmt.Sprintf("%d:%d", r.kind, r.booking.ID())
}

// attnLoadedMsg is the attention page's content, read in a Cmd. warnings
// are the parts that could not be read, shown on the page; err is set when
// nothing could be.
type attnLoadedMsg struct {
	gen      int
	rows     []attnRow
	warnings []string
	err      error
}

// attnReloadMsg asks the attention page to read its content again, after an
// action of its own has run.
type attnReloadMsg struct{}

// Model lists what a person must handle — patients' rebook and
// cancel requests, phone-the-patient tasks, deliveries that keep failing,
// quarantined receipt files — each with the keys that resolve it.
type Model struct {
	c             *common.Common
	width, height int // the room the root gives the page (SetSize)
	gen           int
	loaded        bool
	rows          []attnRow
	warnings      []string
	errText       string
	cursor        int
	window        list.Window // where the list is scrolled to
	keys          []string    // the key lines the last View laid out (KeyLines)
	retry         key.Binding
	discard       key.Binding
}

// New returns the attention page.
func New(c *common.Common) *Model {
	// r tries again whatever the row: a failing delivery now, a quarantined
	// file by putting it back for the loop. One name, in the keys line and
	// the help alike.
	return &Model{c: c, retry: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", c.T("attn_retry"))),
		discard: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", c.T("attn_discard")))}
}

// Init loads the list.
func (m *Model) Init() tea.Cmd { return m.load() }

// Shown is the patients the page lists, for the access log: the page is
// short (at most attnLimit bookings), so all its rows count as shown.
func (m *Model) Shown() []service.PatientRef {
	var out []service.PatientRef
	for _, r := range m.rows {
		if r.booking != nil {
			out = append(out, service.PatientRef{Patient: r.booking.Patient(), Booking: r.booking.ID()})
		}
	}
	return out
}

// load reads the list in a Cmd; only the newest load is applied.
func (m *Model) load() tea.Cmd {
	m.gen++
	gen, st, q, ctx, lang := m.gen, m.c.Backend.Store, m.c.Backend.Quarantine, m.c.Ctx, m.c.Lang
	return func() tea.Msg {
		msg := loadAttention(ctx, st, q, lang)
		msg.gen = gen
		if msg.err != nil {
			err := msg.err
			return tea.BatchMsg{func() tea.Msg { return common.ErrorMsg{Err: err} }, func() tea.Msg { return msg }}
		}
		return msg
	}
}

func loadAttention(ctx context.Context, st common.Store, q common.Quarantine, lang i18n.Lang) attnLoadedMsg {
	var out attnLoadedMsg
	items, err := st.Attention(ctx, attnLimit)
	if err != nil {
		out.err = err
		return out
	}
	names := map[string]string{}
	patients := map[string]*domain.Patient{}
	name := func(id domain.IdentityNumber) string {
		n, ok := names[id.Canonical()]
		if !ok {
			n = id.String()
			if p, err := st.Patient(ctx, id); err == nil {
				n = p.Name()
				patients[id.Canonical()] = &p
			}
			names[id.Canonical()] = n
		}
		return n
	}
	for _, it := range items {
		for _, reason := range it.Reasons {
			r := attnRow{booking: it.Booking, name: name(it.Booking.Patient()), since: it.Since}
			r.patient = patients[it.Booking.Patient().Canonical()]
			r.late = it.Late && (reason == domain.AttentionRebookRequested || reason == domain.AttentionCancelRequested)
			switch reason {
			case domain.AttentionRebookRequested:
				r.kind = attnRebook
			case domain.AttentionCancelRequested:
				r.kind = attnCancel
			case domain.AttentionPhoneTask:
				r.kind = attnPhone
			case domain.AttentionHandOver:
				r.kind = attnHandOver
			case domain.AttentionLetterOutdated:
				r.kind = attnOutdated
			default:
				continue
			}
			out.rows = append(out.rows, r)
		}
	}
	if len(items) == attnLimit {
		out.warnings = append(out.warnings, i18n.T(lang, "attn_limit", attnLimit))
	}
	failing, err := st.FailingOutbox(ctx, attnMinAttempts)
	if err != nil {
		out.warnings = append(out.warnings, i18n.T(lang, "attn_read_failed", i18n.T(lang, "attn_sec_failing", 0), err))
	}
	for _, e := range failing {
		r := attnRow{kind: attnFailing, entry: e}
		if e.Message.Booking != 0 {
			if b, err := st.Booking(ctx, e.Message.Booking); err == nil {
				r.booking, r.name = b, name(b.Patient())
			}
		}
		out.rows = append(out.rows, r)
	}
	if q != nil {
		files, err := q.List()
		if err != nil {
			out.warnings = append(out.warnings, i18n.T(lang, "attn_read_failed", i18n.T(lang, "attn_sec_quarantine", 0), err))
		}
		for _, f := range files {
			out.rows = append(out.rows, attnRow{kind: attnQuarantine, file: f})
		}
	}
	// Late requests first — the visit is near — then the sections in a
	// fixed order; within one, the store's order (longest waiting first,
	// oldest message first), except the tasks done before a visit (phone,
	// hand over), which go by how soon the visit is.
	sort.SliceStable(out.rows, func(i, j int) bool {
		a, b := out.rows[i], out.rows[j]
		if a.late != b.late {
			return a.late
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if (a.kind == attnPhone || a.kind == attnHandOver) && a.booking != nil && b.booking != nil {
			return a.booking.VisitAt().Before(b.booking.VisitAt())
		}
		return false
	})
	return out
}

// selected is the row under the cursor, if any.
func (m *Model) selected() *attnRow {
	if m.cursor >= 0 && m.cursor < len(m.rows) {
		return &m.rows[m.cursor]
	}
	return nil
}

// Update handles keys, loads and changes from elsewhere; it never blocks.
func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case attnLoadedMsg:
		if msg.gen != m.gen {
			return nil // a newer load is on its way
		}
		m.apply(msg)
	case attnReloadMsg, common.ChangedMsg, common.InfoMsg:
		return m.load()
	case tea.KeyMsg:
		return m.updateKey(msg)
	}
	return nil
}

func (m *Model) apply(msg attnLoadedMsg) {
	m.loaded = true
	if msg.err != nil {
		m.errText = common.FriendlyError(m.c, msg.err)
		return
	}
	var selKey string
	if s := m.selected(); s != nil {
		selKey = s.key()
	}
	m.rows, m.warnings, m.errText = msg.rows, msg.warnings, ""
	for i, r := range m.rows {
		if r.key() == selKey {
			m.cursor = i
			return
		}
	}
	// The row was handled: stay at the same place in the list.
	m.cursor = max(0, min(m.cursor, len(m.rows)-1))
}

func (m *Model) updateKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		m.c.Post(common.BackMsg{})
		return nil
	}
	if c, ok := common.Navigate(k, msg, m.cursor, len(m.rows), m.listHeight()); ok {
		m.cursor = c
		return nil
	}
	r := m.selected()
	if r == nil {
		return nil
	}
	switch {
	case key.Matches(msg, k.Open):
		if r.booking != nil {
			m.c.Post(common.OpenDetailMsg{ID: r.booking.ID()})
		}
		return nil
	case key.Matches(msg, m.retry):
		switch r.kind {
		case attnFailing:
			return m.retryOutbox(r.entry.Message.ID)
		case attnQuarantine:
			return m.requeue(r.file.Name)
		}
		return nil
	case key.Matches(msg, m.discard) && r.kind == attnQuarantine:
		name := r.file.Name
		m.c.Post(common.AskConfirmMsg{Text: m.c.T("attn_confirm_discard", i18n.Printable(name)), Run: m.discardFile(name, ""),
			WithNote: func(note string) tea.Cmd { return m.discardFile(name, note) }})
		return nil
	}
	if r.booking != nil {
		actions.OnKey(m.c, msg, r.booking, r.name, r.patient, attnReloadMsg{})
	}
	return nil
}

// listHeight is how many lines the list gets: the page's share of the
// terminal less the hint line.
func (m *Model) listHeight() int { return max(m.height, 5) - 1 }

// retryOutbox makes a failing message due now; the loop's next tick tries it.
func (m *Model) retryOutbox(id string) tea.Cmd {
	st, ctx, now, lang := m.c.Backend.Store, m.c.Ctx, m.c.Now(), m.c.Lang
	return func() tea.Msg {
		err := st.RetryOutbox(ctx, id, now)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			err = common.TextError{Text: i18n.T(lang, "attn_not_in_outbox", id), Err: err}
			return tea.BatchMsg{common.MsgCmd(common.ErrorMsg{Err: err}), common.MsgCmd(attnReloadMsg{})}
		case err != nil:
			return common.ErrorMsg{Err: err}
		}
		return tea.BatchMsg{common.MsgCmd(common.InfoMsg{Text: i18n.T(lang, "attn_retried", id)}), common.MsgCmd(attnReloadMsg{})}
	}
}

// requeue puts a quarantined receipt file back for the loop to read again.
func (m *Model) requeue(name string) tea.Cmd {
	q, lang := m.c.Backend.Quarantine, m.c.Lang
	if q == nil {
		return nil
	}
	return func() tea.Msg {
		if err := q.Retry(name); err != nil {
			return tea.BatchMsg{common.MsgCmd(common.ErrorMsg{Err: err}), common.MsgCmd(attnReloadMsg{})}
		}
		return tea.BatchMsg{common.MsgCmd(common.InfoMsg{Text: i18n.T(lang, "attn_requeued", i18n.Printable(name))}), common.MsgCmd(attnReloadMsg{})}
	}
}

// discardFile takes a quarantined file out of the list, keeping it with why.
func (m *Model) discardFile(name, why string) tea.Cmd {
	q, lang := m.c.Backend.Quarantine, m.c.Lang
	if q == nil {
		return nil
	}
	return func() tea.Msg {
		if err := q.Discard(name, why); err != nil {
			return tea.BatchMsg{common.MsgCmd(common.ErrorMsg{Err: err}), common.MsgCmd(attnReloadMsg{})}
		}
		return tea.BatchMsg{common.MsgCmd(common.InfoMsg{Text: i18n.T(lang, "attn_discarded", i18n.Printable(name))}), common.MsgCmd(attnReloadMsg{})}
	}
}

// HelpInPage tells the root that the page shows its own keys.
func (m *Model) HelpInPage() {}

// Title names the page.
func (m *Model) Title() string { return m.c.T("page_attention") }

// Update handles a message for the page; the root routes it to the page shown.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) { return m, m.update(msg) }

// SetSize is the room the root gives the page: the terminal's width, and its
// height less the title, status and key lines.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }
