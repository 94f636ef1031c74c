// campaign_pack.mjs - the gongshu pack as the campaign tests need it: the
// real one when it declares the farmers' markets and their stall-holders
// (entity types market and stall, from the pack data of issue 13), else a
// temporary copy with those two types added as the pack declares them, so
// that the tests' own markets and stalls can be made through the API.
// Returns {dir, cleanup()}.
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
