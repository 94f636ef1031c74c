// campaign_pack.mjs - the gongshu pack as the campaign tests need it: the
// real one when it declares the farmers' markets and their stall-holders
// (entity types market and stall, from the pack data of issue 13), else a
// temporary copy with those two types added as the pack declares them, so
// that the tests' own markets and stalls can be made through the API.
// Returns {dir, cleanup()}.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GONGSHU_PACK } from '../harness.mjs';

const TYPES = [
  { id: 'market', name_zh: '农贸市场', name_en: "Farmers' market", attrs: [
    { id: 'stalls', name_zh: '经营户数', name_en: 'Stall-holders', type: 'number' },
    { id: 'area_m2', name_zh: '营业面积（㎡）', name_en: 'Trading area (m²)', type: 'number' },
    { id: 'operator', name_zh: '开办单位', name_en: 'Operator', type: 'string' },
    { id: 'contact_phone', name_zh: '联系电话', name_en: 'Contact phone', type: 'string' }] },
  { id: 'stall', name_zh: '经营户', name_en: 'Stall-holder', attrs: [
    { id: 'market', name_zh: '所在市场', name_en: 'Market', type: 'string' },
    { id: 'trade', name_zh: '经营类别', name_en: 'Trade', type: 'string' },
    { id: 'holder', name_zh: '经营者', name_en: 'Holder', type: 'string' },
    { id: 'contact_phone', name_zh: '联系电话', name_en: 'Contact phone', type: 'string' }] },
];

export function campaignPack() {
  const file = path.join(GONGSHU_PACK, 'entity_types.json');
  const types = JSON.parse(fs.readFileSync(file, 'utf8'));
  const missing = TYPES.filter((t) => !types.some((x) => x.id === t.id));
  if (!missing.length) return { dir: GONGSHU_PACK, cleanup() {} };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-campaign-pack-'));
  fs.cpSync(GONGSHU_PACK, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'entity_types.json'), JSON.stringify([...types, ...missing], null, 2));
  return { dir, cleanup() { fs.rmSync(dir, { recursive: true, force: true }); } };
}

/**
 * Writes inspections as the inspections engine stores them (ins_inspection
 * and ins_rectify rows) straight into the data directory's database, with
 * Debian's sqlite3 (scripts/deps.sh installs it), while the server runs:
 * the dashboard reads those tables and must count what is there. rows:
 * [{id, campaign?, checklist, entity, ts (ms), answers: [{item, ok}],
 *   rectify?: [{item, deadline (ms), status, closed? (ms)}]}].
 */
export function writeInspections(dataDir, rows) {
  const q = (s) => (s === null || s === undefined ? 'NULL' : `'${String(s).replace(/'/g, "''")}'`);
  const sql = ['.timeout 10000', 'BEGIN;'];
  for (const r of rows) {
    const failed = r.answers.filter((a) => a.ok === false).length;
    sql.push(`INSERT INTO ins_inspection(id, uid, checklist, campaign, entity, region, department, inspector, ts,
      result, failed, answers, created) SELECT ${Number(r.id)}, ${q(`fixture-${r.id}`)}, ${q(r.checklist)}, ${q(r.campaign)},
      id, region, 'market_supervision', 'fixture', ${Number(r.ts)}, ${q(failed ? 'failed' : 'passed')}, ${failed},
      ${q(JSON.stringify(r.answers))}, ${Number(r.ts)} FROM entity WHERE key = ${q(r.entity)};`);
    for (const x of r.rectify || []) {
      sql.push(`INSERT INTO ins_rectify(inspection, item, entity, campaign, owner, deadline, status, closed)
        SELECT id, ${q(x.item)}, entity, campaign, 'market_supervision', ${Number(x.deadline)}, ${q(x.status)},
        ${x.closed ? Number(x.closed) : 'NULL'} FROM ins_inspection WHERE id = ${Number(r.id)};`);
    }
  }
  sql.push('COMMIT;');
  const res = spawnSync('sqlite3', [path.join(dataDir, 'zhizhi.db')], { input: sql.join('\n'), encoding: 'utf8' });
  if (res.status !== 0 || res.stderr) throw new Error(`sqlite3: ${res.error || res.stderr}`);
}
