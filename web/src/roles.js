// The role table (GET /api/v1/roles): role names for the header, the
// account page and user administration, and where each role holds.
import { reactive } from 'vue';
import { roleTable } from './api/accounts.js';
import { localName } from './i18n.js';

export const roles = reactive({ list: [], byCode: {} });

// loadRoles fetches the table once; later calls reuse it.
export function loadRoles() {
  return roleTable().then((rs) => {
    roles.list = rs;
    roles.byCode = Object.fromEntries(rs.map((r) => [r.code, r]));
  }).catch(() => {});
}

// roleName is a role's name in the current language (its code until the
// table has loaded).
export function roleName(code) {
  return roles.byCode[code] ? localName(roles.byCode[code]) : code;
}

// grantText writes a grant as "专职网格员 @ 370812001002001" or "职能部门 #3".
export function grantText(g, unitName) {
  const where = g.region || (g.unit_id != null ? (unitName && unitName(g.unit_id)) || `#${g.unit_id}` : '');
  return where ? `${roleName(g.role)} · ${where}` : roleName(g.role);
}

// takesHotline reports whether grants let their holder take cases in on
// the hotline channel (the role table's intake_channels; none listed
// means any): who may import the 12345 export. False until the table
// has loaded.
export function takesHotline(grants) {
  return grants.some((g) => {
    const r = roles.byCode[g.role];
    if (!r || !r.rules.some((x) => x.resource === 'tickets' && x.actions.includes('create'))) return false;
    return !r.intake_channels || r.intake_channels.includes('hotline');
  });
}
