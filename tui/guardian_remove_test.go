package tui

import (
	"context"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/internal/tuitest"
)

// A protected child's guardian is removed in the form (custody changed):
// staff empty the guardian's name. The hidden address (never on screen)
// brings the guardian back without a name; the save is refused with the
// patient's "name missing" text, and the guardian cannot be removed.
func TestPatientForm_AProtectedPatientsGuardianCanBeRemoved(t *testing.T) {
	e := tuitest.Demo(t, 20, 30)
	ctx := context.Background()
	id, err := e.Svc.ParseIdentity("20150315-2389")
	if err != nil {
		t.Fatal(err)
	}
	g := domain.Guardian{Name: "Olle Olsson", Address: domain.Address{Street: "Dolda vägen 3", PostalCode: "57835", City: "Aneby"}}
	if _, err := e.Svc.ImportPatients(ctx, []service.ImportRow{{Line: 2, Patient: domain.PatientInput{ID: id, Name: "Lilla Olsson",
		Protected: true, Address: domain.Address{Street: "Hemliga gatan 7", PostalCode: "57834", City: "Aneby"},
		Guardians: []domain.Guardian{g}}}}); err != nil {
		t.Fatal(err)
	}
	m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
	tuitest.Run(t, m, func() tea.Msg { return common.OpenPatientFormMsg{ID: id} })
	for range 11 { // from the name to the first guardian's name
		tuitest.Keys(t, m, "down")
	}
	tuitest.Keys(t, m, "ctrl+u", "ctrl+s")
	p, err := e.St.Patient(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Guardians()) != 0 || m.Page() == PagePatient {
		t.Fatalf("the guardian whose name was emptied is still there (%d), page %v:\n%s", len(p.Guardians()), m.Page(), m.View())
	}
}
