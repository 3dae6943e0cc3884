package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// The tick benchmarks: does finding and firing due work cost what is due,
// not what is stored? Each database holds `stored` bookings with one timer
// each, far in the future (a 4-day reminder), and benchDue bookings whose
// summons timer is due at benchNow, spread evenly among them by id, so that
// the due records are scattered over the whole file as they would be in a
// real one.
//
//	go test ./storage -run XXX -bench 'Tick_1000Due|FindDue' -benchtime 5x -count 3 -timeout 60m
//
// Building a database of a million bookings takes half a minute, and every
// run of a benchmark function (go test runs each at least twice) needs a
// fresh one, so each size is built once, without fsync, in big transactions
// through the store's own putBooking (record, indexes, timers), and kept in
// the system's temporary directory as
// kallelse-bench-v<schema>-<layout hash>-g<generator>-<stored>.db; each run
// works on a copy. Delete those files to get the space back (the largest is
// about 1.4 GB).
//
// Set KALLELSE_BENCH_FSYNC=1 to measure with fsync on (the store as the
// CLI opens it); by default the measured part runs without fsync too, which
// takes the disk's flush latency — the same for every size — out of the
// comparison.

const (
	benchDue       = 1000
	benchGenerator = 1 // bump when the generated content changes
	benchBatch     = 10000
)

// benchNow is the instant of the measured ticks: a Monday morning.
var benchNow = time.Date(2031, 1, 13, 9, 0, 0, 0, domain.Stockholm)

var benchSizes = []struct {
	name   string
	stored int
}{
	{"10k", 10_000},
	{"100k", 100_000},
	{"1M", 1_000_000},
}

// benchPatients are the due bookings' patients (one each) and, round robin,
// the other bookings' too: digital-only adults without SMS reminders, so that
// each due booking fires exactly one 1177 message.
func benchPatients(b testing.TB) []domain.Patient {
	ps := make([]domain.Patient, benchDue)
	for i := range ps {
		ps[i] = mustPatient(b, mustID(b, pnrString(1940+i%60, 1+i%12, 1+i%28, i)), fmt.Sprintf("Bänk Person %d", i))
	}
	return ps
}

// benchBuild writes a database of stored far-future bookings and benchDue
// due ones to path.
func benchBuild(b *testing.B, path string, stored int) {
	ctx := context.Background()
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ps := benchPatients(b)
	if _, err := s.UpsertPatients(ctx, ps, t0, actor); err != nil {
		b.Fatal(err)
	}
	sched := domain.DefaultSchedule()
	total := stored + benchDue
	every := total / benchDue // every every-th booking is a due one
	dueMade := 0
	for start := 0; start < total; start += benchBatch {
		err := s.db.Update(func(tx *bolt.Tx) error {
			bookings := tx.Bucket(bucketBookings)
			n := 0
			for i := start; i < min(total, start+benchBatch); i++ {
				seq, err := bookings.NextSequence()
				if err != nil {
					return err
				}
				id := domain.BookingID(seq)
				p := ps[i%benchDue]
				var bk *domain.Booking
				if i%every == every-1 && dueMade < benchDue {
					// Booked an hour ago; its summons timer is due.
					dueMade++
					bk, err = domain.NewBooking(domain.BookingRequest{
						ID: id, Patient: ps[dueMade-1], Exam: examECG, Site: siteRyhov,
						VisitAt: benchNow.AddDate(0, 0, 20).Add(time.Duration(dueMade) * 5 * time.Minute),
						Now:     benchNow.Add(-time.Hour), Actor: actor,
					})
				} else {
					// Summons sent long ago; only the 4-day reminder is left,
					// weeks to years ahead.
					visit := benchNow.AddDate(0, 0, 30).Add(time.Duration(i) * 10 * time.Minute)
					created := benchNow.AddDate(0, 0, -10)
					bk, err = domain.RehydrateBooking(domain.BookingSnapshot{
						ID: id, Patient: p.ID().Canonical(), PatientK: p.ID().Kind().String(),
						Exam: examECG.Code, Site: siteRyhov.Code, VisitAt: visit, Duration: examECG.Duration,
						State: domain.StateSummonsSent, Digital: true, CreatedAt: created, CreatedBy: actor, UpdatedAt: created,
						Timers:   []domain.Timer{{Seq: 3, Kind: domain.TimerReminder4d, Due: sched.ReminderDue(visit, 4)}},
						TimerSeq: 3, SummonsMsg: fmt.Sprintf("k%d-2-inbox", id), SentAt: created,
					})
				}
				if err != nil {
					return err
				}
				if err := putBooking(tx, bk, nil); err != nil {
					return err
				}
				n++
			}
			meta := tx.Bucket(bucketMeta)
			c, err := bookingCount(meta)
			if err != nil {
				return err
			}
			return putUint64(meta, keyBookingCount, c+uint64(n))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if dueMade != benchDue {
		b.Fatalf("made %d due bookings, want %d", dueMade, benchDue)
	}
}

// benchStore opens a fresh copy of the database with `stored` far-future
// bookings, building it first if it is not in the cache. The cache key holds
// the schema version and the bucket layout, so a cached file made by another
// version of the store is never used; one that cannot be opened is rebuilt.
func benchStore(b *testing.B, stored int) *Store {
	b.Helper()
	h := fnv.New32a()
	for _, name := range allBuckets {
		h.Write(name)
		h.Write([]byte{0})
	}
	name := fmt.Sprintf("kallelse-bench-v%d-%08x-g%d-%d.db", currentSchemaVersion, h.Sum32(), benchGenerator, stored)
	cached := filepath.Join(os.TempDir(), name)
	path := filepath.Join(b.TempDir(), "kallelse.db")
	for attempt := 0; ; attempt++ {
		if _, err := os.Stat(cached); err != nil {
			start := time.Now()
			tmp := cached + ".building-" + strconv.Itoa(os.Getpid())
			_ = os.Remove(tmp)
			benchBuild(b, tmp, stored)
			if err := os.Rename(tmp, cached); err != nil {
				b.Fatal(err)
			}
			b.Logf("built %s in %v", cached, time.Since(start).Round(time.Millisecond))
		}
		_ = os.Remove(path)
		if err := benchCopyFile(cached, path); err != nil {
			b.Fatal(err)
		}
		s, err := Open(path, Options{noSync: os.Getenv("KALLELSE_BENCH_FSYNC") != "1"})
		if err != nil && attempt == 0 {
			b.Logf("cached %s: %v; building it again", cached, err)
			_ = os.Remove(cached)
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	}
}

func benchCopyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// benchDueSnapshots reads the records of the bookings with a timer due at now.
func benchDueSnapshots(b *testing.B, s *Store, now time.Time) []domain.BookingSnapshot {
	b.Helper()
	var out []domain.BookingSnapshot
	err := s.db.View(func(tx *bolt.Tx) error {
		bookings := tx.Bucket(bucketBookings)
		c := tx.Bucket(bucketIdxTimerDue).Cursor()
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= uint64(now.UnixNano()); k, _ = c.Next() {
			key := u64(binary.BigEndian.Uint64(k[8:]))
			snap, err := decodeBookingSnapshot(key, bookings.Get(key))
			if err != nil {
				return err
			}
			out = append(out, snap)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// benchLastEvent is the sequence number of each booking's last event.
func benchLastEvent(b *testing.B, s *Store, snaps []domain.BookingSnapshot) map[domain.BookingID]uint64 {
	b.Helper()
	last := map[domain.BookingID]uint64{}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketIdxEventBooking).Cursor()
		for _, snap := range snaps {
			prefix := u64(uint64(snap.ID))
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				last[snap.ID] = binary.BigEndian.Uint64(k[8:])
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return last
}

// benchRestoreDue puts the due bookings back as they were before the tick fired
// them, so that every iteration does the same work and finds the same file:
// their records, their histories cut back to the events they had (a
// booking's writes may read its history), and the messages the tick decided
// taken out of the register again (so that the same ids can be decided
// again, and the register does not grow from one iteration to the next).
func benchRestoreDue(b *testing.B, s *Store, orig []domain.BookingSnapshot, last map[domain.BookingID]uint64, sent []string) {
	b.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		bookings := tx.Bucket(bucketBookings)
		log, byBooking := tx.Bucket(bucketEvents), tx.Bucket(bucketIdxEventBooking)
		register := tx.Bucket(bucketMessages)
		for _, id := range sent {
			if err := register.Delete([]byte(id)); err != nil {
				return err
			}
			if err := deleteOutbox(tx, id); err != nil {
				return err
			}
		}
		for _, o := range orig {
			var cut [][]byte
			prefix := u64(uint64(o.ID))
			c := byBooking.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				if binary.BigEndian.Uint64(k[8:]) > last[o.ID] {
					cut = append(cut, append([]byte(nil), k...))
				}
			}
			for _, k := range cut {
				if err := log.Delete(k[8:]); err != nil {
					return err
				}
				if err := byBooking.Delete(k); err != nil {
					return err
				}
			}
			key := u64(uint64(o.ID))
			cur, err := decodeBookingSnapshot(key, bookings.Get(key))
			if err != nil {
				return err
			}
			bk, err := domain.RehydrateBooking(o)
			if err != nil {
				return err
			}
			if err := putBooking(tx, bk, &cur); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// benchSender delivers nowhere and remembers the ids (and the first
// message, as a model for the waiting ones of BenchmarkTick_Waiting).
type benchSender struct {
	sent  []string
	model domain.Message
}

func (c *benchSender) Send(_ context.Context, m domain.Message) error {
	c.sent = append(c.sent, m.ID)
	if c.model.ID == "" {
		c.model = m
	}
	return nil
}

// BenchmarkTick_1000Due measures one tick of the loop — find the due timers,
// fire them (a 1177 summons each, with its fallback planned), deliver the
// messages, count what waits — with 1,000 due among 10k, 100k and 1M stored.
// Compare ns/op across sizes: it should hardly grow.
func BenchmarkTick_1000Due(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("stored="+size.name, func(b *testing.B) {
			if testing.Short() && size.stored > 100_000 {
				b.Skip("-short: not building a million bookings")
			}
			benchTicks(b, benchStore(b, size.stored), 0)
		})
	}
}

// BenchmarkTick_Waiting measures the same tick (1,000 due among 10k stored)
// with no message waiting in the outbox and with 10,000 waiting after an
// outage — each failed three times, its next attempt an hour ahead. The
// tick reads the messages that are due through idx_outbox_due and its
// figures from two counters, so the waiting ones should cost nothing:
// compare ns/op of the two.
//
//	go test ./storage -run XXX -bench Tick_Waiting -benchtime 10x -count 3
func BenchmarkTick_Waiting(b *testing.B) {
	for _, waiting := range []int{0, 10_000} {
		b.Run(fmt.Sprintf("waiting=%d", waiting), func(b *testing.B) {
			benchTicks(b, benchStore(b, 10_000), waiting)
		})
	}
}

// benchWaiting puts n messages in the outbox as an outage leaves them:
// copies of a real summons (model) for stored bookings, failed three
// times, due again an hour after benchNow.
func benchWaiting(b *testing.B, s *Store, model domain.Message, n int) {
	b.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		for i := range n {
			m := model
			m.ID = fmt.Sprintf("outage-%05d-inbox", i)
			m.Booking = domain.BookingID(1 + i%10_000)
			e := domain.OutboxEntry{Message: m, Attempts: 3, NextAttempt: benchNow.Add(time.Hour), LastError: "1177: connection refused"}
			if err := putOutbox(tx, nil, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// benchTicks times ticks of the loop on s, each firing the benchDue due
// bookings (put back before each), with waiting messages waiting for a
// later attempt.
func benchTicks(b *testing.B, s *Store, waiting int) {
	ctx := context.Background()
	orig := benchDueSnapshots(b, s, benchNow)
	if len(orig) != benchDue {
		b.Fatalf("%d bookings due, want %d", len(orig), benchDue)
	}
	last := benchLastEvent(b, s, orig)
	cat, err := domain.NewCatalogue(testExams, testSites)
	if err != nil {
		b.Fatal(err)
	}
	svc := &service.Service{Store: s, Clock: domain.FixedClock{T: benchNow}, Catalogue: cat,
		Clinic:   domain.Clinic{Department: "Klinisk fysiologi", Region: "Region Jönköpings län", HSAID: "SE1"},
		Schedule: domain.DefaultSchedule()}
	snd := &benchSender{}
	loop := service.NewLoop(svc, s, map[domain.MessageKind]domain.Sender{
		domain.MessageInbox: snd, domain.MessageLetter: snd, domain.MessageSMS: snd}, nil)
	// One tick untimed first: the copy was just opened, and the first
	// touch of each page of the mapping costs a fault. The measured
	// ticks are those of a loop that runs on (serve, the TUI).
	if _, err := loop.Tick(ctx); err != nil {
		b.Fatal(err)
	}
	if waiting > 0 {
		benchWaiting(b, s, snd.model, waiting)
	}
	fired, delivered := 0, 0
	var pages, nodes int64 // bbolt's counts: pages written, nodes materialised
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		benchRestoreDue(b, s, orig, last, snd.sent)
		snd.sent = snd.sent[:0]
		before := s.db.Stats().TxStats
		b.StartTimer()
		rep, err := loop.Tick(ctx)
		if err != nil {
			b.Fatal(err)
		}
		after := s.db.Stats().TxStats
		pages += after.GetPageCount() - before.GetPageCount()
		nodes += after.GetNodeCount() - before.GetNodeCount()
		if rep.Fired != benchDue || rep.Delivered != benchDue || rep.Waiting != waiting || rep.Failing != waiting || len(rep.FireFailures) > 0 {
			b.Fatalf("tick: %d fired, %d delivered, %d waiting (%d failing), failures %v; want %d waiting",
				rep.Fired, rep.Delivered, rep.Waiting, rep.Failing, rep.FireFailures, waiting)
		}
		fired += rep.Fired
		delivered += rep.Delivered
	}
	b.StopTimer()
	b.ReportMetric(float64(fired)/float64(b.N), "fired/op")
	b.ReportMetric(float64(delivered)/float64(b.N), "delivered/op")
	b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
	b.ReportMetric(float64(nodes)/float64(b.N), "nodes/op")
}

// BenchmarkFindDue measures only the seek: counting the 1,000 due timers
// among 10k, 100k and 1M stored ones.
func BenchmarkFindDue(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("stored="+size.name, func(b *testing.B) {
			if testing.Short() && size.stored > 100_000 {
				b.Skip("-short: not building a million bookings")
			}
			ctx := context.Background()
			s := benchStore(b, size.stored)
			if _, err := s.CountDueTimers(ctx, benchNow); err != nil { // untimed: fault the pages in
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				n, err := s.CountDueTimers(ctx, benchNow)
				if err != nil {
					b.Fatal(err)
				}
				if n != benchDue {
					b.Fatalf("%d due, want %d", n, benchDue)
				}
			}
			b.ReportMetric(benchDue, "due/op")
		})
	}
}
