// Region scopes: a viewer scoped to gongshu/dongxin and a park manager scoped
// to gongshu/kejipark see their subtree only; a query naming an ancestor is
// cut to the scope; regions and entities outside are 403.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, errorOf, show, iso, qs, localMidnight, DAY, HOUR } from './harness.mjs';

let w;
const D = localMidnight(Date.now()) - 4 * DAY;
const RANGE = { from: iso(D), to: iso(D + DAY) };

before(async () => {
  w = await createWorld();
  const admin = await w.as('admin');
  // an entity in a street whose id shares Dongxin's prefix but lies outside it
  const c = await w.api('POST', '/api/v1/entities', { cookie: admin, body: {
    id: 'c-dxb-1', type: 'counter', name_zh: '东新北计数点', name_en: 'Dongxin North counter', region: 'gongshu/dongxinbei',
    lon: 120.17, lat: 30.29, attrs: { kind: 'street' } } });
  assert.equal(c.status, 201, show(c));
  const recs = [['c-xtd-1', 10], ['c-dx-1', 20], ['c-hs-1', 300], ['c-bb-1', 4000], ['c-wg-1', 50000], ['c-dxb-1', 600000]]
    .map(([entity, value]) => ({ entity, metric: 'visitors', ts: D + 10 * HOUR, value }));
  await w.ingestOk(recs);
  await w.ingestOk([{ entity: 'c-xtd-1', metric: 'visitors', ts: Date.now() - 3 * HOUR, value: 1 },
    { entity: 'c-hs-1', metric: 'visitors', ts: Date.now() - 3 * HOUR, value: 2 }]);
});
after(async () => { await w?.close(); });

async function expect403(who, p) {
  const r = await w.get(who, p);
  assert.equal(r.status, 403, `${who} GET ${p}: ${show(r)}`);
  assert.equal(errorOf(r).code, 'forbidden');
  assert.ok(!/"v":\s*[0-9]/.test(r.text), 'a refusal carries no data');
}

test('viewer of Dongxin: regions outside the scope are 403 in every query', async () => {
  for (const region of ['gongshu/kejipark', 'gongshu/kejipark/beibu', 'gongshu/hushu', 'gongshu/dongxinbei']) {
    await expect403('viewer', `/api/v1/regions/${region}`);
    await expect403('viewer', `/api/v1/series?${qs({ metric: 'visitors', region, ...RANGE })}`);
    await expect403('viewer', `/api/v1/breakdown?${qs({ metric: 'visitors', region, ...RANGE })}`);
    await expect403('viewer', `/api/v1/top?${qs({ metric: 'visitors', region, ...RANGE })}`);
    await expect403('viewer', `/api/v1/latest?${qs({ metric: 'visitors', region })}`);
    await expect403('viewer', `/api/v1/entities?${qs({ region })}`);
  }
  await expect403('viewer', `/api/v1/regions.geojson?root=gongshu/kejipark`);
});

test('viewer of Dongxin: the region tree and GeoJSON start at the scope', async () => {
  const t = await w.get('viewer', '/api/v1/regions');
  assert.equal(t.status, 200, show(t));
  assert.deepEqual(t.json.regions.map((r) => r.id), ['gongshu/dongxin']);
  assert.deepEqual(t.json.regions[0].children.map((r) => r.id), ['gongshu/dongxin/xintiandi']);
  const g = await w.get('viewer', '/api/v1/regions.geojson');
  assert.deepEqual(g.json.features.map((f) => f.properties.id).sort(), ['gongshu/dongxin', 'gongshu/dongxin/xintiandi']);
  const root = await w.get('viewer', '/api/v1/regions.geojson?root=gongshu&depth=1');
  assert.ok(root.status === 403 || (root.status === 200 && root.json.features.every((f) => f.properties.id.startsWith('gongshu/dongxin'))),
    `GeoJSON from the district root for a Dongxin viewer: refused or cut, never the other streets: ${show(root).slice(0, 300)}`);
});

test('viewer of Dongxin: its own subtree is answered in full, not cut', async () => {
  const r = await w.get('viewer', `/api/v1/regions/gongshu/dongxin/xintiandi`);
  assert.equal(r.status, 200, show(r));
  const s = await w.get('viewer', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/dongxin/xintiandi', grain: 'day', ...RANGE })}`);
  assert.equal(s.status, 200, show(s));
  assert.equal(s.json.region, 'gongshu/dongxin/xintiandi');
  assert.ok(!s.json.cut, 'inside the scope: not cut');
  assert.equal(s.json.total, 10);
  const own = await w.get('viewer', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/dongxin', grain: 'day', ...RANGE })}`);
  assert.equal(own.json.total, 30);
  assert.ok(!own.json.cut);
});

test('viewer of Dongxin: a query on the district is cut to Dongxin and says so', async () => {
  const s = await w.get('viewer', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu', grain: 'day', ...RANGE })}`);
  assert.equal(s.status, 200, show(s));
  assert.equal(s.json.region, 'gongshu/dongxin');
  assert.equal(s.json.cut, true);
  assert.equal(s.json.total, 30, 'Dongxin only (10 + 20), not the district (654330)');
  assert.deepEqual(s.json.points.map((p) => p.v), [30]);

  const yoy = await w.get('viewer', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu', grain: 'day', compare: 'yoy', ...RANGE })}`);
  assert.equal(yoy.json.total, 30);
  assert.equal(yoy.json.cut, true);

  const b = await w.get('viewer', `/api/v1/breakdown?${qs({ metric: 'visitors', region: 'gongshu', ...RANGE })}`);
  assert.equal(b.status, 200, show(b));
  assert.equal(b.json.region, 'gongshu/dongxin');
  assert.equal(b.json.cut, true);
  assert.deepEqual(b.json.items.map((i) => [i.key, i.v]), [['gongshu/dongxin/xintiandi', 10]], 'the children of the scope');

  const ba = await w.get('viewer', `/api/v1/breakdown?${qs({ metric: 'visitors', region: 'gongshu', by: 'kind', ...RANGE })}`);
  assert.equal(ba.json.cut, true);
  assert.deepEqual(ba.json.items.map((i) => [i.key, i.v]), [['street', 20], ['gate', 10]]);

  const t = await w.get('viewer', `/api/v1/top?${qs({ metric: 'visitors', region: 'gongshu', ...RANGE })}`);
  assert.equal(t.status, 200, show(t));
  assert.equal(t.json.region, 'gongshu/dongxin');
  assert.equal(t.json.cut, true);
  assert.deepEqual(t.json.items.map((i) => [i.entity, i.v]), [['c-dx-1', 20], ['c-xtd-1', 10]]);

  const l = await w.get('viewer', `/api/v1/latest?${qs({ metric: 'visitors', region: 'gongshu' })}`);
  assert.equal(l.status, 200, show(l));
  assert.equal(l.json.region, 'gongshu/dongxin');
  assert.equal(l.json.cut, true);
  assert.deepEqual(l.json.items.map((i) => i.entity).sort(), ['c-dx-1', 'c-xtd-1']);
});

test('viewer of Dongxin: without a region, queries default to the scope', async () => {
  const s = await w.get('viewer', `/api/v1/series?${qs({ metric: 'visitors', grain: 'day', ...RANGE })}`);
  assert.equal(s.status, 200, show(s));
  assert.equal(s.json.region, 'gongshu/dongxin');
  assert.equal(s.json.total, 30);
  const l = await w.get('viewer', '/api/v1/latest?metric=visitors');
  assert.deepEqual(l.json.items.map((i) => i.entity).sort(), ['c-dx-1', 'c-xtd-1']);
  const t = await w.get('viewer', `/api/v1/top?${qs({ metric: 'visitors', ...RANGE })}`);
  assert.deepEqual(t.json.items.map((i) => i.entity), ['c-dx-1', 'c-xtd-1']);
  // an admin without a scope sees the whole district
  const a = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', grain: 'day', ...RANGE })}`);
  assert.equal(a.json.region, 'gongshu');
  assert.equal(a.json.total, 654330);
});

test('viewer of Dongxin: entities outside the scope are 403, and lists never show them', async () => {
  for (const id of ['c-bb-1', 'c-hs-1', 'c-dxb-1', 'e-wg-01']) {
    await expect403('viewer', `/api/v1/entities/${id}`);
    await expect403('viewer', `/api/v1/entities/${id}/portrait`);
  }
  for (const id of ['c-xtd-1', 'c-dx-1', 'p-xtd-1']) {
    const r = await w.get('viewer', `/api/v1/entities/${id}`);
    assert.equal(r.status, 200, `${id}: ${show(r)}`);
    const p = await w.get('viewer', `/api/v1/entities/${id}/portrait`);
    assert.equal(p.status, 200, `${id} portrait: ${show(p)}`);
  }
  for (const params of [{}, { region: 'gongshu' }, { type: 'counter' }]) {
    const r = await w.get('viewer', `/api/v1/entities?${qs({ limit: 1000, ...params })}`);
    assert.equal(r.status, 200, show(r));
    const outside = r.json.entities.filter((e) => e.region !== 'gongshu/dongxin' && !e.region.startsWith('gongshu/dongxin/'));
    assert.deepEqual(outside.map((e) => e.id), [], `entities outside the scope listed for ${qs(params)}`);
    assert.ok(r.json.entities.some((e) => e.id === 'c-xtd-1'), 'the scope\'s entities are listed');
  }
  // walking pages as the viewer also stays inside
  const seen = [];
  let cursor = null;
  do {
    const r = await w.get('viewer', `/api/v1/entities?${qs({ limit: 3, cursor })}`);
    seen.push(...r.json.entities.map((e) => e.region));
    cursor = r.json.next_cursor;
  } while (cursor != null && seen.length < 1000);
  assert.ok(seen.length > 0 && seen.every((r) => r === 'gongshu/dongxin' || r.startsWith('gongshu/dongxin/')), seen.join(' '));
});

test('park manager of the park: its subtree in full, the rest 403, the district cut to the park', async () => {
  const beibu = await w.get('park', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/kejipark/beibu', grain: 'day', ...RANGE })}`);
  assert.equal(beibu.status, 200, show(beibu));
  assert.equal(beibu.json.total, 4000);
  await expect403('park', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/dongxin', ...RANGE })}`);
  await expect403('park', '/api/v1/entities/c-xtd-1');
  await expect403('park', `/api/v1/top?${qs({ metric: 'tax', region: 'gongshu/dongxin/xintiandi', ...RANGE })}`);
  const cut = await w.get('park', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu', grain: 'day', ...RANGE })}`);
  assert.equal(cut.json.region, 'gongshu/kejipark');
  assert.equal(cut.json.cut, true);
  assert.equal(cut.json.total, 54000);
  const b = await w.get('park', `/api/v1/breakdown?${qs({ metric: 'visitors', region: 'gongshu', ...RANGE })}`);
  assert.deepEqual(b.json.items.map((i) => [i.key, i.v]), [['gongshu/kejipark/wanggu', 50000], ['gongshu/kejipark/beibu', 4000]]);
  const e = await w.get('park', '/api/v1/entities/e-bb-01');
  assert.equal(e.status, 200, show(e));
  const me = await w.get('park', '/api/v1/me');
  assert.equal(me.json.user.scope, 'gongshu/kejipark');
  assert.equal(me.json.user.role, 'park_manager');
});

test('a scope is enforced on the latest values of the last hours too', async () => {
  const from = iso(Date.now() - 6 * HOUR);
  const s = await w.get('viewer', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu', from })}`);
  assert.equal(s.status, 200, show(s));
  assert.equal(s.json.total, 1, 'Hushu\'s 2 of three hours ago is not Dongxin\'s');
});
