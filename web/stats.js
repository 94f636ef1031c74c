// stats.js - the order statistics page (/stats): a span (this month by
// default, Shanghai days) and a region, the totals as KPI cards, and per
// department, matter and child region a chart (orders now and a year
// earlier, on-time rate) with its table; on-time rate and satisfaction by
// department; CSV / Excel downloads of the same numbers from the API
// (?format=csv|xlsx) and a print layout. Names come from the answer, set as
// text, never parsed as HTML.
import { $, el } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, pick, lang, setupLang, translate } from './lib/i18n.js';
import { DAY, day, monthStart, yearStart, instant, dayStartMs } from './lib/time.js';
import { signIn, toast } from './console-common.js';
import { mountNav } from './lib/nav.js';

const ROLES = ['admin', 'dispatcher', 'viewer', 'officer'];
const GROUPS = [
  ['department', 'by_department'],
  ['matter', 'by_matter'],
  ['region', 'by_region'],
];
const charts = {};
let data = null; // the last answer of /api/v1/stats/orders
let printing = false;

// ---- the span: dates are Shanghai days, the end date included ----

const dateMs = (s) => dayStartMs(s);
const isoDay = (ms) => day(ms);
function setSpan(kind) {
  const now = Date.now();
  let from, to;
  if (kind === 'last-month') {
    from = monthStart(now, 1);
    to = monthStart(now) - DAY;
  } else if (kind === 'year') {
    from = yearStart(now);
    to = now;
  } else {
    from = monthStart(now);
    to = monthStart(now, -1) - DAY; // the month's last day
  }
  $('from').value = isoDay(from);
  $('to').value = isoDay(to);
}

function query(extra = {}) {
  const p = new URLSearchParams();
  p.set('from', instant(dateMs($('from').value)));
  p.set('to', instant(dateMs($('to').value) + DAY));
  if ($('region').value) p.set('region', $('region').value);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

// ---- numbers ----

const pct = (v) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
const score = (v) => (v === null || v === undefined ? '—' : v.toFixed(2));
const change = (v) => (v === null || v === undefined ? '—' : `${v > 0 ? '+' : ''}${v.toFixed(1)}%`);
const name = (r) => pick(r, 'name') || r.key || t('未派单', 'Not dispatched');

function kpis(x) {
  const card = (label, value, note, cls) => el('div', { class: 'kpi' + (cls ? ' ' + cls : '') },
    el('span', { text: label, title: label }), el('b', { text: value }), note ? el('small', { text: note }) : null);
  const yoy = x.yoy_pct;
  $('kpis').replaceChildren(
    card(t('工单总数', 'Orders'), String(x.orders), `${t('去年同期', 'A year earlier')} ${x.last_year.orders}`),
    card(t('已办结', 'Closed'), String(x.closed)),
    card(t('未办结', 'Open'), String(x.open)),
    card(t('超期', 'Overdue'), String(x.overdue), null, x.overdue ? 'late' : ''),
    card(t('按时办结率', 'On-time rate'), pct(x.on_time_rate), `${x.on_time}/${x.with_sla}`),
    card(t('满意度', 'Satisfaction'), score(x.satisfaction), `${t('评价', 'rated')} ${x.rated}`),
    card(t('同比', 'Year on year'), change(yoy), null, yoy > 0 ? 'up' : yoy < 0 ? 'down' : ''),
  );
}

const COLS = () => [
  [t('名称', 'Name'), name, ''],
  [t('工单数', 'Orders'), (r) => r.orders, 'num'],
  [t('已办结', 'Closed'), (r) => r.closed, 'num'],
  [t('未办结', 'Open'), (r) => r.open, 'num'],
  [t('超期', 'Overdue'), (r) => r.overdue, 'num'],
  [t('按时办结率', 'On-time rate'), (r) => pct(r.on_time_rate), 'num'],
  [t('满意度', 'Satisfaction'), (r) => score(r.satisfaction), 'num'],
  [t('去年同期', 'A year earlier'), (r) => r.last_year.orders, 'num'],
  [t('同比', 'YoY'), (r) => change(r.yoy_pct), 'num'],
];

function table(id, rows, total) {
  const cols = COLS();
  const row = (r, cls) => el('tr', { class: cls }, ...cols.map(([, f, c]) => el('td', { class: c, text: String(f(r)) })));
  $(id).replaceChildren(
    el('thead', {}, el('tr', {}, ...cols.map(([h, , c]) => el('th', { class: c, text: h })))),
    el('tbody', {}, ...(rows.length ? rows.map((r) => row(r)) : [el('tr', {}, el('td', { colspan: cols.length, class: 'note',
      text: t('这段时间没有工单', 'No orders in this span') }))]),
    total ? row({ ...total, name_zh: '合计', name_en: 'Total' }, 'total') : null));
}

// ---- charts ----

function colours() {
  return printing
    ? { text: '#000', line: '#999', now: '#1f4a8a', last: '#9bb3d6', rate: '#c0392b', sat: '#2e7d32' }
    : { text: '#dce8ff', line: '#1f4a8a', now: '#3fd0ff', last: '#4a6aa0', rate: '#ffc24b', sat: '#4be3a0' };
}

function chart(id) {
  if (!charts[id]) charts[id] = window.echarts.init($(id), null, { renderer: 'canvas' });
  return charts[id];
}

// Category labels get the width of their slot, cut with an ellipsis past it.
const labelWidth = (id, n) => Math.max(56, Math.floor(($(id).clientWidth - 140) / Math.max(n, 1)) - 8);

function groupChart(id, rows) {
  const c = colours();
  const names = rows.map(name);
  chart(id).setOption({
    animation: !printing,
    backgroundColor: 'transparent',
    textStyle: { color: c.text },
    tooltip: { trigger: 'axis', backgroundColor: '#0d2147', borderColor: '#1f4a8a', textStyle: { color: '#dce8ff' } },
    legend: { top: 0, textStyle: { color: c.text } },
    grid: { left: 48, right: 56, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: names, axisLabel: { color: c.text, interval: 0, rotate: names.length > 8 ? 30 : 0,
      width: names.length > 8 ? 120 : labelWidth(id, names.length), overflow: 'truncate' },
      axisLine: { lineStyle: { color: c.line } } },
    yAxis: [
      { type: 'value', name: t('工单数', 'Orders'), minInterval: 1, axisLabel: { color: c.text },
        nameTextStyle: { color: c.text }, splitLine: { lineStyle: { color: c.line, opacity: 0.4 } } },
      { type: 'value', name: t('按时办结率', 'On-time'), min: 0, max: 100, axisLabel: { color: c.text, formatter: '{value}%' },
        nameTextStyle: { color: c.text }, splitLine: { show: false } },
    ],
    series: [
      { name: t('本期', 'This span'), type: 'bar', barMaxWidth: 48, data: rows.map((r) => r.orders), itemStyle: { color: c.now },
        label: { show: rows.length <= 12, position: 'top', color: c.text } },
      { name: t('去年同期', 'A year earlier'), type: 'bar', barMaxWidth: 48, data: rows.map((r) => r.last_year.orders), itemStyle: { color: c.last } },
      { name: t('按时办结率', 'On-time rate'), type: 'line', yAxisIndex: 1, symbolSize: 7, itemStyle: { color: c.rate },
        data: rows.map((r) => (r.on_time_rate === null ? null : +(r.on_time_rate * 100).toFixed(1))) },
    ],
  }, true);
}

function qualityChart(all) {
  const c = colours();
  const rows = all.filter((r) => r.key); // orders not dispatched have no department to rate
  const names = rows.map(name);
  chart('c-quality').setOption({
    animation: !printing,
    backgroundColor: 'transparent',
    textStyle: { color: c.text },
    tooltip: { trigger: 'axis', backgroundColor: '#0d2147', borderColor: '#1f4a8a', textStyle: { color: '#dce8ff' } },
    legend: { top: 0, textStyle: { color: c.text } },
    grid: { left: 48, right: 56, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: names, axisLabel: { color: c.text, interval: 0, rotate: names.length > 8 ? 30 : 0,
      width: names.length > 8 ? 120 : labelWidth('c-quality', names.length), overflow: 'truncate' },
      axisLine: { lineStyle: { color: c.line } } },
    yAxis: [
      { type: 'value', name: t('按时办结率', 'On-time'), min: 0, max: 100, axisLabel: { color: c.text, formatter: '{value}%' },
        nameTextStyle: { color: c.text }, splitLine: { lineStyle: { color: c.line, opacity: 0.4 } } },
      { type: 'value', name: t('满意度', 'Satisfaction'), min: 0, max: 5, axisLabel: { color: c.text },
        nameTextStyle: { color: c.text }, splitLine: { show: false } },
    ],
    series: [
      { name: t('按时办结率', 'On-time rate'), type: 'bar', barMaxWidth: 48, itemStyle: { color: c.rate },
        data: rows.map((r) => (r.on_time_rate === null ? null : +(r.on_time_rate * 100).toFixed(1))) },
      { name: t('满意度', 'Satisfaction'), type: 'bar', barMaxWidth: 48, yAxisIndex: 1, itemStyle: { color: c.sat },
        data: rows.map((r) => (r.satisfaction === null ? null : +r.satisfaction.toFixed(2))) },
    ],
  }, true);
}

function render() {
  if (!data) return;
  const regionName = $('region').selectedOptions[0]?.textContent.trim() || data.region;
  $('caption').textContent = t(
    `${regionName} · ${$('from').value} 至 ${$('to').value} · 去年同期 ${day(data.last_year_from)} 至 ${day(Date.parse(data.last_year_to) - 1)}`,
    `${regionName} · ${$('from').value} to ${$('to').value} · a year earlier ${day(data.last_year_from)} to ${day(Date.parse(data.last_year_to) - 1)}`);
  kpis(data.total);
  for (const [g, key] of GROUPS) {
    groupChart(`c-${g}`, data[key]);
    table(`t-${g}`, data[key], data.total);
  }
  qualityChart(data.by_department);
  $('csv').href = `/api/v1/stats/orders?${query({ format: 'csv', lang })}`;
  $('xlsx').href = `/api/v1/stats/orders?${query({ format: 'xlsx', lang })}`;
  document.body.dataset.ready = '1';
}

async function load() {
  $('error').textContent = '';
  document.body.dataset.ready = '';
  try {
    data = await api(`/api/v1/stats/orders?${query()}`);
    render();
  } catch (e) {
    $('error').textContent = e.message;
  }
}

// ---- regions: district, streets, blocks and parks (not buildings) ----

function regionOptions(tree, me) {
  const out = [];
  const walk = (list, depth) => {
    for (const r of list) {
      if (depth > 2) continue;
      out.push(el('option', { value: r.id, text: '\u3000'.repeat(depth) + pick(r, 'name') }));
      walk(r.children || [], depth + 1);
    }
  };
  walk(tree.regions || [], 0);
  const keep = $('region').value || me.scope || '';
  $('region').replaceChildren(...out);
  if ([...$('region').options].some((o) => o.value === keep)) $('region').value = keep;
}

let me = null;
let tree = null;

async function main() {
  setupLang(() => { translate(); if (tree) regionOptions(tree, me); render(); });
  me = await signIn(ROLES, (u) => t(`此页面供管理员、调度员、领导和部门人员使用；当前用户 ${u.name}（${u.role}）无权查看。`,
    `This page is for administrators, dispatchers, leaders and officers; ${u.name} (${u.role}) may not see it.`));
  // the shared top bar: name and role, links to the other screens, logout
  mountNav($('topbar'), me, {
    current: 'stats',
    title: ['工单统计', 'Order statistics'],
    onLang: () => { if (tree) regionOptions(tree, me); render(); },
  });
  $('stats').hidden = false;
  tree = await api('/api/v1/regions').catch(() => ({ regions: [] }));
  regionOptions(tree, me);
  setSpan('month');
  await load();
}

$('range').addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
$('region').addEventListener('change', load);
for (const b of document.querySelectorAll('[data-span]')) b.addEventListener('click', () => { setSpan(b.dataset.span); load(); });
$('print').addEventListener('click', () => window.print());
// charts are canvases: draw them again for paper (black on white, A4 width) and back
const redraw = (p) => { printing = p; render(); for (const c of Object.values(charts)) c.resize(); };
window.addEventListener('beforeprint', () => redraw(true));
window.addEventListener('afterprint', () => redraw(false));
window.addEventListener('resize', () => { for (const c of Object.values(charts)) c.resize(); });

main().catch((e) => toast(e.message, true));
