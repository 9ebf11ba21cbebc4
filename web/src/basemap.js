// The base map under every map page: GET /api/v1/config/map, fetched once.
// Without one (the default, offline intranets) the maps stay plain; with
// one, its tiles (or a vector style's layers) go under the page's own
// layers and its attribution is shown.
import { AttributionControl } from 'maplibre-gl';
import { get } from './api/client.js';

let config = null;

// baseMapConfig returns the configured base map ({type, tiles, style,
// attribution, tile_size, max_zoom}); {type: 'none'} when there is none or
// the request fails.
export function baseMapConfig() {
  config ||= get('config/map').then((r) => r.basemap || { type: 'none' }).catch(() => ({ type: 'none' }));
  return config;
}

// addBaseMap adds the base map to a loaded map, under its first layer
// after the background, with the attribution control. It resolves to true
// when a base map was added, so the page can make its own fills
// see-through.
export async function addBaseMap(map) {
  const bm = await baseMapConfig();
  if (!map || !map.getStyle() || bm.type === 'none') return false;
  const layers = map.getStyle().layers;
  const before = layers.find((l) => l.type !== 'background');
  const beforeId = before ? before.id : undefined;
  if (bm.type === 'raster') {
    map.addSource('basemap', {
      type: 'raster', tiles: bm.tiles, tileSize: bm.tile_size || 256, maxzoom: bm.max_zoom || 18,
    });
    map.addLayer({ id: 'basemap', type: 'raster', source: 'basemap' }, beforeId);
  } else if (bm.type === 'vector') {
    // The style's sources and layers, renamed so they cannot clash with
    // the page's; its glyphs and sprite when it has them.
    const style = await fetch(bm.style).then((r) => r.json());
    if (style.glyphs && !map.getStyle().glyphs) map.setGlyphs(style.glyphs);
    if (style.sprite && !map.getStyle().sprite) map.setSprite(style.sprite);
    Object.entries(style.sources || {}).forEach(([name, src]) => {
      const { attribution: _shownOnce, ...rest } = src; // shown once, by the control
      map.addSource(`bm-${name}`, rest);
    });
    (style.layers || []).forEach((l) => {
      if (l.type === 'background') return;
      if (l.type === 'symbol' && !style.glyphs) return;
      map.addLayer({ ...l, id: `bm-${l.id}`, source: l.source ? `bm-${l.source}` : undefined }, beforeId);
    });
  }
  if (bm.attribution) map.addControl(new AttributionControl({ compact: false, customAttribution: bm.attribution }), 'bottom-right');
  return true;
}
