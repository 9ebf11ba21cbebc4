// Small geometry helpers for GeoJSON in longitude/latitude.

function eachPosition(g, fn) {
  if (!g) return;
  switch (g.type) {
    case 'FeatureCollection':
      g.features.forEach((f) => eachPosition(f.geometry, fn));
      break;
    case 'Feature':
      eachPosition(g.geometry, fn);
      break;
    case 'Polygon':
      g.coordinates.forEach((r) => r.forEach(fn));
      break;
    case 'MultiPolygon':
      g.coordinates.forEach((p) => p.forEach((r) => r.forEach(fn)));
      break;
    default:
      break;
  }
}

// bbox returns [[west, south], [east, north]] of any GeoJSON object, or null.
export function bbox(g) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  eachPosition(g, ([x, y]) => {
    if (x < w) w = x;
    if (x > e) e = x;
    if (y < s) s = y;
    if (y > n) n = y;
  });
  return w === Infinity ? null : [[w, s], [e, n]];
}

// outerRings returns the outer rings of a Polygon or MultiPolygon.
function outerRings(g) {
  if (!g) return [];
  if (g.type === 'Polygon') return [g.coordinates[0]];
  if (g.type === 'MultiPolygon') return g.coordinates.map((p) => p[0]);
  return [];
}

// ringArea returns the signed area of a ring: positive when counter-clockwise.
function ringArea(r) {
  let a = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += r[j][0] * r[i][1] - r[i][0] * r[j][1];
  return a / 2;
}

// ringContains reports whether point p lies inside ring r (even-odd rule).
export function ringContains(r, p) {
  let inside = false;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const [xi, yi] = r[i];
    const [xj, yj] = r[j];
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

// ringCentroid returns the area centroid of a ring.
export function ringCentroid(r) {
  let a = 0, cx = 0, cy = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const f = r[j][0] * r[i][1] - r[i][0] * r[j][1];
    a += f;
    cx += (r[j][0] + r[i][0]) * f;
    cy += (r[j][1] + r[i][1]) * f;
  }
  if (a === 0) return r[0];
  return [cx / (3 * a), cy / (3 * a)];
}

// labelPoint returns a point for a label: the centroid of the largest outer
// ring, or, when that falls outside (a crescent-shaped town), the middle of
// the widest horizontal run through the ring at the centroid's latitude.
export function labelPoint(g) {
  const rings = outerRings(g);
  if (!rings.length) return null;
  const r = rings.reduce((a, b) => (Math.abs(ringArea(b)) > Math.abs(ringArea(a)) ? b : a));
  const c = ringCentroid(r);
  if (ringContains(r, c)) return c;
  const xs = [];
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
    const [xi, yi] = r[i];
    const [xj, yj] = r[j];
    if ((yi > c[1]) !== (yj > c[1])) xs.push(xi + ((c[1] - yi) * (xj - xi)) / (yj - yi));
  }
  xs.sort((a, b) => a - b);
  let best = null;
  for (let i = 0; i + 1 < xs.length; i += 2) {
    if (!best || xs[i + 1] - xs[i] > best[1] - best[0]) best = [xs[i], xs[i + 1]];
  }
  return best ? [(best[0] + best[1]) / 2, c[1]] : c;
}

// maskOutside returns a polygon Feature covering the world except the
// given geometry, to dim everything outside the district. MapLibre tells
// holes from outer rings by winding, so the holes are made clockwise.
export function maskOutside(g) {
  const world = [[-180, -85], [180, -85], [180, 85], [-180, 85], [-180, -85]];
  return {
    type: 'Feature',
    properties: {},
    geometry: { type: 'Polygon', coordinates: [world, ...outerRings(g).map((r) => (ringArea(r) > 0 ? [...r].reverse() : r))] },
  };
}
