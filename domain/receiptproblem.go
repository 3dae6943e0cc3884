package domain

import (
	"errors"
	"slices"
)

// ReceiptProblem says why a receipt file was set aside (quarantined): what is
// wrong by its code, with the facts that say where as Args (a field's name,
// a byte offset, the message id), so that a screen says it in the staff's
// language. Reason is the English the quarantine note keeps for the
// integration engine's people, and the error's text.
type ReceiptProblem struct {
	Reason string   `json:"-"`
	Code   string   `json:"code"`
	Args   []string `json:"args,omitempty"` // as the reason shows them: a name or a value quoted
}

func (p *ReceiptProblem) Error() string { return p.Reason }

// Unwrap makes errors.Is(err, ErrUnknownMessage) and errors.Is(err,
// ErrReceiptInstant) hold for the loop's reasons.
func (p *ReceiptProblem) Unwrap() error {
	switch {
	case slices.Contains([]string{ReceiptUnknownMessage, ReceiptNotInbox}, p.Code):
		return ErrUnknownMessage
	case slices.Contains([]string{ReceiptBefore1970, ReceiptBeforeSent, ReceiptInFuture}, p.Code):
		return ErrReceiptInstant
	}
	return nil
}

// Unusable reports whether the receipt was read but cannot be used (the
// loop's reasons: a message this site never sent, an instant that cannot be
// true), rather than the file not being readable as a receipt.
func (p *ReceiptProblem) Unusable() bool { return p.Unwrap() != nil }

// The reasons a receipt file is set aside, as codes (ReceiptProblem.Code),
// with the facts each carries in Args.
const (
	// The file could not be read as a receipt.
	ReceiptUnreadableFile = "unreadable_file" // it could not be opened, looked at or read
	ReceiptNotRegular     = "not_regular"     // not a regular file
	ReceiptTooLarge       = "too_large"       // size, limit (bytes)
	ReceiptGrew           = "grew"            // limit (bytes): the file grew past it while being read
	ReceiptNotUTF8        = "not_utf8"
	ReceiptEmpty          = "empty"
	ReceiptNotObject      = "not_object"     // what the file holds: array, string, null, boolean, number
	ReceiptBadStart       = "bad_start"      // the first character, quoted
	ReceiptTruncated      = "truncated"      // the JSON ends midway
	ReceiptInvalidJSON    = "invalid_json"   // byte offset
	ReceiptTrailingData   = "trailing_data"  // byte offset where the object ended
	ReceiptUnknownField   = "unknown_field"  // field name, quoted
	ReceiptFieldCase      = "field_case"     // field name, quoted: a known field spelt in other case
	ReceiptFieldTwice     = "field_twice"    // field name, quoted
	ReceiptNotString      = "not_string"     // field name, quoted; what it holds: number, boolean, array, object
	ReceiptMissing        = "missing"        // field name, quoted: missing, null or empty
	ReceiptBadMessageID   = "bad_message_id" // the value of messageId, quoted
	ReceiptUnknownType    = "unknown_type"   // the type, quoted
	ReceiptBadTime        = "bad_time"       // the value of at, quoted
	ReceiptZeroTime       = "zero_time"      // the value of at, quoted

	// The receipt was read but cannot be used.
	ReceiptUnknownMessage = "unknown_message" // message id, quoted
	ReceiptNotInbox       = "not_inbox"       // message id, quoted: a message that did not go to 1177
	ReceiptBefore1970     = "before_1970"     // at (RFC 3339)
	ReceiptBeforeSent     = "before_sent"     // type, at, when the message was sent (RFC 3339)
	ReceiptInFuture       = "in_future"       // type, at, now (RFC 3339)
)

// ReceiptProblemCodes lists every code a receipt file is set aside with.
var ReceiptProblemCodes = []string{ReceiptUnreadableFile, ReceiptNotRegular, ReceiptTooLarge, ReceiptGrew,
	ReceiptNotUTF8, ReceiptEmpty, ReceiptNotObject, ReceiptBadStart, ReceiptTruncated, ReceiptInvalidJSON,
	ReceiptTrailingData, ReceiptUnknownField, ReceiptFieldCase, ReceiptFieldTwice, ReceiptNotString,
	ReceiptMissing, ReceiptBadMessageID, ReceiptUnknownType, ReceiptBadTime, ReceiptZeroTime,
	ReceiptUnknownMessage, ReceiptNotInbox, ReceiptBefore1970, ReceiptBeforeSent, ReceiptInFuture}

// ErrStillUnreadable refuses to put a quarantined receipt file back that
// still cannot be read as a receipt: the loop would set it aside again.
var ErrStillUnreadable = errors.New("the file still cannot be read as a receipt; it stays in quarantine")
