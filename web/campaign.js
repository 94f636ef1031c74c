// campaign.js - the campaign dashboard (/campaign?id=ID): a picker of the
// pack's campaigns; for the chosen one its goal and period, the totals
// (participants, members, each pledge signed against those asked,
// inspections, violations, rectification on time), the participants x
// systems matrix (each market's six systems from its latest inspection,
// coloured), each participant's pledge, members signed, inspections, open
// rectification and credit score, the months' signatures, inspections and
// violations (ECharts), rectification states, the latest activities and
// signatures (names masked by the server for all but the department). A
// campaign with visit plans links to the leader's progress view. Every
// figure is the API's answer (GET /api/v1/campaigns/ID), never typed. The
// department's officers and admins also record paper pledges and promotion
// activities here (campaign-forms.js); the figures reload after each.
import { $, el } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, pick, setupLang, words } from './lib/i18n.js';
import { day, dateTime } from './lib/time.js';
import { signIn, toast } from './console-common.js';
import { mountNav } from './lib/nav.js';
import { setupForms, updateForms } from './campaign-forms.js';

const charts = {};
let list = [];
let data = null;
let signatures = [];
let current = new URLSearchParams(location.search).get('id') || '';
const MATRIX_STEP = 200;
let matrixRows = MATRIX_STEP;

const STATE_TABLE = { ok: ['合格', 'OK'], failed: ['不合格', 'Failed'], unchecked: ['未检查', 'Not checked'] };
const STATE = words(STATE_TABLE);
const RECTIFY_TABLE = { open: ['整改中', 'Open'], overdue: ['超期未改', 'Overdue'], closed_on_time: ['按期整改', 'Closed on time'], closed_late: ['逾期整改', 'Closed late'] };
const RECTIFY = words(RECTIFY_TABLE);
const AXIS = { axisLabel: { color: '#8fa6cc' }, axisLine: { lineStyle: { color: '#1f4a8a' } }, splitLine: { lineStyle: { color: '#16345f' } } };
const LEGEND = { textStyle: { color: '#dce8ff' }, top: 0 };
const n = (v) => Number(v || 0).toLocaleString('en-US');
const pct = (a, b) => (b ? `${((a / b) * 100).toFixed(1)}%` : '—');

const chart = (id) => {
  if (!charts[id]) charts[id] = window.echarts.init($(id), null, { renderer: 'canvas' });
  return charts[id];
};

function caption() {
  const c = data.campaign;
  const dept = c.department;
  const period = c.end ? `${c.start} ~ ${c.end}` : t(`${c.start} 起`, `since ${c.start}`);
  $('caption').textContent = `${t('牵头部门', 'Lead')}: ${deptName(dept)} · ${period}`;
  $('goal').textContent = pick(c, 'goal');
  const prog = $('progress');
  prog.hidden = !c.plans;
  prog.href = `/ledger?campaign=${encodeURIComponent(c.id)}`;
}

let departments = {};
const deptName = (id) => (departments[id] ? pick(departments[id], 'name') : id);

function kpis() {
  const tt = data.totals, c = data.campaign;
  const card = (id, label, value, note, share) => el('div', { class: 'kpi', id: `k-${id}` },
    el('span', { text: label, title: label }), el('b', { text: value }), note ? el('small', { text: note }) : null,
    share !== undefined ? el('div', { class: 'bar' }, el('i', { style: `width:${Math.min(100, share * 100).toFixed(1)}%` })) : null);
  const r = tt.rectify;
  const closed = r.closed_on_time + r.closed_late;
  const cards = [
    card('participants', t('参与单位', 'Participants'), n(tt.participants)),
  ];
  if (c.members) cards.push(card('members', t('成员', 'Members'), n(tt.members)));
  for (const p of c.pledges || []) {
    const s = tt.signed[p.id] || 0, e = tt.expected[p.id] || 0;
    cards.push(card(`pledge-${p.id}`, pick(p, 'title'), `${n(s)} / ${n(e)}`, pct(s, e), e ? s / e : 0));
  }
  cards.push(card('inspections', t('检查次数', 'Inspections'), n(tt.inspections)),
    card('violations', t('发现问题', 'Violations'), n(tt.violations)),
    card('ontime', t('按期整改率', 'Rectified on time'), pct(r.closed_on_time, closed), `${n(r.closed_on_time)} / ${n(closed)}`),
    card('open', t('待整改', 'Open items'), n(r.open + r.overdue), `${t('其中超期', 'overdue')} ${n(r.overdue)}`));
  $('kpis').replaceChildren(...cards);
  $('k-open')?.classList.toggle('late', r.overdue > 0);
}

function legend() {
  const systems = data.campaign.systems || [];
  $('legend').replaceChildren(...(systems.length ? Object.keys(STATE_TABLE).map((s) =>
    el('span', {}, el('i', { class: `cell ${s}`, text: STATE(s) }))) : []));
}

function matrix() {
  const c = data.campaign;
  const systems = c.systems || [];
  const partPledges = (c.pledges || []).filter((p) => p.signer !== 'member');
  const memberPledge = (c.pledges || []).find((p) => p.signer === 'member');
  const hasScore = !!c.credit;
  $('matrix-title').textContent = systems.length
    ? t(`参与单位 × ${systems.length} 项制度（最近一次检查）`, `Participants × ${systems.length} systems (latest inspection)`)
    : t('参与单位', 'Participants');
  const head = el('tr', {}, el('th', { class: 'name', text: t('单位', 'Unit') }),
    ...systems.map((s) => el('th', { class: 'sys', text: pick(s, 'name') })),
    ...partPledges.map((p) => el('th', { class: 'pl', text: pick(p, 'title') })),
    memberPledge ? el('th', { class: 'pl', text: `${pick(memberPledge, 'title')} ${t('签署', 'signed')}` }) : null,
    el('th', { text: t('检查', 'Inspections') }), el('th', { text: t('问题', 'Violations') }),
    el('th', { text: t('最近检查', 'Last inspection') }), el('th', { text: t('待整改', 'Open items') }),
    hasScore ? el('th', { text: t('信用分', 'Credit') }) : null);
  // who needs attention first: open items, then violations, then the most
  // recently inspected; a park's thousands of enterprises come in steps
  const order = [...data.participants].sort((a, b) => (b.open_rectify || 0) - (a.open_rectify || 0)
    || (b.violations || 0) - (a.violations || 0) || (b.last_inspection || '').localeCompare(a.last_inspection || ''));
  const shown = order.slice(0, matrixRows);
  const rows = shown.map((p) => el('tr', { 'data-entity': p.entity },
    el('td', { class: 'name' }, pick(p, 'name'), el('small', { text: pick(p, 'region_name') || p.region })),
    ...systems.map((s) => {
      const st = p.systems[s.id];
      return el('td', {}, el('span', { class: `cell ${st}`, 'data-system': s.id, 'data-state': st, text: STATE(st) }));
    }),
    ...partPledges.map((pl) => el('td', { class: p.pledges[pl.id] ? 'ok' : 'late', 'data-pledge': pl.id,
      text: p.pledges[pl.id] ? `✓ ${day(p.pledges[pl.id])}` : t('未签', 'Not signed') })),
    memberPledge ? el('td', { class: 'num', 'data-members': `${p.members_signed}/${p.members}` }, `${n(p.members_signed)} / ${n(p.members)}`,
      el('span', { class: 'meter' }, el('i', { style: `width:${p.members ? ((p.members_signed / p.members) * 100).toFixed(1) : 0}%` }))) : null,
    el('td', { class: 'num', text: n(p.inspections) }),
    el('td', { class: `num ${p.violations ? 'late' : ''}`, text: n(p.violations) }),
    el('td', { text: p.last_inspection ? day(p.last_inspection) : '—' }),
    el('td', { class: `num ${p.open_rectify ? 'late' : ''}`, text: n(p.open_rectify) }),
    hasScore ? el('td', { class: 'num', text: p.score ?? '—' }) : null));
  const tt = data.totals;
  const total = el('tr', { class: 'total' }, el('td', { class: 'name', text: `${t('合计', 'Total')} ${n(tt.participants)}` }),
    ...systems.map((s) => {
      const ok = data.participants.filter((p) => p.systems[s.id] === 'ok').length;
      return el('td', { class: 'num', text: `${ok} / ${data.participants.length}` });
    }),
    ...partPledges.map((pl) => el('td', { class: 'num', text: `${n(tt.signed[pl.id])} / ${n(tt.expected[pl.id])}` })),
    memberPledge ? el('td', { class: 'num', text: `${n(tt.signed[memberPledge.id])} / ${n(tt.expected[memberPledge.id])}` }) : null,
    el('td', { class: 'num', text: n(tt.inspections) }), el('td', { class: 'num', text: n(tt.violations) }), el('td', {}),
    el('td', { class: 'num', text: n(tt.rectify.open + tt.rectify.overdue) }), hasScore ? el('td', {}) : null);
  // each cell names its column: a phone shows a row as a card of labelled cells
  const labels = [...head.children].map((th) => th.textContent);
  for (const line of [...rows, total]) [...line.children].forEach((td, i) => td.setAttribute('data-label', labels[i]));
  $('matrix').replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows, total));
  const rest = order.length - shown.length;
  $('matrix-more').hidden = rest <= 0;
  $('matrix-more').textContent = t(`再显示 ${n(Math.min(rest, MATRIX_STEP))} 个（共 ${n(order.length)} 个单位）`,
    `Show ${n(Math.min(rest, MATRIX_STEP))} more (${n(order.length)} units in all)`);
}

function months() {
  const m = data.by_month;
  const signs = (data.campaign.pledges || []).length > 0; // a campaign without pledges draws no signature line
  $('months-title').textContent = signs ? t('签署、检查与问题（按月）', 'Signatures, inspections and violations by month')
    : t('检查与问题（按月）', 'Inspections and violations by month');
  chart('c-months').setOption({
    tooltip: { trigger: 'axis' }, legend: LEGEND, grid: { left: 50, right: 50, top: 34, bottom: 30 },
    xAxis: { type: 'category', data: m.map((r) => r.month), ...AXIS },
    yAxis: [{ type: 'value', minInterval: 1, ...AXIS }, ...(signs ? [{ type: 'value', minInterval: 1, ...AXIS, splitLine: { show: false } }] : [])],
    series: [
      { name: t('检查', 'Inspections'), type: 'bar', barMaxWidth: 18, data: m.map((r) => r.inspections), itemStyle: { color: '#3fd0ff' } },
      { name: t('问题', 'Violations'), type: 'bar', barMaxWidth: 18, data: m.map((r) => r.violations), itemStyle: { color: '#ff5b5b' } },
      ...(signs ? [{ name: t('签署', 'Signatures'), type: 'line', yAxisIndex: 1, smooth: true, data: m.map((r) => r.pledges), itemStyle: { color: '#4be3a0' } }] : []),
    ],
  }, true);
}

function rectify() {
  const r = data.totals.rectify;
  const colors = { open: '#ffc24b', overdue: '#ff5b5b', closed_on_time: '#4be3a0', closed_late: '#8fa6cc' };
  chart('c-rectify').setOption({
    tooltip: { trigger: 'item' }, legend: { ...LEGEND, type: 'scroll' },
    series: [{ type: 'pie', radius: ['38%', '66%'], top: 30, label: { color: '#dce8ff', formatter: '{c}' },
      data: Object.keys(RECTIFY_TABLE).map((k) => ({ name: RECTIFY(k), value: r[k], itemStyle: { color: colors[k] } })) }],
  }, true);
}

function activityName(kind) {
  const a = (data.campaign.activities || []).find((x) => x.id === kind);
  return a ? pick(a, 'name') : kind;
}

function lists() {
  const acts = data.activities;
  $('activities').replaceChildren(...(acts.length ? acts.map((a) => el('li', { 'data-id': a.id },
    el('span', { title: a.title, text: `${activityName(a.kind)} · ${a.title}` }),
    el('small', { text: `${n(a.participants)}${t('人', ' people')}` }), el('time', { text: day(a.ts) })))
    : [el('li', { class: 'note', text: t('暂无活动', 'No activities yet') })]));
  const titles = Object.fromEntries((data.campaign.pledges || []).map((p) => [p.id, p]));
  $('signatures').replaceChildren(...(signatures.length ? signatures.map((s) => el('li', { 'data-id': s.id },
    el('span', { title: pick(s.entity, 'name'), text: `${s.signer} · ${pick(s.entity, 'name')}` }),
    el('small', { text: titles[s.pledge] ? pick(titles[s.pledge], 'title') : s.pledge }),
    el('time', { text: dateTime(s.signed_at) })))
    : [el('li', { class: 'note', text: t('暂无签署', 'No signatures yet') })]));
}

function render() {
  if (!data) return;
  caption();
  kpis();
  legend();
  matrix();
  months();
  rectify();
  lists();
  updateForms(data);
  document.body.dataset.ready = '1';
}

function picker() {
  $('pick').replaceChildren(...list.map((c) => el('option', { value: c.id, text: pick(c, 'name'), selected: c.id === current })));
}

async function load() {
  document.body.dataset.ready = '0';
  $('error').textContent = '';
  try {
    const id = encodeURIComponent(current);
    matrixRows = MATRIX_STEP;
    [data, signatures] = await Promise.all([api(`/api/v1/campaigns/${id}`),
      api(`/api/v1/campaigns/${id}/pledges?limit=10`).then((r) => r.pledges)]);
    render();
  } catch (e) {
    $('error').textContent = e.message;
  }
}

async function main() {
  setupLang(() => { picker(); render(); });
  const me = await signIn(null);
  mountNav($('topbar'), me, { current: 'campaign', title: ['专项行动', 'Campaigns'], onLang: () => { picker(); render(); } });
  $('board').hidden = false;
  setupForms(me, load);
  try {
    const [cs, ds] = await Promise.all([api('/api/v1/campaigns'), api('/api/v1/departments').catch(() => ({ departments: [] }))]);
    list = cs.campaigns;
    departments = Object.fromEntries((ds.departments || []).map((d) => [d.id, d]));
  } catch (e) {
    $('error').textContent = e.message;
    return;
  }
  if (!list.some((c) => c.id === current)) current = list[0]?.id || '';
  picker();
  $('matrix-more').addEventListener('click', () => { matrixRows += MATRIX_STEP; matrix(); });
  $('pick').addEventListener('change', () => {
    current = $('pick').value;
    history.replaceState(null, '', `/campaign?id=${encodeURIComponent(current)}`);
    load();
  });
  if (current) await load();
  else $('error').textContent = t('没有专项行动：请先加载场景包。', 'No campaigns: load a scenario pack first.');
}

window.addEventListener('resize', () => { for (const c of Object.values(charts)) c.resize(); });
main().catch((e) => toast(e.message, true));
