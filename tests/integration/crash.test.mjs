// Crash safety: POST distinct records in a loop from several clients, kill -9
// the server mid-stream, restart it, and check that every record whose POST
// got a 2xx is there (series sums, latest, healthz) and that nothing is
// half-written (each request is all or nothing, rollups equal raw counts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, show, iso, qs, ms, ndjson, sleep, HOUR } from './harness.mjs';

let w;
before(async () => { w = await createWorld(); });
after(async () => { await w?.close(); });

const PER = 100; // records per request
const MINUTE = 60e3;

/**
 * Request k writes PER records of c-xtd-1 into minute M0 + k, value k + 1, so
 * each request owns one minute bucket: count 0 (lost before its answer) or
 * PER (all of it), never in between.
 */
function batch(M0, k) {
  const recs = [];
  for (let i = 0; i < PER; i++) recs.push({ entity: 'c-xtd-1', metric: 'visitors', ts: M0 + k * MINUTE + i * 500, value: k + 1 });
  return ndjson(recs);
}

async function minuteCounts(M0, n, agg, region = 'gongshu/dongxin') {
  const r = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region, grain: 'minute', agg, from: iso(M0), to: iso(M0 + n * MINUTE) })}`);
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.points.length, n);
  return r.json;
}

async function crashRound(M0, { killAfterMs, maxBatches = 500, workers = 4, bigAtomicAt = null }) {
  const acked = new Set(), unknown = new Set();
  let next = 0, stop = false;
  const base = w.base;
  const token = w.token;
  async function worker() {
    while (!stop && next < maxBatches) {
      const k = next++;
      try {
        const r = await fetch(`${base}/api/v1/records`, { method: 'POST', body: batch(M0, k),
          headers: { 'Content-Type': 'application/x-ndjson', Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10000) });
        const body = await r.json();
        if (r.status === 200) {
          assert.equal(body.accepted, PER, `request ${k}: ${JSON.stringify(body)}`);
          acked.add(k);
        } else {
          unknown.add(k); // e.g. 503 busy: not acknowledged
        }
      } catch {
        unknown.add(k); // the connection died with the server
        return;
      }
    }
  }
  const running = Array.from({ length: workers }, worker);
  const t0 = Date.now();
  // one large atomic request beside the stream, sent shortly before the kill
  // so that it is usually still in flight: all of it or nothing
  let big = null;
  if (bigAtomicAt !== null) {
    await sleep(Math.max(0, killAfterMs - 150));
    const recs = [];
    for (let i = 0; i < 60000; i++) recs.push({ entity: 'c-bb-1', metric: 'visitors', ts: bigAtomicAt + i * 1000, value: 1 });
    const body = ndjson(recs);
    big = fetch(`${base}/api/v1/records?atomic=1`, { method: 'POST', body,
      headers: { 'Content-Type': 'application/x-ndjson', Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(20000) })
      .then(async (r) => ({ status: r.status, json: await r.json() })).catch((e) => ({ error: e }));
  }
  // kill mid-stream: after killAfterMs with some requests answered, or before
  // the stream runs out on a fast machine
  while ((Date.now() - t0 < killAfterMs || acked.size < 20) && next < 0.8 * maxBatches) {
    await sleep(10);
    if (Date.now() - t0 > 8000) break;
  }
  await w.kill9();
  stop = true;
  await Promise.all(running);
  const bigResult = big ? await big : null;
  return { acked, unknown, sent: next, bigResult };
}

async function checkAfterRestart(M0, round, label) {
  const { acked, unknown, sent } = round;
  assert.ok(acked.size >= 20, `${label}: at least 20 requests were acknowledged before the kill (${acked.size})`);
  const n = sent;
  const count = await minuteCounts(M0, n, 'count');
  const sum = await minuteCounts(M0, n, 'sum');
  const committed = [];
  const half = [], lost = [], ghost = [];
  for (let k = 0; k < n; k++) {
    const c = count.points[k].v, s = sum.points[k].v;
    if (c !== 0 && c !== PER) half.push(`${k}: ${c} records`);
    if (c === PER) {
      committed.push(k);
      if (s !== PER * (k + 1)) half.push(`${k}: sum ${s}, want ${PER * (k + 1)}`);
      if (!acked.has(k) && !unknown.has(k)) ghost.push(k);
    }
    if (acked.has(k) && c !== PER) lost.push(`${k}: ${c} of ${PER}`);
  }
  assert.deepEqual(lost, [], `${label}: acknowledged requests lost after kill -9`);
  assert.deepEqual(half, [], `${label}: requests half-written`);
  assert.deepEqual(ghost, [], `${label}: stored requests that were never sent`);
  const total = committed.length * PER;
  assert.equal(count.total, total, `${label}: the minute total equals the whole requests stored`);
  // the coarser rollups agree with the minutes
  const from = iso(M0), to = iso(M0 + n * MINUTE);
  for (const grain of ['hour', 'day']) {
    const r = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/dongxin', grain, agg: 'count', from, to })}`);
    const pointsSum = r.json.points.reduce((a, p) => a + (p.v ?? 0), 0);
    assert.equal(r.json.total, total, `${label}: ${grain} total`);
    const expectFromPoints = r.json.points.length && ms(r.json.from) === M0 && ms(r.json.to) === M0 + n * MINUTE;
    if (expectFromPoints) assert.equal(pointsSum, total, `${label}: ${grain} points add up`);
  }
  const hourRows = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/dongxin/xintiandi', grain: 'hour', agg: 'sum',
    from: iso(Math.floor(M0 / HOUR) * HOUR), to: iso(Math.ceil((M0 + n * MINUTE) / HOUR) * HOUR) })}`);
  const wantSum = committed.reduce((a, k) => a + PER * (k + 1), 0);
  assert.equal(hourRows.json.points.reduce((a, p) => a + (p.v ?? 0), 0), wantSum, `${label}: hour rollup rows hold the sum of the stored requests`);
  // latest: the last record of the highest stored request
  const last = Math.max(...committed);
  assert.ok(last >= Math.max(...acked), `${label}: latest is at least the last acknowledged request`);
  const l = await w.get('admin', '/api/v1/latest?metric=visitors&region=gongshu/dongxin/xintiandi');
  const item = l.json.items.find((i) => i.entity === 'c-xtd-1');
  assert.ok(item, show(l));
  assert.equal(ms(item.t), M0 + last * MINUTE + (PER - 1) * 500, `${label}: latest t`);
  assert.equal(item.v, last + 1, `${label}: latest v`);
  return { committed, total };
}

test('kill -9 during a stream of POSTs: every acknowledged record survives, nothing is half-written', async (t) => {
  // minute buckets 40 h back: inside the 48 h of minute rollups, in the past;
  // at most 500 requests = 500 minutes, so round 2 (30 h back) never overlaps
  const M0 = Math.floor((Date.now() - 40 * HOUR) / MINUTE) * MINUTE;
  const BIG = M0 - 5 * HOUR; // 60,000 seconds of c-bb-1 (in the park, not in Dongxin) from here
  const round = await crashRound(M0, { killAfterMs: 700, bigAtomicAt: BIG });
  t.diagnostic(`round 1: ${round.sent} sent, ${round.acked.size} acknowledged, ${round.unknown.size} unanswered; ` +
    `big atomic: ${round.bigResult?.status ?? round.bigResult?.error?.cause?.code ?? round.bigResult?.error?.message}`);
  await w.start();
  w.cookies = {};
  const { total } = await checkAfterRestart(M0, round, 'round 1');

  // the big atomic request: all 60,000 or none; all if it was acknowledged
  const r = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/kejipark', agg: 'count', grain: 'hour',
    from: iso(BIG - HOUR), to: iso(BIG + 18 * HOUR) })}`);
  const big = r.json.total;
  assert.ok(big === 0 || big === 60000, `the atomic request is all or nothing after kill -9: ${big} of 60000 stored`);
  if (round.bigResult?.status === 200) assert.equal(big, 60000, 'an acknowledged atomic request is all there');

  // healthz counts exactly what is stored: this world holds nothing else
  const h = await w.api('GET', '/healthz');
  assert.equal(h.json.records, total + big, `healthz records after restart (${round.acked.size} acked, ${round.unknown.size} unknown)`);

  // the sources list counts the same
  const src = await w.get('admin', '/api/v1/sources');
  const wl = src.json.sources.find((s) => s.id === 'wenlv_flow');
  assert.equal(wl.records, total + big, 'the source counts what survived');
});

test('a second kill -9 after recovery: the recovered store takes more writes and keeps them', async (t) => {
  const M0 = Math.floor((Date.now() - 30 * HOUR) / MINUTE) * MINUTE;
  const before = (await w.api('GET', '/healthz')).json.records;
  const round = await crashRound(M0, { killAfterMs: 500, workers: 8 });
  t.diagnostic(`round 2: ${round.sent} sent, ${round.acked.size} acknowledged, ${round.unknown.size} unanswered`);
  await w.start();
  w.cookies = {};
  const { total } = await checkAfterRestart(M0, round, 'round 2');
  const h = await w.api('GET', '/healthz');
  assert.equal(h.json.records, before + total);
  // and a resend of everything acknowledged is pure replacement
  const k = [...round.acked][0];
  const again = await w.ingest(batch(M0, k));
  assert.equal(again.json.replaced, PER, show(again));
  assert.equal(again.json.accepted, 0);
  assert.equal((await w.api('GET', '/healthz')).json.records, before + total);
});
