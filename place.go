package gridline

import (
	"context"
	"strings"
	"time"
)

// RegionPath is the scope of a located object: the codes of its county,
// town, community and grid. A caller's scope is a prefix filter on
// CommunityCode (or an exact GridCode) on both databases.
type RegionPath struct {
	CountyCode    string `json:"county_code"`
	TownCode      string `json:"town_code"`
	CommunityCode string `json:"community_code"`
	GridCode      string `json:"grid_code,omitempty"`
}

// PathOfGrid returns the region path of a grid.
func PathOfGrid(g *Grid) RegionPath {
	return RegionPath{CountyCode: g.CountyCode, TownCode: g.TownCode, CommunityCode: g.CommunityCode, GridCode: g.Code}
}

// PathOfCommunity returns the region path of a community without a grid.
func PathOfCommunity(code string) RegionPath {
	p := RegionPath{CommunityCode: code}
	if len(code) == 12 {
		p.TownCode, p.CountyCode = code[:9], code[:6]
	}
	return p
}

// Point is a grid responsibility point (网格包保点位): a place or small area
// inside a grid with a responsible cadre (下沉干部).
type Point struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Kind is what the point is: compound, street, market, school, shop…
	Kind string  `json:"kind"`
	Lon  float64 `json:"lon"`
	Lat  float64 `json:"lat"`
	RegionPath
	CadreID   *int64    `json:"cadre_id"`
	CadreName string    `json:"cadre_name,omitempty"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// UnitKind distinguishes departments from property companies and others.
type UnitKind string

// Unit kinds.
const (
	UnitDepartment UnitKind = "department" // 职能部门
	UnitProperty   UnitKind = "property"   // 物业服务企业
	UnitOther      UnitKind = "other"      // e.g. a courier company
)

// Unit is an organisation that handles cases or employs people: a
// department (职能部门) or a property company (物业服务企业).
type Unit struct {
	ID        int64    `json:"id"`
	Kind      UnitKind `json:"kind"`
	Name      string   `json:"name"`
	ShortName string   `json:"short_name,omitempty"`
	Phone     string   `json:"phone,omitempty"`
	// RegionCode is the area the unit serves: the county for a district
	// department, a town for a street office's unit.
	RegionCode string `json:"region_code"`
	// PartyLed marks a 红色物业, a property company with a party organisation.
	PartyLed  bool      `json:"party_led"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks a unit's fields.
func (u *Unit) Validate() error {
	switch u.Kind {
	case UnitDepartment, UnitProperty, UnitOther:
	default:
		return FieldErrorf("kind", "must be department, property or other, got %q", u.Kind)
	}
	if strings.TrimSpace(u.Name) == "" {
		return FieldErrorf("name", "is required")
	}
	if u.RegionCode != "" && !allDigits(u.RegionCode) {
		return FieldErrorf("region_code", "must be a region code, got %q", u.RegionCode)
	}
	return nil
}

// Compound is a residential compound (小区) with its property company.
type Compound struct {
	ID               int64   `json:"id"`
	Name             string  `json:"name"`
	PropertyUnitID   *int64  `json:"property_unit_id"`
	PropertyUnitName string  `json:"property_unit_name,omitempty"`
	Geometry         Polygon `json:"geometry"`
	Lon              float64 `json:"lon"`
	Lat              float64 `json:"lat"`
	RegionPath
	Households int       `json:"households"`
	BuiltYear  int       `json:"built_year,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Building is a building (楼栋) with its footprint, floors and entrance
// units, so a case can be placed at "building 5, unit 2, floor 6".
type Building struct {
	ID         int64   `json:"id"`
	CompoundID *int64  `json:"compound_id"`
	Name       string  `json:"name"`
	Number     int     `json:"number"`
	Floors     int     `json:"floors"`
	HeightM    float64 `json:"height_m"`
	Footprint  Polygon `json:"footprint"`
	Lon        float64 `json:"lon"`
	Lat        float64 `json:"lat"`
	RegionPath
	Entrances []*Entrance `json:"entrances,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// Entrance is an entrance unit (单元) of a building. (The glossary's "Unit"
// here; Gridline says Entrance to keep Unit for organisations.)
type Entrance struct {
	ID         int64  `json:"id"`
	BuildingID int64  `json:"building_id"`
	Number     int    `json:"number"`
	Floors     int    `json:"floors"`
	Households int    `json:"households"`
	AddressID  *int64 `json:"address_id,omitempty"`
}

// Address is a standard address (标准地址) with a QR door-plate token.
type Address struct {
	ID         int64   `json:"id"`
	Code       string  `json:"code"`
	FullName   string  `json:"full_name"`
	BuildingID *int64  `json:"building_id"`
	EntranceNo int     `json:"entrance_no,omitempty"`
	Lon        float64 `json:"lon"`
	Lat        float64 `json:"lat"`
	RegionPath
	QRToken   string    `json:"qr_token"`
	CreatedAt time.Time `json:"created_at"`
}

// PlaceFilter selects points, compounds, buildings and addresses.
type PlaceFilter struct {
	ID         *int64
	Within     *string // region code prefix (county, town or community)
	GridCode   *string
	CompoundID *int64
	BuildingID *int64
	Query      *string // name contains
	Offset     int
	Limit      int
}

// PlaceService reads and writes points, compounds, buildings and addresses.
// Each write locates the object: its region path comes from the grid that
// contains it (EINVALID if it lies in no grid) unless a grid is named.
type PlaceService interface {
	FindPoints(ctx context.Context, f PlaceFilter) ([]*Point, int, error)
	CreatePoint(ctx context.Context, p *Point) error
	UpdatePoint(ctx context.Context, id int64, upd PointUpdate) (*Point, error)
	DeletePoint(ctx context.Context, id int64) error

	FindCompounds(ctx context.Context, f PlaceFilter) ([]*Compound, int, error)
	CreateCompound(ctx context.Context, c *Compound) error
	UpdateCompound(ctx context.Context, id int64, upd CompoundUpdate) (*Compound, error)
	DeleteCompound(ctx context.Context, id int64) error

	FindBuildings(ctx context.Context, f PlaceFilter) ([]*Building, int, error)
	// CreateBuilding also creates its entrances and their standard addresses.
	CreateBuilding(ctx context.Context, b *Building) error
	UpdateBuilding(ctx context.Context, id int64, upd BuildingUpdate) (*Building, error)
	DeleteBuilding(ctx context.Context, id int64) error

	FindAddresses(ctx context.Context, f PlaceFilter) ([]*Address, int, error)
	FindAddressByQR(ctx context.Context, token string) (*Address, error)
}

// PointUpdate changes a point; nil fields stay.
type PointUpdate struct {
	Name    *string  `json:"name"`
	Kind    *string  `json:"kind"`
	Lon     *float64 `json:"lon"`
	Lat     *float64 `json:"lat"`
	CadreID *int64   `json:"cadre_id"`
	Note    *string  `json:"note"`
}

// CompoundUpdate changes a compound; nil fields stay.
type CompoundUpdate struct {
	Name           *string  `json:"name"`
	PropertyUnitID *int64   `json:"property_unit_id"`
	Households     *int     `json:"households"`
	Geometry       *Polygon `json:"geometry"`
}

// BuildingUpdate changes a building; nil fields stay.
type BuildingUpdate struct {
	Name    *string  `json:"name"`
	Floors  *int     `json:"floors"`
	HeightM *float64 `json:"height_m"`
}
