// portrait.js - an entity's portrait (企业画像) in a modal: its attributes,
// current values, the trend of each of its metrics (monthly when the metric
// is monthly, such as tax; daily otherwise) and, when the alerts API is
// there, its open warnings. Opened by clicking an entity anywhere.
import { big, valueText, unitText } from './util.js';
import { ctx, TOOLTIP, alertSentence } from './panels.js';
import { $, el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, pick } from '../lib/i18n.js';
import { shortDateTime, axisLabel, monthStart } from '../lib/time.js';

let charts = [];
let returnFocus = null;

export function closePortrait() {
  for (const c of charts) c.dispose();
  charts = [];
  const wasOpen = !$('portrait').hidden;
  $('portrait').hidden = true;
  if (wasOpen && returnFocus && returnFocus.isConnected) returnFocus.focus();
  returnFocus = null;
}

$('portrait-close').addEventListener('click', closePortrait);
$('portrait').addEventListener('click', (e) => { if (e.target.id === 'portrait') closePortrait(); });
document.addEventListener('keydown', (e) => { if (e.key === 'Escape') closePortrait(); });

function attrLabel(type, id) {
  const ty = ctx.types && ctx.types.get(type);
  const a = ty && (ty.attrs || []).find((x) => x.id === id);
  return a ? pick(a, 'name') : id;
}

function attrValue(key, v) {
  const lab = ctx.labels[key] && ctx.labels[key][v];
  if (lab) return t(lab.zh, lab.en);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export async function openPortrait(id) {
  closePortrait();
  const body = $('portrait-body');
  body.replaceChildren(el('p', { text: t('加载中…', 'Loading…') }));
  $('portrait').hidden = false;
  // The modal takes the focus (Esc or the close button gives it back).
  returnFocus = document.activeElement;
  $('portrait-close').focus();
  $('portrait').dataset.entity = id;
  let daily;
  let monthly;
  try {
    [daily, monthly] = await Promise.all([
      api(`/api/v1/entities/${encodeURIComponent(id)}/portrait`),
      api(`/api/v1/entities/${encodeURIComponent(id)}/portrait?grain=month`)]);
  } catch (e) {
    body.replaceChildren(el('p', { class: 'error', text: e.message }));
    return;
  }
  const en = daily.entity;
  const ty = ctx.types && ctx.types.get(en.type);
  const attrs = Object.entries(en.attrs || {}).map(([k, v]) => el('tr', {}, el('th', { text: attrLabel(en.type, k) }), el('td', { text: attrValue(k, v) })));
  const latest = daily.latest.map((l) => {
    const m = ctx.metrics.get(l.metric) || { unit: '', name_zh: l.metric };
    return el('div', { class: 'tile', 'data-metric': l.metric },
      el('div', { class: 'label', text: pick(m, 'name') }),
      // a status metric's value by name (正常, 故障), else the number and its unit
      (m.states || []).some((x) => x.value === l.v)
        ? el('div', { class: 'value', 'data-value': String(l.v), text: valueText(m, l.v) })
        : el('div', { class: 'value', 'data-value': String(l.v), text: big(l.v) }, el('small', { text: ' ' + unitText(m.unit) })),
      el('div', { class: 'sub', text: shortDateTime(l.t) }));
  });
  const trends = el('div', { class: 'trends' });
  body.replaceChildren(
    // names, not identifiers: the type's name, the region's name
    el('h2', { 'data-entity': en.id }, el('span', { text: pick(en, 'name') }), el('small', { text: ` ${ty ? pick(ty, 'name') : en.type}` })),
    el('div', { class: 'portrait-grid' },
      el('table', { class: 'attrs' }, el('tbody', {}, el('tr', {}, el('th', { text: t('所在区域', 'Region') }), el('td', { text: ctx.regionName ? ctx.regionName(en.region) : en.region })), ...attrs)),
      el('div', {}, el('div', { class: 'tiles' }, ...latest), trends)),
    el('div', { id: 'portrait-alerts' }));
  // A metric with fewer than three daily values in 30 days (monthly
  // figures) is drawn by month instead.
  for (const s of daily.series) {
    const filled = s.points.filter((p) => p.v != null && p.v !== 0).length;
    const use = filled < 3 ? monthly.series.find((x) => x.metric === s.metric) || s : s;
    const m = ctx.metrics.get(s.metric) || { unit: '', name_zh: s.metric };
    const box = el('div', { class: 'trend', 'data-metric': s.metric, 'data-grain': use.grain });
    trends.append(el('h4', { text: `${pick(m, 'name')} · ${use.grain === 'month' ? t('近12个月', 'last 12 months') : t('近30天', 'last 30 days')}` }), box);
    // The running month is so far, not a fall: its bar is drawn faint with
    // a dashed edge and its label says so.
    const last = use.points.length - 1;
    const running = use.grain === 'month' && last >= 0 && Date.parse(use.points[last].t) >= monthStart(Date.now());
    box.dataset.partial = running ? String(last) : '';
    const data = use.points.map((p, i) => (running && i === last
      ? { value: p.v, itemStyle: { color: 'rgba(63, 208, 255, 0.35)', borderColor: '#3fd0ff', borderType: 'dashed', borderWidth: 1 } }
      : p.v));
    const chart = window.echarts.init(box);
    charts.push(chart);
    chart.setOption({
      animation: false, grid: { left: 48, right: 12, top: 10, bottom: 24 },
      tooltip: { ...TOOLTIP, trigger: 'axis', valueFormatter: (v) => big(v) + ' ' + unitText(m.unit) },
      xAxis: { type: 'category', data: use.points.map((p, i) => axisLabel(p.t, use.grain) + (running && i === last ? t('（至今）', ' (so far)') : '')), axisLabel: { color: '#9fb8e0' } },
      yAxis: { type: 'value', axisLabel: { color: '#9fb8e0', formatter: (v) => big(v) }, splitLine: { lineStyle: { color: '#15335f' } } },
      series: [{ type: use.grain === 'month' ? 'bar' : 'line', data, showSymbol: false, itemStyle: { color: '#3fd0ff' } }],
    });
  }
  try {
    const res = await api(`/api/v1/alerts?entity=${encodeURIComponent(id)}&limit=10`);
    const list = res.alerts || res.items || [];
    $('portrait-alerts').replaceChildren(el('h4', { text: t('相关预警', 'Its warnings') }),
      list.length ? el('ul', { class: 'feed' }, ...list.map((a) => el('li', { class: `sev-${a.severity || 'info'}`, title: alertSentence(a) },
        el('span', { class: 'when', text: shortDateTime(a.opened) }), el('span', { class: 'what', text: t(a.rule_name_zh || a.rule, a.rule_name_en || a.rule) }),
        el('span', { class: 'where say', text: (a.state === 'open' ? t('未解除', 'open') : t('已解除', 'cleared')) + (a.message ? ' · ' + alertSentence(a) : '') }))))
        : el('p', { class: 'empty', text: t('暂无预警', 'No warnings') }));
  } catch {
    $('portrait-alerts').replaceChildren();
  }
}
