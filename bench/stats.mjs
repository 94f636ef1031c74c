// stats.mjs - order statistics and exports on a store of N work orders
// (default 100,000) spread evenly over the last two years, over every
// region, matter and department of the Gongshu pack, with states, deadlines
// and ratings: p50/p99 of GET /api/v1/stats/orders for this month (the
// page's default), the last 12 months, and a street; and the time of the
// CSV and XLSX exports of the largest order list the cap allows. The
// orders are written straight into the SQLite file before the server
// starts (the API would take minutes to make them). Real server, temp dir.
// Usage: node bench/stats.mjs [--orders N] [--runs N]
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createWorld, GONGSHU_PACK } from '../tests/integration/harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--orders', 100000);
const RUNS = arg('--runs', 200);
const YEAR = 365 * 86400e3;

const w = await createWorld({ pack: GONGSHU_PACK, sources: ['wenlv_flow'], start: false });
const now = Date.now();
const matters = JSON.parse(execFileSync('sqlite3', ['-json', path.join(w.dir, 'zhizhi.db'),
  'SELECT key FROM matter']).toString() || '[]').map((m) => m.key);
const depts = ['urban_mgmt', 'traffic_police', 'market_supervision', 'police', 'fire', 'community'];
const q = (s) => `'${s.replace(/'/g, "''")}'`;
const sql = `
BEGIN;
CREATE TEMP TABLE m(k INTEGER PRIMARY KEY, key TEXT);
INSERT INTO m(k, key) VALUES ${matters.map((m, i) => `(${i}, ${q(m)})`).join(',')};
CREATE TEMP TABLE d(k INTEGER PRIMARY KEY, key TEXT);
INSERT INTO d(k, key) VALUES ${depts.map((x, i) => `(${i}, ${q(x)})`).join(',')};
CREATE TEMP TABLE g AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, lo FROM region;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${N - 1}),
o AS (SELECT i, ${now} - (i * ${2 * YEAR}) / ${N} AS t, (i * 7) % 10 AS s FROM n)
INSERT INTO work_order(matter, title, state, department, channel, region, rpos, created, updated,
  dispatched_at, resolve_due, resolved_at, closed_at, overdue, rating)
SELECT (SELECT key FROM m WHERE k = i % ${matters.length}), 'bench ' || i,
  CASE WHEN s < 5 THEN 'closed' WHEN s < 7 THEN 'resolved' WHEN s < 9 THEN 'in_progress' ELSE 'reported' END,
  CASE WHEN s < 9 THEN (SELECT key FROM d WHERE k = i % ${depts.length}) END, 'staff',
  (SELECT id FROM g WHERE k = i % (SELECT count(*) FROM g)), (SELECT lo FROM g WHERE k = i % (SELECT count(*) FROM g)),
  t, t, CASE WHEN s < 9 THEN t + 60000 END, CASE WHEN s < 9 THEN t + 7200000 END,
  CASE WHEN s < 7 THEN t + 3600000 * (1 + i % 3) END, CASE WHEN s < 5 THEN t + 4 * 3600000 END,
  CASE WHEN s IN (7, 8) AND i % 4 = 0 THEN 1 ELSE 0 END, CASE WHEN s < 5 THEN 1 + i % 5 END
FROM o;
COMMIT;
ANALYZE;`;
execFileSync('sqlite3', [path.join(w.dir, 'zhizhi.db')], { input: sql });
if (process.env.ZZ_KEEP) console.log(`data dir: ${w.dir}`);
await w.start();
const cookie = await w.as('admin');

async function time(p) {
  const t0 = process.hrtime.bigint();
  const r = await fetch(w.base + p, { headers: { Cookie: cookie } });
  const body = Buffer.from(await r.arrayBuffer());
  if (r.status !== 200) throw new Error(`${p}: ${r.status} ${body.toString().slice(0, 200)}`);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes: body.length, body };
}

const pctl = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
async function measure(label, p, runs = RUNS) {
  await time(p); // warm
  const xs = [];
  let last;
  for (let i = 0; i < runs; i++) { last = await time(p); xs.push(last.ms); }
  const x = JSON.parse(last.body.toString());
  console.log(`${label.padEnd(34)} p50 ${pctl(xs, 0.5).toFixed(2)} ms  p99 ${pctl(xs, 0.99).toFixed(2)} ms  ` +
    `(orders counted ${x.total.orders}, a year earlier ${x.total.last_year.orders})`);
}

const iso = (ms) => new Date(ms).toISOString();
console.log(`orders in the store: ${N}; ${RUNS} sequential requests each`);
await measure('this month (default), district', '/api/v1/stats/orders');
await measure('last 12 months, district', `/api/v1/stats/orders?from=${iso(now - YEAR)}&to=${iso(now + 60000)}`);
await measure('last 12 months, one street', `/api/v1/stats/orders?region=gongshu/dongxin&from=${iso(now - YEAR)}&to=${iso(now + 60000)}`);
for (const f of ['csv', 'xlsx']) {
  const xs = [];
  let r;
  for (let i = 0; i < 3; i++) { r = await time(`/api/v1/orders?format=${f}&from=${iso(now - YEAR / 2)}`); xs.push(r.ms); }
  console.log(`export ${f} of the last 6 months (${N / 4} orders): ${pctl(xs, 0.5).toFixed(0)} ms, ${(r.bytes / 1e6).toFixed(1)} MB`);
}
const rss = execFileSync('ps', ['-o', 'rss=', '-p', String(w.server.child.pid)]).toString().trim();
console.log(`server RSS after the exports: ${(Number(rss) / 1024).toFixed(0)} MB`);
await w.close();
