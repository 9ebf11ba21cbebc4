package http

import (
	"context"
	"net/http"

	"github.com/gridline/gridline"
)

// personOut is a person as the API shows it: the phone number masked
// unless the caller holds the API token.
type personOut struct {
	*gridline.Person
}

func personView(r *http.Request, p *gridline.Person) *personOut {
	if !privileged(r) && p.Phone != "" {
		c := *p
		c.Phone = gridline.MaskPhone(p.Phone)
		p = &c
	}
	return &personOut{Person: p}
}

func (s *Server) handleUnitIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "kind", "limit", "offset")
	var kind *gridline.UnitKind
	if k := q.str("kind"); k != nil {
		uk := gridline.UnitKind(*k)
		if uk != gridline.UnitDepartment && uk != gridline.UnitProperty && uk != gridline.UnitOther && q.err == nil {
			q.err = gridline.FieldErrorf("kind", "must be department, property or other, got %q", *k)
		}
		kind = &uk
	}
	limit, offset := q.page()
	index(s, w, r, q, func() ([]*gridline.Unit, int, error) { return s.Orgs.FindUnits(r.Context(), kind, offset, limit) })
}

func (s *Server) handleUnitCreate(w http.ResponseWriter, r *http.Request) {
	create(s, w, r, s.Orgs.CreateUnit)
}

func (s *Server) handleUnitView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.Orgs.FindUnitByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// unitUpdate is the body of PATCH /api/v1/units/{id}.
type unitUpdate struct {
	Name     *string `json:"name"`
	Phone    *string `json:"phone"`
	PartyLed *bool   `json:"party_led"`
}

func (s *Server) handleUnitUpdate(w http.ResponseWriter, r *http.Request) {
	update(s, w, r, func(ctx context.Context, id int64, u unitUpdate) (*gridline.Unit, error) {
		return s.Orgs.UpdateUnit(ctx, id, u.Name, u.Phone, u.PartyLed)
	})
}

func (s *Server) handleUnitDelete(w http.ResponseWriter, r *http.Request) {
	remove(s, w, r, s.Orgs.DeleteUnit)
}

func (s *Server) handlePersonIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "team", "within", "grid", "unit", "q", "limit", "offset")
	f := gridline.PersonFilter{Within: q.code("within"), GridCode: q.code("grid"), UnitID: q.int64("unit"), Query: q.str("q")}
	if t := q.str("team"); t != nil {
		team := gridline.Team(*t)
		if !team.Valid() && q.err == nil {
			q.err = gridline.FieldErrorf("team", "unknown team %q", *t)
		}
		f.Team = &team
	}
	f.Limit, f.Offset = q.page()
	index(s, w, r, q, func() ([]*personOut, int, error) {
		ps, n, err := s.Orgs.FindPeople(r.Context(), f)
		out := make([]*personOut, len(ps))
		for i, p := range ps {
			out[i] = personView(r, p)
		}
		return out, n, err
	})
}

func (s *Server) handlePersonCreate(w http.ResponseWriter, r *http.Request) {
	var p gridline.Person
	if err := decode(r, &p); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.Orgs.CreatePerson(r.Context(), &p); err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, personView(r, &p))
}

func (s *Server) handlePersonView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p, err := s.Orgs.FindPersonByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, personView(r, p))
}

func (s *Server) handlePersonUpdate(w http.ResponseWriter, r *http.Request) {
	update(s, w, r, func(ctx context.Context, id int64, u gridline.PersonUpdate) (*personOut, error) {
		p, err := s.Orgs.UpdatePerson(ctx, id, u)
		if err != nil {
			return nil, err
		}
		return personView(r, p), nil
	})
}

func (s *Server) handlePersonDelete(w http.ResponseWriter, r *http.Request) {
	remove(s, w, r, s.Orgs.DeletePerson)
}

func (s *Server) handleAssignmentCreate(w http.ResponseWriter, r *http.Request) {
	create(s, w, r, s.Orgs.Assign)
}

func (s *Server) handleAssignmentDelete(w http.ResponseWriter, r *http.Request) {
	remove(s, w, r, s.Orgs.Unassign)
}

func (s *Server) handlePartyOrgIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "parent", "root", "subtree", "level", "within", "limit", "offset")
	f := gridline.PartyOrgFilter{ParentID: q.int64("parent"), Root: q.bool("root"), Subtree: q.int64("subtree"), Within: q.code("within")}
	if lv := q.int64("level"); lv != nil {
		if (*lv < 1 || *lv > 6) && q.err == nil {
			q.err = gridline.FieldErrorf("level", "must be 1–6, got %d", *lv)
		}
		l := gridline.PartyOrgLevel(*lv)
		f.Level = &l
	}
	f.Limit, f.Offset = q.page()
	index(s, w, r, q, func() ([]*gridline.PartyOrg, int, error) { return s.Orgs.FindPartyOrgs(r.Context(), f) })
}

func (s *Server) handlePartyOrgCreate(w http.ResponseWriter, r *http.Request) {
	create(s, w, r, s.Orgs.CreatePartyOrg)
}

func (s *Server) handlePartyOrgView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	os, _, err := s.Orgs.FindPartyOrgs(r.Context(), gridline.PartyOrgFilter{ID: &id})
	if err != nil {
		s.Error(w, r, err)
		return
	} else if len(os) == 0 {
		s.Error(w, r, gridline.Errorf(gridline.ENOTFOUND, "Party organisation %d not found.", id))
		return
	}
	writeJSON(w, http.StatusOK, os[0])
}

// partyOrgUpdate is the body of PATCH /api/v1/party-orgs/{id}.
type partyOrgUpdate struct {
	Name     *string `json:"name"`
	LeaderID *int64  `json:"leader_id"`
}

func (s *Server) handlePartyOrgUpdate(w http.ResponseWriter, r *http.Request) {
	update(s, w, r, func(ctx context.Context, id int64, u partyOrgUpdate) (*gridline.PartyOrg, error) {
		return s.Orgs.UpdatePartyOrg(ctx, id, u.Name, u.LeaderID)
	})
}

func (s *Server) handlePartyOrgDelete(w http.ResponseWriter, r *http.Request) {
	remove(s, w, r, s.Orgs.DeletePartyOrg)
}
