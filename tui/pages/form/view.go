package form

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

// View renders the fields, the channel decision beside them (or below them
// on a narrow terminal) and the messages, in the page's room less the
// form's key lines (KeyLines), which the root draws under the status line.
func (m *Model) View() string {
	w, h := max(m.width, 40), max(m.height, 10)
	leftW, panelW := w, w
	wide := w >= 100
	if wide {
		panelW = min(max(w*2/5, 36), 56)
		leftW = w - panelW - 2
	}
	tail := m.tailLines(w)
	if len(tail) > 0 {
		tail = append([]string{""}, tail...)
	}
	panel, ranks := m.rankedPanel(panelW, wide)
	room := h - 1 - len(tail)
	if !wide {
		room -= len(panel) + 1
	}
	n := min(len(m.matches), formMaxMatches)
	fields := m.fieldLines(leftW, n)
	for n > 1 && len(fields) > room {
		n--
		fields = m.fieldLines(leftW, n)
	}
	if !wide {
		// Too short for all of it: the panel gives up what matters least.
		panel = panelFit(panel, ranks, max(1, h-1-len(tail)-len(fields)-1))
	}
	var body []string
	if wide {
		for i := 0; i < max(len(fields), len(panel)); i++ {
			l, p := "", ""
			if i < len(fields) {
				l = fields[i]
			}
			if i < len(panel) {
				p = panel[i]
			}
			body = append(body, common.PadRight(l, leftW)+"  "+p)
		}
	} else {
		body = append(append(fields, ""), panel...)
	}
	if len(body) > h-1-len(tail) {
		body = body[:max(0, h-1-len(tail))]
	}
	lines := append(body, tail...)
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	m.keyLines = m.keys(w)
	// The keys may take two lines (ctrl+s stays on the screen at 60
	// columns): the second comes off the body's bottom.
	if extra := len(m.keyLines) - 1; extra > 0 {
		lines = common.CutLines(lines, extra, false)
	}
	return strings.Join(lines, "\n")
}

// keys are the form's key lines in w columns; while it asks (leave, book),
// the answer keys in their place, as under the root's questions.
func (m *Model) keys(w int) []string {
	s := m.c.Styles
	if m.leaving || m.confirming {
		return []string{s.Key.Render(common.Truncate(m.c.T("confirm_yes_no"), w))}
	}
	// The form's keys and ?, which shows them all, as every page's: on two
	// lines when they do not fit one, ? the last to give way.
	return common.HintLines(m.c, append(m.ShortHelp(), m.c.Keys.Help), "")
}

// KeyLines are the form's keys, or the answer keys while it asks, as the
// last View laid them out: the root draws them under the status line.
func (m *Model) KeyLines() []string { return m.keyLines }

// fieldLines renders the fields in leftW columns, listing at most n matches.
func (m *Model) fieldLines(width, n int) []string {
	s := m.c.Styles
	var out []string
	label := func(f formField, key string) string {
		mark := "  "
		st := s.Label
		if m.focus == f {
			mark, st = "▸ ", s.Key
		}
		return mark + st.Render(common.PadRight(m.c.T(key), formLabelW))
	}
	avail := max(10, width-formIndent)
	indent := strings.Repeat(" ", formIndent)
	note := func(st lipgloss.Style, text string) {
		for _, l := range formFlow([]string{text}, avail) {
			out = append(out, indent+st.Render(l))
		}
	}
	e, examOK := m.exam()
	if m.rebook != nil {
		if m.patient == nil && m.patientErr != "" {
			out = append(out, label(fieldPatient, "form_patient")+s.Error.Render(common.Truncate("✗ "+m.patientErr, avail)))
		} else {
			out = append(out, label(fieldPatient, "form_patient")+s.OK.Render(m.patientSummary(avail)))
		}
		if m.patient != nil {
			for _, l := range formFlow(m.patientFacts(), avail) {
				out = append(out, indent+s.Muted.Render(l))
			}
		}
		ex := m.rebook.Exam()
		if examOK {
			ex = formExamText(m.c, e, avail)
		}
		out = append(out, label(fieldExam, "form_exam")+s.Value.Render(common.Truncate(ex, avail)))
		out = append(out, label(fieldSite, "form_site")+m.siteArrows(avail))
		old := m.rebook.VisitAt()
		out = append(out, label(-1, "form_current")+s.Value.Render(common.Truncate(i18n.WeekdayShort(m.c.Lang, old)+" "+i18n.FmtTime(old)+"–"+
			formClock(old.Add(m.rebook.Duration()))+" · "+m.c.T("form_booking_no", int(m.rebook.ID())), avail)))
	} else {
		out = append(out, label(fieldPatient, "form_patient")+m.patientIn.View())
		switch {
		case m.patient != nil:
			out = append(out, indent+s.OK.Render(m.patientSummary(avail)))
			for _, l := range formFlow(m.patientFacts(), avail) {
				out = append(out, indent+s.Muted.Render(l))
			}
		case m.patientErr != "":
			note(s.Error, "✗ "+m.patientErr)
		case len(m.matches) > 0 && m.focus == fieldPatient:
			out = append(out, m.matchLines(avail, n)...)
		case len(m.matches) > 0:
			note(s.Warn, m.c.T("form_pick_patient"))
		case m.searching:
			note(s.Muted, m.c.T("loading"))
		case !m.idTyped.IsZero():
			note(s.Error, "✗ "+m.c.T("form_no_patient_id", m.idTyped.String()))
		case strings.TrimSpace(m.patientIn.Value()) != "":
			note(s.Warn, m.c.T("form_no_match", strings.TrimSpace(m.patientIn.Value())))
		case m.tried:
			note(s.Error, "✗ "+m.c.T("form_patient_missing"))
		}
		arrows := func(f formField, text string) string { return m.arrows(f, text, avail) }
		out = append(out, label(fieldExam, "form_exam")+arrows(fieldExam, formExamText(m.c, e, avail-4)))
		site := ""
		if m.siteIdx < len(m.sites) {
			site = m.siteText(m.sites[m.siteIdx].Code)
		}
		out = append(out, label(fieldSite, "form_site")+arrows(fieldSite, site))
	}
	// Date: the input, what it means, then a warning or an error.
	line := label(fieldDate, "form_date") + m.dateIn.View() + " "
	switch {
	case !m.day.IsZero():
		line += s.Muted.Render("→ " + i18n.WeekdayShort(m.c.Lang, m.day) + " " + m.day.Format("2006-01-02"))
	case m.focus == fieldDate:
		line += s.Muted.Render(m.c.T("form_date_hint"))
	}
	out = append(out, line)
	switch {
	case m.dateErr != "" && (m.focus != fieldDate || m.tried || m.dateSure):
		note(s.Error, "✗ "+m.dateErr)
	case m.dateWarn != "":
		note(s.Warn, "! "+m.dateWarn)
	case m.tried && m.day.IsZero():
		note(s.Error, "✗ "+m.c.T("form_date_missing"))
	}
	// Time: the input, the visit's span, then an error.
	line = label(fieldTime, "form_time") + m.timeIn.View() + " "
	if m.span != "" {
		line += s.Muted.Render("→ " + m.span)
	}
	out = append(out, line)
	switch {
	case m.timeErr != "" && (m.focus != fieldTime || m.tried || m.timeSure):
		note(s.Error, "✗ "+m.timeErr)
	case m.tried && strings.TrimSpace(m.timeIn.Value()) == "":
		note(s.Error, "✗ "+m.c.T("form_time_missing"))
	}
	return out
}

func (m *Model) matchLines(width, n int) []string {
	s := m.c.Styles
	start := 0
	if m.matchCur >= n {
		start = m.matchCur - n + 1
	}
	var out []string
	for i := start; i < start+n && i < len(m.matches); i++ {
		p := m.matches[i]
		age := ""
		if a, ok := p.ID().AgeAt(m.c.Now()); ok {
			age = m.c.T("form_age", a)
		}
		nameW := min(28, max(8, width-2-13-2-8))
		row := common.PadRight(common.Truncate(p.Name(), nameW), nameW) + " " + p.ID().String() + "  " + age
		row = common.Truncate(row, width-2)
		if i == m.matchCur {
			out = append(out, strings.Repeat(" ", formIndent)+s.Selected.Render("▸ "+row))
		} else {
			out = append(out, strings.Repeat(" ", formIndent)+"  "+row)
		}
	}
	if m.moreMatches {
		out = append(out, strings.Repeat(" ", formIndent)+"  "+s.Muted.Render(common.Truncate("… "+m.c.T("form_more_matches"), width-2)))
	}
	return out
}

func (m *Model) patientSummary(width int) string {
	if m.patient == nil {
		return m.c.T("loading")
	}
	p := m.patient
	text := "✓ " + p.Name() + " · " + p.ID().String()
	if a, ok := p.ID().AgeAt(m.c.Now()); ok {
		text += " · " + m.c.T("form_age", a)
	}
	return common.Truncate(text, width)
}

// patientFacts are what matters for the summons: protected data, letters
// declined, interpreter, 1177 and SMS.
func (m *Model) patientFacts() []string {
	p := m.patient
	var out []string
	if p.Protected() {
		out = append(out, m.c.T("form_protected"))
	}
	if p.PaperDeclined() {
		out = append(out, m.c.T("form_paper_declined"))
	}
	if p.NeedsInterpreter() {
		out = append(out, m.c.T("form_interpreter", p.Interpreter()))
	}
	switch {
	case !p.Has1177Account():
		out = append(out, m.c.T("form_1177_none"))
	case !p.NotificationsEnabled():
		out = append(out, m.c.T("form_1177_quiet"))
	default:
		out = append(out, m.c.T("form_1177_ok"))
	}
	if p.SMSReminders() {
		out = append(out, m.c.T("form_sms_yes"))
	} else {
		out = append(out, m.c.T("form_sms_no"))
	}
	return out
}

func (m *Model) siteText(code string) string {
	if st, err := m.c.Svc().Catalogue.Site(code); err == nil {
		return st.Name + " (" + code + ")"
	}
	return code
}

// formExamText is the examination in the picker: its code, name, length
// and whether it goes digital, in at most w columns. What does not fit
// gives way whole, never cut inside a word while a shorter whole form
// fits: first the length (the visit's span says it once a time is typed);
// then the name's gloss in brackets ("Lungfunktionsundersökning
// (spirometri)"); then the channel words, which the decision under the
// fields says too — the name tells the examinations apart, where it says
// more than the code; then the name's last words ("Ultraljudsundersökning
// av…"), down to the code alone.
func formExamText(c *common.Common, e domain.Examination, w int) string {
	ch := c.T("form_exam_digital")
	if !e.Digital {
		ch = c.T("form_exam_paper")
	}
	dur := strconv.Itoa(int(e.Duration/time.Minute)) + " min"
	short := formNameWithoutGloss(e.Name)
	forms := [][]string{{e.Name, dur, ch}, {e.Name, ch}, {short, ch}, {e.Name}, {short}}
	words := strings.Fields(short)
	for n := len(words) - 1; n > 0; n-- {
		forms = append(forms, []string{strings.TrimRight(strings.Join(words[:n], " "), ",;:–-") + "…"})
	}
	forms = append(forms, []string{ch}, nil)
	for _, f := range forms {
		if len(f) == 1 && f[0] != ch && strings.EqualFold(f[0], e.Code) {
			continue // the name alone says no more than the code ("arbetsprov · Arbetsprov")
		}
		if text := strings.Join(append([]string{e.Code}, f...), " · "); common.Width(text) <= w {
			return text
		}
	}
	return common.Truncate(e.Code, w)
}

// formNameWithoutGloss is an examination's name less a gloss in brackets
// at its end ("Arbetsprov (arbets-EKG)": "Arbetsprov").
func formNameWithoutGloss(name string) string {
	if i := strings.LastIndex(name, " ("); i > 0 && strings.HasSuffix(name, ")") {
		return name[:i]
	}
	return name
}

// rankedPanel is the live channel decision: channels and reasons in words,
// the visit's span and the overlap check.
//
// Where the panel has fewer lines than it needs (a small terminal), what
// must be acted on stays: a warning ("no letter can arrive: phone the
// patient") first, then the channel, then the reasons and the visit, and
// the title and the overlap check last (panelFit).
// Each line comes with how much it matters (0 most).
func (m *Model) rankedPanel(width int, boxed bool) ([]string, []int) {
	s := m.c.Styles
	inner := width
	if boxed {
		inner = width - 4 // border and padding
	}
	var ls []string
	var ranks []int
	rank := 2
	add := func(st lipgloss.Style, text string) {
		for _, l := range formFlow([]string{text}, inner) {
			ls = append(ls, st.Render(l))
			ranks = append(ranks, rank)
		}
	}
	ls, ranks = append(ls, s.Header.Render(common.Truncate(m.c.T("form_decision"), inner))), append(ranks, 3)
	if m.decision == nil {
		add(s.Muted, m.c.T("form_decision_wait"))
	} else {
		// Before the time is known, paper only where a letter can be posted
		// at all: a protected patient's never is, whatever the date.
		ch := i18n.ChannelWords(m.c.Lang, *m.decision, m.patient != nil &&
			domain.PaperPlanned(*m.decision, *m.patient, m.c.Now(), m.c.Svc().Policy))
		if m.outlook != nil {
			ch = i18n.OutlookText(m.c.Lang, *m.outlook)
		}
		rank = 1
		add(s.Value, m.c.T("channel")+": "+ch)
		rank = 2
		for _, r := range m.decision.Reasons {
			add(s.Value, "• "+i18n.ReasonText(m.c.Lang, r))
		}
		if len(m.decision.Reasons) == 0 {
			add(s.Muted, m.c.T("form_no_reasons"))
		}
		if m.outlook != nil {
			for _, l := range i18n.OutlookLines(m.c.Lang, *m.outlook) {
				st := s.Muted
				rank = 2
				if l.Warn {
					st, rank = s.Warn, 0
				}
				add(st, l.Text)
			}
		}
	}
	if !m.at.IsZero() {
		end := m.at.Add(m.duration())
		add(s.Value, m.c.T("visit")+": "+i18n.WeekdayShort(m.c.Lang, m.at)+" "+i18n.FmtTime(m.at)+"–"+formClock(end))
		switch m.overlapState {
		case overlapChecking:
			add(s.Muted, m.c.T("form_overlap_checking"))
		case overlapClear:
			rank = 3
			add(s.OK, "✓ "+m.c.T("form_overlap_none"))
		}
	}
	if !boxed {
		return ls, ranks
	}
	return strings.Split(s.Box.Width(width-2).Render(strings.Join(ls, "\n")), "\n"), nil
}

// panelFit keeps n of the panel's lines, the ones that matter most, in
// their order.
func panelFit(ls []string, ranks []int, n int) []string {
	if len(ls) <= n || len(ranks) != len(ls) {
		return ls
	}
	keep := make([]bool, len(ls))
	for r, kept := 0, 0; r <= 3 && kept < n; r++ {
		for i := range ls {
			if ranks[i] == r && kept < n {
				keep[i], kept = true, kept+1
			}
		}
	}
	var out []string
	for i, l := range ls {
		if keep[i] {
			out = append(out, l)
		}
	}
	return out
}

// tailLines are the messages under the form: the overlap, the booking's
// error, and the question being asked (its answer keys are the form's key
// lines meanwhile).
func (m *Model) tailLines(width int) []string {
	s := m.c.Styles
	var out []string
	add := func(st lipgloss.Style, text string) {
		for _, l := range formFlow([]string{text}, width) {
			out = append(out, st.Render(l))
		}
	}
	if m.overlapText != "" {
		add(s.Error, "✗ "+m.overlapText)
	}
	if m.submitErr != "" {
		add(s.Error, "✗ "+m.submitErr)
	}
	switch {
	case m.busy:
		add(s.Muted, m.c.T("form_booking"))
	case m.leaving:
		add(s.Warn, "? "+m.c.T("form_leave"))
	case m.confirming:
		add(s.Value, strings.Join(m.summary(), " · "))
		q := m.c.T("form_confirm_book")
		if m.rebook != nil {
			q = m.c.T("form_confirm_rebook", int(m.rebook.ID()))
		}
		add(s.Warn, "? "+q)
	}
	return out
}

// summary is the booking about to be made, for the confirmation.
func (m *Model) summary() []string {
	var parts []string
	if m.patient != nil {
		parts = append(parts, m.patient.Name()+" "+m.patient.ID().String())
	}
	if e, ok := m.exam(); ok {
		parts = append(parts, e.Code+" "+e.Name)
	}
	if m.rebook != nil {
		parts = append(parts, m.siteText(m.rebook.Site()))
	} else if m.siteIdx < len(m.sites) {
		parts = append(parts, m.sites[m.siteIdx].Name)
	}
	parts = append(parts, i18n.WeekdayShort(m.c.Lang, m.at)+" "+i18n.FmtTime(m.at)+"–"+formClock(m.at.Add(m.duration())))
	if m.outlook != nil {
		parts = append(parts, i18n.OutlookText(m.c.Lang, *m.outlook))
	} else if m.decision != nil {
		parts = append(parts, i18n.ChannelText(m.c.Lang, *m.decision))
	}
	return parts
}

// formFlow joins parts with " · " into lines of at most width columns, breaking
// between parts and, for a part too long by itself, between words.
func formFlow(parts []string, width int) []string {
	var out []string
	cur := ""
	push := func(word, sep string) {
		switch {
		case cur == "":
			cur = word
		case lipgloss.Width(cur+sep+word) <= width:
			cur += sep + word
		default:
			out = append(out, cur)
			cur = word
		}
	}
	for _, p := range parts {
		if lipgloss.Width(p) <= width {
			push(p, " · ")
			continue
		}
		for i, word := range strings.Fields(p) {
			sep := " "
			if i == 0 {
				sep = " · "
			}
			push(common.Truncate(word, width), sep)
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// arrows draws a field chosen with ←/→: ‹ text ›, highlighted when focused.
func (m *Model) arrows(f formField, text string, avail int) string {
	st := m.c.Styles.Value
	if m.focus == f {
		st = m.c.Styles.Selected
	}
	return st.Render("‹ " + common.Truncate(text, avail-4) + " ›")
}

// siteArrows is the site field: the site chosen, to change with ←/→.
func (m *Model) siteArrows(avail int) string {
	site := ""
	if m.siteIdx < len(m.sites) {
		site = m.siteText(m.sites[m.siteIdx].Code)
	}
	return m.arrows(fieldSite, site, avail)
}
