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
// symbol: ✓ opened, ✉ paper sent, ✗ not opened yet, · not sent.
func OpenStatus(c *Common, b *domain.Booking) string {
	st := b.Status()
	switch {
	case b.State() == domain.StateCancelled && st.OpenedAt.IsZero():
		return "–" // nothing more to wait for
	case !st.OpenedAt.IsZero():
		return "✓ " + c.T("opened_at", st.OpenedAt.In(domain.Stockholm).Format("01-02"))
	case st.FallbackSent:
		return "✉ " + c.T("fallback_sent")
	case st.SentAt.IsZero():
		return "· " + c.T("not_sent")
	case st.MessageID == "":
		return "✉ " + c.T("paper_only")
	case b.State().Final() || !c.Now().Before(b.VisitAt()):
		return "✗ " + c.T("not_opened") // the visit is over: no more waiting to count
	default:
		return "✗ " + c.T("not_opened_for", i18n.FmtAge(c.Lang, c.Now().Sub(st.SentAt)))
	}
}

// StateMark flags what needs a person with a symbol, not colour alone.
func StateMark(b *domain.Booking) string {
	if b.State() == domain.StateRebookRequested || b.State() == domain.StateCancelRequested || b.Status().PhoneTask || b.Status().HandOver || b.OutdatedLetter() {
		return "!"
	}
	return " "
}
