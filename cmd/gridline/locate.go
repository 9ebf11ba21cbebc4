package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/locate"
	"github.com/gridline/gridline/sqlstore"
	"github.com/paulmach/orb"
)

// locateCSV writes file's rows to stdout with the grid, community, town
// and county codes of each row's point appended, from a locate index
// built once from the database.
func (m *Main) locateCSV(ctx context.Context, file, layer string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	loc := locate.New(sqlstore.NewServices(m.DB, nil))
	loc.Logger = m.logger
	if err := loc.Refresh(ctx); err != nil {
		return fmt.Errorf("build locate index: %w", err)
	}
	// An unknown layer fails here, before any output.
	if err := loc.LocateEach(nil, layer, nil); err != nil {
		return err
	}
	m.logger.Info("locate index built", "grids", loc.Len(), "took", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	rows, err := locateRows(f, m.Stdout, loc, layer, runtime.GOMAXPROCS(0))
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	m.logger.Info("located", "rows", rows, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// locateChunkSize is how many bytes of CSV a worker takes at a time:
// large enough that a chunk is one write, small enough that the
// pipeline's few chunks in flight stay a few megabytes.
const locateChunkSize = 256 << 10

// locateHeader is appended to a header row.
const locateHeader = ",grid_code,community_code,town_code,county_code"

// chunk is a run of whole CSV records and, once a worker has done it,
// their output.
type chunk struct {
	data []byte
	line int // line number of data's first byte
	out  []byte
	rows int
	err  error
	done chan struct{}
}

// batchLocator is the part of gridline.LocateService locateRows uses.
type batchLocator interface {
	LocateEach(pts []orb.Point, layer string, fn func(i int, loc *gridline.Location)) error
}

// columns says where lon and lat are.
type columns struct{ lon, lat int }

// locateRows copies CSV records from r to w, each with its point's codes
// appended. The first line is a header if it names lon and lat columns;
// otherwise lon and lat are the first two columns. It reads, locates and
// writes as a pipeline: one reader cuts the input into chunks of whole
// records, workers locate them in parallel, and the writer writes them in
// input order. The first bad row stops it with its line number; output
// before that row's chunk has been written.
func locateRows(r io.Reader, w io.Writer, loc batchLocator, layer string, workers int) (int, error) {
	in := &chunker{r: r}
	first, err := in.next()
	if err != nil || first == nil {
		return 0, err
	}
	cols, header, err := detectColumns(first.data)
	if err != nil {
		return 0, err
	}
	if header {
		rec := firstRecord(first.data)
		out := append(bytes.Clone(bytes.TrimRight(first.data[:rec], "\r\n")), locateHeader+"\n"...)
		if _, err := w.Write(out); err != nil {
			return 0, err
		}
		first.line += bytes.Count(first.data[:rec], []byte("\n"))
		first.data = first.data[rec:]
	}

	jobs := make(chan *chunk, workers)
	order := make(chan *chunk, 2*workers)
	stop := make(chan struct{})
	for range workers {
		go func() {
			for c := range jobs {
				c.out, c.rows, c.err = locateChunk(c, cols, loc, layer)
				close(c.done)
			}
		}()
	}
	go func() {
		defer close(jobs)
		defer close(order)
		for c := first; c != nil; {
			c.done = make(chan struct{})
			select {
			case order <- c:
			case <-stop:
				return
			}
			jobs <- c
			var err error
			if c, err = in.next(); err != nil {
				failed := &chunk{err: err, done: make(chan struct{})}
				close(failed.done)
				order <- failed
				return
			}
		}
	}()
	rows := 0
	var failed error
	for c := range order {
		<-c.done
		if failed != nil {
			continue
		}
		if c.err == nil {
			_, c.err = w.Write(c.out)
		}
		if c.err != nil {
			failed = c.err
			close(stop)
			continue
		}
		rows += c.rows
	}
	return rows, failed
}

// chunker cuts a reader into chunks of whole records.
type chunker struct {
	r     io.Reader
	carry []byte // the start of a record the last chunk cut off
	line  int    // line number of carry's first byte, from 0
	eof   bool
}

// next returns the next chunk, or nil at the end.
func (c *chunker) next() (*chunk, error) {
	if c.eof && len(c.carry) == 0 {
		return nil, nil
	}
	buf := make([]byte, len(c.carry), max(locateChunkSize, 2*len(c.carry)))
	copy(buf, c.carry)
	for !c.eof && len(buf) < cap(buf) {
		n, err := c.r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			c.eof = true
		} else if err != nil {
			return nil, err
		}
	}
	cut := len(buf)
	if !c.eof {
		cut = lastRecordEnd(buf)
		if cut == 0 {
			// One record longer than a chunk: read on with a larger one.
			c.carry = buf
			return c.next()
		}
	}
	ch := &chunk{data: buf[:cut], line: c.line + 1}
	c.line += bytes.Count(ch.data, []byte("\n"))
	c.carry = buf[cut:]
	return ch, nil
}

// lastRecordEnd returns the length of the longest prefix of b made of
// whole records (each ended by a newline outside quotes), 0 if none.
func lastRecordEnd(b []byte) int {
	if bytes.IndexByte(b, '"') < 0 {
		return bytes.LastIndexByte(b, '\n') + 1
	}
	end, quoted := 0, false
	for i, c := range b {
		switch {
		case c == '"':
			quoted = !quoted // an escaped "" toggles twice
		case c == '\n' && !quoted:
			end = i + 1
		}
	}
	return end
}

// firstRecord returns the length of b's first record with its newline.
func firstRecord(b []byte) int {
	quoted := false
	for i, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\n' && !quoted:
			return i + 1
		}
	}
	return len(b)
}

// The header names taken for the lon and lat columns, compared in lower
// case.
var (
	lonNames = []string{"lon", "lng", "long", "longitude", "x", "经度"}
	latNames = []string{"lat", "latitude", "y", "纬度"}
)

// detectColumns reads the first record of data: a header if it names a
// lon and a lat column, else a data row with lon and lat first.
func detectColumns(data []byte) (columns, bool, error) {
	rec := bytes.TrimRight(data[:firstRecord(data)], "\r\n")
	rec = bytes.TrimPrefix(rec, []byte("\ufeff")) // spreadsheets start with a byte order mark
	cols := columns{-1, -1}
	for i := 0; ; i++ {
		f, ok := csvField(rec, i)
		if !ok {
			break
		}
		name := strings.ToLower(string(bytes.TrimSpace(f)))
		for _, n := range lonNames {
			if name == n && cols.lon < 0 {
				cols.lon = i
			}
		}
		for _, n := range latNames {
			if name == n && cols.lat < 0 {
				cols.lat = i
			}
		}
	}
	if cols.lon >= 0 && cols.lat >= 0 {
		return cols, true, nil
	}
	if _, _, err := lonLat(rec, columns{0, 1}); err == nil {
		return columns{0, 1}, false, nil
	}
	return columns{}, false, gridline.Errorf(gridline.EINVALID,
		"line 1: want a header naming lon and lat columns, or lon,lat numbers in the first two columns")
}

// locateChunk parses, locates and formats the records of c.
func locateChunk(c *chunk, cols columns, loc batchLocator, layer string) ([]byte, int, error) {
	type span struct{ start, end int }
	recs := make([]span, 0, len(c.data)/24)
	pts := make([]orb.Point, 0, len(c.data)/24)
	line := c.line
	for pos := 0; pos < len(c.data); {
		n := firstRecord(c.data[pos:])
		rec := c.data[pos : pos+n]
		lines := bytes.Count(rec, []byte("\n"))
		rec = bytes.TrimRight(rec, "\r\n")
		if len(bytes.TrimSpace(rec)) > 0 {
			lon, lat, err := lonLat(rec, cols)
			if err != nil {
				return nil, 0, gridline.Errorf(gridline.EINVALID, "line %d: %s", line, gridline.ErrorMessage(err))
			}
			recs = append(recs, span{pos, pos + len(rec)})
			pts = append(pts, orb.Point{lon, lat})
		}
		pos += n
		line += max(lines, 1)
	}
	out := make([]byte, 0, len(c.data)+len(recs)*48)
	err := loc.LocateEach(pts, layer, func(i int, l *gridline.Location) {
		out = append(out, c.data[recs[i].start:recs[i].end]...)
		if l == nil {
			out = append(out, ",,,,\n"...)
			return
		}
		for _, code := range [...]string{l.Grid.Code, l.Community.Code, l.Town.Code, l.County.Code} {
			out = append(out, ',')
			out = append(out, code...)
		}
		out = append(out, '\n')
	})
	return out, len(recs), err
}

// lonLat reads and validates the point of one record.
func lonLat(rec []byte, cols columns) (lon, lat float64, err error) {
	var v [2]float64
	for k, col := range [2]int{cols.lon, cols.lat} {
		name := [2]string{"lon", "lat"}[k]
		f, ok := csvField(rec, col)
		if !ok {
			return 0, 0, gridline.Errorf(gridline.EINVALID, "no %s (column %d)", name, col+1)
		}
		f = bytes.TrimSpace(f)
		if v[k], err = strconv.ParseFloat(string(f), 64); err != nil {
			return 0, 0, gridline.Errorf(gridline.EINVALID, "%s %q is not a number", name, f)
		}
	}
	if msg := gridline.ValidateLonLat(v[0], v[1]); msg != "" {
		return 0, 0, gridline.Errorf(gridline.EINVALID, "%s", msg)
	}
	return v[0], v[1], nil
}

// csvField returns field col of a CSV record, unquoted if it is quoted
// (a doubled quote inside stays doubled: no number has one).
func csvField(rec []byte, col int) ([]byte, bool) {
	for i := 0; ; i++ {
		var f []byte
		if len(rec) > 0 && rec[0] == '"' {
			j := 1
			for {
				k := bytes.IndexByte(rec[j:], '"')
				if k < 0 {
					return nil, false
				}
				j += k + 1
				if j < len(rec) && rec[j] == '"' {
					j++
					continue
				}
				break
			}
			f, rec = rec[1:j-1], rec[j:]
			if len(rec) > 0 && rec[0] != ',' {
				return nil, false
			}
		} else {
			k := bytes.IndexByte(rec, ',')
			if k < 0 {
				k = len(rec)
			}
			f, rec = rec[:k], rec[k:]
		}
		if i == col {
			return f, true
		}
		if len(rec) == 0 {
			return nil, false
		}
		rec = rec[1:]
	}
}
