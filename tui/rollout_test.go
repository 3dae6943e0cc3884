package tui

import (
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
	"strconv"
	"strings"
	"testing"

	"github.com/kallelse/kallelse/tui/internal/tuitest"
)

// The rollout page: from the overview with r, one row per examination not
// yet digital, most letters saved first, each with its interval; enter
// shows the comparable groups behind the figure, esc the table again.
func TestRollout_WhichExaminationNextAndWhatItSaves(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	m := ktStart(t, tuitest.EnvCommon(e, 80, 24))
	tuitest.Keys(t, m, "o", "r")
	if m.Page() != PageRollout {
		t.Fatalf("page %v", m.Page())
	}
	v := m.View()
	tuitest.Contains(t, v, "Nästa steg i utrullningen", "Sparade brev/mån", "90 % intervall")
	var rows []string
	for _, l := range strings.Split(v, "\n") {
		if strings.HasPrefix(l, "▸ ") || (strings.HasPrefix(l, "  ") && strings.Contains(l, "(") && strings.Contains(l, "–")) {
			rows = append(rows, l)
		}
	}
	var digital []string
	for _, x := range e.Svc.Catalogue.Exams() {
		if x.Digital {
			digital = append(digital, x.Code)
		}
	}
	for _, l := range rows {
		for _, code := range digital {
			if strings.HasPrefix(strings.TrimLeft(l, "▸ "), code+" ") {
				t.Errorf("a digital examination projected: %q", l)
			}
		}
	}
	if len(rows) < 2 {
		t.Fatalf("projection rows %q:\n%s", rows, v)
	}
	// Most letters saved first.
	prev := 1e9
	for _, l := range rows {
		f := strings.Fields(strings.TrimLeft(l, "▸ "))
		if len(f) < 3 {
			continue
		}
		val, err := strconv.ParseFloat(strings.Replace(f[2], ",", ".", 1), 64)
		if err != nil {
			continue // "för få"
		}
		if val > prev {
			t.Errorf("not sorted by letters saved: %q after %v", l, prev)
		}
		prev = val
	}
	tuitest.Keys(t, m, "enter")
	tuitest.Contains(t, m.View(), "grupperna bakom", "Öppnar i tid (90 %)")
	tuitest.Keys(t, m, "esc")
	tuitest.Contains(t, m.View(), "Sparade brev/mån")
	tuitest.Keys(t, m, "esc")
	if m.Page() != PageDashboard {
		t.Fatalf("esc left %v", m.Page())
	}
}

// The groups behind a figure keep their rate whole at 60 columns in both
// languages: on a narrow terminal the figures go under the group.
func TestRollout_TheGroupsRateIsWholeAt60Columns(t *testing.T) {
	e := tuitest.Demo(t, 60, 120)
	for _, lang := range []i18n.Lang{i18n.Swedish, i18n.English} {
		c := tuitest.EnvCommon(e, 60, 15)
		c.Lang, c.Keys = lang, common.NewKeyMap(lang)
		m := ktStart(t, c)
		tuitest.Keys(t, m, "o", "r", "enter")
		v := m.View()
		rates := 0
		for _, l := range strings.Split(v, "\n") {
			if strings.Contains(l, "…") {
				t.Errorf("%s: a line is cut: %q", lang, l)
			}
			if strings.Contains(l, "%–") {
				rates++
				if !strings.HasSuffix(strings.TrimRight(l, " "), ")") {
					t.Errorf("%s: a rate is not whole: %q", lang, l)
				}
			}
		}
		if rates == 0 {
			t.Fatalf("%s: no group rate on screen:\n%s", lang, v)
		}
	}
}
