// District figures: /api/v1/stats.
import { get } from './client.js';

// getOverview returns the headline figures of a region.
export function getOverview(region) {
  return get('stats/overview', { region });
}

// getWorkforce returns the workforce of a region by team and by town.
export function getWorkforce(region) {
  return get('stats/workforce', { region });
}
