package gridline

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// GridLayer is a family of grids that do not overlap each other, e.g. the
// comprehensive grids (全科网格) or the party-building grids (党建网格).
// Layers coexist: a point lies in at most one grid of each layer.
type GridLayer struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	NameEN    string    `json:"name_en"`
	SortOrder int       `json:"sort_order"`
	CreatedAt time.Time `json:"created_at"`
}

// The layers every database starts with; more can be added through the API.
const (
	LayerComprehensive = "comprehensive" // 全科网格
	LayerParty         = "party"         // 党建网格
)

// Validate checks a layer's fields.
func (l *GridLayer) Validate() error {
	if !isSlug(l.Code) {
		return FieldErrorf("code", "must be 1–32 lower-case letters, digits or '_', got %q", l.Code)
	}
	if err := checkName(l.Name); err != nil {
		return err
	}
	if err := CheckText("name_en", l.NameEN, MaxNameLen); err != nil {
		return err
	}
	if l.SortOrder < -1000000 || l.SortOrder > 1000000 {
		return FieldErrorf("sort_order", "must be within ±1,000,000, got %d", l.SortOrder)
	}
	return nil
}

func isSlug(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Grid is a polygon of one layer inside one village/community. Its code is
// the community's 12-digit code followed by a 3-digit sequence.
type Grid struct {
	ID            int64   `json:"id"`
	Code          string  `json:"code"`
	Name          string  `json:"name"`
	Layer         string  `json:"layer"`
	CommunityCode string  `json:"community_code"`
	TownCode      string  `json:"town_code"`
	CountyCode    string  `json:"county_code"`
	AreaM2        float64 `json:"area_m2"`
	Geometry      Polygon `json:"geometry"`
	// Note is free text, e.g. the streets that bound the grid.
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Path returns the grid's region path, the grid's own code included.
func (g *Grid) Path() RegionPath {
	return RegionPath{CountyCode: g.CountyCode, TownCode: g.TownCode, CommunityCode: g.CommunityCode, GridCode: g.Code}
}

// GridCodeLen is the length of a grid code (12 + 3 digits).
const GridCodeLen = 15

// Normalize fills the derived fields (region path, area).
func (g *Grid) Normalize() {
	if g.CommunityCode == "" && len(g.Code) == GridCodeLen {
		g.CommunityCode = PathOf(g.Code).CommunityCode
	}
	if len(g.CommunityCode) == 12 {
		p := PathOf(g.CommunityCode)
		g.TownCode, g.CountyCode = p.TownCode, p.CountyCode
	}
	if g.Layer == "" {
		g.Layer = LayerComprehensive
	}
	g.AreaM2 = math.Round(g.Geometry.AreaM2())
}

// Validate checks a grid on its own; overlaps with other grids and the
// existence of its community and layer are checked by the store.
func (g *Grid) Validate() error {
	if err := g.ValidateAttrs(); err != nil {
		return err
	}
	return g.ValidateGeometry(context.Background())
}

// ValidateGeometry checks the grid's polygon (the costly part of
// Validate), giving up with ctx.
func (g *Grid) ValidateGeometry(ctx context.Context) error {
	if err := g.Geometry.ValidateContext(ctx); err != nil {
		if ErrorCode(err) != EINVALID {
			return err // cancelled: not the polygon's fault
		}
		return FieldErrorf("geometry", "%s", ErrorMessage(err))
	}
	return nil
}

// ValidateAttrs checks everything of Validate but the polygon.
func (g *Grid) ValidateAttrs() error {
	if len(g.CommunityCode) != 12 || !allDigits(g.CommunityCode) {
		return FieldErrorf("community_code", "must be a 12-digit village/community code, got %q", g.CommunityCode)
	}
	if g.Code != "" {
		if len(g.Code) != GridCodeLen || !allDigits(g.Code) {
			return FieldErrorf("code", "must be 15 digits (community code + 3-digit sequence), got %q", g.Code)
		}
		if g.Code[:12] != g.CommunityCode {
			return FieldErrorf("code", "%s does not start with its community code %s", g.Code, g.CommunityCode)
		}
		if g.Code[12:] == "000" {
			return FieldErrorf("code", "sequence 000 is not allowed")
		}
	}
	if err := checkName(g.Name); err != nil {
		return err
	}
	if err := CheckText("note", g.Note, MaxNoteLen); err != nil {
		return err
	}
	if !isSlug(g.Layer) {
		return FieldErrorf("layer", "must be a layer code, got %q", g.Layer)
	}
	return nil
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// GridFilter selects grids. Zero fields do not filter.
type GridFilter struct {
	ID     *int64
	Code   *string
	Layer  *string
	Within *string // region code prefix: county, town or community
	Offset int
	Limit  int
}

// GridUpdate changes a grid; nil fields stay as they are.
type GridUpdate struct {
	Name     *string  `json:"name"`
	Note     *string  `json:"note"`
	Geometry *Polygon `json:"geometry"`
}

// GridService reads and writes grids. Every write validates the grid,
// checks that its layer and community exist and that it overlaps no other
// grid of its layer (EINVALID with the reason), and is audited and fed.
type GridService interface {
	// FindGridByCode returns ENOTFOUND if there is no such grid.
	FindGridByCode(ctx context.Context, code string) (*Grid, error)
	FindGrids(ctx context.Context, f GridFilter) ([]*Grid, int, error)
	// FindGridDetail returns a grid with what a person clicking it wants
	// to know, read in one snapshot. Returns ENOTFOUND if there is no
	// such grid.
	FindGridDetail(ctx context.Context, code string) (*GridDetail, error)
	// CreateGrid assigns the next free code of the community when Code is
	// empty. Returns ECONFLICT if the code is taken.
	CreateGrid(ctx context.Context, g *Grid) error
	UpdateGrid(ctx context.Context, code string, upd GridUpdate) (*Grid, error)
	// DeleteGrid returns ECONFLICT while points, compounds or assignments
	// still refer to the grid.
	DeleteGrid(ctx context.Context, code string) error
	// ImportGrids writes all grids or none. Grids without a code get one
	// (west→east, then north→south within their community).
	ImportGrids(ctx context.Context, grids []*Grid) error
}

// GridLayerService reads and adds grid layers. Layers are not changed or
// deleted through the API yet: grids refer to them by code.
type GridLayerService interface {
	// FindGridLayers returns every layer in layer order ([SortLayers]).
	FindGridLayers(ctx context.Context) ([]*GridLayer, error)
	// CreateGridLayer returns ECONFLICT if the code is taken.
	CreateGridLayer(ctx context.Context, l *GridLayer) error
}

// GridDetailWorkers is how many people a grid detail lists.
const GridDetailWorkers = 50

// GridDetail is a grid with its community and town names, how many places
// it holds, the people assigned to it and its party organisation.
type GridDetail struct {
	*Grid
	Community Named  `json:"community"`
	Town      Named  `json:"town"`
	LayerName string `json:"layer_name"`
	Points    int    `json:"points"`
	Compounds int    `json:"compounds"`
	Buildings int    `json:"buildings"`
	// Workers are the first GridDetailWorkers people assigned to the
	// grid, by id; WorkersTotal counts them all.
	Workers      []*Person      `json:"workers"`
	WorkersTotal int            `json:"workers_total"`
	PartyOrg     *PartyOrgBrief `json:"party_org"`
}

// PartyOrgBrief names a party organisation and its leader.
type PartyOrgBrief struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	LeaderName string `json:"leader_name,omitempty"`
}

// FeatureError prefixes an error with the index of the GeoJSON feature it
// came from.
func FeatureError(index int, err error) error {
	msg := ErrorMessage(err)
	fields := map[string]string{"feature": fmt.Sprint(index)}
	for k, v := range ErrorFields(err) {
		fields[k] = v
	}
	return &Error{Code: EINVALID, Message: fmt.Sprintf("feature %d: %s", index, msg), Fields: fields}
}

// ParseGridsGeoJSON reads a FeatureCollection of grid polygons. Properties
// used: code, name, layer, community_code, note. layer, when not empty,
// overrides each feature's layer. Each grid is normalised and validated on
// its own; the first bad feature fails the whole file, naming its index.
func ParseGridsGeoJSON(data []byte, layer string) ([]*Grid, error) {
	var probe struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, Errorf(EINVALID, "not valid JSON: %v", err)
	}
	if probe.Type != "FeatureCollection" {
		return nil, Errorf(EINVALID, "want a GeoJSON FeatureCollection, got type %q", probe.Type)
	}
	if len(probe.Features) == 0 {
		return nil, Errorf(EINVALID, "the FeatureCollection has no features")
	}
	grids := make([]*Grid, 0, len(probe.Features))
	codes := map[string]int{}
	for i, raw := range probe.Features {
		var f geojson.Feature
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, FeatureError(i, Errorf(EINVALID, "not a valid GeoJSON feature: %v", err))
		}
		pg, err := PolygonFromGeometry(f.Geometry)
		if err != nil {
			return nil, FeatureError(i, err)
		}
		g := &Grid{
			Code:          propString(f.Properties, "code"),
			Name:          propString(f.Properties, "name"),
			Layer:         propString(f.Properties, "layer"),
			CommunityCode: propString(f.Properties, "community_code"),
			Note:          propString(f.Properties, "note"),
			Geometry:      pg,
		}
		if layer != "" {
			g.Layer = layer
		}
		g.Normalize()
		if err := g.Validate(); err != nil {
			return nil, FeatureError(i, err)
		}
		if g.Code != "" {
			if j, ok := codes[g.Code]; ok {
				return nil, FeatureError(i, FieldErrorf("code", "duplicate code %s (also feature %d)", g.Code, j))
			}
			codes[g.Code] = i
		}
		grids = append(grids, g)
	}
	return grids, nil
}

func propString(p geojson.Properties, key string) string {
	switch v := p[key].(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return fmt.Sprintf("%.0f", v)
	}
	return ""
}

// GridsFeatureCollection renders grids as GeoJSON with their attributes as
// properties (the format ParseGridsGeoJSON reads back).
func GridsFeatureCollection(grids []*Grid) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, g := range grids {
		f := geojson.NewFeature(orb.Polygon(g.Geometry))
		f.ID = g.Code
		f.Properties = geojson.Properties{
			"code": g.Code, "name": g.Name, "layer": g.Layer,
			"community_code": g.CommunityCode, "town_code": g.TownCode,
			"area_m2": g.AreaM2,
		}
		if g.Note != "" {
			f.Properties["note"] = g.Note
		}
		fc.Append(f)
	}
	return fc
}

// AssignGridCodes gives every grid without a code the next sequence of its
// community, in reading order: rows from north to south, west to east
// within a row. next returns the first free sequence of a community.
func AssignGridCodes(grids []*Grid, next func(community string) (int, error)) error {
	by := map[string][]*Grid{}
	var order []string
	for _, g := range grids {
		if g.Code != "" {
			continue
		}
		if _, ok := by[g.CommunityCode]; !ok {
			order = append(order, g.CommunityCode)
		}
		by[g.CommunityCode] = append(by[g.CommunityCode], g)
	}
	slices.Sort(order)
	for _, c := range order {
		seq, err := next(c)
		if err != nil {
			return err
		}
		gs := by[c]
		sortReadingOrder(gs)
		for _, g := range gs {
			if seq > 999 {
				return FieldErrorf("code", "community %s has no free grid sequence left (999 used)", c)
			}
			g.Code = fmt.Sprintf("%s%03d", c, seq)
			seq++
		}
	}
	return nil
}

// sortReadingOrder orders grids north→south in rows, west→east within a
// row; a row is as tall as the median grid.
func sortReadingOrder(gs []*Grid) {
	if len(gs) < 2 {
		return
	}
	heights := make([]float64, len(gs))
	maxLat := math.Inf(-1)
	for i, g := range gs {
		b := g.Geometry.Bound()
		heights[i] = b.Max[1] - b.Min[1]
		maxLat = math.Max(maxLat, b.Max[1])
	}
	slices.Sort(heights)
	h := max(heights[len(gs)/2], 1e-9)
	type keyed struct {
		row int
		x   float64
		g   *Grid
	}
	ks := make([]keyed, len(gs))
	for i, g := range gs {
		c := g.Geometry.Centroid()
		ks[i] = keyed{int((maxLat - c[1]) / h), c[0], g}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if a.row != b.row {
			return cmp.Compare(a.row, b.row)
		}
		return cmp.Compare(a.x, b.x)
	})
	for i, k := range ks {
		gs[i] = k.g
	}
}
