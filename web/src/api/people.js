// The workforce: /api/v1/people and /api/v1/units.
import { get } from './client.js';

// findPeople returns {items, total}: one page of people working within a
// region, optionally of one team and matching a name query q.
export function findPeople({ within, team, q, limit, offset } = {}, options) {
  return get('people', { within, team, q, limit, offset }, options);
}

// findUnits returns {items, total}: departments, property companies and
// other organisations.
export function findUnits({ kind, limit, offset } = {}) {
  return get('units', { kind, limit, offset });
}
