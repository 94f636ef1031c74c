// End to end: the inspector's phone checklist (/inspect) in real Chromium at
// 375x812. An inspector of 区市场监管局 picks the market by name, answers
// every item (one fails, with a note), submits, and reads the rectification
// it opened; offline, a submission waits in the queue (待上传 1) and goes
// once the network is back: exactly one inspection is stored; and when the
// answer to a stored visit is lost on the way, the resend is answered from
// the store and still one inspection exists. Screenshots in zh and en:
// /work/shots/inspections/ (or $SHOTS_DIR).
// Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/inspect.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browsers } from './lib/browser.mjs';
import { inspectFit } from './lib/fit.mjs';
import { inspectWorld, USERS_I } from './lib/inspect-world.mjs';

const SHOTS = process.env.SHOTS_DIR || '/work/shots/inspections';
const PHONE = { width: 375, height: 812 };
let world, w;
const browsers = new Browsers();

before(async () => {
  world = await inspectWorld();
  w = world.w;
  fs.mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  await browsers.closeAll();
  await world?.cleanup();
});

async function phone(who, lang = 'zh') {
  const ctx = await browsers.launch(PHONE);
  const r = await ctx.request.post(w.base + '/api/v1/login', { data: { name: who.name, password: who.password } });
  assert.equal(r.status(), 200);
  await ctx.addInitScript((l) => localStorage.setItem('zz-lang', l), lang);
  const page = ctx.pages()[0] || await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e.message || e)));
  return { ctx, page };
}

const count = async (entity) => (await w.api('GET', `/api/v1/inspections?entity=${entity}`, { cookie: world.ck.ms })).json.inspections.length;

// Picks the unit by name and answers every item: all pass but `fail`.
async function fill(page, { checklist, search, entity, parent, fail = {} }) {
  await page.selectOption('#checklist', checklist);
  if (parent) {
    await page.locator(`#parent option[value="${parent}"]`).waitFor({ state: 'attached', timeout: 10000 });
    await page.selectOption('#parent', parent);
  }
  await page.fill('#q', search);
  await page.click(`#found button[data-entity="${entity}"]`);
  const items = await page.$$eval('#items li', (ls) => ls.map((l) => l.dataset.item));
  for (const item of items) {
    const bad = item in fail;
    await page.click(`#items li[data-item="${item}"] button[data-answer="${bad ? 'false' : 'true'}"]`);
    if (bad) await page.fill(`#items li[data-item="${item}"] input[type=text]`, fail[item]);
  }
}

test('the inspector answers the checklist on a phone; a failed item opens its rectification', { timeout: 120000 }, async () => {
  const { page } = await phone(USERS_I.ms);
  await page.goto(w.base + '/inspect');
  await page.locator('body[data-ready="1"]').waitFor({ timeout: 20000 });
  assert.equal(await page.inputValue('#campaign'), 'plastic_2021');
  await page.screenshot({ path: path.join(SHOTS, 'inspect-375-zh-start.png'), fullPage: true });
  // submitting with an item unanswered names it and sends nothing
  await page.selectOption('#checklist', 'plastic_market');
  await page.fill('#q', '米市巷');
  await page.click('#found button[data-entity="market-01"]');
  await page.click('#items li[data-item="commitment_posted"] button[data-answer="true"]');
  await page.click('#submit');
  assert.match(await page.textContent('#form-error'), /未作答/);
  assert.equal(await count('market-01'), 0);
  await fill(page, { checklist: 'plastic_market', search: '米市巷', entity: 'market-01', fail: { publicity: '宣传海报缺失' } });
  await page.screenshot({ path: path.join(SHOTS, 'inspect-375-zh-filled.png'), fullPage: true });
  await page.click('#submit');
  await page.locator('#done h2', { hasText: '检查已保存' }).waitFor({ timeout: 15000 });
  const done = await page.textContent('#done');
  assert.match(done, /1 项需整改/);
  assert.match(done, /宣传/);
  assert.equal(await page.getAttribute('#queue-btn', 'data-count'), '0');
  assert.equal(await count('market-01'), 1);
  const rx = await w.api('GET', '/api/v1/rectifications?entity=market-01', { cookie: world.ck.ms });
  assert.deepEqual(rx.json.rectify.map((x) => [x.item, x.status]), [['publicity', 'open']]);
  await page.screenshot({ path: path.join(SHOTS, 'inspect-375-zh-done.png'), fullPage: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  assert.deepEqual(await page.evaluate(inspectFit), []);
  assert.deepEqual(page.errors, []);
});

test('offline: the visit waits in the queue and is sent once when the network returns', { timeout: 120000 }, async () => {
  const { ctx, page } = await phone(USERS_I.ms);
  await page.goto(w.base + '/inspect');
  await page.locator('body[data-ready="1"]').waitFor({ timeout: 20000 });
  const before = await count('stall-19-001');
  // the unit is found online; the network drops before the submission
  await fill(page, { checklist: 'plastic_stall', parent: 'market-19', search: 'A01', entity: 'stall-19-001', fail: { no_free_bags: '免费提供塑料袋' } });
  await ctx.setOffline(true);
  await page.locator('#net.off').waitFor();
  await page.click('#submit');
  await page.locator('#queue-btn[data-count="1"]').waitFor({ timeout: 10000 });
  assert.match(await page.textContent('#queue-count'), /待上传 1/);
  assert.match(await page.textContent('#done h2'), /联网后上传/);
  await page.screenshot({ path: path.join(SHOTS, 'inspect-375-zh-offline.png'), fullPage: true });
  assert.equal(await count('stall-19-001'), before, 'nothing reached the server');
  // a reload while offline keeps the queue (IndexedDB)
  await page.route('**/api/v1/inspections', (r) => r.abort('internetdisconnected'));
  await ctx.setOffline(false);
  await page.reload();
  await page.locator('#queue-btn[data-count="1"]').waitFor({ timeout: 10000 });
  await page.unroute('**/api/v1/inspections');
  // back online: the `online` event sends it
  await ctx.setOffline(true);
  await ctx.setOffline(false);
  await page.locator('#queue-btn[data-count="0"]').waitFor({ timeout: 15000 });
  assert.equal(await count('stall-19-001'), before + 1);
  // a flush with nothing queued sends nothing again
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForLoadState('networkidle');
  assert.equal(await count('stall-19-001'), before + 1, 'stored once');
  assert.deepEqual(page.errors, []);
});

test('an answer lost on the way: the resend is answered from the store, one inspection', { timeout: 120000 }, async () => {
  const { page } = await phone(USERS_I.ms);
  await page.goto(w.base + '/inspect');
  await page.locator('body[data-ready="1"]').waitFor({ timeout: 20000 });
  const before = await count('stall-19-003');
  let lost = 0, reached;
  const firstReached = new Promise((res) => { reached = res; });
  // the first POST reaches the server, which stores it; its answer is lost
  await page.route('**/api/v1/inspections', async (route) => {
    if (route.request().method() === 'POST' && lost === 0) {
      lost++;
      await route.fetch();
      reached();
      await route.abort('connectionreset');
      return;
    }
    await route.continue();
  });
  await fill(page, { checklist: 'plastic_stall', parent: 'market-19', search: 'A03', entity: 'stall-19-003' });
  await page.click('#submit');
  await page.locator('#queue-btn[data-count="1"]').waitFor({ timeout: 10000 });
  await firstReached; // the server has answered the first send (the page never sees that answer)
  assert.equal(await count('stall-19-003'), before + 1, 'the server stored the first send');
  await page.click('#retry');
  await page.locator('#queue-btn[data-count="0"]').waitFor({ timeout: 15000 });
  assert.equal(await count('stall-19-003'), before + 1, 'the resend did not store a second one');
  assert.deepEqual(page.errors, []);
});

test('the page in English, and the phone layout fits with targets a finger can hit', { timeout: 60000 }, async () => {
  const { page } = await phone(USERS_I.ms, 'en');
  await page.goto(w.base + '/inspect');
  await page.locator('body[data-ready="1"]').waitFor({ timeout: 20000 });
  await page.selectOption('#checklist', 'plastic_market');
  await page.fill('#q', '东新');
  await page.click('#found button[data-entity="market-19"]');
  assert.match(await page.textContent('#items'), /Plastic bags priced and sold/);
  await page.click('#items li[data-item="paid_use"] button[data-answer="false"]');
  await page.screenshot({ path: path.join(SHOTS, 'inspect-375-en.png'), fullPage: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  assert.deepEqual(await page.evaluate(inspectFit), []);
  // a finger's size: everything tapped is at least 40 px high (a finding's row too)
  await page.click('#add-finding');
  const small = await page.evaluate(() => [...document.querySelectorAll('header a, header button, main a, main button, main select, main input:not(.file), main textarea, main .photo-btn')]
    .filter((e) => e.checkVisibility() && e.getBoundingClientRect().height < 39.5)
    .map((e) => `${e.tagName.toLowerCase()} ${JSON.stringify((e.textContent || e.name || '').trim().slice(0, 20))} ${Math.round(e.getBoundingClientRect().height)} px`));
  assert.deepEqual(small, []);
  const { page: pl } = await phone(USERS_I.pl);
  await pl.goto(w.base + '/inspect');
  await pl.locator('body[data-ready="1"]').waitFor({ timeout: 20000 });
  assert.equal(await pl.inputValue('#campaign'), 'zfdw_2021', 'the political-legal inspector sees the political-legal campaign');
  await pl.selectOption('#checklist', 'edu_police');
  await pl.fill('#q', '米市巷');
  await pl.click('#found button[data-entity="legal-mishixiang-police"]');
  // the unit's open plans come from the server after the pick: wait for them
  await pl.locator('#plan-label').waitFor({ state: 'visible', timeout: 10000 }).catch(() => {});
  assert.equal(await pl.isVisible('#plan-label'), true, 'the planned visit is offered');
  await pl.screenshot({ path: path.join(SHOTS, 'inspect-375-zh-plan.png'), fullPage: true });
});
