package http

import (
	"net/http"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

func (s *Server) handleRegionIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "parent", "within", "level", "geometry", "limit", "offset")
	f := gridline.RegionFilter{ParentCode: q.code("parent"), Within: q.code("within"), Geometry: q.bool("geometry")}
	f.Limit, f.Offset = q.page()
	f.Level = q.level()
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	rs, n, err := s.Regions.FindRegions(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(rs, n))
}

func (s *Server) handleRegionView(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "geometry")
	geom := q.bool("geometry")
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	reg, err := s.Regions.FindRegionByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if !geom {
		reg.Geometry = nil
	}
	writeJSON(w, http.StatusOK, reg)
}

func (s *Server) handleRegionChildren(w http.ResponseWriter, r *http.Request) {
	s.regionList(w, r, func(code string, f *gridline.RegionFilter) { f.ParentCode = &code })
}

func (s *Server) handleRegionSubtree(w http.ResponseWriter, r *http.Request) {
	s.regionList(w, r, func(code string, f *gridline.RegionFilter) { f.Within = &code })
}

func (s *Server) handleRegionAncestors(w http.ResponseWriter, r *http.Request) {
	s.regionList(w, r, func(code string, f *gridline.RegionFilter) {
		f.Codes = gridline.AncestorCodes(code)
		if len(f.Codes) == 0 {
			f.Codes = []string{"-"} // a province has none
		}
	})
}

// regionList answers children, ancestors and subtree of an existing region.
func (s *Server) regionList(w http.ResponseWriter, r *http.Request, set func(string, *gridline.RegionFilter)) {
	q := parseQuery(r, "level", "geometry", "limit", "offset")
	var f gridline.RegionFilter
	f.Geometry = q.bool("geometry")
	f.Limit, f.Offset = q.page()
	f.Level = q.level()
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	code := r.PathValue("code")
	if _, err := s.Regions.FindRegionByCode(r.Context(), code); err != nil {
		s.Error(w, r, err)
		return
	}
	set(code, &f)
	rs, n, err := s.Regions.FindRegions(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(rs, n))
}

// handleRegionImport takes a CSV or CSV.GZ body (code,name,level,parent_code).
func (s *Server) handleRegionImport(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	// Parsed as it streams in: the parser bounds the file as sent and
	// decompressed (gridline.RegionFileLimits).
	rows, err := gridline.ParseRegionsCSV(r.Body)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	res, err := s.Regions.ImportRegions(r.Context(), rows)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) handleRegionGeometry(w http.ResponseWriter, r *http.Request) {
	var g gridline.Polygon
	if err := decode(r, &g); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Regions.SetRegionGeometry(r.Context(), r.PathValue("code"), g); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleRegionGeoJSON returns the outlines of the regions under within (of
// one level) as a FeatureCollection, for maps.
func (s *Server) handleRegionGeoJSON(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "within", "level")
	f := gridline.RegionFilter{Within: q.code("within"), Geometry: true}
	f.Level = q.level()
	if q.err == nil && f.Within == nil {
		q.err = gridline.FieldErrorf("within", "is required")
	}
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	rs, _, err := s.Regions.FindRegions(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	fc := geojson.NewFeatureCollection()
	for _, reg := range rs {
		if len(reg.Geometry) == 0 {
			continue
		}
		ft := geojson.NewFeature(orb.Polygon(reg.Geometry))
		ft.ID = reg.Code
		ft.Properties = geojson.Properties{"code": reg.Code, "name": reg.Name, "level": reg.Level, "parent_code": reg.ParentCode}
		fc.Append(ft)
	}
	writeGeoJSON(w, fc)
}

func writeGeoJSON(w http.ResponseWriter, fc *geojson.FeatureCollection) {
	b, err := fc.MarshalJSON()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Write(b)
}

// level returns the level parameter, checked.
func (q *query) level() *gridline.RegionLevel {
	lv := q.str("level")
	if lv == nil {
		return nil
	}
	l := gridline.RegionLevel(*lv)
	if !l.Valid() {
		q.err = gridline.FieldErrorf("level", "unknown level %q (want province, city, county, town or village)", *lv)
	}
	return &l
}
