// /m/a/NUMBER: the applicant's view of an application: its number, matter
// and state in words, the materials received (missing ones can be sent
// from here while the application waits for them), and one step per
// department with its decision, note and time; finished when all have
// decided. Refreshes every 15 s while open and whenever the page is shown
// again. Public-safe: the server sends no staff names and no phone numbers.
import { el, pick, lang, setupLang, api, fmtTime, putFile, MATERIAL_MIME, megabytes } from './common.js';

const T = {
  zh: { title: '申请进度', number: '申请编号', submitted: '提交时间', unknown: '未找到该申请编号对应的申请，请核对后重试。',
    busy: '请求过于频繁，请稍后再试。', offline: '网络异常，请稍后再试。',
    status: { awaiting_materials: '待补充材料', in_review: '审批中', approved: '已办结：审批通过', rejected: '已办结：未通过' },
    materials: '申请材料', received: '已收到', notReceived: '未收到', required: '必需', optional: '选填', send: '上传', upTo: '不超过',
    steps: '部门审批', step: { waiting: '材料齐全后受理', dispatched: '待审批', accepted: '审批中', in_progress: '审批中', approve: '同意', reject: '不同意' },
    decided: '审批时间', done: '各部门均已审批，办理结束。', doneApproved: '全部同意，可按申请开展。', doneRejected: '有部门不同意，请按意见修改后重新申请。' },
  en: { title: 'Application', number: 'Application number', submitted: 'Submitted', unknown: 'No application has this number. Please check it.',
    busy: 'Too many requests, please try again shortly.', offline: 'Network error, please try again.',
    status: { awaiting_materials: 'Waiting for materials', in_review: 'Under review', approved: 'Finished: approved', rejected: 'Finished: not approved' },
    materials: 'Materials', received: 'received', notReceived: 'not received', required: 'required', optional: 'optional', send: 'Upload', upTo: 'up to',
    steps: 'Departments', step: { waiting: 'Taken once the materials are in', dispatched: 'Waiting for review', accepted: 'Under review', in_progress: 'Under review', approve: 'Approved', reject: 'Not approved' },
    decided: 'Decided', done: 'Every department has decided: the application is finished.', doneApproved: 'All approved: you may go ahead as applied.', doneRejected: 'Not every department approved: see their notes before applying again.' },
};
const t = (k) => T[lang][k];
const number = decodeURIComponent(location.pathname.split('/')[3] || '');
const app = document.getElementById('app');
let doc = null, busy = false;

function statusWord(a) {
  return a.status === 'done' ? t('status')[a.outcome] || a.outcome : t('status')[a.status] || a.status;
}

function stepWord(s) {
  return s.decision ? t('step')[s.decision] || s.decision : t('step')[s.state] || s.state;
}

function materialRow(m) {
  const kids = [el('div', { class: 'row' },
    el('span', { text: `${pick(m, 'name')} (${m.required ? t('required') : t('optional')})` }),
    el('span', { class: m.received ? 'ok' : 'muted', text: m.received ? `✓ ${t('received')}` : t('notReceived') }))];
  if (!m.received && doc.status === 'awaiting_materials') {
    const types = m.types || ['pdf', 'jpeg', 'png'];
    const max = doc.limits?.material_bytes || 10 * 1024 * 1024;
    const input = el('input', { type: 'file', id: 'm_' + m.id, accept: types.map((x) => MATERIAL_MIME[x]).filter(Boolean).join(',') });
    const bar = el('progress', { max: 100, value: 0, hidden: true });
    const err = el('div', { class: 'error' });
    const send = async () => {
      const file = input.files[0];
      if (!file) return;
      if (file.size > max) { err.textContent = `${t('upTo')} ${megabytes(max)}`; return; }
      busy = true;
      bar.hidden = false;
      const r = await putFile(`/api/public/applications/${encodeURIComponent(number)}/materials/${encodeURIComponent(m.id)}`,
        file, (f) => { bar.value = Math.round(f * 100); });
      busy = false;
      if (r.status === 201) await load();
      else err.textContent = r.status === 0 ? t('offline') : (r.data?.error?.message || t('offline'));
    };
    kids.push(input, bar, err, el('button', { type: 'button', class: 'primary', id: 'send_' + m.id, onclick: send, text: t('send') }));
  }
  return el('li', { id: 'mat-' + m.id, 'data-received': String(m.received) }, ...kids);
}

function stepRow(s) {
  const dept = pick({ name_zh: s.department_name_zh, name_en: s.department_name_en }, 'name') || s.department;
  const stepName = pick(s, 'name');
  const kids = [
    el('div', { class: 'row' }, el('b', { text: stepName ? `${dept} · ${stepName}` : dept }),
      el('span', { class: 'decision d-' + (s.decision || 'pending'), text: stepWord(s) })),
  ];
  if (s.note) kids.push(el('div', { class: 'note', text: s.note }));
  if (s.decided) kids.push(el('div', { class: 'muted', text: `${t('decided')} ${fmtTime(s.decided)}` }));
  return el('li', { class: 'step', 'data-department': s.department, 'data-decision': s.decision || 'pending' }, ...kids);
}

function render() {
  document.querySelector('[data-i18n=title]').textContent = t('title');
  document.title = t('title');
  if (!doc) return;
  const a = doc;
  const kids = [el('div', { class: 'card' },
    el('div', { class: 'muted', text: t('number') }), el('div', { class: 'number', id: 'number', text: a.number }),
    el('div', { class: 'venue', id: 'matter', text: pick(a, 'name') }),
    el('div', { class: 'status', id: 'status', 'data-status': a.status, 'data-outcome': a.outcome || '', text: statusWord(a) }),
    el('div', { class: 'muted', text: `${t('submitted')} ${fmtTime(a.submitted)}` }))];
  if (a.status === 'done') {
    kids.push(el('div', { class: 'card', id: 'done' }, el('p', { text: t('done') }),
      el('p', { text: a.outcome === 'approved' ? t('doneApproved') : t('doneRejected') })));
  }
  kids.push(el('div', { class: 'card' }, el('h2', { text: t('steps') }),
    el('ol', { class: 'steps', id: 'steps' }, ...a.steps.map(stepRow))));
  if (a.materials.length) {
    kids.push(el('div', { class: 'card' }, el('h2', { text: t('materials') }),
      el('ul', { class: 'mats', id: 'materials' }, ...a.materials.map(materialRow))));
  }
  app.replaceChildren(...kids);
}

async function load() {
  const r = await api('GET', `/api/public/applications/${encodeURIComponent(number)}`);
  if (r.status === 200) { doc = r.data.application; render(); return true; }
  if (!doc) {
    const msg = r.status === 429 ? t('busy') : r.status === 0 ? t('offline') : t('unknown');
    app.replaceChildren(el('div', { class: 'card', id: 'friendly' }, el('p', { text: msg })));
  }
  return false;
}

// A refresh leaves a file being chosen or sent alone.
function quiet() {
  return busy || [...document.querySelectorAll('input[type=file]')].some((i) => i.files.length);
}

setupLang(render);
await load();
const timer = setInterval(() => {
  if (doc && doc.status === 'done') { clearInterval(timer); return; }
  if (!document.hidden && !quiet()) load();
}, 15000);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && doc && doc.status !== 'done' && !quiet()) load();
});
