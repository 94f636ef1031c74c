// The records engine (store/reclog.h) under kill -9: raw records live in a
// log of framed batches and sealed segment files, here sealed every 3,000
// records (ZZ_RECORDS_SEAL) so that seals run while four clients write and
// the server is killed. After each of three kills: every acknowledged
// request is there whole (counted from the rollups and from the raw records
// by `zhizhi check`), values replaced across sealed segments read back as
// the newest, records and rollups agree, and the store takes more writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createWorld, show, iso, qs, ndjson, sleep, cli, HOUR } from './harness.mjs';

process.env.ZZ_RECORDS_SEAL = '3000'; // the server inherits it

let w;
before(async () => { w = await createWorld(); });
after(async () => { await w?.close(); });

const PER = 100;
const MINUTE = 60e3;

// request k of a round: PER records of c-xtd-1 in minute M0 + k, value k + 1
function batch(M0, k, value = k + 1) {
  const recs = [];
  for (let i = 0; i < PER; i++) recs.push({ entity: 'c-xtd-1', metric: 'visitors', ts: M0 + k * MINUTE + i * 500, value });
  return ndjson(recs);
}

async function post(body) {
  const r = await fetch(`${w.base}/api/v1/records`, { method: 'POST', body,
    headers: { 'Content-Type': 'application/x-ndjson', Authorization: `Bearer ${w.token}` }, signal: AbortSignal.timeout(10000) });
  return { status: r.status, json: await r.json() };
}

/** Four clients post requests 0.. until the server is killed after killAfterMs. */
async function round(M0, killAfterMs) {
  const acked = new Set();
  let next = 0, stop = false;
  async function worker() {
    while (!stop && next < 400) {
      const k = next++;
      try {
        const r = await post(batch(M0, k));
        if (r.status === 200) acked.add(k);
      } catch {
        return; // the server died
      }
    }
  }
  const running = Array.from({ length: 4 }, worker);
  const t0 = Date.now();
  while ((Date.now() - t0 < killAfterMs || acked.size < 40) && next < 320 && Date.now() - t0 < 10000) await sleep(10);
  await w.kill9();
  stop = true;
  await Promise.all(running);
  return { acked, sent: next };
}

async function minuteCounts(M0, n) {
  const r = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/dongxin', grain: 'minute', agg: 'count', from: iso(M0), to: iso(M0 + n * MINUTE) })}`);
  assert.equal(r.status, 200, show(r));
  return r.json.points.map((p) => p.v ?? 0);
}

function check(label) {
  const r = cli(['check', '--json', '--data', w.dir], { timeout: 120000 });
  let rep = null;
  try { rep = JSON.parse(r.stdout); } catch { /* reported below */ }
  assert.ok(rep, `${label}: zhizhi check printed no JSON: ${r.stdout} ${r.stderr}`);
  assert.equal(rep.ok, true, `${label}: zhizhi check found mismatches: ${JSON.stringify(rep.mismatches?.slice(0, 5))}`);
  assert.equal(r.status, 0, r.stderr);
  return rep;
}

function recordsFiles() {
  const dir = path.join(w.dir, 'records');
  return fs.readdirSync(dir).sort();
}

test('three kill -9 while four clients write and segments seal: every acknowledged record is kept, records and rollups agree', async (t) => {
  let stored = 0;
  for (let r = 0; r < 3; r++) {
    const M0 = Math.floor((Date.now() - (40 - r * 8) * HOUR) / MINUTE) * MINUTE;
    const res = await round(M0, 600 + r * 300);
    t.diagnostic(`round ${r + 1}: ${res.sent} sent, ${res.acked.size} acknowledged; files ${recordsFiles().join(' ')}`);
    await w.start();
    w.cookies = {};
    const counts = await minuteCounts(M0, res.sent);
    const lost = [...res.acked].filter((k) => counts[k] !== PER);
    const half = counts.map((c, k) => [k, c]).filter(([, c]) => c !== 0 && c !== PER);
    assert.deepEqual(lost, [], `round ${r + 1}: acknowledged requests lost`);
    assert.deepEqual(half, [], `round ${r + 1}: requests half-written`);
    stored += counts.filter((c) => c === PER).length * PER;
    assert.equal((await w.api('GET', '/healthz')).json.records, stored, `round ${r + 1}: healthz`);
  }
  // seals happened during the rounds: sealed segments are on disk
  assert.ok(recordsFiles().some((f) => f.startsWith('seg-')), `sealed segments: ${recordsFiles().join(' ')}`);
  const m = await w.api('GET', '/metrics');
  assert.match(m.text, /^zhizhi_records_segments [1-9]\d*$/m, 'the engine\'s figures are in /metrics');

  // every record of the first round again, with new values: each replaces a
  // record that now lies in a sealed segment (or the log), counted once
  const M0 = Math.floor((Date.now() - 40 * HOUR) / MINUTE) * MINUTE;
  const before = (await w.api('GET', '/healthz')).json.records;
  const counts = await minuteCounts(M0, 40);
  const k = counts.findIndex((c) => c === PER);
  assert.ok(k >= 0, 'a stored request of round 1');
  const again = await post(batch(M0, k, 1000 + k));
  assert.equal(again.status, 200, JSON.stringify(again.json));
  assert.equal(again.json.replaced, PER, JSON.stringify(again.json));
  assert.equal((await w.api('GET', '/healthz')).json.records, before, 'replacing adds nothing');
  const sum = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/dongxin', grain: 'minute', agg: 'max', from: iso(M0 + k * MINUTE), to: iso(M0 + (k + 1) * MINUTE) })}`);
  assert.equal(sum.json.points[0].v, 1000 + k, `the newest value wins: ${show(sum)}`);

  // stopped: the raw records, read back from the log and the segments,
  // agree with every rollup, series last value and the records counter
  await w.stop();
  const rep = check('after the kills');
  assert.equal(rep.records, before, 'check reads every stored record');
  // and a restart serves on
  await w.start();
  w.cookies = {};
  const more = await post(batch(M0 - 2 * HOUR, 0));
  assert.equal(more.status, 200);
  await w.stop();
  check('after more writes');
});

test('rollups still in memory at kill -9 are rebuilt from the log at the next start, replacements counted once', async () => {
  try {
    // ZZ_TEST_ROLLUP_HOLD=1: the writer keeps every records transaction's
    // rollups in memory (as it does while a flood queues more work), so the
    // kill below finds them unwritten; the records are in the log
    // (and no seal meanwhile: a new generation starts with the rollups written)
    await w.stop();
    process.env.ZZ_TEST_ROLLUP_HOLD = '1';
    process.env.ZZ_RECORDS_SEAL = '100000000';
    try {
      await w.start();
    } finally {
      delete process.env.ZZ_TEST_ROLLUP_HOLD;
      process.env.ZZ_RECORDS_SEAL = '3000';
    }
    w.cookies = {};
    // (minutes the test above did not write: its rounds reach 18.6 hours back)
    const M0 = Math.floor((Date.now() - 10 * HOUR) / MINUTE) * MINUTE;
    const before = (await w.api('GET', '/healthz')).json.records;
    for (let k = 0; k < 6; k++) assert.equal((await post(batch(M0, k))).status, 200);
    // minute 2 again with new values (replaces, within the held span), and
    // minute 4 with half its records replaced and the rest new
    const re = await post(batch(M0, 2, 500));
    assert.equal(re.json.replaced, PER, JSON.stringify(re.json));
    const half = [];
    for (let i = 0; i < PER; i++) half.push({ entity: 'c-xtd-1', metric: 'visitors', ts: M0 + 4 * MINUTE + i * 250, value: 7 });
    const mixed = await post(ndjson(half));
    assert.equal(mixed.status, 200);
    assert.equal(mixed.json.replaced, PER / 2, JSON.stringify(mixed.json));
    // held: the raw records are stored, the rollups do not show them yet
    assert.deepEqual(await minuteCounts(M0, 6), [0, 0, 0, 0, 0, 0], 'the rollups were held back');
    await w.kill9();

    await w.start();
    w.cookies = {};
    assert.deepEqual(await minuteCounts(M0, 6), [PER, PER, PER, PER, PER + PER / 2, PER], 'every record counted once');
    const max = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/dongxin', grain: 'minute', agg: 'sum', from: iso(M0), to: iso(M0 + 6 * MINUTE) })}`);
    assert.deepEqual(max.json.points.map((p) => p.v),
      [1 * PER, 2 * PER, 500 * PER, 4 * PER, 5 * (PER / 2) + 7 * PER, 6 * PER], `replaced values summed once: ${show(max)}`);
    assert.equal((await w.api('GET', '/healthz')).json.records, before + 6 * PER + PER / 2, 'the records counter');
    await w.stop();
    check('after the replay');
    // a second start has nothing left to replay and agrees again
    await w.start();
    await w.stop();
    check('after a second start');
  } catch (e) {
    await w.kill9(); // the next test starts its own server
    throw e;
  }
});

test('a damaged segment is named at start, not served short', async () => {
  const seg = recordsFiles().filter((f) => f.startsWith('seg-')).pop();
  assert.ok(seg, 'a sealed segment to damage');
  const p = path.join(w.dir, 'records', seg);
  const bytes = fs.readFileSync(p);
  fs.writeFileSync(p, bytes.subarray(0, bytes.length - 7)); // its footer torn
  const r = cli(['check', '--json', '--data', w.dir], { timeout: 60000 });
  assert.notEqual(r.status, 0, 'check fails on a damaged segment');
  await assert.rejects(w.start(), new RegExp(`records segment .*${seg}.* damaged`));
  fs.writeFileSync(p, bytes); // mended: it serves again
  await w.start();
  await w.stop();
});
