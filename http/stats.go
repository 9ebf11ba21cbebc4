package http

import "net/http"

func (s *Server) regionParam(r *http.Request) (string, error) {
	q := parseQuery(r, "region")
	region := q.code("region")
	if q.err != nil {
		return "", q.err
	}
	if region == nil {
		return "", nil
	}
	return *region, nil
}

func (s *Server) handleStatsOverview(w http.ResponseWriter, r *http.Request) {
	region, err := s.regionParam(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	o, err := s.Stats.Overview(r.Context(), region)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) handleStatsWorkforce(w http.ResponseWriter, r *http.Request) {
	region, err := s.regionParam(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	o, err := s.Stats.Workforce(r.Context(), region)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}
