// Cases (工单): /api/v1/tickets.
import { download, get, photoForm, post, request } from './client.js';

// MAX_PHOTOS and MAX_PHOTO_BYTES are the server's gridline.MaxTicketPhotos
// and MaxPhotoBytes: a case, or one on-site action, takes at most 9
// photos of at most 5 MiB each, JPEG, PNG or WebP (PHOTO_TYPES).
export const MAX_PHOTOS = 9;
export const MAX_PHOTO_BYTES = 5 << 20;
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

// findTickets returns {items, total}: one page of cases, newest first.
// Filters: status, channel, category, within (region code), grid, unit
// (lead unit id), overdue, open (not in a final status), warning (yellow, red), from and to (RFC 3339, on the intake time), q
// (text contains).
export function findTickets(filter = {}, options) {
  const { status, channel, category, within, grid, unit, overdue, open, warning, from, to, q, limit, offset } = filter;
  return get('tickets', {
    status, channel, category, within, grid, unit, overdue: overdue ? 'true' : undefined, open: open ? 'true' : undefined,
    warning, from, to, q, limit, offset,
  }, options);
}

// getTicket returns one case with its timeline and the actions allowed now.
export function getTicket(id, options) {
  return get(`tickets/${encodeURIComponent(id)}`, {}, options);
}

// getDuplicates returns {items}: the case's duplicate candidates, best
// first (at most 5), each {id, number, score, distance_m, text, category,
// channel, status, reported_at, reasons}.
export function getDuplicates(id, options) {
  return get(`tickets/${encodeURIComponent(id)}/duplicates`, {}, options);
}

// getRoute returns {proposal}: the lead unit proposed for the case from
// its category, the caller's dispatching level and its place
// ({level, category, category_name, category_suggested, lead, basis,
// unit_id, unit_name}); level overrides the caller's.
export function getRoute(id, level, options) {
  return get(`tickets/${encodeURIComponent(id)}/route`, { level }, options);
}

// createTicket takes a case in; it answers {ticket, duplicates,
// category_suggestions, route}. photos (Files), when there are any, go with it as
// multipart/form-data.
export function createTicket(ticket, photos = []) {
  if (!photos.length) return post('tickets', ticket);
  return request('POST', 'tickets', { form: photoForm('ticket', ticket, photos) });
}

// actOnTicket takes one step of the loop and returns the case as it is
// after it. body carries version, so a step is never taken on a state the
// user has not seen (409 otherwise).
// photos (Files) go with an on-site action (verify, self_handle) as
// multipart/form-data.
export function actOnTicket(id, action, body, photos = []) {
  const path = `tickets/${encodeURIComponent(id)}/actions/${encodeURIComponent(action)}`;
  if (!photos.length) return post(path, body);
  return request('POST', path, { form: photoForm('action', body, photos) });
}

// photoURL is where photo n of case id is served.
export function photoURL(id, n) {
  return `/api/v1/tickets/${encodeURIComponent(id)}/photos/${n}`;
}

// revealReporter returns the case's reporter unmasked ({name, phone,
// confidential}); the server records the look in the audit log.
export function revealReporter(id) {
  return post(`tickets/${encodeURIComponent(id)}/reveal`, {});
}

// findTicketByNumber returns the case numbered number
// (COUNTY-YYYYMMDD-NNNNNN), or null. The API filters by neither number nor
// county of numbering, so this lists the cases taken in on the number's
// day (China time) and picks it out.
export async function findTicketByNumber(number) {
  const m = /^\d{6}-(\d{4})(\d{2})(\d{2})-\d{6}$/.exec(number);
  if (!m) return null;
  const day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  const next = new Date(day.getTime() + 86400e3);
  const iso = (d) => `${d.toISOString().slice(0, 10)}T00:00:00+08:00`;
  const PAGE = 1000;
  for (let offset = 0; ; offset += PAGE) {
    const r = await findTickets({ from: iso(day), to: iso(next), limit: PAGE, offset });
    const hit = r.items.find((x) => x.number === number);
    if (hit) return hit;
    if (offset + PAGE >= r.total) return null;
  }
}

// getCategories returns {items, edits}: the category catalogue in use.
export function getCategories(options) {
  return get('categories', {}, options);
}

// SUGGEST_TEXT is the most text GET categories/suggest reads.
const SUGGEST_TEXT = 500;

// suggestCategories returns {items}: the sub-classes the catalogue proposes
// for a case's text (its first SUGGEST_TEXT characters), best first, each
// {code, name, score, matched}.
export function suggestCategories(text, limit = 3, options) {
  return get('categories/suggest', { text: [...text].slice(0, SUGGEST_TEXT).join(''), limit }, options);
}

// getCalendar returns {edits, days: [{date, type}], work_hours: [{start, end}]} for the
// dates from..to (YYYY-MM-DD, at most a year apart).
export function getCalendar(from, to, options) {
  return get('calendar', { from, to }, options);
}

// getKPIs returns the KPI report {from, to, by, rows, total}.
export function getKPIs(from, to, by, options) {
  return get('kpis', { from, to, by }, options);
}

// getFusionDaily returns the hotline–grid comparison of the days from to
// to (YYYY-MM-DD, both included) grouped by by: {rows, total, misses, …}.
export function getFusionDaily(from, to, by, options) {
  return get('fusion/daily', { from, to, by }, options);
}

// EXPORT_MAX is the most cases one export holds (the server refuses a
// larger selection: http/export.go exportMaxRows).
export const EXPORT_MAX = 100_000;

// exportTickets downloads the cases of filter (findTickets's filters, no
// limit or offset) as format 'csv' or 'xlsx'.
// exportTickets downloads the cases of filter as CSV or XLSX. check asks
// the server first whether it takes the selection (a text search's total
// past the list's bound says only "more than 10,000", not whether the
// export's cap of 100,000 holds): a refusal is then thrown, not lost in a
// failed download.
export function exportTickets(format, filter = {}, { check = false } = {}) {
  const { status, channel, category, within, grid, unit, overdue, open, warning, from, to, q } = filter;
  return download(`tickets/export.${format}`, {
    status, channel, category, within, grid, unit, overdue: overdue ? 'true' : undefined, open: open ? 'true' : undefined,
    warning, from, to, q,
  }, undefined, { check });
}
