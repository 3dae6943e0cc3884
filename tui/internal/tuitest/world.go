package tuitest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
	"github.com/kallelse/kallelse/tui/common"
)

// Clock is a clock the test moves.
type Clock struct{ T time.Time }

// Now is the instant the test set.
func (c *Clock) Now() time.Time { return c.T }

// Receipts is an in-memory receipt source.
type Receipts struct{ Waiting []domain.IncomingReceipt }

// Fetch hands the loop the receipts waiting.
func (f *Receipts) Fetch(context.Context) ([]domain.IncomingReceipt, int, error) {
	return append([]domain.IncomingReceipt(nil), f.Waiting...), 0, nil
}

func (f *Receipts) remove(h string) {
	for i, r := range f.Waiting {
		if r.Handle == h {
			f.Waiting = append(f.Waiting[:i], f.Waiting[i+1:]...)
			return
		}
	}
}

// Done takes a receipt away, handled.
func (f *Receipts) Done(r domain.IncomingReceipt) error { f.remove(r.Handle); return nil }

// Quarantine takes a receipt away, refused.
func (f *Receipts) Quarantine(r domain.IncomingReceipt, _ error) error {
	f.remove(r.Handle)
	return nil
}

// Sender delivers everything except the messages of the bookings in fail.
type Sender struct{ Fail map[domain.BookingID]bool }

// Send delivers, or fails for the bookings in Fail.
func (s Sender) Send(_ context.Context, m domain.Message) error {
	if s.Fail[m.Booking] {
		return errors.New("1177 svarar inte: 503 Service Unavailable")
	}
	return nil
}

// Quarantine is an in-memory quarantine.
type Quarantine struct {
	Files     []common.QuarantinedFile
	Retried   []string
	Discarded map[string]string // name -> why
}

// Discard drops a file, keeping why.
func (q *Quarantine) Discard(name, why string) error {
	for i, f := range q.Files {
		if f.Name == name {
			q.Files = append(q.Files[:i], q.Files[i+1:]...)
			if q.Discarded == nil {
				q.Discarded = map[string]string{}
			}
			q.Discarded[name] = why
			return nil
		}
	}
	return fmt.Errorf("%s: %w", name, domain.ErrNotFound)
}

// List is the files in quarantine.
func (q *Quarantine) List() ([]common.QuarantinedFile, error) {
	return append([]common.QuarantinedFile(nil), q.Files...), nil
}

// Retry puts a file back for the loop.
func (q *Quarantine) Retry(name string) error {
	for i, f := range q.Files {
		if f.Name == name {
			q.Files = append(q.Files[:i], q.Files[i+1:]...)
			q.Retried = append(q.Retried, name)
			return nil
		}
	}
	return fmt.Errorf("%s: %w", name, domain.ErrNotFound)
}

// Pnr is a valid personnummer born on yyyymmdd with serial nnn.
func Pnr(yyyymmdd, nnn string) string {
	return fmt.Sprintf("%s-%s%d", yyyymmdd, nnn, domain.LuhnCheckDigit(yyyymmdd[2:]+nnn))
}

// World is a store with one of each thing that needs a person.
type World struct {
	Svc   *service.Service
	St    *storage.Store
	Clock *Clock
	Q     *Quarantine
	// The bookings: Anna asks to rebook, Bo to cancel, Cecilia is to be
	// phoned (a paper-only examination tomorrow), Dan's summons keeps failing.
	Anna, Bo, Cecilia, Dan domain.BookingID
	loop                   *service.Loop
}

// Tick runs the world's loop once: what is due goes, receipts come in.
func (w *World) Tick(t testing.TB) {
	t.Helper()
	if _, err := w.loop.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// NewWorld is a small store with one of each thing that needs a person
// (populate), or an empty one.
func NewWorld(t *testing.T, populate bool) *World {
	t.Helper()
	st, err := storage.Open(filepath.Join(t.TempDir(), "k.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := domain.NewCatalogue([]domain.Examination{
		{Code: "ekg24", Name: "Långtids-EKG", Duration: 30 * time.Minute, Digital: true, Stage: 1},
		{Code: "arbetsprov", Name: "Arbetsprov", Duration: 60 * time.Minute, Stage: 2},
	}, []domain.Site{{Code: "ryhov", Name: "Länssjukhuset Ryhov"}})
	if err != nil {
		t.Fatal(err)
	}
	clk := &Clock{T: Now}
	svc := (&service.Service{Store: st, Clock: clk, Catalogue: cat, Parser: domain.DefaultIdentityParser(),
		Schedule: domain.DefaultSchedule(),
		Clinic:   domain.Clinic{Department: "Klinisk fysiologi", Region: "Region Jönköpings län", HSAID: "SE1"}}).As("anna")
	w := &World{Svc: svc, St: st, Clock: clk, Q: &Quarantine{}}
	if !populate {
		snd := Sender{}
		w.loop = service.NewLoop(svc, st, map[domain.MessageKind]domain.Sender{
			domain.MessageInbox: snd, domain.MessageLetter: snd, domain.MessageSMS: snd,
		}, &Receipts{})
		return w
	}
	ctx := context.Background()
	people := []struct{ pnr, name string }{
		{Pnr("19500101", "123"), "Anna Berg"},
		{Pnr("19600202", "234"), "Bo Ek"},
		{Pnr("19700303", "345"), "Cecilia Dahl"},
		{Pnr("19800404", "456"), "Dan Ek"},
	}
	var rows []service.ImportRow
	for i, p := range people {
		id, err := svc.ParseIdentity(p.pnr)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, service.ImportRow{Line: i + 2, Patient: domain.PatientInput{ID: id, Name: p.name,
			Has1177Account: true, NotificationsEnabled: true}})
	}
	if res, err := svc.ImportPatients(ctx, rows); err != nil || len(res.Rejected) > 0 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	book := func(who int, exam string, at time.Time) domain.BookingID {
		res, err := svc.Book(ctx, service.BookInput{Patient: people[who].pnr, Exam: exam, Site: "ryhov", VisitAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return res.Booking.ID()
	}
	day := func(d, h int) time.Time { return time.Date(2026, 11, 25+d, h, 0, 0, 0, domain.Stockholm) }
	w.Anna = book(0, "ekg24", day(8, 9))
	w.Bo = book(1, "ekg24", day(9, 9))
	w.Cecilia = book(2, "arbetsprov", day(1, 10))
	w.Dan = book(3, "ekg24", day(12, 9))

	snd := Sender{Fail: map[domain.BookingID]bool{w.Dan: true}}
	rs := &Receipts{}
	loop := service.NewLoop(svc, st, map[domain.MessageKind]domain.Sender{
		domain.MessageInbox: snd, domain.MessageLetter: snd, domain.MessageSMS: snd,
	}, rs)
	w.loop = loop
	tick := func() { w.Tick(t) }
	tick() // the summonses go; Dan's fails once; Cecilia's letter cannot arrive in time
	receipt := func(id domain.BookingID, typ domain.ReceiptType) domain.IncomingReceipt {
		b, err := st.Booking(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return domain.IncomingReceipt{Receipt: domain.Receipt{MessageID: b.Status().MessageID, Type: typ, At: Now.Add(time.Hour)},
			Handle: string(typ)}
	}
	rs.Waiting = []domain.IncomingReceipt{receipt(w.Anna, domain.ReceiptRebookRequested), receipt(w.Bo, domain.ReceiptCancelRequested)}
	for i := 0; i < 2; i++ {
		clk.T = clk.T.Add(2 * time.Hour)
		tick()
	}
	w.Q.Files = []common.QuarantinedFile{{Name: "r-okand.json", Reason: "unknown message id"}}
	return w
}

// Common is a terminal of width×height on the world.
func (w *World) Common(width, height int) *common.Common {
	return NewCommon(common.Backend{Service: w.Svc, Store: w.St, Quarantine: w.Q}, width, height)
}
