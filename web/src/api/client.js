// The one fetch wrapper for the Gridline JSON API (same origin, /api/v1).
// Every request goes through request(), the only place that sets headers.
//
// The browser signs in with the session cookie (HttpOnly, set by
// POST /api/v1/auth/login), which rides along by itself; writes echo the
// session's CSRF token in X-CSRF-Token. A token stored under
// 'gridline.token' (an API token, or a session token a script put there)
// is sent as Authorization: Bearer instead and needs no CSRF token.

const TOKEN_KEY = 'gridline.token';

// The server refuses every request, reads included, that carries a dead
// session or token; whoever registered here is told, so the UI can show
// the user as signed out.
let signedOut = null;

// onSignedOut sets fn to be called when the server refuses the credentials.
export function onSignedOut(fn) {
  signedOut = fn;
}

// csrf is the session's CSRF token, from the login answer or auth/me, and
// csrfUser the user whose session it is.
let csrf = '';
let csrfUser = 0;

// setCSRF keeps the CSRF token sent with every write.
export function setCSRF(token, userID) {
  csrf = token || '';
  csrfUser = userID || 0;
}

// Whoever registered here is told when the cookie turns out to hold
// another user's session (a login in another tab).
let userChanged = null;

// onUserChanged sets fn to be called when the session's user changed.
export function onUserChanged(fn) {
  userChanged = fn;
}

// APIError carries the server's {"error":{"code","message","fields"}} and,
// for 429 and locked accounts, the seconds of Retry-After; data is the
// answer's body when it is not an error object (a refused import's report).
export class APIError extends Error {
  constructor(status, code, message, fields, retryAfter) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code || 'internal';
    this.fields = fields || {};
    this.retryAfter = retryAfter || 0;
  }
}

// getToken returns the stored bearer token, or '' when there is none.
export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return ''; // storage disabled: no token
  }
}

// setToken stores a bearer token sent with every request; '' forgets it.
export function setToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token can't be kept.
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

// request calls /api/v1/<path> with the given query parameters (empty ones
// left out) and JSON body, and returns the decoded answer or throws an
// APIError.
export async function request(method, path, options = {}) {
  try {
    return await send(method, path, options);
  } catch (err) {
    // A CSRF token gone stale (a login in another tab replaced the
    // cookie's session): ask auth/me for the current one and try once more.
    if (err.status !== 403 || err.code !== 'csrf' || getToken()) throw err;
    const me = await send('GET', 'auth/me', {});
    if (!me.user || me.user.id !== csrfUser) {
      // Not this page's user: do not write as someone else.
      if (userChanged) userChanged();
      throw err;
    }
    setCSRF(me.csrf, me.user.id);
    return send(method, path, options);
  }
}

// send calls the API. form, a FormData, is sent as multipart/form-data
// (photos) instead of a JSON body; headers are added to the request's own
// (the phone app's Idempotency-Key).
async function send(method, path, { params = {}, body, form, headers: extra, signal } = {}) {
  const qs = queryString(params);
  const headers = { ...extra, Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (csrf && !SAFE.has(method)) headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(`/api/v1/${path}${qs ? `?${qs}` : ''}`, {
      method,
      headers,
      body: form || (body === undefined ? undefined : JSON.stringify(body)),
      signal,
      credentials: 'same-origin',
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new APIError(0, 'network', err.message);
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && path !== 'auth/login' && signedOut) signedOut();
    const e = data && data.error ? data.error : {};
    const err = new APIError(res.status, e.code, e.message || text.slice(0, 200), e.fields, Number(res.headers.get('Retry-After')) || 0);
    if (data && !data.error) err.data = data;
    throw err;
  }
  return data;
}

// queryString returns params as a query string, empty ones left out.
function queryString(params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  return q.toString();
}

// Reads asked for ahead of the page that makes them (prefetch), by path
// and query, each with the time it was asked for; recording is set while
// prefetch runs its function.
const prefetched = new Map();
const PREFETCH_FOR = 20_000; // ms an answer asked for ahead is handed out
let recording = false;

// prefetch runs fn, whose get calls are sent at once and kept: the first
// get of the same path and query within PREFETCH_FOR ms is handed that
// request's answer (or failure) instead of sending another. For a page's
// first reads, asked for from the app's entry before the page has loaded.
export function prefetch(fn) {
  recording = true;
  try {
    fn();
  } finally {
    recording = false;
  }
}

// get is request('GET', …).
export function get(path, params, options) {
  if (options && options.signal) return request('GET', path, { ...options, params });
  const key = `${path}?${queryString(params)}`;
  if (recording) {
    const p = request('GET', path, { ...options, params });
    p.catch(() => {}); // reported to the page that takes it
    prefetched.set(key, { p, at: Date.now() });
    return p;
  }
  const ahead = prefetched.get(key);
  if (ahead) {
    prefetched.delete(key);
    if (Date.now() - ahead.at < PREFETCH_FOR) return ahead.p;
  }
  return request('GET', path, { ...options, params });
}

// post is request('POST', …) with a JSON body.
export function post(path, body, options) {
  return request('POST', path, { ...options, body });
}

// patch is request('PATCH', …) with a JSON body.
export function patch(path, body, options) {
  return request('PATCH', path, { ...options, body });
}

// del is request('DELETE', …).
export function del(path, options) {
  return request('DELETE', path, options);
}

// download saves the file at /api/v1/<path>?params. With the session
// cookie the browser downloads it itself (streamed to disk); a stored
// bearer token cannot ride on a link, so then it is fetched with the token
// and saved from memory. Errors before the file (a refused selection) are
// thrown as APIError in the second case; a link cannot report them, so
// callers check what they can first, or ask for check: then the file is
// asked for once with fetch, its answer's head read and the rest dropped,
// and a refusal thrown before the link is followed.
export async function download(path, params, filename, { check = false } = {}) {
  const qs = queryString(params);
  const url = `/api/v1/${path}${qs ? `?${qs}` : ''}`;
  const token = getToken();
  const a = document.createElement('a');
  a.download = filename || '';
  const get = async () => {
    try {
      return await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, credentials: 'same-origin' });
    } catch (err) {
      throw new APIError(0, 'network', err.message);
    }
  };
  const refusal = async (res) => {
    const data = await res.json().catch(() => null);
    const e = data && data.error ? data.error : {};
    return new APIError(res.status, e.code, e.message, e.fields);
  };
  if (!token) {
    if (check) {
      const res = await get();
      if (!res.ok) throw await refusal(res);
      await res.body?.cancel();
    }
    a.href = url;
    document.body.appendChild(a);
    a.click();
    a.remove();
    return;
  }
  const res = await get();
  if (!res.ok) throw await refusal(res);
  const disposition = res.headers.get('Content-Disposition') || '';
  const m = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (m && !filename) a.download = decodeURIComponent(m[1]);
  const blob = await res.blob();
  a.href = URL.createObjectURL(blob);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

// photoForm is a multipart body: part name holding body as JSON, then one
// part "photo" per file (a Blob without a name is named by its place),
// numbered by the server in this order. The server reads a photo's type
// from its bytes, not its name.
export function photoForm(name, body, photos) {
  const form = new FormData();
  form.append(name, new Blob([JSON.stringify(body)], { type: 'application/json' }));
  photos.forEach((p, i) => form.append('photo', p, p.name || `photo-${i + 1}.jpg`));
  return form;
}
