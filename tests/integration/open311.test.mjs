// Open311 GeoReport v2 conformance, written from the spec
// (wiki.open311.org/GeoReport_v2): every method in XML and JSON, the error
// format ({code, description} list / <errors><error>) and its status codes
// (400 missing arguments, 403 bad api_key, 404 unknown service or request),
// the requests filters and defaults (90 days, status, service_code, id
// list), tokens, XML escaping, the form-encoded POST creating a work order
// with channel open311 that the dispatcher sees, and the POST rate limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createWorld, GONGSHU_PACK, show } from './harness.mjs';

// The deepest region of the pack whose outline holds (lon, lat): even-odd
// ray casting over each polygon's rings, written here apart from the server's.
function deepestRegion(lon, lat) {
  const fc = JSON.parse(fs.readFileSync(path.join(GONGSHU_PACK, 'regions.geojson'), 'utf8'));
  const inRing = (ring) => {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
  const inPoly = (rings) => inRing(rings[0]) && !rings.slice(1).some(inRing);
  let best = null;
  for (const f of fc.features) {
    const g = f.geometry;
    if (!g) continue;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    if (polys.some(inPoly) && (!best || f.properties.id.split('/').length > best.split('/').length)) best = f.properties.id;
  }
  return best;
}

let w;
before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['smart_site'] });
  if (!w.base) await w.start();
});
after(async () => { await w?.close(); });

const get = (p) => w.api('GET', p, {});
const post = (p, fields) => w.api('POST', p, {
  body: new URLSearchParams(fields).toString(),
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
});

/** A minimal XML reader: checks well-formedness and returns a tree of
 * {name, children, text}; throws on a mismatched or unescaped document. */
function parseXml(text) {
  assert.match(text, /^<\?xml version="1\.0" encoding="utf-8"\?>\n/);
  const body = text.replace(/^<\?xml[^>]*\?>\s*/, '');
  const root = { name: '#root', children: [], text: '' };
  const stack = [root];
  const re = /<(\/?)([A-Za-z_][\w.-]*)\s*(\/?)>|([^<]+)/g;
  let m, pos = 0;
  while ((m = re.exec(body))) {
    assert.equal(m.index, pos, `unexpected markup at ${pos}: ${body.slice(pos, pos + 40)}`);
    pos = re.lastIndex;
    if (m[4] !== undefined) {
      assert.doesNotMatch(m[4], /&(?!(amp|lt|gt|quot|apos);)/, 'an unescaped & in XML text');
      stack.at(-1).text += m[4].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
    } else if (m[1]) {
      const top = stack.pop();
      assert.equal(top.name, m[2], `</${m[2]}> closes <${top.name}>`);
    } else {
      const el = { name: m[2], children: [], text: '' };
      stack.at(-1).children.push(el);
      if (!m[3]) stack.push(el);
    }
  }
  assert.equal(pos, body.length, 'trailing garbage');
  assert.equal(stack.length, 1, 'unclosed element');
  assert.equal(root.children.length, 1, 'one root element');
  return root.children[0];
}
const kid = (el, name) => el.children.find((c) => c.name === name);
const kids = (el, name) => el.children.filter((c) => c.name === name);
const val = (el, name) => kid(el, name)?.text;

test('service discovery in XML and JSON names the GeoReport v2 endpoint and both formats', async () => {
  const j = await get('/open311/v2/discovery.json');
  assert.equal(j.status, 200, show(j));
  const ep = j.json.endpoints[0];
  assert.equal(ep.specification, 'http://wiki.open311.org/GeoReport_v2');
  assert.match(ep.url, /\/open311\/v2\/$/);
  assert.deepEqual(ep.formats, ['text/xml', 'application/json']);
  const x = await get('/open311/v2/discovery.xml');
  assert.match(x.headers.get('content-type'), /text\/xml/);
  const d = parseXml(x.text);
  assert.equal(d.name, 'discovery');
  const e = kid(kid(d, 'endpoints'), 'endpoint');
  assert.equal(val(e, 'specification'), 'http://wiki.open311.org/GeoReport_v2');
  assert.deepEqual(kids(kid(e, 'formats'), 'format').map((f) => f.text), ['text/xml', 'application/json']);
});

test('services list every matter with the open311 channel, the same in XML and JSON', async () => {
  const cat = (await get('/api/public/catalog')).json.matters.filter((m) => (m.channels || []).includes('open311'));
  assert.ok(cat.length >= 5, 'the pack publishes open311 services');
  const j = await get('/open311/v2/services.json');
  assert.equal(j.status, 200);
  assert.deepEqual(j.json.map((s) => s.service_code).sort(), cat.map((m) => m.id).sort());
  for (const s of j.json) {
    assert.deepEqual(Object.keys(s).sort(), ['description', 'group', 'keywords', 'metadata', 'service_code', 'service_name', 'type']);
    assert.equal(s.type, 'realtime');
    assert.equal(typeof s.metadata, 'boolean');
    const m = cat.find((x) => x.id === s.service_code);
    assert.equal(s.metadata, Array.isArray(m.form) && m.form.length > 0);
    assert.equal(s.service_name, m.name_zh);
  }
  const x = parseXml((await get('/open311/v2/services.xml')).text);
  assert.equal(x.name, 'services');
  const xs = kids(x, 'service');
  assert.equal(xs.length, j.json.length);
  assert.deepEqual(xs.map((s) => val(s, 'service_code')), j.json.map((s) => s.service_code));
  assert.deepEqual(xs.map((s) => val(s, 'metadata')), j.json.map((s) => String(s.metadata)));
});

test('a service definition carries the form as attributes, with values for lists', async () => {
  const j = await get('/open311/v2/services/park_parking_permit.json');
  assert.equal(j.status, 200, show(j));
  assert.equal(j.json.service_code, 'park_parking_permit');
  const a = j.json.attributes;
  assert.deepEqual(a.map((x) => x.code), ['contact_phone', 'plate', 'lot']);
  assert.deepEqual(a.map((x) => x.order), [1, 2, 3]);
  for (const x of a) {
    assert.equal(x.variable, true);
    assert.ok(['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'].includes(x.datatype));
    assert.equal(typeof x.required, 'boolean');
  }
  const lot = a.find((x) => x.code === 'lot');
  assert.equal(lot.datatype, 'singlevaluelist');
  assert.deepEqual(lot.values.map((v) => v.key), ['beibu', 'wanggu', 'kangqiao']);
  const x = parseXml((await get('/open311/v2/services/park_parking_permit.xml')).text);
  assert.equal(x.name, 'service_definition');
  const attrs = kids(kid(x, 'attributes'), 'attribute');
  assert.deepEqual(attrs.map((e) => val(e, 'code')), ['contact_phone', 'plate', 'lot']);
  assert.deepEqual(kids(kid(attrs[2], 'values'), 'value').map((v) => val(v, 'key')), ['beibu', 'wanggu', 'kangqiao']);
  // unknown code: 404 in the spec's error format, both formats
  const nj = await get('/open311/v2/services/no_such_service.json');
  assert.equal(nj.status, 404);
  assert.equal(nj.json[0].code, 404);
  assert.match(nj.json[0].description, /no_such_service/);
  const nx = await get('/open311/v2/services/no_such_service.xml');
  assert.equal(nx.status, 404);
  const ex = parseXml(nx.text);
  assert.equal(ex.name, 'errors');
  assert.equal(val(kid(ex, 'error'), 'code'), '404');
  // a service not offered through open311 is not found either
  assert.equal((await get('/open311/v2/services/mi_enrolment.json')).status, 404);
});

const goodPost = () => ({
  api_key: w.token, service_code: 'park_parking_permit', lat: '30.3401', long: '120.1302',
  'attribute[contact_phone]': '13800001111', 'attribute[plate]': '浙A12345', 'attribute[lot]': 'wanggu',
  description: '申请停车证 <test> & "quotes"', first_name: '明', last_name: '王', phone: '13800001111', email: 'wm@example.com',
});

// park_suggestion is public (matters.json "public": true): GET lists its requests
const publicPost = () => ({ ...goodPost(), service_code: 'park_suggestion' });

test('POST requests creates a work order (channel open311) and answers id and token in JSON and XML', async () => {
  const r = await post('/open311/v2/requests.json', goodPost());
  assert.equal(r.status, 201, show(r));
  const [created] = r.json;
  assert.match(created.service_request_id, /^\d+$/);
  assert.match(created.token, /^[0-9a-f]{32}$/);
  // the dispatcher sees it in the workflow with channel open311
  const o = await w.api('GET', `/api/v1/orders/${created.service_request_id}`, { cookie: await w.as('admin') });
  assert.equal(o.status, 200, show(o));
  assert.equal(o.json.order.channel, 'open311');
  assert.equal(o.json.order.matter, 'park_parking_permit');
  // placed in the deepest region whose outline holds lat/long (routing by region needs it)
  const where = deepestRegion(120.1302, 30.3401);
  assert.ok(where && where.split('/').length > 1, `the point lies in a region below the district: ${where}`);
  assert.equal(o.json.order.region, where);
  assert.equal(o.json.order.state, 'reported');
  // tokens/TOKEN finds it
  const t = await get(`/open311/v2/tokens/${created.token}.json`);
  assert.equal(t.status, 200);
  assert.deepEqual(t.json, [{ service_request_id: created.service_request_id, token: created.token }]);
  const tx = parseXml((await get(`/open311/v2/tokens/${created.token}.xml`)).text);
  assert.equal(val(kid(tx, 'request'), 'service_request_id'), created.service_request_id);
  assert.equal((await get('/open311/v2/tokens/ffffffffffffffffffffffffffffffff.json')).status, 404);
  // a parking permit is not a public matter: GET never shows it
  assert.equal((await get(`/open311/v2/requests/${created.service_request_id}.json`)).status, 404);
  // requests/ID of a public one in both formats, text escaped in XML, contact never shown
  const pub = (await post('/open311/v2/requests.json', publicPost())).json[0];
  const one = await get(`/open311/v2/requests/${pub.service_request_id}.json`);
  assert.equal(one.status, 200);
  const req = one.json[0];
  assert.equal(req.status, 'open');
  assert.equal(req.service_code, 'park_suggestion');
  assert.match(req.description, /<test> & "quotes"/);
  assert.equal(req.lat, 30.3401);
  assert.equal(req.long, 120.1302);
  assert.match(req.requested_datetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  assert.doesNotMatch(one.text, /13800001111|wm@example\.com/);
  const ox = await get(`/open311/v2/requests/${pub.service_request_id}.xml`);
  assert.match(ox.text, /&lt;test&gt; &amp; &quot;quotes&quot;/);
  const rx = kid(parseXml(ox.text), 'request');
  assert.equal(val(rx, 'status'), 'open');
  assert.match(val(rx, 'description'), /<test> & "quotes"/);
  // XML POST answers the same shape
  const px = await post('/open311/v2/requests.xml', { ...publicPost(), lat: '', long: '', address_string: '康桥路1号' });
  assert.equal(px.status, 201, px.text);
  const pr = kid(parseXml(px.text), 'request');
  assert.match(val(pr, 'service_request_id'), /^\d+$/);
  const got = await get(`/open311/v2/requests/${val(pr, 'service_request_id')}.json`);
  assert.equal(got.json[0].address, '康桥路1号');
  assert.equal((await get('/open311/v2/requests/999999.json')).status, 404);
});

test('POST errors: 403 without or with a bad api_key, 400 for missing code, location or attribute, 404 unknown code', async () => {
  const cases = [
    [{ ...goodPost(), api_key: '' }, 403, /api_key/],
    [{ ...goodPost(), api_key: 'zz_not_a_real_token_at_all_000000000000000' }, 403, /api_key/],
    [{ ...goodPost(), service_code: '' }, 400, /service_code/],
    [{ ...goodPost(), service_code: 'nope' }, 404, /nope/],
    [{ ...goodPost(), lat: '', long: '' }, 400, /location/],
    [{ ...goodPost(), lat: '91', long: '120' }, 400, /lat/],
    [{ ...goodPost(), 'attribute[plate]': '' }, 400, /attribute\[plate\]/],
    [{ ...goodPost(), 'attribute[lot]': 'moon' }, 400, /attribute\[lot\]/],
    [{ ...goodPost(), media_url: 'javascript:alert(1)' }, 400, /media_url/],
  ];
  for (const [fields, status, re] of cases) {
    const j = await post('/open311/v2/requests.json', fields);
    assert.equal(j.status, status, `${JSON.stringify(fields)}: ${show(j)}`);
    assert.ok(Array.isArray(j.json) && j.json[0].code === status, show(j));
    assert.match(j.json[0].description, re);
    const x = await post('/open311/v2/requests.xml', fields);
    assert.equal(x.status, status);
    const err = kid(parseXml(x.text), 'error');
    assert.equal(val(err, 'code'), String(status));
  }
  // a malformed body (bad escape) is a 400, not a crash
  const bad = await w.api('POST', '/open311/v2/requests.json', { body: 'api_key=%zz', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(bad.status, 400);
  // an unknown suffix
  assert.equal((await get('/open311/v2/services.html')).status, 404);
});

test('a description too long to store whole is refused with 413, never stored cut short', async () => {
  // 8 KiB holds the description, the address and the attributes together
  // (each form field may have 8 KiB alone)
  const long = { ...publicPost(), description: 'x'.repeat(8000), address_string: '路'.repeat(300) };
  const j = await post('/open311/v2/requests.json', long);
  assert.equal(j.status, 413, show(j));
  assert.equal(j.json[0].code, 413);
  assert.match(j.json[0].description, /too large/);
  const x = await post('/open311/v2/requests.xml', long);
  assert.equal(x.status, 413);
  assert.equal(val(kid(parseXml(x.text), 'error'), 'code'), '413');
  // what fits is stored whole
  const fits = 'y'.repeat(1500); // (a work order keeps 2047 bytes of description)
  const ok = await post('/open311/v2/requests.json', { ...publicPost(), description: fits });
  assert.equal(ok.status, 201, show(ok));
  const got = await get(`/open311/v2/requests/${ok.json[0].service_request_id}.json`);
  assert.ok(got.json[0].description.includes(fits), 'the whole description is kept');
});

test('phone and ID numbers typed into a public description are masked in GET, kept whole for staff', async () => {
  const text = '请回电 138 0000 1111，身份证330102199001011234，3单元502';
  const r = await post('/open311/v2/requests.json', { ...publicPost(), description: text });
  assert.equal(r.status, 201, show(r));
  const id = r.json[0].service_request_id;
  for (const ext of ['json', 'xml']) {
    const got = await get(`/open311/v2/requests/${id}.${ext}`);
    assert.equal(got.status, 200);
    assert.doesNotMatch(got.text, /138 0000|3301021990/, `a number in the public ${ext}`);
    assert.match(got.text, /\*\*\* \*\*\*\* 1111/);
    assert.match(got.text, /\*{14}1234/);
    assert.match(got.text, /3单元502/); // short numbers stay
  }
  const list = await get('/open311/v2/requests.json');
  assert.doesNotMatch(list.text, /138 0000 1111|330102199001011234/);
  // the dispatch desk reads what the citizen wrote
  const staff = await w.get('admin', `/api/v1/orders/${id}`);
  assert.equal(staff.status, 200, show(staff));
  assert.match(JSON.stringify(staff.json), /138 0000 1111/);
});

test('GET requests: filters and defaults (90 days, status, service_code, id list)', async () => {
  const a = (await post('/open311/v2/requests.json', publicPost())).json[0].service_request_id;
  const b = (await post('/open311/v2/requests.json', { ...goodPost(), service_code: 'park_suggestion', 'attribute[details]': 'more benches' })).json[0].service_request_id;
  const all = await get('/open311/v2/requests.json');
  assert.equal(all.status, 200);
  const ids = all.json.map((x) => x.service_request_id);
  assert.ok(ids.includes(a) && ids.includes(b));
  assert.ok(all.json.length <= 1000);
  const byCode = await get('/open311/v2/requests.json?service_code=park_suggestion');
  assert.ok(byCode.json.length >= 1 && byCode.json.every((x) => x.service_code === 'park_suggestion'));
  const list = await get(`/open311/v2/requests.json?service_request_id=${a},${b}`);
  assert.deepEqual(list.json.map((x) => x.service_request_id).sort(), [a, b].sort());
  assert.ok((await get('/open311/v2/requests.json?status=open')).json.some((x) => x.service_request_id === a));
  assert.ok(!(await get('/open311/v2/requests.json?status=closed')).json.some((x) => x.service_request_id === a));
  // a window in the past holds none of today's requests
  const old = await get('/open311/v2/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z');
  assert.deepEqual(old.json, []);
  // the default window: start_date alone means 90 days from it
  const from = new Date(Date.now() - 3600e3).toISOString();
  assert.ok((await get(`/open311/v2/requests.json?start_date=${encodeURIComponent(from)}`)).json.some((x) => x.service_request_id === a));
  assert.equal((await get('/open311/v2/requests.json?status=maybe')).status, 400);
  assert.equal((await get('/open311/v2/requests.json?start_date=yesterday')).status, 400);
  const x = parseXml((await get(`/open311/v2/requests.xml?service_request_id=${a}`)).text);
  assert.equal(x.name, 'service_requests');
  assert.equal(val(kid(x, 'request'), 'service_request_id'), a);
});

test('closing the work order makes the request closed', async () => {
  const id = (await post('/open311/v2/requests.json', publicPost())).json[0].service_request_id;
  const cookie = await w.as('admin');
  for (const [action, extra] of [['dispatch', {}], ['accept', {}], ['resolve', { note: 'permit issued' }]]) {
    const r = await w.api('POST', `/api/v1/orders/${id}/actions`, { cookie, body: { action, ...extra } });
    assert.ok(r.status < 300, `${action}: ${show(r)}`);
  }
  assert.equal((await get(`/open311/v2/requests/${id}.json`)).json[0].status, 'closed');
  assert.ok((await get('/open311/v2/requests.json?status=closed')).json.some((x) => x.service_request_id === id));
});

test('POST requests is rate-limited per client (429 with Retry-After)', async () => {
  let limited = null;
  for (let i = 0; i < 40 && !limited; i++) {
    const r = await post('/open311/v2/requests.json', { ...goodPost(), api_key: 'bad' });
    if (r.status === 429) limited = r;
  }
  assert.ok(limited, 'no 429 after 40 posts');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
});
