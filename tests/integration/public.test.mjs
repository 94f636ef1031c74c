// public.test.mjs - "public means public" (issue 10): Open311 GET lists only
// requests from public channels of matters the pack marks public, never
// staff, alert or application orders, phones or reporters; the citizen's
// form says when a description will be public; staff never see a receipt
// number whole (lists, GETs, timelines, stream events); a receipt rates
// once; one address at its limit does not stop another reporting on the
// same code; photos of 5 MiB (and 5 MiB - 1) are taken, 5 MiB + 1 is not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { show, rawHttp } from './harness.mjs';
import { dispatchWorld, minuteNow } from './lib/dispatch.mjs';
import { openStream, fromAddress } from './lib/sse.mjs';

delete process.env.ZZ_PUBLIC_RATE_SCALE; // the real limits

let w, venue, ent;
const XTD = 'gongshu/dongxin/xintiandi';
const MIB5 = 5 * 1024 * 1024;
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
const DOT = '\u2022\u2022\u2022\u2022';

// every public request below comes from its own loopback address, so that
// the per-address limits only bite where a test means them to
let nextAddr = 10;
const addr = () => `127.0.0.${nextAddr++}`;
const pub = (method, p, body, from = addr()) => fromAddress(w.base, from, method, p, body);
const report = (token, body, from) => pub('POST', `/api/public/codes/${token}/reports`, body, from);
const o311 = (p) => pub('GET', `/open311/v2/${p}`);

before(async () => {
  w = await dispatchWorld();
  await w.at(minuteNow());
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD }, 201);
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'enterprise', entity_type: 'enterprise', region: XTD }, 201);
  venue = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes[0];
  ent = (await w.ok('admin', 'GET', '/api/v1/codes?kind=enterprise&limit=1')).codes[0];
});
after(async () => { await w?.close(); });

/** The order of a receipt, found as staff see it (masked) plus the report's own text. */
async function orderOf(receipt, marker) {
  const list = (await w.ok('disp', 'GET', '/api/v1/orders?limit=500')).orders;
  const o = list.find((x) => x.reporter === `citizen:${DOT}${receipt.slice(-4)}` && x.description.includes(marker));
  assert.ok(o, `no order for ${receipt}`);
  return o;
}

async function resolve(id) {
  await w.act('disp', id, 'dispatch', { departments: ['urban_mgmt'] });
  await w.act('um', id, 'accept');
  await w.act('um', id, 'resolve', { note: '已处理' });
}

test('Open311 GET lists public-channel requests of public matters only, without phone or reporter', async () => {
  // public matter through a customer code: listed, description only
  const hy = await report(venue.token, { matter: 'environmental_hygiene', fields: { details: '垃圾桶满了 #pub1#', phone: '13811112222' } });
  assert.equal(hy.status, 201, show(hy));
  const hyOrder = await orderOf(hy.json.receipt, '#pub1#');
  // a matter that is not public (noise), with a citizen's free text
  const nz = await report(venue.token, { matter: 'noise_disturbance', fields: { when: 'now', source: 'music', details: '我家住3单元502 #priv1#' } });
  assert.equal(nz.status, 201, show(nz));
  const nzOrder = await orderOf(nz.json.receipt, '#priv1#');
  // staff and alert orders of a public matter: never
  const staff = await w.ok('disp', 'POST', '/api/v1/orders', { matter: 'environmental_hygiene', region: XTD, description: 'district-level secret' }, 201);
  const alert = await w.ok('disp', 'POST', '/api/v1/orders', { matter: 'environmental_hygiene', region: XTD, channel: 'alert', description: 'sensor says so' }, 201);

  const list = await o311('requests.json');
  assert.equal(list.status, 200, show(list));
  const ids = list.json.map((x) => x.service_request_id);
  assert.ok(ids.includes(String(hyOrder.id)), 'the public report is listed');
  for (const [o, why] of [[nzOrder, 'a matter not public'], [staff.order, 'a staff order'], [alert.order, 'an alert order']]) {
    assert.ok(!ids.includes(String(o.id)), `${why} is listed`);
    assert.equal((await o311(`requests/${o.id}.json`)).status, 404, `${why}: requests/ID`);
  }
  assert.ok(!list.text.includes('district-level secret') && !list.text.includes('3单元502'));
  assert.ok(!list.text.includes('13811112222'), 'no phone');
  assert.ok(!list.text.includes(hy.json.receipt) && !/citizen|reporter/.test(list.text), 'no reporter');
  const one = (await o311(`requests/${hyOrder.id}.json`)).json[0];
  assert.match(one.description, /垃圾桶满了/);
  // an id list cannot reach them either
  const byId = await o311(`requests.json?service_request_id=${staff.order.id},${nzOrder.id},${hyOrder.id}`);
  assert.deepEqual(byId.json.map((x) => x.service_request_id), [String(hyOrder.id)]);
});

test('publishing a matter later does not publish the reports made while it was private', async () => {
  // the pack's own definition (GET /api/v1/matters leaves out the form and channels)
  const pack = JSON.parse(readFileSync(new URL('../../scenarios/gongshu/matters.json', import.meta.url), 'utf8'));
  const m = (Array.isArray(pack) ? pack : pack.matters).find((x) => x.id === 'noise_disturbance');
  assert.ok(m && m.public !== true, 'noise_disturbance starts private');
  const setPublic = async (flag) => {
    const r = await w.call('admin', 'PUT', '/api/v1/matters/noise_disturbance', { ...m, public: flag });
    assert.equal(r.status, 200, show(r));
  };
  // and through Open311 itself (any source's token is an api_key)
  const post311 = async (text) => {
    const fields = { api_key: w.tokens.smart_site, service_code: 'noise_disturbance', lat: '30.3401', long: '120.1302',
      'attribute[when]': 'now', 'attribute[source]': 'music', 'attribute[location]': '新天地', description: text };
    const r = await w.api('POST', '/open311/v2/requests.json', {
      body: new URLSearchParams(fields).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, 201, show(r));
    return r.json[0].service_request_id;
  };
  const listed = async () => {
    const list = await o311('requests.json');
    assert.equal(list.status, 200, show(list));
    return list;
  };
  // made while private: the form said nothing about being public
  const before = await report(venue.token, { matter: 'noise_disturbance', fields: { when: 'now', source: 'music', details: 'nonpublic-secret' } });
  assert.equal(before.status, 201, show(before));
  const beforeOrder = await orderOf(before.json.receipt, 'nonpublic-secret');
  const before311 = await post311('nonpublic-o311-secret');
  assert.ok(!(await listed()).text.includes('nonpublic-secret'));
  assert.ok(!(await listed()).text.includes('nonpublic-o311-secret'));
  await setPublic(true);
  try {
    // the page now tells the citizen the description is public
    const page = await pub('GET', `/api/public/codes/${venue.token}`);
    assert.equal(page.json.matters.find((x) => x.id === 'noise_disturbance').public, true);
    const after = await report(venue.token, { matter: 'noise_disturbance', fields: { when: 'now', source: 'music', details: 'public-after #consent1#' } });
    assert.equal(after.status, 201, show(after));
    const afterOrder = await orderOf(after.json.receipt, '#consent1#');
    assert.notEqual(afterOrder.id, beforeOrder.id);
    const after311 = await post311('public-after-o311 #consent2#');
    let list = await listed();
    assert.ok(!list.text.includes('nonpublic-secret'), 'the earlier report became public');
    const ids = list.json.map((x) => x.service_request_id);
    assert.ok(!ids.includes(String(beforeOrder.id)));
    assert.ok(ids.includes(String(afterOrder.id)), 'the report made while public is listed');
    assert.ok(!ids.includes(before311) && !list.text.includes('nonpublic-o311-secret'), 'the earlier Open311 request became public');
    assert.ok(ids.includes(after311), 'the Open311 request made while public is listed');
    assert.equal((await o311(`requests/${before311}.json`)).status, 404);
    assert.equal((await o311(`requests/${beforeOrder.id}.json`)).status, 404);
    assert.equal((await o311(`requests/${afterOrder.id}.json`)).status, 200);
    const byId = await o311(`requests.json?service_request_id=${beforeOrder.id},${afterOrder.id}`);
    assert.deepEqual(byId.json.map((x) => x.service_request_id), [String(afterOrder.id)]);
    // private again: neither is listed
    await setPublic(false);
    list = await listed();
    assert.ok(!list.text.includes('nonpublic-secret') && !list.text.includes('#consent1#'));
    assert.ok(!list.text.includes('#consent2#'));
    assert.equal((await o311(`requests/${afterOrder.id}.json`)).status, 404);
  } finally {
    await setPublic(m.public === true);
  }
});

test('an enterprise application never appears in Open311; the loader keeps applications private', async () => {
  const apps = (await pub('GET', `/api/public/codes/${ent.token}`)).json.matters.filter((m) => m.kind === 'application');
  assert.ok(apps.length && apps.every((m) => m.public === false));
  const list = await o311('requests.json');
  assert.ok(!list.json.some((x) => apps.some((m) => m.id === x.service_code)));
  // a matter's public flag: a boolean, and only for complaints and services
  const m = (await w.ok('admin', 'GET', '/api/v1/matters')).matters.find((x) => x.id === 'bar_activity_approval');
  assert.ok(m, 'bar_activity_approval');
  const base = { id: m.id, name_zh: m.name_zh, name_en: m.name_en, kind: 'application', departments: ['culture_tourism'], sla_accept_minutes: 60, sla_resolve_minutes: 600 };
  for (const bad of [{ ...base, public: true }, { ...base, kind: 'complaint', public: 'yes' }]) {
    const r = await w.call('admin', 'PUT', `/api/v1/matters/${m.id}`, bad);
    assert.equal(r.status, 400, show(r));
    assert.equal(r.json.error.field, 'public');
  }
});

test("the citizen's form says when the description will be public (zh and en)", async () => {
  const r = await pub('GET', `/api/public/codes/${venue.token}`);
  assert.equal(r.status, 200, show(r));
  const byId = Object.fromEntries(r.json.matters.map((m) => [m.id, m]));
  assert.equal(byId.environmental_hygiene.public, true);
  assert.equal(byId.noise_disturbance.public, false);
  const js = await pub('GET', '/m/scan.js');
  assert.equal(js.status, 200);
  assert.match(js.text, /m\.public/);
  assert.match(js.text, /公开/);
  assert.match(js.text, /are public/);
});

test('staff never see a receipt whole: lists, GET, timeline, stream events', async () => {
  const disp = await openStream(w.base, await w.u('disp'));
  const viewer = await openStream(w.base, await w.as('viewer'));
  assert.equal(disp.res.status, 200);
  const r = await report(venue.token, { matter: 'environmental_hygiene', fields: { details: '脏 #mask1#' } });
  assert.equal(r.status, 201, show(r));
  const receipt = r.json.receipt;
  const o = await orderOf(receipt, '#mask1#');
  await resolve(o.id);
  const rated = await pub('POST', `/api/public/receipts/${receipt}/rating`, { score: 4 });
  assert.equal(rated.status, 200, show(rated));
  for (const who of ['admin', 'disp', 'um', 'viewer']) {
    const one = await w.call(who, 'GET', `/api/v1/orders/${o.id}`);
    assert.equal(one.status, 200, show(one));
    assert.ok(!one.text.includes(receipt), `${who} sees the receipt`);
    assert.equal(one.json.order.reporter, `citizen:${DOT}${receipt.slice(-4)}`);
    assert.ok(one.json.timeline.some((t) => t.actor === `citizen:${DOT}${receipt.slice(-4)}`), 'the rating step names the masked reporter');
    const list = await w.call(who, 'GET', '/api/v1/orders?limit=500');
    assert.ok(!list.text.includes(receipt), `${who}'s list carries the receipt`);
  }
  const ev = await disp.next((e) => e.event === 'order' && e.json.order.id === o.id && e.json.action === 'rate');
  await viewer.next((e) => e.event === 'order' && e.json.order.id === o.id && e.json.action === 'rate');
  for (const s of [disp, viewer]) assert.ok(!s.events.some((e) => e.data.includes(receipt)), 'a stream event carries the receipt');
  assert.equal(ev.json.order.reporter, `citizen:${DOT}${receipt.slice(-4)}`);
  disp.close();
  viewer.close();
});

test('a receipt rates once: a second rating is 409, after an unhappy one too', async () => {
  const r = await report(venue.token, { matter: 'environmental_hygiene', fields: { details: '又脏了 #rate1#' } });
  assert.equal(r.status, 201, show(r));
  const receipt = r.json.receipt;
  const o = await orderOf(receipt, '#rate1#');
  await resolve(o.id);
  const from = addr();
  const first = await pub('POST', `/api/public/receipts/${receipt}/rating`, { score: 1, note: '没处理' }, from);
  assert.equal(first.status, 200, show(first));
  assert.equal(first.json.can_rate, false);
  assert.equal((await w.order(o.id)).order.state, 'reopened');
  // handled again: the citizen's page says no more rating, and the server agrees
  await w.act('disp', o.id, 'dispatch', { departments: ['urban_mgmt'] });
  await w.act('um', o.id, 'accept');
  await w.act('um', o.id, 'resolve', { note: '已再次清理' });
  const page = await pub('GET', `/api/public/receipts/${receipt}`, undefined, from);
  assert.equal(page.json.can_rate, false);
  for (const score of [1, 5]) {
    const again = await pub('POST', `/api/public/receipts/${receipt}/rating`, { score }, from);
    assert.equal(again.status, 409, show(again));
  }
  assert.equal((await w.order(o.id)).order.state, 'resolved', 'a second rating reopened the order');
});

test('one address at its limit does not stop another reporting on the same code', async () => {
  // four addresses each run into their own per-address limit on one code;
  // before, three were enough to exhaust the code's own limit
  for (let k = 0; k < 4; k++) {
    const from = addr();
    let limited = null;
    for (let i = 0; i < 40 && !limited; i++) {
      const r = await report(venue.token, {}, from); // refused as empty, but counted
      if (r.status === 429) limited = r; else assert.equal(r.status, 400, show(r));
    }
    assert.ok(limited, `address ${from} was never limited`);
    assert.equal(limited.json.error.field, 'client', 'the per-address limit, not the code\'s');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
  }
  const other = await report(venue.token, { matter: 'environmental_hygiene', fields: { details: '还能反映 #lim1#' } });
  assert.equal(other.status, 201, show(other));
  // scans too: a page of the code still opens from another address
  assert.equal((await pub('GET', `/api/public/codes/${venue.token}`)).status, 200);
});

test('photos of 5 MiB and 5 MiB - 1 are taken, 5 MiB + 1 is refused (code reports and staff evidence)', async () => {
  const photo = (n) => Buffer.concat([PNG, Buffer.alloc(n - PNG.length)]);
  for (const [n, status] of [[MIB5 - 1, 201], [MIB5, 201], [MIB5 + 1, 413]]) {
    const r = await report(venue.token, { matter: 'environmental_hygiene', fields: { details: `照片 ${n}` }, photo: photo(n).toString('base64') });
    assert.equal(r.status, status, `${n} bytes: ${show(r)}`);
    if (status === 413) assert.equal(r.json.error.field, 'photo');
  }
  const o = await w.ok('disp', 'POST', '/api/v1/orders', { matter: 'environmental_hygiene', region: XTD }, 201);
  const cookie = await w.u('disp');
  for (const n of [MIB5 - 1, MIB5]) {
    const r = await w.api('POST', `/api/v1/orders/${o.order.id}/evidence`, { cookie, body: photo(n), headers: { 'Content-Type': 'image/png' } });
    assert.equal(r.status, 201, `evidence of ${n} bytes: ${show(r)}`);
    assert.equal(r.json.evidence.size, n);
  }
  // one byte more is refused from the head, before the body is read
  const big = await rawHttp(w.server.port, `POST /api/v1/orders/${o.order.id}/evidence HTTP/1.1\r\nHost: x\r\n` +
    `Cookie: ${cookie}\r\nContent-Type: image/png\r\nContent-Length: ${MIB5 + 1}\r\n\r\n`);
  assert.equal(big.status, 413, big.text);
});
