package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/storage"
)

// catalogueMetaKey records the examination and site codes the configuration
// had when the database was last opened, so that a code removed since is
// noticed at start and only then are the bookings read.
const catalogueMetaKey = "catalogue_codes"

// catalogueLookBack is how far back a booking still counts as in use: its
// outcome may not be recorded yet, and it may still be cancelled or moved.
const catalogueLookBack = 14 * 24 * time.Hour

// maxListedBookings bounds the bookings named in the refusal.
const maxListedBookings = 20

// checkCatalogueInUse refuses a configuration that removed an examination
// or a site that bookings still use: their summons, reminders and fallback
// letters would otherwise fail at every tick and stay unsent. A booking
// still uses a code when it is not cancelled, attended or a no-show and its
// visit is at most catalogueLookBack ago.
func checkCatalogueInUse(ctx context.Context, st *storage.Store, cat domain.Catalogue, now time.Time) error {
	var codes []string
	for _, e := range cat.Exams() {
		codes = append(codes, "exam:"+e.Code)
	}
	for _, s := range cat.Sites() {
		codes = append(codes, "site:"+s.Code)
	}
	slices.Sort(codes)
	current := strings.Join(codes, ",")
	known, err := st.Meta(catalogueMetaKey)
	if err != nil {
		return err
	}
	if known == current {
		return nil
	}
	var removed []string
	if known != "" {
		for _, c := range strings.Split(known, ",") {
			if _, found := slices.BinarySearch(codes, c); !found {
				removed = append(removed, c)
			}
		}
	}
	var problems []string
	listed := 0
	for _, c := range removed {
		kind, code, _ := strings.Cut(c, ":")
		q := domain.BookingQuery{From: now.Add(-catalogueLookBack)}
		what := "examination"
		if kind == "exam" {
			q.Exam = code
		} else {
			q.Site, what = code, "site"
		}
		bs, err := st.Bookings(ctx, q)
		if err != nil {
			return err
		}
		var ids []string
		for _, b := range bs {
			if b.State().Final() {
				continue
			}
			if listed < maxListedBookings {
				ids = append(ids, fmt.Sprintf("%d (%s)", b.ID(), fmtLocal(b.VisitAt())))
				listed++
			} else {
				ids = append(ids, "…")
				break
			}
		}
		if len(ids) > 0 {
			problems = append(problems, fmt.Sprintf("%s %q is no longer in the configuration, but bookings still use it: %s",
				what, code, strings.Join(ids, ", ")))
		}
	}
	if len(problems) > 0 {
		return invalidErr("configuration: %s.\nKeep it in the configuration (marked digital = false if it should no longer go digital), or, with it still there, cancel or move those bookings, then remove it",
			strings.Join(problems, ";\n"))
	}
	return st.SetMeta(catalogueMetaKey, current)
}
