package gridline

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// TicketBuilding is the building a case is placed at, as the case shows
// it: enough to name it and draw the case at its floor.
type TicketBuilding struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Floors       int     `json:"floors"`
	HeightM      float64 `json:"height_m"`
	CompoundName string  `json:"compound_name,omitempty"`
}

// BuildingRadiusM is how far, in metres, a case's point may lie from the
// footprint of the building it names. A point and a building both given
// must agree: the point wins (it is where the reporter or worker stood,
// or what the hotline geocoded), and a building farther away is a mistake
// in one of them, refused rather than guessed at. 200 m allows for phone
// GPS in a compound and a caller standing in the street outside.
const BuildingRadiusM = 200

// NamesBuilding reports whether t names its place by a building, a
// standard address or a QR door plate.
func (t *Ticket) NamesBuilding() bool {
	return t.BuildingID != nil || t.AddressID != nil || t.QRToken != ""
}

// validateBuildingPlace checks what Validate can without the building:
// entrance and floor need one, and are positive.
func (t *Ticket) validateBuildingPlace() error {
	if len(t.QRToken) > MaxShortLen {
		return FieldErrorf("qr_token", "is not a door plate's token")
	}
	if !t.NamesBuilding() {
		if t.Entrance != 0 {
			return FieldErrorf("entrance", "needs a building (building_id, address_id or qr_token)")
		}
		if t.Floor != nil {
			return FieldErrorf("floor", "needs a building (building_id, address_id or qr_token)")
		}
		return nil
	}
	if t.Entrance < 0 || t.Entrance > MaxInt {
		return FieldErrorf("entrance", "must be an entrance number, got %d", t.Entrance)
	}
	return nil
}

// CheckBuildingPlace checks an entrance number (0: none) and a floor (nil:
// none) against building b: the entrance must be one of b's, and the floor
// from 1 to the entrance's floors, or the building's when no entrance is
// named. The foundation counts floors from 1 and models no basements, so
// a floor below 1 is refused too. Errors are EINVALID naming entrance or
// floor.
func CheckBuildingPlace(b *Building, entrance int, floor *int) error {
	top := b.Floors
	if entrance != 0 {
		i := slices.IndexFunc(b.Entrances, func(e *Entrance) bool { return e.Number == entrance })
		if i < 0 {
			nums := make([]string, len(b.Entrances))
			for j, e := range b.Entrances {
				nums[j] = strconv.Itoa(e.Number)
			}
			return FieldErrorf("entrance", "%s has no entrance %d (it has %s)", b.Name, entrance, strings.Join(nums, ", "))
		}
		if f := b.Entrances[i].Floors; f > 0 {
			top = f
		}
	}
	if floor != nil && (*floor < 1 || *floor > top) {
		where := b.Name
		if entrance != 0 {
			where += " entrance " + strconv.Itoa(entrance)
		}
		return FieldErrorf("floor", "must be 1–%d in %s, got %d", top, where, *floor)
	}
	return nil
}

// BuildingDistanceM returns how far (lon, lat) lies from b's footprint, in
// metres: 0 inside it.
func BuildingDistanceM(b *Building, lon, lat float64) float64 {
	pt := orb.Point{lon, lat}
	if b.Footprint.Contains(pt) {
		return 0
	}
	kx, ky := metresPerDegree(lat)
	d := math.Inf(1)
	for _, r := range b.Footprint {
		for i := 0; i+1 < len(r); i++ {
			d = math.Min(d, edgeDistM(pt, r[i], r[i+1], kx, ky))
		}
	}
	if math.IsInf(d, 1) {
		// A footprint without edges: the distance to its centre.
		return math.Hypot((lon-b.Lon)*kx, (lat-b.Lat)*ky)
	}
	return d
}

// BuildingPlace names where in its building a case is, as exports and
// sheets show it: "XX花园 5号楼 2单元 6层", or "" for a case at no building.
func BuildingPlace(t *Ticket) string {
	if t.Building == nil {
		return ""
	}
	parts := make([]string, 0, 4)
	if t.Building.CompoundName != "" {
		parts = append(parts, t.Building.CompoundName)
	}
	parts = append(parts, t.Building.Name)
	if t.Entrance != 0 {
		parts = append(parts, strconv.Itoa(t.Entrance)+"单元")
	}
	if t.Floor != nil {
		parts = append(parts, strconv.Itoa(*t.Floor)+"层")
	}
	return strings.Join(parts, " ")
}
