// services.js - the public services catalog (/services): every matter from
// GET /api/public/catalog with its channels, departments, time limit and
// materials checklist, searched by keyword on the server (Chinese first),
// and the medical-insurance outlets from GET /api/public/outlets on an
// ECharts map with the district outline and a list of what each handles.
// No session; text goes in through textContent only.
import { el } from './lib/dom.js';
import { api } from './lib/api.js';
import { lang, t, pick, words, setupLang } from './lib/i18n.js';

let catalog = null; // the last answer, for names of departments
let allMatters = null; // the unfiltered catalog, for outlet matter names
let outlets = null;
let chart = null;
let outletMatter = null; // 去网点办理: only the outlets that handle this matter

const CHANNELS = {
  customer_code: ['顾客码', 'Customer code'], enterprise_code: ['企业码', 'Enterprise code'], open311: ['Open311', 'Open311'],
  bank_counter: ['银行网点', 'Bank counter'], online: ['网上办', 'Online'], staff: ['窗口办', 'At the counter'],
};
const BANKS = { icbc: ['工商银行', 'ICBC'], hzbank: ['杭州银行', 'Bank of Hangzhou'], ubank: ['联合银行', 'United Bank'], cib: ['兴业银行', 'Industrial Bank'] };
const w = words({ channel: CHANNELS, bank: BANKS });
const name = (o) => pick(o, 'name') || o.id;

/** A time limit in words: minutes to hours or (working) days. */
function limit(min) {
  if (min >= 1440) { const d = Math.round(min / 1440); return t(`${d}天`, `${d} day${d > 1 ? 's' : ''}`); }
  if (min >= 60) { const h = Math.round(min / 60); return t(`${h}小时`, `${h} h`); }
  return t(`${min}分钟`, `${min} min`);
}

function renderMatters() {
  const list = document.getElementById('matters');
  list.replaceChildren();
  const group = document.getElementById('group').value;
  const ms = catalog.matters.filter((m) => !group || m.group === group);
  document.getElementById('count').textContent = t(`共 ${ms.length} 项`, `${ms.length} matters`);
  for (const m of ms) {
    const deps = m.departments.map((d) => (catalog.departments[d] ? name({ id: d, ...catalog.departments[d] }) : d)).join('、');
    const chans = (m.channels || []).map((c) => el('span', { class: 'tag' }, w('channel', c) || c));
    const mats = (m.materials || []).map((x) => el('li', { class: x.required ? '' : 'opt' },
      name(x) + (x.required ? '' : t('（可选）', ' (optional)')) + ` · ${(x.types || []).join('/').toUpperCase()}`));
    const desc = lang === 'en' ? m.description_en : m.description_zh; // no fallback: an English page shows no Chinese paragraph
    // where the workflow sends it elsewhere, as it really routes
    const routed = (m.routing || []).map((r) => {
      const who = r.departments.map((d) => (catalog.departments[d] ? name({ id: d, ...catalog.departments[d] }) : d)).join('、');
      return el('span', { class: 'routing' }, t(`${r.region_name_zh || r.region}由${who}办理`, `in ${r.region_name_en || r.region}: ${who}`));
    });
    list.append(el('li', { class: 'matter', 'data-id': m.id },
      el('h3', {}, el('span', { class: 'mname' }, name(m)), goAction(m)),
      el('div', { class: 'meta' }, el('span', {}, t('部门：', 'Department: ') + deps), ...routed, el('span', {}, t('时限：', 'Time limit: ') + limit(m.sla_resolve_minutes))),
      el('div', { class: 'meta' }, ...chans),
      desc ? el('p', { class: 'meta' }, desc) : '',
      mats.length ? el('ul', { class: 'materials', 'aria-label': t('材料清单', 'Materials') }, ...mats)
        : el('p', { class: 'meta' }, t('无需材料', 'No materials needed'))));
  }
}

// 去办理: what a citizen does next for matter m. An online application opens
// its form; a bank-counter matter shows the outlets that handle it; a matter
// taken by codes says which code to scan on site.
function goAction(m) {
  const ch = m.channels || [];
  if (m.kind === 'application' && ch.includes('online'))
    return el('a', { class: 'go', href: `/m/o/${encodeURIComponent(m.id)}`, 'data-go': 'online' }, t('去办理', 'Apply'));
  if (ch.includes('bank_counter')) {
    return el('button', { type: 'button', class: 'go', 'data-go': 'outlets', onclick: () => {
      outletMatter = m.id;
      if (outlets) renderOutlets();
      document.getElementById('outlets-section').scrollIntoView({ behavior: 'smooth' });
    } }, t('去网点办理', 'Find a counter'));
  }
  if (ch.includes('customer_code')) return el('span', { class: 'go hint', 'data-go': 'code' }, t('扫描现场顾客码反映', 'Scan the code on site'));
  if (ch.includes('enterprise_code')) return el('span', { class: 'go hint', 'data-go': 'code' }, t('扫描企业码办理', 'Scan your company code'));
  return null;
}

function renderOutlets() {
  const byId = new Map((allMatters || []).map((m) => [m.id, m]));
  const list = document.getElementById('outlets');
  list.replaceChildren();
  const shown = outlets.outlets.filter((o) => !outletMatter || o.matters.includes(outletMatter));
  const filter = document.getElementById('outlet-filter');
  if (filter) {
    filter.hidden = !outletMatter;
    const mm = outletMatter && byId.get(outletMatter);
    filter.replaceChildren(...(mm ? [t(`可办“${name(mm)}”的网点 ${shown.length} 个 `, `${shown.length} counters handle “${name(mm)}” `),
      el('button', { type: 'button', id: 'outlet-all', onclick: () => { outletMatter = null; renderOutlets(); } }, t('显示全部', 'Show all'))] : []));
  }
  for (const o of shown) {
    const bank = w('bank', o.bank) || o.bank;
    list.append(el('li', { class: 'outlet', 'data-id': o.id },
      el('h3', {}, name(o)),
      el('div', { class: 'meta' }, el('span', { class: 'tag' }, bank), el('span', {}, o.address), el('span', {}, o.hours)),
      el('p', { class: 'mlist' }, t(`可办 ${o.matters.length} 项：`, `${o.matters.length} matters: `) +
        o.matters.map((id) => (byId.get(id) ? name(byId.get(id)) : id)).join(t('、', ', ')))));
  }
  if (!chart) {
    window.echarts.registerMap('gongshu_outline', outlets.outline);
    chart = window.echarts.init(document.getElementById('map'), null, { renderer: 'canvas' });
    window.addEventListener('resize', () => chart.resize());
  }
  chart.setOption({
    tooltip: { trigger: 'item', formatter: (p) => (p.data && p.data.label) || p.name },
    geo: { map: 'gongshu_outline', roam: true, itemStyle: { areaColor: '#e6eef8', borderColor: '#0b3d6e' }, label: { show: false } },
    legend: { bottom: 0, data: Object.keys(BANKS).map((b) => w('bank', b)) },
    series: Object.keys(BANKS).map((b) => ({
      type: 'scatter', coordinateSystem: 'geo', name: w('bank', b), symbolSize: 10,
      data: shown.filter((o) => o.bank === b).map((o) => ({ name: o.id, value: [o.lon, o.lat], label: name(o) })),
    })),
  }, true);
  document.getElementById('map').dataset.ready = '1';
}

async function load(q) {
  try {
    catalog = await api('/api/public/catalog' + (q ? '?q=' + encodeURIComponent(q) : ''));
  } catch {
    document.getElementById('count').textContent = t('暂时无法加载，请稍后再试', 'Cannot load now; please try again');
    return;
  }
  if (!q) allMatters = catalog.matters;
  renderMatters();
  document.getElementById('matters').dataset.q = q || '';
}

async function main() {
  setupLang(() => {
    if (catalog) renderMatters();
    if (outlets) renderOutlets();
  });
  let timer = null;
  document.getElementById('q').addEventListener('input', (ev) => {
    clearTimeout(timer);
    timer = setTimeout(() => load(ev.target.value.trim()), 250);
  });
  document.getElementById('search').addEventListener('submit', (ev) => { ev.preventDefault(); load(document.getElementById('q').value.trim()); });
  document.getElementById('group').addEventListener('change', () => catalog && renderMatters());
  await load('');
  outlets = await api('/api/public/outlets').catch(() => null); // the catalog stands without the map
  if (outlets) renderOutlets();
  document.body.dataset.ready = '1';
}

main();
