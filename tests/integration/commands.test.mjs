// The command line: usage errors (exit 2), --help, user add, token create
// beside a running server, import (report on stdout, progress on stderr,
// --atomic, the data-dir lock), backup while serving (a directory with the
// database and a MANIFEST; zhizhi restore), and a clean SIGTERM/SIGINT stop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createWorld, cli, BIN, FIXTURE_PACK, USERS, startServer, request, show, iso, qs, localMidnight, DAY, HOUR } from './harness.mjs';

let w;
before(async () => { w = await createWorld(); });
after(async () => { await w?.close(); });

const COMMANDS = [
  ['serve'], ['demo'], ['pack', 'load', FIXTURE_PACK], ['user', 'add', 'someone'], ['token', 'create'],
  ['import', 'x.ndjson'], ['backup', 'out'], ['restore', 'bk', 'dir'],
  ['check'],
];

test('a bad flag on any command: one error line naming it, then the usage, exit 2', () => {
  for (const c of COMMANDS) {
    const r = cli([...c, '--no-such-flag', '--data', w.dir]);
    const name = c.slice(0, c[0] === 'pack' || c[0] === 'user' || c[0] === 'token' ? 2 : 1).join(' ');
    assert.equal(r.status, 2, `${name}: exit ${r.status}\n${r.stderr}`);
    const lines = r.stderr.split('\n');
    assert.match(lines[0], /--no-such-flag/, `${name}: the first line names the flag: ${lines[0]}`);
    assert.ok(!/^usage/i.test(lines[0]));
    assert.match(lines[1], new RegExp(`^usage: zhizhi ${name}\\b`), `${name}: then the usage: ${r.stderr}`);
    assert.equal(r.stdout, '', `${name}: nothing on stdout`);
  }
  const unknown = cli(['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /frobnicate/);
  assert.match(unknown.stderr, /usage: zhizhi/);
  const none = cli([]);
  assert.equal(none.status, 2, `no command: ${none.stderr}`);
  const missing = cli(['token', 'create', '--data', w.dir]);
  assert.equal(missing.status, 2, 'a missing required flag is a usage error');
  assert.match(missing.stderr, /--source/);
  const badValue = cli(['serve', '--listen', 'nonsense', '--data', w.dir]);
  assert.equal(badValue.status, 2, `--listen nonsense: ${badValue.stderr}`);
  const badNum = cli(['serve', '--body-cap', 'lots', '--data', w.dir]);
  assert.equal(badNum.status, 2, `--body-cap lots: ${badNum.stderr}`);
});

test('--help on every command prints its usage and exits 0', () => {
  for (const c of [[], ...COMMANDS]) {
    const r = cli([...c.slice(0, c[0] === 'pack' || c[0] === 'user' || c[0] === 'token' ? 2 : 1), '--help']);
    assert.equal(r.status, 0, `${c.join(' ')} --help: exit ${r.status} ${r.stderr}`);
    assert.match(r.stdout + r.stderr, /usage: zhizhi/, `${c.join(' ')} --help`);
  }
});

test('user add: refuses a short password, an unknown role or scope; updates an existing user', async () => {
  const add = (args, pw) => cli(['user', 'add', ...args, '--password-stdin', '--data', w.dir], { input: pw + '\n' });
  const short = add(['shorty', '--role', 'viewer'], 'abc');
  assert.notEqual(short.status, 0);
  assert.match(short.stderr, /password/i);
  const role = add(['kingly', '--role', 'king'], 'long-enough-pass');
  assert.notEqual(role.status, 0);
  assert.match(role.stderr, /king/);
  const scope = add(['lost', '--role', 'viewer', '--scope', 'gongshu/atlantis'], 'long-enough-pass');
  assert.notEqual(scope.status, 0);
  assert.match(scope.stderr, /gongshu\/atlantis/);
  const noStdin = cli(['user', 'add', 'nopw', '--role', 'viewer', '--data', w.dir]);
  assert.equal(noStdin.status, 2, 'the password never goes on the command line');

  // beside the running server: a new user can log in at once; re-adding changes the password
  const ok = add(['officer_li', '--role', 'officer', '--department', 'police'], 'first-password-1');
  assert.equal(ok.status, 0, ok.stderr);
  const c1 = await w.login('officer_li', 'first-password-1');
  const me = await w.api('GET', '/api/v1/me', { cookie: c1 });
  assert.equal(me.json.user.role, 'officer');
  assert.equal(me.json.user.department, 'police');
  const again = add(['officer_li', '--role', 'officer', '--department', 'police'], 'second-password-2');
  assert.equal(again.status, 0, again.stderr);
  const old = await w.api('POST', '/api/v1/login', { body: { name: 'officer_li', password: 'first-password-1' } });
  assert.equal(old.status, 401, 'the old password stops working');
  await w.login('officer_li', 'second-password-2');
  for (const u of ['shorty', 'kingly', 'lost', 'nopw']) {
    const r = await w.api('POST', '/api/v1/login', { body: { name: u, password: 'long-enough-pass' } });
    assert.equal(r.status, 401, `${u} was not created`);
  }
});

test('token create prints the token alone; it works at once and retires the previous one', async () => {
  const old = w.tokens.police_110;
  const r = cli(['token', 'create', '--source', 'police_110', '--data', w.dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^zz_[A-Za-z0-9_-]{20,}\n$/, `stdout is the token and a newline: ${JSON.stringify(r.stdout)}`);
  const tok = r.stdout.trim();
  const rec = [{ entity: 'g-xtd-1', metric: 'police_incidents', ts: Date.now() - HOUR, value: 1 }];
  const ok = await w.ingest(rec, { token: tok });
  assert.equal(ok.status, 200, show(ok));
  const stale = await w.ingest(rec, { token: old });
  assert.equal(stale.status, 401, `the previous token of the source stops working: ${show(stale)}`);
  w.tokens.police_110 = tok;
  const unknown = cli(['token', 'create', '--source', 'no_such_source', '--data', w.dir]);
  assert.notEqual(unknown.status, 0);
  assert.equal(unknown.stdout, '');
  assert.match(unknown.stderr, /no_such_source/);
});

const B = localMidnight(Date.now()) - 5 * DAY;
const T = (i) => B + 10 * HOUR + i * 1000;

test('import refuses while a server holds the data dir, naming its pid', () => {
  const f = path.join(w.dir, 'lock.ndjson');
  fs.writeFileSync(f, JSON.stringify({ entity: 'c-xtd-1', metric: 'visitors', ts: T(0), value: 1 }) + '\n');
  const r = cli(['import', f, '--source', 'wenlv_flow', '--data', w.dir]);
  assert.notEqual(r.status, 0, 'a second writer is refused');
  assert.match(r.stderr, new RegExp(String(w.server.child.pid)), `the message names the holder's pid: ${r.stderr}`);
});

test('import NDJSON, JSONL and CSV: JSON report on stdout, progress on stderr, records served after restart', async () => {
  await w.stop();
  const nd = path.join(w.dir, 'batch.ndjson');
  const lines = [];
  for (let i = 0; i < 1000; i++) lines.push(JSON.stringify({ entity: 'c-xtd-1', metric: 'visitors', ts: T(i), value: 1 }));
  lines.splice(500, 0, '{"entity":"c-xtd-1",');                                              // line 501
  lines.push(JSON.stringify({ entity: 'nobody', metric: 'visitors', ts: T(5000), value: 1 })); // line 1002
  fs.writeFileSync(nd, lines.join('\n') + '\n');
  const r = cli(['import', nd, '--source', 'wenlv_flow', '--data', w.dir]);
  assert.equal(r.status, 1, `an import with rejected lines exits 1: ${r.stderr}`);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.accepted, 1000);
  assert.equal(rep.replaced, 0);
  assert.equal(rep.rejected_total, 2);
  assert.deepEqual(rep.rejected.map((x) => [x.line, x.code]), [[501, 'malformed_json'], [1002, 'unknown_entity']]);
  assert.ok(r.stderr.trim().length > 0, 'progress on stderr');
  assert.match(r.stderr, /100(\.0)?%|1002|accepted/, `progress or a summary on stderr: ${r.stderr}`);

  const jl = path.join(w.dir, 'more.jsonl');
  fs.writeFileSync(jl, [0, 1, 2].map((i) => JSON.stringify({ entity: 'c-xtd-2', metric: 'visitors', ts: T(i), value: 10 })).join('\n') + '\n');
  const rj = cli(['import', jl, '--source', 'wenlv_flow', '--data', w.dir]);
  assert.equal(rj.status, 0, rj.stderr);
  assert.equal(JSON.parse(rj.stdout).accepted, 3);

  const csv = path.join(w.dir, 'batch.csv');
  fs.writeFileSync(csv, `ts,value,metric,entity\n${iso(T(0))},100,visitors,c-dx-1\n${iso(T(1))},200,visitors,c-dx-1\n`);
  const rc = cli(['import', csv, '--source', 'wenlv_flow', '--data', w.dir]);
  assert.equal(rc.status, 0, rc.stderr);
  assert.deepEqual(JSON.parse(rc.stdout), { accepted: 2, replaced: 0, rejected: [], rejected_total: 0 });

  const again = cli(['import', csv, '--source', 'wenlv_flow', '--data', w.dir]);
  assert.equal(JSON.parse(again.stdout).replaced, 2, 'importing again replaces');

  const txt = path.join(w.dir, 'batch.txt');
  fs.copyFileSync(csv, txt);
  const unknownExt = cli(['import', txt, '--source', 'wenlv_flow', '--data', w.dir]);
  assert.equal(unknownExt.status, 2, `an unknown extension without --format: ${unknownExt.stderr}`);
  const forced = cli(['import', txt, '--format', 'csv', '--source', 'wenlv_flow', '--data', w.dir]);
  assert.equal(forced.status, 0, forced.stderr);
  const missing = cli(['import', path.join(w.dir, 'nope.ndjson'), '--source', 'wenlv_flow', '--data', w.dir]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /nope\.ndjson/);

  await w.start();
  w.cookies = {};
  const s = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/dongxin', grain: 'hour', from: iso(B + 10 * HOUR), to: iso(B + 11 * HOUR) })}`);
  assert.equal(s.status, 200, show(s));
  assert.equal(s.json.total, 1000 + 30 + 300);
  const src = await w.get('admin', '/api/v1/sources');
  assert.ok(src.json.sources.find((x) => x.id === 'wenlv_flow').records >= 1005, 'imports count for the source');
});

test('import --atomic stores nothing when a line is bad', async () => {
  await w.stop();
  const f = path.join(w.dir, 'atomic.ndjson');
  fs.writeFileSync(f, [JSON.stringify({ entity: 'c-hs-1', metric: 'visitors', ts: T(0), value: 5 }),
    JSON.stringify({ entity: 'c-hs-1', metric: 'visitors', ts: 'never', value: 5 })].join('\n') + '\n');
  const r = cli(['import', f, '--atomic', '--source', 'wenlv_flow', '--data', w.dir]);
  assert.equal(r.status, 1, 'an atomic import that stored nothing exits 1');
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.accepted, 0);
  assert.deepEqual(rep.rejected.map((x) => [x.line, x.code]), [[2, 'bad_time']]);
  await w.start();
  w.cookies = {};
  const s = await w.get('admin', `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/hushu', agg: 'count', grain: 'hour', from: iso(B + 10 * HOUR), to: iso(B + 11 * HOUR) })}`);
  assert.equal(s.json.total, 0);
});

test('backup while serving: a directory holding every record, and a restored copy serves the same answers', async () => {
  // a known amount of fresh data on top of what the other tests wrote
  const recs = [];
  for (let i = 0; i < 500; i++) recs.push({ entity: 'c-bb-1', metric: 'visitors', ts: B + 12 * HOUR + i * 1000, value: 2 });
  await w.ingestOk(recs);
  const health = (await w.api('GET', '/healthz')).json.records;
  const bk = path.join(path.dirname(w.dir), `zhizhi-it-backup-${process.pid}`);
  fs.rmSync(bk, { recursive: true, force: true });
  const r = cli(['backup', bk, '--data', w.dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^backed up .* database \d+ bytes, 0 files/);
  assert.ok(!fs.existsSync(bk + '.partial'), 'the partial directory is renamed when whole');
  assert.match(fs.readFileSync(path.join(bk, 'MANIFEST'), 'utf8'), /^zhizhi-backup 1\n/);
  const again = cli(['backup', bk, '--data', w.dir]);
  assert.equal(again.status, 1, 'an existing backup is never overwritten');
  assert.match(again.stderr, /exists/);
  const out = path.join(bk, 'zhizhi.db');
  assert.equal(fs.readFileSync(out).subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
  const sql = (q) => {
    const x = spawnSync('sqlite3', ['-readonly', out, q], { encoding: 'utf8', timeout: 20000 });
    assert.equal(x.status, 0, `sqlite3 ${q}: ${x.stderr}`);
    return x.stdout.trim();
  };
  assert.equal(sql('PRAGMA integrity_check;'), 'ok');
  assert.ok(!fs.existsSync(out + '-wal') || fs.statSync(out + '-wal').size === 0, 'the backup is one self-contained file');
  // the records themselves, read the way the store reads them (wherever
  // they live): every record the server counts, agreeing with the rollups
  const ck = cli(['check', '--json', '--data', bk], { timeout: 120000 });
  assert.equal(ck.status, 0, ck.stdout + ck.stderr);
  const rep = JSON.parse(ck.stdout);
  assert.equal(rep.ok, true, ck.stdout);
  assert.equal(rep.records, health, 'the backup holds every record the server counts');
  const bb = JSON.parse(cli(['check', '--json', '--entity', 'c-bb-1', '--data', bk]).stdout);
  assert.ok(bb.ok && bb.records >= 500, `c-bb-1 in the backup: ${JSON.stringify(bb)}`);

  // restore as docs/operations.md says, into a new data dir, and serve it
  const dir2 = fs.mkdtempSync(path.join(path.dirname(w.dir), 'zhizhi-it-restore-'));
  try {
    const rs = cli(['restore', bk, dir2]);
    assert.equal(rs.status, 0, rs.stderr);
    assert.match(rs.stdout, /integrity_check ok/);
    const ck2 = cli(['check', '--json', '--data', dir2], { timeout: 120000 });
    assert.equal(ck2.status, 0, ck2.stdout + ck2.stderr);
    assert.deepEqual([JSON.parse(ck2.stdout).ok, JSON.parse(ck2.stdout).records], [true, health], 'the restored copy checks clean');
    const busy = cli(['restore', bk, w.dir, '--force']);
    assert.notEqual(busy.status, 0, 'never into the data dir of a running server');
    assert.match(busy.stderr, /in use/);
    const full = cli(['restore', bk, dir2]);
    assert.notEqual(full.status, 0, 'a non-empty target is refused without --force');
    assert.match(full.stderr, /not empty/);
    const s2 = await startServer(['serve', '--data', dir2, '--listen', '127.0.0.1:0']);
    try {
      const h2 = await request(s2.base, 'GET', '/healthz');
      assert.equal(h2.json.records, health);
      const login = await request(s2.base, 'POST', '/api/v1/login', { body: { name: USERS.admin.name, password: USERS.admin.password } });
      assert.equal(login.status, 200, 'users are in the backup');
      const cookie = login.headers.getSetCookie()[0].split(';')[0];
      const q = `/api/v1/series?${qs({ metric: 'visitors', region: 'gongshu/kejipark', grain: 'hour', from: iso(B + 12 * HOUR), to: iso(B + 13 * HOUR) })}`;
      const a = await request(s2.base, 'GET', q, { cookie });
      assert.equal(a.json.total, 1000, 'the restored rollups answer as the original');
      // the 500 records of that hour (all c-bb-1's: the park's only records
      // then), their sum above; check found the restored records agree with
      // the rollups these answers are made of
      const n = await request(s2.base, 'GET', `${q}&agg=count`, { cookie });
      assert.equal(n.json.total, 500, show(n));
    } finally {
      s2.child.kill('SIGTERM');
      await new Promise((res) => {
        if (s2.child.exitCode !== null || s2.child.signalCode !== null) return res();
        const t = setTimeout(() => { s2.child.kill('SIGKILL'); res(); }, 10000);
        s2.child.once('exit', () => { clearTimeout(t); res(); });
      });
    }
  } finally {
    fs.rmSync(dir2, { recursive: true, force: true });
    fs.rmSync(bk, { recursive: true, force: true });
  }
});

test('SIGINT stops the server cleanly too (exit 0), and it starts again on the same dir', async () => {
  w.server.child.kill('SIGINT');
  const code = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error('no exit within 10 s of SIGINT')), 10000);
    w.server.child.once('exit', (c, s) => { clearTimeout(t); res([c, s]); });
  });
  assert.deepEqual(code, [0, null]);
  await w.start();
  w.cookies = {};
  assert.equal((await w.api('GET', '/healthz')).status, 200);
  const st = await w.stop();
  assert.deepEqual(st, { code: 0, signal: null }, 'SIGTERM: exit 0');
  assert.ok(!/error|assert|sanitizer/i.test(w.server.stderr().replace(/info .*\n/g, '')), `stderr on stop: ${w.server.stderr()}`);
});

test('serve refuses a data dir another server holds, and a port that is taken', async () => {
  await w.start();
  const r = cli(['serve', '--data', w.dir, '--listen', '127.0.0.1:0'], { timeout: 10000 });
  assert.notEqual(r.status, 0, 'a second server on one data dir is refused');
  assert.match(r.stderr, new RegExp(String(w.server.child.pid)));
  const other = fs.mkdtempSync(path.join(path.dirname(w.dir), 'zhizhi-it-port-'));
  try {
    let p;
    try {
      p = cli(['serve', '--data', other, '--listen', `127.0.0.1:${w.server.port}`], { timeout: 30000 });
    } catch (e) {
      assert.fail(`serve --listen on port ${w.server.port}, which the first server holds, did not exit (after 30 s) ` +
        `(it must fail with "address in use", not share or wait): ${e.message}`);
    }
    assert.notEqual(p.status, 0, 'a taken port is an error');
    assert.ok(p.stderr.length > 0);
  } finally {
    fs.rmSync(other, { recursive: true, force: true });
  }
  void BIN;
});
