// /m/p/TOKEN: the stall-holder's (or a market's) phone page after scanning
// its enterprise code: the pledges it is asked to sign in the campaigns it
// takes part in (GET /api/public/codes/TOKEN/pledges), each with its text
// and version. Signing takes the signer's name and the contact phone
// registered for the stall (checked by the server); the answer is a receipt
// kept on screen. A pledge signed already shows when, and nothing to sign.
import { el } from '../lib/dom.js';
import { api, saidOf } from '../lib/api.js';
import { pick, words, lang } from '../lib/i18n.js';
import { dateTime } from '../lib/time.js';
import { setupLang, PHONE_WORDS } from './common.js';

const T = {
  ...PHONE_WORDS,
  title: ['签署承诺书', 'Sign a pledge'],
  unknown: ['无法识别此码', 'Code not recognised'],
  unknownMsg: ['此码不存在或已失效，请重新扫描现场张贴的二维码。', 'This code does not exist or is no longer valid. Please scan the code posted on site again.'],
  revoked: ['此码已停用', 'Code no longer in use'],
  revokedMsg: ['此码已更换，请扫描现场张贴的新二维码。', 'This code has been replaced. Please scan the new code posted on site.'],
  none: ['本经营主体目前没有需要签署的承诺书。', 'There is nothing for this business to sign at present.'],
  version: ['版本', 'Version'],
  name: ['签署人姓名', "Signer's name"],
  phone: ['登记的联系电话', 'Registered contact phone'],
  phoneHint: ['请输入本摊位（单位）登记的联系电话，用于核实身份。', 'Enter the contact phone registered for this stall (or business); it proves who signs.'],
  agree: ['我已阅读并承诺遵守以上内容', 'I have read the above and commit to it'],
  sign: ['签署', 'Sign'],
  signing: ['提交中…', 'Sending…'],
  mustAgree: ['请先勾选“我已阅读并承诺遵守以上内容”。', 'Please tick "I have read the above and commit to it" first.'],
  mustName: ['请填写签署人姓名。', "Please enter the signer's name."],
  notMatch: ['与登记的联系电话不一致，请核对后再试。', 'This is not the registered contact phone. Please check it and try again.'],
  signed: ['已签署', 'Signed'],
  signedAt: ['签署时间', 'Signed at'],
  signedBy: ['签署人', 'Signed by'],
  done: ['签署成功', 'Signed'],
  receipt: ['回执编号', 'Receipt number'],
  keep: ['请截图保存本回执，并在摊位显著位置公示承诺书。', 'Keep a screenshot of this receipt and display the pledge at your stall.'],
  closed: ['该专项行动当前不接受签署。', 'This campaign takes no signatures at present.'],
  back: ['返回扫码首页', 'Back to the code page'],
  already: ['此前已签署', 'Signed before'],
};
const w = words(T);
const token = decodeURIComponent(location.pathname.split('/')[3] || '');
const app = document.getElementById('app');
let doc = null;
const receipts = {}; // "campaign/pledge" -> the receipt of a signature made on this page

function show(...kids) {
  app.replaceChildren(...kids.filter((k) => k != null));
  document.getElementById('title').textContent = w('title');
  document.title = w('title');
}

function friendly(status) {
  const revoked = status === 410;
  const msg = status === 429 ? w('busy') : status === 0 ? w('offline') : revoked ? w('revokedMsg') : w('unknownMsg');
  show(el('div', { class: 'card', id: 'friendly' }, el('h2', { text: revoked ? w('revoked') : status === 404 ? w('unknown') : w('title') }), el('p', { text: msg })));
}

const key = (p) => `${p.campaign}/${p.pledge}`;
const colon = () => (lang === 'zh' ? '：' : ': ');

function receiptCard(r) {
  return el('div', { class: 'card', id: 'done', 'data-pledge': r.pledge },
    el('div', { class: 'status ok', text: `✓ ${w('done')}` }),
    el('div', { text: pick(r, 'title') }),
    el('div', { class: 'muted', text: `${pick(r, 'campaign_name')} · ${w('version')} ${r.version}` }),
    el('p', {}, el('span', { class: 'muted', text: `${w('signedBy')}${colon()}` }), el('b', { id: 'r-signer', text: r.signer })),
    el('p', {}, el('span', { class: 'muted', text: `${w('signedAt')}${colon()}` }), el('b', { id: 'r-time', text: dateTime(r.signed_at) })),
    el('p', {}, el('span', { class: 'muted', text: `${w('receipt')}${colon()}` }), el('span', { class: 'number', id: 'r-number', text: `CP-${String(r.id).padStart(8, '0')}` })),
    el('p', { class: 'notice', text: w('keep') }));
}

function signedCard(p) {
  return el('div', { class: 'card pledge signed', 'data-pledge': p.pledge },
    el('div', { class: 'row' }, el('b', { text: pick(p, 'title') }), el('span', { class: 'decision d-approve', text: w('signed') })),
    el('div', { class: 'muted', text: `${pick(p, 'campaign_name')} · ${w('version')} ${p.signed_version || p.version}` }),
    el('p', {}, el('span', { class: 'muted', text: `${w('signedAt')}${colon()}` }), el('b', { class: 'signed-at', text: dateTime(p.signed_at) })));
}

function signCard(p) {
  const id = p.pledge;
  const name = el('input', { id: `name-${id}`, autocomplete: 'name', maxlength: 60 });
  const phone = el('input', { id: `phone-${id}`, type: 'tel', autocomplete: 'tel', maxlength: 20, inputmode: 'tel' });
  const agree = el('input', { id: `agree-${id}`, type: 'checkbox' });
  const err = el('div', { class: 'error', role: 'alert', id: `error-${id}` });
  const btn = el('button', { class: 'primary', type: 'submit', id: `sign-${id}`, text: w('sign') });
  const form = el('form', { class: 'sign', novalidate: true },
    el('label', { for: name.id, text: w('name') }), name,
    el('label', { for: phone.id, text: w('phone') }), phone,
    el('div', { class: 'muted', text: w('phoneHint') }),
    el('label', { class: 'agree' }, agree, ' ', w('agree')),
    err, btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    if (!name.value.trim()) { err.textContent = w('mustName'); name.focus(); return; }
    if (!agree.checked) { err.textContent = w('mustAgree'); return; }
    btn.disabled = true; btn.textContent = w('signing');
    try {
      const r = await api(`/api/public/codes/${encodeURIComponent(token)}/pledges`,
        { json: { campaign: p.campaign, pledge: p.pledge, signer: name.value.trim(), phone: phone.value } });
      receipts[key(p)] = r.pledge;
      Object.assign(p, { signed: true, signed_at: r.pledge.signed_at, signed_version: r.pledge.version });
      render();
      return;
    } catch (e) {
      if (e.code === 'already_signed') { await load(); return; }
      err.textContent = e.status === 403 ? w('notMatch') : e.status === 429 ? w('busy')
        : saidOf(e, { signer: w('name'), phone: w('phone') }, w('offline'));
      if (e.field === 'phone') phone.focus();
    }
    btn.disabled = false; btn.textContent = w('sign');
  });
  return el('div', { class: 'card pledge', 'data-pledge': id },
    el('div', { class: 'muted', text: pick(p, 'campaign_name') }),
    el('h2', { text: pick(p, 'title') }),
    el('div', { class: 'muted', text: `${w('version')} ${p.version}` }),
    el('p', { class: 'pledge-text', text: pick(p, 'text') }),
    p.open ? form : el('p', { class: 'notice', text: w('closed') }));
}

function render() {
  if (!doc) return;
  const e = doc.entity || {};
  const cards = doc.pledges.map((p) => (receipts[key(p)] ? receiptCard(receipts[key(p)]) : p.signed ? signedCard(p) : signCard(p)));
  show(el('div', { class: 'card' }, el('div', { class: 'venue', id: 'venue', text: pick(e, 'name') })),
    ...(cards.length ? cards : [el('p', { class: 'card muted', id: 'none', text: w('none') })]),
    el('a', { class: 'matter', id: 'back', href: `/m/c/${encodeURIComponent(token)}`, text: w('back') }));
  document.body.dataset.ready = '1';
}

async function load() {
  try {
    doc = await api(`/api/public/codes/${encodeURIComponent(token)}/pledges`);
  } catch (e) {
    friendly(e.status);
    return;
  }
  render();
}

setupLang(() => (doc ? render() : null));
await load();
