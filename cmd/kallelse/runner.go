package main

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"time"

	"github.com/kallelse/kallelse/adapters/inbox1177"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// runner drives the background loop in a process that keeps running (the
// TUI, serve): a tick every interval, receipts as soon as they arrive, and
// the steps staff ask for by hand (a tick, a simulated receipt, delivering
// a letter sent by hand). One step runs at a time.
type runner struct {
	mu    sync.Mutex
	loop  *service.Loop
	inbox *inbox1177.Spool
	hub   *service.Hub

	// afterTick sees every periodic tick (serve's log, tests).
	afterTick func(service.TickReport, error)
}

// tick runs the loop once now.
func (r *runner) tick(ctx context.Context) (service.TickReport, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loop.Tick(ctx)
}

// ingest applies the receipts waiting, without firing timers.
func (r *runner) ingest(ctx context.Context) (service.TickReport, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loop.Ingest(ctx)
}

// deliver hands the messages waiting to their systems now.
func (r *runner) deliver(ctx context.Context) (service.TickReport, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loop.Deliver(ctx)
}

// simulate writes the receipt 1177 would send and ingests it at once.
func (r *runner) simulate(ctx context.Context, rc domain.Receipt) (simulated, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return simulateOn(ctx, r.loop, r.inbox, rc)
}

// simulated is what became of a receipt the patient simulator wrote: the
// ingest's report, and whether the loop put the receipt in quarantine
// instead of applying it, and why.
type simulated struct {
	rep         service.TickReport
	quarantined bool
	why         error // a *domain.ReceiptProblem when it has a code
}

// simulateOn writes rc into inbox as 1177 would and ingests it with l,
// watching the file it wrote to say what became of it.
func simulateOn(ctx context.Context, l *service.Loop, inbox *inbox1177.Spool, rc domain.Receipt) (simulated, error) {
	path, err := inbox.WriteReceipt(rc)
	if err != nil {
		return simulated{}, err
	}
	name := filepath.Base(path)
	inbox.Watch(name)
	rep, err := l.Ingest(ctx)
	why, quarantined := inbox.Watched(name)
	return simulated{rep: rep, quarantined: quarantined, why: why}, err
}

// run ticks every interval until ctx ends, and between ticks looks for
// receipts every receiptsEvery (one directory read), so that a patient's
// answer reaches the screens within a second. A failed tick is published
// to the hub, so every screen shows it.
func (r *runner) run(ctx context.Context, interval, receiptsEvery time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var rt <-chan time.Time
	if receiptsEvery > 0 && r.inbox != nil {
		rtk := time.NewTicker(receiptsEvery)
		defer rtk.Stop()
		rt = rtk.C
	}
	step := func() {
		rep, err := r.tick(ctx)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return
		}
		if err != nil {
			r.hub.Publish(service.Change{Source: domain.SystemActor, At: r.loop.Service.Clock.Now(), Err: err})
		}
		if r.afterTick != nil {
			r.afterTick(rep, err)
		}
	}
	step()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			step()
		case <-rt:
			if waiting, err := r.inbox.Waiting(); err == nil && waiting {
				if _, err := r.ingest(ctx); err != nil && ctx.Err() == nil {
					r.hub.Publish(service.Change{Source: domain.SystemActor1177, At: r.loop.Service.Clock.Now(), Err: err})
				}
			}
		}
	}
}
