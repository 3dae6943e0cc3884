package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// A bulk load (the demo building a region's ten years) makes millions of
// small changes, each one its own transaction in normal use. A bbolt commit
// costs the pages it rewrites — the path from each changed leaf to the root,
// the freelist and the meta page — however small the change, so Bulk lets
// the changes share one write transaction, committed every chunk changes:
// the pages that many changes touch are written once per chunk.
//
// Inside Bulk every read (view) and write (update) runs in the shared
// transaction, so that each sees what the ones before it wrote. A write
// refused before it changed anything (refusedError: the domain said no, the
// booking does not exist) leaves the transaction as it was and the load goes
// on; any other failure of a write rolls the chunk back, and the bulk load
// stops with that error — its last chunk is lost, which is why Bulk shares
// transactions only in a store opened with Options.BulkLoad (a database
// that can be built again).

// DefaultBulkChunk is how many changes a bulk load commits at once when
// Bulk is given 0.
const DefaultBulkChunk = 20000

// bulkTx is the write transaction a bulk load shares between calls.
type bulkTx struct {
	mu    sync.Mutex
	db    *bolt.DB
	tx    *bolt.Tx
	chunk int   // changes per commit
	n     int   // changes in tx so far
	err   error // the load failed: every later call returns it
}

// refusedError marks the error of an update function that returned before
// it wrote anything: a shared bulk transaction goes on without it. Store
// methods return the error inside, never this wrapper.
type refusedError struct{ err error }

func (e *refusedError) Error() string { return e.err.Error() }
func (e *refusedError) Unwrap() error { return e.err }

// refuse marks err as returned before the update function wrote anything.
func refuse(err error) error { return &refusedError{err} }

// unrefused takes the mark off an update function's error.
func unrefused(err error) error {
	if r, ok := err.(*refusedError); ok {
		return r.err
	}
	return err
}

// Bulk runs fn with the store's reads and writes sharing one write
// transaction, committed every chunk changes (0: DefaultBulkChunk) and when
// fn returns. fn must make its calls from one goroutine at a
// time, and no other goroutine may use the store meanwhile (the calls are
// serialised, but they would see the uncommitted changes). On any error of
// a write other than a refusal, or of fn, the chunk not yet committed is
// rolled back and the error returned. On a store not opened with
// Options.BulkLoad (one that must not lose a committed change), Bulk just
// runs fn: every change commits on its own, with fsync.
//
// The reports' aggregates are left out while a bulk load runs and computed
// from the event log when it ends, as `report rebuild` computes them (also
// when the load failed, for what it committed): folded in change by
// change, they were a sixth of building a region's demo, and computed
// once, in order, they cost a fraction of that.
func (s *Store) Bulk(chunk int, fn func() error) error {
	if !s.bulkLoad {
		return fn()
	}
	if chunk <= 0 {
		chunk = DefaultBulkChunk
	}
	b := &bulkTx{db: s.db, chunk: chunk}
	if !s.bulk.CompareAndSwap(nil, b) {
		return errors.New("bulk load: one is already running")
	}
	err := b.run(dropAggregates, false) // not one of fn's changes: it counts in no chunk
	if err == nil {
		err = fn()
	}
	err = b.end(err)
	s.bulk.Store(nil)
	if _, rerr := s.Rebuild(context.Background()); rerr != nil && err == nil {
		err = fmt.Errorf("bulk load: computing the reports: %w", rerr)
	}
	return err
}

// dropAggregates takes the reports' aggregates out (updateAggregates does
// nothing without them) for a rebuild to compute anew.
func dropAggregates(tx *bolt.Tx) error {
	for _, name := range aggBuckets {
		if tx.Bucket(name) != nil {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// end commits the shared transaction, or rolls it back when err (of fn)
// or an earlier write failed, and returns the error.
func (b *bulkTx) end(err error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		err = b.err
	}
	if err != nil {
		if b.tx != nil {
			_ = b.tx.Rollback()
			b.tx = nil
		}
		return err
	}
	return b.commit()
}

// run calls fn in the shared transaction; write says whether fn may write.
func (b *bulkTx) run(fn func(tx *bolt.Tx) error, write bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	if b.tx == nil {
		tx, err := b.db.Begin(true)
		if err != nil {
			b.err = fmt.Errorf("bulk load: %w", err)
			return b.err
		}
		b.tx, b.n = tx, 0
	}
	err := fn(b.tx)
	if r, ok := err.(*refusedError); ok {
		return r.err
	}
	if err != nil {
		if !write {
			return err
		}
		_ = b.tx.Rollback()
		b.tx = nil
		b.err = fmt.Errorf("bulk load stopped, its last %d changes not stored: %w", b.n, err)
		return err
	}
	if write {
		b.n++
		if b.n >= b.chunk {
			return b.commit()
		}
	}
	return nil
}

func (b *bulkTx) commit() error {
	if b.tx == nil {
		return nil
	}
	err := noRoom(b.tx.Commit())
	b.tx = nil
	if err != nil {
		b.err = fmt.Errorf("bulk load: commit: %w", err)
		return b.err
	}
	return nil
}
