// Browser test of the command centre's big screen (/command) at 1920×1080
// as the account `command`: the KPI cards show what GET /api/v1/kpis and
// GET /api/v1/tickets/aggregate give; a case taken in elsewhere
// (POST /api/v1/tickets from the test) appears in the live list, on the
// map and in the cards without a reload (SSE); a click on a case opens its
// details; the 3D view extrudes the buildings. It measures the first
// meaningful paint from a cold cache, the page's initial JavaScript
// (gzipped, as sent) and the frame times while panning and zooming.
//
//   GRIDLINE_URL=http://127.0.0.1:18101 node --test web/e2e/command.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, READY_TIMEOUT, REGION, assertNoPageErrors, centroid } from './common.mjs';

const PASSWORD = process.env.GRIDLINE_PASSWORD || 'demo1234';
const VIEW = { viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' };

async function login(username) {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }),
  });
  const data = await res.json().catch(() => null);
  assert.ok(res.ok && data && data.token, `log in as ${username}: ${res.status}`);
  return data.token;
}

const skip = BASE ? false : 'GRIDLINE_URL is not set';
const TOKEN = BASE ? await login('command') : '';

// api calls the API as the account command; a busy server's 503 (the
// reports' shared bound, which the page's own reads hold too) is retried.
async function api(p, init = {}) {
  let res;
  for (let i = 0; ; i++) {
    res = await fetch(BASE + p, { ...init, headers: { Accept: 'application/json', Authorization: `Bearer ${TOKEN}`, ...(init.headers || {}) } });
    if (res.status !== 503 || i === 10) break;
    await new Promise((r) => setTimeout(r, 1000 * (Number(res.headers.get('Retry-After')) || 2)));
  }
  const data = await res.json().catch(() => null);
  assert.ok(res.ok, `${init.method || 'GET'} ${p} answered ${res.status}: ${JSON.stringify(data)}`);
  return data;
}

const q = (o) => new URLSearchParams(o).toString();
const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(2)}%`);
const num = (n) => Number(n).toLocaleString('zh-CN');
const median = (xs) => xs[Math.floor(xs.length / 2)];
const p95 = (xs) => xs[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

// png returns a 256×256 PNG of one colour: a base map tile.
function png([r, g, b]) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(256, 0);
  ihdr.writeUInt32BE(256, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const row = Buffer.alloc(1 + 256 * 3);
  for (let x = 0; x < 256; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: 256 }, () => row));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// cardsOf reads the cards' raw values and texts.
async function cardsOf(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-testid^="card-"]')].map((el) => [
    el.dataset.testid.slice(5), { raw: el.dataset.value, text: el.querySelector('.cc-card-value').textContent.trim() },
  ])));
}

describe('command centre', { skip }, () => {
  let browser;
  let storage;
  const figures = {};
  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
    // Sign in through the login page, as a person does (the session
    // cookie); the cold-cache load below reuses only the cookie.
    const context = await browser.newContext(VIEW);
    const page = await context.newPage();
    await page.goto(`${BASE}/login?redirect=/command`, { waitUntil: 'domcontentloaded' });
    await page.getByLabel('用户名').fill('command');
    await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/command', { timeout: 15_000 });
    await page.locator('.cc').waitFor({ timeout: 15_000 });
    storage = await context.storageState();
    await context.close();
  });
  after(async () => {
    if (browser) await browser.close();
    if (Object.keys(figures).length) console.log('command centre figures:', JSON.stringify(figures));
  });

  test('cards equal the APIs, a new case arrives live, details, 3D, frame times', { timeout: 600_000 }, async () => {
    const context = await browser.newContext({ ...VIEW, storageState: storage });
    const page = await context.newPage();
    const errors = [];
    page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`); });
    page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
    // jsKB sums the page's scripts as sent (resource timing's
    // encodedBodySize) that started before the time `before` (ms from
    // navigation start).
    const jsKB = (before) => page.evaluate((t) => Math.round(performance.getEntriesByType('resource')
      .filter((e) => /\.m?js(\?|$)/.test(e.name) && !/worker/.test(e.name) && e.startTime <= t)
      .reduce((n, e) => n + e.encodedBodySize, 0) / 1024), before);

    // Cold cache (a new context). The first meaningful paint is the page's
    // own mark (CommandPage.vue, FMP_MARK): the first frame after the map
    // has drawn the county, its towns, grids and the year's case cells and
    // the seven cards hold their figures, from navigation start.
    // (The bound is generous: on this shared 2-core machine at load
    // average 20+ it took 45 s; the figure is reported, not asserted.)
    // What the map holds is read as the page marks its paint (the layers
    // the paint does without are added just after it).
    await page.addInitScript(() => {
      const mark = performance.mark.bind(performance);
      performance.mark = (name, ...rest) => {
        const map = window.__ccMap;
        if (name === 'gridline:command-fmp' && map) {
          // The county, its towns and its grids are one source (kind).
          const kinds = map.getSource('boundaries').serialize().data.features.map((f) => f.properties.kind);
          window.__atPaint = {
            cells: map.getSource('cells').serialize().data.features.length,
            grids: kinds.filter((k) => k === 'grid').length,
            county: kinds.filter((k) => k === 'county').length,
            towns: kinds.filter((k) => k === 'town').length,
            loaded: map.loaded(),
          };
        }
        return mark(name, ...rest);
      };
    });
    await page.goto(`${BASE}/command?region=${REGION}`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => document.querySelector('.cc')?.dataset.ready === 'true', null, { timeout: 3 * READY_TIMEOUT });
    const paint = await page.evaluate(() => ({
      mark: performance.getEntriesByName('gridline:command-fmp')[0]?.startTime,
      attr: Number(document.querySelector('.cc').dataset.fmp),
      cards: [...document.querySelectorAll('[data-testid^="card-"]')].filter((el) => el.dataset.value === '').map((el) => el.dataset.testid),
      ...window.__atPaint,
    }));
    assert.ok(paint.mark > 0 && Math.round(paint.mark) === paint.attr, `the paint is marked: ${JSON.stringify(paint)}`);
    assert.deepEqual(paint.cards, [], 'every card has its figure at the first paint');
    assert.ok(paint.cells > 0 && paint.grids > 0 && paint.county === 1 && paint.towns > 0 && paint.loaded, `the map is drawn at the first paint: ${JSON.stringify(paint)}`);
    figures.firstMeaningfulPaintMs = Math.round(paint.mark);
    // The towns' names, the heat map and the other layers come after it.
    await page.waitForFunction(() => window.__ccMap.getSource('town-labels')?.serialize().data.features.length > 0 && window.__ccMap.getLayer('heat'), null, { timeout: READY_TIMEOUT });
    // The communities and villages (社区/村) are drawn between the towns and
    // the grids: every one the regions API has.
    const villages = await api(`/api/v1/geojson/regions?within=${REGION}&level=village`);
    await page.waitForFunction((n) => window.__ccMap.getSource('communities')?.serialize().data.features.length === n
      && window.__ccMap.getLayer('communities-line'), villages.features.length, { timeout: READY_TIMEOUT });
    assert.ok(villages.features.length > 100, `the demo's communities: ${villages.features.length}`);
    // Where the time went: the page's steps (CommandPage.vue), from navigation start.
    figures.steps = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark')
      .filter((m) => m.name.startsWith('gridline:command-')).map((m) => [m.name.slice(17), Math.round(m.startTime)])));
    assert.equal(await page.evaluate(() => document.querySelector('.cc').dataset.kpis), 'true', 'the KPI cards are part of the first paint');
    // Initial JavaScript: what the page fetched up to its first paint.
    figures.initialJsGzipKB = await jsKB(paint.mark);
    assert.ok(figures.initialJsGzipKB > 100, `initial JS measured: ${figures.initialJsGzipKB} KB`);
    assert.ok(figures.initialJsGzipKB <= 1200, `initial JS ${figures.initialJsGzipKB} KB gzipped > 1.2 MB`);

    // The cards are the APIs' figures, for the period the page names.
    const period = await page.evaluate(() => ({ from: document.querySelector('.cc').dataset.from, to: document.querySelector('.cc').dataset.to, at: document.querySelector('.cc').dataset.at }));
    const today = { from: `${period.at}T00:00:00+08:00`, to: period.to };
    const check = async () => {
      const kToday = await api(`/api/v1/kpis?${q({ ...today, by: 'town' })}`);
      const kPeriod = await api(`/api/v1/kpis?${q({ from: period.from, to: period.to, by: 'town' })}`);
      const states = await api(`/api/v1/tickets/aggregate?${q({ by: 'status', within: REGION })}`);
      const sum = (k) => states.rows.reduce((n, r) => n + r[k], 0);
      return {
        today: kToday.total.counts.received, open: sum('open'), yellow: sum('yellow'), red: sum('red'),
        'on-time': kPeriod.total.on_time_rate, satisfaction: kPeriod.total.yanzhou_satisfaction, 'avg-days': kPeriod.total.avg_handling_days,
      };
    };
    const want = await check();
    const cards = await cardsOf(page);
    for (const k of ['today', 'open', 'yellow', 'red']) {
      assert.equal(Number(cards[k].raw), want[k], `card ${k}`);
      assert.equal(cards[k].text, num(want[k]), `card ${k} text`);
    }
    assert.equal(cards['on-time'].text, pct(want['on-time']), 'on-time closure');
    assert.equal(cards.satisfaction.text, pct(want.satisfaction), 'satisfaction');
    assert.equal(cards['avg-days'].text, `${want['avg-days'].toFixed(2)}天`, 'average handling time');
    assert.ok(want.open > 0 && want['on-time'] > 0.9, `the demo's year shows: ${JSON.stringify(want)}`);
    // The charts drew; the map counts the cases of the period in view.
    for (const id of ['chart-trend', 'chart-category', 'chart-channel', 'chart-towns']) {
      // The charts draw after their own answers: the cards may come first.
      await page.getByTestId(id).locator('canvas').first().waitFor({ timeout: READY_TIMEOUT }).catch(() => {});
      assert.ok(await page.getByTestId(id).locator('canvas').count() > 0, `${id} drew`);
    }
    assert.match(await page.getByTestId('map-total').textContent(), /地图范围内 [\d,]+ 件/);
    await page.waitForFunction(() => document.querySelector('.cc')?.dataset.live === 'live', null, { timeout: 10_000 });
    await page.waitForTimeout(1000); // chart animations
    // All of the page's JavaScript, the charts' too (after the first paint).
    figures.allJsGzipKB = await jsKB(Infinity);
    await page.screenshot({ path: path.join(ARTIFACTS, 'command-overview.png'), timeout: 120_000 });

    // A case taken in elsewhere: the screen shows it without a reload.
    await page.evaluate(() => { window.__sameDocument = true; });
    const grids = await api(`/api/v1/geojson/grids?within=370812001`);
    const grid = grids.features[0];
    const [lon, lat] = centroid(grid.geometry.type === 'Polygon' ? grid.geometry.coordinates[0] : grid.geometry.coordinates[0][0]);
    const created = await api('/api/v1/tickets', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'hotline', text: '指挥中心大屏测试：路灯不亮，夜间出行不便', lon, lat }),
    });
    const sent = Date.now(); // the intake's answer: committed
    const id = created.ticket.id;
    await page.locator(`[data-testid="feed"] li[data-ticket="${id}"]`).waitFor({ timeout: 10_000 });
    figures.liveListMs = Date.now() - sent;
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="card-today"]').dataset.value) === n, want.today + 1, { timeout: 30_000 });
    figures.liveCardsMs = Date.now() - sent;
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="card-open"]').dataset.value) === n, want.open + 1, { timeout: 30_000 });
    const onMap = await page.evaluate((i) => window.__ccMap.getSource('recent').serialize().data.features.some((f) => f.properties.id === i), id);
    assert.ok(onMap, 'the new case is on the map');
    assert.ok(await page.evaluate(() => window.__sameDocument === true), 'no reload');
    const after1 = await check();
    assert.equal(after1.today, want.today + 1, 'the KPI API counts it too');
    assert.equal(Number((await cardsOf(page)).today.raw), after1.today);
    assert.ok((await page.getByTestId('feed').textContent()).includes(created.ticket.number), 'the list names its number');

    // Its details: zoomed in, a click on its marker.
    await page.evaluate(([x, y]) => window.__ccMap.jumpTo({ center: [x, y], zoom: 16 }), [lon, lat]);
    await page.waitForFunction(() => window.__ccMap.getSource('cases').serialize().data.features.length > 0 && window.__ccMap.loaded(), null, { timeout: 20_000 });
    await page.waitForTimeout(500);
    const box = await page.getByTestId('map').boundingBox();
    const pt = await page.evaluate(([x, y]) => window.__ccMap.project([x, y]), [lon, lat]);
    await page.mouse.click(box.x + pt.x, box.y + pt.y);
    const side = page.getByTestId('side-panel');
    await side.waitFor({ timeout: 10_000 });
    await side.getByText(created.ticket.number).waitFor({ timeout: 10_000 });
    const enums = await api('/api/v1/enums');
    const received = enums.ticket_statuses.find((x) => x.code === created.ticket.status).name;
    assert.equal((await page.getByTestId('case-status').textContent()).trim(), received, 'its status');
    await page.screenshot({ path: path.join(ARTIFACTS, 'command-case.png'), timeout: 120_000 });

    // Frame times while panning and zooming over the district, with the
    // year of cases on the map.
    await page.evaluate(() => window.__ccMap.jumpTo({ center: [116.78, 35.56], zoom: 10.5, pitch: 0 }));
    await page.waitForTimeout(1500);
    const frames = await page.evaluate(async () => {
      const map = window.__ccMap;
      const deltas = [];
      let last = performance.now();
      let on = true;
      const loop = (t) => { deltas.push(t - last); last = t; if (on) requestAnimationFrame(loop); };
      requestAnimationFrame(loop);
      const move = (o) => new Promise((r) => { map.once('moveend', r); map.easeTo({ ...o, duration: 1200 }); });
      await move({ center: [116.86, 35.60] });
      await move({ zoom: 12.5 });
      await move({ center: [116.74, 35.52] });
      await move({ zoom: 10.5 });
      on = false;
      return deltas.slice(1).sort((a, b) => a - b);
    });
    figures.frames = frames.length;
    figures.frameMedianMs = Math.round(median(frames) * 10) / 10;
    figures.frameP95Ms = Math.round(p95(frames) * 10) / 10;

    // 3D: the buildings extruded by floors.
    await page.evaluate(() => window.__ccMap.jumpTo({ center: [116.757, 35.58], zoom: 16 }));
    await page.getByTestId('toggle-3d').click();
    await page.waitForFunction(() => window.__ccMap.getSource('buildings').serialize().data.features.length > 0, null, { timeout: 60_000 });
    await page.waitForTimeout(2000);
    assert.ok(await page.evaluate(() => window.__ccMap.getPitch() > 45), 'pitched');
    await page.screenshot({ path: path.join(ARTIFACTS, 'command-3d.png'), timeout: 120_000 });
    assertNoPageErrors(errors);
    await context.close();
  });

  // A case at a building and floor stands as a column at that floor's
  // height over the extruded building; a click on it opens the case, a
  // click on the building lists its open cases by floor.
  test('3D: a case at its building and floor; clicks open it and the building', { timeout: 300_000 }, async () => {
    const bs = await api(`/api/v1/buildings?${q({ within: REGION, limit: 200 })}`);
    const b = bs.items.find((x) => x.floors >= 6) || bs.items[0];
    const floor = Math.max(2, Math.floor(b.floors / 2));
    const created = await api('/api/v1/tickets', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'hotline', text: `指挥中心三维测试：${b.name}${floor}楼楼道漏水`, building_id: b.id, floor }),
    });
    const id = created.ticket.id;
    assert.equal(created.ticket.floor, floor);
    const context = await browser.newContext({ ...VIEW, storageState: storage });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
    await page.goto(`${BASE}/command?region=${REGION}`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => document.querySelector('.cc')?.dataset.ready === 'true', null, { timeout: 3 * READY_TIMEOUT });
    await page.evaluate(([x, y]) => window.__ccMap.jumpTo({ center: [x, y], zoom: 17.5 }), [b.lon, b.lat]);
    await page.getByTestId('toggle-3d').click();
    await page.waitForFunction((i) => window.__ccMap.getSource('building-cases').serialize().data.features.some((f) => f.id === i), id, { timeout: 120_000 });
    await page.waitForTimeout(2500); // the camera's pitch
    // The column spans the floor: base (floor − 1) × the floor height.
    const col = await page.evaluate((i) => window.__ccMap.getSource('building-cases').serialize().data.features.find((f) => f.id === i).properties, id);
    const per = (b.height_m || b.floors * 3) / b.floors;
    assert.ok(Math.abs(col.base - ((floor - 1) * per + 0.3)) < 0.01 && Math.abs(col.top - (floor * per - 0.3)) < 0.01,
      `column ${col.base}–${col.top} m, floor ${floor} of ${per} m`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'command-3d-floor.png'), timeout: 120_000 });
    // Where on screen each is drawn: the rendered features under a grid of
    // points over the building (a 3D column rises above its foot).
    const spot = (layer, fid, not) => page.evaluate(([l, f, n, lon, lat]) => {
      const map = window.__ccMap;
      const p = map.project([lon, lat]);
      for (let y = Math.round(p.y) + 60; y > p.y - 400; y -= 3) {
        for (let x = Math.round(p.x) - 200; x < p.x + 200; x += 3) {
          // What the click handler tries first (the 2D markers) must not
          // be there either.
          const hits = map.queryRenderedFeatures([x, y], { layers: ['recent-dot', 'cases-circle', 'building-cases-3d', 'buildings-3d'] });
          if (hits.length && hits[0].layer.id === l && hits[0].id === f && !hits.some((h) => h.layer.id === n || /circle|dot/.test(h.layer.id))) return [x, y];
        }
      }
      return null;
    }, [layer, fid, not, b.lon, b.lat]);
    const box = await page.getByTestId('map').boundingBox();
    const at = await spot('building-cases-3d', id);
    assert.ok(at, 'the case column is drawn');
    await page.mouse.click(box.x + at[0], box.y + at[1]);
    const side = page.getByTestId('side-panel');
    await side.getByText(created.ticket.number).waitFor({ timeout: 10_000 });
    assert.ok((await page.getByTestId('case-building').textContent()).includes(`${b.name} ${floor}层`), 'the panel names building and floor');
    await page.screenshot({ path: path.join(ARTIFACTS, 'command-3d-case.png'), timeout: 120_000 });
    const on = await spot('buildings-3d', b.id, 'building-cases-3d');
    assert.ok(on, 'the building is drawn');
    await page.mouse.click(box.x + on[0], box.y + on[1]);
    await page.locator(`[data-testid="building-cases"] li[data-ticket="${id}"]`).waitFor({ timeout: 10_000 });
    assert.ok((await side.textContent()).includes(b.name), 'the building panel names it');
    await page.screenshot({ path: path.join(ARTIFACTS, 'command-3d-building.png'), timeout: 120_000 });
    assertNoPageErrors(errors);
    await context.close();
  });

  // The base map: the server's configuration (GET /api/v1/config/map,
  // answered here by the test as a server started with
  // GRIDLINE_BASEMAP_URL would) puts raster tiles, served by the test,
  // under the map page and the command centre, with the attribution.
  test('a configured base map is drawn under every map page, with its attribution', { timeout: 180_000 }, async () => {
    const context = await browser.newContext({ ...VIEW, storageState: storage });
    const tiles = [];
    await context.route('**/api/v1/config/map', (r) => r.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({ basemap: { type: 'raster', tiles: [`${BASE}/e2e-tiles/{z}/{x}/{y}.png`], tile_size: 256, max_zoom: 18, attribution: '© 测试底图' } }),
    }));
    const tile = png([200, 170, 90]);
    await context.route('**/e2e-tiles/**', (r) => { tiles.push(r.request().url()); return r.fulfill({ contentType: 'image/png', body: tile }); });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
    for (const [p, shot] of [['/', 'basemap-map.png'], ['/command', 'basemap-command.png']]) {
      tiles.length = 0;
      await page.goto(`${BASE}${p}?region=${REGION}`, { waitUntil: 'domcontentloaded' });
      await page.locator('.maplibregl-ctrl-attrib').getByText('© 测试底图').waitFor({ timeout: 3 * READY_TIMEOUT });
      for (let i = 0; i < 100 && tiles.length === 0; i++) await page.waitForTimeout(200);
      assert.ok(tiles.length > 0, `${p}: base map tiles requested`);
      assert.ok(tiles.every((u) => /\/e2e-tiles\/\d+\/\d+\/\d+\.png$/.test(u)), `${p}: tile URLs ${tiles.slice(0, 3)}`);
      await page.waitForTimeout(2000);
      await page.screenshot({ path: path.join(ARTIFACTS, shot), timeout: 120_000 });
    }
    assertNoPageErrors(errors);
    await context.close();
  });
});
