// Browser test of the case workbench (工单): a case's whole journey through
// the loop in the UI, a refused step, the list's filters, English and a
// phone. Like map.test.mjs it drives the pages as a person does, by roles,
// labels, visible text and the URL, and checks what they show against the
// API.
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/
//
// Environment: as map.test.mjs; GRIDLINE_TOKEN is a token to write with
// (default: a session of the demo account GRIDLINE_USER, default admin,
// logged in with GRIDLINE_PASSWORD, default demo1234).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, PHONE, READY_TIMEOUT, REGION, assertNoOverflow, assertNoPageErrors, centroid, digits,
} from './common.mjs';

// demoLogin logs in to the demo over the API and returns the session
// token: the API calls of the checks send it as Bearer, and the pages
// that do not test the login take it from localStorage 'gridline.token'
// (a stored token is sent as Bearer, as for API clients).
async function demoLogin() {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: process.env.GRIDLINE_USER || 'admin', password: process.env.GRIDLINE_PASSWORD || 'demo1234' }),
  });
  const data = await res.json().catch(() => null);
  assert.ok(res.ok && data && data.token, `log in to the demo: ${res.status} ${JSON.stringify(data)}`);
  return data.token;
}

const TOKEN = process.env.GRIDLINE_TOKEN || await demoLogin();

const DESKTOP = { viewport: { width: 1440, height: 900 } };

async function api(method, p, body) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${TOKEN}` };
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE + p, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => null);
  assert.ok(res.ok, `${method} ${p} answered ${res.status}: ${JSON.stringify(data)}`);
  return data;
}
const getJSON = (p) => api('GET', p);

// openPage opens path in a new page of context and collects console errors,
// uncaught exceptions and failed requests. A test that provokes an error on
// purpose (a wrong token, a stale version) lists what it expects in
// `expected` first: a browser logs every 4xx answer as a console error.
async function openPage(context, urlPath) {
  const page = await context.newPage();
  const errors = [];
  const expected = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const loc = msg.location();
    const where = loc && loc.url ? loc.url : '';
    if (expected.some((re) => re.test(`${text} ${where}`))) return;
    errors.push(`console.error: ${text}${where ? ` (${where}:${loc.lineNumber})` : ''}`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
  page.on('requestfailed', (req) => {
    const f = req.failure();
    // Pages cancel a request that a newer one overtook.
    if (f && f.errorText === 'net::ERR_ABORTED') return;
    errors.push(`request failed: ${req.method()} ${req.url()}: ${f ? f.errorText : ''}`);
  });
  if (urlPath) await page.goto(BASE + urlPath, { waitUntil: 'domcontentloaded' });
  return { page, errors, expected };
}

// fullShot screenshots a page whose content scrolls inside the app shell:
// the window is made as tall as the content for the picture.
async function fullShot(page, file) {
  const size = page.viewportSize();
  const h = await page.evaluate(() => {
    const el = document.querySelector('.tickets-page, .ticket-page, .tn-form-pane');
    const head = document.querySelector('.topbar');
    return el ? Math.ceil(el.scrollHeight + (head ? head.offsetHeight : 0)) : 0;
  });
  if (h > size.height) await page.setViewportSize({ width: size.width, height: Math.min(h, 4000) });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
  await page.setViewportSize(size);
}

// choose picks option in the Element Plus select labelled name, within
// scope, clicking where a person does: the select's box, whose placeholder
// covers the input.
async function choose(page, scope, name, option) {
  await scope.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name, exact: true }) }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

// pickUrbanGrid finds, through the API, an urban (party-building) grid and
// a point inside it: the centroid of its polygon, confirmed by
// /api/v1/locate with no layer, the rule intake uses.
async function pickUrbanGrid() {
  const list = await getJSON(`/api/v1/grids?within=${REGION}&layer=party&limit=40`);
  for (const g of list.items.slice(5)) {
    const d = await getJSON(`/api/v1/grids/${g.code}`);
    const ring = d.geometry.type === 'Polygon' ? d.geometry.coordinates[0] : d.geometry.coordinates[0][0];
    const [lon, lat] = centroid(ring);
    const loc = await fetch(`${BASE}/api/v1/locate?lon=${lon}&lat=${lat}`).then((r) => r.json());
    if (loc.grid && loc.grid.code === d.code) return { grid: d, loc, lon, lat };
  }
  assert.fail('found no urban grid whose centroid intake would place in it');
}

// The day n days from now in China time, as 2026-11-27.
function chinaDay(n) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(Date.now() + n * 86400e3));
}

describe('case workbench', { skip: BASE ? false : 'GRIDLINE_URL is not set (see scripts/browser-test.sh)' }, () => {
  let browser;
  let enums;
  let target;
  let closed; // the case taken through the whole loop: {id, number}

  const label = (list, code) => enums[list].find((x) => x.code === code).name;
  const labelEN = (list, code) => enums[list].find((x) => x.code === code).name_en;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}: install Debian's chromium or set CHROMIUM_PATH`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    enums = await getJSON('/api/v1/enums');
    target = await pickUrbanGrid();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  // The case page as a person reads it: the status tag, the timeline's
  // length, the action buttons.
  const statusTag = (page) => page.locator('.tp-head .tp-status');
  const timelineItems = (page) => page.locator('.tl-item');
  const actionBar = (page) => page.getByRole('group', { name: /^(办理操作|Actions)$/ });

  // expectCase waits until the page shows the case as the API has it, and
  // checks the status, the timeline and that the buttons are exactly the
  // allowed actions.
  async function expectCase(page, id, status, events, what) {
    const want = label('ticket_statuses', status);
    await page.waitForFunction(([w, n]) => {
      const tag = document.querySelector('.tp-head .tp-status');
      return tag && tag.textContent.trim() === w && document.querySelectorAll('.tl-item').length === n;
    }, [want, events], { timeout: 10_000 }).catch(() => {});
    const t = await getJSON(`/api/v1/tickets/${id}`);
    assert.equal(t.status, status, `${what}: the API has the case ${t.status}`);
    assert.equal((await statusTag(page).textContent()).trim(), want, `${what}: the status tag`);
    assert.equal(await timelineItems(page).count(), events, `${what}: the timeline's events`);
    assert.equal(t.timeline.length, events, `${what}: the API's timeline`);
    const buttons = (await actionBar(page).getByRole('button').allTextContents()).map((s) => s.trim()).sort();
    const allowed = t.allowed_actions.map((a) => label('ticket_actions', a)).sort();
    assert.deepEqual(buttons, allowed, `${what}: the buttons offered are not the allowed actions`);
    return t;
  }

  // act clicks an action's button, fills its form with fill(dialog) and
  // confirms it.
  async function act(page, action, fill) {
    const name = label('ticket_actions', action);
    await actionBar(page).getByRole('button', { name, exact: true }).click();
    const dialog = page.getByRole('dialog', { name });
    await dialog.waitFor({ state: 'visible' });
    if (fill) await fill(dialog);
    await dialog.getByRole('button', { name: `确定${name}` }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  }

  test('a case from intake to closure, signed in on the login page', { timeout: 240_000 }, async () => {
    const context = await browser.newContext({ locale: 'zh-CN', ...DESKTOP });
    // Cases are not public: signed out, the workbench asks to log in and
    // leads to the login page, which comes back here.
    const { page, errors, expected } = await openPage(context);
    await page.goto(`${BASE}/tickets?region=${REGION}`, { waitUntil: 'domcontentloaded' });
    try {
      const nav = page.getByRole('navigation');
      await page.getByRole('alert').filter({ hasText: '请先登录' }).waitFor({ timeout: READY_TIMEOUT });
      assert.equal(await page.locator('.tk-table').count(), 0, 'no case list signed out');
      assert.equal(await nav.getByRole('link', { name: '工单' }).count(), 0, 'signed out, the nav bar has no 工单');
      assert.match(await page.title(), /工单/);

      // The login: a wrong password is refused, the right one comes back.
      await page.getByRole('alert').filter({ hasText: '请先登录' }).getByRole('link', { name: '去登录' }).click();
      await page.waitForURL(/\/login\?redirect=/);
      expected.push(/status of 401/);
      await page.getByLabel('用户名').fill(process.env.GRIDLINE_USER || 'admin');
      await page.getByLabel('密码', { exact: true }).fill('not-the-password');
      await page.getByRole('button', { name: '登录', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: '用户名或密码错误' }).waitFor();
      expected.pop();
      await page.getByLabel('密码', { exact: true }).fill(process.env.GRIDLINE_PASSWORD || 'demo1234');
      await page.getByRole('button', { name: '登录', exact: true }).click();
      await page.waitForURL(/\/tickets\?region=/);
      await page.locator('header.topbar .user-button').waitFor();
      // Signed in, the list loads at once, and the nav bar leads to it.
      await page.locator('.tk-row').first().waitFor({ timeout: READY_TIMEOUT });
      assert.equal(await page.getByRole('alert').filter({ hasText: '请先登录' }).count(), 0, 'the sign-in message stays after login');
      assert.equal(await nav.getByRole('link', { name: '工单' }).getAttribute('aria-current'), 'page');

      // Intake: 受理 opens the form; the map is opened on an urban grid
      // (its view in the URL hash, as the map page keeps it) and clicked
      // there; the form shows the grid the API locates the point in.
      await page.getByRole('link', { name: '受理' }).click();
      await page.waitForURL(/\/tickets\/new/);
      assert.equal(await nav.getByRole('link', { name: '工单' }).getAttribute('class').then((c) => /is-section/.test(c)), true, 'the nav bar does not mark 工单 on the intake page');
      const { grid, loc, lon, lat } = target;
      await page.goto('about:blank');
      await page.goto(`${BASE}/tickets/new?region=${REGION}#16/${lat}/${lon}`);
      const map = page.locator('[role="region"].map-canvas');
      await page.locator('[role="region"].map-canvas[aria-busy="false"]').waitFor({ timeout: READY_TIMEOUT });
      const box = await map.boundingBox();
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      const placeBox = page.locator('.tn-place');
      await placeBox.locator('.tn-grid').waitFor({ timeout: 10_000 });
      assert.equal((await placeBox.locator('.tn-grid').textContent()).trim(), loc.grid.name, 'the grid the form says the point is in');
      assert.ok((await placeBox.textContent()).includes(loc.town.name), 'the form lacks the town');

      await choose(page, page, '来源渠道', label('channels', 'hotline'));
      const text = `${grid.name}附近路灯不亮，夜间行人看不清路（浏览器测试 ${Date.now()}）`;
      await page.getByRole('textbox', { name: '诉求内容' }).fill(text);
      await page.getByRole('textbox', { name: '反映人姓名' }).fill('李女士');
      await page.getByRole('textbox', { name: '联系电话' }).fill('13912345678');
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(ARTIFACTS, 'ticket-new.png') });
      await assertNoOverflow(page, 'intake page');
      await page.getByRole('button', { name: '受理', exact: true }).click();

      // The case page: received, in the grid clicked.
      await page.waitForURL(/\/tickets\/\d+/);
      const id = Number(/\/tickets\/(\d+)/.exec(page.url())[1]);
      let t = await expectCase(page, id, 'received', 1, 'taken in');
      assert.equal(t.text, text);
      assert.equal(t.grid.code, grid.code, 'the case is not in the grid clicked');
      assert.equal(t.reporter.phone, '13912345678', 'the reporter phone (unmasked for whoever took the case in)');
      assert.equal((await page.locator('.tp-number').textContent()).trim(), t.number);
      const fields = await page.locator('.tp-desc').textContent();
      for (const s of [grid.name, loc.community.name, loc.town.name, '李女士', '13912345678', label('channels', 'hotline')]) {
        assert.ok(fields.includes(s), `the case's fields lack ${s}`);
      }
      assert.equal((await timelineItems(page).first().locator('.tl-action').textContent()).trim(), '受理');

      // File, dispatch with a deadline, sign, reply, verify, call back.
      await act(page, 'file');
      await expectCase(page, id, 'filed', 2, 'filed');

      const units = await getJSON('/api/v1/units?kind=department&limit=100');
      const unit = units.items[0];
      const day = chinaDay(5);
      // The form proposes a lead from the category, the user's level and
      // the place, and starts from it; the dispatcher may choose another.
      const { proposal } = await getJSON(`/api/v1/tickets/${id}/route`);
      assert.ok(proposal.unit_id != null, `a street lamp case is routed to a unit: ${JSON.stringify(proposal)}`);
      await act(page, 'dispatch', async (dialog) => {
        const hint = dialog.getByTestId('route-hint');
        await hint.waitFor({ timeout: 10_000 });
        assert.ok((await hint.textContent()).includes(proposal.unit_name), `the proposal shown: ${await hint.textContent()}`);
        const lead = dialog.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name: '主办单位', exact: true }) });
        await page.waitForFunction(([el, want]) => el.textContent.trim() === want, [await lead.elementHandle(), proposal.unit_name], { timeout: 10_000 })
          .catch(async () => assert.fail(`the form does not start from the proposed lead ${proposal.unit_name}: ${await lead.textContent()}`));
        await page.screenshot({ path: path.join(ARTIFACTS, 'tickets-dispatch-proposal.png') });
        await choose(page, dialog, '主办单位', unit.name);
        const deadline = dialog.getByRole('combobox', { name: '办理时限' });
        await deadline.fill(`${day} 18:00`);
        await deadline.press('Enter');
        await dialog.getByRole('textbox', { name: '内部备注（选填）' }).fill('请住建局牵头处置');
      });
      t = await expectCase(page, id, 'dispatched', 3, 'dispatched');
      assert.equal(t.lead_unit_id, unit.id, 'the lead unit');
      assert.equal(new Date(t.deadline).toISOString(), new Date(`${day}T18:00:00+08:00`).toISOString(), 'the deadline (18:00 China time)');
      const desc = await page.locator('.tp-desc').textContent();
      assert.ok(desc.includes(unit.name) && desc.includes(`${day} 18:00`), `the fields lack the lead unit or the deadline: ${desc}`);
      const dispatched = timelineItems(page).nth(2);
      assert.ok((await dispatched.textContent()).includes(unit.short_name || unit.name), 'the dispatch event lacks the unit');
      assert.equal((await dispatched.locator('.tl-note .tl-body').textContent()).trim(), '请住建局牵头处置');

      await act(page, 'sign');
      await expectCase(page, id, 'handling', 4, 'signed');

      const reply = '已更换损坏灯具，路灯恢复照明。';
      await act(page, 'reply', async (dialog) => {
        await dialog.getByRole('textbox', { name: '答复意见（公开）' }).fill(reply);
        await dialog.getByRole('textbox', { name: '内部备注（选填）' }).fill('施工队 11 月 28 日完成');
      });
      await expectCase(page, id, 'verifying', 5, 'replied');
      // The public reply and the internal note are shown apart.
      const replied = timelineItems(page).nth(4);
      assert.equal((await replied.locator('.tl-opinion .tl-body').textContent()).trim(), reply);
      assert.equal((await replied.locator('.tl-note .tl-body').textContent()).trim(), '施工队 11 月 28 日完成');
      assert.match(await replied.locator('.tl-opinion .tl-label').textContent(), /公开/);
      assert.match(await replied.locator('.tl-note .tl-label').textContent(), /内部/);
      const [opinionBg, noteBg] = await Promise.all(['.tl-opinion', '.tl-note'].map((s) =>
        replied.locator(s).evaluate((el) => getComputedStyle(el).backgroundColor)));
      assert.notEqual(opinionBg, noteBg, 'the public reply and the internal note look alike');

      // A form refuses to go without what the action needs.
      await actionBar(page).getByRole('button', { name: '核查', exact: true }).click();
      const verify = page.getByRole('dialog', { name: '核查' });
      await verify.getByRole('button', { name: '确定核查' }).click();
      await verify.getByText('请选择结果').waitFor();
      await verify.locator('.el-radio').filter({ hasText: /^\s*核查通过\s*$/ }).click();
      await verify.getByRole('button', { name: '确定核查' }).click();
      await verify.waitFor({ state: 'hidden' });
      await expectCase(page, id, 'callback', 6, 'verified');

      await act(page, 'callback', async (dialog) => {
        await dialog.locator('.el-radio').filter({ hasText: new RegExp(`^\\s*${label('satisfaction', 'satisfied')}\\s*$`) }).click();
      });
      t = await expectCase(page, id, 'closed', 7, 'called back');
      assert.ok(t.closed_at, 'the API has no closing time');
      assert.equal((await timelineItems(page).nth(6).locator('.tl-outcome').textContent()).trim(), label('satisfaction', 'satisfied'));
      assert.ok((await page.locator('.tp-desc').textContent()).includes('结案时间'), 'the fields lack the closing time');
      closed = { id, number: t.number };
      await fullShot(page, 'ticket.png');
      await assertNoOverflow(page, 'case page');

      // English: the labels the API defines, in English.
      const lang = page.getByRole('radiogroup', { name: /Language/ });
      await lang.getByText('English').click();
      await page.getByRole('heading', { name: 'Timeline' }).waitFor({ timeout: 5_000 });
      assert.equal((await statusTag(page).textContent()).trim(), labelEN('ticket_statuses', 'closed'));
      const buttonsEN = (await actionBar(page).getByRole('button').allTextContents()).map((s) => s.trim()).sort();
      assert.deepEqual(buttonsEN, t.allowed_actions.map((a) => labelEN('ticket_actions', a)).sort(), 'the buttons in English');
      assert.equal((await timelineItems(page).nth(1).locator('.tl-action').textContent()).trim(), labelEN('ticket_actions', 'file'));
      assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Cases', exact: true }).count(), 1);
      await assertNoOverflow(page, 'case page in English');
      await page.screenshot({ path: path.join(ARTIFACTS, 'ticket-en.png') });
      await lang.getByText('中文').click();
      await page.getByRole('heading', { name: '办理过程' }).waitFor({ timeout: 5_000 });

      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });

  test('a stale page is refused: the message shows and the case reloads', { timeout: 120_000 }, async () => {
    const { ticket } = await api('POST', '/api/v1/tickets', {
      channel: 'snap_report', text: `楼道堆放杂物（浏览器测试 ${Date.now()}）`, lon: target.lon, lat: target.lat,
    });
    const context = await browser.newContext({ locale: 'zh-CN', ...DESKTOP });
    await context.addInitScript((tok) => { try { localStorage.setItem('gridline.token', tok); } catch { /* about:blank */ } }, TOKEN);
    const a = await openPage(context, `/tickets/${ticket.id}`);
    const b = await openPage(context, `/tickets/${ticket.id}`);
    try {
      await expectCase(a.page, ticket.id, 'received', 1, 'page A');
      await expectCase(b.page, ticket.id, 'received', 1, 'page B');

      await act(a.page, 'file');
      await expectCase(a.page, ticket.id, 'filed', 2, 'page A filed it');

      // Page B still shows the case received, at version 1: its step is
      // refused, it says why and shows the case as it is now.
      b.expected.push(/status of 409/);
      assert.equal((await statusTag(b.page).textContent()).trim(), label('ticket_statuses', 'received'));
      await act(b.page, 'reject', async (dialog) => {
        await dialog.getByRole('textbox', { name: '不予受理理由（告知反映人）' }).fill('不属于受理范围');
      });
      const alert = b.page.locator('.tp-refused');
      await alert.waitFor({ timeout: 10_000 });
      const msg = await alert.textContent();
      assert.match(msg, /已被他人办理/, `the refusal: ${msg}`);
      assert.match(msg, new RegExp(`${ticket.number}.*version 2`), `the server's message is not shown: ${msg}`);
      const t = await expectCase(b.page, ticket.id, 'filed', 2, 'page B reloaded');
      assert.ok((await alert.textContent()).includes(label('ticket_statuses', 'filed')), 'the refusal does not say what the case is now');
      assert.ok(!t.timeline.some((e) => e.action === 'reject'), 'the refused step is in the timeline');

      // Acting again, on what the page now shows, works.
      await act(b.page, 'void', async (dialog) => {
        await dialog.getByRole('textbox', { name: '理由（内部）' }).fill('测试工单');
      });
      await expectCase(b.page, ticket.id, 'voided', 3, 'voided');
      assert.equal(await alert.count(), 0, 'the refusal stayed after the next step');

      assertNoPageErrors(a.errors);
      assertNoPageErrors(b.errors);
    } finally {
      await context.close();
    }
  });

  test('a case with only an address waits unlocated and is placed on the map', { timeout: 120_000 }, async () => {
    const { ticket } = await api('POST', '/api/v1/tickets', {
      channel: 'mailbox', text: `反映噪声扰民（浏览器测试 ${Date.now()}）`, address: '兖州区建设路 1 号',
    });
    assert.equal(ticket.status, 'unlocated');
    const context = await browser.newContext({ locale: 'zh-CN', ...DESKTOP });
    await context.addInitScript((tok) => { try { localStorage.setItem('gridline.token', tok); } catch { /* about:blank */ } }, TOKEN);
    const { page, errors } = await openPage(context, `/tickets/${ticket.id}`);
    try {
      await expectCase(page, ticket.id, 'unlocated', 1, 'unlocated');
      assert.ok((await page.locator('.tp-desc').textContent()).includes('兖州区建设路 1 号'), 'the address is not shown');

      // The locate form is a map: a click shows the grid there, by the
      // API's rule, and placing the case there takes it in.
      const name = label('ticket_actions', 'locate');
      await actionBar(page).getByRole('button', { name, exact: true }).click();
      const dialog = page.getByRole('dialog', { name });
      const map = dialog.getByRole('region', { name: '工单位置' });
      await dialog.locator('[role="region"][aria-busy="false"]').waitFor({ timeout: READY_TIMEOUT });
      await page.waitForTimeout(500);
      const box = await map.boundingBox();
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      const where = dialog.locator('.ta-place b');
      await where.waitFor({ timeout: 10_000 });
      const gridName = (await where.textContent()).trim();
      await dialog.getByRole('button', { name: `确定${name}` }).click();
      await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
      const t = await expectCase(page, ticket.id, 'received', 2, 'located');
      assert.equal(t.grid.name, gridName, 'the case is not in the grid the form showed');
      const loc = await getJSON(`/api/v1/locate?lon=${t.lon}&lat=${t.lat}`);
      assert.equal(loc.grid.code, t.grid.code, 'the case is not in the grid of its point');
      assert.ok((await page.locator('.tp-desc').textContent()).includes(gridName), 'the fields lack the grid');

      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });

  test('a case at a building: intake picks building, entrance and floor; the case page shows them', { timeout: 180_000 }, async () => {
    // A building of the demo with two entrances or more, and its centre.
    const bs = await getJSON(`/api/v1/buildings?within=${REGION}&limit=200`);
    const b = bs.items.find((x) => x.entrances.length >= 2 && x.floors >= 4);
    assert.ok(b, 'the demo has a building with two entrances');
    const context = await browser.newContext({ locale: 'zh-CN', ...DESKTOP });
    await context.addInitScript((tok) => { try { localStorage.setItem('gridline.token', tok); } catch { /* about:blank */ } }, TOKEN);
    const { page, errors } = await openPage(context, `/tickets/new?region=${REGION}#18/${b.lat}/${b.lon}`);
    try {
      const map = page.locator('[role="region"].map-canvas');
      await page.locator('[role="region"].map-canvas[aria-busy="false"]').waitFor({ timeout: READY_TIMEOUT });
      const box = await map.boundingBox();
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      // The click is on the building: the form offers it, chosen.
      const pick = page.locator('[data-test="building-pick"]');
      await pick.waitFor({ timeout: 20_000 });
      await page.waitForFunction((name) => {
        const el = document.querySelector('[data-test="building-pick"] .el-select__selected-item:not(.is-hidden)');
        return el && el.textContent.trim() === name;
      }, b.name, { timeout: 10_000 });
      await choose(page, pick, '单元', '2单元');
      await pick.locator('.el-input-number input').fill('3');
      await choose(page, page, '来源渠道', label('channels', 'hotline'));
      const text = `${b.name}2单元3楼卫生间漏水，楼下天花板滴水（浏览器测试 ${Date.now()}）`;
      await page.getByRole('textbox', { name: '诉求内容' }).fill(text);
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(ARTIFACTS, 'ticket-new-building.png') });
      await page.getByRole('button', { name: '受理', exact: true }).click();

      await page.waitForURL(/\/tickets\/\d+/);
      const id = Number(/\/tickets\/(\d+)/.exec(page.url())[1]);
      const t = await expectCase(page, id, 'received', 1, 'taken in at a building');
      assert.equal(t.building_id, b.id, 'the case is not at the building chosen');
      assert.equal(t.entrance, 2);
      assert.equal(t.floor, 3);
      const shown = (await page.locator('[data-test="ticket-building"]').textContent()).trim();
      assert.ok(shown.endsWith(`${b.name} 2单元 3层`), `the case page shows ${shown}`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'ticket-building.png') });
      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });

  test('the list: filters in the URL find the closed case', { timeout: 120_000 }, async () => {
    assert.ok(closed, 'the journey did not close a case');
    const context = await browser.newContext({ locale: 'zh-CN', ...DESKTOP });
    await context.addInitScript((tok) => { try { localStorage.setItem('gridline.token', tok); } catch { /* about:blank */ } }, TOKEN);
    const { page, errors } = await openPage(context, `/tickets?region=${REGION}`);
    const rows = page.locator('.tk-table .el-table__body tr');
    async function waitForList(query, what) {
      const want = await getJSON(`/api/v1/tickets?limit=20&${query}`);
      await page.waitForFunction((n) => document.querySelector('.tk-total')?.textContent.replace(/[^\d]/g, '') === n
        && document.querySelector('.tk-table')?.getAttribute('aria-busy') === 'false', String(want.total), { timeout: 10_000 }).catch(() => {});
      assert.equal(digits(await page.locator('.tk-total').textContent()), String(want.total), `${what}: the total`);
      assert.equal(await rows.count(), want.items.length, `${what}: the rows`);
      const numbers = (await page.locator('.tk-table .tk-number').allTextContents()).map((s) => s.trim());
      assert.deepEqual(numbers, want.items.map((x) => x.number), `${what}: the cases listed`);
      return want;
    }
    try {
      await waitForList(`within=${REGION}`, 'all');
      await page.screenshot({ path: path.join(ARTIFACTS, 'tickets.png') });
      await choose(page, page, '按状态筛选', label('ticket_statuses', 'closed'));
      await page.waitForURL((u) => u.searchParams.get('status') === 'closed');
      const list = await waitForList(`within=${REGION}&status=closed`, 'closed');
      assert.ok(list.items.some((x) => x.id === closed.id), 'the closed case is not on the first page');
      const tags = (await page.locator('.tk-table .tk-status').allTextContents()).map((s) => s.trim());
      assert.ok(tags.length && tags.every((s) => s === label('ticket_statuses', 'closed')), `statuses: ${tags}`);

      // The channel and the text search narrow it to the one case.
      await page.getByRole('textbox', { name: '搜索诉求内容' }).fill('浏览器测试');
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.searchParams.get('q') === '浏览器测试');
      await waitForList(`within=${REGION}&status=closed&q=${encodeURIComponent('浏览器测试')}`, 'search');
      await assertNoOverflow(page, 'case list');

      // The filters survive a reload, and a row opens its case.
      await page.reload();
      await waitForList(`within=${REGION}&status=closed&q=${encodeURIComponent('浏览器测试')}`, 'reloaded');
      await page.locator('.tk-table .tk-number', { hasText: closed.number }).click();
      await page.waitForURL(new RegExp(`/tickets/${closed.id}$|/tickets/${closed.id}\\?`));
      await page.getByRole('heading', { name: closed.number }).waitFor();
      await page.goBack();
      await page.waitForURL((u) => u.searchParams.get('status') === 'closed');

      // Overdue and a period: the API's counts.
      await page.goto(`${BASE}/tickets?region=${REGION}&overdue=1&from=${chinaDay(-1)}&to=${chinaDay(0)}`);
      assert.equal(await page.getByRole('checkbox', { name: '仅看超期' }).isChecked(), true);
      await waitForList(`within=${REGION}&overdue=true&from=${chinaDay(-1)}T00:00:00%2B08:00&to=${chinaDay(1)}T00:00:00%2B08:00`, 'overdue today');

      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });

  test('phone: the list, a case and intake fit 390 px', { timeout: 120_000 }, async () => {
    assert.ok(closed, 'the journey did not close a case');
    const context = await browser.newContext({ locale: 'zh-CN', ...PHONE });
    await context.addInitScript((tok) => { try { localStorage.setItem('gridline.token', tok); } catch { /* about:blank */ } }, TOKEN);
    const { page, errors } = await openPage(context, `/tickets?region=${REGION}`);
    try {
      await page.locator('.tk-table[aria-busy="false"]').waitFor({ timeout: READY_TIMEOUT });
      await page.locator('.tk-table .tk-number').first().waitFor();
      await assertNoOverflow(page, 'case list on a phone');
      await page.screenshot({ path: path.join(ARTIFACTS, 'tickets-mobile.png'), fullPage: true });
      // The period picker shows one month, not two side by side.
      await page.locator('.tk-f-period').tap();
      await page.locator('.el-date-range-picker').waitFor();
      await assertNoOverflow(page, 'the period picker on a phone');
      await page.keyboard.press('Escape');

      await page.goto(`${BASE}/tickets/${closed.id}?region=${REGION}`);
      await page.locator('.tl-item').nth(6).waitFor();
      await page.waitForTimeout(500);
      await assertNoOverflow(page, 'case page on a phone');
      await page.screenshot({ path: path.join(ARTIFACTS, 'ticket-mobile.png'), fullPage: true });

      await page.goto(`${BASE}/tickets/new?region=${REGION}#16/${target.lat}/${target.lon}`);
      await page.locator('[role="region"].map-canvas[aria-busy="false"]').waitFor({ timeout: READY_TIMEOUT });
      const box = await page.locator('[role="region"].map-canvas').boundingBox();
      await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2);
      await page.locator('.tn-place .tn-grid').waitFor({ timeout: 10_000 });
      await assertNoOverflow(page, 'intake on a phone');
      await page.screenshot({ path: path.join(ARTIFACTS, 'ticket-new-mobile.png'), fullPage: true });

      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });
});
