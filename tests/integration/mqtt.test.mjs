// MQTT ingest against a real mosquitto 2.0 broker on loopback (config in a
// temp dir), with real clients: mosquitto_pub (Debian mosquitto-clients) and
// mqtt.js. zhizhi provisions the device accounts (zhizhi mqtt init|device),
// the broker enforces the ACL, zhizhi subscribes with a persistent session.
// One broker and one data dir for the whole file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { createWorld, show, iso, qs, sleep, HOUR } from './harness.mjs';

const MINUTE = 60e3;
const have = spawnSync('sh', ['-c', 'command -v mosquitto && command -v mosquitto_pub'], { encoding: 'utf8' }).status === 0;

let w, broker, port, tmp;
const pw = {};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function until(what, fn, timeout = 10000) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < timeout) {
    last = await fn();
    if (last) return last;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function pub(user, topic, message, extra = []) {
  return spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-u', user, '-P', pw[user],
    '-q', '1', '-t', topic, '-m', message, ...extra], { encoding: 'utf8', timeout: 10000 });
}

/** Minute-bucket counts and sums of `visitors` in region from M0, n minutes. */
async function minutes(region, M0, n) {
  const get = async (agg) => {
    const r = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region, grain: 'minute', agg, from: iso(M0), to: iso(M0 + n * MINUTE) })}`);
    assert.equal(r.status, 200, show(r));
    return r.json.points.map((p) => p.v);
  };
  return { count: await get('count'), sum: await get('sum') };
}

/** A counter of GET /metrics for one source (0 before the first record). */
async function ingestCounter(name, src) {
  const r = await w.api('GET', '/metrics');
  assert.equal(r.status, 200, show(r));
  const line = r.text.split('\n').find((l) => l.startsWith(`${name}{source="${src}"} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function source(id) {
  const r = await w.get('admin', '/api/v1/sources');
  assert.equal(r.status, 200, show(r));
  return r.json.sources.find((s) => s.id === id);
}

before(async () => {
  if (!have) return;
  w = await createWorld({ start: false });
  w.run(['mqtt', 'init']);
  for (const dev of ['c-hs-1', 'c-wg-1']) {
    const r = w.run(['mqtt', 'device', dev, '--source', 'wenlv_flow']);
    assert.equal(r.status, 0, r.stderr);
    pw[dev] = r.stdout.trim();
    assert.match(pw[dev], /^[A-Za-z0-9]{32}$/);
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-mqtt-'));
  port = await freePort();
  fs.writeFileSync(path.join(tmp, 'mosquitto.conf'), [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous false',
    `password_file ${w.dir}/mqtt/passwd`,
    `acl_file ${w.dir}/mqtt/acl`,
    'persistence false',
    'max_queued_messages 100000',
    `pid_file ${tmp}/mosquitto.pid`,
    `log_dest file ${tmp}/mosquitto.log`,
    'user root', ''].join('\n'));
  broker = spawn('mosquitto', ['-c', path.join(tmp, 'mosquitto.conf')], { stdio: 'ignore' });
  await until('the broker to listen', () => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  }));
  w.serveArgs = ['--mqtt', `mqtt://127.0.0.1:${port}`];
  await w.start();
  // the subscriber is connected once a probe message comes through
  try {
    await until('zhizhi to subscribe', async () => {
      pub('c-hs-1', 'zz/wenlv_flow/c-hs-1/visitors', JSON.stringify({ ts: Date.now() - 50 * HOUR, value: 1 }));
      const s = await source('wenlv_flow');
      return s.records > 0;
    }, 30000);
  } catch (e) {
    let log = '';
    try { log = fs.readFileSync(path.join(tmp, 'mosquitto.log'), 'utf8').slice(-3000); } catch { /* none */ }
    throw new Error(`${e.message}\nzhizhi: ${w.server.stderr().slice(-3000)}\nmosquitto: ${log}`);
  }
});

after(async () => {
  await w?.close();
  if (broker && broker.exitCode === null) {
    broker.kill('SIGTERM');
    await new Promise((r) => broker.once('exit', r));
  }
  if (tmp && !process.env.ZZ_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
});

test('mosquitto_pub: zz/SOURCE/ENTITY/METRIC with a JSON or a plain-number payload is stored', { skip: !have && 'mosquitto not installed' }, async () => {
  const M0 = Math.floor((Date.now() - 30 * HOUR) / MINUTE) * MINUTE;
  let r = pub('c-hs-1', 'zz/wenlv_flow/c-hs-1/visitors', JSON.stringify({ ts: M0, value: 17 }));
  assert.equal(r.status, 0, r.stderr);
  r = pub('c-hs-1', 'zz/wenlv_flow/c-hs-1/visitors', `{"ts":"${iso(M0 + MINUTE)}","value":4.5}`);
  assert.equal(r.status, 0, r.stderr);
  const m = await until('two records', async () => {
    const x = await minutes('gongshu/hushu', M0, 2);
    return x.count[0] === 1 && x.count[1] === 1 ? x : null;
  });
  assert.deepEqual(m.sum, [17, 4.5]);
  // a bare number: stored at the time it arrived
  const before = (await source('wenlv_flow')).records;
  r = pub('c-hs-1', 'zz/wenlv_flow/c-hs-1/visitors', '23');
  assert.equal(r.status, 0, r.stderr);
  await until('the plain number', async () => (await source('wenlv_flow')).records === before + 1);
  const l = await w.get('admin', '/api/v1/latest?metric=visitors&region=gongshu/hushu');
  assert.equal(l.json.items.find((i) => i.entity === 'c-hs-1')?.v, 23, show(l));
});

test('mqtt.js: ThingsBoard telemetry on v1/devices/ENTITY/telemetry is stored for the device', { skip: !have && 'mosquitto not installed' }, async () => {
  const M0 = Math.floor((Date.now() - 29 * HOUR) / MINUTE) * MINUTE;
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'c-wg-1', password: pw['c-wg-1'], clientId: 'dev-c-wg-1' });
  try {
    await c.publishAsync('v1/devices/c-wg-1/telemetry', JSON.stringify({ ts: M0, values: { visitors: 9 } }), { qos: 1 });
    await c.publishAsync('v1/devices/c-wg-1/telemetry', JSON.stringify([{ ts: M0 + MINUTE, values: { visitors: 5 } }]), { qos: 1 });
    const m = await until('ThingsBoard records', async () => {
      const x = await minutes('gongshu/kejipark/wanggu', M0, 2);
      return x.count[0] === 1 && x.count[1] === 1 ? x : null;
    });
    assert.deepEqual(m.sum, [9, 5]);
    // {"key": value}: stored now
    await c.publishAsync('v1/devices/c-wg-1/telemetry', '{"visitors":31}', { qos: 1 });
    await until('the key-value form', async () => {
      const l = await w.get('admin', '/api/v1/latest?metric=visitors&region=gongshu/kejipark/wanggu');
      return l.json.items.find((i) => i.entity === 'c-wg-1')?.v === 31;
    });
  } finally {
    await c.endAsync();
  }
});

test('the broker refuses a device on another device\'s topics; a wrong password cannot connect', { skip: !have && 'mosquitto not installed' }, async () => {
  const M0 = Math.floor((Date.now() - 28 * HOUR) / MINUTE) * MINUTE;
  // c-wg-1 tries to write as c-hs-1 (both conventions), then writes its own
  let r = pub('c-wg-1', 'zz/wenlv_flow/c-hs-1/visitors', JSON.stringify({ ts: M0, value: 666 }));
  assert.equal(r.status, 0, r.stderr); // MQTT 3.1.1: the broker drops it silently
  r = pub('c-wg-1', 'v1/devices/c-hs-1/telemetry', JSON.stringify({ ts: M0 + MINUTE, values: { visitors: 667 } }));
  assert.equal(r.status, 0, r.stderr);
  r = pub('c-wg-1', 'zz/wenlv_flow/c-wg-1/visitors', JSON.stringify({ ts: M0 + 2 * MINUTE, value: 3 }));
  assert.equal(r.status, 0, r.stderr);
  await until('c-wg-1\'s own record', async () => (await minutes('gongshu/kejipark/wanggu', M0 + 2 * MINUTE, 1)).count[0] === 1);
  const hs = await minutes('gongshu/hushu', M0, 2);
  assert.deepEqual(hs.count, [0, 0], 'nothing of c-wg-1\'s reached c-hs-1');
  // MQTT 5 shows the refusal to the publisher
  r = pub('c-wg-1', 'zz/wenlv_flow/c-hs-1/visitors', '1', ['-V', 'mqttv5']);
  assert.match(r.stderr + r.stdout, /not authori[sz]ed/i, 'mosquitto_pub -V mqttv5 reports the refusal');
  const bad = spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-u', 'c-wg-1', '-P', 'wrong-password',
    '-q', '1', '-t', 'zz/wenlv_flow/c-wg-1/visitors', '-m', '1'], { encoding: 'utf8', timeout: 10000 });
  assert.notEqual(bad.status, 0, 'a wrong password is refused');
});

test('a bad payload is counted on the source with its error, and the next good one is stored', { skip: !have && 'mosquitto not installed' }, async () => {
  const M0 = Math.floor((Date.now() - 27 * HOUR) / MINUTE) * MINUTE;
  const s0 = await source('wenlv_flow');
  const ok0 = await ingestCounter('zhizhi_ingest_records_total', 'wenlv_flow');
  const bad0 = await ingestCounter('zhizhi_ingest_rejected_total', 'wenlv_flow');
  let r = pub('c-hs-1', 'zz/wenlv_flow/c-hs-1/visitors', '{"ts":1,"value":');
  assert.equal(r.status, 0, r.stderr);
  r = pub('c-hs-1', 'zz/wenlv_flow/c-hs-1/visitors', JSON.stringify({ ts: M0, value: 'many' }));
  assert.equal(r.status, 0, r.stderr);
  r = pub('c-hs-1', 'zz/wenlv_flow/c-hs-1/visitors', JSON.stringify({ ts: M0 + MINUTE, value: 8 }));
  assert.equal(r.status, 0, r.stderr);
  await until('the good record', async () => (await minutes('gongshu/hushu', M0 + MINUTE, 1)).count[0] === 1);
  const s1 = await source('wenlv_flow');
  assert.equal(s1.rejected, s0.rejected + 2, JSON.stringify(s1));
  assert.match(s1.last_error, /^zz\/wenlv_flow\/c-hs-1\/visitors: .*"value"/, s1.last_error);
  assert.match(s1.last_error, /[\u4e00-\u9fff]/, 'the error has its Chinese');
  assert.ok(Date.parse(s1.last_error_at) > Date.now() - 60e3, JSON.stringify(s1));
  assert.equal((await minutes('gongshu/hushu', M0, 1)).count[0], 0, 'the bad record is not stored');
  // GET /metrics counts MQTT's records and refusals with HTTP's
  assert.equal(await ingestCounter('zhizhi_ingest_records_total', 'wenlv_flow'), ok0 + 1);
  assert.equal(await ingestCounter('zhizhi_ingest_rejected_total', 'wenlv_flow'), bad0 + 2);
});

test('kill -9 of zhizhi mid-stream of QoS 1: every record the publisher got PUBACK for is stored once', { skip: !have && 'mosquitto not installed' }, async (t) => {
  const M0 = Math.floor((Date.now() - 26 * HOUR) / MINUTE) * MINUTE;
  const N = 600;
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'c-hs-1', password: pw['c-hs-1'], clientId: 'dev-c-hs-1' });
  const acked = new Set();
  let killed = false;
  const sending = (async () => {
    const inflight = [];
    for (let k = 0; k < N; k++) {
      const p = c.publishAsync('zz/wenlv_flow/c-hs-1/visitors', JSON.stringify({ ts: M0 + k * MINUTE, value: k + 1 }), { qos: 1 })
        .then(() => acked.add(k));
      inflight.push(p);
      if (inflight.length >= 20) await inflight.shift();
      // paced (about 6 s for the stream), so that the kill below lands in
      // the middle of it even when the machine is slow to answer the polls
      await new Promise((res) => setTimeout(res, 10));
    }
    await Promise.all(inflight);
  })();
  // kill once zhizhi has stored some of the stream, while the rest is in flight
  await until('part of the stream stored', async () => {
    const s = await source('wenlv_flow');
    return s.records > 0 && acked.size >= 100;
  });
  await w.kill9();
  killed = true;
  const atKill = acked.size;
  await sending; // the broker takes the rest while zhizhi is down
  await c.endAsync();
  assert.ok(killed && atKill < N, `zhizhi was killed mid-stream (${atKill} of ${N} acknowledged)`);
  assert.equal(acked.size, N);
  await w.start();
  const m = await until('every acknowledged record after the restart', async () => {
    const x = await minutes('gongshu/hushu', M0, N);
    return x.count.every((n) => n >= 1) ? x : null;
  }, 30000);
  const twice = [], wrong = [];
  for (let k = 0; k < N; k++) {
    if (m.count[k] !== 1) twice.push(`${k}: ${m.count[k]}`);
    if (m.sum[k] !== k + 1) wrong.push(`${k}: ${m.sum[k]}`);
  }
  assert.deepEqual(twice, [], 'each record is stored once');
  assert.deepEqual(wrong, []);
  t.diagnostic(`killed with ${atKill} of ${N} acknowledged by the broker`);
});
