// fit.test.mjs - every screen but the cockpit (cockpit-wall.test.mjs has
// it) fits, in Chinese and English (issue 12: "English mode works: header,
// breadcrumb, tabs and labels fit at 1920 and 1366"): the dispatch desk,
// the department console, every tab of /admin, /admin/codes, /stats,
// /services, /cases, /cases-stats and the deep-pit site view /site at
// 1920x1080 and 1366x768, and the phone pages (a code's page
// and its report form, a receipt, an online application, an application's
// page) at 375x812. On each: no text wider than its box or leaving the
// window, no text over another, no overlap in the top bar, no raw id
// (lib/fit.mjs). Screenshots: test-results/e2e/fit-*.png.
// Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/fit.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browsers } from './lib/browser.mjs';
import { inspectFit } from './lib/fit.mjs';
import { dispatchWorld, STAFF } from '../integration/lib/dispatch.mjs';
import { USERS } from '../integration/harness.mjs';

const XTD = 'gongshu/dongxin/xintiandi';
const SHOTS = path.join('test-results', 'e2e');
const ADMIN_TABS = ['users', 'sources', 'departments', 'rules', 'matters', 'audit'];
const ONLINE = 'joint_parcel_three_certs';

let w;
const browsers = new Browsers();
const contexts = {}; // user name -> a browser context signed in as that user
let code, receipt, application;

before(async () => {
  w = await dispatchWorld();
  fs.mkdirSync(SHOTS, { recursive: true });
  // something on every screen: codes, a citizen's report (dispatched to
  // the urban management officers), an online application
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD }, 201);
  code = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes[0];
  const rep = await w.api('POST', `/api/public/codes/${code.token}/reports`,
    { body: { matter: 'noise_disturbance', fields: { when: 'night', source: 'music', location: '新天地街区东门广场', details: '酒吧音乐声过大，持续到凌晨一点以后，影响周边住户休息' } } });
  assert.equal(rep.status, 201, JSON.stringify(rep.json));
  receipt = rep.json.receipt;
  const orders = (await w.ok('disp', 'GET', '/api/v1/orders?limit=5')).orders;
  await w.ok('disp', 'POST', `/api/v1/orders/${orders[0].id}/actions`, { action: 'dispatch', departments: ['urban_mgmt'] });
  const app = await w.api('POST', '/api/public/applications', { body: { matter: ONLINE,
    applicant: { name: '李明', phone: '0571-88886666', company: '杭州运河置业有限公司' },
    form: { company: '杭州运河置业有限公司', contact_phone: '0571-88886666', parcel: 'GS-2026-017', location: '康桥路与石祥路交叉口东北角' } } });
  assert.equal(app.status, 201, JSON.stringify(app.json));
  application = app.json.application.number;
  // a case file (个案) with a timeline for /cases and /cases-stats
  const cs = await w.ok('admin', 'POST', '/api/v1/cases', { name: '马丽霞', phone: '13805710101', street: 'gongshu/xiaohe',
    community: '小河社区', intention: 'startup', skills: ['电商运营'], hours: '9:00-17:00' }, 201);
  await w.ok('admin', 'POST', `/api/v1/cases/${cs.id}/entries`, { class: 'outcome', kind: 'business', jobs: 2, note: '跨境电商网店' }, 201);
});

after(async () => {
  await browsers.closeAll();
  await w?.close();
});

// A context signed in as `who` ({name, password}), once per user.
async function signedIn(who) {
  const key = who ? who.name : '';
  if (!contexts[key]) {
    const ctx = await browsers.launch();
    if (who) {
      const r = await ctx.request.post(w.base + '/api/v1/login', { data: { name: who.name, password: who.password } });
      assert.equal(r.status(), 200, `login ${who.name}`);
    }
    contexts[key] = ctx;
  }
  return contexts[key];
}

// A page in `lang` at `viewport`, signed in as `who` (null: nobody).
async function open(who, viewport, lang) {
  const page = await (await signedIn(who)).newPage();
  await page.setViewportSize(viewport);
  await page.addInitScript((l) => localStorage.setItem('zz-lang', l), lang);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e.message || e)));
  return page;
}

// Looks at the page: its problems prefixed with `name`, and a screenshot.
async function look(page, name, lang) {
  await page.waitForTimeout(400); // lists and charts settle
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang === 'zh' ? 'zh-CN' : 'en', name);
  const problems = await page.evaluate(inspectFit);
  await page.screenshot({ path: path.join(SHOTS, `fit-${name}.png`) });
  return problems.map((p) => `${name}: ${p}`);
}

const DISP = { name: 'disp', password: STAFF.disp.password };
const UM = { name: 'um', password: STAFF.um.password };

// [name, user, url, what to wait for]
const SCREENS = [
  ['dispatch', DISP, '/dispatch', '#queue tr'],
  ['dept', UM, '/dept', '#console:not([hidden]) #list li'],
  ['admin-codes', USERS.admin, '/admin/codes', '#rows tr'],
  ['stats', USERS.admin, '/stats', 'body[data-ready="1"]'],
  ['services', null, '/services', 'body[data-ready="1"] #map[data-ready="1"]'],
  ['cases', USERS.admin, '/cases', 'body[data-ready="1"] #list li'],
  ['cases-stats', USERS.admin, '/cases-stats', 'body[data-ready="1"]'],
  ['site', USERS.admin, '/site', 'body[data-ready="1"] #map[data-ready="1"]'],
  ['campaign', USERS.admin, '/campaign', 'body[data-ready="1"] #matrix'],
  ...ADMIN_TABS.map((id) => [`admin-${id}`, USERS.admin, `/admin#${id}`, `#pane[data-ready="${id}"]`]),
];

for (const lang of ['zh', 'en']) {
  for (const viewport of [{ width: 1920, height: 1080 }, { width: 1366, height: 768 }]) {
    test(`every screen fits at ${viewport.width}x${viewport.height} in ${lang}`, { timeout: 300000 }, async () => {
      const problems = [];
      for (const [name, who, url, ready] of SCREENS) {
        const page = await open(who, viewport, lang);
        await page.goto(w.base + url);
        await page.locator(ready).first().waitFor({ timeout: 20000 });
        problems.push(...await look(page, `${name}-${viewport.width}-${lang}`, lang));
        assert.deepEqual(page.errors, [], name);
        await page.close();
      }
      assert.deepEqual(problems, []);
    });
  }
}

const PHONE = { width: 375, height: 812 };

for (const lang of ['zh', 'en']) {
  test(`the phone pages fit at 375x812 in ${lang}`, { timeout: 180000 }, async () => {
    const problems = [];
    const page = await open(null, PHONE, lang);
    await page.goto(`${w.base}/m/c/${code.token}`);
    await page.locator('#venue').waitFor({ timeout: 15000 });
    problems.push(...await look(page, `scan-${lang}`, lang));
    await page.click('button[data-matter=noise_disturbance]');
    await page.locator('#submit').waitFor();
    problems.push(...await look(page, `scan-form-${lang}`, lang));
    await page.goto(`${w.base}/m/r/${receipt}`);
    await page.locator('#state').waitFor({ timeout: 15000 });
    problems.push(...await look(page, `receipt-${lang}`, lang));
    await page.goto(`${w.base}/m/o/${ONLINE}`);
    await page.locator('#matter-meta').waitFor({ timeout: 15000 });
    problems.push(...await look(page, `online-${lang}`, lang));
    await page.goto(`${w.base}/m/a/${application}`);
    await page.locator('#status').waitFor({ timeout: 15000 });
    problems.push(...await look(page, `application-${lang}`, lang));
    assert.deepEqual(page.errors, []);
    await page.close();
    assert.deepEqual(problems, []);
  });
}
