// What both browser tests share: the environment, how Chromium is
// launched, and small assertions and geometry. Not a test file itself
// (node --test runs *.test.mjs).
import assert from 'node:assert/strict';
import path from 'node:path';
import zlib from 'node:zlib';
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

// pngImage encodes a w×h 8-bit RGB PNG whose pixel (x, y) is pixel(x, y)
// = [r, g, b]: a real photo file for upload tests, made without a file.
export function pngImage(w, h, pixel) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const raw = Buffer.alloc((w * 3 + 1) * h); // each row: filter byte 0, then RGB
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set(pixel(x, y), y * (w * 3 + 1) + 1 + x * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// DESKTOP is the desktop pages' browser context.
export const DESKTOP = { viewport: { width: 1440, height: 900 } };

// api calls the API as token's user and returns the answer's JSON,
// asserting a 2xx.
export async function api(token, method, p, body) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${token}` };
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE + p, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => null);
  assert.ok(res.ok, `${method} ${p} answered ${res.status}: ${JSON.stringify(data)}`);
  return data;
}

// contextWith opens a zh-CN desktop context signed in with token.
export async function contextWith(browser, token) {
  const context = await browser.newContext({ locale: 'zh-CN', ...DESKTOP });
  await context.addInitScript((tok) => { try { localStorage.setItem('gridline.token', tok); } catch { /* about:blank */ } }, token);
  return context;
}

// openPage opens urlPath in a new page of context, collecting its errors.
export async function openPage(context, urlPath) {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`); });
  page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
  await page.goto(BASE + urlPath, { waitUntil: 'domcontentloaded' });
  return { page, errors };
}

// shot takes a full-page screenshot, the viewport grown to the height of
// selector's element (at most 4,000 px) first.
export async function shot(page, file, selector) {
  const size = page.viewportSize();
  const h = await page.evaluate((sel) => {
    const el = document.querySelector(sel);
    const head = document.querySelector('.topbar');
    return el ? Math.ceil(el.scrollHeight + (head ? head.offsetHeight : 0)) : 0;
  }, selector);
  if (h > size.height) await page.setViewportSize({ width: size.width, height: Math.min(h, 4000) });
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
  await page.setViewportSize(size);
}
