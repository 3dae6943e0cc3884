// Package letters renders the paper summons: one PDF per letter in a print
// folder per day, for the department's printer and the print queue screen.
//
// The folder of a day holds, for each letter, <id>.json (the whole message,
// written first) and <id>.pdf (written last), both written once under their
// final names, so sending a message again changes nothing. Staff print a
// day's letters one by one or as one batch-<day>.pdf, which is rebuilt from
// the sidecars each time, and mark them printed with <id>.printed markers.
package letters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kallelse/kallelse/adapters/spoolfs"
	"github.com/kallelse/kallelse/domain"
)

// DayLayout names a day's folder; days are reckoned in Stockholm.
const DayLayout = "2006-01-02"

// File name parts inside a day's folder.
const (
	batchPrefix   = "batch-"
	jsonExt       = ".json"
	pdfExt        = ".pdf"
	printedExt    = ".printed"
	withdrawnExt  = ".withdrawn"
	maxIDLength   = 200
	markerContent = "printed %s\n"
)

// ErrNotALetter is returned by Send for a message the printer cannot print:
// another kind, or a letter without a summons.
var ErrNotALetter = errors.New("not a paper letter")

// ErrNoLetters is returned by Batch for a day without letters, so a print
// screen can say so instead of printing an empty document.
var ErrNoLetters = errors.New("no letters")

// Printer writes one PDF per paper letter into a print folder, for the
// department's printer. It implements domain.Sender for MessageLetter.
type Printer struct {
	// Dir is the print folder; each day gets a sub-folder named DayLayout.
	Dir string
	// Clock stamps what is not part of a message: the batch PDF's metadata
	// dates and the printed markers. Nil means time.Now.
	Clock func() time.Time
	// Uncompressed turns off PDF stream compression. Tests use it to read
	// the text of a page; the printer does not care.
	Uncompressed bool
}

// New returns a printer writing into dir.
func New(dir string) *Printer { return &Printer{Dir: dir} }

// Letter is one paper letter of a day as the print queue shows it.
type Letter struct {
	MessageID   string
	Day         string // DayLayout
	PDF         string // path of the letter's own PDF
	JSON        string // path of its sidecar
	Booking     domain.BookingID
	PatientID   string // YYYYMMDD-NNNN, as the summons names the patient
	PatientName string
	VisitAt     time.Time
	Purpose     domain.Purpose // for staff; never printed
	Printed     bool
	Withdrawn   bool // its time became void: never to be posted
}

var _ domain.Sender = (*Printer)(nil)

// Send renders m into the folder of the Stockholm day m was created. It is
// idempotent by m.ID: a letter already written is left as it is. The sidecar
// is written before the PDF, so a PDF on disk always has its sidecar; after a
// crash between the two, the next Send writes the missing PDF.
func (p *Printer) Send(ctx context.Context, m domain.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.Kind == domain.MessageLetter && m.Purpose == domain.PurposeWithdraw {
		return p.withdraw(m)
	}
	if err := checkLetter(m); err != nil {
		return err
	}
	dir := p.dayDir(m.CreatedAt)
	// A letter withdrawn before it arrived gets no PDF, and its sidecar,
	// for the print queue to list it withdrawn, no address (a withdrawn
	// letter's PDF is gone, so the PDF's absence alone would write it
	// again); one written before a crash cut its withdrawal short is taken
	// away now.
	withdrawn, err := exists(filepath.Join(dir, m.ID+withdrawnExt))
	if err != nil {
		return fmt.Errorf("letter %s: %w", m.ID, err)
	}
	if withdrawn {
		if printed, err := exists(filepath.Join(dir, m.ID+printedExt)); err != nil || printed {
			return err // in the post: it stays as it went
		}
		if err := writeSidecar(dir, withoutAddress(m)); err != nil {
			return err
		}
		return clearWithdrawn(dir, m.ID)
	}
	if _, err := os.Stat(filepath.Join(dir, m.ID+pdfExt)); err == nil {
		return nil
	}
	pdf, err := p.render(m)
	if err != nil {
		return fmt.Errorf("letter %s: %w", m.ID, err)
	}
	if err := writeSidecar(dir, m); err != nil {
		return err
	}
	if _, err := spoolfs.WriteOnce(dir, m.ID+pdfExt, pdf); err != nil {
		return fmt.Errorf("letter %s: write pdf: %w", m.ID, err)
	}
	// A withdrawal that came meanwhile found no PDF to take away: the
	// letter takes itself away.
	if withdrawn, err := exists(filepath.Join(dir, m.ID+withdrawnExt)); err != nil || withdrawn {
		if err == nil {
			err = clearWithdrawn(dir, m.ID)
		}
		return err
	}
	return nil
}

// writeSidecar writes m's sidecar once (see Send).
func writeSidecar(dir string, m domain.Message) error {
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("letter %s: encode sidecar: %w", m.ID, err)
	}
	if _, err := spoolfs.WriteOnce(dir, m.ID+jsonExt, append(js, '\n')); err != nil {
		return fmt.Errorf("letter %s: write sidecar: %w", m.ID, err)
	}
	return nil
}

// withoutAddress is letter m without the address it was to go to.
func withoutAddress(m domain.Message) domain.Message {
	s := *m.Summons
	s.Address = domain.Address{}
	m.Summons = &s
	return m
}

// checkLetter tells whether m can be printed and stored under its id.
func checkLetter(m domain.Message) error {
	if m.Kind != domain.MessageLetter {
		return fmt.Errorf("message %s is of kind %q: %w", m.ID, m.Kind, ErrNotALetter)
	}
	if m.Summons == nil {
		return fmt.Errorf("message %s has no summons: %w", m.ID, ErrNotALetter)
	}
	if err := checkID(m.ID); err != nil {
		return err
	}
	if strings.TrimSpace(m.Summons.PatientName) == "" {
		return fmt.Errorf("letter %s: no patient name to address it to", m.ID)
	}
	if m.Summons.VisitAt.IsZero() {
		return fmt.Errorf("letter %s: no visit time", m.ID)
	}
	if m.CreatedAt.IsZero() {
		return fmt.Errorf("letter %s: no creation time, so no day folder", m.ID)
	}
	return nil
}

// checkID accepts a message id that is a plain file name and cannot be
// mistaken for the batch file, a marker or a temporary file.
func checkID(id string) error {
	bad := func(why string) error { return fmt.Errorf("message id %q cannot name a letter file: %s", id, why) }
	switch {
	case id == "":
		return bad("empty")
	case len(id) > maxIDLength:
		return bad("too long")
	case strings.HasPrefix(id, "."):
		return bad("starts with a dot")
	case strings.HasPrefix(id, batchPrefix):
		return bad("starts with " + batchPrefix)
	}
	for _, r := range id {
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
			return bad(fmt.Sprintf("contains %q", r))
		}
	}
	return nil
}

// withdraw marks a letter as taken out of the print queue: its time became
// void before it was printed. Idempotent, and in any order with the
// letter's own delivery: a marker written before the letter arrives still
// keeps it out of every batch.
func (p *Printer) withdraw(m domain.Message) error {
	if err := checkID(m.Withdraws); err != nil {
		return fmt.Errorf("withdrawal %s: %w", m.ID, err)
	}
	if _, err := time.Parse(DayLayout, m.LetterDay); err != nil {
		return fmt.Errorf("withdrawal %s: day %q: %w", m.ID, m.LetterDay, err)
	}
	return p.writeWithdrawn(m.LetterDay, m.Withdraws, fmt.Sprintf("withdrawn %s by %s\n", m.CreatedAt.In(domain.Stockholm).Format(time.RFC3339), m.ID))
}

// Withdraw keeps a letter of day out of every batch: the print queue's own
// way, for a withdrawal the booking decided whose message has not reached
// the folder yet. Idempotent like the message.
func (p *Printer) Withdraw(day time.Time, id string) error {
	if err := checkID(id); err != nil {
		return fmt.Errorf("withdraw: %w", err)
	}
	return p.writeWithdrawn(dayName(day), id, fmt.Sprintf("withdrawn %s before printing\n", p.now().In(domain.Stockholm).Format(time.RFC3339)))
}

func (p *Printer) writeWithdrawn(day, id, stamp string) error {
	// A letter printed already is in the post: withdrawing it comes too
	// late, and the folder must go on saying it was printed (its booking
	// tells staff instead).
	if printed, err := exists(filepath.Join(p.Dir, day, id+printedExt)); err != nil || printed {
		return err
	}
	if _, err := spoolfs.WriteOnce(filepath.Join(p.Dir, day), id+withdrawnExt, []byte(stamp)); err != nil {
		return fmt.Errorf("withdraw letter %s: %w", id, err)
	}
	return clearWithdrawn(filepath.Join(p.Dir, day), id)
}

// clearedMarker, in the print folder, says ClearWithdrawn has gone
// through it: withdrawals clear their own letters since.
const clearedMarker = ".withdrawn-cleared"

// ClearWithdrawn takes out of every day's folder what a withdrawn letter
// not printed still holds of its address (clearWithdrawn): for a folder
// written before withdrawals did so themselves, once (clearedMarker). It
// returns how many PDFs it removed.
func (p *Printer) ClearWithdrawn() (n int, err error) {
	if done, err := exists(filepath.Join(p.Dir, clearedMarker)); err != nil || done {
		return 0, err
	}
	days, err := os.ReadDir(p.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("print folder: %w", err)
	}
	defer func() {
		if err == nil {
			err = replaceFile(filepath.Join(p.Dir, clearedMarker), []byte("withdrawn letters cleared\n"))
		}
	}()
	for _, d := range days {
		if _, err := time.Parse(DayLayout, d.Name()); err != nil || !d.IsDir() {
			continue
		}
		dir := filepath.Join(p.Dir, d.Name())
		entries, err := os.ReadDir(dir)
		if err != nil {
			return n, fmt.Errorf("print folder %s: %w", d.Name(), err)
		}
		for _, e := range entries {
			id, ok := strings.CutSuffix(e.Name(), withdrawnExt)
			if !ok || checkID(id) != nil {
				continue
			}
			printed, err := exists(filepath.Join(dir, id+printedExt))
			if err != nil {
				return n, err
			}
			pdf, err := exists(filepath.Join(dir, id+pdfExt))
			if err != nil || printed {
				if err != nil {
					return n, err
				}
				continue
			}
			if err := clearWithdrawn(dir, id); err != nil {
				return n, err
			}
			if pdf {
				n++
			}
		}
	}
	return n, nil
}

// clearWithdrawn takes a withdrawn letter's address out of the folder,
// once its marker is written: the PDF goes, so that nobody prints from the
// folder a letter for a void time, and the sidecar, which the print queue
// reads to list the letter as withdrawn, is written again without the
// address (that of a patient who has since become protected, among
// others). Idempotent: what is gone or cleared already stays so.
func clearWithdrawn(dir, id string) error {
	if err := os.Remove(filepath.Join(dir, id+pdfExt)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("withdraw letter %s: remove pdf: %w", id, err)
	}
	path := filepath.Join(dir, id+jsonExt)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return spoolfs.SyncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("withdraw letter %s: %w", id, err)
	}
	var m domain.Message
	if err := json.Unmarshal(data, &m); err != nil || m.Summons == nil {
		// Not a sidecar this package wrote: the print queue names it as
		// unreadable, and it is not taken apart here.
		return spoolfs.SyncDir(dir)
	}
	if m.Summons.Address.IsZero() {
		return spoolfs.SyncDir(dir)
	}
	js, err := json.MarshalIndent(withoutAddress(m), "", "  ")
	if err != nil {
		return fmt.Errorf("withdraw letter %s: encode sidecar: %w", id, err)
	}
	if err := replaceFile(path, append(js, '\n')); err != nil {
		return fmt.Errorf("withdraw letter %s: clear the address: %w", id, err)
	}
	return nil
}

// Batch renders the letters of day still to print into one PDF, one letter
// per page (more for a letter too long for one), sorted by message id, and
// writes it to <day>/batch-<day>.pdf, replacing the previous batch; the
// letters in it are marked printed. Withdrawn letters never go in; letters
// printed before only with reprint. A sidecar that cannot be read is an
// error naming the file: a letter is never dropped silently.
func (p *Printer) Batch(day time.Time, reprint bool) (path string, ids []string, err error) {
	d := dayName(day)
	ls, err := p.Pending(day)
	if err != nil {
		return "", nil, err
	}
	ms, err := p.dayMessages(d)
	if err != nil {
		return "", nil, err
	}
	byID := map[string]domain.Message{}
	for _, m := range ms {
		byID[m.ID] = m
	}
	var batch []domain.Message
	for _, l := range ls {
		if l.Withdrawn || (l.Printed && !reprint) {
			continue
		}
		batch = append(batch, byID[l.MessageID])
		ids = append(ids, l.MessageID)
	}
	if len(batch) == 0 {
		return "", nil, fmt.Errorf("%w to print for %s", ErrNoLetters, d)
	}
	data, err := renderLetters(p.now().UTC(), !p.Uncompressed, batch)
	if err != nil {
		return "", nil, fmt.Errorf("batch %s: %w", d, err)
	}
	// A second batch the same day (new letters, a reprint) gets a name of
	// its own, batch-<day>-2.pdf, …: the first, perhaps still in the
	// printer's queue, is never overwritten.
	path = filepath.Join(p.Dir, d, batchPrefix+d+pdfExt)
	for n := 2; ; n++ {
		if ok, err := exists(path); err != nil {
			return "", nil, fmt.Errorf("batch %s: %w", d, err)
		} else if !ok {
			break
		}
		path = filepath.Join(p.Dir, d, fmt.Sprintf("%s%s-%d%s", batchPrefix, d, n, pdfExt))
	}
	if err := replaceFile(path, data); err != nil {
		return "", nil, fmt.Errorf("batch %s: %w", d, err)
	}
	if _, err := p.mark(d, ids); err != nil {
		return path, ids, err
	}
	return path, ids, nil
}

// Pending lists the letters of day, sorted by message id, saying which are
// marked printed. A day without a folder has no letters.
func (p *Printer) Pending(day time.Time) ([]Letter, error) {
	d := dayName(day)
	ms, err := p.dayMessages(d)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(p.Dir, d)
	out := make([]Letter, 0, len(ms))
	for _, m := range ms {
		printed, err := exists(filepath.Join(dir, m.ID+printedExt))
		if err != nil {
			return nil, err
		}
		withdrawn, err := exists(filepath.Join(dir, m.ID+withdrawnExt))
		if err != nil {
			return nil, err
		}
		out = append(out, Letter{
			MessageID: m.ID, Day: d,
			PDF: filepath.Join(dir, m.ID+pdfExt), JSON: filepath.Join(dir, m.ID+jsonExt),
			Booking: m.Booking, PatientID: m.Summons.PatientID,
			PatientName: m.Summons.PatientName, VisitAt: m.Summons.VisitAt, Purpose: m.Purpose,
			Printed: printed, Withdrawn: withdrawn && !printed, // printed wins: a late withdrawal changes nothing
		})
	}
	return out, nil
}

// MarkPrinted marks every letter of day printed that is neither printed
// nor withdrawn, and returns their ids.
func (p *Printer) MarkPrinted(day time.Time) ([]string, error) {
	ls, err := p.Pending(day)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, l := range ls {
		if !l.Printed && !l.Withdrawn {
			ids = append(ids, l.MessageID)
		}
	}
	return p.mark(dayName(day), ids)
}

// mark writes the printed markers of ids in day's folder and returns the
// ids newly marked.
func (p *Printer) mark(d string, ids []string) ([]string, error) {
	dir := filepath.Join(p.Dir, d)
	stamp := []byte(fmt.Sprintf(markerContent, p.now().In(domain.Stockholm).Format(time.RFC3339)))
	var marked []string
	for _, id := range ids {
		written, err := spoolfs.WriteOnce(dir, id+printedExt, stamp)
		if err != nil {
			return marked, fmt.Errorf("mark letter %s printed: %w", id, err)
		}
		if written {
			marked = append(marked, id)
		}
	}
	return marked, nil
}

// dayMessages reads the sidecars of a day, sorted by message id.
func (p *Printer) dayMessages(day string) ([]domain.Message, error) {
	dir := filepath.Join(p.Dir, day)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list letters of %s: %w", day, err)
	}
	var ms []domain.Message
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, jsonExt) ||
			strings.HasPrefix(name, ".") || strings.HasPrefix(name, batchPrefix) {
			continue
		}
		file := filepath.Join(dir, name)
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read letter sidecar %s: %w", file, err)
		}
		var m domain.Message
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("letter sidecar %s: %w", file, err)
		}
		if want := strings.TrimSuffix(name, jsonExt); m.ID != want {
			return nil, fmt.Errorf("letter sidecar %s holds message %q, not %q", file, m.ID, want)
		}
		if err := checkLetter(m); err != nil {
			return nil, fmt.Errorf("letter sidecar %s: %w", file, err)
		}
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	return ms, nil
}

func (p *Printer) dayDir(t time.Time) string { return filepath.Join(p.Dir, dayName(t)) }

func (p *Printer) now() time.Time {
	if p.Clock != nil {
		return p.Clock()
	}
	return time.Now()
}

// render is the PDF of one letter. It depends on m alone, so the same
// message always renders to the same bytes.
func (p *Printer) render(m domain.Message) ([]byte, error) {
	return renderLetters(m.CreatedAt.UTC(), !p.Uncompressed, []domain.Message{m})
}

func dayName(t time.Time) string { return t.In(domain.Stockholm).Format(DayLayout) }

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return false, err
}

// replaceFile writes data to path atomically, replacing what is there: a
// temporary file (named so that spoolfs.CleanTemp removes it if we die) is
// synced and renamed over path, and the directory synced.
func replaceFile(path string, data []byte) error {
	dir, name := filepath.Split(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, spoolfs.TempPrefix+name+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
