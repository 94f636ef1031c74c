// inspect_pack.mjs - the Gongshu pack as the inspection tests need it: its
// markets, stall-holders and political-legal units, the departments
// politics_law, court and justice, and the matter `rectification` (issue 13
// §2, §3). The pack-data work ships them in scenarios/gongshu; until a
// pack has them, this copies the pack to a temp dir and adds a few of each
// (only what is missing, so the tests run the same against the full pack).
// Returns { dir, cleanup() }.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GONGSHU_PACK } from '../harness.mjs';

const TYPES = [
  { id: 'market', name_zh: '农贸市场', name_en: "Farmers' market", attrs: [
    { id: 'stalls', name_zh: '摊位数', name_en: 'Stalls', type: 'number' },
    { id: 'operator', name_zh: '经营单位', name_en: 'Operator', type: 'string' },
    { id: 'contact_phone', name_zh: '联系电话', name_en: 'Contact phone', type: 'string' }] },
  { id: 'stall', name_zh: '经营户', name_en: 'Stall-holder', attrs: [
    { id: 'market', name_zh: '所属市场', name_en: 'Market', type: 'string' },
    { id: 'trade', name_zh: '经营类别', name_en: 'Trade', type: 'string' },
    { id: 'holder', name_zh: '经营者', name_en: 'Holder', type: 'string' },
    { id: 'contact_phone', name_zh: '联系电话', name_en: 'Contact phone', type: 'string' }] },
  { id: 'court_tribunal', name_zh: '人民法庭', name_en: 'People\'s tribunal', attrs: [] },
  { id: 'police_station', name_zh: '派出所', name_en: 'Police station', attrs: [] },
  { id: 'traffic_squad', name_zh: '交警中队', name_en: 'Traffic squad', attrs: [] },
  { id: 'law_firm', name_zh: '律师事务所', name_en: 'Law firm', attrs: [] },
];

const ENTITIES = [
  { id: 'market-01', type: 'market', name_zh: '东新农贸市场', name_en: 'Dongxin Farmers\' Market', region: 'gongshu/dongxin', lon: 120.1802, lat: 30.3121, attrs: { stalls: 3, operator: '东新市场管理有限公司', contact_phone: '0571-88000001' } },
  { id: 'market-02', type: 'market', name_zh: '米市巷农贸市场', name_en: 'Mishixiang Farmers\' Market', region: 'gongshu/mishixiang', lon: 120.1561, lat: 30.2810, attrs: { stalls: 1, operator: '米市巷市场有限公司', contact_phone: '0571-88000002' } },
  { id: 'stall-01-001', type: 'stall', name_zh: '东新 1 号摊（蔬菜）', name_en: 'Dongxin stall 1 (vegetables)', region: 'gongshu/dongxin', lon: 120.1803, lat: 30.3122, attrs: { market: 'market-01', trade: '蔬菜', holder: '王建国', contact_phone: '13800010001' } },
  { id: 'stall-01-002', type: 'stall', name_zh: '东新 2 号摊（水产）', name_en: 'Dongxin stall 2 (seafood)', region: 'gongshu/dongxin', lon: 120.1804, lat: 30.3122, attrs: { market: 'market-01', trade: '水产', holder: '李秀英', contact_phone: '13800010002' } },
  { id: 'stall-01-003', type: 'stall', name_zh: '东新 3 号摊（肉类）', name_en: 'Dongxin stall 3 (meat)', region: 'gongshu/dongxin', lon: 120.1805, lat: 30.3123, attrs: { market: 'market-01', trade: '肉类', holder: '张伟', contact_phone: '13800010003' } },
  { id: 'stall-02-001', type: 'stall', name_zh: '米市巷 1 号摊（禽蛋）', name_en: 'Mishixiang stall 1 (eggs)', region: 'gongshu/mishixiang', lon: 120.1562, lat: 30.2811, attrs: { market: 'market-02', trade: '禽蛋', holder: '刘芳', contact_phone: '13800020001' } },
  { id: 'legal-banshan-court', type: 'court_tribunal', name_zh: '半山法庭', name_en: 'Banshan Tribunal', region: 'gongshu/banshan', lon: 120.1702, lat: 30.3801, attrs: {} },
  { id: 'legal-shiqiao-police', type: 'police_station', name_zh: '石桥派出所', name_en: 'Shiqiao Police Station', region: 'gongshu/shiqiao', lon: 120.1902, lat: 30.3302, attrs: {} },
  { id: 'legal-mishixiang-police', type: 'police_station', name_zh: '米市巷派出所', name_en: 'Mishixiang Police Station', region: 'gongshu/mishixiang', lon: 120.1571, lat: 30.2802, attrs: {} },
  { id: 'legal-hushu-traffic', type: 'traffic_squad', name_zh: '湖墅中队', name_en: 'Hushu Traffic Squad', region: 'gongshu/hushu', lon: 120.1551, lat: 30.2951, attrs: {} },
  { id: 'legal-sandao-law', type: 'law_firm', name_zh: '三道律师事务所', name_en: 'Sandao Law Firm', region: 'gongshu/gongchenqiao', lon: 120.1451, lat: 30.3201, attrs: {} },
];

const DEPTS = [
  { id: 'politics_law', name_zh: '区委政法委', name_en: 'District Political-Legal Committee' },
  { id: 'court', name_zh: '区法院', name_en: 'District Court' },
  { id: 'justice', name_zh: '区司法局', name_en: 'District Justice Bureau' },
];

const MATTER = {
  id: 'rectification', name_zh: '整改', name_en: 'Rectification', kind: 'inspection',
  description_zh: '检查发现的问题，由责任单位限期整改，复查合格后销号。',
  description_en: 'A problem an inspection found, rectified by its owner by the deadline and closed by a passing re-inspection.',
  channels: ['staff'], departments: ['market_supervision'], sla_accept_minutes: 1440, sla_resolve_minutes: 10080,
};

/** The pack dir to load: the real one when it has everything, else a copy with the additions. */
export function inspectPack() {
  const read = (f) => JSON.parse(fs.readFileSync(path.join(GONGSHU_PACK, f), 'utf8'));
  const types = read('entity_types.json');
  const depts = read('departments.json');
  const matters = read('matters.json');
  const ents = fs.readFileSync(path.join(GONGSHU_PACK, 'entities.ndjson'), 'utf8');
  const have = new Set(ents.split('\n').filter(Boolean).map((l) => JSON.parse(l).id));
  const missing = {
    types: TYPES.filter((t) => !types.some((x) => x.id === t.id)),
    depts: DEPTS.filter((d) => !depts.some((x) => x.id === d.id)),
    matter: !matters.some((m) => m.id === MATTER.id),
    ents: ENTITIES.filter((e) => !have.has(e.id)),
  };
  if (!missing.types.length && !missing.depts.length && !missing.matter && !missing.ents.length) {
    return { dir: GONGSHU_PACK, cleanup() {} };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-inspect-pack-'));
  for (const f of fs.readdirSync(GONGSHU_PACK)) {
    const from = path.join(GONGSHU_PACK, f);
    if (fs.statSync(from).isFile()) fs.copyFileSync(from, path.join(dir, f));
  }
  const write = (f, v) => fs.writeFileSync(path.join(dir, f), JSON.stringify(v, null, 1));
  write('entity_types.json', [...types, ...missing.types]);
  write('departments.json', [...depts, ...missing.depts]);
  if (missing.matter) write('matters.json', [...matters, MATTER]);
  fs.appendFileSync(path.join(dir, 'entities.ndjson'), (ents.endsWith('\n') ? '' : '\n') + missing.ents.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return { dir, cleanup() { fs.rmSync(dir, { recursive: true, force: true }); } };
}
