// Browser test of the map page, in headless Chromium via playwright-core.
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/
//
// Environment:
//   GRIDLINE_URL        base URL of a running server with the demo loaded (required)
//   GRIDLINE_ARTIFACTS  directory for screenshots (default web/e2e/artifacts)
//   GRIDLINE_REGION     county code shown by the page (default 370812, Yanzhou)
//   CHROMIUM_PATH       browser executable (default /usr/bin/chromium)
//
// scripts/browser-test.sh starts `gridline demo` and runs this test against it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.GRIDLINE_URL || '').replace(/\/+$/, '');
const REGION = process.env.GRIDLINE_REGION || '370812';
const ARTIFACTS = path.resolve(process.env.GRIDLINE_ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts'));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const READY_TIMEOUT = 60_000;

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function getJSON(p) {
  const res = await fetch(BASE + p);
  const body = await res.json().catch(() => null);
  return { status: res.status, body };
}

// openPage opens the page in a new context and collects console errors and
// uncaught exceptions, which every test checks at its end.
async function openPage(browser, contextOptions) {
  const context = await browser.newContext({ locale: 'zh-CN', ...contextOptions });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      errors.push(`console.error: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
  page.on('requestfailed', (req) => {
    const f = req.failure();
    errors.push(`request failed: ${req.method()} ${req.url()}: ${f ? f.errorText : ''}`);
  });
  await page.goto(`${BASE}/?region=${REGION}`, { waitUntil: 'domcontentloaded' });
  try {
    await page.waitForFunction(() => window.__gridline && window.__gridline.ready === true, null, { timeout: READY_TIMEOUT });
  } catch (err) {
    throw new Error(`map not ready within ${READY_TIMEOUT / 1000}s (window.__gridline.ready never became true)` +
      (errors.length ? `; page errors:\n  ${errors.join('\n  ')}` : ''), { cause: err });
  }
  return { context, page, errors };
}

function assertNoPageErrors(errors) {
  if (errors.length) assert.fail(`the page reported ${errors.length} error(s):\n  ${errors.join('\n  ')}`);
}

// renderedGrids returns the distinct grids drawn in the 'grids-fill' layer,
// nearest the middle of the map first.
function renderedGrids(page) {
  return page.evaluate(() => {
    const { map } = window.__gridline;
    const c = map.getCanvas();
    const mid = { x: c.clientWidth / 2, y: c.clientHeight / 2 };
    const seen = new Map();
    for (const f of map.queryRenderedFeatures({ layers: ['grids-fill'] })) {
      const code = f.properties.code;
      if (seen.has(code)) continue;
      const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
      const p = map.project(ring[0]);
      seen.set(code, { code, layer: f.properties.layer, d: Math.hypot(p.x - mid.x, p.y - mid.y) });
    }
    return [...seen.values()].sort((a, b) => a.d - b.d);
  });
}

// centroid returns the area centroid of a GeoJSON ring.
function centroid(ring) {
  let a = 0, x = 0, y = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    a += f;
    x += (ring[j][0] + ring[i][0]) * f;
    y += (ring[j][1] + ring[i][1]) * f;
  }
  return a === 0 ? ring[0] : [x / (3 * a), y / (3 * a)];
}

// pickClickTarget finds a grid and a screen pixel inside it where a click
// reaches that grid: the centroid of its polygon (from the API), confirmed
// inside the grid by /api/v1/locate, on screen, not under a panel, and with
// that grid on top of the map at that pixel.
async function pickClickTarget(page, preferLayer) {
  const grids = await renderedGrids(page);
  // Grids of the preferred layer first (stable sort keeps distance order).
  if (preferLayer) grids.sort((a, b) => (b.layer === preferLayer) - (a.layer === preferLayer));
  assert.ok(grids.length > 0, 'no grids rendered');
  const tried = [];
  for (const g of grids.slice(0, 40)) {
    const detail = await getJSON(`/api/v1/grids/${g.code}`);
    if (detail.status !== 200) {
      tried.push(`${g.code}: GET /api/v1/grids → ${detail.status}`);
      continue;
    }
    const geom = detail.body.geometry;
    const ring = geom.type === 'Polygon' ? geom.coordinates[0] : geom.coordinates[0][0];
    const [lon, lat] = centroid(ring);
    const loc = await getJSON(`/api/v1/locate?lon=${lon}&lat=${lat}&layer=${encodeURIComponent(g.layer)}`);
    if (loc.status !== 200 || loc.body.grid.code !== g.code) {
      tried.push(`${g.code}: centroid not located in it (${loc.status} ${loc.body && loc.body.grid ? loc.body.grid.code : ''})`);
      continue;
    }
    const hit = await page.evaluate(([lng, la, code]) => {
      const { map } = window.__gridline;
      const p = map.project([lng, la]);
      const r = map.getContainer().getBoundingClientRect();
      const x = r.left + p.x;
      const y = r.top + p.y;
      if (p.x < 4 || p.y < 4 || p.x > r.width - 4 || p.y > r.height - 4) return { why: 'off screen' };
      const el = document.elementFromPoint(x, y);
      if (el !== map.getCanvas()) return { why: `covered by ${el ? el.className || el.tagName : 'nothing'}` };
      const top = map.queryRenderedFeatures([p.x, p.y], { layers: ['grids-fill'] })[0];
      if (!top || top.properties.code !== code) return { why: `another grid on top (${top ? top.properties.code : 'none'})` };
      return { x, y };
    }, [lon, lat, g.code]);
    if (hit.why) {
      tried.push(`${g.code}: ${hit.why}`);
      continue;
    }
    return { code: g.code, name: detail.body.name, detail: detail.body, x: hit.x, y: hit.y };
  }
  assert.fail(`found no grid to click; tried:\n  ${tried.join('\n  ')}`);
}

async function clickGridAndCheckDetails(page, { tap = false, preferLayer } = {}) {
  const target = await pickClickTarget(page, preferLayer);
  if (tap) await page.touchscreen.tap(target.x, target.y);
  else await page.mouse.click(target.x, target.y);
  const details = page.getByTestId('grid-details');
  await details.waitFor({ state: 'visible', timeout: 10_000 });
  const codeEl = page.getByTestId('grid-code');
  await codeEl.waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal((await codeEl.textContent()).trim(), target.code, 'the details panel shows another grid than the one clicked');
  const text = await details.textContent();
  assert.ok(text.includes(target.name), `the details panel lacks the grid name ${target.name}`);
  // What the API knows about the grid is what the panel shows.
  const d = target.detail;
  if (d.party_org) assert.ok(text.includes(d.party_org.name), `the details panel lacks the party organisation ${d.party_org.name}`);
  for (const w of d.workers.slice(0, 3)) assert.ok(text.includes(w.name), `the details panel lacks the worker ${w.name}`);
  return target;
}

describe('map page', { skip: BASE ? false : 'GRIDLINE_URL is not set (see scripts/browser-test.sh)' }, () => {
  let browser;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}: install Debian's chromium or set CHROMIUM_PATH`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // launch() uses a fresh temporary profile and removes it on close.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('desktop: grids render, overview figures, click opens grid details', { timeout: 180_000 }, async () => {
    const overview = await getJSON(`/api/v1/stats/overview?region=${REGION}`);
    assert.equal(overview.status, 200, 'GET /api/v1/stats/overview failed');

    const { context, page, errors } = await openPage(browser, { viewport: { width: 1440, height: 900 } });
    try {
      assert.match(await page.title(), /网格化社会治理平台/);

      const n = await page.evaluate(() => window.__gridline.map.queryRenderedFeatures({ layers: ['grids-fill'] }).length);
      assert.ok(n > 100, `expected more than 100 rendered grid features in 'grids-fill', got ${n}`);

      const total = page.getByTestId('overview-grids-total');
      await total.waitFor({ state: 'visible', timeout: 10_000 });
      const shown = (await total.textContent()).replace(/[^\d]/g, '');
      assert.equal(shown, String(overview.body.grids_total), 'the overview card shows another grid count than /api/v1/stats/overview');

      // An urban party-building grid: it has points, compounds, a party
      // organisation and workers to show.
      const target = await clickGridAndCheckDetails(page, { preferLayer: 'party' });
      assert.equal(target.detail.layer, 'party', 'no party-building grid could be clicked');
      assert.ok(target.detail.points > 0 && target.detail.party_org, `party grid ${target.code} has no points or party organisation`);
      await page.waitForTimeout(400); // let the panel's slide-in transition end
      await page.screenshot({ path: path.join(ARTIFACTS, 'map.png'), fullPage: true });

      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the window`);

      // The language toggle switches the page to English and back.
      await page.getByTestId('lang').getByText('English').click();
      await page.getByText('District overview').waitFor({ timeout: 5_000 });
      await page.getByTestId('lang').getByText('中文').click();
      await page.getByText('全区概况').waitFor({ timeout: 5_000 });

      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });

  test('phone: map, figures and details fit a small screen', { timeout: 180_000 }, async () => {
    const { context, page, errors } = await openPage(browser, {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const n = await page.evaluate(() => window.__gridline.map.queryRenderedFeatures({ layers: ['grids-fill'] }).length);
      assert.ok(n > 0, 'no grids rendered on a phone-sized screen');
      await page.getByTestId('overview').waitFor({ state: 'visible' });

      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`);

      await clickGridAndCheckDetails(page, { tap: true });
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(ARTIFACTS, 'map-mobile.png'), fullPage: true });

      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });
});
