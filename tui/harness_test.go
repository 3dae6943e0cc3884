package tui

import (
	"testing"

	"github.com/kallelse/kallelse/tui/internal/tuitest"

	"github.com/kallelse/kallelse/tui/common"

	tea "github.com/charmbracelet/bubbletea"
)

// ktStart sizes and initialises a root model.
func ktStart(t testing.TB, c *common.Common) *Model {
	t.Helper()
	m := New(c, true)
	var tm tea.Model = m
	tm, _ = tm.Update(tea.WindowSizeMsg{Width: c.Width, Height: c.Height})
	return tuitest.Run(t, tm, m.Init()).(*Model)
}

// query is the search typed in the bookings list.
func query(m *Model) string {
	_, q := m.bookings.Query()
	return q
}
