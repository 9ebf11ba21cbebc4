// Browser test of the residents' page (随手拍) on a phone, signed out: a
// resident scans a demo door plate (/report?qr=…), finds its address filled
// in, takes a photo and reports; sees the case number and follow code. The
// test then, as the demo department and admin over the API, handles the
// case: reply (a public reply and an internal note), verify, close. The
// resident follows the case by its number, sees the public reply and not
// the note, and rates it; the rating is the case's callback on its
// timeline. Last, the per-place limit shows its message.
//
//   GRIDLINE_URL=http://127.0.0.1:18103 node --test web/e2e/resident.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, PHONE, READY_TIMEOUT, assertNoOverflow, assertNoPageErrors, PASSWORD, login, pngImage } from './common.mjs';

const skip = BASE ? false : 'GRIDLINE_URL is not set';
const ADMIN = BASE ? await login('admin') : '';
const DEPT = BASE ? await login('department') : '';

async function api(token, method, p, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE + p, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => null);
  return { status: res.status, data };
}
async function must(token, method, p, body) {
  const r = await api(token, method, p, body);
  assert.ok(r.status < 300, `${method} ${p} answered ${r.status}: ${JSON.stringify(r.data)}`);
  return r.data;
}

// png returns a small real PNG (a sky over a road with a dark hole), as a
// phone's camera would give a picture of a pothole, made here so the test
// needs no file.
function png(w = 48, h = 36) {
  return pngImage(w, h, (x, y) => {
    const hole = (x - w / 2) ** 2 + ((y - h * 0.7) * 1.6) ** 2 < 60;
    return y < h / 3 ? [135, 190, 235] : hole ? [30, 30, 30] : [110, 110, 115];
  });
}

const phone = () => `13${5 + Math.floor(Math.random() * 4)}${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

describe('residents\' page', { skip }, () => {
  let browser;
  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  });
  after(async () => {
    if (browser) await browser.close();
  });

  async function phonePage(context, urlPath) {
    const page = await context.newPage();
    const errors = [];
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // The refusals the test provokes: a wrong follow code (404) and
      // the place's limit (429), logged by the browser as failed loads.
      const url = msg.location().url || '';
      if (/status of 404/.test(msg.text()) && url.includes('/api/v1/public/cases/')) return;
      if (/status of 429/.test(msg.text()) && url.includes('/api/v1/public/reports')) return;
      errors.push(`console.error: ${msg.text()} ${url}`);
    });
    page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
    await page.goto(BASE + urlPath, { waitUntil: 'domcontentloaded' });
    return { page, errors };
  }

  async function shot(page, file) {
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
  }

  test('scan a door plate, report with a photo, follow, see the reply, rate; the place\'s limit', { timeout: 300_000 }, async () => {
    // A demo address with its door plate, as the admin sees it; a random
    // one, so that runs within the hour do not meet the place's limit.
    const list = await must(ADMIN, 'GET', `/api/v1/addresses?limit=1&offset=${Math.floor(Math.random() * 500)}`);
    const addr = list.items[0];
    assert.ok(addr && addr.qr_token, 'a demo address with a QR token');
    // What the plate's QR code encodes, after the server's address.
    assert.equal(addr.report_path, `/report?qr=${addr.qr_token}`);

    const context = await browser.newContext({ locale: 'zh-CN', ...PHONE });
    const { page, errors } = await phonePage(context, addr.report_path);

    // The plate's address is filled in, and pinned on the map.
    const plate = page.locator('[data-test=plate]');
    await plate.waitFor({ timeout: READY_TIMEOUT });
    assert.equal((await plate.locator('.res-plate-addr').textContent()).trim(), addr.full_name);
    assert.equal(await page.locator('#res-address').inputValue(), addr.full_name, 'the address field is filled in');
    await page.locator('.res-map').getByRole('img', { name: 'Map marker' }).waitFor({ timeout: READY_TIMEOUT });
    assert.equal(await page.locator('.topbar').count(), 0, 'no staff header on the public page');
    assert.ok((await page.locator('.res-tabs').textContent()).includes('查询进度'));

    // Submitting empty says what is missing.
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByText('请描述问题').waitFor();
    await page.getByText('请填写手机号').waitFor();

    // Photo, text, phone.
    await page.locator('[data-test=photo-input]').setInputFiles({ name: 'IMG_2041.png', mimeType: 'image/png', buffer: png() });
    await page.locator('.res-thumb img').waitFor();
    const text = `单元门口地面塌陷一个坑，晚上容易绊倒 ${Date.now()}`;
    await page.locator('#res-text').fill(text);
    const tel = phone();
    await page.locator('#res-phone').fill(tel);
    await assertNoOverflow(page, 'report form');
    await shot(page, 'resident-report-form.png');

    await page.getByRole('button', { name: '提交' }).click();
    const receipt = page.locator('[data-test=receipt]');
    await receipt.waitFor({ timeout: 30_000 });
    const number = (await receipt.locator('[data-test=number]').textContent()).trim();
    const code = (await receipt.locator('[data-test=code]').textContent()).trim();
    assert.match(number, /^370812-\d{8}-\d{6}$/);
    assert.match(code, /^[2-9A-HJ-NP-Z]{10}$/);
    assert.ok((await receipt.textContent()).includes('已受理'), 'the receipt shows the stage');
    await shot(page, 'resident-receipt.png');

    // The case, as staff see it: on snap_report, at the plate's
    // community, the phone masked, the photo kept.
    const found = await must(ADMIN, 'GET', `/api/v1/tickets?channel=snap_report&q=${encodeURIComponent(text)}`);
    assert.equal(found.items.length, 1, 'the case is listed');
    const id = found.items[0].id;
    let tk = await must(ADMIN, 'GET', `/api/v1/tickets/${id}`);
    assert.equal(tk.number, number);
    assert.equal(tk.address, addr.full_name);
    assert.equal(tk.community_code, addr.community_code, 'placed at the plate');
    assert.equal(tk.reporter.phone, `${tel.slice(0, 3)}****${tel.slice(7)}`, 'the phone is masked');
    assert.equal(tk.photos.length, 1, 'the photo is kept');

    // Handling over the API: filed and dispatched to the demo
    // department, which signs and replies; verified and closed.
    const me = await must(DEPT, 'GET', '/api/v1/auth/me');
    const unit = me.grants.find((g) => g.unit_id).unit_id;
    const reply = '已安排施工队回填修复塌陷路面，并设置警示标志。感谢您的反映！';
    const note = '内部：施工队周三进场，费用走社区维修基金';
    for (const [token, action, body] of [
      [ADMIN, 'file', {}],
      [ADMIN, 'dispatch', { lead_unit: unit, deadline: new Date(Date.now() + 5 * 86400e3).toISOString() }],
      [DEPT, 'sign', {}],
      [DEPT, 'reply', { opinion: reply, note }],
      [ADMIN, 'verify', { outcome: 'passed' }],
      [ADMIN, 'close', {}],
    ]) {
      tk = await must(token, 'POST', `/api/v1/tickets/${id}/actions/${action}`, body);
    }
    assert.equal(tk.status, 'closed');

    // The resident follows the case: the code is remembered by the phone.
    await page.getByRole('link', { name: '查看进度' }).click();
    const card = page.locator('[data-test=case]');
    await card.waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#res-code').inputValue(), code, 'the follow code is filled in from this phone');
    assert.equal((await card.locator('[data-test=stage]').textContent()).trim(), '已办结');
    const cats = await must(ADMIN, 'GET', '/api/v1/categories');
    const cat = (cats.items || cats).find((c) => c.code === tk.category);
    assert.ok(cat, `category ${tk.category} in the catalogue`);
    assert.equal((await card.locator('[data-test=category]').textContent()).trim(), cat.name, 'the category is named');
    assert.ok((await card.textContent()).includes(addr.full_name), 'the address is shown');
    const replies = await card.locator('[data-test=replies]').textContent();
    assert.ok(replies.includes(reply), 'the public reply is shown');
    const shown = await page.locator('.res-page').textContent();
    for (const secret of [note, '维修基金', tel, tel.slice(7), 'department']) {
      assert.ok(!shown.includes(secret), `the page shows ${secret}`);
    }
    await shot(page, 'resident-follow.png');

    // A wrong code looks like an unknown case.
    await page.locator('#res-code').fill('ZZZZZZZZZZ');
    await page.getByRole('button', { name: '查询' }).click();
    await page.locator('[data-test=follow-error]').filter({ hasText: '没有找到这个案件' }).waitFor();
    assert.equal(await card.count(), 0, 'nothing of the case is shown');
    // The whole phone number the case was reported with follows it too.
    await page.locator('#res-code').fill(tel);
    await page.getByRole('button', { name: '查询' }).click();
    await card.waitFor();
    assert.equal((await card.locator('[data-test=stage]').textContent()).trim(), '已办结', 'followed by the phone number');
    await page.locator('#res-code').fill(code.toLowerCase());
    await page.getByRole('button', { name: '查询' }).click();
    await card.waitFor();

    // Rating.
    const rate = card.locator('[data-test=rate]');
    await rate.getByRole('button', { name: '提交评价' }).click();
    await rate.getByText('请选择满意程度').waitFor();
    await rate.getByRole('radio', { name: '满意', exact: true }).click();
    await rate.getByRole('radio', { name: '已解决' }).click();
    await rate.getByRole('textbox').fill('修得很快，谢谢！');
    await shot(page, 'resident-rate.png');
    await rate.getByRole('button', { name: '提交评价' }).click();
    const rated = card.locator('[data-test=rated]');
    await rated.waitFor();
    assert.ok((await rated.textContent()).includes('满意'), 'the rating is shown');
    assert.equal(await card.locator('[data-test=rate]').count(), 0, 'no second rating');
    await assertNoOverflow(page, 'follow page');
    await shot(page, 'resident-rated.png');

    // The rating is the case's callback on its timeline.
    tk = await must(ADMIN, 'GET', `/api/v1/tickets/${id}`);
    const last = tk.timeline[tk.timeline.length - 1];
    assert.equal(last.action, 'callback');
    assert.equal(last.outcome, 'satisfied');
    assert.equal(last.from, 'closed');
    assert.equal(last.to, 'closed');
    assert.equal(last.contacted, true);
    assert.equal(last.resolved, true);
    assert.equal(last.actor, '群众（随手拍）');
    assert.ok(last.note.includes('修得很快'), 'the comment is the event\'s note');

    // English.
    await page.getByRole('button', { name: 'EN' }).click();
    await card.getByText('Closed').waitFor();
    await rated.getByText('Satisfied').waitFor();
    await shot(page, 'resident-follow-en.png');
    await page.getByRole('button', { name: '中文' }).click();

    // The place's limit: the plate has had one report; two more (over the
    // API, signed out) reach it, and the page shows the refusal.
    for (let i = 0; i < 2; i++) {
      const r = await api('', 'POST', '/api/v1/public/reports', { text: `楼道灯不亮 ${i}`, qr: addr.qr_token, phone: phone() });
      assert.ok(r.status === 201 || r.status === 429, `report ${i}: ${r.status} ${JSON.stringify(r.data)}`);
    }
    const again = await phonePage(context, `/report?qr=${encodeURIComponent(addr.qr_token)}`);
    await again.page.locator('[data-test=plate]').waitFor({ timeout: READY_TIMEOUT });
    await again.page.locator('#res-text').fill('楼道灯不亮');
    await again.page.locator('#res-phone').fill(phone());
    await again.page.getByRole('button', { name: '提交' }).click();
    const err = again.page.locator('[data-test=error]');
    await err.waitFor({ timeout: 30_000 });
    const msg = await err.textContent();
    assert.ok(msg.includes('提交过于频繁'), msg);
    assert.ok(msg.includes('这个地点 1 小时内已有 3 次上报'), msg);
    assert.match(msg, /约 \d+ 分钟后可再次提交/);
    await shot(again.page, 'resident-limit.png');

    assertNoPageErrors(errors);
    assertNoPageErrors(again.errors);
    await context.close();
  });
});
