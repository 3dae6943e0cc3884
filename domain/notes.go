package domain

// The notes the system writes on events (why a timer was skipped, why a
// letter was withdrawn, why a task was raised), each a stable phrase. A
// note may join several (NoteJoin) or put one before a detail ("…: …").
// Screens translate them by phrase (see SystemNotes); a note that staff
// typed is shown as typed. Codes and phrases stay as they are in JSON.
const (
	NoteByHand             = "by hand"
	NoteTaskIfUnopened     = "staff get the task only if the digital summons stays unopened (R4)"
	NoteEnvelopeMayBeWrong = "the patient's record changed: the envelope may be wrong"
	NoteVisitMoved         = "the visit was moved"
	NoteVisitCancelled     = "the visit was cancelled"
	NoteRechecked          = "re-checked after the patient's record changed"
	NoteCancelNotice       = "cancellation notice"
	NoteNoNotice           = "no notice could be made"
	NoteUnopened           = "the summons is unopened"
	NoteLetterLate         = "a paper letter would arrive on or after the visit day"
	NoteUnopenedLetterLate = "the summons is unopened and a letter would arrive too late"
	NoteUnopenedNoLetter   = "the summons is unopened and no letter can arrive before the visit"
	NoteNotPrintedInTime   = "the letter was not printed in time to arrive before the visit"
	NotePrintedTooLate     = "printed now it would arrive on or after the visit day"
	NotePrintedWithdrawn   = "printed after it was withdrawn"
	NotePrintedVoid        = "printed, but the time it names is void"
	NoteBlockedProtected   = "protected personal data: hand the summons over by the unit's routine"
	NoteBlockedDeclined    = "the patient declined letters by post in 1177"
	NoteBlockedNoAddress   = "no postal address is known"
	NoteAccountOpened      = "1177 account opened"
	NoteAccountClosed      = "1177 account closed"
	NoteNotificationsOn    = "notifications turned on"
	NoteNotificationsOff   = "notifications turned off"
	NoteAddressChanged     = "address changed"
	NoteProtectedOn        = "protected personal data recorded"
	NoteProtectedOff       = "protected personal data lifted"
	NotePostDeclined       = "letters by post declined"
	NotePostAccepted       = "letters by post accepted again"
	NoteGuardiansChanged   = "guardians changed"
	NoteInterpreterOn      = "interpreter needed"
	NoteInterpreterOff     = "interpreter no longer needed"
	NoteNotActive          = "booking is no longer active"
	NoteEarlierSummons     = "concerns an earlier summons"
	NotePhoneTaskDropped   = "phone task no longer needed"
	NoteHandOverDropped    = "hand-over no longer needed"
	NoteNoLongerSo         = "what it says is no longer so"
	NoteSummonsReplaced    = "a newer summons replaces it"
	NotePhonedSummons      = "the summons was given by phone"
	NoteCancellationUndone = "the cancellation was undone"
)

// NoteJoin is how the system joins two notes.
const NoteJoin = "; "

// SystemNotes lists every note phrase and skip code the system writes, for
// the catalogues that translate them.
var SystemNotes = []string{
	NoteByHand, NoteTaskIfUnopened, NoteEnvelopeMayBeWrong, NoteVisitMoved, NoteVisitCancelled, NoteRechecked, NoteCancelNotice, NoteNoNotice, NoteUnopened,
	NoteLetterLate, NoteUnopenedLetterLate, NoteUnopenedNoLetter, NoteNotPrintedInTime, NotePrintedTooLate,
	NotePrintedWithdrawn, NotePrintedVoid, NoteBlockedProtected, NoteBlockedDeclined, NoteBlockedNoAddress,
	NoteAccountOpened, NoteAccountClosed, NoteNotificationsOn, NoteNotificationsOff, NoteAddressChanged,
	NoteProtectedOn, NoteProtectedOff, NotePostDeclined, NotePostAccepted, NoteGuardiansChanged, NoteNotActive,
	NoteInterpreterOn, NoteInterpreterOff,
	NoteEarlierSummons, NotePhoneTaskDropped, NoteHandOverDropped, NoteNoLongerSo, NoteSummonsReplaced, NotePhonedSummons, NoteCancellationUndone, LateRequestNote,
	SkipVisitPassed, SkipPassedAtBooking, SkipCoveredBy1d, SkipTooCloseToVisit, SkipNoSMSConsent, SkipLetterTooLate,
	SkipNotSent, SkipAlreadyPaperSent, SkipRequestPending,
}
