package http

import (
	"context"
	"net/http"

	"github.com/gridline/gridline"
)

func (s *Server) handleLayerIndex(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	ls, err := s.Grids.FindGridLayers(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(ls, len(ls)))
}

func (s *Server) handleLayerCreate(w http.ResponseWriter, r *http.Request) {
	var l gridline.GridLayer
	if err := decode(r, &l); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Grids.CreateGridLayer(r.Context(), &l); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, l)
}

func (s *Server) gridFilter(r *http.Request, extra ...string) (gridline.GridFilter, *query) {
	q := parseQuery(r, append([]string{"layer", "within", "limit", "offset"}, extra...)...)
	f := gridline.GridFilter{Layer: q.str("layer"), Within: q.code("within")}
	f.Limit, f.Offset = q.page()
	return f, q
}

// gridSummary is a grid in lists, without its geometry.
type gridSummary struct {
	*gridline.Grid
	Geometry *struct{} `json:"geometry,omitempty"`
}

func (s *Server) handleGridIndex(w http.ResponseWriter, r *http.Request) {
	f, q := s.gridFilter(r, "geometry")
	geom := q.bool("geometry")
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	gs, n, err := s.Grids.FindGrids(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if geom {
		writeJSON(w, http.StatusOK, list(gs, n))
		return
	}
	out := make([]gridSummary, len(gs))
	for i, g := range gs {
		out[i] = gridSummary{Grid: g}
	}
	writeJSON(w, http.StatusOK, list(out, n))
}

// handleGridGeoJSON exports grids as a FeatureCollection that
// POST /api/v1/grids/import reads back.
func (s *Server) handleGridGeoJSON(w http.ResponseWriter, r *http.Request) {
	f, q := s.gridFilter(r)
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	if !q.v.Has("limit") {
		f.Limit = 0 // exports are whole
	}
	gs, _, err := s.Grids.FindGrids(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeGeoJSON(w, gridline.GridsFeatureCollection(gs))
}

func (s *Server) handleGridCreate(w http.ResponseWriter, r *http.Request) {
	var g gridline.Grid
	if err := decode(r, &g); err != nil {
		s.Error(w, r, err)
		return
	}
	g.ID = 0
	if err := s.Grids.CreateGrid(r.Context(), &g); err != nil {
		s.Error(w, r, err)
		return
	}
	s.gridsChanged(r.Context())
	writeJSON(w, http.StatusCreated, g)
}

// handleGridImport takes a GeoJSON FeatureCollection; ?layer= sets the
// layer of every feature. All features are written or none.
func (s *Server) handleGridImport(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "layer")
	layer := q.str("layer")
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	body, err := readBody(r, 64<<20)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	l := ""
	if layer != nil {
		l = *layer
	}
	grids, err := gridline.ParseGridsGeoJSON(body, l)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Grids.ImportGrids(r.Context(), grids); err != nil {
		s.Error(w, r, err)
		return
	}
	s.gridsChanged(r.Context())
	codes := make([]string, len(grids))
	for i, g := range grids {
		codes[i] = g.Code
	}
	writeJSON(w, http.StatusOK, map[string]any{"imported": len(grids), "codes": codes})
}

func (s *Server) handleGridUpdate(w http.ResponseWriter, r *http.Request) {
	var upd gridline.GridUpdate
	if err := decode(r, &upd); err != nil {
		s.Error(w, r, err)
		return
	}
	g, err := s.Grids.UpdateGrid(r.Context(), r.PathValue("code"), upd)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.gridsChanged(r.Context())
	writeJSON(w, http.StatusOK, g)
}

func (s *Server) handleGridDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Grids.DeleteGrid(r.Context(), r.PathValue("code")); err != nil {
		s.Error(w, r, err)
		return
	}
	s.gridsChanged(r.Context())
	w.WriteHeader(http.StatusNoContent)
}

// gridsChanged rebuilds the locate index after a committed grid write. A
// failure is logged: the write stands, and the next write or restart
// rebuilds again.
func (s *Server) gridsChanged(ctx context.Context) {
	if err := s.RebuildLocator(context.WithoutCancel(ctx)); err != nil {
		s.logger().Error("rebuild locate index", "err", err)
	}
}

// gridDetail is a grid with what a person clicking it wants to know.
type gridDetail struct {
	*gridline.Grid
	Community gridline.Named `json:"community"`
	Town      gridline.Named `json:"town"`
	Points    int            `json:"points"`
	Compounds int            `json:"compounds"`
	Buildings int            `json:"buildings"`
	Workers   []*personOut   `json:"workers"`
	PartyOrg  *partyOrgBrief `json:"party_org"`
	LayerName string         `json:"layer_name"`
}

type partyOrgBrief struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	LeaderName string `json:"leader_name,omitempty"`
}

func (s *Server) handleGridView(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	ctx := r.Context()
	g, err := s.Grids.FindGridByCode(ctx, r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := gridDetail{Grid: g, Workers: []*personOut{}}
	rs, _, err := s.Regions.FindRegions(ctx, gridline.RegionFilter{Codes: []string{g.CommunityCode, g.TownCode}})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for _, reg := range rs {
		switch reg.Code {
		case g.CommunityCode:
			d.Community = gridline.Named{Code: reg.Code, Name: reg.Name}
		case g.TownCode:
			d.Town = gridline.Named{Code: reg.Code, Name: reg.Name}
		}
	}
	if ls, err := s.Grids.FindGridLayers(ctx); err == nil {
		for _, l := range ls {
			if l.Code == g.Layer {
				d.LayerName = l.Name
			}
		}
	}
	pf := gridline.PlaceFilter{GridCode: &g.Code, Limit: 1}
	if _, d.Points, err = s.Places.FindPoints(ctx, pf); err != nil {
		s.Error(w, r, err)
		return
	}
	if _, d.Compounds, err = s.Places.FindCompounds(ctx, pf); err != nil {
		s.Error(w, r, err)
		return
	}
	if _, d.Buildings, err = s.Places.FindBuildings(ctx, pf); err != nil {
		s.Error(w, r, err)
		return
	}
	people, _, err := s.Orgs.FindPeople(ctx, gridline.PersonFilter{GridCode: &g.Code, Limit: 50})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for _, p := range people {
		d.Workers = append(d.Workers, personView(r, p))
	}
	level := gridline.PartyGridOrg
	orgs, _, err := s.Orgs.FindPartyOrgs(ctx, gridline.PartyOrgFilter{Level: &level, Within: &g.CommunityCode})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for _, o := range orgs {
		if o.GridCode == g.Code {
			d.PartyOrg = &partyOrgBrief{ID: o.ID, Name: o.Name, LeaderName: o.LeaderName}
			break
		}
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleLocate(w http.ResponseWriter, r *http.Request) {
	lon, lat, layer, err := gridline.ParseLocateQuery(r.URL.Query())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	loc, err := s.Locator.Locate(lon, lat, layer)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, loc)
}
