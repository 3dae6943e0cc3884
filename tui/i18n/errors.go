package i18n

import (
	"errors"
	"strings"

	"github.com/kallelse/kallelse/domain"
)

// errorKeys maps the domain's sentinel errors to the catalogue's sentence
// for each, in the order they are tried: the first the error wraps wins.
var errorKeys = []ErrorWords{
	{domain.ErrLetterTooLate, "err_letter_too_late"},
	{domain.ErrLetterNotPostable, "err_letter_not_postable"},
	{domain.ErrNoPhoneTask, "err_no_phone_task"},
	{domain.ErrNoHandOver, "err_no_hand_over"},
	{domain.ErrNoOutdatedLetter, "err_no_outdated_letter"},
	{domain.ErrIllegalTransition, "err_illegal_transition"},
	{domain.ErrOverlap, "err_overlap"},
	{domain.ErrSameTime, "err_same_time"},
	{domain.ErrVisitInPast, "err_visit_in_past"},
	{domain.ErrVisitOutOfYears, "err_visit_out_of_years"},
	{domain.ErrVisitNotStarted, "err_visit_not_started"},
	{domain.ErrNoSMSConsent, "err_no_sms_consent"},
	{domain.ErrCannotCorrect, "err_cannot_correct"},
	{domain.ErrBehindNoFigure, "err_behind_no_figure"},
	{domain.ErrForbidden, "err_forbidden"},
	{domain.ErrInvalidIdentity, "err_invalid_identity"},
	{domain.ErrInvalidNote, "err_invalid_note"},
	{domain.ErrStillUnreadable, "err_still_unreadable"},
	{domain.ErrNotFound, "err_not_found"},
}

// errorKey is the catalogue key of the first sentinel err wraps, or "".
func errorKey(err error) string {
	for _, e := range errorKeys {
		if errors.Is(err, e.Err) {
			return e.Key
		}
	}
	return ""
}

// ErrorText says in words what went wrong, for a screen: the catalogue's
// sentence for a domain error (with the detail for an invalid identity
// number, which says which digit), otherwise "Error: " and the error as it is.
func ErrorText(lang Lang, err error) string {
	switch key := errorKey(err); key {
	case "":
		return T(lang, "error") + ": " + Printable(err.Error()) // a file's name from outside, in an error
	case "err_invalid_identity":
		var ie *domain.IdentityError
		if errors.As(err, &ie) {
			return T(lang, key) + " (" + IdentityReasonText(lang, ie) + ")" // what is wrong, not the number again
		}
		return T(lang, key) + " (" + err.Error() + ")"
	case "err_still_unreadable":
		var p *domain.ReceiptProblem
		if errors.As(err, &p) { // what is wrong, without "the file could not be read as a receipt" twice
			return T(lang, key) + ": " + strings.TrimPrefix(QuarantineText(lang, p, p.Reason), T(lang, "qr_unreadable")+": ")
		}
		return T(lang, key)
	case "err_invalid_note":
		var ne *domain.NoteError
		if errors.As(err, &ne) {
			_, text := typedErrorText(lang, ne)
			return text
		}
		return T(lang, key)
	case "err_cannot_correct":
		var ut *domain.UndoTooLateError
		if errors.As(err, &ut) {
			_, text := typedErrorText(lang, ut)
			return text
		}
		return T(lang, key)
	case "err_letter_not_postable":
		var lb *domain.LetterBlockedError
		if errors.As(err, &lb) {
			return LetterBlockedText(lang, lb)
		}
		return T(lang, key)
	default:
		return T(lang, key)
	}
}

// IdentityReasonText says why an identity number was refused, in lang:
// which digit or date is wrong, never the number itself.
func IdentityReasonText(lang Lang, ie *domain.IdentityError) string {
	if ie.Code != "" && Has("idr_"+ie.Code) {
		return T(lang, "idr_"+ie.Code, ie.Args...)
	}
	return ie.Reason
}

// ErrorWords pairs an error (usually a sentinel, matched with errors.Is)
// with the catalogue's key of the sentence that says it.
type ErrorWords struct {
	Err error
	Key string
}
