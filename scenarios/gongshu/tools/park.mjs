// park.mjs - the seed's figures still missing from the screens (issue 13 §5)
// as pack data, no C per scenario:
//  - duty status of the park's enforcement teams and grid members (在岗 /
//    巡查中 / 离岗): entity type duty_unit, the check-in metric duty_checkin
//    (its value says the kind of check-in), statuses.json saying how the
//    last check-in's kind and age give the state;
//  - the Xintiandi block's scenario map of the six needs 吃住行游购娱: entity
//    type poi (hotels, sights, transport, shops, cinemas ...) beside the
//    venues, buildings, malls and car parks the pack already has; the layers
//    themselves are declared on the block's map in dashboards.json.
// Names, places and people are fictitious. Run alone it upserts these into
// the pack files in place (no dependencies):
//   node scenarios/gongshu/tools/park.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// ------------------------------------------------------------ randomness --
// mulberry32 seeded by a string hash: one stream per purpose, so a rerun
// gives byte-identical files.
function rng(name) {
  let h = 2166136261;
  for (const ch of "zhizhi-gongshu-park/" + name) h = Math.imul(h ^ ch.codePointAt(0), 16777619);
  let a = h >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: (arr) => arr[Math.floor(next() * arr.length)], int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)) };
}

const r6 = (x) => Math.round(x * 1e6) / 1e6;
const pad = (n, w = 2) => String(n).padStart(w, "0");

// ------------------------------------------------------------- geometry --
function ringContains(ring, [x, y]) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
function contains(geom, pt) {
  const polys = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
  return polys.some((p) => ringContains(p[0], pt) && !p.slice(1).some((h) => ringContains(h, pt)));
}
// A point inside geom at least ~margin metres from its edge (the four
// points around it are inside too), by rejection sampling in the bounds.
function pointIn(r, geom, margin = 12) {
  const polys = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
  const all = polys.flatMap((p) => p[0]);
  const [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  const dLat = margin / 110900, dLon = margin / (111320 * Math.cos((y0 * Math.PI) / 180));
  for (let k = 0; k < 100000; k++) {
    const p = [r6(x0 + (x1 - x0) * r.next()), r6(y0 + (y1 - y0) * r.next())];
    if ([[0, 0], [dLon, 0], [-dLon, 0], [0, dLat], [0, -dLat]].every(([dx, dy]) => contains(geom, [p[0] + dx, p[1] + dy]))) return p;
  }
  throw new Error("no point found inside the region");
}

// ------------------------------------------------------------ declarations --
export const DUTY_TYPE = {
  id: "duty_unit", name_zh: "值守力量", name_en: "Duty unit",
  attrs: [
    { id: "kind", name_zh: "类别", name_en: "Kind", type: "string" },
    { id: "department", name_zh: "所属部门", name_en: "Department", type: "string" },
    { id: "grid_no", name_zh: "网格编号", name_en: "Grid number", type: "string" },
    { id: "members", name_zh: "人数", name_en: "Members", type: "number" },
    { id: "since", name_zh: "终端启用日期", name_en: "Check-in terminal since", type: "date" },
  ],
};
export const POI_TYPE = {
  id: "poi", name_zh: "街区兴趣点", name_en: "Point of interest",
  attrs: [
    { id: "kind", name_zh: "类别", name_en: "Kind", type: "string" },
    { id: "address", name_zh: "地址", name_en: "Address", type: "string" },
  ],
};

// A check-in's value is its kind: the terminal sends one when a member
// signs on, at each patrol point on the way, and when signing off.
export const DUTY_METRIC = {
  id: "duty_checkin", name_zh: "值守打卡", name_en: "Duty check-in", unit: "", agg: "last",
  entity_type: "duty_unit", kind: "gauge", min: 0, max: 2,
  states: [
    { value: 1, name_zh: "上岗签到", name_en: "Signed on" },
    { value: 2, name_zh: "巡查打卡", name_en: "Patrol check-in" },
    { value: 0, name_zh: "下岗签退", name_en: "Signed off" },
  ],
};

// The smart street lights' meters report each light's energy use a day.
// No panel or rule reads it: these are records returned and not used, as a
// platform's data often are (GET /api/v1/sources/usage counts them apart).
export const ENERGY_METRIC = {
  id: "light_energy", name_zh: "路灯用电量", name_en: "Street-light energy use", unit: "Wh", agg: "sum",
  entity_type: "street_light", kind: "count", min: 0, max: 100000,
};

// statuses.json: the first state whose condition holds wins; the last takes
// the rest (signed off, or no check-in for two hours, or never).
export const STATUSES = {
  note: "Derived states from an entity's latest record (docs/packs.md, statuses.json). Written by tools/park.mjs.",
  statuses: [{
    id: "duty", name_zh: "在岗状态", name_en: "Duty status", metric: "duty_checkin",
    states: [
      { id: "patrolling", name_zh: "巡查中", name_en: "Patrolling", color: "#4be3a0", values: [2], within_minutes: 45 },
      { id: "on_duty", name_zh: "在岗", name_en: "On duty", color: "#3fd0ff", values: [1, 2], within_minutes: 120 },
      { id: "off", name_zh: "离岗", name_en: "Off duty", color: "#7f8fa6" },
    ],
  }],
};

const PARK_SUBS = [
  ["gongshu/kejipark/beibu", "北部软件园", "Northern Software Park", "BB"],
  ["gongshu/kejipark/wanggu", "智慧网谷小镇", "Smart Web Valley", "WG"],
  ["gongshu/kejipark/kangqiao_xny", "康桥新能源产业园", "Kangqiao New Energy Park", "KQ"],
];
// enforcement teams (执法队伍) of the park, by sub-park
const TEAMS = [
  ["urban_mgmt", "城管执法中队", "urban management enforcement squad", 8],
  ["market_supervision", "市场监管执法队", "market supervision enforcement team", 5],
  ["fire", "消防监督检查组", "fire inspection team", 4],
  ["emergency", "安全生产巡查队", "work-safety patrol team", 5],
];
const SURNAMES = ["王", "李", "张", "陈", "刘", "杨", "赵", "黄", "周", "吴", "徐", "孙", "朱", "沈", "胡", "钱", "俞", "金"];
const GIVEN = ["伟", "芳", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "婷", "燕", "辉", "慧"];

function dutyUnits(regions) {
  const r = rng("duty");
  const out = [];
  for (const [region, zh, en, code] of PARK_SUBS) {
    const geom = regions.get(region);
    // two or three teams a sub-park (the work-safety patrol everywhere)
    const teams = TEAMS.filter((t, i) => t[0] === "emergency" || (i + code.length + zh.length) % 4 !== 0 || code === "WG");
    teams.forEach(([dept, tzh, ten, members], i) => {
      const [lon, lat] = pointIn(r, geom);
      out.push({ id: `duty-${code.toLowerCase()}-team-${pad(i + 1)}`, type: "duty_unit",
        name_zh: `${zh}${tzh}`, name_en: `${en} ${ten}`, region, lon, lat,
        attrs: { kind: "enforcement_team", department: dept, members, since: "2026-09-01" } });
    });
    for (let g = 1; g <= 6; g++) {
      const [lon, lat] = pointIn(r, geom);
      const name = r.pick(SURNAMES) + r.pick(GIVEN) + (r.next() < 0.6 ? r.pick(GIVEN) : "");
      out.push({ id: `duty-${code.toLowerCase()}-grid-${pad(g)}`, type: "duty_unit",
        name_zh: `网格员${name}（${zh}第${g}网格）`, name_en: `Grid member, ${en} grid ${g}`, region, lon, lat,
        attrs: { kind: "grid_member", department: "community", grid_no: `KJ-${code}-${pad(g)}`, members: 1, since: "2026-09-01" } });
    }
  }
  return out;
}

// The block's places for the six needs beside those the pack has (venues:
// restaurants and bars; apartment buildings; malls; car parks).
const POIS = [
  ["hotel", "住", [["新天地亚朵酒店", "Atour Hotel Xintiandi"], ["东新路全季酒店", "JI Hotel Dongxin Road"], ["新天地漫心酒店", "Manxin Hotel Xintiandi"],
    ["石祥路桔子酒店", "Orange Hotel Shixiang Road"], ["新天地国际公寓酒店", "Xintiandi Serviced Apartments"], ["锦江之星东新店", "Jinjiang Inn Dongxin"]]],
  ["sight", "游", [["新天地中央广场", "Xintiandi Central Square"], ["蒸汽机车广场（重机厂工业遗存）", "Steam Locomotive Square (heavy-machinery works heritage)"],
    ["新天地音乐喷泉", "Xintiandi musical fountain"], ["东新园", "Dongxin Garden"], ["工业遗存长廊", "Industrial heritage walk"]]],
  ["bus_stop", "行", [["东新路石祥路口公交站", "Dongxin Rd / Shixiang Rd bus stop"], ["新天地街公交站", "Xintiandi St bus stop"], ["东新园公交站", "Dongxin Garden bus stop"],
    ["石祥路新天地公交站", "Shixiang Rd Xintiandi bus stop"], ["长浜路公交站", "Changbang Rd bus stop"], ["沈家路公交站", "Shenjia Rd bus stop"]]],
  ["metro_entrance", "行", [["地铁站A口", "Metro exit A"], ["地铁站B口", "Metro exit B"], ["地铁站C口", "Metro exit C"]]],
  ["bike_station", "行", [["新天地公共自行车点1", "Public bike station 1"], ["新天地公共自行车点2", "Public bike station 2"], ["新天地公共自行车点3", "Public bike station 3"],
    ["新天地公共自行车点4", "Public bike station 4"]]],
  ["shop", "购", [["新天地便利店", "Xintiandi convenience store"], ["东新路生活超市", "Dongxin Road supermarket"], ["新天地书店", "Xintiandi bookshop"],
    ["潮玩集合店", "Designer toy store"], ["新天地花店", "Xintiandi florist"], ["运动品牌旗舰店", "Sportswear flagship store"], ["新天地药房", "Xintiandi pharmacy"], ["数码体验店", "Digital experience store"]]],
  ["cinema", "娱", [["新天地影城", "Xintiandi Cinema"], ["IMAX影城", "IMAX cinema"]]],
  ["ktv", "娱", [["新天地量贩KTV", "Xintiandi KTV"], ["星光KTV", "Starlight KTV"]]],
  ["theatre", "娱", [["新天地太阳剧场", "Xintiandi Sun Theatre"], ["Livehouse演艺空间", "Livehouse stage"]]],
];
const ROADS = ["东新路", "石祥路", "新天地街", "长浜路", "沈家路"];

function pois(regions) {
  const r = rng("poi");
  const region = "gongshu/dongxin/xintiandi";
  const geom = regions.get(region);
  const out = [];
  for (const [kind, , names] of POIS) {
    names.forEach(([zh, en], i) => {
      const [lon, lat] = pointIn(r, geom);
      out.push({ id: `xtd-poi-${kind.replace(/_/g, "")}-${pad(i + 1)}`, type: "poi", name_zh: zh, name_en: en, region, lon, lat,
        attrs: { kind, address: `${r.pick(ROADS)}${r.int(1, 899)}号` } });
    });
  }
  return out;
}

// ---------------------------------------------------------------- writing --
function upsert(list, items) {
  const ids = new Set(items.map((x) => x.id));
  return [...list.filter((x) => !ids.has(x.id)), ...items];
}
function writeList(file, list, oneLine) {
  const text = oneLine ? "[\n" + list.map((x) => "  " + JSON.stringify(x)).join(",\n") + "\n]\n" : JSON.stringify(list, null, 2) + "\n";
  fs.writeFileSync(file, text);
}

export function writePark(dir) {
  const read = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  const regions = new Map(read("regions.geojson").features.map((f) => [f.properties.id, f.geometry]));
  writeList(path.join(dir, "entity_types.json"), upsert(read("entity_types.json"), [DUTY_TYPE, POI_TYPE]), false);
  writeList(path.join(dir, "metrics.json"), upsert(read("metrics.json"), [DUTY_METRIC, ENERGY_METRIC]), true);
  // the patrol check-in system (巡更打卡系统) takes the duty check-ins too;
  // wenlv_flow declares every metric (the test world sends with its token)
  const sources = read("sources.json").map((s) =>
    s.id === "patrol" || s.id === "wenlv_flow" ? { ...s, metrics: [...new Set([...s.metrics, DUTY_METRIC.id])], ...(s.entity_types ? { entity_types: [...new Set([...s.entity_types, "duty_unit"])] } : {}) } : s);
  const add = (s, id) => ({ ...s, metrics: [...new Set([...s.metrics, id])] });
  writeList(path.join(dir, "sources.json"), sources.map((s) => (s.id === "smart_light" || s.id === "wenlv_flow" ? add(s, ENERGY_METRIC.id) : s)), true);
  const mine = [...dutyUnits(regions), ...pois(regions)];
  const ents = fs.readFileSync(path.join(dir, "entities.ndjson"), "utf8").split("\n").filter(Boolean)
    .filter((l) => !l.startsWith('{"id":"duty-') && !l.startsWith('{"id":"xtd-poi-'));
  for (const e of mine) ents.push(JSON.stringify(e));
  fs.writeFileSync(path.join(dir, "entities.ndjson"), ents.join("\n") + "\n");
  fs.writeFileSync(path.join(dir, "statuses.json"), JSON.stringify(STATUSES, null, 2) + "\n");
  return mine;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
  const mine = writePark(dir);
  const by = {};
  for (const e of mine) by[`${e.type}/${e.attrs.kind}`] = (by[`${e.type}/${e.attrs.kind}`] || 0) + 1;
  console.log(`park: ${mine.length} entities (${Object.entries(by).map(([k, n]) => `${k}=${n}`).join(" ")}) in ${dir}`);
}
