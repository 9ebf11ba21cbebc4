// Buildings (楼栋) of the foundation: /api/v1/buildings, and where a
// point lies from them.
import { get } from './client.js';
import { ringContains } from '../geo.js';

// BUILDING_RADIUS_M is the server's gridline.BuildingRadiusM: a case's
// point must lie this close to the footprint of the building it names.
export const BUILDING_RADIUS_M = 200;

// findBuildings returns {items, total}: buildings with their entrances.
// Filters: within (region code), grid (grid code), compound (id), q (name).
export function findBuildings(filter = {}, options) {
  const { within, grid, compound, q, limit, offset } = filter;
  return get('buildings', { within, grid, compound, q, limit, offset }, options);
}

// distanceM returns how far [lon, lat] lies from a building's footprint
// (a GeoJSON Polygon), in metres: 0 inside, as the server measures it.
export function distanceM(footprint, p) {
  const rings = footprint && footprint.coordinates;
  if (!rings || !rings.length) return Infinity;
  if (ringContains(rings[0], p) && !rings.slice(1).some((h) => ringContains(h, p))) return 0;
  const ky = (6371008.8 * Math.PI) / 180;
  const kx = ky * Math.cos((p[1] * Math.PI) / 180);
  let d = Infinity;
  for (const r of rings) {
    for (let i = 0; i + 1 < r.length; i++) {
      const ax = (r[i][0] - p[0]) * kx, ay = (r[i][1] - p[1]) * ky;
      const bx = (r[i + 1][0] - p[0]) * kx, by = (r[i + 1][1] - p[1]) * ky;
      const dx = bx - ax, dy = by - ay;
      const l2 = dx * dx + dy * dy;
      const t = l2 > 0 ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / l2)) : 0;
      d = Math.min(d, Math.hypot(ax + t * dx, ay + t * dy));
    }
  }
  return d;
}

// buildingPlace names a case's place in its building, as the exports do:
// "韦园小区 5号楼 2单元 6层" (zh) or with the English words.
export function buildingPlace(tk, t) {
  if (!tk || !tk.building) return '';
  const parts = [];
  if (tk.building.compound_name) parts.push(tk.building.compound_name);
  parts.push(tk.building.name);
  if (tk.entrance) parts.push(t('entranceN', { n: tk.entrance }));
  if (tk.floor != null) parts.push(t('floorN', { n: tk.floor }));
  return parts.join(' ');
}

// findAddresses returns {items, total}: standard addresses (标准地址), each
// {id, code, full_name, building_id, entrance_no, lon, lat, grid_code, …}.
// Filters: within (region code), grid (grid code), building (id), q (full
// name contains).
export function findAddresses(filter = {}, options) {
  const { within, grid, building, q, limit, offset } = filter;
  return get('addresses', { within, grid, building, q, limit, offset }, options);
}
