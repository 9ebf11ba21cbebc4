package http

import (
	"context"
	"net/http"

	"github.com/gridline/gridline"
)

// placeFilter reads the filters shared by the place lists.
func placeFilter(r *http.Request, extra ...string) (gridline.PlaceFilter, *query) {
	q := parseQuery(r, append([]string{"within", "grid", "q", "limit", "offset"}, extra...)...)
	f := gridline.PlaceFilter{Within: q.code("within"), GridCode: q.code("grid"), Query: q.str("q")}
	f.Limit, f.Offset = q.page()
	return f, q
}

// index answers a list endpoint with find.
func index[T any](s *Server, w http.ResponseWriter, r *http.Request, q *query, find func() ([]T, int, error)) {
	if q.err != nil {
		s.Error(w, r, q.err)
		return
	}
	items, n, err := find()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(items, n))
}

// create decodes a T, calls save and answers 201 with it.
func create[T any](s *Server, w http.ResponseWriter, r *http.Request, save func(context.Context, *T) error) {
	var v T
	if err := decode(r, &v); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := save(r.Context(), &v); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, &v)
}

// update decodes a U patch for the record at {id} and answers with the
// updated record.
func update[U, T any](s *Server, w http.ResponseWriter, r *http.Request, apply func(context.Context, int64, U) (T, error)) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var upd U
	if err := decode(r, &upd); err != nil {
		s.Error(w, r, err)
		return
	}
	v, err := apply(r.Context(), id, upd)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// remove deletes the record at {id} and answers 204.
func remove(s *Server, w http.ResponseWriter, r *http.Request, del func(context.Context, int64) error) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := del(r.Context(), id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handlePointIndex(w http.ResponseWriter, r *http.Request) {
	f, q := placeFilter(r)
	index(s, w, r, q, func() ([]*gridline.Point, int, error) { return s.Points.FindPoints(r.Context(), f) })
}

func (s *Server) handlePointCreate(w http.ResponseWriter, r *http.Request) {
	create(s, w, r, s.Points.CreatePoint)
}

func (s *Server) handlePointUpdate(w http.ResponseWriter, r *http.Request) {
	update(s, w, r, s.Points.UpdatePoint)
}

func (s *Server) handlePointDelete(w http.ResponseWriter, r *http.Request) {
	remove(s, w, r, s.Points.DeletePoint)
}

func (s *Server) handleCompoundIndex(w http.ResponseWriter, r *http.Request) {
	f, q := placeFilter(r)
	index(s, w, r, q, func() ([]*gridline.Compound, int, error) { return s.Compounds.FindCompounds(r.Context(), f) })
}

func (s *Server) handleCompoundCreate(w http.ResponseWriter, r *http.Request) {
	create(s, w, r, s.Compounds.CreateCompound)
}

func (s *Server) handleCompoundUpdate(w http.ResponseWriter, r *http.Request) {
	update(s, w, r, s.Compounds.UpdateCompound)
}

func (s *Server) handleCompoundDelete(w http.ResponseWriter, r *http.Request) {
	remove(s, w, r, s.Compounds.DeleteCompound)
}

func (s *Server) handleBuildingIndex(w http.ResponseWriter, r *http.Request) {
	f, q := placeFilter(r, "compound")
	f.CompoundID = q.int64("compound")
	index(s, w, r, q, func() ([]*gridline.Building, int, error) { return s.Buildings.FindBuildings(r.Context(), f) })
}

func (s *Server) handleBuildingCreate(w http.ResponseWriter, r *http.Request) {
	create(s, w, r, s.Buildings.CreateBuilding)
}

func (s *Server) handleBuildingUpdate(w http.ResponseWriter, r *http.Request) {
	update(s, w, r, s.Buildings.UpdateBuilding)
}

func (s *Server) handleBuildingDelete(w http.ResponseWriter, r *http.Request) {
	remove(s, w, r, s.Buildings.DeleteBuilding)
}

func (s *Server) handleAddressIndex(w http.ResponseWriter, r *http.Request) {
	f, q := placeFilter(r, "building")
	f.BuildingID = q.int64("building")
	index(s, w, r, q, func() ([]*gridline.Address, int, error) { return s.Addresses.FindAddresses(r.Context(), f) })
}

func (s *Server) handleAddressQR(w http.ResponseWriter, r *http.Request) {
	a, err := s.Addresses.FindAddressByQR(r.Context(), r.PathValue("token"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}
