package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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

// runAttack is `gridline-load attack`: it sends a running server what the
// hostile-input review sent it, all at once — gzip bombs and a 200 MB CSV
// to the regions import, thousands of slow connections trickling headers
// and bodies — while a few workers make ordinary reads, and reports the
// readers' latency and the server's peak memory. Every address it uses is
// on loopback: the slow connections come from 127.0.1.1 (or, with
// --per-address, from as many 127.0.1.x addresses as that takes), the
// imports from 127.0.0.3 and the ordinary reads from 127.0.0.2.
func runAttack(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("gridline-load attack", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server base URL (loopback only)")
	token := fs.String("token", "", "API token (the imports need it)")
	duration := fs.Duration("duration", 30*time.Second, "how long the attack lasts (at most 5m)")
	slow := fs.Int("slow", 10000, "slow connections held at once (at most 15000)")
	perAddr := fs.Int("per-address", 15000, "slow connections per source address (the review's attacker used one)")
	bombMiB := fs.Int("bomb", 1024, "size of the gzip bomb's contents, MiB")
	csvMB := fs.Int("csv", 200, "size of the plain CSV, MB")
	pid := fs.Int("pid", 0, "server process id, to sample its memory (VmRSS)")
	readersOnly := fs.Bool("readers-only", false, "only make the ordinary reads (run the attack in another process, so the readers do not share its scheduler)")
	noReaders := fs.Bool("no-readers", false, "only attack")
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
	if *duration <= 0 || *duration > 5*time.Minute || *slow < 0 || *slow > 15000 || *perAddr < 1 {
		return errors.New("want 0 < duration ≤ 5m, 0 ≤ slow ≤ 15000, per-address ≥ 1")
	}
	addr := u.Host

	if *readersOnly {
		*slow, *bombMiB, *csvMB = 0, 0, 0
	}
	fmt.Fprintf(out, "building a gzip bomb of %d MiB …\n", *bombMiB)
	bomb, err := gzipBomb(int64(*bombMiB) << 20)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "bomb: %d bytes compressed\n", len(bomb))

	readers := clientFrom("127.0.0.2", 8)
	importer := clientFrom("127.0.0.3", 4)
	// Open the readers' keep-alive connections before the flood, as a
	// site's regular users (or the proxy in front) already have them.
	var warm sync.WaitGroup
	for i := 0; i < 4; i++ {
		warm.Add(1)
		go func() {
			defer warm.Done()
			if res, err := readers.Get(*base + "/api/v1/regions/370812"); err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		}()
	}
	warm.Wait()

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var wg sync.WaitGroup
	var peakRSS atomic.Int64
	if *pid > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); sampleRSS(ctx, *pid, &peakRSS) }()
	}

	var slowOpen, slowDials atomic.Int64
	for i := 0; i < *slow; i++ {
		src := fmt.Sprintf("127.0.1.%d", 1 + i / *perAddr % 250)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			slowConn(ctx, addr, src, i%2 == 0, &slowOpen, &slowDials)
		}(i)
	}

	imports := map[string]int{}
	var importsMu sync.Mutex
	post := func(name string, body func() io.Reader) {
		defer wg.Done()
		for ctx.Err() == nil {
			req, _ := http.NewRequestWithContext(ctx, "POST", *base+"/api/v1/regions/import", body())
			req.Header.Set("Authorization", "Bearer "+*token)
			t0 := time.Now()
			res, err := importer.Do(req)
			key := name + " error"
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				key = fmt.Sprintf("%s %d", name, res.StatusCode)
			}
			importsMu.Lock()
			imports[key]++
			importsMu.Unlock()
			if time.Since(t0) < 100*time.Millisecond {
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	if *bombMiB > 0 {
		wg.Add(1)
		go post("bomb", func() io.Reader { return bytes.NewReader(bomb) })
	}
	if *csvMB > 0 {
		wg.Add(1)
		go post("csv", func() io.Reader { return io.LimitReader(&csvRows{}, int64(*csvMB)*1e6) })
	}

	var mu sync.Mutex
	var lat []time.Duration
	status := map[int]int{}
	for w := 0; w < 4 && !*noReaders; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			paths := []string{"/api/v1/locate?lon=116.78&lat=35.55", "/api/v1/regions/370812", "/api/v1/grids?limit=5"}
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				res, err := readers.Get(*base + paths[(i+w)%len(paths)])
				if err != nil {
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mu.Lock()
				lat = append(lat, time.Since(t0))
				status[res.StatusCode]++
				mu.Unlock()
				time.Sleep(100 * time.Millisecond) // 40 requests/s in all: within the anonymous rate
			}
		}(w)
	}
	wg.Wait()

	if len(lat) == 0 && !*noReaders {
		return errors.New("no ordinary read was answered")
	}
	if *noReaders {
		lat = append(lat, 0)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Fprintf(out, "ordinary reads %d: p50 %s  p99 %s  max %s  status %v\n", len(lat), pct(.5), pct(.99), lat[len(lat)-1], status)
	fmt.Fprintf(out, "slow connections: %d dials, %d still open at the end\n", slowDials.Load(), slowOpen.Load())
	fmt.Fprintf(out, "imports: %v\n", imports)
	if *pid > 0 {
		fmt.Fprintf(out, "server peak RSS %d MB\n", peakRSS.Load()>>20)
	}
	return nil
}

func clientFrom(src string, conns int) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: conns,
		DisableCompression: true}, Timeout: 60 * time.Second}
}

// slowConn holds one connection that trickles, reconnecting whenever the
// server closes it: headers a byte every 3 s, or (withBody) a GET that
// announces a 100,000-byte body and sends it a byte every 3 s.
func slowConn(ctx context.Context, addr, src string, withBody bool, open, dials *atomic.Int64) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	for ctx.Err() == nil {
		c, err := d.DialContext(ctx, "tcp", addr)
		dials.Add(1)
		if err != nil {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		open.Add(1)
		head := "GET /api/v1/regions HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
		if !withBody {
			head = "GET /api/v1/regions HTTP/1.1\r\nHost: x\r\n"
		}
		_, err = io.WriteString(c, head)
		gone := make(chan struct{})
		go func() { io.Copy(io.Discard, bufio.NewReader(c)); close(gone) }()
		for err == nil {
			select {
			case <-ctx.Done():
				err = ctx.Err()
			case <-gone:
				err = io.EOF
			case <-time.After(3 * time.Second):
				_, err = c.Write([]byte("x"))
			}
		}
		c.Close()
		open.Add(-1)
		// Back to holding a connection a second later, as slowloris
		// does; a tighter loop is a connection flood, which belongs to
		// a firewall, not to this test.
		time.Sleep(time.Second)
	}
}

// gzipBomb compresses n bytes of one repeated CSV row.
func gzipBomb(n int64) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	row := []byte("11,北京市,province,\n")
	// The header first, so a parser reads on into the rows.
	if _, err := zw.Write([]byte("code,name,level,parent_code\n")); err != nil {
		return nil, err
	}
	chunk := bytes.Repeat(row, 64<<10/len(row))
	for written := int64(0); written < n; written += int64(len(chunk)) {
		if _, err := zw.Write(chunk); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// csvRows is an endless, plausible regions CSV.
type csvRows struct {
	n   int
	buf []byte
}

func (r *csvRows) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		if r.n == 0 {
			r.buf = []byte("code,name,level,parent_code\n")
		} else {
			r.buf = []byte(fmt.Sprintf("%012d,某村%d,village,%09d\n", r.n, r.n, r.n/1000))
		}
		r.n++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// sampleRSS keeps the peak resident memory of process pid.
func sampleRSS(ctx context.Context, pid int, peak *atomic.Int64) {
	for ctx.Err() == nil {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
					if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil && kb<<10 > peak.Load() {
						peak.Store(kb << 10)
					}
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}
