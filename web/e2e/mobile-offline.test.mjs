// Browser test of the grid worker's phone app (网格通, /m/) working
// offline on its tasks, and handling its own report on the spot:
//
//   - with the task list read online, the network goes; the app reopens,
//     the tasks open from the copies kept on the phone, and two check
//     tasks are answered (finding, note, photo). They wait in the outbox.
//     Meanwhile the command centre files one of the cases. The network
//     returns: the first answer reaches the server but its reply is lost
//     (the test cuts it), so the outbox sends it again with its key — one
//     event on the case; the second is refused (409, the case moved on)
//     and shown as such, not retried.
//   - the worker reports a problem, follows the link from the sent report
//     and handles it on the spot with a photo: the case is closed, on the
//     server and on the phone, and leaves "my recent reports"; signing
//     out forgets the tasks kept on the phone.
//
//   GRIDLINE_URL=http://127.0.0.1:18650 node --test web/e2e/mobile-offline.test.mjs
//
// Environment: as the other browser tests (common.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, PASSWORD, PHONE, assertNoOverflow, assertNoPageErrors, centroid, login, pngImage } from './common.mjs';

async function api(token, method, p, body) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${token}` };
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE + p, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => null);
  assert.ok(res.ok, `${method} ${p} answered ${res.status}: ${JSON.stringify(data)}`);
  return data;
}

const png = (w = 40, h = 30) => pngImage(w, h, (x, y) => [200 - x * 3, y * 6, 90]);

describe('grid worker phone app offline', { skip: BASE ? false : 'GRIDLINE_URL is not set (see scripts/browser-test.sh)' }, () => {
  let browser;
  let admin;
  let worker;
  let gridCode;
  let spot; // [lon, lat] inside the worker's grid
  let closedName; // the status name of a closed case
  const stamp = Date.now();

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    admin = await login('admin');
    worker = await login('grid');
    const me = await api(worker, 'GET', '/api/v1/auth/me');
    gridCode = me.grants.find((g) => g.role.startsWith('grid_worker')).region;
    const g = await api(admin, 'GET', `/api/v1/grids/${gridCode}`);
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
    const enums = await api(admin, 'GET', '/api/v1/enums');
    closedName = enums.ticket_statuses.find((s) => s.code === 'closed').name;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  async function phone() {
    const context = await browser.newContext({
      ...PHONE, locale: 'zh-CN', permissions: ['geolocation'],
      geolocation: { longitude: spot[0], latitude: spot[1], accuracy: 10 },
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      // Offline, the refused and cut requests are the point of the test.
      if (/ERR_INTERNET_DISCONNECTED|Failed to fetch|40[139]/.test(text)) return;
      errors.push(`console.error: ${text}`);
    });
    page.on('dialog', (d) => d.accept());
    await page.goto(`${BASE}/m/`, { waitUntil: 'domcontentloaded' });
    await page.getByLabel('用户名').fill('grid');
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.locator('[data-test=my-grid]').getByText(gridCode).waitFor();
    return { context, page, errors };
  }

  // checkTask takes a hotline case in at the spot and asks the grid for an
  // on-site check of it.
  async function checkTask(text, ask) {
    const { ticket } = await api(admin, 'POST', '/api/v1/tickets', { channel: 'hotline', text, lon: spot[0] + 0.0002, lat: spot[1] });
    await api(admin, 'POST', `/api/v1/tickets/${ticket.id}/actions/check_request`, { note: ask });
    return ticket;
  }

  test('answers check tasks offline; each answer arrives once, a stale one is refused and shown', async () => {
    const a = await checkTask(`来电反映楼道灯不亮，离线核查测试 ${stamp}`, `请核实楼道灯 ${stamp}`);
    const b = await checkTask(`来电反映路面塌陷，离线核查测试 ${stamp}`, `请核实路面 ${stamp}`);
    const { context, page, errors } = await phone();

    // The task list read online: both tasks are kept on the phone.
    await page.locator('[data-tab=tasks]').click();
    const tasks = page.locator('[data-test=tasks]');
    await tasks.locator(`[data-list=check] [data-ticket="${a.id}"]`).waitFor();
    await tasks.locator(`[data-list=check] [data-ticket="${b.id}"]`).waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-test=tasks]')?.dataset.kept) >= 2);
    await page.waitForFunction(async () => {
      const keys = await caches.open('gridline-m-v1').then((c) => c.keys());
      return keys.some((r) => r.url.includes('/assets/MobileApp'));
    }, null, { timeout: 15000 });

    // Offline, the app reopens: the list is the kept one.
    await context.setOffline(true);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('[data-test=net]', { hasText: '离线' }).waitFor();
    await page.locator('[data-test=tasks-offline]', { hasText: '联网时保存的任务' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-offline-tasks.png'), fullPage: true });

    // answer opens a kept task and answers its check with a photo.
    const answer = async (t, ask, note, shot) => {
      await page.locator('[data-tab=tasks]').click();
      await page.locator(`[data-test=tasks] [data-ticket="${t.id}"]`).click();
      const task = page.locator('[data-test=task]');
      await task.locator('[data-test=kept]').waitFor();
      await task.getByText(ask).waitFor();
      await task.locator('[data-action=check_report]').click();
      const form = task.locator('form[data-form=check_report]');
      await form.getByLabel('情况属实').check();
      await form.getByLabel('备注').fill(note);
      await form.locator('input[type=file]').setInputFiles({ name: 'IMG_3001.png', mimeType: 'image/png', buffer: png() });
      await form.getByText('已选 1 张').waitFor();
      await form.locator('[data-test=distance]').waitFor();
      await assertNoOverflow(page, 'offline check answer');
      if (shot) await page.screenshot({ path: path.join(ARTIFACTS, shot), fullPage: true });
      await form.getByRole('button', { name: '提交' }).click();
      await page.locator('[data-test=queue]').waitFor();
    };
    await answer(a, `请核实楼道灯 ${stamp}`, '现场确认楼道灯损坏', 'mobile-offline-task.png');
    await answer(b, `请核实路面 ${stamp}`, '现场确认路面塌陷约 1 平方米');
    const queue = page.locator('[data-test=queue]');
    for (const t of [a, b]) {
      const item = queue.locator('li[data-kind=action][data-state=pending]', { hasText: `${t.number} 反馈核查结果` });
      await item.getByText('已选 1 张').waitFor();
    }
    // While its answer waits, the task is not answered twice from here.
    await page.locator('[data-tab=tasks]').click();
    await page.locator(`[data-test=tasks] [data-ticket="${a.id}"]`, { hasText: '待发送' }).click();
    await page.locator('[data-test=task] [data-test=waiting]').waitFor();
    assert.equal(await page.locator('[data-test=task] [data-action]').count(), 0, 'no action while one waits');
    await page.locator('[data-tab=queue]').click();
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-offline-actions-queued.png'), fullPage: true });
    const events = async (id, action) => (await api(admin, 'GET', `/api/v1/tickets/${id}`)).timeline.filter((e) => e.action === action);
    assert.equal((await events(a.id, 'check_report')).length, 0, 'nothing reached the server while offline');

    // Meanwhile the command centre files case b: the worker's answer was
    // made on the version before.
    await api(admin, 'POST', `/api/v1/tickets/${b.id}/actions/file`, {});

    // The first send of a's answer reaches the server, and its reply is
    // lost on the way back; the outbox sends it again with the same key.
    const sends = [];
    await context.route(`**/api/v1/tickets/${a.id}/actions/check_report`, async (route) => {
      const res = await route.fetch();
      sends.push({ key: route.request().headers()['idempotency-key'], status: res.status(), replayed: res.headers()['idempotent-replayed'] || '' });
      if (sends.length === 1) await route.abort('internetdisconnected');
      else await route.fulfill({ response: res });
    });
    await context.setOffline(false);
    await queue.locator('li', { hasText: `${a.number} 反馈核查结果` }).waitFor({ state: 'detached', timeout: 45000 });
    const refused = queue.locator('li[data-state=failed]', { hasText: `${b.number} 反馈核查结果` });
    await refused.getByText('工单已有新进展').waitFor({ timeout: 30000 });
    await refused.getByText(/version/).waitFor(); // the server's own message
    assert.equal(await refused.getByRole('button', { name: '重试' }).count(), 0, 'a refused action is not offered again');
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-offline-actions-sent.png'), fullPage: true });

    assert.ok(sends.length >= 2, `sends of a's answer: ${JSON.stringify(sends)}`);
    assert.ok(sends.every((s) => s.key && s.key === sends[0].key), `one key for every send: ${JSON.stringify(sends)}`);
    assert.deepEqual(sends.map((s) => [s.status, s.replayed]), [[200, ''], ...sends.slice(1).map(() => [200, 'true'])],
      'the first send is taken, the others answered from the key');
    const got = await api(admin, 'GET', `/api/v1/tickets/${a.id}`);
    const answers = got.timeline.filter((e) => e.action === 'check_report');
    assert.equal(answers.length, 1, 'exactly one answer on the case');
    assert.equal(answers[0].outcome, 'confirmed');
    assert.equal(answers[0].note, '现场确认楼道灯损坏');
    assert.ok(answers[0].distance_m != null && answers[0].distance_m < 300, `answered ${answers[0].distance_m} m away`);
    assert.equal(got.photos.filter((p) => p.event_id === answers[0].id).length, 1);
    assert.equal((await events(b.id, 'check_report')).length, 0, 'the stale answer was refused');

    // Deleted by the worker, the refused item is gone; nothing is sent
    // again: a's answer is still one event.
    await refused.getByRole('button', { name: '删除' }).click();
    await page.locator('[data-test=queue-empty]').waitFor();
    await page.waitForTimeout(6000); // more than a tick of the outbox's timer
    assert.equal((await events(a.id, 'check_report')).length, 1, 'a replay sent nothing twice');
    assert.equal(sends.length, sends.filter((s) => s.replayed === 'true').length + 1);
    await context.unroute(`**/api/v1/tickets/${a.id}/actions/check_report`);
    assertNoPageErrors(errors);
    await context.close();
  });

  test('reports a problem, then handles it on the spot from my recent reports', async () => {
    const { context, page, errors } = await phone();
    const text = `绿化带内堆放建筑垃圾，现场处置测试 ${stamp}`;
    await page.locator('[data-tab=report]').click();
    const form = page.locator('[data-test=report]');
    await form.getByLabel('问题描述').fill(text);
    await form.locator('input[type=file]').setInputFiles({ name: 'IMG_4001.png', mimeType: 'image/png', buffer: png(48, 36) });
    await form.locator('[data-test=pos]', { hasText: '您在本网格内' }).waitFor();
    await form.getByRole('button', { name: '提交' }).click();
    const link = page.locator('[data-test=sent] [data-test=sent-case]', { hasText: '现场处置' });
    await link.waitFor({ timeout: 15000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-report-sent.png'), fullPage: true });
    const list = await api(admin, 'GET', `/api/v1/tickets?q=${encodeURIComponent(text)}`);
    assert.equal(list.total, 1);
    const id = list.items[0].id;

    // The sent report's link opens its case; back to the task list, my
    // recent reports list it, with handling on the spot offered.
    await link.click();
    const task = page.locator('[data-test=task]');
    await task.getByText(text).waitFor();
    await task.locator('[data-action=self_handle]').waitFor();
    await task.locator('.m-back').click();
    const mine = page.locator(`[data-test=tasks] [data-list=mine] [data-ticket="${id}"]`);
    await mine.locator('.m-tag.act', { hasText: '现场处置' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-my-reports.png'), fullPage: true });

    // Handle it on the spot, with a photo.
    await mine.click();
    await task.getByText(text).waitFor();
    await task.locator('[data-action=self_handle]').click();
    const act = task.locator('form[data-form=self_handle]');
    await act.getByLabel('处置说明').fill('已联系物业清运建筑垃圾');
    // Without a photo the form says so and queues nothing.
    await act.getByRole('button', { name: '提交' }).click();
    await act.locator('.m-error', { hasText: '现场处置须至少拍一张照片' }).waitFor();
    await act.locator('input[type=file]').setInputFiles({ name: 'IMG_4002.png', mimeType: 'image/png', buffer: png(36, 48) });
    await act.getByText('已选 1 张').waitFor();
    await act.locator('[data-test=distance]').waitFor();
    await assertNoOverflow(page, 'self handle');
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-self-handle.png'), fullPage: true });
    await act.getByRole('button', { name: '提交' }).click();
    await page.locator('[data-test=sent]', { hasText: '已送达' }).waitFor({ timeout: 15000 });

    const got = await api(admin, 'GET', `/api/v1/tickets/${id}`);
    assert.equal(got.status, 'closed');
    const last = got.timeline[got.timeline.length - 1];
    assert.equal(last.action, 'self_handle');
    assert.equal(last.opinion, '已联系物业清运建筑垃圾');
    assert.equal(got.photos.length, 2, 'the report\'s photo and the handling\'s');
    assert.equal(got.photos.filter((p) => p.event_id === last.id).length, 1);
    // On the phone: gone from my open reports; the case shows closed.
    await page.locator(`[data-test=tasks] [data-list=mine] [data-ticket="${id}"]`).waitFor({ state: 'detached' });
    await page.goto(`${BASE}/m/tasks/${id}`, { waitUntil: 'domcontentloaded' });
    await page.locator('[data-test=task] .m-tag', { hasText: closedName }).waitFor();
    assert.equal(await page.locator('[data-test=task] [data-action]').count(), 0, 'nothing left to do on a closed case');
    await page.screenshot({ path: path.join(ARTIFACTS, 'mobile-self-handled.png'), fullPage: true });

    // Sign-out forgets the tasks kept on the phone.
    const kept = () => page.evaluate(() => new Promise((resolve, reject) => {
      const req = indexedDB.open('gridline-m');
      req.onsuccess = () => {
        const all = req.result.transaction('tasks').objectStore('tasks').getAll();
        all.onsuccess = () => { resolve(all.result.length); req.result.close(); };
        all.onerror = () => reject(all.error);
      };
      req.onerror = () => reject(req.error);
    }));
    await page.locator('[data-tab=tasks]').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-test=tasks]')?.dataset.kept) > 0);
    assert.ok(await kept() > 0, 'the tasks are kept while signed in');
    await page.locator('[data-tab=grid]').click();
    await page.locator('[data-test=my-grid]').getByRole('button', { name: '退出' }).click();
    await page.getByLabel('用户名').waitFor();
    assert.equal(await kept(), 0, 'no task is kept after sign-out');
    assertNoPageErrors(errors);
    await context.close();
  });
});
