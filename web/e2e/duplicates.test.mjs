// Browser test of duplicate cases on the case page (疑似重复工单): one
// broken street lamp reported twice — a 12345 call taken in over the API and
// a grid worker's note taken in on the intake form a few metres away — the
// newer case's page lists the older one with its score and reasons, a
// dispatcher merges it there, follows the link to the master, comes back
// and unmerges it, and the candidate is listed again. Checked against the
// API at each step; a merge on a stale version is refused and shown.
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/duplicates.test.mjs
//
// Environment: as tickets.test.mjs; the dispatcher is the demo's `command`
// account (区指挥中心值班员), logged in with GRIDLINE_PASSWORD.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, PHONE, READY_TIMEOUT, REGION, assertNoOverflow, assertNoPageErrors, centroid, login,
} from './common.mjs';

const DESKTOP = { viewport: { width: 1440, height: 900 } };

describe('duplicate cases on the case page', { skip: BASE ? false : 'GRIDLINE_URL is not set (see scripts/browser-test.sh)' }, () => {
  let browser;
  let token;
  let enums;

  async function api(method, p, body) {
    const headers = { Accept: 'application/json', Authorization: `Bearer ${token}` };
    if (body) headers['Content-Type'] = 'application/json';
    const res = await fetch(BASE + p, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const data = await res.json().catch(() => null);
    assert.ok(res.ok, `${method} ${p} answered ${res.status}: ${JSON.stringify(data)}`);
    return data;
  }
  const getJSON = (p) => api('GET', p);
  const label = (list, code) => enums[list].find((x) => x.code === code).name;

  // openPage opens a page of context that collects console errors,
  // uncaught exceptions and failed requests.
  async function openPage(context) {
    const page = await context.newPage();
    const errors = [];
    const expected = []; // errors provoked on purpose: a browser logs every 4xx answer
    page.on('console', (msg) => {
      if (msg.type() !== 'error' || expected.some((re) => re.test(msg.text()))) return;
      errors.push(`console.error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
    page.on('requestfailed', (req) => {
      const f = req.failure();
      if (f && f.errorText === 'net::ERR_ABORTED') return;
      errors.push(`request failed: ${req.method()} ${req.url()}: ${f ? f.errorText : ''}`);
    });
    return { page, errors, expected };
  }

  // fullShot screenshots the case page whole: its content scrolls inside
  // the app shell, so the window is made as tall as the content.
  async function fullShot(page, file) {
    const size = page.viewportSize();
    const h = await page.evaluate(() => {
      const el = document.querySelector('.ticket-page');
      const head = document.querySelector('.topbar');
      return el ? Math.ceil(el.scrollHeight + (head ? head.offsetHeight : 0)) : 0;
    });
    if (h > size.height) await page.setViewportSize({ width: size.width, height: Math.min(h, 4000) });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
    await page.setViewportSize(size);
  }

  // pickSpot finds an urban grid other tests do not report in, and a
  // point inside it that /api/v1/locate places there (the rule intake uses).
  async function pickSpot() {
    const list = await getJSON(`/api/v1/grids?within=${REGION}&layer=party&limit=60`);
    for (const g of list.items.slice(20)) {
      const d = await getJSON(`/api/v1/grids/${g.code}`);
      const ring = d.geometry.type === 'Polygon' ? d.geometry.coordinates[0] : d.geometry.coordinates[0][0];
      const [lon, lat] = centroid(ring);
      const loc = await fetch(`${BASE}/api/v1/locate?lon=${lon}&lat=${lat}`).then((r) => r.json());
      if (loc.grid && loc.grid.code === d.code) return { grid: d, lon, lat };
    }
    assert.fail('found no urban grid whose centroid intake would place in it');
  }

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}: install Debian's chromium or set CHROMIUM_PATH`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    token = await login('command');
    enums = await getJSON('/api/v1/enums');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('candidates, merge from the card, the master, unmerge', { timeout: 240_000 }, async () => {
    const { grid, lon, lat } = await pickSpot();
    const stamp = Date.now();
    // The call: taken in over the API, about 17 m south of where the
    // grid worker will stand.
    const call = (await api('POST', '/api/v1/tickets', {
      channel: 'hotline',
      text: `${grid.name}路边的路灯坏了，晚上一直不亮，走路看不清（浏览器测试 ${stamp}）`,
      lon,
      lat: lat - 0.00015,
      reporter: { name: '王先生', phone: '13800001111' },
    })).ticket;
    assert.equal(call.status, 'received');

    const context = await browser.newContext({ locale: 'zh-CN', ...DESKTOP });
    await context.addInitScript((tok) => { try { localStorage.setItem('gridline.token', tok); } catch { /* about:blank */ } }, token);
    const { page, errors, expected } = await openPage(context);
    try {
      // The grid worker's note, on the intake form at the map's centre.
      await page.goto(`${BASE}/tickets/new?region=${REGION}#17/${lat}/${lon}`, { waitUntil: 'domcontentloaded' });
      const map = page.locator('[role="region"].map-canvas');
      await page.locator('[role="region"].map-canvas[aria-busy="false"]').waitFor({ timeout: READY_TIMEOUT });
      const box = await map.boundingBox();
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.locator('.tn-place .tn-grid').waitFor({ timeout: 10_000 });
      await page.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name: '来源渠道', exact: true }) }).click();
      await page.getByRole('option', { name: label('channels', 'grid_patrol'), exact: true }).click();
      await page.getByRole('textbox', { name: '诉求内容' }).fill(`网格员巡查发现${grid.name}一盏路灯夜间不亮（浏览器测试 ${stamp}）`);
      await page.getByRole('button', { name: '受理', exact: true }).click();
      await page.waitForURL(/\/tickets\/\d+/);
      const id = Number(/\/tickets\/(\d+)/.exec(page.url())[1]);
      assert.ok(page.url().includes(`region=${REGION}`), 'the case page lost the region scope');
      const note = await getJSON(`/api/v1/tickets/${id}`);
      assert.equal(note.status, 'received');

      // The card: the call among the candidates, as the API ranks them,
      // with what its score is made of; intake's notice above it.
      const want = (await getJSON(`/api/v1/tickets/${id}/duplicates`)).items;
      const c = want.find((x) => x.id === call.id);
      assert.ok(c, `the API does not offer the call ${call.number} as a duplicate of ${note.number}: ${JSON.stringify(want)}`);
      const card = page.getByRole('region', { name: '疑似重复工单' });
      const item = card.locator(`.tp-dup[data-id="${call.id}"]`);
      await item.waitFor({ timeout: 10_000 });
      assert.equal(await card.locator('.tp-dup').count(), want.length, 'the card lists the API\'s candidates');
      const ids = await card.locator('.tp-dup').evaluateAll((els) => els.map((e) => Number(e.dataset.id)));
      assert.deepEqual(ids, want.map((x) => x.id), 'the candidates in the API\'s order');
      await card.getByRole('alert').filter({ hasText: `受理时发现 ${want.length} 个疑似重复工单` }).waitFor();
      const link = item.getByRole('link', { name: call.number, exact: true });
      assert.match(await link.getAttribute('href'), new RegExp(`/tickets/${call.id}\\?region=${REGION}$`));
      assert.equal((await item.locator('.tp-dup-score').textContent()).trim(), `匹配度 ${Math.round(c.score * 100)}%`);
      assert.equal((await item.locator('.tp-dup-dist').textContent()).trim(), `相距 ${Math.round(c.reasons.distance_m)} 米`);
      assert.ok(c.reasons.distance_m >= 10 && c.reasons.distance_m <= 25, `the two reports are ${c.reasons.distance_m} m apart`);
      assert.equal((await item.locator('.tp-dup-apart').textContent()).trim(), '相隔不到 1 小时');
      const cat = { sub: '同一小类', main: '同一大类', related: '相关类别', suggested: '按描述推断同类', '': '类别不同' }[c.reasons.same_category];
      assert.equal((await item.locator('.tp-dup-cat').textContent()).trim(), cat);
      assert.equal((await item.locator('.tp-dup-sim').textContent()).trim(), `文本相似度 ${Math.round(c.reasons.text_similarity * 100)}%`);
      assert.equal(await item.locator('.tp-dup-other').count(), 0, 'one spot: no other building, unit, gate or flat');
      const itemText = await item.textContent();
      for (const s of [label('ticket_statuses', 'received'), label('channels', 'hotline'), '路灯坏了']) {
        assert.ok(itemText.includes(s), `the candidate lacks ${s}: ${itemText}`);
      }
      // The candidates on the map, numbered as in the card.
      const marks = page.locator('.ticket-map-other');
      await page.waitForFunction((n) => document.querySelectorAll('.ticket-map-other').length === n, want.length, { timeout: 10_000 });
      const rank = want.findIndex((x) => x.id === call.id) + 1;
      assert.equal((await marks.and(page.locator(`[data-id="${call.id}"]`)).textContent()).trim(), String(rank));
      assert.equal((await item.locator('.tp-dup-rank').textContent()).trim(), String(rank));
      await page.locator('[role="region"].ticket-map-canvas[aria-busy="false"]').waitFor({ timeout: READY_TIMEOUT });
      await assertNoOverflow(page, 'case page with duplicates');
      await fullShot(page, 'duplicates-card.png');

      // Someone else files the case meanwhile: the merge is refused as
      // the action dialog's are (409, a stale version), the page shows
      // the case as it is now, and its candidates again.
      await api('POST', `/api/v1/tickets/${id}/actions/file`, { version: note.version });
      const confirm = page.getByRole('dialog', { name: '合并工单' });
      expected.push(/status of 409/);
      await item.getByRole('button', { name: '合并到此工单' }).click();
      await confirm.getByRole('button', { name: '确定合并' }).click();
      await page.getByRole('alert').filter({ hasText: '工单已被他人办理，操作未执行，已重新加载' }).waitFor({ timeout: 10_000 });
      await page.waitForFunction((w) => {
        const tag = document.querySelector('.tp-head .tp-status');
        return tag && tag.textContent.trim() === w;
      }, label('ticket_statuses', 'filed'), { timeout: 10_000 });
      assert.equal((await getJSON(`/api/v1/tickets/${id}`)).status, 'filed', 'the refused merge changed the case');
      await item.waitFor({ timeout: 10_000 });
      await page.screenshot({ path: path.join(ARTIFACTS, 'duplicates-merge-stale.png') });

      // Merge from the card: a confirmation naming both cases.
      await item.getByRole('button', { name: '合并到此工单' }).click();
      await confirm.waitFor();
      const asked = await confirm.textContent();
      assert.ok(asked.includes(note.number) && asked.includes(call.number), `the confirmation names both cases: ${asked}`);
      await page.waitForTimeout(500); // the box fades in
      await page.screenshot({ path: path.join(ARTIFACTS, 'duplicates-merge-confirm.png') });
      await confirm.getByRole('button', { name: '确定合并' }).click();
      await confirm.waitFor({ state: 'hidden' });
      const statusTag = page.locator('.tp-head .tp-status');
      await page.waitForFunction((w) => {
        const tag = document.querySelector('.tp-head .tp-status');
        return tag && tag.textContent.trim() === w;
      }, label('ticket_statuses', 'merged'), { timeout: 10_000 });
      let t = await getJSON(`/api/v1/tickets/${id}`);
      assert.equal(t.status, 'merged');
      assert.equal(t.merged_into, call.id, 'merged into the call');
      assert.equal(await page.getByRole('region', { name: '疑似重复工单' }).count(), 0, 'the candidates stay on a merged case');
      assert.equal(await page.locator('.ticket-map-other').count(), 0, 'the candidates stay on the map of a merged case');
      const merged = page.getByRole('region', { name: '本工单已合并到主工单' });
      const masterLink = merged.getByRole('link', { name: call.number, exact: true });
      await masterLink.waitFor({ timeout: 10_000 });
      assert.ok((await page.locator('.tp-desc').textContent()).includes(call.number), 'the fields name the master');
      const actionBar = page.getByRole('group', { name: '办理操作' });
      const buttons = (await actionBar.getByRole('button').allTextContents()).map((s) => s.trim()).sort();
      assert.deepEqual(buttons, t.allowed_actions.map((a) => label('ticket_actions', a)).sort(), 'the buttons are the allowed actions');
      assert.ok(t.allowed_actions.includes('unmerge'), 'a merged case may be unmerged');
      await fullShot(page, 'duplicates-merged.png');

      // The master: its page, where the merged case is no candidate.
      await masterLink.click();
      await page.waitForURL(new RegExp(`/tickets/${call.id}\\?region=${REGION}$`));
      await page.waitForFunction((n) => {
        const h = document.querySelector('.tp-number');
        return h && h.textContent.trim() === n;
      }, call.number, { timeout: 10_000 });
      const masterCard = page.getByRole('region', { name: '疑似重复工单' });
      await masterCard.locator('.tp-dup, .tp-dup-none').first().waitFor({ timeout: 10_000 });
      assert.equal(await masterCard.locator(`.tp-dup[data-id="${id}"]`).count(), 0, 'a merged case is listed as a candidate of its master');
      const timeline = (await getJSON(`/api/v1/tickets/${call.id}`)).timeline;
      assert.ok(timeline.length >= 1);
      await fullShot(page, 'duplicates-master.png');

      // Back, and unmerge: the case returns to where it was, and the
      // call is its candidate again.
      await page.goBack();
      await page.waitForURL(new RegExp(`/tickets/${id}\\?`));
      await merged.waitFor({ timeout: 10_000 });
      await actionBar.getByRole('button', { name: label('ticket_actions', 'unmerge'), exact: true }).click();
      const dialog = page.getByRole('dialog', { name: label('ticket_actions', 'unmerge') });
      await dialog.waitFor();
      await dialog.getByRole('textbox', { name: '内部备注（选填）' }).fill('路灯编号不同，不是同一盏灯');
      await dialog.getByRole('button', { name: `确定${label('ticket_actions', 'unmerge')}` }).click();
      await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
      await page.waitForFunction((w) => {
        const tag = document.querySelector('.tp-head .tp-status');
        return tag && tag.textContent.trim() === w;
      }, label('ticket_statuses', 'filed'), { timeout: 10_000 });
      t = await getJSON(`/api/v1/tickets/${id}`);
      assert.equal(t.status, 'filed', 'unmerged, the case is filed again, as before the merge');
      assert.ok(!t.merged_into, 'unmerged, the case has no master');
      const last = t.timeline[t.timeline.length - 1];
      assert.equal(last.action, 'unmerge');
      assert.equal(last.note, '路灯编号不同，不是同一盏灯');
      assert.equal(await merged.count(), 0, 'the master is still shown');
      await card.locator(`.tp-dup[data-id="${call.id}"]`).waitFor({ timeout: 10_000 });
      assert.equal((await statusTag.textContent()).trim(), label('ticket_statuses', 'filed'));
      await fullShot(page, 'duplicates-unmerged.png');

      // English: the card's words.
      await page.getByRole('radiogroup', { name: /语言|Language/ }).getByText('English').click();
      const cardEN = page.getByRole('region', { name: 'Possible duplicates' });
      await cardEN.getByRole('heading', { name: /Possible duplicates/ }).waitFor({ timeout: 5_000 });
      const itemEN = cardEN.locator(`.tp-dup[data-id="${call.id}"]`);
      assert.equal((await itemEN.locator('.tp-dup-dist').textContent()).trim(), `${Math.round(c.reasons.distance_m)} m apart`);
      assert.equal(await itemEN.getByRole('button', { name: 'Merge into this case' }).count(), 1);
      await assertNoOverflow(page, 'case page with duplicates in English');
      await page.screenshot({ path: path.join(ARTIFACTS, 'duplicates-en.png') });
      await page.getByRole('radiogroup', { name: /语言|Language/ }).getByText('中文').click();

      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }

    // A phone: the card fits.
    const phone = await browser.newContext({ locale: 'zh-CN', ...PHONE });
    await phone.addInitScript((tok) => { try { localStorage.setItem('gridline.token', tok); } catch { /* about:blank */ } }, token);
    const p2 = await openPage(phone);
    try {
      const newest = (await getJSON(`/api/v1/tickets?within=${REGION}&channel=grid_patrol&q=${encodeURIComponent(String(stamp))}`)).items[0];
      await p2.page.goto(`${BASE}/tickets/${newest.id}?region=${REGION}`, { waitUntil: 'domcontentloaded' });
      await p2.page.locator(`.tp-dup[data-id="${call.id}"]`).waitFor({ timeout: READY_TIMEOUT });
      await assertNoOverflow(p2.page, 'case page with duplicates on a phone');
      await p2.page.locator('.tp-dups').screenshot({ path: path.join(ARTIFACTS, 'duplicates-phone.png') });
      assertNoPageErrors(p2.errors);
    } finally {
      await phone.close();
    }
  });
});
