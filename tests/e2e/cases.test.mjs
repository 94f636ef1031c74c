// End to end: case files (个案, 心花绽放) in real Chromium. A caseworker of
// 区人社局 finds the due follow-ups first, searches, opens a file and
// records a service and an outcome on a 375px phone, and opens a new file;
// a leader gets no list (the page says why) but the statistics, whose
// cards show the API's counts; the caseworker's activity page shows the
// check-in code and the attendance as mothers check in on their phones
// (375px, not signed in); a policy application started from a file shows
// its progress on the timeline. Screenshots at 1920x1080 and 1366x768 in
// zh and en, and the phone at 375x812: test-results/e2e/cases-*.png (or
// the folder ZZ_SHOTS names).
// Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/cases.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browsers } from './lib/browser.mjs';
import { createWorld, GONGSHU_PACK, USERS, show } from '../integration/harness.mjs';

const SHOTS = process.env.ZZ_SHOTS || path.join('test-results', 'e2e');
const WORKER = { name: 'hr_worker', password: 'hr-worker-pass-01' };
const LEADER = { name: 'leader_qu', password: 'leader-pass-0001' }; // a district leader, no scope
const DAYMS = 86400e3;
let w;
let worker;
const browsers = new Browsers();
const ids = {};

before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: [], start: false });
  const r = w.run(['user', 'add', WORKER.name, '--role', 'officer', '--department', 'hr_social', '--password-stdin'], { input: WORKER.password + '\n' });
  if (r.status !== 0) throw new Error(r.stderr);
  const l = w.run(['user', 'add', LEADER.name, '--role', 'viewer', '--password-stdin'], { input: LEADER.password + '\n' });
  if (l.status !== 0) throw new Error(l.stderr);
  await w.start();
  worker = await w.login(WORKER.name, WORKER.password);
  fs.mkdirSync(SHOTS, { recursive: true });
  const mk = async (name, phone, street, intention, extra = {}) => {
    const c = await w.api('POST', '/api/v1/cases', { cookie: worker, body: { name, phone, street, intention, community: '和睦新村社区',
      skills: ['电商运营'], hours: '9:00-15:00', childcare: '孩子上幼儿园', address: '和睦路 1 号', ...extra } });
    assert.equal(c.status, 201, show(c));
    return c.json.id;
  };
  const entry = async (id, body) => {
    const e = await w.api('POST', `/api/v1/cases/${id}/entries`, { cookie: worker, body });
    assert.equal(e.status, 201, show(e));
  };
  const day = (d) => new Date(Date.now() + d * DAYMS).toISOString();
  ids.later = await mk('陈晓燕', '13900000001', 'gongshu/hemu', 'job', { next_follow: day(20) });
  ids.due = await mk('周婷婷', '13900000002', 'gongshu/xiaohe', 'startup', { next_follow: day(-3) });
  ids.ma = await mk('马丽霞', '13900000003', 'gongshu/xiaohe', 'startup');
  await entry(ids.ma, { class: 'service', kind: 'policy_loan', note: '创业担保贷款' });
  await entry(ids.ma, { class: 'outcome', kind: 'business', jobs: 2, note: '跨境电商网店' });
  await entry(ids.later, { class: 'activity', kind: 'growth_month' });
  await entry(ids.later, { class: 'service', kind: 'counselling' });
});
after(async () => {
  await browsers.closeAll();
  await w?.close();
});

// One browser per user, a new page per view (a browser's start is the
// dear part of an e2e test).
const contexts = {};
async function signedIn(who, size, lang = 'zh') {
  let ctx = contexts[who.name];
  if (!ctx) {
    ctx = contexts[who.name] = await browsers.launch(size);
    const r = await ctx.request.post(w.base + '/api/v1/login', { data: { name: who.name, password: who.password } });
    assert.equal(r.status(), 200);
  }
  const page = await ctx.newPage();
  await page.setViewportSize(size);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e.message || e)));
  await page.addInitScript((l) => localStorage.setItem('zz-lang', l), lang);
  return page;
}
const ready = (page) => page.locator('body[data-ready="1"]').waitFor({ timeout: 20000 });
const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `cases-${name}.png`), fullPage: true });

test('the caseworker: due first, search, the file, a service and an outcome on a phone, a new file', { timeout: 120000 }, async () => {
  const page = await signedIn(WORKER, { width: 1920, height: 1080 });
  await page.goto(w.base + '/cases');
  await page.locator('#list li').first().waitFor({ timeout: 20000 });
  await ready(page);
  const order = await page.$$eval('#list li', (ls) => ls.map((l) => Number(l.dataset.id)));
  assert.equal(order[0], ids.due, 'the overdue follow-up comes first');
  assert.equal(order[1], ids.later);
  assert.ok(await page.locator(`#list li[data-id="${ids.due}"].due`).count() === 1);
  assert.match(await page.textContent('#list'), /139\*\*\*\*0002/, 'the list masks phones');
  await shot(page, 'list-1920-zh');
  await page.fill('#q', '马丽');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#list li').length === 1);
  await page.click(`#list li[data-id="${ids.ma}"] a`);
  await page.locator('#person h2').waitFor();
  await ready(page);
  assert.match(await page.textContent('#person'), /13900000003/);
  assert.match(await page.textContent('#timeline'), /自主创业/);
  assert.match(await page.textContent('#timeline'), /带动就业 2 人/);
  await shot(page, 'file-1920-zh');
  assert.deepEqual(page.errors, []);

  // the phone: record a service and an outcome with jobs
  const phone = await signedIn(WORKER, { width: 375, height: 812 });
  await phone.goto(`${w.base}/cases#/case/${ids.due}`);
  await phone.locator('#person h2').waitFor({ timeout: 20000 });
  await phone.selectOption('#e-class', 'service');
  await phone.selectOption('#e-kind', 'skills_training');
  await phone.fill('#entry textarea', '电商技能培训第一期');
  await phone.click('#entry button[type=submit]');
  await phone.waitForFunction(() => document.querySelector('#timeline').textContent.includes('电商技能培训第一期'));
  await phone.selectOption('#e-class', 'outcome');
  await phone.selectOption('#e-kind', 'business');
  assert.equal(await phone.isVisible('#e-jobs'), true, 'jobs are asked for a business');
  await phone.fill('#e-jobs', '1');
  await phone.click('#entry button[type=submit]');
  await phone.waitForFunction(() => document.querySelector('#timeline').textContent.includes('带动就业 1 人'));
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `the file fits a 375px phone (${width}px)`);
  await shot(phone, 'file-375-zh');
  const f = await w.api('GET', `/api/v1/cases/${ids.due}`, { cookie: worker });
  assert.equal(f.json.case.outcome, 'business');
  assert.equal(f.json.case.jobs, 1);
  // a new file from the phone
  await phone.goto(`${w.base}/cases`);
  await phone.locator('#list li').first().waitFor({ timeout: 20000 });
  await shot(phone, 'list-375-zh');
  await phone.click('#new');
  await phone.fill('#create input[name=name]', '沈雅琴');
  await phone.fill('#create input[name=phone]', '13900000009');
  await phone.selectOption('#c-street', 'gongshu/daguan');
  await phone.selectOption('#c-intention', 'undecided');
  await phone.click('#create button[type=submit]');
  await phone.waitForFunction(() => /#\/case\/\d+/.test(location.hash) && document.querySelector('#person h2')?.textContent.includes('沈雅琴'));
  assert.deepEqual(phone.errors, []);
});

test('a leader sees no file but the counts, which are the API\'s', { timeout: 120000 }, async () => {
  const page = await signedIn(USERS.viewer, { width: 1920, height: 1080 });
  await page.goto(w.base + '/cases');
  await page.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  assert.equal(await page.isVisible('#list-view'), false);
  assert.doesNotMatch(await page.content(), /马丽霞/);
  const stats = (await w.get('viewer', '/api/v1/cases/stats')).json;
  for (const [lang, size] of [['zh', { width: 1920, height: 1080 }], ['en', { width: 1920, height: 1080 }],
    ['zh', { width: 1366, height: 768 }], ['en', { width: 1366, height: 768 }]]) {
    const p = await signedIn(USERS.viewer, size, lang);
    await p.goto(w.base + '/cases-stats');
    await ready(p);
    const cards = await p.$$eval('#kpis .kpi', (ks) => ks.map((k) => [k.querySelector('span').textContent, k.querySelector('b').textContent]));
    const card = (zh, en) => cards.find(([l]) => l === (lang === 'zh' ? zh : en))[1];
    assert.equal(card('建档人数', 'Files'), String(stats.cases));
    assert.equal(card('自主创业', 'Businesses started'), String(stats.businesses));
    assert.equal(card('创业带动就业', 'Jobs created'), String(stats.jobs_created));
    assert.doesNotMatch(await p.content(), /马丽霞|13900000003/);
    await shot(p, `stats-${size.width}-${lang}`);
    assert.deepEqual(p.errors, []);
    await p.close();
  }
  // the caseworker's list in English at 1366
  const en = await signedIn(WORKER, { width: 1366, height: 768 }, 'en');
  await en.goto(w.base + '/cases');
  await en.locator('#list li').first().waitFor({ timeout: 20000 });
  await ready(en);
  assert.match(await en.textContent('#list'), /Wants to start a business/);
  await shot(en, 'list-1366-en');
  await en.goto(`${w.base}/cases#/case/${ids.ma}`);
  await en.locator('#person h2').waitFor();
  await shot(en, 'file-1366-en');
  assert.deepEqual(en.errors, []);
});

test('an activity: its code on the caseworker\'s page, a mother checks in on her phone, the attendance comes in live', { timeout: 120000 }, async () => {
  const page = await signedIn(WORKER, { width: 1920, height: 1080 });
  await page.goto(w.base + '/case-activities');
  await ready(page);
  await page.click('#new');
  await page.selectOption('#a-kind', 'livestream');
  await page.fill('#create input[name=title]', '全职妈妈直播秀 · 第三期');
  await page.fill('#create input[name=place]', '小河街道文化家园');
  await page.selectOption('#a-street', 'gongshu/xiaohe');
  await page.click('#create button[type=submit]');
  await page.waitForFunction(() => /#\/a\/\d+/.test(location.hash) && document.querySelector('#d-title').textContent.includes('直播秀'));
  await page.waitForFunction(() => document.querySelector('#d-qr').complete && document.querySelector('#d-qr').naturalWidth > 0);
  const link = await page.getAttribute('#d-link', 'href');
  assert.match(link, /^\/m\/k\/[A-Za-z0-9_-]{22}$/);
  assert.equal(await page.textContent('#d-count'), '0');

  // the mother's phone: not signed in, 375px
  const ctx = await browsers.launch({ width: 375, height: 812 });
  const phone = await ctx.newPage();
  phone.errors = [];
  phone.on('pageerror', (e) => phone.errors.push(String(e.message || e)));
  await phone.goto(w.base + link);
  await ready(phone);
  assert.match(await phone.textContent('#activity'), /全职妈妈直播秀/);
  await shot(phone, 'checkin-375-zh');
  // a number on no file: a clear refusal, nothing else
  await phone.fill('#phone', '13999999999');
  await phone.click('#send');
  await phone.waitForFunction(() => document.querySelector('#error')?.textContent.length > 0);
  assert.match(await phone.textContent('#error'), /未在本项目登记/);
  await shot(phone, 'checkin-refused-375-zh');
  await phone.fill('#phone', '139 0000 0003');
  await phone.click('#send');
  await phone.locator('#done').waitFor({ timeout: 20000 });
  assert.match(await phone.textContent('#done'), /已签到/);
  assert.doesNotMatch(await phone.content(), /马丽霞/, 'the phone is told nobody\'s name');
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `the check-in fits a 375px phone (${width}px)`);
  await shot(phone, 'checkin-done-375-zh');
  assert.deepEqual(phone.errors, []);

  // the caseworker's page takes it in without a reload
  await page.waitForFunction(() => document.querySelector('#d-attendance').textContent.includes('马丽霞'), null, { timeout: 20000 });
  assert.equal(await page.textContent('#d-count'), '1');
  assert.match(await page.textContent('#d-attendance'), /139\*\*\*\*0003/);
  await shot(page, 'activity-1920-zh');
  const en = await signedIn(WORKER, { width: 1366, height: 768 }, 'en');
  await en.goto(w.base + '/case-activities' + (await page.evaluate(() => location.hash)));
  await en.locator('#d-attendance tr').first().waitFor({ timeout: 20000 });
  assert.match(await en.textContent('#detail'), /checked in/);
  await shot(en, 'activity-1366-en');
  // and her timeline has the activity
  const f = await w.api('GET', `/api/v1/cases/${ids.ma}`, { cookie: worker });
  assert.ok(f.json.case.timeline.some((e) => e.class === 'activity' && e.kind === 'livestream' && e.actor === 'checkin'), show(f));
  assert.deepEqual(page.errors, []);
  assert.deepEqual(en.errors, []);
});

test('a policy application started from the file shows its progress on the timeline', { timeout: 120000 }, async () => {
  const page = await signedIn(WORKER, { width: 1920, height: 1080 });
  await page.goto(`${w.base}/cases#/case/${ids.ma}`);
  await page.locator('#person h2').waitFor({ timeout: 20000 });
  await ready(page);
  await page.selectOption('#p-matter', 'startup_guaranteed_loan');
  await page.locator('#p-fields input[name=amount]').waitFor();
  await page.fill('#p-fields input[name=business_name]', '丽霞跨境电商网店');
  await page.fill('#p-fields input[name=amount]', '30');
  await page.fill('#p-note', '经营满一年，申请扩大经营');
  await page.click('#apply button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#timeline .e-application')?.textContent.includes('待补材料'));
  const text = await page.textContent('#timeline .e-application');
  assert.match(text, /创业担保贷款/);
  assert.match(text, /创业担保贷款资格审核：待审核/);
  assert.match(await page.textContent('#apply-result'), /\/m\/a\//);
  await shot(page, 'application-1920-zh');
  const en = await signedIn(WORKER, { width: 1366, height: 768 }, 'en');
  await en.goto(`${w.base}/cases#/case/${ids.ma}`);
  await en.locator('#timeline .e-application').waitFor({ timeout: 20000 });
  assert.match(await en.textContent('#timeline .e-application'), /Awaiting materials/);
  await shot(en, 'application-1366-en');
  assert.deepEqual(page.errors, []);
  assert.deepEqual(en.errors, []);
});

test('the cockpit\'s 心花绽放 module: counts only, the same as the statistics API', { timeout: 120000 }, async () => {
  const stats = (await w.get('viewer', '/api/v1/cases/stats')).json;
  for (const [lang, size] of [['zh', { width: 1920, height: 1080 }], ['en', { width: 1366, height: 768 }]]) {
    const page = await signedIn(LEADER, size, lang);
    await page.goto(w.base + '/#/gongshu?m=xinhuazhanfang');
    await page.locator('[data-panel=xhzf_totals] .tile .value').first().waitFor({ timeout: 20000 });
    await page.waitForFunction(() => [...document.querySelectorAll('[data-panel^=xhzf_]')].every((p) => p.dataset.updated), null, { timeout: 20000 });
    const tiles = await page.$$eval('[data-panel=xhzf_totals] .tile .value', (vs) => vs.map((v) => v.dataset.value));
    assert.deepEqual(tiles, [String(stats.cases), String(stats.businesses), String(stats.jobs_created)]);
    const pie = JSON.parse(await page.getAttribute('[data-panel=xhzf_intentions] .body', 'data-items'));
    assert.equal(pie.reduce((a, [, v]) => a + v, 0), stats.cases);
    const streets = JSON.parse(await page.getAttribute('[data-panel=xhzf_streets] .body', 'data-items'));
    assert.equal(streets.reduce((a, [, v]) => a + v, 0), stats.cases);
    assert.doesNotMatch(await page.content(), /马丽霞|13900000003/, 'the cockpit names nobody');
    assert.equal(await page.$$eval('[data-panel^=xhzf_].failed', (x) => x.length), 0);
    await shot(page, `cockpit-${size.width}-${lang}`);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});
