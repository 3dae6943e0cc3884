package bookings

import (
	"strings"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

// column is one column of the bookings table.
type column struct {
	key   string
	width int
	cell  func(c *common.Common, r Row) string
}

var allColumns = []column{
	{"visit", 15, func(c *common.Common, r Row) string {
		t := r.B.VisitAt()
		return i18n.WeekdayShort(c.Lang, t) + " " + t.In(domain.Stockholm).Format("01-02 15:04")
	}},
	{"patient", 13, func(_ *common.Common, r Row) string { return r.Name }}, // with its birth date: see rowLine
	{"identity", 13, func(_ *common.Common, r Row) string { return r.B.Patient().String() }},
	{"exam", 10, func(_ *common.Common, r Row) string { return r.B.Exam() }},
	{"site", 9, func(_ *common.Common, r Row) string { return r.B.Site() }},
	{"channel", 8, func(c *common.Common, r Row) string { return channelShort(c, r.B.Decision()) }},
	{"opened", 15, func(c *common.Common, r Row) string { return common.OpenStatus(c, r.B) }},
	{"reminders", 9, func(_ *common.Common, r Row) string { return strings.Join(r.B.Status().Reminders, ",") }},
	{"state", 12, func(c *common.Common, r Row) string { return i18n.StateText(c.Lang, r.B.State()) }},
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

func headerLine(c *common.Common, cols []column) string {
	var b strings.Builder
	b.WriteString("  ")
	for i, col := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		common.WritePadded(&b, c.T("hdr_"+col.key), col.width)
	}
	return b.String()
}

// writeRow writes a booking's row, w cells wide; mark is its first cell
// (" ", or "▸" on the selected row).
func writeRow(b *strings.Builder, c *common.Common, cols []column, r Row, mark string, w int) {
	start := b.Len()
	b.WriteString(mark)
	b.WriteString(common.StateMark(r.B))
	for i, col := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		cell := col.cell(c, r)
		if col.key == "patient" && r.Birth != "" {
			// The birth date tells two of the same name apart: the name gives way.
			cell = common.Truncate(r.Name, max(1, col.width-len(r.Birth)-1)) + " " + r.Birth
		}
		common.WritePadded(b, cell, col.width)
	}
	if n := common.Width(b.String()[start:]); n < w {
		common.WritePadded(b, "", w-n)
	}
}

// sameNames is the names that different patients on screen share, when
// the identity column is not there to tell them apart.
func sameNames(rows []Row, cols []column) map[string]bool {
	for _, c := range cols {
		if c.key == "identity" {
			return nil
		}
	}
	first := map[string]string{}
	var same map[string]bool
	for _, r := range rows {
		id := r.B.Patient().Canonical()
		if f, ok := first[r.Name]; !ok {
			first[r.Name] = id
		} else if f != id {
			if same == nil {
				same = map[string]bool{}
			}
			same[r.Name] = true
		}
	}
	return same
}

// channelShort fits the channel in a narrow column, in words.
func channelShort(c *common.Common, d domain.Decision) string {
	switch {
	case d.Digital && d.Paper:
		if c.Lang == i18n.English {
			return "dig+paper"
		}
		return "dig+papp"
	case d.Digital:
		return "digital"
	default:
		return c.T("ch_paper")
	}
}
