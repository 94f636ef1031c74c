// pit.mjs - the deep-pit monitoring of Hangzhou Center (杭州中心, east of
// 武林广场; issue 13 §4) as pack data: the monitoring-point type, its seven
// metrics, the points around the pit, the two departments that handle its
// alarms, the matter their orders take, the three-level rules (cumulative and
// a day) and the site's outline, metro lines and stations for the site view
// (dashboards.json "sites"). No C knows any of it. Geometry is approximate.
// Run alone it upserts these into the pack files in place (no dependencies):
//   node scenarios/gongshu/tools/pit.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const r6 = (x) => Math.round(x * 1e6) / 1e6;
const M_PER_DEG_LAT = 110900;
const mPerDegLon = (lat) => 111320 * Math.cos((lat * Math.PI) / 180);
const offset = ([lon, lat], east, north) => [r6(lon + east / mPerDegLon(lat)), r6(lat + north / M_PER_DEG_LAT)];

export const PIT_REGION = "gongshu/wulin";
// the pit's centre, east of 武林广场 station (approximate, the pack's datum)
const CENTRE = [120.1668, 30.2728];
const HALF_E = 95, HALF_N = 60; // a 190 m x 120 m pit

export const PIT_DEPARTMENTS = [
  { id: "pit_contractor", name_zh: "杭州中心项目部（施工单位）", name_en: "Hangzhou Center site team (contractor)" },
  { id: "metro_protection", name_zh: "地铁保护办", name_en: "Metro protection office" },
];

export const PIT_TYPE = {
  id: "pit_point", name_zh: "基坑监测点", name_en: "Pit monitoring point",
  attrs: [
    { id: "code", name_zh: "点号", name_en: "Point code", type: "string" },
    { id: "measure", name_zh: "监测项目（指标）", name_en: "What it measures (metric)", type: "string" },
    { id: "site", name_zh: "所属工程", name_en: "Project", type: "string" },
    { id: "control", name_zh: "累计控制值", name_en: "Cumulative control value", type: "number" },
    { id: "rate_control", name_zh: "速率控制值（/天）", name_en: "Rate control value (a day)", type: "number" },
  ],
};

// metric, names, unit, [min, max], cumulative control, rate control a day,
// direction of harm (-1: settlement goes down), point code prefix, where
const KINDS = [
  ["pit_wall_deflection", "围护墙深层水平位移", "Diaphragm-wall deflection (inclinometer)", "mm", [-200, 200], 30, 2, 1, "CX", "wall"],
  ["pit_ground_settlement", "坑外地表沉降", "Ground settlement", "mm", [-300, 100], 30, 2, -1, "DB", "ring"],
  ["pit_building_settlement", "周边建筑沉降", "Building settlement", "mm", [-300, 100], 20, 2, -1, "JZ", "buildings"],
  ["pit_strut_force", "支撑轴力", "Strut axial force", "kN", [0, 50000], 8000, 1000, 1, "ZL", "struts"],
  ["pit_groundwater", "坑外地下水位变化", "Groundwater level change", "m", [-20, 20], 1, 0.5, -1, "SW", "ring"],
  ["metro_tunnel_convergence", "地铁隧道收敛", "Metro tunnel convergence", "mm", [-100, 100], 10, 1, 1, "SL", "tunnel"],
  ["metro_tunnel_settlement", "地铁隧道沉降", "Metro tunnel settlement", "mm", [-100, 100], 10, 1, -1, "SC", "tunnel"],
];

export const PIT_METRICS = KINDS.map(([id, zh, en, unit, [min, max]]) => ({
  id, name_zh: zh, name_en: en, unit, agg: "last", entity_type: "pit_point", kind: "gauge", min, max,
}));

// The pit outline, clockwise from the north-west corner.
const corner = (e, n) => offset(CENTRE, e, n);
export const PIT_OUTLINE = [corner(-HALF_E, HALF_N), corner(HALF_E, HALF_N), corner(HALF_E, -HALF_N), corner(-HALF_E, -HALF_N), corner(-HALF_E, HALF_N)];

// Metro lines 1 and 3 near 武林广场 (approximate, hand-placed): line 1 runs
// north-south west of the pit, line 3 east-west along its north side.
export const PIT_LINES = [
  { id: "metro1", name_zh: "地铁1号线", name_en: "Metro line 1", color: "#d6213a",
    coordinates: [[120.1632, 30.2600], [120.1636, 30.2680], [120.1640, 30.2741], [120.1652, 30.2810]] },
  { id: "metro3", name_zh: "地铁3号线", name_en: "Metro line 3", color: "#f2a900",
    coordinates: [[120.1560, 30.2760], [120.1600, 30.2750], [120.1640, 30.2741], [120.1700, 30.2735], [120.1745, 30.2733]] },
];
export const PIT_STATIONS = [
  { id: "wulin_square", name_zh: "武林广场站", name_en: "Wulin Square station", lon: 120.1640, lat: 30.2741 },
  { id: "longxiangqiao", name_zh: "龙翔桥站", name_en: "Longxiangqiao station", lon: 120.1634, lat: 30.2640 },
  { id: "wulinmen", name_zh: "武林门站", name_en: "Wulinmen station", lon: 120.1580, lat: 30.2755 },
];

// Metres north of the centre where line 3 passes, e metres east of it.
function northOfLine3(e) {
  const lon = CENTRE[0] + e / mPerDegLon(CENTRE[1]);
  const c = PIT_LINES[1].coordinates;
  for (let i = 1; i < c.length; i++) {
    if (lon <= c[i][0]) {
      const f = (lon - c[i - 1][0]) / (c[i][0] - c[i - 1][0]);
      return Math.round((c[i - 1][1] + f * (c[i][1] - c[i - 1][1]) - CENTRE[1]) * M_PER_DEG_LAT);
    }
  }
  throw new Error("line 3 does not pass north of the pit");
}

// Points: [metric index, code number, east m, north m from the centre].
function points() {
  const out = [];
  const add = (k, n, e, no) => {
    const [metric, zh, en, , , control, rate, , prefix] = KINDS[k];
    const [lon, lat] = offset(CENTRE, e, no);
    const code = `${prefix}${n}`;
    out.push({
      id: `pit-${code.toLowerCase()}`, type: "pit_point",
      name_zh: `杭州中心基坑${code}（${zh}）`, name_en: `Hangzhou Center pit ${code} (${en.toLowerCase()})`,
      region: PIT_REGION, lon, lat,
      attrs: { code, measure: metric, site: "杭州中心", control, rate_control: rate },
    });
  };
  // inclinometers in the diaphragm wall: 3 on each long side, 2 on each short
  [[-60, HALF_N], [0, HALF_N], [60, HALF_N], [-60, -HALF_N], [0, -HALF_N], [60, -HALF_N], [-HALF_E, 25], [-HALF_E, -25], [HALF_E, 25], [HALF_E, -25]]
    .forEach(([e, n], i) => add(0, i + 1, e, n));
  // ground settlement 15 m outside the wall
  [[-50, HALF_N + 15], [50, HALF_N + 15], [HALF_E + 15, 0], [50, -HALF_N - 15], [-50, -HALF_N - 15], [-HALF_E - 15, 0]]
    .forEach(([e, n], i) => add(1, i + 1, e, n));
  // the buildings around: south and east
  [[-20, -HALF_N - 45], [70, -HALF_N - 40], [HALF_E + 45, 30], [HALF_E + 45, -30]].forEach(([e, n], i) => add(2, i + 1, e, n));
  // struts: three levels, two sections each (inside the pit)
  [[-40, 20], [40, 20], [-40, -20], [40, -20], [0, 35], [0, -35]].forEach(([e, n], i) => add(3, i + 1, e, n));
  // groundwater wells outside the wall
  [[-HALF_E - 8, 40], [HALF_E + 8, -40], [0, HALF_N + 8], [0, -HALF_N - 8]].forEach(([e, n], i) => add(4, i + 1, e, n));
  // in the metro line 3 tunnel along the north side (about 50 m from the
  // wall), on the line as drawn: convergence and settlement rings 20 m apart
  [-70, -10, 50].forEach((e, i) => add(5, i + 1, e, northOfLine3(e)));
  [-50, 10, 70].forEach((e, i) => add(6, i + 1, e, northOfLine3(e)));
  return out;
}
export const PIT_POINTS = points();

export const PIT_MATTER = {
  id: "pit_monitoring_alarm", name_zh: "基坑及地铁保护监测报警", name_en: "Deep-pit and metro-protection monitoring alarm",
  kind: "inspection",
  description_zh: "杭州中心深基坑监测值超过预警、报警或控制值，由施工单位项目部与地铁保护办联合处置。",
  description_en: "A monitoring value of the Hangzhou Center deep pit passed its warning, alarm or control level; the contractor's site team and the metro protection office handle it together.",
  channels: ["staff"],
  departments: ["pit_contractor", "metro_protection"],
  sla_accept_minutes: 30, sla_resolve_minutes: 1440, priority: "high",
};

// Three levels (预警 70 %, 报警 85 %, 控制值 100 % of the design control
// value) on both the cumulative value and the change a day.
const pct = (x, p) => Math.round(x * p * 1000) / 1000;
export const PIT_RULES = KINDS.flatMap(([metric, zh, en, unit, , control, rate, dir]) => {
  const op = dir > 0 ? "above" : "below";
  const lv = (c) => [{ at: dir * pct(c, 0.85), severity: "major" }, { at: dir * c, severity: "critical" }];
  const common = { metric, entity_type: "pit_point", region: PIT_REGION, severity: "warning", auto_order: { matter: PIT_MATTER.id } };
  return [
    { id: `${metric}_total`, name_zh: `${zh}累计值超限`, name_en: `${en}: cumulative value over its levels`, kind: "threshold", ...common,
      condition: { op, value: dir * pct(control, 0.7) }, hysteresis: pct(control, 0.05), levels: lv(control),
      message_zh: `{rule}：{entity}为{value}${unit}，${dir > 0 ? "超过" : "低于"}{limit}${unit}`,
      message_en: `{rule}: {entity} at {value}${unit}, ${dir > 0 ? "above" : "below"} {limit}${unit}` },
    { id: `${metric}_rate`, name_zh: `${zh}速率超限`, name_en: `${en}: change a day over its levels`, kind: "rate", ...common,
      condition: { op: "any", per_day: pct(rate, 0.7), window_minutes: 1500 },
      message_zh: "{rule}：{entity}变化速率{value}{unit}/天（限值{limit}{unit}/天）",
      message_en: "{rule}: {entity} changes {value}{unit}/d (limit {limit}{unit}/d)",
      levels: [{ at: pct(rate, 0.85), severity: "major" }, { at: rate, severity: "critical" }] },
  ];
});

export const PIT_SITE = {
  id: "hz_center_pit", region: PIT_REGION, entity_type: "pit_point", approximate: true,
  name_zh: "杭州中心深基坑", name_en: "Hangzhou Center deep pit",
  note_zh: "34.5米深、地下6层，紧邻地铁1、3号线武林广场站；基坑轮廓、线路与车站位置为示意。",
  note_en: "34.5 m deep, 6 levels below ground, beside metro lines 1 and 3 at Wulin Square station; the outline, lines and stations are approximate.",
  depth_m: 34.5, levels_below: 6,
  outline: PIT_OUTLINE, lines: PIT_LINES, stations: PIT_STATIONS,
  metrics: KINDS.map(([m]) => m),
};

// ---------------------------------------------------------------- writing --
function upsert(list, items) {
  const ids = new Set(items.map((x) => x.id));
  return [...list.filter((x) => !ids.has(x.id)), ...items];
}
// one object a line (metrics.json, departments.json) or indented by 2
function writeList(file, list, oneLine) {
  const text = oneLine ? "[\n" + list.map((x) => "  " + JSON.stringify(x)).join(",\n") + "\n]\n" : JSON.stringify(list, null, 2) + "\n";
  fs.writeFileSync(file, text);
}

export function writePit(dir) {
  const read = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  writeList(path.join(dir, "departments.json"), upsert(read("departments.json"), PIT_DEPARTMENTS), true);
  writeList(path.join(dir, "entity_types.json"), upsert(read("entity_types.json"), [PIT_TYPE]), false);
  writeList(path.join(dir, "metrics.json"), upsert(read("metrics.json"), PIT_METRICS), true);
  // the smart-site platform sends the pit's readings; wenlv_flow declares
  // every metric (the test world and the benchmark send with its token)
  const sources = read("sources.json").map((s) =>
    s.id === "smart_site" || s.id === "wenlv_flow" ? { ...s, metrics: [...new Set([...s.metrics, ...PIT_METRICS.map((m) => m.id)])], ...(s.entity_types ? { entity_types: [...new Set([...s.entity_types, "pit_point"])] } : {}) } : s);
  writeList(path.join(dir, "sources.json"), sources, true);
  const ents = fs.readFileSync(path.join(dir, "entities.ndjson"), "utf8").split("\n").filter(Boolean)
    .filter((l) => !l.startsWith('{"id":"pit-'));
  for (const p of PIT_POINTS) ents.push(JSON.stringify(p));
  fs.writeFileSync(path.join(dir, "entities.ndjson"), ents.join("\n") + "\n");
  writeList(path.join(dir, "rules.json"), upsert(read("rules.json"), PIT_RULES), false);
  writeList(path.join(dir, "matters.json"), upsert(read("matters.json"), [PIT_MATTER]), false);
  // "sites" goes last, one line, so the hand-laid rest of the file stays
  const dfile = path.join(dir, "dashboards.json");
  const text = fs.readFileSync(dfile, "utf8").replace(/,\n  "sites": .*\n}\n$/, "\n}\n");
  const others = (JSON.parse(text).sites || []).filter((x) => x.id !== PIT_SITE.id);
  if (others.length) throw new Error("dashboards.json: sites other than the pit must come last on one line");
  fs.writeFileSync(dfile, text.replace(/\n}\n$/, `,\n  "sites": ${JSON.stringify([PIT_SITE])}\n}\n`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
  writePit(dir);
  console.log(`pit: ${PIT_POINTS.length} points, ${PIT_METRICS.length} metrics, ${PIT_RULES.length} rules in ${dir}`);
}
