// The residents' page (随手拍): /api/v1/public/…, open without an account.
// Reports go as multipart/form-data (a part "report" with the JSON and the
// photos), so they do not use client.js's JSON-only send.
import { APIError, get, post } from './client.js';

// reportProblem sends a report with its photos (File objects) and answers
// {number, follow_code, case}. A refusal is an APIError; a limit is 429
// with retryAfter (seconds) and a message in Chinese and English.
export async function reportProblem(report, photos = []) {
  const form = new FormData();
  form.append('report', new Blob([JSON.stringify(report)], { type: 'application/json' }));
  photos.forEach((f) => form.append('photo', f, f.name || 'photo.jpg'));
  let res;
  try {
    // No credentials: a resident's report is anonymous even from a
    // browser that is signed in as staff.
    res = await fetch('/api/v1/public/reports', { method: 'POST', body: form, credentials: 'omit', headers: { Accept: 'application/json' } });
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

// followCase returns the case as its reporter sees it; the code travels
// in ?code= (never in the page's own URL).
export function followCase(number, code) {
  return get(`public/cases/${encodeURIComponent(number)}`, { code });
}

// rateCase records the resident's rating: {satisfaction, resolved, comment}.
export function rateCase(number, code, rating) {
  return post(`public/cases/${encodeURIComponent(number)}/rating`, { code, ...rating });
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
