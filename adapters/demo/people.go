package demo

import (
	"fmt"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// showcase picks one patient for each reason code the policy can give, so
// that even a small demo shows them all.
func (g *gen) showcase(rows []service.ImportRow) []service.ImportRow {
	is := []func(domain.PatientInput) bool{
		func(p domain.PatientInput) bool { return p.ID.Kind() == domain.KindReservnummer },
		func(p domain.PatientInput) bool { return p.ID.Kind() == domain.KindSamordningsnummer },
		func(p domain.PatientInput) bool { a, ok := p.ID.AgeAt(g.now); return ok && a < domain.AdultAge },
		func(p domain.PatientInput) bool { return p.Interpreter != "" },
		func(p domain.PatientInput) bool { return !p.Has1177Account },
		func(p domain.PatientInput) bool { return p.Has1177Account && !p.NotificationsEnabled },
	}
	var out []service.ImportRow
	for _, match := range is {
		for _, r := range rows {
			if match(r.Patient) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// patients returns import rows and the indexes of the abdominal aortic
// screening cohort (men turning 65 this year).
func (g *gen) patients(n int) ([]service.ImportRow, []int) {
	var rows []service.ImportRow
	var screening []int
	used := map[string]bool{}
	for len(rows) < n {
		in, cohort := g.patient()
		if used[in.ID.Canonical()] {
			continue
		}
		used[in.ID.Canonical()] = true
		if cohort {
			screening = append(screening, len(rows))
		}
		rows = append(rows, service.ImportRow{Line: len(rows) + 2, Patient: in})
	}
	return rows, screening
}

func (g *gen) patient() (domain.PatientInput, bool) {
	pop := g.pop
	year := g.now.Year()
	var age int
	cohort := false
	switch x := g.r.Float64(); {
	case x < pop.Children:
		age = 2 + g.r.IntN(16)
	case x < pop.Children+(1-pop.Children)*0.21:
		age = 18 + g.r.IntN(27)
	case x < pop.Children+(1-pop.Children)*0.53:
		age = 45 + g.r.IntN(25)
	case x < pop.Children+(1-pop.Children)*0.92:
		age = 70 + g.r.IntN(25)
	default:
		age, cohort = 65, true
	}
	birth := time.Date(year-age, time.January, 1, 0, 0, 0, 0, domain.Stockholm).AddDate(0, 0, g.r.IntN(365))
	if cohort {
		birth = time.Date(year-65, time.January, 1, 0, 0, 0, 0, domain.Stockholm).AddDate(0, 0, g.r.IntN(300))
	}
	male := cohort || g.chance(0.5)
	serial := g.r.IntN(100)*10 + g.r.IntN(5)*2 // even gender digit: female
	if male {
		serial++
	}
	in := domain.PatientInput{}
	kind := g.r.Float64()
	switch {
	case kind < pop.Reservnummer && !cohort:
		letter := string(rune('A' + g.r.IntN(26)))
		id, _ := g.svc.Parser.Parse(fmt.Sprintf("%s-%s%03d", birth.Format("20060102"), letter, g.r.IntN(1000)), g.now)
		in.ID = id
	default:
		day := birth.Day()
		if kind < pop.Reservnummer+pop.Samordningsnummer && !cohort {
			day += 60
		}
		ten := fmt.Sprintf("%02d%02d%02d%03d", birth.Year()%100, int(birth.Month()), day, serial)
		id, err := g.svc.Parser.Parse(fmt.Sprintf("%04d%s%d", birth.Year(), ten[2:], domain.LuhnCheckDigit(ten)), g.now)
		if err != nil {
			panic(fmt.Sprintf("demo: generated %s%d: %v", ten, domain.LuhnCheckDigit(ten), err))
		}
		in.ID = id
	}
	surname := pick(g, surnames)
	if g.chance(pop.Interpreter) {
		p := pick(g, interpreterPeople)
		first := p.female
		if male {
			first = p.male
		}
		in.Name, in.Interpreter, surname = first+" "+p.surname, p.lang, p.surname
	} else {
		first := pick(g, femaleNames)
		if male {
			first = pick(g, maleNames)
		}
		in.Name = first + " " + surname
	}
	if !g.chance(pop.NoAddress) {
		in.Address = g.address()
		in.Protected = g.chance(pop.Protected)
	}
	if g.chance(pop.Mobile) {
		in.Phone = g.mobile()
		in.SMSReminders = g.chance(pop.SMS)
	}
	accountRate := pop.Account
	if age < 18 {
		accountRate = pop.ChildAccount
	}
	if in.ID.Kind() != domain.KindReservnummer && g.chance(accountRate) {
		in.Has1177Account = true
		in.NotificationsEnabled = g.chance(pop.Notifications)
		in.PaperDeclined = g.chance(pop.PaperDeclined)
	}
	if age < 18 && g.chance(pop.Guardians) {
		// One guardian or two; the second now and then at another address.
		for i := 0; i < 1+g.r.IntN(2); i++ {
			gd := domain.Guardian{Name: pick(g, femaleNames) + " " + surname, Address: in.Address, Phone: g.mobile()}
			if i == 1 {
				gd.Name = pick(g, maleNames) + " " + surname
				if g.chance(0.3) || in.Address.IsZero() {
					gd.Address = g.address()
				}
			}
			in.Guardians = append(in.Guardians, gd)
		}
	}
	return in, cohort
}

func (g *gen) address() domain.Address {
	pl := pick(g, places)
	return domain.Address{Street: fmt.Sprintf("%s %d", pl.street, 1+g.r.IntN(60)), PostalCode: pl.postal, City: pl.city}
}

func (g *gen) mobile() string {
	return fmt.Sprintf("07%d-%03d %02d %02d", []int{0, 2, 3, 6}[g.r.IntN(4)], g.r.IntN(1000), g.r.IntN(100), g.r.IntN(100))
}
