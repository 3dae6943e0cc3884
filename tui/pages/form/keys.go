package form

import (
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/tui/common"
)

func (m *Model) updateKey(msg tea.KeyMsg) tea.Cmd {
	if m.busy {
		return nil
	}
	k := msg.String()
	switch {
	case k == "esc":
		m.waiting = nil // leaving (or asked to): nothing typed ahead is made
	case len(m.waiting) > 0 || m.focus == fieldPatient && m.searching && !m.leaving && !m.confirming && actsOnMatches(k):
		m.waiting = append(m.waiting, msg)
		return nil
	}
	// As in the root's confirmation, only j or y says yes: enter, pressed
	// to go through the fields, must not book by itself.
	yes := k == "j" || k == "J" || k == "y" || k == "Y"
	switch {
	case m.leaving:
		m.leaving = false
		if yes || k == "esc" {
			m.c.Post(common.BackMsg{})
		}
		return nil
	case m.confirming:
		switch {
		case yes:
			return m.submit()
		case k == "n" || k == "N" || k == "esc":
			m.confirming = false
		}
		return nil
	}
	m.submitErr = ""
	matching := m.focus == fieldPatient && len(m.matches) > 0
	var chosen tea.Cmd // the look at the patient picked, for the access log
	switch k {
	case "esc":
		if m.dirty() {
			m.leaving = true
			return nil
		}
		m.c.Post(common.BackMsg{})
		return nil
	case "ctrl+s":
		return m.tryConfirm()
	case "?":
		// No field takes it (a name, a number, a date, a time, a code):
		// every key, as elsewhere.
		m.c.Post(common.ToggleHelpMsg{})
		return nil
	case "tab":
		if matching {
			chosen = m.pick(m.matchCur)
		}
		m.move(1)
	case "shift+tab":
		m.move(-1)
	case "down", "up":
		d := 1
		if k == "up" {
			d = -1
		}
		if matching {
			m.matchCur = (m.matchCur + d + len(m.matches)) % len(m.matches)
			return nil
		}
		m.move(d)
	case "enter":
		switch {
		case matching:
			chosen = m.pick(m.matchCur)
			m.move(1)
		case m.focus == fieldTime:
			return m.tryConfirm()
		default:
			m.move(1)
		}
	default:
		return m.fieldKey(msg)
	}
	return tea.Batch(chosen, m.derive())
}

// actsOnMatches is whether key k, on the patient field, acts on the
// patients the search found.
func actsOnMatches(k string) bool {
	switch k {
	case "up", "down", "enter", "tab", "ctrl+s":
		return true
	}
	return false
}

// replay makes the keys that waited for the patient search's results, in
// order; a key that waits again (a new search) keeps the rest waiting.
func (m *Model) replay() tea.Cmd {
	keys := m.waiting
	m.waiting = nil
	var cmds []tea.Cmd
	for i, k := range keys {
		if len(m.waiting) > 0 {
			m.waiting = append(m.waiting, keys[i:]...)
			break
		}
		cmds = append(cmds, m.updateKey(k))
	}
	return tea.Batch(cmds...)
}

// fieldKey gives a key to the focused field.
func (m *Model) fieldKey(msg tea.KeyMsg) tea.Cmd {
	switch m.focus {
	case fieldExam, fieldSite:
		n := len(m.exams)
		idx := &m.examIdx
		if m.focus == fieldSite {
			n, idx = len(m.sites), &m.siteIdx
		}
		switch {
		case msg.Type == tea.KeyLeft:
			*idx, m.prefix = (*idx-1+n)%n, ""
		case msg.Type == tea.KeyRight || msg.Type == tea.KeySpace:
			*idx, m.prefix = (*idx+1)%n, ""
		case msg.Type == tea.KeyRunes:
			m.jump(strings.ToLower(string(msg.Runes)))
		}
		return m.derive()
	case fieldPatient:
		before := m.patientIn.Value()
		m.patientIn, _ = m.patientIn.Update(msg)
		if m.patientIn.Value() == before {
			return nil
		}
		return tea.Batch(m.patientChanged(), m.derive())
	case fieldDate:
		m.dateIn, _ = m.dateIn.Update(msg)
	case fieldTime:
		m.timeIn, _ = m.timeIn.Update(msg)
	}
	return m.derive()
}

// jump chooses the first examination or site whose code (or name) begins
// with the letters typed so far on the field.
func (m *Model) jump(letters string) {
	find := func(p string) bool {
		if m.focus == fieldExam {
			for i, e := range m.exams {
				if strings.HasPrefix(e.Code, p) || strings.HasPrefix(strings.ToLower(e.Name), p) {
					m.examIdx = i
					return true
				}
			}
			return false
		}
		for i, s := range m.sites {
			if strings.HasPrefix(s.Code, p) || strings.HasPrefix(strings.ToLower(s.Name), p) {
				m.siteIdx = i
				return true
			}
		}
		return false
	}
	switch {
	case find(m.prefix + letters):
		m.prefix += letters
	case find(letters):
		m.prefix = letters
	default:
		m.prefix = ""
	}
}

// move focuses the next (d > 0) or previous field; rebooking skips the
// fixed ones.
func (m *Model) move(d int) {
	first := fieldPatient
	if m.rebook != nil {
		first = fieldSite // the patient and the examination stay; the site may change
	}
	f := m.focus + formField(d)
	if f < first {
		f = first
	}
	if f > fieldTime {
		f = fieldTime
	}
	m.setFocus(f)
}

func (m *Model) setFocus(f formField) {
	m.focus, m.prefix = f, ""
	for i, in := range []*textinput.Model{&m.patientIn, &m.dateIn, &m.timeIn} {
		if f == []formField{fieldPatient, fieldDate, fieldTime}[i] {
			in.Focus()
			in.CursorEnd()
		} else {
			in.Blur()
		}
	}
}
