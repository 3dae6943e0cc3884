package domain

import (
	"strings"
	"testing"
	"time"
)

var (
	examDigital = Examination{Code: "ekg24", Name: "Långtids-EKG, 1 dygn", Duration: 30 * time.Minute, Digital: true, Stage: 1}
	examPaper   = Examination{Code: "mps", Name: "Myokardskintigrafi", Duration: 3 * time.Hour, Digital: false, Stage: 3}
	siteRyhov   = Site{Code: "ryhov", Name: "Länssjukhuset Ryhov"}
)

type patientOpt func(*PatientInput)

func withInterpreter(lang string) patientOpt { return func(in *PatientInput) { in.Interpreter = lang } }
func withoutAccount() patientOpt {
	return func(in *PatientInput) { in.Has1177Account, in.NotificationsEnabled = false, false }
}
func withoutSMS() patientOpt { return func(in *PatientInput) { in.SMSReminders = false } }
func withNotificationsOff() patientOpt {
	return func(in *PatientInput) { in.NotificationsEnabled = false }
}

// newTestPatient is a digital adult (born 1980) unless opts say otherwise.
func newTestPatient(t *testing.T, idStr string, opts ...patientOpt) Patient {
	t.Helper()
	if idStr == "" {
		idStr = validPnr(1980, 5, 17, 234)
	}
	p, err := NewIdentityParser("")
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.Parse(idStr, ref)
	if err != nil {
		t.Fatal(err)
	}
	in := PatientInput{ID: id, Name: "Test Testsson", Address: Address{Street: "Storgatan 1", PostalCode: "55318", City: "Jönköping"},
		Phone: "0701234567", Has1177Account: true, NotificationsEnabled: true, SMSReminders: true}
	for _, o := range opts {
		o(&in)
	}
	pt, err := NewPatient(in)
	if err != nil {
		t.Fatal(err)
	}
	return pt
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
