// Who is signed in, and what their roles let them do. The browser signs
// in with the session cookie (login page); auth/me says who that is, with
// the CSRF token writes echo and the permissions ("tickets.read",
// "users.update", …) the UI shows its pages and buttons by. The server
// checks everything again: hiding a button is a courtesy, not a guard.
import { reactive } from 'vue';
import { getToken, onSignedOut, onUserChanged, request, setCSRF, setToken } from './api/client.js';

// auth.user is the signed-in user (null: signed out); loaded turns true
// once auth/me has answered; viaToken is set when a stored bearer token,
// not the cookie, signs the requests in.
export const auth = reactive({
  user: null,
  grants: [],
  permissions: [],
  loaded: false,
  viaToken: false,
  sessionEnded: false,
});

// A hint, kept beside the HttpOnly cookie that scripts cannot see, that
// this browser logged in: without it (and without a stored token) the
// app does not ask auth/me, so an anonymous visit logs no 401.
const HINT_KEY = 'gridline.signedIn';
function hint(on) {
  try {
    if (on) localStorage.setItem(HINT_KEY, '1');
    else localStorage.removeItem(HINT_KEY);
  } catch {
    // Storage disabled: auth/me is asked every time.
  }
}
// hinted reports whether this browser may be signed in: a stored token,
// or the hint that it logged in.
export function hinted() {
  try {
    return localStorage.getItem(HINT_KEY) !== null || getToken() !== '';
  } catch {
    return true;
  }
}

function apply(me) {
  auth.user = me ? me.user : null;
  auth.grants = me ? me.grants || [] : [];
  auth.permissions = me ? me.permissions || [] : [];
  auth.viaToken = Boolean(me && me.token_id);
  setCSRF(me ? me.csrf : '', me && me.user ? me.user.id : 0);
  if (!auth.viaToken) hint(Boolean(me));
  auth.loaded = true;
}

// A refused session or token means signed out, wherever it was noticed;
// a dead stored token is forgotten.
onSignedOut(() => {
  if (auth.user) auth.sessionEnded = true;
  setToken('');
  apply(null);
});

onUserChanged(() => loadMe());

// loadMe asks the server who is signed in. Signed out is no error.
export async function loadMe() {
  if (!hinted()) {
    apply(null);
    return;
  }
  try {
    apply(await request('GET', 'auth/me'));
  } catch (err) {
    if (err.status === 0) {
      // No network (the phone app opened offline): who is signed in is
      // unknown, not "nobody"; the hint stays for when it returns.
      auth.loaded = true;
      return;
    }
    if (err.status !== 401) console.warn('auth/me:', err.message);
    apply(null);
  }
}

// can reports whether the signed-in user may do "resource.action"
// somewhere (the role table's answer; the scope narrows it per record).
export function can(permission) {
  return auth.permissions.includes(permission);
}

// hasRole reports whether the user holds role.
export function hasRole(role) {
  return auth.grants.some((g) => g.role === role);
}

// login signs in with a username and password: the server sets the
// session cookie; the answer's CSRF token goes with writes. A stored
// bearer token is dropped, so the new session is what signs requests.
export async function login(username, password) {
  setToken('');
  const ans = await request('POST', 'auth/login', { body: { username, password } });
  setCSRF(ans.csrf, ans.user.id);
  hint(true);
  auth.sessionEnded = false;
  await loadMe();
  return ans;
}

// logout ends the session. A stored API token cannot be logged out
// (the server says so): it is only forgotten here.
export async function logout() {
  try {
    await request('POST', 'auth/logout');
  } catch (err) {
    if (!getToken()) throw err;
  } finally {
    setToken('');
    apply(null);
  }
}
