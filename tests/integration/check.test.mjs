// `zhizhi check`: the stored records verified against their rollups. Records
// ingested over HTTP (a replaced one among them) check clean beside the
// running server and after it stopped; a damaged rollup row, series value or
// counter is named (entity, metric, local date, field, expected, found) in
// JSON, English and Chinese, exit 1, and `rollup rebuild` makes it agree
// again; while ingest runs the check sees one snapshot that agrees, and
// kill -9 in the middle of ingest leaves a store that checks clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, createWorld, cli, parts, localMidnight, DAY, HOUR } from './harness.mjs';

const check = (w, args = [], env) => cli(['check', '--json', ...args, '--data', w.dir], { env, timeout: 120000 });

/** check --json without blocking the test's own HTTP clients (spawnSync would). */
function checkAsync(w) {
  return new Promise((resolve, reject) => {
    const c = spawn(BIN, ['check', '--json', '--data', w.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    c.stdout.on('data', (d) => { stdout += d; });
    c.stderr.on('data', (d) => { stderr += d; });
    c.once('error', reject);
    c.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function report(r) {
  assert.equal(r.stderr.includes('zhizhi:'), false, `no error: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function sqlite(w, sql) {
  const x = spawnSync('sqlite3', [`${w.dir}/zhizhi.db`, sql], { encoding: 'utf8', timeout: 20000 });
  assert.equal(x.status, 0, `sqlite3 ${sql}: ${x.stderr}`);
  return x.stdout.trim();
}

const date = (ms) => {
  const p = parts(ms);
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
};

test('records ingested over HTTP check clean; each damage is named; rollup rebuild repairs it', async () => {
  const w = await createWorld();
  try {
    const day0 = localMidnight(Date.now()) - 3 * DAY;
    const recs = [];
    // three days of two counters and a parking lot, several records a day
    for (let d = 0; d < 3; d++) {
      for (let i = 0; i < 40; i++) {
        const ts = day0 + d * DAY + 8 * HOUR + i * 7 * 60e3;
        recs.push({ entity: 'c-bb-1', metric: 'visitors', ts, value: i + 0.1 * d });
        recs.push({ entity: 'c-xtd-1', metric: 'visitors', ts, value: 3 * i });
        recs.push({ entity: 'p-bb-1', metric: 'parking_occupancy', ts, value: (i * 13) % 100 + 0.5 });
      }
    }
    const first = await w.ingestOk(recs);
    assert.equal(first.accepted, recs.length);
    // the same (entity, metric, ts) with a new value replaces: counted once,
    // its day's sum and max move, and it is c-bb-1's newest record
    const newest = recs.filter((r) => r.entity === 'c-bb-1').at(-1);
    const again = await w.ingestOk([{ ...newest, value: 1000 }]);
    assert.equal(again.replaced, 1, JSON.stringify(again));
    const health = (await w.api('GET', '/healthz')).json.records;
    assert.equal(health, recs.length);

    // beside the running server: one snapshot, nothing written
    const live = check(w);
    assert.equal(live.status, 0, live.stdout + live.stderr);
    assert.equal(report(live).ok, true);

    assert.equal((await w.stop()).code, 0);
    const r = check(w);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const rep = report(r);
    assert.deepEqual({ ok: rep.ok, records: rep.records, series: rep.series, mismatches: rep.mismatches, total: rep.mismatches_total },
      { ok: true, records: health, series: 3, mismatches: [], total: 0 });
    // per series: 3 days, 1-2 months, 1-2 years, and its last value; the
    // counter; the root's months of two metrics
    assert.ok(rep.buckets_checked >= 3 * (3 + 1 + 1 + 1) + 1 + 2, JSON.stringify(rep));
    const one = report(check(w, ['--entity', 'c-bb-1']));
    assert.deepEqual([one.ok, one.records, one.series], [true, 120, 1]);

    const text = cli(['check', '--data', w.dir]);
    assert.equal(text.status, 0);
    assert.match(text.stdout, new RegExp(`^check: ${health} records of 3 series agree with \\d+ rollup rows and values\\n$`));
    assert.match(text.stderr, /check .*series/, 'progress on stderr');
    const zh = cli(['check', '--data', w.dir], { env: { LANG: 'zh_CN.UTF-8', LC_ALL: '' } });
    assert.match(zh.stdout, new RegExp(`^核查：3 个数据序列的 ${health} 条数据记录与 \\d+ 项汇总全部一致\\n$`));

    // damage: c-bb-1's day row of its second day, the records counter, and
    // p-bb-1's last value
    const sid = sqlite(w, "SELECT s.id FROM series s JOIN entity e ON e.id = s.entity WHERE e.key = 'c-bb-1'");
    const bucket = day0 + DAY;
    const daySum = Number(sqlite(w, `SELECT printf('%.17g', sum) FROM srollup WHERE series = ${sid} AND grain = 3 AND bucket = ${bucket}`));
    sqlite(w, `UPDATE srollup SET sum = sum + 7 WHERE series = ${sid} AND grain = 3 AND bucket = ${bucket}`);
    sqlite(w, "UPDATE counter SET n = n + 2 WHERE key = 'records'");
    const pLast = Number(sqlite(w, "SELECT printf('%.17g', last_value) FROM series s JOIN entity e ON e.id = s.entity WHERE e.key = 'p-bb-1'"));
    sqlite(w, "UPDATE series SET last_value = -1 WHERE entity = (SELECT id FROM entity WHERE key = 'p-bb-1')");

    const bad = check(w);
    assert.equal(bad.status, 1, bad.stderr);
    const b = report(bad);
    assert.equal(b.ok, false);
    assert.equal(b.mismatches_total, 3);
    const by = Object.fromEntries(b.mismatches.map((m) => [m.kind, m]));
    assert.deepEqual(by.day, { kind: 'day', entity: 'c-bb-1', metric: 'visitors', bucket: date(bucket), field: 'sum',
      expected: daySum, found: daySum + 7 });
    assert.deepEqual(by.counter, { kind: 'counter', entity: null, metric: null, bucket: null, field: 'n', expected: health, found: health + 2 });
    assert.deepEqual(by.last, { kind: 'last', entity: 'p-bb-1', metric: 'parking_occupancy', bucket: null, field: 'last', expected: pLast, found: -1 });

    const limited = report(check(w, ['--limit', '1']));
    assert.equal(limited.mismatches.length, 1);
    assert.equal(limited.mismatches_total, 3);

    const en = cli(['check', '--data', w.dir]);
    assert.equal(en.status, 1);
    assert.match(en.stdout, new RegExp(`^mismatch: day ${date(bucket)} entity c-bb-1 metric visitors: sum expected ${daySum}, found ${daySum + 7}$`, 'm'));
    assert.match(en.stdout, new RegExp(`^mismatch: counter records: expected ${health}, found ${health + 2}$`, 'm'));
    assert.match(en.stdout, /^check: 3 mismatches \(the first 3 listed\) in \d+ records of 3 series$/m);
    const zhBad = cli(['check', '--data', w.dir], { env: { LANG: 'zh_CN.UTF-8', LC_ALL: '' } });
    assert.equal(zhBad.status, 1);
    assert.match(zhBad.stdout, new RegExp(`^不一致：日汇总 ${date(bucket)} 对象 c-bb-1 指标 visitors：总和应为 ${daySum}，实为 ${daySum + 7}$`, 'm'));
    assert.match(zhBad.stdout, /^核查：发现 3 处不一致（列出前 3 处）/m);

    // the rollups rebuilt from the records agree again; the counter and the
    // series row are not rollups, so they still disagree
    const rb = cli(['rollup', 'rebuild', '--data', w.dir]);
    assert.equal(rb.status, 0, rb.stderr);
    const after = report(check(w));
    assert.deepEqual(after.mismatches.map((m) => m.kind).sort(), ['counter', 'last']);
  } finally {
    await w.close();
  }
});

test('check: usage, a missing data directory, an unknown entity', async () => {
  const w = await createWorld({ start: false });
  try {
    const bad = cli(['check', '--bogus', '--data', w.dir]);
    assert.equal(bad.status, 2);
    const lines = bad.stderr.split('\n');
    assert.match(lines[0], /^zhizhi: .*--bogus/);
    assert.match(lines[1], /^usage: zhizhi check\b/);
    assert.equal(bad.stdout, '');
    assert.equal(cli(['check', '--limit', '0', '--data', w.dir]).status, 2);
    assert.equal(cli(['check', 'extra', '--data', w.dir]).status, 2);
    const help = cli(['check', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^usage: zhizhi check/);
    assert.match(cli(['--help']).stdout, /^ {2}check +verify/m);

    const none = cli(['check', '--data', `${w.dir}/nowhere`]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /^zhizhi: no zhizhi database in .*nowhere\n$/);
    const noneZh = cli(['check', '--data', `${w.dir}/nowhere`], { env: { LANG: 'zh_CN.UTF-8', LC_ALL: '' } });
    assert.match(noneZh.stderr, /^zhizhi: .*nowhere 中没有 zhizhi 数据库\n$/);
    const who = cli(['check', '--entity', 'nobody', '--data', w.dir]);
    assert.equal(who.status, 1);
    assert.match(who.stderr, /nobody/);

    // a fresh store: nothing to disagree with
    const empty = report(check(w));
    assert.deepEqual([empty.ok, empty.records, empty.series], [true, 0, 0]);
  } finally {
    await w.close();
  }
});

test('kill -9 in the middle of ingest: the store checks clean', async () => {
  const w = await createWorld();
  try {
    const ents = ['c-xtd-1', 'c-xtd-2', 'c-dx-1', 'c-hs-1', 'c-bb-1', 'c-wg-1'];
    const base = localMidnight(Date.now()) - 2 * DAY;
    let next = 0, acked = 0, stop = false;
    const ackedKeys = new Set(); // (entity, ts) of every acknowledged record
    const post = async () => {
      while (!stop) {
        const k = next++;
        const recs = [];
        const keys = [];
        for (let i = 0; i < 500; i++) {
          const j = k * 500 + i;
          // every fifth request rewrites records of an earlier one
          const at = k % 5 === 4 ? (k - 3) * 500 + i : j;
          recs.push({ entity: ents[at % ents.length], metric: 'visitors', ts: base + Math.floor(at / ents.length) * 1000, value: (j % 17) + 0.25 });
          keys.push(at);
        }
        try {
          const r = await fetch(`${w.base}/api/v1/records`, { method: 'POST', body: recs.map((x) => JSON.stringify(x)).join('\n'),
            headers: { 'Content-Type': 'application/x-ndjson', Authorization: `Bearer ${w.token}` }, signal: AbortSignal.timeout(20000) });
          if (r.status === 200) {
            acked++;
            for (const x of keys) ackedKeys.add(x);
          }
          await r.arrayBuffer();
        } catch {
          return; // the server is gone
        }
      }
    };
    const workers = Array.from({ length: 4 }, post);
    // beside the server while it ingests: one snapshot, which agrees
    while (acked < 10) await new Promise((res) => setTimeout(res, 20));
    const during = await checkAsync(w);
    assert.equal(during.status, 0, during.stdout + during.stderr);
    assert.equal(JSON.parse(during.stdout).ok, true, during.stdout);
    // kill once a good part has been answered, with requests still in flight
    const killAt = acked + 30;
    while (acked < killAt) await new Promise((res) => setTimeout(res, 20));
    await w.kill9();
    stop = true;
    await Promise.all(workers);
    const r = check(w);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const rep = report(r);
    assert.equal(rep.ok, true, JSON.stringify(rep));
    // every acknowledged record is there (more may be: committed, unanswered)
    assert.ok(rep.records >= ackedKeys.size, `${rep.records} records, ${ackedKeys.size} acknowledged`);
    assert.equal(rep.series, ents.length);
  } finally {
    await w.close();
  }
});
