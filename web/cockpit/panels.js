// panels.js - one renderer per panel kind of dashboards.json (kpi, line,
// bar, pie, top, table, feed; map and sandtable live in map.js). A panel
// reads its query from the API for the current perspective's region and
// draws it; refresh() runs again whenever the stream says one of its
// metrics changed. Every number shown comes from an API answer, and each
// shown value carries data-value with the raw number for the tests.
import { big, pct, queryUrl, countsView, scaled, areaKm2, withUnit, shortLabels, distinctStarts, emWidth, soFar, unitText } from './util.js';
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, pick, words, lang } from '../lib/i18n.js';
import { shortDateTime, axisLabel, ago, day, localMidnight, monthStart, HOUR } from '../lib/time.js';

const COLORS = ['#3fd0ff', '#4be3a0', '#ffc85c', '#ff7b7b', '#a58bff', '#5c9dff', '#ff9f43', '#36cfc9', '#f368e0', '#c8d6e5'];
// Tooltips on the dark stage: dark, light text (ECharts' default is white).
export const TOOLTIP = { backgroundColor: 'rgba(6, 22, 48, 0.94)', borderColor: '#2a5a9e', textStyle: { color: '#dce8ff', fontSize: 13 }, extraCssText: 'box-shadow: 0 2px 10px rgba(0,0,0,.5);' };
const AXIS = { axisLine: { lineStyle: { color: '#2a5a9e' } }, axisLabel: { color: '#9fb8e0', fontSize: 13 }, splitLine: { lineStyle: { color: '#15335f' } } };

export const ctx = {
  metrics: new Map(), // key -> metric (unit, names)
  labels: {}, // dashboards.json labels: attr -> value -> {zh, en}
  openPortrait: null, // set by cockpit.js
};

function metricOf(key) {
  return ctx.metrics.get(key) || { unit: '', name_zh: key, name_en: key };
}

// A display name for an API item: regions and entities carry names; an
// attribute group's key is looked up in the pack's labels.
function itemName(it, by) {
  const lab = by && ctx.labels[by] && ctx.labels[by][it.key];
  if (lab) return t(lab.zh, lab.en);
  if (it.key === '' || it.key == null) {
    if (it.entity) return pick(it, 'name') || it.entity;
    return t('未知', 'unknown');
  }
  return pick(it, 'name') || it.key || it.entity;
}

// Items {name, v, key, entity} for bar, pie and top panels, from any API answer.
function itemsOf(def, res) {
  const q = def.query;
  if (q.api === 'summary') {
    const field = def.value === 'sum' ? 'sum' : def.value === 'recent' ? 'recent' : 'n';
    return (res.items || []).map((it) => ({ name: itemName(it, q.by), v: it[field], key: it.key }));
  }
  if (q.api === 'top' && def.histogram) {
    const edges = def.histogram;
    const bins = edges.map((lo, i) => ({
      name: i + 1 < edges.length ? `${big(lo)}–${big(edges[i + 1])}` : `≥${big(lo)}`, v: 0, key: String(lo),
    }));
    for (const it of res.items || []) {
      let b = -1;
      for (let i = 0; i < edges.length; i++) if (it.v >= edges[i]) b = i;
      if (b >= 0) bins[b].v++;
    }
    return bins;
  }
  return (res.items || []).map((it) => ({ name: itemName(it, q.by), v: it.v, key: it.key, entity: it.entity }));
}

// The value a kpi item shows, from its query's answer.
export function kpiValue(item, res) {
  const v = item.value;
  if (v === 'total' || v === 'total+change') {
    if (item.query.api === 'latest') return sumOf(res.items);
    return res.total;
  }
  if (v === 'change') return res.change;
  if (v === 'percent') return res.total == null ? null : res.total * 100;
  if (v === 'max') return Math.max(...(res.points || []).map((p) => (p.v == null ? -Infinity : p.v)));
  if (v === 'count') return res.total;
  if (v === 'sum') return item.query.api === 'latest' ? sumOf(res.items) : res.sum;
  if (v === 'recent') return res.recent ? res.recent.n : null;
  if (v === 'area') return res.region && res.region.geometry ? areaKm2(res.region.geometry) : null;
  if (v.startsWith('group:')) {
    const g = (res.items || []).find((x) => x.key === v.slice(6));
    return g ? g.n : 0;
  }
  return null;
}

// A width measure for chart labels in `px` px of ECharts' sans-serif.
let measurer = null;
function pxWidth(px) {
  if (!measurer && typeof OffscreenCanvas !== 'undefined') measurer = new OffscreenCanvas(1, 1).getContext('2d');
  if (!measurer) return (s) => emWidth(s) * px;
  return (s) => {
    measurer.font = `${px}px sans-serif`;
    return measurer.measureText(s).width;
  };
}

// A name in a narrow list cell: its shared head (span.h) gives way with an
// ellipsis before its short distinguishing tail (span.t, from distinctStarts) does,
// so "Xintiandi Building No. 3" and "... No. 5" never read alike. The
// whole name is the title.
function midName(name, start, cls = 'name') {
  const a = Array.from(name || '');
  // a long distinguishing part shows by itself at the start: cut at the end
  if (a.length - start > 12) start = 0;
  return el('span', { class: cls + ' mid', title: name || '' },
    el('span', { class: 'h', text: a.slice(0, start).join('') }), el('span', { class: 't', text: a.slice(start).join('') }));
}

/** An alert's sentence in the page's language (message_en, else message). */
export function alertSentence(a) {
  return t(a.message || '', a.message_en || a.message || '');
}

// The sentence without its leading rule name ("消防设施故障：…" -> "…"),
// for a row that shows the rule name already.
function alertDetail(a) {
  const s = alertSentence(a);
  const rule = t(a.rule_name_zh || '', a.rule_name_en || a.rule_name_zh || '');
  const m = rule && s.startsWith(rule) ? /^[:：]\s*/u.exec(s.slice(rule.length)) : null;
  return m ? s.slice(rule.length + m[0].length) : s;
}

function sumOf(items) {
  return (items || []).reduce((a, x) => a + (x.v || 0), 0);
}

function unitOf(item) {
  // (an empty unit_en means none in English, not the Chinese one)
  if (item.unit_zh !== undefined) return lang === 'en' ? (item.unit_en ?? '') : item.unit_zh;
  if (item.value === 'change') return '';
  if (item.query && item.query.metric) return metricOf(item.query.metric).unit;
  return '';
}

class Panel {
  constructor(def, persp, host) {
    this.def = def;
    this.persp = persp;
    this.el = el('section', { class: `panel kind-${def.kind} slot-${def.slot}`, 'data-panel': def.id });
    this.title = el('h3', { text: pick(def, 'title') });
    this.body = el('div', { class: 'body' });
    this.el.append(this.title, this.body);
    host.append(this.el);
    this.chart = null;
    this.busy = null;
    this.dirty = false;
    this.drawn = false;
  }

  // Metric keys whose change should refresh this panel.
  metrics() {
    const qs = this.def.items ? this.def.items.map((i) => i.query) : [this.def.query];
    return new Set(qs.filter((q) => q && q.metric).map((q) => q.metric));
  }

  region() {
    return this.persp.region;
  }

  // Refreshes at most once at a time; a request during a refresh queues one more.
  refresh() {
    if (this.disposed) return Promise.resolve();
    if (this.busy) {
      this.dirty = true;
      return this.busy;
    }
    this.busy = this.load()
      .then(() => {
        this.drawn = true;
        this.el.classList.remove('failed');
        this.el.dataset.updated = String(Date.now());
      })
      .catch((e) => this.fail(e))
      .finally(() => {
        this.busy = null;
        if (this.dirty) {
          this.dirty = false;
          this.refresh();
        }
      });
    return this.busy;
  }

  fail(e) {
    this.drawn = true;
    this.el.classList.add('failed');
    this.body.replaceChildren(el('p', { class: 'error', text: t('数据加载失败：', 'Could not load: ') + e.message }));
  }

  ensureChart() {
    // a panel replaced while its query ran draws nothing (no chart on a detached element)
    if (this.disposed) throw new Error('replaced');
    if (!this.chart) {
      this.body.replaceChildren();
      this.chart = window.echarts.init(this.body, null, { renderer: 'canvas' });
    }
    return this.chart;
  }

  resize() {
    if (this.chart) this.chart.resize();
  }

  dispose() {
    this.disposed = true;
    if (this.chart) this.chart.dispose();
    this.chart = null;
  }

  // The URL of a query; panels pass one `now` for all their queries so
  // that identical queries give identical URLs.
  url(q, now = Date.now()) {
    return queryUrl(q, this.region(), now);
  }

  // Reads the panel's own query, noting its URL on the element (tests ask
  // the API the same question and compare).
  fetchMain() {
    const u = this.url(this.def.query);
    this.el.dataset.url = u;
    const q = this.def.query;
    return api(u).then((res) => (q.api === 'counts' ? countsView(q, res) : res));
  }
}

class KpiPanel extends Panel {
  async load() {
    const now = Date.now();
    const urls = [...new Set(this.def.items.map((i) => this.url(i.query, now)))];
    const answers = new Map(await Promise.all(urls.map(async (u) => [u, await api(u)])));
    const tiles = this.def.items.map((item) => {
      const answer = answers.get(this.url(item.query, now));
      const res = item.query.api === 'counts' ? countsView(item.query, answer, now) : answer;
      const v = kpiValue(item, res);
      const valueEl = el('div', { class: 'value', 'data-value': v == null ? '' : String(v) });
      if (item.value === 'change') {
        valueEl.textContent = pct(v);
        valueEl.classList.add(v > 0 ? 'up' : 'down');
      } else if (item.value === 'percent') {
        valueEl.textContent = v == null ? '—' : v.toFixed(1) + '%';
      } else if (item.value === 'area') {
        valueEl.textContent = v == null ? '—' : v.toFixed(2);
        valueEl.append(el('small', { text: ' ' + (pick(item, 'unit') || 'km²') }));
      } else {
        const [num, unit] = scaled(v, unitOf(item));
        valueEl.textContent = num;
        if (unit) valueEl.append(el('small', { text: ' ' + unit }));
      }
      const tile = el('div', { class: 'tile', 'data-url': this.url(item.query, now), 'data-kind': item.value },
        el('div', { class: 'label', text: pick(item, 'label') + (item.value === 'area' && res.region && res.region.approximate ? t('（示意）', ' (approx.)') : '') }), valueEl);
      if (item.value === 'total+change' && res.change !== undefined) {
        tile.append(el('div', { class: 'sub ' + (res.change > 0 ? 'up' : 'down'), 'data-change': String(res.change), text: t('同比 ', 'YoY ') + pct(res.change) }));
      } else if (item.value === 'change' && res.previous_total !== undefined) {
        tile.append(el('div', { class: 'sub', text: t('今年 ', 'now ') + big(res.total) + t(' · 去年同期 ', ' · last year ') + big(res.previous_total) }));
      } else if (item.value === 'max' && res.points) {
        const peak = res.points.reduce((a, p) => (p.v != null && (a == null || p.v > a.v) ? p : a), null);
        if (peak) tile.append(el('div', { class: 'sub', text: day(peak.t) }));
      }
      // A total over a period still running (本月, or 今年 in January) is
      // so far, not a fall: said on the tile, after its other line if any.
      const part = (item.value === 'total' || item.value === 'total+change' || item.value === 'sum') && soFar(item.query.range, now);
      if (part) {
        tile.dataset.partial = String(part.day);
        const sub = tile.querySelector('.sub');
        if (sub) sub.append(el('span', { class: 'partial', text: ' · ' + t(part.zh, part.en) }));
        else tile.append(el('div', { class: 'sub partial', text: t(part.zh, part.en) }));
      }
      return tile;
    });
    this.body.replaceChildren(el('div', { class: `tiles n${tiles.length}` }, ...tiles));
  }
}

// Is the bucket starting at t (ms) of this grain still running?
function isPartial(t, grain, now = Date.now()) {
  if (typeof t === 'string') t = Date.parse(t);
  if (grain === 'month') return t >= monthStart(now);
  if (grain === 'day') return t >= localMidnight(now);
  if (grain === 'hour') return t + HOUR > now;
  return false;
}

class LinePanel extends Panel {
  async load() {
    const q = this.def.query;
    const res = await this.fetchMain();
    const m = metricOf(q.metric);
    // Sparse series (a reading now and then) keep their dots and join across gaps.
    const sparse = res.points.filter((p) => p.v != null).length < res.points.length / 2;
    // The current period is unfinished: its point is drawn apart, dashed
    // from the last whole one and marked, never as a fall toward zero.
    const last = res.points.length - 1;
    const partial = last >= 1 && isPartial(res.points[last].t, res.grain || q.grain);
    const values = res.points.map((p) => p.v);
    this.body.dataset.partial = partial ? String(last) : '';
    const series = [{
      name: t('本期', 'This period'), type: 'line', smooth: true, showSymbol: sparse, connectNulls: true,
      data: partial ? values.map((v, i) => (i === last ? null : v)) : values,
      areaStyle: sparse ? undefined : { opacity: 0.18 }, lineStyle: { width: 2 },
    }];
    // A period that has just begun and has nothing yet (a monthly tax paid
    // on the 15th) is not drawn at all: its label says it is running.
    const pending = partial && !values[last];
    if (partial && !pending) {
      series.push({
        name: t('本期（进行中）', 'This period (so far)'), type: 'line', connectNulls: true, symbol: 'emptyCircle', symbolSize: 8,
        data: values.map((v, i) => (i >= last - 1 ? v : null)), lineStyle: { type: 'dashed', width: 2 }, color: COLORS[0],
        label: { show: true, position: 'top', color: '#9fb8e0', fontSize: 12, formatter: (p) => (p.dataIndex === last ? t('进行中', 'so far') : '') },
      });
    }
    if (res.previous) {
      series.push({ name: t('去年同期', 'Last year'), type: 'line', smooth: true, showSymbol: sparse, connectNulls: true, data: res.previous.map((p) => p.v), lineStyle: { type: 'dashed', width: 1.5 } });
    }
    this.body.dataset.total = String(res.total);
    this.ensureChart().setOption({
      color: COLORS, animation: false,
      grid: { left: 56, right: 16, top: res.previous ? 34 : 16, bottom: 28 },
      legend: res.previous ? { top: 0, textStyle: { color: '#9fb8e0' }, data: [t('本期', 'This period'), t('去年同期', 'Last year')] } : undefined,
      tooltip: { ...TOOLTIP, trigger: 'axis', valueFormatter: (v) => withUnit(v, m.unit || '') },
      xAxis: { type: 'category', data: res.points.map((p, i) => axisLabel(p.t, res.grain) + (pending && i === last ? t('（进行中）', ' (running)') : '')), ...AXIS },
      yAxis: { type: 'value', ...AXIS, axisLabel: { ...AXIS.axisLabel, formatter: (v) => big(v) } },
      series,
    }, true);
  }
}

const LABEL_W = 130; // px of a bar chart's category labels

class BarPanel extends Panel {
  async load() {
    let res = await this.fetchMain();
    let def = this.def;
    // A leaf region has no children to break down (各园区税收 on one park):
    // the pack's fallback query, with its own title, fills the panel.
    if (!(res.items || []).length && this.def.fallback) {
      def = { ...this.def, ...this.def.fallback };
      const u = this.url(def.query);
      this.el.dataset.url = u;
      res = await api(u);
    }
    this.title.textContent = pick(def, 'title');
    this.el.dataset.fallback = def === this.def ? '' : '1';
    const items = itemsOf(def, res).slice(0, 12);
    this.body.dataset.items = JSON.stringify(items.map((i) => [i.name, i.v]));
    // Long names are cut here, keeping what tells them apart (never by the
    // chart at their end, where "… No. 3" and "… No. 5" would read alike:
    // its own cut, with room to spare, is only a guard); the tooltip keeps
    // the whole name.
    const font = items.length > 8 ? 12 : 13;
    const names = items.map((i) => i.name);
    const shown = shortLabels(names, LABEL_W, pxWidth(font));
    const label = new Map(names.map((n, i) => [n, shown[i]]));
    this.body.dataset.labels = JSON.stringify(shown);
    this.ensureChart().setOption({
      color: COLORS, animation: false,
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { ...TOOLTIP, trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => big(v) },
      xAxis: { type: 'value', ...AXIS, axisLabel: { ...AXIS.axisLabel, formatter: (v) => big(v) } },
      yAxis: { type: 'category', inverse: true, data: items.map((i) => i.name), ...AXIS, axisLabel: { ...AXIS.axisLabel, interval: 0, width: LABEL_W + 40, overflow: 'truncate', fontSize: font, formatter: (v) => label.get(v) ?? v } },
      series: [{ type: 'bar', data: items.map((i) => i.v), barMaxWidth: 16, label: { show: true, position: 'right', color: '#dce8ff', formatter: (p) => big(p.value) },
        itemStyle: { borderRadius: [0, 4, 4, 0], color: new window.echarts.graphic.LinearGradient(0, 0, 1, 0, [{ offset: 0, color: '#1f6fd1' }, { offset: 1, color: '#3fd0ff' }]) } }],
    }, true);
  }
}

class PiePanel extends Panel {
  async load() {
    const res = await this.fetchMain();
    const items = itemsOf(this.def, res).filter((i) => i.v);
    this.body.dataset.items = JSON.stringify(items.map((i) => [i.name, i.v]));
    this.ensureChart().setOption({
      color: COLORS, animation: false,
      tooltip: { ...TOOLTIP, trigger: 'item', valueFormatter: (v) => big(v) },
      legend: { orient: 'vertical', right: 4, top: 'middle', textStyle: { color: '#9fb8e0', fontSize: 12 }, itemWidth: 10, itemHeight: 10 },
      series: [{ type: 'pie', radius: ['42%', '70%'], center: ['34%', '50%'], label: { show: false },
        data: items.map((i) => ({ name: i.name, value: i.v })) }],
    }, true);
  }
}

class TopPanel extends Panel {
  async load() {
    const res = await this.fetchMain();
    const items = res.items || [];
    const max = Math.max(1, ...items.map((i) => i.v || 0));
    const names = items.map((it) => itemName(it));
    const starts = distinctStarts(names);
    const rows = items.map((it, i) => {
      const row = el('li', { 'data-entity': it.entity, 'data-value': String(it.v), tabindex: '0', role: 'button' },
        el('span', { class: 'rank', text: String(i + 1) }),
        midName(names[i], starts[i]),
        el('span', { class: 'meter' }, el('i', { style: `width:${((it.v || 0) / max) * 100}%` })),
        el('span', { class: 'num', text: withUnit(it.v, metricOf(this.def.query.metric).unit === '万元' ? '万元' : '') }));
      const open = () => ctx.openPortrait(it.entity);
      row.addEventListener('click', open);
      row.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
      return row;
    });
    this.body.replaceChildren(el('ol', { class: 'ranking' }, ...rows));
  }
}

// A long list on a wall with no mouse scrolls itself, slowly (about 20 px
// a second), rests at each end, and holds still while a pointer is over it
// or it holds the focus. Stops once the box leaves the page. Returns a stop
// function.
export function autoScroll(box, { step = 1, every = 50, rest = 3000 } = {}) {
  let held = false;
  let restUntil = Date.now() + rest;
  const hold = () => { held = true; };
  const release = () => { held = false; restUntil = Date.now() + rest; };
  box.addEventListener('mouseenter', hold);
  box.addEventListener('mouseleave', release);
  box.addEventListener('focusin', hold);
  box.addEventListener('focusout', release);
  box.dataset.autoscroll = '1';
  const timer = setInterval(() => {
    if (!box.isConnected) return clearInterval(timer);
    if (held || Date.now() < restUntil || box.scrollHeight <= box.clientHeight + 1) return;
    if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1) {
      box.scrollTop = 0;
      restUntil = Date.now() + rest;
    } else {
      box.scrollTop += step;
      if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1) restUntil = Date.now() + rest;
    }
  }, every);
  return () => clearInterval(timer);
}

function freshness(iso) {
  if (!iso) return { text: t('无数据', 'no data'), cls: 'stale' };
  const now = Date.now();
  const age = (now - Date.parse(iso)) / 1000;
  return { text: ago(iso, now), cls: age < 300 ? 'fresh' : age < 86400 ? 'idle' : 'stale' };
}

// Table views other modules add for an api of their own (park.js: usage):
// {url(panel), draw(panel, answer), metrics?(panel), every?: ms between reads}.
const TABLE_VIEWS = {};
export function registerTableView(apiName, view) {
  TABLE_VIEWS[apiName] = view;
}

class TablePanel extends Panel {
  view() {
    return TABLE_VIEWS[this.def.query.api];
  }

  metrics() {
    const v = this.view();
    return v && v.metrics ? v.metrics(this) : super.metrics();
  }

  // A view with `every` is read at most that often: a refresh asked for
  // sooner is done once the time has passed.
  refresh() {
    const v = this.view();
    const since = Date.now() - (this.lastLoad || 0);
    if (v && v.every && this.drawn && since < v.every) {
      if (!this.later) this.later = setTimeout(() => { this.later = null; this.refresh(); }, v.every - since);
      return Promise.resolve();
    }
    return super.refresh();
  }

  dispose() {
    clearTimeout(this.later);
    super.dispose();
  }

  async load() {
    const q = this.def.query;
    const v = this.view();
    if (v) {
      const u = v.url(this);
      this.el.dataset.url = u;
      this.lastLoad = Date.now();
      return v.draw(this, await api(u));
    }
    const res = await this.fetchMain();
    if (q.api === 'sources') return this.sources(res);
    if (q.api === 'summary') return this.recent(res);
    return this.latest(res);
  }

  sources(res) {
    const list = res.sources || [];
    const total = list.reduce((a, s) => a + (s.records || 0), 0);
    const head = el('p', { class: 'summary', 'data-platforms': String(list.length), 'data-records': String(total),
      text: t(`${list.length} 个平台 · 共 ${big(total)} 条记录`, `${list.length} platforms · ${big(total)} records`) });
    const rows = list.map((s) => {
      const f = freshness(s.last_seen);
      return el('tr', { 'data-source': s.id },
        el('td', { text: pick(s, 'name') }),
        el('td', { class: 'num', 'data-value': String(s.records), text: big(s.records) }),
        el('td', { class: `fresh-${f.cls}`, text: f.text }));
    });
    const box = el('div', { class: 'scroll' }, el('table', {}, el('tbody', {}, ...rows)));
    this.body.replaceChildren(head, box);
    if (this.stopScroll) this.stopScroll();
    this.stopScroll = autoScroll(box);
  }

  recent(res) {
    const items = res.recent ? res.recent.items : [];
    const names = items.map((it) => itemName(it));
    const starts = distinctStarts(names);
    const rows = items.map((it, i) => {
      const tr_ = el('tr', { 'data-entity': it.entity, tabindex: '0', role: 'button' },
        el('td', {}, midName(names[i], starts[i], 'cell')), el('td', { class: 'num', text: it.value }));
      tr_.addEventListener('click', () => ctx.openPortrait(it.entity));
      return tr_;
    });
    const head = el('p', { class: 'summary', 'data-value': String(res.recent ? res.recent.n : 0),
      text: t(`今年以来 ${res.recent ? res.recent.n : 0} 家`, `${res.recent ? res.recent.n : 0} this year`) });
    this.body.replaceChildren(head, el('div', { class: 'scroll' }, el('table', {}, el('tbody', {}, ...rows))));
  }

  latest(res) {
    const byEntity = new Map();
    const metricKeys = [];
    for (const it of res.items || []) {
      if (!byEntity.has(it.entity)) byEntity.set(it.entity, { name: itemName(it), v: {} });
      byEntity.get(it.entity).v[it.metric] = it;
      if (!metricKeys.includes(it.metric)) metricKeys.push(it.metric);
    }
    const head = el('tr', {}, el('th', { text: t('名称', 'Name') }), ...metricKeys.map((k) => el('th', { class: 'num', text: pick(metricOf(k), 'name') })));
    const starts = distinctStarts([...byEntity.values()].map((e) => e.name));
    const rows = [...byEntity.entries()].map(([id, e], i) => el('tr', { 'data-entity': id }, el('td', {}, midName(e.name, starts[i], 'cell')),
      ...metricKeys.map((k) => {
        const it = e.v[k];
        return el('td', { class: 'num', 'data-value': it ? String(it.v) : '', title: it ? shortDateTime(it.t) : '', text: it ? big(it.v) + ' ' + unitText(metricOf(k).unit) : '—' });
      })));
    this.body.replaceChildren(el('div', { class: 'scroll' }, el('table', { class: `latest cols-${metricKeys.length + 1}` }, el('thead', {}, head), el('tbody', {}, ...rows))));
  }
}

const sevName = words({ critical: ['紧急', 'critical'], major: ['重要', 'major'], warning: ['一般', 'warning'], info: ['提示', 'info'] });

class FeedPanel extends Panel {
  async load() {
    const res = await this.fetchMain();
    // Open warnings first (newest first within each group), cleared after.
    const list = (res.alerts || []).slice().sort((a, b) => (b.state === 'open') - (a.state === 'open') || Date.parse(b.opened) - Date.parse(a.opened));
    const open = list.filter((a) => a.state === 'open').length;
    if (!list.length) {
      this.body.replaceChildren(el('p', { class: 'empty', 'data-open': '0', text: t('暂无预警', 'No warnings') }));
      return;
    }
    const rows = list.map((a) => {
      // the rule's name, then its sentence (the place and the figures) in
      // the page's language; the whole sentence is the row's title
      const said = a.message ? alertDetail(a) : pick(a, 'entity_name') || a.entity;
      const li = el('li', { class: `sev-${a.severity} state-${a.state}`, 'data-alert': String(a.id), title: alertSentence(a) },
        el('span', { class: 'when', text: shortDateTime(a.opened) }),
        el('span', { class: 'what' }, el('b', { class: 'sev', text: sevName(a.severity) || a.severity }), ' ', t(a.rule_name_zh || a.rule, a.rule_name_en || a.rule)),
        el('span', { class: 'where say', text: said + (a.state === 'open' ? '' : t(' · 已解除', ' · cleared')) }));
      if (ctx.openPortrait && a.entity) li.addEventListener('click', () => ctx.openPortrait(a.entity));
      return li;
    });
    const box = el('ul', { class: 'feed' }, ...rows);
    this.body.replaceChildren(el('p', { class: 'summary', 'data-open': String(open), text: t(`当前未解除 ${open} 条`, `${open} open`) }), box);
    if (this.stopScroll) this.stopScroll();
    this.stopScroll = autoScroll(box);
  }
}

const KINDS = { kpi: KpiPanel, line: LinePanel, bar: BarPanel, pie: PiePanel, top: TopPanel, table: TablePanel, feed: FeedPanel };

export function registerKind(kind, cls) {
  KINDS[kind] = cls;
}

export function createPanel(def, persp, host) {
  const Cls = KINDS[def.kind];
  if (!Cls) throw new Error('unknown panel kind ' + def.kind);
  return new Cls(def, persp, host);
}

export { Panel, itemName, COLORS };
