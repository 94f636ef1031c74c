// cli.test.mjs - the command line: usage errors, token create, import with a
// report and progress, backup while serving, the body cap, and the crash
// test (kill -9 in the middle of ingest: every acknowledged record is there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { World, cli, local } from './lib/world.mjs';

test('a bad flag prints one error line and the usage, exit 2; --help exits 0', () => {
  for (const args of [['serve', '--bogus'], ['serve', '--sync', 'sometimes'], ['demo', '--records', 'many'], ['import'], ['user', 'add', 'x'],
    ['token', 'create'], ['frobnicate']]) {
    const r = cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^zhizhi: .+\n/, args.join(' '));
    assert.match(r.stderr, /usage: zhizhi/, args.join(' '));
  }
  for (const c of ['serve', 'demo', 'import', 'backup', 'pack', 'user', 'token', 'check']) {
    const r = cli([c, '--help']);
    assert.equal(r.code, 0, c);
    assert.match(r.stdout, /usage: zhizhi/, c);
  }
});

test('user add validates; token create prints one token; import reports and shows progress', () => {
  const w = new World();
  try {
    w.setup();
    const bad = cli(['user', 'add', 'bob', '--role', 'king', '--password-stdin', '--data', w.dir], { input: 'longpassword\n' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /role/);
    const scope = cli(['user', 'add', 'bob', '--role', 'viewer', '--scope', 'gongshu/atlantis', '--password-stdin', '--data', w.dir], { input: 'longpassword\n' });
    assert.equal(scope.code, 1);
    assert.match(scope.stderr, /atlantis/);
    const tok = cli(['token', 'create', '--source', 'smart_parking', '--data', w.dir]);
    assert.equal(tok.code, 0);
    assert.match(tok.stdout, /^zz_[A-Za-z0-9_-]{43}\n$/);
    const none = cli(['token', 'create', '--source', 'nope', '--data', w.dir]);
    assert.equal(none.code, 1);

    const file = path.join(w.dir, 'in.ndjson');
    const t = Date.now() - 3600e3;
    const lines = [];
    for (let i = 0; i < 5000; i++) lines.push(JSON.stringify({ entity: 'xtd-plot-01', metric: 'parking_occupancy', ts: t + i * 100, value: i % 100 }));
    lines.push('{"entity":"xtd-plot-01"}');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const r = cli(['import', file, '--source', 'smart_parking', '--data', w.dir]);
    assert.equal(r.code, 1); // one line was rejected
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.accepted, 5000);
    assert.equal(rep.rejected[0].line, 5001);
    assert.match(r.stderr, /import .*100\.0%/);
    const again = cli(['import', file, '--source', 'smart_parking', '--data', w.dir]);
    assert.equal(JSON.parse(again.stdout).replaced, 5000);
    const csv = path.join(w.dir, 'in.csv');
    fs.writeFileSync(csv, `entity,metric,ts,value\nxtd-plot-02,parking_occupancy,${local(t)},50\n`);
    const c = cli(['import', csv, '--source', 'smart_parking', '--data', w.dir, '--atomic']);
    assert.equal(c.code, 0);
    assert.equal(JSON.parse(c.stdout).accepted, 1);
  } finally {
    w.cleanup();
  }
});

test('backup copies the database while the server runs; a second writer is refused', async () => {
  const w = new World().setup();
  try {
    await w.start();
    const t = Date.now() - 600e3;
    const recs = Array.from({ length: 300 }, (_, i) => ({ entity: 'xtd-ctr-01', metric: 'visitors', ts: t + i * 1000, value: 1 }));
    assert.equal((await w.ingest(recs)).json.accepted, 300);
    const out = path.join(w.dir, 'copy');
    const b = cli(['backup', out, '--data', w.dir]);
    assert.equal(b.code, 0, b.stderr);
    const q = cli(['check', '--json', '--data', out]);
    assert.equal(q.code, 0, q.stdout + q.stderr);
    const rep = JSON.parse(q.stdout);
    assert.deepEqual([rep.ok, rep.records, rep.series], [true, 300, 1], 'the copy holds the 300 records, agreeing with its rollups');
    const exists = cli(['backup', out, '--data', w.dir]);
    assert.equal(exists.code, 1);
    const second = cli(['pack', 'load', 'scenarios/gongshu', '--data', w.dir]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /in use by another zhizhi/);
    const stopped = await w.stop('SIGTERM');
    assert.equal(stopped.code, 0);
  } finally {
    await w.stop();
    w.cleanup();
  }
});

test('a body over --body-cap gets 413', async () => {
  const w = new World().setup();
  try {
    await w.start(['--body-cap', '1000']);
    const small = await w.ingest([{ entity: 'xtd-ctr-01', metric: 'visitors', ts: Date.now() - 1000, value: 1 }]);
    assert.equal(small.status, 200);
    const big = await w.ingest('x'.repeat(5000), {});
    assert.equal(big.status, 413);
    assert.equal(big.json.error.code, 'too_large');
  } finally {
    await w.stop();
    w.cleanup();
  }
});

test('crash: kill -9 during ingest loses no acknowledged record and leaves nothing half-written', async () => {
  const w = new World().setup();
  try {
    await w.start();
    // Distinct records in batches of 2,000 across the 8 Xintiandi counters,
    // posted back to back; the server is killed while requests are in flight.
    const ents = Array.from({ length: 8 }, (_, i) => `xtd-ctr-0${i + 1}`);
    const base = Date.now() - 6 * 3600e3;
    let next = 0, acked = 0, stop = false;
    const post = async () => {
      while (!stop) {
        const recs = [];
        for (let i = 0; i < 2000; i++, next++) recs.push({ entity: ents[next % 8], metric: 'visitors', ts: base + Math.floor(next / 8) * 10, value: 1 });
        try {
          const r = await w.ingest(recs);
          if (r.status === 200) acked += r.json.accepted; // answered, so committed before the kill
        } catch { return; }
      }
    };
    const clients = [post(), post(), post()];
    await new Promise((r) => setTimeout(r, 1500));
    // kill once some batch was answered, however slow the machine (a bound only on a hang)
    for (let t0 = Date.now(); acked === 0 && Date.now() - t0 < 60000;) await new Promise((r) => setTimeout(r, 50));
    stop = true;
    w.proc.kill('SIGKILL');
    await Promise.allSettled(clients);
    await w.exited;
    assert.ok(acked > 0, 'some batches were acknowledged before the kill');
    await w.start();
    const from = encodeURIComponent(local(base - 60e3));
    const s = await w.api('GET', `/api/v1/series?metric=visitors&region=gongshu/dongxin/xintiandi&grain=hour&from=${from}&agg=count`, { as: 'admin' });
    const n = await w.api('GET', `/api/v1/series?metric=visitors&region=gongshu/dongxin/xintiandi&grain=hour&from=${from}&agg=sum`, { as: 'admin' });
    // every acknowledged record is there; a batch in flight is all there or not at all
    assert.ok(s.json.total >= acked, `stored ${s.json.total} < acknowledged ${acked}`);
    assert.equal(s.json.total % 2000, 0, 'a batch was half-written');
    assert.equal(n.json.total, s.json.total, 'rollup sum and count disagree');
    const health = await w.api('GET', '/healthz');
    assert.equal(health.json.records, s.json.total);
  } finally {
    await w.stop();
    w.cleanup();
  }
});

test('crash: kill -9 among a crowd of reports: every receipt given is there with its photo, no order without its receipt', async () => {
  const w = new World().setup();
  const scale = process.env.ZZ_PUBLIC_RATE_SCALE;
  process.env.ZZ_PUBLIC_RATE_SCALE = '1000'; // every phone here is 127.0.0.1
  try {
    await w.start();
    const gen = await w.api('POST', '/api/v1/codes/generate', { as: 'admin', body: { kind: 'customer', entity_type: 'venue', region: 'gongshu/dongxin/xintiandi' } });
    assert.equal(gen.status, 201, gen.text);
    const tokens = (await w.api('GET', '/api/v1/codes?kind=customer&limit=100', { as: 'admin' })).json.codes.map((c) => c.token);
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
      '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
    const answered = new Map(); // receipt -> photo sent
    const report = async (i) => {
      const body = { matter: 'environmental_hygiene', fields: { details: `垃圾未清运 #${i}#`, phone: `139${String(i).padStart(8, '0')}` } };
      if (i % 3 === 0) body.photo = png.toString('base64');
      try {
        const r = await w.api('POST', `/api/public/codes/${tokens[i % tokens.length]}/reports`, { body });
        if (r.status === 201) answered.set(r.json.receipt, { photo: !!body.photo, i });
      } catch { /* cut off by the kill */ }
    };
    await Promise.all(Array.from({ length: 60 }, (_, i) => report(i)));
    assert.equal(answered.size, 60, 'the first crowd is answered in full');
    // a second crowd is in flight when the server dies
    const wave = Array.from({ length: 60 }, (_, i) => report(100 + i));
    await new Promise((r) => setTimeout(r, 40));
    w.proc.kill('SIGKILL');
    await Promise.allSettled(wave);
    await w.exited;
    await w.start();
    const all = (await w.api('GET', '/api/v1/orders?limit=500', { as: 'admin' })).json.orders;
    for (const [receipt, { photo, i }] of answered) {
      const r = await w.api('GET', `/api/public/receipts/${receipt}`);
      assert.equal(r.status, 200, `receipt ${receipt} answered before the kill is gone`);
      if (!photo) continue;
      // staff see the receipt masked: the report's own text finds its order
      const mine = all.find((o) => o.description.includes(`#${i}#`));
      assert.equal(mine.reporter, `citizen:\u2022\u2022\u2022\u2022${receipt.slice(-4)}`);
      const detail = await w.api('GET', `/api/v1/orders/${mine.id}`, { as: 'admin' });
      assert.equal(detail.json.evidence.length, 1, `the photo of ${receipt} is recorded`);
      const file = await fetch(w.base + detail.json.evidence[0].url, { headers: { cookie: w.cookies.admin } });
      assert.equal(file.status, 200);
      assert.deepEqual(Buffer.from(await file.arrayBuffer()), png, `the photo of ${receipt} is whole`);
    }
    // every code order the store kept has its receipt: none half-written by the kill
    const orders = (await w.api('GET', '/api/v1/orders?limit=500', { as: 'admin' })).json.orders.filter((o) => o.channel === 'customer_code');
    assert.ok(orders.length >= answered.size);
    for (const o of orders) {
      // the phone lives in the receipt's row: an order without it lost its receipt
      const d = await w.api('GET', `/api/v1/orders/${o.id}`, { as: 'admin' });
      assert.match(String(d.json.reporter_phone), /^139\d{8}$/, `order ${o.id} has no receipt`);
    }
  } finally {
    if (scale === undefined) delete process.env.ZZ_PUBLIC_RATE_SCALE;
    else process.env.ZZ_PUBLIC_RATE_SCALE = scale;
    await w.stop();
    w.cleanup();
  }
});
