package letters

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/kallelse/kallelse/domain"
)

// Page geometry in mm, A4 portrait. The address field sits where the window
// of a Swedish C5/C4 window envelope (SS 674, "H2") shows it: about 120 mm
// from the left and 50 mm from the top, 80 mm wide. Nothing else may be
// printed in that field, and nothing personal but the address should show
// through the window.
const (
	pageW, pageH = 210.0, 297.0
	marginL      = 20.0
	marginR      = 20.0
	marginTop    = 15.0
	marginBottom = 22.0 // room for the footer
	bodyW        = pageW - marginL - marginR

	addrX, addrY, addrW = 120.0, 50.0, 80.0
	addrLineH           = 5.2
	bodyY               = 100.0 // below the window, with room for a long address
	footerY             = pageH - 15

	fontFamily = "Helvetica"
)

// renderLetters draws ms, one letter after the other each from a new page,
// into one PDF whose metadata dates are stamp.
func renderLetters(stamp time.Time, compress bool, ms []domain.Message) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252, which holds å ä ö é
	pdf.SetCompression(compress)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(stamp)
	pdf.SetModificationDate(stamp)
	pdf.SetCreator("Kallelse", true)
	pdf.SetTitle("Kallelse", true)
	pdf.SetMargins(marginL, marginTop, marginR)
	pdf.SetAutoPageBreak(true, marginBottom)

	// A letter too long for one page says whose it is on its other pages, so
	// that a page of a batch can be put back with its letter.
	var (
		firstPage int    // of the letter being drawn
		cont      string // its continuation line
	)
	pdf.SetHeaderFunc(func() {
		if pdf.PageNo() <= firstPage {
			return
		}
		pdf.SetFont(fontFamily, "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.SetXY(marginL, 9)
		pdf.CellFormat(bodyW, 4, tr(fold(fmt.Sprintf("%s, sida %d", cont, pdf.PageNo()-firstPage+1))), "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.SetXY(marginL, 20)
	})
	var footer string // of the letter being drawn
	pdf.SetFooterFunc(func() {
		pdf.SetDrawColor(160, 160, 160)
		pdf.SetLineWidth(0.2)
		pdf.Line(marginL, footerY-2, pageW-marginR, footerY-2)
		pdf.SetFont(fontFamily, "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.SetXY(marginL, footerY)
		pdf.CellFormat(bodyW, 4, tr(footer), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	for _, m := range ms {
		s := m.Summons
		if s == nil {
			return nil, fmt.Errorf("message %s has no summons: %w", m.ID, ErrNotALetter)
		}
		firstPage = pdf.PageNo() + 1
		cont = joinNonEmpty(", ", s.PatientName, s.PatientID) + " – Kallelse till " + s.ExamName
		pdf.AddPage() // draws the previous letter's footer
		footer = joinNonEmpty(" · ", s.Department, s.Region, phoneLine(s.ClinicPhone))
		drawLetter(pdf, tr, m.CreatedAt, s)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// drawLetter draws one summons from the top of the current page. It prints
// what the patient needs to come, and never why the letter is paper.
func drawLetter(pdf *fpdf.Fpdf, tr func(string) string, created time.Time, s *domain.Summons) {
	text := func(s string) string { return tr(fold(s)) }

	// Sender, top left.
	pdf.SetXY(marginL, 18)
	pdf.SetFont(fontFamily, "B", 12)
	pdf.CellFormat(90, 6, text(s.Department), "", 2, "L", false, 0, "")
	pdf.SetFont(fontFamily, "", 10)
	pdf.CellFormat(90, 5, text(s.Region), "", 2, "L", false, 0, "")

	// Date, top right, above the address field.
	pdf.SetXY(addrX, 18)
	pdf.SetFont(fontFamily, "", 10)
	pdf.CellFormat(addrW-10, 6, text(longDate(created)), "", 0, "L", false, 0, "")

	// Identity, left of the window, level with the name.
	pdf.SetXY(marginL, addrY)
	pdf.SetFont(fontFamily, "", 8)
	pdf.SetTextColor(90, 90, 90)
	pdf.CellFormat(80, 4, text(s.IDLabel()), "", 2, "L", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont(fontFamily, "", 11)
	pdf.CellFormat(80, addrLineH, text(s.PatientID), "", 2, "L", false, 0, "")

	// Address field, in the window.
	name := s.PatientName
	if s.Recipient != "" {
		name = s.Recipient // the guardians of a child
	}
	lines := []string{name}
	if a := s.Address; a.IsZero() {
		lines = append(lines, "Adress saknas – lämnas till expeditionen")
	} else {
		lines = append(lines, a.Street, strings.TrimSpace(a.PostalCodeDisplay()+" "+a.City))
	}
	pdf.SetXY(addrX, addrY)
	for _, l := range lines {
		pdf.SetX(addrX)
		fitFont(pdf, text(l), addrW-2, 11, 9)
		pdf.MultiCell(addrW, addrLineH, text(l), "", "L", false)
	}

	// Body.
	pdf.SetXY(marginL, bodyY)
	if s.Notice == domain.NoticeCancelled {
		drawCancelled(pdf, text, s)
		return
	}
	pdf.SetFont(fontFamily, "B", 16)
	pdf.MultiCell(bodyW, 8, text("Kallelse till "+s.ExamName), "", "L", false)
	if moved := s.MovedText(); moved != "" {
		pdf.Ln(1)
		pdf.SetFont(fontFamily, "B", 11)
		pdf.MultiCell(bodyW, 5.5, text(moved), "", "L", false)
	}
	pdf.Ln(3)
	if s.RecipientFor != "" {
		para(pdf, text(fmt.Sprintf("Till vårdnadshavare för %s (%s).", s.RecipientFor, s.PatientID)))
		para(pdf, text(fmt.Sprintf("%s är välkommen till %s, %s, för %s.", s.RecipientFor, s.Department, s.SiteName, s.ExamName)))
	} else {
		para(pdf, text(fmt.Sprintf("Hej %s! Du är välkommen till %s, %s, för %s.", s.PatientName, s.Department, s.SiteName, s.ExamName)))
	}
	pdf.Ln(3)

	// Time and place, in a shaded box.
	when := domain.VisitText(s.VisitAt)
	site := domain.Address{PostalCode: s.SitePostalCode}.PostalCodeDisplay()
	where := joinNonEmpty(", ", s.SiteName, s.SiteStreet, strings.TrimSpace(site+" "+s.SiteCity))
	boxTop := pdf.GetY()
	pdf.SetFillColor(238, 241, 245)
	pdf.Rect(marginL, boxTop, bodyW, 17, "F")
	pdf.SetXY(marginL+3, boxTop+2.5)
	field(pdf, "Tid:", text(when))
	pdf.SetX(marginL + 3)
	field(pdf, "Plats:", text(where))
	pdf.SetXY(marginL, boxTop+17+3)
	if s.DurationMinutes > 0 {
		para(pdf, text(fmt.Sprintf("Besöket tar cirka %d minuter.", s.DurationMinutes)))
		pdf.Ln(3)
	}

	if it := s.InterpreterText(); it != "" {
		heading(pdf, text("Tolk"))
		para(pdf, text(it))
		pdf.Ln(3)
	}
	if p := strings.TrimSpace(s.Preparation); p != "" {
		heading(pdf, text("Förberedelser"))
		para(pdf, text(p))
		pdf.Ln(3)
	}
	if s.DirectionsURL != "" {
		para(pdf, text("Hitta hit: "+s.DirectionsURL))
		pdf.Ln(3)
	}
	heading(pdf, text("Om du behöver ändra din tid"))
	para(pdf, text(domain.RebookNotice))
	if s.ClinicPhone != "" {
		para(pdf, text("Frågor: ring "+s.ClinicPhone))
	}
	pdf.Ln(6)
	pdf.SetFont(fontFamily, "B", 11)
	pdf.MultiCell(bodyW, 5.5, text("Välkommen!"), "", "L", false)
	pdf.SetFont(fontFamily, "", 11)
	pdf.MultiCell(bodyW, 5.5, text(s.Department), "", "L", false)
	pdf.MultiCell(bodyW, 5.5, text(s.Region), "", "L", false)
}

// drawCancelled is the body of a cancellation notice: the time is void.
func drawCancelled(pdf *fpdf.Fpdf, text func(string) string, s *domain.Summons) {
	pdf.SetFont(fontFamily, "B", 16)
	pdf.MultiCell(bodyW, 8, text("Din tid är avbokad"), "", "L", false)
	pdf.Ln(3)
	if s.RecipientFor != "" {
		para(pdf, text(fmt.Sprintf("Till vårdnadshavare för %s (%s).", s.RecipientFor, s.PatientID)))
	} else {
		para(pdf, text("Hej "+s.PatientName+"!"))
	}
	pdf.Ln(2)
	para(pdf, text(s.CancelledText()))
	pdf.Ln(3)
	if s.ClinicPhone != "" {
		para(pdf, text("Har du frågor, eller vill du ha en ny tid, ring "+s.ClinicPhone+"."))
	}
	pdf.Ln(6)
	pdf.SetFont(fontFamily, "", 11)
	pdf.MultiCell(bodyW, 5.5, text("Med vänlig hälsning"), "", "L", false)
	pdf.MultiCell(bodyW, 5.5, text(s.Department), "", "L", false)
	pdf.MultiCell(bodyW, 5.5, text(s.Region), "", "L", false)
}

func heading(pdf *fpdf.Fpdf, s string) {
	pdf.SetFont(fontFamily, "B", 12)
	pdf.MultiCell(bodyW, 6.5, s, "", "L", false)
}

func para(pdf *fpdf.Fpdf, s string) {
	pdf.SetFont(fontFamily, "", 11)
	pdf.MultiCell(bodyW, 5.5, s, "", "L", false)
}

// field draws a bold label and its value on one line of the time-and-place box.
func field(pdf *fpdf.Fpdf, label, value string) {
	const labelW = 18.0
	pdf.SetFont(fontFamily, "B", 11)
	pdf.CellFormat(labelW, 6, label, "", 0, "L", false, 0, "")
	pdf.SetFont(fontFamily, "", 11)
	fitFont(pdf, value, bodyW-6-labelW, 11, 8)
	pdf.CellFormat(bodyW-6-labelW, 6, value, "", 1, "L", false, 0, "")
}

// fitFont sets the largest regular font size from max down to min at which s
// fits in w; at min, a longer s wraps (MultiCell) or overflows (Cell).
func fitFont(pdf *fpdf.Fpdf, s string, w, max, min float64) {
	size := max
	for ; size > min; size -= 0.5 {
		pdf.SetFont(fontFamily, "", size)
		if pdf.GetStringWidth(s) <= w {
			return
		}
	}
	pdf.SetFont(fontFamily, "", min)
}

// longDate is the Swedish long date of the letter: "26 november 2026".
func longDate(t time.Time) string {
	t = t.In(domain.Stockholm)
	return fmt.Sprintf("%d %s %d", t.Day(), domain.SwedishMonth(t), t.Year())
}

func phoneLine(phone string) string {
	if phone == "" {
		return ""
	}
	return "Telefon " + phone
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// folds replaces letters that cp1252 lacks but names in Sweden often have
// with their base letter, so "Łukasz" prints as "Lukasz" rather than the
// translator's ".ukasz".
var folds = strings.NewReplacer(
	"Ą", "A", "ą", "a", "Ć", "C", "ć", "c", "Č", "C", "č", "c", "Ď", "D", "ď", "d",
	"Đ", "D", "đ", "d", "Ę", "E", "ę", "e", "Ě", "E", "ě", "e", "Ē", "E", "ē", "e",
	"Ğ", "G", "ğ", "g", "İ", "I", "ı", "i", "Ī", "I", "ī", "i", "Ł", "L", "ł", "l",
	"Ń", "N", "ń", "n", "Ň", "N", "ň", "n", "Ő", "O", "ő", "o", "Ř", "R", "ř", "r",
	"Ś", "S", "ś", "s", "Ș", "S", "ș", "s", "Ş", "S", "ş", "s", "Ț", "T", "ț", "t",
	"Ţ", "T", "ţ", "t", "Ť", "T", "ť", "t", "Ű", "U", "ű", "u", "Ů", "U", "ů", "u",
	"Ū", "U", "ū", "u", "Ź", "Z", "ź", "z", "Ż", "Z", "ż", "z", "Ā", "A", "ā", "a",
	"Ă", "A", "ă", "a", "Ķ", "K", "ķ", "k", "Ļ", "L", "ļ", "l", "Ņ", "N", "ņ", "n",
	"Ģ", "G", "ģ", "g", "\u2212", "-", "\u2010", "-", "\u2011", "-", "\u00a0", " ",
)

func fold(s string) string { return folds.Replace(s) }
