// Trust in what ingest accepts (issue 10): values outside a metric's range
// are refused per line (out_of_range), numbers read back bit-identical, a
// body over the cap stores nothing in any mode, an atomic body is spooled to
// disk rather than held in memory, and a source writes only what it declares.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, errorOf, show } from './harness.mjs';

let w;
before(async () => { w = await createWorld(); });
after(async () => { await w?.close(); });

const NOW = Date.now();
const bits = (x) => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getBigUint64(0).toString(16);
};

async function latest(metric, entity) {
  const r = await w.get('admin', `/api/v1/latest?metric=${metric}&region=gongshu&limit=10000`);
  assert.equal(r.status, 200, show(r));
  return r.json.items.find((x) => x.entity === entity);
}

test('out_of_range: values outside the metric\'s range (declared, or |v| <= 1e15) are refused per line', async () => {
  const t = NOW - 3600e3;
  const lines = [
    { entity: 'p-xtd-1', metric: 'parking_occupancy', ts: t, value: 50 },
    { entity: 'p-xtd-1', metric: 'parking_occupancy', ts: t + 1000, value: 100.5 }, // over max 100
    { entity: 'p-xtd-1', metric: 'parking_occupancy', ts: t + 2000, value: -1 },    // under min 0
    { entity: 'c-xtd-1', metric: 'visitors', ts: t, value: 1e308 },                 // the poison
    { entity: 'c-xtd-1', metric: 'visitors', ts: t + 1000, value: -1.5e15 },        // default bound
    { entity: 'c-xtd-1', metric: 'visitors', ts: t + 2000, value: 1e15 },           // at the bound: fine
  ];
  const r = await w.ingest(lines.slice(0, 3), { token: w.tokens.smart_parking });
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(r.json.rejected.map((x) => [x.line, x.code]), [[2, 'out_of_range'], [3, 'out_of_range']], show(r));
  assert.match(r.json.rejected[0].message, /parking_occupancy.*\[0, 100\]/);
  const v = await w.ingest(lines.slice(3), { token: w.tokens.wenlv_flow });
  assert.equal(v.status, 200, show(v));
  assert.deepEqual(v.json.rejected.map((x) => [x.line, x.code]), [[1, 'out_of_range'], [2, 'out_of_range']], show(v));
  assert.match(v.json.rejected[0].message, /visitors/);
  assert.equal(v.json.accepted, 1);
  const got = await latest('visitors', 'c-xtd-1');
  assert.equal(got.v, 1e15);
  // the rollup above it stayed finite
  const s = await w.get('admin', `/api/v1/series?metric=visitors&region=gongshu&grain=day&agg=sum&from=${new Date(t - 86400e3).toISOString()}`);
  assert.equal(s.status, 200, show(s));
  assert.ok(Number.isFinite(s.json.total), show(s));
});

test('numbers round-trip: what is ingested reads back with the same bits', async () => {
  const values = [0.1, 1234567.891234, 1e-300, 5e-324, -0, 0.1 + 0.2, 1 / 3, 99.99999999999999];
  const ents = ['c-xtd-2', 'c-dx-1', 'c-hs-1', 'c-bb-1', 'c-wg-1', 'p-xtd-1', 'p-dx-1', 'p-hs-1'];
  const t = NOW - 60e3;
  // visitors for the counters; the parking lots take the values within [0, 100]
  const rec = values.map((v, i) => ({ entity: ents[i], metric: i < 5 ? 'visitors' : 'parking_occupancy', ts: t, value: v }));
  // negative zero must go out as -0: JSON.stringify writes 0
  const body = rec.map((r) => JSON.stringify(r).replace('"value":0}', Object.is(r.value, -0) ? '"value":-0}' : '"value":0}')).join('\n');
  const visitors = body.split('\n').slice(0, 5).join('\n');
  const parking = body.split('\n').slice(5).join('\n');
  const a = await w.ingest(visitors, { token: w.tokens.wenlv_flow });
  assert.equal(a.json?.accepted, 5, show(a) + visitors);
  const vals = rec.slice(5).map((r) => r.value);
  assert.ok(vals.every((x) => x >= 0 && x <= 100));
  const b = await w.ingest(parking, { token: w.tokens.smart_parking });
  assert.equal(b.json?.accepted, 3, show(b));
  for (let i = 0; i < values.length; i++) {
    const got = await latest(i < 5 ? 'visitors' : 'parking_occupancy', ents[i]);
    assert.ok(got, `${ents[i]} has a latest value`);
    // -0 is stored as 0 (docs/api.md): SQLite keeps integral reals as integers
    const want = Object.is(values[i], -0) ? 0 : values[i];
    assert.equal(bits(got.v), bits(want), `${values[i]} read back as ${got.v}`);
  }
});

// ---- bodies: over the cap nothing is stored; atomic bodies spool to disk ----

/** Sends body (a string) chunked, without Content-Length, in pieces of `piece` bytes. */
function postChunked(token, body, { query = '', piece = 64 * 1024 } = {}) {
  const buf = Buffer.from(body);
  const stream = new ReadableStream({
    start(c) {
      for (let i = 0; i < buf.length; i += piece) c.enqueue(buf.subarray(i, i + piece));
      c.close();
    },
  });
  return fetch(w.base + '/api/v1/records' + query, {
    method: 'POST', body: stream, duplex: 'half',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-ndjson' },
    signal: AbortSignal.timeout(60000),
  }).then(async (res) => {
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  });
}

async function countAt(entity, from, to) {
  const r = await w.get('admin', `/api/v1/series?metric=visitors&region=gongshu&grain=hour&agg=count&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`);
  assert.equal(r.status, 200, show(r));
  return r.json.total;
}

const linesFor = (entity, t0, n, value = () => 1) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ entity, metric: 'visitors', ts: t0 + i, value: value(i) })).join('\n') + '\n';

test('a chunked body over the cap answers 413 and stores none of its records', async () => {
  await w.stop();
  w.serveArgs = ['--body-cap', String(8 << 20)];
  await w.start();
  w.cookies = {};
  const t0 = NOW - 5 * 3600e3;
  // ~11 MB: more than two batches of 50,000 records come before the cap
  const body = linesFor('c-wg-1', t0, 160000);
  assert.ok(body.length > 8 << 20 && body.slice(0, 8 << 20).split('\n').length > 100000);
  let r;
  try {
    r = await postChunked(w.tokens.wenlv_flow, body);
  } catch (e) {
    assert.fail(`a chunked body over the cap must get an answer (413): ${e.cause?.code || e.message}`);
  }
  assert.equal(r.status, 413, r.text);
  assert.equal(r.json?.error?.code, 'too_large');
  assert.equal(await countAt('c-wg-1', t0 - 3600e3, t0 + 3600e3), 0, 'nothing of a refused body is stored');
  // the same records in a body under the cap, chunked, are all stored
  const ok = await postChunked(w.tokens.wenlv_flow, linesFor('c-wg-1', t0, 20000));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.accepted, 20000);
  assert.equal(await countAt('c-wg-1', t0 - 3600e3, t0 + 3600e3), 20000);
  await w.stop();
  w.serveArgs = [];
  await w.start();
  w.cookies = {};
});

test('atomic: a body spooled to disk with one bad line far in stores nothing; a clean one is stored whole', async () => {
  const t0 = NOW - 7 * 3600e3;
  // 150,000 records (~11 MB): past the in-memory spool and three record batches
  const n = 150000;
  const good = linesFor('c-hs-1', t0, n, (i) => i % 7);
  const lines = good.split('\n');
  lines[140000] = '{"entity":"c-hs-1","metric":"visitors","ts":1,"value":1}'; // before 2000
  const bad = lines.join('\n');
  const r = await w.ingest(bad, { token: w.tokens.wenlv_flow, query: '?atomic=1' });
  assert.equal(r.status, 400, show(r));
  assert.deepEqual(r.json.rejected.map((x) => [x.line, x.code]), [[140001, 'time_out_of_range']]);
  assert.equal(r.json.accepted, 0);
  assert.equal(await countAt('c-hs-1', t0 - 3600e3, t0 + 3600e3), 0, 'atomic refused: nothing stored');
  const chunkedBad = await postChunked(w.tokens.wenlv_flow, bad, { query: '?atomic=1' });
  assert.equal(chunkedBad.status, 400, chunkedBad.text);
  assert.equal(await countAt('c-hs-1', t0 - 3600e3, t0 + 3600e3), 0);

  const ok = await w.ingest(good, { token: w.tokens.wenlv_flow, query: '?atomic=1' });
  assert.equal(ok.status, 200, show(ok));
  assert.deepEqual(ok.json, { accepted: n, replaced: 0, rejected: [], rejected_total: 0 });
  assert.equal(await countAt('c-hs-1', t0 - 3600e3, t0 + 3600e3), n);
  const sum = await w.get('admin', `/api/v1/series?metric=visitors&region=gongshu&grain=hour&agg=sum&from=${new Date(t0 - 3600e3).toISOString()}&to=${new Date(t0 + 3600e3).toISOString()}`);
  let want = 0;
  for (let i = 0; i < n; i++) want += i % 7;
  assert.equal(sum.json.total, want, 'rollups hold every record of the spooled body');
  // resent chunked: every record replaces itself, in one transaction
  const again = await postChunked(w.tokens.wenlv_flow, good, { query: '?atomic=1' });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.replaced, n);
  // nothing is left in the spool directory
  const fs = await import('node:fs');
  assert.deepEqual(fs.readdirSync(w.dir + '/spool'), []);
});

// ---- sources write only what they declare, and own what they wrote ----

test('a source writes only its declared metrics, entity types and regions (per-line rejects)', async () => {
  const t = NOW - 9 * 3600e3;
  const r = await w.ingest([
    { entity: 'g-xtd-1', metric: 'police_incidents', ts: t, value: 1 },   // declared, grid in Dongxin
    { entity: 'c-xtd-1', metric: 'visitors', ts: t, value: 5 },           // police_110 does not declare visitors
    { entity: 'g-hs-1', metric: 'police_incidents', ts: t, value: 1 },    // a grid outside Dongxin
    { entity: 'g-dx-1', metric: 'police_incidents', ts: t, value: 2 },    // declared
  ], { token: w.tokens.police_110 });
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(r.json.rejected.map((x) => [x.line, x.code]), [[2, 'metric_not_declared'], [3, 'entity_not_declared']], show(r));
  assert.match(r.json.rejected[0].message, /police_110.*visitors/);
  assert.match(r.json.rejected[1].message, /g-hs-1/);
  assert.equal(r.json.accepted, 2);
  // every line undeclared: 400, nothing stored
  const all = await w.ingest([{ entity: 'c-xtd-1', metric: 'visitors', ts: t, value: 5 }], { token: w.tokens.tax_share });
  assert.equal(all.status, 400, show(all));
  assert.equal(all.json.rejected[0].code, 'metric_not_declared');
  const got = await latest('visitors', 'c-xtd-1');
  assert.ok(!got || got.t !== new Date(t).toISOString() || got.v !== 5, 'the undeclared record is not stored');
  // events: the entity types and regions count too
  const ev = await w.api('POST', '/api/v1/events', { token: w.tokens.police_110, headers: { 'Content-Type': 'application/x-ndjson' },
    body: JSON.stringify({ entity: 'g-hs-1', kind: 'patrol', ts: t }) + '\n' + JSON.stringify({ entity: 'g-dx-1', kind: 'patrol', ts: t }) + '\n' });
  assert.equal(ev.status, 200, show(ev));
  assert.deepEqual(ev.json.rejected.map((x) => [x.line, x.code]), [[1, 'entity_not_declared']]);
  assert.equal(ev.json.accepted, 1);
});

test('a series belongs to the source that wrote it first: another cannot add to it or replace it', async () => {
  const t = NOW - 11 * 3600e3;
  // wenlv_flow declares parking_occupancy too (the fixture pack): it writes p-bb-1 first
  const first = await w.ingest([{ entity: 'p-bb-1', metric: 'parking_occupancy', ts: t, value: 40 }], { token: w.tokens.wenlv_flow });
  assert.equal(first.json?.accepted, 1, show(first));
  const other = await w.ingest([
    { entity: 'p-dx-1', metric: 'parking_occupancy', ts: t, value: 10 },   // a series of its own
    { entity: 'p-bb-1', metric: 'parking_occupancy', ts: t, value: 99 },   // replace: refused
    { entity: 'p-bb-1', metric: 'parking_occupancy', ts: t + 1000, value: 98 }, // add: refused
  ], { token: w.tokens.smart_parking });
  assert.equal(other.status, 200, show(other));
  assert.deepEqual(other.json.rejected.map((x) => [x.line, x.code]).sort(), [[2, 'owned_by_other_source'], [3, 'owned_by_other_source']], show(other));
  assert.equal(other.json.accepted, 1);
  assert.equal(other.json.rejected_total, 2);
  const got = await latest('parking_occupancy', 'p-bb-1');
  assert.equal(got.v, 40, 'the first source\'s value stays');
  // atomic: one refused line and nothing of the body is stored
  const atomic = await w.ingest([
    { entity: 'p-dx-1', metric: 'parking_occupancy', ts: t + 5000, value: 11 },
    { entity: 'p-bb-1', metric: 'parking_occupancy', ts: t, value: 97 },
  ], { token: w.tokens.smart_parking, query: '?atomic=1' });
  assert.equal(atomic.status, 400, show(atomic));
  assert.deepEqual(atomic.json.rejected.map((x) => [x.line, x.code]), [[2, 'owned_by_other_source']]);
  assert.equal(atomic.json.accepted, 0);
  const dx = await w.get('admin', `/api/v1/series?metric=parking_occupancy&region=gongshu/dongxin&grain=hour&agg=count&from=${new Date(t - 3600e3).toISOString()}&to=${new Date(t + 3600e3).toISOString()}`);
  assert.equal(dx.json.total, 1, 'atomic refused: nothing of it stored ' + show(dx));
  // the owner still writes
  const again = await w.ingest([{ entity: 'p-bb-1', metric: 'parking_occupancy', ts: t, value: 41 }], { token: w.tokens.wenlv_flow });
  assert.equal(again.json?.replaced, 1, show(again));
  // and it survives a restart (series.source is stored)
  await w.restart();
  const after = await w.ingest([{ entity: 'p-bb-1', metric: 'parking_occupancy', ts: t + 2000, value: 1 }], { token: w.tokens.smart_parking });
  assert.equal(after.status, 400, show(after));
  assert.equal(after.json.rejected[0].code, 'owned_by_other_source');

  // the import command holds sources to the same rules; --atomic refuses all
  await w.stop();
  const fs = await import('node:fs');
  const f = w.dir + '/import-owned.ndjson';
  fs.writeFileSync(f, [
    { entity: 'p-dx-1', metric: 'parking_occupancy', ts: t + 7000, value: 12 },
    { entity: 'p-bb-1', metric: 'parking_occupancy', ts: t + 7000, value: 12 },
    { entity: 'c-xtd-1', metric: 'visitors', ts: t + 7000, value: 12 },
  ].map((x) => JSON.stringify(x)).join('\n') + '\n');
  const imp = w.run(['import', f, '--atomic', '--source', 'smart_parking']);
  assert.equal(imp.status, 1, imp.stderr);
  const rep = JSON.parse(imp.stdout);
  assert.equal(rep.accepted, 0);
  assert.deepEqual(rep.rejected.map((x) => [x.line, x.code]), [[3, 'metric_not_declared']]);
  fs.writeFileSync(f, [
    { entity: 'p-dx-1', metric: 'parking_occupancy', ts: t + 7000, value: 12 },
    { entity: 'p-bb-1', metric: 'parking_occupancy', ts: t + 7000, value: 12 },
  ].map((x) => JSON.stringify(x)).join('\n') + '\n');
  const imp2 = w.run(['import', f, '--atomic', '--source', 'smart_parking']);
  assert.equal(imp2.status, 1, imp2.stderr);
  const rep2 = JSON.parse(imp2.stdout);
  assert.equal(rep2.accepted, 0);
  assert.deepEqual(rep2.rejected.map((x) => [x.line, x.code]), [[2, 'owned_by_other_source']]);
  await w.start();
  w.cookies = {};
  const dx2 = await w.get('admin', `/api/v1/series?metric=parking_occupancy&region=gongshu/dongxin&grain=hour&agg=count&from=${new Date(t - 3600e3).toISOString()}&to=${new Date(t + 3600e3).toISOString()}`);
  assert.equal(dx2.json.total, 1, 'the refused import stored nothing ' + show(dx2));
});
