// Order statistics (GET /api/v1/stats/orders) against orders made and
// worked here with the test clock: counts, closed/open/overdue, on-time
// rate, satisfaction, by department (a joint order counts for each of its
// departments), matter and child region, the same span a year earlier, the
// default span (this month), and who sees what: a scoped user its scope, an
// officer its own department, a park manager nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf, iso, shift, show } from './harness.mjs';
import { dispatchWorld, minuteNow, MIN } from './lib/dispatch.mjs';

let w;
let t0; // the moment the orders of this year are made
const XTD = 'gongshu/dongxin/xintiandi';
const HUSHU = 'gongshu/hushu';
const P3 = { lon: 120.18100, lat: 30.31200 };
const ids = {};

async function create(body) {
  return (await w.ok('disp', 'POST', '/api/v1/orders', body, 201)).order.id;
}

before(async () => {
  w = await dispatchWorld();
  t0 = minuteNow();
  // a year earlier: one order in Xintiandi
  await w.at(shift(t0, { years: 1 })); // shift goes back in time
  ids.lastYear = await create({ matter: 'illegal_parking', region: XTD, title: '去年违停', ...P3 });
  await w.at(t0);
  // parking, done in time, closed and rated 4
  ids.a = await create({ matter: 'illegal_parking', region: XTD, title: '违停A', ...P3 });
  await w.act('disp', ids.a, 'dispatch');
  await w.act('tp', ids.a, 'accept');
  await w.act('tp', ids.a, 'resolve', { note: '已处理' });
  await w.act('disp', ids.a, 'verify');
  await w.act('disp', ids.a, 'close');
  await w.ok('disp', 'POST', `/api/v1/orders/${ids.a}/rate`, { score: 4 });
  // parking, dispatched and left open past its deadlines (overdue)
  ids.b = await create({ matter: 'illegal_parking', region: XTD, title: '违停B',
    lon: 120.19000, lat: 30.31900 });
  await w.act('disp', ids.b, 'dispatch');
  // a joint elevator order (market supervision and fire), still open
  ids.c = await create({ matter: 'elevator_fault', region: XTD, title: '电梯困人',
    lon: 120.17000, lat: 30.30500 });
  await w.act('disp', ids.c, 'dispatch');
  // hygiene in Hushu, resolved in time and rated 5
  ids.d = await create({ matter: 'environmental_hygiene', region: HUSHU, title: '垃圾堆放' });
  await w.act('disp', ids.d, 'dispatch');
  await w.act('um', ids.d, 'accept');
  await w.act('um', ids.d, 'resolve', { note: '已清运' });
  await w.ok('disp', 'POST', `/api/v1/orders/${ids.d}/rate`, { score: 5 });
  // past B's 120-minute deadline
  await w.advance(200);
});
after(async () => { await w?.close(); });

const span = () => `from=${encodeURIComponent(iso(t0 - 60 * MIN))}&to=${encodeURIComponent(iso(t0 + 600 * MIN))}`;
const byKey = (rows) => Object.fromEntries(rows.map((x) => [x.key, x]));

test('totals: orders, closed, open, overdue, on-time rate, satisfaction, year on year', async () => {
  const s = await w.ok('admin', 'GET', `/api/v1/stats/orders?${span()}`);
  assert.equal(s.region, 'gongshu');
  const x = s.total;
  assert.equal(x.orders, 4, JSON.stringify(s.total));
  assert.equal(x.closed, 2, 'A closed, D resolved');
  assert.equal(x.open, 2);
  assert.equal(x.closed + x.open, x.orders);
  assert.ok(x.overdue >= 1, 'B passed its deadline');
  assert.equal(x.with_sla, 2);
  assert.equal(x.on_time, 2);
  assert.equal(x.on_time_rate, 1);
  assert.equal(x.rated, 2);
  assert.equal(x.satisfaction, 4.5, '(4 + 5) / 2');
  assert.equal(x.last_year.orders, 1);
  assert.equal(x.yoy_pct, 300, '4 against 1');
});

test('by department (a joint order counts for each), matter and child region, with names', async () => {
  const s = await w.ok('admin', 'GET', `/api/v1/stats/orders?${span()}`);
  const d = byKey(s.by_department);
  assert.equal(d.traffic_police.orders, 2);
  assert.equal(d.traffic_police.closed, 1);
  assert.equal(d.traffic_police.satisfaction, 4);
  assert.equal(d.traffic_police.last_year.orders, 0, 'last year\'s order was never dispatched');
  assert.equal(d[''].last_year.orders, 1);
  assert.equal(d[''].name_zh, '未派单');
  assert.equal(d[''].orders, 0);
  assert.equal(d.market_supervision.orders, 1);
  assert.equal(d.fire.orders, 1);
  assert.equal(d.urban_mgmt.orders, 1);
  assert.ok(d.traffic_police.name_zh && d.traffic_police.name_zh !== 'traffic_police');
  const m = byKey(s.by_matter);
  assert.equal(m.illegal_parking.orders, 2);
  assert.equal(m.illegal_parking.name_zh, '违停投诉');
  assert.equal(m.illegal_parking.yoy_pct, 100);
  assert.equal(m.elevator_fault.orders, 1);
  assert.equal(s.by_matter.reduce((n, r) => n + r.orders, 0), s.total.orders);
  const r = byKey(s.by_region);
  assert.equal(r['gongshu/dongxin'].orders, 3);
  assert.equal(r['gongshu/dongxin'].name_zh, '东新街道');
  assert.equal(r[HUSHU].orders, 1);
  assert.equal(r[HUSHU].satisfaction, 5);
  // a street's children are its blocks
  const dx = await w.ok('admin', 'GET', `/api/v1/stats/orders?region=gongshu/dongxin&${span()}`);
  assert.equal(byKey(dx.by_region)[XTD].orders, 3);
  assert.equal(dx.total.orders, 3);
});

test('the default span is this month (Shanghai calendar)', async () => {
  const s = await w.ok('admin', 'GET', '/api/v1/stats/orders');
  const from = new Date(Date.parse(s.from) + 8 * 3600e3);
  assert.equal(from.getUTCDate(), 1);
  assert.equal(from.getUTCHours(), 0);
  assert.ok(Date.parse(s.from) <= t0 && t0 < Date.parse(s.to));
  assert.equal(s.total.orders, 4);
});

test('scope: a leader of Dongxin sees Dongxin; another street is refused', async () => {
  const s = await w.ok('viewer', 'GET', `/api/v1/stats/orders?${span()}`);
  assert.equal(s.region, 'gongshu/dongxin');
  assert.equal(s.total.orders, 3);
  assert.ok(!s.by_department.some((x) => x.key === 'urban_mgmt'), 'Hushu\'s order is not counted');
  const r = await w.call('disp_dx', 'GET', `/api/v1/stats/orders?region=${HUSHU}&${span()}`);
  assert.equal(r.status, 403, show(r));
  assert.equal(errorOf(r).field, 'region');
  const p = await w.call('park', 'GET', `/api/v1/stats/orders?${span()}`);
  assert.equal(p.status, 403, show(p));
});

test('an officer sees its own department only', async () => {
  const tp = await w.ok('tp', 'GET', `/api/v1/stats/orders?${span()}`);
  assert.equal(tp.department, 'traffic_police');
  assert.equal(tp.total.orders, 2);
  assert.deepEqual(tp.by_department.map((x) => x.key), ['traffic_police']);
  assert.deepEqual(tp.by_matter.map((x) => x.key), ['illegal_parking']);
  const fire = await w.ok('fire', 'GET', `/api/v1/stats/orders?${span()}`);
  assert.equal(fire.total.orders, 1, 'the joint elevator order');
  assert.deepEqual(fire.by_department.map((x) => x.key), ['fire']);
  const ct = await w.ok('ct', 'GET', `/api/v1/stats/orders?${span()}`);
  assert.equal(ct.total.orders, 0);
  assert.deepEqual(ct.by_matter, []);
});

test('bad input: from after to, unknown format', async () => {
  let r = await w.call('admin', 'GET', `/api/v1/stats/orders?from=${encodeURIComponent(iso(t0))}&to=${encodeURIComponent(iso(t0 - MIN))}`);
  assert.equal(r.status, 400, show(r));
  r = await w.call('admin', 'GET', '/api/v1/stats/orders?format=pdf');
  assert.equal(r.status, 400, show(r));
  assert.equal(errorOf(r).field, 'format');
});
