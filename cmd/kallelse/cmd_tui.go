package main

import (
	"context"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"

	"github.com/kallelse/kallelse/adapters/config"
	"github.com/kallelse/kallelse/adapters/inbox1177"
	"github.com/kallelse/kallelse/adapters/letters"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui"
)

// isTerminal reports whether the invocation talks to a terminal.
func (a *app) isTerminal() bool {
	f, ok := a.stdout.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// runTUI opens the terminal UI with the background loop running in the same
// process; simulate adds the patient simulator (the demo).
func (a *app) runTUI(simulate bool) error {
	if !a.isTerminal() {
		return usageT("cli_err_needs_terminal")
	}
	svc, err := a.service()
	if err != nil {
		return err
	}
	l, inbox, err := a.loop()
	if err != nil {
		return err
	}
	r := &runner{loop: l, inbox: inbox, hub: svc.Hub}
	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	var wg sync.WaitGroup
	interval := a.cfg.Loop.Interval
	if simulate && interval > 5*time.Second {
		interval = 5 * time.Second // the demo should feel alive
	}
	wg.Add(1)
	go func() { defer wg.Done(); r.run(ctx, interval, time.Second) }()
	if simulate {
		wg.Add(1)
		go func() { defer wg.Done(); runSimulator(ctx, r, svc, 7*time.Second) }()
	}
	c := common.NewCommon(ctx, backend(ctx, svc), a.lang(), lipgloss.DefaultRenderer())
	m := tui.New(c, true)
	defer m.Close()
	_, err = tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx)).Run()
	cancel()
	wg.Wait() // the loop finishes the transaction in hand
	if err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// uiLang is the configured language of the screens.
func uiLang(cfg *config.Config) i18n.Lang {
	if cfg.UI.Language == "en" {
		return i18n.English
	}
	return i18n.Swedish
}

// backend is what a terminal UI reaches, all of it through svc, which
// acts for the terminal's user: every read checked, every look logged.
func backend(ctx context.Context, svc *service.Service) common.Backend {
	return common.Backend{Service: svc, Store: svc.Reader(), Hub: svc.Hub, Reports: svc.Reports(),
		Print: printQueue{ctx, svc}, Quarantine: quarantine{ctx, svc}}
}

// runSimulator plays patients in 1177 for the demo: now and then one opens
// a summons, asks to rebook or to cancel. Receipts go through the spool and
// the same ingestion as real ones.
func runSimulator(ctx context.Context, r *runner, svc *service.Service, every time.Duration) {
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := svc.Clock.Now()
		bs, err := svc.Store.Bookings(ctx, domain.BookingQuery{State: domain.StateSummonsSent, From: now, Limit: 200})
		if err != nil || len(bs) == 0 {
			continue
		}
		b := bs[rnd.IntN(len(bs))]
		msg := b.Status().MessageID
		if msg == "" {
			continue
		}
		typ := domain.ReceiptOpened
		switch x := rnd.Float64(); {
		case x < 0.10:
			typ = domain.ReceiptRebookRequested
		case x < 0.18:
			typ = domain.ReceiptCancelRequested
		}
		_, _ = r.simulate(ctx, domain.Receipt{MessageID: msg, Type: typ, At: now})
	}
}

// printFolder is the letters adapter as the domain's print queue.
type printFolder struct{ p *letters.Printer }

func (f printFolder) Letters(day time.Time) ([]domain.PrintLetter, error) {
	ls, err := f.p.Pending(day)
	if err != nil {
		return nil, err
	}
	out := make([]domain.PrintLetter, 0, len(ls))
	for _, l := range ls {
		out = append(out, domain.PrintLetter{MessageID: l.MessageID, Day: l.Day, Booking: l.Booking, Patient: l.PatientID,
			PatientName: l.PatientName, VisitAt: l.VisitAt, Purpose: l.Purpose, Printed: l.Printed, Withdrawn: l.Withdrawn})
	}
	return out, nil
}

func (f printFolder) Batch(day time.Time, reprint bool) (string, []string, error) {
	return f.p.Batch(day, reprint)
}

func (f printFolder) MarkPrinted(day time.Time) ([]string, error) { return f.p.MarkPrinted(day) }

func (f printFolder) Withdraw(day time.Time, id string) error { return f.p.Withdraw(day, id) }

// receiptQuarantine is the 1177 spool's quarantine as the domain's port.
type receiptQuarantine struct{ s *inbox1177.Spool }

func (q receiptQuarantine) Quarantined() ([]domain.QuarantinedReceipt, error) {
	es, err := q.s.Quarantined()
	if err != nil {
		return nil, err
	}
	out := make([]domain.QuarantinedReceipt, 0, len(es))
	for _, e := range es {
		out = append(out, domain.QuarantinedReceipt{Name: e.Name, Reason: e.Reason, Problem: e.Problem})
	}
	return out, nil
}

func (q receiptQuarantine) Requeue(name string) error { return q.s.Requeue(name) }

func (q receiptQuarantine) Discard(name, why, by string, at time.Time) error {
	return q.s.Discard(name, why, by, at)
}

// printQueue is the service's print queue as the TUI's page sees it.
type printQueue struct {
	ctx context.Context
	svc *service.Service
}

func (q printQueue) Letters(day time.Time) ([]common.PrintItem, error) {
	ls, err := q.svc.PrintLetters(q.ctx, day)
	if err != nil {
		return nil, err
	}
	out := make([]common.PrintItem, 0, len(ls))
	for _, l := range ls {
		it := common.PrintItem{MessageID: l.MessageID, Day: l.Day, Booking: l.Booking, PatientName: l.PatientName,
			VisitAt: l.VisitAt, Purpose: l.Purpose, Printed: l.Printed, Withdrawn: l.Withdrawn}
		if id, err := q.svc.ParseIdentity(l.Patient); err == nil {
			it.Patient = id
		}
		out = append(out, it)
	}
	return out, nil
}

func (q printQueue) Batch(day time.Time, reprint bool) (string, int, error) {
	return q.svc.PrintBatch(q.ctx, day, reprint)
}

func (q printQueue) MarkPrinted(day time.Time) (int, int, error) {
	return q.svc.MarkPrinted(q.ctx, day)
}

// quarantine is the service's receipt quarantine as the TUI sees it.
type quarantine struct {
	ctx context.Context
	svc *service.Service
}

func (q quarantine) List() ([]common.QuarantinedFile, error) {
	es, err := q.svc.QuarantinedReceipts(q.ctx)
	if err != nil {
		return nil, err
	}
	out := make([]common.QuarantinedFile, 0, len(es))
	for _, e := range es {
		out = append(out, common.QuarantinedFile{Name: e.Name, Reason: e.Reason, Problem: e.Problem})
	}
	return out, nil
}

func (q quarantine) Retry(name string) error { return q.svc.RequeueReceipt(q.ctx, name) }

func (q quarantine) Discard(name, why string) error { return q.svc.DiscardReceipt(q.ctx, name, why) }
