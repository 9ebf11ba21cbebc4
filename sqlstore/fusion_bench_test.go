package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/gridline/gridline"
)

// BenchmarkFusionDaily measures the daily hotline–grid comparison of a
// city's day: 5,000 hotline calls on the day against 50,000 grid
// findings of the 30 days before it and the day after, over a city
// centre of 13 × 13 km, with the texts of ten everyday problems; a third
// of the calls are about a finding near them. The cases are imported
// outside the timer. go test -run X -bench FusionDaily -benchtime 5x ./sqlstore/
func BenchmarkFusionDaily(b *testing.B) {
	f := newFixture(b)
	day := time.Date(2026, 6, 10, 0, 0, 0, 0, gridline.ChinaTime)
	rng := rand.New(rand.NewPCG(8, 2))
	problems := []struct{ cat, call, patrol string }{
		{"0115", "市民来电反映%s门口路灯不亮了，晚上出行很不方便。", "%s门口一盏路灯夜间不亮。"},
		{"0101", "来电称%s附近人行道上井盖没了，很危险，希望尽快处理。", "%s人行道井盖缺失。"},
		{"10102", "来电反映%s垃圾桶满溢，垃圾散落一地没人清运。", "%s垃圾桶满溢未清运。"},
		{"10501", "市民反映%s门口有人占道经营，摆摊卖菜，影响通行。", "%s门口占道经营。"},
		{"0201", "来电反映%s路面坑洼，下雨积水，车辆行人通行困难。", "%s路面破损坑洼。"},
		{"0305", "来电称%s公共座椅坏了，老人没法坐。", "%s公共座椅损坏。"},
		{"10301", "来电反映%s工地夜间施工扬尘很大，没有覆盖。", "%s工地渣土未覆盖。"},
		{"0401", "来电反映%s绿化带里的树倒了，压着人行道。", "%s绿化带树木倒伏。"},
		{"10201", "市民反映%s墙上贴满了小广告，很难看。", "%s墙面小广告。"},
		{"0104", "来电称%s消防栓漏水，水流了一地。", "%s消防栓漏水。"},
	}
	places := []string{"龙城花园", "建设路口", "府东社区", "韦园小区", "九州方城", "中御桥", "兴隆塔", "少陵公园", "大禹路", "文化路"}
	lon0, lat0 := 116.75, 35.50
	point := func() (float64, float64) { return lon0 + rng.Float64()*0.15, lat0 + rng.Float64()*0.12 }
	path := f.g1.Path()
	mk := func(ch gridline.Channel, text, cat string, lon, lat float64, at time.Time) *gridline.Ticket {
		t := &gridline.Ticket{Channel: ch, Text: text, Category: cat, ReportedAt: at, Lon: &lon, Lat: &lat, RegionPath: path,
			Status: gridline.StatusReceived}
		t.Timeline = []*gridline.TicketEvent{{At: at, Actor: "bench", Action: gridline.ActionCreate, To: gridline.StatusReceived}}
		return t
	}
	var findings, calls []*gridline.Ticket
	var what [][2]int // each finding's problem and place
	for i := 0; i < 50000; i++ {
		pi, pl := rng.IntN(len(problems)), rng.IntN(len(places))
		lon, lat := point()
		// The month before the day and the day after.
		at := day.Add(-30 * 24 * time.Hour).Add(time.Duration(rng.Int64N(int64(32 * 24 * time.Hour))))
		findings = append(findings, mk(gridline.ChannelGridPatrol, fmt.Sprintf(problems[pi].patrol, places[pl]), problems[pi].cat, lon, lat, at))
		what = append(what, [2]int{pi, pl})
	}
	for i := 0; i < 5000; i++ {
		pi, pl := rng.IntN(len(problems)), rng.IntN(len(places))
		lon, lat := point()
		at := day.Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))
		if i%3 == 0 {
			// About a finding 30 m away.
			k := rng.IntN(len(findings))
			lon, lat, pi, pl = *findings[k].Lon+0.0003, *findings[k].Lat, what[k][0], what[k][1]
		}
		calls = append(calls, mk(gridline.ChannelHotline, fmt.Sprintf(problems[pi].call, places[pl]), problems[pi].cat, lon, lat, at))
	}
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "bench"})
	for _, batch := range [][]*gridline.Ticket{findings, calls} {
		if err := f.db.InTx(ctx, func(ctx context.Context) error { return f.s.Tickets.ImportTickets(ctx, batch) }); err != nil {
			b.Fatal(err)
		}
	}
	findings, calls = nil, nil
	runtime.GC()
	var rep *gridline.FusionReport
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		rep, err = f.s.Fusion.FusionDaily(ctx, gridline.FusionFilter{From: day, To: day, By: "grid"})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(rep.Total.Hotline+rep.Total.Unlocated), "calls")
	b.ReportMetric(float64(rep.Total.FoundFirst), "found_first")
	b.ReportMetric(float64(rep.Total.FoundLater), "found_later")
}
