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
  assert.deepEqual(s.json.by_intention, [{ key: 'startup', n: 1, jobs: 2 }]);
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
