// harness.mjs - starts a real zhizhi server on an ephemeral loopback port with
// a temp data dir and a small fixed world, and gives the tests helpers to talk
// to it. Every wait has a timeout and every spawned process is killed when
// the test file ends, pass or fail (see `after` in each test file and the
// exit hook below), so a broken server cannot hang CI.
import { spawn, spawnSync } from 'node:child_process';
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
 * for its one stdout line `zhizhi: listening on http://HOST:PORT`.
 * Returns {child, base, port, log()}.
 */
export async function startServer(args, { timeout = 15000, cwd = REPO } = {}) {
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
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

// ---- worlds -------------------------------------------------------------

/**
 * A fresh data dir with a pack loaded, the three USERS, an ingest token per
 * source in `tokens` (the fixture pack's sources), and a running server.
 * opts: pack (dir), serveArgs (extra flags), users (false to skip), sources
 * (ids to create tokens for).
 */
export async function createWorld(opts = {}) {
  const pack = opts.pack || FIXTURE_PACK;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-it-'));
  const w = {
    dir, pack, server: null, base: null, tokens: {}, cookies: {},
    serveArgs: opts.serveArgs || [],
  };
  const sources = opts.sources || ['wenlv_flow', 'smart_parking', 'police_110', 'tax_share', 'market_registry'];
  try {
    cliOk(['pack', 'load', pack, '--data', dir]);
    if (opts.users !== false) {
      for (const u of Object.values(USERS)) {
        const args = ['user', 'add', u.name, '--role', u.role, '--password-stdin', '--data', dir];
        if (u.scope) args.push('--scope', u.scope);
        cliOk(args, { input: u.password + '\n' });
      }
    }
    for (const s of sources) {
      w.tokens[s] = cliOk(['token', 'create', '--source', s, '--data', dir]).stdout.trim();
    }
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
