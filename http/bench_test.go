package http_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	glhttp "github.com/gridline/gridline/http"
)

// benchClients is the fixed number of client goroutines (keep-alive
// connections) of the HTTP benchmarks, so runs compare.
const benchClients = 4

// demoServer returns a server over a fresh database holding the demo's
// regions and 643 grids, its locate index built.
func demoServer(tb testing.TB) (*glhttp.Server, *httptest.Server) {
	tb.Helper()
	s, ts := newServer(tb)
	d, err := demo.Generate(1)
	if err != nil {
		tb.Fatal(err)
	}
	grids := make([]*gridline.Grid, len(d.Grids))
	for i := range d.Grids {
		g := d.Grids[i].Grid
		grids[i] = &g
	}
	ctx := gridline.WithActor(context.Background(), gridline.Actor{Name: "bench"})
	if err := s.Grids.ImportGrids(ctx, grids); err != nil {
		tb.Fatal(err)
	}
	if err := s.Locate.Refresh(ctx); err != nil {
		tb.Fatal(err)
	}
	return s, ts
}

// cpuTime returns the CPU time (user and system) this process has used.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// load sends n requests made by newReq over benchClients keep-alive
// connections, checks each status and returns the process CPU time and
// wall time the n requests took.
func load(tb testing.TB, n int, newReq func() *http.Request) (cpu, wall time.Duration) {
	tb.Helper()
	return loadStatus(tb, n, newReq, http.StatusOK)
}

// loadStatus is load for requests that answer status.
func loadStatus(tb testing.TB, n int, newReq func() *http.Request, status int) (cpu, wall time.Duration) {
	tb.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: benchClients, MaxConnsPerHost: benchClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	do := func() error {
		res, err := client.Do(newReq())
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != status {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	}
	// Open the connections first: dialling is not per-request cost.
	var wg sync.WaitGroup
	for range benchClients {
		wg.Go(func() { do() })
	}
	wg.Wait()
	var left atomic.Int64
	left.Store(int64(n))
	var failed atomic.Value
	cpu0, t0 := cpuTime(tb), time.Now()
	for range benchClients {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if err := do(); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	wall, cpu = time.Since(t0), cpuTime(tb)-cpu0
	if err, _ := failed.Load().(error); err != nil {
		tb.Fatal(err)
	}
	return cpu, wall
}

// requestTargets returns the three targets of the request benchmarks: a
// bare net/http handler answering the same bytes as GET /api/v1/locate
// for a fixed point, that locate through the full Gridline handler, and
// GET /api/v1/grids/{code} of the point's grid.
func requestTargets(b *testing.B) (bareURL, locateURL, gridURL string) {
	s, full := demoServer(b)
	const lon, lat = 116.7582, 35.5788
	locateURL = fmt.Sprintf("%s/api/v1/locate?lon=%g&lat=%g", full.URL, lon, lat)
	loc, err := s.Locate.Locate(lon, lat, "")
	if err != nil {
		b.Fatal(err)
	}
	gridURL = full.URL + "/api/v1/grids/" + loc.Grid.Code
	res, err := http.Get(locateURL)
	if err != nil {
		b.Fatal(err)
	}
	answer, _ := io.ReadAll(res.Body)
	res.Body.Close()
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(answer)
	}))
	b.Cleanup(bare.Close)
	return bare.URL + fmt.Sprintf("/api/v1/locate?lon=%g&lat=%g", lon, lat), locateURL, gridURL
}

func get(url string) func() *http.Request {
	return func() *http.Request { r, _ := http.NewRequest("GET", url, nil); return r }
}

// BenchmarkRequestCost measures what one request costs in CPU, in one
// process and one run, for the three targets of requestTargets, each over
// loopback TCP with benchClients keep-alive connections. CPU is the whole
// process's, so the client's share is in every figure; the bare handler
// is there to take it out: full − bare is what Gridline adds per request.
// Each iteration is one request to each target. For a profile of one
// target alone, use BenchmarkRequest/NAME.
func BenchmarkRequestCost(b *testing.B) {
	bareURL, locateURL, gridURL := requestTargets(b)
	b.ResetTimer()
	cpuBare, _ := load(b, b.N, get(bareURL))
	cpuLocate, _ := load(b, b.N, get(locateURL))
	cpuGrid, _ := load(b, b.N, get(gridURL))
	b.StopTimer()
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(b.N) }
	b.ReportMetric(us(cpuBare), "bare-cpu-µs/req")
	b.ReportMetric(us(cpuLocate), "locate-cpu-µs/req")
	b.ReportMetric(us(cpuGrid), "grid-cpu-µs/req")
	b.ReportMetric(us(cpuLocate)/us(cpuBare), "locate/bare")
	b.ReportMetric(us(cpuGrid)/us(cpuBare), "grid/bare")
}

// BenchmarkRequest measures the targets one at a time, for profiles
// (go test -bench 'Request/locate' -cpuprofile …).
func BenchmarkRequest(b *testing.B) {
	bareURL, locateURL, gridURL := requestTargets(b)
	for _, t := range []struct{ name, url string }{{"bare", bareURL}, {"locate", locateURL}, {"grid", gridURL}} {
		b.Run(t.name, func(b *testing.B) {
			cpu, _ := load(b, b.N, get(t.url))
			b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(b.N), "cpu-µs/req")
		})
	}
}

// BenchmarkLocateBatch measures POST /api/v1/locate over loopback with
// benchClients keep-alive connections, each request a batch of random
// points in the demo county's bounding box (about 1 in 3 in no grid): the
// figure is points per second, compact answers (target ≥ 1,000,000), and
// the process CPU per point.
func BenchmarkLocateBatch(b *testing.B) {
	_, ts := demoServer(b)
	for _, n := range []int{1000, 10000, 100000} {
		body := batchBody(n, 1)
		for _, q := range []string{"", "?detail=true"} {
			b.Run(fmt.Sprintf("points=%d%s", n, strings.TrimPrefix(q, "?")), func(b *testing.B) {
				cpu, wall := load(b, b.N, func() *http.Request {
					r, _ := http.NewRequest("POST", ts.URL+"/api/v1/locate"+q, bytes.NewReader(body))
					return r
				})
				points := float64(b.N * n)
				b.ReportMetric(points/wall.Seconds(), "points/s")
				b.ReportMetric(float64(cpu.Nanoseconds())/points, "cpu-ns/point")
			})
		}
	}
}

// batchBody returns a batch locate body of n random points in the demo
// county's bounding box, six decimals each.
func batchBody(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 2))
	b := []byte(`{"points":[`)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "[%.6f,%.6f]", 116.62+rng.Float64()*0.37, 35.45+rng.Float64()*0.23)
	}
	return append(b, "]}"...)
}
