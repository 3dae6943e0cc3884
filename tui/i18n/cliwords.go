package i18n

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// cliErrorKeys are the domain errors the command line meets that the
// screens have no sentence for (the screens prevent them).
var cliErrorKeys = []ErrorWords{
	{domain.ErrUnknownExam, "cli_err_unknown_exam"},
	{domain.ErrUnknownSite, "cli_err_unknown_site"},
	{domain.ErrInvalidPatient, "cli_err_invalid_patient"},
	{domain.ErrInvalidLocalTime, "cli_err_invalid_local_time"},
	{domain.ErrReceiptInstant, "cli_err_receipt_instant"},
	{domain.ErrUnknownMessage, "cli_err_unknown_message"},
}

// ErrorDetail says what went wrong for the command line, where the detail
// matters: who was refused what, what was sent when and which local time
// does not exist, in words; for another error that wraps a known one (the
// domain's, or one of more) the catalogue's sentence, then the detail that
// says where (the booking, the file and line, the value) with the known
// error's own words taken out; anything else as it is. An identity number
// typed is never repeated: an error that tells only why one was refused
// (the patient import's "identity: <reason>") says it in the words the
// other commands use.
func ErrorDetail(lang Lang, err error, more ...ErrorWords) string {
	s := err.Error()
	if inner, text := typedErrorText(lang, err); inner != nil {
		if strings.Contains(s, inner.Error()) {
			return strings.Replace(s, inner.Error(), text, 1)
		}
		if ie, ok := inner.(*domain.IdentityError); ok && ie.Reason != "" {
			if before, ok := strings.CutSuffix(s, ie.Reason); ok {
				// The column's name goes: the sentence names the number.
				return strings.TrimSuffix(before, "identity: ") + text
			}
		}
	}
	for _, list := range [][]ErrorWords{more, errorKeys, cliErrorKeys} {
		for _, w := range list {
			if errors.Is(err, w.Err) {
				if rest, sep := without(s, w.Err.Error()); rest != "" {
					if lang == Swedish {
						// The few English words the detail carries: "Finns
						// inte: bokning 9", "okänd undersökningskod "x"
						// (kända: …)".
						if w.Key == "err_not_found" || w.Key == "err_behind_no_figure" || w.Key == "err_overlap" {
							rest = strings.Replace(rest, "booking ", "bokning ", 1)
						}
						rest = strings.Replace(rest, "(known: ", "(kända: ", 1)
					}
					return T(lang, w.Key) + sep + rest
				}
				return T(lang, w.Key)
			}
		}
	}
	return Printable(s) // a file's name from outside, in an error
}

// without takes a wrapped error's own words out of a message, and says
// how the rest joins the sentence that replaces them: at its start
// ("illegal booking transition: booking 2 is …", "unknown site code
// \"x\" (known: …)"), at its end ("booking 9: not found") or the whole.
func without(s, words string) (rest, sep string) {
	switch {
	case s == words:
		return "", ""
	case strings.HasPrefix(s, words+": "):
		return strings.TrimPrefix(s, words+": "), ": "
	case strings.HasPrefix(s, words+" "):
		return strings.TrimPrefix(s, words+" "), " "
	case strings.HasSuffix(s, ": "+words):
		return strings.TrimSuffix(s, ": "+words), ": "
	}
	return s, ": "
}

// typedErrorText is the words for an error that carries its facts: the
// error found in err's chain and its text.
func typedErrorText(lang Lang, err error) (error, string) {
	var fe *domain.ForbiddenError
	var sr *domain.SentRecentlyError
	var lt *domain.LocalTimeError
	var ie *domain.IdentityError
	var te *domain.TransitionError
	var lb *domain.LetterBlockedError
	var ut *domain.UndoTooLateError
	var ne *domain.NoteError
	var ce *domain.CorrectionError
	switch {
	case errors.As(err, &ne):
		if ne.Runes > 0 {
			return ne, T(lang, "err_invalid_note") + ": " + T(lang, "err_note_too_long", ne.Runes, domain.NoteLimit)
		}
		return ne, T(lang, "err_invalid_note") + ": " + T(lang, "err_note_control", fmt.Sprintf("%U", ne.Rune))
	case errors.As(err, &ut):
		if ut.CancelledAt.IsZero() {
			return ut, T(lang, "err_undo_too_late_untimed", ut.Booking.String())
		}
		return ut, T(lang, "err_undo_too_late", ut.Booking.String(), ut.CancelledAt.In(domain.Stockholm).Format("2006-01-02"))
	case errors.As(err, &lb):
		return lb, LetterBlockedText(lang, lb)
	case errors.As(err, &ce):
		return ce, T(lang, "err_cannot_correct") + ": " + CorrectionText(lang, ce)
	case errors.As(err, &te):
		text := T(lang, "err_illegal_transition") + ": " + T(lang, "cli_err_transition", te.Booking.String(), StateText(lang, te.State))
		if te.Why != "" && Has("cli_err_why_"+te.Why) {
			text += "; " + T(lang, "cli_err_why_"+te.Why)
		}
		return te, text
	case errors.As(err, &fe):
		if fe.User == "" {
			return fe, T(lang, "cli_err_forbidden_nobody", PermissionText(lang, fe.Perm))
		}
		return fe, T(lang, "cli_err_forbidden", fe.User, string(fe.Role), PermissionText(lang, fe.Perm))
	case errors.As(err, &sr):
		key := "cli_err_sent_recently_letter"
		if sr.Kind == domain.MessageSMS {
			key = "cli_err_sent_recently_sms"
		}
		return sr, T(lang, key, FmtClock(sr.At))
	case errors.As(err, &lt):
		return lt, LocalTimeText(lang, lt)
	case errors.As(err, &ie):
		return ie, T(lang, "err_invalid_identity") + ": " + IdentityReasonText(lang, ie)
	}
	return nil, ""
}

// CorrectionText says why a correction is refused, the states in words:
// "bokning 2 är redan uteblev".
func CorrectionText(lang Lang, e *domain.CorrectionError) string {
	id, state := e.Booking.String(), StateText(lang, e.State)
	switch {
	case e.To != "" && e.To == e.State:
		return T(lang, "cli_err_correct_already", id, state)
	case e.State != domain.StateAttended && e.State != domain.StateNoShow:
		return T(lang, "cli_err_correct_outcomes", StateText(lang, domain.StateAttended), StateText(lang, domain.StateNoShow), id, state)
	}
	return T(lang, "cli_err_correct_to_outcome", id, state, StateText(lang, domain.StateAttended), StateText(lang, domain.StateNoShow))
}

// LetterBlockedText says that no letter can be posted to the patient,
// and why: the one reason, not the three a letter can be blocked for.
func LetterBlockedText(lang Lang, e *domain.LetterBlockedError) string {
	return T(lang, "err_letter_blocked", ReasonText(lang, e.Reason))
}

// LocalTimeText says that a Stockholm wall time does not exist or happens
// twice, and when the clocks change that night.
func LocalTimeText(lang Lang, e *domain.LocalTimeError) string {
	layout := "2006-01-02 15:04"
	if e.Wall.Second() != 0 || e.Wall.Nanosecond() != 0 {
		layout = "2006-01-02 15:04:05.999999999"
	}
	wall := e.Wall.Format(layout)
	twice := errors.Is(e.Kind, domain.ErrAmbiguousLocalTime)
	switch {
	case e.Before.IsZero() && twice:
		return T(lang, "cli_time_twice", wall)
	case e.Before.IsZero():
		return T(lang, "cli_time_skipped", wall)
	}
	clock := func(t time.Time) string {
		if t.Second() != 0 {
			return t.Format("15:04:05")
		}
		return t.Format("15:04")
	}
	if twice {
		return T(lang, "cli_time_twice_at", wall, clock(e.Before), clock(e.After))
	}
	return T(lang, "cli_time_skipped_at", wall, clock(e.Before), clock(e.After))
}

// permKeys name each right for a sentence: "… may not <right>".
var permKeys = map[domain.Permission]string{
	domain.PermPatientData:  "cli_perm_patient_data",
	domain.PermBook:         "cli_perm_book",
	domain.PermImport:       "cli_perm_import",
	domain.PermPrint:        "cli_perm_print",
	domain.PermDeliveries:   "cli_perm_deliveries",
	domain.PermReports:      "cli_perm_reports",
	domain.PermDrillDown:    "cli_perm_drill_down",
	domain.PermAuditLog:     "cli_perm_audit_log",
	domain.PermConfig:       "cli_perm_config",
	domain.PermOperate:      "cli_perm_operate",
	domain.PermPatientLists: "cli_perm_patient_lists",
}

// PermissionText names a right as a verb phrase: "change bookings".
func PermissionText(lang Lang, p domain.Permission) string {
	if k, ok := permKeys[p]; ok {
		return T(lang, k)
	}
	return p.String()
}

// ReasonShort names a reason for paper in a word or two, for a table.
func ReasonShort(lang Lang, r domain.Reason) string { return T(lang, "cli_rs_"+string(r)) }

// PurposeText names what a message is for: a summons, a fallback letter,
// a reminder, a cancellation notice.
func PurposeText(lang Lang, p domain.Purpose) string {
	if !Has("pu_" + string(p)) {
		return string(p) // a purpose the catalogue has no words for yet
	}
	return T(lang, "pu_"+string(p))
}

// LetterStateText names what became of a paper letter.
func LetterStateText(lang Lang, s domain.LetterState) string { return T(lang, "cli_ls_"+string(s)) }

// TimerText names what a pending timer will do.
func TimerText(lang Lang, k domain.TimerKind) string { return T(lang, "tm_"+string(k)) }

// TimerWords names a pending timer as it will act: a fallback that will
// raise task instead of posting its letter says so (service.TimerTask),
// and a reminder that would be held, why (service.TimerHeld).
func TimerWords(lang Lang, k domain.TimerKind, task domain.TaskKind, held string) string {
	switch {
	case k == domain.TimerFallback && task != "":
		return T(lang, "tm_fallback_"+string(task))
	case held != "": // service.TimerHeld
		return T(lang, "tm_held", TimerText(lang, k), NoteText(lang, held))
	}
	return TimerText(lang, k)
}

// ActorText names who acted: a person's user name as it is, the system and
// 1177 in words.
func ActorText(lang Lang, actor string) string {
	switch actor {
	case domain.SystemActor:
		return T(lang, "actor_system")
	case domain.SystemActor1177:
		return T(lang, "actor_1177")
	}
	return Printable(actor) // kept by a version that did not check names
}

// ReminderText names a reminder: 4 or 1 day before, or by hand.
func ReminderText(lang Lang, which string) string {
	if Has("rem_" + which) {
		return T(lang, "rem_"+which)
	}
	return which
}

// NonWorkingText warns that t falls on a weekend or a public holiday
// (named as the Swedish calendar names it), or is "".
func NonWorkingText(lang Lang, t time.Time) string {
	name, ok := domain.NonWorkingDay(t)
	if !ok {
		return ""
	}
	switch name {
	case "lördag":
		name = T(lang, "cli_saturday")
	case "söndag":
		name = T(lang, "cli_sunday")
	}
	return T(lang, "cli_not_working_day", t.In(domain.Stockholm).Format("2006-01-02"), name)
}
