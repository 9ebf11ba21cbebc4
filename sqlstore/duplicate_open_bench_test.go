package sqlstore_test

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// openCases is how many open cases BenchmarkFindDuplicatesOpen holds.
const openCases = 100_000

// BenchmarkFindDuplicatesOpen measures issue 8's duplicate lookup with
// 100,000 open cases: the demo's year of cases at twice its rate, each
// cut back to its intake (status received) and its receipt moved into the
// last 30 days (the year's time squeezed twelvefold towards its end, so
// each place's cases keep their order and the city its busy streets). Each
// op looks up a case as if just taken in at the end of the month: one of
// the generated cases beyond the first 100,000, its own place, category
// and text. Reports p50 and p99 of the wall time per lookup and its CPU,
// through the store's SQL and through the index of recent cases (package
// dupindex), alternating, and the index's memory.
//
//	go test -run X -bench FindDuplicatesOpen -benchtime 2000x ./sqlstore/
func BenchmarkFindDuplicatesOpen(b *testing.B) {
	d, err := demo.Generate(1)
	if err != nil {
		b.Fatal(err)
	}
	h, err := demo.GenerateHistory(d, demo.HistoryOptions{Scale: 2})
	if err != nil {
		b.Fatal(err)
	}
	end := h.End
	squeeze := func(t time.Time) time.Time { return end.Add(-end.Sub(t) / 12) }
	var open, probes []*gridline.Ticket
	for i := range h.Cases {
		src := h.Cases[i].Ticket
		first := *src.Timeline[0]
		if first.To != gridline.StatusReceived || src.Lon == nil {
			continue
		}
		t := &gridline.Ticket{Channel: src.Channel, ExternalID: src.ExternalID, Text: src.Text, Category: src.Category,
			Status: gridline.StatusReceived, Lon: src.Lon, Lat: src.Lat, Address: src.Address, RegionPath: src.RegionPath,
			Reporter: src.Reporter, ReportedAt: squeeze(src.ReportedAt)}
		first.At = squeeze(first.At)
		if first.At.Before(t.ReportedAt) {
			first.At = t.ReportedAt
		}
		t.Timeline = []*gridline.TicketEvent{&first}
		if len(open) < openCases {
			open = append(open, t)
		} else {
			probes = append(probes, t)
		}
	}
	if len(open) < openCases || len(probes) == 0 {
		b.Fatalf("generated %d open cases and %d probes, want %d and some", len(open), len(probes), openCases)
	}
	h = nil
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "demo"})
	db := storetest.Open(b)
	s := storetest.Services(b, db)
	if err := db.InTx(ctx, func(ctx context.Context) error { return demo.Load(ctx, d, s) }); err != nil {
		b.Fatal(err)
	}
	for lo := 0; lo < len(open); lo += 20_000 {
		chunk := open[lo:min(lo+20_000, len(open))]
		if err := db.InTx(ctx, func(ctx context.Context) error { return s.Tickets.ImportTickets(ctx, chunk) }); err != nil {
			b.Fatal(err)
		}
	}
	if _, n, err := s.Tickets.FindTickets(ctx, gridline.TicketFilter{Open: true, Limit: 1}); err != nil || n != openCases {
		b.Fatalf("%d open cases (%v), want %d", n, err, openCases)
	}
	open = nil
	// A probe is taken in at the end of the month, within the hour.
	for i, p := range probes {
		p.ReportedAt = end.Add(-time.Duration(i%60) * time.Minute)
	}
	runtime.GC()
	store := s.Duplicates
	x, mb := buildIndex(b, db, store, end, 0)
	// The store's path and the index's, side by side in one run, twice
	// each, alternating, against the same database and probes.
	for _, run := range []struct {
		name string
		dup  gridline.DuplicateService
	}{{"store", store}, {"index", x}, {"store", store}, {"index", x}} {
		b.Run(run.name, func(b *testing.B) {
			runtime.GC()
			found := 0
			lat := make([]time.Duration, 0, b.N)
			cpu0 := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := probes[i%len(probes)]
				t0 := time.Now()
				got, err := run.dup.FindDuplicatesOf(ctx, p)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				found += len(got)
			}
			b.StopTimer()
			slices.Sort(lat)
			q := func(f float64) float64 {
				return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
			b.ReportMetric(float64(found)/float64(b.N), "candidates/op")
			if run.dup == gridline.DuplicateService(x) {
				b.ReportMetric(mb, "index-MB")
			}
		})
	}
	if _, hits, misses := x.Stats(); misses > 0 || hits == 0 {
		b.Fatalf("the index answered %d lookups and passed %d to the store; want all answered", hits, misses)
	}
}
