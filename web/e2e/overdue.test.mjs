// Browser test of a case going overdue on screen: a case taken in, filed,
// dispatched to the demo department with a deadline 40 seconds ahead (on
// the server's clock) and signed by the department, over the API; its case
// page and the supervision board, open in the browser, show it yellow, and
// then — the deadline scheduler (GRIDLINE_SUPERVISE_INTERVAL, 5 s in
// scripts/browser-test.sh) lighting it, the live stream bringing the
// change, no reload — red and escalated. The department replies, the
// command centre verifies and calls back, and the closed case leaves the
// board, again without a reload (the case page pushes lights only).
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/overdue.test.mjs
//
// Yellow comes first at any hour and on any day: the yellow rule is "at
// most one working day of working time left" (gridline.WarningAt), and a
// deadline 40 s ahead leaves less than that of any time, so the case is
// yellow from the scheduler's next pass — on a Saturday at 03:00 as in
// working hours (TestWarningAtShortDeadline and
// TestSupervisionExplicitDeadlineAnyTime pin this in Go). Red comes at the
// first pass after the deadline, a wall-clock instant.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, READY_TIMEOUT, REGION, api, assertNoPageErrors, centroid, contextWith, login, openPage, shot } from './common.mjs';

const skip = BASE ? false : 'GRIDLINE_URL is not set';
const ADMIN = BASE ? await login('admin') : '';
const DEPT = BASE ? await login('department') : '';

const admin = (method, p, body) => api(ADMIN, method, p, body);

// AHEAD is how far ahead of the server's clock the deadline is set: time
// enough to open both pages and see yellow first on a slow machine.
const AHEAD = 40_000;
// RED_WAIT bounds the wait for red after the deadline is set.
const RED_WAIT = 90_000;

// serverNow returns the server's clock, from a response's Date header
// (whole seconds, so up to a second behind).
async function serverNow() {
  const res = await fetch(`${BASE}/healthz`);
  const d = res.headers.get('date');
  assert.ok(d, 'the server sends a Date header');
  return new Date(d).getTime();
}

describe('a case turns yellow, then red on screen', { skip }, () => {
  let browser;
  let enums;
  const label = (list, code) => enums[list].find((x) => x.code === code).name;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    enums = await admin('GET', '/api/v1/enums');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });
  after(async () => { if (browser) await browser.close(); });

  test('the case page and the board show the light change live', { timeout: 240_000 }, async () => {
    // Taken in and filed over the API, at the centre of an urban grid.
    const grids = await admin('GET', `/api/v1/grids?within=${REGION}&layer=party&limit=20`);
    const g = await admin('GET', `/api/v1/grids/${grids.items[7].code}`);
    const ring = g.geometry.type === 'Polygon' ? g.geometry.coordinates[0] : g.geometry.coordinates[0][0];
    const [lon, lat] = centroid(ring);
    const made = await admin('POST', '/api/v1/tickets', { channel: 'hotline', text: '小区东门污水井盖破损下沉，夜间行人容易绊倒', category: '0102', lon, lat,
      reporter: { name: '李先生', phone: '13800001111' } });
    const id = made.ticket.id;
    let t = await admin('POST', `/api/v1/tickets/${id}/actions/file`, {});
    assert.equal(t.status, 'filed');

    // Dispatched to the demo department's unit, due 40 s from now on the
    // server's clock, and signed by the department.
    const me = await api(DEPT, 'GET', '/api/v1/auth/me');
    const unit = me.grants.find((x) => x.unit_id).unit_id;
    const due = new Date((await serverNow()) + AHEAD);
    t = await admin('POST', `/api/v1/tickets/${id}/actions/dispatch`, { lead_unit: unit, co_units: [], deadline: due.toISOString(), version: t.version });
    assert.equal(t.status, 'dispatched');
    assert.equal(new Date(t.deadline).getTime(), due.getTime(), 'the deadline given is the one set');
    assert.equal(t.warning, '', 'no light at dispatch: the scheduler sets it');
    t = await api(DEPT, 'POST', `/api/v1/tickets/${id}/actions/sign`, { version: t.version });
    assert.equal(t.status, 'handling');
    const redBy = Date.now() + RED_WAIT;

    // Both pages open, each in its own window; a mark in each window
    // tells later whether the page was reloaded.
    const caseCtx = await contextWith(browser, ADMIN);
    const boardCtx = await contextWith(browser, ADMIN);
    const cp = await openPage(caseCtx, `/tickets/${id}?region=${REGION}`);
    const bp = await openPage(boardCtx, `/supervision?region=${REGION}`);
    await cp.page.locator('.tp-head .tp-status').waitFor({ timeout: READY_TIMEOUT });
    await bp.page.getByTestId('total-red').waitFor({ timeout: READY_TIMEOUT });
    for (const p of [cp.page, bp.page]) await p.evaluate(() => { window.overdueTestMark = true; });
    const light = cp.page.locator('.tp-head .tp-warning');
    const card = bp.page.locator(`.sv-case[data-ticket="${id}"]`);

    // Yellow, before the deadline: the scheduler's next pass lights it.
    await cp.page.locator('.tp-head .tp-warning[data-warning="yellow"]').waitFor({ timeout: AHEAD });
    assert.equal((await light.textContent()).trim(), label('warnings', 'yellow'));
    await card.and(bp.page.locator('[data-warning="yellow"]')).waitFor({ timeout: AHEAD });
    assert.ok((await card.getAttribute('class')).includes('sv-yellow'));
    assert.equal(await card.locator('.sv-esc').count(), 0, 'a yellow case is not escalated');
    t = await admin('GET', `/api/v1/tickets/${id}`);
    const yellowAt = t.timeline.find((e) => e.action === 'yellow');
    assert.ok(yellowAt && yellowAt.actor === 'scheduler', 'the scheduler put the yellow light on');
    assert.ok(new Date(yellowAt.at) < due, `yellow at ${yellowAt.at}, before the deadline ${due.toISOString()}`);
    assert.equal(t.status, 'handling');
    await shot(cp.page, 'overdue-case-yellow.png', '.ticket-page');
    await card.scrollIntoViewIfNeeded();
    await card.locator('xpath=ancestor::section[1]').screenshot({ path: path.join(ARTIFACTS, 'overdue-board-yellow.png') });

    // Red, past the deadline, with no reload: the case page and the board
    // both follow the live stream.
    await light.and(cp.page.locator('[data-warning="red"]')).waitFor({ timeout: Math.max(1000, redBy - Date.now()) });
    t = await admin('GET', `/api/v1/tickets/${id}`);
    const redAt = t.timeline.find((e) => e.action === 'red');
    assert.ok(redAt && redAt.actor === 'scheduler', 'the scheduler put the red light on');
    assert.ok(new Date(redAt.at) > due, `red at ${redAt.at}, after the deadline ${due.toISOString()}`);
    assert.equal(t.warning, 'red');
    assert.ok(t.escalated_to, 'a red case is escalated');
    const office = t.escalated_to === t.town.code ? t.town.name : '区指挥中心';
    assert.equal((await light.textContent()).trim(), '超期');
    const esc = cp.page.locator('.tp-head .tp-escalated');
    assert.equal(await esc.getAttribute('data-escalated'), t.escalated_to);
    assert.equal((await esc.textContent()).trim(), `↑ 已升级至${office}督办`);
    assert.equal(await cp.page.locator('.tp-overdue').count(), 1, 'the deadline is marked overdue');
    // The timeline shows both lights (the page reloaded the case itself).
    await cp.page.waitForFunction((n) => document.querySelectorAll('.tl-item').length === n, t.timeline.length, { timeout: 10_000 });
    const entries = (await cp.page.locator('.tl-action').allTextContents()).map((s) => s.trim());
    assert.deepEqual(entries.slice(-2), [label('warnings', 'yellow'), label('warnings', 'red')]);
    // The red entry's note names the office, not its region code.
    assert.equal((await cp.page.locator('.tl-item').last().locator('.tl-note .tl-body').textContent()).trim(), `已升级至${office}督办`);

    await card.and(bp.page.locator('[data-warning="red"]')).waitFor({ timeout: 15_000 });
    assert.ok((await card.getAttribute('class')).includes('sv-red'));
    assert.equal((await card.locator('.el-tag').first().textContent()).trim(), label('warnings', 'red'));
    const svEsc = card.locator('.sv-esc');
    assert.equal(await svEsc.getAttribute('data-escalated'), t.escalated_to);
    assert.equal((await svEsc.textContent()).trim(), `↑ 已升级至${office}督办`);
    for (const p of [cp.page, bp.page]) {
      assert.equal(await p.evaluate(() => window.overdueTestMark), true, `${p.url()} was not reloaded`);
    }
    await shot(cp.page, 'overdue-case-red.png', '.ticket-page');
    await card.scrollIntoViewIfNeeded();
    await card.locator('xpath=ancestor::section[1]').screenshot({ path: path.join(ARTIFACTS, 'overdue-board-red.png') });

    // The loop goes on to the end: replied late, verified, called back,
    // closed. The board drops the closed case by itself; the case page,
    // which pushes lights only (another person's step is met by the
    // version check when this page acts), shows it closed once reloaded,
    // its red light kept as history.
    t = await api(DEPT, 'POST', `/api/v1/tickets/${id}/actions/reply`, { opinion: '井盖已更换，周边路面已修补。', version: t.version });
    t = await admin('POST', `/api/v1/tickets/${id}/actions/verify`, { outcome: 'passed', version: t.version });
    t = await admin('POST', `/api/v1/tickets/${id}/actions/callback`, { satisfaction: 'satisfied', contacted: true, resolved: true, version: t.version });
    assert.equal(t.status, 'closed');
    await card.waitFor({ state: 'detached', timeout: 15_000 });
    assert.equal(await bp.page.evaluate(() => window.overdueTestMark), true, 'the board was not reloaded');
    await cp.page.reload({ waitUntil: 'domcontentloaded' });
    await cp.page.locator('.tp-head .tp-status').filter({ hasText: label('ticket_statuses', 'closed') }).waitFor({ timeout: READY_TIMEOUT });
    assert.equal(await light.getAttribute('data-warning'), 'red', 'a closed case keeps its light as history');
    assertNoPageErrors(cp.errors);
    assertNoPageErrors(bp.errors);
    await caseCtx.close();
    await boardCtx.close();
  });
});
