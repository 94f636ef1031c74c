// Nothing answered that is not stored: the data directory is a small tmpfs,
// filled to the brim while clients POST records and events. Every batch
// answered 2xx must be stored (queried back); a full disk answers 507
// insufficient_storage with Retry-After, never 200; reads keep working; and
// once space is freed, writes work again without a restart. Needs mount
// (root or CAP_SYS_ADMIN); skipped with a message where it is not allowed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createWorld, show, iso, qs, ndjson, HOUR } from './harness.mjs';
import { moveOntoTmpfs, unmountTmpfs, fill, free } from './lib/tmpfs.mjs';

const MINUTE = 60e3;
const PER = 200; // records per batch: batch k owns minute M0 + k
let w, skip = null;

before(async () => {
  w = await createWorld({ start: false });
  skip = moveOntoTmpfs(w);
  await w.start();
});

after(async () => {
  await w?.stop().catch(() => {});
  unmountTmpfs(w);
  await w?.close();
});

function batch(M0, k) {
  const recs = [];
  for (let i = 0; i < PER; i++) {
    recs.push({ entity: 'c-xtd-1', metric: 'visitors', ts: M0 + k * MINUTE + i * 250, value: k + 1 });
  }
  return ndjson(recs);
}

async function minuteCounts(M0, n) {
  const r = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu', grain: 'minute', agg: 'count', from: iso(M0), to: iso(M0 + n * MINUTE) })}`);
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.points.length, n);
  return r.json.points.map((p) => p.v ?? 0);
}

test('a full disk answers 507 with Retry-After, every 2xx is stored, freed space writes again', async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const M0 = Math.floor((Date.now() - 2 * HOUR) / MINUTE) * MINUTE;
  // signed in before the disk fills (a login writes a session: 507 when full)
  assert.equal((await w.get('admin', '/api/v1/me')).status, 200);
  fill(w, 256 << 10);
  const answers = [];
  let full = 0, k = 0;
  // batches until several were refused for want of space
  while (full < 5 && k < 400) {
    const r = await w.ingest(batch(M0, k));
    answers.push(r.status);
    if (r.status === 200) {
      assert.equal(r.json.accepted, PER, show(r));
    } else {
      assert.equal(r.status, 507, show(r));
      assert.equal(r.json.error.code, 'insufficient_storage', show(r));
      assert.ok(Number(r.headers.get('retry-after')) > 0, 'Retry-After on 507');
      full++;
    }
    k++;
  }
  // events too
  const ev = await w.api('POST', '/api/v1/events', { token: w.token,
    body: ndjson([{ entity: 'c-xtd-1', kind: 'gate_jam', ts: iso(M0), data: { queue: 'x'.repeat(4000) } }]),
    headers: { 'Content-Type': 'application/x-ndjson' } });
  assert.ok(ev.status === 507 || ev.status === 200, show(ev));
  if (ev.status === 507) assert.ok(Number(ev.headers.get('retry-after')) > 0);
  // reads keep working on a full disk, and say what was stored
  const counts = await minuteCounts(M0, k);
  for (let i = 0; i < k; i++) {
    if (answers[i] === 200) assert.equal(counts[i], PER, `batch ${i} was answered 200 but ${counts[i]} of ${PER} are stored`);
    else assert.equal(counts[i], 0, `batch ${i} was refused but ${counts[i]} records are stored`);
  }
  assert.ok(full >= 5, `the disk never filled: ${answers.join(',')}`);
  // space freed: the same server writes again
  free(w);
  const again = await w.ingest(batch(M0, k));
  assert.equal(again.status, 200, show(again));
  assert.equal(again.json.accepted, PER);
  const ev2 = await w.api('POST', '/api/v1/events', { token: w.token,
    body: ndjson([{ entity: 'c-xtd-1', kind: 'gate_jam', ts: iso(M0), data: { queue: 1 } }]),
    headers: { 'Content-Type': 'application/x-ndjson' } });
  assert.equal(ev2.status, 200, show(ev2));
  const after = await minuteCounts(M0, k + 1);
  assert.equal(after[k], PER);
  // and after a restart every acknowledged batch is still there
  await w.restart();
  const kept = await minuteCounts(M0, k + 1);
  for (let i = 0; i < k; i++) if (answers[i] === 200) assert.equal(kept[i], PER, `batch ${i} lost at restart`);
  assert.equal(kept[k], PER);
});

test('rollup rebuild repairs a damaged rollup row to the original answers', async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const M0 = Math.floor((Date.now() - 5 * HOUR) / MINUTE) * MINUTE;
  for (let k = 0; k < 3; k++) {
    const r = await w.ingest(batch(M0, k));
    assert.equal(r.status, 200, show(r));
  }
  const q = `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu', grain: 'hour', agg: 'sum', from: iso(M0 - HOUR), to: iso(M0 + 2 * HOUR) })}`;
  const before = await w.get('admin', q);
  assert.equal(before.status, 200, show(before));
  await w.stop();
  // damage: every hour row of the metric gets a wrong sum (sqlite3 CLI)
  const sql = "UPDATE rollup SET sum = sum + 12345 WHERE grain = 2 AND metric = (SELECT id FROM metric WHERE key = 'visitors');";
  const d = spawnSync('sqlite3', [path.join(w.dir, 'zhizhi.db'), sql], { encoding: 'utf8' });
  if (d.status !== 0) {
    t.skip(`no sqlite3 command to damage the store with: ${d.stderr || d.error}`);
    await w.start();
    return;
  }
  await w.start();
  w.cookies = {};
  const damaged = await w.get('admin', q);
  assert.notDeepEqual(damaged.json.points, before.json.points);
  await w.stop();
  const bad = w.run(['rollup', 'rebuild', '--metric', 'nope']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /metric "nope" does not exist/);
  const r = w.run(['rollup', 'rebuild', '--metric', 'visitors', '--from', iso(M0 - HOUR), '--to', iso(M0 + 2 * HOUR)]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rollup rebuild: visitors: \d+ records of \d+ series folded in again/);
  await w.start();
  w.cookies = {};
  const fixed = await w.get('admin', q);
  assert.deepEqual(fixed.json.points, before.json.points);
});

test('values whose rollup sum would leave the doubles are refused whole; every answer stays finite', async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const M = Math.floor((Date.now() - 30 * MINUTE) / MINUTE) * MINUTE;
  // the four lines: the district's delta was NaN, answered {"accepted":4}, 0 stored
  const poison = [
    { entity: 'c-dx-1', metric: 'visitors', ts: M, value: 1.7976931348623157e308 },
    { entity: 'c-dx-1', metric: 'visitors', ts: M + 1000, value: 1.79e308 },
    { entity: 'c-hs-1', metric: 'visitors', ts: M + 2000, value: -1.79e308 },
    { entity: 'c-hs-1', metric: 'visitors', ts: M + 3000, value: -1.79e308 },
  ];
  const r = await w.ingest(poison);
  assert.equal(r.status, 400, show(r));
  const one = await w.ingest([{ entity: 'c-dx-1', metric: 'visitors', ts: M + 4000, value: 1e308 }]);
  const two = await w.ingest([{ entity: 'c-dx-1', metric: 'visitors', ts: M + 5000, value: 1e308 }]);
  assert.ok(one.status === 200 || one.status === 400, show(one));
  assert.equal(two.status, 400, `a second 1e308 in the same buckets: ${show(two)}`);
  const ok = await w.ingest([{ entity: 'c-hs-1', metric: 'visitors', ts: M + 6000, value: 2.5 }]);
  assert.equal(ok.status, 200, show(ok));
  for (const agg of ['sum', 'count', 'max']) {
    const s = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu', grain: 'minute', agg, from: iso(M), to: iso(M + MINUTE) })}`);
    assert.equal(s.status, 200, show(s));
    assert.equal(s.json.points.length, 1);
    const v = s.json.points[0].v;
    assert.ok(typeof v === 'number' && Number.isFinite(v), `${agg}: ${show(s)}`);
    if (agg === 'count') assert.equal(v, one.status === 200 ? 2 : 1, 'only what was answered 200 is counted');
  }
});

test('an export on a full disk answers 507 with a JSON error, leaves no file, and the server keeps serving', async (t) => {
  if (skip) {
    t.skip(skip);
    return;
  }
  const M = Math.floor((Date.now() - 3 * HOUR) / MINUTE) * MINUTE;
  const recs = [];
  for (let i = 0; i < 600; i++) recs.push({ entity: 'c-xtd-1', metric: 'visitors', ts: M + i * MINUTE / 4, value: i });
  assert.equal((await w.ingest(ndjson(recs))).status, 200);
  const q = (format) => `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu', grain: 'minute', agg: 'sum', from: iso(M), to: iso(M + 150 * MINUTE), format })}`;
  assert.equal((await w.get('admin', '/api/v1/me')).status, 200); // signed in before the disk fills
  const files = () => fs.readdirSync(w.dir).filter((n) => n !== 'filler').sort();
  const was = files();
  fill(w, 0);
  try {
    for (const format of ['csv', 'xlsx']) {
      const r = await w.get('admin', q(format));
      assert.equal(r.status, 507, `${format}: ${show(r)}`);
      assert.match(r.headers.get('content-type') || '', /application\/json/);
      assert.equal(r.json.error.code, 'insufficient_storage', show(r));
      assert.equal(r.json.error.message, 'cannot write the export file', show(r));
      assert.ok(Number(r.headers.get('retry-after')) > 0, 'Retry-After on 507');
      assert.deepEqual(files(), was, `${format}: no export file left behind`);
      // the server keeps serving, on the full disk too
      const j = await w.get('admin', q('json'));
      assert.equal(j.status, 200, show(j));
      assert.equal(j.json.points.length, 150);
    }
  } finally {
    free(w);
  }
  for (const format of ['csv', 'xlsx']) {
    const r = await w.get('admin', q(format));
    assert.equal(r.status, 200, `${format} once space is free: ${show(r)}`);
    assert.ok(r.text.length > 0);
  }
  assert.deepEqual(files(), was, 'a sent export is removed');
});
