// Browser test of the desktop intake form (受理) with what a caller gives
// besides the text: a standard address found by part of its name (the
// point put on the map, its grid named, its building and entrance
// chosen), a category from the suggestions for the text, and a photo, the
// server's refusal of a bad one shown at the photos; then the case page
// showing the category, the place and the photo as an image, and the
// verify dialog taking a photo that shows on the timeline.
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/tickets-intake.test.mjs
//
// Sessions come from POST /api/v1/auth/login (demo accounts command, which
// takes cases in, and admin; password GRIDLINE_PASSWORD, default
// demo1234), put in localStorage 'gridline.token' before the pages load.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import {
  ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, READY_TIMEOUT, REGION, api, assertNoOverflow, contextWith, login, pngImage, shot,
} from './common.mjs';

const skip = BASE ? false : 'GRIDLINE_URL is not set';
const COMMAND = BASE ? await login('command') : '';
const ADMIN = BASE ? await login('admin') : '';
const command = (method, p, body) => api(COMMAND, method, p, body);
const admin = (method, p, body) => api(ADMIN, method, p, body);

// openPage opens urlPath, collecting the page's errors but for those
// listed in expected (a browser logs every 4xx answer as an error, and
// this test provokes one on purpose).
async function openPage(context, urlPath) {
  const page = await context.newPage();
  const errors = [];
  const expected = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (!expected.some((re) => re.test(text))) errors.push(`console.error: ${text}`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
  await page.goto(BASE + urlPath, { waitUntil: 'domcontentloaded' });
  return { page, errors, expected };
}

// signedIn opens a zh-CN desktop context signed in as token's user the way
// the login page leaves a browser: the session cookie, which an <img>
// sends for a photo, as well as the stored token the API client sends.
async function signedIn(token) {
  const context = await contextWith(browser, token);
  const { hostname } = new URL(BASE);
  await context.addCookies([{ name: 'gridline_session', value: token, domain: hostname, path: '/', httpOnly: true, sameSite: 'Lax' }]);
  return context;
}

// naturalWidth waits for the image img to load and returns its width in
// pixels as decoded (0 for a broken image).
async function naturalWidth(img) {
  await img.waitFor({ timeout: 10_000 });
  return img.evaluate((el) => (el.complete && el.naturalWidth ? el.naturalWidth
    : new Promise((resolve) => {
      el.addEventListener('load', () => resolve(el.naturalWidth), { once: true });
      el.addEventListener('error', () => resolve(0), { once: true });
      setTimeout(() => resolve(el.naturalWidth), 8000);
    })));
}

let browser;

describe('intake with an address, a category and photos', { skip }, () => {
  let enums;
  const label = (list, code) => enums[list].find((x) => x.code === code).name;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    enums = await command('GET', '/api/v1/enums');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });
  after(async () => { if (browser) await browser.close(); });

  test('found by address, classified from the suggestions, a photo; verified with a photo', { timeout: 240_000 }, async () => {
    // An address at a building's second entrance, and where the API
    // places its point.
    const all = (await command('GET', `/api/v1/addresses?within=${REGION}&limit=200`)).items;
    const addr = all.find((a) => a.building_id && a.entrance_no === 2 && a.grid_code);
    assert.ok(addr, 'the demo has an address at an entrance 2');
    const loc = await command('GET', `/api/v1/locate?lon=${addr.lon}&lat=${addr.lat}`);
    const building = (await command('GET', `/api/v1/buildings?grid=${loc.grid.code}&limit=2000`)).items.find((b) => b.id === addr.building_id);
    assert.ok(building, "the address's building");
    // Part of its text, as a person types it: compound, building, entrance.
    const part = addr.full_name.split(' ').slice(1).join(' ');
    assert.ok(part && part.length < addr.full_name.length, `a part of ${addr.full_name}`);
    const found = (await command('GET', `/api/v1/addresses?q=${encodeURIComponent(part)}&limit=20`)).items;
    assert.ok(found.some((a) => a.id === addr.id), 'the API finds the address by that part');

    const context = await signedIn(COMMAND);
    const { page, errors, expected } = await openPage(context, `/tickets/new?region=${REGION}`);
    await page.locator('[role="region"].map-canvas[aria-busy="false"]').waitFor({ timeout: READY_TIMEOUT });

    await page.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name: '来源渠道', exact: true }) }).click();
    await page.getByRole('option', { name: label('channels', 'hotline'), exact: true }).click();

    // The text brings the catalogue's suggestions, the server's first one
    // first; a click on one chooses it.
    const text = `小区门口路灯不亮好几天了，晚上很黑（浏览器测试 ${Date.now()}）`;
    await page.getByRole('textbox', { name: '诉求内容' }).fill(text);
    const sug = await command('GET', `/api/v1/categories/suggest?text=${encodeURIComponent(text)}`);
    assert.ok(sug.items.length, 'the API suggests a category for the text');
    const chips = page.getByTestId('category-suggestions').locator('.tn-chip');
    await chips.first().waitFor({ timeout: 10_000 });
    assert.deepEqual(await chips.evaluateAll((els) => els.map((e) => e.dataset.code)), sug.items.map((s) => s.code),
      'the chips are the API suggestions, best first');
    const cat = sug.items[0];
    await chips.first().click();
    assert.equal(await chips.first().getAttribute('aria-pressed'), 'true', 'the chip is chosen');
    // The cascader shows the choice as main class / sub-class.
    const cascader = page.locator('.tn-cascader input');
    await page.waitForFunction(() => /\//.test(document.querySelector('.tn-cascader input').value));
    assert.match(await cascader.inputValue(), new RegExp(`/ ${cat.name}$`), 'the cascader shows the sub-class chosen');

    // The address search: part of the name lists the address; picking it
    // puts the point on the map, names the grid, chooses the building and
    // the entrance, and fills the address.
    const search = page.getByLabel('搜索标准地址，或粘贴二维码门牌');
    await search.fill(part);
    const option = page.locator('.tn-address-pop li').filter({ hasText: addr.full_name });
    await option.first().waitFor({ timeout: 10_000 });
    await shot(page, 'ticket-intake-address-search.png', '.tn-form-pane');
    await option.first().click();
    const placeBox = page.locator('.tn-place');
    await placeBox.locator('.tn-grid').waitFor({ timeout: 10_000 });
    assert.equal((await placeBox.locator('.tn-grid').textContent()).trim(), loc.grid.name, 'the grid named is the one the API locates');
    assert.equal((await placeBox.locator('.tn-coords').textContent()).trim(), `${addr.lon.toFixed(6)}, ${addr.lat.toFixed(6)}`);
    await page.waitForURL((u) => u.hash.startsWith('#17/'), { timeout: 5_000 });
    const pin = page.locator('.maplibregl-marker:not(.town-label)');
    await pin.waitFor({ timeout: 5_000 });
    // The map centres on the point: the pin sits near the map's middle.
    await page.waitForTimeout(500);
    const [mbox, pbox] = [await page.locator('.tn-map-pane').boundingBox(), await pin.boundingBox()];
    const pinX = pbox.x + pbox.width / 2, pinY = pbox.y + pbox.height;
    assert.ok(Math.abs(pinX - (mbox.x + mbox.width / 2)) < 30 && Math.abs(pinY - (mbox.y + mbox.height / 2)) < 30,
      `the pin (${pinX}, ${pinY}) is not at the map's centre`);
    assert.equal(await page.getByRole('textbox', { name: '地址', exact: true }).inputValue(), addr.full_name, 'the address field');
    const picks = page.locator('[data-test="building-pick"]');
    await picks.waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-test="building-pick"] .el-select__selected-item:not(.is-hidden)').length >= 2);
    const chosen = (await picks.locator('.el-select__selected-item:not(.is-hidden)').allTextContents()).map((s) => s.trim());
    assert.ok(chosen.includes(building.name), `the building chosen: ${chosen}`);
    assert.ok(chosen.includes('2单元'), `the entrance chosen: ${chosen}`);

    // A file that is no image, named .png, gets past the browser's check;
    // the server refuses it and its message shows at the photos.
    const photoInput = page.locator('.tn-photos input[type="file"]');
    await photoInput.setInputFiles({ name: 'bad.png', mimeType: 'image/png', buffer: Buffer.from('this is not a picture') });
    await page.locator('.tn-photos .pp-thumb').waitFor();
    expected.push(/status of 400/);
    await page.getByRole('button', { name: '受理', exact: true }).click();
    const refusal = page.locator('.tn-photos .pp-server');
    await refusal.waitFor({ timeout: 10_000 });
    assert.match(await refusal.textContent(), /^photo 1: not a JPEG, PNG or WebP image/, 'the server\'s message at the photos');
    assert.match(page.url(), /\/tickets\/new/, 'nothing taken in');
    await page.getByRole('button', { name: '移除照片 1' }).click();
    await page.locator('.tn-photos .pp-thumb').waitFor({ state: 'detached' });
    assert.equal(await refusal.count(), 0, 'the refusal goes with the photo');
    assert.equal(await page.locator('.tn-error').count(), 0, 'the alert goes with the photo');

    // A real photo: a thumbnail before it is sent.
    // Big enough that the preview shows it larger than the thumbnail.
    const png = pngImage(400, 300, (x, y) => [(x * 6) & 255, (y * 8) & 255, 160]);
    await photoInput.setInputFiles({ name: 'lamp.png', mimeType: 'image/png', buffer: png });
    assert.equal(await naturalWidth(page.locator('.tn-photos .pp-thumb img')), 400, 'the thumbnail shows the photo');
    assert.match(await page.locator('.tn-photos .pp-hint').textContent(), /^1\/9 张/);
    await page.waitForTimeout(300);
    await shot(page, 'ticket-intake-form.png', '.tn-form-pane');
    await assertNoOverflow(page, 'intake page');
    await page.getByRole('button', { name: '受理', exact: true }).click();

    // The case page: the category, the place and the photo as an image.
    await page.waitForURL(/\/tickets\/\d+/, { timeout: 15_000 });
    const id = Number(/\/tickets\/(\d+)/.exec(page.url())[1]);
    let t = await command('GET', `/api/v1/tickets/${id}`);
    assert.equal(t.text, text);
    assert.equal(t.category, cat.code, 'the category sent');
    assert.equal(t.grid.code, loc.grid.code);
    assert.equal(t.building_id, addr.building_id);
    assert.equal(t.entrance, 2);
    assert.equal(t.address, addr.full_name);
    assert.equal(t.photos.length, 1, 'one photo taken in');
    assert.equal(t.photos[0].width, 400);
    await page.locator('.tp-category').waitFor({ timeout: READY_TIMEOUT });
    await page.waitForFunction((name) => document.querySelector('.tp-category').textContent.includes(` / ${name}`), cat.name);
    const desc = await page.locator('.tp-desc').textContent();
    for (const s of [loc.grid.name, loc.community.name, building.name, '2单元', addr.full_name, cat.code]) {
      assert.ok(desc.includes(s), `the case's fields lack ${s}`);
    }
    const intakeItem = page.locator('.tl-item').first();
    assert.equal((await intakeItem.locator('.tl-action').textContent()).trim(), '受理');
    assert.equal(await naturalWidth(intakeItem.locator('.tl-photo img')), 400, "the intake's photo shows as an image");
    await shot(page, 'ticket-intake-case.png', '.ticket-page');
    // A click opens it larger.
    await intakeItem.locator('.tl-photo img').click();
    const viewer = page.locator('.el-image-viewer__wrapper');
    await viewer.waitFor({ timeout: 5_000 });
    const big = viewer.locator('img.el-image-viewer__img');
    assert.equal(await naturalWidth(big), 400);
    const bigBox = await big.boundingBox();
    assert.ok(bigBox.width > 200, `the preview is larger than the thumbnail (${bigBox.width}px)`);
    await page.screenshot({ path: `${ARTIFACTS}/ticket-intake-photo-preview.png` });
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached', timeout: 5_000 });

    // To verifying over the API (filed, dispatched, signed, replied), then
    // verified in the dialog with a photo.
    const unit = (await admin('GET', '/api/v1/units?kind=department&limit=1')).items[0];
    await admin('POST', `/api/v1/tickets/${id}/actions/file`, {});
    await admin('POST', `/api/v1/tickets/${id}/actions/dispatch`, { lead_unit: unit.id });
    await admin('POST', `/api/v1/tickets/${id}/actions/sign`, {});
    await admin('POST', `/api/v1/tickets/${id}/actions/reply`, { opinion: '已更换灯具，路灯恢复照明。' });
    t = await command('GET', `/api/v1/tickets/${id}`);
    assert.equal(t.status, 'verifying');
    await page.reload({ waitUntil: 'domcontentloaded' });
    const verifyName = label('ticket_actions', 'verify');
    const bar = page.getByRole('group', { name: '办理操作' });
    await bar.getByRole('button', { name: verifyName, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: verifyName });
    await dialog.waitFor({ state: 'visible' });
    await dialog.locator('.el-radio').filter({ hasText: /^\s*核查通过\s*$/ }).click();
    const onSite = pngImage(24, 18, (x, y) => [200, x * 10, y * 12]);
    await dialog.locator('.ta-photos input[type="file"]').setInputFiles({ name: 'site.png', mimeType: 'image/png', buffer: onSite });
    assert.equal(await naturalWidth(dialog.locator('.ta-photos .pp-thumb img')), 24, 'the thumbnail in the dialog');
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${ARTIFACTS}/ticket-intake-verify-dialog.png` });
    await dialog.getByRole('button', { name: `确定${verifyName}` }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });

    t = await command('GET', `/api/v1/tickets/${id}`);
    assert.equal(t.status, 'callback');
    const verified = t.timeline.find((e) => e.action === 'verify');
    const sitePhoto = t.photos.find((p) => p.event_id === verified.id);
    assert.ok(sitePhoto && sitePhoto.width === 24, "the verify entry's photo");
    const verifyItem = page.locator('.tl-item').filter({ has: page.locator('.tl-action', { hasText: new RegExp(`^${verifyName}$`) }) });
    await verifyItem.waitFor({ timeout: 10_000 });
    const img = verifyItem.locator('.tl-photo img');
    assert.equal(await img.count(), 1, 'one photo on the verify entry');
    assert.equal(await naturalWidth(img), 24, "the verify entry's photo shows as an image");
    assert.equal(await page.locator('.tl-photo').count(), 2, 'two photos on the timeline: intake and verify');
    await shot(page, 'ticket-intake-verified.png', '.ticket-page');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('handled on the spot with a photo; a file that is no image is refused before sending', { timeout: 120_000 }, async () => {
    const addr = (await command('GET', `/api/v1/addresses?within=${REGION}&limit=1&offset=3`)).items[0];
    const made = await command('POST', '/api/v1/tickets', { channel: 'hotline', text: `楼道堆放杂物（浏览器测试 ${Date.now()}）`, lon: addr.lon, lat: addr.lat });
    const id = made.ticket.id;
    const context = await signedIn(COMMAND);
    const { page, errors } = await openPage(context, `/tickets/${id}?region=${REGION}`);
    await page.locator('.tp-head .tp-status').waitFor({ timeout: READY_TIMEOUT });
    assert.equal((await page.locator('.tp-category').textContent()).trim().length > 0, true, 'the category is named');
    const name = label('ticket_actions', 'self_handle');
    await page.getByRole('group', { name: '办理操作' }).getByRole('button', { name, exact: true }).click();
    const dialog = page.getByRole('dialog', { name });
    await dialog.waitFor({ state: 'visible' });
    const input = dialog.locator('.ta-photos input[type="file"]');
    // Handled on the spot shows what was done: without a photo the dialog
    // says so beside the photos and sends nothing.
    await dialog.getByRole('button', { name: `确定${name}` }).click();
    await dialog.locator('.ta-photos .pp-server').waitFor();
    assert.equal((await dialog.locator('.ta-photos .pp-server').textContent()).trim(), '请至少上传一张处置照片');
    assert.equal((await command('GET', `/api/v1/tickets/${id}`)).status, 'received', 'nothing was sent');
    // The browser's check: not an image type, not added, and why.
    await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    const local = dialog.locator('.ta-photos .pp-error:not(.pp-server)');
    await local.waitFor();
    assert.equal((await local.textContent()).trim(), 'notes.txt 不是 JPG、PNG 或 WebP 图片');
    assert.equal(await dialog.locator('.ta-photos .pp-thumb').count(), 0);
    await input.setInputFiles([
      { name: 'a.png', mimeType: 'image/png', buffer: pngImage(30, 20, () => [10, 120, 200]) },
      { name: 'b.png', mimeType: 'image/png', buffer: pngImage(20, 30, () => [220, 120, 10]) },
    ]);
    assert.equal(await dialog.locator('.ta-photos .pp-thumb').count(), 2);
    assert.equal(await dialog.locator('.ta-photos .pp-error').count(), 0, 'the refusal goes with the next pick');
    await dialog.locator('.ta-opinion textarea').fill('已现场清理楼道杂物。');
    await dialog.getByRole('button', { name: `确定${name}` }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    const t = await command('GET', `/api/v1/tickets/${id}`);
    const ev = t.timeline.find((e) => e.action === 'self_handle');
    assert.ok(ev, 'handled on the spot');
    assert.deepEqual(t.photos.filter((p) => p.event_id === ev.id).map((p) => [p.n, p.width]), [[1, 30], [2, 20]]);
    const item = page.locator('.tl-item').filter({ has: page.locator('.tl-action', { hasText: new RegExp(`^${name}$`) }) });
    await item.waitFor({ timeout: 10_000 });
    const imgs = item.locator('.tl-photo img');
    await imgs.nth(1).waitFor({ timeout: 10_000 }); // a stored token's photos are fetched first
    assert.equal(await imgs.count(), 2);
    assert.deepEqual([await naturalWidth(imgs.nth(0)), await naturalWidth(imgs.nth(1))], [30, 20], 'both photos show as images');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a QR door plate pasted in finds its address', { timeout: 120_000 }, async () => {
    const addr = (await command('GET', `/api/v1/addresses?within=${REGION}&limit=5&offset=7`)).items[0];
    const context = await signedIn(COMMAND);
    const { page, errors } = await openPage(context, `/tickets/new?region=${REGION}`);
    await page.locator('[role="region"].map-canvas[aria-busy="false"]').waitFor({ timeout: READY_TIMEOUT });
    await page.getByLabel('搜索标准地址，或粘贴二维码门牌').fill(`${BASE}${addr.report_path}`);
    const option = page.locator('.tn-address-pop li').filter({ hasText: addr.full_name });
    await option.waitFor({ timeout: 10_000 });
    assert.match(await option.textContent(), /二维码门牌/);
    await option.click();
    await page.locator('.tn-place .tn-grid').waitFor({ timeout: 10_000 });
    assert.equal((await page.locator('.tn-place .tn-coords').textContent()).trim(), `${addr.lon.toFixed(6)}, ${addr.lat.toFixed(6)}`);
    assert.equal(await page.getByRole('textbox', { name: '地址', exact: true }).inputValue(), addr.full_name);
    // A click elsewhere on the map drops the address found before.
    const box = await page.locator('[role="region"].map-canvas').boundingBox();
    await page.mouse.click(box.x + box.width / 2 + 150, box.y + box.height / 2 + 120);
    await page.waitForFunction((lon) => !document.querySelector('.tn-place .tn-coords').textContent.startsWith(lon), addr.lon.toFixed(6));
    assert.equal(await page.getByRole('textbox', { name: '地址', exact: true }).inputValue(), '', 'the address of another place is dropped');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
