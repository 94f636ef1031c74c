// harness.mjs - starts a real zhizhi server on an ephemeral loopback port with
// a temp data dir and a small fixed world, and gives the tests helpers to talk
// to it. Every wait has a timeout and every spawned process is killed when
// the test file ends, pass or fail (see `after` in each test file and the
// exit hook below), so a broken server cannot hang CI.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..');
export const BIN = path.resolve(REPO, process.env.ZHIZHI_BIN || 'build/zhizhi');
export const FIXTURE_PACK = path.join(here, 'fixtures', 'pack');
export const GONGSHU_PACK = path.join(REPO, 'scenarios', 'gongshu');

export const HOUR = 3600e3;
export const DAY = 24 * HOUR;
export const TZ = 8 * HOUR; // Asia/Shanghai, no DST

// Users every world has (passwords are at least 8 bytes, as `user add` wants).
export const USERS = {
  admin: { name: 'admin', password: 'admin-pass-0001', role: 'admin' },
  viewer: { name: 'viewer_dx', password: 'viewer-pass-0002', role: 'viewer', scope: 'gongshu/dongxin' },
  park: { name: 'park_kj', password: 'park-pass-0003', role: 'park_manager', scope: 'gongshu/kejipark' },
};

// ---- time helpers: the API speaks RFC 3339 in +08:00 --------------------

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** RFC 3339 text of epoch ms `ms` in +08:00 (milliseconds shown when not 0). */
export function iso(ms) {
  const d = new Date(ms + TZ);
  const frac = d.getUTCMilliseconds() ? '.' + pad(d.getUTCMilliseconds(), 3) : '';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac}+08:00`;
}

/** Epoch ms of local (UTC+8) wall time y-m-d h:mi:s. Month is 1-based. */
export function local(y, m, d, h = 0, mi = 0, s = 0) {
  return Date.UTC(y, m - 1, d, h, mi, s) - TZ;
}

/** Epoch ms of the local midnight that starts the local day holding `ms`. */
export function localMidnight(ms) {
  return Math.floor((ms + TZ) / DAY) * DAY - TZ;
}

/** {y, m, d, h, mi, s} of epoch ms in local time. */
export function parts(ms) {
  const d = new Date(ms + TZ);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(),
    h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() };
}

/** Same local wall time `years` calendar years and `months` months earlier. */
export function shift(ms, { years = 0, months = 0 } = {}) {
  const p = parts(ms);
  let m = p.m - months, y = p.y - years;
  while (m < 1) { m += 12; y--; }
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return local(y, m, Math.min(p.d, last), p.h, p.mi, p.s);
}

/** Epoch ms of an API time (RFC 3339 text or a number). */
export function ms(t) {
  if (typeof t === 'number') return t;
  const v = Date.parse(t);
  if (Number.isNaN(v)) throw new Error(`not a time: ${JSON.stringify(t)}`);
  return v;
}

export function ndjson(records) {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) u.set(k, String(v));
  return u.toString();
}

export const sleep = (t) => new Promise((r) => setTimeout(r, t));

// ---- processes ----------------------------------------------------------

const live = new Set();
process.on('exit', () => {
  for (const p of live) try { p.kill('SIGKILL'); } catch { /* gone */ }
});

/** Runs the CLI to completion: {status, signal, stdout, stderr}. */
export function cli(args, { input, timeout = 30000, env } = {}) {
  const r = spawnSync(BIN, args, { input, timeout, encoding: 'utf8', env: { ...process.env, ...env },
    maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`zhizhi ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI and throws with its stderr unless it exits 0. */
export function cliOk(args, opts) {
  const r = cli(args, opts);
  if (r.status !== 0) {
    throw new Error(`zhizhi ${args.join(' ')} exited ${r.status ?? r.signal}\n${r.stderr}`);
  }
  return r;
}

function waitExit(child, timeout) {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    const t = setTimeout(() => reject(new Error(`pid ${child.pid} did not exit within ${timeout} ms`)), timeout);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal });
    });
  });
}

/**
 * Starts `zhizhi serve` (or any command that serves, e.g. `demo`) and waits
 * for its one stdout line `zhizhi: listening on http://HOST:PORT`. env: more
 * environment for it.
 * Returns {child, base, port, log()}.
 */
export async function startServer(args, { timeout = 15000, cwd = REPO, env } = {}) {
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd, env: { ...process.env, ...env } });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let out = '';
  // stderr is the log (a line per request at info): the last 4 MB of it, kept
  // as chunks so that a busy server's log is not copied on every line
  const errChunks = [];
  let errLen = 0;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    errChunks.push(d);
    errLen += d.length;
    while (errLen > 4e6 && errChunks.length > 1) errLen -= errChunks.shift().length;
  });
  const stderr = () => errChunks.join('');
  child.stdout.setEncoding('utf8');
  const base = await new Promise((resolve, reject) => {
    const t = setTimeout(() => fail(new Error(`no "listening" line within ${timeout} ms`)), timeout);
    function fail(e) {
      clearTimeout(t);
      child.kill('SIGKILL');
      reject(new Error(`zhizhi ${args.join(' ')}: ${e.message}\nstdout: ${out}\nstderr: ${stderr().slice(-20000)}`));
    }
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^zhizhi: listening on (http:\/\/[^\s:]+:(\d+))\s*$/m);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    child.once('exit', (code, sig) => fail(new Error(`exited ${code ?? sig} before listening`)));
    child.once('error', fail);
  });
  return { child, base, port: Number(base.split(':').pop()), stdout: () => out, stderr };
}

// ---- HTTP ---------------------------------------------------------------

/**
 * One request. opts: cookie, token (Bearer), body (object -> JSON, string or
 * Buffer as is), headers, timeout. Returns {status, headers, json, text}; json
 * is null when the body is not JSON.
 */
export async function request(base, method, p, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.cookie) headers.Cookie = opts.cookie;
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let body = opts.body;
  if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body) && !(body instanceof Uint8Array)) {
    body = JSON.stringify(body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(base + p, { method, headers, body, redirect: 'manual',
    signal: AbortSignal.timeout(opts.timeout ?? 15000) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json, text };
}

/**
 * Sends raw bytes (e.g. a request head without its body) on a new connection
 * left open, and resolves with {status, text} once a whole JSON answer came,
 * the server closed, or `timeout` ms passed ({timeout: true}). For answers
 * the server must give before a body arrives, which fetch cannot read.
 */
export function rawHttp(port, bytes, timeout = 5000) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let data = '';
    let over = false;
    const done = (extra) => {
      if (over) return;
      over = true;
      clearTimeout(t);
      s.destroy();
      resolve({ status: Number((data.match(/^HTTP\/1\.[01] (\d{3})/) || [])[1] || 0), text: data, ...extra });
    };
    const t = setTimeout(() => done({ timeout: true }), timeout);
    s.on('data', (d) => {
      data += d.toString('latin1');
      if (/\r\n\r\n[\s\S]*\}\s*$/.test(data)) done();
    });
    s.on('error', (e) => done({ error: e.code }));
    s.on('close', () => done());
  });
}

/** Asserts the error shape of docs/api.md (a code, and the sentence in
 * English and in Chinese) and returns the error object. */
export function errorOf(r) {
  const e = r.json && r.json.error;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string' || !e.message ||
      typeof e.message_zh !== 'string' || !e.message_zh) {
    throw new Error(`HTTP ${r.status} without an {"error":{"code","message","message_zh"}} body: ${r.text.slice(0, 500)}`);
  }
  return e;
}

/** A readable one-line description of an answer, for assertion messages. */
export function show(r) {
  return `HTTP ${r.status} ${r.text.length > 800 ? r.text.slice(0, 800) + '...' : r.text}`;
}

// ---- prepared data dirs ---------------------------------------------------

// Making a world's data dir (pack load, user add, token create: a process
// each, seconds each for the Gongshu pack under ASan, each waiting on fsync;
// or a whole `zhizhi demo`, minutes) gives the same dir each time for the
// same binary, pack and recipe. So it is made once, kept in CACHE under a key
// of all three, and each world gets a copy of its own. The key holds the
// binary's and the packs' content (a rebuilt binary or an edited pack makes a
// new dir, never a stale one), the ZZ_ environment and the recipe; a kept dir
// is used while younger than maxAge (what it dates "now" stays now enough),
// and only on the day (in Shanghai) it was made.
const CACHE = path.join(os.tmpdir(), 'zhizhi-test-worlds');
const hashes = new Map();

function fileHash(file) {
  const st = fs.statSync(file);
  const memo = `${file}\0${st.size}\0${st.mtimeMs}`;
  if (!hashes.has(memo)) hashes.set(memo, crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
  return hashes.get(memo);
}

/** sha256 over a directory's files: their paths (relative) and contents. */
export function dirHash(dir) {
  const h = crypto.createHash('sha256');
  const walk = (d, rel) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
      const p = path.join(d, e.name), r = rel ? rel + '/' + e.name : e.name;
      if (e.isDirectory()) walk(p, r);
      else h.update(`${r}\0${fileHash(p)}\0`);
    }
  };
  walk(dir, '');
  return h.digest('hex');
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/**
 * Fills `dir` (made, empty) with a copy of the data dir that `await
 * make(tmpDir)` makes, made at most once per key and maxAge (other processes
 * wait for the first) and kept under CACHE. make returns what the copies
 * need besides the files (e.g. tokens, printed once); preparedDir returns it.
 * `recipe` is everything make depends on besides the binary and the content
 * of the dirs in `packs`.
 */
export async function preparedDir(dir, recipe, make, { packs = [], maxAge = HOUR } = {}) {
  const day = new Date(Date.now() + TZ).toISOString().slice(0, 10);
  const env = Object.entries(process.env).filter(([k]) => k.startsWith('ZZ_')).sort();
  const key = crypto.createHash('sha256').update(JSON.stringify({ bin: fileHash(BIN), packs: packs.map(dirHash), recipe, env, day }))
    .digest('hex').slice(0, 32);
  const lock = path.join(CACHE, key + '.lock');
  fs.mkdirSync(CACHE, { recursive: true });
  // the newest whole entry KEY-MADE_MS young enough (entries appear whole: renamed in)
  const fresh = () => {
    const made = fs.readdirSync(CACHE).map((e) => e.match(/^([0-9a-f]{32})-(\d+)$/)).filter((m) => m && m[1] === key)
      .map((m) => Number(m[2])).filter((t) => Date.now() - t < maxAge);
    return made.length ? path.join(CACHE, `${key}-${Math.max(...made)}`) : null;
  };
  const t0 = Date.now();
  for (;;) {
    const kept = fresh();
    if (kept) {
      fs.cpSync(path.join(kept, 'data'), dir, { recursive: true });
      return JSON.parse(fs.readFileSync(path.join(kept, 'manifest.json'), 'utf8'));
    }
    let fd = null;
    try {
      fd = fs.openSync(lock, 'wx');
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    if (fd !== null) {
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      try {
        if (fresh()) continue; // made meanwhile
        // what is older than any maxAge is never used again (a process
        // making another key may be removing the same entries: one gone
        // between the listing and its stat is skipped)
        for (const e of fs.readdirSync(CACHE)) {
          const p = path.join(CACHE, e);
          const st = fs.statSync(p, { throwIfNoEntry: false });
          if (st && !e.endsWith('.lock') && Date.now() - st.mtimeMs > 3 * HOUR) fs.rmSync(p, { recursive: true, force: true });
        }
        const tmp = fs.mkdtempSync(path.join(CACHE, key + '.tmp-'));
        try {
          const data = path.join(tmp, 'data');
          fs.mkdirSync(data);
          const made = Date.now(); // before: the dir dates from when it was begun
          const extra = await make(data);
          fs.writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(extra ?? null));
          fs.renameSync(tmp, path.join(CACHE, `${key}-${made}`));
        } catch (e) {
          fs.rmSync(tmp, { recursive: true, force: true });
          throw e;
        }
      } finally {
        fs.rmSync(lock, { force: true });
      }
      continue;
    }
    // another process makes it: wait for it, or take over from a dead one
    let holder = NaN;
    try { holder = Number(fs.readFileSync(lock, 'utf8')); } catch { /* just removed */ }
    if (holder > 0 && !alive(holder)) fs.rmSync(lock, { force: true });
    else if (Date.now() - t0 > 900000) throw new Error(`${lock}: held by pid ${holder} for over 15 minutes`);
    else await sleep(100);
  }
}

/**
 * Fills `dir` with a copy of the data dir a `zhizhi demo --data DIR ARGS`
 * (the Gongshu pack, cwd REPO) left when stopped, used for five minutes
 * after its start. Returns { now }: the instant its history runs to (the
 * demo's log line "history up to"). With no live feed last year's side of
 * a year-to-date comparison grows on as the clock passes that instant while
 * this year's stands, so a test that reads the seed's figures to the last
 * decimal ("+288.00%") pins its browser's clock there: a CI run read
 * "+287.99%" from a world a few minutes old. `zhizhi demo` on the copy
 * reuses it as on any second run: no second history, a new admin password
 * in its banner. Tests of the demo's own generation (demo.test,
 * demo_campaigns.test, pit.test) run it afresh.
 */
export async function demoDir(dir, args, { timeout = 600000 } = {}) {
  return preparedDir(dir, { demo: args, returns: 'now' }, async (data) => {
    const srv = await startServer(['demo', '--data', data, '--listen', '127.0.0.1:0', ...args], { timeout });
    const t0 = Date.now();
    while (!/login: admin \/ \S+/.test(srv.stdout()) && srv.child.exitCode === null && Date.now() - t0 < timeout) await sleep(50);
    const gone = waitExit(srv.child, 60000);
    srv.child.kill('SIGTERM');
    const { code, signal } = await gone;
    if (code !== 0) throw new Error(`zhizhi demo ${args.join(' ')} exited ${code ?? signal}\n${srv.stderr().slice(-5000)}`);
    // the world's now: where its history ends (figures over windows that
    // run to now hold exactly there; with --no-live they drift after)
    const until = srv.stderr().match(/demo: history up to ([0-9T:.+-]+)/);
    if (!until) throw new Error(`zhizhi demo ${args.join(' ')} did not say where its history ends\n${srv.stderr().slice(-5000)}`);
    return { now: Date.parse(until[1]) };
  }, { packs: [GONGSHU_PACK], maxAge: 5 * 60000 });
}

// ---- worlds -------------------------------------------------------------

/**
 * A fresh data dir with a pack loaded, the three USERS, an ingest token per
 * source in `tokens` (the fixture pack's sources), and a running server.
 * opts: pack (dir), serveArgs (extra flags), users (false to skip), sources
 * (ids to create tokens for), staff (more users to add, after the tokens:
 * [{name, role, password, department?, scope?}]). The data dir is a copy of
 * one made once per binary, pack and options (preparedDir).
 */
export async function createWorld(opts = {}) {
  const pack = opts.pack || FIXTURE_PACK;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-it-'));
  const w = {
    dir, pack, server: null, base: null, tokens: {}, cookies: {},
    serveArgs: opts.serveArgs || [],
  };
  const sources = opts.sources || ['wenlv_flow', 'smart_parking', 'police_110', 'tax_share', 'market_registry'];
  const users = opts.users !== false;
  const staff = opts.staff || [];
  const make = (data) => {
    const tokens = {};
    cliOk(['pack', 'load', pack, '--data', data]);
    if (users) {
      for (const u of Object.values(USERS)) {
        const args = ['user', 'add', u.name, '--role', u.role, '--password-stdin', '--data', data];
        if (u.scope) args.push('--scope', u.scope);
        cliOk(args, { input: u.password + '\n' });
      }
    }
    for (const s of sources) {
      tokens[s] = cliOk(['token', 'create', '--source', s, '--data', data]).stdout.trim();
    }
    for (const u of staff) {
      const args = ['user', 'add', u.name, '--role', u.role, '--password-stdin', '--data', data];
      if (u.department) args.push('--department', u.department);
      if (u.scope) args.push('--scope', u.scope);
      cliOk(args, { input: u.password + '\n' });
    }
    return { tokens };
  };
  try {
    const made = await preparedDir(dir, { world: 1, users: users ? USERS : false, sources, staff }, make, { packs: [pack] });
    w.tokens = made.tokens;
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  w.token = w.tokens[sources[0]];

  w.start = async () => {
    w.server = await startServer(['serve', '--data', dir, '--listen', '127.0.0.1:0', ...w.serveArgs]);
    w.base = w.server.base;
    return w;
  };
  w.api = (method, p, o) => request(w.base, method, p, o);
  /** Logs in; returns the cookie string "zz_session=..." for `cookie:`. */
  w.login = async (name, password) => {
    const r = await w.api('POST', '/api/v1/login', { body: { name, password } });
    if (r.status !== 200) throw new Error(`login ${name}: ${show(r)}`);
    const set = r.headers.getSetCookie().find((c) => c.startsWith('zz_session='));
    if (!set) throw new Error(`login ${name}: no zz_session cookie in ${JSON.stringify(r.headers.getSetCookie())}`);
    return set.split(';')[0];
  };
  /** Cookie of one of USERS (by key), logged in once per server start. */
  w.as = async (who) => {
    if (!w.cookies[who]) w.cookies[who] = await w.login(USERS[who].name, USERS[who].password);
    return w.cookies[who];
  };
  /** GET as one of USERS; asserts nothing. */
  w.get = async (who, p) => w.api('GET', p, { cookie: await w.as(who) });
  /** POSTs NDJSON records with a source token; returns the answer. */
  w.ingest = (records, { token = w.token, query = '' } = {}) =>
    w.api('POST', '/api/v1/records' + query, { token, body: typeof records === 'string' ? records : ndjson(records),
      headers: { 'Content-Type': 'application/x-ndjson' } });
  /** Like ingest, but throws unless the answer is 200 with nothing rejected. */
  w.ingestOk = async (records, o) => {
    const r = await w.ingest(records, o);
    if (r.status !== 200 || !r.json || r.json.rejected_total !== 0) throw new Error(`ingest: ${show(r)}`);
    return r.json;
  };
  /** SIGTERM, then waits for the exit; returns {code, signal}. */
  w.stop = async () => {
    const s = w.server;
    if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return s ? { code: s.child.exitCode, signal: s.child.signalCode } : null;
    s.child.kill('SIGTERM');
    try {
      return await waitExit(s.child, 10000);
    } catch (e) {
      s.child.kill('SIGKILL');
      await waitExit(s.child, 5000).catch(() => {});
      throw new Error(`${e.message} after SIGTERM\nstderr: ${s.stderr()}`);
    }
  };
  w.kill9 = async () => {
    const s = w.server;
    if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
    s.child.kill('SIGKILL');
    await waitExit(s.child, 5000);
  };
  w.restart = async () => {
    await w.stop();
    w.cookies = {}; // sessions survive a restart in the store, but log in afresh
    return w.start();
  };
  /** Stops the server (SIGKILL if it will not stop) and removes the data dir. */
  w.close = async () => {
    try {
      await w.stop();
    } catch {
      /* already reported by a test, or killed */
    }
    await w.kill9().catch(() => {});
    if (!process.env.ZZ_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  };
  w.run = (args, o) => cli([...args, '--data', dir], o);

  if (opts.start !== false) {
    try {
      await w.start();
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }
  return w;
}
