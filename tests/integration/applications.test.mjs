// Applications and joint approval (三证联办): submission online (no login)
// and by staff, material uploads checked by content (magic bytes), type and
// size, dispatch to the three departments in parallel once every required
// material is in, each department's decision (approve/reject with a note)
// arriving in any order, the applicant's public status by an unguessable
// number, and who may decide.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createWorld, GONGSHU_PACK, rawHttp, show } from './harness.mjs';

const MATTER = 'joint_parcel_three_certs';
const OFFICERS = {
  nr: { department: 'natural_resources', password: 'nr-pass-000001' },
  hs: { department: 'housing', password: 'hs-pass-000001' },
  env: { department: 'environment', password: 'env-pass-00001' },
  um: { department: 'urban_mgmt', password: 'um-pass-000001' },
};
const DEPT = { natural_resources: 'nr', housing: 'hs', environment: 'env' };

let w;
const cookies = {};
before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['smart_site'], start: false });
  for (const [name, o] of Object.entries(OFFICERS)) {
    const r = w.run(['user', 'add', name, '--role', 'officer', '--department', o.department, '--password-stdin'], { input: o.password + '\n' });
    if (r.status !== 0) throw new Error(`user add ${name}: ${r.stderr}`);
  }
  await w.start();
  for (const [name, o] of Object.entries(OFFICERS)) cookies[name] = await w.login(name, o.password);
});
after(async () => { await w?.close(); });

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 2)]);

const applicant = { name: '杭州运河置业有限公司 李明', phone: '0571-88886666', company: '杭州运河置业有限公司' };
const form = { company: '杭州运河置业有限公司', parcel: 'GS-2026-017', location: '拱墅区康桥路与石祥路交叉口东北角' };

async function submit(extra = {}) {
  const r = await w.api('POST', '/api/public/applications', { body: { matter: MATTER, applicant, form, ...extra } });
  assert.equal(r.status, 201, show(r));
  return r.json.application;
}
const upload = (number, material, body) => w.api('PUT', `/api/public/applications/${number}/materials/${material}`,
  { body, headers: { 'Content-Type': 'application/octet-stream' } });
const status = async (number) => {
  const r = await w.api('GET', `/api/public/applications/${number}`);
  assert.equal(r.status, 200, show(r));
  return r.json.application;
};
async function uploadAll(number) {
  let last;
  for (const [m, b] of [['application_form', PDF], ['business_licence', JPEG], ['site_plan', PNG], ['project_approval', PDF]]) {
    last = await upload(number, m, b);
    assert.equal(last.status, 201, show(last));
  }
  return last.json;
}
test('the applicant submits online, gets an unguessable number and the materials checklist', async () => {
  const a = await submit();
  assert.match(a.number, /^[0-9a-f]{32}$/);
  assert.deepEqual(a.materials.filter((m) => m.required).map((m) => m.id),
    ['application_form', 'business_licence', 'site_plan', 'project_approval']);
  const s = await status(a.number);
  assert.equal(s.status, 'awaiting_materials');
  assert.equal(s.steps.length, 3);
  assert.deepEqual(s.steps.map((x) => x.name_zh), ['选址确认', '规划条件', '用地规划意见']);
  assert.ok(s.steps.every((x) => x.state === 'waiting' && x.decision === null));
  // the status never shows the applicant's phone
  const raw = await w.api('GET', `/api/public/applications/${a.number}`);
  assert.doesNotMatch(raw.text, /88886666/);
  // unknown or malformed numbers: 404
  assert.equal((await w.api('GET', '/api/public/applications/' + 'f'.repeat(32))).status, 404);
  assert.equal((await w.api('GET', '/api/public/applications/1')).status, 404);
});

test('submission errors name the field', async () => {
  const cases = [
    [{ matter: 'nope', applicant, form }, 404, 'matter'],
    [{ matter: 'noise_disturbance', applicant, form }, 400, 'matter'],
    [{ matter: MATTER, applicant: { name: '', phone: '0571-1' }, form }, 400, 'applicant.name'],
    [{ matter: MATTER, applicant: { name: 'x', phone: 'call me' }, form }, 400, 'applicant.phone'],
    [{ matter: MATTER, applicant, form: { company: 'x' } }, 400, 'form.parcel'],
  ];
  for (const [body, st, field] of cases) {
    const r = await w.api('POST', '/api/public/applications', { body });
    assert.equal(r.status, st, show(r));
    assert.equal(r.json.error.field, field, show(r));
  }
});

test('materials are checked by content, declared type and size; the last required one dispatches', async () => {
  const a = await submit();
  // a PNG where only PDF is accepted, and a text file named anything
  let r = await upload(a.number, 'application_form', PNG);
  assert.equal(r.status, 415, show(r));
  r = await upload(a.number, 'business_licence', Buffer.from('GIF89a not really'));
  assert.equal(r.status, 415, show(r));
  r = await upload(a.number, 'no_such_material', PDF);
  assert.equal(r.status, 404);
  // over the 10 MiB cap: refused from the head, before the body is read
  const big = await rawHttp(w.server.port, `PUT /api/public/applications/${a.number}/materials/business_licence HTTP/1.1\r\n` +
    `Host: x\r\nContent-Type: application/pdf\r\nContent-Length: ${10 * 1024 * 1024 + 1}\r\n\r\n`);
  assert.equal(big.status, 413, big.text);
  r = await upload(a.number, 'application_form', PDF);
  assert.equal(r.status, 201);
  assert.equal(r.json.complete, false);
  assert.equal((await status(a.number)).status, 'awaiting_materials');
  const last = await uploadAll(a.number);
  assert.equal(last.complete, true);
  assert.equal(last.dispatched, true);
  const s = await status(a.number);
  assert.equal(s.status, 'in_review');
  assert.ok(s.materials.filter((m) => m.required).every((m) => m.received));
  assert.ok(s.steps.every((x) => x.state === 'dispatched'), JSON.stringify(s.steps));
  // stored under the data dir, byte for byte
  const dir = path.join(w.dir, 'materials');
  const files = fs.readdirSync(dir, { recursive: true }).map(String);
  assert.ok(files.some((f) => f.endsWith('site_plan.png')), files.join(' '));
  // once with the departments, materials cannot change
  assert.equal((await upload(a.number, 'site_plan', PNG)).status, 409);
});

async function decide(sub, decision, note = '符合要求') {
  const who = DEPT[sub.department];
  return w.api('POST', `/api/v1/orders/${sub.id}/decision`, { cookie: cookies[who], body: { decision, note } });
}

for (const [label, order, decisions, outcome] of [
  ['all approve, in the order environment, natural resources, housing', ['environment', 'natural_resources', 'housing'], ['approve', 'approve', 'approve'], 'approved'],
  ['one rejects, in the order housing, environment, natural resources', ['housing', 'environment', 'natural_resources'], ['reject', 'approve', 'approve'], 'rejected'],
  ['the rejection comes last', ['natural_resources', 'housing', 'environment'], ['approve', 'approve', 'reject'], 'rejected'],
]) {
  test(`joint approval: ${label}`, async () => {
    const a = await submit();
    const r = await uploadAll(a.number);
    assert.equal(r.dispatched, true);
    const joint = await latestJoint();
    assert.equal(joint.sub_orders.length, 3);
    for (let i = 0; i < order.length; i++) {
      const sub = joint.sub_orders.find((s) => s.department === order[i]);
      const d = await decide(sub, decisions[i], decisions[i] === 'reject' ? '地块红线与控规不符' : '同意');
      assert.equal(d.status, 201, show(d));
      const s = await status(a.number);
      const done = i === order.length - 1;
      assert.equal(s.status, done ? 'done' : 'in_review');
      assert.equal(s.steps.filter((x) => x.state === 'decided').length, i + 1);
      const step = s.steps.find((x) => x.department === order[i]);
      assert.equal(step.decision, decisions[i]);
      assert.ok(step.note.length > 0 && step.decided);
      if (done) {
        assert.equal(s.outcome, outcome);
        const j = (await w.api('GET', `/api/v1/orders/${joint.order.id}`, { cookie: await w.as('admin') })).json;
        assert.equal(j.order.state, 'resolved', 'the joint order is resolved when all have decided');
      } else {
        assert.equal(s.outcome, null);
      }
    }
    // a second decision by the same department is refused
    const again = await decide(joint.sub_orders[0], 'approve');
    assert.equal(again.status, 409, show(again));
  });
}

async function latestJoint() {
  const list = (await w.api('GET', `/api/v1/orders?matter=${MATTER}&limit=100`, { cookie: await w.as('admin') })).json.orders;
  const top = list.filter((o) => !o.parent).sort((a, b) => b.id - a.id)[0];
  return (await w.api('GET', `/api/v1/orders/${top.id}`, { cookie: await w.as('admin') })).json;
}

test('only the sub-order\'s department decides, with a note and a valid decision', async () => {
  const a = await submit();
  await uploadAll(a.number);
  const joint = await latestJoint();
  const sub = joint.sub_orders.find((s) => s.department === 'housing');
  let r = await w.api('POST', `/api/v1/orders/${sub.id}/decision`, { cookie: cookies.um, body: { decision: 'approve', note: 'ok' } });
  assert.equal(r.status, 403, show(r));
  r = await w.api('POST', `/api/v1/orders/${sub.id}/decision`, { cookie: cookies.hs, body: { decision: 'maybe', note: 'ok' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'decision');
  r = await w.api('POST', `/api/v1/orders/${sub.id}/decision`, { cookie: cookies.hs, body: { decision: 'approve' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'note');
  r = await w.api('POST', `/api/v1/orders/${joint.order.id}/decision`, { cookie: await w.as('admin'), body: { decision: 'approve', note: 'x' } });
  assert.equal(r.status, 409, 'the joint order itself is decided through its sub-orders');
  // staff may submit on an applicant's behalf (channel staff)
  const st = await w.api('POST', '/api/v1/applications', { cookie: await w.as('admin'), body: { matter: MATTER, applicant, form } });
  assert.equal(st.status, 201, show(st));
  const o = (await w.api('GET', `/api/v1/orders/${st.json.application.order}`, { cookie: await w.as('admin') })).json.order;
  assert.equal(o.channel, 'staff');
  assert.equal((await w.api('POST', '/api/v1/applications', { body: { matter: MATTER, applicant, form } })).status, 401);
});

test('staff of the deciding departments see the applicant, the form and the materials; others do not', async () => {
  const a = await submit();
  await uploadAll(a.number);
  const joint = await latestJoint();
  const id = joint.order.id;
  const hs = await w.api('GET', `/api/v1/applications/${id}`, { cookie: cookies.hs });
  assert.equal(hs.status, 200, show(hs));
  assert.equal(hs.json.application.applicant.phone, applicant.phone);
  assert.equal(hs.json.application.form.parcel, 'GS-2026-017');
  assert.deepEqual(hs.json.application.materials.map((m) => m.id).sort(), ['application_form', 'business_licence', 'project_approval', 'site_plan']);
  const plan = hs.json.application.materials.find((m) => m.id === 'site_plan');
  assert.equal(plan.mime, 'image/png');
  const file = await fetch(w.base + plan.url, { headers: { Cookie: cookies.env } });
  assert.equal(file.status, 200);
  assert.deepEqual(Buffer.from(await file.arrayBuffer()), PNG);
  assert.equal((await w.api('GET', `/api/v1/applications/${id}`, { cookie: cookies.um })).status, 403);
  assert.equal((await w.api('GET', `/api/v1/applications/${id}`)).status, 401);
  assert.equal((await w.api('GET', `/api/v1/applications/${id}/materials/land_survey`, { cookie: cookies.hs })).status, 404);
});

test('public submissions are rate-limited per client (429 with Retry-After)', async () => {
  let limited = null;
  for (let i = 0; i < 80 && !limited; i++) {
    const r = await w.api('POST', '/api/public/applications', { body: { matter: 'nope' } });
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 404);
  }
  assert.ok(limited, 'no 429 after 80 submissions');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
});
