// The command centre's first reads, shared by its page (views/CommandPage.vue)
// and the app's entry (main.js), which asks for them as the app starts on
// /command — before the signed-in user is known, the page's chunk (with
// MapLibre's megabyte) has arrived and the page has mounted — so that they
// are on their way half a second sooner. The page then makes the same
// requests and is handed the answers already asked for (api/client.js,
// prefetch).
import { getRegion, getRegionsGeoJSON } from './api/regions.js';
import { getGridsGeoJSON } from './api/grids.js';
import { getKPIs } from './api/tickets.js';
import { aggregateTickets } from './api/command.js';
import { prefetch } from './api/client.js';
import { chinaDate } from './i18n.js';

// PERIODS are the periods the screen shows, in days.
export const PERIODS = [1, 7, 30, 365];

// screenDay returns the day the screen shows: ?at=YYYY-MM-DD, else today
// (China time).
export function screenDay(query) {
  return /^\d{4}-\d{2}-\d{2}$/.test(query.at || '') ? query.at : chinaDate();
}

// screenPeriod returns the period the screen shows: ?days, else a year.
export function screenPeriod(query) {
  return PERIODS.includes(Number(query.days)) ? Number(query.days) : 365;
}

const dayStart = (d) => `${d}T00:00:00+08:00`;

// shiftDay returns the day d moved by days.
export const shiftDay = (d, days) => chinaDate(new Date(`${d}T12:00:00+08:00`), days);

// dayRange returns {from, to} of the days days ending with the day at.
export const dayRange = (at, days) => ({ from: dayStart(shiftDay(at, -(days - 1))), to: dayStart(shiftDay(at, 1)) });

// The reads, each as the page makes it.
export const readCounty = (region) => getRegion(region, { geometry: true });
export const readTowns = (region) => getRegionsGeoJSON(region, 'town');
export const readGrids = (region) => getGridsGeoJSON(region);
export const readToday = (region, at) => aggregateTickets({ by: 'status', within: region, ...dayRange(at, 1) });
export const readStates = (region) => aggregateTickets({ by: 'status', within: region });
export const readKPIs = (region, at, days) => { const p = dayRange(at, days); return getKPIs(p.from, p.to, 'town'); };

// prefetchCommand asks for the first reads of /command?query (region, at,
// days as the page takes them).
export function prefetchCommand(query, region) {
  const at = screenDay(query);
  prefetch(() => {
    readCounty(region);
    readTowns(region);
    readGrids(region);
    readToday(region, at);
    readStates(region);
    readKPIs(region, at, screenPeriod(query));
  });
}
