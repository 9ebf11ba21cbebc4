// Whistle-and-report (吹哨报到): /api/v1/whistles and a case's whistles.
import { get, post } from './client.js';

// findWhistles returns {items, total}: whistles, newest first. Filters:
// status (waiting, reported, rated), unit, ticket, overdue (a unit not
// reported past report_by), from and to (RFC 3339, when blown).
export function findWhistles(filter = {}, options) {
  const { status, unit, ticket, overdue, from, to, limit, offset } = filter;
  return get('whistles', { status, unit, ticket, overdue: overdue ? 'true' : undefined, from, to, limit, offset }, options);
}

// blowWhistle calls units (ids) to case ticketID with a reason.
export function blowWhistle(ticketID, units, reason) {
  return post(`tickets/${encodeURIComponent(ticketID)}/whistles`, { units, reason });
}

// reportWhistle records unit's report (报到) with a note.
export function reportWhistle(id, unit, note) {
  return post(`whistles/${encodeURIComponent(id)}/report`, { unit, note });
}

// rateWhistle records the street's ratings [{unit, score, comment}].
export function rateWhistle(id, ratings) {
  return post(`whistles/${encodeURIComponent(id)}/rate`, { ratings });
}

// rankWhistleUnits returns the department ranking {from, to, at, rows}
// over the whistles blown in [from, to).
export function rankWhistleUnits(from, to, options) {
  return get('whistles/ranking', { from, to }, options);
}
