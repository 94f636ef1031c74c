// ngsi.test.mjs - the FIWARE NGSI-v2 face (/v2) driven by a real NGSI
// client from npm (ngsijs, the FIWARE library for browsers and Node.js):
// entities with their metrics' latest values, Orion's filters (type, id,
// idPattern, q, attrs, options, limit/offset, georel), types, errors in
// Orion's shape, Fiware-Service/ServicePath as regions held to the user's
// scope, numeric attributes written through ingest with a source token,
// and subscriptions notified to a receiver (a node http server) that fails
// first: retried, counted, kept across a restart; webhooks of alert events
// signed with HMAC-SHA256 and verified by the receiver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import NGSI from 'ngsijs';
import { createWorld, show } from './harness.mjs';

process.env.ZZ_NOTIFY_BACKOFF_MS = '200'; // the first retry after 200 ms, not 1 s

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

/** Polls fn until it returns truthy (5 s at most). */
async function until(fn, what) {
  for (let i = 0; i < 250; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('subscriptions: notified on a new record, retried after a failure, counted, kept across a restart', async () => {
  const got = [];
  let failures = 1; // the receiver fails its first delivery
  const rx = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c) => { b += c; });
    req.on('end', () => {
      const fail = failures > 0;
      if (fail) failures--;
      got.push({ body: JSON.parse(b), type: req.headers['content-type'], failed: fail });
      res.writeHead(fail ? 500 : 204);
      res.end();
    });
  });
  await new Promise((r) => rx.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${rx.address().port}/notify`;
    const made = await conn.v2.createSubscription({ description: '新天地客流 Xintiandi visitors',
      subject: { entities: [{ idPattern: '^c-xtd-', type: 'counter' }], condition: { attrs: ['visitors'] } },
      notification: { http: { url }, attrs: ['visitors', 'kind'] }, throttling: 0 }, { service: 'gongshu', servicepath: '/dongxin/#' });
    const id = made.subscription.id;
    assert.match(made.location, /^\/v2\/subscriptions\/[0-9a-f]{24}$/);
    let sub = (await conn.v2.getSubscription({ id })).subscription;
    assert.equal(sub.status, 'active');
    assert.deepEqual(sub.subject.condition.attrs, ['visitors']);
    // a record of a watched entity, and one of an entity outside the pattern
    await w.ingestOk([{ entity: 'c-xtd-1', metric: 'visitors', ts: Date.now() - 1000, value: 777 },
      { entity: 'c-dx-1', metric: 'visitors', ts: Date.now() - 1000, value: 5 }]);
    await until(() => got.length >= 2, 'the delivery and its retry');
    assert.equal(got[0].failed, true);
    assert.deepEqual(got[1].body, got[0].body); // the same notification again
    const note = got[1].body;
    assert.equal(note.subscriptionId, id);
    assert.equal(got[1].type, 'application/json');
    assert.equal(note.data.length, 1);
    assert.deepEqual(Object.keys(note.data[0]).sort(), ['id', 'kind', 'type', 'visitors']);
    assert.equal(note.data[0].id, 'c-xtd-1');
    assert.equal(note.data[0].visitors.value, 777);
    assert.equal(note.data[0].visitors.type, 'Number');
    sub = await until(async () => {
      const s = (await conn.v2.getSubscription({ id })).subscription;
      return s.notification.lastSuccess ? s : null;
    }, 'lastSuccess');
    assert.equal(sub.status, 'active');
    assert.equal(sub.notification.timesSent, 2);
    assert.equal(sub.notification.failsCounter, 0);
    assert.equal(sub.notification.lastSuccessCode, 204);
    assert.match(sub.notification.lastFailureReason, /500/);
    assert.ok(Date.parse(sub.notification.lastFailure) <= Date.parse(sub.notification.lastSuccess));
    // a receiver that stays down: failed, counted, visible
    failures = 100;
    await w.ingestOk([{ entity: 'c-xtd-2', metric: 'visitors', ts: Date.now() - 500, value: 301 }]);
    sub = await until(async () => {
      const s = (await conn.v2.getSubscription({ id })).subscription;
      return s.notification.failsCounter >= 2 ? s : null;
    }, 'failures counted');
    assert.equal(sub.status, 'failed');
    failures = 0;
    // kept across a restart, with its counters
    await w.restart();
    admin = await w.as('admin');
    conn = new NGSI.Connection(w.base, { headers: { Cookie: admin } });
    const list = (await conn.v2.listSubscriptions({ count: true })).results;
    const kept = list.find((x) => x.id === id);
    assert.ok(kept, 'the subscription survives the restart');
    assert.ok(kept.notification.timesSent >= 4);
    const before = got.length;
    await w.ingestOk([{ entity: 'c-xtd-1', metric: 'visitors', ts: Date.now() - 200, value: 778 }]);
    await until(() => got.some((g, i) => i >= before && !g.failed && g.body.data[0].visitors.value === 778), 'a delivery after the restart');
    // delete: 204, then gone
    await conn.v2.deleteSubscription({ id });
    await assert.rejects(conn.v2.getSubscription({ id }), NGSI.NotFoundError);
    const r = await v2(`/v2/subscriptions/${id}`);
    assert.deepEqual([r.status, r.json], [404, { error: 'NotFound', description: 'The requested subscription has not been found. Check id' }]);
  } finally {
    rx.close();
  }
});

test('subscriptions: checked like Orion, admins only, expired ones never notified', async () => {
  const mk = (body, cookie = admin) => w.api('POST', '/v2/subscriptions', { cookie, body });
  let r = await mk({ subject: { entities: [{ id: 'c-xtd-1' }] } });
  assert.deepEqual([r.status, r.json.error], [400, 'BadRequest']);
  r = await mk({ subject: { entities: [] }, notification: { http: { url: 'http://127.0.0.1:9/' } } });
  assert.equal(r.status, 400);
  r = await mk({ subject: { entities: [{ id: 'c-xtd-1' }] }, notification: { http: { url: 'ftp://x/' } } });
  assert.equal(r.status, 400);
  r = await mk({ subject: { entities: [{ id: 'c-xtd-1' }] }, notification: { http: { url: 'http://127.0.0.1:9/' } } }, viewer);
  assert.equal(r.status, 403);
  // expired: kept and shown as such, never delivered
  let hits = 0;
  const rx = http.createServer((req, res) => { hits++; res.end(); });
  await new Promise((ok) => rx.listen(0, '127.0.0.1', ok));
  try {
    r = await mk({ subject: { entities: [{ id: 'c-hs-1' }] }, expires: new Date(Date.now() - 1000).toISOString(),
      notification: { http: { url: `http://127.0.0.1:${rx.address().port}/` } } });
    assert.equal(r.status, 201, show(r));
    const id = r.headers.get('location').split('/').pop();
    assert.equal((await v2(`/v2/subscriptions/${id}`)).json.status, 'expired');
    // a live subscription on the same entity shows the record was noticed
    const live = await mk({ subject: { entities: [{ id: 'c-hs-1' }] }, notification: { http: { url: `http://127.0.0.1:${rx.address().port}/live` } } });
    assert.equal(live.status, 201);
    await w.ingestOk([{ entity: 'c-hs-1', metric: 'visitors', ts: Date.now() - 100, value: 9 }]);
    await until(() => hits >= 1, 'the live delivery');
    await new Promise((ok) => setTimeout(ok, 300));
    assert.equal(hits, 1);
    assert.equal((await v2(`/v2/subscriptions/${id}`)).json.notification.timesSent, undefined);
  } finally {
    rx.close();
  }
});

test('webhooks: alert events POSTed signed with HMAC-SHA256, retried, counted; admins only', async () => {
  const got = [];
  let failures = 1;
  let secret = null;
  const rx = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c) => { b += c; });
    req.on('end', () => {
      const fail = failures > 0;
      if (fail) failures--;
      const mac = crypto.createHmac('sha256', secret).update(b).digest('hex');
      got.push({ body: JSON.parse(b), event: req.headers['x-zhizhi-event'],
        signed: req.headers['x-zhizhi-signature'] === `sha256=${mac}`, failed: fail });
      res.writeHead(fail ? 503 : 200);
      res.end('ok');
    });
  });
  await new Promise((r) => rx.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${rx.address().port}/hook`;
    const api = (method, p, body, cookie = admin) => w.api(method, p, { cookie, body });
    assert.equal((await api('POST', '/api/v1/webhooks', { url, events: ['alert'] }, viewer)).status, 403);
    let r = await api('POST', '/api/v1/webhooks', { url, events: ['bogus'] });
    assert.equal(r.status, 400, show(r));
    assert.equal(r.json.error.field, 'events');
    assert.ok(r.json.error.message_zh);
    r = await api('POST', '/api/v1/webhooks', { url: 'ftp://x/', events: ['alert'] });
    assert.equal(r.status, 400);
    r = await api('POST', '/api/v1/webhooks', { url, events: ['alert.open'] });
    assert.equal(r.status, 201, show(r));
    secret = r.json.secret;
    const hid = r.json.webhook.id;
    assert.match(secret, /^whs[0-9a-f]{48}$/);
    const listed = (await api('GET', '/api/v1/webhooks')).json.webhooks.find((x) => x.id === hid);
    assert.ok(listed && !('secret' in listed), 'the secret is shown once, never listed');
    // a rule, then a reading past it: the alert opens
    r = await api('POST', '/api/v1/rules', { id: 'hs_crowd', name_zh: '湖墅客流', name_en: 'Hushu crowd', kind: 'threshold',
      metric: 'visitors', region: 'gongshu/hushu', severity: 'warning', condition: { op: 'above', value: 1000 } });
    assert.equal(r.status, 201, show(r));
    await w.ingestOk([{ entity: 'c-hs-1', metric: 'visitors', ts: Date.now() - 100, value: 5000 }]);
    await until(() => got.length >= 2, 'the alert event and its retry');
    assert.equal(got[0].failed, true);
    for (const g of got.slice(0, 2)) {
      assert.equal(g.signed, true, 'the signature verifies with the secret');
      assert.equal(g.event, 'alert.open');
      assert.equal(g.body.event, 'alert.open');
      assert.equal(g.body.data.alert.rule, 'hs_crowd');
    }
    assert.deepEqual(got[1].body, got[0].body);
    const h = await until(async () => {
      const x = (await api('GET', '/api/v1/webhooks')).json.webhooks.find((y) => y.id === hid);
      return x.last_success ? x : null;
    }, 'last_success');
    assert.equal(h.times_sent, 2);
    assert.equal(h.failures, 0);
    assert.equal(h.status, 'active');
    assert.match(h.last_failure_reason, /503/);
    assert.equal((await api('DELETE', `/api/v1/webhooks/${hid}`)).status, 204);
    assert.equal((await api('DELETE', `/api/v1/webhooks/${hid}`)).status, 404);
    assert.ok(!(await api('GET', '/api/v1/webhooks')).json.webhooks.some((y) => y.id === hid));
  } finally {
    rx.close();
  }
});
