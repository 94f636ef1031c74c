// inspect-world.mjs - a world for the inspection pages' browser tests: the
// pack with markets, stall-holders and political-legal units
// (integration/lib/inspect_pack.mjs), an inspector of 区市场监管局, one of
// 区委政法委, an unscoped leader, and a few visits, plans, findings and a
// failed stall so that the ledger, the supervised page and the credit have
// something to show. Returns { w, users, cleanup() }.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createWorld, show } from '../../integration/harness.mjs';
import { inspectPack } from '../../integration/lib/inspect_pack.mjs';

export const USERS_I = {
  ms: { name: 'ms_inspector', password: 'ms-inspector-01', role: 'officer', department: 'market_supervision' },
  pl: { name: 'pl_inspector', password: 'pl-inspector-01', role: 'officer', department: 'politics_law' },
  leader: { name: 'leader', password: 'leader-pass-001', role: 'viewer' },
};

export const POLICE_ITEMS = ['questions', 'conversation', 'ledger', 'study_notes', 'self_check', 'enforcement', 'community_police'];
export const MARKET_ITEMS = ['commitment_posted', 'credit_file', 'central_purchase', 'paid_use', 'purchase_ledger', 'publicity'];

const ymd = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 10);

export async function inspectWorld() {
  const pack = inspectPack();
  const w = await createWorld({ pack: pack.dir, sources: [], staff: Object.values(USERS_I) });
  const ck = {};
  for (const [k, u] of Object.entries(USERS_I)) ck[k] = await w.login(u.name, u.password);
  const post = async (who, p, body, status = 201) => {
    const r = await w.api('POST', p, { cookie: ck[who], body });
    assert.equal(r.status, status, `${p}: ${show(r)}`);
    return r.json;
  };
  const uid = () => 'seed-' + crypto.randomUUID();
  const now = Date.now(), DAY = 86400e3;
  // the political-legal visits: plans this month and next, two done
  const plans = [
    ['legal-shiqiao-police', 'edu_police', now - 6 * DAY, '区委常委、政法委书记'],
    ['legal-banshan-court', 'edu_court', now - 3 * DAY, '区委副书记'],
    ['legal-mishixiang-police', 'edu_police', now + 2 * DAY, '区委常委、政法委书记'],
    ['legal-hushu-traffic', 'edu_traffic', now + 5 * DAY, '区政府副区长'],
    ['legal-sandao-law', 'edu_lawfirm', now + 9 * DAY, '区司法局局长'],
  ];
  const planIds = [];
  for (const [entity, checklist, at, leader] of plans) {
    planIds.push((await post('pl', '/api/v1/inspection-plans', { campaign: 'zfdw_2021', checklist, entity, day: ymd(at), leader, note: '教育整顿督查' })).id);
  }
  await post('pl', '/api/v1/inspections', { uid: uid(), checklist: 'edu_police', entity: 'legal-shiqiao-police', plan: planIds[0],
    ts: new Date(now - 6 * DAY + 3600e3).toISOString(),
    answers: POLICE_ITEMS.map((item) => ({ item, ok: item !== 'study_notes', ...(item === 'study_notes' ? { note: '部分民警学习笔记无心得体会' } : {}) })),
    findings: [{ text: '执法记录仪使用登记不全', owner: 'police', days: 10 }] });
  const court = ['questions', 'conversation', 'ledger', 'study_notes', 'self_check', 'case_quality'];
  await post('pl', '/api/v1/inspections', { uid: uid(), checklist: 'edu_court', entity: 'legal-banshan-court', plan: planIds[1],
    ts: new Date(now - 3 * DAY + 3600e3).toISOString(), answers: court.map((item) => ({ item, ok: true })) });
  // the markets: one failed, one stall failed
  await post('ms', '/api/v1/inspections', { uid: uid(), checklist: 'plastic_market', entity: 'market-19',
    ts: new Date(now - DAY).toISOString(),
    answers: MARKET_ITEMS.map((item) => ({ item, ok: item !== 'paid_use', ...(item === 'paid_use' ? { note: '免费发放塑料袋' } : {}) })) });
  await post('ms', '/api/v1/inspections', { uid: uid(), checklist: 'plastic_stall', entity: 'stall-19-002',
    ts: new Date(now - DAY).toISOString(),
    answers: [{ item: 'no_ultrathin', ok: false, note: '使用超薄袋' }, { item: 'qualified_bags', ok: true }, { item: 'no_free_bags', ok: true }, { item: 'pledge_displayed', ok: true }] });
  return { w, ck, cleanup: async () => { await w.close(); pack.cleanup(); } };
}
