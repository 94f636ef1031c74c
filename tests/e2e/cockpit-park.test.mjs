// cockpit-park.test.mjs - the seed's figures that were missing from the
// screens (issue 13 §5), in a real Chromium against a real demo world:
// records returned vs used on the park's cockpit and in the admin's source
// list, the duty status of enforcement teams and grid members on the park's
// 平安园区 module, the 7 PC application scenarios, and the Xintiandi block's
// scenario map of the six needs 吃住行游购娱. Every number on screen is
// compared with the API's answer to the URL the panel read. Screenshots (zh
// and en, 1920x1080 and 1366x768) go to test-results/e2e/ and, when
// ZZ_SHOTS is set, to that directory too.
// Run: ZHIZHI_BIN=build/zhizhi node --test tests/e2e/cockpit-park.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CockpitWorld } from './lib/cockpit-world.mjs';

const PARK = 'gongshu/kejipark';
const XTD = 'gongshu/dongxin/xintiandi';
let w;
let page;
before(async () => {
  w = await new CockpitWorld().start();
  page = await w.page();
  await w.login(page);
});
after(async () => { if (w) await w.stop(); });

async function shot(pg, name) {
  await w.shot(pg, name);
  if (process.env.ZZ_SHOTS) {
    fs.mkdirSync(process.env.ZZ_SHOTS, { recursive: true });
    await pg.screenshot({ path: path.join(process.env.ZZ_SHOTS, name + '.png') });
  }
}

test('the park shows records returned and used, equal to the API\'s, and "used" follows what the panels read', async () => {
  await w.view(page, PARK, 'apps');
  const url = await page.getAttribute('[data-panel=usage_totals]', 'data-url');
  assert.match(url, /\/api\/v1\/sources\/usage\?region=gongshu%2Fkejipark/);
  const api = (await w.api(page, url)).json;
  const shown = Object.fromEntries(await page.$$eval('[data-panel=usage_totals] .tile', (ts) => ts.map((t) => [t.dataset.key, t.querySelector('.value').dataset.value])));
  assert.equal(Number(shown.records), api.records);
  assert.equal(Number(shown.used), api.used);
  assert.ok(Math.abs(Number(shown.used_share) - api.used_share) < 1e-12);
  assert.ok(api.records > 0 && api.used > 0 && api.used < api.records, `${api.used} of ${api.records}: some records are read by no panel or rule`);
  // per platform: every row is the API's
  const rows = await page.$$eval('[data-panel=usage] tbody tr', (rs) => rs.map((r) => [r.dataset.source, Number(r.children[1].dataset.value), Number(r.children[2].dataset.value)]));
  const bySource = Object.fromEntries(api.sources.map((s) => [s.id, s]));
  assert.ok(rows.length >= 5);
  for (const [id, records, used] of rows) {
    assert.equal(records, bySource[id].records, id);
    assert.equal(used, bySource[id].used, id);
  }
  // "used" is computed from the declarations: each used metric names a reader
  // that exists, and a metric nobody reads is not counted
  const dash = (await w.api(page, '/api/v1/dashboards')).json;
  for (const r of api.read) {
    assert.ok(r.readers.length > 0, r.metric);
    for (const rd of r.readers) {
      if (rd.startsWith('rule:') || rd.startsWith('site:')) continue;
      const [layout, mod, panel] = rd.split('/');
      assert.ok(dash.layouts[layout].modules.find((m) => m.id === mod).panels.find((p) => p.id === panel), rd);
    }
  }
  const read = new Set(api.read.map((r) => r.metric));
  for (const s of api.sources) for (const m of s.metrics) assert.equal(m.used, read.has(m.metric), `${s.id}/${m.metric}`);
  assert.deepEqual(page.errors, []);
});

test('the admin\'s source list shows each platform\'s records used beside those received', async () => {
  const p2 = await w.page();
  // (signed in already: the pages share the browser's cookies)
  await p2.goto(w.base + '/admin#sources');
  await p2.waitForSelector('table.sources tbody tr[data-source] td.used[data-value]', { timeout: 20000 });
  const api = (await w.api(p2, '/api/v1/sources/usage')).json;
  const used = await p2.$$eval('table.sources tbody tr[data-source]', (rs) => rs.map((r) => [r.dataset.source, Number(r.querySelector('td.used').dataset.value)]));
  const bySource = Object.fromEntries(api.sources.map((s) => [s.id, s.used]));
  assert.ok(used.length >= 16);
  for (const [id, v] of used) assert.equal(v, bySource[id], id);
  await shot(p2, 'park-1920x1080-zh-admin-sources');
  assert.deepEqual(p2.errors, []);
  await p2.close();
});

test('the safe-park module counts enforcement teams and grid members by duty status, as the API does, and lists them', async () => {
  await w.view(page, PARK, 'safety');
  const url = await page.getAttribute('[data-panel=duty_counts]', 'data-url');
  const api = (await w.api(page, url)).json;
  assert.equal(api.total, 28);
  const counts = Object.fromEntries(await page.$$eval('[data-panel=duty_counts] .tile', (ts) => ts.map((t) => [t.dataset.state, Number(t.querySelector('.value').dataset.value)])));
  for (const s of api.states) assert.equal(counts[s.id], s.n, s.id);
  assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 28);
  // the list: one row per unit, in the state the API gives
  const listUrl = await page.getAttribute('[data-panel=duty_list]', 'data-url');
  const list = (await w.api(page, listUrl)).json;
  const rows = await page.$$eval('[data-panel=duty_list] tbody tr', (rs) => rs.map((r) => [r.dataset.entity, r.dataset.state]));
  assert.deepEqual(rows, list.items.map((it) => [it.entity, it.state]));
  // by kind: the enforcement teams and the grid members
  const groups = JSON.parse(await page.getAttribute('[data-panel=duty_groups] .body', 'data-groups'));
  const gapi = (await w.api(page, await page.getAttribute('[data-panel=duty_groups]', 'data-url'))).json;
  assert.deepEqual(groups, gapi.groups.map((g) => [g.key, gapi.states.map((s) => g.states[s.id])]));
  assert.deepEqual(groups.map((g) => g[0]).sort(), ['enforcement_team', 'grid_member']);
  assert.deepEqual(page.errors, []);
});

test('the safe-park module\'s hazards: found, open, overdue, closed on time and late, the open ones and the kinds, as the API says', async () => {
  await w.view(page, PARK, 'safety');
  const url = await page.getAttribute('[data-panel=hazards]', 'data-url');
  assert.match(url, /^\/api\/v1\/rectifications\?campaign=park_safety&region=gongshu%2Fkejipark&limit=\d+$/);
  const items = (await w.api(page, url)).json.rectify;
  assert.ok(items.length > 0, 'the demo found hazards in the park');
  for (const x of items) assert.match(x.region, /^gongshu\/kejipark\//, 'only the park\'s items');
  const tiles = Object.fromEntries(await page.$$eval('[data-panel=hazards] .tile', (ts) => ts.map((t) => [t.dataset.kind, Number(t.querySelector('.value').dataset.value)])));
  assert.equal(tiles.found, items.length);
  for (const st of ['open', 'overdue', 'closed_on_time', 'closed_late']) assert.equal(tiles['rectify:' + st], items.filter((x) => x.status === st).length, st);
  assert.ok(tiles['rectify:closed_on_time'] > 0, 'most are closed on time');
  // the open ones, most urgent first, each with its order, owner and deadline as the API gives
  const open = items.filter((x) => x.status === 'open' || x.status === 'overdue').sort((a, b) => Date.parse(a.deadline) - Date.parse(b.deadline));
  assert.deepEqual(JSON.parse(await page.getAttribute('[data-panel=hazards] .body', 'data-open')), open.map((x) => [x.id, x.order]));
  const rows = await page.$$eval('[data-panel=hazards] tbody tr', (rs) => rs.map((r) => ({ id: Number(r.dataset.rectify), order: r.querySelector('.order').textContent, due: r.querySelector('.due').textContent, owner: r.querySelector('.owner').textContent })));
  assert.equal(rows.length, open.length);
  const depts = new Map((await w.api(page, '/api/v1/departments')).json.departments.map((d) => [d.id, d.name_zh]));
  for (const [i, r] of rows.entries()) {
    assert.equal(r.id, open[i].id);
    assert.equal(r.order, '#' + open[i].order);
    assert.equal(r.owner, depts.get(open[i].owner));
    assert.equal(r.due, new Date(Date.parse(open[i].deadline) + 8 * 3600e3).toISOString().slice(0, 10));
  }
  // by kind: each bar is its item's count, and no item left out has more than the least shown
  assert.equal(await page.getAttribute('[data-panel=hazard_kinds]', 'data-url'), url, 'both panels read one answer');
  const kinds = JSON.parse(await page.getAttribute('[data-panel=hazard_kinds] .body', 'data-items'));
  const count = new Map();
  for (const x of items) {
    const c = count.get(x.item) || [0, 0];
    c[0]++;
    if (x.status === 'open' || x.status === 'overdue') c[1]++;
    count.set(x.item, c);
  }
  for (const [item, n, nOpen] of kinds) assert.deepEqual([n, nOpen], count.get(item), item);
  const least = Math.min(...kinds.map((k) => k[1]));
  for (const [item, [n]] of count) if (!kinds.some((k) => k[0] === item)) assert.ok(n <= least, item);
  assert.equal(kinds.length, Math.min(10, count.size));
  assert.deepEqual(page.errors, []);
});

test('a patrol check-in posted now turns a unit to "patrolling" on screen', async () => {
  await w.view(page, PARK, 'safety');
  const url = await page.getAttribute('[data-panel=duty_list]', 'data-url');
  const list = (await w.api(page, url)).json;
  const unit = list.items.find((it) => it.state !== 'patrolling');
  assert.ok(unit, 'a unit not patrolling');
  // the check-in system (巡更打卡系统) owns the duty check-ins: a token of its own, as an admin issues it
  const token = await page.evaluate(async () => {
    const res = await fetch('/api/v1/sources/patrol/token', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{}' });
    return (await res.json()).token;
  });
  assert.ok(token, 'a token for the patrol source');
  const r = await w.ingest([{ entity: unit.entity, metric: 'duty_checkin', ts: Date.now() - 1000, value: 2 }], token);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const sel = `[data-panel=duty_list] tr[data-entity="${unit.entity}"]`;
  await page.waitForFunction((s) => document.querySelector(s) && document.querySelector(s).dataset.state === 'patrolling', sel, { timeout: 30000 });
  const after = (await w.api(page, await page.getAttribute('[data-panel=duty_counts]', 'data-url'))).json;
  await page.waitForFunction((n) => Number(document.querySelector('[data-panel=duty_counts] .tile[data-state=patrolling] .value').dataset.value) === n,
    after.states.find((s) => s.id === 'patrolling').n, { timeout: 30000 });
  assert.deepEqual(page.errors, []);
});

test('the park\'s 7 PC application scenarios each show figures equal to the API\'s', async () => {
  await w.view(page, PARK, 'apps');
  const apps = await page.$$eval('[data-panel=apps] li.app', (ls) => ls.map((l) => ({
    id: l.dataset.app, name: l.querySelector('.name').textContent,
    figs: [...l.querySelectorAll('.fig')].map((f) => ({ url: f.dataset.src, kind: f.dataset.kind, v: f.querySelector('.v').dataset.value })),
  })));
  assert.equal(apps.length, 7);
  assert.ok(apps.some((a) => a.name === '智慧工地') && apps.some((a) => a.name === '平安园区'));
  for (const a of apps) {
    assert.ok(a.figs.length >= 1, a.id);
    for (const f of a.figs) {
      const j = (await w.api(page, f.url)).json;
      let want;
      if (f.kind.startsWith('state:')) want = j.states.find((s) => s.id === f.kind.slice(6)).n;
      else if (f.kind === 'count') want = j.total;
      else if (f.kind === 'recent') want = j.recent.n;
      else if (f.kind === 'percent') want = j.total == null ? null : j.total * 100;
      else if (f.kind === 'total') want = j.items ? j.items.reduce((s, x) => s + (x.v || 0), 0) : j.total;
      else if (f.kind.startsWith('group:')) want = (j.items.find((x) => x.key === f.kind.slice(6)) || { n: 0 }).n;
      else assert.fail(`unexpected figure kind ${f.kind}`);
      const got = f.v === '' ? null : Number(f.v);
      if (want == null) assert.equal(got, null, `${a.id} ${f.kind}`);
      else assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${a.id} ${f.kind}: screen ${got}, API ${want}`);
    }
  }
  assert.deepEqual(page.errors, []);
});

test('the block\'s scenario map draws the six needs as layers, each counted as the entities say', async () => {
  await w.view(page, XTD, 'scenes');
  const layers = JSON.parse(await page.getAttribute('[data-panel=map] .body', 'data-layers'));
  assert.deepEqual(layers.map((l) => l[0]), ['eat', 'stay', 'travel', 'tour', 'shop', 'play']);
  const dash = (await w.api(page, '/api/v1/dashboards')).json;
  const def = dash.layouts.block.modules.find((m) => m.id === 'scenes').panels.find((p) => p.id === 'map');
  // each layer's count from the summary API: its members' entities of the kinds it keeps
  for (const [i, [id, n]] of layers.entries()) {
    let want = 0;
    for (const m of def.layers[i].members) {
      const attr = m.where ? Object.keys(m.where)[0] : null;
      const q = `/api/v1/summary?entity_type=${m.entity_type}&region=${encodeURIComponent(XTD)}${attr ? '&by=' + attr : ''}`;
      const j = (await w.api(page, q)).json;
      want += attr ? j.items.filter((x) => m.where[attr].includes(x.key)).reduce((s, x) => s + x.n, 0) : j.total;
    }
    assert.equal(n, want, id);
    assert.ok(n > 0, id);
  }
  // the seed's 60 restaurants and 29 apartment buildings are in their layers
  assert.equal(layers[0][1], 60);
  // the legend says each need with its count
  const legend = await page.evaluate(() => window.echarts.getInstanceByDom(document.querySelector('[data-panel=map] .body')).getOption().legend[0].data);
  assert.ok(legend.includes(`吃 ${layers[0][1]}`), legend.join(','));
  const apps = await page.$$eval('[data-panel=apps] li.app .name', (ns) => ns.map((n) => n.textContent));
  assert.equal(apps.length, 9);
  for (const name of ['便捷泊车', '食安慧眼', '智慧电梯', '酒吧行业一件事']) assert.ok(apps.includes(name), name);
  assert.deepEqual(page.errors, []);
});

test('screenshots: the new modules in Chinese and English at 1920x1080 and 1366x768', { timeout: 180000 }, async () => {
  for (const [width, height] of [[1920, 1080], [1366, 768]]) {
    for (const lang of ['zh', 'en']) {
      const p = await w.page({ width, height });
      // (signed in already: the pages share the browser's cookies and storage)
      await p.goto(w.base + '/');
      await p.evaluate((l) => localStorage.setItem('zz-lang', l), lang);
      await p.reload();
      await p.waitForSelector('#grid[data-ready]', { timeout: 20000 });
      for (const [region, mod] of [[PARK, 'safety'], [PARK, 'apps'], [XTD, 'scenes']]) {
        await w.view(p, region, mod);
        await p.waitForTimeout(300); // (the charts' first frame; nothing is asserted on time)
        await shot(p, `park-${width}x${height}-${lang}-${region.split('/').pop()}-${mod}`);
      }
      assert.deepEqual(p.errors, [], `${width}x${height} ${lang}`);
      await p.evaluate(() => localStorage.setItem('zz-lang', 'zh'));
      await p.close();
    }
  }
});
