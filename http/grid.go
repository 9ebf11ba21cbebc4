package http

import (
	"net/http"

	"github.com/gridline/gridline"
)

func (s *Server) handleLayerIndex(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	ls, err := s.Layers.FindGridLayers(r.Context())
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
	if err := s.Layers.CreateGridLayer(r.Context(), &l); err != nil {
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
	writeJSON(w, http.StatusOK, g)
}

func (s *Server) handleGridDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Grids.DeleteGrid(r.Context(), r.PathValue("code")); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// gridDetail is a grid detail as the API shows it: workers' phone
// numbers masked unless the caller may see them.
type gridDetail struct {
	*gridline.GridDetail
	Workers []*personOut `json:"workers"`
}

func (s *Server) handleGridView(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	d, err := s.Grids.FindGridDetail(r.Context(), r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := gridDetail{GridDetail: d, Workers: make([]*personOut, len(d.Workers))}
	for i, p := range d.Workers {
		out.Workers[i] = personView(r, p)
	}
	writeJSON(w, http.StatusOK, out)
}
