package domain

import (
	"fmt"
	"slices"
	"time"
)

// Channel is a way a summons reaches the patient.
type Channel string

// The channels.
const (
	ChannelDigital Channel = "digital" // the patient's 1177 Inkorg
	ChannelPaper   Channel = "paper"   // a letter to the postal address
	ChannelSMS     Channel = "sms"     // a text message (reminders, notices); never a summons
)

// Reason is a stable code saying why a summons goes (also) on paper. Reports,
// JSON and the letters' records use these codes; the TUI shows them in words.
type Reason string

// The reason codes, in the order they are reported.
const (
	ReasonUnder18          Reason = "under_18"
	ReasonInterpreter      Reason = "interpreter"
	ReasonSamordningsnr    Reason = "samordningsnummer"
	ReasonReservnummer     Reason = "reservnummer"
	ReasonNo1177Account    Reason = "no_1177_account"
	ReasonNotificationsOff Reason = "notifications_off"
	ReasonExamNotDigital   Reason = "exam_not_digital"
)

// DigitalReachesAlone reports whether a digital summons decided as d can
// reach the patient without the paper complement R3 wants: the patient has
// a 1177 account to open it with (one who never logged in cannot). Where
// it can, a complement letter that cannot be posted waits for R4 — staff get
// its task if the summons stays unopened, and an opened summons needs none;
// where it cannot, the letter's task is staff's at once, as for a
// paper-only summons.
func DigitalReachesAlone(d Decision) bool {
	return d.Digital && !slices.Contains(d.Reasons, ReasonNo1177Account)
}

// AllReasons lists every reason code in report order.
var AllReasons = []Reason{
	ReasonUnder18, ReasonInterpreter, ReasonSamordningsnr, ReasonReservnummer,
	ReasonNo1177Account, ReasonNotificationsOff, ReasonExamNotDigital,
}

// SamordningsnummerPolicy settles the conflict in the region's own pages:
// the pilot page sends digital and paper, the FAQ sends paper only.
type SamordningsnummerPolicy string

// The two readings; the pilot page's is the default.
const (
	SamordningsnummerDigitalAndPaper SamordningsnummerPolicy = "digital_and_paper"
	SamordningsnummerPaperOnly       SamordningsnummerPolicy = "paper_only"
)

// ParseSamordningsnummerPolicy reads the configuration value.
func ParseSamordningsnummerPolicy(s string) (SamordningsnummerPolicy, error) {
	switch p := SamordningsnummerPolicy(s); p {
	case SamordningsnummerDigitalAndPaper, SamordningsnummerPaperOnly:
		return p, nil
	}
	return "", fmt.Errorf("%q is neither %q nor %q", s, SamordningsnummerDigitalAndPaper, SamordningsnummerPaperOnly)
}

// PolicyOptions are the configurable parts of the channel policy.
type PolicyOptions struct {
	Samordningsnummer SamordningsnummerPolicy
	// A child below these ages gets letters at the guardians' addresses and
	// SMS at a guardian's phone; 0 means GuardianAge (18).
	GuardianLettersBelow int
	GuardianSMSBelow     int
}

// AdultAge is the age from which no paper complement is needed for age (R3).
const AdultAge = 18

// Decision is the outcome of the channel policy: which channels and why.
type Decision struct {
	Digital bool
	Paper   bool
	Reasons []Reason // why paper is sent; empty for digital only
}

// Channels lists the chosen channels, digital first.
func (d Decision) Channels() []Channel {
	var out []Channel
	if d.Digital {
		out = append(out, ChannelDigital)
	}
	if d.Paper {
		out = append(out, ChannelPaper)
	}
	return out
}

// Label is the short form used in tables: "digital", "digital+paper" or "paper".
func (d Decision) Label() string {
	switch {
	case d.Digital && d.Paper:
		return "digital+paper"
	case d.Digital:
		return "digital"
	case d.Paper:
		return "paper"
	}
	return "none"
}

// DecideChannels is the channel policy, rules R1–R3, in one place.
//
//   - R1: an examination type not enabled for digital summons gets paper only
//     (reason exam_not_digital).
//   - R3: a reservnummer addresses no inbox: paper only (reason reservnummer,
//     plus under_18 and interpreter where they apply).
//   - R2/R3: otherwise the summons goes to 1177 Inkorg, and on paper as well
//     for each of: under 18 at instant `at`, interpreter needed,
//     samordningsnummer, no 1177 account, account without notifications.
//     With SamordningsnummerPaperOnly a samordningsnummer gets paper only.
//
// `at` is the moment the summons is sent: age is computed then, not at
// booking or at the visit.
func DecideChannels(p Patient, e Examination, at time.Time, opt PolicyOptions) Decision {
	if !e.Digital {
		// The letter is the summons, not a complement; an interpreter is
		// recorded all the same, so that reports count who needs one.
		reasons := []Reason{ReasonExamNotDigital}
		if p.NeedsInterpreter() {
			reasons = append(reasons, ReasonInterpreter)
		}
		return Decision{Paper: true, Reasons: reasons}
	}
	var reasons []Reason
	if age, ok := p.ID().AgeAt(at); ok && age < AdultAge {
		reasons = append(reasons, ReasonUnder18)
	}
	if p.NeedsInterpreter() {
		reasons = append(reasons, ReasonInterpreter)
	}
	switch p.ID().Kind() {
	case KindReservnummer:
		return Decision{Paper: true, Reasons: append(reasons, ReasonReservnummer)}
	case KindSamordningsnummer:
		reasons = append(reasons, ReasonSamordningsnr)
		if opt.Samordningsnummer == SamordningsnummerPaperOnly {
			return Decision{Paper: true, Reasons: reasons}
		}
	}
	switch {
	case !p.Has1177Account():
		reasons = append(reasons, ReasonNo1177Account)
	case !p.NotificationsEnabled():
		reasons = append(reasons, ReasonNotificationsOff)
	}
	return Decision{Digital: true, Paper: len(reasons) > 0, Reasons: reasons}
}
