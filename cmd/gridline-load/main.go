// Command gridline-load measures the throughput of a running Gridline
// server's locate endpoint: N workers send GET /api/v1/locate for random
// points in a bounding box over keep-alive connections, for a fixed time or
// number of requests, whichever ends first, then print requests/s, latency
// percentiles and status counts.
//
//	gridline-load [--url http://127.0.0.1:8080] [--duration 10s] [--requests 1000000]
//	              [--concurrency 8] [--bbox 116.62,35.45,116.99,35.68]
//	gridline-load attack [--url …] [--token T] [--duration 30s] [--slow 10000] [--pid N]
//
// The attack mode sends what a hostile client would (see runAttack) and
// reports ordinary reads' latency and the server's peak memory.
//
// It only talks to loopback addresses: it is a benchmark of our own server,
// not a tool to aim at other hosts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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
	if len(os.Args) > 1 && os.Args[1] == "attack" {
		run, os.Args = runAttack, append(os.Args[:1], os.Args[2:]...)
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
	if err := fs.Parse(args); err != nil {
		return err
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
	var b [4]float64
	parts := strings.Split(*bbox, ",")
	if len(parts) != 4 {
		return fmt.Errorf("--bbox: want 4 numbers, got %q", *bbox)
	}
	for i, p := range parts {
		if b[i], err = strconv.ParseFloat(strings.TrimSpace(p), 64); err != nil {
			return fmt.Errorf("--bbox: %v", err)
		}
	}

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
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			local := make([]time.Duration, 0, 1<<16)
			localStatus := map[int]int{}
			localErrs := 0
			for ctx.Err() == nil && sent.Add(1) <= *maxReq {
				lon := b[0] + rng.Float64()*(b[2]-b[0])
				lat := b[1] + rng.Float64()*(b[3]-b[1])
				q := fmt.Sprintf("%s/api/v1/locate?lon=%.6f&lat=%.6f", *base, lon, lat)
				if *layer != "" {
					q += "&layer=" + url.QueryEscape(*layer)
				}
				t0 := time.Now()
				res, err := client.Get(q)
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
		}(uint64(w) + 1)
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

// loopbackOnly refuses any host that does not resolve to loopback only.
func loopbackOnly(host string) error {
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
