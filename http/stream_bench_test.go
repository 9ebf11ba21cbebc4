package http_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	glhttp "github.com/gridline/gridline/http"
	"github.com/gridline/gridline/live"
	"github.com/gridline/gridline/sqlstore/storetest"
)

// BenchmarkStreamFanout opens 500 streams (the 500 screens) over
// HTTP and, per
// iteration, takes a case in and waits until every stream has received
// it. It reports the time from the intake's answer (the commit) to the
// delivery on the last stream, and the median stream.
//
//	go test ./http -run '^$' -bench StreamFanout -benchtime 20x
func BenchmarkStreamFanout(b *testing.B) {
	const streams = 500
	db := storetest.Open(b)
	s := serverOver(b, db, glhttp.Limits{AnonRate: -1, MaxClientConns: 4 * streams, MaxConns: 4 * streams}, nil)
	hub := live.New(s.Services)
	hub.Committed = func() int64 { return db.CommittedSeqOf(live.Entities...) }
	if err := hub.Open(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer hub.Close()
	s.Live = hub
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	scenario{method: "POST", url: "/api/v1/grids", auth: true, status: 201,
		body: `{"name":"韦园社区第1网格","community_code":"370812001002","geometry":` + square(116.80, 35.55, 0.01) + `}`}.run(b, ts.URL)

	tr := &http.Transport{MaxIdleConnsPerHost: streams, MaxConnsPerHost: 0}
	client := &http.Client{Transport: tr}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// got[i] receives the case id each stream reads, with the time.
	type arrival struct {
		id int64
		at time.Time
	}
	got := make([]chan arrival, streams)
	var ready sync.WaitGroup
	for i := range streams {
		got[i] = make(chan arrival, 64)
		ready.Add(1)
		go func(ch chan arrival) {
			req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/v1/stream", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := client.Do(req)
			if err != nil || res.StatusCode != 200 {
				b.Errorf("stream: %v %v", err, res)
				ready.Done()
				return
			}
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			first := true
			for sc.Scan() {
				line := sc.Text()
				if first && strings.HasPrefix(line, "event: hello") {
					first = false
					ready.Done()
				}
				if strings.HasPrefix(line, "data: {\"seq\"") && strings.Contains(line, `"kind":"ticket"`) {
					var m struct{ Ticket struct{ ID int64 } }
					json.Unmarshal([]byte(line[6:]), &m)
					ch <- arrival{m.Ticket.ID, time.Now()}
				}
			}
		}(got[i])
	}
	ready.Wait()
	if n, _, _ := hub.Stats(); n != streams {
		b.Fatalf("%d streams open, want %d", n, streams)
	}
	var worst, med []float64
	b.ResetTimer()
	for range b.N {
		out := scenario{method: "POST", url: "/api/v1/tickets", auth: true, status: 201,
			body: `{"channel":"hotline","text":"路灯不亮","lon":116.805,"lat":35.555}`}.run(b, ts.URL)
		committed := time.Now()
		var v struct{ Ticket struct{ ID int64 } }
		json.Unmarshal([]byte(out), &v)
		lat := make([]float64, 0, streams)
		for i := range streams {
			select {
			case a := <-got[i]:
				if a.id != v.Ticket.ID {
					b.Fatalf("stream %d got case %d, want %d", i, a.id, v.Ticket.ID)
				}
				lat = append(lat, float64(a.at.Sub(committed).Microseconds())/1000)
			case <-time.After(10 * time.Second):
				b.Fatalf("stream %d: nothing within 10 s", i)
			}
		}
		slices.Sort(lat)
		worst = append(worst, lat[len(lat)-1])
		med = append(med, lat[len(lat)/2])
	}
	b.StopTimer()
	slices.Sort(worst)
	slices.Sort(med)
	b.ReportMetric(worst[len(worst)/2], "ms-last-stream(median)")
	b.ReportMetric(worst[len(worst)-1], "ms-last-stream(max)")
	b.ReportMetric(med[len(med)/2], "ms-median-stream")
	cancel()
}
