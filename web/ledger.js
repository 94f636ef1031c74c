// ledger.js - the leader's progress view (/ledger): for a campaign of
// inspection visits (政法队伍教育整顿督查 has plans), the key figures, each
// unit's planned and done visits, findings and rectification items, a month
// calendar of the plans (the campaign's department adds plans here), and
// the open rectification items with their owners and deadlines. Every
// figure comes from GET /api/v1/campaigns/:id/progress, the plans and the
// rectification list, within the viewer's scope.
import { $, el } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, pick, setupLang } from './lib/i18n.js';
import { day, ymd, addMonths, DAY, weekday, dayStartMs } from './lib/time.js';
import { signIn, toast } from './console-common.js';
import { mountNav } from './lib/nav.js';
import { labelCells, tapOpens, itemButton, statusName } from './ledger-item.js';
let me = null;
let cat = { campaigns: [] };
let names = { dept: {}, type: {} };
let prog = null, plans = [], open = [];
let month = null; // "YYYY-MM"

const todayYmd = () => ymd();
// where a work order opens for this user (leaders read the number only)
const orderPage = () => ({ admin: '/dispatch', dispatcher: '/dispatch', officer: '/dept' })[me.role] || null;
const nameOf = (map, id) => (map[id] ? pick(map[id], 'name') : id || '—');
const unitName = (x) => t(x.entity_name_zh || x.entity, x.entity_name_en || x.entity_name_zh || x.entity);

function kpis() {
  const tt = prog.totals;
  const k = (zh, en, v, cls = '') => el('div', { class: `kpi ${cls}` }, el('span', { text: t(zh, en) }), el('b', { text: String(v) }));
  $('kpis').replaceChildren(
    k('督查单位', 'Units', tt.units), k('已督查单位', 'Units visited', tt.visited_units, 'ok'),
    k('计划督查', 'Visits planned', tt.planned), k('督查次数', 'Visits', tt.visited),
    k('发现问题', 'Findings', tt.findings), k('整改中', 'Open items', tt.rectify.open),
    k('已超期', 'Overdue', tt.rectify.overdue, tt.rectify.overdue ? 'late' : ''), k('已销号', 'Closed', tt.rectify.closed, 'ok'));
}

function units() {
  $('units').tBodies[0].replaceChildren(...prog.units.map((u) => el('tr', { 'data-entity': u.entity },
    el('td', { class: 'unit' }, el('a', { href: `/supervised?entity=${encodeURIComponent(u.entity)}`, text: unitName(u) })),
    el('td', { class: 'type', text: nameOf(names.type, u.entity_type) }),
    el('td', { class: 'n', text: String(u.planned) }),
    el('td', { class: 'n', text: String(u.visited) }),
    el('td', { class: 'd8', text: u.last_visit ? day(u.last_visit) : '—' }),
    el('td', { class: 'd8', text: u.next_plan || '—' }),
    el('td', { class: 'n', text: String(u.findings) }),
    el('td', { class: 'n', text: String(u.rectify.open) }),
    el('td', { class: 'n' + (u.rectify.overdue ? ' late' : ''), text: String(u.rectify.overdue) }),
    el('td', { class: 'n', text: String(u.rectify.closed) }))));
  labelCells($('units'));
}

function calendar() {
  const [y, m] = month.split('-').map(Number);
  $('month').textContent = t(`${y} 年 ${m} 月督查计划`, `Visits planned, ${y}-${String(m).padStart(2, '0')}`);
  const first = new Date(Date.UTC(y, m - 1, 1));
  const start = new Date(first.getTime() - ((first.getUTCDay() + 6) % 7) * 86400e3); // Monday
  const dows = t('一二三四五六日', 'MTWTFSS').split('');
  const cells = dows.map((d) => el('div', { class: 'dow', text: d }));
  const today = todayYmd();
  for (let i = 0; i < 42; i++) {
    const d = ymd(start.getTime() + i * DAY - 8 * 3600e3);
    if (i >= 35 && d.slice(0, 7) !== month) break;
    const mine = plans.filter((p) => p.day === d);
    cells.push(el('div', { class: `day${d.slice(0, 7) !== month ? ' other' : ''}${d === today ? ' today' : ''}`, 'data-day': d },
      el('span', { class: 'd', text: String(Number(d.slice(8))) }),
      ...mine.map((p) => el('span', { class: `plan${p.inspection ? ' done' : ''}`, title: `${unitName(p)} · ${p.leader}`,
        text: `${p.inspection ? '✓ ' : ''}${unitName(p)}` }))));
  }
  $('cal').replaceChildren(...cells);
  weekList(start);
}

// The phone's calendar: the month's weeks, Monday first, each with its
// planned visits as lines to read (unit, leader, done or not); ledger.css
// shows this or the month grid by the screen's width.
function weekList(start) {
  const wd = t('周一 周二 周三 周四 周五 周六 周日', 'Mon Tue Wed Thu Fri Sat Sun').split(' ');
  const md = (d) => t(`${Number(d.slice(5, 7))}月${Number(d.slice(8))}日`, `${d.slice(5, 7)}-${d.slice(8)}`);
  const monday = ymd(start.getTime() - 8 * 3600e3), weeks = []; // start: the day at UTC midnight, as above
  for (let wk = 0; wk < 6; wk++) {
    const days = Array.from({ length: 7 }, (_, i) => ymd(dayStartMs(monday, wk * 7 + i)));
    if (wk && days[0].slice(0, 7) !== month) break;
    const mine = plans.filter((p) => days.includes(p.day)).sort((a, b) => a.day.localeCompare(b.day));
    weeks.push(el('li', { class: 'week' + (days.includes(todayYmd()) ? ' now' : '') },
      el('h3', { text: `${md(days[0])} – ${md(days[6])}` }),
      mine.length ? el('ul', { class: 'week-plans' }, ...mine.map((p) => el('li', { class: `plan${p.inspection ? ' done' : ''}`, 'data-day': p.day },
        el('span', { class: 'when', text: `${wd[(weekday(dayStartMs(p.day)) + 6) % 7]} ${md(p.day)}` }),
        el('a', { href: `/supervised?entity=${encodeURIComponent(p.entity)}`, text: unitName(p) }),
        el('span', { class: 'who', text: `${p.leader}${p.inspection ? t(' · 已督查', ' · visited') : t(' · 待督查', ' · to visit')}` }))))
        : el('p', { class: 'note', text: t('本周无督查计划', 'No visits planned this week') })));
  }
  $('cal-list').replaceChildren(...weeks);
}

function items() {
  const opts = { unitName, deptName: (id) => nameOf(names.dept, id), unitHref: (x) => `/supervised?entity=${encodeURIComponent(x.entity)}`,
    checklistName: (id) => { const c = cat.checklists?.find((x) => x.id === id); return c ? pick(c, 'name') : id; },
    orderHref: (n) => (orderPage() ? `${orderPage()}#${n}` : null) };
  $('open').tBodies[0].replaceChildren(...open.map((x) => {
    const row = el('tr', { class: x.status === 'overdue' ? 'late' : '', 'data-item': x.id },
      el('td', { class: 'unit' }, el('a', { href: opts.unitHref(x), text: unitName(x) })),
      el('td', { class: 'problem' }, itemButton(x, opts)),
      el('td', { text: nameOf(names.dept, x.owner) }),
      el('td', { class: 'd8', text: day(x.deadline) }),
      el('td', { class: 'd8' + (x.status === 'overdue' ? ' late' : ''), text: statusName(x.status) }));
    tapOpens(row, x, opts);
    return row;
  }));
  if (!open.length) $('open').tBodies[0].append(el('tr', {}, el('td', { colspan: 5, class: 'note', text: t('没有未销号的整改事项', 'No open items') })));
  labelCells($('open'));
}

function planForm() {
  const c = cat.campaigns.find((x) => x.id === $('campaign').value);
  const mine = c && c.plans && (me.role === 'admin' || (me.role === 'officer' && me.department === c.department));
  $('plan-form').hidden = !mine;
  if (!mine) return;
  const keep = $('p-entity').value;
  $('p-entity').replaceChildren(...prog.units.map((u) => el('option', { value: u.entity, text: unitName(u) })));
  if (keep) $('p-entity').value = keep;
  if (!$('p-day').value) $('p-day').value = todayYmd();
}

function draw() {
  if (!prog) return;
  const c = prog.campaign;
  $('period').textContent = `${c.start || ''} — ${c.end || t('进行中', 'ongoing')} · ${nameOf(names.dept, c.department)}`;
  $('scope').textContent = me.scope ? t(`范围：${me.scope}`, `Scope: ${me.scope}`) : '';
  kpis();
  units();
  calendar();
  items();
  planForm();
}

async function load() {
  document.body.dataset.ready = '';
  $('error').textContent = '';
  const id = $('campaign').value;
  try {
    const [p, pl, rx] = await Promise.all([
      api(`/api/v1/campaigns/${encodeURIComponent(id)}/progress`),
      api(`/api/v1/inspection-plans?campaign=${encodeURIComponent(id)}`),
      api(`/api/v1/rectifications?campaign=${encodeURIComponent(id)}&status=open_all`)]);
    prog = p;
    plans = pl.plans;
    open = rx.rectify;
    if (!month) {
      // the month of the next plan, else of the last one (a campaign that
      // ended), else this month
      const next = plans.find((x) => !x.inspection && x.day >= todayYmd());
      const last = plans.reduce((a, x) => (!a || x.day > a.day ? x : a), null);
      month = (next ? next.day : last ? last.day : todayYmd()).slice(0, 7);
    }
    draw();
  } catch (e) {
    $('error').textContent = e.message;
  }
  document.body.dataset.ready = '1';
}

function shiftMonth(n) {
  month = addMonths(month, n);
  calendar();
}

function relabel() {
  if (!me) return;
  const keep = $('campaign').value;
  $('campaign').replaceChildren(...cat.campaigns.map((c) => el('option', { value: c.id,
    text: `${pick(c, 'name')}${c.plans ? t('（含督查计划）', ' (with plans)') : ''}` })));
  if (keep) $('campaign').value = keep;
  draw();
}

async function main() {
  setupLang(relabel);
  me = await signIn(['admin', 'dispatcher', 'viewer', 'officer', 'park_manager']);
  mountNav($('topbar'), me, { current: 'ledger', title: ['督查进度', 'Inspection ledger'], onLang: relabel });
  $('app').hidden = false;
  const [c, d, ty] = await Promise.all([api('/api/v1/checklists'), api('/api/v1/departments').catch(() => ({ departments: [] })),
    api('/api/v1/entity-types').catch(() => ({ entity_types: [] }))]);
  cat = c;
  for (const x of d.departments || []) names.dept[x.id] = x;
  for (const x of ty.entity_types || []) names.type[x.id] = x;
  // campaigns with plans first: this is their page
  cat.campaigns.sort((a, b) => Number(b.plans) - Number(a.plans));
  const want = new URLSearchParams(location.search).get('campaign');
  relabel();
  if (want && cat.campaigns.some((x) => x.id === want)) $('campaign').value = want;
  if (!cat.campaigns.length) {
    $('error').textContent = t('场景包中没有专项行动', 'The pack has no campaigns');
    document.body.dataset.ready = '1';
    return;
  }
  await load();
}

$('campaign').addEventListener('change', () => { month = null; history.replaceState(null, '', `?campaign=${encodeURIComponent($('campaign').value)}`); load(); });
$('prev').addEventListener('click', () => shiftMonth(-1));
$('next').addEventListener('click', () => shiftMonth(1));
$('plan-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('plan-error').textContent = '';
  const id = $('campaign').value;
  const unit = prog.units.find((u) => u.entity === $('p-entity').value);
  const cl = cat.checklists.find((x) => cat.campaigns.find((c) => c.id === id).checklists.includes(x.id) && x.entity_types.includes(unit.entity_type));
  try {
    await api('/api/v1/inspection-plans', { json: { campaign: id, checklist: cl ? cl.id : '', entity: unit.entity, day: $('p-day').value, leader: $('p-leader').value.trim() } });
    toast(t('计划已添加', 'Plan added'));
    month = $('p-day').value.slice(0, 7);
    await load();
  } catch (e) {
    $('plan-error').textContent = e.message;
  }
});

main().catch((e) => toast(e.message, true));
