package gridline

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func testBuilding() *Building {
	// About 20 m × 11 m at Yanzhou; entrance 2 is lower than the rest.
	fp := Polygon{orb.Ring{{116.8000, 35.5500}, {116.8002, 35.5500}, {116.8002, 35.5501}, {116.8000, 35.5501}, {116.8000, 35.5500}}}
	b := &Building{ID: 7, Name: "5号楼", Floors: 18, Footprint: fp,
		Entrances: []*Entrance{{Number: 1, Floors: 18}, {Number: 2, Floors: 6}, {Number: 3}}}
	ct := fp.Centroid()
	b.Lon, b.Lat = ct[0], ct[1]
	return b
}

func TestCheckBuildingPlace(t *testing.T) {
	b := testBuilding()
	ptr := func(v int) *int { return &v }
	tests := []struct {
		name     string
		entrance int
		floor    *int
		field    string // "" for valid
	}{
		{"nothing", 0, nil, ""},
		{"top floor of the building", 0, ptr(18), ""},
		{"above the building", 0, ptr(19), "floor"},
		{"ground floor", 1, ptr(1), ""},
		{"no basements", 0, ptr(-1), "floor"},
		{"floor zero", 0, ptr(0), "floor"},
		{"entrance's own floors", 2, ptr(6), ""},
		{"above a lower entrance", 2, ptr(7), "floor"},
		{"entrance without floors of its own takes the building's", 3, ptr(18), ""},
		{"unknown entrance", 4, nil, "entrance"},
		{"unknown entrance with a floor", 9, ptr(2), "entrance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckBuildingPlace(b, tt.entrance, tt.floor)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			var e *Error
			if err == nil || !asError(err, &e) || e.Fields[tt.field] == "" {
				t.Fatalf("got %v, want an error naming %s", err, tt.field)
			}
		})
	}
	err := CheckBuildingPlace(b, 4, nil)
	if !strings.Contains(ErrorMessage(err), "1, 2, 3") {
		t.Errorf("unknown entrance: %q should list the entrances", ErrorMessage(err))
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

func TestBuildingDistanceM(t *testing.T) {
	b := testBuilding()
	if d := BuildingDistanceM(b, b.Lon, b.Lat); d != 0 {
		t.Errorf("centre: %v m, want 0", d)
	}
	// 0.001° of latitude north of the north wall is about 111 m.
	if d := BuildingDistanceM(b, 116.8001, 35.5511); d < 105 || d > 116 {
		t.Errorf("111 m north: got %v m", d)
	}
	// 0.005° east of the east wall at 35.55°: about 453 m.
	if d := BuildingDistanceM(b, 116.8052, 35.55005); d < 450 || d > 470 {
		t.Errorf("0.005° east: got %v m", d)
	}
}

func TestTicketValidateBuildingPlace(t *testing.T) {
	id := int64(3)
	floor := 2
	tests := []struct {
		name  string
		t     Ticket
		field string
	}{
		{"a building is a place", Ticket{Channel: ChannelHotline, Text: "漏水", BuildingID: &id}, ""},
		{"an address id is a place", Ticket{Channel: ChannelHotline, Text: "漏水", AddressID: &id}, ""},
		{"a door plate is a place", Ticket{Channel: ChannelHotline, Text: "漏水", QRToken: "abc"}, ""},
		{"no place", Ticket{Channel: ChannelHotline, Text: "漏水"}, "lon"},
		{"floor without a building", Ticket{Channel: ChannelHotline, Text: "漏水", Address: "x", Floor: &floor}, "floor"},
		{"entrance without a building", Ticket{Channel: ChannelHotline, Text: "漏水", Address: "x", Entrance: 2}, "entrance"},
		{"negative entrance", Ticket{Channel: ChannelHotline, Text: "漏水", BuildingID: &id, Entrance: -1}, "entrance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.t.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			var e *Error
			if err == nil || !asError(err, &e) || e.Fields[tt.field] == "" {
				t.Fatalf("got %v, want an error naming %s", err, tt.field)
			}
		})
	}
}
