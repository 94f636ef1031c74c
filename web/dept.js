// dept.js - the department console (部门工单, /dept) for officers on a phone:
// the department's orders (overdue ones red), accept, start, return with a
// reason (退单), and resolve with a note and a photo taken on the spot. The
// photo goes to POST /api/v1/orders/ID/evidence as the raw image, then the
// order is resolved. Updates arrive over the event stream (or by polling).
import { $, api, t, el, when, stateName, actionName, setupLang, signIn, live, toast } from './console-common.js';

let me = null;
let tab = 'open';
let orders = [];
let current = null;

const TODO = new Set(['dispatched', 'accepted', 'in_progress']);

async function loadList() {
  const j = await api('/api/v1/orders?limit=100' + (tab === 'open' ? '&state=open' : ''));
  orders = j.orders.filter((o) => o.department === me.department &&
    (tab === 'open' ? TODO.has(o.state) : !TODO.has(o.state)));
  renderList();
}

function renderList() {
  $('list').replaceChildren(...orders.map((o) => el('li', { class: 'card' + (o.overdue ? ' late' : ''), onclick: () => open(o.id) },
    el('div', { class: 'row' }, el('b', {}, `#${o.id} ${o.title}`), el('span', { class: 'state s-' + o.state }, stateName(o.state))),
    el('div', { class: 'note' }, `${o.matter_name_zh && t(o.matter_name_zh, o.matter_name_en) || o.matter} · ${o.region}`),
    el('div', { class: 'note' + (o.overdue ? ' late' : '') },
      o.accepted_at ? t('办结时限 ', 'Resolve by ') + when(o.resolve_due) : t('签收时限 ', 'Accept by ') + when(o.accept_due),
      o.overdue ? ' · ' + t('已超期', 'overdue') : ''))));
  if (!orders.length) $('list').append(el('li', { class: 'empty' }, t('暂无工单', 'Nothing here')));
}

async function open(id) {
  try {
    current = await api(`/api/v1/orders/${id}`);
  } catch (e) {
    toast(e.message, true);
    return;
  }
  renderCard();
}

function renderCard() {
  if (!current) {
    $('card').hidden = true;
    $('list').hidden = false;
    return;
  }
  const o = current.order;
  $('list').hidden = true;
  $('card').hidden = false;
  const note = el('textarea', { id: 'd-note', rows: 3, placeholder: t('处置说明 / 退单理由', 'What was done / why it goes back') });
  const photo = el('input', { id: 'd-photo', type: 'file', accept: 'image/jpeg,image/png', capture: 'environment' });
  const btn = (a, cls) => el('button', { type: 'button', class: cls || '', onclick: () => act(a) }, actionName(a));
  const buttons = [];
  if (o.state === 'dispatched') buttons.push(btn('accept', 'primary'), btn('return'));
  if (o.state === 'accepted') buttons.push(btn('start', 'primary'), btn('resolve'), btn('return'));
  if (o.state === 'in_progress') buttons.push(btn('resolve', 'primary'));
  $('card').replaceChildren(...[
    el('button', { type: 'button', class: 'back', onclick: () => { current = null; renderCard(); loadList(); } }, t('‹ 返回', '‹ Back')),
    el('h2', {}, `#${o.id} ${o.title}`),
    el('p', {}, el('span', { class: 'state s-' + o.state }, stateName(o.state)), o.overdue ? el('span', { class: 'flag late' }, t('超期', 'Overdue')) : null),
    el('p', { class: 'note' }, `${o.region}${o.entity ? ' · ' + o.entity : ''}`),
    o.description ? el('p', {}, o.description) : null,
    current.reporter_phone ? el('p', { class: 'note', id: 'd-phone' }, t('联系电话 ', 'Reporter phone ') + current.reporter_phone) : null,
    el('p', { class: 'note' }, t('签收时限 ', 'Accept by ') + when(o.accept_due), el('br'), t('办结时限 ', 'Resolve by ') + when(o.resolve_due)),
    buttons.length ? note : null,
    buttons.length && o.state !== 'dispatched' ? el('label', { class: 'photo' }, t('现场照片（办结时上传）', 'Photo (sent when resolving)'), photo) : null,
    el('div', { class: 'actions' }, ...buttons),
    current.evidence.length ? el('div', { class: 'photos' }, ...current.evidence.map((p) => el('img', { src: p.url, alt: p.note || '' }))) : null,
    el('h3', {}, t('办理过程', 'Timeline')),
    el('ol', { class: 'timeline' }, ...current.timeline.map((e) => el('li', {}, el('time', {}, when(e.ts)), ' ', el('b', {}, actionName(e.action)), ' ', e.actor,
      e.note ? el('div', { class: 'note' }, e.note) : null)))].filter(Boolean));
}

async function act(action) {
  const o = current.order;
  const note = $('d-note') ? $('d-note').value.trim() : '';
  if ((action === 'return' || action === 'resolve') && !note) {
    toast(action === 'return' ? t('请填写退单理由', 'Say why it goes back') : t('请填写处置说明', 'Say what was done'), true);
    $('d-note').focus();
    return;
  }
  try {
    const file = $('d-photo') && $('d-photo').files[0];
    if (action === 'resolve' && file) {
      const res = await fetch(`/api/v1/orders/${o.id}/evidence?note=${encodeURIComponent(note.slice(0, 200))}`, {
        method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': file.type || 'image/jpeg' }, body: file });
      if (!res.ok) {
        const b = await res.json().catch(() => ({}));
        throw new Error(b.error ? b.error.message : res.statusText);
      }
    }
    current = await api(`/api/v1/orders/${o.id}/actions`, { json: note ? { action, note } : { action } });
    toast(`#${o.id} ${actionName(action)} ✓`);
    if (action === 'return') current = null;
    renderCard();
    loadList();
  } catch (e) {
    toast(e.message, true);
  }
}

function setTab(which) {
  tab = which;
  $('tab-open').className = which === 'open' ? 'on' : '';
  $('tab-done').className = which === 'done' ? 'on' : '';
  current = null;
  renderCard();
  loadList();
}

async function main() {
  setupLang(() => { renderList(); renderCard(); });
  me = await signIn(['officer']);
  $('who').textContent = `${me.name} · ${me.department || t('未设置部门', 'no department')}`;
  $('console').hidden = false;
  $('tab-open').addEventListener('click', () => setTab('open'));
  $('tab-done').addEventListener('click', () => setTab('done'));
  await loadList();
  live(() => { loadList(); if (current) open(current.order.id); });
}

main().catch((e) => toast(e.message, true));
