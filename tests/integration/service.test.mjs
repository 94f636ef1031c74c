// service.test.mjs - zhizhi as an operator runs it: the configuration file
// (every long flag of serve is a key, the command line wins, errors name the
// file and line, --check-config says whether serve would start) and systemd's
// readiness protocol (READY=1 once the port answers, STOPPING=1 on SIGTERM),
// against tests/tools/notify_sink.c playing systemd's side of NOTIFY_SOCKET.
// The unit file is checked with systemd-analyze verify when it is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, REPO, cli, request } from './harness.mjs';

const SINK = path.join(path.dirname(BIN), 'zz_notify_sink');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-service-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function conf(name, text) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

/** Collects a child's stdout lines; waitFor(re) resolves with the first
 * line matching re (already seen or to come), or rejects at exit/timeout. */
function lines(child, what) {
  const seen = [];
  const waiters = [];
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      seen.push(line);
      for (const w of [...waiters]) if (w.re.test(line)) w.done(line);
    }
  });
  return {
    seen,
    waitFor(re, timeout = 15000) {
      const hit = seen.find((l) => re.test(l));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { re };
        const t = setTimeout(() => finish(new Error(`${what}: no line like ${re} within ${timeout} ms; got ${JSON.stringify(seen)}`)), timeout);
        const onExit = () => finish(new Error(`${what} exited before a line like ${re}; got ${JSON.stringify(seen)}`));
        function finish(err, line) {
          clearTimeout(t);
          child.off('exit', onExit);
          waiters.splice(waiters.indexOf(w), 1);
          if (err) reject(err); else resolve(line);
        }
        w.done = (line) => finish(null, line);
        waiters.push(w);
        child.once('exit', onExit);
      });
    },
  };
}

test('--check-config: a good file passes; each refusal names the file, the line and why, exit 1', () => {
  const data = path.join(tmp, 'check-data');
  const good = conf('good.conf', `# comment\nlisten = 127.0.0.1:0\ndata = ${data}\nsync = full   # fsync\ntrusted-proxy = 127.0.0.1/32\ntrusted-proxy = 10.0.0.0/8\n`);
  const ok = cli(['serve', '--config', good, '--check-config']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`configuration ok: config ${good}; data ${data}; listen 127\\.0\\.0\\.1:0; web \\S+; sync full`));
  assert.equal(fs.existsSync(data), false, '--check-config creates nothing');
  // the command line wins over the file
  const over = cli(['serve', '--config', good, '--check-config', '--listen', '127.0.0.1:9', '--sync', 'normal']);
  assert.equal(over.status, 0, over.stderr);
  assert.match(over.stdout, /listen 127\.0\.0\.1:9; .*sync normal/);

  const cases = [
    ['typo.conf', 'listen = 127.0.0.1:0\nlisen = 1\n', /typo\.conf:2: unknown key "lisen" \(did you mean "listen"\?\)/],
    ['self.conf', 'config = /etc/other.conf\n', /self\.conf:1: unknown key "config"/],
    ['threads.conf', '\n\nthreads = many\n', /threads\.conf:3: --threads needs a number from 1 to 256, not "many"/],
    ['proxy.conf', 'trusted-proxy = 127.0.0.1/32\ntrusted-proxy = nowhere\n', /proxy\.conf:2: --trusted-proxy needs an address or CIDR range/],
    ['syntax.conf', 'listen 127.0.0.1:0\n', /syntax\.conf: line 1: expected key = value/],
    ['host.conf', 'listen = localhost:8080\n', /listen: "localhost" is not an IPv4 address/],
    ['data.conf', `data = ${path.join(tmp, 'no', 'such', 'dir')}\n`, /data: .*no\/such\/dir does not exist and cannot be made/],
    ['web.conf', `web = ${tmp}\n`, /web: .* has no readable index\.html/],
  ];
  for (const [i, [name, text, re]] of cases.entries()) {
    const file = conf(name, text);
    const r = cli(['serve', '--config', file, '--check-config']);
    assert.equal(r.status, 1, `${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, re, name);
    assert.equal(r.stdout, '', name);
    // serve itself refuses the same file before it opens anything (a few
    // of them: each is a process start)
    if (i % 5) continue;
    const s = cli(['serve', '--config', file]);
    assert.notEqual(s.status, 0, name);
    assert.match(s.stderr, re, name);
  }
  const missing = cli(['serve', '--config', path.join(tmp, 'absent.conf'), '--check-config']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read the configuration .*absent\.conf: No such file/);
  // a flag's value on the command line replaces a file value that would be refused
  const fixed = cli(['serve', '--config', path.join(tmp, 'threads.conf'), '--threads', '4', '--check-config']);
  assert.equal(fixed.status, 0, fixed.stderr);
});

test('serve under NOTIFY_SOCKET: READY=1 when the port answers, the file and the flags both applied, STOPPING=1 on SIGTERM', async () => {
  const sock = path.join(tmp, 'notify.sock');
  const sink = spawn(SINK, [sock, '30'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const notes = lines(sink, 'notify sink');
    await notes.waitFor(/^bound$/);
    const fileData = path.join(tmp, 'from-file');
    const flagData = path.join(tmp, 'from-flag');
    const file = conf('serve.conf', `listen = 127.0.0.1:0\ndata = ${fileData}\nthreads = 2\nheader-timeout = 5\n`);
    const server = spawn(BIN, ['serve', '--config', file, '--data', flagData], {
      cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NOTIFY_SOCKET: sock },
    });
    let stderr = '';
    server.stderr.setEncoding('utf8');
    server.stderr.on('data', (d) => { stderr += d; });
    const out = lines(server, 'zhizhi serve');
    try {
      await notes.waitFor(/^STATUS=opening the store in /);
      const ready = await notes.waitFor(/READY=1/);
      // the port answers at once when READY=1 is read
      const m = ready.match(/STATUS=listening on (http:\/\/127\.0\.0\.1:(\d+))/);
      assert.ok(m, ready);
      assert.notEqual(m[2], '8080', 'listen came from the file (port 0)');
      const h = await request(m[1], 'GET', '/healthz');
      assert.equal(h.status, 200);
      assert.match(await out.waitFor(/^zhizhi: listening on /), new RegExp(`:${m[2]}$`));
      // --data on the command line won over the file's data
      assert.ok(fs.existsSync(path.join(flagData, 'zhizhi.db')), 'the store is in --data');
      assert.equal(fs.existsSync(fileData), false, 'the file\'s data was overridden');
      assert.equal(notes.seen.filter((l) => /READY=1/.test(l)).length, 1);
      assert.equal(notes.seen.some((l) => /STOPPING=1/.test(l)), false);
      const exited = new Promise((resolve) => server.once('exit', (code, sig) => resolve(code ?? sig)));
      server.kill('SIGTERM');
      await notes.waitFor(/STOPPING=1/);
      assert.equal(await exited, 0, stderr);
    } finally {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
  } finally {
    sink.kill('SIGTERM');
  }
});

test('without NOTIFY_SOCKET serve runs as before (sd_notify is a no-op)', async () => {
  const server = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--data', path.join(tmp, 'plain')], {
    cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NOTIFY_SOCKET: '' },
  });
  try {
    const out = lines(server, 'zhizhi serve');
    const line = await out.waitFor(/^zhizhi: listening on /);
    const h = await request(line.replace('zhizhi: listening on ', ''), 'GET', '/healthz');
    assert.equal(h.status, 200);
    const exited = new Promise((resolve) => server.once('exit', (code, sig) => resolve(code ?? sig)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  }
});

test('the systemd unit passes systemd-analyze verify and keeps its hardening', (t) => {
  const unit = fs.readFileSync(path.join(REPO, 'debian', 'zhizhi.service'), 'utf8');
  for (const line of ['Type=notify', 'User=zhizhi', 'StateDirectory=zhizhi', 'ProtectSystem=strict', 'ProtectHome=yes',
    'NoNewPrivileges=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=\n', 'Restart=on-failure', 'LimitNOFILE=',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX', 'ExecStart=/usr/bin/zhizhi serve --config /etc/zhizhi/zhizhi.conf\n']) {
    assert.ok(unit.includes(line), line);
  }
  // the shipped configuration passes the check as it is (with a data
  // directory that exists here)
  const shipped = fs.readFileSync(path.join(REPO, 'packaging', 'zhizhi.conf'), 'utf8');
  const c = cli(['serve', '--config', conf('shipped.conf', shipped.replace('/var/lib/zhizhi', tmp)), '--check-config']);
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stdout, /listen 127\.0\.0\.1:8080; .*sync normal/);
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
    t.skip('systemd-analyze is not installed');
    return;
  }
  // verify wants the binary the unit names: point it at the one under test
  const dir = fs.mkdtempSync(path.join(tmp, 'unit-'));
  fs.writeFileSync(path.join(dir, 'zhizhi.service'), unit.replaceAll('/usr/bin/zhizhi', BIN));
  const v = spawnSync('systemd-analyze', ['verify', path.join(dir, 'zhizhi.service')], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  // systemd-analyze exits 0 on a bad setting it ignores: it must print nothing
  assert.equal(v.stderr.trim(), '');
  // and it does catch one (this check can fail)
  fs.writeFileSync(path.join(dir, 'zhizhi.service'), unit.replaceAll('/usr/bin/zhizhi', BIN).replace('\nType=notify\n', '\nType=notifyy\n'));
  const bad = spawnSync('systemd-analyze', ['verify', path.join(dir, 'zhizhi.service')], { encoding: 'utf8' });
  assert.match(bad.stderr, /Failed to parse service type/);
});
