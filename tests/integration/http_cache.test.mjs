// http_cache.test.mjs - how answers travel (docs/operations.md "Compression
// and caching"): gzip for text types when the client takes it, decompressing
// to exactly the identity bytes; none without Accept-Encoding, with
// gzip;q=0, for images, tiny bodies or event streams; ETags and 304 for
// static files (size + mtime: a changed file gets a new one) and for the
// answers that change only with the pack; exports gzipped as they are
// read; the regions GeoJSON's map-file
// names (properties.name, properties.adcode); the pack's adcode check.
// One server on the Gongshu pack with its own copy of some web/ files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createWorld, cli, FIXTURE_PACK, GONGSHU_PACK, REPO } from './harness.mjs';

let w, web;
const WEB_FILES = ['index.html', 'app.js', 'style.css', 'vendor/echarts.min.js'];

before(async () => {
  web = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-web-'));
  for (const f of WEB_FILES) {
    fs.mkdirSync(path.dirname(path.join(web, f)), { recursive: true });
    fs.copyFileSync(path.join(REPO, 'web', f), path.join(web, f));
  }
  // an image: never compressed, whatever its size
  fs.writeFileSync(path.join(web, 'photo.png'), Buffer.alloc(8192, 7));
  w = await createWorld({ pack: GONGSHU_PACK, sources: [], serveArgs: ['--web', web] });
});
after(async () => {
  await w?.close();
  if (web) fs.rmSync(web, { recursive: true, force: true });
});

/** One request with node:http, which neither asks for nor undoes gzip by
 * itself: {status, headers, body (Buffer, as sent)}. */
function raw(method, p, headers = {}, { firstChunk = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(w.base + p, { method, headers, agent: false }, (res) => {
      const parts = [];
      res.on('data', (d) => {
        parts.push(d);
        if (firstChunk) {
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) });
          req.destroy();
        }
      });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', (e) => (firstChunk ? null : reject(e)));
    req.setTimeout(15000, () => req.destroy(new Error(`${method} ${p}: timeout`)));
    req.end();
  });
}

const GZ = { 'Accept-Encoding': 'gzip, deflate, br' };
const cookieOf = async (who) => ({ Cookie: await w.as(who) });

/** The identity answer and the gzip one of a path; asserts the gzip one is
 * gzip, smaller, and decompresses to exactly the identity bytes. */
async function bothWays(p, headers = {}) {
  const plain = await raw('GET', p, headers);
  const gz = await raw('GET', p, { ...headers, ...GZ });
  assert.equal(plain.status, 200, `${p}: ${plain.body.toString().slice(0, 300)}`);
  assert.equal(gz.status, 200);
  assert.equal(plain.headers['content-encoding'], undefined, `${p} without Accept-Encoding`);
  assert.equal(gz.headers['content-encoding'], 'gzip', `${p} with Accept-Encoding: gzip`);
  assert.match(gz.headers.vary || '', /Accept-Encoding/i);
  assert.match(plain.headers.vary || '', /Accept-Encoding/i);
  assert.equal(Number(gz.headers['content-length']), gz.body.length, 'Content-Length is the gzip size');
  assert.equal(Number(plain.headers['content-length']), plain.body.length);
  assert.ok(gz.body.length < plain.body.length, `${p}: ${gz.body.length} >= ${plain.body.length}`);
  assert.ok(zlib.gunzipSync(gz.body).equals(plain.body), `${p}: gunzip differs from the identity bytes`);
  assert.equal(gz.headers['content-type'], plain.headers['content-type']);
  return { plain, gz };
}

test('static HTML, JS and CSS go gzipped, decompressing to the file; HEAD says the same', async () => {
  for (const f of WEB_FILES) {
    const { plain, gz } = await bothWays('/' + f);
    assert.ok(plain.body.equals(fs.readFileSync(path.join(web, f))), `${f}: identity body is the file`);
    assert.ok(gz.headers.etag && plain.headers.etag && gz.headers.etag !== plain.headers.etag,
      `${f}: the two representations have their own strong ETags (${gz.headers.etag}, ${plain.headers.etag})`);
    const head = await raw('HEAD', '/' + f, GZ);
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], gz.headers['content-length'], `${f}: HEAD's Content-Length`);
    assert.equal(head.headers['content-encoding'], 'gzip');
    assert.equal(head.headers.etag, gz.headers.etag);
  }
  const page = await raw('GET', '/index.html', GZ);
  assert.equal(page.headers['cache-control'], 'no-cache', 'pages revalidate');
  const vendor = await raw('GET', '/vendor/echarts.min.js', GZ);
  assert.match(vendor.headers['cache-control'], /^public, max-age=\d+$/);
  // the gzipped echarts is far smaller than the 1.1 MB file
  assert.ok(vendor.body.length < fs.statSync(path.join(web, 'vendor/echarts.min.js')).size / 2);
});

test('JSON and GeoJSON answers go gzipped, decompressing to the identity bytes', async () => {
  const admin = await cookieOf('admin');
  await bothWays('/api/v1/metrics', admin);
  const geo = await bothWays('/api/v1/regions.geojson', admin);
  assert.match(geo.plain.headers['content-type'], /^application\/geo\+json/);
  // a list that is not cacheable is still compressed
  await bothWays('/api/v1/entities?type=enterprise&limit=200', admin);
  // an export (a file that needs a login) is gzipped as it is read: chunked
  const csv = '/api/v1/entities?type=enterprise&format=csv';
  const plain = await raw('GET', csv, admin);
  const gz = await raw('GET', csv, { ...admin, ...GZ });
  assert.equal(plain.status, 200);
  assert.match(plain.headers['content-type'], /^text\/csv/);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers['transfer-encoding'], 'chunked');
  assert.equal(gz.headers['cache-control'], 'private, no-store');
  assert.ok(zlib.gunzipSync(gz.body).equals(plain.body), 'the export decompresses to the identity CSV');
  assert.ok(plain.body.length > 4096 && gz.body.length < plain.body.length / 2);
});

test('no gzip without Accept-Encoding, with gzip;q=0, for images or tiny bodies', async () => {
  const admin = await cookieOf('admin');
  const plain = await raw('GET', '/api/v1/metrics', admin);
  for (const ae of ['gzip;q=0', 'identity', 'gzip; q=0.000, identity', 'br', '*;q=0', 'deflate']) {
    const r = await raw('GET', '/api/v1/metrics', { ...admin, 'Accept-Encoding': ae });
    assert.equal(r.headers['content-encoding'], undefined, `Accept-Encoding: ${ae}`);
    assert.ok(r.body.equals(plain.body), `Accept-Encoding: ${ae}: identity bytes`);
  }
  for (const ae of ['gzip;q=0.5', '*', 'x-gzip', 'br;q=1, GZIP;q=0.1']) {
    const r = await raw('GET', '/api/v1/metrics', { ...admin, 'Accept-Encoding': ae });
    assert.equal(r.headers['content-encoding'], 'gzip', `Accept-Encoding: ${ae}`);
  }
  const png = await raw('GET', '/photo.png', GZ);
  assert.equal(png.status, 200);
  assert.equal(png.headers['content-encoding'], undefined, 'PNG is not compressed again');
  assert.equal(png.body.length, 8192);
  const tiny = await raw('GET', '/healthz', GZ);
  assert.equal(tiny.status, 200);
  assert.ok(tiny.body.length < 1024);
  assert.equal(tiny.headers['content-encoding'], undefined, 'a body under 1 KiB goes as it is');
  assert.equal(JSON.parse(tiny.body).status, 'ok');
});

test('the event stream is never compressed', async () => {
  const r = await raw('GET', '/api/v1/stream', { ...(await cookieOf('admin')), ...GZ }, { firstChunk: true });
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/event-stream/);
  assert.equal(r.headers['content-encoding'], undefined);
  assert.match(r.body.toString(), /^(:|event:|id:|retry:|data:)/m, 'plain SSE text');
});

test('static files: If-None-Match gets 304 with the same ETag and no body; a changed file a new ETag', async () => {
  for (const [ae, label] of [[GZ, 'gzip'], [{}, 'identity']]) {
    const first = await raw('GET', '/app.js', ae);
    const etag = first.headers.etag;
    assert.match(etag, /^"[^"]+"$/, `${label}: a strong ETag`);
    const again = await raw('GET', '/app.js', { ...ae, 'If-None-Match': etag });
    assert.equal(again.status, 304, label);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, etag);
    assert.equal(again.headers['cache-control'], 'no-cache');
    const head = await raw('HEAD', '/app.js', { ...ae, 'If-None-Match': `"other", W/${etag}` });
    assert.equal(head.status, 304, `${label}: HEAD, a list, a weak form`);
    const other = await raw('GET', '/app.js', { ...ae, 'If-None-Match': '"nothing-like-it"' });
    assert.equal(other.status, 200);
  }
  const before = await raw('GET', '/app.js', GZ);
  const text = fs.readFileSync(path.join(web, 'app.js'), 'utf8') + '\n// changed by http_cache.test.mjs\n';
  fs.writeFileSync(path.join(web, 'app.js'), text);
  const after = await raw('GET', '/app.js', { ...GZ, 'If-None-Match': before.headers.etag });
  assert.equal(after.status, 200, 'the old ETag no longer matches');
  assert.notEqual(after.headers.etag, before.headers.etag);
  assert.equal(zlib.gunzipSync(after.body).toString(), text, 'the new content, not the cached old gzip');
  const plainAfter = await raw('GET', '/app.js');
  assert.equal(plainAfter.body.toString(), text);
});

test('cacheable GETs: private, revalidated, 304 on their ETag, another ETag for other content', async () => {
  const admin = await cookieOf('admin');
  for (const p of ['/api/v1/regions.geojson', '/api/v1/regions', '/api/v1/metrics', '/api/v1/dashboards',
    '/api/v1/entity-types', '/api/v1/departments']) {
    const first = await raw('GET', p, { ...admin, ...GZ });
    assert.equal(first.status, 200, p);
    assert.equal(first.headers['cache-control'], 'private, no-cache', `${p}: a session decides it`);
    const etag = first.headers.etag;
    assert.match(etag || '', /^"[^"]+"$/, `${p}: strong ETag`);
    const again = await raw('GET', p, { ...admin, ...GZ, 'If-None-Match': etag });
    assert.equal(again.status, 304, p);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, etag);
    assert.equal(again.headers['cache-control'], 'private, no-cache');
    // the identity representation's ETag differs, yet names the same content
    const plain = await raw('GET', p, { ...admin, 'If-None-Match': etag });
    assert.equal(plain.status, 304, `${p}: validated across encodings`);
    assert.notEqual(plain.headers.etag, etag);
  }
  // other content (a subtree; another user's scope) has another ETag, and
  // the first one does not hold it back
  const all = await raw('GET', '/api/v1/regions.geojson', admin);
  const sub = await raw('GET', '/api/v1/regions.geojson?root=gongshu/dongxin', { ...admin, 'If-None-Match': all.headers.etag });
  assert.equal(sub.status, 200);
  assert.notEqual(sub.headers.etag, all.headers.etag);
  const viewer = await raw('GET', '/api/v1/regions.geojson', { ...(await cookieOf('viewer')), 'If-None-Match': all.headers.etag });
  assert.equal(viewer.status, 200, 'the viewer sees only their street: not the admin\'s answer');
  assert.notEqual(viewer.headers.etag, all.headers.etag);
  // answers about live data stay uncached
  const ents = await raw('GET', '/api/v1/entities?type=enterprise&limit=5', admin);
  assert.equal(ents.headers['cache-control'], 'no-store');
  assert.equal(ents.headers.etag, undefined);
});

test('regions.geojson features carry properties.name and adcode, as map files do', async () => {
  const r = await raw('GET', '/api/v1/regions.geojson', await cookieOf('admin'));
  const fc = JSON.parse(r.body);
  assert.equal(fc.type, 'FeatureCollection');
  const byId = new Map(fc.features.map((f) => [f.id, f.properties]));
  const d = byId.get('gongshu');
  assert.equal(d.name, '拱墅区');
  assert.equal(d.adcode, 330105);
  assert.equal(d.name_zh, '拱墅区', 'the existing properties stay');
  assert.equal(d.name_en, 'Gongshu District');
  assert.equal(d.level, 'district');
  for (const [id, p] of byId) {
    assert.equal(p.name, p.name_zh, `${id}: name is the Chinese name`);
    if (id !== 'gongshu') assert.equal(p.adcode, undefined, `${id}: no invented code`);
  }
});

test('the pack loader refuses a malformed adcode, naming file and feature', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhizhi-adcode-'));
  try {
    const pack = path.join(dir, 'pack');
    fs.cpSync(FIXTURE_PACK, pack, { recursive: true });
    const file = path.join(pack, 'regions.geojson');
    const fc = JSON.parse(fs.readFileSync(file, 'utf8'));
    fc.features[1].properties.adcode = '33010'; // five digits
    fs.writeFileSync(file, JSON.stringify(fc));
    const bad = cli(['pack', 'load', pack, '--data', path.join(dir, 'data')]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /regions\.geojson/);
    assert.match(bad.stderr, /features\[1\]\.properties\.adcode/);
    assert.match(bad.stderr, /6, 9 or 12 digits/);
    fc.features[1].properties.adcode = '330105001';
    fc.features[0].properties.adcode = 330105;
    fs.writeFileSync(file, JSON.stringify(fc));
    const good = cli(['pack', 'load', pack, '--data', path.join(dir, 'data')]);
    assert.equal(good.status, 0, good.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
