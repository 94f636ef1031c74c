// Customer and enterprise codes (issue 5): generation from the CLI and the
// API (idempotent), listing with filters and cursor, scan counts per day,
// revocation and reissue, QR rendering (a PNG decoded by zbarimg must give
// back the scan URL), the friendly page, and the public rate limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { show, GONGSHU_PACK } from './harness.mjs';
import { dispatchWorld } from './lib/dispatch.mjs';

let w;
const XTD = 'gongshu/dongxin/xintiandi';

before(async () => { w = await dispatchWorld(); });

// How many entities of type the pack puts under region (the region or below).
function packCount(type, region) {
  let n = 0;
  for (const line of fs.readFileSync(path.join(GONGSHU_PACK, 'entities.ndjson'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line);
    if (e.type === type && (e.region === region || e.region.startsWith(region + '/'))) n++;
  }
  return n;
}
after(async () => { await w?.close(); });

function getWithHost(url, host, cookie) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Host: host, Cookie: cookie }, timeout: 10000 }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
  });
}

async function listAll(params) {
  const out = [];
  let cursor = null, pages = 0;
  do {
    const q = new URLSearchParams({ ...params, limit: '20' });
    if (cursor) q.set('cursor', cursor);
    const j = await w.ok('admin', 'GET', `/api/v1/codes?${q}`);
    out.push(...j.codes);
    cursor = j.next_cursor;
    assert.ok(++pages < 1000);
  } while (cursor);
  return out;
}

test('zhizhi code generate makes one customer code per venue and is idempotent', async () => {
  const r1 = w.run(['code', 'generate', '--kind', 'customer', '--entity-type', 'venue', '--region', XTD]);
  assert.equal(r1.status, 0, r1.stderr);
  const m1 = r1.stdout.match(/(\d+) venue entities under .*: (\d+) new customer codes, (\d+) kept/);
  assert.ok(m1, r1.stdout);
  const n = Number(m1[1]);
  assert.ok(n > 10);
  assert.equal(Number(m1[2]), n);
  assert.equal(Number(m1[3]), 0);
  const r2 = w.run(['code', 'generate', '--kind', 'customer', '--entity-type', 'venue', '--region', XTD]);
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stdout, new RegExp(`${n} venue entities under .*: 0 new customer codes, ${n} kept`));
  const codes = await listAll({ kind: 'customer', region: XTD });
  assert.equal(codes.length, n);
  assert.equal(new Set(codes.map((c) => c.entity)).size, n, 'one code per venue');
  assert.equal(new Set(codes.map((c) => c.token)).size, n, 'tokens are distinct');
  for (const c of codes) {
    assert.match(c.token, /^[A-Za-z0-9_-]{22}$/, '128 random bits, URL-safe');
    assert.equal(c.state, 'active');
    assert.equal(c.entity_type, 'venue');
    assert.ok(c.url.endsWith(`/m/c/${c.token}`));
  }
  const bad = w.run(['code', 'generate', '--kind', 'visitor', '--entity-type', 'venue', '--region', XTD]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /kind must be customer or enterprise/);
  const nor = w.run(['code', 'generate', '--kind', 'customer', '--entity-type', 'venue', '--region', 'gongshu/nowhere']);
  assert.notEqual(nor.status, 0);
  assert.match(nor.stderr, /region "gongshu\/nowhere" does not exist/);
});

test('codes are generated batch by batch with progress, and a rerun resumes', async () => {
  const PARK = 'gongshu/kejipark/wanggu';
  const all = packCount('enterprise', PARK);
  assert.ok(all > 1000 && all % 500 !== 0, `the pack has ${all} enterprises in the park`);
  const body = { kind: 'enterprise', entity_type: 'enterprise', region: PARK, batch: 500 };
  // the first batch only, then stop as if the page were closed
  const b1 = await w.ok('admin', 'POST', '/api/v1/codes/generate', body, 201);
  assert.deepEqual([b1.entities, b1.created, b1.kept, b1.done, b1.total], [500, 500, 0, 500, all]);
  assert.match(b1.next_cursor, /^c[0-9a-f]+$/);
  // from the start again: the first 500 keep their codes, the rest are made
  let cursor = null, made = 0, kept = 0, seen = 0, calls = 0;
  const done = [];
  do {
    const a = await w.call('admin', 'POST', '/api/v1/codes/generate', { ...body, cursor });
    assert.equal(a.status, a.json.created ? 201 : 200, show(a));
    const r = a.json;
    made += r.created; kept += r.kept; seen += r.entities; calls++;
    assert.equal(r.total, all);
    done.push(r.done);
    cursor = r.next_cursor;
  } while (cursor && calls < 10);
  assert.equal(cursor, null);
  assert.equal(calls, Math.ceil(all / 500));
  assert.deepEqual(done, done.map((_, i) => Math.min((i + 1) * 500, all)));
  assert.deepEqual([seen, kept, made], [all, 500, all - 500]);
  // one code per enterprise, none twice
  const tokens = new Set();
  let q = `/api/v1/codes?kind=enterprise&region=${PARK}&limit=500`;
  for (let page = 0; q && page < 10; page++) {
    const l = await w.ok('admin', 'GET', q);
    for (const c of l.codes) tokens.add(c.entity);
    q = l.next_cursor ? `/api/v1/codes?kind=enterprise&region=${PARK}&limit=500&cursor=${l.next_cursor}` : null;
  }
  assert.equal(tokens.size, all);
  // a cursor this server did not give, a batch out of range
  for (const [bad, field] of [[{ cursor: 'x1' }, 'cursor'], [{ cursor: 5 }, 'cursor'], [{ batch: 0 }, 'batch'],
    [{ batch: 20001 }, 'batch'], [{ batch: 2.5 }, 'batch']]) {
    const e = await w.call('admin', 'POST', '/api/v1/codes/generate', { ...body, ...bad });
    assert.equal(e.status, 400, show(e));
    assert.equal(e.json.error.field, field);
  }
});

test('the admin API generates enterprise codes, idempotently, and only for admins', async () => {
  const body = { kind: 'enterprise', entity_type: 'enterprise', region: XTD };
  const g1 = await w.ok('admin', 'POST', '/api/v1/codes/generate', body, 201);
  // every enterprise of Xintiandi (thousands), not the first hundred
  const all = packCount('enterprise', XTD);
  assert.ok(all > 1000, `the pack has ${all} enterprises in Xintiandi`);
  assert.equal(g1.created, all);
  assert.equal(g1.entities, all);
  assert.equal(g1.total, all);
  assert.equal(g1.done, all);
  assert.equal(g1.next_cursor, null);
  assert.equal(g1.kept, 0);
  const g2 = await w.ok('admin', 'POST', '/api/v1/codes/generate', body, 200);
  assert.equal(g2.created, 0);
  assert.equal(g2.kept, g1.created);
  assert.equal(g2.entities, g1.entities);
  const r = await w.call('disp', 'POST', '/api/v1/codes/generate', body);
  assert.equal(r.status, 403, show(r));
  let e = await w.call('admin', 'POST', '/api/v1/codes/generate', { ...body, kind: 'x' });
  assert.equal(e.status, 400);
  assert.equal(e.json.error.field, 'kind');
  e = await w.call('admin', 'POST', '/api/v1/codes/generate', { ...body, entity_type: 'spaceship' });
  assert.equal(e.status, 400);
  assert.equal(e.json.error.field, 'entity_type');
  e = await w.call('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue' });
  assert.equal(e.status, 400);
  assert.equal(e.json.error.field, 'region');
  const ent = await w.ok('admin', 'GET', `/api/v1/codes?kind=enterprise&limit=5`);
  assert.equal(ent.codes.length, 5);
  assert.ok(ent.next_cursor);
  assert.ok(ent.codes.every((c) => c.kind === 'enterprise' && c.entity_type === 'enterprise'));
  const badq = await w.call('admin', 'GET', '/api/v1/codes?state=lost');
  assert.equal(badq.status, 400);
});

test('scans are counted per code and per day', async () => {
  const [c] = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes;
  const before = await w.ok('admin', 'GET', `/api/v1/codes/${c.id}`);
  assert.equal(before.scans_total, 0);
  for (let i = 0; i < 3; i++) {
    const r = await w.api('GET', `/api/public/codes/${c.token}`);
    assert.equal(r.status, 200, show(r));
  }
  const after1 = await w.ok('admin', 'GET', `/api/v1/codes/${c.id}`);
  assert.equal(after1.scans_total, 3);
  assert.equal(after1.scans.length, 1);
  assert.equal(after1.scans[0].scans, 3);
  assert.match(after1.scans[0].day, /^\d{4}-\d{2}-\d{2}$/);
  // the list carries each code's scans of the last 30 days (no request per row)
  assert.equal(after1.code.scans_30d, 3);
  const listed = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=2')).codes;
  assert.deepEqual(listed.map((x) => x.scans_30d), [3, 0]);
  // another code's scans are its own
  const [, other] = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=2')).codes;
  assert.equal((await w.ok('admin', 'GET', `/api/v1/codes/${other.id}`)).scans_total, 0);
});

test('revoke and reissue: the old token shows a friendly 410, the new one works', async () => {
  const codes = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&state=active&limit=3')).codes;
  const c = codes[2];
  const rv = await w.ok('admin', 'POST', `/api/v1/codes/${c.id}/revoke`, {});
  assert.equal(rv.code.state, 'revoked');
  assert.ok(rv.code.revoked_at);
  let p = await w.api('GET', `/api/public/codes/${c.token}`);
  assert.equal(p.status, 410);
  assert.equal(p.text, '{"error":{"code":"code_revoked","message":"this code is no longer in use: ' +
    'please scan the new code on site","message_zh":"此码已停用：请到现场扫描新码","field":"token"}}');
  const again = await w.call('admin', 'POST', `/api/v1/codes/${c.id}/revoke`, {});
  assert.equal(again.status, 409);
  assert.equal((await w.call('admin', 'POST', `/api/v1/codes/${c.id}/reissue`, {})).status, 409);
  // the entity may get a new code by generating again
  const g = await w.ok('admin', 'POST', '/api/v1/codes/generate', { kind: 'customer', entity_type: 'venue', region: XTD }, 201);
  assert.equal(g.created, 1);

  const d = codes[1];
  const ri = await w.ok('admin', 'POST', `/api/v1/codes/${d.id}/reissue`, {}, 201);
  assert.notEqual(ri.code.token, d.token);
  assert.equal(ri.code.entity, d.entity);
  assert.equal(ri.code.state, 'active');
  const old = await w.ok('admin', 'GET', `/api/v1/codes/${d.id}`);
  assert.equal(old.code.state, 'revoked');
  assert.equal(old.code.replaced_by, ri.code.id);
  assert.equal((await w.api('GET', `/api/public/codes/${d.token}`)).status, 410);
  assert.equal((await w.api('GET', `/api/public/codes/${ri.code.token}`)).status, 200);
  const listed = await w.ok('admin', 'GET', `/api/v1/codes?entity=${encodeURIComponent(d.entity)}&kind=customer`);
  assert.deepEqual(listed.codes.map((x) => x.state).sort(), ['active', 'revoked']);
  assert.equal((await w.call('admin', 'POST', '/api/v1/codes/999999/revoke', {})).status, 404);
});

test('QR round trip: the PNG decodes (zbarimg) to the public scan URL; SVG is a drawing', async () => {
  const [c] = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&state=active&limit=1')).codes;
  const cookie = await w.u('admin');
  const host = 'zhizhi.example.gov.cn:8443';
  // fetch() will not send another Host: node:http will
  const res = await getWithHost(`${w.base}/api/v1/codes/${c.id}/qr.png`, host, cookie);
  assert.equal(res.status, 200);
  assert.equal(res.type, 'image/png');
  const png = res.body;
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const file = path.join(w.dir, 'qr.png');
  fs.writeFileSync(file, png);
  const z = spawnSync('zbarimg', ['--quiet', '--raw', file], { encoding: 'utf8' });
  assert.equal(z.status, 0, z.stderr);
  assert.equal(z.stdout.trim(), `http://${host}/m/c/${c.token}`);
  const svg = await fetch(`${w.base}/api/v1/codes/${c.id}/qr.svg`, { headers: { Cookie: cookie } });
  assert.equal(svg.status, 200);
  assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
  const text = await svg.text();
  assert.match(text, /^<\?xml[^]*<svg [^]*<path fill="#000" d="M\d+ \d+h\d+v1h-\d+z/);
  // a Host that is not a host name is refused, not echoed into the code
  const bad = await getWithHost(`${w.base}/api/v1/codes/${c.id}/qr.svg`, 'a"b<c', cookie);
  assert.equal(bad.status, 400);
  const anon = await w.api('GET', `/api/v1/codes/${c.id}/qr.png`);
  assert.equal(anon.status, 401);
});

test('the url a code lists is the one its QR encodes; X-Forwarded-Proto counts only from a trusted proxy', async () => {
  const [c] = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&state=active&limit=1')).codes;
  // no --trusted-proxy here: the header is anyone's and changes nothing
  // (trust.test.mjs shows it counting behind --trusted-proxy, and --public-url)
  const r = await w.api('GET', `/api/v1/codes/${c.id}`, { cookie: await w.u('admin'), headers: { 'X-Forwarded-Proto': 'https' } });
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.code.url, `http://${new URL(w.base).host}/m/c/${c.token}`);
  assert.equal(c.url, `http://${new URL(w.base).host}/m/c/${c.token}`);
});

test('pages: /m/c/TOKEN serves the mobile page for any token; the sheet page exists', async () => {
  for (const p of ['/m/c/not-a-real-token', '/m/r/NOTHING', '/codes-sheet', '/admin/codes']) {
    const r = await w.api('GET', p);
    assert.equal(r.status, 200, `${p}: ${show(r)}`);
    assert.match(r.headers.get('content-type'), /text\/html/);
    assert.match(r.headers.get('content-security-policy'), /script-src 'self';/, p);
  }
  const admin = await w.api('GET', '/admin/codes');
  assert.match(admin.text, /<script type="module" src="\/admin-codes.js"><\/script>/);
  const unknown = await w.api('GET', '/api/public/codes/AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(unknown.status, 404);
  assert.match(unknown.json.error.message, /scan the code on site again/);
  const junk = await w.api('GET', `/api/public/codes/${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
  assert.equal(junk.status, 404);
  assert.ok(!junk.text.includes('<img'), 'the token is not echoed');
});

test('public scans are rate-limited per client address (429 with Retry-After)', async () => {
  let limited = null;
  for (let i = 0; i < 200 && !limited; i++) {
    const r = await w.api('GET', '/api/public/codes/AAAAAAAAAAAAAAAAAAAAAA');
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 404);
  }
  assert.ok(limited, 'no 429 after 200 scans');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.equal(limited.json.error.code, 'too_many_requests');
});

// Last: it leaves the server's clock pinned 31 days ahead.
test('scans_30d counts the last 30 local days only; the detail keeps 90', async () => {
  const [c] = (await w.ok('admin', 'GET', '/api/v1/codes?kind=customer&limit=1')).codes;
  assert.equal(c.scans_30d, 3, 'scanned three times today by an earlier test');
  await w.at(Date.now() + 31 * 86400e3);
  const later = await w.ok('admin', 'GET', `/api/v1/codes/${c.id}`);
  assert.equal(later.code.scans_30d, 0);
  assert.equal(later.scans_total, 3);
  assert.equal((await w.api('GET', `/api/public/codes/${c.token}`)).status, 200);
  const [again] = (await w.ok('admin', 'GET', `/api/v1/codes?kind=customer&limit=1`)).codes;
  assert.equal(again.scans_30d, 1);
});
