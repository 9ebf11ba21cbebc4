// The residents' page (随手拍): /api/v1/public/…, open without an account.
// Its requests go without credentials and reports as multipart/form-data
// (a part "report" with the JSON and the photos), so they do not use
// client.js's send.
import { APIError, get, photoForm } from './client.js';

// call sends a request of the residents' page without credentials — a
// resident's report and follow are anonymous even from a browser signed
// in as staff — and answers the decoded JSON or throws an APIError (for
// 429 with retryAfter in seconds).
async function call(method, path, { body, headers = {} } = {}) {
  let res;
  try {
    res = await fetch(`/api/v1/${path}`, { method, body, headers: { Accept: 'application/json', ...headers }, credentials: 'omit' });
  } catch (err) {
    throw new APIError(0, 'network', err.message);
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = data && data.error ? data.error : {};
    throw new APIError(res.status, e.code, e.message || text.slice(0, 200), e.fields, Number(res.headers.get('Retry-After')) || 0);
  }
  return data;
}

// reportProblem sends a report with its photos (File objects) and answers
// {number, follow_code, case}. A limit is 429 with fields.limit ('phone'
// or 'place'), fields.max and retryAfter.
export function reportProblem(report, photos = []) {
  return call('POST', 'public/reports', { body: photoForm('report', report, photos) });
}

// followCase returns the case as its reporter sees it. The code goes in a
// header, never in a URL (proxies log URLs).
export function followCase(number, code) {
  return call('GET', `public/cases/${encodeURIComponent(number)}`, { headers: { 'X-Follow-Code': code } });
}

// rateCase records the resident's rating: {satisfaction, resolved, comment}.
export function rateCase(number, code, rating) {
  return call('POST', `public/cases/${encodeURIComponent(number)}/rating`, {
    body: JSON.stringify({ code, ...rating }),
    headers: { 'Content-Type': 'application/json' },
  });
}

// addressByQR returns the address of a door plate's QR token.
export function addressByQR(token) {
  return get(`addresses/qr/${encodeURIComponent(token)}`);
}

// The reports made on this phone, newest first, so that following them
// needs no typing: [{number, code, at}]. Kept in localStorage only.
const MINE = 'gridline.myReports';

export function myReports() {
  try {
    const v = JSON.parse(localStorage.getItem(MINE) || '[]');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

export function rememberReport(number, code) {
  const list = [{ number, code, at: new Date().toISOString() }, ...myReports().filter((r) => r.number !== number)].slice(0, 20);
  try {
    localStorage.setItem(MINE, JSON.stringify(list));
  } catch {
    // Private mode: the resident keeps the code themselves.
  }
}
