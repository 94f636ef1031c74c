// dispatch.js - the dispatch console (统一派单指挥台, /dispatch): a live queue
// of work orders with filters, the selected order with its timeline and
// one-click actions, open alerts (ack, turn into an order) and a small map of
// open orders and alerts. Every figure comes from /api/v1; updates arrive
// over the event stream (or by polling). Keyboard: j/k, d, v, c, s, e, r, /.
import { $, el, svg } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, pick, words, translate, setupLang } from './lib/i18n.js';
import { shortDateTime } from './lib/time.js';
import { stateName, actionName, signIn, live, toast, STATES } from './console-common.js';

let me = null;
let matters = [];
let departments = [];
let orders = [];
let cursor = null;
let selected = null;
let detail = null;
const entityPos = new Map();

const ACT_FROM = { // what the dispatch desk may do from each state
  reported: ['dispatch', 'supervise', 'escalate'], returned: ['dispatch', 'supervise', 'escalate'],
  reopened: ['dispatch', 'supervise', 'escalate'], dispatched: ['supervise', 'escalate'],
  accepted: ['supervise', 'escalate'], in_progress: ['supervise', 'escalate'],
  resolved: ['verify', 'reopen', 'supervise', 'escalate'], verified: ['close', 'reopen', 'supervise', 'escalate'],
  closed: ['reopen'], merged: [],
};
const NEEDS_NOTE = new Set(['reopen']);

const deptName = (k) => { const d = departments.find((x) => x.id === k); return d ? pick(d, 'name') : k || '—'; };
const matterName = (k) => { const m = matters.find((x) => x.id === k); return m ? pick(m, 'name') : k; };

function fillFilters() {
  const keep = (id) => $(id).value;
  const opts = (id, list, all) => {
    const v = keep(id);
    $(id).replaceChildren(el('option', { value: '' }, all), ...list.map(([k, name]) => el('option', { value: k }, name)));
    $(id).value = v;
  };
  opts('f-state', [['open', t('未办结', 'Open')], ...Object.keys(STATES).map((s) => [s, stateName(s)])], t('全部状态', 'Any state'));
  opts('f-matter', matters.map((m) => [m.id, pick(m, 'name')]), t('全部事项', 'Any matter'));
  opts('f-department', departments.map((d) => [d.id, pick(d, 'name')]), t('全部部门', 'Any department'));
  $('n-matter').replaceChildren(...matters.map((m) => el('option', { value: m.id }, pick(m, 'name'))));
}

function query() {
  const f = new FormData($('filters'));
  const q = new URLSearchParams({ limit: '50' });
  for (const k of ['state', 'matter', 'department', 'region']) if (f.get(k)) q.set(k, f.get(k));
  if ($('f-overdue').checked) q.set('overdue', '1');
  return q;
}

async function loadQueue(more = false) {
  const q = query();
  if (more && cursor) q.set('cursor', cursor);
  const j = await api('/api/v1/orders?' + q);
  orders = more ? orders.concat(j.orders) : j.orders;
  cursor = j.next_cursor;
  $('more').hidden = !cursor;
  renderQueue();
  drawMap();
}

function renderQueue() {
  $('queue').replaceChildren(...orders.map((o) => {
    const due = o.accepted_at ? o.resolve_due : o.accept_due;
    return el('tr', {
      class: [o.overdue ? 'late' : '', o.escalated ? 'escalated' : '', o.id === selected ? 'sel' : ''].join(' '),
      onclick: () => select(o.id),
    },
    el('td', {}, o.id),
    el('td', {}, o.title, o.duplicate_of ? el('span', { class: 'tag' }, t('疑似重复', 'duplicate?')) : null),
    el('td', {}, matterName(o.matter)),
    el('td', {}, el('span', { class: 'state s-' + o.state }, stateName(o.state))),
    el('td', {}, o.department ? deptName(o.department)
      : ['reported', 'returned', 'reopened'].includes(o.state) ? '→ ' + o.suggested_departments.map(deptName).join('、')
        : o.state === 'merged' ? '—' : t('联办', 'Joint')),
    el('td', { class: o.overdue ? 'late' : '' }, shortDateTime(due)));
  }));
}

async function select(id) {
  selected = id;
  renderQueue();
  try {
    detail = await api(`/api/v1/orders/${id}`);
  } catch (e) {
    toast(e.message, true);
    return;
  }
  renderDetail();
}

function renderDetail() {
  if (!detail) return;
  const o = detail.order;
  const flags = [
    o.overdue ? el('span', { class: 'flag late' }, t('超期', 'Overdue')) : null,
    o.supervised ? el('span', { class: 'flag' }, t('督办', 'Supervised')) : null,
    o.escalated ? el('span', { class: 'flag late' }, t('已升级', 'Escalated') + (o.escalated_to ? ' · ' + o.escalated_to : '')) : null,
    o.duplicate_of ? el('span', { class: 'flag' }, t(`疑似重复 #${o.duplicate_of}`, `Duplicate of #${o.duplicate_of}?`)) : null,
  ];
  const field = (zh, en, v) => el('div', { class: 'field' }, el('span', {}, t(zh, en)), el('b', {}, v ?? '—'));
  const actions = el('div', { class: 'actions' });
  const note = el('textarea', { id: 'note', rows: 2, placeholder: t('备注（退单、重新打开时必填）', 'Note (needed to reopen)') });
  const deptSel = el('select', { id: 'dept', multiple: true, size: 4, title: t('派往部门（可多选联办）', 'Departments (several: joint handling)') },
    ...departments.map((d) => el('option', { value: d.id, selected: o.suggested_departments.includes(d.id) }, pick(d, 'name'))));
  for (const a of ACT_FROM[o.state] || []) {
    if (a === 'dispatch' && o.parent === null) actions.append(deptSel);
    actions.append(el('button', { type: 'button', 'data-action': a, onclick: () => act(a) }, actionName(a)));
  }
  if (o.state !== 'merged' && o.state !== 'closed' && !o.parent) {
    const into = el('input', { id: 'merge-into', size: 6, placeholder: t('并入工单号', 'into #'), value: o.duplicate_of || '' });
    actions.append(into, el('button', { type: 'button', onclick: () => merge(Number(into.value)) }, actionName('merge')));
  }
  $('detail').replaceChildren(...[
    el('h2', {}, `#${o.id} ${o.title} `, el('span', { class: 'state s-' + o.state }, stateName(o.state)), ...flags),
    el('div', { class: 'fields' },
      field('事项', 'Matter', matterName(o.matter)),
      field('部门', 'Department', o.department ? deptName(o.department) : detail.sub_orders.length ? t('联办', 'Joint') : '—'),
      field('区域', 'Region', o.region),
      field('对象', 'Entity', o.entity),
      field('上报人', 'Reporters', o.reporters.join('、')),
      detail.reporter_phone ? field('联系电话', 'Reporter phone', detail.reporter_phone) : null,
      field('来源', 'Channel', o.channel + (o.alert ? ` · ${t('预警', 'alert')} #${o.alert}` : '')),
      field('签收时限', 'Accept by', shortDateTime(o.accept_due)),
      field('办结时限', 'Resolve by', shortDateTime(o.resolve_due)),
      field('评价', 'Rating', o.rating ? '★'.repeat(o.rating) : null)),
    o.description ? el('p', { class: 'desc' }, o.description) : null,
    detail.outcome ? el('p', { class: 'desc' }, t(`已并入 #${detail.outcome.id}（${stateName(detail.outcome.state)}）`, `Merged into #${detail.outcome.id} (${stateName(detail.outcome.state)})`)) : null,
    detail.sub_orders.length ? el('table', { class: 'subs' },
      el('thead', {}, el('tr', {}, el('th', {}, '#'), el('th', {}, t('部门', 'Department')), el('th', {}, t('状态', 'State')), el('th', {}, t('时限', 'Due')))),
      el('tbody', {}, ...detail.sub_orders.map((s) => el('tr', { class: s.overdue ? 'late' : '' },
        el('td', {}, s.id), el('td', {}, deptName(s.department)), el('td', {}, stateName(s.state)), el('td', {}, shortDateTime(s.resolve_due)))))) : null,
    o.state === 'merged' ? null : note,
    actions,
    detail.evidence.length ? el('div', { class: 'photos' }, ...detail.evidence.map((p) => el('a', { href: p.url, target: '_blank' }, el('img', { src: p.url, alt: p.note || '' })))) : null,
    el('h3', {}, t('办理过程', 'Timeline')),
    el('ol', { class: 'timeline' }, ...detail.timeline.map((e) => el('li', {},
      el('time', {}, shortDateTime(e.ts)), ' ', el('b', {}, actionName(e.action)), ' ', e.actor,
      e.to && e.from !== e.to ? ` → ${stateName(e.to)}` : '', e.note ? el('div', { class: 'note' }, e.note) : null)))].filter(Boolean));
}

async function act(action) {
  if (!detail) return;
  const o = detail.order;
  const body = { action };
  const n = $('note') ? $('note').value.trim() : '';
  if (n) body.note = n;
  if (NEEDS_NOTE.has(action) && !n) {
    toast(t('请填写备注', 'Write a note first'), true);
    $('note').focus();
    return;
  }
  if (action === 'dispatch' && $('dept')) {
    const ds = [...$('dept').selectedOptions].map((x) => x.value);
    if (ds.length === 1) body.department = ds[0];
    else if (ds.length > 1) body.departments = ds;
  }
  try {
    detail = await api(`/api/v1/orders/${o.id}/actions`, { json: body });
    toast(`#${o.id} ${actionName(action)} ✓`);
    renderDetail();
    loadQueue();
  } catch (e) {
    toast(e.message, true);
  }
}

async function merge(into) {
  if (!detail || !into) return;
  try {
    detail = await api(`/api/v1/orders/${detail.order.id}/merge`, { json: { into } });
    renderDetail();
    loadQueue();
  } catch (e) {
    toast(e.message, true);
  }
}

// ---- alerts ----

let alerts = [];
const sevName = words({ critical: ['紧急', 'Critical'], major: ['重要', 'Major'], warning: ['一般', 'Warning'], info: ['提示', 'Info'] });

async function loadAlerts() {
  const f = new FormData($('filters'));
  const q = new URLSearchParams({ state: 'open', limit: '50' });
  if (f.get('region')) q.set('region', f.get('region'));
  alerts = (await api('/api/v1/alerts?' + q)).alerts;
  $('alerts').replaceChildren(...alerts.map((a) => el('li', { class: 'sev-' + a.severity },
    el('b', {}, sevName(a.severity) || a.severity), ' ', t(a.rule_name_zh || a.rule, a.rule_name_en || a.rule),
    el('div', { class: 'note', title: a.entity }, `${pick(a, 'entity_name') || a.entity} · ${shortDateTime(a.opened)}${a.acked_by ? ' · ' + t('已确认', 'seen') : ''}`),
    el('div', { class: 'mini' },
      a.acked_by ? null : el('button', { type: 'button', onclick: () => ack(a.id) }, t('确认', 'Ack')),
      a.order ? el('button', { type: 'button', onclick: () => select(a.order) }, `→ #${a.order}`)
        : el('button', { type: 'button', onclick: () => alertOrder(a) }, t('转工单', 'To order'))))));
  drawMap();
}

async function ack(id) {
  try { await api(`/api/v1/alerts/${id}/ack`, { method: 'POST' }); loadAlerts(); } catch (e) { toast(e.message, true); }
}

async function alertOrder(a) {
  let body = {};
  try {
    const j = await api(`/api/v1/alerts/${a.id}/order`, { json: body }).catch(async (e) => {
      if (e.field !== 'matter') throw e;
      const m = $('f-matter').value || matters[0].id; // the rule names no matter: the filter's, or ask
      body = { matter: m };
      return api(`/api/v1/alerts/${a.id}/order`, { json: body });
    });
    toast(t(`已生成工单 #${j.order}`, `Order #${j.order} created`));
    await Promise.all([loadAlerts(), loadQueue()]);
    select(j.order);
  } catch (e) {
    toast(e.message, true);
  }
}

// ---- map: open orders and alerts as points over the region outline ----

let outline = null;

// The region in view (the filter, else the user's scope, else the whole
// district) with its child regions' outlines, so points sit in context.
async function loadOutline() {
  const region = $('f-region').value || me.scope || 'gongshu';
  try {
    const fc = await api(`/api/v1/regions.geojson?root=${encodeURIComponent(region)}&depth=1`);
    outline = { type: 'MultiPolygon', coordinates: fc.features.filter((f) => f.geometry).flatMap((f) => (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates)) };
  } catch {
    outline = null;
  }
}

async function alertPositions() {
  for (const a of alerts.slice(0, 40)) {
    if (a.lon != null || entityPos.has(a.entity)) continue;
    try {
      const e = (await api('/api/v1/entities/' + encodeURIComponent(a.entity))).entity;
      entityPos.set(a.entity, e.lon != null ? [e.lon, e.lat] : null);
    } catch {
      entityPos.set(a.entity, null);
    }
  }
}

function rings(g) {
  if (!g) return [];
  if (g.type === 'Polygon') return g.coordinates;
  if (g.type === 'MultiPolygon') return g.coordinates.flat();
  return [];
}

async function drawMap() {
  await alertPositions();
  const pts = [];
  for (const o of orders) if (o.lon != null && o.state !== 'closed' && o.state !== 'merged') pts.push({ x: o.lon, y: o.lat, c: o.overdue ? 'late' : 'order', id: o.id, title: o.title });
  for (const a of alerts) {
    const p = a.lon != null ? [a.lon, a.lat] : entityPos.get(a.entity); // the alert carries its position now
    if (p) pts.push({ x: p[0], y: p[1], c: 'alert', title: a.message });
  }
  const all = rings(outline).flat().map(([x, y]) => ({ x, y })).concat(pts);
  const box = $('map');
  if (!all.length) { box.replaceChildren(); return; }
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const p of all) { x0 = Math.min(x0, p.x); x1 = Math.max(x1, p.x); y0 = Math.min(y0, p.y); y1 = Math.max(y1, p.y); }
  const pad = 0.0005, w = Math.max(x1 - x0, 1e-4) + 2 * pad, h = Math.max(y1 - y0, 1e-4) + 2 * pad;
  const s = Math.min(400 / w, 300 / h);
  const X = (x) => (x - x0 + pad) * s, Y = (y) => 300 - (y - y0 + pad) * s;
  const kids = rings(outline).map((r) => svg('polygon', { class: 'outline', points: r.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ') }));
  for (const p of pts) {
    const c = svg('circle', { cx: X(p.x).toFixed(1), cy: Y(p.y).toFixed(1), r: p.c === 'alert' ? 4 : 5, class: p.c }, p.title ? svg('title', {}, p.title) : null);
    if (p.id) c.addEventListener('click', () => select(p.id));
    kids.push(c);
  }
  box.replaceChildren(...kids);
}

// ---- new order ----

function newOrder() {
  $('new-error').textContent = '';
  $('new-dialog').showModal();
}

$('new-form').addEventListener('submit', async (ev) => {
  if (ev.submitter && ev.submitter.value === 'cancel') return;
  ev.preventDefault();
  const f = new FormData($('new-form'));
  const body = {};
  for (const k of ['matter', 'title', 'description', 'region', 'entity']) if (f.get(k)) body[k] = f.get(k);
  try {
    const j = await api('/api/v1/orders', { json: body });
    $('new-dialog').close();
    await loadQueue();
    select(j.order.id);
  } catch (e) {
    $('new-error').textContent = e.message;
  }
});

// ---- keys ----

document.addEventListener('keydown', (ev) => {
  if (/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const i = orders.findIndex((o) => o.id === selected);
  const keys = { d: 'dispatch', v: 'verify', c: 'close', s: 'supervise', e: 'escalate' };
  if (ev.key === 'j' || ev.key === 'k') {
    const n = orders[Math.max(0, Math.min(orders.length - 1, i + (ev.key === 'j' ? 1 : -1)))];
    if (n) select(n.id);
  } else if (keys[ev.key] && detail && (ACT_FROM[detail.order.state] || []).includes(keys[ev.key])) {
    act(keys[ev.key]);
  } else if (ev.key === 'r') {
    refresh();
  } else if (ev.key === '/') {
    ev.preventDefault();
    $('f-state').focus();
  } else {
    return;
  }
  ev.preventDefault();
});

async function refresh() {
  try {
    await Promise.all([loadQueue(), loadAlerts()]);
    if (selected) await select(selected);
  } catch (e) {
    toast(e.message, true);
  }
}

async function main() {
  setupLang(() => { fillFilters(); renderQueue(); renderDetail(); loadAlerts(); });
  me = await signIn(['admin', 'dispatcher']);
  $('who').textContent = `${me.name} · ${me.role}${me.scope ? ' · ' + me.scope : ''}`;
  $('codes-link').hidden = me.role !== 'admin'; // the codes page is the admin's
  $('console').hidden = false;
  [matters, departments] = await Promise.all([
    api('/api/v1/matters').then((j) => j.matters),
    api('/api/v1/departments').then((j) => j.departments),
  ]);
  fillFilters();
  translate();
  $('filters').addEventListener('change', async () => { cursor = null; await loadOutline(); refresh(); });
  $('more').addEventListener('click', () => loadQueue(true));
  $('new-order').addEventListener('click', newOrder);
  await loadOutline();
  await refresh();
  live(refresh);
}

main().catch((e) => toast(e.message, true));
