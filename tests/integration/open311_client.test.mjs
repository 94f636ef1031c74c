// Open311 GeoReport v2 against a FixMyStreet-style client: the POSTs and
// reads of tests/integration/open311_fms_client.pl (LWP, HTTP::Request::Common
// and XML::Simple, the stack of FixMyStreet's own Open311 module) with only
// the standard fields, form-urlencoded and multipart with a media photo;
// mySociety's servicerequestupdates feed after dispatch and resolve (the
// public note in it, a private note never); comma-separated status; the
// spec's error list for the server's own 404/405/413/429 in JSON and XML;
// and CORS on the public reads. (npm's "open311" package cannot be used:
// its last release depends on a git URL and 2012-era native modules.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createWorld, GONGSHU_PACK, show, rawHttp } from './harness.mjs';

const FACILITY = 'light'; // an option of street_facility's "facility" list (scenarios/gongshu/matters.json)
const CLIENT = path.join(path.dirname(new URL(import.meta.url).pathname), 'open311_fms_client.pl');

let w, tmp;
let closedId; // a public request dispatched, accepted and resolved (the status test makes it)
before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['smart_site'] });
  if (!w.base) await w.start();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-o311-'));
});
after(async () => {
  await w?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs the Perl client; returns {status, parsed, headers, request_type}. */
function fms(verb, p, fields) {
  const args = Object.entries(fields).map(([k, v]) => `${k}=${v}`);
  const r = spawnSync('perl', [CLIENT, w.base, verb, p, ...args], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, `perl client: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A 1x1 PNG, made here (signature, IHDR, IDAT, IEND with their CRCs). */
function png() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.from([0, 200, 30, 30]))), chunk('IEND', Buffer.alloc(0))]);
}

// What FixMyStreet sends by default: the standard fields, no attribute for
// what they already say (street_facility's required "location" is the
// position, its "details" the description; "facility" is an attribute).
const fmsDefault = () => ({
  api_key: w.token, jurisdiction_id: 'gongshu', service_code: 'street_facility',
  lat: '30.3401', long: '120.1302', address_string: '康桥路1号',
  description: 'title: 路灯不亮\n\ndetail: 康桥路口的路灯坏了\n\nSubmitted via FixMyStreet',
  email: 'citizen@example.com', first_name: 'Ming', last_name: 'Wang', phone: '13800002222',
  'attribute[facility]': FACILITY,
});

async function staffOrder(id) {
  const o = await w.get('admin', `/api/v1/orders/${id}`);
  assert.equal(o.status, 200, show(o));
  return o.json;
}

test('a FixMyStreet-style client posts only the standard fields, form-urlencoded and multipart with a media photo', async () => {
  const def = await w.api('GET', '/open311/v2/services/street_facility.json', {});
  const facility = def.json.attributes.find((a) => a.code === 'facility');
  assert.ok(facility, show(def));
  // the attributes the standard fields fill are not required of the client
  for (const code of ['details', 'location', 'photo', 'phone']) {
    const a = def.json.attributes.find((x) => x.code === code);
    assert.equal(a.required, false, code);
    assert.match(a.datatype_description, /standard field/);
  }
  assert.ok(facility.values.some((v) => v.key === FACILITY));
  const fields = fmsDefault();

  const form = fms('post-form', 'requests.xml', fields);
  assert.match(form.request_type, /application\/x-www-form-urlencoded/);
  assert.equal(form.status, 201, JSON.stringify(form));
  const id1 = form.parsed.request[0].service_request_id;
  assert.match(id1, /^\d+$/);
  const o1 = await staffOrder(id1);
  assert.equal(o1.order.channel, 'open311');
  assert.equal(o1.order.matter, 'street_facility');
  assert.match(o1.order.description, /康桥路口的路灯坏了/);

  const photo = path.join(tmp, 'photo.png');
  fs.writeFileSync(photo, png());
  const multi = fms('post-multipart', 'requests.xml', { ...fields, media: `@${photo}` });
  assert.match(multi.request_type, /multipart\/form-data; boundary=/);
  assert.equal(multi.status, 201, JSON.stringify(multi));
  const id2 = multi.parsed.request[0].service_request_id;
  const o2 = await staffOrder(id2);
  assert.match(o2.order.description, /康桥路口的路灯坏了/, 'multipart text fields arrive whole (UTF-8)');
  assert.equal(o2.evidence.length, 1, 'the media file is the report\'s photo');
  const pic = await w.get('admin', o2.evidence[0].url);
  assert.equal(pic.status, 200);
  assert.match(pic.headers.get('content-type'), /image\/png/);

  // a multipart POST missing what no standard field gives is refused in the spec's shape
  const { 'attribute[facility]': _, ...noFacility } = fields;
  const bad = fms('post-multipart', 'requests.xml', noFacility);
  assert.equal(bad.status, 400);
  assert.equal(Number(bad.parsed.error[0].code), 400);
  assert.match(bad.parsed.error[0].description, /attribute\[facility\]/);
  // a media file that is no image: 415 in the spec's shape, nothing kept
  const txt = path.join(tmp, 'note.png');
  fs.writeFileSync(txt, 'not an image at all');
  const notImage = fms('post-multipart', 'requests.xml', { ...fields, media: `@${txt}` });
  assert.equal(notImage.status, 415, JSON.stringify(notImage));
  assert.equal(Number(notImage.parsed.error[0].code), 415);
});

test('GET requests takes a comma-separated status; the request names its department and public note', async () => {
  const mk = async () => (await w.api('POST', '/open311/v2/requests.json', {
    body: new URLSearchParams({ ...fmsDefault(), 'attribute[facility]': FACILITY }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  }));
  const a = await mk();
  assert.equal(a.status, 201, show(a));
  const open = a.json[0].service_request_id;
  const closed = (await mk()).json[0].service_request_id;
  const cookie = await w.as('admin');
  for (const [action, note] of [['dispatch', '内部：联系路灯所 13900003333'], ['accept', ''], ['resolve', '已更换灯泡，恢复照明']]) {
    const r = await w.api('POST', `/api/v1/orders/${closed}/actions`, { cookie, body: { action, ...(note ? { note } : {}) } });
    assert.ok(r.status < 300, `${action}: ${show(r)}`);
  }
  const ids = async (q) => (await w.api('GET', `/open311/v2/requests.json?${q}`, {})).json.map((x) => x.service_request_id);
  const both = await ids('status=open,closed');
  assert.ok(both.includes(open) && both.includes(closed), 'open,closed lists both');
  assert.ok(!(await ids('status=open')).includes(closed));
  assert.ok(!(await ids('status=closed')).includes(open));
  const bad = await w.api('GET', '/open311/v2/requests.json?status=open,maybe', {});
  assert.equal(bad.status, 400);
  assert.equal(bad.json[0].code, 400);

  const one = (await w.api('GET', `/open311/v2/requests/${closed}.json`, {})).json[0];
  assert.equal(one.status, 'closed');
  assert.equal(one.status_notes, '已更换灯泡，恢复照明');
  const dept = (await staffOrder(closed)).order.department;
  const names = (await w.get('admin', '/api/v1/departments')).json;
  const list = Array.isArray(names) ? names : names.departments;
  const d = list.find((x) => (x.id ?? x.key) === dept);
  assert.ok(d, `department ${dept} in ${JSON.stringify(names).slice(0, 300)}`);
  assert.equal(one.agency_responsible, d.name_zh, 'agency_responsible is the department\'s name');
  assert.doesNotMatch(JSON.stringify(one), /13900003333|内部/);
  const still = (await w.api('GET', `/open311/v2/requests/${open}.json`, {})).json[0];
  assert.equal(still.status_notes, '', 'no note before a resolution');
  closedId = closed;
});

test('servicerequestupdates lists each change of state of public requests with the public note, read by the FixMyStreet-style client', async () => {
  const closed = closedId;
  assert.ok(closed, 'the previous test resolved a request');
  const start = new Date(Date.now() - 3600e3).toISOString();
  const end = new Date(Date.now() + 60e3).toISOString();
  const x = fms('get', 'servicerequestupdates.xml', { start_date: start, end_date: end, jurisdiction_id: 'gongshu' });
  assert.equal(x.status, 200, JSON.stringify(x));
  const mine = x.parsed.request_update.filter((u) => u.service_request_id === closed);
  assert.deepEqual(mine.map((u) => u.external_status_code), ['dispatched', 'accepted', 'resolved']);
  assert.deepEqual(mine.map((u) => u.status), ['open', 'open', 'closed']);
  for (const u of mine) {
    assert.match(u.update_id, /^\d+$/);
    assert.match(u.updated_datetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  }
  assert.equal(mine[2].description, '已更换灯泡，恢复照明');
  assert.equal(typeof mine[0].description, 'object', 'no public note on the dispatch: an empty element');
  // the private dispatch note is nowhere, in either format
  const j = await w.api('GET', `/open311/v2/servicerequestupdates.json?start_date=${encodeURIComponent(start)}&end_date=${encodeURIComponent(end)}`, {});
  assert.equal(j.status, 200);
  assert.doesNotMatch(j.text, /13900003333|内部/);
  const ju = j.json.filter((u) => u.service_request_id === closed);
  assert.deepEqual(ju.map((u) => u.update_id), mine.map((u) => u.update_id));
  assert.deepEqual(Object.keys(ju[0]).sort(), ['description', 'external_status_code', 'media_url', 'service_request_id', 'status', 'update_id', 'updated_datetime']);
  // non-public orders never show: a parking permit's changes stay out
  const permit = await w.api('POST', '/open311/v2/requests.json', {
    body: new URLSearchParams({ api_key: w.token, service_code: 'park_parking_permit', lat: '30.3401', long: '120.1302', 'attribute[contact_phone]': '13800001111', 'attribute[plate]': '浙A12345', 'attribute[lot]': 'wanggu' }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(permit.status, 201, show(permit));
  const pid = permit.json[0].service_request_id;
  const r = await w.api('POST', `/api/v1/orders/${pid}/actions`, { cookie: await w.as('admin'), body: { action: 'dispatch' } });
  assert.ok(r.status < 300, show(r));
  const after = await w.api('GET', `/open311/v2/servicerequestupdates.json?start_date=${encodeURIComponent(start)}`, {});
  assert.ok(after.json.some((u) => u.service_request_id === closed));
  assert.ok(!after.json.some((u) => u.service_request_id === pid), 'a private order\'s update leaked');
  // a window before anything happened is empty
  assert.deepEqual((await w.api('GET', '/open311/v2/servicerequestupdates.json?start_date=2020-01-01T00:00:00Z&end_date=2020-01-02T00:00:00Z', {})).json, []);
  assert.equal((await w.api('GET', '/open311/v2/servicerequestupdates.json?start_date=soon', {})).status, 400);
});

test('the public reads carry CORS for any origin; the POST does not', async () => {
  const g = await w.api('GET', '/open311/v2/services.json', { headers: { Origin: 'https://map.example.org' } });
  assert.equal(g.headers.get('access-control-allow-origin'), '*');
  const e = await w.api('GET', '/open311/v2/requests/999999.xml', { headers: { Origin: 'https://map.example.org' } });
  assert.equal(e.status, 404);
  assert.equal(e.headers.get('access-control-allow-origin'), '*', 'errors of reads too');
  const pre = await w.api('OPTIONS', '/open311/v2/requests.json', {
    headers: { Origin: 'https://map.example.org', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'accept-language' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), '*');
  assert.match(pre.headers.get('access-control-allow-methods'), /GET/);
  assert.doesNotMatch(pre.headers.get('access-control-allow-methods'), /POST/);
  const p = await w.api('POST', '/open311/v2/requests.json', {
    body: new URLSearchParams({ ...fmsDefault(), api_key: 'bad' }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://map.example.org' },
  });
  assert.equal(p.status, 403);
  assert.equal(p.headers.get('access-control-allow-origin'), null);
});

/** Asserts the spec's error list in JSON or XML with status. */
function specError(r, status, xml) {
  assert.equal(r.status, status, show(r));
  if (xml) {
    assert.match(r.headers.get('content-type'), /text\/xml/);
    assert.match(r.text, new RegExp(`^<\\?xml[^>]*\\?>\\s*<errors>\\s*<error>\\s*<code>${status}</code>\\s*<description>[^<]+</description>\\s*</error>\\s*</errors>\\s*$`));
  } else {
    assert.ok(Array.isArray(r.json) && r.json.length === 1, show(r));
    assert.equal(r.json[0].code, status);
    assert.equal(typeof r.json[0].description, 'string');
    assert.ok(r.json[0].description.length > 0);
  }
}

test('the server\'s own 404, 405, 413 and 429 on /open311 paths are the spec\'s error list, in JSON and XML', async () => {
  for (const ext of ['json', 'xml']) {
    const xml = ext === 'xml';
    // no route: a path deeper than any method
    specError(await w.api('GET', `/open311/v2/requests/1/notes.${ext}`, {}), 404, xml);
    specError(await w.api('POST', `/open311/v2/tokens/abc/def.${ext}`, { body: 'a=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 404, xml);
    // a method the path does not take
    specError(await w.api('DELETE', `/open311/v2/requests.${ext}`, {}), 405, xml);
    specError(await w.api('PUT', `/open311/v2/services/street_facility.${ext}`, { body: 'x' }), 405, xml);
    // a body over the cap (the photo's 5 MiB and the fields), refused from its Content-Length
    const head = `POST /open311/v2/requests.${ext} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: ${6 << 20}\r\n\r\n`;
    const big = await rawHttp(w.server.port, head, 5000);
    assert.equal(big.status, 413, big.text);
    const body = big.text.split('\r\n\r\n').slice(1).join('\r\n\r\n');
    if (xml) assert.match(body, /<errors>\s*<error>\s*<code>413<\/code>/);
    else assert.equal(JSON.parse(body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, ''))[0].code, 413);
  }
  // zhizhi's own paths keep zhizhi's shape
  const own = await w.api('DELETE', '/api/v1/orders', {});
  assert.ok(own.json && own.json.error, show(own));
  // the rate limit: 429 with Retry-After, in XML when the path says so
  let limited = null;
  for (let i = 0; i < 40 && !limited; i++) {
    const r = await w.api('POST', '/open311/v2/requests.xml', { body: 'api_key=bad', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    if (r.status === 429) limited = r;
  }
  assert.ok(limited, 'no 429 after 40 posts');
  specError(limited, 429, true);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  const lj = await w.api('POST', '/open311/v2/requests.json', { body: 'api_key=bad', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  specError(lj, 429, false);
});
