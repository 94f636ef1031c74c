// Queries computed from records the test posts into a fresh world: series
// (points, exact totals, every agg, yoy/mom change), breakdown by children and
// by attribute, top, latest, portrait, and freshness (visible once answered;
// how soon is bench/run.sh visibility's figure).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, errorOf, show, iso, qs, ms, localMidnight, parts, shift, HOUR, DAY } from './harness.mjs';

let w;

// D: a local midnight 10+ days ago whose day of month is at most 28, so that
// one year and one month earlier are the same wall-clock dates.
const TODAY = localMidnight(Date.now());
let D = TODAY - 10 * DAY;
if (parts(D).d > 28) D -= 3 * DAY;
const at = (days, h = 0, mi = 0, s = 0) => D + days * DAY + h * HOUR + mi * 60e3 + s * 1000;
const V = (entity, ts, value, metric = 'visitors') => ({ entity, metric, ts, value });

const VISITORS = [
  V('c-xtd-1', at(0, 10), 5), V('c-xtd-1', at(0, 10, 30), 7), V('c-xtd-1', at(1, 9, 15), 11), V('c-xtd-1', at(2, 23, 59, 59), 13),
  V('c-xtd-2', at(1, 12), 2),
  V('c-dx-1', at(0), 3), V('c-dx-1', at(3), 100), // at(3) is the first instant after the range
  V('c-hs-1', at(0, 12), 1000),
  V('c-xtd-1', at(0) - 1000, 500), // the last second before the range
  V('c-bb-1', at(1, 14), 36),
  V('c-wg-1', at(1, 15), 5),
  // one year earlier: 20 + 30 in Dongxin
  V('c-xtd-1', shift(at(0, 8), { years: 1 }), 20), V('c-xtd-1', shift(at(1, 8), { years: 1 }), 30),
  // one month earlier: 82 in Dongxin
  V('c-dx-1', shift(at(1, 10), { months: 1 }), 82),
];
const PARKING = [
  V('p-xtd-1', at(0, 8), 10, 'parking_occupancy'), V('p-xtd-1', at(0, 9), 20, 'parking_occupancy'),
  V('p-dx-1', at(0, 10), 90, 'parking_occupancy'), V('p-hs-1', at(0, 10), 0, 'parking_occupancy'),
];
const TAX = [
  V('e-xtd-01', at(1, 10), 10, 'tax'), V('e-xtd-02', at(1, 10), 20.5, 'tax'), V('e-xtd-03', at(1, 10), 5, 'tax'),
  V('e-xtd-04', at(1, 10), 7, 'tax'), V('e-bb-01', at(1, 10), 100, 'tax'), V('e-bb-03', at(1, 10), 50, 'tax'),
  V('e-wg-03', at(1, 10), 1, 'tax'),
  // for the portrait of e-xtd-01: one inside its 30 days, one outside
  V('e-xtd-01', TODAY - 2 * DAY + 10 * HOUR, 12.5, 'tax'), V('e-xtd-01', TODAY - 40 * DAY + 10 * HOUR, 99, 'tax'),
];
const EMPLOYEES = [
  V('e-xtd-01', TODAY - 5 * DAY + 9 * HOUR, 40, 'employees'), V('e-xtd-01', TODAY - 1 * DAY + 9 * HOUR, 42, 'employees'),
];

before(async () => {
  w = await createWorld();
  const post = async (recs, src) => {
    const r = await w.ingest(recs, { token: w.tokens[src] });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.accepted, recs.length, show(r));
  };
  await post(VISITORS, 'wenlv_flow');
  await post(PARKING, 'smart_parking');
  await post(TAX, 'tax_share');
  await post(EMPLOYEES, 'market_registry');
});
after(async () => { await w?.close(); });

async function q(path, params, who = 'admin') {
  const r = await w.get(who, `/api/v1/${path}?${qs(params)}`);
  assert.equal(r.status, 200, `${path} ${qs(params)}: ${show(r)}`);
  return r.json;
}
const near = (a, b, msg) => assert.ok(a !== null && b !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${msg}: ${a} vs ${b}`);
const pts = (s) => s.points.map((p) => p.v);
const times = (s) => s.points.map((p) => ms(p.t));
const RANGE = { from: iso(at(0)), to: iso(at(3)) };

test('series: day points and the exact total of what was posted, range edges included and excluded', async () => {
  const s = await q('series', { metric: 'visitors', region: 'gongshu/dongxin', grain: 'day', ...RANGE });
  assert.equal(s.metric, 'visitors');
  assert.equal(s.region, 'gongshu/dongxin');
  assert.equal(s.grain, 'day');
  assert.equal(s.agg, 'sum', "the metric's own aggregation by default");
  assert.equal(ms(s.from), at(0));
  assert.equal(ms(s.to), at(3));
  assert.match(s.from, /\+08:00$/, 'times are shown in +08:00');
  assert.deepEqual(times(s), [at(0), at(1), at(2)]);
  assert.deepEqual(pts(s), [15, 13, 13]);
  assert.equal(s.total, 41);
  assert.equal(ms(s.total_from), at(0));
  assert.equal(ms(s.total_to), at(3));
  assert.ok(!('cut' in s) || s.cut === false, 'an unscoped user is never cut');

  const xtd = await q('series', { metric: 'visitors', region: 'gongshu/dongxin/xintiandi', grain: 'day', ...RANGE });
  assert.deepEqual(pts(xtd), [12, 13, 13]);
  const all = await q('series', { metric: 'visitors', region: 'gongshu', grain: 'day', ...RANGE });
  assert.deepEqual(pts(all), [1015, 54, 13]);
  assert.equal(all.total, 1082);
});

test('series: hour points of one day, and the default grain for the span', async () => {
  const s = await q('series', { metric: 'visitors', region: 'gongshu/dongxin', grain: 'hour', from: iso(at(0)), to: iso(at(1)) });
  assert.equal(s.points.length, 24);
  const want = Array(24).fill(0);
  want[0] = 3;
  want[10] = 12;
  assert.deepEqual(pts(s), want);
  assert.deepEqual(times(s), Array.from({ length: 24 }, (_, i) => at(0, i)));
  assert.equal(s.total, 15);

  const dflt = await q('series', { metric: 'visitors', region: 'gongshu/dongxin', ...RANGE });
  assert.equal(dflt.grain, 'hour', '3 days: hour by default');
  assert.equal(dflt.points.length, 72);
  assert.equal(dflt.total, 41);
  const days20 = await q('series', { metric: 'visitors', region: 'gongshu/dongxin', from: iso(at(-17)), to: iso(at(3)) });
  assert.equal(days20.grain, 'day', '20 days: day by default');
  assert.equal(days20.points.length, 20);
  const recent = await q('series', { metric: 'visitors', region: 'gongshu/dongxin', from: iso(Date.now() - 2 * HOUR) });
  assert.equal(recent.grain, 'minute', '2 hours: minute by default');
  const last24 = await q('series', { metric: 'visitors', region: 'gongshu/dongxin' });
  const span = ms(last24.to) - ms(last24.from);
  assert.ok(span >= 24 * HOUR && span <= 25 * HOUR, `the default range is the last 24 h: ${last24.from} .. ${last24.to}`);
  assert.ok(Math.abs(ms(last24.to) - Date.now()) <= HOUR, `...ending now: ${last24.to}`);
});

test('series: every aggregation, with avg = total sum / total count', async () => {
  const run = (agg) => q('series', { metric: 'visitors', region: 'gongshu/dongxin', grain: 'day', agg, ...RANGE });
  const count = await run('count');
  assert.equal(count.agg, 'count');
  assert.deepEqual(pts(count), [3, 2, 1]);
  assert.equal(count.total, 6);
  const avg = await run('avg');
  assert.deepEqual(pts(avg), [5, 6.5, 13]);
  near(avg.total, 41 / 6, 'avg total');
  const min = await run('min');
  assert.deepEqual(pts(min), [3, 2, 13]);
  assert.equal(min.total, 2);
  const max = await run('max');
  assert.deepEqual(pts(max), [7, 11, 13]);
  assert.equal(max.total, 13);
  const last = await run('last');
  assert.deepEqual(pts(last), [7, 2, 13], 'last: the value with the latest timestamp in each bucket');
  assert.equal(last.total, 13);

  // a bucket without records: 0 for sum and count, null otherwise
  const empty = { metric: 'visitors', region: 'gongshu/hushu', grain: 'day', from: iso(at(1)), to: iso(at(2)) };
  assert.deepEqual(pts(await q('series', { ...empty, agg: 'sum' })), [0]);
  assert.deepEqual(pts(await q('series', { ...empty, agg: 'count' })), [0]);
  for (const agg of ['avg', 'min', 'max', 'last']) {
    const s = await q('series', { ...empty, agg });
    assert.deepEqual(pts(s), [null], `${agg} of nothing`);
    assert.equal(s.total, null, `${agg} total of nothing`);
  }
  const bad = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', agg: 'median', ...RANGE })}`);
  assert.equal(bad.status, 400, show(bad));
  assert.equal(errorOf(bad).field, 'agg');
});

test('series: a gauge averages over all records, never a mean of means', async () => {
  const s = await q('series', { metric: 'parking_occupancy', region: 'gongshu/dongxin', grain: 'day', from: iso(at(0)), to: iso(at(1)) });
  assert.equal(s.agg, 'avg');
  assert.deepEqual(pts(s), [40], '(10 + 20 + 90) / 3, not (15 + 90) / 2');
  assert.equal(s.total, 40);
  const all = await q('series', { metric: 'parking_occupancy', region: 'gongshu', grain: 'hour', from: iso(at(0)), to: iso(at(1)) });
  assert.equal(all.total, 30);
  assert.equal(all.points[10].v, 45, 'the 10:00 bucket: (90 + 0) / 2');
  assert.equal(all.points[11].v, null, 'an empty bucket of an avg is null');
});

test('series: a total over a range that does not fall on the grain is exact to the minute', async () => {
  const s = await q('series', { metric: 'visitors', region: 'gongshu/dongxin', grain: 'day', from: iso(at(0, 10, 17)), to: iso(at(1, 3)) });
  assert.equal(ms(s.from), at(0), 'points: from rounded down to the day');
  assert.equal(ms(s.to), at(2), 'points: to rounded up to the day');
  assert.deepEqual(pts(s), [15, 13]);
  assert.equal(s.total, 7, 'only 10:30 (7) lies in [10:17, next day 03:00)');
  assert.equal(ms(s.total_from), at(0, 10, 17));
  assert.equal(ms(s.total_to), at(1, 3));
  const s2 = await q('series', { metric: 'visitors', region: 'gongshu/dongxin', grain: 'day', from: iso(at(0, 10, 0, 30)), to: iso(at(0, 10, 30, 1)) });
  assert.equal(ms(s2.total_from), at(0, 10), 'rounded outward to the minute');
  assert.equal(ms(s2.total_to), at(0, 10, 31));
  assert.equal(s2.total, 12);
});

test('series: minute buckets older than 48 h are null, but the total is still exact', async () => {
  const s = await q('series', { metric: 'visitors', region: 'gongshu/dongxin', grain: 'minute', from: iso(at(0, 10)), to: iso(at(0, 11)) });
  assert.equal(s.points.length, 60);
  assert.ok(s.points.every((p) => p.v === null), `minute rows of ${parts(at(0)).m}/${parts(at(0)).d} are gone: every point null`);
  assert.equal(s.total, 12);
});

test('series: more than 5,000 points is 400', async () => {
  const r = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu', grain: 'minute', from: iso(at(0)), to: iso(at(4)) })}`);
  assert.equal(r.status, 400, show(r));
  assert.equal(errorOf(r).code, 'invalid');
  const ok = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu', grain: 'minute', from: iso(Date.now() - 5000 * 60e3 + 120e3) })}`);
  assert.equal(ok.status, 200, `just under 5,000 minutes: ${show(ok)}`);
  assert.ok(ok.json.points.length <= 5000);
});

test('series: compare=yoy gives last year\'s points, total and the exact change', async () => {
  const s = await q('series', { metric: 'visitors', region: 'gongshu/dongxin', grain: 'day', compare: 'yoy', ...RANGE });
  assert.equal(s.compare, 'yoy');
  assert.equal(s.total, 41);
  assert.deepEqual(s.previous.map((p) => p.v), [20, 30, 0]);
  assert.deepEqual(s.previous.map((p) => ms(p.t)), [0, 1, 2].map((d) => shift(at(d), { years: 1 })));
  assert.equal(s.previous_total, 50);
  assert.equal(ms(s.previous_from), shift(at(0), { years: 1 }));
  assert.equal(ms(s.previous_to), shift(at(3), { years: 1 }));
  near(s.change, (41 - 50) / 50, 'change = (total - previous_total) / previous_total');
});

test('series: compare=mom moves the range one calendar month; change null when there was nothing', async () => {
  const s = await q('series', { metric: 'visitors', region: 'gongshu/dongxin', grain: 'day', compare: 'mom', ...RANGE });
  assert.equal(s.compare, 'mom');
  assert.deepEqual(s.previous.map((p) => p.v), [0, 82, 0]);
  assert.equal(s.previous_total, 82);
  assert.equal(ms(s.previous_from), shift(at(0), { months: 1 }));
  near(s.change, (41 - 82) / 82, 'mom change');
  const none = await q('series', { metric: 'visitors', region: 'gongshu/hushu', grain: 'day', compare: 'yoy', ...RANGE });
  assert.equal(none.total, 1000);
  assert.equal(none.previous_total, 0);
  assert.equal(none.change, null, 'no change against a previous total of 0');
  const bad = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', compare: 'wow', ...RANGE })}`);
  assert.equal(bad.status, 400, show(bad));
  assert.equal(errorOf(bad).field, 'compare');
});

test('series: bad input names the parameter', async () => {
  const cases = [
    [{ region: 'gongshu' }, 'metric'],
    [{ metric: 'no_such_metric' }, 'metric'],
    [{ metric: 'visitors', region: 'gongshu/atlantis' }, 'region'],
    [{ metric: 'visitors', from: 'last tuesday' }, 'from'],
    [{ metric: 'visitors', from: iso(at(0)), to: 'soon' }, 'to'],
    [{ metric: 'visitors', grain: 'fortnight' }, 'grain'],
  ];
  for (const [params, field] of cases) {
    const r = await w.get('admin', `/api/v1/series?${qs(params)}`);
    const unknown = (field === 'region' && params.region) || (field === 'metric' && params.metric);
    assert.equal(r.status, unknown ? 404 : 400, `${qs(params)}: ${show(r)}`);
    assert.equal(errorOf(r).field, field, `${qs(params)}: ${show(r)}`);
  }
});

test('breakdown by children: one item per child region, sorted by value, ties by key', async () => {
  const b = await q('breakdown', { metric: 'visitors', region: 'gongshu', by: 'children', ...RANGE });
  assert.equal(b.metric, 'visitors');
  assert.equal(b.region, 'gongshu');
  assert.equal(b.by, 'children');
  assert.equal(b.agg, 'sum');
  assert.deepEqual(b.items.map((i) => [i.key, i.v]), [['gongshu/hushu', 1000], ['gongshu/dongxin', 41], ['gongshu/kejipark', 41], ['gongshu/dongxinbei', 0]],
    'a child without records is 0 for a sum');
  const dx = b.items.find((i) => i.key === 'gongshu/dongxin');
  assert.equal(dx.name_zh, '东新街道');
  assert.equal(dx.name_en, 'Dongxin Street');
  assert.equal(ms(b.from), at(0));
  assert.equal(ms(b.to), at(3));

  const dflt = await q('breakdown', { metric: 'visitors', region: 'gongshu/dongxin', ...RANGE });
  assert.equal(dflt.by, 'children', 'children by default');
  assert.deepEqual(dflt.items.map((i) => [i.key, i.v]), [['gongshu/dongxin/xintiandi', 38]],
    'entities directly in Dongxin belong to no child');

  const count = await q('breakdown', { metric: 'visitors', region: 'gongshu', agg: 'count', ...RANGE });
  assert.deepEqual(count.items.map((i) => [i.key, i.v]), [['gongshu/dongxin', 6], ['gongshu/kejipark', 2], ['gongshu/hushu', 1], ['gongshu/dongxinbei', 0]]);
  const avg = await q('breakdown', { metric: 'parking_occupancy', region: 'gongshu', from: iso(at(0)), to: iso(at(1)) });
  assert.deepEqual(avg.items.map((i) => [i.key, i.v]), [['gongshu/dongxin', 40], ['gongshu/hushu', 0], ['gongshu/dongxinbei', null], ['gongshu/kejipark', null]],
    'avg per child; a child without records is null and comes last, ties by key');
});

test('breakdown by an attribute groups the entities with data; missing values group under ""', async () => {
  const b = await q('breakdown', { metric: 'visitors', region: 'gongshu', by: 'kind', ...RANGE });
  assert.equal(b.by, 'kind');
  assert.deepEqual(b.items.map((i) => [i.key, i.v]), [['street', 1003], ['gate', 74], ['', 5]]);
  const unknown = b.items.find((i) => i.key === '');
  assert.equal(unknown.name_zh, '未知');
  assert.equal(unknown.name_en, 'unknown');
  const gate = b.items.find((i) => i.key === 'gate');
  assert.equal(gate.name_zh, 'gate');
  assert.equal(gate.name_en, 'gate');

  const dx = await q('breakdown', { metric: 'visitors', region: 'gongshu/dongxin', by: 'kind', ...RANGE });
  assert.deepEqual(dx.items.map((i) => [i.key, i.v]), [['gate', 38], ['street', 3]]);

  const tax = await q('breakdown', { metric: 'tax', region: 'gongshu', by: 'industry', ...RANGE });
  assert.deepEqual(tax.items.map((i) => [i.key, i.v]),
    [['digital_economy', 130.5], ['smart_manufacturing', 50], ['', 7], ['trade_services', 5], ['new_energy', 1]],
    'only entities with data in the range; e-xtd-04 has no industry');
  const byNumber = await q('breakdown', { metric: 'tax', region: 'gongshu/kejipark', by: 'employees', ...RANGE });
  assert.deepEqual(byNumber.items.map((i) => [i.key, i.v]), [['120', 100], ['300', 50], ['33', 1]],
    'a number attribute keys by its written value');

  // attribute breakdowns work in whole local days
  const partial = await q('breakdown', { metric: 'visitors', region: 'gongshu', by: 'kind', from: iso(at(0, 11)), to: iso(at(1, 10)) });
  assert.equal(ms(partial.from), at(0));
  assert.equal(ms(partial.to), at(2));
  assert.deepEqual(partial.items.map((i) => [i.key, i.v]), [['street', 1003], ['gate', 61], ['', 5]],
    'days D and D+1 whole: gate = 12 + 11 + 2 + 36');

  const bad = await w.get('admin', `/api/v1/breakdown?${qs({ metric: 'visitors', region: 'gongshu', by: 'colour', ...RANGE })}`);
  assert.equal(bad.status, 400, `an attribute the type does not declare: ${show(bad)}`);
  assert.equal(errorOf(bad).field, 'by');
});

test('top: entities by value, ties by id, limited to n and to the region', async () => {
  const t = await q('top', { metric: 'visitors', region: 'gongshu', n: 10, ...RANGE });
  assert.equal(t.metric, 'visitors');
  assert.equal(t.region, 'gongshu');
  assert.equal(t.agg, 'sum');
  assert.deepEqual(t.items.map((i) => [i.entity, i.v]),
    [['c-hs-1', 1000], ['c-bb-1', 36], ['c-xtd-1', 36], ['c-wg-1', 5], ['c-dx-1', 3], ['c-xtd-2', 2]]);
  assert.equal(t.items[0].name_zh, '湖墅南路计数点');
  assert.equal(t.items[0].name_en, 'Hushu South Road counter');
  const three = await q('top', { metric: 'visitors', region: 'gongshu', n: 3, ...RANGE });
  assert.deepEqual(three.items.map((i) => i.entity), ['c-hs-1', 'c-bb-1', 'c-xtd-1']);
  const park = await q('top', { metric: 'visitors', region: 'gongshu/kejipark', ...RANGE });
  assert.deepEqual(park.items.map((i) => [i.entity, i.v]), [['c-bb-1', 36], ['c-wg-1', 5]]);
  const count = await q('top', { metric: 'visitors', region: 'gongshu', agg: 'count', n: 2, ...RANGE });
  assert.deepEqual(count.items.map((i) => [i.entity, i.v]), [['c-xtd-1', 4], ['c-bb-1', 1]]);

  const tax = await q('top', { metric: 'tax', region: 'gongshu', n: 20, ...RANGE });
  const withData = [['e-bb-01', 100], ['e-bb-03', 50], ['e-xtd-02', 20.5], ['e-xtd-01', 10], ['e-xtd-04', 7], ['e-xtd-03', 5], ['e-wg-03', 1]];
  assert.deepEqual(tax.items.slice(0, 7).map((i) => [i.entity, i.v]), withData);
  for (const i of tax.items.slice(7)) assert.ok(i.v === 0 || i.v === null, `an enterprise without tax comes after: ${JSON.stringify(i)}`);
  const bad = await w.get('admin', `/api/v1/top?${qs({ metric: 'tax', n: 0, ...RANGE })}`);
  assert.equal(bad.status, 400, show(bad));
  assert.equal(errorOf(bad).field, 'n');
});

test('top with agg=last: the value current at the end of the range, whether or not it is the newest', async () => {
  const v = (t, id) => (t.items.find((i) => i.entity === id) || {}).v;
  // up to now: the newest value (read from the series itself)
  const now = await q('top', { metric: 'employees', region: 'gongshu/dongxin', agg: 'last', n: 5, from: iso(TODAY - 10 * DAY) });
  assert.equal(v(now, 'e-xtd-01'), 42);
  // a range that ends before the newest value: the last one inside it (from rollup rows)
  const before = await q('top', { metric: 'employees', region: 'gongshu/dongxin', agg: 'last', n: 5, from: iso(TODAY - 10 * DAY), to: iso(TODAY - 2 * DAY) });
  assert.equal(v(before, 'e-xtd-01'), 40);
  // a range that starts after the older value and reaches now
  const recent = await q('top', { metric: 'employees', region: 'gongshu/dongxin', agg: 'last', n: 5, from: iso(TODAY - 3 * DAY) });
  assert.equal(v(recent, 'e-xtd-01'), 42);
  // a range with no record of it
  const none = await q('top', { metric: 'employees', region: 'gongshu/dongxin', agg: 'last', n: 5, from: iso(TODAY - 30 * DAY), to: iso(TODAY - 20 * DAY) });
  assert.ok(v(none, 'e-xtd-01') === undefined || v(none, 'e-xtd-01') === null, JSON.stringify(none.items));
});

test('latest: the current value of every matching series, in entity then metric order', async () => {
  const l = await q('latest', { metric: 'visitors', region: 'gongshu/dongxin' });
  assert.equal(l.region, 'gongshu/dongxin');
  assert.deepEqual(l.items.map((i) => [i.entity, i.metric, ms(i.t), i.v]), [
    ['c-xtd-1', 'visitors', at(2, 23, 59, 59), 13],
    ['c-xtd-2', 'visitors', at(1, 12), 2],
    ['c-dx-1', 'visitors', at(3), 100],
  ], 'entities in registration order (the pack\'s), each with the value of its latest timestamp');
  assert.equal(l.items[0].name_zh, '新天地北门');
  assert.ok(!l.truncated);

  const all = await q('latest', { region: 'gongshu/dongxin/xintiandi' });
  assert.deepEqual(all.items.map((i) => `${i.entity}/${i.metric}`), [
    'c-xtd-1/visitors', 'c-xtd-2/visitors', 'p-xtd-1/parking_occupancy',
    'e-xtd-01/tax', 'e-xtd-01/employees', 'e-xtd-02/tax', 'e-xtd-03/tax', 'e-xtd-04/tax',
  ], 'every metric when none is named; metrics in the pack\'s order');
  const e1 = all.items.filter((i) => i.entity === 'e-xtd-01');
  assert.deepEqual(e1.map((i) => i.v), [12.5, 42]);

  const typed = await q('latest', { region: 'gongshu', entity_type: 'parking_lot' });
  assert.deepEqual(typed.items.map((i) => [i.entity, i.v]), [['p-xtd-1', 20], ['p-dx-1', 90], ['p-hs-1', 0]]);
  const lim = await q('latest', { region: 'gongshu', metric: 'visitors', limit: 2 });
  assert.equal(lim.items.length, 2);
  assert.equal(lim.truncated, true);
  const over = await w.get('admin', '/api/v1/latest?limit=10001');
  assert.equal(over.status, 400, show(over));
  assert.equal(errorOf(over).field, 'limit');
});

test('portrait: the entity, its latest values and 30 local days of each metric', async () => {
  const p = await q('entities/e-xtd-01/portrait', {});
  assert.equal(p.entity.id, 'e-xtd-01');
  assert.equal(p.entity.name_zh, '新天地数字科技有限公司');
  assert.deepEqual(p.entity.attrs, { industry: 'digital_economy', employees: 40, registered: '2020-03-01' });
  const latest = Object.fromEntries(p.latest.map((l) => [l.metric, [ms(l.t), l.v]]));
  assert.deepEqual(latest, { tax: [TODAY - 2 * DAY + 10 * HOUR, 12.5], employees: [TODAY - DAY + 9 * HOUR, 42] });
  const tax = p.series.find((s) => s.metric === 'tax');
  assert.ok(tax, JSON.stringify(p.series));
  assert.equal(tax.grain, 'day');
  assert.equal(tax.agg, 'sum');
  assert.equal(tax.points.length, 30);
  assert.deepEqual(tax.points.map((x) => ms(x.t)), Array.from({ length: 30 }, (_, i) => TODAY - (29 - i) * DAY), '30 local days, today last');
  const want = Array(30).fill(0);
  want[29 - 2] = 12.5;
  want[29 - (TODAY - at(1)) / DAY] = 10;
  assert.deepEqual(tax.points.map((x) => x.v), want, 'the 99 of 40 days ago is outside');
  const emp = p.series.find((s) => s.metric === 'employees');
  assert.equal(emp.agg, 'last');
  const wantEmp = Array(30).fill(null);
  wantEmp[29 - 5] = 40;
  wantEmp[29 - 1] = 42;
  assert.deepEqual(emp.points.map((x) => x.v), wantEmp);

  const nf = await w.get('admin', '/api/v1/entities/no-such-entity/portrait');
  assert.equal(nf.status, 404, show(nf));
  assert.equal(errorOf(nf).code, 'not_found');
  const quiet = await q('entities/e-wg-01/portrait', {});
  assert.deepEqual(quiet.latest, []);
  assert.deepEqual(quiet.series, []);
});

test('a record is visible in series and latest after the POST\'s answer', async () => {
  const from = iso(Date.now() - 10 * 60e3);
  const query = `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/hushu', grain: 'minute', from })}`;
  const before = await w.get('admin', query);
  assert.equal(before.status, 200, show(before));
  const ts = Date.now() - 5000;
  const r = await w.ingest([V('c-hs-1', ts, 77)]);
  assert.equal(r.json.accepted, 1, show(r));
  const answered = Date.now();
  let s, l;
  do {
    s = (await w.get('admin', query)).json;
    l = (await w.get('admin', '/api/v1/latest?metric=visitors&region=gongshu/hushu')).json;
    if (s.total === before.json.total + 77 && l.items[0]?.v === 77) break;
    await new Promise((res) => setTimeout(res, 20));
  } while (Date.now() - answered < 30000); // a bound on a hang only: the latency is benchmarked
  const waited = Date.now() - answered;
  assert.equal(s.total, before.json.total + 77, `series total after ${waited} ms`);
  const bucket = s.points.find((p) => ms(p.t) === Math.floor(ts / 60e3) * 60e3);
  assert.equal(bucket?.v, 77, 'in its minute bucket');
  assert.deepEqual([l.items[0].entity, ms(l.items[0].t), l.items[0].v], ['c-hs-1', ts, 77], `latest after ${waited} ms`);
});
