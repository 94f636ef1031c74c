// cases_list.mjs - the caseworker's case list (/api/v1/cases) with ten
// times the demo's files: `zhizhi demo` writes N files (default 2,160, the
// demo's 216 x 10) with their generated timelines (ZZ_DEMO_CASES=N), then
// each list the page asks for is timed, sequentially, after a warm-up.
// Every list read is audited (one row written per request), as in use.
// Prints one JSON object (p50/p99/max ms per query) on stdout.
//
//   ZHIZHI_BIN=build/zhizhi node bench/cases_list.mjs [--cases 2160] [--rounds 300]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, request } from '../tests/integration/harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, x, i, all) => (x.startsWith('--') ? [...a, [x.slice(2), all[i + 1]]] : a), []));
const N = Number(args.cases || 2160);
const ROUNDS = Number(args.rounds || 300);
const log = (m) => process.stderr.write(`cases_list: ${m}\n`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-bench-cases-'));
process.env.ZZ_DEMO_CASES = String(N);
const srv = await startServer(['demo', '--data', dir, '--listen', '127.0.0.1:0', '--records', '20000', '--no-live'], { timeout: 120000 });
try {
  const t0 = Date.now();
  while (!/login: admin \/ \S+/.test(srv.stdout()) && Date.now() - t0 < 120000) await new Promise((r) => setTimeout(r, 50));
  const password = srv.stdout().match(/login: admin \/ (\S+)/)[1];
  const r = await request(srv.base, 'POST', '/api/v1/login', { body: { name: 'admin', password } });
  const cookie = r.headers.getSetCookie()[0].split(';')[0];
  const stats = (await request(srv.base, 'GET', '/api/v1/cases/stats', { cookie })).json;
  const entries = stats.services.concat(stats.activities, stats.outcomes).reduce((a, x) => a + x.n, 0);
  log(`${stats.cases} files, ${entries} service/activity/outcome entries (plus contacts)`);
  const queries = {
    list: '/api/v1/cases?limit=50',
    due: '/api/v1/cases?due=1&limit=50',
    search_name: `/api/v1/cases?limit=50&q=${encodeURIComponent('王丽')}`,
    street: '/api/v1/cases?limit=50&street=gongshu/xiaohe',
    intention_page3: '/api/v1/cases?limit=50&offset=100&intention=startup',
    file: '/api/v1/cases/1',
    stats: '/api/v1/cases/stats',
  };
  const out = { cases: stats.cases, rounds: ROUNDS, ms: {} };
  for (const [name, q] of Object.entries(queries)) {
    for (let i = 0; i < 20; i++) await request(srv.base, 'GET', q, { cookie });
    const t = [];
    for (let i = 0; i < ROUNDS; i++) {
      const s = process.hrtime.bigint();
      const a = await request(srv.base, 'GET', q, { cookie });
      t.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (a.status !== 200) throw new Error(`${q}: ${a.status}`);
    }
    t.sort((x, y) => x - y);
    const at = (p) => +t[Math.min(t.length - 1, Math.floor(p * t.length))].toFixed(2);
    out.ms[name] = { p50: at(0.5), p99: at(0.99), max: +t.at(-1).toFixed(2) };
  }
  console.log(JSON.stringify(out, null, 1));
} finally {
  srv.child.kill('SIGTERM');
  await new Promise((r) => srv.child.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
}
