// Locating a point: /api/v1/locate.
import { get } from './client.js';

// locate returns the grid a point lies in, with its community, town and
// county, by the same rule intake uses; 404 when it is in no grid.
export function locate(lon, lat, layer) {
  return get('locate', { lon, lat, layer });
}
