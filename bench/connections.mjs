// connections.mjs - issue 10 figure: while one address (127.0.0.2) holds
// --hog idle sockets (default 4,100: past MHD's 4,096 connection limit) and
// --slow sockets that send a request head a byte a second, is the server
// still there for another address (127.0.0.1)? Reports how many of the
// hog's sockets the server refused or closed, the server's open descriptors,
// and /healthz answers and latencies from 127.0.0.1 (a new connection each,
// every 100 ms for --seconds). Real server with its defaults, the test
// fixture pack, a temp data dir.
// Usage: ZHIZHI_BIN=build/zhizhi node bench/connections.mjs [--hog 4100] [--slow 50] [--seconds 15]
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { createWorld } from '../tests/integration/harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const HOG = arg('--hog', 4100);
const SLOW = arg('--slow', 50);
const SECONDS = arg('--seconds', 15);
const sleep = (t) => new Promise((r) => setTimeout(r, t));

function probe(port) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const done = (status) => resolve({ status, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    const r = http.request({ host: '127.0.0.1', port, path: '/healthz', localAddress: '127.0.0.1', agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
    });
    r.on('error', () => done(0));
    r.setTimeout(5000, () => r.destroy());
    r.end();
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};

const w = await createWorld();
const socks = [];
let closedByServer = 0, slowClosed = 0;
try {
  const port = w.server.port;
  const t0 = Date.now();
  const opened = [];
  for (let i = 0; i < HOG + SLOW; i++) {
    const slow = i >= HOG;
    const s = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
    s.on('error', () => {});
    s.on('close', () => { if (!s.zzMine) { closedByServer++; if (slow) slowClosed++; } });
    if (slow) {
      const head = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200);
      let k = 0;
      s.zzTimer = setInterval(() => { if (!s.destroyed) s.write(head[k++ % head.length]); }, 1000);
    }
    socks.push(s);
    opened.push(new Promise((res) => { s.once('connect', res); s.once('close', res); }));
    if (i % 500 === 499) await sleep(20);
  }
  await Promise.all(opened);
  const openMs = Date.now() - t0;
  await sleep(500);
  const probes = [];
  const until = Date.now() + SECONDS * 1000;
  while (Date.now() < until) {
    probes.push(await probe(port));
    await sleep(100);
  }
  let fds = NaN;
  try { fds = fs.readdirSync(`/proc/${w.server.child.pid}/fd`).length; } catch { /* not Linux */ }
  const ok = probes.filter((p) => p.status === 200);
  console.log(JSON.stringify({
    binary: process.env.ZHIZHI_BIN || 'build/zhizhi',
    hog_idle: HOG, hog_slow: SLOW, seconds_held: SECONDS,
    opened_in_ms: openMs,
    hog_sockets_closed_by_server: closedByServer,
    slow_sockets_closed_by_server: slowClosed,
    server_open_fds: fds,
    probes: probes.length,
    probes_ok: ok.length,
    probe_ms: { p50: +pct(ok.map((p) => p.ms), 50).toFixed(1), p99: +pct(ok.map((p) => p.ms), 99).toFixed(1) },
  }, null, 2));
} finally {
  for (const s of socks) { s.zzMine = true; clearInterval(s.zzTimer); s.destroy(); }
  await w.close();
}
