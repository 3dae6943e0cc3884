// Package demo builds a realistic synthetic database for training, demos and
// tests: valid identity numbers across ages and kinds, interpreter needs,
// 1177 account and notification states in the proportions the region
// reports (91 % of residents have logged in to 1177), and bookings across the
// catalogue and the three sites, with their history up to the given instant.
// Everything goes through the same use cases as staff input.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// Options size the demo.
type Options struct {
	Patients int
	Bookings int
	Seed     uint64
}

// Summary says what was built.
type Summary struct {
	Patients int
	Bookings int
	ByState  map[domain.BookingState]int
}

// Actor is the user recorded for the demo's changes.
const Actor = "demo"

// examWeights make long-term ECG and echocardiography the common ones, as in
// a real department.
var examWeights = map[string]int{
	"ekg24": 20, "ekg48": 6, "ekg6d": 5, "eko": 18, "aorta": 8, "arbetsprov": 10,
	"bt24": 8, "lungfunktion": 8, "mps": 3, "karl": 6, "vilo-ekg": 8,
}

var siteWeights = map[string]int{"ryhov": 50, "hoglandet": 25, "varnamo": 25}

// Generate builds the demo through svc as of instant now.
func Generate(ctx context.Context, svc *service.Service, now time.Time, opt Options) (Summary, error) {
	if opt.Patients < 1 || opt.Bookings < 0 {
		return Summary{}, errors.New("demo needs at least one patient and zero or more bookings")
	}
	g := &gen{r: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x6b616c6c656c7365)), now: now, svc: svc.As(Actor)}
	sum := Summary{ByState: map[domain.BookingState]int{}}
	rows, screening := g.patients(opt.Patients)
	g.at(now.AddDate(0, 0, -60))
	res, err := g.svc.ImportPatients(ctx, rows)
	if err != nil {
		return sum, err
	}
	if len(res.Rejected) > 0 {
		return sum, fmt.Errorf("demo generated an invalid patient: %v", res.Rejected[0])
	}
	sum.Patients = res.Created + res.Updated + res.Unchanged
	exams := g.svc.Catalogue.Exams()
	sites := g.svc.Catalogue.Sites()
	showcase := g.showcase(rows)
	for i := 0; i < opt.Bookings; i++ {
		exam := g.pickExam(exams)
		site := g.pickSite(sites)
		pool := rows
		if i < len(showcase) {
			// The first bookings show every reason a summons goes on paper.
			pool, exam = showcase[i:i+1], exams[0]
		}
		b, err := g.book(ctx, pool, screening, exam, site)
		if err != nil {
			return sum, err
		}
		if b == nil {
			continue
		}
		if b, err = g.history(ctx, b); err != nil {
			return sum, err
		}
		sum.Bookings++
		sum.ByState[b.State()]++
	}
	return sum, nil
}

type gen struct {
	r   *rand.Rand
	now time.Time
	svc *service.Service
}

func (g *gen) at(t time.Time) { g.svc.Clock = domain.FixedClock{T: t} }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

func (g *gen) pickExam(exams []domain.Examination) domain.Examination {
	return weighted(g, exams, func(e domain.Examination) int { return max(examWeights[e.Code], 1) })
}

func (g *gen) pickSite(sites []domain.Site) domain.Site {
	return weighted(g, sites, func(s domain.Site) int { return max(siteWeights[s.Code], 1) })
}

func weighted[T any](g *gen, xs []T, w func(T) int) T {
	total := 0
	for _, x := range xs {
		total += w(x)
	}
	n := g.r.IntN(total)
	for _, x := range xs {
		if n -= w(x); n < 0 {
			return x
		}
	}
	return xs[len(xs)-1]
}

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
	year := g.now.Year()
	var age int
	cohort := false
	switch x := g.r.Float64(); {
	case x < 0.05:
		age = 2 + g.r.IntN(16)
	case x < 0.25:
		age = 18 + g.r.IntN(27)
	case x < 0.55:
		age = 45 + g.r.IntN(25)
	case x < 0.92:
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
	case kind < 0.01 && !cohort:
		letter := string(rune('A' + g.r.IntN(26)))
		id, _ := g.svc.Parser.Parse(fmt.Sprintf("%s-%s%03d", birth.Format("20060102"), letter, g.r.IntN(1000)), g.now)
		in.ID = id
	default:
		day := birth.Day()
		if kind < 0.03 && !cohort {
			day += 60
		}
		ten := fmt.Sprintf("%02d%02d%02d%03d", birth.Year()%100, int(birth.Month()), day, serial)
		id, err := g.svc.Parser.Parse(fmt.Sprintf("%04d%s%d", birth.Year(), ten[2:], luhn(ten)), g.now)
		if err != nil {
			panic(fmt.Sprintf("demo: generated %s%d: %v", ten, luhn(ten), err))
		}
		in.ID = id
	}
	if g.chance(0.06) {
		p := pick(g, interpreterPeople)
		first := p.female
		if male {
			first = p.male
		}
		in.Name, in.Interpreter = first+" "+p.surname, p.lang
	} else {
		first := pick(g, femaleNames)
		if male {
			first = pick(g, maleNames)
		}
		in.Name = first + " " + pick(g, surnames)
	}
	if !g.chance(0.005) { // protected identity: no address on file
		pl := pick(g, places)
		in.Address = domain.Address{Street: fmt.Sprintf("%s %d", pl.street, 1+g.r.IntN(60)), PostalCode: pl.postal, City: pl.city}
	}
	if g.chance(0.9) {
		in.Phone = fmt.Sprintf("07%d-%03d %02d %02d", []int{0, 2, 3, 6}[g.r.IntN(4)], g.r.IntN(1000), g.r.IntN(100), g.r.IntN(100))
		in.SMSReminders = g.chance(0.6)
	}
	accountRate := 0.91
	if age < 18 {
		accountRate = 0.4
	}
	if in.ID.Kind() != domain.KindReservnummer && g.chance(accountRate) {
		in.Has1177Account = true
		in.NotificationsEnabled = g.chance(0.75)
	}
	return in, cohort
}

func luhn(nine string) int {
	sum := 0
	for i := 0; i < 9; i++ {
		d := int(nine[i] - '0')
		if i%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// slot picks a working-day visit time between lo and hi on a quarter-hour grid.
func (g *gen) slot(lo, hi time.Time) time.Time {
	span := hi.Sub(lo)
	for {
		d := lo.Add(time.Duration(g.r.Int64N(int64(span)))).In(domain.Stockholm)
		t := time.Date(d.Year(), d.Month(), d.Day(), 8, 0, 0, 0, domain.Stockholm).Add(time.Duration(g.r.IntN(32)) * 15 * time.Minute)
		if _, off := domain.NonWorkingDay(t); !off && t.After(lo) {
			return t
		}
	}
}

func (g *gen) book(ctx context.Context, rows []service.ImportRow, screening []int, exam domain.Examination, site domain.Site) (*domain.Booking, error) {
	for try := 0; try < 5; try++ {
		row := rows[g.r.IntN(len(rows))]
		if exam.Code == "aorta" && len(screening) > 0 {
			row = rows[pick(g, screening)]
		}
		// Booked by a secretary during office hours some day in the last 40 days.
		day := g.now.AddDate(0, 0, -g.r.IntN(40)).In(domain.Stockholm)
		created := time.Date(day.Year(), day.Month(), day.Day(), 8, g.r.IntN(8*60), 0, 0, domain.Stockholm)
		if !created.Before(g.now) {
			created = g.now.Add(-time.Hour)
		}
		visit := g.slot(created.Add(3*24*time.Hour), created.Add(50*24*time.Hour))
		g.at(created)
		res, err := g.svc.Book(ctx, service.BookInput{Patient: row.Patient.ID.String(), Exam: exam.Code, Site: site.Code, VisitAt: visit})
		if errors.Is(err, domain.ErrOverlap) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return res.Booking, nil
	}
	return nil, nil
}

// history plays what happened to a booking until now.
func (g *gen) history(ctx context.Context, b *domain.Booking) (*domain.Booking, error) {
	id := b.ID()
	var err error
	switch x := g.r.Float64(); {
	case x < 0.04:
		when := b.CreatedAt().Add(time.Duration(g.r.Int64N(int64(b.VisitAt().Sub(b.CreatedAt())))))
		if when.Before(g.now) {
			g.at(when)
			return g.svc.Cancel(ctx, id, "patienten ringde och avbokade")
		}
	case x < 0.10:
		when := b.CreatedAt().Add(24 * time.Hour)
		if when.Before(g.now) && when.Before(b.VisitAt()) {
			g.at(when)
			next := g.slot(b.VisitAt().Add(24*time.Hour), b.VisitAt().Add(21*24*time.Hour))
			nb, _, err := g.svc.Rebook(ctx, id, next)
			if err == nil {
				b = nb
			} else if !errors.Is(err, domain.ErrOverlap) {
				return nil, err
			}
		}
	}
	if end := b.VisitAt().Add(b.Duration()); end.Before(g.now) {
		g.at(end)
		if g.chance(0.06) {
			b, err = g.svc.MarkNoShow(ctx, id)
		} else {
			b, err = g.svc.MarkAttended(ctx, id)
		}
	}
	return b, err
}
