package gridline

import (
	"math"
	"net/url"
	"strconv"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Named is a code and a name, as returned for each level of a location.
type Named struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Location is the answer to "where is this point": the grid that contains
// it and the grid's community, town and county.
type Location struct {
	Lon       float64 `json:"lon"`
	Lat       float64 `json:"lat"`
	Layer     string  `json:"layer"`
	Grid      Named   `json:"grid"`
	Community Named   `json:"community"`
	Town      Named   `json:"town"`
	County    Named   `json:"county"`
}

// Locator answers point-in-grid queries from an in-memory R-tree over the
// grid polygons. It is safe for concurrent use; Rebuild swaps in a new
// index atomically, so lookups never wait for a rebuild.
type Locator struct {
	idx atomic.Pointer[locateIndex]
}

type locateEntry struct {
	grid    *Grid
	layerNo int // position of the layer in layer order
	poly    Polygon
	loc     Location
}

type locateIndex struct {
	tree   rtree.RTreeGN[float64, *locateEntry]
	layers map[string]int
	count  int
}

// NewLocator returns a locator over grids; see Rebuild.
func NewLocator(grids []*Grid, layers []*GridLayer, regionNames map[string]string) *Locator {
	l := &Locator{}
	l.Rebuild(grids, layers, regionNames)
	return l
}

// Rebuild replaces the index. layers gives the preference order when a
// lookup names no layer; regionNames maps community, town and county codes
// to names.
func (l *Locator) Rebuild(grids []*Grid, layers []*GridLayer, regionNames map[string]string) {
	idx := &locateIndex{layers: map[string]int{}}
	for i, ly := range layers {
		idx.layers[ly.Code] = i
	}
	for _, g := range grids {
		no, ok := idx.layers[g.Layer]
		if !ok {
			no = len(idx.layers)
			idx.layers[g.Layer] = no
		}
		e := &locateEntry{grid: g, layerNo: no, poly: g.Geometry, loc: Location{
			Layer:     g.Layer,
			Grid:      Named{g.Code, g.Name},
			Community: Named{g.CommunityCode, regionNames[g.CommunityCode]},
			Town:      Named{g.TownCode, regionNames[g.TownCode]},
			County:    Named{g.CountyCode, regionNames[g.CountyCode]},
		}}
		b := g.Geometry.Bound()
		idx.tree.Insert([2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}, e)
		idx.count++
	}
	l.idx.Store(idx)
}

// Len returns the number of indexed grids.
func (l *Locator) Len() int {
	if idx := l.idx.Load(); idx != nil {
		return idx.count
	}
	return 0
}

// Locate returns the grid containing (lon, lat). With a layer it looks in
// that layer only (EINVALID if the layer is unknown); without, it prefers
// layers in their sort order. A point in no grid is ENOTFOUND.
func (l *Locator) Locate(lon, lat float64, layer string) (Location, error) {
	idx := l.idx.Load()
	if idx == nil {
		return Location{}, Errorf(ENOTFOUND, "no grids are loaded")
	}
	want := -1
	if layer != "" {
		no, ok := idx.layers[layer]
		if !ok {
			return Location{}, FieldErrorf("layer", "unknown layer %q", layer)
		}
		want = no
	}
	var best *locateEntry
	pt := orb.Point{lon, lat}
	p := [2]float64{lon, lat}
	idx.tree.Search(p, p, func(_, _ [2]float64, e *locateEntry) bool {
		if want >= 0 && e.layerNo != want {
			return true
		}
		if best != nil && best.layerNo <= e.layerNo {
			return true
		}
		if e.poly.Contains(pt) {
			best = e
		}
		return true
	})
	if best == nil {
		if layer != "" {
			return Location{}, Errorf(ENOTFOUND, "point (%g, %g) is in no grid of layer %s", lon, lat, layer)
		}
		return Location{}, Errorf(ENOTFOUND, "point (%g, %g) is in no grid", lon, lat)
	}
	loc := best.loc
	loc.Lon, loc.Lat = lon, lat
	return loc, nil
}

// ParseLocateQuery reads lon, lat and layer from a query string; any other
// parameter, a missing or malformed number or an out-of-range coordinate
// is EINVALID naming the field.
func ParseLocateQuery(q url.Values) (lon, lat float64, layer string, err error) {
	for k := range q {
		if k != "lon" && k != "lat" && k != "layer" {
			return 0, 0, "", FieldErrorf(k, "unknown query parameter (want lon, lat and optional layer)")
		}
	}
	num := func(name string, min, max float64) (float64, error) {
		vs, ok := q[name]
		if !ok || len(vs) == 0 || vs[0] == "" {
			return 0, FieldErrorf(name, "is required")
		}
		if len(vs) > 1 {
			return 0, FieldErrorf(name, "given %d times", len(vs))
		}
		v, err := strconv.ParseFloat(vs[0], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, FieldErrorf(name, "%q is not a number", vs[0])
		}
		if v < min || v > max {
			return 0, FieldErrorf(name, "%g is outside [%g, %g]", v, min, max)
		}
		return v, nil
	}
	// A swapped pair is named as such before any range check trips on it.
	if lo, e1 := strconv.ParseFloat(q.Get("lon"), 64); e1 == nil {
		if la, e2 := strconv.ParseFloat(q.Get("lat"), 64); e2 == nil && !InChina(lo, la) && InChina(la, lo) {
			return 0, 0, "", FieldErrorf("lat", "(%g, %g) looks like lat and lon swapped: want lon=%g&lat=%g", lo, la, la, lo)
		}
	}
	if lon, err = num("lon", -180, 180); err != nil {
		return 0, 0, "", err
	}
	if lat, err = num("lat", -90, 90); err != nil {
		return 0, 0, "", err
	}
	layer = q.Get("layer")
	if layer != "" && !isSlug(layer) {
		return 0, 0, "", FieldErrorf("layer", "%q is not a layer code", layer)
	}
	return lon, lat, layer, nil
}
