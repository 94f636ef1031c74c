// metrics_logs.test.mjs - the operator's kit (issue 15): GET /metrics in
// Prometheus text format, checked by Debian's promtool, whose counters move
// with what clients do (records by source, a 404 under its status, orders
// by state as the API counts them); and the structured log on stderr: one
// line per request and per state change, every line JSON with
// --log-format json, logfmt by default, request lines gone at warn.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWorld, GONGSHU_PACK, USERS, show } from './harness.mjs';

process.env.ZZ_TEST_CLOCK = '1'; // its start-up warning is the line a warn-level log keeps

const XTD = 'gongshu/dongxin/xintiandi';
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$/;
const REQUEST_KEYS = ['time', 'level', 'msg', 'peer', 'auth', 'method', 'route', 'status', 'bytes', 'ms'];

let w;
let logged = ''; // the whole stderr of the current server
const follow = () => {
  logged = '';
  w.server.child.stderr.on('data', (d) => { logged += d; });
};
before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['wenlv_flow'], serveArgs: ['--log-format', 'json'] });
  follow();
});
after(async () => { await w?.close(); });

/** The samples of a scrape: 'name{labels}' -> value. */
function samples(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

function promtool(text) {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.ok(!r.error, `promtool is needed (Debian package prometheus, scripts/deps.sh): ${r.error}`);
  assert.equal(r.status, 0, `promtool check metrics: ${r.stdout}${r.stderr}\n${text}`);
}

async function scrape() {
  const r = await w.api('GET', '/metrics');
  assert.equal(r.status, 200, show(r));
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  promtool(r.text);
  return samples(r.text);
}

const get = (m, k) => m.get(k) ?? 0;

/** A logfmt line as an object (key=value, key="quoted \" value"). */
function logfmt(line) {
  const o = {};
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?=\s|$)/gy;
  let at = 0;
  while (at < line.length) {
    while (line[at] === ' ') at++;
    if (at >= line.length) break;
    re.lastIndex = at;
    const m = re.exec(line);
    assert.ok(m, `not logfmt at ${at}: ${line}`);
    o[m[1]] = m[2].startsWith('"') ? JSON.parse(m[2].replace(/\\n/g, '\\n')) : m[2];
    at = re.lastIndex;
  }
  return o;
}

const lines = (text) => text.split('\n').filter((l) => l.length);

test('/metrics passes promtool and its counters follow ingest, statuses and orders', async () => {
  const before = await scrape();
  const t = Math.floor(Date.now() / 60000) * 60000 - 10 * 60000;
  const N = 7;
  const recs = Array.from({ length: N }, (_, i) => ({ entity: 'xtd-ctr-01', metric: 'visitors', ts: t + i * 1000, value: 10 + i }));
  const body = recs.map((x) => JSON.stringify(x)).join('\n') + '\n{"entity":"xtd-ctr-01","metric":"visitors","ts":"never","value":1}\n';
  const ing = await w.ingest(body, { token: w.tokens.wenlv_flow });
  assert.equal(ing.status, 200, show(ing));
  assert.equal(ing.json.accepted + (ing.json.replaced ?? 0), N, show(ing));
  assert.equal(ing.json.rejected_total, 1, show(ing));
  assert.equal((await w.api('GET', '/api/v1/no-such-thing')).status, 404);
  // an order, created and dispatched by the admin
  const admin = await w.as('admin');
  const c = await w.api('POST', '/api/v1/orders', { cookie: admin, body: { matter: 'illegal_parking', title: '东门违停', region: XTD } });
  assert.equal(c.status, 201, show(c));
  const d = await w.api('POST', `/api/v1/orders/${c.json.order.id}/actions`, { cookie: admin, body: { action: 'dispatch' } });
  assert.equal(d.status, 200, show(d));

  const now = await scrape();
  const src = '{source="wenlv_flow"}';
  assert.equal(get(now, `zhizhi_ingest_records_total${src}`) - get(before, `zhizhi_ingest_records_total${src}`), N);
  assert.equal(get(now, `zhizhi_ingest_rejected_total${src}`) - get(before, `zhizhi_ingest_rejected_total${src}`), 1);
  const k404 = 'zhizhi_http_requests_total{route="(none)",method="any",code="404"}';
  assert.equal(get(now, k404) - get(before, k404), 1, 'the 404 counted under its status');
  const kRec = 'zhizhi_http_requests_total{route="/api/v1/records",method="POST",code="200"}';
  assert.equal(get(now, kRec) - get(before, kRec), 1, 'by route pattern');
  const kAct = 'zhizhi_http_requests_total{route="/api/v1/orders/:id/actions",method="POST",code="200"}';
  assert.equal(get(now, kAct), 1, 'the pattern, not the path with its id');
  assert.ok(get(now, 'zhizhi_http_request_duration_seconds_count{route="/api/v1/records",method="POST"}') >= 1);
  assert.ok(get(now, 'zhizhi_store_commit_seconds_count') > get(before, 'zhizhi_store_commit_seconds_count'));
  // orders by state as the API counts them
  const list = await w.api('GET', '/api/v1/orders?limit=500', { cookie: admin });
  assert.equal(list.status, 200, show(list));
  const byState = {};
  for (const o of list.json.orders) byState[o.state] = (byState[o.state] ?? 0) + 1;
  const fromMetrics = {};
  for (const [k, v] of now) {
    const m = /^zhizhi_orders\{state="([^"]+)"\}$/.exec(k);
    if (m) fromMetrics[m[1]] = v;
  }
  assert.deepEqual(fromMetrics, byState);
  assert.equal(fromMetrics.dispatched, 1);
  assert.equal(get(now, 'zhizhi_alerts_open'), (await w.api('GET', '/api/v1/alerts?state=open&limit=1000', { cookie: admin })).json.alerts.length);
  assert.ok(get(now, 'process_resident_memory_bytes') > 1e6);
  assert.ok(get(now, 'process_threads') > 1);
  assert.ok(get(now, 'zhizhi_store_file_bytes{file="zhizhi.db"}') > 0);
  assert.ok(now.has('zhizhi_store_write_queue_records') && now.has('zhizhi_rules_lag_seconds') && now.has('zhizhi_stream_clients'));
  // nothing about a person: no user name in any label
  const text = (await w.api('GET', '/metrics')).text;
  for (const u of Object.values(USERS)) assert.doesNotMatch(text, new RegExp(`"${u.name}"`));
  // a client a proxy forwards (not trusted) is not loopback
  const fwd = await w.api('GET', '/metrics', { headers: { 'X-Forwarded-For': '203.0.113.9' } });
  assert.equal(fwd.status, 403, show(fwd));
});

test('--log-format json: every stderr line is JSON; requests and state changes have their fields', async () => {
  const all = lines(logged).map((l) => {
    try { return JSON.parse(l); } catch { assert.fail(`not JSON: ${l}`); }
  });
  for (const o of all) {
    assert.match(o.time, ISO_MS, JSON.stringify(o));
    assert.ok(['debug', 'info', 'warn', 'error'].includes(o.level), JSON.stringify(o));
    assert.equal(typeof o.msg, 'string');
  }
  const req = all.filter((o) => o.msg === 'request');
  for (const o of req) for (const k of REQUEST_KEYS) assert.ok(k in o, `${k} missing in ${JSON.stringify(o)}`);
  const src = req.find((o) => o.route === '/api/v1/records');
  assert.ok(src, 'the ingest request');
  assert.equal(src.auth, 'source');
  assert.equal(src.source, 'wenlv_flow');
  assert.equal(src.status, 200);
  assert.equal(src.peer, '127.0.0.1');
  assert.ok(src.bytes > 0 && typeof src.ms === 'number');
  const asUser = req.find((o) => o.route === '/api/v1/orders' && o.method === 'POST');
  assert.equal(asUser?.user, 'admin', JSON.stringify(asUser));
  assert.equal(asUser.status, 201);
  const notFound = req.find((o) => o.status === 404);
  assert.equal(notFound?.route, '(none)');
  assert.equal(notFound.path, '/api/v1/no-such-thing');
  const step = all.find((o) => o.msg === 'order' && o.action === 'dispatch');
  assert.ok(step, 'the order transition');
  assert.deepEqual([step.actor, step.from, step.to], ['admin', 'reported', 'dispatched']);
  assert.ok(all.find((o) => o.msg === 'order' && o.action === 'create' && o.actor === 'admin'));
  assert.ok(all.find((o) => o.msg === 'login' && o.user === 'admin' && o.result === 'ok'));
  // the request lines never carry a matched route's path (tokens live there)
  assert.ok(!req.some((o) => o.route !== '(none)' && o.route !== '(static)' && 'path' in o));
});

test('logfmt by default parses; --log-level warn drops the request lines', async () => {
  w.serveArgs = [];
  await w.restart();
  follow();
  await w.api('GET', '/api/v1/no-such-thing');
  await w.as('admin');
  await w.api('GET', '/metrics');
  await w.stop(); // the stop line too
  const fmt = lines(logged).map(logfmt);
  assert.ok(fmt.length >= 3, logged);
  for (const o of fmt) {
    assert.match(o.time, ISO_MS, JSON.stringify(o));
    assert.ok(o.level && typeof o.msg === 'string', JSON.stringify(o));
  }
  const nf = fmt.find((o) => o.msg === 'request' && o.status === '404');
  assert.ok(nf, logged);
  for (const k of REQUEST_KEYS) assert.ok(k in nf, `${k} missing in ${JSON.stringify(nf)}`);
  assert.ok(fmt.find((o) => o.msg === 'login' && o.user === 'admin'));

  w.serveArgs = ['--log-level', 'warn'];
  await w.start();
  const startup = w.server.stderr(); // written before the listening line
  follow();
  await w.api('GET', '/api/v1/no-such-thing');
  await w.as('admin');
  await w.stop();
  const warn = lines(startup + logged).map(logfmt);
  assert.ok(warn.length >= 1, 'the test clock warning is kept');
  for (const o of warn) assert.ok(o.level === 'warn' || o.level === 'error', JSON.stringify(o));
  assert.ok(!warn.some((o) => o.msg === 'request' || o.msg === 'login'));
});
