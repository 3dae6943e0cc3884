package main

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"

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
		return usageErr("the terminal UI needs a terminal; use a verb (kallelse --help) in scripts")
	}
	l, inbox, err := a.loop()
	if err != nil {
		return err
	}
	hub := service.NewHub()
	a.svc.Hub = hub
	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	var wg sync.WaitGroup
	interval := a.cfg.Loop.Interval
	if simulate && interval > 5*time.Second {
		interval = 5 * time.Second // the demo should feel alive
	}
	wg.Add(1)
	go func() { defer wg.Done(); runLoop(ctx, l, hub, interval) }()
	if simulate {
		wg.Add(1)
		go func() { defer wg.Done(); runSimulator(ctx, l, inbox, 7*time.Second) }()
	}
	lang := tui.Swedish
	if a.cfg.UI.Language == "en" {
		lang = tui.English
	}
	printer := letters.New(filepath.Join(a.spoolDir(), "print"))
	c := tui.NewCommon(ctx, tui.Backend{
		Service: a.svc, Store: a.store, Hub: hub,
		Print: printQueue{printer}, Quarantine: quarantine{inbox}, Reports: a.store,
	}, lang, lipgloss.DefaultRenderer())
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

// runLoop ticks until ctx ends and publishes each tick (and its failure).
func runLoop(ctx context.Context, l *service.Loop, hub *service.Hub, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := l.Tick(ctx); err != nil && ctx.Err() == nil {
			hub.Publish(service.Change{Source: domain.SystemActor, At: l.Service.Clock.Now(), Err: err})
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runSimulator plays patients in 1177 for the demo: now and then one opens
// a summons, asks to rebook or to cancel. Receipts go through the spool and
// the same ingestion as real ones.
func runSimulator(ctx context.Context, l *service.Loop, inbox *inbox1177.Spool, every time.Duration) {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := l.Service.Clock.Now()
		bs, err := l.Service.Store.Bookings(ctx, domain.BookingQuery{State: domain.StateSummonsSent, From: now, Limit: 200})
		if err != nil || len(bs) == 0 {
			continue
		}
		b := bs[r.IntN(len(bs))]
		msg := b.Status().MessageID
		if msg == "" {
			continue
		}
		typ := domain.ReceiptOpened
		switch x := r.Float64(); {
		case x < 0.10:
			typ = domain.ReceiptRebookRequested
		case x < 0.18:
			typ = domain.ReceiptCancelRequested
		}
		if _, err := inbox.WriteReceipt(domain.Receipt{MessageID: msg, Type: typ, At: now}); err != nil {
			continue
		}
		_, _ = l.Ingest(ctx)
	}
}

// printQueue adapts the letters adapter to the TUI's print queue.
type printQueue struct{ p *letters.Printer }

func (q printQueue) Letters(day time.Time) ([]tui.PrintItem, error) {
	ls, err := q.p.Pending(day)
	if err != nil {
		return nil, err
	}
	out := make([]tui.PrintItem, 0, len(ls))
	for _, l := range ls {
		out = append(out, tui.PrintItem{MessageID: l.MessageID, Day: l.Day, PatientName: l.PatientName,
			VisitAt: l.VisitAt, Purpose: l.Purpose, Printed: l.Printed})
	}
	return out, nil
}

func (q printQueue) Batch(day time.Time) (string, int, error) { return q.p.Batch(day) }

func (q printQueue) MarkPrinted(day time.Time) (int, error) { return q.p.MarkPrinted(day) }

// quarantine adapts the 1177 spool's quarantine to the TUI.
type quarantine struct{ s *inbox1177.Spool }

func (q quarantine) List() ([]tui.QuarantinedFile, error) {
	es, err := q.s.Quarantined()
	if err != nil {
		return nil, err
	}
	out := make([]tui.QuarantinedFile, 0, len(es))
	for _, e := range es {
		out = append(out, tui.QuarantinedFile{Name: e.Name, Reason: e.Reason})
	}
	return out, nil
}

func (q quarantine) Retry(name string) error { return q.s.Requeue(name) }
