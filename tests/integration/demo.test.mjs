// `zhizhi demo`: generates the Gongshu world (a small budget here), serves it,
// and the seed newspaper's figures come out of the API computed from the
// generated records: visitors +288 % and a 13,000 peak day, police incidents
// -26.06 %, illegal-parking complaints -86 % (this year to date vs last).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, request, show, qs, iso, local, parts, localMidnight, ms, REPO, BIN } from './harness.mjs';

let dir, srv, cookie, password;
const RECORDS = 200000;

// A guard against a hang, not a speed check: under ASan on a busy 2-core
// machine the first start (history, case files, campaigns) has taken 60 s.
const START_WAIT = 180000;

async function startDemo() {
  srv = await startServer(['demo', '--data', dir, '--listen', '127.0.0.1:0', '--records', String(RECORDS), '--no-live'], { timeout: START_WAIT });
  // the banner with the admin password follows the listening line
  const t0 = Date.now();
  while (!/login: admin \/ \S+/.test(srv.stdout()) && Date.now() - t0 < START_WAIT) await new Promise((r) => setTimeout(r, 20));
  return srv;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-it-demo-'));
  await startDemo();
});
after(async () => {
  if (srv && srv.child.exitCode === null && srv.child.signalCode === null) srv.child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const api = (method, p, o = {}) => request(srv.base, method, p, { cookie, ...o });

test('demo prints the URL and a generated admin password that logs in', async () => {
  const m = srv.stdout().match(/login: admin \/ (\S+)/);
  assert.ok(m, `the banner names the admin password: ${srv.stdout()}`);
  password = m[1];
  assert.ok(password.length >= 12, 'a generated password, not a fixed one');
  const r = await request(srv.base, 'POST', '/api/v1/login', { body: { name: 'admin', password } });
  assert.equal(r.status, 200, show(r));
  cookie = r.headers.getSetCookie()[0].split(';')[0];
});

test('the history has the requested size, within 5 %', async () => {
  const h = await api('GET', '/healthz');
  assert.equal(h.status, 200);
  assert.ok(Math.abs(h.json.records - RECORDS) <= 0.05 * RECORDS, `${h.json.records} records for --records ${RECORDS}`);
});

test('the Gongshu registry: 24 regions, 18 streets, Xintiandi\'s 3,536 enterprises, the park\'s 31,286 employees', async () => {
  const g = await api('GET', '/api/v1/regions.geojson');
  assert.equal(g.json.features.length, 24);
  assert.equal(g.json.features.filter((f) => f.properties.level === 'street').length, 18);
  const walk = async (params) => {
    const out = [];
    let cursor = null;
    do {
      const r = await api('GET', `/api/v1/entities?${qs({ ...params, limit: 1000, cursor })}`);
      assert.equal(r.status, 200, show(r));
      out.push(...r.json.entities);
      cursor = r.json.next_cursor;
    } while (cursor != null && out.length < 20000);
    return out;
  };
  const xtd = await walk({ type: 'enterprise', region: 'gongshu/dongxin/xintiandi' });
  assert.equal(xtd.length, 3536);
  assert.equal(new Set(xtd.map((e) => e.id)).size, 3536);
  const park = await walk({ type: 'enterprise', region: 'gongshu/kejipark' });
  assert.equal(park.length, 3120);
  assert.equal(park.reduce((a, e) => a + (e.attrs.employees || 0), 0), 31286);
});

function ytd(metric) {
  const p = parts(Date.now());
  return api('GET', `/api/v1/series?${qs({ metric, region: 'gongshu/dongxin/xintiandi', from: iso(local(p.y, 1, 1)), compare: 'yoy' })}`);
}

test('Xintiandi this year vs last: visitors +288 %, police incidents -26.06 %, complaints -86 %', async (t) => {
  const p = parts(Date.now());
  if (p.m === 1 && p.d === 1) {
    t.skip('on January 1 the year to date is too short for the calibrated figures');
    return;
  }
  const want = { visitors: 2.88, police_incidents: -0.2606, illegal_parking_complaints: -0.86 };
  for (const [metric, change] of Object.entries(want)) {
    const r = await ytd(metric);
    assert.equal(r.status, 200, show(r));
    assert.ok(r.json.total > 0 && r.json.previous_total > 0, `${metric}: both years have data`);
    assert.ok(Math.abs(r.json.change - change) < 0.00005 + (metric === 'visitors' ? 0.0005 : 0),
      `${metric}: change ${r.json.change}, the seed says ${change} (total ${r.json.total} vs ${r.json.previous_total})`);
  }
});

test('Xintiandi\'s busiest day this year has exactly 13,000 visitors, every other day at most 96 % of it', async (t) => {
  const p = parts(Date.now());
  if (p.m === 1 && p.d === 1) {
    t.skip('no complete day yet this year');
    return;
  }
  const r = await api('GET', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/dongxin/xintiandi', grain: 'day',
    from: iso(local(p.y, 1, 1)), to: iso(localMidnight(Date.now())) })}`);
  assert.equal(r.status, 200, show(r));
  const vs = r.json.points.map((x) => x.v);
  const peak = Math.max(...vs);
  assert.equal(peak, 13000);
  assert.equal(vs.filter((v) => v === peak).length, 1);
  assert.ok(vs.filter((v) => v !== peak).every((v) => v <= 0.96 * 13000), 'others_max 0.96');
  const top = await api('GET', `/api/v1/top?${qs({ metric: 'tax', region: 'gongshu/kejipark', n: 20, from: iso(local(p.y, 1, 1)) })}`);
  assert.equal(top.status, 200, show(top));
  assert.equal(top.json.items.length, 20, 'the park\'s top-20 taxpayers');
  for (let i = 1; i < 20; i++) assert.ok(top.json.items[i - 1].v >= top.json.items[i].v, 'sorted by tax');
  void ms;
});

test('demo stops cleanly and a second run reuses the data dir without regenerating', async () => {
  const before = (await api('GET', '/healthz')).json.records;
  srv.child.kill('SIGTERM');
  const code = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error('demo did not stop within 10 s of SIGTERM')), 10000);
    srv.child.once('exit', (c, s) => { clearTimeout(t); res([c, s]); });
  });
  assert.deepEqual(code, [0, null]);
  await startDemo();
  const h = await request(srv.base, 'GET', '/healthz');
  assert.equal(h.json.records, before, 'no second history on a used data dir');
  // each run prints the admin password to use (a fresh one, or the old one)
  const m = srv.stdout().match(/login: admin \/ (\S+)/);
  assert.ok(m, `the second run prints the admin login too: ${srv.stdout()}`);
  const r = await request(srv.base, 'POST', '/api/v1/login', { body: { name: 'admin', password: m[1] } });
  assert.equal(r.status, 200, `the printed admin password works: ${show(r)}`);
});

test('every curl example of docs/api.md runs against the demo world without an HTTP error', async () => {
  const doc = fs.readFileSync(path.join(REPO, 'docs', 'api.md'), 'utf8');
  // fenced sh blocks, also those indented inside list items
  const blocks = [...doc.matchAll(/^( *)```sh\n([\s\S]*?)^\1```/gm)].map((m) => m[2].split('\n').map((l) => l.slice(m[1].length)).join('\n'));
  assert.ok(blocks.length >= 10, `found ${blocks.length} sh blocks`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-it-docs-'));
  // a fresh admin session: the earlier test restarted the demo with a new password
  const m = srv.stdout().match(/login: admin \/ (\S+)/);
  const subst = (b) => b.replaceAll('PASSWORD', m[1]).replaceAll('http://127.0.0.1:8080', srv.base)
    .replaceAll('./build/zhizhi', BIN).replaceAll('--data data', `--data ${dir}`);
  const prelude = 'set -eo pipefail\ncurl() { command curl -sS --max-time 20 --fail-with-body "$@"; echo; }\n';
  let script = prelude;
  try {
    for (const [i, b] of blocks.entries()) {
      script += subst(b) + '\n';
      const r = spawnSync('bash', ['-c', script + `echo "@@block ${i} ok"`], { cwd: work, encoding: 'utf8', timeout: 60000 });
      assert.equal(r.status, 0, `docs/api.md sh block ${i + 1} failed (exit ${r.status}):\n${b}\n--- stdout\n${r.stdout.slice(-2000)}\n--- stderr\n${r.stderr.slice(-2000)}`);
      assert.ok(!/"error":\{/.test(r.stdout), `block ${i + 1} answered an error:\n${r.stdout.slice(0, 2000)}`);
      script = prelude + `BASE=${srv.base}\nTOKEN=$(cat token 2>/dev/null || true)\n`;
      if (i === 0) {
        // keep the token of the setup block for the others
        const t = spawnSync('bash', ['-c', subst(b) + '\necho "$TOKEN" > token'], { cwd: work, encoding: 'utf8', timeout: 60000 });
        assert.equal(t.status, 0, t.stderr);
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
