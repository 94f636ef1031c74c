// orders_list.mjs - the dispatch desk's order list with N orders (default
// 100,000): seeds a Gongshu world's store with orders spread over 90 days,
// the pack's regions, matters and entities (a tenth still open, a tenth
// critical), starts the server and times each list the desk asks for,
// sequentially, after a warm-up. Prints one JSON object (ms per request,
// p50/p99/max per query) on stdout.
//
//   ZHIZHI_BIN=build/zhizhi node bench/orders_list.mjs [--orders 100000] [--rounds 200]
//
// Seeding writes the store file directly with the sqlite3 shell (the
// server's API would take minutes for 100k orders; the benchmark is about
// reading them) before the server opens it.
import { execFileSync } from 'node:child_process';
import { createWorld, GONGSHU_PACK, USERS } from '../tests/integration/harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, x, i, all) => (x.startsWith('--') ? [...a, [x.slice(2), all[i + 1]]] : a), []));
const N = Number(args.orders || 100000);
const ROUNDS = Number(args.rounds || 200);
const log = (m) => process.stderr.write(`orders_list: ${m}\n`);

const w = await createWorld({ pack: GONGSHU_PACK, sources: ['wenlv_flow'], start: false });
const db = `${w.dir}/zhizhi.db`;
// the schema (and migrations) come from the server itself
await w.start();
await w.stop();
const now = Date.now();
const sql = `
CREATE TEMP TABLE m AS SELECT row_number() OVER () - 1 AS i, key FROM matter WHERE key NOT LIKE 'park_%';
CREATE TEMP TABLE e AS SELECT row_number() OVER () - 1 AS i, key, region, rpos, lon, lat FROM entity;
BEGIN;
WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < ${N})
INSERT INTO work_order(matter, title, description, state, channel, region, rpos, entity, lon, lat,
  reporters, created, updated, priority, pending_due)
SELECT (SELECT key FROM m WHERE i = k % (SELECT count(*) FROM m)),
  '工单 ' || k || (CASE k % 7 WHEN 0 THEN ' 路灯不亮' WHEN 1 THEN ' 噪音扰民' WHEN 2 THEN ' 电梯故障' ELSE ' 其他' END),
  '描述 ' || hex(randomblob(8)), CASE WHEN k % 10 = 0 THEN 'reported' ELSE 'closed' END, 'staff',
  e.region, e.rpos, e.key, e.lon, e.lat, '["citizen:' || upper(hex(randomblob(5))) || '"]',
  ${now} - (${N} - k) * (90 * 86400000 / ${N}), ${now} - (${N} - k) * (90 * 86400000 / ${N}),
  CASE WHEN k % 10 = 3 THEN 1 WHEN k % 10 = 5 THEN 2 ELSE 3 END, ${now}
FROM n JOIN e ON e.i = (k * 7919) % (SELECT count(*) FROM e);
COMMIT;
ANALYZE;
SELECT count(*), sum(state = 'reported') FROM work_order;`;
log(`seeding ${N} orders`);
log(execFileSync('sqlite3', [db], { input: sql }).toString().trim());
await w.start();
const cookie = await w.as('admin');
const dx = await w.login(USERS.viewer.name, USERS.viewer.password).catch(() => cookie);
const day = (d) => new Date(now - d * 86400000).toISOString();
const queries = {
  queue: '/api/v1/orders?state=open&sort=priority&limit=200',
  newest: '/api/v1/orders?limit=50',
  region_queue: '/api/v1/orders?state=open&sort=priority&limit=200&region=gongshu/dongxin',
  search_title: `/api/v1/orders?limit=50&q=${encodeURIComponent('电梯故障')}`,
  search_rare: `/api/v1/orders?limit=50&q=${encodeURIComponent('工单 4242 ')}`,
  search_entity: `/api/v1/orders?limit=50&q=${encodeURIComponent('餐饮')}`,
  search_receipt_miss: '/api/v1/orders?limit=50&q=ZZZZZZZZZZ',
  date_range: `/api/v1/orders?limit=50&from=${day(30)}&to=${day(29)}`,
  open_search_queue: `/api/v1/orders?state=open&sort=priority&limit=200&q=${encodeURIComponent('路灯')}`,
};
const out = { orders: N, rounds: ROUNDS, queries: {} };
for (const [name, p] of Object.entries(queries)) {
  const c = name === 'region_queue' ? dx : cookie;
  const times = [];
  let count = 0;
  for (let i = 0; i < ROUNDS + 10; i++) {
    const t0 = process.hrtime.bigint();
    const r = await w.api('GET', p, { cookie: c });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 200) throw new Error(`${name}: ${r.status} ${r.text || ''}`);
    count = r.json.orders.length;
    if (i >= 10) times.push(ms);
  }
  times.sort((a, b) => a - b);
  const q = (f) => Number(times[Math.min(times.length - 1, Math.floor(f * times.length))].toFixed(2));
  out.queries[name] = { rows: count, p50: q(0.5), p99: q(0.99), max: q(1) };
  log(`${name}: ${JSON.stringify(out.queries[name])}`);
}
await w.close();
process.stdout.write(JSON.stringify(out) + '\n');
