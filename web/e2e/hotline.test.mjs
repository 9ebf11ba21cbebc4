// Browser test of the 12345 page (/hotline): staff upload the platform's
// case export and read the report line by line (imported, skipped on a
// second import, a bad row named by line and field, an all-or-nothing
// import refused); an admin adds a status-webhook subscriber and sees the
// delivery a status change queued; a street sees the import but not the
// webhooks, a grid worker not the page.
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/hotline.test.mjs
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, READY_TIMEOUT, REGION, assertNoPageErrors, PASSWORD, login } from './common.mjs';

const skip = BASE ? false : 'GRIDLINE_URL is not set';
const ADMIN = BASE ? await login('admin') : '';

async function api(method, p, body, token = ADMIN) {
  const res = await fetch(BASE + p, {
    method,
    headers: { Accept: 'application/json', Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => null);
  assert.ok(res.ok, `${method} ${p} answered ${res.status}: ${JSON.stringify(data)}`);
  return data;
}

describe('12345 page', { skip }, () => {
  let browser;
  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });
  after(async () => { if (browser) await browser.close(); });

  async function open(token, viewport = { width: 1440, height: 1000 }) {
    const context = await browser.newContext({ locale: 'zh-CN', viewport });
    await context.addInitScript((tok) => { try { localStorage.setItem('gridline.token', tok); } catch { /* about:blank */ } }, token);
    const page = await context.newPage();
    const errors = [];
    page.on('console', (msg) => {
      // A refused import is a 422 the page shows; the browser logs the status.
      if (msg.type() === 'error' && !/status of 422/.test(msg.text())) errors.push(`console.error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
    return { context, page, errors };
  }

  test('import an export, read its report, add a webhook subscriber and see a delivery', { timeout: 180_000 }, async () => {
    // A compound of the demo and its community name make an address the
    // import places; a road alone is not placed; a bad time is a bad row.
    const compound = (await api('GET', '/api/v1/compounds?limit=1')).items[0];
    const community = await api('GET', `/api/v1/regions/${compound.community_code}`).catch(() => null);
    const where = `${community ? community.name : ''}${compound.name}`;
    const stamp = Date.now();
    const ids = [`E2E${stamp}1`, `E2E${stamp}2`, `E2E${stamp}3`];
    const csv = '工单编号,来电时间,来电人,联系电话,诉求内容,诉求地址,诉求类型,办理时限\n'
      + `${ids[0]},2026-11-20 09:30,王先生,13800001111,小区门口垃圾桶满了没人清运，气味很大,${where},,2026-11-25 17:00\n`
      + `${ids[1]},2026-11-20 10:05,李女士,13900002222,路边井盖松动，车辆经过响声很大,某某路与幸福街交叉口,,\n`
      + `${ids[2]},昨天下午,赵先生,13700003333,路灯不亮,${where},,\n`;

    const { context, page, errors } = await open(ADMIN);
    await page.goto(`${BASE}/hotline?region=${REGION}`, { waitUntil: 'domcontentloaded' });
    await page.getByRole('link', { name: '12345对接' }).first().waitFor({ timeout: READY_TIMEOUT });
    await page.getByRole('heading', { name: '导入12345工单导出' }).waitFor({ timeout: READY_TIMEOUT });

    const upload = async () => {
      await page.locator('input[name="file"]').setInputFiles({ name: '12345导出.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
      await page.getByRole('button', { name: '导入', exact: true }).click();
    };
    const figure = async (k) => (await page.getByTestId('import-report').getByTestId(k).textContent()).trim();

    await upload();
    await page.getByTestId('import-report').waitFor({ timeout: READY_TIMEOUT });
    assert.equal(await figure('rows'), '3');
    assert.equal(await figure('imported'), '2');
    assert.equal(await figure('existing'), '0');
    assert.equal(await figure('failed'), '1');
    // The bad row is named by its line (the header is line 1) and field.
    const bad = page.getByTestId('import-errors').locator('tbody tr');
    assert.equal(await bad.count(), 1);
    const badText = await bad.first().innerText();
    assert.match(badText, /^4\s/, `the bad row's line: ${badText}`);
    assert.ok(badText.includes(ids[2]) && badText.includes('reported_at'), `the bad row: ${badText}`);
    // One placed in the compound, one waiting unlocated, with a link to the queue.
    const report = page.getByTestId('import-report');
    assert.ok(/定位到(小区|楼栋) 1/.test(await report.innerText()), await report.innerText());
    await report.getByRole('link', { name: /待定位工单/ }).waitFor();
    // The row left unplaced is listed by its line, with why.
    const unplaced = page.getByTestId('import-unplaced').locator('tbody tr');
    assert.equal(await unplaced.count(), 1);
    const unplacedText = await unplaced.first().innerText();
    assert.ok(/^3\s/.test(unplacedText) && unplacedText.includes(ids[1]) && unplacedText.includes('某某路与幸福街交叉口'),
      `the unplaced row: ${unplacedText}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'hotline-import.png'), fullPage: true });

    // Twice: nothing new, the two cases counted as already here.
    await upload();
    await page.waitForFunction(() => document.querySelector('[data-testid="import-report"] [data-testid="existing"]')?.textContent.trim() === '2',
      null, { timeout: READY_TIMEOUT });
    assert.equal(await figure('imported'), '0');

    // All or nothing: the bad row refuses the whole file, and the page says so.
    await page.getByText('有错误行则整个文件不导入').click();
    await upload();
    await page.getByText('按要求整个文件未导入').waitFor({ timeout: READY_TIMEOUT });

    // Three uploads later each good row is one case: the placed one waits
    // to be filed, the other to be placed.
    const period = 'from=2026-11-20T01:00:00Z&to=2026-11-20T03:00:00Z';
    for (const [id, status] of [[ids[0], 'received'], [ids[1], 'unlocated']]) {
      const found = await api('GET', `/api/v1/tickets?channel=hotline&status=${status}&${period}&limit=500`);
      assert.equal(found.items.filter((c) => c.external_id === id).length, 1, `${id} once, ${status}`);
    }

    // Webhooks: an admin adds the platform's endpoint; a status change of an
    // imported case queues a delivery, shown with the case's 12345 number.
    const secret = 'e2e-secret-0123456789';
    await page.getByPlaceholder('名称').fill('省12345平台（测试）');
    await page.getByLabel('接收地址').fill('http://127.0.0.1:9/status');
    await page.getByLabel('签名密钥（至少16位）').fill(secret);
    await page.getByRole('button', { name: '添加订阅方' }).click();
    const hooks = page.getByTestId('webhooks');
    await hooks.getByText('省12345平台（测试）').waitFor({ timeout: READY_TIMEOUT });
    assert.ok(!(await page.content()).includes(secret), 'the secret is never shown');

    const list = await api('GET', `/api/v1/tickets?channel=hotline&status=received&${period}&limit=500`);
    const mine = list.items.find((c) => c.external_id === ids[0]);
    assert.ok(mine, `the placed case ${ids[0]} waits in received: ${list.items.map((c) => c.external_id).join(',')}`);
    await api('POST', `/api/v1/tickets/${mine.id}/actions/file`, { opinion: '已受理' });
    await page.reload({ waitUntil: 'domcontentloaded' });
    const row = page.getByTestId('webhooks').locator('tbody tr', { hasText: '省12345平台（测试）' });
    await row.waitFor({ timeout: READY_TIMEOUT });
    await row.getByRole('button', { name: '投递记录' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(ids[0]).waitFor({ timeout: READY_TIMEOUT });
    assert.ok((await dialog.innerText()).includes(mine.number), 'the delivery names the case number');
    await page.screenshot({ path: path.join(ARTIFACTS, 'hotline-webhooks.png'), fullPage: true });
    assertNoPageErrors(errors);
    await context.close();
  });

  test('a street imports but does not see the webhooks; a grid worker has no 12345 page', { timeout: 120_000 }, async () => {
    const { context, page, errors } = await open(await login('street'));
    await page.goto(`${BASE}/hotline?region=${REGION}`, { waitUntil: 'domcontentloaded' });
    await page.getByRole('link', { name: '12345对接' }).first().waitFor({ timeout: READY_TIMEOUT });
    await page.getByRole('heading', { name: '导入12345工单导出' }).waitFor({ timeout: READY_TIMEOUT });
    assert.equal(await page.getByRole('heading', { name: '状态回推（Webhook）' }).count(), 0);
    assertNoPageErrors(errors);
    await context.close();

    const grid = await open(await login('grid'));
    await grid.page.goto(`${BASE}/tickets?region=${REGION}`, { waitUntil: 'domcontentloaded' });
    await grid.page.getByRole('link', { name: '工单' }).first().waitFor({ timeout: READY_TIMEOUT });
    assert.equal(await grid.page.getByRole('link', { name: '12345对接' }).count(), 0, 'no 12345 page for a grid worker');
    await grid.context.close();
  });
});
