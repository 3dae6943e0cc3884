package i18n

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// Lang is the language of the staff-facing text: Swedish by default,
// English selectable in configuration (ui.language).
type Lang string

// The languages.
const (
	Swedish Lang = "sv"
	English Lang = "en"
)

// T returns the text for key in lang, formatted with args.
func T(lang Lang, key string, args ...any) string {
	m, ok := msgs[key]
	if !ok {
		return key
	}
	// A count of one takes the singular where the catalogue has it
	// (key_one): "1 bokning", not "1 bokningar".
	if len(args) > 0 && args[0] == 1 {
		if one, ok := msgs[key+"_one"]; ok {
			m = one
		}
	}
	s := m[0]
	if lang == English {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether the catalogue has key: for a text that exists for
// some codes only (a long column title, a purpose).
func Has(key string) bool {
	_, ok := msgs[key]
	return ok
}

// StateText names a booking state.
// It is drawn in every row of the bookings list on every key press: the
// words are looked up by state, without making the key each time.
func StateText(lang Lang, s domain.BookingState) string {
	if t, ok := stateTexts()[s]; ok {
		if lang == English {
			return t[1]
		}
		return t[0]
	}
	return T(lang, "st_"+string(s))
}

// stateTexts is the states' words, read from the catalogue once.
var stateTexts = sync.OnceValue(func() map[domain.BookingState][2]string {
	out := map[domain.BookingState][2]string{}
	for _, st := range domain.AllStates {
		if t, ok := msgs["st_"+string(st)]; ok {
			out[st] = t
		}
	}
	return out
})

// ParseStateText reads a booking state as staff may write it: its code
// (cancelled) or its word in either language (avbokad, Cancelled).
func ParseStateText(s string) (domain.BookingState, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, st := range domain.AllStates {
		if s == string(st) || s == strings.ToLower(StateText(Swedish, st)) || s == strings.ToLower(StateText(English, st)) {
			return st, true
		}
	}
	return "", false
}

// QuarantineReasonText says why a receipt file was put aside, from its
// note's reason alone (a note written before notes named the problem), in
// the staff's words: the loop's reasons (a message this system never sent,
// an instant that cannot be true) by their kind, with the detail that names
// the message; a file that could not be read as "unreadable", with the
// parser's own words, which are for the integration engine's people.
func QuarantineReasonText(lang Lang, reason string) string {
	// The message named where the sentence has room for it.
	if id, ok := strings.CutPrefix(reason, domain.ErrUnknownMessage.Error()+" "); ok && quotedID.MatchString(id) {
		return T(lang, "qp_unknown_message", id)
	}
	for _, k := range []struct{ sentinel, key string }{
		{domain.ErrUnknownMessage.Error(), "qr_unknown_message"},
		{domain.ErrReceiptInstant.Error(), "qr_instant"},
	} {
		if rest, ok := strings.CutPrefix(reason, k.sentinel); ok {
			return T(lang, k.key) + rest
		}
	}
	if strings.TrimSpace(reason) == "" {
		return reason
	}
	return T(lang, "qr_unreadable") + ": " + reason
}

// QuarantineText says why a receipt file was put aside, in the staff's
// words: by its problem's code when its note names one (p), with the facts
// that say where (a field's name, the message id, when); a file that could
// not be read as a receipt as "unreadable" and what is wrong. Without a
// problem, as QuarantineReasonText says the reason.
func QuarantineText(lang Lang, p *domain.ReceiptProblem, reason string) string {
	if p == nil {
		return QuarantineReasonText(lang, reason)
	}
	key := "qp_" + p.Code
	if !Has(key) || strings.Count(msgs[key][0], "%s") != len(p.Args) {
		return QuarantineReasonText(lang, reason) // a note this version cannot word
	}
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		args[i] = a
	}
	switch p.Code {
	case domain.ReceiptNotObject, domain.ReceiptNotString:
		// What the value is: the last fact.
		if n := len(args) - 1; n >= 0 && Has("json_"+p.Args[n]) {
			args[n] = T(lang, "json_"+p.Args[n])
		}
	case domain.ReceiptBefore1970, domain.ReceiptBeforeSent, domain.ReceiptInFuture:
		for i, a := range p.Args {
			if t, err := time.Parse(time.RFC3339, a); err == nil {
				args[i] = FmtTime(t)
			} else if Has("cli_rt_" + a) { // the receipt's type
				args[i] = T(lang, "cli_rt_"+a)
			}
		}
	}
	text := T(lang, key, args...)
	if !p.Unusable() {
		return T(lang, "qr_unreadable") + ": " + text
	}
	return text
}

// quotedID is a message id as an unknown message's reason quotes it.
var quotedID = regexp.MustCompile(`^"[A-Za-z0-9][A-Za-z0-9._-]*"$`)

// ReasonText explains a reason code.
func ReasonText(lang Lang, r domain.Reason) string { return T(lang, "rs_"+string(r)) }

// EventText names an event type.
func EventText(lang Lang, e domain.EventType) string { return T(lang, "ev_"+string(e)) }

// EventWords names event e in the history: as EventText, but a hand-over
// that is a cancellation's (its note begins with domain.NoteCancelNotice)
// says so, not that the summons is handed over.
func EventWords(lang Lang, e domain.Event) string {
	if (e.Type == domain.EventHandOverRaised || e.Type == domain.EventHandOverDone) && e.AboutCancellation() {
		return T(lang, "ev_"+string(e.Type)+"_cancel")
	}
	return EventText(lang, e.Type)
}

// OutlookText names what will really go: the channels, never a letter
// that cannot be posted or arrive in time.
func OutlookText(lang Lang, o domain.Outlook) string {
	switch {
	case o.Envelopes > 0 && o.Decision.Digital:
		return T(lang, "ch_digital_paper")
	case o.Envelopes > 0:
		return T(lang, "ch_paper")
	case o.Decision.Digital && o.Decision.Paper:
		return T(lang, "ch_digital_no_letter")
	case o.Decision.Digital:
		return T(lang, "ch_digital")
	case o.Task == domain.TaskHandOver:
		return T(lang, "ch_hand_over")
	}
	return T(lang, "ch_phone")
}

// OutlookLines say, line by line, what follows the summons: the letters,
// or why none goes and what staff do instead; for a digital summons what
// happens if it stays unopened. Each line is (warning, text).
func OutlookLines(lang Lang, o domain.Outlook) []OutlookLine {
	var out []OutlookLine
	switch {
	case o.Envelopes > 0:
		out = append(out, OutlookLine{false, T(lang, "ol_letters", o.Envelopes)})
	case o.LetterTooLate:
		out = append(out, OutlookLine{true, T(lang, "ol_too_late")})
	case o.LetterBlocked != "" && o.Task == domain.TaskHandOver:
		out = append(out, OutlookLine{true, T(lang, "ol_blocked_hand_over", ReasonText(lang, o.LetterBlocked))})
	case o.LetterBlocked != "" && o.Task == domain.TaskPhone:
		out = append(out, OutlookLine{true, T(lang, "ol_blocked_phone", ReasonText(lang, o.LetterBlocked))})
	case o.LetterBlocked != "": // R4 decides: said below
		out = append(out, OutlookLine{true, T(lang, "ol_blocked_later", ReasonText(lang, o.LetterBlocked))})
	}
	if !o.Decision.Digital || o.Envelopes > 0 {
		return out
	}
	switch {
	case !o.FallbackAt.IsZero():
		out = append(out, OutlookLine{false, T(lang, "ol_fallback_at", WeekdayShort(lang, o.FallbackAt)+" "+FmtShort(o.FallbackAt))})
	case o.LetterBlocked != "" && o.Task != "":
		// said above: staff act now
	case o.FallbackTask == domain.TaskHandOver:
		out = append(out, OutlookLine{true, T(lang, "ol_fallback_hand_over", ReasonText(lang, o.FallbackBlocked))})
	case o.FallbackBlocked != "":
		out = append(out, OutlookLine{true, T(lang, "ol_fallback_blocked", ReasonText(lang, o.FallbackBlocked))})
	case o.FallbackTask != "" && !o.LetterTooLate:
		out = append(out, OutlookLine{true, T(lang, "ol_fallback_phone")})
	}
	return out
}

// OutlookLine is one line of OutlookLines.
type OutlookLine struct {
	Warn bool
	Text string
}

// ChannelText names a channel decision.
func ChannelText(lang Lang, d domain.Decision) string { return ChannelWords(lang, d, d.Paper) }

// ChannelWords names the channels a booking reaches its patient by: the
// decision's, with paper only where a letter went or can be posted
// (domain.Booking.PaperReaches) — a letter the rules want that cannot be
// posted is "no letter", as the booking form says before booking.
func ChannelWords(lang Lang, d domain.Decision, paper bool) string {
	switch {
	case d.Digital && paper:
		return T(lang, "ch_digital_paper")
	case d.Digital && d.Paper:
		return T(lang, "ch_digital_no_letter")
	case d.Digital:
		return T(lang, "ch_digital")
	case paper:
		return T(lang, "ch_paper")
	default:
		return T(lang, "ch_no_letter")
	}
}

// noteTexts translates the system's notes (domain.SystemNotes) phrase by phrase.
var noteTexts = map[string][2]string{
	domain.NoteByHand:             {"för hand", "by hand"},
	domain.NoteTaskIfUnopened:     {"personalen får uppgiften först om den digitala kallelsen inte öppnas (R4)", "staff get the task only if the digital summons stays unopened (R4)"},
	domain.NoteEnvelopeMayBeWrong: {"patientens uppgifter ändrades: kuvertet kan vara fel", "the patient's record changed: the envelope may be wrong"},
	domain.NoteVisitMoved:         {"besöket flyttades", "the visit was moved"},
	domain.NoteNoLongerSo:         {"det den säger stämmer inte längre", "what it says is no longer so"},
	domain.NoteSummonsReplaced:    {"en nyare kallelse ersätter den", "a newer summons replaces it"},
	domain.NotePhonedSummons:      {"kallelsen gavs per telefon", "the summons was given by phone"},
	domain.NoteCancellationUndone: {"avbokningen ångrades", "the cancellation was undone"},
	domain.NoteVisitCancelled:     {"besöket avbokades", "the visit was cancelled"},
	domain.NoteRechecked:          {"prövades igen efter att patientens uppgifter ändrats", "re-checked after the patient's record changed"},
	domain.NoteCancelNotice:       {"avbokningsbesked", "cancellation notice"},
	domain.NoteNoNotice:           {"inget besked kunde skickas", "no notice could be made"},
	domain.NoteUnopened:           {"kallelsen är inte öppnad", "the summons is unopened"},
	domain.NoteLetterLate:         {"ett pappersbrev skulle komma fram först på besöksdagen eller senare", "a paper letter would arrive on or after the visit day"},
	domain.NoteUnopenedLetterLate: {"kallelsen är inte öppnad och ett brev skulle komma fram för sent", "the summons is unopened and a letter would arrive too late"},
	domain.NoteUnopenedNoLetter:   {"kallelsen är inte öppnad och inget brev hinner fram före besöket", "the summons is unopened and no letter can arrive before the visit"},
	domain.NoteNotPrintedInTime:   {"brevet skrevs inte ut i tid för att hinna fram före besöket", "the letter was not printed in time to arrive before the visit"},
	domain.NotePrintedTooLate:     {"utskrivet nu skulle det komma fram först på besöksdagen eller senare", "printed now it would arrive on or after the visit day"},
	domain.NotePrintedWithdrawn:   {"utskrivet efter att det återkallats", "printed after it was withdrawn"},
	domain.NotePrintedVoid:        {"utskrivet, men tiden det anger gäller inte längre", "printed, but the time it names is void"},
	domain.NoteBlockedProtected:   {"skyddade personuppgifter: lämna kallelsen enligt enhetens rutin", "protected personal data: hand the summons over by the unit's routine"},
	domain.NoteBlockedDeclined:    {"patienten har avböjt brev med post i 1177", "the patient declined letters by post in 1177"},
	domain.NoteBlockedNoAddress:   {"ingen postadress är känd", "no postal address is known"},
	domain.NoteAccountOpened:      {"1177-konto öppnat", "1177 account opened"},
	domain.NoteAccountClosed:      {"1177-konto stängt", "1177 account closed"},
	domain.NoteNotificationsOn:    {"aviseringar påslagna", "notifications turned on"},
	domain.NoteNotificationsOff:   {"aviseringar avslagna", "notifications turned off"},
	domain.NoteAddressChanged:     {"adressen ändrades", "address changed"},
	domain.NoteProtectedOn:        {"skyddade personuppgifter registrerade", "protected personal data recorded"},
	domain.NoteProtectedOff:       {"skyddade personuppgifter hävda", "protected personal data lifted"},
	domain.NotePostDeclined:       {"brev med post avböjda", "letters by post declined"},
	domain.NotePostAccepted:       {"brev med post godtas igen", "letters by post accepted again"},
	domain.NoteInterpreterOn:      {"tolk behövs", "interpreter needed"},
	domain.NoteInterpreterOff:     {"tolk behövs inte längre", "interpreter no longer needed"},
	domain.NoteGuardiansChanged:   {"vårdnadshavare ändrade", "guardians changed"},
	domain.NoteNotActive:          {"bokningen är inte längre aktiv", "booking is no longer active"},
	domain.NoteEarlierSummons:     {"gäller en tidigare kallelse", "concerns an earlier summons"},
	domain.NotePhoneTaskDropped:   {"uppringning behövs inte längre", "phone task no longer needed"},
	domain.NoteHandOverDropped:    {"överlämning behövs inte längre", "hand-over no longer needed"},
	domain.LateRequestNote:        {"sent: mindre än 72 timmar före besöket", "late: less than 72 hours before the visit"},
	domain.SkipVisitPassed:        {"besöket har passerat", "the visit has passed"},
	domain.SkipPassedAtBooking:    {"påminnelsens tid hade redan passerat", "the reminder's time had already passed"},
	domain.SkipCoveredBy1d:        {"täcks av påminnelsen dagen före", "covered by the reminder the day before"},
	domain.SkipTooCloseToVisit:    {"för nära besöket", "too close to the visit"},
	domain.SkipNoSMSConsent:       {"patienten vill inte ha sms eller saknar mobilnummer", "the patient wants no SMS or has no mobile number"},
	domain.SkipLetterTooLate:      {"ett brev skulle komma fram för sent", "a letter would arrive too late"},
	domain.SkipNotSent:            {"ingen kallelse skickades", "no summons was sent"},
	domain.SkipAlreadyPaperSent:   {"ett pappersbrev har redan skickats", "a paper letter was already sent"},
	domain.SkipRequestPending:     {"patientens önskemål väntar på svar", "the patient's request awaits an answer"},
}

// NoteText is an event's note in the staff's language: each of the system's
// phrases translated (a note may join several, or put one before a
// detail); what staff typed, or an error from outside, as it is.
func NoteText(lang Lang, note string) string {
	parts := strings.Split(note, domain.NoteJoin)
	for i, p := range parts {
		parts[i] = notePhrase(lang, p)
	}
	return strings.Join(parts, domain.NoteJoin)
}

// EventNote is an event's note in words, less what the event's own words
// and reasons say already: a hand-over raised for protected data reads
// "lämna kallelsen enligt enhetens rutin — skyddade personuppgifter", and a
// letter not posted for that reason names the routine once, not the
// reason twice. The note stays whole in the JSON.
func EventNote(lang Lang, e domain.Event) string {
	words := EventWords(lang, e)
	var out []string
	for _, p := range strings.Split(e.Note, domain.NoteJoin) {
		t := notePhrase(lang, p)
		if !systemNote(p) {
			out = append(out, Printable(t)) // what staff typed stays as typed, shown, never acting
			continue
		}
		if named := slices.ContainsFunc(e.Reasons, func(r domain.Reason) bool { return domain.BlockedNote(r) == p }); named && p != domain.NoteBlockedProtected {
			continue // the reason says it (the protected one's note names the routine too)
		}
		if head, tail, ok := strings.Cut(t, ": "); ok {
			switch {
			case tail == words:
				t = head
			case p == domain.NoteBlockedProtected && slices.Contains(e.Reasons, domain.ReasonProtected):
				t = tail
			}
		}
		if t != words && t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(out, domain.NoteJoin)
}

// systemNote reports whether p is a phrase the system writes (alone, or
// before a detail), not what staff typed.
func systemNote(p string) bool {
	if _, ok := noteTexts[p]; ok {
		return true
	}
	head, _, ok := strings.Cut(p, ": ")
	_, known := noteTexts[head]
	return ok && known
}

func notePhrase(lang Lang, p string) string {
	pick := func(t [2]string) string {
		if lang == English {
			return t[1]
		}
		return t[0]
	}
	if t, ok := noteTexts[p]; ok {
		return pick(t)
	}
	if head, rest, ok := strings.Cut(p, ": "); ok {
		if t, ok := noteTexts[head]; ok {
			return pick(t) + ": " + notePhrase(lang, rest)
		}
	}
	return p
}
