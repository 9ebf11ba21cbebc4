// Browser test of the case list's filters, saved views and exports: the
// command-centre operator narrows the list by town → community, a main
// category (all its sub-classes) and the red light, and the rows shown are
// the API's; the filters are saved as a view, cleared, brought back from
// the dropdown (same filters, same total), survive a reload, and the view
// is deleted; the CSV export of the selection has the UTF-8 BOM, the
// header and one row per case counted, fetched with the bearer token, and
// again as a plain download when signed in on the login page (the session
// cookie); a grid worker (no export right) gets no export buttons; the
// page fits a 390 px phone with every filter.
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/tickets-list.test.mjs
//
// Sessions come from POST /api/v1/auth/login (demo accounts command and
// grid, password GRIDLINE_PASSWORD, default demo1234), put in localStorage
// 'gridline.token' before the pages load, but for the cookie test. It
// deletes the command account's saved views first.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, PASSWORD, PHONE, READY_TIMEOUT, REGION, api, assertNoOverflow, assertNoPageErrors, contextWith, digits, login, openPage, shot } from './common.mjs';

const skip = BASE ? false : 'GRIDLINE_URL is not set';
const COMMAND = BASE ? await login('command') : '';
const GRID = BASE ? await login('grid') : '';

const command = (p) => api(COMMAND, 'GET', p);

// choose opens the select labelled name and picks the option.
async function choose(page, name, option) {
  await page.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name, exact: true }) }).click();
  await page.locator('.el-select-dropdown:visible').getByRole('option', { name: option, exact: true }).click();
}

// selected returns the text a select labelled name shows.
async function selected(page, name) {
  const s = page.locator('.el-select', { has: page.getByRole('combobox', { name, exact: true }) });
  return (await s.locator('.el-select__selection').innerText()).trim();
}

// parseCSV splits RFC 4180 text into rows of cells (quoted cells may hold
// commas, quotes and line breaks: a case's text does).
function parseCSV(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; } else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

describe('the case list: filters, saved views, export', { skip }, () => {
  let browser;
  // The selection under test: a community with red-light cases, and a main
  // class that has some of them.
  let town, otherTown, community, main, want;
  const SELECTION = () => `within=${community.code}&category=${main.code}&warning=red`;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });

    // Clean slate: the command user's views from an earlier run.
    for (const v of (await command('/api/v1/me/views?page=tickets')).items) {
      await api(COMMAND, 'DELETE', `/api/v1/me/views/${v.id}`).catch(() => {});
    }
    const byCommunity = await command(`/api/v1/tickets/aggregate?by=community&within=${REGION}&warning=red`);
    const top = byCommunity.rows.filter((r) => r.key).sort((a, b) => b.count - a.count)[0];
    assert.ok(top && top.count >= 3, 'the demo has a community with red-light cases');
    const regions = await command(`/api/v1/regions/${REGION}/subtree?limit=10000`);
    community = regions.items.find((r) => r.code === top.key);
    town = regions.items.find((r) => r.code === community.parent_code);
    otherTown = regions.items.find((r) => r.level === 'town' && r.code !== town.code);
    const cats = (await command('/api/v1/categories')).items;
    const byCategory = await command(`/api/v1/tickets/aggregate?by=category&within=${community.code}&warning=red`);
    const sub = cats.find((c) => c.code === byCategory.rows.sort((a, b) => b.count - a.count)[0].key);
    main = cats.find((c) => c.code === sub.parent_code);
    assert.ok(main, `the main class of ${sub.code}`);
    want = await command(`/api/v1/tickets?limit=20&${SELECTION()}`);
    assert.ok(want.total >= 1 && want.total <= 200, `a small selection: ${want.total}`);
    // The main class selects all its sub-classes: its total is theirs.
    const ofMain = byCategory.rows.filter((r) => cats.some((c) => c.code === r.key && c.parent_code === main.code));
    assert.equal(want.total, ofMain.reduce((n, r) => n + r.count, 0), 'a main class selects its sub-classes');
  });

  after(async () => {
    if (browser) await browser.close();
  });

  // waitForTotal waits until the page, done loading, shows the total the
  // API counts for query, asked afresh each time (other test files add
  // cases to the same server meanwhile), and returns that answer.
  async function waitForTotal(page, query, what) {
    let want;
    let shown;
    for (const end = Date.now() + 15_000; ;) {
      want = await command(`/api/v1/tickets?limit=20&${query}`);
      shown = await page.evaluate(() => (document.querySelector('.tk-table')?.getAttribute('aria-busy') === 'false'
        ? document.querySelector('.tk-total')?.textContent.replace(/[^\d]/g, '') : null));
      if (shown === String(want.total) || Date.now() > end) break;
      await page.waitForTimeout(250);
    }
    assert.equal(shown, String(want.total), `${what}: the total`);
    return want;
  }

  test('filter, save a view, clear, restore, reload, delete, export', { timeout: 180_000 }, async () => {
    const context = await contextWith(browser, COMMAND);
    const { page, errors } = await openPage(context, `/tickets?region=${REGION}`);
    try {
      await page.locator('.tk-table .tk-number').first().waitFor({ timeout: READY_TIMEOUT });
      await waitForTotal(page, `within=${REGION}`, 'unfiltered');
      assert.equal(await page.locator('.tk-f-community .el-select__wrapper.is-disabled').count(), 1, 'no community before a town');

      // Town → community → main class → red light.
      await choose(page, '按镇街筛选', town.name);
      await page.waitForURL((u) => u.searchParams.get('town') === town.code);
      await choose(page, '按村居筛选', community.name);
      await page.waitForURL((u) => u.searchParams.get('community') === community.code);
      await choose(page, '按类别筛选', `${main.name}（全部小类）`);
      await page.waitForURL((u) => u.searchParams.get('category') === main.code);
      await choose(page, '按预警筛选', '红牌超期');
      await page.waitForURL((u) => u.searchParams.get('warning') === 'red');
      want = await waitForTotal(page, SELECTION(), 'filtered');
      const numbers = (await page.locator('.tk-table .tk-number').allTextContents()).map((s) => s.trim());
      assert.deepEqual(numbers, want.items.map((x) => x.number), 'the cases listed are the API\'s');
      const places = (await page.locator('.tk-table .tk-within').allTextContents()).map((s) => s.trim());
      assert.equal(places.length, numbers.length, 'every row has its place');
      assert.ok(places.every((s) => s.startsWith(community.name)), `every row is in ${community.name}: ${places}`);
      assert.ok(want.items.every((x) => x.warning === 'red' && x.category.startsWith(main.code)), 'the API agrees on light and class');
      await shot(page, 'tickets-list-filtered.png', '.tk-inner');

      // Save the filters as a view.
      const viewName = `红牌 ${community.name}`;
      await page.locator('.tk-views-btn').click();
      await page.locator('.tk-views-menu .tk-view-save:visible').click();
      await page.locator('.sv-prompt input').fill(viewName);
      await page.locator('.sv-prompt').getByRole('button', { name: '保存' }).click();
      await page.locator('.el-message--success', { hasText: viewName }).waitFor();
      await page.locator('.tk-views-label', { hasText: viewName }).waitFor();
      const stored = (await command('/api/v1/me/views?page=tickets')).items;
      assert.equal(stored.length, 1, 'one view on the server');
      assert.deepEqual(stored[0].query, { town: town.code, community: community.code, category: main.code, warning: 'red' });

      // A second view of the same name is refused, saying so.
      await page.locator('.tk-views-btn').click();
      await page.locator('.tk-views-menu .tk-view-save:visible').click();
      await page.locator('.sv-prompt input').fill(viewName);
      await page.locator('.sv-prompt').getByRole('button', { name: '保存' }).click();
      await page.locator('.sv-prompt .el-message-box__errormsg', { hasText: '已有同名的视图' }).waitFor();
      await page.locator('.sv-prompt').getByRole('button', { name: '取消' }).click();
      await page.locator('.sv-prompt').waitFor({ state: 'hidden' });
      assert.equal((await command('/api/v1/me/views?page=tickets')).total, 1, 'still one view');

      // Clear: the whole district again.
      await page.getByRole('button', { name: '清除筛选' }).click();
      await page.waitForURL((u) => !u.searchParams.has('warning') && !u.searchParams.has('community'));
      await waitForTotal(page, `within=${REGION}`, 'cleared');
      assert.equal((await page.locator('.tk-views-label').textContent()).trim(), '保存的视图');

      // The saved view brings the filters and the total back.
      await page.locator('.tk-views-btn').click();
      await page.locator('.tk-views-menu:visible .tk-view', { hasText: viewName }).click();
      await page.waitForURL((u) => u.searchParams.get('community') === community.code && u.searchParams.get('warning') === 'red'
        && u.searchParams.get('category') === main.code && u.searchParams.get('town') === town.code);
      await waitForTotal(page, SELECTION(), 'the saved view');
      assert.equal(await selected(page, '按村居筛选'), community.name);
      assert.equal(await selected(page, '按预警筛选'), '红牌超期');
      assert.equal(await selected(page, '按类别筛选'), `${main.name}（全部小类）`);

      // The URL keeps them across a reload.
      await page.reload();
      await page.locator('.tk-table .tk-number').first().waitFor({ timeout: READY_TIMEOUT });
      want = await waitForTotal(page, SELECTION(), 'reloaded');
      await page.locator('.tk-views-label', { hasText: viewName }).waitFor();
      assert.equal(await selected(page, '按镇街筛选'), town.name);

      // Export the selection as CSV: BOM, header, one row per case.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: '导出 CSV' }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^工单-\d{8}\.csv$/);
      const file = path.join(ARTIFACTS, 'tickets-list-export.csv');
      await download.saveAs(file);
      const bytes = fs.readFileSync(file);
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the CSV starts with the UTF-8 BOM');
      const rows = parseCSV(bytes.subarray(3).toString('utf8'));
      assert.equal(rows[0][0], '工单编号', 'the header');
      assert.ok(rows[0].includes('诉求内容') && rows[0].includes('村居'), `the header: ${rows[0]}`);
      const data = rows.slice(1).filter((r) => r.length > 1);
      assert.equal(data.length, want.total, 'a row per case counted');
      const village = rows[0].indexOf('村居');
      assert.ok(data.every((r) => r[village] === community.name), 'every exported case is in the community');
      const [xlsx] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: '导出 Excel' }).click(),
      ]);
      const xfile = path.join(ARTIFACTS, 'tickets-list-export.xlsx');
      await xlsx.saveAs(xfile);
      assert.equal(fs.readFileSync(xfile).subarray(0, 2).toString('latin1'), 'PK', 'the workbook is a zip');

      // Delete the view.
      await page.locator('.tk-views-btn').click();
      await shot(page, 'tickets-list-views.png', '.tk-inner');
      await page.locator('.tk-views-menu:visible .tk-view', { hasText: viewName }).locator('.tk-view-del').click();
      await page.locator('.el-message--success', { hasText: '已删除' }).waitFor();
      await page.locator('.tk-views-menu:visible .tk-view', { hasText: viewName }).waitFor({ state: 'detached' });
      assert.equal((await command('/api/v1/me/views?page=tickets')).total, 0, 'the view is gone from the server');
      await page.keyboard.press('Escape');

      // A grid of the community narrows further; another town clears the
      // community and the grid.
      const g = want.items[0].grid;
      await choose(page, '按网格筛选', g.name);
      await page.waitForURL((u) => u.searchParams.get('grid') === g.code);
      await waitForTotal(page, `${SELECTION()}&grid=${g.code}`, 'a grid');
      await choose(page, '按镇街筛选', otherTown.name);
      await page.waitForURL((u) => u.searchParams.get('town') === otherTown.code);
      const url = new URL(page.url());
      assert.ok(!url.searchParams.has('community') && !url.searchParams.has('grid'), `a new town clears the rest: ${url.search}`);
      await waitForTotal(page, `within=${otherTown.code}&category=${main.code}&warning=red`, 'another town');
      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });

  test('a text search counted past its bound says "more than"', { timeout: 90_000 }, async () => {
    // 的 is in most of the demo's 66,000 texts; the count stops past 10,000.
    const context = await contextWith(browser, COMMAND);
    const { page, errors } = await openPage(context, `/tickets?region=${REGION}&q=${encodeURIComponent('的')}`);
    try {
      const want = await command(`/api/v1/tickets?limit=1&within=${REGION}&q=${encodeURIComponent('的')}`);
      assert.deepEqual([want.total, want.total_exact], [10000, false], 'the API bounds the count');
      const total = page.locator('.tk-total');
      await total.filter({ hasText: '件以上' }).waitFor({ timeout: READY_TIMEOUT });
      assert.equal((await total.textContent()).trim(), '共 10,000 件以上');
      // A narrower word is counted exactly, without 以上.
      await page.locator('.tk-f-search input').fill('小区门口');
      await page.waitForURL((u) => u.searchParams.get('q') === '小区门口');
      const narrow = await waitForTotal(page, `within=${REGION}&q=${encodeURIComponent('小区门口')}`, 'a narrow word');
      assert.equal(narrow.total_exact, true);
      assert.ok(!(await total.textContent()).includes('以上'), 'an exact total says no more');
      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });

  test('signed in by cookie, the export is a plain download', { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    const filters = `region=${REGION}&town=${town.code}&community=${community.code}&category=${main.code}&warning=red`;
    const { page, errors } = await openPage(context, `/login?redirect=${encodeURIComponent(`/tickets?${filters}`)}`);
    try {
      // The login page: the session is the HttpOnly cookie, no token.
      await page.getByLabel('用户名').fill('command');
      await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: '登录', exact: true }).click();
      await page.waitForURL(/\/tickets\?/);
      assert.equal(await page.evaluate(() => localStorage.getItem('gridline.token')), null, 'no bearer token stored');
      await page.locator('.tk-table .tk-number').first().waitFor({ timeout: READY_TIMEOUT });
      const now = await waitForTotal(page, SELECTION(), 'by cookie');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: '导出 CSV' }).click(),
      ]);
      const file = path.join(ARTIFACTS, 'tickets-list-export-cookie.csv');
      await download.saveAs(file);
      const bytes = fs.readFileSync(file);
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the BOM');
      const rows = parseCSV(bytes.subarray(3).toString('utf8')).filter((r) => r.length > 1);
      assert.equal(rows.length - 1, now.total, 'a row per case counted');

      // A text search counted past the list's bound: the page asks the
      // server first (check), then downloads all of it, past 10,000.
      await page.goto(`${BASE}/tickets?region=${REGION}&q=${encodeURIComponent('的')}`);
      await page.locator('.tk-total').filter({ hasText: '件以上' }).waitFor({ timeout: READY_TIMEOUT });
      const [more] = await Promise.all([
        page.waitForEvent('download', { timeout: 60_000 }),
        page.getByRole('button', { name: '导出 CSV' }).click(),
      ]);
      const moreFile = path.join(ARTIFACTS, 'tickets-list-export-cookie-text.csv');
      await more.saveAs(moreFile);
      const moreRows = parseCSV(fs.readFileSync(moreFile).subarray(3).toString('utf8')).filter((r) => r.length > 1);
      assert.ok(moreRows.length - 1 > 10_000, `the export holds every match past the list's bound: ${moreRows.length - 1}`);
      assert.ok(moreRows.slice(1).every((r) => r[3].includes('的')), 'every row holds the word');
      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });

  test('a grid worker gets views but no export', { timeout: 90_000 }, async () => {
    const context = await contextWith(browser, GRID);
    const { page, errors } = await openPage(context, `/tickets?region=${REGION}`);
    try {
      await page.locator('.tk-table[aria-busy="false"]').waitFor({ timeout: READY_TIMEOUT });
      await page.locator('.tk-views-btn').waitFor();
      assert.equal(await page.getByRole('button', { name: '导出 CSV' }).count(), 0, 'no CSV export');
      assert.equal(await page.getByRole('button', { name: '导出 Excel' }).count(), 0, 'no Excel export');
      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });

  test('phone: every filter fits 390 px', { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ locale: 'zh-CN', ...PHONE });
    await context.addInitScript((tok) => { try { localStorage.setItem('gridline.token', tok); } catch { /* about:blank */ } }, COMMAND);
    const q = `town=${town.code}&community=${community.code}&category=${main.code}&warning=red`;
    const { page, errors } = await openPage(context, `/tickets?region=${REGION}&${q}`);
    try {
      await page.locator('.tk-table .tk-number').first().waitFor({ timeout: READY_TIMEOUT });
      await waitForTotal(page, SELECTION(), 'phone');
      await assertNoOverflow(page, 'the filtered list on a phone');
      await page.screenshot({ path: path.join(ARTIFACTS, 'tickets-list-mobile.png'), fullPage: true });
      assertNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });
});
