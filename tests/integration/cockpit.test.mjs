// cockpit.test.mjs - the API the cockpit pages stand on, against the Gongshu
// pack: dashboards cut to each user's scope, entity summaries counted from
// the pack's own entities, the public session probe, monthly portraits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createWorld, GONGSHU_PACK, errorOf, show, iso, localMidnight, TZ, DAY } from './harness.mjs';

let w;
let small;
const ENTITIES = fs.readFileSync(path.join(GONGSHU_PACK, 'entities.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['tax_share'] });
  small = await createWorld();
});
after(async () => {
  await w?.close();
  await small?.close();
});

test('dashboards: every perspective for an unscoped user, the park for a park manager, Dongxin for its viewer', async () => {
  const all = await w.get('admin', '/api/v1/dashboards');
  assert.equal(all.status, 200, show(all));
  assert.deepEqual(all.json.perspectives.map((p) => p.region), ['gongshu', 'gongshu/dongxin', 'gongshu/dongxin/xintiandi',
    'gongshu/kejipark', 'gongshu/kejipark/beibu', 'gongshu/kejipark/wanggu', 'gongshu/kejipark/kangqiao_xny']);
  const park = all.json.perspectives.find((p) => p.region === 'gongshu/kejipark');
  assert.equal(park.name_zh, '园区管委会总览');
  assert.equal(park.region_name_zh, '区科技工业区');
  assert.equal(park.level, 'park');
  assert.deepEqual(all.json.layouts.park.modules.map((m) => m.name_zh), ['网谷总览', '资产与招商', '科技与人才', '营商环境', '未来社区', '3D沙盘', '平安园区', '数据与应用']);
  assert.equal(all.json.labels.industry.digital_economy.zh, '数字经济');

  const pm = await w.get('park', '/api/v1/dashboards');
  assert.deepEqual(pm.json.perspectives.map((p) => p.region), ['gongshu/kejipark', 'gongshu/kejipark/beibu', 'gongshu/kejipark/wanggu', 'gongshu/kejipark/kangqiao_xny']);
  assert.equal(pm.json.scope, 'gongshu/kejipark');
  const dx = await w.get('viewer', '/api/v1/dashboards');
  assert.deepEqual(dx.json.perspectives.map((p) => p.region), ['gongshu/dongxin', 'gongshu/dongxin/xintiandi']);

  const anon = await w.api('GET', '/api/v1/dashboards');
  assert.equal(anon.status, 401);
  const none = await small.get('admin', '/api/v1/dashboards');
  assert.equal(none.status, 404, show(none));
  assert.match(errorOf(none).message, /dashboards\.json/);
});

test('summary: entity counts, sums and groups from attributes equal the pack\'s own entities', async () => {
  const inPark = ENTITIES.filter((e) => e.type === 'enterprise' && e.region.startsWith('gongshu/kejipark'));
  const r = await w.get('admin', '/api/v1/summary?entity_type=enterprise&region=gongshu/kejipark&by=industry&sum=employees');
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.total, inPark.length);
  assert.equal(r.json.sum, inPark.reduce((a, e) => a + (e.attrs.employees || 0), 0));
  const groups = {};
  for (const e of inPark) groups[e.attrs.industry || ''] = (groups[e.attrs.industry || ''] || 0) + 1;
  assert.deepEqual(Object.fromEntries(r.json.items.map((i) => [i.key, i.n])), groups);
  for (let i = 1; i < r.json.items.length; i++) assert.ok(r.json.items[i - 1].n >= r.json.items[i].n, 'sorted by count');
  const sumDigital = inPark.filter((e) => e.attrs.industry === 'digital_economy').reduce((a, e) => a + e.attrs.employees, 0);
  assert.equal(r.json.items.find((i) => i.key === 'digital_economy').sum, sumDigital);

  // recent arrivals: registered within [from, to) in whole local days, newest first
  const from = '2026-01-01';
  const to = new Date(localMidnight(Date.now()) + DAY + TZ).toISOString().slice(0, 10);
  const recent = inPark.filter((e) => e.attrs.registered >= from && e.attrs.registered < to)
    .sort((a, b) => (a.attrs.registered === b.attrs.registered ? a.id.localeCompare(b.id) : b.attrs.registered.localeCompare(a.attrs.registered)));
  const rr = await w.get('admin', `/api/v1/summary?entity_type=enterprise&region=gongshu/kejipark&recent=registered&from=${from}&limit=5`);
  assert.equal(rr.status, 200, show(rr));
  assert.equal(rr.json.recent.n, recent.length);
  assert.equal(rr.json.recent.from, from);
  assert.equal(rr.json.recent.to, to);
  assert.deepEqual(rr.json.recent.items.map((i) => [i.entity, i.value]), recent.slice(0, 5).map((e) => [e.id, e.attrs.registered]));
  assert.equal(rr.json.recent.items[0].name_zh, recent[0].name_zh);
  // the cached answer is the same
  const again = await w.get('admin', `/api/v1/summary?entity_type=enterprise&region=gongshu/kejipark&recent=registered&from=${from}&limit=5`);
  assert.equal(again.text, rr.text);

  const bars = await w.get('admin', '/api/v1/summary?entity_type=venue&by=kind');
  assert.equal(bars.json.items.find((i) => i.key === 'bar').n, ENTITIES.filter((e) => e.type === 'venue' && e.attrs.kind === 'bar').length);
});

test('summary: bad input names the parameter; a region outside the scope is 403', async () => {
  const cases = [
    ['/api/v1/summary', 400, 'entity_type'],
    ['/api/v1/summary?entity_type=robot', 404, 'entity_type'],
    ['/api/v1/summary?entity_type=enterprise&by=colour', 400, 'by'],
    ['/api/v1/summary?entity_type=enterprise&sum=bad%20attr', 400, 'sum'],
    ['/api/v1/summary?entity_type=enterprise&recent=registered&limit=5000', 400, 'limit'],
    ['/api/v1/summary?entity_type=enterprise&recent=registered&from=soon', 400, 'from'],
    ['/api/v1/summary?entity_type=enterprise&region=gongshu/nowhere', 404, 'region'],
  ];
  for (const [url, status, field] of cases) {
    const r = await w.get('admin', url);
    assert.equal(r.status, status, `${url}: ${show(r)}`);
    assert.equal(errorOf(r).field, field, url);
  }
  const out = await w.get('viewer', '/api/v1/summary?entity_type=enterprise&region=gongshu/kejipark');
  assert.equal(out.status, 403, show(out));
  // a scoped viewer asking for the district gets their scope
  const cut = await w.get('viewer', '/api/v1/summary?entity_type=enterprise&region=gongshu');
  assert.equal(cut.status, 200);
  assert.equal(cut.json.region, 'gongshu/dongxin');
  assert.equal(cut.json.total, ENTITIES.filter((e) => e.type === 'enterprise' && e.region.startsWith('gongshu/dongxin')).length);
});

test('session: 200 with the user, or with null when not signed in', async () => {
  const anon = await w.api('GET', '/api/v1/session');
  assert.equal(anon.status, 200);
  assert.deepEqual(anon.json, { user: null });
  const bad = await w.api('GET', '/api/v1/session', { cookie: 'zz_session=zz_nonsense' });
  assert.deepEqual(bad.json, { user: null });
  const me = await w.get('park', '/api/v1/session');
  assert.equal(me.json.user.name, 'park_kj');
  assert.equal(me.json.user.scope, 'gongshu/kejipark');
});

test('portrait: grain=month gives 12 monthly points of each metric', async () => {
  const ent = ENTITIES.find((e) => e.type === 'enterprise' && e.region.startsWith('gongshu/kejipark'));
  const now = Date.now();
  const post = await w.ingest([{ entity: ent.id, metric: 'tax', ts: now - 60e3, value: 12.5 }], { token: w.tokens.tax_share });
  assert.equal(post.status, 200, show(post));
  const r = await w.get('admin', `/api/v1/entities/${ent.id}/portrait?grain=month`);
  assert.equal(r.status, 200, show(r));
  const tax = r.json.series.find((s) => s.metric === 'tax');
  assert.equal(tax.grain, 'month');
  assert.equal(tax.points.length, 12);
  assert.equal(tax.points[11].v, 12.5);
  assert.equal(tax.points[11].t.slice(0, 7), iso(now).slice(0, 7));
  const day = await w.get('admin', `/api/v1/entities/${ent.id}/portrait`);
  assert.equal(day.json.series.find((s) => s.metric === 'tax').points.length, 30);
  const bad = await w.get('admin', `/api/v1/entities/${ent.id}/portrait?grain=week`);
  assert.equal(bad.status, 400);
  assert.equal(errorOf(bad).field, 'grain');
});

test('the dispatch board (统一派单) counts a region\'s orders today, in hand and by department', async () => {
  const XTD = 'gongshu/dongxin/xintiandi';
  const board = async (region) => {
    const r = await w.get('admin', `/api/v1/cockpit/orders?region=${region}`);
    assert.equal(r.status, 200, show(r));
    return r.json;
  };
  const b0 = await board('gongshu/dongxin');
  const call = async (method, p, body) => w.api(method, p, { cookie: await w.as('admin'), body });
  const make = async (description) => {
    const r = await call('POST', '/api/v1/orders', { matter: 'environmental_hygiene', region: XTD, description });
    assert.equal(r.status, 201, show(r));
    return r.json.order.id;
  };
  const act = async (id, action, extra = {}) => {
    const r = await call('POST', `/api/v1/orders/${id}/actions`, { action, ...extra });
    assert.equal(r.status, 200, show(r));
  };
  const a = await make('垃圾堆放 a');
  const b = await make('垃圾堆放 b');
  const c = await make('垃圾堆放 c');
  await act(a, 'dispatch', { department: 'urban_mgmt' });
  await act(b, 'dispatch', { departments: ['urban_mgmt', 'fire'] });
  for (const step of ['dispatch', 'accept', 'resolve']) await act(c, step, { note: '已处理', ...(step === 'dispatch' ? { department: 'urban_mgmt' } : {}) });
  const x = await board('gongshu/dongxin');
  assert.equal(x.today - b0.today, 3);
  assert.equal(x.open - b0.open, 2, 'the resolved one is no longer in hand');
  assert.equal(x.overdue, 0);
  assert.equal(x.on_time_rate, 1, 'resolved within its deadline');
  assert.equal(x.satisfaction, null, 'nobody rated yet');
  const um = x.by_department.find((d) => d.department === 'urban_mgmt');
  const fire = x.by_department.find((d) => d.department === 'fire');
  assert.ok(um && fire, JSON.stringify(x.by_department));
  assert.equal(um.today, 3);
  assert.equal(um.open, 2);
  assert.equal(fire.open, 1, 'a joint order counts for each of its departments');
  assert.ok(x.by_department.indexOf(um) < x.by_department.indexOf(fire), 'busiest first');
  const park = await board('gongshu/kejipark');
  assert.equal(park.today, 0, 'another region\'s orders stay out');
  const pm = await w.get('park', '/api/v1/cockpit/orders?region=gongshu/dongxin');
  assert.equal(pm.status, 403, 'scope applies');
});
