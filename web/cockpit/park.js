// park.js - the cockpit's panels for the seed's figures still missing from
// the screens (issue 13 §5): the duty status of enforcement teams and grid
// members (kind "status": counts per state, per group, or the list, from
// /api/v1/statuses/ID), the application scenarios (kind "apps": a card per
// application with its figures, each an API answer), and records returned
// vs used (a "table" panel with api "usage": the totals or per platform,
// from /api/v1/sources/usage). Every number carries data-value, and the
// panel (or figure) the URL it read, for the browser tests.
import { big, scaled, unitText } from './util.js';
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, pick, lang } from '../lib/i18n.js';
import { ago } from '../lib/time.js';
import { Panel, registerKind, registerTableView, kpiValue, ctx, autoScroll } from './panels.js';

const share = (x) => (x == null ? '—' : (x * 100).toFixed(1) + '%');

// The label of an attribute value from the pack's labels (kind: 执法队伍 ...).
function label(attr, key) {
  const lab = ctx.labels[attr] && ctx.labels[attr][key];
  return lab ? t(lab.zh, lab.en) : key || t('未分类', 'unclassified');
}

export function statusUrl(q, region) {
  const p = new URLSearchParams({ region });
  if (q.by) p.set('by', q.by);
  if (q.limit) p.set('limit', String(q.limit));
  return `/api/v1/statuses/${encodeURIComponent(q.status)}?` + p;
}

export function usageUrl(region) {
  return '/api/v1/sources/usage?' + new URLSearchParams({ region });
}

// ---- duty status ----
class StatusPanel extends Panel {
  constructor(...a) {
    super(...a);
    this.watch = null;
    // A state is its last check-in's age too: re-read every minute even
    // when no check-in arrives.
    this.timer = setInterval(() => this.refresh(), 60000);
  }

  metrics() {
    return new Set(this.watch ? [this.watch] : []);
  }

  dispose() {
    clearInterval(this.timer);
    super.dispose();
  }

  async load() {
    const u = statusUrl(this.def.query, this.region());
    this.el.dataset.url = u;
    const res = await api(u);
    this.watch = res.metric;
    this.body.dataset.total = String(res.total);
    const show = this.def.show || 'list';
    if (show === 'counts') return this.counts(res);
    if (show === 'groups') return this.groups(res);
    return this.list(res);
  }

  counts(res) {
    const tiles = res.states.map((s) => el('div', { class: 'tile state', 'data-state': s.id },
      el('div', { class: 'label' }, el('i', { class: 'dot', style: `background:${s.color || '#9fb8e0'}` }), ' ', pick(s, 'name')),
      el('div', { class: 'value', 'data-value': String(s.n), text: String(s.n) }, el('small', { text: lang === 'en' ? '' : ' 个' }))));
    const note = el('p', { class: 'summary note', text: t(`共 ${res.total} 支（人）· 按最近一次打卡`, `${res.total} in all · by the last check-in`) });
    this.body.replaceChildren(el('div', { class: `tiles n${tiles.length} states` }, ...tiles), note);
  }

  groups(res) {
    const groups = res.groups || [];
    this.body.dataset.groups = JSON.stringify(groups.map((g) => [g.key, res.states.map((s) => g.states[s.id])]));
    const chart = this.ensureChart();
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { color: '#9fb8e0' }, data: res.states.map((s) => pick(s, 'name')) },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#9fb8e0' }, splitLine: { lineStyle: { color: '#15335f' } } },
      yAxis: { type: 'category', data: groups.map((g) => label(res.by, g.key)), axisLabel: { color: '#9fb8e0', fontSize: 13 } },
      series: res.states.map((s) => ({ name: pick(s, 'name'), type: 'bar', stack: 'all', barMaxWidth: 22, itemStyle: { color: s.color || '#7f8fa6' },
        label: { show: true, color: '#061630', formatter: (p) => (p.value ? String(p.value) : '') },
        data: groups.map((g) => g.states[s.id]) })),
    }, true);
  }

  list(res) {
    const name = new Map(res.states.map((s) => [s.id, s]));
    const rows = res.items.map((it) => {
      const s = name.get(it.state);
      const last = it.last ? `${t(it.value_name_zh || '', it.value_name_en || '')} · ${ago(it.last)}` : t('未打卡', 'no check-in');
      const row = el('tr', { 'data-entity': it.entity, 'data-state': it.state, tabindex: '0', role: 'button' },
        el('td', {}, el('span', { class: 'cell', title: pick(it, 'name'), text: pick(it, 'name') })),
        el('td', { class: 'kind', text: it.group !== undefined ? label(res.by, it.group) : '' }),
        el('td', {}, el('b', { class: 'state-tag', style: `color:${s.color || '#9fb8e0'}`, text: pick(s, 'name') })),
        el('td', { class: 'when', text: last }));
      row.addEventListener('click', () => ctx.openPortrait && ctx.openPortrait(it.entity));
      return row;
    });
    const counts = res.states.map((s) => `${pick(s, 'name')} ${s.n}`).join(' · ');
    const box = el('div', { class: 'scroll' }, el('table', { class: 'status-list' }, el('tbody', {}, ...rows)));
    this.body.replaceChildren(el('p', { class: 'summary', 'data-value': String(res.total), text: counts }), box);
    if (this.stopScroll) this.stopScroll();
    this.stopScroll = autoScroll(box);
  }
}

// ---- application scenarios ----
class AppsPanel extends Panel {
  metrics() {
    const qs = this.def.items.flatMap((a) => (a.figures || []).map((f) => f.query));
    return new Set(qs.filter((q) => q.metric).map((q) => q.metric));
  }

  urlOf(q, now) {
    if (q.api === 'status') return statusUrl(q, this.region());
    if (q.api === 'usage') return usageUrl(this.region());
    return this.url(q, now);
  }

  async load() {
    const now = Date.now();
    const figs = this.def.items.flatMap((a) => a.figures || []);
    const urls = [...new Set(figs.map((f) => this.urlOf(f.query, now)))];
    const answers = new Map(await Promise.all(urls.map(async (u) => [u, await api(u)])));
    const cards = this.def.items.map((a, i) => {
      const shown = (a.figures || []).map((f) => {
        const u = this.urlOf(f.query, now);
        const v = figureValue(f, answers.get(u));
        let text;
        let unit = '';
        if (f.value === 'percent' || f.value === 'used_share') text = v == null ? '—' : (f.value === 'used_share' ? v * 100 : v).toFixed(1) + '%';
        else [text, unit] = scaled(v, f.unit_zh !== undefined ? (lang === 'en' ? f.unit_en ?? '' : f.unit_zh) : (f.query.metric && ctx.metrics.get(f.query.metric) ? ctx.metrics.get(f.query.metric).unit : ''));
        const val = el('b', { class: 'v', 'data-value': v == null ? '' : String(v), text });
        if (unit) val.append(el('small', { text: ' ' + unitText(unit) }));
        return el('div', { class: 'fig', 'data-src': u, 'data-kind': f.value }, el('span', { class: 'l', text: pick(f, 'label') }), val);
      });
      return el('li', { class: 'app', 'data-app': a.id },
        el('div', { class: 'head' }, el('span', { class: 'no', text: String(i + 1) }), el('span', { class: 'name', text: pick(a, 'name') })),
        a.note_zh ? el('div', { class: 'note', text: pick(a, 'note') }) : '',
        el('div', { class: 'figs' }, ...shown));
    });
    this.body.dataset.apps = String(cards.length);
    this.body.replaceChildren(el('ol', { class: `apps n${cards.length}` }, ...cards));
  }
}

// A figure's value: the kpi values, plus a state's count and usage's numbers.
export function figureValue(f, res) {
  if (f.value.startsWith('state:')) {
    const s = (res.states || []).find((x) => x.id === f.value.slice(6));
    return s ? s.n : 0;
  }
  if (f.value === 'records' || f.value === 'used' || f.value === 'used_share') return res[f.value];
  return kpiValue(f, res);
}

// ---- records returned vs used ----
class UsageRefresh {
  // Any record may change the counts: re-read at most every 10 s.
  static metrics() {
    return new Set(ctx.metrics.keys());
  }
}

function usageTotals(panel, res) {
  const tile = (lab, v, text, unit, key) => el('div', { class: 'tile', 'data-key': key },
    el('div', { class: 'label', text: lab }),
    el('div', { class: 'value', 'data-value': v == null ? '' : String(v), text }, unit ? el('small', { text: ' ' + unit }) : ''));
  const n = (res.sources || []).filter((s) => s.records > 0).length;
  panel.body.replaceChildren(el('div', { class: 'tiles n3' },
    tile(t('数据回流', 'Returned'), res.records, big(res.records), lang === 'en' ? 'records' : '条', 'records'),
    tile(t('已使用', 'Used'), res.used, big(res.used), lang === 'en' ? 'records' : '条', 'used'),
    tile(t('使用率', 'Share used'), res.used_share, share(res.used_share), '', 'used_share')),
  el('p', { class: 'summary note', 'data-platforms': String(n),
    text: t(`${n} 个平台回流 · "已使用"为驾驶舱面板或预警规则读取的指标的数据`, `${n} platforms · "used": records of metrics a cockpit panel or a warning rule reads`) }));
}

function usageSources(panel, res) {
  const list = (res.sources || []).filter((s) => s.records > 0).sort((a, b) => b.records - a.records);
  const head = el('tr', {}, el('th', { text: t('平台', 'Platform') }), el('th', { class: 'num', text: t('回流', 'Returned') }),
    el('th', { class: 'num', text: t('已使用', 'Used') }), el('th', { class: 'num', text: t('使用率', 'Share') }));
  const rows = list.map((s) => el('tr', { 'data-source': s.id || '' },
    el('td', {}, el('span', { class: 'cell', title: pick(s, 'name'), text: pick(s, 'name') })),
    el('td', { class: 'num', 'data-value': String(s.records), text: big(s.records) }),
    el('td', { class: 'num used', 'data-value': String(s.used), text: big(s.used) }),
    el('td', { class: 'num', text: share(s.used_share) })));
  const box = el('div', { class: 'scroll' }, el('table', { class: 'usage' }, el('thead', {}, head), el('tbody', {}, ...rows)));
  panel.body.replaceChildren(el('p', { class: 'summary', 'data-records': String(res.records), 'data-used': String(res.used),
    text: t(`回流 ${big(res.records)} 条 · 已使用 ${big(res.used)} 条`, `${big(res.records)} returned · ${big(res.used)} used`) }), box);
  if (panel.stopScroll) panel.stopScroll();
  panel.stopScroll = autoScroll(box);
}

registerTableView('usage', {
  url: (panel) => usageUrl(panel.region()),
  metrics: UsageRefresh.metrics,
  every: 10000,
  draw: (panel, res) => ((panel.def.show || 'sources') === 'totals' ? usageTotals(panel, res) : usageSources(panel, res)),
});

registerKind('status', StatusPanel);
registerKind('apps', AppsPanel);
