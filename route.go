package gridline

import "context"

// RouteBasis says what a route proposal rests on, so the dispatcher sees
// why a unit is proposed, or why none is.
type RouteBasis string

// Route bases.
const (
	// RouteCatalogue: the sub-class's lead for the dispatching level.
	RouteCatalogue RouteBasis = "catalogue"
	// RouteProperty: a property class inside a compound goes to the
	// compound's property company.
	RouteProperty RouteBasis = "property"
	// RouteNoPropertyCompany: a property class inside a compound that has
	// no property company (an old compound, 老旧小区) takes the
	// sub-class's lead instead.
	RouteNoPropertyCompany RouteBasis = "no_property_company"
	// RouteCommunity: the community (社区/村) where the case is leads;
	// it is handled there, by its grid workers, not dispatched to a unit.
	RouteCommunity RouteBasis = "community"
	// RouteNoUnit: the catalogue names a lead no unit of the district
	// answers to (a department's short name no unit has, a town without
	// a street office among the units).
	RouteNoUnit RouteBasis = "no_unit"
	// RouteNoCategory: the case has no category and its text suggests
	// none, so there is nothing to route on.
	RouteNoCategory RouteBasis = "no_category"
)

// RouteProposal is the lead unit proposed for a case from its category,
// the level that dispatches it and its place (category × level × place).
// It is a default: the dispatcher may choose another unit.
type RouteProposal struct {
	Level RegionLevel `json:"level"`
	// Category is the sub-class routed on: the case's own, or when it has
	// none the best suggestion from its text (CategorySuggested).
	Category          string     `json:"category,omitempty"`
	CategoryName      string     `json:"category_name,omitempty"`
	CategorySuggested bool       `json:"category_suggested"`
	Lead              Lead       `json:"lead"`
	Basis             RouteBasis `json:"basis"`
	// UnitID is the unit proposed, nil when none answers to the lead.
	UnitID   *int64 `json:"unit_id"`
	UnitName string `json:"unit_name,omitempty"`
}

// RoutePlace is what routing needs to know of a case's place besides its
// region path: whether it lies in a compound, and the compound's property
// company (nil when it has none).
type RoutePlace struct {
	InCompound   bool
	PropertyUnit *Unit
}

// ProposeRoute proposes the lead of case t dispatched at level, among
// units. A department lead is the department unit whose short name (or
// name) the catalogue gives, preferring one serving the case's county; a
// street lead is the unit of the case's town that is not a department
// or a property company (the street office or town government,
// 街道办事处/镇人民政府); a property class in a compound goes to its
// property company, or to the sub-class's lead when the compound has
// none. Returns EINVALID for a level other than county, town or village.
func ProposeRoute(cat *Catalogue, t *Ticket, level RegionLevel, place RoutePlace, units []*Unit) (RouteProposal, error) {
	p := RouteProposal{Level: level, Category: t.Category}
	if level != LevelCounty && level != LevelTown && level != LevelVillage {
		return p, FieldErrorf("level", "must be county, town or village, got %q", level)
	}
	if c, ok := cat.Category(p.Category); !ok || c.IsMain() {
		p.Category = ""
		if s := cat.Suggest(t.Text, 1); len(s) > 0 {
			p.Category, p.CategorySuggested = s[0].Code, true
		}
	}
	if p.Category == "" {
		p.Basis = RouteNoCategory
		return p, nil
	}
	c, _ := cat.Category(p.Category)
	p.CategoryName = c.Name
	inCompany := place.InCompound && place.PropertyUnit != nil
	lead, err := cat.Route(p.Category, level, inCompany)
	if err != nil {
		return p, err
	}
	p.Lead, p.Basis = lead, RouteCatalogue
	if c.Property && place.InCompound && place.PropertyUnit == nil {
		p.Basis = RouteNoPropertyCompany
	}
	var u *Unit
	switch lead.Kind {
	case LeadProperty:
		u, p.Basis = place.PropertyUnit, RouteProperty
	case LeadCommunity:
		p.Basis = RouteCommunity
		return p, nil
	case LeadDepartment:
		u = departmentUnit(units, lead.Department, t.CountyCode)
	case LeadStreet:
		u = streetOffice(units, t.TownCode)
	}
	if u == nil {
		p.Basis = RouteNoUnit
		return p, nil
	}
	p.UnitID, p.UnitName = &u.ID, u.Name
	return p, nil
}

// departmentUnit is the department named name (short name first, then
// full name), one serving county before one serving elsewhere.
func departmentUnit(units []*Unit, name, county string) *Unit {
	var found *Unit
	for _, u := range units {
		if u.Kind != UnitDepartment || (u.ShortName != name && u.Name != name) {
			continue
		}
		if u.RegionCode == county {
			return u
		}
		if found == nil {
			found = u
		}
	}
	return found
}

// streetOffice is the unit serving town that is neither a department nor
// a property company, the lowest id when there are several; a town's
// department (a street's own team registered as a department) if none.
func streetOffice(units []*Unit, town string) *Unit {
	if town == "" {
		return nil
	}
	var office, dept *Unit
	for _, u := range units {
		if u.RegionCode != town {
			continue
		}
		switch u.Kind {
		case UnitOther:
			if office == nil || u.ID < office.ID {
				office = u
			}
		case UnitDepartment:
			if dept == nil || u.ID < dept.ID {
				dept = u
			}
		}
	}
	if office != nil {
		return office
	}
	return dept
}

// DispatchLevel returns the level at which a principal with dispatch
// scope s dispatches a case at path p: the county for a district-wide
// scope, otherwise the highest of the scope's regions that holds the
// case (a street office's dispatcher dispatches at town level, a
// community's at village level; a grid counts as its community). A scope
// that holds the case by unit only is the county's: units are dispatched
// to, and redispatch goes back through the centre.
func DispatchLevel(s Scope, p RegionPath) RegionLevel {
	if s.All {
		return LevelCounty
	}
	levels := []RegionLevel{LevelCounty, LevelTown, LevelVillage}
	best := len(levels)
	for _, r := range s.Regions {
		var i int
		switch {
		case r == p.CountyCode && r != "":
			i = 0
		case r == p.TownCode && r != "":
			i = 1
		case r != "" && (r == p.CommunityCode || r == p.GridCode):
			i = 2
		default:
			continue
		}
		best = min(best, i)
	}
	if best == len(levels) {
		return LevelCounty
	}
	return levels[best]
}

// RouteService proposes a case's lead unit (ProposeRoute over the
// district's units and the compound's property company, with the
// catalogue in use).
type RouteService interface {
	ProposeRoute(ctx context.Context, t *Ticket, level RegionLevel) (RouteProposal, error)
}
