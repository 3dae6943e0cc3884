package patient

import (
	"strings"

	"github.com/kallelse/kallelse/domain"
)

// A child's guardians, who get its letters and SMS: their lines in the
// form, shown for a patient under 18 or with guardians recorded.

// pfGuardianFields are each guardian's lines (g1_name, g1_phone, …), shown
// for a child, or for a patient who has guardians recorded: a child's
// letters go to them, and its SMS to their phone.
var pfGuardianFields = []string{"name", "phone", "street", "postal", "city"}

// guardianKey is the field key of guardian n's (1, 2) line part.
func guardianKey(n int, part string) string { return "g" + string(rune('0'+n)) + "_" + part }

// guardianPart splits a guardian field's key into the guardian (1, 2)
// and the part; 0 for other fields.
func guardianPart(key string) (int, string) {
	if len(key) > 3 && key[0] == 'g' && key[2] == '_' && key[1] >= '1' && key[1] <= '0'+domain.MaxGuardians {
		return int(key[1] - '0'), key[3:]
	}
	return 0, ""
}

// hasGuardianFields reports whether the guardians' lines are in the form.
func (m *Model) hasGuardianFields() bool { return m.field(guardianKey(1, "name")) != nil }

// showGuardians adds the guardians' lines when the patient is a child (by
// the identity number, today) or has guardians recorded; they stay once
// shown, so that nothing typed in them is lost.
func (m *Model) showGuardians(id domain.IdentityNumber, has bool) {
	if m.hasGuardianFields() {
		return
	}
	if age, ok := id.AgeAt(m.c.Now()); !has && (!ok || age >= 18) {
		return
	}
	for n := 1; n <= domain.MaxGuardians; n++ {
		for _, part := range pfGuardianFields {
			m.fields = append(m.fields, pfField{key: guardianKey(n, part), in: m.newInput()})
		}
	}
}

// guardianTyped reports whether anything is typed for guardian n.
func (m *Model) guardianTyped(n int) bool {
	for _, part := range pfGuardianFields {
		if f := m.field(guardianKey(n, part)); f != nil && strings.TrimSpace(f.in.Value()) != "" {
			return true
		}
	}
	return false
}

// guardianAddressesWhole checks that each guardian's address is whole or
// empty, as the patient's is; if not, the error stands under the first of
// its lines left empty, which gets the focus.
func (m *Model) guardianAddressesWhole() bool {
	for n := 1; n <= domain.MaxGuardians && m.hasGuardianFields(); n++ {
		// A guardian's address is whole or empty, as the patient's is:
		// said under the first of its lines left empty.
		var empty []string
		for _, part := range []string{"street", "postal", "city"} {
			if strings.TrimSpace(m.field(guardianKey(n, part)).in.Value()) == "" {
				empty = append(empty, part)
			}
		}
		if len(empty) == 1 || len(empty) == 2 {
			m.fields[m.focus].in.Blur()
			f := m.field(guardianKey(n, empty[0]))
			f.err = m.c.T("pf_err_address")
			for i := range m.fields {
				if &m.fields[i] == f {
					m.focus = i
				}
			}
			f.in.Focus()
			return false
		}
	}
	return true
}
