// What both browser tests share: the environment, how Chromium is
// launched, and small assertions and geometry. Not a test file itself
// (node --test runs *.test.mjs).
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE = (process.env.GRIDLINE_URL || '').replace(/\/+$/, '');
export const REGION = process.env.GRIDLINE_REGION || '370812';
export const ARTIFACTS = path.resolve(process.env.GRIDLINE_ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts'));
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const READY_TIMEOUT = 60_000;

// LAUNCH_ARGS are the flags headless Chromium needs here.
export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

export const digits = (s) => (s || '').replace(/[^\d]/g, '');

export function assertNoPageErrors(errors) {
  if (errors.length) assert.fail(`the page reported ${errors.length} error(s):\n  ${errors.join('\n  ')}`);
}

export async function assertNoOverflow(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${what}: the page is ${overflow}px wider than the window`);
}

// centroid returns the area centroid of a GeoJSON ring.
export function centroid(ring) {
  let a = 0, x = 0, y = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    a += f;
    x += (ring[j][0] + ring[i][0]) * f;
    y += (ring[j][1] + ring[i][1]) * f;
  }
  return a === 0 ? ring[0] : [x / (3 * a), y / (3 * a)];
}

// PASSWORD is the demo accounts' password (GRIDLINE_PASSWORD, default demo1234).
export const PASSWORD = process.env.GRIDLINE_PASSWORD || 'demo1234';

// login signs username in over the API and returns its session token,
// which a test puts in localStorage 'gridline.token' or sends as Bearer.
export async function login(username) {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const data = await res.json().catch(() => null);
  assert.ok(res.ok && data && data.token, `log in as ${username}: ${res.status} ${JSON.stringify(data)}`);
  return data.token;
}
