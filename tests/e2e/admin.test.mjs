// End to end in real Chromium, the admin screens (/admin, issue 12): an
// admin adds a user and changes its role, rotates a source's token (shown
// once, copied), filters the audit log, edits a rule with a mistake and sees
// the server's message next to the field, previews the rule over the last
// 24 hours; a viewer is refused; the shared top bar names the user and logs
// out. Every tab is photographed at 1920x1080 and 1366x768 in Chinese and
// English (test-results/e2e/admin-*.png), and checked for overflow and raw
// ids. Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/admin.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browsers } from './lib/browser.mjs';
import { dispatchWorld, MIN } from '../integration/lib/dispatch.mjs';
import { USERS } from '../integration/harness.mjs';

const WALL = { width: 1920, height: 1080 };
const DESK = { width: 1366, height: 768 };
const TABS = ['users', 'sources', 'departments', 'rules', 'matters', 'webhooks', 'audit'];
// what a screen must never show: region paths, entity keys, receipts
const RAW_ID = /\b[a-z]{2,}(\/[a-z_]{2,})+|xtd-|citizen:/;

let w;
const browsers = new Browsers();

before(async () => { w = await dispatchWorld(); });
after(async () => {
  await browsers.closeAll();
  await w?.close();
});

function shot(page, name) {
  fs.mkdirSync(path.join('test-results', 'e2e'), { recursive: true });
  return page.screenshot({ path: path.join('test-results', 'e2e', name) });
}

async function signIn(page, who, at = '/admin') {
  await page.goto(w.base + at);
  await page.fill('#login input[name=name]', who.name);
  await page.fill('#login input[name=password]', who.password);
  await page.click('#login button[type=submit]');
}

async function tab(page, id) {
  await page.click(`#tab-${id}`);
  await page.locator(`#pane[data-ready="${id}"]`).waitFor({ timeout: 15000 });
}

test('an admin adds a user, changes its role, rotates a token, filters the audit, edits and previews a rule',
  { timeout: 240000 }, async () => {
    // PM10 at a park site over the limit for 40 minutes five hours ago: the preview finds it
    const t0 = Math.floor(Date.now() / MIN) * MIN - 5 * 60 * MIN;
    const recs = [];
    for (let m = 0; m <= 90; m += 5) recs.push({ entity: 'kp-site-02', metric: 'pm10', ts: t0 + m * MIN, value: m <= 40 ? 210 : 35 });
    await w.feed('smart_site', recs);
    const site = (await w.ok('admin', 'GET', '/api/v1/entities/kp-site-02')).entity;

    const page = await browsers.open(WALL);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: w.base });
    await signIn(page, USERS.admin);
    await page.locator('#pane[data-ready="users"]').waitFor({ timeout: 15000 });

    // the top bar: the user's name and role, the screens an admin uses
    assert.equal(await page.locator('#who').innerText(), 'admin · 管理员');
    assert.deepEqual(await page.$$eval('header .zz-nav-links a', (as) => as.map((a) => [a.textContent, a.getAttribute('href')])),
      [['驾驶舱', '/'], ['派单台', '/dispatch'], ['基坑监测', '/site'], ['统计', '/stats'], ['个案', '/cases'], ['个案统计', '/cases-stats'], ['管理', '/admin'],
        ['专项行动', '/campaign'], ['现场检查', '/inspect'], ['督查进度', '/ledger']]);
    assert.equal(await page.locator('header .zz-nav-links a.on').innerText(), '管理');

    // add a user: department and scope picked by name
    await page.click('#user-add');
    await page.fill('#dlg input[name=name]', 'e2e_officer');
    await page.selectOption('#dlg select[name=role]', 'officer');
    await page.selectOption('#dlg select[name=department]', { label: '城管' });
    await page.selectOption('#dlg select[name=scope]', { label: '\u3000\u3000新天地街区' });
    await page.fill('#dlg input[name=password]', 'short');
    await page.click('#dlg-ok');
    // the server's rule about passwords, next to the password
    await page.locator('#dlg [data-field="password"] .ferr', { hasText: /\S/ }).waitFor({ timeout: 10000 });
    assert.equal(await page.locator('#dlg').isVisible(), true, 'the dialog stays open on a mistake');
    await shot(page, 'admin-user-add-error.png');
    await page.fill('#dlg input[name=password]', 'e2e-officer-pass');
    await page.click('#dlg-ok');
    const row = page.locator('tr[data-user="e2e_officer"]');
    await row.waitFor({ timeout: 10000 });
    assert.deepEqual((await row.locator('td').allInnerTexts()).slice(0, 5), ['e2e_officer', '部门人员', '城管', '新天地街区', '正常']);

    // change its role to dispatcher, without a department
    await row.locator('.act-edit').click();
    assert.equal(await page.inputValue('#dlg select[name=department]'), 'urban_mgmt');
    await page.selectOption('#dlg select[name=role]', 'dispatcher');
    await page.selectOption('#dlg select[name=department]', '');
    await page.click('#dlg-ok');
    await row.locator('td', { hasText: '调度员' }).waitFor({ timeout: 10000 });
    const u = (await w.ok('admin', 'GET', '/api/v1/users')).users.find((x) => x.name === 'e2e_officer');
    assert.deepEqual([u.role, u.department, u.scope], ['dispatcher', null, 'gongshu/dongxin/xintiandi']);

    // rotate a source's token: shown once, copied, the old one refused
    await tab(page, 'sources');
    const src = page.locator('tr[data-source="wenlv_flow"]');
    await src.locator('.act-rotate').click();
    await page.click('#dlg-ok');
    await page.locator('#token-value').waitFor({ timeout: 10000 });
    const token = await page.locator('#token-value').innerText();
    assert.match(token, /^zz_/);
    assert.match(await page.locator('.token-once').innerText(), /此令牌只显示这一次/);
    await page.click('#token-copy');
    await page.locator('#token-copy', { hasText: '已复制' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
    const rec = [{ entity: 'xtd-ctr-02', metric: 'visitors', ts: Date.now() - MIN, value: 1 }];
    assert.equal((await w.ingest(rec, { token: w.tokens.wenlv_flow })).status, 401, 'the old token stops working');
    w.tokens.wenlv_flow = token;
    const ok = await w.ingest(rec, { token });
    assert.equal(ok.status, 200, ok.text);
    await shot(page, 'admin-token-once.png');

    // the audit: only the role change
    await tab(page, 'audit');
    await page.selectOption('#audit-filters select[name=action]', 'user.update');
    await page.click('#audit-go');
    await page.waitForFunction(() => [...document.querySelectorAll('table.audit tbody tr')]
      .every((tr) => tr.dataset.action === 'user.update') && document.querySelectorAll('table.audit tbody tr').length === 1);
    const cells = await page.locator('table.audit tbody tr td').allInnerTexts();
    assert.equal(cells[1], 'admin');
    assert.equal(cells[2], '修改角色/范围');
    assert.equal(cells[3], 'e2e_officer');
    assert.match(cells[4], /调度员|dispatcher/);
    // and text search finds the token rotation by its source
    await page.selectOption('#audit-filters select[name=action]', '');
    await page.fill('#audit-filters input[name=q]', 'wenlv_flow');
    await page.click('#audit-go');
    await page.locator('table.audit tbody tr[data-action="source.token"]').waitFor({ timeout: 10000 });

    // a rule with a mistake: the server's message next to the field it names
    await tab(page, 'rules');
    await page.locator('tr[data-rule="site_pm10_high"] .act-edit').click();
    await page.locator('#rule-editor').waitFor();
    await page.fill('#rule-editor input[name="condition.value"]', 'abc');
    await page.click('#rule-save');
    const err = page.locator('#rule-editor [data-field="condition.value"] .ferr');
    await page.locator('#rule-editor [data-field="condition.value"] .ferr', { hasText: /\S/ }).waitFor({ timeout: 10000 });
    assert.match(await err.innerText(), /number|数/);
    assert.equal(await page.locator('#rule-editor [data-field="condition.value"] input').count(), 1, 'beside its own input');
    const stored = (await w.ok('admin', 'GET', '/api/v1/rules')).rules.find((r) => r.id === 'site_pm10_high');
    assert.equal(stored.condition.value, 150, 'nothing saved');
    // preview with the limit fixed: what it would have raised in the last 24 h, opening nothing
    const before = (await w.ok('admin', 'GET', '/api/v1/alerts?rule=site_pm10_high&limit=1000')).alerts.length;
    await page.fill('#rule-editor input[name="condition.value"]', '200');
    await page.click('#rule-preview-go');
    await page.locator('#preview-summary').waitFor({ timeout: 20000 });
    assert.match(await page.locator('#preview-summary').innerText(), /将触发 \d+ 次预警/);
    await page.locator('#rule-preview table.hits td', { hasText: site.name_zh }).first().waitFor();
    assert.equal(await page.locator('#rule-editor [data-field="condition.value"] .ferr').innerText(), '', 'the error is gone');
    assert.equal((await w.ok('admin', 'GET', '/api/v1/alerts?rule=site_pm10_high&limit=1000')).alerts.length, before);
    await shot(page, 'admin-rule-preview.png');
    // an alert sentence with a placeholder the server does not fill: said beside it
    await page.fill('#rule-editor input[name="message_zh"]', '{entity}电梯{oops}');
    await page.click('#rule-save');
    await page.locator('#rule-editor [data-field="message_zh"] .ferr', { hasText: /oops/ }).waitFor({ timeout: 10000 });
    await page.fill('#rule-editor input[name="message_zh"]', '');
    // the same in JSON: a mistake outside the form's fields shows at the text
    await page.click('#rule-json');
    const json = JSON.parse(await page.inputValue('#rule-editor textarea[name=json]'));
    assert.equal(json.condition.value, 200);
    json.severity = 'apocalyptic';
    await page.fill('#rule-editor textarea[name=json]', JSON.stringify(json));
    await page.click('#rule-save');
    await page.locator('#rule-editor [data-field="*"] .ferr', { hasText: /severity/ }).waitFor({ timeout: 10000 });
    assert.deepEqual(page.errors.filter((e) => !/status of 4\d\d/.test(e)), [], 'no console errors');
  });

test('an admin adds a webhook: the secret shown once, then its row with the delivery state', { timeout: 60000 }, async () => {
  const page = await browsers.open(DESK);
  await signIn(page, USERS.admin, '/admin#webhooks');
  await page.locator('#pane[data-ready="webhooks"]').waitFor({ timeout: 15000 });
  await page.click('#webhook-add');
  await page.fill('#dlg input[name=url]', 'http://127.0.0.1:9/hook');
  await page.locator('#dlg-ok').click();
  await page.locator('#webhook-secret').waitFor({ timeout: 15000 });
  assert.match(await page.locator('#webhook-secret').innerText(), /^whs[0-9a-f]{48}$/);
  const row = page.locator('tr[data-webhook]');
  await row.waitFor();
  assert.match(await row.innerText(), /127\.0\.0\.1:9\/hook[\s\S]*告警产生[\s\S]*正常[\s\S]*从未/);
  assert.deepEqual(page.errors, [], 'no console errors');
});

test('every tab at 1920x1080 and 1366x768, in Chinese and English: no overflow, no raw ids', { timeout: 240000 }, async () => {
  const page = await browsers.open(WALL);
  await signIn(page, USERS.admin);
  await page.locator('#pane[data-ready="users"]').waitFor({ timeout: 15000 });
  const problems = [];
  for (const size of [WALL, DESK]) {
    await page.setViewportSize(size);
    for (const lang of ['zh', 'en']) {
      if ((await page.evaluate(() => document.documentElement.lang)) !== (lang === 'zh' ? 'zh-CN' : 'en')) {
        await page.click('#lang');
        await page.locator('#pane[data-ready]').waitFor();
      }
      for (const id of TABS) {
        await tab(page, id);
        if (id === 'rules') {
          await page.locator('tr[data-rule="site_pm10_high"] .act-edit').click();
          await page.locator('#rule-editor').waitFor();
        }
        if (id === 'matters') {
          await page.locator('tr[data-matter] .act-edit').first().click();
          await page.locator('#matter-editor').waitFor();
        }
        const where = `${id} ${size.width} ${lang}`;
        const m = await page.evaluate(() => ({
          over: document.documentElement.scrollWidth - window.innerWidth,
          text: document.body.innerText,
          // elements whose content is wider than they are (text cut or spilling)
          spill: [...document.querySelectorAll('header *, .tabs a, button, th')]
            .filter((e) => e.offsetParent && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible')
            .map((e) => e.id || e.className || e.tagName),
        }));
        if (m.over > 0) problems.push(`${where}: page ${m.over}px wider than the window`);
        if (m.spill.length) problems.push(`${where}: clipped ${m.spill.join(', ')}`);
        const raw = m.text.match(RAW_ID);
        if (raw) problems.push(`${where}: raw id "${raw[0]}"`);
        if (lang === 'en' && /[\u4e00-\u9fff]/.test(await page.locator('#tabs').innerText())) problems.push(`${where}: Chinese tabs`);
        await shot(page, `admin-${id}-${size.width}-${lang}.png`);
      }
    }
  }
  assert.deepEqual(problems, []);
  // back to Chinese for the other tests
  await page.click('#lang');
});

test('a viewer is told the page is for administrators', { timeout: 60000 }, async () => {
  const page = await browsers.open(DESK);
  await signIn(page, USERS.viewer);
  await page.locator('#login-error', { hasText: '此页面仅供管理员使用' }).waitFor({ timeout: 15000 });
  assert.match(await page.locator('#login-error').innerText(), /viewer_dx（领导）/);
  assert.equal(await page.locator('#admin').isHidden(), true);
  assert.deepEqual(page.errors, [], 'no console errors');
});

test('the top bar logs out, here and on /admin/codes', { timeout: 60000 }, async () => {
  const page = await browsers.open(DESK);
  for (const at of ['/admin', '/admin/codes']) {
    await signIn(page, USERS.admin, at);
    await page.locator('#logout').waitFor({ timeout: 15000 });
    assert.match(await page.locator('#who').innerText(), /^admin · 管理员/);
    await page.click('#logout');
    await page.locator('#login:not([hidden])').waitFor({ timeout: 15000 });
    const s = await page.evaluate(() => fetch('/api/v1/session').then((r) => r.json()));
    assert.equal(s.user, null, `signed out at ${at}`);
  }
});
