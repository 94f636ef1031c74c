// The order list's search (q) through the trigram index gives exactly what
// a plain substring check gives: for a varied set of orders (Chinese,
// ASCII of both cases, digits, receipts, quotes, empty and missing
// descriptions, sub-orders, orders edited and deleted after they were
// written, orders made and merged through the API), every term (1, 2, 3 and
// 6 Chinese characters, ASCII, digits, entity names, terms only found across
// two fields) lists the same orders in the same order as a brute-force
// check over the store's own rows, newest first (every page), in the
// desk's priority queue and within a region. Terms found in many orders
// take the scan, rare ones the index: both are checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createWorld, GONGSHU_PACK } from './harness.mjs';

let w;
let cookie;
let db;
let stored; // the orders as the store holds them once written
const sql = (q, input) => execFileSync('sqlite3', ['-json', db, ...(q ? [q] : [])], input ? { input } : {}).toString();
const rows = (q) => JSON.parse(sql(q) || '[]');
const lit = (s) => (s === null ? 'NULL' : `'${s.replace(/'/g, "''")}'`);

// a small deterministic generator (mulberry32)
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const N = 3000;
const WORDS = ['电梯故障', '路灯不亮', '噪音扰民', '垃圾满溢', '占道经营', '电梯困人', '井盖缺失', '漏水',
  '油烟', '停车', '施工扰民报警', 'Elevator', 'elevator', 'ELEVATOR', 'Noise', 'lamp 42', 'A"B', '工单'];
const RARE = ['鼋鼍', '龘', '犇羴鱻', 'QX9Z', 'zq'];

before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['wenlv_flow'], start: false });
  db = path.join(w.dir, 'zhizhi.db');
  await w.start(); // the schema, the index and its triggers come from the server
  await w.stop();
  const r = rng(12);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const ents = rows('SELECT key, region, rpos FROM entity ORDER BY id');
  const matters = rows('SELECT key FROM matter').map((m) => m.key);
  const regions = rows('SELECT id, lo FROM region');
  const now = Date.now();
  const lines = ['BEGIN;'];
  for (let i = 1; i <= N; i++) {
    const e = r() < 0.8 ? pick(ents) : null;
    const g = e ? null : pick(regions);
    const words = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(WORDS));
    if (r() < 0.01) words.push(pick(RARE));
    const title = `${words.join(r() < 0.5 ? ' ' : '')} ${i}`;
    const description = r() < 0.2 ? null : r() < 0.1 ? '' : `${pick(WORDS)}${r() < 0.02 ? pick(RARE) : ''}，编号${Math.floor(r() * 100000)}`;
    const receipt = `R${(i * 7919 % 100000).toString().padStart(6, '0')}`;
    const reporters = JSON.stringify(r() < 0.5 ? [`citizen:${receipt}`] : [`staff:admin`, `receipt:${receipt}x`]);
    const state = pick(['reported', 'reported', 'dispatched', 'closed', 'closed', 'merged', 'resolved']);
    // a few sub-orders (never listed to an admin; they keep their text)
    const parent = i > 10 && r() < 0.05 ? Math.ceil(r() * (i - 1)) : null;
    const created = now - (N - i) * 60000;
    lines.push(`INSERT INTO work_order(id, parent, matter, title, description, state, channel, region, rpos,
      entity, reporters, created, updated, priority) VALUES(${i}, ${parent ?? 'NULL'}, ${lit(pick(matters))},
      ${lit(title)}, ${lit(description)}, '${state}', 'staff', ${e ? e.region : g.id}, ${e ? e.rpos : g.lo},
      ${e ? lit(e.key) : 'NULL'}, ${lit(reporters)}, ${created}, ${created}, ${1 + Math.floor(r() * 3)});`);
  }
  // written after: an edit of each text and a deletion (the triggers)
  lines.push(`UPDATE work_order SET title = title || ' 改后QX' WHERE id % 97 = 0;`);
  lines.push(`UPDATE work_order SET description = NULL WHERE id % 89 = 0;`);
  lines.push(`UPDATE work_order SET reporters = '["citizen:NEWR' || id || '"]' WHERE id % 83 = 0;`);
  lines.push(`UPDATE work_order SET state = 'closed' WHERE id % 79 = 0;`);
  lines.push('DELETE FROM work_order WHERE id IN (5, 500, 2999);');
  lines.push('COMMIT;');
  sql(null, lines.join('\n'));
  await w.start();
  cookie = await w.as('admin');
  // through the server: two orders, one merged into the other (its
  // reporters then change through the store)
  const mk = async (body) => {
    const x = await w.api('POST', '/api/v1/orders', { cookie, body: { matter: 'environmental_hygiene', ...body } });
    assert.equal(x.status, 201, JSON.stringify(x.json));
    return x.json.order.id;
  };
  const a = await mk({ region: 'gongshu/dongxin/xintiandi', title: '桶旁堆放鼋鼍', description: 'API made', reporter: 'citizen:APIRCPT01' });
  const b = await mk({ region: 'gongshu/xiangfu', title: '另一处', reporter: 'citizen:APIRCPT02' });
  const m = await w.api('POST', `/api/v1/orders/${b}/merge`, { cookie, body: { into: a } });
  assert.equal(m.status, 200, JSON.stringify(m.json));
  stored = rows(`SELECT o.id, o.title, o.description, o.reporters, o.state, o.parent, o.priority,
    o.created, o.rpos, e.name_zh, e.name_en FROM work_order o LEFT JOIN entity e ON e.key = o.entity`);
});
after(async () => { await w?.close(); });

// the substring check, over the store's rows (instr: case-sensitive)
function expected(term, { open = false, lo = null, hi = null } = {}) {
  const os = stored;
  const hit = (s) => s !== null && s.includes(term);
  let xs = os.filter((o) => o.parent === null && [o.title, o.description, o.reporters, o.name_zh, o.name_en].some(hit));
  if (open) xs = xs.filter((o) => o.state !== 'closed' && o.state !== 'merged');
  if (lo !== null) xs = xs.filter((o) => o.rpos >= lo && o.rpos <= hi);
  if (open) xs.sort((p, q) => p.priority - q.priority || p.created - q.created || p.id - q.id);
  else xs.sort((p, q) => q.id - p.id);
  return xs.map((o) => o.id);
}

async function listed(term, extra = '') {
  const ids = [];
  let cursor = '';
  for (;;) {
    const r = await w.api('GET', `/api/v1/orders?limit=500&q=${encodeURIComponent(term)}${extra}${cursor}`, { cookie });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    ids.push(...r.json.orders.map((o) => o.id));
    if (!r.json.next_cursor) return ids;
    cursor = `&cursor=${r.json.next_cursor}`;
  }
}

const TERMS = [
  // Chinese: 1, 2, 3 and 6 characters, common and rare
  '电', '梯', '龘', '鼋', '扰民', '路灯', '漏水', '鼋鼍', '改后', '电梯故', '鱻', '犇羴鱻', '施工扰民报警', '电梯故障路灯',
  '工单', '编号', '，编',
  // ASCII: case matters, as with instr; digits, receipts, quotes, spaces
  'Elevator', 'elevator', 'ELEVATOR', 'levat', 'QX9Z', 'qx9z', 'zq', 'Q', 'q', '4', '42', '424', 'lamp 42', ' 1', '7 ',
  'R000', 'R031', 'citizen:R0', 'x"]', 'A"B', '"', 'NEWR', 'NEWR83', 'APIRCPT01', 'APIRCPT02', 'API made', '堆放鼋',
  // entity names (zh, en) and parts of them; one word across a title's end and a description's start
  '餐饮', '航数餐饮', 'Hangshu', '电梯2号', '公寓', '1 路灯', '1漏水', '障 1',
  // nothing
  'ZZZZZZZZZZ', '无此词语', 'Ω',
];

test('search lists what a substring check lists, newest first, every page', async () => {
  let many = 0, few = 0;
  for (const term of TERMS) {
    const want = expected(term);
    if (want.length > 2000) many++;
    else if (want.length > 0) few++;
    assert.deepEqual(await listed(term), want, `q=${JSON.stringify(term)}`);
  }
  assert.ok(many >= 2 && few >= 20, `both ways are taken: ${many} common terms, ${few} rare`);
});

test('search in the desk\'s priority queue and within a region keeps their order', async () => {
  const [dx] = rows(`SELECT lo, hi FROM region WHERE path = 'gongshu/dongxin'`);
  for (const term of TERMS) {
    const q = await w.api('GET', `/api/v1/orders?state=open&sort=priority&limit=500&q=${encodeURIComponent(term)}`, { cookie });
    assert.equal(q.status, 200);
    assert.deepEqual(q.json.orders.map((o) => o.id), expected(term, { open: true }).slice(0, 500), `queue q=${JSON.stringify(term)}`);
    assert.deepEqual(await listed(term, '&region=gongshu/dongxin'), expected(term, { lo: dx.lo, hi: dx.hi }),
      `region q=${JSON.stringify(term)}`);
  }
});
