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
import { chinaDate, shiftDay } from './i18n.js';
import { bbox as boundsOf } from './geo.js';

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

export { shiftDay };

// dayRange returns {from, to} of the days days ending with the day at.
export const dayRange = (at, days) => ({ from: dayStart(shiftDay(at, -(days - 1))), to: dayStart(shiftDay(at, 1)) });

// The reads, each as the page makes it.
export const readCounty = (region) => getRegion(region, { geometry: true });
export const readTowns = (region) => getRegionsGeoJSON(region, 'town');
export const readCommunities = (region) => getRegionsGeoJSON(region, 'village');
export const readGrids = (region) => getGridsGeoJSON(region);
export const readToday = (region, at) => aggregateTickets({ by: 'status', within: region, ...dayRange(at, 1) });
export const readStates = (region) => aggregateTickets({ by: 'status', within: region });
export const readKPIs = (region, at, days) => { const p = dayRange(at, days); return getKPIs(p.from, p.to, 'town'); };
// readCells reads the map cells of the period p ({from, to}) in the box
// bbox ("w,s,e,n") at zoom z.
export const readCells = (region, p, bbox, z, category) => aggregateTickets({
  within: region, from: p.from, to: p.to, category: category || undefined, bbox, by: 'tile', z,
});

// MAP_PADDING is the margin, in pixels, around the county in the first view.
export const MAP_PADDING = 40;

// firstView returns the map's first view of a county's outline geometry in
// a map of width × height CSS pixels: the outline fitted with MAP_PADDING
// around it, as MapLibre frames bounds (Web Mercator, 512-pixel tiles,
// no rotation) — {center, zoom} to make the map with, and the box
// ("w,s,e,n", to 1e-5°) and cell zoom (z) the view's cells are read with.
// Null without an outline or room.
export function firstView(geometry, width, height) {
  const b = geometry ? boundsOf(geometry) : null;
  if (!b || width <= 2 * MAP_PADDING || height <= 2 * MAP_PADDING) return null;
  const mx = (lon) => (lon + 180) / 360;
  const my = (lat) => (180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))) / 360;
  const lon = (x) => x * 360 - 180;
  const lat = (y) => (360 / Math.PI) * Math.atan(Math.exp(((180 - y * 360) * Math.PI) / 180)) - 90;
  const [[w, s], [e, n]] = b;
  const dx = Math.max(mx(e) - mx(w), 1e-9);
  const dy = Math.max(my(s) - my(n), 1e-9);
  const zoom = Math.min(Math.max(Math.log2(Math.min((width - 2 * MAP_PADDING) / (dx * 512), (height - 2 * MAP_PADDING) / (dy * 512))), 7), 19);
  const cx = (mx(w) + mx(e)) / 2;
  const cy = (my(n) + my(s)) / 2;
  const world = 512 * 2 ** zoom;
  const r = (v) => Math.round(v * 1e5) / 1e5;
  const box = [
    Math.max(lon(cx - width / 2 / world), -180), Math.max(lat(cy + height / 2 / world), -90),
    Math.min(lon(cx + width / 2 / world), 180), Math.min(lat(cy - height / 2 / world), 90),
  ].map(r).join(',');
  return { center: [lon(cx), lat(cy)], zoom, bbox: box, z: Math.min(Math.floor(zoom), 17) };
}

// commandMapSize returns the size the page's map will have in a window
// of width × height (CommandPage.vue's layout: the two 440-pixel columns,
// the 72-pixel header, gaps, padding and borders); the page measures its
// own, and a read asked for with a wrong guess is simply not used.
export const commandMapSize = (width, height) => [width - 930, height - 98];

// prefetchCommand asks for the first reads of /command?query (region, at,
// days as the page takes them).
export function prefetchCommand(query, region) {
  const at = screenDay(query);
  let county;
  prefetch(() => {
    county = readCounty(region);
    readTowns(region);
    readGrids(region);
    readToday(region, at);
    readStates(region);
    readKPIs(region, at, screenPeriod(query));
  });
  // The first view's cells, as soon as the county's outline is here and
  // before the page and MapLibre have loaded: they are the last read
  // the first paint waits for.
  county.then((c) => {
    const v = firstView(c && c.geometry, ...commandMapSize(window.innerWidth, window.innerHeight));
    if (v) prefetch(() => { readCells(region, dayRange(at, screenPeriod(query)), v.bbox, v.z); });
  }).catch(() => {});
}
