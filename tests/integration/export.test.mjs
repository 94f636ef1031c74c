// Downloads (?format=csv|xlsx, lang=zh|en): the order list with its
// filters, alerts, the order statistics and a query answer, as CSV (UTF-8
// BOM, RFC 4180, formula-safe) and XLSX (a zip with the sheet), names and
// Shanghai times instead of ids, the row cap (a small one set for this
// server: ZZ_TEST_EXPORT_CAP) with a 413 that names it, and scope: an
// export shows no more than the JSON answer would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorOf, show } from './harness.mjs';
import { dispatchWorld, minuteNow } from './lib/dispatch.mjs';

process.env.ZZ_TEST_EXPORT_CAP = '6';

let w;
const XTD = 'gongshu/dongxin/xintiandi';
const BOM = '\uFEFF';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-export-'));

/** RFC 4180 rows of text (CRLF, quoted fields with doubled quotes). */
export function parseCsv(text) {
  const rows = [];
  let row = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') q = false; else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field); rows.push(row); row = []; field = ''; i++;
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** GET as who, returning status, headers and the raw bytes. */
async function download(who, p) {
  const res = await fetch(w.base + p, { headers: { Cookie: await w.u(who) } });
  return { status: res.status, headers: res.headers, buf: Buffer.from(await res.arrayBuffer()) };
}

async function csv(who, p) {
  const r = await download(who, p);
  assert.equal(r.status, 200, `${p}: ${r.buf.toString().slice(0, 300)}`);
  assert.match(r.headers.get('content-type'), /^text\/csv; charset=utf-8/);
  const text = r.buf.toString('utf8');
  assert.ok(text.startsWith(BOM), 'starts with the UTF-8 byte-order mark');
  assert.deepEqual([...r.buf.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  return { rows: parseCsv(text.slice(1)), headers: r.headers };
}

before(async () => {
  w = await dispatchWorld();
  await w.at(minuteNow());
  const mk = (body) => w.ok('disp', 'POST', '/api/v1/orders', { region: XTD, ...body }, 201);
  await mk({ matter: 'illegal_parking', title: '=HYPERLINK("http://evil")', description: '含,逗号和"引号"\n第二行',
    lon: 120.181, lat: 30.312 });
  const b = (await mk({ matter: 'environmental_hygiene', title: '垃圾', entity: 'xtd-elev-001' })).order.id;
  await w.act('disp', b, 'dispatch');
  await mk({ matter: 'noise_disturbance', title: '+噪音', region: 'gongshu/hushu' });
  const j = (await mk({ matter: 'elevator_fault', title: '电梯困人', region: 'gongshu/hushu' })).order.id;
  await w.act('disp', j, 'dispatch');
  await mk({ matter: 'lost_and_found', title: '@失物', region: 'gongshu/hushu' });
  await mk({ matter: 'lost_and_found', title: '-钱包', region: 'gongshu/hushu' });
  await mk({ matter: 'lost_and_found', title: '钥匙', region: 'gongshu/hushu' });
});
after(async () => { await w?.close(); fs.rmSync(tmp, { recursive: true, force: true }); });

test('orders as CSV: BOM, Chinese headers, names, Shanghai times, quoting, formula-safe cells', async () => {
  const { rows, headers } = await csv('admin', `/api/v1/orders?region=${XTD}&format=csv`);
  const [head, ...body] = rows;
  assert.deepEqual(head.slice(0, 6), ['编号', '标题', '事项', '状态', '承办部门', '区域']);
  assert.equal(body.length, 2);
  const byTitle = Object.fromEntries(body.map((r) => [r[1], r]));
  const evil = byTitle['\'=HYPERLINK("http://evil")'];
  assert.ok(evil, `the formula is shown as text: ${JSON.stringify(body.map((r) => r[1]))}`);
  assert.equal(evil[2], '违停投诉');
  assert.equal(evil[3], '待派单');
  assert.equal(evil[5], '新天地街区');
  assert.equal(evil.at(-1), '含,逗号和"引号"\n第二行', 'commas, quotes and newlines survive');
  assert.match(evil[8], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  const now = new Date(Date.parse(new Date().toISOString()) + 8 * 3600e3); // Shanghai wall clock
  assert.equal(evil[8].slice(0, 10), now.toISOString().slice(0, 10));
  const hyg = byTitle['垃圾'];
  assert.equal(hyg[3], '已派单');
  assert.ok(hyg[4] && !/^[a-z_]+$/.test(hyg[4]), `department by name: ${hyg[4]}`);
  assert.ok(hyg[6] && hyg[6] !== 'xtd-elev-001', `the place by name: ${hyg[6]}`);
  const cd = headers.get('content-disposition');
  assert.match(cd, /^attachment; filename="orders-\d{4}-\d\d-\d\d\.csv"; filename\*=UTF-8''/);
  assert.ok(decodeURIComponent(cd.split("UTF-8''")[1]).startsWith('工单-'), cd);
});

test('orders in English; the other filters apply (state)', async () => {
  const { rows, headers } = await csv('admin', `/api/v1/orders?region=${XTD}&state=dispatched&format=csv&lang=en`);
  assert.deepEqual(rows[0].slice(0, 4), ['ID', 'Title', 'Matter', 'State']);
  assert.equal(rows.length, 2);
  assert.equal(rows[1][3], 'Dispatched');
  assert.ok(/^[A-Za-z]/.test(rows[1][2]), `matter in English: ${rows[1][2]}`);
  assert.match(headers.get('content-disposition'), /orders-\d{4}/);
});

test('scope: a leader of Dongxin exports Dongxin only; an officer its department', async () => {
  const { rows } = await csv('viewer', '/api/v1/orders?format=csv');
  assert.equal(rows.length - 1, 2, 'Hushu\'s orders are not in the viewer\'s file');
  const r = await download('disp_dx', '/api/v1/orders?region=gongshu/hushu&format=csv');
  assert.equal(r.status, 403);
  const um = await csv('um', '/api/v1/orders?format=csv');
  assert.deepEqual(um.rows.slice(1).map((x) => x[1]), ['垃圾']);
});

test('the row cap: 413 naming the cap and the filters; narrowing passes', async () => {
  const r = await download('admin', '/api/v1/orders?format=csv');
  assert.equal(r.status, 413, r.buf.toString());
  const e = JSON.parse(r.buf.toString()).error;
  assert.match(e.message, /at most 6 rows/);
  assert.match(e.message, /region/);
  const x = await download('admin', '/api/v1/orders?format=xlsx');
  assert.equal(x.status, 413);
  const ok = await csv('admin', '/api/v1/orders?region=gongshu/hushu&format=csv');
  assert.equal(ok.rows.length - 1, 5);
  const joint = ok.rows.find((r) => r[1] === '电梯困人');
  assert.equal(joint[4].split('、').length, 2, `a joint order names its departments: ${joint[4]}`);
  assert.equal(ok.rows.find((r) => r[1] === '钥匙')[4], '', 'not dispatched yet: no department');
});

test('orders as XLSX: a zip whose sheet holds the cells', async () => {
  const r = await download('admin', `/api/v1/orders?region=${XTD}&format=xlsx`);
  assert.equal(r.status, 200, r.buf.toString().slice(0, 300));
  assert.equal(r.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.equal(r.buf.subarray(0, 2).toString(), 'PK');
  const f = path.join(tmp, 'orders.xlsx');
  fs.writeFileSync(f, r.buf);
  execFileSync('unzip', ['-tq', f]);
  const sheet = execFileSync('unzip', ['-p', f, 'xl/worksheets/sheet1.xml']).toString('utf8');
  assert.match(sheet, /<t[^>]*>编号<\/t>/);
  assert.match(sheet, /<t[^>]*>违停投诉<\/t>/);
  assert.match(sheet, /<c r="B\d" t="inlineStr"><is><t>=HYPERLINK\("http:\/\/evil"\)<\/t>/, 'a text cell, never a formula');
  assert.doesNotMatch(sheet, /<f>/);
  const book = execFileSync('unzip', ['-p', f, 'xl/workbook.xml']).toString('utf8');
  assert.match(book, /name="工单"/);
});

test('statistics as CSV and XLSX', async () => {
  const { rows } = await csv('admin', '/api/v1/stats/orders?format=csv');
  assert.deepEqual(rows[0].slice(0, 3), ['维度', '名称', '工单数']);
  assert.deepEqual(rows[1].slice(0, 3), ['合计', '合计', '7']);
  const streets = rows.filter((r) => r[0] === '区域');
  assert.deepEqual(streets.map((r) => [r[1], r[2]]), [['湖墅街道', '5'], ['东新街道', '2']]);
  const en = await csv('admin', '/api/v1/stats/orders?format=csv&lang=en');
  assert.equal(en.rows[0][0], 'Group');
  assert.ok(en.rows.some((r) => r[0] === 'Matter' && r[1] === 'Lost and found' || r[0] === 'Matter'));
  const x = await download('viewer', '/api/v1/stats/orders?format=xlsx');
  assert.equal(x.status, 200);
  const f = path.join(tmp, 'stats.xlsx');
  fs.writeFileSync(f, x.buf);
  const sheet = execFileSync('unzip', ['-p', f, 'xl/worksheets/sheet1.xml']).toString('utf8');
  assert.match(sheet, /<t[^>]*>新天地街区<\/t>/);
  assert.doesNotMatch(sheet, /湖墅/, 'the viewer\'s scope');
});

test('alerts as CSV', async () => {
  const t = minuteNow();
  await w.feed('elevator_safety', [{ entity: 'xtd-elev-001', metric: 'elevator_alarms', ts: t, value: 1 }]);
  const { rows } = await csv('admin', '/api/v1/alerts?format=csv');
  assert.deepEqual(rows[0].slice(0, 4), ['编号', '级别', '状态', '规则']);
  assert.ok(rows.length >= 2, JSON.stringify(rows));
  const a = rows[1];
  assert.equal(a[2], '未解除');
  assert.ok(a[4] && a[4] !== 'xtd-elev-001', `place by name: ${a[4]}`);
  assert.equal(a[5], '新天地街区');
});

test('a query answer (breakdown by child region) as CSV with names; bad format 400', async () => {
  const { rows, headers } = await csv('admin', '/api/v1/breakdown?metric=visitors&region=gongshu&format=csv');
  assert.deepEqual(rows[0], ['编码', '名称', '数值']);
  assert.ok(rows.some((r) => r[1] === '东新街道'), JSON.stringify(rows.slice(0, 3)));
  assert.ok(decodeURIComponent(headers.get('content-disposition').split("UTF-8''")[1]).startsWith('分布-visitors-'));
  const s = await csv('admin', '/api/v1/series?metric=visitors&region=gongshu&format=csv&lang=en');
  assert.deepEqual(s.rows[0], ['Time', 'Value']);
  assert.match(s.rows[1][0], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  const r = await w.call('admin', 'GET', '/api/v1/top?metric=visitors&format=pdf');
  assert.equal(r.status, 400, show(r));
  assert.equal(errorOf(r).field, 'format');
  const m = await w.call('admin', 'GET', '/api/v1/me?format=csv');
  assert.equal(m.status, 400, show(m));
});
