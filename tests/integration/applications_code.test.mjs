// Applications sent through an enterprise code (企业码申请): the code binds
// the application to its enterprise (the order sits at the entity's region
// and position, channel enterprise_code), the applicant must give the
// enterprise's registered contact number, revoked and unknown codes answer
// like the scan routes, only the matters enterprise codes offer are taken,
// the code's report route refuses applications, and the applicant's
// status names each department and its decision without phones or staff.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { show } from './harness.mjs';
import { dispatchWorld, minuteNow } from './lib/dispatch.mjs';

const XTD = 'gongshu/dongxin/xintiandi';
const MATTER = 'bar_activity_approval';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const form = { activity_date: '2026-12-24', audience: '120', details: '平安夜驻唱演出', location: '新天地街区' };

let w, codes, ent, entity, other;

before(async () => {
  w = await dispatchWorld();
  await w.at(minuteNow());
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'enterprise', entity_type: 'enterprise', region: XTD }, 201);
  await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD }, 201);
  codes = (await w.ok('admin', 'GET', '/api/v1/codes?kind=enterprise&limit=3')).codes;
  ent = codes[0];
  other = codes[1];
  entity = (await w.ok('admin', 'GET', `/api/v1/entities/${ent.entity}`));
  entity = entity.entity ?? entity;
  assert.ok(entity.attrs.contact_phone, 'the enterprise has a contact phone on file');
});
after(async () => { await w?.close(); });

const applicant = () => ({ name: '王经理', phone: entity.attrs.contact_phone.replace(/-/g, ' ') });
const apply = (body) => w.api('POST', '/api/public/applications', { body });
const orderCount = async () => (await w.ok('admin', 'GET', '/api/v1/orders?limit=500')).orders.length;
const upload = (number, material, body) => w.api('PUT', `/api/public/applications/${number}/materials/${material}`,
  { body, headers: { 'Content-Type': 'application/octet-stream' } });

test('an application through an enterprise code is bound to the enterprise and goes to its three departments', async () => {
  const r = await apply({ code: ent.token, matter: MATTER, applicant: applicant(), form });
  assert.equal(r.status, 201, show(r));
  const a = r.json.application;
  assert.match(a.number, /^[0-9a-f]{32}$/);
  assert.equal(a.page_url, `/m/a/${a.number}`);
  assert.deepEqual(a.materials.map((m) => m.id), ['plan', 'safety_plan', 'license']);
  const o = (await w.order(a.order)).order;
  assert.equal(o.channel, 'enterprise_code');
  assert.equal(o.entity, ent.entity);
  assert.equal(o.region, entity.region, 'the order sits in the enterprise\'s region, not the district');
  assert.notEqual(o.region, 'gongshu');
  assert.equal(o.lon, entity.lon);
  assert.equal(o.lat, entity.lat);
  assert.equal(o.reporter, `enterprise:${ent.entity}`);
  // the company defaults to the enterprise's name; the phone stays out of the description
  assert.ok(o.description.includes(entity.name_zh), o.description);
  assert.ok(!o.description.includes(entity.attrs.contact_phone));
  // the page that follows it is served
  const page = await fetch(w.base + a.page_url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /application\.js/);

  for (const [m, b] of [['plan', PDF], ['safety_plan', PNG], ['license', PDF]]) {
    const u = await upload(a.number, m, b);
    assert.equal(u.status, 201, show(u));
  }
  const joint = await w.order(a.order);
  assert.deepEqual(joint.sub_orders.map((s) => s.department).sort(), ['culture_tourism', 'fire', 'police']);
  assert.ok(joint.sub_orders.every((s) => s.region === entity.region && s.entity === ent.entity));

  const s = await w.api('GET', `/api/public/applications/${a.number}`);
  assert.equal(s.status, 200, show(s));
  const st = s.json.application;
  assert.equal(st.name_zh, '酒吧演艺活动审批');
  assert.equal(st.status, 'in_review');
  assert.deepEqual(st.steps.map((x) => [x.department, x.department_name_zh, x.department_name_en]),
    [['culture_tourism', '文旅', 'Culture & tourism'], ['police', '公安', 'Public security'], ['fire', '消防', 'Fire and rescue']]);
  assert.ok(st.steps.every((x) => x.state === 'dispatched' && x.decision === null));
  assert.ok(st.materials.every((m) => m.received && m.required));
  assert.deepEqual(st.materials[0].types, ['pdf', 'jpeg', 'png']);
  const digits = entity.attrs.contact_phone.replace(/\D/g, '');
  assert.ok(!s.text.replace(/\D/g, '').includes(digits), 'no phone on the public status');

  // the police decide first, rejecting; the public status shows it without the officer's name
  const pol = joint.sub_orders.find((x) => x.department === 'police');
  const d = await w.call('police', 'POST', `/api/v1/orders/${pol.id}/decision`, { decision: 'reject', note: '安保人员不足' });
  assert.equal(d.status, 201, show(d));
  const s2 = await w.api('GET', `/api/public/applications/${a.number}`);
  const step = s2.json.application.steps.find((x) => x.department === 'police');
  assert.equal(step.decision, 'reject');
  assert.equal(step.note, '安保人员不足');
  assert.ok(step.decided);
  assert.ok(!s2.text.includes('"police":') && !/\bby\b|actor/.test(s2.text), 'no staff names');
  // the deciding departments see every decision so far in the staff view
  const sv = await w.ok('fire', 'GET', `/api/v1/applications/${a.order}`);
  assert.equal(sv.application.applicant.company, entity.name_zh);
  assert.deepEqual(sv.application.decisions.map((x) => [x.department, x.decision, x.note]), [['police', 'reject', '安保人员不足']]);
  assert.ok(sv.application.decisions[0].decided);
  assert.equal(sv.application.decisions[0].department_name_zh, '公安');
  assert.equal(sv.application.name_zh, '酒吧演艺活动审批');
  assert.deepEqual(sv.application.materials.map((x) => [x.id, x.name_zh]),
    [['plan', '活动方案'], ['safety_plan', '安全保障方案'], ['license', '营业执照']]);

  // who may read the materials: the deciding departments and the desk; not
  // another department, nor a viewer of the street (who may read the order)
  const url = sv.application.materials.find((x) => x.id === 'safety_plan').url;
  assert.equal(url, `/api/v1/applications/${a.order}/materials/safety_plan`);
  const raw = await fetch(w.base + url, { headers: { Cookie: await w.u('ct') } });
  assert.equal(raw.headers.get('content-type'), 'image/png');
  assert.deepEqual(Buffer.from(await raw.arrayBuffer()), PNG);
  assert.equal((await w.call('disp', 'GET', url)).status, 200);
  assert.equal((await w.call('um', 'GET', url)).status, 403);
  assert.equal((await w.call('um', 'GET', `/api/v1/applications/${a.order}`)).status, 403);
  assert.equal((await w.ok('viewer', 'GET', `/api/v1/orders/${a.order}`)).order.id, a.order, 'the viewer reads the order');
  const v = await w.call('viewer', 'GET', `/api/v1/applications/${a.order}`);
  assert.equal(v.status, 403, show(v));
  assert.equal((await w.call('viewer', 'GET', url)).status, 403);
});

test('the application carries the enterprise as registered, not the name the applicant typed', async () => {
  const oe = await w.ok('admin', 'GET', `/api/v1/entities/${other.entity}`);
  const oent = oe.entity ?? oe;
  const r = await apply({ code: other.token, matter: MATTER, form,
    applicant: { name: '赵经理', phone: oent.attrs.contact_phone, company: '随便写的公司名' } });
  assert.equal(r.status, 201, show(r));
  const o = (await w.order(r.json.application.order)).order;
  assert.ok(o.description.includes(oent.name_zh), o.description);
  assert.ok(!o.description.includes('随便写的公司名'), o.description);
  const sv = await w.ok('admin', 'GET', `/api/v1/applications/${r.json.application.order}`);
  assert.equal(sv.application.applicant.company, oent.name_zh);
});

test('the contact phone must be the enterprise\'s registered one (403 naming applicant.phone), and nothing is made', async () => {
  const before = await orderCount();
  const r = await apply({ code: ent.token, matter: MATTER, applicant: { name: '王经理', phone: '13900000000' }, form });
  assert.equal(r.status, 403, show(r));
  assert.equal(r.json.error.field, 'applicant.phone');
  // another enterprise's contact is not this one's
  const otherEnt = await w.ok('admin', 'GET', `/api/v1/entities/${other.entity}`);
  const otherPhone = (otherEnt.entity ?? otherEnt).attrs.contact_phone;
  const r2 = await apply({ code: ent.token, matter: MATTER, applicant: { name: '王经理', phone: otherPhone }, form });
  assert.equal(r2.status, 403, show(r2));
  assert.equal(await orderCount(), before);
});

test('unknown, revoked and customer codes are refused like the scan routes', async () => {
  const before = await orderCount();
  let r = await apply({ code: 'AAAAAAAAAAAAAAAAAAAAAA', matter: MATTER, applicant: applicant(), form });
  assert.equal(r.status, 404, show(r));
  assert.equal(r.json.error.field, 'code');
  r = await apply({ code: 42, matter: MATTER, applicant: applicant(), form });
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json.error.field, 'code');
  const venue = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes[0];
  r = await apply({ code: venue.token, matter: MATTER, applicant: applicant(), form });
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json.error.field, 'code');
  // the third enterprise's code, revoked
  const gone = codes[2];
  const goneEnt = await w.ok('admin', 'GET', `/api/v1/entities/${gone.entity}`);
  await w.ok('admin', 'POST', `/api/v1/codes/${gone.id}/revoke`, {});
  r = await apply({ code: gone.token, matter: MATTER,
    applicant: { name: '李', phone: (goneEnt.entity ?? goneEnt).attrs.contact_phone }, form });
  assert.equal(r.status, 410, show(r));
  assert.equal(r.json.error.code, 'code_revoked');
  assert.equal(r.json.error.field, 'code');
  assert.equal(await orderCount(), before);
});

test('only application matters that enterprise codes offer are taken (400 naming matter)', async () => {
  const before = await orderCount();
  // joint_parcel_three_certs is an application for the online and staff channels only
  let r = await apply({ code: ent.token, matter: 'joint_parcel_three_certs', applicant: applicant(),
    form: { company: 'x', parcel: 'GS-1', location: 'y' } });
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json.error.field, 'matter');
  assert.match(r.json.error.message, /enterprise code/);
  // an enterprise-code matter that is not an application
  r = await apply({ code: ent.token, matter: 'fire_safety_inspection', applicant: applicant(), form: {} });
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json.error.field, 'matter');
  // an enterprise-code application of the park: not offered in Xintiandi
  r = await apply({ code: ent.token, matter: 'park_company_change', applicant: applicant(), form: {} });
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json.error.field, 'matter');
  assert.equal(await orderCount(), before);
  // without a code the same matter is still an online application
  r = await apply({ matter: MATTER, applicant: { name: '张三', phone: '13800001111', company: '某酒吧' }, form });
  assert.equal(r.status, 201, show(r));
  const o = (await w.order(r.json.application.order)).order;
  assert.equal(o.channel, 'online');
  assert.equal(o.region, 'gongshu');
  assert.equal(o.entity, null);
});

test('the code\'s report route refuses application matters and names the applications route', async () => {
  const before = await orderCount();
  const r = await w.api('POST', `/api/public/codes/${ent.token}/reports`,
    { body: { matter: MATTER, fields: form, contact_phone: entity.attrs.contact_phone } });
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json.error.field, 'matter');
  assert.match(r.json.error.message, /POST \/api\/public\/applications/);
  assert.match(r.json.error.message, /"code"/);
  assert.equal(await orderCount(), before);
  // the scan document carries the material size cap for the page's check
  const doc = await w.api('GET', `/api/public/codes/${ent.token}`);
  assert.equal(doc.json.limits.material_bytes, 10 * 1024 * 1024);
});
