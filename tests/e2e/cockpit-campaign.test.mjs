// cockpit-campaign.test.mjs - the 限塑 module of the district cockpit in a
// real Chromium against the demo world (whose campaign history the demo
// writes through the engines): the tiles, the signatures by market, the
// markets on the map by open rectification items, the markets x six
// systems matrix, the months, the items by state and the latest activities
// show exactly what GET /api/v1/campaigns/plastic_2021 answers (2,350
// commitments among them), for the admin and for a leader (viewer), with no
// console error, in Chinese and English. Screenshots at 1920x1080 and
// 1366x768 in both languages go to test-results/e2e/ (and SHOTS, if set).
// Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/cockpit-campaign.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CockpitWorld } from './lib/cockpit-world.mjs';

const URL_ = '/api/v1/campaigns/plastic_2021';
let w, page;

before(async () => {
  w = await new CockpitWorld().start({ records: 100000 });
  w.addUser('leader', 'viewer', []);
  page = await w.page();
  await w.login(page);
  await w.view(page, 'gongshu', 'plastic');
});
after(async () => { if (w) await w.stop(); });

const panel = (id) => `[data-panel="${id}"]`;

// What the screen shows, read from the raw values the panels carry.
async function screen(pg) {
  return pg.evaluate(() => {
    const q = (s) => document.querySelector(s);
    const tiles = (id) => [...document.querySelectorAll(`[data-panel="${id}"] .tile`)].map((t) => ({
      kind: t.dataset.kind, value: t.querySelector('.value').dataset.value, sub: t.querySelector('.sub') && t.querySelector('.sub').dataset.value,
    }));
    const cells = [...document.querySelectorAll('[data-panel="plastic_systems"] td.cell')].map((c) => [c.dataset.entity, c.closest('tr').dataset.system, c.dataset.state]);
    return {
      pledges: tiles('plastic_pledges'), supervision: tiles('plastic_supervision'),
      signed: JSON.parse(q('[data-panel="plastic_signed"] .body').dataset.items || '[]'),
      map: JSON.parse(q('[data-panel="plastic_map"] .body').dataset.items || '[]'),
      rectify: JSON.parse(q('[data-panel="plastic_rectify"] .body').dataset.items || '[]'),
      months: Number(q('[data-panel="plastic_months"] .body').dataset.total),
      cells, activities: [...document.querySelectorAll('[data-panel="plastic_activities"] li')].map((li) => Number(li.dataset.activity)),
      failed: [...document.querySelectorAll('.panel.failed')].map((p) => p.dataset.panel),
      title: q('#modules button.on').textContent,
    };
  });
}

async function checkScreen(pg) {
  const d = (await w.api(pg, URL_)).json;
  const s = await screen(pg);
  assert.deepEqual(s.failed, [], 'no panel failed');
  const tot = d.totals;
  const val = (tiles, kind) => Number(tiles.find((x) => x.kind === kind).value);
  assert.equal(val(s.pledges, 'participants'), 21);
  assert.equal(val(s.pledges, 'participants'), tot.participants);
  assert.equal(val(s.pledges, 'signed:stall_pledge'), 2350);
  assert.equal(val(s.pledges, 'signed:stall_pledge'), tot.signed.stall_pledge);
  assert.equal(val(s.pledges, 'signed:market_duty'), tot.signed.market_duty);
  assert.equal(Number(s.pledges.find((x) => x.kind === 'signed:market_duty').sub), tot.expected.market_duty);
  assert.equal(val(s.pledges, 'members'), tot.members);
  assert.equal(val(s.supervision, 'inspections'), tot.inspections);
  assert.equal(val(s.supervision, 'violations'), tot.violations);
  const r = tot.rectify;
  const onTime = r.closed_on_time / (r.closed_on_time + r.closed_late + r.overdue);
  assert.ok(Math.abs(val(s.supervision, 'on_time') - onTime) < 1e-12, 'rectified on time');
  assert.equal(val(s.supervision, 'rectify:open+overdue'), r.open + r.overdue);
  assert.equal(s.supervision.find((x) => x.kind === 'rectify:open+overdue').sub, `${r.open},${r.overdue}`);
  // by market
  const byId = new Map(d.participants.map((p) => [p.entity, p]));
  assert.equal(s.signed.length, 21);
  for (const [id, n, of] of s.signed) {
    assert.equal(n, byId.get(id).members_signed_by.stall_pledge, id);
    assert.equal(of, byId.get(id).members, id);
  }
  assert.equal(s.signed.reduce((a, x) => a + x[1], 0), 2350, 'the markets\' signatures add up to 2,350');
  assert.equal(s.map.length, 21, 'every market on the map');
  for (const [id, open] of s.map) assert.equal(open, byId.get(id).open_rectify, id);
  assert.equal(s.cells.length, 21 * d.campaign.systems.length, 'markets x six systems');
  for (const [id, sys, st] of s.cells) assert.equal(st, byId.get(id).systems[sys], `${id} ${sys}`);
  assert.deepEqual(Object.fromEntries(s.rectify), r);
  assert.equal(s.months, tot.inspections);
  assert.deepEqual(s.activities, d.activities.map((a) => a.id));
  return s;
}

test('the 限塑 module shows the campaign engine\'s numbers: 21 markets, 2,350 commitments, the matrix, the map', async () => {
  const s = await checkScreen(page);
  assert.equal(s.title, '农贸市场限塑');
  assert.ok(s.cells.some((c) => c[2] === 'failed') || s.map.every((m) => m[1] === 0) === false, 'the demo has something to rectify');
  assert.deepEqual(page.errors, [], 'no console or page error');
});

test('in English the same numbers, and a leader (viewer) sees the module too', async () => {
  await page.evaluate(() => { localStorage.setItem('zz-lang', 'en'); });
  await page.reload();
  await page.waitForSelector('#grid[data-ready]');
  await w.view(page, 'gongshu', 'plastic');
  const s = await checkScreen(page);
  assert.equal(s.title, 'Plastic restriction');
  await page.evaluate(() => { localStorage.setItem('zz-lang', 'zh'); });
  const b = await w.launch();
  const lp = await w.page({ browser: b });
  await w.login(lp, 'leader', '#/gongshu?m=plastic');
  await w.view(lp, 'gongshu', 'plastic');
  await checkScreen(lp);
  assert.deepEqual(lp.errors, []);
  assert.deepEqual(page.errors, []);
});

test('screenshots at 1920x1080 and 1366x768, Chinese and English', async () => {
  const out = process.env.SHOTS;
  if (out) fs.mkdirSync(out, { recursive: true });
  for (const lang of ['zh', 'en']) {
    for (const [width, height] of [[1920, 1080], [1366, 768]]) {
      await page.setViewportSize({ width, height });
      await page.evaluate((l) => { localStorage.setItem('zz-lang', l); }, lang);
      await page.reload();
      await page.waitForSelector('#grid[data-ready]');
      await w.view(page, 'gongshu', 'plastic');
      await page.waitForTimeout(300); // the charts' resize after the fit
      const name = `cockpit-plastic-${lang}-${width}x${height}`;
      await w.shot(page, name);
      if (out) await page.screenshot({ path: path.join(out, name + '.png') });
      const s = await screen(page);
      assert.deepEqual(s.failed, []);
    }
  }
  assert.deepEqual(page.errors, []);
});
