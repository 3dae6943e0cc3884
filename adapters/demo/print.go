package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// letterLog is the demo's print folder while the history is built: the
// letters the loop files, by id, less those withdrawn.
type letterLog struct{ byID map[string]domain.Message }

func (l *letterLog) Send(_ context.Context, m domain.Message) error {
	if m.Purpose == domain.PurposeWithdraw {
		delete(l.byID, m.Withdraws)
		return nil
	}
	l.byID[m.ID] = m
	return nil
}

// printComing does what the department did with the letters of the coming
// bookings while the history ran: each was printed at the print cut-off of
// the day it was posted (they are in the post, and a cancellation sends a
// notice after them); those filed for a posting not yet past are the print
// queue now (sum.Unprinted). Letters of visits past are left as they were:
// nothing follows them any more.
func (g *gen) printComing(ctx context.Context, sum *Summary) error {
	g.at(g.now)
	var coming []*domain.Booking
	today := domain.AtClock(g.now, 0)
	err := g.svc.EachBooking(ctx, domain.BookingQuery{From: today}, func(b *domain.Booking) error {
		for _, l := range b.Letters() {
			if l.State == domain.LetterQueued {
				coming = append(coming, b)
				break
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sched := g.svc.Schedule
	type print struct {
		id string
		at time.Time
	}
	for _, b := range coming {
		var printed []print
		for _, l := range b.Letters() {
			m, ok := g.letters.byID[l.ID]
			if l.State != domain.LetterQueued || !ok {
				continue
			}
			cut := domain.AtClock(sched.PostingDay(m.CreatedAt), sched.PrintCutoff)
			if !cut.Before(g.now) {
				sum.Unprinted = append(sum.Unprinted, m)
				continue
			}
			at := cut.Add(-time.Minute) // printed just before the cut-off, not before it was filed
			if at.Before(m.CreatedAt) {
				at = m.CreatedAt
			}
			printed = append(printed, print{l.ID, at})
		}
		if len(printed) == 0 {
			continue
		}
		_, err := g.svc.Store.UpdateBooking(ctx, b.ID(), func(b *domain.Booking, _ []*domain.Booking) error {
			for _, p := range printed {
				if err := b.LetterPrinted(p.id, p.at, Actor); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo: booking %s: %w", b.ID(), err)
		}
	}
	slices.SortFunc(sum.Unprinted, func(a, b domain.Message) int { return strings.Compare(a.ID, b.ID) })
	return nil
}
