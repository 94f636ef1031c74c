// Raw retention per metric (metrics.json "raw_days", issue 14): a pack whose
// visitors keep raw records 1 day; records 3 days old and fresh ones come in
// over HTTP while the server prunes every 200 ms (ZZ_RETENTION_EVERY_MS) and
// seals every 20 records (ZZ_RECORDS_SEAL). The old visitors' raw records go
// (zhizhi_records_pruned_total, and `zhizhi check` reads fewer records), the
// parking records without raw_days stay, the day totals do not move, and
// `zhizhi check` agrees, saying what it skipped for retention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorld, cli, localMidnight, iso, sleep, FIXTURE_PACK, DAY, HOUR } from './harness.mjs';

function packWithRetention() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-pack-ret-'));
  fs.cpSync(FIXTURE_PACK, dir, { recursive: true });
  const f = path.join(dir, 'metrics.json');
  const ms = JSON.parse(fs.readFileSync(f, 'utf8'));
  const v = ms.find((m) => m.id === 'visitors');
  assert.ok(v, 'the fixture pack has visitors');
  v.raw_days = 1;
  fs.writeFileSync(f, JSON.stringify(ms, null, 1));
  return dir;
}

const checkJson = (w) => {
  const r = cli(['check', '--json', '--data', w.dir], { timeout: 120000 });
  return { status: r.status, rep: JSON.parse(r.stdout), out: r.stdout + r.stderr };
};

async function pruned(w) {
  const r = await w.api('GET', '/metrics');
  assert.equal(r.status, 200);
  const m = r.text.match(/^zhizhi_records_pruned_total (\d+)$/m);
  assert.ok(m, 'zhizhi_records_pruned_total is exported');
  return Number(m[1]);
}

async function dayTotals(w, from, to) {
  const r = await w.get('admin', `/api/v1/series?metric=visitors&grain=day&agg=sum&from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}`);
  assert.equal(r.status, 200, r.text);
  return r.json.points.map((p) => [p.t, p.v]);
}

test('old raw records of a metric with raw_days are pruned while ingest goes on; rollups and check stay right', async () => {
  const pack = packWithRetention();
  process.env.ZZ_RECORDS_SEAL = '20';
  process.env.ZZ_RETENTION_EVERY_MS = '200';
  const w = await createWorld({ pack });
  try {
    const now = Date.now();
    const day0 = localMidnight(now) - 3 * DAY;
    const old = [], oldParking = [], fresh = [];
    for (let i = 0; i < 60; i++) {
      old.push({ entity: 'c-bb-1', metric: 'visitors', ts: day0 + 9 * HOUR + i * 60e3, value: i + 1 });
      oldParking.push({ entity: 'p-bb-1', metric: 'parking_occupancy', ts: day0 + 9 * HOUR + i * 60e3, value: i % 100 });
      fresh.push({ entity: 'c-bb-1', metric: 'visitors', ts: now - HOUR + i * 30e3, value: 2 });
    }
    // bodies of 20: each fills a generation of the records log
    for (let i = 0; i < 60; i += 20) {
      await w.ingestOk(old.slice(i, i + 20));
      await w.ingestOk(oldParking.slice(i, i + 20), { token: w.tokens.smart_parking });
      await w.ingestOk(fresh.slice(i, i + 20));
    }
    const from = day0, to = localMidnight(now) + DAY;
    const before = await dayTotals(w, from, to);
    const oldDay = before.find(([t]) => Date.parse(t) === day0);
    assert.ok(oldDay, JSON.stringify(before));
    assert.equal(oldDay[1], (60 * 61) / 2);

    // ingest goes on (fresh parking records, which also make the log seal)
    // until the old visitors have all been pruned
    let n = 0, k = 0;
    const deadline = Date.now() + 60000;
    while ((n = await pruned(w)) < old.length && Date.now() < deadline) {
      const batch = [];
      for (let i = 0; i < 20; i++) batch.push({ entity: 'p-bb-1', metric: 'parking_occupancy', ts: now - 2 * HOUR + (k++) * 1000, value: 50 });
      await w.ingestOk(batch, { token: w.tokens.smart_parking });
      await sleep(100);
    }
    assert.equal(n, old.length, 'every old visitors record pruned, nothing else');

    // the rollups are untouched: the same day totals, old day included
    assert.deepEqual(await dayTotals(w, from, to), before);
    assert.equal((await w.api('GET', '/healthz')).json.records, 3 * 60 + k);

    // check beside the server: the raw records read are those kept, the
    // skipped rollups are said, and nothing disagrees
    const live = checkJson(w);
    assert.equal(live.status, 0, live.out);
    assert.equal(live.rep.ok, true, live.out);
    assert.equal(live.rep.records, 2 * 60 + k);
    assert.ok(live.rep.buckets_skipped_retention > 0, live.out);

    // after a restart the old raw records are still gone and the totals the same
    await w.restart();
    assert.deepEqual(await dayTotals(w, from, to), before);
    await w.stop();
    const after = checkJson(w);
    assert.equal(after.status, 0, after.out);
    assert.equal(after.rep.records, 2 * 60 + k);
    const text = cli(['check', '--data', w.dir]);
    assert.match(text.stdout, /raw retention/);
  } finally {
    delete process.env.ZZ_RECORDS_SEAL;
    delete process.env.ZZ_RETENTION_EVERY_MS;
    await w.close();
    fs.rmSync(pack, { recursive: true, force: true });
  }
});
