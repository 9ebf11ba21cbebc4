package gridline

import (
	"slices"
	"testing"
)

func TestParseBaseMap(t *testing.T) {
	tests := []struct {
		name, url, typ, subs string
		want                 []string // tiles, or the style for vector
		field                string   // the field an error names
	}{
		{name: "none", want: nil},
		{name: "xyz", url: "https://tiles.example.org/{z}/{x}/{y}.png", want: []string{"https://tiles.example.org/{z}/{x}/{y}.png"}},
		{name: "local path", url: "/tiles/{z}/{x}/{y}.png", want: []string{"/tiles/{z}/{x}/{y}.png"}},
		{name: "tianditu as given", url: "http://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY",
			subs: "0,1", want: []string{
				"http://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY",
				"http://t1.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"}},
		{name: "wmts kvp without placeholders", url: "https://wmts.example.cn/img_w/wmts?service=wmts&request=GetTile&TileMatrix=0&TileRow=0&TileCol=0&tk=k",
			want: []string{"https://wmts.example.cn/img_w/wmts?service=wmts&request=GetTile&TileMatrix={z}&TileRow={y}&TileCol={x}&tk=k"}},
		{name: "wmts restful", url: "https://wmts.example.cn/vec/default/w/{TileMatrix}/{TileRow}/{TileCol}.png",
			want: []string{"https://wmts.example.cn/vec/default/w/{z}/{y}/{x}.png"}},
		{name: "vector style", url: "https://maps.example.org/style.json", typ: "vector", want: []string{"https://maps.example.org/style.json"}},
		{name: "no placeholders", url: "https://tiles.example.org/tile.png", field: "url"},
		{name: "not http", url: "ftp://tiles.example.org/{z}/{x}/{y}.png", field: "url"},
		{name: "bad type", url: "https://tiles.example.org/{z}/{x}/{y}.png", typ: "wms", field: "type"},
		{name: "subdomains missing", url: "https://{s}.tiles.example.org/{z}/{x}/{y}.png", field: "subdomains"},
		{name: "type without url", typ: "raster", field: "url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bm, err := ParseBaseMap(tt.url, tt.typ, "© test", tt.subs)
			if tt.field != "" {
				if ErrorFields(err)[tt.field] == "" {
					t.Fatalf("err = %v, want one naming %s", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := bm.Tiles
			if bm.Type == "vector" {
				got = []string{bm.Style}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q\nwant %q", got, tt.want)
			}
			if tt.url == "" && bm.Type != "none" {
				t.Fatalf("type %q, want none", bm.Type)
			}
		})
	}
}
