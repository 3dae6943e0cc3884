package storage

import (
	"context"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// BenchmarkRollout: the rollout report over the default 84 days, with the
// check of a switch 60 days before, on the dashboard benchmark's databases
// (two years of bookings; one examination of three on paper). It reads the
// period's digital summonses from agg_member and the bookings with a visit
// in the period through idx_visit, so it costs what the periods hold, not
// what the store holds.
//
//	go test ./storage -run XXX -bench Rollout -benchtime 5x
func BenchmarkRollout(b *testing.B) {
	for _, size := range dashSizes {
		b.Run("bookings="+size.name, func(b *testing.B) {
			if testing.Short() && size.n > 100_000 {
				b.Skip("-short: not building a million bookings")
			}
			s := dashStore(b, size.n)
			today := time.Date(dashNow.Year(), dashNow.Month(), dashNow.Day(), 0, 0, 0, 0, domain.Stockholm)
			req := metrics.RolloutRequest{From: today.AddDate(0, 0, -metrics.CheckDays), To: today, Now: dashNow, Exams: testExams,
				Switches: map[string]time.Time{examECG.Code: today.AddDate(0, 0, -60)}, Schedule: domain.DefaultSchedule()}
			b.ResetTimer()
			for range b.N {
				r, err := metrics.BuildRollout(context.Background(), s, req)
				if err != nil {
					b.Fatal(err)
				}
				if len(r.Projections) != 1 || r.Projections[0].Summonses == 0 || len(r.Checks) != 1 {
					b.Fatalf("%+v", r)
				}
			}
		})
	}
}
