// board.js - the street's unified dispatch (统一派单) and the block's profile
// card (街区概况) on the cockpit. The dispatch board reads
// /api/v1/cockpit/orders (orders today, in hand, overdue, on-time and
// satisfaction rates over 30 days, by department) and refreshes on every
// order event; the profile counts the region's entities (/api/v1/summary)
// and measures its outline, marked approximate when the pack says so.
import { big, areaKm2 } from './util.js';
import { el } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { t, pick, lang } from '../lib/i18n.js';
import { Panel, registerKind } from './panels.js';

let departments = null; // id -> department, once per page

async function departmentNames() {
  if (!departments) {
    const res = await api('/api/v1/departments');
    departments = new Map(res.departments.map((d) => [d.id, d]));
  }
  return departments;
}

function tile(label, value, raw, unit = '', cls = '') {
  const v = el('div', { class: 'value ' + cls, 'data-value': raw == null ? '' : String(raw), text: value });
  if (unit) v.append(el('small', { text: ' ' + unit }));
  return el('div', { class: 'tile' }, el('div', { class: 'label', text: label }), v);
}

// A Chinese measure word (件, 幢, 户 ...); English needs none.
const unitZh = (u) => (lang === 'en' ? '' : u);

const rate = (x) => (x == null ? '—' : (x * 100).toFixed(1) + '%');

// The team that receives the desk's orders (the seed's 综合联动队伍 of 12
// departments), counted from the departments the pack puts in it: the
// largest team when a pack has several, null when it has none.
function dispatchTeam(names) {
  const teams = new Map();
  for (const d of names.values()) {
    if (!d.team) continue;
    const entry = teams.get(d.team.id) || { team: d.team, n: 0 };
    entry.n++;
    teams.set(d.team.id, entry);
  }
  return [...teams.values()].sort((a, b) => b.n - a.n)[0] || null;
}

class OrdersPanel extends Panel {
  // Beside the title: which team the orders go to, and how many departments.
  teamNote(names) {
    const team = dispatchTeam(names);
    if (!team || this.title.querySelector('.team')) return;
    this.title.append(el('small', { class: 'team', 'data-team': team.team.id, 'data-departments': String(team.n),
      text: t(` · ${team.team.name_zh} ${team.n} 个部门`, ` · ${team.team.name_en}: ${team.n} departments`) }));
  }

  async load() {
    const [res, names] = await Promise.all([this.fetchMain(), departmentNames()]);
    this.teamNote(names);
    const tiles = el('div', { class: 'tiles board n5' },
      tile(t('今日派单', 'Orders today'), big(res.today), res.today, unitZh('件')),
      tile(t('在办', 'In hand'), big(res.open), res.open, unitZh('件')),
      tile(t('超期', 'Overdue'), big(res.overdue), res.overdue, unitZh('件'), res.overdue ? 'up' : ''),
      tile(t('按时办结率', 'On time'), rate(res.on_time_rate), res.on_time_rate),
      tile(t('满意率', 'Satisfied'), rate(res.satisfaction), res.satisfaction));
    const depts = (res.by_department || []).slice(0, 6);
    const max = Math.max(1, ...depts.map((d) => d.open + d.today));
    const rows = depts.map((d) => el('li', { 'data-department': d.department },
      el('span', { class: 'name', text: pick(names.get(d.department) || { name_zh: d.department, name_en: d.department }, 'name') }),
      el('span', { class: 'meter' }, el('i', { style: `width:${((d.open + d.today) / max) * 100}%` })),
      el('span', { class: 'num', text: t(`在办 ${d.open} · 今日 ${d.today}`, `${d.open} open · ${d.today} today`) })));
    const list = rows.length
      ? el('ol', { class: 'ranking board-depts' }, ...rows)
      : el('p', { class: 'summary', text: t('今日暂无派单，各部门无在办工单', 'No orders today; no department has one in hand') });
    this.body.replaceChildren(tiles, list);
  }
}

class ProfilePanel extends Panel {
  async load() {
    const r = encodeURIComponent(this.region());
    const [bld, ent, mall, geo] = await Promise.all([
      api(`/api/v1/summary?entity_type=building&region=${r}&by=kind&sum=households`),
      api(`/api/v1/summary?entity_type=enterprise&region=${r}`),
      api(`/api/v1/summary?entity_type=mall&region=${r}`),
      api(`/api/v1/regions.geojson`)]);
    const f = geo.features.find((x) => x.properties.id === this.region());
    const km2 = f ? areaKm2(f.geometry) : null;
    const kind = (k) => (bld.items || []).find((x) => x.key === k) || { n: 0, sum: 0 };
    const approx = f && f.properties.approximate;
    const area = km2 == null ? '—' : t(`${Math.round(km2 * 1500)}亩`, `${km2.toFixed(2)} km²`);
    this.body.replaceChildren(el('div', { class: 'tiles profile n6' },
      tile(approx ? t('面积（示意）', 'Area (approx.)') : t('面积', 'Area'), area, km2),
      tile(t('公寓楼', 'Apartment buildings'), String(kind('apartment').n), kind('apartment').n, unitZh('幢')),
      tile(t('住户', 'Households'), big(kind('apartment').sum), kind('apartment').sum, unitZh('户')),
      tile(t('写字楼', 'Office buildings'), String(kind('office').n), kind('office').n, unitZh('幢')),
      tile(t('企业', 'Enterprises'), big(ent.total), ent.total, unitZh('家')),
      tile(t('大型商场', 'Shopping malls'), String(mall.total), mall.total, unitZh('个'))));
  }
}

registerKind('orders', OrdersPanel);
registerKind('profile', ProfilePanel);
