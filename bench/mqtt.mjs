// MQTT ingest benchmark: records/s through a real mosquitto broker into
// zhizhi (committed, counted by the source's records), with DEVICES devices
// each on its own connection and topic, at QoS 0 and QoS 1; then the
// latency from a publish to the record being visible in /api/v1/series.
//
//   node bench/mqtt.mjs [--devices 50,5000] [--messages 20000] [--probes 200]
//
// Needs build/zhizhi (ZHIZHI_BIN), mosquitto and npm mqtt. One broker (no
// auth: the ACL is not what is measured) and one data dir per device count.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { createWorld, FIXTURE_PACK, iso, qs, sleep, HOUR } from '../tests/integration/harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const DEVICES = arg('devices', '50,5000').split(',').map(Number);
const MESSAGES = Number(arg('messages', '20000'));
const PROBES = Number(arg('probes', '200'));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function until(fn, timeout = 600000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeout) throw new Error('timed out');
    await sleep(20);
  }
}

/** The fixture pack plus n counters in gongshu/hushu (ids m-0 ...). */
function packWith(n, dir) {
  fs.cpSync(FIXTURE_PACK, dir, { recursive: true });
  const lines = [];
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify({ id: `m-${i}`, type: 'counter', name_zh: `计数点${i}`, name_en: `Counter ${i}`,
      region: 'gongshu/hushu', lon: 120.12, lat: 30.29, attrs: {} }));
  }
  fs.appendFileSync(path.join(dir, 'entities.ndjson'), lines.join('\n') + '\n');
  return dir;
}

async function startBroker(tmp) {
  const port = await freePort();
  fs.writeFileSync(path.join(tmp, 'mosquitto.conf'), [`listener ${port} 127.0.0.1`, 'allow_anonymous true',
    'persistence false', 'max_queued_messages 1000000', 'max_inflight_messages 100',
    `log_dest file ${tmp}/mosquitto.log`, 'user root', ''].join('\n'));
  const broker = spawn('mosquitto', ['-c', path.join(tmp, 'mosquitto.conf')], { stdio: 'ignore' });
  await until(() => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  }), 10000);
  return { broker, port };
}

async function records(w) {
  const r = await w.get('admin', '/api/v1/sources');
  return r.json.sources.find((s) => s.id === 'wenlv_flow').records;
}

async function connectAll(port, n) {
  const clients = [];
  for (let i = 0; i < n; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 200); j++) {
      batch.push(mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `bench-${j}`, reconnectPeriod: 0 }));
    }
    clients.push(...await Promise.all(batch));
  }
  return clients;
}

async function throughput(w, port, devices, qos, tsBase) {
  const clients = await connectAll(port, devices);
  const before = await records(w);
  const per = Math.ceil(MESSAGES / devices);
  const total = per * devices;
  const t0 = performance.now();
  // every device sends its messages as fast as the client lets it
  const sending = clients.map(async (c, d) => {
    for (let k = 0; k < per; k++) {
      const body = JSON.stringify({ ts: tsBase + k * 1000, value: k % 100 });
      if (qos === 0) c.publish(`zz/wenlv_flow/m-${d}/visitors`, body, { qos: 0 });
      else await c.publishAsync(`zz/wenlv_flow/m-${d}/visitors`, body, { qos: 1 });
    }
  });
  await Promise.all(sending);
  const sent = performance.now();
  let got = before;
  // QoS 0 may be dropped by the broker under load: stop when nothing came for 3 s
  let last = performance.now(), lastGot = before;
  await until(async () => {
    got = await records(w);
    if (got !== lastGot) { lastGot = got; last = performance.now(); }
    return got - before >= total || performance.now() - last > 3000;
  });
  const t1 = got - before >= total ? performance.now() : last;
  await Promise.all(clients.map((c) => c.endAsync()));
  return { devices, qos, total, stored: got - before, seconds: (t1 - t0) / 1000, publishSeconds: (sent - t0) / 1000 };
}

async function latency(w, port) {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'bench-probe' });
  const T0 = Math.floor((Date.now() - 20 * HOUR) / 60e3) * 60e3;
  const lat = [];
  for (let i = 0; i < PROBES; i++) {
    const ts = T0 + i * 60e3;
    const t0 = performance.now();
    await c.publishAsync('zz/wenlv_flow/m-0/visitors', JSON.stringify({ ts, value: 7 }), { qos: 1 });
    await until(async () => {
      const r = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/hushu', grain: 'minute', agg: 'count', from: iso(ts), to: iso(ts + 60e3) })}`);
      return r.json.points[0]?.v === 1;
    });
    lat.push(performance.now() - t0);
  }
  await c.endAsync();
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { probes: PROBES, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] };
}

const rows = [];
for (const devices of DEVICES) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-mqtt-bench-'));
  const pack = packWith(devices, path.join(tmp, 'pack'));
  const w = await createWorld({ pack, start: false, sources: ['wenlv_flow'] });
  const { broker, port } = await startBroker(tmp);
  try {
    w.serveArgs = ['--mqtt', `mqtt://127.0.0.1:${port}`];
    await w.start();
    await sleep(500); // the subscriber connects
    for (const qos of [0, 1]) {
      const base = Date.now() - (qos ? 40 : 45) * HOUR;
      const r = await throughput(w, port, devices, qos, base);
      rows.push(r);
      console.error(JSON.stringify(r));
    }
    if (devices === DEVICES[0]) {
      const l = await latency(w, port);
      rows.push({ latency: l });
      console.error(JSON.stringify(l));
    }
  } finally {
    await w.close();
    broker.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
console.log('| devices | QoS | messages sent | records stored | seconds | records/s |');
console.log('|---|---|---|---|---|---|');
for (const r of rows.filter((x) => x.devices)) {
  console.log(`| ${r.devices} | ${r.qos} | ${r.total} | ${r.stored} | ${r.seconds.toFixed(2)} | ${Math.round(r.stored / r.seconds)} |`);
}
const l = rows.find((x) => x.latency)?.latency;
if (l) console.log(`\npublish (QoS 1) → visible in /api/v1/series, ${l.probes} probes one at a time, idle server: p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms`);
