package http

import (
	"net/http"

	"github.com/gridline/gridline"
)

// handleSavedViewIndex lists the signed-in user's saved views on one page
// (?page=tickets), by name.
func (s *Server) handleSavedViewIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "page")
	page := q.str("page")
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	if page == nil || *page == "" {
		s.Error(w, r, gridline.FieldErrorf("page", "is required (e.g. tickets)"))
		return
	}
	p, err := signedIn(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	vs, err := s.Views.FindSavedViews(r.Context(), p.User.ID, *page)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, list(vs, len(vs)))
}

type savedViewRequest struct {
	Page  string            `json:"page"`
	Name  string            `json:"name"`
	Query map[string]string `json:"query"`
}

// handleSavedViewCreate saves a view for the signed-in user.
func (s *Server) handleSavedViewCreate(w http.ResponseWriter, r *http.Request) {
	p, err := signedIn(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var req savedViewRequest
	if err := decode(r, &req); err != nil {
		s.Error(w, r, err)
		return
	}
	v := &gridline.SavedView{UserID: p.User.ID, Page: req.Page, Name: req.Name, Query: req.Query}
	if err := s.Views.CreateSavedView(r.Context(), v); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

// handleSavedViewDelete removes one of the signed-in user's saved views;
// another user's is not found.
func (s *Server) handleSavedViewDelete(w http.ResponseWriter, r *http.Request) {
	p, err := signedIn(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Views.DeleteSavedView(r.Context(), p.User.ID, id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
