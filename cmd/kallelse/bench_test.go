package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// BenchmarkServer_KeyPress measures, over real SSH, a key press in one
// terminal UI until its redraw arrives — the cursor moves a row, and that
// row is drawn again with the cursor's mark — alone (sessions=1) and while 19 other terminals scroll
// page by page (ten keys a second each, reading storage and logging the
// patients they show) and the loop ticks every second. The ratio of the
// two is in the README.
//
//	go test ./cmd/kallelse -run XXX -bench Server_KeyPress -benchtime 400x
func BenchmarkServer_KeyPress(b *testing.B) {
	for _, n := range []int{1, 20} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			staff := map[string]staffKey{}
			for i := 1; i <= n; i++ {
				staff[fmt.Sprintf("sek%02d", i)] = newStaffKey(b, domain.RoleSekreterare)
			}
			s := startServerWith(b, "[loop]\ninterval = \"1s\"\n", staff, "",
				[]string{"demo", "--no-tui", "--patients", "1000", "--bookings", "4000"})
			measured := s.openTUI("sek01", 80, 24)
			defer measured.close()
			measured.waitFor(0, "rad 1 av")

			stop := make(chan struct{})
			var wg sync.WaitGroup
			var others []*terminal
			for i := 2; i <= n; i++ {
				tm := s.openTUI(fmt.Sprintf("sek%02d", i), 80, 24)
				tm.waitFor(0, "rad 1 av")
				others = append(others, tm)
				wg.Add(1)
				go func(tm *terminal) {
					defer wg.Done()
					tick := time.NewTicker(100 * time.Millisecond)
					defer tick.Stop()
					for k := 0; ; k++ {
						select {
						case <-stop:
							return
						case <-tick.C:
						}
						key := "\x1b[6~" // page down, and after twenty, up again
						if k/20%2 == 1 {
							key = "\x1b[5~"
						}
						if _, err := tm.in.Write([]byte(key)); err != nil {
							return
						}
					}
				}(tm)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				key := "j"
				if i%2 == 1 {
					key = "k"
				}
				m := measured.mark()
				t0 := time.Now()
				measured.keys(key)
				// The row the cursor moved to is drawn again with its mark.
				measured.waitFor(m, "▸")
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			// The others really scrolled: their screens were redrawn.
			drawn := 0
			for _, tm := range others {
				drawn += tm.mark()
				tm.close()
			}
			if n > 1 && drawn < 1000*(n-1) {
				b.Fatalf("the other sessions drew only %d characters", drawn)
			}
			b.ReportMetric(float64(drawn)/float64(b.N)/1024, "others-KB/op")
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "p99-ms")
			if strings.Contains(s.log.String(), "ERROR") {
				b.Fatalf("the server logged errors:\n%s", s.log.String())
			}
		})
	}
}

// BenchmarkServe_Resident measures the memory kallelse serve keeps with 20
// terminals open, each having drawn its bookings list and paged through it,
// on a demo database of 10,000 bookings and, with KALLELSE_SERVE_DB naming
// a database already built (kallelse demo --patients 500000 --bookings
// 1000000), on that. The server runs in the test's process: resident-MB is
// the process's VmRSS, anon-MB its anonymous part (the Go heap and stacks;
// the rest is the database file's pages the kernel keeps mapped).
//
//	go test ./cmd/kallelse -run XXX -bench Serve_Resident -benchtime 1x
//	KALLELSE_SERVE_DB=/tmp/1m.db go test ./cmd/kallelse -run XXX -bench Serve_Resident -benchtime 1x -timeout 30m
func BenchmarkServe_Resident(b *testing.B) {
	const n = 20
	staff := map[string]staffKey{}
	for i := 1; i <= n; i++ {
		staff[fmt.Sprintf("sek%02d", i)] = newStaffKey(b, domain.RoleSekreterare)
	}
	s := startServerWith(b, "[loop]\ninterval = \"1s\"\n", staff, "",
		[]string{"demo", "--no-tui", "--patients", "5000", "--bookings", "10000"})
	for i := 0; i < b.N; i++ {
		var tms []*terminal
		for j := 1; j <= n; j++ {
			tm := s.openTUI(fmt.Sprintf("sek%02d", j), 80, 24)
			tm.waitFor(0, "rad 1 av")
			for range 5 {
				m := tm.mark()
				tm.keys("\x1b[6~") // a page down: storage read, rows drawn, patients logged
				tm.waitFor(m, "rad ")
			}
			tms = append(tms, tm)
		}
		runtime.GC()
		rss, anon := residentMB(b)
		b.ReportMetric(rss, "resident-MB")
		b.ReportMetric(anon, "anon-MB")
		for _, tm := range tms {
			tm.close()
		}
	}
}

// residentMB reads this process's resident memory, whole and anonymous, in MB.
func residentMB(b *testing.B) (rss, anon float64) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "RssAnon:":
			anon = kb / 1024
		}
	}
	return rss, anon
}
