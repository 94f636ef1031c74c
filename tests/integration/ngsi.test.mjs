// ngsi.test.mjs - the FIWARE NGSI-v2 face (/v2) driven by a real NGSI
// client from npm (ngsijs, the FIWARE library for browsers and Node.js):
// entities with their metrics' latest values, Orion's filters (type, id,
// idPattern, q, attrs, options, limit/offset, georel), types, errors in
// Orion's shape, Fiware-Service/ServicePath as regions held to the user's
// scope, and numeric attributes written through ingest with a source token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import NGSI from 'ngsijs';
import { createWorld, USERS, show } from './harness.mjs';

let w, admin, viewer, conn, vconn, sconn;
const T0 = Date.now() - 60000;

before(async () => {
  w = await createWorld();
  await w.ingestOk([
    { entity: 'c-xtd-1', metric: 'visitors', ts: T0, value: 120 },
    { entity: 'c-xtd-2', metric: 'visitors', ts: T0, value: 300 },
    { entity: 'c-dx-1', metric: 'visitors', ts: T0, value: 50 },
    { entity: 'c-bb-1', metric: 'visitors', ts: T0, value: 75.5 },
  ]);
  admin = await w.as('admin');
  viewer = await w.as('viewer'); // scoped to gongshu/dongxin
  conn = new NGSI.Connection(w.base, { headers: { Cookie: admin } });
  vconn = new NGSI.Connection(w.base, { headers: { Cookie: viewer } });
  sconn = new NGSI.Connection(w.base, { headers: { Authorization: `Bearer ${w.token}` } });
});
after(async () => { await w?.close(); });

const v2 = (p, o = {}) => w.api(o.method || 'GET', p, { cookie: admin, ...o });
const ids = (list) => list.map((e) => e.id).sort();

test('an entity: its attributes, location and the latest value of each metric with TimeInstant', async () => {
  const { entity } = { entity: (await conn.v2.getEntity({ id: 'c-xtd-1' })).entity };
  assert.equal(entity.id, 'c-xtd-1');
  assert.equal(entity.type, 'counter');
  assert.deepEqual(entity.visitors, { type: 'Number', value: 120,
    metadata: { TimeInstant: { type: 'DateTime', value: new Date(T0).toISOString() } } });
  assert.deepEqual(entity.location, { type: 'geo:json', value: { type: 'Point', coordinates: [120.175, 30.31] }, metadata: {} });
  assert.equal(entity.name.type, 'Text');
  assert.equal(entity.region.value, 'gongshu/dongxin/xintiandi');
  assert.deepEqual(entity.kind, { type: 'Text', value: 'gate', metadata: {} });
  // keyValues, attrs, one attribute, its value
  // (ngsijs's getEntity has no attrs option: plain fetch)
  const kv = (await v2('/v2/entities/c-xtd-1?options=keyValues&attrs=visitors,kind')).json;
  assert.deepEqual(kv, { id: 'c-xtd-1', type: 'counter', visitors: 120, kind: 'gate' });
  const attrs = (await conn.v2.getEntityAttributes({ id: 'c-xtd-2' })).attributes;
  assert.equal(attrs.visitors.value, 300);
  assert.equal(attrs.id, undefined);
  assert.equal((await conn.v2.getEntityAttribute({ id: 'c-bb-1', attribute: 'visitors' })).attribute.value, 75.5);
  assert.equal((await conn.v2.getEntityAttributeValue({ id: 'c-dx-1', attribute: 'visitors' })).value, 50);
});

test('errors have Orion\'s names, codes and descriptions', async () => {
  await assert.rejects(conn.v2.getEntity({ id: 'nope' }), NGSI.NotFoundError);
  let r = await v2('/v2/entities/nope');
  assert.equal(r.status, 404);
  assert.deepEqual(r.json, { error: 'NotFound', description: 'The requested entity has not been found. Check type and id' });
  r = await v2('/v2/entities/c-xtd-1?type=grid'); // the type must match
  assert.equal(r.status, 404, show(r));
  r = await v2('/v2/entities/c-xtd-1/attrs/nope');
  assert.deepEqual([r.status, r.json], [404, { error: 'NotFound', description: 'The entity does not have such an attribute' }]);
  r = await v2('/v2/entities?limit=1001');
  assert.deepEqual([r.status, r.json], [400, { error: 'BadRequest', description: 'Bad pagination limit: /1001/ [max: 1000]' }]);
  r = await v2('/v2/entities?offset=-1');
  assert.deepEqual([r.status, r.json], [400, { error: 'BadRequest', description: 'Bad pagination offset: /-1/ [must be a decimal number]' }]);
  r = await v2('/v2/entities?options=bogus');
  assert.deepEqual([r.status, r.json], [400, { error: 'BadRequest', description: 'Invalid value for URI param /options/' }]);
  r = await v2('/v2/entities?q=visitors%3E1..5');
  assert.deepEqual([r.status, r.json], [400, { error: 'BadRequest', description: 'ranges only valid for equal and not equal ops' }]);
  r = await v2('/v2/entities?georel=near;maxDistance:10');
  assert.equal(r.status, 400);
  assert.match(r.json.description, /^partial geo expression/);
  r = await v2('/v2/types/nope');
  assert.deepEqual([r.status, r.json], [404, { error: 'NotFound', description: 'Entity type not found' }]);
  // no session: refused
  assert.equal((await w.api('GET', '/v2/entities')).status, 401);
});

test('lists: type, id, idPattern, count, limit and offset (Orion\'s default page of 20)', async () => {
  const all = await conn.v2.listEntities({ count: true });
  assert.equal(all.count, 26);
  assert.equal(all.results.length, 20);
  const rest = await conn.v2.listEntities({ offset: 20, limit: 100 });
  assert.equal(rest.results.length, 6);
  assert.deepEqual([...all.results, ...rest.results].map((e) => e.id).length, new Set([...all.results, ...rest.results].map((e) => e.id)).size);
  const counters = await conn.v2.listEntities({ type: 'counter', count: true, limit: 100 });
  assert.equal(counters.count, 6);
  assert.ok(counters.results.every((e) => e.type === 'counter'));
  assert.deepEqual(ids((await conn.v2.listEntities({ type: ['grid', 'street_light'] })).results), ['g-dx-1', 'g-hs-1', 'g-xtd-1', 'l-bb-1', 'l-xtd-1']);
  assert.deepEqual(ids((await conn.v2.listEntities({ id: ['c-xtd-1', 'p-dx-1'] })).results), ['c-xtd-1', 'p-dx-1']);
  assert.deepEqual(ids((await conn.v2.listEntities({ idPattern: '^e-bb-0[12]$' })).results), ['e-bb-01', 'e-bb-02']);
  const page = await conn.v2.listEntities({ type: 'counter', limit: 2, offset: 1, count: true });
  assert.equal(page.count, 6);
  assert.deepEqual(page.results.map((e) => e.id), counters.results.slice(1, 3).map((e) => e.id));
});

test('q: comparisons, ranges, lists, AND, existence, on metric values and attributes', async () => {
  const q = async (expr) => ids((await conn.v2.listEntities({ q: expr, limit: 100 })).results);
  assert.deepEqual(await q('visitors>100'), ['c-xtd-1', 'c-xtd-2']);
  assert.deepEqual(await q('visitors>=120'), ['c-xtd-1', 'c-xtd-2']);
  assert.deepEqual(await q('visitors<75.5'), ['c-dx-1']);
  assert.deepEqual(await q('visitors<=75.5'), ['c-bb-1', 'c-dx-1']);
  assert.deepEqual(await q('visitors==50..120'), ['c-bb-1', 'c-dx-1', 'c-xtd-1']);
  assert.deepEqual(await q('visitors==50,300'), ['c-dx-1', 'c-xtd-2']);
  assert.deepEqual(await q('visitors!=50'), ['c-bb-1', 'c-xtd-1', 'c-xtd-2']);
  assert.deepEqual(await q('visitors>60;kind==gate'), ['c-bb-1', 'c-xtd-1', 'c-xtd-2']);
  assert.deepEqual(await q("kind=='street';visitors"), ['c-dx-1']);
  assert.deepEqual((await q('!visitors;type_never_declared')).length, 0);
  assert.equal((await q('!visitors')).length, 22);
});

test('georel: near with maxDistance/minDistance, coveredBy and intersects a polygon', async () => {
  const near = ids((await conn.v2.listEntities({ georel: 'near;maxDistance:600', geometry: 'point', coords: '30.31,120.18', limit: 100 })).results);
  // c-xtd-1 (120.175, 30.31) and c-xtd-2 (120.185, 30.31) are ~480 m away
  assert.ok(near.includes('c-xtd-1') && near.includes('c-xtd-2'), near.join());
  assert.ok(!near.includes('c-dx-1'));
  const far = ids((await conn.v2.listEntities({ type: 'counter', georel: 'near;minDistance:600', geometry: 'point', coords: '30.31,120.18', limit: 100 })).results);
  assert.ok(!far.includes('c-xtd-1') && far.includes('c-dx-1'), far.join());
  const box = '30.30,120.17;30.30,120.19;30.32,120.19;30.32,120.17;30.30,120.17';
  const covered = ids((await conn.v2.listEntities({ type: 'counter', georel: 'coveredBy', geometry: 'polygon', coords: box })).results);
  assert.deepEqual(covered, ['c-xtd-1', 'c-xtd-2']);
  const inter = ids((await conn.v2.listEntities({ type: 'counter', georel: 'intersects', geometry: 'polygon', coords: box })).results);
  assert.deepEqual(inter, covered);
});

test('types: the entity types held, their attributes and counts', async () => {
  const types = (await conn.v2.listTypes({ count: true })).results;
  const counter = types.find((t) => t.type === 'counter');
  assert.equal(counter.count, 6);
  assert.deepEqual(counter.attrs.visitors, { types: ['Number'] });
  assert.deepEqual(counter.attrs.location, { types: ['geo:json'] });
  const one = (await conn.v2.getType({ id: 'enterprise' })).type;
  assert.equal(one.count, 11);
  assert.deepEqual(one.attrs.tax, { types: ['Number'] });
});

test('Fiware-Service/ServicePath name a region; a scoped user sees its subtree only', async () => {
  const xtd = await conn.v2.listEntities({ service: 'gongshu', servicepath: '/dongxin/xintiandi', count: true, limit: 100 });
  assert.ok(xtd.results.every((e) => e.region.value === 'gongshu/dongxin/xintiandi'));
  assert.equal(xtd.count, 9);
  // a path without "#" is that region alone; with "/#" its subtree
  const dx = await conn.v2.listEntities({ service: 'gongshu', servicepath: '/dongxin', count: true, limit: 100 });
  assert.equal(dx.count, 3);
  const dxAll = await conn.v2.listEntities({ service: 'gongshu', servicepath: '/dongxin/#', count: true, limit: 100 });
  assert.equal(dxAll.count, 12);
  // the viewer scoped to gongshu/dongxin: its subtree by default, the park refused
  const mine = await vconn.v2.listEntities({ count: true, limit: 100 });
  assert.equal(mine.count, 12);
  assert.ok(mine.results.every((e) => e.region.value.startsWith('gongshu/dongxin')));
  const r = await w.api('GET', '/v2/entities', { cookie: viewer, headers: { 'Fiware-Service': 'gongshu', 'Fiware-ServicePath': '/kejipark' } });
  assert.equal(r.status, 403, show(r));
  assert.equal(r.json.error, 'Forbidden');
  // an entity of the park: refused by the entities' rule, as /api/v1/entities/ID is
  assert.equal((await w.api('GET', '/v2/entities/c-bb-1', { cookie: viewer })).status, 403);
  // an entity outside the named service path: not found there
  await assert.rejects(conn.v2.getEntity({ id: 'c-bb-1', service: 'gongshu', servicepath: '/dongxin' }), NGSI.NotFoundError);
  const bad = await w.api('GET', '/v2/entities', { cookie: admin, headers: { 'Fiware-Service': 'atlantis' } });
  assert.equal(bad.status, 400);
});

test('writes: numeric attributes become records through ingest, as the source token allows', async () => {
  const at = new Date(Date.now() - 5000).toISOString();
  await sconn.v2.updateEntityAttributes({ id: 'c-wg-1', visitors: { type: 'Number', value: 42, metadata: { TimeInstant: { type: 'DateTime', value: at } } } });
  let e = (await conn.v2.getEntity({ id: 'c-wg-1' })).entity;
  assert.equal(e.visitors.value, 42);
  assert.equal(e.visitors.metadata.TimeInstant.value, at);
  await sconn.v2.appendEntityAttributes({ id: 'c-wg-1', visitors: 43 }, { keyValues: true });
  e = (await conn.v2.getEntity({ id: 'c-wg-1', keyValues: true })).entity;
  assert.equal(e.visitors, 43);
  // a text attribute, an unknown one, a metric of another type: 422, nothing written
  const bad = await w.api('PATCH', '/v2/entities/c-wg-1/attrs', { token: w.token,
    body: { visitors: { value: 99 }, kind: { value: 'x' }, tax: { value: 1 } } });
  assert.equal(bad.status, 422, show(bad));
  assert.equal(bad.json.error, 'Unprocessable');
  assert.match(bad.json.description, /^do not exist: c-wg-1 - \[ kind, tax \]/);
  assert.equal((await conn.v2.getEntity({ id: 'c-wg-1', keyValues: true })).entity.visitors, 43);
  // a source that does not declare the metric is refused by ingest
  const other = await w.api('POST', '/v2/entities/c-wg-1/attrs', { token: w.tokens.smart_parking, body: { visitors: { value: 7 } } });
  assert.equal(other.status, 400, show(other));
  assert.equal(other.json.error, 'BadRequest');
  // a user session cannot write; no token: 401
  assert.equal((await w.api('POST', '/v2/entities/c-wg-1/attrs', { cookie: admin, body: { visitors: { value: 7 } } })).status, 401);
  await assert.rejects(sconn.v2.updateEntityAttributes({ id: 'nope', visitors: 1 }), NGSI.NotFoundError);
});
