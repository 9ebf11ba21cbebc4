package gridline_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

// A typical grid has 20–200 vertices. The Ref benchmarks run the old
// quadratic code on the same shapes, as the baseline for docs/benchmarks.md;
// they stop where one run would take minutes.

var benchSizes = []int{20, 200, 1_000, 10_000, 100_000}

func benchPolygon(n int) gridline.Polygon {
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	return gridline.Polygon{star(rng, orb.Point{116.8, 35.5}, n, 0.005, 0.01)}
}

func BenchmarkValidate(b *testing.B) {
	for _, n := range benchSizes {
		p := benchPolygon(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := p.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkValidateRef(b *testing.B) {
	for _, n := range benchSizes[:4] {
		p := benchPolygon(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := refValidate(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOverlapsSharedEdge(b *testing.B) {
	for _, n := range benchSizes {
		west, east := neighbours(rand.New(rand.NewPCG(uint64(n), 2)), n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, ok := gridline.Overlaps(west, east, gridline.OverlapToleranceM); ok {
					b.Fatal("neighbours overlap")
				}
			}
		})
	}
}

func BenchmarkOverlapsSharedEdgeRef(b *testing.B) {
	for _, n := range benchSizes[:3] {
		west, east := neighbours(rand.New(rand.NewPCG(uint64(n), 2)), n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, ok := refOverlaps(west, east, gridline.OverlapToleranceM); ok {
					b.Fatal("neighbours overlap")
				}
			}
		})
	}
}

// slantedComb returns a valid polygon of about n vertices made of long
// parallel diagonal teeth: every tooth's bounding box meets every other's,
// so the edge index prunes nothing and the checks stay quadratic. It is
// the known worst case, bounded only by MaxPolygonVertices.
func slantedComb(n int) gridline.Polygon {
	const x0, y0, l = 116.8, 35.5, 0.01
	teeth := n / 4
	e := l / 2 / float64(teeth)
	var r orb.Ring
	for k := range teeth {
		x := x0 + float64(k)*e
		r = append(r, orb.Point{x, y0}, orb.Point{x + l, y0 + l}, orb.Point{x + l + e/2, y0 + l}, orb.Point{x + e/2, y0})
	}
	last := r[len(r)-1]
	r = append(r, orb.Point{last[0], y0 - 0.001}, orb.Point{x0, y0 - 0.001}, r[0])
	return gridline.Polygon{r}
}

func BenchmarkValidateWorstCase(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		p := slantedComb(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := p.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("ref/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := refValidate(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
