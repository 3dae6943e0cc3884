package tui

import (
	"strings"

	"github.com/kallelse/kallelse/domain"
)

// column is one column of the bookings table.
type column struct {
	key   string
	width int
	cell  func(c *Common, r bookingRow) string
}

var allColumns = []column{
	{"visit", 15, func(c *Common, r bookingRow) string {
		t := r.B.VisitAt()
		return weekdayShort(c.Lang, t) + " " + t.In(domain.Stockholm).Format("01-02 15:04")
	}},
	{"patient", 13, func(_ *Common, r bookingRow) string { return r.Name }},
	{"identity", 13, func(_ *Common, r bookingRow) string { return r.B.Patient().String() }},
	{"exam", 10, func(_ *Common, r bookingRow) string { return r.B.Exam() }},
	{"site", 9, func(_ *Common, r bookingRow) string { return r.B.Site() }},
	{"channel", 8, func(c *Common, r bookingRow) string { return channelShort(c, r.B.Decision()) }},
	{"opened", 15, func(c *Common, r bookingRow) string { return openStatus(c, r.B) }},
	{"reminders", 9, func(_ *Common, r bookingRow) string { return strings.Join(r.B.Status().Reminders, ",") }},
	{"state", 12, func(c *Common, r bookingRow) string { return StateText(c.Lang, r.B.State()) }},
}

// columnsFor picks the columns that fit: at 60 columns time, patient, how
// the summons went and the state; at 80 the essentials; from 120
// everything. The name column takes what is left.
func columnsFor(width int) []column {
	drop := map[string]bool{}
	if width < 120 {
		drop["reminders"] = true
		drop["site"] = true
	}
	if width < 100 {
		drop["identity"] = true
	}
	// Narrower, the state stays: the open status says how the summons went.
	if width < 80 {
		drop["channel"] = true
	}
	if width < 70 {
		drop["exam"] = true
	}
	var out []column
	for _, c := range allColumns {
		if !drop[c.key] {
			out = append(out, c)
		}
	}
	used := 2 + len(out) - 1 // cursor and attention mark, separators
	for _, c := range out {
		used += c.width
	}
	if extra := width - used; extra > 0 {
		for i := range out {
			if out[i].key == "patient" {
				out[i].width += min(extra, 16)
			}
		}
	}
	return out
}

func headerLine(c *Common, cols []column) string {
	var b strings.Builder
	b.WriteString("  ")
	for i, col := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(padRight(c.T("hdr_"+col.key), col.width))
	}
	return b.String()
}

func rowLine(c *Common, cols []column, r bookingRow) string {
	var b strings.Builder
	b.WriteString(" " + stateMark(r.B))
	for i, col := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(padRight(col.cell(c, r), col.width))
	}
	return b.String()
}

// channelShort fits the channel in a narrow column, in words.
func channelShort(c *Common, d domain.Decision) string {
	switch {
	case d.Digital && d.Paper:
		if c.Lang == English {
			return "dig+paper"
		}
		return "dig+papp"
	case d.Digital:
		return "digital"
	default:
		return c.T("ch_paper")
	}
}
