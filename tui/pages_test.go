package tui

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/kallelse/kallelse/tui/internal/tuitest"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

// pageSizes are the sizes every page is drawn at: the common terminal, a
// large one, and a small window.
var pageSizes = []struct{ w, h int }{{80, 24}, {120, 40}, {60, 15}}

// TestPages_Golden draws every page at the three sizes in both languages:
// it fits the terminal, shows no raw code or system phrase in Swedish, and
// matches its golden file (go test ./tui -update rewrites them).
func TestPages_Golden(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	reports := tuitest.NewReports(t, e)
	pages := []struct {
		name string
		keys []string
		want map[i18n.Lang]string
	}{
		{"bookings", nil, map[i18n.Lang]string{i18n.Swedish: "Bokningar", i18n.English: "Bookings"}},
		{"detail", []string{"enter"}, map[i18n.Lang]string{i18n.Swedish: "Bokning ", i18n.English: "Booking "}},
		{"form", []string{"n"}, map[i18n.Lang]string{i18n.Swedish: "Ny bokning", i18n.English: "New booking"}},
		{"patient", []string{"N"}, map[i18n.Lang]string{i18n.Swedish: "Ny patient", i18n.English: "New patient"}},
		{"attention", []string{"a"}, map[i18n.Lang]string{i18n.Swedish: "Att hantera", i18n.English: "Needs attention"}},
		{"print", []string{"u"}, map[i18n.Lang]string{i18n.Swedish: "Utskrifter", i18n.English: "Print"}},
		{"overview", []string{"o"}, map[i18n.Lang]string{i18n.Swedish: "Översikt", i18n.English: "Overview"}},
		{"rollout", []string{"o", "r"}, map[i18n.Lang]string{i18n.Swedish: "Nästa steg", i18n.English: "next rollout step"}},
	}
	for _, lang := range []i18n.Lang{i18n.Swedish, i18n.English} {
		for _, p := range pages {
			for _, s := range pageSizes {
				t.Run(fmt.Sprintf("%s_%s_%dx%d", p.name, lang, s.w, s.h), func(t *testing.T) {
					c := common.NewCommon(context.Background(), common.Backend{Service: e.Svc, Store: e.St, Hub: e.Svc.Hub, Reports: reports,
						Print: tuitest.NewPrintFolder()}, lang, lipgloss.NewRenderer(io.Discard))
					c.Width, c.Height = s.w, s.h
					m := ktStart(t, c)
					tuitest.Keys(t, m, p.keys...)
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
					if lang == i18n.Swedish {
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

// With every key shown (?) or a long message, the page gets less room and
// lays itself out in it: what is left of it is one unbroken run of the page
// as it was (never its top and its bottom with the middle cut out), with
// its own keys and the selected row still on screen.
func TestPages_LessRoomKeepsThePageWhole(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	reports := tuitest.NewReports(t, e)
	for _, p := range []struct {
		name string
		keys []string
		sel  bool
	}{{"bookings", nil, true}, {"attention", []string{"a"}, true}, {"print", []string{"u"}, true},
		{"overview", []string{"o", "tab"}, true}, {"rollout", []string{"o", "r"}, true}, {"detail", []string{"enter"}, false}} {
		t.Run(p.name, func(t *testing.T) {
			c := common.NewCommon(context.Background(), common.Backend{Service: e.Svc, Store: e.St, Hub: e.Svc.Hub, Reports: reports,
				Print: tuitest.NewPrintFolder()}, i18n.Swedish, lipgloss.NewRenderer(io.Discard))
			c.Width, c.Height = 60, 15
			m := ktStart(t, c)
			tuitest.Keys(t, m, p.keys...)
			before := strings.Split(m.View(), "\n")
			tuitest.Keys(t, m, "?")
			after := strings.Split(m.View(), "\n")
			if len(after) > 15 {
				t.Fatalf("%d lines", len(after))
			}
			// The page's lines: after the title, down to the status line.
			body := func(v []string) []string {
				for i, l := range v {
					if strings.Contains(l, "● loop") {
						return v[1:i]
					}
				}
				t.Fatalf("no status line:\n%s", strings.Join(v, "\n"))
				return nil
			}
			b, a := body(before), body(after)
			if len(a) >= len(b) {
				t.Fatalf("? took no room from the page:\n%s", strings.Join(after, "\n"))
			}
			if p.sel && !strings.Contains(strings.Join(a, "\n"), "▸") {
				t.Errorf("the selected row went:\n%s", strings.Join(after, "\n"))
			}
			// Keys typed while it is small move the cursor within what shows
			// (where the keys cover the page, the first key puts them away).
			if p.sel {
				for i := range 4 {
					tuitest.Keys(t, m, "down")
					if v := m.View(); !strings.Contains(v, "▸") {
						t.Fatalf("after %d × ↓ with ? shown, the selected row is off screen:\n%s", i+1, v)
					}
				}
				tuitest.Keys(t, m, "up", "up", "up", "up")
			}
			// Each line below the page's header comes right after the one
			// above it as the page was drawn before (its keys are under the
			// status line).
			end := len(a) - 1 // a list's last line is its footer, under fewer rows
			for i := 2; i < end; i++ {
				j := indexOf(b, a[i-1])
				if j < 0 || j+1 >= len(b) || b[j+1] != a[i] {
					if strings.TrimSpace(a[i]) == "" || strings.TrimSpace(a[i-1]) == "" {
						continue // the padding of a short page
					}
					t.Errorf("line %q follows %q, which it did not before:\nbefore:\n%s\nafter:\n%s", a[i], a[i-1],
						strings.Join(before, "\n"), strings.Join(after, "\n"))
					break
				}
			}
		})
	}
}

func indexOf(lines []string, l string) int {
	for i, x := range lines {
		if x == l {
			return i
		}
	}
	return -1
}

// Every page draws its keys in one place: under the status line, at the
// bottom of the screen (the README: "the bottom line shows the keys of the
// screen"), with nothing of the page below the status line and no key
// line above it. While a question is asked — the root's, or a form's own —
// its answer keys take the keys' place, and the screen keeps its height.
func TestPages_KeysUnderTheStatusLine(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	reports := tuitest.NewReports(t, e)
	// The keys of every page end with ? (every key), a form's too: no
	// field takes ? (the walk found it missing from the forms' keys). A
	// form's keys say ctrl+s. Neither, nor esc, is ever a page's own words.
	const every = "? all hjälp"
	for _, p := range []struct {
		name string
		keys []string // to the page
		want string   // on the page: it is the one meant
		own  string   // in its keys
		ask  []string // keys that ask a question there
	}{
		{"bookings", nil, "Bokningar", every, nil},
		{"detail", []string{"enter"}, "Bokning ", every, nil},
		{"attention", []string{"a"}, "Att hantera", every, []string{"T"}},
		{"print", []string{"u"}, "Utskrifter", every, []string{"r"}},
		{"overview", []string{"o"}, "Översikt", every, nil},
		{"overview drill-down", []string{"o", "tab", "enter"}, "Bakom ", every, nil},
		{"rollout", []string{"o", "r"}, "Nästa steg", every, nil},
		{"rollout groups", []string{"o", "r", "enter"}, "Observ.", every, nil},
		{"form", []string{"n"}, "Ny bokning", "ctrl+s boka", []string{"x", "esc"}},
		{"form, ctrl+c", []string{"n"}, "Ny bokning", "ctrl+s boka", []string{"x", "ctrl+c"}},
		{"patient", []string{"N"}, "Ny patient", "ctrl+s spara", []string{"x", "esc"}},
		{"patient, ctrl+c", []string{"N"}, "Ny patient", "ctrl+s spara", []string{"x", "ctrl+c"}},
	} {
		for _, s := range []struct{ w, h int }{{80, 24}, {60, 20}} {
			c := common.NewCommon(context.Background(), common.Backend{Service: e.Svc, Store: e.St, Hub: e.Svc.Hub, Reports: reports,
				Print: tuitest.NewPrintFolder()}, i18n.Swedish, lipgloss.NewRenderer(io.Discard))
			c.Width, c.Height = s.w, s.h
			m := ktStart(t, c)
			tuitest.Keys(t, m, p.keys...)
			v := m.View()
			lines := strings.Split(v, "\n")
			status := -1
			for i, l := range lines {
				if strings.HasPrefix(l, "● loop") {
					status = i
				}
			}
			switch {
			case !strings.Contains(v, p.want):
				t.Errorf("%s %dx%d: lacks %q:\n%s", p.name, s.w, s.h, p.want, v)
				continue
			case status < 0 || !strings.Contains(strings.Join(lines[status+1:], "\n"), p.own):
				t.Errorf("%s %dx%d: the keys are not under the status line:\n%s", p.name, s.w, s.h, v)
				continue
			case !strings.Contains(strings.Join(lines[status+1:], "\n"), every):
				t.Errorf("%s %dx%d: the keys lack %q:\n%s", p.name, s.w, s.h, every, v)
			case len(lines)-status-1 > 2:
				// The keys take one line, or two when they do not fit one.
				t.Errorf("%s %dx%d: %d lines under the status line:\n%s", p.name, s.w, s.h, len(lines)-status-1, v)
			}
			for i, l := range lines[:status] {
				if strings.Contains(l, p.own) || strings.Contains(l, "esc tillbaka") || strings.Contains(l, "esc avbryt") {
					t.Errorf("%s %dx%d: line %d %q, keys above the status line:\n%s", p.name, s.w, s.h, i, l, v)
				}
			}
			if p.ask == nil {
				continue
			}
			// A question's answer keys take the place of the page's, at the
			// bottom, and the screen keeps its height.
			tuitest.Keys(t, m, p.ask...)
			v = m.View()
			asked := strings.Split(v, "\n")
			if len(asked) != len(lines) || strings.Contains(v, p.own) || strings.Count(v, "[j] ja") != 1 ||
				!strings.Contains(asked[len(asked)-1], "[j] ja") {
				t.Errorf("%s %dx%d: %d lines while a question is asked (%d before):\n%s", p.name, s.w, s.h, len(asked), len(lines), v)
			}
		}
	}
}
