// campaigns.mjs - the 限塑 campaign's dashboard (GET /api/v1/campaigns/ID)
// and the inspections list with ten times the demo's volume: a copy of the
// Gongshu pack with ten times the stalls (each stall of the pack and nine
// more of its market, stall-NN-MMM-K), and `zhizhi demo` with
// ZZ_DEMO_CAMPAIGNS_SCALE=10 writing ten times the spot checks, activities
// and signatures (23,500 commitments) through the engines. Then each query
// the pages ask is timed, sequentially, after a warm-up. Prints one JSON
// object (counts, load average, p50/p90/p99/max ms per query) on stdout.
//
//   ZHIZHI_BIN=build/zhizhi node bench/campaigns.mjs [--scale 10] [--rounds 300] [--keep DIR]
// (--keep DIR: the data directory is moved to DIR at the end, to look into.)
//   ZHIZHI_BIN=build/zhizhi node bench/campaigns.mjs --reuse DIR [--dump OUT] [--rounds 300]
// (--reuse DIR: a copy of a kept data directory is served with `zhizhi serve`,
// an older one upgraded by the binary's migrations, instead of building the
// world again; --dump OUT writes the dashboard and list answers as admin and
// as market-supervision officers (district-wide and one street) to OUT.*.json,
// to compare two binaries' answers byte for byte.)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, request, GONGSHU_PACK, BIN } from '../tests/integration/harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, x, i, all) => (x.startsWith('--') ? [...a, [x.slice(2), all[i + 1]]] : a), []));
const SCALE = Number(args.scale || 10);
const ROUNDS = Number(args.rounds || 300);
const log = (m) => process.stderr.write(`campaigns: ${m}\n`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-bench-campaigns-'));
const pack = path.join(tmp, 'pack');
const dir = path.join(tmp, 'data');
if (!args.reuse) fs.cpSync(GONGSHU_PACK, pack, { recursive: true });
// ten times the stalls: the pack's and nine copies of each in its market
const lines = args.reuse ? [] : fs.readFileSync(path.join(pack, 'entities.ndjson'), 'utf8').split('\n').filter(Boolean);
const more = [];
for (const l of lines) {
  const e = JSON.parse(l);
  if (e.type !== 'stall') continue;
  for (let k = 1; k < SCALE; k++) {
    const phone = e.attrs.contact_phone.replace(/\d{4}$/, (d) => String((Number(d) + 97 * k) % 10000).padStart(4, '0'));
    more.push(JSON.stringify({ ...e, id: `${e.id}-${k}`, name_zh: `${e.name_zh}-${k}`, name_en: `${e.name_en}-${k}`,
      lon: e.lon + 0.00002 * k, lat: e.lat, attrs: { ...e.attrs, contact_phone: phone } }));
  }
}
if (!args.reuse) {
  fs.appendFileSync(path.join(pack, 'entities.ndjson'), more.join('\n') + '\n');
  log(`${more.length} more stalls in the pack copy`);
}
// --reuse: the bench's own users in a copy of the kept directory
const BENCH_USERS = [['bench_admin', 'admin'], ['bench_sj', 'officer', 'market_supervision'],
  ['bench_sj_dx', 'officer', 'market_supervision', 'gongshu/dongxin']];
if (args.reuse) {
  fs.cpSync(args.reuse, dir, { recursive: true });
  for (const f of ['zhizhi.lock', 'backup.lock']) fs.rmSync(path.join(dir, f), { force: true });
  for (const [name, role, dept, scope] of BENCH_USERS) {
    const a = ['user', 'add', name, '--role', role, '--password-stdin', '--data', dir];
    if (dept) a.push('--department', dept);
    if (scope) a.push('--scope', scope);
    const r = spawnSync(BIN, a, { input: 'bench-pass-0001\n' });
    if (r.status !== 0) throw new Error(`user add ${name}: ${r.stderr}`);
  }
}
const login = async (base, name, password) => {
  const r = await request(base, 'POST', '/api/v1/login', { body: { name, password } });
  if (r.status !== 200) throw new Error(`login ${name}: ${r.status}`);
  return r.headers.getSetCookie()[0].split(';')[0];
};

process.env.ZZ_DEMO_CAMPAIGNS_SCALE = String(SCALE);
const t0 = Date.now();
const srv = args.reuse
  ? await startServer(['serve', '--data', dir, '--listen', '127.0.0.1:0'], { timeout: 600000 })
  : await startServer(['demo', '--data', dir, '--pack', pack, '--listen', '127.0.0.1:0', '--records', '20000', '--no-live'], { timeout: 1800000 });
try {
  let cookie;
  if (args.reuse) {
    log(`served a copy of ${args.reuse} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    cookie = await login(srv.base, 'bench_admin', 'bench-pass-0001');
  } else {
    while (!/login: admin \/ \S+/.test(srv.stdout()) && Date.now() - t0 < 1800000) await new Promise((r) => setTimeout(r, 100));
    const made = (srv.stderr ? srv.stderr() : '').match(/demo: campaigns: .*/);
    log(`demo ready in ${((Date.now() - t0) / 1000).toFixed(0)} s${made ? ': ' + made[0] : ''}`);
    cookie = await login(srv.base, 'admin', srv.stdout().match(/login: admin \/ (\S+)/)[1]);
  }
  if (args.dump) {
    for (const [name] of BENCH_USERS) {
      const c = name === 'bench_admin' ? cookie : await login(srv.base, name, 'bench-pass-0001');
      for (const [tag, q] of [['dashboard', '/api/v1/campaigns/plastic_2021'], ['zfdw', '/api/v1/campaigns/zfdw_2021'], ['list', '/api/v1/campaigns']]) {
        const a = await request(srv.base, 'GET', q, { cookie: c });
        fs.writeFileSync(`${args.dump}.${name}.${tag}.json`, a.text);
      }
    }
    log(`answers written to ${args.dump}.*.json`);
  }
  const dash = (await request(srv.base, 'GET', '/api/v1/campaigns/plastic_2021', { cookie })).json;
  const t = dash.totals;
  log(`${t.participants} markets, ${t.members} stalls, ${t.signed.stall_pledge} commitments, ${t.inspections} inspections, ${t.violations} violations`);
  const queries = {
    dashboard: '/api/v1/campaigns/plastic_2021',
    campaigns: '/api/v1/campaigns',
    inspections: '/api/v1/inspections?campaign=plastic_2021&limit=50',
    inspections_market: '/api/v1/inspections?campaign=plastic_2021&entity=market-01&limit=50',
    inspections_page5: null, // filled below: a cursor four pages down
    rectifications: '/api/v1/rectifications?campaign=plastic_2021&status=open_all',
    pledges: '/api/v1/campaigns/plastic_2021/pledges?pledge=stall_pledge&parent=market-01&limit=50',
  };
  let cursor = '';
  for (let i = 0; i < 4; i++) cursor = (await request(srv.base, 'GET', `/api/v1/inspections?campaign=plastic_2021&limit=50${cursor ? '&cursor=' + cursor : ''}`, { cookie })).json.next_cursor;
  queries.inspections_page5 = `/api/v1/inspections?campaign=plastic_2021&limit=50&cursor=${cursor}`;
  const out = { scale: SCALE, markets: t.participants, stalls: t.members, commitments: t.signed.stall_pledge, inspections: t.inspections,
    violations: t.violations, rectify: t.rectify, rounds: ROUNDS, loadavg: os.loadavg().map((x) => +x.toFixed(2)), cpus: os.cpus().length, ms: {} };
  for (const [name, q] of Object.entries(queries)) {
    for (let i = 0; i < 20; i++) await request(srv.base, 'GET', q, { cookie });
    const times = [];
    for (let i = 0; i < ROUNDS; i++) {
      const s = process.hrtime.bigint();
      const a = await request(srv.base, 'GET', q, { cookie });
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (a.status !== 200) throw new Error(`${q}: ${a.status}`);
    }
    times.sort((x, y) => x - y);
    const at = (p) => +times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
    out.ms[name] = { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: +times.at(-1).toFixed(2) };
  }
  out.loadavg_after = os.loadavg().map((x) => +x.toFixed(2));
  console.log(JSON.stringify(out, null, 1));
} finally {
  srv.child.kill('SIGTERM');
  await new Promise((r) => srv.child.once('exit', r));
  if (args.keep) fs.renameSync(dir, args.keep);
  fs.rmSync(tmp, { recursive: true, force: true });
}
