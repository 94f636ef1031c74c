// admin.test.mjs - the API behind the /admin screens (issue 12): the user
// list, changing a user's role, department and scope, ending its sessions,
// departments added and renamed, the audit's filters, and the read-only
// rule preview; each with its refusals (viewer, officer, dispatcher, scoped
// admin), bad input naming the field, and the audit rows written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { errorOf, show, iso, GONGSHU_PACK } from './harness.mjs';
import { dispatchWorld, minuteNow, MIN } from './lib/dispatch.mjs';

let w;
let t;
const PARK = 'gongshu/kejipark';

before(async () => {
  w = await dispatchWorld();
  t = minuteNow();
  await w.at(t);
  // a scoped admin, made through the API it is then refused by
  await w.ok('admin', 'POST', '/api/v1/users',
    { name: 'adm_kj', role: 'admin', scope: PARK, password: 'admkj-pass-001' }, 201);
  w.staff.adm_kj = await w.login('adm_kj', 'admkj-pass-001');
});
after(async () => { await w?.close(); });

/** Asserts a refusal: status and the error's field. */
async function refused(who, method, p, body, status, field) {
  const r = await w.call(who, method, p, body);
  assert.equal(r.status, status, `${method} ${p} as ${who}: ${show(r)}`);
  const e = errorOf(r);
  if (field !== undefined) assert.equal(e.field, field, show(r));
  return e;
}

async function auditOf(action, target) {
  const rows = (await w.ok('admin', 'GET', `/api/v1/audit?action=${action}&limit=1000`)).audit;
  return rows.filter((a) => !target || a.target === target);
}

test('GET /api/v1/users lists every account with its sessions, for unscoped admins only', async () => {
  const users = (await w.ok('admin', 'GET', '/api/v1/users')).users;
  const by = Object.fromEntries(users.map((u) => [u.name, u]));
  assert.equal(by.um.role, 'officer');
  assert.equal(by.um.department, 'urban_mgmt');
  assert.equal(by.adm_kj.scope, PARK);
  assert.equal(by.admin.scope, null);
  assert.equal(by.admin.disabled, false);
  assert.ok(by.admin.sessions >= 1, show({ status: 0, text: JSON.stringify(by.admin) }));
  assert.ok(users.every((u) => !('pwhash' in u) && !('password' in u)));
  assert.deepEqual(users.map((u) => u.name), [...users.map((u) => u.name)].sort());
  await refused('viewer', 'GET', '/api/v1/users', undefined, 403);
  await refused('um', 'GET', '/api/v1/users', undefined, 403);
  await refused('disp', 'GET', '/api/v1/users', undefined, 403);
  await refused('adm_kj', 'GET', '/api/v1/users', undefined, 403, 'scope');
});

test('PUT /api/v1/users/NAME changes role, department and scope, audited with the old values', async () => {
  await w.ok('admin', 'POST', '/api/v1/users',
    { name: 'li_admin', role: 'viewer', password: 'li-first-pass' }, 201);
  const li = await w.login('li_admin', 'li-first-pass');
  let j = await w.ok('admin', 'PUT', '/api/v1/users/li_admin',
    { role: 'officer', department: 'fire', scope: 'gongshu/dongxin' });
  assert.deepEqual([j.user.role, j.user.department, j.user.scope], ['officer', 'fire', 'gongshu/dongxin']);
  // the session goes on, with the new role at once
  const me = await w.api('GET', '/api/v1/me', { cookie: li });
  assert.equal(me.status, 200, show(me));
  assert.equal(me.json.user.role, 'officer');
  assert.equal(me.json.user.department, 'fire');
  const rows = await auditOf('user.update', 'li_admin');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].actor, 'admin');
  assert.deepEqual(rows[0].detail, { role: 'officer', department: 'fire', scope: 'gongshu/dongxin',
    was: { role: 'viewer', department: null, scope: null } });
  // none again: department and scope left out
  j = await w.ok('admin', 'PUT', '/api/v1/users/li_admin', { role: 'dispatcher' });
  assert.deepEqual([j.user.role, j.user.department, j.user.scope], ['dispatcher', null, null]);
  // bad input names the field; nothing changes
  await refused('admin', 'PUT', '/api/v1/users/li_admin', { role: 'king' }, 400, 'role');
  await refused('admin', 'PUT', '/api/v1/users/li_admin', { role: 'officer', department: 'nope' }, 400, 'department');
  await refused('admin', 'PUT', '/api/v1/users/li_admin', { role: 'viewer', scope: 'gongshu/nowhere' }, 400, 'scope');
  await refused('admin', 'PUT', '/api/v1/users/li_admin', {}, 400, 'role');
  await refused('admin', 'PUT', '/api/v1/users/nobody_here', { role: 'viewer' }, 404, 'name');
  // nobody narrows their own account
  await refused('admin', 'PUT', '/api/v1/users/admin', { role: 'viewer' }, 409, 'role');
  await refused('admin', 'PUT', '/api/v1/users/admin', { role: 'admin', scope: PARK }, 409, 'scope');
  assert.equal((await auditOf('user.update', 'li_admin')).length, 2);
  // refusals
  for (const who of ['viewer', 'um', 'disp']) await refused(who, 'PUT', '/api/v1/users/li_admin', { role: 'admin' }, 403);
  await refused('adm_kj', 'PUT', '/api/v1/users/li_admin', { role: 'admin' }, 403, 'scope');
  const after = (await w.ok('admin', 'GET', '/api/v1/users')).users.find((u) => u.name === 'li_admin');
  assert.equal(after.role, 'dispatcher');
});

test('DELETE /api/v1/users/NAME/sessions ends them all, audited; the user may log in again', async () => {
  await w.ok('admin', 'POST', '/api/v1/users', { name: 'wang_s', role: 'viewer', password: 'wang-first-pass' }, 201);
  const c1 = await w.login('wang_s', 'wang-first-pass');
  const c2 = await w.login('wang_s', 'wang-first-pass');
  let u = (await w.ok('admin', 'GET', '/api/v1/users')).users.find((x) => x.name === 'wang_s');
  assert.equal(u.sessions, 2);
  for (const who of ['viewer', 'um', 'disp']) await refused(who, 'DELETE', '/api/v1/users/wang_s/sessions', undefined, 403);
  await refused('adm_kj', 'DELETE', '/api/v1/users/wang_s/sessions', undefined, 403, 'scope');
  assert.equal((await w.api('GET', '/api/v1/me', { cookie: c1 })).status, 200, 'refusals end nothing');
  const j = await w.ok('admin', 'DELETE', '/api/v1/users/wang_s/sessions');
  assert.deepEqual(j, { user: 'wang_s', sessions_ended: 2 });
  assert.equal((await w.api('GET', '/api/v1/me', { cookie: c1 })).status, 401);
  assert.equal((await w.api('GET', '/api/v1/me', { cookie: c2 })).status, 401);
  u = (await w.ok('admin', 'GET', '/api/v1/users')).users.find((x) => x.name === 'wang_s');
  assert.equal(u.sessions, 0);
  assert.equal(u.disabled, false);
  await w.login('wang_s', 'wang-first-pass');
  const rows = await auditOf('user.sessions_end', 'wang_s');
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].detail, { sessions: 2 });
  await refused('admin', 'DELETE', '/api/v1/users/nobody_here/sessions', undefined, 404, 'name');
});

test('PUT /api/v1/departments/ID adds and renames a department, audited; others refused', async () => {
  const body = { name_zh: '数据资源局', name_en: 'Data resources bureau' };
  for (const who of ['viewer', 'um', 'disp']) await refused(who, 'PUT', '/api/v1/departments/data_bureau', body, 403);
  await refused('adm_kj', 'PUT', '/api/v1/departments/data_bureau', body, 403, 'id');
  let j = await w.ok('admin', 'PUT', '/api/v1/departments/data_bureau', body, 201);
  assert.deepEqual(j.department, { id: 'data_bureau', ...body });
  j = await w.ok('admin', 'PUT', '/api/v1/departments/data_bureau', { name_zh: '数据局', name_en: 'Data bureau' });
  assert.equal(j.department.name_zh, '数据局');
  const list = (await w.ok('viewer', 'GET', '/api/v1/departments')).departments;
  assert.deepEqual(list.find((d) => d.id === 'data_bureau'), { id: 'data_bureau', name_zh: '数据局', name_en: 'Data bureau' });
  // a user may belong to it at once
  await w.ok('admin', 'POST', '/api/v1/users',
    { name: 'zhao_data', role: 'officer', department: 'data_bureau', password: 'zhao-first-pass' }, 201);
  await refused('admin', 'PUT', '/api/v1/departments/Data-Bureau', body, 400, 'id');
  await refused('admin', 'PUT', '/api/v1/departments/data_bureau', { name_en: 'x' }, 400, 'name_zh');
  await refused('admin', 'PUT', '/api/v1/departments/data_bureau', { name_zh: '', name_en: 'x' }, 400, 'name_zh');
  await refused('admin', 'PUT', '/api/v1/departments/data_bureau', { ...body, id: 'other' }, 400, 'id');
  assert.equal((await auditOf('department.create', 'data_bureau')).length, 1);
  const up = await auditOf('department.update', 'data_bureau');
  assert.equal(up.length, 1);
  assert.deepEqual(up[0].detail, { name_zh: '数据局', name_en: 'Data bureau' });
  // the pack's departments keep what the pack gave them beside the names
  await w.ok('admin', 'PUT', '/api/v1/departments/fire', { name_zh: '消防救援', name_en: 'Fire and rescue' });
  const fire = (await w.ok('viewer', 'GET', '/api/v1/departments')).departments.find((d) => d.id === 'fire');
  assert.equal(fire.name_zh, '消防救援');
  assert.deepEqual(fire.team, { id: 'linkage', name_zh: '综合联动队伍', name_en: 'Linkage team' }, 'still in the linkage team');
});

test('GET /api/v1/audit filters by action, actor, date range and text', async () => {
  await w.ok('admin', 'POST', '/api/v1/rules/xtd_crowd_limit/disable');
  await w.ok('admin', 'POST', '/api/v1/rules/xtd_crowd_limit/enable');
  const all = (await w.ok('admin', 'GET', '/api/v1/audit?limit=1000')).audit;
  assert.ok(all.length >= 8, `${all.length} rows`);
  // action: exact, or a family ("user" = user.*)
  let rows = (await w.ok('admin', 'GET', '/api/v1/audit?action=rule.disable')).audit;
  assert.ok(rows.length >= 1 && rows.every((a) => a.action === 'rule.disable'));
  rows = (await w.ok('admin', 'GET', '/api/v1/audit?action=user&limit=1000')).audit;
  assert.ok(rows.some((a) => a.action === 'user.create') && rows.some((a) => a.action === 'user.update'));
  assert.ok(rows.every((a) => a.action.startsWith('user.')));
  assert.equal(rows.length, all.filter((a) => a.action.startsWith('user.')).length);
  // actor
  rows = (await w.ok('admin', 'GET', '/api/v1/audit?actor=admin&limit=1000')).audit;
  assert.equal(rows.length, all.filter((a) => a.actor === 'admin').length);
  assert.equal((await w.ok('admin', 'GET', '/api/v1/audit?actor=nobody')).audit.length, 0);
  // text: target, action or detail, any case
  rows = (await w.ok('admin', 'GET', '/api/v1/audit?q=DATA_BUREAU&limit=1000')).audit;
  assert.ok(rows.length >= 2 && rows.every((a) => JSON.stringify(a).toLowerCase().includes('data_bureau')), JSON.stringify(rows));
  rows = (await w.ok('admin', 'GET', `/api/v1/audit?q=${encodeURIComponent('数据局')}`)).audit;
  assert.ok(rows.some((a) => a.action === 'department.update'));
  // date range: what the API made happened at the pinned clock t (the
  // CLI's rows, before the pin, at the real time around it)
  const at = (a) => Date.parse(a.ts);
  const fromT = (await w.ok('admin', 'GET', `/api/v1/audit?from=${encodeURIComponent(iso(t))}&limit=1000`)).audit;
  assert.equal(fromT.length, all.filter((a) => at(a) >= t).length);
  assert.ok(fromT.some((a) => a.action === 'department.update'));
  const beforeT = (await w.ok('admin', 'GET', `/api/v1/audit?to=${encodeURIComponent(iso(t))}&limit=1000`)).audit;
  assert.deepEqual(beforeT.map((a) => a.id), all.filter((a) => at(a) < t).map((a) => a.id));
  assert.ok(beforeT.every((a) => a.action === 'user.save'), 'only the CLI wrote before the pin');
  const later = Math.max(...all.map(at)) + 1;
  assert.equal((await w.ok('admin', 'GET', `/api/v1/audit?from=${later}`)).audit.length, 0);
  // combined, and paged with the cursor
  const one = await w.ok('admin', 'GET', '/api/v1/audit?action=user&actor=admin&limit=1');
  assert.equal(one.audit.length, 1);
  assert.ok(one.next_cursor);
  const two = await w.ok('admin', 'GET', `/api/v1/audit?action=user&actor=admin&limit=1&cursor=${one.next_cursor}`);
  assert.equal(two.audit[0].action.split('.')[0], 'user');
  assert.ok(two.audit[0].id < one.audit[0].id);
  // bad input names the parameter
  await refused('admin', 'GET', '/api/v1/audit?from=yesterday', undefined, 400, 'from');
  await refused('admin', 'GET', `/api/v1/audit?from=${t}&to=${t}`, undefined, 400, 'from');
  await refused('admin', 'GET', `/api/v1/audit?q=${'x'.repeat(201)}`, undefined, 400, 'q');
  // a scoped admin: its own rows only, whatever it asks for
  await w.ok('adm_kj', 'POST', '/api/v1/rules', { id: 'kj_noise', name_zh: '园区噪声', name_en: 'Park noise', kind: 'threshold',
    metric: 'noise_db', region: PARK, severity: 'info', condition: { op: 'above', value: 90 } }, 201);
  rows = (await w.ok('adm_kj', 'GET', '/api/v1/audit?limit=1000')).audit;
  assert.ok(rows.length >= 1 && rows.every((a) => a.actor === 'adm_kj'), JSON.stringify(rows));
  assert.equal((await w.ok('adm_kj', 'GET', '/api/v1/audit?actor=admin')).audit.length, 0);
  for (const who of ['viewer', 'um', 'disp']) await refused(who, 'GET', '/api/v1/audit', undefined, 403);
});

test('POST /api/v1/rules/preview: what a rule would have raised over the last 24 h, opening nothing', async () => {
  // kp-site-02: PM10 200 for 40 minutes six hours ago, then clean air
  const recs = [];
  for (let m = 0; m <= 40; m += 5) recs.push({ entity: 'kp-site-02', metric: 'pm10', ts: t - 6 * 60 * MIN + m * MIN, value: 200 });
  for (let m = 45; m <= 120; m += 5) recs.push({ entity: 'kp-site-02', metric: 'pm10', ts: t - 6 * 60 * MIN + m * MIN, value: 40 });
  await w.feed('smart_site', recs);
  const alertsBefore = (await w.ok('admin', 'GET', '/api/v1/alerts?limit=1000')).alerts.length;
  const auditBefore = (await w.ok('admin', 'GET', '/api/v1/audit?limit=1000')).audit.length;
  const def = { name_zh: '扬尘预览', name_en: 'Dust preview', kind: 'threshold', metric: 'pm10', entity_type: 'site',
    region: PARK, severity: 'major', condition: { op: 'above', value: 150, for_minutes: 15 } };
  let p = (await w.ok('admin', 'POST', '/api/v1/rules/preview', def)).preview;
  assert.equal(p.rule, 'preview');
  assert.equal(p.to, iso(t));
  assert.equal(p.from, iso(t - 24 * 60 * MIN));
  assert.ok(p.entities >= 1 && p.entities_with_data >= 1 && p.records >= recs.length, JSON.stringify(p));
  const hits = p.hits.filter((h) => h.entity === 'kp-site-02');
  assert.equal(hits.length, 1, JSON.stringify(p));
  assert.equal(hits[0].opened, iso(t - 6 * 60 * MIN + 15 * MIN));
  assert.equal(hits[0].cleared, iso(t - 6 * 60 * MIN + 45 * MIN));
  assert.equal(hits[0].value, 200);
  assert.ok(hits[0].name_zh, 'the entity is named');
  assert.equal(p.alerts, p.hits.length);
  // a higher limit raises nothing; a 1-hour window misses what was 6 hours ago
  p = (await w.ok('admin', 'POST', '/api/v1/rules/preview', { ...def, condition: { op: 'above', value: 250 } })).preview;
  assert.equal(p.hits.filter((h) => h.entity === 'kp-site-02').length, 0);
  p = (await w.ok('admin', 'POST', '/api/v1/rules/preview?hours=1', def)).preview;
  assert.equal(p.hits.filter((h) => h.entity === 'kp-site-02').length, 0);
  // an existing rule's definition, as the admin screen sends it
  const rule = (await w.ok('admin', 'GET', '/api/v1/rules')).rules.find((r) => r.id === 'site_pm10_high');
  p = (await w.ok('admin', 'POST', '/api/v1/rules/preview', rule)).preview;
  assert.equal(p.rule, 'site_pm10_high');
  assert.equal(p.hits.filter((h) => h.entity === 'kp-site-02').length, 1);
  // read-only: no alert, no audit row
  assert.equal((await w.ok('admin', 'GET', '/api/v1/alerts?limit=1000')).alerts.length, alertsBefore);
  assert.equal((await w.ok('admin', 'GET', '/api/v1/audit?limit=1000')).audit.length, auditBefore);
  // bad input names the field, as POST /api/v1/rules does
  await refused('admin', 'POST', '/api/v1/rules/preview', { ...def, condition: { op: 'above', value: 'high' } }, 400, 'condition.value');
  await refused('admin', 'POST', '/api/v1/rules/preview', { ...def, metric: 'no_such_metric' }, 400, 'metric');
  // a count of events (xtd_gate_jam: 3 gate jams in 10 minutes, a 30-minute
  // cooldown) lists what the live engine raised from the same events
  const jam = (entity, ts, kind = 'gate_jam') => ({ entity, kind, ts, data: { queue: 40 } });
  const evs = [jam('xtd-ctr-04', t - 300 * MIN), jam('xtd-ctr-04', t - 296 * MIN), jam('xtd-ctr-04', t - 296 * MIN, 'door_open'),
    jam('xtd-ctr-04', t - 292 * MIN), jam('xtd-ctr-06', t - 150 * MIN), jam('xtd-ctr-06', t - 149 * MIN),
    jam('xtd-ctr-06', t - 148 * MIN), jam('xtd-ctr-06', t - 147 * MIN), jam('xtd-ctr-05', t - 100 * MIN), jam('xtd-ctr-05', t - 95 * MIN)];
  const er = await w.api('POST', '/api/v1/events', { token: w.tokens.wenlv_flow, body: evs.map((x) => JSON.stringify(x)).join('\n') + '\n',
    headers: { 'Content-Type': 'application/x-ndjson' } });
  assert.equal(er.status, 200, show(er));
  await w.clock({});
  const ours = (x) => ['xtd-ctr-04', 'xtd-ctr-05', 'xtd-ctr-06'].includes(x.entity);
  const live = (await w.alerts('xtd_gate_jam')).filter(ours);
  assert.deepEqual(live.map((a) => [a.entity, a.opened]).sort(),
    [['xtd-ctr-04', iso(t - 292 * MIN)], ['xtd-ctr-06', iso(t - 148 * MIN)]], JSON.stringify(live));
  const jamRule = (await w.ok('admin', 'GET', '/api/v1/rules')).rules.find((x) => x.id === 'xtd_gate_jam');
  p = (await w.ok('admin', 'POST', '/api/v1/rules/preview', jamRule)).preview;
  const fired = p.hits.filter(ours);
  assert.deepEqual(fired.map((h) => [h.entity, h.opened]).sort(), live.map((a) => [a.entity, a.opened]).sort(), JSON.stringify(p));
  assert.ok(fired.every((h) => h.value === 3), JSON.stringify(fired));
  await refused('admin', 'POST', '/api/v1/rules/preview', { ...def, region: 'gongshu/nowhere' }, 400, 'region');
  await refused('admin', 'POST', '/api/v1/rules/preview?hours=0', def, 400, 'hours');
  await refused('admin', 'POST', '/api/v1/rules/preview', [1], 400);
  // who: admins, a scoped one within its scope
  for (const who of ['viewer', 'um', 'disp']) await refused(who, 'POST', '/api/v1/rules/preview', def, 403);
  p = (await w.ok('adm_kj', 'POST', '/api/v1/rules/preview', def)).preview;
  assert.equal(p.hits.filter((h) => h.entity === 'kp-site-02').length, 1);
  await refused('adm_kj', 'POST', '/api/v1/rules/preview', { ...def, region: 'gongshu/dongxin' }, 403, 'region');
  await refused('adm_kj', 'POST', '/api/v1/rules/preview', { ...def, region: undefined }, 403, 'region');
});

test('GET /api/v1/matters/ID gives the whole definition, so an edit through PUT keeps every member', async () => {
  const list = (await w.ok('viewer', 'GET', '/api/v1/matters')).matters;
  const pack = new Map(JSON.parse(fs.readFileSync(path.join(GONGSHU_PACK, 'matters.json'), 'utf8'))
    .map((m) => [m.id, m]));
  const withForm = [];
  assert.equal(list.length, pack.size);
  for (const m of list) {
    const full = (await w.ok('viewer', 'GET', `/api/v1/matters/${m.id}`)).matter;
    // every member the list gives, the same; and the whole definition the pack loaded
    for (const [k, v] of Object.entries(m)) assert.deepEqual(full[k], v, `${m.id}.${k} as the list says`);
    assert.deepEqual(full, pack.get(m.id), `${m.id}: every member of its definition`);
    if (Array.isArray(full.form) && full.form.length) withForm.push(full);
  }
  assert.ok(withForm.length >= 1, 'some matter has form fields');
  const m = withForm[0];
  // members the server does not know are kept too, with their quotes, backslashes and Chinese
  const edited = { ...m, departments: ['urban_mgmt', 'fire'], sla_accept_minutes: 25, sla_resolve_minutes: 300,
    x_note: 'say "hi" \\ 夜间', x_nested: { a: [1, 2.5, null, true], b: {} } };
  await w.ok('admin', 'PUT', `/api/v1/matters/${m.id}`, edited);
  const back = (await w.ok('viewer', 'GET', `/api/v1/matters/${m.id}`)).matter;
  assert.deepEqual(back, edited, 'every member kept, the edited ones changed');
  const rows = await auditOf('matter.update', m.id);
  assert.equal(rows.length, 1);
  await refused('viewer', 'GET', '/api/v1/matters/no_such_matter', undefined, 404, 'id');
  await refused('admin', 'PUT', `/api/v1/matters/${m.id}`, { ...edited, sla_accept_minutes: -1 }, 400, 'sla_accept_minutes');
  await refused('admin', 'PUT', `/api/v1/matters/${m.id}`, { ...edited, departments: ['nope'] }, 400, 'departments');
  await refused('adm_kj', 'PUT', `/api/v1/matters/${m.id}`, edited, 403);
});

test('sources: creating one and rotating its token are audited, the token never', async () => {
  const j = await w.ok('admin', 'POST', '/api/v1/sources', { id: 'smart_bins', name_zh: '智能垃圾桶平台',
    name_en: 'Smart bins', department: 'urban_mgmt', kind: 'iot', metrics: [] }, 201);
  const t1 = j.token;
  const t2 = (await w.ok('admin', 'POST', '/api/v1/sources/smart_bins/token')).token;
  assert.notEqual(t1, t2);
  const rows = (await w.ok('admin', 'GET', '/api/v1/audit?action=source&limit=100')).audit;
  assert.deepEqual(rows.map((a) => a.action), ['source.token', 'source.create']);
  assert.ok(rows.every((a) => a.target === 'smart_bins' && a.actor === 'admin'));
  assert.equal(rows[1].detail.name_zh, '智能垃圾桶平台');
  const text = JSON.stringify(rows);
  assert.ok(!text.includes(t1) && !text.includes(t2), 'no token in the audit');
  for (const who of ['viewer', 'um', 'disp', 'adm_kj']) await refused(who, 'POST', '/api/v1/sources/smart_bins/token', undefined, 403);
});

test('GET /admin serves the admin screens to anyone; the API decides', async () => {
  const r = await w.api('GET', '/admin');
  assert.equal(r.status, 200, show(r));
  assert.match(r.text, /<script type="module" src="\/admin\/main\.js/);
  assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
});
