package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/kallelse/kallelse/domain"
)

// View draws the page, the status line and the help. A question, an
// error or a note too long for one line wraps over the help line and, if
// need be, the page's last lines: it is never cut, at any width.
func (m *Model) View() string {
	if m.c.Width == 0 {
		return m.c.T("loading")
	}
	s := m.c.Styles
	title := s.Title.Render(truncate(m.c.T("app_title")+" — "+m.pageTitle(), m.c.Width))
	body := ""
	if _, p := m.top(); p != nil {
		body = p.View()
	} else {
		body = m.bookings.View()
	}
	bodyLines := strings.Split(body, "\n")
	pageHelp := false
	var km help.KeyMap = m.c.Keys
	if _, p := m.top(); p != nil {
		if pk, ok := p.(help.KeyMap); ok {
			km = pk
		}
		_, pageHelp = p.(interface{ HelpInPage() })
	}
	var bottom []string // the message area and the help line
	if msg := m.messageLines(); len(msg) > 0 {
		bottom = msg
	} else {
		bottom = []string{m.statusLine()}
		if !pageHelp {
			if m.fullHelp {
				bottom = append(bottom, fullHelpLines(m.c, km.FullHelp())...)
			} else {
				// bubbles' help can overrun the width when even its "…" does
				// not fit after the last key; cut it, escape codes and all.
				bottom = append(bottom, ansi.Truncate(m.c.Help.ShortHelpView(km.ShortHelp()), m.c.Width, "…"))
			}
		}
	}
	// The screen has its height: what the message area needs more than the
	// status and help lines comes off the page's bottom (above a page's own
	// help line, which stays).
	room := 2
	if pageHelp {
		room = 1
	}
	if cut := len(bottom) - room; cut > 0 {
		bodyLines = cutLines(bodyLines, cut, pageHelp)
	}
	return title + "\n" + strings.Join(bodyLines, "\n") + "\n" + strings.Join(bottom, "\n")
}

// messageLines is the question, or a long error or note, word-wrapped to the
// width over as many lines as it needs (at most five), followed by the answer
// keys or the status; nil when the normal status line holds it all.
func (m *Model) messageLines() []string {
	s := m.c.Styles
	w := max(m.c.Width, 10)
	wrap := func(text string) []string {
		lines := strings.Split(lipgloss.NewStyle().Width(w).Render(text), "\n")
		for i := range lines {
			lines[i] = strings.TrimRight(lines[i], " ")
		}
		if len(lines) > 5 {
			lines = append(lines[:4], truncate(strings.Join(lines[4:], " "), w))
		}
		return lines
	}
	if m.confirm != nil {
		if m.confirm.noting {
			prompt := m.c.T("confirm_note_prompt")
			keys := m.c.T("confirm_note_keys")
			lines := wrap("? " + m.confirm.text)
			for i := range lines {
				lines[i] = s.Warn.Render(lines[i])
			}
			m.confirm.note.Width = max(5, w-lipgloss.Width(prompt)-2)
			return append(lines, prompt+" "+m.confirm.note.View(), s.Key.Render(truncate(keys, w)))
		}
		yn := m.c.T("confirm_yes_no")
		if m.confirm.withNote != nil {
			yn = m.c.T("confirm_yes_no_note")
		}
		lines := wrap("? " + m.confirm.text)
		last := lines[len(lines)-1]
		for i := range lines {
			lines[i] = s.Warn.Render(lines[i])
		}
		if lipgloss.Width(last)+2+lipgloss.Width(yn) <= w {
			lines[len(lines)-1] += "  " + s.Key.Render(yn)
		} else {
			lines = append(lines, s.Key.Render(truncate(yn, w)))
		}
		return lines
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
	if lipgloss.Width(text)+2+20 <= w { // fits beside the loop's status
		return nil
	}
	lines := wrap(text)
	for i := range lines {
		lines[i] = style.Render(lines[i])
	}
	saved, savedInfo, savedWarn := m.errText, m.info, m.warn
	m.errText, m.info, m.warn = "", "", ""
	status := m.statusLine()
	m.errText, m.info, m.warn = saved, savedInfo, savedWarn
	return append(lines, status)
}

func (m *Model) pageTitle() string {
	page, comp := m.top()
	switch page {
	case PageDetail:
		return m.c.T("page_detail")
	case PageForm:
		if f, ok := comp.(*FormModel); ok && f.rebook != nil {
			return m.c.T("page_rebook")
		}
		return m.c.T("page_new")
	case PageAttention:
		return m.c.T("page_attention")
	case PagePrint:
		return m.c.T("page_print")
	case PageDashboard:
		return m.c.T("page_dashboard")
	case PageRollout:
		return m.c.T("page_rollout")
	case PagePatient:
		if f, ok := comp.(*PatientFormModel); ok && !f.create {
			return m.c.T("page_patient_edit")
		}
		return m.c.T("page_patient_new")
	}
	return m.c.T("page_bookings")
}

func (m *Model) statusLine() string {
	s := m.c.Styles
	var parts []string
	if m.loopRunning {
		parts = append(parts, "● "+m.c.T("loop_running"))
	} else {
		parts = append(parts, "○ "+m.c.T("loop_stopped"))
	}
	if !m.lastTick.IsZero() && m.c.Width >= 80 { // narrower, the alerts need the room
		parts = append(parts, m.c.T("last_tick", m.lastTick.In(domain.Stockholm).Format("15:04:05")))
	}
	parts = append(parts, m.c.T("waiting", m.status.waiting))
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
	// Fit to the width before styling, so escape codes are never cut.
	w := m.c.Width
	lead = truncate(lead, w)
	rest := truncate(strings.Join(parts, " · "), max(0, w-lipgloss.Width(lead)))
	al := ""
	if len(alerts) > 0 {
		al = truncate(" · "+strings.Join(alerts, " · "), max(0, w-lipgloss.Width(lead)-lipgloss.Width(rest)))
	}
	return leadStyle.Render(lead) + s.Status.Render(rest) + s.Warn.Render(al)
}

// fullHelpLines is every key, a group per line, wrapped to the width: no
// group is dropped for want of a column (bubbles' full help drops those
// that do not fit).
func fullHelpLines(c *Common, groups [][]key.Binding) []string {
	s := c.Styles
	var out []string
	for _, g := range groups {
		line, w := "", 0
		for _, b := range g {
			if !b.Enabled() || b.Help().Key == "" {
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
