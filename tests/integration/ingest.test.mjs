// Ingest: POST /api/v1/records (NDJSON and CSV), every bad-line code with its
// line number, the 64 KiB line limit, atomic, idempotent resends, and the
// whole-request errors (401, 413, 415); POST /api/v1/events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createWorld, errorOf, show, iso, qs, localMidnight, HOUR, DAY, rawHttp } from './harness.mjs';

let w;
before(async () => { w = await createWorld(); });
after(async () => { await w?.close(); });

// Base of this file's data: local midnight three days ago. Each test writes
// its own hour (B + k h) so that the tests do not see each other's records.
const B = localMidnight(Date.now()) - 3 * DAY;
const hourOf = (k) => B + k * HOUR;

/** series over one hour [t, t+1h) of a region: {total, points} with agg. */
async function hour(t, { metric = 'visitors', region = 'gongshu', agg = 'sum' } = {}) {
  const r = await w.get('admin', `/api/v1/series?${qs({ metric, region, agg, grain: 'hour', from: iso(t), to: iso(t + HOUR) })}`);
  assert.equal(r.status, 200, show(r));
  return r.json;
}

const NDJSON = { 'Content-Type': 'application/x-ndjson' };
const CSV = { 'Content-Type': 'text/csv' };
const post = (body, headers = NDJSON, { token = w.token, path = '/api/v1/records' } = {}) =>
  w.api('POST', path, { token, body, headers });

test('NDJSON: every record is accepted, stored and counted once', async () => {
  const t = hourOf(1);
  const body = [
    { entity: 'c-xtd-1', metric: 'visitors', ts: t + 60e3, value: 10 },               // epoch ms
    { entity: 'c-xtd-2', metric: 'visitors', ts: iso(t + 2 * 60e3), value: 20.5 },    // RFC 3339 +08:00
    { entity: 'c-dx-1', metric: 'visitors', ts: new Date(t + 3 * 60e3).toISOString(), value: 30 }, // RFC 3339 Z, ms
  ].map((r) => JSON.stringify(r)).join('\n'); // no newline after the last line
  const r = await post(body);
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(r.json, { accepted: 3, replaced: 0, rejected: [], rejected_total: 0 });
  const s = await hour(t);
  assert.equal(s.total, 60.5);
  const n = await hour(t, { agg: 'count' });
  assert.equal(n.total, 3);
  const xtd = await hour(t, { region: 'gongshu/dongxin/xintiandi' });
  assert.equal(xtd.total, 30.5, 'records roll up to their own region and its ancestors');
});

test('NDJSON: Content-Type parameters are allowed; blank lines are skipped', async () => {
  const t = hourOf(2);
  const body = '\n' + JSON.stringify({ entity: 'c-hs-1', metric: 'visitors', ts: t, value: 1 }) + '\n\n   \n' +
    JSON.stringify({ entity: 'c-hs-1', metric: 'visitors', ts: t + 1000, value: 2 }) + '\n\n';
  const r = await post(body, { 'Content-Type': 'application/x-ndjson; charset=utf-8' });
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.accepted, 2);
  assert.equal(r.json.rejected_total, 0, show(r));
  assert.equal((await hour(t)).total, 3);
  for (const [i, ct] of ['application/jsonlines', 'application/json'].entries()) {
    const r2 = await post(JSON.stringify({ entity: 'c-hs-1', metric: 'visitors', ts: t + 10000 + i, value: 10 }), { 'Content-Type': ct });
    assert.equal(r2.status, 200, `${ct}: ${show(r2)}`);
    assert.equal(r2.json.accepted, 1);
  }
  assert.equal((await hour(t)).total, 23);
});

test('CSV: the header may come in any order; CRLF and quoted fields work', async () => {
  const t = hourOf(3);
  const csv = `value,ts,entity,metric\n5,${iso(t)},c-xtd-1,visitors\n6,${t + 1000},c-xtd-2,visitors\n` +
    `7.25,"${iso(t + 2000)}","c-bb-1",visitors\n`;
  const r = await post(csv, CSV);
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(r.json, { accepted: 3, replaced: 0, rejected: [], rejected_total: 0 });
  assert.equal((await hour(t)).total, 18.25);
  assert.equal((await hour(t, { region: 'gongshu/kejipark' })).total, 7.25);

  const crlf = `entity,metric,ts,value\r\nc-dx-1,visitors,${iso(t + 3000)},100\r\nc-dx-1,visitors,${iso(t + 4000)},200\r\n`;
  const r2 = await post(crlf, { 'Content-Type': 'text/csv; charset=utf-8' });
  assert.equal(r2.status, 200, show(r2));
  assert.equal(r2.json.accepted, 2, show(r2));
  assert.equal((await hour(t)).total, 318.25);
});

function lineOfLength(n, ts, entity = 'c-hs-1') {
  const head = `{"entity":"${entity}","metric":"visitors","ts":${ts},"value":1`;
  return head + ' '.repeat(n - head.length - 1) + '}';
}

test('NDJSON: every bad line is reported with its code and line number; good lines are stored', async () => {
  const t = hourOf(4);
  const good = (i, v) => JSON.stringify({ entity: 'c-xtd-1', metric: 'visitors', ts: t + i * 1000, value: v });
  const lines = [
    /* 1 */ good(1, 1),
    /* 2 */ '{"entity":"c-xtd-1","metric":"visitors","ts":1,',
    /* 3 */ JSON.stringify({ entity: 'c-xtd-1', metric: 'visitors', ts: t }),
    /* 4 */ JSON.stringify({ entity: 'c-xtd-1', metric: 'visitors', ts: t, value: '12' }),
    /* 5 */ `{"entity":"c-xtd-1","metric":"visitors","ts":${t},"value":1e999}`,
    /* 6 */ JSON.stringify({ entity: 'c-xtd-1', metric: 'visitors', ts: 'yesterday', value: 1 }),
    /* 7 */ JSON.stringify({ entity: 'c-xtd-1', metric: 'visitors', ts: '1999-12-31T23:59:59+08:00', value: 1 }),
    /* 8 */ JSON.stringify({ entity: 'c-xtd-1', metric: 'visitors', ts: Date.now() + 2 * DAY, value: 1 }),
    /* 9 */ lineOfLength(65537, t),
    /* 10 */ JSON.stringify({ entity: 'no-such-counter', metric: 'visitors', ts: t, value: 1 }),
    /* 11 */ JSON.stringify({ entity: 'c-xtd-1', metric: 'no_such_metric', ts: t, value: 1 }),
    /* 12 */ JSON.stringify({ entity: 'p-xtd-1', metric: 'visitors', ts: t, value: 1 }),
    /* 13 */ '',
    /* 14 */ good(2, 2),
    /* 15 */ '[1,2,3]',
    /* 16 */ JSON.stringify({ entity: 42, metric: 'visitors', ts: t, value: 1 }),
    /* 17 */ JSON.stringify({ metric: 'visitors', ts: t, value: 1 }),
    /* 18 */ JSON.stringify({ entity: 'c-xtd-1', metric: 'visitors', ts: t, value: null }),
    /* 19 */ good(3, 4),
  ];
  const r = await post(lines.join('\n') + '\n');
  assert.equal(r.status, 200, 'some lines were stored: 200');
  assert.equal(r.json.accepted, 3, show(r));
  assert.equal(r.json.replaced, 0);
  assert.equal(r.json.rejected_total, 15);
  const got = r.json.rejected.map((x) => [x.line, x.code]);
  // a JSON value that is not an object, and a null value: either code is fair
  const either = { 15: ['malformed_json', 'wrong_type'], 18: ['wrong_type', 'missing_field'] };
  const norm = got.map(([l, c]) => [l, either[l]?.includes(c) ? either[l][0] : c]);
  assert.deepEqual(norm, [
    [2, 'malformed_json'], [3, 'missing_field'], [4, 'wrong_type'], [5, 'not_finite'], [6, 'bad_time'],
    [7, 'time_out_of_range'], [8, 'time_out_of_range'], [9, 'line_too_long'], [10, 'unknown_entity'],
    [11, 'unknown_metric'], [12, 'metric_mismatch'], [15, 'malformed_json'], [16, 'wrong_type'],
    [17, 'missing_field'], [18, 'wrong_type'],
  ], `rejections: ${JSON.stringify(r.json.rejected)}`);
  for (const x of r.json.rejected) assert.ok(typeof x.message === 'string' && x.message.length >= 8, `line ${x.line}: message "${x.message}"`);
  const m = Object.fromEntries(r.json.rejected.map((x) => [x.line, x.message]));
  assert.match(m[3], /value/, 'missing_field names the field');
  assert.match(m[10], /no-such-counter/, 'unknown_entity names the entity');
  assert.match(m[11], /no_such_metric/, 'unknown_metric names the metric');
  assert.equal((await hour(t)).total, 7, 'exactly the three good lines are stored');
});

test('the 64 KiB line limit: 65,536 bytes pass, 65,537 are refused, and the next line still counts', async () => {
  const t = hourOf(5);
  const body = [lineOfLength(65536, t), lineOfLength(65537, t + 1000), lineOfLength(120, t + 2000),
    lineOfLength(200000, t + 3000), lineOfLength(90, t + 4000)].join('\n') + '\n';
  const r = await post(body);
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(r.json.rejected.map((x) => [x.line, x.code]), [[2, 'line_too_long'], [4, 'line_too_long']]);
  assert.equal(r.json.accepted, 3);
  assert.equal((await hour(t, { agg: 'count' })).total, 3);
});

test('CSV: bad_csv, bad values and their line numbers; a bad header refuses the body', async () => {
  const t = hourOf(6);
  const csv = [
    /* 1 */ 'entity,metric,ts,value',
    /* 2 */ `c-xtd-1,visitors,${iso(t)},1`,
    /* 3 */ `c-xtd-1,visitors,"${iso(t + 1000)},1`,
    /* 4 */ `c-xtd-1,visitors,${iso(t + 2000)},1,extra`,
    /* 5 */ `c-xtd-1,visitors,${iso(t + 3000)},abc`,
    /* 6 */ `c-xtd-1,visitors,${iso(t + 4000)},NaN`,
    /* 7 */ `c-xtd-1,visitors,not-a-time,1`,
    /* 8 */ `c-xtd-1,visitors,${iso(t + 5000)},`,
    /* 9 */ `nobody,visitors,${iso(t + 6000)},1`,
    /* 10 */ `p-xtd-1,visitors,${iso(t + 7000)},1`,
    /* 11 */ `c-xtd-1,visitors,${iso(t + 8000)},2`,
  ].join('\n') + '\n';
  const r = await post(csv, CSV);
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.accepted, 2, show(r));
  const byLine = Object.fromEntries(r.json.rejected.map((x) => [x.line, x.code]));
  assert.equal(byLine[3], 'bad_csv', 'an unterminated quote');
  assert.equal(byLine[4], 'bad_csv', 'a line with more fields than the header');
  assert.equal(byLine[5], 'wrong_type');
  assert.equal(byLine[6], 'not_finite');
  assert.equal(byLine[7], 'bad_time');
  assert.ok(['missing_field', 'wrong_type'].includes(byLine[8]), `empty value: ${byLine[8]}`);
  assert.equal(byLine[9], 'unknown_entity');
  assert.equal(byLine[10], 'metric_mismatch');
  assert.equal(r.json.rejected_total, 8);
  assert.equal((await hour(t)).total, 3);

  const noValue = await post(`entity,metric,ts\nc-xtd-1,visitors,${iso(t + 9000)}\n`, CSV);
  assert.equal(noValue.status, 400, show(noValue));
  assert.equal(noValue.json.accepted, 0);
  assert.deepEqual(noValue.json.rejected[0] && [noValue.json.rejected[0].line, noValue.json.rejected[0].code], [1, 'bad_header']);
  assert.match(noValue.json.rejected[0].message, /value/, 'bad_header names the missing column');
  const dupCol = await post(`entity,metric,ts,value,value\nc-xtd-1,visitors,${iso(t + 9000)},1,2\n`, CSV);
  assert.equal(dupCol.status, 400, show(dupCol));
  assert.equal(dupCol.json.rejected[0].code, 'bad_header');
  assert.equal((await hour(t)).total, 3, 'nothing of a bad-header body is stored');
});

test('more than 100 bad lines: the first 100 are listed, rejected_total counts all; all bad is 400', async () => {
  const t = hourOf(7);
  const lines = [];
  for (let i = 0; i < 150; i++) lines.push(JSON.stringify({ entity: `ghost-${i}`, metric: 'visitors', ts: t, value: 1 }));
  const r = await post(lines.join('\n') + '\n');
  assert.equal(r.status, 400, 'every line rejected: 400');
  assert.equal(r.json.accepted, 0);
  assert.equal(r.json.rejected_total, 150);
  assert.equal(r.json.rejected.length, 100);
  assert.deepEqual(r.json.rejected.map((x) => x.line), Array.from({ length: 100 }, (_, i) => i + 1));
  assert.ok(r.json.rejected.every((x) => x.code === 'unknown_entity'));
});

test('an empty body or only blank lines is 200 with nothing accepted', async () => {
  const r = await post('');
  assert.equal(r.status, 200, show(r));
  assert.deepEqual(r.json, { accepted: 0, replaced: 0, rejected: [], rejected_total: 0 });
  const r2 = await post('\n\n  \n');
  assert.equal(r2.status, 200, show(r2));
  assert.equal(r2.json.accepted, 0);
});

test('atomic=1: one bad line stores nothing and answers 400 with the report; a clean body is stored', async () => {
  const t = hourOf(8);
  const good = [0, 1, 2].map((i) => ({ entity: 'c-wg-1', metric: 'visitors', ts: t + i * 1000, value: 100 + i }));
  const bad = [...good.map((r) => JSON.stringify(r)), JSON.stringify({ entity: 'c-wg-1', metric: 'visitors', ts: 'later', value: 1 })];
  const r = await post(bad.join('\n') + '\n', NDJSON, { path: '/api/v1/records?atomic=1' });
  assert.equal(r.status, 400, show(r));
  assert.equal(r.json.accepted, 0);
  assert.equal(r.json.replaced, 0);
  assert.deepEqual(r.json.rejected.map((x) => [x.line, x.code]), [[4, 'bad_time']]);
  assert.equal((await hour(t, { agg: 'count' })).total, 0, 'atomic refused: nothing stored');
  const latest = await w.get('admin', '/api/v1/latest?metric=visitors&region=gongshu/kejipark/wanggu');
  assert.ok(!latest.json.items.some((i) => i.entity === 'c-wg-1'), `no series for c-wg-1 yet: ${latest.text}`);

  const csvBad = `entity,metric,ts,value\nc-wg-1,visitors,${iso(t + 5000)},1\nc-wg-1,visitors,${iso(t + 6000)},x\n`;
  const rc = await post(csvBad, CSV, { path: '/api/v1/records?atomic=1' });
  assert.equal(rc.status, 400, show(rc));
  assert.equal((await hour(t, { agg: 'count' })).total, 0, 'atomic CSV refused: nothing stored');

  const ok = await post(good.map((x) => JSON.stringify(x)).join('\n'), NDJSON, { path: '/api/v1/records?atomic=1' });
  assert.equal(ok.status, 200, show(ok));
  assert.equal(ok.json.accepted, 3);
  assert.equal((await hour(t)).total, 303);
});

test('resending the same records replaces them: replaced = N, totals count each once with the new value', async () => {
  const t = hourOf(9);
  const recs = (vals) => vals.map((v, i) => ({ entity: 'c-dx-1', metric: 'visitors', ts: t + i * 60e3, value: v }));
  const first = await w.ingest(recs([1, 2, 3, 4, 5]));
  assert.deepEqual(first.json, { accepted: 5, replaced: 0, rejected: [], rejected_total: 0 });
  assert.equal((await hour(t)).total, 15);
  const again = await w.ingest(recs([10, 11, 12, 13, 14]));
  assert.equal(again.status, 200, show(again));
  assert.equal(again.json.replaced, 5);
  assert.equal(again.json.accepted, 0, 'accepted counts new records only');
  assert.equal((await hour(t)).total, 60);
  assert.equal((await hour(t, { agg: 'count' })).total, 5);
  assert.equal((await hour(t, { agg: 'max' })).total, 14);
  // lower values: the old max and min must not survive in the rollup
  await w.ingest(recs([3, 3, 3, 3, 3]));
  assert.equal((await hour(t, { agg: 'max' })).total, 3, 'max recomputed after replacement');
  assert.equal((await hour(t, { agg: 'min' })).total, 3);
  assert.equal((await hour(t)).total, 15);
  assert.equal((await hour(t, { region: 'gongshu/dongxin' })).total, 15, 'ancestors see the replacement too');
  // the same instant written another way is the same record
  const same = await w.ingest([{ entity: 'c-dx-1', metric: 'visitors', ts: iso(t), value: 7 },
    { entity: 'c-dx-1', metric: 'visitors', ts: new Date(t + 60e3).toISOString(), value: 7 }]);
  assert.equal(same.json.replaced, 2, show(same));
  assert.equal((await hour(t)).total, 23);
  // a partial resend mixes both
  const mixed = await w.ingest(recs([3, 3, 3, 3, 3, 3, 3]));
  assert.equal(mixed.json.replaced, 5);
  assert.equal(mixed.json.accepted, 2);
  assert.equal((await hour(t, { agg: 'count' })).total, 7);
  // the latest value follows the replacement
  const latest = await w.get('admin', '/api/v1/latest?metric=visitors&region=gongshu/dongxin');
  const item = latest.json.items.find((i) => i.entity === 'c-dx-1');
  assert.ok(item, latest.text);
});

test('401 for a missing, unknown or malformed token; a session cookie is not a token', async () => {
  const body = JSON.stringify({ entity: 'c-hs-1', metric: 'visitors', ts: hourOf(10), value: 1 }) + '\n';
  const cases = [
    ['no Authorization', {}],
    ['unknown token', { Authorization: 'Bearer zz_thisisnotarealtokenatall000000000000' }],
    ['not Bearer', { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['empty Bearer', { Authorization: 'Bearer ' }],
    ['session cookie', { Cookie: await w.as('admin') }],
  ];
  for (const [label, h] of cases) {
    const r = await w.api('POST', '/api/v1/records', { body, headers: { ...NDJSON, ...h } });
    assert.equal(r.status, 401, `${label}: ${show(r)}`);
    assert.equal(errorOf(r).code, 'unauthorized', label);
  }
  assert.equal((await hour(hourOf(10), { agg: 'count' })).total, 0, 'nothing stored');
});

test('415 for other content types, with nothing stored', async () => {
  const t = hourOf(11);
  const body = JSON.stringify({ entity: 'c-hs-1', metric: 'visitors', ts: t, value: 1 }) + '\n';
  for (const ct of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', undefined]) {
    const r = await w.api('POST', '/api/v1/records', { token: w.token, body: Buffer.from(body), headers: ct ? { 'Content-Type': ct } : {} });
    assert.equal(r.status, 415, `Content-Type ${ct}: ${show(r)}`);
    assert.equal(errorOf(r).code, 'unsupported_media_type');
  }
  const ev = await w.api('POST', '/api/v1/events', { token: w.token, body: 'entity,kind,ts\nc-hs-1,door_open,2026-01-01T00:00:00+08:00\n', headers: CSV });
  assert.equal(ev.status, 415, `events are NDJSON only: ${show(ev)}`);
  assert.equal((await hour(t, { agg: 'count' })).total, 0);
});

test('POST /api/v1/events takes NDJSON events and reports bad lines like records', async () => {
  const t = hourOf(12);
  const lines = [
    JSON.stringify({ entity: 'c-xtd-1', kind: 'door_open', ts: iso(t), data: { gate: 'north', people: 3 } }),
    JSON.stringify({ entity: 'g-xtd-1', kind: 'patrol_checkin', ts: t + 1000, data: {} }),
    JSON.stringify({ entity: 'c-xtd-1', ts: t, data: {} }),
    JSON.stringify({ entity: 'nobody', kind: 'door_open', ts: t, data: {} }),
    JSON.stringify({ entity: 'c-xtd-1', kind: 'door_open', ts: 'soon', data: {} }),
    '{"entity":',
    JSON.stringify({ entity: 'l-xtd-1', kind: 'fault', ts: t + 2000, data: { code: 'E12' } }),
  ];
  const records = (await w.api('GET', '/healthz')).json.records;
  const r = await w.api('POST', '/api/v1/events', { token: w.token, body: lines.join('\n') + '\n', headers: NDJSON });
  assert.equal(r.status, 200, show(r));
  assert.equal((await w.api('GET', '/healthz')).json.records, records, 'healthz counts records, not events');
  assert.equal(r.json.accepted, 3);
  assert.equal(r.json.replaced, 0);
  assert.deepEqual(r.json.rejected.map((x) => [x.line, x.code]),
    [[3, 'missing_field'], [4, 'unknown_entity'], [5, 'bad_time'], [6, 'malformed_json']]);
  assert.equal(r.json.rejected_total, 4);
  const noTok = await w.api('POST', '/api/v1/events', { body: lines[0], headers: NDJSON });
  assert.equal(noTok.status, 401, show(noTok));
  const allBad = await w.api('POST', '/api/v1/events', { token: w.token, body: lines[3] + '\n', headers: NDJSON });
  assert.equal(allBad.status, 400, show(allBad));
});

test('--body-cap: a body over the cap is 413 and stores nothing; one at the cap is taken', async () => {
  await w.stop();
  w.serveArgs = ['--body-cap', '1000'];
  await w.start();
  w.cookies = {};
  const t = hourOf(13);
  const lineAt = (i) => JSON.stringify({ entity: 'c-bb-1', metric: 'visitors', ts: t + i * 1000, value: 1 });
  const fill = (n) => { // exactly n bytes of complete lines
    const ls = [];
    let size = 0, i = 0;
    while (size + lineAt(i).length + 1 <= n - 120) { ls.push(lineAt(i)); size += lineAt(i).length + 1; i++; }
    let body = ls.join('\n') + '\n';
    const last = `{"entity":"c-bb-1","metric":"visitors","ts":${t + i * 1000},"value":1`;
    body += last + ' '.repeat(n - body.length - last.length - 2) + '}\n';
    assert.equal(Buffer.byteLength(body), n);
    return { body, lines: i + 1 };
  };
  const over = fill(1001);
  let r;
  try {
    r = await post(over.body);
  } catch (e) {
    assert.fail(`a body over the cap must get an answer (413), not a dropped connection: ${e.cause?.code || e.message}`);
  }
  assert.equal(r.status, 413, show(r));
  assert.equal(errorOf(r).code, 'too_large');
  assert.equal((await hour(t, { agg: 'count' })).total, 0, 'nothing of a refused body is stored');

  // a big body is refused from its Content-Length, before it is sent
  const r2 = await rawHttp(w.server.port, `POST /api/v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${w.token}\r\n` +
    `Content-Type: application/x-ndjson\r\nContent-Length: 200000\r\n\r\n`);
  assert.equal(r2.status, 413, JSON.stringify(r2));

  const at = fill(1000);
  const ok = await post(at.body);
  assert.equal(ok.status, 200, show(ok));
  assert.equal(ok.json.accepted, at.lines);
  assert.equal((await hour(t, { agg: 'count' })).total, at.lines);

  // the server is still healthy after refusing
  const h = await w.api('GET', '/healthz');
  assert.equal(h.status, 200);
});
