// Command gridline-load measures the throughput of a running Gridline
// server's locate endpoint: N workers send GET /api/v1/locate for points
// over keep-alive connections — or, with --batch, POST /api/v1/locate with
// that many points a request — for a fixed time or number of requests,
// whichever ends first, then print requests/s (and points/s), latency
// percentiles and status counts.
//
//	gridline-load [--url http://127.0.0.1:8080] [--duration 10s] [--requests 1000000]
//	              [--concurrency 8] [--bbox 116.62,35.45,116.99,35.68 | --points FILE.csv]
//	              [--batch 10000] [--client std|lean]
//	gridline-load attack [--url …] [--token T] [--duration 30s] [--slow 10000] [--pid N]
//	gridline-load intake [--url …] --token T [--concurrency 64] [--duration 10s] [--db DSN] [--pid N]
//	gridline-load postgis --dsn postgres://…/scratch --points FILE.csv [--conns 4,16] [--client std|lean]
//
// The points are 100,000 random points in the bounding box, or those of
// FILE.csv (lon,lat lines, a header line allowed), taken in turn by all
// workers, so runs against other systems can use the same points.
//
// The attack mode sends what a hostile client would (see runAttack) and
// reports ordinary reads' latency and the server's peak memory.
//
// It only talks to loopback addresses: it is a benchmark of our own server,
// not a tool to aim at other hosts.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	run := run
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "attack":
			run, os.Args = runAttack, append(os.Args[:1], os.Args[2:]...)
		case "postgis":
			run, os.Args = runPostGIS, append(os.Args[:1], os.Args[2:]...)
		case "intake":
			run, os.Args = runIntake, append(os.Args[:1], os.Args[2:]...)
		}
	}
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gridline-load:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("gridline-load", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server base URL (loopback only)")
	duration := fs.Duration("duration", 10*time.Second, "how long to send requests (at most 5m)")
	maxReq := fs.Int64("requests", 1_000_000, "stop after this many requests")
	conc := fs.Int("concurrency", 8, "concurrent workers")
	bbox := fs.String("bbox", "116.62,35.45,116.99,35.68", "minLon,minLat,maxLon,maxLat of the random points (default: Yanzhou)")
	layer := fs.String("layer", "", "layer parameter, if any")
	pointsFile := fs.String("points", "", "CSV file of lon,lat points to use instead of random ones")
	batch := fs.Int("batch", 0, "points a request: POST /api/v1/locate with this many (0: GET one point a request)")
	clientKind := fs.String("client", "std", "GET client: std (net/http) or lean (requests made beforehand, answers read as bytes; see lean.go)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clientKind != "std" && *clientKind != "lean" {
		return errors.New("--client: want std or lean")
	}
	if *clientKind == "lean" && *batch > 0 {
		return errors.New("--client lean: for GET only (a batch's cost is the server's, not the client's)")
	}
	if *batch < 0 || *batch > 100_000 {
		return errors.New("--batch: want 0 (GET) to 100000 points a request")
	}
	u, err := url.Parse(*base)
	if err != nil {
		return err
	}
	if err := loopbackOnly(u.Hostname()); err != nil {
		return err
	}
	if *duration <= 0 || *duration > 5*time.Minute || *conc < 1 || *conc > 256 || *maxReq < 1 {
		return errors.New("want 0 < duration ≤ 5m, 1 ≤ concurrency ≤ 256, requests ≥ 1")
	}
	var pts [][2]float64
	if *pointsFile != "" {
		if pts, err = readPoints(*pointsFile); err != nil {
			return err
		}
	} else if pts, err = randomPoints(*bbox, 100_000); err != nil {
		return err
	}
	// Batch bodies are made before the clock starts: the load generator
	// shares the machine with the server, and its own work should not be
	// what is measured.
	var bodies [][]byte
	for i := 0; *batch > 0 && i < len(pts); i += *batch {
		bodies = append(bodies, batchBody(pts[i:min(i+*batch, len(pts))], *layer))
	}
	var next atomic.Int64 // next point (or body) to send

	tr := &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()

	var sent atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	status := map[int]int{}
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	if *clientKind == "lean" {
		reqs := leanRequests(u.Host, pts, url.QueryEscape(*layer))
		start = time.Now()
		for _, r := range leanGet(ctx, u.Host, reqs, *conc, *maxReq) {
			lat = append(lat, r.lat...)
			for k, v := range r.status {
				status[k] += v
			}
			if r.err != nil && ctx.Err() == nil {
				errs++
			}
		}
	}
	for w := 0; w < *conc && *clientKind == "std"; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<16)
			localStatus := map[int]int{}
			localErrs := 0
			for ctx.Err() == nil && sent.Add(1) <= *maxReq {
				var req *http.Request
				if bodies != nil {
					body := bodies[int(next.Add(1)-1)%len(bodies)]
					req, _ = http.NewRequestWithContext(ctx, "POST", *base+"/api/v1/locate", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
				} else {
					pt := pts[int(next.Add(1)-1)%len(pts)]
					q := *base + "/api/v1/locate?lon=" + strconv.FormatFloat(pt[0], 'f', -1, 64) + "&lat=" + strconv.FormatFloat(pt[1], 'f', -1, 64)
					if *layer != "" {
						q += "&layer=" + url.QueryEscape(*layer)
					}
					req, _ = http.NewRequestWithContext(ctx, "GET", q, nil)
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						localErrs++
					}
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				local = append(local, time.Since(t0))
				localStatus[res.StatusCode]++
			}
			mu.Lock()
			lat = append(lat, local...)
			for k, v := range localStatus {
				status[k] += v
			}
			errs += localErrs
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return fmt.Errorf("no request succeeded (%d errors)", errs)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Fprintf(out, "requests     %d in %s (%d workers)\n", len(lat), elapsed.Round(time.Millisecond), *conc)
	fmt.Fprintf(out, "throughput   %.0f requests/s\n", float64(len(lat))/elapsed.Seconds())
	if bodies != nil {
		// Bodies differ in size only at the end of the points.
		fmt.Fprintf(out, "points       %.0f points/s (%d a request)\n", float64(len(lat))*float64(min(*batch, len(pts)))/elapsed.Seconds(), min(*batch, len(pts)))
	}
	fmt.Fprintf(out, "latency      p50 %s  p90 %s  p99 %s  max %s\n", pct(.5), pct(.9), pct(.99), lat[len(lat)-1])
	codes := make([]int, 0, len(status))
	for k := range status {
		codes = append(codes, k)
	}
	sort.Ints(codes)
	fmt.Fprint(out, "status      ")
	for _, c := range codes {
		fmt.Fprintf(out, " %d×%d", c, status[c])
	}
	fmt.Fprintf(out, "  errors %d\n", errs)
	return nil
}

// loopbackOnly refuses any host that does not resolve to loopback only; a
// Unix socket directory (PostgreSQL's host=/run/postgresql) is local too.
func loopbackOnly(host string) error {
	if strings.HasPrefix(host, "/") {
		return nil
	}
	ips, err := net.LookupIP(host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("%s resolves to %s: gridline-load only targets loopback addresses", host, ip)
		}
	}
	return nil
}

// parseBBox reads "minLon,minLat,maxLon,maxLat".
func parseBBox(bbox string) ([4]float64, error) {
	var b [4]float64
	parts := strings.Split(bbox, ",")
	if len(parts) != 4 {
		return b, fmt.Errorf("--bbox: want 4 numbers, got %q", bbox)
	}
	for i, p := range parts {
		var err error
		if b[i], err = strconv.ParseFloat(strings.TrimSpace(p), 64); err != nil {
			return b, fmt.Errorf("--bbox: %v", err)
		}
	}
	return b, nil
}

// randomPoints returns n random points in bbox ("minLon,minLat,maxLon,maxLat"),
// the same on every run.
func randomPoints(bbox string, n int) ([][2]float64, error) {
	b, err := parseBBox(bbox)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 7))
	pts := make([][2]float64, n)
	for i := range pts {
		// Six decimals (about 0.1 m), as a GPS track has them.
		pts[i] = [2]float64{
			math.Round((b[0]+rng.Float64()*(b[2]-b[0]))*1e6) / 1e6,
			math.Round((b[1]+rng.Float64()*(b[3]-b[1]))*1e6) / 1e6,
		}
	}
	return pts, nil
}

// readPoints reads lon,lat lines; a first line that is not two numbers is
// a header.
func readPoints(file string) ([][2]float64, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var pts [][2]float64
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		lon, lat, ok := strings.Cut(strings.TrimSpace(line), ",")
		x, err1 := strconv.ParseFloat(lon, 64)
		y, err2 := strconv.ParseFloat(lat, 64)
		if !ok || err1 != nil || err2 != nil {
			if i == 0 {
				continue
			}
			return nil, fmt.Errorf("%s line %d: want lon,lat", file, i+1)
		}
		pts = append(pts, [2]float64{x, y})
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("%s: no points", file)
	}
	return pts, nil
}

// batchBody returns a POST /api/v1/locate body for pts.
func batchBody(pts [][2]float64, layer string) []byte {
	b := []byte(`{"points":[`)
	for i, p := range pts {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendFloat(b, p[0], 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, p[1], 'f', -1, 64)
		b = append(b, ']')
	}
	b = append(b, ']')
	if layer != "" {
		b = append(b, `,"layer":`...)
		b = strconv.AppendQuote(b, layer)
	}
	return append(b, '}')
}
