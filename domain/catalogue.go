package domain

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"time"
)

// ErrUnknownExam and ErrUnknownSite are returned for codes not in the
// configured catalogue.
var (
	ErrUnknownExam = errors.New("unknown examination code")
	ErrUnknownSite = errors.New("unknown site code")
)

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,23}$`)

// Examination is one examination type of the department's catalogue. Its
// Digital flag is R1: the staged rollout is configuration, read at start-up.
type Examination struct {
	Code        string        // short, stable, lower case: used in the CLI, files and reports
	Name        string        // Swedish name as printed in the summons
	Duration    time.Duration // how long the visit takes
	Preparation string        // what the patient must do before the visit (Swedish)
	Digital     bool          // R1: digital summons enabled for this type
	Stage       int           // rollout stage the type belongs to (1 = pilot), for reporting
}

// Site is a hospital where the department examines patients.
type Site struct {
	Code          string
	Name          string // e.g. "Länssjukhuset Ryhov"
	Street        string // visiting address
	PostalCode    string
	City          string
	DirectionsURL string // how to find the department; linked from the digital summons (R2)
}

// Catalogue is the validated set of examinations and sites, in a stable order.
type Catalogue struct {
	exams []Examination
	sites []Site
}

// NewCatalogue validates examinations and sites: codes well-formed and
// unique, names present, durations positive, directions links absolute URLs.
func NewCatalogue(exams []Examination, sites []Site) (Catalogue, error) {
	seen := map[string]bool{}
	for _, e := range exams {
		where := "exams." + e.Code
		switch {
		case !codePattern.MatchString(e.Code):
			return Catalogue{}, fmt.Errorf("%s: code must be 1–24 lower-case letters, digits or '-'", where)
		case seen["e"+e.Code]:
			return Catalogue{}, fmt.Errorf("%s: code used twice", where)
		case e.Name == "":
			return Catalogue{}, fmt.Errorf("%s.name: missing", where)
		case e.Duration < time.Minute || e.Duration > 24*time.Hour:
			return Catalogue{}, fmt.Errorf("%s.duration: %v is not between 1 minute and 24 hours", where, e.Duration)
		}
		seen["e"+e.Code] = true
	}
	for _, s := range sites {
		where := "sites." + s.Code
		switch {
		case !codePattern.MatchString(s.Code):
			return Catalogue{}, fmt.Errorf("%s: code must be 1–24 lower-case letters, digits or '-'", where)
		case seen["s"+s.Code]:
			return Catalogue{}, fmt.Errorf("%s: code used twice", where)
		case s.Name == "":
			return Catalogue{}, fmt.Errorf("%s.name: missing", where)
		}
		if s.DirectionsURL != "" {
			u, err := url.Parse(s.DirectionsURL)
			if err != nil || !u.IsAbs() || u.Host == "" {
				return Catalogue{}, fmt.Errorf("%s.directions_url: %q is not an absolute URL", where, s.DirectionsURL)
			}
		}
		seen["s"+s.Code] = true
	}
	if len(exams) == 0 {
		return Catalogue{}, errors.New("exams: the catalogue has no examinations")
	}
	if len(sites) == 0 {
		return Catalogue{}, errors.New("sites: no sites configured")
	}
	c := Catalogue{exams: append([]Examination(nil), exams...), sites: append([]Site(nil), sites...)}
	sort.SliceStable(c.exams, func(i, j int) bool {
		if c.exams[i].Stage != c.exams[j].Stage {
			return c.exams[i].Stage < c.exams[j].Stage
		}
		return c.exams[i].Code < c.exams[j].Code
	})
	sort.SliceStable(c.sites, func(i, j int) bool { return c.sites[i].Code < c.sites[j].Code })
	return c, nil
}

// Exams lists the examinations, pilot stage first.
func (c Catalogue) Exams() []Examination { return append([]Examination(nil), c.exams...) }

// Sites lists the sites by code.
func (c Catalogue) Sites() []Site { return append([]Site(nil), c.sites...) }

// Exam looks an examination up by code.
func (c Catalogue) Exam(code string) (Examination, error) {
	for _, e := range c.exams {
		if e.Code == code {
			return e, nil
		}
	}
	return Examination{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownExam, code, c.examCodes())
}

// Site looks a site up by code.
func (c Catalogue) Site(code string) (Site, error) {
	for _, s := range c.sites {
		if s.Code == code {
			return s, nil
		}
	}
	var codes []string
	for _, s := range c.sites {
		codes = append(codes, s.Code)
	}
	return Site{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownSite, code, joinComma(codes))
}

func (c Catalogue) examCodes() string {
	var codes []string
	for _, e := range c.exams {
		codes = append(codes, e.Code)
	}
	return joinComma(codes)
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}
