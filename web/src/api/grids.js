// Grids and grid layers: /api/v1/grids, /api/v1/grid-layers.
import { get } from './client.js';

// getGridLayers returns the grid layers, in display order.
export function getGridLayers() {
  return get('grid-layers');
}

// getGrid returns one grid with its place, party organisation and workers.
export function getGrid(code) {
  return get(`grids/${encodeURIComponent(code)}`);
}

// getGridsGeoJSON returns the grids within a region, of one layer or all,
// as a GeoJSON FeatureCollection.
export function getGridsGeoJSON(within, layer) {
  return get('geojson/grids', { within, layer });
}

// findGrids returns {items, total}: the grids within a region (a community's
// code lists its grids), of one layer or all, without their geometry.
export function findGrids({ within, layer, limit, offset } = {}, options) {
  return get('grids', { within, layer, limit, offset }, options);
}
