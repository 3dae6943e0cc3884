package tui

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/kallelse/kallelse/domain"
)

// pageSizes are the sizes every page is drawn at: the common terminal, a
// large one, and a small window.
var pageSizes = []struct{ w, h int }{{80, 24}, {120, 40}, {60, 15}}

// TestPages_Golden draws every page at the three sizes in both languages:
// it fits the terminal, shows no raw code or system phrase in Swedish, and
// matches its golden file (go test ./tui -update rewrites them).
func TestPages_Golden(t *testing.T) {
	e := ktDemo(t, 60, 120)
	reports := newDBReports(t, e)
	pages := []struct {
		name string
		keys []string
		want map[Lang]string
	}{
		{"bookings", nil, map[Lang]string{Swedish: "Bokningar", English: "Bookings"}},
		{"detail", []string{"enter"}, map[Lang]string{Swedish: "Bokning ", English: "Booking "}},
		{"form", []string{"n"}, map[Lang]string{Swedish: "Ny bokning", English: "New booking"}},
		{"patient", []string{"N"}, map[Lang]string{Swedish: "Ny patient", English: "New patient"}},
		{"attention", []string{"a"}, map[Lang]string{Swedish: "Att hantera", English: "Needs attention"}},
		{"print", []string{"u"}, map[Lang]string{Swedish: "Utskrifter", English: "Print"}},
		{"overview", []string{"o"}, map[Lang]string{Swedish: "Översikt", English: "Overview"}},
		{"rollout", []string{"o", "r"}, map[Lang]string{Swedish: "Nästa steg", English: "next rollout step"}},
	}
	for _, lang := range []Lang{Swedish, English} {
		for _, p := range pages {
			for _, s := range pageSizes {
				t.Run(fmt.Sprintf("%s_%s_%dx%d", p.name, lang, s.w, s.h), func(t *testing.T) {
					c := NewCommon(context.Background(), Backend{Service: e.svc, Store: e.st, Hub: e.svc.Hub, Reports: reports,
						Print: newAPPrint()}, lang, lipgloss.NewRenderer(io.Discard))
					c.Width, c.Height = s.w, s.h
					m := ktStart(t, c)
					ktKeys(t, m, p.keys...)
					v := m.View()
					if !strings.Contains(v, p.want[lang]) {
						t.Errorf("lacks %q:\n%s", p.want[lang], v)
					}
					lines := strings.Split(v, "\n")
					if len(lines) > s.h {
						t.Errorf("%d lines on a %d-line terminal:\n%s", len(lines), s.h, v)
					}
					for i, l := range lines {
						if w := lipgloss.Width(l); w > s.w {
							t.Errorf("line %d is %d wide on a %d-column terminal: %q", i, w, s.w, l)
						}
					}
					if lang == Swedish {
						if code := rawCode(v); code != "" {
							t.Errorf("a raw code or English phrase on a Swedish screen: %q\n%s", code, v)
						}
					}
					golden.RequireEqual(t, []byte(v))
				})
			}
		}
	}
}

var catalogueKeyRE = regexp.MustCompile(`\b(ch|ev|rs|st|tm|rem|pf|ro|act|attn|dash|pq|form|pu|err|blocked|confirm)_[a-z0-9_]+\b`)

// rawCode is the first code of the domain (an event type, a state or a skip
// with an underscore) or system phrase in English found in v, "" for none.
func rawCode(v string) string {
	var codes []string
	for _, e := range domain.AllEventTypes {
		if strings.Contains(string(e), "_") {
			codes = append(codes, string(e))
		}
	}
	for _, s := range domain.AllStates {
		if strings.Contains(string(s), "_") {
			codes = append(codes, string(s))
		}
	}
	for _, n := range domain.SystemNotes {
		if strings.Contains(n, "_") || len(n) > 12 {
			codes = append(codes, n)
		}
	}
	for _, c := range codes {
		if strings.Contains(v, c) {
			return c
		}
	}
	// A catalogue key T could not find comes out as the key itself.
	if k := catalogueKeyRE.FindString(v); k != "" {
		return k
	}
	return ""
}
