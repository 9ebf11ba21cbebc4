// Package locate keeps the in-memory point→grid index and keeps it in step
// with the database by following the change feed. It is the one place that
// answers "which grid is this point in" for the API, place writes, the
// command line and, later, intake and the scheduler.
package locate

import (
	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Index answers point-in-grid queries from an R-tree over the grid
// polygons. It is immutable once built, so lookups need no lock.
type Index struct {
	tree   rtree.RTreeGN[float64, *entry]
	layers map[string]int // layer code → layer order
	count  int
}

type entry struct {
	layerNo int
	code    string
	poly    gridline.Polygon
	loc     gridline.Location
}

// NewIndex builds an index over grids. layers gives the layer order (it is
// sorted with [gridline.SortLayers]); regionNames maps community, town and
// county codes to names.
func NewIndex(grids []*gridline.Grid, layers []*gridline.GridLayer, regionNames map[string]string) *Index {
	layers = append([]*gridline.GridLayer(nil), layers...)
	gridline.SortLayers(layers)
	idx := &Index{layers: map[string]int{}}
	for i, ly := range layers {
		idx.layers[ly.Code] = i
	}
	for _, g := range grids {
		no, ok := idx.layers[g.Layer]
		if !ok {
			// A grid whose layer is not (yet) listed comes after all.
			no = len(idx.layers)
			idx.layers[g.Layer] = no
		}
		e := &entry{layerNo: no, code: g.Code, poly: g.Geometry, loc: gridline.Location{
			Layer:     g.Layer,
			Grid:      gridline.Named{Code: g.Code, Name: g.Name},
			Community: gridline.Named{Code: g.CommunityCode, Name: regionNames[g.CommunityCode]},
			Town:      gridline.Named{Code: g.TownCode, Name: regionNames[g.TownCode]},
			County:    gridline.Named{Code: g.CountyCode, Name: regionNames[g.CountyCode]},
		}}
		b := g.Geometry.Bound()
		idx.tree.Insert([2]float64{b.Min[0], b.Min[1]}, [2]float64{b.Max[0], b.Max[1]}, e)
		idx.count++
	}
	return idx
}

// Len returns the number of indexed grids.
func (idx *Index) Len() int {
	if idx == nil {
		return 0
	}
	return idx.count
}

// Locate returns the grid containing (lon, lat), chosen by
// [gridline.GridPrecedes] when several do. With a layer it looks in that
// layer only (EINVALID if the layer is unknown). A point in no grid is
// ENOTFOUND.
func (idx *Index) Locate(lon, lat float64, layer string) (gridline.Location, error) {
	if idx == nil {
		return gridline.Location{}, gridline.Errorf(gridline.ENOTFOUND, "no grids are loaded")
	}
	want, err := idx.layerNo(layer)
	if err != nil {
		return gridline.Location{}, err
	}
	best := idx.find(lon, lat, want)
	if best == nil {
		if layer != "" {
			return gridline.Location{}, gridline.Errorf(gridline.ENOTFOUND, "point (%g, %g) is in no grid of layer %s", lon, lat, layer)
		}
		return gridline.Location{}, gridline.Errorf(gridline.ENOTFOUND, "point (%g, %g) is in no grid", lon, lat)
	}
	loc := best.loc
	loc.Lon, loc.Lat = lon, lat
	return loc, nil
}

// LocateEach locates every point of pts as [Index.Locate] does and calls
// fn with its index and location, or nil when the point is in no grid;
// loc is valid only during the call. An unknown layer is EINVALID before
// any call. A nil index has no grids: every point is in none.
func (idx *Index) LocateEach(pts []orb.Point, layer string, fn func(i int, loc *gridline.Location)) error {
	if idx == nil {
		for i := range pts {
			fn(i, nil)
		}
		return nil
	}
	want, err := idx.layerNo(layer)
	if err != nil {
		return err
	}
	// Misses cost no error value here, unlike Locate: a track may leave
	// the grids for thousands of points.
	var loc gridline.Location
	for i, p := range pts {
		e := idx.find(p[0], p[1], want)
		if e == nil {
			fn(i, nil)
			continue
		}
		loc = e.loc
		loc.Lon, loc.Lat = p[0], p[1]
		fn(i, &loc)
	}
	return nil
}

// layerNo returns the order of layer, or -1 for "any layer" when layer is
// empty.
func (idx *Index) layerNo(layer string) (int, error) {
	if layer == "" {
		return -1, nil
	}
	no, ok := idx.layers[layer]
	if !ok {
		return 0, gridline.FieldErrorf("layer", "unknown layer %q", layer)
	}
	return no, nil
}

// find returns the entry of the grid containing (lon, lat) in layer order
// want (any layer if negative) that [gridline.GridPrecedes] chooses, or
// nil.
func (idx *Index) find(lon, lat float64, want int) *entry {
	var best *entry
	pt := orb.Point{lon, lat}
	p := [2]float64{lon, lat}
	idx.tree.Search(p, p, func(_, _ [2]float64, e *entry) bool {
		if want >= 0 && e.layerNo != want {
			return true
		}
		if best != nil && !gridline.GridPrecedes(e.layerNo, e.code, best.layerNo, best.code) {
			return true
		}
		if e.poly.Contains(pt) {
			best = e
		}
		return true
	})
	return best
}
