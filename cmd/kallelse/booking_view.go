package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/i18n"
)

// A booking as `book` and `booking show` print it for a person, in the
// catalogue's words; --json prints the codes (views.go).

// visitWarnings warns about the visit time the service warned about: a
// weekend or a public holiday, in words.
func (a *app) visitWarnings(ws []string, at time.Time) {
	if len(ws) == 0 {
		return
	}
	if w := i18n.NonWorkingText(a.lang(), at); w != "" {
		a.warn(w)
		return
	}
	for _, w := range ws { // a warning the catalogue has no words for yet
		a.warn(w)
	}
}

// printDecision writes the channels and the reasons for paper. The
// channels are those that really go: at booking, the summons' outlook as
// the booking form names it (o); later, paper only where a letter went or
// can be posted (paper, domain.Booking.PaperReaches).
func (a *app) printDecision(l *labels, b *domain.Booking, o *domain.Outlook, paper bool) {
	lang := a.lang()
	d := b.Decision()
	if o != nil {
		l.line(a.T("cli_lbl_channels"), i18n.OutlookText(lang, *o))
	} else {
		l.line(a.T("cli_lbl_channels"), i18n.ChannelWords(lang, d, paper))
	}
	if len(d.Reasons) == 0 {
		l.line(a.T("cli_lbl_reasons"), a.T("cli_no_reasons"))
	}
	for i, r := range d.Reasons {
		label := ""
		if i == 0 {
			label = a.T("cli_lbl_reasons")
		}
		l.line(label, i18n.ReasonText(lang, r))
	}
}

// printOutlook says what will really happen to the summons: the letters,
// or what staff do instead, and what follows an unopened digital summons.
func (a *app) printOutlook(l *labels, o domain.Outlook) {
	lang := a.lang()
	instead := func(task domain.TaskKind) string {
		if task == domain.TaskHandOver {
			return a.T("cli_instead_hand_over")
		}
		return a.T("cli_instead_phone")
	}
	letters := a.T("cli_lbl_letters")
	switch {
	case o.Envelopes > 0:
		l.line(letters, a.T("cli_ol_letters", o.Envelopes))
	case o.LetterTooLate:
		l.line(letters, a.T("cli_ol_too_late"))
	case o.LetterBlocked != "" && o.Task == "": // R4 decides: said below
		l.line(letters, a.T("cli_ol_blocked_later", i18n.ReasonText(lang, o.LetterBlocked)))
	case o.LetterBlocked != "":
		l.line(letters, a.T("cli_ol_blocked", i18n.ReasonText(lang, o.LetterBlocked), instead(o.Task)))
	}
	if !o.Decision.Digital || o.Envelopes > 0 {
		return
	}
	unopened := a.T("cli_lbl_unopened")
	switch {
	case !o.FallbackAt.IsZero():
		l.line(unopened, a.T("cli_ol_fallback_at", fmtLocal(o.FallbackAt)))
	case o.FallbackBlocked != "" && (o.LetterBlocked == "" || o.Task == ""):
		l.line(unopened, a.T("cli_ol_fallback_blocked", i18n.ReasonText(lang, o.FallbackBlocked), instead(o.FallbackTask)))
	case o.FallbackTask != "" && !o.LetterTooLate && o.LetterBlocked == "":
		l.line(unopened, a.T("cli_ol_fallback_phone"))
	}
}

// reasonsShort names the reasons for paper briefly, for a table.
func reasonsShort(lang i18n.Lang, rs []domain.Reason) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = i18n.ReasonShort(lang, r)
	}
	return strings.Join(out, ", ")
}

// channelsText names the channels a message went by: "digital + papper".
func channelsText(lang i18n.Lang, cs []domain.Channel) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = i18n.T(lang, "ch_"+string(c))
	}
	return strings.Join(out, " + ")
}

func (a *app) printDetail(svc *service.Service, d service.BookingDetail) {
	lang := a.lang()
	w := a.stdout
	b := d.Booking
	examName, siteName := b.Exam(), b.Site()
	if e, err := svc.Catalogue.Exam(b.Exam()); err == nil {
		examName = e.Name + " (" + e.Code + ")"
	}
	if s, err := svc.Catalogue.Site(b.Site()); err == nil {
		siteName = s.Name + " (" + s.Code + ")"
	}
	fmt.Fprintln(w, a.T("cli_booking_state", b.ID(), i18n.StateText(lang, b.State())))
	l := a.labels(w, "  ", "cli_lbl_patient", "cli_lbl_guardian", "cli_lbl_exam", "cli_lbl_visit", "cli_lbl_channels", "cli_lbl_reasons",
		"cli_lbl_booked", "cli_lbl_summons", "cli_lbl_paper", "cli_lbl_reminders", "cli_lbl_task")
	l.line(a.T("cli_lbl_patient"), b.Patient().String()+" "+d.Patient.Name())
	for _, g := range d.Patient.Guardians() { // whom staff phone: name and phone, no address
		l.line(a.T("cli_lbl_guardian"), strings.TrimSpace(g.Name+" "+g.Phone))
	}
	l.line(a.T("cli_lbl_exam"), examName)
	l.line(a.T("cli_lbl_visit"), a.T("cli_visit_at", fmtVisit(lang, b.VisitAt()),
		b.VisitAt().Add(b.Duration()).In(domain.Stockholm).Format("15:04"), siteName))
	paper := b.PaperReaches(d.Patient, svc.Clock.Now(), svc.Policy, svc.Schedule)
	a.printDecision(l, b, nil, paper)
	l.line(a.T("cli_lbl_booked"), a.T("cli_booked_by", fmtLocal(b.CreatedAt()), b.CreatedBy()))
	st := b.Status()
	switch {
	case st.SentAt.IsZero() && b.State().Final():
		l.line(a.T("cli_lbl_summons"), a.T("cli_summons_none")) // none will go now
	case st.SentAt.IsZero():
		l.line(a.T("cli_lbl_summons"), a.T("cli_summons_not_sent"))
	case st.HandedOver && st.MessageID == "":
		l.line(a.T("cli_lbl_summons"), a.T("cli_summons_handed_over", fmtLocal(st.SentAt)))
	case st.Phoned && st.MessageID == "":
		l.line(a.T("cli_lbl_summons"), a.T("cli_summons_phoned", fmtLocal(st.SentAt)))
	case st.MessageID == "" && !paper:
		// Filed for printing, then withdrawn (the time moved or was
		// cancelled, or it waited too long): no letter went.
		l.line(a.T("cli_lbl_summons"), a.T("cli_summons_paper_withdrawn", fmtLocal(st.SentAt)))
	case st.MessageID == "":
		l.line(a.T("cli_lbl_summons"), a.T("cli_summons_paper", fmtLocal(st.SentAt)))
	default:
		parts := []string{a.T("cli_summons_sent", fmtLocal(st.SentAt))}
		if !st.DeliveredAt.IsZero() {
			parts = append(parts, a.T("cli_summons_delivered", fmtLocal(st.DeliveredAt)))
		}
		if st.OpenedAt.IsZero() {
			parts = append(parts, a.T("cli_summons_not_opened"))
		} else {
			parts = append(parts, a.T("cli_summons_opened", fmtLocal(st.OpenedAt)))
		}
		if st.HandedOver {
			parts = append(parts, a.T("cli_summons_handed_over_too"))
		}
		if st.Phoned {
			parts = append(parts, a.T("cli_summons_phoned_too"))
		}
		l.line(a.T("cli_lbl_summons"), strings.Join(parts, ", ")+" ("+st.MessageID+")")
	}
	if st.FallbackSent {
		l.line(a.T("cli_lbl_paper"), a.T("cli_fallback_sent"))
	}
	if len(st.Reminders) > 0 {
		rs := make([]string, len(st.Reminders))
		for i, r := range st.Reminders {
			rs[i] = i18n.ReminderText(lang, r)
		}
		l.line(a.T("cli_lbl_reminders"), strings.Join(rs, ", "))
	}
	// Staff's tasks, with the command that closes each, for those who may
	// (a koordinator reading a booking behind a figure may not).
	if svc.May(domain.PermBook) {
		a.printTasks(l, b)
	}
	if ts := b.Timers(); len(ts) > 0 {
		fmt.Fprintf(w, "  %s:\n", a.T("cli_lbl_pending"))
		for _, t := range ts {
			fmt.Fprintf(w, "    %s  %s\n", fmtLocal(t.Due), i18n.TimerWords(lang, t.Kind, svc.TimerTask(b, d.Patient, t), svc.TimerHeld(b, t)))
		}
	}
	fmt.Fprintf(w, "  %s:\n", a.T("cli_lbl_events"))
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, e := range d.Events {
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", fmtLocal(e.At), i18n.EventWords(lang, e), i18n.ActorText(lang, e.Actor), eventSummary(lang, e))
	}
	tw.Flush()
}

// eventSummary is what an event carries, in words: channels, reasons, the
// times, the reminder or timer, the message and the note.
func eventSummary(lang i18n.Lang, e domain.Event) string {
	var parts []string
	if len(e.Channels) > 0 {
		parts = append(parts, i18n.T(lang, "cli_ev_channels", channelsText(lang, e.Channels)))
	}
	if len(e.Reasons) > 0 {
		parts = append(parts, i18n.T(lang, "cli_ev_reasons", reasonsShort(lang, e.Reasons)))
	}
	if e.PreviousVisitAt != nil && e.VisitAt != nil {
		parts = append(parts, i18n.T(lang, "cli_ev_moved", fmtLocal(*e.PreviousVisitAt), fmtLocal(*e.VisitAt)))
	} else if e.VisitAt != nil {
		parts = append(parts, i18n.T(lang, "cli_ev_visit", fmtLocal(*e.VisitAt)))
	}
	if e.Reminder != "" {
		parts = append(parts, i18n.ReminderText(lang, e.Reminder))
	}
	if e.Timer != "" {
		parts = append(parts, i18n.TimerText(lang, e.Timer))
	}
	if e.MessageID != "" {
		parts = append(parts, i18n.T(lang, "cli_ev_message", e.MessageID))
	}
	if note := i18n.EventNote(lang, e); note != "" {
		parts = append(parts, i18n.T(lang, "cli_ev_note", note))
	}
	return strings.Join(parts, "; ")
}

// printTasks says what staff must do about booking b, each task with the
// command that closes it.
func (a *app) printTasks(l *labels, b *domain.Booking) {
	st := b.Status()
	if b.OutdatedLetter() {
		l.line(a.T("cli_lbl_task"), a.T("cli_task_outdated", b.ID()))
	}
	switch {
	case st.HandOver && b.HandOverOfCancellation():
		l.line(a.T("cli_lbl_task"), a.T("cli_task_hand_over_cancel", b.ID()))
	case st.HandOver:
		l.line(a.T("cli_lbl_task"), a.T("cli_task_hand_over", b.ID()))
	}
	switch {
	case st.PhoneTask && b.PhoneOfCancellation():
		l.line(a.T("cli_lbl_task"), a.T("cli_task_phone_cancel", b.ID()))
	case st.PhoneTask:
		l.line(a.T("cli_lbl_task"), a.T("cli_task_phone", b.ID()))
	}
}
