package form

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

func TestForm_RefusesATimeTheClocksSkipOrShowTwice(t *testing.T) {
	h := newFormHarness(t, 200, 30).open(nil) // wide enough for the message on one line
	// Summer time starts Sunday 28 March 2027: 02:00 becomes 03:00.
	h.press("tolv", "enter", "tab", "tab", "2027-03-28", "tab", "02:30")
	h.wantView("02:30 finns inte 2027-03-28: klockan ställs fram från 02:00 till 03:00 den natten")
	h.wantNotView("03:30")
	h.press("ctrl+s")
	h.wantNotView("Boka?")
	// Summer time ends Sunday 31 October 2027: 02:00–02:59 comes twice.
	h.press("shift+tab", "ctrl+u", "2027-10-31", "tab", "ctrl+u", "0230")
	h.wantView("02:30 inträffar två gånger 2027-10-31: klockan ställs tillbaka från 03:00 till 02:00 den natten; välj en annan tid")
	h.press("ctrl+s")
	h.wantNotView("Boka?")
	// Either side of the change is an ordinary time, and a visit across the
	// spring change ends when the clocks say: 01:30 + 60 min is 03:30.
	h.press("shift+tab", "ctrl+u", "2027-03-28", "tab", "ctrl+u", "01:30")
	h.wantNotView("finns inte", "två gånger")
	h.press("ctrl+s")
	h.wantView("Boka?")
	if h.f.at.Format("2006-01-02 15:04 -07:00") != "2027-03-28 01:30 +01:00" {
		t.Errorf("visit at %v", h.f.at)
	}

	h = newFormHarness(t, 200, 30)
	h.c.Lang = i18n.English
	h.open(nil)
	h.press("tolv", "enter", "tab", "tab", "2027-10-31", "tab", "02:15")
	h.wantView("02:15 happens twice on 2027-10-31: the clocks go back from 03:00 to 02:00 that night; choose another time")
}

func TestForm_ATimeAcrossTheSpringChangeShowsItsRealEnd(t *testing.T) {
	h := newFormHarness(t, 100, 30).open(nil)
	// arbetsprov takes an hour.
	h.press("tolv", "enter", "a", "tab", "tab", "2027-03-28", "tab", "01:30")
	h.wantView("→ 01:30–03:30")
	h.wantNotView("→ 01:30–02:30")
}

// FuzzFormFields feeds what a secretary may type to each parser of the
// booking form — the date, the time, the patient field's identity number —
// and the date and time together. None panics; an accepted date is the date
// typed (or the one "+N" or "MM-DD" means); an accepted time is the clock
// typed; an accepted date and time is that wall time in Stockholm, never
// shifted; a refusal is words in both languages.
func FuzzFormFields(f *testing.F) {
	f.Add("2027-03-28", "02:30", "19121212-1212", uint16(0))
	f.Add("10-31", "0230", "tolv", uint16(300))
	parser := domain.DefaultIdentityParser()
	f.Fuzz(func(t *testing.T, date, clock, patient string, days uint16) {
		now := formNow.AddDate(0, 0, int(days))
		today := common.StartOfDay(now)
		date, clock, patient = strings.TrimSpace(date), strings.TrimSpace(clock), strings.TrimSpace(patient)

		day, dayOK := formParseDay(date, now)
		if dayOK {
			checkFormDay(t, date, day, today)
		}
		h, mi, clockOK := formParseClock(clock)
		if clockOK {
			checkFormClock(t, clock, h, mi)
		}
		if dayOK && clockOK {
			checkFormVisit(t, day, h, mi)
		}

		complete := formIDComplete(patient)
		id, err := parser.Parse(patient, now)
		var ie *domain.IdentityError
		switch {
		case err == nil:
			again, err := parser.Parse(id.String(), now)
			if err != nil || again.Canonical() != id.Canonical() {
				t.Fatalf("identity %q is %s, which reads back as %v, %v", patient, id, again, err)
			}
		case complete && errors.As(err, &ie):
			for _, lang := range []i18n.Lang{i18n.Swedish, i18n.English} {
				checkFormText(t, i18n.T(lang, "form_id_invalid", ie.Reason))
			}
		}
	})
}

// checkFormDay: the date typed is the date taken, at midnight in Stockholm.
func checkFormDay(t *testing.T, in string, day, today time.Time) {
	t.Helper()
	if day.Location() != domain.Stockholm || !day.Equal(common.StartOfDay(day)) {
		t.Fatalf("formParseDay(%q) = %v: not a midnight in Stockholm", in, day)
	}
	y, m, d := day.Date()
	switch {
	case strings.HasPrefix(in, "+"):
		n, err := strconv.Atoi(in[1:])
		if err != nil {
			t.Fatalf("formParseDay(%q) took a number strconv does not", in)
		}
		ty, tm, td := today.Date()
		if want := time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n); !time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Equal(want) {
			t.Fatalf("formParseDay(%q) on %s = %s", in, today.Format(time.DateOnly), day.Format(time.DateOnly))
		}
	case len(in) == 5: // MM-DD: the next such date from today
		if day.Format("01-02") != in || day.Before(today) {
			t.Fatalf("formParseDay(%q) on %s = %s", in, today.Format(time.DateOnly), day.Format(time.DateOnly))
		}
		for yy := today.Year(); yy < y; yy++ {
			if c := time.Date(yy, m, d, 0, 0, 0, 0, domain.Stockholm); c.Month() == m && !c.Before(today) {
				t.Fatalf("formParseDay(%q) on %s = %s, not the next such date %s", in, today.Format(time.DateOnly), day.Format(time.DateOnly), c.Format(time.DateOnly))
			}
		}
	default:
		if day.Format("2006-01-02") != in && day.Format("20060102") != in {
			t.Fatalf("formParseDay(%q) = %s: shifted", in, day.Format(time.DateOnly))
		}
	}
}

// checkFormClock: the clock taken is the one typed, HH:MM, H:MM, HH.MM or HHMM.
func checkFormClock(t *testing.T, in string, h, mi int) {
	t.Helper()
	if h < 0 || h > 23 || mi < 0 || mi > 59 {
		t.Fatalf("formParseClock(%q) = %d:%d", in, h, mi)
	}
	norm := strings.ReplaceAll(in, ".", ":")
	if !strings.Contains(norm, ":") {
		norm = norm[:2] + ":" + norm[2:]
	}
	if want := formTwoDigits(h) + ":" + formTwoDigits(mi); norm != want && "0"+norm != want {
		t.Fatalf("formParseClock(%q) = %s", in, want)
	}
}

// checkFormVisit: the visit is the wall time on the day, or a refusal that
// names the time and is due to the clocks changing that night.
func checkFormVisit(t *testing.T, day time.Time, h, mi int) {
	t.Helper()
	for _, lang := range []i18n.Lang{i18n.Swedish, i18n.English} {
		at, why := formVisitAt(lang, day, h, mi)
		if why == "" {
			lt := at.In(domain.Stockholm)
			if lt.Format("2006-01-02") != day.Format("2006-01-02") || lt.Hour() != h || lt.Minute() != mi || lt.Second() != 0 {
				t.Fatalf("formVisitAt(%s, %02d:%02d) = %s: shifted", day.Format(time.DateOnly), h, mi, lt)
			}
			continue
		}
		checkFormText(t, why)
		clock := formTwoDigits(h) + ":" + formTwoDigits(mi)
		if !at.IsZero() || !strings.HasPrefix(why, clock+" ") || !strings.Contains(why, day.Format("2006-01-02")) {
			t.Fatalf("formVisitAt(%s, %s) = %v, %q", day.Format(time.DateOnly), clock, at, why)
		}
		// Refused only where the clocks change: time.Date would shift it,
		// or the clocks show it twice, with two offsets.
		d := time.Date(day.Year(), day.Month(), day.Day(), h, mi, 0, 0, domain.Stockholm)
		if d.Format("2006-01-02 15:04") == day.Format("2006-01-02 ")+clock && !formShownTwice(d) {
			t.Fatalf("formVisitAt(%s, %s) refused an ordinary time: %q", day.Format(time.DateOnly), clock, why)
		}
	}
}

// checkFormText: a message for the form is words, formatted, one line.
func checkFormText(t *testing.T, s string) {
	t.Helper()
	if s == "" || strings.Contains(s, "%!") || strings.Contains(s, "\n") {
		t.Fatalf("form text %q", s)
	}
}

// formShownTwice reports whether the Stockholm clocks show d's minute again,
// with another offset, within three hours of d.
func formShownTwice(d time.Time) bool {
	_, off := d.Zone()
	for k := -180; k <= 180; k++ {
		o := d.Add(time.Duration(k) * time.Minute)
		if _, o2 := o.Zone(); o2 != off && o.Format("2006-01-02 15:04") == d.Format("2006-01-02 15:04") {
			return true
		}
	}
	return false
}
