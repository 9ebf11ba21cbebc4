// Browser test of whistle-and-report (吹哨报到): the street whistles on a
// case from the case page naming two departments; the demo department
// reports on the whistle page within the time; the other does not, and
// the deadline scheduler flags it overdue (red on the page, an entry on
// the case's timeline); the street rates both; the ranking shows them in
// order with the API's numbers; the page in English.
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/whistle.test.mjs
//
// Time passes for real: the server must run with a short report time and
// scheduler interval (scripts/browser-test.sh sets
// GRIDLINE_WHISTLE_REPORT_WITHIN=90s and GRIDLINE_SUPERVISE_INTERVAL=5s),
// so the unit that does not report turns overdue within two minutes
// instead of thirty.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, DESKTOP, LAUNCH_ARGS, READY_TIMEOUT, api, assertNoPageErrors, centroid, contextWith, login, openPage, shot } from './common.mjs';

const skip = BASE ? false : 'GRIDLINE_URL is not set';
const ADMIN = BASE ? await login('admin') : '';
const STREET = BASE ? await login('street') : '';
const DEPT = BASE ? await login('department') : '';

const admin = (method, p, body) => api(ADMIN, method, p, body);

describe('whistle and report', { skip }, () => {
  let browser;
  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });
  after(async () => { if (browser) await browser.close(); });

  test('a street whistles, one department reports, the other turns overdue, the street rates both, the ranking', { timeout: 420_000 }, async () => {
    // The street's town, the demo department and another department.
    const street = await api(STREET, 'GET', '/api/v1/auth/me');
    const town = street.grants[0].region;
    const dept = await api(DEPT, 'GET', '/api/v1/auth/me');
    const deptID = dept.grants.find((g) => g.unit_id).unit_id;
    const units = (await admin('GET', '/api/v1/units?kind=department&limit=100')).items;
    const mine = units.find((u) => u.id === deptID);
    const other = units.find((u) => u.id !== deptID);
    assert.ok(mine && other, 'two departments');

    // The ranking of the page's default period (the last 30 days) before.
    const chinaDay = (n) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(new Date(Date.now() + n * 86400e3));
    const rankURL = `/api/v1/whistles/ranking?from=${chinaDay(-29)}T00:00:00%2B08:00&to=${chinaDay(1)}T00:00:00%2B08:00`;
    const rk0 = Object.fromEntries((await api(STREET, 'GET', rankURL)).rows.map((r) => [r.unit, r]));
    const zero = { called: 0, on_time: 0, late: 0, overdue: 0, waiting: 0, rated: 0, score_sum: 0 };

    // A case in the street's town, over the API.
    const grids = await admin('GET', `/api/v1/grids?within=${town}&limit=5`);
    assert.ok(grids.items.length, `grids in ${town}`);
    const g = await admin('GET', `/api/v1/grids/${grids.items[0].code}`);
    const ring = g.geometry.type === 'Polygon' ? g.geometry.coordinates[0] : g.geometry.coordinates[0][0];
    const [lon, lat] = centroid(ring);
    const made = await admin('POST', '/api/v1/tickets', { channel: 'hotline', text: '小区门口供水管道破裂，路面大量积水，影响车辆通行', category: '10402', lon, lat,
      reporter: { name: '赵先生', phone: '13912340000' } });
    const id = made.ticket.id;

    // The street whistles from the case page, naming both departments.
    const streetCtx = await contextWith(browser, STREET);
    const { page, errors } = await openPage(streetCtx, `/tickets/${id}`);
    await page.locator('.tp-head .tp-status').waitFor({ timeout: READY_TIMEOUT });
    const card = page.locator('.wh-case-card');
    await card.locator('.wh-blow').click();
    const dialog = page.getByRole('dialog', { name: '吹哨：点名部门报到' });
    await dialog.waitFor({ state: 'visible' });
    await dialog.locator('.el-select__wrapper').click();
    const list = page.getByRole('listbox', { name: '点名部门' });
    await list.getByRole('option', { name: mine.name, exact: true }).click();
    await list.getByRole('option', { name: other.name, exact: true }).click();
    await page.keyboard.press('Escape').catch(() => {});
    await dialog.locator('.wh-reason-input textarea').fill('涉及供水管网抢修和交通疏导，街道无法单独处置');
    await dialog.locator('.wh-blow-submit').click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    await card.locator('.wh-card').waitFor({ timeout: 10_000 });
    const whistles = await admin('GET', `/api/v1/whistles?ticket=${id}`);
    assert.equal(whistles.total, 1);
    const w = whistles.items[0];
    assert.deepEqual(w.units.map((u) => u.unit).sort(), [mine.id, other.id].sort());
    const within = (Date.parse(w.report_by) - Date.parse(w.blown_at)) / 1000;
    assert.ok(within <= 300, `the report time is ${within} s: run the server with GRIDLINE_WHISTLE_REPORT_WITHIN short (scripts/browser-test.sh does)`);
    assert.equal(await card.locator('.wh-unit[data-state="waiting"]').count(), 2, 'both departments wait');
    assert.match(await card.locator('.wh-card-head .wh-countdown').textContent(), /^剩余 \d\d:\d\d$/);
    // The timeline names the entry, not its code.
    await page.locator('.tl-item .tl-action', { hasText: '吹哨' }).first().waitFor({ timeout: 10_000 });
    await shot(page, 'whistle-case-blown.png', '.ticket-page');
    assertNoPageErrors(errors);

    // The department sees the whistle on its page and reports for itself
    // only.
    const deptCtx = await contextWith(browser, DEPT);
    const d = await openPage(deptCtx, '/whistles');
    const dcard = d.page.locator(`.wh-card[data-whistle="${w.id}"]`);
    await dcard.waitFor({ timeout: READY_TIMEOUT });
    assert.equal(await dcard.locator(`.wh-unit[data-unit="${other.id}"] .wh-report`).count(), 0, 'no report button for another unit');
    await dcard.locator(`.wh-unit[data-unit="${mine.id}"] .wh-report`).click();
    const rdialog = d.page.getByRole('dialog', { name: '部门报到' });
    await rdialog.waitFor({ state: 'visible' });
    await rdialog.locator('.wh-report-note textarea').fill('抢修队已到场关阀，正在处置');
    await rdialog.locator('.wh-report-submit').click();
    await rdialog.waitFor({ state: 'hidden', timeout: 10_000 });
    await dcard.locator(`.wh-unit[data-unit="${mine.id}"][data-state="on_time"]`).waitFor({ timeout: 10_000 });
    assert.equal(await dcard.locator(`.wh-unit[data-unit="${mine.id}"] .wh-state`).textContent().then((s) => s.trim()), '按时报到');
    await shot(d.page, 'whistle-department-reported.png', '.wp-page');
    assertNoPageErrors(d.errors);
    await deptCtx.close();

    // Time passes: the other department has not reported; the scheduler
    // flags it once report_by is past.
    let flagged;
    const until = Date.parse(w.report_by) + 60_000;
    for (;;) {
      const x = await admin('GET', `/api/v1/whistles/${w.id}`);
      flagged = x.units.find((u) => u.unit === other.id);
      if (flagged.overdue_at) break;
      assert.ok(Date.now() < until, `not flagged a minute after ${w.report_by}: ${JSON.stringify(x.units)}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    assert.ok(Date.parse(flagged.overdue_at) >= Date.parse(w.report_by) && flagged.overdue && !flagged.reported_at);
    const reported = (await admin('GET', `/api/v1/whistles/${w.id}`)).units.find((u) => u.unit === mine.id);
    assert.ok(reported.reported_at && !reported.late && !reported.overdue_at, 'the department reported in time');

    // The street's whistle page, overdue only: the unit in red, the time
    // past; the case's timeline has the scheduler's entry.
    await page.goto(`${BASE}/whistles?show=overdue`, { waitUntil: 'domcontentloaded' });
    const scard = page.locator(`.wh-card[data-whistle="${w.id}"]`);
    await scard.waitFor({ timeout: READY_TIMEOUT });
    const late = scard.locator(`.wh-unit[data-unit="${other.id}"]`);
    assert.equal(await late.getAttribute('data-state'), 'overdue');
    assert.equal((await late.locator('.wh-state').textContent()).trim(), '超时未报到');
    assert.match(await late.locator('.wh-countdown').textContent(), /^已超时 \d\d:\d\d$/);
    assert.equal(await late.locator('.wh-unit-name').evaluate((el) => getComputedStyle(el).color), 'rgb(217, 48, 37)');
    await shot(page, 'whistle-overdue.png', '.wp-page');
    const tk = await admin('GET', `/api/v1/tickets/${id}`);
    const entry = tk.timeline.find((e) => e.action === 'whistle_overdue');
    assert.ok(entry && entry.actor === 'scheduler' && entry.unit_id === other.id, 'the scheduler left its entry on the case');

    // The street rates both: 5 for the one that came, 2 for the other.
    await scard.locator('.wh-rate').click();
    const rate = page.getByRole('dialog', { name: '评价报到部门' });
    await rate.waitFor({ state: 'visible' });
    await rate.locator(`.wh-rate-row[data-unit="${mine.id}"] .el-rate__item`).nth(4).click();
    await rate.locator(`.wh-rate-row[data-unit="${mine.id}"] .wh-rate-comment input`).fill('到场及时，处置得力');
    await rate.locator(`.wh-rate-row[data-unit="${other.id}"] .el-rate__item`).nth(1).click();
    await rate.locator(`.wh-rate-row[data-unit="${other.id}"] .wh-rate-comment input`).fill('超时未到场');
    await rate.locator('.wh-rate-submit').click();
    await rate.waitFor({ state: 'hidden', timeout: 10_000 });
    const rated = await admin('GET', `/api/v1/whistles/${w.id}`);
    assert.equal(rated.status, 'rated');
    assert.deepEqual(Object.fromEntries(rated.units.map((u) => [u.unit, u.score])), { [mine.id]: 5, [other.id]: 2 });

    // The ranking, over the page's default period (the last 30 days): the
    // API's numbers, the reporting department above the other.
    await page.goto(`${BASE}/whistles`, { waitUntil: 'domcontentloaded' });
    const table = page.getByTestId('wh-ranking');
    await table.locator(`tr[data-unit="${other.id}"]`).waitFor({ timeout: READY_TIMEOUT });
    const rk = await api(STREET, 'GET', rankURL);
    const byUnit = Object.fromEntries(rk.rows.map((r) => [r.unit, r]));
    const a = byUnit[mine.id];
    const b = byUnit[other.id];
    assert.ok(a.rank < b.rank, `the department that reported ranks first: ${a.rank} / ${b.rank}`);
    assert.ok(a.on_time >= 1 && b.overdue >= 1, 'the whistle counted');
    const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(1)}%`);
    const score = (v) => (v == null ? '—' : v.toFixed(2));
    const shown = await table.locator('tbody tr[data-unit]').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.unit)));
    assert.deepEqual(shown, rk.rows.map((r) => r.unit), 'the rows in the ranking order');
    for (const r of [a, b]) {
      const row = table.locator(`tr[data-unit="${r.unit}"]`);
      const cell = async (k) => (await row.locator(`[data-k="${k}"]`).textContent()).trim();
      assert.equal(await cell('rank'), String(r.rank));
      assert.equal(await cell('called'), String(r.called));
      assert.equal(await cell('on_time'), String(r.on_time));
      assert.equal(await cell('late'), String(r.late));
      assert.equal(await cell('overdue'), String(r.overdue));
      assert.equal(await cell('on_time_rate'), pct(r.on_time_rate));
      assert.equal(await cell('mean_score'), score(r.mean_score));
    }
    // This whistle moved each department's counts by exactly its part.
    const delta = (r) => Object.fromEntries(Object.keys(zero).map((k) => [k, r[k] - (rk0[r.unit] || zero)[k]]));
    assert.deepEqual(delta(a), { ...zero, called: 1, on_time: 1, rated: 1, score_sum: 5 });
    assert.deepEqual(delta(b), { ...zero, called: 1, overdue: 1, rated: 1, score_sum: 2 });
    await page.waitForTimeout(800); // the chart's animation
    await shot(page, 'whistle-ranking.png', '.wp-page');

    // English: the same page, its headings in English.
    await page.getByRole('radiogroup', { name: /Language/ }).getByText('English').click();
    await page.getByRole('heading', { name: 'Department ranking' }).waitFor({ timeout: 5_000 });
    const heads = (await table.locator('thead th').allTextContents()).map((x) => x.trim());
    assert.deepEqual(heads, ['Rank', 'Department', 'Whistles', 'On time', 'Late', 'Overdue', 'Within time', 'On-time rate', 'Mean score']);
    assert.equal((await page.locator(`.wh-card[data-whistle="${w.id}"] .wh-status`).textContent()).trim(), 'Rated');
    await shot(page, 'whistle-ranking-en.png', '.wp-page');
    await page.getByRole('radiogroup', { name: /Language/ }).getByText('中文').click();
    assertNoPageErrors(errors);
    await streetCtx.close();
  });
});
