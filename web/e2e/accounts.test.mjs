// Browser test of accounts and roles (issue 9): the login page, what each
// role sees (nav, case totals against the API for that user, write
// buttons), logout, my account (password, API tokens, devices), user
// administration (an admin creates a user who then logs in) and the audit
// log. Demo accounts keep their passwords: the password change and the
// tokens are tried on a user the test creates.
//
//   GRIDLINE_URL=http://127.0.0.1:18080 node --test web/e2e/accounts.test.mjs
//
// Environment: as map.test.mjs; GRIDLINE_PASSWORD is the demo accounts'
// password (default demo1234).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ARTIFACTS, BASE, CHROMIUM, LAUNCH_ARGS, PHONE, REGION, assertNoOverflow, assertNoPageErrors, digits } from './common.mjs';

const PASSWORD = process.env.GRIDLINE_PASSWORD || 'demo1234';
const DESKTOP = { viewport: { width: 1440, height: 900 } };
const RUN = String(Date.now() % 1e8);

// apiLogin logs in over the API and returns the session token.
async function apiLogin(username, password = PASSWORD) {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const data = await res.json().catch(() => null);
  assert.ok(res.ok && data && data.token, `log in as ${username}: ${res.status} ${JSON.stringify(data)}`);
  return data.token;
}

async function api(token, method, p, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(BASE + p, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => null);
  return { status: res.status, data };
}

// openPage opens a page collecting console errors, uncaught exceptions and
// failed requests; `expected` lists console errors provoked on purpose (a
// browser logs each 4xx answer).
async function openPage(context, urlPath) {
  const page = await context.newPage();
  const errors = [];
  const expected = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const where = msg.location() && msg.location().url ? msg.location().url : '';
    if (expected.some((re) => re.test(`${text} ${where}`))) return;
    errors.push(`console.error: ${text}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
  page.on('requestfailed', (req) => {
    const f = req.failure();
    if (f && f.errorText === 'net::ERR_ABORTED') return;
    errors.push(`request failed: ${req.method()} ${req.url()}: ${f ? f.errorText : ''}`);
  });
  if (urlPath) await page.goto(BASE + urlPath, { waitUntil: 'domcontentloaded' });
  return { page, errors, expected };
}

// shot screenshots the whole page: the content scrolls inside the app
// shell, so the window is made as tall as the content for the picture.
async function shot(page, file) {
  const size = page.viewportSize();
  const h = await page.evaluate(() => Math.max(...[...document.querySelectorAll('.app, .app > *')].map((e) => e.scrollHeight)));
  if (h > size.height) await page.setViewportSize({ width: size.width, height: Math.min(h + 80, 5000) });
  await page.waitForTimeout(200);
  await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
  await page.setViewportSize(size);
}

// signIn fills the login page (already open) and waits for the header to
// name the user.
async function signIn(page, username, password = PASSWORD) {
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.locator('header.topbar .user-button').waitFor({ timeout: 15_000 });
}

async function navLinks(page) {
  return (await page.locator('nav.nav a').allTextContents()).map((s) => s.trim());
}

async function logOut(page) {
  await page.locator('header.topbar .user-button').click();
  await page.getByRole('menuitem', { name: '退出登录' }).click();
  await page.getByText('已退出登录').waitFor();
}

// caseTotal reads the case list's "共 N 件".
async function caseTotal(page) {
  const el = page.locator('.tk-total');
  await el.waitFor({ timeout: 20_000 });
  return Number(digits(await el.textContent()));
}

describe('accounts and roles', { skip: BASE ? false : 'GRIDLINE_URL is not set (see scripts/browser-test.sh)' }, () => {
  let browser;
  let adminToken;
  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    adminToken = await apiLogin('admin');
  });
  after(async () => {
    if (browser) await browser.close();
  });

  test('login page: wrong password, then back to the page that asked', { timeout: 90_000 }, async () => {
    const context = await browser.newContext(DESKTOP);
    const { page, errors, expected } = await openPage(context, '/tickets');
    expected.push(/401/);
    // Signed out, the case list asks to log in instead of failing to load.
    await page.getByText('请先登录').waitFor();
    assert.equal(await page.locator('.tickets-page').count(), 0, 'no case list while signed out');
    assert.deepEqual(await navLinks(page), ['网格地图'], 'signed out, the nav shows the public map only');
    await page.getByRole('link', { name: '去登录' }).click();
    await page.waitForURL(/\/login\?redirect=(%2F|\/)tickets$/);
    await page.getByLabel('用户名').fill('admin');
    await page.getByLabel('密码', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: '用户名或密码错误' }).waitFor();
    assert.equal(await page.getByLabel('密码', { exact: true }).inputValue(), '', 'the wrong password is cleared');
    // Empty fields are named at the field, without asking the server.
    await page.getByLabel('用户名').fill('');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.locator('.el-form-item__error', { hasText: '请输入用户名' }).waitFor();
    await signIn(page, 'admin');
    await page.waitForURL(/\/tickets$/);
    await page.locator('.tk-total').waitFor();
    assertNoPageErrors(errors);
    await context.close();
  });

  // Each role: the nav, the case total against the API for that user, and
  // the write buttons on the list and on one case.
  const roles = [
    { user: 'admin', name: '系统管理员', nav: ['网格地图', '治理力量', '工单', '督办', '吹哨报到', '协调会', '考核指标', '比对', '12345对接', '指挥中心', '用户管理', '审计日志'], intake: true, acts: true },
    { user: 'grid', name: '专职网格员', nav: ['网格地图', '工单', '吹哨报到'], intake: true, acts: null, reveal: true },
    { user: 'leader', name: '区领导', nav: ['网格地图', '治理力量', '工单', '督办', '吹哨报到', '考核指标', '比对', '指挥中心'], intake: false, acts: false },
    { user: 'department', nav: ['网格地图', '工单', '督办', '吹哨报到', '考核指标', '比对', '指挥中心'], intake: false, acts: null },
  ];
  for (const r of roles) {
    test(`what ${r.user} sees`, { timeout: 90_000 }, async () => {
      const token = await apiLogin(r.user);
      const me = (await api(token, 'GET', '/api/v1/auth/me')).data;
      const apiList = (await api(token, 'GET', `/api/v1/tickets?within=${REGION}&limit=5`)).data;
      const context = await browser.newContext(DESKTOP);
      const { page, errors } = await openPage(context, '/login?redirect=/tickets');
      await signIn(page, r.user);
      await page.waitForURL(/\/tickets$/);
      const header = (await page.locator('header.topbar .user-button').textContent()).trim();
      assert.ok(header.includes(me.user.name), `the header names ${me.user.name}: ${header}`);
      if (r.name) assert.ok(header.includes(r.name), `the header names the role: ${header}`);
      assert.deepEqual(await navLinks(page), r.nav, 'nav entries');
      assert.equal(await caseTotal(page), apiList.total, 'the case total is the API\'s for this user');
      assert.equal(await page.locator('.tk-new').count(), r.intake ? 1 : 0, '受理 button');
      await shot(page, `accounts-${r.user}-tickets.png`);
      // One case of theirs: the action bar shows only what the role may do.
      if (apiList.items.length) {
        const tk = apiList.items[0];
        await page.goto(`${BASE}/tickets/${tk.id}`, { waitUntil: 'domcontentloaded' });
        await page.locator('.tp-none, .tp-buttons').first().waitFor({ timeout: 20_000 });
        const shown = await page.locator('.tp-buttons [data-action]').evaluateAll((els) => els.map((e) => e.dataset.action));
        const view = (await api(token, 'GET', `/api/v1/tickets/${tk.id}`)).data;
        assert.deepEqual([...shown].sort(), [...view.allowed_actions].sort(), 'the buttons are the actions the API allows this user');
        for (const a of shown) assert.ok(me.permissions.includes(`tickets.${a}`), `${a} is among the role's permissions`);
        if (r.acts === false) assert.equal(shown.length, 0, 'a read-only role sees no action buttons');
        await shot(page, `accounts-${r.user}-ticket.png`);
      }
      // A masked number: 查看号码 for the roles that may reveal it, the
      // number the API reveals once clicked, and the look in the audit log.
      const masked = apiList.items.find((x) => x.reporter && !x.reporter.confidential && (x.reporter.phone || '').includes('*'));
      if (r.reveal) assert.ok(masked, `${r.user} has a case with a masked number among the first five`);
      if (masked) {
        await page.goto(`${BASE}/tickets/${masked.id}`, { waitUntil: 'domcontentloaded' });
        await page.locator('.tp-phone').waitFor({ timeout: 20_000 });
        assert.equal((await page.locator('.tp-phone').textContent()).trim(), masked.reporter.phone, 'the number is masked first');
        const button = page.getByRole('button', { name: '查看号码' });
        assert.equal(await button.count(), me.permissions.includes('tickets.reveal') ? 1 : 0, '查看号码 is there for the roles that may reveal');
        if (r.reveal) {
          await button.click();
          await page.waitForFunction(() => !document.querySelector('.tp-phone').textContent.includes('*'), null, { timeout: 10_000 });
          const shownPhone = (await page.locator('.tp-phone').textContent()).trim();
          assert.match(shownPhone, /^1\d{10}$/, 'the revealed number');
          const audit = (await api(adminToken, 'GET', `/api/v1/audit?entity=ticket&action=reveal&key=${masked.id}&limit=5`)).data;
          assert.ok(audit.items.some((a) => a.actor.includes(me.user.username)),
            `the reveal is in the audit log with ${me.user.username}: ${JSON.stringify(audit.items)}`);
          await shot(page, `accounts-${r.user}-revealed.png`);
        }
      }
      // Pages the role may not open say so.
      if (!r.nav.includes('用户管理')) {
        await page.goto(`${BASE}/admin/users`, { waitUntil: 'domcontentloaded' });
        await page.getByText('无权访问').waitFor();
      }
      assertNoPageErrors(errors);
      await context.close();
    });
  }

  test('a resident sees only their own reports', { timeout: 60_000 }, async () => {
    const token = await apiLogin('resident');
    const me = (await api(token, 'GET', '/api/v1/auth/me')).data;
    const list = (await api(token, 'GET', `/api/v1/tickets?within=${REGION}&limit=100`)).data;
    for (const tk of list.items) assert.equal(tk.created_by, me.user.id, `case ${tk.number} is the resident's own`);
    const context = await browser.newContext(DESKTOP);
    const { page, errors } = await openPage(context, '/login?redirect=/tickets');
    await signIn(page, 'resident');
    assert.equal(await caseTotal(page), list.total);
    assertNoPageErrors(errors);
    await context.close();
  });

  const newUser = `e2e${RUN}`;
  const firstPassword = `first ${RUN}`;
  const secondPassword = `second ${RUN}`;

  test('the admin creates a user, field errors at the field; audit shows it', { timeout: 120_000 }, async () => {
    const grid = (await api(adminToken, 'GET', '/api/v1/auth/me')).data && (await api(null, 'GET', `/api/v1/grids?within=${REGION}&limit=1`)).data.items[0];
    const context = await browser.newContext(DESKTOP);
    const { page, errors, expected } = await openPage(context, '/login?redirect=/admin/users');
    expected.push(/400/);
    await signIn(page, 'admin');
    await page.waitForURL(/\/admin\/users$/);
    await page.locator('.us-total').waitFor();
    const before = Number(digits(await page.locator('.us-total').textContent()));
    const apiUsers = (await api(adminToken, 'GET', '/api/v1/users?limit=1')).data;
    assert.equal(before, apiUsers.total, 'the user total is the API\'s');
    // Filter by role: the leader.
    await page.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name: '按角色筛选' }) }).click();
    await page.getByRole('option', { name: '领导', exact: true }).click();
    await page.locator('.us-table').getByText('leader', { exact: true }).waitFor();
    assert.equal(Number(digits(await page.locator('.us-total').textContent())), (await api(adminToken, 'GET', '/api/v1/users?role=leader&limit=1')).data.total);
    await shot(page, 'accounts-admin-users.png');

    await page.getByRole('button', { name: '+ 新建用户' }).click();
    const dialog = page.getByRole('dialog', { name: '新建用户' });
    await dialog.getByLabel('用户名').fill('张三');
    await dialog.getByLabel('姓名').fill('测试网格员');
    await dialog.getByLabel('初始密码').fill(firstPassword);
    await dialog.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name: '角色 1' }) }).click();
    await page.getByRole('option', { name: '专职网格员', exact: true }).click();
    await dialog.getByRole('button', { name: '保存' }).click();
    // The server names the field; the page shows it there, in Chinese.
    await dialog.locator('.el-form-item__error', { hasText: '只能用小写字母' }).waitFor();
    await dialog.getByLabel('用户名').fill(newUser);
    await dialog.getByRole('button', { name: '保存' }).click();
    await dialog.locator('.el-form-item__error', { hasText: '该角色须填写区划或网格代码' }).waitFor();
    await dialog.getByLabel('区划或网格代码 1').fill('370812999');
    await dialog.getByRole('button', { name: '保存' }).click();
    await dialog.locator('.el-form-item__error', { hasText: '没有代码为 370812999 的区划或网格' }).waitFor();
    await shot(page, 'accounts-admin-user-errors.png');
    await dialog.getByLabel('区划或网格代码 1').fill(grid.code);
    await dialog.getByRole('button', { name: '保存' }).click();
    await page.getByRole('alert').filter({ hasText: `已创建用户 ${newUser}` }).waitFor();
    const created = (await api(adminToken, 'GET', `/api/v1/users?q=${newUser}`)).data.items[0];
    assert.deepEqual(created.grants, [{ role: 'grid_worker', region: grid.code }]);

    // The audit log shows the creation, filtered as the API filters.
    await page.getByRole('link', { name: '审计日志' }).click();
    await page.waitForURL(/\/admin\/audit/);
    await page.getByLabel('操作', { exact: true }).fill('create');
    await page.getByLabel('对象类型').fill('user');
    await page.getByRole('button', { name: '查询' }).click();
    // Both filters reach the address (and the query) before the figure is read:
    // the table may first show the answer to the action alone.
    await page.waitForURL((u) => u.searchParams.get('action') === 'create' && u.searchParams.get('entity') === 'user');
    await page.locator('.au-table').getByText(newUser, { exact: false }).first().waitFor();
    const apiAudit = (await api(adminToken, 'GET', '/api/v1/audit?action=create&entity=user&limit=1')).data;
    const shown = async () => Number(digits(await page.locator('.au-total').textContent()));
    for (let i = 0; i < 50 && (await shown()) !== apiAudit.total; i++) await page.waitForTimeout(100);
    assert.equal(await shown(), apiAudit.total);
    await shot(page, 'accounts-admin-audit.png');
    assertNoPageErrors(errors);
    await context.close();
  });

  test('the new user logs in; my account: password, token, devices; logout', { timeout: 120_000 }, async () => {
    const context = await browser.newContext(PHONE);
    const { page, errors, expected } = await openPage(context, '/login');
    expected.push(/400|401/);
    await assertNoOverflow(page, 'login at 390 px');
    await shot(page, 'accounts-login-phone.png');
    await signIn(page, newUser, firstPassword);
    await page.locator('header.topbar .user-button').click();
    await page.getByRole('menuitem', { name: '我的账号' }).click();
    await page.waitForURL(/\/account$/);
    await page.locator('.ac-username', { hasText: newUser }).waitFor();
    // This device is listed.
    await page.locator('.ac-sessions').getByText('本机').waitFor();

    // Password: a wrong old one is named at its field; then the change.
    await page.getByLabel('当前密码').fill('not my password');
    await page.getByLabel('新密码', { exact: true }).fill(secondPassword);
    await page.getByLabel('再次输入新密码').fill(secondPassword);
    await page.getByRole('button', { name: '修改密码' }).click();
    await page.locator('.el-form-item__error', { hasText: '当前密码不正确' }).waitFor();
    await page.getByLabel('当前密码').fill(firstPassword);
    await page.getByLabel('新密码', { exact: true }).fill('short');
    await page.getByLabel('再次输入新密码').fill('short');
    await page.getByRole('button', { name: '修改密码' }).click();
    await page.locator('.el-form-item__error', { hasText: '至少 8 个字符' }).waitFor();
    await page.getByLabel('新密码', { exact: true }).fill(secondPassword);
    await page.getByLabel('再次输入新密码').fill(secondPassword);
    await page.getByRole('button', { name: '修改密码' }).click();
    await page.getByRole('status').filter({ hasText: '密码已修改' }).waitFor();
    const old = await api(null, 'POST', '/api/v1/auth/login', { username: newUser, password: firstPassword });
    assert.equal(old.status, 401, 'the old password no longer logs in');

    // A login elsewhere in this browser replaces the cookie's session: the
    // page's CSRF token is stale, and the next write fetches the new one.
    const relogin = await context.request.post(`${BASE}/api/v1/auth/login`, { data: { username: newUser, password: secondPassword } });
    assert.equal(relogin.status(), 200);
    expected.push(/403/);

    // A token: shown once, works, is revoked.
    await page.getByLabel('名称').fill('e2e script');
    await page.getByRole('button', { name: '创建令牌' }).click();
    const secret = (await page.getByTestId('new-token').textContent()).trim();
    assert.match(secret, /^glt_/);
    assert.equal((await api(secret, 'GET', '/api/v1/auth/me')).status, 200, 'the new token works');
    const row = page.locator('.ac-tokens .el-table__row', { hasText: 'e2e script' });
    await row.getByText('有效').waitFor();
    await assertNoOverflow(page, 'my account at 390 px');
    await shot(page, 'accounts-account-phone.png');
    await row.getByRole('button', { name: '撤销' }).click();
    await page.locator('.el-popconfirm').getByRole('button', { name: '撤销' }).click();
    await row.getByText('已撤销').waitFor();
    assert.equal((await api(secret, 'GET', '/api/v1/auth/me')).status, 401, 'the revoked token is refused');

    // Another device, then "log out all other devices".
    const other = await apiLogin(newUser, secondPassword);
    await page.reload();
    await page.locator('.ac-sessions .el-table__row').nth(1).waitFor();
    await page.getByRole('button', { name: '退出其他所有设备' }).click();
    // The others: the page's first session (its cookie replaced above)
    // and the other device.
    await page.getByText('已退出 2 个登录').waitFor();
    assert.equal((await api(other, 'GET', '/api/v1/auth/me')).status, 401, 'the other device is logged out');

    // Logout: the login button comes back and cases ask to log in.
    await logOut(page);
    assert.equal(await page.locator('header.topbar .user-button').count(), 0, 'no user in the header after logout');
    await page.goto(`${BASE}/tickets`, { waitUntil: 'domcontentloaded' });
    await page.getByText('请先登录').waitFor();
    await page.locator('header.topbar .login-button').waitFor();
    assertNoPageErrors(errors);
    await context.close();
  });

  test('the admin edits roles, revokes a token, resets the password, disables and enables', { timeout: 120_000 }, async () => {
    // The user has a token of their own (made over the API).
    const userToken = await apiLogin(newUser, secondPassword);
    const made = await api(userToken, 'POST', '/api/v1/auth/tokens', { name: 'nightly export' });
    assert.equal(made.status, 201);
    const context = await browser.newContext(DESKTOP);
    const { page, errors, expected } = await openPage(context, '/login?redirect=/admin/users');
    expected.push(/401/);
    await signIn(page, 'admin');
    await page.getByLabel('搜索用户名或姓名').fill(newUser);
    await page.getByLabel('搜索用户名或姓名').press('Enter');
    const row = page.locator('.us-table .el-table__row', { hasText: newUser });
    await row.waitFor();
    // The list shows every user until the search's answer replaces it
    // (the new user is among them): wait for the answer, not the row.
    await page.waitForFunction(() => document.querySelectorAll('.us-table .el-table__row').length === 1, null,
      { timeout: 15_000 }).catch(() => {});
    assert.equal(await page.locator('.us-table .el-table__row').count(), 1, 'the search finds the one user');

    // Roles: add a department handler at a unit.
    await row.getByRole('button', { name: '编辑' }).click();
    const edit = page.getByRole('dialog', { name: `编辑用户 ${newUser}` });
    await edit.getByRole('button', { name: '+ 添加角色' }).click();
    await edit.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name: '角色 2' }) }).click();
    await page.getByRole('option', { name: '职能部门', exact: true }).click();
    await edit.locator('.el-select__wrapper', { has: page.getByRole('combobox', { name: '单位 2' }) }).click();
    const units = (await api(null, 'GET', '/api/v1/units?kind=department&limit=1000')).data.items;
    const unitName = units[1].name;
    await page.getByRole('option', { name: unitName, exact: true }).click();
    await edit.getByRole('button', { name: '保存' }).click();
    await page.getByRole('alert').filter({ hasText: `已保存用户 ${newUser}` }).waitFor();
    const u = (await api(adminToken, 'GET', `/api/v1/users?q=${newUser}`)).data.items[0];
    assert.equal(u.grants.length, 2);
    assert.equal(u.grants[1].role, 'department');
    assert.equal(units.find((x) => x.id === u.grants[1].unit_id).name, unitName, 'the unit chosen');

    // Tokens and logins: the user's token is listed and revoked.
    await row.getByRole('button', { name: '令牌与登录' }).click();
    const creds = page.getByRole('dialog', { name: `${newUser} 的 API 令牌与登录设备` });
    const tokRow = creds.locator('.el-table__row', { hasText: 'nightly export' });
    await tokRow.getByRole('button', { name: '撤销' }).click();
    await tokRow.getByText('已撤销').waitFor();
    assert.equal((await api(made.data.token, 'GET', '/api/v1/auth/me')).status, 401, 'the token the admin revoked');
    await shot(page, 'accounts-admin-creds.png');
    await creds.getByRole('button', { name: '退出全部登录' }).click();
    await page.getByRole('alert').filter({ hasText: '已退出' }).waitFor();
    assert.equal((await api(userToken, 'GET', '/api/v1/auth/me')).status, 401, 'the session the admin ended');
    await creds.getByRole('button', { name: '关闭', exact: true }).click();

    // Reset the password.
    await row.getByRole('button', { name: '重置密码' }).click();
    const reset = page.getByRole('dialog', { name: `重置 ${newUser} 的密码` });
    await reset.getByLabel('新密码').fill(`third ${RUN}`);
    await reset.getByRole('button', { name: '保存' }).click();
    await page.getByRole('alert').filter({ hasText: `已重置 ${newUser} 的密码` }).waitFor();
    assert.equal((await api(null, 'POST', '/api/v1/auth/login', { username: newUser, password: `third ${RUN}` })).status, 200);

    // Disable: the login page says so; enable again.
    await row.getByRole('button', { name: '停用' }).click();
    await page.locator('.el-popconfirm').getByRole('button', { name: '停用' }).click();
    await row.getByText('已停用').waitFor();
    const other = await browser.newContext(DESKTOP);
    const o = await openPage(other, '/login');
    o.expected.push(/401/);
    await o.page.getByLabel('用户名').fill(newUser);
    await o.page.getByLabel('密码', { exact: true }).fill(`third ${RUN}`);
    await o.page.getByRole('button', { name: '登录', exact: true }).click();
    await o.page.getByRole('alert').filter({ hasText: '该账号已停用' }).waitFor();
    await other.close();
    await row.getByRole('button', { name: '启用' }).click();
    await row.getByText('正常').waitFor();
    assert.equal((await api(null, 'POST', '/api/v1/auth/login', { username: newUser, password: `third ${RUN}` })).status, 200);
    assertNoPageErrors(errors);
    assertNoPageErrors(o.errors);
    await context.close();
  });

  test('English on my account', { timeout: 60_000 }, async () => {
    const context = await browser.newContext(DESKTOP);
    const { page, errors } = await openPage(context, '/login?redirect=/account');
    await signIn(page, newUser, `third ${RUN}`);
    await page.waitForURL(/\/account$/);
    await page.getByRole('radio', { name: 'English' }).click({ force: true });
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await page.getByRole('button', { name: 'Change password' }).waitFor();
    const who = await page.locator('header.topbar .user-button').textContent();
    assert.ok(who.includes('Full-time grid worker') && who.includes('Department'), `the header's roles in English: ${who}`);
    await shot(page, 'accounts-account-en.png');
    await page.getByRole('radio', { name: '中文' }).click({ force: true });
    assertNoPageErrors(errors);
    await context.close();
  });
});
