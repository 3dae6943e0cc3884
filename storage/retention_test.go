package storage

import (
	"context"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/kallelse/kallelse/domain"
)

// A booking's strings are views into one copy of its record
// (binrec.Shared), but not its patient's identity number: identity numbers
// outlive the record they came from — a session's access memo keeps every
// patient it has shown for as long as the terminal is open — and as a view
// each would keep a whole booking record alive instead of 12 bytes.
func TestBookings_IdentityIsNoViewIntoTheRecord(t *testing.T) {
	s := openTest(t)
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	book(t, s, p, examECG, siteRyhov, t0.Add(48*time.Hour))
	bs, err := s.Bookings(context.Background(), domain.BookingQuery{})
	if err != nil || len(bs) != 1 {
		t.Fatalf("%d bookings, %v", len(bs), err)
	}
	b := bs[0]
	canon, exam, site := b.Patient().Canonical(), b.Exam(), b.Site()
	kind := b.Patient().Kind().String()
	at := func(s string) uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(s))) }
	// The record's head: patient, patient_kind, exam, site, each after a
	// one-byte length.
	if at(exam)-at(canon) == uintptr(len(canon)+1+len(kind)+1) && at(site)-at(exam) == uintptr(len(exam)+1) {
		t.Errorf("the canonical identity %q is a view into the booking's record (exam %q and site %q sit right after it): whatever keeps the identity number keeps the record", canon, exam, site)
	}
}

// queryBookings allocates bookings together (slabSize), growing with what
// the walk finds rather than with the query's limit: a query that finds
// little allocates little — a page near the end of the data, a filter that
// matches few, every search keystroke (each patient found is given a limit
// of max(3, rows/patients), some 300 bookings in all). Sized by the limit,
// one booking found cost 66 KB (576 bytes a booking).
func TestBookings_FewMatchesAllocateLittle(t *testing.T) {
	s := openTest(t)
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	book(t, s, p, examECG, siteRyhov, t0.Add(48*time.Hour))
	ctx := context.Background()
	perOp := func(f func()) uint64 {
		f()
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		for range 50 {
			f()
		}
		runtime.ReadMemStats(&b)
		return (b.TotalAlloc - a.TotalAlloc) / 50
	}
	if n := perOp(func() { _, _ = s.Bookings(ctx, domain.BookingQuery{Limit: 100}) }); n > 16<<10 {
		t.Errorf("Bookings with a limit of 100 finding one booking: %d bytes an op", n)
	}
	if n := perOp(func() { _, _ = s.SearchBookings(ctx, "Anna", 50, time.Time{}, domain.BookingQuery{Limit: 300}) }); n > 16<<10 {
		t.Errorf("a search finding one patient with one booking: %d bytes an op", n)
	}
}
