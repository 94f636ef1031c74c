// End to end in real Chromium: the visitor's language is one choice for the
// whole site (web/lib/i18n.js, one localStorage key). English chosen on the
// public catalog /services holds on the cockpit, the dispatch console and a
// phone page; a choice stored under the public pages' old key (zz_lang) is
// taken over once. Then screenshots of the pages web/lib/ serves, in
// Chinese and English, at 1920x1080 and 1366x768 (phone pages at 375 px),
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

test('English chosen on /services holds on the cockpit, the dispatch console and a phone page', { timeout: 120000 }, async () => {
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

  // a phone page (a receipt number nobody has: the friendly card)
  await page.goto(w.base + '/m/r/NOSUCHRCPT');
  await page.locator('#friendly').waitFor({ timeout: 15000 });
  assert.equal(await htmlLang(page), 'en');
  assert.match(await page.locator('#friendly').innerText(), /No report has this receipt number/);

  // and back to Chinese from the console: /services follows
  await page.goto(w.base + '/dispatch');
  await page.locator('#console:not([hidden])').waitFor({ timeout: 15000 });
  await page.click('#lang');
  await page.goto(w.base + '/services');
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  assert.equal(await htmlLang(page), 'zh-CN');
  assert.match(await page.locator('#count').innerText(), /^共 \d+ 项$/);
  assert.deepEqual(errorsBut404(page), []);
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

const STAFF_PAGES = [
  ['services', '/services', null, 'body[data-ready="1"] #map[data-ready="1"]'],
  ['cockpit', '/', USERS.admin, '#grid[data-ready]'],
  ['dispatch', '/dispatch', { name: 'disp', password: STAFF.disp.password }, '#console:not([hidden])'],
  ['dept', '/dept', { name: 'um', password: STAFF.um.password }, '#list li'],
  ['admin-codes', '/admin/codes', USERS.admin, '#rows tr'],
];

for (const lang of ['zh', 'en']) {
  for (const viewport of [{ width: 1920, height: 1080 }, { width: 1366, height: 768 }]) {
    test(`screenshots in ${lang} at ${viewport.width}x${viewport.height}`, { timeout: 180000 }, async () => {
      for (const [name, url, user, ready] of STAFF_PAGES) {
        const page = await shotBrowser(viewport, lang, user);
        await page.goto(w.base + url);
        await page.locator(ready).first().waitFor({ timeout: 20000 });
        await page.waitForTimeout(800); // let charts and lists settle before the picture
        assert.equal(await htmlLang(page), lang === 'zh' ? 'zh-CN' : 'en', name);
        await shoot(page, `${name}-${lang}-${viewport.width}`);
        assert.deepEqual(errorsBut404(page), [], name);
        await page.close();
      }
    });
  }
}

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
    assert.deepEqual(errorsBut404(page), []);
    await page.close();
  }
});
