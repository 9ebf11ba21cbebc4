package locate_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/demo"
	"github.com/gridline/gridline/locate"
	"github.com/paulmach/orb"
)

var (
	demoOnce    sync.Once
	demoLocator *locate.Index
	demoPoints  []orb.Point
)

// demoIndex returns a locator over the Yanzhou demo's 643 grids and 4,096
// random points inside the county, about 1 in 6 of them in no grid.
func demoIndex(tb testing.TB) (*locate.Index, []orb.Point) {
	demoOnce.Do(func() {
		d, err := demo.Generate(1)
		if err != nil {
			tb.Fatal(err)
		}
		grids := make([]*gridline.Grid, len(d.Grids))
		for i := range d.Grids {
			grids[i] = &d.Grids[i].Grid
		}
		layers := []*gridline.GridLayer{{Code: gridline.LayerComprehensive}, {Code: gridline.LayerParty}}
		demoLocator = locate.NewIndex(grids, layers, map[string]string{})
		county := gridline.Polygon(d.County.Geometry)
		b := county.Bound()
		rng := rand.New(rand.NewPCG(1, 2))
		for len(demoPoints) < 4096 {
			pt := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
			// Most lookups are for places inside the district; keep a
			// share of misses (the county's bounding box outside it).
			if county.Contains(pt) || rng.IntN(6) == 0 {
				demoPoints = append(demoPoints, pt)
			}
		}
	})
	return demoLocator, demoPoints
}

// TestLocateDemo checks that every point of the demo county is in exactly
// one grid (the demo's grids tile it) and that misses are misses.
func TestLocateDemo(t *testing.T) {
	l, pts := demoIndex(t)
	found := 0
	for _, pt := range pts {
		if _, err := l.Locate(pt[0], pt[1], ""); err == nil {
			found++
		} else if gridline.ErrorCode(err) != gridline.ENOTFOUND {
			t.Fatal(err)
		}
	}
	if found < len(pts)*3/4 {
		t.Fatalf("only %d of %d points located", found, len(pts))
	}
}

// TestLocateEachDemo checks that LocateEach answers as Locate does, point
// by point, with and without a layer.
func TestLocateEachDemo(t *testing.T) {
	l, pts := demoIndex(t)
	for _, layer := range []string{"", gridline.LayerParty} {
		next := 0
		err := l.LocateEach(pts, layer, func(i int, got *gridline.Location) {
			if i != next {
				t.Fatalf("called for point %d, want %d", i, next)
			}
			next++
			want, err := l.Locate(pts[i][0], pts[i][1], layer)
			if gridline.ErrorCode(err) == gridline.ENOTFOUND {
				if got != nil {
					t.Errorf("layer %q, %v: LocateEach says %s, Locate finds no grid", layer, pts[i], got.Grid.Code)
				}
				return
			}
			if err != nil || got == nil || *got != want {
				t.Errorf("layer %q, %v: LocateEach says %+v, Locate %+v (%v)", layer, pts[i], got, want, err)
			}
		})
		if err != nil || next != len(pts) {
			t.Fatalf("layer %q: %v after %d of %d points", layer, err, next, len(pts))
		}
	}
	err := l.LocateEach(pts, "nope", func(int, *gridline.Location) { t.Fatal("called for an unknown layer") })
	if gridline.ErrorFields(err)["layer"] == "" {
		t.Fatalf("unknown layer: %v", err)
	}
	var none *locate.Index
	n := 0
	if err := none.LocateEach(pts[:3], "", func(_ int, loc *gridline.Location) {
		if loc != nil {
			t.Fatal("a nil index located a point")
		}
		n++
	}); err != nil || n != 3 {
		t.Fatalf("nil index: %v, %d calls", err, n)
	}
}

// BenchmarkLocateEach measures batch lookups: no error value for a miss.
func BenchmarkLocateEach(b *testing.B) {
	l, pts := demoIndex(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		l.LocateEach(pts, "", func(int, *gridline.Location) {})
		n += len(pts)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkLocate measures point → grid lookups over the demo's grids on
// one goroutine (target: ≥ 1,000,000 lookups/s on one core).
func BenchmarkLocate(b *testing.B) {
	l, pts := demoIndex(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pt := pts[i&4095]
		l.Locate(pt[0], pt[1], "")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkLocateParallel uses every core.
func BenchmarkLocateParallel(b *testing.B) {
	l, pts := demoIndex(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(p *testing.PB) {
		i := 0
		for p.Next() {
			pt := pts[i&4095]
			l.Locate(pt[0], pt[1], "")
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkLocateLinearScan is the baseline the R-tree is measured
// against: every grid's bounding box, then the polygon test.
func BenchmarkLocateLinearScan(b *testing.B) {
	_, pts := demoIndex(b)
	d, err := demo.Generate(1)
	if err != nil {
		b.Fatal(err)
	}
	type entry struct {
		bound orb.Bound
		poly  gridline.Polygon
	}
	grids := make([]entry, len(d.Grids))
	for i := range d.Grids {
		grids[i] = entry{d.Grids[i].Geometry.Bound(), d.Grids[i].Geometry}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pt := pts[i&4095]
		for _, g := range grids {
			if g.bound.Contains(pt) && g.poly.Contains(pt) {
				break
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}
