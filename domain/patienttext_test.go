package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestImplicit_APatientsTextIsBoundedAndFreeOfControlCharacters(t *testing.T) {
	base := func() PatientInput {
		id, err := DefaultIdentityParser().Parse("19121212-1212", ref)
		if err != nil {
			t.Fatal(err)
		}
		return PatientInput{ID: id, Name: "Tolvan Tolvansson", Address: Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"}}
	}
	if _, err := NewPatient(base()); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("å", 201)
	cases := map[string]func(*PatientInput){
		"name: 201 characters":                            func(in *PatientInput) { in.Name = long },
		"street: 201 characters":                          func(in *PatientInput) { in.Address.Street = long },
		"city: 101 characters":                            func(in *PatientInput) { in.Address.City = long[:202] },
		"name: holds the control character U+0000":        func(in *PatientInput) { in.Name = "Tolvan\x00" },
		"interpreter: holds the control character U+001B": func(in *PatientInput) { in.Interpreter = "arabiska\x1b[31m" },
		// A direction mark reorders every list row the name is shown in.
		"name: holds the control character U+202E": func(in *PatientInput) { in.Name = "Anna \u202enossnaS" },
		"city: holds the control character U+2066": func(in *PatientInput) { in.Address.City = "Jönköping\u2066" },
		"guardian 1: name: 201 characters": func(in *PatientInput) {
			in.Guardians = []Guardian{{Name: long}}
		},
	}
	for want, change := range cases {
		in := base()
		change(&in)
		_, err := NewPatient(in)
		if !errors.Is(err, ErrInvalidPatient) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "ååå") {
			t.Errorf("%s: %v", want, err)
		}
	}
	in := base()
	in.Name = "Tolvan\tTolvansson" // a tab is a space
	if p, err := NewPatient(in); err != nil || p.Name() != "Tolvan Tolvansson" {
		t.Fatalf("a tab: %v %q", err, p.Name())
	}
}
