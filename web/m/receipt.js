// /m/r/RECEIPT: the citizen's view of a report: state, steps with times,
// the outcome, then a rating (1-5 and a note). Public-safe: the server sends
// no staff names and no phone numbers.
import { el } from '../lib/dom.js';
import { api, said } from '../lib/api.js';
import { words } from '../lib/i18n.js';
import { dateTime } from '../lib/time.js';
import { setupLang, PHONE_WORDS } from './common.js';

const T = {
  ...PHONE_WORDS,
  title: ['办理进度', 'Progress'],
  receipt: ['回执号', 'Receipt'],
  unknown: ['未找到该回执号对应的反映，请核对后重试。', 'No report has this receipt number. Please check it.'],
  states: {
    reported: ['已受理', 'Received'],
    dispatched: ['已派单', 'Dispatched'],
    accepted: ['处理中', 'Being handled'],
    in_progress: ['处理中', 'Being handled'],
    resolved: ['已办结', 'Resolved'],
    verified: ['已核实', 'Verified'],
    closed: ['已关闭', 'Closed'],
    returned: ['已受理', 'Received'],
    reopened: ['重新办理', 'Reopened'],
    merged: ['已合并办理', 'Merged'],
    escalated: ['已督办', 'Supervised'],
  },
  steps: ['办理过程', 'Steps'],
  outcome: ['处理结果', 'Outcome'],
  rate: ['请对处理结果评价', 'Please rate the result'],
  note: ['意见（选填）', 'Note (optional)'],
  send: ['提交评价', 'Send rating'],
  thanks: ['感谢您的评价', 'Thank you for your rating'],
  rated: ['您的评价', 'Your rating'],
};
const w = words(T);
const st = (s) => w('states', s) || s;
const receipt = decodeURIComponent(location.pathname.split('/')[3] || '');
const app = document.getElementById('app');
let doc = null, score = 0;

function render() {
  document.getElementById('title').textContent = w('title');
  if (!doc) return;
  const kids = [el('div', { class: 'card' }, el('div', { class: 'muted', text: w('receipt') }), el('div', { class: 'receipt', id: 'receipt', text: doc.receipt }),
    el('div', { class: 'venue', id: 'state', 'data-state': doc.state, text: st(doc.state) }), el('div', { class: 'muted', text: doc.title }))];
  kids.push(el('div', { class: 'card' }, el('h2', { text: w('steps') }),
    el('ol', { class: 'steps', id: 'steps' }, ...doc.steps.map((s) => el('li', { text: `${dateTime(s.ts)} ${st(s.state)}` })))));
  if (doc.outcome) kids.push(el('div', { class: 'card' }, el('h2', { text: w('outcome') }), el('p', { id: 'outcome', text: doc.outcome })));
  if (doc.rating) kids.push(el('div', { class: 'card', id: 'rated' }, el('p', { text: `${w('rated')}: ${'★'.repeat(doc.rating)}` })));
  else if (doc.can_rate) {
    const stars = el('div', { class: 'stars', id: 'stars' });
    const paint = () => stars.querySelectorAll('button').forEach((b, i) => b.classList.toggle('on', i < score));
    for (let i = 1; i <= 5; i++) stars.append(el('button', { type: 'button', 'data-score': i, 'aria-label': String(i), text: '★', onclick: () => { score = i; paint(); } }));
    const note = el('textarea', { id: 'note', maxlength: 500 });
    const err = el('div', { class: 'error' });
    const send = async () => {
      if (!score) return;
      try {
        doc = await api(`/api/public/receipts/${encodeURIComponent(receipt)}/rating`, { json: { score, note: note.value } });
      } catch (e) {
        err.textContent = e.status === 429 ? w('busy') : said(e);
        return;
      }
      render();
    };
    kids.push(el('div', { class: 'card' }, el('h2', { text: w('rate') }), stars, el('label', { for: 'note', text: w('note') }), note, err,
      el('button', { class: 'primary', type: 'button', id: 'rate', onclick: send, text: w('send') })));
    paint();
  }
  app.replaceChildren(...kids);
}

async function load() {
  try {
    doc = await api(`/api/public/receipts/${encodeURIComponent(receipt)}`);
  } catch (e) {
    app.replaceChildren(el('div', { class: 'card', id: 'friendly' }, el('p', { text: e.status === 429 ? w('busy') : w('unknown') })));
    return false;
  }
  render();
  return true;
}

setupLang(render);
if (await load()) {
  // follow the order until it is closed; a rating form being filled is kept
  const timer = setInterval(async () => {
    if (!doc || doc.state === 'closed' || doc.can_rate || doc.rating) { clearInterval(timer); return; }
    await load();
  }, 15000);
}
