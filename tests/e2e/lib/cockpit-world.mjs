// cockpit-world.mjs - what the browser tests share: a real zhizhi demo
// world (the Gongshu pack with generated history, no live feed, so numbers
// hold still unless a test posts records; made once and copied, see
// demoDir in tests/integration/harness.mjs), a park manager, a source token,
// and Debian's Chromium driven by playwright-core with a fresh profile.
// Console errors and page errors are collected per page; artifacts
// (JPEG screenshots) go to test-results/e2e/.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browsers, watch } from './browser.mjs';
import { demoDir } from '../../integration/harness.mjs';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const BIN = process.env.ZHIZHI_BIN || path.join(ROOT, 'build/zhizhi');
export const ARTIFACTS = path.join(ROOT, 'test-results/e2e');

function cli(args, input) {
  const r = spawnSync(BIN, args, { input, cwd: ROOT, encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`zhizhi ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export class CockpitWorld {
  async start({ records = 300000 } = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-e2e-'));
    // the demo's world as `zhizhi demo` made it, once for the files that
    // share it (minutes of history and campaigns); the demo below reuses it
    // now: the instant its history runs to (no live feed moves it on)
    ({ now: this.demoNow } = await demoDir(this.dir, ['--records', String(records), '--no-live']));
    this.proc = spawn(BIN, ['demo', '--data', this.dir, '--listen', '127.0.0.1:0', '--records', String(records), '--no-live'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.stderr = '';
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    this.exited = new Promise((r) => this.proc.on('exit', (code, signal) => r({ code, signal })));
    const out = await new Promise((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error('demo did not start: ' + this.stderr)), 120000);
      this.proc.stdout.on('data', (d) => {
        buf += d;
        if (/login: admin \/ \S+/.test(buf) && /listening on/.test(buf)) { clearTimeout(timer); resolve(buf); }
      });
      this.proc.on('exit', () => { clearTimeout(timer); reject(new Error('demo exited: ' + this.stderr)); });
    });
    this.base = 'http://127.0.0.1:' + out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)[1];
    this.passwords = { admin: out.match(/login: admin \/ (\S+)/)[1] };
    this.addUser('park', 'park_manager', ['--scope', 'gongshu/kejipark']);
    this.token = cli(['token', 'create', '--source', 'wenlv_flow', '--data', this.dir]).trim();
    this.fireToken = cli(['token', 'create', '--source', 'fire_iot', '--data', this.dir]).trim();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    this.browsers = new Browsers();
    this.browser = await this.launch();
    return this;
  }

  // A browser with a fresh profile of its own (its own cookies: one per user).
  launch() {
    return this.browsers.launch();
  }

  addUser(name, role, extra) {
    const pw = `pw-${name}-e2e-123`;
    cli(['user', 'add', name, '--role', role, ...extra, '--password-stdin', '--data', this.dir], pw + '\n');
    this.passwords[name] = pw;
  }

  async stop() {
    if (this.browsers) await this.browsers.closeAll();
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
      await this.exited;
      clearTimeout(t);
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  // A new page with its console errors collected in page.errors.
  async page({ width = 1920, height = 1080, browser = this.browser } = {}) {
    const page = await browser.newPage();
    await page.setViewportSize({ width, height });
    return watch(page);
  }

  // Signs in through the form and waits for the first cockpit to be drawn.
  async login(page, name = 'admin', hash = '') {
    await page.goto(this.base + '/' + hash);
    await page.fill('input[name=name]', name);
    await page.fill('input[name=password]', this.passwords[name]);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#grid[data-ready]', { timeout: 20000 });
  }

  // Goes to a view and waits until all its panels were drawn.
  async view(page, region, module) {
    const before = await page.getAttribute('#grid', 'data-ready');
    // (the same hash again redraws too: the page listens for hashchange)
    await page.evaluate((h) => {
      if (location.hash === h) window.dispatchEvent(new HashChangeEvent('hashchange'));
      else location.hash = h;
    }, '#/' + region + (module ? '?m=' + module : ''));
    await page.waitForFunction(([r, m, b]) => {
      const g = document.getElementById('grid');
      return g.dataset.region === r && (!m || g.dataset.module === m) && g.dataset.ready && g.dataset.ready !== b;
    }, [region, module, before], { timeout: 20000 });
  }

  // The API as the signed-in page sees it (same cookies).
  async api(page, url) {
    return page.evaluate(async (u) => {
      const r = await fetch(u, { credentials: 'same-origin' });
      return { status: r.status, json: await r.json() };
    }, url);
  }

  async ingest(lines, token = this.token) {
    const res = await fetch(this.base + '/api/v1/records', {
      method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/x-ndjson' },
      body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
    });
    return { status: res.status, json: await res.json() };
  }

  // A screenshot of the viewport for people to look at: JPEG, since the
  // wall sweeps take ~200 of them and Chromium encodes a 1920x1080 JPEG in
  // 0.25 s against 0.43 s for a PNG (measured; CI is near its time limit).
  shot(page, name) {
    return page.screenshot({ path: path.join(ARTIFACTS, name + '.jpg'), type: 'jpeg', quality: 85 });
  }
}
