package http

import (
	"context"
	"net/http"

	"github.com/gridline/gridline"
)

// personOut is a person as the API shows it: the phone number masked
// (gridline.MaskPerson); POST /api/v1/people/{id}/reveal shows it.
type personOut struct {
	*gridline.Person
}

func personView(r *http.Request, p *gridline.Person) *personOut {
	return &personOut{Person: gridline.MaskPerson(gridline.PrincipalFrom(r.Context()), p)}
}

// handlePersonReveal answers the person's phone in full, for a role that
// may see it; the look is in the audit log.
func (s *Server) handlePersonReveal(w http.ResponseWriter, r *http.Request) {
	if err := parseQuery(r).err; err != nil {
		s.Error(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	phone, err := s.People.RevealPhone(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "phone": phone})
}

func (s *Server) handleUnitIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "kind", "limit", "offset")
	var f gridline.UnitFilter
	if k := q.str("kind"); k != nil {
		kind, err := gridline.ParseUnitKind("kind", *k)
		q.fail(err)
		f.Kind = &kind
	}
	f.Limit, f.Offset = q.page()
	index(s, w, r, q, func() ([]*gridline.Unit, int, error) { return s.Units.FindUnits(r.Context(), f) })
}

func (s *Server) handleUnitCreate(w http.ResponseWriter, r *http.Request) {
	create(s, w, r, s.Units.CreateUnit)
}

func (s *Server) handleUnitView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.Units.FindUnitByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) handleUnitUpdate(w http.ResponseWriter, r *http.Request) {
	update(s, w, r, s.Units.UpdateUnit)
}

func (s *Server) handleUnitDelete(w http.ResponseWriter, r *http.Request) {
	remove(s, w, r, s.Units.DeleteUnit)
}

func (s *Server) handlePersonIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "team", "within", "grid", "unit", "q", "limit", "offset")
	f := gridline.PersonFilter{Within: q.code("within"), GridCode: q.code("grid"), UnitID: q.int64("unit"), Query: q.str("q")}
	if t := q.str("team"); t != nil {
		team, err := gridline.ParseTeam("team", *t)
		q.fail(err)
		f.Team = &team
	}
	f.Limit, f.Offset = q.page()
	index(s, w, r, q, func() ([]*personOut, int, error) {
		ps, n, err := s.People.FindPeople(r.Context(), f)
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
	if err := s.People.CreatePerson(r.Context(), &p); err != nil {
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
	p, err := s.People.FindPersonByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, personView(r, p))
}

func (s *Server) handlePersonUpdate(w http.ResponseWriter, r *http.Request) {
	update(s, w, r, func(ctx context.Context, id int64, u gridline.PersonUpdate) (*personOut, error) {
		p, err := s.People.UpdatePerson(ctx, id, u)
		if err != nil {
			return nil, err
		}
		return personView(r, p), nil
	})
}

func (s *Server) handlePersonDelete(w http.ResponseWriter, r *http.Request) {
	remove(s, w, r, s.People.DeletePerson)
}

func (s *Server) handleAssignmentCreate(w http.ResponseWriter, r *http.Request) {
	create(s, w, r, s.Assignments.CreateAssignment)
}

func (s *Server) handleAssignmentDelete(w http.ResponseWriter, r *http.Request) {
	remove(s, w, r, s.Assignments.DeleteAssignment)
}

func (s *Server) handlePartyOrgIndex(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r, "parent", "root", "subtree", "level", "within", "limit", "offset")
	f := gridline.PartyOrgFilter{ParentID: q.int64("parent"), Root: q.bool("root"), Subtree: q.int64("subtree"), Within: q.code("within")}
	if lv := q.int64("level"); lv != nil {
		l, err := gridline.ParsePartyOrgLevel("level", *lv)
		q.fail(err)
		f.Level = &l
	}
	f.Limit, f.Offset = q.page()
	index(s, w, r, q, func() ([]*gridline.PartyOrg, int, error) { return s.PartyOrgs.FindPartyOrgs(r.Context(), f) })
}

func (s *Server) handlePartyOrgCreate(w http.ResponseWriter, r *http.Request) {
	create(s, w, r, s.PartyOrgs.CreatePartyOrg)
}

func (s *Server) handlePartyOrgView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	os, _, err := s.PartyOrgs.FindPartyOrgs(r.Context(), gridline.PartyOrgFilter{ID: &id})
	if err != nil {
		s.Error(w, r, err)
		return
	} else if len(os) == 0 {
		s.Error(w, r, gridline.Errorf(gridline.ENOTFOUND, "Party organisation %d not found.", id))
		return
	}
	writeJSON(w, http.StatusOK, os[0])
}

func (s *Server) handlePartyOrgUpdate(w http.ResponseWriter, r *http.Request) {
	update(s, w, r, s.PartyOrgs.UpdatePartyOrg)
}

func (s *Server) handlePartyOrgDelete(w http.ResponseWriter, r *http.Request) {
	remove(s, w, r, s.PartyOrgs.DeletePartyOrg)
}
