package gridline_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

func TestCheckText(t *testing.T) {
	tests := []struct {
		name  string
		value string
		max   int
		ok    bool
	}{
		{"empty", "", 10, true},
		{"at the limit in characters, not bytes", strings.Repeat("网", 10), 10, true},
		{"one over", strings.Repeat("网", 11), 10, false},
		{"NUL", "a\x00b", 10, false},
		{"invalid UTF-8", "a\xffb", 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := gridline.CheckText("name", tt.value, tt.max)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckText(%q) = %v, want ok=%v", tt.value, err, tt.ok)
			}
			if err != nil && gridline.ErrorFields(err)["name"] == "" {
				t.Fatalf("error does not name the field: %v", err)
			}
		})
	}
}

// TestEveryNameBounded: every validated type refuses a 9,000-character
// name with EINVALID on the name field (finding 8: PostgreSQL answered 500
// "index row requires 9024 bytes").
func TestEveryNameBounded(t *testing.T) {
	long := strings.Repeat("名", 9000)
	sq := gridline.Polygon{{{116.8, 35.5}, {116.81, 35.5}, {116.81, 35.51}, {116.8, 35.51}, {116.8, 35.5}}}
	for name, v := range map[string]interface{ Validate() error }{
		"grid":      &gridline.Grid{Name: long, CommunityCode: "370812001002", Layer: "party", Geometry: sq},
		"layer":     &gridline.GridLayer{Code: "x", Name: long},
		"point":     &gridline.Point{Name: long, Lon: 116.8, Lat: 35.5},
		"unit":      &gridline.Unit{Kind: gridline.UnitOther, Name: long},
		"compound":  &gridline.Compound{Name: long, Lon: 116.8, Lat: 35.5},
		"building":  &gridline.Building{Name: long, Floors: 1, Footprint: sq},
		"person":    &gridline.Person{Name: long, Team: gridline.TeamVolunteer},
		"party org": &gridline.PartyOrg{Name: long, Level: 1, RegionCode: "370812001"},
	} {
		if err := v.Validate(); gridline.ErrorFields(err)["name"] == "" {
			t.Errorf("%s: %v, want an error on name", name, err)
		}
	}
	a := &gridline.Assignment{Target: gridline.TargetGrid, Role: strings.Repeat("r", 9000)}
	if err := a.Validate(); gridline.ErrorFields(err)["role"] == "" {
		t.Errorf("assignment role: %v", err)
	}
}

// TestGridGeometryCheckCancelled: a cancelled check of a large polygon
// is the context's error, not "geometry: Internal error." as EINVALID.
func TestGridGeometryCheckCancelled(t *testing.T) {
	ring := orb.Ring{}
	const n = 20000
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / n
		ring = append(ring, orb.Point{116.8 + 0.01*math.Cos(a), 35.55 + 0.01*math.Sin(a)})
	}
	ring = append(ring, ring[0])
	g := &gridline.Grid{Geometry: gridline.Polygon{ring}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := g.ValidateGeometry(ctx)
	if !errors.Is(err, context.Canceled) || gridline.ErrorCode(err) == gridline.EINVALID {
		t.Fatalf("err = %v (code %s), want the cancellation", err, gridline.ErrorCode(err))
	}
	if err := g.ValidateGeometry(context.Background()); err != nil {
		t.Fatal(err)
	}
}
