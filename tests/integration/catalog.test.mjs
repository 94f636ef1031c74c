// The public services catalog: every matter with channel, department, time
// limit and materials; keyword search in Chinese and English; the
// medical-insurance outlets of the 4 banks with the district outline; no
// session needed, rate-limited, nothing internal leaks; and the pack
// checker's messages for the catalog members.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createWorld, GONGSHU_PACK, REPO, show } from './harness.mjs';

let w;
before(async () => {
  w = await createWorld({ pack: GONGSHU_PACK, sources: ['smart_site'] });
  if (!w.base) await w.start();
});
after(async () => { await w?.close(); });

test('the catalog lists the seed\'s matters with department, time limit, channels and materials', async () => {
  const r = await w.api('GET', '/api/public/catalog');
  assert.equal(r.status, 200, show(r));
  const { matters, departments } = r.json;
  const g = (x) => matters.filter((m) => m.group === x);
  assert.equal(g('park_services').length, 68);
  assert.equal(g('medical_insurance').length, 13);
  assert.ok(g('medical_insurance').every((m) => m.channels.includes('bank_counter') && m.departments[0] === 'medical_insurance'));
  const ja = matters.find((m) => m.id === 'joint_parcel_three_certs');
  assert.deepEqual(ja.departments, ['natural_resources', 'housing', 'environment']);
  assert.ok(ja.materials.some((x) => x.required));
  for (const m of [...g('park_services'), ...g('medical_insurance')]) {
    assert.ok(m.sla_resolve_minutes > 0 && Array.isArray(m.materials), m.id);
    for (const d of m.departments) assert.ok(departments[d]?.name_zh, `department ${d} has a name`);
  }
  assert.equal(departments.medical_insurance.name_zh, '医疗保障局');
  // the pack's routes stay inside; the catalog says where other departments handle a matter, by name
  assert.doesNotMatch(r.text, /"routes"/);
  const noise = matters.find((m) => m.id === 'noise_disturbance');
  assert.deepEqual(noise.routing, [{ region: 'gongshu/dongxin/xintiandi', region_name_zh: '新天地街区',
    region_name_en: 'Xintiandi block', departments: ['community'] }]);
  assert.equal(departments.community.name_zh, '社区网格');
  assert.deepEqual(matters.find((m) => m.id === 'mi_enrolment').routing, []);
  assert.equal(r.json.count, matters.length);
});

test('keyword search in Chinese and English', async () => {
  const q = async (kw) => (await w.api('GET', '/api/public/catalog?q=' + encodeURIComponent(kw))).json;
  const a = await q('人才公寓');
  assert.deepEqual(a.matters.map((m) => m.id).sort(), ['park_talent_apartment', 'park_talent_apartment_renew', 'park_talent_apartment_repair']);
  assert.equal(a.q, '人才公寓');
  const b = await q('异地就医');
  assert.ok(b.matters.some((m) => m.id === 'mi_remote_filing'));
  // by department name and by material name
  assert.ok((await q('规划和自然资源局')).matters.some((m) => m.id === 'joint_parcel_three_certs'));
  assert.ok((await q('出生医学证明')).matters.some((m) => m.id === 'mi_newborn_enrol'));
  assert.ok((await q('parking permit')).matters.some((m) => m.id === 'park_parking_permit'));
  assert.equal((await q('不存在的事项关键词')).matters.length, 0);
  // 医保 finds all 13 medical-insurance matters, not only the ones named so
  const all = (await q('')).matters;
  const mi = all.filter((m) => m.group === 'medical_insurance').map((m) => m.id).sort();
  assert.equal(mi.length, 13);
  const yb = (await q('医保')).matters.map((m) => m.id);
  for (const id of mi) assert.ok(yb.includes(id), `医保 finds ${id}`);
  // pinyin initials, in either case: 参保登记 by cbdj
  assert.deepEqual((await q('cbdj')).matters.map((m) => m.id), ['mi_enrolment']);
  assert.deepEqual((await q('CBDJ')).matters.map((m) => m.id), ['mi_enrolment']);
  assert.ok((await q('rcgy')).matters.some((m) => m.id === 'park_talent_apartment'));
  const long = await w.api('GET', '/api/public/catalog?q=' + 'x'.repeat(65));
  assert.equal(long.status, 400);
  assert.equal(long.json.error.field, 'q');
});

test('outlets: the 4 banks, located in Gongshu, each with the matters it handles, and the district outline', async () => {
  const r = await w.api('GET', '/api/public/outlets');
  assert.equal(r.status, 200, show(r));
  const { outline, outlets } = r.json;
  assert.equal(outline.features.length, 1);
  assert.equal(outline.features[0].properties.id, 'gongshu');
  assert.match(outline.features[0].geometry.type, /Polygon/);
  assert.deepEqual([...new Set(outlets.map((o) => o.bank))].sort(), ['cib', 'hzbank', 'icbc', 'ubank']);
  const cat = (await w.api('GET', '/api/public/catalog')).json.matters;
  const med = new Set(cat.filter((m) => m.group === 'medical_insurance').map((m) => m.id));
  const covered = new Set();
  for (const o of outlets) {
    assert.ok(o.lon > 120.0 && o.lon < 120.3 && o.lat > 30.2 && o.lat < 30.45, `${o.id} in Hangzhou`);
    assert.ok(o.address && o.hours && o.name_zh);
    assert.ok(o.matters.length > 0);
    for (const m of o.matters) { assert.ok(med.has(m), m); covered.add(m); }
  }
  assert.equal(covered.size, 13, 'every medical-insurance matter has an outlet');
});

test('the public catalog is rate-limited per client', async () => {
  let limited = null;
  for (let i = 0; i < 120 && !limited; i++) {
    const r = await w.api('GET', '/api/public/outlets');
    if (r.status === 429) limited = r;
  }
  assert.ok(limited, 'no 429');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
});

test('the pack checker names file and field for bad catalog members', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-pack-'));
  try {
    fs.cpSync(GONGSHU_PACK, dir, { recursive: true, filter: (p) => !p.includes(`${path.sep}tools`) });
    const ms = JSON.parse(fs.readFileSync(path.join(dir, 'matters.json'), 'utf8'));
    ms.splice(ms.findIndex((m) => m.id === 'mi_card_unlock'), 1);
    const i = ms.findIndex((m) => m.id === 'park_parking_permit');
    ms[i].channels = ['open311', 'fax'];
    ms[i].form[2].options = [];
    ms[i].materials[0].types = ['gif'];
    const j = ms.findIndex((m) => m.id === 'joint_parcel_three_certs');
    ms[j].departments = ['housing'];
    fs.writeFileSync(path.join(dir, 'matters.json'), JSON.stringify(ms, null, 2));
    const r = spawnSync('node', [path.join(REPO, 'scenarios/gongshu/tools/check.mjs'), dir], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`matters.json\\[${i}\\]\\.channels\\[1\\]: unknown channel "fax"`));
    assert.match(r.stderr, new RegExp(`matters.json\\[${i}\\]\\.form\\[2\\]\\.options: a choice needs options`));
    assert.match(r.stderr, new RegExp(`matters.json\\[${i}\\]\\.materials\\[0\\]\\.types: must list file types`));
    assert.match(r.stderr, new RegExp(`matters.json\\[${j}\\]\\.departments: a joint approval needs at least 2 departments`));
    assert.match(r.stderr, /expected 13 medical-insurance matters/);
    assert.match(r.stderr, /mi_card_unlock is not a medical-insurance matter/);
    // the shipped pack passes
    const ok = spawnSync('node', [path.join(REPO, 'scenarios/gongshu/tools/check.mjs')], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
