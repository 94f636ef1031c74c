// The store's error sentences reach the API in both languages (issue 12):
// real bad requests whose error is written in src/store answer with the
// English `message` unchanged and its Chinese `message_zh` from
// src/core/msg_zh_store.c, or, for a sentence the store passes on
// (store_applications.c step_insert), the Chinese given beside the English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, GONGSHU_PACK, errorOf, show } from './harness.mjs';

const MATTER = 'joint_parcel_three_certs';
const XTD = 'gongshu/dongxin/xintiandi';
const OFFICERS = [
  { name: 'nr', department: 'natural_resources', password: 'nr-pass-000001' },
  { name: 'hs', department: 'housing', password: 'hs-pass-000001' },
  { name: 'env', department: 'environment', password: 'env-pass-00001' },
];

let w;
before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['smart_site'], start: false });
  for (const o of OFFICERS) {
    const r = w.run(['user', 'add', o.name, '--role', 'officer', '--department', o.department,
      '--password-stdin'], { input: o.password + '\n' });
    if (r.status !== 0) throw new Error(`user add ${o.name}: ${r.stderr}`);
  }
  await w.start();
});
after(async () => { await w?.close(); });

async function call(cookie, method, p, body) {
  return w.api(method, p, { cookie, body });
}

test('a code that is no longer active: 409 in English and Chinese (store_codes.c)', async () => {
  const admin = await w.as('admin');
  let r = await call(admin, 'POST', '/api/v1/codes/generate',
    { kind: 'customer', entity_type: 'venue', region: XTD, batch: 1 });
  assert.equal(r.status, 201, show(r));
  r = await call(admin, 'GET', '/api/v1/codes?kind=customer&state=active&limit=1');
  assert.equal(r.status, 200, show(r));
  const id = r.json.codes[0].id;
  r = await call(admin, 'POST', `/api/v1/codes/${id}/revoke`, {});
  assert.equal(r.status, 200, show(r));
  for (const action of ['revoke', 'reissue']) {
    r = await call(admin, 'POST', `/api/v1/codes/${id}/${action}`, {});
    assert.equal(r.status, 409, show(r));
    const e = errorOf(r);
    assert.equal(e.code, 'conflict');
    assert.equal(e.field, 'id');
    assert.equal(e.message, `code ${id} is not active`);
    assert.equal(e.message_zh, `码 ${id} 不在启用状态`);
  }
});

test('a department decides again after its joint order was reopened: the new decision replaces the old (store_applications.c)', async () => {
  // an application with every required material: its sub-orders go to the departments
  let r = await w.api('POST', '/api/public/applications', { body: {
    matter: MATTER,
    applicant: { name: '杭州运河置业有限公司 李明', phone: '0571-88886666', company: '杭州运河置业有限公司' },
    form: { company: '杭州运河置业有限公司', parcel: 'GS-2026-017', location: '拱墅区康桥路与石祥路交叉口东北角' },
  } });
  assert.equal(r.status, 201, show(r));
  const number = r.json.application.number;
  const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
  const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
  const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 2)]);
  for (const [m, b] of [['application_form', PDF], ['business_licence', JPEG], ['site_plan', PNG], ['project_approval', PDF]]) {
    r = await w.api('PUT', `/api/public/applications/${number}/materials/${m}`,
      { body: b, headers: { 'Content-Type': 'application/octet-stream' } });
    assert.equal(r.status, 201, show(r));
  }
  const admin = await w.as('admin');
  const list = (await call(admin, 'GET', `/api/v1/orders?matter=${MATTER}&limit=100`)).json.orders;
  const top = list.filter((o) => !o.parent).sort((a, b) => b.id - a.id)[0];
  const joint = (await call(admin, 'GET', `/api/v1/orders/${top.id}`)).json;
  const decide = async (o) => {
    const sub = joint.sub_orders.find((x) => x.department === o.department);
    assert.ok(sub, JSON.stringify(joint));
    const cookie = await w.login(o.name, o.password);
    return call(cookie, 'POST', `/api/v1/orders/${sub.id}/decision`, { decision: 'approve', note: '同意' });
  };
  for (const o of OFFICERS) {
    r = await decide(o);
    assert.equal(r.status, 201, show(r));
  }
  // the dispatch desk reopens the decided joint order and sends it out again:
  // the departments decide again, and a new decision replaces the old one
  // (it once answered 409 "this department has already decided" for ever)
  r = await call(admin, 'POST', `/api/v1/orders/${top.id}/actions`, { action: 'reopen', note: '材料需复核' });
  assert.equal(r.status, 200, show(r));
  r = await call(admin, 'POST', `/api/v1/orders/${top.id}/actions`,
    { action: 'dispatch', departments: OFFICERS.map((o) => o.department) });
  assert.equal(r.status, 200, show(r));
  const again = joint.sub_orders.find((x) => x.department === OFFICERS[0].department);
  r = await call(await w.login(OFFICERS[0].name, OFFICERS[0].password), 'POST', `/api/v1/orders/${again.id}/decision`,
    { decision: 'reject', note: '复核不通过' });
  assert.equal(r.status, 201, show(r));
  const app = (await call(admin, 'GET', `/api/v1/applications/${top.id}`)).json.application;
  const mine = app.decisions.filter((d) => d.department === OFFICERS[0].department);
  assert.equal(mine.length, 1, JSON.stringify(app.decisions));
  assert.equal(mine[0].decision, 'reject');
  assert.equal(mine[0].note, '复核不通过');
});
