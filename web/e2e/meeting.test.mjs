// Browser test of coordination meetings (工单协调会): the command centre
// takes a filed case to a meeting from its page, adds a returned case by
// its number, names for each a lead and a co-unit, a plan and a deadline
// (previewed on the working calendar), and saves and dispatches in one
// step; the meeting's page, the list, and each case's page (status 已派遣,
// the lead and co-unit with their deadlines, the meeting in the timeline,
// linked) show what was decided. The list is checked in English too.
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/meeting.test.mjs
//
// Sessions come from POST /api/v1/auth/login (demo accounts command and
// department, password GRIDLINE_PASSWORD, default demo1234), put in
// localStorage 'gridline.token' before the pages load.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, DESKTOP, LAUNCH_ARGS, READY_TIMEOUT, REGION, api, assertNoPageErrors, centroid, login, openPage, shot } from './common.mjs';

const skip = BASE ? false : 'GRIDLINE_URL is not set';
const COMMAND = BASE ? await login('command') : '';
const DEPT = BASE ? await login('department') : '';

const command = (method, p, body) => api(COMMAND, method, p, body);

async function contextWith(browser, token, locale = 'zh-CN') {
  const context = await browser.newContext({ locale, ...DESKTOP });
  await context.addInitScript(([tok, lang]) => {
    try {
      localStorage.setItem('gridline.token', tok);
      localStorage.setItem('gridline.locale', lang);
    } catch { /* about:blank */ }
  }, [token, locale]);
  return context;
}

// chinaDay returns the day n days from now in China, as 2026-11-27.
function chinaDay(n) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(Date.now() + n * 86400e3));
}
const fmt = (s) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  .format(new Date(s)).replace(', ', ' ');

describe('coordination meetings', { skip }, () => {
  let browser;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });
  after(async () => { if (browser) await browser.close(); });

  async function choose(page, scope, name, option) {
    await scope.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name, exact: true }) }).click();
    await page.getByRole('listbox', { name }).getByRole('option', { name: option, exact: true }).click();
    await page.keyboard.press('Escape').catch(() => {});
  }

  test('a meeting on a filed and a returned case, saved and dispatched in one step', { timeout: 240_000 }, async () => {
    // Units: the demo department's (it returns case B, and is A's co-unit)
    // and two other departments to lead.
    const me = await api(DEPT, 'GET', '/api/v1/auth/me');
    const deptID = me.grants.find((g) => g.unit_id).unit_id;
    const units = (await command('GET', '/api/v1/units?kind=department&limit=100')).items;
    const dept = units.find((u) => u.id === deptID);
    const [leadA, leadB] = units.filter((u) => u.id !== deptID);
    assert.ok(dept && leadA && leadB, 'three departments');

    // Two cases taken in and filed over the API; B is dispatched to the
    // demo department, which returns it (退单), so it is filed again.
    const grids = await command('GET', `/api/v1/grids?within=${REGION}&layer=party&limit=20`);
    const g = await command('GET', `/api/v1/grids/${grids.items[5].code}`);
    const ring = g.geometry.type === 'Polygon' ? g.geometry.coordinates[0] : g.geometry.coordinates[0][0];
    const [lon, lat] = centroid(ring);
    const made = [];
    for (const text of ['老旧小区雨污管网混接，雨天污水外溢到路面，多次反映未解决', '小区门口违章搭建彩钢房，占用消防通道']) {
      const r = await command('POST', '/api/v1/tickets', { channel: 'hotline', text, lon, lat, reporter: { name: '王女士', phone: '13912345678' } });
      await command('POST', `/api/v1/tickets/${r.ticket.id}/actions/file`, {});
      made.push(r.ticket);
    }
    const [a, b] = made;
    await command('POST', `/api/v1/tickets/${b.id}/actions/dispatch`, { lead_unit: deptID });
    await api(DEPT, 'POST', `/api/v1/tickets/${b.id}/actions/return`, { note: '不属于本单位职责，请改派。' });
    assert.equal((await command('GET', `/api/v1/tickets/${b.id}`)).status, 'filed', 'B is back with the command centre');

    // The command centre opens case A and takes it to a meeting.
    const ctx = await contextWith(browser, COMMAND);
    const { page, errors } = await openPage(ctx, `/tickets/${a.id}?region=${REGION}`);
    await page.locator('.tp-head .tp-status').waitFor({ timeout: READY_TIMEOUT });
    await page.getByRole('link', { name: /提交协调会/ }).click();
    await page.waitForURL(/\/meetings\/new\?/);
    const itemA = page.locator(`.mn-item[data-ticket="${a.id}"]`);
    await itemA.waitFor({ timeout: 10_000 });

    // The meeting: topic, place, chair (the user, prefilled), people and units.
    await page.getByRole('textbox', { name: '会议议题' }).fill('老旧小区积案协调会');
    await page.getByRole('textbox', { name: '会议地点' }).fill('区指挥中心三楼会议室');
    assert.ok((await page.getByRole('textbox', { name: '主持人' }).inputValue()).trim(), 'the chair is prefilled with the user');
    await page.getByRole('textbox', { name: '主持人' }).fill('张主任');
    const people = page.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name: '参会人员', exact: true }) });
    for (const p of ['李四（区住建局副局长）', '王五（区城管局科长）']) {
      await people.click();
      await page.keyboard.type(p);
      await page.keyboard.press('Enter');
    }
    await page.keyboard.press('Escape');
    await choose(page, page.locator('.mn-form'), '参会单位', leadA.name);
    await choose(page, page.locator('.mn-form'), '参会单位', dept.name);

    // Case B by its number.
    await page.getByRole('textbox', { name: '按工单编号添加' }).fill(b.number);
    await page.getByRole('button', { name: '添加', exact: true }).click();
    const itemB = page.locator(`.mn-item[data-ticket="${b.id}"]`);
    await itemB.waitFor({ timeout: 20_000 });

    // For each: lead, co-unit, plan, deadline; the calendar previews both.
    const plan = { [a.id]: '住建局牵头改造管网，市场监管局配合排查商户排污', [b.id]: '城管局牵头依法拆除，住建局配合恢复消防通道' };
    const deadline = { [a.id]: `${chinaDay(10)} 18:00`, [b.id]: `${chinaDay(7)} 18:00` };
    const decided = [[itemA, a, leadA, dept], [itemB, b, leadB, leadA]];
    for (const [item, tk, lead, co] of decided) {
      await choose(page, item, '主办单位', lead.name);
      await choose(page, item, '协办单位', co.name);
      await item.getByRole('textbox', { name: '处置方案' }).fill(plan[tk.id]);
      const picker = item.getByRole('combobox', { name: '办理时限' });
      await picker.fill(deadline[tk.id]);
      await picker.press('Enter');
      await page.keyboard.press('Escape').catch(() => {});
      const cal = item.getByTestId('deadline-calendar');
      await cal.locator('.dc-row-co').waitFor({ timeout: 10_000 });
      assert.equal((await cal.locator('.dc-row-lead .dc-due').textContent()).trim(), deadline[tk.id], 'the lead is due when picked');
      assert.ok(await item.locator('.mn-dispatch input').isChecked(), 'a filed case is dispatched by default');
    }
    await shot(page, 'meeting-form.png', '.mn-page');

    // One button: save and dispatch.
    await page.getByRole('button', { name: '保存并派遣' }).click();
    await page.waitForURL(/\/meetings\/\d+/, { timeout: 20_000 });
    const meetingID = Number(/\/meetings\/(\d+)/.exec(page.url())[1]);
    await page.locator('.mp-item').first().waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => !document.querySelector('.mp-lead')?.textContent.startsWith('#'), null, { timeout: 10_000 });

    // The meeting's page: its people, units and cases, each now 已派遣.
    assert.equal((await page.locator('.mp-title').textContent()).trim(), '老旧小区积案协调会');
    assert.ok((await page.locator('.mp-saved').textContent()).includes('协调会已保存'));
    assert.deepEqual((await page.locator('.mp-person').allTextContents()).map((s) => s.trim()), ['李四（区住建局副局长）', '王五（区城管局科长）']);
    const unitsText = await page.locator('.mp-units').textContent();
    assert.ok(unitsText.includes(leadA.name) && unitsText.includes(dept.name), `attending units: ${unitsText}`);
    for (const [, tk, lead, co] of decided) {
      const row = page.locator(`.mp-item[data-ticket="${tk.id}"]`);
      assert.equal((await row.locator('.mp-case').textContent()).trim(), tk.number);
      assert.equal((await row.locator('.mp-status').textContent()).trim(), '已派遣');
      assert.equal((await row.locator('.mp-lead').textContent()).trim(), lead.name);
      assert.equal((await row.locator('.mp-co').textContent()).trim(), co.name);
      assert.equal((await row.locator('.mp-plan').textContent()).trim(), plan[tk.id]);
      assert.equal((await row.locator('.mp-deadline').textContent()).trim(), deadline[tk.id]);
    }
    await shot(page, 'meeting-detail.png', '.mp-page');

    // The API agrees: one meeting with both items, both cases dispatched
    // to the lead and co-unit agreed, the lead due when agreed.
    const m = await command('GET', `/api/v1/meetings/${meetingID}`);
    assert.equal(m.topic, '老旧小区积案协调会');
    assert.equal(m.chair, '张主任');
    assert.deepEqual(m.items.map((it) => [it.ticket_id, it.lead_unit, it.co_units, it.ticket_status]),
      decided.map(([, tk, lead, co]) => [tk.id, lead.id, [co.id], 'dispatched']));

    // Each case's page: 已派遣, lead and co-unit with their deadlines, the
    // meeting in the timeline, labelled and linked.
    for (const [, tk, lead, co] of decided) {
      const t = await command('GET', `/api/v1/tickets/${tk.id}`);
      assert.equal(t.status, 'dispatched');
      assert.deepEqual(t.assignments.map((x) => [x.unit_id, x.role]), [[lead.id, 'lead'], [co.id, 'co']]);
      assert.equal(fmt(t.deadline), deadline[tk.id]);
      await page.goto(`${BASE}/tickets/${tk.id}?region=${REGION}`, { waitUntil: 'domcontentloaded' });
      await page.locator('.tp-head .tp-status').waitFor({ timeout: READY_TIMEOUT });
      assert.equal((await page.locator('.tp-head .tp-status').textContent()).trim(), '已派遣');
      await page.locator('.tp-as-co').waitFor({ timeout: 10_000 });
      const leadRow = page.locator('.tp-as-lead');
      const coRow = page.locator('.tp-as-co');
      assert.ok((await leadRow.textContent()).includes(lead.name) && (await leadRow.textContent()).includes(deadline[tk.id]), 'the lead and its deadline');
      assert.ok((await coRow.textContent()).includes(co.name) && (await coRow.textContent()).includes(fmt(t.assignments[1].deadline)), 'the co-unit and its deadline');
      const entry = page.locator('.tl-item', { has: page.locator('.tl-action', { hasText: /^协调会$/ }) });
      assert.equal(await entry.count(), 1, 'one meeting entry, labelled 协调会');
      assert.ok((await entry.locator('.tl-note').textContent()).includes(plan[tk.id]), 'the entry carries the plan');
      assert.equal(await entry.locator(`.tl-meeting a[data-meeting="${meetingID}"]`).count(), 1, 'the entry links its meeting');
      if (tk.id === b.id) await shot(page, 'meeting-case-timeline.png', '.ticket-page');
    }
    // The link leads back to the meeting.
    await page.locator(`.tl-meeting a[data-meeting="${meetingID}"]`).click();
    await page.waitForURL(new RegExp(`/meetings/${meetingID}`));
    await page.locator('.mp-item').first().waitFor({ timeout: 10_000 });

    // The list: the meeting first, with its chair, cases and their status.
    await page.getByRole('navigation').getByRole('link', { name: '协调会' }).click();
    await page.waitForURL(/\/meetings(\?|$)/);
    const row = page.locator('.mt-table tbody tr', { has: page.locator(`[data-meeting="${meetingID}"]`) });
    await row.waitFor({ timeout: 10_000 });
    const rowText = await row.textContent();
    assert.ok(rowText.includes('老旧小区积案协调会') && rowText.includes('张主任') && rowText.includes(a.number) && rowText.includes(b.number),
      `the list row: ${rowText}`);
    assert.ok(/已派遣\s*2/.test(rowText), `both cases dispatched in the list: ${rowText}`);
    await shot(page, 'meeting-list.png', '.mt-page');
    assertNoPageErrors(errors);
    await ctx.close();

    // In English, by the toggle's stored choice.
    const enCtx = await contextWith(browser, COMMAND, 'en');
    const en = await openPage(enCtx, `/meetings/${meetingID}?region=${REGION}`);
    await en.page.locator('.mp-item').first().waitFor({ timeout: READY_TIMEOUT });
    const head = await en.page.locator('.mp-items thead').textContent();
    assert.ok(head.includes('Plan') && head.includes('Status now'), `English headings: ${head}`);
    await shot(en.page, 'meeting-detail-en.png', '.mp-page');
    assertNoPageErrors(en.errors);
    await enCtx.close();
  });

  test('the supervision board takes the ticked cases to a new meeting', { timeout: 120_000 }, async () => {
    const ctx = await contextWith(browser, COMMAND);
    const { page, errors } = await openPage(ctx, `/supervision?region=${REGION}`);
    await page.locator('.sv-case').first().waitFor({ timeout: READY_TIMEOUT });
    const cases = page.locator('.sv-case[data-warning="red"]');
    assert.ok(await cases.count() >= 2, 'two red cases on the board');
    const ids = [];
    for (const i of [0, 1]) {
      const c = cases.nth(i);
      ids.push(Number(await c.getAttribute('data-ticket')));
      await c.locator('.sv-pick').click();
    }
    await shot(page, 'meeting-supervision-ticked.png', '.sv-page');
    await page.getByRole('button', { name: '提交协调会 (2)' }).click();
    await page.waitForURL(/\/meetings\/new\?/);
    for (const id of ids) await page.locator(`.mn-item[data-ticket="${id}"]`).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('.mn-item').count(), 2, 'the two ticked cases, and no other');
    assertNoPageErrors(errors);
    await ctx.close();
  });
});
