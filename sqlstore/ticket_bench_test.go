package sqlstore_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/gridline/gridline"
)

// BenchmarkCreateTicket measures intake through the store (locate, number,
// case, first event, audit and feed in one transaction) with parallel
// callers, next to the database's raw single-row insert rate in the same
// run (BenchmarkSingleRowWrite), so the ratio says what intake costs over
// the floor of a write. go test -bench 'CreateTicket|SingleRowWrite' -cpu 2 ./sqlstore/
func BenchmarkCreateTicket(b *testing.B) {
	f := newFixture(b)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			lon, lat := 116.8+float64(i%97)/10000, 35.55+float64(i%89)/10000
			t := &gridline.Ticket{Channel: gridline.ChannelHotline, Text: "小区门口路灯不亮", Category: "0115", Lon: &lon, Lat: &lat}
			if _, err := f.s.Tickets.CreateTicket(ctx, t); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}

// BenchmarkSingleRowWrite is the floor of a write through the store: one
// row (a unit) in its own transaction, with its audit row and feed event.
func BenchmarkSingleRowWrite(b *testing.B) {
	f := newFixture(b)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if err := f.s.Units.CreateUnit(ctx, &gridline.Unit{Kind: gridline.UnitOther, Name: fmt.Sprint("单位", i)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
