#!/usr/bin/env node
// Validates a zhizhi scenario pack (default: the Gongshu pack next to this
// folder). No dependencies: runs with plain Node, no npm install needed.
//
//   node scenarios/gongshu/tools/check.mjs [pack-dir]
//
// Prints one summary line and exits 0 when the pack is valid; otherwise
// prints one message per problem, each naming the file and the line or
// field, and exits 1. The Gongshu-specific counts (from the seed) are
// checked when pack.json's id is "gongshu".
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const DIR = path.resolve(process.argv[2] || path.join(path.dirname(fileURLToPath(import.meta.url)), ".."));
const errors = [];
const err = (where, msg) => errors.push(`${where}: ${msg}`);

function readJson(name) {
  const p = path.join(DIR, name);
  if (!fs.existsSync(p)) { err(name, "file missing"); return null; }
  try { return JSON.parse(fs.readFileSync(p, "utf8")); } catch (e) { err(name, "invalid JSON: " + e.message); return null; }
}
const isStr = (x) => typeof x === "string" && x.length > 0;
const isNum = (x) => typeof x === "number" && Number.isFinite(x);
const SLUG = /^[a-z0-9][a-z0-9_]*$/;
const ENTITY_ID = /^[a-z0-9][a-z0-9-]*$/;
const isDate = (s) => typeof s === "string" && /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(s + "T00:00:00Z").toISOString().slice(0, 10) === s;
function need(obj, where, fields) { // fields: {name: checker}
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) { err(where, "must be an object"); return false; }
  let ok = true;
  for (const [f, chk] of Object.entries(fields)) {
    if (!(f in obj)) { err(`${where}.${f}`, "required field missing"); ok = false; continue; }
    const m = chk(obj[f]);
    if (m) { err(`${where}.${f}`, m); ok = false; }
  }
  return ok;
}
const str = (x) => (isStr(x) ? null : "must be a non-empty string");
const slug = (x) => (isStr(x) && SLUG.test(x) ? null : "must be a lowercase ASCII id ([a-z0-9_])");
const oneOf = (...v) => (x) => (v.includes(x) ? null : `must be one of ${v.join("|")}`);
const strOrNull = (x) => (x === null || isStr(x) ? null : "must be a string or null");

// ------------------------------------------------------------- geometry ---
function polygonsOf(g) {
  if (!g || typeof g !== "object") return null;
  if (g.type === "Polygon") return [g.coordinates];
  if (g.type === "MultiPolygon") return g.coordinates;
  return null;
}
function inRing(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
function inPolys(polys, x, y) {
  return polys.some((poly) => inRing(poly[0], x, y) && !poly.slice(1).some((h) => inRing(h, x, y)));
}
// distance in metres from (x,y) to the nearest polygon edge
function edgeDist(polys, x, y) {
  const ky = 110900, kx = 111320 * Math.cos((y * Math.PI) / 180);
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
function areaKm2(polys) {
  let a = 0;
  for (const poly of polys) poly.forEach((ring, ri) => {
    const lat0 = ring[0][1], kx = 111320 * Math.cos((lat0 * Math.PI) / 180), ky = 110900;
    let s = 0;
    for (let i = 1; i < ring.length; i++) s += (ring[i - 1][0] * kx) * (ring[i][1] * ky) - (ring[i][0] * kx) * (ring[i - 1][1] * ky);
    a += (ri === 0 ? 1 : -1) * Math.abs(s / 2);
  });
  return a / 1e6;
}
const decimals = (v) => { const s = String(v); const i = s.indexOf("."); return i < 0 ? 0 : s.length - i - 1; };

// ---------------------------------------------------------------- pack ----
const pack = readJson("pack.json");
const industries = new Set();
const teams = new Set(); // pack.json's teams: departments that work as one
if (pack) {
  need(pack, "pack.json", {
    id: slug, name: (x) => (x && isStr(x.zh) && isStr(x.en) ? null : "must be {zh, en}"),
    version: (x) => (Number.isInteger(x) && x >= 1 ? null : "must be an integer >= 1"),
    description: (x) => (x && isStr(x.zh) && isStr(x.en) ? null : "must be {zh, en}"),
  });
  if (pack.industries !== undefined) {
    if (!Array.isArray(pack.industries)) err("pack.json.industries", "must be an array");
    else pack.industries.forEach((ind, i) => {
      if (need(ind, `pack.json.industries[${i}]`, { id: slug, name_zh: str, name_en: str })) {
        if (industries.has(ind.id)) err(`pack.json.industries[${i}].id`, `duplicate id ${ind.id}`);
        industries.add(ind.id);
      }
    });
  }
  if (pack.reference_date !== undefined && !isDate(pack.reference_date)) err("pack.json.reference_date", "must be YYYY-MM-DD");
  if (pack.teams !== undefined) {
    if (!Array.isArray(pack.teams)) err("pack.json.teams", "must be an array");
    else pack.teams.forEach((tm, i) => {
      if (need(tm, `pack.json.teams[${i}]`, { id: slug, name_zh: str, name_en: str })) {
        if (teams.has(tm.id)) err(`pack.json.teams[${i}].id`, `duplicate id ${tm.id}`);
        teams.add(tm.id);
      }
    });
  }
}

// ------------------------------------------------------------- regions ----
const LEVELS = ["district", "street", "block", "park", "grid", "building"];
const regions = new Map(); // id -> {props, polys, line}
const regionsPath = path.join(DIR, "regions.geojson");
const regionsFc = readJson("regions.geojson");
if (regionsFc) {
  const size = fs.statSync(regionsPath).size;
  if (size > 1.5 * 1024 * 1024) err("regions.geojson", `file is ${(size / 1048576).toFixed(2)} MB, over 1.5 MB`);
  if (regionsFc.type !== "FeatureCollection" || !Array.isArray(regionsFc.features)) err("regions.geojson", "must be a FeatureCollection");
  else regionsFc.features.forEach((f, i) => {
    const where = `regions.geojson feature[${i}] (line ${i + 2})`;
    if (!f || f.type !== "Feature") { err(where, "must be a Feature"); return; }
    const p = f.properties;
    if (!need(p, `${where}.properties`, {
      id: (x) => (isStr(x) && /^[a-z0-9_]+(\/[a-z0-9_]+)*$/.test(x) ? null : "must be a path id like gongshu/dongxin"),
      parent: strOrNull, level: oneOf(...LEVELS), name_zh: str, name_en: str,
      approximate: (x) => (typeof x === "boolean" ? null : "must be true or false"),
      center: (x) => (Array.isArray(x) && x.length === 2 && x.every(isNum) ? null : "must be [lon, lat]"),
    })) return;
    // administrative division code, as DataV / ECharts map files carry it
    if (p.adcode != null && !((typeof p.adcode === "number" || typeof p.adcode === "string") && /^(\d{6}|\d{9}|\d{12})$/.test(String(p.adcode))))
      err(`${where} ${p.id}.properties.adcode`, "must be an administrative division code: a number or a string of 6, 9 or 12 digits");
    const w = `${where} ${p.id}`;
    if (regions.has(p.id)) err(`${w}.id`, "duplicate region id");
    if (p.parent === null) { if (p.id.includes("/")) err(`${w}.parent`, "null parent but id is a path"); }
    else {
      if (!regions.has(p.parent)) err(`${w}.parent`, `parent ${p.parent} not defined before this feature`);
      if (!p.id.startsWith(p.parent + "/") || p.id.slice(p.parent.length + 1).includes("/")) err(`${w}.id`, `must be ${p.parent}/<name>`);
    }
    const polys = polygonsOf(f.geometry);
    if (!polys) { err(`${w}.geometry`, "must be a Polygon or MultiPolygon"); return; }
    let geomOk = true;
    polys.forEach((poly, pi) => poly.forEach((ring, ri) => {
      if (!Array.isArray(ring) || ring.length < 4) { err(`${w}.geometry`, `polygon ${pi} ring ${ri} has fewer than 4 positions`); geomOk = false; return; }
      for (const pt of ring) {
        if (!Array.isArray(pt) || pt.length < 2 || !isNum(pt[0]) || !isNum(pt[1])) { err(`${w}.geometry`, "position must be [lon, lat]"); geomOk = false; return; }
        if (pt[0] < 73 || pt[0] > 136 || pt[1] < 3 || pt[1] > 54) { err(`${w}.geometry`, `position ${pt} is not a lon/lat in China`); geomOk = false; return; }
        if (decimals(pt[0]) > 5 || decimals(pt[1]) > 5) { err(`${w}.geometry`, `position ${pt} has more than 5 decimals`); geomOk = false; return; }
      }
      const a = ring[0], b = ring[ring.length - 1];
      if (a[0] !== b[0] || a[1] !== b[1]) { err(`${w}.geometry`, `polygon ${pi} ring ${ri} is not closed`); geomOk = false; }
    }));
    if (!geomOk) return;
    if (!inPolys(polys, p.center[0], p.center[1])) err(`${w}.properties.center`, "centre is not inside the region's polygon");
    regions.set(p.id, { props: p, polys, where: w });
  });
  // children lie within their parents (5 m tolerance for shared edges)
  for (const [id, r] of regions) {
    const par = regions.get(r.props.parent);
    if (!par) continue;
    let bad = 0, sample = null;
    for (const poly of r.polys) for (const ring of poly) for (const [x, y] of ring) {
      if (!inPolys(par.polys, x, y) && edgeDist(par.polys, x, y) > 5) { bad++; sample = sample || [x, y]; }
    }
    if (bad) err(`${r.where}.geometry`, `${bad} vertices lie outside parent ${par.props.id}, e.g. ${sample}`);
  }
}

// --------------------------------------------------------- departments ----
const departments = new Set();
const deps = readJson("departments.json");
if (deps) {
  if (!Array.isArray(deps)) err("departments.json", "must be an array");
  else deps.forEach((d, i) => {
    if (!need(d, `departments.json[${i}]`, { id: slug, name_zh: str, name_en: str })) return;
    if (departments.has(d.id)) err(`departments.json[${i}].id`, `duplicate id ${d.id}`);
    departments.add(d.id);
    if (d.team !== undefined && !teams.has(d.team)) err(`departments.json[${i}].team`, `team ${d.team} is not declared in pack.json's teams`);
  });
}

// -------------------------------------------------------- entity types ----
const types = new Map(); // id -> Map(attr -> type)
const ets = readJson("entity_types.json");
if (ets) {
  if (!Array.isArray(ets)) err("entity_types.json", "must be an array");
  else ets.forEach((t, i) => {
    const w = `entity_types.json[${i}]`;
    if (!need(t, w, { id: slug, name_zh: str, name_en: str, attrs: (x) => (Array.isArray(x) ? null : "must be an array") })) return;
    if (types.has(t.id)) err(`${w}.id`, `duplicate type ${t.id}`);
    const attrs = new Map();
    t.attrs.forEach((a, j) => {
      if (!need(a, `${w}.attrs[${j}]`, { id: slug, name_zh: str, name_en: str, type: oneOf("string", "number", "date") })) return;
      if (attrs.has(a.id)) err(`${w}.attrs[${j}].id`, `duplicate attr ${a.id}`);
      if (a.personal !== undefined && typeof a.personal !== "boolean") err(`${w}.attrs[${j}].personal`, "must be true or false");
      attrs.set(a.id, a.type);
    });
    types.set(t.id, attrs);
  });
}

// ------------------------------------------------------------- metrics ----
const metrics = new Map();
const ms = readJson("metrics.json");
if (ms) {
  if (!Array.isArray(ms)) err("metrics.json", "must be an array");
  else ms.forEach((m, i) => {
    const w = `metrics.json[${i}]`;
    // a status metric names its values instead of having a unit
    const unit = m.states ? (x) => (typeof x === "string" ? null : "must be a string (empty for a status metric)") : str;
    if (!need(m, w, { id: slug, name_zh: str, name_en: str, unit, agg: oneOf("sum", "avg", "last", "max"),
      entity_type: str, kind: oneOf("count", "gauge") })) return;
    if (m.states !== undefined) {
      if (!Array.isArray(m.states) || m.states.length < 2) err(`${w}.states`, "must be an array of at least 2 named values");
      else {
        const seen = new Set();
        m.states.forEach((st, k) => {
          if (!need(st, `${w}.states[${k}]`, { value: (x) => (isNum(x) ? null : "must be a number"), name_zh: str, name_en: str })) return;
          if (seen.has(st.value)) err(`${w}.states[${k}].value`, `${st.value} is named twice`);
          seen.add(st.value);
        });
      }
    }
    if (metrics.has(m.id)) err(`${w}.id`, `duplicate metric ${m.id}`);
    if (!types.has(m.entity_type)) err(`${w}.entity_type`, `unknown entity type ${m.entity_type}`);
    for (const b of ["min", "max"]) if (m[b] !== undefined && !isNum(m[b])) err(`${w}.${b}`, "must be a number");
    // raw retention: whole days, absent keeps raw records forever
    if (m.raw_days !== undefined && !(Number.isInteger(m.raw_days) && m.raw_days >= 1 && m.raw_days <= 36500))
      err(`${w}.raw_days`, "must be an integer from 1 to 36500 (days)");
    metrics.set(m.id, m);
  });
}

// ------------------------------------------------------------- sources ----
const srcs = readJson("sources.json");
const suppliedBy = new Map();
let supplying = 0;
if (srcs) {
  const ids = new Set();
  if (!Array.isArray(srcs)) err("sources.json", "must be an array");
  else srcs.forEach((s, i) => {
    const w = `sources.json[${i}]`;
    if (!need(s, w, { id: slug, name_zh: str, name_en: str, department: strOrNull, kind: oneOf("platform", "iot", "gov"),
      metrics: (x) => (Array.isArray(x) ? null : "must be an array") })) return;
    if (ids.has(s.id)) err(`${w}.id`, `duplicate source ${s.id}`);
    ids.add(s.id);
    if (s.department !== null && !departments.has(s.department)) err(`${w}.department`, `unknown department ${s.department}`);
    if (s.metrics.length) supplying++;
    s.metrics.forEach((m, j) => {
      if (!metrics.has(m)) err(`${w}.metrics[${j}]`, `unknown metric ${m}`);
      if (s.metrics.indexOf(m) !== j) err(`${w}.metrics[${j}]`, `metric ${m} is listed twice`);
      suppliedBy.set(m, s.id); // several may declare it; the demo generates it for the last
    });
  });
  for (const m of metrics.keys()) if (!suppliedBy.has(m)) err("sources.json", `metric ${m} is supplied by no source`);
}

// ------------------------------------------------------------ entities ----
const entities = [];
const entPath = path.join(DIR, "entities.ndjson");
if (!fs.existsSync(entPath)) err("entities.ndjson", "file missing");
else {
  const ids = new Map();
  const lines = fs.readFileSync(entPath, "utf8").split("\n");
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const w = `entities.ndjson:${i + 1}`;
    let e;
    try { e = JSON.parse(line); } catch (x) { err(w, "invalid JSON: " + x.message); return; }
    if (!need(e, w, { id: (x) => (isStr(x) && ENTITY_ID.test(x) && x.length <= 40 ? null : "must be a short ASCII slug ([a-z0-9-])"),
      type: str, name_zh: str, name_en: str, region: str, lon: (x) => (isNum(x) ? null : "must be a number"),
      lat: (x) => (isNum(x) ? null : "must be a number"), attrs: (x) => (x && typeof x === "object" && !Array.isArray(x) ? null : "must be an object") })) return;
    const we = `${w} (${e.id})`;
    if (ids.has(e.id)) err(`${we}.id`, `duplicate id, first on line ${ids.get(e.id)}`);
    else ids.set(e.id, i + 1);
    const attrs = types.get(e.type);
    if (!attrs) err(`${we}.type`, `unknown entity type ${e.type}`);
    const reg = regions.get(e.region);
    if (!reg) err(`${we}.region`, `unknown region ${e.region}`);
    else if (!inPolys(reg.polys, e.lon, e.lat)) err(`${we}.lon/lat`, `point ${e.lon},${e.lat} is not inside region ${e.region}`);
    if (attrs) for (const [k, v] of Object.entries(e.attrs)) {
      const t = attrs.get(k);
      if (!t) { err(`${we}.attrs.${k}`, `attribute not declared for type ${e.type}`); continue; }
      if (t === "string" && typeof v !== "string") err(`${we}.attrs.${k}`, "must be a string");
      if (t === "number" && !isNum(v)) err(`${we}.attrs.${k}`, "must be a number");
      if (t === "date" && !isDate(v)) err(`${we}.attrs.${k}`, "must be a date YYYY-MM-DD");
    }
    e._where = we;
    entities.push(e);
  });
  // references between entities
  const byId = new Map(entities.map((e) => [e.id, e]));
  const ref = (e, attr, okTypes) => {
    const v = e.attrs[attr];
    if (v === undefined) return;
    const t = byId.get(v);
    if (!t) err(`${e._where}.attrs.${attr}`, `unknown entity ${v}`);
    else if (!okTypes.includes(t.type)) err(`${e._where}.attrs.${attr}`, `${v} is a ${t.type}, expected ${okTypes.join("|")}`);
  };
  for (const e of entities) {
    if (e.type === "enterprise") {
      ref(e, "building", ["building"]);
      const ind = e.attrs.industry; // declared attributes may be absent
      if (ind !== undefined && industries.size && !industries.has(ind)) err(`${e._where}.attrs.industry`, `unknown industry ${ind}`);
      if (e.attrs.contact_phone !== undefined && !/^1\d{2}-\d{4}-\d{4}$/.test(e.attrs.contact_phone)) err(`${e._where}.attrs.contact_phone`, "must look like 1xx-xxxx-xxxx");
      if (pack && pack.reference_date && isDate(e.attrs.registered) && e.attrs.registered > pack.reference_date) err(`${e._where}.attrs.registered`, "after the pack's reference_date");
    }
    if (e.type === "elevator") ref(e, "building", ["building", "mall"]);
    if (e.type === "venue") ref(e, "building", ["building", "mall"]);
    if (e.type === "fire_equipment") ref(e, "building", ["building", "mall"]);
    if (e.type === "camera") ref(e, "venue", ["venue"]);
    if (e.type === "counter" || e.type === "parking_lot") ref(e, "mall", ["mall"]);
  }
}

// ---------------------------------------------- Gongshu-specific counts ---
if (pack && pack.id === "gongshu" && regions.size) {
  const G = "gongshu/" ;
  const STREETS = ["mishixiang", "hushu", "xiaohe", "hemu", "gongchenqiao", "daguan", "shangtang", "xiangfu", "kangqiao", "banshan",
    "tianshui", "wulin", "changqing", "chaoming", "zhaohui", "wenhui", "dongxin", "shiqiao"];
  const XTD = "gongshu/dongxin/xintiandi", PARK = "gongshu/kejipark";
  const PARK_SUBS = ["beibu", "wanggu", "kangqiao_xny"].map((s) => `${PARK}/${s}`);
  const expectRegion = (id, level, parent) => {
    const r = regions.get(id);
    if (!r) { err("regions.geojson", `region ${id} missing`); return null; }
    if (r.props.level !== level) err(`${r.where}.properties.level`, `expected ${level}`);
    if (r.props.parent !== parent) err(`${r.where}.properties.parent`, `expected ${parent}`);
    return r;
  };
  const district = expectRegion("gongshu", "district", null);
  let streetArea = 0;
  for (const s of STREETS) { const r = expectRegion(G + s, "street", "gongshu"); if (r) streetArea += areaKm2(r.polys); }
  const streetCount = [...regions.values()].filter((r) => r.props.level === "street").length;
  if (streetCount !== 18) err("regions.geojson", `expected 18 streets, found ${streetCount}`);
  if (district) {
    const da = areaKm2(district.polys);
    if (Math.abs(streetArea - da) / da > 0.005) err("regions.geojson", `streets cover ${streetArea.toFixed(2)} km² but the district is ${da.toFixed(2)} km² (gaps or overlaps)`);
    const [bx0, by0, bx1, by1] = district.polys.flat(2).reduce((b, [x, y]) => [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)], [Infinity, Infinity, -Infinity, -Infinity]);
    if (bx0 < 120.05 || bx1 > 120.25 || by0 < 30.23 || by1 > 30.43) err(`${district.where}.geometry`, `bounds ${[bx0, by0, bx1, by1]} are not around Gongshu (120.1-120.2E, 30.26-30.40N)`);
    if (district.polys.length !== 1 || district.polys[0].length !== 1) err(`${district.where}.geometry`, "district outline must be one polygon without holes (a union)");
  }
  const x = expectRegion(XTD, "block", "gongshu/dongxin");
  if (x) { const a = areaKm2(x.polys); if (Math.abs(a - 0.573) > 0.02) err(`${x.where}.geometry`, `area ${a.toFixed(3)} km², expected ≈0.57 (860 亩)`); }
  const pk = expectRegion(PARK, "park", "gongshu");
  if (pk) { const a = areaKm2(pk.polys); if (Math.abs(a - 6.74) > 0.07) err(`${pk.where}.geometry`, `area ${a.toFixed(3)} km², expected ≈6.74`); }
  for (const s of PARK_SUBS) expectRegion(s, "park", PARK);
  for (const r of regions.values()) if (r.props.level !== "district" && r.props.approximate !== true) err(`${r.where}.properties.approximate`, "synthesised boundaries must be approximate: true");

  const count = (pred) => entities.filter(pred).length;
  const inRegion = (e, rid) => e.region === rid || e.region.startsWith(rid + "/");
  const expect = (label, got, want) => { if (got !== want) err("entities.ndjson", `${label}: expected ${want}, found ${got}`); };
  const X = (t, extra = () => true) => count((e) => e.region === XTD && e.type === t && extra(e));
  expect("Xintiandi apartment buildings", X("building", (e) => e.attrs.kind === "apartment"), 29);
  expect("Xintiandi office buildings", X("building", (e) => e.attrs.kind === "office"), 27);
  expect("Xintiandi buildings", X("building"), 56);
  expect("Xintiandi malls", X("mall"), 2);
  expect("Xintiandi enterprises", X("enterprise"), 3536);
  expect("Xintiandi counters", X("counter"), 8);
  expect("Xintiandi parking lots", X("parking_lot"), 6);
  expect("Xintiandi grids", X("grid"), 6);
  expect("Xintiandi elevators", X("elevator"), 120);
  expect("Xintiandi food-safety cameras", X("camera"), 40);
  expect("Xintiandi bars", X("venue", (e) => e.attrs.kind === "bar"), 15);
  expect("Xintiandi restaurants", X("venue", (e) => e.attrs.kind === "restaurant"), 60);
  expect("Xintiandi street lights", X("street_light"), 80);
  expect("Xintiandi fire equipment", X("fire_equipment"), 60);
  expect("Xintiandi patrol points", X("patrol_point"), 12);
  const hh = entities.filter((e) => e.region === XTD && e.type === "building" && e.attrs.kind === "apartment").reduce((s, e) => s + (e.attrs.households || 0), 0);
  expect("Xintiandi households", hh, 5000);
  for (const e of entities) if (e.region === XTD && e.type === "enterprise") {
    const b = entities.find((o) => o.id === e.attrs.building);
    if (!b || b.region !== XTD || b.attrs.kind !== "office") { err(`${e._where}.attrs.building`, "must be an office building of the Xintiandi block"); break; }
  }
  if (pack.reference_date) {
    const from = new Date(Date.parse(pack.reference_date + "T00:00:00Z") - 89 * 86400000).toISOString().slice(0, 10);
    const recent = X("enterprise", (e) => e.attrs.registered >= from);
    if (recent < 40 || recent > 80) err("entities.ndjson", `Xintiandi enterprises registered in the last 90 days: ${recent}, expected about 60`);
  }
  const P = (t) => count((e) => inRegion(e, PARK) && e.type === t);
  expect("park enterprises", P("enterprise"), 3120);
  expect("park construction sites", P("site"), 6);
  expect("park street lights", P("street_light"), 60);
  expect("park fire equipment", P("fire_equipment"), 80);
  expect("park patrol points", P("patrol_point"), 20);
  expect("park counters", P("counter"), 2);
  expect("park parking lots", P("parking_lot"), 4);
  for (const s of PARK_SUBS) if (!count((e) => e.region === s && e.type === "enterprise")) err("entities.ndjson", `no enterprise in ${s}`);
  const pe = entities.filter((e) => inRegion(e, PARK) && e.type === "enterprise").reduce((s, e) => s + (e.attrs.employees || 0), 0);
  if (pe < 30000) err("entities.ndjson", `park employees sum to ${pe}, expected 30,000+`);
  for (const s of STREETS) for (const t of ["counter", "parking_lot", "grid"]) {
    const n = count((e) => e.region === G + s && e.type === t);
    if (n < 2) err("entities.ndjson", `street ${s}: ${n} ${t} entities, expected 2`);
  }
  if (srcs && srcs.length !== 16) err("sources.json", `expected 16 sources, found ${srcs.length}`);
  if (supplying < 10) err("sources.json", `only ${supplying} sources supply a metric, expected at least 10`);
  // the street's linkage team has 12 departments; the catalog's service
  // departments (park committee, medical insurance, planning, HR) come on top
  const LINKAGE = ["police", "fire", "urban_mgmt", "traffic_police", "market_supervision", "health", "environment", "housing", "emergency", "culture_tourism", "commerce", "community"];
  for (const d of LINKAGE) if (!departments.has(d)) err("departments.json", `linkage-team department ${d} missing (expected the 12 of the seed)`);
  const inTeam = (deps || []).filter((d) => d.team === "linkage").map((d) => d.id).sort();
  if (JSON.stringify(inTeam) !== JSON.stringify([...LINKAGE].sort())) err("departments.json", `the linkage team is ${inTeam.join(", ")}; expected the 12 of the seed`);
  const wantMetrics = ["visitors", "parking_occupancy", "building_entries", "police_incidents", "illegal_parking_complaints", "elevator_alarms",
    "food_safety_alerts", "pm10", "noise_db", "site_workers", "light_status", "patrol_checkins", "fire_equipment_status", "tax", "employees",
    // the traffic, consumption and codes platforms' own measures
    "vehicle_flow", "consumption_txns", "code_scans",
    // the Hangzhou Center deep pit (tools/pit.mjs, issue 13 §4)
    "pit_wall_deflection", "pit_ground_settlement", "pit_building_settlement", "pit_strut_force", "pit_groundwater",
    "metro_tunnel_convergence", "metro_tunnel_settlement",
    // duty check-ins of the park's enforcement teams and grid members (tools/park.mjs, issue 13 §5)
    "duty_checkin", "light_energy"];
  for (const m of wantMetrics) if (!metrics.has(m)) err("metrics.json", `metric ${m} missing`);
  for (const m of metrics.keys()) if (!wantMetrics.includes(m)) err("metrics.json", `unexpected metric ${m}`);
  if (industries.size !== 8) err("pack.json.industries", `expected the 8 "6+2" industries, found ${industries.size}`);
}

// ------------------------------------------------ services catalog (issue 5 B) ---
// matters.json: the catalog members (group, channels, form, materials) and,
// for Gongshu, the seed's counts: 68 park items, 13 medical-insurance matters
// served by the 4 banks' outlets, one joint approval with 3 departments.
const CAT_GROUPS = ["xintiandi", "park_services", "medical_insurance", "joint_approval"];
const CAT_CHANNELS = ["customer_code", "enterprise_code", "open311", "bank_counter", "online", "staff"];
const FORM_TYPES = ["text", "textarea", "choice", "date", "phone", "photo", "location"];
const MAT_TYPES = ["pdf", "jpeg", "png"];
const matterDocs = readJson("matters.json");
const matterById = new Map();
if (matterDocs && !Array.isArray(matterDocs)) err("matters.json", "must be an array");
else if (matterDocs) matterDocs.forEach((m, i) => {
  const w = `matters.json[${i}]`;
  if (!m || typeof m !== "object" || !isStr(m.id)) { err(`${w}.id`, "required field missing"); return; }
  if (matterById.has(m.id)) err(`${w}.id`, `duplicate id ${m.id}`);
  matterById.set(m.id, m);
  for (const [k, d] of (m.departments || []).entries()) if (!departments.has(d)) err(`${w}.departments[${k}]`, `unknown department ${d}`);
  if ("group" in m && !CAT_GROUPS.includes(m.group)) err(`${w}.group`, `must be one of ${CAT_GROUPS.join(", ")}`);
  if ("keywords" in m && !(Array.isArray(m.keywords) && m.keywords.length <= 32 && m.keywords.every((k) => isStr(k) && k.length <= 64)))
    err(`${w}.keywords`, "must be an array of at most 32 words (each at most 64 characters)");
  if ("regions" in m) {
    if (!Array.isArray(m.regions) || !m.regions.length) err(`${w}.regions`, "must be a non-empty array of region paths (where the matter is offered)");
    else m.regions.forEach((r, k) => { if (!regions.has(r)) err(`${w}.regions[${k}]`, `unknown region ${JSON.stringify(r)}`); });
  }
  if ("public" in m && typeof m.public !== "boolean") err(`${w}.public`, "must be true or false");
  if (m.public === true && m.kind !== "complaint" && m.kind !== "service") err(`${w}.public`, "only a complaint or a service can be public");
  if ("channels" in m) {
    if (!Array.isArray(m.channels) || !m.channels.length) err(`${w}.channels`, "must be a non-empty array");
    else m.channels.forEach((c, k) => { if (!CAT_CHANNELS.includes(c)) err(`${w}.channels[${k}]`, `unknown channel ${JSON.stringify(c)} (one of ${CAT_CHANNELS.join(", ")})`); });
  }
  if ("form" in m) {
    if (!Array.isArray(m.form)) err(`${w}.form`, "must be an array of fields");
    else m.form.forEach((f, k) => {
      const fw = `${w}.form[${k}]`;
      if (!need(f, fw, { id: slug, label_zh: str, label_en: str })) return;
      if (!FORM_TYPES.includes(f.type)) err(`${fw}.type`, `must be one of ${FORM_TYPES.join(", ")}`);
      if (f.type === "choice" && !(Array.isArray(f.options) && f.options.length && f.options.every((o) => o && isStr(o.id) && isStr(o.label_zh) && isStr(o.label_en))))
        err(`${fw}.options`, "a choice needs options [{id, label_zh, label_en}, ...]");
      if (m.form.findIndex((g) => g && g.id === f.id) !== k) err(`${fw}.id`, `field ${f.id} is declared twice`);
    });
  }
  if ("materials" in m) {
    if (!Array.isArray(m.materials)) err(`${w}.materials`, "must be an array");
    else m.materials.forEach((x, k) => {
      const xw = `${w}.materials[${k}]`;
      if (!need(x, xw, { id: slug, name_zh: str, name_en: str })) return;
      if (typeof x.required !== "boolean") err(`${xw}.required`, "must be true or false");
      if (!Array.isArray(x.types) || !x.types.length || x.types.some((t) => !MAT_TYPES.includes(t))) err(`${xw}.types`, `must list file types among ${MAT_TYPES.join(", ")}`);
    });
  }
  if (m.group && m.group !== "xintiandi" && !Array.isArray(m.materials)) err(`${w}.materials`, `a ${m.group} matter needs its materials checklist (may be empty)`);
  if (m.group === "joint_approval") {
    if (!Array.isArray(m.departments) || m.departments.length < 2) err(`${w}.departments`, "a joint approval needs at least 2 departments deciding in parallel");
    if (!Array.isArray(m.materials) || !m.materials.some((x) => x && x.required)) err(`${w}.materials`, "a joint approval needs at least one required material");
  }
});
if (pack && pack.id === "gongshu" && matterDocs) {
  const inGroup = (g) => [...matterById.values()].filter((m) => m.group === g);
  if (inGroup("park_services").length !== 68) err("matters.json", `expected the park's 68 mobile service items (group park_services), found ${inGroup("park_services").length}`);
  const med = inGroup("medical_insurance");
  if (med.length !== 13) err("matters.json", `expected 13 medical-insurance matters (group medical_insurance), found ${med.length}`);
  for (const m of med) if (!(m.channels || []).includes("bank_counter")) err(`matters.json ${m.id}.channels`, "a medical-insurance matter must list the bank_counter channel");
  const ja = inGroup("joint_approval");
  if (ja.length < 1 || !ja.some((m) => (m.departments || []).length === 3)) err("matters.json", "expected the joint approval (三证联办) with 3 departments in parallel");
  const outlets = entities.filter((e) => e.type === "outlet");
  const banks = new Set(outlets.map((e) => e.attrs && e.attrs.bank));
  for (const b of ["icbc", "hzbank", "ubank", "cib"]) if (!banks.has(b)) err("entities.ndjson", `no outlet of bank ${b} (the seed's 4 banks)`);
  const covered = new Set();
  for (const o of outlets) {
    const ms = String((o.attrs && o.attrs.matters) || "").split(",").filter(Boolean);
    if (!ms.length) err(`${o._where}.attrs.matters`, "an outlet must list the medical-insurance matters it handles");
    for (const id of ms) {
      const m = matterById.get(id);
      if (!m || m.group !== "medical_insurance") err(`${o._where}.attrs.matters`, `${id} is not a medical-insurance matter of matters.json`);
      covered.add(id);
    }
    for (const k of ["address", "hours"]) if (!isStr(o.attrs && o.attrs[k])) err(`${o._where}.attrs.${k}`, "required for an outlet");
    // a branch named after a street stands in that street
    const street = regions.get(o.region)?.props?.name_zh?.replace(/街道$/, "");
    if (street && !o.name_zh.includes(street)) err(`${o._where}.name_zh`, `${o.name_zh} is not named after its street ${street} (${o.region})`);
  }
  for (const m of med) if (!covered.has(m.id)) err("entities.ndjson", `no outlet handles ${m.id}`);
}

// ------------------------------- supervised units (issue 13 §2, §3) ---
// The markets and stall-holders of the plastic-restriction campaign and the
// political-legal units of the inspections (tools/supervision.mjs): every
// stall names a market of its own street, a market's stalls attribute is
// its number of stall-holders, phones look like phones; for Gongshu the
// seed's 21 markets over the 18 streets, about 2,480 stall-holders (2,350
// of them sign) and the seed's five units among 12 to 15.
{
  const byId = new Map(entities.map((e) => [e.id, e]));
  const stallsOf = new Map();
  const PHONE = /^1\d{2}-\d{4}-\d{4}$/;
  for (const e of entities) {
    if (e.type === "stall") {
      const m = byId.get(e.attrs.market);
      if (!m || m.type !== "market") err(`${e._where}.attrs.market`, `${e.attrs.market} is not a market`);
      else {
        if (m.region !== e.region) err(`${e._where}.region`, `${e.region} is not its market's street ${m.region}`);
        stallsOf.set(m.id, (stallsOf.get(m.id) || 0) + 1);
      }
      if (!/^stall-\d{2}-\d{3}$/.test(e.id) || (m && e.id.slice(6, 8) !== m.id.slice(7))) err(`${e._where}.id`, "a stall's id is stall-NN-MMM with NN its market's number");
      for (const k of ["trade", "holder"]) if (!isStr(e.attrs[k])) err(`${e._where}.attrs.${k}`, "required for a stall");
    }
    if ((e.type === "stall" || e.type === "market") && !PHONE.test(e.attrs.contact_phone || "")) err(`${e._where}.attrs.contact_phone`, "must look like 1xx-xxxx-xxxx (the pledge's phone check compares it)");
  }
  for (const e of entities) if (e.type === "market" && e.attrs.stalls !== (stallsOf.get(e.id) || 0))
    err(`${e._where}.attrs.stalls`, `${e.attrs.stalls}, but ${stallsOf.get(e.id) || 0} stall entities name this market`);
  if (pack && pack.id === "gongshu") {
    const markets = entities.filter((e) => e.type === "market");
    if (markets.length !== 21) err("entities.ndjson", `expected the seed's 21 farmers' markets, found ${markets.length}`);
    const streets = new Set(markets.map((e) => e.region));
    if (streets.size !== 18) err("entities.ndjson", `the markets are in ${streets.size} streets, expected all 18`);
    const stalls = entities.filter((e) => e.type === "stall").length;
    if (stalls < 2350 || stalls > 2600) err("entities.ndjson", `${stalls} stall-holders, expected about 2,480 (2,350 of them sign)`);
    const UNIT_TYPES = ["court_tribunal", "police_station", "traffic_squad", "law_firm"];
    const units = entities.filter((e) => UNIT_TYPES.includes(e.type));
    if (units.length < 12 || units.length > 15) err("entities.ndjson", `${units.length} political-legal units, expected 12 to 15`);
    for (const [id, t] of [["legal-banshan-court", "court_tribunal"], ["legal-shiqiao-police", "police_station"], ["legal-mishixiang-police", "police_station"],
      ["legal-hushu-traffic", "traffic_squad"], ["legal-sandao-law", "law_firm"]])
      if (byId.get(id)?.type !== t) err("entities.ndjson", `the seed's unit ${id} (a ${t}) is missing`);
    for (const d of ["politics_law", "court", "justice"]) if (!departments.has(d)) err("departments.json", `department ${d} missing (issue 13 §3)`);
    const r = matterById.get("rectification");
    if (!r || r.kind !== "inspection") err("matters.json", "the rectification matter (kind inspection) is missing");
  }
}

// ------------------------- duty status and the block's six needs (issue 13 §5) ---
// statuses.json (tools/park.mjs): each status names a metric of the pack, and
// its states' values are the metric's declared states; the park has its
// enforcement teams and grid members, the block its places for 吃住行游购娱.
const statusDoc = fs.existsSync(path.join(DIR, "statuses.json")) ? readJson("statuses.json") : null;
if (statusDoc) {
  (statusDoc.statuses || []).forEach((st, i) => {
    const w = `statuses.json statuses[${i}]`;
    const m = metrics.get(st.metric);
    if (!m) { err(`${w}.metric`, `unknown metric ${st.metric}`); return; }
    const values = new Set((m.states || []).map((x) => x.value));
    (st.states || []).forEach((s, k) => {
      for (const v of s.values || []) if (values.size && !values.has(v)) err(`${w}.states[${k}].values`, `${v} is not a state of ${st.metric}`);
      if ((k === st.states.length - 1) !== !s.values) err(`${w}.states[${k}]`, "every state but the last has values and within_minutes");
    });
  });
}
if (pack.id === "gongshu") {
  const duty = entities.filter((e) => e.type === "duty_unit");
  const kinds = new Set(duty.map((e) => e.attrs && e.attrs.kind));
  for (const k of ["enforcement_team", "grid_member"]) if (!kinds.has(k)) err("entities.ndjson", `no duty_unit of kind ${k} (the seed's enforcement teams and grid members)`);
  for (const e of duty) if (!String(e.region).startsWith("gongshu/kejipark/")) err(`${e._where}.region`, "duty units are the park's (gongshu/kejipark/...)");
  const poiKinds = new Set(entities.filter((e) => e.type === "poi").map((e) => e.attrs && e.attrs.kind));
  for (const k of ["hotel", "sight", "bus_stop", "shop", "cinema"]) if (!poiKinds.has(k)) err("entities.ndjson", `no Xintiandi poi of kind ${k} (the six needs)`);
}

if (errors.length) {
  for (const e of errors.slice(0, 200)) console.error(e);
  if (errors.length > 200) console.error(`... and ${errors.length - 200} more`);
  console.error(`pack ${path.relative(process.cwd(), DIR) || DIR}: ${errors.length} problem(s)`);
  process.exit(1);
}
const byType = {};
for (const e of entities) byType[e.type] = (byType[e.type] || 0) + 1;
console.log(`pack ${pack.id} OK: ${regions.size} regions, ${departments.size} departments, ${types.size} entity types, ` +
  `${metrics.size} metrics, ${srcs.length} sources (${supplying} supplying), ${entities.length} entities`);
