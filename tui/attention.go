package tui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

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
	since   time.Time       // rebook, cancel, phone: waiting since
	late    bool            // rebook, cancel: asked less than 72 hours before the visit
	entry   domain.OutboxEntry
	file    QuarantinedFile
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

// AttentionModel lists what a person must handle — patients' rebook and
// cancel requests, phone-the-patient tasks, deliveries that keep failing,
// quarantined receipt files — each with the keys that resolve it.
type AttentionModel struct {
	c        *Common
	gen      int
	loaded   bool
	rows     []attnRow
	warnings []string
	errText  string
	cursor   int
	offset   int // first line shown
	retry    key.Binding
	discard  key.Binding
}

// NewAttention returns the attention page.
func NewAttention(c *Common) *AttentionModel {
	return &AttentionModel{c: c, retry: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", c.T("attn_retry"))),
		discard: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", c.T("attn_discard")))}
}

// Init loads the list.
func (m *AttentionModel) Init() tea.Cmd { return m.load() }

// Shown is the patients the page lists, for the access log: the page is
// short (at most attnLimit bookings), so all its rows count as shown.
func (m *AttentionModel) Shown() []service.PatientRef {
	var out []service.PatientRef
	for _, r := range m.rows {
		if r.booking != nil {
			out = append(out, service.PatientRef{Patient: r.booking.Patient(), Booking: r.booking.ID()})
		}
	}
	return out
}

// load reads the list in a Cmd; only the newest load is applied.
func (m *AttentionModel) load() tea.Cmd {
	m.gen++
	gen, st, q, ctx, lang := m.gen, m.c.Backend.Store, m.c.Backend.Quarantine, m.c.Ctx, m.c.Lang
	return func() tea.Msg {
		msg := loadAttention(ctx, st, q, lang)
		msg.gen = gen
		if msg.err != nil {
			err := msg.err
			return tea.BatchMsg{func() tea.Msg { return ErrorMsg{err} }, func() tea.Msg { return msg }}
		}
		return msg
	}
}

func loadAttention(ctx context.Context, st Store, q Quarantine, lang Lang) attnLoadedMsg {
	var out attnLoadedMsg
	items, err := st.Attention(ctx, attnLimit)
	if err != nil {
		out.err = err
		return out
	}
	names := map[string]string{}
	name := func(id domain.IdentityNumber) string {
		n, ok := names[id.Canonical()]
		if !ok {
			n = id.String()
			if p, err := st.Patient(ctx, id); err == nil {
				n = p.Name()
			}
			names[id.Canonical()] = n
		}
		return n
	}
	for _, it := range items {
		for _, reason := range it.Reasons {
			r := attnRow{booking: it.Booking, name: name(it.Booking.Patient()), since: it.Since}
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
		out.warnings = append(out.warnings, T(lang, "attn_limit", attnLimit))
	}
	failing, err := st.FailingOutbox(ctx, attnMinAttempts)
	if err != nil {
		out.warnings = append(out.warnings, T(lang, "attn_read_failed", T(lang, "attn_sec_failing", 0), err))
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
			out.warnings = append(out.warnings, T(lang, "attn_read_failed", T(lang, "attn_sec_quarantine", 0), err))
		}
		for _, f := range files {
			out.rows = append(out.rows, attnRow{kind: attnQuarantine, file: f})
		}
	}
	// Late requests first — the visit is near — then the sections in a
	// fixed order; within one, the store's order (longest waiting first,
	// oldest message first).
	sort.SliceStable(out.rows, func(i, j int) bool {
		if out.rows[i].late != out.rows[j].late {
			return out.rows[i].late
		}
		return out.rows[i].kind < out.rows[j].kind
	})
	return out
}

// selected is the row under the cursor, if any.
func (m *AttentionModel) selected() *attnRow {
	if m.cursor >= 0 && m.cursor < len(m.rows) {
		return &m.rows[m.cursor]
	}
	return nil
}

// Update handles keys, loads and changes from elsewhere; it never blocks.
func (m *AttentionModel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case attnLoadedMsg:
		if msg.gen != m.gen {
			return nil // a newer load is on its way
		}
		m.apply(msg)
	case attnReloadMsg, ChangedMsg, InfoMsg:
		return m.load()
	case tea.KeyMsg:
		return m.updateKey(msg)
	}
	return nil
}

func (m *AttentionModel) apply(msg attnLoadedMsg) {
	m.loaded = true
	if msg.err != nil {
		m.errText = friendlyError(m.c, msg.err)
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

func (m *AttentionModel) updateKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Back):
		m.c.Post(BackMsg{})
		return nil
	}
	if c, ok := navigate(k, msg, m.cursor, len(m.rows), m.listHeight()); ok {
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
			m.c.Post(OpenDetailMsg{r.booking.ID()})
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
		m.c.Post(askConfirmMsg{Text: m.c.T("attn_confirm_discard", name), Run: m.discardFile(name, ""),
			WithNote: func(note string) tea.Cmd { return m.discardFile(name, note) }})
		return nil
	}
	if r.booking != nil {
		bookingAction(m.c, msg, r.booking, r.name, attnReloadMsg{})
	}
	return nil
}

// listHeight is how many lines the list gets: the page's share of the
// terminal less the hint line.
func (m *AttentionModel) listHeight() int { return max(m.c.Height-3, 5) - 1 }

// retryOutbox makes a failing message due now; the loop's next tick tries it.
func (m *AttentionModel) retryOutbox(id string) tea.Cmd {
	st, ctx, now, lang := m.c.Backend.Store, m.c.Ctx, m.c.Now(), m.c.Lang
	return func() tea.Msg {
		err := st.RetryOutbox(ctx, id, now)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			err = friendlyTextError{T(lang, "attn_not_in_outbox", id), err}
			return tea.BatchMsg{msgAsCmd(ErrorMsg{err}), msgAsCmd(attnReloadMsg{})}
		case err != nil:
			return ErrorMsg{err}
		}
		return tea.BatchMsg{msgAsCmd(InfoMsg{T(lang, "attn_retried", id)}), msgAsCmd(attnReloadMsg{})}
	}
}

// requeue puts a quarantined receipt file back for the loop to read again.
func (m *AttentionModel) requeue(name string) tea.Cmd {
	q, lang := m.c.Backend.Quarantine, m.c.Lang
	if q == nil {
		return nil
	}
	return func() tea.Msg {
		if err := q.Retry(name); err != nil {
			return tea.BatchMsg{msgAsCmd(ErrorMsg{err}), msgAsCmd(attnReloadMsg{})}
		}
		return tea.BatchMsg{msgAsCmd(InfoMsg{T(lang, "attn_requeued", name)}), msgAsCmd(attnReloadMsg{})}
	}
}

// discardFile takes a quarantined file out of the list, keeping it with why.
func (m *AttentionModel) discardFile(name, why string) tea.Cmd {
	q, lang := m.c.Backend.Quarantine, m.c.Lang
	if q == nil {
		return nil
	}
	return func() tea.Msg {
		if err := q.Discard(name, why); err != nil {
			return tea.BatchMsg{msgAsCmd(ErrorMsg{err}), msgAsCmd(attnReloadMsg{})}
		}
		return tea.BatchMsg{msgAsCmd(InfoMsg{T(lang, "attn_discarded", name)}), msgAsCmd(attnReloadMsg{})}
	}
}

// View renders the sections that have rows, scrolled so that the selected
// row shows, and a hint line with the keys for the selected row.
func (m *AttentionModel) View() string {
	s := m.c.Styles
	h := max(m.c.Height-3, 5)
	if !m.loaded {
		return strings.Join(padLines([]string{s.Muted.Render(m.c.T("loading"))}, h), "\n")
	}
	type line struct {
		text string
		row  int // -1: not a row
	}
	var lines []line
	add := func(text string, row int) { lines = append(lines, line{text, row}) }
	if m.errText != "" {
		add(s.Error.Render(truncate("✗ "+m.errText, m.c.Width)), -1)
	}
	for _, w := range m.warnings {
		add(s.Warn.Render(truncate("⚠ "+w, m.c.Width)), -1)
	}
	if len(m.rows) == 0 && m.errText == "" {
		add(s.OK.Render("✓ "+m.c.T("attn_empty")), -1)
	}
	selLine := 0
	for i, r := range m.rows {
		if i == 0 || m.rows[i-1].kind != r.kind || m.rows[i-1].late != r.late {
			if len(lines) > 0 {
				add("", -1)
			}
			add(s.Header.Render(truncate(m.sectionTitle(r.kind, r.late), m.c.Width)), -1)
		}
		text := padRight("  "+m.rowText(r), m.c.Width)
		if i == m.cursor {
			selLine = len(lines)
			text = s.Selected.Render("▸" + strings.TrimPrefix(text, " "))
		}
		add(text, i)
	}
	// Scroll: keep the selected row, and its section title when it is the
	// first of its section, on screen.
	area := m.listHeight()
	top := selLine
	if top > 0 && lines[top-1].row < 0 && (top < 2 || lines[top-2].row < 0) {
		top = max(0, top-2) // the blank line and the title above
	} else if top > 0 && lines[top-1].row < 0 {
		top--
	}
	if m.offset > top {
		m.offset = top
	}
	if selLine >= m.offset+area {
		m.offset = selLine - area + 1
	}
	m.offset = max(0, min(m.offset, len(lines)-area))
	out := make([]string, 0, h)
	for i := m.offset; i < len(lines) && i < m.offset+area; i++ {
		out = append(out, lines[i].text)
	}
	hint := m.hint(len(lines) > area)
	if extra := strings.Count(hint, "\n"); extra > 0 && len(out) > extra {
		out = out[:len(out)-extra] // the second line of keys takes the list's last
	}
	out = padLines(out, area-strings.Count(hint, "\n"))
	return strings.Join(append(out, hint), "\n")
}

func (m *AttentionModel) sectionTitle(k attnKind, late bool) string {
	n := 0
	for _, r := range m.rows {
		if r.kind == k && r.late == late {
			n++
		}
	}
	if late {
		return m.c.T([...]string{"attn_sec_late_rebook", "attn_sec_late_cancel"}[k], n)
	}
	return m.c.T([...]string{"attn_sec_rebook", "attn_sec_cancel", "attn_sec_phone", "attn_sec_handover", "attn_sec_outdated",
		"attn_sec_failing", "attn_sec_quarantine"}[k], n)
}

// rowText says what the row is in words, with a symbol before them.
func (m *AttentionModel) rowText(r attnRow) string {
	c := m.c
	switch r.kind {
	case attnFailing:
		e := r.entry
		why := strings.TrimSpace(e.LastError)
		if why == "" {
			why = c.T("attn_no_error")
		}
		who := e.Message.ID
		if r.name != "" {
			who = r.name + ", " + who
		}
		return "✉ " + c.T("attn_failing", e.Attempts) + " — " + who + ": " + firstLineOf(why)
	case attnQuarantine:
		why := strings.TrimSpace(r.file.Reason)
		if why == "" {
			why = c.T("attn_no_reason")
		}
		return "⚠ " + c.T("attn_quarantine") + ": " + r.file.Name + " — " + firstLineOf(why)
	}
	sym, word := "↻", c.T("attn_rebook")
	switch r.kind {
	case attnCancel:
		sym, word = "✗", c.T("attn_cancel")
	case attnPhone:
		sym, word = "☎", c.T("attn_phone")
	case attnHandOver:
		sym, word = "⚿", c.T("attn_handover")
	case attnOutdated:
		sym, word = "✉", c.T("attn_outdated")
	}
	b := r.booking
	nameW, examW := 20, 10
	if c.Width >= 120 {
		nameW, examW = 30, 14
	}
	visit := weekdayShort(c.Lang, b.VisitAt()) + " " + fmtShort(b.VisitAt())
	// The words of the sections on the page line up; a section that is not
	// there takes no room.
	wordW := 0
	words := map[attnKind]string{attnRebook: "attn_rebook", attnCancel: "attn_cancel", attnPhone: "attn_phone", attnHandOver: "attn_handover",
		attnOutdated: "attn_outdated"}
	for _, row := range m.rows {
		if w, ok := words[row.kind]; ok {
			wordW = max(wordW, lipgloss.Width(c.T(w)))
		}
	}
	return sym + " " + padRight(word, wordW) + " " + padRight(r.name, nameW) + " " + padRight(b.Exam(), examW) + " " +
		visit + "  " + c.T("attn_since", fmtAge(c.Lang, c.Now().Sub(r.since)))
}

// hint names the keys for the selected row, and where the list is when it
// scrolls.
func (m *AttentionModel) hint(scrolls bool) string {
	k := m.c.Keys
	var bs []key.Binding
	if r := m.selected(); r != nil {
		bs = append(bs, key.NewBinding(key.WithHelp("↑/↓", m.c.T("attn_select"))))
		switch r.kind {
		case attnRebook:
			bs = append(bs, k.Rebook, k.Cancel, k.Keep, k.Open)
		case attnCancel:
			bs = append(bs, k.Cancel, k.Keep, k.Open)
		case attnPhone:
			bs = append(bs, k.Phoned, k.Open)
		case attnHandOver:
			bs = append(bs, key.NewBinding(key.WithHelp(k.Phoned.Help().Key, m.c.T("act_handed_over"))), k.Open)
		case attnOutdated:
			bs = append(bs, key.NewBinding(key.WithHelp(k.Phoned.Help().Key, m.c.T("act_letter_handled"))), k.Open)
		case attnFailing:
			bs = append(bs, m.retry)
			if r.booking != nil {
				bs = append(bs, k.Paper, k.Open)
			}
		case attnQuarantine:
			bs = append(bs, key.NewBinding(key.WithHelp("r", m.c.T("attn_requeue"))), m.discard)
		}
	}
	bs = append(bs, k.Back)
	pos := ""
	if scrolls && len(m.rows) > 0 {
		pos = fmt.Sprintf("%d/%d", m.cursor+1, len(m.rows))
	}
	return hintLine(m.c, bs, pos)
}

// hintLine shows as many key hints as fit the width, then pos (where the
// cursor is in a list that scrolls).
func hintLine(c *Common, bs []key.Binding, pos string) string {
	return strings.Join(hintLines(c, bs, pos), "\n")
}

// hintLines is a page's keys on one line, or on two when they do not fit
// one: every key the page has stays on the screen at 60 columns. What does
// not fit two lines gives way from the end (the arrows, which every list
// has, come last).
func hintLines(c *Common, bs []key.Binding, pos string) []string {
	s := c.Styles
	var lines []string
	var parts []string
	width := 0
	room := c.Width - lipgloss.Width(pos) - 3
	for _, b := range bs {
		p := b.Help().Key + " " + b.Help().Desc
		if width > 0 && width+lipgloss.Width(p) > room {
			if len(lines) == 1 {
				break
			}
			lines = append(lines, strings.Join(parts, s.Muted.Render(" · ")))
			parts, width, room = nil, 0, c.Width
		}
		width += lipgloss.Width(p) + 3
		parts = append(parts, s.Key.Render(b.Help().Key)+" "+s.Muted.Render(truncate(b.Help().Desc, max(4, c.Width-lipgloss.Width(b.Help().Key)-1))))
	}
	if len(parts) > 0 {
		lines = append(lines, strings.Join(parts, s.Muted.Render(" · ")))
	}
	if pos != "" && len(lines) > 0 {
		lines[0] += s.Muted.Render("   " + pos)
	}
	return lines
}

// msgAsCmd is a Cmd that returns msg.
func msgAsCmd(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// friendlyTextError says in words what went wrong, keeping the cause for errors.Is.
type friendlyTextError struct {
	text string
	err  error
}

func (e friendlyTextError) Error() string { return e.text }
func (e friendlyTextError) Unwrap() error { return e.err }

// padLines pads lines with empty ones to n.
func padLines(lines []string, n int) []string {
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines
}

func firstLineOf(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// HelpInPage tells the root that the page shows its own keys.
func (m *AttentionModel) HelpInPage() {}
