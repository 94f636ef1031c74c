// supervision.mjs - the supervised units of issue 13 §2 and §3 as pack data:
// the 21 farmers' markets of the plastic-restriction campaign (限塑, 区市场监管局)
// with their ~2,480 stall-holders, and the political-legal units visited in
// the education and rectification inspections (政法队伍教育整顿督查): the seed's
// 半山法庭, 石桥派出所, 米市巷派出所, 湖墅中队 and 三道律师事务所 and a few more of
// each type. Also the three departments that run or own those inspections
// (区委政法委, 区法院, 区司法局) and the `rectification` matter whose work
// orders carry the rectification items. The campaigns and checklists
// themselves are hand-written in campaigns.json; no C knows any of it.
//
// Names, stall counts, holders and phones are invented (plausible, not
// real people); positions are approximate, inside each street's synthesised
// polygon of regions.geojson.
//
// Deterministic (a seeded PRNG, no clock) and dependency-free, so it runs
// with plain Node. build.mjs calls writeSupervision() last; run alone it
// upserts the same data into the pack files in place:
//   node scenarios/gongshu/tools/supervision.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// ---------------------------------------------------------------- PRNG ----
// sfc32 seeded through a string hash (the same generator as build.mjs; its
// own stream names, so these entities never reshuffle the others).
function hashSeed(str) {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}
function makeRng(name) {
  let [a, b, c, d] = hashSeed("zhizhi-gongshu-v1/" + name);
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return {
    next,
    float: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (arr) => arr[Math.floor(next() * arr.length)],
  };
}

// ------------------------------------------------------------- geometry ---
const r6 = (x) => Math.round(x * 1e6) / 1e6;
const pad = (n, w) => String(n).padStart(w, "0");
const M_PER_DEG_LAT = 110900;
const mPerDegLon = (lat) => 111320 * Math.cos((lat * Math.PI) / 180);
const offset = ([lon, lat], east, north) => [r6(lon + east / mPerDegLon(lat)), r6(lat + north / M_PER_DEG_LAT)];

const polygonsOf = (g) => (g.type === "Polygon" ? [g.coordinates] : g.coordinates);
function inRing(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
const inPolys = (polys, x, y) => polys.some((p) => inRing(p[0], x, y) && !p.slice(1).some((h) => inRing(h, x, y)));
// metres from (x, y) to the nearest edge
function edgeDist(polys, x, y) {
  const ky = M_PER_DEG_LAT, kx = mPerDegLon(y);
  let best = Infinity;
  for (const poly of polys) for (const ring of poly) for (let i = 1; i < ring.length; i++) {
    const ax = (ring[i - 1][0] - x) * kx, ay = (ring[i - 1][1] - y) * ky;
    const bx = (ring[i][0] - x) * kx, by = (ring[i][1] - y) * ky;
    const dx = bx - ax, dy = by - ay, L = dx * dx + dy * dy;
    const t = L ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / L)) : 0;
    best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
  }
  return best;
}
// inside the polygon and at least margin metres from its edge, so a C
// point-in-polygon test on the written coordinates can never disagree
const insideWithMargin = (polys, [x, y], margin) => inPolys(polys, x, y) && edgeDist(polys, x, y) >= margin;
// a point near `hint` (within radius metres) inside polys, else anywhere in it
function placeNear(rng, polys, hint, radius, margin) {
  for (let i = 0; i < 2000; i++) {
    const a = rng.float(0, 2 * Math.PI), d = radius * Math.sqrt(rng.next());
    const p = offset(hint, d * Math.cos(a), d * Math.sin(a));
    if (insideWithMargin(polys, p, margin)) return p;
  }
  const xs = polys.flat(2);
  const [x0, y0, x1, y1] = xs.reduce((b, [x, y]) => [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)], [Infinity, Infinity, -Infinity, -Infinity]);
  for (let i = 0; i < 100000; i++) {
    const p = [r6(rng.float(x0, x1)), r6(rng.float(y0, y1))];
    if (insideWithMargin(polys, p, margin)) return p;
  }
  throw new Error("could not place a point");
}

// ---------------------------------------------------------------- names ----
const SURNAMES = ["王", "李", "张", "陈", "刘", "杨", "赵", "黄", "周", "吴", "徐", "孙", "朱", "沈", "胡", "钱", "俞", "金",
  "蒋", "韩", "冯", "方", "叶", "何", "郑", "姚", "许", "潘", "杜", "邵", "章", "汪", "傅", "施"];
const GIVEN = ["伟", "芳", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞", "平",
  "刚", "桂", "婷", "燕", "辉", "慧", "建", "国", "华", "红", "英", "林", "根", "荣", "美", "金", "春", "海"];
const personName = (rng) => rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.next() < 0.6 ? rng.pick(GIVEN) : "");
const PHONE_PREFIX = ["33", "35", "36", "37", "38", "39", "50", "55", "58", "59", "77", "80", "86", "87", "88", "89"];
// the pack's phone form (check.mjs: 1xx-xxxx-xxxx); intake compares digits
const fakePhone = (rng) => `1${rng.pick(PHONE_PREFIX)}-${pad(rng.int(0, 9999), 4)}-${pad(rng.int(0, 9999), 4)}`;
const landline = (rng) => `0571-8${pad(rng.int(0, 9999999), 7)}`;

// ------------------------------------------------------------ the types ----
const S = (id, zh, en) => ({ id, name_zh: zh, name_en: en, type: "string" });
const N = (id, zh, en) => ({ id, name_zh: zh, name_en: en, type: "number" });
// personal data (the holder's name, contact phones): masked for all but
// admins and the supervising department's officers (docs/packs.md)
const P = (attr) => ({ ...attr, personal: true });
const UNIT_ATTRS = () => [S("parent_org", "上级单位", "Parent organisation"), S("address", "地址", "Address"),
  N("staff", "人员数", "Staff"), P(S("contact_phone", "联系电话", "Contact phone"))];
export const SUPERVISION_TYPES = [
  { id: "market", name_zh: "农贸市场", name_en: "Farmers' market", attrs: [
    N("stalls", "经营户数", "Stall-holders"), N("area_m2", "营业面积（㎡）", "Trading area (m²)"),
    S("operator", "开办单位", "Operator"), P(S("contact_phone", "联系电话", "Contact phone"))] },
  { id: "stall", name_zh: "经营户", name_en: "Stall-holder", attrs: [
    S("market", "所在市场", "Market"), S("trade", "经营类别", "Trade"),
    P(S("holder", "经营者", "Holder")), P(S("contact_phone", "联系电话", "Contact phone"))] },
  { id: "court_tribunal", name_zh: "人民法庭", name_en: "Court tribunal", attrs: UNIT_ATTRS() },
  { id: "police_station", name_zh: "派出所", name_en: "Police station", attrs: UNIT_ATTRS() },
  { id: "traffic_squad", name_zh: "交警中队", name_en: "Traffic police squad", attrs: UNIT_ATTRS() },
  { id: "law_firm", name_zh: "律师事务所", name_en: "Law firm", attrs: UNIT_ATTRS() },
];

// None of these is in the street's linkage team (综合联动队伍).
export const SUPERVISION_DEPARTMENTS = [
  { id: "politics_law", name_zh: "区委政法委", name_en: "District political and legal affairs commission" },
  { id: "court", name_zh: "区法院", name_en: "District people's court" },
  { id: "justice", name_zh: "区司法局", name_en: "District justice bureau" },
];

// The work order of a rectification item (整改): opened with the item by an
// inspection (campaigns.json checklists), dispatched to the item's owner
// (the finding's owner, else the checklist's department), resolved when a
// re-inspection passes the item. The item keeps its own deadline (the
// inspection's day + the item's rectify_days, 1 to 30 in Gongshu); the
// order's resolve SLA is 7 days, the usual rectify_days of the markets'
// checklists, so the dispatch desk supervises it like the item's deadline.
export const RECTIFICATION_MATTER = {
  id: "rectification", name_zh: "整改", name_en: "Rectification", kind: "inspection",
  description_zh: "督查或检查发现的问题（检查项不合格或发现问题）形成的整改事项，派给整改责任单位，复查合格后办结。",
  description_en: "A problem found by an inspection (a failed checklist item or a finding), sent to the unit responsible for fixing it and closed when a re-inspection passes it.",
  channels: ["staff"],
  departments: ["market_supervision"],
  sla_accept_minutes: 1440, sla_resolve_minutes: 10080,
};

// ------------------------------------------------------------ markets ------
// [market no, street, zh, en, operator]: one market a street, a second in
// the three biggest old-town streets (21 in all).
const MARKETS = [
  [1, "mishixiang", "米市巷农贸市场", "Mishixiang Farmers' Market", "杭州米市巷市场经营管理有限公司"],
  [2, "hushu", "湖墅农贸市场", "Hushu Farmers' Market", "杭州湖墅农贸市场有限公司"],
  [3, "xiaohe", "小河农贸市场", "Xiaohe Farmers' Market", "杭州小河农副产品市场有限公司"],
  [4, "hemu", "和睦农贸市场", "Hemu Farmers' Market", "杭州和睦市场管理有限公司"],
  [5, "gongchenqiao", "拱宸桥农贸市场", "Gongchenqiao Farmers' Market", "杭州拱宸桥农贸市场有限公司"],
  [6, "gongchenqiao", "桥西农贸市场", "Qiaoxi Farmers' Market", "杭州桥西菜市场管理有限公司"],
  [7, "daguan", "大关农贸市场", "Daguan Farmers' Market", "杭州大关农贸市场有限公司"],
  [8, "shangtang", "上塘农贸市场", "Shangtang Farmers' Market", "杭州上塘农贸市场经营管理有限公司"],
  [9, "xiangfu", "祥符农贸市场", "Xiangfu Farmers' Market", "杭州祥符农副产品市场有限公司"],
  [10, "xiangfu", "勾庄农贸市场", "Gouzhuang Farmers' Market", "杭州勾庄农贸市场有限公司"],
  [11, "kangqiao", "康桥农贸市场", "Kangqiao Farmers' Market", "杭州康桥市场管理有限公司"],
  [12, "banshan", "半山农贸市场", "Banshan Farmers' Market", "杭州半山农贸市场有限公司"],
  [13, "tianshui", "天水农贸市场", "Tianshui Farmers' Market", "杭州天水菜市场经营管理有限公司"],
  [14, "wulin", "武林菜场", "Wulin Food Market", "杭州武林菜场有限公司"],
  [15, "changqing", "长庆农贸市场", "Changqing Farmers' Market", "杭州长庆农贸市场有限公司"],
  [16, "chaoming", "潮鸣农贸市场", "Chaoming Farmers' Market", "杭州潮鸣市场经营管理有限公司"],
  [17, "zhaohui", "朝晖农贸市场", "Zhaohui Farmers' Market", "杭州朝晖农贸市场有限公司"],
  [18, "wenhui", "文晖农贸市场", "Wenhui Farmers' Market", "杭州文晖农副产品市场有限公司"],
  [19, "dongxin", "东新农贸市场", "Dongxin Farmers' Market", "杭州东新农贸市场有限公司"],
  [20, "shiqiao", "石桥农贸市场", "Shiqiao Farmers' Market", "杭州石桥农贸市场有限公司"],
  [21, "shiqiao", "华丰农贸市场", "Huafeng Farmers' Market", "杭州华丰市场经营管理有限公司"],
];
export const STALLS_TOTAL = 2480;
// trades of a farmers' market and their share of its stalls
const TRADES = [["蔬菜", "vegetables", 30], ["水产", "fish & seafood", 14], ["肉类", "meat", 14], ["禽蛋", "poultry & eggs", 8],
  ["豆制品", "tofu", 6], ["熟食", "cooked food", 8], ["干货", "dry goods", 10], ["水果", "fruit", 10]];
const SHOP_WORDS = [["鲜丰", "Xianfeng"], ["绿源", "Lüyuan"], ["农家", "Nongjia"], ["田园", "Tianyuan"], ["老街", "Laojie"],
  ["运河", "Yunhe"], ["惠民", "Huimin"], ["好味", "Haowei"], ["顺发", "Shunfa"], ["德丰", "Defeng"], ["金记", "Jinji"],
  ["阿婆", "Apo"], ["大众", "Dazhong"], ["诚信", "Chengxin"], ["新鲜", "Xinxian"], ["四季", "Siji"], ["同乐", "Tongle"],
  ["兴旺", "Xingwang"], ["实惠", "Shihui"], ["老杭州", "Lao Hangzhou"]];
// split total into integers proportional to weights (largest remainder)
function apportion(total, weights) {
  const wsum = weights.reduce((s, w) => s + w, 0);
  const raw = weights.map((w) => (total * w) / wsum);
  const fl = raw.map(Math.floor);
  const left = total - fl.reduce((s, x) => s + x, 0);
  const order = raw.map((x, i) => [x - fl[i], i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; k < left; k++) fl[order[k][1]] += 1;
  return fl;
}

function buildMarkets(streets) {
  const rng = makeRng("markets");
  const srng = makeRng("stalls");
  const out = [];
  const sizes = apportion(STALLS_TOTAL, MARKETS.map(() => rng.float(0.6, 1.4)));
  const byStreet = {};
  MARKETS.forEach(([no, sid, zh, en, operator], mi) => {
    const st = streets.get(`gongshu/${sid}`);
    if (!st) throw new Error(`street ${sid} missing from regions.geojson`);
    // a second market of a street goes to another part of it
    const k = (byStreet[sid] = (byStreet[sid] || 0) + 1);
    const hint = k === 1 ? st.center : placeNear(rng, st.polys, st.center, 1500, 150);
    const pos = placeNear(rng, st.polys, hint, 400, 120);
    const id = `market-${pad(no, 2)}`;
    const n = sizes[mi];
    out.push({ id, type: "market", name_zh: zh, name_en: en, region: `gongshu/${sid}`, lon: pos[0], lat: pos[1],
      attrs: { stalls: n, area_m2: Math.round((n * rng.float(14, 20) + rng.int(300, 900)) / 10) * 10, operator, contact_phone: fakePhone(rng) } });
    // stalls: rows of the hall by trade, A.. zones, near the market
    const trades = apportion(n, TRADES.map((t) => t[2]));
    let m = 0;
    TRADES.forEach(([tzh, ten], ti) => {
      const zone = String.fromCharCode(65 + ti);
      for (let j = 1; j <= trades[ti]; j++) {
        m++;
        const shop = srng.pick(SHOP_WORDS);
        const p = placeNear(srng, st.polys, pos, 60, 20);
        out.push({ id: `stall-${pad(no, 2)}-${pad(m, 3)}`, type: "stall",
          name_zh: `${shop[0]}${tzh}（${zone}${pad(j, 2)}号摊位）`, name_en: `${shop[1]} ${ten} (stall ${zone}${pad(j, 2)})`,
          region: `gongshu/${sid}`, lon: p[0], lat: p[1],
          attrs: { market: id, trade: tzh, holder: personName(srng), contact_phone: fakePhone(srng) } });
      }
    });
  });
  return out;
}

// ------------------------------------------------------ political-legal ----
// [id, type, street, zh, en, parent organisation, road, staff range]
const UNITS = [
  ["legal-banshan-court", "court_tribunal", "banshan", "半山法庭", "Banshan tribunal", "区法院", "半山路", [12, 20]],
  ["legal-shangtang-court", "court_tribunal", "shangtang", "上塘法庭", "Shangtang tribunal", "区法院", "上塘路", [10, 18]],
  ["legal-dongxin-court", "court_tribunal", "dongxin", "东新法庭", "Dongxin tribunal", "区法院", "东新路", [10, 18]],
  ["legal-shiqiao-police", "police_station", "shiqiao", "石桥派出所", "Shiqiao police station", "区公安分局", "石桥路", [60, 110]],
  ["legal-mishixiang-police", "police_station", "mishixiang", "米市巷派出所", "Mishixiang police station", "区公安分局", "中山北路", [50, 90]],
  ["legal-hushu-police", "police_station", "hushu", "湖墅派出所", "Hushu police station", "区公安分局", "湖墅南路", [50, 90]],
  ["legal-daguan-police", "police_station", "daguan", "大关派出所", "Daguan police station", "区公安分局", "大关路", [50, 90]],
  ["legal-chaoming-police", "police_station", "chaoming", "潮鸣派出所", "Chaoming police station", "区公安分局", "建国北路", [50, 90]],
  ["legal-hushu-traffic", "traffic_squad", "hushu", "湖墅中队", "Hushu traffic squad", "区交警大队", "湖墅南路", [30, 60]],
  ["legal-wulin-traffic", "traffic_squad", "wulin", "武林中队", "Wulin traffic squad", "区交警大队", "延安路", [30, 60]],
  ["legal-banshan-traffic", "traffic_squad", "banshan", "半山中队", "Banshan traffic squad", "区交警大队", "半山路", [25, 50]],
  ["legal-sandao-law", "law_firm", "zhaohui", "三道律师事务所", "Sandao Law Firm", "区司法局", "朝晖路", [20, 45]],
  ["legal-yunhe-law", "law_firm", "gongchenqiao", "运河律师事务所", "Yunhe Law Firm", "区司法局", "台州路", [12, 30]],
  ["legal-wenhui-law", "law_firm", "wenhui", "文晖律师事务所", "Wenhui Law Firm", "区司法局", "文晖路", [10, 25]],
];
function buildUnits(streets) {
  const rng = makeRng("legal-units");
  return UNITS.map(([id, type, sid, zh, en, parent, road, [s0, s1]]) => {
    const st = streets.get(`gongshu/${sid}`);
    if (!st) throw new Error(`street ${sid} missing from regions.geojson`);
    const p = placeNear(rng, st.polys, st.center, 900, 60);
    return { id, type, name_zh: zh, name_en: en, region: `gongshu/${sid}`, lon: p[0], lat: p[1],
      attrs: { parent_org: parent, address: `杭州市拱墅区${road}${rng.int(10, 600)}号`, staff: rng.int(s0, s1), contact_phone: landline(rng) } };
  });
}

// ---------------------------------------------------------------- writing --
export function supervisionEntities(dir) {
  const fc = JSON.parse(fs.readFileSync(path.join(dir, "regions.geojson"), "utf8"));
  const streets = new Map();
  for (const f of fc.features) if (f.properties.level === "street")
    streets.set(f.properties.id, { polys: polygonsOf(f.geometry), center: f.properties.center });
  return [...buildMarkets(streets), ...buildUnits(streets)];
}

function upsert(list, items) {
  const ids = new Set(items.map((x) => x.id));
  return [...list.filter((x) => !ids.has(x.id)), ...items];
}
function writeList(file, list, oneLine) {
  const text = oneLine ? "[\n" + list.map((x) => "  " + JSON.stringify(x)).join(",\n") + "\n]\n" : JSON.stringify(list, null, 2) + "\n";
  fs.writeFileSync(file, text);
}
const OWN = /^\{"id":"(market|stall|legal)-/;

export function writeSupervision(dir) {
  const read = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  writeList(path.join(dir, "departments.json"), upsert(read("departments.json"), SUPERVISION_DEPARTMENTS), true);
  writeList(path.join(dir, "entity_types.json"), upsert(read("entity_types.json"), SUPERVISION_TYPES), false);
  writeList(path.join(dir, "matters.json"), upsert(read("matters.json"), [RECTIFICATION_MATTER]), false);
  const ents = fs.readFileSync(path.join(dir, "entities.ndjson"), "utf8").split("\n").filter(Boolean).filter((l) => !OWN.test(l));
  const mine = supervisionEntities(dir);
  for (const e of mine) ents.push(JSON.stringify(e));
  fs.writeFileSync(path.join(dir, "entities.ndjson"), ents.join("\n") + "\n");
  return mine;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
  const mine = writeSupervision(dir);
  const by = {};
  for (const e of mine) by[e.type] = (by[e.type] || 0) + 1;
  console.log(`supervision: ${Object.entries(by).map(([t, n]) => `${t}=${n}`).join(" ")} in ${dir}`);
}
