// world.mjs - starts a real zhizhi on an ephemeral loopback port with a temp
// data dir holding the Gongshu pack, users and a source token, and gives the
// tests small HTTP helpers. Every wait has a timeout; stop() always runs.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const BIN = process.env.ZHIZHI_BIN || path.join(ROOT, 'build/zhizhi');
export const PACK = path.join(ROOT, 'scenarios/gongshu');

export function cli(args, { input, cwd } = {}) {
  const r = spawnSync(BIN, args, { input, cwd: cwd || ROOT, encoding: 'utf8', timeout: 60000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export class World {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-it-'));
    this.passwords = {};
  }

  // Loads the pack, adds users and a source token (before the server starts).
  setup() {
    must(cli(['pack', 'load', PACK, '--data', this.dir]));
    this.addUser('admin', 'admin');
    this.addUser('viewer_dx', 'viewer', ['--scope', 'gongshu/dongxin']);
    this.addUser('park', 'park_manager', ['--scope', 'gongshu/kejipark']);
    this.token = must(cli(['token', 'create', '--source', 'wenlv_flow', '--data', this.dir])).stdout.trim();
    return this;
  }

  addUser(name, role, extra = []) {
    const pw = `pw-${name}-12345`;
    must(cli(['user', 'add', name, '--role', role, ...extra, '--password-stdin', '--data', this.dir], { input: pw + '\n' }));
    this.passwords[name] = pw;
  }

  async start(extra = []) {
    this.proc = spawn(BIN, ['serve', '--data', this.dir, '--listen', '127.0.0.1:0', ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.stderr = '';
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    this.port = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('server did not start: ' + this.stderr)), 15000);
      this.proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      this.proc.on('exit', () => { clearTimeout(timer); reject(new Error('server exited: ' + this.stderr)); });
    });
    this.base = `http://127.0.0.1:${this.port}`;
    this.cookies = {};
    return this;
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode) return this.exited;
    this.proc.kill(signal);
    const timeout = new Promise((r) => setTimeout(() => r('timeout'), 10000));
    const res = await Promise.race([this.exited, timeout]);
    if (res === 'timeout') { this.proc.kill('SIGKILL'); return this.exited; }
    return res;
  }

  cleanup() {
    if (this.proc && this.proc.exitCode === null && !this.proc.signalCode) this.proc.kill('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  async login(name) {
    const r = await this.api('POST', '/api/v1/login', { body: { name, password: this.passwords[name] } });
    if (r.status !== 200) throw new Error(`login ${name}: ${r.status} ${r.text}`);
    this.cookies[name] = r.headers.get('set-cookie').split(';')[0];
    return this.cookies[name];
  }

  async api(method, p, { as, cookie, token, body, raw, type, headers = {} } = {}) {
    const h = { ...headers };
    if (as) h.cookie = this.cookies[as] || (await this.login(as));
    if (cookie) h.cookie = cookie;
    if (token) h.authorization = `Bearer ${token}`;
    let payload;
    if (raw !== undefined) { payload = raw; if (type) h['content-type'] = type; }
    else if (body !== undefined) { payload = JSON.stringify(body); h['content-type'] = 'application/json'; }
    const res = await fetch(this.base + p, { method, headers: h, body: payload, signal: AbortSignal.timeout(30000) });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
  }

  ingest(lines, { type = 'application/x-ndjson', token = this.token, query = '' } = {}) {
    const raw = Array.isArray(lines) ? lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n' : lines;
    return this.api('POST', '/api/v1/records' + query, { raw, type, token });
  }
}

function must(r) {
  if (r.code !== 0) throw new Error(`command failed (${r.code}): ${r.stderr}`);
  return r;
}

// A local-time (+08:00) RFC 3339 string for epoch ms.
export function local(ms) {
  const d = new Date(ms + 8 * 3600e3);
  return d.toISOString().replace('Z', '+08:00');
}
