package locate_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/locate"
)

func testLocator() *locate.Index {
	grids := []*gridline.Grid{
		{Code: "370812001002001", Name: "一网格", Layer: gridline.LayerParty, Geometry: sq(116.80, 35.55, 0.01)},
		{Code: "370812001002002", Name: "二网格", Layer: gridline.LayerParty, Geometry: sq(116.81, 35.55, 0.01)},
		{Code: "370812101201001", Name: "村网格", Layer: gridline.LayerComprehensive, Geometry: sq(116.80, 35.55, 0.02)},
	}
	for _, g := range grids {
		g.Normalize()
	}
	layers := []*gridline.GridLayer{{Code: gridline.LayerParty, SortOrder: 1}, {Code: gridline.LayerComprehensive, SortOrder: 2}}
	names := map[string]string{"370812001002": "韦园社区居委会", "370812001": "鼓楼街道", "370812": "兖州区", "370812101201": "某村", "370812101": "大安镇"}
	return locate.NewIndex(grids, layers, names)
}

func TestLocate(t *testing.T) {
	l := testLocator()
	tests := []struct {
		name     string
		lon, lat float64
		layer    string
		wantGrid string
		wantErr  string
		wantCode string
	}{
		{"first grid, preferred layer", 116.805, 35.555, "", "370812001002001", "", ""},
		{"second grid", 116.815, 35.555, "", "370812001002002", "", ""},
		{"shared edge picks one", 116.81, 35.555, "party", "", "", ""},
		{"other layer asked for", 116.805, 35.555, "comprehensive", "370812101201001", "", ""},
		{"only the big grid", 116.805, 35.565, "", "370812101201001", "", ""},
		{"outside every grid", 117.5, 35.9, "", "", "in no grid", gridline.ENOTFOUND},
		{"outside the layer", 116.805, 35.565, "party", "", "in no grid of layer party", gridline.ENOTFOUND},
		{"unknown layer", 116.805, 35.555, "nope", "", `unknown layer "nope"`, gridline.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := l.Locate(tt.lon, tt.lat, tt.layer)
			if tt.wantErr != "" {
				if gridline.ErrorCode(err) != tt.wantCode || !strings.Contains(gridline.ErrorMessage(err), tt.wantErr) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantGrid != "" && loc.Grid.Code != tt.wantGrid {
				t.Fatalf("grid = %s, want %s", loc.Grid.Code, tt.wantGrid)
			}
		})
	}
	loc, _ := l.Locate(116.805, 35.555, "")
	want := gridline.Location{Lon: 116.805, Lat: 35.555, Layer: "party",
		Grid: gridline.Named{Code: "370812001002001", Name: "一网格"}, Community: gridline.Named{Code: "370812001002", Name: "韦园社区居委会"},
		Town: gridline.Named{Code: "370812001", Name: "鼓楼街道"}, County: gridline.Named{Code: "370812", Name: "兖州区"}}
	if loc != want {
		t.Fatalf("location = %+v", loc)
	}
	// An empty index finds nothing.
	empty := locate.NewIndex(nil, nil, nil)
	if _, err := empty.Locate(116.805, 35.555, ""); gridline.ErrorCode(err) != gridline.ENOTFOUND || empty.Len() != 0 {
		t.Fatalf("empty index: %v", err)
	}
}

func FuzzLocate(f *testing.F) {
	l := testLocator()
	f.Add("lon=116.805&lat=35.555")
	f.Add("lon=1e400&lat=0")
	f.Add("lat=%zz")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		lon, lat, layer, err := gridline.ParseLocateQuery(q)
		if err != nil {
			if gridline.ErrorCode(err) != gridline.EINVALID {
				t.Fatalf("code %s: %v", gridline.ErrorCode(err), err)
			}
			return
		}
		if _, err := l.Locate(lon, lat, layer); err != nil {
			if c := gridline.ErrorCode(err); c != gridline.ENOTFOUND && c != gridline.EINVALID {
				t.Fatalf("code %s: %v", c, err)
			}
		}
	})
}

func sq(lon, lat, d float64) gridline.Polygon {
	return gridline.Polygon{{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}
}
