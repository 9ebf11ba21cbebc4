// What the case pages need to know about the loop beyond /api/v1/enums:
// how to read a case's supervision light, what each action's
// form asks for, and how prominent its button is. Which actions a case
// allows always comes from the server (allowed_actions).

// isOverdue reports whether the server's deadline scheduler has put the
// red light on a case (open and past its deadline): the rule is the
// server's (gridline.WarningAt), not repeated here.
export function isOverdue(ticket) {
  return ticket.warning === 'red';
}

// isWarned reports the yellow light: at most one working day left.
export function isWarned(ticket) {
  return ticket.warning === 'yellow';
}

// escalationName names the supervision office a red case was escalated
// to (escalated_to, gridline.EscalationTarget): its town's (street's), or
// the district's, a county code, when no town applies.
export function escalationName(ticket, t) {
  const to = ticket.escalated_to || '';
  if (!to) return '';
  if (ticket.town && to === ticket.town.code && ticket.town.name) return ticket.town.name;
  return to.length === 6 ? t('escalatedDistrict') : to;
}

// actionFields lists the inputs of each action's form, in order:
//   place            a point picked on the map (lon, lat)
//   reasonPublic     a required reason the reporter is told (opinion)
//   reason           a required internal reason (note): also why an
//                    extension is asked or the handling deferred
//   into             the case this one duplicates
//   unit, deadline   the lead unit and, optionally, its deadline
//   coUnits          co-units (协办单位), each due a working day before the lead
//   rateUnit, rating the co-unit the lead rates and its rating, 1–5
//   deadlineRequired a new deadline
//   opinion          the public reply; opinionRequired when it must be given
//   verify           passed or failed
//   satisfaction     the reporter's satisfaction
//   answers          a callback's answers: contacted, resolved
//   note             an optional internal note
//   checkAsk         what the grid worker is to check on site (a required internal note)
//   finding          an on-site check's finding: confirmed, not_found, already_handled
// Actions not listed are confirmed with an optional note. self_handle
// takes photos too (TicketActionDialog), at least one of them.
const FIELDS = {
  locate: ['place', 'note'],
  reject: ['reasonPublic'],
  return: ['reason'],
  void: ['reason'],
  extend_deny: ['reason'],
  merge: ['into', 'note'],
  dispatch: ['unit', 'coUnits', 'deadline', 'note'],
  redispatch: ['unit', 'coUnits', 'deadline', 'note'],
  rate: ['rateUnit', 'rating', 'opinion'],
  extend_request: ['reason'],
  extend_approve: ['deadlineRequired', 'note'],
  defer: ['reason'],
  reply: ['opinionRequired', 'note'],
  self_handle: ['opinion', 'note'],
  verify: ['verify', 'note'],
  callback: ['answers', 'satisfaction', 'note'],
  check_request: ['checkAsk'],
  check_report: ['finding', 'note'],
};

export function actionFields(action) {
  return FIELDS[action] || ['note'];
}

// The step that moves a case on is the primary button; those that take it
// out of the loop or back are marked as such.
const FORWARD = new Set(['locate', 'file', 'dispatch', 'sign', 'reply', 'verify', 'callback', 'close']);
const BACKWARD = new Set(['reject', 'void', 'return', 'merge', 'extend_deny']);

// actionKind returns 'forward', 'backward' or 'other'.
export function actionKind(action) {
  if (FORWARD.has(action)) return 'forward';
  if (BACKWARD.has(action)) return 'backward';
  return 'other';
}

