// End to end in real Chromium: the visitor's language is one choice for the
// whole site (web/lib/i18n.js, one localStorage key). English chosen on the
// public catalog /services holds on the cockpit, the dispatch, codes and
// department consoles and the three phone pages, and a choice made on a phone
// page or the cockpit holds back; a choice stored under the public pages' old
// key (zz_lang) is taken over once. An API error shows the server's own
// message (lib/api.js's one ApiError) on the cockpit, a console and a phone
// page. Then screenshots of the pages web/lib/ serves, in Chinese and English, at 1920x1080 and 1366x768 (phone pages at 375 px),
// into test-results/e2e/lang-*.png, each with no console or page error.
// Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/language.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browsers } from './lib/browser.mjs';
import { dispatchWorld, STAFF } from '../integration/lib/dispatch.mjs';
import { USERS } from '../integration/harness.mjs';

const XTD = 'gongshu/dongxin/xintiandi';
const SHOTS = path.join('test-results', 'e2e');
const WEEKDAYS_EN = /\b(Sun|Mon|Tue|Wed|Thu|Fri|Sat)\b/;

let w;
const browsers = new Browsers();

let code; // a venue's customer code, for the phone pages and the code console
before(async () => {
  w = await dispatchWorld();
  fs.mkdirSync(SHOTS, { recursive: true });
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD }, 201);
  code = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes[0];
});

// Console errors but 404s: the unknown receipt asked for on purpose, and the
// /favicon.ico Chromium asks of pages that name no icon (dispatch, dept).
const errorsBut404 = (page) => page.errors.filter((e) => !/status of 404/.test(e));
after(async () => {
  await browsers.closeAll();
  await w?.close();
});

async function signIn(page, name, password) {
  await page.fill('#login input[name=name]', name);
  await page.fill('#login input[name=password]', password);
  await page.click('#login button[type=submit]');
}

const htmlLang = (page) => page.evaluate(() => document.documentElement.lang);
const stored = (page) => page.evaluate(() => ({ key: localStorage.getItem('zz-lang'), old: localStorage.getItem('zz_lang') }));

test('English chosen on /services holds on the cockpit, the three consoles and the phone pages, and back', { timeout: 120000 }, async () => {
  const page = await browsers.open({ width: 1366, height: 768 });
  await page.goto(w.base + '/services');
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  assert.equal(await htmlLang(page), 'zh-CN', 'a new visitor reads Chinese');
  await page.click('#lang');
  assert.equal(await htmlLang(page), 'en');
  assert.match(await page.locator('#count').innerText(), /^\d+ matters$/);
  assert.deepEqual(await stored(page), { key: 'en', old: null });

  // the cockpit: its sign-in form, then the signed-in screen (the clock's weekday comes from t())
  await page.goto(w.base + '/');
  await page.locator('#login:not([hidden])').waitFor({ timeout: 15000 });
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await page.locator('#login h2').innerText(), 'Digital cockpit · sign in');
  await signIn(page, USERS.admin.name, USERS.admin.password);
  await page.waitForSelector('#grid[data-ready]', { timeout: 20000 });
  await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('clock').textContent), WEEKDAYS_EN.source);
  assert.equal(await page.locator('#logout').innerText(), 'Sign out');

  // the dispatch console, signed in with the same session
  await page.goto(w.base + '/dispatch');
  await page.locator('#console:not([hidden])').waitFor({ timeout: 15000 });
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await page.locator('#lang').innerText(), '中文');
  assert.equal(await page.locator('header h1 small').innerText(), 'Dispatch console');

  // the codes console (the same admin) and the department console (whose
  // refusal of an admin is said in the page's language)
  await page.goto(w.base + '/admin/codes');
  await page.locator('#rows tr').first().waitFor({ timeout: 15000 });
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await page.locator('header h1 small').innerText(), 'Customer and enterprise codes');
  assert.equal(await page.locator('#f-state option').first().innerText(), 'Any state');
  await page.goto(w.base + '/dept');
  await page.locator('#login:not([hidden])').waitFor({ timeout: 15000 });
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await page.locator('#login h2').innerText(), 'Sign in');
  await page.waitForFunction(() => /This page is for officer/.test(document.getElementById('login-error').textContent));

  // the phone pages: a code's page, an unknown receipt and an unknown application (friendly cards)
  await page.goto(`${w.base}/m/c/${code.token}`);
  await page.locator('#venue').waitFor({ timeout: 15000 });
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await page.locator('#title').innerText(), 'Report by scanning');
  assert.equal(await page.locator('#app h2').first().innerText(), 'Choose what to report');
  await page.goto(w.base + '/m/r/NOSUCHRCPT');
  await page.locator('#friendly').waitFor({ timeout: 15000 });
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await page.locator('#title').innerText(), 'Progress');
  assert.match(await page.locator('#friendly').innerText(), /No report has this receipt number/);
  await page.goto(`${w.base}/m/a/${'0'.repeat(32)}`);
  await page.locator('#friendly').waitFor({ timeout: 15000 });
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await page.locator('#title').innerText(), 'Application');
  assert.match(await page.locator('#friendly').innerText(), /No application has this number/);

  // back to Chinese from the dispatch console: /services follows
  await page.goto(w.base + '/dispatch');
  await page.locator('#console:not([hidden])').waitFor({ timeout: 15000 });
  await page.click('#lang');
  await page.goto(w.base + '/services');
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  assert.equal(await htmlLang(page), 'zh-CN');
  assert.match(await page.locator('#count').innerText(), /^共 \d+ 项$/);

  // English again from a phone page: the cockpit and a console follow, and Chinese back from the cockpit
  await page.goto(`${w.base}/m/c/${code.token}`);
  await page.locator('#venue').waitFor({ timeout: 15000 });
  await page.click('#lang');
  assert.equal(await page.locator('#title').innerText(), 'Report by scanning');
  assert.deepEqual(await stored(page), { key: 'en', old: null });
  await page.goto(w.base + '/');
  await page.waitForSelector('#grid[data-ready]', { timeout: 20000 });
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await page.locator('#logout').innerText(), 'Sign out');
  await page.goto(w.base + '/admin/codes');
  await page.locator('#rows tr').first().waitFor({ timeout: 15000 });
  assert.equal(await page.locator('header h1 small').innerText(), 'Customer and enterprise codes');
  await page.goto(w.base + '/');
  await page.waitForSelector('#grid[data-ready]', { timeout: 20000 });
  await page.click('header .lang-switch');
  assert.equal(await page.locator('#logout').innerText(), '退出');
  await page.goto(`${w.base}/m/c/${code.token}`);
  await page.locator('#venue').waitFor({ timeout: 15000 });
  assert.equal(await htmlLang(page), 'zh-CN');
  assert.equal(await page.locator('#title').innerText(), '扫码反映问题');
  assert.deepEqual(errorsBut404(page), []);
});

// The server's {"error":{"code","message","field"}} reaches the person as its
// message, through lib/api.js's one ApiError, on the cockpit, a console and
// a phone page: each page is made to fail a request, and the same request
// sent here says what the page must show.
test('an API error shows the server\'s own message on the cockpit, a console and a phone page', { timeout: 120000 }, async () => {
  // the pages are in Chinese: they show the sentence's Chinese (message_zh)
  const shape = (r) => {
    assert.ok(r.status >= 400 && r.json && r.json.error && r.json.error.code && r.json.error.message && r.json.error.message_zh, JSON.stringify(r.json));
    assert.match(r.json.error.message_zh, /[\u4e00-\u9fff]/, 'a Chinese sentence');
    return r.json.error.message_zh;
  };
  const page = await browsers.open({ width: 1366, height: 768 });

  // the cockpit's sign-in with a name nobody has
  const login = { name: 'nobody_here', password: 'not the password' };
  await page.goto(w.base + '/');
  await page.locator('#login:not([hidden])').waitFor({ timeout: 15000 });
  await signIn(page, login.name, login.password);
  const said = shape(await w.api('POST', '/api/v1/login', { body: login }));
  await page.waitForFunction((m) => document.getElementById('login-error').textContent === m, said);

  // the dispatch console: a new order in a region that does not exist
  const r = await page.request.post(w.base + '/api/v1/login', { data: { name: 'disp', password: STAFF.disp.password } });
  assert.equal(r.status(), 200);
  await page.goto(w.base + '/dispatch');
  await page.locator('#console:not([hidden])').waitFor({ timeout: 15000 });
  await page.click('#new-order');
  const matter = await page.locator('#n-matter').inputValue();
  // the picker offers only real regions: put a stale one in, as a region removed meanwhile would be
  await page.evaluate(() => {
    const s = document.getElementById('n-region');
    s.add(new Option('gone', 'gongshu/no_such_street'));
    s.value = 'gongshu/no_such_street';
  });
  await page.click('#new-ok');
  const refused = shape(await w.call('disp', 'POST', '/api/v1/orders', { matter, region: 'gongshu/no_such_street' }));
  await page.waitForFunction((m) => document.getElementById('new-error').textContent === m, refused);

  // a phone page: a report the server refuses (a phone number that is not
  // one); the field is named by its label, not as fields.phone
  await page.goto(`${w.base}/m/c/${code.token}`);
  await page.locator('#venue').waitFor({ timeout: 15000 });
  await page.click('button[data-matter=noise_disturbance]');
  await page.selectOption('#f_when', 'now');
  await page.selectOption('#f_source', 'music');
  await page.fill('#f_phone', '12');
  const location = await page.locator('#f_location').inputValue();
  const label = (await page.textContent('label[for=f_phone]')).trim();
  await page.click('#submit');
  const r2 = await w.api('POST', `/api/public/codes/${code.token}/reports`,
    { body: { matter: 'noise_disturbance', fields: { when: 'now', source: 'music', location, phone: '12' } } });
  assert.equal(r2.json.error.field, 'fields.phone', JSON.stringify(r2.json));
  const bad = shape(r2).split('fields.phone ').join(`「${label}」`).split('fields.phone').join(`「${label}」`);
  assert.ok(!bad.includes('fields.'), bad);
  await page.waitForFunction((m) => document.getElementById('error').textContent === m, bad);
  assert.deepEqual(errorsBut404(page).filter((e) => !/status of 4(01|22|00)/.test(e)), []);
});

test('a choice under the old key zz_lang is taken over once', { timeout: 60000 }, async () => {
  const page = await browsers.open({ width: 1366, height: 768 });
  await page.goto(w.base + '/services');
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  await page.evaluate(() => { localStorage.clear(); localStorage.setItem('zz_lang', 'en'); });
  await page.goto(w.base + '/dispatch');
  await page.locator('#login:not([hidden])').waitFor({ timeout: 15000 });
  assert.equal(await htmlLang(page), 'en', 'the console reads the phone pages\' old choice');
  assert.deepEqual(await stored(page), { key: 'en', old: null }, 'moved to the one key');
  // a choice already under the one key wins over a stale old one
  await page.evaluate(() => { localStorage.setItem('zz-lang', 'zh'); localStorage.setItem('zz_lang', 'en'); });
  await page.goto(w.base + '/services');
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  assert.equal(await htmlLang(page), 'zh-CN');
  assert.deepEqual(await stored(page), { key: 'zh', old: null });
  assert.deepEqual(errorsBut404(page), []);
});

// ---- screenshots ----

// A browser whose pages open in `lang`, signed in as `user` when given.
async function shotBrowser(viewport, lang, user) {
  const page = await browsers.open(viewport);
  await page.addInitScript((l) => localStorage.setItem('zz-lang', l), lang);
  if (user) {
    const r = await page.request.post(w.base + '/api/v1/login', { data: { name: user.name, password: user.password } });
    assert.equal(r.status(), 200, `login ${user.name}`);
  }
  return page;
}

async function shoot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `lang-${name}.png`) });
}

// The staff pages in both languages at 1920 and 1366 are fit.test.mjs's
// (with stronger checks: nothing overflows, no raw id) and the cockpit's
// cockpit-wall.test.mjs's; this file keeps the phone pages' pictures.

test('phone pages at 375 px in zh and en', { timeout: 120000 }, async () => {
  for (const lang of ['zh', 'en']) {
    const page = await shotBrowser({ width: 375, height: 812 }, lang);
    await page.goto(`${w.base}/m/c/${code.token}`);
    await page.locator('#venue').waitFor({ timeout: 15000 });
    assert.equal(await htmlLang(page), lang === 'zh' ? 'zh-CN' : 'en');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), 'fits the phone');
    await shoot(page, `scan-${lang}-375`);
    await page.click('button[data-matter=noise_disturbance]');
    await page.locator('#submit').waitFor();
    await shoot(page, `scan-form-${lang}-375`);
    await page.goto(`${w.base}/m/r/NOSUCHRCPT`);
    await page.locator('#friendly').waitFor({ timeout: 15000 });
    await shoot(page, `receipt-unknown-${lang}-375`);
    await page.goto(`${w.base}/m/a/${'0'.repeat(32)}`);
    await page.locator('#friendly').waitFor({ timeout: 15000 });
    await shoot(page, `application-unknown-${lang}-375`);
    assert.deepEqual(errorsBut404(page), []);
    await page.close();
  }
});

// The printable sheet is Chinese for every operator (it is posted on site).
test('the codes sheet', { timeout: 60000 }, async () => {
  const page = await shotBrowser({ width: 1366, height: 768 }, 'en', USERS.admin);
  await page.goto(`${w.base}/codes-sheet?region=${XTD}&kind=customer`);
  await page.locator('#sheet .card').first().waitFor({ timeout: 15000 });
  assert.equal(await page.locator('#sheet .card .hint').first().innerText(), '扫码反映问题：噪音、卫生、价格、食品安全等，全程可查进度');
  await shoot(page, 'codes-sheet-1366');
  assert.deepEqual(errorsBut404(page), []);
  await page.close();
});
