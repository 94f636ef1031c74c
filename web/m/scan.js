// /m/c/TOKEN: what a phone shows after scanning a customer or enterprise
// code: the venue, its matters (an enterprise's applications apart from its
// reports), the chosen matter's form. A report makes a work order and leads
// to the receipt page; an application (apply.js) is sent with the code, its
// materials follow, and it leads to the application's page /m/a/NUMBER.
import { el } from '../lib/dom.js';
import { api, said, saidOf } from '../lib/api.js';
import { pick, words, lang } from '../lib/i18n.js';
import { setupLang, PHONE_WORDS, formField } from './common.js';
import { renderApply, recentApplications } from './apply.js';

const T = {
  ...PHONE_WORDS,
  title: ['扫码反映问题', 'Report by scanning'],
  titleEnt: ['企业码服务', 'Enterprise services'],
  unknown: ['无法识别此码', 'Code not recognised'],
  unknownMsg: ['此码不存在或已失效，请重新扫描现场张贴的二维码。', 'This code does not exist or is no longer valid. Please scan the code posted on site again.'],
  revoked: ['此码已停用', 'Code no longer in use'],
  revokedMsg: ['此码已更换，请扫描现场张贴的新二维码。', 'This code has been replaced. Please scan the new code posted on site.'],
  choose: ['请选择要反映的事项', 'Choose what to report'],
  back: ['返回', 'Back'],
  submit: ['提交', 'Submit'],
  sending: ['提交中…', 'Sending…'],
  confirm: ['企业联系人确认', 'Confirm the enterprise contact'],
  confirmMsg: ['请输入本企业登记的联系电话', 'Enter the contact phone registered for the enterprise'],
  confirmBtn: ['确认', 'Confirm'],
  notMatch: ['与登记的联系电话不一致', 'This does not match the registered number'],
  complaint: ['投诉', 'Complaint'],
  application: ['申请', 'Application'],
  service: ['服务', 'Service'],
  inspection: ['检查', 'Inspection'],
  required: ['必填', 'required'],
  missing: ['请填写', 'Please fill in'],
  apply: ['申请办理', 'Apply'],
  report: ['反映问题', 'Report a problem'],
  serveReport: ['服务与反映', 'Services and reports'],
  mine: ['我的申请', 'My applications'],
  search: ['搜索事项', 'Search matters'],
  noMatch: ['没有匹配的事项，换个关键词试试。', 'No matter matches; try another word.'],
  pledgeTodo: ['待签署的承诺书', 'Pledges to sign'],
  pledgeDone: ['承诺书已签署', 'Pledges signed'],
  publicNote: ['此类问题会公开：您填写的描述（不含电话）将在政务公开接口中向公众展示，请勿填写门牌号、姓名等个人信息。', 'Reports of this kind are public: your description (not your phone) will be shown to anyone through the open government interface. Please leave out your flat number, name and other personal details.'],
};
const w = words(T);
const token = decodeURIComponent(location.pathname.split('/')[3] || '');
const app = document.getElementById('app');
// the pledges the code's entity is asked to sign (an enterprise code's
// stall or market in a campaign): a link to /m/p/TOKEN above the matters
let pledges = null;
let doc = null, view = { name: 'list' }, contact = sessionStorage.getItem('zz_contact_' + token) || '';

function show(...kids) {
  app.replaceChildren(...kids.filter((k) => k != null));
  const title = doc?.code.kind === 'enterprise' ? w('titleEnt') : w('title');
  document.getElementById('title').textContent = title;
  document.title = title;
}

function friendly(status) {
  const revoked = status === 410;
  const msg = status === 429 ? w('busy') : status === 0 ? w('offline') : revoked ? w('revokedMsg') : w('unknownMsg');
  show(el('div', { class: 'card', id: 'friendly' }, el('h2', { text: revoked ? w('revoked') : status === 404 ? w('unknown') : w('title') }), el('p', { text: msg })));
}

function venueCard() {
  const e = doc.entity;
  return el('div', { class: 'card' }, el('div', { class: 'venue', id: 'venue', text: pick(e, 'name') }),
    e.address ? el('div', { class: 'muted', text: e.address }) : null);
}

function pledgesCard() {
  if (!pledges || !pledges.length) return null;
  const todo = pledges.filter((p) => !p.signed && p.open).length;
  return el('a', { class: 'matter pledges-link', id: 'pledges-link', href: `/m/p/${encodeURIComponent(token)}`, 'data-todo': todo },
    el('div', {}, el('b', { text: todo ? `${w('pledgeTodo')} (${todo})` : `✓ ${w('pledgeDone')}` })),
    el('div', { class: 'muted', text: pledges.map((p) => pick(p, 'title')).join(' ') }));
}

function matterButton(m) {
  const next = m.kind === 'application' ? 'apply' : 'form';
  return el('button', { class: 'matter', 'data-matter': m.id, 'data-kind': m.kind, type: 'button',
    onclick: () => { view = doc.code.kind === 'enterprise' && !contact ? { name: 'confirm', next, matter: m } : { name: next, matter: m }; render(); } },
  el('div', { text: pick(m, 'name') }), el('div', { class: 'muted', text: pick(m, 'description') }));
}

function render() {
  if (!doc) return;
  if (view.name === 'confirm') return renderConfirm();
  if (view.name === 'form') return renderForm(view.matter);
  if (view.name === 'apply') {
    return renderApply({ doc, token, matter: view.matter, contact, show: (...kids) => show(venueCard(), ...kids),
      back: () => { view = { name: 'list' }; render(); },
      recontact: () => { contact = ''; sessionStorage.removeItem('zz_contact_' + token); view = { name: 'confirm', next: 'apply', matter: view.matter }; render(); },
      fieldInput });
  }
  const apps = doc.matters.filter((m) => m.kind === 'application');
  const reports = doc.matters.filter((m) => m.kind !== 'application');
  const mine = recentApplications(token);
  // A park enterprise has dozens of matters: a search box above them filters
  // by name and description in either language as one types.
  const search = doc.matters.length > 8 ? searchBox() : null;
  if (!apps.length) return show(venueCard(), pledgesCard(), el('h2', { text: w('choose') }), search, ...reports.map(matterButton), noMatch());
  show(venueCard(), pledgesCard(),
    mine.length ? el('section', { id: 'mine' }, el('h2', { text: w('mine') }),
      ...mine.map((a) => el('a', { class: 'matter', href: `/m/a/${encodeURIComponent(a.number)}`, 'data-number': a.number },
        el('div', { text: pick(a, 'name') }), el('div', { class: 'muted', text: a.when })))) : null,
    search,
    el('section', { id: 'apps' }, el('h2', {}, w('apply'), el('span', { class: 'count', text: ` (${apps.length})` })), ...apps.map(matterButton)),
    reports.length ? el('section', { id: 'reports' }, el('h2', {}, reports.every((m) => m.kind === 'complaint') ? w('report') : w('serveReport'), el('span', { class: 'count', text: ` (${reports.length})` })), ...reports.map(matterButton)) : null,
    noMatch());
}

function noMatch() {
  return el('p', { class: 'muted', id: 'no-match', hidden: true, text: w('noMatch') });
}

// Hides the matter buttons (and sections left empty) that do not hold
// every word typed, in the matter's names or descriptions.
function searchBox() {
  const input = el('input', { type: 'search', id: 'm-search', placeholder: w('search'), 'aria-label': w('search'), autocomplete: 'off' });
  input.addEventListener('input', () => {
    const want = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const b of app.querySelectorAll('button.matter')) {
      const m = doc.matters.find((x) => x.id === b.dataset.matter);
      const text = [m.name_zh, m.name_en, m.description_zh, m.description_en].join(' ').toLowerCase();
      b.hidden = !want.every((x) => text.includes(x));
      if (!b.hidden) shown++;
    }
    for (const sec of app.querySelectorAll('#apps, #reports'))
      sec.hidden = !sec.querySelector('button.matter:not([hidden])');
    document.getElementById('no-match').hidden = shown > 0;
  });
  return input;
}

function renderConfirm() {
  const input = el('input', { type: 'tel', id: 'contact', autocomplete: 'tel' });
  const err = el('div', { class: 'error' });
  const go = async () => {
    try {
      await api(`/api/public/codes/${encodeURIComponent(token)}/verify`, { json: { contact_phone: input.value } });
    } catch (e) {
      err.textContent = e.status === 403 ? w('notMatch') : said(e, w('offline'));
      return;
    }
    contact = input.value; sessionStorage.setItem('zz_contact_' + token, contact); view = { name: view.next || 'form', matter: view.matter }; render();
  };
  show(venueCard(), el('div', { class: 'card' }, el('h2', { text: w('confirm') }), el('label', { for: 'contact', text: w('confirmMsg') }), input, err,
    el('button', { class: 'primary', type: 'button', id: 'confirm', onclick: go, text: w('confirmBtn') }),
    el('button', { class: 'matter', type: 'button', onclick: () => { view = { name: 'list' }; render(); }, text: w('back') })));
}

// A form field, the location filled with the code's place.
function fieldInput(f) {
  const e = doc.entity;
  return formField(f, [pick(e, 'name'), e.address].filter(Boolean).join(' '));
}

function readFile(file) {
  return new Promise((resolve, reject) => { const r = new FileReader(); r.onload = () => resolve(r.result); r.onerror = reject; r.readAsDataURL(file); });
}

function renderForm(m) {
  const form = el('form', { id: 'report', novalidate: true });
  if (m.public) form.append(el('p', { class: 'notice', id: 'public-note', text: w('publicNote') }));
  for (const f of m.form || []) {
    form.append(el('label', { for: 'f_' + f.id, text: pick(f, 'label') + (f.required ? ` (${w('required')})` : '') }), fieldInput(f));
  }
  const err = el('div', { class: 'error', id: 'error', role: 'alert' });
  const btn = el('button', { class: 'primary', type: 'submit', id: 'submit', text: w('submit') });
  form.append(err, btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    btn.disabled = true; btn.textContent = w('sending'); err.textContent = '';
    const body = { matter: m.id, fields: {} };
    if (contact) body.contact_phone = contact;
    try {
      for (const f of m.form || []) {
        const input = form.querySelector('#f_' + f.id);
        if (f.type === 'photo') { if (input.files[0]) body.photo = await readFile(input.files[0]); }
        else if (input.value) body.fields[f.id] = input.value;
      }
    } catch { err.textContent = w('offline'); btn.disabled = false; btn.textContent = w('submit'); return; }
    // What can be told before sending: a required field left empty.
    const empty = (m.form || []).find((f) => f.required && f.type !== 'photo' && !body.fields[f.id]);
    if (empty) {
      err.textContent = `${w('missing')}${lang === 'zh' ? '：' : ': '}${pick(empty, 'label')}`;
      form.querySelector('#f_' + empty.id).focus();
      btn.disabled = false; btn.textContent = w('submit');
      return;
    }
    try {
      location.href = (await api(`/api/public/codes/${encodeURIComponent(token)}/reports`, { json: body })).status_url;
    } catch (e) {
      const labels = Object.fromEntries((m.form || []).map((f) => [`fields.${f.id}`, pick(f, 'label')]));
      err.textContent = e.status === 429 ? w('busy') : saidOf(e, labels, w('offline'));
      const bad = (m.form || []).find((f) => e.field === `fields.${f.id}`);
      if (bad) form.querySelector('#f_' + bad.id).focus();
      btn.disabled = false; btn.textContent = w('submit');
    }
  });
  show(venueCard(), el('div', { class: 'card' }, el('h2', { text: pick(m, 'name') }), form),
    el('button', { class: 'matter', type: 'button', onclick: () => { view = { name: 'list' }; render(); }, text: w('back') }));
}

setupLang(() => (doc ? render() : null));
try {
  doc = await api(`/api/public/codes/${encodeURIComponent(token)}`);
} catch (e) {
  friendly(e.status);
}
if (doc?.code.kind === 'enterprise') {
  // a page without the pledges is still the code's page: a failure here only hides the link
  pledges = (await api(`/api/public/codes/${encodeURIComponent(token)}/pledges`).catch(() => null))?.pledges || null;
}
if (doc) render();
