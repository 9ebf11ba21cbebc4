package sqlstore_test

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
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
	found := 0
	// A sample spread over the year, so the benchmark does not hold (and
	// the collector mark) every case.
	sample := make([]*gridline.Ticket, 0, 4096)
	for i := 0; i < 4096; i++ {
		sample = append(sample, cases[(i*7919)%len(cases)])
	}
	n := len(cases)
	cases = nil
	runtime.GC()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Spread over the year: a prime stride through the cases.
		t := sample[i%len(sample)]
		got, err := s.Duplicates.FindDuplicatesOf(ctx, t)
		if err != nil {
			b.Fatal(err)
		}
		found += len(got)
	}
	b.StopTimer()
	// CPU time as well as wall time: on a shared machine the wall time
	// counts the waits for a core.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(found)/float64(b.N), "candidates/op")
	b.ReportMetric(float64(n), "cases")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
