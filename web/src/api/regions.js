// Regions: /api/v1/regions and their GeoJSON.
import { get } from './client.js';

// getRegion returns one region, with its outline when geometry is true.
export function getRegion(code, { geometry = false } = {}) {
  return get(`regions/${encodeURIComponent(code)}`, { geometry: geometry ? 'true' : undefined });
}

// getSubtree returns the regions below code (towns, villages…), in pages.
export function getSubtree(code, { limit, offset } = {}) {
  return get(`regions/${encodeURIComponent(code)}/subtree`, { limit, offset });
}

// getRegionsGeoJSON returns the regions of one level within a region as a
// GeoJSON FeatureCollection.
export function getRegionsGeoJSON(within, level) {
  return get('geojson/regions', { within, level });
}
