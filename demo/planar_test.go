package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

// comb is a base 1000 m × 200 m with five teeth 100 m wide reaching up
// to 1000 m, at x = 0, 200, 400, 600 and 800.
func comb() ring {
	r := ring{{0, 0}, {1000, 0}, {1000, 200}}
	for x := 800.0; x >= 0; x -= 200 {
		r = append(r, vec{x + 100, 200}, vec{x + 100, 1000}, vec{x, 1000})
		if x > 0 {
			r = append(r, vec{x, 200})
		}
	}
	return r
}

// star is a star-shaped polygon with n spikes: deep concavities.
func star(rng *rand.Rand, n int) ring {
	var r ring
	for i := 0; i < 2*n; i++ {
		a := float64(i) * math.Pi / float64(n)
		rad := 300 + 200*rng.Float64()
		if i%2 == 1 {
			rad = 60 + 80*rng.Float64()
		}
		r = append(r, vec{rad * math.Cos(a), rad * math.Sin(a)})
	}
	return r
}

// checkPartition verifies that parts tile r: each is one valid polygon,
// their areas add up to r's and no two overlap.
func checkPartition(t *testing.T, r ring, parts []ring) {
	t.Helper()
	proj := newProjection(orb.Bound{Min: cityCentre, Max: cityCentre})
	sum := 0.0
	polys := make([]gridline.Polygon, len(parts))
	names := make([]string, len(parts))
	for i, p := range parts {
		if p.area() <= 0 {
			t.Errorf("part %d has area %g", i, p.area())
		}
		sum += p.area()
		polys[i] = proj.polygon(p)
		names[i] = fmt.Sprint("part ", i)
		if err := polys[i].Validate(); err != nil {
			t.Errorf("part %d: %v", i, err)
		}
	}
	if math.Abs(sum-r.area()) > 1e-9*r.area() {
		t.Errorf("parts cover %g m² of %g", sum, r.area())
	}
	noOverlaps(t, "parts", names, polys, 0.01)
}

func TestPartitionComb(t *testing.T) {
	r := comb()
	// A bisector along a ring edge (x = 500) is degenerate: it may be
	// refused, for split to retry with moved seeds, but never mistiled.
	if parts, err := partition(r, []vec{{500, 100}, {150, 900}, {850, 900}}, make([]float64, 3)); err == nil {
		checkPartition(t, r, parts)
	}

	// The base's seed owns the base; the two upper seeds' cells each meet
	// several teeth, which are not connected inside their cell.
	seeds := []vec{{500, 100}, {250, 900}, {850, 880}}
	parts, err := partition(r, seeds, make([]float64, len(seeds)))
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, r, parts)
	// Each upper seed keeps the tooth it stands on; the teeth its cell
	// reaches beyond the gaps go to the base, their only neighbour.
	for i := 1; i < 3; i++ {
		lo, hi := parts[i].bound()
		if hi.X-lo.X > 100 || !parts[i].contains(seeds[i]) {
			t.Errorf("part %d spans x %g–%g", i, lo.X, hi.X)
		}
	}
	if want := 1000*200 + 5*100*800.0; math.Abs(parts[0].area()+parts[1].area()+parts[2].area()-want) > 1e-6 {
		t.Errorf("parts add up to %g m², want %g", parts[0].area()+parts[1].area()+parts[2].area(), want)
	}
}

func TestPartitionRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	failures := 0
	for i := 0; i < 60; i++ {
		var r ring
		if i%2 == 0 {
			r = star(rng, 5+rng.IntN(8))
		} else {
			r = comb()
		}
		k := 2 + rng.IntN(12)
		seeds := sampleIn(rng, r, k)
		w := make([]float64, k)
		parts, err := partition(r, seeds, w)
		if err != nil {
			// Degenerate inputs may be refused (split retries them), but
			// random ones should almost never be.
			failures++
			continue
		}
		checkPartition(t, r, parts)
	}
	t.Logf("%d of 60 random partitions refused", failures)
	if failures > 2 {
		t.Errorf("%d of 60 random partitions refused", failures)
	}
}

func TestPartitionOne(t *testing.T) {
	r := comb()
	parts, err := partition(r, []vec{{50, 50}}, []float64{0})
	if err != nil || len(parts) != 1 || parts[0].area() != r.area() {
		t.Fatalf("partition into one part: %v, %v", parts, err)
	}
}

func TestApportion(t *testing.T) {
	tests := []struct {
		weights []float64
		total   int
		floor   int
		want    []int
	}{
		{[]float64{1, 1, 1}, 10, 1, []int{4, 3, 3}},
		{[]float64{10, 1, 1}, 12, 3, []int{6, 3, 3}},
		{[]float64{2, 1}, 3, 0, []int{2, 1}},
		{[]float64{5, 3, 2}, 100, 3, []int{50, 30, 20}},
		{[]float64{100, 1, 1, 1}, 20, 3, []int{11, 3, 3, 3}},
	}
	for _, tt := range tests {
		got := apportion(tt.weights, tt.total, tt.floor)
		sum := 0
		for _, n := range got {
			sum += n
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) || sum != tt.total {
			t.Errorf("apportion(%v, %d, %d) = %v, want %v", tt.weights, tt.total, tt.floor, got, tt.want)
		}
	}
}

func TestCleanLonLatRing(t *testing.T) {
	// A repeated position and a there-and-back spike.
	in := orb.Ring{{0, 0}, {1, 0}, {1, 0}, {1, 1}, {2, 1}, {1, 1}, {0, 1}, {0, 0}}
	got := cleanLonLatRing(in)
	want := []orb.Point{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("cleanLonLatRing = %v, want %v", got, want)
	}
}
