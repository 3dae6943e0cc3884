package common

import "github.com/charmbracelet/lipgloss"

// Styles are built from the session's renderer, so that over SSH each
// terminal gets its own colour profile, and NO_COLOR is respected.
// Colour is never the only carrier of meaning: channels and states are
// also written out, and urgent things carry a symbol.
type Styles struct {
	App, Title, Header, Row, Selected, Muted, Error, Warn, OK, Key, Status, Box, Label, Value lipgloss.Style
}

// Theme holds the semantic colour tokens.
var theme = struct {
	Primary, Muted, Error, Warn, OK, SelectedBg lipgloss.AdaptiveColor
}{
	Primary:    lipgloss.AdaptiveColor{Light: "#005B99", Dark: "#6CB4EE"},
	Muted:      lipgloss.AdaptiveColor{Light: "#666666", Dark: "#8A8A8A"},
	Error:      lipgloss.AdaptiveColor{Light: "#B00020", Dark: "#FF6B6B"},
	Warn:       lipgloss.AdaptiveColor{Light: "#8A5A00", Dark: "#F0B849"},
	OK:         lipgloss.AdaptiveColor{Light: "#1B7F3B", Dark: "#5FD38D"},
	SelectedBg: lipgloss.AdaptiveColor{Light: "#DCEBFA", Dark: "#24415E"},
}

// NewStyles builds the styles for one renderer (one terminal).
func NewStyles(r *lipgloss.Renderer) Styles {
	return Styles{
		App:      r.NewStyle(),
		Title:    r.NewStyle().Bold(true).Foreground(theme.Primary),
		Header:   r.NewStyle().Bold(true).Underline(true),
		Row:      r.NewStyle(),
		Selected: r.NewStyle().Bold(true).Background(theme.SelectedBg),
		Muted:    r.NewStyle().Foreground(theme.Muted),
		Error:    r.NewStyle().Bold(true).Foreground(theme.Error),
		Warn:     r.NewStyle().Foreground(theme.Warn),
		OK:       r.NewStyle().Foreground(theme.OK),
		Key:      r.NewStyle().Bold(true),
		Status:   r.NewStyle().Foreground(theme.Muted),
		Box:      r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(theme.Primary).Padding(0, 1),
		Label:    r.NewStyle().Foreground(theme.Muted),
		Value:    r.NewStyle(),
	}
}
