// inspect.js - the inspector's phone checklist (/inspect): pick a campaign,
// a checklist and the unit inspected (by name), answer every item
// 合格 / 不合格 / 不适用 with a note and photos, add findings, submit.
// Offline-tolerant: a submission is written to IndexedDB with its uid
// before it is sent, resent on page load, on the `online` event and every
// half minute while the queue holds anything, and removed only once the
// server answered 2xx (stored, or stored before under this uid) or 409
// (that uid holds another visit): it is sent until stored, and the uid
// makes it stored once. Photos follow their visit from the same queue.
import { $, el } from './lib/dom.js';
import { api, ApiError } from './lib/api.js';
import { t, pick, setupLang } from './lib/i18n.js';
import { day, instant, localInput } from './lib/time.js';
import { signIn, toast } from './console-common.js';
import { mountNav } from './lib/nav.js';

let me = null;
let cat = { checklists: [], campaigns: [] };
let depts = [];
let entity = null; // {id, name_zh, name_en, type}
const answers = {}; // item -> {ok: true|false|null, note, files}
let findings = []; // {text, owner, days}

// ---- the queue (IndexedDB, one record per submission, keyed by uid) ----

const DB = 'zz-inspect';
function db() {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => r.result.createObjectStore('queue', { keyPath: 'uid' });
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}
async function tx(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const x = d.transaction('queue', mode);
    const out = fn(x.objectStore('queue'));
    x.oncomplete = () => { d.close(); resolve(out && 'result' in out ? out.result : undefined); };
    x.onerror = () => { d.close(); reject(x.error); };
  });
}
const qAll = () => tx('readonly', (s) => s.getAll());
const qPut = (rec) => tx('readwrite', (s) => s.put(rec));
const qDel = (uid) => tx('readwrite', (s) => s.delete(uid));

function newUid() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return 'insp-' + [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

let flushing = false;
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    for (const rec of await qAll()) {
      if (!(await sendOne(rec))) break; // the network is down: the rest waits too
    }
  } finally {
    flushing = false;
    await showQueue();
  }
}

// Sends one queued visit and its photos. true when done with it (stored
// or refused for good), false when it must wait for the network.
async function sendOne(rec) {
  try {
    if (!rec.stored) {
      const r = await api('/api/v1/inspections', { json: rec.body });
      rec.stored = { id: r.inspection.id, rectify: r.rectify, inspection: r.inspection };
      rec.error = null;
      await qPut(rec);
    }
    for (const p of rec.photos) {
      if (p.sent) continue;
      const q = p.item ? `?item=${encodeURIComponent(p.item)}` : '';
      await api(`/api/v1/inspections/${rec.stored.id}/photos${q}`, { method: 'POST', body: p.blob, headers: { 'Content-Type': p.blob.type || 'image/jpeg' } });
      p.sent = true;
      await qPut(rec);
    }
    await qDel(rec.uid);
    if (rec.shown) showDone(rec);
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status === 409 && !rec.stored) {
      // the uid holds another visit: this one can never be stored under it
      await qDel(rec.uid);
      toast(t(`检查未保存：${e.message}`, `Not stored: ${e.message}`), true);
      return true;
    }
    if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429 && e.status !== 401) {
      rec.error = e.message; // the inspector must fix or discard it
      await qPut(rec);
      return true;
    }
    return false; // offline, a server busy or restarting: later
  }
}

async function showQueue() {
  const all = await qAll().catch(() => []);
  const n = all.length;
  $('queue-count').textContent = n ? t(`待上传 ${n}`, `${n} to upload`) : t('已全部上传', 'All uploaded');
  $('queue-btn').classList.toggle('has', n > 0);
  $('queue-btn').dataset.count = String(n);
  $('pending').hidden = n === 0;
  $('pending-list').replaceChildren(...all.map((rec) => el('li', {},
    el('b', { text: rec.label }), ' ', el('span', { class: 'note', text: rec.when }),
    rec.stored ? el('span', { class: 'note', text: t(' · 照片上传中', ' · photos uploading') }) : null,
    rec.error ? el('span', { class: 'error', text: rec.error }) : null,
    rec.error ? el('button', { type: 'button', onclick: async () => { await qDel(rec.uid); showQueue(); }, text: t('放弃', 'Discard') }) : null)));
}

function showNet() {
  $('net').textContent = navigator.onLine ? t('在线', 'Online') : t('离线：提交将在联网后上传', 'Offline: submissions upload when back online');
  $('net').classList.toggle('off', !navigator.onLine);
}

// ---- the form ----

const checklist = () => cat.checklists.find((c) => c.id === $('checklist').value);
const campaign = () => cat.campaigns.find((c) => c.id === $('campaign').value);

function fillCampaigns() {
  const keep = $('campaign').value;
  // the campaigns whose checklists this inspector's department submits
  const mine = cat.campaigns.filter((c) => me.role === 'admin' || c.checklists.some((id) => {
    const cl = cat.checklists.find((x) => x.id === id);
    return cl && cl.department === me.department;
  }));
  $('campaign').replaceChildren(...mine.map((c) => el('option', { value: c.id, text: pick(c, 'name') })));
  if (keep && mine.some((c) => c.id === keep)) $('campaign').value = keep;
  fillChecklists();
}

function fillChecklists() {
  const keep = $('checklist').value;
  const c = campaign();
  const list = c ? c.checklists.map((id) => cat.checklists.find((x) => x.id === id)).filter(Boolean) : [];
  $('checklist').replaceChildren(...list.map((x) => el('option', { value: x.id, text: pick(x, 'name') })));
  if (keep && list.some((x) => x.id === keep)) $('checklist').value = keep;
  drawItems();
  fillParents();
}

// A member checklist (a stall-holder's): the unit is searched within its
// participant (a market), picked first; a market holds a hundred stalls
// whose names repeat from market to market.
let parentsOf = null, parents = [];
const memberOf = () => {
  const c = campaign(), cl = checklist();
  const m = c && c.members;
  return m && m.parent_attr && cl && cl.entity_types.some((ty) => (m.entity_types || []).includes(ty)) ? m : null;
};
async function fillParents() {
  const m = memberOf();
  $('parent-label').hidden = !m;
  if (!m) return;
  const types = campaign().participants.entity_types;
  if (parentsOf !== campaign().id) {
    const lists = await Promise.all(types.map((ty) => api(`/api/v1/entities?type=${encodeURIComponent(ty)}&limit=200`).then((r) => r.entities).catch(() => [])));
    parents = lists.flat();
    parentsOf = campaign().id;
  }
  const keep = $('parent').value;
  $('parent-name').textContent = t('所属市场 / 单位', 'Within');
  $('parent').replaceChildren(...parents.map((p) => el('option', { value: p.id, text: pick(p, 'name') })));
  if (keep && parents.some((p) => p.id === keep)) $('parent').value = keep;
}

function answerButtons(item) {
  const a = answers[item.id] || {};
  const b = (val, cls, zh, en) => el('button', { type: 'button', class: `${cls}${a.ok === val && 'ok' in a ? ' on' : ''}`,
    'data-answer': String(val), 'aria-pressed': a.ok === val && 'ok' in a ? 'true' : 'false',
    onclick: () => { answers[item.id] = { ...(answers[item.id] || {}), ok: val }; drawItems(); }, text: t(zh, en) });
  return el('div', { class: 'answer' }, b(true, 'ok', '合格', 'Pass'), b(false, 'bad', '不合格', 'Fail'), b(null, 'na', '不适用', 'N/A'));
}

function drawItems() {
  const cl = checklist();
  $('items').replaceChildren(...(cl ? cl.items : []).map((it) => {
    const a = answers[it.id] || {};
    const failed = a.ok === false;
    const note = el('input', { type: 'text', maxlength: 500, value: a.note || '', placeholder: failed ? t('问题说明', 'What is wrong') : t('备注（可选）', 'Note (optional)'),
      oninput: (ev) => { answers[it.id] = { ...(answers[it.id] || {}), note: ev.target.value }; } });
    const photo = el('input', { type: 'file', class: 'file', accept: 'image/jpeg,image/png,image/webp', capture: 'environment', multiple: true,
      onchange: (ev) => { answers[it.id] = { ...(answers[it.id] || {}), files: [...ev.target.files] }; drawItems(); } });
    const n = (a.files || []).length;
    return el('li', { 'data-item': it.id, class: 'ok' in a ? '' : 'unanswered' },
      el('div', { class: 'text', text: pick(it, 'text') }),
      it.points ? el('div', { class: 'sys', text: t(`不合格扣 ${it.points} 分 · 整改期限 ${it.rectify_days} 天`, `Fail costs ${it.points} points · ${it.rectify_days} days to rectify`) })
        : el('div', { class: 'sys', text: t(`整改期限 ${it.rectify_days} 天`, `${it.rectify_days} days to rectify`) }),
      answerButtons(it),
      el('div', { class: 'detail' }, note,
        el('label', { class: 'photo-btn' }, photo, el('span', { text: n ? t(`已选 ${n} 张照片（点此重选）`, `${n} photo(s) chosen (tap to change)`) : t('＋ 拍照或选择照片', '+ Take or choose photos') }))));
  }));
}

function drawFindings() {
  $('findings').replaceChildren(...findings.map((f, i) => el('li', {},
    el('input', { name: 'text', type: 'text', maxlength: 500, value: f.text, placeholder: t('发现的问题', 'The problem found'),
      oninput: (ev) => { f.text = ev.target.value; } }),
    el('select', { name: 'owner', onchange: (ev) => { f.owner = ev.target.value; } },
      el('option', { value: '', text: t('责任单位：检查部门', 'Owner: the inspecting department') }),
      ...depts.map((d) => el('option', { value: d.id, text: pick(d, 'name'), selected: d.id === f.owner }))),
    el('input', { name: 'days', type: 'number', min: 1, max: 365, value: f.days, title: t('整改天数', 'Days to rectify'),
      oninput: (ev) => { f.days = Number(ev.target.value); } }),
    el('button', { type: 'button', onclick: () => { findings.splice(i, 1); drawFindings(); }, text: '✕', 'aria-label': t('删除', 'Remove') }))));
}

let searchSeq = 0;
async function search() {
  const cl = checklist();
  const q = $('q').value.trim();
  const seq = ++searchSeq;
  if (!cl || !q) { $('found').replaceChildren(); return; }
  const types = cl.entity_types || [];
  const m = memberOf();
  const within = m && $('parent').value ? `&attr.${encodeURIComponent(m.parent_attr)}=${encodeURIComponent($('parent').value)}` : '';
  const lists = await Promise.all(types.map((ty) => api(`/api/v1/entities?type=${encodeURIComponent(ty)}&name=${encodeURIComponent(q)}&limit=10${within}`)
    .then((r) => r.entities).catch(() => [])));
  if (seq !== searchSeq) return;
  $('found').replaceChildren(...lists.flat().slice(0, 12).map((en) => el('li', {},
    el('button', { type: 'button', 'data-entity': en.id, onclick: () => choose(en) }, pick(en, 'name'),
      en.attrs && (en.attrs.trade || en.attrs.operator) ? el('small', { text: en.attrs.trade || en.attrs.operator }) : null))));
}

async function choose(en) {
  entity = { id: en.id, name_zh: en.name_zh, name_en: en.name_en };
  $('found').replaceChildren();
  $('q').value = '';
  $('entity').hidden = false;
  $('entity').textContent = `${t('检查对象：', 'Unit: ')}${pick(entity, 'name')}`;
  // the plans of this unit still to be visited
  const c = campaign();
  $('plan-label').hidden = true;
  $('plan').replaceChildren();
  if (c && c.plans) {
    const r = await api(`/api/v1/inspection-plans?campaign=${encodeURIComponent(c.id)}&entity=${encodeURIComponent(en.id)}`).catch(() => ({ plans: [] }));
    const open = r.plans.filter((p) => !p.inspection && p.checklist === $('checklist').value);
    if (open.length) {
      $('plan').replaceChildren(el('option', { value: '', text: t('（不对应计划）', '(no plan)') }),
        ...open.map((p) => el('option', { value: p.id, text: `${p.day} · ${p.leader}` })));
      $('plan').value = String(open[0].id);
      $('plan-label').hidden = false;
    }
  }
}

function relabel() {
  if (!me) return;
  fillCampaigns();
  drawFindings();
  if (entity) $('entity').textContent = `${t('检查对象：', 'Unit: ')}${pick(entity, 'name')}`;
  showNet();
  showQueue();
}

function reset() {
  for (const k of Object.keys(answers)) delete answers[k];
  findings = [];
  entity = null;
  $('entity').hidden = true;
  $('plan-label').hidden = true;
  $('note').value = '';
  drawItems();
  drawFindings();
}

function showDone(rec) {
  const s = rec.stored;
  const items = s ? s.rectify : [];
  $('done').hidden = false;
  $('done').replaceChildren(...[
    el('h2', { text: s ? t(`检查已保存（编号 ${s.id}）`, `Inspection stored (no. ${s.id})`) : t('检查已记录，联网后上传', 'Recorded: uploads when back online') }),
    el('p', { text: `${rec.label} · ${rec.when}` }),
    s ? el('p', { text: s.inspection.result === 'pass' ? t('全部合格', 'All items passed') : t(`${items.length} 项需整改，已派整改工单：`, `${items.length} item(s) to rectify, work orders dispatched:`) }) : null,
    s && items.length ? el('ul', {}, ...items.map((x) => el('li', {},
      el('div', { class: 'what', text: pick(x, 'text') }),
      el('div', { class: 'late', text: t(`限 ${day(x.deadline)} 前整改 · 工单 #${x.order}`, `Rectify by ${day(x.deadline)} · order #${x.order}`) })))) : null,
    s ? el('p', {}, el('a', { href: `/supervised?entity=${encodeURIComponent(s.inspection.entity)}`, text: t('查看该对象的检查与信用', 'See this unit\'s inspections and credit') })) : null].filter(Boolean));
}

$('visit').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('form-error').textContent = '';
  const cl = checklist();
  if (!cl) return;
  if (!entity) { $('form-error').textContent = t('请先选择检查对象', 'Choose the unit inspected first'); $('q').focus(); return; }
  const missing = cl.items.find((it) => !answers[it.id] || !('ok' in answers[it.id]));
  if (missing) {
    $('form-error').textContent = t(`还有检查项未作答：${pick(missing, 'text')}`, `An item is not answered: ${pick(missing, 'text')}`);
    document.querySelector(`#items li[data-item="${missing.id}"]`)?.scrollIntoView({ block: 'center' });
    return;
  }
  const body = {
    uid: newUid(), checklist: cl.id, entity: entity.id, ts: instant(Date.now()),
    answers: cl.items.map((it) => ({ item: it.id, ok: answers[it.id].ok, ...(answers[it.id].note ? { note: answers[it.id].note } : {}) })),
    findings: findings.filter((f) => f.text.trim()).map((f) => ({ text: f.text.trim(), ...(f.owner ? { owner: f.owner } : {}), ...(f.days ? { days: f.days } : {}) })),
  };
  if (campaign()) body.campaign = campaign().id;
  if (!$('plan-label').hidden && $('plan').value) body.plan = Number($('plan').value);
  if ($('note').value.trim()) body.note = $('note').value.trim();
  const photos = cl.items.flatMap((it) => (answers[it.id].files || []).map((f) => ({ item: it.id, blob: f, sent: false })));
  const rec = { uid: body.uid, body, photos, label: `${pick(entity, 'name')} · ${pick(cl, 'name')}`,
    when: localInput().replace('T', ' '), shown: true };
  await qPut(rec); // first the queue: a closed tab or a lost network loses nothing
  reset();
  showDone(rec);
  $('done').scrollIntoView({ block: 'start' });
  await showQueue();
  await flush();
});

$('campaign').addEventListener('change', () => { reset(); fillChecklists(); });
$('checklist').addEventListener('change', () => { reset(); drawItems(); fillParents(); });
$('parent').addEventListener('change', () => { $('q').value = ''; $('found').replaceChildren(); });
$('q').addEventListener('input', search);
$('add-finding').addEventListener('click', () => { findings.push({ text: '', owner: '', days: 14 }); drawFindings(); });
$('retry').addEventListener('click', flush);
$('queue-btn').addEventListener('click', () => { $('pending').hidden = !$('pending').hidden; });
window.addEventListener('online', () => { showNet(); flush(); });
window.addEventListener('offline', showNet);
setInterval(() => { if (navigator.onLine) flush(); }, 30000);

async function main() {
  setupLang(relabel);
  me = await signIn(['admin', 'officer'], (u) => t(`现场检查页面供检查部门人员和管理员使用；${u.name} 可在“督查进度”查看进展。`,
    `Inspection is for inspecting officers and administrators; ${u.name} can follow progress on the ledger.`));
  mountNav($('topbar'), me, { current: 'inspect', title: ['现场检查', 'Inspection'], onLang: relabel });
  $('app').hidden = false;
  showNet();
  await showQueue();
  flush(); // what an earlier visit left in the queue
  cat = await api('/api/v1/checklists');
  depts = (await api('/api/v1/departments').catch(() => ({ departments: [] }))).departments || [];
  fillCampaigns();
  drawFindings();
  document.body.dataset.ready = '1';
}

main().catch((e) => toast(e.message, true));
