// End to end: the leader's progress view (/ledger) and a supervised unit's
// page (/supervised) in real Chromium at 1920x1080 and 1366x768, in zh and
// en. A leader sees the political-legal campaign's key figures, each unit's
// planned and done visits, findings and items (every number the API's), the
// month's plans on the calendar and the open items with their owners; the
// department adds a plan from the page; a market's page shows its credit
// and its stall-holders' scores with their names masked for the leader.
// On a phone (375, 390 and 414 px, touch): nothing scrolls sideways, every
// unit's figures can be read in the window, the month is a list of weeks,
// nothing to tap is under 40 px, and a rectification item opens on a tap.
// Screenshots: /work/shots/inspections/ (or $SHOTS_DIR).
// Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/ledger.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { chromium } from 'playwright-core';
import { Browsers, CHROMIUM, ARGS, watch } from './lib/browser.mjs';
import { inspectFit } from './lib/fit.mjs';
import { inspectWorld, USERS_I, MARKET_ITEMS } from './lib/inspect-world.mjs';

const SHOTS = process.env.SHOTS_DIR || '/work/shots/inspections';
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

const contexts = {};
async function open(who, viewport, lang) {
  let ctx = contexts[who.name];
  if (!ctx) {
    ctx = contexts[who.name] = await browsers.launch(viewport);
    const r = await ctx.request.post(w.base + '/api/v1/login', { data: { name: who.name, password: who.password } });
    assert.equal(r.status(), 200);
  }
  const page = await ctx.newPage();
  await page.setViewportSize(viewport);
  await page.addInitScript((l) => localStorage.setItem('zz-lang', l), lang);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e.message || e)));
  return page;
}
const ready = (page) => page.locator('body[data-ready="1"]').waitFor({ timeout: 20000 });

for (const lang of ['zh', 'en']) {
  for (const viewport of [{ width: 1920, height: 1080 }, { width: 1366, height: 768 }]) {
    test(`the leader's ledger at ${viewport.width}x${viewport.height} in ${lang}: the API's figures, the plans, the open items`, { timeout: 120000 }, async () => {
      const api = (p) => w.api('GET', p, { cookie: world.ck.leader }).then((r) => r.json);
      const prog = await api('/api/v1/campaigns/zfdw_2021/progress');
      const openItems = (await api('/api/v1/rectifications?campaign=zfdw_2021&status=open_all')).rectify;
      const page = await open(USERS_I.leader, viewport, lang);
      await page.goto(w.base + '/ledger');
      await ready(page);
      assert.equal(await page.inputValue('#campaign'), 'zfdw_2021', 'the campaign with plans first');
      const kpis = await page.$$eval('#kpis .kpi b', (bs) => bs.map((b) => Number(b.textContent)));
      const tt = prog.totals;
      assert.deepEqual(kpis, [tt.units, tt.visited_units, tt.planned, tt.visited, tt.findings, tt.rectify.open, tt.rectify.overdue, tt.rectify.closed]);
      assert.deepEqual(kpis.slice(1, 4), [2, 5, 2], 'two units visited, five plans, two visits');
      assert.ok(kpis[0] >= 5, 'every unit of the campaign, visited or not');
      const rows = await page.$$eval('#units tbody tr', (trs) => trs.map((tr) => [tr.dataset.entity, ...[...tr.cells].slice(2).map((c) => c.textContent)]));
      assert.deepEqual(rows.map((r) => r[0]), prog.units.map((u) => u.entity));
      const sq = rows.find((r) => r[0] === 'legal-shiqiao-police');
      assert.deepEqual([sq[1], sq[2], sq[5], sq[6]], ['1', '1', '2', '2'], 'planned, visited, findings, open');
      // the calendar: the shown month's plans, the done ones marked
      const month = await page.$eval('#cal .day:not(.other)', (d) => d.dataset.day.slice(0, 7));
      const plans = (await api('/api/v1/inspection-plans?campaign=zfdw_2021')).plans.filter((p) => p.day.startsWith(month));
      assert.equal(await page.locator('#cal .day:not(.other) .plan').count(), plans.length);
      assert.equal(await page.locator('#cal .day:not(.other) .plan.done').count(), plans.filter((p) => p.inspection).length);
      assert.equal(await page.locator('#open tbody tr').count(), openItems.length);
      const owners = await page.$$eval('#open tbody tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent));
      const police = (await api('/api/v1/departments')).departments.find((d) => d.id === 'police');
      assert.ok(owners.includes(lang === 'zh' ? police.name_zh : police.name_en), `owners named: ${owners}`);
      assert.equal(await page.isVisible('#plan-form'), false, 'a leader reads; the department plans');
      await page.screenshot({ path: path.join(SHOTS, `ledger-${viewport.width}-${lang}.png`) });
      assert.deepEqual(await page.evaluate(inspectFit), []);
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  }
}

test('the department adds a plan on the calendar', { timeout: 60000 }, async () => {
  const page = await open(USERS_I.pl, { width: 1366, height: 768 }, 'zh');
  await page.goto(w.base + '/ledger?campaign=zfdw_2021');
  await ready(page);
  assert.equal(await page.isVisible('#plan-form'), true);
  const day = new Date(Date.now() + 8 * 3600e3 + 86400e3).toISOString().slice(0, 10);
  await page.selectOption('#p-entity', 'legal-sandao-law');
  await page.fill('#p-day', day);
  await page.fill('#p-leader', '区委政法委常务副书记');
  await page.click('#plan-form button[type=submit]');
  await page.locator(`#cal .day[data-day="${day}"] .plan`, { hasText: '三道律师事务所' }).waitFor({ timeout: 10000 });
  const plans = (await w.api('GET', '/api/v1/inspection-plans?campaign=zfdw_2021', { cookie: world.ck.pl })).json.plans;
  assert.ok(plans.some((p) => p.entity === 'legal-sandao-law' && p.day === day && p.leader === '区委政法委常务副书记'));
  assert.deepEqual(page.errors, []);
});

for (const lang of ['zh', 'en']) {
  test(`a market's page in ${lang}: its inspections, items, credit and its stall-holders' scores, names masked for a leader`, { timeout: 60000 }, async () => {
    const credit = (await w.api('GET', '/api/v1/entities/market-19/credit', { cookie: world.ck.leader })).json;
    const page = await open(USERS_I.leader, { width: 1920, height: 1080 }, lang);
    await page.goto(w.base + '/supervised?entity=market-19');
    await ready(page);
    assert.equal(Number(await page.textContent('#kpis .kpi b')), credit.score);
    assert.equal(credit.score, 98, 'paid_use cost 2 points');
    assert.equal(await page.locator('#members tbody tr').count(), credit.members.length);
    const first = await page.$$eval('#members tbody tr td', (tds) => tds.map((t) => t.textContent));
    const stall = (await w.api('GET', '/api/v1/entities/stall-19-002', { cookie: world.ck.ms })).json.entity;
    assert.equal(first[0], stall[lang === 'zh' ? 'name_zh' : 'name_en'], 'the lowest score first');
    assert.equal(first[2], [...stall.attrs.holder][0] + '**', 'the holder masked');
    assert.equal(first[3], '95');
    assert.ok(!(await page.textContent('body')).includes(stall.attrs.holder));
    assert.equal(await page.locator('#rectify tbody tr').count(), 1);
    await page.screenshot({ path: path.join(SHOTS, `supervised-market-1920-${lang}.png`) });
    assert.deepEqual(await page.evaluate(inspectFit), []);
    assert.deepEqual(page.errors, []);
    const unit = await open(USERS_I.leader, { width: 1366, height: 768 }, lang);
    await unit.goto(w.base + '/supervised?entity=legal-shiqiao-police');
    await ready(unit);
    assert.equal(await unit.locator('#rectify tbody tr').count(), 2);
    assert.equal(await unit.isVisible('#members-pane'), false);
    await unit.screenshot({ path: path.join(SHOTS, `supervised-unit-1366-${lang}.png`) });
    assert.deepEqual(await unit.evaluate(inspectFit), []);
  });
}

// ---- on a phone ----------------------------------------------------------

// A touch phone of this width (its own profile, signed in as `who`).
const phones = [];
async function phone(who, width, lang) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-e2e-phone-'));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: ARGS,
    viewport: { width, height: 812 }, hasTouch: true, isMobile: true });
  phones.push({ ctx, dir });
  const r = await ctx.request.post(w.base + '/api/v1/login', { data: { name: who.name, password: who.password } });
  assert.equal(r.status(), 200);
  const page = ctx.pages()[0] || await ctx.newPage();
  await page.addInitScript((l) => localStorage.setItem('zz-lang', l), lang);
  return watch(page);
}
after(async () => {
  for (const p of phones) {
    await p.ctx.close().catch(() => {});
    fs.rmSync(p.dir, { recursive: true, force: true });
  }
});

// Runs in the page: what does not fit a phone (sideways scroll, a thing to
// tap smaller than 40 px), as sentences.
function phoneProblems() {
  const out = [];
  if (document.documentElement.scrollWidth > innerWidth) out.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${innerWidth} px window`);
  for (const e of document.querySelectorAll('header a, header button, main a, main button, main select, main input, dialog[open] button, dialog[open] a')) {
    if (!e.checkVisibility()) continue;
    const r = e.getBoundingClientRect();
    if (r.height < 40 - 0.5) out.push(`${e.tagName.toLowerCase()} ${JSON.stringify(e.textContent.trim().slice(0, 30))} is ${Math.round(r.height)} px high`);
  }
  return out;
}

// Scrolls `loc` into the window and answers whether all of it shows there
// (else where it is, for the message).
async function inWindow(page, loc) {
  await loc.scrollIntoViewIfNeeded();
  const at = await loc.evaluate((e) => {
    const r = e.getBoundingClientRect();
    const ok = e.checkVisibility() && r.width > 0 && r.height > 0 && r.left >= -1 && r.right <= innerWidth + 1 && r.top >= -1 && r.bottom <= innerHeight + 1; // (a pixel for rounding)
    return ok || `${Math.round(r.left)},${Math.round(r.top)}..${Math.round(r.right)},${Math.round(r.bottom)} in ${innerWidth}x${innerHeight}`;
  });
  if (at !== true) console.log(`not in the window: ${at}`);
  return at === true;
}

for (const [width, lang] of [[375, 'zh'], [375, 'en'], [390, 'zh'], [414, 'en']]) {
  test(`the ledger on a ${width} px phone in ${lang}: no sideways scroll, each unit's figures in the window, the month as weeks, an item opens on a tap`, { timeout: 120000 }, async () => {
    const api = (p) => w.api('GET', p, { cookie: world.ck.leader }).then((r) => r.json);
    const prog = await api('/api/v1/campaigns/zfdw_2021/progress');
    const openItems = (await api('/api/v1/rectifications?campaign=zfdw_2021&status=open_all')).rectify;
    const depts = (await api('/api/v1/departments')).departments;
    const page = await phone(USERS_I.leader, width, lang);
    await page.goto(w.base + '/ledger');
    await ready(page);
    assert.deepEqual(await page.evaluate(phoneProblems), []);
    assert.deepEqual(await page.evaluate(inspectFit), []);
    // every unit: a card whose six figures are the API's and show in the window once scrolled to
    assert.equal(await page.locator('#units tbody tr').count(), prog.units.length);
    for (const u of prog.units) {
      const row = page.locator(`#units tbody tr[data-entity="${u.entity}"]`);
      const cells = row.locator('td.n');
      assert.deepEqual(await cells.allTextContents(), [u.planned, u.visited, u.findings, u.rectify.open, u.rectify.overdue, u.rectify.closed].map(String), u.entity);
      for (let i = 0; i < 6; i++) assert.ok(await inWindow(page, cells.nth(i)), `${u.entity}: figure ${i + 1} in the window`);
      assert.ok(await inWindow(page, row.locator('td.unit a')), `${u.entity}: its name in the window`);
      // each figure is named on its card (the header row is not seen on a phone)
      assert.ok((await cells.first().evaluate((e) => getComputedStyle(e, '::before').content)).length > 2);
    }
    // the calendar: the month grid gives way to a list of weeks holding the same plans
    assert.equal(await page.isVisible('#cal'), false);
    const month = await page.$eval('#cal .day:not(.other)', (d) => d.dataset.day.slice(0, 7));
    const plans = (await api('/api/v1/inspection-plans?campaign=zfdw_2021')).plans.filter((p) => p.day.startsWith(month));
    assert.ok(plans.length > 0, 'the month opened has plans');
    const listed = await page.$$eval('#cal-list .week-plans li', (lis) => lis.map((li) => li.dataset.day));
    assert.deepEqual(listed.filter((d) => d.startsWith(month)).sort(), plans.map((p) => p.day).sort());
    for (const p of plans) assert.ok(await inWindow(page, page.locator(`#cal-list li[data-day="${p.day}"]`).first()), p.day);
    // an open item: a tap on its card opens it, with its problem, owner and deadline
    assert.ok(openItems.length > 0);
    const x = openItems[0];
    const card = page.locator(`#open tbody tr[data-item="${x.id}"]`);
    assert.ok(await inWindow(page, card));
    await card.locator('td').nth(2).tap();
    const dlg = page.locator('#item-dlg');
    await dlg.waitFor({ state: 'visible' });
    assert.equal((await dlg.locator('h2').textContent()), lang === 'zh' ? x.text_zh : x.text_en || x.text_zh);
    const owner = depts.find((d) => d.id === x.owner);
    const shown = await dlg.textContent();
    assert.ok(shown.includes(lang === 'zh' ? owner.name_zh : owner.name_en), `the owner in ${shown}`);
    assert.ok(shown.includes(new Date(Date.parse(x.deadline) + 8 * 3600e3).toISOString().slice(0, 10)), 'the deadline');
    assert.ok(await inWindow(page, dlg.locator('h2')));
    assert.deepEqual(await page.evaluate(phoneProblems), [], 'the open item fits and its close button is big enough');
    if (width === 375) await page.screenshot({ path: path.join(SHOTS, `ledger-phone-item-${width}-${lang}.png`) });
    await dlg.locator('button[type=submit]').tap();
    await dlg.waitFor({ state: 'hidden' });
    // the problem's own text also opens it (the keyboard's way in)
    await card.locator('button.item-open').tap();
    await dlg.waitFor({ state: 'visible' });
    await dlg.locator('button[type=submit]').tap();
    await dlg.waitFor({ state: 'hidden' });
    if (width === 375) await page.screenshot({ path: path.join(SHOTS, `ledger-phone-${width}-${lang}.png`), fullPage: true });
    assert.deepEqual(page.errors, []);
  });
}

for (const lang of ['zh', 'en']) {
  test(`a unit's page on a 375 px phone in ${lang}: its items first, as cards that open on a tap; a long list cut to five`, { timeout: 120000 }, async () => {
    const api = (p) => w.api('GET', p, { cookie: world.ck.leader }).then((r) => r.json);
    const items = (await api('/api/v1/rectifications?entity=legal-shiqiao-police')).rectify;
    const page = await phone(USERS_I.leader, 375, lang);
    await page.goto(w.base + '/supervised?entity=legal-shiqiao-police');
    await ready(page);
    assert.deepEqual(await page.evaluate(phoneProblems), []);
    assert.deepEqual(await page.evaluate(inspectFit), []);
    const top = (sel) => page.$eval(sel, (e) => e.getBoundingClientRect().top);
    assert.ok(await top('#rectify-pane') < await top('#inspections-pane'), 'the items before the visits');
    assert.equal(await page.locator('#rectify tbody tr').count(), items.length);
    for (const x of items) {
      const card = page.locator(`#rectify tbody tr[data-item="${x.id}"]`);
      assert.ok(await inWindow(page, card), `item ${x.id} in the window`);
      await card.locator('td').nth(1).tap();
      const dlg = page.locator('#item-dlg');
      await dlg.waitFor({ state: 'visible' });
      assert.equal(await dlg.locator('h2').textContent(), lang === 'zh' ? x.text_zh : x.text_en || x.text_zh);
      if (x.note && x.note !== x.text_zh) assert.ok((await dlg.textContent()).includes(x.note), 'the inspector\'s note');
      await dlg.locator('button[type=submit]').tap();
      await dlg.waitFor({ state: 'hidden' });
    }
    await page.screenshot({ path: path.join(SHOTS, `supervised-phone-375-${lang}.png`), fullPage: true });
    // a market visited often: five visits shown, the rest one tap away
    // (market-01 has no other test's visits; each language adds its own)
    for (let i = 0; i < 6; i++) {
      const r = await w.api('POST', '/api/v1/inspections', { cookie: world.ck.ms, body: { uid: `phone-${lang}-${i}-${Date.now()}`,
        checklist: 'plastic_market', entity: 'market-01', answers: MARKET_ITEMS.map((item) => ({ item, ok: true })) } });
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
    const visits = (await api('/api/v1/inspections?entity=market-01&limit=200')).inspections;
    assert.ok(visits.length > 5);
    await page.goto(w.base + '/supervised?entity=market-01');
    await ready(page);
    assert.deepEqual(await page.evaluate(phoneProblems), []);
    const shownRows = () => page.locator('#inspections tbody tr').evaluateAll((trs) => trs.filter((tr) => tr.checkVisibility()).length);
    assert.equal(await shownRows(), 5);
    const more = page.locator('#inspections + .more-rows');
    assert.ok((await more.textContent()).includes(String(visits.length)));
    assert.ok(await inWindow(page, more));
    await more.tap();
    assert.equal(await shownRows(), visits.length);
    assert.equal(await more.isVisible(), false);
    assert.deepEqual(await page.evaluate(inspectFit), []);
    assert.deepEqual(page.errors, []);
  });
}
