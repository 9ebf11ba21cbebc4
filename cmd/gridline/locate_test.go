package main

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/locate"
)

// TestLocateRowsChunks runs CSV of several chunks through the pipeline:
// quoted fields with newlines, commas and quotes, records cut by chunk
// ends, one record longer than a chunk, a reader that returns little at a
// time, one to four workers. The output must be the input's records in
// order, each with the codes Locate gives; a bad row must be named by its
// line.
func TestLocateRowsChunks(t *testing.T) {
	d, err := demo.Generate(1)
	if err != nil {
		t.Fatal(err)
	}
	grids := make([]*gridline.Grid, len(d.Grids))
	for i := range d.Grids {
		grids[i] = &d.Grids[i].Grid
	}
	idx := locate.NewIndex(grids, []*gridline.GridLayer{{Code: gridline.LayerComprehensive}, {Code: gridline.LayerParty}}, nil)

	rng := rand.New(rand.NewPCG(1, 2))
	var in, want bytes.Buffer
	in.WriteString("name,lon,lat\r\n")
	want.WriteString("name,lon,lat" + locateHeader + "\n")
	line, badLine := 2, 0
	for i := 0; in.Len() < 3*locateChunkSize; i++ {
		name := fmt.Sprintf("n%d", i)
		switch {
		case i == 5000:
			name = `"` + strings.Repeat("long\n", locateChunkSize/4) + `"`
		case rng.IntN(5) == 0:
			name = fmt.Sprintf("\"multi\nline \"\"%d\"\", with, commas\"", i)
		}
		// Six decimals, as written and read back.
		lon := math.Round((116.62+rng.Float64()*0.37)*1e6) / 1e6
		lat := math.Round((35.45+rng.Float64()*0.23)*1e6) / 1e6
		rec := fmt.Sprintf("%s,%s,%s", name, strconv.FormatFloat(lon, 'f', -1, 64), strconv.FormatFloat(lat, 'f', -1, 64))
		in.WriteString(rec + "\n")
		codes := ",,,,"
		if l, err := idx.Locate(lon, lat, ""); err == nil {
			codes = "," + strings.Join([]string{l.Grid.Code, l.Community.Code, l.Town.Code, l.County.Code}, ",")
		}
		want.WriteString(rec + codes + "\n")
		if i == 10000 {
			badLine = line
		}
		line += strings.Count(rec, "\n") + 1
	}
	for _, workers := range []int{1, 2, 4} {
		var out bytes.Buffer
		if _, err := locateRows(iotest.HalfReader(bytes.NewReader(in.Bytes())), &out, idx, "", workers); err != nil {
			t.Fatalf("%d workers: %v", workers, err)
		}
		if !bytes.Equal(out.Bytes(), want.Bytes()) {
			i := 0
			for i < min(out.Len(), want.Len()) && out.Bytes()[i] == want.Bytes()[i] {
				i++
			}
			t.Fatalf("%d workers: output differs at byte %d: %.80q, want %.80q", workers, i, out.Bytes()[max(i-40, 0):], want.Bytes()[max(i-40, 0):])
		}
	}

	// The same with row 10,000's latitude out of range.
	recs := strings.SplitAfter(in.String(), "\n")
	var bad bytes.Buffer
	n := -1
	for i := 0; i < len(recs); i++ {
		r := recs[i]
		if quotes := strings.Count(r, `"`); quotes%2 == 1 { // a record that goes on over the next lines
			var b strings.Builder
			b.WriteString(r)
			for ; quotes%2 == 1; quotes += strings.Count(recs[i], `"`) {
				i++
				b.WriteString(recs[i])
			}
			r = b.String()
		}
		if n == 10000 {
			r = r[:strings.LastIndexByte(r, ',')] + ",135\n"
		}
		n++
		bad.WriteString(r)
	}
	_, err = locateRows(bytes.NewReader(bad.Bytes()), new(bytes.Buffer), idx, "", 2)
	if want := fmt.Sprintf("line %d: latitude 135 is outside", badLine); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("bad row: %v, want %q", err, want)
	}
}
