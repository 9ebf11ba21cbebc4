package http

import (
	"net/http"

	"github.com/gridline/gridline"
)

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

// handleAuditIndex lists the audit log, newest first: every write and
// every reveal, who, when, from where. The admin's only (the route's
// audit.read).
func (s *Server) handleAuditIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "entity", "key", "actor", "action", "from", "to", "limit", "offset")
	f := gridline.AuditFilter{Entity: q.str("entity"), Key: q.str("key"), Actor: q.str("actor"), Action: q.str("action"),
		From: q.time("from"), To: q.time("to")}
	f.Limit, f.Offset = q.page()
	index(s, w, r, q, func() ([]*gridline.AuditEntry, int, error) { return s.Audit.FindAudit(r.Context(), f) })
}

// handleEnums answers every enumeration with its Chinese and English
// labels, so the web UI never keeps a copy of them.
func (s *Server) handleEnums(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, gridline.AllEnums())
}

// handleMapConfig answers the base map the web app draws under its
// layers: {"basemap": {"type": "none"}} without one.
func (s *Server) handleMapConfig(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	bm := s.BaseMap
	if bm.Type == "" {
		bm = gridline.BaseMapNone
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{"basemap": bm})
}

// handleEventIndex reads the change feed after a position, oldest first
// (the route's events.read).
func (s *Server) handleEventIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "after", "entity", "limit")
	var f gridline.EventFilter
	if after := q.int64("after"); after != nil {
		f.After = *after
	}
	if e := q.str("entity"); e != nil {
		f.Entities = []string{*e}
	}
	f.Limit, _ = q.page()
	index(s, w, r, q, func() ([]*gridline.Event, int, error) {
		evs, err := s.Events.FindEvents(r.Context(), f)
		return evs, len(evs), err
	})
}

// handleRoles answers the role table: every role with its names, what it
// holds at and its rules, and what anonymous callers may do, so the UI
// shows each user only what their role allows (the server still checks).
func (s *Server) handleRoles(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	type resource struct {
		Resource gridline.Resource `json:"resource"`
		Actions  []gridline.Action `json:"actions"`
	}
	var res []resource
	for _, rs := range gridline.Resources {
		res = append(res, resource{rs, gridline.ActionsOf(rs)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"roles": gridline.RoleTable(), "public": gridline.PublicRules(), "resources": res})
}
