package main

import (
	"encoding/json"
	"github.com/kallelse/kallelse/tui/common"
	"io"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// The JSON shapes printed with --json. They are the CLI's contract with
// scripts: add fields, never rename or remove one. The README documents them.

type patientJSON struct {
	ID                   string         `json:"id"` // YYYYMMDD-NNNN
	Kind                 string         `json:"kind"`
	Name                 string         `json:"name"`
	BirthDate            string         `json:"birth_date,omitempty"`
	Age                  *int           `json:"age,omitempty"`
	Address              domain.Address `json:"address"`
	Phone                string         `json:"phone,omitempty"`
	Interpreter          string         `json:"interpreter,omitempty"`
	Has1177Account       bool           `json:"has_1177_account"`
	NotificationsEnabled bool           `json:"notifications_enabled"`
	SMSReminders         bool           `json:"sms_reminders"`
	Protected            bool           `json:"protected"`
	PaperDeclined        bool           `json:"paper_declined"`
	Guardians            []guardianJSON `json:"guardians,omitempty"`
	Bookings             []bookingJSON  `json:"bookings,omitempty"`
}

type guardianJSON struct {
	Name    string         `json:"name"`
	Address domain.Address `json:"address"`
	Phone   string         `json:"phone,omitempty"`
}

func patientView(p domain.Patient, now time.Time) patientJSON {
	v := patientJSON{
		ID: p.ID().String(), Kind: p.ID().Kind().String(), Name: p.Name(), Address: p.Address(),
		Phone: p.Phone(), Interpreter: p.Interpreter(), Has1177Account: p.Has1177Account(),
		NotificationsEnabled: p.NotificationsEnabled(), SMSReminders: p.SMSReminders(),
		Protected: p.Protected(), PaperDeclined: p.PaperDeclined(),
	}
	for _, g := range p.Guardians() {
		v.Guardians = append(v.Guardians, guardianJSON{Name: g.Name, Address: g.Address, Phone: g.Phone})
	}
	if p.Protected() {
		// Protected personal data: no address leaves Kallelse, the
		// guardians' neither (they usually share it).
		v.Address = domain.Address{}
		for i := range v.Guardians {
			v.Guardians[i].Address = domain.Address{}
		}
	}
	if b, ok := p.ID().BirthDate(); ok {
		v.BirthDate = b.Format("2006-01-02")
	}
	if age, ok := p.ID().AgeAt(now); ok {
		v.Age = &age
	}
	return v
}

type bookingJSON struct {
	ID              domain.BookingID    `json:"id"`
	Patient         string              `json:"patient"`
	PatientName     string              `json:"patient_name"`
	Exam            string              `json:"exam"`
	Site            string              `json:"site"`
	VisitAt         time.Time           `json:"visit_at"`
	DurationMinutes int                 `json:"duration_minutes"`
	State           domain.BookingState `json:"state"`
	Channels        []domain.Channel    `json:"channels"`
	Reasons         []domain.Reason     `json:"reasons"`
	CreatedAt       time.Time           `json:"created_at"`
	CreatedBy       string              `json:"created_by"`
	UpdatedAt       time.Time           `json:"updated_at"`
	Warnings        []string            `json:"warnings,omitempty"`
	Outlook         *outlookJSON        `json:"outlook,omitempty"`
	Summons         summonsJSON         `json:"summons"`
	Letters         []letterJSON        `json:"letters,omitempty"`
	Timers          []timerJSON         `json:"timers,omitempty"`
	Events          []eventJSON         `json:"events,omitempty"`
}

// summonsJSON is what became of the current summons.
type summonsJSON struct {
	MessageID    string     `json:"message_id,omitempty"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	OpenedAt     *time.Time `json:"opened_at,omitempty"`
	PaperSent    bool       `json:"paper_sent"`
	FallbackSent bool       `json:"fallback_sent"`
	Reminders    []string   `json:"reminders"`
	PhoneTask    bool       `json:"phone_task"`
	HandOver     bool       `json:"hand_over"`
	HandedOver   bool       `json:"handed_over"`     // the unit's routine handed the summons over (sent_at: when)
	Phoned       bool       `json:"phoned"`          // staff phoned the summons, no letter could arrive in time (sent_at: when)
	LateRequest  bool       `json:"late_request"`    // the patient's request came less than 72 h before the visit
	Outdated     bool       `json:"outdated_letter"` // a printed letter names a void time: staff handle it
}

// outlookJSON is what will really happen to a new booking's summons
// (`book` only): the letters that go, or the task staff get instead
// ("phone", "hand_over") and why ("too_late", or a blocking reason); for a
// digital summons what follows if it stays unopened.
type outlookJSON struct {
	Letters      int             `json:"letters"`
	Instead      domain.TaskKind `json:"instead,omitempty"`
	Why          string          `json:"why,omitempty"`
	FallbackAt   *time.Time      `json:"fallback_at,omitempty"`
	FallbackTask domain.TaskKind `json:"fallback_task,omitempty"`
}

func outlookView(o domain.Outlook) *outlookJSON {
	v := &outlookJSON{Letters: o.Envelopes, Instead: o.Task, FallbackAt: optTime(o.FallbackAt), FallbackTask: o.FallbackTask}
	switch {
	case o.LetterTooLate:
		v.Why = "too_late"
	case o.LetterBlocked != "":
		v.Why = string(o.LetterBlocked)
	}
	return v
}

// letterJSON is one paper letter of a booking and what became of it.
type letterJSON struct {
	ID      string             `json:"id"`
	Day     string             `json:"day"`
	VisitAt time.Time          `json:"visit_at"`
	Purpose domain.Purpose     `json:"purpose"`
	State   domain.LetterState `json:"state"`
}

type timerJSON struct {
	Kind domain.TimerKind `json:"kind"`
	Due  time.Time        `json:"due"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	l := t.In(domain.Stockholm)
	return &l
}

func bookingView(b *domain.Booking, name string) bookingJSON {
	d := b.Decision()
	v := bookingJSON{
		ID: b.ID(), Patient: b.Patient().String(), PatientName: name, Exam: b.Exam(), Site: b.Site(),
		VisitAt: b.VisitAt().In(domain.Stockholm), DurationMinutes: int(b.Duration() / time.Minute),
		State: b.State(), Channels: d.Channels(), Reasons: d.Reasons,
		CreatedAt: b.CreatedAt().In(domain.Stockholm), CreatedBy: b.CreatedBy(), UpdatedAt: b.UpdatedAt().In(domain.Stockholm),
	}
	st := b.Status()
	v.Summons = summonsJSON{MessageID: st.MessageID, SentAt: optTime(st.SentAt), DeliveredAt: optTime(st.DeliveredAt),
		OpenedAt: optTime(st.OpenedAt), PaperSent: st.PaperSent, FallbackSent: st.FallbackSent,
		Reminders: append([]string{}, st.Reminders...), PhoneTask: st.PhoneTask, HandOver: st.HandOver, HandedOver: st.HandedOver, Phoned: st.Phoned,
		LateRequest: st.LateRequest, Outdated: b.OutdatedLetter()}
	for _, l := range b.Letters() {
		v.Letters = append(v.Letters, letterJSON{ID: l.ID, Day: l.Day, VisitAt: l.VisitAt.In(domain.Stockholm), Purpose: l.Purpose, State: l.State})
	}
	if v.Reasons == nil {
		v.Reasons = []domain.Reason{}
	}
	if v.Channels == nil {
		v.Channels = []domain.Channel{}
	}
	return v
}

type eventJSON struct {
	domain.Event
}

func eventView(e domain.Event) eventJSON {
	e.At = e.At.In(domain.Stockholm)
	if e.VisitAt != nil {
		t := e.VisitAt.In(domain.Stockholm)
		e.VisitAt = &t
	}
	if e.PreviousVisitAt != nil {
		t := e.PreviousVisitAt.In(domain.Stockholm)
		e.PreviousVisitAt = &t
	}
	return eventJSON{e}
}

type examJSON struct {
	Code            string `json:"code"`
	Name            string `json:"name"`
	DurationMinutes int    `json:"duration_minutes"`
	Digital         bool   `json:"digital"`
	Stage           int    `json:"stage"`
	Preparation     string `json:"preparation"`
}

type siteJSON struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	Street        string `json:"street"`
	PostalCode    string `json:"postal_code"`
	City          string `json:"city"`
	DirectionsURL string `json:"directions_url"`
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// tableNameWidth is as wide as a name gets in a text table: one long name
// would otherwise widen the column for every row (JSON and CSV keep it
// whole).
const tableNameWidth = 30

// tableName is a name for a text table's column.
func tableName(name string) string { return common.Truncate(name, tableNameWidth) }
