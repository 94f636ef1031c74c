// map.js - the map and 3D sand-table panels. The map draws the current
// perspective's child regions from the store's GeoJSON, coloured by a
// metric (a breakdown by children), with the pack's entity types as points;
// clicking a region drills down. The sand table raises entities as columns
// of live activity on the region, drawn in 3D projection (see below).
import { big, unitText } from './util.js';
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, pick } from '../lib/i18n.js';
import { Panel, registerKind, ctx, itemName, TOOLTIP, alertSentence } from './panels.js';

const geoCache = new Map(); // region -> {name, features}
const entityCache = new Map(); // type|region -> entities

export async function regionMap(region) {
  if (geoCache.has(region)) return geoCache.get(region);
  const fc = await api(`/api/v1/regions.geojson?root=${encodeURIComponent(region)}&depth=1`);
  const self = fc.features.filter((f) => f.properties.id === region && f.geometry);
  const children = fc.features.filter((f) => f.properties.id !== region && f.geometry);
  // The region's own outline first (drawn underneath), then its children.
  const features = [...self, ...children].map((f) => ({ ...f, properties: { ...f.properties, name: f.properties.id } }));
  const name = 'zz:' + region;
  window.echarts.registerMap(name, { type: 'FeatureCollection', features });
  const out = { name, features, children, leaf: children.length === 0 };
  geoCache.set(region, out);
  return out;
}

// Every entity of a type in a region (following cursors), cached per page life.
async function entitiesOf(type, region) {
  const key = type + '|' + region;
  if (entityCache.has(key)) return entityCache.get(key);
  const all = [];
  let cursor = '';
  for (let page = 0; page < 20; page++) {
    const res = await api(`/api/v1/entities?type=${encodeURIComponent(type)}&region=${encodeURIComponent(region)}&limit=1000${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    all.push(...res.entities);
    if (!res.next_cursor) break;
    cursor = res.next_cursor;
  }
  entityCache.set(key, all);
  return all;
}

function regionLabel(f) {
  return pick(f.properties, 'name');
}

// The short name a crowded map can afford: 米市巷街道 -> 米市巷, "Hushu Subdistrict" -> Hushu.
function shortLabel(f) {
  return regionLabel(f).replace(/(街道|Subdistrict|Street|District)$/u, '').trim() || regionLabel(f);
}

const SYMBOLS = ['circle', 'diamond', 'triangle', 'rect', 'pin', 'roundRect'];
const POINT_COLORS = ['#ffc85c', '#4be3a0', '#ff7b7b', '#a58bff', '#36cfc9', '#f368e0'];

class MapPanel extends Panel {
  constructor(...a) {
    super(...a);
    // "metrics": the heat may be switched between these on the panel itself.
    const choices = this.def.metrics || [];
    this.metric = this.def.query.metric;
    if (choices.length > 1) {
      const sel = el('select', { class: 'heat', 'aria-label': t('着色指标', 'Heat metric') },
        ...choices.map((k) => el('option', { value: k, text: pick(ctx.metrics.get(k) || { name_zh: k, name_en: k }, 'name') })));
      sel.value = this.metric;
      sel.addEventListener('change', () => { this.metric = sel.value; this.refresh(); });
      this.title.append(sel);
    }
  }

  metrics() {
    return new Set([this.metric]);
  }

  fetchMain() {
    const u = this.url({ ...this.def.query, metric: this.metric });
    this.el.dataset.url = u;
    return api(u);
  }

  async load() {
    const q = { ...this.def.query, metric: this.metric };
    const [geo, res] = await Promise.all([regionMap(this.region()), this.fetchMain()]);
    const byId = new Map((res.items || []).map((it) => [it.key, it.v]));
    // Children take their breakdown value; the region itself, under them, stays plain.
    const values = geo.features.map((f) => (f.properties.id === this.region() && !geo.leaf
      ? { name: f.properties.id, value: null, itemStyle: { areaColor: '#0a2148' }, label: { show: false }, emphasis: { disabled: true } }
      : { name: f.properties.id, value: byId.get(f.properties.id) ?? null }));
    const max = Math.max(1, ...values.map((v) => v.value || 0));
    const types = this.def.entity_types || [];
    const points = await Promise.all(types.map((ty) => entitiesOf(ty, this.region())));
    // layers (a block's six needs): each the entities of its members, with
    // their count in the legend
    const layers = this.def.layers || [];
    const layerPoints = await Promise.all(layers.map(async (l) => (await Promise.all(l.members.map(async (m) =>
      (await entitiesOf(m.entity_type, this.region())).filter((e) => matchesWhere(e, m.where))))).flat()));
    const layerName = (l, i) => `${pick(l, 'name')} ${layerPoints[i].length}`;
    this.body.dataset.layers = JSON.stringify(layers.map((l, i) => [l.id, layerPoints[i].length]));
    // open warnings in the region, as pulsing marks
    const alerts = (await api(`/api/v1/alerts?region=${encodeURIComponent(this.region())}&state=open&limit=200`)).alerts
      .filter((a) => a.lon != null && a.lat != null);
    this.body.dataset.alerts = String(alerts.length);
    const labelOf = new Map(geo.features.map((f) => [f.properties.id, regionLabel(f)]));
    const m = ctx.metrics.get(q.metric) || { unit: '' };
    this.body.dataset.items = JSON.stringify(values.map((v) => [v.name, v.value]));
    const chart = this.ensureChart();
    // Labels: the children only (the region's own name sits in the title),
    // placed at their centres, the busiest first; a label that would overlap
    // one placed before it is hidden rather than drawn over it.
    const labelled = (geo.leaf ? geo.features : geo.children)
      .filter((f) => Array.isArray(f.properties.center))
      .map((f) => ({ f, v: byId.get(f.properties.id) ?? -1 }))
      .sort((a, b) => b.v - a.v);
    const approximate = geo.features.some((f) => f.properties.approximate && (geo.leaf || f.properties.id !== this.region()));
    this.body.dataset.approximate = approximate ? '1' : '';
    const hasHeat = !geo.leaf && values.some((v) => v.value > 0);
    chart.setOption({
      animation: false,
      graphic: approximate ? [{ type: 'text', right: 10, bottom: 8, silent: true,
        style: { text: t('街道范围为示意（approximate）', 'Street areas are approximate'), fill: '#7f9cc8', fontSize: 12 } }] : [],
      tooltip: {
        ...TOOLTIP,
        trigger: 'item',
        // (as elements: names and warning sentences go in as text, never HTML)
        formatter: (p) => (p.seriesType === 'map'
          ? el('div', {}, labelOf.get(p.name) || p.name, el('br'), `${pick(m, 'name')}: ${big(p.value)} ${unitText(m.unit)}`)
          : el('div', { class: 'tip' }, p.data.label, el('br'), p.seriesName)),
      },
      visualMap: { show: hasHeat, min: 0, max, calculable: false, orient: 'horizontal', left: 16, bottom: 12, itemWidth: 12, itemHeight: 140,
        text: [big(max), '0'], textStyle: { color: '#9fb8e0' }, inRange: { color: ['#0e2b57', '#1f6fd1', '#3fd0ff', '#ffe27a'] }, seriesIndex: 0 },
      legend: { top: 4, right: 8, orient: 'vertical', textStyle: { color: '#9fb8e0', fontSize: layers.length ? 15 : 12 },
        data: [...layers.map(layerName), ...types.map((ty) => typeName(ty)), t('预警', 'Warnings')] },
      // The map fills its panel (top/bottom/left/right) past the legend.
      geo: { map: geo.name, roam: true, nameProperty: 'name', label: { show: false },
        top: 10, bottom: 34, left: 10, right: layers.length ? 150 : types.length ? 110 : 70,
        itemStyle: { areaColor: '#0e2b57', borderColor: '#3fd0ff', borderWidth: 1 }, emphasis: { label: { show: false }, itemStyle: { areaColor: '#2a7fd6' } } },
      series: [
        { type: 'map', geoIndex: 0, data: values },
        ...layers.map((l, i) => ({
          name: layerName(l, i), type: 'scatter', coordinateSystem: 'geo', symbol: 'circle', symbolSize: 8,
          itemStyle: { color: l.color || POINT_COLORS[i % POINT_COLORS.length], borderColor: '#061630', borderWidth: 1 },
          data: layerPoints[i].filter((e) => e.lon != null && e.lat != null).map((e) => ({ value: [e.lon, e.lat], label: pick(e, 'name'), id: e.id })),
        })),
        ...types.map((ty, i) => ({
          name: typeName(ty), type: 'scatter', coordinateSystem: 'geo', symbol: SYMBOLS[i % SYMBOLS.length], symbolSize: 7,
          itemStyle: { color: POINT_COLORS[i % POINT_COLORS.length] },
          data: points[i].filter((e) => e.lon != null && e.lat != null).map((e) => ({ value: [e.lon, e.lat], label: pick(e, 'name'), id: e.id })),
        })),
        {
          name: t('预警', 'Warnings'), type: 'effectScatter', coordinateSystem: 'geo', symbolSize: 14, zlevel: 1,
          rippleEffect: { scale: 3.5, brushType: 'stroke' },
          // One series colour (the legend's); minor warnings carry their own.
          itemStyle: { color: '#ff4d4f' },
          data: alerts.map((a) => ({ value: [a.lon, a.lat], label: a.message ? alertSentence(a) : `${pick(a, 'rule_name')} · ${pick(a, 'entity_name')}`, id: a.entity, severity: a.severity,
            itemStyle: a.severity === 'critical' || a.severity === 'major' ? undefined : { color: '#ffc85c' } })),
        },
        {
          name: 'labels', type: 'scatter', coordinateSystem: 'geo', symbolSize: 1, silent: true, z: 5,
          itemStyle: { color: 'transparent' }, labelLayout: { hideOverlap: true },
          label: { show: true, position: 'inside', color: '#dce8ff', fontSize: 13, textBorderColor: '#061630', textBorderWidth: 2, formatter: (p) => p.data.name },
          data: labelled.map(({ f }) => ({ name: labelled.length > 6 ? shortLabel(f) : regionLabel(f), value: f.properties.center })),
        },
      ],
    }, true);
    chart.off('click');
    chart.on('click', (p) => {
      if (p.seriesType === 'map' || p.componentType === 'geo') {
        if (p.name !== this.region() && ctx.drill) ctx.drill(p.name);
      } else if (p.data && p.data.id && ctx.openPortrait) {
        ctx.openPortrait(p.data.id);
      }
    });
  }
}

// Does entity e pass a layer member's `where` ({attr: [values]})?
function matchesWhere(e, where) {
  if (!where) return true;
  const attrs = e.attrs || {};
  return Object.entries(where).every(([k, vals]) => vals.includes(String(attrs[k] ?? '')));
}

function typeName(ty) {
  const x = ctx.types && ctx.types.get(ty);
  return x ? pick(x, 'name') : ty;
}

// ---- the sand table ----
// echarts-gl builds its post-effect compositor with new Function(), which
// our Content-Security-Policy (no eval) forbids, and needs WebGL, which
// many video-wall PCs and headless browsers lack. So the sand table is our
// own projection on plain ECharts: the region is a plinth, every entity a
// column whose height is its value, drawn back to front with three shaded
// faces; dragging turns the table.

const TILT = 0.55; // vertical squash of the ground plane
const SKEW = 0.28; // how far depth shifts right, so the east faces show

function projector(features, angle) {
  let lon0 = 0, lat0 = 0, n = 0;
  for (const f of features) for (const ring of rings(f)) for (const [x, y] of ring) { lon0 += x; lat0 += y; n++; }
  lon0 /= n || 1;
  lat0 /= n || 1;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const c = Math.cos(angle), s = Math.sin(angle);
  // plane coordinates (x east, y north), turned by angle
  const plane = (lon, lat) => {
    const x = (lon - lon0) * k, y = lat - lat0;
    return [x * c - y * s, x * s + y * c];
  };
  const screen = (x, y, z) => [x + SKEW * y, y * TILT + z];
  return { plane, screen };
}

function rings(f) {
  const g = f.geometry;
  if (!g) return [];
  if (g.type === 'Polygon') return [g.coordinates[0]];
  if (g.type === 'MultiPolygon') return g.coordinates.map((p) => p[0]);
  return [];
}

function shade(hex, f) {
  const n = parseInt(hex.slice(1), 16);
  const ch = (v) => Math.max(0, Math.min(255, Math.round(v * f)));
  return `rgb(${ch(n >> 16)},${ch((n >> 8) & 255)},${ch(n & 255)})`;
}

const RAMP = ['#1f6fd1', '#3fd0ff', '#4be3a0', '#ffe27a', '#ff7b7b'];
function rampColor(t) {
  const i = Math.min(RAMP.length - 2, Math.floor(t * (RAMP.length - 1)));
  return t > 0.5 ? RAMP[i + 1] : RAMP[i];
}

class SandPanel extends Panel {
  constructor(...a) {
    super(...a);
    this.angle = -0.5;
    this.data = null;
  }

  async load() {
    const q = this.def.query;
    const type = q.entity_type || (ctx.metrics.get(q.metric) || {}).entity_type;
    const [res, ents, geo] = await Promise.all([this.fetchMain(), entitiesOf(type, this.region()), regionMap(this.region())]);
    const pos = new Map(ents.map((e) => [e.id, e]));
    this.data = {
      geo,
      metric: ctx.metrics.get(q.metric) || { unit: '', name_zh: q.metric },
      cols: (res.items || []).filter((it) => pos.get(it.entity) && pos.get(it.entity).lon != null)
        .map((it) => ({ id: it.entity, name: itemName(it), v: it.v || 0, lon: pos.get(it.entity).lon, lat: pos.get(it.entity).lat })),
    };
    this.body.dataset.count = String(this.data.cols.length);
    this.draw();
    if (!this.dragging) this.enableDrag();
  }

  enableDrag() {
    this.dragging = true;
    let x0 = null;
    this.body.addEventListener('pointerdown', (e) => { x0 = e.clientX; });
    window.addEventListener('pointerup', () => { x0 = null; });
    this.body.addEventListener('pointermove', (e) => {
      if (x0 == null) return;
      this.angle += (e.clientX - x0) / 240;
      x0 = e.clientX;
      this.draw();
    });
  }

  draw() {
    const { geo, cols, metric } = this.data;
    const pr = projector(geo.features, this.angle);
    // ground rings in plane coordinates, then their extent
    const ground = geo.features.map((f) => ({ f, rings: rings(f).map((r) => r.map(([lon, lat]) => pr.plane(lon, lat))) }));
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (const g of ground) for (const r of g.rings) for (const [x, y] of r) {
      const [sx, sy] = pr.screen(x, y, 0);
      minX = Math.min(minX, sx); maxX = Math.max(maxX, sx); minY = Math.min(minY, sy); maxY = Math.max(maxY, sy);
    }
    const extent = Math.max(maxX - minX, (maxY - minY) / TILT, 1e-9);
    const hmax = extent * 0.32;
    const plinth = extent * 0.025;
    const side = extent * 0.006;
    const vmax = Math.max(1, ...cols.map((c) => c.v));
    const items = cols.map((c) => {
      const [x, y] = pr.plane(c.lon, c.lat);
      return { ...c, x, y, h: (c.v / vmax) * hmax };
    }).sort((a, b) => b.y - a.y); // far first
    // keep the aspect: pad the axis ranges to the panel's shape
    const w = this.body.clientWidth || 800, h = this.body.clientHeight || 500;
    let x0 = minX, x1 = maxX, y0 = minY - plinth, y1 = maxY + hmax;
    const pad = 0.06 * extent;
    x0 -= pad; x1 += pad; y0 -= pad; y1 += pad;
    const want = w / h, have = (x1 - x0) / (y1 - y0);
    if (have < want) { const d = ((y1 - y0) * want - (x1 - x0)) / 2; x0 -= d; x1 += d; } else { const d = ((x1 - x0) / want - (y1 - y0)) / 2; y0 -= d; y1 += d; }
    const pts = (api, list) => list.map((p) => api.coord(p));
    const own = this.region();
    this.ensureChart().setOption({
      animation: false,
      grid: { left: 0, right: 0, top: 0, bottom: 0 },
      xAxis: { type: 'value', min: x0, max: x1, show: false },
      yAxis: { type: 'value', min: y0, max: y1, show: false },
      tooltip: { trigger: 'item', formatter: (p) => (p.seriesIndex === 1 ? `${items[p.dataIndex].name}<br>${pick(metric, 'name')}: ${big(items[p.dataIndex].v)} ${unitText(metric.unit)}` : t(ground[p.dataIndex].f.properties.name_zh, ground[p.dataIndex].f.properties.name_en)) },
      series: [
        { type: 'custom', coordinateSystem: 'cartesian2d', data: ground.map((g, i) => [i]), silent: false, z: 1,
          renderItem: (params, api) => {
            const g = ground[params.dataIndex];
            const isOwn = g.f.properties.id === own && ground.length > 1;
            const top = isOwn ? '#0d2a57' : '#14407a';
            return { type: 'group', children: g.rings.flatMap((r) => [
              { type: 'polygon', shape: { points: pts(api, r.map(([x, y]) => pr.screen(x, y, -plinth))) }, style: { fill: '#07183a', stroke: '#1f4a8a' } },
              { type: 'polygon', shape: { points: pts(api, r.map(([x, y]) => pr.screen(x, y, 0))) }, style: { fill: top, stroke: '#3fd0ff', lineWidth: isOwn ? 1.5 : 1, opacity: 0.95 } },
            ]) };
          } },
        { type: 'custom', coordinateSystem: 'cartesian2d', data: items.map((c, i) => [i]), z: 2,
          renderItem: (params, api) => {
            const c = items[params.dataIndex];
            const col = rampColor(c.v / vmax);
            const P = (dx, dy, z) => api.coord(pr.screen(c.x + dx, c.y + dy, z));
            const s = side;
            return { type: 'group', children: [
              { type: 'polygon', shape: { points: [P(-s, -s, 0), P(s, -s, 0), P(s, -s, c.h), P(-s, -s, c.h)] }, style: { fill: shade(col, 0.75) } },
              { type: 'polygon', shape: { points: [P(s, -s, 0), P(s, s, 0), P(s, s, c.h), P(s, -s, c.h)] }, style: { fill: shade(col, 0.5) } },
              { type: 'polygon', shape: { points: [P(-s, -s, c.h), P(s, -s, c.h), P(s, s, c.h), P(-s, s, c.h)] }, style: { fill: col } },
            ] };
          } },
      ],
    }, true);
    const chart = this.chart;
    chart.off('click');
    chart.on('click', (p) => { if (p.seriesIndex === 1 && ctx.openPortrait) ctx.openPortrait(items[p.dataIndex].id); });
  }
}

registerKind('map', MapPanel);
registerKind('sandtable', SandPanel);
