package gridline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

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
	if _, err := ParseUnitKind("kind", string(u.Kind)); err != nil {
		return err
	}
	if err := checkName(u.Name); err != nil {
		return err
	}
	if err := checkTexts(textCheck{"short_name", u.ShortName, MaxShortLen}, textCheck{"phone", u.Phone, MaxShortLen}); err != nil {
		return err
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
	QRToken string `json:"qr_token"`
	// ReportPath is what the door plate's QR code opens, after the
	// server's address: the residents' page with the plate filled in
	// (QRReportPath).
	ReportPath string    `json:"report_path"`
	CreatedAt  time.Time `json:"created_at"`
}

// QRReportPath returns the path a door plate's QR code encodes (after the
// server's https://host): the residents' page /report, which shows the
// plate's address and point and reports a problem there.
func QRReportPath(token string) string { return "/report?qr=" + token }

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

// Place writes locate the object: its region path comes from the grid
// that contains it. A named grid (GridCode) must contain it (EINVALID
// otherwise). Without one, an object that stays inside its current grid
// keeps it — and a building keeps its compound's grid when it lies there —
// so an object on a shared edge never hops between grids; otherwise the
// LocateService chooses the grid (gridline.GridPrecedes). A location in no
// grid is EINVALID naming the field (lon, geometry or footprint). Every
// write is audited and fed.

// PointService reads and writes grid responsibility points.
type PointService interface {
	// FindPointByID returns ENOTFOUND if there is no such point.
	FindPointByID(ctx context.Context, id int64) (*Point, error)
	// FindPoints returns EINVALID if the filter names a compound or a
	// building, which points do not have.
	FindPoints(ctx context.Context, f PlaceFilter) ([]*Point, int, error)
	CreatePoint(ctx context.Context, p *Point) error
	UpdatePoint(ctx context.Context, id int64, upd PointUpdate) (*Point, error)
	// DeletePoint returns ECONFLICT while people are assigned to it.
	DeletePoint(ctx context.Context, id int64) error
}

// CompoundService reads and writes residential compounds.
type CompoundService interface {
	// FindCompoundByID returns ENOTFOUND if there is no such compound.
	FindCompoundByID(ctx context.Context, id int64) (*Compound, error)
	// FindCompounds with BuildingID selects the compound of that building.
	FindCompounds(ctx context.Context, f PlaceFilter) ([]*Compound, int, error)
	CreateCompound(ctx context.Context, c *Compound) error
	// UpdateCompound renames the standard addresses of its buildings
	// with it.
	UpdateCompound(ctx context.Context, id int64, upd CompoundUpdate) (*Compound, error)
	// DeleteCompound returns ECONFLICT while buildings, party
	// organisations or assignments refer to it.
	DeleteCompound(ctx context.Context, id int64) error
}

// BuildingService reads and writes buildings with their entrances.
type BuildingService interface {
	// FindBuildingByID returns ENOTFOUND if there is no such building.
	FindBuildingByID(ctx context.Context, id int64) (*Building, error)
	FindBuildings(ctx context.Context, f PlaceFilter) ([]*Building, int, error)
	// CreateBuilding also creates its entrances (NormalizeEntrances) and
	// one standard address per entrance.
	CreateBuilding(ctx context.Context, b *Building) error
	UpdateBuilding(ctx context.Context, id int64, upd BuildingUpdate) (*Building, error)
	// DeleteBuilding deletes its entrances and addresses with it; returns
	// ECONFLICT while party organisations or cases refer to it.
	DeleteBuilding(ctx context.Context, id int64) error
}

// PointCreator is a PointService that can also take many points in one
// step, for bulk loads such as the demo's: CreatePoints does what
// CreatePoint does for each point, in order — the same rules, rows, audit
// rows and change-feed events — all or nothing. An error names the point
// ("points[i]"). Callers check for it and fall back to CreatePoint.
type PointCreator interface {
	CreatePoints(ctx context.Context, ps []*Point) error
}

// BuildingCreator is a BuildingService that can also take many buildings
// in one step, for bulk loads such as the demo's: CreateBuildings does
// what CreateBuilding does for each building, in order — the same rules,
// rows (entrances and standard addresses included), audit rows and
// change-feed events — all or nothing. An error names the building
// ("buildings[i]"). Callers check for it and fall back to CreateBuilding.
type BuildingCreator interface {
	CreateBuildings(ctx context.Context, bs []*Building) error
}

// AddressService reads standard addresses. Addresses are created with
// their building's entrances, renamed with the building or compound and
// deleted with the building; they are not written on their own.
type AddressService interface {
	// FindAddressByID returns ENOTFOUND if there is no such address.
	FindAddressByID(ctx context.Context, id int64) (*Address, error)
	// FindAddresses: Query searches the full name; CompoundID selects the
	// addresses of the compound's buildings.
	FindAddresses(ctx context.Context, f PlaceFilter) ([]*Address, int, error)
	// FindAddressByQR returns the address behind a scanned door plate, or
	// ENOTFOUND.
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

// MaxInt is the largest value of the integer columns (floors, households,
// numbers): 32 bits on PostgreSQL, where a larger value fails to encode,
// while SQLite would store it.
const MaxInt = 1<<31 - 1

// checkInt returns EINVALID naming field unless lo <= v <= MaxInt.
func checkInt(field string, v, lo int) error {
	if v < lo {
		if lo == 0 {
			return FieldErrorf(field, "must not be negative")
		}
		return FieldErrorf(field, "must be at least %d, got %d", lo, v)
	}
	if v > MaxInt {
		return FieldErrorf(field, "must be at most %d, got %d", MaxInt, v)
	}
	return nil
}

// LonLatError checks a position and names the coordinate that is wrong:
// lat when only the latitude is out of range, lon otherwise (including
// swapped pairs).
func LonLatError(lon, lat float64) error {
	msg := ValidateLonLat(lon, lat)
	if msg == "" {
		return nil
	}
	if lon >= -180 && lon <= 180 && !(lat >= -90 && lat <= 90) {
		return FieldErrorf("lat", "%s", msg)
	}
	return FieldErrorf("lon", "%s", msg)
}

// PolygonError validates a required polygon under the name of its field.
func PolygonError(field string, p Polygon) error {
	if len(p) == 0 {
		return FieldErrorf(field, "is required")
	}
	if err := p.Validate(); err != nil {
		return FieldErrorf(field, "%s", ErrorMessage(err))
	}
	return nil
}

// Validate checks a point's own fields; the store checks its cadre exists.
func (p *Point) Validate() error {
	if err := checkName(p.Name); err != nil {
		return err
	}
	if err := checkTexts(textCheck{"kind", p.Kind, MaxShortLen}, textCheck{"note", p.Note, MaxNoteLen}); err != nil {
		return err
	}
	return LonLatError(p.Lon, p.Lat)
}

// Validate checks a compound's own fields and sets its position to the
// centroid of its outline, when it has one; the store checks its property
// company.
func (c *Compound) Validate() error {
	if err := checkName(c.Name); err != nil {
		return err
	}
	if len(c.Geometry) > 0 {
		if err := PolygonError("geometry", c.Geometry); err != nil {
			return err
		}
		ct := c.Geometry.Centroid()
		c.Lon, c.Lat = ct[0], ct[1]
	} else if err := LonLatError(c.Lon, c.Lat); err != nil {
		return err
	}
	if err := checkInt("households", c.Households, 0); err != nil {
		return err
	}
	if c.BuiltYear != 0 && (c.BuiltYear < 1800 || c.BuiltYear > 2200) {
		return FieldErrorf("built_year", "%d is not a plausible year", c.BuiltYear)
	}
	return nil
}

// LocationField names the field that places a compound in errors:
// geometry when it has an outline, lon otherwise.
func (c *Compound) LocationField() string {
	if len(c.Geometry) > 0 {
		return "geometry"
	}
	return "lon"
}

// Validate checks a building's own fields and sets its position to the
// centroid of its footprint.
func (b *Building) Validate() error {
	if err := checkName(b.Name); err != nil {
		return err
	}
	if err := checkInt("number", b.Number, 0); err != nil {
		return err
	}
	if err := checkInt("floors", b.Floors, 1); err != nil {
		return err
	}
	if math.IsNaN(b.HeightM) || math.IsInf(b.HeightM, 0) {
		return FieldErrorf("height_m", "must be a finite number")
	}
	if b.HeightM < 0 {
		return FieldErrorf("height_m", "must not be negative")
	}
	if err := PolygonError("footprint", b.Footprint); err != nil {
		return err
	}
	ct := b.Footprint.Centroid()
	b.Lon, b.Lat = ct[0], ct[1]
	return nil
}

// NormalizeEntrances gives a building without entrances one entrance, and
// entrances without a number or floors the next number and the building's
// floors; numbers must be unique.
func (b *Building) NormalizeEntrances() error {
	if len(b.Entrances) == 0 {
		b.Entrances = []*Entrance{{Number: 1}}
	}
	seen := map[int]bool{}
	for i, e := range b.Entrances {
		if e == nil {
			return FieldErrorf("entrances", "entrance %d is empty", i+1)
		}
		if e.Number == 0 {
			e.Number = i + 1
		}
		if e.Floors == 0 {
			e.Floors = b.Floors
		}
		if min(e.Number, e.Floors, e.Households) < 0 || max(e.Number, e.Floors, e.Households) > MaxInt {
			return FieldErrorf("entrances", "entrance %d: number, floors and households must be 0–%d", i+1, MaxInt)
		}
		if seen[e.Number] {
			return FieldErrorf("entrances", "entrance number %d appears twice", e.Number)
		}
		seen[e.Number] = true
	}
	return nil
}

// AddressCode is the code of an entrance's standard address: grid code,
// building id and entrance number ("370812001002001-17-2"). It is unique
// because building ids are, and stable because it is never recomputed.
func AddressCode(gridCode string, buildingID int64, entrance int) string {
	return fmt.Sprintf("%s-%d-%d", gridCode, buildingID, entrance)
}

// committeeSuffixes are dropped from village names in addresses: the plate
// reads 韦园社区, not 韦园社区居委会. Longest first.
var committeeSuffixes = []string{"类似居委会", "居民委员会", "村民委员会", "居委会", "村委会"}

// AddressName composes a standard address: the region names from province
// to community (names maps each of AddressRegionCodes(community) to its
// name), then compound, building and entrance, e.g.
// "山东省济宁市兖州区鼓楼街道韦园社区 XX花园 5号楼2单元".
func AddressName(names map[string]string, community, compound, building string, entrance int) string {
	var region strings.Builder
	for _, code := range AddressRegionCodes(community) {
		n := names[code]
		if code == community {
			for _, suf := range committeeSuffixes {
				if t := strings.TrimSuffix(n, suf); t != n && t != "" {
					n = t
					break
				}
			}
		}
		region.WriteString(n)
	}
	parts := make([]string, 0, 3)
	for _, p := range []string{region.String(), compound, fmt.Sprintf("%s%d单元", building, entrance)} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// AddressRegionCodes returns the codes whose names make up the region part
// of a standard address: the community and all regions above it.
func AddressRegionCodes(community string) []string {
	return append(AncestorCodes(community), community)
}

// NewQRToken returns the token of a door plate's QR code: 16 random bytes
// in hex, unguessable, so a plate cannot be forged by counting.
func NewQRToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// CompoundOutline is a compound's id and outline with its bounds: what
// finding the compound a point lies in reads.
type CompoundOutline struct {
	ID      int64
	Outline Polygon
	Bound   orb.Bound
}

// CompoundContaining returns the id of the compound of cs (in id order)
// whose outline holds (lon, lat), the lowest id if outlines overlap, or
// nil: what puts a case in a property company's scope.
func CompoundContaining(cs []CompoundOutline, lon, lat float64) *int64 {
	pt := orb.Point{lon, lat}
	for _, c := range cs {
		if c.Bound.Contains(pt) && c.Outline.Contains(pt) {
			id := c.ID
			return &id
		}
	}
	return nil
}

// CompoundOutliner reads the outlines of a grid's compounds (a compound
// belongs to the grid of its centre); intake asks it for every case with a
// place, so a cache may answer.
type CompoundOutliner interface {
	// GridCompoundOutlines returns the compounds of grid that have an
	// outline, by id.
	GridCompoundOutlines(ctx context.Context, grid string) ([]CompoundOutline, error)
}
