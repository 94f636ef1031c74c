// supervised.js - one supervised unit's page (/supervised?entity=KEY): a
// market, a stall-holder or a political-legal unit with its inspections,
// rectification items (owners, deadlines, the work order of each), its
// credit history with the running score, and for a market its
// stall-holders' scores (their names masked unless the campaign's
// department reads them: the server decides).
import { $, el } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, pick, setupLang, words } from './lib/i18n.js';
import { day, dateTime } from './lib/time.js';
import { signIn, toast } from './console-common.js';
import { mountNav } from './lib/nav.js';
import { labelCells, tapOpens, itemButton, statusName, clipRows } from './ledger-item.js';

const w = words({
  kind: { violation: ['违规扣分', 'Violation'], rectified: ['按期整改', 'Rectified on time'], overdue: ['整改超期', 'Rectification overdue'] },
  result: { pass: ['合格', 'Passed'], fail: ['不合格', 'Failed'] },
});
const key = new URLSearchParams(location.search).get('entity') || '';
let me = null, data = null, names = { dept: {}, checklist: {} };
// where a work order opens for this user (leaders read the number only)
const orderPage = () => ({ admin: '/dispatch', dispatcher: '/dispatch', officer: '/dept' })[me.role] || null;
const nameOf = (map, id) => (map[id] ? pick(map[id], 'name') : id || '—');

function draw() {
  if (!data) return;
  const { credit, inspections, rectify } = data;
  $('name').textContent = pick(credit, 'name');
  document.title = `智治 · ${pick(credit, 'name')}`;
  const open = rectify.filter((x) => x.status === 'open' || x.status === 'overdue').length;
  const late = rectify.filter((x) => x.status === 'overdue').length;
  const k = (zh, en, v, cls = '') => el('div', { class: `kpi ${cls}` }, el('span', { text: t(zh, en) }), el('b', { text: String(v) }));
  $('kpis').replaceChildren(k('信用分', 'Credit score', credit.score, credit.score < credit.base ? 'late' : 'ok'),
    k('基础分', 'Base', credit.base), k('检查次数', 'Inspections', inspections.length),
    k('不合格次数', 'Failed', inspections.filter((i) => i.result === 'fail').length),
    k('整改事项', 'Items', rectify.length), k('整改中', 'Open', open), k('已超期', 'Overdue', late, late ? 'late' : ''),
    k('已销号', 'Closed', rectify.length - open, 'ok'));
  $('inspections').tBodies[0].replaceChildren(...inspections.map((i) => el('tr', {},
    el('td', { class: 'd8', text: dateTime(i.ts) }), el('td', { text: nameOf(names.checklist, i.checklist) }), el('td', { text: i.inspector }),
    el('td', { class: i.result === 'fail' ? 'late' : 'good', text: w('result', i.result) }), el('td', { class: 'n', text: String(i.failed) }))));
  const opts = { unitName: () => pick(credit, 'name'), unitHref: null, deptName: (id) => nameOf(names.dept, id),
    checklistName: (id) => nameOf(names.checklist, id), orderHref: (n) => (orderPage() ? `${orderPage()}#${n}` : null) };
  $('rectify').tBodies[0].replaceChildren(...rectify.map((x) => {
    const row = el('tr', { 'data-item': x.id },
      el('td', { class: 'problem' }, itemButton(x, opts)), el('td', { text: nameOf(names.dept, x.owner) }), el('td', { class: 'd8', text: day(x.deadline) }),
      el('td', { class: x.status === 'overdue' ? 'late' : x.status.startsWith('closed') ? 'good' : '', text: statusName(x.status) }),
      el('td', {}, !x.order ? '—' : orderPage() ? el('a', { href: `${orderPage()}#${x.order}`, text: `#${x.order}` }) : `#${x.order}`));
    tapOpens(row, x, opts);
    return row;
  }));
  if (!rectify.length) $('rectify').tBodies[0].append(el('tr', {}, el('td', { colspan: 5, class: 'note', text: t('无整改事项', 'No rectification items') })));
  $('credit').tBodies[0].replaceChildren(...credit.events.slice().reverse().map((e) => el('tr', {},
    el('td', { class: 'd8', text: dateTime(e.ts) }), el('td', { text: w('kind', e.kind) || e.kind }),
    el('td', { class: 'n ' + (e.points < 0 ? 'late' : 'good'), text: e.points > 0 ? `+${e.points}` : String(e.points) }),
    el('td', { class: 'n', text: String(e.score) }))));
  if (!credit.events.length) $('credit').tBodies[0].append(el('tr', {}, el('td', { colspan: 4, class: 'note', text: t('无信用记录', 'No credit events') })));
  const members = credit.members || [];
  $('members-pane').hidden = !credit.members;
  $('members').tBodies[0].replaceChildren(...members.slice().sort((a, b) => a.score - b.score).map((m) => el('tr', {},
    el('td', {}, el('a', { href: `/supervised?entity=${encodeURIComponent(m.entity)}`, text: pick(m, 'name') })),
    el('td', { text: m.trade || '—' }), el('td', { text: m.holder || '—' }),
    el('td', { class: 'n ' + (m.score < credit.base ? 'late' : ''), text: String(m.score) }), el('td', { class: 'n', text: String(m.events) }))));
  for (const id of ['inspections', 'rectify', 'credit', 'members']) {
    labelCells($(id));
    clipRows($(id));
  }
}

async function main() {
  setupLang(draw);
  me = await signIn(null);
  mountNav($('topbar'), me, { title: ['监管对象', 'Supervised unit'], onLang: draw });
  $('app').hidden = false;
  if (!key) {
    $('error').textContent = t('请从督查进度或检查页面进入（缺少 entity 参数）', 'Open this page from the ledger or an inspection (no entity given)');
    document.body.dataset.ready = '1';
    return;
  }
  try {
    const q = encodeURIComponent(key);
    const [credit, ins, rx, cat, d] = await Promise.all([api(`/api/v1/entities/${q}/credit`), api(`/api/v1/inspections?entity=${q}&limit=200`),
      api(`/api/v1/rectifications?entity=${q}`), api('/api/v1/checklists'), api('/api/v1/departments').catch(() => ({ departments: [] }))]);
    for (const x of d.departments || []) names.dept[x.id] = x;
    for (const x of cat.checklists || []) names.checklist[x.id] = x;
    data = { credit, inspections: ins.inspections, rectify: rx.rectify };
    draw();
  } catch (e) {
    $('error').textContent = e.message;
  }
  document.body.dataset.ready = '1';
}

main().catch((e) => toast(e.message, true));
