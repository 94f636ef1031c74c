// `zhizhi demo` writes the campaigns' history through their engines: the
// 限塑 campaign since January 2021 (21 markets that signed their
// responsibility pledge, 2,350 stall-holders who signed the commitment on
// paper or through their enterprise code, monthly visits and spot checks,
// violations whose rectification items were closed on time, late or not
// yet, credit) and the 政法 visits of 2021, with the seed's five units
// visited on 21 May 2021. Every figure is read back from the API and
// recounted from the lists: the dashboard, the signatures, the inspections,
// the rectification items and the credit records must tell one story; a
// second start keeps the world as it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, request, show, qs, local } from './harness.mjs';

let dir, srv, cookie;
const CP = 'plastic_2021';
const ZF = 'zfdw_2021';
const SEED_UNITS = ['legal-banshan-court', 'legal-shiqiao-police', 'legal-mishixiang-police', 'legal-hushu-traffic', 'legal-sandao-law'];

async function startDemo() {
  srv = await startServer(['demo', '--data', dir, '--listen', '127.0.0.1:0', '--records', '20000', '--no-live'], { timeout: 240000 });
  const t0 = Date.now();
  while (!/login: admin \/ \S+/.test(srv.stdout()) && Date.now() - t0 < 240000) await new Promise((r) => setTimeout(r, 50));
  const password = srv.stdout().match(/login: admin \/ (\S+)/)[1];
  const r = await request(srv.base, 'POST', '/api/v1/login', { body: { name: 'admin', password } });
  assert.equal(r.status, 200, show(r));
  cookie = r.headers.getSetCookie()[0].split(';')[0];
}

async function stopDemo() {
  srv.child.kill('SIGTERM');
  await new Promise((r) => (srv.child.exitCode !== null ? r() : srv.child.once('exit', r)));
}

const api = async (p) => {
  const r = await request(srv.base, 'GET', p, { cookie });
  assert.equal(r.status, 200, show(r));
  return r.json;
};

// Every row of a cursor-paged list.
async function all(p, key, params = {}) {
  const out = [];
  let cursor;
  for (;;) {
    const page = await api(`${p}?${qs({ ...params, limit: 500, cursor })}`);
    out.push(...page[key]);
    if (!page.next_cursor) return out;
    cursor = page.next_cursor;
  }
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-it-democp-'));
  await startDemo();
});
after(async () => {
  if (srv && srv.child.exitCode === null && srv.child.signalCode === null) srv.child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

let dash, stalls, rect;

test('限塑: 21 markets signed their pledge and exactly 2,350 stall-holders signed, on paper and by code, before the seed day', async () => {
  dash = await api(`/api/v1/campaigns/${CP}`);
  const tot = dash.totals;
  assert.equal(tot.participants, 21);
  assert.equal(dash.participants.length, 21);
  assert.equal(tot.signed.market_duty, 21);
  assert.equal(tot.signed.stall_pledge, 2350);
  stalls = await all('/api/v1/entities', 'entities', { type: 'stall' });
  assert.equal(tot.members, stalls.length, 'expected signers are the stall entities');
  assert.equal(tot.expected.stall_pledge, stalls.length);
  const signed = await all(`/api/v1/campaigns/${CP}/pledges`, 'pledges', { pledge: 'stall_pledge' });
  assert.equal(signed.length, 2350, 'the list holds as many signatures as the dashboard counts');
  assert.equal(new Set(signed.map((p) => p.entity.id)).size, 2350, 'one signature per stall');
  const channels = new Set(signed.map((p) => p.channel));
  assert.deepEqual([...channels].sort(), ['code', 'paper']);
  const seedDay = local(2021, 5, 21);
  for (const p of signed) {
    const t = Date.parse(p.signed_at);
    assert.ok(t >= local(2021, 1, 1) && t < seedDay, `${p.entity.id} signed at ${p.signed_at}`);
  }
  // per market: the members signed as the rows say
  const marketOf = new Map(stalls.map((s) => [s.id, s.attrs.market]));
  const perMarket = new Map();
  for (const p of signed) perMarket.set(marketOf.get(p.entity.id), (perMarket.get(marketOf.get(p.entity.id)) || 0) + 1);
  for (const m of dash.participants) {
    assert.equal(m.members_signed, perMarket.get(m.entity) || 0, m.entity);
    assert.ok(m.pledges.market_duty, `${m.entity} signed its responsibility pledge`);
  }
  const months = dash.by_month.reduce((a, x) => a + x.pledges, 0);
  assert.equal(months, 2350 + 21, 'pledges by month add up to every signature');
});

test('限塑: inspections, violations and rectification agree between the dashboard and the lists', async () => {
  const tot = dash.totals;
  const list = await all('/api/v1/inspections', 'inspections', { campaign: CP });
  assert.equal(list.length, tot.inspections);
  assert.equal(dash.by_month.reduce((a, x) => a + x.inspections, 0), tot.inspections);
  const violations = list.reduce((a, i) => a + i.failed, 0);
  assert.equal(violations, tot.violations);
  assert.equal(dash.by_month.reduce((a, x) => a + x.violations, 0), tot.violations);
  assert.ok(list.every((i) => Date.parse(i.ts) <= Date.now()), 'every visit is in the past');
  assert.ok(list.some((i) => i.checklist === 'plastic_market') && list.some((i) => i.checklist === 'plastic_stall'));
  // every market visited every month since January 2021 (re-inspections come on top)
  const now = new Date(Date.now() + 8 * 3600e3);
  const months = (now.getUTCFullYear() - 2021) * 12 + now.getUTCMonth() + 1;
  for (const m of dash.participants) {
    const visited = new Set(list.filter((i) => i.entity === m.entity).map((i) => i.ts.slice(0, 7)));
    assert.ok(visited.size >= months - 1 && visited.size <= months, `${m.entity}: visited in ${visited.size} of ${months} months`);
  }
  rect = (await api(`/api/v1/rectifications?${qs({ campaign: CP, limit: 2000 })}`)).rectify;
  assert.ok(rect.length < 2000, 'one page holds them all');
  const by = (s) => rect.filter((r) => r.status === s).length;
  assert.deepEqual(tot.rectify, { open: by('open'), overdue: by('overdue'), closed_on_time: by('closed_on_time'), closed_late: by('closed_late') });
  // the demo's story: most on time, some late, a few open and a few overdue now
  assert.ok(by('closed_on_time') > by('closed_late') && by('closed_late') > 0, JSON.stringify(tot.rectify));
  assert.ok(by('open') > 0 && by('overdue') > 0, JSON.stringify(tot.rectify));
  for (const r of rect) {
    if (r.status.startsWith('closed')) {
      assert.equal(r.status === 'closed_on_time', Date.parse(r.closed) <= Date.parse(r.deadline), `item ${r.id}`);
      assert.ok(r.closed_by, `item ${r.id} names the re-inspection that closed it`);
    } else {
      assert.equal(r.status === 'overdue', Date.parse(r.deadline) < Date.now(), `item ${r.id} ${r.status} ${r.deadline}`);
    }
    assert.equal(r.owner, 'market_supervision');
    assert.ok(r.order, `item ${r.id} has its work order`);
  }
  // a market's open items are its own and its stalls'
  const marketOf = new Map(stalls.map((s) => [s.id, s.attrs.market]));
  for (const m of dash.participants) {
    const open = rect.filter((r) => (r.entity === m.entity || marketOf.get(r.entity) === m.entity) && !r.closed).length;
    assert.equal(m.open_rectify, open, m.entity);
  }
});

test('限塑: credit records follow the rectification items, and the markets\' scores are the dashboard\'s', async () => {
  const byEntity = new Map();
  for (const r of rect) byEntity.set(r.entity, [...(byEntity.get(r.entity) || []), r]);
  const stallKeys = [...byEntity.keys()].filter((k) => k.startsWith('stall-')).slice(0, 25);
  assert.ok(stallKeys.length >= 10, 'stalls with rectification items');
  for (const k of stallKeys) {
    const items = byEntity.get(k);
    const c = await api(`/api/v1/entities/${k}/credit?campaign=${CP}`);
    const kinds = (kind) => c.events.filter((e) => e.kind === kind);
    assert.equal(kinds('violation').length, items.length, `${k}: a violation event per item`);
    assert.equal(kinds('rectified').length, items.filter((r) => r.status === 'closed_on_time').length, k);
    // an item closed late was overdue first: the daily sweep marked it
    assert.equal(kinds('overdue').length, items.filter((r) => r.status === 'closed_late' || r.status === 'overdue').length, k);
    assert.equal(c.score, c.base + c.events.reduce((a, e) => a + e.points, 0), k);
  }
  for (const m of dash.participants) {
    const c = await api(`/api/v1/entities/${m.entity}/credit?campaign=${CP}`);
    assert.equal(c.score, m.score, m.entity);
  }
});

test('限塑: promotion activities in every market, and the latest on the dashboard', async () => {
  const acts = await all(`/api/v1/campaigns/${CP}/activities`, 'activities');
  const kinds = new Set(acts.map((a) => a.kind));
  assert.deepEqual([...kinds].sort(), ['alternatives', 'initiative', 'meeting']);
  for (const m of dash.participants) assert.ok(acts.some((a) => a.entity && a.entity.id === m.entity && a.kind === 'initiative'), m.entity);
  assert.deepEqual(dash.activities.map((a) => a.id), acts.slice(0, dash.activities.length).map((a) => a.id));
});

test('政法: the seed\'s five units visited on 2021-05-21 as planned, the other units over the campaign, most items closed', async () => {
  const day = await all('/api/v1/inspections', 'inspections', { campaign: ZF, from: '2021-05-21T00:00:00+08:00', to: '2021-05-22T00:00:00+08:00' });
  for (const u of SEED_UNITS) {
    const v = day.find((i) => i.entity === u);
    assert.ok(v, `${u} visited on 2021-05-21`);
    assert.ok(v.plan, `${u}'s visit fulfils its plan`);
  }
  const plans = (await api(`/api/v1/inspection-plans?${qs({ campaign: ZF })}`)).plans;
  for (const u of SEED_UNITS) {
    const p = plans.find((x) => x.entity === u && x.day === '2021-05-21');
    assert.ok(p && p.inspection, `${u} planned for 2021-05-21 and visited`);
  }
  const prog = await api(`/api/v1/campaigns/${ZF}/progress`);
  assert.ok(prog.units.length >= 12, `${prog.units.length} units`);
  assert.ok(prog.units.filter((u) => u.visited > 0).length > SEED_UNITS.length, 'other units visited too');
  const all_ = await all('/api/v1/inspections', 'inspections', { campaign: ZF });
  assert.ok(all_.every((i) => i.ts >= '2021-03-01' && i.ts < '2021-08-01'), 'within the campaign');
  assert.equal(all_.length, prog.totals.visited);
  const items = (await api(`/api/v1/rectifications?${qs({ campaign: ZF, limit: 2000 })}`)).rectify;
  const closed = items.filter((r) => r.closed).length;
  assert.ok(closed > items.length / 2 && closed < items.length, `${closed} of ${items.length} closed`);
  assert.equal(prog.totals.rectify.closed, closed);
  assert.equal(prog.totals.rectify.open + prog.totals.rectify.overdue, items.length - closed);
  const owners = new Set(items.map((r) => r.owner));
  for (const o of ['court', 'police', 'traffic_police', 'justice']) assert.ok(owners.has(o), `${o} owns findings`);
  const dashZ = await api(`/api/v1/campaigns/${ZF}`);
  assert.equal(dashZ.totals.inspections, all_.length);
});

// The park safety campaign (campaigns.json park_safety) has no history of
// its own in C: its "demo" member plans routine visits of the park's units.
test('park safety: routine visits of the park\'s units since 2021, hazards owned by the checklists\' departments, mostly closed on time, photos of the last year\'s', async () => {
  const PS = 'park_safety';
  const ins = await all('/api/v1/inspections', 'inspections', { campaign: PS });
  assert.ok(ins.length > 0, 'the park was inspected');
  assert.ok(ins.every((i) => i.region.startsWith('gongshu/kejipark/')), 'only the park\'s units (the demo member\'s region)');
  assert.ok(ins.some((i) => i.ts < '2022-01-01'), 'since 2021');
  // the sites are visited every month from the day each started, never before
  const sites = (await api(`/api/v1/entities?${qs({ type: 'site', region: 'gongshu/kejipark', limit: 100 })}`)).entities;
  for (const s of sites) {
    const visits = ins.filter((i) => i.entity === s.id);
    const started = Date.parse(s.attrs.started + 'T00:00:00+08:00');
    assert.ok(visits.every((i) => Date.parse(i.ts) >= started), `${s.id} not visited before it started`);
    if (Date.now() - started > 40 * 86400e3) assert.ok(visits.length > 0, `${s.id} visited`);
  }
  const checklists = Object.fromEntries((await api('/api/v1/checklists')).checklists.map((c) => [c.id, c]));
  for (const i of ins) assert.equal(i.department, checklists[i.checklist].department, 'by an officer of the checklist\'s department');
  const items = (await api(`/api/v1/rectifications?${qs({ campaign: PS, limit: 2000 })}`)).rectify;
  assert.ok(items.length < 2000, 'one page holds them all');
  const n = (st) => items.filter((r) => r.status === st).length;
  assert.ok(n('closed_on_time') > n('closed_late'), 'most closed on time');
  assert.ok(n('closed_on_time') > n('open') + n('overdue'), 'a few still open');
  assert.ok(n('open') + n('overdue') > 0, 'some open now');
  for (const r of items) assert.equal(r.owner, checklists[r.checklist].department, `item ${r.id} owned by the checklist's department`);
  assert.equal(ins.reduce((a, i) => a + i.failed, 0) >= items.length, true, 'every item a failed answer');
  // an open item's order is with its owner, not closed
  const open = items.find((r) => r.status === 'open' || r.status === 'overdue');
  const o = await api(`/api/v1/orders/${open.order}`);
  assert.equal((o.order || o).department, open.owner);
  assert.notEqual((o.order || o).state, 'closed');
  // the last year's failed visits carry a photo of each failed item, a real PNG of a few KB
  const yearAgo = Date.now() - 365 * 86400e3;
  const failed = ins.filter((i) => i.failed > 0 && Date.parse(i.ts) >= yearAgo);
  assert.ok(failed.length > 0);
  for (const i of failed.slice(0, 5)) {
    const d = await api(`/api/v1/inspections/${i.id}`);
    const bad = d.inspection.answers.filter((a) => a.ok === false).map((a) => a.item).sort();
    assert.deepEqual(d.inspection.photos.map((p) => p.item).sort(), bad, `inspection ${i.id}: a photo per failed item`);
    const p = d.inspection.photos[0];
    const r = await fetch(srv.base + p.url, { headers: { Cookie: cookie } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/png');
    const bytes = Buffer.from(await r.arrayBuffer());
    assert.equal(bytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a');
    assert.equal(bytes.readUInt32BE(16), 320, 'width');
    assert.equal(bytes.readUInt32BE(20), 200, 'height');
    assert.ok(bytes.length === p.size && p.size < 8192, `${p.size} bytes`);
  }
  // older visits have none: the photos stay bounded
  const old = ins.find((i) => i.failed > 0 && Date.parse(i.ts) < yearAgo - 86400e3);
  assert.deepEqual((await api(`/api/v1/inspections/${old.id}`)).inspection.photos, []);
});

test('a second start keeps the campaigns as they were', async () => {
  await stopDemo();
  await startDemo();
  const again = await api(`/api/v1/campaigns/${CP}`);
  assert.equal(again.totals.signed.stall_pledge, 2350);
  assert.equal(again.totals.inspections, dash.totals.inspections);
  assert.equal(again.totals.violations, dash.totals.violations);
});
