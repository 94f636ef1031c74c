// Nothing answered that is not stored, beyond records: with the data
// directory on a full tmpfs, new orders, order actions, evidence photos,
// public reports (customer codes), applications and their materials answer
// 507 insufficient_storage with Retry-After, or 2xx only when what they
// wrote is there to read back; freed space makes them work again without a
// restart. Skipped with a message where mount is not allowed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { show } from './harness.mjs';
import { dispatchWorld, minuteNow } from './lib/dispatch.mjs';
import { moveOntoTmpfs, unmountTmpfs, fill, free } from './lib/tmpfs.mjs';

process.env.ZZ_PUBLIC_RATE_SCALE = '50';

const XTD = 'gongshu/dongxin/xintiandi';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n' + 'x'.repeat(20000));
const PDF0 = Buffer.from('%PDF-1.4\n% the first version\n%%EOF\n');
const MATTER = 'joint_parcel_three_certs';
const applicant = { name: '杭州运河置业有限公司 李明', phone: '0571-88886666', company: '杭州运河置业有限公司' };
const form = { company: '杭州运河置业有限公司', parcel: 'GS-2026-017', location: '拱墅区康桥路与石祥路交叉口东北角' };
const noise = { matter: 'noise_disturbance', fields: { when: 'now', source: 'music', details: '楼上酒吧音乐太响', phone: '138 0000 1234' } };

let w, skip = null, venue, accepted, application;
const reported = []; // orders waiting for their dispatch

before(async () => {
  w = await dispatchWorld();
  await w.at(minuteNow());
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD }, 201);
  venue = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes[0];
  for (let i = 0; i < 40; i++) {
    reported.push((await w.ok('disp', 'POST', '/api/v1/orders', { matter: 'street_facility', region: XTD, title: `pre-${i}` }, 201)).order.id);
  }
  accepted = (await w.ok('disp', 'POST', '/api/v1/orders', { matter: 'street_facility', region: XTD, title: 'photos' }, 201)).order.id;
  await w.act('disp', accepted, 'dispatch');
  await w.act('um', accepted, 'accept');
  const a = await w.api('POST', '/api/public/applications', { body: { matter: MATTER, applicant, form } });
  assert.equal(a.status, 201, show(a));
  application = a.json.application;
  // a first version of a material: a failed replacement must leave it whole
  const up = await w.api('PUT', `/api/public/applications/${application.number}/materials/application_form`,
    { body: PDF0, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(up.status, 201, show(up));
  await w.stop();
  skip = moveOntoTmpfs(w, 4 << 20);
  await w.start();
  w.staff = {};
  w.cookies = {};
  await w.at(minuteNow());
});

after(async () => {
  await w?.stop().catch(() => {});
  unmountTmpfs(w);
  await w?.close();
});

/** Tries op until it answered 507 (at most n times); returns the 2xx answers. */
async function untilFull(label, op, ok, n = 40) {
  const stored = [];
  for (let i = 0; i < n; i++) {
    const r = await op(i);
    if (r.status === ok) {
      stored.push({ i, r });
      continue;
    }
    assert.equal(r.status, 507, `${label}: ${show(r)}`);
    assert.equal(r.json.error.code, 'insufficient_storage', `${label}: ${show(r)}`);
    assert.ok(Number(r.headers.get('retry-after')) > 0, `${label}: Retry-After on 507`);
    return stored;
  }
  assert.fail(`${label}: never answered 507 on a full disk (${n} tries all ${ok})`);
}

test('a full disk refuses orders, actions, photos, public reports and applications with 507; every 2xx is stored', async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  // sessions are written too: log in while there is room
  for (const who of ['disp', 'um', 'admin']) await w.u(who);
  fill(w, 0);
  const login = await w.api('POST', '/api/v1/login', { body: { name: 'viewer', password: 'x' } });
  assert.ok([401, 507].includes(login.status), show(login));
  const made = await untilFull('new order', (i) => w.call('disp', 'POST', '/api/v1/orders',
    { matter: 'street_facility', region: XTD, title: `full-${i}` }), 201);
  const acted = await untilFull('order action', (i) => w.call('disp', 'POST', `/api/v1/orders/${reported[i]}/actions`,
    { action: 'dispatch' }), 200);
  const photos = await untilFull('evidence photo', async () => w.api('POST', `/api/v1/orders/${accepted}/evidence`,
    { cookie: await w.u('um'), body: PNG, headers: { 'Content-Type': 'image/png' } }), 201);
  const reports = await untilFull('public report', () => w.api('POST', `/api/public/codes/${venue.token}/reports`,
    { body: noise }), 201);
  const apps = await untilFull('application', () => w.api('POST', '/api/public/applications',
    { body: { matter: MATTER, applicant, form } }), 201);
  const mats = await untilFull('material', () => w.api('PUT', `/api/public/applications/${application.number}/materials/application_form`,
    { body: PDF, headers: { 'Content-Type': 'application/octet-stream' } }), 201);

  t.diagnostic(`2xx before the first 507: orders ${made.length}, actions ${acted.length}, photos ${photos.length}, ` +
    `reports ${reports.length}, applications ${apps.length}, materials ${mats.length}`);
  // reads work on the full disk and show exactly what was answered 2xx
  const list = (await w.ok('disp', 'GET', '/api/v1/orders?limit=500')).orders;
  const titles = new Set(list.map((o) => o.title));
  for (let i = 0; i < made.length + 1; i++) {
    assert.equal(titles.has(`full-${i}`), i < made.length, `order full-${i}`);
  }
  for (let i = 0; i <= acted.length; i++) {
    const o = await w.order(reported[i]);
    assert.equal(o.order.state, i < acted.length ? 'dispatched' : 'reported', `order ${reported[i]} after its dispatch was answered ${i < acted.length ? 200 : 507}`);
  }
  assert.equal((await w.order(accepted)).evidence.length, photos.length, 'photos stored = photos answered 201');
  for (const { r } of reports) {
    const p = await w.api('GET', `/api/public/receipts/${r.json.receipt}`);
    assert.equal(p.status, 200, show(p));
  }
  for (const { r } of apps) {
    const p = await w.api('GET', `/api/public/applications/${r.json.application.number}`);
    assert.equal(p.status, 200, show(p));
  }
  const st = await w.api('GET', `/api/public/applications/${application.number}`);
  const m = st.json.application.materials.find((x) => x.id === 'application_form');
  assert.ok(m.received, JSON.stringify(st.json.application.materials));
  // the refused replacement left the first version, file and row
  const file = await w.api('GET', `/api/v1/applications/${application.order}/materials/application_form`,
    { cookie: await w.as('admin') });
  assert.equal(file.status, 200, show(file));
  assert.equal(file.text, (mats.length ? PDF : PDF0).toString());

  // space freed: the same server takes every kind of write again
  free(w);
  await w.ok('disp', 'POST', '/api/v1/orders', { matter: 'street_facility', region: XTD, title: 'after' }, 201);
  await w.ok('disp', 'POST', `/api/v1/orders/${reported[acted.length]}/actions`, { action: 'dispatch' });
  const ph = await w.api('POST', `/api/v1/orders/${accepted}/evidence`, { cookie: await w.u('um'), body: PNG, headers: { 'Content-Type': 'image/png' } });
  assert.equal(ph.status, 201, show(ph));
  const rp = await w.api('POST', `/api/public/codes/${venue.token}/reports`, { body: noise });
  assert.equal(rp.status, 201, show(rp));
  const up = await w.api('PUT', `/api/public/applications/${application.number}/materials/application_form`,
    { body: PDF, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(up.status, 201, show(up));
  const now = await w.api('GET', `/api/v1/applications/${application.order}/materials/application_form`,
    { cookie: await w.as('admin') });
  assert.equal(now.text, PDF.toString(), 'the replacement once space was freed');
});
