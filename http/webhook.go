package http

import (
	"net/http"

	"github.com/gridline/gridline"
)

// The webhook subscribers (the 12345 platform's status endpoint) are
// configured by whom the role table lets (resource webhooks: admins);
// the routes declare it, as every route does.

func (s *Server) handleWebhookIndex(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	ws, err := s.Webhooks.FindWebhookSubscribers(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ws})
}

func (s *Server) handleWebhookCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	var sub struct {
		Name     string             `json:"name"`
		URL      string             `json:"url"`
		Secret   string             `json:"secret"`
		Channels []gridline.Channel `json:"channels"`
	}
	if err := decode(r, &sub); err != nil {
		s.Error(w, r, err)
		return
	}
	ws := &gridline.WebhookSubscriber{Name: sub.Name, URL: sub.URL, Secret: sub.Secret, Channels: sub.Channels}
	if err := s.Webhooks.CreateWebhookSubscriber(r.Context(), ws); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ws)
}

func (s *Server) handleWebhookDelete(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Webhooks.DeleteWebhookSubscriber(r.Context(), id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "limit")
	limit := 100
	if n := q.int64("limit"); n != nil {
		if *n < 1 || *n > 1000 {
			q.fail(gridline.FieldErrorf("limit", "must be 1–1000"))
		}
		limit = int(*n)
	}
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ds, err := s.Webhooks.FindWebhookDeliveries(r.Context(), id, limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ds})
}
