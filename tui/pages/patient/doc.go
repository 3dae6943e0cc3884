// Package patient is the patient form: add a patient or change one, with
// the rules of the CSV import (domain.NewPatient).
package patient
