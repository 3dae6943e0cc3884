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
	var problems phrases
	listed := 0
	for _, c := range removed {
		kind, code, _ := strings.Cut(c, ":")
		q := domain.BookingQuery{From: now.Add(-catalogueLookBack)}
		key := "cli_cat_exam_in_use"
		if kind == "exam" {
			q.Exam = code
		} else {
			q.Site, key = code, "cli_cat_site_in_use"
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
			problems.list = append(problems.list, wordsT(key, code, strings.Join(ids, ", ")))
		}
	}
	if len(problems.list) > 0 {
		problems.sep = ";\n"
		return invalidT("cli_err_catalogue_in_use", problems)
	}
	return st.SetMeta(catalogueMetaKey, current)
}
