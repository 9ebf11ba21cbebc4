// Browser test of co-units, the supervision board and the KPI page: a case
// dispatched in the UI to a lead with a co-unit (both deadlines shown on
// the working calendar), the co-unit's department signing and replying to
// the lead on its own screen, the lead rating it, the callback recorded
// with contacted and resolved; the board showing a case of the demo's
// history that was already overdue red, urging one and supervising another
// (a case seen turning yellow and then red is overdue.test.mjs's); the KPI
// page's figures equal to GET /api/v1/kpis (its charts and a chosen period
// are kpi.test.mjs's).
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/supervision.test.mjs
//
// Sessions come from POST /api/v1/auth/login (demo accounts admin and
// department, password GRIDLINE_PASSWORD, default demo1234), put in
// localStorage 'gridline.token' before the pages load.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, DESKTOP, LAUNCH_ARGS, PASSWORD, READY_TIMEOUT, REGION, api, assertNoPageErrors, centroid, contextWith, login, openPage, shot } from './common.mjs';

const skip = BASE ? false : 'GRIDLINE_URL is not set';
const ADMIN = BASE ? await login('admin') : '';
const DEPT = BASE ? await login('department') : '';

const admin = (method, p, body) => api(ADMIN, method, p, body);

// chinaDay returns the day n days from now in China, as 2026-11-27.
function chinaDay(n) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(Date.now() + n * 86400e3));
}

describe('co-units, supervision and KPIs', { skip }, () => {
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

  const actionBar = (page) => page.getByRole('group', { name: /^(办理操作|Actions)$/ });
  async function act(page, action, fill) {
    const name = label('ticket_actions', action);
    await actionBar(page).getByRole('button', { name, exact: true }).click();
    const dialog = page.getByRole('dialog', { name });
    await dialog.waitFor({ state: 'visible' });
    if (fill) await fill(dialog);
    await dialog.getByRole('button', { name: `确定${name}` }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  }
  async function choose(page, scope, name, option) {
    await scope.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name, exact: true }) }).click();
    await page.getByRole('listbox', { name }).getByRole('option', { name: option, exact: true }).click();
    await page.keyboard.press('Escape').catch(() => {});
  }
  async function buttons(page) {
    return (await actionBar(page).getByRole('button').allTextContents()).map((s) => s.trim()).sort();
  }

  test('a case with a co-unit: dispatch, co-unit reply, rating, callback', { timeout: 240_000 }, async () => {
    // The co-unit is the demo department's unit; the lead another department.
    const me = await api(DEPT, 'GET', '/api/v1/auth/me');
    const coID = me.grants.find((g) => g.unit_id).unit_id;
    const units = (await admin('GET', '/api/v1/units?kind=department&limit=100')).items;
    const co = units.find((u) => u.id === coID);
    const lead = units.find((u) => u.id !== coID);
    assert.ok(co && lead, 'two departments');

    // A case taken in and filed over the API, in an urban grid.
    const grids = await admin('GET', `/api/v1/grids?within=${REGION}&layer=party&limit=20`);
    const g = await admin('GET', `/api/v1/grids/${grids.items[3].code}`);
    const ring = g.geometry.type === 'Polygon' ? g.geometry.coordinates[0] : g.geometry.coordinates[0][0];
    const [lon, lat] = centroid(ring);
    const made = await admin('POST', '/api/v1/tickets', { channel: 'hotline', text: '小区雨污管网混接，雨天污水外溢到路面', category: '0211', lon, lat,
      reporter: { name: '王女士', phone: '13912345678' } });
    const id = made.ticket.id;
    await admin('POST', `/api/v1/tickets/${id}/actions/file`, {});

    // The admin dispatches in the UI: lead and co-unit, the deadlines
    // shown on the working calendar.
    const adminCtx = await contextWith(browser, ADMIN);
    const { page, errors } = await openPage(adminCtx, `/tickets/${id}?region=${REGION}`);
    await page.locator('.tp-head .tp-status').waitFor({ timeout: READY_TIMEOUT });
    const dispatch = label('ticket_actions', 'dispatch');
    await actionBar(page).getByRole('button', { name: dispatch, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: dispatch });
    await dialog.waitFor({ state: 'visible' });
    await choose(page, dialog, '主办单位', lead.name);
    await choose(page, dialog, '协办单位', co.name);
    const cal = dialog.getByTestId('deadline-calendar');
    await cal.locator('.dc-row-co').waitFor({ timeout: 10_000 });
    await cal.locator('.dc-is-lead').waitFor({ timeout: 10_000 });
    const previewLead = (await cal.locator('.dc-row-lead .dc-due').textContent()).trim();
    const previewCo = (await cal.locator('.dc-row-co .dc-due').textContent()).trim();
    assert.ok(previewCo < previewLead, `the co-unit is due before the lead: ${previewCo} / ${previewLead}`);
    await shot(page, 'supervision-dispatch-form.png', '.ticket-page');
    await dialog.getByRole('button', { name: `确定${dispatch}` }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    await page.locator('.tp-as-co').waitFor({ timeout: 10_000 });
    let t = await admin('GET', `/api/v1/tickets/${id}`);
    assert.equal(t.status, 'dispatched');
    assert.deepEqual(t.assignments.map((a) => [a.unit_id, a.role]), [[lead.id, 'lead'], [co.id, 'co']]);
    const fmt = (s) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .format(new Date(s)).replace(', ', ' ');
    assert.equal(fmt(t.assignments[0].deadline), previewLead, 'the lead deadline previewed is the one set');
    assert.equal(fmt(t.assignments[1].deadline), previewCo, 'the co-unit deadline previewed is the one set');
    assert.equal(await page.locator('.tp-as tbody tr').count(), 2);

    // The co-unit's department sees its part: sign and reply, nothing else.
    const deptCtx = await contextWith(browser, DEPT);
    const dept = await openPage(deptCtx, `/tickets/${id}?region=${REGION}`);
    await dept.page.locator('.tp-head .tp-status').waitFor({ timeout: READY_TIMEOUT });
    await dept.page.waitForFunction(() => document.querySelectorAll('.tp-buttons button').length === 2, null, { timeout: 10_000 });
    assert.deepEqual(await buttons(dept.page), [label('ticket_actions', 'sign'), label('ticket_actions', 'reply')].sort());
    await act(dept.page, 'sign');
    await act(dept.page, 'reply', (d) => d.locator('.ta-opinion textarea').fill('已排查三处混接点，情况已反馈主办单位。'));
    await dept.page.waitForFunction(() => document.querySelectorAll('.tp-buttons button').length === 0, null, { timeout: 10_000 });
    t = await admin('GET', `/api/v1/tickets/${id}`);
    assert.equal(t.status, 'dispatched', "a co-unit's reply does not move the case");
    assert.ok(t.assignments[1].signed_at && t.assignments[1].replied_at);
    await shot(dept.page, 'supervision-co-unit-replied.png', '.ticket-page');
    assertNoPageErrors(dept.errors);

    // The lead signs (over the API, as the admin acting for it) and rates
    // the co-unit in the UI.
    await admin('POST', `/api/v1/tickets/${id}/actions/sign`, {});
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('.tp-head .tp-status').waitFor({ timeout: READY_TIMEOUT });
    await act(page, 'rate', async (d) => {
      await choose(page, d, '评价的协办单位', co.name);
      await d.locator('.ta-rating .el-rate__item').nth(3).click();
      await d.locator('.ta-opinion textarea').fill('配合及时，反馈详实。');
    });
    await page.waitForFunction(() => /★★★★☆/.test(document.querySelector('.tp-as-co .tp-rating')?.textContent || ''), null, { timeout: 10_000 });
    t = await admin('GET', `/api/v1/tickets/${id}`);
    assert.equal(t.assignments[1].rating, 4);

    // Reply, verify over the API; the callback in the UI with its answers.
    await admin('POST', `/api/v1/tickets/${id}/actions/reply`, { opinion: '管网已改造完毕。' });
    await admin('POST', `/api/v1/tickets/${id}/actions/verify`, { outcome: 'passed' });
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('.tp-head .tp-status').waitFor({ timeout: READY_TIMEOUT });
    await act(page, 'callback', async (d) => {
      assert.ok(await d.locator('.ta-contacted input').isChecked(), 'contacted is ticked by default');
      await d.getByRole('radio', { name: label('satisfaction', 'basic') }).check({ force: true });
    });
    t = await admin('GET', `/api/v1/tickets/${id}`);
    const cb = t.timeline.findLast((e) => e.action === 'callback');
    assert.equal(t.status, 'closed');
    assert.deepEqual([cb.outcome, cb.contacted, cb.resolved], ['basic', true, true]);
    await shot(page, 'supervision-case-closed.png', '.ticket-page');
    assertNoPageErrors(errors);
    await adminCtx.close();
    await deptCtx.close();
  });

  test('the supervision board shows an overdue case red and urges it', { timeout: 120_000 }, async () => {
    const red = await admin('GET', `/api/v1/tickets?warning=red&open=true&limit=300`);
    const yellow = await admin('GET', `/api/v1/tickets?warning=yellow&open=true&limit=1`);
    assert.ok(red.total > 0, 'the demo has overdue cases');
    const target = red.items.find((c) => c.allowed_actions.includes('urge'));
    assert.ok(target, 'an overdue case that can be urged');
    const before = (await admin('GET', `/api/v1/tickets/${target.id}`)).timeline.filter((e) => e.action === 'urge').length;

    const ctx = await contextWith(browser, ADMIN);
    const { page, errors } = await openPage(ctx, `/supervision?region=${REGION}`);
    const card = page.locator(`.sv-case[data-ticket="${target.id}"]`);
    await card.waitFor({ timeout: READY_TIMEOUT });
    assert.equal(await card.getAttribute('data-warning'), 'red');
    assert.ok((await card.getAttribute('class')).includes('sv-red'));
    assert.match(await page.getByTestId('total-red').textContent(), new RegExp(` ${red.total}$`));
    assert.match(await page.getByTestId('total-yellow').textContent(), new RegExp(` ${yellow.total}$`));
    assert.equal(await page.locator('.sv-case[data-warning="red"]').count(), Math.min(red.total, 300));
    await shot(page, 'supervision-board.png', '.sv-page');
    await card.locator('[data-action="urge"]').click();
    await card.locator('.sv-done').waitFor({ timeout: 10_000 });
    const after = (await admin('GET', `/api/v1/tickets/${target.id}`)).timeline.filter((e) => e.action === 'urge').length;
    assert.equal(after, before + 1, 'urging from the board records an urge');
    // By lead unit, the same cases.
    await page.getByRole('radio', { name: '按主办单位' }).check({ force: true });
    await card.waitFor({ timeout: 10_000 });
    assertNoPageErrors(errors);
    await ctx.close();
  });

  test('the supervision board supervises an overdue case; its timeline shows the notice', { timeout: 120_000 }, async () => {
    // A red case other than the one the urge test takes (the first).
    const red = await admin('GET', `/api/v1/tickets?warning=red&open=true&limit=300`);
    const target = red.items.findLast((c) => c.allowed_actions.includes('supervise'));
    assert.ok(target, 'an overdue case that can be supervised');
    const was = await admin('GET', `/api/v1/tickets/${target.id}`);
    const before = was.timeline.filter((e) => e.action === 'supervise').length;

    const ctx = await contextWith(browser, ADMIN);
    const { page, errors } = await openPage(ctx, `/supervision?region=${REGION}`);
    const card = page.locator(`.sv-case[data-ticket="${target.id}"]`);
    await card.waitFor({ timeout: READY_TIMEOUT });
    assert.equal(await card.getAttribute('data-warning'), 'red');
    const supervise = card.locator('[data-action="supervise"]');
    assert.equal((await supervise.textContent()).trim(), '督办');
    // The board asks nothing: the notice goes with a standard note, on the
    // version the board shows.
    await supervise.click();
    await card.locator('.sv-done').waitFor({ timeout: 10_000 });
    assert.equal((await card.locator('.sv-done').textContent()).trim(), '督办已记录');

    // The timeline has the notice, by the admin, with the board's note;
    // the case is still open and red (a notice does not move it).
    const now = await admin('GET', `/api/v1/tickets/${target.id}`);
    const notices = now.timeline.filter((e) => e.action === 'supervise');
    assert.equal(notices.length, before + 1, 'supervising from the board records a notice');
    const notice = notices.at(-1);
    assert.equal(notice.note, '工单已超期，请说明原因并立即办理。');
    assert.equal(notice.from, notice.to, 'the status stays');
    assert.equal(now.status, was.status);
    assert.equal(now.warning, 'red');
    assert.equal(now.version, was.version + 1);
    // The board keeps the card, red, with its mark, after the live
    // stream's reload too; the red total is the API's.
    await page.waitForTimeout(1500);
    assert.equal(await card.getAttribute('data-warning'), 'red');
    assert.equal((await card.locator('.sv-done').textContent()).trim(), '督办已记录');
    const redNow = await admin('GET', `/api/v1/tickets?warning=red&open=true&limit=1`);
    assert.match(await page.getByTestId('total-red').textContent(), new RegExp(` ${redNow.total}$`));
    await shot(page, 'supervision-supervised.png', '.sv-page');

    // The case page, opened from the card, shows the notice last.
    await card.locator('.sv-number').click();
    await page.locator('.tp-head .tp-status').waitFor({ timeout: READY_TIMEOUT });
    const item = page.locator('.tl-item', { has: page.locator('.tl-action', { hasText: /^督办$/ }) }).last();
    await item.waitFor({ timeout: 10_000 });
    assert.match(await item.locator('.tl-note').textContent(), /工单已超期，请说明原因并立即办理。/);
    assert.equal(await page.locator('.tl-item', { has: page.locator('.tl-action', { hasText: /^督办$/ }) }).count(), before + 1);
    await shot(page, 'supervision-supervised-case.png', '.ticket-page');
    assertNoPageErrors(errors);
    await ctx.close();
  });

  test("the KPI page shows the API's figures", { timeout: 120_000 }, async () => {
    // The page's default: the 365 days up to today, today included.
    const from = chinaDay(-364);
    const to = chinaDay(1);
    const rep = await admin('GET', `/api/v1/kpis?from=${from}T00:00:00%2B08:00&to=${to}T00:00:00%2B08:00&by=town`);
    const ctx = await contextWith(browser, ADMIN);
    const { page, errors } = await openPage(ctx, `/kpis?region=${REGION}`);
    const table = page.getByTestId('kpi-table');
    await table.waitFor({ timeout: READY_TIMEOUT });
    const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(2)}%`);
    for (const k of ['on_time_rate', 'closure_rate', 'response_rate', 'resolution_rate', 'satisfaction_rate', 'composite', 'yanzhou_satisfaction']) {
      assert.equal((await table.locator(`tfoot [data-kpi="${k}"]`).textContent()).trim(), pct(rep.total[k]), `total ${k}`);
    }
    assert.equal((await table.locator('tfoot [data-kpi="avg_handling_days"]').textContent()).trim(), rep.total.avg_handling_days.toFixed(2));
    assert.equal(await table.locator('tbody tr').count(), rep.rows.length, 'one line per town');
    for (const r of rep.rows) {
      const line = table.locator(`tbody tr[data-key="${r.key}"]`);
      assert.equal((await line.locator('[data-kpi="on_time_rate"]').textContent()).trim(), pct(r.on_time_rate), `${r.name} on_time_rate`);
    }
    await page.waitForTimeout(800); // the charts' animation
    await shot(page, 'kpis-by-town.png', '.kp-page');
    // Grouped by channel, the table follows the API.
    await page.locator('.kp-by .el-select__wrapper').click();
    await page.getByRole('option', { name: '渠道', exact: true }).click();
    const byChannel = await admin('GET', `/api/v1/kpis?from=${from}T00:00:00%2B08:00&to=${to}T00:00:00%2B08:00&by=channel`);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="kpi-table"] tbody tr').length === n, byChannel.rows.length, { timeout: 20_000 });
    // The export is a CSV of the same figures.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('kpi-export').click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    assert.ok(csv.startsWith('\ufeff'), 'the CSV opens in Excel (BOM)');
    assert.equal(csv.trim().split('\r\n').length, byChannel.rows.length + 2);
    // English: the same table, its headings in English.
    await page.getByRole('radiogroup', { name: /Language/ }).getByText('English').click();
    await page.getByRole('heading', { name: 'KPIs' }).waitFor({ timeout: 5_000 });
    const heads = (await table.locator('thead th').allTextContents()).map((x) => x.trim());
    assert.ok(heads.includes('On-time closure') && heads.includes('Resolution rate') && heads[0] === 'Channel', `headings ${heads}`);
    await shot(page, 'kpis-by-channel-en.png', '.kp-page');
    await page.getByRole('radiogroup', { name: /Language/ }).getByText('中文').click();
    assertNoPageErrors(errors);
    await ctx.close();
  });
});
