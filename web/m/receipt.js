// /m/r/RECEIPT: the citizen's view of a report: state, steps with times,
// the outcome, then a rating (1-5 and a note). Public-safe: the server sends
// no staff names and no phone numbers.
import { el, lang, setupLang, api, fmtTime } from './common.js';

const T = {
  zh: { title: '办理进度', receipt: '回执号', unknown: '未找到该回执号对应的反映，请核对后重试。', busy: '请求过于频繁，请稍后再试。',
    states: { reported: '已受理', dispatched: '已派单', accepted: '处理中', in_progress: '处理中', resolved: '已办结', verified: '已核实', closed: '已关闭', returned: '已受理', reopened: '重新办理', merged: '已合并办理', escalated: '已督办' },
    steps: '办理过程', outcome: '处理结果', rate: '请对处理结果评价', note: '意见（选填）', send: '提交评价', thanks: '感谢您的评价', rated: '您的评价' },
  en: { title: 'Progress', receipt: 'Receipt', unknown: 'No report has this receipt number. Please check it.', busy: 'Too many requests, please try again shortly.',
    states: { reported: 'Received', dispatched: 'Dispatched', accepted: 'Being handled', in_progress: 'Being handled', resolved: 'Resolved', verified: 'Verified', closed: 'Closed', returned: 'Received', reopened: 'Reopened', merged: 'Merged', escalated: 'Supervised' },
    steps: 'Steps', outcome: 'Outcome', rate: 'Please rate the result', note: 'Note (optional)', send: 'Send rating', thanks: 'Thank you for your rating', rated: 'Your rating' },
};
const t = (k) => T[lang][k];
const st = (s) => T[lang].states[s] || s;
const receipt = decodeURIComponent(location.pathname.split('/')[3] || '');
const app = document.getElementById('app');
let doc = null, score = 0;

function render() {
  document.querySelector('[data-i18n=title]').textContent = t('title');
  if (!doc) return;
  const kids = [el('div', { class: 'card' }, el('div', { class: 'muted', text: t('receipt') }), el('div', { class: 'receipt', id: 'receipt', text: doc.receipt }),
    el('div', { class: 'venue', id: 'state', 'data-state': doc.state, text: st(doc.state) }), el('div', { class: 'muted', text: doc.title }))];
  kids.push(el('div', { class: 'card' }, el('h2', { text: t('steps') }),
    el('ol', { class: 'steps', id: 'steps' }, ...doc.steps.map((s) => el('li', { text: `${fmtTime(s.ts)} ${st(s.state)}` })))));
  if (doc.outcome) kids.push(el('div', { class: 'card' }, el('h2', { text: t('outcome') }), el('p', { id: 'outcome', text: doc.outcome })));
  if (doc.rating) kids.push(el('div', { class: 'card', id: 'rated' }, el('p', { text: `${t('rated')}: ${'★'.repeat(doc.rating)}` })));
  else if (doc.can_rate) {
    const stars = el('div', { class: 'stars', id: 'stars' });
    const paint = () => stars.querySelectorAll('button').forEach((b, i) => b.classList.toggle('on', i < score));
    for (let i = 1; i <= 5; i++) stars.append(el('button', { type: 'button', 'data-score': i, 'aria-label': String(i), text: '★', onclick: () => { score = i; paint(); } }));
    const note = el('textarea', { id: 'note', maxlength: 500 });
    const err = el('div', { class: 'error' });
    const send = async () => {
      if (!score) return;
      const r = await api('POST', `/api/public/receipts/${encodeURIComponent(receipt)}/rating`, { score, note: note.value });
      if (r.status === 200) { doc = r.data; render(); } else err.textContent = r.status === 429 ? t('busy') : (r.data?.error?.message || '');
    };
    kids.push(el('div', { class: 'card' }, el('h2', { text: t('rate') }), stars, el('label', { for: 'note', text: t('note') }), note, err,
      el('button', { class: 'primary', type: 'button', id: 'rate', onclick: send, text: t('send') })));
    paint();
  }
  app.replaceChildren(...kids);
}

async function load() {
  const r = await api('GET', `/api/public/receipts/${encodeURIComponent(receipt)}`);
  if (r.status === 200) { doc = r.data; render(); return true; }
  app.replaceChildren(el('div', { class: 'card', id: 'friendly' }, el('p', { text: r.status === 429 ? t('busy') : t('unknown') })));
  return false;
}

setupLang(render);
if (await load()) {
  // follow the order until it is closed; a rating form being filled is kept
  const timer = setInterval(async () => {
    if (!doc || doc.state === 'closed' || doc.can_rate || doc.rating) { clearInterval(timer); return; }
    await load();
  }, 15000);
}
