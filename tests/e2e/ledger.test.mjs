// End to end: the leader's progress view (/ledger) and a supervised unit's
// page (/supervised) in real Chromium at 1920x1080 and 1366x768, in zh and
// en. A leader sees the political-legal campaign's key figures, each unit's
// planned and done visits, findings and items (every number the API's), the
// month's plans on the calendar and the open items with their owners; the
// department adds a plan from the page; a market's page shows its credit
// and its stall-holders' scores with their names masked for the leader.
// Screenshots: /work/shots/inspections/ (or $SHOTS_DIR).
// Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/ledger.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Browsers } from './lib/browser.mjs';
import { inspectFit } from './lib/fit.mjs';
import { inspectWorld, USERS_I } from './lib/inspect-world.mjs';

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
