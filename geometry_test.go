package gridline_test

import (
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/paulmach/orb"
)

func sq(lon, lat, d float64) gridline.Polygon {
	return gridline.Polygon{orb.Ring{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}
}

func TestPolygonValidate(t *testing.T) {
	tests := []struct {
		name    string
		p       gridline.Polygon
		wantErr string
	}{
		{"square", sq(116.8, 35.5, 0.01), ""},
		{"with hole", gridline.Polygon{sq(116.8, 35.5, 0.01)[0], sq(116.802, 35.502, 0.002)[0]}, ""},
		{"no rings", gridline.Polygon{}, "no rings"},
		{"too few positions", gridline.Polygon{orb.Ring{{116.8, 35.5}, {116.9, 35.5}, {116.8, 35.5}}}, "at least 4"},
		{"not closed", gridline.Polygon{orb.Ring{{116.8, 35.5}, {116.9, 35.5}, {116.9, 35.6}, {116.8, 35.6}}}, "not closed"},
		{"lon out of range", sq(181, 35.5, 0.01), "longitude 181 is outside"},
		{"lat out of range", sq(-100, 95, 0.01), "latitude 95 is outside"},
		{"swapped in China", sq(35.5, 116.8, 0.01), "looks like [lat, lon]"},
		{"swapped, both in range", sq(35.5, 80, 0.01), "latitude and longitude look swapped"},
		{"bow tie", gridline.Polygon{orb.Ring{{116.8, 35.5}, {116.9, 35.6}, {116.9, 35.5}, {116.8, 35.6}, {116.8, 35.5}}}, "intersects itself"},
		{"spike", gridline.Polygon{orb.Ring{{116.8, 35.5}, {116.9, 35.5}, {116.9, 35.6}, {116.95, 35.6}, {116.9, 35.6}, {116.8, 35.6}, {116.8, 35.5}}}, "intersects itself"},
		{"zero area", gridline.Polygon{orb.Ring{{116.8, 35.5}, {116.9, 35.5}, {117.0, 35.5}, {116.8, 35.5}}}, "intersects itself"},
		{"hole outside", gridline.Polygon{sq(116.8, 35.5, 0.01)[0], sq(116.9, 35.5, 0.001)[0]}, "outside the outer ring"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(gridline.ErrorMessage(err), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestOverlaps(t *testing.T) {
	base := sq(116.8, 35.5, 0.01)
	cross := gridline.Polygon{orb.Ring{{116.795, 35.504}, {116.815, 35.504}, {116.815, 35.506}, {116.795, 35.506}, {116.795, 35.504}}}
	tests := []struct {
		name string
		b    gridline.Polygon
		want bool
	}{
		{"shared edge", sq(116.81, 35.5, 0.01), false},
		{"shared corner", sq(116.81, 35.51, 0.01), false},
		{"apart", sq(116.9, 35.5, 0.01), false},
		{"identical", sq(116.8, 35.5, 0.01), true},
		{"partial overlap", sq(116.805, 35.505, 0.01), true},
		{"inside", sq(116.802, 35.502, 0.002), true},
		{"contains", sq(116.7, 35.4, 0.3), true},
		{"cross with no vertex inside", cross, true},
		// 0.5 m into the neighbour is within the 1 m tolerance; 5 m is not.
		{"sliver within tolerance", sq(116.81-0.0000055, 35.5, 0.01), false},
		{"beyond tolerance", sq(116.81-0.000055, 35.5, 0.01), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := gridline.Overlaps(base, tt.b, gridline.OverlapToleranceM)
			if got != tt.want {
				t.Fatalf("Overlaps = %v, want %v", got, tt.want)
			}
			if _, rev := gridline.Overlaps(tt.b, base, gridline.OverlapToleranceM); rev != got {
				t.Fatalf("not symmetric")
			}
		})
	}
}

func TestCentroidSmallPolygon(t *testing.T) {
	// A 12 m × 40 m building footprint: the centroid must be its centre to
	// the centimetre, which raw-coordinate shoelace sums miss.
	p := gridline.Polygon{orb.Ring{{116.758, 35.579}, {116.758443, 35.579}, {116.758443, 35.579108}, {116.758, 35.579108}, {116.758, 35.579}}}
	c := p.Centroid()
	if d := (c[0]-116.7582215)*90000 + (c[1]-35.579054)*111000; d > 0.01 || d < -0.01 {
		t.Fatalf("centroid %v is %.3f m off", c, d)
	}
	if !p.Contains(c) {
		t.Fatal("centroid outside its polygon")
	}
}

func TestPolygonContainsAndArea(t *testing.T) {
	p := gridline.Polygon{sq(116.8, 35.5, 0.01)[0], sq(116.802, 35.502, 0.002)[0]}
	for _, tt := range []struct {
		pt   orb.Point
		want bool
	}{
		{orb.Point{116.801, 35.501}, true},
		{orb.Point{116.803, 35.503}, false}, // in the hole
		{orb.Point{116.8, 35.505}, true},    // on the boundary
		{orb.Point{116.811, 35.505}, false},
	} {
		if got := p.Contains(tt.pt); got != tt.want {
			t.Errorf("Contains(%v) = %v", tt.pt, got)
		}
	}
	// 0.01° × 0.01° at 35.5°N ≈ 906 m × 1112 m, less a 0.002° hole.
	a := p.AreaM2()
	if a < 0.96*(1.0e6-0.04e6) || a > 1.04*(1.0e6-0.04e6) {
		t.Fatalf("area = %.0f", a)
	}
}

func TestParseGridsGeoJSON(t *testing.T) {
	feature := func(props, geom string) string {
		return `{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}`
	}
	poly := `{"type":"Polygon","coordinates":[[[116.8,35.5],[116.81,35.5],[116.81,35.51],[116.8,35.51],[116.8,35.5]]]}`
	fc := func(fs ...string) string {
		return `{"type":"FeatureCollection","features":[` + strings.Join(fs, ",") + `]}`
	}
	ok := feature(`{"name":"a","community_code":"370812001002"}`, poly)
	tests := []struct {
		name, data, wantErr string
	}{
		{"ok", fc(ok, feature(`{"name":"b","code":"370812001002007"}`, poly)), ""},
		{"not json", `{"type":`, "not valid JSON"},
		{"not a collection", feature(`{}`, poly), "want a GeoJSON FeatureCollection"},
		{"no features", fc(), "no features"},
		{"point geometry", fc(ok, feature(`{"name":"a","community_code":"370812001002"}`, `{"type":"Point","coordinates":[116.8,35.5]}`)), "feature 1: geometry is a Point"},
		{"missing name", fc(feature(`{"community_code":"370812001002"}`, poly)), "feature 0: name: is required"},
		{"bad community", fc(feature(`{"name":"a","community_code":"3708"}`, poly)), "feature 0: community_code"},
		{"code not under community", fc(feature(`{"name":"a","code":"370812001002001","community_code":"370812001003"}`, poly)), "does not start with its community code"},
		{"swapped", fc(feature(`{"name":"a","community_code":"370812001002"}`, `{"type":"Polygon","coordinates":[[[35.5,116.8],[35.5,116.81],[35.51,116.81],[35.5,116.8]]]}`)), "looks like [lat, lon]"},
		{"duplicate code", fc(feature(`{"name":"a","code":"370812001002001"}`, poly), feature(`{"name":"b","code":"370812001002001"}`, poly)), "feature 1: code: duplicate code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs, err := gridline.ParseGridsGeoJSON([]byte(tt.data), "")
			if tt.wantErr == "" {
				if err != nil || len(gs) != 2 || gs[1].CommunityCode != "370812001002" || gs[0].Layer != gridline.LayerComprehensive {
					t.Fatalf("grids=%v err=%v", gs, err)
				}
				return
			}
			if gridline.ErrorCode(err) != gridline.EINVALID || !strings.Contains(gridline.ErrorMessage(err), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzParseGridsGeoJSON(f *testing.F) {
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a","community_code":"370812001002"},"geometry":{"type":"Polygon","coordinates":[[[116.8,35.5],[116.81,35.5],[116.81,35.51],[116.8,35.5]]]}}]}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[]}}]}`)
	f.Add(`{"type":"FeatureCollection","features":[null]}`)
	f.Fuzz(func(t *testing.T, s string) {
		gs, err := gridline.ParseGridsGeoJSON([]byte(s), "")
		if err != nil {
			if code := gridline.ErrorCode(err); code != gridline.EINVALID {
				t.Fatalf("error code %s for bad input: %v", code, err)
			}
			return
		}
		for _, g := range gs {
			if err := g.Validate(); err != nil {
				t.Fatalf("accepted an invalid grid: %v", err)
			}
		}
	})
}

func TestAssignGridCodes(t *testing.T) {
	// A 3×2 block given in scrambled order is numbered in reading order.
	var gs []*gridline.Grid
	order := []int{4, 0, 5, 2, 1, 3}
	for _, i := range order {
		lon := 116.8 + float64(i%3)*0.01
		lat := 35.6 - float64(i/3)*0.01
		gs = append(gs, &gridline.Grid{CommunityCode: "370812001002", Geometry: sq(lon, lat, 0.01)})
	}
	err := gridline.AssignGridCodes(gs, func(string) (int, error) { return 4, nil })
	if err != nil {
		t.Fatal(err)
	}
	for k, i := range order {
		want := "370812001002" + []string{"004", "005", "006", "007", "008", "009"}[i]
		if gs[k].Code != want {
			t.Errorf("grid at block position %d: code %s, want %s", i, gs[k].Code, want)
		}
	}
}
