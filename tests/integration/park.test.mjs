// park.test.mjs - issue 13 §5 against the Gongshu pack: records returned vs
// used per source (GET /api/v1/sources/usage), counted from what the test
// writes, "used" being the records of metrics a cockpit panel or an enabled
// rule reads; the duty status of the park's enforcement teams and grid
// members (GET /api/v1/statuses/duty) from check-ins the test writes, by
// their kind and age; scopes and errors of both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createWorld, GONGSHU_PACK, errorOf, show, iso } from './harness.mjs';

const PARK = 'gongshu/kejipark';
const MIN = 60e3;
const ENTITIES = fs.readFileSync(path.join(GONGSHU_PACK, 'entities.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const inPark = (e) => e.region.startsWith(PARK + '/');
const DUTY = ENTITIES.filter((e) => e.type === 'duty_unit');
const LIGHT = ENTITIES.find((e) => e.type === 'street_light' && inPark(e));
const LIGHT_XTD = ENTITIES.find((e) => e.type === 'street_light' && e.region === 'gongshu/dongxin/xintiandi');
const POINT = ENTITIES.find((e) => e.type === 'patrol_point' && inPark(e));

let w;
before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['patrol', 'smart_light'] });
});
after(async () => { await w?.close(); });

const at = (ms) => iso(ms);

test('records returned vs used: per source and metric, from the records written; "used" = metrics a panel or rule reads', async () => {
  const now = Date.now();
  const day = 86400e3;
  // the patrol system: 3 duty check-ins and 2 patrol check-ins in the park
  await w.ingestOk([
    { entity: DUTY[0].id, metric: 'duty_checkin', ts: at(now - 3 * day), value: 1 },
    { entity: DUTY[0].id, metric: 'duty_checkin', ts: at(now - 2 * day), value: 2 },
    { entity: DUTY[1].id, metric: 'duty_checkin', ts: at(now - 2 * day), value: 0 },
    { entity: POINT.id, metric: 'patrol_checkins', ts: at(now - 2 * day), value: 3 },
    { entity: POINT.id, metric: 'patrol_checkins', ts: at(now - 1 * day), value: 4 },
  ], { token: w.tokens.patrol });
  // the street lights: 4 energy readings nobody reads, 1 status the rules read; one light outside the park
  await w.ingestOk([
    ...[4, 3, 2, 1].map((d) => ({ entity: LIGHT.id, metric: 'light_energy', ts: at(now - d * day), value: 1200 })),
    { entity: LIGHT.id, metric: 'light_status', ts: at(now - 2 * day), value: 1 },
    { entity: LIGHT_XTD.id, metric: 'light_energy', ts: at(now - 2 * day), value: 1100 },
  ], { token: w.tokens.smart_light });
  // the same record again replaces it: received counts it, stored does not
  await w.ingestOk([{ entity: LIGHT.id, metric: 'light_energy', ts: at(now - 4 * day), value: 1250 }], { token: w.tokens.smart_light });

  const r = await w.get('admin', '/api/v1/sources/usage?region=' + PARK);
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.region, PARK);
  const src = Object.fromEntries(r.json.sources.map((s) => [s.id, s]));
  assert.deepEqual([src.patrol.records, src.patrol.used], [5, 5]);
  assert.deepEqual([src.smart_light.records, src.smart_light.used], [5, 1]);
  assert.deepEqual(src.smart_light.metrics.map((m) => [m.metric, m.records, m.used]).sort(), [['light_energy', 4, false], ['light_status', 1, true]]);
  assert.equal(src.smart_light.received, 7, 'the ingest counter: every accepted line, the light outside the park and the replacement too');
  assert.equal(src.patrol.received, 5);
  assert.deepEqual([r.json.records, r.json.used], [10, 6]);
  assert.equal(r.json.used_share, 0.6);
  // who reads: a panel of the park's safe-park module, a rule
  const read = Object.fromEntries(r.json.read.map((x) => [x.metric, x.readers]));
  assert.ok(read.duty_checkin.includes('park/safety/duty_counts'), read.duty_checkin.join());
  assert.ok(read.light_status.some((x) => x.startsWith('rule:')), read.light_status.join());
  assert.equal(read.light_energy, undefined);
  assert.equal(read.pit_wall_deflection.includes('site:hz_center_pit'), true);

  // the whole district (the default for an unscoped user) has the Xintiandi light too
  const all = await w.get('admin', '/api/v1/sources/usage');
  const sl = all.json.sources.find((s) => s.id === 'smart_light');
  assert.deepEqual([sl.records, sl.used], [6, 1]);
  // Xintiandi alone: only that light
  const x = await w.get('admin', '/api/v1/sources/usage?region=gongshu/dongxin/xintiandi');
  assert.deepEqual([x.json.records, x.json.used], [1, 0]);
  assert.equal(x.json.used_share, 0);
});

test('usage: a park manager reads the park; a viewer scoped to Dongxin may not read the park; unknown regions are named', async () => {
  const pm = await w.get('park', '/api/v1/sources/usage');
  assert.equal(pm.status, 200, show(pm));
  assert.equal(pm.json.region, PARK);
  const dx = await w.get('viewer', '/api/v1/sources/usage?region=' + PARK);
  assert.equal(dx.status, 403, show(dx));
  const bad = await w.get('admin', '/api/v1/sources/usage?region=gongshu/nowhere');
  assert.equal(bad.status, 404, show(bad));
  assert.equal(errorOf(bad).field, 'region');
  const anon = await w.api('GET', '/api/v1/sources/usage');
  assert.equal(anon.status, 401);
});

test('duty status: the last check-in\'s kind and age give patrolling / on duty / off, counted per kind and listed', async () => {
  const now = Date.now();
  const teams = DUTY.filter((e) => e.attrs.kind === 'enforcement_team');
  const grid = DUTY.filter((e) => e.attrs.kind === 'grid_member');
  const writes = [
    [teams[2], 2, 10 * MIN, 'patrolling'], // a patrol check-in 10 minutes ago
    [teams[3], 1, 60 * MIN, 'on_duty'], // signed on an hour ago
    [grid[0], 2, 60 * MIN, 'on_duty'], // a patrol check-in an hour ago: past 45 min, still within 2 h
    [grid[1], 0, 5 * MIN, 'off'], // signed off
    [grid[2], 1, 180 * MIN, 'off'], // signed on three hours ago and silent since
    [grid[3], 1, 300 * MIN, 'patrolling', [2, 20 * MIN]], // the later check-in counts
  ];
  const lines = [];
  for (const [e, v, age, , later] of writes) {
    lines.push({ entity: e.id, metric: 'duty_checkin', ts: at(now - age), value: v });
    if (later) lines.push({ entity: e.id, metric: 'duty_checkin', ts: at(now - later[1]), value: later[0] });
  }
  // the usage test wrote DUTY[0] and DUTY[1] two days ago: off
  await w.ingestOk(lines, { token: w.tokens.patrol });
  const r = await w.get('admin', `/api/v1/statuses/duty?region=${PARK}&by=kind`);
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.metric, 'duty_checkin');
  assert.equal(r.json.total, DUTY.length);
  const want = { patrolling: 0, on_duty: 0, off: 0 };
  const byEntity = new Map(writes.map(([e, , , s]) => [e.id, s]));
  for (const e of DUTY) want[byEntity.get(e.id) || 'off']++;
  assert.deepEqual(Object.fromEntries(r.json.states.map((s) => [s.id, s.n])), want);
  assert.deepEqual(r.json.states.map((s) => s.id), ['patrolling', 'on_duty', 'off']);
  for (const it of r.json.items) assert.equal(it.state, byEntity.get(it.entity) || 'off', it.entity);
  // listed by state, the declared order
  const order = r.json.items.map((it) => ['patrolling', 'on_duty', 'off'].indexOf(it.state));
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  const patrol = r.json.items.find((it) => it.entity === teams[2].id);
  assert.equal(patrol.value, 2);
  assert.equal(patrol.value_name_zh, '巡查打卡');
  assert.equal(r.json.items.find((it) => it.entity === DUTY[DUTY.length - 1].id).last, null);
  // per kind
  const groups = Object.fromEntries(r.json.groups.map((g) => [g.key, g]));
  assert.equal(groups.enforcement_team.n, teams.length);
  assert.equal(groups.grid_member.n, grid.length);
  assert.deepEqual(groups.enforcement_team.states, { patrolling: 1, on_duty: 1, off: teams.length - 2 });
  assert.deepEqual(groups.grid_member.states, { patrolling: 1, on_duty: 1, off: grid.length - 2 });
  // one sub-park only
  const bb = await w.get('admin', '/api/v1/statuses/duty?region=gongshu/kejipark/beibu&limit=3');
  assert.equal(bb.json.total, DUTY.filter((e) => e.region === 'gongshu/kejipark/beibu').length);
  assert.equal(bb.json.items.length, 3);
});

test('statuses: the declarations; unknown status, attribute and scope are refused with a clear error', async () => {
  const list = await w.get('admin', '/api/v1/statuses');
  assert.equal(list.status, 200, show(list));
  assert.deepEqual(list.json.statuses.map((s) => s.id), ['duty']);
  const none = await w.get('admin', '/api/v1/statuses/sleep');
  assert.equal(none.status, 404, show(none));
  assert.equal(errorOf(none).field, 'id');
  assert.match(errorOf(none).message, /status "sleep" is not declared/);
  assert.match(none.json.error.message_zh, /未定义/);
  const badBy = await w.get('admin', '/api/v1/statuses/duty?by=shoe_size');
  assert.equal(badBy.status, 400, show(badBy));
  assert.equal(errorOf(badBy).field, 'by');
  const dx = await w.get('viewer', '/api/v1/statuses/duty?region=' + PARK);
  assert.equal(dx.status, 403, show(dx));
  const own = await w.get('viewer', '/api/v1/statuses/duty');
  assert.equal(own.status, 200);
  assert.equal(own.json.total, 0, 'no duty unit in Dongxin');
  const pm = await w.get('park', '/api/v1/statuses/duty');
  assert.equal(pm.json.total, DUTY.length);
});
