package tui

import (
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// confirmModel is the yes/no question shown over the page.
type confirmModel struct {
	text     string
	run      tea.Cmd
	withNote func(note string) tea.Cmd
	noting   bool // typing the note
	note     textinput.Model
}
