// The public intake (issue 5): what a scan shows for customer and
// enterprise codes, every bad input of a report, a report with a photo that
// becomes a routed work order, the receipt page following it to the end
// with a rating (a low one reopens), the enterprise contact check, and who
// may see the reporter's phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { show, GONGSHU_PACK } from './harness.mjs';
import { dispatchWorld, minuteNow } from './lib/dispatch.mjs';

// Many reports come from one loopback address here; the limits themselves
// are tested in codes.test.mjs.
process.env.ZZ_PUBLIC_RATE_SCALE = '50';

let w, venue, ent, entAttrs;
const XTD = 'gongshu/dongxin/xintiandi';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

before(async () => {
  w = await dispatchWorld();
  await w.at(minuteNow());
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD }, 201);
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'enterprise', entity_type: 'enterprise', region: XTD }, 201);
  venue = (await w.ok('admin', 'GET', `/api/v1/codes?kind=customer&limit=1`)).codes[0];
  ent = (await w.ok('admin', 'GET', `/api/v1/codes?kind=enterprise&limit=1`)).codes[0];
  entAttrs = (await w.ok('admin', 'GET', `/api/v1/entities/${ent.entity}`)).attrs
    ?? (await w.ok('admin', 'GET', `/api/v1/entities/${ent.entity}`)).entity?.attrs;
});
after(async () => { await w?.close(); });

const report = (token, body) => w.api('POST', `/api/public/codes/${token}/reports`, { body });
const noise = (extra = {}) => ({ matter: 'noise_disturbance', fields: { when: 'now', source: 'music', details: '楼上酒吧音乐太响', phone: '138 0000 1234', ...extra } });

test('a customer code shows its venue and the complaint matters with their forms', async () => {
  const r = await w.api('GET', `/api/public/codes/${venue.token}`);
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.code.kind, 'customer');
  assert.ok(r.json.entity.name_zh);
  const ids = r.json.matters.map((m) => m.id);
  assert.ok(ids.includes('noise_disturbance') && ids.includes('food_safety'));
  assert.ok(!ids.includes('bar_activity_approval'), 'applications are for enterprise codes');
  const n = r.json.matters.find((m) => m.id === 'noise_disturbance');
  assert.ok(n.form.some((f) => f.type === 'photo'));
  assert.ok(n.form.some((f) => f.type === 'location'));
  assert.ok(!('token' in r.json.code), 'the token is not needed back');
});

// The pack's matters an enterprise code at region should list: the
// enterprise_code channel, offered there (no regions, or one above it).
function offeredAt(region) {
  const ms = JSON.parse(fs.readFileSync(path.join(GONGSHU_PACK, 'matters.json'), 'utf8'));
  return ms.filter((m) => (m.channels || []).includes('enterprise_code')
    && (!m.regions || m.regions.some((r) => region === r || region.startsWith(r + '/'))))
    .map((m) => m.id).sort();
}

test('an enterprise code lists the matters offered where it is: Xintiandi\'s 6, the park\'s 68', async () => {
  const xtd = (await w.api('GET', `/api/public/codes/${ent.token}`)).json.matters.map((m) => m.id).sort();
  assert.deepEqual(xtd, offeredAt(XTD));
  assert.equal(xtd.length, 6);
  assert.equal(new Set(xtd).size, xtd.length, 'no matter twice');
  const PARK = 'gongshu/kejipark/beibu';
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'enterprise', entity_type: 'enterprise', region: PARK }, 201);
  const pc = (await w.ok('admin', 'GET', `/api/v1/codes?kind=enterprise&region=${PARK}&limit=1`)).codes[0];
  const park = (await w.api('GET', `/api/public/codes/${pc.token}`)).json.matters.map((m) => m.id).sort();
  assert.deepEqual(park, offeredAt(PARK));
  assert.equal(park.length, 68);
  assert.ok(!park.includes('bar_activity_approval'));
  // a Xintiandi enterprise cannot report a park matter by its token
  const s = await report(ent.token, { matter: 'park_street_light', contact_phone: entAttrs.contact_phone,
    fields: { details: '路灯不亮' } });
  assert.equal(s.status, 400, show(s));
  assert.equal(s.json.error.field, 'matter');
  // an admin's matter may only name regions that exist
  const bad = await w.call('admin', 'PUT', '/api/v1/matters/scoped_test', { name_zh: '测试', name_en: 'Test',
    kind: 'service', departments: ['urban_mgmt'], sla_accept_minutes: 30, sla_resolve_minutes: 600, regions: ['gongshu/nowhere'] });
  assert.equal(bad.status, 400, show(bad));
  assert.equal(bad.json.error.field, 'regions');
  assert.match(bad.json.error.message, /gongshu\/nowhere/);
});

test('an enterprise code lists applications and confirms the registered contact', async () => {
  const r = await w.api('GET', `/api/public/codes/${ent.token}`);
  assert.equal(r.status, 200, show(r));
  const ids = r.json.matters.map((m) => m.id);
  assert.ok(ids.includes('bar_activity_approval'));
  assert.ok(!ids.includes('noise_disturbance'));
  assert.equal(r.json.entity.contact_on_file, true);
  assert.ok(!r.text.includes(entAttrs.contact_phone), 'the contact phone is never shown');
  const wrong = await w.api('POST', `/api/public/codes/${ent.token}/verify`, { body: { contact_phone: '13900000000' } });
  assert.equal(wrong.status, 403);
  const right = await w.api('POST', `/api/public/codes/${ent.token}/verify`, { body: { contact_phone: entAttrs.contact_phone.replace(/-/g, '') } });
  assert.equal(right.status, 200, show(right));
  assert.equal(right.text, '{"verified":true}');
  const app = { matter: 'fire_safety_inspection', fields: { preferred_date: '2026-12-10', details: '新店开业前检查' } };
  let s = await report(ent.token, app);
  assert.equal(s.status, 400);
  assert.equal(s.json.error.field, 'contact_phone');
  s = await report(ent.token, { ...app, contact_phone: '13900000000' });
  assert.equal(s.status, 403);
  s = await report(ent.token, { ...app, contact_phone: entAttrs.contact_phone });
  assert.equal(s.status, 201, show(s));
  const o = await orderOf(s.json.receipt);
  assert.equal(o.order.channel, 'enterprise_code');
  assert.equal(o.order.matter, 'fire_safety_inspection');
});

test('bad reports are refused with the field named, and nothing is created', async () => {
  const before = (await w.ok('disp', 'GET', '/api/v1/orders?limit=500')).orders.length;
  const cases = [
    [{}, 400, 'matter'],
    [{ matter: 'no_such' }, 400, 'matter'],
    [{ matter: 'bar_activity_approval', fields: {} }, 400, 'matter'],
    [noise({ details: undefined, when: undefined }), 400, 'fields.when'],
    [noise({ when: 'yesterday_maybe' }), 400, 'fields.when'],
    [noise({ details: '很吵'.repeat(300) }), 400, 'fields.details'],
    [noise({ colour: 'red' }), 400, 'fields.colour'],
    [noise({ phone: 'call me' }), 400, 'fields.phone'],
    [{ matter: 'consumer_dispute', fields: { receipt_date: '2026-13-45', details: 'x' } }, 400, 'fields.receipt_date'],
    [{ ...noise(), photo: Buffer.from('GIF89a not a photo').toString('base64') }, 415, 'photo'],
    [{ ...noise(), photo: 'not base64 at all!!' }, 400, 'photo'],
    [{ matter: 'visitor_help', fields: { details: '问路' }, photo: PNG.toString('base64') }, 400, 'photo'],
  ];
  for (const [body, status, field] of cases) {
    const r = await report(venue.token, JSON.parse(JSON.stringify(body)));
    assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)}: ${show(r)}`);
    assert.equal(r.json.error.field, field, show(r));
  }
  const big = Buffer.alloc(5 * 1024 * 1024 + 10, 0);
  PNG.copy(big);
  const r = await report(venue.token, { ...noise(), photo: big.toString('base64') });
  assert.equal(r.status, 413, show(r));
  const notJson = await w.api('POST', `/api/public/codes/${venue.token}/reports`, { body: '{"matter":', headers: { 'Content-Type': 'application/json' } });
  assert.equal(notJson.status, 400);
  assert.equal((await report('AAAAAAAAAAAAAAAAAAAAAA', noise())).status, 404);
  const after = (await w.ok('disp', 'GET', '/api/v1/orders?limit=500')).orders.length;
  assert.equal(after, before, 'no order from a refused report');
});

async function orderOf(receipt) {
  const list = (await w.ok('disp', 'GET', '/api/v1/orders?limit=500')).orders;
  // staff see the receipt masked to its last four characters, never whole
  assert.ok(!JSON.stringify(list).includes(receipt), 'a receipt number in a staff list');
  const o = list.find((x) => x.reporter && x.reporter.endsWith(':\u2022\u2022\u2022\u2022' + receipt.slice(-4)));
  assert.ok(o, `no order for receipt ${receipt}`);
  return w.ok('disp', 'GET', `/api/v1/orders/${o.id}`);
}

test('a report with a photo becomes a routed work order; the receipt follows it to a rating', async () => {
  const s = await report(venue.token, { ...noise(), photo: PNG.toString('base64') });
  assert.equal(s.status, 201, show(s));
  const receipt = s.json.receipt;
  assert.match(receipt, /^[2-9A-HJ-NP-Z]{10}$/);
  assert.equal(s.json.status_url, `/m/r/${receipt}`);
  const d = await orderOf(receipt);
  assert.equal(d.order.channel, 'customer_code');
  assert.equal(d.order.state, 'reported');
  assert.equal(d.order.entity, venue.entity);
  assert.deepEqual(d.order.suggested_departments, ['community'], 'noise in Xintiandi routes to the community');
  assert.match(d.order.description, /楼上酒吧音乐太响/);
  assert.equal(d.evidence.length, 1);
  assert.equal(d.evidence[0].mime, 'image/png');
  // no words put in the reporter's mouth (the pages name the photo themselves)
  assert.ok(!d.evidence[0].note, JSON.stringify(d.evidence[0]));
  assert.ok(d.timeline.every((x) => !x.note), JSON.stringify(d.timeline));
  assert.equal(d.reporter_phone, '138 0000 1234');
  const id = d.order.id;

  let p = await w.api('GET', `/api/public/receipts/${receipt}`);
  assert.equal(p.status, 200);
  assert.equal(p.json.state, 'reported');
  assert.equal(p.json.can_rate, false);
  assert.ok(!p.text.includes('0000'), 'no phone on the public page');
  const early = await w.api('POST', `/api/public/receipts/${receipt}/rating`, { body: { score: 5 } });
  assert.equal(early.status, 409, show(early));

  await w.act('disp', id, 'dispatch', { departments: ['urban_mgmt'], note: '请城管处理' });
  await w.act('um', id, 'accept');
  await w.act('um', id, 'start');
  await w.act('um', id, 'resolve', { note: '已责令酒吧降低音量' });
  p = await w.api('GET', `/api/public/receipts/${receipt}`);
  assert.equal(p.json.state, 'resolved');
  assert.equal(p.json.outcome, '已责令酒吧降低音量');
  assert.deepEqual(p.json.steps.map((x) => x.state), ['reported', 'dispatched', 'accepted', 'in_progress', 'resolved']);
  assert.ok(!p.text.includes('"um"') && !p.text.includes('"disp"') && !p.text.includes('actor'), 'no staff names on the public page');
  assert.equal(p.json.can_rate, true);
  const bad = await w.api('POST', `/api/public/receipts/${receipt}/rating`, { body: { score: 9 } });
  assert.equal(bad.status, 400);
  const rated = await w.api('POST', `/api/public/receipts/${receipt}/rating`, { body: { score: 5, note: '很快' } });
  assert.equal(rated.status, 200, show(rated));
  assert.equal(rated.json.rating, 5);
  assert.equal(rated.json.can_rate, false);
  assert.equal((await w.order(id)).order.rating, 5);
});

test('a low rating reopens the order', async () => {
  const s = await report(venue.token, { matter: 'environmental_hygiene', fields: { details: '垃圾桶满了' } });
  assert.equal(s.status, 201, show(s));
  const id = (await orderOf(s.json.receipt)).order.id;
  await w.act('disp', id, 'dispatch', { departments: ['urban_mgmt'] });
  await w.act('um', id, 'accept');
  await w.act('um', id, 'resolve', { note: '已清运' });
  const r = await w.api('POST', `/api/public/receipts/${s.json.receipt}/rating`, { body: { score: 1, note: '还是很脏' } });
  assert.equal(r.status, 200, show(r));
  assert.equal((await w.order(id)).order.state, 'reopened');
});

test('the reporter phone is shown to the dispatcher and the assigned department only', async () => {
  const s = await report(venue.token, { matter: 'illegal_parking', fields: { plate: '浙A12345', phone: '13812345678' } });
  assert.equal(s.status, 201, show(s));
  const d = await orderOf(s.json.receipt);
  const id = d.order.id;
  assert.equal(d.reporter_phone, '13812345678');
  await w.act('disp', id, 'dispatch', { departments: ['traffic_police'] });
  assert.equal((await w.ok('tp', 'GET', `/api/v1/orders/${id}`)).reporter_phone, '13812345678');
  assert.equal((await w.call('um', 'GET', `/api/v1/orders/${id}`)).status, 403);
  const v = await w.call('viewer', 'GET', `/api/v1/orders/${id}`);
  assert.equal(v.status, 200, show(v));
  assert.ok(!('reporter_phone' in v.json) && !v.text.includes('13812345678'));
  const list = await w.call('disp', 'GET', '/api/v1/orders?limit=500');
  assert.ok(!list.text.includes('13812345678'), 'lists never carry the phone');
});

test('receipts: unknown or malformed numbers get a friendly 404', async () => {
  for (const r of ['ABCDEFGHJK', 'short', '<b>x<b>']) {
    const p = await w.api('GET', `/api/public/receipts/${encodeURIComponent(r)}`);
    assert.equal(p.status, 404, show(p));
    assert.match(p.json.error.message, /receipt number/);
    assert.ok(!p.text.includes('<b>'));
  }
});

test('a flood of reports on one code answers 429 with Retry-After', async () => {
  // one address flooding a code: its per-address bucket (scaled x50 here)
  // ends it; the code's own bucket is far higher (public.test.mjs)
  let got = null;
  for (let i = 0; i < 2000 && !got; i++) {
    const r = await report(venue.token, {});
    if (r.status === 429) got = r; else assert.equal(r.status, 400);
  }
  assert.ok(got, 'no 429');
  assert.ok(Number(got.headers.get('retry-after')) >= 1);
});

test('a joint order\'s sub-orders carry no machine-made note (pages say what they are)', async () => {
  const o = (await w.ok('disp', 'POST', '/api/v1/orders', { matter: 'environmental_hygiene', region: XTD, title: '商场周边环境整治' }, 201)).order;
  await w.act('disp', o.id, 'dispatch', { departments: ['urban_mgmt', 'market_supervision'] });
  const subs = (await w.order(o.id)).sub_orders;
  assert.equal(subs.length, 2);
  for (const sub of subs) {
    const d = await w.order(sub.id);
    assert.equal(d.order.parent, o.id);
    const dispatch = d.timeline.find((x) => x.action === 'dispatch');
    assert.ok(dispatch, JSON.stringify(d.timeline));
    assert.ok(!dispatch.note, `a sub-order's dispatch note: ${JSON.stringify(dispatch.note)}`);
  }
});

