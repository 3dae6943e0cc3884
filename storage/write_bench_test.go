package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// BenchmarkEventWrite_History: does writing an event cost the same whatever
// the booking's history? One booking, its digital summons sent and then
// reminded by hand until it has `prior` events; each round records one more
// reminder (an event that counts in the reports' facts) and writes it as
// UpdateBooking does — the record, its indexes, the outbox, the event, the
// aggregates — in a write transaction that is rolled back, so that every
// round meets the same history.
//
//	go test ./storage -run XXX -bench EventWrite_History -count 5
func BenchmarkEventWrite_History(b *testing.B) {
	for _, prior := range []int{2, 200, 2000} {
		b.Run(fmt.Sprintf("prior=%d", prior), func(b *testing.B) {
			s := openTest(b)
			ctx := context.Background()
			p, err := domain.NewPatient(domain.PatientInput{ID: mustID(b, pnrString(1970, 3, 4, 123)), Name: "Anna Andersson",
				Address:        domain.Address{Street: "Storgatan 1", PostalCode: "55305", City: "Jönköping"},
				Has1177Account: true, NotificationsEnabled: true, Phone: "070-123 45 67", SMSReminders: true})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.UpsertPatients(ctx, []domain.Patient{p}, t0, actor); err != nil {
				b.Fatal(err)
			}
			exam := examOf("ekg24")
			// A neighbour with a history of its own, written first, so that
			// the log holds as many events whatever the history measured
			// (the file the same size) and the pages around the booking
			// measured are full, as in any real file.
			neighbour := book(b, s, p, exam, siteRyhov, t0.Add(50*24*time.Hour))
			padHistory(b, s, neighbour.ID(), 2100-prior, t0)
			bk := book(b, s, p, exam, siteRyhov, t0.Add(60*24*time.Hour))
			now := t0.Add(time.Hour)
			if _, _, err := s.FireDue(ctx, now, 10, nil, func(bk *domain.Booking, p domain.Patient) error {
				return bk.FireDue(fireEnv(p, exam, now))
			}); err != nil {
				b.Fatal(err)
			}
			remind := func(bk *domain.Booking) error {
				now = now.Add(time.Minute)
				env := fireEnv(p, exam, now)
				env.Actor = actor
				return bk.RemindByHand(env, true)
			}
			// The history padded to `prior` events with reminders of the
			// summons (padHistory); the record stays as the domain left it
			// (the domain's own record of reminders would grow with them),
			// so that only the history differs between the sizes.
			evs, err := s.BookingEvents(ctx, bk.ID())
			if err != nil || len(evs) > prior {
				b.Fatalf("%d events (%v), want at most %d", len(evs), err, prior)
			}
			now = padHistory(b, s, bk.ID(), prior-len(evs), now)
			if evs, err := s.BookingEvents(ctx, bk.ID()); err != nil || len(evs) != prior {
				b.Fatalf("%d events (%v), want %d", len(evs), err, prior)
			}
			if err := aggregateDiff(s); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				tx, err := s.db.Begin(true)
				if err != nil {
					b.Fatal(err)
				}
				k := u64(uint64(bk.ID()))
				old, cur, err := decodeBooking(k, tx.Bucket(bucketBookings).Get(k))
				if err == nil {
					err = remind(cur)
				}
				if err == nil {
					err = putBooking(tx, cur, &old)
				}
				if rerr := tx.Rollback(); err == nil {
					err = rerr
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// padHistory appends n reminders of its summons to booking id's history,
// one a minute after from, written to the log and the aggregates as
// putBooking writes events; it returns the instant of the last.
func padHistory(b *testing.B, s *Store, id domain.BookingID, n int, from time.Time) time.Time {
	b.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		k := u64(uint64(id))
		_, cur, err := decodeBooking(k, tx.Bucket(bucketBookings).Get(k))
		if err != nil {
			return err
		}
		for range n {
			from = from.Add(time.Minute)
			add := []domain.Event{{Type: domain.EventReminderSent, Booking: id, At: from, Actor: actor}}
			if err := appendEvents(tx, id, add); err != nil {
				return err
			}
			if err := updateAggregates(tx, cur, add); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return from
}
