// cockpit.mjs - the cockpit's benchmarks, driven by bench/bench.py (which
// starts the server, the users and the background ingest):
//
//   node bench/cockpit.mjs urls    --base URL --cookie C --out FILE
//       Writes every panel URL of every perspective and module (as the page
//       computes them now) as "name TAB path" lines for loadgen query.
//   node bench/cockpit.mjs pages   --base URL --user U --password P [--rounds 3]
//       In Chromium: signs in, then for each view measures navigation (hash
//       change) to every panel drawn; prints JSON.
//   node bench/cockpit.mjs streams --base URL --cookies C1,C2,... --clients 50 --seconds 30
//       Opens the stream clients (spread over the cookies: 16 per user at
//       most), and for every tick each client receives notes its lag (receipt
//       time - the tick's publish time); checks that every client saw every
//       tick; prints JSON.
//   node bench/cockpit.mjs memory  --base URL --user U --password P --minutes 10 [--view REGION]
//       Keeps one cockpit open on live data and samples the page's JS heap
//       (DevTools Performance.getMetrics) and Chromium's total RSS every 30 s.
//   node bench/cockpit.mjs transfer --base URL --user U --password P
//       In Chromium: signs in, empties the browser cache, loads the cockpit
//       cold and sums the bytes received (DevTools Network encodedDataLength,
//       headers included, and Performance resource timing transferSize);
//       then reloads it warm and counts the 304s. Prints JSON.
//   node bench/cockpit.mjs hold    --base URL --user U --password P [--view REGION] [--seconds 600]
//       Keeps one cockpit open while another benchmark runs: a line
//       {"ready":true} once drawn, then holds until its stdin closes.
//
// Progress goes to stderr; the result is one JSON object on stdout.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { queryUrl } from '../web/cockpit/util.js';

const args = Object.fromEntries(process.argv.slice(3).reduce((a, x, i, all) => (x.startsWith('--') ? [...a, [x.slice(2), all[i + 1]]] : a), []));
const mode = process.argv[2];
const log = (m) => process.stderr.write(`cockpit: ${m}\n`);

async function get(url, cookie) {
  const r = await fetch(url, { headers: { cookie: 'zz_session=' + cookie } });
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return r.json();
}

function pct(v, p) {
  if (!v.length) return null;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function urls() {
  const dash = await get(args.base + '/api/v1/dashboards', args.cookie);
  const now = Date.now();
  const lines = new Map();
  for (const p of dash.perspectives) {
    for (const m of dash.layouts[p.layout].modules) {
      for (const panel of m.panels) {
        const qs = panel.items ? panel.items.map((i, k) => [`${panel.id}.${k}`, i.query]) : [[panel.id, panel.query]];
        for (const [name, q] of qs) {
          if (q.api === 'alerts') continue; // not a rollup query (issue 4's list)
          const u = queryUrl(q, p.region, now);
          if (![...lines.values()].includes(u)) lines.set(`${p.region}:${m.id}:${name}`, u);
        }
      }
    }
  }
  fs.writeFileSync(args.out, [...lines].map(([k, v]) => `${k}\t${v}`).join('\n') + '\n');
  console.log(JSON.stringify({ urls: lines.size }));
}

async function browser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-bench-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, viewport: { width: 1920, height: 1080 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return { ctx, close: async () => { await ctx.close(); fs.rmSync(profile, { recursive: true, force: true }); } };
}

async function signIn(page) {
  await page.goto(args.base + '/');
  await page.fill('input[name=name]', args.user);
  await page.fill('input[name=password]', args.password);
  const t0 = Date.now();
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#grid[data-ready]', { timeout: 30000 });
  return Date.now() - t0;
}

async function pages() {
  const b = await browser();
  const page = await b.ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const first = await signIn(page);
  const dash = await page.evaluate(async () => (await fetch('/api/v1/dashboards')).json());
  const rounds = Number(args.rounds || 3);
  const views = [];
  for (const p of dash.perspectives) for (const m of dash.layouts[p.layout].modules) views.push([p.region, m.id, m.panels.length]);
  const times = new Map(views.map((v) => [v[0] + ' ' + v[1], []]));
  for (let r = 0; r < rounds; r++) {
    for (const [region, mod] of views) {
      const before = await page.getAttribute('#grid', 'data-ready');
      const t0 = Date.now();
      await page.evaluate((h) => { location.hash = h; }, `#/${region}?m=${mod}`);
      await page.waitForFunction(([rg, md, b]) => {
        const g = document.getElementById('grid');
        return g.dataset.region === rg && g.dataset.module === md && g.dataset.ready && g.dataset.ready !== b;
      }, [region, mod, before], { timeout: 30000, polling: 'raf' });
      times.get(region + ' ' + mod).push(Date.now() - t0);
      log(`${region} ${mod}: ${Date.now() - t0} ms`);
    }
  }
  await b.close();
  const all = [...times.values()].flat();
  console.log(JSON.stringify({
    first_after_login_ms: first, rounds, views: views.map(([r, m, n]) => ({ region: r, module: m, panels: n, ms: times.get(r + ' ' + m) })),
    p50_ms: pct(all, 50), p90_ms: pct(all, 90), max_ms: Math.max(...all), page_errors: errors,
  }));
}

async function streams() {
  const cookies = args.cookies.split(',');
  const n = Number(args.clients || 50);
  const seconds = Number(args.seconds || 30);
  const clients = [];
  const published = new Map(); // tick id -> publish time
  for (let i = 0; i < n; i++) {
    const c = { lags: [], ids: new Set(), errors: 0, ac: new AbortController() };
    clients.push(c);
    const res = await fetch(args.base + '/api/v1/stream', { headers: { cookie: 'zz_session=' + cookies[Math.floor(i / 16) % cookies.length] }, signal: c.ac.signal });
    if (res.status !== 200) throw new Error(`stream ${i}: ${res.status}`);
    (async () => {
      const dec = new TextDecoder();
      let buf = '';
      try {
        for await (const chunk of res.body) {
          buf += dec.decode(chunk, { stream: true });
          let k;
          while ((k = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, k);
            buf = buf.slice(k + 2);
            if (!block.includes('event: tick')) continue;
            const id = /^id: (.*)$/m.exec(block)[1];
            const data = JSON.parse(/^data: (.*)$/m.exec(block)[1]);
            c.lags.push(Date.now() - data.ts);
            c.ids.add(id);
            published.set(id, data.ts);
          }
        }
      } catch (e) {
        if (e.name !== 'AbortError') c.errors++;
      }
    })();
  }
  const allOpen = Date.now();
  log(`${n} streams open; listening ${seconds} s`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const end = Date.now();
  // Every client must have every tick published while all of them were
  // connected, up to 2 s before the end (later ones may still be in flight).
  await new Promise((r) => setTimeout(r, 2000));
  for (const c of clients) c.ac.abort();
  const expected = [...published].filter(([, ts]) => ts >= allOpen && ts <= end).map(([id]) => id);
  const lags = clients.flatMap((c) => c.lags);
  console.log(JSON.stringify({
    clients: n, seconds, ticks: expected.length,
    ticks_per_client_min: Math.min(...clients.map((c) => expected.filter((id) => c.ids.has(id)).length)),
    clients_missing_ticks: clients.filter((c) => expected.some((id) => !c.ids.has(id))).length,
    lag_p50_ms: pct(lags, 50), lag_p99_ms: pct(lags, 99), lag_max_ms: Math.max(...lags), deliveries: lags.length,
    stream_errors: clients.reduce((a, c) => a + c.errors, 0),
  }));
}

// Memory of our Chromium (the bench profile dir is in its processes' command
// lines): the renderer processes' private memory and PSS (the page), and the
// proportional set size (PSS, shared pages split between sharers) of every
// process, which unlike summed RSS does not count shared libraries twice.
function chromiumMemoryMb() {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  let renderer = 0, rendererPss = 0, renderers = 0, pss = 0;
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!m || !m[2].includes('zz-bench-chromium-') && !isChild(m[1])) continue;
    let rollup = '';
    try { rollup = fs.readFileSync(`/proc/${m[1]}/smaps_rollup`, 'utf8'); } catch { continue; }
    const kb = (k) => Number((new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(rollup) || [0, 0])[1]);
    pss += kb('Pss');
    if (m[2].includes('--type=renderer')) {
      // private pages: what the page itself costs (shared fonts and libraries aside)
      renderer += kb('Private_Clean') + kb('Private_Dirty');
      rendererPss += kb('Pss');
      renderers++;
    }
  }
  return { renderer_private_mb: Math.round(renderer / 1024), renderer_pss_mb: Math.round(rendererPss / 1024),
    renderers, chromium_pss_mb: Math.round(pss / 1024) };
}

// Chromium's helper processes (zygotes) do not all carry the profile dir:
// they count when their ancestor is our browser.
let browserPid = null;
function isChild(pid) {
  if (!browserPid) return false;
  for (let p = Number(pid), i = 0; p > 1 && i < 10; i++) {
    if (p === browserPid) return true;
    try { p = Number(/^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))[1]); } catch { return false; }
  }
  return false;
}

// The page's memory must be measured with no DevTools client attached:
// Playwright keeps the Network domain on, and Chromium then keeps every
// response body for the inspector (up to its buffer limit), which grows
// the renderer by itself. So memory runs Chromium as a process of its own,
// signs in through a short-lived CDP client (a child process: when it exits
// the inspector session ends), and then only reads /proc.
// Chromium as a process of its own with one cockpit page signed in (and the
// inspector detached again); close() ends it.
async function openCockpit() {
  const port = 9300 + Math.floor(Math.random() * 500);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-bench-chromium-'));
  const { spawn } = await import('node:child_process');
  const chrome = spawn(process.env.CHROMIUM || '/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu',
    '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--remote-debugging-port=${port}`, `--user-data-dir=${profile}`, '--window-size=1920,1080', 'about:blank'], { stdio: 'ignore' });
  browserPid = chrome.pid;
  const close = async () => {
    const gone = new Promise((r) => chrome.once('exit', r));
    chrome.kill('SIGKILL');
    await gone;
    await new Promise((r) => setTimeout(r, 500)); // its helper processes go with it
    try {
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (e) {
      log(`could not remove ${profile}: ${e.message}`);
    }
  };
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const login = execFileSync(process.execPath, [new URL(import.meta.url).pathname, 'signin-cdp', '--port', String(port),
      '--base', args.base, '--user', args.user, '--password', args.password, '--view', args.view || ''], { encoding: 'utf8', timeout: 60000 });
    return { port, start: JSON.parse(login), close };
  } catch (e) {
    await close();
    throw e;
  }
}

async function memory() {
  const c = await openCockpit();
  try {
    const start = c.start;
    log(`signed in; page drawn, JS heap ${start.js_heap_mb} MB; the inspector is detached`);
    const samples = [];
    const minutes = Number(args.minutes || 10);
    const t0 = Date.now();
    while (Date.now() - t0 < minutes * 60000) {
      samples.push({ t_s: Math.round((Date.now() - t0) / 1000), ...chromiumMemoryMb() });
      log(JSON.stringify(samples[samples.length - 1]));
      await new Promise((r) => setTimeout(r, 30000));
    }
    samples.push({ t_s: Math.round((Date.now() - t0) / 1000), ...chromiumMemoryMb() });
    // one last look inside the page (reattaching the inspector briefly)
    const end = JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, 'peek-cdp', '--port', String(c.port)],
      { encoding: 'utf8', timeout: 60000 }));
    console.log(JSON.stringify({ minutes, start, end, samples }));
  } finally {
    await c.close();
  }
}

// A cockpit kept open on live data while something else is measured: prints
// one line when it is drawn, then holds until stdin closes (or --seconds),
// and prints how fresh the page still was at the end.
async function hold() {
  const c = await openCockpit();
  try {
    console.log(JSON.stringify({ ready: true, ...c.start }));
    const limit = Number(args.seconds || 600) * 1000;
    await new Promise((resolve) => {
      const t = setTimeout(resolve, limit);
      process.stdin.on('end', () => { clearTimeout(t); resolve(); });
      process.stdin.resume();
    });
    const end = JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, 'peek-cdp', '--port', String(c.port)],
      { encoding: 'utf8', timeout: 60000 }));
    console.log(JSON.stringify({ end }));
  } finally {
    await c.close();
  }
}

// Child of memory: signs in on the running Chromium's first page, waits for
// the cockpit, prints {js_heap_mb, nodes}, and exits (detaching the inspector).
async function signinCdp() {
  const b = await chromium.connectOverCDP(`http://127.0.0.1:${args.port}`);
  const ctx = b.contexts()[0];
  const page = ctx.pages()[0] || await ctx.newPage();
  await page.setViewportSize({ width: 1920, height: 1080 });
  await signIn(page);
  if (args.view) {
    await page.evaluate((h) => { location.hash = h; }, '#/' + args.view);
    await page.waitForTimeout(3000);
  }
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  console.log(JSON.stringify({ js_heap_mb: +(m.JSHeapUsedSize / 1048576).toFixed(1), nodes: m.Nodes }));
  process.exit(0); // drop the connection without closing the browser
}

async function peekCdp() {
  const b = await chromium.connectOverCDP(`http://127.0.0.1:${args.port}`);
  const page = b.contexts()[0].pages()[0];
  const cdp = await b.contexts()[0].newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const fresh = await page.evaluate(() => Number(document.getElementById('fresh').dataset.age));
  console.log(JSON.stringify({ js_heap_mb: +(m.JSHeapUsedSize / 1048576).toFixed(1), nodes: m.Nodes, fresh_age_s: fresh }));
  process.exit(0);
}

// Bytes on the wire for one cockpit load: every response's status, encoding
// and encodedDataLength (DevTools: headers and body as received), and the
// page's own Performance resource timing transferSize. The stream (SSE)
// never finishes and is not counted by either; the load is over once the
// grid is drawn and no response has finished for a second.
async function transfer() {
  const b = await browser();
  const page = await b.ctx.newPage();
  const cdp = await b.ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  let reqs = new Map(), rows = [], last = Date.now();
  cdp.on('Network.responseReceived', (e) => {
    const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    reqs.set(e.requestId, { url: e.response.url.replace(args.base, ''), status: e.response.status, enc: h['content-encoding'] || '' });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = reqs.get(e.requestId);
    if (r) rows.push({ ...r, bytes: e.encodedDataLength });
    last = Date.now();
  });
  await signIn(page);
  const url = page.url();
  const load = async (label, go) => {
    reqs = new Map(), rows = [];
    await go();
    await page.waitForSelector('#grid[data-ready]', { timeout: 30000 });
    last = Date.now();
    while (Date.now() - last < 1000) await new Promise((r) => setTimeout(r, 100));
    const perf = await page.evaluate(() => {
      const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
      return { transfer: all.reduce((a, r) => a + r.transferSize, 0), decoded: all.reduce((a, r) => a + r.decodedBodySize, 0), entries: all.length };
    });
    const sum = (f) => rows.filter(f).reduce((a, r) => a + r.bytes, 0);
    const res = {
      responses: rows.length, bytes: sum(() => true), perf_transfer_size: perf.transfer, perf_decoded_body: perf.decoded,
      gzip_responses: rows.filter((r) => r.enc === 'gzip').length, status_304: rows.filter((r) => r.status === 304).length,
      status_200: rows.filter((r) => r.status === 200).length,
      largest: [...rows].sort((x, y) => y.bytes - x.bytes).slice(0, 5).map((r) => `${r.url.split('?')[0]} ${r.status} ${r.enc || 'identity'} ${r.bytes}`),
    };
    log(`${label}: ${res.responses} responses, ${res.bytes} bytes (transferSize ${perf.transfer}), ${res.status_304} x 304`);
    return res;
  };
  await cdp.send('Network.clearBrowserCache');
  const cold = await load('cold', () => page.goto(url));
  const warm = await load('warm', () => page.reload());
  await b.close();
  console.log(JSON.stringify({ url: url.replace(args.base, ''), cold, warm }));
}

const modes = { urls, pages, streams, memory, hold, transfer, 'signin-cdp': signinCdp, 'peek-cdp': peekCdp };
if (!modes[mode]) {
  console.error('usage: node bench/cockpit.mjs urls|pages|streams|memory|hold|transfer --base URL ...');
  process.exit(2);
}
modes[mode]().catch((e) => { console.error(e); process.exit(1); });
