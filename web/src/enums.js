// Enumeration labels (teams, roles, party organisation levels…) from
// GET /api/v1/enums, loaded once at start, so the UI never keeps its own
// copy of names the server defines.
import { reactive } from 'vue';
import { getEnums } from './api/enums.js';
import { localName } from './i18n.js';

// enums holds the lists of /api/v1/enums ({code, name, name_en}, in display
// order); they stay empty until loadEnums succeeds. error is the last failure.
export const enums = reactive({
  teams: [],
  roles: [],
  party_levels: [],
  unit_kinds: [],
  assignment_targets: [],
  region_levels: [],
  channels: [],
  ticket_statuses: [],
  ticket_actions: [],
  timeline_entries: [],
  satisfaction: [],
  warnings: [],
  error: null,
});

// loadEnums fetches the labels; on failure names fall back to their codes.
export async function loadEnums() {
  try {
    Object.assign(enums, await getEnums(), { error: null });
  } catch (err) {
    enums.error = err;
  }
}

function label(list, code) {
  if (code == null || code === '') return '';
  const l = list.find((x) => x.code === String(code));
  return l ? localName(l) : String(code);
}

// teamName returns the display name of a workforce team code.
export const teamName = (code) => label(enums.teams, code);

// roleName returns the display name of a role; roles are free text, so an
// unknown one is shown as it is.
export const roleName = (code) => label(enums.roles, code);

// partyLevelName returns the name of party organisation level n (1–6).
export const partyLevelName = (n) => label(enums.party_levels, n);

// teamCodes lists the teams in display order.
export const teamCodes = () => enums.teams.map((x) => x.code);

// channelName returns the display name of a case channel (12345热线, 随手拍…).
export const channelName = (code) => label(enums.channels, code);

// statusName returns the display name of a case status.
export const statusName = (code) => label(enums.ticket_statuses, code);

// actionName returns the display name of an action of the loop, of a
// supervision light (yellow, red) the scheduler writes into timelines, or
// of another timeline entry (a master's reply relayed to a merged case).
export const actionName = (code) => {
  if (enums.warnings.some((w) => w.code === code)) return label(enums.warnings, code);
  if (enums.timeline_entries.some((w) => w.code === code)) return label(enums.timeline_entries, code);
  return label(enums.ticket_actions, code);
};

// warningName returns the display name of a supervision light.
export const warningName = (code) => label(enums.warnings, code);

// satisfactionName returns the display name of a callback's outcome.
export const satisfactionName = (code) => label(enums.satisfaction, code);
