// The one fetch wrapper for the Gridline JSON API (same origin, /api/v1).
// Every request goes through request(), the only place that sets headers,
// so the API token is attached in one place.

const TOKEN_KEY = 'gridline.token';

// The server refuses every request, reads included, that carries a wrong
// token; whoever registered here is told, so the UI can ask for another.
let tokenRejected = null;

// onTokenRejected sets fn to be called when the server refuses the stored token.
export function onTokenRejected(fn) {
  tokenRejected = fn;
}

// APIError carries the server's {"error":{"code","message","fields"}}.
export class APIError extends Error {
  constructor(status, code, message, fields) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code || 'internal';
    this.fields = fields || {};
  }
}

// getToken returns the stored API token, or '' when there is none.
export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return ''; // storage disabled: no token
  }
}

// setToken stores the API token sent with every request; '' forgets it.
export function setToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token can't be kept.
  }
}

// request calls /api/v1/<path> with the given query parameters (empty ones
// left out) and JSON body, and returns the decoded answer or throws an
// APIError. token, when given, is sent instead of the stored one (to try a
// token before keeping it).
export async function request(method, path, { params = {}, body, signal, token: given } = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const qs = q.toString();
  const headers = { Accept: 'application/json' };
  const token = given ?? getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(`/api/v1/${path}${qs ? `?${qs}` : ''}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new APIError(0, 'network', err.message);
  }
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
    if (res.status === 401 && token && given === undefined && tokenRejected) tokenRejected();
    const e = data && data.error ? data.error : {};
    throw new APIError(res.status, e.code, e.message || text.slice(0, 200), e.fields);
  }
  return data;
}

// get is request('GET', …).
export function get(path, params, options) {
  return request('GET', path, { ...options, params });
}

// post is request('POST', …) with a JSON body.
export function post(path, body, options) {
  return request('POST', path, { ...options, body });
}
