package form

import (
	"context"
	"strings"
	"time"

	"github.com/kallelse/kallelse/tui/common"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// derive works out the decision, the date and time and their messages, and
// starts an overlap check when patient and time changed.
func (m *Model) derive() tea.Cmd {
	now := m.c.Now()
	m.decision = nil
	e, examOK := m.exam()
	if m.patient != nil && examOK {
		d := domain.DecideChannels(*m.patient, e, now, m.c.Svc().Policy)
		m.decision = &d
	}
	m.day, m.dateErr, m.dateWarn, m.dateSure = time.Time{}, "", "", false
	if v := strings.TrimSpace(m.dateIn.Value()); v != "" {
		day, ok := formParseDay(v, now)
		switch {
		case !ok:
			m.dateErr, m.dateSure = m.c.T("form_date_invalid", v), len(v) >= 10
		case day.Before(common.StartOfDay(now)):
			m.dateErr, m.dateSure = m.c.T("form_date_past"), true
		case !domain.InKeptYears(day):
			m.dateErr, m.dateSure = m.c.T("form_date_years", domain.FirstYear, domain.LastYear), true
		default:
			m.day, m.dateWarn = day, formNonWorking(m.c, day)
		}
	}
	m.at, m.span, m.timeErr, m.timeSure = time.Time{}, "", "", false
	if v := strings.TrimSpace(m.timeIn.Value()); v != "" {
		h, mi, ok := formParseClock(v)
		switch {
		case !ok:
			m.timeErr, m.timeSure = m.c.T("form_time_invalid", v), len(v) >= 5
		default:
			if examOK {
				end := (h*60 + mi + int(m.duration()/time.Minute)) % (24 * 60)
				m.span = formTwoDigits(h) + ":" + formTwoDigits(mi) + "–" + formTwoDigits(end/60) + ":" + formTwoDigits(end%60)
			}
			if !m.day.IsZero() {
				at, why := formVisitAt(m.c.Lang, m.day, h, mi)
				switch {
				case why != "":
					m.span, m.timeErr, m.timeSure = "", why, true
				case !at.After(now):
					m.timeErr, m.timeSure = m.c.T("form_time_past"), true
				default:
					m.at = at
					if examOK { // the real end, should the clocks change meanwhile
						m.span = formClock(at) + "–" + formClock(at.Add(m.duration()))
					}
				}
			}
		}
	}
	m.outlook = nil
	if m.patient != nil && examOK && !m.at.IsZero() {
		svc := m.c.Svc()
		o := domain.Foresee(*m.patient, e, m.at, now, svc.Policy, svc.Schedule)
		m.outlook = &o
	}
	if m.patient == nil || m.at.IsZero() || !examOK {
		m.overlapKey, m.overlapState, m.overlapText = "", overlapNone, ""
		return nil
	}
	id, at, dur := m.patient.ID(), m.at, m.duration()
	key := id.Canonical() + "|" + at.String() + "|" + dur.String()
	if key == m.overlapKey {
		return nil
	}
	var self domain.BookingID
	if m.rebook != nil {
		self = m.rebook.ID()
	}
	m.overlapKey, m.overlapState, m.overlapText = key, overlapChecking, ""
	m.overlapGen++
	gen, st, ctx := m.overlapGen, m.c.Backend.Store, m.c.Ctx
	return func() tea.Msg {
		bs, err := st.Bookings(ctx, domain.BookingQuery{Patient: id, From: at.Add(-formMaxVisit), To: at.Add(dur)})
		if err != nil {
			return formOverlapMsg{gen: gen, err: err}
		}
		for _, b := range bs {
			if domain.CheckOverlap(self, at, dur, []*domain.Booking{b}) != nil {
				return formOverlapMsg{gen: gen, conflict: b}
			}
		}
		return formOverlapMsg{gen: gen}
	}
}

// Unsaved reports a form with input that is not booked yet: ctrl+c asks.
func (m *Model) Unsaved() bool { return !m.done && m.dirty() }

func (m *Model) dirty() bool {
	return (m.rebook == nil && m.patientIn.Value() != "") || m.dateIn.Value() != "" || m.timeIn.Value() != ""
}

// ready reports whether the form may be confirmed; the service checks
// everything again when it books.
func (m *Model) ready() bool {
	_, examOK := m.exam()
	if m.rebook == nil && (m.patient == nil || !examOK || m.siteIdx >= len(m.sites)) {
		return false
	}
	return !m.at.IsZero() && m.overlapState != overlapConflict
}

// tryConfirm asks for confirmation, or shows what is missing and goes to it.
func (m *Model) tryConfirm() tea.Cmd {
	m.tried = true
	if m.ready() {
		m.confirming = true
		return nil
	}
	switch {
	case m.rebook == nil && m.patient == nil:
		m.setFocus(fieldPatient)
	case m.day.IsZero():
		m.setFocus(fieldDate)
	default:
		m.setFocus(fieldTime)
	}
	return nil
}

// submit books (or rebooks) in a Cmd with copied values.
func (m *Model) submit() tea.Cmd {
	m.confirming, m.busy, m.submitErr = false, true, ""
	svc, ctx, at := m.c.Svc(), m.c.Ctx, m.at
	if m.rebook != nil {
		id, site := m.rebook.ID(), m.sites[m.siteIdx].Code
		return func() tea.Msg {
			b, _, err := svc.RebookAt(ctx, id, site, at)
			if err != nil {
				return formBookedMsg{err: err}
			}
			return formBookedMsg{id: b.ID(), decision: b.Decision(), at: b.VisitAt()}
		}
	}
	e, _ := m.exam()
	in := service.BookInput{Patient: m.patient.ID().String(), Exam: e.Code, Site: m.sites[m.siteIdx].Code, VisitAt: at}
	return func() tea.Msg { return formBook(ctx, svc, in) }
}

func formBook(ctx context.Context, svc *service.Service, in service.BookInput) tea.Msg {
	res, err := svc.Book(ctx, in)
	if err != nil {
		return formBookedMsg{err: err}
	}
	return formBookedMsg{id: res.Booking.ID(), decision: res.Booking.Decision(), at: res.Booking.VisitAt()}
}
