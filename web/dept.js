// dept.js - the department console (部门工单, /dept) for officers on a phone:
// the department's orders (overdue ones red), accept, start, return with a
// reason (退单), and resolve with a note and a photo taken on the spot. The
// photo goes to POST /api/v1/orders/ID/evidence as the raw image, then the
// order is resolved. A department's part of an application (联办申请) shows
// the matter, the applicant company and the materials (links to the files),
// and is approved or rejected with a note (POST /api/v1/orders/ID/decision);
// the decision and its time show afterwards. Updates arrive over the event
// stream (or by polling).
import { $, el } from './lib/dom.js';
import { api } from './lib/api.js';
import { t, pick, setupLang } from './lib/i18n.js';
import { shortDateTime } from './lib/time.js';
import { stateName, actionName, signIn, live, toast } from './console-common.js';
import { mountNav } from './lib/nav.js';

let me = null;
let tab = 'open';
let orders = [];
let current = null;
let currentApp = null; // the staff view of current's application, when it is one
let place = null; // current's place: {entity, region} as the registry names them
const kinds = new Map(); // matter id -> kind
const apps = new Map(); // joint order id -> the staff view of its application

const TODO = new Set(['dispatched', 'accepted', 'in_progress']);

const isApp = (o) => !!o.parent && kinds.get(o.matter) === 'application';
const myDecision = (a) => a && a.decisions.find((d) => d.department === me.department);
const decisionName = (d) => (d.decision === 'approve' ? t('同意', 'Approved') : t('驳回', 'Rejected'));
const company = (a) => (a && a.applicant && (a.applicant.company || a.applicant.name)) || '';

async function loadApps(list) {
  const parents = [...new Set(list.filter(isApp).map((o) => o.parent))];
  await Promise.all(parents.map(async (p) => {
    try {
      apps.set(p, (await api(`/api/v1/applications/${p}`)).application);
    } catch {
      apps.set(p, null);
    }
  }));
}

async function loadList() {
  const j = await api('/api/v1/orders?limit=100' + (tab === 'open' ? '&state=open' : ''));
  const mine = j.orders.filter((o) => o.department === me.department &&
    (tab === 'open' ? TODO.has(o.state) : !TODO.has(o.state)));
  await loadApps(mine);
  orders = mine;
  renderList();
}

function appLine(o) {
  const a = apps.get(o.parent);
  const d = myDecision(a);
  return [
    el('div', { class: 'note app-company' }, t('申请企业 ', 'Applicant ') + (company(a) || '—')),
    d ? el('div', { class: 'note decided d-' + d.decision }, `${decisionName(d)} · ${shortDateTime(d.decided)}`) : null,
  ];
}

function renderList() {
  $('list').replaceChildren(...orders.map((o) => el('li', { class: 'card' + (o.overdue ? ' late' : '') + (isApp(o) ? ' app' : ''),
    'data-order': o.id, onclick: () => open(o.id) },
  el('div', { class: 'row' }, el('b', {}, `#${o.id} ${o.title}`), el('span', { class: 'state s-' + o.state }, stateName(o.state))),
  el('div', { class: 'note' }, isApp(o) ? el('span', { class: 'tag' }, t('联办申请', 'Joint application')) : null,
    ` ${o.matter_name_zh && pick(o, 'matter_name') || o.matter} · ${pick(o, 'region_name') || o.region}`),
  ...(isApp(o) ? appLine(o) : []),
  TODO.has(o.state) ? el('div', { class: 'note' + (o.overdue ? ' late' : '') },
    o.accepted_at ? t('办结时限 ', 'Resolve by ') + shortDateTime(o.resolve_due) : t('签收时限 ', 'Accept by ') + shortDateTime(o.accept_due),
    o.overdue ? ' · ' + t('已超期', 'overdue') : '') : null)));
  if (!orders.length) $('list').append(el('li', { class: 'empty' }, t('暂无工单', 'Nothing here')));
}

async function open(id) {
  try {
    const o = await api(`/api/v1/orders/${id}`);
    let a = null;
    if (isApp(o.order)) {
      a = (await api(`/api/v1/applications/${o.order.parent}`)).application;
      apps.set(o.order.parent, a);
    }
    current = o;
    currentApp = a;
    place = await placeOf(o.order);
  } catch (e) {
    toast(e.message, true);
    return;
  }
  renderCard();
}

// The names of an order's entity and region, the entity's address and
// position: an officer on a phone goes there. A name that cannot be read
// leaves the id shown, never the card unopened.
async function placeOf(o) {
  const [ent, reg] = await Promise.all([
    o.entity ? api(`/api/v1/entities/${encodeURIComponent(o.entity)}`).then((r) => r.entity ?? r).catch(() => null) : null,
    o.region ? api(`/api/v1/regions/${o.region}`).then((r) => r.region).catch(() => null) : null]);
  return { entity: ent, region: reg };
}

// A link that opens a map app's navigation to the place (Amap's web URI:
// phones hand it to the app, desktops show the map); null without a position.
function navLink(name, lon, lat) {
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) return null;
  const q = new URLSearchParams({ position: `${lon},${lat}`, name, src: 'zhizhi', coordinate: 'wgs84', callnative: '1' });
  return el('a', { class: 'nav-link', id: 'd-nav', href: `https://uri.amap.com/marker?${q}`, target: '_blank', rel: 'noopener' }, t('导航', 'Directions'));
}

function placeLine(o) {
  const ent = place?.entity, reg = place?.region;
  const regName = reg ? pick(reg, 'name') : o.region;
  const entName = ent ? pick(ent, 'name') : o.entity;
  const address = ent?.attrs?.address;
  const lon = ent?.lon ?? o.lon, lat = ent?.lat ?? o.lat;
  return el('div', { class: 'place', id: 'd-place' },
    el('div', {}, el('b', { id: 'd-entity' }, entName || regName || ''), entName ? el('span', { class: 'note' }, ` · ${regName}`) : null),
    address ? el('div', { class: 'note', id: 'd-address' }, address) : null,
    navLink(entName || regName || '', Number(lon), Number(lat)));
}

function field(label, value, id) {
  return el('div', { class: 'field', id }, el('span', {}, label), el('b', {}, value || '—'));
}

// The application's part of the card: applicant, materials, decisions, and
// the approve / reject buttons while this department has not decided.
function appSection(o, a) {
  const d = myDecision(a);
  const open = TODO.has(o.state) && !d;
  const note = el('textarea', { id: 'd-note', rows: 3, maxlength: 1000, placeholder: t('审批意见（驳回时必填）', 'Note (required to reject)') });
  const mats = a.materials.map((m) => el('li', {}, el('a', { href: m.url, target: '_blank', rel: 'noopener', 'data-material': m.id },
    (m.name_zh && t(m.name_zh, m.name_en || m.name_zh)) || m.id), el('span', { class: 'note' }, ` ${m.mime.split('/')[1].toUpperCase()} · ${Math.max(1, Math.round(m.size / 1024))} KB`)));
  return [
    el('div', { class: 'fields' },
      field(t('申请事项', 'Matter'), a.name_zh && t(a.name_zh, a.name_en || a.name_zh), 'd-matter'),
      field(t('申请企业', 'Company'), a.applicant.company, 'd-company'),
      field(t('申请人', 'Applicant'), a.applicant.name),
      field(t('联系电话', 'Phone'), a.applicant.phone)),
    el('h3', {}, t('申请材料', 'Materials')),
    mats.length ? el('ul', { class: 'mats', id: 'd-materials' }, ...mats) : el('p', { class: 'note' }, t('暂无材料', 'None received')),
    el('h3', {}, t('各部门审批', 'Decisions')),
    el('ul', { class: 'mats', id: 'd-decisions' }, ...(a.decisions.length ? a.decisions.map((x) => el('li', { 'data-department': x.department, class: 'd-' + x.decision },
      el('b', {}, `${t(x.department_name_zh || x.department, x.department_name_en || x.department)}: ${decisionName(x)}`),
      el('span', { class: 'note' }, ` ${shortDateTime(x.decided)}`), x.note ? el('div', { class: 'note' }, x.note) : null))
      : [el('li', { class: 'note' }, t('尚无部门审批', 'No decision yet'))])),
    d ? el('p', { id: 'my-decision', class: 'decided d-' + d.decision, 'data-decision': d.decision },
      `${t('本部门', 'This department')}: ${decisionName(d)} · ${shortDateTime(d.decided)}`) : null,
    open ? note : null,
    open ? el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'primary', id: 'approve', onclick: () => decide('approve') }, t('同意', 'Approve')),
      el('button', { type: 'button', class: 'reject', id: 'reject', onclick: () => decide('reject') }, t('驳回', 'Reject'))) : null,
  ];
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
  // a refresh (another department decided, the stream said so) keeps the note being typed
  const typed = $('d-note') && $('d-note').dataset.order === String(o.id) ? $('d-note').value : '';
  // and the photo chosen for it: a redraw must not drop what the officer picked
  const picked = $('d-photo') && $('d-photo').dataset.order === String(o.id) ? $('d-photo').files[0] : null;
  const head = [
    el('button', { type: 'button', class: 'back', onclick: () => { current = null; currentApp = null; place = null; renderCard(); loadList(); } }, t('‹ 返回', '‹ Back')),
    el('h2', {}, `#${o.id} ${o.title}`),
    el('p', {}, el('span', { class: 'state s-' + o.state }, stateName(o.state)), currentApp ? el('span', { class: 'tag' }, t('联办申请', 'Joint application')) : null,
      !currentApp && o.parent ? el('span', { class: 'tag', id: 'd-joint' }, t(`联办工单 #${o.parent} 的子工单`, `Part of joint order #${o.parent}`)) : null,
      o.overdue ? el('span', { class: 'flag late' }, t('超期', 'Overdue')) : null),
    placeLine(o),
    o.description ? el('p', { class: 'desc' }, o.description) : null,
  ];
  const tail = [
    el('h3', {}, t('办理过程', 'Timeline')),
    el('ol', { class: 'timeline' }, ...current.timeline.map((e) => el('li', {}, el('time', {}, shortDateTime(e.ts)), ' ', el('b', {}, actionName(e.action)), ' ', e.actor,
      e.note ? el('div', { class: 'note' }, e.note) : null))),
  ];
  if (currentApp) {
    $('card').replaceChildren(...[...head, ...appSection(o, currentApp), ...tail].filter(Boolean));
    if ($('d-note')) Object.assign($('d-note'), { value: typed }).dataset.order = o.id;
    return;
  }
  const note = el('textarea', { id: 'd-note', rows: 3, 'data-order': o.id, placeholder: t('处置说明 / 退单理由', 'What was done / why it goes back') });
  note.value = typed;
  const photo = el('input', { id: 'd-photo', type: 'file', accept: 'image/jpeg,image/png', capture: 'environment', 'data-order': o.id });
  if (picked) {
    const keep = new DataTransfer();
    keep.items.add(picked);
    photo.files = keep.files;
  }
  const btn = (a, cls) => el('button', { type: 'button', class: cls || '', onclick: () => act(a) }, actionName(a));
  const buttons = [];
  if (o.state === 'dispatched') buttons.push(btn('accept', 'primary'), btn('return'));
  if (o.state === 'accepted') buttons.push(btn('start', 'primary'), btn('resolve'), btn('return'));
  if (o.state === 'in_progress') buttons.push(btn('resolve', 'primary'));
  $('card').replaceChildren(...[...head,
    current.reporter_phone ? el('p', { class: 'note', id: 'd-phone' }, t('联系电话 ', 'Reporter phone ') + current.reporter_phone) : null,
    el('p', { class: 'note' }, t('签收时限 ', 'Accept by ') + shortDateTime(o.accept_due), el('br'), t('办结时限 ', 'Resolve by ') + shortDateTime(o.resolve_due)),
    buttons.length ? note : null,
    buttons.length && o.state !== 'dispatched' ? el('label', { class: 'photo' }, t('现场照片（办结时上传）', 'Photo (sent when resolving)'), photo) : null,
    el('div', { class: 'actions' }, ...buttons),
    current.evidence.length ? el('div', { class: 'photos' }, ...current.evidence.map((p) => el('img', { src: p.url, alt: p.note || '' }))) : null,
    ...tail].filter(Boolean));
}

async function decide(decision) {
  const o = current.order;
  let note = $('d-note').value.trim();
  if (decision === 'reject' && !note) {
    toast(t('驳回须填写理由', 'Say why it is rejected'), true);
    $('d-note').focus();
    return;
  }
  if (!note) note = t('同意', 'Approved');
  for (const b of document.querySelectorAll('#card .actions button')) b.disabled = true;
  try {
    await api(`/api/v1/orders/${o.id}/decision`, { json: { decision, note } });
    toast(`#${o.id} ${decision === 'approve' ? t('已同意', 'approved') : t('已驳回', 'rejected')} ✓`);
    await open(o.id);
    loadList();
  } catch (e) {
    toast(e.message, true);
    for (const b of document.querySelectorAll('#card .actions button')) b.disabled = false;
  }
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
      await api(`/api/v1/orders/${o.id}/evidence?note=${encodeURIComponent(note.slice(0, 200))}`, {
        method: 'POST', headers: { 'Content-Type': file.type || 'image/jpeg' }, body: file });
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
  currentApp = null;
  renderCard();
  loadList();
}

async function main() {
  setupLang(() => { renderList(); renderCard(); });
  me = await signIn(['officer']);
  // the shared top bar: name, role and department, the other screens, logout
  const depts = await api('/api/v1/departments').then((j) => j.departments).catch(() => []);
  mountNav($('topbar'), me, {
    current: 'dept',
    title: ['部门工单', 'Department orders'],
    detail: (m) => { const d = depts.find((x) => x.id === m.department); return d ? pick(d, 'name') : m.department || t('未设置部门', 'no department'); },
    onLang: () => { renderList(); renderCard(); },
  });
  $('console').hidden = false;
  $('tab-open').addEventListener('click', () => setTab('open'));
  $('tab-done').addEventListener('click', () => setTab('done'));
  for (const m of (await api('/api/v1/matters')).matters) kinds.set(m.id, m.kind);
  await loadList();
  live(() => { loadList(); if (current) open(current.order.id); });
}

main().catch((e) => toast(e.message, true));
