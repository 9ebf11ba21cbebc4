package gridline

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"net/url"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
)

// Named is a code and a name, as returned for each level of a location.
type Named struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// PlaceName is one level of a case's place (its grid, community, town):
// a Named that is null in JSON while the case is not placed at that level
// (an unlocated case), rather than an object of empty strings.
type PlaceName Named

// MarshalJSON implements json.Marshaler.
func (n PlaceName) MarshalJSON() ([]byte, error) {
	if n == (PlaceName{}) {
		return []byte("null"), nil
	}
	return json.Marshal(Named(n))
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

// LocateService answers "which grid is this point in" from an index kept
// in step with the stored grids through the change feed. Every path that
// locates a point (the API, place writes, the command line, intake) goes
// through it, so all give the same answer, chosen by [GridPrecedes].
type LocateService interface {
	// Locate returns the grid containing (lon, lat) as of the index's last
	// refresh. With a layer it looks in that layer only (EINVALID if the
	// layer is unknown); without, it prefers layers in their order. A
	// point in no grid is ENOTFOUND.
	Locate(lon, lat float64, layer string) (Location, error)
	// LocateEach locates every point of pts as Locate does, all against
	// one snapshot of the index, and calls fn in order with each point's
	// index and location, or nil when the point is in no grid; loc is
	// valid only during the call. An unknown layer is EINVALID, returned
	// before any call.
	LocateEach(pts []orb.Point, layer string, fn func(i int, loc *Location)) error
	// Refresh brings the index up to date with every change committed
	// before the call. Writes that locate call it first; reads need not.
	Refresh(ctx context.Context) error
	// Len returns the number of indexed grids.
	Len() int
}

// GridPrecedes is the one tie-break rule of locating: when a point lies in
// two grids (layers overlap each other; grids of one layer share edges and
// vertices), grid a is chosen over grid b if its layer comes first in
// layer order ([SortLayers]), or, in the same layer, if its code is lower.
// The rule depends only on stored codes and orders, so the answer for a
// point on a shared edge is the same on every path, in every process and
// after every restart.
func GridPrecedes(aLayerOrder int, aCode string, bLayerOrder int, bCode string) bool {
	if aLayerOrder != bLayerOrder {
		return aLayerOrder < bLayerOrder
	}
	return aCode < bCode
}

// SortLayers orders layers by sort order, then code: the layer order of
// [GridPrecedes].
func SortLayers(layers []*GridLayer) {
	slices.SortStableFunc(layers, func(a, b *GridLayer) int {
		if c := cmp.Compare(a.SortOrder, b.SortOrder); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
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
