// End to end on a 1366x768 desk: an admin at /admin/codes generates the
// customer codes of Xintiandi's venues, pages through the list, opens a code
// that was scanned once (QR, token, scans chart), revokes it (the public API
// answers 410 and the phone page says so), reissues another and sees the new
// token; an entity whose name is markup shows as text; a viewer is told the
// page is for admins. Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browsers } from './lib/browser.mjs';
import { dispatchWorld } from '../integration/lib/dispatch.mjs';
import { USERS } from '../integration/harness.mjs';

const XTD = 'gongshu/dongxin/xintiandi';
const DESK = { width: 1366, height: 768 };
const MARKUP = '<img src=x onerror="window.__xss=1">夜猫子酒吧';

let w;
const browsers = new Browsers();

before(async () => { w = await dispatchWorld(); });
after(async () => {
  await browsers.closeAll();
  await w?.close();
});

async function signIn(page, who) {
  await page.goto(w.base + '/admin/codes');
  await page.fill('#login input[name=name]', who.name);
  await page.fill('#login input[name=password]', who.password);
  await page.click('#login button[type=submit]');
}

function shot(page, name) {
  fs.mkdirSync(path.join('test-results', 'e2e'), { recursive: true });
  return page.screenshot({ path: path.join('test-results', 'e2e', name) });
}

test('an admin generates, pages, opens, revokes and reissues codes at /admin/codes', { timeout: 120000 }, async () => {
  await w.ok('admin', 'POST', '/api/v1/entities', { id: 'xtd-venue-markup', type: 'venue', name_zh: MARKUP,
    name_en: 'Night owl bar', region: XTD, lon: 120.1795, lat: 30.3115, attrs: {} }, 201);
  const venues = (await w.ok('admin', 'GET', `/api/v1/entities?type=venue&region=${XTD}&limit=1000`)).entities;
  assert.ok(venues.length > 50, 'more venues than one page of the list');

  const page = await browsers.open(DESK);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: w.base });
  await signIn(page, USERS.admin);
  await page.locator('#console').waitFor({ timeout: 15000 });
  assert.equal(await page.locator('#who').innerText(), 'admin · 管理员');

  // the form: regions by Chinese name, indented by level; venues by default for customer codes
  assert.equal(await page.locator(`#g-region option[value="${XTD}"]`).innerText(), '\u3000\u3000新天地街区');
  assert.equal(await page.locator('#g-region option[value="gongshu"]').innerText(), '拱墅区');
  assert.equal(await page.inputValue('#g-type'), 'venue');
  await page.selectOption('#g-kind', 'enterprise');
  assert.equal(await page.inputValue('#g-type'), 'enterprise');
  await page.selectOption('#g-kind', 'customer');
  assert.equal(await page.inputValue('#g-type'), 'venue');
  await page.selectOption('#g-region', XTD);
  await page.click('#g-go');
  await page.locator('#g-result[data-created]').waitFor({ timeout: 30000 });
  assert.equal(await page.locator('#g-result').getAttribute('data-created'), String(venues.length));
  assert.match(await page.locator('#g-result').innerText(), new RegExp(`新天地街区：新生成 ${venues.length} 个顾客码，0 个对象已有码`));
  // the button comes back once the list has loaded too (the result shows first): wait for it
  await page.locator('#g-go:not([disabled])').waitFor({ timeout: 15000 });
  assert.equal(await page.locator('#g-go').isDisabled(), false, 'the button is back once done');

  // the list: the region's codes, 50 a page, the rest behind "more"
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 50);
  assert.equal(await page.inputValue('#f-region'), XTD);
  assert.equal(await page.inputValue('#f-kind'), 'customer');
  await page.click('#more');
  await page.waitForFunction((n) => document.querySelectorAll('#rows tr').length === n, venues.length);
  assert.equal(await page.locator('#more').isHidden(), true);
  assert.equal(await page.locator('#sheet').getAttribute('href'), `/codes-sheet?region=${encodeURIComponent(XTD)}&kind=customer`);
  assert.equal(await page.locator('#sheet').getAttribute('target'), '_blank');

  // a name that is markup is shown as text, never run
  const odd = page.locator('#rows tr[data-entity="xtd-venue-markup"]');
  assert.equal(await odd.locator('.ename').innerText(), MARKUP);
  assert.equal(await page.locator('#rows img').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);

  // generating again makes nothing new (and shows the list's first page again)
  await page.click('#g-go');
  await page.locator('#g-result[data-created="0"]').waitFor({ timeout: 30000 });
  assert.match(await page.locator('#g-result').innerText(), new RegExp(`新生成 0 个顾客码，${venues.length} 个对象已有码`));
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 50);
  await page.click('#more');
  await page.waitForFunction((n) => document.querySelectorAll('#rows tr').length === n, venues.length);

  // one code, scanned once by a phone
  const codes = (await w.ok('admin', 'GET', `/api/v1/codes?kind=customer&region=${XTD}&limit=3`)).codes;
  const [one, two, three] = codes;
  assert.equal((await w.api('GET', `/api/public/codes/${one.token}`)).status, 200);
  await page.click(`#rows tr[data-id="${one.id}"]`);
  await page.locator('#d-token', { hasText: one.token }).waitFor();
  assert.equal(await page.locator('#d-name').innerText(), one.entity_name_zh);
  assert.equal(await page.locator('#d-url').innerText(), one.url);
  await page.waitForFunction(() => { const i = document.querySelector('#d-qr img'); return i && i.complete && i.naturalWidth > 0; });
  assert.equal(await page.locator('#d-qr img').getAttribute('src'), `/api/v1/codes/${one.id}/qr.svg`);
  const png = await page.request.get(w.base + await page.locator('#d-png').getAttribute('href'));
  assert.equal(png.status(), 200);
  assert.equal(png.headers()['content-type'], 'image/png');
  assert.equal(await page.locator('#detail svg.scans-chart rect.bar').count(), 30);
  assert.equal(await page.locator('#detail svg.scans-chart rect.bar[data-scans="1"]').count(), 1);
  assert.match(await page.locator('#d-scans').innerText(), /近30天 1 次/);
  assert.equal(await page.locator(`#rows tr[data-id="${one.id}"] td.scans`).innerText(), '1');
  await page.click('#d-copy');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), one.token);
  await shot(page, 'codes-admin-detail.png');

  // revoke asks first: cancelling leaves the code alone
  await page.click(`#rows tr[data-id="${three.id}"] button[data-act=revoke]`);
  await page.locator('#confirm[open]').waitFor();
  await page.click('#confirm button[value=cancel]');
  assert.equal((await w.ok('admin', 'GET', `/api/v1/codes/${three.id}`)).code.state, 'active');

  await page.click('#d-revoke');
  await page.locator('#confirm[open]').waitFor();
  assert.match(await page.locator('#c-text').innerText(), /此操作不能撤销/);
  await page.click('#c-ok');
  await page.locator('#d-state', { hasText: '已作废' }).waitFor();
  assert.equal(await page.locator(`#rows tr[data-id="${one.id}"] button[data-act=revoke]`).count(), 0);
  const gone = await w.api('GET', `/api/public/codes/${one.token}`);
  assert.equal(gone.status, 410);
  assert.equal(gone.json.error.code, 'code_revoked');
  const phone = await browsers.open({ width: 375, height: 812 });
  await phone.goto(`${w.base}/m/c/${one.token}`);
  await phone.locator('#friendly', { hasText: '此码已停用' }).waitFor({ timeout: 10000 });

  // reissue from the row: the detail shows the new token, the old one is replaced
  await page.click(`#rows tr[data-id="${two.id}"] button[data-act=reissue]`);
  await page.click('#c-ok');
  await page.locator('#d-notice').waitFor();
  const token = await page.locator('#d-token').innerText();
  assert.notEqual(token, two.token);
  assert.match(token, /^[A-Za-z0-9_-]{22}$/);
  const old = (await w.ok('admin', 'GET', `/api/v1/codes/${two.id}`)).code;
  assert.equal(old.state, 'revoked');
  const fresh = (await w.ok('admin', 'GET', `/api/v1/codes/${old.replaced_by}`)).code;
  assert.equal(fresh.token, token);
  assert.equal(fresh.entity, two.entity);
  assert.match(await page.locator('#d-notice').innerText(), new RegExp(`原码 #${two.id} 已作废，新码为 #${fresh.id}`));
  assert.equal((await w.api('GET', `/api/public/codes/${token}`)).status, 200);
  assert.equal((await w.api('GET', `/api/public/codes/${two.token}`)).status, 410);
  await page.locator(`#rows tr[data-id="${fresh.id}"]`).waitFor(); // the list was complete: the new code joins it

  // the state filter: only the two revoked ones
  await page.selectOption('#f-state', 'revoked');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 2);
  assert.deepEqual(await page.$$eval('#rows tr', (rs) => rs.map((r) => Number(r.dataset.id))), [one.id, two.id]);
  assert.deepEqual(await page.$$eval('#rows .cstate', (s) => s.map((x) => x.textContent)), ['已作废', '已作废']);

  // English
  await page.click('#lang');
  await page.locator('header small', { hasText: 'Customer and enterprise codes' }).waitFor();
  assert.deepEqual(await page.$$eval('#rows .cstate', (s) => s.map((x) => x.textContent)), ['Revoked', 'Revoked']);
  assert.match(await page.locator('#g-result').innerText(), new RegExp(`0 new customer codes, ${venues.length} entities already had one`));
  assert.match(await page.locator('#d-notice').innerText(), new RegExp(`Reissued: #${two.id} is revoked; the new code is #${fresh.id}`));
  await shot(page, 'codes-admin-en.png');
  await page.click('#lang');
  await shot(page, 'codes-admin.png');
  assert.deepEqual(page.errors, [], 'no console errors');

  // the desk's and the cockpit's top bar (lib/nav.js) lead admins to the admin screens, which link here
  await page.goto(w.base + '/dispatch');
  await page.locator('nav a[href="/admin"], header a[href="/admin"]').first().waitFor({ timeout: 15000 });
  await page.goto(w.base + '/');
  await page.locator('#nav a[href="/admin"]').waitFor({ timeout: 15000 });
});

test('enterprise codes for thousands of entities fill a progress bar batch by batch', { timeout: 120000 }, async () => {
  const ents = (await w.ok('admin', 'GET', `/api/v1/entities?type=enterprise&region=${XTD}&limit=1`));
  assert.ok(ents.next_cursor, 'more than one enterprise');
  const page = await browsers.open(DESK);
  await signIn(page, USERS.admin);
  await page.locator('#console').waitFor({ timeout: 15000 });
  // hold the third batch so the half-way state can be looked at
  let calls = 0, release;
  const held = new Promise((r) => { release = r; });
  let reached;
  const third = new Promise((r) => { reached = r; });
  await page.route('**/api/v1/codes/generate', async (route) => {
    if (++calls === 3) { reached(); await held; }
    await route.continue();
  });
  await page.selectOption('#g-kind', 'enterprise');
  await page.selectOption('#g-region', XTD);
  await page.click('#g-go');
  await third;
  const bar = page.locator('#g-busy');
  await page.waitForFunction(() => Number(document.querySelector('#g-busy').value) === 1000);
  const max = Number(await bar.getAttribute('max'));
  assert.ok(max > 1000, `the bar runs to the ${max} enterprises`);
  assert.equal(await bar.isVisible(), true);
  assert.match(await page.locator('#g-result').innerText(), new RegExp(`生成中：1000 / ${max} 个对象`));
  assert.equal(await page.locator('#g-go').isDisabled(), true, 'no second run while one goes');
  await shot(page, 'codes-admin-progress.png');
  release();
  await page.locator('#g-result[data-created]').waitFor({ timeout: 60000 });
  assert.equal(calls, Math.ceil(max / 500));
  assert.equal(await page.locator('#g-result').getAttribute('data-created'), String(max));
  assert.match(await page.locator('#g-result').innerText(), new RegExp(`新生成 ${max} 个企业码，0 个对象已有码（共 ${max} 个对象）`));
  assert.equal(await bar.isHidden(), true);
  assert.equal((await w.ok('admin', 'GET', `/api/v1/codes?kind=enterprise&region=${XTD}&limit=1`)).codes.length, 1);
  assert.deepEqual(page.errors, [], 'no console errors');
});

test('a viewer who signs in is told the page is for administrators', { timeout: 60000 }, async () => {
  const page = await browsers.open(DESK);
  await signIn(page, USERS.viewer);
  await page.locator('#login-error', { hasText: '仅运维管理员可以管理顾客码和企业码' }).waitFor({ timeout: 15000 });
  assert.match(await page.locator('#login-error').innerText(), /viewer_dx（角色 viewer）/);
  assert.equal(await page.locator('#console').isHidden(), true);
  await page.click('#lang');
  assert.match(await page.locator('#login-error').innerText(), /Only administrators may manage/);
  assert.deepEqual(page.errors, [], 'no console errors');
  // the cockpit shows a viewer no link to the admin screens
  await page.goto(w.base + '/');
  await page.locator('#who', { hasText: 'viewer_dx' }).waitFor({ timeout: 15000 });
  assert.equal(await page.locator('#nav a[href="/admin"], #nav a[href="/admin/codes"]').count(), 0);
});
