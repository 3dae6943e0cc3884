package domain

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// PatientTextLimits is the longest value, in characters after trimming the
// spaces around it, each text field of a patient (and of a guardian) takes.
// A name or a street address of 200 characters is already no one's; beyond
// that it is a pasted document or a shifted column.
var PatientTextLimits = map[string]int{
	"name": 200, "street": 200, "city": 100, "interpreter": 100, "phone": 40, "postal_code": 16,
}

// CheckPatientText is the rule for a patient's text fields, wherever they
// come from (the CSV import, the form): within the field's limit and free
// of control characters (a tab reads as a space). The error names the field
// and never repeats the value.
func CheckPatientText(field, v string) error {
	if why := textProblem(field, v); why != "" {
		return fmt.Errorf("%w: %s", ErrInvalidPatient, why)
	}
	return nil
}

func textProblem(field, v string) string {
	if n, limit := utf8.RuneCountInString(strings.TrimSpace(v)), PatientTextLimits[field]; limit > 0 && n > limit {
		return fmt.Sprintf("%s: %d characters, more than the %d allowed", field, n, limit)
	}
	for _, r := range v {
		if r != '\t' && NotShown(r) {
			return fmt.Sprintf("%s: holds the control character %U, which is not allowed", field, r)
		}
	}
	return ""
}

func checkPatientTexts(in PatientInput) error {
	check := func(prefix string, fields ...[2]string) error {
		for _, f := range fields {
			if why := textProblem(f[0], f[1]); why != "" {
				return fmt.Errorf("%w: %s%s", ErrInvalidPatient, prefix, why)
			}
		}
		return nil
	}
	if err := check("", [2]string{"name", in.Name}, [2]string{"street", in.Address.Street},
		[2]string{"postal_code", in.Address.PostalCode}, [2]string{"city", in.Address.City},
		[2]string{"phone", in.Phone}, [2]string{"interpreter", in.Interpreter}); err != nil {
		return err
	}
	for i, g := range in.Guardians {
		if err := check(fmt.Sprintf("guardian %d: ", i+1), [2]string{"name", g.Name}, [2]string{"street", g.Address.Street},
			[2]string{"postal_code", g.Address.PostalCode}, [2]string{"city", g.Address.City},
			[2]string{"phone", g.Phone}); err != nil {
			return err
		}
	}
	return nil
}
