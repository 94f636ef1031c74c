// Registry: regions (tree, GeoJSON, one region), entity types, metrics,
// departments, sources (tokens shown once, rotation), entities (create, get,
// update, list with filters and cursor pagination) and admin-only writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createWorld, FIXTURE_PACK, errorOf, show, qs } from './harness.mjs';

let w;
before(async () => { w = await createWorld(); });
after(async () => { await w?.close(); });

const fixture = (f) => JSON.parse(fs.readFileSync(path.join(FIXTURE_PACK, f), 'utf8'));
const fixtureEntities = fs.readFileSync(path.join(FIXTURE_PACK, 'entities.ndjson'), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l));

function walk(nodes, out = []) {
  for (const n of nodes) {
    out.push(n);
    walk(n.children || [], out);
  }
  return out;
}

test('GET /api/v1/regions is the whole tree with names, level, centre; ?root= gives a subtree', async () => {
  const r = await w.get('admin', '/api/v1/regions');
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.regions.length, 1, 'one root');
  const root = r.json.regions[0];
  assert.equal(root.id, 'gongshu');
  assert.equal(root.name_zh, '拱墅区');
  assert.equal(root.name_en, 'Gongshu District');
  assert.equal(root.level, 'district');
  assert.equal(root.approximate, false);
  assert.deepEqual(root.center, [120.15, 30.34]);
  assert.equal(root.parent ?? null, null);
  assert.equal(root.children.find((c) => c.id === 'gongshu/dongxin').parent, 'gongshu');
  assert.deepEqual(root.children.map((c) => c.id).sort(), ['gongshu/dongxin', 'gongshu/dongxinbei', 'gongshu/hushu', 'gongshu/kejipark']);
  const all = walk(r.json.regions);
  assert.equal(all.length, 8, 'every region of the pack, once');
  const xtd = all.find((n) => n.id === 'gongshu/dongxin/xintiandi');
  assert.equal(xtd.level, 'block');
  assert.equal(xtd.approximate, true);
  assert.equal(xtd.name_en, 'Xintiandi Block');
  for (const n of all) {
    for (const c of n.children || []) assert.ok(c.id.startsWith(n.id + '/'), `${c.id} under ${n.id}`);
  }

  const sub = await w.get('admin', '/api/v1/regions?root=gongshu/kejipark');
  assert.equal(sub.status, 200, show(sub));
  assert.equal(sub.json.regions.length, 1);
  assert.equal(sub.json.regions[0].id, 'gongshu/kejipark');
  assert.deepEqual(sub.json.regions[0].children.map((c) => c.id).sort(),
    ['gongshu/kejipark/beibu', 'gongshu/kejipark/wanggu']);
  assert.equal(walk(sub.json.regions).length, 3);

  const none = await w.get('admin', '/api/v1/regions?root=gongshu/atlantis');
  assert.equal(none.status, 404, show(none));
  assert.equal(errorOf(none).code, 'not_found');
});

test('GET /api/v1/regions.geojson is a FeatureCollection; root and depth cut it', async () => {
  const r = await w.get('admin', '/api/v1/regions.geojson');
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.type, 'FeatureCollection');
  assert.equal(r.json.features.length, 8);
  const packRegions = fixture('regions.geojson').features;
  for (const f of r.json.features) {
    assert.equal(f.type, 'Feature');
    const want = packRegions.find((p) => p.properties.id === f.properties.id);
    assert.ok(want, `unknown feature ${f.properties.id}`);
    for (const k of ['parent', 'level', 'name_zh', 'name_en', 'approximate']) {
      assert.deepEqual(f.properties[k], want.properties[k], `${f.properties.id}.${k}`);
    }
    assert.deepEqual(f.geometry, want.geometry, `${f.properties.id} geometry as loaded`);
    assert.deepEqual(f.properties.center, want.properties.center, `${f.properties.id}.center`);
  }
  const d1 = await w.get('admin', '/api/v1/regions.geojson?root=gongshu&depth=1');
  assert.equal(d1.status, 200, show(d1));
  assert.deepEqual(d1.json.features.map((f) => f.properties.id).sort(),
    ['gongshu', 'gongshu/dongxin', 'gongshu/dongxinbei', 'gongshu/hushu', 'gongshu/kejipark']);
  const d0 = await w.get('admin', '/api/v1/regions.geojson?root=gongshu/dongxin&depth=0');
  assert.deepEqual(d0.json.features.map((f) => f.properties.id), ['gongshu/dongxin']);
  const sub = await w.get('admin', '/api/v1/regions.geojson?root=gongshu/dongxin');
  assert.deepEqual(sub.json.features.map((f) => f.properties.id).sort(), ['gongshu/dongxin', 'gongshu/dongxin/xintiandi']);
});

test('GET /api/v1/regions/PATH gives one region with geometry and child ids; 404 when unknown', async () => {
  const r = await w.get('admin', '/api/v1/regions/gongshu/kejipark');
  assert.equal(r.status, 200, show(r));
  const g = r.json.region;
  assert.equal(g.id, 'gongshu/kejipark');
  assert.equal(g.level, 'park');
  assert.equal(g.name_zh, '区科技工业区');
  assert.equal(g.geometry.type, 'Polygon');
  assert.deepEqual(g.geometry.coordinates[0][0], [120.1, 30.34]);
  assert.deepEqual([...g.children].sort(), ['gongshu/kejipark/beibu', 'gongshu/kejipark/wanggu']);
  const leaf = await w.get('admin', '/api/v1/regions/gongshu/dongxin/xintiandi');
  assert.equal(leaf.status, 200, show(leaf));
  assert.deepEqual(leaf.json.region.children, []);
  const missing = await w.get('admin', '/api/v1/regions/gongshu/dongxin/nowhere');
  assert.equal(missing.status, 404, show(missing));
  assert.equal(errorOf(missing).code, 'not_found');
});

test('entity types, metrics and departments are listed as the pack declares them', async () => {
  const t = await w.get('viewer', '/api/v1/entity-types');
  assert.equal(t.status, 200, show(t));
  const types = fixture('entity_types.json');
  assert.deepEqual(t.json.entity_types.map((x) => x.id).sort(), types.map((x) => x.id).sort());
  const ent = t.json.entity_types.find((x) => x.id === 'enterprise');
  assert.equal(ent.name_zh, '企业');
  assert.deepEqual(ent.attrs.map((a) => a.id ?? a).sort(), ['employees', 'industry', 'registered']);

  const m = await w.get('viewer', '/api/v1/metrics');
  assert.equal(m.status, 200, show(m));
  const metrics = fixture('metrics.json');
  assert.equal(m.json.metrics.length, metrics.length);
  for (const want of metrics) {
    const got = m.json.metrics.find((x) => x.id === want.id);
    assert.ok(got, want.id);
    for (const k of ['name_zh', 'name_en', 'unit', 'agg', 'entity_type', 'kind']) assert.equal(got[k], want[k], `${want.id}.${k}`);
  }

  const d = await w.get('viewer', '/api/v1/departments');
  assert.equal(d.status, 200, show(d));
  assert.deepEqual(d.json.departments.map((x) => [x.id, x.name_zh, x.name_en]).sort(),
    fixture('departments.json').map((x) => [x.id, x.name_zh, x.name_en]).sort());
  // a department of a team (pack.json's teams) names it; the others have none
  const team = fixture('pack.json').teams[0];
  for (const want of fixture('departments.json')) {
    const got = d.json.departments.find((x) => x.id === want.id);
    assert.deepEqual(got.team, want.team ? team : undefined, want.id);
  }
  assert.deepEqual(d.json.departments.filter((x) => x.team).map((x) => x.id).sort(), ['police', 'urban_mgmt']);
});

test('sources are listed with their metrics and counts, never with a token', async () => {
  const before = await w.get('admin', '/api/v1/sources');
  assert.equal(before.status, 200, show(before));
  const want = fixture('sources.json');
  assert.equal(before.json.sources.length, want.length);
  const wl = before.json.sources.find((s) => s.id === 'wenlv_flow');
  assert.equal(wl.department, 'culture_tourism');
  assert.equal(wl.kind, 'platform');
  assert.deepEqual(wl.metrics, want.find((s) => s.id === 'wenlv_flow').metrics);
  assert.ok(wl.metrics.includes('visitors'));
  assert.equal(before.json.sources.find((s) => s.id === 'tax_share').department, null);
  for (const s of before.json.sources) {
    assert.ok(!Object.keys(s).some((k) => /token|hash|secret/i.test(k)), `no token field in ${JSON.stringify(s)}`);
  }
  for (const t of Object.values(w.tokens)) assert.ok(!before.text.includes(t), 'a token appears in the source list');
  assert.doesNotMatch(before.text, /zz_[A-Za-z0-9_-]{16,}/);

  const n0 = wl.records;
  assert.equal(typeof n0, 'number');
  await w.ingestOk([{ entity: 'c-xtd-1', metric: 'visitors', ts: Date.now() - 3 * 3600e3, value: 4 },
    { entity: 'c-xtd-2', metric: 'visitors', ts: Date.now() - 3 * 3600e3, value: 5 }]);
  const after = await w.get('admin', '/api/v1/sources');
  const wl2 = after.json.sources.find((s) => s.id === 'wenlv_flow');
  assert.equal(wl2.records, n0 + 2, 'records counts what the source sent');
  assert.ok(wl2.last_seen, 'last_seen is set once the source sent data');
  assert.ok(Math.abs(Date.parse(wl2.last_seen) - Date.now()) < 120e3, `last_seen is about now: ${wl2.last_seen}`);
  assert.match(wl2.last_seen, /\+08:00$/);
  assert.equal(after.json.sources.find((s) => s.id === 'city_brain_traffic').last_seen, null);
});

test('POST /api/v1/sources returns a token once; it ingests; rotation retires the old token', async () => {
  const admin = await w.as('admin');
  const body = { id: 'it_lights', name_zh: '测试路灯平台', name_en: 'Test light platform', department: 'urban_mgmt', kind: 'iot', metrics: ['light_status'] };
  const c = await w.api('POST', '/api/v1/sources', { cookie: admin, body });
  assert.equal(c.status, 201, show(c));
  assert.equal(c.json.source.id, 'it_lights');
  assert.deepEqual(c.json.source.metrics, ['light_status']);
  const tok = c.json.token;
  assert.match(tok, /^zz_/);

  const list = await w.get('admin', '/api/v1/sources');
  const mine = list.json.sources.find((s) => s.id === 'it_lights');
  assert.ok(mine, 'the new source is listed');
  assert.equal(mine.name_en, 'Test light platform');
  assert.ok(!list.text.includes(tok), 'the token is never shown again');

  const dup = await w.api('POST', '/api/v1/sources', { cookie: admin, body });
  assert.equal(dup.status, 409, show(dup));
  assert.ok(['exists', 'conflict'].includes(errorOf(dup).code));

  const rec = (v) => [{ entity: 'l-xtd-1', metric: 'light_status', ts: Date.now() - 60e3 * (10 + v), value: 1 }];
  const ok1 = await w.ingest(rec(1), { token: tok });
  assert.equal(ok1.status, 200, show(ok1));
  assert.equal(ok1.json.accepted, 1);

  const rot = await w.api('POST', '/api/v1/sources/it_lights/token', { cookie: admin });
  assert.equal(rot.status, 200, show(rot));
  assert.match(rot.json.token, /^zz_/);
  assert.notEqual(rot.json.token, tok);
  const old = await w.ingest(rec(2), { token: tok });
  assert.equal(old.status, 401, `the old token must stop working: ${show(old)}`);
  assert.equal(errorOf(old).code, 'unauthorized');
  const fresh = await w.ingest(rec(3), { token: rot.json.token });
  assert.equal(fresh.status, 200, show(fresh));

  const unknown = await w.api('POST', '/api/v1/sources/no_such_source/token', { cookie: admin });
  assert.equal(unknown.status, 404, show(unknown));

  const bad = await w.api('POST', '/api/v1/sources', { cookie: admin, body: { ...body, id: 'it_bad', metrics: ['no_such_metric'] } });
  assert.equal(bad.status, 400, show(bad));
  assert.equal(errorOf(bad).field, 'metrics');
  const noId = await w.api('POST', '/api/v1/sources', { cookie: admin, body: { ...body, id: undefined } });
  assert.equal(noId.status, 400, show(noId));
  assert.equal(errorOf(noId).field, 'id');
});

const NEW_ENT = {
  id: 'it-ent-1', type: 'enterprise', name_zh: '测试企业', name_en: 'Test Co.', region: 'gongshu/kejipark/wanggu',
  lon: 120.16, lat: 30.36, attrs: { industry: 'new_energy', employees: 7, registered: '2025-01-02' },
};

test('entities: create returns 201 and the entity; GET returns it; a second create is 409', async () => {
  const admin = await w.as('admin');
  const c = await w.api('POST', '/api/v1/entities', { cookie: admin, body: NEW_ENT });
  assert.equal(c.status, 201, show(c));
  for (const k of ['id', 'type', 'name_zh', 'name_en', 'region', 'lon', 'lat']) assert.deepEqual(c.json.entity[k], NEW_ENT[k], k);
  assert.deepEqual(c.json.entity.attrs, NEW_ENT.attrs);

  const g = await w.get('viewer', '/api/v1/entities/c-xtd-1');
  assert.equal(g.status, 200, show(g));
  const e = g.json.entity;
  for (const k of ['id', 'type', 'name_zh', 'name_en', 'region', 'lon', 'lat', 'attrs', 'status', 'updated']) assert.ok(k in e, `entity.${k}`);
  assert.equal(e.name_zh, '新天地北门');
  assert.deepEqual(e.attrs, { kind: 'gate' });

  const back = await w.get('admin', '/api/v1/entities/it-ent-1');
  assert.equal(back.status, 200, show(back));
  assert.equal(back.json.entity.region, 'gongshu/kejipark/wanggu');
  assert.deepEqual(back.json.entity.attrs, NEW_ENT.attrs);

  const dup = await w.api('POST', '/api/v1/entities', { cookie: admin, body: NEW_ENT });
  assert.equal(dup.status, 409, show(dup));
  assert.ok(['exists', 'conflict'].includes(errorOf(dup).code));

  const nf = await w.get('admin', '/api/v1/entities/no-such-entity');
  assert.equal(nf.status, 404, show(nf));
  assert.equal(errorOf(nf).code, 'not_found');
});

test('entities: a created entity takes records at once', async () => {
  const r = await w.ingest([{ entity: 'it-ent-1', metric: 'tax', ts: Date.now() - 86400e3, value: 3.5 }], { token: w.tokens.tax_share });
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.accepted, 1, 'an entity created through the API is known to ingest');
});

test('entities: bad bodies are 400 and name the field', async () => {
  const admin = await w.as('admin');
  const cases = [
    [{ ...NEW_ENT, id: 'it-bad-1', type: 'spaceship' }, 'type'],
    [{ ...NEW_ENT, id: 'it-bad-2', region: 'gongshu/atlantis' }, 'region'],
    [{ ...NEW_ENT, id: 'it-bad-3', lon: 'east' }, 'lon'],
    [{ ...NEW_ENT, id: 'it-bad-4', name_zh: undefined }, 'name_zh'],
  ];
  for (const [body, field] of cases) {
    const r = await w.api('POST', '/api/v1/entities', { cookie: admin, body });
    assert.equal(r.status, 400, `${field}: ${show(r)}`);
    assert.equal(errorOf(r).code, 'invalid');
    assert.equal(errorOf(r).field, field, show(r));
    const g = await w.get('admin', `/api/v1/entities/${body.id}`);
    assert.equal(g.status, 404, `refused entity ${body.id} must not exist`);
  }
  const notJson = await w.api('POST', '/api/v1/entities', { cookie: admin, body: '{"id":', headers: { 'Content-Type': 'application/json' } });
  assert.equal(notJson.status, 400, show(notJson));
  errorOf(notJson);
});

test('entities: PUT updates (200) or creates (201); the change is visible in GET and in lists', async () => {
  const admin = await w.as('admin');
  const { id, ...rest } = NEW_ENT;
  const upd = { ...rest, name_zh: '改名企业', region: 'gongshu/kejipark/beibu', attrs: { industry: 'digital_economy', employees: 9 } };
  const u = await w.api('PUT', `/api/v1/entities/${id}`, { cookie: admin, body: upd });
  assert.equal(u.status, 200, show(u));
  assert.equal(u.json.entity.id, id);
  assert.equal(u.json.entity.name_zh, '改名企业');
  const g = await w.get('admin', `/api/v1/entities/${id}`);
  assert.equal(g.json.entity.name_zh, '改名企业');
  assert.equal(g.json.entity.region, 'gongshu/kejipark/beibu');
  assert.deepEqual(g.json.entity.attrs, { industry: 'digital_economy', employees: 9 }, 'attrs are replaced, not merged');
  const inBeibu = await w.get('admin', '/api/v1/entities?region=gongshu/kejipark/beibu&type=enterprise&limit=1000');
  assert.ok(inBeibu.json.entities.some((e) => e.id === id), 'the moved entity is listed in its new region');
  const inWanggu = await w.get('admin', '/api/v1/entities?region=gongshu/kejipark/wanggu&type=enterprise&limit=1000');
  assert.ok(!inWanggu.json.entities.some((e) => e.id === id), 'and no longer in its old one');

  const created = await w.api('PUT', '/api/v1/entities/it-ent-2', { cookie: admin, body: { ...rest, name_zh: '新建企业' } });
  assert.equal(created.status, 201, show(created));
  assert.equal(created.json.entity.id, 'it-ent-2');
  const g2 = await w.get('admin', '/api/v1/entities/it-ent-2');
  assert.equal(g2.status, 200, show(g2));
  assert.equal(g2.json.entity.name_zh, '新建企业');
});

test('entities list: type, region subtree and attr filters', async () => {
  const list = async (params) => {
    const r = await w.get('admin', `/api/v1/entities?${qs({ limit: 1000, ...params })}`);
    assert.equal(r.status, 200, show(r));
    // entities the other tests made through the API (it-*) are not the pack's
    return r.json.entities.map((e) => e.id).filter((id) => !id.startsWith('it-')).sort();
  };
  const fx = fixtureEntities;
  assert.deepEqual(await list({ type: 'counter' }), fx.filter((e) => e.type === 'counter').map((e) => e.id).sort());
  assert.deepEqual(await list({ type: 'counter', region: 'gongshu/dongxin' }), ['c-dx-1', 'c-xtd-1', 'c-xtd-2'],
    'region is a subtree: Dongxin includes Xintiandi');
  assert.deepEqual(await list({ region: 'gongshu/dongxin/xintiandi', type: 'parking_lot' }), ['p-xtd-1']);
  assert.deepEqual(await list({ type: 'enterprise', region: 'gongshu/kejipark', 'attr.industry': 'new_energy' }), ['e-bb-04', 'e-wg-03']);
  assert.deepEqual(await list({ type: 'enterprise', 'attr.industry': 'digital_economy', 'attr.employees': '12' }), ['e-bb-02', 'e-xtd-02'],
    'two attr filters both apply; a number attribute matches its written value');
  assert.deepEqual(await list({ type: 'counter', 'attr.kind': 'gate' }), ['c-bb-1', 'c-xtd-1', 'c-xtd-2']);
  assert.deepEqual(await list({ 'attr.kind': 'nonexistent' }), []);
  const all = await list({});
  for (const e of fx) assert.ok(all.includes(e.id), `unfiltered list has ${e.id}`);
  const entity = (await w.get('admin', '/api/v1/entities?type=parking_lot&region=gongshu/hushu')).json.entities[0];
  assert.equal(entity.id, 'p-hs-1');
  assert.equal(entity.name_en, 'Hushu car park');
  assert.deepEqual(entity.attrs, { spaces: 80, kind: 'surface' });
  const badRegion = await w.get('admin', '/api/v1/entities?region=gongshu/atlantis');
  assert.ok(badRegion.status === 400 || badRegion.status === 404, show(badRegion));
});

test('entities list: cursor pagination walks every entity exactly once', async () => {
  const full = await w.get('admin', '/api/v1/entities?limit=1000');
  const ids = full.json.entities.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, 'no duplicates in one page');
  assert.ok(full.json.next_cursor == null, 'one page holds everything: no next_cursor');
  assert.ok(ids.length >= fixtureEntities.length);
  assert.deepEqual(ids.slice(0, fixtureEntities.length), fixtureEntities.map((e) => e.id),
    'lists come in registration order: the pack\'s entities first, in pack order');
  for (const limit of [1, 4, 7]) {
    const seen = [];
    let cursor = null, pages = 0;
    do {
      const r = await w.get('admin', `/api/v1/entities?${qs({ limit, cursor })}`);
      assert.equal(r.status, 200, show(r));
      assert.ok(r.json.entities.length <= limit, `at most ${limit} a page`);
      if (r.json.next_cursor != null) assert.equal(r.json.entities.length, limit, 'only the last page is short');
      seen.push(...r.json.entities.map((e) => e.id));
      cursor = r.json.next_cursor;
      pages++;
    } while (cursor != null && pages < 200);
    assert.equal(new Set(seen).size, seen.length, `limit=${limit}: no entity twice`);
    assert.deepEqual([...seen].sort(), [...ids].sort(), `limit=${limit}: every entity once`);
    // (a list that fills its last page exactly may need one more, empty, page:
    // see the next test)
    assert.ok(pages - Math.ceil(ids.length / limit) <= 1, `limit=${limit}: ${pages} pages for ${ids.length} entities`);
  }
  // with a filter, the cursor keeps the filter
  const seen = [];
  let cursor = null;
  do {
    const r = await w.get('admin', `/api/v1/entities?${qs({ type: 'enterprise', region: 'gongshu/kejipark', limit: 2, cursor })}`);
    seen.push(...r.json.entities.map((e) => e.id));
    cursor = r.json.next_cursor;
  } while (cursor != null && seen.length < 100);
  const want = (await w.get('admin', '/api/v1/entities?type=enterprise&region=gongshu/kejipark&limit=1000')).json.entities.map((e) => e.id);
  assert.deepEqual(seen.sort(), want.sort());
  assert.ok(seen.every((id) => id.startsWith('e-bb-') || id.startsWith('e-wg-') || id.startsWith('it-')));
  const bad = await w.get('admin', '/api/v1/entities?cursor=not-a-cursor!!');
  assert.equal(bad.status, 400, show(bad));
  assert.equal(errorOf(bad).field, 'cursor');
  const over = await w.get('admin', '/api/v1/entities?limit=1001');
  assert.equal(over.status, 400, `limit over 1000: ${show(over)}`);
  assert.equal(errorOf(over).field, 'limit');
  const zero = await w.get('admin', '/api/v1/entities?limit=abc');
  assert.equal(zero.status, 400, `limit=abc: ${show(zero)}`);
  assert.equal(errorOf(zero).field, 'limit');
});

test('entities list: the page that holds the last entity has no next_cursor', async () => {
  const n = (await w.get('admin', '/api/v1/entities?type=counter&limit=1000')).json.entities.length;
  const full = await w.get('admin', `/api/v1/entities?type=counter&limit=${n}`);
  assert.equal(full.json.entities.length, n);
  assert.ok(full.json.next_cursor == null,
    `limit=${n} returned all ${n} counters but also next_cursor ${JSON.stringify(full.json.next_cursor)} (docs/api.md: absent/null on the last page)`);
});

test('registry writes need admin: a viewer and a park manager get 403 and nothing changes', async () => {
  for (const who of ['viewer', 'park']) {
    const cookie = await w.as(who);
    const src = await w.api('POST', '/api/v1/sources', { cookie, body: { id: `by_${who}`, name_zh: 'x', name_en: 'x', department: null, kind: 'platform', metrics: [] } });
    assert.equal(src.status, 403, `${who} POST sources: ${show(src)}`);
    assert.equal(errorOf(src).code, 'forbidden');
    const rot = await w.api('POST', '/api/v1/sources/wenlv_flow/token', { cookie });
    assert.equal(rot.status, 403, `${who} rotate token: ${show(rot)}`);
    const region = who === 'viewer' ? 'gongshu/dongxin' : 'gongshu/kejipark';
    const ent = await w.api('POST', '/api/v1/entities', { cookie, body: { ...NEW_ENT, id: `by-${who}`, region } });
    assert.equal(ent.status, 403, `${who} POST entities: ${show(ent)}`);
    const put = await w.api('PUT', '/api/v1/entities/c-xtd-1', { cookie, body: { type: 'counter', name_zh: 'hacked', name_en: 'hacked', region: 'gongshu/dongxin/xintiandi', lon: 120.175, lat: 30.31, attrs: {} } });
    assert.equal(put.status, 403, `${who} PUT entity: ${show(put)}`);
  }
  const src = await w.get('admin', '/api/v1/sources');
  assert.ok(!src.json.sources.some((s) => s.id.startsWith('by_')));
  const e = await w.get('admin', '/api/v1/entities/c-xtd-1');
  assert.equal(e.json.entity.name_zh, '新天地北门');
  assert.equal((await w.get('admin', '/api/v1/entities/by-viewer')).status, 404);
  // the wenlv_flow token was not rotated by the refused requests
  const ok = await w.ingest([{ entity: 'c-hs-1', metric: 'visitors', ts: Date.now() - 7 * 60e3, value: 1 }]);
  assert.equal(ok.status, 200, show(ok));
});

test('loading the pack again changes nothing and keeps API-made entities', async () => {
  await w.stop();
  const r = w.run(['pack', 'load', FIXTURE_PACK]);
  assert.equal(r.status, 0, r.stderr);
  await w.start();
  w.cookies = {};
  const all = await w.get('admin', '/api/v1/entities?limit=1000');
  const ids = all.json.entities.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.includes('it-ent-1') && ids.includes('it-ent-2'));
  const regions = await w.get('admin', '/api/v1/regions.geojson');
  assert.equal(regions.json.features.length, 8);
  const src = await w.get('admin', '/api/v1/sources');
  assert.ok(src.json.sources.some((s) => s.id === 'it_lights'));
});
