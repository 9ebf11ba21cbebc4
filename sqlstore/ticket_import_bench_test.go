package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// BenchmarkImportTickets imports the demo's year of cases (66,539 cases,
// 502,000 timeline events) into a database holding the demo
// district, inside one InTx as `gridline demo` does; the district is
// loaded outside the timer. go test -run X -bench ImportTickets -benchtime 1x ./sqlstore/
func BenchmarkImportTickets(b *testing.B) {
	d, err := demo.Generate(1)
	if err != nil {
		b.Fatal(err)
	}
	h, err := demo.GenerateHistory(d, demo.HistoryOptions{})
	if err != nil {
		b.Fatal(err)
	}
	events := 0
	for i := range h.Cases {
		events += len(h.Cases[i].Ticket.Timeline)
	}
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "demo"})
	var took time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := storetest.Open(b)
		s := storetest.Services(b, db)
		if err := db.InTx(ctx, func(ctx context.Context) error { return demo.Load(ctx, d, s) }); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := db.InTx(ctx, func(ctx context.Context) error { return demo.LoadHistory(ctx, d, h, s) }); err != nil {
			b.Fatal(err)
		}
		took += time.Since(start)
	}
	b.ReportMetric(float64(len(h.Cases)*b.N)/took.Seconds(), "cases/s")
	b.ReportMetric(float64(events*b.N)/took.Seconds(), "events/s")
}

// BenchmarkDemoLoad loads the demo district and its year of cases into an
// empty database in one InLoadTx, as `gridline demo` does (with the
// history generated beforehand, outside the timer; accounts left out).
// With -cpuprofile it shows where a demo start's load goes.
// go test -run X -bench DemoLoad -benchtime 1x ./sqlstore/
func BenchmarkDemoLoad(b *testing.B) {
	d, err := demo.Generate(1)
	if err != nil {
		b.Fatal(err)
	}
	h, err := demo.GenerateHistory(d, demo.HistoryOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "demo"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := storetest.Open(b)
		s := storetest.Services(b, db)
		b.StartTimer()
		if err := db.InLoadTx(ctx, func(ctx context.Context) error {
			if err := demo.Load(ctx, d, s); err != nil {
				return err
			}
			return demo.LoadHistory(ctx, d, h, s)
		}); err != nil {
			b.Fatal(err)
		}
	}
}
