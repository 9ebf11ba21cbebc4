// Accounts: my password, tokens and sessions (/api/v1/auth/…), user
// administration (/api/v1/users), the role table and the audit log.
import { del, get, patch, post } from './client.js';

export const changePassword = (oldPassword, newPassword) =>
  post('auth/password', { old_password: oldPassword, new_password: newPassword });
export const myTokens = () => get('auth/tokens');
export const createToken = (name, expiresAt) => post('auth/tokens', { name, expires_at: expiresAt });
export const revokeToken = (id) => del(`auth/tokens/${id}`);
export const mySessions = () => get('auth/sessions');
export const endSession = (id) => del(`auth/sessions/${id}`);
export const endOtherSessions = () => del('auth/sessions');

export const findUsers = (params) => get('users', params);
export const createUser = (u) => post('users', u);
export const updateUser = (id, upd) => patch(`users/${id}`, upd);
export const resetPassword = (id, password) => post(`users/${id}/password`, { password });
export const userTokens = (id) => get(`users/${id}/tokens`);
export const revokeUserToken = (id, tid) => del(`users/${id}/tokens/${tid}`);
export const userSessions = (id) => get(`users/${id}/sessions`);
export const endUserSessions = (id) => del(`users/${id}/sessions`);

export const findAudit = (params) => get('audit', params);

// The role table changes only with a new server: asked once.
let roles = null;
export function roleTable() {
  roles ||= get('roles').then((r) => r.roles).catch((err) => { roles = null; throw err; });
  return roles;
}
