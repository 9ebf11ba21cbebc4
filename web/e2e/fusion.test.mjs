// Browser test of the daily hotline–grid comparison page (/fusion): the
// table's figures equal GET /api/v1/fusion/daily's, the map draws the
// missed calls, the 30-day trend of the rate draws; grouped by grid, and
// in English.
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/fusion.test.mjs
//
// The session comes from POST /api/v1/auth/login as admin (password
// GRIDLINE_PASSWORD, default demo1234), put in localStorage
// 'gridline.token' before the page loads.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, READY_TIMEOUT, REGION, assertNoPageErrors, PASSWORD, login } from './common.mjs';

// A day of the demo's generated year, with calls found first and missed.
const DAY = process.env.GRIDLINE_FUSION_DAY || '2026-10-15';

const skip = BASE ? false : 'GRIDLINE_URL is not set';
const ADMIN = BASE ? await login('admin') : '';

async function admin(p) {
  const res = await fetch(BASE + p, { headers: { Accept: 'application/json', Authorization: `Bearer ${ADMIN}` } });
  const data = await res.json().catch(() => null);
  assert.ok(res.ok, `GET ${p} answered ${res.status}: ${JSON.stringify(data)}`);
  return data;
}

describe('hotline–grid comparison page', { skip }, () => {
  let browser;
  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });
  after(async () => { if (browser) await browser.close(); });

  test("the table, the map of misses and the trend show the API's figures", { timeout: 180_000 }, async () => {
    const rep = await admin(`/api/v1/fusion/daily?date=${DAY}&by=town`);
    assert.ok(rep.total.hotline > 0 && rep.misses.length > 0, `the demo's ${DAY} has calls and misses: ${JSON.stringify(rep.total)}`);
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 1000 } });
    await context.addInitScript((tok) => { try { localStorage.setItem('gridline.token', tok); } catch { /* about:blank */ } }, ADMIN);
    const page = await context.newPage();
    const errors = [];
    page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`); });
    page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
    await page.goto(`${BASE}/fusion?region=${REGION}&date=${DAY}`, { waitUntil: 'domcontentloaded' });

    // The nav lists the page.
    await page.getByRole('link', { name: '比对' }).first().waitFor({ timeout: READY_TIMEOUT });
    const table = page.getByTestId('fusion-table');
    await table.waitFor({ timeout: READY_TIMEOUT });
    const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(2)}%`);
    const cell = async (row, k) => (await row.locator(`[data-count="${k}"]`).textContent()).trim();
    const total = table.locator('tfoot tr');
    for (const k of ['hotline', 'found_first', 'found_later', 'missed', 'unlocated']) {
      assert.equal(await cell(total, k), String(rep.total[k]), `total ${k}`);
    }
    assert.equal(await cell(total, 'rate'), pct(rep.total.rate), 'total rate');
    assert.equal(await table.locator('tbody tr').count(), rep.rows.length, 'one line per town');
    for (const r of rep.rows) {
      const line = table.locator(`tbody tr[data-key="${r.key}"]`);
      assert.equal(await cell(line, 'found_first'), String(r.found_first), `${r.name} found_first`);
      assert.equal(await cell(line, 'missed'), String(r.missed), `${r.name} missed`);
      assert.equal(await cell(line, 'rate'), pct(r.rate), `${r.name} rate`);
    }

    // The map draws every miss; the trend has its 30 days.
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="fusion-map"]').dataset.drawn) === n,
      rep.misses.length, { timeout: 30_000 });
    assert.equal((await page.getByTestId('fusion-miss-count').textContent()).trim(), String(rep.misses.length));
    await page.waitForFunction(() => document.querySelector('[data-testid="fusion-trend"]').dataset.points === '30', null, { timeout: 60_000 });
    const day1 = await admin(`/api/v1/fusion/daily?date=${DAY}`);
    assert.equal(day1.total.hotline, rep.total.hotline);
    // The trend's last point is the day's own rate (one by-day request for the 30).
    assert.equal(await page.getByTestId('fusion-trend').getAttribute('data-last-rate'), String(rep.total.rate));
    await page.waitForTimeout(800); // the chart's animation
    await page.screenshot({ path: path.join(ARTIFACTS, 'fusion-by-town.png'), fullPage: true });

    // Grouped by grid, the table follows the API.
    const byGrid = await admin(`/api/v1/fusion/daily?date=${DAY}&by=grid`);
    await page.locator('.fu-by .el-select__wrapper').click();
    await page.getByRole('option', { name: '网格', exact: true }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="fusion-table"] tbody tr').length === n, byGrid.rows.length, { timeout: 20_000 });

    // English.
    await page.getByRole('radiogroup', { name: /Language/ }).getByText('English').click();
    await page.getByRole('heading', { name: 'Hotline–grid daily comparison' }).waitFor({ timeout: 5_000 });
    const heads = (await table.locator('thead th').allTextContents()).map((x) => x.trim());
    assert.ok(heads[0] === 'Grid' && heads.includes('Found first') && heads.includes('Found-first rate'), `headings ${heads}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'fusion-by-grid-en.png'), fullPage: true });
    await page.getByRole('radiogroup', { name: /Language/ }).getByText('中文').click();
    assertNoPageErrors(errors);
    await context.close();
  });
});
