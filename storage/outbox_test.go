package storage

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// outboxState is what a tick sees of the outbox: the counters and the ids
// due at now.
func outboxState(t *testing.T, s *Store, now time.Time) (waiting, failing int, due []string) {
	t.Helper()
	ctx := context.Background()
	waiting, failing, err := s.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	es, err := s.PendingOutbox(ctx, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		due = append(due, e.Message.ID)
	}
	return waiting, failing, due
}

func mustCheck(t *testing.T, s *Store) {
	t.Helper()
	rep, err := s.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("check: %+v", rep.Problems)
	}
}

// Every change of the outbox keeps the counters and the due index in
// step: a new message, a failed attempt, a retry, a delivery.
func TestOutbox_CountersAndDueIndexFollowEveryChange(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	for i := range 3 {
		book(t, s, p, testExams[i], siteRyhov, t0.Add(time.Duration(5+i)*24*time.Hour))
	}
	if w, f, due := outboxState(t, s, t0); w != 0 || f != 0 || len(due) != 0 {
		t.Fatalf("before firing: %d waiting, %d failing, due %v", w, f, due)
	}
	fire(t, s, t0)
	w, f, due := outboxState(t, s, t0)
	if w != 3 || f != 0 || len(due) != 3 {
		t.Fatalf("after firing: %d waiting, %d failing, due %v; want 3, 0, three due", w, f, due)
	}
	mustCheck(t, s)

	failed := due[1]
	later := t0.Add(time.Hour)
	for i := 1; i <= 2; i++ {
		if _, err := s.OutboxFailed(ctx, failed, t0, "down", later, true); err != nil {
			t.Fatal(err)
		}
	}
	w, f, due = outboxState(t, s, t0)
	if w != 3 || f != 1 || len(due) != 2 || slices.Contains(due, failed) {
		t.Fatalf("after two failures of %s: %d waiting, %d failing, due %v", failed, w, f, due)
	}
	if _, _, due := outboxState(t, s, later); len(due) != 3 || due[2] != failed {
		t.Fatalf("at its next attempt: due %v, want the failed message last (latest due)", due)
	}
	mustCheck(t, s)

	if err := s.RetryOutbox(ctx, failed, t0); err != nil {
		t.Fatal(err)
	}
	if w, f, due := outboxState(t, s, t0); w != 3 || f != 1 || len(due) != 3 {
		t.Fatalf("after retry: %d waiting, %d failing, due %v", w, f, due)
	}
	mustCheck(t, s)

	if err := s.OutboxDelivered(ctx, []string{failed, due[0], "no-such-message"}, t0); err != nil {
		t.Fatal(err)
	}
	w, f, rest := outboxState(t, s, t0)
	if w != 1 || f != 0 || len(rest) != 1 || rest[0] == failed || rest[0] == due[0] {
		t.Fatalf("after delivering two: %d waiting, %d failing, due %v", w, f, rest)
	}
	mustCheck(t, s)
}

// A message being handed over is marked until its outcome is recorded: a
// failure (it was not handed over) or a delivery takes the mark away, and
// check finds a mark without its entry.
func TestOutbox_AHandingMarkLastsUntilTheOutcome(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	for i := range 3 {
		book(t, s, p, testExams[i], siteRyhov, t0.Add(time.Duration(5+i)*24*time.Hour))
	}
	fire(t, s, t0)
	_, _, due := outboxState(t, s, t0)
	marks := func() map[string]time.Time {
		es, err := s.PendingOutbox(ctx, t0.Add(2*time.Hour), 0)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]time.Time{}
		for _, e := range es {
			if !e.Handing.IsZero() {
				out[e.Message.ID] = e.Handing
			}
		}
		return out
	}
	at := t0.Add(time.Minute)
	if marked, err := s.OutboxHanding(ctx, []string{due[0], due[1], "no-such-message"}, at); err != nil || !slices.Equal(marked, due[:2]) {
		t.Fatalf("marked %v, %v; want %v", marked, err, due[:2])
	}
	if m := marks(); len(m) != 2 || !m[due[0]].Equal(at) || !m[due[1]].Equal(at) {
		t.Fatalf("marks %v, want %s and %s at %s", m, due[0], due[1], at)
	}
	mustCheck(t, s)
	if _, err := s.OutboxFailed(ctx, due[0], at, "down", t0.Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	if err := s.OutboxDelivered(ctx, []string{due[1]}, at); err != nil {
		t.Fatal(err)
	}
	if m := marks(); len(m) != 0 {
		t.Fatalf("marks after a failure and a delivery: %v", m)
	}
	mustCheck(t, s)

	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutboxHanding).Put([]byte("gone"), u64(1))
	}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Check(ctx)
	if err != nil || rep.OK() || !slices.ContainsFunc(rep.Problems, func(p Problem) bool { return p.Area == "outbox_handing" }) {
		t.Fatalf("a mark without its entry: %+v, %v", rep.Problems, err)
	}
}

// Migration 9 builds the due index and the counters from the outbox of a
// version 8 file.
func TestMigration9_IndexesAndCountsTheOutbox(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	for i := range 3 {
		book(t, s, p, testExams[i], siteRyhov, t0.Add(time.Duration(5+i)*24*time.Hour))
	}
	fire(t, s, t0)
	_, _, due := outboxState(t, s, t0)
	if len(due) != 3 {
		t.Fatalf("due %v", due)
	}
	later := t0.Add(time.Hour)
	if _, err := s.OutboxFailed(ctx, due[0], t0, "down", later, true); err != nil {
		t.Fatal(err)
	}
	// Make it a version 8 file: no due index, no counters.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketIdxOutboxDue); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		for _, k := range [][]byte{keyOutboxWaiting, keyOutboxFailing} {
			if err := meta.Delete(k); err != nil {
				return err
			}
		}
		return meta.Put(keySchemaVersion, u64(8))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(); v != currentSchemaVersion {
		t.Fatalf("version %d after migrating", v)
	}
	w, f, now := outboxState(t, s, t0)
	if w != 3 || f != 1 || len(now) != 2 || slices.Contains(now, due[0]) {
		t.Fatalf("after migration: %d waiting, %d failing, due %v", w, f, now)
	}
	if _, _, at := outboxState(t, s, later); len(at) != 3 {
		t.Fatalf("due at the failed one's next attempt: %v", at)
	}
	mustCheck(t, s)
}
