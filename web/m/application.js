// /m/a/NUMBER: the applicant's view of an application: its number, matter
// and state in words, the materials received (missing ones can be sent
// from here while the application waits for them), and one step per
// department with its decision, note and time; finished when all have
// decided. Refreshes every 15 s while open and whenever the page is shown
// again. Public-safe: the server sends no staff names and no phone numbers.
import { el } from '../lib/dom.js';
import { api, said, putFile } from '../lib/api.js';
import { pick, words } from '../lib/i18n.js';
import { dateTime } from '../lib/time.js';
import { setupLang, MATERIAL_MIME, megabytes, PHONE_WORDS } from './common.js';

const T = {
  ...PHONE_WORDS,
  title: ['申请进度', 'Application'],
  number: ['申请编号', 'Application number'],
  submitted: ['提交时间', 'Submitted'],
  unknown: ['未找到该申请编号对应的申请，请核对后重试。', 'No application has this number. Please check it.'],
  status: {
    awaiting_materials: ['待补充材料', 'Waiting for materials'],
    in_review: ['审批中', 'Under review'],
    approved: ['已办结：审批通过', 'Finished: approved'],
    rejected: ['已办结：未通过', 'Finished: not approved'],
  },
  materials: ['申请材料', 'Materials'],
  received: ['已收到', 'received'],
  notReceived: ['未收到', 'not received'],
  required: ['必需', 'required'],
  optional: ['选填', 'optional'],
  send: ['上传', 'Upload'],
  upTo: ['不超过', 'up to'],
  steps: ['部门审批', 'Departments'],
  step: {
    waiting: ['材料齐全后受理', 'Taken once the materials are in'],
    dispatched: ['待审批', 'Waiting for review'],
    accepted: ['审批中', 'Under review'],
    in_progress: ['审批中', 'Under review'],
    approve: ['同意', 'Approved'],
    reject: ['不同意', 'Not approved'],
  },
  decided: ['审批时间', 'Decided'],
  done: ['各部门均已审批，办理结束。', 'Every department has decided: the application is finished.'],
  doneApproved: ['全部同意，可按申请开展。', 'All approved: you may go ahead as applied.'],
  doneRejected: ['有部门不同意，请按意见修改后重新申请。', 'Not every department approved: see their notes before applying again.'],
};
const w = words(T);
const number = decodeURIComponent(location.pathname.split('/')[3] || '');
const app = document.getElementById('app');
let doc = null, busy = false;

function statusWord(a) {
  return a.status === 'done' ? w('status', a.outcome) || a.outcome : w('status', a.status) || a.status;
}

function stepWord(s) {
  return s.decision ? w('step', s.decision) || s.decision : w('step', s.state) || s.state;
}

function materialRow(m) {
  const kids = [el('div', { class: 'row' },
    el('span', { text: `${pick(m, 'name')} (${m.required ? w('required') : w('optional')})` }),
    el('span', { class: m.received ? 'ok' : 'muted', text: m.received ? `✓ ${w('received')}` : w('notReceived') }))];
  if (!m.received && doc.status === 'awaiting_materials') {
    const types = m.types || ['pdf', 'jpeg', 'png'];
    const max = doc.limits?.material_bytes || 10 * 1024 * 1024;
    const input = el('input', { type: 'file', id: 'm_' + m.id, accept: types.map((x) => MATERIAL_MIME[x]).filter(Boolean).join(',') });
    const bar = el('progress', { max: 100, value: 0, hidden: true });
    const err = el('div', { class: 'error' });
    const send = async () => {
      const file = input.files[0];
      if (!file) return;
      if (file.size > max) { err.textContent = `${w('upTo')} ${megabytes(max)}`; return; }
      busy = true;
      bar.hidden = false;
      let sent = true;
      try {
        await putFile(`/api/public/applications/${encodeURIComponent(number)}/materials/${encodeURIComponent(m.id)}`,
          file, (f) => { bar.value = Math.round(f * 100); });
      } catch (e) {
        sent = false;
        err.textContent = said(e, w('offline'));
      }
      busy = false;
      if (sent) await load();
    };
    kids.push(input, bar, err, el('button', { type: 'button', class: 'primary', id: 'send_' + m.id, onclick: send, text: w('send') }));
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
  if (s.decided) kids.push(el('div', { class: 'muted', text: `${w('decided')} ${dateTime(s.decided)}` }));
  return el('li', { class: 'step', 'data-department': s.department, 'data-decision': s.decision || 'pending' }, ...kids);
}

function render() {
  document.getElementById('title').textContent = w('title');
  document.title = w('title');
  if (!doc) return;
  const a = doc;
  const kids = [el('div', { class: 'card' },
    el('div', { class: 'muted', text: w('number') }), el('div', { class: 'number', id: 'number', text: a.number }),
    el('div', { class: 'venue', id: 'matter', text: pick(a, 'name') }),
    el('div', { class: 'status', id: 'status', 'data-status': a.status, 'data-outcome': a.outcome || '', text: statusWord(a) }),
    el('div', { class: 'muted', text: `${w('submitted')} ${dateTime(a.submitted)}` }))];
  if (a.status === 'done') {
    kids.push(el('div', { class: 'card', id: 'done' }, el('p', { text: w('done') }),
      el('p', { text: a.outcome === 'approved' ? w('doneApproved') : w('doneRejected') })));
  }
  kids.push(el('div', { class: 'card' }, el('h2', { text: w('steps') }),
    el('ol', { class: 'steps', id: 'steps' }, ...a.steps.map(stepRow))));
  if (a.materials.length) {
    kids.push(el('div', { class: 'card' }, el('h2', { text: w('materials') }),
      el('ul', { class: 'mats', id: 'materials' }, ...a.materials.map(materialRow))));
  }
  app.replaceChildren(...kids);
}

async function load() {
  try {
    doc = (await api(`/api/public/applications/${encodeURIComponent(number)}`)).application;
  } catch (e) {
    if (!doc) {
      const msg = e.status === 429 ? w('busy') : e.status === 0 ? w('offline') : w('unknown');
      app.replaceChildren(el('div', { class: 'card', id: 'friendly' }, el('p', { text: msg })));
    }
    return false;
  }
  render();
  return true;
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
