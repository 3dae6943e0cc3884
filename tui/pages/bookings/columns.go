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
	// cell appends the row's text in this column to dst: every row on
	// screen is drawn on every key press, into one buffer the list reuses,
	// so that a cell costs no allocation.
	cell func(dst []byte, c *common.Common, r Row) []byte
}

var allColumns = []column{
	{"visit", 15, func(dst []byte, c *common.Common, r Row) []byte {
		t := r.B.VisitAt()
		dst = append(append(dst, i18n.WeekdayShort(c.Lang, t)...), ' ')
		return t.In(domain.Stockholm).AppendFormat(dst, "01-02 15:04")
	}},
	{"patient", 13, func(dst []byte, _ *common.Common, r Row) []byte { return append(dst, r.Name...) }}, // fitted to the column, with its birth date: see writeRow
	{"identity", 13, func(dst []byte, _ *common.Common, r Row) []byte { return r.B.Patient().AppendTo(dst) }},
	{"exam", 10, func(dst []byte, _ *common.Common, r Row) []byte { return append(dst, r.B.Exam()...) }},
	{"site", 9, func(dst []byte, _ *common.Common, r Row) []byte { return append(dst, r.B.Site()...) }},
	{"channel", 8, func(dst []byte, c *common.Common, r Row) []byte {
		return append(dst, channelShort(c, r)...)
	}},
	{"opened", 15, func(dst []byte, c *common.Common, r Row) []byte { return common.AppendOpenStatus(dst, c, r.B) }},
	{"reminders", 9, func(dst []byte, _ *common.Common, r Row) []byte {
		for i, rem := range r.B.Status().Reminders {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, rem...)
		}
		return dst
	}},
	{"state", 12, func(dst []byte, c *common.Common, r Row) []byte {
		return append(dst, i18n.StateText(c.Lang, r.B.State())...)
	}},
}

// layout is the table's columns for one width and language, and its header
// drawn: kept from one drawing to the next, as they change only with those.
type layout struct {
	width  int
	lang   i18n.Lang
	cols   []column
	header string // styled, w cells wide
}

// layoutFor is the layout for width w, made again only when w or the
// language changed since the last drawing.
func (m *Model) layoutFor(w int) *layout {
	if l := m.layout; l != nil && l.width == w && l.lang == m.c.Lang {
		return l
	}
	cols := columnsFor(w)
	m.layout = &layout{width: w, lang: m.c.Lang, cols: cols,
		header: m.c.Styles.Header.Render(common.PadRight(headerLine(m.c, cols), w))}
	return m.layout
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
// (" ", or "▸" on the selected row). buf is a buffer to compose cells in,
// returned to be used again.
func writeRow(b *strings.Builder, buf []byte, c *common.Common, cols []column, r Row, mark string, w int) []byte {
	start := b.Len()
	b.WriteString(mark)
	b.WriteString(common.StateMark(r.B))
	for i, col := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch {
		case col.key == "patient" && r.Birth != "":
			// The birth date tells two of the same name apart: the given
			// names give way first, then the rest.
			buf = common.AppendName(buf[:0], r.Name, max(1, col.width-len(r.Birth)-1))
			buf = append(append(buf, ' '), r.Birth...)
		case col.key == "patient":
			buf = common.AppendName(buf[:0], r.Name, col.width)
		default:
			buf = col.cell(buf[:0], c, r)
		}
		common.WritePaddedBytes(b, buf, col.width)
	}
	if n := common.Width(b.String()[start:]); n < w {
		common.WritePadded(b, "", w-n)
	}
	return buf
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

// channelShort fits the channels the row's booking reaches its patient by
// in a narrow column, in words: paper only where a letter went or can be
// posted (domain.Booking.PaperReaches).
func channelShort(c *common.Common, r Row) string {
	d := r.B.Decision()
	paper := d.Paper
	if paper && r.Patient != nil {
		paper = r.B.PaperReaches(*r.Patient, c.Now(), c.Svc().Policy, c.Svc().Schedule)
	}
	switch {
	case d.Digital && paper:
		if c.Lang == i18n.English {
			return "dig+pap" // as wide as the column (8), as dig+papp
		}
		return "dig+papp"
	case d.Digital:
		return "digital"
	case paper:
		return c.T("ch_paper")
	default:
		return c.T("ch_no_letter_short")
	}
}
