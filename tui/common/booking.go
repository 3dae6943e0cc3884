package common

import (
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/i18n"
)

// BirthShort tells a patient apart from another of the same name where the
// identity number has no room: the birth date, "500101" ("" when the number
// carries no date).
func BirthShort(id domain.IdentityNumber) string {
	d, ok := id.BirthDate()
	if !ok {
		return ""
	}
	return d.Format("060102")
}

// OpenStatus says what became of the digital summons, in words and with a
// symbol: ✓ opened, handed over or given by a call, ✉ paper sent, ✗ not
// opened yet, · not sent. A cancelled booking has nothing more to wait
// for ("–"), but keeps saying how the patient was reached when it was
// opened, handed over or phoned: the cancellation follows that channel.
func OpenStatus(c *Common, b *domain.Booking) string {
	return string(AppendOpenStatus(nil, c, b))
}

// AppendOpenStatus appends OpenStatus to dst: the bookings list draws it in
// every row on every key press, without making a string of it.
func AppendOpenStatus(dst []byte, c *Common, b *domain.Booking) []byte {
	st := b.Status()
	switch {
	case b.State() == domain.StateCancelled && st.OpenedAt.IsZero() && !st.HandedOver && !st.Phoned:
		return append(dst, "–"...) // nothing more to wait for
	case !st.OpenedAt.IsZero():
		dst = append(dst, "✓ "...)
		return c.appendT(dst, "opened_at", func(d []byte) []byte { return st.OpenedAt.In(domain.Stockholm).AppendFormat(d, "01-02") })
	case st.FallbackSent:
		return append(append(dst, "✉ "...), c.T("fallback_sent")...)
	case st.HandedOver:
		return append(append(dst, "✓ "...), c.T("handed_over")...)
	case st.Phoned:
		return append(append(dst, "✓ "...), c.T("phoned_summons")...)
	case st.SentAt.IsZero():
		return append(append(dst, "· "...), c.T("not_sent")...)
	case st.MessageID == "":
		return append(append(dst, "✉ "...), c.T("paper_only")...)
	case b.State().Final() || !c.Now().Before(b.VisitAt()):
		return append(append(dst, "✗ "...), c.T("not_opened")...) // the visit is over: no more waiting to count
	default:
		dst = append(dst, "✗ "...)
		age := c.Now().Sub(st.SentAt)
		return c.appendT(dst, "not_opened_for", func(d []byte) []byte { return i18n.AppendAge(d, c.Lang, age) })
	}
}

// appendT appends c.T(key, arg) to dst, arg being what add appends. A
// text of the catalogue with one %s and no other verb is spliced around
// what add appends, with no string made of either; any other text goes
// through c.T, to read exactly as it would there.
func (c *Common) appendT(dst []byte, key string, add func([]byte) []byte) []byte {
	format := c.T(key) // without arguments, the text as the catalogue has it
	if before, after, ok := i18n.OneString(format); ok {
		return append(add(append(dst, before...)), after...)
	}
	return append(dst, c.T(key, string(add(nil)))...)
}

// StateMark flags what needs a person with a symbol, not colour alone.
func StateMark(b *domain.Booking) string {
	if st := b.Status(); b.State() == domain.StateRebookRequested || b.State() == domain.StateCancelRequested || st.PhoneTask || st.HandOver || b.OutdatedLetter() {
		return "!"
	}
	return " "
}
