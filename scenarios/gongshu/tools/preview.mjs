#!/usr/bin/env node
// Draws the pack's regions and entities as an SVG for a quick visual check.
//
//   node scenarios/gongshu/tools/preview.mjs [out.svg] [district|xintiandi|park]
//
// No dependencies. Convert with `rsvg-convert out.svg -o out.png` (Debian
// librsvg2-bin) or ImageMagick's `convert` to look at it.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PACK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = process.argv[2] || "/tmp/gongshu-preview.svg";
const view = process.argv[3] || "district";

const regions = JSON.parse(fs.readFileSync(path.join(PACK, "regions.geojson"), "utf8")).features;
const entities = fs.readFileSync(path.join(PACK, "entities.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));

const focus = { district: "gongshu", xintiandi: "gongshu/dongxin/xintiandi", park: "gongshu/kejipark" }[view];
if (!focus) { console.error("view must be district, xintiandi or park"); process.exit(2); }
const rings = (g) => (g.type === "Polygon" ? g.coordinates : g.coordinates.flat());
const fr = regions.find((f) => f.properties.id === focus);
let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
for (const r of rings(fr.geometry)) for (const [x, y] of r) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
const padX = (x1 - x0) * 0.06, padY = (y1 - y0) * 0.06;
x0 -= padX; x1 += padX; y0 -= padY; y1 += padY;
const kx = Math.cos(((y0 + y1) / 2) * Math.PI / 180);
const W = 1000, H = Math.round((W * (y1 - y0)) / ((x1 - x0) * kx));
const P = ([x, y]) => `${(((x - x0) / (x1 - x0)) * W).toFixed(1)},${(((y1 - y) / (y1 - y0)) * H).toFixed(1)}`;
const pathOf = (g) => rings(g).map((r) => "M" + r.map(P).join("L") + "Z").join("");

const FILL = { district: "#f4f4f4", street: "#ffffff", block: "#ffd8a8", park: "#c3e6cb" };
let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="Noto Sans CJK SC, sans-serif">` +
  `<rect width="100%" height="100%" fill="#e8eef4"/>`;
const order = ["district", "street", "park", "block"];
const shown = regions.filter((f) => view === "district" || f.properties.id.startsWith(focus) || f.properties.id === "gongshu" ||
  f.properties.level === "street");
for (const lvl of order) {
  for (const f of shown.filter((x) => x.properties.level === lvl)) {
    const sub = f.properties.parent === "gongshu/kejipark";
    s += `<path d="${pathOf(f.geometry)}" fill="${sub ? ["#a8d5b5", "#8cc9a0", "#74bd8c"][regions.filter((x) => x.properties.parent === "gongshu/kejipark").indexOf(f)] : FILL[lvl]}" ` +
      `fill-opacity="${lvl === "street" ? 0.9 : 0.8}" stroke="${lvl === "district" ? "#000" : "#555"}" stroke-width="${lvl === "district" ? 2.5 : 1}"/>`;
  }
}
const COLOR = { enterprise: "#1f77b4", building: "#8c564b", mall: "#d62728", counter: "#ff7f0e", parking_lot: "#17becf",
  grid: "#9467bd", site: "#e377c2", street_light: "#bcbd22", fire_equipment: "#d62728", patrol_point: "#2ca02c",
  elevator: "#7f7f7f", camera: "#000", venue: "#ff9896" };
const inView = (e) => e.lon >= x0 && e.lon <= x1 && e.lat >= y0 && e.lat <= y1;
for (const e of entities.filter(inView)) {
  if (view === "district" && e.type === "enterprise" && !e.id.endsWith("0")) continue; // thin out
  const [cx, cy] = P([e.lon, e.lat]).split(",");
  const r = { building: 4, mall: 7, counter: 4, parking_lot: 4, grid: 4, site: 6 }[e.type] || (view === "district" ? 1.2 : 2);
  s += `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${COLOR[e.type] || "#333"}" fill-opacity="0.85"/>`;
}
for (const f of shown) {
  if (f.properties.level === "district") continue;
  const [cx, cy] = P(f.properties.center).split(",");
  s += `<text x="${cx}" y="${cy}" font-size="${view === "district" ? 13 : 16}" text-anchor="middle" fill="#000" stroke="#fff" stroke-width="3" paint-order="stroke">${f.properties.name_zh}</text>`;
}
s += `<text x="10" y="${H - 10}" font-size="12">${focus} · lon ${x0.toFixed(3)}–${x1.toFixed(3)} lat ${y0.toFixed(3)}–${y1.toFixed(3)}</text></svg>\n`;
fs.writeFileSync(out, s);
console.log(`wrote ${out} (${W}x${H})`);
