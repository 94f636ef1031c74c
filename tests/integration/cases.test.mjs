// Case files (个案, 心花绽放): a caseworker of 区人社局 opens a file, adds
// contacts, services and outcomes; the file's personal data is seen only by
// that department's caseworkers and admins, and every read is audited; a
// leader sees only the counts; a quiet file becomes a follow-up task (a
// work order dispatched to the department). One server for the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, GONGSHU_PACK, show } from './harness.mjs';

const WORKER = { name: 'hr_worker', password: 'hr-worker-pass-01', department: 'hr_social' };
const OTHER = { name: 'police_officer', password: 'police-pass-0001', department: 'police' };

let w;
const ck = {};
before(async () => {
  process.env.ZZ_TEST_CLOCK = '1';
  w = await createWorld({ pack: GONGSHU_PACK, sources: [], start: false });
  for (const u of [WORKER, OTHER]) {
    const r = w.run(['user', 'add', u.name, '--role', 'officer', '--department', u.department, '--password-stdin'], { input: u.password + '\n' });
    if (r.status !== 0) throw new Error(`user add ${u.name}: ${r.stderr}`);
  }
  await w.start();
  ck.worker = await w.login(WORKER.name, WORKER.password);
  ck.other = await w.login(OTHER.name, OTHER.password);
  ck.admin = await w.as('admin');
  ck.viewer = await w.as('viewer');
});
after(async () => { await w?.close(); delete process.env.ZZ_TEST_CLOCK; });

const mother = {
  name: '王丽娟', phone: '13805712345', street: 'gongshu/dongxin', community: '东新园社区',
  intention: 'startup', address: '东新路 88 号 3 幢', id_number: '330105198801011234',
  skills: ['电商运营', '摄影'], hours: '9:30-15:00', childcare: '孩子上幼儿园，下午 3 点接',
};

let caseId;

test('a caseworker opens a file and builds its timeline; the outcome counts in the statistics', async () => {
  const p = await w.api('GET', '/api/v1/case-programs', { cookie: ck.viewer });
  assert.equal(p.status, 200, show(p));
  assert.equal(p.json.programs[0].name_zh, '心花绽放');
  const c = await w.api('POST', '/api/v1/cases', { cookie: ck.worker, body: mother });
  assert.equal(c.status, 201, show(c));
  caseId = c.json.id;
  const add = (body) => w.api('POST', `/api/v1/cases/${caseId}/entries`, { cookie: ck.worker, body });
  let r = await add({ class: 'service', kind: 'policy_loan', note: '讲解创业担保贷款' });
  assert.equal(r.status, 201, show(r));
  r = await add({ class: 'outcome', kind: 'business', jobs: 2, note: '开网店，带动两位全职妈妈就业', next_follow: '2030-01-01' });
  assert.equal(r.status, 201, show(r));
  // a kind the programme does not have, and jobs on an outcome without jobs
  r = await add({ class: 'service', kind: 'haircut' });
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json.error.field, 'kind');
  r = await add({ class: 'outcome', kind: 'employed', jobs: 3 });
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json.error.field, 'jobs');
  const bad = await w.api('POST', '/api/v1/cases', { cookie: ck.worker, body: { ...mother, phone: '12345' } });
  assert.equal(bad.status, 400, show(bad));
  assert.equal(bad.json.error.field, 'phone');

  const f = await w.api('GET', `/api/v1/cases/${caseId}`, { cookie: ck.worker });
  assert.equal(f.status, 200, show(f));
  const file = f.json.case;
  assert.equal(file.phone, mother.phone);
  assert.equal(file.id_number, mother.id_number);
  assert.equal(file.outcome, 'business');
  assert.equal(file.jobs, 2);
  assert.deepEqual(file.timeline.map((e) => `${e.class}/${e.kind}`), ['contact/intake', 'service/policy_loan', 'outcome/business']);
  assert.equal(file.profile.childcare, mother.childcare);

  const s = await w.api('GET', '/api/v1/cases/stats', { cookie: ck.viewer });
  assert.equal(s.status, 200, show(s));
  assert.equal(s.json.cases, 1);
  assert.equal(s.json.businesses, 1);
  assert.equal(s.json.jobs_created, 2);
  assert.deepEqual(s.json.by_intention, [{ key: 'startup', name_zh: '自主创业', name_en: 'Wants to start a business', n: 1, jobs: 2 }]);
  assert.equal(s.json.by_street[0].key, 'gongshu/dongxin');
  assert.ok(!JSON.stringify(s.json).includes(mother.name), 'the statistics name nobody');
});

test('personal data: only the owning department and admins; every read is audited', async () => {
  for (const who of ['other', 'viewer']) {
    const r = await w.api('GET', `/api/v1/cases/${caseId}`, { cookie: ck[who] });
    assert.equal(r.status, 403, `${who}: ${show(r)}`);
    assert.ok(!r.text.includes(mother.name));
    const l = await w.api('GET', '/api/v1/cases', { cookie: ck[who] });
    assert.equal(l.status, 403, `${who}: ${show(l)}`);
    const x = await w.api('GET', '/api/v1/cases/export', { cookie: ck[who] });
    assert.equal(x.status, 403, `${who}: ${show(x)}`);
    const e = await w.api('POST', `/api/v1/cases/${caseId}/entries`, { cookie: ck[who], body: { class: 'contact', kind: 'phone' } });
    assert.equal(e.status, 403, `${who}: ${show(e)}`);
  }
  const l = await w.api('GET', '/api/v1/cases?q=' + encodeURIComponent('王丽'), { cookie: ck.worker });
  assert.equal(l.status, 200, show(l));
  assert.equal(l.json.total, 1);
  assert.equal(l.json.cases[0].phone, '138****2345', 'the list masks the phone');
  const a = await w.api('GET', `/api/v1/cases/${caseId}`, { cookie: ck.admin });
  assert.equal(a.status, 200, show(a));
  const x = await w.api('GET', '/api/v1/cases/export', { cookie: ck.worker });
  assert.equal(x.status, 200, show(x));
  assert.match(x.headers.get('content-type'), /text\/csv/);
  assert.ok(x.text.includes(mother.name) && x.text.includes(mother.phone));
  const au = await w.api('GET', '/api/v1/audit?action=case&limit=50', { cookie: ck.admin });
  assert.equal(au.status, 200, show(au));
  const rows = au.json.audit;
  const reads = rows.filter((r) => r.action === 'case.read' && r.target === `case/${caseId}`).map((r) => r.actor);
  assert.deepEqual(reads.sort(), ['admin', WORKER.name].sort()); // the worker's read in the first test, the admin's here
  assert.ok(rows.some((r) => r.action === 'case.export' && r.actor === WORKER.name));
  assert.ok(rows.some((r) => r.action === 'case.list' && r.actor === WORKER.name));
  assert.ok(!rows.some((r) => r.actor === OTHER.name || r.actor === 'viewer_dx'), 'refused reads read nothing');
});

test('a quiet file becomes a follow-up task for the department; a contact ends it', async () => {
  const now = Date.now();
  const c = await w.api('POST', '/api/v1/cases', { cookie: ck.worker,
    body: { ...mother, name: '李晓敏', phone: '13905710000', intention: 'job', created: new Date(now - 40 * 86400e3).toISOString() } });
  assert.equal(c.status, 201, show(c));
  const id = c.json.id;
  // the timer sweeps once a minute: two minutes on, the file is 40 days quiet
  const t = await w.api('POST', '/api/v1/_test/clock', { cookie: ck.admin, body: { now: now + 120e3 } });
  assert.equal(t.status, 200, show(t));
  const f = await w.api('GET', `/api/v1/cases/${id}`, { cookie: ck.worker });
  const order = f.json.case.followup_order;
  assert.ok(order > 0, show(f));
  assert.equal(f.json.case.timeline.at(-1).class, 'task');
  const o = await w.api('GET', `/api/v1/orders/${order}`, { cookie: ck.worker });
  assert.equal(o.status, 200, show(o));
  const ord = o.json.order || o.json;
  assert.equal(ord.matter, 'case_followup');
  assert.equal(ord.state, 'dispatched');
  assert.ok(!JSON.stringify(o.json).includes('李晓敏'), 'the order names the case number only');
  // the first file had a contact today: no task for it
  const first = await w.api('GET', `/api/v1/cases/${caseId}`, { cookie: ck.worker });
  assert.equal(first.json.case.followup_order, null);
  // a contact clears the task; the next sweep opens none
  const r = await w.api('POST', `/api/v1/cases/${id}/entries`, { cookie: ck.worker, body: { class: 'contact', kind: 'phone' } });
  assert.equal(r.status, 201, show(r));
  const t2 = await w.api('POST', '/api/v1/_test/clock', { cookie: ck.admin, body: { advance_minutes: 4 } });
  assert.equal(t2.status, 200, show(t2));
  const g = await w.api('GET', `/api/v1/cases/${id}`, { cookie: ck.worker });
  assert.equal(g.json.case.followup_order, null, show(g));
});

// ---- activities: attendance by scanning the activity's code ----

const publicApi = (method, p, body) => w.api(method, p, body === undefined ? {} : { body });

test('check-in by code: the right phone checks in once, a wrong one is refused, and nobody learns who anyone is', async () => {
  // a second mother, and a file of someone whose phone a stranger might know
  const c2 = await w.api('POST', '/api/v1/cases', { cookie: ck.worker, body: { ...mother, name: '楼佳怡', phone: '13705710303', intention: 'job' } });
  assert.equal(c2.status, 201, show(c2));
  const second = c2.json.id;
  const a = await w.api('POST', '/api/v1/case-activities', { cookie: ck.worker,
    body: { kind: 'growth_month', title: '成长互助月分享会（东新）', ts: new Date().toISOString(), place: '东新街道社区服务中心', street: 'gongshu/dongxin' } });
  assert.equal(a.status, 201, show(a));
  const act = a.json.id;
  // the caseworker's page: the code and an empty attendance
  let d = await w.api('GET', `/api/v1/case-activities/${act}`, { cookie: ck.worker });
  assert.equal(d.status, 200, show(d));
  const token = d.json.activity.token;
  assert.match(token, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(d.json.activity.checkin_path, `/m/k/${token}`);
  assert.deepEqual(d.json.attendance, []);
  // the operator's codes page lists it as an activity code with its check-in URL
  const codes = await w.api('GET', '/api/v1/codes?kind=activity', { cookie: ck.admin });
  assert.equal(codes.status, 200, show(codes));
  const code = codes.json.codes.find((k) => k.token === token);
  assert.ok(code, show(codes));
  assert.equal(code.entity, `cs_activity/${act}`);
  assert.match(code.url, new RegExp(`/m/k/${token}$`));
  // the phone page: what the activity is, nothing of anyone
  const info = await publicApi('GET', `/api/public/checkin/${token}`);
  assert.equal(info.status, 200, show(info));
  assert.equal(info.json.activity.title, '成长互助月分享会（东新）');
  assert.equal(info.json.activity.program.name_zh, '心花绽放');
  const page = await publicApi('GET', `/m/k/${token}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /checkin\.js/);

  // the right phone, written as people write it
  let r = await publicApi('POST', `/api/public/checkin/${token}`, { phone: '138-0571-2345' });
  assert.equal(r.status, 201, show(r));
  assert.deepEqual(r.json, { checked_in: true, already: false });
  r = await publicApi('POST', `/api/public/checkin/${token}`, { phone: '+86 13805712345' });
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(r.json, { checked_in: true, already: true }, 'a second scan checks in once');
  // a number on no file, and something that is no mobile number
  r = await publicApi('POST', `/api/public/checkin/${token}`, { phone: '13800000000' });
  assert.equal(r.status, 404, show(r));
  assert.equal(r.json.error.field, 'phone');
  assert.match(r.json.error.message_zh || '', /项目/);
  r = await publicApi('POST', `/api/public/checkin/${token}`, { phone: '12345' });
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json.error.field, 'phone');
  // someone else's phone: the answer is the same bare "checked in" and
  // names nobody; the attendance is hers, on her timeline, not the scanner's
  r = await publicApi('POST', `/api/public/checkin/${token}`, { phone: '13705710303' });
  assert.equal(r.status, 201, show(r));
  assert.deepEqual(r.json, { checked_in: true, already: false });
  for (const x of [info, r]) for (const secret of ['楼佳怡', '王丽娟', '13705710303', '13805712345', 'case']) assert.ok(!x.text.includes(secret), `${secret} in ${x.text}`);

  // the caseworker sees both, by name, with masked phones, in the order they came
  d = await w.api('GET', `/api/v1/case-activities/${act}`, { cookie: ck.worker });
  assert.deepEqual(d.json.attendance.map((x) => [x.case, x.name, x.phone]), [[caseId, '王丽娟', '138****2345'], [second, '楼佳怡', '137****0303']]);
  assert.equal(d.json.activity.attendance, 2);
  const list = await w.api('GET', '/api/v1/case-activities', { cookie: ck.worker });
  assert.equal(list.json.activities.find((x) => x.id === act).attendance, 2);
  assert.ok(!list.text.includes('王丽娟'), 'the list of activities names nobody');
  // each attendance is an activity entry on that mother's timeline
  for (const id of [caseId, second]) {
    const f = await w.api('GET', `/api/v1/cases/${id}`, { cookie: ck.worker });
    const e = f.json.case.timeline.filter((x) => x.ref === `activity/${act}`);
    assert.equal(e.length, 1, show(f));
    assert.equal(e[0].class, 'activity');
    assert.equal(e[0].kind, 'growth_month');
    assert.equal(e[0].actor, 'checkin');
  }
  const s = await w.api('GET', '/api/v1/cases/stats', { cookie: ck.viewer });
  assert.equal(s.json.activities.find((x) => x.key === 'growth_month').n, 2);
  // another department, a leader: not the attendance
  for (const who of ['other', 'viewer']) {
    const x = await w.api('GET', `/api/v1/case-activities/${act}`, { cookie: ck[who] });
    assert.equal(x.status, 403, `${who}: ${show(x)}`);
    assert.ok(!x.text.includes('王丽娟'));
    const y = await w.api('POST', '/api/v1/case-activities', { cookie: ck[who], body: { kind: 'salon', title: 'x', ts: new Date().toISOString() } });
    assert.equal(y.status, 403, `${who}: ${show(y)}`);
  }
  const au = await w.api('GET', '/api/v1/audit?action=case.attendance&limit=50', { cookie: ck.admin });
  assert.ok(au.json.audit.some((x) => x.actor === WORKER.name && x.target === `case_activity/${act}`), show(au));
  // bad activities name the field
  const bad = await w.api('POST', '/api/v1/case-activities', { cookie: ck.worker, body: { kind: 'karaoke', title: 'x', ts: new Date().toISOString(), street: 'gongshu/dongxin' } });
  assert.equal(bad.status, 400, show(bad));
  assert.equal(bad.json.error.field, 'kind');
  // an unknown token, and the code once the operator revoked it
  r = await publicApi('POST', '/api/public/checkin/AAAAAAAAAAAAAAAAAAAAAA', { phone: '13805712345' });
  assert.equal(r.status, 404, show(r));
  assert.equal(r.json.error.field, 'token');
  const rv = await w.api('POST', `/api/v1/codes/${code.id}/revoke`, { cookie: ck.admin });
  assert.equal(rv.status, 200, show(rv));
  r = await publicApi('POST', `/api/public/checkin/${token}`, { phone: '13805712345' });
  assert.equal(r.status, 404, show(r));
  assert.match(r.json.error.message, /no longer in use/);
});

// ---- policy applications through the applications flow ----

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

test('a caseworker starts a start-up subsidy application; its progress shows on the timeline', async () => {
  const start = (cookie, body) => w.api('POST', `/api/v1/cases/${caseId}/applications`, { cookie, body });
  // a matter the programme does not offer, a form field missing, another department
  let r = await start(ck.worker, { matter: 'park_startup_loan' });
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json.error.field, 'matter');
  r = await start(ck.worker, { matter: 'startup_insurance_subsidy', form: { business_name: '丽娟母婴网店' } });
  assert.equal(r.status, 400, show(r));
  assert.match(r.json.error.field, /started/);
  r = await start(ck.other, { matter: 'startup_insurance_subsidy', form: { business_name: 'x', started: '2021-05-01' } });
  assert.equal(r.status, 403, show(r));
  let f = await w.api('GET', `/api/v1/cases/${caseId}`, { cookie: ck.worker });
  assert.ok(!f.json.case.timeline.some((e) => e.class === 'application'), 'a refused application leaves no entry');

  r = await start(ck.worker, { matter: 'startup_insurance_subsidy', form: { business_name: '丽娟母婴网店', started: '2021-05-01' }, note: '已开业三个月' });
  assert.equal(r.status, 201, show(r));
  const { number, order, page_url: pageUrl } = r.json.application;
  assert.equal(pageUrl, `/m/a/${number}`);
  const entry = async () => {
    const g = await w.api('GET', `/api/v1/cases/${caseId}`, { cookie: ck.worker });
    return g.json.case.timeline.find((e) => e.class === 'application' && e.ref === number);
  };
  let e = await entry();
  assert.equal(e.kind, 'startup_insurance_subsidy');
  assert.equal(e.note, '已开业三个月');
  assert.equal(e.progress.status, 'awaiting_materials');
  // the application is hers: her name and phone, filed by the caseworker
  const sv = await w.api('GET', `/api/v1/applications/${order}`, { cookie: ck.admin });
  assert.equal(sv.status, 200, show(sv));
  assert.equal(sv.json.application.applicant.name, mother.name);
  assert.equal(sv.json.application.applicant.phone, mother.phone);
  // she uploads the materials on her phone; the department decides
  for (const m of ['id_card', 'business_licence', 'insurance_record']) {
    const u = await w.api('PUT', `/api/public/applications/${number}/materials/${m}`, { body: PDF, headers: { 'Content-Type': 'application/octet-stream' } });
    assert.equal(u.status, 201, show(u));
  }
  e = await entry();
  assert.equal(e.progress.status, 'in_review');
  // a joint application: the HR bureau's part and the medical insurance bureau's
  const o = await w.api('GET', `/api/v1/orders/${order}`, { cookie: ck.admin });
  const part = (dept) => o.json.sub_orders.find((s) => s.department === dept);
  let dcs = await w.api('POST', `/api/v1/orders/${part('hr_social').id}/decision`, { cookie: ck.worker, body: { decision: 'approve', note: '符合创业社保补贴条件' } });
  assert.equal(dcs.status, 201, show(dcs));
  e = await entry();
  assert.equal(e.progress.status, 'in_review');
  assert.equal(e.progress.steps.find((x) => x.department === 'hr_social').decision, 'approve');
  dcs = await w.api('POST', `/api/v1/orders/${part('medical_insurance').id}/decision`, { cookie: ck.admin, body: { decision: 'approve', note: '缴费记录核验无误' } });
  assert.equal(dcs.status, 201, show(dcs));
  e = await entry();
  assert.equal(e.progress.status, 'done');
  assert.equal(e.progress.outcome, 'approved');
  // the counts see the application by its kind, never its number
  const s = await w.api('GET', '/api/v1/cases/stats', { cookie: ck.viewer });
  assert.ok(!JSON.stringify(s.json).includes(number));
});
