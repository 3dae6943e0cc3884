package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// postalCodeShape is a Swedish postal code: five digits, "55305", or
// written with its space, "553 05".
var postalCodeShape = regexp.MustCompile(`^[0-9]{3} ?[0-9]{2}$`)

// checkSite refuses a site whose visiting address is missing: every
// examination can be booked at every site, and the letter and the digital
// summons (R2) carry the address. A missing directions link is not refused
// — a configuration written before it was checked would stop the clinic at
// the upgrade — but warned of (SitesWithoutDirections).
func checkSite(code string, s SiteConfig) error {
	key := "sites." + code
	for _, f := range []struct{ name, v, what string }{
		{"name", s.Name, "the hospital's name"},
		{"street", s.Street, "the visiting address, printed in the letter and sent to 1177"},
		{"postal_code", s.PostalCode, `five digits, e.g. "55305"`},
		{"city", s.City, "the visiting address's city"},
	} {
		if strings.TrimSpace(f.v) == "" {
			return fmt.Errorf("%s.%s: missing (%s)", key, f.name, f.what)
		}
	}
	if !postalCodeShape.MatchString(s.PostalCode) {
		return fmt.Errorf(`%s.postal_code: %q is not a Swedish postal code (five digits, e.g. "55305" or "553 05")`, key, s.PostalCode)
	}
	return nil
}

// SitesWithoutDirections names, sorted, the sites with no directions_url:
// their digital summons carry no link to how to find the department, which
// R2 asks for.
func (c *Config) SitesWithoutDirections() []string {
	var out []string
	for code, s := range c.Sites {
		if strings.TrimSpace(s.DirectionsURL) == "" {
			out = append(out, "sites."+code+".directions_url")
		}
	}
	slices.Sort(out)
	return out
}
