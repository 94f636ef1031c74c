// login_flood.mjs - issue 10 figure: /healthz latency while 40 client
// addresses send 400 wrong logins at once (10 each, every one a different
// name, so each costs an argon2id verify). A prober on 127.0.0.1 asks
// /healthz every 20 ms from before the flood until it ends and reports
// p50 / p99 / max over eight kept-alive connections. Login requests time
// out after 60 s (counted as ECONNRESET). Real server (`zhizhi serve` defaults: 8 HTTP threads),
// the test fixture pack, a temp data dir.
// Usage: ZHIZHI_BIN=build/zhizhi node bench/login_flood.mjs [--addresses 40] [--per 10]
import http from 'node:http';
import { createWorld } from '../tests/integration/harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ADDRS = arg('--addresses', 40);
const PER = arg('--per', 10);

// The prober keeps connections open, as monitors and browsers do: with MHD,
// a connection stays on the worker thread that accepted it. It asks over
// eight of them in turn (as many as the server has HTTP threads).
const PROBE_CONNS = 8;
const agents = Array.from({ length: PROBE_CONNS }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));

function req(port, { method = 'GET', path, body, localAddress, agent = false }) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const r = http.request({ host: '127.0.0.1', port, method, path, localAddress, agent,
      headers: body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    r.on('error', (e) => resolve({ status: 0, error: e.code, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    r.setTimeout(60000, () => r.destroy());
    r.end(body);
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

const w = await createWorld();
try {
  const port = w.server.port;
  let flooding = true;
  const probes = [];
  // open the probe connections before the flood
  await Promise.all(agents.map((agent) => req(port, { path: '/healthz', localAddress: '127.0.0.1', agent })));
  let turn = 0;
  const prober = (async () => {
    while (flooding) {
      const agent = agents[turn++ % PROBE_CONNS];
      const r = await req(port, { path: '/healthz', localAddress: '127.0.0.1', agent });
      probes.push(r);
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  await new Promise((res) => setTimeout(res, 300)); // a few quiet probes first
  const t0 = Date.now();
  const jobs = [];
  for (let a = 0; a < ADDRS; a++) {
    const localAddress = `127.0.1.${10 + a}`;
    for (let i = 0; i < PER; i++) {
      const body = JSON.stringify({ name: `flood_${a}_${i}`, password: `wrong-password-${i}` });
      jobs.push(req(port, { method: 'POST', path: '/api/v1/login', body, localAddress }));
    }
  }
  const logins = await Promise.all(jobs);
  const floodMs = Date.now() - t0;
  flooding = false;
  await prober;
  const statuses = {};
  for (const l of logins) statuses[l.status || l.error] = (statuses[l.status || l.error] || 0) + 1;
  // a probe that failed (reset, timed out) counts with the time it took
  const lat = probes.map((p) => p.ms);
  const out = {
    binary: process.env.ZHIZHI_BIN || 'build/zhizhi',
    logins: logins.length,
    addresses: ADDRS,
    flood_seconds: +(floodMs / 1000).toFixed(1),
    login_statuses: statuses,
    healthz_probes: probes.length,
    healthz_failed: probes.filter((p) => p.status !== 200).length,
    healthz_ms: { p50: +pct(lat, 50).toFixed(1), p99: +pct(lat, 99).toFixed(1), max: +Math.max(...lat).toFixed(1) },
  };
  console.log(JSON.stringify(out, null, 2));
} finally {
  for (const a of agents) a.destroy();
  await w.close();
}
