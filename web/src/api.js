// Client for the Gridline JSON API (same origin, /api/v1).

// APIError carries the server's {"error":{"code","message","fields"}}.
export class APIError extends Error {
  constructor(status, code, message, fields) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code || 'internal';
    this.fields = fields || {};
  }
}

// get fetches /api/v1/<path> with the given query parameters and returns the
// decoded JSON, or throws an APIError.
export async function get(path, params = {}, { signal } = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const qs = q.toString();
  const url = `/api/v1/${path}${qs ? `?${qs}` : ''}`;
  let res;
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' }, signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new APIError(0, 'network', err.message);
  }
  let body = null;
  const text = await res.text();
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!res.ok) {
    const e = body && body.error ? body.error : {};
    throw new APIError(res.status, e.code, e.message || text.slice(0, 200), e.fields);
  }
  return body;
}

export const api = {
  region: (code) => get(`regions/${encodeURIComponent(code)}`, { geometry: 'true' }),
  regionsGeoJSON: (within, level) => get('geojson/regions', { within, level }),
  gridLayers: () => get('grid-layers'),
  gridsGeoJSON: (within, layer) => get('geojson/grids', { within, layer }),
  grid: (code) => get(`grids/${encodeURIComponent(code)}`),
  overview: (region) => get('stats/overview', { region }),
  workforce: (region) => get('stats/workforce', { region }),
};
