// Browser test of the web UI, in headless Chromium via playwright-core. It
// drives the pages as a person does: by roles, labels, visible text and the
// URL, and checks what they show against the API.
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
import { chromium } from 'playwright-core';
import {
  ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, PHONE, READY_TIMEOUT, REGION, assertNoOverflow, assertNoPageErrors, centroid, digits,
} from './common.mjs';

const DEFAULT_REGION = '370812'; // what the app shows when the URL names no region

// The map's statistics and the workforce need a signed-in role (issue 9):
// the test reads and browses as the demo's command centre, whose scope is
// the county. GRIDLINE_TOKEN overrides the login.
async function demoLogin() {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: process.env.GRIDLINE_USER || 'command', password: process.env.GRIDLINE_PASSWORD || 'demo1234' }),
  });
  const data = await res.json().catch(() => null);
  assert.ok(res.ok && data && data.token, `log in to the demo: ${res.status} ${JSON.stringify(data)}`);
  return data.token;
}

const TOKEN = process.env.GRIDLINE_TOKEN || await demoLogin();

async function getJSON(p) {
  const res = await fetch(BASE + p, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const body = await res.json().catch(() => null);
  assert.equal(res.status, 200, `GET ${p} answered ${res.status}`);
  return body;
}

// openPage opens path in a new context and collects console errors, uncaught
// exceptions and failed requests, which every test checks at its end.
async function openPage(browser, contextOptions, urlPath) {
  const context = await browser.newContext({ locale: 'zh-CN', ...contextOptions });
  await context.addInitScript((tok) => { try { localStorage.setItem('gridline.token', tok); } catch { /* about:blank has no storage */ } }, TOKEN);
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
    // The workforce page cancels a request that a newer filter overtook.
    if (f && f.errorText === 'net::ERR_ABORTED') return;
    errors.push(`request failed: ${req.method()} ${req.url()}: ${f ? f.errorText : ''}`);
  });
  await page.goto(BASE + urlPath, { waitUntil: 'domcontentloaded' });
  return { context, page, errors };
}

// mapRegion is the map as assistive technology sees it; it is aria-busy
// while the grids load and while the map moves and draws.
const mapRegion = (page) => page.getByRole('region', { name: /^(网格地图|Grid map)$/ });

async function waitForMap(page, errors) {
  try {
    await page.locator('[role="region"].map-canvas[aria-busy="false"]').waitFor({ timeout: READY_TIMEOUT });
  } catch (err) {
    throw new Error(`the map was still busy after ${READY_TIMEOUT / 1000}s` +
      (errors.length ? `; page errors:\n  ${errors.join('\n  ')}` : ''), { cause: err });
  }
}

// mapView returns the view the map keeps in the URL hash: [zoom, lat, lon].
function mapView(page) {
  const m = /^#([\d.]+)\/(-?[\d.]+)\/(-?[\d.]+)$/.exec(new URL(page.url()).hash);
  return m ? m.slice(1).map(Number) : null;
}

// gridPixelShare looks at the map as a person would, in a screenshot, and
// returns the shares of its pixels tinted by the comprehensive grids' blue
// and the party-building grids' red. The PNG is decoded by the browser, on
// a blank page of its own.
async function gridPixelShare(page) {
  const png = await mapRegion(page).screenshot();
  const scratch = await page.context().newPage();
  try {
    return await scratch.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const img = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(img.width, img.height);
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, img.width, img.height);
      let blue = 0, red = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
        if (b - r > 35 && b > 200) blue++;
        else if (r - b > 25 && r > 180 && g < r) red++;
      }
      const n = data.length / 4;
      return { blue: blue / n, red: red / n };
    }, png.toString('base64'));
  } finally {
    await scratch.close();
  }
}

// pickPartyGrid finds, through the API, an urban party-building grid with
// points, a party organisation and workers, and a point inside it: the
// centroid of its polygon, confirmed by /api/v1/locate. Party grids are
// drawn above the comprehensive ones, so a click there reaches this grid.
async function pickPartyGrid() {
  const list = await getJSON(`/api/v1/grids?within=${REGION}&layer=party&limit=40`);
  const tried = [];
  for (const g of list.items) {
    const d = await getJSON(`/api/v1/grids/${g.code}`);
    if (!d.party_org || !d.points || !d.workers.length) {
      tried.push(`${g.code}: no party organisation, points or workers`);
      continue;
    }
    const ring = d.geometry.type === 'Polygon' ? d.geometry.coordinates[0] : d.geometry.coordinates[0][0];
    const [lon, lat] = centroid(ring);
    const loc = await getJSON(`/api/v1/locate?lon=${lon}&lat=${lat}&layer=party`);
    if (!loc.grid || loc.grid.code !== d.code) {
      tried.push(`${g.code}: its centroid is not inside it`);
      continue;
    }
    return { detail: d, lon, lat };
  }
  assert.fail(`found no party grid to click; tried:\n  ${tried.join('\n  ')}`);
}

// clickMapCentre clicks (or taps) the middle of the map, where a view
// opened from the URL puts its centre, and checks that the details panel
// shows what the API knows about the grid there.
async function clickMapCentre(page, target, { tap = false } = {}) {
  const box = await mapRegion(page).boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  const onTop = await page.evaluate(([px, py]) => {
    const el = document.elementFromPoint(px, py);
    return el && el.closest('.map-canvas') ? '' : (el ? el.className || el.tagName : 'nothing');
  }, [x, y]);
  assert.equal(onTop, '', `the middle of the map is covered by ${onTop}`);
  if (tap) await page.touchscreen.tap(x, y);
  else await page.mouse.click(x, y);

  const d = target.detail;
  const details = page.getByRole('region', { name: /^(网格详情|Grid details)$/ });
  await details.waitFor({ state: 'visible', timeout: 10_000 });
  const code = details.locator('.gd-code');
  await code.waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal((await code.textContent()).trim(), d.code, 'the details panel shows another grid than the one clicked');
  const text = await details.textContent();
  assert.ok(text.includes(d.name), `the details panel lacks the grid name ${d.name}`);
  assert.ok(text.includes(d.party_org.name), `the details panel lacks the party organisation ${d.party_org.name}`);
  for (const w of d.workers.slice(0, 3)) assert.ok(text.includes(w.name), `the details panel lacks the worker ${w.name}`);
}

// The workforce table: its total, its rows, and whether it is loading.
const peopleTotal = async (page) => digits(await page.locator('.pp-total').textContent());
const peopleRows = (page) => page.locator('.pp-table .el-table__body tr');

async function waitForPeople(page, query, what) {
  await page.locator('.pp-table[aria-busy="false"]').waitFor({ timeout: 15_000 });
  const want = await getJSON(`/api/v1/people?limit=20&${query}`);
  await page.waitForFunction(
    (n) => document.querySelector('.pp-total')?.textContent.replace(/[^\d]/g, '') === n,
    String(want.total), { timeout: 10_000 },
  ).catch(() => {});
  await page.locator('.pp-table[aria-busy="false"]').waitFor({ timeout: 15_000 });
  assert.equal(await peopleTotal(page), String(want.total), `${what}: the total differs from GET /api/v1/people?${query}`);
  assert.equal(await peopleRows(page).count(), want.items.length, `${what}: the table shows another number of rows than the API's first page`);
  if (want.items.length) {
    assert.equal((await peopleRows(page).first().locator('td').first().textContent()).trim(), want.items[0].name,
      `${what}: the first row is not the API's first person`);
  }
  return want;
}

describe('web UI', { skip: BASE ? false : 'GRIDLINE_URL is not set (see scripts/browser-test.sh)' }, () => {
  let browser;
  let enums;
  let target;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}: install Debian's chromium or set CHROMIUM_PATH`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    enums = await getJSON('/api/v1/enums');
    target = await pickPartyGrid();
    // launch() uses a fresh temporary profile and removes it on close.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('desktop map: grids drawn, overview figures, a grid opened from a map link', { timeout: 180_000 }, async () => {
    const overview = await getJSON(`/api/v1/stats/overview?region=${REGION}`);
    const { context, page, errors } = await openPage(browser, { viewport: { width: 1440, height: 900 } }, `/?region=${REGION}`);
    try {
      await waitForMap(page, errors);
      assert.match(await page.title(), /网格化社会治理平台/);
      assert.equal(await page.getByRole('navigation').getByRole('link', { name: '网格地图' }).getAttribute('aria-current'), 'page');

      // The map says how many grids it loaded, and they are drawn: the
      // district is tinted in both layers' colours.
      const hint = await page.locator('.map-hint-count').textContent();
      assert.equal(digits(hint), String(overview.grids_total), `the map hint "${hint}" differs from the API's grid count`);
      assert.ok(overview.grids_total > 100, `expected more than 100 grids, the API has ${overview.grids_total}`);
      const share = await gridPixelShare(page);
      assert.ok(share.blue > 0.15, `comprehensive grids cover ${(share.blue * 100).toFixed(1)}% of the map, expected over 15%`);
      assert.ok(share.red > 0.005, `party-building grids cover ${(share.red * 100).toFixed(2)}% of the map, expected over 0.5%`);

      // The whole district is shown, and that view is in the URL.
      assert.ok(mapView(page), `the map's view is not in the URL: ${page.url()}`);

      // Overview figures are the API's.
      assert.equal(digits(await page.locator('.ov-grids .ov-value').textContent()), String(overview.grids_total), 'grids card');
      const cards = { 包保点位: overview.points, 治理力量: overview.people_total, 小区: overview.compounds, 楼栋: overview.buildings, 职能部门: overview.departments, 物业企业: overview.property_companies };
      for (const [label, value] of Object.entries(cards)) {
        const card = page.locator('.ov-card').filter({ has: page.getByText(label, { exact: true }) });
        assert.equal(digits(await card.locator('.ov-card-value').textContent()), String(value), `the overview card ${label}`);
      }
      // Party organisation levels are named by the API (6 is 红色楼栋(单元)长).
      const levels = (await page.locator('.ov-party-name').allTextContents()).map((s) => s.trim());
      assert.deepEqual(levels, enums.party_levels.filter((l) => l.code in overview.party_orgs).map((l) => l.name), 'party level names');

      // A map link centred on a party grid shows it; clicking the middle of
      // the map opens its details.
      const { lat, lon } = target;
      await page.goto('about:blank');
      await page.goto(`${BASE}/?region=${REGION}#15/${lat}/${lon}`);
      await waitForMap(page, errors);
      const [z, la, lo] = mapView(page) || [];
      assert.ok(z === 15 && Math.abs(la - lat) < 1e-4 && Math.abs(lo - lon) < 1e-4, `the map left the linked view: ${page.url()}`);
      await clickMapCentre(page, target);
      await page.waitForTimeout(400); // let the panel's slide-in transition end
      await page.screenshot({ path: path.join(ARTIFACTS, 'map.png'), fullPage: true });
      await assertNoOverflow(page, 'map page');

      // The language toggle switches the page to English and back; the
      // party levels' English names come from the API too.
      const lang = page.getByRole('radiogroup', { name: /Language/ });
      await lang.getByText('English').click();
      await page.getByText('District overview').waitFor({ timeout: 5_000 });
      await page.getByRole('region', { name: 'Grid details' }).waitFor();
      const levelsEN = (await page.locator('.ov-party-name').allTextContents()).map((s) => s.trim());
      assert.deepEqual(levelsEN, enums.party_levels.filter((l) => l.code in overview.party_orgs).map((l) => l.name_en), 'party level names in English');
      await page.waitForTimeout(600); // the chart redraws its bars for the new names
      await page.screenshot({ path: path.join(ARTIFACTS, 'map-en.png') });
      await assertNoOverflow(page, 'map page in English');
      await lang.getByText('中文').click();
      await page.getByText('全区概况').waitFor({ timeout: 5_000 });

      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });

  test('phone: a map link, figures and details fit a small screen', { timeout: 180_000 }, async () => {
    const { lat, lon } = target;
    const { context, page, errors } = await openPage(browser, PHONE, `/?region=${REGION}#15/${lat}/${lon}`);
    try {
      await waitForMap(page, errors);
      const [z] = mapView(page) || [];
      assert.equal(z, 15, `the map left the linked view: ${page.url()}`);
      await page.locator('.overview .ov-grids').waitFor({ state: 'visible' });
      await assertNoOverflow(page, 'map page on a phone');

      await clickMapCentre(page, target, { tap: true });
      await page.waitForTimeout(400);
      await page.screenshot({ path: path.join(ARTIFACTS, 'map-mobile.png'), fullPage: true });

      // The workforce page fits a phone too.
      await page.getByRole('region', { name: '网格详情' }).getByRole('button', { name: '关闭' }).tap();
      await page.getByRole('navigation').getByRole('link', { name: '治理力量' }).tap();
      await page.waitForURL(/\/people/);
      await waitForPeople(page, `within=${REGION}`, 'phone');
      await assertNoOverflow(page, 'workforce page on a phone');
      await page.screenshot({ path: path.join(ARTIFACTS, 'people-mobile.png'), fullPage: true });

      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });

  test('workforce page: nav bar, totals, team filter, name search, English, reload', { timeout: 180_000 }, async () => {
    const { context, page, errors } = await openPage(browser, { viewport: { width: 1440, height: 900 } }, `/?region=${REGION}`);
    try {
      await waitForMap(page, errors);
      const mapHash = new URL(page.url()).hash;
      assert.ok(mapHash, `the map's view is not in the URL: ${page.url()}`);
      const nav = page.getByRole('navigation');
      await nav.getByRole('link', { name: '治理力量' }).click();
      await page.waitForURL(/\/people/);
      // The map's view stays with the map: the workforce page has no hash.
      const url = new URL(page.url());
      assert.equal(url.hash, '', `the map's hash followed to ${page.url()}`);
      assert.equal(url.searchParams.get('region'), REGION, 'the nav bar dropped the region');
      assert.equal(await nav.getByRole('link', { name: '治理力量' }).getAttribute('aria-current'), 'page');
      assert.match(await page.title(), /治理力量/);

      // Back returns to the map where it was, and Forward to this page.
      await page.goBack();
      await waitForMap(page, errors);
      assert.equal(new URL(page.url()).hash, mapHash, 'Back did not return to the map view');
      await page.goForward();
      await page.waitForURL(/\/people/);

      const all = await waitForPeople(page, `within=${REGION}`, 'first page');
      assert.equal(digits(await page.locator('.el-pagination__total').textContent()), String(all.total), 'the pagination total');
      await page.screenshot({ path: path.join(ARTIFACTS, 'people.png'), fullPage: true });

      // Filter by a team (named as the API names it): the count changes to
      // the API's count for that team.
      const team = enums.teams.find((x) => x.code === 'cadre') || enums.teams[0];
      const teams = page.getByRole('group', { name: /^(按队伍筛选|Filter by team)$/ });
      const chip = teams.getByRole('button', { name: new RegExp(`^${team.name}`) });
      await chip.click();
      await page.waitForURL((u) => u.searchParams.get('team') === team.code);
      const byTeam = await waitForPeople(page, `within=${REGION}&team=${team.code}`, `team ${team.code}`);
      assert.notEqual(byTeam.total, all.total, 'filtering by a team did not change the count');
      assert.equal(await chip.getAttribute('aria-pressed'), 'true');
      const cells = await page.locator('.pp-table .pp-team').allTextContents();
      assert.ok(cells.length && cells.every((c) => c.trim() === team.name), `rows of other teams than ${team.name}: ${cells}`);

      // Search a name within the team.
      const name = byTeam.items[0].name;
      await page.getByRole('textbox', { name: '搜索姓名' }).fill(name);
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.searchParams.get('q') === name);
      const found = await waitForPeople(page, `within=${REGION}&team=${team.code}&q=${encodeURIComponent(name)}`, `search ${name}`);
      assert.ok(found.total >= 1 && found.total < byTeam.total, `searching ${name} found ${found.total}`);
      const names = await peopleRows(page).locator('td:first-child').allTextContents();
      assert.ok(names.every((n) => n.includes(name)), `rows not matching ${name}: ${names}`);

      // English: the team names are the API's English ones.
      await page.getByRole('radiogroup', { name: /Language/ }).getByText('English').click();
      await nav.getByRole('link', { name: 'Workforce' }).waitFor();
      await teams.getByRole('button', { name: new RegExp(`^${team.name_en}`) }).waitFor();
      const cellsEN = await page.locator('.pp-table .pp-team').allTextContents();
      assert.ok(cellsEN.every((c) => c.trim() === team.name_en), `team names in English: ${cellsEN}`);
      await page.getByRole('columnheader', { name: 'Name' }).waitFor();
      await assertNoOverflow(page, 'workforce page in English');
      await page.screenshot({ path: path.join(ARTIFACTS, 'people-en.png'), fullPage: true });

      // Reloading keeps the page and its filters (the server answers every
      // page's path with the app), and so does opening /people directly.
      let res = await page.reload();
      assert.equal(res.status(), 200);
      await waitForPeople(page, `within=${REGION}&team=${team.code}&q=${encodeURIComponent(name)}`, 'reloaded');
      await page.getByRole('columnheader', { name: 'Name' }).waitFor();
      res = await page.goto(`${BASE}/people`);
      assert.equal(res.status(), 200, 'GET /people');
      await waitForPeople(page, `within=${DEFAULT_REGION}`, '/people');

      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });
});
