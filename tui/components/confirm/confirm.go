// Package confirm is the yes/no question asked over a page before an
// action runs: "yes", "no", and for some actions "yes, with a note". It is
// drawn in the root's message area, wrapped to the width, never cut.
package confirm

import (
	"regexp"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/kallelse/kallelse/tui/common"
)

// maxLines is the most lines a question takes; the rest is cut with "…".
const maxLines = 5

// Model is one question, open until answered.
type Model struct {
	text     string
	run      tea.Cmd
	withNote func(note string) tea.Cmd
	noting   bool // typing the note
	note     textinput.Model
}

// New asks the question msg carries.
func New(msg common.AskConfirmMsg) *Model {
	return &Model{text: msg.Text, run: msg.Run, withNote: msg.WithNote}
}

// Text is the question.
func (m *Model) Text() string { return m.text }

// Noting reports whether the answer is "yes" and the note is being typed.
func (m *Model) Noting() bool { return m.noting }

// Update takes a key. done reports that the question is answered (or put
// away); cmd is what the answer runs: the action, with or without a note.
func (m *Model) Update(msg tea.KeyMsg) (done bool, cmd tea.Cmd) {
	if m.noting {
		switch msg.Type {
		case tea.KeyEnter:
			return true, m.withNote(strings.TrimSpace(m.note.Value()))
		case tea.KeyEsc:
			return true, nil
		}
		m.note, cmd = m.note.Update(msg)
		return false, cmd
	}
	switch msg.String() {
	case "j", "y", "J", "Y":
		return true, m.run
	case "n", "N", "esc":
		return true, nil
	case "a", "A":
		if m.withNote != nil {
			m.noting = true
			m.note = textinput.New()
			m.note.CharLimit = 500
			m.note.Prompt = ""
			return false, m.note.Focus()
		}
	}
	return false, nil
}

// Lines is the question wrapped to the width w, followed by the answer
// keys, or by the note being typed.
func (m *Model) Lines(c *common.Common, w int) []string {
	s := c.Styles
	w = max(w, 10)
	lines := Wrap("? "+m.text, w)
	if m.noting {
		prompt := c.T("confirm_note_prompt")
		for i := range lines {
			lines[i] = s.Warn.Render(lines[i])
		}
		m.note.Width = max(5, w-lipgloss.Width(prompt)-2)
		return append(lines, prompt+" "+m.note.View(), s.Key.Render(common.Truncate(c.T("confirm_note_keys"), w)))
	}
	yn := c.T("confirm_yes_no")
	if m.withNote != nil {
		yn = c.T("confirm_yes_no_note")
	}
	last := lines[len(lines)-1]
	for i := range lines {
		lines[i] = s.Warn.Render(lines[i])
	}
	if lipgloss.Width(last)+2+lipgloss.Width(yn) <= w {
		lines[len(lines)-1] += "  " + s.Key.Render(yn)
	} else {
		lines = append(lines, s.Key.Render(common.Truncate(yn, w)))
	}
	return lines
}

// dateTime is a date and a time of day, kept on one line.
var dateTime = regexp.MustCompile(`(\d{4}-\d{2}-\d{2}|\d{2}-\d{2}) (\d{2}:\d{2})`)

// Wrap breaks text at spaces to the width w, over at most five lines:
// never inside a date, a number or a path (only at spaces), and never
// between a date and its time.
func Wrap(text string, w int) []string {
	const nbsp = "\u00a0"
	text = dateTime.ReplaceAllString(text, "${1}"+nbsp+"${2}")
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		lines = append(lines, common.WrapIndent(para, w, 0)...)
	}
	for i := range lines {
		lines[i] = strings.ReplaceAll(strings.TrimRight(lines[i], " "), nbsp, " ")
	}
	if len(lines) > maxLines {
		lines = append(lines[:maxLines-1], common.Truncate(strings.Join(lines[maxLines-1:], " "), w))
	}
	return lines
}
