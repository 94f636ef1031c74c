// The application form of an enterprise code's page (/m/c/TOKEN, scan.js)
// and of an online application (/m/o/MATTER, online.js, no code): the
// applicant, the company (the enterprise's name to start with), the phone
// (online only: through a code it is the confirmed contact), the matter's
// fields and one file per declared material, checked here for type and
// size first. Sending posts the application (with the code, if any), then
// uploads each material with its progress shown, then opens /m/a/NUMBER.
// The numbers sent from this phone are kept so the page lists them.
import { el } from '../lib/dom.js';
import { api, said, saidOf, putFile } from '../lib/api.js';
import { pick, words } from '../lib/i18n.js';
import { dateTime } from '../lib/time.js';
import { MATERIAL_MIME, megabytes, PHONE_WORDS } from './common.js';

const T = {
  ...PHONE_WORDS,
  applicant: ['申请人姓名', 'Applicant name'],
  phone: ['联系电话', 'Phone'],
  company: ['企业名称', 'Company'],
  required: ['必填', 'required'],
  materials: ['申请材料', 'Materials'],
  optional: ['选填', 'optional'],
  types: ['格式', 'Types'],
  upTo: ['不超过', 'up to'],
  submit: ['提交申请', 'Submit application'],
  sending: ['提交中…', 'Sending…'],
  uploading: ['正在上传材料…', 'Uploading materials…'],
  back: ['返回', 'Back'],
  missing: ['请填写', 'Please fill in'],
  missingFile: ['请上传', 'Please attach'],
  tooBig: ['文件太大', 'File too large'],
  wrongType: ['文件格式不符', 'Wrong file type'],
  uploadFailed: ['材料上传未完成', 'Not every material was uploaded'],
  goStatus: ['查看申请进度并补传材料', 'Open the application to add the rest'],
};
const w = words(T);
const DEFAULT_MAX = 10 * 1024 * 1024;

// Kept per code, or under "online" for applications made without one.
const key = (token) => 'zz_apps_' + (token || 'online');

/** The applications sent from this phone through this code, newest first. */
export function recentApplications(token) {
  try {
    const v = JSON.parse(localStorage.getItem(key(token)) || '[]');
    return Array.isArray(v) ? v.filter((a) => a && /^[0-9a-f]{32}$/.test(a.number)) : [];
  } catch {
    return [];
  }
}

function remember(token, number, m) {
  const list = [{ number, name_zh: m.name_zh, name_en: m.name_en, when: dateTime(Date.now()) },
    ...recentApplications(token).filter((a) => a.number !== number)].slice(0, 10);
  try { localStorage.setItem(key(token), JSON.stringify(list)); } catch { /* storage full or off: the page still works */ }
}

const label = (forId, text, req) => el('label', { for: forId, text: text + (req ? ` (${w('required')})` : '') });

/** Renders the form for application matter m; ctx gives the page's doc,
 * token (null online), confirmed contact (online: asked here), show (with
 * the venue card), back, recontact (the contact was refused) and the
 * page's fieldInput. */
export function renderApply(ctx) {
  const { doc, token, matter: m, contact, show, back, recontact, fieldInput } = ctx;
  const max = doc.limits?.material_bytes || DEFAULT_MAX;
  const form = el('form', { id: 'apply', novalidate: true });
  const name = el('input', { id: 'a_name', type: 'text', maxlength: 60, autocomplete: 'name', required: true });
  const company = el('input', { id: 'a_company', type: 'text', maxlength: 120, value: doc.entity?.name_zh || '' });
  const phone = token ? null : el('input', { id: 'a_phone', type: 'tel', maxlength: 20, autocomplete: 'tel', required: true });
  form.append(label('a_name', w('applicant'), true), name);
  if (phone) form.append(label('a_phone', w('phone'), true), phone);
  form.append(label('a_company', w('company')), company);
  // the applicant's phone is the confirmed contact; photos travel as materials
  const fields = (m.form || []).filter((f) => f.id !== 'contact_phone' && f.type !== 'photo');
  for (const f of fields) form.append(label('f_' + f.id, pick(f, 'label'), f.required), fieldInput(f));

  const mats = m.materials || [];
  const box = el('div', { class: 'materials', id: 'materials' }, el('h2', { text: w('materials') }));
  for (const mat of mats) {
    const types = mat.types || ['pdf', 'jpeg', 'png'];
    box.append(
      el('label', { for: 'm_' + mat.id, text: `${pick(mat, 'name')} (${mat.required ? w('required') : w('optional')})` }),
      el('input', { id: 'm_' + mat.id, type: 'file', 'data-material': mat.id, accept: types.map((x) => MATERIAL_MIME[x]).filter(Boolean).join(',') }),
      el('div', { class: 'muted', text: `${w('types')}: ${types.map((x) => x.toUpperCase()).join(' / ')} · ${w('upTo')} ${megabytes(max)}` }),
      el('progress', { id: 'p_' + mat.id, max: 100, value: 0, hidden: true }),
      el('div', { class: 'error', id: 'e_' + mat.id }));
  }
  const err = el('div', { class: 'error', id: 'error', role: 'alert' });
  const btn = el('button', { class: 'primary', type: 'submit', id: 'submit', text: w('submit') });
  if (mats.length) form.append(box);
  form.append(err, btn);

  const fail = (msg, extra) => {
    err.replaceChildren(...[el('span', { text: msg }), extra].filter(Boolean));
    btn.disabled = false;
    btn.textContent = w('submit');
  };
  const chosen = (mat) => form.querySelector('#m_' + mat.id).files[0] || null;

  // What can be told before sending: the missing, the too large, the wrong type.
  function check() {
    if (!name.value.trim()) return `${w('missing')}: ${w('applicant')}`;
    if (phone && !phone.value.trim()) return `${w('missing')}: ${w('phone')}`;
    for (const f of fields) {
      if (f.required && !form.querySelector('#f_' + f.id).value.trim()) return `${w('missing')}: ${pick(f, 'label')}`;
    }
    for (const mat of mats) {
      const file = chosen(mat);
      if (!file) {
        if (mat.required) return `${w('missingFile')}: ${pick(mat, 'name')}`;
        continue;
      }
      if (file.size > max) return `${w('tooBig')}: ${pick(mat, 'name')} (${w('upTo')} ${megabytes(max)})`;
      const ok = (mat.types || []).map((x) => MATERIAL_MIME[x]);
      if (file.type && ok.length && !ok.includes(file.type)) return `${w('wrongType')}: ${pick(mat, 'name')}`;
    }
    return null;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const bad = check();
    if (bad) return fail(bad);
    btn.disabled = true;
    btn.textContent = w('sending');
    const values = {};
    for (const f of fields) {
      const v = form.querySelector('#f_' + f.id).value.trim();
      if (v) values[f.id] = v;
    }
    const applicant = { name: name.value.trim(), phone: phone ? phone.value.trim() : contact };
    if (company.value.trim()) applicant.company = company.value.trim();
    let a;
    try {
      const body = token ? { code: token, matter: m.id, applicant, form: values } : { matter: m.id, applicant, form: values };
      a = (await api('/api/public/applications', { json: body })).application;
    } catch (e) {
      if (token && e.status === 403 && e.field === 'applicant.phone') {
        recontact();
        return;
      }
      const labels = Object.fromEntries([...fields.map((f) => [`form.${f.id}`, pick(f, 'label')]),
        ['applicant.name', w('applicant')], ['applicant.phone', w('phone')]]);
      return fail(e.status === 429 ? w('busy') : saidOf(e, labels, w('offline')));
    }
    remember(token, a.number, m);
    const page = `/m/a/${encodeURIComponent(a.number)}`;
    btn.textContent = w('uploading');
    for (const mat of mats) {
      const file = chosen(mat);
      if (!file) continue;
      const bar = form.querySelector('#p_' + mat.id);
      bar.hidden = false;
      try {
        await putFile(`/api/public/applications/${encodeURIComponent(a.number)}/materials/${encodeURIComponent(mat.id)}`,
          file, (f) => { bar.value = Math.round(f * 100); });
      } catch (e) {
        form.querySelector('#e_' + mat.id).textContent = said(e, w('offline'));
        // the application exists: the rest can be added from its page
        btn.hidden = true;
        return fail(w('uploadFailed'), el('a', { href: page, id: 'go-status', class: 'matter', text: w('goStatus') }));
      }
    }
    location.href = page;
  });

  show(el('div', { class: 'card' }, el('h2', { text: pick(m, 'name') }),
    el('p', { class: 'muted', text: pick(m, 'description') }), form),
  el('button', { class: 'matter', type: 'button', onclick: back, text: w('back') }));
}
