package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/components/confirm"
	"github.com/kallelse/kallelse/tui/i18n"
)

// View draws the page, the status line and the help. A question, an
// error or a note too long for one line wraps above the status line, and
// the page gives up the lines it needs (a question's answer keys take the
// place of the page's keys): it is never cut, at any width.
func (m *Model) View() string {
	if m.c.Width == 0 {
		return m.c.T("loading")
	}
	s := m.c.Styles
	title := s.Title.Render(common.Truncate(m.c.T("app_title")+" — "+m.pageTitle(), m.c.Width))
	var page common.Component = m.bookings
	if _, p := m.top(); p != nil {
		page = p
	}
	_, pageHelp := page.(common.HelpInPage)
	var bottom []string // the message area and the keys
	keysAt := 0         // where in bottom a page's own keys go (KeysBelow): under the status line
	switch msg := m.messageLines(); {
	case len(msg) > 0:
		bottom = msg
		keysAt = len(msg)
		if m.confirm == nil && !pageHelp && !m.fullHelp {
			// A long note or error keeps the page's keys under it: the
			// page gives up the line, not the keys.
			bottom = append(bottom, m.keyLines(page.ShortHelp())...)
		}
	case m.fullHelp:
		// Every key, on every page, under the page's own key line if it has
		// one. On a terminal too small for them and the page (a few rows),
		// they cover the page until the next key, which only puts them away.
		help := fullHelpLines(m.c, page.FullHelp())
		m.helpCovers = len(help) > m.c.Height-2-minPageRoom
		if m.helpCovers {
			help = append(help, m.c.Styles.Muted.Render(common.Truncate(m.c.T("help_any_key"), m.c.Width)))
		}
		bottom = append([]string{m.statusLine()}, help...)
		keysAt = 1
	case pageHelp:
		bottom = []string{m.statusLine()}
		keysAt = 1
	default:
		// The page's keys on one line, or two when they do not fit one.
		bottom = append([]string{m.statusLine()}, m.keyLines(page.ShortHelp())...)
	}
	// The screen has its height: what the message area and the keys need
	// more than the status and key lines comes off the page's room, and the
	// page lays itself out in what is left — its selected row, its own keys
	// and what it must say stay on screen; nothing is cut out of its middle.
	room := 2
	if pageHelp {
		room = 1
	}
	// The page keeps that room until the next drawing, so that the keys
	// typed meanwhile move its cursor within what is on screen.
	w, h := m.pageSize()
	page.SetSize(w, max(1, h-max(0, len(bottom)-room)))
	var b strings.Builder
	b.Grow((m.c.Width + 16) * (m.c.Height + 2)) // the screen's text: made once
	b.WriteString(title)
	b.WriteByte('\n')
	start := b.Len()
	if pw, ok := page.(common.ViewWriter); ok {
		pw.WriteView(&b)
	} else {
		b.WriteString(page.View())
	}
	if kb, ok := page.(common.KeysBelow); ok {
		// The page's own keys, in the room it kept for them: under the
		// status line; while a question is asked its answer keys stand
		// in their place, as on every page, and while every key is shown
		// (?) the full list does, never the short line above it again;
		// the page's room stays.
		keys := kb.KeyLines()
		if m.confirm != nil || m.fullHelp {
			b.WriteString(strings.Repeat("\n", len(keys)))
			keys = nil
		}
		bottom = append(append(append([]string(nil), bottom[:keysAt]...), keys...), bottom[keysAt:]...)
	}
	body := b.String()[start:]
	if over := strings.Count(body, "\n") + 1 + len(bottom) + 1 - m.c.Height; over > 0 && m.c.Height > 0 {
		lines := strings.Split(body, "\n") // a page smaller than its least room
		body = strings.Join(lines[:max(0, len(lines)-over)], "\n")
		return title + "\n" + body + "\n" + strings.Join(bottom, "\n")
	}
	for _, l := range bottom {
		b.WriteByte('\n')
		b.WriteString(l)
	}
	if len(bottom) == 0 {
		b.WriteByte('\n') // strings.Join of none is "", after the body's line break
	}
	return b.String()
}

// minPageRoom is the fewest lines a page keeps when all keys are shown.
const minPageRoom = 6

// messageLines is the question, or a long error or note, word-wrapped to the
// width over as many lines as it needs (at most five), followed by the answer
// keys or the status; nil when the normal status line holds it all.
func (m *Model) messageLines() []string {
	s := m.c.Styles
	w := max(m.c.Width, 10)
	if m.confirm != nil {
		return m.confirm.Lines(m.c, w)
	}
	var text string
	style := s.OK
	switch {
	case m.errText != "":
		text, style = "✗ "+m.errText, s.Error
	case m.warn != "":
		text, style = "! "+m.warn, s.Warn
	case m.info != "":
		text = "✓ " + m.info
	default:
		return nil
	}
	saved, savedInfo, savedWarn := m.errText, m.info, m.warn
	m.errText, m.info, m.warn = "", "", ""
	status := m.statusLine()
	m.errText, m.info, m.warn = saved, savedInfo, savedWarn
	if lipgloss.Width(text)+2+lipgloss.Width(status) <= w { // fits beside the loop's status, which stays whole
		return nil
	}
	lines := confirm.Wrap(text, w)
	for i := range lines {
		lines[i] = style.Render(lines[i])
	}
	return append(lines, status)
}

func (m *Model) pageTitle() string {
	if _, p := m.top(); p != nil {
		return p.Title()
	}
	return m.bookings.Title()
}

// statusKey is what the status line is drawn of.
type statusKey struct {
	width                                    int
	lang                                     i18n.Lang
	loopRunning                              bool
	lastTick                                 time.Time
	attention, quarantined, waiting, failing int
	errText, warn, info                      string
}

// statusLine is the loop's state, the last tick, the messages waiting and
// what needs a person, kept from the last drawing while what it is drawn
// of is the same: it is drawn on every key press, and changes with the
// loop's tick at most.
func (m *Model) statusLine() string {
	k := statusKey{width: m.c.Width, lang: m.c.Lang, loopRunning: m.loopRunning, lastTick: m.lastTick,
		attention: m.status.attention, quarantined: m.status.quarantined, waiting: m.status.waiting,
		failing: m.status.failing, errText: m.errText, warn: m.warn, info: m.info}
	if !m.statusDrawnOK || m.statusDrawn != k {
		m.statusDrawn, m.statusDrawnOK, m.statusText = k, true, m.drawStatusLine()
	}
	return m.statusText
}

func (m *Model) drawStatusLine() string {
	s := m.c.Styles
	var parts []string
	if m.loopRunning {
		parts = append(parts, "● "+m.c.T("loop_running"))
	} else {
		parts = append(parts, "○ "+m.c.T("loop_stopped"))
	}
	tick := ""
	if !m.lastTick.IsZero() {
		tick = m.c.T("last_tick", m.lastTick.In(domain.Stockholm).Format("15:04:05"))
	}
	waiting := m.c.T("waiting", m.status.waiting)
	var alerts []string
	if m.status.attention > 0 {
		alerts = append(alerts, "! "+m.c.T("attention_count", m.status.attention))
	}
	if m.status.failing > 0 {
		alerts = append(alerts, "✗ "+m.c.T("failing", m.status.failing))
	}
	if m.status.quarantined > 0 {
		alerts = append(alerts, "✗ "+m.c.T("quarantined", m.status.quarantined))
	}
	lead, leadStyle := "", s.OK
	switch {
	case m.errText != "":
		lead, leadStyle = "✗ "+m.errText+"  ", s.Error
	case m.warn != "":
		lead, leadStyle = "! "+m.warn+"  ", s.Warn
	case m.info != "":
		lead = "✓ " + m.info + "  "
	}
	// Fit to the width before styling, so escape codes are never cut. What
	// needs a person keeps its room: the last tick's time goes first, then
	// the loop's words are cut.
	w := m.c.Width
	lead = common.Truncate(lead, w)
	al := ""
	if len(alerts) > 0 {
		al = " · " + strings.Join(alerts, " · ")
	}
	room := max(0, w-common.Width(lead)-common.Width(al))
	if withTick := strings.Join(append(append(parts[:len(parts):len(parts)], tick), waiting), " · "); tick != "" && common.Width(withTick) <= room {
		parts = append(parts, tick)
	}
	rest := common.Truncate(strings.Join(append(parts, waiting), " · "), room)
	al = common.Truncate(al, max(0, w-common.Width(lead)-common.Width(rest)))
	return leadStyle.Render(lead) + s.Status.Render(rest) + s.Warn.Render(al)
}

// fullHelpLines is every key, a group per line, wrapped to the width: no
// group is dropped for want of a column (bubbles' full help drops those
// that do not fit).
func fullHelpLines(c *common.Common, groups [][]key.Binding) []string {
	s := c.Styles
	var out []string
	for _, g := range groups {
		line, w := "", 0
		for _, b := range g {
			// A binding turned off is left out; one that only names keys
			// the page handles itself (enter, ↑/↓: help without keys of
			// its own) is listed, as the key line lists it.
			if (!b.Enabled() && len(b.Keys()) > 0) || b.Help().Key == "" {
				continue
			}
			item := s.Key.Render(b.Help().Key) + " " + s.Muted.Render(b.Help().Desc)
			iw := lipgloss.Width(b.Help().Key) + 1 + lipgloss.Width(b.Help().Desc)
			switch {
			case w == 0:
			case w+3+iw <= c.Width:
				line, w = line+s.Muted.Render(" · "), w+3
			default:
				out = append(out, line)
				line, w = "", 0
			}
			line, w = line+item, w+iw
		}
		if w > 0 {
			out = append(out, ansi.Truncate(line, c.Width, "…"))
		}
	}
	return out
}

// keyLines is the page's keys drawn as one or two lines, kept from the last
// drawing while they and the width are the same: the keys line is drawn on
// every key press, and rarely changes.
func (m *Model) keyLines(bs []key.Binding) []string {
	var id strings.Builder
	id.WriteString(strconv.Itoa(m.c.Width))
	for _, b := range bs {
		if len(b.Keys()) > 0 && !b.Enabled() {
			continue
		}
		id.WriteString("\x00" + b.Help().Key + "\x01" + b.Help().Desc)
	}
	if id.String() != m.keysID {
		m.keysID, m.keys = id.String(), common.HintLines(m.c, bs, "")
	}
	return m.keys
}
