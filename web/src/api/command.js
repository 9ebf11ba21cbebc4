// The command centre's reads: case aggregates and the base map.
import { get } from './client.js';

// aggregateTickets returns {by, z, rows: [{key, count, open, yellow, red,
// lon, lat, status, warning}], total, truncated}: the cases the list would
// select, counted in the database by grid, community, town, status,
// category, channel, day, map cell (by tile, with z) or listed (by case,
// with bbox "w,s,e,n").
export function aggregateTickets(params, options) {
  return get('tickets/aggregate', params, options);
}
