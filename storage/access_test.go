package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

func accessEntry(t testing.TB, user, patient string, at time.Time, action domain.AccessAction) domain.AccessEntry {
	t.Helper()
	return domain.AccessEntry{At: at, User: user, Role: domain.RoleSekreterare, Unit: "SE2321000065-KF01",
		Patient: mustID(t, patient), Booking: 7, Action: action, Via: "ssh-tui", Session: "a1b2c3"}
}

func collectAccess(t testing.TB, s *Store, q domain.AccessQuery) []domain.AccessEntry {
	t.Helper()
	var out []domain.AccessEntry
	if err := s.AccessEntries(context.Background(), q, func(e domain.AccessEntry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAccessEncoding_RoundTrips(t *testing.T) {
	reserv, err := domain.DefaultIdentityParser().Parse("19700101-K123", t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []domain.AccessEntry{
		accessEntry(t, "anna", pnrString(1912, 12, 12, 121), t0, domain.AccessViewBooking),
		{At: t0.Add(time.Nanosecond), User: "bo", Role: domain.RoleAdmin, Patient: reserv, Action: domain.AccessExport, Via: "cli"},
	} {
		e.Seq = 42
		got, err := decodeAccess(42, encodeAccess(e))
		if err != nil {
			t.Fatal(err)
		}
		if !got.At.Equal(e.At) || got.Patient != e.Patient {
			t.Fatalf("got %+v, want %+v", got, e)
		}
		got.At, e.At = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, e) {
			t.Fatalf("got %+v, want %+v", got, e)
		}
	}
}

func TestAccessEncoding_DamagedEntryIsAnError(t *testing.T) {
	b := encodeAccess(accessEntry(t, "anna", pnrString(1912, 12, 12, 121), t0, domain.AccessList))
	for _, damaged := range [][]byte{nil, {2}, b[:len(b)-1], append(append([]byte(nil), b...), 0)} {
		if _, err := decodeAccess(1, damaged); !errors.Is(err, errAccessRecord) {
			t.Errorf("%x: err %v", damaged, err)
		}
	}
}

func FuzzDecodeAccess(f *testing.F) {
	f.Add(encodeAccess(accessEntry(f, "anna", pnrString(1912, 12, 12, 121), t0, domain.AccessList)))
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeAccess(1, b)
		if err != nil {
			return
		}
		again, err := decodeAccess(1, encodeAccess(e))
		if err != nil || !again.At.Equal(e.At) || again.User != e.User || again.Patient != e.Patient {
			t.Fatalf("re-encoding %+v: %+v, %v", e, again, err)
		}
	})
}

func TestAccessLog_FindsByPatientUserAndTimeThroughIndexes(t *testing.T) {
	s := openTest(t)
	old := accessPage
	accessPage = 3 // several read transactions per query
	t.Cleanup(func() { accessPage = old })
	p1, p2 := pnrString(1912, 12, 12, 121), pnrString(1985, 4, 2, 234)
	var entries []domain.AccessEntry
	for i := 0; i < 10; i++ {
		user, p := "anna", p1
		if i%2 == 1 {
			user = "bo"
		}
		if i%3 == 0 {
			p = p2
		}
		// Instants out of order: the log orders by the instant it carries.
		entries = append(entries, accessEntry(t, user, p, t0.Add(time.Duration((i*7)%10)*time.Hour), domain.AccessViewBooking))
	}
	if err := s.LogAccess(context.Background(), entries); err != nil {
		t.Fatal(err)
	}
	all := collectAccess(t, s, domain.AccessQuery{})
	if len(all) != 10 {
		t.Fatalf("%d entries", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].At.Before(all[i-1].At) {
			t.Fatalf("not ordered by instant: %v then %v", all[i-1].At, all[i].At)
		}
	}
	seqs := map[uint64]bool{}
	for _, e := range all {
		seqs[e.Seq] = true
	}
	for seq := uint64(1); seq <= 10; seq++ {
		if !seqs[seq] {
			t.Fatalf("sequence %d missing: %v", seq, seqs)
		}
	}
	check := func(name string, q domain.AccessQuery, want func(domain.AccessEntry) bool) {
		t.Helper()
		got := collectAccess(t, s, q)
		n := 0
		for _, e := range all {
			if want(e) {
				n++
			}
		}
		if len(got) != n {
			t.Errorf("%s: %d entries, want %d", name, len(got), n)
		}
		for _, e := range got {
			if !want(e) {
				t.Errorf("%s: %+v does not match", name, e)
			}
		}
	}
	id1 := mustID(t, p1)
	from, to := t0.Add(2*time.Hour), t0.Add(6*time.Hour)
	check("patient", domain.AccessQuery{Patient: id1}, func(e domain.AccessEntry) bool { return e.Patient == id1 })
	check("user", domain.AccessQuery{User: "bo"}, func(e domain.AccessEntry) bool { return e.User == "bo" })
	check("patient and user", domain.AccessQuery{Patient: id1, User: "bo"}, func(e domain.AccessEntry) bool { return e.Patient == id1 && e.User == "bo" })
	inRange := func(e domain.AccessEntry) bool { return !e.At.Before(from) && e.At.Before(to) }
	check("time", domain.AccessQuery{From: from, To: to}, inRange)
	check("patient and time", domain.AccessQuery{Patient: id1, From: from, To: to}, func(e domain.AccessEntry) bool { return e.Patient == id1 && inRange(e) })
	if got := collectAccess(t, s, domain.AccessQuery{Limit: 4}); len(got) != 4 {
		t.Errorf("limit 4: %d", len(got))
	}
	if n, last, err := s.AccessStats(context.Background()); err != nil || n != 10 || last != 10 {
		t.Errorf("stats %d %d %v", n, last, err)
	}
}

func TestAccessLog_UnattributedEntryIsRefused(t *testing.T) {
	s := openTest(t)
	e := accessEntry(t, "anna", pnrString(1912, 12, 12, 121), t0, domain.AccessList)
	for name, bad := range map[string]func(*domain.AccessEntry){
		"no user":    func(e *domain.AccessEntry) { e.User = "" },
		"no patient": func(e *domain.AccessEntry) { e.Patient = domain.IdentityNumber{} },
		"no action":  func(e *domain.AccessEntry) { e.Action = "" },
		"no instant": func(e *domain.AccessEntry) { e.At = time.Time{} },
	} {
		b := e
		bad(&b)
		if err := s.LogAccess(context.Background(), []domain.AccessEntry{e, b}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n, _, _ := s.AccessStats(context.Background()); n != 0 {
		t.Fatalf("%d entries stored from refused batches", n)
	}
}

func TestAccessLog_ChangeAndItsEntryCommitTogether(t *testing.T) {
	s := openTest(t)
	p := addPatient(t, s, pnrString(1950, 1, 2, 345), "Ella Ek")
	b := book(t, s, p, examECG, siteRyhov, t0.Add(96*time.Hour))
	tmpl := domain.AccessEntry{At: t0, User: "anna", Role: domain.RoleSekreterare, Action: domain.AccessCancel, Via: "cli"}
	ctx := domain.WithAccess(context.Background(), tmpl)

	// A refused change leaves no entry.
	_, err := s.UpdateBooking(ctx, b.ID(), func(b *domain.Booking, _ []*domain.Booking) error { return errors.New("no") })
	if err == nil {
		t.Fatal("refused change succeeded")
	}
	if got := collectAccess(t, s, domain.AccessQuery{Patient: p.ID()}); len(got) != 0 {
		t.Fatalf("refused change logged %d entries", len(got))
	}
	if _, err := s.UpdateBooking(ctx, b.ID(), func(b *domain.Booking, _ []*domain.Booking) error { return b.Cancel(t0, "anna", "") }); err != nil {
		t.Fatal(err)
	}
	got := collectAccess(t, s, domain.AccessQuery{Patient: p.ID()})
	if len(got) != 1 || got[0].Booking != b.ID() || got[0].Action != domain.AccessCancel || got[0].User != "anna" {
		t.Fatalf("entries %+v", got)
	}

	// A booking made with an entry in the context logs it for the patient.
	tmpl.Action = domain.AccessBook
	if _, err := s.CreateBooking(domain.WithAccess(context.Background(), tmpl), p.ID(), builder(p, examECG, siteRyhov, t0.Add(200*time.Hour))); err != nil {
		t.Fatal(err)
	}
	// An import logs every patient it created or changed, not the unchanged.
	tmpl.Action = domain.AccessImport
	q := mustPatient(t, mustID(t, pnrString(1960, 5, 6, 789)), "Olle Ö")
	if _, err := s.UpsertPatients(domain.WithAccess(context.Background(), tmpl), []domain.Patient{p, q}, t0, "anna"); err != nil {
		t.Fatal(err)
	}
	all := collectAccess(t, s, domain.AccessQuery{})
	var actions []string
	for _, e := range all {
		actions = append(actions, string(e.Action)+":"+e.Patient.Canonical()[:4])
	}
	if fmt.Sprint(actions) != "[cancel:1950 book:1950 import:1960]" {
		t.Fatalf("log %v", actions)
	}
}

func TestMigration8_AddsTheAccessLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	addPatient(t, s, pnrString(1950, 1, 2, 345), "Ella Ek")
	// Make it a version 7 file: no access buckets.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range accessBuckets {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(7))
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
		t.Fatalf("version %d", v)
	}
	if err := s.LogAccess(context.Background(), []domain.AccessEntry{accessEntry(t, "anna", pnrString(1950, 1, 2, 345), t0, domain.AccessList)}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkAccessExtract reads one patient's extract (some tens of entries)
// from a log of 100,000 entries and, with KALLELSE_BENCH_10M=1, of ten
// million: the index seek makes the cost follow the patient's entries.
// The first run builds each log once under $TMPDIR.
func BenchmarkAccessExtract(b *testing.B) {
	sizes := []int{100_000}
	if os.Getenv("KALLELSE_BENCH_10M") == "1" {
		sizes = append(sizes, 10_000_000)
	}
	for _, n := range sizes {
		s, patient := accessBenchStore(b, n)
		b.Run("entries="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			found := 0
			for i := 0; i < b.N; i++ {
				found = 0
				if err := s.AccessEntries(context.Background(), domain.AccessQuery{Patient: patient}, func(domain.AccessEntry) error {
					found++
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(found), "entries/extract")
		})
	}
}

// accessBenchStore opens (building once) a log of n entries over n/40
// patients, forty each, in a file kept under $TMPDIR.
func accessBenchStore(b *testing.B, n int) (*Store, domain.IdentityNumber) {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("kallelse-access-v%d-%d.db", currentSchemaVersion, n))
	patients := n / 40
	idOf := func(i int) string { return pnrString(1930+i%70, 1+(i/70)%12, 1+(i/840)%28, (i/23520)%1000) }
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".tmp"
		_ = os.Remove(tmp)
		s, err := Open(tmp, Options{noSync: true})
		if err != nil {
			b.Fatal(err)
		}
		const chunk = 50_000
		for done := 0; done < n; done += chunk {
			batch := make([]domain.AccessEntry, 0, chunk)
			for i := done; i < min(n, done+chunk); i++ {
				batch = append(batch, domain.AccessEntry{At: t0.Add(time.Duration(i) * time.Second), User: "user" + strconv.Itoa(i%50),
					Role: domain.RoleSekreterare, Unit: "SE2321000065-KF01", Patient: mustID(b, idOf(i%patients)),
					Booking: domain.BookingID(i/3 + 1), Action: domain.AccessList, Via: "ssh-tui", Session: "s" + strconv.Itoa(i/500)})
			}
			if err := s.LogAccess(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.FoldAccessLog(context.Background()); err != nil { // as the loop does
			b.Fatal(err)
		}
		if err := s.Sync(); err != nil {
			b.Fatal(err)
		}
		s.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s, mustID(b, idOf(patients/2))
}

// Pruning removes entries from the start of the log while each may go, in
// batches, with their index entries: it stops at the first that may not
// (an entry written earlier with a later instant keeps the ones after it),
// extracts no longer find what went, and check finds the log whole.
func TestAccessLog_PruneRemovesFromTheStartWhileEachMayGo(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	old := accessPruneBatch
	accessPruneBatch = 3 // several transactions
	t.Cleanup(func() { accessPruneBatch = old })
	p := pnrString(1912, 12, 12, 121)
	hours := []int{0, 1, 2, 3, 4, 9, 5, 6, 10, 11} // the sixth written is later than the seventh
	var es []domain.AccessEntry
	for _, h := range hours {
		es = append(es, accessEntry(t, "anna", p, t0.Add(time.Duration(h)*time.Hour), domain.AccessViewPatient))
	}
	if err := s.LogAccess(ctx, es); err != nil {
		t.Fatal(err)
	}
	cut := t0.Add(7 * time.Hour)
	prunable := func(at time.Time) bool { return at.Before(cut) }
	if n, err := s.PruneAccess(ctx, prunable, true); err != nil || n != 5 {
		t.Fatalf("dry run: %d, %v; want 5 (up to the entry of hour 9)", n, err)
	}
	if n, _, _ := s.AccessStats(ctx); n != 10 {
		t.Fatalf("the dry run removed entries: %d left", n)
	}
	if n, err := s.PruneAccess(ctx, prunable, false); err != nil || n != 5 {
		t.Fatalf("pruned %d, %v; want 5", n, err)
	}
	got := collectAccess(t, s, domain.AccessQuery{Patient: mustID(t, p)})
	var left []int
	for _, e := range got {
		left = append(left, int(e.At.Sub(t0)/time.Hour))
	}
	if !slices.Equal(left, []int{5, 6, 9, 10, 11}) {
		t.Fatalf("the extract after pruning has hours %v", left)
	}
	for _, q := range []domain.AccessQuery{{}, {User: "anna"}} {
		if n := len(collectAccess(t, s, q)); n != 5 {
			t.Fatalf("query %+v finds %d entries", q, n)
		}
	}
	mustCheck(t, s)
	if n, err := s.PruneAccess(ctx, prunable, false); err != nil || n != 0 {
		t.Fatalf("again: %d, %v", n, err)
	}
	// Appending goes on after the log's last sequence.
	if err := s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, "bo", p, t0.Add(12*time.Hour), domain.AccessViewPatient)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FoldAccessLog(ctx); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, s)
}
