package service

import (
	"context"
	"errors"
	"testing"

	"github.com/kallelse/kallelse/domain"
)

func TestSavePatient_AddsChangesAndRefusesWhatTheImportRefuses(t *testing.T) {
	svc := newService(t)
	st := svc.Store
	ctx := context.Background()
	id, err := svc.ParseIdentity("19750821-4561")
	if err != nil {
		t.Fatal(err)
	}
	in := domain.PatientInput{ID: id, Name: "Ahmad Al-Hassan", Address: domain.Address{Street: "Hovslagaregatan 4", PostalCode: "331 30", City: "Värnamo"},
		Phone: "0735551122", Has1177Account: true}
	sek := svc.For(domain.Principal{User: "anna", Role: domain.RoleSekreterare}, NewSession("s1", ViaTUI))
	if _, err := sek.SavePatient(ctx, in, false); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("changing a patient not registered: %v", err)
	}
	if _, err := sek.SavePatient(ctx, in, true); err != nil {
		t.Fatal(err)
	}
	if _, err := sek.SavePatient(ctx, in, true); !errors.Is(err, ErrPatientExists) {
		t.Fatalf("adding twice: %v", err)
	}
	in.Interpreter = "arabiska"
	p, err := sek.SavePatient(ctx, in, false)
	if err != nil || p.Interpreter() != "arabiska" {
		t.Fatalf("change: %v %v", p, err)
	}
	got, err := st.Patient(ctx, id)
	if err != nil || got.Interpreter() != "arabiska" || got.Address().PostalCode != "33130" {
		t.Fatalf("stored: %+v %v", got, err)
	}
	in.NotificationsEnabled, in.Has1177Account = true, false
	if _, err := sek.SavePatient(ctx, in, false); !errors.Is(err, domain.ErrInvalidPatient) {
		t.Fatalf("the import's rule: %v", err)
	}
	koord := svc.For(domain.Principal{User: "kim", Role: domain.RoleKoordinator}, NewSession("s2", ViaTUI))
	if _, err := koord.SavePatient(ctx, in, false); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("a koordinator: %v", err)
	}
	var actions []domain.AccessAction
	if err := st.AccessEntries(ctx, domain.AccessQuery{Patient: id}, func(e domain.AccessEntry) error {
		actions = append(actions, e.Action)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(actions) != 2 || actions[0] != domain.AccessEditPatient || actions[1] != domain.AccessEditPatient {
		t.Fatalf("access log %v, want two edit_patient", actions)
	}
}
