// /m/k/TOKEN: what a phone shows after scanning a case programme's
// activity code (a live-stream show, a 成长互助月 session, a salon): the
// activity, and a check-in with the mother's phone number. The server
// matches the number against the programme's files and answers only
// "checked in" or a refusal: this page never shows anyone's name.
import { el } from '../lib/dom.js';
import { api, said } from '../lib/api.js';
import { pick, words } from '../lib/i18n.js';
import { dateTime } from '../lib/time.js';
import { setupLang, PHONE_WORDS } from './common.js';

const T = {
  ...PHONE_WORDS,
  title: ['活动签到', 'Activity check-in'],
  unknown: ['无法识别此码', 'Code not recognised'],
  phone: ['手机号', 'Mobile number'],
  hint: ['请填写建档时登记的手机号，签到后计入您的服务记录。', 'Enter the mobile number your file was opened with; the check-in goes on your record.'],
  send: ['签到', 'Check in'],
  sending: ['签到中…', 'Checking in…'],
  done: ['已签到', 'Checked in'],
  doneMsg: ['欢迎参加本次活动！', 'Welcome to the activity!'],
  again: ['您已签到过，无需重复签到。', 'You had already checked in; once is enough.'],
  missing: ['请填写手机号', 'Please enter your mobile number'],
  when: ['时间', 'When'],
  where: ['地点', 'Where'],
};
const w = words(T);
const token = decodeURIComponent(location.pathname.split('/')[3] || '');
const app = document.getElementById('app');
let doc = null, result = null, error = '', sending = false, typed = '';

function activityCard() {
  const a = doc.activity;
  return el('div', { class: 'card', id: 'activity' },
    el('div', { class: 'muted', text: `${pick(a.program, 'name')} · ${pick(a, 'kind')}` }),
    el('div', { class: 'venue', text: a.title }),
    el('div', { class: 'muted', text: `${w('when')}：${dateTime(a.ts)}` }),
    a.place ? el('div', { class: 'muted', text: `${w('where')}：${a.place}` }) : null);
}

function render() {
  document.getElementById('title').textContent = w('title');
  document.title = w('title');
  if (!doc) {
    app.replaceChildren(el('div', { class: 'card', id: 'friendly' }, el('h2', { text: w('unknown') }), el('p', { text: error })));
    return;
  }
  if (result) {
    app.replaceChildren(activityCard(), el('div', { class: 'card', id: 'done' },
      el('div', { class: 'receipt ok', text: `✓ ${w('done')}` }),
      el('p', { text: result.already ? w('again') : w('doneMsg') })));
    return;
  }
  const input = el('input', { id: 'phone', type: 'tel', inputmode: 'numeric', autocomplete: 'tel', maxlength: 20, required: true, value: typed });
  const form = el('form', { class: 'card', id: 'checkin' },
    el('label', { for: 'phone', text: w('phone') }), input,
    el('p', { class: 'muted', text: w('hint') }),
    el('div', { class: 'error', id: 'error', role: 'alert', text: error }),
    el('button', { class: 'primary', type: 'submit', id: 'send', disabled: sending, text: sending ? w('sending') : w('send') }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const phone = (typed = document.getElementById('phone').value.trim());
    if (!phone) { error = w('missing'); render(); return; }
    sending = true;
    error = '';
    render();
    try {
      result = await api(`/api/public/checkin/${encodeURIComponent(token)}`, { json: { phone } });
    } catch (e) {
      error = e.status === 429 ? w('busy') : e.status === 0 ? w('offline') : said(e, w('offline'));
    }
    sending = false;
    render();
    document.getElementById('phone')?.focus();
  });
  app.replaceChildren(activityCard(), form);
}

async function main() {
  setupLang(render);
  try {
    doc = await api(`/api/public/checkin/${encodeURIComponent(token)}`);
  } catch (e) {
    error = e.status === 429 ? w('busy') : said(e, w('offline'));
  }
  render();
  document.body.dataset.ready = '1';
}

main();
