// campaign.js - a campaign's panels on the cockpit (kind "campaign", query
// {api: "campaign", campaign: ID, show}): they read the campaign engine's
// dashboard (GET /api/v1/campaigns/ID, cut to the viewer's scope) and show
// one part of it: kpi tiles of its totals, signatures by participant, the
// participants on the map coloured by their open rectification items, the
// participants x systems matrix, the months, the rectification items by
// state and the latest activities. Every number is the API's; each shown
// value carries data-value with it for the tests. The panels of one view
// share one answer, and read it again every minute.
// Two views read the campaign's rectification items instead
// (GET /api/v1/rectifications?campaign=ID&region=PERSPECTIVE, the items of
// the perspective's region only): "hazards" (the items by state and the
// open ones with their owner, deadline and work order: the park's 隐患整改)
// and "kinds" (the items by checklist item, open and closed).
import { big, shortLabels } from './util.js';
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, pick, lang, words } from '../lib/i18n.js';
import { day } from '../lib/time.js';
import { Panel, registerKind, ctx, TOOLTIP, COLORS } from './panels.js';
import { regionMap } from './map.js';

const EVERY = 60e3;
const AXIS = { axisLine: { lineStyle: { color: '#2a5a9e' } }, axisLabel: { color: '#9fb8e0', fontSize: 12 }, splitLine: { lineStyle: { color: '#15335f' } } };

// One request for the panels that ask within a few seconds of each other.
const answers = new Map(); // url -> {at, promise}
function dashboard(url) {
  const hit = answers.get(url);
  if (hit && Date.now() - hit.at < 5000) return hit.promise;
  const promise = api(url);
  answers.set(url, { at: Date.now(), promise });
  promise.catch(() => answers.delete(url));
  return promise;
}

/** The counts a kpi item names: "participants", "signed:PLEDGE",
 * "rectify:open+overdue", "on_time" (closed on time of the items due:
 * closed, or open past their deadline) ... from a dashboard's totals. */
export function campaignValue(totals, v) {
  const r = totals.rectify || {};
  if (v === 'on_time') {
    const due = (r.closed_on_time || 0) + (r.closed_late || 0) + (r.overdue || 0);
    return due ? (r.closed_on_time || 0) / due : null;
  }
  const [k, sub] = v.split(':');
  if (!sub) return totals[k] ?? null;
  if (k === 'rectify') return sub.split('+').reduce((a, s) => a + (r[s] || 0), 0);
  return (totals[k] || {})[sub] ?? null;
}

const unitOf = (item) => (lang === 'en' ? item.unit_en ?? '' : item.unit_zh ?? '');
const percent = (x) => (x == null ? '—' : (x * 100).toFixed(1) + '%');
const SYS_TABLE = { ok: ['达标', 'met'], failed: ['未达标', 'failed'], unchecked: ['未检查', 'unchecked'] };
const SYS = words(SYS_TABLE);

// The views that read the rectification items, and how many they read.
const ITEM_VIEWS = new Set(['hazards', 'kinds']);
const ITEMS_MAX = 2000;
const KIND_EM = 12; // em of a kind's label (12 px each): 144 px of the panel's 470
const STATES = ['open', 'overdue', 'closed_on_time', 'closed_late'];
const STATE_NAME = words({ open: ['整改中', 'Open'], overdue: ['逾期未改', 'Overdue'],
  closed_on_time: ['按期销号', 'Closed on time'], closed_late: ['超期销号', 'Closed late'] });

let departments = null; // id -> department, once per page
function departmentNames() {
  if (!departments) {
    departments = api('/api/v1/departments').then((res) => new Map(res.departments.map((d) => [d.id, d])));
    departments.catch(() => { departments = null; });
  }
  return departments;
}

class CampaignPanel extends Panel {
  constructor(...a) {
    super(...a);
    this.el.classList.add('show-' + this.def.query.show);
    this.timer = setInterval(() => this.refresh(), EVERY);
  }

  dispose() {
    clearInterval(this.timer);
    super.dispose();
  }

  url() {
    const id = encodeURIComponent(this.def.query.campaign);
    if (ITEM_VIEWS.has(this.def.query.show))
      return `/api/v1/rectifications?campaign=${id}&region=${encodeURIComponent(this.region())}&limit=${ITEMS_MAX}`;
    return '/api/v1/campaigns/' + id;
  }

  async load() {
    const u = this.url();
    this.el.dataset.url = u;
    const d = await dashboard(u);
    if (this.disposed) return;
    const show = this[this.def.query.show];
    if (!show) throw new Error('unknown campaign view ' + this.def.query.show);
    await show.call(this, d);
  }

  kpi(d) {
    const tiles = this.def.items.map((item) => {
      const v = campaignValue(d.totals, item.value);
      const valueEl = el('div', { class: 'value', 'data-value': v == null ? '' : String(v) });
      if (item.value === 'on_time') {
        valueEl.textContent = percent(v);
      } else {
        valueEl.textContent = big(v);
        if (unitOf(item)) valueEl.append(el('small', { text: ' ' + unitOf(item) }));
      }
      const tile = el('div', { class: 'tile', 'data-kind': item.value }, el('div', { class: 'label', text: pick(item, 'label') }), valueEl);
      const sub = (text, raw) => tile.append(el('div', { class: 'sub', 'data-value': raw == null ? '' : String(raw), text }));
      if (item.of) {
        const of = campaignValue(d.totals, item.of);
        sub(t(`应签 ${big(of)}`, `of ${big(of)}`), of);
      } else if (item.value.startsWith('signed:') && d.totals.expected) {
        const of = campaignValue(d.totals, 'expected:' + item.value.slice(7));
        sub(t(`签订率 ${percent(of ? v / of : null)}`, `${percent(of ? v / of : null)} signed`), of);
      } else if (item.parts) {
        const [a, b] = item.parts.map((p) => campaignValue(d.totals, p));
        sub(t(`整改中 ${big(a)} · 逾期 ${big(b)}`, `${big(a)} open · ${big(b)} overdue`), `${a},${b}`);
      } else if (item.value === 'on_time') {
        const r = d.totals.rectify;
        sub(t(`按期 ${r.closed_on_time} · 超期 ${r.closed_late} · 逾期未改 ${r.overdue}`, `${r.closed_on_time} on time · ${r.closed_late} late · ${r.overdue} overdue`));
      } else if (item.value === 'violations' && d.totals.inspections) {
        sub(t(`每百次检查 ${(100 * v / d.totals.inspections).toFixed(1)} 项`, `${(100 * v / d.totals.inspections).toFixed(1)} per 100 visits`));
      }
      return tile;
    });
    this.body.replaceChildren(el('div', { class: `tiles n${tiles.length}` }, ...tiles));
  }

  // Signatures of a member pledge by participant, as a share of its
  // members: a small bar per participant, the lowest share first.
  signed(d) {
    const pledge = this.def.query.pledge;
    const rows = d.participants.map((p) => ({
      id: p.entity, full: pick(p, 'name'), name: pick(p, 'name').replace(/农贸市场$|Farmers' Market$/u, '').trim() || pick(p, 'name'),
      n: (p.members_signed_by || {})[pledge] ?? p.members_signed, of: p.members,
    })).sort((a, b) => a.n / (a.of || 1) - b.n / (b.of || 1));
    this.body.dataset.items = JSON.stringify(rows.map((r) => [r.id, r.n, r.of]));
    const cells = rows.map((r) => {
      const share = r.of ? r.n / r.of : 0;
      const li = el('li', { 'data-entity': r.id, title: `${r.full}: ${r.n} / ${r.of} (${percent(share)})`, tabindex: '0', role: 'button' },
        el('span', { class: 'name', text: r.name }), el('span', { class: 'num', text: `${r.n}/${r.of}` }),
        el('span', { class: 'meter' }, el('i', { style: `width:${(share * 100).toFixed(1)}%` })));
      li.addEventListener('click', () => ctx.openPortrait && ctx.openPortrait(r.id));
      return li;
    });
    this.body.replaceChildren(el('ul', { class: 'shares' }, ...cells));
  }

  // The participants where they are, coloured by their open items.
  async map(d) {
    const geo = await regionMap(this.region());
    const types = d.campaign.participants?.entity_types || [];
    const where = new Map();
    for (const ty of types) {
      const res = await api(`/api/v1/entities?type=${encodeURIComponent(ty)}&limit=1000`);
      for (const e of res.entities) where.set(e.id, e);
    }
    const level = (n) => (n === 0 ? 0 : n <= 2 ? 1 : 2);
    const LEVELS = [[t('无未销号事项', 'none open'), '#4be3a0'], [t('1–2 项', '1–2 open'), '#ffc85c'], [t('3 项及以上', '3+ open'), '#ff5c5c']];
    const points = d.participants.filter((p) => where.get(p.entity) && where.get(p.entity).lon != null).map((p) => ({
      name: pick(p, 'name'), value: [where.get(p.entity).lon, where.get(p.entity).lat, p.open_rectify], id: p.entity, p,
    }));
    this.body.dataset.items = JSON.stringify(points.map((x) => [x.id, x.p.open_rectify]));
    const chart = this.ensureChart();
    chart.setOption({
      animation: false,
      tooltip: { ...TOOLTIP, trigger: 'item', formatter: (x) => (x.seriesType === 'map' ? '' : el('div', {}, x.data.name, el('br'),
        t(`未销号整改 ${x.data.p.open_rectify} 项 · 检查 ${x.data.p.inspections} 次`, `${x.data.p.open_rectify} open items · ${x.data.p.inspections} visits`), el('br'),
        t(`最近检查 ${day(x.data.p.last_inspection)} · 信用分 ${x.data.p.score ?? '—'}`, `last visit ${day(x.data.p.last_inspection)} · score ${x.data.p.score ?? '—'}`))) },
      legend: { top: 6, right: 8, orient: 'vertical', textStyle: { color: '#9fb8e0' }, data: LEVELS.map((l) => l[0]) },
      geo: { map: geo.name, roam: true, top: 10, bottom: 10, left: 10, right: 120, label: { show: false },
        itemStyle: { areaColor: '#0e2b57', borderColor: '#3fd0ff', borderWidth: 1 }, emphasis: { label: { show: false }, itemStyle: { areaColor: '#174a8a' } } },
      series: LEVELS.map(([name, color], i) => ({
        name, type: i === 2 ? 'effectScatter' : 'scatter', coordinateSystem: 'geo', symbolSize: (v) => 12 + Math.min(10, v[2] * 2), zlevel: 1,
        itemStyle: { color, borderColor: '#061630', borderWidth: 1 },
        label: { show: true, position: 'right', color: '#dce8ff', fontSize: 12, textBorderColor: '#061630', textBorderWidth: 2,
          formatter: (x) => x.data.name.replace(/农贸市场$|Farmers' Market$/u, '').trim() },
        labelLayout: { hideOverlap: true },
        data: points.filter((x) => level(x.p.open_rectify) === i),
      })),
    }, true);
    chart.off('click');
    chart.on('click', (x) => { if (x.data && x.data.id && ctx.openPortrait) ctx.openPortrait(x.data.id); });
  }

  // Systems (rows) x participants (columns): 6 x 21 fits under the map.
  systems(d) {
    const systems = d.campaign.systems || [];
    const parts = d.participants;
    const short = (p) => pick(p, 'name').replace(/农贸市场$|Farmers' Market$/u, '').trim();
    const head = el('tr', {}, el('th', { class: 'sys', text: t('制度', 'System') }),
      ...parts.map((p) => el('th', { class: 'part', title: pick(p, 'name'), 'data-entity': p.entity }, el('span', { text: short(p) }))));
    const rows = systems.map((s) => el('tr', { 'data-system': s.id }, el('th', { class: 'sys', title: pick(s, 'name'), text: pick(s, 'name') }),
      ...parts.map((p) => {
        const st = (p.systems || {})[s.id] || 'unchecked';
        const cell = el('td', { class: 'cell ' + st, 'data-entity': p.entity, 'data-state': st, title: `${pick(p, 'name')} · ${pick(s, 'name')}: ${SYS(st)}` });
        cell.addEventListener('click', () => ctx.openPortrait && ctx.openPortrait(p.entity));
        return cell;
      })));
    const count = (st) => parts.reduce((a, p) => a + systems.filter((s) => ((p.systems || {})[s.id] || 'unchecked') === st).length, 0);
    const legend = el('p', { class: 'summary legend' }, ...['ok', 'failed', 'unchecked'].map((st) =>
      el('span', { class: 'key ' + st, 'data-state': st, 'data-value': String(count(st)) }, el('i'), `${SYS(st)} ${count(st)}`)));
    this.body.replaceChildren(legend, el('div', { class: 'matrix-box' }, el('table', { class: 'matrix' }, el('thead', {}, head), el('tbody', {}, ...rows))));
  }

  months(d) {
    const m = d.by_month;
    this.body.dataset.total = String(m.reduce((a, x) => a + x.inspections, 0));
    this.ensureChart().setOption({
      color: COLORS, animation: false,
      grid: { left: 44, right: 44, top: 34, bottom: 26 },
      legend: { top: 0, textStyle: { color: '#9fb8e0', fontSize: 12 }, itemWidth: 14, itemHeight: 8 },
      tooltip: { ...TOOLTIP, trigger: 'axis' },
      xAxis: { type: 'category', data: m.map((x) => x.month), ...AXIS },
      yAxis: [{ type: 'value', ...AXIS, name: t('次/项', 'n'), nameTextStyle: { color: '#9fb8e0' } },
        { type: 'value', ...AXIS, splitLine: { show: false }, name: t('签署', 'signed'), nameTextStyle: { color: '#9fb8e0' } }],
      series: [
        { name: t('签署', 'Signatures'), type: 'bar', yAxisIndex: 1, data: m.map((x) => x.pledges), itemStyle: { color: 'rgba(165,139,255,.55)' }, barMaxWidth: 10 },
        { name: t('检查', 'Inspections'), type: 'line', smooth: true, showSymbol: false, data: m.map((x) => x.inspections), lineStyle: { width: 2 }, color: '#3fd0ff' },
        { name: t('违规', 'Violations'), type: 'line', smooth: true, showSymbol: false, data: m.map((x) => x.violations), lineStyle: { width: 2 }, color: '#ff7b7b' },
      ],
    }, true);
  }

  rectify(d) {
    const r = d.totals.rectify;
    const parts = [
      ['closed_on_time', t('按期销号', 'Closed on time'), '#4be3a0'], ['closed_late', t('超期销号', 'Closed late'), '#ffc85c'],
      ['open', t('整改中', 'Open'), '#3fd0ff'], ['overdue', t('逾期未改', 'Overdue'), '#ff5c5c']];
    this.body.dataset.items = JSON.stringify(parts.map(([k]) => [k, r[k]]));
    this.ensureChart().setOption({
      animation: false,
      tooltip: { ...TOOLTIP, trigger: 'item' },
      legend: { orient: 'vertical', right: 8, top: 'middle', textStyle: { color: '#9fb8e0', fontSize: 13 },
        formatter: (name) => `${name}  ${r[parts.find((p) => p[1] === name)[0]]}` },
      series: [{ type: 'pie', radius: ['45%', '72%'], center: ['32%', '52%'], label: { show: false },
        data: parts.map(([k, name, color]) => ({ name, value: r[k], itemStyle: { color } })) }],
    }, true);
  }

  // The items by state (tiles) and the open ones, most urgent first, with
  // the unit, the hazard, the owner, the deadline and the work order.
  async hazards(d) {
    const names = await departmentNames().catch(() => new Map());
    if (this.disposed) return;
    const items = d.rectify;
    const count = (st) => items.filter((x) => x.status === st).length;
    const more = items.length >= ITEMS_MAX ? '+' : '';
    const tiles = [el('div', { class: 'tile', 'data-kind': 'found' }, el('div', { class: 'label', text: t('发现隐患', 'Hazards found') }),
      el('div', { class: 'value', 'data-value': String(items.length), text: big(items.length) + more }, ...(lang === 'en' ? [] : [el('small', { text: ' 项' })])))];
    for (const st of STATES) {
      const n = count(st);
      tiles.push(el('div', { class: 'tile ' + st, 'data-kind': 'rectify:' + st }, el('div', { class: 'label', text: STATE_NAME(st) }),
        el('div', { class: 'value', 'data-value': String(n), text: big(n) + more })));
    }
    const now = Date.now();
    const open = items.filter((x) => x.status === 'open' || x.status === 'overdue')
      .sort((a, b) => Date.parse(a.deadline) - Date.parse(b.deadline));
    this.body.dataset.open = JSON.stringify(open.map((x) => [x.id, x.order]));
    const owner = (id) => (names.get(id) ? pick(names.get(id), 'name') : id);
    const rows = open.map((x) => {
      const late = x.status === 'overdue' || Date.parse(x.deadline) < now;
      const row = el('tr', { 'data-rectify': String(x.id), 'data-order': String(x.order ?? ''), 'data-state': x.status, tabindex: '0', role: 'button',
        title: `${pick(x, 'entity_name')} · ${pick(x, 'text')}${x.note ? ' · ' + x.note : ''}` },
        el('td', { class: 'unit', text: pick(x, 'entity_name') }),
        el('td', { class: 'what', text: pick(x, 'text') }),
        el('td', { class: 'owner', text: owner(x.owner) }),
        el('td', { class: 'due' + (late ? ' late' : ''), text: day(x.deadline) }),
        el('td', { class: 'order', text: x.order ? '#' + x.order : '—' }));
      row.addEventListener('click', () => ctx.openPortrait && ctx.openPortrait(x.entity));
      return row;
    });
    const head = el('tr', {}, ...[['单位', 'Unit'], ['隐患', 'Hazard'], ['责任部门', 'Owner'], ['整改期限', 'Due'], ['工单', 'Order']]
      .map(([zh, en], i) => el('th', { class: ['unit', 'what', 'owner', 'due', 'order'][i], text: t(zh, en) })));
    const list = rows.length
      ? el('div', { class: 'hazard-box' }, el('table', { class: 'hazards' }, el('thead', {}, head), el('tbody', {}, ...rows)))
      : el('p', { class: 'summary', text: t('暂无未销号隐患', 'No hazard is open') });
    this.body.replaceChildren(el('div', { class: 'tiles n5' }, ...tiles), list);
  }

  // The items by checklist item: open (open and overdue) and closed, the
  // most frequent first.
  kinds(d) {
    const by = new Map();
    for (const x of d.rectify) {
      const k = by.get(x.item) || { item: x.item, name: pick(x, 'text'), open: 0, closed: 0 };
      if (x.status === 'open' || x.status === 'overdue') k.open++;
      else k.closed++;
      by.set(x.item, k);
    }
    const rows = [...by.values()].sort((a, b) => a.open + a.closed - (b.open + b.closed)).slice(-10);
    this.body.dataset.items = JSON.stringify(rows.map((r) => [r.item, r.open + r.closed, r.open]));
    if (!rows.length) {
      if (this.chart) { this.chart.dispose(); this.chart = null; }
      this.body.replaceChildren(el('p', { class: 'summary', text: t('暂无隐患记录', 'No hazard found yet') }));
      return;
    }
    // long item texts are cut keeping what tells them apart (util.js
    // shortLabels, as the bar panels do), never by the chart at their end
    const names = rows.map((r) => r.name);
    const shown = shortLabels(names, KIND_EM);
    const label = new Map(names.map((n, i) => [n, shown[i]]));
    this.body.dataset.labels = JSON.stringify(shown);
    this.ensureChart().setOption({
      animation: false,
      grid: { left: 8, right: 30, top: 26, bottom: 4, containLabel: true },
      legend: { top: 0, right: 8, textStyle: { color: '#9fb8e0', fontSize: 12 }, itemWidth: 14, itemHeight: 8 },
      tooltip: { ...TOOLTIP, trigger: 'axis', axisPointer: { type: 'shadow' },
        formatter: (ps) => el('div', {}, rows[ps[0].dataIndex].name, ...ps.map((p) => [el('br'), `${p.seriesName} ${p.value}`]).flat()) },
      xAxis: { type: 'value', minInterval: 1, ...AXIS },
      yAxis: { type: 'category', data: names, ...AXIS,
        axisLabel: { ...AXIS.axisLabel, interval: 0, width: KIND_EM * 12 + 40, overflow: 'truncate', formatter: (v) => label.get(v) ?? v } },
      series: [
        { name: t('已销号', 'Closed'), type: 'bar', stack: 'n', data: rows.map((r) => r.closed), itemStyle: { color: '#4be3a0' }, barMaxWidth: 14 },
        { name: t('未销号', 'Open'), type: 'bar', stack: 'n', data: rows.map((r) => r.open), itemStyle: { color: '#ff5c5c' }, barMaxWidth: 14,
          label: { show: true, position: 'right', color: '#dce8ff', fontSize: 11, formatter: (p) => String(rows[p.dataIndex].open + rows[p.dataIndex].closed) } },
      ],
    }, true);
  }

  activities(d) {
    const kinds = new Map((d.campaign.activities || []).map((a) => [a.id, a]));
    const rows = d.activities.map((a) => el('li', { 'data-activity': String(a.id) },
      el('span', { class: 'when', text: day(a.ts) }),
      el('span', { class: 'what' }, el('b', { class: 'sev', text: kinds.has(a.kind) ? pick(kinds.get(a.kind), 'name') : a.kind }), ' ', a.title),
      el('span', { class: 'where say', text: (a.entity ? pick(a.entity, 'name') : t('全区', 'District')) + ' · ' + t(`${a.participants} 人参加`, `${a.participants} people`) })));
    const box = el('ul', { class: 'feed' }, ...rows);
    this.body.replaceChildren(box);
  }
}

registerKind('campaign', CampaignPanel);
