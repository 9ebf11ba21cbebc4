package sqlstore_test

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/dupindex"
	"github.com/gridline/gridline/sqlstore"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// BenchmarkFindDuplicates measures the duplicate lookup intake makes, over
// the demo's year of cases (66,539): each op looks up one of the year's
// cases as if it were just taken in (its place, time, category and text;
// itself excluded). The district and the year are loaded outside the
// timer. go test -run X -bench FindDuplicates -benchtime 3000x ./sqlstore/
func BenchmarkFindDuplicates(b *testing.B) {
	d, err := demo.Generate(1)
	if err != nil {
		b.Fatal(err)
	}
	h, err := demo.GenerateHistory(d, demo.HistoryOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "demo"})
	db := storetest.Open(b)
	s := storetest.Services(b, db)
	if err := db.InTx(ctx, func(ctx context.Context) error { return demo.Load(ctx, d, s) }); err != nil {
		b.Fatal(err)
	}
	if err := db.InTx(ctx, func(ctx context.Context) error { return demo.LoadHistory(ctx, d, h, s) }); err != nil {
		b.Fatal(err)
	}
	cases, _, err := s.Tickets.FindTickets(ctx, gridline.TicketFilter{})
	if err != nil {
		b.Fatal(err)
	}
	// A sample spread over the year, so the benchmark does not hold (and
	// the collector mark) every case.
	sample := make([]*gridline.Ticket, 0, 4096)
	for i := 0; i < 4096; i++ {
		sample = append(sample, cases[(i*7919)%len(cases)])
	}
	n := len(cases)
	cases = nil
	runtime.GC()
	store := s.Duplicates
	// The index holds the whole year here (a span of 400 days), so every
	// probe, however old, is served from it.
	x, mb := buildIndex(b, db, store, h.End, 400*24*time.Hour)
	for _, run := range []struct {
		name string
		dup  gridline.DuplicateService
	}{{"store", store}, {"index", x}} {
		b.Run(run.name, func(b *testing.B) {
			runtime.GC()
			found := 0
			cpu0 := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Spread over the year: a prime stride through the cases.
				t := sample[i%len(sample)]
				got, err := run.dup.FindDuplicatesOf(ctx, t)
				if err != nil {
					b.Fatal(err)
				}
				found += len(got)
			}
			b.StopTimer()
			// CPU time as well as wall time: on a shared machine the wall
			// time counts the waits for a core.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
			b.ReportMetric(float64(found)/float64(b.N), "candidates/op")
			if run.dup == gridline.DuplicateService(x) {
				b.ReportMetric(mb, "index-MB")
			}
			b.ReportMetric(float64(n), "cases")
		})
	}
	if _, hits, misses := x.Stats(); misses > 0 || hits == 0 {
		b.Fatalf("the index answered %d lookups and passed %d to the store; want all answered", hits, misses)
	}
}

// buildIndex builds an index of the recent cases over store at now
// (span 0: the default) and returns it with the heap it takes, in MB.
func buildIndex(b *testing.B, db *sqlstore.DB, store gridline.DuplicateService, now time.Time, span time.Duration) (*dupindex.Index, float64) {
	b.Helper()
	s := sqlstore.NewServices(db, nil)
	x := dupindex.New(store.(gridline.DuplicateStore), s.Events)
	x.Now = func() time.Time { return now }
	x.Span = span
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	if err := x.Follow(context.Background()); err != nil {
		b.Fatal(err)
	}
	took := time.Since(t0)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	n, _, _ := x.Stats()
	mb := float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc)) / (1 << 20)
	b.Logf("index: %d cases in %.1f MB (%.0f B a case), built in %v", n, mb, mb*(1<<20)/float64(n), took.Round(time.Millisecond))
	return x, mb
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
