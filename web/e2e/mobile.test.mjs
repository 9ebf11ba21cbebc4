// Browser test of the grid worker's phone app (网格通, /m/) on a phone
// viewport, as the demo's grid worker `grid` uses it in the street: signs
// in, sees the grid and the tasks, loses the network, reports a problem
// with a photo (it waits in the outbox), reopens the app with no network
// (the service worker's shell), gets the network back — the report
// arrives, exactly once — and answers an on-site check asked of the grid,
// whose answer the command centre then sees on the case page; then calls
// back the resident of a handled case of the grid from the task list.
//
//   GRIDLINE_URL=http://127.0.0.1:18102 node --test web/e2e/mobile.test.mjs
//
// Environment: as the other browser tests (common.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, PHONE, assertNoOverflow, assertNoPageErrors, centroid, pngImage } from './common.mjs';

const PASSWORD = process.env.GRIDLINE_PASSWORD || 'demo1234';

async function tokenOf(username) {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }),
  });
  const data = await res.json().catch(() => null);
  assert.ok(res.ok && data && data.token, `log in as ${username}: ${res.status} ${JSON.stringify(data)}`);
  return data.token;
}

async function api(token, method, p, body) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${token}` };
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE + p, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => null);
  assert.ok(res.ok, `${method} ${p} answered ${res.status}: ${JSON.stringify(data)}`);
  return data;
}

// png returns a small PNG photo (a gradient), as a phone's camera would
// hand a file to the page.
function png(w = 48, h = 32) {
  return pngImage(w, h, (x, y) => [x * 5, y * 7, 160]);
}

describe('grid worker phone app', { skip: BASE ? false : 'GRIDLINE_URL is not set (see scripts/browser-test.sh)' }, () => {
  let browser;
  let admin;
  let worker;
  let gridCode;
  let gridName;
  let spot; // [lon, lat] inside the worker's grid
  let check; // the hotline case an on-site check is asked of
  const stamp = Date.now();
  const reportText = `人行道井盖缺失，离线上报测试 ${stamp}`;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    admin = await tokenOf('admin');
    worker = await tokenOf('grid');
    const me = await api(worker, 'GET', '/api/v1/auth/me');
    gridCode = me.grants.find((g) => g.role.startsWith('grid_worker')).region;
    const g = await api(admin, 'GET', `/api/v1/grids/${gridCode}`);
    gridName = g.name;
    // A point intake places in the grid: its centroid, or else the first
    // of a few points across it that the locate API puts there.
    const ring = g.geometry.coordinates[0];
    const candidates = [centroid(ring)];
    const xs = ring.map((p) => p[0]), ys = ring.map((p) => p[1]);
    for (let i = 1; i < 5; i++) for (let j = 1; j < 5; j++) {
      candidates.push([Math.min(...xs) + (Math.max(...xs) - Math.min(...xs)) * i / 5, Math.min(...ys) + (Math.max(...ys) - Math.min(...ys)) * j / 5]);
    }
    for (const [lon, lat] of candidates) {
      const loc = await fetch(`${BASE}/api/v1/locate?lon=${lon}&lat=${lat}`).then((r) => r.json());
      if (loc.grid && loc.grid.code === gridCode) { spot = [lon, lat]; break; }
    }
    assert.ok(spot, `no point found inside grid ${gridCode}`);
    // A hotline case in the grid, and the command centre asks for an
    // on-site check of it.
    const created = await api(admin, 'POST', '/api/v1/tickets', {
      channel: 'hotline', text: `来电反映小区门口路灯不亮，请核实 ${stamp}`, lon: spot[0] + 0.0003, lat: spot[1],
    });
    check = created.ticket;
    await api(admin, 'POST', `/api/v1/tickets/${check.id}/actions/check_request`, { note: '请网格员到现场核实路灯情况并拍照' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('signs in, reports offline, the report arrives once, answers a check', async () => {
    const context = await browser.newContext({
      ...PHONE, locale: 'zh-CN', permissions: ['geolocation'],
      geolocation: { longitude: spot[0], latitude: spot[1], accuracy: 12 },
    });
    const page = await context.newPage();
    const errors = [];
    // Offline, the browser reports the requests it could not make; those
    // are the point of the test, not faults.
    page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      if (/ERR_INTERNET_DISCONNECTED|Failed to fetch|403|401/.test(text)) return;
      errors.push(`console.error: ${text}`);
    });

    await page.goto(`${BASE}/m/`, { waitUntil: 'domcontentloaded' });
    await page.getByLabel('用户名').fill('grid');
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();

    // My grid: its name, code and outline; the position is in it.
    const gridCard = page.locator('[data-test=my-grid]');
    await gridCard.getByText(gridCode).waitFor();
    await gridCard.getByText(gridName).first().waitFor();
    await gridCard.locator('svg polygon').waitFor();
    assert.equal(await page.locator('.topbar').count(), 0, 'the phone app shows no desktop nav bar');
    await page.getByRole('button', { name: '获取我的位置' }).click();
    await gridCard.locator('[data-test=pos]', { hasText: '您在本网格内' }).waitFor();
    await assertNoOverflow(page, 'my grid');
    // Installable: the manifest is linked and the service worker runs.
    const sw = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      const link = document.querySelector('link[rel=manifest]');
      const m = await fetch(link.href).then((r) => r.json());
      return { scope: reg.scope, active: !!reg.active, start: m.start_url, icons: m.icons.length };
    });
    assert.equal(sw.scope, `${BASE}/m/`);
    assert.ok(sw.active && sw.start === '/m/' && sw.icons >= 2, JSON.stringify(sw));
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-grid.png'), fullPage: true });

    // My tasks: the check asked of my grid is listed.
    await page.locator('[data-tab=tasks]').click();
    const tasks = page.locator('[data-test=tasks]');
    await tasks.locator(`[data-ticket="${check.id}"]`).waitFor();
    await tasks.getByText('核查任务').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-tasks.png'), fullPage: true });

    // The assets the page loaded are in the worker's cache before the
    // network goes.
    await page.waitForFunction(async () => {
      const keys = await caches.open('gridline-m-v1').then((c) => c.keys());
      return keys.filter((r) => r.url.includes('/assets/MobileApp')).length > 0;
    }, null, { timeout: 10000 });

    // Offline: report a problem with a photo; it waits in the outbox.
    await context.setOffline(true);
    await page.locator('[data-test=net]', { hasText: '离线' }).waitFor();
    await page.locator('[data-tab=report]').click();
    const form = page.locator('[data-test=report]');
    await form.getByLabel('问题描述').fill(reportText);
    await form.locator('input[type=file]').setInputFiles({ name: 'IMG_2001.png', mimeType: 'image/png', buffer: png() });
    await form.locator('[data-test=photo-count]', { hasText: '已选 1 张' }).waitFor();
    await form.locator('[data-test=pos]').waitFor(); // the GPS answered (unchecked: no network)
    await form.getByRole('button', { name: '提交' }).click();
    await form.locator('[data-test=report-done]', { hasText: '联网后自动发送' }).waitFor();
    await page.locator('[data-tab=queue]').click();
    const queue = page.locator('[data-test=queue]');
    const item = queue.locator('li[data-state=pending]', { hasText: reportText.slice(0, 20) });
    await item.waitFor();
    await item.getByText('待发送').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-offline-queue.png'), fullPage: true });
    const count = async () => (await api(admin, 'GET', `/api/v1/tickets?q=${encodeURIComponent(reportText)}`)).total;
    assert.equal(await count(), 0, 'nothing reached the server while offline');

    // The app reopens with no network: the shell from the service
    // worker, the outbox from IndexedDB.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('[data-test=queue] li[data-state=pending]', { hasText: reportText.slice(0, 20) }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-offline-reopened.png'), fullPage: true });

    // Back online: the outbox empties and the case exists exactly once.
    await context.setOffline(false);
    await page.locator('[data-test=queue-empty]').waitFor({ timeout: 30000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-online-sent.png'), fullPage: true });
    assert.equal(await count(), 1, 'the offline report arrived exactly once');
    const list = await api(admin, 'GET', `/api/v1/tickets?q=${encodeURIComponent(reportText)}`);
    const got = await api(admin, 'GET', `/api/v1/tickets/${list.items[0].id}`);
    assert.equal(got.channel, 'grid_patrol');
    assert.equal(got.grid_code, gridCode);
    assert.equal(got.photos.length, 1);

    // Answer the check on site: finding, note, photo, position.
    await page.goto(`${BASE}/m/tasks/${check.id}`, { waitUntil: 'domcontentloaded' });
    const task = page.locator('[data-test=task]');
    await task.getByText('请网格员到现场核实路灯情况并拍照').waitFor();
    await task.locator('[data-action=check_report]').click();
    const answer = task.locator('form[data-form=check_report]');
    await answer.getByLabel('情况属实').check();
    await answer.getByLabel('备注').fill('现场确认 2 盏路灯不亮');
    await answer.locator('input[type=file]').setInputFiles({ name: 'IMG_2002.png', mimeType: 'image/png', buffer: png(40, 40) });
    await answer.getByText('已选 1 张').waitFor();
    await answer.locator('[data-test=distance]').waitFor();
    await assertNoOverflow(page, 'check answer');
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-check-answer.png'), fullPage: true });
    await answer.getByRole('button', { name: '提交' }).click();
    await page.locator('[data-test=tasks]').waitFor();
    await page.getByText(/已送达/).waitFor({ timeout: 15000 });
    const checked = await api(admin, 'GET', `/api/v1/tickets/${check.id}`);
    const last = checked.timeline[checked.timeline.length - 1];
    assert.equal(last.action, 'check_report');
    assert.equal(last.outcome, 'confirmed');
    assert.ok(last.distance_m != null && last.distance_m < 300, `answered ${last.distance_m} m from the case`);
    assert.equal(checked.photos.filter((p) => p.event_id === last.id).length, 1);
    assert.equal(checked.status, check.status, 'a check does not move the case');
    await page.locator(`[data-ticket="${check.id}"]`).waitFor({ state: 'detached' });
    assertNoPageErrors(errors);
    await context.close();

    // The case page shows the answer to the command centre — finding,
    // note, place and photo — and asks for a new check with its button.
    const desk = await browser.newContext({ viewport: { width: 1440, height: 1500 }, locale: 'zh-CN' });
    await desk.addInitScript((tok) => localStorage.setItem('gridline.token', tok), admin);
    const dp = await desk.newPage();
    await dp.goto(`${BASE}/tickets/${check.id}`, { waitUntil: 'domcontentloaded' });
    const answered = dp.locator('.tl-item', { hasText: '反馈核查结果' });
    await answered.getByText('情况属实').waitFor();
    await answered.getByText('现场确认 2 盏路灯不亮').waitFor();
    await answered.locator('.tl-place', { hasText: /距工单位置 \d+ 米/ }).waitFor();
    // The photo shows (this page holds a stored token, no session cookie:
    // the timeline fetches its photos with the token).
    await dp.waitForFunction(() => {
      const img = document.querySelector('.tl-photos .tl-photo img');
      return img && img.complete && img.naturalWidth > 0;
    }, null, { timeout: 15_000 });
    await dp.screenshot({ path: path.join(ARTIFACTS, 'mobile-check-on-case-page.png'), fullPage: true });
    await dp.locator('[data-action=check_request]').click();
    const dialog = dp.getByRole('dialog');
    await dialog.getByRole('textbox').fill('请再次核实是否已修复');
    await dialog.getByRole('button', { name: /确定/ }).click();
    await dp.locator('.tl-item', { hasText: '请再次核实是否已修复' }).waitFor();
    assert.equal(await dp.locator('[data-action=check_request]').count(), 0, 'no second check while one is open');
    await desk.close();
    const again = await api(worker, 'GET', '/api/v1/tickets?check=open');
    assert.ok(again.items.some((x) => x.id === check.id), 'the new check is the grid worker\'s task');
  });

  test('calls back the resident of a handled case of the grid', async () => {
    // A hotline case of the grid taken through the loop to 待回访 over the API.
    const created = await api(admin, 'POST', '/api/v1/tickets', {
      channel: 'hotline', text: `来电反映楼下垃圾桶满溢无人清运 ${stamp}`, lon: spot[0] - 0.0002, lat: spot[1],
      reporter: { name: '王女士', phone: '13905371234' },
    });
    const id = created.ticket.id;
    const units = await api(admin, 'GET', '/api/v1/units?limit=1');
    await api(admin, 'POST', `/api/v1/tickets/${id}/actions/file`, {});
    await api(admin, 'POST', `/api/v1/tickets/${id}/actions/dispatch`, { lead_unit: units.items[0].id });
    await api(admin, 'POST', `/api/v1/tickets/${id}/actions/sign`, {});
    await api(admin, 'POST', `/api/v1/tickets/${id}/actions/reply`, { opinion: '垃圾已清运。' });
    await api(admin, 'POST', `/api/v1/tickets/${id}/actions/verify`, { outcome: 'passed' });
    assert.equal((await api(admin, 'GET', `/api/v1/tickets/${id}`)).status, 'callback');

    const context = await browser.newContext({
      ...PHONE, locale: 'zh-CN', permissions: ['geolocation'],
      geolocation: { longitude: spot[0], latitude: spot[1], accuracy: 12 },
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
    await page.goto(`${BASE}/m/`, { waitUntil: 'domcontentloaded' });
    await page.getByLabel('用户名').fill('grid');
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('[data-test=my-grid]').getByText(gridCode).waitFor();
    await page.goto(`${BASE}/m/tasks`, { waitUntil: 'domcontentloaded' });
    const card = page.locator('.m-card', { hasText: '待回访的工单' });
    await card.locator(`[data-ticket="${id}"]`).click();
    const task = page.locator('[data-test=task]');
    await task.locator('[data-action=callback]').click();
    const form = task.locator('form[data-form=callback]');
    // The reporter's phone is masked until asked for; the look is audited.
    const caller = form.locator('[data-test=caller]');
    await caller.getByText('王女士').waitFor();
    assert.ok(!(await caller.textContent()).includes('13905371234'), 'the phone is masked before the worker asks');
    await caller.getByRole('button', { name: '显示号码（留痕）' }).click();
    await caller.locator('a[href="tel:13905371234"]').waitFor();
    await form.getByLabel('满意', { exact: true }).check();
    await form.getByLabel('备注').fill('电话回访，居民表示已清运');
    await assertNoOverflow(page, 'callback form');
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-callback.png'), fullPage: true });
    await form.getByRole('button', { name: '提交' }).click();
    await page.getByText(/已送达/).waitFor({ timeout: 15000 });
    const done = await api(admin, 'GET', `/api/v1/tickets/${id}`);
    const last = done.timeline[done.timeline.length - 1];
    assert.equal(last.action, 'callback');
    assert.equal(last.outcome, 'satisfied');
    const me = await api(worker, 'GET', '/api/v1/auth/me');
    assert.ok([me.username, me.name, me.user?.username, me.user?.name].includes(last.actor), `called back by ${last.actor}, not the grid worker`);
    await card.locator(`[data-ticket="${id}"]`).waitFor({ state: 'detached' });
    assertNoPageErrors(errors);
    await context.close();
  });
});
