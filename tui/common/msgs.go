package common

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/domain"
)

// AskConfirmMsg asks the user to confirm an action before it runs.
type AskConfirmMsg struct {
	Text string
	Run  tea.Cmd
	// WithNote, when set, also offers "yes, with a note": the note typed
	// goes into the event (cancel, phoned).
	WithNote func(note string) tea.Cmd
}

// OpenPatientFormMsg opens the patient form: a new patient when ID is zero,
// else that patient to change.
type OpenPatientFormMsg struct{ ID domain.IdentityNumber }

// OpenRolloutMsg opens the rollout page from the overview.
type OpenRolloutMsg struct{}

// ToggleHelpMsg shows or hides every key, as ? does on the pages that do
// not take typing: a form sends it for the ? no field of it takes.
type ToggleHelpMsg struct{}

// Navigation messages, sent by components to the root.
type (
	// OpenDetailMsg opens a booking's detail.
	OpenDetailMsg struct{ ID domain.BookingID }
	// OpenFormMsg opens the booking form; Rebook set means rebooking it.
	OpenFormMsg struct{ Rebook *domain.Booking }
	// BackMsg returns to the previous page.
	BackMsg struct{}
)
