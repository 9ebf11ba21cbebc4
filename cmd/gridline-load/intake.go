package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridline/gridline/sqlstore"
)

// runIntake is `gridline-load intake`: N clients post new cases to
// POST /api/v1/tickets over keep-alive connections for a fixed time, each
// at a random point of the bounding box with a short text, and it prints
// cases/s, latency percentiles and status counts. The server must have the
// token's writes enabled.
//
// With --db (the server's database), it then measures in the same run the
// database's raw single-row insert rate: as many clients insert one row
// each per write transaction into a scratch table (dropped at the end)
// through the store's own write path (its pools and pragmas), and it
// prints the ratio of intake to it.
//
// With --pid (the server's process id, on this machine), it also prints
// the server's CPU time (/proc/PID/stat) and its own (getrusage) over the
// posting, per case answered: the figures that say what a case costs
// when the rate only says what the other processes left.
//
// With --rate, the clients send at that many cases a second in all, each
// case at its turn on one schedule, and a case's latency counts from its
// turn, not from when a late client got to it (so a server that falls
// behind shows it); without, each client sends its next case as soon as
// the last is answered (the most the server takes).
//
//	gridline-load intake --url http://127.0.0.1:8080 --token T [--concurrency 64] [--duration 10s] [--rate N] [--db DSN] [--pid N]
func runIntake(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("gridline-load intake", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server base URL (loopback only)")
	token := fs.String("token", "", "API token")
	conc := fs.Int("concurrency", 64, "concurrent clients")
	duration := fs.Duration("duration", 10*time.Second, "how long to send (at most 5m)")
	dsn := fs.String("db", "", "the server's database (sqlite:PATH or postgres://…): also measure its raw single-row insert rate")
	pid := fs.Int("pid", 0, "the server's process id: print its CPU time and this process's per case")
	bbox := fs.String("bbox", "116.74,35.53,116.86,35.60", "minLon,minLat,maxLon,maxLat of the points (default: Yanzhou's streets)")
	rate := fs.Float64("rate", 0, "cases a second in all, paced on one schedule (0: as fast as the server answers)")
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
	if *token == "" || *conc < 1 || *conc > 512 || *duration <= 0 || *duration > 5*time.Minute || *rate < 0 {
		return errors.New("want --token, 1 ≤ concurrency ≤ 512, 0 < duration ≤ 5m, rate ≥ 0")
	}
	b, err := parseBBox(*bbox)
	if err != nil {
		return err
	}
	texts := []string{"小区门口路灯不亮，晚上很黑", "楼道里堆放杂物，存在消防隐患", "路边井盖破损，行人容易摔倒",
		"楼上装修噪音很大，影响休息", "小区垃圾桶满了没人清理", "路面有坑，下雨积水"}
	tr := &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	status := map[int]int{}
	var errs atomic.Int64
	var wg sync.WaitGroup
	serverCPU0, err := processCPU(*pid)
	if err != nil {
		return err
	}
	selfCPU0 := selfCPU()
	start := time.Now()
	var turn atomic.Int64 // the next case's place on the schedule (--rate)
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 11))
			var local []time.Duration
			localStatus := map[int]int{}
			for ctx.Err() == nil {
				body := fmt.Sprintf(`{"channel":"hotline","text":%q,"lon":%.6f,"lat":%.6f}`, texts[rng.IntN(len(texts))],
					b[0]+rng.Float64()*(b[2]-b[0]), b[1]+rng.Float64()*(b[3]-b[1]))
				req, _ := http.NewRequestWithContext(ctx, "POST", *base+"/api/v1/tickets", bytes.NewReader([]byte(body)))
				req.Header.Set("Authorization", "Bearer "+*token)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				if *rate > 0 {
					t0 = start.Add(time.Duration(float64(turn.Add(1)-1) / *rate * float64(time.Second)))
					if wait := time.Until(t0); wait > 0 {
						select {
						case <-time.After(wait):
						case <-ctx.Done():
							continue
						}
					}
				}
				res, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
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
			mu.Unlock()
		}(uint64(w) + 1)
	}
	wg.Wait()
	elapsed := time.Since(start)
	serverCPU1, err := processCPU(*pid)
	if err != nil {
		return err
	}
	selfCPU1 := selfCPU()
	if len(lat) == 0 {
		return fmt.Errorf("no case was answered (%d errors)", errs.Load())
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Fprintf(out, "cases        %d in %s (%d clients)\n", len(lat), elapsed.Round(time.Millisecond), *conc)
	if *rate > 0 {
		fmt.Fprintf(out, "paced        %.0f cases/s asked; latency from each case's turn\n", *rate)
	}
	fmt.Fprintf(out, "throughput   %.0f cases/s\n", float64(status[201])/elapsed.Seconds())
	fmt.Fprintf(out, "latency      p50 %s  p90 %s  p99 %s  max %s\n", pct(.5), pct(.9), pct(.99), lat[len(lat)-1])
	fmt.Fprintf(out, "status       %v  errors %d\n", status, errs.Load())
	if *pid > 0 {
		n := time.Duration(len(lat))
		fmt.Fprintf(out, "cpu per case server %d µs  client %d µs  (server %s, client %s in all)\n",
			((serverCPU1 - serverCPU0) / n).Microseconds(), ((selfCPU1 - selfCPU0) / n).Microseconds(),
			(serverCPU1 - serverCPU0).Round(time.Millisecond), (selfCPU1 - selfCPU0).Round(time.Millisecond))
	}
	if *dsn == "" {
		return nil
	}
	raw, err := rawInserts(*dsn, *conc, *duration)
	if err != nil {
		return fmt.Errorf("raw inserts: %w", err)
	}
	fmt.Fprintf(out, "raw inserts  %.0f rows/s (one row a transaction, %d clients)\n", raw, *conc)
	fmt.Fprintf(out, "ratio        %.2f (intake ÷ raw inserts)\n", float64(status[201])/elapsed.Seconds()/raw)
	return nil
}

// rawInserts measures single-row write transactions per second on the
// database at dsn, from conc clients for d.
func rawInserts(dsn string, conc int, d time.Duration) (float64, error) {
	db := sqlstore.NewDB(dsn)
	bg := context.Background()
	if err := db.Open(bg); err != nil {
		return 0, err
	}
	defer db.Close()
	exec := func(q string, args ...any) error {
		tx, err := db.BeginTx(bg, true)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(bg, q, args...); err != nil {
			return err
		}
		return tx.Commit()
	}
	exec(`DROP TABLE IF EXISTS gl_load_raw`)
	if err := exec(`CREATE TABLE gl_load_raw (id BIGINT PRIMARY KEY, at TIMESTAMP NOT NULL, text TEXT NOT NULL)`); err != nil {
		return 0, err
	}
	defer exec(`DROP TABLE gl_load_raw`)
	ctx, cancel := context.WithTimeout(bg, d)
	defer cancel()
	var n atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				id := n.Add(1)
				if err := exec(`INSERT INTO gl_load_raw (id, at, text) VALUES ($1, $2, $3)`, id, time.Now().UTC(),
					"小区门口路灯不亮，晚上很黑"); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return 0, err
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}
