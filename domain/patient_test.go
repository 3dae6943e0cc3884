package domain

import "testing"

// An import whose file has no column for a part of a patient's data
// leaves that part as stored: the protection, the address and the
// guardians of a known patient stay; for a new patient it is empty; a
// part the file has (keep says nothing of it) is what the file says.
func TestKeepFrom_AColumnTheFileLacksLeavesTheStoredValue(t *testing.T) {
	stored := newTestPatient(t, "20120303-3327", withProtected(), withGuardians(eva, olof))
	bare := PatientInput{ID: stored.ID(), Name: "Lilly Ek"}
	all := FieldAddress | FieldPhone | FieldInterpreter | Field1177Account | FieldNotifications |
		FieldSMSReminders | FieldProtected | FieldPaperDeclined | FieldGuardians
	got, err := NewPatient(bare.KeepFrom(&stored, all))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Protected() || got.Address() != stored.Address() || len(got.Guardians()) != 2 ||
		got.Has1177Account() != stored.Has1177Account() || got.Name() != "Lilly Ek" {
		t.Fatalf("kept: %+v, stored %+v", got.Snapshot(), stored.Snapshot())
	}
	// Only what keep names stays: the file's empty protected column lifts it.
	got, _ = NewPatient(bare.KeepFrom(&stored, all&^FieldProtected))
	if got.Protected() || got.Address() != stored.Address() {
		t.Fatalf("protected column given: %+v", got.Snapshot())
	}
	if in := bare.KeepFrom(nil, all); in.Protected || !in.Address.IsZero() || in.Guardians != nil {
		t.Fatalf("a new patient takes nothing: %+v", in)
	}
}

// What the file gives implies the rest: an account closed takes its
// notifications with it, and a guardian's phone given keeps that guardian's
// address and the other guardian.
func TestKeepFrom_WhatTheFileSaysImpliesTheRest(t *testing.T) {
	stored := newTestPatient(t, "20120303-3327", withGuardians(eva, olof))
	if !stored.NotificationsEnabled() {
		t.Fatal("test patient without notifications")
	}
	closed := PatientInput{ID: stored.ID(), Name: "Lilly Ek", Has1177Account: false}
	got, err := NewPatient(closed.KeepFrom(&stored, FieldAddress|FieldPhone|FieldInterpreter|FieldNotifications|
		FieldSMSReminders|FieldProtected|FieldPaperDeclined|FieldGuardians))
	if err != nil || got.Has1177Account() || got.NotificationsEnabled() {
		t.Fatalf("account closed: %+v, %v", got.Snapshot(), err)
	}
	phone := PatientInput{ID: stored.ID(), Name: "Lilly Ek", Address: stored.Address(),
		Guardians: []Guardian{{Name: "Eva Ek", Phone: "0701112234"}, {}}}
	keep := FieldPhone | FieldInterpreter | Field1177Account | FieldNotifications | FieldSMSReminders | FieldProtected |
		FieldPaperDeclined | FieldGuardian1Address | FieldGuardian2Name | FieldGuardian2Address | FieldGuardian2Phone
	got, err = NewPatient(phone.KeepFrom(&stored, keep))
	if err != nil {
		t.Fatal(err)
	}
	gs := got.Guardians()
	if len(gs) != 2 || gs[0].Phone != "+46701112234" || gs[0].Address != eva.Address || gs[1].Name != "Olof Ek" || gs[1].Address != olof.Address {
		t.Fatalf("guardians %+v", gs)
	}
}
