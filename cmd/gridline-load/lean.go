package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// The lean clients take the load generator's own cost out of a
// comparison that runs client and server on the same two cores, as wrk
// does for HTTP servers: requests are made before the clock starts and
// answers are read without building objects. net/http's client spends
// more CPU per request than Gridline's whole handler chain, and pgx's
// QueryRow more than its wire protocol needs, so with the standard
// clients a comparison measures the clients as much as the servers.
// Both sides get a lean client, so the ratio stays fair.

// leanRequests makes one GET request per point, as bytes on the wire.
func leanRequests(host string, pts [][2]float64, layer string) [][]byte {
	reqs := make([][]byte, len(pts))
	for i, p := range pts {
		b := make([]byte, 0, 128)
		b = append(b, "GET /api/v1/locate?lon="...)
		b = strconv.AppendFloat(b, p[0], 'f', -1, 64)
		b = append(b, "&lat="...)
		b = strconv.AppendFloat(b, p[1], 'f', -1, 64)
		if layer != "" {
			b = append(b, "&layer="...)
			b = append(b, layer...)
		}
		b = append(b, " HTTP/1.1\r\nHost: "...)
		b = append(b, host...)
		b = append(b, "\r\n\r\n"...)
		reqs[i] = b
	}
	return reqs
}

// leanResult is what one lean worker saw.
type leanResult struct {
	lat    []time.Duration
	status map[int]int
	err    error
}

// leanGet sends reqs in turn over conc keep-alive connections to addr,
// one request in flight on each, until ctx ends or maxReq are sent, and
// reads each answer's status line, headers and Content-Length body.
func leanGet(ctx context.Context, addr string, reqs [][]byte, conc int, maxReq int64) []leanResult {
	var next, sent atomic.Int64
	out := make([]leanResult, conc)
	var wg sync.WaitGroup
	for w := range conc {
		wg.Go(func() {
			r := &out[w]
			r.status = map[int]int{}
			r.lat = make([]time.Duration, 0, 1<<16)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				r.err = err
				return
			}
			defer c.Close()
			br := bufio.NewReaderSize(c, 16<<10)
			for ctx.Err() == nil && sent.Add(1) <= maxReq {
				req := reqs[int(next.Add(1)-1)%len(reqs)]
				t0 := time.Now()
				if _, err := c.Write(req); err != nil {
					r.err = err
					return
				}
				code, err := readResponse(br)
				if err != nil {
					r.err = err
					return
				}
				r.lat = append(r.lat, time.Since(t0))
				r.status[code]++
			}
		})
	}
	wg.Wait()
	return out
}

// readResponse reads one HTTP/1.1 response with a Content-Length body
// and returns its status code; a chunked or length-less answer is an
// error (Gridline's locate answers are short and always carry a length).
func readResponse(br *bufio.Reader) (int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length := -1
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(h) <= 2 {
			break
		}
		const cl = "content-length:"
		if len(h) > len(cl) && bytes.EqualFold(h[:len(cl)], []byte(cl)) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(h[len(cl):]))); err != nil {
				return 0, fmt.Errorf("bad header %q", h)
			}
		}
	}
	if length < 0 {
		return 0, errors.New("an answer without Content-Length")
	}
	if _, err := br.Discard(length); err != nil {
		return 0, err
	}
	return code, nil
}

// measureLean is measure with pgx's low-level connection: the prepared
// lookup is executed with its two parameters as text made before the
// clock starts, and the row is read as bytes, not scanned.
func measureLean(ctx context.Context, cfg *pgx.ConnConfig, pts [][2]float64, n int, d time.Duration) (int64, time.Duration, error) {
	params := make([][2][]byte, len(pts))
	for i, p := range pts {
		params[i] = [2][]byte{strconv.AppendFloat(nil, p[0], 'f', -1, 64), strconv.AppendFloat(nil, p[1], 'f', -1, 64)}
	}
	conns, err := lookupConns(ctx, cfg, n)
	defer closeConns(ctx, conns)
	if err != nil {
		return 0, 0, err
	}
	var next, done atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for _, c := range conns {
		pc := c.PgConn()
		wg.Go(func() {
			args := make([][]byte, 2)
			for time.Now().Before(deadline) {
				p := params[int(next.Add(1)-1)%len(params)]
				args[0], args[1] = p[0], p[1]
				rr := pc.ExecPrepared(ctx, "lookup", args, nil, nil)
				for rr.NextRow() {
					_ = rr.Values()
				}
				if _, err := rr.Close(); err != nil {
					failed.Store(err)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	if err, _ := failed.Load().(error); err != nil {
		return 0, 0, err
	}
	return done.Load(), took, nil
}
