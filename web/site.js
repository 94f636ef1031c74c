// site.js - the deep-pit site view (/site): a site of dashboards.json
// "sites" (the pit's outline, the metro lines and stations, all
// approximate) drawn with its monitoring points coloured by their worst open
// alert (正常 / 预警 / 报警 / 控制值: no alert, warning, major, critical);
// clicking a point draws its last 30 days (GET /api/v1/entities/ID/portrait)
// with the three level lines of its cumulative rule (GET /api/v1/rules), and
// the open alerts of the site's points are listed with their orders. The
// alarms of the past (cleared, with a work order) are marked on each point's
// history, which reaches back over the excavation (HISTORY_DAYS), and listed
// with their orders' outcome: the state, when it closed, what each
// department did (the resolve notes of the order or its sub-orders). Every
// figure is an API answer; names are set as text, never parsed as HTML.
import { $, el } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, pick, setupLang, translate } from './lib/i18n.js';
import { shortDateTime, day } from './lib/time.js';
import { signIn, live, stateName } from './console-common.js';
import { mountNav } from './lib/nav.js';

// the point's state from its worst open alert
const STATES = [
  { id: 'normal', zh: '正常', en: 'Normal', color: '#2fbf71' },
  { id: 'warning', zh: '预警', en: 'Warning', color: '#f5c518' },
  { id: 'major', zh: '报警', en: 'Alarm', color: '#ff7a00' },
  { id: 'critical', zh: '控制值', en: 'Control value', color: '#e0282e' },
];
const RANK = { info: 0, warning: 1, major: 2, critical: 3 };
const stateOf = (sev) => STATES[Math.max(0, RANK[sev] || 0)];

let site = null; // the dashboards.json site
let points = []; // its entities
let rules = []; // the rules watching its entity type
let metrics = {}; // id -> metric
let alerts = []; // open alerts of its points
let handled = []; // cleared alerts of its points that had an order, newest first
let outcomes = {}; // order id -> {order, notes: [{department, note}]}
let departments = {}; // id -> department
let orders = {}; // order id -> order
let chosen = null; // the point shown in the history
let mapChart = null;
let histChart = null;

const HISTORY_DAYS = 210; // the excavation's whole monitoring history
const num = (v) => (v === null || v === undefined ? '—' : String(Math.round(v * 100) / 100));

async function load() {
  const dash = await api('/api/v1/dashboards');
  site = (dash.sites || [])[0] || null;
  if (!site) {
    $('error').textContent = t('数据包中没有监测工地', 'The pack declares no monitored site');
    return;
  }
  const [ents, rl, ms, ds] = await Promise.all([
    api(`/api/v1/entities?type=${encodeURIComponent(site.entity_type)}&region=${encodeURIComponent(site.region)}&limit=1000`),
    api('/api/v1/rules'),
    api('/api/v1/metrics'),
    api('/api/v1/departments').catch(() => ({ departments: [] })),
  ]);
  departments = Object.fromEntries((ds.departments || []).map((d) => [d.id, d]));
  points = ents.entities;
  rules = rl.rules.filter((r) => r.entity_type === site.entity_type);
  metrics = Object.fromEntries(ms.metrics.map((m) => [m.id, m]));
  await loadAlerts();
  await loadHandled();
}

// The alarms of the past: cleared alerts of the site's points that became
// work orders, with what each department did.
async function loadHandled() {
  const ids = new Set(points.map((p) => p.id));
  const a = await api(`/api/v1/alerts?state=cleared&region=${encodeURIComponent(site.region)}&limit=1000`);
  handled = a.alerts.filter((x) => ids.has(x.entity) && x.order);
  const got = await Promise.all(handled.map((x) => outcomeOf(x.order).catch(() => null)));
  outcomes = Object.fromEntries(got.filter(Boolean).map((o) => [o.order.id, o]));
}

async function outcomeOf(id) {
  const j = await api(`/api/v1/orders/${id}`);
  const mine = (x) => (x.timeline || []).filter((e) => e.action === 'resolve' && e.note && e.actor !== 'system');
  const notes = mine(j).map((e) => ({ department: j.order.department, note: e.note }));
  const subs = await Promise.all((j.sub_orders || []).map((s) => api(`/api/v1/orders/${s.id}`).catch(() => null)));
  for (const sj of subs.filter(Boolean)) for (const e of mine(sj)) notes.push({ department: sj.order.department, note: e.note });
  return { order: j.order, notes };
}

async function loadAlerts() {
  const ids = new Set(points.map((p) => p.id));
  const a = await api(`/api/v1/alerts?state=open&region=${encodeURIComponent(site.region)}&limit=1000`);
  alerts = a.alerts.filter((x) => ids.has(x.entity));
  const wanted = [...new Set(alerts.map((x) => x.order).filter(Boolean))];
  const got = await Promise.all(wanted.map((id) => api(`/api/v1/orders/${id}`).then((j) => j.order).catch(() => null)));
  orders = Object.fromEntries(got.filter(Boolean).map((o) => [o.id, o]));
}

// the worst open alert of each point
function worst() {
  const w = {};
  for (const a of alerts) if (!w[a.entity] || RANK[a.severity] > RANK[w[a.entity].severity]) w[a.entity] = a;
  return w;
}

function drawLegend() {
  $('site-name').textContent = pick(site, 'name');
  $('site-note').textContent = t(site.note_zh, site.note_en);
  $('legend').replaceChildren(...STATES.map((s) => el('span', { style: `--c:${s.color}`, 'data-state': s.id }, t(s.zh, s.en))));
  const w = worst();
  $('counts').replaceChildren(...STATES.map((s) => {
    const n = points.filter((p) => (w[p.id] ? stateOf(w[p.id].severity).id : 'normal') === s.id).length;
    return el('div', { 'data-state': s.id, 'data-value': String(n) }, el('span', {}, t(s.zh, s.en)), el('b', { style: `color:${s.color}` }, String(n)));
  }));
}

function drawMap() {
  const echarts = window.echarts;
  // the map is the site's frame: the outline and a box around it and the points
  const xs = [...site.outline.map((c) => c[0]), ...points.map((p) => p.lon)];
  const ys = [...site.outline.map((c) => c[1]), ...points.map((p) => p.lat)];
  const pad = 0.0012;
  const [x0, x1, y0, y1] = [Math.min(...xs) - pad * 2.2, Math.max(...xs) + pad, Math.min(...ys) - pad, Math.max(...ys) + pad];
  echarts.registerMap('pit_site', { type: 'FeatureCollection', features: [
    { type: 'Feature', properties: { name: 'frame' }, geometry: { type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] } },
    { type: 'Feature', properties: { name: 'pit' }, geometry: { type: 'Polygon', coordinates: [site.outline] } },
  ] });
  const frame = [x0, y0, x1, y1];
  const w = worst();
  const data = points.map((p) => {
    const s = w[p.id] ? stateOf(w[p.id].severity) : STATES[0];
    return { name: p.id, value: [p.lon, p.lat], state: s.id, label: p.attrs.code, itemStyle: { color: s.color },
      symbolSize: p.id === chosen ? 18 : 12 };
  });
  if (!mapChart) {
    mapChart = echarts.init($('map'));
    mapChart.on('click', (e) => { if (e.seriesId === 'points') choose(e.data.name); });
    window.addEventListener('resize', () => { mapChart.resize(); histChart?.resize(); });
  }
  // no entry animation: the points are where the map says (and clickable)
  // as soon as it is marked ready, and a refresh does not grow them again
  mapChart.setOption({
    animation: false,
    backgroundColor: 'transparent',
    tooltip: { confine: true, formatter: (e) => (e.seriesId === 'points' ? tipOf(e.data.name) : e.name) },
    geo: { map: 'pit_site', roam: true, silent: true, itemStyle: { areaColor: 'rgba(0,0,0,0)', borderColor: 'rgba(0,0,0,0)' },
      regions: [{ name: 'pit', itemStyle: { areaColor: 'rgba(120,140,170,.25)', borderColor: '#9fb3d1', borderWidth: 2 } }] },
    series: [
      { id: 'lines', type: 'lines', coordinateSystem: 'geo', polyline: true, silent: true,
        data: site.lines.map((l) => ({ name: pick(l, 'name'), coords: clip(l.coordinates, frame), lineStyle: { color: l.color, width: 5, opacity: 0.8 } })) },
      { id: 'stations', type: 'scatter', coordinateSystem: 'geo', symbol: 'rect', symbolSize: 14, silent: true,
        itemStyle: { color: '#fff', borderColor: '#333', borderWidth: 2 },
        label: { show: true, position: 'left', color: '#dfe7f3', formatter: (e) => e.data.label },
        data: site.stations.map((s) => ({ name: s.id, value: [s.lon, s.lat], label: pick(s, 'name') })) },
      { id: 'line-names', type: 'scatter', coordinateSystem: 'geo', symbolSize: 0, silent: true,
        label: { show: true, color: '#dfe7f3', formatter: (e) => e.data.text },
        data: site.lines.map((l) => lineLabel(l, frame)) },
      { id: 'points', type: 'scatter', coordinateSystem: 'geo', data, z: 5,
        label: { show: true, position: 'top', color: '#dfe7f3', fontSize: 10, formatter: (e) => e.data.label } },
    ],
  }, { replaceMerge: ['series'] });
  $('map').dataset.points = JSON.stringify(Object.fromEntries(data.map((d) => [d.name, d.state])));
  $('map').dataset.ready = '1';
}

// The part of polyline cs inside the box [x0, y0, x1, y1] (Liang-Barsky on
// each segment), so lines stop at the map's edge.
function clip(cs, [x0, y0, x1, y1]) {
  const out = [];
  for (let i = 1; i < cs.length; i++) {
    const [ax, ay] = cs[i - 1], [bx, by] = cs[i];
    const dx = bx - ax, dy = by - ay;
    let lo = 0, hi = 1, ok = true;
    for (const [p, q] of [[-dx, ax - x0], [dx, x1 - ax], [-dy, ay - y0], [dy, y1 - ay]]) {
      if (p === 0) { if (q < 0) ok = false; continue; }
      const r = q / p;
      if (p < 0) lo = Math.max(lo, r); else hi = Math.min(hi, r);
    }
    if (!ok || lo > hi) continue;
    const a = [ax + lo * dx, ay + lo * dy], b = [ax + hi * dx, ay + hi * dy];
    if (!out.length || out[out.length - 1][0] !== a[0] || out[out.length - 1][1] !== a[1]) out.push(a);
    out.push(b);
  }
  return out;
}

// A line's name at the end of its visible part, written towards the map's middle.
function lineLabel(l, frame) {
  const cs = clip(l.coordinates, frame);
  const [x, y] = cs[cs.length - 1] || l.coordinates[0];
  const [x0, y0, x1, y1] = frame;
  // the nearest edge decides: near the top the name goes below the point, and so on
  const side = [[y1 - y, 'bottom'], [y - y0, 'top'], [x1 - x, 'left'], [x - x0, 'right']].sort((a, b) => a[0] - b[0])[0][1];
  return { name: l.id, value: [x, y], text: pick(l, 'name') + t('（示意）', ' (approx.)'), label: { position: side, distance: 8 } };
}

function tipOf(id) {
  const p = points.find((x) => x.id === id);
  const a = worst()[id];
  const text = (x) => String(x).replace(/[<>&"']/g, ''); // the tooltip is HTML: names go in as plain text
  return `${text(pick(p, 'name'))}<br>${text(a ? t(stateOf(a.severity).zh, stateOf(a.severity).en) : t('正常', 'Normal'))}`;
}

// the point's metric: the one its rules watch and it has a series of
function metricOf(p, portrait) {
  const have = new Set((portrait.series || []).map((s) => s.metric));
  return site.metrics.find((m) => have.has(m)) || null;
}

async function choose(id) {
  chosen = id;
  const p = points.find((x) => x.id === id);
  const portrait = await api(`/api/v1/entities/${encodeURIComponent(id)}/portrait?days=${HISTORY_DAYS}`);
  // a later choice (a click while the opening point still loads) wins
  if (chosen !== id) return;
  const metric = metricOf(p, portrait);
  const m = metrics[metric] || { unit: '' };
  const s = (portrait.series || []).find((x) => x.metric === metric);
  const total = rules.find((r) => r.metric === metric && r.kind === 'threshold');
  $('point-name').textContent = `${p.attrs.code} · ${metric ? pick(m, 'name') : pick(p, 'name')}`;
  const levels = total ? [
    { name: t('预警值', 'Warning'), v: total.condition.value, color: STATES[1].color },
    ...(total.levels || []).map((l) => ({ name: l.severity === 'critical' ? t('控制值', 'Control value') : t('报警值', 'Alarm'),
      v: l.at, color: stateOf(l.severity).color })),
  ] : [];
  if (!histChart) histChart = window.echarts.init($('history'));
  const pts = s ? s.points : [];
  const cats = pts.map((x) => day(Date.parse(x.t)));
  // the point's alarms, past and open, on the day they opened
  const marks = [...handled, ...alerts].filter((a) => a.entity === id).map((a) => {
    const i = cats.indexOf(day(Date.parse(a.opened)));
    const st = stateOf(a.severity);
    // on the line: the reading of that day, or the nearest day's (a sparse history)
    let k = -1;
    for (let d = 0; i >= 0 && k < 0 && d < pts.length; d++) {
      if (pts[i - d] && pts[i - d].v !== null) k = i - d;
      else if (pts[i + d] && pts[i + d].v !== null) k = i + d;
    }
    return k < 0 ? null : { coord: [i, pts[k].v], value: a.order ? `#${a.order}` : t(st.zh, st.en), alert: a.id,
      itemStyle: { color: st.color }, label: { color: '#10151f', fontSize: 10 } };
  }).filter(Boolean);
  histChart.setOption({
    backgroundColor: 'transparent',
    animation: false, // redrawn on each refresh and language switch: no replay of the line
    grid: { left: 56, right: 120, top: 16, bottom: 28 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: cats, axisLabel: { color: '#9fb0c8' } },
    yAxis: { type: 'value', name: m.unit, scale: true, axisLabel: { color: '#9fb0c8' },
      splitLine: { lineStyle: { color: 'rgba(159,176,200,.15)' } },
      min: (e) => Math.min(e.min, ...levels.map((l) => l.v)), max: (e) => Math.max(e.max, ...levels.map((l) => l.v)) },
    series: [{ type: 'line', name: pick(m, 'name') || metric, data: pts.map((x) => x.v), connectNulls: true, showSymbol: false,
      lineStyle: { color: '#6cb6ff', width: 2 },
      markPoint: { symbol: 'pin', symbolSize: 34, data: marks },
      markLine: { symbol: 'none', silent: true, data: levels.map((l) => ({ yAxis: l.v, name: l.name,
        lineStyle: { color: l.color, type: 'dashed' }, label: { formatter: `${l.name} ${num(l.v)}`, color: l.color } })) } }],
  }, true);
  $('history').dataset.entity = id;
  $('history').dataset.levels = JSON.stringify(levels.map((l) => l.v));
  $('history').dataset.points = String(pts.filter((x) => x.v !== null).length);
  $('history').dataset.alarms = JSON.stringify(marks.map((m) => m.alert));
  drawMap();
}

function drawAlerts() {
  const byPoint = Object.fromEntries(points.map((p) => [p.id, p]));
  const rows = [...alerts].sort((a, b) => RANK[b.severity] - RANK[a.severity] || (a.opened < b.opened ? 1 : -1));
  $('alerts').replaceChildren(
    el('thead', {}, el('tr', {}, el('th', {}, t('级别', 'Level')), el('th', {}, t('监测点与内容', 'Point and reading')),
      el('th', {}, t('发生', 'Since')), el('th', {}, t('工单', 'Order')))),
    el('tbody', {}, ...(rows.length ? rows.map((a) => {
      const s = stateOf(a.severity);
      const o = orders[a.order];
      return el('tr', { 'data-alert': String(a.id), 'data-entity': a.entity },
        el('td', { class: 'sev', style: `color:${s.color}` }, t(s.zh, s.en)),
        el('td', {}, el('a', { href: '#', 'data-point': a.entity }, byPoint[a.entity] ? byPoint[a.entity].attrs.code : a.entity), ' ',
          t(a.message, a.message_en || a.message)),
        el('td', { class: 'nowrap' }, shortDateTime(a.opened)),
        el('td', { class: 'nowrap' }, a.order ? `#${a.order} ${o ? stateName(o.state) : ''}` : '—'));
    }) : [el('tr', {}, el('td', { colspan: '4' }, t('没有未解除的预警', 'No open alerts')))])));
  for (const a of $('alerts').querySelectorAll('a[data-point]')) {
    a.addEventListener('click', (ev) => { ev.preventDefault(); choose(a.dataset.point); });
  }
}

// The alarms of the past, handled: when, which point, the level, the order
// and what came of it.
function drawHandled() {
  const byPoint = Object.fromEntries(points.map((p) => [p.id, p]));
  const deptName = (d) => (departments[d] ? pick(departments[d], 'name') : d || '');
  $('handled').replaceChildren(
    el('thead', {}, el('tr', {}, el('th', {}, t('发生', 'Opened')), el('th', {}, t('监测点', 'Point')),
      el('th', {}, t('级别', 'Level')), el('th', {}, t('工单', 'Order')), el('th', {}, t('处置结果', 'Outcome')))),
    el('tbody', {}, ...(handled.length ? handled.map((a) => {
      const s = stateOf(a.severity);
      const o = outcomes[a.order];
      const done = o ? `${stateName(o.order.state)}${o.order.closed_at ? ' ' + shortDateTime(o.order.closed_at) : ''}` : '';
      return el('tr', { 'data-alert': String(a.id), 'data-entity': a.entity, 'data-order': String(a.order),
        'data-state': o ? o.order.state : '' },
        el('td', { class: 'nowrap' }, shortDateTime(a.opened)),
        el('td', {}, el('a', { href: '#', 'data-point': a.entity }, byPoint[a.entity] ? byPoint[a.entity].attrs.code : a.entity)),
        el('td', { class: 'sev', style: `color:${s.color}` }, t(s.zh, s.en), el('div', { class: 'val' }, `${num(a.value)}`)),
        el('td', { class: 'nowrap' }, `#${a.order}`),
        el('td', {}, el('div', { class: 'done' }, done),
          ...(o ? o.notes.map((n) => el('div', { class: 'note' }, el('b', {}, deptName(n.department) + t('：', ': ')), n.note)) : [])));
    }) : [el('tr', {}, el('td', { colspan: '5' }, t('没有已处置的历史报警', 'No alarms handled so far')))])));
  for (const a of $('handled').querySelectorAll('a[data-point]')) {
    a.addEventListener('click', (ev) => { ev.preventDefault(); choose(a.dataset.point); });
  }
}

function render() {
  if (!site) return;
  drawLegend();
  drawMap();
  drawAlerts();
  drawHandled();
  if (chosen) choose(chosen);
}

async function main() {
  setupLang(() => { translate(); render(); });
  const me = await signIn(null);
  mountNav($('topbar'), me, { current: 'site', title: ['深基坑监测', 'Deep-pit monitoring'], onLang: render });
  $('site').hidden = false;
  try {
    await load();
    render();
    document.body.dataset.ready = '1';
    if (handled.length && !chosen) await choose(handled[0].entity); // the latest handled alarm's point
    live(async () => { await loadAlerts(); await loadHandled(); render(); });
  } catch (e) {
    $('error').textContent = e.message;
  }
}

main();
