package gridline

import (
	"regexp"
	"strings"
)

// BaseMap is the base map the web app draws under its own layers. With
// no URL (Type "none") the maps stay plain: the district, its towns,
// communities and grids on a background, which needs no tile server (an
// offline intranet).
type BaseMap struct {
	// Type is "none", "raster" (tiles are images) or "vector" (URL is a
	// MapLibre style document).
	Type string `json:"type"`
	// Tiles are the XYZ URL templates of a raster base map, with {z},
	// {x} and {y}; more than one when the configured URL names
	// subdomains with {s}.
	Tiles []string `json:"tiles,omitempty"`
	// Style is the style document's URL of a vector base map.
	Style       string `json:"style,omitempty"`
	TileSize    int    `json:"tile_size,omitempty"`
	Attribution string `json:"attribution,omitempty"`
	MaxZoom     int    `json:"max_zoom,omitempty"`
}

// BaseMapNone is the plain map.
var BaseMapNone = BaseMap{Type: "none"}

// wmtsParam matches the key-value parameters of a WMTS GetTile request
// (天地图 and most Chinese map services), whatever their value.
var wmtsParam = regexp.MustCompile(`(?i)([?&](tilematrix|tilerow|tilecol)=)([^&]*)`)

// wmtsPlaceholder matches the RESTful WMTS template's placeholders.
var wmtsPlaceholder = strings.NewReplacer("{TileMatrix}", "{z}", "{TileRow}", "{y}", "{TileCol}", "{x}",
	"{tilematrix}", "{z}", "{tilerow}", "{y}", "{tilecol}", "{x}")

// ParseBaseMap checks a base map's configuration and returns what the web
// app needs. url is an XYZ template ({z}/{x}/{y}), a WMTS GetTile URL
// (TILEMATRIX, TILEROW and TILECOL parameters, whatever their values, are
// set to {z}, {y} and {x}: 天地图's URLs work as they are), a RESTful WMTS
// template ({TileMatrix}/{TileRow}/{TileCol}), or for type vector a style
// document. {s} in the URL takes each of subdomains (comma-separated) in
// turn. An empty url is the plain map. Errors name the setting
// (url, type, subdomains) and the reason.
func ParseBaseMap(url, typ, attribution, subdomains string) (BaseMap, error) {
	url = strings.TrimSpace(url)
	typ = strings.ToLower(strings.TrimSpace(typ))
	if url == "" {
		if typ != "" && typ != "none" {
			return BaseMap{}, FieldErrorf("url", "type %s needs a URL", typ)
		}
		return BaseMapNone, nil
	}
	if typ == "" {
		typ = "raster"
	}
	lower := strings.ToLower(url)
	if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(url, "/") {
		return BaseMap{}, FieldErrorf("url", "want an http(s):// URL or a path on this server, got %q", url)
	}
	bm := BaseMap{Type: typ, Attribution: strings.TrimSpace(attribution)}
	switch typ {
	case "vector":
		bm.Style = url
		return bm, nil
	case "raster":
	default:
		return BaseMap{}, FieldErrorf("type", "want raster or vector, got %q", typ)
	}
	url = wmtsPlaceholder.Replace(url)
	url = wmtsParam.ReplaceAllStringFunc(url, func(m string) string {
		p := wmtsParam.FindStringSubmatch(m)
		v := map[string]string{"tilematrix": "{z}", "tilerow": "{y}", "tilecol": "{x}"}[strings.ToLower(p[2])]
		return p[1] + v
	})
	for _, ph := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(url, ph) {
			return BaseMap{}, FieldErrorf("url", "a raster tile URL needs %s (or WMTS TILEMATRIX, TILEROW and TILECOL)", ph)
		}
	}
	if strings.Contains(url, "{s}") {
		var subs []string
		for _, s := range strings.Split(subdomains, ",") {
			if s = strings.TrimSpace(s); s != "" {
				subs = append(subs, s)
			}
		}
		if len(subs) == 0 {
			return BaseMap{}, FieldErrorf("subdomains", "the URL has {s}: name its subdomains, e.g. 0,1,2,3,4,5,6,7")
		}
		for _, s := range subs {
			bm.Tiles = append(bm.Tiles, strings.ReplaceAll(url, "{s}", s))
		}
	} else {
		bm.Tiles = []string{url}
	}
	bm.TileSize = 256
	bm.MaxZoom = 18
	return bm, nil
}
