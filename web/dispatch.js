// dispatch.js - the dispatch console (统一派单指挥台, /dispatch): a live queue
// of work orders triaged by priority then waiting time (a waiting clock
// against the "dispatch within" target), search and date range, the
// selected order with its timeline, department chips, likely duplicates to
// merge, each department's part of a joint order before it is verified,
// confirmations for irreversible steps, open alerts and a small map. A
// critical order arriving plays a tone and raises a browser notification.
// Every figure comes from /api/v1; updates arrive over the event stream (or
// by polling). Keyboard: j/k, d, v, c, s, e, r, /, ? (help).
import { $, el, svg } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, pick, words, translate, setupLang } from './lib/i18n.js';
import { shortDateTime, instant, dayStartMs } from './lib/time.js';
import { stateName, actionName, channelName, signIn, live, toast, STATES } from './console-common.js';
import { mountNav } from './lib/nav.js';

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
// steps that cannot be taken back: asked first
const CONFIRM = new Set(['verify', 'close', 'reopen', 'return']);
const PENDING = new Set(['reported', 'returned', 'reopened']);
const PRIO = { critical: ['紧急', 'Critical'], high: ['较急', 'High'], normal: ['一般', 'Normal'] };
const prioWord = words(PRIO);
const prioName = (p) => prioWord(p) ?? prioWord('normal');
const DUP = { same_entity: ['同一对象', 'same place'], nearby: ['50 米内同类事项', 'same matter within 50 m'] };
const dupWord = words(DUP);
const dupReason = (r) => dupWord(r) ?? '';
const regionName = (o) => pick(o, 'region_name') || o.region;
const entityName = (o) => pick(o, 'entity_name') || o.entity;
let chosenDepts = null; // the chips' departments for the selected order
const seen = new Set(); // orders the desk has already announced
let firstLoad = true;

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
  // regions by name, indented by level (district, streets, blocks and parks)
  opts('f-region', regions.filter((r) => r.depth <= 2).map((r) => [r.path, '\u3000'.repeat(r.depth) + pick(r, 'name')]),
    t('全部区域', 'Any region'));
  $('n-matter').replaceChildren(...matters.map((m) => el('option', { value: m.id }, pick(m, 'name'))));
}

// a local (Asia/Shanghai) day as the instant it starts
const dayStart = (d, plus = 0) => instant(dayStartMs(d, plus));

function query() {
  const f = new FormData($('filters'));
  const q = new URLSearchParams({ limit: '50' });
  for (const k of ['state', 'matter', 'department', 'region', 'q']) if (f.get(k)) q.set(k, f.get(k));
  if (f.get('from')) q.set('from', dayStart(f.get('from')));
  if (f.get('to')) q.set('to', dayStart(f.get('to'), 1));
  if ($('f-overdue').checked) q.set('overdue', '1');
  // the open queue is triaged: priority, then the longest waiting
  if (f.get('state') === 'open') { q.set('sort', 'priority'); q.set('limit', '200'); }
  return q;
}

async function loadQueue(more = false) {
  const q = query();
  if (more && cursor) q.set('cursor', cursor);
  const j = await api('/api/v1/orders?' + q);
  orders = more ? orders.concat(j.orders) : j.orders;
  cursor = j.next_cursor;
  $('more').hidden = !cursor;
  announce();
  renderQueue();
  drawMap();
}

// ---- critical arrivals: a tone (Web Audio, no file) and a notification ----

let audio = null;
function tone() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === 'suspended' && audio.resume) audio.resume();
    const now = audio.currentTime;
    for (let i = 0; i < 3; i++) { // three short beeps
      const osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = 'square';
      osc.frequency.value = 880;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.3);
      osc.stop(now + i * 0.3 + 0.18);
    }
  } catch { /* no audio device: the notification and the colours remain */ }
}

function notify(o) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const n = new Notification(t(`紧急工单 #${o.id}`, `Critical order #${o.id}`), {
    body: `${o.title} · ${matterName(o.matter)} · ${entityName(o) || regionName(o)}`,
    tag: `zz-order-${o.id}`,
    requireInteraction: true,
  });
  n.onclick = () => { window.focus(); select(o.id); n.close(); };
}

// Browsers let a page make sound and ask for notifications only after a
// gesture: the first click or key unlocks the audio (so a tone can play
// later with the page in the background) and asks, once ever.
function unlockAudio() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === 'suspended' && audio.resume) audio.resume();
  } catch { /* no audio device */ }
}

function askNotifications() {
  unlockAudio();
  if (!('Notification' in window) || Notification.permission !== 'default') return;
  if (localStorage.getItem('zz-notify-asked')) return;
  localStorage.setItem('zz-notify-asked', '1');
  Notification.requestPermission();
}

function announce() {
  const fresh = orders.filter((o) => o.priority === 'critical' && PENDING.has(o.state) && !seen.has(o.id));
  for (const o of orders) seen.add(o.id);
  if (firstLoad) { firstLoad = false; return; } // what was there before the desk opened is not news
  for (const o of fresh) notify(o);
  if (fresh.length) tone();
}

// ---- the waiting clock ----

function waited(ms) {
  const m = Math.max(0, Math.floor(ms / 60000));
  if (m < 60) return t(`${m} 分`, `${m} min`);
  const h = Math.floor(m / 60);
  return h < 48 ? t(`${h} 时 ${m % 60} 分`, `${h} h ${m % 60} min`) : t(`${Math.floor(h / 24)} 天`, `${Math.floor(h / 24)} d`);
}

function clockCell(o) {
  const clock = el('span', { class: 'wait', 'data-created': o.created, 'data-due': o.pending_due || '' });
  paintClock(clock, Date.now());
  return el('td', {}, clock);
}

function paintClock(td, now) {
  const created = Date.parse(td.dataset.created), due = Date.parse(td.dataset.due);
  td.textContent = waited(now - created);
  const span = due - created, left = due - now;
  td.className = 'wait ' + (!td.dataset.due ? '' : left < 0 ? 'over' : left < span / 3 ? 'near' : 'ok');
  td.title = td.dataset.due ? t(`应于 ${shortDateTime(td.dataset.due)} 前派单`, `Dispatch by ${shortDateTime(td.dataset.due)}`) : '';
}

setInterval(() => { const now = Date.now(); for (const c of document.querySelectorAll('#queue .wait')) paintClock(c, now); }, 1000);

function renderQueue() {
  $('queue').replaceChildren(...orders.map((o) => {
    const pending = PENDING.has(o.state) && !o.parent;
    const due = pending ? o.pending_due : o.accepted_at ? o.resolve_due : o.accept_due;
    return el('tr', {
      class: [o.overdue ? 'late' : '', o.escalated ? 'escalated' : '', o.id === selected ? 'sel' : '', 'p-' + o.priority].join(' '),
      'data-id': o.id,
      onclick: () => select(o.id),
    },
    el('td', {}, o.id),
    el('td', {}, el('span', { class: 'prio p-' + o.priority }, prioName(o.priority))),
    el('td', { title: [entityName(o), regionName(o)].filter(Boolean).join(' · ') }, o.title,
      o.duplicate_of ? el('span', { class: 'tag', title: dupReason(o.duplicate_reason) }, t('疑似重复', 'duplicate?')) : null),
    el('td', {}, matterName(o.matter)),
    el('td', {}, el('span', { class: 'state s-' + o.state }, stateName(o.state))),
    el('td', {}, o.department ? deptName(o.department)
      : ['reported', 'returned', 'reopened'].includes(o.state) ? '→ ' + o.suggested_departments.map(deptName).join(t('、', ', '))
        : o.state === 'merged' ? '—' : t('联办', 'Joint')),
    pending ? clockCell(o) : el('td', {}, '—'),
    // the day over the time: the queue's last column stays narrow at 1366 px
    el('td', { class: o.overdue ? 'late due' : 'due' }, ...shortDateTime(due).split(' ').flatMap((x, i) => (i ? [el('br'), x] : [x]))));
  }));
}

async function select(id) {
  if (selected !== id) chosenDepts = null;
  selected = id;
  renderQueue();
  try {
    detail = await api(`/api/v1/orders/${id}`);
    detail.parts = null;
    // a joint order about to be verified: each department's part beside the others
    if (detail.sub_orders.length && ['resolved', 'verified'].includes(detail.order.state)) {
      detail.parts = await Promise.all(detail.sub_orders.map((s) => api(`/api/v1/orders/${s.id}`).catch(() => null)));
    }
  } catch (e) {
    toast(e.message, true);
    return;
  }
  renderDetail();
}

// ---- confirmation ----

/** Asks before an irreversible step: resolves true when confirmed. */
function confirmStep(title, ...body) {
  const d = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-body').replaceChildren(...body.filter(Boolean));
  d.returnValue = '';
  d.showModal();
  $('confirm-ok').focus();
  return new Promise((resolve) => d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true }));
}

function chipsOf(o) {
  if (!chosenDepts) chosenDepts = new Set(o.suggested_departments);
  return el('div', { class: 'chips', id: 'dept', role: 'group', 'aria-label': t('派往部门（可多选联办）', 'Departments (several: joint handling)') },
    ...departments.map((d) => el('button', {
      type: 'button', class: 'chip', 'data-dept': d.id, 'aria-pressed': String(chosenDepts.has(d.id)),
      onclick: (ev) => {
        if (chosenDepts.has(d.id)) chosenDepts.delete(d.id); else chosenDepts.add(d.id);
        ev.currentTarget.setAttribute('aria-pressed', String(chosenDepts.has(d.id)));
      },
    }, pick(d, 'name'))));
}

// what each department did, side by side (joint orders, before verifying)
function jointView() {
  if (!detail.parts) return null;
  return el('section', { id: 'joint' }, el('h3', {}, t('各部门办理情况（核查前请查看）', 'Each department\'s part (check before verifying)')), el('div', { class: 'joint' }, ...detail.sub_orders.map((s, i) => {
    const p = detail.parts[i];
    const notes = p ? p.timeline.filter((e) => e.note && ['resolve', 'start', 'accept', 'return'].includes(e.action)) : [];
    return el('div', { class: 'card' + (s.overdue ? ' late' : ''), 'data-dept': s.department },
      el('b', {}, deptName(s.department)), ' ', el('span', { class: 'state s-' + s.state }, stateName(s.state)),
      el('div', { class: 'note' }, t('签收 ', 'Accepted ') + shortDateTime(s.accepted_at)),
      el('div', { class: 'note' }, t('办结 ', 'Resolved ') + shortDateTime(s.resolved_at) + (s.resolve_due && s.resolved_at && Date.parse(s.resolved_at) > Date.parse(s.resolve_due) ? t('（超期）', ' (late)') : '')),
      ...notes.map((e) => el('p', { class: 'desc' }, `${actionName(e.action)}：${e.note}`)),
      ...(p ? p.evidence : []).map((ph) => el('a', { href: ph.url, target: '_blank' }, el('img', { src: ph.url, alt: ph.note || deptName(s.department) }))),
      p && !p.evidence.length ? el('div', { class: 'note' }, t('无照片', 'No photo')) : null);
  })));
}

// the likely duplicates of the order: the one it repeats, those repeating it
function duplicates(o) {
  const list = [];
  if (o.duplicate_of) list.push({ id: o.duplicate_of, into: o.duplicate_of, from: o.id, reason: o.duplicate_reason });
  for (const x of orders) if (x.duplicate_of === o.id && x.state !== 'merged') list.push({ id: x.id, into: o.id, from: x.id, reason: x.duplicate_reason, title: x.title });
  if (!list.length || o.state === 'merged' || o.state === 'closed' || o.parent) return null;
  return el('div', { class: 'dups', id: 'dups' }, el('b', {}, t('疑似重复', 'Likely duplicates')),
    el('ul', {}, ...list.map((d) => el('li', {},
      `#${d.id} ${d.title || (orders.find((x) => x.id === d.id) || {}).title || ''} · ${dupReason(d.reason)} `,
      el('button', { type: 'button', 'data-merge': d.from, onclick: () => merge(d.from, d.into) },
        t(`将 #${d.from} 并入 #${d.into}`, `Merge #${d.from} into #${d.into}`))))));
}

async function setPriority(p) {
  try {
    detail = await api(`/api/v1/orders/${detail.order.id}/priority`, { json: { priority: p } });
    toast(t(`#${detail.order.id} 级别：${prioName(p)}`, `#${detail.order.id} priority: ${prioName(p)}`));
    await loadQueue();
    select(detail.order.id);
  } catch (e) {
    toast(e.message, true);
  }
}

function renderDetail() {
  if (!detail) return;
  const o = detail.order;
  const flags = [
    o.overdue ? el('span', { class: 'flag late' }, t('超期', 'Overdue')) : null,
    o.supervised ? el('span', { class: 'flag' }, t('督办', 'Supervised')) : null,
    o.escalated ? el('span', { class: 'flag late' }, t('已升级', 'Escalated') + (o.escalated_to ? ' · ' + o.escalated_to : '')) : null,
    o.duplicate_of ? el('span', { class: 'flag' }, t(`疑似重复 #${o.duplicate_of}（${dupReason(o.duplicate_reason)}）`, `Duplicate of #${o.duplicate_of}? (${dupReason(o.duplicate_reason)})`)) : null,
  ];
  const field = (zh, en, v) => el('div', { class: 'field' }, el('span', {}, t(zh, en)), el('b', {}, v ?? '—'));
  const actions = el('div', { class: 'actions' });
  const note = el('textarea', { id: 'note', rows: 2, placeholder: t('备注（退单、重新打开时必填）', 'Note (needed to reopen)') });
  for (const a of ACT_FROM[o.state] || []) {
    if (a === 'dispatch' && o.parent === null) actions.append(chipsOf(o));
    actions.append(el('button', { type: 'button', 'data-action': a, onclick: () => act(a) }, actionName(a)));
  }
  const prioSel = o.state === 'merged' || o.state === 'closed' || o.parent ? null
    : el('select', { id: 'prio', onchange: (ev) => setPriority(ev.target.value), 'aria-label': t('级别', 'Priority') },
      ...Object.keys(PRIO).map((p) => el('option', { value: p, selected: p === o.priority }, prioName(p))));
  $('detail').replaceChildren(...[
    el('h2', {}, `#${o.id} ${o.title} `, el('span', { class: 'prio p-' + o.priority }, prioName(o.priority)), ' ', el('span', { class: 'state s-' + o.state }, stateName(o.state)), ...flags),
    el('div', { class: 'fields' },
      field('事项', 'Matter', matterName(o.matter)),
      field('部门', 'Department', o.department ? deptName(o.department) : detail.sub_orders.length ? detail.sub_orders.map((s) => deptName(s.department)).join(t('、', ', ')) : '—'),
      field('区域', 'Region', regionName(o)),
      field('对象', 'Place', entityName(o)),
      prioSel ? el('div', { class: 'field' }, el('span', {}, t('级别', 'Priority')), prioSel) : null,
      field('上报时间', 'Reported', shortDateTime(o.created)),
      PENDING.has(o.state) && !o.parent ? field('派单时限', 'Dispatch by', shortDateTime(o.pending_due)) : null,
      field('上报人', 'Reporters', o.reporters.join(t('、', ', '))),
      detail.reporter_phone ? field('联系电话', 'Reporter phone', detail.reporter_phone) : null,
      field('来源', 'Channel', channelName(o.channel) + (o.alert ? ` · ${t('预警', 'alert')} #${o.alert}` : '')),
      field('签收时限', 'Accept by', shortDateTime(o.accept_due)),
      field('办结时限', 'Resolve by', shortDateTime(o.resolve_due)),
      field('评价', 'Rating', o.rating ? '★'.repeat(o.rating) : null)),
    o.description ? el('p', { class: 'desc' }, o.description) : null,
    detail.outcome ? el('p', { class: 'desc' }, t(`已并入 #${detail.outcome.id}（${stateName(detail.outcome.state)}）`, `Merged into #${detail.outcome.id} (${stateName(detail.outcome.state)})`)) : null,
    detail.sub_orders.length ? el('table', { class: 'subs' },
      el('thead', {}, el('tr', {}, el('th', {}, '#'), el('th', {}, t('部门', 'Department')), el('th', {}, t('状态', 'State')), el('th', {}, t('时限', 'Due')))),
      el('tbody', {}, ...detail.sub_orders.map((s) => el('tr', { class: s.overdue ? 'late' : '' },
        el('td', {}, s.id), el('td', {}, deptName(s.department)), el('td', {}, stateName(s.state)), el('td', {}, shortDateTime(s.resolve_due)))))) : null,
    duplicates(o),
    jointView(),
    o.state === 'merged' ? null : note,
    actions,
    detail.evidence.length ? el('div', { class: 'photos' }, ...detail.evidence.map((p) => el('a', { href: p.url, target: '_blank' }, el('img', { src: p.url, alt: p.note || '' })))) : null,
    el('h3', {}, t('办理过程', 'Timeline')),
    el('ol', { class: 'timeline' }, ...detail.timeline.map((e) => el('li', {},
      el('time', {}, shortDateTime(e.ts)), ' ', el('b', {}, actionName(e.action)), ' ', e.actor,
      e.to && e.from !== e.to ? ` → ${stateName(e.to)}` : '', e.note ? el('div', { class: 'note' }, e.note) : null)))].filter(Boolean));
}

async function act(action, viaKey = false) {
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
    const ds = departments.map((d) => d.id).filter((d) => chosenDepts && chosenDepts.has(d));
    if (!ds.length) { toast(t('请至少选择一个部门', 'Pick at least one department'), true); return; }
    if (ds.length === 1) body.department = ds[0];
    else body.departments = ds;
    // from the keyboard, the departments are confirmed first
    if (viaKey && !(await confirmStep(t(`派单 #${o.id}`, `Dispatch #${o.id}`),
      el('p', {}, o.title), el('p', {}, t('派往：', 'To: '), el('b', { id: 'confirm-depts' }, ds.map(deptName).join(t('、', ', '))),
        ds.length > 1 ? t('（联办）', ' (joint)') : '')))) return;
  }
  if (CONFIRM.has(action) && !(await confirmStep(t(`${actionName(action)} #${o.id}？`, `${actionName(action)} #${o.id}?`),
    el('p', {}, o.title), el('p', { class: 'note' }, t('此操作无法撤销。', 'This cannot be undone.'))))) return;
  try {
    detail = await api(`/api/v1/orders/${o.id}/actions`, { json: body });
    toast(`#${o.id} ${actionName(action)} ✓`);
    renderDetail();
    loadQueue();
  } catch (e) {
    toast(e.message, true);
  }
}

async function merge(from, into) {
  if (!from || !into) return;
  const a = orders.find((x) => x.id === from), b = orders.find((x) => x.id === into);
  if (!(await confirmStep(t(`将 #${from} 并入 #${into}？`, `Merge #${from} into #${into}?`),
    el('p', {}, `#${from} ${a ? a.title : ''} → #${into} ${b ? b.title : ''}`),
    el('p', { class: 'note' }, t('合并后 #' + from + ' 不再单独办理，上报人将收到 #' + into + ' 的结果。此操作无法撤销。',
      `#${from} will no longer be handled on its own; its reporters hear #${into}'s outcome. This cannot be undone.`))))) return;
  try {
    await api(`/api/v1/orders/${from}/merge`, { json: { into } });
    await loadQueue();
    await select(into);
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
  $('alerts').replaceChildren(...alerts.map((a) => el('li', { class: 'sev-' + a.severity, title: t(a.message, a.message_en || a.message) },
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
    if (p) pts.push({ x: p[0], y: p[1], c: 'alert', title: t(a.message, a.message_en || a.message) });
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

let regions = [];

function fillRegions() {
  const q = $('n-region-q').value.trim().toLowerCase();
  const keep = $('n-region').value;
  const list = regions.filter((r) => !q || r.name_zh.includes(q) || (r.name_en || '').toLowerCase().includes(q) || r.path.includes(q));
  $('n-region').replaceChildren(...list.slice(0, 200).map((r) => el('option', { value: r.path, selected: r.path === keep },
    `${'　'.repeat(Math.max(0, r.path.split('/').length - 2))}${pick(r, 'name')}`)));
  if (!$('n-region').value && list.length) $('n-region').value = list[0].path;
}

let entityTimer = null;
function searchEntities() {
  clearTimeout(entityTimer);
  entityTimer = setTimeout(async () => {
    const name = $('n-entity-q').value.trim();
    if (!name) { $('n-entities').replaceChildren(); return; }
    const q = new URLSearchParams({ name, limit: '20' });
    if (me.scope) q.set('region', me.scope);
    try {
      const j = await api('/api/v1/entities?' + q);
      $('n-entities').replaceChildren(...j.entities.map((e) => el('li', {
        tabindex: 0, 'data-entity': e.id,
        onclick: () => pickEntity(e), onkeydown: (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); pickEntity(e); } },
      }, `${pick(e, 'name')} · ${(regions.find((r) => r.path === e.region) || {})[t('name_zh', 'name_en')] || e.region}`)));
    } catch (e) {
      $('new-error').textContent = e.message;
    }
  }, 200);
}

function pickEntity(e) {
  $('n-entity').value = e.id;
  $('n-entity-chosen').textContent = t('已选：', 'Chosen: ') + pick(e, 'name');
  $('n-entities').replaceChildren();
  if (regions.some((r) => r.path === e.region)) $('n-region').value = e.region;
}

// The regions the user may see, flat, each with its level (0: the root).
async function loadRegions() {
  try {
    const j = await api('/api/v1/regions' + (me.scope ? '?root=' + encodeURIComponent(me.scope) : ''));
    const flat = (list, depth) => list.flatMap((r) => [{ ...r, path: r.id, depth }, ...flat(r.children || [], depth + 1)]);
    regions = flat(j.regions || [], 0);
  } catch (e) { toast(e.message, true); }
}

async function newOrder() {
  $('new-error').textContent = '';
  $('n-entity').value = '';
  $('n-entity-chosen').textContent = '';
  if (!regions.length) await loadRegions();
  fillRegions();
  $('new-dialog').showModal();
}
$('n-region-q').addEventListener('input', fillRegions);
$('n-entity-q').addEventListener('input', searchEntities);

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
  if (document.querySelector('dialog[open]')) return; // a dialog has the keys
  const i = orders.findIndex((o) => o.id === selected);
  const keys = { d: 'dispatch', v: 'verify', c: 'close', s: 'supervise', e: 'escalate' };
  if (ev.key === 'j' || ev.key === 'k') {
    const n = orders[Math.max(0, Math.min(orders.length - 1, i + (ev.key === 'j' ? 1 : -1)))];
    if (n) select(n.id);
  } else if (keys[ev.key] && detail && (ACT_FROM[detail.order.state] || []).includes(keys[ev.key])) {
    act(keys[ev.key], true);
  } else if (ev.key === '?') {
    $('help').showModal();
  } else if (ev.key === 'r') {
    refresh();
  } else if (ev.key === '/') {
    ev.preventDefault();
    $('f-q').focus();
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
  // the shared top bar: name and role, links to the other screens, logout
  mountNav($('topbar'), me, {
    current: 'dispatch',
    title: ['统一派单指挥台', 'Dispatch console'],
    onLang: () => { fillFilters(); renderQueue(); renderDetail(); loadAlerts(); },
  });
  $('console').hidden = false;
  [matters, departments] = await Promise.all([
    api('/api/v1/matters').then((j) => j.matters),
    api('/api/v1/departments').then((j) => j.departments),
    loadRegions(),
  ]);
  fillFilters();
  $('f-state').value = 'open'; // the desk opens on its triaged queue
  translate();
  for (const ev of ['pointerdown', 'keydown']) document.addEventListener(ev, askNotifications, { once: true });
  $('filters').addEventListener('change', async () => { cursor = null; await loadOutline(); refresh(); });
  $('f-q').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); cursor = null; refresh(); } });
  $('more').addEventListener('click', () => loadQueue(true));
  $('new-order').addEventListener('click', newOrder);
  await loadOutline();
  await refresh();
  live(refresh);
}

main().catch((e) => toast(e.message, true));
