package demo

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The region codes and the county outline ship inside the binary so the demo
// works offline and from any directory; see data/ATTRIBUTION.md.
var (
	//go:embed data/yanzhou-370812.csv
	regionsCSV []byte

	//go:embed data/jining-counties.geojson
	countiesGeoJSON []byte
)

// CountyCode is the NBS code of 兖州区, the demo district.
const CountyCode = "370812"

// countyName is the name of the outline feature in jining-counties.geojson.
const countyName = "兖州区"

// Regions returns the embedded NBS 2023 codes of Shandong, Jining, 兖州区,
// its 10 towns/streets and 347 villages/communities, in file order.
func Regions() ([]gridline.RegionRow, error) {
	rows, err := gridline.ParseRegionsCSV(bytes.NewReader(regionsCSV))
	if err != nil {
		return nil, fmt.Errorf("demo: embedded regions: %w", err)
	}
	return rows, nil
}

// Boundary returns the real outline of 兖州区: one closed, counter-clockwise
// ring. The source repeats positions and, at its coarse resolution, has a
// few back-tracking spikes; both are removed so that the ring passes
// (gridline.Polygon).Validate. Each call returns a fresh copy.
func Boundary() (gridline.Polygon, error) {
	p, err := parsedBoundary()
	if err != nil {
		return nil, err
	}
	return gridline.Polygon{append(orb.Ring(nil), p[0]...)}, nil
}

// parsedBoundary decodes the outline once: the file holds all of Jining's
// counties and decoding it costs more than the rest of Boundary.
var parsedBoundary = sync.OnceValues(parseBoundary)

func parseBoundary() (gridline.Polygon, error) {
	fc, err := geojson.UnmarshalFeatureCollection(countiesGeoJSON)
	if err != nil {
		return nil, fmt.Errorf("demo: embedded county outlines: %w", err)
	}
	for _, f := range fc.Features {
		if f.Properties.MustString("name", "") != countyName {
			continue
		}
		pg, err := gridline.PolygonFromGeometry(f.Geometry)
		if err != nil {
			return nil, fmt.Errorf("demo: outline of %s: %w", countyName, err)
		}
		if len(pg) == 0 {
			return nil, fmt.Errorf("demo: outline of %s is empty", countyName)
		}
		r := cleanLonLatRing(pg[0])
		if len(r) < 3 {
			return nil, fmt.Errorf("demo: outline of %s has %d distinct positions", countyName, len(r))
		}
		if signedArea(r) < 0 {
			reverse(r)
		}
		out := gridline.Polygon{closeRing(r)}
		if err := out.Validate(); err != nil {
			return nil, fmt.Errorf("demo: outline of %s: %w", countyName, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("demo: no feature named %s in the embedded county outlines", countyName)
}

// cleanLonLatRing returns r as an open ring without repeated positions or
// spikes (a vertex whose two edges fold back onto each other).
func cleanLonLatRing(r orb.Ring) []orb.Point {
	pts := append([]orb.Point(nil), r...)
	// Removing a spike can expose a repeated position or another spike, so
	// repeat until stable.
	for {
		pts = dedupeCyclic(pts)
		n := len(pts)
		if n < 3 {
			return pts
		}
		spike := -1
		for i := 0; i < n && spike < 0; i++ {
			a, b, c := pts[(i+n-1)%n], pts[i], pts[(i+1)%n]
			cr := (a[0]-b[0])*(c[1]-b[1]) - (a[1]-b[1])*(c[0]-b[0])
			dt := (a[0]-b[0])*(c[0]-b[0]) + (a[1]-b[1])*(c[1]-b[1])
			if cr == 0 && dt > 0 {
				spike = i
			}
		}
		if spike < 0 {
			return pts
		}
		pts = append(pts[:spike], pts[spike+1:]...)
	}
}

// dedupeCyclic drops positions equal to their predecessor, the last
// position counting as the first one's predecessor.
func dedupeCyclic(pts []orb.Point) []orb.Point {
	out := pts[:0]
	for _, p := range pts {
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	for len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	return out
}

func signedArea(r []orb.Point) float64 {
	a := 0.0
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		a += p[0]*q[1] - q[0]*p[1]
	}
	return a / 2
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

func closeRing(r []orb.Point) orb.Ring {
	out := make(orb.Ring, len(r)+1)
	copy(out, r)
	out[len(r)] = r[0]
	return out
}
