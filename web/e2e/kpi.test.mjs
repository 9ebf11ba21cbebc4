// Browser test of the KPI page (考核指标): a period typed into the date
// picker and a grouping chosen (by town, lead unit, category), the table's
// rows and figures equal to GET /api/v1/kpis for the same from, to and by,
// both ECharts charts drawn (their canvases have the series' colours, and
// redraw when the grouping changes), and the headings in English after the
// language toggle. The board's urge and supervise are supervision.test.mjs's.
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/kpi.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, READY_TIMEOUT, REGION, api, assertNoPageErrors, contextWith, login, openPage, shot } from './common.mjs';

const skip = BASE ? false : 'GRIDLINE_URL is not set';
const ADMIN = BASE ? await login('admin') : '';
const admin = (method, p, body) => api(ADMIN, method, p, body);

// A summer of the demo's year of cases (1 November 2025 – 31 October 2026):
// the days picked are whole days in China, the last one included, so the
// page asks from the first day's midnight to the midnight after the last.
const FROM = '2026-06-01';
const TO = '2026-08-31';
const TO_API = '2026-09-01';
const kpis = (by) => admin('GET', `/api/v1/kpis?from=${FROM}T00:00:00%2B08:00&to=${TO_API}T00:00:00%2B08:00&by=${by}`);
const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(2)}%`);

// chartPixels counts, on the canvas of the index-th chart, the pixels that
// are not blank, those of the bars and those of each colour given as
// [r, g, b] (bars are drawn in their series' colour; antialiased edges are
// not counted).
function chartPixels(page, index, colours) {
  return page.evaluate(([i, cols]) => {
    const box = document.querySelectorAll('.kp-chart')[i];
    const canvas = box && box.querySelector('canvas');
    if (!canvas) return null;
    const { width, height } = canvas;
    const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    // Below the legend (the top 40 CSS pixels), the bars are the only
    // saturated colour: axes, grid lines and labels are grey.
    const legend = Math.round(40 * (height / box.clientHeight)) * width * 4;
    let ink = 0;
    let bars = 0;
    const hits = cols.map(() => 0);
    for (let p = 0; p < data.length; p += 4) {
      if (data[p + 3] === 0 || (data[p] > 250 && data[p + 1] > 250 && data[p + 2] > 250)) continue;
      ink++;
      if (p >= legend && Math.max(data[p], data[p + 1], data[p + 2]) - Math.min(data[p], data[p + 1], data[p + 2]) > 60) bars++;
      cols.forEach((c, k) => { if (Math.abs(data[p] - c[0]) < 3 && Math.abs(data[p + 1] - c[1]) < 3 && Math.abs(data[p + 2] - c[2]) < 3) hits[k]++; });
    }
    return { width, height, ink, bars, hits, instance: box.hasAttribute('_echarts_instance_'), url: canvas.toDataURL().length };
  }, [index, colours]);
}

const BLUE = [0x1a, 0x73, 0xe8]; // received (KpiPage.vue)
const GREEN = [0x34, 0xa8, 0x53]; // closed

describe('the KPI page', { skip }, () => {
  let browser;
  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });
  after(async () => { if (browser) await browser.close(); });

  // checkTable asserts that the table holds rep's rows, each with its
  // name, received count and on-time and satisfaction rates, and its total.
  async function checkTable(table, rep) {
    assert.ok(rep.rows.length > 1, `${rep.by}: several rows`);
    assert.equal(await table.locator('tbody tr').count(), rep.rows.length, `${rep.by}: one line per group`);
    for (const r of rep.rows) {
      const cells = (await table.locator(`tbody tr[data-key="${r.key}"] td`).allTextContents()).map((s) => s.trim());
      assert.equal(cells[0], r.name, `${rep.by} ${r.key}: name`);
      assert.equal(cells[1].replace(/,/g, ''), String(r.counts.received), `${r.name}: received`);
      const line = table.locator(`tbody tr[data-key="${r.key}"]`);
      assert.equal((await line.locator('[data-kpi="on_time_rate"]').textContent()).trim(), pct(r.on_time_rate), `${r.name}: on_time_rate`);
      assert.equal((await line.locator('[data-kpi="satisfaction_rate"]').textContent()).trim(), pct(r.satisfaction_rate), `${r.name}: satisfaction_rate`);
    }
    assert.equal((await table.locator('tfoot [data-kpi="composite"]').textContent()).trim(), pct(rep.total.composite), `${rep.by}: total composite`);
    assert.equal((await table.locator('tfoot td').nth(1).textContent()).trim().replace(/,/g, ''), String(rep.total.counts.received), `${rep.by}: total received`);
  }

  // drawn waits until the volume chart shows both series' bars and the
  // rates chart has ink, and returns what was measured.
  async function drawn(page, what) {
    await page.waitForFunction(() => {
      const c = document.querySelectorAll('.kp-chart canvas');
      return c.length === 2 && [...c].every((x) => x.width > 0 && x.height > 0);
    }, null, { timeout: 20_000 });
    let rates;
    let volume;
    const deadline = Date.now() + 10_000;
    // The bars grow in (ECharts' animation): measure until they stand.
    for (;;) {
      rates = await chartPixels(page, 0, []);
      volume = await chartPixels(page, 1, [BLUE, GREEN]);
      if ((volume.hits[0] > 200 && volume.hits[1] > 200 && rates.bars > 2000) || Date.now() > deadline) break;
      await page.waitForTimeout(300);
    }
    assert.ok(rates.instance && volume.instance, `${what}: both boxes hold an ECharts instance`);
    assert.ok(rates.width > 100 && rates.height > 100, `${what}: the rates canvas is ${rates.width}×${rates.height}`);
    assert.ok(rates.bars > 2000, `${what}: the rates chart drew its bars (${rates.bars} coloured pixels of ${rates.ink} inked)`);
    assert.ok(volume.hits[0] > 200, `${what}: the received bars are drawn in blue (${volume.hits[0]} pixels)`);
    assert.ok(volume.hits[1] > 200, `${what}: the closed bars are drawn in green (${volume.hits[1]} pixels)`);
    console.log(`${what}: rates ${rates.width}×${rates.height}, ${rates.bars} bar pixels; volume ${volume.hits.join(' blue, ')} green`);
    return { rates, volume };
  }

  test('period and grouping: table equal to the API, charts drawn, English headings', { timeout: 180_000 }, async () => {
    const ctx = await contextWith(browser, ADMIN);
    const { page, errors } = await openPage(ctx, `/kpis?region=${REGION}`);
    const table = page.getByTestId('kpi-table');
    await table.waitFor({ timeout: READY_TIMEOUT });

    // The period, typed into the range picker; the page asks for it.
    const townAnswer = answered(page, 'town');
    const inputs = page.locator('.kp-period input');
    // Element Plus reads a typed date on the input's change event.
    for (const [i, d] of [[0, FROM], [1, TO]]) {
      await inputs.nth(i).click();
      await inputs.nth(i).fill(d);
      await inputs.nth(i).dispatchEvent('change');
    }
    await page.keyboard.press('Escape');
    assert.deepEqual(await inputs.evaluateAll((l) => l.map((i) => i.value)), [FROM, TO]);

    // By town (the page's default grouping).
    const byTown = await kpis('town');
    assert.deepEqual(await townAnswer, byTown, 'the page asked for the period by town');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="kpi-table"] tbody tr').length === n, byTown.rows.length, { timeout: 20_000 });
    await checkTable(table, byTown);
    const town = await drawn(page, 'by town');
    await shot(page, 'kpi-by-town-summer.png', '.kp-page');

    // By lead unit: the table and the charts follow.
    const unitAnswer = answered(page, 'unit');
    await page.locator('.kp-by .el-select__wrapper').click();
    await page.getByRole('option', { name: '主办单位', exact: true }).click();
    const byUnit = await kpis('unit');
    assert.deepEqual(await unitAnswer, byUnit, 'the page asked for the period by unit');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="kpi-table"] tbody tr').length === n, byUnit.rows.length, { timeout: 20_000 });
    assert.equal((await table.locator('thead th').first().textContent()).trim(), '主办单位');
    await checkTable(table, byUnit);
    const unit = await drawn(page, 'by unit');
    assert.notEqual(unit.volume.url, town.volume.url, 'the volume chart was redrawn for the units');
    assert.ok(byUnit.rows.length !== byTown.rows.length, 'units and towns differ in number');
    await shot(page, 'kpi-by-unit-summer.png', '.kp-page');

    // By category: named main class / sub-class, as the API names them.
    const catAnswer = answered(page, 'category');
    await page.locator('.kp-by .el-select__wrapper').click();
    await page.getByRole('option', { name: '类别', exact: true }).click();
    const byCategory = await kpis('category');
    assert.deepEqual(await catAnswer, byCategory, 'the page asked for the period by category');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="kpi-table"] tbody tr').length === n, byCategory.rows.length, { timeout: 20_000 });
    await checkTable(table, byCategory);
    assert.ok(byCategory.rows.every((r) => / \/ /.test(r.name)), 'every category named with its main class');
    await drawn(page, 'by category');

    // English: the headings, the table's and the charts', in English, and
    // the categories by their English names.
    const catalogue = Object.fromEntries((await admin('GET', '/api/v1/categories')).items.map((c) => [c.code, c]));
    await page.getByRole('radiogroup', { name: /Language/ }).getByText('English').click();
    await page.getByRole('heading', { name: 'KPIs' }).waitFor({ timeout: 5_000 });
    const first = byCategory.rows[0];
    const en = `${catalogue[catalogue[first.key].parent_code].name_en} / ${catalogue[first.key].name_en}`;
    assert.equal((await table.locator(`tbody tr[data-key="${first.key}"] td`).first().textContent()).trim(), en);
    await shot(page, 'kpi-by-category-en.png', '.kp-page');
    const unitAgain = answered(page, 'unit');
    await page.locator('.kp-by .el-select__wrapper').click();
    await page.getByRole('option', { name: 'Lead unit', exact: true }).click();
    await unitAgain;
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="kpi-table"] tbody tr').length === n, byUnit.rows.length, { timeout: 20_000 });
    const cards = (await page.locator('.kp-card-title').allTextContents()).map((s) => s.trim());
    assert.deepEqual(cards, ['Main figures', 'Received and closed']);
    const heads = (await table.locator('thead th').allTextContents()).map((s) => s.trim());
    assert.equal(heads[0], 'Lead unit');
    assert.ok(heads.includes('Received') && heads.includes('On-time closure'), `headings ${heads}`);
    assert.ok(!heads.some((h) => /[\u4e00-\u9fff]/.test(h)), `no Chinese heading left: ${heads}`);
    await drawn(page, 'in English');
    await shot(page, 'kpi-by-unit-en.png', '.kp-page');
    await page.getByRole('radiogroup', { name: /Language/ }).getByText('中文').click();
    assertNoPageErrors(errors);
    await ctx.close();
  });
});

// answered resolves to the JSON of the page's GET /api/v1/kpis for the
// test's period grouped by by.
async function answered(page, by) {
  const res = await page.waitForResponse((r) => {
    if (!r.url().includes('/api/v1/kpis?')) return false;
    const q = new URL(r.url()).searchParams;
    return q.get('by') === by && q.get('from') === `${FROM}T00:00:00+08:00` && q.get('to') === `${TO_API}T00:00:00+08:00`;
  }, { timeout: 30_000 });
  assert.equal(res.status(), 200);
  return res.json();
}
