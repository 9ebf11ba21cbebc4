// Coordination meetings (工单协调会): /api/v1/meetings.
import { get, post } from './client.js';

// findMeetings returns {items, total}: one page of meetings with their
// attendees and items, the most recently held first. Filters: ticket (a
// case's id), from and to (RFC 3339, on the time held).
export function findMeetings({ ticket, from, to, limit, offset } = {}, options) {
  return get('meetings', { ticket, from, to, limit, offset }, options);
}

// getMeeting returns one meeting; each item carries its case's status now.
export function getMeeting(id, options) {
  return get(`meetings/${encodeURIComponent(id)}`, {}, options);
}

// createMeeting records a meeting and, in the same transaction, dispatches
// the items marked dispatch; it answers the meeting (201).
export function createMeeting(meeting) {
  return post('meetings', meeting);
}
