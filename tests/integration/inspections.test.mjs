// Inspections (issue 13 §2 限塑 and §3 政法队伍教育整顿): an inspector of
// the checklist's department submits a visit; a failed item or a finding
// becomes a rectification item with a work order dispatched to its owner;
// the uid makes a resend harmless; a passing re-inspection closes the item
// and its order; the timer marks items overdue; credit follows; plans are
// fulfilled and the leader's progress counts them; photos are kept and
// backed up. One server for the file, its clock pinned by the test clock
// only in the last test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorld, cli, show } from './harness.mjs';
import { inspectPack } from './lib/inspect_pack.mjs';

const OFFICERS = {
  ms: { name: 'ms_inspector', password: 'ms-inspector-01', department: 'market_supervision' },
  msdx: { name: 'ms_dongxin', password: 'ms-dongxin-0001', department: 'market_supervision', scope: 'gongshu/dongxin' },
  pl: { name: 'pl_inspector', password: 'pl-inspector-01', department: 'politics_law' },
  police: { name: 'police_off', password: 'police-off-0001', department: 'police' },
};
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex'), crypto.randomBytes(64)]);

let w, pack;
const ck = {};
const DAY = 86400e3;
const t0 = Date.now() - 2 * 3600e3; // the first visit, two hours ago
const iso = (ms) => new Date(ms).toISOString();
const uid = () => 'it-' + crypto.randomUUID();

before(async () => {
  process.env.ZZ_TEST_CLOCK = '1';
  pack = inspectPack();
  w = await createWorld({ pack: pack.dir, sources: [], start: false });
  for (const u of Object.values(OFFICERS)) {
    const args = ['user', 'add', u.name, '--role', 'officer', '--department', u.department, '--password-stdin'];
    if (u.scope) args.push('--scope', u.scope);
    const r = w.run(args, { input: u.password + '\n' });
    if (r.status !== 0) throw new Error(`user add ${u.name}: ${r.stderr}`);
  }
  const r = w.run(['user', 'add', 'disp', '--role', 'dispatcher', '--password-stdin'], { input: 'disp-pass-0001\n' });
  if (r.status !== 0) throw new Error(r.stderr);
  await w.start();
  for (const [k, u] of Object.entries(OFFICERS)) ck[k] = await w.login(u.name, u.password);
  ck.admin = await w.as('admin');
  ck.viewer = await w.as('viewer'); // scoped to gongshu/dongxin
  ck.disp = await w.login('disp', 'disp-pass-0001');
});
after(async () => { await w?.close(); pack?.cleanup(); delete process.env.ZZ_TEST_CLOCK; });

const post = (who, p, body) => w.api('POST', p, { cookie: ck[who], body });
const get = (who, p) => w.api('GET', p, { cookie: ck[who] });

// The market checklist answered: every item passes but those in `failed`.
function marketAnswers(failed = {}) {
  return ['commitment_posted', 'credit_file', 'central_purchase', 'paid_use', 'purchase_ledger', 'publicity']
    .map((item) => (item in failed ? { item, ok: false, note: failed[item] } : { item, ok: true }));
}

let first; // the first visit of market-19
let paidUseItem, publicityItem;

test('the checklists come from the pack, with the campaigns that use them', async () => {
  const r = await get('viewer', '/api/v1/checklists');
  assert.equal(r.status, 200, show(r));
  const ids = r.json.checklists.map((c) => c.id);
  for (const id of ['plastic_market', 'plastic_stall', 'edu_police', 'edu_court']) assert.ok(ids.includes(id), id);
  const camp = r.json.campaigns.find((c) => c.id === 'zfdw_2021');
  assert.ok(camp.checklists.includes('edu_police'));
  assert.equal(camp.plans, true);
});

test('an inspection with failed items opens rectification items, dispatched work orders and credit events in one go', async () => {
  const body = { uid: uid(), checklist: 'plastic_market', entity: 'market-19', ts: iso(t0), lon: 120.18, lat: 30.31,
    answers: marketAnswers({ paid_use: '免费发放塑料袋', publicity: '宣传海报缺失' }), note: '限塑检查' };
  const r = await post('ms', '/api/v1/inspections', body);
  assert.equal(r.status, 201, show(r));
  first = { body, json: r.json };
  const ins = r.json.inspection;
  assert.equal(ins.result, 'fail');
  assert.equal(ins.failed, 2);
  assert.equal(ins.campaign, 'plastic_2021', 'the campaign that uses the checklist');
  assert.equal(ins.inspector, OFFICERS.ms.name);
  assert.equal(ins.answers.length, 6);
  assert.equal(r.json.rectify.length, 2);
  paidUseItem = r.json.rectify.find((x) => x.item === 'paid_use');
  publicityItem = r.json.rectify.find((x) => x.item === 'publicity');
  assert.equal(paidUseItem.owner, 'market_supervision');
  assert.equal(paidUseItem.status, 'open');
  assert.equal(paidUseItem.text_zh, '塑料购物袋明码标价、有偿使用');
  // the deadline: the end of the local day three days (paid_use's rectify_days) after the visit
  const localDay = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 10);
  assert.equal(localDay(Date.parse(paidUseItem.deadline)), localDay(t0 + 3 * DAY));
  assert.match(paidUseItem.deadline, /T23:59:59(\.999)?\+08:00$/);
  for (const it of r.json.rectify) {
    const o = await get('ms', `/api/v1/orders/${it.order}`);
    assert.equal(o.status, 200, show(o));
    const ord = o.json.order || o.json;
    assert.equal(ord.matter, 'rectification');
    assert.equal(ord.state, 'dispatched');
    assert.equal(ord.department, 'market_supervision');
    assert.equal(ord.entity, 'market-19');
    assert.equal(ord.duplicate_of ?? null, null, 'two items of one visit are not duplicates of each other');
  }
  const c = await get('ms', '/api/v1/entities/market-19/credit');
  assert.equal(c.status, 200, show(c));
  assert.equal(c.json.base, 100);
  assert.equal(c.json.score, 100 - 2 - 1, 'paid_use costs 2 points, publicity 1');
  assert.deepEqual(c.json.events.map((e) => e.kind), ['violation', 'violation']);
});

test('the same uid again is stored once: the same content answers 200, other content 409', async () => {
  const again = await post('ms', '/api/v1/inspections', first.body);
  assert.equal(again.status, 200, show(again));
  assert.equal(again.json.inspection.id, first.json.inspection.id);
  assert.deepEqual(again.json.rectify.map((x) => x.id), first.json.rectify.map((x) => x.id));
  const list = await get('ms', '/api/v1/inspections?entity=market-19');
  assert.equal(list.status, 200, show(list));
  assert.equal(list.json.inspections.length, 1);
  const other = await post('ms', '/api/v1/inspections', { ...first.body, answers: marketAnswers({ paid_use: 'x' }) });
  assert.equal(other.status, 409, show(other));
  assert.equal(other.json.error.field, 'uid');
  const c = await get('ms', '/api/v1/entities/market-19/credit');
  assert.equal(c.json.events.length, 2, 'no second penalty');
});

test('every item must be answered: the error names the one missing', async () => {
  const answers = marketAnswers().filter((a) => a.item !== 'purchase_ledger');
  const r = await post('ms', '/api/v1/inspections', { uid: uid(), checklist: 'plastic_market', entity: 'market-19', answers });
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json.error.field, 'answers');
  assert.match(r.json.error.message, /purchase_ledger/);
  assert.match(r.json.error.message_zh, /purchase_ledger/);
  assert.match(r.json.error.message_zh, /进货查验/);
  const bad = await post('ms', '/api/v1/inspections', { uid: uid(), checklist: 'plastic_market', entity: 'market-19',
    answers: [...marketAnswers(), { item: 'no_such', ok: true }] });
  assert.equal(bad.status, 400, show(bad));
  const wrongType = await post('ms', '/api/v1/inspections', { uid: uid(), checklist: 'plastic_market', entity: 'stall-19-001', answers: marketAnswers() });
  assert.equal(wrongType.status, 400, show(wrongType));
  assert.equal(wrongType.json.error.field, 'entity');
  const shortUid = await post('ms', '/api/v1/inspections', { uid: 'x', checklist: 'plastic_market', entity: 'market-19', answers: marketAnswers() });
  assert.equal(shortUid.status, 400, show(shortUid));
  assert.equal(shortUid.json.error.field, 'uid');
});

test('another department, an out-of-scope entity and a viewer are refused, and nothing is stored', async () => {
  const body = () => ({ uid: uid(), checklist: 'plastic_market', entity: 'market-01', answers: marketAnswers({ publicity: 'x' }) });
  const police = await post('police', '/api/v1/inspections', body());
  assert.equal(police.status, 403, show(police));
  assert.equal(police.json.error.field, 'checklist');
  const scoped = await post('msdx', '/api/v1/inspections', body()); // market-01 is in mishixiang
  assert.equal(scoped.status, 403, show(scoped));
  const viewer = await post('viewer', '/api/v1/inspections', body());
  assert.equal(viewer.status, 403, show(viewer));
  const inScope = await post('msdx', '/api/v1/inspections', { ...body(), checklist: 'plastic_stall', entity: 'stall-19-003',
    answers: ['no_ultrathin', 'qualified_bags', 'no_free_bags', 'pledge_displayed'].map((item) => ({ item, ok: true })) });
  assert.equal(inScope.status, 201, show(inScope));
  const list = await get('admin', '/api/v1/inspections?entity=market-01');
  assert.equal(list.json.inspections.length, 0);
  // reading: the viewer of dongxin sees market-19's visits, not an inspection elsewhere
  const mine = await get('viewer', `/api/v1/inspections/${first.json.inspection.id}`);
  assert.equal(mine.status, 200, show(mine));
  const p = await post('pl', '/api/v1/inspections', { uid: uid(), checklist: 'edu_police', entity: 'legal-mishixiang-police',
    answers: ['questions', 'conversation', 'ledger', 'study_notes', 'self_check', 'enforcement', 'community_police'].map((item) => ({ item, ok: true })) });
  assert.equal(p.status, 201, show(p));
  const far = await get('viewer', `/api/v1/inspections/${p.json.inspection.id}`);
  assert.equal(far.status, 403, show(far));
  const none = await get('viewer', '/api/v1/inspections/999999');
  assert.equal(none.status, 404, show(none));
  const farCredit = await get('viewer', '/api/v1/entities/market-01/credit');
  assert.equal(farCredit.status, 403, show(farCredit));
});

test('a passing re-inspection closes the item on time, resolves and closes its order; a repeated failure stays one item', async () => {
  const t1 = t0 + 3600e3;
  const r = await post('ms', '/api/v1/inspections', { uid: uid(), checklist: 'plastic_market', entity: 'market-19', ts: iso(t1),
    answers: marketAnswers({ publicity: '仍未张贴' }) });
  assert.equal(r.status, 201, show(r));
  assert.equal(r.json.rectify.length, 0, 'publicity is still the first visit\'s item');
  const items = await get('ms', '/api/v1/rectifications?entity=market-19');
  assert.equal(items.status, 200, show(items));
  const byId = Object.fromEntries(items.json.rectify.map((x) => [x.id, x]));
  assert.equal(byId[paidUseItem.id].status, 'closed_on_time');
  assert.equal(byId[paidUseItem.id].closed_by, r.json.inspection.id);
  assert.equal(byId[publicityItem.id].status, 'open');
  const o = await get('ms', `/api/v1/orders/${paidUseItem.order}`);
  const ord = o.json.order || o.json;
  assert.equal(ord.state, 'closed', show(o));
  assert.ok(JSON.stringify(o.json).includes('复查合格'), 'the order says why it closed');
  const c = await get('ms', '/api/v1/entities/market-19/credit');
  assert.equal(c.json.score, 100 - 3 + 1);
  assert.equal(c.json.events.at(-1).kind, 'rectified');
  assert.equal(c.json.events.at(-1).score, c.json.score, 'the running score ends at the score');
});

test('findings with owners, plans fulfilled, and the leader\'s progress counts them', async () => {
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const plan = await post('pl', '/api/v1/inspection-plans', { campaign: 'zfdw_2021', checklist: 'edu_police',
    entity: 'legal-shiqiao-police', day: today, leader: '区委副书记', note: '教育整顿督查' });
  assert.equal(plan.status, 201, show(plan));
  const plan2 = await post('pl', '/api/v1/inspection-plans', { campaign: 'zfdw_2021', checklist: 'edu_court',
    entity: 'legal-banshan-court', day: '2099-01-05', leader: '区委常委、政法委书记' });
  assert.equal(plan2.status, 201, show(plan2));
  const refused = await post('ms', '/api/v1/inspection-plans', { campaign: 'zfdw_2021', checklist: 'edu_police',
    entity: 'legal-shiqiao-police', day: today, leader: 'x' });
  assert.equal(refused.status, 403, show(refused));
  const items = ['questions', 'conversation', 'ledger', 'study_notes', 'self_check', 'enforcement', 'community_police'];
  const body = { uid: uid(), checklist: 'edu_police', entity: 'legal-shiqiao-police', plan: plan.json.id,
    answers: items.map((item) => ({ item, ok: item !== 'study_notes' })),
    findings: [{ text: '个别民警学习笔记未记录心得体会', owner: 'police', days: 10 }] };
  const r = await post('pl', '/api/v1/inspections', body);
  assert.equal(r.status, 201, show(r));
  assert.equal(r.json.inspection.plan, plan.json.id);
  const finding = r.json.rectify.find((x) => x.item === 'finding-1');
  assert.equal(finding.owner, 'police');
  assert.equal(finding.text_zh, '个别民警学习笔记未记录心得体会');
  const o = await get('police', `/api/v1/orders/${finding.order}`);
  assert.equal(o.status, 200, 'the owner\'s officers read the order: ' + show(o));
  assert.equal((o.json.order || o.json).department, 'police');
  const study = r.json.rectify.find((x) => x.item === 'study_notes');
  assert.equal(study.owner, 'politics_law');
  // the plan was fulfilled: another visit cannot fulfil it again
  const twice = await post('pl', '/api/v1/inspections', { ...body, uid: uid() });
  assert.equal(twice.status, 409, show(twice));
  assert.equal(twice.json.error.field, 'plan');
  const plans = await get('viewer', '/api/v1/inspection-plans?campaign=zfdw_2021');
  assert.equal(plans.status, 200, show(plans));
  // the viewer is scoped to dongxin: no political-legal unit there
  assert.equal(plans.json.plans.length, 0);
  const all = await get('disp', '/api/v1/inspection-plans?campaign=zfdw_2021');
  assert.equal(all.json.plans.find((p) => p.id === plan.json.id).inspection, r.json.inspection.id);
  const prog = await get('disp', '/api/v1/campaigns/zfdw_2021/progress');
  assert.equal(prog.status, 200, show(prog));
  const unit = (k) => prog.json.units.find((u) => u.entity === k);
  assert.ok(prog.json.units.length >= 5, 'every unit of the campaign\'s types, visited or not');
  assert.deepEqual({ planned: unit('legal-shiqiao-police').planned, visited: unit('legal-shiqiao-police').visited,
    findings: unit('legal-shiqiao-police').findings, open: unit('legal-shiqiao-police').rectify.open },
  { planned: 1, visited: 1, findings: 2, open: 2 });
  assert.equal(unit('legal-banshan-court').visited, 0);
  assert.equal(unit('legal-banshan-court').next_plan, '2099-01-05');
  assert.equal(unit('legal-mishixiang-police').visited, 1);
  assert.equal(prog.json.totals.units, prog.json.units.length);
  assert.equal(prog.json.totals.visited, prog.json.units.reduce((s, u) => s + u.visited, 0));
  assert.equal(prog.json.totals.rectify.open, prog.json.units.reduce((s, u) => s + u.rectify.open, 0));
  // a re-inspection confirms the finding rectified (closes) and passes study notes
  const back = await post('pl', '/api/v1/inspections', { uid: uid(), checklist: 'edu_police', entity: 'legal-shiqiao-police',
    answers: items.map((item) => ({ item, ok: true })), closes: [finding.id] });
  assert.equal(back.status, 201, show(back));
  const after = await get('pl', '/api/v1/rectifications?entity=legal-shiqiao-police');
  assert.deepEqual(after.json.rectify.map((x) => x.status).sort(), ['closed_on_time', 'closed_on_time']);
  const fo = await get('disp', `/api/v1/orders/${finding.order}`);
  assert.equal((fo.json.order || fo.json).state, 'closed');
  const prog2 = await get('admin', '/api/v1/campaigns/zfdw_2021/progress');
  const u2 = prog2.json.units.find((u) => u.entity === 'legal-shiqiao-police');
  assert.deepEqual(u2.rectify, { open: 0, overdue: 0, closed: 2 });
  // political-legal checklists carry no points: no credit events
  const cr = await get('pl', '/api/v1/entities/legal-shiqiao-police/credit');
  assert.equal(cr.json.events.length, 0);
});

test('photos are stored with the inspection, read back whole, and a backup includes them', async () => {
  const id = first.json.inspection.id;
  const up = await w.api('POST', `/api/v1/inspections/${id}/photos?item=paid_use`, { cookie: ck.ms, body: PNG, headers: { 'Content-Type': 'image/png' } });
  assert.equal(up.status, 201, show(up));
  const back = await fetch(w.base + up.json.photo.url, { headers: { Cookie: ck.viewer } });
  assert.equal(back.status, 200);
  assert.equal(back.headers.get('content-type'), 'image/png');
  const bytes = Buffer.from(await back.arrayBuffer());
  assert.equal(crypto.createHash('sha256').update(bytes).digest('hex'), crypto.createHash('sha256').update(PNG).digest('hex'));
  const notImage = await w.api('POST', `/api/v1/inspections/${id}/photos`, { cookie: ck.ms, body: Buffer.from('hello, not a photo'), headers: { 'Content-Type': 'image/png' } });
  assert.equal(notImage.status, 415, show(notImage));
  const badItem = await w.api('POST', `/api/v1/inspections/${id}/photos?item=nope`, { cookie: ck.ms, body: PNG, headers: { 'Content-Type': 'image/png' } });
  assert.equal(badItem.status, 400, show(badItem));
  const other = await w.api('POST', `/api/v1/inspections/${id}/photos`, { cookie: ck.police, body: PNG, headers: { 'Content-Type': 'image/png' } });
  assert.equal(other.status, 403, show(other));
  const read = await get('ms', `/api/v1/inspections/${id}`);
  assert.equal(read.json.inspection.photos.length, 1);
  assert.equal(read.json.inspection.photos[0].item, 'paid_use');
  const bk = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-ins-backup-'));
  try {
    const out = path.join(bk, 'b');
    const b = cli(['backup', out, '--data', w.dir]);
    assert.equal(b.status, 0, b.stderr);
    const rel = read.json.inspection.photos[0];
    const files = fs.readdirSync(path.join(out, 'inspections', String(id)));
    assert.equal(files.length, 1);
    const copy = fs.readFileSync(path.join(out, 'inspections', String(id), files[0]));
    assert.equal(crypto.createHash('sha256').update(copy).digest('hex'), rel.sha256);
  } finally {
    fs.rmSync(bk, { recursive: true, force: true });
  }
});

test('a market\'s page lists its stall-holders\' scores, names masked for those outside the department', async () => {
  const stall = await post('ms', '/api/v1/inspections', { uid: uid(), checklist: 'plastic_stall', entity: 'stall-19-002', campaign: 'plastic_2021',
    answers: [{ item: 'no_ultrathin', ok: false, note: '使用超薄袋' }, { item: 'qualified_bags', ok: true }, { item: 'no_free_bags', ok: true }, { item: 'pledge_displayed', ok: null }] });
  assert.equal(stall.status, 201, show(stall));
  const v = await get('viewer', '/api/v1/entities/market-19/credit');
  assert.equal(v.status, 200, show(v));
  const s2 = v.json.members.find((m) => m.entity === 'stall-19-002');
  assert.equal(s2.score, 95, 'no_ultrathin costs 5');
  const holder = (await get('admin', '/api/v1/entities/stall-19-002')).json.entity.attrs.holder;
  assert.equal(s2.holder, [...holder][0] + '**');
  assert.ok(!JSON.stringify(v.json).includes(holder));
  const m = await get('ms', '/api/v1/entities/market-19/credit');
  assert.equal(m.json.members.find((x) => x.entity === 'stall-19-002').holder, holder);
  assert.ok(v.json.members.every((x) => x.entity.startsWith('stall-19-')), 'only this market\'s stalls');
});

test('the timer marks an open item past its deadline overdue, with its credit event', async () => {
  // publicity (3 days) is open since t0; four days on, the sweep marks it
  const t = await post('admin', '/api/v1/_test/clock', { now: t0 + 5 * DAY });
  assert.equal(t.status, 200, show(t));
  // five days on, the sessions of before have expired: sign in again
  ck.ms = await w.login(OFFICERS.ms.name, OFFICERS.ms.password);
  ck.viewer = await w.login('viewer_dx', 'viewer-pass-0002');
  const items = await get('ms', '/api/v1/rectifications?entity=market-19&status=overdue');
  assert.equal(items.status, 200, show(items));
  assert.deepEqual(items.json.rectify.map((x) => x.id), [publicityItem.id]);
  const c = await get('ms', '/api/v1/entities/market-19/credit');
  assert.equal(c.json.events.at(-1).kind, 'overdue');
  assert.equal(c.json.score, 100 - 3 + 1 - 1);
  // passed late: closed_late, no point back
  const r = await post('ms', '/api/v1/inspections', { uid: uid(), checklist: 'plastic_market', entity: 'market-19', answers: marketAnswers() });
  assert.equal(r.status, 201, show(r));
  const after = await get('ms', `/api/v1/rectifications?entity=market-19`);
  assert.equal(after.json.rectify.find((x) => x.id === publicityItem.id).status, 'closed_late');
  const c2 = await get('ms', '/api/v1/entities/market-19/credit');
  assert.equal(c2.json.score, c.json.score);
  const prog = await get('viewer', '/api/v1/campaigns/plastic_2021/progress');
  assert.equal(prog.status, 200, show(prog));
  const m1 = prog.json.units.find((u) => u.entity === 'market-19');
  assert.deepEqual(m1.rectify, { open: 0, overdue: 0, closed: 2 });
  assert.ok(prog.json.units.every((u) => u.region.startsWith('gongshu/dongxin')), 'the viewer\'s scope');
});

// ---- the campaign dashboard's tallies (the `dash` helper) ----
// The dashboard reads counters the store keeps in the transaction of each
// write (migrations.c, migration 24). Here every kind of write they count
// happens through the API, and each number of the dashboard is taken again
// from the lists (inspections, rectification items, pledges, entities):
// a trigger that missed a write, or counted one twice, makes them differ.
// Then the server is killed (SIGKILL) and restarted: still the same.

const CP = 'plastic_2021';
// sessions do not outlive a clock moved days on, nor a restart: sign in again
async function relogin() {
  w.cookies = {};
  ck.admin = await w.as('admin');
  for (const [k, u] of Object.entries(OFFICERS)) ck[k] = await w.login(u.name, u.password);
}
const monthOf = (t) => new Date(Date.parse(t) + 8 * 3600e3).toISOString().slice(0, 7);

async function listAll(who, p, key) {
  const out = [];
  let cursor = '';
  for (;;) {
    const r = await get(who, `${p}${p.includes('?') ? '&' : '?'}limit=500${cursor ? '&cursor=' + cursor : ''}`);
    assert.equal(r.status, 200, show(r));
    out.push(...r.json[key]);
    if (!r.json.next_cursor) return out;
    cursor = r.json.next_cursor;
  }
}

// The dashboard as the lists say it must be.
async function dashboardAgreesWithLists() {
  const d = (await get('admin', `/api/v1/campaigns/${CP}`)).json;
  const inspections = await listAll('admin', `/api/v1/inspections?campaign=${CP}`, 'inspections');
  const ri = await get('admin', `/api/v1/rectifications?campaign=${CP}&limit=500`);
  assert.equal(ri.status, 200, show(ri));
  const items = ri.json.rectify;
  assert.ok(items.length < 500, 'one page holds them all');
  const pledges = await listAll('admin', `/api/v1/campaigns/${CP}/pledges`, 'pledges');
  const parent = {}; // entity key -> the participant it counts for
  const attrsOf = async (key) => (await get('admin', `/api/v1/entities/${key}`)).json.entity;
  for (const key of new Set([...inspections.map((i) => i.entity), ...items.map((x) => x.entity)])) {
    const e = await attrsOf(key);
    parent[key] = e.type === 'market' ? key : e.attrs?.market;
  }
  // totals and months
  assert.equal(d.totals.inspections, inspections.length);
  assert.equal(d.totals.violations, inspections.reduce((a, i) => a + i.failed, 0));
  const months = {};
  for (const i of inspections) {
    const m = (months[monthOf(i.ts)] ||= { pledges: 0, inspections: 0, violations: 0 });
    m.inspections++;
    m.violations += i.failed;
  }
  for (const p of pledges) (months[monthOf(p.signed_at)] ||= { pledges: 0, inspections: 0, violations: 0 }).pledges++;
  assert.deepEqual(Object.fromEntries(d.by_month.map(({ month, ...rest }) => [month, rest])), months);
  const states = { open: 0, overdue: 0, closed_on_time: 0, closed_late: 0 };
  for (const x of items) states[x.status]++;
  assert.deepEqual(d.totals.rectify, states);
  for (const id of Object.keys(d.totals.signed))
    assert.equal(d.totals.signed[id], pledges.filter((p) => p.pledge === id).length, id);
  // each market: its and its stalls' inspections, open items, signatures
  for (const row of d.participants) {
    const mine = inspections.filter((i) => parent[i.entity] === row.entity);
    assert.equal(row.inspections, mine.length, row.entity);
    assert.equal(row.violations, mine.reduce((a, i) => a + i.failed, 0), row.entity);
    const last = Math.max(0, ...mine.map((i) => Date.parse(i.ts)));
    assert.equal(row.last_inspection ? Date.parse(row.last_inspection) : 0, last, row.entity);
    assert.equal(row.open_rectify, items.filter((x) => parent[x.entity] === row.entity && ['open', 'overdue'].includes(x.status)).length, row.entity);
    assert.equal(row.members_signed_by.stall_pledge, pledges.filter((p) => p.pledge === 'stall_pledge' && p.parent === row.entity).length, row.entity);
    const duty = pledges.find((p) => p.pledge === 'market_duty' && p.entity.id === row.entity);
    assert.equal(row.pledges.market_duty ? Date.parse(row.pledges.market_duty) : null, duty ? Date.parse(duty.signed_at) : null, row.entity);
  }
  const m19 = d.participants.find((p) => p.entity === 'market-19');
  assert.equal(m19.score, (await get('admin', '/api/v1/entities/market-19/credit')).json.score);
  const stalls = await listAll('admin', '/api/v1/entities?type=stall', 'entities');
  const markets = await listAll('admin', '/api/v1/entities?type=market', 'entities');
  assert.equal(d.totals.members, stalls.length);
  assert.equal(d.totals.participants, markets.length);
  assert.equal(m19.members, stalls.filter((s) => s.attrs?.market === 'market-19').length);
  assert.ok(m19.members > 0);
  return d;
}

test('the dashboard\'s tallies agree with the lists after every kind of write, and after kill -9 and a restart', async () => {
  // the clock the file's last test left five days on, one more
  await relogin();
  const now = t0 + 6 * DAY;
  let t = await post('admin', '/api/v1/_test/clock', { now });
  assert.equal(t.status, 200, show(t));
  await relogin();
  let d = await dashboardAgreesWithLists();
  const before = d.participants.find((p) => p.entity === 'market-01');
  // a pass, a failure with two items, a stall's failure, a re-inspection closing one item
  const at = (h) => iso(now + h * 3600e3);
  let r = await post('ms', '/api/v1/inspections', { uid: uid(), checklist: 'plastic_market', entity: 'market-01', ts: at(-5), answers: marketAnswers() });
  assert.equal(r.status, 201, show(r));
  r = await post('ms', '/api/v1/inspections', { uid: uid(), checklist: 'plastic_market', entity: 'market-01', ts: at(-4),
    answers: marketAnswers({ paid_use: '免费发放', credit_file: '未建档' }) });
  assert.equal(r.status, 201, show(r));
  r = await post('ms', '/api/v1/inspections', { uid: uid(), checklist: 'plastic_stall', entity: 'stall-01-001', ts: at(-3),
    answers: [{ item: 'no_ultrathin', ok: false, note: '超薄袋' }, { item: 'qualified_bags', ok: true }, { item: 'no_free_bags', ok: true }, { item: 'pledge_displayed', ok: true }] });
  assert.equal(r.status, 201, show(r));
  r = await post('ms', '/api/v1/inspections', { uid: uid(), checklist: 'plastic_market', entity: 'market-01', ts: at(-2),
    answers: marketAnswers({ credit_file: '仍未建档' }) });
  assert.equal(r.status, 201, show(r));
  // pledges: the market's on paper, the stall-holder's; an activity
  r = await post('ms', `/api/v1/campaigns/${CP}/pledges`, { pledge: 'market_duty', entity: 'market-01', signer: '赵市场' });
  assert.equal(r.status, 201, show(r));
  r = await post('ms', `/api/v1/campaigns/${CP}/pledges`, { pledge: 'stall_pledge', entity: 'stall-01-001', signer: '刘芳' });
  assert.equal(r.status, 201, show(r));
  r = await post('ms', `/api/v1/campaigns/${CP}/activities`, { kind: 'meeting', title: '限塑推进会', participants: 12 });
  assert.equal(r.status, 201, show(r));
  d = await dashboardAgreesWithLists();
  const m01 = d.participants.find((p) => p.entity === 'market-01');
  assert.equal(m01.inspections, before.inspections + 4);
  assert.equal(m01.violations, before.violations + 2 + 1 + 1);
  assert.equal(m01.open_rectify, before.open_rectify + 2, 'credit_file and the stall\'s no_ultrathin are open, paid_use closed');
  assert.equal(m01.members_signed_by.stall_pledge, before.members_signed_by.stall_pledge + 1);
  assert.equal(d.activities[0].title, '限塑推进会');
  // the open items go overdue (the timer, in its own transaction)
  t = await post('admin', '/api/v1/_test/clock', { now: now + 12 * DAY });
  assert.equal(t.status, 200, show(t));
  await relogin();
  let overdue = [];
  for (let i = 0; i < 100 && overdue.length < 2; i++) {
    overdue = (await get('admin', '/api/v1/rectifications?entity=market-01&status=overdue')).json.rectify
      .concat((await get('admin', '/api/v1/rectifications?entity=stall-01-001&status=overdue')).json.rectify);
    if (overdue.length < 2) await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(overdue.length, 2, 'the sweep marked both open items overdue');
  d = await dashboardAgreesWithLists();
  assert.equal(d.participants.find((p) => p.entity === 'market-01').open_rectify, m01.open_rectify, 'overdue is still open');
  // a stall that moves to another market and street takes its counts along
  const stall = (await get('admin', '/api/v1/entities/stall-01-001')).json.entity;
  const m19 = d.participants.find((p) => p.entity === 'market-19');
  const moved = await w.api('PUT', '/api/v1/entities/stall-01-001', { cookie: ck.admin, body: {
    type: 'stall', name_zh: stall.name_zh, name_en: stall.name_en, region: 'gongshu/dongxin', lon: stall.lon, lat: stall.lat,
    attrs: { ...stall.attrs, market: 'market-19' } } });
  assert.equal(moved.status, 200, show(moved));
  d = await dashboardAgreesWithLists();
  const m19b = d.participants.find((p) => p.entity === 'market-19');
  assert.equal(m19b.inspections, m19.inspections + 1, 'the stall\'s one inspection');
  assert.equal(m19b.members, m19.members + 1);
  assert.equal(m19b.open_rectify, m19.open_rectify + 1);
  // killed, restarted: the tallies are what was committed
  await w.kill9();
  await w.restart();
  await relogin();
  const again = await dashboardAgreesWithLists();
  assert.deepEqual(again.totals, d.totals);
  assert.deepEqual(again.participants, d.participants);
});
